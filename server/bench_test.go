package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/content"
	"kb/themes"
)

// BenchmarkArticlePage serves a cached article page through the whole
// handler (routing, middleware, metrics, headers, ETag, gzip negotiation),
// against a bare handler writing the same bytes: the ratio is kb's overhead.
func BenchmarkArticlePage(b *testing.B) {
	root, err := os.OpenRoot("testdata/site")
	require.NoError(b, err)
	b.Cleanup(func() { assert.NoError(b, root.Close()) })
	lib := content.NewLibrary(root.FS(), content.Options{}, slog.New(slog.DiscardHandler))
	require.NoError(b, lib.Load(context.Background()))
	theme, err := themes.Open("")
	require.NoError(b, err)
	srv, err := New(Deps{Library: lib, Theme: theme, Logger: slog.New(slog.DiscardHandler), Version: "bench"})
	require.NoError(b, err)
	h := srv.Handler()

	const page = "/runbooks/etcd/no-leader"
	warm := httptest.NewRecorder()
	h.ServeHTTP(warm, httptest.NewRequest(http.MethodGet, page, nil))
	require.Equal(b, http.StatusOK, warm.Code)
	body, ctype := warm.Body.Bytes(), warm.Header().Get("Content-Type")
	bare := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", ctype)
		_, _ = w.Write(body)
	})

	for _, bc := range []struct {
		name string
		h    http.Handler
	}{{"kb", h}, {"bare", bare}} {
		b.Run(bc.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, page, nil)
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				w := httptest.NewRecorder()
				bc.h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
}
