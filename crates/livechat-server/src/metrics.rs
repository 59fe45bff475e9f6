//! Prometheus metrics: requests and latency per route, database pool and writer usage.
//!
//! Every label value comes from a closed set: route patterns of the route table (or
//! `(unmatched)`), the methods of [`method_label`] and status codes. A client that invents
//! methods or paths adds no series.

use actix_web::http::Method;
use prometheus::{
    Encoder as _, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};

/// The server's metrics.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pool_connections: IntGauge,
    pool_idle: IntGauge,
    writer_queue: IntGauge,
    outbox_delivered: IntCounterVec,
    outbox_retried: IntCounterVec,
    outbox_failed: IntCounterVec,
    outbox_backlog: IntGaugeVec,
    outbox_oldest: prometheus::GaugeVec,
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> anyhow::Result<Self> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "livechat_http_requests_total",
                "HTTP requests by route pattern, method and status",
            ),
            &["route", "method", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "livechat_http_request_duration_seconds",
                "HTTP request latency by route pattern",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ]),
            &["route", "method"],
        )?;
        let pool_connections =
            IntGauge::new("livechat_db_pool_connections", "Open read connections in the pool")?;
        let pool_idle = IntGauge::new(
            "livechat_db_pool_idle_connections",
            "Idle read connections in the pool",
        )?;
        let writer_queue =
            IntGauge::new("livechat_db_writer_queue", "Writes waiting for the database writer")?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(pool_connections.clone()))?;
        registry.register(Box::new(pool_idle.clone()))?;
        registry.register(Box::new(writer_queue.clone()))?;
        let counter = |name: &str, help: &str| -> anyhow::Result<IntCounterVec> {
            let counter = IntCounterVec::new(Opts::new(name, help), &["channel"])?;
            registry.register(Box::new(counter.clone()))?;
            Ok(counter)
        };
        let outbox_delivered =
            counter("livechat_outbox_delivered_total", "E-mails and webhooks delivered")?;
        let outbox_retried = counter(
            "livechat_outbox_retried_total",
            "Delivery attempts that failed and will be tried again",
        )?;
        let outbox_failed = counter(
            "livechat_outbox_failed_total",
            "E-mails and webhooks given up on (refused for good, or out of time)",
        )?;
        let outbox_backlog = IntGaugeVec::new(
            Opts::new("livechat_outbox_backlog", "E-mails and webhooks not yet delivered"),
            &["channel"],
        )?;
        let outbox_oldest = prometheus::GaugeVec::new(
            Opts::new(
                "livechat_outbox_oldest_seconds",
                "Age of the oldest e-mail or webhook not yet delivered (0: none)",
            ),
            &["channel"],
        )?;
        registry.register(Box::new(outbox_backlog.clone()))?;
        registry.register(Box::new(outbox_oldest.clone()))?;
        for channel in ["webhook", "mail"] {
            for counter in [&outbox_delivered, &outbox_retried, &outbox_failed] {
                counter.with_label_values(&[channel]);
            }
            outbox_backlog.with_label_values(&[channel]);
            outbox_oldest.with_label_values(&[channel]);
        }
        Ok(Self {
            registry,
            requests,
            latency,
            pool_connections,
            pool_idle,
            writer_queue,
            outbox_delivered,
            outbox_retried,
            outbox_failed,
            outbox_backlog,
            outbox_oldest,
        })
    }

    /// Counts a settled delivery attempt of `channel` (`webhook` or `mail`).
    pub fn outbox_settled(&self, channel: &str, outcome: &crate::outbox::Outcome) {
        let counter = match outcome {
            crate::outbox::Outcome::Delivered => &self.outbox_delivered,
            crate::outbox::Outcome::Retry(_) => &self.outbox_retried,
            crate::outbox::Outcome::Final(_) => &self.outbox_failed,
        };
        counter.with_label_values(&[channel]).inc();
    }

    /// Sets the backlog gauges from `(channel, count, oldest created_at)` rows read at `now`.
    pub fn outbox_backlog(&self, rows: &[(String, i64, Option<i64>)], now: i64) {
        for channel in ["webhook", "mail"] {
            let row = rows.iter().find(|(name, _, _)| name == channel);
            let count = row.map_or(0, |(_, count, _)| *count);
            let oldest = row.and_then(|(_, _, oldest)| *oldest);
            self.outbox_backlog.with_label_values(&[channel]).set(count);
            let age = oldest.map_or(0.0, |at| (now - at).max(0) as f64 / 1000.0);
            self.outbox_oldest.with_label_values(&[channel]).set(age);
        }
    }

    /// Records one finished request; `route` is a route pattern or `(unmatched)`.
    pub fn observe(&self, route: &str, method: &Method, status: u16, seconds: f64) {
        let method = method_label(method);
        self.requests.with_label_values(&[route, method, &status.to_string()]).inc();
        self.latency.with_label_values(&[route, method]).observe(seconds);
    }

    /// The Prometheus text format, with the pool and writer gauges read now.
    pub fn render(&self, pool: r2d2::State, writer_queue: usize) -> String {
        self.pool_connections.set(i64::from(pool.connections));
        self.pool_idle.set(i64::from(pool.idle_connections));
        self.writer_queue.set(i64::try_from(writer_queue).unwrap_or(i64::MAX));
        self.encode()
    }

    /// The Prometheus text format of every metric as it stands.
    fn encode(&self) -> String {
        let mut buffer = Vec::new();
        if let Err(err) = TextEncoder::new().encode(&self.registry.gather(), &mut buffer) {
            tracing::error!(error = %err, "cannot encode metrics");
        }
        String::from_utf8_lossy(&buffer).into_owned()
    }
}

/// The methods [`method_label`] names; every other is `other`.
static KNOWN_METHODS: [Method; 7] = [
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::DELETE,
    Method::PATCH,
    Method::HEAD,
    Method::OPTIONS,
];

/// How metrics and logs name a request's method: one of the standard methods a client of
/// this API sends, else `other`. HTTP lets a method be any token of any length, so the
/// method as sent would let each request add a series and put its text in the log.
pub fn method_label(method: &Method) -> &'static str {
    KNOWN_METHODS.iter().find(|known| *known == method).map_or("other", Method::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_outside_the_known_set_are_other() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::OPTIONS), "OPTIONS");
        for unknown in ["TRACE", "CONNECT", "get", "PROPFIND", &"X".repeat(16 * 1024)] {
            let method = Method::from_bytes(unknown.as_bytes()).expect("a method token");
            assert_eq!(method_label(&method), "other", "{unknown:.20}");
        }
    }

    #[test]
    fn invented_methods_add_no_series() {
        let metrics = Metrics::new().expect("metrics");
        for n in 0..100 {
            let method = Method::from_bytes(format!("M{n}").as_bytes()).expect("a method token");
            metrics.observe("(unmatched)", &method, 405, 0.001);
        }
        metrics.observe("/healthz", &Method::GET, 200, 0.001);
        let text = metrics.encode();
        assert!(!text.contains("M1"), "{text}");
        let series = text.lines().filter(|line| line.starts_with("livechat_http_requests_total"));
        assert_eq!(series.count(), 2, "{text}");
    }
}
