package server

import "github.com/labstack/echo/v5"

// foregrounder is implemented by searchers whose searches give way to
// pages (*search.Index): a request marked foreground is never kept waiting
// for a core by a search.
type foregrounder interface {
	Foreground() (leave func())
}

// leaveKey holds a request's end of foreground work in its echo context.
const leaveKey = "kb.foreground"

// foreground marks every request as foreground work, so running searches
// pause while it is served; runSearch ends the mark before it searches, so
// that a search page does not wait for itself.
func (s *Server) foreground(next echo.HandlerFunc) echo.HandlerFunc {
	fg, ok := s.search.(foregrounder)
	if !ok {
		return next
	}
	return func(c *echo.Context) error {
		leave := fg.Foreground()
		defer leave()
		c.Set(leaveKey, leave)
		return next(c)
	}
}

// background ends the request's foreground mark (runSearch: from here on
// the request is a search, which gives way to pages like any other).
func background(c *echo.Context) {
	if leave, ok := c.Get(leaveKey).(func()); ok {
		leave()
	}
}
