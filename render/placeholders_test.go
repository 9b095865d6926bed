package render_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"kb/render"
)

// fill is render.FillPlaceholders without the count.
func fill(page []byte, values map[string]string) []byte {
	out, _ := render.FillPlaceholders(page, values)
	return out
}

func TestFillPlaceholdersAcrossTokens(t *testing.T) {
	values := map[string]string{"pod": "a<b"}
	in := `<p>{{pod}}</p><pre><code class="language-bash"><span class="p">{{</span><span class="n">pod</span><span class="p">}}</span> <b>{{</b>pod}}</code></pre>`
	got := string(fill([]byte(in), values))
	assert.Equal(t, `<p>{{pod}}</p><pre><code class="language-bash"><span class="p"><mark class="filled" title="{{pod}}">a&lt;b</mark></span> <b>{{</b>pod}}</code></pre>`, got,
		"outside code and across other tags nothing changes")
}

func TestFillPlaceholders(t *testing.T) {
	values := map[string]string{"pod": "cart-1", "namespace": "shop", "x_1": `"'&`}
	mark := func(name, v string) string { return `<mark class="filled" title="{{` + name + `}}">` + v + `</mark>` }
	tests := []struct {
		name, in, want string
	}{
		{name: "inline code", in: `<p><code>kubectl -n {{namespace}} logs {{pod}}</code></p>`,
			want: `<p><code>kubectl -n ` + mark("namespace", "shop") + ` logs ` + mark("pod", "cart-1") + `</code></p>`},
		{name: "code with attributes", in: `<code class="language-sh">{{x_1}}</code>`, want: `<code class="language-sh">` + mark("x_1", "&#34;&#39;&amp;") + `</code>`},
		{name: "unknown name", in: `<code>{{nope}}</code>`, want: `<code>{{nope}}</code>`},
		{name: "template syntax", in: `<code>{{ $labels.pod }} {{.pod}} {{pod }}</code>`, want: `<code>{{ $labels.pod }} {{.pod}} {{pod }}</code>`},
		{name: "triple braces", in: `<code>{{{pod}}} {{pod}}} {{{pod}}</code>`, want: `<code>{{{pod}}} {{pod}}} {{{pod}}</code>`},
		{name: "digit first", in: `<code>{{1pod}}</code>`, want: `<code>{{1pod}}</code>`},
		{name: "outside code", in: `<p>{{pod}}</p>`, want: `<p>{{pod}}</p>`},
		{name: "codex is no code element", in: `<codex>{{pod}}</codex>`, want: `<codex>{{pod}}</codex>`},
		{name: "unclosed code", in: `<code>{{pod}}`, want: `<code>{{pod}}`},
		{name: "unclosed tag inside", in: `<code>{{pod}} <span</code>`, want: `<code>{{pod}} <span</code>`},
		{name: "two code elements", in: `<code>{{pod}}</code> {{pod}} <code>{{namespace}}</code>`,
			want: `<code>` + mark("pod", "cart-1") + `</code> {{pod}} <code>` + mark("namespace", "shop") + `</code>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, string(fill([]byte(tt.in), values)))
		})
	}
}

// TestFillShellPlaceholders: runbooks write commands with shell variables;
// $NAMESPACE and ${NAMESPACE} take the namespace label's value, and no other
// $ is touched.
func TestFillShellPlaceholders(t *testing.T) {
	values := map[string]string{"namespace": "shop", "pod": "cart-1"}
	mark := func(title, v string) string { return `<mark class="filled" title="` + title + `">` + v + `</mark>` }
	tests := []struct {
		name, in, want string
		filled         int
	}{
		{name: "upper case", in: `<code>kubectl -n $NAMESPACE get pods</code>`, want: `<code>kubectl -n ` + mark("$NAMESPACE", "shop") + ` get pods</code>`, filled: 1},
		{name: "braces", in: `<code>kubectl -n ${NAMESPACE} logs ${POD}-0</code>`, want: `<code>kubectl -n ` + mark("${NAMESPACE}", "shop") + ` logs ` + mark("${POD}", "cart-1") + `-0</code>`, filled: 2},
		{name: "as written", in: `<code>$namespace</code>`, want: `<code>` + mark("$namespace", "shop") + `</code>`, filled: 1},
		{name: "highlighted", in: `<code class="language-sh"><span class="nv">$NAMESPACE</span>;</code>`, want: `<code class="language-sh"><span class="nv">` + mark("$NAMESPACE", "shop") + `</span>;</code>`, filled: 1},
		{name: "other variables", in: `<code>echo $HOME $1 $$ $ ${HOME} $(date) $NAMESPACES $NAMESPACE_OLD</code>`, want: `<code>echo $HOME $1 $$ $ ${HOME} $(date) $NAMESPACES $NAMESPACE_OLD</code>`},
		{name: "escaped", in: `<code>\$NAMESPACE $$NAMESPACE</code>`, want: `<code>\$NAMESPACE $$NAMESPACE</code>`},
		{name: "default value", in: `<code>${NAMESPACE:-default} ${NAMESPACE</code>`, want: `<code>${NAMESPACE:-default} ${NAMESPACE</code>`},
		{name: "outside code", in: `<p>costs $NAMESPACE</p>`, want: `<p>costs $NAMESPACE</p>`},
		{name: "money", in: `<code>price: $5, $POD_COUNT</code>`, want: `<code>price: $5, $POD_COUNT</code>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, n := render.FillPlaceholders([]byte(tt.in), values)
			assert.Equal(t, tt.want, string(got))
			assert.Equal(t, tt.filled, n)
		})
	}
}

func TestFillPlaceholdersLeavesPageAlone(t *testing.T) {
	page := []byte(`<code>{{pod}}</code>`)
	assert.Equal(t, `<code>{{pod}}</code>`, string(fill(page, nil)), "no values")
	got := fill(page, map[string]string{"pod": "x"})
	assert.Equal(t, `<code><mark class="filled" title="{{pod}}">x</mark></code>`, string(got))
	assert.Equal(t, `<code>{{pod}}</code>`, string(page), "the cached page is shared: it is copied, never changed")
}

// FuzzFillPlaceholders fills the placeholders of rendered Markdown with a
// fuzzed value: the HTML stays safe and well-nested, and taking the marks
// out again gives back the text of the page.
func FuzzFillPlaceholders(f *testing.F) {
	for _, s := range []struct{ md, v string }{
		{"```bash\nkubectl -n {{namespace}} logs {{pod}} --previous\necho '{{ $labels.pod }}' {{nope}}\n```\n\nRun `kubectl describe pod {{pod}}` too.\n", "cart-1"},
		{"```go\nfmt.Println(\"{{pod}}\", x{{pod}}y)\n```\n", `"><script>alert(1)</script>`},
		{"```yaml\nname: {{pod}}\nns: '{{namespace}}'\n```\n", "a&b 'c' \"d\""},
		{"`{{{pod}}}` `{{pod}}}` `{{ pod }}`\n\n    {{pod}}\n", "{{pod}}"},
		{"{{pod}} outside code\n\n```\n{{pod}}{{pod}}{{namespace}}\n```\n", "</code></pre><b>"},
		{"```sh\nkubectl -n $NAMESPACE logs ${POD} \\$POD $$POD ${POD:-x}\n```\n\n`$pod` costs $5\n", "cart-1"},
	} {
		f.Add([]byte(s.md), s.v)
	}
	r := render.New(render.Options{})
	f.Fuzz(func(t *testing.T, md []byte, v string) {
		doc, err := r.Render(render.Input{Path: testPath, Source: md, Links: testSite})
		if err != nil {
			return
		}
		values := map[string]string{"pod": v, "namespace": "shop"}
		out := fill(doc.HTML, values)
		if !bytes.Contains(doc.HTML, []byte("<code")) {
			assert.Equal(t, doc.HTML, out, "only code elements are filled")
		}
		assertSafeHTML(t, out)
		inText, inNested := textOf(t, doc.HTML)
		outText, outNested := textOf(t, out)
		if inNested {
			assert.True(t, outNested, "filling keeps the HTML well-nested: %q", out)
		}
		assert.Equal(t, inText, outText, "the marks hold the values of the placeholders they replace")
	})
}

// textOf returns the text of HTML h, with each filled mark written as the
// placeholder it replaced, and whether its elements nest properly.
func textOf(t *testing.T, h []byte) (string, bool) {
	t.Helper()
	void := map[string]bool{"br": true, "hr": true, "img": true, "input": true, "wbr": true}
	var text strings.Builder
	var open []string
	nested := true
	inMark := false
	z := html.NewTokenizer(bytes.NewReader(h))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return text.String(), nested && len(open) == 0
		case html.TextToken:
			if !inMark {
				text.Write(z.Text())
			}
		case html.StartTagToken:
			tok := z.Token()
			if tok.Data == "mark" {
				for _, a := range tok.Attr {
					if a.Key == "title" {
						text.WriteString(a.Val)
					}
				}
				inMark = true
			}
			if !void[tok.Data] {
				open = append(open, tok.Data)
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if string(name) == "mark" {
				inMark = false
			}
			if len(open) == 0 || open[len(open)-1] != string(name) {
				nested = false
				continue
			}
			open = open[:len(open)-1]
		}
	}
}

func TestTextOfSeesMarks(t *testing.T) {
	s, nested := textOf(t, []byte(`<p><code>a<mark class="filled" title="{{pod}}">x&lt;y</mark></code></p>`))
	require.True(t, nested)
	assert.Equal(t, "a{{pod}}", s)
	_, nested = textOf(t, []byte(`<p><b></p></b>`))
	assert.False(t, nested)
}
