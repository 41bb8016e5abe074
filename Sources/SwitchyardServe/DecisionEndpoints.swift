import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore
import Switchyard

/// `POST /v1/route` and `POST /v1/classify`: one request of the stream contract in the body, the
/// record `switchyard route` / `switchyard classify` prints for it in the answer. The body's
/// `user` is never used: the caller's identity comes from the gateway (`IdentitySource`).
struct DecisionEndpoints: Sendable {
    let store: EngineStore
    let metrics: ServeMetrics
    let identity: IdentitySource
    let maxBodyBytes: Int

    /// Decodes the body, routes it with one engine snapshot, and answers the decision record (200)
    /// or the error record with the fail-safe decision (400; 413 for an oversized body).
    func route(_ request: HummingbirdCore.Request) async throws -> Response {
        let start = HTTPSupport.now()
        let engine = store.current
        let router = engine.router
        let caller: CallerIdentity?
        do { caller = try await identity.resolve(request.headers) } catch {
            metrics.request(endpoint: "route", status: 401, nanoseconds: HTTPSupport.elapsed(since: start))
            return HTTPSupport.response(status: 401, bytes: HTTPSupport.json([("error", .string("unauthorized: " + error.reason))]),
                                        extra: [.wwwAuthenticate: "Bearer"])
        }
        let status: Int
        let bytes: [UInt8]
        let decision: RoutingDecision
        if let body = try await HTTPSupport.collect(request, limit: maxBodyBytes) {
            let decoded = body.withUnsafeReadableBytes { RequestDecoder.decode($0) }
            switch decoded {
            case .success(var parsed):
                parsed.user = caller   // never the body's claim
                let classifyStart = HTTPSupport.now()
                decision = engine.withScratch { router.route(parsed, using: $0) }
                metrics.classification(nanoseconds: HTTPSupport.elapsed(since: classifyStart))
                status = 200
                bytes = SingleRecords.decision(router: router, request: parsed, decision: decision)
            case .failure(let error):
                decision = router.unparseable(code: error.code)
                status = 400
                bytes = SingleRecords.routeError(router: router, error: error, decision: decision)
            }
        } else {
            let error = Self.tooLong(maxBodyBytes)
            decision = router.unparseable(code: error.code)
            status = 413
            bytes = SingleRecords.routeError(router: router, error: error, decision: decision)
        }
        metrics.decision(decision, endpoint: "route", rules: router.classifier.rules)
        let response = HTTPSupport.response(status: status, bytes: bytes, extra: HTTPSupport.decisionHeaders(decision, engine: engine))
        metrics.request(endpoint: "route", status: status, nanoseconds: HTTPSupport.elapsed(since: start))
        return response
    }

    /// Decodes the body and answers the verdict record (200) or the error record (400/413).
    func classify(_ request: HummingbirdCore.Request) async throws -> Response {
        let start = HTTPSupport.now()
        let engine = store.current
        let classifier = engine.router.classifier
        let status: Int
        let bytes: [UInt8]
        if let body = try await HTTPSupport.collect(request, limit: maxBodyBytes) {
            switch body.withUnsafeReadableBytes({ RequestDecoder.decode($0) }) {
            case .success(var parsed):
                parsed.user = nil
                let classifyStart = HTTPSupport.now()
                let verdict = engine.withScratch { classifier.classify(parsed.text, focusStart: parsed.focusStart, using: $0) }
                metrics.classification(nanoseconds: HTTPSupport.elapsed(since: classifyStart))
                metrics.verdict(verdict, endpoint: "classify", rules: classifier.rules)
                status = 200
                bytes = SingleRecords.verdict(classifier: classifier, request: parsed, verdict: verdict)
            case .failure(let error):
                metrics.unusable(code: error.code, endpoint: "classify")
                status = 400
                bytes = SingleRecords.classifyError(error)
            }
        } else {
            let error = Self.tooLong(maxBodyBytes)
            metrics.unusable(code: error.code, endpoint: "classify")
            status = 413
            bytes = SingleRecords.classifyError(error)
        }
        var headers = HTTPFields()
        headers[HTTPSupport.rulesVersionHeader] = engine.rulesVersion
        let response = HTTPSupport.response(status: status, bytes: bytes, extra: headers)
        metrics.request(endpoint: "classify", status: status, nanoseconds: HTTPSupport.elapsed(since: start))
        return response
    }

    /// The stream's `line_too_long` error, for a body over the limit.
    static func tooLong(_ limit: Int) -> RequestError {
        RequestError(code: RequestError.Codes.lineTooLong, message: "request body is longer than the limit of \(limit) bytes")
    }
}
