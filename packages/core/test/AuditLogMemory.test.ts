import { describe, expect, it } from "@effect/vitest"
import { AuditLog, AuditLogMemory, Ids } from "@lahete/core"
import { Fixtures } from "@lahete/testing"
import { Effect, Schema } from "effect"

const subject = (s: string) => Schema.decodeSync(Ids.SubjectId)(s)
const org = (s: string) => Schema.decodeSync(Ids.OrganisationId)(s)

const usage = (subjectId: string, hours: number, what: string): AuditLog.UsageEntry => ({
  at: Fixtures.at(hours),
  actorId: Fixtures.linkWorkerActor.id,
  role: "LinkWorker",
  organisation: Fixtures.linkWorkerActor.organisation,
  subjectId: subject(subjectId),
  referralId: Fixtures.referralId,
  what,
  purpose: "first-contact"
})

const disclosure = (subjectId: string, hours: number): AuditLog.DisclosureEntry => ({
  at: Fixtures.at(hours),
  subjectId: subject(subjectId),
  recipientId: Fixtures.referrer.id,
  recipientOrganisation: org("kemijarvi-wellbeing-centre"),
  what: "closing-feedback",
  legalBasis: "client-consent-C3"
})

describe("AuditLogMemory", () => {
  it.effect("exports both logs per subject, oldest first, and only that subject's entries", () =>
    Effect.gen(function* () {
      const log = yield* AuditLogMemory.make
      yield* log.recordUsage(usage("subject-1", 1, "link-worker-caseload"))
      yield* log.recordUsage(usage("subject-2", 2, "link-worker-caseload"))
      yield* log.recordDisclosure(disclosure("subject-1", 3))
      yield* log.recordUsage(usage("subject-1", 4, "contact-details"))
      yield* log.recordDisclosure(disclosure("subject-2", 5))

      const one = yield* log.forSubject(subject("subject-1"))
      expect(one.usage).toEqual([
        usage("subject-1", 1, "link-worker-caseload"),
        usage("subject-1", 4, "contact-details")
      ])
      expect(one.disclosures).toEqual([disclosure("subject-1", 3)])
      const two = yield* log.forSubject(subject("subject-2"))
      expect(two.usage).toEqual([usage("subject-2", 2, "link-worker-caseload")])
      expect(two.disclosures).toEqual([disclosure("subject-2", 5)])
      expect(yield* log.forSubject(subject("subject-3"))).toEqual({ usage: [], disclosures: [] })
    })
  )

  it.effect("keeps refused attempts in order", () =>
    Effect.gen(function* () {
      const log = yield* AuditLogMemory.make
      const refusal = (hours: number, action: string): AuditLog.RefusalEntry => ({
        at: Fixtures.at(hours),
        actorId: Fixtures.referrer.id,
        role: "Referrer",
        organisation: Fixtures.referrer.organisation,
        referralId: Fixtures.referralId,
        action,
        reason: "role"
      })
      expect(yield* log.refusals()).toEqual([])
      yield* log.recordRefusal(refusal(1, "AssignLinkWorker"))
      yield* log.recordRefusal(refusal(2, "ScheduleCall"))
      expect(yield* log.refusals()).toEqual([refusal(1, "AssignLinkWorker"), refusal(2, "ScheduleCall")])
    })
  )

  it.effect("refuses an entry that does not match its schema, without quoting it", () =>
    Effect.gen(function* () {
      const log = yield* AuditLogMemory.make
      const bad = { ...usage("subject-1", 1, "x"), at: "Aino Testinen 131052-308T" } as unknown as AuditLog.UsageEntry
      const error = yield* Effect.flip(log.recordUsage(bad))
      expect(error._tag).toBe("AuditLogFailure")
      expect(JSON.stringify(error)).not.toContain("Aino")
      expect(error.message).not.toContain("131052-308T")
      expect((yield* log.forSubject(subject("subject-1"))).usage).toEqual([])
    })
  )

  it.effect("every build of the layer is a new, empty log", () =>
    Effect.gen(function* () {
      const record = AuditLog.AuditLog.use((log) =>
        Effect.andThen(log.recordDisclosure(disclosure("subject-1", 1)), log.forSubject(subject("subject-1")))
      )
      expect((yield* Effect.provide(record, AuditLogMemory.layer)).disclosures).toHaveLength(1)
      expect((yield* Effect.provide(record, AuditLogMemory.layer)).disclosures).toHaveLength(1)
    })
  )
})
