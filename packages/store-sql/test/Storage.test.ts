/**
 * What the conformance suite cannot see from the port: stored events of an
 * older schema version are upgraded on load, stored rows that cannot be
 * decoded fail with a `StoreFailure` that names positions and types only,
 * and a database error in the middle of an append rolls back everything
 * (events, idempotency record, vault) and reports no data.
 */
import { describe, expect, it } from "@effect/vitest"
import { Ids, PersonalData, type ReferralCommand, ReferralEvent, type ReferralStore } from "@lahete/core"
import { Migrations, SqlAuditLog, SqlReferralStore } from "@lahete/store-sql"
import { Fixtures } from "@lahete/testing"
import { Effect, Layer, Option, Result, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { databases } from "./support/layers.js"

type Command = ReferralCommand.ReferralCommand

const referralId = Schema.decodeSync(Ids.ReferralId)
const idempotencyKey = Schema.decodeSync(Ids.IdempotencyKey)

/** The events of a path, decided in order, on referral `id`. */
const eventsOf = (id: string, commands: ReadonlyArray<Command>) => {
  let state = Fixtures.decider.initialState
  const out: Array<ReferralEvent.ReferralEvent> = []
  for (const c of commands) {
    const decided = Fixtures.decider.decide({ ...c, referralId: referralId(id) }, state)
    if (Result.isFailure(decided)) throw new Error(`fixture refused: ${decided.failure._tag}`)
    state = decided.success.reduce(Fixtures.decider.evolve, state)
    out.push(...decided.success)
  }
  return out
}

let keys = 0
const request = (
  id: string,
  expectedVersion: number,
  events: ReadonlyArray<ReferralEvent.ReferralEvent>,
  vault: ReadonlyArray<PersonalData.VaultWrite> = []
): ReferralStore.AppendRequest => ({
  referralId: referralId(id),
  expectedVersion,
  events,
  idempotencyKey: idempotencyKey(`storage-${++keys}`),
  fingerprint: "fingerprint",
  vault
})

/** Version 2 of `MeetingRecorded` renamed `minutes` to `durationMinutes`. */
const upgraded = ReferralEvent.makeCodec({
  MeetingRecorded: {
    1: ({ minutes, ...rest }) => ({ ...rest, durationMinutes: minutes })
  }
})

for (const database of databases()) {
  const withSql = <A, E>(body: (sql: SqlClient.SqlClient) => Effect.Effect<A, E, SqlClient.SqlClient>) =>
    SqlClient.SqlClient.use(body).pipe(Effect.provide(Layer.fresh(database.client)))

  describe(`SqlReferralStore storage on ${database.name}`, () => {
    it.live("events stored at an older schema version are upgraded on load", () =>
      withSql((sql) =>
        Effect.gen(function* () {
          const v1 = yield* SqlReferralStore.make
          const v2 = yield* SqlReferralStore.makeWith({ codec: upgraded })
          const history = eventsOf("r-old", [...Fixtures.pathTo.Active(), Fixtures.meeting()])
          yield* v1.append(request("r-old", 0, history))
          // the meeting as version 1 of the event kept it
          const meeting = history.at(-1) as ReferralEvent.ReferralEvent & { readonly durationMinutes: number }
          const { durationMinutes, ...rest } = ReferralEvent.codec.encode(meeting).data as Record<string, unknown>
          const old = JSON.stringify({ ...rest, minutes: durationMinutes })
          const cast = sql.literal(sql.onDialectOrElse({ pg: () => "::jsonb", orElse: () => "" }))
          yield* sql`UPDATE referral_events SET data = ${old}${cast} WHERE type = 'MeetingRecorded'`

          expect((yield* v2.load(referralId("r-old"))).events).toEqual(history)
          // the old codec cannot read its own data any more: a failure with positions and types only
          const error = yield* Effect.flip(v1.load(referralId("r-old")))
          expect(error).toMatchObject({
            _tag: "StoreFailure",
            operation: "load",
            detail: `referral r-old event ${history.length}: cannot decode MeetingRecorded v1 (invalid-data)`
          })

          // new appends are written at the current version
          const next = eventsOf("r-old", [...Fixtures.pathTo.Active(), Fixtures.meeting(), Fixtures.meeting()]).slice(
            history.length
          )
          yield* v2.append(request("r-old", history.length, next))
          const versions = yield* sql<{ schema_version: number }>`SELECT schema_version FROM referral_events
            WHERE type = 'MeetingRecorded' ORDER BY version`
          expect(versions.map((r) => r.schema_version)).toEqual([1, 2])
          expect((yield* v2.load(referralId("r-old"))).events).toEqual([...history, ...next])
        })
      )
    )

    it.live("rows that cannot be decoded fail with the position and type only", () =>
      withSql((sql) =>
        Effect.gen(function* () {
          const store = yield* SqlReferralStore.make
          const history = eventsOf("r-bad", Fixtures.pathTo.Assigned())
          yield* store.append(request("r-bad", 0, history))
          yield* sql`UPDATE referral_events SET type = 'NoSuchEvent' WHERE version = 2`
          expect(yield* Effect.flip(store.load(referralId("r-bad")))).toMatchObject({
            _tag: "StoreFailure",
            detail: "referral r-bad event 2: cannot decode NoSuchEvent v1 (unknown-type)"
          })
          yield* sql`UPDATE referral_events SET type = 'LinkWorkerAssigned', schema_version = 7 WHERE version = 2`
          expect(yield* Effect.flip(store.load(referralId("r-bad")))).toMatchObject({
            detail: "referral r-bad event 2: cannot decode LinkWorkerAssigned v7 (unknown-version)"
          })
          // a gap in the stream is corruption, not a shorter history
          yield* sql`DELETE FROM referral_events WHERE version = 2`
          expect(yield* Effect.flip(store.load(referralId("r-bad")))).toMatchObject({
            detail: "referral r-bad: event 2 is stored at version 3"
          })
        })
      )
    )

    it.live(
      "a vault entry that cannot be decoded fails by its subject id only; on SQLite an append over it writes nothing",
      () =>
        withSql((sql) =>
          Effect.gen(function* () {
            const store = yield* SqlReferralStore.make
            const first = Fixtures.submit({ referralId: referralId("r-vault-a") })
            const write = PersonalData.vaultWrite(first, undefined)
            if (write === undefined) throw new Error("fixture")
            yield* store.append(request("r-vault-a", 0, eventsOf("r-vault-a", [first]), [write]))
            // the entry keeps the client's name beside data the vault's schema does not take
            const corrupt = JSON.stringify({ givenName: first.client.givenName, referrals: 7 })
            const cast = sql.literal(sql.onDialectOrElse({ pg: () => "::jsonb", orElse: () => "" }))
            yield* sql`UPDATE subjects SET data = ${corrupt}${cast}`
            const detail = `the vault entry of subject ${first.subjectId} cannot be decoded`
            const read = yield* Effect.flip(store.subject(first.subjectId))
            expect(read).toMatchObject({ _tag: "StoreFailure", operation: "subject", detail })
            expect(read.message).not.toContain(first.client.givenName)
            expect(yield* Effect.flip(store.subjects([first.subjectId]))).toMatchObject({
              _tag: "StoreFailure",
              detail
            })
            if (sql.onDialectOrElse({ sqlite: () => false, orElse: () => true })) return
            // SQLite decodes the entry in the append's transaction (PostgreSQL merges it in SQL): both of its paths,
            // the batch (the state given) and the statements one by one (no state), fail alike and write nothing
            const second = Fixtures.submit({ referralId: referralId("r-vault-b") })
            const secondWrite = PersonalData.vaultWrite(second, undefined)
            if (secondWrite === undefined) throw new Error("fixture")
            const events = eventsOf("r-vault-b", [second])
            for (const state of [Fixtures.decider.initialState, undefined]) {
              const appended = {
                ...request("r-vault-b", 0, events, [secondWrite]),
                ...(state === undefined ? {} : { state })
              }
              const error = yield* Effect.flip(store.append(appended))
              expect(error).toMatchObject({ _tag: "StoreFailure", operation: "append", detail })
              expect(error.message).not.toContain(first.client.givenName)
              expect((yield* store.load(referralId("r-vault-b"))).version).toBe(0)
              expect(Option.isNone(yield* store.idempotency(appended.idempotencyKey))).toBe(true)
            }
            const stored = yield* sql<{ data: string }>`SELECT data FROM subjects`
            expect(stored.map((r) => r.data)).toEqual([corrupt])
          })
        )
    )

    it.live("several instances starting at once on a fresh database migrate it once", () =>
      withSql((sql) =>
        Effect.gen(function* () {
          const stores = yield* Effect.all(
            Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? SqlReferralStore.make : SqlAuditLog.make)),
            { concurrency: "unbounded" }
          )
          expect(stores).toHaveLength(6)
          const ran = yield* sql<{ id: number | string }>`SELECT migration_id AS id FROM lahete_migrations ORDER BY 1`
          expect(ran.map((r) => Number(r.id))).toEqual(
            Object.keys(Migrations.migrations).map((k) => Number(k.slice(0, 4)))
          )
        })
      )
    )

    it.live("concurrent vault writes for one new subject from several referrals are all kept", () =>
      withSql(() =>
        Effect.gen(function* () {
          const store = yield* SqlReferralStore.make
          const referrals = Array.from({ length: 12 }, (_, i) => `r-shared-${i}`)
          const writes = referrals.map((id) => {
            const submit = Fixtures.submit({ referralId: referralId(id), reasonText: `reason of ${id}` })
            const write = PersonalData.vaultWrite(submit, undefined)
            if (write === undefined) throw new Error("fixture")
            return { id, events: eventsOf(id, [submit]), write }
          })
          yield* Effect.all(
            writes.map((w) => store.append(request(w.id, 0, w.events, [w.write]))),
            { concurrency: "unbounded" }
          )
          const subject = Option.getOrUndefined(yield* store.subject(Fixtures.submit().subjectId))
          expect(Object.keys(subject?.referrals ?? {}).sort()).toEqual([...referrals].sort())
          for (const id of referrals) expect(subject?.referrals[id]).toEqual({ reasonText: `reason of ${id}` })
        })
      )
    )

    it.live("a database error in an append writes nothing and reports no data", () =>
      withSql((sql) =>
        Effect.gen(function* () {
          const store = yield* SqlReferralStore.make
          const submit = Fixtures.submit({ referralId: referralId("r-fail") })
          const write = PersonalData.vaultWrite(submit, undefined)
          if (write === undefined) throw new Error("fixture")
          const events = eventsOf("r-fail", [submit])
          // the vault write, the last step of the transaction, fails
          yield* sql`DROP TABLE subjects`
          const failing = request("r-fail", 0, events, [write])
          const error = yield* Effect.flip(store.append(failing))
          expect(error._tag).toBe("StoreFailure")
          expect(error).toMatchObject({ operation: "append" })
          expect(error.message).toMatch(/^store append failed: database error \(\w+\)$/)
          for (const value of [submit.client.givenName, submit.client.familyName, submit.reasonText]) {
            expect(error.message).not.toContain(value)
          }
          // rolled back: no events, no stream, no key
          expect(yield* store.load(referralId("r-fail"))).toEqual({
            referralId: referralId("r-fail"),
            version: 0,
            events: []
          })
          expect(yield* store.referralIds()).toEqual([])
          expect(Option.isNone(yield* store.idempotency(failing.idempotencyKey))).toBe(true)
          const rows = yield* sql<{ n: number | string | bigint }>`SELECT COUNT(*) AS n FROM referral_events`
          expect(Number(rows[0]?.n)).toBe(0)
        })
      )
    )
  })
}
