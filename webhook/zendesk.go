package webhook

import (
	"encoding/json"
	"strings"
)

// zendeskPayload is the JSON body of the trigger in the README, filled in by
// Zendesk placeholders ({{ticket.id}}, {{ticket.status}}, ...).
type zendeskPayload struct {
	ID            flexString `json:"id"`
	Title         string     `json:"title"`
	Status        string     `json:"status"`
	URL           string     `json:"url"`
	UpdatedAt     string     `json:"updated_at"`
	LatestComment string     `json:"latest_comment"`
	Comments      string     `json:"comments"`
	Description   string     `json:"description"`
}

// parseZendesk reads a ticket sent by a trigger. Status "solved" or "closed"
// (any case, as {{ticket.status}} prints it) resolves the ticket. The
// delivery id is X-Zendesk-Webhook-Invocation-Id, which Zendesk keeps across
// the attempts of one invocation, else the hash of the body.
func parseZendesk(header func(string) string, body []byte, base refBase) (Delivery, error) {
	var probe struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(body, &probe) == nil && strings.HasPrefix(probe.Type, "zen:event-type:") {
		return parseZendeskEvent(body, base)
	}
	var p zendeskPayload
	if err := decode(body, &p, false); err != nil {
		return Delivery{}, err
	}
	if strings.TrimSpace(p.Status) == "" {
		return Delivery{}, &PayloadError{Field: "status", Msg: "required: {{ticket.status}}"}
	}
	link := strings.TrimSpace(p.URL)
	if link != "" && !strings.Contains(link, "://") {
		link = "https://" + link // {{ticket.url}} has no scheme
	}
	t, ok := newTicket(Zendesk, string(p.ID), link, p.Title, p.Status)
	if !ok {
		return Delivery{}, &PayloadError{Field: "id", Msg: "required: {{ticket.id}}"}
	}
	status := strings.ToLower(strings.TrimSpace(p.Status))
	r := Resolution{Ticket: t, Resolved: status == "solved" || status == "closed"}
	if r.Resolved {
		r.Ticket.ResolvedAt = parseTime(p.UpdatedAt)
	}
	r.addTexts(base, p.LatestComment, p.Comments, p.Description)
	return Delivery{ID: deliveryID(header("X-Zendesk-Webhook-Invocation-Id"), body), Tickets: []Resolution{r}}, nil
}

// zendeskEvent is an event webhook of Zendesk's current webhook product
// (developer.zendesk.com/api-reference/webhooks/event-types/ticket-events):
// the ticket is in detail, what changed in event.
type zendeskEvent struct {
	Type    string `json:"type"`
	ID      string `json:"id"`
	Time    string `json:"time"`
	Subject string `json:"subject"` // zen:ticket:<id>
	Detail  *struct {
		ID          flexString `json:"id"`
		Subject     string     `json:"subject"`
		Status      string     `json:"status"`
		Description string     `json:"description"`
		UpdatedAt   string     `json:"updated_at"`
	} `json:"detail"`
	Event json.RawMessage `json:"event"`
}

// parseZendeskEvent reads a ticket event: ticket.status_changed to solved or
// closed resolves the ticket; any other ticket event (a comment added, a
// ticket created) gives it unresolved with its texts, where agents paste
// runbook links. Events on users, organizations and articles give no
// tickets. The delivery id is the event id, the same in every retry.
func parseZendeskEvent(body []byte, base refBase) (Delivery, error) {
	var e zendeskEvent
	if err := decode(body, &e, false); err != nil {
		return Delivery{}, err
	}
	d := Delivery{ID: cleanID(e.ID)}
	if d.ID == "" {
		d.ID = deliveryID("", body)
	}
	if !strings.HasPrefix(e.Type, "zen:event-type:ticket.") {
		return d, nil
	}
	if e.Detail == nil {
		return Delivery{}, &PayloadError{Field: "detail", Msg: "required for ticket events: the ticket"}
	}
	id := string(e.Detail.ID)
	if id == "" {
		id = strings.TrimPrefix(e.Subject, "zen:ticket:")
	}
	status := e.Detail.Status
	var change struct {
		Current json.RawMessage `json:"current"`
		Comment *struct {
			Body string `json:"body"`
		} `json:"comment"`
	}
	_ = json.Unmarshal(e.Event, &change) // the event object differs by type; what does not fit is not needed
	if e.Type == "zen:event-type:ticket.status_changed" {
		var cur string
		if json.Unmarshal(change.Current, &cur) == nil && cur != "" {
			status = cur
		}
	}
	t, ok := newTicket(Zendesk, id, "", e.Detail.Subject, status)
	if !ok {
		return Delivery{}, &PayloadError{Field: "detail.id", Msg: "required: the ticket id"}
	}
	st := strings.ToLower(strings.TrimSpace(status))
	r := Resolution{Ticket: t, Resolved: e.Type == "zen:event-type:ticket.status_changed" && (st == "solved" || st == "closed")}
	if r.Resolved {
		r.Ticket.ResolvedAt = parseTime(e.Time)
	}
	var comment string
	if change.Comment != nil {
		comment = change.Comment.Body
	}
	r.addTexts(base, comment, e.Detail.Description)
	d.Tickets = []Resolution{r}
	return d, nil
}
