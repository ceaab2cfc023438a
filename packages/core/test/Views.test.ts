import { describe, expect, it } from "@effect/vitest"
import {
  Actor,
  type AuditLog,
  Ids,
  type Instant,
  Lifecycle,
  Presets,
  Referral,
  type ReferralCommand,
  type ReferralError,
  ReferralService,
  Views
} from "@lahete/core"
import { Fixtures } from "@lahete/testing"
import { Result, Schema } from "effect"
import * as fc from "fast-check"
import { on, world } from "./support/world.js"

type Cmd = ReferralCommand.ReferralCommand

const sid = Schema.decodeSync(Ids.SubjectId)
const pid = Schema.decodeSync(Ids.ProgrammeId)

const stateOf = (w: ReturnType<typeof world>, referralId: string): Referral.ReferralState =>
  w.states.find((s) => s.referralId === referralId) ?? Referral.initialState

const submitAs = (givenName: string, overrides: Partial<Extract<Cmd, { _tag: "SubmitReferral" }>> = {}) =>
  Fixtures.submit({ client: { ...Fixtures.submit().client, givenName }, ...overrides })

const identityCode = Fixtures.submit().client.personalIdentityCode as string
const e164 = "+358401234567"
const kemijarvi: Views.CoordinatorScope = { programmeIds: [Presets.kemijarvi.id] }
const afterAll = Fixtures.at(25)

/** One referral per interesting state, each with its own subject and client name. */
const mixed = () =>
  world([
    ...on("r-submitted", "s-1", [submitAs("Aino")]),
    ...on("r-assigned", "s-2", [submitAs("Bertta"), Fixtures.assign()]),
    ...on("r-scheduled", "s-3", [submitAs("Cecilia"), Fixtures.assign(), Fixtures.scheduleCall()]),
    ...on("r-active", "s-4", [submitAs("Doris"), Fixtures.assign(), Fixtures.scheduleCall(), Fixtures.firstContact()]),
    ...on("r-closed", "s-5", Fixtures.pathTo.Closed()),
    ...on("r-rejected", "s-6", Fixtures.pathTo.Rejected()),
    ...on("r-other-lw", "s-7", [
      submitAs("Eero"),
      Fixtures.assign({ linkWorker: Fixtures.otherLinkWorker() }),
      Fixtures.scheduleCall({ actor: Fixtures.otherLinkWorkerActor })
    ]),
    ...on("r-sodankyla", "s-8", [submitAs("Faija", { programmeId: pid("sodankyla") })]),
    ...on("r-no-mobile", "s-9", [
      submitAs("Greta", {
        client: { givenName: "Greta", familyName: "Testinen", birthYear: 1960, language: "sv" },
        consents: [Fixtures.consentGiven("referral")]
      })
    ])
  ])

const expectForbidden = <A>(
  result: Result.Result<A, ReferralError.Forbidden>,
  reason: ReferralError.Forbidden["reason"]
): ReferralError.Forbidden => {
  if (Result.isSuccess(result)) throw new Error("expected Forbidden, the view was returned")
  expect(result.failure._tag).toBe("Forbidden")
  expect(result.failure.reason).toBe(reason)
  return result.failure
}

const success = <A>(result: Result.Result<A, ReferralError.Forbidden>): A => {
  if (Result.isFailure(result)) throw new Error(`expected the view, got ${result.failure.message}`)
  return result.success
}

const viewNames = Object.keys(Views.allowedRoles) as ReadonlyArray<Views.ViewName>

/** Calls a view by name with the mixed world, as `actor`. */
const callView = (
  view: Views.ViewName,
  actor: Actor.Actor,
  w = mixed()
): Result.Result<unknown, ReferralError.Forbidden> => {
  const mine = stateOf(w, "r-active")
  const log = { usage: [], disclosures: [] }
  switch (view) {
    case "coordinator-inbox":
      return Views.coordinatorInbox(actor, kemijarvi, w.states, w.subjects, afterAll)
    case "link-worker-caseload":
      return Views.linkWorkerCaseload(actor, w.states, w.subjects, afterAll)
    case "link-worker-referral":
      return Views.linkWorkerReferral(actor, mine, w.subjects, afterAll)
    case "referrer-overview":
      return Views.referrerOverview(actor, w.states, afterAll)
    case "referral-status":
      return Views.referralStatus(actor, mine, w.subjects, afterAll)
    case "subject-access":
      return Views.subjectAccess(actor, sid(actor.id), w.states, w.subjects.get(actor.id), log)
  }
}

describe("Views: roles", () => {
  it("the evaluator gets Forbidden (role) for every view", () => {
    const w = mixed()
    for (const view of viewNames) {
      const error = expectForbidden(callView(view, Fixtures.evaluator, w), "role")
      expect(error.action).toBe(`read ${view}`)
      expect(error.role).toBe("Evaluator")
    }
  })

  it("every view refuses every role it does not list, and only those", () => {
    const w = mixed()
    const actors: Record<Actor.Role, Actor.Actor> = {
      Referrer: Fixtures.referrer,
      Coordinator: Fixtures.coordinator,
      LinkWorker: Fixtures.linkWorkerActor,
      Client: Actor.make("Client", "s-4", "kemijarvi-residents"),
      Evaluator: Fixtures.evaluator,
      System: Fixtures.system
    }
    for (const view of viewNames) {
      for (const role of Actor.Role.literals) {
        const result = callView(view, actors[role], w)
        if (Views.allowedRoles[view].includes(role)) expect(Result.isSuccess(result)).toBe(true)
        else expectForbidden(result, "role")
      }
    }
  })

  it("a refusal carries no personal data", () => {
    const w = mixed()
    for (const view of viewNames) {
      const error = expectForbidden(callView(view, Fixtures.evaluator, w), "role")
      const text = `${error.message} ${JSON.stringify(error)}`
      for (const secret of ["Doris", "Testinen", identityCode, e164, "walks"]) expect(text).not.toContain(secret)
    }
  })
})

describe("Views: coordinator inbox", () => {
  it("lists the scope's referrals only, oldest first", () => {
    const w = mixed()
    const inbox = success(Views.coordinatorInbox(Fixtures.coordinator, kemijarvi, w.states, w.subjects, afterAll)).view
    const expected = w.states
      .filter((s) => s.programme?.id === Presets.kemijarvi.id)
      .map((s) => s.referralId)
      .sort()
    expect(inbox.entries.map((e) => e.referralId)).toEqual(expected)
    expect(inbox.entries.map((e) => e.referralId)).not.toContain("r-sodankyla")

    const sodankyla = success(
      Views.coordinatorInbox(Fixtures.coordinator, { programmeIds: [pid("sodankyla")] }, w.states, w.subjects, afterAll)
    )
    expect(sodankyla.view.entries.map((e) => e.referralId)).toEqual(["r-sodankyla"])

    const none = success(
      Views.coordinatorInbox(Fixtures.coordinator, { programmeIds: [] }, w.states, w.subjects, afterAll)
    )
    expect(none.view.entries).toEqual([])
    expect(none.reads).toEqual([])
  })

  it("shows name, language and reason only while the referral can be (re)assigned, never the code or number", () => {
    const w = mixed()
    const viewed = success(Views.coordinatorInbox(Fixtures.coordinator, kemijarvi, w.states, w.subjects, afterAll))
    for (const entry of viewed.view.entries) {
      if (Lifecycle.accepts(entry.status, "AssignLinkWorker")) {
        expect(entry.client).toBeDefined()
        expect(Object.keys(entry.client ?? {}).sort()).toEqual(["familyName", "givenName", "language", "reasonText"])
      } else {
        expect(entry.client).toBeUndefined()
      }
    }
    const submitted = viewed.view.entries.find((e) => e.referralId === "r-submitted")
    expect(submitted?.client).toEqual({
      givenName: "Aino",
      familyName: "Testinen",
      language: "fi",
      reasonText: Fixtures.submit().reasonText
    })
    const text = JSON.stringify(viewed.view)
    expect(text).not.toContain(identityCode)
    expect(text).not.toContain(e164)
    expect(text).not.toContain("Doris") // r-active: handed over already
    expect(text).not.toContain(Fixtures.close().feedback)
  })

  it("reports exactly the clients it shows as reads", () => {
    const w = mixed()
    const viewed = success(Views.coordinatorInbox(Fixtures.coordinator, kemijarvi, w.states, w.subjects, afterAll))
    const shown = viewed.view.entries.filter((e) => e.client !== undefined).map((e) => e.referralId)
    expect(viewed.reads.map((r) => r.referralId)).toEqual(shown)
    for (const read of viewed.reads) {
      expect(read.what).toBe("coordinator-inbox")
      expect(read.purpose).toBe(Views.purposes["coordinator-inbox"])
      expect(read.subjectId).toBe(stateOf(w, read.referralId ?? "").subjectId)
    }
    expect(viewed.disclosures).toEqual([])
  })

  it("says what needs action", () => {
    const w = mixed()
    const actions = (at: Instant.Instant) =>
      new Map(
        success(Views.coordinatorInbox(Fixtures.coordinator, kemijarvi, w.states, w.subjects, at)).view.entries.map(
          (e) => [e.referralId as string, e.needsAction]
        )
      )
    const before = actions(Fixtures.at(25))
    expect(before.get("r-submitted")).toEqual(["unassigned"])
    expect(before.get("r-no-mobile")).toEqual(["unassigned", "no-valid-mobile"])
    expect(before.get("r-assigned")).toEqual(["contact-not-scheduled"])
    expect(before.get("r-scheduled")).toEqual([])
    expect(before.get("r-active")).toEqual([])
    expect(before.get("r-rejected")).toEqual([])
    // the call was set for at(26): after it, the outcome is missing
    expect(actions(Fixtures.at(26)).get("r-scheduled")).toEqual(["call-time-passed"])
  })

  it("counts active clients per link worker", () => {
    const w = mixed()
    const inbox = success(Views.coordinatorInbox(Fixtures.coordinator, kemijarvi, w.states, w.subjects, afterAll)).view
    // linkworker-1: r-assigned, r-scheduled, r-active (r-closed has ended its collaboration); linkworker-2: r-other-lw
    expect(inbox.load).toEqual([
      { linkWorkerId: Fixtures.linkWorkerActor.id, activeClients: 3 },
      { linkWorkerId: Fixtures.otherLinkWorkerActor.id, activeClients: 1 }
    ])
    const entries = inbox.entries.filter((e) => e.linkWorkerId === Fixtures.linkWorkerActor.id)
    expect(entries.map((e) => e.status).sort()).toEqual(["Active", "Assigned", "Closed", "ContactScheduled"])
  })
})

describe("Views: link-worker caseload", () => {
  it("lists only the link worker's own referrals that have not ended", () => {
    const w = mixed()
    const mine = success(Views.linkWorkerCaseload(Fixtures.linkWorkerActor, w.states, w.subjects, afterAll))
    expect(mine.view.entries.map((e) => e.referralId)).toEqual(["r-active", "r-assigned", "r-closed", "r-scheduled"])
    const theirs = success(Views.linkWorkerCaseload(Fixtures.otherLinkWorkerActor, w.states, w.subjects, afterAll))
    expect(theirs.view.entries.map((e) => e.referralId)).toEqual(["r-other-lw"])
    const stranger = Actor.make("LinkWorker", "linkworker-9", "kemijarvi-parish")
    const nobody = success(Views.linkWorkerCaseload(stranger, w.states, w.subjects, afterAll))
    expect(nobody.view.entries).toEqual([])
    expect(nobody.reads).toEqual([])
  })

  it("shows name, mobile number, language and reason; never the identity code or the referrer", () => {
    const w = mixed()
    const viewed = success(Views.linkWorkerCaseload(Fixtures.linkWorkerActor, w.states, w.subjects, afterAll))
    const active = viewed.view.entries.find((e) => e.referralId === "r-active")
    expect(active?.client).toEqual({
      givenName: "Doris",
      familyName: "Testinen",
      mobileNumber: e164,
      language: "fi",
      reasonText: Fixtures.submit().reasonText
    })
    const text = JSON.stringify(viewed.view)
    expect(text).not.toContain(identityCode)
    expect(text).not.toContain("birthYear")
    expect(text).not.toContain(Fixtures.referrer.id)
    expect(text).not.toContain(Fixtures.referrer.organisation)
    expect(text).not.toContain("Eero") // linkworker-2's client
    expect(viewed.reads.map((r) => r.referralId)).toEqual(viewed.view.entries.map((e) => e.referralId))
    for (const r of viewed.reads) expect(r).toMatchObject({ what: "link-worker-caseload", purpose: "link-work" })
  })

  it("follows reassignment: the previous link worker loses the referral", () => {
    const w = world([
      ...Fixtures.pathTo.Assigned(),
      Fixtures.assign({ linkWorker: Fixtures.otherLinkWorker(), at: Fixtures.at(3) })
    ])
    const first = success(Views.linkWorkerCaseload(Fixtures.linkWorkerActor, w.states, w.subjects, afterAll))
    expect(first.view.entries).toEqual([])
    const second = success(Views.linkWorkerCaseload(Fixtures.otherLinkWorkerActor, w.states, w.subjects, afterAll))
    expect(second.view.entries.map((e) => e.client?.givenName)).toEqual(["Aino"])
    expectForbidden(
      Views.linkWorkerReferral(Fixtures.linkWorkerActor, stateOf(w, Fixtures.referralId), w.subjects, afterAll),
      "not-assigned"
    )
  })

  it("one referral: the assigned link worker only; an ended one without personal data", () => {
    const w = mixed()
    expectForbidden(
      Views.linkWorkerReferral(Fixtures.otherLinkWorkerActor, stateOf(w, "r-active"), w.subjects, afterAll),
      "not-assigned"
    )
    expectForbidden(
      Views.linkWorkerReferral(Fixtures.linkWorkerActor, stateOf(w, "r-submitted"), w.subjects, afterAll),
      "not-assigned"
    )
    const ended = world(Fixtures.pathTo.FollowedUp())
    const viewed = success(
      Views.linkWorkerReferral(Fixtures.linkWorkerActor, stateOf(ended, Fixtures.referralId), ended.subjects, afterAll)
    )
    expect(viewed.view.status).toBe("FollowedUp")
    expect(viewed.view.client).toBeUndefined()
    expect(viewed.reads).toEqual([])
  })

  it("allows the text message only with contact-by-sms consent and a valid number (C2)", () => {
    const w = mixed()
    const entry = (referralId: string, lw: Actor.Actor) =>
      success(Views.linkWorkerReferral(lw, stateOf(w, referralId), w.subjects, afterAll)).view
    expect(entry("r-active", Fixtures.linkWorkerActor).textMessageAllowed).toBe(true)
    const withdrawn = world([
      ...Fixtures.pathTo.Assigned(),
      Fixtures.recordConsent("contact-by-sms", "withdrawn", { actor: Fixtures.client, at: Fixtures.at(3) })
    ])
    const view = success(
      Views.linkWorkerReferral(
        Fixtures.linkWorkerActor,
        stateOf(withdrawn, Fixtures.referralId),
        withdrawn.subjects,
        afterAll
      )
    ).view
    expect(view.textMessageAllowed).toBe(false)
  })
})

describe("Views: referrer", () => {
  it.each(Lifecycle.states)("reports %s with its FHIR Task status", (status) => {
    const w = world(Fixtures.pathTo[status]())
    const viewed = success(
      Views.referralStatus(Fixtures.referrer, stateOf(w, Fixtures.referralId), w.subjects, afterAll)
    )
    expect(viewed.view.status).toBe(status)
    expect(viewed.view.task).toEqual(Lifecycle.fhirTaskStatus[status])
  })

  it("refuses another referrer, and does not tell an unknown referral apart", () => {
    const w = mixed()
    const error = expectForbidden(
      Views.referralStatus(Fixtures.otherReferrer, stateOf(w, "r-closed"), w.subjects, afterAll),
      "not-own-referral"
    )
    const unknown = expectForbidden(
      Views.referralStatus(Fixtures.referrer, Referral.initialState, w.subjects, afterAll),
      "not-own-referral"
    )
    expect(unknown.message).toBe(error.message)
  })

  it("a namesake in another organisation (same professional id) is another referrer", () => {
    const w = world(Fixtures.pathTo.Closed())
    const namesake = Actor.make("Referrer", Fixtures.referrer.id, "another-health-centre", "nurse")
    expectForbidden(
      Views.referralStatus(namesake, stateOf(w, Fixtures.referralId), w.subjects, afterAll),
      "not-own-referral"
    )
    expect(success(Views.referrerOverview(namesake, w.states, afterAll)).view).toEqual([])
  })

  it("the overview lists the referrer's own referrals, without feedback text or personal data", () => {
    const w = world([
      ...Fixtures.pathTo.Closed(),
      ...on("r-doctor", "s-2", [submitAs("Bertta", { actor: Fixtures.otherReferrer })])
    ])
    const mine = success(Views.referrerOverview(Fixtures.referrer, w.states, afterAll))
    expect(mine.view.map((s) => s.referralId)).toEqual([Fixtures.referralId])
    expect(mine.reads).toEqual([])
    const theirs = success(Views.referrerOverview(Fixtures.otherReferrer, w.states, afterAll))
    expect(theirs.view.map((s) => s.referralId)).toEqual(["r-doctor"])
    const text = JSON.stringify([mine.view, theirs.view])
    for (const secret of ["Aino", "Bertta", identityCode, e164, Fixtures.close().feedback])
      expect(text).not.toContain(secret)
  })

  it("tells the referrer why the feedback is not readable", () => {
    const read = (commands: ReadonlyArray<Cmd>) => {
      const w = world(commands)
      return success(Views.referralStatus(Fixtures.referrer, stateOf(w, Fixtures.referralId), w.subjects, afterAll))
        .view
    }
    const grant = Fixtures.recordConsent("feedback-to-referrer", "granted", { actor: Fixtures.client })
    expect(read([Fixtures.submit({ feedbackRequested: false })]).feedback).toBe("not-requested")
    expect(read(Fixtures.pathTo.Active()).feedback).toBe("not-consented")
    expect(read([...Fixtures.pathTo.Active(), grant]).feedback).toBe("not-written")
    const closed = read([...Fixtures.pathTo.Active(), grant, Fixtures.close()])
    expect(closed.feedback).toBe("available")
    expect(closed.feedbackText).toBe(Fixtures.close().feedback)
    const lateGrant = Fixtures.recordConsent("feedback-to-referrer", "granted", {
      actor: Fixtures.client,
      at: Fixtures.at(24 * 300)
    })
    expect(read([...Fixtures.pathTo.FollowedUp(), lateGrant, Fixtures.erase()]).feedback).toBe("erased")
  })

  it("C3: the feedback is read only when asked for, granted, in force and written; each read is a disclosure", () => {
    const readAt = Fixtures.at(24 * 500)
    const decision = fc.constantFrom("granted" as const, "refused" as const, "withdrawn" as const)
    fc.assert(
      fc.property(
        fc.record({
          requested: fc.boolean(),
          decisions: fc.array(decision, { maxLength: 3 }),
          expiry: fc.constantFrom("none", "before-read", "after-read"),
          stage: fc.constantFrom("active", "closed", "followed-up", "erased"),
          atSubmission: fc.boolean()
        }),
        ({ requested, decisions, expiry, stage, atSubmission }) => {
          const expiresAt = expiry === "none" ? undefined : Fixtures.at(24 * 500 + (expiry === "before-read" ? -1 : 1))
          const consent = (d: "granted" | "refused" | "withdrawn") => ({
            ...Fixtures.consentGiven("feedback-to-referrer", d),
            ...(expiresAt === undefined ? {} : { expiresAt })
          })
          const last = decisions.at(-1)
          // the first decision may come with the referral itself
          const [first, ...rest] = atSubmission ? decisions : []
          const later = atSubmission ? rest : decisions
          const commands: Array<Cmd> = [
            Fixtures.submit({
              feedbackRequested: requested,
              consents: [...Fixtures.defaultConsents, ...(first === undefined ? [] : [consent(first)])]
            }),
            Fixtures.assign(),
            Fixtures.scheduleCall(),
            Fixtures.firstContact(),
            ...later.map((d, i) =>
              Fixtures.recordConsent("feedback-to-referrer", d, {
                actor: Fixtures.client,
                at: Fixtures.at(30 + i),
                consent: consent(d)
              })
            ),
            ...(stage === "active" ? [] : [Fixtures.close()]),
            ...(stage === "followed-up" || stage === "erased" ? [Fixtures.expireFollowUp()] : []),
            ...(stage === "erased" ? [Fixtures.erase()] : [])
          ]
          const w = world(commands)
          const viewed = success(
            Views.referralStatus(Fixtures.referrer, stateOf(w, Fixtures.referralId), w.subjects, readAt)
          )
          const c3 =
            requested &&
            last === "granted" &&
            (expiresAt === undefined || readAt < expiresAt) &&
            (stage === "closed" || stage === "followed-up")
          expect(viewed.view.feedbackText !== undefined).toBe(c3)
          expect(viewed.view.feedback === "available").toBe(c3)
          if (c3) {
            expect(viewed.view.feedbackText).toBe(Fixtures.close().feedback)
            expect(viewed.disclosures).toEqual([
              {
                subjectId: stateOf(w, Fixtures.referralId).subjectId,
                referralId: Fixtures.referralId,
                recipientId: Fixtures.referrer.id,
                recipientOrganisation: Fixtures.referrer.organisation,
                what: "closing-feedback",
                legalBasis: Views.feedbackLegalBasis
              }
            ])
            expect(viewed.reads).toHaveLength(1)
          } else {
            expect(viewed.disclosures).toEqual([])
            expect(viewed.reads).toEqual([])
            expect(JSON.stringify(viewed.view)).not.toContain(Fixtures.close().feedback)
          }
          // the overview never carries the text, whatever C3 says
          const overview = success(Views.referrerOverview(Fixtures.referrer, w.states, readAt))
          expect(overview.view.map((s) => s.feedback)).toEqual([viewed.view.feedback])
          expect(JSON.stringify(overview.view)).not.toContain(Fixtures.close().feedback)
        }
      ),
      { numRuns: 1000 }
    )
  })
})

describe("Views: client subject access", () => {
  const subject1 = sid("subject-1")
  const twoReferrals = () =>
    world([
      ...Fixtures.pathTo.Closed(),
      ...on("r-second", "subject-1", [Fixtures.submit({ at: Fixtures.at(1) })]),
      ...on("r-someone-else", "s-2", [submitAs("Bertta")])
    ])
  const usage = (subjectId: string): AuditLog.UsageEntry => ({
    at: Fixtures.at(50),
    actorId: Fixtures.linkWorkerActor.id,
    role: "LinkWorker",
    organisation: Fixtures.linkWorkerActor.organisation,
    subjectId: sid(subjectId),
    what: "link-worker-caseload",
    purpose: "link-work"
  })
  const disclosure = (subjectId: string): AuditLog.DisclosureEntry => ({
    at: Fixtures.at(60),
    subjectId: sid(subjectId),
    referralId: Fixtures.referralId,
    recipientId: Fixtures.referrer.id,
    recipientOrganisation: Fixtures.referrer.organisation,
    what: "closing-feedback",
    legalBasis: Views.feedbackLegalBasis
  })

  it("gives the client all their data, their referrals and who read or received it", () => {
    const w = twoReferrals()
    const log = { usage: [usage("subject-1"), usage("s-2")], disclosures: [disclosure("subject-1"), disclosure("s-2")] }
    const viewed = success(Views.subjectAccess(Fixtures.client, subject1, w.states, w.subjects.get("subject-1"), log))
    expect(viewed.view.personalData).toEqual(w.subjects.get("subject-1"))
    expect(viewed.view.personalData?.personalIdentityCode).toBe(identityCode)
    expect(viewed.view.personalData?.referrals[Fixtures.referralId]?.closingFeedback).toBe(Fixtures.close().feedback)
    expect(viewed.view.referrals.map((r) => [r.referralId, r.status, r.task.status])).toEqual([
      [Fixtures.referralId, "Closed", "completed"],
      ["r-second", "Submitted", "requested"]
    ])
    expect(viewed.view.usage).toEqual([usage("subject-1")])
    expect(viewed.view.disclosures).toEqual([disclosure("subject-1")])
    expect(viewed.reads).toEqual([{ subjectId: subject1, what: "subject-access", purpose: "subject-access" }])
  })

  it("is for that client only", () => {
    const w = twoReferrals()
    const log = { usage: [], disclosures: [] }
    const other = Actor.make("Client", "s-2", "kemijarvi-residents")
    expectForbidden(Views.subjectAccess(other, subject1, w.states, w.subjects.get("subject-1"), log), "not-subject")
    expectForbidden(
      Views.subjectAccess(Fixtures.coordinator, subject1, w.states, w.subjects.get("subject-1"), log),
      "role"
    )
    expectForbidden(Views.subjectAccess(Fixtures.linkWorkerActor, subject1, w.states, undefined, log), "role")
  })

  it("after erasure, still lists the pseudonymous referrals", () => {
    const w = world([...Fixtures.pathTo.FollowedUp(), Fixtures.erase()])
    expect(w.subjects.get("subject-1")).toBeUndefined()
    const viewed = success(
      Views.subjectAccess(Fixtures.client, subject1, w.states, undefined, { usage: [], disclosures: [] })
    )
    expect(viewed.view.personalData).toBeUndefined()
    expect(viewed.view.referrals.map((r) => r.personalDataErased)).toEqual([true])
  })
})

describe("Views: needs", () => {
  it("names exactly the vault entries each view shows", () => {
    const w = mixed()
    const inboxNeeds = success(Views.needs.coordinatorInbox(Fixtures.coordinator, kemijarvi, w.states))
    const inbox = success(Views.coordinatorInbox(Fixtures.coordinator, kemijarvi, w.states, w.subjects, afterAll))
    expect([...inboxNeeds].sort()).toEqual(inbox.reads.map((r) => r.subjectId).sort())
    const caseNeeds = success(Views.needs.linkWorkerCaseload(Fixtures.linkWorkerActor, w.states))
    const caseload = success(Views.linkWorkerCaseload(Fixtures.linkWorkerActor, w.states, w.subjects, afterAll))
    expect([...caseNeeds].sort()).toEqual(caseload.reads.map((r) => r.subjectId).sort())
    // a view given only what `needs` named shows the same
    const only = new Map([...w.subjects].filter(([id]) => caseNeeds.includes(sid(id))))
    expect(Views.linkWorkerCaseload(Fixtures.linkWorkerActor, w.states, only, afterAll)).toEqual(
      Views.linkWorkerCaseload(Fixtures.linkWorkerActor, w.states, w.subjects, afterAll)
    )
  })

  it("counts load over the same states as the capacity rule of ReferralService", () => {
    expect([...Views.activeStatuses].sort()).toEqual([...ReferralService.activeStatuses].sort())
  })

  it("linkWorkerLoad counts the active states only", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            status: fc.constantFrom(...Lifecycle.states),
            linkWorkerId: fc.option(fc.constantFrom("lw-a", "lw-b", "lw-c"), { nil: undefined })
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
          const load = Views.linkWorkerLoad(states)
          for (const id of ["lw-a", "lw-b", "lw-c"]) {
            const n = rows.filter(
              (r) => r.linkWorkerId === id && ["Assigned", "ContactScheduled", "Active", "OnHold"].includes(r.status)
            ).length
            expect(load.find((l) => l.linkWorkerId === id)?.activeClients ?? 0).toBe(n)
          }
          expect(load.every((l) => l.activeClients > 0)).toBe(true)
        }
      ),
      { numRuns: 1000 }
    )
  })
})
