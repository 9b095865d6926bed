// Package alertrules reads Prometheus alerting rule files and compares the
// alerts they define with the runbooks of a content snapshot: alerts without
// a runbook, runbooks for alerts that no longer exist, and runbook_url
// annotations that would not land on an article. ReadFiles is the one
// reader of rule files, with one size limit (MaxFileSize), for kb coverage
// and for the server's coverage report alike. Labels, Service and Owners read
// what an alert link carries (/alerts/NAME?namespace=shop): its labels, the
// service it is about and who probably owns it.
//
// alertrules imports content (and render for heading ids); nothing of HTTP.
// No API promise outside kb.
package alertrules
