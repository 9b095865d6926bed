package content

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/internal/gen"
	"kb/internal/race"
)

// snapshotView is what a snapshot derives, as text lines: every article
// (articleView), the snapshot's warnings and version, the tag, service,
// folder, backlink, alert, id, URL and alias lookups.
func snapshotView(s *Snapshot) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	paths := func(as []*Article) []string {
		var p []string
		for _, a := range as {
			p = append(p, a.Path)
		}
		return p
	}
	add("version %s", s.Version)
	add("warnings %v", s.Warnings)
	add("tags %v", s.Tags())
	add("services %v", s.Services())
	for _, t := range s.Tags() {
		add("tagged %s %v", t.Name, paths(s.Tagged(t.Name)))
	}
	for _, t := range s.Services() {
		add("service %s %v", t.Name, paths(s.InService(t.Name)))
	}
	for _, a := range s.Articles {
		add("article %s", articleView(a))
		add("backlinks %s %v", a.Path, paths(s.Backlinks(a)))
		for _, name := range a.Alerts {
			r, ok := s.ByAlert(name)
			add("alert %s %v %v", name, ok, r != nil && ok && r.Path != "")
			if ok {
				add("alert %s → %s", name, r.Path)
			}
		}
		if b, ok := s.ByID(a.ID); ok {
			add("id %s → %s", a.ID, b.Path)
		}
		if b, ok := s.ByURL(a.URL); ok {
			add("url %s → %s", a.URL, b.Path)
		}
		for _, al := range a.Aliases {
			if b, ok := s.ByAlias(al); ok {
				add("alias %s → %s", al, b.Path)
			}
		}
		for _, name := range []string{path.Base(a.URL), a.Title} {
			if r, ok := s.ByAlert(name); ok {
				add("alert name %q → %s", name, r.Path)
			}
		}
		dir := a.Folder()
		if f, ok := s.Folder(dir); !ok {
			add("folder %s missing", dir)
		} else {
			var sub []string
			for _, c := range f.Folders {
				sub = append(sub, c.Path)
			}
			add("folder %s %v %v %d", dir, paths(f.Articles), sub, f.Count())
		}
	}
	add("classes %v", s.Classes())
	var tree func(f *Folder)
	tree = func(f *Folder) {
		var sub []string
		for _, c := range f.Folders {
			sub = append(sub, c.Path)
		}
		add("tree %q %v %v %d", f.Path, paths(f.Articles), sub, f.Count())
		for _, c := range f.Folders {
			tree(c)
		}
	}
	if root, ok := s.Folder(""); ok {
		tree(root)
	}
	return out
}

// TestIncrementalMatchesFullLoad is a property test: a generated collection
// takes rounds of random edits (bodies, titles, tags, ids and aliases that
// collide, alerts, links), deletes, additions and renames, each brought in
// with Apply of the paths changed; after every round the snapshot equals a
// fresh full load of the same files in every derived lookup. Links only
// point at files that are never renamed away: a link to a renamed file's old
// path resolves only for the library that saw the rename.
func TestIncrementalMatchesFullLoad(t *testing.T) {
	root := t.TempDir()
	files := map[string][]byte{}
	for p, f := range gen.Files(150, 7) {
		files[p] = f.Data
	}
	writeFiles(t, root, files)
	lib := NewLibrary(rootFS(t, root), Options{}, discardLogger())
	require.NoError(t, lib.Load(context.Background()))

	rng := rand.New(rand.NewPCG(16, 1))
	linked := map[string]bool{} // targets of links: never renamed away
	pick := func() string {
		ps := slices.Sorted(func(yield func(string) bool) {
			for p := range files {
				if !yield(p) {
					return
				}
			}
		})
		return ps[rng.IntN(len(ps))]
	}
	write := func(p string, b []byte) {
		files[p] = b
		full := filepath.Join(root, filepath.FromSlash(p))
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, b, 0o644))
	}
	remove := func(p string) {
		delete(files, p)
		require.NoError(t, os.Remove(filepath.Join(root, filepath.FromSlash(p))))
	}
	ids := []string{"shared-id", "other-id", "x"}
	tags := []string{"alpha", "Beta", "gamma", "cpu"}
	added := 0
	for round := range 25 {
		var changed []string
		for range 1 + rng.IntN(4) {
			switch op := rng.IntN(10); {
			case op < 6: // edit front matter and body
				p := pick()
				target := pick()
				linked[target] = true
				rel, err := filepath.Rel(filepath.Dir(p), target)
				require.NoError(t, err)
				fm := fmt.Sprintf("title: Edited %d\ntags: [%s, %s]\n", round, tags[rng.IntN(len(tags))], tags[rng.IntN(len(tags))])
				if rng.IntN(3) == 0 {
					fm += "id: " + ids[rng.IntN(len(ids))] + "\n"
				}
				if rng.IntN(3) == 0 {
					fm += fmt.Sprintf("aliases: [/old/%d]\n", rng.IntN(3))
				}
				if rng.IntN(3) == 0 {
					fm += fmt.Sprintf("type: runbook\nalerts: [Alert%d]\nservice: svc%d\n", rng.IntN(3), rng.IntN(2))
				}
				body := fmt.Sprintf("# Heading %d\n\nSee [that](%s) and [gone](nowhere-%d.md).\n\n%s", round, filepath.ToSlash(rel), rng.IntN(3), strings.Repeat("word ", 1+rng.IntN(20)))
				write(p, []byte("---\n"+fm+"---\n"+body))
				changed = append(changed, p)
			case op < 7 && len(files) > 20: // delete
				p := pick()
				remove(p)
				changed = append(changed, p)
			case op < 9: // add, sometimes in a new folder
				added++
				p := fmt.Sprintf("new/f%d/added-%d.md", added%3, added)
				write(p, []byte(fmt.Sprintf("---\ntitle: Added %d\ntags: [%s]\n---\n# Added\n\nText %d.\n", added, tags[rng.IntN(len(tags))], added)))
				changed = append(changed, p)
			default: // rename a file nothing links to
				p := pick()
				if linked[p] {
					continue
				}
				added++
				to := fmt.Sprintf("moved/m%d/%s", added%2, filepath.Base(p))
				if _, taken := files[to]; taken {
					continue
				}
				b := files[p]
				remove(p)
				write(to, b)
				changed = append(changed, p, to)
			}
		}
		upd, err := lib.Apply(context.Background(), changed)
		require.NoError(t, err)
		if upd.Published {
			assert.True(t, lib.Snapshot().edited, "round %d took the edit path", round)
		}
		fresh := NewLibrary(rootFS(t, root), Options{}, discardLogger())
		require.NoError(t, fresh.Load(context.Background()))
		want, got := snapshotView(fresh.Snapshot()), snapshotView(lib.Snapshot())
		assert.Greater(t, len(want), 4*len(fresh.Snapshot().Articles))
		require.Equal(t, strings.Join(want, "\n"), strings.Join(got, "\n"), "round %d, changed %v", round, changed)
		require.Equal(t, fresh.Snapshot().Warnings, lib.Snapshot().Warnings, "round %d", round)
		require.Equal(t, fresh.Snapshot().listed, lib.Snapshot().flat().listed, "round %d: the listing the next load starts from", round)
		require.Equal(t, fresh.Snapshot().Version, lib.Snapshot().Version, "round %d", round)
	}
}

// TestEditsMatchFullLoad is the property test of the edit path (applyEdit):
// rounds of edits of existing files (bodies, titles that name alerts,
// types, tags, services, front-matter alerts, ids and aliases that
// sometimes collide, links, files saved again unchanged), now and then a
// file added or deleted, each brought in with Apply of the paths changed;
// after every round the snapshot equals a fresh full load in every derived
// lookup. Collisions send a round to the full build, so a third of the
// rounds at least must take the edit path.
func TestEditsMatchFullLoad(t *testing.T) {
	root := t.TempDir()
	files := map[string][]byte{}
	for p, f := range gen.Files(200, 11) {
		files[p] = f.Data
	}
	writeFiles(t, root, files)
	lib := NewLibrary(rootFS(t, root), Options{}, discardLogger())
	require.NoError(t, lib.Load(context.Background()))

	rng := rand.New(rand.NewPCG(16, 2))
	pick := func() string {
		ps := slices.Sorted(maps.Keys(files))
		return ps[rng.IntN(len(ps))]
	}
	write := func(p string, b []byte) {
		files[p] = b
		full := filepath.Join(root, filepath.FromSlash(p))
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, b, 0o644))
	}
	one := func(list ...string) string { return list[rng.IntN(len(list))] }
	rounds := 120
	if race.Enabled { // each round's fresh load is ~10x slower: 120 rounds took 135 s beside a CPU hog
		rounds = 50
	}
	fast, added := 0, 0
	for round := range rounds {
		var changed []string
		for range 1 + rng.IntN(3) {
			p := pick()
			switch op := rng.IntN(20); {
			case op == 0 && len(files) > 150: // delete
				delete(files, p)
				require.NoError(t, os.Remove(filepath.Join(root, filepath.FromSlash(p))))
			case op == 1: // add
				added++
				p = fmt.Sprintf("extra/added-%d.md", added)
				write(p, []byte(fmt.Sprintf("# Added %d\n\nText.\n", added)))
			case op == 2: // saved again unchanged, with a new time
				at := time.Date(2026, 2, 1, 0, 0, round, 0, time.UTC)
				require.NoError(t, os.Chtimes(filepath.Join(root, filepath.FromSlash(p)), at, at))
			default: // edit
				fm := "title: " + one("Edited", "DiskFull", "EtcdNoLeader", "Disk full", fmt.Sprintf("Round %d", round)) + "\n"
				if rng.IntN(2) == 0 {
					fm += "type: " + one("runbook", "article") + "\n"
				}
				fm += fmt.Sprintf("tags: [%s, %s]\n", one("alpha", "beta", "gamma", "cpu"), one("alpha", "disk", "net"))
				if rng.IntN(2) == 0 {
					fm += "service: " + one("etcd", "kafka", "dns") + "\n"
				}
				if rng.IntN(3) == 0 {
					fm += "alerts: [" + one("DiskFull", fmt.Sprintf("Alert%d", round), fmt.Sprintf("Other%d", round), "Alert1") + "]\n"
				}
				if rng.IntN(6) == 0 {
					fm += "id: " + one("shared-id", fmt.Sprintf("fresh-%d", round), fmt.Sprintf("new-%d", round)) + "\n"
				}
				if rng.IntN(6) == 0 {
					fm += "aliases: [" + one("/old/a", fmt.Sprintf("/old/r%d", round), fmt.Sprintf("/old/s%d", round)) + "]\n"
				}
				body := fmt.Sprintf("# Heading %d\n\n", round)
				for range rng.IntN(3) {
					target := pick()
					rel, err := filepath.Rel(filepath.Dir(p), target)
					require.NoError(t, err)
					body += fmt.Sprintf("See [that](%s).\n\n", filepath.ToSlash(rel))
				}
				body += "```sh\necho " + fmt.Sprint(round) + "\n```\n"
				write(p, []byte("---\n"+fm+"---\n"+body))
			}
			changed = append(changed, p)
		}
		_, err := lib.Apply(context.Background(), changed)
		require.NoError(t, err)
		if lib.Snapshot().edited {
			fast++
		}
		fresh := NewLibrary(rootFS(t, root), Options{}, discardLogger())
		require.NoError(t, fresh.Load(context.Background()))
		want, got := snapshotView(fresh.Snapshot()), snapshotView(lib.Snapshot())
		require.Equal(t, strings.Join(want, "\n"), strings.Join(got, "\n"), "round %d, changed %v", round, changed)
		require.Equal(t, fresh.Snapshot().listed, lib.Snapshot().flat().listed, "round %d: the listing the next load starts from", round)
	}
	t.Logf("%d of %d rounds took the edit path", fast, rounds)
	assert.Greater(t, fast, rounds/3, "rounds of plain edits")
}

// TestEditBesideADispute: an article that won an alert, an id and an alias
// from another is edited in place keeping them, then gives them up (the
// other file wins them), then the other file gives them up too and the
// first takes them back; each is an edit, and each equals a fresh load.
func TestEditBesideADispute(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string][]byte{
		"one.md":   []byte("---\nid: same\nalerts: [DiskFull]\naliases: [/old]\n---\n# A\n\nBody.\n"),
		"two.md":   []byte("---\nid: same\nalerts: [DiskFull]\naliases: [/old]\n---\n# B\n"),
		"three.md": []byte("# C\n"),
	})
	lib := NewLibrary(rootFS(t, root), Options{}, discardLogger())
	require.NoError(t, lib.Load(context.Background()))
	check := func(file, body string, edited bool) {
		t.Helper()
		writeFiles(t, root, map[string][]byte{file: []byte(body)})
		_, err := lib.Apply(context.Background(), []string{file})
		require.NoError(t, err)
		assert.Equal(t, edited, lib.Snapshot().edited, "edit path")
		fresh := NewLibrary(rootFS(t, root), Options{}, discardLogger())
		require.NoError(t, fresh.Load(context.Background()))
		require.Equal(t, strings.Join(snapshotView(fresh.Snapshot()), "\n"), strings.Join(snapshotView(lib.Snapshot()), "\n"))
	}
	check("one.md", "---\nid: same\nalerts: [DiskFull]\naliases: [/old]\n---\n# A\n\nBody, edited.\n", true)
	check("three.md", "# C\n\nSee [one](one.md).\n", true)
	check("one.md", "---\nalerts: [Other]\n---\n# A\n\nBody.\n", true)
	r, ok := lib.Snapshot().ByAlert("DiskFull")
	require.True(t, ok)
	assert.Equal(t, "two.md", r.Path)
	b, ok := lib.Snapshot().ByID("same")
	require.True(t, ok)
	assert.Equal(t, "two.md", b.Path, "the id goes to the file that lost it")
	assert.Empty(t, lib.Snapshot().Warnings, "nothing is disputed any more")
	check("two.md", "# B\n", true)
	check("one.md", "---\nid: same\nalerts: [DiskFull]\naliases: [/old]\n---\n# A\n", true)
	r, ok = lib.Snapshot().ByAlert("DiskFull")
	require.True(t, ok)
	assert.Equal(t, "one.md", r.Path)
}

// TestClaimEditsMatchFullLoad is the property test of settling disputed
// claims in an edit: files that claim a few ids (some the ids derived
// from other files' paths, or the numbered ids a loser gets), aliases
// (some another file's URL) and alerts take rounds of random edits of
// existing files; every round takes the edit path, and after every round
// the snapshot equals a fresh full load in every derived lookup, its
// warnings in order included.
func TestClaimEditsMatchFullLoad(t *testing.T) {
	root := t.TempDir()
	rng := rand.New(rand.NewPCG(16, 3))
	one := func(list ...string) string { return list[rng.IntN(len(list))] }
	var ps []string
	for i := range 40 {
		ps = append(ps, fmt.Sprintf("%s/f%d.md", one("runbooks", "docs", "runbooks/sub"), i))
	}
	slices.Sort(ps)
	ps = slices.Compact(ps)
	ids := []string{"shared", "other", DeriveID(ps[0]), DeriveID(ps[1]), DeriveID(ps[2]) + "-2", "shared-2", DeriveID(ps[3]) + "-3"}
	aliases := []string{"/old/a", "/old/b", URLFor(ps[4]), "/old/c"}
	alerts := []string{"DiskFull", "disk-full", "EtcdNoLeader", "Other"}
	content := func(round int) []byte {
		fm := ""
		if rng.IntN(2) == 0 {
			fm += "id: " + one(ids...) + "\n"
		}
		if n := rng.IntN(3); n > 0 {
			fm += "aliases: [" + one(aliases...)
			if n > 1 {
				fm += ", " + one(aliases...)
			}
			fm += "]\n"
		}
		if n := rng.IntN(3); n > 0 {
			fm += "alerts: [" + one(alerts...)
			if n > 1 {
				fm += ", " + one(alerts...)
			}
			fm += "]\n"
		}
		return []byte(fmt.Sprintf("---\ntitle: %s\n%s---\n# H\n\nRound %d, see [x](/%s).\n", one("DiskFull", "Plain", "Other"), fm, round, ps[rng.IntN(len(ps))]))
	}
	files := map[string][]byte{}
	for _, p := range ps {
		files[p] = content(0)
	}
	writeFiles(t, root, files)
	lib := NewLibrary(rootFS(t, root), Options{}, discardLogger())
	require.NoError(t, lib.Load(context.Background()))
	require.NotEmpty(t, lib.Snapshot().Warnings, "the collection disputes claims")

	rounds := 150
	if race.Enabled {
		rounds = 60
	}
	settledOthers := 0
	for round := range rounds {
		var changed []string
		for range 1 + rng.IntN(3) {
			p := ps[rng.IntN(len(ps))]
			full := filepath.Join(root, filepath.FromSlash(p))
			require.NoError(t, os.WriteFile(full, content(round+1), 0o644))
			at := time.Date(2026, 3, 1, 0, 0, round, 0, time.UTC)
			require.NoError(t, os.Chtimes(full, at, at))
			changed = append(changed, p)
		}
		upd, err := lib.Apply(context.Background(), changed)
		require.NoError(t, err)
		require.True(t, lib.Snapshot().edited, "round %d took the edit path", round)
		for _, a := range upd.Updated {
			if !slices.Contains(changed, a.Path) {
				settledOthers++
			}
		}
		fresh := NewLibrary(rootFS(t, root), Options{}, discardLogger())
		require.NoError(t, fresh.Load(context.Background()))
		want, got := snapshotView(fresh.Snapshot()), snapshotView(lib.Snapshot())
		require.Equal(t, strings.Join(want, "\n"), strings.Join(got, "\n"), "round %d, changed %v", round, changed)
		require.Equal(t, fresh.Snapshot().Warnings, lib.Snapshot().Warnings, "round %d", round)
	}
	t.Logf("%d articles other than the edited ones were settled again", settledOthers)
	assert.Positive(t, settledOthers, "edits moved claims between files")
}
