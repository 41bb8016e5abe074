/// Everything `switchyard serve` is told on its command line, in library form.
public struct ServeConfiguration: Sendable {
    /// Address and port of the public listener (port 0: any free port, as tests use).
    public var listen: ListenAddress
    /// A separate listener for `/admin/*` (reload). Without one, the admin routes are on the
    /// public listener, which then must not be reachable by clients.
    public var adminListen: ListenAddress?
    /// Where the caller's identity comes from.
    public var identity: IdentitySource
    /// Model name → upstream, for the OpenAI-compatible proxy.
    public var upstreams: Upstreams
    /// Largest accepted request body (the stream's `--max-line-bytes`, default 1 MiB).
    public var maxBodyBytes: Int
    /// Longest wait for an upstream's answer to start, and between two reads of a streamed answer.
    public var upstreamTimeoutSeconds: Int64
    /// How long a graceful shutdown (SIGTERM) waits for requests in flight before cancelling them.
    public var shutdownGraceSeconds: Int64
    /// Install SIGHUP (reload) and SIGTERM/SIGINT (graceful shutdown) handlers. Off in tests that
    /// run a server inside the test process.
    public var handlesSignals: Bool

    public init(listen: ListenAddress = ListenAddress(host: "127.0.0.1", port: 8080), adminListen: ListenAddress? = nil,
                identity: IdentitySource = IdentitySource(trustsHeaders: false), upstreams: Upstreams = Upstreams(),
                maxBodyBytes: Int = 1 << 20, upstreamTimeoutSeconds: Int64 = 600, shutdownGraceSeconds: Int64 = 30,
                handlesSignals: Bool = false) {
        self.listen = listen
        self.adminListen = adminListen
        self.identity = identity
        self.upstreams = upstreams
        self.maxBodyBytes = maxBodyBytes
        self.upstreamTimeoutSeconds = upstreamTimeoutSeconds
        self.shutdownGraceSeconds = shutdownGraceSeconds
        self.handlesSignals = handlesSignals
    }
}

/// `HOST:PORT`, `[IPv6]:PORT` or `:PORT` (all interfaces).
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `127.0.0.1:8080`, `[::1]:8080`, `localhost:0` or `:8080`; nil when malformed.
    public init?(parsing text: String) {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        guard let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        else if host.contains(":") { return nil }
        self.host = host.isEmpty ? "0.0.0.0" : host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
