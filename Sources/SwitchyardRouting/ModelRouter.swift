#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import SwitchyardEnvelope
import SwitchyardRules
import Synchronization

/// Routes requests: classifies each text and applies the policy. Immutable and `Sendable`: build
/// one per rule pack and policy, share it across threads, and replace the reference to reload.
public final class ModelRouter: Sendable {
    /// The compiled rule pack.
    public let classifier: Classifier
    /// The routing policy.
    public let policy: RoutingPolicy
    /// Per-identity escalation, when the policy configures it.
    package let escalator: Escalator?

    /// Creates a router over a compiled pack and a policy. Strikes go to `strikes` (default: a
    /// store in this process); pass the same store to the router that replaces this one on a
    /// reload, or a shared one (Redis) for a fleet. `clock` gives the time in seconds (default:
    /// the wall clock).
    public init(classifier: Classifier, policy: RoutingPolicy, strikes: (any StrikeStore)? = nil,
                clock: (@Sendable () -> Double)? = nil) {
        self.classifier = classifier
        self.policy = policy
        self.escalator = policy.escalation.isEnabled
            ? Escalator(policy: policy.escalation, store: strikes ?? LocalStrikeStore(), clock: clock ?? Escalator.wallClock) : nil
    }

    /// Fresh scratch for single-request routing on one thread.
    public func makeScratch() -> ClassificationScratch { classifier.makeScratch() }

    /// Routes one request with the caller's scratch.
    public func route(_ request: ModelRequest, using scratch: ClassificationScratch) -> RoutingDecision {
        let verdict = classifier.classify(request.text, focusStart: request.focusStart, using: scratch)
        let decision = PolicyEngine.decide(policy: policy, rules: classifier.rules, identity: request.user, requestedModel: request.model, verdict: verdict)
        guard let escalator else { return decision }
        return escalator.apply(to: decision, identity: request.user, rules: classifier.rules, routing: policy)
    }

    /// The fail-safe decision for a line that could not be parsed (`code` as in the stream contract).
    public func unparseable(code: String) -> RoutingDecision {
        PolicyEngine.unparseable(policy: policy, code: code)
    }

    /// Routes a batch, keeping order, spread over `threads` workers (default, or nil: all active
    /// cores). Workers take small chunks in turn (so a few long texts do not leave one core idle),
    /// each with one pooled scratch.
    public func route(_ requests: [ModelRequest], threads: Int? = nil) -> [RoutingDecision] {
        route(count: requests.count, threads: threads ?? ProcessInfoCores.active) { index, scratch in route(requests[index], using: scratch) }
    }

    /// Batch core shared by `route(_:threads:)` and the stream: calls `decide(index, scratch)` for
    /// every index in `0..<count` over up to `threads` workers and returns the results in order.
    package func route(count: Int, threads: Int, _ decide: @Sendable (Int, ClassificationScratch) -> RoutingDecision) -> [RoutingDecision] {
        let workers = max(1, min(threads, count / Self.minimumPerWorker))
        if workers == 1 {
            return classifier.withScratch { scratch in (0..<count).map { decide($0, scratch) } }
        }
        return [RoutingDecision](unsafeUninitializedCapacity: count) { buffer, initialized in
            let output = SendableSlots(buffer: buffer)
            runChunks(count: count, workers: workers) { _, range, scratch in
                for index in range {
                    // SAFETY: each chunk goes to exactly one worker and the chunks are disjoint
                    // and cover 0..<count, so each element is initialised exactly once.
                    (output.buffer.baseAddress! + index).initialize(to: decide(index, scratch))
                }
            }
            initialized = count
        }
    }

    /// Splits `0..<count` into contiguous chunks, which up to `threads` workers take in turn (so a
    /// chunk of long texts does not hold up the others), calling `body` once per chunk with the
    /// worker's pooled scratch; returns the chunks' results in order. This is the batch primitive
    /// the stream uses to decode, route and render lines in parallel.
    package func forEachSlice<T: Sendable>(count: Int, threads: Int, minimumPerWorker: Int = ModelRouter.minimumPerWorker,
                                          _ body: @Sendable (Range<Int>, ClassificationScratch) -> T) -> [T] {
        let workers = max(1, min(threads, count / max(1, minimumPerWorker)))
        if workers == 1 {
            return classifier.withScratch { [body(0..<count, $0)] }
        }
        let chunks = Self.chunkCount(count: count, workers: workers)
        return [T](unsafeUninitializedCapacity: chunks) { buffer, initialized in
            let output = SendableSlots(buffer: buffer)
            runChunks(count: count, workers: workers) { chunk, range, scratch in
                // SAFETY: each chunk index goes to exactly one worker, so every slot is
                // initialised once.
                (output.buffer.baseAddress! + chunk).initialize(to: body(range, scratch))
            }
            initialized = chunks
        }
    }

    /// Cuts `0..<count` into `chunkCount(count:workers:)` contiguous chunks and hands them to up to `workers`
    /// threads in turn through an atomic counter, each thread with one pooled scratch (so a chunk
    /// of long texts does not leave the other cores idle).
    private func runChunks(count: Int, workers: Int, _ body: @Sendable (_ chunk: Int, _ range: Range<Int>, ClassificationScratch) -> Void) {
        let chunks = Self.chunkCount(count: count, workers: workers)
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            classifier.withScratch { scratch in
                while true {
                    let chunk = next.wrappingAdd(1, ordering: .relaxed).oldValue
                    guard chunk < chunks else { break }
                    body(chunk, Self.slice(chunk, of: chunks, count: count), scratch)
                }
            }
        }
    }

    /// How many chunks a batch of `count` is cut into for `workers` threads.
    static func chunkCount(count: Int, workers: Int) -> Int {
        min(count, workers * chunksPerWorker)
    }

    /// Fewer requests than this per worker are not worth a thread hop.
    public static let minimumPerWorker = 8
    /// Chunks per worker that a batch is cut into: enough for the workers to even out long
    /// texts, few enough that taking one (an atomic add) stays negligible.
    static let chunksPerWorker = 16

    static func slice(_ worker: Int, of workers: Int, count: Int) -> Range<Int> {
        let base = count / workers, extra = count % workers
        let start = worker * base + min(worker, extra)
        return start..<(start + base + (worker < extra ? 1 : 0))
    }

}

/// Lets batch workers initialise disjoint elements of one output buffer.
private struct SendableSlots<T>: @unchecked Sendable {
    // SAFETY (Sendable): workers write disjoint indices; the buffer outlives `concurrentPerform`.
    let buffer: UnsafeMutableBufferPointer<T>
}

/// Processor counts for sizing worker pools.
package enum ProcessInfoCores {
    /// Cores this process may run on.
    package static var active: Int {
        #if canImport(Glibc)
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 1
        #endif
    }
}
