package server

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/content"
)

func TestReviewReport(t *testing.T) {
	site := newRunbookSite(t)
	res := site.post(t, "/api/v1/links", site.write, linkBody("OPS-1", "pod-crash-looping"))
	require.Equal(t, http.StatusCreated, res.status, res.body)
	res = site.do(t, http.MethodPost, "/api/v1/articles/backup-permissions/helpful", nil, "Sec-Fetch-Site", "same-origin")
	require.Equal(t, http.StatusOK, res.status, res.body)

	var r struct {
		Due      int         `json:"due"`
		Articles []reviewRow `json:"articles"`
	}
	res = site.getJSON(t, "/reports/review?format=json", &r)
	require.Equal(t, http.StatusOK, res.status)
	require.NotEmpty(t, r.Articles)
	assert.Equal(t, len(r.Articles), r.Due)
	ids := make([]string, 0, len(r.Articles))
	for _, a := range r.Articles {
		ids = append(ids, a.ID)
	}
	assert.NotContains(t, ids, "etcd-no-leader", "reviewed, and no interval applies")
	first := r.Articles[0]
	assert.Equal(t, "pod-crash-looping", first.ID, "the most used first: %v", ids)
	assert.Equal(t, 1, first.Tickets30)
	assert.Equal(t, "2020-01-01", first.Reviewed)
	assert.Equal(t, "reviewed: "+testClock().Format(time.DateOnly), first.Line)
	assert.Equal(t, "https://git.example.com/kb/-/edit/main/runbooks/kubernetes/pod-crash-looping.md", first.EditURL)
	assert.Equal(t, "backup-permissions", r.Articles[1].ID, "then the helpful ones: %v", ids)
	assert.Equal(t, 1, r.Articles[1].Helpful)
	assert.Empty(t, r.Articles[1].Reviewed, "never reviewed")

	res = site.getJSON(t, "/reports/review?format=json&owner=TEAM-K8S", &r)
	require.Equal(t, http.StatusOK, res.status)
	require.Len(t, r.Articles, 1)
	assert.Equal(t, "pod-crash-looping", r.Articles[0].ID)

	page := site.get(t, "/reports/review?owner=%3Cb%3E")
	require.Equal(t, http.StatusOK, page.status)
	assert.Contains(t, page.body, "Nothing is due for &lt;b&gt;")
	page = site.get(t, "/reports/review")
	assert.Contains(t, page.body, "reviewed: "+testClock().Format(time.DateOnly))
	assert.Contains(t, page.body, `href="/reports/review?owner=team-k8s"`)
	assert.True(t, strings.Index(page.body, "Pod crash looping") < strings.Index(page.body, "Backup fails"))
	assert.Equal(t, http.StatusBadRequest, site.get(t, "/reports/review?format=xml").status)
	var anyJSON map[string]any
	require.NoError(t, json.Unmarshal([]byte(site.get(t, "/reports/review", "Accept", "application/json").body), &anyJSON))
}

// TestReviewReportPages: a long review report is shown 100 rows a page,
// with links to the pages before and after; JSON keeps every row.
func TestReviewReportPages(t *testing.T) {
	files := fstest.MapFS{"kb.yaml": {Data: []byte("review_every: 30d\n")}}
	for i := range 250 {
		files[fmt.Sprintf("docs/page-%03d.md", i)] = &fstest.MapFile{Data: []byte(fmt.Sprintf("# Page %d\n", i))}
	}
	lib := content.NewLibrary(files, content.Options{}, slog.New(slog.DiscardHandler))
	require.NoError(t, lib.Load(context.Background()))
	site := newSite(t, lib, slog.New(slog.DiscardHandler))

	first := site.get(t, "/reports/review").body
	assert.Equal(t, 100, strings.Count(first, `class="review-item"`))
	assert.Contains(t, first, "1–100 of 250")
	assert.Contains(t, first, `href="/reports/review?page=2" rel="next"`)
	assert.NotContains(t, first, `rel="prev"`)
	last := site.get(t, "/reports/review?page=3").body
	assert.Equal(t, 50, strings.Count(last, `class="review-item"`))
	assert.Contains(t, last, `<ol class="review-list" start="201">`)
	assert.NotContains(t, last, `rel="next"`)
	assert.Equal(t, last, site.get(t, "/reports/review?page=99").body, "past the end: the last page")
	assert.Equal(t, http.StatusBadRequest, site.get(t, "/reports/review?page=x").status)

	var r struct {
		Articles []reviewRow `json:"articles"`
	}
	require.NoError(t, json.Unmarshal([]byte(site.get(t, "/reports/review?format=json").body), &r))
	assert.Len(t, r.Articles, 250)
}
