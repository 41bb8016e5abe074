import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Switchyard
import SwitchyardServe
import Synchronization
import XCTest

/// Paths and shared state for the service tests.
enum ServeFixtures {
    /// The package root (this file is Tests/SwitchyardServeTests/ServeTestSupport.swift).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var rulesDirectory: String { packageRoot.appendingPathComponent("Rules").path }
    static var policyPath: String { packageRoot.appendingPathComponent("Rules/policy/policy.yaml").path }

    /// The built-in pack and policy, loaded once for all tests (examples are checked by the
    /// reload tests and by `rules test`; here they would only slow every test down).
    static let engine: Engine = {
        do { return try EngineLoader(rulesDirectory: rulesDirectory, policyPath: policyPath, checksExamples: false).load() } catch {
            fatalError("the built-in pack failed to load: \(error)")
        }
    }()

    static var loader: EngineLoader { EngineLoader(rulesDirectory: rulesDirectory, policyPath: policyPath, checksExamples: false) }

    /// The `switchyard` executable built next to the test bundle.
    static var executable: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("switchyard")
    }

    /// Runs `switchyard arguments…` with `input` on stdin; returns stdout and the exit status.
    static func runCLI(_ arguments: [String], input: String) throws -> (stdout: String, status: Int32) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = packageRoot
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (String(decoding: output, as: UTF8.self), process.terminationStatus)
    }

    static var quietLogger: Logger {
        var logger = Logger(label: "switchyard.serve.test")
        logger.logLevel = .critical
        return logger
    }

    /// A copy of the built-in pack's top-level rule files and its policy directory, for tests
    /// that edit or break them.
    static func copyOfPack() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("policy"), withIntermediateDirectories: true)
        let rules = packageRoot.appendingPathComponent("Rules")
        for name in try FileManager.default.contentsOfDirectory(atPath: rules.path) where name.hasSuffix(".yaml") {
            try FileManager.default.copyItem(at: rules.appendingPathComponent(name), to: directory.appendingPathComponent(name))
        }
        for name in ["policy.yaml", "partners.yaml"] {
            try FileManager.default.copyItem(at: rules.appendingPathComponent("policy/\(name)"), to: directory.appendingPathComponent("policy/\(name)"))
        }
        return directory
    }
}

/// A `SwitchyardServer` running inside the test process on loopback ports chosen by the kernel.
final class RunningServer: Sendable {
    let server: SwitchyardServer
    let port: Int
    let adminPort: Int?
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    var base: String { "http://127.0.0.1:\(port)" }
    var adminBase: String { "http://127.0.0.1:\(adminPort ?? port)" }

    private init(server: SwitchyardServer, port: Int, adminPort: Int?, group: ServiceGroup, task: Task<Void, any Error>) {
        self.server = server
        self.port = port
        self.adminPort = adminPort
        self.group = group
        self.task = task
    }

    static func start(_ configuration: ServeConfiguration = ServeConfiguration(), engine: Engine = ServeFixtures.engine,
                      loader: EngineLoader = ServeFixtures.loader) async throws -> RunningServer {
        var configuration = configuration
        configuration.listen = ListenAddress(host: "127.0.0.1", port: 0)
        if configuration.adminListen != nil { configuration.adminListen = ListenAddress(host: "127.0.0.1", port: 0) }
        configuration.handlesSignals = false
        let server = SwitchyardServer(configuration: configuration, engine: engine, loader: loader, logger: ServeFixtures.quietLogger)
        let (listening, continuation) = AsyncStream.makeStream(of: (SwitchyardServer.Listener, Int).self)
        let group = server.makeServiceGroup { listener, port in continuation.yield((listener, port)) }
        let task = Task { try await group.run() }
        var ports: [SwitchyardServer.Listener: Int] = [:]
        let expected = configuration.adminListen == nil ? 1 : 2
        for await (listener, port) in listening {
            ports[listener] = port
            if ports.count == expected { break }
        }
        guard let main = ports[.main], main > 0 else { throw TestFailure("the server did not start") }
        return RunningServer(server: server, port: main, adminPort: ports[.admin], group: group, task: task)
    }

    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// What a test sees of an HTTP answer.
struct Answer {
    var status: Int
    var headers: [(String, String)]
    var body: String

    func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }

    /// The body parsed as a JSON object.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
    }
}

/// A real HTTP client (AsyncHTTPClient) for the tests.
enum HTTP {
    static func send(_ method: HTTPMethod, _ url: String, body: String? = nil, headers: [(String, String)] = []) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return Answer(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
                      body: String(buffer: bytes))
    }

    static func post(_ url: String, _ body: String, headers: [(String, String)] = []) async throws -> Answer {
        try await send(.POST, url, body: body, headers: headers)
    }

    static func get(_ url: String) async throws -> Answer {
        try await send(.GET, url)
    }
}

/// A minimal OpenAI-style upstream: records the model each request asked for and answers with a
/// completion naming it, or with server-sent events when the body says `"stream": true`.
final class FakeUpstream: Sendable {
    let port: Int
    private let recorder: Recorder
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    /// The SSE chunks a streamed answer is made of, in order.
    static func chunks(model: String) -> [String] {
        (0..<5).map { index in
            "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"\(model)\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"part \(index) \"}}]}\n\n"
        } + ["data: [DONE]\n\n"]
    }

    /// The models asked for, in arrival order.
    var models: [String] { recorder.models.withLock { $0 } }

    private init(port: Int, recorder: Recorder, group: ServiceGroup, task: Task<Void, any Error>) {
        self.port = port
        self.recorder = recorder
        self.group = group
        self.task = task
    }

    static func start(chunkDelay: Duration = .milliseconds(20)) async throws -> FakeUpstream {
        let recorded = Recorder()
        let router = Hummingbird.Router()
        for path in ["/v1/chat/completions", "/v1/responses"] {
            router.post(RouterPath(path)) { request, _ -> Response in
                let body = try await request.body.collect(upTo: 16 << 20)
                let object = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
                let model = object["model"] as? String ?? "(none)"
                recorded.append(model + (request.headers[.authorization].map { " auth=\($0)" } ?? ""))
                if object["stream"] as? Bool == true {
                    let chunks = FakeUpstream.chunks(model: model)
                    return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                                    body: ResponseBody { writer in
                                        for chunk in chunks {
                                            try await writer.write(ByteBuffer(string: chunk))
                                            try await Task.sleep(for: chunkDelay)
                                        }
                                        try await writer.finish(nil)
                                    })
                }
                let answer = """
                    {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"\(model)","choices":[{"index":0,"message":{"role":"assistant","content":"hello from \(model)"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":3,"total_tokens":4}}
                    """
                return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: answer)))
            }
        }
        let (listening, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
                              logger: ServeFixtures.quietLogger)
        let group = ServiceGroup(configuration: .init(services: [app], logger: ServeFixtures.quietLogger))
        let task = Task { try await group.run() }
        var port = 0
        for await bound in listening {
            port = bound
            break
        }
        return FakeUpstream(port: port, recorder: recorded, group: group, task: task)
    }

    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }

    /// Upstreams sending every policy model here.
    var upstreams: Upstreams {
        Upstreams(["fable-5", "opus-4.8", "mythos-5"].reduce(into: [:]) { map, model in
            map[model] = Upstreams.Upstream(baseURL: "http://127.0.0.1:\(port)/v1")
        })
    }
}

/// Shares the recorded models between the fake upstream's handlers and the test.
final class Recorder: Sendable {
    let models = Mutex<[String]>([])
    func append(_ model: String) { models.withLock { $0.append(model) } }
}

/// Runs `body` against a fresh server and always stops the server afterwards.
func withServer(_ configuration: ServeConfiguration = ServeConfiguration(), engine: Engine = ServeFixtures.engine,
                loader: EngineLoader = ServeFixtures.loader, _ body: (RunningServer) async throws -> Void) async throws {
    let server = try await RunningServer.start(configuration, engine: engine, loader: loader)
    do {
        try await body(server)
    } catch {
        try? await server.stop()
        throw error
    }
    try await server.stop()
}

/// A loopback TCP port bound but never listened on, so connecting to it is refused, and no other
/// server can take it while the socket is open. Close the descriptor when done.
func deadLoopbackPort() throws -> (descriptor: Int32, port: Int) {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw TestFailure("socket failed") }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    let bound = withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { close(descriptor); throw TestFailure("bind failed") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
    }
    return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
}
