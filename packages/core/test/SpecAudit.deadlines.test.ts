/**
 * Deadlines at the time-zone edge (domain specification §3: "the programme
 * has a time zone (Europe/Helsinki) and a business-day calendar"). Between
 * local midnight and 02:00 (winter) or 03:00 (summer) a Helsinki day is still
 * the previous day in UTC: D1, D2 and D5 count from the local day, so a
 * referral submitted (or closed) then belongs to the new local day. Every
 * other deadline test submits in daytime, where the UTC date and the local
 * date agree.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deadlines, type FinnishCalendar, type Instant, LocalTime, Presets, type Referral } from "@lahete/core"
import { DeciderSpec, Fixtures as F } from "@lahete/testing"
import * as fc from "fast-check"

const kemijarvi = Presets.kemijarvi
const zone = "Europe/Helsinki"
const local = (date: string, clock: string): Instant.Instant =>
  LocalTime.instantAt(date as FinnishCalendar.LocalDate, clock as LocalTime.LocalClock, zone)

const submittedAt = (at: Instant.Instant): Referral.ReferralState => F.history([F.submit({ at })]).state

const byKind = (state: Referral.ReferralState) =>
  Object.fromEntries(Deadlines.nextDeadlines(state, kemijarvi).map((d) => [d.kind, d]))

describe("D1 and D2 count from the Helsinki day, not the UTC day", () => {
  it("winter: submitted at 01:30 on Monday 2 March 2026 (still Sunday in UTC)", () => {
    const at = local("2026-03-02", "01:30")
    expect(at).toBe("2026-03-01T23:30:00.000Z")
    const d = byKind(submittedAt(at))
    // D1: one business day after Monday = Tuesday; due at its end
    expect(d.assignment?.dueAt).toBe(local("2026-03-04", "00:00"))
    // D2: Tuesday, Wednesday, Thursday
    expect(d["first-contact"]?.dueAt).toBe(local("2026-03-06", "00:00"))
  })

  it("summer: submitted at 01:00 on Monday 15 June 2026 (still Sunday in UTC, UTC+3)", () => {
    const at = local("2026-06-15", "01:00")
    expect(at).toBe("2026-06-14T22:00:00.000Z")
    const d = byKind(submittedAt(at))
    expect(d.assignment?.dueAt).toBe("2026-06-16T21:00:00.000Z") // end of Tuesday 16 June
    expect(d["first-contact"]?.dueAt).toBe("2026-06-18T21:00:00.000Z") // end of Thursday 18 June
  })

  it("property: every submission on one Helsinki day has the same D1 and D2, due at a later local midnight", () => {
    const day = fc
      .integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2028, 11, 31) })
      .map((ms) => new Date(ms).toISOString().slice(0, 10))
    const clock = fc
      .integer({ min: 0, max: 24 * 60 - 1 })
      .map((m) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`)
    fc.assert(
      fc.property(day, clock, clock, (date, c1, c2) => {
        const a = local(date, c1)
        const b = local(date, c2)
        // a wall-clock time the spring change skips may land elsewhere: keep the pairs on the day
        fc.pre(LocalTime.localDateOf(a, zone) === date && LocalTime.localDateOf(b, zone) === date)
        const da = byKind(submittedAt(a))
        const db = byKind(submittedAt(b))
        expect(da.assignment?.dueAt).toBe(db.assignment?.dueAt)
        expect(da["first-contact"]?.dueAt).toBe(db["first-contact"]?.dueAt)
        for (const due of [da.assignment?.dueAt, da["first-contact"]?.dueAt]) {
          expect(due).toBeDefined()
          expect(LocalTime.localClockOf(due as Instant.Instant, zone)).toBe("00:00")
          expect(LocalTime.localDateOf(due as Instant.Instant, zone) > date).toBe(true)
        }
      }),
      { numRuns: 300 }
    )
  })
})

describe("D5: the follow-up window counts from the Helsinki day of closing", () => {
  // closed at 00:30 on Friday 31 July 2026 (still Thursday 30 July in UTC)
  const closedAt = local("2026-07-31", "00:30")
  const closed = F.history([F.submit(), F.assign(), F.scheduleCall(), F.firstContact(), F.close({ at: closedAt })])
  const spec = DeciderSpec.make(F.decider)

  it("the window: due Saturday 31 October, open from 17 October to the end of 14 November (local)", () => {
    expect(closedAt).toBe("2026-07-30T21:30:00.000Z")
    const w = Deadlines.followUpWindow(closedAt, kemijarvi)
    expect(w.dueDay).toBe("2026-10-31")
    expect(w.opensAt).toBe(local("2026-10-17", "00:00"))
    expect(w.closesAt).toBe(local("2026-11-15", "00:00"))
    expect(byKind(closed.state)["follow-up"]?.dueAt).toBe(w.closesAt)
  })

  it("the decider accepts the follow-up measure on the window's last local day and refuses it the day before it opens", () => {
    spec
      .given(closed.events)
      .when(F.measure({ timePoint: "follow-up", at: local("2026-11-14", "20:00") }))
      .thenEvents((_, state) => expect(state.status).toBe("FollowedUp"))
    spec
      .given(closed.events)
      .when(F.measure({ timePoint: "follow-up", at: local("2026-10-16", "12:00") }))
      .thenFails("TooEarly", { command: "RecordMeasure", notBefore: local("2026-10-17", "00:00") })
  })
})

describe("the edges of a deadline's instant", () => {
  it("at the due instant itself only the missed marker fires; the at-risk warning is for before it", () => {
    const state = submittedAt(local("2026-03-02", "09:00"))
    const d1 = byKind(state).assignment
    if (d1 === undefined) throw new Error("D1 expected")
    const at = (i: Instant.Instant) =>
      Deadlines.dueFirings(state, kemijarvi, i)
        .filter((f) => f.kind === "assignment")
        .map((f) => f.marker)
    expect(at(d1.warnAt as Instant.Instant)).toEqual(["at-risk"])
    expect(at(d1.dueAt)).toEqual(["missed"])
  })

  it("a call time at the very instant of scheduling is not in the future: refused, even without a text message", () => {
    const now = local("2026-03-03", "10:00") // Tuesday, in calling hours
    const assigned = F.history([F.submit(), F.assign()])
    DeciderSpec.make(F.decider)
      .given(assigned.events)
      .when(F.scheduleCall({ at: now, callAt: now, notifyBySms: false }))
      .thenFails("CallTimeNotAllowed", { problem: "not-in-the-future" })
  })
})
