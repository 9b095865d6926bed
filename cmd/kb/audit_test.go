package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/tickets"
)

// TestAuditCommand: kb token create and revoke are in the trail, which kb
// audit prints newest first, as text or JSON lines, since a time, limited.
func TestAuditCommand(t *testing.T) {
	data := t.TempDir()
	as := env(map[string]string{"USER": "ops"})
	run1 := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), args, as, testClock, strings.NewReader(""), &out, &bytes.Buffer{})
		return out.String(), err
	}
	_, err := run1("token", "create", "jira", "--data", data)
	require.NoError(t, err)
	_, err = run1("token", "revoke", "jira", "--data", data)
	require.NoError(t, err)

	text, err := run1("audit", "--data", data)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(text), "\n")
	require.Len(t, lines, 3, text)
	assert.Regexp(t, `^TIME\s+WHO\s+ACTION`, lines[0])
	assert.Regexp(t, `^2026-09-15T12:00:00Z\s+cli:ops\s+token.revoke\s+jira\s+cli`, lines[1])
	assert.Regexp(t, `token.create\s+jira\s+cli\s+scope links:write$`, lines[2])

	js, err := run1("audit", "--data", data, "--format", "json", "--limit", "1")
	require.NoError(t, err)
	var e tickets.Event
	require.NoError(t, json.Unmarshal([]byte(js), &e), js)
	assert.Equal(t, tickets.ActTokenRevoke, e.Action)
	assert.Equal(t, "cli:ops", e.Who)

	// --since: a duration back from the clock, a date, an RFC 3339 time.
	for since, want := range map[string]int{"1h": 2, "2026-09-15": 2, "2026-09-16": 0, "2026-09-15T12:00:01Z": 0} {
		js, err := run1("audit", "--data", data, "--format", "json", "--since", since)
		require.NoError(t, err, since)
		assert.Equal(t, want, strings.Count(js, "\n"), since)
	}
	for _, bad := range [][]string{{"--since", "yesterday"}, {"--format", "xml"}, {"--limit", "0"}, {"extra"}} {
		_, err := run1(append([]string{"audit", "--data", data}, bad...)...)
		assert.Error(t, err, bad)
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 9, 15, 12, 0, 0, 0, time.UTC)
	got, err := parseSince("90m", now)
	require.NoError(t, err)
	assert.Equal(t, now.Add(-90*time.Minute), got)
	got, err = parseSince("", now)
	require.NoError(t, err)
	assert.True(t, got.IsZero())
	_, err = parseSince("-5m", now)
	assert.Error(t, err)
}
