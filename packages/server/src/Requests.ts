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
import { Directory, Ids, LinkWorker as LinkWorkerModule, ReferralCommand } from "@lahete/core"
import { Schema, SchemaTransformation, Struct } from "effect"

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
  Schema.check(Schema.isPattern(/^[\x21-\x7E]{1,255}$/u, { message: "expected 1-255 visible ASCII characters" }))
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
 * @since 0.3.0
 * @category schemas
 */
export const RequestMeasureLink = body(ReferralCommand.RequestMeasureLink, "RequestMeasureLinkBody")
/**
 * @since 0.3.0
 * @category schemas
 */
export const AnswerMeasureLink = body(ReferralCommand.AnswerMeasureLink, "AnswerMeasureLinkBody")
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
 * @since 0.3.0
 * @category schemas
 */
export const RecordPlan = body(ReferralCommand.RecordPlan, "RecordPlanBody")
/**
 * @since 0.3.0
 * @category schemas
 */
export const RecordActivity = body(ReferralCommand.RecordActivity, "RecordActivityBody")
/**
 * @since 0.3.0
 * @category schemas
 */
export const RecordUnmetNeed = body(ReferralCommand.RecordUnmetNeed, "RecordUnmetNeedBody")

/**
 * `PUT /directory`: organisations and activities without versions, applied
 * as their next versions (`Directory.merge`).
 *
 * @since 0.3.0
 * @category schemas
 */
export const DirectoryChanges = Schema.Struct({
  organisations: Schema.optionalKey(Schema.Array(Directory.Organisation.mapFields(({ version: _, ...rest }) => rest))),
  activities: Schema.optionalKey(Schema.Array(Directory.Activity.mapFields(({ version: _, ...rest }) => rest)))
}).annotate({ identifier: "DirectoryChanges" })

/**
 * `PUT /link-workers/{linkWorkerId}`: a registry entry (professional data
 * only); its `id` must be the path's.
 *
 * @since 0.1.0
 * @category schemas
 */
export const LinkWorker = LinkWorkerModule.LinkWorker

/** The regular expression (source) of the decimal numerals from `a` to `b`, both with the same number of digits. */
const sameLength = (a: string, b: string): ReadonlyArray<string> => {
  if (a === b) return [a]
  const n = a.length - 1
  const [a0 = "", b0 = ""] = [a[0], b[0]]
  if (n === 0) return [`[${a0}-${b0}]`]
  if (a0 === b0) return sameLength(a.slice(1), b.slice(1)).map((p) => `${a0}${p}`)
  const lowFull = a.slice(1) === "0".repeat(n)
  const highFull = b.slice(1) === "9".repeat(n)
  const first = lowFull ? Number(a0) : Number(a0) + 1
  const last = highFull ? Number(b0) : Number(b0) - 1
  return [
    ...(lowFull ? [] : sameLength(a.slice(1), "9".repeat(n)).map((p) => `${a0}${p}`)),
    ...(first <= last ? [`${first === last ? `${first}` : `[${first}-${last}]`}[0-9]{${n}}`] : []),
    ...(highFull ? [] : sameLength("0".repeat(n), b.slice(1)).map((p) => `${b0}${p}`))
  ]
}

/**
 * A regular expression matching exactly the decimal numerals (no sign, no
 * leading zeros, no fraction or exponent) of the integers from `minimum` to
 * `maximum` (both non-negative).
 *
 * @since 0.2.0
 * @category schemas
 */
export const integerRangePattern = (minimum: number, maximum: number): RegExp => {
  const parts: Array<string> = []
  for (let digits = String(minimum).length; digits <= String(maximum).length; digits++) {
    const low = Math.max(minimum, digits === 1 ? 0 : 10 ** (digits - 1))
    const high = Math.min(maximum, 10 ** digits - 1)
    if (low <= high) parts.push(...sameLength(String(low), String(high)))
  }
  return new RegExp(`^(?:${parts.join("|")})$`, "u")
}

/**
 * A whole-number query parameter from `minimum` to `maximum`: on the wire a
 * decimal numeral (the OpenAPI document states the exact pattern the server
 * accepts, so `1.5`, `1e1`, `+5` or `05` are refused by both).
 *
 * @since 0.2.0
 * @category schemas
 */
export const IntegerQuery = (minimum: number, maximum: number) =>
  Schema.String.pipe(
    Schema.check(
      Schema.isPattern(integerRangePattern(minimum, maximum), {
        message: `expected a whole number from ${minimum} to ${maximum}`
      })
    ),
    Schema.decodeTo(
      Schema.Int.pipe(Schema.check(Schema.isBetween({ minimum, maximum }))),
      SchemaTransformation.transform({ decode: (s: string) => Number(s), encode: (n: number) => String(n) })
    )
  ).annotate({ description: `A whole number from ${minimum} to ${maximum}.` })

/**
 * `POST /link-worker/survey`: a link worker's answer to the programme's
 * survey, for the round open now: per item key, a whole number on a scale
 * item's scale, the chosen option keys of a choices item, or `null` (left
 * unanswered). The answer is stored without the link worker.
 *
 * @since 0.3.0
 * @category schemas
 */
export const SurveyAnswer = Schema.Struct({
  round: Schema.String,
  answers: Schema.Record(Schema.String, Schema.NullOr(Schema.Union([Schema.Finite, Schema.Array(Schema.String)])))
}).annotate({ identifier: "SurveyAnswer" })
