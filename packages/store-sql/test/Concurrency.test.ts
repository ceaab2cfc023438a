/**
 * Many concurrent commands on the same few referrals through
 * `ReferralService` over the SQL store, on PostgreSQL from several
 * connections (and on SQLite, whose one connection serialises the writes). Afterwards every stream is gap-free, every accepted command's
 * events are in it exactly once (at the versions its idempotency record
 * names), every rejected command left nothing, every idempotency key is
 * recorded once, the projection equals a rebuild from the log and the outbox
 * holds exactly the messages of the committed events.
 */
import { describe, expect, it } from "@effect/vitest"
import {
  Ids,
  LinkWorkerRegistry,
  Presets,
  Referral,
  type ReferralCommand,
  ReferralService,
  ReferralStore
} from "@lahete/core"
import { SqlAuditLog, SqlProjections } from "@lahete/store-sql"
import { Fixtures } from "@lahete/testing"
import { Effect, Layer, Option, Result, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { checkConsistency } from "./support/consistency.js"
import { databases, wrappedStore } from "./support/layers.js"

const referrals = 4
const fibers = 8
const perFiber = 200

const referralId = Schema.decodeSync(Ids.ReferralId)
const subjectId = Schema.decodeSync(Ids.SubjectId)
const key = Schema.decodeSync(Ids.IdempotencyKey)

type Command = ReferralCommand.ReferralCommand

const ids = Array.from({ length: referrals }, (_, i) => referralId(`r-concurrent-${i}`))

/** Moves a fixture command onto a referral (and the submission onto its own subject). */
const onto = (id: Ids.ReferralId, c: Command): Command =>
  c._tag === "SubmitReferral"
    ? { ...c, referralId: id, subjectId: subjectId(`subject-of-${id}`) }
    : { ...c, referralId: id }

/**
 * The commands of fiber `f`: mostly meetings (accepted unless the retries
 * after version conflicts run out), a command the lifecycle refuses, a used
 * key with another command, and an exact retry of an earlier command.
 */
const commandsOf = (f: number): ReadonlyArray<Command> => {
  const out: Array<Command> = []
  for (let i = 0; i < perFiber; i++) {
    const id = ids[(f + i) % referrals] as Ids.ReferralId
    const n = f * perFiber + i
    const meeting = (k: string, minutes: number) =>
      onto(
        id,
        Fixtures.meeting({
          idempotencyKey: key(k),
          durationMinutes: minutes,
          meetingAt: Fixtures.at(200 + n / 100),
          at: Fixtures.at(3000)
        })
      )
    switch (i % 10) {
      case 7:
        // a referral in progress cannot be rejected
        out.push(onto(id, Fixtures.reject({ idempotencyKey: key(`c-${f}-${i}`) })))
        break
      case 8: {
        // the key of the meeting two commands back, with another command
        const earlier = out[i - 2] as Command
        out.push({
          ...onto(earlier.referralId, Fixtures.meeting({ durationMinutes: 599 })),
          idempotencyKey: earlier.idempotencyKey
        })
        break
      }
      case 9:
        // the command three back, again
        out.push(out[i - 3] as Command)
        break
      default:
        out.push(meeting(`c-${f}-${i}`, 1 + (n % 500)))
    }
  }
  return out
}

for (const database of databases({ maxConnections: fibers })) {
  /** Version conflicts the store reported (the service retried them): proof that the appends really raced. */
  let conflicts = 0
  const countingStore = wrappedStore({
    store: (store) => ({
      ...store,
      append: (request) =>
        Effect.tapError(store.append(request), (e) =>
          Effect.sync(() => {
            if (e._tag === "VersionConflict") conflicts++
          })
        )
    })
  })
  const layer = ReferralService.layerWith({ conflictRetries: 50 }).pipe(
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

  describe(`concurrent commands on ${database.name}`, () => {
    it.live(
      `${fibers} fibers × ${perFiber} commands on ${referrals} referrals: gap-free streams, each accepted command once, rejected ones left nothing`,
      () =>
        Effect.gen(function* () {
          const service = yield* ReferralService.ReferralService
          const store = yield* ReferralStore.ReferralStore
          const sql = yield* SqlClient.SqlClient

          // every referral active
          const setupKeys: Array<string> = []
          for (const id of ids) {
            for (const c of Fixtures.pathTo.Active()) {
              const command = onto(id, c)
              setupKeys.push(command.idempotencyKey)
              yield* service.execute(command)
            }
          }
          const setupVersions = new Map<string, number>()
          for (const id of ids) setupVersions.set(id, (yield* store.load(id)).version)

          const outcomes = yield* Effect.all(
            Array.from({ length: fibers }, (_, f) =>
              Effect.forEach(commandsOf(f), (command) =>
                Effect.map(Effect.result(service.execute(command)), (result) => ({ command, result }))
              )
            ),
            { concurrency: "unbounded" }
          ).pipe(Effect.map((perFiberOutcomes) => perFiberOutcomes.flat()))
          expect(outcomes).toHaveLength(fibers * perFiber)

          const accepted = outcomes.flatMap((o) =>
            Result.isSuccess(o.result) && !o.result.success.replayed
              ? [{ command: o.command, executed: o.result.success }]
              : []
          )
          const replayed = outcomes.flatMap((o) =>
            Result.isSuccess(o.result) && o.result.success.replayed
              ? [{ command: o.command, executed: o.result.success }]
              : []
          )
          const rejected = outcomes.flatMap((o) =>
            Result.isFailure(o.result) ? [{ command: o.command, error: o.result.failure }] : []
          )
          const tags = new Map<string, number>()
          for (const r of rejected) tags.set(r.error._tag, (tags.get(r.error._tag) ?? 0) + 1)
          // every kind of outcome happened, and no store failure
          expect(accepted.length).toBeGreaterThan(fibers * perFiber * 0.5)
          expect(replayed.length).toBeGreaterThan(0)
          expect(tags.get("IdempotencyKeyReused") ?? 0).toBeGreaterThan(0)
          expect(
            rejected.length - (tags.get("IdempotencyKeyReused") ?? 0) - (tags.get("VersionConflict") ?? 0)
          ).toBeGreaterThan(0)
          expect(tags.get("StoreFailure")).toBeUndefined()
          // on PostgreSQL the appends really raced (SQLite's one connection runs them one after another)
          if (database.concurrentConnections) expect(conflicts).toBeGreaterThan(0)

          // a key is accepted at most once
          const acceptedKeys = new Set(accepted.map((a) => a.command.idempotencyKey))
          expect(acceptedKeys.size).toBe(accepted.length)

          // every stream gap-free, in the events table and the streams table
          const rows = yield* sql<{ referral_id: string; version: number }>`
            SELECT referral_id, version FROM referral_events ORDER BY referral_id, version`
          const streamRows = yield* sql<{ referral_id: string; version: number }>`
            SELECT referral_id, version FROM referral_streams ORDER BY referral_id`
          expect(streamRows.map((r) => r.referral_id)).toEqual([...ids].sort())
          for (const id of ids) {
            const versions = rows.filter((r) => r.referral_id === id).map((r) => r.version)
            expect(versions).toEqual(Array.from({ length: versions.length }, (_, i) => i + 1))
            expect(streamRows.find((r) => r.referral_id === id)?.version).toBe(versions.length)
          }

          // each accepted command's events exactly once, where its idempotency record says
          const streams = new Map<string, ReferralStore.Stream>()
          for (const id of ids) streams.set(id, yield* store.load(id))
          const ranges = new Map<string, Array<readonly [number, number]>>()
          for (const { command, executed } of accepted) {
            const record = Option.getOrUndefined(yield* store.idempotency(command.idempotencyKey))
            expect(record).toMatchObject({
              referralId: command.referralId,
              fromVersion: executed.version - executed.events.length,
              toVersion: executed.version
            })
            if (record === undefined) continue
            expect(streams.get(command.referralId)?.events.slice(record.fromVersion, record.toVersion)).toEqual(
              executed.events
            )
            const list = ranges.get(command.referralId) ?? []
            list.push([record.fromVersion, record.toVersion])
            ranges.set(command.referralId, list)
          }
          // the accepted commands' ranges tile each stream after the set-up: nothing else was appended
          for (const id of ids) {
            const sorted = [...(ranges.get(id) ?? [])].sort((a, b) => a[0] - b[0])
            let at = setupVersions.get(id) ?? 0
            for (const [from, to] of sorted) {
              expect(from).toBe(at)
              at = to
            }
            expect(at).toBe(streams.get(id)?.version)
          }

          // a replay returns the first execution's events
          for (const { command, executed } of replayed) {
            const first = accepted.find((a) => a.command.idempotencyKey === command.idempotencyKey)
            expect(first?.executed.events).toEqual(executed.events)
          }

          // a rejected command left no idempotency record of its own
          for (const { command, error } of rejected) {
            const record = yield* store.idempotency(command.idempotencyKey)
            if (error._tag === "IdempotencyKeyReused") {
              expect(acceptedKeys.has(command.idempotencyKey) || setupKeys.includes(command.idempotencyKey)).toBe(true)
            } else {
              expect(Option.isNone(record)).toBe(true)
            }
          }

          // every idempotency key recorded once: the set-up's and the accepted commands'
          const keyRows = yield* sql<{ idempotency_key: string }>`SELECT idempotency_key FROM idempotency_keys`
          expect(new Set(keyRows.map((r) => r.idempotency_key)).size).toBe(keyRows.length)
          expect(new Set(keyRows.map((r) => r.idempotency_key))).toEqual(new Set([...setupKeys, ...acceptedKeys]))

          // the projection equals a rebuild from the log (and the outbox holds the committed events' messages)
          yield* checkConsistency
          const states = yield* SqlProjections.statesBy({ linkWorkerId: Fixtures.linkWorker().id })
          expect(states).toEqual(ids.map((id) => Referral.fold(streams.get(id)?.events ?? [])))
        }).pipe(Effect.provide(layer)),
      120_000
    )
  })
}
