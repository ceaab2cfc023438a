/**
 * The replay guard of the transports' bearer tokens (`TokenReplay` of
 * `@lahete/core`) in the database: table `token_uses`, one row per token
 * accepted and not yet expired. A token is claimed with one
 * `INSERT … ON CONFLICT DO NOTHING RETURNING` (the primary key decides
 * between racing instances), so every instance on the database, and an
 * instance after a restart, accepts a token once. Expired rows are deleted
 * every `sweepEvery` claims (default 100); the table holds at most the
 * tokens of one token lifetime.
 *
 * @example
 * ```ts
 * import { SqlTokenReplay } from "@lahete/store-sql"
 * import { Effect } from "effect"
 *
 * // give it to the transports: EkollegaInbox.layer({ …, replayGuard }), FhirAuth.make({ …, replayGuard })
 * const replayGuard = SqlTokenReplay.make() // needs the SqlClient of the store
 * ```
 *
 * @since 0.2.0
 */
import { ReferralStore, TokenReplay } from "@lahete/core"
import { Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { storeFailure } from "./internal/sql.js"
import * as Migrations from "./Migrations.js"

/**
 * Options of the guard.
 *
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** Delete the expired rows every this many claims (default 100). */
  readonly sweepEvery?: number
}

/**
 * Builds the guard over the `SqlClient` in the context (runs the
 * migrations first).
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (
  options: Options = {}
): Effect.Effect<TokenReplay.Shape, ReferralStore.StoreFailure, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = (yield* SqlClient.SqlClient).withoutTransforms()
    yield* Effect.mapError(
      Migrations.run,
      (e) =>
        new ReferralStore.StoreFailure({
          operation: "migrate",
          detail: e._tag === "MigrationError" ? `migration failed (${e.kind})` : `database error (${e.reason._tag})`
        })
    )
    const sweepEvery = Math.max(1, Math.floor(options.sweepEvery ?? 100))
    let claims = 0
    const claim = (
      key: string,
      expiresAt: number,
      now: number
    ): Effect.Effect<boolean, TokenReplay.TokenReplayFailure> =>
      Effect.gen(function* () {
        if (++claims % sweepEvery === 0) yield* sql`DELETE FROM token_uses WHERE expires_at < ${now}`
        // a row left by an expired token of the same key (not swept yet) does not count
        yield* sql`DELETE FROM token_uses WHERE token_key = ${key} AND expires_at < ${now}`
        const inserted = yield* sql`INSERT INTO token_uses (token_key, expires_at)
          VALUES (${key}, ${Math.ceil(expiresAt)}) ON CONFLICT (token_key) DO NOTHING RETURNING token_key`
        return inserted.length === 1
      }).pipe(
        Effect.mapError((e) => new TokenReplay.TokenReplayFailure({ detail: storeFailure("token_uses", e).detail }))
      )
    return { claim }
  })
