/// Reusable room for the match states that `KeywordAutomaton.scan(_:into:events:)` records
/// before it reports them: one region per lane, each event the premultiplied state in the low
/// half and the match's end offset in the high half.
///
/// The scan asks for room one round of steps at a time, since every step writes a slot (it moves
/// on only in a match state). The regions grow, keeping what they hold, only when a round might
/// not fit: once a thread's scratch has seen a text with that many matches, scans do not allocate.
/// Owned by one thread at a time, like the rest of a classification scratch.
public final class AutomatonEvents {
    /// Segments a long text is scanned in, stepped together.
    public static let lanes = 4
    /// Steps between two checks for room.
    @usableFromInline static let roundSteps = 512

    @usableFromInline var storage: UnsafeMutablePointer<UInt64>
    @usableFromInline var laneCapacity: Int
    /// Events recorded per lane.
    @usableFromInline let used: UnsafeMutablePointer<Int>

    /// Room for `laneCapacity` events in each lane.
    public init(laneCapacity: Int = 2 * AutomatonEvents.roundSteps) {
        self.laneCapacity = max(laneCapacity, Self.roundSteps)
        storage = .allocate(capacity: self.laneCapacity * Self.lanes)
        used = .allocate(capacity: Self.lanes)
        used.initialize(repeating: 0, count: Self.lanes)
    }

    deinit {
        storage.deallocate()
        used.deallocate()
    }

    /// Forgets every recorded event.
    @inlinable
    func reset() {
        for lane in 0..<Self.lanes { used[lane] = 0 }
    }

    /// The write positions of the four lanes, each with room for `steps` more events.
    @inlinable
    func room(for steps: Int) -> (UnsafeMutablePointer<UInt64>, UnsafeMutablePointer<UInt64>, UnsafeMutablePointer<UInt64>, UnsafeMutablePointer<UInt64>) {
        let needed = max(max(used[0], used[1]), max(used[2], used[3])) + steps  // two-argument max: the variadic one builds an array
        if needed > laneCapacity { grow(to: needed) }
        // SAFETY: lane k's region is `storage + k * laneCapacity ..< storage + (k + 1) * laneCapacity`
        // and `used[k] + steps <= laneCapacity`.
        return (storage + used[0], storage + laneCapacity + used[1], storage + 2 * laneCapacity + used[2], storage + 3 * laneCapacity + used[3])
    }

    /// Records where the four lanes' writing stopped (positions from `room(for:)`, moved on).
    @inlinable
    func wrote(_ positions: (UnsafeMutablePointer<UInt64>, UnsafeMutablePointer<UInt64>, UnsafeMutablePointer<UInt64>, UnsafeMutablePointer<UInt64>)) {
        used[0] = positions.0 - storage
        used[1] = positions.1 - (storage + laneCapacity)
        used[2] = positions.2 - (storage + 2 * laneCapacity)
        used[3] = positions.3 - (storage + 3 * laneCapacity)
    }

    /// The write position of `lane`, with room for `steps` more events.
    @inlinable
    func room(_ lane: Int, for steps: Int) -> UnsafeMutablePointer<UInt64> {
        if used[lane] + steps > laneCapacity { grow(to: used[lane] + steps) }
        return storage + lane * laneCapacity + used[lane]
    }

    /// Records where `lane`'s writing stopped.
    @inlinable
    func wrote(_ lane: Int, _ position: UnsafeMutablePointer<UInt64>) {
        used[lane] = position - (storage + lane * laneCapacity)
    }

    /// The events `lane` recorded, in the order it saw them.
    @inlinable
    func recorded(_ lane: Int) -> UnsafeBufferPointer<UInt64> {
        UnsafeBufferPointer(start: storage + lane * laneCapacity, count: used[lane])
    }

    /// Regions of at least `needed` events each (at least doubling), keeping every lane's events.
    @usableFromInline
    func grow(to needed: Int) {
        let capacity = max(needed, 2 * laneCapacity)
        let larger = UnsafeMutablePointer<UInt64>.allocate(capacity: capacity * Self.lanes)
        for lane in 0..<Self.lanes {
            // SAFETY: `used[lane] <= laneCapacity <= capacity`, inside both regions.
            (larger + lane * capacity).update(from: storage + lane * laneCapacity, count: used[lane])
        }
        storage.deallocate()
        storage = larger
        laneCapacity = capacity
    }
}
