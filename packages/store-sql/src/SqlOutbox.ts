/**
 * The transactional outbox: the messages the events ask for, written to the
 * `outbox` table in the same transaction as the events (`SqlReferralStore`),
 * so a committed command's messages are never lost and an uncommitted one's
 * never sent. A dispatcher reads the due entries (`pending`), sends them and
 * marks them (`markSent`); with several dispatchers it claims them instead
 * (`claim`: `sending` under a lease, `FOR UPDATE SKIP LOCKED` on PostgreSQL)
 * and ends each claim with `finish` (sent, failed, cancelled, expired) or
 * `reschedule` (back to pending, later). `SqlDispatcher` does all that.
 *
 * - `CallTimeMessageRequested` → `call-time-sms`, id
 *   `<referralId>:<messageId>` (the decider derives `messageId` from the
 *   command's idempotency key; the referral id in front keeps two referrals'
 *   messages apart even when their events were not decided here), not
 *   before `sendAfter`, with `sendBefore` and `callAt`. The payload carries
 *   the `messageId` itself, for the gateway's own de-duplication.
 * - `MeasureLinkRequested` → `measure-link-sms`, id
 *   `<referralId>:<messageId>` (the link's `tokenId`), not before
 *   `sendAfter`, with `sendBefore`, the time point and the link's expiry.
 * - `ReferralSubmitted` → `coordinator-notification`, id
 *   `<referralId>:coordinator-notification`, not before the submission.
 *
 * The id is the primary key: a message cannot be entered twice. Payloads
 * hold ids and times only, never personal data: the dispatcher looks the
 * phone number up in the vault by the subject id when it sends.
 *
 * @example
 * ```ts
 * import { SqlOutbox } from "@lahete/store-sql"
 * import { Effect } from "effect"
 *
 * const dispatch = Effect.gen(function* () {
 *   const due = yield* SqlOutbox.pending({ now: new Date().toISOString(), limit: 50 })
 *   for (const entry of due) {
 *     // send it, then:
 *     yield* SqlOutbox.markSent(entry.id)
 *   }
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Ids, Instant, type Referral, type ReferralEvent, ReferralStore } from "@lahete/core"
import { Effect, Result, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { canonicalJson, json, rows, storeFailure } from "./internal/sql.js"

/**
 * The payload of a `call-time-sms` message.
 *
 * @since 0.1.0
 * @category models
 */
export const CallTimeSms = Schema.Struct({
  kind: Schema.Literal("call-time-sms"),
  messageId: Schema.NonEmptyString,
  referralId: Ids.ReferralId,
  subjectId: Schema.optionalKey(Ids.SubjectId),
  programmeId: Schema.optionalKey(Ids.ProgrammeId),
  requestedAt: Instant.InstantSchema,
  callAt: Instant.InstantSchema,
  sendAfter: Instant.InstantSchema,
  sendBefore: Instant.InstantSchema
})

/**
 * The payload of a `coordinator-notification` message: a referral was
 * submitted to a programme.
 *
 * @since 0.1.0
 * @category models
 */
export const CoordinatorNotification = Schema.Struct({
  kind: Schema.Literal("coordinator-notification"),
  referralId: Ids.ReferralId,
  programmeId: Ids.ProgrammeId,
  programmeVersion: Schema.Number,
  submittedAt: Instant.InstantSchema
})

/**
 * The payload of a `measure-link-sms` message: the text message with a link
 * to the client's measure form.
 *
 * @since 0.3.0
 * @category models
 */
export const MeasureLinkSms = Schema.Struct({
  kind: Schema.Literal("measure-link-sms"),
  messageId: Schema.NonEmptyString,
  tokenId: Schema.NonEmptyString,
  referralId: Ids.ReferralId,
  subjectId: Schema.optionalKey(Ids.SubjectId),
  programmeId: Schema.optionalKey(Ids.ProgrammeId),
  timePoint: Schema.Literals(["baseline", "end", "follow-up"]),
  requestedAt: Instant.InstantSchema,
  sendAfter: Instant.InstantSchema,
  sendBefore: Instant.InstantSchema,
  expiresAt: Instant.InstantSchema
})

/**
 * A message's payload.
 *
 * @since 0.1.0
 * @category models
 */
export const Payload = Schema.Union([CallTimeSms, CoordinatorNotification, MeasureLinkSms])

/**
 * A message's payload.
 *
 * @since 0.1.0
 * @category models
 */
export type Payload = typeof Payload.Type

/**
 * A message's state.
 *
 * @since 0.1.0
 * @category models
 */
export type Status = "pending" | "sending" | "sent" | "failed" | "cancelled" | "expired"

/**
 * One entry of the outbox.
 *
 * @since 0.1.0
 * @category models
 */
export interface Entry {
  readonly id: string
  readonly referralId: Ids.ReferralId
  readonly kind: Payload["kind"]
  readonly payload: Payload
  readonly status: Status
  readonly attempts: number
  readonly notBefore: Instant.Instant
}

/**
 * A message to enter: its id, when it may be sent, and its payload.
 *
 * @since 0.1.0
 * @category models
 */
export interface Message {
  readonly id: string
  readonly notBefore: Instant.Instant
  readonly payload: Payload
}

/**
 * The messages an append's events ask for, given the referral's state after
 * them (for the subject and programme). Pure.
 *
 * @since 0.1.0
 * @category constructors
 */
export const messagesOf = (
  events: ReadonlyArray<ReferralEvent.ReferralEvent>,
  state: Referral.ReferralState
): ReadonlyArray<Message> =>
  events.flatMap((e): ReadonlyArray<Message> => {
    switch (e._tag) {
      case "CallTimeMessageRequested":
        return [
          {
            id: `${e.referralId}:${e.messageId}`,
            notBefore: e.sendAfter,
            payload: {
              kind: "call-time-sms" as const,
              messageId: e.messageId,
              referralId: e.referralId,
              ...(state.subjectId === undefined ? {} : { subjectId: state.subjectId }),
              ...(state.programme === undefined ? {} : { programmeId: state.programme.id }),
              requestedAt: e.at,
              callAt: e.callAt,
              sendAfter: e.sendAfter,
              sendBefore: e.sendBefore
            }
          }
        ]
      case "MeasureLinkRequested":
        return [
          {
            id: e.tokenId,
            notBefore: e.sendAfter,
            payload: {
              kind: "measure-link-sms" as const,
              messageId: e.messageId,
              tokenId: e.tokenId,
              referralId: e.referralId,
              ...(state.subjectId === undefined ? {} : { subjectId: state.subjectId }),
              ...(state.programme === undefined ? {} : { programmeId: state.programme.id }),
              timePoint: e.timePoint,
              requestedAt: e.at,
              sendAfter: e.sendAfter,
              sendBefore: e.sendBefore,
              expiresAt: e.expiresAt
            }
          }
        ]
      case "ReferralSubmitted":
        return [
          {
            id: `${e.referralId}:coordinator-notification`,
            notBefore: e.at,
            payload: {
              kind: "coordinator-notification" as const,
              referralId: e.referralId,
              programmeId: e.programmeId,
              programmeVersion: e.programmeVersion,
              submittedAt: e.at
            }
          }
        ]
      default:
        return []
    }
  })

/**
 * Enters an append's messages. Internal: the store calls it inside the
 * append's transaction; a message id already there fails the append.
 *
 * @since 0.1.0
 * @category internal
 */
export const enqueue = (
  sql: SqlClient.SqlClient,
  events: ReadonlyArray<ReferralEvent.ReferralEvent>,
  state: Referral.ReferralState,
  operation: string
): Effect.Effect<void, ReferralStore.StoreFailure> =>
  Effect.gen(function* () {
    const messages = messagesOf(events, state)
    if (messages.length === 0) return
    const { toJson } = json(sql)
    const values = messages.map(
      (m) =>
        sql`(${m.id}, ${m.payload.referralId}, ${m.payload.kind}, ${canonicalJson(m.payload)}${toJson}, 'pending', 0, ${m.notBefore})`
    )
    yield* Effect.mapError(
      sql`INSERT INTO outbox (id, referral_id, kind, payload, status, attempts, not_before) VALUES ${sql.csv(values)}`,
      (e) => storeFailure(operation, e)
    )
  })

const decodePayload = Schema.decodeUnknownResult(Schema.fromJsonString(Payload))

const OutboxRow = Schema.Struct({
  id: Schema.String,
  payload: Schema.String,
  status: Schema.Literals(["pending", "sent", "failed"]),
  attempts: Schema.Number,
  not_before: Instant.InstantSchema
})

/**
 * The pending messages due at `now` (`not_before <= now`), oldest first, at
 * most `limit`.
 *
 * @since 0.1.0
 * @category queries
 */
export const pending = (options: {
  readonly now: Instant.Instant | string
  readonly limit: number
}): Effect.Effect<ReadonlyArray<Entry>, ReferralStore.StoreFailure, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = (yield* SqlClient.SqlClient).withoutTransforms()
    const { asText } = json(sql)
    const found = yield* sql`SELECT id, payload${asText} AS payload, status, attempts, not_before FROM outbox
      WHERE status = 'pending' AND not_before <= ${options.now}
      ORDER BY not_before, id LIMIT ${Math.max(0, Math.floor(options.limit))}`.pipe(
      Effect.mapError((e) => storeFailure("outbox.pending", e)),
      Effect.flatMap(rows(OutboxRow, "outbox.pending", "outbox"))
    )
    return yield* decodeEntries(found, "outbox.pending")
  })

/**
 * Marks a message sent (counting the attempt). `false` when no pending
 * message has the id.
 *
 * @since 0.1.0
 * @category mutations
 */
export const markSent = (id: string): Effect.Effect<boolean, ReferralStore.StoreFailure, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = (yield* SqlClient.SqlClient).withoutTransforms()
    const updated = yield* sql`UPDATE outbox SET status = 'sent', attempts = attempts + 1
      WHERE id = ${id} AND status = 'pending' RETURNING id`.pipe(
      Effect.mapError((e) => storeFailure("outbox.markSent", e))
    )
    return updated.length === 1
  })

/**
 * An entry a dispatcher claimed: it is `sending` until `lockedUntil`, and
 * only the holder of `claimToken` may finish or reschedule it. A claim whose
 * lease ran out (the dispatcher died) may be claimed again.
 *
 * @since 0.1.0
 * @category models
 */
export interface Claimed extends Entry {
  readonly claimToken: string
  readonly lockedUntil: Instant.Instant
}

const decodeEntries = (
  found: ReadonlyArray<{
    readonly id: string
    readonly payload: string
    readonly status: Status
    readonly attempts: number
    readonly not_before: Instant.Instant
  }>,
  operation: string
): Effect.Effect<ReadonlyArray<Entry>, ReferralStore.StoreFailure> =>
  Effect.gen(function* () {
    const out: Array<Entry> = []
    for (const row of found) {
      const payload = decodePayload(row.payload)
      if (Result.isFailure(payload)) {
        return yield* new ReferralStore.StoreFailure({
          operation,
          detail: `the payload of message ${row.id} cannot be decoded`
        })
      }
      out.push({
        id: row.id,
        referralId: payload.success.referralId,
        kind: payload.success.kind,
        payload: payload.success,
        status: row.status,
        attempts: row.attempts,
        notBefore: row.not_before
      })
    }
    return out
  })

const ClaimRow = Schema.Struct({
  id: Schema.String,
  payload: Schema.String,
  status: Schema.Literal("sending"),
  attempts: Schema.Number,
  not_before: Instant.InstantSchema
})

/**
 * Claims up to `limit` due entries for one dispatcher, oldest first: the
 * pending ones with `not_before <= now` and the `sending` ones whose lease
 * ran out. Each becomes `sending` until `now + leaseMs`, under a new claim
 * token. On PostgreSQL the rows are chosen with `FOR UPDATE SKIP LOCKED`
 * inside a transaction, so dispatchers claiming at the same time never take
 * the same entry and never wait for each other; on SQLite writes run one at
 * a time (one dispatcher per database is the intended use).
 *
 * @since 0.1.0
 * @category mutations
 */
export const claim = (options: {
  readonly now: Instant.Instant
  readonly limit: number
  readonly leaseMs: number
}): Effect.Effect<ReadonlyArray<Claimed>, ReferralStore.StoreFailure, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = (yield* SqlClient.SqlClient).withoutTransforms()
    const { asText, isPg } = json(sql)
    const token = crypto.randomUUID()
    const lockedUntil = Instant.plusMillis(options.now, Math.max(0, options.leaseMs))
    const limit = Math.max(0, Math.floor(options.limit))
    const lock = sql.literal(isPg ? "FOR UPDATE SKIP LOCKED" : "")
    const claimed = yield* sql
      .withTransaction(
        sql`UPDATE outbox SET status = 'sending', locked_until = ${lockedUntil}, claim_token = ${token}
        WHERE id IN (
          SELECT id FROM outbox
          WHERE (status = 'pending' AND not_before <= ${options.now})
             OR (status = 'sending' AND locked_until <= ${options.now})
          ORDER BY not_before, id LIMIT ${limit} ${lock}
        )
        RETURNING id, payload${asText} AS payload, status, attempts, not_before`
      )
      .pipe(
        Effect.mapError((e) => storeFailure("outbox.claim", e)),
        Effect.flatMap(rows(ClaimRow, "outbox.claim", "outbox")),
        Effect.flatMap((found) => decodeEntries(found, "outbox.claim"))
      )
    return [...claimed]
      .sort((a, b) => (a.notBefore < b.notBefore ? -1 : a.notBefore > b.notBefore ? 1 : a.id < b.id ? -1 : 1))
      .map((e) => ({ ...e, claimToken: token, lockedUntil }))
  })

/**
 * How a claim ended: `sent` (with the provider's id), `failed` (given up),
 * `cancelled` (not to be sent: C5/C6, no consent, superseded) or `expired`
 * (too late to send: D3).
 *
 * @since 0.1.0
 * @category models
 */
export type Outcome =
  | { readonly status: "sent"; readonly providerId: string }
  | { readonly status: "failed" | "cancelled" | "expired"; readonly reason: string }

/**
 * Ends a claim. `sent` and `failed` count an attempt. `false` when the claim
 * is no longer held (its lease ran out and another dispatcher took it).
 *
 * @since 0.1.0
 * @category mutations
 */
export const finish = (
  entry: Pick<Claimed, "id" | "claimToken">,
  outcome: Outcome,
  now: Instant.Instant
): Effect.Effect<boolean, ReferralStore.StoreFailure, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = (yield* SqlClient.SqlClient).withoutTransforms()
    const counted = outcome.status === "sent" || outcome.status === "failed" ? 1 : 0
    const updated = yield* sql`UPDATE outbox SET status = ${outcome.status}, attempts = attempts + ${counted},
        provider_id = ${outcome.status === "sent" ? outcome.providerId : null},
        reason = ${outcome.status === "sent" ? null : outcome.reason},
        finished_at = ${now}, locked_until = NULL, claim_token = NULL
      WHERE id = ${entry.id} AND status = 'sending' AND claim_token = ${entry.claimToken} RETURNING id`.pipe(
      Effect.mapError((e) => storeFailure("outbox.finish", e))
    )
    return updated.length === 1
  })

/**
 * Marks a claimed entry failed for good (counting the attempt).
 *
 * @since 0.1.0
 * @category mutations
 */
export const markFailed = (
  entry: Pick<Claimed, "id" | "claimToken">,
  reason: string,
  now: Instant.Instant
): Effect.Effect<boolean, ReferralStore.StoreFailure, SqlClient.SqlClient> =>
  finish(entry, { status: "failed", reason }, now)

/**
 * Puts a claimed entry back to `pending`, due at `notBefore`: after a
 * retryable failure (`countAttempt`, with the reason) or to wait out quiet
 * hours (no attempt). `false` when the claim is no longer held.
 *
 * @since 0.1.0
 * @category mutations
 */
export const reschedule = (
  entry: Pick<Claimed, "id" | "claimToken">,
  options: { readonly notBefore: Instant.Instant; readonly countAttempt: boolean; readonly reason: string }
): Effect.Effect<boolean, ReferralStore.StoreFailure, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = (yield* SqlClient.SqlClient).withoutTransforms()
    const updated = yield* sql`UPDATE outbox SET status = 'pending', not_before = ${options.notBefore},
        attempts = attempts + ${options.countAttempt ? 1 : 0}, reason = ${options.reason},
        locked_until = NULL, claim_token = NULL
      WHERE id = ${entry.id} AND status = 'sending' AND claim_token = ${entry.claimToken} RETURNING id`.pipe(
      Effect.mapError((e) => storeFailure("outbox.reschedule", e))
    )
    return updated.length === 1
  })

const StateRow = Schema.Struct({
  id: Schema.String,
  status: Schema.Literals(["pending", "sending", "sent", "failed", "cancelled", "expired"]),
  attempts: Schema.Number,
  not_before: Instant.InstantSchema,
  provider_id: Schema.NullOr(Schema.String),
  reason: Schema.NullOr(Schema.String)
})

/**
 * The dispatch state of one entry (for operators and tests); none when no
 * entry has the id.
 *
 * @since 0.1.0
 * @category queries
 */
export const state = (
  id: string
): Effect.Effect<
  | {
      readonly id: string
      readonly status: Status
      readonly attempts: number
      readonly notBefore: Instant.Instant
      readonly providerId: string | null
      readonly reason: string | null
    }
  | undefined,
  ReferralStore.StoreFailure,
  SqlClient.SqlClient
> =>
  Effect.gen(function* () {
    const sql = (yield* SqlClient.SqlClient).withoutTransforms()
    const found =
      yield* sql`SELECT id, status, attempts, not_before, provider_id, reason FROM outbox WHERE id = ${id}`.pipe(
        Effect.mapError((e) => storeFailure("outbox.state", e)),
        Effect.flatMap(rows(StateRow, "outbox.state", "outbox"))
      )
    const row = found[0]
    return row === undefined
      ? undefined
      : {
          id: row.id,
          status: row.status,
          attempts: row.attempts,
          notBefore: row.not_before,
          providerId: row.provider_id,
          reason: row.reason
        }
  })
