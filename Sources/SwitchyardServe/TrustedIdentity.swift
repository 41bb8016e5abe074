import Foundation
import HTTPTypes
import Switchyard

/// Where `serve` takes a caller's identity from. Never from the request body: a client could
/// claim any organisation there, and the restricted model is for verified trusted partners only.
/// The gateway in front of Switchyard authenticates the caller and states who it is in headers
/// that it sets itself (and strips from what clients send).
public struct IdentitySource: Sendable {
    /// Header names, configurable so they can match an existing gateway's.
    public struct HeaderNames: Sendable {
        public var user = "x-switchyard-user"
        public var org = "x-switchyard-org"
        public var verified = "x-switchyard-verified"
        public var nationality = "x-switchyard-nationality"
        public var country = "x-switchyard-country"
        public init() {}
    }

    /// Read identity from trusted headers; when false (and without `jwt`) every request is anonymous.
    public var trustsHeaders: Bool
    public var headerNames: HeaderNames
    /// Read identity from a verified JWT bearer token instead.
    public var jwt: JWTIdentityVerifier?

    public init(trustsHeaders: Bool, headerNames: HeaderNames = HeaderNames(), jwt: JWTIdentityVerifier? = nil) {
        self.trustsHeaders = trustsHeaders
        self.headerNames = headerNames
        self.jwt = jwt
    }

    /// The caller's identity for one request: from the verified JWT when configured, else from the
    /// trusted headers, else none.
    public func resolve(_ headers: HTTPFields) async throws(IdentityRejected) -> CallerIdentity? {
        if let jwt { return try await jwt.identity(authorization: headers[.authorization]) }
        return identity(from: headers)
    }

    /// The identity the gateway vouches for, or nil (anonymous) when headers are not trusted or
    /// none is set.
    public func identity(from headers: HTTPFields) -> CallerIdentity? {
        guard trustsHeaders else { return nil }
        func value(_ name: String) -> String? {
            guard let field = HTTPField.Name(name), let text = headers[field] else { return nil }
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            return trimmed.isEmpty ? nil : trimmed
        }
        let identity = CallerIdentity(
            id: value(headerNames.user),
            org: value(headerNames.org),
            verified: value(headerNames.verified).flatMap(Self.parseBool),
            nationality: value(headerNames.nationality).flatMap(Self.countryCode),
            country: value(headerNames.country).flatMap(Self.countryCode)
        )
        if identity.id == nil && identity.org == nil && identity.verified == nil && identity.nationality == nil && identity.country == nil {
            return nil
        }
        return identity
    }

    /// `true`/`1`/`yes` and `false`/`0`/`no`; anything else counts as not stated (so not verified).
    static func parseBool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: return nil
        }
    }

    /// Two ASCII letters, uppercased, as the request decoder takes them; anything else is dropped.
    static func countryCode(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        guard bytes.count == 2, bytes.allSatisfy({ (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }) else { return nil }
        return text.uppercased()
    }
}
