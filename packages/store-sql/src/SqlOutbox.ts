/**
 * The transactional outbox: the messages the events ask for, written to the
 * `outbox` table in the same transaction as the events (`SqlReferralStore`),
 * so a committed command's messages are never lost and an uncommitted one's
 * never sent. A dispatcher reads the due entries (`pending`), sends them and
 * marks them (`markSent`).
 *
 * - `CallTimeMessageRequested` → `call-time-sms`, id
 *   `<referralId>:<messageId>` (the decider derives `messageId` from the
 *   command's idempotency key; the referral id in front keeps two referrals'
 *   messages apart even when their events were not decided here), not
 *   before `sendAfter`, with `sendBefore` and `callAt`. The payload carries
 *   the `messageId` itself, for the gateway's own de-duplication.
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
 * A message's payload.
 *
 * @since 0.1.0
 * @category models
 */
export const Payload = Schema.Union([CallTimeSms, CoordinatorNotification])

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
export type Status = "pending" | "sent" | "failed"

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
    const out: Array<Entry> = []
    for (const row of found) {
      const payload = decodePayload(row.payload)
      if (Result.isFailure(payload)) {
        return yield* new ReferralStore.StoreFailure({
          operation: "outbox.pending",
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
