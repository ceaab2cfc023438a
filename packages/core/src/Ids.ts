/**
 * Identifiers. All are opaque, non-empty strings chosen by the embedding
 * system (UUIDs, ULIDs or its own keys); none may carry personal data, since
 * they appear in events, logs and errors.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

const IdString = Schema.String.pipe(
  Schema.check(
    Schema.isMinLength(1),
    Schema.isMaxLength(128),
    Schema.isPattern(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/u, {
      message: "expected 1-128 letters, digits and . _ : - (starting with a letter or digit)"
    })
  )
)

/**
 * A referral's id: also its event stream's id.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ReferralId = IdString.pipe(Schema.brand("ReferralId"))
/**
 * @since 0.1.0
 * @category models
 */
export type ReferralId = typeof ReferralId.Type

/**
 * The pseudonymous key of a client's personal data in the vault.
 *
 * @since 0.1.0
 * @category schemas
 */
export const SubjectId = IdString.pipe(Schema.brand("SubjectId"))
/**
 * @since 0.1.0
 * @category models
 */
export type SubjectId = typeof SubjectId.Type

/**
 * A user of the system (a professional's account, a client's login, or a
 * system process).
 *
 * @since 0.1.0
 * @category schemas
 */
export const ActorId = IdString.pipe(Schema.brand("ActorId"))
/**
 * @since 0.1.0
 * @category models
 */
export type ActorId = typeof ActorId.Type

/**
 * An organisation (a wellbeing centre, an NGO, a parish, …).
 *
 * @since 0.1.0
 * @category schemas
 */
export const OrganisationId = IdString.pipe(Schema.brand("OrganisationId"))
/**
 * @since 0.1.0
 * @category models
 */
export type OrganisationId = typeof OrganisationId.Type

/**
 * A programme (one municipality's referral service).
 *
 * @since 0.1.0
 * @category schemas
 */
export const ProgrammeId = IdString.pipe(Schema.brand("ProgrammeId"))
/**
 * @since 0.1.0
 * @category models
 */
export type ProgrammeId = typeof ProgrammeId.Type

/**
 * The key that makes a command idempotent: the same key returns the first
 * result and appends nothing.
 *
 * @since 0.1.0
 * @category schemas
 */
export const IdempotencyKey = IdString.pipe(Schema.brand("IdempotencyKey"))
/**
 * @since 0.1.0
 * @category models
 */
export type IdempotencyKey = typeof IdempotencyKey.Type
