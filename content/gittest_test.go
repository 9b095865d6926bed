package content

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// gitLibrary opens the repository at ref in git mode and loads it.
func gitLibrary(t testing.TB, dir, ref string) (*Library, *GitRepo) {
	t.Helper()
	repo, err := OpenGit(context.Background(), dir, ref)
	require.NoError(t, err)
	t.Cleanup(func() { repo.Close() })
	lib := NewGitLibrary(repo, Options{}, discardLogger())
	require.NoError(t, lib.Load(context.Background()))
	return lib, repo
}

func mustArticle(t testing.TB, s *Snapshot, p string) *Article {
	t.Helper()
	a, ok := s.ByPath(p)
	require.True(t, ok, "no article %s", p)
	return a
}
