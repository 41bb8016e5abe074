#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import Logging
import Switchyard
import SwitchyardRedis
import SwitchyardServe
import SwitchyardMatching

/// `switchyard serve`: the HTTP gateway service.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve routing decisions over HTTP, and proxy OpenAI-compatible requests to the chosen model.",
        discussion: """
            Endpoints: POST /v1/route, POST /v1/classify, POST /v1/chat/completions, POST /v1/responses, \
            GET /healthz, GET /readyz, GET /metrics, POST /admin/reload (on --admin-listen when given). \
            SIGHUP reloads the rule pack and the policy (a bad one is refused and the old one keeps serving); \
            SIGTERM or SIGINT stops accepting, finishes requests in flight and exits 0. \
            Exit status 2 when the rule pack, the policy or the upstreams file cannot be loaded.
            """
    )

    @Option(help: "Address and port to listen on (HOST:PORT, [IPv6]:PORT).")
    var listen: String = "127.0.0.1:8080"

    @Option(help: "Separate listener for /admin/reload; without it the admin route is on --listen.")
    var adminListen: String?

    @Option(help: "Rule pack directory (default: the built-in pack).")
    var rules: String?

    @Option(help: "Routing policy file (default: <rules>/policy/policy.yaml).")
    var policy: String?

    @Option(help: "YAML map of model name to upstream (base_url, optional api_key_env) for the proxy.")
    var upstreams: String?

    @Flag(help: "Trust the caller identity headers set by the gateway in front (x-switchyard-user, -org, -verified, -nationality, -country). Without it (or --jwt-key) every request is anonymous; a body's `user` is never used.")
    var identityHeaders = false

    @Option(help: "Take identity from a JWT in `Authorization: Bearer`, verified with this key: a PEM public key (ES256) or an HS256 secret of 32+ bytes. Claims: user (or sub), org, verified, nationality, country; exp is required.")
    var jwtKey: String?

    @Option(help: "Prefix of the identity header names (user, org, verified, nationality and country follow it).")
    var identityHeaderPrefix: String = "x-switchyard-"

    @Option(help: "Largest accepted request body in bytes.")
    var maxBodyBytes: Int = 1 << 20

    @Option(help: "Seconds a graceful shutdown waits for requests in flight.")
    var shutdownGraceSeconds: Int = 30

    @Option(help: "Seconds an upstream may take to start answering, and may stay silent in the middle of a streamed answer.")
    var upstreamTimeoutSeconds: Int = 600

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    @Option(help: "Share the policy's escalation strikes through Redis at HOST:PORT (default: counted in this process, kept across reloads). If Redis cannot be reached, strikes are counted locally and requests go on.")
    var strikesRedis: String?

    func validate() throws {
        guard ListenAddress(parsing: listen) != nil else { throw ValidationError("--listen must be HOST:PORT") }
        if let adminListen, ListenAddress(parsing: adminListen) == nil { throw ValidationError("--admin-listen must be HOST:PORT") }
        if identityHeaders && jwtKey != nil { throw ValidationError("--identity-headers and --jwt-key exclude each other") }
        guard maxBodyBytes > 0 else { throw ValidationError("--max-body-bytes must be positive") }
        guard shutdownGraceSeconds >= 0 else { throw ValidationError("--shutdown-grace-seconds must not be negative") }
        guard upstreamTimeoutSeconds > 0 else { throw ValidationError("--upstream-timeout-seconds must be positive") }
        if let strikesRedis, RedisStrikeStore.Endpoint(strikesRedis) == nil {
            throw ValidationError("--strikes-redis must be HOST:PORT, e.g. 127.0.0.1:6379")
        }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical") }
        guard !identityHeaderPrefix.isEmpty, identityHeaderPrefix.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
            throw ValidationError("--identity-header-prefix must be letters, digits and '-'")
        }
    }

    /// The root command stays synchronous: the stream commands rely on signals reaching the main
    /// thread's blocking read(2), which an async main would park elsewhere. The service runs on
    /// Swift concurrency's threads while the main thread waits for it.
    func run() throws {
        SwitchyardServer.runConcurrencyOnEventLoops()
        let outcome = Locked<Result<Void, any Error>>(.success(()))
        let finished = DispatchSemaphore(value: 0)
        let command = self
        Task.detached {
            do { try await command.serve() } catch { outcome.withLock { $0 = .failure(error) } }
            finished.signal()
        }
        finished.wait()
        try outcome.withLock { $0 }.get()
    }

    func serve() async throws {
        // Until the reload service traps SIGHUP, one arriving must not end the process.
        signal(SIGHUP, SIG_IGN)
        signal(SIGPIPE, SIG_IGN)
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = JSONLogHandler(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "switchyard.serve")

        let loader: EngineLoader
        let engine: Engine
        var upstreamMap = Upstreams()
        var jwt: JWTIdentityVerifier?
        do {
            if let jwtKey { jwt = try await JWTIdentityVerifier.load(path: jwtKey) }
            // The upstreams file first: it is quick to check, the pack takes a moment to compile.
            if let upstreams { upstreamMap = try Upstreams.load(path: upstreams) }
            let strikes: any StrikeStore = strikesRedis.flatMap { RedisStrikeStore.Endpoint($0) }.map { RedisStrikeStore(endpoint: $0) } ?? LocalStrikeStore()
            loader = EngineLoader(rulesDirectory: try RulePackLocation.resolve(rules), policyPath: policy, strikes: strikes)
            engine = try loader.load()
        } catch {
            standardError("switchyard serve: \(error)")
            throw ExitCode(2)
        }

        var names = IdentitySource.HeaderNames()
        let prefix = identityHeaderPrefix.lowercased()
        names.user = prefix + "user"
        names.org = prefix + "org"
        names.verified = prefix + "verified"
        names.nationality = prefix + "nationality"
        names.country = prefix + "country"
        let configuration = ServeConfiguration(
            listen: ListenAddress(parsing: listen)!,
            adminListen: adminListen.flatMap(ListenAddress.init(parsing:)),
            identity: IdentitySource(trustsHeaders: identityHeaders, headerNames: names, jwt: jwt),
            upstreams: upstreamMap,
            maxBodyBytes: maxBodyBytes,
            upstreamTimeoutSeconds: Int64(upstreamTimeoutSeconds),
            shutdownGraceSeconds: Int64(shutdownGraceSeconds),
            handlesSignals: true
        )
        let server = SwitchyardServer(configuration: configuration, engine: engine, loader: loader, logger: logger)
        logger.info("switchyard serve starting", metadata: [
            "version": .string(SwitchyardCommand.configuration.version),
            "listen": .string(configuration.listen.description),
            "admin_listen": .string(configuration.adminListen?.description ?? "(main listener)"),
            "rules": .string(engine.rulesDirectory), "rules_version": .string(engine.rulesVersion),
            "policy": .string(engine.policyPath), "policy_version": .string(engine.policyVersion),
            "upstreams": .array(upstreamMap.byModel.keys.sorted().map { .string($0) }),
            "identity": .string(jwt.map { "jwt:\($0.algorithm)" } ?? (identityHeaders ? "headers:\(prefix)*" : "anonymous")),
        ])
        let group = server.makeServiceGroup { listener, port in
            logger.info("listening", metadata: ["listener": .string(listener.rawValue), "port": .stringConvertible(port)])
        }
        do {
            try await group.run()
        } catch {
            logger.error("switchyard serve stopped with an error", metadata: ["error": .string("\(error)")])
            throw ExitCode(1)
        }
        logger.info("switchyard serve stopped")
    }
}
