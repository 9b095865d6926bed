package gitrepo

import (
	"bufio"
	"io/fs"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseLog(t *testing.T) {
	out := "\x1eaaa\x00a\x00Ada\x00ada@x\x001700000000\x00two: rename\x00\x00\nM\x00b.md\x00R100\x00d/a.md\x00d/c.md\x00" +
		"\x1ebbb\x00b\x00Bob\x00bob@x\x001699999940\x00one\x00\x00\nA\x00\x1eb.md\x00A\x00d/a.md\x00"
	var got []logEntry
	require.NoError(t, parseLog(bufio.NewReader(strings.NewReader(out)), func(e logEntry) { got = append(got, e) }))
	require.Len(t, got, 2)
	assert.Equal(t, "two: rename", got[0].commit.Subject)
	assert.Equal(t, []Change{{Op: 'M', Path: "b.md"}, {Op: 'R', Path: "d/c.md", OldPath: "d/a.md"}}, got[0].files)
	assert.Equal(t, "Bob", got[1].commit.Author)
	assert.Equal(t, "\x1eb.md", got[1].files[0].Path, "a file name that looks like a header is read as a file name")
	assert.Equal(t, int64(1699999940), got[1].commit.Date.Unix())
}

func FuzzParseLog(f *testing.F) {
	f.Add("\x1eaaa\x00a\x00Ada\x00ada@x\x001700000000\x00s\x00\x00\nM\x00b.md\x00R100\x00x\x00y\x00")
	f.Add("\x1e\x00\x00\x00\x00\x00")
	f.Add("M\x00")
	f.Fuzz(func(t *testing.T, out string) {
		parseLog(bufio.NewReader(strings.NewReader(out)), func(e logEntry) {
			assert.NotNil(t, e.commit)
		})
	})
}

func FuzzGitFS(f *testing.F) {
	f.Add("100644 blob 45b983be36b73c0788dc9cbcb76cbb80fc7bb057       3\tc.md\x00120000 blob 45b983be36b73c0788dc9cbcb76cbb80fc7bb057 9\td/link.md\x00")
	f.Add("100644 blob x 1\t.\x00100644 blob x 1\ta\x00100644 blob x 1\ta/b\x00")
	f.Fuzz(func(t *testing.T, listing string) {
		g, err := newGitFS(&Repo{skip: hidden}, listing)
		if err != nil {
			return
		}
		n := 0
		err = fs.WalkDir(g, ".", func(p string, d fs.DirEntry, err error) error {
			if n++; n > 10000 {
				t.Fatal("the tree has a cycle")
			}
			return nil
		})
		assert.NoError(t, err)
	})
}
