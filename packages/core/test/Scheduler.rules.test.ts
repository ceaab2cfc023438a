/**
 * The scheduler's rules beyond its stories (Scheduler.test.ts): the
 * idempotency keys of its commands (one per referral, deadline and marker,
 * within the 128 characters a key may have, distinct for long ids that share
 * a beginning); no command for a state without a referral; what a step
 * reports (fired only when events were appended, a replay counted as already
 * done, a refusal as failed and retried); the referrals the index holds as
 * due with nothing due (their next deadline stored, or none for a programme
 * the catalog does not know); every page of due referrals; and
 * `Scheduler.nextDueAt`'s contract as a property. Written against a Stryker
 * run of Scheduler.ts (docs/mutation.md).
 */
import { describe, expect, it } from "@effect/vitest"
import {
  Deadlines,
  Ids,
  Instant,
  MeasureLink,
  Presets,
  Programme,
  Referral,
  type ReferralEvent,
  ReferralIndex,
  ReferralService,
  ReferralStore,
  Scheduler
} from "@lahete/core"
import { Fixtures as F } from "@lahete/testing"
import { Effect, Layer, Result, Schema } from "effect"
import { TestClock } from "effect/testing"
import * as fc from "fast-check"
import * as L from "./support/measureLinks.js"
import { expectNextDue } from "./support/nextDue.js"
import { playAt } from "./support/playAt.js"

const hour = 3_600_000
const day = 24 * hour
const referralId = Schema.decodeSync(Ids.ReferralId)

/** FNV-1a (32 bit), written out from its definition, as the oracle of the long keys' suffix. */
const fnv1a = (text: string) => {
  let h = 0x811c9dc5
  for (const ch of text) {
    h ^= ch.charCodeAt(0)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h.toString(16).padStart(8, "0")
}

describe("the idempotency keys of the scheduler's commands", () => {
  it("name the referral, the deadline and the marker; a key that would pass 128 characters ends in the id's hash", () => {
    expect(Scheduler.idempotencyKeyFor(referralId("r-1"), "first-contact", "at-risk")).toBe(
      "deadline:first-contact:at-risk:r-1"
    )
    // "deadline:first-contact:at-risk:" is 31 characters: an id of 97 makes a key of exactly 128
    const exact = `r-${"a".repeat(95)}`
    expect(Scheduler.idempotencyKeyFor(referralId(exact), "first-contact", "at-risk")).toBe(
      `deadline:first-contact:at-risk:${exact}`
    )
    const long = `r-${"a".repeat(96)}` // 98 characters
    const hashed = Scheduler.idempotencyKeyFor(referralId(long), "first-contact", "at-risk")
    expect(hashed).toBe(`deadline:first-contact:at-risk:${long.slice(0, 80)}:fd6f0ec8`)
    // a shorter prefix keeps the same id whole
    expect(Scheduler.idempotencyKeyFor(referralId(long), "assignment", "missed")).toBe(
      `deadline:assignment:missed:${long}`
    )
    // FNV-1a of an id whose hash begins with zeros: eight hex digits all the same
    const other = `r-${"a".repeat(95)}b`
    expect(Scheduler.idempotencyKeyFor(referralId(other), "first-contact", "at-risk")).toBe(
      `deadline:first-contact:at-risk:${other.slice(0, 80)}:006f1381`
    )
  })

  it("a measure link message's key: referral, time point and message number, hashed the same way past 128", () => {
    expect(Scheduler.measureLinkKeyFor(referralId("r-1"), "follow-up", 2)).toBe("measure-link:follow-up:2:r-1")
    // "measure-link:follow-up:0:" is 25 characters
    const exact = `r-${"b".repeat(101)}`
    expect(Scheduler.measureLinkKeyFor(referralId(exact), "follow-up", 0)).toBe(`measure-link:follow-up:0:${exact}`)
    const long = `${exact}c`
    expect(Scheduler.measureLinkKeyFor(referralId(long), "follow-up", 0)).toBe(
      `measure-link:follow-up:0:${long.slice(0, 80)}:${fnv1a(long)}`
    )
  })

  it("property: every key is a valid key, one per referral, deadline and marker (also for long ids alike in their first 80 characters)", () => {
    const idChars = fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789._:-")
    const id = fc
      .tuple(fc.constantFrom("r", "x"), fc.string({ unit: idChars, minLength: 0, maxLength: 127 }))
      .map(([first, rest]) => `${first}${rest}`)
    const kinds = Object.keys(Deadlines.codes) as Array<Deadlines.Kind>
    const markers: Array<Deadlines.Marker> = ["at-risk", "missed"]
    fc.assert(
      fc.property(
        fc.uniqueArray(id, { minLength: 2, maxLength: 6 }),
        fc.string({ unit: idChars, maxLength: 40 }),
        (ids, tail) => {
          // two ids with the same first 80 characters when the first is long enough
          const all = ids[0] !== undefined && ids[0].length >= 80 ? [...ids, `${ids[0].slice(0, 80)}${tail}`] : ids
          const unique = [...new Set(all.filter((i) => i.length <= 128))]
          const keys = unique.flatMap((i) =>
            kinds.flatMap((kind) => markers.map((marker) => Scheduler.idempotencyKeyFor(referralId(i), kind, marker)))
          )
          for (const key of keys) expect(Schema.is(Ids.IdempotencyKey)(key)).toBe(true)
          expect(new Set(keys).size).toBe(keys.length)
        }
      )
    )
  })
})

const memory = () => Layer.fresh(ReferralService.layerMemory({ catalog: Presets.catalog }))

const submitted = F.history(F.pathTo.Submitted()).state

/** The fixture referral's first append without a next deadline (as an older release made it): due at once. */
const withoutNextDue = (events: ReadonlyArray<ReferralEvent.ReferralEvent>): ReferralStore.AppendRequest => ({
  referralId: F.referralId,
  expectedVersion: 0,
  events,
  idempotencyKey: F.submit().idempotencyKey,
  fingerprint: "fingerprint",
  vault: []
})
const [d1] = Deadlines.nextDeadlines(submitted, Presets.kemijarvi)

describe("what a step does and reports", () => {
  it("a state without a referral has no command", () => {
    expect(
      Scheduler.commandsDue(Referral.initialState, Presets.kemijarvi, Instant.plusMillis(F.t0, 400 * day))
    ).toEqual([])
  })

  it.effect(
    "a replayed command is already done, a command that changes nothing is not fired, a refused one failed",
    () =>
      Effect.gen(function* () {
        yield* playAt(F.pathTo.Submitted())
        yield* TestClock.setTime(Instant.toMillis(d1?.warnAt as Instant.Instant))
        const first = yield* Scheduler.step({ states: Effect.succeed([submitted]) })
        expect(first).toMatchObject({ referrals: 1, alreadyDone: 0, failed: [] })
        expect(first.fired).toEqual([{ referralId: F.referralId, command: "RecordDeadline" }])
        // the same state again (another worker's stale read): the service replays the first result
        const again = yield* Scheduler.step({ states: Effect.succeed([submitted]) })
        expect(again).toMatchObject({ referrals: 1, alreadyDone: 1, fired: [], failed: [] })

        // assigned meanwhile: the state read before says the D1 warning is due, but recording it changes nothing
        yield* playAt([F.assign({ at: Instant.plusMillis(d1?.warnAt as Instant.Instant, hour) })])
        const other = { ...submitted, deadlineMarks: [] }
        yield* TestClock.setTime(Instant.toMillis(d1?.dueAt as Instant.Instant))
        const unchanged = yield* Scheduler.step({ states: Effect.succeed([other]) })
        expect(unchanged).toMatchObject({ referrals: 1, alreadyDone: 0, fired: [], failed: [] })

        // a referral the store does not have: the command is refused, reported, and the step goes on
        const ghost = { ...submitted, referralId: referralId("no-such-referral") }
        const refused = yield* Scheduler.step({ states: Effect.succeed([ghost]) })
        expect(refused.failed.map((f) => f.referralId)).toEqual(["no-such-referral"])
        expect(refused.failed[0]?.error._tag).toBeDefined()
        expect(refused).toMatchObject({ referrals: 1, alreadyDone: 0, fired: [] })
      }).pipe(Effect.provide(memory()))
  )

  it.effect("a referral held as due with nothing due gets its next deadline stored, and is due again then", () =>
    Effect.gen(function* () {
      const store = yield* ReferralStore.ReferralStore
      const index = yield* ReferralIndex.ReferralIndex
      // appended without a next deadline (as an older release would): due at once
      const { events } = F.history(F.pathTo.Submitted())
      yield* store.append(withoutNextDue(events))
      yield* TestClock.setTime(Instant.toMillis(F.t0) + hour)
      const ids = (page: ReferralIndex.Page<Referral.ReferralState>) => page.items.map((s) => s.referralId)
      const now = Instant.plusMillis(F.t0, hour)
      expect(ids(yield* index.due(now, { limit: 50 }))).toEqual([F.referralId])
      const step = yield* Scheduler.step()
      expect(step).toMatchObject({ referrals: 1, fired: [], failed: [] })
      // stored: not due now, due at the D1 warning
      expect(ids(yield* index.due(now, { limit: 50 }))).toEqual([])
      expect(ids(yield* index.due(d1?.warnAt as Instant.Instant, { limit: 50 }))).toEqual([F.referralId])
      expect(ids(yield* index.due(Instant.plusMillis(d1?.warnAt as Instant.Instant, -1), { limit: 50 }))).toEqual([])
    }).pipe(Effect.provide(memory()))
  )

  it.effect("a referral whose programme the catalog does not know gets no command and is never due again", () =>
    Effect.gen(function* () {
      const store = yield* ReferralStore.ReferralStore
      const index = yield* ReferralIndex.ReferralIndex
      const unknown = Result.getOrThrow(
        Programme.nextVersion(Presets.kemijarvi, (p) => ({ ...p, id: "nowhere" as never, version: 1 }))
      )
      const decider = Referral.makeDecider(Result.getOrThrow(Programme.catalog([unknown])))
      const { events } = F.history([F.submit({ programmeId: unknown.id })], decider)
      yield* store.append(withoutNextDue(events))
      yield* TestClock.setTime(Instant.toMillis(F.t0) + 400 * day)
      const later = Instant.plusMillis(F.t0, 400 * day)
      expect((yield* index.due(later, { limit: 50 })).items).toHaveLength(1)
      expect(yield* Scheduler.step()).toMatchObject({ referrals: 1, fired: [], failed: [] })
      expect((yield* index.due(Instant.plusMillis(later, 4000 * day), { limit: 50 })).items).toEqual([])
      expect((yield* store.load(F.referralId)).events).toEqual(events)
    }).pipe(Effect.provide(memory()))
  )

  it.effect(
    "a state source may give a state not submitted, or of a programme the catalog does not know: no command",
    () =>
      Effect.gen(function* () {
        yield* playAt(F.pathTo.Submitted())
        yield* TestClock.setTime(Instant.toMillis(F.t0) + 400 * day)
        const elsewhere = { ...submitted, programme: { id: "nowhere" as never, version: 1 } }
        const step = yield* Scheduler.step({ states: Effect.succeed([Referral.initialState, elsewhere]) })
        expect(step).toMatchObject({ referrals: 2, fired: [], alreadyDone: 0, failed: [] })
      }).pipe(Effect.provide(memory()))
  )

  it.effect("the step asks the index for the due referrals a page at a time", () =>
    Effect.gen(function* () {
      yield* playAt(F.pathTo.Submitted())
      const index = yield* ReferralIndex.ReferralIndex
      const asked: Array<ReferralIndex.PageRequest> = []
      const counting = {
        ...index,
        due: (at: Instant.Instant, page: ReferralIndex.PageRequest) => {
          asked.push(page)
          return index.due(at, page)
        }
      }
      yield* TestClock.setTime(Instant.toMillis(d1?.warnAt as Instant.Instant))
      const step = yield* Effect.provideService(Scheduler.step(), ReferralIndex.ReferralIndex, counting)
      expect(step.fired).toHaveLength(1)
      expect(asked).toEqual([{ limit: Scheduler.duePageSize, after: undefined }])
    }).pipe(Effect.provide(memory()))
  )

  it.effect(`more due referrals than a page (${Scheduler.duePageSize}): every one is stepped`, () =>
    Effect.gen(function* () {
      const count = Scheduler.duePageSize + 7
      for (let i = 0; i < count; i++) {
        yield* playAt([
          F.submit({
            referralId: referralId(`page-${String(i).padStart(3, "0")}`),
            idempotencyKey: `page-submit-${i}` as never,
            subjectId: `subject-page-${i}` as never
          })
        ])
      }
      yield* TestClock.setTime(Instant.toMillis(d1?.warnAt as Instant.Instant))
      const step = yield* Scheduler.step()
      expect(step.referrals).toBe(count)
      expect(new Set(step.fired.map((f) => f.referralId)).size).toBe(count)
      expect(step.failed).toEqual([])
    }).pipe(Effect.provide(memory()))
  )
})

describe("Scheduler.nextDueAt", () => {
  // Kemijärvi's referrals, and the same referrals on a version that sends measure links (test/support)
  /** The links due at the referral's latest event, sent: its next link is then a reminder days later. */
  const linksSent = (state: Referral.ReferralState): Referral.ReferralState => {
    const at = state.lastEventAt as Instant.Instant
    let s = state
    for (const send of MeasureLink.sendsDue(state, L.programme, at)) {
      const decided = L.decider.decide(L.request(send.timePoint, at), s)
      if (Result.isSuccess(decided)) s = decided.success.reduce(L.decider.evolve, s)
    }
    return s
  }
  const pairs = Object.keys(F.pathTo).flatMap((to) => {
    const linked = F.history(L.path(to as keyof typeof F.pathTo), L.decider).state
    return [
      { state: F.history(F.pathTo[to as keyof typeof F.pathTo]()).state, programme: Presets.kemijarvi },
      { state: linked, programme: L.programme },
      { state: linksSent(linked), programme: L.programme }
    ]
  })
  const situation = fc.record({
    pair: fc.constantFrom(...pairs),
    from: fc.integer({ min: -10 * day, max: 500 * day }).map((ms) => Instant.plusMillis(F.t0, ms))
  })

  it("property: never before the latest event; something is due at it, nothing between `from` and it; none when nothing can be", () => {
    fc.assert(
      fc.property(situation, ({ from, pair: { programme, state } }) => {
        const next = Scheduler.nextDueAt(state, programme, from)
        const latest = state.lastEventAt as Instant.Instant
        // biome-ignore lint/complexity/useMathMinMax: instants are ISO strings, ordered as text
        const start = from > latest ? from : latest
        expectNextDue(next, start, (at) => Scheduler.commandsDue(state, programme, at))
        if (next === undefined) {
          expect(Deadlines.nextDueAt(state, programme, from)).toBeUndefined()
          expect(MeasureLink.nextSendAt(state, programme, from)).toBeUndefined()
          return
        }
        expect(next >= latest).toBe(true)
        // something due already: the referral is due now, not later
        if (Scheduler.commandsDue(state, programme, start).length > 0) expect(next <= start).toBe(true)
        // no later than either kind of command falls due (each is due from its own instant on)
        for (const c of [Deadlines.nextDueAt(state, programme, from), MeasureLink.nextSendAt(state, programme, from)]) {
          // biome-ignore lint/complexity/useMathMinMax: instants are ISO strings, ordered as text
          if (c !== undefined) expect(next <= (c > start ? c : start)).toBe(true)
        }
      }),
      { numRuns: 500 }
    )
  })

  it("a deadline or a measure link message, whichever comes first, and not before the referral's latest event", () => {
    const closed = F.history(L.path("Closed"), L.decider).state
    const programme = L.programme
    const from = closed.lastEventAt as Instant.Instant
    const deadline = Deadlines.nextDueAt(closed, programme, from)
    const link = MeasureLink.nextSendAt(closed, programme, from)
    const expected = [deadline, link].filter((x): x is Instant.Instant => x !== undefined).sort()[0]
    expect(Scheduler.nextDueAt(closed, programme, from)).toBe(expected)
    // a state whose next marker fell due before its latest event: the latest event
    const late = { ...submitted, lastEventAt: Instant.plusMillis(F.t0, 300 * day) }
    expect(Scheduler.nextDueAt(late, Presets.kemijarvi, F.t0)).toBe(late.lastEventAt)
  })
})
