/**
 * The token a measure link carries: a compact JWS (HS256, `jose`) signed
 * with the deployment's secret, bound to one referral (`sub`), one time
 * point (`tp`) and one link (`jti`, the `MeasureLinkRequested.tokenId`),
 * expiring with the link (`exp`). Nothing personal is in it: the referral id
 * is a pseudonymous id, and the client's name, number and answers are never
 * part of a token.
 *
 * A token proves only that the deployment issued it; whether it may still be
 * answered (single use, expiry, erasure, withdrawal) is the decider's rule
 * (`MeasureLink.checkAnswer`) against the referral's events, so a copied or
 * replayed token records nothing twice.
 *
 * @example
 * ```ts
 * import { MeasureLinkToken } from "@lahete/core"
 * import { Effect, Redacted } from "effect"
 *
 * const key = MeasureLinkToken.key(Redacted.make("a secret of at least 32 characters, from the vault"))
 * const program = Effect.gen(function* () {
 *   const token = yield* MeasureLinkToken.sign(key, {
 *     tokenId: "k1:measure-link-sms",
 *     referralId: "r1",
 *     timePoint: "follow-up",
 *     expiresAt: "2026-06-15T21:00:00.000Z"
 *   })
 *   return yield* MeasureLinkToken.verify(key, token, { now: "2026-06-01T09:00:00.000Z" })
 * })
 * ```
 *
 * @since 0.3.0
 */
import { Effect, Redacted, Schema } from "effect"
import * as jose from "jose"
import type { Instant } from "./Instant.js"
import type { TimePoint } from "./ReferralCommand.js"

/**
 * What a token says.
 *
 * @since 0.3.0
 * @category models
 */
export interface Claims {
  readonly tokenId: string
  readonly referralId: string
  readonly timePoint: TimePoint
  readonly expiresAt: Instant
}

/**
 * A signing key (HMAC-SHA-256), made with `key`.
 *
 * @since 0.3.0
 * @category models
 */
export interface Key {
  readonly _tag: "MeasureLinkKey"
  readonly secret: Uint8Array
}

/**
 * The secret is shorter than 32 bytes (256 bits, what HS256 needs).
 *
 * @since 0.3.0
 * @category errors
 */
export class WeakKey extends Schema.TaggedError<WeakKey>()("WeakKey", { bytes: Schema.Number }) {
  override get message(): string {
    return `the measure-link secret has ${this.bytes} bytes; at least 32 are needed`
  }
}

/**
 * A token that does not verify (forged, altered, expired, or not a
 * measure-link token). Carries no detail on purpose: every such link gets
 * the same page.
 *
 * @since 0.3.0
 * @category errors
 */
export class InvalidToken extends Schema.TaggedError<InvalidToken>()("InvalidToken", {}) {
  override get message(): string {
    return "not a valid measure link"
  }
}

const audience = "lahete:measure-link"
const encoder = new TextEncoder()

/**
 * A key from a secret of at least 32 bytes (UTF-8).
 *
 * @since 0.3.0
 * @category constructors
 */
export const makeKey = (secret: Redacted.Redacted<string>): Effect.Effect<Key, WeakKey> => {
  const bytes = encoder.encode(Redacted.value(secret))
  return bytes.length < 32
    ? Effect.fail(new WeakKey({ bytes: bytes.length }))
    : Effect.succeed({ _tag: "MeasureLinkKey", secret: bytes })
}

/**
 * A key from a secret the caller knows to be long enough (throws otherwise:
 * for configuration checked at start).
 *
 * @since 0.3.0
 * @category constructors
 */
export const key = (secret: Redacted.Redacted<string>): Key => Effect.runSync(makeKey(secret))

/**
 * Signs a link's token.
 *
 * @since 0.3.0
 * @category signing
 */
export const sign = (k: Key, claims: Claims): Effect.Effect<string> =>
  Effect.promise(() =>
    new jose.SignJWT({ tp: claims.timePoint })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setJti(claims.tokenId)
      .setSubject(claims.referralId)
      .setAudience(audience)
      .setExpirationTime(Math.ceil(Date.parse(claims.expiresAt) / 1000))
      .sign(k.secret)
  )

const timePoints: ReadonlyArray<string> = ["baseline", "end", "follow-up"]

/**
 * Verifies a token at `now`: the signature, the audience, the expiry, and
 * the claims a link needs. Any failure is the same `InvalidToken`.
 *
 * @since 0.3.0
 * @category verifying
 */
export const verify = (
  k: Key,
  token: string,
  options: { readonly now: Instant }
): Effect.Effect<Omit<Claims, "expiresAt"> & { readonly expiresAt: Instant }, InvalidToken> =>
  Effect.tryPromise({
    try: () =>
      jose.jwtVerify(token, k.secret, {
        algorithms: ["HS256"],
        audience,
        currentDate: new Date(options.now),
        clockTolerance: 0,
        requiredClaims: ["jti", "sub", "exp"]
      }),
    catch: () => new InvalidToken()
  }).pipe(
    Effect.flatMap(({ payload }) => {
      const tp = payload.tp
      if (
        typeof payload.jti !== "string" ||
        typeof payload.sub !== "string" ||
        typeof payload.exp !== "number" ||
        typeof tp !== "string" ||
        !timePoints.includes(tp)
      ) {
        return Effect.fail(new InvalidToken())
      }
      return Effect.succeed({
        tokenId: payload.jti,
        referralId: payload.sub,
        timePoint: tp as TimePoint,
        expiresAt: new Date(payload.exp * 1000).toISOString() as Instant
      })
    })
  )
