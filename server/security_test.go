package server

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"
)

// rawGet sends target exactly as written on the request line, bypassing
// every client-side cleaning of the path.
func (s *testSite) rawGet(t *testing.T, target string) response {
	t.Helper()
	u, err := url.Parse(s.ts.URL)
	require.NoError(t, err)
	conn, err := net.DialTimeout("tcp", u.Host, 30*time.Second)
	require.NoError(t, err)
	defer func() { assert.NoError(t, conn.Close()) }()
	require.NoError(t, conn.SetDeadline(time.Now().Add(time.Minute)))
	_, err = io.WriteString(conn, "GET "+target+" HTTP/1.1\r\nHost: "+u.Host+"\r\nConnection: close\r\n\r\n")
	require.NoError(t, err)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	defer func() { assert.NoError(t, res.Body.Close()) }()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

func TestHostilePaths(t *testing.T) {
	site := newTestSite(t)
	passwd, err := os.ReadFile("/etc/passwd")
	require.NoError(t, err)
	firstPasswdLine, _, _ := strings.Cut(string(passwd), "\n")
	secrets := []string{"root:", firstPasswdLine, secretOutside, secretGit, secretEnv}

	targets := []string{
		"/../../etc/passwd",
		"/%2e%2e/%2e%2e/etc/passwd",
		"/%2E%2E/%2E%2E/etc/passwd",
		"/..%2f..%2fetc/passwd",
		"/..%2F..%2Fetc%2Fpasswd",
		"/runbooks/../../../etc/passwd",
		"/runbooks/etcd/%2e%2e/%2e%2e/%2e%2e/secret.txt",
		"/runbooks/..%5c..%5csecret.txt",
		"/%2fetc/passwd",
		"/.git/config",
		"/.git/",
		"/%2egit/config",
		"/.env",
		"/runbooks/x.md%00.png",
		"/runbooks/etcd/no-leader%00",
		"/runbooks/secret.txt", // symbolic link out of the root
		"/leak.txt",            // absolute symbolic link out of the root
		"/etc/passwd",          // symbolic link to /etc
		"/etc",
		"//evil.example/%2f..",
		"//evil.example/",
		"/\\evil.example/",
		"/%5cevil.example/",
		"/%5c%5cevil.example",
		"/static/../../../etc/passwd",
		"/static/..%2f..%2fetc%2fpasswd",
		"/static/%2e%2e/%2e%2e/etc/passwd",
		"/a/..%2f..%2fetc%2fpasswd",
		"/a/../../etc/passwd",
		"/tags/..%2f..%2fetc%2fpasswd",
		"/services/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
		"/runbooks/etcd/diagram.svg/..",
		"/./runbooks/etcd/no-leader",
		"/runbooks//etcd/no-leader",
	}
	for _, target := range targets {
		t.Run(target, func(t *testing.T) {
			res := site.rawGet(t, target)
			assert.Contains(t, []int{http.StatusBadRequest, http.StatusNotFound}, res.status, "status %d", res.status)
			for _, secret := range secrets {
				assert.NotContains(t, res.body, secret)
			}
			assert.Empty(t, res.header.Get("Location"))
			assert.Equal(t, pageCSP, res.header.Get("Content-Security-Policy"))
			assert.Equal(t, "nosniff", res.header.Get("X-Content-Type-Options"))
		})
	}
	// A .md link out of the root is an article whose file cannot be read:
	// its page says so, and nothing of the target.
	res := site.rawGet(t, "/leak")
	assert.Equal(t, http.StatusOK, res.status)
	assert.Contains(t, res.body, "could not be read")
	for _, secret := range secrets {
		assert.NotContains(t, res.body, secret)
	}
	// The symbolic links were listed, but opening them failed inside the root.
	assert.True(t, site.logs.hasLine("attachment cannot be opened", "runbooks/secret.txt"))
}

func TestRedirectsStayOnSite(t *testing.T) {
	site := newTestSite(t)
	for _, target := range []string{
		"//evil.example/", "///evil.example/", "/\\evil.example/", "/%5Cevil.example/", "/%2F%2Fevil.example/",
		"/runbooks/etcd/no-leader/", "/runbooks/etcd/no-leader//", "/a/etcd-no-leader", "/tags/ETCD",
	} {
		res := site.rawGet(t, target)
		if loc := res.header.Get("Location"); loc != "" {
			assert.True(t, strings.HasPrefix(loc, "/"), "%s → %s", target, loc)
			assert.False(t, strings.HasPrefix(loc, "//") || strings.HasPrefix(loc, "/\\"), "%s → %s", target, loc)
		}
	}
	for _, p := range []string{"//evil.example", "/\\evil", "evil", "https://evil.example/", "/a\\b", "/x\ny"} {
		_, ok := localURL(p)
		assert.False(t, ok, p)
	}
	loc, ok := localURL("/runbooks/disk full?#")
	assert.True(t, ok)
	assert.Equal(t, "/runbooks/disk%20full%3F%23", loc)
}

func TestSecurityHeaders(t *testing.T) {
	site := newTestSite(t)
	for _, p := range []string{"/", "/runbooks/etcd/no-leader", "/nope", "/api/v1/nope", "/healthz", "/readyz", "/metrics",
		"/static/app.css", "/images/pixel.png", "/runbooks/etcd/diagram.svg", "/a/etcd-no-leader", "/runbooks/x.md%00"} {
		t.Run(p, func(t *testing.T) {
			res := site.rawGet(t, p)
			h := res.header
			csp := h.Get("Content-Security-Policy")
			assert.Contains(t, csp, "default-src 'none'")
			assert.NotContains(t, csp, "unsafe-eval")
			if strings.HasPrefix(h.Get("Content-Type"), "text/html") {
				assert.Equal(t, pageCSP, csp)
				assert.NotContains(t, csp, "unsafe-inline")
			}
			assert.Equal(t, "nosniff", h.Get("X-Content-Type-Options"))
			assert.Equal(t, "same-origin", h.Get("Referrer-Policy"))
			assert.Equal(t, "DENY", h.Get("X-Frame-Options"))
			assert.Contains(t, h.Get("Permissions-Policy"), "camera=()")
		})
	}
	assert.Contains(t, pageCSP, "script-src 'self'")
	assert.Contains(t, pageCSP, "style-src 'self'")
	assert.Contains(t, pageCSP, "frame-ancestors 'none'")
	assert.Contains(t, pageCSP, "base-uri 'none'")
	assert.Contains(t, pageCSP, "form-action 'self'")
}

// assertNoExecutable fails on anything in an HTML page that could run
// script: inline scripts or scripts not from /static/, event-handler
// attributes, javascript:/vbscript:/data:text/html URLs, frames and objects,
// and inline styles (the CSP forbids them, so they would only break the page).
func assertNoExecutable(t testingT, body string) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	require.NoError(t, err)
	urlAttrs := map[string]bool{"href": true, "src": true, "action": true, "formaction": true, "xlink:href": true,
		"data": true, "poster": true, "background": true, "srcset": true, "cite": true, "ping": true}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script":
				src := attr(n, "src")
				assert.True(t, strings.HasPrefix(src, "/static/"), "script with src %q", src)
				assert.Nil(t, n.FirstChild, "script with inline code")
			case "iframe", "frame", "object", "embed", "base", "style", "applet", "portal":
				assert.Fail(t, "forbidden element", "<%s>", n.Data)
			case "meta":
				assert.NotEqual(t, "refresh", strings.ToLower(attr(n, "http-equiv")), "meta refresh")
			}
			for _, a := range n.Attr {
				key := strings.ToLower(a.Key)
				assert.False(t, strings.HasPrefix(key, "on"), "event handler attribute %s=%q on <%s>", a.Key, a.Val, n.Data)
				assert.NotEqual(t, "style", key, "inline style on <%s>", n.Data)
				if urlAttrs[key] {
					// Browsers drop ASCII whitespace and control characters in URLs.
					v := strings.ToLower(strings.Map(func(r rune) rune {
						if r <= ' ' {
							return -1
						}
						return r
					}, a.Val))
					for _, bad := range []string{"javascript:", "vbscript:", "data:text/html", "data:image/svg", "livescript:"} {
						assert.False(t, strings.HasPrefix(v, bad), "%s=%q on <%s>", a.Key, a.Val, n.Data)
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
}

// testingT is what assertNoExecutable needs of a *testing.T, so that a test
// can check that it fails.
type testingT interface {
	require.TestingT
	Helper()
}

// failRecorder records whether an assertion failed.
type failRecorder struct{ failed bool }

func (r *failRecorder) Errorf(string, ...any) { r.failed = true }
func (r *failRecorder) FailNow()              { r.failed = true }
func (r *failRecorder) Helper()               {}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if strings.EqualFold(a.Key, key) {
			return a.Val
		}
	}
	return ""
}

func TestAssertNoExecutableCatches(t *testing.T) {
	for _, bad := range []string{
		`<script>alert(1)</script>`,
		`<script src="https://cdn.example/x.js"></script>`,
		`<img src=x onerror=alert(1)>`,
		`<a href="javascript:alert(1)">x</a>`,
		`<a href="JaVaScRiPt:alert(1)">x</a>`,
		`<a href="javascript&colon;alert(1)">x</a>`,
		`<a href="java&#x09;script:alert(1)">x</a>`,
		`<a href="vbscript:msgbox(1)">x</a>`,
		`<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>`,
		`<iframe src="/"></iframe>`,
		`<p style="color:red">x</p>`,
	} {
		rec := &failRecorder{}
		assertNoExecutable(rec, bad)
		assert.True(t, rec.failed, "not caught: %s", bad)
	}
}

// TestNoExecutableContent crawls every page of the test site, the XSS
// fixture among them, and fails on anything that could run script.
func TestNoExecutableContent(t *testing.T) {
	renderReady(t)
	site := newTestSite(t)
	snap := site.lib.Snapshot()
	paths := []string{"/", "/tags", "/services", "/nope", "/runbooks/etcd/no-leadr", "/a/search",
		"/%3Cscript%3Ealert(1)%3C/script%3E", "/x?q=%3Cscript%3Ealert(1)%3C/script%3E", `/"><img src=x onerror=alert(1)>`}
	for _, a := range snap.Articles {
		paths = append(paths, href(a.URL))
		for _, tag := range a.Tags {
			paths = append(paths, tagURL(tag))
		}
		if a.Service != "" {
			paths = append(paths, serviceURL(a.Service))
		}
		paths = append(paths, folderURL(a.Folder()))
	}
	for _, p := range paths {
		res := site.get(t, p)
		if !strings.HasPrefix(res.header.Get("Content-Type"), "text/html") {
			continue
		}
		t.Run(p, func(t *testing.T) {
			assertNoExecutable(t, res.body)
		})
	}

	xss := site.get(t, "/articles/xss")
	require.Equal(t, 200, xss.status)
	assert.Contains(t, xss.body, "<title>&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt; · Test KB</title>")
}
