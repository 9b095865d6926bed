package server

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v5"
)

// healthz serves GET /healthz: the process is up and answering.
func (s *Server) healthz(c *echo.Context) error {
	c.Response().Header()["Cache-Control"] = s.hdr.noStore
	return c.String(http.StatusOK, "ok\n")
}

// readiness is the body of /readyz.
type readiness struct {
	Status         string        `json:"status"` // "ready", "degraded" or "not ready"
	Articles       int           `json:"articles"`
	Warnings       int           `json:"warnings"`
	Version        string        `json:"version"`                   // kb's version
	ContentVersion string        `json:"content_version,omitempty"` // digest of the content served
	Error          string        `json:"error,omitempty"`           // why not ready, or why degraded
	Loading        *loadStatus   `json:"loading,omitempty"`         // the first load, while it runs
	Search         *searchStatus `json:"search,omitempty"`          // the index; pages are served while it builds
	Links          *linksStatus  `json:"links,omitempty"`           // the ticket links store
	Backup         *backupStatus `json:"backup,omitempty"`          // hot backups of the links store (kb serve --backup-interval)
}

// loadStatus is how far the first load has come: files listed (0 while
// the folder is listed) and how many are read and rendered.
type loadStatus struct {
	Files int `json:"files"`
	Done  int `json:"done"`
}

// readyz serves GET /readyz. It is 200 "ready" when content is loaded and
// the last load succeeded, 200 "degraded" when a reload failed and the last
// good content is still served (so a load balancer keeps the replica), and
// 503 "not ready" before the first successful load.
func (s *Server) readyz(c *echo.Context) error {
	c.Response().Header()["Cache-Control"] = s.hdr.noStore
	snap, loadErr := s.lib.Snapshot(), s.lib.Err()
	if snap == nil {
		r := readiness{Status: "not ready", Version: s.version, Error: "loading: the content is not loaded yet; pages answer 503 until it is"}
		if p := s.lib.Progress(); p.Loading {
			r.Loading = &loadStatus{Files: p.Files, Done: p.Done}
			if p.Files > 0 {
				r.Error = fmt.Sprintf("loading: the content is not loaded yet (%d of %d files read and rendered); pages answer 503 until it is", p.Done, p.Files)
			}
		}
		c.Response().Header().Set("Retry-After", "1")
		if loadErr != nil {
			r.Error = "content failed to load: " + loadErr.Error()
		}
		return c.JSON(http.StatusServiceUnavailable, r)
	}
	r := readiness{
		Status: "ready", Articles: len(snap.Articles), Warnings: snap.WarningCount(),
		Version: s.version, ContentVersion: snap.Version, Search: s.searchReadiness(),
	}
	if loadErr != nil {
		r.Status, r.Error = "degraded", "the last reload failed; serving the content loaded before: "+loadErr.Error()
	}
	r.Backup = s.backupReadiness()
	if r.Links = s.linksReadiness(); r.Links != nil && r.Links.Error != "" {
		r.Status = "degraded" // pages and search are served; the link API answers 503
		if r.Error == "" {
			r.Error = r.Links.Error
		}
	}
	return c.JSON(http.StatusOK, r)
}
