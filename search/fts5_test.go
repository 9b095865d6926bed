package search

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite" // the pure-Go SQLite driver, with FTS5; a baseline for the eval only

	"kb/content"
)

// fts5Index is the second baseline of the relevance eval: SQLite FTS5 over
// the same fields as the bleve baseline, ranked by bm25() with equal column
// weights and the default porter unicode61 tokenizer, the way a first
// attempt with SQLite would.
type fts5Index struct {
	db *sql.DB
}

// fts5Columns are the indexed fields, as bareDoc gives them to bleve.
func fts5Columns() []string {
	return []string{"title", "summary", "headings", "body", "code", "tags", "service", "alerts", "type", "path"}
}

func newFTS5Index(t testing.TB, snap *content.Snapshot) *fts5Index {
	t.Helper()
	db, err := sql.Open("sqlite", ":memory:")
	require.NoError(t, err)
	db.SetMaxOpenConns(1) // every connection to :memory: is a database of its own
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	cols := strings.Join(fts5Columns(), ", ")
	_, err = db.Exec(fmt.Sprintf("CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, %s, tokenize = 'porter unicode61')", cols))
	require.NoError(t, err)

	tx, err := db.Begin()
	require.NoError(t, err)
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(fts5Columns())+1), ", ")
	ins, err := tx.Prepare("INSERT INTO docs (id, " + cols + ") VALUES (" + marks + ")")
	require.NoError(t, err)
	for _, a := range snap.Articles {
		heads := make([]string, 0, len(a.Doc.Headings))
		for _, h := range a.Doc.Headings {
			heads = append(heads, h.Text)
		}
		_, err := ins.Exec(a.Path, a.Title, a.Summary, strings.Join(heads, "\n"), a.Doc.Text, a.Doc.Code,
			strings.Join(a.Tags, " "), a.Service, strings.Join(a.Alerts, " "), string(a.Type), a.Path)
		require.NoError(t, err, a.Path)
	}
	require.NoError(t, ins.Close())
	require.NoError(t, tx.Commit())
	return &fts5Index{db: db}
}

// search returns the paths of the n best articles for text.
func (f *fts5Index) search(ctx context.Context, text string, n int) ([]string, error) {
	match := fts5Match(text)
	if match == "" {
		return nil, nil
	}
	rows, err := f.db.QueryContext(ctx, "SELECT id FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT ?", match, n)
	if err != nil {
		return nil, fmt.Errorf("fts5 match %q: %w", match, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("fts5 scan: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// fts5Match turns text as typed into an FTS5 query: an OR of its distinct
// words. A word is a run of letters and digits, as unicode61 splits text,
// and is written as a quoted string (it holds no quote), so nothing in the
// text (quotes, operators such as AND, NEAR or -, column filters, *, ^) is
// read as FTS5 syntax and no query can fail to parse. "" means no word.
func fts5Match(text string) string {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	seen := make(map[string]bool, len(words))
	quoted := make([]string, 0, len(words))
	for _, w := range words {
		if seen[w] {
			continue
		}
		seen[w] = true
		quoted = append(quoted, `"`+w+`"`)
	}
	return strings.Join(quoted, " OR ")
}

func TestFTS5Match(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{name: "words", in: "Patroni replica lag", want: `"patroni" OR "replica" OR "lag"`},
		{name: "repeated words once", in: "lag lag LAG", want: `"lag"`},
		{name: "operators are words", in: "a AND b NEAR c NOT d", want: `"a" OR "and" OR "b" OR "near" OR "c" OR "not" OR "d"`},
		{name: "syntax characters split", in: `title:"x*" -y ^z (w)`, want: `"title" OR "x" OR "y" OR "z" OR "w"`},
		{name: "log line", in: `level=error msg="Error reading file" path=/opt/a.yml`,
			want: `"level" OR "error" OR "msg" OR "reading" OR "file" OR "path" OR "opt" OR "a" OR "yml"`},
		{name: "nothing to search", in: ` "" * - : `, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, fts5Match(tt.in))
		})
	}
}

// FuzzFTS5Search checks that no text makes an FTS5 query fail.
func FuzzFTS5Search(f *testing.F) {
	for _, s := range []string{"", `"`, `""`, "a OR", "NEAR(a b", "title:x", "x*", "-x", "^x", "{a b}: c", "a\x00b", "日本語 ログ", `'; DROP TABLE docs; --`} {
		f.Add(s)
	}
	snap := &content.Snapshot{Articles: []*content.Article{art("runbooks/a.md", "# Patroni lag\nreplica lag grows")}}
	fts := newFTS5Index(f, snap)
	f.Fuzz(func(t *testing.T, text string) {
		_, err := fts.search(t.Context(), text, 10)
		require.NoError(t, err)
	})
}
