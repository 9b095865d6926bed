package webhook

import "strings"

// serviceNowPayload is the JSON the business rule in the README sends for an
// incident (ServiceNow has no standard webhook body). state may be the value
// ("6", 6) or the label ("Resolved").
type serviceNowPayload struct {
	Number           string     `json:"number"`
	SysID            string     `json:"sys_id"`
	ShortDescription string     `json:"short_description"`
	Description      string     `json:"description"`
	State            flexString `json:"state"`
	CloseCode        string     `json:"close_code"`
	CloseNotes       string     `json:"close_notes"`
	Comments         string     `json:"comments"`
	WorkNotes        string     `json:"work_notes"`
	ResolvedAt       string     `json:"resolved_at"`
	ClosedAt         string     `json:"closed_at"`
	URL              string     `json:"url"`
}

// serviceNowState labels an incident state of a default instance and says
// whether it is resolved.
func serviceNowState(v string) (label string, resolved bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "new":
		return "New", false
	case "2", "in progress":
		return "In Progress", false
	case "3", "on hold":
		return "On Hold", false
	case "6", "resolved":
		return "Resolved", true
	case "7", "closed":
		return "Closed", true
	case "8", "canceled", "cancelled":
		return "Canceled", false
	}
	return v, false
}

// parseServiceNow reads an incident sent by a business rule. state 6
// (Resolved) or 7 (Closed) resolves the ticket. ServiceNow sends no delivery
// id, so the id is the hash of the body: a rule firing twice for the same
// update sends the same body.
func parseServiceNow(_ func(string) string, body []byte, base refBase) (Delivery, error) {
	var p serviceNowPayload
	if err := decode(body, &p, false); err != nil {
		return Delivery{}, err
	}
	if strings.TrimSpace(string(p.State)) == "" {
		return Delivery{}, &PayloadError{Field: "state", Msg: "required: the incident state, 6 (Resolved) or 7 (Closed) to resolve"}
	}
	label, resolved := serviceNowState(string(p.State))
	t, ok := newTicket(ServiceNow, p.Number, p.URL, p.ShortDescription, label)
	if !ok {
		return Delivery{}, &PayloadError{Field: "number", Msg: "required: the incident number, e.g. INC0012345"}
	}
	r := Resolution{Ticket: t, Resolved: resolved}
	if resolved {
		r.Ticket.ResolvedAt = parseTime(p.ResolvedAt)
		if r.Ticket.ResolvedAt == nil {
			r.Ticket.ResolvedAt = parseTime(p.ClosedAt)
		}
	}
	r.addTexts(base, p.CloseNotes, p.Comments, p.WorkNotes, p.Description)
	return Delivery{ID: hashID(body), Tickets: []Resolution{r}}, nil
}
