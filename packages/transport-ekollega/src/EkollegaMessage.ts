/**
 * The inbox's wire format: the JSON bodies of requests and answers, as
 * Effect schemas (the source of the JSON Schema in
 * `docs/transport-ekollega.md`), and the problem documents that carry a
 * refusal (RFC 9457 `application/problem+json`).
 *
 * - request: `ReferralMessage` (the transport's `InboundReferral`: unknown
 *   fields are refused);
 * - answers: `Receipt`, `StatusReport`, `StatusList`, `Problem`. Clients
 *   ignore fields they do not know, so answers may grow.
 *
 * A problem names the refusal's reason and HTTP status, a detail naming a
 * rule or a field, and for malformed messages the issues (paths and
 * reasons); never the message's values or other personal data.
 *
 * @since 0.1.0
 */
import { Ids, Instant, ReferralService, ReferralTransport, ViewSchemas } from "@lahete/core"
import { type JsonSchema, Result, Schema } from "effect"

/**
 * The media type of requests and answers.
 *
 * @since 0.1.0
 * @category constants
 */
export const jsonMediaType = "application/json"

/**
 * The media type of refusals (RFC 9457).
 *
 * @since 0.1.0
 * @category constants
 */
export const problemMediaType = "application/problem+json"

/**
 * The path of the referral collection (`POST` delivers, `GET` polls for
 * changes); one referral is `referralsPath/{referralId}`.
 *
 * @since 0.1.0
 * @category constants
 */
export const referralsPath = "/v1/referrals"

/** An instant: any RFC 3339 date-time read, the canonical UTC form written (`format: date-time`). */
const Timestamp = Instant.InstantSchema

/**
 * The request body of `POST /v1/referrals`: one referral, with the sender's
 * message id (unique within the sending organisation, the idempotency key).
 * The sender is not in the message: the bearer token says who sends.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ReferralMessage = ReferralTransport.InboundReferral.annotate({
  title: "ReferralMessage",
  description:
    "A wellbeing referral from a professional's system. Unknown fields are refused. messageId: 1–128 characters of A–Z a–z 0–9 . _ : - (first a letter or digit), unique within the sending organisation."
})

/**
 * The answer to a delivery: `201 Created` for a new referral, `200 OK` for a
 * repeat (`duplicate: true`, same referral id and `receivedAt`).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Receipt = Schema.Struct({
  messageId: ReferralTransport.MessageId,
  referralId: Ids.ReferralId,
  receivedAt: Timestamp,
  duplicate: Schema.Boolean
}).annotate({
  title: "Receipt",
  description: "The acknowledgement of a delivered referral message."
})

/**
 * One referral as its referrer sees it (the closed loop): the lifecycle
 * status, the FHIR Task status, times, why it ended, and whether the closing
 * feedback is readable (`feedback`); the text itself (`feedbackText`) and
 * the client's plan (`plan`) only from `GET /v1/referrals/{referralId}` and
 * only under rule C3.
 *
 * It is the core's schema of the referrer's view (`ViewSchemas.ReferralStatus`,
 * tied to `Views.ReferralStatus` at compile time): every field the view
 * holds is sent and documented, none is listed here again.
 *
 * @since 0.1.0
 * @category schemas
 */
export const StatusReport = ViewSchemas.ReferralStatus.annotate({
  title: "StatusReport",
  description:
    "A referral's status as its referrer sees it; lastUpdated is when what it shows last changed (status, milestones, the feedback consent, erasure)."
})

/**
 * The answer to `GET /v1/referrals`: the referrer's referrals whose status
 * changed at or after `since`, oldest submission first.
 *
 * @since 0.1.0
 * @category schemas
 */
export const StatusList = Schema.Struct({
  referrals: Schema.Array(StatusReport)
}).annotate({ title: "StatusList", description: "The referrer's referrals that changed." })

/**
 * A refusal or failure as a problem document (RFC 9457). `reason` is the
 * transport's refusal reason (absent on 5xx answers).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Problem = Schema.Struct({
  type: Schema.String,
  title: Schema.String,
  status: Schema.Int,
  detail: Schema.optionalKey(Schema.String),
  reason: Schema.optionalKey(ReferralTransport.RefusalReason),
  issues: Schema.optionalKey(Schema.Array(ReferralService.CommandIssue))
}).annotate({
  title: "Problem",
  description: "A refusal (4xx) or failure (5xx). Never carries the message's values or other personal data."
})
/**
 * @since 0.1.0
 * @category models
 */
export type Problem = typeof Problem.Type

const titles: Readonly<Record<ReferralTransport.RefusalReason, string>> = {
  unauthenticated: "Not authenticated",
  forbidden: "Forbidden",
  "not-found": "Not found",
  malformed: "Malformed request",
  "too-large": "Request too large",
  conflict: "Message id reused",
  unprocessable: "Referral refused",
  unsupported: "Unsupported media type"
}

/**
 * The problem type URI of a refusal reason.
 *
 * @since 0.1.0
 * @category constructors
 */
export const problemType = (reason: ReferralTransport.RefusalReason | "unavailable"): string =>
  `urn:lahete:ekollega:problem:${reason}`

/**
 * The problem document of a refusal.
 *
 * @since 0.1.0
 * @category constructors
 */
export const problemOf = (refusal: ReferralTransport.TransportRefused): Problem => ({
  type: problemType(refusal.reason),
  title: titles[refusal.reason],
  status: refusal.status,
  detail: refusal.detail,
  reason: refusal.reason,
  ...(refusal.issues === undefined ? {} : { issues: refusal.issues })
})

/**
 * The problem document of a failure on the inbox's side (503, retry later).
 *
 * @since 0.1.0
 * @category constructors
 */
export const unavailableProblem = (status = 503): Problem => ({
  type: problemType("unavailable"),
  title: "Service unavailable",
  status,
  detail: "the inbox could not handle the request now; try again later"
})

const reasonByStatus: ReadonlyMap<number, ReferralTransport.RefusalReason> = new Map(
  Object.entries(ReferralTransport.httpStatus).map(([reason, status]) => [
    status,
    reason as ReferralTransport.RefusalReason
  ])
)

const decodeProblem = Schema.decodeUnknownResult(Problem)

/** Statuses that say "try again later" although they are 4xx. */
const retryable: ReadonlySet<number> = new Set([408, 425, 429])

/**
 * The transport error of a non-2xx answer: a refusal with the reason the
 * problem document names (or, without one, the reason of the HTTP status);
 * 5xx, 408, 425 and 429 are `TransportUnavailable`. A 4xx with no reason of
 * its own (405, …) is `malformed`: the request did not fit the protocol.
 *
 * @since 0.1.0
 * @category decoding
 */
export const errorOf = (status: number, body: unknown): ReferralTransport.TransportError => {
  if (status >= 500 || retryable.has(status) || status < 400) {
    return new ReferralTransport.TransportUnavailable({ detail: `the inbox answered ${status}` })
  }
  const problem = decodeProblem(body)
  const reason =
    Result.isSuccess(problem) &&
    problem.success.reason !== undefined &&
    ReferralTransport.httpStatus[problem.success.reason] === status
      ? problem.success.reason
      : (reasonByStatus.get(status) ?? "malformed")
  const detail =
    Result.isSuccess(problem) && problem.success.detail !== undefined
      ? problem.success.detail
      : `the inbox answered ${status}`
  const issues = Result.isSuccess(problem) ? problem.success.issues : undefined
  return new ReferralTransport.TransportRefused({
    reason,
    status,
    detail,
    ...(issues === undefined ? {} : { issues })
  })
}

/**
 * The JSON Schema (draft 2020-12) of every body, generated from the schemas
 * above: the request refuses unknown fields (`additionalProperties: false`),
 * the answers leave them open (clients ignore what they do not know).
 *
 * @since 0.1.0
 * @category schemas
 */
export const jsonSchemas = (): Readonly<Record<string, JsonSchema.Document<"draft-2020-12">>> => ({
  ReferralMessage: Schema.toJsonSchemaDocument(ReferralMessage, { onExcessProperty: "error" }),
  Receipt: Schema.toJsonSchemaDocument(Receipt),
  StatusReport: Schema.toJsonSchemaDocument(StatusReport),
  StatusList: Schema.toJsonSchemaDocument(StatusList),
  Problem: Schema.toJsonSchemaDocument(Problem)
})
