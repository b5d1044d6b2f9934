package server

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus metrics, on a registry of its own.
type metrics struct {
	reg          *prometheus.Registry
	connections  prometheus.Gauge
	events       *prometheus.CounterVec
	refused      *prometheus.CounterVec
	dropped      *prometheus.CounterVec
	fanout       prometheus.Histogram
	commit       prometheus.Histogram
	commitGroup  prometheus.Histogram
	evalQueued   prometheus.Gauge
	evalSeconds  prometheus.Histogram
	workshopsRun prometheus.Gauge
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		connections: prometheus.NewGauge(prometheus.GaugeOpts{Name: "barri_connections",
			Help: "Open WebSocket connections."}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "barri_events_total",
			Help: "Events stored, by type."}, []string{"type"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "barri_commands_refused_total",
			Help: "Commands refused, by error code."}, []string{"code"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "barri_clients_dropped_total",
			Help: "Connections closed by the server, by reason."}, []string{"reason"}),
		fanout: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "barri_fanout_seconds",
			Help:    "From an event's commit to its write to one client.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}),
		commit: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "barri_store_commit_seconds",
			Help:    "Duration of one group commit (with its fsync).",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}),
		commitGroup: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "barri_store_commit_appends",
			Help:    "Appends sharing one group commit.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 9)}),
		evalQueued: prometheus.NewGauge(prometheus.GaugeOpts{Name: "barri_evaluations_queued",
			Help: "Proposal evaluations waiting for a worker."}),
		evalSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "barri_evaluation_seconds",
			Help:    "Duration of one proposal evaluation.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)}),
		workshopsRun: prometheus.NewGauge(prometheus.GaugeOpts{Name: "barri_workshops_open",
			Help: "Workshops with a running hub."}),
	}
	m.reg.MustRegister(m.connections, m.events, m.refused, m.dropped, m.fanout, m.commit, m.commitGroup,
		m.evalQueued, m.evalSeconds, m.workshopsRun,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// ObserveCommit records a store group commit (pass it as
// store.Options.OnCommit).
func (s *Server) ObserveCommit(seconds float64, appends int) {
	s.metrics.commit.Observe(seconds)
	s.metrics.commitGroup.Observe(float64(appends))
}
