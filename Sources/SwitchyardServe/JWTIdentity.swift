import Foundation
import JWTKit
import Switchyard

/// Identity from a signed JWT in `Authorization: Bearer …`, verified with `--jwt-key`: an HS256
/// shared secret, or an ES256 public key (PEM). Only a token whose signature verifies and that has
/// not expired is believed; its claims `user` (or `sub`), `org`, `verified`, `nationality` and
/// `country` become the caller's identity.
public struct JWTIdentityVerifier: Sendable {
    private let keys: JWTKeyCollection
    /// Which kind of key was loaded, for the start-up log.
    public let algorithm: String

    /// Claims read from a verified token.
    struct Claims: JWTPayload {
        var exp: ExpirationClaim
        var sub: SubjectClaim?
        var user: String?
        var org: String?
        var verified: BoolClaim?
        var nationality: String?
        var country: String?

        func verify(using algorithm: some JWTAlgorithm) async throws {
            try exp.verifyNotExpired()
        }
    }

    /// Why a key file could not be used.
    public struct KeyError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// A verifier over the key in `path`: a PEM public key means ES256, anything else is the
    /// HS256 secret (surrounding whitespace trimmed, at least 32 bytes).
    public static func load(path: String) async throws(KeyError) -> JWTIdentityVerifier {
        guard let data = FileManager.default.contents(atPath: path) else { throw KeyError(description: "\(path): cannot read the JWT key") }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return try await make(key: text, origin: path)
    }

    /// A verifier over `key` (PEM public key → ES256, else HS256 secret).
    public static func make(key text: String, origin: String = "<memory>") async throws(KeyError) -> JWTIdentityVerifier {
        let keys = JWTKeyCollection()
        if text.hasPrefix("-----BEGIN PUBLIC KEY-----") {
            do {
                await keys.add(ecdsa: try ES256PublicKey(pem: text))
            } catch {
                throw KeyError(description: "\(origin): not an ES256 (P-256) public key: \(error)")
            }
            return JWTIdentityVerifier(keys: keys, algorithm: "ES256")
        }
        if text.hasPrefix("-----BEGIN") {
            throw KeyError(description: "\(origin): only a PEM public key (ES256) or an HS256 secret is accepted")
        }
        guard text.utf8.count >= 32 else { throw KeyError(description: "\(origin): an HS256 secret must be at least 32 bytes") }
        await keys.add(hmac: HMACKey(from: text), digestAlgorithm: .sha256)
        return JWTIdentityVerifier(keys: keys, algorithm: "HS256")
    }

    /// The identity in a bearer token; nil without a token; throws for a token that does not verify.
    func identity(authorization: String?) async throws(IdentityRejected) -> CallerIdentity? {
        guard let authorization else { return nil }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw IdentityRejected(reason: "Authorization must be `Bearer <JWT>`")
        }
        let claims: Claims
        do {
            claims = try await keys.verify(String(parts[1]), as: Claims.self)
        } catch {
            throw IdentityRejected(reason: "the bearer token did not verify: \(error)")
        }
        return CallerIdentity(
            id: claims.user ?? claims.sub?.value,
            org: claims.org,
            verified: claims.verified?.value,
            nationality: claims.nationality.flatMap(IdentitySource.countryCode),
            country: claims.country.flatMap(IdentitySource.countryCode)
        )
    }
}

/// A credential was presented and did not hold: the request is refused (401), never served as
/// anonymous, so a broken token is noticed.
public struct IdentityRejected: Error, Sendable {
    public var reason: String
}
