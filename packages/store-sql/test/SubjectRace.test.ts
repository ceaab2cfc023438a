/**
 * Submissions naming one subject id at the same time, on the SQL stores.
 *
 * - The shared suite (`SubjectRaceTest`): both submissions checked before
 *   either appends, forced step by step; the vault row compared byte for
 *   byte as the `data` column holds it. On SQLite (the append trigger's
 *   guard) and PostgreSQL (the one-statement append's guard), and with the
 *   statements one by one (`applyVault`'s guard: an append made without the
 *   decided-against state, as another caller of the store makes it).
 * - Real concurrency on PostgreSQL: pairs of submissions run at once
 *   through `ReferralService` from two pool connections (mandatory under
 *   `CI=true`, like every PostgreSQL suite here). Two people on one new subject id:
 *   exactly one is accepted, the other refused on `subjectId` with nothing
 *   of it written, and the vault row holds the winner's identity. The same
 *   person twice: both accepted.
 */
import { describe, expect, it } from "@effect/vitest"
import {
  Ids,
  LinkWorkerRegistry,
  PersonalData,
  Presets,
  type ReferralCommand,
  ReferralService,
  ReferralStore
} from "@lahete/core"
import { SqlAuditLog, SqlReferralStore } from "@lahete/store-sql"
import { Fixtures, SubjectRaceTest } from "@lahete/testing"
import { Effect, Layer, Option, Result, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { databases, wrappedStore } from "./support/layers.js"

/** The subject's row as the `data` column holds it (text), to compare byte for byte. */
const rawSubject = (subjectId: Ids.SubjectId) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const cast = sql.onDialectOrElse({ pg: () => "::text", orElse: () => "" })
    const found = yield* sql.unsafe<{ readonly data: string }>(
      `SELECT data${cast} AS data FROM subjects WHERE subject_id = ${sql.onDialectOrElse({ pg: () => "$1", orElse: () => "?" })}`,
      [subjectId]
    )
    return found[0]?.data
  })

/** The store's appends without the decided-against state: the statements one by one (`applyVault`). */
const withoutState = wrappedStore({
  store: (store) => ({
    ...store,
    append: (request) => {
      const { state: _state, ...rest } = request
      return store.append(rest)
    }
  })
})

for (const database of databases()) {
  SubjectRaceTest.suite(database.name, SqlReferralStore.layer.pipe(Layer.provideMerge(database.client)), {
    rawSubject
  })
  SubjectRaceTest.suite(
    `${database.name}, statements one by one`,
    withoutState.pipe(Layer.provideMerge(database.client)),
    {
      rawSubject
    }
  )
}

const subjectId = Schema.decodeSync(Ids.SubjectId)
const referralId = Schema.decodeSync(Ids.ReferralId)
const key = Schema.decodeSync(Ids.IdempotencyKey)

type Submit = Extract<ReferralCommand.ReferralCommand, { _tag: "SubmitReferral" }>

const pairs = 40

/** Two submissions of pair `n` on the subject id `subject`, for `a` and `b`. */
const pair = (
  label: string,
  n: number,
  a: ReferralCommand.ClientDetails,
  b: ReferralCommand.ClientDetails
): readonly [Submit, Submit] => {
  const one = (side: string, client: ReferralCommand.ClientDetails) =>
    Fixtures.submit({
      referralId: referralId(`${label}-${n}-${side}`),
      idempotencyKey: key(`${label}-${n}-${side}`),
      subjectId: subjectId(`${label}-subject-${n}`),
      client
    })
  return [one("a", a), one("b", b)]
}

const aino: ReferralCommand.ClientDetails = Fixtures.submit().client
const eero = SubjectRaceTest.eero

// real concurrency needs several connections: PostgreSQL (SQLite's fibers run a command through before yielding)
for (const database of databases({ maxConnections: 4 }).filter((d) => d.concurrentConnections)) {
  /** `SubjectChanged` the store reported (the service checked again): proof that the submissions really raced. */
  let changed = 0
  const countingStore = wrappedStore({
    store: (store) => ({
      ...store,
      append: (request) =>
        Effect.tapError(store.append(request), (e) =>
          Effect.sync(() => {
            if (e._tag === "SubjectChanged") changed++
          })
        )
    })
  })
  const layer = ReferralService.layer.pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        countingStore,
        SqlAuditLog.layer,
        LinkWorkerRegistry.layerMemory([Fixtures.linkWorker()]),
        ReferralService.catalogLayer(Presets.catalog)
      )
    ),
    Layer.provideMerge(database.client)
  )

  describe(`submissions at the same moment on ${database.name}`, () => {
    it.live(
      `${pairs} pairs of two people on one new subject id each: exactly one accepted, the row holds the winner's identity`,
      () =>
        Effect.gen(function* () {
          const service = yield* ReferralService.ReferralService
          const store = yield* ReferralStore.ReferralStore
          changed = 0
          for (let n = 0; n < pairs; n++) {
            // alternate who is first in line, so that either may win
            const [a, b] = pair("two", n, n % 2 === 0 ? aino : eero, n % 2 === 0 ? eero : aino)
            const results = yield* Effect.all([Effect.result(service.execute(a)), Effect.result(service.execute(b))], {
              concurrency: 2
            })
            const winners = [a, b].filter((_, i) => Result.isSuccess(results[i] as Result.Result<unknown, unknown>))
            expect(winners, `pair ${n}`).toHaveLength(1)
            const winner = winners[0] as Submit
            const loser = winner === a ? b : a
            const refusal = results.find(Result.isFailure)
            expect(refusal?.failure, `pair ${n}`).toMatchObject({ _tag: "InvalidCommand", field: "subjectId" })
            const stored = Option.getOrUndefined(yield* store.subject(winner.subjectId))
            expect(stored?.personalIdentityCode, `pair ${n}`).toBe(winner.client.personalIdentityCode)
            expect(PersonalData.sameClient(stored as PersonalData.SubjectData, winner.client)).toBe(true)
            expect(PersonalData.sameClient(stored as PersonalData.SubjectData, loser.client)).toBe(false)
            expect(Object.keys(stored?.referrals ?? {})).toEqual([winner.referralId])
            expect((yield* store.current(loser.referralId)).version, `pair ${n}`).toBe(0)
            expect(Option.isNone(yield* store.idempotency(loser.idempotencyKey))).toBe(true)
          }
          // the two really raced: some were checked before the other's append and checked again
          expect(changed).toBeGreaterThan(0)
        }).pipe(Effect.provide(layer))
    )

    it.live(`${pairs} pairs of the same person on one new subject id each: both accepted`, () =>
      Effect.gen(function* () {
        const service = yield* ReferralService.ReferralService
        const store = yield* ReferralStore.ReferralStore
        changed = 0
        for (let n = 0; n < pairs; n++) {
          const [a, b] = pair("same", n, aino, { ...aino, givenName: "AINO", mobileNumber: "050 765 4321" })
          const results = yield* Effect.all([Effect.result(service.execute(a)), Effect.result(service.execute(b))], {
            concurrency: 2
          })
          for (const r of results) expect(Result.isSuccess(r), `pair ${n}`).toBe(true)
          const stored = Option.getOrUndefined(yield* store.subject(a.subjectId))
          expect(Object.keys(stored?.referrals ?? {}).sort()).toEqual([a.referralId, b.referralId].sort())
          expect(PersonalData.sameClient(stored as PersonalData.SubjectData, a.client)).toBe(true)
        }
        expect(changed).toBeGreaterThan(0)
      }).pipe(Effect.provide(layer))
    )
  })
}
