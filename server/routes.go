package server

import (
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
	e.Use(s.observe, middleware.Recover(), middleware.BodyLimit(maxBody))

	// Operations.
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", s.metricsHandler())

	// Theme assets; hashed names are cached forever.
	e.GET("/static/*", s.static)

	// Search.
	e.GET("/search", s.searchHTML)
	e.GET("/opensearch.xml", s.openSearch)
	e.GET("/api/v1/search", s.apiSearch)
	e.GET("/api/v1/suggest", s.apiSuggest)

	// Pages.
	e.GET("/", s.home)
	e.GET("/a/:id", s.permalink)
	e.GET("/tags", s.tags)
	e.GET("/tags/:tag", s.tag)
	e.GET("/services", s.services)
	e.GET("/services/:name", s.service)

	// Everything else is content: an article, an attachment, a folder, an
	// alias or a source path (.md), in that order.
	e.GET("/*", s.content)
}
