package server

import (
	"errors"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"kb/content"
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
	Diff       []diffLine
	Current    string // URL of the current version
}

type commitView struct {
	Short, Hash, Author, Subject string
	Date                         time.Time
	URL                          string // its page: the article as it left it
	Path                         string // the file's path in that commit, when it differs from today's
}

// diffLine is one line of a unified diff with its kind for styling:
// "add", "del", "hunk", "meta" or "" for context.
type diffLine struct {
	Kind, Text string
}

// splitHistory recognises "/{article}/history" and "/{article}/history/{commit}".
func splitHistory(p string) (article, commit string, ok bool) {
	if base, found := strings.CutSuffix(p, "/history"); found {
		return base, "", base != ""
	}
	i := strings.LastIndex(p, "/history/")
	if i <= 0 {
		return "", "", false
	}
	commit = p[i+len("/history/"):]
	if len(commit) < 4 || len(commit) > 64 || strings.Trim(commit, "0123456789abcdef") != "" {
		return "", "", false
	}
	return p[:i], commit, true
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
	if commit != "" {
		for i := range page.Commits {
			if strings.HasPrefix(page.Commits[i].Hash, commit) {
				page.Selected = &page.Commits[i]
				break
			}
		}
		if page.Selected == nil {
			return true, echo.NewHTTPError(http.StatusNotFound, "Commit "+commit+" did not change this page.")
		}
		sel := commits[indexOf(page.Commits, page.Selected)]
		page.Title = a.Title + " at " + sel.Short
		old, err := s.lib.ArticleAt(ctx, sel.Hash, sel.Path)
		switch {
		case err != nil:
			return true, err
		case old.Unrendered != "":
			page.Unrendered = old.Unrendered
		default:
			page.Body = template.HTML(old.Doc.HTML) // #nosec G203 -- render's output is safe HTML by contract
		}
		diff, err := s.lib.Git().Diff(ctx, sel.Hash, sel.Path)
		if err != nil {
			return true, err
		}
		page.Diff = parseDiff(diff)
	}
	c.Response().Header()["Cache-Control"] = s.hdr.noCache
	return true, s.renderPage(c, http.StatusOK, themes.PageHistory, page)
}

func indexOf(cs []commitView, c *commitView) int {
	for i := range cs {
		if &cs[i] == c {
			return i
		}
	}
	return 0
}

// maxDiffLines bounds the diff shown; a huge change is cut with a note.
const maxDiffLines = 5000

func parseDiff(diff string) []diffLine {
	var out []diffLine
	for line := range strings.SplitSeq(strings.TrimRight(diff, "\n"), "\n") {
		if len(out) == maxDiffLines {
			out = append(out, diffLine{Kind: "meta", Text: "… the rest of this change is not shown"})
			break
		}
		kind := ""
		switch {
		case strings.HasPrefix(line, "+++"), strings.HasPrefix(line, "---"), strings.HasPrefix(line, "diff "), strings.HasPrefix(line, "index "),
			strings.HasPrefix(line, "similarity "), strings.HasPrefix(line, "rename "), strings.HasPrefix(line, "new file"), strings.HasPrefix(line, "deleted file"):
			kind = "meta"
		case strings.HasPrefix(line, "@@"):
			kind = "hunk"
		case strings.HasPrefix(line, "+"):
			kind = "add"
		case strings.HasPrefix(line, "-"):
			kind = "del"
		}
		out = append(out, diffLine{Kind: kind, Text: line})
	}
	return out
}
