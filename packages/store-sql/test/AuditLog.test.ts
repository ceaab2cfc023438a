/**
 * The SQL audit log against the in-memory one: the same entries, recorded in
 * the same order, read back the same (`forSubject` gives both logs of one
 * subject oldest first, `refusals` every refusal oldest first), on SQLite and
 * PostgreSQL.
 */
import { describe, expect, it } from "@effect/vitest"
import { AuditLog, AuditLogMemory, Ids, Instant } from "@lahete/core"
import { SqlAuditLog } from "@lahete/store-sql"
import { Arbitraries } from "@lahete/testing"
import { Effect, Layer, Schema } from "effect"
import * as fc from "fast-check"
import { databases } from "./support/layers.js"

const subjectId = Schema.decodeSync(Ids.SubjectId)
const referralId = Schema.decodeSync(Ids.ReferralId)
const actorId = Schema.decodeSync(Ids.ActorId)
const organisationId = Schema.decodeSync(Ids.OrganisationId)

const subjects = [subjectId("subject-a"), subjectId("subject-b"), subjectId("subject-c")]
const subject = fc.constantFrom(...subjects)
const text = fc.string({ unit: "grapheme", maxLength: 40 })
const maybeReferral = fc.option(Arbitraries.referralId, { nil: undefined })

const usage: fc.Arbitrary<AuditLog.UsageEntry> = fc
  .record({
    at: Arbitraries.instant(),
    actorId: Arbitraries.actorId,
    role: Arbitraries.role,
    organisation: Arbitraries.organisationId,
    subjectId: subject,
    referralId: maybeReferral,
    what: text,
    purpose: text
  })
  .map(({ referralId, ...e }) => ({ ...e, ...(referralId === undefined ? {} : { referralId }) }))

const disclosure: fc.Arbitrary<AuditLog.DisclosureEntry> = fc
  .record({
    at: Arbitraries.instant(),
    subjectId: subject,
    referralId: maybeReferral,
    recipientId: Arbitraries.actorId,
    recipientOrganisation: Arbitraries.organisationId,
    what: text,
    legalBasis: text
  })
  .map(({ referralId, ...e }) => ({ ...e, ...(referralId === undefined ? {} : { referralId }) }))

const refusal: fc.Arbitrary<AuditLog.RefusalEntry> = fc
  .record({
    at: Arbitraries.instant(),
    actorId: Arbitraries.actorId,
    role: Arbitraries.role,
    organisation: Arbitraries.organisationId,
    referralId: maybeReferral,
    action: text,
    reason: text
  })
  .map(({ referralId, ...e }) => ({ ...e, ...(referralId === undefined ? {} : { referralId }) }))

type Op =
  | { readonly _tag: "usage"; readonly entry: AuditLog.UsageEntry }
  | { readonly _tag: "disclosure"; readonly entry: AuditLog.DisclosureEntry }
  | { readonly _tag: "refusal"; readonly entry: AuditLog.RefusalEntry }

const op: fc.Arbitrary<Op> = fc.oneof(
  usage.map((entry) => ({ _tag: "usage" as const, entry })),
  disclosure.map((entry) => ({ _tag: "disclosure" as const, entry })),
  refusal.map((entry) => ({ _tag: "refusal" as const, entry }))
)

const record = (log: AuditLog.Shape, o: Op) =>
  o._tag === "usage"
    ? log.recordUsage(o.entry)
    : o._tag === "disclosure"
      ? log.recordDisclosure(o.entry)
      : log.recordRefusal(o.entry)

/** Everything the log returns: both logs per subject, and the refusals. */
const readAll = (log: AuditLog.Shape) =>
  Effect.gen(function* () {
    const perSubject = yield* Effect.forEach(subjects, (s) => log.forSubject(s))
    return { perSubject, refusals: yield* log.refusals() }
  })

for (const database of databases()) {
  const sqlLog = SqlAuditLog.layer.pipe(Layer.provide(database.client))
  const withLog = <A, E>(body: (log: AuditLog.Shape) => Effect.Effect<A, E>) =>
    AuditLog.AuditLog.use(body).pipe(Effect.provide(Layer.fresh(sqlLog)))

  describe(`SqlAuditLog on ${database.name}`, () => {
    it.live("entries round-trip, and forSubject returns both logs of the subject in order", () =>
      withLog((log) =>
        Effect.gen(function* () {
          const a = subjectId("subject-a")
          const at = (h: number) => Instant.make(Date.UTC(2026, 2, 2, h))
          const read: AuditLog.UsageEntry = {
            at: at(9),
            actorId: actorId("linkworker-1"),
            role: "LinkWorker",
            organisation: organisationId("kemijarvi-parish"),
            subjectId: a,
            referralId: referralId("referral-1"),
            what: "link-worker-caseload",
            purpose: "care"
          }
          const noReferral: AuditLog.UsageEntry = { ...read, at: at(8), what: "client-card", purpose: "contact" }
          const { referralId: _, ...withoutReferral } = noReferral
          const disclosed: AuditLog.DisclosureEntry = {
            at: at(10),
            subjectId: a,
            referralId: referralId("referral-1"),
            recipientId: actorId("nurse-1"),
            recipientOrganisation: organisationId("kemijarvi-wellbeing-centre"),
            what: "closing-feedback",
            legalBasis: "C3"
          }
          const otherSubject: AuditLog.UsageEntry = { ...read, subjectId: subjectId("subject-b") }
          const refused: AuditLog.RefusalEntry = {
            at: at(11),
            actorId: actorId("evaluator-1"),
            role: "Evaluator",
            organisation: organisationId("lapland-wellbeing-services-county"),
            action: "RecordMeeting",
            reason: "role"
          }
          yield* log.recordUsage(read)
          yield* log.recordUsage(otherSubject)
          yield* log.recordDisclosure(disclosed)
          yield* log.recordUsage(withoutReferral)
          yield* log.recordRefusal(refused)

          // oldest first means in the order recorded, not sorted by `at`
          expect(yield* log.forSubject(a)).toEqual({ usage: [read, withoutReferral], disclosures: [disclosed] })
          expect(yield* log.forSubject(subjectId("subject-b"))).toEqual({ usage: [otherSubject], disclosures: [] })
          expect(yield* log.forSubject(subjectId("subject-c"))).toEqual({ usage: [], disclosures: [] })
          expect(yield* log.refusals()).toEqual([refused])
          expect("referralId" in ((yield* log.forSubject(a)).usage[1] ?? {})).toBe(false)

          // an entry that does not match its schema is refused and not kept
          const bad = { ...read, at: "yesterday" } as unknown as AuditLog.UsageEntry
          const error = yield* Effect.flip(log.recordUsage(bad))
          expect(error).toMatchObject({ _tag: "AuditLogFailure", operation: "recordUsage" })
          expect(error.message).not.toContain("yesterday")
          expect((yield* log.forSubject(a)).usage).toHaveLength(2)
        })
      )
    )

    it.live("behaves as the in-memory log for any sequence of entries (property, 25 fresh databases)", () =>
      Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(fc.array(op, { maxLength: 30 }), (ops) =>
            Effect.runPromise(
              Effect.gen(function* () {
                const memory = yield* AuditLogMemory.make
                const [expected, actual] = yield* withLog((sql) =>
                  Effect.gen(function* () {
                    for (const o of ops) {
                      yield* record(memory, o)
                      yield* record(sql, o)
                    }
                    return [yield* readAll(memory), yield* readAll(sql)] as const
                  })
                )
                expect(actual).toEqual(expected)
              })
            )
          ),
          { numRuns: 25 }
        )
      )
    )
  })
}
