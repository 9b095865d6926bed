package content

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func FuzzConflictMarkers(f *testing.F) {
	f.Add([]byte("<<<<<<< HEAD\na\n=======\nb\n>>>>>>> x\n"))
	f.Add([]byte("```\n<<<<<<<\n=======\n>>>>>>>\n```\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		lines := 1 + strings.Count(string(src), "\n")
		for _, l := range conflictMarkers(src) {
			assert.True(t, l >= 1 && l <= lines)
		}
	})
}
