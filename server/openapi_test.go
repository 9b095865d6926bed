package server

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/labstack/echo/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOpenAPI keeps /api/v1/openapi.json true: every /api/v1 route of the
// router is documented and every documented operation is a route; every
// example validates against its schema; and real answers of every route
// validate against the schema of their status.
func TestOpenAPI(t *testing.T) {
	site := newLinkSite(t)
	res := site.get(t, "/api/v1/openapi.json")
	require.Equal(t, http.StatusOK, res.status)
	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(res.body), &doc))
	assert.Equal(t, "3.1.0", doc["openapi"])
	paths := doc["paths"].(map[string]any)

	// Routes and documented operations are the same set.
	param := regexp.MustCompile(`:([a-z_]+)`)
	routed := map[string]bool{}
	for _, r := range site.srv.echo.Router().Routes() {
		if !strings.HasPrefix(r.Path, "/api/v1/") || r.Method == echo.RouteNotFound {
			continue
		}
		key := strings.ToLower(r.Method) + " " + param.ReplaceAllString(r.Path, "{$1}")
		routed[key] = true
	}
	documented := map[string]bool{}
	for p, item := range paths {
		for method := range item.(map[string]any) {
			documented[method+" "+p] = true
		}
	}
	for k := range routed {
		assert.True(t, documented[k], "route %s is not in openapi.json", k)
	}
	for k := range documented {
		assert.True(t, routed[k], "openapi.json documents %s, which is no route", k)
	}

	// Every example matches its schema.
	for p, item := range paths {
		for method, op := range item.(map[string]any) {
			op := op.(map[string]any)
			where := method + " " + p
			if rb, ok := op["requestBody"].(map[string]any); ok {
				for ct, media := range rb["content"].(map[string]any) {
					m := media.(map[string]any)
					assert.Empty(t, validate(doc, m["schema"], m["example"], "request"), "%s request %s", where, ct)
				}
			}
			for status, r := range op["responses"].(map[string]any) {
				content, _ := r.(map[string]any)["content"].(map[string]any)
				for ct, media := range content {
					m := media.(map[string]any)
					ex, ok := m["example"]
					if !ok && ct == "application/json" && where != "get /api/v1/openapi.json" {
						t.Errorf("%s %s has no example", where, status)
						continue
					}
					if ok {
						assert.Empty(t, validate(doc, m["schema"], ex, "example"), "%s %s", where, status)
					}
				}
			}
		}
	}

	// Real answers match the schema of their status.
	require.Equal(t, 201, site.post(t, "/api/v1/links", site.write, linkBody("OPS-1", "etcd-no-leader")).status)
	hook := samples(t)["jira-resolved.json"]
	tok := []string{"Authorization", "Bearer " + site.write}
	calls := []struct {
		method, path, route, body string
		header                    []string
		status                    int
	}{
		{"GET", "/api/v1/openapi.json", "/api/v1/openapi.json", "", nil, 200},
		{"POST", "/api/v1/links", "/api/v1/links", linkBody("OPS-2", "/etcd-leader"), tok, 201},
		{"POST", "/api/v1/links", "/api/v1/links", linkBody("OPS-2", "/etcd-leader"), tok, 200},
		{"POST", "/api/v1/links", "/api/v1/links", linkBody("OPS-2", "nope"), tok, 422},
		{"POST", "/api/v1/links", "/api/v1/links", `{"x": 1}`, tok, 400},
		{"POST", "/api/v1/links", "/api/v1/links", linkBody("OPS-2", "nope"), nil, 401},
		{"POST", "/api/v1/links", "/api/v1/links", linkBody("OPS-2", "nope"), []string{"Authorization", "Bearer " + site.read}, 403},
		{"DELETE", "/api/v1/links/jira/OPS-2/etcd-no-leader", "/api/v1/links/{system}/{key}/{id}", "", tok, 204},
		{"DELETE", "/api/v1/links/jira/OPS-2/etcd-no-leader", "/api/v1/links/{system}/{key}/{id}", "", tok, 404},
		{"GET", "/api/v1/links/export", "/api/v1/links/export", "", tok, 200},
		{"GET", "/api/v1/articles", "/api/v1/articles", "", nil, 200},
		{"GET", "/api/v1/articles?limit=0", "/api/v1/articles", "", nil, 400},
		{"GET", "/api/v1/articles/etcd-no-leader", "/api/v1/articles/{id}", "", nil, 200},
		{"GET", "/api/v1/articles/nope", "/api/v1/articles/{id}", "", nil, 404},
		{"GET", "/api/v1/articles/etcd-no-leader/tickets", "/api/v1/articles/{id}/tickets", "", nil, 200},
		{"POST", "/api/v1/articles/etcd-no-leader/helpful", "/api/v1/articles/{id}/helpful", "", nil, 503}, // this test server stores no feedback
		{"GET", "/api/v1/tickets/jira/OPS-1", "/api/v1/tickets/{system}/{key}", "", nil, 200},
		{"GET", "/api/v1/tickets/Jira/OPS-1", "/api/v1/tickets/{system}/{key}", "", nil, 400},
		{"POST", "/api/v1/hooks/jira", "/api/v1/hooks/{source}", string(hook), signed("jira", hookSecret, hook), 200},
		{"POST", "/api/v1/hooks/jira", "/api/v1/hooks/{source}", string(hook), nil, 401},
		{"POST", "/api/v1/hooks/nope", "/api/v1/hooks/{source}", "{}", nil, 404},
		{"POST", "/api/v1/search/opened", "/api/v1/search/opened", "", nil, 404}, // this test server stores no search statistics
		{"GET", "/api/v1/search?q=etcd", "/api/v1/search", "", nil, 503},         // this test server has no index
		{"GET", "/api/v1/search", "/api/v1/search", "", nil, 400},
		{"GET", "/api/v1/suggest?q=etcd", "/api/v1/suggest", "", nil, 200},
		{"GET", "/api/v1/events", "/api/v1/events", "", nil, 404},          // live reload is off here
		{"POST", "/api/v1/hooks/git", "/api/v1/hooks/git", "{}", nil, 404}, // this server does not pull from git
	}
	seen := map[string]bool{}
	for _, call := range calls {
		res := site.do(t, call.method, call.path, strings.NewReader(call.body), call.header...)
		where := call.method + " " + call.path
		require.Equal(t, call.status, res.status, "%s: %s", where, res.body)
		seen[strings.ToLower(call.method)+" "+call.route] = true
		op := paths[call.route].(map[string]any)[strings.ToLower(call.method)].(map[string]any)
		r, ok := op["responses"].(map[string]any)[strconv.Itoa(call.status)].(map[string]any)
		require.True(t, ok, "%s answers %d, which openapi.json does not list", where, call.status)
		content, _ := r["content"].(map[string]any)
		ct, _, _ := strings.Cut(res.header.Get("Content-Type"), ";")
		if len(content) == 0 {
			assert.Empty(t, res.body, where)
			continue
		}
		media, ok := content[ct].(map[string]any)
		require.True(t, ok, "%s answers %s, openapi.json lists %v", where, ct, content)
		if ct == "application/x-ndjson" { // each line is one value of the schema
			for line := range strings.Lines(res.body) {
				var v any
				require.NoError(t, json.Unmarshal([]byte(line), &v), where)
				assert.Empty(t, validate(doc, media["schema"], v, "line"), "%s: %s", where, line)
			}
			continue
		}
		if !strings.HasSuffix(ct, "json") {
			continue
		}
		var v any
		require.NoError(t, json.Unmarshal([]byte(res.body), &v), where)
		assert.Empty(t, validate(doc, media["schema"], v, "answer"), "%s: %s", where, res.body)
	}
	for k := range routed {
		assert.True(t, seen[k], "TestOpenAPI calls no %s", k)
	}
}

// validate checks v against an OpenAPI 3.1 (JSON Schema) schema: $ref, type,
// required, properties, additionalProperties false, items, prefixItems,
// enum, minItems, maxItems, minimum, maximum and maxLength. It returns
// what does not match.
func validate(doc map[string]any, schema, v any, at string) []string {
	s, ok := schema.(map[string]any)
	if !ok {
		return []string{at + ": no schema"}
	}
	if ref, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		target := doc["components"].(map[string]any)["schemas"].(map[string]any)[name]
		if target == nil {
			return []string{at + ": unknown $ref " + ref}
		}
		return validate(doc, target, v, at)
	}
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, at+": "+fmt.Sprintf(format, args...)) }
	if typ, ok := s["type"].(string); ok && !hasType(v, typ) {
		fail("want %s, got %T %v", typ, v, v)
		return errs
	}
	if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, v) {
		fail("%v is none of %v", v, enum)
	}
	switch x := v.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		for _, r := range asStrings(s["required"]) {
			if _, ok := x[r]; !ok {
				fail("required %q is missing", r)
			}
		}
		for k, val := range x {
			if p, ok := props[k]; ok {
				errs = append(errs, validate(doc, p, val, at+"."+k)...)
			} else if s["additionalProperties"] == false {
				fail("%q is not in the schema", k)
			}
		}
	case []any:
		if n, ok := s["minItems"].(float64); ok && float64(len(x)) < n {
			fail("fewer than %v items", n)
		}
		if n, ok := s["maxItems"].(float64); ok && float64(len(x)) > n {
			fail("more than %v items", n)
		}
		prefix, _ := s["prefixItems"].([]any)
		for i, item := range x {
			if i < len(prefix) {
				errs = append(errs, validate(doc, prefix[i], item, fmt.Sprintf("%s[%d]", at, i))...)
			} else if items, ok := s["items"]; ok {
				errs = append(errs, validate(doc, items, item, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
	case float64:
		if n, ok := s["minimum"].(float64); ok && x < n {
			fail("%v < minimum %v", x, n)
		}
		if n, ok := s["maximum"].(float64); ok && x > n {
			fail("%v > maximum %v", x, n)
		}
	case string:
		if n, ok := s["maxLength"].(float64); ok && float64(len([]rune(x))) > n {
			fail("longer than %v", n)
		}
	}
	return errs
}

func hasType(v any, typ string) bool {
	switch typ {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "number":
		_, ok := v.(float64)
		return ok
	case "integer":
		f, ok := v.(float64)
		return ok && f == math.Trunc(f)
	case "null":
		return v == nil
	}
	return false
}

func asStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// TestValidate checks the checker: a test that cannot fail proves nothing.
func TestValidate(t *testing.T) {
	doc := map[string]any{"components": map[string]any{"schemas": map[string]any{
		"T": map[string]any{"type": "object", "required": []any{"a"}, "additionalProperties": false,
			"properties": map[string]any{"a": map[string]any{"type": "integer"}, "b": map[string]any{"type": "string", "enum": []any{"x"}}}},
	}}}
	ref := map[string]any{"$ref": "#/components/schemas/T"}
	assert.Empty(t, validate(doc, ref, map[string]any{"a": 1.0, "b": "x"}, "v"))
	assert.NotEmpty(t, validate(doc, ref, map[string]any{"b": "x"}, "v"), "missing required")
	assert.NotEmpty(t, validate(doc, ref, map[string]any{"a": 1.5}, "v"), "not an integer")
	assert.NotEmpty(t, validate(doc, ref, map[string]any{"a": 1.0, "c": 1.0}, "v"), "undocumented field")
	assert.NotEmpty(t, validate(doc, ref, map[string]any{"a": 1.0, "b": "y"}, "v"), "not in enum")
	assert.NotEmpty(t, validate(doc, map[string]any{"type": "array", "items": ref}, []any{map[string]any{}}, "v"))
}

// TestReadTokenMatchesOpenAPI: with --api-read-token, the routes the API
// description marks open (security [{}] only) answer without a token, and
// the others want one; README says the same.
func TestReadTokenMatchesOpenAPI(t *testing.T) {
	site := newLinkSite(t, func(d *Deps) { d.APIReadToken = true })
	var doc struct {
		Paths map[string]map[string]struct {
			Security []map[string][]string `json:"security"`
		} `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(openAPIDocument, &doc))
	probe := map[string]string{
		"/api/v1/search":                 "/api/v1/search?q=etcd",
		"/api/v1/suggest":                "/api/v1/suggest?q=etcd",
		"/api/v1/articles":               "/api/v1/articles",
		"/api/v1/articles/{id}":          "/api/v1/articles/etcd-no-leader",
		"/api/v1/articles/{id}/tickets":  "/api/v1/articles/etcd-no-leader/tickets",
		"/api/v1/tickets/{system}/{key}": "/api/v1/tickets/jira/OPS-1",
		"/api/v1/openapi.json":           "/api/v1/openapi.json",
	}
	for p, url := range probe {
		open := true
		for _, s := range doc.Paths[p]["get"].Security {
			if len(s) > 0 {
				open = false
			}
		}
		if p == "/api/v1/openapi.json" {
			continue // described without security; checked below
		}
		got := site.get(t, url).status
		if open {
			assert.NotEqual(t, http.StatusUnauthorized, got, "%s is open in the description", p) // 503 without an index: not a token question
		} else {
			assert.Equal(t, http.StatusUnauthorized, got, "%s wants a token in the description", p)
			assert.Equal(t, http.StatusOK, site.get(t, url, "Authorization", "Bearer "+site.read).status, p)
		}
	}
}
