// Package gen generates a deterministic, realistic knowledge base for
// search benchmarks: runbooks with alerts, services, tags, headings, prose,
// commands and error lines, and articles (how-tos, postmortems), as Markdown
// files with front matter, plus queries and phrases drawn from the same
// words. The same count and seed always give the same output.
//
// gen imports nothing of kb; only tests and benchmarks use it (search's, and
// server's search-as-you-type benchmark).
package gen
