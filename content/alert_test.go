package content

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAlertKey(t *testing.T) {
	for _, name := range []string{"KubePodCrashLooping", "kubepodcrashlooping", "kube-pod-crash-looping", "Kube Pod Crash_Looping:", "KUBE.POD.CRASH.LOOPING"} {
		assert.Equal(t, "kubepodcrashlooping", AlertKey(name), name)
	}
	assert.Equal(t, "étcdnoleader", AlertKey("ÉtcdNoLeader"), "letters beyond ASCII count")
	assert.Empty(t, AlertKey("-_ :."), "no letter or digit: no alert")
}

func TestParseAlertName(t *testing.T) {
	tests := []struct {
		name, in, want, wantErr string
	}{
		{name: "plain", in: "KubePodCrashLooping", want: "KubePodCrashLooping"},
		{name: "Grafana rule name", in: " High CPU usage ", want: "High CPU usage"},
		{name: "recording-rule style", in: "job:errors:rate5m", want: "job:errors:rate5m"},
		{name: "unicode letters", in: "Plattenplatz_voll_ä", want: "Plattenplatz_voll_ä"},
		{name: "empty", in: "", wantErr: "missing"},
		{name: "too long", in: strings.Repeat("a", MaxAlertName+1), wantErr: "too long"},
		{name: "longest", in: strings.Repeat("a", MaxAlertName), want: strings.Repeat("a", MaxAlertName)},
		{name: "bad UTF-8", in: "a\xff", wantErr: "UTF-8"},
		{name: "slash", in: "a/b", wantErr: "characters"},
		{name: "HTML", in: "<b>x</b>", wantErr: "characters"},
		{name: "dot dot", in: "a..b", wantErr: "not an alert name"},
		{name: "no letter", in: "-_-", wantErr: "not an alert name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseAlertName(tt.in)
			if tt.wantErr != "" {
				var ae *AlertNameError
				require.ErrorAs(t, err, &ae)
				assert.Contains(t, ae.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// FuzzParseAlertName: a name that passes is one that content can match
// (a non-empty AlertKey) and that is safe in a path segment.
func FuzzParseAlertName(f *testing.F) {
	for _, s := range []string{"KubePodCrashLooping", "High CPU usage", "a/b", "..", " x ", "a\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ParseAlertName(in)
		if err != nil {
			var ae *AlertNameError
			require.ErrorAs(t, err, &ae)
			return
		}
		assert.NotEmpty(t, AlertKey(got))
		assert.LessOrEqual(t, len(got), MaxAlertName)
		assert.False(t, strings.ContainsAny(got, "/\\?#%<>\"'&"), got)
		assert.Equal(t, strings.TrimSpace(got), got)
	})
}
