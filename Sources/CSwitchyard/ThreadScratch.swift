#if canImport(Glibc)
import Glibc
#endif
import Switchyard
import SwitchyardMatching

/// One scratch per thread for one classifier, found without locks: a pthread key per handle
/// holds the calling thread's scratch. Creating a thread's scratch (once) takes a lock to record
/// it, so that closing the handle can free every thread's scratch; a thread that exits frees its
/// own (the key's destructor), so a gateway whose threads come and go does not pile them up.
final class ThreadScratch: Sendable {
    private let classifier: Classifier
    private let key: pthread_key_t
    /// Every live thread's scratch, by its entry's identity.
    private let all = Locked<[ObjectIdentifier: Entry]>([:])

    /// What the key holds for one thread: its scratch and the handle that owns it.
    private final class Entry: Sendable {
        let scratch: ClassificationScratch
        // SAFETY: the handle outlives every entry the key can hand to the destructor: closing the
        // handle deletes the key first, after which no destructor for it runs.
        unowned(unsafe) let owner: ThreadScratch

        init(scratch: ClassificationScratch, owner: ThreadScratch) {
            self.scratch = scratch
            self.owner = owner
        }
    }

    init?(classifier: Classifier) {
        self.classifier = classifier
        var key = pthread_key_t()
        let created = pthread_key_create(&key) { pointer in
            // A thread with a scratch exits: forget (and so free) its scratch.
            guard let pointer else { return }
            // SAFETY: the key only ever holds an unretained entry kept alive by its owner's `all`.
            let entry = Unmanaged<Entry>.fromOpaque(pointer).takeUnretainedValue()
            entry.owner.forget(entry)
        }
        guard created == 0 else { return nil }
        self.key = key
    }

    deinit {
        pthread_key_delete(key)
    }

    /// The calling thread's scratch, made on its first call.
    func current() -> ClassificationScratch {
        if let stored = pthread_getspecific(key) {
            // SAFETY: the key only ever holds an unretained entry kept alive by `all`.
            return Unmanaged<Entry>.fromOpaque(stored).takeUnretainedValue().scratch
        }
        let entry = Entry(scratch: classifier.makeScratch(), owner: self)
        all.withLock { $0[ObjectIdentifier(entry)] = entry }
        pthread_setspecific(key, Unmanaged.passUnretained(entry).toOpaque())
        return entry.scratch
    }

    /// How many threads hold a scratch of this handle.
    var liveScratches: Int { all.withLock { $0.count } }

    private func forget(_ entry: Entry) {
        _ = all.withLock { $0.removeValue(forKey: ObjectIdentifier(entry)) }
    }
}
