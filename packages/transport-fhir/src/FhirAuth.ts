/**
 * Authentication of the referrers' systems.
 *
 * The server asks an `Authenticate` function for the actor behind every
 * request (except the capability statement). The default, `jwt`, verifies a
 * bearer JSON Web Token with [jose](https://github.com/panva/jose) against
 * the key set of the organisation that issued it:
 * - `iss`: the organisation's id (an `OrganisationId`); it selects the key set;
 * - `sub`: the practitioner's id in that organisation (an `ActorId`);
 * - `profession`: the practitioner's profession code (`nurse`, `doctor`, …),
 *   which the programme's eligibility rules check;
 * - `aud`: the server (`audience`), so that a token for another service
 *   cannot be replayed here;
 * - `exp` and `iat` are required, `exp − iat` at most `maxLifetime` (5
 *   minutes by default, as for the eKollega inbox and SMART Backend
 *   Services), `iat` at most `maxTokenAge` old;
 * - `jti` is required (1–256 characters): a token is accepted once, its id
 *   recorded until it expires (`TokenReplay`; in memory by default).
 *
 * The organisations' key sets are checked when `jwt` is called, before any
 * token (`KeySet`): a `kid` used twice (which would lock the organisation
 * out at its first token), a private key or shared secret, a key for
 * encryption or for another algorithm throw `AuthConfigError` naming the
 * organisation and the key (`make` fails with it instead). A remote key set
 * (a function) is not checked here.
 *
 * The actor is always a `Referrer`: the FHIR closed loop is the referrers'
 * interface. Every failure is a `TransportRefused` with reason
 * `unauthenticated` (401) whose detail never quotes the token.
 *
 * @since 0.1.0
 */
import { Actor, KeySet as KeySetChecks, ReferralTransport, TokenReplay } from "@lahete/core"
import { Clock, Duration, Effect, Result, Schema } from "effect"
import type { HttpServerRequest } from "effect/http/HttpServerRequest"
import * as jose from "jose"

/**
 * Finds the actor behind a request, or refuses it.
 *
 * @since 0.1.0
 * @category models
 */
export type Authenticate = (request: HttpServerRequest) => Effect.Effect<Actor.Actor, ReferralTransport.TransportError>

/**
 * An organisation's keys: a JSON Web Key Set (public keys), or a jose key
 * resolver such as `jose.createRemoteJWKSet(url)`.
 *
 * @since 0.1.0
 * @category models
 */
export type KeySet = jose.JSONWebKeySet | jose.JWTVerifyGetKey

/**
 * Options of `jwt`.
 *
 * @since 0.1.0
 * @category models
 */
export interface JwtOptions {
  /** The trusted organisations: the token's `iss` → its keys. An issuer not listed is refused. */
  readonly issuers: Readonly<Record<string, KeySet>>
  /** The expected `aud` (e.g. the server's base URL): a token for another service is refused. */
  readonly audience: string | ReadonlyArray<string>
  /** Accepted signature algorithms; default the asymmetric ones (ES*, PS*, RS*, EdDSA). */
  readonly algorithms?: ReadonlyArray<string>
  /** Clock skew allowed for `exp`, `nbf` and `iat`; default 30 seconds. */
  readonly clockTolerance?: Duration.Input
  /** The oldest `iat` accepted; default 1 hour. */
  readonly maxTokenAge?: Duration.Input
  /** The longest lifetime (`exp − iat`) accepted; default 5 minutes. */
  readonly maxLifetime?: Duration.Input
  /**
   * Where used tokens are recorded until they expire (each accepted once);
   * default `TokenReplay.memory()`, this authenticator's own. Give
   * `SqlTokenReplay` of `@lahete/store-sql` to share it between instances
   * and keep it over restarts.
   */
  readonly replayGuard?: TokenReplay.Shape
}

/**
 * An organisation's key set is not usable (see the module documentation).
 * Names the organisation and the key, never key material.
 *
 * @since 0.2.0
 * @category errors
 */
export class AuthConfigError extends Schema.TaggedError<AuthConfigError>()("AuthConfigError", {
  detail: Schema.String
}) {
  override get message(): string {
    return `FHIR authentication settings: ${this.detail}`
  }
}

/**
 * The default longest token lifetime: 5 minutes.
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultMaxLifetime: Duration.Duration = Duration.minutes(5)

/**
 * The algorithms accepted by default: asymmetric signatures only (a shared
 * secret would let the server mint tokens for the organisation).
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultAlgorithms: ReadonlyArray<string> = [
  "ES256",
  "ES384",
  "ES512",
  "PS256",
  "PS384",
  "PS512",
  "RS256",
  "RS384",
  "RS512",
  "EdDSA",
  "Ed25519"
]

const unauthenticated = (detail: string) => ReferralTransport.refuse("unauthenticated", detail)

const bearer = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/

/**
 * The bearer token of a request (`Authorization: Bearer …`), or a refusal
 * when there is none or it is not a compact JWS.
 *
 * @since 0.1.0
 * @category getters
 */
export const bearerToken = (request: HttpServerRequest): Result.Result<string, ReferralTransport.TransportRefused> => {
  const header = request.headers.authorization
  if (header === undefined || header === "") return Result.fail(unauthenticated("a bearer token is required"))
  if (header.length > 16_384) return Result.fail(unauthenticated("the bearer token is not valid"))
  const match = bearer.exec(header.trim())
  return match?.[1] === undefined
    ? Result.fail(unauthenticated("the bearer token is not valid"))
    : Result.succeed(match[1])
}

const isKeySetObject = (keys: KeySet): keys is jose.JSONWebKeySet => typeof keys !== "function"

const decodeActor = Schema.decodeUnknownResult(Actor.Actor)

/**
 * The default authentication: a bearer JWT verified against the issuing
 * organisation's keys (see the module documentation). Throws
 * `AuthConfigError` when a key set given as an object is not usable (`make`
 * is the same as an effect).
 *
 * @example
 * ```ts
 * import { FhirAuth } from "@lahete/transport-fhir"
 * import * as jose from "jose"
 *
 * const authenticate = FhirAuth.jwt({
 *   issuers: {
 *     "kemijarvi-wellbeing-centre": jose.createRemoteJWKSet(new URL("https://idp.example.fi/jwks.json"))
 *   },
 *   audience: "https://lahete.example.fi/fhir"
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const jwt = (options: JwtOptions): Authenticate => {
  const algorithms = [...(options.algorithms ?? defaultAlgorithms)]
  for (const [issuer, set] of Object.entries(options.issuers)) {
    if (!isKeySetObject(set)) continue
    const problems = KeySetChecks.problems(set, { algorithms })
    if (problems.length > 0) throw new AuthConfigError({ detail: `organisation ${issuer}: ${problems.join("; ")}` })
  }
  const keys = new Map<string, jose.JWTVerifyGetKey>(
    Object.entries(options.issuers).map(([issuer, set]) => [
      issuer,
      isKeySetObject(set) ? jose.createLocalJWKSet(set) : set
    ])
  )
  const clockTolerance = Duration.toSeconds(options.clockTolerance ?? Duration.seconds(30))
  const maxTokenAge = Duration.toSeconds(options.maxTokenAge ?? Duration.hours(1))
  const maxLifetime = Duration.toSeconds(options.maxLifetime ?? defaultMaxLifetime)
  const guard = options.replayGuard ?? TokenReplay.memory()
  const audience = typeof options.audience === "string" ? options.audience : [...options.audience]

  return (request) =>
    Effect.gen(function* () {
      const token = yield* Effect.fromResult(bearerToken(request))
      const claims = Result.try(() => jose.decodeJwt(token))
      const issuer = Result.isSuccess(claims) ? claims.success.iss : undefined
      const getKey = issuer === undefined ? undefined : keys.get(issuer)
      if (issuer === undefined || getKey === undefined) {
        return yield* Effect.fail(unauthenticated("the token's issuer is not a trusted organisation"))
      }
      const now = yield* Clock.currentTimeMillis
      const verified = yield* Effect.tryPromise({
        try: () =>
          jose.jwtVerify(token, getKey, {
            issuer,
            algorithms,
            clockTolerance,
            maxTokenAge,
            currentDate: new Date(now),
            audience,
            requiredClaims: ["exp", "iat", "sub", "aud", "jti"]
          }),
        catch: (e) =>
          unauthenticated(
            e instanceof jose.errors.JWTExpired ? "the bearer token has expired" : "the bearer token is not valid"
          )
      })
      const { sub, profession, iat, exp, jti } = verified.payload
      if (typeof iat !== "number" || typeof exp !== "number" || exp - iat > maxLifetime) {
        return yield* Effect.fail(unauthenticated("the bearer token's lifetime is too long"))
      }
      if (typeof jti !== "string" || jti.length === 0 || jti.length > 256) {
        return yield* Effect.fail(unauthenticated("the bearer token's id (jti) is not valid"))
      }
      const actor = decodeActor({
        role: "Referrer",
        id: sub,
        organisation: issuer,
        ...(profession === undefined ? {} : { profession })
      })
      if (Result.isFailure(actor)) {
        return yield* Effect.fail(unauthenticated("the token's claims are not a valid practitioner"))
      }
      // last, so only verified tokens are recorded: each is accepted once until it expires
      const first = yield* Effect.flatMap(TokenReplay.keyOf(issuer, jti), (key) =>
        Effect.mapError(
          guard.claim(key, (exp + clockTolerance) * 1000, now),
          (e) => new ReferralTransport.TransportUnavailable({ detail: e.detail })
        )
      )
      if (!first) return yield* Effect.fail(unauthenticated("the bearer token was used before (jti)"))
      return actor.success
    })
}

/**
 * `jwt` as an effect that fails with `AuthConfigError` when a key set is not
 * usable, instead of throwing.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (options: JwtOptions): Effect.Effect<Authenticate, AuthConfigError> =>
  Effect.try({
    try: () => jwt(options),
    catch: (e) => (e instanceof AuthConfigError ? e : new AuthConfigError({ detail: "the key sets could not be read" }))
  })
