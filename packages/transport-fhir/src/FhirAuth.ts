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
 * - `exp` and `iat` are required, `iat` at most `maxTokenAge` old.
 *
 * The actor is always a `Referrer`: the FHIR closed loop is the referrers'
 * interface. Every failure is a `TransportRefused` with reason
 * `unauthenticated` (401) whose detail never quotes the token.
 *
 * @since 0.1.0
 */
import { Actor, ReferralTransport } from "@lahete/core"
import { Clock, Duration, Effect, Result, Schema } from "effect"
import type { HttpServerRequest } from "effect/http/HttpServerRequest"
import * as jose from "jose"

/**
 * Finds the actor behind a request, or refuses it.
 *
 * @since 0.1.0
 * @category models
 */
export type Authenticate = (
  request: HttpServerRequest
) => Effect.Effect<Actor.Actor, ReferralTransport.TransportRefused>

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
}

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
 * organisation's keys (see the module documentation).
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
  const keys = new Map<string, jose.JWTVerifyGetKey>(
    Object.entries(options.issuers).map(([issuer, set]) => [
      issuer,
      isKeySetObject(set) ? jose.createLocalJWKSet(set) : set
    ])
  )
  const algorithms = [...(options.algorithms ?? defaultAlgorithms)]
  const clockTolerance = Duration.toSeconds(options.clockTolerance ?? Duration.seconds(30))
  const maxTokenAge = Duration.toSeconds(options.maxTokenAge ?? Duration.hours(1))
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
            requiredClaims: ["exp", "iat", "sub", "aud"]
          }),
        catch: (e) =>
          unauthenticated(
            e instanceof jose.errors.JWTExpired ? "the bearer token has expired" : "the bearer token is not valid"
          )
      })
      const { sub, profession } = verified.payload
      const actor = decodeActor({
        role: "Referrer",
        id: sub,
        organisation: issuer,
        ...(profession === undefined ? {} : { profession })
      })
      return Result.isSuccess(actor)
        ? actor.success
        : yield* Effect.fail(unauthenticated("the token's claims are not a valid practitioner"))
    })
}
