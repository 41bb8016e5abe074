// Decodes one request line (without its "\n") into a `ModelRequest`.
//
// Rules:
//  - a leading UTF-8 BOM is stripped (notes .byteOrderMark), then one trailing "\r";
//  - an empty or whitespace-only line → blank_line;
//  - strict JSON errors → their code, message "<what> at byte N" with N counted in the line as given
//    (BOM included);
//  - the top level must be an object → else wrong_type;
//  - `id`: string or number, echoed; `null` counts as absent; other types → wrong_type;
//  - text = join with "\n" of `instructions`, `prompt`, `text`, `input` (a string, or a Responses
//    API array of items: strings, messages with `content`, tool results with `output`) and then the
//    texts of every turn of `messages`, whatever its role (system, developer, user, assistant,
//    tool: the model reads them all, and a client writes its own system prompt). Content is a
//    string, or an array of parts whose `text` strings are taken; parts without text are skipped.
//    Every message must be an object with a string `role`. No text at all → missing_text; "" counts
//    as text;
//  - `model`: string; `user`: object with `id`, `org` (strings), `verified` (bool), `nationality`,
//    `country` (two ASCII letters, uppercased), or a string (OpenAI's end-user id, taken as `id`);
//  - for every optional field `null` means absent; unknown fields are ignored;
//  - every error after the id was read carries the id.

public enum RequestDecoder {
    public static func decode(_ line: UnsafeRawBufferPointer) -> Result<ModelRequest, RequestError> {
        var body = line
        var notes: RequestNotes = []
        var offsetShift = 0
        if body.count >= 3 && body[0] == 0xEF && body[1] == 0xBB && body[2] == 0xBF {
            body = UnsafeRawBufferPointer(rebasing: body[3...])
            notes.insert(.byteOrderMark)
            offsetShift = 3
        }
        if let last = body.last, last == 0x0D {
            body = UnsafeRawBufferPointer(rebasing: body[..<(body.count - 1)])
        }
        if isBlank(body) {
            return .failure(RequestError(code: RequestError.Codes.blankLine, message: "blank line"))
        }

        let root: JSONValue
        do {
            root = try StrictJSON.parse(body)
        } catch {
            let id: RequestID? = switch error.rootID {
            case .string(let text): .string(text)
            case .number(let number): .number(number)
            default: nil
            }
            return .failure(RequestError(code: error.code.rawValue,
                                         message: "\(error.message) at byte \(error.offset + offsetShift)", id: id))
        }
        return decode(root: root, notes: notes)
    }

    /// Convenience for tests and cold paths.
    public static func decode(_ line: [UInt8]) -> Result<ModelRequest, RequestError> {
        line.withUnsafeBytes { decode($0) }
    }

    /// Convenience for tests and cold paths.
    public static func decode(_ line: String) -> Result<ModelRequest, RequestError> {
        decode(Array(line.utf8))
    }

    /// Decodes an already parsed request value.
    package static func decode(root: JSONValue, notes: RequestNotes = []) -> Result<ModelRequest, RequestError> {
        guard case .object(let object) = root else {
            return .failure(wrongType("request must be a JSON object", id: nil))
        }
        var notes = notes

        // One pass over the members picks the known fields (first occurrence; the parser
        // guarantees there is only one).
        var fields = KnownFields()
        for member in object.members {
            fields.take(member.key, member.value)
        }

        // id first, so that every later error can carry it.
        var id: RequestID? = nil
        if let value = fields.id {
            switch value {
            case .string(let s): id = .string(s)
            case .number(let n): id = .number(n)
            case .null: id = nil
            default: return .failure(wrongType("id must be a string or a number", id: nil))
            }
        }

        var pieces: [(role: String, text: String)] = []
        if let error = appendText(fields.instructions, "instructions", to: &pieces, id: id)
            ?? appendText(fields.prompt, "prompt", to: &pieces, id: id)
            ?? appendText(fields.text, "text", to: &pieces, id: id) {
            return .failure(error)
        }
        if case .array(let items)? = fields.input {
            if let error = collectTurnText(items, field: "input", into: &pieces, id: id) { return .failure(error) }
        } else if let error = appendText(fields.input, "input", to: &pieces, id: id) {
            return .failure(error)
        }

        if let value = fields.messages {
            switch value {
            case .null: break
            case .array(let messages):
                if let error = collectTurnText(messages, field: "messages", into: &pieces, id: id) {
                    return .failure(error)
                }
            default:
                return .failure(wrongType("messages must be an array", id: id))
            }
        }

        var model: String? = nil
        if let value = fields.model {
            switch value {
            case .string(let s): model = s
            case .null: break
            default: return .failure(wrongType("model must be a string", id: id))
            }
        }

        var user: CallerIdentity? = nil
        if let value = fields.user {
            switch value {
            case .object(let u):
                switch decodeIdentity(u, id: id) {
                case .success(let identity): user = identity
                case .failure(let error): return .failure(error)
                }
            case .string(let name): user = CallerIdentity(id: name)
            case .null: break
            default: return .failure(wrongType("user must be an object or a string", id: id))
            }
        }

        guard !pieces.isEmpty else {
            return .failure(RequestError(code: RequestError.Codes.missingText,
                                         message: "expected text, prompt, input, instructions or messages", id: id))
        }
        let text = pieces.count == 1 ? pieces[0].text : pieces.map(\.text).joined(separator: "\n")
        if containsControlCharacters(text) {
            notes.insert(.controlCharacters)
        }
        var parts: [TextPart] = []
        parts.reserveCapacity(pieces.count)
        var offset = 0
        for piece in pieces {
            let count = piece.text.utf8.count
            parts.append(TextPart(role: piece.role, range: offset..<offset + count))
            offset += count + 1
        }
        return .success(ModelRequest(id: id, text: text, model: model, user: user, notes: notes, parts: parts))
    }

    /// The top-level members the decoder reads.
    private struct KnownFields {
        var id: JSONValue?
        var prompt: JSONValue?
        var text: JSONValue?
        var input: JSONValue?
        var messages: JSONValue?
        var model: JSONValue?
        var user: JSONValue?
        var instructions: JSONValue?

        mutating func take(_ key: String, _ value: JSONValue) {
            // Dispatch on the length first; then compare exact bytes.
            switch key.utf8.count {
            case 2: if id == nil && utf8Equal(key, "id") { id = value }
            case 4:
                if text == nil && utf8Equal(key, "text") { text = value }
                else if user == nil && utf8Equal(key, "user") { user = value }
            case 5:
                if input == nil && utf8Equal(key, "input") { input = value }
                else if model == nil && utf8Equal(key, "model") { model = value }
            case 6: if prompt == nil && utf8Equal(key, "prompt") { prompt = value }
            case 8: if messages == nil && utf8Equal(key, "messages") { messages = value }
            case 12: if instructions == nil && utf8Equal(key, "instructions") { instructions = value }
            default: break
            }
        }
    }

    // MARK: - Parts

    /// The text of every turn of a chat `messages` array (each must have a string `role`) or a
    /// Responses API `input` array (strings, messages, and tool results with a string `output`).
    private static func collectTurnText(_ turns: [JSONValue], field: String, into pieces: inout [(role: String, text: String)],
                                        id: RequestID?) -> RequestError? {
        let isMessages = field == "messages"
        for (i, item) in turns.enumerated() {
            if !isMessages, case .string(let s) = item {
                pieces.append(("user", s))
                continue
            }
            guard case .object(let turn) = item else {
                return wrongType("\(field)[\(i)] must be an object", id: id)
            }
            let role: String
            switch turn["role"] {
            case .string(let name)?: role = name
            case nil where !isMessages, .null? where !isMessages: role = "tool"
            default: return wrongType("\(field)[\(i)].role must be a string", id: id)
            }
            if !isMessages, case .string(let output)? = turn["output"] { pieces.append(("tool", output)) }
            switch turn["content"] {
            case nil, .null?:
                continue
            case .string(let s)?:
                pieces.append((role, s))
            case .array(let parts)?:
                for (j, part) in parts.enumerated() {
                    guard case .object(let p) = part else {
                        return wrongType("\(field)[\(i)].content[\(j)] must be an object", id: id)
                    }
                    switch p["text"] {
                    case nil, .null?: continue
                    case .string(let s)?: pieces.append((role, s))
                    default: return wrongType("\(field)[\(i)].content[\(j)].text must be a string", id: id)
                    }
                }
            default:
                return wrongType("\(field)[\(i)].content must be a string or an array of parts", id: id)
            }
        }
        return nil
    }

    private static func decodeIdentity(_ u: JSONObject, id: RequestID?) -> Result<CallerIdentity, RequestError> {
        var identity = CallerIdentity()
        var seen: UInt8 = 0   // first occurrence wins, as with the subscript
        for member in u.members {
            let key = member.key, value = member.value
            switch key.utf8.count {
            case 2 where seen & 1 == 0 && utf8Equal(key, "id"):
                seen |= 1
                switch optionalString(value) {
                case .some(let s): identity.id = s
                case .none: return .failure(wrongType("user.id must be a string", id: id))
                }
            case 3 where seen & 2 == 0 && utf8Equal(key, "org"):
                seen |= 2
                switch optionalString(value) {
                case .some(let s): identity.org = s
                case .none: return .failure(wrongType("user.org must be a string", id: id))
                }
            case 8 where seen & 4 == 0 && utf8Equal(key, "verified"):
                seen |= 4
                switch value {
                case .bool(let b): identity.verified = b
                case .null: break
                default: return .failure(wrongType("user.verified must be a boolean", id: id))
                }
            case 11 where seen & 8 == 0 && utf8Equal(key, "nationality"):
                seen |= 8
                switch optionalCountry(value) {
                case .some(let code): identity.nationality = code
                case .none: return .failure(wrongType("user.nationality must be a two-letter country code", id: id))
                }
            case 7 where seen & 16 == 0 && utf8Equal(key, "country"):
                seen |= 16
                switch optionalCountry(value) {
                case .some(let code): identity.country = code
                case .none: return .failure(wrongType("user.country must be a two-letter country code", id: id))
                }
            default:
                break
            }
        }
        return .success(identity)
    }

    /// `.some(string or nil for null)`, or `.none` for the wrong type.
    private static func optionalString(_ value: JSONValue) -> String?? {
        switch value {
        case .string(let s): return .some(s)
        case .null: return .some(nil)
        default: return .none
        }
    }

    /// `.some(code or nil for null)`, or `.none` for the wrong type or a malformed code.
    private static func optionalCountry(_ value: JSONValue) -> String?? {
        switch value {
        case .string(let s):
            guard let code = countryCode(s) else { return .none }
            return .some(code)
        case .null: return .some(nil)
        default: return .none
        }
    }

    /// Appends a text field's string; nil when absent or null; an error for other types.
    private static func appendText(_ value: JSONValue?, _ field: StaticString, to pieces: inout [(role: String, text: String)],
                                   id: RequestID?) -> RequestError? {
        switch value {
        case nil, .null?: return nil
        case .string(let s)?:
            pieces.append(("\(field)", s))
            return nil
        default:
            return wrongType("\(field) must be a string", id: id)
        }
    }

    // MARK: - Helpers

    private static func wrongType(_ message: String, id: RequestID?) -> RequestError {
        RequestError(code: RequestError.Codes.wrongType, message: message, id: id)
    }

    /// Two ASCII letters, uppercased; nil otherwise.
    static func countryCode(_ s: String) -> String? {
        let utf8 = s.utf8
        guard utf8.count == 2 else { return nil }
        var it = utf8.makeIterator()
        guard let a = it.next().flatMap(upperLetter), let b = it.next().flatMap(upperLetter) else { return nil }
        var code = String(Unicode.Scalar(a))
        code.unicodeScalars.append(Unicode.Scalar(b))
        return code
    }

    private static func upperLetter(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return b
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return b &- 0x20
        default: return nil
        }
    }

    static func isBlank(_ p: UnsafeRawBufferPointer) -> Bool {
        for b in p {
            switch b {
            case 0x20, 0x09, 0x0A, 0x0D: continue
            default: return false
            }
        }
        return true
    }

    /// C0 controls other than tab, line feed and carriage return.
    static func containsControlCharacters(_ s: String) -> Bool {
        var s = s
        return s.withUTF8 { u in
            let n = u.count
            var i = 0
            guard let base = u.baseAddress else { return false }
            let raw = UnsafeRawPointer(base)
            while i < n {
                // Skip eight bytes at a time while none is below 0x20.
                while i &+ 8 <= n {
                    let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                    if (w &- 0x2020_2020_2020_2020) & ~w & 0x8080_8080_8080_8080 != 0 { break }
                    i &+= 8
                }
                let end = min(i &+ 8, n)
                while i < end {
                    let b = u[i]
                    if b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D { return true }
                    i &+= 1
                }
            }
            return false
        }
    }
}
