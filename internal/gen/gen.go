package gen

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing/fstest"
	"time"
)

// Files returns n articles as a file system: about a third runbooks under
// runbooks/<service>/, the rest articles under articles/<area>/.
func Files(n int, seed uint64) fstest.MapFS {
	g := newGenerator(seed)
	fsys := fstest.MapFS{}
	for i := range n {
		p, body := g.article(i)
		fsys[p] = &fstest.MapFile{Data: body, ModTime: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	}
	return fsys
}

// Queries returns n plain queries of one to four words, drawn from the
// vocabulary articles are written in: services, alert names, symptoms and
// error lines, the way people search.
func Queries(n int, seed uint64) []string {
	g := newGenerator(seed ^ 0x9e3779b97f4a7c15)
	out := make([]string, 0, n)
	for len(out) < n {
		var q string
		switch g.r.IntN(6) {
		case 0:
			q = g.pick(services()) + " " + g.word()
		case 1:
			q = g.alertName()
		case 2:
			q = g.pick(services()) + " " + g.pick(symptoms())
		case 3:
			q = g.word() + " " + g.word() + " " + g.word()
		case 4:
			q = strings.ToLower(g.pick(components())) + " " + g.word()
		default:
			q = g.word()
		}
		words := strings.Fields(q)
		out = append(out, strings.Join(words[:min(4, len(words))], " "))
	}
	return out
}

// Phrases returns n quoted phrases of two or three words that occur in the
// generated articles.
func Phrases(n int, seed uint64) []string {
	g := newGenerator(seed ^ 0x51f15e)
	fragments := []string{"connection refused", "too many open files", "no space left", "certificate has expired", "deadline exceeded", "connection reset"}
	out := make([]string, 0, n)
	for len(out) < n {
		var s string
		if g.r.IntN(2) == 0 {
			words := strings.Fields(g.pick(symptoms()))
			s = strings.Join(words[:min(3, len(words))], " ")
		} else {
			s = g.pick(fragments)
		}
		out = append(out, `"`+s+`"`)
	}
	return out
}

type generator struct {
	r     *rand.Rand
	zipf  *rand.Zipf
	prose []string
}

func newGenerator(seed uint64) *generator {
	r := rand.New(rand.NewPCG(seed, seed*31+7))
	p := prose()
	return &generator{r: r, zipf: rand.NewZipf(r, 1.1, 2, uint64(len(p)-1)), prose: p}
}

func (g *generator) pick(list []string) string { return list[g.r.IntN(len(list))] }

func (g *generator) word() string { return g.prose[g.zipf.Uint64()] }

func (g *generator) alertName() string {
	return g.alertFor(g.pick(services()))
}

// alertFor names an alert of service svc: EtcdDiskLatencyHigh.
func (g *generator) alertFor(svc string) string {
	return strings.ToUpper(svc[:1]) + svc[1:] + g.pick(components()) + g.pick(conditions())
}

func (g *generator) sentence(min, max int) string {
	n := min + g.r.IntN(max-min+1)
	words := make([]string, n)
	for i := range words {
		words[i] = g.word()
	}
	s := strings.Join(words, " ")
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

func (g *generator) paragraph() string {
	n := 2 + g.r.IntN(4)
	ss := make([]string, n)
	for i := range ss {
		ss[i] = g.sentence(6, 16)
	}
	return strings.Join(ss, " ")
}

func (g *generator) errorLine() string {
	l := g.pick(errorLines())
	if strings.Count(l, "%") == 2 {
		l = fmt.Sprintf(l, fmt.Sprintf("10.%d.%d.%d", g.r.IntN(256), g.r.IntN(256), g.r.IntN(256)), 443+g.r.IntN(9000))
	}
	return l
}

func (g *generator) tagList() []string {
	n := 1 + g.r.IntN(3)
	seen := map[string]bool{}
	var out []string
	for len(out) < n {
		t := g.pick(tags())
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// article returns the path and Markdown of article i.
func (g *generator) article(i int) (string, []byte) {
	svc := g.pick(services())
	var b strings.Builder
	if i%3 == 0 {
		alert := g.alertFor(svc)
		symptom := g.pick(symptoms())
		fmt.Fprintf(&b, "---\ntitle: %q\nsummary: %q\nservice: %s\nalerts: [%s]\nseverity: %s\ntags: [%s]\nowners: [team-%s]\n---\n\n",
			svc+" "+symptom, g.sentence(8, 14), svc, alert, []string{"critical", "warning"}[g.r.IntN(2)],
			strings.Join(g.tagList(), ", "), g.pick(areas()))
		fmt.Fprintf(&b, "## Meaning\n\n%s fires when %s %s. %s\n\n", alert, svc, symptom, g.paragraph())
		fmt.Fprintf(&b, "## Impact\n\n%s\n\n", g.paragraph())
		fmt.Fprintf(&b, "## Diagnosis\n\n%s\n\n```shell\nkubectl -n %s logs deploy/%s-%s --since=1h | grep -i %q\n```\n\n",
			g.paragraph(), svc, svc, strings.ToLower(g.pick(components())), strings.Fields(g.errorLine())[0])
		fmt.Fprintf(&b, "The logs usually show `%s`. %s\n\n", g.errorLine(), g.paragraph())
		b.WriteString("## Mitigation\n\n")
		for range 3 + g.r.IntN(3) {
			fmt.Fprintf(&b, "- %s\n", g.sentence(5, 12))
		}
		fmt.Fprintf(&b, "\n%s\n", g.paragraph())
		return fmt.Sprintf("runbooks/%s/%s-%d.md", svc, strings.ToLower(alert), i), []byte(b.String())
	}
	area := g.pick(areas())
	kind := []string{"How to", "Postmortem:", "Understanding", "Operating"}[g.r.IntN(4)]
	title := fmt.Sprintf("%s %s %s", kind, svc, g.word()+" "+g.word())
	fmt.Fprintf(&b, "---\ntitle: %q\nservice: %s\ntags: [%s]\n---\n\n%s\n\n", title, svc, strings.Join(g.tagList(), ", "), g.paragraph())
	for range 3 + g.r.IntN(4) {
		w := g.word()
		fmt.Fprintf(&b, "## %s %s %s\n\n%s\n\n%s\n\n", strings.ToUpper(w[:1])+w[1:], g.word(), g.word(), g.paragraph(), g.paragraph())
		if g.r.IntN(3) == 0 {
			fmt.Fprintf(&b, "```text\n%s\n```\n\n", g.errorLine())
		}
	}
	return fmt.Sprintf("articles/%s/%s-%d.md", area, svc, i), []byte(b.String())
}
