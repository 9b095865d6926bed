package webhook

import (
	"encoding/json"
	"net/url"
	"strings"
)

// jiraPayload holds what kb reads of a Jira issue webhook (jira:issue_updated
// and friends, Cloud and Data Center); all other fields are ignored.
type jiraPayload struct {
	Timestamp    flexString `json:"timestamp"`
	WebhookEvent string     `json:"webhookEvent"`
	Issue        *struct {
		Self   string `json:"self"`
		Key    string `json:"key"`
		Fields struct {
			Summary     string   `json:"summary"`
			Description richText `json:"description"`
			Resolution  *struct {
				Name string `json:"name"`
			} `json:"resolution"`
			ResolutionDate string `json:"resolutiondate"`
			Status         *struct {
				Name           string `json:"name"`
				StatusCategory struct {
					Key string `json:"key"`
				} `json:"statusCategory"`
			} `json:"status"`
			Comment struct {
				Comments []struct {
					Body richText `json:"body"`
				} `json:"comments"`
			} `json:"comment"`
		} `json:"fields"`
	} `json:"issue"`
	Changelog struct {
		Items []struct {
			Field    string     `json:"field"`
			FieldID  string     `json:"fieldId"`
			To       flexString `json:"to"`
			ToString flexString `json:"toString"`
		} `json:"items"`
	} `json:"changelog"`
	Comment *struct {
		Body richText `json:"body"`
	} `json:"comment"`
}

// parseJira reads a Jira webhook. The issue is resolved when the changelog
// sets the resolution field, or when its status is in the "done" category or
// its resolution field is set, and the changelog does not clear the
// resolution (so a comment added to a closed issue counts too). Texts, in order: the resolution's name, the
// event's comment, the issue's last maxComments comments newest first, the
// description. The delivery id is X-Atlassian-Webhook-Identifier (Jira Cloud
// keeps it across retries), else the hash of the body.
func parseJira(header func(string) string, body []byte, base refBase) (Delivery, error) {
	var p jiraPayload
	if err := decode(body, &p, false); err != nil {
		return Delivery{}, err
	}
	d := Delivery{ID: deliveryID(header("X-Atlassian-Webhook-Identifier"), body)}
	if p.Issue == nil {
		if p.WebhookEvent != "" && !strings.HasPrefix(p.WebhookEvent, "jira:issue_") && !strings.HasPrefix(p.WebhookEvent, "comment_") {
			return d, nil // a project, sprint or user event: nothing to record
		}
		return Delivery{}, &PayloadError{Field: "issue", Msg: "required: send issue events (jira:issue_updated) with the issue"}
	}
	if p.WebhookEvent == "jira:issue_deleted" {
		return d, nil
	}
	is := p.Issue
	f := is.Fields
	status, category := "", ""
	if f.Status != nil {
		status, category = f.Status.Name, f.Status.StatusCategory.Key
	}
	t, ok := newTicket(Jira, is.Key, jiraBrowseURL(is.Self, is.Key), f.Summary, status)
	if !ok {
		return Delivery{}, &PayloadError{Field: "issue.key", Msg: "required, e.g. OPS-1234"}
	}

	resolutionSet, resolutionCleared, resolutionName := false, false, ""
	for _, it := range p.Changelog.Items {
		if !strings.EqualFold(it.Field, "resolution") && it.FieldID != "resolution" {
			continue
		}
		if it.To != "" || it.ToString != "" {
			resolutionSet, resolutionCleared, resolutionName = true, false, string(it.ToString)
		} else {
			resolutionSet, resolutionCleared = false, true
		}
	}
	if f.Resolution != nil && f.Resolution.Name != "" {
		resolutionName = f.Resolution.Name
	}
	// A payload may lack the status category (workflows, Data Center, a
	// trimmed webhook): then the resolution field set says it is done.
	hasResolution := f.Resolution != nil && f.Resolution.Name != ""
	r := Resolution{Ticket: t, Resolved: resolutionSet || (!resolutionCleared && (strings.EqualFold(category, "done") || hasResolution))}
	if r.Resolved {
		r.Ticket.ResolvedAt = parseTime(f.ResolutionDate)
		if r.Ticket.ResolvedAt == nil {
			r.Ticket.ResolvedAt = parseMillis(string(p.Timestamp))
		}
	}

	texts := []string{resolutionName}
	if p.Comment != nil {
		texts = append(texts, p.Comment.Body.String())
	}
	comments := f.Comment.Comments
	if len(comments) > maxComments {
		comments = comments[len(comments)-maxComments:]
	}
	for i := len(comments) - 1; i >= 0; i-- { // newest first
		texts = append(texts, comments[i].Body.String())
	}
	texts = append(texts, f.Description.String())
	r.addTexts(base, texts...)
	d.Tickets = []Resolution{r}
	return d, nil
}

// jiraBrowseURL is the page of issue key on the site that served self, e.g.
// https://acme.atlassian.net/rest/api/2/issue/10042 gives
// https://acme.atlassian.net/browse/OPS-1234 (a Data Center context path
// before /rest/ is kept).
func jiraBrowseURL(self, key string) string {
	u, err := url.Parse(strings.TrimSpace(self))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || key == "" {
		return ""
	}
	prefix := u.Path
	if i := strings.Index(prefix, "/rest/"); i >= 0 {
		prefix = prefix[:i]
	} else {
		prefix = ""
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: prefix + "/browse/" + key}).String()
}

// richText is a Jira text field: wiki markup as a string (REST API v2, what
// webhooks send), or an Atlassian Document Format tree (API v3, automation
// rules), of which kb keeps the text and link targets.
type richText struct {
	text string
}

func (t richText) String() string { return t.text }

func (t *richText) UnmarshalJSON(b []byte) error {
	t.text = ""
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case '"':
		return json.Unmarshal(b, &t.text)
	case '{':
		var doc adfNode
		if err := json.Unmarshal(b, &doc); err != nil {
			return nil // not ADF after all: no text
		}
		var sb strings.Builder
		doc.appendText(&sb)
		t.text = sb.String()
	}
	return nil
}

// adfNode is a node of an Atlassian Document Format tree; checkBody bounds
// its depth.
type adfNode struct {
	Type    string    `json:"type"`
	Text    string    `json:"text"`
	Attrs   adfAttrs  `json:"attrs"`
	Marks   []adfNode `json:"marks"`
	Content []adfNode `json:"content"`
}

type adfAttrs struct {
	Href string `json:"href"`
	URL  string `json:"url"`
}

func (n *adfNode) appendText(sb *strings.Builder) {
	if sb.Len() > maxText {
		return
	}
	sb.WriteString(n.Text)
	for _, m := range n.Marks {
		if m.Attrs.Href != "" {
			sb.WriteString(" " + m.Attrs.Href + " ")
		}
	}
	if n.Attrs.URL != "" {
		sb.WriteString(" " + n.Attrs.URL + " ")
	}
	for i := range n.Content {
		n.Content[i].appendText(sb)
	}
	if n.Type == "paragraph" || n.Type == "heading" || n.Type == "listItem" {
		sb.WriteString("\n")
	}
}
