#if canImport(Glibc)
import Glibc
#endif
import Crypto
import SwitchyardRouting
import SwitchyardRules

/// The audit log's format, version 1: one JSON object per line, one line per decision, chained by
/// SHA-256 so that an edited, removed, inserted or reordered record is detected (`AuditVerifier`).
///
/// **Canonical bytes and the chain.** A record line is compact JSON (no whitespace) whose last two
/// members are `"prev"` and `"hash"`, in that order, each 64 lowercase hex digits. Its canonical
/// bytes are the line without its newline and without its final member `,"hash":"<64 hex>"`, i.e.
/// the line's bytes minus its last 75 bytes, followed by `}`. Then
/// `hash = SHA-256(prev as 64 ASCII hex digits ‖ canonical bytes)`, written as lowercase hex, and
/// each record's `prev` is the `hash` of the record before it: 64 zeros (`genesis`) for the first
/// record of a log, or the last hash of the file (or of the previous file, after rotation) that it
/// continues. The writer is the authority on the bytes: a record re-serialised by another tool
/// no longer verifies, which is the point.
public enum AuditSchema {
    /// The `schema` member of every v1 record.
    public static let v1 = "switchyard.audit/1"
    /// The `prev` of the first record of a chain.
    public static let genesis = String(repeating: "0", count: 64)
    /// `,"hash":"` + 64 hex digits + `"}`: the bytes removed from a line to get its canonical bytes
    /// (then `}` is put back).
    static let hashMemberLength = 9 + 64 + 2
    static let hashMemberPrefix = Array(#","hash":""#.utf8)

    /// `hash` for a record whose `prev` is `previous` and whose canonical bytes are `canonical`.
    package static func chainHash(previous: String, canonical: some Sequence<UInt8>) -> String {
        var hasher = SHA256()
        hasher.update(data: Array(previous.utf8))
        hasher.update(data: Array(canonical))
        return PackDigest.lowercaseHex(hasher.finalize())
    }

    /// Lowercase hex of the SHA-256 of `bytes` (the audit record's `text_sha256`).
    package static func sha256Hex(_ bytes: some Sequence<UInt8>) -> String {
        PackDigest.lowercaseHex(SHA256.hash(data: Array(bytes)))
    }

    /// Whether `bytes` are exactly 64 lowercase hex digits.
    package static func isHash(_ bytes: some Collection<UInt8>) -> Bool {
        bytes.count == 64 && bytes.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// The `hash` at the end of a record line (without its newline), if the line ends the way a v1
    /// record does.
    package static func trailingHash(of line: ArraySlice<UInt8>) -> String? {
        guard line.count > hashMemberLength, line.last == UInt8(ascii: "}") else { return nil }
        let member = line.suffix(hashMemberLength)
        guard member.starts(with: hashMemberPrefix) else { return nil }
        let digits = member.dropFirst(hashMemberPrefix.count).prefix(64)
        guard isHash(digits), member.suffix(2).elementsEqual(Array(#""}"#.utf8)) else { return nil }
        return String(decoding: digits, as: UTF8.self)
    }

    /// The canonical bytes of a record line (without its newline) that ends with a hash member.
    package static func canonicalBytes(of line: ArraySlice<UInt8>) -> [UInt8] {
        Array(line.dropLast(hashMemberLength)) + [UInt8(ascii: "}")]
    }
}

/// The hash chain's running state: turns record bodies into sealed lines.
public struct AuditChain: Sendable {
    /// The hash of the last record sealed (the next record's `prev`).
    public private(set) var head: String
    /// Records sealed by this chain value.
    public private(set) var count = 0

    /// A chain continuing from `previous` (`AuditSchema.genesis` for a new log).
    public init(previous: String = AuditSchema.genesis) {
        head = previous
    }

    /// Seals a record body (a JSON object without its closing `}`, as `AuditRecordRenderer`
    /// writes it): appends `"prev"` and `"hash"` and a newline, and advances the chain.
    public mutating func seal(_ body: [UInt8]) -> [UInt8] {
        var line = body
        line.reserveCapacity(body.count + 160)
        line.append(contentsOf: #","prev":""#.utf8)
        line.append(contentsOf: head.utf8)
        line.append(UInt8(ascii: "\""))
        line.append(UInt8(ascii: "}"))
        let hash = AuditSchema.chainHash(previous: head, canonical: line)
        line.removeLast()
        line.append(contentsOf: AuditSchema.hashMemberPrefix)
        line.append(contentsOf: hash.utf8)
        line.append(contentsOf: "\"}\n".utf8)
        head = hash
        count += 1
        return line
    }
}

/// RFC 3339 UTC timestamps with milliseconds (`2026-12-03T16:27:25.123Z`), one per audit record.
package enum AuditClock {
    package static func now() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return format(seconds: Int(spec.tv_sec), milliseconds: Int(spec.tv_nsec / 1_000_000))
    }

    /// `seconds` since the epoch (UTC) and a millisecond part as RFC 3339.
    package static func format(seconds: Int, milliseconds: Int = 0) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))T"
            + "\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2)).\(pad(milliseconds, 3))Z"
    }

    /// Parses an RFC 3339 date-time (`2026-12-03T16:27:25Z`, fractional seconds and `±hh:mm`
    /// offsets allowed; a bare date means its midnight UTC) into seconds since the epoch.
    package static func parse(_ text: String) -> Double? {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[range] {
                guard byte >= 0x30 && byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard let year = number(0..<4), bytes.count >= 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              let month = number(5..<7), let day = number(8..<10), (1...12).contains(month), (1...31).contains(day) else { return nil }
        // Days from the civil date (Howard Hinnant's algorithm).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        var seconds = Double((era * 146_097 + dayOfEra - 719_468) * 86_400)
        if bytes.count == 10 { return seconds }
        guard bytes.count >= 20, bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t") || bytes[10] == UInt8(ascii: " "),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"), hour < 24, minute < 60, second <= 60 else { return nil }
        seconds += Double(hour * 3600 + minute * 60 + second)
        var index = 19
        if bytes[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            let start = index
            while index < bytes.count, bytes[index] >= 0x30 && bytes[index] <= 0x39 {
                seconds += Double(bytes[index] - 0x30) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        guard index < bytes.count else { return nil }
        switch bytes[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            return index + 1 == bytes.count ? seconds : nil
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard bytes.count == index + 6, bytes[index + 3] == UInt8(ascii: ":"),
                  let hours = number(index + 1..<index + 3), let minutes = number(index + 4..<index + 6) else { return nil }
            let offset = Double(hours * 3600 + minutes * 60)
            return bytes[index] == UInt8(ascii: "+") ? seconds - offset : seconds + offset
        default:
            return nil
        }
    }
}

/// The default `instance` of audit records: `hostname:pid`.
public enum AuditInstance {
    public static var current: String {
        var name = [CChar](repeating: 0, count: 256)
        let host = gethostname(&name, name.count - 1) == 0 ? String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "unknown-host"
        return "\(host):\(getpid())"
    }
}
