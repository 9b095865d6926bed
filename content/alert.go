package content

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"kb/word"
)

// MaxAlertName is the length limit of an alert name, in bytes. Alertmanager
// and Grafana names are short; a longer name is a bad link, not an alert.
const MaxAlertName = 256

// AlertKey is the form in which kb compares alert names: lower case,
// letters and digits only, since rule generators write
// "kubepodcrashlooping" and "kube-pod-crash-looping" for
// KubePodCrashLooping. "" is no alert.
func AlertKey(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	for _, r := range name {
		if word.IsRune(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// AlertNameError is a string that cannot be an alert name; its message
// says why.
type AlertNameError struct {
	Reason string // "the alert name is too long"
}

func (e *AlertNameError) Error() string { return e.Reason }

// ParseAlertName checks an alert name as an alert link gives it and
// returns it without surrounding spaces: 1 to MaxAlertName bytes of
// letters, digits, spaces (Grafana rule names have them) and "_-.:", with
// at least one letter or digit and no "..". Anything else (a slash, HTML,
// quotes) is a *AlertNameError.
func ParseAlertName(name string) (string, error) {
	switch {
	case name == "":
		return "", &AlertNameError{"the alert name is missing"}
	case len(name) > MaxAlertName:
		return "", &AlertNameError{"the alert name is too long"}
	case !utf8.ValidString(name):
		return "", &AlertNameError{"the alert name is not valid UTF-8"}
	}
	for _, r := range name {
		switch {
		case unicode.IsLetter(r), unicode.IsDigit(r):
		case r == ' ', r == '_', r == '-', r == '.', r == ':':
		default:
			return "", &AlertNameError{"the alert name has characters no alert name has"}
		}
	}
	if AlertKey(name) == "" || strings.Contains(name, "..") {
		return "", &AlertNameError{"that is not an alert name"}
	}
	return strings.TrimSpace(name), nil
}
