package webhook

import "errors"

// The outcomes of a delivery, as kb counts them on /metrics
// (kb_webhook_deliveries_total{source, result}).
const (
	OutcomeAccepted     = "accepted"      // recorded; every resolved ticket linked to an article, or none resolved yet
	OutcomeNoArticle    = "no_article"    // recorded, but a resolved ticket named no article: a knowledge gap
	OutcomeDuplicate    = "duplicate"     // delivered before (a retry); nothing done again
	OutcomeBadSignature = "bad_signature" // wrong or missing signature or secret (401)
	OutcomeUnparsable   = "unparsable"    // not the source's payload (400)
	OutcomeOff          = "off"           // no secret configured for the source (404)
	OutcomeRefused      = "refused"       // not taken: too many failed attempts (429), the store unavailable or full (503, 507)
)

// Outcomes returns every outcome, in the order /metrics lists them.
func Outcomes() []string {
	return []string{OutcomeAccepted, OutcomeNoArticle, OutcomeDuplicate, OutcomeBadSignature, OutcomeUnparsable, OutcomeOff, OutcomeRefused}
}

// Outcome classifies what happened to a delivery: the result of Resolve,
// or the error of Verify, Parse or Resolve that stopped it.
func Outcome(res Result, err error) string {
	var pe *PayloadError
	switch {
	case errors.Is(err, ErrBadSignature):
		return OutcomeBadSignature
	case errors.As(err, &pe):
		return OutcomeUnparsable
	case errors.Is(err, ErrNoSecret):
		return OutcomeOff
	case err != nil:
		return OutcomeRefused
	case res.Duplicate:
		return OutcomeDuplicate
	}
	for _, t := range res.Tickets {
		if t.Gap {
			return OutcomeNoArticle
		}
	}
	return OutcomeAccepted
}
