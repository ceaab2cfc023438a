/**
 * When each time point's measure is accepted (the model: at the start, at the
 * end, and three months after the end; D5 in the domain specification §3):
 * the follow-up only inside its window (before it `TooEarly`, as
 * `ExpireFollowUp`; after it refused), the end measure until the follow-up
 * window opens, the baseline never after the end measure it pairs with.
 * `Measures.due` says the same at every instant.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deadlines, Instant, Measures, Presets, Programme, Referral, type ReferralCommand } from "@lahete/core"
import { DeciderSpec, Fixtures as F } from "@lahete/testing"
import { Result } from "effect"
import * as fc from "fast-check"

const spec = DeciderSpec.make(F.decider)
const closedHistory = F.history(F.pathTo.Closed())
const closedAt = closedHistory.state.closedAt as Instant.Instant
const window = Deadlines.followUpWindow(closedAt, Presets.kemijarvi)
const ms = (i: Instant.Instant, by: number) => Instant.plusMillis(i, by)
const followUp = (at: Instant.Instant) => F.measure({ timePoint: "follow-up", at })
const givenClosed = () => spec.given(closedHistory.events)
const dueAt = (now: Instant.Instant, tp: string) =>
  Measures.due(closedHistory.state, Presets.kemijarvi, now).find((d) => d.timePoint === tp)?.status

describe("the follow-up measure (D5): only inside the window", () => {
  it("the window: three months after closing, ±14 days (Kemijärvi)", () => {
    expect(window.dueDay).toBe("2026-09-30")
    expect(window.opensAt).toBe("2026-09-15T21:00:00.000Z")
    expect(window.closesAt).toBe("2026-10-14T21:00:00.000Z")
  })

  it("a week after closing it is refused as TooEarly, like ExpireFollowUp, and the referral stays Closed", () => {
    const weekLater = ms(closedAt, 7 * 24 * 3_600_000)
    givenClosed()
      .when(followUp(weekLater))
      .thenFails("TooEarly", { command: "RecordMeasure", notBefore: window.opensAt })
    givenClosed()
      .when(F.expireFollowUp({ at: weekLater }))
      .thenFails("TooEarly", { command: "ExpireFollowUp", notBefore: window.closesAt })
    expect(dueAt(weekLater, "follow-up")).toBe("upcoming")
  })

  it("one millisecond before the window opens: TooEarly", () => {
    givenClosed()
      .when(followUp(ms(window.opensAt, -1)))
      .thenFails("TooEarly", { command: "RecordMeasure", notBefore: window.opensAt })
    expect(dueAt(ms(window.opensAt, -1), "follow-up")).toBe("upcoming")
  })

  it("at the instant the window opens: accepted, and the follow-up is complete", () => {
    const state = givenClosed()
      .when(followUp(window.opensAt))
      .then([
        {
          _tag: "MeasureRecorded",
          referralId: F.referralId,
          at: window.opensAt,
          actor: F.linkWorkerActor,
          instrument: "swemwbs",
          timePoint: "follow-up",
          respondent: "self",
          answers: [3, 3, 2, 3, 4, 2, 3]
        },
        {
          _tag: "FollowUpCompleted",
          referralId: F.referralId,
          at: window.opensAt,
          actor: F.linkWorkerActor,
          result: "recorded"
        }
      ])
    expect(state.status).toBe("FollowedUp")
    expect(dueAt(window.opensAt, "follow-up")).toBe("due")
  })

  it("the last millisecond of the window: accepted, by the client too", () => {
    const last = ms(window.closesAt, -1)
    givenClosed()
      .when(F.measure({ timePoint: "follow-up", at: last, actor: F.client }))
      .thenEvents((events) => expect(events.map((e) => e._tag)).toEqual(["MeasureRecorded", "FollowUpCompleted"]))
    expect(dueAt(last, "follow-up")).toBe("due")
  })

  it("once the window has closed: refused (the follow-up is missed; ExpireFollowUp records it)", () => {
    givenClosed()
      .when(followUp(window.closesAt))
      .thenFails("TransitionNotAllowed", { state: "Closed", command: "RecordMeasure" })
    givenClosed()
      .when(followUp(ms(window.closesAt, 30 * 24 * 3_600_000)))
      .thenFails("TransitionNotAllowed", { state: "Closed", command: "RecordMeasure" })
    givenClosed()
      .when(F.expireFollowUp({ at: window.closesAt }))
      .thenEvents((events, state) => {
        expect(events.map((e) => e._tag)).toEqual(["FollowUpCompleted"])
        expect(state.followUp).toBe("missed")
      })
    expect(dueAt(window.closesAt, "follow-up")).toBe("overdue")
  })
})

describe("the end measure: at the end of the collaboration, not once the follow-up window has opened", () => {
  it("while active and after closing: accepted", () => {
    spec
      .given(F.history(F.pathTo.Active()).events)
      .when(F.measure({ timePoint: "end", at: F.at(24 * 30) }))
      .thenEvents((events) => expect(events.map((e) => e._tag)).toEqual(["MeasureRecorded"]))
    givenClosed()
      .when(F.measure({ timePoint: "end", at: ms(window.opensAt, -1) }))
      .thenEvents((events, state) => {
        expect(events.map((e) => e._tag)).toEqual(["MeasureRecorded"])
        expect(state.status).toBe("Closed")
      })
    expect(dueAt(ms(window.opensAt, -1), "end")).toBe("due")
  })

  it("from the instant the follow-up window opens: refused, and due says overdue", () => {
    givenClosed()
      .when(F.measure({ timePoint: "end", at: window.opensAt }))
      .thenFails("TransitionNotAllowed", { state: "Closed", command: "RecordMeasure" })
    const end = Measures.due(closedHistory.state, Presets.kemijarvi, window.opensAt).find((d) => d.timePoint === "end")
    expect(end).toMatchObject({ status: "overdue", closesAt: window.opensAt })
  })
})

describe("the baseline: never after the end measure it pairs with", () => {
  it("after the end measure of the same instrument and respondent: refused, and due says overdue", () => {
    const ended = F.history([...F.pathTo.Active(), F.measure({ timePoint: "end", at: F.at(24 * 30) })])
    spec
      .given(ended.events)
      .when(F.measure({ at: F.at(24 * 31) }))
      .thenFails("InvalidCommand", { field: "timePoint" })
    expect(Measures.due(ended.state, Presets.kemijarvi, F.at(24 * 31))).toMatchObject([
      { timePoint: "baseline", instrument: "swemwbs", respondent: "self", status: "overdue" }
    ])
  })

  it("another instrument's or respondent's baseline is still taken (Sodankylä: ESIS at the end, SWEMWBS and the proxy's at the start)", () => {
    const sodankyla: Partial<Extract<ReferralCommand.ReferralCommand, { _tag: "SubmitReferral" }>> = {
      programmeId: Presets.sodankyla.id,
      consents: [...F.defaultConsents, F.consentGiven("proxy-measure")]
    }
    const ended = F.history([
      F.submit(sodankyla),
      F.assign(),
      F.scheduleCall(),
      F.firstContact(),
      F.measure({ instrument: "esis", timePoint: "end", answers: [3, 3, 3, 3, 3, 3, 3, 3, 3, 3], at: F.at(24 * 30) }),
      F.measure({ instrument: "swemwbs", timePoint: "end", at: F.at(24 * 30) })
    ])
    expect(
      Measures.due(ended.state, Presets.sodankyla, F.at(24 * 31)).map(
        (d) => `${d.instrument}/${d.respondent}:${d.status}`
      )
    ).toEqual(["esis/self:overdue", "swemwbs/self:overdue", "swemwbs/proxy:due"])
    // the referrer's proxy baseline is another respondent's: a proxy score is never paired with the client's own
    spec
      .given(ended.events)
      .when(F.measure({ respondent: "proxy", actor: F.referrer, at: F.at(24 * 31) }))
      .thenEvents((events) => expect(events.map((e) => e._tag)).toEqual(["MeasureRecorded"]))
    // ESIS's baseline is refused after ESIS's end measure, SWEMWBS's after SWEMWBS's
    for (const instrument of ["esis", "swemwbs"]) {
      spec
        .given(ended.events)
        .when(
          F.measure({
            instrument,
            at: F.at(24 * 31),
            ...(instrument === "esis" ? { answers: [3, 3, 3, 3, 3, 3, 3, 3, 3, 3] } : {})
          })
        )
        .thenFails("InvalidCommand", { field: "timePoint" })
    }
    const onlyEsisEnded = F.history([
      F.submit(sodankyla),
      F.assign(),
      F.scheduleCall(),
      F.firstContact(),
      F.measure({ instrument: "esis", timePoint: "end", answers: [3, 3, 3, 3, 3, 3, 3, 3, 3, 3], at: F.at(24 * 30) })
    ])
    spec
      .given(onlyEsisEnded.events)
      .when(F.measure({ at: F.at(24 * 31) }))
      .thenEvents((events) => expect(events.map((e) => e._tag)).toEqual(["MeasureRecorded"]))
  })
})

describe("property: the decider and Measures.due agree on the follow-up window, whatever the programme sets", {
  timeout: 60_000
}, () => {
  const hour = 3_600_000
  const day = 24 * hour
  it("accepted exactly inside [opensAt, closesAt); TooEarly before (as ExpireFollowUp), refused after; the end measure until opensAt", () => {
    const seen = new Set<string>()
    fc.assert(
      fc.property(
        fc.record({
          monthsAfterClosing: fc.integer({ min: 1, max: 12 }),
          windowDays: fc.integer({ min: 0, max: 30 }),
          closeAfterHours: fc.integer({ min: 27, max: 24 * 180 }),
          near: fc.constantFrom("anywhere", "opens", "closes"),
          offset: fc.double({ min: 0, max: 1, noNaN: true }),
          delta: fc.integer({ min: -2 * hour, max: 2 * hour })
        }),
        ({ monthsAfterClosing, windowDays, closeAfterHours, near, offset, delta }) => {
          const programme = Result.getOrThrow(
            Programme.nextVersion(Presets.kemijarvi, (p) => ({
              ...p,
              deadlines: { ...p.deadlines, followUp: { monthsAfterClosing, windowDays, reminderDaysBefore: 7 } }
            }))
          )
          const decider = Referral.makeDecider(Result.getOrThrow(Programme.catalog([Presets.kemijarvi, programme])))
          const closed = F.history([...F.pathTo.Active(), F.close({ at: F.at(closeAfterHours) })], decider)
          const closedAt = closed.state.closedAt as Instant.Instant
          const w = Deadlines.followUpWindow(closedAt, programme)
          const span = Instant.toMillis(w.closesAt) + 10 * day - Instant.toMillis(closedAt)
          const at = Instant.make(
            Math.max(
              Instant.toMillis(closedAt),
              near === "opens"
                ? Instant.toMillis(w.opensAt) + delta
                : near === "closes"
                  ? Instant.toMillis(w.closesAt) + delta
                  : Instant.toMillis(closedAt) + Math.floor(offset * span)
            )
          )
          const inside = w.opensAt <= at && at < w.closesAt
          const measure = decider.decide(F.measure({ timePoint: "follow-up", at }), closed.state)
          const expire = decider.decide(F.expireFollowUp({ at }), closed.state)
          const due = Measures.due(closed.state, programme, at)
          const status = (tp: string) => due.find((d) => d.timePoint === tp)?.status
          if (inside) {
            seen.add("inside")
            expect(Result.isSuccess(measure)).toBe(true)
            expect(status("follow-up")).toBe("due")
          } else if (at < w.opensAt) {
            seen.add("before")
            expect(Result.getFailure(measure)).toMatchObject({
              value: { _tag: "TooEarly", command: "RecordMeasure", notBefore: w.opensAt }
            })
            expect(status("follow-up")).toBe("upcoming")
          } else {
            seen.add("after")
            expect(Result.getFailure(measure)).toMatchObject({
              value: { _tag: "TransitionNotAllowed", state: "Closed", command: "RecordMeasure" }
            })
            expect(status("follow-up")).toBe("overdue")
          }
          // ExpireFollowUp: too early exactly until the window has closed
          if (at < w.closesAt) {
            expect(Result.getFailure(expire)).toMatchObject({
              value: { _tag: "TooEarly", command: "ExpireFollowUp", notBefore: w.closesAt }
            })
          } else {
            expect(Result.isSuccess(expire)).toBe(true)
          }
          // the end measure: until the follow-up window opens
          const end = decider.decide(F.measure({ timePoint: "end", at }), closed.state)
          expect(Result.isSuccess(end)).toBe(at < w.opensAt)
          expect(status("end")).toBe(at < w.opensAt ? "due" : "overdue")
        }
      ),
      { numRuns: 300 }
    )
    expect([...seen].sort()).toEqual(["after", "before", "inside"])
  })
})
