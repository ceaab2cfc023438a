/**
 * The projection and the outbox after commands along every path of the
 * lifecycle, through `ReferralService` over the SQL store: the projected
 * states equal the fold of each stream, the filters of `referralIdsBy` find
 * exactly the matching referrals, `rebuildProjections` restores damaged
 * rows, the store fills in missing rows when it starts, the outbox holds one
 * entry per message with ids and times only, `pending` and `markSent` work,
 * and a refused append writes neither.
 */
import { describe, expect, it } from "@effect/vitest"
import { type Ids, Presets, Referral, type ReferralCommand, ReferralService, ReferralStore } from "@lahete/core"
import { SqlOutbox, SqlProjections, SqlReferralStore } from "@lahete/store-sql"
import { Fixtures } from "@lahete/testing"
import { Effect, Layer, Result } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { projectionRows } from "./support/consistency.js"
import { databases, serviceOn } from "./support/layers.js"

type Command = ReferralCommand.ReferralCommand

const paths = Object.entries(Fixtures.pathTo)

/** The commands of a path, on referral `r-<path>` (lower case: the same order in every collation). */
const pathCommands = (name: string, path: () => ReadonlyArray<Command>) =>
  path().map((c) => ({ ...c, referralId: `r-${name.toLowerCase()}` as Ids.ReferralId }))

/** The personal values the fixture submission carries: none may appear in the projection or the outbox. */
const personal = (() => {
  const s = Fixtures.submit()
  if (s._tag !== "SubmitReferral") throw new Error("fixture")
  return [
    s.client.givenName,
    s.client.familyName,
    s.client.personalIdentityCode ?? "",
    s.client.mobileNumber ?? "",
    "401234567",
    s.reasonText ?? ""
  ].filter((v) => v !== "")
})()

const sortById = <A extends { readonly referralId?: string | undefined }>(xs: ReadonlyArray<A>) =>
  [...xs].sort((a, b) => ((a.referralId ?? "") < (b.referralId ?? "") ? -1 : 1))

for (const database of databases()) {
  const layer = serviceOn(Layer.fresh(database.client))

  /** Runs every path; returns the folded state of each referral. */
  const runPaths = Effect.gen(function* () {
    const service = yield* ReferralService.ReferralService
    const store = yield* ReferralStore.ReferralStore
    for (const [name, path] of paths) for (const c of pathCommands(name, path)) yield* service.execute(c)
    const states: Array<Referral.ReferralState> = []
    for (const id of yield* store.referralIds()) states.push(Referral.fold((yield* store.load(id)).events))
    return states
  })

  describe(`projection and outbox on ${database.name}`, () => {
    it.effect("the projected states equal the fold of each stream, and the filters find exactly the matches", () =>
      Effect.gen(function* () {
        const states = yield* runPaths
        expect(states).toHaveLength(paths.length)
        expect(sortById(yield* SqlProjections.statesBy())).toEqual(sortById(states))

        const ids = (p: (s: Referral.ReferralState) => boolean) =>
          states
            .filter(p)
            .map((s) => s.referralId)
            .sort()
        const found = (filter: SqlProjections.Filter) =>
          Effect.map(SqlProjections.referralIdsBy(filter), (r) => [...r].sort())

        for (const status of new Set(states.map((s) => s.status))) {
          expect(yield* found({ statuses: [status] })).toEqual(ids((s) => s.status === status))
        }
        expect(yield* found({ statuses: ["Active", "OnHold"] })).toEqual(
          ids((s) => s.status === "Active" || s.status === "OnHold")
        )
        expect(yield* found({ programmeIds: [Presets.kemijarvi.id] })).toHaveLength(states.length)
        expect(yield* found({ programmeIds: [] })).toEqual([])
        expect(yield* found({ statuses: [] })).toEqual([])
        const linkWorkerId = Fixtures.linkWorker().id
        const assigned = ids((s) => s.linkWorkerId === linkWorkerId)
        expect(assigned.length).toBeGreaterThan(0)
        expect(assigned.length).toBeLessThan(states.length)
        expect(yield* found({ linkWorkerId })).toEqual(assigned)
        expect(yield* found({ linkWorkerId, statuses: ["Closed"] })).toEqual(
          ids((s) => s.linkWorkerId === linkWorkerId && s.status === "Closed")
        )
        expect(yield* found({ referrerId: Fixtures.referrer.id })).toHaveLength(states.length)
        expect(yield* found({ referrerId: Fixtures.otherReferrer.id })).toEqual([])
      }).pipe(Effect.provide(layer))
    )

    it.effect("rebuildProjections restores damaged rows, and the store fills in missing rows when it starts", () =>
      Effect.gen(function* () {
        yield* runPaths
        const sql = yield* SqlClient.SqlClient
        const before = yield* projectionRows
        expect(before).toHaveLength(paths.length)

        yield* sql`UPDATE referral_projection SET status = 'Closed', link_worker_id = 'someone', version = version + 1`
        yield* sql`DELETE FROM referral_projection WHERE referral_id = 'r-active'`
        yield* sql`INSERT INTO referral_projection (referral_id, version, status, failed_attempts, valid_mobile,
            personal_data_erased, state) VALUES ('r-ghost', 1, 'Submitted', 0, 0, 0, ${"{}"}${sql.onDialectOrElse({
              pg: () => sql.literal("::jsonb"),
              orElse: () => sql.literal("")
            })})`
        expect(yield* projectionRows).not.toEqual(before)
        expect(yield* SqlProjections.rebuildProjections()).toBe(paths.length)
        expect(yield* projectionRows).toEqual(before)

        // rows missing (a database from before the projection): the store writes them when it starts
        yield* sql`DELETE FROM referral_projection WHERE referral_id IN ('r-active', 'r-closed')`
        yield* sql`UPDATE referral_projection SET version = version - 1 WHERE referral_id = 'r-onhold'`
        yield* SqlReferralStore.make
        expect(yield* projectionRows).toEqual(before)
      }).pipe(Effect.provide(layer))
    )

    it.effect("the outbox holds one entry per message, ids and times only; pending and markSent", () =>
      Effect.gen(function* () {
        const states = yield* runPaths
        const store = yield* ReferralStore.ReferralStore
        const sql = yield* SqlClient.SqlClient
        const events = []
        for (const s of states) events.push(...(yield* store.load(s.referralId as Ids.ReferralId)).events)
        const submitted = events.filter((e) => e._tag === "ReferralSubmitted")
        const sms = events.flatMap((e) => (e._tag === "CallTimeMessageRequested" ? [e] : []))
        expect(submitted).toHaveLength(paths.length)
        expect(sms.length).toBeGreaterThan(0)

        const all = yield* SqlOutbox.pending({ now: "9999-12-31T00:00:00.000Z", limit: 1000 })
        expect(all).toHaveLength(submitted.length + sms.length)
        expect(new Set(all.map((e) => e.id)).size).toBe(all.length)
        expect(all.filter((e) => e.kind === "coordinator-notification").map((e) => e.referralId)).toEqual(
          expect.arrayContaining(submitted.map((e) => e.referralId))
        )
        for (const e of sms) {
          const entry = all.find(
            (m) =>
              m.kind === "call-time-sms" && m.payload.kind === "call-time-sms" && m.payload.messageId === e.messageId
          )
          expect(entry).toMatchObject({
            referralId: e.referralId,
            status: "pending",
            attempts: 0,
            notBefore: e.sendAfter,
            payload: { callAt: e.callAt, sendAfter: e.sendAfter, sendBefore: e.sendBefore }
          })
        }
        // oldest first
        expect(all.map((e) => e.notBefore)).toEqual([...all.map((e) => e.notBefore)].sort())

        // no personal data anywhere in the outbox or the projection
        const dump = JSON.stringify([yield* sql`SELECT * FROM outbox`, yield* sql`SELECT * FROM referral_projection`])
        expect(dump).toContain("r-active")
        for (const value of personal) expect(dump).not.toContain(value)
        const allowed = new Set([
          "kind",
          "messageId",
          "referralId",
          "subjectId",
          "programmeId",
          "programmeVersion",
          "requestedAt",
          "submittedAt",
          "callAt",
          "sendAfter",
          "sendBefore"
        ])
        for (const e of all) for (const k of Object.keys(e.payload)) expect(allowed).toContain(k)

        // due ones only, at most `limit`
        const t = Fixtures.t0
        expect(yield* SqlOutbox.pending({ now: "2000-01-01T00:00:00.000Z", limit: 10 })).toEqual([])
        expect(yield* SqlOutbox.pending({ now: t, limit: 1000 })).toEqual(all.filter((e) => e.notBefore <= t))
        expect(yield* SqlOutbox.pending({ now: "9999-12-31T00:00:00.000Z", limit: 3 })).toEqual(all.slice(0, 3))

        // sent: no longer pending, and only once
        const first = all[0]
        if (first === undefined) return
        expect(yield* SqlOutbox.markSent(first.id)).toBe(true)
        expect(yield* SqlOutbox.markSent(first.id)).toBe(false)
        expect(yield* SqlOutbox.pending({ now: "9999-12-31T00:00:00.000Z", limit: 1000 })).toEqual(all.slice(1))
      }).pipe(Effect.provide(layer))
    )

    it.effect("a refused append writes no projection row and no outbox entry", () =>
      Effect.gen(function* () {
        const store = yield* ReferralStore.ReferralStore
        const sql = yield* SqlClient.SqlClient
        const decided = Fixtures.decider.decide(
          { ...Fixtures.submit(), referralId: "r-refused" as Ids.ReferralId },
          Fixtures.decider.initialState
        )
        if (Result.isFailure(decided)) throw new Error("fixture refused")
        const request = {
          referralId: "r-refused" as Ids.ReferralId,
          expectedVersion: 0,
          events: decided.success,
          idempotencyKey: "refused-key" as Ids.IdempotencyKey,
          fingerprint: "f",
          vault: []
        }
        // a used key
        yield* store.append({ ...request, referralId: "r-first" as Ids.ReferralId, events: [] })
        const used = yield* Effect.flip(store.append(request))
        expect(used._tag).toBe("IdempotencyKeyUsed")
        // a version conflict
        const conflict = yield* Effect.flip(
          store.append({ ...request, expectedVersion: 3, idempotencyKey: "k2" as Ids.IdempotencyKey })
        )
        expect(conflict._tag).toBe("VersionConflict")
        expect(yield* sql`SELECT id FROM outbox`).toEqual([])
        expect(yield* sql`SELECT referral_id FROM referral_projection`).toEqual([])
        // the same append, accepted
        yield* store.append({ ...request, idempotencyKey: "k3" as Ids.IdempotencyKey })
        expect((yield* sql<{ id: string }>`SELECT id FROM outbox`).map((r) => r.id)).toEqual([
          "r-refused:coordinator-notification"
        ])
        expect(yield* SqlProjections.referralIdsBy()).toEqual(["r-refused"])
      }).pipe(Effect.provide(layer))
    )
  })
}
