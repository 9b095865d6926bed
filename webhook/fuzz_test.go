package webhook

import (
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/tickets"
)

// checkRefs asserts what every reference kb hands the server satisfies.
func checkRefs(t *testing.T, refs []Ref) {
	t.Helper()
	assert.LessOrEqual(t, len(refs), MaxRefs)
	seen := map[string]bool{}
	for _, r := range refs {
		assert.True(t, strings.HasPrefix(r.Path, "/"), "path %q", r.Path)
		assert.Equal(t, path.Clean(r.Path), r.Path)
		assert.NotEqual(t, "/", r.Path)
		assert.True(t, printable(r.Path), "path %q", r.Path)
		assert.False(t, seen[r.Path], "duplicate %q", r.Path)
		seen[r.Path] = true
		l := tickets.Link{Ticket: tickets.Ticket{System: "x", Key: "k"}, ArticleID: "a", Anchor: r.Anchor}
		assert.NoError(t, l.Normalise(), "anchor %q", r.Anchor)
	}
}

func FuzzParse(f *testing.F) {
	files, err := filepath.Glob("testdata/*.json")
	require.NoError(f, err)
	for _, file := range files {
		source, _, _ := strings.Cut(filepath.Base(file), "-")
		f.Add(uint8(slices.Index(Sources(), source)), mustReadF(f, file), "X-Zendesk-Webhook-Invocation-Id: 1", true)
	}
	f.Add(uint8(0), []byte(`{"issue":{"key":"A/\u0000","self":"http://x/rest/","fields":{"status":{"statusCategory":{"key":"done"}},"description":{"type":"doc","content":[{"text":"/a/x"}]}}}}`), "", false)
	f.Add(uint8(4), []byte(`{"alerts":[{"status":"resolved","labels":{"alertname":"../x"},"annotations":{"runbook_url":"/a/b#c"}}]}`), "", true)
	f.Add(uint8(5), []byte(`{"ticket":{"key":"k"},"resolved":true,"refs":["a","/b","https://kb.example.com/c"]}`), "", true)
	f.Fuzz(func(t *testing.T, which uint8, body []byte, header string, withBase bool) {
		sources := Sources()
		source := sources[int(which)%len(sources)]
		name, value, _ := strings.Cut(header, ":")
		h := headers(name, strings.TrimSpace(value))
		base := Base{}
		if withBase {
			base = testBase
		}
		d, err := Parse(source, h, body, base)
		if err != nil {
			var pe *PayloadError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, source, pe.Source)
			return
		}
		assert.Equal(t, source, d.Source)
		assert.NotEmpty(t, d.ID)
		assert.LessOrEqual(t, len(d.ID), maxID)
		assert.True(t, printable(d.ID))
		assert.LessOrEqual(t, len(d.Tickets), maxAlerts)
		for _, r := range d.Tickets {
			if source != Generic {
				assert.Equal(t, source, r.Ticket.System)
			}
			l := tickets.Link{Ticket: r.Ticket, ArticleID: "dummy-article"}
			require.NoError(t, l.Normalise(), "ticket %+v", r.Ticket)
			assert.Equal(t, r.Ticket, l.Ticket, "tickets come out already normalised")
			if r.Ticket.ResolvedAt != nil {
				assert.Equal(t, 0, r.Ticket.ResolvedAt.UTC().Compare(*r.Ticket.ResolvedAt))
				_, err := r.Ticket.ResolvedAt.MarshalJSON()
				assert.NoError(t, err, "the server can encode it")
			}
			assert.LessOrEqual(t, len(r.Texts), maxTexts)
			for _, txt := range r.Texts {
				assert.LessOrEqual(t, len(txt), maxText)
			}
			checkRefs(t, r.Refs)
		}
	})
}

func FuzzFindRefs(f *testing.F) {
	f.Add("fixed by https://kb.example.com/runbooks/etcd/no-leader#quorum.", "https://kb.example.com")
	f.Add("[x|https://kb.example.com/a/x] <a href='/alerts/Y?z=1'>", "")
	f.Add("(https://example.com/kb/runbooks/a_(b)) /a/../x /a/%2e%2e/ /alerts/%00", "https://example.com/kb/")
	f.Add("https://kb.example.com/a/x#%22%3E https://KB.example.com:80/embed/y", "http://kb.example.com:80")
	f.Fuzz(func(t *testing.T, text, baseURL string) {
		refs := FindRefs(text, Base{URL: baseURL})
		checkRefs(t, refs)
	})
}

func FuzzVerify(f *testing.F) {
	f.Add(PagerDuty, "X-PagerDuty-Signature", "v1=00,v1=zz,,v1", []byte(`{}`))
	f.Add(Jira, "X-Hub-Signature", "sha256=", []byte(`{}`))
	f.Add(Zendesk, "X-Zendesk-Webhook-Signature", "AAAA", []byte(`{}`))
	f.Add(Alertmanager, "Authorization", "Bearer  ", []byte(`{}`))
	f.Fuzz(func(t *testing.T, source, name, value string, body []byte) {
		err := Verify(source, secret, headers(name, value), body)
		if err == nil {
			return // only a correct secret or signature gets here
		}
		if knownSource(source) {
			assert.ErrorIs(t, err, ErrBadSignature)
		} else {
			assert.ErrorIs(t, err, ErrUnknownSource)
		}
		assert.NotContains(t, err.Error(), string(secret))
	})
}

func mustReadF(f *testing.F, file string) []byte {
	f.Helper()
	b, err := os.ReadFile(file)
	require.NoError(f, err)
	return b
}
