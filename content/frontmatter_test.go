package content

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseFrontMatter(t *testing.T) {
	tests := []struct {
		name     string
		src      string
		wantBody string
		wantErr  string // substring of the error; "" for none
		wantLine int
		check    func(t *testing.T, fm frontMatter)
	}{
		{name: "none", src: "# Title\n", wantBody: "# Title\n"},
		{name: "empty file", src: "", wantBody: ""},
		{name: "full", src: "---\ntitle: etcd has no leader\nid: etcd-no-leader\ntype: runbook\nservice: etcd\nalerts: [etcdNoLeader]\nseverity: critical\ntags: [etcd, kubernetes]\nowners: [team-platform]\naliases: [/old]\nreviewed: 2026-09-01\nreview_every: 180d\n---\nbody\n",
			wantBody: "body\n", check: func(t *testing.T, fm frontMatter) {
				assert.Equal(t, "etcd has no leader", fm.Title)
				assert.Equal(t, "etcd-no-leader", fm.ID)
				assert.Equal(t, []string{"etcdNoLeader"}, fm.Alerts)
				assert.Equal(t, []string{"etcd", "kubernetes"}, fm.Tags)
				assert.Equal(t, time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), fm.Reviewed)
				assert.Equal(t, 180*24*time.Hour, fm.ReviewEvery)
				assert.Equal(t, 2, fm.Lines["title"])
			}},
		{name: "only front matter", src: "---\ntitle: x\n---", wantBody: ""},
		{name: "dots close", src: "---\ntitle: x\n...\nbody", wantBody: "body"},
		{name: "comma list and single value", src: "---\ntags: a, b\nowners: team\n---\n", wantBody: "",
			check: func(t *testing.T, fm frontMatter) {
				assert.Equal(t, []string{"a", "b"}, fm.Tags)
				assert.Equal(t, []string{"team"}, fm.Owners)
			}},
		{name: "unknown keys kept", src: "---\nms.date: 01/18/2026\nschema: 2.0.0\n---\n", wantBody: "",
			check: func(t *testing.T, fm frontMatter) { assert.Equal(t, "2.0.0", fm.Extra["schema"]) }},
		{name: "unclosed", src: "---\ntitle: x\nbody", wantBody: "---\ntitle: x\nbody", wantErr: "never closed", wantLine: 1},
		{name: "invalid yaml", src: "---\ntitle: x\ntags: [a,\n---\nbody", wantBody: "body", wantErr: "invalid YAML", wantLine: 3},
		{name: "not a mapping", src: "---\n- a\n- b\n---\nbody", wantBody: "body", wantErr: "mapping", wantLine: 2},
		{name: "wrong type keeps the rest", src: "---\ntitle: [a, b]\nservice: etcd\n---\n", wantBody: "", wantErr: "title", wantLine: 2,
			check: func(t *testing.T, fm frontMatter) { assert.Equal(t, "etcd", fm.Service) }},
		{name: "bad date", src: "---\nreviewed: last tuesday\n---\n", wantBody: "", wantErr: "not a date", wantLine: 2},
		{name: "bad interval", src: "---\nreview_every: -3d\n---\n", wantBody: "", wantErr: "review_every", wantLine: 2},
		{name: "dashes later are a rule", src: "text\n---\nmore", wantBody: "text\n---\nmore"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fm, body, err := parseFrontMatter("f.md", []byte(tt.src))
			assert.Equal(t, tt.wantBody, string(body))
			if tt.wantErr == "" {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				var fe *FrontMatterError
				require.ErrorAs(t, err, &fe)
				assert.Equal(t, tt.wantLine, fe.Line)
				assert.Equal(t, "f.md", fe.Path)
			}
			if tt.check != nil {
				tt.check(t, fm)
			}
		})
	}
}

func TestParseReviewEvery(t *testing.T) {
	tests := []struct {
		name, in string
		want     time.Duration
		wantErr  bool
	}{
		{name: "days", in: "180d", want: 180 * 24 * time.Hour},
		{name: "weeks", in: "2w", want: 14 * 24 * time.Hour},
		{name: "go duration", in: "36h", want: 36 * time.Hour},
		{name: "negative", in: "-3d", wantErr: true},
		{name: "zero", in: "0d", wantErr: true},
		{name: "words", in: "often", wantErr: true},
		{name: "huge", in: "99999999999d", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseReviewEvery(tt.in)
			if tt.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func FuzzParseFrontMatter(f *testing.F) {
	f.Add([]byte("---\ntitle: x\n---\nbody"))
	f.Add([]byte("---\ntags: [a,\n"))
	f.Add([]byte("---\n&a [*a, *a]\n---\n"))
	f.Add([]byte("---\nreviewed: 2026-01-01\nreview_every: 3w\naliases: [../x, //evil]\n---\n# T"))
	f.Fuzz(func(t *testing.T, src []byte) {
		_, body, err := parseFrontMatter("f.md", src)
		for _, e := range joined(err) {
			var fe *FrontMatterError
			require.ErrorAs(t, e, &fe) // failures are always positioned
			assert.Positive(t, fe.Line)
		}
		assert.True(t, bytes.HasSuffix(src, body))
		if err != nil {
			assert.False(t, errors.Is(err, nil))
		}
	})
}

// TestFrontMatterKeys: every key kb lists as its own is read into the
// article, and no other lands outside Extra.
func TestFrontMatterKeys(t *testing.T) {
	var src strings.Builder
	src.WriteString("---\n")
	keys := FrontMatterKeys()
	for syn, key := range FrontMatterSynonyms() {
		assert.Contains(t, keys, key, "synonym %s stands for a key of kb's", syn)
		keys = append(keys, syn)
	}
	for _, k := range keys {
		src.WriteString(k + ": 1d\n")
	}
	src.WriteString("weight: 1\n---\n")
	fm, _, err := parseFrontMatter("f.md", []byte(src.String()))
	require.Error(t, err, "reviewed: 1d is no date; beside the point here")
	assert.Equal(t, map[string]any{"weight": 1}, fm.Extra, "only the unknown key is extra")
	assert.Len(t, fm.Keys, len(keys)+1)
}

// FuzzFrontMatterPosition: the key lines and body line of any file are
// inside it, keys before the body.
func FuzzFrontMatterPosition(f *testing.F) {
	f.Add([]byte("---\ntitle: x\nservce: y\n---\nbody"))
	f.Add([]byte("\uFEFF---\r\ntitle: x\r\n...\r\nbody"))
	f.Add([]byte("---\n- a\n---\n"))
	f.Add([]byte("---\ntitle: [\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		a := parseArticle(file{path: "f.md"}, src, nil, DefaultMaxSize, nil).base
		lines := bytes.Count(src, []byte("\n")) + bytes.Count(src, []byte("\r")) + 1 // CR alone ends a line too
		assert.GreaterOrEqual(t, a.BodyLine, 1)
		assert.LessOrEqual(t, a.BodyLine, lines+1)
		seen := map[string]bool{}
		for _, k := range a.Keys {
			assert.Less(t, k.Line, a.BodyLine, "key %q is in the front matter", k.Key)
			assert.GreaterOrEqual(t, k.Line, 2)
			assert.False(t, seen[k.Key], "key %q once", k.Key)
			seen[k.Key] = true
		}
	})
}

// TestFrontMatterBounds: front matter over 16 KiB is not parsed (a warning,
// the body still served), and YAML aliases cannot make a small front matter
// expand without bound (the billion laughs).
func TestFrontMatterBounds(t *testing.T) {
	big := "---\ntitle: Big\nsummary: " + strings.Repeat("x", 17<<10) + "\n---\n# Body\n"
	fm, body, err := parseFrontMatter("big.md", []byte(big))
	var fe *FrontMatterError
	require.ErrorAs(t, err, &fe)
	assert.Contains(t, fe.Error(), "over the 16 KiB limit")
	assert.Empty(t, fm.Title, "not parsed")
	assert.Equal(t, "# Body\n", string(body), "the body is kept")

	laughs := "---\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
	prev := "a"
	for _, n := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		laughs += n + ": &" + n + " [*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + "]\n"
		prev = n
	}
	laughs += "tags: *i\ntitle: Laughs\n---\nbody\n"
	require.Less(t, len(laughs), 16<<10)
	done := make(chan struct{})
	go func() {
		defer close(done)
		fm, _, _ := parseFrontMatter("laughs.md", []byte(laughs))
		assert.LessOrEqual(t, len(fm.Tags), 1000, "aliases are not expanded without bound")
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("alias expansion did not end")
	}
}
