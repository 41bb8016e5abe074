import Switchyard
import SwitchyardRouting

/// The report as a STIX 2.1 bundle, for information-sharing programmes:
/// - an `identity` (class `system`) for Switchyard, the producer of everything else;
/// - an `identity` per organisation (`organization`) and per user (`individual`), and a
///   `user-account` observable per user; a `related-to` relationship from each user to its
///   organisation ("member of");
/// - per user and category with decisions: an `observed-data` (first and last seen, number of
///   decisions, the user's account) related to the user, and, when the decisions carry text
///   hashes, an `indicator` matching those SHA-256 hashes (`artifact:hashes.'SHA-256'`), `based-on`
///   the observed data;
/// - a `report` referring to all of the above.
/// Ids are derived from SHA-256 of what they stand for (RFC 4122 variant, version 4 layout), so the
/// same log gives the same ids, and sharing twice updates rather than duplicates.
extension AuditReport {
    package func stix(generated: String = AuditClock.now()) -> String {
        var bundle = STIXObjects(generated: generated)
        func add(_ id: String, _ build: (inout JSONWriter) -> Void) { bundle.add(id, build) }
        func common(_ writer: inout JSONWriter, type: String, id: String) { STIXObjects.common(&writer, type: type, id: id, generated: generated) }
        func member(_ writer: inout JSONWriter, _ key: String, _ value: String) {
            writer.key(key)
            writer.string(value)
        }
        func relationship(source: String, type: String, target: String, description: String?) {
            bundle.relationship(producer: Self.stixID("identity", "producer"), source: source, type: type, target: target, description: description)
        }

        let producer = Self.stixID("identity", "producer")
        add(producer) { writer in
            common(&writer, type: "identity", id: producer)
            member(&writer, "name", "Switchyard")
            member(&writer, "description", "Classifier and router of requests to AI models for offensive-cyber content; the source of these observations.")
            member(&writer, "identity_class", "system")
            writer.endObject()
        }
        var orgIDs: [String: String] = [:]
        for org in orgs.keys.sorted() where org != "(no org)" {
            let id = Self.stixID("identity", "org\0" + org)
            orgIDs[org] = id
            add(id) { writer in
                common(&writer, type: "identity", id: id)
                member(&writer, "created_by_ref", producer)
                member(&writer, "name", org)
                member(&writer, "identity_class", "organization")
                writer.endObject()
            }
        }
        // Decisions without a user id are in the report's totals but name no one to share.
        for user in users.values.sorted(by: { $0.user < $1.user }) where user.user != "(no user)" {
            let identity = Self.stixID("identity", "user\0" + user.user)
            add(identity) { writer in
                common(&writer, type: "identity", id: identity)
                member(&writer, "created_by_ref", producer)
                member(&writer, "name", user.user)
                member(&writer, "identity_class", "individual")
                writer.endObject()
            }
            let account = Self.stixID("user-account", "user\0" + user.user)
            add(account) { writer in
                writer.beginObject()
                member(&writer, "type", "user-account")
                member(&writer, "spec_version", "2.1")
                member(&writer, "id", account)
                member(&writer, "user_id", user.user)
                writer.endObject()
            }
            if let org = user.org, let orgID = orgIDs[org] {
                relationship(source: identity, type: "related-to", target: orgID,
                             description: "\(user.user) is a member of \(org)")
            }
            for (category, activity) in user.counts.categories.sorted(by: { $0.key < $1.key }) {
                let observed = Self.stixID("observed-data", "user\0\(user.user)\0\(category)")
                add(observed) { writer in
                    common(&writer, type: "observed-data", id: observed)
                    member(&writer, "created_by_ref", producer)
                    member(&writer, "first_observed", activity.firstSeen)
                    member(&writer, "last_observed", activity.lastSeen)
                    writer.key("number_observed")
                    writer.int(activity.decisions)
                    writer.key("object_refs")
                    writer.beginArray()
                    writer.string(account)
                    writer.endArray()
                    writer.key("labels")
                    writer.beginArray()
                    writer.string(category)
                    writer.endArray()
                    writer.endObject()
                }
                relationship(source: observed, type: "related-to", target: identity,
                             description: "\(activity.decisions) requests from \(user.user) classified as \(category)")
                guard !activity.exampleHashes.isEmpty else { continue }
                let indicator = Self.stixID("indicator", "user\0\(user.user)\0\(category)")
                add(indicator) { writer in
                    common(&writer, type: "indicator", id: indicator)
                    member(&writer, "created_by_ref", producer)
                    member(&writer, "name", "\(category) requests from \(user.user)")
                    member(&writer, "description", "SHA-256 of request texts that Switchyard classified as \(category) (the texts themselves are not shared).")
                    writer.key("indicator_types")
                    writer.beginArray()
                    writer.string("malicious-activity")
                    writer.endArray()
                    member(&writer, "pattern", activity.exampleHashes.map { "[artifact:hashes.'SHA-256' = '\($0)']" }.joined(separator: " OR "))
                    member(&writer, "pattern_type", "stix")
                    member(&writer, "valid_from", activity.firstSeen)
                    writer.key("labels")
                    writer.beginArray()
                    writer.string(category)
                    writer.endArray()
                    writer.endObject()
                }
                relationship(source: indicator, type: "based-on", target: observed,
                             description: nil)
            }
        }
        let reportID = Self.stixID("report", "report\0" + files.joined(separator: "\0") + "\0\(since ?? 0)")
        let referenced = bundle.ids
        add(reportID) { writer in
            common(&writer, type: "report", id: reportID)
            member(&writer, "created_by_ref", producer)
            member(&writer, "name", "Switchyard audit report")
            member(&writer, "description", "\(records) decisions, \(fleet.risky) risky, from \(users.count) users in \(orgs.count) organisations"
                   + (fleet.firstSeen.isEmpty ? "." : ", \(fleet.firstSeen) to \(fleet.lastSeen)."))
            writer.key("report_types")
            writer.beginArray()
            writer.string("observed-data")
            writer.string("indicator")
            writer.endArray()
            member(&writer, "published", generated)
            writer.key("object_refs")
            writer.beginArray()
            for id in referenced { writer.string(id) }
            writer.endArray()
            writer.endObject()
        }

        var out = "{\"type\":\"bundle\",\"id\":\"\(Self.stixID("bundle", "bundle\0" + generated + "\0" + files.joined(separator: "\0")))\",\"objects\":[\n"
        out += bundle.objects.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ",\n")
        return out + "\n]}\n"
    }

    /// `type--uuid`, the UUID taken from the SHA-256 of `type` and `key`.
    static func stixID(_ type: String, _ key: String) -> String {
        var bytes = Array(AuditSchema.sha256Hex(Array("switchyard.stix\0\(type)\0\(key)".utf8)).utf8.prefix(32))
        bytes[12] = UInt8(ascii: "4")  // version 4 layout
        let variant = "89ab".utf8.map { $0 }
        bytes[16] = variant[Int(bytes[16] % 4)]  // RFC 4122 variant (10xx)
        let hex = String(decoding: bytes, as: UTF8.self)
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        return type + "--" + parts.joined(separator: "-")
    }
}

/// The objects of a STIX bundle being built, in order.
private struct STIXObjects {
    let generated: String
    var objects: [[UInt8]] = []
    var ids: [String] = []

    mutating func add(_ id: String, _ build: (inout JSONWriter) -> Void) {
        var writer = JSONWriter(capacity: 512)
        build(&writer)
        objects.append(writer.bytes)
        ids.append(id)
    }

    /// Opens an SDO or SRO with its common properties.
    static func common(_ writer: inout JSONWriter, type: String, id: String, generated: String) {
        writer.beginObject()
        writer.key("type")
        writer.string(type)
        writer.key("spec_version")
        writer.string("2.1")
        writer.key("id")
        writer.string(id)
        writer.key("created")
        writer.string(generated)
        writer.key("modified")
        writer.string(generated)
    }

    mutating func relationship(producer: String, source: String, type: String, target: String, description: String?) {
        let id = AuditReport.stixID("relationship", "\(source)\0\(type)\0\(target)")
        var writer = JSONWriter(capacity: 512)
        Self.common(&writer, type: "relationship", id: id, generated: generated)
        writer.key("created_by_ref")
        writer.string(producer)
        writer.key("relationship_type")
        writer.string(type)
        if let description {
            writer.key("description")
            writer.string(description)
        }
        writer.key("source_ref")
        writer.string(source)
        writer.key("target_ref")
        writer.string(target)
        writer.endObject()
        objects.append(writer.bytes)
        ids.append(id)
    }
}
