#if canImport(Glibc)
import Glibc
#endif
import CSwitchyardABI
import Switchyard

// The C ABI declared in include/switchyard.h. Every entry point checks its pointers and never
// traps on bad input from C; errors are negative return values or NULL plus a message.

/// What a `switchyard_classifier *` points to.
final class ClassifierHandle: Sendable {
    let classifier: Classifier
    let scratch: ThreadScratch
    /// Rule ids, categories and the version as C strings, made once at open.
    let ids: [CString]
    let categories: [CString]
    let version: CString
    /// Per rule: enforce mode.
    let enforced: [Bool]

    init?(classifier: Classifier) {
        guard let scratch = ThreadScratch(classifier: classifier) else { return nil }
        self.classifier = classifier
        self.scratch = scratch
        ids = classifier.rules.map { CString($0.id) }
        categories = classifier.rules.map { CString($0.category) }
        version = CString(classifier.pack.version)
        enforced = classifier.rules.map { $0.mode == .enforce }
    }
}

/// A NUL-terminated copy of a Swift string, freed with its owner.
final class CString: Sendable {
    // SAFETY (Sendable): written once in init, then only read.
    nonisolated(unsafe) let pointer: UnsafeMutablePointer<CChar>
    init(_ text: String) { pointer = strdup(text)! }
    deinit { free(pointer) }
}

/// Copies `message` into a caller's error buffer, NUL-terminated and truncated to fit.
func writeError(_ message: String, into buffer: UnsafeMutablePointer<CChar>?, capacity: Int) {
    guard let buffer, capacity > 0 else { return }
    let bytes = Array(message.utf8.prefix(capacity - 1))
    for (index, byte) in bytes.enumerated() { buffer[index] = CChar(bitPattern: byte) }
    buffer[bytes.count] = 0
}

func loadClassifier(_ rulesDirectory: String) throws -> Classifier {
    let pack: RulePack
    do { pack = try RuleLoader().load(directory: rulesDirectory) } catch { throw CABIError(message: error.description) }
    do { return try Classifier(pack: pack) } catch { throw CABIError(message: error.description) }
}

struct CABIError: Error { var message: String }

@_cdecl("switchyard_open")
public func switchyard_open(_ rulesDirectory: UnsafePointer<CChar>?, _ error: UnsafeMutablePointer<CChar>?, _ errorCapacity: Int) -> OpaquePointer? {
    guard let rulesDirectory else {
        writeError("rules_dir is NULL", into: error, capacity: errorCapacity)
        return nil
    }
    do {
        let classifier = try loadClassifier(String(cString: rulesDirectory))
        guard let handle = ClassifierHandle(classifier: classifier) else {
            writeError("out of thread-local keys", into: error, capacity: errorCapacity)
            return nil
        }
        return OpaquePointer(Unmanaged.passRetained(handle).toOpaque())
    } catch let failure as CABIError {
        writeError(failure.message, into: error, capacity: errorCapacity)
    } catch let other {
        writeError("\(other)", into: error, capacity: errorCapacity)
    }
    return nil
}

/// The handle behind a C pointer (not retained: valid until `switchyard_close`).
func classifierHandle(_ pointer: OpaquePointer?) -> ClassifierHandle? {
    guard let pointer else { return nil }
    return Unmanaged<ClassifierHandle>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
}

/// Classifies and copies the fired enforce rules into `fired`; the shared body of both entry points.
func classify(_ handle: ClassifierHandle, _ text: UnsafePointer<UInt8>?, _ length: Int, _ fired: UnsafeMutablePointer<UInt32>?, _ capacity: Int32,
              askStart: Int = 0) -> (Verdict, Int32) {
    // SAFETY: the caller promises `length` readable bytes at `text` (checked non-NULL when length > 0).
    let buffer = UnsafeRawBufferPointer(start: text, count: length)
    let verdict = handle.classifier.classify(buffer, focusStart: askStart, using: handle.scratch.current())
    var count: Int32 = 0
    for hit in verdict.hits where handle.enforced[hit.rule] {
        if let fired, count < capacity { fired[Int(count)] = UInt32(hit.rule) }
        count += 1
    }
    return (verdict, count)
}

@_cdecl("switchyard_classify")
public func switchyard_classify(_ pointer: OpaquePointer?, _ text: UnsafePointer<UInt8>?, _ length: Int,
                                _ fired: UnsafeMutablePointer<UInt32>?, _ capacity: Int32) -> Int32 {
    guard let handle = classifierHandle(pointer), length >= 0, text != nil || length == 0, capacity >= 0, fired != nil || capacity == 0 else { return -1 }
    let (verdict, count) = classify(handle, text, length, fired, capacity)
    return verdict.indeterminate == nil ? count : -2
}

@_cdecl("switchyard_classify_verdict")
public func switchyard_classify_verdict(_ pointer: OpaquePointer?, _ text: UnsafePointer<UInt8>?, _ length: Int,
                                        _ verdict: UnsafeMutablePointer<switchyard_verdict>?, _ fired: UnsafeMutablePointer<UInt32>?, _ capacity: Int32) -> Int32 {
    switchyard_classify_conversation(pointer, text, length, 0, verdict, fired, capacity)
}

@_cdecl("switchyard_classify_conversation")
public func switchyard_classify_conversation(_ pointer: OpaquePointer?, _ text: UnsafePointer<UInt8>?, _ length: Int, _ askStart: Int,
                                             _ verdict: UnsafeMutablePointer<switchyard_verdict>?, _ fired: UnsafeMutablePointer<UInt32>?, _ capacity: Int32) -> Int32 {
    guard let handle = classifierHandle(pointer), length >= 0, text != nil || length == 0, capacity >= 0, fired != nil || capacity == 0, let verdict,
          askStart >= 0, askStart <= length else { return -1 }
    let (result, count) = classify(handle, text, length, fired, capacity, askStart: askStart)
    let outcome: Int32 = switch result.outcome {
    case .clean: 0
    case .risky: 1
    case .indeterminate: 2
    }
    verdict.pointee = switchyard_verdict(risky: result.risky ? 1 : 0, score: result.score, indeterminate: indeterminateCode(result.indeterminate),
                                         fired_count: count, outcome: outcome)
    return count
}

func indeterminateCode(_ value: Indeterminate?) -> Int32 {
    switch value {
    case nil: 0
    case .oversize: 1
    case .regexFailure: 2
    case .decodeBudget: 3
    }
}

@_cdecl("switchyard_rule_count")
public func switchyard_rule_count(_ pointer: OpaquePointer?) -> Int32 {
    guard let handle = classifierHandle(pointer) else { return -1 }
    return Int32(handle.ids.count)
}

@_cdecl("switchyard_rule_id")
public func switchyard_rule_id(_ pointer: OpaquePointer?, _ index: UInt32) -> UnsafePointer<CChar>? {
    guard let handle = classifierHandle(pointer), Int(index) < handle.ids.count else { return nil }
    return UnsafePointer(handle.ids[Int(index)].pointer)
}

@_cdecl("switchyard_rule_category")
public func switchyard_rule_category(_ pointer: OpaquePointer?, _ index: UInt32) -> UnsafePointer<CChar>? {
    guard let handle = classifierHandle(pointer), Int(index) < handle.categories.count else { return nil }
    return UnsafePointer(handle.categories[Int(index)].pointer)
}

@_cdecl("switchyard_rule_severity")
public func switchyard_rule_severity(_ pointer: OpaquePointer?, _ index: UInt32) -> Int32 {
    guard let handle = classifierHandle(pointer), Int(index) < handle.ids.count else { return -1 }
    return Int32(Severity.allCases.firstIndex(of: handle.classifier.rules[Int(index)].severity)!)
}

@_cdecl("switchyard_pack_version")
public func switchyard_pack_version(_ pointer: OpaquePointer?) -> UnsafePointer<CChar>? {
    guard let handle = classifierHandle(pointer) else { return nil }
    return UnsafePointer(handle.version.pointer)
}

@_cdecl("switchyard_close")
public func switchyard_close(_ pointer: OpaquePointer?) {
    guard let pointer else { return }
    Unmanaged<ClassifierHandle>.fromOpaque(UnsafeRawPointer(pointer)).release()
}
