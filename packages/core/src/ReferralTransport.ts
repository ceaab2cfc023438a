/**
 * The transport port: how referrals arrive from the referrers' own systems
 * and how their status goes back to them (the closed loop).
 *
 * A transport has three operations, the same on both sides of the wire:
 * - `deliver`: an inbound referral message from an authenticated referrer.
 *   The message id (unique within the sender's organisation) is the
 *   idempotency key: the same message delivered twice, or concurrently,
 *   creates one referral and answers with the same receipt (`duplicate`
 *   tells the repeats apart). The receipt is the acknowledgement.
 * - `status`: one referral as its referrer sees it: status, the FHIR Task
 *   status and businessStatus (domain specification §1), the reason it
 *   ended, and the closing feedback only under rule C3 (each such read is a
 *   usage and a disclosure in the audit log).
 * - `changes`: the outbound status updates, polled: the referrer's referrals
 *   whose status changed since a time, optionally by Task status.
 *
 * `make` is the transport-neutral implementation over `ReferralService` and
 * `ReferralQueries`; `layer` provides it in process (the in-memory
 * transport). Adapters (`@lahete/transport-ekollega`, `@lahete/transport-fhir`)
 * serve the same operations over their wire formats with `make` behind them,
 * and offer a client layer of this port for referrers' systems, so one
 * conformance suite (`@lahete/testing` `ReferralTransportTest`) runs against
 * all of them.
 *
 * Reads are per referring professional: a referrer (or their system acting
 * for them) sees their own referrals, never another organisation's.
 *
 * @since 0.1.0
 */
import { Clock, Context, Effect, Layer, Result, Schema } from "effect"
import type { Actor } from "./Actor.js"
import { ReferralId, SubjectId } from "./Ids.js"
import * as Instant from "./Instant.js"
import * as ReferralCommand from "./ReferralCommand.js"
import * as ReferralQueries from "./ReferralQueries.js"
import * as ReferralService from "./ReferralService.js"
import type * as Views from "./Views.js"

// ---------------------------------------------------------------------------
// schemas
// ---------------------------------------------------------------------------

/**
 * A transport message id: chosen by the sender, unique within the sender's
 * organisation, 1–128 characters of `A–Z a–z 0–9 . _ : -`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const MessageId = Schema.String.pipe(
  Schema.check(
    Schema.isMinLength(1),
    Schema.isMaxLength(128),
    // the `u` flag lets the pattern into generated JSON Schema (Schema exports only Unicode patterns)
    Schema.isPattern(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/u, {
      message: "expected 1–128 characters of A–Z, a–z, 0–9, '.', '_', ':', '-'"
    })
  )
)

/**
 * An inbound referral: what the referrer's system sends. The sender (a
 * professional of a registered organisation) is not part of the message:
 * the transport authenticates it.
 *
 * @since 0.1.0
 * @category schemas
 */
export const InboundReferral = Schema.Struct({
  messageId: MessageId,
  programmeId: ReferralCommand.SubmitReferral.fields.programmeId,
  programmeVersion: ReferralCommand.SubmitReferral.fields.programmeVersion,
  client: ReferralCommand.ClientDetails,
  reasonCategories: ReferralCommand.SubmitReferral.fields.reasonCategories,
  reasonText: ReferralCommand.SubmitReferral.fields.reasonText,
  exclusionsPresent: ReferralCommand.SubmitReferral.fields.exclusionsPresent,
  feedbackRequested: ReferralCommand.SubmitReferral.fields.feedbackRequested,
  consents: ReferralCommand.SubmitReferral.fields.consents
})
/**
 * @since 0.1.0
 * @category models
 */
export type InboundReferral = typeof InboundReferral.Type

/**
 * The acknowledgement of a delivered referral.
 *
 * @since 0.1.0
 * @category models
 */
export interface Receipt {
  readonly messageId: string
  readonly referralId: ReferralId
  /** When the referral was first received (the same on every repeat). */
  readonly receivedAt: Instant.Instant
  /** `true` when this message had been delivered before: nothing new was created. */
  readonly duplicate: boolean
}

/**
 * A referral's status as its referrer sees it (the referrer's view, with
 * `lastUpdated`: when what it shows last changed).
 *
 * @since 0.1.0
 * @category models
 */
export type StatusReport = Views.ReferralStatus

/**
 * A polling query: the referrer's referrals that changed (`lastUpdated`) at or after
 * `since`, optionally only those with one of the FHIR Task statuses.
 *
 * @since 0.1.0
 * @category models
 */
export interface ChangesQuery {
  readonly since?: Instant.Instant
  readonly taskStatus?: ReadonlyArray<string>
}

// ---------------------------------------------------------------------------
// errors
// ---------------------------------------------------------------------------

/**
 * Why a transport refused a request:
 * - `unauthenticated` (401): no valid credentials (bad signature, expired
 *   token, unknown organisation or key).
 * - `forbidden` (403): authenticated, but not allowed (not a referrer, not
 *   their referral, another organisation's referral).
 * - `not-found` (404): no such referral or resource.
 * - `malformed` (400): the payload is not a valid message (`issues` say where).
 * - `too-large` (413): over the transport's size limit.
 * - `conflict` (409): the message id was used before for a different message.
 * - `unprocessable` (422): a valid message the lifecycle refuses (no referral
 *   consent, an unknown programme, an excluded referral, …; `detail` names
 *   the rule).
 * - `unsupported` (415): a media type the transport does not accept.
 *
 * @since 0.1.0
 * @category errors
 */
export const RefusalReason = Schema.Literals([
  "unauthenticated",
  "forbidden",
  "not-found",
  "malformed",
  "too-large",
  "conflict",
  "unprocessable",
  "unsupported"
])
/**
 * @since 0.1.0
 * @category models
 */
export type RefusalReason = typeof RefusalReason.Type

/**
 * The HTTP status of each refusal reason.
 *
 * @since 0.1.0
 * @category constants
 */
export const httpStatus: Readonly<Record<RefusalReason, number>> = {
  unauthenticated: 401,
  forbidden: 403,
  "not-found": 404,
  malformed: 400,
  "too-large": 413,
  conflict: 409,
  unprocessable: 422,
  unsupported: 415
}

/**
 * The transport refused the request. Never carries personal data: `detail`
 * names a rule or a field, `issues` give paths and reasons only.
 *
 * @since 0.1.0
 * @category errors
 */
export class TransportRefused extends Schema.TaggedError<TransportRefused>()("TransportRefused", {
  reason: RefusalReason,
  status: Schema.Int,
  detail: Schema.String,
  issues: Schema.optionalKey(Schema.Array(ReferralService.CommandIssue))
}) {
  override get message(): string {
    return `${this.reason} (${this.status}): ${this.detail}`
  }
}

/**
 * The transport could not do its work (the store, the network, the peer):
 * the request may be retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class TransportUnavailable extends Schema.TaggedError<TransportUnavailable>()("TransportUnavailable", {
  detail: Schema.String
}) {
  override get message(): string {
    return `transport unavailable: ${this.detail}`
  }
}

/**
 * The port's error.
 *
 * @since 0.1.0
 * @category errors
 */
export type TransportError = TransportRefused | TransportUnavailable

/**
 * Builds a refusal with the HTTP status of its reason.
 *
 * @since 0.1.0
 * @category constructors
 */
export const refuse = (
  reason: RefusalReason,
  detail: string,
  issues?: ReadonlyArray<ReferralService.CommandIssue>
): TransportRefused =>
  new TransportRefused({
    reason,
    status: httpStatus[reason],
    detail,
    ...(issues === undefined ? {} : { issues })
  })

// ---------------------------------------------------------------------------
// the port
// ---------------------------------------------------------------------------

/**
 * The transport's operations (see the module documentation).
 *
 * @since 0.1.0
 * @category models
 */
export interface Shape {
  /** A name for logs and test titles (`memory`, `ekollega`, `fhir`). */
  readonly name: string
  readonly deliver: (sender: Actor, message: InboundReferral) => Effect.Effect<Receipt, TransportError>
  readonly status: (reader: Actor, referralId: ReferralId) => Effect.Effect<StatusReport, TransportError>
  readonly changes: (reader: Actor, query: ChangesQuery) => Effect.Effect<ReadonlyArray<StatusReport>, TransportError>
}

/**
 * The `ReferralTransport` service.
 *
 * @since 0.1.0
 * @category services
 */
export class ReferralTransport extends Context.Service<ReferralTransport, Shape>()("@lahete/core/ReferralTransport") {}

// ---------------------------------------------------------------------------
// the transport-neutral implementation
// ---------------------------------------------------------------------------

const hex = (bytes: ArrayBuffer): string =>
  Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("")

const sha256 = (text: string): Effect.Effect<string> =>
  Effect.promise(async () => hex(await globalThis.crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))))

/**
 * The referral id, subject id and idempotency key of an inbound message:
 * derived from the sender's organisation and the message id, so every repeat
 * of a message names the same referral.
 *
 * @since 0.1.0
 * @category constructors
 */
export const identify = (
  organisation: string,
  messageId: string
): Effect.Effect<{ readonly referralId: ReferralId; readonly subjectId: SubjectId; readonly idempotencyKey: string }> =>
  Effect.map(sha256(`${organisation}\u0000${messageId}`), (digest) => ({
    referralId: ReferralId.make(`ref-${digest.slice(0, 32)}`),
    subjectId: SubjectId.make(`sub-${digest.slice(32, 64)}`),
    idempotencyKey: `transport:${digest}`
  }))

/**
 * Decodes an untrusted inbound referral. Unknown fields are refused (a
 * referrer's system that sends a field we would silently drop should learn
 * so), and the issues name paths, never values.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeInbound = (input: unknown): Result.Result<InboundReferral, TransportRefused> =>
  Result.mapError(
    Schema.decodeUnknownResult(InboundReferral)(input, { errors: "all", onExcessProperty: "error" }),
    (e) => refuse("malformed", "the referral message is not valid", ReferralService.issuesOf(e.issue, input))
  )

/**
 * Maps a service or query error to the transport's error: refusals by the
 * lifecycle become 4xx refusals naming the rule; store and audit-log
 * failures become `TransportUnavailable`.
 *
 * @since 0.1.0
 * @category errors
 */
export const fromServiceError = (
  error: ReferralService.ReferralServiceError | ReferralQueries.QueryError
): TransportError => {
  switch (error._tag) {
    case "Forbidden":
      return refuse("forbidden", `${error.action}: ${error.reason}`)
    case "MalformedCommand":
      return refuse("malformed", "the referral message is not valid", error.issues)
    case "IdempotencyKeyReused":
      return refuse("conflict", "the message id was used before for a different message")
    case "ProgrammeNotFound":
      return refuse("unprocessable", "programme-not-found")
    case "ConsentMissing":
      return refuse("unprocessable", `consent-missing: ${error.purpose}`)
    case "NotEligible":
      return refuse("unprocessable", `not-eligible: ${error.reason}`)
    case "TransitionNotAllowed":
      return refuse("unprocessable", `transition-not-allowed: ${error.command} in ${error.state}`)
    case "InvalidCommand":
      return refuse("unprocessable", `invalid: ${error.reason}`)
    case "InvalidCursor":
      return refuse("malformed", "the page cursor is not valid")
    case "StoreFailure":
    case "VersionConflict":
    case "LoadChanged":
    case "SubjectChanged":
    case "IdempotencyKeyUsed":
    case "AuditLogFailure":
    case "LinkWorkerRegistryFailure":
      return new TransportUnavailable({ detail: error._tag })
    default:
      return refuse("unprocessable", error._tag)
  }
}

/**
 * The transport-neutral implementation: checks the message (`decodeInbound`:
 * whatever a caller passes, unknown fields included, is refused as
 * `malformed`), delivers through `ReferralService` (`SubmitReferral` as the
 * sender, at the clock's time, with the idempotency key and ids from
 * `identify`) and reads through `ReferralQueries` (need-to-know, C3, usage
 * and disclosure logs). A referrer reads only referrals made in their own
 * organisation: professional ids are unique within an organisation only, so
 * the same id in another organisation is refused (`forbidden`, logged).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  name = "memory"
): Effect.Effect<Shape, never, ReferralService.ReferralService | ReferralQueries.Requirements> =>
  Effect.gen(function* () {
    const service = yield* ReferralService.ReferralService
    const context = yield* Effect.context<ReferralQueries.Requirements>()
    const query = <A>(effect: Effect.Effect<A, ReferralQueries.QueryError, ReferralQueries.Requirements>) =>
      effect.pipe(Effect.mapError(fromServiceError), Effect.provideContext(context))

    // need-to-know, C3 and the logs are the queries' (a referrer reads only their own referrals,
    // matched by organisation and professional id; every refusal is logged)
    const status = (reader: Actor, referralId: ReferralId) => query(ReferralQueries.referralStatus(reader, referralId))

    const deliver = (sender: Actor, input: InboundReferral): Effect.Effect<Receipt, TransportError> =>
      Effect.gen(function* () {
        if (sender.role !== "Referrer")
          return yield* Effect.fail(refuse("forbidden", "only a referrer may send a referral"))
        // the port is typed, but a caller may pass anything: check the message as the wire adapters do
        const message = yield* Effect.fromResult(decodeInbound(input))
        const ids = yield* identify(sender.organisation, message.messageId)
        const at = Instant.make(yield* Clock.currentTimeMillis)
        const { messageId: _, ...content } = message
        const executed = yield* Effect.mapError(
          service.executeUnknown({
            _tag: "SubmitReferral",
            referralId: ids.referralId,
            idempotencyKey: ids.idempotencyKey,
            actor: sender,
            at,
            subjectId: ids.subjectId,
            ...content
          }),
          fromServiceError
        )
        return {
          messageId: message.messageId,
          referralId: ids.referralId,
          receivedAt: executed.state.submittedAt ?? at,
          duplicate: executed.replayed
        }
      })

    // the reader's own referrals that changed since, by index (never another referrer's, never every referral)
    const changes = (reader: Actor, q: ChangesQuery): Effect.Effect<ReadonlyArray<StatusReport>, TransportError> =>
      Effect.gen(function* () {
        const out: Array<StatusReport> = []
        let cursor: string | undefined
        do {
          const page = yield* query(
            ReferralQueries.referrerOverview(reader, {
              cursor,
              limit: ReferralQueries.maxPageSize,
              changedSince: q.since
            })
          )
          for (const s of page.entries) {
            if (
              (q.since === undefined || s.lastUpdated >= q.since) &&
              (q.taskStatus === undefined || q.taskStatus.includes(s.task.status))
            ) {
              out.push(s)
            }
          }
          cursor = page.next
        } while (cursor !== undefined)
        return out
      })

    return ReferralTransport.of({ name, deliver, status, changes })
  })

/**
 * The in-process transport over the service, store and audit log in the
 * context.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<
  ReferralTransport,
  never,
  ReferralService.ReferralService | ReferralQueries.Requirements
> = Layer.effect(ReferralTransport, make())
