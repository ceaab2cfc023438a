/**
 * A referrer's changes poll (`ReferralTransport.changes`: the eKollega
 * inbox's `changes`, FHIR's `GET /Task?_lastUpdated=ge…`) on SQLite and
 * PostgreSQL, counted: it reads by index the referrals whose view changed
 * since the poll's instant, as many states as it returns and no stream,
 * and runs the same statements on a store three times as large (before the
 * index, it read every one of the referrer's referrals on every poll).
 */
import { describe, expect, it } from "@effect/vitest"
import {
  Ids,
  LinkWorkerRegistry,
  Presets,
  type ReferralCommand,
  ReferralService,
  ReferralTransport
} from "@lahete/core"
import { SqlAuditLog } from "@lahete/store-sql"
import { Fixtures as F, SimulatedTime } from "@lahete/testing"
import { Clock, Effect, Layer, Schema } from "effect"
import type * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import { counted, databases, wrappedStore } from "./support/layers.js"

const referralId = Schema.decodeSync(Ids.ReferralId)
const subjectId = Schema.decodeSync(Ids.SubjectId)
const key = Schema.decodeSync(Ids.IdempotencyKey)

type Command = ReferralCommand.ReferralCommand

const on = (i: number, c: Command): Command => {
  const id = referralId(`r-poll-${String(i).padStart(5, "0")}`)
  return { ...c, referralId: id, idempotencyKey: key(`${id}-${c.idempotencyKey}`) }
}

/** `n` referrals of the fixture referrer; three of them assigned later; the poll since before the assignments. */
const measure = (client: Layer.Layer<SqlClient.SqlClient, SqlError>, n: number) => {
  const counts = { states: 0, streams: 0 }
  const layer = ReferralTransport.layer.pipe(
    Layer.provideMerge(ReferralService.layer),
    Layer.provideMerge(
      Layer.mergeAll(
        wrappedStore({
          store: (store) => ({
            ...store,
            load: (id) =>
              Effect.andThen(
                Effect.sync(() => counts.streams++),
                store.load(id)
              )
          }),
          index: (index) => ({
            ...index,
            find: (query, page) =>
              Effect.tap(index.find(query, page), (found) => Effect.sync(() => (counts.states += found.items.length))),
            streams: (ids) =>
              Effect.andThen(
                Effect.sync(() => (counts.streams += ids.length)),
                index.streams(ids)
              ),
            events: (ids, tags) =>
              Effect.andThen(
                Effect.sync(() => (counts.streams += ids.length)),
                index.events(ids, tags)
              )
          })
        }),
        SqlAuditLog.layer,
        LinkWorkerRegistry.layerMemory([F.linkWorker()]),
        ReferralService.catalogLayer(Presets.catalog)
      )
    ),
    Layer.provideMerge(Layer.fresh(client))
  )
  return Effect.gen(function* () {
    const service = yield* ReferralService.ReferralService
    const transport = yield* ReferralTransport.ReferralTransport
    for (let i = 0; i < n; i++) {
      yield* service.execute(on(i, F.submit({ subjectId: subjectId(`subject-poll-${i}`), at: F.at(i * 0.01) })))
    }
    const changed = [2, 5, 7]
    for (const i of changed) yield* service.execute(on(i, F.assign({ at: F.at(10 + i) })))
    const time = SimulatedTime.settable(F.at(40), yield* Clock.Clock)
    counts.states = 0
    counts.streams = 0
    const { result: polled, statements } = yield* counted(
      transport.changes(F.referrer, { since: F.at(10) }).pipe(Effect.provideService(Clock.Clock, time.clock))
    )
    expect(polled.map((s) => s.referralId)).toEqual(changed.map((i) => on(i, F.submit()).referralId))
    expect(polled.every((s) => s.status === "Assigned")).toBe(true)
    const read = { states: counts.states, streams: counts.streams }
    // nothing changed since the last assignment: an empty answer, nothing read
    counts.states = 0
    const quiet = yield* transport
      .changes(F.referrer, { since: F.at(20) })
      .pipe(Effect.provideService(Clock.Clock, time.clock))
    expect(quiet).toEqual([])
    const quietStates = counts.states
    return { returned: polled.length, ...read, statements, quietStates }
  }).pipe(Effect.provide(layer))
}

for (const database of databases()) {
  describe(`a referrer's changes poll on ${database.name}`, () => {
    it.live(
      "reads the referrals that changed since, by index: no more states than it returns, no stream, the same statements at three times the size",
      () =>
        Effect.gen(function* () {
          const small = yield* measure(database.client, 30)
          const large = yield* measure(database.client, 90)
          for (const m of [small, large]) {
            expect(m.states).toBe(m.returned)
            expect(m.streams).toBe(0)
            expect(m.quietStates).toBe(0)
          }
          expect(large.statements).toBe(small.statements)
        }),
      180_000
    )
  })
}
