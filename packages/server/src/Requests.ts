/**
 * The request bodies of the command endpoints: each command of
 * `@lahete/core` without what the server sets itself. The actor comes from the
 * access token, `at` from the server's clock, the idempotency key from the
 * `Idempotency-Key` header and the referral id from the path; none of them may
 * be sent in a body (an unknown field is refused with 400).
 *
 * Submission is the exception for the ids: `referralId` and `subjectId` may be
 * given (the embedding system's own pseudonymous keys; the client's subject id
 * is what the client later signs in as for subject access) or left out, in
 * which case both are derived from the caller and the idempotency key, so a
 * retried submission names the same referral.
 *
 * @since 0.1.0
 */
import { Ids, LinkWorker as LinkWorkerModule, ReferralCommand } from "@lahete/core"
import { Schema, Struct } from "effect"

/** The fields the server sets on every command. */
const serverSet = ["_tag", "referralId", "idempotencyKey", "actor", "at"] as const

/**
 * The `Idempotency-Key` header: 1–255 visible ASCII characters (a UUID is a
 * good choice). It is scoped to the caller: the same key sent by another user
 * is another key.
 *
 * @since 0.1.0
 * @category schemas
 */
export const IdempotencyKeyHeader = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^[\x21-\x7E]{1,255}$/, { message: "expected 1-255 visible ASCII characters" }))
).annotate({
  description:
    "Makes the command idempotent: a request repeated with the same key (by the same user) returns the first result and changes nothing; the same key with a different command is refused with 409."
})

/**
 * The headers of every command endpoint.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CommandHeaders = { "idempotency-key": IdempotencyKeyHeader }

/**
 * `POST /referrals`: a referral, made by the referrer together with the
 * client. `referralId` and `subjectId` are optional (see the module
 * documentation).
 *
 * @since 0.1.0
 * @category schemas
 */
export const SubmitReferral = ReferralCommand.SubmitReferral.mapFields((fields) => ({
  ...Struct.omit(fields, serverSet),
  referralId: Schema.optionalKey(Ids.ReferralId),
  subjectId: Schema.optionalKey(Ids.SubjectId)
})).annotate({ identifier: "SubmitReferralBody" })

/**
 * `POST /referrals/{referralId}/assign`: the link worker to assign, from the
 * registry.
 *
 * @since 0.1.0
 * @category schemas
 */
export const AssignLinkWorker = Schema.Struct({ linkWorkerId: Ids.ActorId }).annotate({
  identifier: "AssignLinkWorkerBody"
})

const body = <F extends Schema.Struct.Fields>(command: Schema.Struct<F>, identifier: string) =>
  command.mapFields((fields) => Struct.omit(fields, serverSet)).annotate({ identifier })

/**
 * @since 0.1.0
 * @category schemas
 */
export const RejectReferral = body(ReferralCommand.RejectReferral, "RejectReferralBody")
/**
 * @since 0.1.0
 * @category schemas
 */
export const CancelReferral = body(ReferralCommand.CancelReferral, "CancelReferralBody")
/**
 * @since 0.1.0
 * @category schemas
 */
export const ScheduleCall = body(ReferralCommand.ScheduleCall, "ScheduleCallBody")
/**
 * @since 0.1.0
 * @category schemas
 */
export const RecordFailedContactAttempt = body(
  ReferralCommand.RecordFailedContactAttempt,
  "RecordFailedContactAttemptBody"
)
/**
 * @since 0.1.0
 * @category schemas
 */
export const RecordFirstContact = body(ReferralCommand.RecordFirstContact, "RecordFirstContactBody")
/**
 * @since 0.1.0
 * @category schemas
 */
export const PutOnHold = body(ReferralCommand.PutOnHold, "PutOnHoldBody")
/**
 * An empty object (or an empty body).
 *
 * @since 0.1.0
 * @category schemas
 */
export const ResumeReferral = body(ReferralCommand.ResumeReferral, "ResumeReferralBody")
/**
 * @since 0.1.0
 * @category schemas
 */
export const RecordMeeting = body(ReferralCommand.RecordMeeting, "RecordMeetingBody")
/**
 * @since 0.1.0
 * @category schemas
 */
export const AgreeContactArrangement = body(ReferralCommand.AgreeContactArrangement, "AgreeContactArrangementBody")
/**
 * @since 0.1.0
 * @category schemas
 */
export const RecordMeasure = body(ReferralCommand.RecordMeasure, "RecordMeasureBody")
/**
 * @since 0.1.0
 * @category schemas
 */
export const CloseReferral = body(ReferralCommand.CloseReferral, "CloseReferralBody")
/**
 * An empty object (or an empty body).
 *
 * @since 0.1.0
 * @category schemas
 */
export const ExpireFollowUp = body(ReferralCommand.ExpireFollowUp, "ExpireFollowUpBody")
/**
 * @since 0.1.0
 * @category schemas
 */
export const RecordDeadline = body(ReferralCommand.RecordDeadline, "RecordDeadlineBody")
/**
 * @since 0.1.0
 * @category schemas
 */
export const RecordMessageOutcome = body(ReferralCommand.RecordMessageOutcome, "RecordMessageOutcomeBody")
/**
 * @since 0.1.0
 * @category schemas
 */
export const RecordConsent = body(ReferralCommand.RecordConsent, "RecordConsentBody")
/**
 * @since 0.1.0
 * @category schemas
 */
export const UpdateContactDetails = body(ReferralCommand.UpdateContactDetails, "UpdateContactDetailsBody")
/**
 * @since 0.1.0
 * @category schemas
 */
export const ErasePersonalData = body(ReferralCommand.ErasePersonalData, "ErasePersonalDataBody")

/**
 * `PUT /link-workers/{linkWorkerId}`: a registry entry (professional data
 * only); its `id` must be the path's.
 *
 * @since 0.1.0
 * @category schemas
 */
export const LinkWorker = LinkWorkerModule.LinkWorker
