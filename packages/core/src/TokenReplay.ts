/**
 * The replay guard of the transports' bearer tokens: each token (by its
 * issuer and `jti`) is accepted once within its lifetime, so a token copied
 * from a log, a proxy or a compromised client cannot deliver referrals or
 * read status again. The transports claim a token after verifying its
 * signature and claims, so only registered organisations' tokens are
 * recorded, and each entry is kept only until the token expires.
 *
 * Two implementations:
 *
 * - `memory` (the transports' default): a bounded map in the process. It is
 *   forgotten on restart and not shared between instances: behind a load
 *   balancer with several instances, or across a restart, a token may be
 *   used once per instance within its (short) lifetime.
 * - `SqlTokenReplay` in `@lahete/store-sql` (table `token_uses`): shared by
 *   every instance on the database and kept over restarts; use it on
 *   PostgreSQL with several instances.
 *
 * @since 0.2.0
 */
import { Effect, Schema } from "effect"

/**
 * The guard could not record the token (its store failed, or the memory
 * guard is full of tokens that have not expired). The request may be
 * retried: the transports answer `503`.
 *
 * @since 0.2.0
 * @category errors
 */
export class TokenReplayFailure extends Schema.TaggedError<TokenReplayFailure>()("TokenReplayFailure", {
  detail: Schema.String
}) {
  override get message(): string {
    return `token replay guard: ${this.detail}`
  }
}

/**
 * The guard's one operation.
 *
 * @since 0.2.0
 * @category models
 */
export interface Shape {
  /**
   * Records a token's use: `true` the first time `key` is claimed, `false`
   * when it was claimed before and has not expired. `expiresAt` and `now`
   * are epoch milliseconds; the entry may be forgotten after `expiresAt`.
   */
  readonly claim: (key: string, expiresAt: number, now: number) => Effect.Effect<boolean, TokenReplayFailure>
}

const hex = (bytes: ArrayBuffer): string =>
  Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("")

/**
 * A token's key for the guard: SHA-256 of its issuer and `jti` (64
 * hexadecimal characters, whatever the `jti`'s length).
 *
 * @since 0.2.0
 * @category constructors
 */
export const keyOf = (issuer: string, jti: string): Effect.Effect<string> =>
  Effect.promise(async () =>
    hex(await globalThis.crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${issuer}\u0000${jti}`)))
  )

/**
 * The default number of unexpired tokens the memory guard holds: with
 * 5-minute tokens, 333 requests a second.
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultCapacity = 100_000

/**
 * A guard in the process's memory, holding at most `capacity` unexpired
 * tokens (default `defaultCapacity`). When it is full even after
 * forgetting the expired ones, a new token fails with `TokenReplayFailure`
 * (`503`: try again) rather than forgetting a live one, which would let
 * that one be replayed.
 *
 * @since 0.2.0
 * @category constructors
 */
export const memory = (options: { readonly capacity?: number } = {}): Shape => {
  const capacity = Math.max(1, Math.floor(options.capacity ?? defaultCapacity))
  const seen = new Map<string, number>()
  let claims = 0
  const sweep = (now: number) => {
    for (const [key, expiresAt] of seen) if (expiresAt < now) seen.delete(key)
  }
  return {
    claim: (key, expiresAt, now) =>
      Effect.suspend(() => {
        if (++claims % 1000 === 0) sweep(now)
        const known = seen.get(key)
        if (known !== undefined && known >= now) return Effect.succeed(false)
        if (known === undefined && seen.size >= capacity) {
          sweep(now)
          if (seen.size >= capacity) {
            return Effect.fail(new TokenReplayFailure({ detail: "too many tokens in use; try again" }))
          }
        }
        seen.set(key, expiresAt)
        return Effect.succeed(true)
      })
  }
}
