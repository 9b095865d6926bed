package alertrules

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadFiles(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"etcd.yaml":   "groups:\n- name: etcd\n  rules:\n  - alert: etcdNoLeader\n    expr: up == 0\n",
		"broken.yaml": "groups:\n- name: x\n  rules:\n  - alert: Good\n- name: y\n  rules:\n    alert: A\n",
		"big.yaml":    strings.Repeat("#", MaxFileSize+1),
		"limit.yaml":  "groups: []\n" + strings.Repeat("#", MaxFileSize-len("groups: []\n")),
	} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
	}
	open := func(name string) (io.ReadCloser, error) { return os.Open(filepath.Join(dir, name)) }

	files := ReadFiles(open, []string{" etcd.yaml ", "", "broken.yaml", "none.yaml", "big.yaml", "limit.yaml"})
	require.Len(t, files, 5, "blank entries are skipped")
	paths := make([]string, 0, len(files))
	for _, f := range files {
		paths = append(paths, f.Path)
	}
	assert.Equal(t, []string{"etcd.yaml", "broken.yaml", "none.yaml", "big.yaml", "limit.yaml"}, paths, "in order, trimmed")

	etcd := files[0]
	require.NoError(t, etcd.Err())
	require.Len(t, etcd.Rules, 1)
	assert.Equal(t, "etcd.yaml", etcd.Rules[0].File)

	broken := files[1]
	assert.NoError(t, broken.ReadErr)
	var pe *Error
	require.ErrorAs(t, broken.ParseErr, &pe)
	assert.Equal(t, "broken.yaml", pe.File)
	assert.Equal(t, broken.ParseErr, broken.Err())
	require.Len(t, broken.Rules, 1, "the rules before the error are kept")
	assert.Equal(t, "Good", broken.Rules[0].Alert)

	assert.ErrorIs(t, files[2].ReadErr, fs.ErrNotExist, "the opener's error, as it gave it")
	assert.Empty(t, files[2].Rules)

	assert.ErrorIs(t, files[3].ReadErr, ErrTooLarge)
	assert.EqualError(t, files[3].ReadErr, "big.yaml: larger than 8388608 bytes")

	assert.NoError(t, files[4].Err(), "a file of exactly MaxFileSize bytes is read")
}

func TestReadFilesReadError(t *testing.T) {
	failing := func(string) (io.ReadCloser, error) { return io.NopCloser(errReader{}), nil }
	files := ReadFiles(failing, []string{"rules.yaml"})
	require.Len(t, files, 1)
	assert.EqualError(t, files[0].ReadErr, "rules.yaml: disk on fire")
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }
