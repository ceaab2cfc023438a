/**
 * Who sends: the bearer token. The referrer signs in to their own
 * organisation's system strongly (smart card, as in eKollega); that system
 * holds its organisation's private key and signs, for each request, a short
 * JSON Web Token naming the professional. The inbox verifies it against the
 * organisation's registered public keys and takes the actor (role Referrer)
 * from the verified claims only.
 *
 * Claims (all required):
 *
 * | claim        | meaning                                                       |
 * | ------------ | ------------------------------------------------------------- |
 * | `iss`        | the sending organisation's id, as registered with the inbox   |
 * | `sub`        | the professional's id within that organisation                |
 * | `profession` | the professional's title code (`nurse`, `doctor`, …)          |
 * | `aud`        | the inbox's id                                                |
 * | `iat`, `exp` | issued at, expires; `exp − iat` at most the inbox's maximum   |
 * | `jti`        | the token's id, unique per token (1–256 characters)           |
 *
 * A token is accepted once: its `jti` is recorded (`TokenReplay`) until it
 * expires, and the same token again is refused. The registered key sets are
 * checked when the inbox starts (`KeySet`: a `kid` used twice, a private key
 * or shared secret, a key for encryption or for another algorithm stop it,
 * naming the organisation and the key).
 *
 * Algorithms: ES256 (P-256) or EdDSA (Ed25519); `alg: none`, HMAC and RSA are
 * refused. `nbf` is honoured when present. Every failure is the same
 * `unauthenticated` refusal (401) with a detail naming the check, never a
 * claim's value.
 *
 * @since 0.1.0
 */
import { Actor, Ids, KeySet, ReferralTransport, TokenReplay } from "@lahete/core"
import { Clock, Duration, Effect, Redacted, Result, Schema } from "effect"
import * as jose from "jose"

/**
 * The signature algorithms the inbox accepts.
 *
 * @since 0.1.0
 * @category models
 */
export type Algorithm = "ES256" | "EdDSA"

/**
 * The algorithms accepted by default: both.
 *
 * @since 0.1.0
 * @category constants
 */
export const algorithms: ReadonlyArray<Algorithm> = ["ES256", "EdDSA"]

/**
 * A JSON Web Key set (RFC 7517), as registered for an organisation.
 *
 * @since 0.1.0
 * @category models
 */
export type JsonWebKeySet = jose.JSONWebKeySet

/**
 * A JSON Web Key.
 *
 * @since 0.1.0
 * @category models
 */
export type JsonWebKey = jose.JWK

/**
 * A registered sending organisation: its id (the tokens' `iss`) and its
 * public signing keys. Several keys allow rotation; give each a `kid` and
 * sign with it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Organisation {
  readonly id: string
  readonly keys: JsonWebKeySet
}

/**
 * The inbox's token settings are not usable (an organisation id that is not
 * an id, a key set that is not one, a private key registered as public, a
 * private key that cannot be imported). Names the organisation or setting,
 * never key material.
 *
 * @since 0.1.0
 * @category errors
 */
export class TokenConfigError extends Schema.TaggedError<TokenConfigError>()("TokenConfigError", {
  detail: Schema.String
}) {
  override get message(): string {
    return `ekollega token settings: ${this.detail}`
  }
}

/**
 * What the inbox checks.
 *
 * @since 0.1.0
 * @category models
 */
export interface VerifyOptions {
  /** The inbox's id: the tokens' `aud` must name it. */
  readonly audience: string
  readonly organisations: ReadonlyArray<Organisation>
  /** The longest `exp − iat` accepted; default 5 minutes. */
  readonly maxLifetime?: Duration.Input
  /** Clock difference tolerated for `iat`, `nbf` and `exp`; default 30 seconds. */
  readonly clockTolerance?: Duration.Input
  /** Default: ES256 and EdDSA. */
  readonly algorithms?: ReadonlyArray<Algorithm>
  /**
   * Where used tokens are recorded until they expire (a token is accepted
   * once); default `TokenReplay.memory()`, this verifier's own. Give
   * `SqlTokenReplay` of `@lahete/store-sql` to share it between instances
   * and keep it over restarts.
   */
  readonly replayGuard?: TokenReplay.Shape
}

/**
 * Verifies an `Authorization` header value and answers with the actor, at
 * the `Clock`'s time.
 *
 * @since 0.1.0
 * @category models
 */
export type Verifier = (
  authorization: string | undefined
) => Effect.Effect<Actor.Actor, ReferralTransport.TransportError>

/**
 * The longest token accepted, in characters (a signed token is a few
 * hundred).
 *
 * @since 0.1.0
 * @category constants
 */
export const maxTokenLength = 4096

const bearer = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/i

const unauthenticated = (detail: string) => ReferralTransport.refuse("unauthenticated", detail)

const Claims = Schema.Struct({
  iss: Ids.OrganisationId,
  sub: Ids.ActorId,
  profession: Actor.Profession,
  iat: Schema.Number,
  exp: Schema.Number,
  jti: Schema.String.pipe(Schema.check(Schema.isMinLength(1), Schema.isMaxLength(256)))
})
const decodeClaims = Schema.decodeUnknownResult(Claims)

const whyRefused = (error: unknown): string => {
  if (error instanceof jose.errors.JWTExpired) return "the token has expired"
  if (error instanceof jose.errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case "aud":
        return "the token is not for this inbox"
      case "iat":
        return "the token's issue time is not acceptable"
      case "nbf":
        return "the token is not valid yet"
      case "iss":
        return "the token's issuer does not match"
      default:
        return "a required claim is missing or invalid"
    }
  }
  if (error instanceof jose.errors.JWSSignatureVerificationFailed) return "the signature does not verify"
  if (error instanceof jose.errors.JWKSNoMatchingKey) return "no registered key matches the token"
  if (error instanceof jose.errors.JOSEAlgNotAllowed) return "the signature algorithm is not accepted"
  return "the token is not valid"
}

const seconds = (input: Duration.Input): number => Math.floor(Duration.toMillis(Duration.fromInputUnsafe(input)) / 1000)

/**
 * Builds the inbox's verifier: checks the registration once (ids, key sets,
 * public keys only) and then verifies each request's token.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeVerifier = (options: VerifyOptions): Effect.Effect<Verifier, TokenConfigError> =>
  Effect.gen(function* () {
    const accepted = [...(options.algorithms ?? algorithms)]
    const keySets = new Map<string, jose.LocalJWKSet>()
    for (const organisation of options.organisations) {
      if (Result.isFailure(Schema.decodeUnknownResult(Ids.OrganisationId)(organisation.id))) {
        return yield* Effect.fail(new TokenConfigError({ detail: "an organisation id is not a valid id" }))
      }
      if (keySets.has(organisation.id)) {
        return yield* Effect.fail(
          new TokenConfigError({ detail: `organisation ${organisation.id} is registered twice` })
        )
      }
      const problems = KeySet.problems(organisation.keys, { algorithms: accepted })
      if (problems.length > 0) {
        return yield* Effect.fail(
          new TokenConfigError({ detail: `organisation ${organisation.id}: ${problems.join("; ")}` })
        )
      }
      // each key imports (coordinates of the right length on the curve)
      for (const [index, key] of organisation.keys.keys.entries()) {
        const alg = key.alg ?? (key.crv === "Ed25519" ? "EdDSA" : "ES256")
        yield* Effect.tryPromise({
          try: () => jose.importJWK(key, alg),
          catch: () =>
            new TokenConfigError({
              detail: `organisation ${organisation.id}: ${key.kid === undefined ? `key #${index + 1} (no kid)` : `key "${key.kid}"`} cannot be imported`
            })
        })
      }
      const set = yield* Effect.try({
        try: () => jose.createLocalJWKSet(organisation.keys),
        catch: () => new TokenConfigError({ detail: `organisation ${organisation.id}: not a JSON Web Key set` })
      })
      keySets.set(organisation.id, set)
    }
    if (options.audience.length === 0) {
      return yield* Effect.fail(new TokenConfigError({ detail: "the audience is empty" }))
    }
    const guard = options.replayGuard ?? TokenReplay.memory()
    const maxLifetime = seconds(options.maxLifetime ?? Duration.minutes(5))
    const tolerance = seconds(options.clockTolerance ?? Duration.seconds(30))

    return (authorization) =>
      Effect.gen(function* () {
        if (authorization === undefined) return yield* Effect.fail(unauthenticated("a bearer token is required"))
        const match = authorization.length <= maxTokenLength + 7 ? bearer.exec(authorization) : null
        const token = match?.[1]
        if (token === undefined) return yield* Effect.fail(unauthenticated("a bearer token is required"))
        const unverified = yield* Effect.try({
          try: () => jose.decodeJwt(token),
          catch: () => unauthenticated("the token is not valid")
        })
        const issuer = typeof unverified.iss === "string" ? unverified.iss : undefined
        const keySet = issuer === undefined ? undefined : keySets.get(issuer)
        if (keySet === undefined || issuer === undefined) {
          return yield* Effect.fail(unauthenticated("the token's issuer is not a registered organisation"))
        }
        const now = yield* Clock.currentTimeMillis
        const verified = yield* Effect.tryPromise({
          try: () =>
            jose.jwtVerify(token, keySet, {
              algorithms: accepted,
              issuer,
              audience: options.audience,
              clockTolerance: tolerance,
              maxTokenAge: maxLifetime + tolerance,
              requiredClaims: ["iss", "sub", "aud", "iat", "exp", "jti", "profession"],
              currentDate: new Date(now)
            }),
          catch: (error) => unauthenticated(whyRefused(error))
        })
        const claims = decodeClaims(verified.payload)
        if (Result.isFailure(claims))
          return yield* Effect.fail(unauthenticated("a required claim is missing or invalid"))
        const { iss, sub, profession, iat, exp, jti } = claims.success
        if (exp - iat > maxLifetime) return yield* Effect.fail(unauthenticated("the token's lifetime is too long"))
        if (iat * 1000 > now + tolerance * 1000) {
          return yield* Effect.fail(unauthenticated("the token's issue time is not acceptable"))
        }
        // last, so only verified tokens are recorded: each is accepted once until it expires
        const first = yield* Effect.flatMap(TokenReplay.keyOf(iss, jti), (key) =>
          Effect.mapError(
            guard.claim(key, (exp + tolerance) * 1000, now),
            (e) => new ReferralTransport.TransportUnavailable({ detail: e.detail })
          )
        )
        if (!first) return yield* Effect.fail(unauthenticated("the token was used before (jti)"))
        return { role: "Referrer", id: sub, organisation: iss, profession } satisfies Actor.Actor
      })
  })

// ---------------------------------------------------------------------------
// signing (the referrer's side)
// ---------------------------------------------------------------------------

/**
 * Signs a token for a professional, at the `Clock`'s time, with a new random
 * `jti` (the inbox accepts each token once).
 *
 * @since 0.1.0
 * @category models
 */
export type Sign = (actor: Actor.Actor) => Effect.Effect<string, ReferralTransport.TransportError>

/**
 * Options of `signer`.
 *
 * @since 0.1.0
 * @category models
 */
export interface SignerOptions {
  /** The organisation's id as registered with the inbox (`iss`). */
  readonly organisation: string
  /** The inbox's id (`aud`). */
  readonly audience: string
  /** The organisation's private key: a private JWK, or a PKCS#8 PEM string (then `algorithm` is required). */
  readonly privateKey: Redacted.Redacted<JsonWebKey | string>
  /** Default: from the JWK (`alg`, or `crv` P-256 → ES256, Ed25519 → EdDSA). */
  readonly algorithm?: Algorithm
  /** The key's id (`kid` header), so the inbox picks the right registered key; default the JWK's `kid`. */
  readonly keyId?: string
  /** How long a token lives; default 60 seconds (the inbox accepts at most its maximum, 5 minutes by default). */
  readonly lifetime?: Duration.Input
}

const algorithmOf = (key: JsonWebKey | string, given: Algorithm | undefined): Algorithm | undefined => {
  if (given !== undefined) return given
  if (typeof key === "string") return undefined
  if (key.alg === "ES256") return "ES256"
  if (key.alg === "EdDSA") return "EdDSA"
  if (key.crv === "P-256") return "ES256"
  if (key.crv === "Ed25519") return "EdDSA"
  return undefined
}

/**
 * Makes a signer from the organisation's private key (imported once, with
 * jose). The signer signs only for referrers of its own organisation: an
 * actor of another organisation, or without a profession, is refused before
 * anything is sent.
 *
 * @since 0.1.0
 * @category constructors
 */
export const signer = (options: SignerOptions): Effect.Effect<Sign, TokenConfigError> =>
  Effect.gen(function* () {
    const material = Redacted.value(options.privateKey)
    const alg = algorithmOf(material, options.algorithm)
    if (alg === undefined) {
      return yield* Effect.fail(new TokenConfigError({ detail: "the signing algorithm (ES256 or EdDSA) is not known" }))
    }
    const key = yield* Effect.tryPromise({
      try: () => (typeof material === "string" ? jose.importPKCS8(material, alg) : jose.importJWK(material, alg)),
      catch: () => new TokenConfigError({ detail: "the private key cannot be imported" })
    })
    if (!(key instanceof CryptoKey) || key.type !== "private") {
      return yield* Effect.fail(new TokenConfigError({ detail: "the signing key is not a private key" }))
    }
    const kid = options.keyId ?? (typeof material === "string" ? undefined : material.kid)
    const lifetime = Math.max(1, seconds(options.lifetime ?? Duration.seconds(60)))

    return (actor) =>
      Effect.gen(function* () {
        if (actor.role !== "Referrer") {
          return yield* Effect.fail(
            ReferralTransport.refuse("forbidden", "only a referrer's system signs for the inbox")
          )
        }
        if (actor.organisation !== options.organisation) {
          return yield* Effect.fail(
            ReferralTransport.refuse("forbidden", "this signer signs only for its own organisation's professionals")
          )
        }
        if (actor.profession === undefined) {
          return yield* Effect.fail(ReferralTransport.refuse("unauthenticated", "the referrer has no profession"))
        }
        const now = Math.floor((yield* Clock.currentTimeMillis) / 1000)
        const profession = actor.profession
        return yield* Effect.tryPromise({
          try: () =>
            new jose.SignJWT({ profession })
              .setProtectedHeader({ alg, typ: "JWT", ...(kid === undefined ? {} : { kid }) })
              .setIssuer(options.organisation)
              .setSubject(actor.id)
              .setAudience(options.audience)
              .setIssuedAt(now)
              .setExpirationTime(now + lifetime)
              .setJti(globalThis.crypto.randomUUID())
              .sign(key),
          catch: () => new ReferralTransport.TransportUnavailable({ detail: "the token could not be signed" })
        })
      })
  })

/**
 * One signer per organisation, picked by the actor's organisation (a system
 * that sends for several organisations, or a test).
 *
 * @since 0.1.0
 * @category constructors
 */
export const byOrganisation =
  (signers: Readonly<Record<string, Sign>>): Sign =>
  (actor) => {
    const sign = Object.hasOwn(signers, actor.organisation) ? signers[actor.organisation] : undefined
    return sign === undefined
      ? Effect.fail(ReferralTransport.refuse("forbidden", "no signing key for the referrer's organisation"))
      : sign(actor)
  }

/**
 * A new signing key pair (for set-up and tests): the private JWK for the
 * sending system and the public JWK set to register with the inbox. Keep the
 * private key secret.
 *
 * @since 0.1.0
 * @category constructors
 */
export const generateKeyPair = (
  algorithm: Algorithm = "ES256",
  keyId?: string
): Effect.Effect<{ readonly privateKey: Redacted.Redacted<JsonWebKey>; readonly publicKeys: JsonWebKeySet }> =>
  Effect.promise(async () => {
    const pair = await jose.generateKeyPair(algorithm, { extractable: true })
    const kid = keyId ?? (await jose.calculateJwkThumbprint(await jose.exportJWK(pair.publicKey)))
    const privateJwk = { ...(await jose.exportJWK(pair.privateKey)), alg: algorithm, kid, use: "sig" }
    const publicJwk = { ...(await jose.exportJWK(pair.publicKey)), alg: algorithm, kid, use: "sig" }
    return { privateKey: Redacted.make(privateJwk), publicKeys: { keys: [publicJwk] } }
  })
