import { describe, expect, it } from "@effect/vitest"
import {
  Actor,
  AuditLog,
  AuditLogMemory,
  Ids,
  PersonalData,
  Presets,
  Referral,
  type ReferralCommand,
  ReferralQueries,
  ReferralStore,
  ReferralStoreMemory,
  Views
} from "@lahete/core"
import { Fixtures } from "@lahete/testing"
import { Effect, Layer, Result, Schema } from "effect"
import { TestClock } from "effect/testing"
import { on } from "./support/world.js"

type Cmd = ReferralCommand.ReferralCommand

const sid = Schema.decodeSync(Ids.SubjectId)

/** Decides each command against the stored stream and appends its events and vault writes. */
const seed = (commands: ReadonlyArray<Cmd>) =>
  Effect.gen(function* () {
    const store = yield* ReferralStore.ReferralStore
    for (const c of commands) {
      const stream = yield* store.load(c.referralId)
      const state = Referral.fold(stream.events)
      const decided = Fixtures.decider.decide(c, state)
      if (Result.isFailure(decided)) return yield* Effect.die(`${c._tag} refused: ${decided.failure.message}`)
      const write = PersonalData.vaultWrite(c, state.subjectId)
      yield* store.append({
        referralId: c.referralId,
        expectedVersion: stream.version,
        events: decided.success,
        idempotencyKey: c.idempotencyKey,
        fingerprint: c._tag,
        vault: write === undefined ? [] : [write]
      })
    }
  })

const layer = Layer.mergeAll(ReferralStoreMemory.layer, AuditLogMemory.layer)

const logsOf = (subjectId: string) =>
  Effect.gen(function* () {
    const audit = yield* AuditLog.AuditLog
    return yield* audit.forSubject(sid(subjectId))
  })
const refusals = Effect.gen(function* () {
  const audit = yield* AuditLog.AuditLog
  return yield* audit.refusals()
})

const setNow = (hours: number) => TestClock.setTime(Date.parse(Fixtures.at(hours)))

const feedback = Fixtures.close().feedback
const grantFeedback = (overrides: Partial<Extract<Cmd, { _tag: "RecordConsent" }>> = {}) =>
  Fixtures.recordConsent("feedback-to-referrer", "granted", { actor: Fixtures.client, ...overrides })
const closedWithConsent = () => [...Fixtures.pathTo.Active(), grantFeedback(), Fixtures.close()]

const secrets = ["Aino", "Testinen", "010594Y9032", "+358401234567", feedback, Fixtures.submit().reasonText]

describe("ReferralQueries: usage log", () => {
  it.effect("a caseload read logs who read which client, what and why", () =>
    Effect.gen(function* () {
      yield* seed([
        ...Fixtures.pathTo.Active(),
        ...on("r-2", "s-2", [Fixtures.submit({ at: Fixtures.at(1) }), Fixtures.assign()])
      ])
      yield* setNow(30)
      const caseload = yield* ReferralQueries.linkWorkerCaseload(Fixtures.linkWorkerActor)
      expect(caseload.entries.map((e) => [e.referralId, e.client?.givenName])).toEqual([
        [Fixtures.referralId, "Aino"],
        ["r-2", "Aino"]
      ])
      const entry = (subjectId: string, referralId: string) => ({
        at: Fixtures.at(30),
        actorId: Fixtures.linkWorkerActor.id,
        role: "LinkWorker",
        organisation: Fixtures.linkWorkerActor.organisation,
        subjectId,
        referralId,
        what: "link-worker-caseload",
        purpose: "link-work"
      })
      expect(yield* logsOf("subject-1")).toEqual({ usage: [entry("subject-1", Fixtures.referralId)], disclosures: [] })
      expect(yield* logsOf("s-2")).toEqual({ usage: [entry("s-2", "r-2")], disclosures: [] })
      expect(yield* refusals).toEqual([])
    }).pipe(Effect.provide(layer))
  )

  it.effect("the coordinator inbox logs only the clients it shows", () =>
    Effect.gen(function* () {
      yield* seed([
        ...Fixtures.pathTo.Submitted(),
        ...on("r-active", "s-2", [
          Fixtures.submit({ at: Fixtures.at(1) }),
          Fixtures.assign(),
          Fixtures.scheduleCall(),
          Fixtures.firstContact()
        ]),
        ...on("r-sodankyla", "s-3", [Fixtures.submit({ programmeId: Presets.sodankyla.id })])
      ])
      yield* setNow(30)
      const inbox = yield* ReferralQueries.coordinatorInbox(Fixtures.coordinator, {
        programmeIds: [Presets.kemijarvi.id]
      })
      expect(inbox.entries.map((e) => [e.referralId, e.client !== undefined])).toEqual([
        [Fixtures.referralId, true],
        ["r-active", false]
      ])
      const usage = (yield* logsOf("subject-1")).usage
      expect(usage).toHaveLength(1)
      expect(usage[0]).toMatchObject({
        actorId: Fixtures.coordinator.id,
        role: "Coordinator",
        referralId: Fixtures.referralId,
        what: "coordinator-inbox",
        purpose: "referral-handover"
      })
      expect((yield* logsOf("s-2")).usage).toEqual([])
      expect((yield* logsOf("s-3")).usage).toEqual([])
    }).pipe(Effect.provide(layer))
  )

  it.effect("the referrer overview reads no personal data and logs nothing", () =>
    Effect.gen(function* () {
      yield* seed(closedWithConsent())
      const overview = (yield* ReferralQueries.referrerOverview(Fixtures.referrer)).entries
      expect(overview.map((s) => [s.status, s.feedback])).toEqual([["Closed", "available"]])
      expect(JSON.stringify(overview)).not.toContain(feedback)
      expect(yield* logsOf("subject-1")).toEqual({ usage: [], disclosures: [] })
    }).pipe(Effect.provide(layer))
  )
})

describe("ReferralQueries: C3 and the disclosure log", () => {
  it.effect("the referrer's feedback read is a usage and a disclosure on the client's consent", () =>
    Effect.gen(function* () {
      yield* seed(closedWithConsent())
      yield* setNow(24 * 121)
      const status = yield* ReferralQueries.referralStatus(Fixtures.referrer, Fixtures.referralId)
      expect(status.feedbackText).toBe(feedback)
      expect(status.task).toEqual({ status: "completed" })
      const logs = yield* logsOf("subject-1")
      expect(logs.disclosures).toEqual([
        {
          at: Fixtures.at(24 * 121),
          subjectId: "subject-1",
          referralId: Fixtures.referralId,
          recipientId: Fixtures.referrer.id,
          recipientOrganisation: Fixtures.referrer.organisation,
          what: "closing-feedback",
          legalBasis: "consent:feedback-to-referrer"
        }
      ])
      expect(logs.usage).toEqual([
        {
          at: Fixtures.at(24 * 121),
          actorId: Fixtures.referrer.id,
          role: "Referrer",
          organisation: Fixtures.referrer.organisation,
          subjectId: "subject-1",
          referralId: Fixtures.referralId,
          what: "closing-feedback",
          purpose: "closed-loop-feedback"
        }
      ])
    }).pipe(Effect.provide(layer))
  )

  it.effect("after the client withdraws, the feedback is not given and nothing more is disclosed", () =>
    Effect.gen(function* () {
      yield* seed(closedWithConsent())
      yield* setNow(24 * 121)
      expect((yield* ReferralQueries.referralStatus(Fixtures.referrer, Fixtures.referralId)).feedbackText).toBe(
        feedback
      )
      yield* seed([
        Fixtures.recordConsent("feedback-to-referrer", "withdrawn", {
          actor: Fixtures.client,
          at: Fixtures.at(24 * 122)
        })
      ])
      yield* setNow(24 * 123)
      const after = yield* ReferralQueries.referralStatus(Fixtures.referrer, Fixtures.referralId)
      expect(after.feedback).toBe("not-consented")
      expect(after.feedbackText).toBeUndefined()
      const logs = yield* logsOf("subject-1")
      expect(logs.disclosures).toHaveLength(1)
      expect(logs.usage).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  )

  it.effect("consent expiry is checked at read time", () =>
    Effect.gen(function* () {
      const expiresAt = Fixtures.at(24 * 200)
      yield* seed([
        ...Fixtures.pathTo.Active(),
        grantFeedback({ consent: { ...Fixtures.consentGiven("feedback-to-referrer"), expiresAt } }),
        Fixtures.close()
      ])
      yield* setNow(24 * 200 - 1)
      expect((yield* ReferralQueries.referralStatus(Fixtures.referrer, Fixtures.referralId)).feedbackText).toBe(
        feedback
      )
      yield* setNow(24 * 200)
      const expired = yield* ReferralQueries.referralStatus(Fixtures.referrer, Fixtures.referralId)
      expect(expired.feedback).toBe("not-consented")
      expect(expired.feedbackText).toBeUndefined()
      expect((yield* logsOf("subject-1")).disclosures).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  )

  it.effect("without the referrer's request there is nothing to read, whatever the client granted", () =>
    Effect.gen(function* () {
      yield* seed([
        Fixtures.submit({ feedbackRequested: false }),
        Fixtures.assign(),
        Fixtures.scheduleCall(),
        Fixtures.firstContact(),
        grantFeedback(),
        Fixtures.close()
      ])
      const status = yield* ReferralQueries.referralStatus(Fixtures.referrer, Fixtures.referralId)
      expect(status.feedback).toBe("not-requested")
      expect(status.feedbackText).toBeUndefined()
      expect(yield* logsOf("subject-1")).toEqual({ usage: [], disclosures: [] })
    }).pipe(Effect.provide(layer))
  )
})

describe("ReferralQueries: refusals", () => {
  it.effect("another referrer is refused, the refusal is logged, nothing is read", () =>
    Effect.gen(function* () {
      yield* seed(closedWithConsent())
      yield* setNow(24 * 121)
      const error = yield* Effect.flip(ReferralQueries.referralStatus(Fixtures.otherReferrer, Fixtures.referralId))
      expect(error._tag).toBe("Forbidden")
      expect(error).toMatchObject({ role: "Referrer", action: "read referral-status", reason: "not-own-referral" })
      expect(yield* refusals).toEqual([
        {
          at: Fixtures.at(24 * 121),
          actorId: Fixtures.otherReferrer.id,
          role: "Referrer",
          organisation: Fixtures.otherReferrer.organisation,
          referralId: Fixtures.referralId,
          action: "read referral-status",
          reason: "not-own-referral"
        }
      ])
      expect(yield* logsOf("subject-1")).toEqual({ usage: [], disclosures: [] })
    }).pipe(Effect.provide(layer))
  )

  it.effect("a link worker not assigned is refused and logged", () =>
    Effect.gen(function* () {
      yield* seed(Fixtures.pathTo.Active())
      const error = yield* Effect.flip(
        ReferralQueries.linkWorkerReferral(Fixtures.otherLinkWorkerActor, Fixtures.referralId)
      )
      expect(error).toMatchObject({ _tag: "Forbidden", reason: "not-assigned" })
      expect((yield* refusals).map((r) => [r.actorId, r.referralId, r.reason])).toEqual([
        [Fixtures.otherLinkWorkerActor.id, Fixtures.referralId, "not-assigned"]
      ])
      expect((yield* logsOf("subject-1")).usage).toEqual([])
      // the assigned one reads it, and that read is logged
      const entry = yield* ReferralQueries.linkWorkerReferral(Fixtures.linkWorkerActor, Fixtures.referralId)
      expect(entry.client?.givenName).toBe("Aino")
      expect((yield* logsOf("subject-1")).usage.map((u) => [u.actorId, u.what])).toEqual([
        [Fixtures.linkWorkerActor.id, "link-worker-referral"]
      ])
    }).pipe(Effect.provide(layer))
  )

  it.effect("the evaluator is refused by every query; each attempt is logged; errors carry no personal data", () =>
    Effect.gen(function* () {
      yield* seed(closedWithConsent())
      const actor = Fixtures.evaluator
      const attempts: ReadonlyArray<Effect.Effect<unknown, ReferralQueries.QueryError, ReferralQueries.Requirements>> =
        [
          ReferralQueries.coordinatorInbox(actor, { programmeIds: [Presets.kemijarvi.id] }),
          ReferralQueries.linkWorkerCaseload(actor),
          ReferralQueries.linkWorkerReferral(actor, Fixtures.referralId),
          ReferralQueries.referrerOverview(actor),
          ReferralQueries.referralStatus(actor, Fixtures.referralId),
          ReferralQueries.subjectAccess(actor, sid("subject-1"))
        ]
      for (const attempt of attempts) {
        const error = yield* Effect.flip(attempt)
        expect(error).toMatchObject({ _tag: "Forbidden", role: "Evaluator", reason: "role" })
        const text = `${error.message} ${JSON.stringify(error)}`
        for (const secret of secrets) expect(text).not.toContain(secret)
      }
      const logged = yield* refusals
      expect(logged.map((r) => r.action)).toEqual(Object.keys(Views.allowedRoles).map((v) => `read ${v}`))
      expect(logged.every((r) => r.actorId === actor.id && r.reason === "role")).toBe(true)
      expect(yield* logsOf("subject-1")).toEqual({ usage: [], disclosures: [] })
      for (const entry of logged) for (const secret of secrets) expect(JSON.stringify(entry)).not.toContain(secret)
    }).pipe(Effect.provide(layer))
  )

  it.effect("another client cannot read a subject's data", () =>
    Effect.gen(function* () {
      yield* seed(Fixtures.pathTo.Active())
      const other = Actor.make("Client", "subject-2", "kemijarvi-residents")
      const error = yield* Effect.flip(ReferralQueries.subjectAccess(other, sid("subject-1")))
      expect(error).toMatchObject({ _tag: "Forbidden", reason: "not-subject" })
      expect((yield* refusals).map((r) => r.actorId)).toEqual(["subject-2"])
      expect((yield* logsOf("subject-1")).usage).toEqual([])
    }).pipe(Effect.provide(layer))
  )
})

describe("ReferralQueries: subject access", () => {
  it.effect("the client sees their data and who read it and to whom it was disclosed", () =>
    Effect.gen(function* () {
      yield* seed(closedWithConsent())
      yield* setNow(24 * 110)
      yield* ReferralQueries.linkWorkerCaseload(Fixtures.linkWorkerActor)
      yield* setNow(24 * 121)
      yield* ReferralQueries.referralStatus(Fixtures.referrer, Fixtures.referralId)
      yield* setNow(24 * 122)
      const access = yield* ReferralQueries.subjectAccess(Fixtures.client, sid("subject-1"))
      expect(access.personalData?.givenName).toBe("Aino")
      expect(access.personalData?.personalIdentityCode).toBe("010594Y9032")
      expect(access.personalData?.referrals[Fixtures.referralId]?.closingFeedback).toBe(feedback)
      expect(access.referrals.map((r) => [r.referralId, r.status])).toEqual([[Fixtures.referralId, "Closed"]])
      expect(access.usage.map((u) => [u.actorId, u.what, u.at])).toEqual([
        [Fixtures.linkWorkerActor.id, "link-worker-caseload", Fixtures.at(24 * 110)],
        [Fixtures.referrer.id, "closing-feedback", Fixtures.at(24 * 121)]
      ])
      expect(access.disclosures.map((d) => [d.recipientId, d.legalBasis])).toEqual([
        [Fixtures.referrer.id, "consent:feedback-to-referrer"]
      ])
      // the access itself is logged, and shows up in the next one
      const again = yield* ReferralQueries.subjectAccess(Fixtures.client, sid("subject-1"))
      expect(again.usage.at(-1)).toMatchObject({
        actorId: Fixtures.client.id,
        role: "Client",
        what: "subject-access",
        purpose: "subject-access",
        at: Fixtures.at(24 * 122)
      })
      expect(again.usage).toHaveLength(3)
    }).pipe(Effect.provide(layer))
  )
})

describe("ReferralQueries: the audit log must not be skipped", () => {
  const failingUsage = Layer.mergeAll(
    ReferralStoreMemory.layer,
    Layer.effect(
      AuditLog.AuditLog,
      Effect.map(AuditLogMemory.make, (log) =>
        AuditLog.AuditLog.of({
          ...log,
          recordUsage: () =>
            Effect.fail(new AuditLog.AuditLogFailure({ operation: "recordUsage", detail: "disk full" })),
          recordUsages: () =>
            Effect.fail(new AuditLog.AuditLogFailure({ operation: "recordUsages", detail: "disk full" }))
        })
      )
    )
  )

  it.effect("when the usage cannot be logged, the data is not returned", () =>
    Effect.gen(function* () {
      yield* seed(Fixtures.pathTo.Active())
      const error = yield* Effect.flip(ReferralQueries.linkWorkerCaseload(Fixtures.linkWorkerActor))
      expect(error._tag).toBe("AuditLogFailure")
      for (const secret of secrets) expect(JSON.stringify(error)).not.toContain(secret)
    }).pipe(Effect.provide(failingUsage))
  )
})
