#if canImport(Glibc)
import Glibc
#endif
import CSwitchyardABI
import Foundation
import Switchyard

/// What a `switchyard_router *` points to.
final class RouterHandle: Sendable {
    let router: ModelRouter
    let scratch: ThreadScratch
    /// Model names as C strings, per route.
    let primary: CString
    let fallback: CString
    let restricted: CString
    /// Renders audit records (rule revisions computed once).
    let audit: AuditRecordRenderer

    init?(router: ModelRouter) {
        guard let scratch = ThreadScratch(classifier: router.classifier) else { return nil }
        self.router = router
        self.scratch = scratch
        primary = CString(router.policy.primaryModel)
        fallback = CString(router.policy.fallbackModel)
        restricted = CString(router.policy.restrictedModel)
        audit = AuditRecordRenderer(router: router)
    }
}

@_cdecl("switchyard_router_open")
public func switchyard_router_open(_ rulesDirectory: UnsafePointer<CChar>?, _ policyPath: UnsafePointer<CChar>?,
                                   _ error: UnsafeMutablePointer<CChar>?, _ errorCapacity: Int) -> OpaquePointer? {
    guard let rulesDirectory else {
        writeError("rules_dir is NULL", into: error, capacity: errorCapacity)
        return nil
    }
    let directory = String(cString: rulesDirectory)
    let path = policyPath.map { String(cString: $0) } ?? (directory as NSString).appendingPathComponent("policy/policy.yaml")
    do {
        let classifier = try loadClassifier(directory)
        let policy: RoutingPolicy
        var loader = PolicyLoader()
        loader.knownCategories = Set(classifier.rules.map(\.category))
        do { policy = try loader.load(path: path) } catch { throw CABIError(message: error.description) }
        guard let handle = RouterHandle(router: ModelRouter(classifier: classifier, policy: policy)) else {
            throw CABIError(message: "out of thread-local keys")
        }
        return OpaquePointer(Unmanaged.passRetained(handle).toOpaque())
    } catch let failure as CABIError {
        writeError(failure.message, into: error, capacity: errorCapacity)
    } catch let other {
        writeError("\(other)", into: error, capacity: errorCapacity)
    }
    return nil
}

@_cdecl("switchyard_route")
public func switchyard_route(_ pointer: OpaquePointer?, _ text: UnsafePointer<UInt8>?, _ length: Int,
                             _ who: UnsafePointer<switchyard_identity>?, _ decision: UnsafeMutablePointer<switchyard_decision>?) -> Int32 {
    switchyard_route_conversation(pointer, text, length, 0, who, decision)
}

@_cdecl("switchyard_route_conversation")
public func switchyard_route_conversation(_ pointer: OpaquePointer?, _ text: UnsafePointer<UInt8>?, _ length: Int, _ askStart: Int,
                                          _ who: UnsafePointer<switchyard_identity>?, _ decision: UnsafeMutablePointer<switchyard_decision>?) -> Int32 {
    guard let pointer, let decision, length >= 0, text != nil || length == 0, askStart >= 0, askStart <= length else { return -1 }
    let handle = Unmanaged<RouterHandle>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
    let (result, _, _) = decide(handle, text, length, who, askStart: askStart)
    fill(decision, with: result, handle: handle)
    return 0
}

/// Classifies and routes `length` bytes at `text` for `who`.
private func decide(_ handle: RouterHandle, _ text: UnsafePointer<UInt8>?, _ length: Int,
                    _ who: UnsafePointer<switchyard_identity>?, askStart: Int = 0) -> (RoutingDecision, CallerIdentity?, String?) {
    // SAFETY: the caller promises `length` readable bytes at `text`.
    let verdict = handle.router.classifier.classify(UnsafeRawBufferPointer(start: text, count: length), focusStart: askStart, using: handle.scratch.current())
    var identity: CallerIdentity?
    var requestedModel: String?
    if let who = who?.pointee {
        identity = CallerIdentity(org: who.org.map { String(cString: $0) },
                            verified: who.verified < 0 ? nil : who.verified == 1,
                            nationality: who.nationality.map { String(cString: $0).uppercased() })
        requestedModel = who.requested_model.map { String(cString: $0) }
    }
    let result = PolicyEngine.decide(policy: handle.router.policy, rules: handle.router.classifier.rules,
                                     identity: identity, requestedModel: requestedModel, verdict: verdict)
    return (result, identity, requestedModel)
}

private func fill(_ decision: UnsafeMutablePointer<switchyard_decision>, with result: RoutingDecision, handle: RouterHandle) {
    decision.pointee.route = switch result.route {
    case .primary: 0
    case .fallback: 1
    case .restricted: 2
    case .block: 3
    }
    decision.pointee.model = switch result.route {
    case .primary: UnsafePointer(handle.primary.pointer)
    case .fallback: UnsafePointer(handle.fallback.pointer)
    case .restricted: UnsafePointer(handle.restricted.pointer)
    case .block: nil
    }
    let verdict = result.verdict ?? .clean
    decision.pointee.risky = verdict.risky ? 1 : 0
    decision.pointee.score = verdict.score
    decision.pointee.indeterminate = indeterminateCode(verdict.indeterminate)
    let reasons = Array(result.reasons.joined(separator: ",").utf8.prefix(511)) + [0]
    withUnsafeMutableBytes(of: &decision.pointee.reasons) { buffer in
        buffer.copyBytes(from: reasons)
    }
}

@_cdecl("switchyard_audit_record")
public func switchyard_audit_record(_ pointer: OpaquePointer?, _ text: UnsafePointer<UInt8>?, _ length: Int,
                                    _ who: UnsafePointer<switchyard_identity>?, _ context: UnsafePointer<switchyard_audit_context>?,
                                    _ decision: UnsafeMutablePointer<switchyard_decision>?,
                                    _ out: UnsafeMutablePointer<CChar>?, _ capacity: Int, _ hashOut: UnsafeMutablePointer<CChar>?) -> Int64 {
    guard let pointer, let out, capacity > 0, let hashOut, length >= 0, text != nil || length == 0 else { return -1 }
    let handle = Unmanaged<RouterHandle>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
    let context = context?.pointee
    let previous = context?.prev_hash.map { String(cString: $0) } ?? AuditSchema.genesis
    guard previous.utf8.count == 64, previous.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else { return -2 }
    let (result, identity, requestedModel) = decide(handle, text, length, who)
    if let decision { fill(decision, with: result, handle: handle) }
    var user = identity
    if let context, context.user_id != nil || context.country != nil {
        user = user ?? CallerIdentity()
        user?.id = context.user_id.map { String(cString: $0) }
        user?.country = context.country.map { String(cString: $0) }
    }
    // SAFETY: the caller promises `length` readable bytes at `text`.
    let request = ModelRequest(id: context?.request_id.map { .string(String(cString: $0)) },
                          text: String(decoding: UnsafeRawBufferPointer(start: text, count: length), as: UTF8.self),
                          model: requestedModel, user: user)
    var renderer = handle.audit
    if let instance = context?.instance { renderer.instance = String(cString: instance) }
    var chain = AuditChain(previous: previous)
    let line = chain.seal(renderer.body(id: request.id, line: nil, request: request, decision: result))
    guard line.count < capacity else { return Int64(line.count) }
    line.withUnsafeBytes { bytes in
        UnsafeMutableRawPointer(out).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
    }
    out[line.count] = 0
    for (index, byte) in chain.head.utf8.enumerated() { hashOut[index] = CChar(bitPattern: byte) }
    hashOut[64] = 0
    return Int64(line.count)
}

@_cdecl("switchyard_router_close")
public func switchyard_router_close(_ pointer: OpaquePointer?) {
    guard let pointer else { return }
    Unmanaged<RouterHandle>.fromOpaque(UnsafeRawPointer(pointer)).release()
}
