package webhook

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"kb/tickets"
)

// The sources kb accepts deliveries from; each is the {source} of
// POST /api/v1/hooks/{source} and the key of its secret in kb.yaml.
const (
	Jira         = "jira"
	ServiceNow   = "servicenow"
	Zendesk      = "zendesk"
	PagerDuty    = "pagerduty"
	Alertmanager = "alertmanager"
	Generic      = "generic"
)

// Git is the webhook_secrets name of the git push webhook
// (POST /api/v1/hooks/git, checked by VerifyPush); it is not one of Sources.
const Git = "git"

// Sources returns the supported sources, in the order the README lists them.
func Sources() []string {
	return []string{Jira, ServiceNow, Zendesk, PagerDuty, Alertmanager, Generic}
}

// Errors callers branch on. A bad payload is a *PayloadError.
var (
	// ErrUnknownSource: the {source} is none of Sources (answer 404).
	ErrUnknownSource = errors.New("unknown webhook source")
	// ErrNoSecret: kb.yaml has no webhook_secrets entry for the source. kb
	// accepts no unauthenticated deliveries, so the hook is off; answer 404
	// with a message naming the kb.yaml key to set.
	ErrNoSecret = errors.New("webhook source not configured")
	// ErrBadSignature: the signature or shared secret is missing or wrong
	// (answer 401 and store nothing).
	ErrBadSignature = errors.New("bad webhook signature")
)

// PayloadError is a body that cannot be read as the source's payload
// (answer 400 with its message).
type PayloadError struct {
	Source string
	Field  string // JSON path of the offending field, e.g. "issue.key"; empty for the body as a whole
	Msg    string
	Err    error // the JSON error behind it, if any
}

func (e *PayloadError) Error() string {
	s := e.Source + " payload: "
	if e.Field != "" {
		s += e.Field + ": "
	}
	return s + e.Msg
}

func (e *PayloadError) Unwrap() error { return e.Err }

// Delivery is one webhook request, read.
type Delivery struct {
	Source string
	// ID identifies the delivery within Source so that a retry is recognised
	// and does nothing twice: the tool's own event or delivery id where it
	// sends one that stays the same across retries, else "sha256:" and the
	// hex SHA-256 of the parts of the body that identify the event.
	ID string
	// Tickets holds one Resolution per ticket or alert in the delivery (an
	// Alertmanager notification groups several alerts). It is empty for
	// events kb does not use (a Jira issue deletion, a PagerDuty service
	// change, a test ping): answer 2xx and do nothing.
	Tickets []Resolution
}

// Resolution is what a delivery says about one ticket.
type Resolution struct {
	// Ticket passes tickets' (*Link).Normalise: System is the source (or the
	// generic payload's system), Key has no control characters or slashes,
	// URL is http(s) or empty, Title and Status are single-line and within
	// tickets' limits, ResolvedAt is set when the payload says when.
	Ticket tickets.Ticket
	// Resolved is true when the event resolves the ticket. Only resolved
	// tickets create links, or a knowledge gap when Refs is empty. An
	// unresolved ticket may still carry Refs (a PagerDuty note naming a
	// runbook arrives before incident.resolved).
	Resolved bool
	// Texts are the free texts kb links were looked for in: resolution,
	// comments, close notes, description, alert annotations. At most 64,
	// each at most 64 KiB.
	Texts []string
	// Refs are the kb references found in Texts and in fields that hold a
	// reference as a whole (an alert's runbook_url, the generic refs), in
	// order, without duplicates, at most MaxRefs; see FindRefs. An alert
	// without any refers to /alerts/<alertname>.
	Refs []Ref
}

// MaxBody is the largest body Parse reads; the server answers 413 above it.
const MaxBody = 1 << 20

// Limits on what one delivery yields.
const (
	maxDepth    = 64  // nesting of JSON objects and arrays
	maxAlerts   = 100 // alerts of one Alertmanager notification
	maxComments = 50  // most recent comments of one ticket
	maxTexts    = 64  // texts of one Resolution
	maxText     = 64 << 10
	maxID       = 128
)

// Base is where kb is served, from base_url in kb.yaml.
type Base struct {
	// URL is kb's public base URL, e.g. "https://kb.example.com"; it may be
	// empty. Absolute URLs on its host are kb references whatever their path.
	URL string
}

// Parse reads the body of a delivery from source. header returns a request
// header by name (http.Header.Get); base tells kb URLs from others. Call
// Verify first: Parse trusts what it reads. It returns ErrUnknownSource or a
// *PayloadError naming the field to fix.
func Parse(source string, header func(string) string, body []byte, base Base) (Delivery, error) {
	var parse func(header func(string) string, body []byte, base refBase) (Delivery, error)
	switch source {
	case Jira:
		parse = parseJira
	case ServiceNow:
		parse = parseServiceNow
	case Zendesk:
		parse = parseZendesk
	case PagerDuty:
		parse = parsePagerDuty
	case Alertmanager:
		parse = parseAlertmanager
	case Generic:
		parse = parseGeneric
	default:
		return Delivery{}, fmt.Errorf("%w %q (known: %s)", ErrUnknownSource, source, strings.Join(Sources(), ", "))
	}
	if err := checkBody(body); err != nil {
		err.Source = source
		return Delivery{}, err
	}
	if header == nil {
		header = func(string) string { return "" }
	}
	d, err := parse(header, body, base.parse())
	if err != nil {
		var pe *PayloadError
		if errors.As(err, &pe) && pe.Source == "" {
			pe.Source = source
		}
		return Delivery{}, err
	}
	d.Source = source
	return d, nil
}

// checkBody rejects bodies that are empty, too large or nested too deeply
// before encoding/json sees them.
func checkBody(b []byte) *PayloadError {
	if len(bytes.TrimSpace(b)) == 0 {
		return &PayloadError{Msg: "empty body: send the JSON payload"}
	}
	if len(b) > MaxBody {
		return &PayloadError{Msg: fmt.Sprintf("body over %d bytes", MaxBody)}
	}
	depth, inString, escaped := 0, false, false
	for _, c := range b {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
			if depth > maxDepth {
				return &PayloadError{Msg: fmt.Sprintf("JSON nested deeper than %d levels", maxDepth)}
			}
		case '}', ']':
			depth--
		}
	}
	return nil
}

// decode unmarshals body into v and turns JSON errors into a *PayloadError.
func decode(body []byte, v any, strict bool) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return &PayloadError{Msg: "more than one JSON value in the body"}
	}
	return nil
}

func jsonError(err error) *PayloadError {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return &PayloadError{Msg: fmt.Sprintf("invalid JSON at byte %d: %s", syn.Offset, syn.Error()), Err: err}
	case errors.As(err, &typ):
		return &PayloadError{Field: typ.Field, Msg: fmt.Sprintf("got a JSON %s, want %s", typ.Value, jsonKind(typ.Type.String())), Err: err}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &PayloadError{Field: field, Msg: "unknown field", Err: err}
	}
	return &PayloadError{Msg: "invalid JSON: " + err.Error(), Err: err}
}

func jsonKind(goType string) string {
	switch {
	case goType == "string":
		return "a string"
	case goType == "bool" || goType == "*bool":
		return "true or false"
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case strings.HasPrefix(goType, "int") || strings.HasPrefix(goType, "float"):
		return "a number"
	}
	return "an object"
}

// flexString reads a JSON string, number or boolean as text, and null, an
// object or an array as "": tools disagree on whether "6" or 6 is a state.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	*f = ""
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
	case 'n', '{', '[':
	default:
		*f = flexString(b)
	}
	return nil
}

// hashID is the delivery id of a tool that sends none: the SHA-256 of the
// parts that identify the event.
func hashID(parts ...[]byte) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:", len(p))
		h.Write(p)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// deliveryID returns the tool's id when it is usable as a key, else the hash
// of body.
func deliveryID(toolID string, body []byte) string {
	if id := cleanID(toolID); id != "" {
		return id
	}
	return hashID(body)
}

func cleanID(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > maxID || strings.HasPrefix(s, "sha256:") {
		return ""
	}
	for _, r := range s {
		if r <= ' ' || r > '~' {
			return ""
		}
	}
	return s
}

// addTexts appends the non-empty texts to r (bounded) and the references
// found in them to r.Refs. Adapters call it once per Resolution, so the
// candidate budget of one refFinder bounds the work for one ticket.
func (r *Resolution) addTexts(base refBase, texts ...string) {
	f := refFinder{base: base, refs: r.Refs}
	for _, t := range texts {
		t = strings.TrimSpace(t)
		if t == "" || len(r.Texts) >= maxTexts {
			continue
		}
		t = truncate(strings.ToValidUTF8(t, "\uFFFD"), maxText)
		r.Texts = append(r.Texts, t)
		f.scan(t)
	}
	r.Refs = f.refs
}

// addRef appends one reference, such as a runbook_url, unless it is there.
func (r *Resolution) addRef(ref Ref) {
	f := refFinder{base: refBase{}, refs: r.Refs}
	f.add(ref)
	r.Refs = f.refs
}

// knownSource reports whether s is one of Sources.
func knownSource(s string) bool { return slices.Contains(Sources(), s) }
