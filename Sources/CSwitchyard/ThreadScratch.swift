#if canImport(Glibc)
import Glibc
#endif
import Switchyard
import Synchronization

/// One scratch per thread for one classifier, found without locks: a pthread key per handle
/// holds the calling thread's scratch. Creating a thread's scratch (once) takes a lock to record
/// it, so that closing the handle can free every thread's scratch.
final class ThreadScratch: Sendable {
    private let classifier: Classifier
    private let key: pthread_key_t
    private let all = Mutex<[ClassificationScratch]>([])

    init?(classifier: Classifier) {
        self.classifier = classifier
        var key = pthread_key_t()
        guard pthread_key_create(&key, nil) == 0 else { return nil }
        self.key = key
    }

    deinit {
        pthread_key_delete(key)
    }

    /// The calling thread's scratch, made on its first call.
    func current() -> ClassificationScratch {
        if let stored = pthread_getspecific(key) {
            // SAFETY: the key only ever holds an unretained reference to a scratch kept alive by `all`.
            return Unmanaged<ClassificationScratch>.fromOpaque(stored).takeUnretainedValue()
        }
        let scratch = classifier.makeScratch()
        all.withLock { $0.append(scratch) }
        pthread_setspecific(key, Unmanaged.passUnretained(scratch).toOpaque())
        return scratch
    }
}
