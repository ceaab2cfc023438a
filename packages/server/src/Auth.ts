/**
 * Authentication: OIDC-style JWT bearer access tokens, verified with `jose`
 * against a configured key set (a JWKS given inline, or fetched from a URL
 * and cached), with the issuer, the audience and the expiry checked. The
 * actor of every command and query comes from the token and nothing else:
 *
 * | claim (default name) | becomes | required |
 * |---|---|---|
 * | `sub` | `Actor.id` (for a client: their subject id) | yes |
 * | `lahete_role` | `Actor.role`: `Referrer`, `Coordinator`, `LinkWorker`, `Client`, `Evaluator` or `System` | yes |
 * | `lahete_org` | `Actor.organisation` | yes |
 * | `lahete_profession` | `Actor.profession` (a referrer's profession code, e.g. `nurse`) | no |
 * | `lahete_programmes` | `Actor.programmes`: the programme ids a coordinator, link worker or evaluator works for (an array; absent: every programme) | no |
 *
 * Ids follow the core's id rules (1–128 of `A–Z a–z 0–9 . _ : -`). A token
 * that does not verify, or whose claims do not make an actor, is refused
 * with 401; the token itself is never logged or echoed.
 *
 * @example
 * ```ts
 * import { Auth } from "@lahete/server"
 *
 * const auth: Auth.Options = {
 *   keys: { jwksUrl: "https://login.example.fi/realms/hyte/protocol/openid-connect/certs" },
 *   issuer: "https://login.example.fi/realms/hyte",
 *   audience: "lahete"
 * }
 * ```
 *
 * @since 0.1.0
 */
import { Actor, Ids, KeySet } from "@lahete/core"
import { Clock, Context, Effect, Layer, Redacted, Result, Schema } from "effect"
import { HttpEffect, HttpServerResponse } from "effect/http"
import { HttpApiMiddleware, HttpApiSecurity, OpenApi } from "effect/http-api"
import * as jose from "jose"
import { Unauthorized } from "./ApiError.js"
import * as Logging from "./Logging.js"

/**
 * The names of the claims the actor is read from.
 *
 * @since 0.1.0
 * @category models
 */
export interface ClaimNames {
  readonly role: string
  readonly organisation: string
  readonly profession: string
  readonly programmes: string
}

/**
 * The default claim names.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultClaims: ClaimNames = {
  role: "lahete_role",
  organisation: "lahete_org",
  profession: "lahete_profession",
  programmes: "lahete_programmes"
}

/**
 * The signature algorithms accepted by default: the asymmetric ones (never
 * `none`, never a shared secret).
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultAlgorithms: ReadonlyArray<string> = [
  "ES256",
  "ES384",
  "ES512",
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "EdDSA",
  "Ed25519"
]

/**
 * Where the verification keys come from: a JWKS given inline (public keys
 * only), or the identity provider's JWKS URL (`jwks_uri` of its discovery
 * document), fetched when a token names a key not yet seen and cached.
 *
 * @since 0.1.0
 * @category models
 */
export type Keys =
  | { readonly jwks: jose.JSONWebKeySet }
  | {
      readonly jwksUrl: string | URL
      /** Milliseconds the keys are kept (default 10 minutes). */
      readonly cacheMaxAge?: number
      /** Milliseconds after a fetch before an unknown key may cause another (default 30 s). */
      readonly cooldownDuration?: number
      /** Milliseconds a fetch may take (default 5 s). */
      readonly timeoutDuration?: number
    }

/**
 * How access tokens are verified.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly keys: Keys
  /** The expected `iss` (one or several). */
  readonly issuer: string | ReadonlyArray<string>
  /** The expected `aud` (the token must name one of these). */
  readonly audience: string | ReadonlyArray<string>
  /** Accepted `alg` values (default: `defaultAlgorithms`). */
  readonly algorithms?: ReadonlyArray<string>
  /** Seconds of clock skew tolerated for `exp`, `nbf` and `iat` (default 30). */
  readonly clockToleranceSeconds?: number
  /**
   * Seconds a token may be old (from its `iat`, which is then required);
   * a token issued in the future is refused too. Default 12 hours.
   */
  readonly maxTokenAgeSeconds?: number
  /** The required `typ` header, e.g. `at+jwt` (RFC 9068); default: not checked. */
  readonly type?: string
  /** Other claim names for the actor (default: `defaultClaims`). */
  readonly claims?: Partial<ClaimNames>
}

/**
 * The authenticated actor of the current request.
 *
 * @since 0.1.0
 * @category services
 */
export class CurrentActor extends Context.Service<CurrentActor, Actor.Actor>()("@lahete/server/CurrentActor") {}

/**
 * The bearer-token security scheme, as the OpenAPI document shows it.
 *
 * @since 0.1.0
 * @category security
 */
export const bearer = HttpApiSecurity.bearer.pipe(
  HttpApiSecurity.annotate(
    OpenApi.Description,
    "A JWT access token from the identity provider. The actor comes from its claims: `sub` (actor id; a client's subject id), `lahete_role`, `lahete_org`, and optionally `lahete_profession` and `lahete_programmes`."
  ),
  HttpApiSecurity.annotate(OpenApi.Format, "JWT")
)

/**
 * The authentication middleware: verifies the bearer token and provides the
 * `CurrentActor`; a missing or invalid token fails with `Unauthorized` (401).
 *
 * @since 0.1.0
 * @category middleware
 */
export class Authentication extends HttpApiMiddleware.Service<Authentication, { provides: CurrentActor }>()(
  "@lahete/server/Authentication",
  { error: Unauthorized, security: { bearer } }
) {}

const unauthorized = (reason: Unauthorized["reason"]): Unauthorized =>
  new Unauthorized({
    reason,
    message:
      reason === "missing-token"
        ? "a bearer access token is required"
        : reason === "expired-token"
          ? "the access token has expired"
          : "the access token is not valid"
  })

const decodeOptional = <A>(schema: Schema.Decoder<A>, value: unknown): Result.Result<A | undefined, void> =>
  value === undefined
    ? Result.succeed(undefined)
    : Result.mapError(Schema.decodeUnknownResult(schema)(value), () => undefined)

/**
 * Reads the actor from verified claims; `undefined` when they do not make
 * one (missing or malformed `sub`, role, organisation, profession or
 * programmes).
 *
 * @since 0.1.0
 * @category claims
 */
export const actorFromClaims = (
  claims: Readonly<Record<string, unknown>>,
  names: ClaimNames = defaultClaims
): Actor.Actor | undefined => {
  const profession = decodeOptional(Actor.Profession, claims[names.profession])
  const programmes = decodeOptional(Schema.Array(Ids.ProgrammeId), claims[names.programmes])
  if (Result.isFailure(profession) || Result.isFailure(programmes)) return undefined
  const actor = Schema.decodeUnknownResult(Actor.Actor)({
    role: claims[names.role],
    id: claims.sub,
    organisation: claims[names.organisation],
    ...(profession.success === undefined ? {} : { profession: profession.success }),
    ...(programmes.success === undefined ? {} : { programmes: programmes.success })
  })
  return Result.isSuccess(actor) ? actor.success : undefined
}

/**
 * Builds the token verifier: a function from the bearer token to the actor,
 * failing with `Unauthorized`. The time is the effect `Clock`'s. An inline
 * key set is checked first (`KeySet.problems` of `@lahete/core`: a `kid`
 * used twice, private keys, keys for another use or algorithm): a set that
 * is not usable throws, naming the key, so the server does not start.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeVerifier = (
  options: Options
): ((token: Redacted.Redacted<string>) => Effect.Effect<Actor.Actor, Unauthorized>) => {
  const keys = options.keys
  if ("jwks" in keys) {
    // checked once, before any token: a kid used twice would lock every user out at the first token
    const problems = KeySet.problems(keys.jwks, { algorithms: options.algorithms ?? defaultAlgorithms })
    if (problems.length > 0) throw new Error(`the access-token key set is not usable: ${problems.join("; ")}`)
  }
  const keySet =
    "jwks" in keys
      ? jose.createLocalJWKSet(keys.jwks)
      : jose.createRemoteJWKSet(new URL(keys.jwksUrl), {
          ...(keys.cacheMaxAge === undefined ? {} : { cacheMaxAge: keys.cacheMaxAge }),
          ...(keys.cooldownDuration === undefined ? {} : { cooldownDuration: keys.cooldownDuration }),
          ...(keys.timeoutDuration === undefined ? {} : { timeoutDuration: keys.timeoutDuration })
        })
  const names: ClaimNames = { ...defaultClaims, ...options.claims }
  const algorithms = [...(options.algorithms ?? defaultAlgorithms)]
  const issuer = typeof options.issuer === "string" ? options.issuer : [...options.issuer]
  const audience = typeof options.audience === "string" ? options.audience : [...options.audience]
  return (token) =>
    Effect.gen(function* () {
      const jwt = Redacted.value(token)
      if (jwt === "") return yield* Effect.fail(unauthorized("missing-token"))
      const now = yield* Clock.currentTimeMillis
      const verified = yield* Effect.tryPromise({
        try: () =>
          jose.jwtVerify(jwt, keySet, {
            issuer,
            audience,
            algorithms,
            clockTolerance: options.clockToleranceSeconds ?? 30,
            currentDate: new Date(now),
            maxTokenAge: options.maxTokenAgeSeconds ?? 12 * 3600,
            requiredClaims: ["sub", "exp", "iat"],
            ...(options.type === undefined ? {} : { typ: options.type })
          }),
        // jose's messages may name claims; only the kind of failure is kept
        catch: (error) => unauthorized(error instanceof jose.errors.JWTExpired ? "expired-token" : "invalid-token")
      })
      const actor = actorFromClaims(verified.payload, names)
      return actor === undefined ? yield* Effect.fail(unauthorized("invalid-token")) : actor
    })
}

const challenge = (error: Unauthorized) =>
  HttpEffect.appendPreResponseHandler((_request, response) =>
    Effect.succeed(
      HttpServerResponse.setHeader(
        response,
        "www-authenticate",
        error.reason === "missing-token" ? 'Bearer realm="lahete"' : 'Bearer realm="lahete", error="invalid_token"'
      )
    )
  )

/**
 * The authentication middleware's implementation.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<Authentication> =>
  Layer.sync(Authentication, () => {
    const verify = makeVerifier(options)
    return {
      bearer: (httpEffect, { credential }) =>
        Effect.matchEffect(verify(credential), {
          onFailure: (error) => Effect.andThen(challenge(error), Effect.fail(error)),
          onSuccess: (actor) =>
            Effect.andThen(Logging.noteRole(actor.role), Effect.provideService(httpEffect, CurrentActor, actor))
        })
    }
  })
