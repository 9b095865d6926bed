package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"unicode"

	"kb/content"
	"kb/themes"
	"kb/tickets"
	"kb/tickets/ticketstest"
)

// fuzzServer is a real server over testdata/site with a links store and a
// write token, for fuzz tests that go through the handler.
func fuzzServer(f *testing.F) (http.Handler, string) {
	f.Helper()
	lib := content.NewLibrary(os.DirFS("testdata/site"), content.Options{}, slog.New(slog.DiscardHandler))
	if err := lib.Load(context.Background()); err != nil {
		f.Fatal(err)
	}
	store := ticketstest.Open(f)
	token, err := store.CreateToken(context.Background(), "fuzz", tickets.ScopeWrite)
	if err != nil {
		f.Fatal(err)
	}
	theme, err := themes.Open("")
	if err != nil {
		f.Fatal(err)
	}
	srv, err := New(Deps{Library: lib, Theme: theme, Logger: slog.New(slog.DiscardHandler), Links: store})
	if err != nil {
		f.Fatal(err)
	}
	return srv.Handler(), token
}

// FuzzPostLink sends any body to POST /api/v1/links: the answer is a link
// (201, 200) or a 4xx with a JSON error, never a 5xx.
func FuzzPostLink(f *testing.F) {
	h, token := fuzzServer(f)
	f.Add(linkBody("OPS-1", "etcd-no-leader"))
	f.Add(`{"ticket": {"system": "jira", "key": "A\u2028B", "url": "https://x/\u0000"}, "article": "/alerts/etcdNoLeader#x y"}`)
	f.Add(`{"ticket": {"system": "jira", "key": "A"}, "article": "etcd-no-leader", "anchor": "\"><script>", "note": "\u0007"}`)
	f.Add(`[[[[[[[[[[{}]]]]]]]]]]`)
	f.Add(`{"ticket": null, "article": 1}`)
	f.Add(`{"ticket": {"resolved_at": "2026-13-45T99:00:00Z"}}`)
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/links", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		switch {
		case w.Code == http.StatusCreated || w.Code == http.StatusOK:
		case w.Code >= 400 && w.Code < 500:
			if !strings.Contains(w.Body.String(), `"error":`) {
				t.Fatalf("%d without a JSON error: %s", w.Code, w.Body.String())
			}
		default:
			t.Fatalf("status %d for %q: %s", w.Code, body, w.Body.String())
		}
	})
}

// FuzzCSPOrigin checks that nothing kb.yaml says can add a directive or a
// keyword to the card's Content-Security-Policy.
func FuzzCSPOrigin(f *testing.F) {
	for _, s := range []string{"https://a.example.com", "https://*.example.org:8443/", "https://x; script-src *", "'unsafe-inline'", "*", "http://[::1]:80", "https://a b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, origin string) {
		src, ok := cspOrigin(origin)
		if !ok {
			return
		}
		if strings.ContainsFunc(src, func(r rune) bool { return unicode.IsSpace(r) || r == ';' || r == ',' || r == '\'' }) {
			t.Fatalf("%q gave the source %q", origin, src)
		}
		if !strings.HasPrefix(src, "https://") && !strings.HasPrefix(src, "http://") {
			t.Fatalf("%q gave the source %q", origin, src)
		}
	})
}

// FuzzOEmbed asks /oembed about any URL: 200 with an iframe of a card, or a
// 4xx/501, never a 5xx, and never an iframe of anything but kb's /embed/.
func FuzzOEmbed(f *testing.F) {
	h, _ := fuzzServer(f)
	for _, s := range []string{"https://kb.example.com/runbooks/etcd/no-leader", "/a/etcd-no-leader", "javascript:alert(1)", "https://kb.example.com/embed/../a/x", "//evil/a/x", "%zz"} {
		f.Add(s, "json", "300")
	}
	f.Fuzz(func(t *testing.T, u, format, maxwidth string) {
		q := url.Values{"url": {u}, "format": {format}, "maxwidth": {maxwidth}}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/oembed?"+q.Encode(), nil))
		switch {
		case w.Code == http.StatusOK:
			if !strings.Contains(w.Body.String(), `src=\"https://kb.example.com/embed/`) {
				t.Fatalf("iframe of something else: %s", w.Body.String())
			}
		case w.Code >= 400 && w.Code < 500, w.Code == http.StatusNotImplemented:
		default:
			t.Fatalf("status %d: %s", w.Code, w.Body.String())
		}
	})
}
