package gateway

import (
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the per-API, per-stage gateway series (API Gateway's
// Count, 4XXError, 5XXError, Latency and IntegrationLatency).
type Metrics struct {
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	integration *prometheus.HistogramVec
	per         sync.Map // apiID/stage -> *stageMetrics
}

type stageMetrics struct {
	ok, client, server   prometheus.Counter
	latency, integration prometheus.Observer
}

// NewMetrics registers the gateway metrics on reg (nil: unregistered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	buckets := []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gatehouse_gateway_requests_total",
			Help: "Requests an API stage answered, by status class (2xx/3xx together as ok, 4xx, 5xx)."}, []string{"api", "stage", "class"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "gatehouse_gateway_latency_seconds",
			Help: "Time from receiving a request to answering it.", Buckets: buckets}, []string{"api", "stage"}),
		integration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "gatehouse_gateway_integration_latency_seconds",
			Help: "Time the integration (the function) took.", Buckets: buckets}, []string{"api", "stage"}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.latency, m.integration)
	}
	return m
}

// stage returns the observers of one stage, made once.
func (m *Metrics) stage(api, stage string) *stageMetrics {
	key := api + "/" + stage
	if v, ok := m.per.Load(key); ok {
		return v.(*stageMetrics)
	}
	sm := &stageMetrics{
		ok: m.requests.WithLabelValues(api, stage, "ok"), client: m.requests.WithLabelValues(api, stage, "4xx"),
		server: m.requests.WithLabelValues(api, stage, "5xx"), latency: m.latency.WithLabelValues(api, stage),
		integration: m.integration.WithLabelValues(api, stage),
	}
	v, _ := m.per.LoadOrStore(key, sm)
	return v.(*stageMetrics)
}

func (sm *stageMetrics) observe(status int, since time.Time) {
	switch {
	case status >= 500:
		sm.server.Inc()
	case status >= 400:
		sm.client.Inc()
	default:
		sm.ok.Inc()
	}
	sm.latency.Observe(time.Since(since).Seconds())
}

// statusWriter remembers what a request's answer was, for metrics and
// access logs.
type statusWriter struct {
	http.ResponseWriter
	status      int
	length      int
	route       *Route
	integration time.Duration
	errMessage  string
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.length += n
	return n, err
}
