/**
 * The link worker's view says a text message is allowed exactly when the
 * decider would send one (C2): `contact-by-sms` consent in force AND a valid
 * mobile number on file. Consent alone is not enough.
 */
import { describe, expect, it } from "@effect/vitest"
import { Instant, PersonalData, Referral, type ReferralCommand, type ReferralError, Views } from "@lahete/core"
import { Fixtures } from "@lahete/testing"
import { Result } from "effect"

type Cmd = ReferralCommand.ReferralCommand

/** Runs the fixture referral's commands; returns its state and the vault. */
const world = (commands: ReadonlyArray<Cmd>) => {
  let state = Referral.initialState
  const vault = new Map<string, PersonalData.SubjectData>()
  for (const c of commands) {
    const decided = Fixtures.decider.decide(c, state)
    if (Result.isFailure(decided)) throw new Error(`${c._tag} refused: ${decided.failure.message}`)
    const write = PersonalData.vaultWrite(c, state.subjectId)
    state = Referral.fold(decided.success, state)
    if (write !== undefined) {
      const id = write._tag === "PutSubject" ? write.subject.subjectId : write.subjectId
      const next = PersonalData.apply(vault.get(id), write)
      if (next === undefined) vault.delete(id)
      else vault.set(id, next)
    }
  }
  return { state, subjects: vault as Views.Subjects }
}

const success = <A>(result: Result.Result<A, ReferralError.Forbidden>): A => {
  if (Result.isFailure(result)) throw new Error(`expected the view, got ${result.failure.message}`)
  return result.success
}

const now = Fixtures.at(24)

/** What the link worker's two views say, and whether the decider would schedule a call with the text message. */
const allowed = (commands: ReadonlyArray<Cmd>, at: Instant.Instant = now) => {
  const w = world(commands)
  const one = success(Views.linkWorkerReferral(Fixtures.linkWorkerActor, w.state, w.subjects, at)).view
  const caseload = success(Views.linkWorkerCaseload(Fixtures.linkWorkerActor, [w.state], w.subjects, at)).view
  const schedule = Fixtures.decider.decide(
    Fixtures.scheduleCall({ at, callAt: Instant.plusMillis(at, 26 * 3_600_000) }),
    w.state
  )
  return {
    view: one.textMessageAllowed,
    caseload: caseload.entries.map((e) => e.textMessageAllowed),
    decider: Result.isSuccess(schedule) ? "sends" : schedule.failure._tag
  }
}

const { mobileNumber: _, ...clientWithoutNumber } = Fixtures.submit().client
const submittedWithoutNumber = Fixtures.submit({ client: clientWithoutNumber })

describe("link worker views: textMessageAllowed (C2)", () => {
  it("with consent and a valid number: allowed, and the decider sends it", () => {
    expect(allowed([Fixtures.submit(), Fixtures.assign()])).toEqual({
      view: true,
      caseload: [true],
      decider: "sends"
    })
  })

  it("with contact-by-sms consent but no mobile number on file: not allowed (the decider refuses: MobileNumberMissing)", () => {
    expect(submittedWithoutNumber.client.mobileNumber).toBeUndefined()
    expect(allowed([submittedWithoutNumber, Fixtures.assign()])).toEqual({
      view: false,
      caseload: [false],
      decider: "MobileNumberMissing"
    })
  })

  it("a number taken away later: not allowed; a valid one given again: allowed", () => {
    const removed = [Fixtures.submit(), Fixtures.assign(), Fixtures.updateContact({ mobileNumber: null })]
    expect(allowed(removed)).toEqual({ view: false, caseload: [false], decider: "MobileNumberMissing" })
    expect(allowed([...removed, Fixtures.updateContact({ at: Fixtures.at(4) })])).toEqual({
      view: true,
      caseload: [true],
      decider: "sends"
    })
  })

  it("consent that has expired by the time of viewing: not allowed, though the number is there", () => {
    const expiring = Fixtures.submit({
      consents: [
        Fixtures.consentGiven("referral"),
        { ...Fixtures.consentGiven("contact-by-sms"), expiresAt: Fixtures.at(10) }
      ]
    })
    expect(allowed([expiring, Fixtures.assign()], Fixtures.at(9))).toMatchObject({ view: true, caseload: [true] })
    expect(allowed([expiring, Fixtures.assign()], Fixtures.at(10))).toEqual({
      view: false,
      caseload: [false],
      decider: "ConsentMissing"
    })
  })
})
