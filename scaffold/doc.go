// Package scaffold writes the first version of a new runbook or article for
// kb new (and, later, the "create it" link of an alert without a runbook):
// a template with its front matter filled in (id, title, type, service,
// alerts, owners, reviewed) and a safe file name.
//
// The templates are built in; a content folder overrides them with
// .kb/templates/runbook.md and .kb/templates/article.md. A template is
// Markdown with optional front matter: its keys are kept (tags:, severity:,
// summary:), and kb's own keys are set from the parameters. The body is
// copied as it is, so {{namespace}} placeholders stay for the runbook page.
//
// scaffold imports content; nothing of HTTP. No API promise outside kb.
package scaffold
