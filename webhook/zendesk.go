package webhook

import "strings"

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
