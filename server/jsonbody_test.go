package server

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCheckKeys(t *testing.T) {
	type inner struct {
		Key  string `json:"key"`
		Skip string `json:"-"`
	}
	type body struct {
		Inner *inner           `json:"inner"`
		List  []inner          `json:"list"`
		Map   map[string]inner `json:"map"`
		Plain string
	}
	tests := []struct {
		name, in, want string
	}{
		{"fine", `{"inner": {"key": "x"}, "list": [{"key": "y"}], "map": {"a": {"key": "z"}}, "Plain": "p"}`, ""},
		{"duplicate in a list element", `{"list": [{"key": "y", "key": "z"}]}`, "list[0].key is given twice"},
		{"duplicate map key", `{"map": {"a": {}, "a": {}}}`, "map.a is given twice"},
		{"case in a map value", `{"map": {"a": {"KEY": "z"}}}`, `did you mean "map.a.key"`},
		{"untagged field in another case", `{"plain": "p"}`, `did you mean "Plain"`},
		{"unknown field is the decoder's to report", `{"other": 1}`, ""},
		{"syntax errors are the decoder's", `{"inner": `, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkKeys([]byte(tt.in), reflect.TypeOf(&body{}))
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, tt.want)
		})
	}
}

// FuzzCheckKeys: checkKeys never panics, and it accepts every document that
// encoding/json would produce itself (no duplicates, exact names).
func FuzzCheckKeys(f *testing.F) {
	f.Add([]byte(`{"ticket": {"system": "jira", "key": "A-1"}, "article": "x"}`))
	f.Add([]byte(`{"a": [1, {"b": {"b": 2}}], "a": null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = checkKeys(b, reflect.TypeOf(&linkRequest{}))
		var v linkRequest
		if json.Unmarshal(b, &v) != nil {
			return
		}
		out, err := json.Marshal(v)
		if err != nil {
			return
		}
		assert.NoError(t, checkKeys(out, reflect.TypeOf(&linkRequest{})), "%s", out)
	})
}
