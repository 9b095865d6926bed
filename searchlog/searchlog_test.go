package searchlog_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"

	"kb/searchlog"
	"kb/searchlog/searchlogtest"
)

func TestBolt(t *testing.T) {
	searchlogtest.Run(t, func(t *testing.T, limits searchlog.Limits) searchlog.Store {
		return searchlogtest.OpenBolt(t, limits)
	})
}

func TestNormalize(t *testing.T) {
	assert.Equal(t, "etcd no leader", searchlog.Normalize("  Etcd\tNO   leader "))
	assert.Equal(t, "", searchlog.Normalize(" \n "))
	assert.Equal(t, "ab", searchlog.Normalize("a\xffb"))
}

func FuzzNormalize(f *testing.F) {
	f.Add("Etcd  no leader")
	f.Add(strings.Repeat("ü", 150))
	f.Fuzz(func(t *testing.T, q string) {
		n := searchlog.Normalize(q)
		if len(n) > 200 || !utf8.ValidString(n) || n != strings.TrimSpace(n) || searchlog.Normalize(n) != n {
			t.Fatalf("Normalize(%q) = %q", q, n)
		}
		if u, err := searchlog.CheckURL(q); err == nil && (!strings.HasPrefix(u, "/") || strings.ContainsAny(u, "?#")) {
			t.Fatalf("CheckURL(%q) = %q", q, u)
		}
	})
}
