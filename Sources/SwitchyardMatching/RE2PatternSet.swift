import CRE2

/// Many RE2 patterns matched in one pass (RE2::Set). Build with `init`, then match from any number
/// of threads, each with its own `Scratch`.
///
/// Unlike a bare RE2::Set, a search that runs out of DFA memory throws `RE2MatchFailure.outOfMemory`
/// instead of reporting "no match", and a set whose compile failed is never matched.
public final class RE2PatternSet: @unchecked Sendable {
    // SAFETY (Sendable): `handle` is compiled in init and only read afterwards; RE2::Set::Match is
    // const and thread-safe. Mutable per-search state lives in `Scratch`.
    private let handle: OpaquePointer
    /// Number of patterns in the set; indices are 0..<count in the order given.
    public let count: Int

    /// Why a set could not be built.
    public enum BuildError: Error, Sendable, Equatable, CustomStringConvertible {
        /// Pattern `index` was refused by RE2.
        case invalidPattern(index: Int, message: String)
        /// RE2 ran out of memory compiling the set (raise `RE2Options.maxMemory` or split the set).
        case compileFailed
        /// A human-readable message.
        public var description: String {
            switch self {
            case .invalidPattern(let index, let message): "pattern \(index): \(message)"
            case .compileFailed: "RE2::Set compile failed (out of memory)"
            }
        }
    }

    /// Per-thread scratch for `matches(in:scratch:into:)`. Not shareable across threads.
    public final class Scratch {
        let handle: OpaquePointer
        var indices: [Int32]
        /// Creates scratch able to report up to `capacity` matching patterns without reallocating.
        public init(capacity: Int = 256) {
            handle = cre2_set_scratch_new()!
            indices = [Int32](repeating: 0, count: max(1, capacity))
        }
        deinit { cre2_set_scratch_delete(handle) }
    }

    /// Compiles `patterns` into one set.
    public init(_ patterns: [String], options: RE2Options = RE2Options()) throws(BuildError) {
        let handle = cre2_set_new(options.c)!
        var error = [CChar](repeating: 0, count: 512)
        for (index, pattern) in patterns.enumerated() {
            var text = pattern
            let added = text.withUTF8 { utf8 in
                error.withUnsafeMutableBufferPointer { buffer in
                    cre2_set_add(handle, UnsafeRawPointer(utf8.baseAddress!).assumingMemoryBound(to: CChar.self), utf8.count, buffer.baseAddress, buffer.count)
                }
            }
            if added < 0 {
                cre2_set_delete(handle)
                let message = error.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
                throw .invalidPattern(index: index, message: message)
            }
        }
        guard cre2_set_compile(handle) != 0 else {
            cre2_set_delete(handle)
            throw .compileFailed
        }
        self.handle = handle
        self.count = patterns.count
    }

    deinit { cre2_set_delete(handle) }

    /// Calls `body` with the index of every pattern that matches `text` (unordered).
    /// - Throws: `RE2MatchFailure` when RE2 cannot answer (e.g. out of DFA memory): never read as no match.
    /// - Complexity: O(n) in `text.count` for the lazy DFA, independent of the number of patterns
    ///   while the DFA cache holds.
    public func matches(in text: UnsafeRawBufferPointer, scratch: Scratch, _ body: (Int) -> Void) throws(RE2MatchFailure) {
        var found: Int32 = 0
        let base = text.baseAddress?.assumingMemoryBound(to: UInt8.self)
        var status = scratch.indices.withUnsafeMutableBufferPointer {
            cre2_set_match(handle, scratch.handle, base, text.count, $0.baseAddress, Int32($0.count), &found)
        }
        if status == CRE2_ERROR_CAPACITY {
            scratch.indices = [Int32](repeating: 0, count: Int(found))
            status = scratch.indices.withUnsafeMutableBufferPointer {
                cre2_set_match(handle, scratch.handle, base, text.count, $0.baseAddress, Int32($0.count), &found)
            }
        }
        switch status {
        case CRE2_NO_MATCH: return
        case CRE2_MATCH:
            for i in 0..<Int(found) { body(Int(scratch.indices[i])) }
        case CRE2_ERROR_OUT_OF_MEMORY: throw .outOfMemory
        case CRE2_ERROR_NOT_COMPILED: throw .notCompiled
        default: throw .inconsistent
        }
    }

    /// Whether any pattern matches `text`. Allocates nothing once RE2's DFA cache is warm.
    /// - Throws: `RE2MatchFailure` when RE2 cannot answer: never read as no match.
    public func matchesAny(in text: UnsafeRawBufferPointer) throws(RE2MatchFailure) -> Bool {
        let base = text.baseAddress?.assumingMemoryBound(to: UInt8.self)
        switch cre2_set_match_any(handle, base, text.count) {
        case CRE2_NO_MATCH: return false
        case CRE2_MATCH: return true
        case CRE2_ERROR_OUT_OF_MEMORY: throw .outOfMemory
        case CRE2_ERROR_NOT_COMPILED: throw .notCompiled
        default: throw .inconsistent
        }
    }

    /// Convenience: sorted indices of the patterns matching `text`.
    public func matches(in text: String, scratch: Scratch = Scratch()) throws(RE2MatchFailure) -> [Int] {
        var copy = text
        var result: [Int] = []
        let failure = copy.withUTF8 { utf8 -> RE2MatchFailure? in
            do {
                try matches(in: UnsafeRawBufferPointer(utf8), scratch: scratch) { result.append($0) }
                return nil
            } catch { return error as? RE2MatchFailure ?? .inconsistent }
        }
        if let failure { throw failure }
        return result.sorted()
    }
}
