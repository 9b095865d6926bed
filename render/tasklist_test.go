package render_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"
)

// taskBox is one checkbox as a browser sees it.
type taskBox struct {
	label    string
	disabled bool
	checked  bool
	inItem   bool // inside an <li class="task-list-item">
}

// taskBoxes parses page and returns every checkbox in it.
func taskBoxes(t *testing.T, page []byte) []taskBox {
	t.Helper()
	root, err := html.Parse(bytes.NewReader(page))
	require.NoError(t, err)
	var boxes []taskBox
	var walk func(n *html.Node, inItem bool)
	walk = func(n *html.Node, inItem bool) {
		if n.Type == html.ElementNode && n.Data == "li" && strings.Contains(attr(n, "class"), "task-list-item") {
			inItem = true
		}
		if n.Type == html.ElementNode && n.Data == "input" && attr(n, "type") == "checkbox" {
			_, dis := attrOK(n, "disabled")
			_, chk := attrOK(n, "checked")
			boxes = append(boxes, taskBox{label: attr(n, "aria-label"), disabled: dis, checked: chk, inItem: inItem})
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inItem)
		}
	}
	walk(root, false)
	return boxes
}

func attr(n *html.Node, key string) string {
	v, _ := attrOK(n, key)
	return v
}

func attrOK(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// TestTaskListShapes: every Markdown shape of a task list gives an enabled
// box labelled by its own item's text (not its children's).
func TestTaskListShapes(t *testing.T) {
	tests := []struct {
		name, src string
		labels    []string
		checked   []bool
	}{
		{"tight", "- [ ] page the owner\n- [x] open the incident channel\n",
			[]string{"Done: page the owner", "Done: open the incident channel"}, []bool{false, true}},
		{"loose", "- [ ] page the owner\n\n- [ ] open the incident channel\n",
			[]string{"Done: page the owner", "Done: open the incident channel"}, []bool{false, false}},
		{"code block in the item", "- [ ] check the members:\n\n  ```sh\n  etcdctl member list\n  ```\n- [ ] restart `etcd`\n",
			[]string{"Done: check the members:", "Done: restart etcd"}, []bool{false, false}},
		{"nested", "- [ ] drain the node\n  - [ ] cordon it\n  - [X] evict pods\n- [ ] reboot\n",
			[]string{"Done: drain the node", "Done: cordon it", "Done: evict pods", "Done: reboot"}, []bool{false, false, true, false}},
		{"ordered with emphasis and a link", "1. [ ] read **the** [dashboard](https://grafana.example.com)\n2. [ ] write it up\n",
			[]string{"Done: read the dashboard", "Done: write it up"}, []bool{false, false}},
		{"empty item text", "- [ ]\n- [ ] next\n", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := renderDoc(t, tt.src)
			boxes := taskBoxes(t, doc.HTML)
			if tt.labels == nil {
				for _, b := range boxes {
					assert.NotEqual(t, "", b.label, "a box always has a name")
				}
				return
			}
			require.Len(t, boxes, len(tt.labels), string(doc.HTML))
			for i, b := range boxes {
				assert.Equal(t, tt.labels[i], b.label, string(doc.HTML))
				assert.Equal(t, tt.checked[i], b.checked, tt.labels[i])
				assert.False(t, b.disabled, tt.labels[i])
				assert.True(t, b.inItem, tt.labels[i])
			}
			assert.Contains(t, string(doc.HTML), `class="contains-task-list"`)
		})
	}
}

// taskLine is a task list item's first line in Markdown.
var taskLine = regexp.MustCompile(`(?m)^\s*(?:[-*+]|\d+[.)])\s+\[[ xX]\]`)

// TestExampleChecklists renders every article of the example knowledge base
// holding a task list: each item has an enabled, labelled box inside a
// task-list item (10 of the 12 such runbooks had disabled, unlabelled boxes
// inside <p> before).
func TestExampleChecklists(t *testing.T) {
	root := filepath.Join("..", "example", "kb")
	withLists := 0
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".md" {
			return err
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		// Task lines inside fenced code blocks are code, not tasks.
		want := len(taskLine.FindAll(stripFences(src), -1))
		if want == 0 {
			return nil
		}
		withLists++
		doc := renderDoc(t, string(src))
		boxes := taskBoxes(t, doc.HTML)
		assert.Len(t, boxes, want, p)
		for _, b := range boxes {
			assert.False(t, b.disabled, p)
			assert.True(t, b.inItem, p)
			assert.Greater(t, len(strings.TrimPrefix(b.label, "Done: ")), 2, "%s: %q", p, b.label)
		}
		return nil
	})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, withLists, 12, "the example has runbooks with checklists")
}

// stripFences drops fenced code blocks (a fence closes with a run of the same
// character at least as long as the one that opened it).
func stripFences(src []byte) []byte {
	var out []byte
	open := ""
	for _, line := range bytes.SplitAfter(src, []byte("\n")) {
		l := strings.TrimSpace(string(line))
		switch {
		case open == "" && (strings.HasPrefix(l, "```") || strings.HasPrefix(l, "~~~")):
			open = l[:len(l)-len(strings.TrimLeft(l, l[:1]))]
		case open != "" && strings.HasPrefix(l, open) && strings.Trim(l, open[:1]) == "":
			open = ""
		case open == "":
			out = append(out, line...)
		}
	}
	return out
}
