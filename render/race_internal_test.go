package render

import "runtime/debug"

// RaceEnabled reports whether the test binary was built with -race, which
// makes goldmark and chroma's regexp lexers about ten times slower. It is
// exported for the external tests of this package.
func RaceEnabled() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}
