package content

import (
	"net/url"
	"path"
	"strings"
)

// Resolve finds the article that ref names, in any form a person or a ticket
// tool may have stored: an id ("etcd-no-leader"), a source path
// ("runbooks/etcd/no-leader.md"), a URL path ("/runbooks/etcd/no-leader"), a
// permalink ("/a/etcd-no-leader"), an old alias, an alert route
// ("/alerts/etcdNoLeader"), or an absolute URL whose path is one of those. It
// returns the fragment of ref, if any, as anchor.
func (s *Snapshot) Resolve(ref string) (a *Article, anchor string, ok bool) {
	ref = strings.TrimSpace(ref)
	if ref == "" || len(ref) > 2048 {
		return nil, "", false
	}
	if u, err := url.Parse(ref); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		ref, anchor = u.Path, u.Fragment
	} else if p, frag, found := strings.Cut(ref, "#"); found {
		ref, anchor = p, frag
	}
	ref, _, _ = strings.Cut(ref, "?")
	if a, ok := s.ByID(ref); ok {
		return a, anchor, true
	}
	if !strings.HasPrefix(ref, "/") {
		if a, ok := s.pathArticle(path.Clean(ref)); ok {
			return a, anchor, true
		}
		ref = "/" + ref
	}
	if unescaped, err := url.PathUnescape(ref); err == nil {
		ref = unescaped
	}
	ref = path.Clean(ref)
	if rest, found := strings.CutPrefix(ref, "/a/"); found {
		a, ok := s.ByID(rest)
		return a, anchor, ok
	}
	if rest, found := strings.CutPrefix(ref, "/alerts/"); found {
		a, ok := s.ByAlert(rest)
		return a, anchor, ok
	}
	if a, ok := s.ByURL(strings.TrimSuffix(ref, ".md")); ok {
		return a, anchor, true
	}
	if a, ok := s.ByAlias(ref); ok {
		return a, anchor, true
	}
	if a, ok := s.ByFoldedURL(ref); ok {
		return a, anchor, true
	}
	return nil, "", false
}

// ByAlert returns the runbook for an alert: the article whose front matter
// lists the alert, else the runbook whose file name or title is the alert's
// name. Letter case and separators are ignored, since rule generators write
// "kubepodcrashlooping" and "kube-pod-crash-looping" for KubePodCrashLooping.
func (s *Snapshot) ByAlert(name string) (*Article, bool) {
	k := AlertKey(name)
	if k == "" {
		return nil, false
	}
	if a, ok := s.alertArticle(k); ok {
		return a, true
	}
	return s.alertNameArticle(k)
}

// indexAlerts fills the alert maps; the article whose path sorts first wins a
// name claimed twice, and the other gets a warning.
func (s *Snapshot) indexAlerts(articles []*Article) {
	s.alerts = map[string]*Article{}
	s.alertNames = map[string]*Article{}
	for _, a := range articles {
		for _, name := range a.Alerts {
			k := AlertKey(name)
			if k == "" {
				continue
			}
			if other, dup := s.alerts[k]; dup && other != a {
				w := alertTakenWarning(a, name, other.Path)
				a.Warnings = append(a.Warnings, w)
				s.Warnings = append(s.Warnings, w)
				s.noteClaim(w, alertStep)
				continue
			}
			s.alerts[k] = a
		}
		if a.Type != TypeRunbook {
			continue
		}
		for _, name := range []string{path.Base(strings.TrimSuffix(a.URL, "/")), a.Title} {
			if k := AlertKey(name); k != "" {
				if _, taken := s.alertNames[k]; !taken {
					s.alertNames[k] = a
				}
			}
		}
	}
}
