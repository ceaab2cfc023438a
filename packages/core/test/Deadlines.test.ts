/**
 * The deadlines D1–D6 on concrete dates: ordinary weeks, the eves of Easter
 * and Midsummer, New Year's Eve, both daylight-saving changes; and the
 * call-time rules (calling hours, business days, first-contact deadline, the
 * text message's lead time and quiet hours).
 */
import { describe, expect, it } from "@effect/vitest"
import { Deadlines, Instant, LocalTime, Presets, Programme, type Referral } from "@lahete/core"
import { Fixtures as F } from "@lahete/testing"
import { Result } from "effect"
import * as fc from "fast-check"

const kemijarvi = Presets.kemijarvi
const zone = "Europe/Helsinki"
/** A local Helsinki wall-clock time as an instant. */
const local = (date: string, clock: string) => LocalTime.instantAt(date as never, clock, zone)

const submittedAt = (at: Instant.Instant): Referral.ReferralState => F.history([F.submit({ at })]).state

const byKind = (state: Referral.ReferralState, programme = kemijarvi) =>
  Object.fromEntries(Deadlines.nextDeadlines(state, programme).map((d) => [d.kind, d]))

describe("D1 and D2 from the day of submission", () => {
  it("an ordinary Monday: assignment by Tuesday, first contact within Thursday (3 business days)", () => {
    const d = byKind(submittedAt(local("2026-03-02", "09:00")))
    expect(d.assignment?.dueAt).toBe(local("2026-03-04", "00:00"))
    expect(d.assignment?.warnAt).toBe(local("2026-03-03", "08:00"))
    expect(d["first-contact"]?.dueAt).toBe(local("2026-03-06", "00:00"))
    expect(d["first-contact"]?.warnAt).toBe(local("2026-03-05", "00:00"))
  })

  it("the eve of Easter (Holy Saturday 2026): Easter Monday is not a business day", () => {
    const d = byKind(submittedAt(local("2026-04-04", "10:00")))
    expect(d.assignment?.dueAt).toBe(local("2026-04-08", "00:00")) // Tuesday 7 April
    expect(d["first-contact"]?.dueAt).toBe(local("2026-04-10", "00:00")) // Tue 7, Wed 8, Thu 9
    expect(d["first-contact"]?.dueAt).toBe("2026-04-09T21:00:00.000Z") // summer time, UTC+3
  })

  it("Midsummer Eve 2026 (Friday 19 June, itself not a business day)", () => {
    const d = byKind(submittedAt(local("2026-06-19", "12:00")))
    expect(d.assignment?.dueAt).toBe(local("2026-06-23", "00:00")) // Monday 22 June
    expect(d["first-contact"]?.dueAt).toBe(local("2026-06-25", "00:00")) // Mon 22, Tue 23, Wed 24
  })

  it("New Year's Eve 2026: New Year's Day and Epiphany fall within the period", () => {
    const d = byKind(submittedAt(local("2026-12-31", "15:00")))
    expect(d.assignment?.dueAt).toBe(local("2027-01-05", "00:00")) // Monday 4 January
    expect(d["first-contact"]?.dueAt).toBe(local("2027-01-08", "00:00")) // Mon 4, Tue 5, (Wed 6 Epiphany), Thu 7
    expect(d["first-contact"]?.dueAt).toBe("2027-01-07T22:00:00.000Z") // winter time, UTC+2
  })

  it("calendar days instead of business days (a programme setting): the last day moves off a holiday", () => {
    const calendar = Result.getOrThrow(
      Programme.nextVersion(kemijarvi, (p) => ({
        ...p,
        deadlines: { ...p.deadlines, firstContact: { ...p.deadlines.firstContact, dayKind: "calendar" } }
      }))
    )
    // Thursday 2 April 2026 + 3 calendar days = Easter Sunday → moves to Tuesday 7 April
    const state = F.history([F.submit({ at: local("2026-04-02", "10:00") })]).state
    expect(byKind(state, calendar)["first-contact"]?.dueAt).toBe(local("2026-04-08", "00:00"))
  })

  it("across the spring change (29 March 2026): the due instant is local midnight in summer time", () => {
    const d = byKind(submittedAt(local("2026-03-27", "14:00"))) // Friday, UTC+2
    expect(d["first-contact"]?.dueAt).toBe("2026-04-01T21:00:00.000Z") // end of Wednesday 1 April, UTC+3
    expect(d["first-contact"]?.warnAt).toBe("2026-03-31T21:00:00.000Z")
  })

  it("across the autumn change (25 October 2026): the due instant is local midnight in winter time", () => {
    const d = byKind(submittedAt(local("2026-10-23", "14:00"))) // Friday, UTC+3
    expect(d["first-contact"]?.dueAt).toBe("2026-10-28T22:00:00.000Z") // end of Wednesday 28 October, UTC+2
  })

  it("D1 ends with the assignment; D2 is met by a call set within it", () => {
    const assigned = F.history([F.submit(), F.assign()]).state
    expect(Object.keys(byKind(assigned))).toEqual(["first-contact"])
    const scheduled = F.history(F.pathTo.ContactScheduled()).state
    expect(byKind(scheduled)["first-contact"]).toBeUndefined()
  })
})

describe("D4, D5, D6 in local months", () => {
  it("D4: warning at 5 months, exceeded at 6 months, keeping the local wall-clock time across DST", () => {
    const started = F.history([
      F.submit({ at: local("2026-01-12", "09:00") }),
      F.assign({ at: local("2026-01-12", "10:00") }),
      F.scheduleCall({ at: local("2026-01-12", "11:00"), callAt: local("2026-01-14", "10:00") }),
      F.firstContact({ at: local("2026-01-15", "12:00") })
    ]).state
    const d = byKind(started)
    expect(d.collaboration?.warnAt).toBe(local("2026-06-15", "12:00"))
    expect(d.collaboration?.dueAt).toBe(local("2026-07-15", "12:00"))
    expect(d.collaboration?.dueAt).toBe("2026-07-15T09:00:00.000Z")
  })

  it("D5: the follow-up window around 3 months after closing, with a reminder before it opens", () => {
    const w = Deadlines.followUpWindow(local("2026-07-31", "14:00"), kemijarvi)
    expect(w.dueDay).toBe("2026-10-31")
    expect(w.opensAt).toBe(local("2026-10-17", "00:00"))
    expect(w.closesAt).toBe(local("2026-11-15", "00:00"))
    const closed = F.history(F.pathTo.Closed()).state
    const d = byKind(closed)
    expect(d["follow-up"]?.dueAt).toBe(Deadlines.followUpWindow(closed.closedAt as Instant.Instant, kemijarvi).closesAt)
    expect(d["follow-up"]?.warnAt).toBe(
      LocalTime.addLocalDays(
        d["follow-up"]?.opensAt as Instant.Instant,
        -kemijarvi.deadlines.followUp.reminderDaysBefore,
        zone
      )
    )
  })

  it("D6 applies only when the programme sets a retention period, from the end of the referral", () => {
    const ended = F.history(F.pathTo.FollowedUp()).state
    expect(byKind(ended).retention).toBeUndefined() // the presets leave it to the controller
    const withRetention = Result.getOrThrow(
      Programme.nextVersion(kemijarvi, (p) => ({
        ...p,
        deadlines: { ...p.deadlines, retention: { erasePersonalDataAfterMonths: 24 } }
      }))
    )
    expect(byKind(ended, withRetention).retention?.dueAt).toBe(
      LocalTime.addLocalMonths(ended.endedAt as Instant.Instant, 24, zone)
    )
  })
})

describe("call-time validation (D2, D3, calling hours)", () => {
  const submitted = local("2026-03-02", "09:00") // Monday; D2 due end of Thursday 5 March
  const check = (at: Instant.Instant, callAt: Instant.Instant, withMessage = true, enforce = true) =>
    Deadlines.validateCallTime({
      programme: kemijarvi,
      at,
      callAt,
      withMessage,
      submittedAt: submitted,
      enforceFirstContactDeadline: enforce
    })
  const problemOf = (r: ReturnType<typeof check>) =>
    Result.match(r, { onSuccess: () => "ok", onFailure: (e) => e.problem })

  it("accepts a call in calling hours on a business day, with the message's send window", () => {
    const r = check(local("2026-03-02", "13:00"), local("2026-03-03", "10:00"))
    expect(Result.getOrThrow(r)).toEqual({
      sendAfter: local("2026-03-02", "13:00"),
      sendBefore: local("2026-03-03", "08:00")
    })
  })

  it("refuses weekends and holidays, and times outside calling hours, suggesting the earliest valid time", () => {
    const saturday = check(local("2026-03-02", "13:00"), local("2026-03-07", "10:00"), true, false)
    expect(problemOf(saturday)).toBe("not-a-business-day")
    expect(Result.getFailure(saturday)).toMatchObject({ value: { suggestedCallAt: local("2026-03-02", "15:00") } })
    expect(problemOf(check(local("2026-03-02", "13:00"), local("2026-03-03", "18:00")))).toBe("outside-calling-hours")
    expect(problemOf(check(local("2026-03-02", "13:00"), local("2026-03-03", "07:59")))).toBe("outside-calling-hours")
  })

  it("a message queued in quiet hours waits for 08:00; a 09:00 call is then too early for the 2-hour lead time", () => {
    const r = check(local("2026-03-02", "22:30"), local("2026-03-03", "09:00"))
    expect(problemOf(r)).toBe("text-message-lead-time")
    expect(Result.getFailure(r)).toMatchObject({
      value: { suggestedCallAt: local("2026-03-03", "10:00"), deadlineMissable: false }
    })
    expect(Result.getOrThrow(check(local("2026-03-02", "22:30"), local("2026-03-03", "10:00")))).toEqual({
      sendAfter: local("2026-03-03", "08:00"),
      sendBefore: local("2026-03-03", "08:00")
    })
    // without a message the 09:00 call is fine
    expect(problemOf(check(local("2026-03-02", "22:30"), local("2026-03-03", "09:00"), false))).toBe("ok")
  })

  it("a first call after the first-contact deadline is refused while an earlier one is possible", () => {
    const r = check(local("2026-03-02", "13:00"), local("2026-03-06", "10:00"))
    expect(problemOf(r)).toBe("after-first-contact-deadline")
    // calls after a failed attempt are not held to the deadline
    expect(problemOf(check(local("2026-03-02", "13:00"), local("2026-03-06", "10:00"), true, false))).toBe("ok")
  })

  it("when the deadline can no longer be met, the earliest valid call is accepted and flagged as missable", () => {
    // Thursday 5 March 17:30: a message now + 2 h is 19:30, past calling hours; the earliest call is Friday 08:00
    const late = local("2026-03-05", "17:30")
    const r = check(late, local("2026-03-05", "17:45"))
    expect(problemOf(r)).toBe("text-message-lead-time")
    expect(Result.getFailure(r)).toMatchObject({
      value: { suggestedCallAt: local("2026-03-06", "08:00"), deadlineMissable: true }
    })
    expect(problemOf(check(late, local("2026-03-06", "08:00")))).toBe("ok")
  })

  it("the decider refuses an invalid call time with the reason and the suggestion; no personal data", () => {
    const history = F.history(F.pathTo.Assigned())
    const result = F.decider.decide(F.scheduleCall({ callAt: local("2026-03-07", "10:00") }), history.state)
    expect(Result.isFailure(result)).toBe(true)
    const error = Result.getFailure(result)
    expect(error).toMatchObject({ value: { _tag: "CallTimeNotAllowed", problem: "not-a-business-day" } })
    if (error._tag === "Some") expect(error.value.message).toContain("earliest valid call time")
  })

  it("property: the suggested call time is always valid, and never earlier than a valid time asked for", () => {
    const at = fc
      .integer({ min: Date.parse("2026-01-01T00:00:00Z"), max: Date.parse("2027-12-31T00:00:00Z") })
      .map((ms) => Instant.make(Math.floor(ms / 60_000) * 60_000))
    fc.assert(
      fc.property(at, fc.boolean(), fc.integer({ min: 1, max: 60 * 24 * 6 }), (now, withMessage, minutes) => {
        const suggested = Deadlines.earliestCallTime({ programme: kemijarvi, at: now, withMessage })
        const valid = Deadlines.validateCallTime({
          programme: kemijarvi,
          at: now,
          callAt: suggested,
          withMessage,
          submittedAt: now,
          enforceFirstContactDeadline: true
        })
        expect(Result.isSuccess(valid)).toBe(true)
        const asked = Instant.plusMillis(now, minutes * 60_000)
        const other = Deadlines.validateCallTime({
          programme: kemijarvi,
          at: now,
          callAt: asked,
          withMessage,
          submittedAt: now,
          enforceFirstContactDeadline: false
        })
        if (Result.isSuccess(other)) expect(asked >= suggested).toBe(true)
        if (withMessage && Result.isSuccess(valid) && valid.success !== undefined) {
          expect(
            LocalTime.isWithinDailyWindow(valid.success.sendAfter, kemijarvi.deadlines.textMessage.quietHours, zone)
          ).toBe(false)
        }
      }),
      { numRuns: 1000 }
    )
  })
})

describe("deadline markers in the decider", () => {
  const system = F.system
  const fire = (
    history: ReadonlyArray<Parameters<typeof F.decider.decide>[0]>,
    deadline: "assignment" | "first-contact" | "collaboration" | "follow-up",
    marker: "at-risk" | "missed",
    at: Instant.Instant
  ) => {
    const { state } = F.history(history)
    return F.decider.decide(
      {
        _tag: "RecordDeadline",
        referralId: F.referralId,
        idempotencyKey: F.submit().idempotencyKey,
        actor: system,
        at,
        deadline,
        marker
      },
      state
    )
  }

  it("fires at its time, not before; once fired, firing again changes nothing", () => {
    const submitted = [F.submit()]
    const due = byKind(F.history(submitted).state).assignment?.dueAt as Instant.Instant
    const early = fire(submitted, "assignment", "missed", Instant.plusMillis(due, -1))
    expect(Result.getFailure(early)).toMatchObject({ value: { _tag: "TooEarly", notBefore: due } })
    const events = Result.getOrThrow(fire(submitted, "assignment", "missed", due))
    expect(events).toEqual([
      { _tag: "AssignmentOverdue", referralId: F.referralId, at: due, actor: system, dueAt: due }
    ])
    const { state } = F.history(submitted)
    const after = events.reduce(F.decider.evolve, state)
    const again = F.decider.decide(
      {
        _tag: "RecordDeadline",
        referralId: F.referralId,
        idempotencyKey: "k-again" as never,
        actor: system,
        at: due,
        deadline: "assignment",
        marker: "missed"
      },
      after
    )
    expect(Result.getOrThrow(again)).toEqual([])
  })

  it("a warning after its deadline has passed, or a deadline already met, changes nothing", () => {
    const submitted = [F.submit()]
    const d2 = byKind(F.history(submitted).state)["first-contact"]?.dueAt as Instant.Instant
    expect(Result.getOrThrow(fire(submitted, "first-contact", "at-risk", d2))).toEqual([])
    expect(Result.getOrThrow(fire(F.pathTo.ContactScheduled(), "first-contact", "missed", d2))).toEqual([])
  })

  it("D2 missed, D4 exceeded (a flag: the referral stays Active)", () => {
    const submitted = [F.submit()]
    const d2 = byKind(F.history(submitted).state)["first-contact"]?.dueAt as Instant.Instant
    expect(Result.getOrThrow(fire([F.submit(), F.assign()], "first-contact", "missed", d2))).toMatchObject([
      { _tag: "ContactDeadlineMissed", dueAt: d2 }
    ])
    const active = F.pathTo.Active()
    const d4 = byKind(F.history(active).state).collaboration?.dueAt as Instant.Instant
    const events = Result.getOrThrow(fire(active, "collaboration", "missed", d4))
    expect(events).toMatchObject([{ _tag: "DurationExceeded", dueAt: d4 }])
    expect(events.reduce(F.decider.evolve, F.history(active).state).status).toBe("Active")
  })

  it("D6: retention erasure refused before its time and where the programme sets no period", () => {
    const erase = F.erase({ actor: system, basis: "retention-period" })
    const ended = F.history(F.pathTo.FollowedUp())
    expect(Result.getFailure(F.decider.decide(erase, ended.state))).toMatchObject({
      value: { _tag: "InvalidCommand", field: "basis" }
    })
  })
})

describe("a referral whose deadlines pass (story)", () => {
  it("records each marker once, in order, and keeps going after a late start", () => {
    const { events, state } = F.history(F.deadlineStory())
    expect(events.filter((e) => e._tag !== "ConsentRecorded").map((e) => e._tag)).toEqual([
      "ReferralSubmitted",
      "DeadlineAtRisk",
      "AssignmentOverdue",
      "DeadlineAtRisk",
      "ContactDeadlineMissed",
      "LinkWorkerAssigned",
      "CallScheduled",
      "CollaborationStarted",
      "DeadlineAtRisk",
      "DurationExceeded"
    ])
    expect(state.status).toBe("Active")
    expect(state.deadlineMarks).toEqual([
      "assignment:at-risk",
      "assignment:missed",
      "first-contact:at-risk",
      "first-contact:missed",
      "collaboration:at-risk",
      "collaboration:missed"
    ])
    expect(Deadlines.pendingFirings(state, kemijarvi)).toEqual([])
  })
})
