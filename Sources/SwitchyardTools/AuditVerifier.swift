import Switchyard
import SwitchyardRouting

/// Checks audit logs line by line: each record parses, is schema v1, carries the previous
/// record's hash as `prev`, and its `hash` recomputes over its canonical bytes (`AuditSchema`).
/// An edited record fails its own hash; a removed, inserted or reordered one breaks the `prev` link
/// of the record after it; a file cut mid-line fails on its last line. Records cut off the end of
/// a log leave a valid shorter chain: compare the head with one kept elsewhere (`expectedHead`).
package struct AuditVerifier: Sendable {
    /// The first failure: where and why.
    package struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        package var file: String
        package var line: Int
        package var reason: String
        package var description: String { "\(file):\(line): \(reason)" }
    }

    /// The `prev` the next record must carry.
    package private(set) var head: String
    /// Records verified so far.
    package private(set) var count = 0

    /// A verifier expecting the first record to continue from `previous` (genesis by default).
    package init(previous: String = AuditSchema.genesis) {
        head = previous
    }

    /// Verifies the whole contents of one file, continuing the chain from earlier files.
    package mutating func verify(contents: [UInt8], file: String) throws(Failure) {
        if contents.isEmpty { return }
        var lineNumber = 0
        var start = 0
        while start < contents.count {
            lineNumber += 1
            guard let end = contents[start...].firstIndex(of: UInt8(ascii: "\n")) else {
                throw Failure(file: file, line: lineNumber, reason: "truncated: the last line has no newline (the file was cut or a write was interrupted)")
            }
            if let reason = check(line: contents[start..<end]) { throw Failure(file: file, line: lineNumber, reason: reason) }
            start = end + 1
        }
    }

    /// Checks one record line (without its newline) and advances the chain; the reason it fails,
    /// or nil.
    package mutating func check(line: ArraySlice<UInt8>) -> String? {
        if line.isEmpty { return "empty line" }
        let value: JSONValue
        do { value = try StrictJSON.parse(Array(line)) } catch { return "not valid JSON (\(error.description))" }
        guard let object = value.objectValue else { return "not a JSON object" }
        guard let schema = object["schema"]?.stringValue else { return "no schema member" }
        guard schema == AuditSchema.v1 else { return "schema is \"\(schema)\", expected \"\(AuditSchema.v1)\"" }
        guard object["event"]?.stringValue != nil else { return "no event member" }
        guard let prev = object["prev"]?.stringValue, AuditSchema.isHash(prev.utf8) else { return "no prev member of 64 lowercase hex digits" }
        guard let stored = AuditSchema.trailingHash(of: line), object["hash"]?.stringValue == stored,
              object.keys.suffix(2) == ["prev", "hash"] else {
            return "the record does not end with \"prev\" and \"hash\" members of 64 lowercase hex digits"
        }
        guard prev == head else {
            if count == 0 && head == AuditSchema.genesis {
                return "prev \(prev.prefix(12))… is not the genesis hash: records before this one are missing (for a rotated file, give the previous file too, or --from its last hash)"
            }
            return "prev \(prev.prefix(12))… is not the hash of the record before it (\(head.prefix(12))…): a record was removed, inserted or reordered here"
        }
        let recomputed = AuditSchema.chainHash(previous: prev, canonical: AuditSchema.canonicalBytes(of: line))
        guard recomputed == stored else { return "hash does not match the record's contents: the record was edited" }
        head = stored
        count += 1
        return nil
    }
}
