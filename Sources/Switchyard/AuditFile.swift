#if canImport(Glibc)
import Glibc
#endif

/// Why the audit file could not be opened or written.
public struct AuditFileError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String
    /// The errno of a failed system call, if that was the cause.
    public var errno: Int32?
    public var description: String { "audit file \(path): \(message)" + (errno.map { " (errno \($0))" } ?? "") }
}

/// An append-only audit log file holding one hash chain. Opening an existing file continues the
/// chain from the hash of its last record; `reopen()` (on SIGHUP, after the file was rotated)
/// starts the new file where the old one ended, so `audit verify old new` checks both as one
/// chain. One writer per file: two processes appending to one file break the chain.
///
/// Not thread-safe: the stream writes from one thread.
public final class AuditFile {
    public let path: String
    package private(set) var chain: AuditChain
    private var descriptor: Int32 = -1

    /// Opens (creating it with mode 0640) `path` for appending. A non-empty file must end with a
    /// complete v1 record, whose hash the chain continues from.
    public init(path: String) throws(AuditFileError) {
        self.path = path
        chain = AuditChain()
        descriptor = try Self.open(path)
        do {
            chain = AuditChain(previous: try Self.lastHash(descriptor: descriptor, path: path) ?? AuditSchema.genesis)
        } catch {
            Glibc.close(descriptor)
            throw error
        }
    }

    deinit { if descriptor >= 0 { Glibc.close(descriptor) } }

    /// The hash of the last record written or found (the next record's `prev`).
    public var head: String { chain.head }

    /// Seals `bodies` (from `AuditRecordRenderer`) in order and appends them with one write.
    /// After a failure the chain does not advance past the records that were not written whole.
    public func append(_ bodies: [[UInt8]]) throws(AuditFileError) {
        guard !bodies.isEmpty else { return }
        var next = chain
        var bytes: [UInt8] = []
        for body in bodies { bytes.append(contentsOf: next.seal(body)) }
        try write(bytes)
        chain = next
    }

    /// Closes and opens the file at `path` again (log rotation). The chain goes on from the last
    /// record written; an existing non-empty file at `path` must end with that same record.
    public func reopen() throws(AuditFileError) {
        if descriptor >= 0 { Glibc.close(descriptor) }
        descriptor = -1
        let fresh = try Self.open(path)
        descriptor = fresh
        if let last = try Self.lastHash(descriptor: fresh, path: path), last != chain.head {
            throw AuditFileError(path: path, message: "after reopening, its last record (hash \(last.prefix(12))…) is not the last one written (\(chain.head.prefix(12))…)")
        }
    }

    public func close() {
        if descriptor >= 0 { Glibc.close(descriptor) }
        descriptor = -1
    }

    private func write(_ bytes: [UInt8]) throws(AuditFileError) {
        guard descriptor >= 0 else { throw AuditFileError(path: path, message: "is closed") }
        var failure: Int32? = nil
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                // SAFETY: offset < buffer.count, so the pointer and length stay inside `buffer`.
                let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written >= 0 {
                    offset += written
                } else if Glibc.errno != EINTR {
                    failure = Glibc.errno
                    return
                }
            }
        }
        if let failure { throw AuditFileError(path: path, message: "write failed", errno: failure) }
    }

    private static func open(_ path: String) throws(AuditFileError) -> Int32 {
        let descriptor = Glibc.open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        if descriptor < 0 {
            // Write-only targets (/dev/full, FIFOs) cannot be read back; they start a new chain.
            let writeOnly = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
            guard writeOnly >= 0 else { throw AuditFileError(path: path, message: "cannot be opened", errno: Glibc.errno) }
            return writeOnly
        }
        return descriptor
    }

    /// The `hash` of the file's last record, nil for an empty or unreadable (write-only,
    /// non-regular) file. Reads backwards from the end until it has the whole last line.
    static func lastHash(descriptor: Int32, path: String) throws(AuditFileError) -> String? {
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG, status.st_size > 0 else { return nil }
        let size = Int(status.st_size)
        var tail: [UInt8] = []
        var start = size
        let chunk = 1 << 16
        while start > 0 {
            let from = max(0, start - chunk)
            var part = [UInt8](repeating: 0, count: start - from)
            let count = part.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(from)) }
            guard count == part.count else {
                if count < 0 && Glibc.errno == EBADF { return nil }  // opened write-only
                throw AuditFileError(path: path, message: "cannot read its last record", errno: count < 0 ? Glibc.errno : nil)
            }
            tail = part + tail
            start = from
            if tail.count > 1, tail.dropLast().contains(UInt8(ascii: "\n")) { break }
        }
        guard tail.last == UInt8(ascii: "\n") else {
            throw AuditFileError(path: path, message: "ends with an incomplete line; check it with `switchyard audit verify` and rotate it")
        }
        let body = tail.dropLast()
        let lineStart = body.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? body.startIndex
        guard let hash = AuditSchema.trailingHash(of: body[lineStart...]) else {
            throw AuditFileError(path: path, message: "does not end with a \(AuditSchema.v1) record (an older log?); rotate it and start a new one")
        }
        return hash
    }
}
