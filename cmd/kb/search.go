package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"kb/content"
	"kb/search"
)

// indexDir is the folder of the search index under --data.
func indexDir(data string) string { return filepath.Join(data, "index") }

// serverURLFile, under --data, holds the URL of the kb serving that folder,
// so kb search can ask it while it holds the index.
const serverURLFile = "kb.url"

// runIndex serves kb index: load the content and rebuild the search index.
func runIndex(ctx context.Context, cfg config, stdout, stderr io.Writer) error {
	log := newLogger(cfg, stderr)
	files, _, closeFiles, err := openContent(cfg.Content)
	if err != nil {
		return err
	}
	defer closeFiles()
	snap, err := content.Load(ctx, files, content.Options{MaxSize: cfg.MaxSize, NoHighlight: true, RenderBudget: cfg.RenderBudget, MaxFiles: cfg.MaxFiles}) // the index takes text, not HTML
	if err != nil {
		return err
	}
	idx, err := search.Open(indexDir(cfg.Data), search.Options{Logger: log.With("component", "search")})
	if errors.Is(err, search.ErrLocked) {
		return fmt.Errorf("the search index in %s is in use by a running kb serve; it keeps the index up to date itself", cfg.Data)
	}
	if err != nil {
		return err
	}
	defer idx.Close()
	start := time.Now()
	if err := idx.Rebuild(ctx, snap); err != nil {
		return fmt.Errorf("rebuild index: %w", err)
	}
	fmt.Fprintf(stdout, "indexed %d articles in %s into %s\n", idx.Status().Docs, time.Since(start).Round(time.Millisecond), indexDir(cfg.Data))
	return nil
}

// runSearch serves kb search: the same query and ranking as GET
// /api/v1/search, from the index on disk (read-only), or from the kb that
// holds it (--server, or the URL it left in --data).
func runSearch(ctx context.Context, cfg config, stdout io.Writer) error {
	text := strings.Join(cfg.Args, " ")
	if strings.TrimSpace(text) == "" {
		return errors.New(`kb search needs words to search for, e.g. kb search "etcd no leader"`)
	}
	q, err := search.ParseQuery(text, search.Params{})
	if err != nil {
		return err
	}
	q.Limit = cfg.Limit
	var res apiResults
	if cfg.Server != "" {
		res, err = searchServer(ctx, cfg.Server, text, cfg.Limit)
	} else {
		res, err = searchLocal(ctx, cfg, q)
	}
	if err != nil {
		return err
	}
	if cfg.JSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	printResults(stdout, text, res)
	return nil
}

// apiResults is the part of GET /api/v1/search's answer kb search prints.
type apiResults struct {
	Query string   `json:"query"`
	Total int      `json:"total"`
	Hits  []apiHit `json:"hits"`
}

type apiHit struct {
	ID      string  `json:"id"`
	Title   string  `json:"title"`
	URL     string  `json:"url"`
	Type    string  `json:"type"`
	Service string  `json:"service,omitempty"`
	Summary string  `json:"summary,omitempty"`
	Snippet string  `json:"snippet"`
	Score   float64 `json:"score"`
	Folder  string  `json:"folder"`
	Section *struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	} `json:"section,omitempty"`
	Ticket *struct {
		Key   string `json:"key"`
		Title string `json:"title"`
	} `json:"matched_ticket,omitempty"`
}

func searchLocal(ctx context.Context, cfg config, q search.Query) (apiResults, error) {
	idx, err := search.Open(indexDir(cfg.Data), search.Options{ReadOnly: true, LockTimeout: 200 * time.Millisecond})
	if errors.Is(err, search.ErrLocked) {
		// A kb serve holds the index: ask it.
		if u, rerr := os.ReadFile(filepath.Join(cfg.Data, serverURLFile)); rerr == nil {
			return searchServer(ctx, strings.TrimSpace(string(u)), q.Text, q.Limit)
		}
		return apiResults{}, fmt.Errorf("the search index in %s is in use by a running kb; ask it with --server URL", cfg.Data)
	}
	if err != nil {
		return apiResults{}, err
	}
	defer idx.Close()
	if !idx.Ready() {
		return apiResults{}, fmt.Errorf("no search index in %s yet: run kb index, or kb serve with this --data", cfg.Data)
	}
	r, err := idx.Search(ctx, q)
	if err != nil {
		return apiResults{}, err
	}
	out := apiResults{Query: q.Text, Total: r.Total, Hits: []apiHit{}}
	for _, h := range r.Hits {
		hit := apiHit{ID: h.ID, Title: h.Title, URL: (&url.URL{Path: h.URL}).EscapedPath(), Type: h.Type, Service: h.Service,
			Summary: h.Summary, Snippet: string(h.Snippet), Score: h.Score, Folder: h.Folder}
		if h.Section != nil {
			hit.Section = &struct {
				ID    string `json:"id"`
				Title string `json:"title"`
			}{h.Section.ID, h.Section.Title}
			hit.URL += "#" + url.PathEscape(h.Section.ID)
		}
		if h.Ticket != nil {
			hit.Ticket = &struct {
				Key   string `json:"key"`
				Title string `json:"title"`
			}{h.Ticket.Key, h.Ticket.Title}
		}
		out.Hits = append(out.Hits, hit)
	}
	return out, nil
}

func searchServer(ctx context.Context, base, text string, limit int) (apiResults, error) {
	u := strings.TrimSuffix(base, "/") + "/api/v1/search?" + url.Values{"q": {text}, "limit": {fmt.Sprint(limit)}}.Encode()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return apiResults{}, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return apiResults{}, fmt.Errorf("ask %s: %w", base, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 8<<20))
	if err != nil {
		return apiResults{}, fmt.Errorf("ask %s: %w", base, err)
	}
	if res.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(body, &e) == nil && e.Error != "" {
			return apiResults{}, fmt.Errorf("%s: %s", base, e.Error)
		}
		return apiResults{}, fmt.Errorf("%s answered %s", base, res.Status)
	}
	var out apiResults
	if err := json.Unmarshal(body, &out); err != nil {
		return apiResults{}, fmt.Errorf("ask %s: %w", base, err)
	}
	return out, nil
}

// printResults prints hits for a terminal: title, kind, URL and the snippet
// with its marks turned into **bold**.
func printResults(w io.Writer, text string, res apiResults) {
	if len(res.Hits) == 0 {
		fmt.Fprintf(w, "no results for %q\n", text)
		return
	}
	fmt.Fprintf(w, "%d results for %q\n\n", res.Total, text)
	unmark := strings.NewReplacer("<mark>", "*", "</mark>", "*", "&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&quot;", `"`)
	for i, h := range res.Hits {
		kind := h.Type
		if h.Service != "" {
			kind += ", " + h.Service
		}
		where := ""
		if h.Folder != "" {
			where = "    in " + strings.ReplaceAll(h.Folder, "/", " › ")
		}
		if h.Section != nil {
			if where == "" {
				where = "   "
			}
			where += " § " + h.Section.Title
		}
		fmt.Fprintf(w, "%2d. %s  (%s)\n", i+1, h.Title, kind)
		if where != "" {
			fmt.Fprintln(w, where)
		}
		u := h.URL
		if h.Section != nil && !strings.Contains(u, "#") {
			u += "#" + url.PathEscape(h.Section.ID)
		}
		fmt.Fprintf(w, "    %s\n", u)
		if h.Ticket != nil {
			fmt.Fprintf(w, "    matched a solved ticket: %s %s\n", h.Ticket.Key, h.Ticket.Title)
		}
		if h.Snippet != "" {
			fmt.Fprintf(w, "    %s\n", strings.Join(strings.Fields(unmark.Replace(h.Snippet)), " "))
		}
		fmt.Fprintln(w)
	}
}
