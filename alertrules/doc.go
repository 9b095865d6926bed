// Package alertrules reads Prometheus alerting rule files and compares the
// alerts they define with the runbooks of a content snapshot: alerts without
// a runbook, runbooks for alerts that no longer exist, and runbook_url
// annotations that would not land on an article. kb coverage prints the
// report; the server can serve the same Report.
//
// alertrules imports content (and render for heading ids); nothing of HTTP.
// No API promise outside kb.
package alertrules
