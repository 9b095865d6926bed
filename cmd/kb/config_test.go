package main

import (
	"io"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMemoryLimit(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    int64
		wantErr bool
	}{
		{name: "default", want: autoMemoryLimit},
		{name: "auto", args: []string{"--memory-limit", "auto"}, want: autoMemoryLimit},
		{name: "flag", args: []string{"--memory-limit", "1GiB"}, want: 1 << 30},
		{name: "environment", env: map[string]string{"KB_MEMORY_LIMIT": "512MiB"}, want: 512 << 20},
		{name: "off", args: []string{"--memory-limit", "0"}, want: 0},
		{name: "GOMEMLIMIT wins over the default", env: map[string]string{"GOMEMLIMIT": "2GiB"}, want: 0},
		{name: "but not over the flag", args: []string{"--memory-limit", "256MiB"}, env: map[string]string{"GOMEMLIMIT": "2GiB"}, want: 256 << 20},
		{name: "too small", args: []string{"--memory-limit", "1MiB"}, wantErr: true},
		{name: "not a size", args: []string{"--memory-limit", "lots"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseConfig("serve", tt.args, env(tt.env), io.Discard)
			if tt.wantErr {
				assert.ErrorContains(t, err, "--memory-limit")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, cfg.MemoryLimit)
		})
	}
}

func TestAutoMemoryLimit(t *testing.T) {
	assert.Equal(t, int64(minAutoLimit), autoLimit(0), "never under the floor")
	assert.Equal(t, int64(minAutoLimit), autoLimit(50<<20))
	assert.Equal(t, int64(600<<20+autoHeadroom), autoLimit(300<<20), "twice the live heap at 10,000 articles, above it")
	runtime.GC()
	assert.Positive(t, liveHeap(), "the runtime reports the live heap after a collection")
}
