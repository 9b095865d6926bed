// Package reports computes kb's knowledge-health reports as plain data: the
// tickets report (which articles solve tickets, which never do, the link
// rate of webhook deliveries, and the knowledge gaps), the review report
// (articles past their review date, the most used first) and the alert
// coverage of the rule files kb.yaml lists. The server renders them as HTML
// pages and as JSON; the JSON tags here are that API.
//
// reports reads ticket links through small interfaces it owns (which
// *tickets.Store implements) and gets the URLs of articles from its caller,
// whose routes decide them. It may import content, tickets and alertrules;
// it knows nothing about HTTP. Its API is internal to kb.
package reports
