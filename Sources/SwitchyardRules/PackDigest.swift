import Crypto

/// SHA-256 (swift-crypto), used for rule-pack and policy versions. Not on the per-request
/// classification path.
package enum PackDigest {
    /// The 32-byte SHA-256 digest of `bytes`.
    /// - Complexity: O(n).
    package static func sha256<Bytes: Collection>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        Array(SHA256.hash(data: Array(bytes)))
    }

    /// Lowercase hex of the SHA-256 of `bytes`, cut to `length` characters (at most 64).
    package static func hex<Bytes: Collection>(of bytes: Bytes, length: Int = 64) -> String where Bytes.Element == UInt8 {
        String(lowercaseHex(sha256(bytes)).prefix(length))
    }

    /// Lowercase hex of `bytes` (a digest: the audit chain's hashes use it too).
    package static func lowercaseHex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
