// Package webhook turns the webhook deliveries of ticket and alerting tools
// (Jira, ServiceNow, Zendesk, PagerDuty, Alertmanager and kb's own generic
// shape) into ticket links and knowledge gaps, and checks git push hooks.
//
// It owns four things: checking that a delivery really comes from the
// configured tool (Verify: an HMAC of the raw body where the tool signs, a
// shared secret header otherwise; VerifyPush for the git host's push hook),
// reading each tool's payload into typed Resolutions with an idempotency key
// for the delivery (Parse), finding kb references in free text (FindRefs),
// and turning a delivery into links, remembered mentions and knowledge gaps
// (Resolve). Outcome names what became of a delivery, as /metrics counts it.
//
// webhook imports only kb's tickets package, for the Ticket, Link and
// Delivery types and their limits. It knows nothing about HTTP frameworks or
// the content store: the server reads the body and headers, calls Verify,
// Parse and Resolve, and hands Resolve a Resolver over its content snapshot
// and the links store. Its API is internal to kb.
package webhook
