// Package webhook turns the webhook deliveries of ticket and alerting tools
// (Jira, ServiceNow, Zendesk, PagerDuty, Alertmanager and kb's own generic
// shape) into tickets and the kb article references found in them.
//
// It owns three things: checking that a delivery really comes from the
// configured tool (Verify: an HMAC of the raw body where the tool signs, a
// shared secret header otherwise), reading each tool's payload into typed
// Resolutions with an idempotency key for the delivery (Parse), and finding
// kb references in free text (FindRefs).
//
// webhook imports only kb's tickets package, for the Ticket type and its
// limits. It knows nothing about HTTP frameworks, the content store or the
// links database: the server reads the body and headers, calls Verify and
// Parse, resolves each Ref to an article and records links and knowledge
// gaps. Its API is internal to kb.
package webhook
