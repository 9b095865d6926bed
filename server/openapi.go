package server

import (
	_ "embed" // the API description

	"github.com/labstack/echo/v5"
)

// openAPIDocument describes /api/v1 in OpenAPI 3.1. It is written by hand
// and kept true by TestOpenAPI, which finds every /api/v1 route of the
// router in it and checks the answers of each against its schemas.
//
//go:embed openapi.json
var openAPIDocument []byte

// openAPI serves GET /api/v1/openapi.json.
func (s *Server) openAPI(c *echo.Context) error {
	return s.serveBlob(c, s.apiDoc)
}
