#if canImport(Glibc)
import Glibc
#endif
import Switchyard
import Synchronization

/// The first SIGTERM or SIGINT received, or 0. Set by the signal handler, read by the read loop.
let receivedSignal = Atomic<Int32>(0)

/// Set by SIGHUP: the audit file is reopened before its next write (log rotation).
let reopenRequested = Atomic<Bool>(false)

/// Set by SIGHUP: `route` reloads its rule pack and policy before its next batch.
let reloadRequested = Atomic<Bool>(false)

/// Raw stdin/stdout for the JSONL streams: `read(2)` and `write(2)` loops, so output appears as soon
/// as each chunk of input is processed, a closed stdout is noticed (EPIPE) instead of killing the
/// process, and SIGTERM/SIGINT stop reading without losing lines already read.
enum StandardStreams {
    /// Ignores SIGPIPE (writes then fail with EPIPE) and installs the drain handler for SIGTERM and
    /// SIGINT: the first signal stops reading; a second one exits at once with 128 + signal.
    static func installSignalHandlers() {
        signal(SIGPIPE, SIG_IGN)
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { signalNumber in
            let (exchanged, _) = receivedSignal.compareExchange(expected: 0, desired: signalNumber, ordering: .relaxed)
            if !exchanged { _exit(128 + signalNumber) }
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0  // no SA_RESTART: a blocked read(2) returns EINTR so the loop can stop.
        sigaction(SIGTERM, &action, nil)
        sigaction(SIGINT, &action, nil)
    }

    /// Makes SIGHUP ask for a reload of the pack and policy and a reopening of the audit file,
    /// instead of ending the process.
    static func installHangupHandler() {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            reopenRequested.store(true, ordering: .relaxed)
            reloadRequested.store(true, ordering: .relaxed)
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(SIGHUP, &action, nil)
    }

    /// Why output stopped.
    enum WriteFailure: Error {
        /// stdout was closed by the reader (EPIPE).
        case closed
        /// Another write error.
        case failed(errno: Int32)
    }

    /// Writes all of `bytes` to `descriptor` (default stdout), retrying partial writes and EINTR.
    static func write(_ bytes: [UInt8], to descriptor: Int32 = 1) throws(WriteFailure) {
        var failure: WriteFailure?
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                // SAFETY: offset < buffer.count, so the pointer and remaining length stay inside `buffer`.
                let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written >= 0 {
                    offset += written
                } else if errno == EINTR {
                    continue
                } else {
                    failure = errno == EPIPE ? .closed : .failed(errno: errno)
                    return
                }
            }
        }
        if let failure { throw failure }
    }

    /// Reads stdin in chunks of up to `chunkSize` bytes, calling `body` for each, until EOF or a
    /// termination signal. Returns normally in both cases (`receivedSignal` tells which), or the
    /// errno of a failed read.
    static func readChunks(chunkSize: Int = 1 << 16, midLine: () -> Bool = { false }, _ body: (UnsafeRawBufferPointer) throws -> Void) rethrows -> Int32? {
        try readChunks(chunkSize: chunkSize, waitMilliseconds: { nil }, midLine: midLine) { chunk in
            if let chunk { try body(chunk) }
        }
    }

    /// After a termination signal, a line still half read (its end did not come within
    /// `drainMilliseconds`) was never received whole: it is dropped with a warning instead of
    /// being answered as a truncated final line. Returns whether it was.
    static func dropsHalfReadLine(_ framer: LineFramer) -> Bool {
        guard receivedSignal.load(ordering: .relaxed) != 0, framer.bufferedByteCount > 0 else { return false }
        standardError("switchyard: stopped by a signal with a line half read; its \(framer.bufferedByteCount) bytes were dropped")
        return true
    }

    /// Whole milliseconds from now until `deadline`, 0 once it has passed.
    static func milliseconds(until deadline: ContinuousClock.Instant) -> Int {
        let left = (deadline - .now).components
        return max(0, Int(left.seconds) * 1_000 + Int(left.attoseconds / 1_000_000_000_000_000))
    }

    /// After a termination signal, how long reading goes on to finish a line that was half read.
    static let drainMilliseconds = 2_000

    /// Reads stdin as above; when `waitMilliseconds()` returns a value, waits at most that long for
    /// input and calls `body(nil)` if none came (so a caller can send a partial batch). When a
    /// signal arrives while `midLine()` (a line is half read), reading goes on for at most
    /// `drainMilliseconds` so that line can be finished; the caller drops it if it was not.
    static func readChunks(chunkSize: Int = 1 << 16, waitMilliseconds: () -> Int?, midLine: () -> Bool = { false },
                           _ body: (UnsafeRawBufferPointer?) throws -> Void) rethrows -> Int32? {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        var drainDeadline: ContinuousClock.Instant? = nil
        while true {
            if receivedSignal.load(ordering: .relaxed) != 0 {
                guard midLine() else { return nil }
                let deadline = drainDeadline ?? .now + .milliseconds(drainMilliseconds)
                drainDeadline = deadline
                let milliseconds = milliseconds(until: deadline)
                guard milliseconds > 0 else { return nil }
                var descriptor = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
                let ready = poll(&descriptor, 1, Int32(clamping: milliseconds))
                if ready == 0 { return nil }
                if ready < 0 && errno == EINTR { continue }
            } else if let wait = waitMilliseconds() {
                var descriptor = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
                let ready = poll(&descriptor, 1, Int32(clamping: wait))
                if ready == 0 {
                    try body(nil)
                    continue
                }
                if ready < 0 && errno == EINTR { continue }
            }
            let count = read(0, buffer.baseAddress, chunkSize)
            if count > 0 {
                try body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            } else if count == 0 {
                return nil
            } else if errno != EINTR {
                return errno
            }
        }
    }
}
