package content

import (
	"errors"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// reserved lists the top-level URL segments that kb's own routes own. They win
// over content paths; kb check reports a collision.
var reserved = []string{
	"a", "alerts", "api", "auth", "embed", "favicon.ico", "feed.xml", "healthz", "metrics", "oembed",
	"opensearch.xml", "readyz", "reports", "robots.txt", "search", "services",
	"sitemap.xml", "static", "tags", "_nav",
}

// IsReserved reports whether urlPath ("/search/x") starts with a segment that
// one of kb's own routes owns.
func IsReserved(urlPath string) bool {
	first, _, _ := strings.Cut(strings.TrimPrefix(urlPath, "/"), "/")
	for _, r := range reserved {
		if strings.EqualFold(first, r) {
			return true
		}
	}
	return false
}

// indexNames are file names that stand for their folder's URL, as in Hugo.
var indexNames = []string{"_index.md", "index.md"}

// IsIndexFile reports whether root-relative path p is a folder's index file
// (_index.md or index.md, in any letter case): it stands for its folder, as
// in Hugo, and lists the folder rather than being a runbook of its own.
func IsIndexFile(p string) bool {
	_, base := path.Split(p)
	for _, n := range indexNames {
		if strings.EqualFold(base, n) {
			return true
		}
	}
	return false
}

// IsIndex reports whether a is its folder's index article: an index file
// served at its folder's URL (runbooks/_index.md at /runbooks). An index
// file whose folder URL another file of the snapshot took first is served
// at a URL of its own and is not the folder's index.
func (a *Article) IsIndex() bool {
	return IsIndexFile(a.Path) && a.URL == "/"+a.Folder()
}

// URLFor returns the URL path of the article stored at root-relative path p:
// "runbooks/etcd/no-leader.md" → "/runbooks/etcd/no-leader", and
// "runbooks/_index.md" → "/runbooks".
func URLFor(p string) string {
	if IsIndexFile(p) {
		dir, _ := path.Split(p)
		return "/" + strings.TrimSuffix(dir, "/")
	}
	return "/" + strings.TrimSuffix(p, path.Ext(p))
}

// DeriveID returns the id of an article without an id in its front matter: its
// path without the extension, lower-cased, every run of other characters than
// letters and digits turned into one "-".
func DeriveID(p string) string {
	return slug(strings.TrimSuffix(p, path.Ext(p)))
}

func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9') || r >= utf8.RuneSelf && unicode.IsLetter(r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	return b.String()
}

const maxIDLen = 128

var errBadID = errors.New("an id is 1-128 characters: letters, digits, '.', '_' and '-', starting with a letter or digit")

// normaliseID lower-cases a front-matter id and checks its characters, so ids
// are safe in URLs (/a/{id}) and API paths without escaping.
func normaliseID(id string) (string, error) {
	id = strings.ToLower(strings.TrimSpace(id))
	if id == "" || len(id) > maxIDLen {
		return "", errBadID
	}
	for i, r := range id {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || (i > 0 && (r == '.' || r == '_' || r == '-'))
		if !ok {
			return "", errBadID
		}
	}
	return id, nil
}

// normaliseAlias turns an alias from the front matter of the article at
// root-relative path p into a clean URL path. Relative aliases are resolved
// against the article's folder, as in Hugo. Anything that could leave the site
// (a scheme, "//host", a backslash, climbing above the root) is rejected.
func normaliseAlias(p, alias string) (string, error) {
	a := strings.TrimSpace(alias)
	switch {
	case a == "":
		return "", errors.New("empty alias")
	case strings.ContainsAny(a, "\\?#") || strings.Contains(a, "://") || strings.HasPrefix(a, "//"):
		return "", errors.New("an alias is a path inside the site, such as /runbooks/old-name")
	case strings.IndexFunc(a, unicode.IsControl) >= 0:
		return "", errors.New("alias has control characters")
	case strings.Contains(strings.SplitN(a, "/", 2)[0], ":"):
		return "", errors.New("an alias is a path inside the site, not a URL with a scheme")
	}
	if !strings.HasPrefix(a, "/") {
		for s := range strings.SplitSeq(a, "/") {
			if s == ".." {
				return "", errors.New("a relative alias may not climb with ..; write the full path from the root, e.g. /runbooks/old-name")
			}
		}
		a = "/" + path.Join(parentDir(p), a)
	}
	for s := range strings.SplitSeq(a, "/") {
		if s == ".." {
			return "", errors.New("an alias may not contain a '..' segment")
		}
	}
	a = path.Clean(a)
	a = strings.TrimSuffix(a, ".md")
	if a == "/" {
		return "", errors.New("the home page cannot be an alias")
	}
	return a, nil
}

// parentDir is path.Dir with "" instead of "." for the root.
func parentDir(p string) string {
	d := path.Dir(p)
	if d == "." || d == "/" {
		return ""
	}
	return d
}
