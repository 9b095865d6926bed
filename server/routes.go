package server

import (
	"net/http"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"
)

// maxBody bounds every request body; kb's pages take none, the API's JSON is small.
const maxBody = 1 << 20

// routes registers every route of kb. Reserved top-level names
// (content.IsReserved) are routes here or 404 in the content route, so they
// always win over content paths.
func (s *Server) routes(e *echo.Echo) {
	// observe is outermost: it sets the security headers, turns errors into
	// responses (so that it can log and count the final status) and times the request.
	e.Use(s.foreground, s.observe, middleware.Recover(), middleware.BodyLimit(maxBody))
	e.Use(s.identify, s.apiGate)

	// Operations.
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", s.metricsHandler())

	// Theme assets; hashed names are cached forever.
	e.GET("/static/*", s.static)

	// Search.
	e.GET("/search", s.searchHTML)
	e.GET("/opensearch.xml", s.openSearch)

	// The web's conventions: crawlers and feed readers.
	e.GET("/robots.txt", s.robots)
	e.GET("/sitemap.xml", s.sitemap)
	e.GET("/feed.xml", s.feed) // ?folder=runbooks/etcd, ?service=etcd
	e.GET("/api/v1/search", s.apiSearch)
	e.GET("/api/v1/suggest", s.apiSuggest)

	// Ticket links: the API (writes need a links:write token), webhooks
	// (each source with its own secret), the report, and the card ticket
	// tools embed. apiGate adds CORS and the read token where kb.yaml asks.
	e.GET("/api/v1/openapi.json", s.openAPI)
	e.POST("/api/v1/links", s.createLink, s.requireWrite)
	e.DELETE("/api/v1/links/:system/:key/:id", s.deleteLink, s.requireWrite)
	e.GET("/api/v1/links/export", s.exportLinks, s.requireWrite)
	e.GET("/api/v1/articles", s.listArticles)
	e.GET("/api/v1/articles/:id", s.getArticle)
	e.GET("/api/v1/articles/:id/tickets", s.getArticleTickets)
	e.POST("/api/v1/articles/:id/helpful", s.helpful) // "this helped": same-origin only, anonymous
	e.POST("/api/v1/search/opened", s.searchOpened)   // a search result was opened: same-origin beacon, anonymous
	e.GET("/api/v1/tickets/:system/:key", s.getTicket)
	e.POST("/api/v1/hooks/git", s.gitHook) // a push: fetch the content at once
	e.POST("/api/v1/hooks/:source", s.webhook)
	e.GET("/api/v1/events", s.events) // live reload for open pages (kb serve --watch)
	e.GET("/reports", s.reportsIndex) // every report
	e.GET("/reports/tickets", s.reportTickets)
	e.GET("/reports/review", s.reportReview)     // articles past their review date, the most used first
	e.GET("/reports/coverage", s.reportCoverage) // alert rules of kb.yaml rules: against the runbooks
	e.GET("/reports/search", s.reportSearch)     // what people searched for and did not find
	e.GET("/reports/audit", s.reportAudit)       // the audit trail, for the admin group; 404 to anyone else
	e.GET("/embed/:id", s.embed)
	e.GET("/oembed", s.oembed)

	// Sign-in (OpenID Connect), when configured.
	if s.sessions != nil {
		e.GET("/auth/login", echo.WrapHandler(http.HandlerFunc(s.sessions.Login)))
		e.GET("/auth/callback", echo.WrapHandler(http.HandlerFunc(s.signIn)))
		e.POST("/auth/logout", echo.WrapHandler(http.HandlerFunc(s.signOut)))
	}

	// Pages.
	e.GET("/", s.home)
	e.GET("/a/:id", s.permalink)
	e.GET("/alerts", s.alert)   // no name: a page that says what to link to
	e.GET("/alerts/*", s.alert) // → 302 to the runbook, labels carried on; else a "no runbook yet" page
	e.GET("/tags", s.tags)
	e.GET("/tags/:tag", s.tag)
	e.GET("/services", s.services)
	e.GET("/services/:name", s.service)
	e.GET("/_nav", s.navFolder) // ?path=runbooks/etcd: a folder's entries, for the tree's closed folders

	// Everything else is content: an article, an attachment, a folder, an
	// alias or a source path (.md), in that order.
	e.GET("/*", s.content)
}
