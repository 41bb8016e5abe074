#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// A value behind a pthread mutex, for the few places that share mutable state across threads
/// (scratch pools, a service's current engine, metric handles).
///
/// The standard library's `Synchronization.Mutex` would do, but on Linux it waits on a futex
/// that ThreadSanitizer cannot see, so every access under it is reported as a race in an
/// unoptimised build and `make sanitize` could not tell a real race from that noise. A pthread
/// mutex is one ThreadSanitizer understands.
package final class Locked<Value: Sendable>: @unchecked Sendable {
    // SAFETY (Sendable): `value` is read and written only between `pthread_mutex_lock` and
    // `pthread_mutex_unlock` on `mutex`, which lives (at a stable address) as long as `self`.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    package init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with the value, holding the lock.
    @inline(__always)
    package func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
