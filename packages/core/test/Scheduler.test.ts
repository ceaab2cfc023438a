/**
 * The scheduler step under a test clock: due deadlines become commands, each
 * marker fires exactly once and never before its time, whether the step runs
 * once, twice, or on two workers at once.
 */
import { describe, expect, it } from "@effect/vitest"
import {
  Deadlines,
  Instant,
  Presets,
  Programme,
  Referral,
  type ReferralCommand,
  type ReferralEvent,
  ReferralService,
  ReferralStore,
  Scheduler
} from "@lahete/core"
import { Fixtures as F } from "@lahete/testing"
import { Clock, Context, Effect, Layer, Option, Result } from "effect"
import { TestClock } from "effect/testing"
import * as fc from "fast-check"

const withRetention = Result.getOrThrow(
  Programme.nextVersion(Presets.kemijarvi, (p) => ({
    ...p,
    deadlines: { ...p.deadlines, retention: { erasePersonalDataAfterMonths: 12 } }
  }))
)
const catalog = Result.getOrThrow(Programme.catalog([Presets.kemijarvi, withRetention, Presets.sodankyla]))
const decider = Referral.makeDecider(catalog)
const memory = () => Layer.fresh(ReferralService.layerMemory({ catalog }))

const markerTags = new Set([
  "DeadlineAtRisk",
  "AssignmentOverdue",
  "ContactDeadlineMissed",
  "DurationExceeded",
  "FollowUpCompleted",
  "PersonalDataErased"
])
const markerKey = (e: ReferralEvent.ReferralEvent): string | undefined => {
  switch (e._tag) {
    case "DeadlineAtRisk":
      return `${e.deadline}:at-risk`
    case "AssignmentOverdue":
      return "assignment:missed"
    case "ContactDeadlineMissed":
      return "first-contact:missed"
    case "DurationExceeded":
      return "collaboration:missed"
    case "FollowUpCompleted":
      return e.result === "missed" ? "follow-up:missed" : undefined
    case "PersonalDataErased":
      return e.basis === "retention-period" ? "retention:missed" : undefined
    default:
      return undefined
  }
}

const hour = 3_600_000
const day = 24 * hour

/** Runs the commands at their own times (the test clock set to each), skipping any the decider refuses. */
const play = (commands: ReadonlyArray<ReferralCommand.ReferralCommand>) =>
  Effect.gen(function* () {
    const service = yield* ReferralService.ReferralService
    for (const c of commands) {
      yield* TestClock.setTime(Instant.toMillis(c.at))
      yield* Effect.result(service.execute(c))
    }
  })

/** Every marker event of every stream, with the fire time computed from the state just before it. */
const markersWithFireTimes = Effect.gen(function* () {
  const store = yield* ReferralStore.ReferralStore
  const out: Array<{ referralId: string; key: string; at: Instant.Instant; fireAt: Instant.Instant | undefined }> = []
  for (const id of yield* store.referralIds()) {
    const { events } = yield* store.load(id)
    let state = Referral.initialState
    for (const e of events) {
      const key = markerKey(e)
      if (key !== undefined) {
        const programme = catalog.get(state.programme?.id ?? "", state.programme?.version ?? 0)
        const firing =
          programme === undefined
            ? undefined
            : Deadlines.pendingFirings(state, programme).find((f) => `${f.kind}:${f.marker}` === key)
        out.push({ referralId: id, key, at: e.at, fireAt: firing?.fireAt })
      }
      state = decider.evolve(state, e)
    }
  }
  return out
})

describe("Scheduler.step", () => {
  it.effect("turns due deadlines into commands at their time, and nothing twice", () =>
    Effect.gen(function* () {
      const store = yield* ReferralStore.ReferralStore
      yield* play([F.submit()])
      const submitted = F.history([F.submit()]).state
      const [d1] = Deadlines.nextDeadlines(submitted, Presets.kemijarvi)
      expect(d1?.kind).toBe("assignment")

      // before the reminder: nothing due
      yield* TestClock.setTime(Instant.toMillis(d1?.warnAt as Instant.Instant) - 1)
      expect((yield* Scheduler.step()).fired).toEqual([])

      // the D1 reminder, once
      yield* TestClock.setTime(Instant.toMillis(d1?.warnAt as Instant.Instant))
      expect((yield* Scheduler.step()).fired).toEqual([{ referralId: F.referralId, command: "RecordDeadline" }])
      expect((yield* Scheduler.step()).fired).toEqual([])

      // far later: D1 and D2 missed, each once; the D2 warning is skipped because its deadline has passed
      yield* TestClock.adjust("30 days")
      const late = yield* Scheduler.step()
      expect(late.fired).toHaveLength(2)
      const tags = (yield* store.load(F.referralId)).events.map((e) => e._tag)
      expect(tags.filter((t) => markerTags.has(t))).toEqual([
        "DeadlineAtRisk",
        "AssignmentOverdue",
        "ContactDeadlineMissed"
      ])
      expect((yield* Scheduler.step()).fired).toEqual([])
    }).pipe(Effect.provide(memory()))
  )

  it.effect("two workers stepping at once fire each marker once", () =>
    Effect.gen(function* () {
      const store = yield* ReferralStore.ReferralStore
      yield* play(F.pathTo.Active())
      yield* TestClock.adjust("400 days")
      const [a, b] = yield* Effect.all([Scheduler.step(), Scheduler.step()], { concurrency: 2 })
      expect((a?.fired.length ?? 0) + (b?.fired.length ?? 0)).toBe(1) // D4 missed (its warning is obsolete by then)
      const events = (yield* store.load(F.referralId)).events
      expect(events.filter((e) => e._tag === "DurationExceeded")).toHaveLength(1)
    }).pipe(Effect.provide(memory()))
  )

  it.effect("the follow-up window passing and the retention period end the referral's timeline", () =>
    Effect.gen(function* () {
      const store = yield* ReferralStore.ReferralStore
      yield* play(F.pathTo.Closed())
      for (let i = 0; i < 30; i++) {
        yield* TestClock.adjust("30 days")
        yield* Scheduler.step()
      }
      const { events } = yield* store.load(F.referralId)
      expect(events.filter((e) => e._tag === "FollowUpCompleted")).toMatchObject([{ result: "missed" }])
      expect(events.filter((e) => e._tag === "PersonalDataErased")).toMatchObject([{ basis: "retention-period" }])
      expect(Option.isNone(yield* store.subject(F.submit().subjectId))).toBe(true)
    }).pipe(Effect.provide(memory()))
  )

  it.effect(
    "a state source gives the same commands under the same keys, and only due referrals' streams are loaded",
    () =>
      Effect.gen(function* () {
        // referrals in every state, a week apart, on the retention version (the latest) and on version 1 (none)
        const names = Object.keys(F.pathTo) as ReadonlyArray<keyof typeof F.pathTo>
        const stories = names.flatMap((name, i) =>
          [true, false].map((retention) =>
            F.pathTo[name]().map((c) => {
              const moved = shift(c, i * 7 * day, `referral-${name}-${retention}`, `subject-${name}-${retention}`)
              return moved._tag === "SubmitReferral" && !retention ? { ...moved, programmeVersion: 1 } : moved
            })
          )
        )
        const all = stories.flat().sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
        // one world steps over the store's folds, the other over a source; both start the same
        const folding = yield* Layer.build(memory())
        const sourced = yield* Layer.build(memory())
        yield* play(all).pipe(Effect.provide(folding))
        yield* play(all).pipe(Effect.provide(sourced))
        const total = stories.length

        const store = Context.get(sourced, ReferralStore.ReferralStore)
        const loads: Array<string> = []
        const counting: ReferralStore.Shape = {
          ...store,
          load: (id) =>
            Effect.suspend(() =>
              Effect.andThen(
                Effect.sync(() => loads.push(id)),
                store.load(id)
              )
            )
        }
        const issued = { folding: [] as Array<string>, sourced: [] as Array<string> }
        const recording = (service: ReferralService.Shape, into: Array<string>): ReferralService.Shape => ({
          ...service,
          execute: (c) =>
            Effect.suspend(() => {
              into.push(`${c.referralId} ${c._tag} ${c.idempotencyKey}`)
              return service.execute(c)
            })
        })
        const countingService = yield* ReferralService.make.pipe(
          Effect.provideService(ReferralStore.ReferralStore, counting),
          Effect.provide(sourced)
        )
        let dueSeen = 0
        let quietSeen = 0
        const start = Instant.toMillis(all[all.length - 1]?.at as Instant.Instant)
        for (const days of [1, 3, 5, 20, 60, 200, 380, 420, 800]) {
          yield* TestClock.setTime(start + days * day)
          const now = Instant.make(yield* Clock.currentTimeMillis)
          const a = yield* Scheduler.step().pipe(
            Effect.provideService(
              ReferralService.ReferralService,
              recording(Context.get(folding, ReferralService.ReferralService), issued.folding)
            ),
            Effect.provide(folding)
          )
          // the source: the states folded beforehand, as a projection holds them
          const states: Array<Referral.ReferralState> = []
          for (const id of yield* store.referralIds()) states.push(Referral.fold((yield* store.load(id)).events))
          const due = new Set(
            states.flatMap((st) => {
              const programme = catalog.get(st.programme?.id ?? "", st.programme?.version ?? 0)
              return programme === undefined || Scheduler.commandsDue(st, programme, now).length === 0
                ? []
                : [st.referralId as string]
            })
          )
          loads.length = 0
          const b = yield* Scheduler.step({ states: Effect.succeed(states) }).pipe(
            Effect.provideService(ReferralService.ReferralService, recording(countingService, issued.sourced)),
            Effect.provide(sourced)
          )
          expect(b.referrals).toBe(total)
          // the index gives exactly the referrals with a command due
          expect(a.referrals).toBe(due.size)
          // the same commands (the index gives them in the order of their deadlines)
          const sorted = <A>(xs: ReadonlyArray<A>) => xs.map((x) => JSON.stringify(x)).sort()
          expect(sorted(b.fired)).toEqual(sorted(a.fired))
          expect(b.alreadyDone).toBe(a.alreadyDone)
          expect(sorted(b.failed.map((f) => [f.referralId, f.error._tag]))).toEqual(
            sorted(a.failed.map((f) => [f.referralId, f.error._tag]))
          )
          // streams loaded: those of the referrals with a command due, and no other
          expect(new Set(loads)).toEqual(due)
          dueSeen += due.size
          quietSeen += total - due.size
        }
        expect([...issued.sourced].sort()).toEqual([...issued.folding].sort())
        // the markers fired, and the keys are the scheduler's
        expect(issued.sourced.length).toBeGreaterThan(10)
        for (const line of issued.sourced) expect(line.split(" ")[2]).toMatch(/^deadline:/)
        expect(issued.sourced.some((line) => line.includes("ErasePersonalData"))).toBe(true)
        expect(dueSeen).toBeGreaterThan(0)
        expect(quietSeen).toBeGreaterThan(0)
        // both worlds end with the same events
        const other = Context.get(folding, ReferralStore.ReferralStore)
        for (const id of yield* store.referralIds()) {
          expect((yield* store.load(id)).events).toEqual((yield* other.load(id)).events)
        }
      }).pipe(Effect.scoped)
  )

  it.effect("a source that leaves a referral out issues nothing for it; a failing source fails the step", () =>
    Effect.gen(function* () {
      const store = yield* ReferralStore.ReferralStore
      yield* play([...F.pathTo.Submitted(), ...F.pathTo.Submitted().map((c) => shift(c, 0, "referral-2", "subject-2"))])
      yield* TestClock.adjust("30 days")
      const first = Referral.fold((yield* store.load(F.referralId)).events)
      const untouched = (yield* store.load("referral-2" as never)).events
      const left = yield* Scheduler.step({ states: Effect.succeed([first]) })
      expect(left.referrals).toBe(1)
      expect(left.fired.map((f) => f.referralId)).toEqual([F.referralId, F.referralId]) // D1 and D2 missed
      expect((yield* store.load("referral-2" as never)).events).toEqual(untouched)
      // a generator of states is a source too (any iterable)
      const both = yield* Scheduler.step({
        states: Effect.map(Scheduler.statesFromStore, (states) => new Set(states).values())
      })
      expect(both.referrals).toBe(2)
      expect(both.fired.map((f) => f.referralId)).toEqual(["referral-2", "referral-2"])
      const failure = new ReferralStore.StoreFailure({ operation: "projection", detail: "unreachable" })
      expect(yield* Effect.flip(Scheduler.step({ states: Effect.fail(failure) }))).toBe(failure)
    }).pipe(Effect.provide(memory()))
  )

  it("property: for random referrals and random clock advances, every due marker fires exactly once and none early", async () => {
    const seen = new Map<string, number>()
    const paths = ["Submitted", "Assigned", "ContactScheduled", "Active", "OnHold", "Closed", "Declined"] as const
    const referral = fc.record({
      path: fc.constantFrom(...paths),
      weeks: fc.integer({ min: 0, max: 150 })
    })
    await fc.assert(
      fc.asyncProperty(
        fc.array(referral, { minLength: 1, maxLength: 4 }),
        // small steps (hours) land in the warning windows; large ones (weeks) jump past deadlines
        fc.array(fc.oneof(fc.integer({ min: 1, max: 2 * day }), fc.integer({ min: 1, max: 45 * day })), {
          minLength: 1,
          maxLength: 25
        }),
        fc.boolean(),
        async (referrals, advances, twoWorkers) => {
          const program = Effect.gen(function* () {
            const store = yield* ReferralStore.ReferralStore
            // each referral's story, shifted by whole weeks (same weekday and time of day), under its own id
            const stories = referrals.map((r, i) =>
              F.pathTo[r.path]().map((c) => shift(c, r.weeks * 7 * day, `referral-${i}`, `subject-${i}`))
            )
            const all = stories.flat().sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
            yield* play(all)
            for (const ms of advances) {
              yield* TestClock.adjust(ms)
              if (twoWorkers) yield* Effect.all([Scheduler.step(), Scheduler.step()], { concurrency: 2 })
              else yield* Scheduler.step()
            }
            // then run the clock far ahead, a week at a time (shorter than any warning window
            // of D4 and D5, so those warnings are seen), until nothing is due
            for (let i = 0; i < 120; i++) {
              yield* TestClock.adjust("7 days")
              yield* Scheduler.step()
            }
            const now = Instant.make(yield* Clock.currentTimeMillis)
            const markers = yield* markersWithFireTimes
            for (const m of markers) seen.set(m.key, (seen.get(m.key) ?? 0) + 1)
            // none early: every marker event at or after its fire time
            for (const m of markers) {
              expect(m.fireAt).toBeDefined()
              expect(m.at >= (m.fireAt as Instant.Instant)).toBe(true)
            }
            // at most once per referral and marker
            const keys = markers.map((m) => `${m.referralId}/${m.key}`)
            expect(new Set(keys).size).toBe(keys.length)
            // exactly once: nothing is left due for any referral
            for (const id of yield* store.referralIds()) {
              const state = (yield* store.load(id)).events.reduce(decider.evolve, Referral.initialState)
              const programme = catalog.get(state.programme?.id ?? "", state.programme?.version ?? 0)
              if (programme !== undefined) expect(Deadlines.dueFirings(state, programme, now)).toEqual([])
            }
          })
          await Effect.runPromise(program.pipe(Effect.provide(memory()), Effect.provide(TestClock.layer())))
        }
      ),
      {
        numRuns: 150,
        // every kind of marker is seen in any run: one story per state stepped half a day at a
        // time (D4, D5 and D6 are reached by the weekly steps), and again with the Submitted and
        // Assigned stories last, so the clock starts before their D1 and D2 warnings
        examples: [0, 100].map((later) => [
          paths.map((path) => ({ path, weeks: path === "Submitted" || path === "Assigned" ? later : 0 })),
          Array.from({ length: 25 }, () => day / 2),
          false
        ])
      }
    )
    // the runs exercised every kind of marker
    for (const key of [
      "assignment:at-risk",
      "assignment:missed",
      "first-contact:at-risk",
      "first-contact:missed",
      "collaboration:at-risk",
      "collaboration:missed",
      "follow-up:at-risk",
      "follow-up:missed",
      "retention:missed"
    ]) {
      expect(seen.get(key) ?? 0, key).toBeGreaterThan(0)
    }
  }, 120_000)
})

/** The command moved by `ms` (every instant in it), under another referral and subject id. */
const shift = (
  command: ReferralCommand.ReferralCommand,
  ms: number,
  referralId: string,
  subjectId: string
): ReferralCommand.ReferralCommand => {
  const move = (i: Instant.Instant) => Instant.plusMillis(i, ms)
  const c = { ...command, at: move(command.at), referralId: referralId as never } as ReferralCommand.ReferralCommand
  switch (c._tag) {
    case "SubmitReferral":
      return { ...c, subjectId: subjectId as never }
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
