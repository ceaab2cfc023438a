/**
 * The worker's deadline step over the index (`SqlDispatcher.workOnce`, whose
 * `Scheduler.step` reads what is due from `ReferralIndex.due`, the
 * projection's `next_due_at`), on SQLite and PostgreSQL, against the step
 * that folds every stream: two databases with the same referrals (every
 * lifecycle state, on a programme version with a retention period and on one
 * without, the deadline story, ended referrals erased on request, and
 * generated command sequences), the same rounds at the same times: every
 * round fires the same commands, with the same outcomes, and both databases
 * end with the same events. The index's round reads exactly the referrals
 * whose next deadline is due (the fold's `Deadlines.nextDueAt` at or before
 * the round) and loads the streams of only the referrals with a command due
 * or a message handled (counted through wrapping `ReferralStore` and
 * `ReferralIndex`), where the folding round loads every stream. A projection
 * row missing or behind its stream (written by an older release, say) is
 * rebuilt when the store starts, as due at once, so no deadline is missed.
 */
import { describe, expect, it } from "@effect/vitest"
import {
  Deadlines,
  type Ids,
  Instant,
  LinkWorkerRegistry,
  Mailer,
  Presets,
  Programme,
  Referral,
  type ReferralCommand,
  ReferralService,
  ReferralStore,
  Scheduler,
  SmsSender
} from "@lahete/core"
import { SqlAuditLog, SqlDispatcher, SqlProjections } from "@lahete/store-sql"
import { CommandSequences, Fixtures as F, SimulatedTime, StaffMailAudit } from "@lahete/testing"
import { Clock, Effect, Layer, Result } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import * as fc from "fast-check"
import { projectionRows } from "./support/consistency.js"
import { databases, wrappedStore } from "./support/layers.js"

type Command = ReferralCommand.ReferralCommand

const day = 24 * 3_600_000

/** Kemijärvi version 2 erases personal data 12 months after the end (D6); version 1 sets no retention. */
const withRetention = Result.getOrThrow(
  Programme.nextVersion(Presets.kemijarvi, (p) => ({
    ...p,
    deadlines: { ...p.deadlines, retention: { erasePersonalDataAfterMonths: 12 } }
  }))
)
const catalog = Result.getOrThrow(Programme.catalog([Presets.kemijarvi, withRetention, Presets.sodankyla]))

const options: SqlDispatcher.Options = {
  templates: { referralUrl: "https://lahete.example.fi/referrals/{referralId}" },
  coordinators: { [Presets.kemijarvi.id]: ["k@example.fi"], [Presets.sodankyla.id]: ["s@example.fi"] }
}

/** The command moved by `ms` (every instant in it), under another referral and subject id. */
const shift = (command: Command, ms: number, referralId: string, subjectId: string): Command => {
  const move = (i: Instant.Instant) => Instant.plusMillis(i, ms)
  const c = {
    ...command,
    at: move(command.at),
    referralId: referralId as Ids.ReferralId,
    idempotencyKey: `${referralId}-${command.idempotencyKey}` as Ids.IdempotencyKey
  } as Command
  switch (c._tag) {
    case "SubmitReferral":
      return { ...c, subjectId: subjectId as Ids.SubjectId }
    case "ScheduleCall":
      return { ...c, callAt: move(c.callAt) }
    case "RecordFailedContactAttempt":
      return c.nextCallAt === undefined ? c : { ...c, nextCallAt: move(c.nextCallAt) }
    case "RecordMeeting":
      return { ...c, meetingAt: move(c.meetingAt) }
    default:
      return c
  }
}

/** The referrals of the comparison: each a list of commands on its own referral id. */
const referrals: ReadonlyArray<ReadonlyArray<Command>> = (() => {
  const out: Array<ReadonlyArray<Command>> = []
  const names = Object.keys(F.pathTo) as ReadonlyArray<keyof typeof F.pathTo>
  for (const [i, name] of names.entries()) {
    for (const retention of [true, false]) {
      const id = `r-${name.toLowerCase()}-${retention ? "v2" : "v1"}`
      out.push(
        F.pathTo[name]().map((c) => {
          const moved = shift(c, i * 7 * day, id, `subject-${id}`)
          return moved._tag === "SubmitReferral" && !retention ? { ...moved, programmeVersion: 1 } : moved
        })
      )
    }
  }
  // the markers of the deadline story were recorded by its own commands
  out.push(F.deadlineStory().map((c) => shift(c, 3 * day, "r-deadline-story", "subject-story")))
  // ended referrals erased on request: nothing can fall due for them again
  for (const [i, name] of (["Rejected", "Declined", "Withdrawn"] as const).entries()) {
    const id = `r-erased-${name.toLowerCase()}`
    const path = F.pathTo[name]().map((c) => shift(c, i * day, id, `subject-${id}`))
    const last = path[path.length - 1]?.at ?? F.t0
    out.push([...path, shift(F.erase({ at: F.at(2) }), Instant.toMillis(last) - Instant.toMillis(F.t0), id, "")])
  }
  // generated sequences (accepted whole), between 2020 and 2035, on every programme version
  const sequences = fc.sample(
    CommandSequences.sequence({ decider: Referral.makeDecider(catalog), invalidShare: 0, minLength: 3, maxLength: 25 }),
    { seed: 20260302, numRuns: 30 }
  )
  for (const [i, sequence] of sequences.entries()) {
    out.push(
      sequence
        .filter((c) => c._tag !== "RecordMessageOutcome")
        .map((c) => ({
          ...c,
          referralId: `r-seq-${i}` as Ids.ReferralId,
          idempotencyKey: `seq-${i}-${c.idempotencyKey}` as Ids.IdempotencyKey
        }))
    )
  }
  return out
})()

/**
 * One database: the service over the SQL store (every `load` and every
 * stream `ReferralIndex.streams` reads counted), the audit log, the senders,
 * and the catalog above. `client` is used as given (a `Layer.fresh` one for
 * a new database).
 */
const world = (client: Layer.Layer<SqlClient.SqlClient, SqlError>) => {
  const loads: Array<string> = []
  const counting = wrappedStore({
    store: (store) => ({
      ...store,
      load: (id) =>
        Effect.andThen(
          Effect.sync(() => loads.push(id)),
          store.load(id)
        ),
      // a command reads its referral's current state (its projection row) instead of its stream: counted the same
      current: (id) =>
        Effect.andThen(
          Effect.sync(() => loads.push(id)),
          store.current(id)
        )
    }),
    index: (index) => ({
      ...index,
      streams: (ids) =>
        Effect.andThen(
          Effect.sync(() => loads.push(...ids)),
          index.streams(ids)
        )
    })
  })
  const layer = ReferralService.layer.pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        counting,
        SqlAuditLog.layer,
        LinkWorkerRegistry.layerMemory([]),
        ReferralService.catalogLayer(catalog),
        StaffMailAudit.layer(Mailer.layerMemory, "store-sql/SchedulerProjection.test.ts"),
        SmsSender.layerMemory
      )
    ),
    Layer.provideMerge(client)
  )
  return { loads, layer }
}

/** The round as it was before the index: the step over every stream's fold, then the same dispatch rounds. */
const foldingRound = Effect.gen(function* () {
  const step = yield* Scheduler.step({ states: Scheduler.statesFromStore })
  const dispatched: Array<SqlDispatcher.Result> = []
  for (let round = 0; round < 100; round++) {
    const results = yield* SqlDispatcher.dispatch(options, { now: step.now })
    if (results.length === 0) break
    dispatched.push(...results)
  }
  return { now: step.now, step, dispatched }
})

/** What a round did, in an order that does not depend on the order the referrals were looked at. */
const outcome = (round: SqlDispatcher.RoundResult) => ({
  fired: round.step.fired.map((f) => `${f.referralId} ${f.command}`).sort(),
  alreadyDone: round.step.alreadyDone,
  failed: round.step.failed.map((f) => `${f.referralId} ${f.error._tag}`).sort(),
  dispatched: round.dispatched.map((d) => `${d.id} ${d.outcome} ${d.reason ?? ""}`).sort()
})

/** Every referral's state, folded from its events (outside the counted rounds). */
const foldAll = Effect.gen(function* () {
  const store = yield* ReferralStore.ReferralStore
  const states: Array<Referral.ReferralState> = []
  for (const id of yield* store.referralIds()) states.push(Referral.fold((yield* store.load(id)).events))
  return states
})

const programmeOf = (s: Referral.ReferralState) =>
  s.programme === undefined ? undefined : catalog.get(s.programme.id, s.programme.version)

/** The referrals with a scheduler command due at `now`. */
const dueAt = (states: ReadonlyArray<Referral.ReferralState>, now: Instant.Instant) =>
  new Set(
    states.flatMap((s) => {
      const p = programmeOf(s)
      return p !== undefined && Scheduler.commandsDue(s, p, now).length > 0 ? [s.referralId as string] : []
    })
  )

/** The next fire time of any pending marker after `now`, or `undefined`. */
const nextFireTime = (states: ReadonlyArray<Referral.ReferralState>, now: Instant.Instant, skip: number) => {
  const times = new Set<string>()
  for (const s of states) {
    const p = programmeOf(s)
    if (p === undefined) continue
    for (const f of Deadlines.pendingFirings(s, p)) if (f.fireAt > now) times.add(f.fireAt)
  }
  const sorted = [...times].sort()
  return sorted[Math.min(skip, sorted.length - 1)] as Instant.Instant | undefined
}

/** The referral ids of the outbox entries a round handled. */
const referralsOfEntries = (ids: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    if (ids.length === 0) return new Set<string>()
    const sql = yield* SqlClient.SqlClient
    const found = yield* sql<{ referral_id: string }>`SELECT referral_id FROM outbox WHERE ${sql.in("id", ids)}`
    return new Set(found.map((r) => r.referral_id))
  })

/** Runs every referral's commands (refusals are part of the data: both databases see the same ones). */
const seed = Effect.gen(function* () {
  const service = yield* ReferralService.ReferralService
  for (const commands of referrals) for (const c of commands) yield* Effect.ignore(service.execute(c))
})

for (const database of databases()) {
  describe(`the worker's deadline step over the index on ${database.name}`, () => {
    it.live(
      "fires exactly the commands of the step over every stream's fold, round after round, reads only the referrals due and loads only the streams of referrals with something due",
      () =>
        Effect.gen(function* () {
          const folding = world(Layer.fresh(database.client))
          const projected = world(Layer.fresh(database.client))
          const a = yield* Layer.build(folding.layer)
          const b = yield* Layer.build(projected.layer)
          const { clock, set } = SimulatedTime.settable(0, yield* Clock.Clock)
          const inA = <X, E>(effect: Effect.Effect<X, E, SqlDispatcher.WorkerServices>) =>
            effect.pipe(Effect.provideService(Clock.Clock, clock), Effect.provide(a))
          const inB = <X, E>(effect: Effect.Effect<X, E, SqlDispatcher.WorkerServices>) =>
            effect.pipe(Effect.provideService(Clock.Clock, clock), Effect.provide(b))
          yield* inA(seed)
          yield* inB(seed)
          const total = (yield* inB(foldAll)).length
          expect(total).toBe(referrals.length)

          let now = Instant.make(Date.UTC(2019, 11, 1))
          let rounds = 0
          const seen = { fired: new Map<string, number>(), quiet: 0, read: 0, loadsA: 0, loadsB: 0 }
          for (; rounds < 150; rounds++) {
            const before = yield* inB(foldAll)
            // the next fire time, and now and then one further on (an at-risk marker then passes unseen)
            const next = nextFireTime(before, now, rounds % 4 === 3 ? 2 : 0)
            if (next === undefined) break
            now = next
            set(Instant.toMillis(now))
            const due = dueAt(before, now)

            folding.loads.length = 0
            const roundA = yield* inA(foldingRound)
            seen.loadsA += folding.loads.length
            projected.loads.length = 0
            const roundB = yield* inB(SqlDispatcher.workOnce(options))
            seen.loadsB += projected.loads.length

            expect(roundB.now).toBe(now)
            // A command dated before the referral's latest event can never be recorded (an at-risk marker whose
            // deadline is at or before that event, for one): `Deadlines.nextDueAt` (from the latest event) leaves it out, while
            // `dueFirings` at a `now` before that event still issues it, and the decider refuses it. These sequences'
            // commands are dated after the rounds, so only the folding round's list of failed commands differs:
            // set those aside.
            const atRiskAfterMissed = new Set(
              before.flatMap((st) => {
                const p = programmeOf(st)
                if (p === undefined || st.referralId === undefined) return []
                const due = Scheduler.commandsDue(st, p, now)
                // any command dated before the latest event is refused, a marker or a measure link's message
                return due.length > 0 && st.lastEventAt !== undefined && now < st.lastEventAt
                  ? [st.referralId as string]
                  : []
              })
            )
            const outcomeA = outcome({
              ...roundA,
              step: {
                ...roundA.step,
                failed: roundA.step.failed.filter((f) => !atRiskAfterMissed.has(f.referralId))
              }
            })
            // The index's round may issue such a marker too (its next due time came from an earlier event; found when
            // the generated sequences changed, moving the rounds' times): set it aside on both sides alike.
            const outcomeB = outcome({
              ...roundB,
              step: {
                ...roundB.step,
                failed: roundB.step.failed.filter((f) => !atRiskAfterMissed.has(f.referralId))
              }
            })
            expect(outcomeB).toEqual(outcomeA)
            // the folding step looks at (and loads) every stream
            expect(roundA.step.referrals).toBe(total)
            expect(new Set(folding.loads).size).toBe(total)
            // the projection's step looks at all but the ended referrals whose personal data is erased
            // the index's step reads exactly the referrals whose next deadline is due (by the fold)
            const dueByDeadline = before.filter((s) => {
              const p = programmeOf(s)
              const next =
                p === undefined || s.lastEventAt === undefined ? undefined : Scheduler.nextDueAt(s, p, s.lastEventAt)
              return next !== undefined && next <= now
            })
            expect(roundB.step.referrals).toBe(dueByDeadline.length)
            // and loads the streams of exactly the referrals with a command due or a message handled
            const handled = yield* inB(referralsOfEntries(roundB.dispatched.map((d) => d.id)))
            expect(new Set(projected.loads)).toEqual(
              new Set([...[...due].filter((id) => !atRiskAfterMissed.has(id)), ...handled])
            )
            for (const f of roundB.step.fired) seen.fired.set(f.command, (seen.fired.get(f.command) ?? 0) + 1)
            seen.quiet += total - new Set([...due, ...handled]).size
            seen.read += roundB.step.referrals
          }
          // the rounds ran out of markers (not out of rounds)
          expect(rounds).toBeLessThan(150)
          expect(rounds).toBeGreaterThan(20)
          // every kind of scheduler command fired, among them erasures for the retention period
          expect(seen.fired.get("RecordDeadline") ?? 0).toBeGreaterThan(10)
          expect(seen.fired.get("ExpireFollowUp") ?? 0).toBeGreaterThan(0)
          expect(seen.fired.get("ErasePersonalData") ?? 0).toBeGreaterThan(2)
          expect(seen.quiet).toBeGreaterThan(rounds * 10)
          // the index's rounds read a small part of the referrals, where folding reads all of them every round
          expect(seen.read * 5).toBeLessThan(rounds * total)
          expect(seen.loadsB * 5).toBeLessThan(seen.loadsA)

          // both databases hold the same events, and the projection is the fold of each stream
          const statesA = yield* inA(foldAll)
          const statesB = yield* inB(foldAll)
          expect(statesB).toEqual(statesA)
          const eventsOf = Effect.gen(function* () {
            const store = yield* ReferralStore.ReferralStore
            const out: Array<unknown> = []
            for (const id of yield* store.referralIds()) out.push((yield* store.load(id)).events)
            return out
          })
          expect(yield* inB(eventsOf)).toEqual(yield* inA(eventsOf))
          const byId = (xs: ReadonlyArray<Referral.ReferralState>) =>
            [...xs].sort((x, y) => ((x.referralId ?? "") < (y.referralId ?? "") ? -1 : 1))
          expect(byId(yield* inB(SqlProjections.statesBy()))).toEqual(byId(statesB))
          // retention: the ended referrals of version 2 were erased by the scheduler, those of version 1 not
          for (const s of statesB) {
            if (s.endedAt === undefined || s.referralId?.startsWith("r-erased-")) continue
            if (s.referralId?.startsWith("r-") && !s.referralId.startsWith("r-seq-")) {
              expect(s.personalDataErased, s.referralId).toBe(s.programme?.version === withRetention.version)
            }
          }
        }).pipe(Effect.scoped),
      120_000
    )

    it.live("a projection row missing or behind its stream is rebuilt when the store starts, due at once", () =>
      Effect.gen(function* () {
        const folding = world(Layer.fresh(database.client))
        // B's database outlives its first store: the second one starts on it (a restart)
        const clientB = Layer.succeedContext(yield* Layer.build(Layer.fresh(database.client)))
        const projected = world(clientB)
        const a = yield* Layer.build(folding.layer)
        const first = yield* Layer.build(projected.layer)
        const { clock, set } = SimulatedTime.settable(0, yield* Clock.Clock)
        const inA = <X, E>(effect: Effect.Effect<X, E, SqlDispatcher.WorkerServices>) =>
          effect.pipe(Effect.provideService(Clock.Clock, clock), Effect.provide(a))
        const inFirst = <X, E>(effect: Effect.Effect<X, E, SqlDispatcher.WorkerServices>) =>
          effect.pipe(Effect.provideService(Clock.Clock, clock), Effect.provide(first))
        const ids = { submitted: "r-behind-submitted", closed: "r-behind-closed", quiet: "r-behind-quiet" }
        const commands = [
          F.pathTo.Submitted().map((c) => shift(c, 0, ids.submitted, "s-1")),
          F.pathTo.Closed().map((c) => shift(c, 0, ids.closed, "s-2")),
          F.pathTo.Active().map((c) => shift(c, 0, ids.quiet, "s-3"))
        ]
        const run = Effect.gen(function* () {
          const service = yield* ReferralService.ReferralService
          for (const list of commands) for (const c of list) yield* service.execute(c)
        })
        yield* inA(run)
        yield* inFirst(run)
        // in B: one row deleted, one put back to an older state (the referral still Active, before its closing)
        const older = yield* inFirst(
          Effect.gen(function* () {
            const sql = (yield* SqlClient.SqlClient).withoutTransforms()
            const store = yield* ReferralStore.ReferralStore
            yield* sql`DELETE FROM referral_projection WHERE referral_id = ${ids.submitted}`
            const events = (yield* store.load(ids.closed as Ids.ReferralId)).events
            const state = Referral.fold(events.slice(0, -1))
            yield* SqlProjections.write(sql, ids.closed as Ids.ReferralId, state, "test", null)
            return state
          })
        )
        expect(older.status).toBe("Active")
        expect([...(yield* inFirst(SqlProjections.referralIdsBehind()))].sort()).toEqual([ids.closed, ids.submitted])

        // the store starts again on B's database: it rebuilds both rows, their next deadline not computed (due at once)
        const b = yield* Layer.build(world(clientB).layer)
        const inB = <X, E>(effect: Effect.Effect<X, E, SqlDispatcher.WorkerServices>) =>
          effect.pipe(Effect.provideService(Clock.Clock, clock), Effect.provide(b))
        expect(yield* inB(SqlProjections.referralIdsBehind())).toEqual([])
        const dueColumn = yield* inB(
          Effect.gen(function* () {
            const sql = (yield* SqlClient.SqlClient).withoutTransforms()
            return yield* sql<{ referral_id: string; next_due_at: string | null }>`SELECT referral_id, next_due_at
              FROM referral_projection WHERE ${sql.in("referral_id", [ids.closed, ids.submitted])} ORDER BY referral_id`
          })
        )
        expect(dueColumn).toEqual([
          { referral_id: ids.closed, next_due_at: "" },
          { referral_id: ids.submitted, next_due_at: "" }
        ])

        // at D5's reminder of the closed referral: D1 and D2 of the submitted one are long missed
        const reminder = Deadlines.nextDeadlines(F.history(F.pathTo.Closed()).state, Presets.kemijarvi).find(
          (d) => d.kind === "follow-up"
        )?.warnAt
        expect(reminder).toBeDefined()
        set(Instant.toMillis(reminder as Instant.Instant))
        folding.loads.length = 0
        const roundA = yield* inA(foldingRound)
        projected.loads.length = 0
        const roundB = yield* inB(SqlDispatcher.workOnce(options))
        expect(outcome(roundB)).toEqual(outcome(roundA))
        expect(roundB.step.fired.map((f) => f.referralId).sort()).toEqual(
          expect.arrayContaining([ids.submitted, ids.closed])
        )
        // trusting the old row would have fired D4 (the collaboration) for the closed referral
        const closedEvents = (yield* inB(
          Effect.flatMap(ReferralStore.ReferralStore, (s) => s.load(ids.closed as Ids.ReferralId))
        )).events
        expect(closedEvents.filter((e) => e._tag === "DeadlineAtRisk").map((e) => e.deadline)).toEqual(["follow-up"])
        // the appends of the round wrote their rows again
        expect(yield* inB(SqlProjections.referralIdsBehind())).toEqual([])
        const rows = yield* inB(projectionRows)
        expect(yield* inB(SqlProjections.rebuildProjections())).toBe(3)
        expect(yield* inB(projectionRows)).toEqual(rows)
      }).pipe(Effect.scoped)
    )
  })
}
