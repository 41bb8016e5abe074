#if canImport(Glibc)
import Glibc
#endif
import CHeap
import Foundation

/// Monotonic time in nanoseconds.
public enum Clock {
    @inline(__always)
    public static func now() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
    }

    public static func seconds(since start: UInt64) -> Double { Double(now() - start) / 1e9 }
}

/// Nanosecond samples and their percentiles.
public struct Samples {
    public var values: [UInt64] = []
    public init() {}
    public mutating func add(_ value: UInt64) { values.append(value) }
    public var count: Int { values.count }

    /// Nearest-rank percentile (`p` in 0...1); nil without samples.
    public func percentile(_ p: Double) -> UInt64? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let rank = Int((p * Double(sorted.count)).rounded(.up)) - 1
        return sorted[max(0, min(sorted.count - 1, rank))]
    }

    /// The percentile only when there are enough samples for it to mean something (`1/(1-p)` × 10).
    public func reliablePercentile(_ p: Double) -> UInt64? {
        count >= Int(10 / (1 - p)) ? percentile(p) : nil
    }

    public var median: UInt64? { percentile(0.5) }
}

/// Process-level facts for reports.
public enum Machine {
    /// Peak resident set size of this process, bytes (getrusage ru_maxrss).
    public static var peakResidentBytes: Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss) * 1024
    }

    /// CPU seconds (user + system) this process has used, all threads.
    public static var cpuSeconds: Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    /// Current resident set size, bytes (/proc/self/statm).
    public static var residentBytes: Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    public static var cpuModel: String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            return line.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown"
        }
        return "unknown"
    }

    public static var cores: Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

    public static var loadAverage: String {
        (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
    }
}

/// Human-readable figures.
public enum Format {
    public static func duration(_ nanoseconds: UInt64?) -> String {
        guard let nanoseconds else { return "—" }
        let ns = Double(nanoseconds)
        switch ns {
        case ..<1_000: return String(format: "%.0f ns", ns)
        case ..<10_000: return String(format: "%.2f µs", ns / 1e3)
        case ..<1_000_000: return String(format: "%.1f µs", ns / 1e3)
        case ..<1_000_000_000: return String(format: "%.2f ms", ns / 1e6)
        default: return String(format: "%.2f s", ns / 1e9)
        }
    }

    public static func rate(_ value: Double) -> String {
        switch value {
        case ..<10: return String(format: "%.2f", value)
        case ..<100: return String(format: "%.1f", value)
        case ..<10_000: return String(format: "%.0f", value)
        case ..<1_000_000: return String(format: "%.0f k", value / 1e3)
        default: return String(format: "%.2f M", value / 1e6)
        }
    }

    public static func ratio(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "—" }
        return value >= 10 ? String(format: "%.0f×", value) : value >= 0.1 ? String(format: "%.2f×", value) : String(format: "%.3f×", value)
    }

    public static func bytes(_ value: Int) -> String {
        switch value {
        case ..<1024: return "\(value) B"
        case ..<(1 << 20): return String(format: "%.1f KiB", Double(value) / 1024)
        default: return String(format: "%.1f MiB", Double(value) / 1048576)
        }
    }

    public static func size(_ bytes: Int) -> String {
        switch bytes {
        case ..<1024: return "\(bytes) B"
        case ..<(1 << 20): return "\(bytes / 1024) KB"
        default: return "\(bytes >> 20) MiB"
        }
    }
}

extension Machine {
    /// Heap bytes in use (glibc mallinfo2: arena plus mmapped blocks).
    public static var heapInUse: Int { Int(cheap_in_use()) }

    /// Heap bytes `make` leaves allocated while its result is alive, and the result.
    public static func retainedHeap<T>(_ make: () throws -> T) rethrows -> (value: T, bytes: Int) {
        let before = heapInUse
        let value = try make()
        return (value, heapInUse - before)
    }
}
