package content

import (
	"fmt"
	"maps"
	"slices"
)

// An id, URL, alias or alert that two files claim goes to the file whose
// path sorts first (assign, indexAlerts); the others get a warning. An
// edit that changes who claims one settles it again among the files that
// claim it (settleClaims), so the outcome is the whole build's without
// building everything.

// claimWarns is what assign and indexAlerts said about one article's
// claims, by the step that said it: what an edit needs to make the article
// again as the whole build would, and the snapshot's warnings with it.
type claimWarns struct {
	url     []Warning // its URL taken by another, or one of kb's routes (assign's first pass)
	id      []Warning // its id taken by another
	aliases []Warning // aliases that are another's URL or alias
	alerts  []Warning // alerts another runbook claims
}

func (c claimWarns) empty() bool {
	return len(c.url)+len(c.id)+len(c.aliases)+len(c.alerts) == 0
}

func (c claimWarns) equal(o claimWarns) bool {
	return slices.Equal(c.url, o.url) && slices.Equal(c.id, o.id) && slices.Equal(c.aliases, o.aliases) && slices.Equal(c.alerts, o.alerts)
}

// The warnings of lost claims, written once for assign, indexAlerts and
// settleClaims.

func urlTakenWarning(a *Article, url, owner, alt string) Warning {
	return Warning{Path: a.Path, Kind: WarnDuplicate, Message: fmt.Sprintf("URL %s is already %s's; this file is served at %s", url, owner, alt)}
}

func reservedWarning(a *Article) Warning {
	return Warning{Path: a.Path, Kind: WarnReserved, Message: fmt.Sprintf("URL %s collides with one of kb's own routes; rename the file or folder (it stays reachable at /a/%s)", a.URL, a.ID)}
}

func idTakenWarning(a *Article, id, owner, alt string) Warning {
	return Warning{Path: a.Path, Kind: WarnDuplicate, Message: fmt.Sprintf("id %q is also used by %s, which keeps it; this file gets id %q", id, owner, alt)}
}

func aliasIsURLWarning(a *Article, al, owner string) Warning {
	return Warning{Path: a.Path, Kind: WarnDuplicate, Message: fmt.Sprintf("alias %s is the URL of %s; the article wins and the alias is ignored", al, owner)}
}

func aliasTakenWarning(a *Article, al, owner string) Warning {
	return Warning{Path: a.Path, Kind: WarnDuplicate, Message: fmt.Sprintf("alias %s is also claimed by %s, which keeps it", al, owner)}
}

func alertTakenWarning(a *Article, name, owner string) Warning {
	return Warning{Path: a.Path, Kind: WarnDuplicate, Message: "alert " + name + " is also claimed by " + owner + ", which keeps it"}
}

// altID returns the id assign gives the article at p when its id is
// taken: the id derived from its path, numbered from 2 while taken.
func altID(p, requested string, taken func(string) bool) string {
	alt := DeriveID(p)
	for i := 2; alt == requested || taken(alt); i++ {
		alt = fmt.Sprintf("%s-%d", DeriveID(p), i)
	}
	return alt
}

// noteClaim records w, said by step, about the article at its path.
func (s *Snapshot) noteClaim(w Warning, step func(*claimWarns) *[]Warning) {
	if s.claims == nil {
		s.claims = map[string]claimWarns{}
	}
	c := s.claims[w.Path]
	l := step(&c)
	*l = append(*l, w)
	s.claims[w.Path] = c
}

func urlStep(c *claimWarns) *[]Warning   { return &c.url }
func idStep(c *claimWarns) *[]Warning    { return &c.id }
func aliasStep(c *claimWarns) *[]Warning { return &c.aliases }
func alertStep(c *claimWarns) *[]Warning { return &c.alerts }

// settled is the outcome of settleClaims for one article: its id and
// aliases, and what it lost.
type settled struct {
	id      string
	aliases []string
	warns   claimWarns
	lost    map[string]bool // alert keys it lists that another runbook keeps
}

// settleClaims settles the claims of the edited articles (their requested
// ids, aliases and alerts in e.req) against the rest of s, which still
// holds the edited articles as they were, exactly as assign and
// indexAlerts would over every article: each id, alias and alert goes to
// the first claimant in path order, and an article whose id is taken gets
// the first free id derived from its path. It returns the outcome of every
// article it settled: the edited ones and those whose outcome changed
// (they must be made again). Its cost is that of the edited articles and
// the articles that lost a claim, not of the collection.
func (s *Snapshot) settleClaims(prev *Snapshot, edits []edited) map[string]settled {
	edited := map[string]*Article{} // the edited articles that are there now
	isEdit := map[string]bool{}     // and those removed
	for _, e := range edits {
		isEdit[e.path] = true
		if e.req != nil {
			edited[e.path] = e.req
		}
	}
	req := func(p string) *Article { // the claims of the article at p as its front matter makes them
		if a, ok := edited[p]; ok {
			return a
		}
		e, _ := s.entry(p)
		return e.src.base
	}

	// Aliases and alerts: every key is settled on its own.
	aliasKeys, alertKeys := map[string]bool{}, map[string]bool{}
	for _, e := range edits {
		var was []*Article
		if e.old != nil {
			was = []*Article{prev.mustEntry(e.path).src.base, e.old}
			if e.req == nil || e.kind == editAdded {
				aliasKeys[e.old.URL] = true // an alias that was its URL may be free now
			}
		}
		if e.kind == editAdded {
			aliasKeys[e.req.URL] = true // an alias that is its URL now is not one any more
		}
		for _, x := range append(was, e.req) {
			if x == nil {
				continue
			}
			for _, al := range x.Aliases {
				aliasKeys[al] = true
			}
			for _, name := range x.Alerts {
				if k := AlertKey(name); k != "" {
					alertKeys[k] = true
				}
			}
		}
	}
	aliasWin, alertWin := map[string]string{}, map[string]string{}
	first := func(m map[string]string, k, p string) {
		if w, ok := m[k]; !ok || p < w {
			m[k] = p
		}
	}
	touched := map[string]bool{}
	for k := range aliasKeys {
		if a, ok := s.aliasArticle(k); ok && !isEdit[a.Path] {
			first(aliasWin, k, a.Path)
			touched[a.Path] = true
		}
	}
	for k := range alertKeys {
		if a, ok := s.alertArticle(k); ok && !isEdit[a.Path] {
			first(alertWin, k, a.Path)
			touched[a.Path] = true
		}
	}
	idCands := map[string]bool{}
	for p, c := range s.claims {
		if isEdit[p] {
			continue
		}
		if len(c.id) > 0 {
			idCands[p] = true
		}
		if len(c.aliases) == 0 && len(c.alerts) == 0 {
			continue
		}
		base := req(p)
		for _, al := range base.Aliases {
			if aliasKeys[al] {
				first(aliasWin, al, p)
				touched[p] = true
			}
		}
		for _, name := range base.Alerts {
			if k := AlertKey(name); alertKeys[k] {
				first(alertWin, k, p)
				touched[p] = true
			}
		}
	}
	for p, a := range edited {
		for _, al := range a.Aliases {
			if _, isURL := s.urlArticle(al); !isURL {
				first(aliasWin, al, p)
			}
		}
		for _, name := range a.Alerts {
			if k := AlertKey(name); k != "" {
				first(alertWin, k, p)
			}
		}
		idCands[p] = true
	}
	// a key not settled here keeps its owner, which is not edited
	owner := func(win map[string]string, look func(string) (*Article, bool)) func(string) string {
		return func(k string) string {
			if p, ok := win[k]; ok {
				return p
			}
			if a, ok := look(k); ok {
				return a.Path
			}
			return ""
		}
	}
	aliasOwner, alertOwner := owner(aliasWin, s.aliasArticle), owner(alertWin, s.alertArticle)

	// Ids: assign's pass in path order over the articles whose id may
	// change, the others' ids fixed. A later article whose id one of them
	// takes may lose it, so it joins them and the pass starts again.
	ids, idWarns := s.settleIDs(idCands, isEdit, req)
	for p := range idCands {
		touched[p] = true
	}

	out := map[string]settled{}
	for p := range touched {
		a := req(p)
		var st settled
		st.warns.url = s.claims[p].url
		st.id = a.ID
		if w, ok := idWarns[p]; ok {
			st.id = ids[p]
			st.warns.id = []Warning{w}
		}
		for _, al := range a.Aliases {
			if owner, isURL := s.urlArticle(al); isURL {
				st.warns.aliases = append(st.warns.aliases, aliasIsURLWarning(a, al, owner.Path))
				continue
			}
			if owner := aliasOwner(al); owner != p && owner != "" {
				st.warns.aliases = append(st.warns.aliases, aliasTakenWarning(a, al, owner))
				continue
			}
			if !slices.Contains(st.aliases, al) {
				st.aliases = append(st.aliases, al)
			}
		}
		for _, name := range a.Alerts {
			k := AlertKey(name)
			if k == "" {
				continue
			}
			if owner := alertOwner(k); owner != p && owner != "" {
				st.warns.alerts = append(st.warns.alerts, alertTakenWarning(a, name, owner))
				if st.lost == nil {
					st.lost = map[string]bool{}
				}
				st.lost[k] = true
			}
		}
		if !isEdit[p] {
			was, _ := s.pathArticle(p)
			if was.ID == st.id && slices.Equal(was.Aliases, st.aliases) && st.warns.equal(s.claims[p]) {
				continue // settled as before: the article stays
			}
		}
		out[p] = st
	}
	return out
}

// settleIDs runs assign's id pass over the articles at cands, in path
// order, where every other article keeps its id (it won it) but for the
// edited ones not among cands (removed). It returns
// the ids given to those that lost theirs, with the warning of each.
// cands grows by the articles that turn out to lose their id to one of
// them.
func (s *Snapshot) settleIDs(cands, isEdit map[string]bool, req func(string) *Article) (map[string]string, map[string]Warning) {
	for {
		ids, warns := map[string]string{}, map[string]Warning{}
		takenBy := map[string]string{} // id → the candidate given it
		var join string                // a later article whose id a candidate looked at
		for _, p := range slices.Sorted(maps.Keys(cands)) {
			// holder returns the article that has id x when the article
			// at p comes to it; join is set for an article after p.
			holder := func(x string) (string, bool) {
				if h, ok := takenBy[x]; ok {
					return h, true
				}
				if a, ok := s.idArticle(x); ok && !cands[a.Path] && !isEdit[a.Path] { // a removed article has none
					if a.Path < p {
						return a.Path, true
					}
					join = a.Path
				}
				return "", false
			}
			a := req(p)
			id := a.ID
			if owner, taken := holder(id); taken {
				id = altID(p, a.ID, func(x string) bool { _, t := holder(x); return t })
				ids[p], warns[p] = id, idTakenWarning(a, a.ID, owner, id)
			}
			if join != "" {
				break
			}
			takenBy[id] = p
		}
		if join == "" {
			return ids, warns
		}
		cands[join] = true
	}
}

// recomposeWarnings makes s.Warnings again from its fixed part (kb.yaml,
// the listing, assign's URL pass) and the claims lost, in the order assign
// and indexAlerts write them: ids, then aliases, then alerts, each in path
// order.
func (s *Snapshot) recomposeWarnings() {
	out := slices.Clone(s.Warnings[:s.fixedWarns])
	paths := slices.Sorted(maps.Keys(s.claims))
	for _, step := range []func(*claimWarns) *[]Warning{idStep, aliasStep, alertStep} {
		for _, p := range paths {
			c := s.claims[p]
			out = append(out, *step(&c)...)
		}
	}
	s.Warnings = out
}

// hasReserved reports whether a's URL is one of kb's routes: its warning
// names the id a asks for and sits among the snapshot's fixed warnings, so
// an edit of it loads everything.
func hasReserved(a *Article) bool {
	return IsReserved(a.URL) || slices.ContainsFunc(a.Warnings, func(w Warning) bool { return w.Kind == WarnReserved })
}
