package webhook

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"slices"
	"strings"

	"kb/tickets"
)

// alertmanagerPayload is Alertmanager's webhook message (version "4"), which
// Grafana Alerting's webhook also follows.
type alertmanagerPayload struct {
	Version  string `json:"version"`
	GroupKey string `json:"groupKey"`
	Status   string `json:"status"`
	Alerts   *[]struct {
		Status       string            `json:"status"`
		Labels       map[string]string `json:"labels"`
		Annotations  map[string]string `json:"annotations"`
		StartsAt     string            `json:"startsAt"`
		EndsAt       string            `json:"endsAt"`
		GeneratorURL string            `json:"generatorURL"`
		Fingerprint  string            `json:"fingerprint"`
	} `json:"alerts"`
}

// alertNameRE matches the alert names that can stand in a /alerts/ path.
var alertNameRE = regexp.MustCompile(`^[A-Za-z0-9_:.-]+$`)

var fingerprintRE = regexp.MustCompile(`^[0-9a-fA-F]{1,32}$`)

// parseAlertmanager reads a notification: one Resolution per alert (at most
// maxAlerts), resolved when the alert's status is "resolved".
//
// The ticket key is "<alertname>-<fingerprint>-<startsAt>", e.g.
// "EtcdNoLeader-6f1c2b9a0d3e4f51-20260901T101500Z": the fingerprint names the
// alert's label set and startsAt the firing, so each firing is one ticket, a
// re-sent resolution is the same ticket, and the two Alertmanagers of an HA
// pair name it alike. Without a fingerprint (old Alertmanager) a hash of the
// labels stands in.
//
// References come from the runbook_url annotation (a kb URL or path in any
// form), then the other annotations; an alert with neither refers to
// /alerts/<alertname>, which the server resolves to the runbook that lists
// the alert in its front matter, or to nothing (a knowledge gap).
//
// Alertmanager sends no delivery id and the two members of an HA pair send
// different bodies (externalURL), so the id hashes the group key and each
// alert's key, status and end.
func parseAlertmanager(_ func(string) string, body []byte, base refBase) (Delivery, error) {
	var p alertmanagerPayload
	if err := decode(body, &p, false); err != nil {
		return Delivery{}, err
	}
	if p.Alerts == nil {
		return Delivery{}, &PayloadError{Field: "alerts", Msg: "required: an Alertmanager webhook (version 4) lists its alerts"}
	}
	alerts := *p.Alerts
	if len(alerts) > maxAlerts {
		alerts = alerts[:maxAlerts]
	}
	idParts := [][]byte{[]byte(p.GroupKey)}
	var d Delivery
	for _, a := range alerts {
		name := strings.TrimSpace(a.Labels["alertname"])
		status := strings.ToLower(strings.TrimSpace(a.Status))
		if status == "" {
			status = strings.ToLower(strings.TrimSpace(p.Status))
		}
		title := name
		if s := cleanLine(a.Annotations["summary"], tickets.MaxTitle); s != "" {
			title = strings.TrimPrefix(name+": "+s, ": ")
		}
		t, _ := newTicket(Alertmanager, alertKey(name, a.Fingerprint, a.Labels, a.StartsAt), a.GeneratorURL, title, status)
		r := Resolution{Ticket: t, Resolved: status == "resolved"}
		if r.Resolved {
			r.Ticket.ResolvedAt = parseTime(a.EndsAt)
		}
		for _, k := range []string{"runbook_url", "runbook"} {
			// /alerts/ without a name is a runbook_url built from
			// {{ $labels.alertname }}, empty in Prometheus annotations: the
			// alert's name below stands in for it.
			if ref, ok := base.ref(strings.TrimSpace(a.Annotations[k]), false); ok && strings.TrimSuffix(ref.Path, "/") != "/alerts" {
				r.addRef(ref)
			}
		}
		keys := make([]string, 0, len(a.Annotations))
		for k := range a.Annotations {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		texts := make([]string, 0, len(keys))
		for _, k := range keys {
			texts = append(texts, a.Annotations[k])
		}
		r.addTexts(base, texts...)
		if len(r.Refs) == 0 && alertNameRE.MatchString(name) {
			r.Refs = []Ref{{Path: "/alerts/" + name}}
		}
		d.Tickets = append(d.Tickets, r)
		idParts = append(idParts, []byte(t.Key), []byte(status), []byte(a.EndsAt))
	}
	d.ID = hashID(idParts...)
	return d, nil
}

// alertKey builds the ticket key of one firing of an alert; it is never
// empty and at most tickets.MaxKey bytes once cleaned.
func alertKey(name, fingerprint string, labels map[string]string, startsAt string) string {
	fingerprint = strings.ToLower(strings.TrimSpace(fingerprint))
	if !fingerprintRE.MatchString(fingerprint) {
		names := make([]string, 0, len(labels))
		for k := range labels {
			names = append(names, k)
		}
		slices.Sort(names)
		h := sha256.New()
		for _, k := range names {
			h.Write([]byte(k + "\x00" + labels[k] + "\x00"))
		}
		fingerprint = hex.EncodeToString(h.Sum(nil))[:16]
	}
	suffix := "-" + fingerprint
	if at := parseTime(startsAt); at != nil {
		suffix += "-" + at.Format("20060102T150405Z")
	}
	name = cleanKey(name)
	if name == "" {
		name = "alert"
	}
	return truncate(name, tickets.MaxKey-len(suffix)) + suffix
}
