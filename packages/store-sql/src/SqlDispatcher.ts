/**
 * The outbox dispatcher: claims due outbox entries (`SqlOutbox.claim`), checks
 * each against the referral's current state and the vault, renders the text
 * (`MessageTemplates`) and sends it (`SmsSender`, `Mailer`), then records the
 * result in the outbox row. Domain specification §2 C2, C5, C6 and §3 D3:
 *
 * - nothing is sent for a referral that is `Withdrawn` or whose personal data
 *   is erased (the entry becomes `cancelled`, with the reason); a call-time
 *   text message also needs contact-by-sms consent in force at the time of
 *   sending and a mobile number in the vault, and is `cancelled` when the
 *   referral's call time has changed since it was queued (`superseded`: the
 *   new call time has its own message), the first contact was already made
 *   (`contact-made`) or the referral has ended;
 * - a text message is never sent in quiet hours (the entry waits for their
 *   end) nor after its `sendBefore` (the entry becomes `expired`);
 * - a measure link message (`measure-link-sms`) also needs contact-by-sms
 *   consent in force and a number when it is sent, and is `cancelled` when
 *   the referral has ended (`referral-ended`) or a link of its time point
 *   was answered meanwhile (`answered`); its text carries the form's address
 *   with the link's signed token (`MeasureLinkToken`, `measureLinks.key`)
 *   and the client's language, nothing else;
 * - a retryable provider error puts the entry back with exponential back-off
 *   (`baseDelayMs · 2^attempts`, at most `maxDelayMs`) until `maxAttempts`,
 *   then it is `failed`; a non-retryable error fails it at once.
 *
 * Several dispatchers on one PostgreSQL never take the same entry (the claim
 * uses `FOR UPDATE SKIP LOCKED`). A dispatcher that dies between claiming
 * and recording leaves a `sending` entry that is claimed again when its
 * lease ends; the resend uses the same message id, which the adapters pass
 * to the provider as its idempotency/reference key, so where the provider
 * de-duplicates the client gets one message. (Where it does not, that crash
 * window can cause a second message.)
 *
 * Every final result is recorded twice, in one transaction: in the outbox
 * row (status, attempts, provider id, reason) and as a referral event
 * (`RecordMessageOutcome` → `MessageSent` / `MessageNotSent`, idempotency
 * key derived from the entry id), so the referral's history says what became
 * of each message. Reason codes only: no personal data.
 *
 * `worker` runs the deadline scheduler's step (`Scheduler.step`) and the
 * dispatcher on an interval. The step reads only the referrals whose next
 * deadline is due from the index (`ReferralIndex.due` over the projection's
 * `next_due_at`, `SqlReferralIndex`), so a round costs what is due and what
 * is to be sent, never the size of the store, and loads the streams of only
 * the referrals with a deadline command due or a message to handle. Several
 * workers may run against one PostgreSQL: the scheduler's commands are
 * idempotent (one key per firing) and the claims skip each other's entries.
 * On SQLite run one worker.
 *
 * @since 0.1.0
 */
import {
  type Actor,
  AuditLog,
  Consent,
  Deadlines,
  Ids,
  Instant,
  Lifecycle,
  Mailer,
  MeasureLink,
  MeasureLinkToken,
  MessageTemplates,
  type Programme,
  Referral,
  type ReferralCommand,
  type ReferralIndex,
  ReferralService,
  ReferralStore,
  Scheduler,
  SmsSender
} from "@lahete/core"
import { Clock, Effect, Option, Schedule } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import * as SqlOutbox from "./SqlOutbox.js"

/**
 * The dispatcher's configuration.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The message templates and the staff URL of a referral (`referralUrl`). */
  readonly templates: MessageTemplates.Config
  /** The coordinators' email addresses per programme id. */
  readonly coordinators: Readonly<Record<string, ReadonlyArray<string>>>
  /** The language of staff notifications (default: the programme's first language). */
  readonly staffLanguage?: Programme.Language
  /** The sender name shown on text messages (provider rules apply). */
  readonly smsSender?: string
  /** Entries claimed per round (default 50). */
  readonly batchSize?: number
  /** How long a claim holds (default 5 minutes): longer than a round takes. */
  readonly leaseMs?: number
  /** Sends per entry before it is `failed` (default 5). */
  readonly maxAttempts?: number
  /** The first retry's delay (default 1 minute). */
  readonly baseDelayMs?: number
  /** The longest retry delay (default 1 hour). */
  readonly maxDelayMs?: number
  /**
   * The key measure links are signed with (`MeasureLinkToken`); the form's
   * address is `templates.measureLinkUrl`. Without it a measure link message
   * fails (`no-measure-link-key`).
   */
  readonly measureLinkKey?: MeasureLinkToken.Key
}

/**
 * What happened to one claimed entry in a round.
 *
 * - `sent`, `failed`, `cancelled`, `expired`: final;
 * - `retry`: a retryable error, due again at `notBefore`;
 * - `deferred`: waiting for the end of quiet hours (or `sendAfter`);
 * - `lost`: the claim was taken over (lease ran out) before it was recorded.
 *
 * @since 0.1.0
 * @category models
 */
export interface Result {
  readonly id: string
  readonly kind: SqlOutbox.Payload["kind"]
  readonly outcome: "sent" | "failed" | "cancelled" | "expired" | "retry" | "deferred" | "lost"
  readonly reason?: string
  readonly notBefore?: Instant.Instant
}

type Decision =
  | { readonly _tag: "finish"; readonly outcome: SqlOutbox.Outcome }
  | {
      readonly _tag: "reschedule"
      readonly notBefore: Instant.Instant
      readonly countAttempt: boolean
      readonly reason: string
    }

const cancelled = (reason: string): Decision => ({ _tag: "finish", outcome: { status: "cancelled", reason } })
const expired = (reason: string): Decision => ({ _tag: "finish", outcome: { status: "expired", reason } })
const failed = (reason: string): Decision => ({ _tag: "finish", outcome: { status: "failed", reason } })

/**
 * The delay before retry number `attempts + 1` (`attempts` sends so far):
 * `baseDelayMs · 2^attempts`, at most `maxDelayMs`.
 *
 * @since 0.1.0
 * @category back-off
 */
export const backoff = (attempts: number, options: Pick<Options, "baseDelayMs" | "maxDelayMs"> = {}): number =>
  Math.min(options.maxDelayMs ?? 3_600_000, (options.baseDelayMs ?? 60_000) * 2 ** Math.max(0, attempts))

/** A provider error as a decision: retry with back-off, or give up. */
const onSendError = (
  entry: SqlOutbox.Claimed,
  error: { readonly reason: string; readonly retryable: boolean; readonly retryAfterMillis?: number },
  now: Instant.Instant,
  options: Options
): Decision => {
  const attempts = entry.attempts + 1
  if (!error.retryable) return failed(error.reason)
  if (attempts >= (options.maxAttempts ?? 5)) return failed(error.reason)
  // the provider's Retry-After, when longer than our own back-off
  const delay = Math.max(backoff(entry.attempts, options), error.retryAfterMillis ?? 0)
  return {
    _tag: "reschedule",
    notBefore: Instant.plusMillis(now, delay),
    countAttempt: true,
    reason: error.reason
  }
}

/**
 * D3 for a text message: not before `sendAfter`, never in quiet hours, and
 * never once `isPast` says its last moment has gone (a reschedule whose
 * quiet hours end past it expires now instead). `undefined`: it may go now.
 */
const sendWindow = (
  now: Instant.Instant,
  sendAfter: Instant.Instant,
  isPast: (at: Instant.Instant) => boolean,
  programme: Programme.Programme
): Decision | undefined => {
  if (isPast(now)) return expired("past-send-before")
  if (now < sendAfter) {
    return { _tag: "reschedule", notBefore: sendAfter, countAttempt: false, reason: "before-send-after" }
  }
  const quietEnd = Deadlines.earliestSend(now, programme)
  if (quietEnd === now) return undefined
  return isPast(quietEnd)
    ? expired("quiet-hours-until-send-before")
    : { _tag: "reschedule", notBefore: quietEnd, countAttempt: false, reason: "quiet-hours" }
}

/** Sends a text message and maps the provider's answer to a decision. */
const sendSms = (
  entry: SqlOutbox.Claimed,
  to: string,
  text: string,
  now: Instant.Instant,
  options: Options
): Effect.Effect<Decision, never, SmsSender.SmsSender> =>
  Effect.gen(function* () {
    const sms = yield* SmsSender.SmsSender
    return yield* sms
      .send({ id: entry.id, to, text, ...(options.smsSender === undefined ? {} : { sender: options.smsSender }) })
      .pipe(
        Effect.map(
          (receipt): Decision => ({ _tag: "finish", outcome: { status: "sent", providerId: receipt.providerId } })
        ),
        Effect.catchTag("SmsSendError", (e) => Effect.succeed(onSendError(entry, e, now, options)))
      )
  })

/**
 * The client's mobile number and language from the vault, or the decision
 * that cancels the message: the personal data erased, or no valid number (C2).
 */
const smsRecipient = (
  store: ReferralStore.ReferralStore["Service"],
  state: Referral.ReferralState,
  read: { readonly actor: Actor.Actor; readonly at: Instant.Instant; readonly kind: SqlOutbox.Payload["kind"] }
): Effect.Effect<
  { readonly to: string; readonly language: Programme.Language } | Decision,
  ReferralStore.StoreFailure | ReferralStore.ReferralStoreError | AuditLog.AuditLogFailure,
  AuditLog.AuditLog
> =>
  Effect.gen(function* () {
    if (state.subjectId === undefined) return cancelled("personal-data-erased")
    const subject = yield* store.subject(state.subjectId)
    if (Option.isNone(subject)) return cancelled("personal-data-erased")
    // the usage log holds every read of personal data, the dispatcher's too (§8): who read the client's contact
    // details, when and for which message; recorded before anything is sent (a failure leaves the entry claimed)
    const audit = yield* AuditLog.AuditLog
    yield* audit.recordUsage(
      AuditLog.usageBy(read.actor, read.at, {
        subjectId: state.subjectId,
        referralId: state.referralId,
        what: "contact-details",
        purpose: read.kind
      })
    )
    const to = subject.value.mobileNumber
    if (to === undefined || !state.validMobile) return cancelled("no-mobile-number")
    return { to, language: subject.value.language }
  })

/**
 * Decides one claimed entry and sends it when it may be sent.
 */
const handle = (
  entry: SqlOutbox.Claimed,
  now: Instant.Instant,
  options: Options,
  actor: Actor.Actor
): Effect.Effect<
  Decision,
  ReferralStore.StoreFailure | ReferralStore.ReferralStoreError | AuditLog.AuditLogFailure,
  | ReferralStore.ReferralStore
  | ReferralService.ProgrammeCatalog
  | SmsSender.SmsSender
  | Mailer.Mailer
  | AuditLog.AuditLog
> =>
  Effect.gen(function* () {
    const store = yield* ReferralStore.ReferralStore
    const catalog = yield* ReferralService.ProgrammeCatalog
    const state = Referral.fold((yield* store.load(entry.referralId)).events)
    // C5, C6: nothing after withdrawal or erasure
    if (state.personalDataErased) return cancelled("personal-data-erased")
    if (state.status === "Withdrawn") return cancelled("withdrawn")
    const programme =
      state.programme === undefined ? undefined : catalog.get(state.programme.id, state.programme.version)
    if (programme === undefined) return failed("unknown-programme")
    const payload = entry.payload
    switch (payload.kind) {
      case "coordinator-notification": {
        const to = options.coordinators[payload.programmeId] ?? []
        if (to.length === 0) return failed("no-coordinator-address")
        const language = options.staffLanguage ?? programme.languages[0] ?? "fi"
        const mail = MessageTemplates.coordinatorNotification(programme, options.templates, {
          referralId: payload.referralId,
          language
        })
        const mailer = yield* Mailer.Mailer
        return yield* mailer.send({ id: entry.id, to, subject: mail.subject, text: mail.text }).pipe(
          Effect.map(
            (receipt): Decision => ({ _tag: "finish", outcome: { status: "sent", providerId: receipt.messageId } })
          ),
          Effect.catchTag("MailSendError", (e) => Effect.succeed(onSendError(entry, e, now, options)))
        )
      }
      case "measure-link-sms": {
        if (Lifecycle.isTerminal(state.status)) return cancelled("referral-ended")
        if (MeasureLink.answered(state, payload.timePoint)) return cancelled("answered")
        // C2 at the time of sending
        if (!Consent.isGranted(state.consents, "contact-by-sms", now)) return cancelled("no-sms-consent")
        // never after the link expires, never in quiet hours
        const notNow = sendWindow(now, payload.sendAfter, (at) => at >= payload.sendBefore, programme)
        if (notNow !== undefined) return notNow
        if (options.measureLinkKey === undefined || options.templates.measureLinkUrl === undefined) {
          return failed("no-measure-link-key")
        }
        const recipient = yield* smsRecipient(store, state, { actor, at: now, kind: payload.kind })
        if ("_tag" in recipient) return recipient
        const token = yield* MeasureLinkToken.sign(options.measureLinkKey, {
          tokenId: payload.tokenId,
          referralId: payload.referralId,
          timePoint: payload.timePoint,
          expiresAt: payload.expiresAt
        })
        const link = MessageTemplates.measureLinkUrl(options.templates, token, recipient.language) as string
        const text = MessageTemplates.measureLinkMessage(programme, options.templates, {
          link,
          language: recipient.language
        })
        return yield* sendSms(entry, recipient.to, text, now, options)
      }
      case "call-time-sms": {
        if (Lifecycle.isTerminal(state.status)) return cancelled("referral-ended")
        // the first contact already happened (e.g. the client was reached before the call time)
        if (state.status !== "ContactScheduled") return cancelled("contact-made")
        if (state.callAt !== payload.callAt) return cancelled("superseded")
        // C2 at the time of sending
        if (!Consent.isGranted(state.consents, "contact-by-sms", now)) return cancelled("no-sms-consent")
        // D3: never after sendBefore, never in quiet hours
        const notNow = sendWindow(now, payload.sendAfter, (at) => at > payload.sendBefore, programme)
        if (notNow !== undefined) return notNow
        const recipient = yield* smsRecipient(store, state, { actor, at: now, kind: payload.kind })
        if ("_tag" in recipient) return recipient
        const text = MessageTemplates.callTimeMessage(programme, options.templates, {
          callAt: payload.callAt,
          language: recipient.language
        })
        return yield* sendSms(entry, recipient.to, text, now, options)
      }
    }
  })

/** Thrown inside the recording transaction when the claim was lost: rolls the event back. */
class ClaimLost {
  readonly _tag = "ClaimLost"
}

const utf8 = new TextEncoder()

/** The idempotency key of an entry's outcome (hashed when the entry id is long). */
const outcomeKey = (entryId: string): Effect.Effect<Ids.IdempotencyKey> =>
  entryId.length <= 100
    ? Effect.succeed(Ids.IdempotencyKey.make(`outbox:${entryId}`))
    : Effect.promise(async () => {
        const digest = new Uint8Array(await globalThis.crypto.subtle.digest("SHA-256", utf8.encode(entryId)))
        return Ids.IdempotencyKey.make(`outbox:${Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("")}`)
      })

/**
 * Records a final outcome: the referral event and the outbox row in one
 * transaction. `false` (and nothing recorded) when the claim was lost. A
 * store failure is retried a few times: the message may already have gone
 * out, and an unrecorded send is sent again once the lease ends.
 */
const record = (
  entry: SqlOutbox.Claimed,
  outcome: SqlOutbox.Outcome,
  now: Instant.Instant,
  actor: Actor.Actor
): Effect.Effect<boolean, ReferralStore.StoreFailure, SqlClient.SqlClient | ReferralService.ReferralService> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const service = yield* ReferralService.ReferralService
    const command: ReferralCommand.ReferralCommand = {
      _tag: "RecordMessageOutcome",
      referralId: entry.referralId,
      idempotencyKey: yield* outcomeKey(entry.id),
      actor,
      at: now,
      messageId: entry.id,
      kind: entry.kind,
      outcome: outcome.status,
      ...(outcome.status === "sent" ? {} : { reason: reasonCode(outcome.reason) }),
      attempts: entry.attempts + (outcome.status === "sent" || outcome.status === "failed" ? 1 : 0)
    }
    const inTransaction = (
      first: Effect.Effect<unknown, ReferralStore.StoreFailure | ReferralService.ReferralServiceError>
    ) =>
      first.pipe(
        Effect.andThen(SqlOutbox.finish(entry, outcome, now)),
        Effect.flatMap((held) => (held ? Effect.succeed(true) : Effect.fail(new ClaimLost()))),
        sql.withTransaction,
        Effect.catch((error) =>
          error instanceof ClaimLost
            ? Effect.succeed(false)
            : Effect.fail(
                error._tag === "StoreFailure"
                  ? error
                  : new ReferralStore.StoreFailure({ operation: "outbox.record", detail: error._tag })
              )
        )
      )
    const withEvent = service.execute(command).pipe(
      Effect.catch((error) =>
        // a refusal of the bookkeeping command is a bug, not a reason to send again:
        // the outbox row is still finished (below), the event is left out and the refusal logged
        error._tag === "StoreFailure" || error._tag === "VersionConflict" || error._tag === "AuditLogFailure"
          ? Effect.fail(error)
          : Effect.logWarning(`lahete dispatcher: message outcome not recorded as an event: ${error._tag}`)
      )
    )
    return yield* Effect.retry(inTransaction(withEvent), { times: 3 })
  })

/** The outbox's reason as an event's reason code (codes pass; anything else is named generically). */
const reasonCode = (reason: string): string => (/^[a-z][a-z0-9-]{1,63}$/.test(reason) ? reason : "other")

/**
 * One round: claims the entries due at `now` (at most `batchSize`) and
 * handles each in order. An entry whose referral cannot be read (a store
 * failure) is left claimed; it is claimed again when its lease ends.
 *
 * @since 0.1.0
 * @category dispatching
 */
export const dispatch = (
  options: Options & { readonly actor?: Actor.Actor },
  round: { readonly now: Instant.Instant }
): Effect.Effect<
  ReadonlyArray<Result>,
  ReferralStore.StoreFailure,
  | SqlClient.SqlClient
  | ReferralService.ReferralService
  | ReferralStore.ReferralStore
  | ReferralService.ProgrammeCatalog
  | SmsSender.SmsSender
  | Mailer.Mailer
  | AuditLog.AuditLog
> =>
  Effect.gen(function* () {
    const now = round.now
    const actor = options.actor ?? Scheduler.systemActor
    const claimed = yield* SqlOutbox.claim({
      now,
      limit: options.batchSize ?? 50,
      leaseMs: options.leaseMs ?? 300_000
    })
    const results: Array<Result> = []
    for (const entry of claimed) {
      const decision = yield* Effect.option(handle(entry, now, options, actor))
      if (Option.isNone(decision)) continue
      const d = decision.value
      if (d._tag === "finish") {
        const held = yield* record(entry, d.outcome, now, actor)
        results.push({
          id: entry.id,
          kind: entry.kind,
          outcome: held ? d.outcome.status : "lost",
          ...(d.outcome.status === "sent" ? {} : { reason: d.outcome.reason })
        })
      } else {
        const held = yield* SqlOutbox.reschedule(entry, d)
        results.push({
          id: entry.id,
          kind: entry.kind,
          outcome: held ? (d.countAttempt ? "retry" : "deferred") : "lost",
          reason: d.reason,
          notBefore: d.notBefore
        })
      }
    }
    return results
  })

/**
 * What one worker round did: the scheduler's step and the dispatcher's
 * results (all its rounds until nothing was due).
 *
 * @since 0.1.0
 * @category models
 */
export interface RoundResult {
  readonly now: Instant.Instant
  readonly step: Scheduler.StepResult
  readonly dispatched: ReadonlyArray<Result>
}

/**
 * What the worker needs: the database, the referral service and store, the
 * programmes, the two senders, and the audit log (the dispatcher's reads of
 * a client's contact details are in the usage log).
 *
 * @since 0.1.0
 * @category worker
 */
export type WorkerServices =
  | SqlClient.SqlClient
  | ReferralService.ReferralService
  | ReferralStore.ReferralStore
  | ReferralIndex.ReferralIndex
  | ReferralService.ProgrammeCatalog
  | SmsSender.SmsSender
  | Mailer.Mailer
  | AuditLog.AuditLog

/**
 * One worker round at the clock's time: the deadline scheduler's step over
 * the index (`Scheduler.step()`: the referrals with a deadline due, the same
 * commands under the same idempotency keys as folding every stream would
 * give; its `referrals` counts the referrals read as due), then dispatch
 * rounds until no due entry is left (at most `maxRounds`, default 100).
 *
 * @since 0.1.0
 * @category worker
 */
export const workOnce = (
  options: Options & { readonly actor?: Actor.Actor; readonly maxRounds?: number }
): Effect.Effect<RoundResult, ReferralService.ReferralServiceError | ReferralStore.StoreFailure, WorkerServices> =>
  Effect.gen(function* () {
    const step = yield* Scheduler.step(options.actor === undefined ? {} : { actor: options.actor }).pipe(
      // the step pages with the cursors the index itself gave it: one it refuses is a bug, not an outcome
      Effect.catchTag("InvalidCursor", (e) => Effect.die(e))
    )
    const now = Instant.make(yield* Clock.currentTimeMillis)
    const dispatched: Array<Result> = []
    for (let round = 0; round < (options.maxRounds ?? 100); round++) {
      const results = yield* dispatch(options, { now })
      if (results.length === 0) break
      dispatched.push(...results)
    }
    return { now, step, dispatched }
  })

/**
 * The worker: `workOnce` every `intervalMs` (default 30 s), forever. A
 * failed round (the database unreachable, say) is logged by its error tag
 * only and tried again at the next interval.
 *
 * @since 0.1.0
 * @category worker
 */
export const worker = (
  options: Options & {
    readonly actor?: Actor.Actor
    readonly maxRounds?: number
    readonly intervalMs?: number
  }
): Effect.Effect<never, never, WorkerServices> =>
  workOnce(options).pipe(
    Effect.catch((error) => Effect.logWarning(`lahete worker round failed: ${error._tag}`)),
    Effect.repeat(Schedule.spaced(options.intervalMs ?? 30_000)),
    Effect.andThen(Effect.never)
  )
