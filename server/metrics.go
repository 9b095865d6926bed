package server

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"kb/content"
	"kb/reports"
	"kb/search"
	"kb/webhook"
)

// metrics are the Server's Prometheus metrics, in a registry of its own (no
// global default registry), so two servers in one process never collide.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	renders  *prometheus.CounterVec
	hooks    *prometheus.CounterVec
	gaps     *prometheus.GaugeVec
	coverage atomic.Pointer[coverageCount] // alerts without runbooks, counted once per snapshot
}

// coverageCount is the number of alerts of kb.yaml's rule files that no
// runbook of snap answers.
type coverageCount struct {
	snap    *content.Snapshot
	missing int
}

func newMetrics(s *Server) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kb_http_requests_total",
			Help: "HTTP requests by route pattern, method and status code.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kb_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route pattern and status code.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10},
		}, []string{"route", "status"}),
		renders: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kb_page_renders_total",
			Help: "Pages rendered from templates, by template; cached pages are not rendered again until their content or links change.",
		}, []string{"page"}),
		hooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kb_webhook_deliveries_total",
			Help: "Webhook deliveries by source and result: accepted, no_article (a resolved ticket named no article), duplicate, bad_signature, unparsable, off (no secret), refused (rate limit, store unavailable).",
		}, []string{"source", "result"}),
		gaps: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "kb_knowledge_gaps_open",
			Help: "Resolved tickets that named no kb article and got no link since, by ticket system.",
		}, []string{"system"}),
	}
	// Every source and result from the start, so that rate() sees the first delivery.
	for _, src := range append(webhook.Sources(), webhook.Git) {
		for _, res := range webhook.Outcomes() {
			m.hooks.WithLabelValues(src, res)
		}
	}
	for _, sys := range webhook.Sources() {
		m.gaps.WithLabelValues(sys)
	}
	gauge := func(name, help string, f func() float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f)
	}
	m.reg.MustRegister(
		m.requests, m.duration, m.renders, m.hooks, m.gaps,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		gauge("kb_content_articles", "Articles in the content snapshot being served.", func() float64 {
			if snap := s.lib.Snapshot(); snap != nil {
				return float64(len(snap.Articles))
			}
			return 0
		}),
		gauge("kb_content_warnings", "Problems found in the content being served (kb check lists them).", func() float64 {
			if snap := s.lib.Snapshot(); snap != nil {
				return float64(snap.WarningCount())
			}
			return 0
		}),
		gauge("kb_content_load_duration_seconds", "Time the load of the content being served took.", func() float64 {
			if snap := s.lib.Snapshot(); snap != nil {
				return snap.LoadTime.Seconds()
			}
			return 0
		}),
		gauge("kb_content_last_load_timestamp_seconds", "Unix time at which this server first saw the content being served (at its first request or scrape after the load).", func() float64 {
			if snap := s.lib.Snapshot(); snap != nil {
				return float64(s.pagesFor(snap).seenAt.UnixMilli()) / 1000
			}
			return 0
		}),
		gauge("kb_content_load_ok", "1 when the last content load succeeded, 0 when it failed (the previous content is still served if there is any).", func() float64 {
			if s.lib.Err() == nil && s.lib.Snapshot() != nil {
				return 1
			}
			return 0
		}),
		linksStateCollector(s),
		gauge("kb_links_backup_age_seconds", "Age of the newest good backup of the links database; -1 when there is none (or backups are off).", func() float64 {
			if s.backups == nil {
				return -1
			}
			last, _ := s.backups.LastBackup()
			if last.IsZero() {
				return -1
			}
			return s.now().Sub(last).Seconds()
		}),
		gauge("kb_links_backup_ok", "1 when the last backup attempt of the links database succeeded (or none failed yet), 0 when it failed.", func() float64 {
			if s.backups == nil {
				return 1
			}
			if _, err := s.backups.LastBackup(); err != nil {
				return 0
			}
			return 1
		}),
		gauge("kb_content_git_fetch_age_seconds", "Seconds since the last successful fetch of the git ref (since start before the first); -1 when kb serves a folder, which is never fetched.", func() float64 {
			if age, ok := s.lib.FetchAge(); ok {
				return age.Seconds()
			}
			return -1
		}),
		gauge("kb_alerts_without_runbook", "Alerts of the rule files kb.yaml lists under rules: that no runbook answers (/reports/coverage); 0 without rules:.", func() float64 {
			return float64(m.alertsWithoutRunbook(s.lib.Snapshot()))
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "kb_build_info", Help: "Always 1; the label is kb's version.",
			ConstLabels: prometheus.Labels{"version": s.version},
		}, func() float64 { return 1 }),
	)
	if s.search != nil {
		m.reg.MustRegister(searchCollectors(s.search)...)
		m.reg.MustRegister(gauge("kb_search_index_lag_seconds", "Seconds the search index has been behind the content served; 0 when it holds it.", func() float64 {
			if s.index == nil {
				return 0
			}
			return s.index.IndexLag().Seconds()
		}))
	}
	return m
}

// hook counts one webhook delivery.
func (m *metrics) hook(source, result string) {
	m.hooks.WithLabelValues(source, result).Inc()
}

// alertsWithoutRunbook counts the alerts of snap's rule files without a
// runbook, reading the rule files once per snapshot.
func (m *metrics) alertsWithoutRunbook(snap *content.Snapshot) int {
	if snap == nil {
		return 0
	}
	if c := m.coverage.Load(); c != nil && c.snap == snap {
		return c.missing
	}
	n := 0
	if r := reports.Coverage(snap); r.Report != nil {
		n = len(r.Report.Missing)
	}
	m.coverage.Store(&coverageCount{snap: snap, missing: n})
	return n
}

// searchCollectors export the index's counters: searches by outcome (zero
// results among them), slow searches, and the state of the index.
func searchCollectors(x Searcher) []prometheus.Collector {
	counter := func(outcome string, f func(search.Stats) uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "kb_search_queries_total", Help: "Searches by outcome: ok (hits), zero (no hits), bad_query, not_ready, busy, timeout, canceled, failed.",
			ConstLabels: prometheus.Labels{"outcome": outcome},
		}, func() float64 { return float64(f(x.Stats())) })
	}
	return []prometheus.Collector{
		counter("ok", func(s search.Stats) uint64 { return s.OK }),
		counter("zero", func(s search.Stats) uint64 { return s.Zero }),
		counter("bad_query", func(s search.Stats) uint64 { return s.BadQuery }),
		counter("not_ready", func(s search.Stats) uint64 { return s.NotReady }),
		counter("busy", func(s search.Stats) uint64 { return s.Busy }),
		counter("timeout", func(s search.Stats) uint64 { return s.Timeout }),
		counter("canceled", func(s search.Stats) uint64 { return s.Canceled }),
		counter("failed", func(s search.Stats) uint64 { return s.Failed }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "kb_search_slow_queries_total", Help: "Answered searches slower than the slow-query threshold.",
		}, func() float64 { return float64(x.Stats().Slow) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "kb_search_index_ready", Help: "1 when the search index answers queries, 0 while it is built.",
		}, func() float64 {
			if x.Status().Ready {
				return 1
			}
			return 0
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "kb_search_index_documents", Help: "Articles in the search index.",
		}, func() float64 { return float64(x.Status().Docs) }),
	}
}

// observe counts and times one request.
func (m *metrics) observe(route, method string, status int, dur time.Duration) {
	code := statusLabel(status)
	m.requests.WithLabelValues(route, methodLabel(method), code).Inc()
	m.duration.WithLabelValues(route, code).Observe(dur.Seconds())
}

// methodLabel keeps the method label to the methods kb knows, so a client
// cannot create series at will.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}

// statusLabel formats the common status codes without allocating.
func statusLabel(code int) string {
	switch code {
	case http.StatusOK:
		return "200"
	case http.StatusMovedPermanently:
		return "301"
	case http.StatusNotModified:
		return "304"
	case http.StatusNotFound:
		return "404"
	}
	return strconv.Itoa(code)
}

// metricsHandler serves GET /metrics in the Prometheus text format.
// Open knowledge gaps are counted from the store first, with the
// request's context (a collector has none).
func (s *Server) metricsHandler() echo.HandlerFunc {
	h := promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{Registry: s.metrics.reg})
	return func(c *echo.Context) error {
		s.countGaps(c.Request().Context())
		h.ServeHTTP(c.Response(), c.Request())
		return nil
	}
}

// countGaps sets kb_knowledge_gaps_open from the links store; a store that
// cannot be read keeps the last counts (kb_links_store_state says why).
func (s *Server) countGaps(ctx context.Context) {
	store, err := s.linksAvailable()
	if err != nil {
		return
	}
	gaps, err := reports.OpenGaps(ctx, store)
	if err != nil {
		s.log.Warn("knowledge gaps not counted for /metrics", "err", err)
		return
	}
	for _, sys := range webhook.Sources() {
		s.metrics.gaps.WithLabelValues(sys).Set(float64(gaps[sys]))
	}
	for sys, n := range gaps {
		if !slices.Contains(webhook.Sources(), sys) {
			s.metrics.gaps.WithLabelValues(sys).Set(float64(n)) // links of other systems through the API
		}
	}
}

// linksStates are the values of kb_links_store_state's state label.
func linksStates() []string {
	return []string{"ok", storeFull, storeReadOnly, "damaged", "unavailable", "off"}
}

// linksStateCollector exports the links store's state as one gauge per state,
// 1 for the current one, so an alert can fire on kb_links_store_state{state!="ok"} == 1.
func linksStateCollector(s *Server) prometheus.Collector {
	return collectorFunc{
		desc: prometheus.NewDesc("kb_links_store_state", "1 for the links store's current state (ok, full, read-only, damaged, unavailable, off), 0 for the others.", []string{"state"}, nil),
		collect: func(d *prometheus.Desc, ch chan<- prometheus.Metric) {
			cur := s.linksReadiness().Status
			for _, st := range linksStates() {
				v := 0.0
				if st == cur {
					v = 1
				}
				ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, st)
			}
		},
	}
}

// collectorFunc is a prometheus.Collector of one metric family computed at scrape time.
type collectorFunc struct {
	desc    *prometheus.Desc
	collect func(*prometheus.Desc, chan<- prometheus.Metric)
}

func (c collectorFunc) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }
func (c collectorFunc) Collect(ch chan<- prometheus.Metric) { c.collect(c.desc, ch) }
