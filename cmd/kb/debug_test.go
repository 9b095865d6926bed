package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestServeDebug(t *testing.T) {
	url, stop, err := serveDebug(context.Background(), "127.0.0.1:0", slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	res, err := http.Get(url + "heap?debug=1")
	require.NoError(t, err)
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, string(body), "heap profile", "the heap profile of this process")
	stop()
	_, err = http.Get(url)
	assert.Error(t, err, "stop closes the listener")

	_, _, err = serveDebug(context.Background(), "256.0.0.1:1", slog.New(slog.DiscardHandler))
	assert.ErrorContains(t, err, "--debug-addr")
}
