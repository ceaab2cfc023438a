/**
 * The projection row the one-statement append writes (SQLite: the append
 * trigger assigns each indexed column only when it changes; PostgreSQL: the
 * data-modifying `WITH`) is, column by column, the row the statements one by
 * one write (`SqlProjections.write`, an upsert of every column): the same
 * generated command sequences appended to two new databases, with the state
 * the events were decided against (the one statement) and without it (the
 * statements one by one), with next deadlines that change, stay, become
 * `NULL` or are not computed, leave identical `referral_projection` and
 * `link_worker_load` tables. Every column is compared, the ones the
 * concurrency and crash checks leave out (`next_due_at`, `sort_key`,
 * `ended`, `view_changed_at`, `feedback_expires_at`) included.
 */
import { describe, expect, it } from "@effect/vitest"
import { type Ids, type Instant, PersonalData, ReferralStore } from "@lahete/core"
import { SqlReferralStore } from "@lahete/store-sql"
import { CommandSequences, Fixtures } from "@lahete/testing"
import { Context, Effect, Layer, Result } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import * as fc from "fast-check"
import { databases } from "./support/layers.js"

/** Sequences with a share of refused commands (skipped: a refusal appends nothing). */
const sequences = fc.sample(CommandSequences.sequence({ minLength: 3, maxLength: 30, invalidShare: 0.1 }), {
  seed: 20261207,
  numRuns: 25
})

/** The next deadline given with the n-th append: an instant that moves, one that stays, none, not computed. */
const nextDueAt = (n: number, at: Instant.Instant): Instant.Instant | null | undefined => {
  switch (n % 5) {
    case 0:
      return at
    case 1:
      return Fixtures.at(24 * 400)
    case 2:
      return null
    case 3:
      return undefined
    default:
      return Fixtures.at(24 * 400)
  }
}

/** Every append of the sequences, each with the state it was decided against. */
const appends: ReadonlyArray<ReferralStore.AppendRequest> = sequences.flatMap((commands, i) => {
  const referralId = `r-row-${i}` as Ids.ReferralId
  const out: Array<ReferralStore.AppendRequest> = []
  let version = 0
  for (const step of CommandSequences.run(Fixtures.decider, commands).steps) {
    if (Result.isFailure(step.result) || step.result.success.length === 0) continue
    const events = step.result.success
    const write = PersonalData.vaultWrite(step.command, step.before.subjectId)
    out.push({
      referralId,
      expectedVersion: version,
      events,
      idempotencyKey: `row-${i}-${step.index}` as Ids.IdempotencyKey,
      fingerprint: `fp-${i}-${step.index}`,
      vault: write === undefined ? [] : [write],
      nextDueAt: nextDueAt(out.length, step.command.at),
      state: step.before
    })
    version += events.length
  }
  return out
})

/** A new database with the store on it; its `SqlClient` to read the tables. */
const storeOn = (client: Layer.Layer<SqlClient.SqlClient, SqlError>) =>
  Effect.map(Layer.build(SqlReferralStore.layer.pipe(Layer.provideMerge(Layer.fresh(client)))), (context) => ({
    store: Context.get(context, ReferralStore.ReferralStore),
    sql: Context.get(context, SqlClient.SqlClient)
  }))

/** Both tables, every column, in a fixed order (the state as text: the same canonical JSON on both). */
const tables = (sql: SqlClient.SqlClient) =>
  Effect.gen(function* () {
    const text = sql.onDialectOrElse({ pg: () => sql.literal("::text"), orElse: () => sql.literal("") })
    const projection = yield* sql<Record<string, unknown>>`SELECT *, state${text} AS state
      FROM referral_projection ORDER BY referral_id`
    const load = yield* sql`SELECT * FROM link_worker_load ORDER BY link_worker_id`
    return { projection, load }
  })

for (const database of databases()) {
  describe(`the one-statement append's projection row on ${database.name}`, () => {
    it.effect(
      "is the row of the statements one by one, every column, after every append",
      () =>
        Effect.scoped(
          Effect.gen(function* () {
            expect(appends.length).toBeGreaterThan(100)
            expect(new Set(appends.map((a) => a.nextDueAt)).size).toBeGreaterThan(3)
            const one = yield* storeOn(database.client)
            const byOne = yield* storeOn(database.client)
            for (const request of appends) {
              yield* one.store.append(request)
              const { state: _state, ...withoutState } = request
              yield* byOne.store.append(withoutState)
            }
            const written = yield* tables(one.sql)
            expect(written.projection).toHaveLength(new Set(appends.map((a) => a.referralId)).size)
            expect(written).toEqual(yield* tables(byOne.sql))
          })
        ),
      120_000
    )
  })
}
