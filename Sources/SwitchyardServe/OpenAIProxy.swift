import AsyncHTTPClient
import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore
import Switchyard

/// `POST /v1/chat/completions` and `POST /v1/responses`: an OpenAI-compatible proxy. Every text
/// the model would read (all roles, `instructions`, `input`) is classified, the policy chooses
/// the model, the body's `model` is rewritten to it (nothing else changes), and the request goes
/// to that model's upstream. The upstream's answer streams back as it arrives (server-sent events
/// included), with `x-switchyard-route`, `x-switchyard-model` and `x-switchyard-rules-version`.
struct OpenAIProxy: Sendable {
    let store: EngineStore
    let metrics: ServeMetrics
    let identity: IdentitySource
    let upstreams: Upstreams
    let maxBodyBytes: Int
    let client: HTTPClient
    let timeout: TimeAmount

    /// Response headers of the upstream that are about one hop, not the answer.
    static let hopHeaders: Set<String> = ["connection", "keep-alive", "transfer-encoding", "content-length", "upgrade",
                                          "proxy-authenticate", "proxy-connection", "te", "trailer"]

    /// Forwards to `<base_url><path>` (path `/chat/completions` or `/responses`).
    func forward(_ request: HummingbirdCore.Request, path: String, endpoint: String) async throws -> Response {
        let start = HTTPSupport.now()
        let engine = store.current
        let router = engine.router
        func finish(_ status: Int, _ response: Response) -> Response {
            metrics.request(endpoint: endpoint, status: status, nanoseconds: HTTPSupport.elapsed(since: start))
            return response
        }
        guard let body = try await HTTPSupport.collect(request, limit: maxBodyBytes) else {
            let error = DecisionEndpoints.tooLong(maxBodyBytes)
            metrics.unusable(code: error.code, endpoint: endpoint)   // refused, forwarded nowhere
            return finish(413, Self.errorResponse(status: 413, message: error.description, type: "invalid_request_error", code: error.code))
        }
        // Parse once: the same tree is classified and, with its model replaced, forwarded.
        let parsed: Result<(JSONValue, SwitchyardEnvelope.ModelRequest), RequestError> = body.withUnsafeReadableBytes { raw in
            do throws(JSONParseError) {
                let root = try StrictJSON.parse(raw)
                return RequestDecoder.decode(root: root).map { (root, $0) }
            } catch {
                return .failure(RequestError(code: error.code.rawValue, message: "\(error.message) at byte \(error.offset)"))
            }
        }
        guard case .success(let (root, decodedRequest)) = parsed else {
            guard case .failure(let error) = parsed else { fatalError("unreachable") }
            metrics.unusable(code: error.code, endpoint: endpoint)   // refused, forwarded nowhere
            return finish(400, Self.errorResponse(status: 400, message: error.description, type: "invalid_request_error", code: error.code))
        }
        var classified = decodedRequest
        do {
            classified.user = try await identity.resolve(request.headers)   // never the body's `user`
        } catch {
            return finish(401, Self.errorResponse(status: 401, message: error.reason, type: "authentication_error", code: "invalid_token",
                                                  extra: [.wwwAuthenticate: "Bearer"]))
        }
        let classifyStart = HTTPSupport.now()
        let decision = engine.withScratch { router.route(classified, using: $0) }
        metrics.classification(nanoseconds: HTTPSupport.elapsed(since: classifyStart))
        metrics.decision(decision, endpoint: endpoint, rules: router.classifier.rules)
        let decisionHeaders = HTTPSupport.decisionHeaders(decision, engine: engine)

        guard decision.route != .block, let model = decision.model else {
            let code = decision.reasons.first ?? "blocked"
            let message = "This request was blocked by the gateway's policy (\(decision.reasons.joined(separator: ", ")))."
            return finish(403, Self.errorResponse(status: 403, message: message, type: "switchyard_blocked", code: code, extra: decisionHeaders))
        }
        guard let upstream = upstreams[model] else {
            metrics.upstreamError(model: model, kind: "no_upstream")
            return finish(502, Self.errorResponse(status: 502, message: "no upstream is configured for model \(model)",
                                                  type: "upstream_error", code: "no_upstream", extra: decisionHeaders))
        }

        var outbound = HTTPClientRequest(url: upstream.baseURL + path)
        outbound.method = .POST
        outbound.headers.add(name: "content-type", value: "application/json")
        if let accept = request.headers[.accept] { outbound.headers.add(name: "accept", value: accept) }
        if let key = upstream.apiKey { outbound.headers.add(name: "authorization", value: "Bearer \(key)") }
        outbound.body = .bytes(ByteBuffer(bytes: Self.rewriting(root, model: model)))

        let answer: HTTPClientResponse
        do {
            answer = try await client.execute(outbound, timeout: timeout)
        } catch {
            metrics.upstreamError(model: model, kind: "connect")
            return finish(502, Self.errorResponse(status: 502, message: "the upstream for model \(model) failed: \(error)",
                                                  type: "upstream_error", code: "upstream_unavailable", extra: decisionHeaders))
        }
        if answer.status.code >= 500 { metrics.upstreamError(model: model, kind: "status_5xx") }

        var headers = HTTPFields()
        for (name, value) in answer.headers where !Self.hopHeaders.contains(name.lowercased()) {
            if let field = HTTPField.Name(name) { headers.append(HTTPField(name: field, value: value)) }
        }
        for field in decisionHeaders { headers[field.name] = field.value }
        let status = Int(answer.status.code)
        let recorder = self.metrics
        let upstreamBody = answer.body
        let responseBody = ResponseBody { writer in
            var chunks = upstreamBody.makeAsyncIterator()
            while true {
                let chunk: ByteBuffer?
                do {
                    chunk = try await chunks.next()
                } catch {
                    // The upstream broke off mid-answer (a client that went away is not counted here).
                    recorder.upstreamError(model: model, kind: "stream")
                    recorder.request(endpoint: endpoint, status: status, nanoseconds: HTTPSupport.elapsed(since: start))
                    throw error
                }
                guard let chunk else { break }
                try await writer.write(chunk)
            }
            try await writer.finish(nil)
            recorder.request(endpoint: endpoint, status: status, nanoseconds: HTTPSupport.elapsed(since: start))
        }
        return Response(status: .init(code: status), headers: headers, body: responseBody)
    }

    /// The body with its top-level `model` replaced by (or, if absent, set to) `model`; every
    /// other member is written back as it came, in order.
    static func rewriting(_ root: JSONValue, model: String) -> [UInt8] {
        guard case .object(var object) = root else { return [] }
        if let index = object.members.firstIndex(where: { $0.key == "model" }) {
            object.members[index].value = .string(model)
        } else {
            object.members.append((key: "model", value: .string(model)))
        }
        var writer = JSONWriter(capacity: 4096)
        writer.value(.object(object))
        return writer.bytes
    }

    /// An OpenAI-style error: `{"error": {"message", "type", "param": null, "code"}}`.
    static func errorResponse(status: Int, message: String, type: String, code: String, extra: HTTPFields = HTTPFields()) -> Response {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("error")
        writer.beginObject()
        writer.key("message")
        writer.string(message)
        writer.key("type")
        writer.string(type)
        writer.key("param")
        writer.null()
        writer.key("code")
        writer.string(code)
        writer.endObject()
        writer.endObject()
        return HTTPSupport.response(status: status, bytes: writer.bytes + [UInt8(ascii: "\n")], extra: extra)
    }
}
