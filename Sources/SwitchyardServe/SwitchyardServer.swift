import AsyncHTTPClient
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Switchyard
import UnixSignals

/// The `switchyard serve` service: the decision endpoints, the OpenAI-compatible proxy, health,
/// metrics and reload, run as a group of services with graceful shutdown.
public final class SwitchyardServer: Sendable {
    public let configuration: ServeConfiguration
    public let store: EngineStore
    public let metrics: ServeMetrics
    let logger: Logger

    /// Which listener came up, for `onListening`.
    public enum Listener: String, Sendable { case main, admin }

    /// A server over an already loaded `engine`; `loader` builds the engines of later reloads.
    public init(configuration: ServeConfiguration, engine: Engine, loader: EngineLoader, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        let metrics = ServeMetrics()
        self.metrics = metrics
        self.store = EngineStore(initial: engine, loader: loader, metrics: metrics, logger: logger)
    }

    /// Makes the event loops that serve the sockets also Swift concurrency's global executor, so a
    /// request's handler runs on the loop that read it instead of hopping to another pool and back
    /// (a thread hand-off each way). Call once, from the main thread, before any task starts;
    /// returns whether it took effect.
    @discardableResult
    public static func runConcurrencyOnEventLoops() -> Bool {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }

    /// The routes of one listener.
    func makeRouter(publicRoutes: Bool, adminRoutes: Bool, client: HTTPClient) -> Hummingbird.Router<BasicRequestContext> {
        let router = Hummingbird.Router(context: BasicRequestContext.self)
        let store = self.store, metrics = self.metrics
        router.get("/healthz") { _, _ in
            HTTPSupport.response(status: 200, bytes: HTTPSupport.json([("status", .string("ok"))]))
        }
        router.get("/readyz") { _, _ in
            let engine = store.current
            return HTTPSupport.response(status: 200, bytes: HTTPSupport.json([
                ("status", .string("ready")),
                ("rules_version", .string(engine.rulesVersion)),
                ("policy_version", .string(engine.policyVersion)),
            ]))
        }
        router.get("/metrics") { _, _ in
            if let strikes = store.current.router.escalator?.store { metrics.strikeStore(degradedCalls: strikes.degradedCalls) }
            return HTTPSupport.response(status: 200, bytes: metrics.render(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        if publicRoutes {
            let decisions = DecisionEndpoints(store: store, metrics: metrics, identity: configuration.identity,
                                              maxBodyBytes: configuration.maxBodyBytes)
            router.post("/v1/route") { request, _ in try await decisions.route(request) }
            router.post("/v1/classify") { request, _ in try await decisions.classify(request) }
            let proxy = OpenAIProxy(store: store, metrics: metrics, identity: configuration.identity,
                                    upstreams: configuration.upstreams, maxBodyBytes: configuration.maxBodyBytes,
                                    client: client, timeout: .seconds(configuration.upstreamTimeoutSeconds))
            router.post("/v1/chat/completions") { request, _ in
                try await proxy.forward(request, path: "/chat/completions", endpoint: "chat_completions")
            }
            router.post("/v1/responses") { request, _ in
                try await proxy.forward(request, path: "/responses", endpoint: "responses")
            }
        }
        if adminRoutes {
            router.post("/admin/reload") { _, _ in
                let result = await store.reload(trigger: "admin")
                var fields: [(String, HTTPSupport.JSONField)] = [
                    ("outcome", .string(result.outcome.rawValue)),
                    ("rules_version", .string(result.rulesVersion)),
                    ("policy_version", .string(result.policyVersion)),
                    ("previous_rules_version", .string(result.previousRulesVersion)),
                    ("previous_policy_version", .string(result.previousPolicyVersion)),
                ]
                if let error = result.error { fields.append(("error", .string(error))) }
                let status = switch result.outcome {
                case .reloaded: 200
                case .failed: 422
                case .busy: 409
                }
                return HTTPSupport.response(status: status, bytes: HTTPSupport.json(fields))
            }
        }
        return router
    }

    /// The services to run: the main listener, the admin listener if configured, and the SIGHUP
    /// reloader when signals are handled. `onListening` is called once per listener with its port.
    public func makeServiceGroup(onListening: @escaping @Sendable (Listener, Int) async -> Void = { _, _ in }) -> ServiceGroup {
        let separateAdmin = configuration.adminListen != nil
        // The proxy's client: a refused connection fails the request at once (502) instead of
        // being retried until the request's deadline.
        var clientConfiguration = HTTPClient.Configuration()
        clientConfiguration.connectionPool.retryConnectionEstablishment = false
        clientConfiguration.timeout.connect = .seconds(10)
        // Between two reads of a streamed answer; the wait for the answer's head is the request's timeout.
        clientConfiguration.timeout.read = .seconds(configuration.upstreamTimeoutSeconds)
        clientConfiguration.decompression = .disabled
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        let main = Application(
            router: makeRouter(publicRoutes: true, adminRoutes: !separateAdmin, client: client),
            configuration: .init(address: .hostname(configuration.listen.host, port: configuration.listen.port), serverName: "switchyard"),
            onServerRunning: { channel in await onListening(.main, channel.localAddress?.port ?? 0) },
            logger: logger
        )
        // Services stop in reverse order: the listeners drain first, the client closes last.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: ClientShutdown(client: client), successTerminationBehavior: .gracefullyShutdownGroup),
            .init(service: main),
        ]
        if let admin = configuration.adminListen {
            let adminApp = Application(
                router: makeRouter(publicRoutes: false, adminRoutes: true, client: client),
                configuration: .init(address: .hostname(admin.host, port: admin.port), serverName: "switchyard-admin"),
                onServerRunning: { channel in await onListening(.admin, channel.localAddress?.port ?? 0) },
                logger: logger
            )
            services.append(.init(service: adminApp))
        }
        if configuration.handlesSignals {
            services.append(.init(service: ReloadOnHangup(store: store), successTerminationBehavior: .gracefullyShutdownGroup))
        }
        var groupConfiguration = ServiceGroupConfiguration(services: services, logger: logger)
        if configuration.handlesSignals {
            groupConfiguration.gracefulShutdownSignals = [.sigterm, .sigint]
        }
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(configuration.shutdownGraceSeconds)
        return ServiceGroup(configuration: groupConfiguration)
    }
}

/// Reloads the rule pack and the policy on every SIGHUP until shutdown.
struct ReloadOnHangup: Service {
    let store: EngineStore

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        for await _ in hangups.cancelOnGracefulShutdown() {
            _ = await store.reload(trigger: "SIGHUP")
        }
    }
}

/// Keeps the proxy's HTTP client open until shutdown, then closes it.
struct ClientShutdown: Service {
    let client: HTTPClient

    func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
