/**
 * Rules of the decider that protect the client, each with a behavioural test
 * of its own (the docs-sync tests also see some of them, but no rule rests on
 * them alone): who may change contact details and when, programme scope,
 * consent expiry and method, a purpose listed twice, the respondent kind of a
 * measure, and who may erase personal data in which state.
 */
import { describe, expect, it } from "@effect/vitest"
import { Actor, type Consent, Instant, Lifecycle, Presets, Referral, type ReferralCommand } from "@lahete/core"
import { DeciderSpec, Fixtures as F } from "@lahete/testing"

const spec = DeciderSpec.make(F.decider)
const given = (status: keyof typeof F.pathTo) => spec.given(F.history(F.pathTo[status]()).events)
const tags = (events: ReadonlyArray<{ readonly _tag: string }>) => events.map((e) => e._tag)
const ms = (i: Instant.Instant, by: number) => Instant.plusMillis(i, by)

describe("contact details", () => {
  it("the referrer updates them while the referral is Submitted, and not once it has been assigned", () => {
    given("Submitted")
      .when(F.updateContact({ actor: F.referrer }))
      .thenEvents((events) => expect(tags(events)).toEqual(["ContactDetailsUpdated"]))
    for (const status of ["Assigned", "ContactScheduled", "Active", "OnHold"] as const) {
      given(status)
        .when(F.updateContact({ actor: F.referrer, at: F.at(24 * 200) }))
        .thenFails("Forbidden", { role: "Referrer", action: "UpdateContactDetails", reason: "role" })
    }
  })

  it("the referrer records consent while Submitted only, too", () => {
    given("Submitted")
      .when(F.recordConsent("research", "granted", { actor: F.referrer, at: F.at(1) }))
      .thenEvents((events) => expect(tags(events)).toEqual(["ConsentRecorded"]))
    given("Assigned")
      .when(F.recordConsent("research", "granted", { actor: F.referrer }))
      .thenFails("Forbidden", { action: "RecordConsent", reason: "role" })
  })

  it("nobody edits them once the collaboration has ended: Closed and every terminal state refuse", () => {
    for (const status of ["Closed", ...Lifecycle.terminal] as const) {
      const state = F.history(F.pathTo[status as keyof typeof F.pathTo]()).state
      // the assigned link worker too, where there is one (elsewhere a link worker is refused as not assigned)
      const actors = [F.coordinator, F.client, ...(state.linkWorkerId === undefined ? [] : [F.linkWorkerActor])]
      for (const actor of actors) {
        const refused = F.decider.decide(F.updateContact({ actor, at: F.at(24 * 500) }), state)
        expect(refused).toMatchObject({
          failure: { _tag: "TransitionNotAllowed", state: status, command: "UpdateContactDetails" }
        })
      }
    }
    given("OnHold")
      .when(F.updateContact({ actor: F.client, at: F.at(24 * 15) }))
      .thenEvents((events) => expect(tags(events)).toEqual(["ContactDetailsUpdated"]))
  })
})

describe("programme scope", () => {
  const both = [Presets.sodankyla.id, Presets.kemijarvi.id]

  it("staff who work for two or more programmes act on a referral of any of them", () => {
    given("Submitted")
      .when(F.assign({ actor: { ...F.coordinator, programmes: both } }))
      .thenEvents((events) => expect(tags(events)).toEqual(["LinkWorkerAssigned"]))
    given("Assigned")
      .when(F.scheduleCall({ actor: { ...F.linkWorkerActor, programmes: both } }))
      .thenEvents((events) => expect(tags(events)).toEqual(["CallScheduled", "CallTimeMessageRequested"]))
  })

  it("and not on a referral of a programme they do not work for, however many others they have", () => {
    const others = [Presets.sodankyla.id, Presets.sodankyla.id]
    given("Submitted")
      .when(F.assign({ actor: { ...F.coordinator, programmes: others } }))
      .thenFails("Forbidden", { reason: "outside-programme" })
    given("Submitted")
      .when(F.assign({ actor: { ...F.coordinator, programmes: [] } }))
      .thenFails("Forbidden", { reason: "outside-programme" })
  })
})

describe("consent expiry", () => {
  const expiring = (purpose: Consent.Purpose, expiresAt: Instant.Instant): ReferralCommand.ConsentGiven => ({
    ...F.consentGiven(purpose),
    expiresAt
  })

  it("a consent recorded already expired (or expiring at the very instant) is refused; a millisecond later is fine", () => {
    const at = F.at(30)
    for (const expiresAt of [ms(at, -24 * 3_600_000), at]) {
      given("Active")
        .when(
          F.recordConsent("feedback-to-referrer", "granted", {
            actor: F.client,
            at,
            consent: expiring("feedback-to-referrer", expiresAt)
          })
        )
        .thenFails("InvalidCommand", { field: "consent.expiresAt" })
    }
    given("Active")
      .when(
        F.recordConsent("feedback-to-referrer", "granted", {
          actor: F.client,
          at,
          consent: expiring("feedback-to-referrer", ms(at, 1))
        })
      )
      .thenEvents((events) =>
        expect(events).toMatchObject([{ _tag: "ConsentRecorded", consent: { expiresAt: ms(at, 1) } }])
      )
  })

  it("a referral consent that has expired at submission is no consent (C1)", () => {
    for (const expiresAt of [ms(F.t0, -1), F.t0]) {
      spec
        .given([])
        .when(F.submit({ consents: [expiring("referral", expiresAt), F.consentGiven("contact-by-sms")] }))
        .thenFails("ConsentMissing", { purpose: "referral", rule: "C1" })
    }
    spec
      .given([])
      .when(F.submit({ consents: [expiring("referral", ms(F.t0, 1))] }))
      .thenEvents((events) => expect(tags(events)).toEqual(["ReferralSubmitted", "ConsentRecorded"]))
  })

  it("any other consent already expired at submission is refused, not silently recorded", () => {
    for (const expiresAt of [ms(F.t0, -1), F.t0]) {
      spec
        .given([])
        .when(F.submit({ consents: [F.consentGiven("referral"), expiring("contact-by-sms", expiresAt)] }))
        .thenFails("InvalidCommand", { field: "consents.expiresAt" })
    }
  })
})

describe("how consent is recorded", () => {
  it("a client does not record their own grant as 'agreed for office time' (that is the referrer's arrangement)", () => {
    given("Active")
      .when(
        F.recordConsent("proxy-measure", "granted", {
          actor: F.client,
          consent: { ...F.consentGiven("proxy-measure"), method: "agreed-for-office-time" }
        })
      )
      .thenFails("InvalidCommand", { field: "consent.method" })
    // a client's own grant in writing, and staff recording an office-time agreement, are fine
    given("Active")
      .when(
        F.recordConsent("proxy-measure", "granted", {
          actor: F.client,
          consent: { ...F.consentGiven("proxy-measure"), method: "written" }
        })
      )
      .thenEvents((events) => expect(tags(events)).toEqual(["ConsentRecorded"]))
    given("Active")
      .when(
        F.recordConsent("proxy-measure", "granted", {
          actor: F.coordinator,
          consent: { ...F.consentGiven("proxy-measure"), method: "agreed-for-office-time" }
        })
      )
      .thenEvents((events) => expect(tags(events)).toEqual(["ConsentRecorded"]))
    // nor does it block a client's refusal, however it is labelled
    given("Active")
      .when(
        F.recordConsent("research", "refused", {
          actor: F.client,
          consent: { ...F.consentGiven("research", "refused"), method: "agreed-for-office-time" }
        })
      )
      .thenEvents((events) => expect(tags(events)).toEqual(["ConsentRecorded"]))
  })
  it("research consent is granted in writing (§2): another method is refused on the method, a refusal or withdrawal by any method is recorded", () => {
    for (const method of ["in-appointment", "agreed-for-office-time", "verbal"] as const) {
      given("Active")
        .when(
          F.recordConsent("research", "granted", {
            actor: F.coordinator,
            consent: { ...F.consentGiven("research"), method }
          })
        )
        .thenFails("InvalidCommand", {
          field: "consent.method",
          reason: "research consent is granted in writing (method written)"
        })
      // listed at submission: the same refusal, nothing recorded
      spec
        .given([])
        .when(F.submit({ consents: [...F.submit().consents, { ...F.consentGiven("research"), method }] }))
        .thenFails("InvalidCommand", { field: "consents.method" })
      for (const decision of ["refused", "withdrawn"] as const) {
        given("Active")
          .when(
            F.recordConsent("research", decision, {
              actor: F.coordinator,
              consent: { ...F.consentGiven("research", decision), method }
            })
          )
          .thenEvents((events) => expect(tags(events)).toEqual(["ConsentRecorded"]))
      }
    }
    // in writing: recorded, at submission too
    given("Active")
      .when(F.recordConsent("research", "granted", { consent: { ...F.consentGiven("research"), method: "written" } }))
      .thenEvents((events) => expect(tags(events)).toEqual(["ConsentRecorded"]))
    spec
      .given([])
      .when(F.submit({ consents: [...F.submit().consents, { ...F.consentGiven("research"), method: "written" }] }))
      .thenEvents((events) => expect(events[0]?._tag).toBe("ReferralSubmitted"))
  })

  it("a purpose listed twice at submission is refused (which decision would count?)", () => {
    spec
      .given([])
      .when(
        F.submit({
          consents: [
            F.consentGiven("referral"),
            F.consentGiven("contact-by-sms"),
            F.consentGiven("contact-by-sms", "refused")
          ]
        })
      )
      .thenFails("InvalidCommand", { field: "consents" })
    spec
      .given([])
      .when(F.submit({ consents: [F.consentGiven("referral"), F.consentGiven("referral")] }))
      .thenFails("InvalidCommand", { field: "consents" })
  })
})

describe("the respondent kind of a measure", () => {
  const sodankyla = F.history([
    F.submit({ programmeId: Presets.sodankyla.id, consents: [...F.defaultConsents, F.consentGiven("proxy-measure")] })
  ])
  const givenSodankyla = () => spec.given(sodankyla.events)

  it("a proxy measure comes from the referrer only; a self-report never from the referrer", () => {
    for (const actor of [F.client, F.coordinator]) {
      givenSodankyla()
        .when(F.measure({ respondent: "proxy", actor, at: F.at(1) }))
        .thenFails("Forbidden", { reason: "role" })
    }
    givenSodankyla()
      .when(F.measure({ respondent: "self", actor: F.referrer, at: F.at(1) }))
      .thenFails("Forbidden", { role: "Referrer", reason: "role" })
    givenSodankyla()
      .when(F.measure({ respondent: "proxy", actor: F.referrer, at: F.at(1) }))
      .thenEvents((events) => expect(events).toMatchObject([{ _tag: "MeasureRecorded", respondent: "proxy" }]))
    givenSodankyla()
      .when(F.measure({ respondent: "self", actor: F.client, at: F.at(1) }))
      .thenEvents((events) => expect(events).toMatchObject([{ _tag: "MeasureRecorded", respondent: "self" }]))
  })

  it("a respondent kind the programme does not expect is refused (Kemijärvi: no proxy SWEMWBS)", () => {
    spec
      .given(F.history([F.submit({ consents: [...F.defaultConsents, F.consentGiven("proxy-measure")] })]).events)
      .when(F.measure({ respondent: "proxy", actor: F.referrer, at: F.at(1) }))
      .thenFails("MeasureNotExpected", { instrument: "swemwbs", timePoint: "baseline", respondent: "proxy" })
  })

  it("the proxy's and the client's own baseline are two measures, neither a repeat of the other", () => {
    const proxyFirst = F.history([
      ...F.pathTo.Submitted().map((c) =>
        c._tag === "SubmitReferral"
          ? {
              ...c,
              programmeId: Presets.sodankyla.id,
              consents: [...F.defaultConsents, F.consentGiven("proxy-measure")]
            }
          : c
      ),
      F.measure({ respondent: "proxy", actor: F.referrer, at: F.at(1) })
    ])
    spec
      .given(proxyFirst.events)
      .when(F.measure({ respondent: "self", actor: F.client, at: F.at(2) }))
      .thenEvents((events) => expect(tags(events)).toEqual(["MeasureRecorded"]))
    spec
      .given(proxyFirst.events)
      .when(F.measure({ respondent: "proxy", actor: F.referrer, at: F.at(2) }))
      .thenFails("InvalidCommand", { field: "timePoint" })
  })
})

describe("erasure of personal data", () => {
  it("only the System (retention) and the coordinator erase; not the link worker, the referrer or the client", () => {
    for (const actor of [F.linkWorkerActor, F.referrer, F.client, F.evaluator]) {
      given("FollowedUp")
        .when(F.erase({ actor }))
        .thenFails("Forbidden", { role: actor.role, action: "ErasePersonalData", reason: "role" })
    }
    given("FollowedUp")
      .when(F.erase({ actor: F.system }))
      .thenEvents((events) => expect(tags(events)).toEqual(["PersonalDataErased"]))
    given("FollowedUp")
      .when(F.erase({ actor: F.coordinator }))
      .thenEvents((events) => expect(tags(events)).toEqual(["PersonalDataErased"]))
  })

  it("not while the referral has not ended: Closed still awaits its follow-up, and neither do earlier states", () => {
    for (const status of ["Submitted", "Assigned", "ContactScheduled", "Active", "OnHold", "Closed"] as const) {
      given(status).when(F.erase()).thenFails("TransitionNotAllowed", { state: status, command: "ErasePersonalData" })
    }
    for (const status of Lifecycle.terminal) {
      const state = F.history(F.pathTo[status as keyof typeof F.pathTo]()).state
      expect(Referral.initialState.personalDataErased).toBe(false)
      expect(F.decider.decide(F.erase(), state)).toMatchObject({ success: [{ _tag: "PersonalDataErased" }] })
    }
  })

  it("an actor id alone is no role: a link worker named like the coordinator is still refused", () => {
    const lookalike = Actor.make("LinkWorker", F.coordinator.id, F.coordinator.organisation)
    given("Withdrawn")
      .when(F.erase({ actor: lookalike }))
      .thenFails("Forbidden", { reason: "role" })
  })
})
