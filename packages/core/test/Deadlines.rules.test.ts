/**
 * The deadline rules D1–D6 as rules (domain specification §3): which
 * deadlines apply in which state, the markers still to fire and their order,
 * the next instant one falls due; and the call-time rules at their edges
 * (the first and last minute of calling hours, a time between whole minutes,
 * a programme without a lead time, calling hours from midnight, scheduling at
 * the first-contact deadline's own instant). Each test fails when the rule it
 * names changes: docs/mutation.md records the mutation run of Deadlines.ts
 * they were written against.
 */
import { describe, expect, it } from "@effect/vitest"
import {
  Deadlines,
  Instant,
  type Lifecycle,
  LocalTime,
  Presets,
  Programme,
  type Referral,
  type ReferralCommand
} from "@lahete/core"
import { Fixtures as F } from "@lahete/testing"
import { Option, Result, Schema } from "effect"
import * as fc from "fast-check"
import { expectNextDue } from "./support/nextDue.js"

const zone = "Europe/Helsinki"
/** A local Helsinki wall-clock time as an instant. */
const local = (date: string, clock: string) => LocalTime.instantAt(date as never, clock, zone)
const hour = 3_600_000
const day = 24 * hour

const kemijarvi = Presets.kemijarvi
type Deadlines_ = Programme.Programme["deadlines"]
/** Kemijärvi with other deadline settings. */
const variant = (change: (d: Deadlines_) => Deadlines_) =>
  Result.getOrThrow(Programme.nextVersion(kemijarvi, (p) => ({ ...p, deadlines: change(p.deadlines) })))

const withRetention = variant((d) => ({ ...d, retention: { erasePersonalDataAfterMonths: 24 } }))
/** D1 after D2, and D2's warning 3 days ahead: the deadlines and their markers interleave. */
const interleaved = variant((d) => ({
  ...d,
  assignment: { businessDays: 1 },
  firstContact: { ...d.firstContact, atRiskHours: 72 },
  retention: { erasePersonalDataAfterMonths: 12 }
}))
const lateAssignment = variant((d) => ({
  ...d,
  assignment: { businessDays: 6 },
  firstContact: { ...d.firstContact, days: 2 }
}))
/** No warning before D2: its at-risk marker falls on the deadline itself. */
const noWarning = variant((d) => ({ ...d, firstContact: { ...d.firstContact, atRiskHours: 0 } }))
const noLeadTime = variant((d) => ({ ...d, textMessage: { ...d.textMessage, leadTimeMinutes: 0 } }))
const fromMidnight = variant((d) => ({ ...d, callingHours: { start: "00:00", end: "16:00" } }))
const programmes = [kemijarvi, withRetention, interleaved, lateAssignment, noWarning]

/** The specification's codes (§3). */
const specCodes = {
  assignment: "D1",
  "first-contact": "D2",
  collaboration: "D4",
  "follow-up": "D5",
  retention: "D6"
} as const

const stateAfter = (commands: ReadonlyArray<ReferralCommand.ReferralCommand>) => F.history(commands).state

/** The fixture referral (submitted Monday 2 March 2026, 09:00 Helsinki) in a state, with the call moved to `callAt`. */
const scheduledAt = (callAt: Instant.Instant): Referral.ReferralState => ({
  ...stateAfter(F.pathTo.ContactScheduled()),
  callAt
})
const d2Due = Deadlines.firstContactDueAt(F.t0, kemijarvi) // the end of Thursday 5 March, local

/** Every state the lifecycle reaches, and the late-call and erased variants of §3's table. */
const states: ReadonlyArray<readonly [string, Referral.ReferralState]> = [
  ["Initial (nothing submitted)", F.decider.initialState],
  ...Object.entries(F.pathTo).map(([name, path]) => [name, stateAfter(path())] as const),
  ["ContactScheduled, the call at the deadline's instant", scheduledAt(d2Due)],
  ["ContactScheduled, the call after the deadline", scheduledAt(Instant.plusMillis(d2Due, 4 * day))],
  [
    "FollowedUp, erased",
    {
      ...stateAfter(F.pathTo.FollowedUp()),
      personalDataErased: true
    }
  ]
]

describe("which deadlines apply (§3's table)", () => {
  /** §3 by status: D1 until assigned; D2 until the first contact, met by a call set before it; D4 while the
   * collaboration runs; D5 once closed; D6 once ended, until erased, where the programme sets a period. */
  type Rule = (s: Referral.ReferralState, p: Programme.Programme) => Array<Deadlines.Kind>
  const ended: Rule = (s, p) =>
    s.personalDataErased || p.deadlines.retention.erasePersonalDataAfterMonths === null ? [] : ["retention"]
  const table: Record<Lifecycle.Status, Rule> = {
    Initial: () => [],
    Submitted: () => ["assignment", "first-contact"],
    Assigned: () => ["first-contact"],
    ContactScheduled: (s, p) =>
      s.callAt !== undefined && s.callAt < Deadlines.firstContactDueAt(s.submittedAt as Instant.Instant, p)
        ? []
        : ["first-contact"],
    Active: () => ["collaboration"],
    OnHold: () => ["collaboration"],
    Closed: () => ["follow-up"],
    FollowedUp: ended,
    Rejected: ended,
    Declined: ended,
    Unreachable: ended,
    Cancelled: ended,
    Withdrawn: ended
  }

  for (const [name, state] of states) {
    it(`${name}: ${programmes.length} programmes`, () => {
      for (const programme of programmes) {
        const found = Deadlines.nextDeadlines(state, programme)
        expect(found.map((d) => d.kind).sort()).toEqual(table[state.status](state, programme).sort())
        for (const d of found) expect(d.code).toBe(specCodes[d.kind])
      }
    })
  }

  it("the codes and the kinds and markers a command may name are the specification's", () => {
    expect(Deadlines.codes).toEqual(specCodes)
    for (const kind of Object.keys(specCodes)) expect(Schema.decodeUnknownSync(Deadlines.Kind)(kind)).toBe(kind)
    for (const marker of ["at-risk", "missed"]) expect(Schema.decodeUnknownSync(Deadlines.Marker)(marker)).toBe(marker)
    for (const other of ["", "D1", "contact", "warning"]) {
      expect(() => Schema.decodeUnknownSync(Deadlines.Kind)(other)).toThrow()
      expect(() => Schema.decodeUnknownSync(Deadlines.Marker)(other)).toThrow()
    }
  })

  it("D6 is due the programme's months after the referral ended", () => {
    const ended = stateAfter(F.pathTo.Cancelled())
    expect(Deadlines.retentionDueAt(ended, kemijarvi)).toBeUndefined()
    expect(Deadlines.retentionDueAt(ended, interleaved)).toBe(
      LocalTime.addLocalMonths(ended.endedAt as Instant.Instant, 12, zone)
    )
    expect(Deadlines.retentionDueAt(stateAfter(F.pathTo.Active()), interleaved)).toBeUndefined()
  })
})

const allMarks = Object.keys(specCodes).flatMap((kind) =>
  (["at-risk", "missed"] as const).map((marker) => Deadlines.markKey(kind as Deadlines.Kind, marker))
)

/** A state with some of its markers recorded, under one of the programmes, and an instant to look from. */
const situation = fc
  .record({
    state: fc.constantFrom(...states.map(([, s]) => s)),
    programme: fc.constantFrom(...programmes),
    marks: fc.subarray(allMarks),
    pick: fc.nat(),
    offset: fc.constantFrom(0, 0, -1, 1, -hour, hour),
    far: fc.integer({ min: -10 * day, max: 800 * day })
  })
  .map(({ far, marks, offset, pick, programme, state }) => {
    const s: Referral.ReferralState = { ...state, deadlineMarks: marks }
    // from: near one of the referral's own instants (often exactly on it), or anywhere in its life
    const instants = Deadlines.nextDeadlines(s, programme).flatMap((d) => [d.dueAt, d.warnAt ?? d.dueAt])
    const from =
      instants.length > 0 && pick % 3 !== 0
        ? Instant.plusMillis(instants[pick % instants.length] as Instant.Instant, offset)
        : Instant.plusMillis(F.t0, far)
    return { state: s, programme, from }
  })

const isSorted = (xs: ReadonlyArray<string>) => xs.every((x, i) => i === 0 || (xs[i - 1] as string) <= x)

describe("the markers still to fire", () => {
  it("property: a warning for each deadline that has one, a missed marker for each, none recorded twice; deadlines by due instant, markers by fire time", () => {
    fc.assert(
      fc.property(situation, ({ programme, state }) => {
        const deadlines = Deadlines.nextDeadlines(state, programme)
        expect(isSorted(deadlines.map((d) => d.dueAt))).toBe(true)
        const expected = deadlines.flatMap((d) => [
          ...(d.warnAt !== undefined && !state.deadlineMarks.includes(`${d.kind}:at-risk`)
            ? [{ kind: d.kind, marker: "at-risk", fireAt: d.warnAt, dueAt: d.dueAt }]
            : []),
          ...(state.deadlineMarks.includes(`${d.kind}:missed`)
            ? []
            : [{ kind: d.kind, marker: "missed", fireAt: d.dueAt, dueAt: d.dueAt }])
        ])
        const pending = Deadlines.pendingFirings(state, programme)
        expect(isSorted(pending.map((f) => f.fireAt))).toBe(true)
        const key = (f: { kind: string; marker: string }) => `${f.kind}:${f.marker}`
        expect([...pending].sort((a, b) => (key(a) < key(b) ? -1 : 1))).toEqual(
          expected.sort((a, b) => (key(a) < key(b) ? -1 : 1))
        )
      }),
      { numRuns: 400 }
    )
  })

  it("D2's warning 3 days ahead fires before D1's warning; D2 falls due before D1 when D1 takes longer", () => {
    const submitted = stateAfter(F.pathTo.Submitted())
    expect(Deadlines.pendingFirings(submitted, interleaved).map((f) => `${f.kind}:${f.marker}`)).toEqual([
      "first-contact:at-risk", // Monday 2 March, 24:00 less 72 h
      "assignment:at-risk", // Tuesday 3 March, 08:00
      "assignment:missed", // the end of Tuesday
      "first-contact:missed" // the end of Thursday
    ])
    expect(Deadlines.nextDeadlines(submitted, lateAssignment).map((d) => d.kind)).toEqual([
      "first-contact",
      "assignment"
    ])
    expect(
      Deadlines.dueFirings(submitted, interleaved, local("2026-03-04", "12:00")).map((f) => `${f.kind}:${f.marker}`)
    ).toEqual(["first-contact:at-risk", "assignment:missed"])
  })

  it("a D2 warning on the deadline itself never falls due: with the missed marker recorded, nothing is due", () => {
    const recorded = { ...stateAfter(F.pathTo.Assigned()), deadlineMarks: ["first-contact:missed"] }
    expect(Deadlines.pendingFirings(recorded, noWarning)).toEqual([
      { kind: "first-contact", marker: "at-risk", fireAt: d2Due, dueAt: d2Due }
    ])
    expect(Deadlines.nextDueAt(recorded, noWarning, F.t0)).toBeUndefined()
    expect(Deadlines.nextDueAt(recorded, noWarning)).toBeUndefined()
  })
})

describe("the next instant a marker falls due (nextDueAt)", () => {
  it("property: nothing is due from `from` until it, something is due at it, and nothing ever when there is none", () => {
    fc.assert(
      fc.property(situation, ({ from, programme, state }) => {
        expectNextDue(Deadlines.nextDueAt(state, programme, from), from, (at) =>
          Deadlines.dueFirings(state, programme, at)
        )
      }),
      { numRuns: 600 }
    )
  })

  it("a warning whose deadline falls at `from` itself is left out", () => {
    const assigned = stateAfter(F.pathTo.Assigned())
    expect(Deadlines.nextDueAt(assigned, kemijarvi, Instant.plusMillis(d2Due, -day - 1))).toBe(
      Instant.plusMillis(d2Due, -day)
    )
    expect(Deadlines.nextDueAt({ ...assigned, deadlineMarks: ["first-contact:missed"] }, kemijarvi, d2Due)).toBe(
      undefined
    )
  })
})

describe("call times at the edges of the rules", () => {
  const earliest = (at: Instant.Instant, programme = kemijarvi, withMessage = false) =>
    Deadlines.earliestCallTime({ programme, at, withMessage })

  it("calling hours include their first minute and exclude their last (08:00–18:00)", () => {
    expect(earliest(local("2026-03-03", "07:59"))).toBe(local("2026-03-03", "08:00"))
    expect(earliest(local("2026-03-03", "17:58"))).toBe(local("2026-03-03", "17:59"))
    expect(earliest(local("2026-03-03", "17:59"))).toBe(local("2026-03-04", "08:00"))
  })

  it("a call is at least a minute later and on a whole minute", () => {
    expect(earliest(Instant.plusMillis(local("2026-03-03", "10:00"), 30_000))).toBe(local("2026-03-03", "10:02"))
    expect(earliest(Instant.plusMillis(local("2026-03-03", "10:00"), 1))).toBe(local("2026-03-03", "10:02"))
    expect(earliest(local("2026-03-03", "10:00"))).toBe(local("2026-03-03", "10:01"))
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 30 * day }), fc.boolean(), (ms, withMessage) => {
        const at = Instant.plusMillis(F.t0, ms)
        const call = earliest(at, kemijarvi, withMessage)
        expect(Date.parse(call) % 60_000).toBe(0)
        expect(Date.parse(call) - Date.parse(at)).toBeGreaterThanOrEqual(60_000)
      })
    )
  })

  it("without a lead time, a call with a text message is still a minute later at the earliest", () => {
    expect(earliest(local("2026-03-03", "10:00"), noLeadTime, true)).toBe(local("2026-03-03", "10:01"))
  })

  const validate = (options: {
    readonly at: Instant.Instant
    readonly callAt: Instant.Instant
    readonly programme?: Programme.Programme
  }) =>
    Deadlines.validateCallTime({
      programme: options.programme ?? kemijarvi,
      at: options.at,
      callAt: options.callAt,
      withMessage: false,
      submittedAt: F.t0,
      enforceFirstContactDeadline: true
    })

  it("a refusal while the first-contact deadline is ahead names it; from its own instant on it is past", () => {
    const saturday = local("2026-03-07", "10:00")
    expect(Result.getFailure(validate({ at: local("2026-03-03", "10:00"), callAt: saturday }))).toMatchObject({
      value: { problem: "not-a-business-day", firstContactDueAt: d2Due, deadlineMissable: false }
    })
    for (const at of [d2Due, Instant.plusMillis(d2Due, hour)]) {
      const refused = Option.getOrThrow(Result.getFailure(validate({ at, callAt: saturday })))
      expect(refused).toMatchObject({ problem: "not-a-business-day", deadlineMissable: false })
      expect(refused).not.toHaveProperty("firstContactDueAt")
    }
  })

  it("with calling hours from midnight: a call at the deadline's instant is too late while an earlier call is possible, and accepted when it is the earliest", () => {
    const late = validate({ programme: fromMidnight, at: local("2026-03-03", "10:00"), callAt: d2Due })
    expect(Result.getFailure(late)).toMatchObject({ value: { problem: "after-first-contact-deadline" } })
    // scheduled in the deadline's last minute: the deadline's own instant (Friday 00:00) is the earliest call
    const lastMinute = Instant.plusMillis(d2Due, -60_000)
    expect(Deadlines.earliestCallTime({ programme: fromMidnight, at: lastMinute, withMessage: false })).toBe(d2Due)
    expect(Result.isSuccess(validate({ programme: fromMidnight, at: lastMinute, callAt: d2Due }))).toBe(true)
  })
})
