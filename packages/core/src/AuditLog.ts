/**
 * The `AuditLog` port: the usage log (käyttöloki: every read of personal data:
 * who, role, what, purpose, when), the disclosure log (luovutusloki: to whom,
 * on what legal basis) and refused attempts (an actor outside its role).
 * Both logs are exportable per client (Act 703/2023 §11). Entries carry ids
 * and codes, never the personal data read.
 *
 * @since 0.1.0
 */
import { Context, type Effect, Schema } from "effect"
import { type Actor, Role } from "./Actor.js"
import { ActorId, OrganisationId, ReferralId, SubjectId } from "./Ids.js"
import { type Instant, InstantSchema } from "./Instant.js"

/**
 * A read of personal data.
 *
 * @since 0.1.0
 * @category schemas
 */
export const UsageEntry = Schema.Struct({
  at: InstantSchema,
  actorId: ActorId,
  role: Role,
  organisation: OrganisationId,
  subjectId: SubjectId,
  referralId: Schema.optionalKey(ReferralId),
  /** What was read: a view or field name (`link-worker-caseload`, `closing-feedback`, …). */
  what: Schema.String,
  purpose: Schema.String
})
/**
 * @since 0.1.0
 * @category models
 */
export type UsageEntry = typeof UsageEntry.Type

/**
 * The usage entry of `actor` reading personal data at `at`: who (the actor's
 * id, role and organisation), whose (`read.subjectId`, the referral when
 * there is one), what and for what purpose.
 *
 * @since 0.3.0
 * @category constructors
 */
export const usageBy = (
  actor: Actor,
  at: Instant,
  read: {
    readonly subjectId: SubjectId
    readonly referralId?: ReferralId | undefined
    readonly what: string
    readonly purpose: string
  }
): UsageEntry => ({
  at,
  actorId: actor.id,
  role: actor.role,
  organisation: actor.organisation,
  subjectId: read.subjectId,
  ...(read.referralId === undefined ? {} : { referralId: read.referralId }),
  what: read.what,
  purpose: read.purpose
})

/**
 * A disclosure of personal data to someone outside the service (the referrer
 * reading the closing feedback under C3, a transport sending it back).
 *
 * @since 0.1.0
 * @category schemas
 */
export const DisclosureEntry = Schema.Struct({
  at: InstantSchema,
  subjectId: SubjectId,
  referralId: Schema.optionalKey(ReferralId),
  recipientId: ActorId,
  recipientOrganisation: OrganisationId,
  what: Schema.String,
  legalBasis: Schema.String
})
/**
 * @since 0.1.0
 * @category models
 */
export type DisclosureEntry = typeof DisclosureEntry.Type

/**
 * A refused attempt (`Forbidden`).
 *
 * @since 0.1.0
 * @category schemas
 */
export const RefusalEntry = Schema.Struct({
  at: InstantSchema,
  actorId: ActorId,
  role: Role,
  organisation: OrganisationId,
  referralId: Schema.optionalKey(ReferralId),
  action: Schema.String,
  reason: Schema.String
})
/**
 * @since 0.1.0
 * @category models
 */
export type RefusalEntry = typeof RefusalEntry.Type

/**
 * The audit log failed. Nothing about the entry is in `detail`.
 *
 * @since 0.1.0
 * @category errors
 */
export class AuditLogFailure extends Schema.TaggedError<AuditLogFailure>()("AuditLogFailure", {
  operation: Schema.String,
  detail: Schema.String
}) {}

/**
 * The audit log's operations.
 *
 * @since 0.1.0
 * @category models
 */
export interface Shape {
  readonly recordUsage: (entry: UsageEntry) => Effect.Effect<void, AuditLogFailure>
  /**
   * Records the reads of one view together (one statement in the SQL log):
   * all of them or, on failure, none. An empty list writes nothing.
   *
   * @since 0.2.0
   */
  readonly recordUsages: (entries: ReadonlyArray<UsageEntry>) => Effect.Effect<void, AuditLogFailure>
  readonly recordDisclosure: (entry: DisclosureEntry) => Effect.Effect<void, AuditLogFailure>
  readonly recordRefusal: (entry: RefusalEntry) => Effect.Effect<void, AuditLogFailure>
  /** Both logs for one client, oldest first (subject access). */
  readonly forSubject: (
    subjectId: SubjectId
  ) => Effect.Effect<
    { readonly usage: ReadonlyArray<UsageEntry>; readonly disclosures: ReadonlyArray<DisclosureEntry> },
    AuditLogFailure
  >
  /** Refused attempts, oldest first. */
  readonly refusals: () => Effect.Effect<ReadonlyArray<RefusalEntry>, AuditLogFailure>
}

/**
 * The `AuditLog` service.
 *
 * @since 0.1.0
 * @category services
 */
export class AuditLog extends Context.Service<AuditLog, Shape>()("@lahete/core/AuditLog") {}
