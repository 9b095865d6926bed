package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"kb/content"
	"kb/themes"
)

// BenchmarkSignInArticlePage serves a cached article page to a signed-in
// reader (trusted proxy headers, kb.yaml read rules, a view that hides the
// security folder) against the same page with sign-in off and no rules
// ("bare"): the ratio is what sign-in costs a cached page. The goal is
// within 1.10.
func BenchmarkSignInArticlePage(b *testing.B) {
	serve := func(rules bool) http.Handler {
		dir := b.TempDir()
		for p, body := range accessFiles {
			if p == "kb.yaml" && !rules {
				body = body[:strings.Index(body, "access:")]
			}
			full := filepath.Join(dir, filepath.FromSlash(p))
			require.NoError(b, os.MkdirAll(filepath.Dir(full), 0o755))
			require.NoError(b, os.WriteFile(full, []byte(body), 0o644))
		}
		root, err := os.OpenRoot(dir)
		require.NoError(b, err)
		b.Cleanup(func() { root.Close() })
		lib := content.NewLibrary(root.FS(), content.Options{}, slog.New(slog.DiscardHandler))
		require.NoError(b, lib.Load(context.Background()))
		theme, err := themes.Open("")
		require.NoError(b, err)
		d := Deps{Library: lib, Theme: theme, Logger: slog.New(slog.DiscardHandler), Version: "bench"}
		if rules {
			d.Proxy = &Proxy{UserHeader: "X-Forwarded-User", GroupsHeader: "X-Forwarded-Groups", Trusted: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}}
		}
		srv, err := New(d)
		require.NoError(b, err)
		return srv.Handler()
	}
	const page = "/runbooks/etcd/disk"
	for _, bc := range []struct {
		name  string
		rules bool
	}{{"kb", true}, {"bare", false}} {
		b.Run(bc.name, func(b *testing.B) {
			h := serve(bc.rules)
			req := httptest.NewRequest(http.MethodGet, page, nil) // from 192.0.2.1, the trusted proxy
			req.Header.Set("X-Forwarded-User", "bob")
			req.Header.Set("X-Forwarded-Groups", "employees")
			warm := httptest.NewRecorder()
			h.ServeHTTP(warm, req)
			require.Equal(b, http.StatusOK, warm.Code)
			if bc.rules {
				require.NotContains(b, warm.Body.String(), hiddenTitle)
			}
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
}
