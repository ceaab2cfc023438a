/**
 * The decider's answers in detail: what each refusal says (field and reason,
 * which an integrator shows or logs), what the folded state keeps (how a
 * referral ended, whether a number is on file), and the edges of the rules
 * the example specs cross only in the middle: the age on the birthday, a
 * meeting recorded at the instant it took place, a next call after a failed
 * attempt (not bound by the first-contact deadline), consent in an ended
 * referral, the follow-up's deadline marker, retention before it is due, a
 * programme or instrument the decider does not know.
 */
import { describe, expect, it } from "@effect/vitest"
import {
  Deadlines,
  Instant,
  Instruments,
  MobileNumber,
  Plan,
  Presets,
  Programme,
  Referral,
  type ReferralCommand
} from "@lahete/core"
import { DeciderSpec, Fixtures as F } from "@lahete/testing"
import { Result } from "effect"

type Cmd<T extends ReferralCommand.Tag> = Extract<ReferralCommand.ReferralCommand, { _tag: T }>

const spec = DeciderSpec.make(F.decider)
const given = (status: keyof typeof F.pathTo) => spec.given(F.history(F.pathTo[status]()).events)
const tags = (events: ReadonlyArray<{ readonly _tag: string }>) => events.map((e) => e._tag)
const ms = (i: Instant.Instant, by: number) => Instant.plusMillis(i, by)
const stateOf = (status: keyof typeof F.pathTo) => F.history(F.pathTo[status]()).state

describe("the folded state: how a referral ended", () => {
  it("a rejection, a cancellation and a withdrawal keep their reason; a decline and an unreachable client have none", () => {
    expect(stateOf("Rejected")).toMatchObject({ status: "Rejected", endReason: "acute-crisis" })
    expect(stateOf("Cancelled")).toMatchObject({ status: "Cancelled", endReason: "made-in-error" })
    expect(stateOf("Withdrawn")).toMatchObject({ status: "Withdrawn", endReason: "consent-withdrawn" })
    for (const status of ["Declined", "Unreachable", "FollowedUp"] as const) {
      const state = stateOf(status)
      expect(state.status).toBe(status)
      expect(Object.hasOwn(state, "endReason"), status).toBe(false)
      expect(state.endedAt, status).toBeDefined()
    }
  })
})

describe("the folded state: the client's number", () => {
  it("a valid number given later makes text messages possible; removing it makes them impossible again", () => {
    const { client } = F.submit()
    const { mobileNumber: _, ...withoutNumber } = client
    const submitted = F.history([F.submit({ client: withoutNumber })])
    expect(submitted.state.validMobile).toBe(false)
    const updated = spec
      .given(submitted.events)
      .when(F.updateContact())
      .thenEvents((events) => expect(tags(events)).toEqual(["ContactDetailsUpdated"]))
    expect(updated).toMatchObject({ validMobile: true, personalDataErased: false })
    const removed = spec
      .given([...submitted.events, ...F.events(F.decider.decide(F.updateContact(), submitted.state))])
      .when(F.updateContact({ mobileNumber: null, at: F.at(4) }))
      .thenEvents((events) => expect(tags(events)).toEqual(["ContactDetailsUpdated"]))
    expect(removed).toMatchObject({ validMobile: false, personalDataErased: false })
  })

  it("after an erasure no number is on file", () => {
    expect(stateOf("FollowedUp").validMobile).toBe(true)
    const erased = given("FollowedUp")
      .when(F.erase())
      .thenEvents((events) => expect(tags(events)).toEqual(["PersonalDataErased"]))
    expect(erased).toMatchObject({ personalDataErased: true, validMobile: false })
  })

  it("a number that does not parse is refused with the parser's reason", () => {
    const parsed = MobileNumber.parse("12")
    expect(Result.isFailure(parsed)).toBe(true)
    given("Submitted")
      .when(F.updateContact({ mobileNumber: "12" }))
      .thenFails("InvalidCommand", {
        field: "mobileNumber",
        reason: Result.isFailure(parsed) ? parsed.failure.message : "a failure"
      })
  })
})

describe("refusals say what is wrong", () => {
  it("a command for another referral's stream, or dated before the latest event", () => {
    given("Submitted")
      .when(F.cancel({ referralId: "referral-2" as Cmd<"CancelReferral">["referralId"] }))
      .thenFails("InvalidCommand", { field: "referralId", reason: "does not match the referral's stream" })
    given("Assigned")
      .when(F.cancel({ at: F.at(1) }))
      .thenFails("InvalidCommand", { field: "at", reason: "earlier than the referral's latest recorded event" })
  })

  it("the link worker already assigned is assigned again", () => {
    given("Assigned")
      .when(F.assign({ at: F.at(3) }))
      .thenFails("InvalidCommand", { field: "linkWorker", reason: "already assigned to this referral" })
  })

  it("a failed attempt: the last one takes no next call; one with attempts left needs it", () => {
    spec
      .given(
        F.history([
          ...F.pathTo.ContactScheduled(),
          F.failedAttempt(),
          F.failedAttempt({ at: F.at(48), nextCallAt: F.at(72) })
        ]).events
      )
      .when(F.failedAttempt({ at: F.at(72), nextCallAt: F.at(96) }))
      .thenFails("InvalidCommand", { field: "nextCallAt", reason: "this was the programme's last contact attempt" })
    given("ContactScheduled")
      .when(F.lastFailedAttempt())
      .thenFails("InvalidCommand", { field: "nextCallAt", reason: "attempts are left: set the next call time" })
  })

  it("a meeting in the future is refused; one recorded at the instant it took place is accepted", () => {
    given("Active")
      .when(F.meeting({ at: F.at(100), meetingAt: ms(F.at(100), 1) }))
      .thenFails("InvalidCommand", { field: "meetingAt", reason: "a meeting is recorded after it took place" })
    given("Active")
      .when(F.meeting({ at: F.at(100), meetingAt: F.at(100) }))
      .thenEvents((events) => expect(tags(events)).toEqual(["MeetingRecorded"]))
  })
})

describe("the next call after a failed attempt", () => {
  // submitted Monday 2026-03-02 09:00 in Kemijärvi: D2 (3 business days) is due on Thursday
  const friday = F.at(24 * 4 + 1) // 2026-03-06 10:00 local time, within calling hours

  it("is not held to the first-contact deadline (D2), which the first call is", () => {
    given("Assigned")
      .when(F.scheduleCall({ callAt: friday, notifyBySms: false }))
      .thenFails("CallTimeNotAllowed")
    given("ContactScheduled")
      .when(F.failedAttempt({ nextCallAt: friday, notifyBySms: false }))
      .thenEvents((events) => expect(tags(events)).toEqual(["ContactAttemptFailed", "CallScheduled"]))
  })
})

describe("measures at their time points", () => {
  const closed = F.history(F.pathTo.Closed())
  const window = Deadlines.followUpWindow(closed.state.closedAt as Instant.Instant, Presets.kemijarvi)
  const endMeasure = F.measure({ timePoint: "end", at: ms(closed.state.closedAt as Instant.Instant, 1) })

  it("after the follow-up window: refused as missed; an end measure once the window opened: refused", () => {
    spec
      .given(closed.events)
      .when(F.measure({ timePoint: "follow-up", at: window.closesAt }))
      .thenFails("TransitionNotAllowed", {
        state: "Closed",
        command: "RecordMeasure",
        detail: "the follow-up window has passed: the follow-up is missed"
      })
    spec
      .given(closed.events)
      .when(F.measure({ timePoint: "end", at: window.opensAt }))
      .thenFails("TransitionNotAllowed", {
        state: "Closed",
        command: "RecordMeasure",
        detail: "the follow-up window has opened: the end measure's time has passed"
      })
  })

  it("the same time point twice is refused as such, a baseline after the end measure as that", () => {
    const withEnd = F.history([...F.pathTo.Closed(), endMeasure])
    spec
      .given(withEnd.events)
      .when(F.measure({ timePoint: "end", at: ms(endMeasure.at, 1) }))
      .thenFails("InvalidCommand", {
        field: "timePoint",
        reason: "this measure is already recorded at this time point"
      })
    const withBaseline = F.history([...F.pathTo.Active(), F.measure()])
    spec
      .given(withBaseline.events)
      .when(F.measure({ at: F.at(28) }))
      .thenFails("InvalidCommand", {
        field: "timePoint",
        reason: "this measure is already recorded at this time point"
      })
    const activeWithEnd = F.history([...F.pathTo.Active(), F.measure({ timePoint: "end", at: F.at(28) })])
    spec
      .given(activeWithEnd.events)
      .when(F.measure({ at: F.at(29) }))
      .thenFails("InvalidCommand", { field: "timePoint", reason: "the end measure is already recorded" })
  })

  it("the follow-up after the end measure, inside the window, is accepted and completes the follow-up", () => {
    spec
      .given(F.history([...F.pathTo.Closed(), endMeasure]).events)
      .when(F.measure({ timePoint: "follow-up", at: window.opensAt }))
      .thenEvents((events) => expect(tags(events)).toEqual(["MeasureRecorded", "FollowUpCompleted"]))
  })

  it("an instrument the decider's registry does not know is refused", () => {
    const registry = Result.getOrThrow(Instruments.registry([Instruments.wemwbs]))
    const decider = Referral.makeDecider(Presets.catalog, { instruments: registry })
    DeciderSpec.make(decider)
      .given(F.history(F.pathTo.Active(), decider).events)
      .when(F.measure())
      .thenFails("InvalidCommand", { field: "instrument", reason: "not a known instrument" })
  })
})

describe("deadline markers", () => {
  const closed = F.history(F.pathTo.Closed())
  const window = Deadlines.followUpWindow(closed.state.closedAt as Instant.Instant, Presets.kemijarvi)

  it("a missed follow-up is not a deadline marker: it is recorded with ExpireFollowUp", () => {
    const firing = Deadlines.pendingFirings(closed.state, Presets.kemijarvi).find(
      (f) => f.kind === "follow-up" && f.marker === "missed"
    )
    expect(firing).toBeDefined()
    spec
      .given(closed.events)
      .when(F.recordDeadline("follow-up", "missed", { at: ms(window.closesAt, 24 * 3_600_000) }))
      .thenFails("InvalidCommand", { field: "deadline", reason: "a missed follow-up is recorded with ExpireFollowUp" })
  })
})

describe("consent in an ended referral", () => {
  it("granting referral consent again is refused, with the reason", () => {
    given("Rejected")
      .when(F.recordConsent("referral", "granted", { actor: F.coordinator, at: F.at(5) }))
      .thenFails("TransitionNotAllowed", {
        state: "Rejected",
        command: "RecordConsent",
        detail: "an ended referral cannot be restarted by granting consent again"
      })
  })

  it("research consent, or withdrawing referral consent, is recorded and ends nothing further", () => {
    const research = given("Rejected")
      .when(F.recordConsent("research", "granted", { actor: F.coordinator, at: F.at(5) }))
      .thenEvents((events) => expect(tags(events)).toEqual(["ConsentRecorded"]))
    expect(research.status).toBe("Rejected")
    const withdrawn = given("Rejected")
      .when(F.recordConsent("referral", "withdrawn", { actor: F.coordinator, at: F.at(5) }))
      .thenEvents((events) => expect(tags(events)).toEqual(["ConsentRecorded"]))
    expect(withdrawn).toMatchObject({ status: "Rejected", endReason: "acute-crisis" })
  })

  it("an expiry at the decision and a client's own grant 'agreed for office time' are refused with their reasons", () => {
    given("Active")
      .when(
        F.recordConsent("research", "granted", {
          consent: { ...F.consentGiven("research", "granted"), expiresAt: F.at(30) }
        })
      )
      .thenFails("InvalidCommand", { field: "consent.expiresAt", reason: "expiry must be after the decision" })
    given("Active")
      .when(
        F.recordConsent("proxy-measure", "granted", {
          actor: F.client,
          consent: { ...F.consentGiven("proxy-measure", "granted"), method: "agreed-for-office-time" }
        })
      )
      .thenFails("InvalidCommand", { field: "consent.method", reason: "a client records their own consent directly" })
  })
})

describe("who the actor is to the referral", () => {
  it("staff limited to programmes meet an unknown referral as unknown (its state Initial), not as outside their programmes", () => {
    const limited = { ...F.coordinator, programmes: [Presets.sodankyla.id] }
    spec
      .given([])
      .when(F.cancel({ actor: limited }))
      .thenFails("TransitionNotAllowed", { state: "Initial", command: "CancelReferral" })
  })
})

describe("the programme", () => {
  it("a referral whose programme version the catalog no longer has: ProgrammeNotFound naming it", () => {
    const submitted = F.history(F.pathTo.Submitted())
    const without = Result.getOrThrow(Programme.catalog([Presets.sodankyla]))
    const decider = Referral.makeDecider(without)
    const refused = decider.decide(F.cancel(), submitted.state)
    expect(Result.isFailure(refused) ? refused.failure : undefined).toMatchObject({
      _tag: "ProgrammeNotFound",
      programmeId: Presets.kemijarvi.id,
      version: Presets.kemijarvi.version
    })
  })

  it("erasure for the retention period before it is due: TooEarly with the day it is due", () => {
    const withRetention = Result.getOrThrow(
      Programme.nextVersion(Presets.kemijarvi, (p) => ({
        ...p,
        deadlines: { ...p.deadlines, retention: { erasePersonalDataAfterMonths: 12 } }
      }))
    )
    const decider = Referral.makeDecider(
      Result.getOrThrow(Programme.catalog([Presets.kemijarvi, withRetention, Presets.sodankyla]))
    )
    const rejected = F.history([F.submit({ programmeVersion: withRetention.version }), F.reject()], decider)
    const dueAt = Deadlines.retentionDueAt(rejected.state, withRetention) as Instant.Instant
    expect(dueAt).toBeDefined()
    DeciderSpec.make(decider)
      .given(rejected.events)
      .when(F.erase({ actor: F.system, basis: "retention-period", at: ms(dueAt, -1) }))
      .thenFails("TooEarly", { command: "ErasePersonalData", notBefore: dueAt })
  })
})

describe("the client's age (at least 18 in Kemijärvi) on and around the birthday", () => {
  // F.submit is dated 2026-03-02
  const born = (code: string) => {
    const { client } = F.submit()
    return F.submit({ client: { ...client, personalIdentityCode: code } })
  }
  const birthYear = (year: number): Cmd<"SubmitReferral"> => {
    const { client } = F.submit()
    const { personalIdentityCode: _, ...rest } = client
    return F.submit({ client: { ...rest, birthYear: year } })
  }
  const accepted = (command: ReferralCommand.ReferralCommand) =>
    spec
      .given([])
      .when(command)
      .thenEvents((events) => expect(events[0]?._tag).toBe("ReferralSubmitted"))

  it("18 on the day of the 18th birthday; 17 the day before it, in the same month or an earlier one", () => {
    accepted(born("020308A123R")) // 2 March 2008: 18 today
    spec.given([]).when(born("030308A123C")).thenFails("NotEligible", { reason: "client-under-18" }) // 3 March 2008
    spec.given([]).when(born("010408A123W")).thenFails("NotEligible", { reason: "client-under-18" }) // 1 April 2008
    accepted(born("150108A123H")) // 15 January 2008: a later day of an earlier month
    accepted(born("281007A123W")) // 28 October 2007
  })

  it("a birth year alone counts the client as young as the year allows (31 December)", () => {
    accepted(birthYear(2007))
    spec.given([]).when(birthYear(2008)).thenFails("NotEligible", { reason: "client-under-18" })
    spec
      .given([])
      .when(birthYear(2027))
      .thenFails("InvalidCommand", { field: "client", reason: "the date of birth is in the future" })
    // a year before 1000 is still a date in the past (compared as four digits)
    accepted(birthYear(999))
  })

  it("a birth year beside the identity code must be the code's year: another is refused on client.birthYear", () => {
    const { client } = F.submit() // 010594Y9032: born 1 May 1994
    accepted(F.submit({ client: { ...client, birthYear: 1994 } }))
    for (const year of [1993, 1995, 2094, 1894]) {
      spec
        .given([])
        .when(F.submit({ client: { ...client, birthYear: year } }))
        .thenFails("InvalidCommand", { field: "client.birthYear", reason: "does not match the personal identity code" })
    }
    // another client's code with its own year
    accepted(F.submit({ client: { ...client, personalIdentityCode: "131052-308T", birthYear: 1952 } }))
  })

  it("neither the identity code nor the birth year: refused, saying so", () => {
    const { client } = F.submit()
    const { personalIdentityCode: _, ...rest } = client
    spec
      .given([])
      .when(F.submit({ client: rest }))
      .thenFails("InvalidCommand", { field: "client", reason: "give the personal identity code or the birth year" })
  })
})

describe("what the referrer's view and the clock see of each event", () => {
  it("the referrer's view changes with the status, a (re)assignment, an erasure and the feedback consent; not with a meeting or research consent", () => {
    const history = F.history([
      ...F.pathTo.Active(),
      F.meeting({ at: F.at(30), meetingAt: F.at(29) }),
      F.recordConsent("research", "granted", { at: F.at(31) })
    ])
    const active = history.state
    expect(active).toMatchObject({ statusChangedAt: F.at(26), referrerViewChangedAt: F.at(26) })
    const reassigned = F.history([...F.pathTo.Assigned(), F.assign({ linkWorker: F.otherLinkWorker(), at: F.at(5) })])
    expect(reassigned.state).toMatchObject({ statusChangedAt: F.at(2), referrerViewChangedAt: F.at(5) })
    const feedback = spec
      .given(history.events)
      .when(F.recordConsent("feedback-to-referrer", "granted", { at: F.at(32) }))
      .thenEvents(() => undefined)
    expect(feedback).toMatchObject({ statusChangedAt: F.at(26), referrerViewChangedAt: F.at(32) })
    const sms = spec
      .given(history.events)
      .when(F.recordConsent("contact-by-sms", "withdrawn", { at: F.at(32) }))
      .thenEvents(() => undefined)
    expect(sms).toMatchObject({ statusChangedAt: F.at(26), referrerViewChangedAt: F.at(26) })
    const followedUp = F.history(F.pathTo.FollowedUp()).state
    const erased = given("FollowedUp")
      .when(F.erase())
      .thenEvents(() => undefined)
    expect(erased).toMatchObject({
      statusChangedAt: followedUp.statusChangedAt,
      referrerViewChangedAt: F.erase().at
    })
  })

  it("research consent is bookkeeping that does not move the clock; any other consent does", () => {
    const active = F.history(F.pathTo.Active())
    const research = spec
      .given(active.events)
      .when(F.recordConsent("research", "granted", { at: F.at(40) }))
      .thenEvents(() => undefined)
    expect(research.lastEventAt).toBe(F.at(26))
    const sms = spec
      .given(active.events)
      .when(F.recordConsent("contact-by-sms", "granted", { at: F.at(40) }))
      .thenEvents(() => undefined)
    expect(sms.lastEventAt).toBe(F.at(40))
  })
})

describe("more refusals, with their reasons", () => {
  it("message outcomes: a sent message has no reason; one not sent needs it", () => {
    given("ContactScheduled")
      .when(F.messageOutcome("sent", { reason: "expired" }))
      .thenFails("InvalidCommand", { field: "reason", reason: "a sent message has no reason" })
    const { reason: _, ...noReason } = F.messageOutcome("failed")
    given("ContactScheduled")
      .when(noReason)
      .thenFails("InvalidCommand", { field: "reason", reason: "required when the message was not sent" })
  })

  it("submission: a purpose listed twice, an expired consent, feedback the programme does not allow", () => {
    spec
      .given([])
      .when(F.submit({ consents: [...F.defaultConsents, F.consentGiven("referral")] }))
      .thenFails("InvalidCommand", { field: "consents", reason: "a purpose is listed twice" })
    spec
      .given([])
      .when(F.submit({ consents: [...F.defaultConsents, { ...F.consentGiven("research"), expiresAt: F.t0 }] }))
      .thenFails("InvalidCommand", { field: "consents.expiresAt", reason: "expiry must be after the decision" })
    const noFeedback = Result.getOrThrow(
      Programme.nextVersion(Presets.kemijarvi, (p) => ({ ...p, feedback: { referrerMayRequest: false } }))
    )
    const decider = Referral.makeDecider(Result.getOrThrow(Programme.catalog([Presets.kemijarvi, noFeedback])))
    DeciderSpec.make(decider)
      .given([])
      .when(F.submit({ programmeVersion: noFeedback.version, feedbackRequested: true }))
      .thenFails("InvalidCommand", {
        field: "feedbackRequested",
        reason: "this programme does not let referrers ask for feedback"
      })
  })

  it("measures: who records which respondent, the state, the number and range of answers", () => {
    given("Active")
      .when(F.measure({ respondent: "proxy", at: F.at(27) }))
      .thenFails("Forbidden", { role: "LinkWorker", action: "record a proxy measure", reason: "role" })
    given("Active")
      .when(F.measure({ actor: F.referrer, at: F.at(27) }))
      .thenFails("Forbidden", { role: "Referrer", action: "record a self-report measure", reason: "role" })
    given("Closed")
      .when(F.measure({ at: F.at(24 * 121) }))
      .thenFails("TransitionNotAllowed", {
        state: "Closed",
        command: "RecordMeasure",
        detail: "a baseline measure is not taken in this state"
      })
    given("Active")
      .when(F.measure({ answers: [3, 3, 3, 3, 3, 3] }))
      .thenFails("InvalidCommand", { field: "answers", reason: "expected 7 answers" })
    for (const wrong of [0, 6, 2.5]) {
      given("Active")
        .when(F.measure({ answers: [3, 3, 3, 3, 3, 3, wrong] }))
        .thenFails("InvalidCommand", { field: "answers", reason: "answers are whole numbers 1-5 or empty" })
    }
    for (const answers of [
      [1, 1, 1, 1, 1, 1, 1],
      [5, 5, 5, 5, 5, 5, 5],
      [5, null, 1, 3, 3, 3, 3]
    ]) {
      given("Active")
        .when(F.measure({ answers }))
        .thenEvents((events) => expect(tags(events)).toEqual(["MeasureRecorded"]))
    }
  })

  it("the baseline is taken from submission until the collaboration ends, the end measure also while on hold", () => {
    for (const status of ["Submitted", "Assigned", "ContactScheduled", "Active", "OnHold"] as const) {
      given(status)
        .when(F.measure({ actor: F.client, at: F.at(24 * 110) }))
        .thenEvents((events) => expect(tags(events), status).toEqual(["MeasureRecorded"]))
    }
    given("OnHold")
      .when(F.measure({ timePoint: "end", at: F.at(24 * 110) }))
      .thenEvents((events) => expect(tags(events)).toEqual(["MeasureRecorded"]))
  })

  it("retention erasure: refused when the programme sets no period; accepted at the instant it is due", () => {
    given("Rejected")
      .when(F.erase({ actor: F.system, basis: "retention-period" }))
      .thenFails("InvalidCommand", { field: "basis", reason: "the programme sets no retention period" })
    const withRetention = Result.getOrThrow(
      Programme.nextVersion(Presets.kemijarvi, (p) => ({
        ...p,
        deadlines: { ...p.deadlines, retention: { erasePersonalDataAfterMonths: 12 } }
      }))
    )
    const decider = Referral.makeDecider(Result.getOrThrow(Programme.catalog([Presets.kemijarvi, withRetention])))
    const rejected = F.history([F.submit({ programmeVersion: withRetention.version }), F.reject()], decider)
    const dueAt = Deadlines.retentionDueAt(rejected.state, withRetention) as Instant.Instant
    DeciderSpec.make(decider)
      .given(rejected.events)
      .when(F.erase({ actor: F.system, basis: "retention-period", at: dueAt }))
      .thenEvents((events) => expect(tags(events)).toEqual(["PersonalDataErased"]))
  })
})

describe("the follow-up is complete when every follow-up measure the programme expects is in", () => {
  // a programme that asks three follow-up forms, and baseline and end forms of the same instruments
  const three = Result.getOrThrow(
    Programme.nextVersion(Presets.kemijarvi, (p) => ({
      ...p,
      measures: {
        baseline: [
          { instrument: "swemwbs", respondent: "self" },
          { instrument: "esis", respondent: "self" }
        ],
        end: [
          { instrument: "swemwbs", respondent: "self" },
          { instrument: "esis", respondent: "self" }
        ],
        followUp: [
          { instrument: "swemwbs", respondent: "self" },
          { instrument: "swemwbs", respondent: "proxy" },
          { instrument: "esis", respondent: "self" }
        ]
      }
    }))
  )
  const decider = Referral.makeDecider(Result.getOrThrow(Programme.catalog([Presets.kemijarvi, three])))
  const esis = (overrides: Partial<Cmd<"RecordMeasure">>) =>
    F.measure({ instrument: "esis", answers: [3, 3, 3, 3, 3, 3, 3, 3, 3, 3], ...overrides })
  const closed = F.history(
    [
      F.submit({
        programmeVersion: three.version,
        consents: [...F.defaultConsents, F.consentGiven("proxy-measure")]
      }),
      F.assign(),
      F.scheduleCall(),
      F.firstContact(),
      F.measure({ at: F.at(27) }),
      esis({ at: F.at(27) }),
      F.measure({ timePoint: "end", at: F.at(24 * 100) }),
      esis({ timePoint: "end", at: F.at(24 * 100) }),
      F.close()
    ],
    decider
  )
  const window = Deadlines.followUpWindow(closed.state.closedAt as Instant.Instant, three)
  const inWindow = (k: number) => ms(window.opensAt, k * 3_600_000)
  const proxy = (k: number) =>
    F.measure({ timePoint: "follow-up", respondent: "proxy", actor: F.referrer, at: inWindow(k) })
  const selfSwemwbs = (k: number) => F.measure({ timePoint: "follow-up", at: inWindow(k) })
  const selfEsis = (k: number) => esis({ timePoint: "follow-up", at: inWindow(k) })

  const run = (commands: ReadonlyArray<ReferralCommand.ReferralCommand>) => {
    let state = closed.state
    return commands.map((c) => {
      const events = F.events(decider.decide(c, state))
      state = events.reduce(decider.evolve, state)
      return tags(events)
    })
  }

  it("in any order, only the last of the three completes it", () => {
    const recorded = ["MeasureRecorded"]
    const completes = ["MeasureRecorded", "FollowUpCompleted"]
    expect(run([proxy(1), selfEsis(2), selfSwemwbs(3)])).toEqual([recorded, recorded, completes])
    expect(run([selfEsis(1), proxy(2), selfSwemwbs(3)])).toEqual([recorded, recorded, completes])
    expect(run([selfSwemwbs(1), selfEsis(2), proxy(3)])).toEqual([recorded, recorded, completes])
    expect(run([proxy(1), selfSwemwbs(2), selfEsis(3)])).toEqual([recorded, recorded, completes])
  })
})

describe("who may issue each command (the role table of docs/lifecycle.md)", () => {
  const table: Record<ReferralCommand.Tag, ReadonlyArray<string>> = {
    SubmitReferral: ["Referrer"],
    AssignLinkWorker: ["Coordinator"],
    RejectReferral: ["Coordinator"],
    CancelReferral: ["Referrer", "Coordinator"],
    ScheduleCall: ["LinkWorker"],
    RecordFailedContactAttempt: ["LinkWorker"],
    RecordFirstContact: ["LinkWorker"],
    PutOnHold: ["LinkWorker"],
    ResumeReferral: ["LinkWorker"],
    RecordMeeting: ["LinkWorker"],
    AgreeContactArrangement: ["LinkWorker"],
    RecordMeasure: ["LinkWorker", "Client", "Referrer"],
    CloseReferral: ["LinkWorker"],
    ExpireFollowUp: ["System", "Coordinator"],
    RecordDeadline: ["System"],
    RecordMessageOutcome: ["System"],
    RecordConsent: ["Referrer", "Coordinator", "LinkWorker", "Client"],
    UpdateContactDetails: ["Referrer", "Coordinator", "LinkWorker", "Client"],
    ErasePersonalData: ["System", "Coordinator"],
    RequestMeasureLink: ["System", "Coordinator", "LinkWorker"],
    AnswerMeasureLink: ["Client"],
    RecordPlan: ["LinkWorker"],
    RecordActivity: ["LinkWorker"],
    RecordUnmetNeed: ["LinkWorker"]
  }
  const linkCommands = F.measureLinkStory().filter(
    (c) => c._tag === "RequestMeasureLink" || c._tag === "AnswerMeasureLink"
  )
  const commands: ReadonlyArray<ReferralCommand.ReferralCommand> = [
    F.submit(),
    F.assign(),
    F.reject(),
    F.cancel(),
    F.scheduleCall(),
    F.failedAttempt(),
    F.firstContact(),
    F.putOnHold(),
    F.resume(),
    F.meeting(),
    F.arrangement(),
    F.measure(),
    F.close(),
    F.expireFollowUp(),
    F.recordDeadline("assignment", "missed"),
    F.messageOutcome(),
    F.recordConsent("research", "granted"),
    F.updateContact(),
    F.erase(),
    ...linkCommands.slice(0, 1),
    ...linkCommands.filter((c) => c._tag === "AnswerMeasureLink").slice(0, 1),
    F.plan(),
    F.activity("suggested"),
    F.unmetNeed()
  ]
  const actors = [F.referrer, F.coordinator, F.linkWorkerActor, F.client, F.system, F.evaluator]

  it("every command is refused for the role exactly when the table says so", () => {
    expect(new Set(commands.map((c) => c._tag))).toEqual(new Set(Object.keys(table)))
    for (const command of commands) {
      for (const actor of actors) {
        const result = F.decider.decide({ ...command, actor } as ReferralCommand.ReferralCommand, Referral.initialState)
        const refusedForRole =
          Result.isFailure(result) && result.failure._tag === "Forbidden" && result.failure.reason === "role"
        expect(refusedForRole, `${actor.role} ${command._tag}`).toBe(!table[command._tag].includes(actor.role))
      }
    }
  })
})

describe("the initial state", () => {
  it("before any event: Initial, version 0, nothing recorded, no number, nothing erased", () => {
    expect(Referral.initialState).toEqual({
      status: "Initial",
      version: 0,
      reasonCategories: [],
      feedbackRequested: false,
      validMobile: false,
      consents: {},
      failedAttempts: 0,
      meetings: 0,
      measures: [],
      messagesRequested: 0,
      messagesSent: 0,
      messagesNotSent: 0,
      personalDataErased: false,
      deadlineMarks: [],
      plan: Plan.empty
    })
  })
})

describe("the last survivors of the Referral.ts run", () => {
  it("the state counts its events (the version), the call-time messages asked for, and message outcomes do not move its clock", () => {
    const scheduled = F.history(F.pathTo.ContactScheduled())
    expect(scheduled.state.version).toBe(scheduled.events.length)
    expect(scheduled.state.messagesRequested).toBe(1)
    const notSent = spec
      .given(scheduled.events)
      .when(F.messageOutcome("failed", { at: F.at(40), reason: "operator error", attempts: 3 }))
      .thenEvents((events) => expect(tags(events)).toEqual(["MessageNotSent"]))
    expect(notSent.lastEventAt).toBe(scheduled.state.lastEventAt)
    expect(notSent.messagesNotSent).toBe(1)
  })

  it("a referrer whose token names programmes is not held to them (only staff are)", () => {
    given("Submitted")
      .when(F.cancel({ actor: { ...F.referrer, programmes: [Presets.sodankyla.id] } }))
      .thenEvents((events) => expect(tags(events)).toEqual(["ReferralCancelled"]))
  })

  it("a call rescheduled after a failed attempt is not held to the first-contact deadline; a first call rescheduled is", () => {
    const friday = F.at(24 * 4 + 1)
    spec
      .given(F.history([...F.pathTo.ContactScheduled(), F.failedAttempt({ notifyBySms: false })]).events)
      .when(F.scheduleCall({ at: F.at(30), callAt: friday, notifyBySms: false }))
      .thenEvents((events) => expect(tags(events)).toEqual(["CallScheduled"]))
    given("ContactScheduled")
      .when(F.scheduleCall({ at: F.at(5), callAt: friday, notifyBySms: false }))
      .thenFails("CallTimeNotAllowed")
  })

  it("granting referral consent again while the referral runs renews it and ends nothing", () => {
    given("Active")
      .when(F.recordConsent("referral", "granted", { at: F.at(30) }))
      .thenEvents((events, state) => {
        expect(tags(events)).toEqual(["ConsentRecorded"])
        expect(state.status).toBe("Active")
      })
  })

  it("a client born today is not in the future: refused as under age", () => {
    const { client } = F.submit()
    spec
      .given([])
      .when(F.submit({ client: { ...client, personalIdentityCode: "020326A123C" } }))
      .thenFails("NotEligible", { reason: "client-under-18" })
  })
})
