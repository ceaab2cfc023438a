/**
 * The API's error responses and how the core's errors map to them. Every
 * body is JSON with a `_tag` naming the kind, a `message` for people and the
 * fields of the refusal; none carries personal data (the core's errors carry
 * codes and ids only, and request problems name field paths, never values).
 *
 * | status | body `_tag` | when |
 * |---|---|---|
 * | 400 | `BadRequest` | the request is not well formed: body not JSON, a field missing or of the wrong type, an unknown field, a bad path parameter or header (`issues`: paths and reasons) |
 * | 401 | `Unauthorized` | no bearer token, or one that does not verify (signature, issuer, audience, expiry, claims) |
 * | 403 | `Forbidden` | the caller's role may not do this, or the referral is not theirs (`Forbidden` of the core; the attempt is in the refusal log) |
 * | 404 | `NotFound` | the referral (for a command) or the link worker does not exist, or no route matches (`resource: route`) |
 * | 413 | `PayloadTooLarge` | the body is over 1 MiB (checked from `Content-Length` and while reading) |
 * | 415 | `UnsupportedMediaType` | a body that is not `application/json` (UTF-8) |
 * | 409 | `Conflict` | the referral's state does not allow the command (`transition-not-allowed`), the idempotency key was used for another command (`idempotency-key-reused`), or concurrent writes kept colliding (`version-conflict`; retry) |
 * | 422 | `Unprocessable` | a well-formed command a domain rule refuses: consent missing (C1, C2), not eligible, an invalid identity code or number, a call time outside the rules (with the earliest valid time), a link worker not eligible or not in the registry, a measure the programme does not expect, too early |
 * | 503 | `ServiceUnavailable` | the store, the audit log or the registry failed; retry later |
 *
 * @since 0.1.0
 */
import {
  type AuditLog,
  type Directory,
  type DirectoryStore,
  LinkWorker,
  type LinkWorkerRegistry,
  ReferralError,
  type ReferralIndex,
  type ReferralQueries,
  ReferralService,
  type ReferralStore
} from "@lahete/core"
import { Schema } from "effect"

/**
 * The request is not well formed. `issues` name where (a path such as
 * `client.mobileNumber`, `headers.idempotency-key` or `(body)`) and what is
 * wrong, never the value.
 *
 * @since 0.1.0
 * @category errors
 */
export class BadRequest extends Schema.TaggedError<BadRequest>()(
  "BadRequest",
  { message: Schema.String, issues: Schema.Array(ReferralService.CommandIssue) },
  { httpApiStatus: 400, identifier: "BadRequest" }
) {}

/**
 * Why a request is not authenticated: no bearer token, a token that does not
 * verify, or one that has expired.
 *
 * @since 0.1.0
 * @category models
 */
export const UnauthorizedReason = Schema.Literals(["missing-token", "invalid-token", "expired-token"])

/**
 * No valid access token. The response carries
 * `WWW-Authenticate: Bearer realm="lahete"` (with `error="invalid_token"` for
 * a token that did not verify).
 *
 * @since 0.1.0
 * @category errors
 */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()(
  "Unauthorized",
  { message: Schema.String, reason: UnauthorizedReason },
  { httpApiStatus: 401, identifier: "Unauthorized" }
) {}

/**
 * The caller may not do this (the core's `Forbidden`: wrong role, not their
 * referral, not the assigned link worker, not the data subject, outside their
 * programmes, a profession the programme does not accept).
 *
 * @since 0.1.0
 * @category errors
 */
export class Forbidden extends Schema.TaggedError<Forbidden>()(
  "Forbidden",
  {
    message: Schema.String,
    role: ReferralError.Forbidden.fields.role,
    action: Schema.String,
    reason: ReferralError.Forbidden.fields.reason
  },
  { httpApiStatus: 403, identifier: "Forbidden" }
) {}

/**
 * The resource does not exist.
 *
 * @since 0.1.0
 * @category errors
 */
export class NotFound extends Schema.TaggedError<NotFound>()(
  "NotFound",
  {
    message: Schema.String,
    resource: Schema.Literals(["referral", "link-worker", "programme", "route", "activity"]),
    id: Schema.String
  },
  { httpApiStatus: 404, identifier: "NotFound" }
) {}

/**
 * The answer to a request no route matches (`resource: route`; `id` is
 * empty: the path is not echoed).
 *
 * @since 0.2.0
 * @category constructors
 */
export const routeNotFound: NotFound = new NotFound({ message: "no such route", resource: "route", id: "" })

/**
 * The request body is larger than the server reads (`maxBytes`).
 *
 * @since 0.2.0
 * @category errors
 */
export class PayloadTooLarge extends Schema.TaggedError<PayloadTooLarge>()(
  "PayloadTooLarge",
  { message: Schema.String, maxBytes: Schema.Int },
  { httpApiStatus: 413, identifier: "PayloadTooLarge" }
) {}

/**
 * The request body is not JSON: its `Content-Type` is not `application/json`
 * (or a `+json` type), or names a charset other than UTF-8, or a non-empty
 * body has none.
 *
 * @since 0.2.0
 * @category errors
 */
export class UnsupportedMediaType extends Schema.TaggedError<UnsupportedMediaType>()(
  "UnsupportedMediaType",
  { message: Schema.String, expected: Schema.Literal("application/json") },
  { httpApiStatus: 415, identifier: "UnsupportedMediaType" }
) {}

/**
 * The errors of reading a request body.
 *
 * @since 0.2.0
 * @category models
 */
export type BodyError = BadRequest | PayloadTooLarge | UnsupportedMediaType

/**
 * The error schemas of reading a request body (every endpoint with one).
 *
 * @since 0.2.0
 * @category schemas
 */
export const bodyErrors = [BadRequest, PayloadTooLarge, UnsupportedMediaType] as const

/**
 * The request conflicts with the referral's current state or with an earlier
 * request. `state` and `command` are set for `transition-not-allowed`.
 * `referral-id-taken`: a submission named a `referralId` that is already in
 * use; the answer is the same whoever holds it (the caller under another key,
 * a colleague, another organisation) and says nothing of its state.
 * `already-answered`: the link worker has answered this survey round.
 *
 * @since 0.1.0
 * @category errors
 */
export class Conflict extends Schema.TaggedError<Conflict>()(
  "Conflict",
  {
    message: Schema.String,
    reason: Schema.Literals([
      "transition-not-allowed",
      "idempotency-key-reused",
      "version-conflict",
      "already-answered",
      "referral-id-taken"
    ]),
    state: Schema.optionalKey(Schema.String),
    command: Schema.optionalKey(Schema.String),
    detail: Schema.optionalKey(Schema.String)
  },
  { httpApiStatus: 409, identifier: "Conflict" }
) {}

/**
 * The refusals a well-formed command can meet, as the core's error values
 * (each with its `_tag` and fields, e.g. `CallTimeNotAllowed` with the
 * earliest valid call time).
 *
 * @since 0.1.0
 * @category schemas
 */
export type Refusal =
  | ReferralError.ConsentMissing
  | ReferralError.MobileNumberMissing
  | ReferralError.NotEligible
  | ReferralError.InvalidCommand
  | ReferralError.ProgrammeNotFound
  | ReferralError.MeasureNotExpected
  | ReferralError.TooEarly
  | ReferralError.CallTimeNotAllowed
  | LinkWorker.LinkWorkerIneligible
  | ReferralService.LinkWorkerNotFound

/**
 * The schema of `Refusal` (annotated: the inferred union type is too long for
 * the declaration build).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Refusal: Schema.Codec<Refusal, unknown> = Schema.Union([
  ReferralError.ConsentMissing,
  ReferralError.MobileNumberMissing,
  ReferralError.NotEligible,
  ReferralError.InvalidCommand,
  ReferralError.ProgrammeNotFound,
  ReferralError.MeasureNotExpected,
  ReferralError.TooEarly,
  ReferralError.CallTimeNotAllowed,
  LinkWorker.LinkWorkerIneligible,
  ReferralService.LinkWorkerNotFound
])

/**
 * A well-formed command that a domain rule refuses; `refusal` is the core's
 * error.
 *
 * @since 0.1.0
 * @category errors
 */
export class Unprocessable extends Schema.TaggedError<Unprocessable>()(
  "Unprocessable",
  { message: Schema.String, refusal: Refusal },
  { httpApiStatus: 422, identifier: "Unprocessable" }
) {}

/**
 * A backing service failed (`StoreFailure`, `AuditLogFailure`,
 * `LinkWorkerRegistryFailure`, …); nothing was written. Retry later.
 *
 * @since 0.1.0
 * @category errors
 */
export class ServiceUnavailable extends Schema.TaggedError<ServiceUnavailable>()(
  "ServiceUnavailable",
  { message: Schema.String, failure: Schema.String },
  { httpApiStatus: 503, identifier: "ServiceUnavailable" }
) {}

/**
 * Every error a command endpoint answers with (besides 401 from the
 * authentication).
 *
 * @since 0.1.0
 * @category models
 */
export type CommandError =
  | BadRequest
  | PayloadTooLarge
  | UnsupportedMediaType
  | Forbidden
  | NotFound
  | Conflict
  | Unprocessable
  | ServiceUnavailable

/**
 * The error schemas of a command endpoint.
 *
 * @since 0.1.0
 * @category schemas
 */
export const commandErrors = [
  BadRequest,
  PayloadTooLarge,
  UnsupportedMediaType,
  Forbidden,
  NotFound,
  Conflict,
  Unprocessable,
  ServiceUnavailable
] as const

/**
 * The error schemas of a view endpoint.
 *
 * @since 0.1.0
 * @category schemas
 */
export const viewErrors = [BadRequest, Forbidden, ServiceUnavailable] as const

/**
 * A 400 for issues found outside a command (a body that is not JSON, a
 * header).
 *
 * @since 0.1.0
 * @category constructors
 */
export const badRequest = (issues: ReadonlyArray<ReferralService.CommandIssue>): BadRequest =>
  new BadRequest({
    message: `the request is not valid: ${issues.map((i) => `${i.path}: ${i.reason}`).join("; ")}`,
    issues
  })

/**
 * The 403 for the core's `Forbidden`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const forbidden = (error: ReferralError.Forbidden): Forbidden =>
  new Forbidden({ message: error.message, role: error.role, action: error.action, reason: error.reason })

/**
 * The 503 for a failed backing service: names the failure's tag (and the
 * operation when it has one), never its detail.
 *
 * @since 0.1.0
 * @category constructors
 */
export const unavailable = (failure: string): ServiceUnavailable =>
  new ServiceUnavailable({ message: `a backing service failed (${failure}); retry later`, failure })

type Failure =
  | ReferralStore.ReferralStoreError
  | AuditLog.AuditLogFailure
  | LinkWorkerRegistry.LinkWorkerRegistryFailure

const failureName = (error: Failure): string => ("operation" in error ? `${error._tag}:${error.operation}` : error._tag)

/**
 * Maps an error of `ReferralService` to the API's error (see the module
 * documentation). A `TransitionNotAllowed` from a referral that does not
 * exist (state `Initial`) is a 404: the decider checks the caller's role and
 * relation first, so only a caller who could act on such a referral learns
 * that it does not exist.
 *
 * @since 0.1.0
 * @category mapping
 */
export const fromServiceError = (error: ReferralService.ReferralServiceError, referralId?: string): CommandError => {
  switch (error._tag) {
    case "Forbidden":
      return forbidden(error)
    case "MalformedCommand":
      return new BadRequest({ message: error.message, issues: error.issues })
    case "TransitionNotAllowed":
      return error.state === "Initial" && error.command !== "SubmitReferral"
        ? new NotFound({ message: "the referral does not exist", resource: "referral", id: referralId ?? "" })
        : new Conflict({
            message: error.message,
            reason: "transition-not-allowed",
            state: error.state,
            command: error.command,
            ...(error.detail === undefined ? {} : { detail: error.detail })
          })
    case "IdempotencyKeyReused":
      return new Conflict({
        message: "the idempotency key was already used for a different command",
        reason: "idempotency-key-reused"
      })
    case "VersionConflict":
    case "LoadChanged":
    case "SubjectChanged":
      return new Conflict({
        message: "the referral was changed by concurrent requests; retry",
        reason: "version-conflict"
      })
    case "ConsentMissing":
    case "MobileNumberMissing":
    case "NotEligible":
    case "InvalidCommand":
    case "ProgrammeNotFound":
    case "MeasureNotExpected":
    case "TooEarly":
    case "CallTimeNotAllowed":
    case "LinkWorkerIneligible":
    case "LinkWorkerNotFound":
      return new Unprocessable({ message: error.message, refusal: error })
    case "StoreFailure":
    case "IdempotencyKeyUsed":
    case "AuditLogFailure":
    case "LinkWorkerRegistryFailure":
      return unavailable(failureName(error))
  }
}

/**
 * Maps an error of `ReferralQueries` to the API's error.
 *
 * @since 0.1.0
 * @category mapping
 */
export const fromQueryError = (error: ReferralQueries.QueryError): BadRequest | Forbidden | ServiceUnavailable =>
  error._tag === "Forbidden"
    ? forbidden(error)
    : error._tag === "InvalidCursor"
      ? badRequest([{ path: "query.cursor", reason: "is not a cursor this server issued" }])
      : unavailable(failureName(error))

/**
 * Maps a failure of a backing service to a 503.
 *
 * @since 0.1.0
 * @category mapping
 */
export const fromFailure = (error: Failure): ServiceUnavailable => unavailable(failureName(error))

/**
 * Maps an error of the directory store: an invalid directory is a 400 naming
 * each path, a failed store a 503.
 *
 * @since 0.3.0
 * @category mapping
 */
export const fromDirectoryError = (
  error: DirectoryStore.DirectoryStoreError | Directory.InvalidDirectory | ReferralIndex.InvalidCursor
): BadRequest | ServiceUnavailable =>
  error._tag === "InvalidDirectory"
    ? badRequest(error.problems.map((p) => ({ path: p.path === "" ? "body" : `body.${p.path}`, reason: p.reason })))
    : error._tag === "InvalidCursor"
      ? badRequest([{ path: "query.cursor", reason: "is not a cursor this server issued" }])
      : unavailable(`${error._tag}:${error.operation}`)
