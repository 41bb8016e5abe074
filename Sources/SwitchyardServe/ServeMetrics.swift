import CoreMetrics
import Prometheus
import Switchyard
import SwitchyardMatching

/// The service's metrics, recorded through swift-metrics into a Prometheus registry of its own
/// (not the process-wide `MetricsSystem`, so two servers in one process, as in tests, never mix
/// their counts) and rendered as Prometheus text by `GET /metrics`.
///
/// Names (all prefixed `switchyard_`):
/// - `http_requests_total{endpoint,status}`: every answered request.
/// - `decisions_total{endpoint,route}`: decisions by route (`primary`, `fallback`, `restricted`, `block`).
/// - `decision_reasons_total{endpoint,reason}`: one per reason code of each decision.
/// - `decision_categories_total{endpoint,category}`: one per category of each risky verdict.
/// - `rule_hits_total{rule}`: enforce and shadow rules that fired, by rule id.
/// - `indeterminate_total{kind}`: verdicts that could not inspect the whole text.
/// - `failsafe_total{code}`: unusable `/v1/route` requests given the policy's fail-safe route.
/// - `unusable_requests_total{endpoint,code}`: unusable bodies refused by classify and the proxy.
/// - `classification_seconds`: histogram of classify + decide time per request.
/// - `request_seconds{endpoint}`: histogram of the whole request, as the service sees it.
/// - `upstream_errors_total{model,kind}`: proxy failures (`connect`, `status_5xx`, `stream`, `no_upstream`).
/// - `reloads_total{outcome}`: `reloaded` or `failed`.
/// - `engine_info{rules_version,policy_version}`: 1 for the engine serving.
public final class ServeMetrics: Sendable {
    /// The registry `GET /metrics` renders.
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let info = Locked<CoreMetrics.Gauge?>(nil)

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = [
            "switchyard_classification_seconds": [
                .microseconds(5), .microseconds(10), .microseconds(25), .microseconds(50), .microseconds(100),
                .microseconds(250), .microseconds(500), .milliseconds(1), .microseconds(2500), .milliseconds(5),
                .milliseconds(10), .milliseconds(25), .milliseconds(100), .milliseconds(500),
            ],
            "switchyard_request_seconds": [
                .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
                .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5), .seconds(30),
            ],
        ]
        self.factory = factory
        // Families that should show from the start, even before their first event.
        for outcome in [ReloadOutcome.reloaded, .failed] {
            count("switchyard_reloads_total", [("outcome", outcome.rawValue)], by: 0)
        }
    }

    public enum ReloadOutcome: String, Sendable { case reloaded, failed }

    /// Handles made so far, by name and labels: the registry validates names and labels on every
    /// lookup, which costs more than the count itself, so each series is looked up there once.
    private let counters = Locked<[String: CoreMetrics.Counter]>([:])
    private let timers = Locked<[String: CoreMetrics.Timer]>([:])

    private static func key(_ name: String, _ dimensions: [(String, String)]) -> String {
        var key = name
        for (label, value) in dimensions {
            key.unicodeScalars.append("\u{1}")
            key += label
            key.unicodeScalars.append("\u{2}")
            key += value
        }
        return key
    }

    private func count(_ name: String, _ dimensions: [(String, String)], by amount: Int = 1) {
        let key = Self.key(name, dimensions)
        let counter = counters.withLock { cache in
            if let known = cache[key] { return known }
            let made = CoreMetrics.Counter(label: name, dimensions: dimensions, factory: factory)
            cache[key] = made
            return made
        }
        counter.increment(by: amount)
    }

    private func time(_ name: String, _ dimensions: [(String, String)], nanoseconds: Int64) {
        let key = Self.key(name, dimensions)
        let timer = timers.withLock { cache in
            if let known = cache[key] { return known }
            let made = CoreMetrics.Timer(label: name, dimensions: dimensions, factory: factory)
            cache[key] = made
            return made
        }
        timer.recordNanoseconds(nanoseconds)
    }

    /// An answered HTTP request and its whole duration.
    public func request(endpoint: String, status: Int, nanoseconds: Int64) {
        count("switchyard_http_requests_total", [("endpoint", endpoint), ("status", String(status))])
        time("switchyard_request_seconds", [("endpoint", endpoint)], nanoseconds: nanoseconds)
    }

    /// Time spent classifying and deciding one request.
    public func classification(nanoseconds: Int64) {
        time("switchyard_classification_seconds", [], nanoseconds: nanoseconds)
    }

    /// A decision: its route, reasons, categories, the rules that fired, indeterminacy.
    public func decision(_ decision: RoutingDecision, endpoint: String, rules: [Rule]) {
        count("switchyard_decisions_total", [("endpoint", endpoint), ("route", decision.route.rawValue)])
        for reason in decision.reasons {
            count("switchyard_decision_reasons_total", [("endpoint", endpoint), ("reason", reason)])
        }
        if let verdict = decision.verdict {
            self.verdict(verdict, endpoint: endpoint, rules: rules)
        } else if let code = decision.reasons.first(where: { $0.hasPrefix("unparseable:") }) {
            count("switchyard_failsafe_total", [("code", String(code.dropFirst("unparseable:".count)))])
        }
    }

    /// A verdict's categories, fired rules and indeterminacy (for `classify`, and within `decision`).
    public func verdict(_ verdict: Verdict, endpoint: String, rules: [Rule]) {
        if verdict.risky {
            for category in verdict.categories(in: rules) {
                count("switchyard_decision_categories_total", [("endpoint", endpoint), ("category", category)])
            }
        }
        for hit in verdict.hits where rules[hit.rule].mode != .evidence {
            count("switchyard_rule_hits_total", [("rule", rules[hit.rule].id)])
        }
        if let indeterminate = verdict.indeterminate {
            count("switchyard_indeterminate_total", [("kind", indeterminate.rawValue)])
        }
    }

    /// An unusable request on `classify` (no decision, so no route).
    public func unusable(code: String, endpoint: String) {
        count("switchyard_unusable_requests_total", [("endpoint", endpoint), ("code", code)])
    }

    /// A proxy request that the upstream failed.
    public func upstreamError(model: String, kind: String) {
        count("switchyard_upstream_errors_total", [("model", model), ("kind", kind)])
    }

    /// A reload attempt's outcome.
    public func reload(outcome: ReloadOutcome) {
        count("switchyard_reloads_total", [("outcome", outcome.rawValue)])
    }

    /// Points the info gauge at `engine`'s versions (and drops the previous engine's series).
    public func engineLoaded(_ engine: Engine, previous: Engine?) {
        let gauge = CoreMetrics.Gauge(label: "switchyard_engine_info",
                          dimensions: [("rules_version", engine.rulesVersion), ("policy_version", engine.policyVersion)],
                          factory: factory)
        info.withLock { current in
            if let current, previous.map({ $0.rulesVersion != engine.rulesVersion || $0.policyVersion != engine.policyVersion }) ?? true {
                current.destroy()
            }
            gauge.record(1)
            current = gauge
        }
    }

    /// Escalation-strike calls answered locally because the shared store (Redis) could not be
    /// reached, since the process started.
    public func strikeStore(degradedCalls: Int) {
        let gauge = CoreMetrics.Gauge(label: "switchyard_strike_store_degraded_calls", dimensions: [], factory: factory)
        gauge.record(degradedCalls)
    }

    /// The Prometheus text exposition of every metric.
    public func render() -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16 << 10)
        registry.emit(into: &buffer)
        return buffer
    }
}
