package layers

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// allowed lists, for every package of kb, the packages of kb it may import
// (DESIGN.md, "Layout"). A package missing here fails the test: a new
// package must say where it sits.
var allowed = map[string][]string{
	"kb/cmd/kb":                  {"*"},
	"kb/server":                  {"kb/access", "kb/alertrules", "kb/content", "kb/feedback", "kb/render", "kb/reports", "kb/scaffold", "kb/search", "kb/searchlog", "kb/textdiff", "kb/themes", "kb/tickets", "kb/webhook", "kb/word"},
	"kb/search":                  {"kb/access", "kb/content", "kb/render", "kb/word"},
	"kb/tickets":                 {"kb/access", "kb/content"},
	"kb/content":                 {"kb/access", "kb/gitrepo", "kb/render", "kb/word"},
	"kb/access":                  {},
	"kb/signin":                  {"kb/access"},
	"kb/gitrepo":                 {},
	"kb/render":                  {},
	"kb/themes":                  {},
	"kb/textdiff":                {},
	"kb/word":                    {},
	"kb/webhook":                 {"kb/tickets"},
	"kb/live":                    {"kb/alertrules", "kb/content", "kb/search", "kb/tickets"},
	"kb/reports":                 {"kb/alertrules", "kb/content", "kb/tickets", "kb/word"},
	"kb/alertrules":              {"kb/content", "kb/render"},
	"kb/check":                   {"kb/access", "kb/content", "kb/render", "kb/scaffold"},
	"kb/scaffold":                {"kb/content", "kb/render"},
	"kb/feedback":                {"kb/content"},
	"kb/searchlog":               {},
	"kb/searchlog/searchlogtest": {"kb/searchlog"},
	"kb/example":                 {},
	"kb/internal/race":           {},
	"kb/internal/gen":            {},
	"kb/internal/scale":          {},
	"kb/internal/layers":         {},
	"kb/tickets/ticketstest":     {"kb/tickets"},
	"kb/tickets/storetest":       {"kb/feedback", "kb/tickets"},
	"kb/postgres":                {"kb/content", "kb/feedback", "kb/searchlog", "kb/tickets"},
	"kb/feedback/feedbacktest":   {"kb/feedback"},
	"kb/gitrepo/gitrepotest":     {},
	"kb/scripts/barehttp":        {},
	"kb/scripts/tornpages":       {},
}

// testAllowed are the packages of kb that tests may import beyond their
// package's own list: the helpers that open real stores, make git
// repositories, generate content and the example knowledge base, and the
// OpenID relying party, with which server tests sign in through kb's routes.
var testAllowed = []string{"kb/signin", "kb/tickets/ticketstest", "kb/feedback/feedbacktest", "kb/tickets/storetest", "kb/searchlog/searchlogtest", "kb/gitrepo/gitrepotest", "kb/internal/gen", "kb/internal/race", "kb/example"}

// owners lists the only packages that may import a library (by module path
// prefix), in their code and in their tests.
var owners = []struct {
	lib       string
	pkgs      []string
	testsToo  bool // the rule covers test files: e.g. server tests open stores through ticketstest
	rationale string
}{
	{lib: "github.com/labstack/echo", pkgs: []string{"kb/server"}, testsToo: true, rationale: "only server speaks HTTP through echo"},
	{lib: "go.etcd.io/bbolt", pkgs: []string{"kb/cmd/kb", "kb/tickets", "kb/feedback", "kb/tickets/ticketstest", "kb/feedback/feedbacktest", "kb/tickets/storetest", "kb/searchlog", "kb/searchlog/searchlogtest"}, testsToo: true, rationale: "only the owners of stored data (and cmd/kb, which opens the file) import bbolt"},
	{lib: "github.com/jackc/pgx", pkgs: []string{"kb/cmd/kb", "kb/postgres"}, testsToo: true, rationale: "only postgres (and cmd/kb, which wires it) speaks to PostgreSQL"},
	{lib: "github.com/pressly/goose", pkgs: []string{"kb/postgres"}, testsToo: true, rationale: "only postgres migrates its schema"},
	// Benchmarks measure kb against the bare libraries, so tests elsewhere may import these two.
	{lib: "github.com/blevesearch/", pkgs: []string{"kb/search"}, rationale: "only search imports bleve"},
	{lib: "github.com/yuin/goldmark", pkgs: []string{"kb/render"}, rationale: "only render imports goldmark"},
	{lib: "github.com/alecthomas/chroma", pkgs: []string{"kb/render"}, rationale: "only render highlights code"},
}

type pkg struct {
	ImportPath   string
	Imports      []string
	TestImports  []string
	XTestImports []string
}

// listPackages runs go list over the whole module.
func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json=ImportPath,Imports,TestImports,XTestImports", "kb/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "go list: %s", stderr.String())
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		err := dec.Decode(&p)
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		pkgs = append(pkgs, p)
	}
	require.NotEmpty(t, pkgs)
	return pkgs
}

func TestImportFence(t *testing.T) {
	for _, v := range violations(listPackages(t)) {
		t.Error(v)
	}
}

// TestFenceCatches makes sure the fence is not vacuous: imports DESIGN.md
// forbids are reported, and every rule names packages that exist.
func TestFenceCatches(t *testing.T) {
	bad := []pkg{
		{ImportPath: "kb/webhook", Imports: []string{"kb/tickets", "github.com/labstack/echo/v5"}},
		{ImportPath: "kb/check", Imports: []string{"kb/server"}},
		{ImportPath: "kb/content", Imports: []string{"kb/search"}},
		{ImportPath: "kb/server", TestImports: []string{"go.etcd.io/bbolt"}},
		{ImportPath: "kb/render", Imports: []string{"github.com/blevesearch/bleve/v2"}},
		{ImportPath: "kb/server", Imports: []string{"github.com/jackc/pgx/v5"}},
		{ImportPath: "kb/newthing"},
	}
	got := violations(bad)
	require.Len(t, got, len(bad), "%q", got)
	for i, want := range []string{"echo", "kb/server", "kb/search", "bbolt", "bleve", "PostgreSQL", "not in the import fence"} {
		require.Contains(t, got[i], want)
	}

	known := map[string]bool{}
	for _, p := range listPackages(t) {
		known[p.ImportPath] = true
	}
	for name, may := range allowed {
		require.True(t, known[name], "allowed names %s, which does not exist: remove it", name)
		for _, m := range may {
			require.True(t, m == "*" || known[m], "%s may import %s, which does not exist", name, m)
		}
	}
}

// violations returns one message per import of pkgs that the fence forbids.
func violations(pkgs []pkg) []string {
	var out []string
	for _, p := range pkgs {
		may, ok := allowed[p.ImportPath]
		if !ok {
			out = append(out, p.ImportPath+" is not in the import fence: add it to allowed in internal/layers with the packages DESIGN.md lets it import")
			continue
		}
		check := func(imp string, inTest bool) {
			if imp == p.ImportPath {
				return // an external test package importing its own package
			}
			if strings.HasPrefix(imp, "kb/") {
				switch {
				case imp == "kb/server" && p.ImportPath != "kb/cmd/kb":
					out = append(out, p.ImportPath+" imports kb/server: only cmd/kb wires the HTTP layer")
				case slices.Contains(may, "*"), slices.Contains(may, imp):
				case inTest && slices.Contains(testAllowed, imp):
				case inTest:
					out = append(out, "tests of "+p.ImportPath+" import "+imp+", which the package itself may not import")
				default:
					out = append(out, p.ImportPath+" imports "+imp+"; DESIGN.md lets it import only "+strings.Join(may, ", "))
				}
				return
			}
			for _, o := range owners {
				if strings.HasPrefix(imp, o.lib) && !slices.Contains(o.pkgs, p.ImportPath) && (!inTest || o.testsToo) {
					out = append(out, p.ImportPath+" imports "+imp+": "+o.rationale)
				}
			}
		}
		for _, imp := range p.Imports {
			check(imp, false)
		}
		for _, imp := range append(slices.Clone(p.TestImports), p.XTestImports...) {
			check(imp, true)
		}
	}
	return out
}
