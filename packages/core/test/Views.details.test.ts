/**
 * The views in detail: a referral that does not exist (the initial state,
 * e.g. an unknown id loaded from the store) is in no list and readable by
 * nobody; lists are in submission order (ties by referral id, not by the
 * order the store returned them); the referrer's status view says why the
 * feedback cannot be shown when the vault no longer has it.
 */
import { describe, expect, it } from "@effect/vitest"
import {
  Ids,
  Instant,
  Lifecycle,
  type PersonalData,
  Presets,
  Referral,
  type ReferralCommand,
  type ReferralError,
  Views
} from "@lahete/core"
import { Fixtures } from "@lahete/testing"
import { Result, Schema } from "effect"
import * as fc from "fast-check"
import { on, world } from "./support/world.js"

type Cmd = ReferralCommand.ReferralCommand

const sid = Schema.decodeSync(Ids.SubjectId)

const success = <A>(result: Result.Result<A, ReferralError.Forbidden>): A => {
  if (Result.isFailure(result)) throw new Error(`expected the view, got ${result.failure.message}`)
  return result.success
}

const kemijarvi: Views.CoordinatorScope = { programmeIds: [Presets.kemijarvi.id] }
const now = Fixtures.at(30)

describe("a referral that does not exist", () => {
  const w = world(Fixtures.pathTo.ContactScheduled())
  const withUnknown = [Referral.initialState, ...w.states]

  it("is in no list: the coordinator's inbox, the link worker's caseload, the referrer's overview", () => {
    const inbox = success(Views.coordinatorInbox(Fixtures.coordinator, kemijarvi, withUnknown, w.subjects, now)).view
    expect(inbox.entries.map((r) => r.referralId)).toEqual([Fixtures.referralId])
    const caseload = success(Views.linkWorkerCaseload(Fixtures.linkWorkerActor, withUnknown, w.subjects, now)).view
    expect(caseload.entries.map((e) => e.referralId)).toEqual([Fixtures.referralId])
    const overview = success(Views.referrerOverview(Fixtures.referrer, withUnknown, now)).view
    expect(overview.map((s) => s.referralId)).toEqual([Fixtures.referralId])
  })

  it("is read by nobody: the referrer and the link worker are refused as for someone else's", () => {
    const status = Views.referralStatus(Fixtures.referrer, Referral.initialState, w.subjects, now)
    expect(Result.isFailure(status) && status.failure).toMatchObject({ _tag: "Forbidden", reason: "not-own-referral" })
    const one = Views.linkWorkerReferral(Fixtures.linkWorkerActor, Referral.initialState, w.subjects, now)
    expect(Result.isFailure(one) && one.failure).toMatchObject({ _tag: "Forbidden", reason: "not-assigned" })
  })
})

describe("submission order", () => {
  it("the overview lists the referrer's referrals oldest first, whatever their ids and the order given", () => {
    const w = world([
      ...on("r-b", "s-b", [Fixtures.submit({ at: Fixtures.at(0) })]),
      ...on("r-a", "s-a", [Fixtures.submit({ at: Fixtures.at(1) })]),
      ...on("r-c", "s-c", [Fixtures.submit({ at: Fixtures.at(0) })])
    ])
    for (const states of [w.states, [...w.states].reverse()]) {
      const overview = success(Views.referrerOverview(Fixtures.referrer, states, now)).view
      // r-b and r-c were submitted at the same instant: by id
      expect(overview.map((s) => s.referralId)).toEqual(["r-b", "r-c", "r-a"])
    }
  })
})

describe("the referrer's status view when the vault no longer has the feedback", () => {
  const grant = Fixtures.recordConsent("feedback-to-referrer", "granted", { actor: Fixtures.client })
  const w = world([...Fixtures.pathTo.Active(), grant, Fixtures.close()])
  const state = w.states[0] as Referral.ReferralState
  const at = Fixtures.at(24 * 121)

  it("available and in the vault: the text, read and disclosed", () => {
    const viewed = success(Views.referralStatus(Fixtures.referrer, state, w.subjects, at))
    expect(viewed.view).toMatchObject({ feedback: "available", feedbackText: Fixtures.close().feedback })
    expect(viewed.disclosures).toHaveLength(1)
  })

  it("the subject's entry is gone (a controller erased it): 'erased', nothing read or disclosed", () => {
    const viewed = success(Views.referralStatus(Fixtures.referrer, state, new Map(), at))
    const { feedbackText: _, ...withText } = success(
      Views.referralStatus(Fixtures.referrer, state, w.subjects, at)
    ).view
    expect(viewed).toEqual({ view: { ...withText, feedback: "erased" }, reads: [], disclosures: [] })
    expect(Object.hasOwn(viewed.view, "feedbackText")).toBe(false)
  })

  it("the entry is there without this referral's notes: 'not-written', nothing read or disclosed", () => {
    const subject = w.subjects.get(state.subjectId as Ids.SubjectId) as PersonalData.SubjectData
    const withoutNotes = new Map([[state.subjectId as Ids.SubjectId, { ...subject, referrals: {} }]])
    const viewed = success(Views.referralStatus(Fixtures.referrer, state, withoutNotes, at))
    expect(viewed.view.feedback).toBe("not-written")
    expect(Object.hasOwn(viewed.view, "feedbackText")).toBe(false)
    expect(viewed.reads).toEqual([])
    expect(viewed.disclosures).toEqual([])
  })
})

describe("link worker load", () => {
  it("lists exactly the link workers with active clients, busiest first, ties by id, whatever the order given", () => {
    const ids = ["lw-a", "lw-b", "lw-c", "lw-d"] as const
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            status: fc.constantFrom(...Lifecycle.states),
            linkWorkerId: fc.option(fc.constantFrom(...ids), { nil: undefined })
          })
        ),
        (rows) => {
          const states = rows.map(
            (r): Referral.ReferralState => ({
              ...Referral.initialState,
              status: r.status,
              ...(r.linkWorkerId === undefined ? {} : { linkWorkerId: Schema.decodeSync(Ids.ActorId)(r.linkWorkerId) })
            })
          )
          const expected = ids
            .map((id) => ({
              linkWorkerId: id,
              activeClients: rows.filter((r) => r.linkWorkerId === id && Lifecycle.caseload.has(r.status)).length
            }))
            .filter((l) => l.activeClients > 0)
            .sort((a, b) => b.activeClients - a.activeClients || a.linkWorkerId.localeCompare(b.linkWorkerId))
          expect(Views.linkWorkerLoad(states)).toEqual(expected)
          expect(Views.linkWorkerLoad([...states].reverse())).toEqual(expected)
        }
      ),
      { seed: 20261207, numRuns: 200 }
    )
  })

  it("an example: two with two clients each (by id), then one with one", () => {
    const state = (linkWorkerId: string): Referral.ReferralState => ({
      ...Referral.initialState,
      status: "Active",
      linkWorkerId: Schema.decodeSync(Ids.ActorId)(linkWorkerId)
    })
    const states = ["lw-c", "lw-a", "lw-b", "lw-c", "lw-b"].map(state)
    expect(Views.linkWorkerLoad(states)).toEqual([
      { linkWorkerId: "lw-b", activeClients: 2 },
      { linkWorkerId: "lw-c", activeClients: 2 },
      { linkWorkerId: "lw-a", activeClients: 1 }
    ])
  })
})

describe("what needs the coordinator's action", () => {
  const { mobileNumber: _, ...withoutNumber } = Fixtures.submit().client
  const noNumber = Fixtures.submit({ client: withoutNumber })
  const noSms = Fixtures.scheduleCall({ notifyBySms: false, callAt: Fixtures.at(26) })
  const needs = (commands: ReadonlyArray<Cmd>, at: Instant.Instant) => {
    const w = world(commands)
    const inbox = success(Views.coordinatorInbox(Fixtures.coordinator, kemijarvi, w.states, w.subjects, at)).view
    return inbox.entries[0]?.needsAction
  }

  it("each state's own action, and a missing number until the call is made", () => {
    expect(needs([noNumber], Fixtures.at(1))).toEqual(["unassigned", "no-valid-mobile"])
    expect(needs([noNumber, Fixtures.assign()], Fixtures.at(3))).toEqual(["contact-not-scheduled", "no-valid-mobile"])
    expect(needs([noNumber, Fixtures.assign(), noSms], Fixtures.at(5))).toEqual(["no-valid-mobile"])
    expect(needs([noNumber, Fixtures.assign(), noSms], Fixtures.at(26))).toEqual([
      "call-time-passed",
      "no-valid-mobile"
    ])
    // once the collaboration has started, neither the passed call time nor the number is the coordinator's to chase
    expect(needs([noNumber, Fixtures.assign(), noSms, Fixtures.firstContact()], Fixtures.at(30))).toEqual([])
    expect(needs(Fixtures.pathTo.Active(), Fixtures.at(30))).toEqual([])
    expect(needs(Fixtures.pathTo.ContactScheduled(), Fixtures.at(5))).toEqual([])
  })
})

describe("the link worker's entry", () => {
  it("carries when the collaboration started and the agreed arrangement, under their names", () => {
    const w = world([...Fixtures.pathTo.Active(), Fixtures.arrangement()])
    const entry = success(
      Views.linkWorkerReferral(Fixtures.linkWorkerActor, w.states[0] as Referral.ReferralState, w.subjects, now)
    ).view
    expect(entry.startedAt).toBe(Fixtures.firstContact().at)
    expect(entry.arrangement).toEqual({ way: "in-person", frequency: "weekly", place: "home" })
  })
})

describe("the referrer's status view in detail", () => {
  const status = (commands: ReadonlyArray<Cmd>, at: Instant.Instant) => {
    const w = world(commands)
    return success(Views.referralStatus(Fixtures.referrer, w.states[0] as Referral.ReferralState, w.subjects, at)).view
  }

  it("carries each milestone under its name", () => {
    const followedUp = Fixtures.pathTo.FollowedUp()
    const view = status(followedUp, Fixtures.at(24 * 300))
    const state = world(followedUp).states[0] as Referral.ReferralState
    expect(view).toMatchObject({
      assignedAt: state.assignedAt,
      startedAt: state.startedAt,
      closedAt: state.closedAt,
      endedAt: state.endedAt,
      outcome: Fixtures.close().outcome,
      followUp: "missed"
    })
    expect(status(Fixtures.pathTo.Rejected(), Fixtures.at(5))).toMatchObject({ endReason: "acute-crisis" })
  })

  it("lastUpdated: the latest change the referrer sees, not the status change before it", () => {
    const reassigned = [
      ...Fixtures.pathTo.Assigned(),
      Fixtures.assign({ linkWorker: Fixtures.otherLinkWorker(), at: Fixtures.at(5) })
    ]
    expect(status(reassigned, Fixtures.at(6)).lastUpdated).toBe(Fixtures.at(5))
    expect(status(Fixtures.pathTo.Assigned(), Fixtures.at(6)).lastUpdated).toBe(Fixtures.at(2))
  })

  it("lastUpdated: a feedback consent's expiry once it has passed, if it is the latest thing that changed", () => {
    const expiresAt = Fixtures.at(100)
    const grant = Fixtures.recordConsent("feedback-to-referrer", "granted", {
      actor: Fixtures.client,
      at: Fixtures.at(30),
      consent: { ...Fixtures.consentGiven("feedback-to-referrer"), expiresAt }
    })
    const history = [...Fixtures.pathTo.Active(), grant]
    expect(status(history, Instant.plusMillis(expiresAt, -1)).lastUpdated).toBe(Fixtures.at(30))
    expect(status(history, expiresAt).lastUpdated).toBe(expiresAt)
    expect(status(history, Fixtures.at(200)).lastUpdated).toBe(expiresAt)
    // a change after the expiry is the latest
    const closedLater = [...history, Fixtures.close({ at: Fixtures.at(150) })]
    expect(status(closedLater, Fixtures.at(200)).lastUpdated).toBe(Fixtures.at(150))
    // a consent without expiry never moves it
    expect(status(Fixtures.pathTo.Active(), Fixtures.at(200)).lastUpdated).toBe(Fixtures.at(26))
  })
})

describe("the lists in detail", () => {
  it("the inbox entry carries the assignment, the call time and the end under their names", () => {
    const w = world([...Fixtures.pathTo.ContactScheduled()])
    const entry = success(Views.coordinatorInbox(Fixtures.coordinator, kemijarvi, w.states, w.subjects, now)).view
      .entries[0]
    expect(entry).toMatchObject({ assignedAt: Fixtures.assign().at, callAt: Fixtures.scheduleCall().callAt })
    const r = world(Fixtures.pathTo.Rejected())
    const rejected = success(Views.coordinatorInbox(Fixtures.coordinator, kemijarvi, r.states, r.subjects, now)).view
      .entries[0]
    expect(rejected?.endedAt).toBe(Fixtures.reject().at)
  })

  it("the caseload leaves out the link worker's ended referrals", () => {
    const w = world(
      on("r-declined", "s-d", Fixtures.pathTo.Declined()).concat(on("r-active", "s-a", Fixtures.pathTo.Active()))
    )
    const caseload = success(Views.linkWorkerCaseload(Fixtures.linkWorkerActor, w.states, w.subjects, now)).view
    expect(caseload.entries.map((e) => e.referralId)).toEqual(["r-active"])
  })

  it("a vault entry without this referral's notes: the client is shown without a reason text", () => {
    const w = world(Fixtures.pathTo.Assigned())
    const state = w.states[0] as Referral.ReferralState
    const subject = w.subjects.get(state.subjectId as Ids.SubjectId) as PersonalData.SubjectData
    const withoutNotes: Views.Subjects = new Map([[state.subjectId as Ids.SubjectId, { ...subject, referrals: {} }]])
    const inbox = success(Views.coordinatorInbox(Fixtures.coordinator, kemijarvi, w.states, withoutNotes, now)).view
    expect(inbox.entries[0]?.client).toEqual({ givenName: "Aino", familyName: "Testinen", language: "fi" })
    const entry = success(Views.linkWorkerReferral(Fixtures.linkWorkerActor, state, withoutNotes, now)).view
    expect(entry.client?.givenName).toBe("Aino")
    expect(Object.hasOwn(entry.client ?? {}, "reasonText")).toBe(false)
  })
})

describe("the last survivors of the Views.ts run", () => {
  it("the link worker's entry carries the assignment and the call time under their names", () => {
    const w = world(Fixtures.pathTo.ContactScheduled())
    const entry = success(
      Views.linkWorkerReferral(Fixtures.linkWorkerActor, w.states[0] as Referral.ReferralState, w.subjects, now)
    ).view
    expect(entry).toMatchObject({ assignedAt: Fixtures.assign().at, callAt: Fixtures.scheduleCall().callAt })
  })

  it("subject access shows the client only their own referrals and their own vault entry, whatever else is passed in", () => {
    const w = world([
      ...on("r-mine", "subject-1", [Fixtures.submit()]),
      ...on("r-theirs", "subject-2", [Fixtures.submit()])
    ])
    const empty = { usage: [], disclosures: [] }
    const mine = success(
      Views.subjectAccess(Fixtures.client, sid("subject-1"), w.states, w.subjects.get(sid("subject-1")), empty)
    ).view
    expect(mine.referrals.map((r) => r.referralId)).toEqual(["r-mine"])
    expect(mine.personalData?.subjectId).toBe("subject-1")
    const wrongEntry = success(
      Views.subjectAccess(Fixtures.client, sid("subject-1"), w.states, w.subjects.get(sid("subject-2")), empty)
    ).view
    expect(Object.hasOwn(wrongEntry, "personalData")).toBe(false)
  })
})

describe("subject access order", () => {
  it("the client's referrals oldest first, whatever the order given", () => {
    const w = world([
      ...on("r-later", "subject-1", [Fixtures.submit({ at: Fixtures.at(5) })]),
      ...on("r-earlier", "subject-1", [Fixtures.submit({ at: Fixtures.at(1) })])
    ])
    const viewed = success(
      Views.subjectAccess(Fixtures.client, sid("subject-1"), w.states, w.subjects.get(sid("subject-1")), {
        usage: [],
        disclosures: []
      })
    ).view
    expect(viewed.referrals.map((r) => r.referralId)).toEqual(["r-earlier", "r-later"])
  })
})
