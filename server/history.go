package server

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"kb/content"
	"kb/textdiff"
	"kb/themes"
)

// historyLimit bounds the commits listed on a history page.
const historyLimit = 200

// historyPage is the data of templates/history.html: an article's commits,
// or (Selected set) the article as one commit left it, with that commit's diff.
type historyPage struct {
	layout
	Article    item
	Commits    []commitView
	Selected   *commitView
	Body       template.HTML // the article rendered as Selected left it
	Unrendered string
	Diff       []textdiff.Line
	Current    string      // URL of the current version
	From       *commitView // comparing two versions: the older one (Selected is the newer)
	Head       string      // hash of the newest commit, for "compare with the latest"
}

type commitView struct {
	Short, Hash, Author, Subject string
	Date                         time.Time
	URL                          string // its page: the article as it left it
	Path                         string // the file's path in that commit, when it differs from today's
}

// splitHistory recognises "/{article}/history", "/{article}/history/{commit}"
// and "/{article}/history/{a}..{b}"; commit is then "a..b", checked by
// splitRange.
func splitHistory(p string) (article, commit string, ok bool) {
	if base, found := strings.CutSuffix(p, "/history"); found {
		return base, "", base != ""
	}
	i := strings.LastIndex(p, "/history/")
	if i <= 0 {
		return "", "", false
	}
	commit = p[i+len("/history/"):]
	if strings.Contains(commit, "..") {
		return p[:i], commit, !strings.Contains(commit, "/")
	}
	if !isCommitHash(commit) {
		return "", "", false
	}
	return p[:i], commit, true
}

func isCommitHash(s string) bool {
	return len(s) >= 4 && len(s) <= 64 && strings.Trim(s, "0123456789abcdef") == ""
}

// splitRange parses "a..b" into two commit hashes (or abbreviations).
func splitRange(r string) (a, b string, ok bool) {
	a, b, found := strings.Cut(r, "..")
	return a, b, found && isCommitHash(a) && isCommitHash(b)
}

// findCommit returns the commit of cs that hash (perhaps abbreviated) names.
func findCommit(cs []commitView, hash string) *commitView {
	for i := range cs {
		if strings.HasPrefix(cs[i].Hash, hash) {
			return &cs[i]
		}
	}
	return nil
}

// history serves an article's history pages. It reports false when p is not
// a history URL of an article.
func (s *Server) history(c *echo.Context, snap *content.Snapshot, p string) (bool, error) {
	base, commit, ok := splitHistory(p)
	if !ok {
		return false, nil
	}
	a, ok := snap.ByURL(base)
	if !ok {
		return false, nil
	}
	ctx := c.Request().Context()
	commits, err := s.lib.History(ctx, a.Path, historyLimit)
	if errors.Is(err, content.ErrNoHistory) {
		return true, echo.NewHTTPError(http.StatusNotFound, "This page has no history: its content folder is not a git repository.")
	}
	if err != nil {
		return true, err
	}
	page := historyPage{layout: s.layout(snap, "History of "+a.Title, p), Article: toItem(a), Current: href(a.URL)}
	page.Canonical = ""
	page.Crumbs = append(crumbs(snap, a.Folder()), link{Text: a.Title, URL: href(a.URL)})
	for _, cm := range commits {
		v := commitView{Short: cm.Short, Hash: cm.Hash, Author: cm.Author, Subject: cm.Subject, Date: cm.Date, URL: href(a.URL + "/history/" + cm.Hash)}
		if cm.Path != a.Path {
			v.Path = cm.Path
		}
		page.Commits = append(page.Commits, v)
	}
	if len(page.Commits) > 0 {
		page.Head = page.Commits[0].Hash
	}
	if q := c.Request().URL.Query(); commit == "" && q.Get("from") != "" && q.Get("to") != "" {
		// The compare form of the history page: on to /history/{from}..{to}.
		from, to := q.Get("from"), q.Get("to")
		if !isCommitHash(from) || !isCommitHash(to) {
			return true, echo.NewHTTPError(http.StatusBadRequest, "from and to must be commit hashes from this page's history.")
		}
		return true, c.Redirect(http.StatusFound, href(a.URL+"/history/"+from+".."+to))
	}
	switch {
	case strings.Contains(commit, ".."):
		from, to, ok := splitRange(commit)
		if !ok {
			return true, echo.NewHTTPError(http.StatusBadRequest, "Compare two versions as /history/{a}..{b}, a and b commit hashes from this page's history.")
		}
		page.From, page.Selected = findCommit(page.Commits, from), findCommit(page.Commits, to)
		switch {
		case page.From == nil:
			return true, echo.NewHTTPError(http.StatusNotFound, "Commit "+from+" did not change this page.")
		case page.Selected == nil:
			return true, echo.NewHTTPError(http.StatusNotFound, "Commit "+to+" did not change this page.")
		}
		if indexOf(page.Commits, page.From) < indexOf(page.Commits, page.Selected) { // newest first
			page.From, page.Selected = page.Selected, page.From // older first, whichever order the URL gave
		}
		old := commits[indexOf(page.Commits, page.From)]
		sel := commits[indexOf(page.Commits, page.Selected)]
		page.Title = a.Title + ": " + old.Short + ".." + sel.Short
		before, err := s.lib.Git().FileAt(ctx, old.Hash, old.Path)
		if err != nil {
			return true, err
		}
		after, err := s.lib.Git().FileAt(ctx, sel.Hash, sel.Path)
		if err != nil {
			return true, err
		}
		if err := s.oldVersion(ctx, &page, sel.Hash, sel.Path); err != nil {
			return true, err
		}
		page.Diff = textdiff.Files(string(before), string(after))
		textdiff.MarkWords(page.Diff)
	case commit != "":
		page.Selected = findCommit(page.Commits, commit)
		if page.Selected == nil {
			return true, echo.NewHTTPError(http.StatusNotFound, "Commit "+commit+" did not change this page.")
		}
		sel := commits[indexOf(page.Commits, page.Selected)]
		page.Title = a.Title + " at " + sel.Short
		if err := s.oldVersion(ctx, &page, sel.Hash, sel.Path); err != nil {
			return true, err
		}
		diff, err := s.lib.Git().Diff(ctx, sel.Hash, sel.Path)
		if err != nil {
			return true, err
		}
		page.Diff = textdiff.ParseUnified(diff)
		textdiff.MarkWords(page.Diff)
	}
	c.Response().Header()["Cache-Control"] = s.hdr.noCache
	return true, s.renderPage(c, http.StatusOK, themes.PageHistory, page)
}

// oldVersion renders the article as commit left it into page.
func (s *Server) oldVersion(ctx context.Context, page *historyPage, commit, p string) error {
	old, err := s.lib.ArticleAt(ctx, commit, p)
	switch {
	case err != nil:
		return err
	case old.Unrendered != "":
		page.Unrendered = old.Unrendered
	default:
		page.Body = template.HTML(old.HTML()) // #nosec G203 -- render's output is safe HTML by contract
	}
	return nil
}

func indexOf(cs []commitView, c *commitView) int {
	for i := range cs {
		if &cs[i] == c {
			return i
		}
	}
	return 0
}
