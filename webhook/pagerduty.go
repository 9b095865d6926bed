package webhook

import "strings"

// pagerDutyPayload holds what kb reads of a PagerDuty V3 webhook: one event
// whose data is an incident, or a note or status update on one.
type pagerDutyPayload struct {
	Event *struct {
		ID           string `json:"id"`
		EventType    string `json:"event_type"`
		ResourceType string `json:"resource_type"`
		OccurredAt   string `json:"occurred_at"`
		Data         *struct {
			Type     string `json:"type"`
			ID       string `json:"id"`
			HTMLURL  string `json:"html_url"`
			Status   string `json:"status"`
			Title    string `json:"title"`
			Incident *struct {
				ID      string `json:"id"`
				HTMLURL string `json:"html_url"`
				Summary string `json:"summary"`
			} `json:"incident"`
			Content string `json:"content"` // incident_note
			Message string `json:"message"` // incident_status_update
		} `json:"data"`
	} `json:"event"`
}

// parsePagerDuty reads a V3 webhook. incident.resolved resolves the incident
// (key: the incident id, as in its URL); other incident events give an
// unresolved ticket, and a note (incident.annotated) or status update gives
// its text, where responders paste runbook links. Events on other resources
// (services, pings) yield no tickets. The delivery id is event.id, the same
// in every retry.
func parsePagerDuty(header func(string) string, body []byte, base refBase) (Delivery, error) {
	var p pagerDutyPayload
	if err := decode(body, &p, false); err != nil {
		return Delivery{}, err
	}
	ev := p.Event
	if ev == nil {
		return Delivery{}, &PayloadError{Field: "event", Msg: "required: a PagerDuty V3 webhook has one event"}
	}
	if ev.EventType == "" {
		return Delivery{}, &PayloadError{Field: "event.event_type", Msg: "required, e.g. incident.resolved"}
	}
	id := cleanID(ev.ID)
	if id == "" {
		id = deliveryID(header("X-Webhook-Id"), body)
	}
	d := Delivery{ID: id}
	if !strings.HasPrefix(ev.EventType, "incident.") {
		return d, nil
	}
	data := ev.Data
	if data == nil {
		return Delivery{}, &PayloadError{Field: "event.data", Msg: "required for incident events"}
	}
	var r Resolution
	switch data.Type {
	case "incident":
		t, ok := newTicket(PagerDuty, data.ID, data.HTMLURL, data.Title, data.Status)
		if !ok {
			return Delivery{}, &PayloadError{Field: "event.data.id", Msg: "required: the incident id"}
		}
		r = Resolution{Ticket: t, Resolved: ev.EventType == "incident.resolved"}
		if r.Resolved {
			r.Ticket.ResolvedAt = parseTime(ev.OccurredAt)
		}
		r.addTexts(base, data.Title) // an incident carries no other free text
	case "incident_note", "incident_status_update":
		if data.Incident == nil {
			return Delivery{}, &PayloadError{Field: "event.data.incident", Msg: "required for " + data.Type}
		}
		t, ok := newTicket(PagerDuty, data.Incident.ID, data.Incident.HTMLURL, data.Incident.Summary, "")
		if !ok {
			return Delivery{}, &PayloadError{Field: "event.data.incident.id", Msg: "required: the incident id"}
		}
		r = Resolution{Ticket: t}
		r.addTexts(base, data.Content, data.Message)
	default:
		return d, nil // responders and other incident resources
	}
	d.Tickets = []Resolution{r}
	return d, nil
}
