package postgres

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseNotification(t *testing.T) {
	tests := []struct {
		name, in string
		want     notification
		wantErr  bool
	}{
		{name: "articles", in: `{"r":"a1","a":["x","y"]}`, want: notification{Replica: "a1", Articles: []string{"x", "y"}}},
		{name: "all", in: `{"r":"a1","all":true}`, want: notification{Replica: "a1", All: true}},
		{name: "pull", in: `{"r":"a1","pull":true}`, want: notification{Replica: "a1", Pull: true}},
		{name: "not JSON", in: `hello`, wantErr: true},
		{name: "unknown field", in: `{"r":"a1","drop":"table"}`, wantErr: true},
		{name: "no replica", in: `{"a":["x"]}`, wantErr: true},
		{name: "trailing", in: `{"r":"a1"} {}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseNotification(tt.in)
			if tt.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func FuzzParseNotification(f *testing.F) {
	f.Add(`{"r":"a1","a":["x"]}`)
	f.Add(`{"r":"a1","all":true}`)
	f.Add(`{"r":`)
	f.Fuzz(func(t *testing.T, payload string) {
		msg, err := parseNotification(payload)
		if err != nil {
			return
		}
		assert.NotEmpty(t, msg.Replica)
		again, err := json.Marshal(msg)
		require.NoError(t, err)
		back, err := parseNotification(string(again))
		require.NoError(t, err)
		assert.Equal(t, msg, back, "what is read writes back the same")
	})
}
