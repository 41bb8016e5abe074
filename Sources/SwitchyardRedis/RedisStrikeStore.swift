#if canImport(Glibc)
import Glibc
#endif
import CHiredis
import Synchronization
import SwitchyardRouting

/// Strikes and escalations shared by every replica of a fleet through Redis: a sorted set of strike
/// times per key (trimmed to the window and counted in one atomic script), and an escalation key
/// that expires when the escalation ends.
///
/// Redis never holds a decision back: each call has a short timeout, and when Redis cannot be
/// reached or answers with an error, the store counts locally (`fallback`) until the next retry,
/// logs the change once to standard error and counts it in `degradedCalls`.
public final class RedisStrikeStore: StrikeStore {
    /// Where Redis listens, and how long a call may take.
    public struct Endpoint: Sendable, Equatable {
        public var host: String
        public var port: Int32
        public var timeoutMilliseconds: Int
        public var keyPrefix: String

        public init(host: String, port: Int32, timeoutMilliseconds: Int = 50, keyPrefix: String = "switchyard:") {
            self.host = host
            self.port = port
            self.timeoutMilliseconds = timeoutMilliseconds
            self.keyPrefix = keyPrefix
        }

        /// Parses `HOST:PORT` (e.g. `127.0.0.1:6379`).
        public init?(_ text: String, timeoutMilliseconds: Int = 50) {
            guard let colon = text.lastIndex(of: ":"), let port = Int32(text[text.index(after: colon)...]), port > 0, port < 65536,
                  colon > text.startIndex else { return nil }
            self.init(host: String(text[..<colon]), port: port, timeoutMilliseconds: timeoutMilliseconds)
        }
    }

    private struct Connection {
        var context: UnsafeMutablePointer<redisContext>?
        /// While Redis is unreachable: no new attempt before this time (seconds).
        var retryAt = 0.0
        var degraded = false
    }

    public let endpoint: Endpoint
    /// Used while Redis cannot be reached.
    public let fallback = LocalStrikeStore()
    private let connection = Mutex(Connection())
    private let degradedCount = Atomic<Int>(0)
    /// Seconds between reconnection attempts while degraded.
    public static let retrySeconds = 2.0

    /// Calls answered by the local fallback because Redis could not be reached.
    public var degradedCalls: Int { degradedCount.load(ordering: .relaxed) }

    public init(endpoint: Endpoint) {
        self.endpoint = endpoint
    }

    deinit {
        connection.withLock { if let context = $0.context { redisFree(context) } }
    }

    // Adds the strike, drops those older than the window, renews the key's expiry and counts, in
    // one atomic step. A strike's member is its time plus a per-store sequence number, so two
    // strikes in the same microsecond both count.
    private static let addStrikeScript = """
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1] - ARGV[2])
        redis.call('ZADD', KEYS[1], ARGV[1], ARGV[3])
        redis.call('PEXPIRE', KEYS[1], math.ceil(ARGV[2] * 1000))
        return redis.call('ZCARD', KEYS[1])
        """
    private let sequence = Atomic<Int>(0)
    private let instance = "\(getpid())-\(Int.random(in: 0..<Int.max))"

    public func addStrike(_ key: String, now: Double, window: Double) -> Int {
        let member = "\(now):\(instance):\(sequence.add(1, ordering: .relaxed).newValue)"
        let reply = command(["EVAL", Self.addStrikeScript, "1", endpoint.keyPrefix + "strikes:" + key, String(now), String(window), member])
        guard case .integer(let count)? = reply else { return fallback.addStrike(key, now: now, window: window) }
        return count
    }

    public func escalate(_ key: String, until: Double) {
        let milliseconds = Int((until * 1000).rounded(.up))
        let reply = command(["SET", endpoint.keyPrefix + "escalated:" + key, String(until), "PXAT", String(milliseconds)])
        if reply == nil { fallback.escalate(key, until: until) }
    }

    public func escalatedUntil(_ key: String, now: Double) -> Double? {
        switch command(["GET", endpoint.keyPrefix + "escalated:" + key]) {
        case .string(let text)?:
            guard let until = Double(text), until > now else { return nil }
            return until
        case .nil?:
            return nil
        default:
            return fallback.escalatedUntil(key, now: now)
        }
    }

    // MARK: Redis calls

    private enum Reply: Equatable {
        case integer(Int)
        case string(String)
        case `nil`
        case other
    }

    /// Runs one command; nil when Redis could not be reached or answered with an error (the
    /// caller then uses the local fallback).
    private func command(_ arguments: [String]) -> Reply? {
        connection.withLock { connection -> Reply? in
            let now = Escalator.wallClock()
            if connection.context == nil {
                guard now >= connection.retryAt else { return degrade(&connection, now: now, why: nil) }
                connection.context = connect()
                guard connection.context != nil else { return degrade(&connection, now: now, why: "cannot connect") }
            }
            guard let context = connection.context, let reply = run(context, arguments) else {
                let why = connection.context.map { String(cString: withUnsafePointer(to: $0.pointee.errstr) { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }) } ?? "no reply"
                if let context = connection.context { redisFree(context) }
                connection.context = nil
                return degrade(&connection, now: now, why: why)
            }
            if connection.degraded {
                connection.degraded = false
                Self.log("switchyard: redis \(endpoint.host):\(endpoint.port) reachable again; strikes are shared again")
            }
            return reply
        }
    }

    private func degrade(_ connection: inout Connection, now: Double, why: String?) -> Reply? {
        degradedCount.add(1, ordering: .relaxed)
        if let why {
            connection.retryAt = now + Self.retrySeconds
            if !connection.degraded {
                connection.degraded = true
                Self.log("switchyard: redis \(endpoint.host):\(endpoint.port) unreachable (\(why)); counting strikes locally, retrying every \(Self.retrySeconds) s")
            }
        }
        return nil
    }

    /// One line to standard error (write(2): no shared stdio state).
    private static func log(_ line: String) {
        var bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    }

    private func connect() -> UnsafeMutablePointer<redisContext>? {
        let timeout = timeval(tv_sec: endpoint.timeoutMilliseconds / 1000, tv_usec: (endpoint.timeoutMilliseconds % 1000) * 1000)
        guard let context = redisConnectWithTimeout(endpoint.host, endpoint.port, timeout) else { return nil }
        if context.pointee.err != 0 {
            redisFree(context)
            return nil
        }
        _ = redisSetTimeout(context, timeout)
        return context
    }

    /// Sends `arguments` as one command and reads its reply; nil on a connection error or an
    /// error reply.
    private func run(_ context: UnsafeMutablePointer<redisContext>, _ arguments: [String]) -> Reply? {
        let cStrings = arguments.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        var pointers = cStrings.map { UnsafePointer($0) }
        var lengths = arguments.map { $0.utf8.count }
        guard let raw = redisCommandArgv(context, Int32(arguments.count), &pointers, &lengths) else { return nil }
        defer { freeReplyObject(raw) }
        let reply = raw.assumingMemoryBound(to: redisReply.self).pointee
        switch reply.type {
        case REDIS_REPLY_INTEGER: return .integer(Int(reply.integer))
        case REDIS_REPLY_STRING, REDIS_REPLY_STATUS:
            guard let text = reply.str else { return .other }
            return .string(String(cString: text))
        case REDIS_REPLY_NIL: return .nil
        case REDIS_REPLY_ERROR: return nil
        default: return .other
        }
    }
}
