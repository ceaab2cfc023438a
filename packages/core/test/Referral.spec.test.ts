/**
 * Given/when/then specs: one for every transition of the lifecycle (domain
 * specification §1) and for each refusal path (wrong state, missing consent,
 * wrong role, ineligible link worker, invalid input).
 */
import { describe, expect, it } from "@effect/vitest"
import {
  Actor,
  Instant,
  Lifecycle,
  PersonalIdentityCode,
  Presets,
  Programme,
  Referral,
  type ReferralCommand,
  type ReferralEvent
} from "@lahete/core"
import { DeciderSpec, Fixtures as F } from "@lahete/testing"
import { Result } from "effect"

const spec = DeciderSpec.make(F.decider)
const given = (status: keyof typeof F.pathTo) => spec.given(F.history(F.pathTo[status]()).events)
const base = (actor: Actor.Actor, at: Instant.Instant) => ({ referralId: F.referralId, at, actor })

describe("transitions", () => {
  it("Initial → Submitted: SubmitReferral records the referral and its consents, without personal data", () => {
    const cmd = F.submit()
    spec
      .given([])
      .when(cmd)
      .then([
        {
          _tag: "ReferralSubmitted",
          ...base(F.referrer, F.t0),
          subjectId: cmd.subjectId,
          programmeId: Presets.kemijarvi.id,
          programmeVersion: 1,
          referrer: { id: F.referrer.id, organisation: F.referrer.organisation, profession: "nurse" },
          reasonCategories: ["loneliness"],
          feedbackRequested: true,
          validMobile: true
        },
        {
          _tag: "ConsentRecorded",
          ...base(F.referrer, F.t0),
          consent: {
            purpose: "referral",
            decision: "granted",
            method: "in-appointment",
            recordedBy: F.referrer.id,
            at: F.t0
          }
        },
        {
          _tag: "ConsentRecorded",
          ...base(F.referrer, F.t0),
          consent: {
            purpose: "contact-by-sms",
            decision: "granted",
            method: "in-appointment",
            recordedBy: F.referrer.id,
            at: F.t0
          }
        }
      ])
  })

  it("Submitted → Assigned: AssignLinkWorker", () => {
    const state = given("Submitted")
      .when(F.assign())
      .then([{ _tag: "LinkWorkerAssigned", ...base(F.coordinator, F.at(2)), linkWorkerId: F.linkWorkerActor.id }])
    expect(state.status).toBe("Assigned")
  })

  it("Submitted → Rejected: RejectReferral with a reason", () => {
    const state = given("Submitted")
      .when(F.reject({ reason: "clear-professional-need" }))
      .then([{ _tag: "ReferralRejected", ...base(F.coordinator, F.at(2)), reason: "clear-professional-need" }])
    expect(state.status).toBe("Rejected")
  })

  it("Submitted → Cancelled: the referrer cancels", () => {
    const state = given("Submitted")
      .when(F.cancel())
      .then([{ _tag: "ReferralCancelled", ...base(F.referrer, F.at(3)), reason: "made-in-error" }])
    expect(state.status).toBe("Cancelled")
  })

  it("Submitted → Cancelled: the coordinator cancels", () => {
    const state = given("Submitted")
      .when(F.cancel({ actor: F.coordinator, reason: "no-longer-needed" }))
      .then([{ _tag: "ReferralCancelled", ...base(F.coordinator, F.at(3)), reason: "no-longer-needed" }])
    expect(state.status).toBe("Cancelled")
  })

  it("Assigned → Assigned: reassign names the previous link worker", () => {
    const state = given("Assigned")
      .when(F.assign({ linkWorker: F.otherLinkWorker(), at: F.at(3) }))
      .then([
        {
          _tag: "LinkWorkerAssigned",
          ...base(F.coordinator, F.at(3)),
          linkWorkerId: F.otherLinkWorkerActor.id,
          previousLinkWorkerId: F.linkWorkerActor.id
        }
      ])
    expect(state.linkWorkerId).toBe(F.otherLinkWorkerActor.id)
  })

  it("Assigned → ContactScheduled: ScheduleCall with the call-time text message", () => {
    const cmd = F.scheduleCall()
    const state = given("Assigned")
      .when(cmd)
      .then([
        { _tag: "CallScheduled", ...base(F.linkWorkerActor, F.at(4)), callAt: F.at(26), attempt: 1 },
        {
          _tag: "CallTimeMessageRequested",
          ...base(F.linkWorkerActor, F.at(4)),
          messageId: `${cmd.idempotencyKey}:call-time-sms`,
          callAt: F.at(26),
          sendAfter: F.at(4),
          sendBefore: F.at(24)
        }
      ])
    expect(state.status).toBe("ContactScheduled")
    expect(state.callAt).toBe(F.at(26))
  })

  it("Assigned → ContactScheduled: ScheduleCall without a text message needs no SMS consent", () => {
    const history = F.history([F.submit({ consents: [F.consentGiven("referral")] }), F.assign()])
    spec
      .given(history.events)
      .when(F.scheduleCall({ notifyBySms: false }))
      .then([{ _tag: "CallScheduled", ...base(F.linkWorkerActor, F.at(4)), callAt: F.at(26), attempt: 1 }])
  })

  it("Assigned → Cancelled", () => {
    const state = given("Assigned")
      .when(F.cancel({ actor: F.coordinator }))
      .then([{ _tag: "ReferralCancelled", ...base(F.coordinator, F.at(3)), reason: "made-in-error" }])
    expect(state.status).toBe("Cancelled")
  })

  it("ContactScheduled → ContactScheduled: reschedule", () => {
    const state = given("ContactScheduled")
      .when(F.scheduleCall({ at: F.at(5), callAt: F.at(30), notifyBySms: false }))
      .then([{ _tag: "CallScheduled", ...base(F.linkWorkerActor, F.at(5)), callAt: F.at(30), attempt: 1 }])
    expect(state.callAt).toBe(F.at(30))
  })

  it("ContactScheduled → ContactScheduled: a failed attempt with attempts left sets the next call", () => {
    const cmd = F.failedAttempt()
    const state = given("ContactScheduled")
      .when(cmd)
      .then([
        { _tag: "ContactAttemptFailed", ...base(F.linkWorkerActor, F.at(26)), attempt: 1 },
        { _tag: "CallScheduled", ...base(F.linkWorkerActor, F.at(26)), callAt: F.at(48), attempt: 2 },
        {
          _tag: "CallTimeMessageRequested",
          ...base(F.linkWorkerActor, F.at(26)),
          messageId: `${cmd.idempotencyKey}:call-time-sms`,
          callAt: F.at(48),
          sendAfter: F.at(26),
          sendBefore: F.at(46)
        }
      ])
    expect(state.status).toBe("ContactScheduled")
    expect(state.failedAttempts).toBe(1)
  })

  it("ContactScheduled → Unreachable: the programme's last attempt (3 in Kemijärvi)", () => {
    const history = F.history([
      ...F.pathTo.ContactScheduled(),
      F.failedAttempt(),
      F.failedAttempt({ at: F.at(48), nextCallAt: F.at(72) })
    ])
    const state = spec
      .given(history.events)
      .when(F.lastFailedAttempt({ at: F.at(72) }))
      .then([
        { _tag: "ContactAttemptFailed", ...base(F.linkWorkerActor, F.at(72)), attempt: 3 },
        { _tag: "ClientUnreachable", ...base(F.linkWorkerActor, F.at(72)), attempts: 3 }
      ])
    expect(state.status).toBe("Unreachable")
  })

  it("ContactScheduled → Active: first contact, the client agrees", () => {
    const state = given("ContactScheduled")
      .when(F.firstContact())
      .then([{ _tag: "CollaborationStarted", ...base(F.linkWorkerActor, F.at(26)) }])
    expect(state.status).toBe("Active")
    expect(state.startedAt).toBe(F.at(26))
  })

  it("ContactScheduled → Declined: first contact, the client declines", () => {
    const state = given("ContactScheduled")
      .when(F.firstContact({ outcome: "declined" }))
      .then([{ _tag: "ClientDeclined", ...base(F.linkWorkerActor, F.at(26)) }])
    expect(state.status).toBe("Declined")
  })

  it("Active → OnHold → Active", () => {
    const held = given("Active")
      .when(F.putOnHold())
      .then([{ _tag: "CollaborationPaused", ...base(F.linkWorkerActor, F.at(24 * 14)), reason: "hospital-stay" }])
    expect(held.status).toBe("OnHold")
    const resumed = given("OnHold")
      .when(F.resume())
      .then([{ _tag: "CollaborationResumed", ...base(F.linkWorkerActor, F.at(24 * 21)) }])
    expect(resumed.status).toBe("Active")
    expect(resumed.holdReason).toBeUndefined()
  })

  it("Active → Closed: closing with an outcome; the feedback text stays out of the event", () => {
    const state = given("Active")
      .when(F.close())
      .then([
        {
          _tag: "ReferralClosed",
          ...base(F.linkWorkerActor, F.at(24 * 120)),
          outcome: "continues-in-community-activity"
        }
      ])
    expect(state.status).toBe("Closed")
  })

  it("Closed → FollowedUp: the follow-up measure is recorded", () => {
    const at = F.at(24 * (120 + 91))
    const state = given("Closed")
      .when(F.measure({ timePoint: "follow-up", at }))
      .then([
        {
          _tag: "MeasureRecorded",
          ...base(F.linkWorkerActor, at),
          instrument: "swemwbs",
          timePoint: "follow-up",
          respondent: "self",
          answers: [3, 3, 2, 3, 4, 2, 3]
        },
        { _tag: "FollowUpCompleted", ...base(F.linkWorkerActor, at), result: "recorded" }
      ])
    expect(state.status).toBe("FollowedUp")
    expect(state.followUp).toBe("recorded")
  })

  it("Closed → FollowedUp: the follow-up window passed (missed)", () => {
    const cmd = F.expireFollowUp()
    const state = given("Closed")
      .when(cmd)
      .then([{ _tag: "FollowUpCompleted", ...base(F.system, cmd.at), result: "missed" }])
    expect(state.followUp).toBe("missed")
  })

  const nonTerminal = ["Submitted", "Assigned", "ContactScheduled", "Active", "OnHold", "Closed"] as const
  it.each(nonTerminal)("%s → Withdrawn: the client withdraws referral consent (C5)", (status) => {
    const at = F.at(24 * 300)
    const cmd = F.recordConsent("referral", "withdrawn", { actor: F.client, at })
    const state = given(status)
      .when(cmd)
      .then([
        {
          _tag: "ConsentRecorded",
          ...base(F.client, at),
          consent: { purpose: "referral", decision: "withdrawn", method: "in-appointment", recordedBy: F.client.id, at }
        },
        { _tag: "ReferralWithdrawn", ...base(F.client, at) }
      ])
    expect(state.status).toBe("Withdrawn")
  })

  it("Closed → FollowedUp when the client answers the follow-up through a measure link", () => {
    const story = F.history(F.measureLinkStory())
    expect(story.state.status).toBe("FollowedUp")
    expect(story.events.slice(-4).map((e) => e._tag)).toEqual([
      "MeasureLinkRequested",
      "MeasureLinkAnswered",
      "MeasureRecorded",
      "FollowUpCompleted"
    ])
  })

  it("every transition of the lifecycle table has a spec above", () => {
    // keeps this file honest when the table grows: each (from, command, to) is listed here
    const covered = new Set([
      "Initial/SubmitReferral/Submitted",
      "Submitted/AssignLinkWorker/Assigned",
      "Submitted/RejectReferral/Rejected",
      "Submitted/CancelReferral/Cancelled",
      "Assigned/AssignLinkWorker/Assigned",
      "Assigned/ScheduleCall/ContactScheduled",
      "Assigned/CancelReferral/Cancelled",
      "ContactScheduled/ScheduleCall/ContactScheduled",
      "ContactScheduled/RecordFailedContactAttempt/ContactScheduled",
      "ContactScheduled/RecordFailedContactAttempt/Unreachable",
      "ContactScheduled/RecordFirstContact/Active",
      "ContactScheduled/RecordFirstContact/Declined",
      "Active/PutOnHold/OnHold",
      "OnHold/ResumeReferral/Active",
      "Active/CloseReferral/Closed",
      "Closed/RecordMeasure/FollowedUp",
      "Closed/ExpireFollowUp/FollowedUp",
      "Closed/AnswerMeasureLink/FollowedUp",
      ...nonTerminal.map((s) => `${s}/RecordConsent/Withdrawn`)
    ])
    expect(new Set(Lifecycle.transitions.map((t) => `${t.from}/${t.command}/${t.to}`))).toEqual(covered)
  })
})

describe("recordings (no state change)", () => {
  it("a meeting is recorded while Active", () => {
    const cmd = F.meeting()
    const state = given("Active")
      .when(cmd)
      .then([
        {
          _tag: "MeetingRecorded",
          ...base(F.linkWorkerActor, cmd.at),
          meetingAt: cmd.meetingAt,
          place: "home",
          durationMinutes: 60
        }
      ])
    expect(state.status).toBe("Active")
    expect(state.meetings).toBe(1)
  })

  it("a contact arrangement is agreed while Active", () => {
    const state = given("Active")
      .when(F.arrangement({ at: F.at(30) }))
      .then([
        {
          _tag: "ContactArrangementAgreed",
          ...base(F.linkWorkerActor, F.at(30)),
          way: "in-person",
          frequency: "weekly",
          place: "home"
        }
      ])
    expect(state.arrangement).toEqual({ way: "in-person", frequency: "weekly", place: "home" })
  })

  it("baseline and end measures are recorded by the client", () => {
    given("Active")
      .when(F.measure({ actor: F.client }))
      .thenEvents((events, state) => {
        expect(events.map((e) => e._tag)).toEqual(["MeasureRecorded"])
        expect(state.measures).toHaveLength(1)
        expect(state.status).toBe("Active")
      })
    given("Closed")
      .when(F.measure({ timePoint: "end", at: F.at(24 * 121) }))
      .thenEvents((events, state) => {
        expect(events.map((e) => e._tag)).toEqual(["MeasureRecorded"])
        expect(state.status).toBe("Closed")
      })
  })

  it("Sodankylä: the referrer fills the proxy baseline measure with proxy-measure consent", () => {
    const submit = F.submit({
      programmeId: Presets.sodankyla.id,
      consents: [F.consentGiven("referral"), F.consentGiven("proxy-measure")]
    })
    const history = F.history([submit])
    spec
      .given(history.events)
      .when(F.measure({ actor: F.referrer, respondent: "proxy", at: F.at(1) }))
      .thenEvents((events) => expect(events.map((e) => e._tag)).toEqual(["MeasureRecorded"]))
  })

  it("consent bookkeeping goes on after the end: the client withdraws feedback consent after follow-up", () => {
    given("FollowedUp")
      .when(F.recordConsent("feedback-to-referrer", "withdrawn", { actor: F.client, at: F.at(24 * 300) }))
      .thenEvents((events, state) => {
        expect(events.map((e) => e._tag)).toEqual(["ConsentRecorded"])
        expect(state.status).toBe("FollowedUp")
        expect(state.consents["feedback-to-referrer"]?.decision).toBe("withdrawn")
      })
  })

  it("contact details: a new valid number enables text messages, null removes the number", () => {
    given("Submitted")
      .when(F.updateContact({ mobileNumber: null }))
      .thenEvents((events, state) => {
        expect(events).toEqual([{ _tag: "ContactDetailsUpdated", ...base(F.coordinator, F.at(3)), validMobile: false }])
        expect(state.validMobile).toBe(false)
      })
    const noPhone = F.history([F.submit({ client: { ...F.submit().client, mobileNumber: undefined as never } })])
    expect(noPhone.state.validMobile).toBe(false)
    spec
      .given(noPhone.events)
      .when(F.updateContact())
      .then([{ _tag: "ContactDetailsUpdated", ...base(F.coordinator, F.at(3)), validMobile: true }])
  })

  it("erasure after the end, and a repeated erasure changes nothing", () => {
    const first = F.erase()
    const erased = given("FollowedUp")
      .when(first)
      .then([{ _tag: "PersonalDataErased", ...base(F.coordinator, first.at), basis: "client-request" }])
    expect(erased.personalDataErased).toBe(true)
    const history = F.history([...F.pathTo.FollowedUp(), first])
    spec.given(history.events).when(F.erase()).then([])
  })
})

const allCommands = () => [
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
  F.close(),
  F.expireFollowUp({ actor: F.coordinator })
]

describe("refusals: wrong state", () => {
  it("a command for a referral that does not exist yet", () => {
    spec.given([]).when(F.assign()).thenFails("TransitionNotAllowed", { state: "Initial", command: "AssignLinkWorker" })
  })

  it("submitting the same referral twice", () => {
    given("Submitted")
      .when(F.submit())
      .thenFails("TransitionNotAllowed", { state: "Submitted", command: "SubmitReferral" })
  })

  const wrongState: ReadonlyArray<readonly [keyof typeof F.pathTo, ReferralCommand.ReferralCommand]> = [
    ["Submitted", F.expireFollowUp({ actor: F.coordinator })],
    ["Submitted", F.erase({ actor: F.coordinator })],
    ["Assigned", F.reject()],
    ["Assigned", F.close()],
    ["ContactScheduled", F.cancel()],
    ["ContactScheduled", F.assign({ linkWorker: F.otherLinkWorker() })],
    ["Active", F.assign({ linkWorker: F.otherLinkWorker() })],
    ["Active", F.scheduleCall()],
    ["Active", F.resume()],
    ["OnHold", F.close()],
    ["OnHold", F.meeting()],
    ["OnHold", F.putOnHold()],
    ["Closed", F.meeting()],
    ["Closed", F.putOnHold()]
  ]
  it.each(wrongState.map(([status, command]) => [status, command._tag, command] as const))(
    "%s refuses %s",
    (status, tag, command) => {
      given(status).when(command).thenFails("TransitionNotAllowed", { state: status, command: tag })
    }
  )

  it("in Submitted, a link worker's command is refused before the state is even considered (need-to-know)", () => {
    given("Submitted").when(F.scheduleCall()).thenFails("Forbidden", { reason: "not-assigned" })
  })

  it.each(["FollowedUp", "Rejected", "Declined", "Unreachable", "Cancelled", "Withdrawn"] as const)(
    "terminal %s accepts no lifecycle command",
    (status) => {
      const history = F.history(F.pathTo[status]())
      for (const command of allCommands()) {
        const result = F.decider.decide(command, history.state)
        expect(Result.isFailure(result)).toBe(true)
        if (Result.isFailure(result)) expect(["TransitionNotAllowed", "Forbidden"]).toContain(result.failure._tag)
      }
    }
  )

  it("an ended referral cannot be restarted by granting referral consent again", () => {
    given("Withdrawn")
      .when(F.recordConsent("referral", "granted", { actor: F.client, at: F.at(50) }))
      .thenFails("TransitionNotAllowed", { state: "Withdrawn", command: "RecordConsent" })
  })

  it("a follow-up measure before closing, and erasure while the referral is going on", () => {
    given("Active")
      .when(F.measure({ timePoint: "follow-up" }))
      .thenFails("TransitionNotAllowed", { state: "Active" })
    given("Active")
      .when(F.erase({ actor: F.coordinator }))
      .thenFails("TransitionNotAllowed", { state: "Active" })
  })
})

describe("refusals: missing consent", () => {
  it("C1: no submission without referral consent", () => {
    spec
      .given([])
      .when(F.submit({ consents: [F.consentGiven("contact-by-sms")] }))
      .thenFails("ConsentMissing", { purpose: "referral", rule: "C1" })
    spec
      .given([])
      .when(F.submit({ consents: [F.consentGiven("referral", "refused")] }))
      .thenFails("ConsentMissing", { purpose: "referral", rule: "C1" })
    spec
      .given([])
      .when(F.submit({ consents: [{ ...F.consentGiven("referral"), expiresAt: F.t0 }] }))
      .thenFails("ConsentMissing", { purpose: "referral", rule: "C1" })
  })

  it("C2: no text message without contact-by-sms consent", () => {
    const history = F.history([F.submit({ consents: [F.consentGiven("referral")] }), F.assign()])
    spec
      .given(history.events)
      .when(F.scheduleCall())
      .thenFails("ConsentMissing", { purpose: "contact-by-sms", rule: "C2" })
  })

  it("C2: no text message after contact-by-sms consent was withdrawn", () => {
    const history = F.history([...F.pathTo.Assigned(), F.recordConsent("contact-by-sms", "withdrawn", { at: F.at(3) })])
    spec.given(history.events).when(F.scheduleCall()).thenFails("ConsentMissing", { purpose: "contact-by-sms" })
  })

  it("C2: no text message without a valid mobile number", () => {
    const client = { ...F.submit().client }
    delete (client as { mobileNumber?: string }).mobileNumber
    const history = F.history([F.submit({ client }), F.assign()])
    spec.given(history.events).when(F.scheduleCall()).thenFails("MobileNumberMissing")
  })

  it("a proxy measure needs proxy-measure consent", () => {
    const history = F.history([F.submit({ programmeId: Presets.sodankyla.id })])
    spec
      .given(history.events)
      .when(F.measure({ actor: F.referrer, respondent: "proxy", at: F.at(1) }))
      .thenFails("ConsentMissing", { purpose: "proxy-measure" })
  })
})

describe("refusals: wrong role (Forbidden)", () => {
  it.each([
    ["a link worker submits", F.submit({ actor: F.linkWorkerActor })],
    ["the system submits", F.submit({ actor: F.system })],
    ["an evaluator submits", F.submit({ actor: F.evaluator })]
  ])("%s", (_, command) => {
    spec.given([]).when(command).thenFails("Forbidden", { reason: "role" })
  })

  it("a referrer whose profession the programme does not list", () => {
    const physio = Actor.make("Referrer", "physio-1", "kemijarvi-wellbeing-centre", "physiotherapist")
    spec
      .given([])
      .when(F.submit({ actor: physio }))
      .thenFails("Forbidden", { reason: "profession-not-eligible" })
  })

  it.each([
    ["a referrer assigns", F.assign({ actor: F.referrer })],
    ["a link worker rejects", F.reject({ actor: F.linkWorkerActor })],
    ["a coordinator schedules the call", F.scheduleCall({ actor: F.coordinator })],
    ["an evaluator cancels", F.cancel({ actor: F.evaluator })],
    ["a client cancels", F.cancel({ actor: F.client })]
  ])("%s", (_, command) => {
    given("Assigned").when(command).thenFails("Forbidden", { reason: "role" })
  })

  it("another referrer cannot cancel someone else's referral", () => {
    given("Submitted")
      .when(F.cancel({ actor: F.otherReferrer }))
      .thenFails("Forbidden", { reason: "not-own-referral" })
  })

  it("a link worker not assigned to the referral", () => {
    given("Assigned")
      .when(F.scheduleCall({ actor: F.otherLinkWorkerActor }))
      .thenFails("Forbidden", { reason: "not-assigned" })
    given("Active")
      .when(F.close({ actor: F.otherLinkWorkerActor }))
      .thenFails("Forbidden", { reason: "not-assigned" })
  })

  it("a client acting on another client's referral", () => {
    const stranger = Actor.make("Client", "subject-2", "kemijarvi-residents")
    given("Active")
      .when(F.recordConsent("referral", "withdrawn", { actor: stranger }))
      .thenFails("Forbidden", { reason: "not-subject" })
  })

  it("a coordinator or link worker outside the referral's programme", () => {
    const sodankylaCoordinator = { ...F.coordinator, programmes: [Presets.sodankyla.id] }
    given("Submitted")
      .when(F.assign({ actor: sodankylaCoordinator }))
      .thenFails("Forbidden", { reason: "outside-programme" })
    const kemijarviCoordinator = { ...F.coordinator, programmes: [Presets.kemijarvi.id] }
    given("Submitted")
      .when(F.assign({ actor: kemijarviCoordinator }))
      .thenEvents((events) => expect(events.map((e) => e._tag)).toEqual(["LinkWorkerAssigned"]))
    const movedLinkWorker = { ...F.linkWorkerActor, programmes: [Presets.sodankyla.id] }
    given("Assigned")
      .when(F.scheduleCall({ actor: movedLinkWorker }))
      .thenFails("Forbidden", { reason: "outside-programme" })
  })

  it("the referrer records consent at submission time only", () => {
    given("Active")
      .when(F.recordConsent("research", "granted", { actor: F.referrer }))
      .thenFails("Forbidden", { reason: "role" })
  })

  it("a proxy measure comes from the referrer, a self-report not from the referrer", () => {
    given("Active")
      .when(F.measure({ respondent: "proxy" }))
      .thenFails("Forbidden")
    given("Active")
      .when(F.measure({ actor: F.referrer }))
      .thenFails("Forbidden")
  })
})

describe("refusals: ineligible link worker", () => {
  const cases = [
    ["inactive", F.linkWorker({ active: false }), 0],
    ["untrained", F.linkWorker({ basicTrainingCompletedAt: undefined as never }), 0],
    ["no-confidentiality-commitment", F.linkWorker({ confidentialityCommitmentSignedAt: undefined as never }), 0],
    ["at-capacity", F.linkWorker({ capacity: 5 }), 5],
    ["at-capacity", F.linkWorker(), Presets.kemijarvi.linkWorkers.defaultCapacity],
    [
      "refresher-overdue",
      F.linkWorker({ basicTrainingCompletedAt: Instant.make(Date.parse("2024-12-01T08:00:00.000Z")) }),
      0
    ]
  ] as const
  it.each(cases)("%s", (reason, linkWorker, activeClients) => {
    const lw = { ...linkWorker }
    for (const k of Object.keys(lw) as Array<keyof typeof lw>) if (lw[k] === undefined) delete lw[k]
    given("Submitted")
      .when(F.assign({ linkWorker: lw, activeClients }))
      .thenFails("LinkWorkerIneligible", { reason, linkWorkerId: F.linkWorkerActor.id })
  })

  it("a refresher training renews eligibility", () => {
    const lw = F.linkWorker({
      basicTrainingCompletedAt: Instant.make(Date.parse("2024-12-01T08:00:00.000Z")),
      refresherTrainings: [Instant.make(Date.parse("2025-11-15T08:00:00.000Z"))]
    })
    given("Submitted")
      .when(F.assign({ linkWorker: lw }))
      .thenEvents((events) => expect(events.map((e) => e._tag)).toEqual(["LinkWorkerAssigned"]))
  })

  it("reassigning to the link worker already assigned", () => {
    given("Assigned").when(F.assign()).thenFails("InvalidCommand", { field: "linkWorker" })
  })
})

describe("refusals: eligibility and invalid input", () => {
  it("an exclusion the programme lists (acute crisis) is not eligible", () => {
    spec
      .given([])
      .when(F.submit({ exclusionsPresent: ["acute-crisis"] }))
      .thenFails("NotEligible", { reason: "acute-crisis" })
  })

  it("a client under the programme's minimum age", () => {
    const personalIdentityCode = PersonalIdentityCode.make({ day: 1, month: 1, year: 2010, individualNumber: 902 })
    const client = { ...F.submit().client, personalIdentityCode }
    spec.given([]).when(F.submit({ client })).thenFails("NotEligible", { reason: "client-under-18" })
  })

  it("an invalid identity code is refused with the reason, not the code", () => {
    const client = { ...F.submit().client, personalIdentityCode: "010594Y9033" }
    const error = spec
      .given([])
      .when(F.submit({ client }))
      .thenFails("InvalidCommand", { field: "client.personalIdentityCode", reason: "check-character" })
    expect(JSON.stringify(error) + error.message).not.toContain("010594")
  })

  it("a landline is refused as the client's mobile number", () => {
    const client = { ...F.submit().client, mobileNumber: "016 123 4567" }
    spec.given([]).when(F.submit({ client })).thenFails("InvalidCommand", { field: "client.mobileNumber" })
  })

  it("an unknown programme", () => {
    spec
      .given([])
      .when(F.submit({ programmeId: "rovaniemi" as never }))
      .thenFails("ProgrammeNotFound", { programmeId: "rovaniemi" })
    spec
      .given([])
      .when(F.submit({ programmeVersion: 7 }))
      .thenFails("ProgrammeNotFound", { programmeId: "kemijarvi", version: 7 })
  })

  it("feedback cannot be requested where the programme does not allow it", () => {
    const strict = Result.getOrThrow(
      Programme.nextVersion(Presets.kemijarvi, (p) => ({ ...p, feedback: { referrerMayRequest: false } }))
    )
    const decider = Referral.makeDecider(Result.getOrThrow(Programme.catalog([Presets.kemijarvi, strict])))
    DeciderSpec.make(decider).given([]).when(F.submit()).thenFails("InvalidCommand", { field: "feedbackRequested" })
  })

  it("a call time in the past", () => {
    given("Assigned")
      .when(F.scheduleCall({ callAt: F.at(1) }))
      .thenFails("CallTimeNotAllowed", { problem: "not-in-the-future" })
  })

  it("a failed attempt needs the next call time while attempts are left, and none on the last", () => {
    given("ContactScheduled").when(F.lastFailedAttempt()).thenFails("InvalidCommand", { field: "nextCallAt" })
    const history = F.history([
      ...F.pathTo.ContactScheduled(),
      F.failedAttempt(),
      F.failedAttempt({ at: F.at(48), nextCallAt: F.at(72) })
    ])
    spec
      .given(history.events)
      .when(F.failedAttempt({ at: F.at(72), nextCallAt: F.at(96) }))
      .thenFails("InvalidCommand", { field: "nextCallAt" })
  })

  it("a measure the programme does not expect (ESIS is Sodankylä's, not Kemijärvi's)", () => {
    given("Active")
      .when(F.measure({ instrument: "esis" }))
      .thenFails("MeasureNotExpected", { instrument: "esis", timePoint: "baseline", respondent: "self" })
  })

  it("answers that do not fit the instrument (SWEMWBS: 7 answers of 1-5)", () => {
    given("Active")
      .when(F.measure({ answers: [3, 3, 3] }))
      .thenFails("InvalidCommand", { field: "answers" })
    given("Active")
      .when(F.measure({ answers: [3, 3, 3, 3, 3, 3, 6] }))
      .thenFails("InvalidCommand", { field: "answers" })
    given("Active")
      .when(F.measure({ answers: [3, 3, 3, 3, 3, 3, 2.5] }))
      .thenFails("InvalidCommand", { field: "answers" })
    // an unanswered item is recorded (the form is then not scored)
    given("Active")
      .when(F.measure({ answers: [3, null, 3, 3, 3, 3, 3] }))
      .thenEvents((events) => expect(events.map((e) => e._tag)).toEqual(["MeasureRecorded"]))
  })

  it("a follow-up is complete only when every follow-up measure the programme expects is in", () => {
    const twoAtFollowUp = Result.getOrThrow(
      Programme.nextVersion(Presets.kemijarvi, (p) => ({
        ...p,
        measures: {
          ...p.measures,
          followUp: [
            { instrument: "swemwbs", respondent: "self" },
            { instrument: "ucla-3", respondent: "self" }
          ]
        }
      }))
    )
    const decider = Referral.makeDecider(Result.getOrThrow(Programme.catalog([twoAtFollowUp])))
    const closed = F.history(F.pathTo.Closed(), decider)
    const first = F.measure({ timePoint: "follow-up", at: F.at(24 * 211) })
    const afterFirst = DeciderSpec.make(decider)
      .given(closed.events)
      .when(first)
      .thenEvents((events) => expect(events.map((e) => e._tag)).toEqual(["MeasureRecorded"]))
    expect(afterFirst.status).toBe("Closed")
    const history = F.history([...F.pathTo.Closed(), first], decider)
    DeciderSpec.make(decider)
      .given(history.events)
      .when(F.measure({ timePoint: "follow-up", instrument: "ucla-3", answers: [1, 2, 1], at: F.at(24 * 212) }))
      .thenEvents((events, state) => {
        expect(events.map((e) => e._tag)).toEqual(["MeasureRecorded", "FollowUpCompleted"])
        expect(state.status).toBe("FollowedUp")
      })
  })

  it("the same measure twice at one time point", () => {
    const history = F.history([...F.pathTo.Active(), F.measure()])
    spec
      .given(history.events)
      .when(F.measure({ at: F.at(28) }))
      .thenFails("InvalidCommand", { field: "timePoint" })
  })

  it("expiring the follow-up before its window has passed", () => {
    given("Closed")
      .when(F.expireFollowUp({ at: F.at(24 * 200) }))
      .thenFails("TooEarly", { command: "ExpireFollowUp" })
  })

  it("a meeting recorded before it took place", () => {
    given("Active")
      .when(F.meeting({ meetingAt: F.at(24 * 30) }))
      .thenFails("InvalidCommand", { field: "meetingAt" })
  })

  it("a command dated before the referral's latest event (time does not run backwards)", () => {
    given("Active")
      .when(F.meeting({ at: F.at(20), meetingAt: F.at(19) }))
      .thenFails("InvalidCommand", { field: "at" })
  })

  it("a command whose referral id is not the stream's", () => {
    const other = { ...F.assign(), referralId: "referral-2" as typeof F.referralId }
    given("Submitted").when(other).thenFails("InvalidCommand", { field: "referralId" })
  })
})

describe("programme versions", () => {
  it("a referral keeps the programme version it was submitted under", () => {
    const v2 = Result.getOrThrow(
      Programme.nextVersion(Presets.kemijarvi, (p) => ({ ...p, contactAttempts: { max: 1 } }))
    )
    const v1Decider = Referral.makeDecider(Result.getOrThrow(Programme.catalog([Presets.kemijarvi])))
    const history = F.history(F.pathTo.ContactScheduled(), v1Decider)
    const both = Referral.makeDecider(Result.getOrThrow(Programme.catalog([Presets.kemijarvi, v2])))
    // under v2 one failed attempt would make the client unreachable; the referral stays on v1 (3 attempts)
    DeciderSpec.make(both)
      .given(history.events)
      .when(F.failedAttempt())
      .thenEvents((events: ReadonlyArray<ReferralEvent.ReferralEvent>) =>
        expect(events.map((e) => e._tag)).toEqual(["ContactAttemptFailed", "CallScheduled", "CallTimeMessageRequested"])
      )
    // a new referral gets the latest version
    DeciderSpec.make(both)
      .given([])
      .when(F.submit())
      .thenEvents((events) => expect(events[0]).toMatchObject({ programmeVersion: 2 }))
  })
})

describe("message outcomes (the outbox dispatcher's bookkeeping)", () => {
  it("a sent call-time message becomes MessageSent; the state counts it and its clock does not move", () => {
    const state = given("ContactScheduled")
      .when(F.messageOutcome("sent", { at: F.at(20) }))
      .then([
        {
          _tag: "MessageSent",
          ...base(F.system, F.at(20)),
          messageId: `${F.referralId}:call-1`,
          kind: "call-time-sms",
          attempts: 1
        }
      ])
    expect(state.messagesSent).toBe(1)
    expect(state.lastEventAt).toBe(F.history(F.pathTo.ContactScheduled()).state.lastEventAt)
  })

  it("a message not sent becomes MessageNotSent with its reason, also in an ended referral and after later events", () => {
    const withdrawn = F.history(F.pathTo.Withdrawn())
    const earlier = Instant.plusMillis(withdrawn.state.lastEventAt as Instant.Instant, -3_600_000)
    const state = spec
      .given(withdrawn.events)
      .when(F.messageOutcome("cancelled", { at: earlier, reason: "withdrawn", attempts: 0 }))
      .then([
        {
          _tag: "MessageNotSent",
          ...base(F.system, earlier),
          messageId: `${F.referralId}:call-1`,
          kind: "call-time-sms",
          outcome: "cancelled",
          reason: "withdrawn",
          attempts: 0
        }
      ])
    expect(state.status).toBe("Withdrawn")
    expect(state.messagesNotSent).toBe(1)
  })

  it("only the System may record an outcome", () => {
    for (const actor of [F.coordinator, F.linkWorkerActor, F.referrer]) {
      given("ContactScheduled")
        .when({ ...F.messageOutcome("sent"), actor })
        .thenFails("Forbidden", { reason: "role" })
    }
  })

  it("a reason exactly when the message was not sent", () => {
    given("ContactScheduled")
      .when(F.messageOutcome("sent", { reason: "rate-limited" }))
      .thenFails("InvalidCommand", { field: "reason" })
    given("ContactScheduled").when(F.messageOutcome("failed")).thenFails("InvalidCommand", { field: "reason" })
  })

  it("there is nothing to record before the referral exists", () => {
    spec.given([]).when(F.messageOutcome("sent")).thenFails("TransitionNotAllowed")
  })
})

describe("referrer identity", () => {
  it("the same professional id in another organisation is not the referrer (ids are unique per organisation)", () => {
    const namesake = Actor.make("Referrer", F.referrer.id, "another-health-centre", "nurse")
    given("Submitted")
      .when(F.cancel({ actor: namesake, at: F.at(3) }))
      .thenFails("Forbidden", { reason: "not-own-referral" })
  })
})
