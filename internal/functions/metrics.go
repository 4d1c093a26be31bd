package functions

import (
	"sync"

	"github.com/gatehouse/gatehouse/internal/runtime"
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the per-function Prometheus series.
type Metrics struct {
	invocations *prometheus.CounterVec
	errors      *prometheus.CounterVec
	throttles   *prometheus.CounterVec
	coldStarts  *prometheus.CounterVec
	duration    *prometheus.HistogramVec

	mu  sync.RWMutex
	per map[string]*fnMetrics
}

type fnMetrics struct {
	invocations, errors, throttles, coldStarts prometheus.Counter
	duration                                   prometheus.Observer
}

// NewMetrics registers the function metrics on reg (nil: unregistered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		invocations: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gatehouse_function_invocations_total", Help: "Function invocations that reached an execution environment."}, []string{"function"}),
		errors:      prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gatehouse_function_errors_total", Help: "Invocations that ended in a function error."}, []string{"function"}),
		throttles:   prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gatehouse_function_throttles_total", Help: "Invocations refused for lack of concurrency."}, []string{"function"}),
		coldStarts:  prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gatehouse_function_cold_starts_total", Help: "Invocations that started a new execution environment."}, []string{"function"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gatehouse_function_duration_seconds",
			Help:    "Time from delivering the event to the function's result.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 900},
		}, []string{"function"}),
		per: map[string]*fnMetrics{},
	}
	if reg != nil {
		reg.MustRegister(m.invocations, m.errors, m.throttles, m.coldStarts, m.duration)
	}
	return m
}

func (m *Metrics) function(name string) *fnMetrics {
	m.mu.RLock()
	f := m.per[name]
	m.mu.RUnlock()
	if f != nil {
		return f
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if f = m.per[name]; f == nil {
		f = &fnMetrics{
			invocations: m.invocations.WithLabelValues(name),
			errors:      m.errors.WithLabelValues(name),
			throttles:   m.throttles.WithLabelValues(name),
			coldStarts:  m.coldStarts.WithLabelValues(name),
			duration:    m.duration.WithLabelValues(name),
		}
		m.per[name] = f
	}
	return f
}

func (m *Metrics) forget(name string) {
	m.mu.Lock()
	delete(m.per, name)
	m.mu.Unlock()
	m.invocations.DeleteLabelValues(name)
	m.errors.DeleteLabelValues(name)
	m.throttles.DeleteLabelValues(name)
	m.coldStarts.DeleteLabelValues(name)
	m.duration.DeleteLabelValues(name)
}

func (f *fnMetrics) observe(r runtime.Result) {
	f.invocations.Inc()
	if r.FunctionError {
		f.errors.Inc()
	}
	if r.ColdStart {
		f.coldStarts.Inc()
	}
	f.duration.Observe(r.Duration.Seconds())
}
