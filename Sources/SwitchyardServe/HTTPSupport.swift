import Dispatch
import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore
import Switchyard

/// Small helpers shared by the endpoints.
enum HTTPSupport {
    static let routeHeader = HTTPField.Name("x-switchyard-route")!
    static let modelHeader = HTTPField.Name("x-switchyard-model")!
    static let rulesVersionHeader = HTTPField.Name("x-switchyard-rules-version")!
    static let policyVersionHeader = HTTPField.Name("x-switchyard-policy-version")!

    /// Monotonic nanoseconds, for durations.
    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    static func elapsed(since start: UInt64) -> Int64 { Int64(truncatingIfNeeded: now() &- start) }

    /// A response whose body is `bytes` (JSON unless said otherwise).
    static func response(status: Int, bytes: [UInt8], contentType: String = "application/json",
                         extra: HTTPFields = HTTPFields()) -> Response {
        var headers = extra
        headers[.contentType] = contentType
        return Response(status: .init(code: status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// A small JSON object of string, bool and int fields, in the given order.
    static func json(_ fields: [(String, JSONField)]) -> [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        for (key, value) in fields {
            writer.key(key)
            switch value {
            case .string(let text): writer.string(text)
            case .bool(let flag): writer.bool(flag)
            case .int(let number): writer.int(number)
            case .null: writer.null()
            }
        }
        writer.endObject()
        return writer.bytes + [UInt8(ascii: "\n")]
    }

    enum JSONField {
        case string(String)
        case bool(Bool)
        case int(Int)
        case null
    }

    /// The decision headers the route and proxy endpoints add.
    static func decisionHeaders(_ decision: RoutingDecision, engine: Engine) -> HTTPFields {
        var headers = HTTPFields()
        headers[routeHeader] = decision.route.rawValue
        headers[modelHeader] = decision.model ?? ""
        headers[rulesVersionHeader] = engine.rulesVersion
        headers[policyVersionHeader] = engine.policyVersion
        return headers
    }

    /// Reads the whole body up to `limit` bytes; nil when it is longer.
    static func collect(_ request: HummingbirdCore.Request, limit: Int) async throws -> ByteBuffer? {
        do {
            return try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            return nil
        }
    }
}
