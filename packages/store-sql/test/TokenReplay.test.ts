/**
 * `SqlTokenReplay` on SQLite and PostgreSQL: a token is accepted once, by
 * every guard on the database (another instance, or one built after a
 * restart), exactly once among concurrent claims; expired rows are swept.
 */
import { describe, expect, it } from "@effect/vitest"
import { SqlTokenReplay } from "@lahete/store-sql"
import { Effect, Layer } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { databases } from "./support/layers.js"

describe("SqlTokenReplay", () => {
  for (const db of databases()) {
    it.live(`${db.name}: once per token across guards, once among concurrent claims, expired rows swept`, () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const one = yield* SqlTokenReplay.make({ sweepEvery: 5 })
        const other = yield* SqlTokenReplay.make() // another instance, or this one after a restart
        expect(yield* one.claim("key-a", 10_000, 0)).toBe(true)
        expect(yield* one.claim("key-a", 10_000, 1)).toBe(false)
        expect(yield* other.claim("key-a", 10_000, 2)).toBe(false)
        expect(yield* other.claim("key-b", 10_000, 2)).toBe(true)

        const racing = yield* Effect.all(
          Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? one : other).claim("key-c", 10_000, 3)),
          { concurrency: "unbounded" }
        )
        expect(racing.filter((first) => first)).toHaveLength(1)

        // after expiry: the key counts again, and a sweep removes the expired rows
        expect(yield* one.claim("key-a", 30_000, 20_000)).toBe(true)
        yield* one.claim("key-d", 30_000, 20_001)
        yield* one.claim("key-e", 30_000, 20_002)
        expect(yield* one.claim("key-e", 30_000, 20_003)).toBe(false) // the 10th claim of `one` sweeps first
        const rows = yield* sql`SELECT token_key FROM token_uses ORDER BY token_key`
        expect(rows.map((r) => r.token_key)).toEqual(["key-a", "key-d", "key-e"])
      }).pipe(Effect.provide(Layer.fresh(db.client)))
    )
  }
})
