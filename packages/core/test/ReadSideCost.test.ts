/**
 * What each view, command and worker step reads: no stream more than the
 * referrals it returns or changes, never the list of every referral, and
 * the clients a page shows in one vault read. The client's plan comes with
 * the states a page reads (the caseload) and the evaluation's community
 * figures with the states the index holds: no stream more.
 * The store is counted around the in-memory adapter (the SQL adapter's
 * counterpart is store-sql's test of the same name).
 */
import { describe, expect, it } from "@effect/vitest"
import {
  AuditLogMemory,
  Evaluation,
  Ids,
  Instant,
  LinkWorkerRegistry,
  Presets,
  ReferralIndex,
  ReferralQueries,
  ReferralService,
  ReferralStore,
  ReferralStoreMemory,
  Scheduler
} from "@lahete/core"
import { Fixtures } from "@lahete/testing"
import { Effect, Layer, Ref, Schema } from "effect"
import { TestClock } from "effect/testing"
import { on } from "./support/onReferral.js"

const rid = Schema.decodeSync(Ids.ReferralId)
const sid = Schema.decodeSync(Ids.SubjectId)
const key = Schema.decodeSync(Ids.IdempotencyKey)

interface Counts {
  readonly loads: number
  readonly lists: number
  readonly subjects: number
  readonly streamed: number
  /** Referrals whose events of some kinds only were read (`ReferralIndex.events`). */
  readonly partial: number
}

/** The in-memory store and index, counting the stream loads, the full listings and the vault reads. */
const counted = Effect.gen(function* () {
  const counts = yield* Ref.make<Counts>({ loads: 0, lists: 0, subjects: 0, streamed: 0, partial: 0 })
  const bump = (k: keyof Counts, n = 1) => Ref.update(counts, (c) => ({ ...c, [k]: c[k] + n }))
  const { store, index } = yield* ReferralStoreMemory.makeWithIndex()
  const countingStore = ReferralStore.ReferralStore.of({
    ...store,
    load: (id) => Effect.tap(store.load(id), () => bump("loads")),
    // a command reads its referral's current state (not its stream): counted as reading that referral
    current: (id) => Effect.tap(store.current(id), () => bump("loads")),
    referralIds: () => Effect.tap(store.referralIds(), () => bump("lists")),
    subject: (id) => Effect.tap(store.subject(id), () => bump("subjects")),
    subjects: (ids) => Effect.tap(store.subjects(ids), () => bump("subjects"))
  })
  const countingIndex = ReferralIndex.ReferralIndex.of({
    ...index,
    streams: (ids) => Effect.tap(index.streams(ids), () => bump("streamed", ids.length)),
    events: (ids, tags) => Effect.tap(index.events(ids, tags), () => bump("partial", ids.length))
  })
  return { counts, store: countingStore, index: countingIndex }
})

const program = <A, E>(
  body: (
    counts: Ref.Ref<Counts>
  ) => Effect.Effect<
    A,
    E,
    | ReferralService.ReferralService
    | ReferralStore.ReferralStore
    | ReferralIndex.ReferralIndex
    | ReferralService.ProgrammeCatalog
    | import("@lahete/core").AuditLog.AuditLog
  >
) =>
  Effect.gen(function* () {
    const { counts, store, index } = yield* counted
    const base = Layer.mergeAll(
      Layer.succeed(ReferralStore.ReferralStore, store),
      Layer.succeed(ReferralIndex.ReferralIndex, index),
      AuditLogMemory.layer,
      LinkWorkerRegistry.layerMemory([Fixtures.linkWorker(), Fixtures.otherLinkWorker()]),
      ReferralService.catalogLayer(Presets.catalog)
    )
    return yield* body(counts).pipe(Effect.provide(ReferralService.layer.pipe(Layer.provideMerge(base))))
  })

const paths = ["Submitted", "Assigned", "ContactScheduled", "Active", "OnHold", "Closed", "Declined"] as const

/** 35 referrals in every state, five of each. */
const seed = Effect.gen(function* () {
  const service = yield* ReferralService.ReferralService
  for (let n = 0; n < 35; n++) {
    for (const c of on(n, Fixtures.pathTo[paths[n % paths.length] as (typeof paths)[number]]())) {
      yield* service.execute(c)
    }
  }
})

const reset = (counts: Ref.Ref<Counts>) => Ref.set(counts, { loads: 0, lists: 0, subjects: 0, streamed: 0, partial: 0 })

describe("the read side's cost: what each view, command and worker step reads", () => {
  it.effect(
    "the views read a page of states from the index and no stream, and vault entries only for clients shown",
    () =>
      program((counts) =>
        Effect.gen(function* () {
          yield* seed
          yield* reset(counts)
          const inbox = yield* ReferralQueries.coordinatorInbox(
            Fixtures.coordinator,
            { programmeIds: [Presets.kemijarvi.id] },
            { limit: 7 }
          )
          expect(inbox.entries).toHaveLength(7)
          expect(inbox.next).toBeDefined()
          let c = yield* Ref.get(counts)
          expect(c.loads).toBe(0)
          expect(c.lists).toBe(0)
          // the clients shown, in one read
          expect(c.subjects).toBe(1)

          yield* reset(counts)
          const caseload = yield* ReferralQueries.linkWorkerCaseload(Fixtures.linkWorkerActor, { limit: 4 })
          expect(caseload.entries).toHaveLength(4)
          c = yield* Ref.get(counts)
          expect([c.loads, c.lists]).toEqual([0, 0])
          expect(c.subjects).toBe(1)

          yield* reset(counts)
          const overview = yield* ReferralQueries.referrerOverview(Fixtures.referrer, { limit: 6 })
          expect(overview.entries).toHaveLength(6)
          c = yield* Ref.get(counts)
          expect([c.loads, c.lists, c.subjects]).toEqual([0, 0, 0])

          yield* reset(counts)
          const client = { role: "Client" as const, id: "subject-3" as Ids.ActorId, organisation: "residents" as never }
          const access = yield* ReferralQueries.subjectAccess(client, sid("subject-3"))
          expect(access.referrals).toHaveLength(1)
          c = yield* Ref.get(counts)
          expect([c.loads, c.lists, c.subjects]).toEqual([0, 0, 1])

          yield* reset(counts)
          yield* ReferralQueries.referralStatus(Fixtures.referrer, rid("referral-5"))
          c = yield* Ref.get(counts)
          expect([c.loads, c.lists]).toEqual([1, 0])
        })
      )
  )

  it.effect("an assignment loads its referral only and counts the link worker's clients by index", () =>
    program((counts) =>
      Effect.gen(function* () {
        yield* seed
        yield* reset(counts)
        const service = yield* ReferralService.ReferralService
        const done = yield* service.assign({
          referralId: rid("referral-0"),
          linkWorkerId: Fixtures.otherLinkWorker().id,
          actor: Fixtures.coordinator,
          at: Fixtures.at(3),
          idempotencyKey: key("assign-0")
        })
        expect(done.state.status).toBe("Assigned")
        const c = yield* Ref.get(counts)
        expect([c.loads, c.lists]).toEqual([1, 0])
      })
    )
  )

  it.effect("a worker step loads only the referrals with a command due; with nothing due it loads none", () =>
    program((counts) =>
      Effect.gen(function* () {
        yield* seed
        // at the last command of the seed nothing is due yet
        yield* TestClock.setTime(Instant.toMillis(Fixtures.at(0.5)))
        yield* reset(counts)
        const quiet = yield* Scheduler.step()
        let c = yield* Ref.get(counts)
        expect(quiet.fired).toEqual([])
        expect([c.loads, c.lists]).toEqual([0, 0])
        // a week on: the D1/D2 markers of the submitted and assigned referrals fall due
        yield* TestClock.setTime(Instant.toMillis(Fixtures.at(24 * 7)))
        yield* reset(counts)
        const round = yield* Scheduler.step()
        c = yield* Ref.get(counts)
        expect(round.fired.length).toBeGreaterThan(0)
        expect(c.lists).toBe(0)
        expect(c.loads).toBeLessThanOrEqual(round.fired.length + round.failed.length + round.alreadyDone)
        expect(round.referrals).toBeLessThan(35)
      })
    )
  )

  it.effect("the evaluation reads the histories of the programme's period only", () =>
    program((counts) =>
      Effect.gen(function* () {
        yield* seed
        // five referrals of another period (a year later)
        const service = yield* ReferralService.ReferralService
        for (let n = 100; n < 105; n++) {
          for (const c of on(n, [Fixtures.submit({ at: Fixtures.at(24 * 400) })])) yield* service.execute(c)
        }
        yield* reset(counts)
        const report = yield* Evaluation.fromIndex({
          programmeId: Presets.kemijarvi.id,
          period: { from: Fixtures.at(-1), to: Fixtures.at(24 * 30) },
          catalog: Presets.catalog
        })
        let c = yield* Ref.get(counts)
        // a referral settled before the period's end: its state from the index and a few kinds of event, no
        // stream; one whose history runs past it: its stream
        const index = yield* ReferralIndex.ReferralIndex
        const states = (yield* index.find(
          { programmeIds: [Presets.kemijarvi.id], submittedBefore: Fixtures.at(24 * 30) },
          { limit: 500 }
        )).items
        const running = states.filter((s) => (s.lastEventAt ?? "") >= Fixtures.at(24 * 30)).length
        expect(running).toBeLessThan(35)
        expect([c.streamed, c.partial]).toEqual([running, 35 - running])
        expect([c.loads, c.lists]).toEqual([0, 0])
        expect(report.referrals.total).toEqual({ _tag: "Value", value: 35 })
        // as of a time before their latest events: those histories are read whole and folded up to it
        yield* reset(counts)
        const earlier = yield* Evaluation.fromIndex({
          programmeId: Presets.kemijarvi.id,
          period: { from: Fixtures.at(-1), to: Fixtures.at(24 * 30) },
          asOf: Fixtures.at(1),
          catalog: Presets.catalog
        })
        c = yield* Ref.get(counts)
        expect(c.streamed).toBeGreaterThan(0)
        expect(c.streamed + c.partial).toBeLessThanOrEqual(35)
        expect([c.loads, c.lists]).toEqual([0, 0])
        expect(earlier.asOf).toBe(Fixtures.at(1))
      })
    )
  )

  it.effect(
    "the plan: the caseload shows each referral's plan from the page's states; the community figures read no stream",
    () =>
      program((counts) =>
        Effect.gen(function* () {
          yield* seed
          // ten more active referrals, each with a plan: the walking group suggested, tried and joined; an unmet need
          const service = yield* ReferralService.ReferralService
          const plan = [
            Fixtures.plan(),
            Fixtures.activity("suggested", { at: Fixtures.at(24 * 14) }),
            Fixtures.activity("tried", { at: Fixtures.at(24 * 15) }),
            Fixtures.activity("joined", { at: Fixtures.at(24 * 16) }),
            Fixtures.unmetNeed({ at: Fixtures.at(24 * 16) })
          ]
          for (let n = 200; n < 210; n++) {
            for (const c of on(n, [...Fixtures.pathTo.Active(), ...plan])) yield* service.execute(c)
          }
          yield* reset(counts)
          const caseload = yield* ReferralQueries.linkWorkerCaseload(Fixtures.linkWorkerActor, { limit: 50 })
          const planned = caseload.entries.filter((e) => e.plan.activities.length > 0)
          expect(planned).toHaveLength(10)
          for (const e of planned) {
            expect(e.plan.goals).toEqual(Fixtures.plan().goals)
            expect(e.plan.activities.map((a) => [a.activity.id, a.step])).toEqual([
              [Fixtures.walkingGroup.id, "joined"]
            ])
            expect(e.plan.unmetNeeds).toHaveLength(1)
          }
          let c = yield* Ref.get(counts)
          expect([c.loads, c.lists, c.streamed]).toEqual([0, 0, 0])

          yield* reset(counts)
          const report = yield* Evaluation.fromIndex({
            programmeId: Presets.kemijarvi.id,
            period: { from: Fixtures.at(-1), to: Fixtures.at(24 * 30) },
            catalog: Presets.catalog
          })
          c = yield* Ref.get(counts)
          expect(report.community?.withPlan).toEqual({ _tag: "Value", value: 10 })
          expect(report.community?.activities.map((a) => a.activityId)).toEqual([Fixtures.walkingGroup.id])
          // a referral settled before the period's end (every planned one): its state, with the plan, and a few
          // kinds of event; only a seeded one whose history runs past the end is read whole
          const index = yield* ReferralIndex.ReferralIndex
          const states = (yield* index.find(
            { programmeIds: [Presets.kemijarvi.id], submittedBefore: Fixtures.at(24 * 30) },
            { limit: 500 }
          )).items
          const running = states.filter((s) => (s.lastEventAt ?? "") >= Fixtures.at(24 * 30))
          expect(running.some((s) => s.plan.activities.length > 0)).toBe(false)
          expect([c.loads, c.lists, c.streamed, c.partial]).toEqual([0, 0, running.length, 45 - running.length])
        })
      )
  )
})
