// The request model: what the envelope hands to the classifier and the router.

/// A request's `id`, echoed back exactly as it was written.
public enum RequestID: Sendable, Equatable, Hashable, CustomStringConvertible {
    case string(String)
    case number(JSONNumber)

    /// The id as JSON (a quoted string or the number literal).
    public var json: String {
        switch self {
        case .string(let s): return JSONWriter.quoted(s)
        case .number(let n): return n.literal
        }
    }

    public var description: String {
        switch self {
        case .string(let s): return s
        case .number(let n): return n.literal
        }
    }
}

/// Who is asking, as the gateway vouches for it.
public struct CallerIdentity: Sendable, Equatable {
    public var id: String?
    public var org: String?
    public var verified: Bool?
    /// ISO 3166-1 alpha-2, uppercased on every assignment ("de" is stored as "DE").
    public var nationality: String? { didSet { nationality = Self.countryCode(nationality) } }
    /// ISO 3166-1 alpha-2, uppercased on every assignment.
    public var country: String? { didSet { country = Self.countryCode(country) } }

    public init(id: String? = nil, org: String? = nil, verified: Bool? = nil,
                nationality: String? = nil, country: String? = nil) {
        self.id = id
        self.org = org
        self.verified = verified
        self.nationality = Self.countryCode(nationality)
        self.country = Self.countryCode(country)
    }

    /// Two ASCII letters uppercased; anything else is kept as given (and then matches no code a
    /// policy names).
    static func countryCode(_ value: String?) -> String? {
        guard let value else { return nil }
        return RequestDecoder.countryCode(value) ?? value
    }
}

/// Facts about the line worth reporting without rejecting it.
public struct RequestNotes: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// The text contains C0 control characters other than tab, line feed and carriage return
    /// (e.g. from a `\u0000` escape).
    public static let controlCharacters = RequestNotes(rawValue: 1 << 0)
    /// The line started with a UTF-8 byte order mark, which was stripped.
    public static let byteOrderMark = RequestNotes(rawValue: 1 << 1)

    /// Stable reason codes of the stream contract: "control_chars", "bom" (in that order).
    public var reasonCodes: [String] {
        var codes: [String] = []
        if contains(.controlCharacters) { codes.append("control_chars") }
        if contains(.byteOrderMark) { codes.append("bom") }
        return codes
    }
}

/// Where one part of a request's text came from: the field or the message role (`system`,
/// `developer`, `user`, `assistant`, `tool`, `instructions`, `prompt`, `text`, `input`) and its
/// UTF-8 byte range in `ModelRequest.text`.
public struct TextPart: Sendable, Equatable {
    public var role: String
    public var range: Range<Int>
    public init(role: String, range: Range<Int>) {
        self.role = role
        self.range = range
    }
}

/// One decoded request line.
public struct ModelRequest: Sendable, Equatable {
    public var id: RequestID?
    /// The text to scan: `instructions`, `prompt`, `text`, `input` and every turn of `messages`,
    /// joined with "\n".
    public var text: String
    public var model: String?
    public var user: CallerIdentity?
    public var notes: RequestNotes
    /// The parts `text` was joined from, in order (empty for a request built in code).
    public var parts: [TextPart]

    public init(id: RequestID? = nil, text: String, model: String? = nil, user: CallerIdentity? = nil,
                notes: RequestNotes = [], parts: [TextPart] = []) {
        self.id = id
        self.text = text
        self.model = model
        self.user = user
        self.notes = notes
        self.parts = parts
    }

    /// Where the request's own ask begins in `text`: the start of the last run of parts a user
    /// wrote (`user` turns, `input`, `prompt` or `text`; a turn's content parts and consecutive
    /// user turns go together) when other parts came before it; otherwise 0, the whole text. What
    /// precedes it (system and developer messages, earlier turns, assistant and tool turns) is the
    /// ask's context.
    public var focusStart: Int {
        guard parts.count > 1, var first = parts.lastIndex(where: { Self.askRoles.contains($0.role) }) else { return 0 }
        while first > 0 && parts[first - 1].role == parts[first].role { first -= 1 }
        return parts[first].range.lowerBound
    }

    /// The roles whose text a user wrote as the request.
    static let askRoles: Set<String> = ["user", "input", "prompt", "text"]

    /// The role of the part holding byte `offset` of `text`, or nil.
    public func role(at offset: Int) -> String? {
        parts.first { $0.range.contains(offset) || ($0.range.isEmpty && $0.range.lowerBound == offset) }?.role
    }

    /// The role of the parts holding `span` of `text`, when the text was joined from several
    /// parts and every part the span touches has that role (a payload split over two user turns
    /// is the user's); nil for a single part or a span across roles.
    public func role(of span: Range<Int>) -> String? {
        guard parts.count > 1 else { return nil }
        var role: String? = nil
        for part in parts where part.range.contains(span.lowerBound) || part.range.overlaps(span) {
            if let role, role != part.role { return nil }
            role = part.role
        }
        return role
    }
}

/// Why a line could not be decoded into a `ModelRequest`.
public struct RequestError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable code, e.g. "invalid_json", "wrong_type", "missing_text" (see `RequestError.Codes`).
    public var code: String
    public var message: String
    /// The request's id, whenever it could be read before the error.
    public var id: RequestID?

    public init(code: String, message: String, id: RequestID? = nil) {
        self.code = code
        self.message = message
        self.id = id
    }

    /// "code: message", e.g. "invalid_json: unexpected end of input at byte 40".
    public var description: String { "\(code): \(message)" }

    /// The stable error codes of the JSONL stream contract.
    public enum Codes {
        public static let blankLine = "blank_line"
        public static let invalidJSON = "invalid_json"
        public static let invalidUTF8 = "invalid_utf8"
        public static let invalidUnicodeEscape = "invalid_unicode_escape"
        public static let duplicateKey = "duplicate_key"
        public static let tooDeep = "too_deep"
        public static let wrongType = "wrong_type"
        public static let missingText = "missing_text"
        /// Produced by the framing layer (`LineFramer.Event.tooLong`), not by the decoder.
        public static let lineTooLong = "line_too_long"
        /// For the framing layer: an unterminated final line that does not decode.
        public static let truncatedFinalLine = "truncated_final_line"
        public static let `internal` = "internal"
        public static let timeout = "timeout"
    }
}

extension JSONWriter {
    /// Writes a request id exactly as it was received, or `null` without one.
    public mutating func requestID(_ id: RequestID?) {
        switch id {
        case .string(let s)?: string(s)
        case .number(let n)?: number(n)
        case nil: null()
        }
    }
}
