/**
 * The scheduler step: at "now", every referral's due deadline markers
 * (`Deadlines.dueFirings`) become commands issued by the System actor and run
 * through `ReferralService`:
 *
 * - D1, D2, D4 markers and D5's reminder → `RecordDeadline`
 * - D5 missed (the follow-up window passed) → `ExpireFollowUp`
 * - D6 (retention) → `ErasePersonalData` with basis `retention-period`
 *
 * Each command's idempotency key names the referral, the deadline and the
 * marker, so a marker is issued under one key forever: running the step twice,
 * or on two workers at once, changes nothing the second time (the service
 * replays the first result, and the decider records each marker once).
 *
 * @since 0.1.0
 */
import { Clock, Effect, Schema } from "effect"
import * as Actor from "./Actor.js"
import * as Deadlines from "./Deadlines.js"
import { IdempotencyKey, type ReferralId } from "./Ids.js"
import * as Instant from "./Instant.js"
import type * as Programme from "./Programme.js"
import type { ReferralState } from "./Referral.js"
import type { ReferralCommand } from "./ReferralCommand.js"
import { ProgrammeCatalog, ReferralService, type ReferralServiceError } from "./ReferralService.js"
import { ReferralStore } from "./ReferralStore.js"

/**
 * The actor the scheduler acts as by default.
 *
 * @since 0.1.0
 * @category constants
 */
export const systemActor: Actor.Actor = Actor.make("System", "scheduler", "lahete")

const decodeKey = Schema.decodeSync(IdempotencyKey)

/** FNV-1a, 32 bit, as 8 hex digits: to keep long keys within 128 characters. */
const fnv1a = (text: string): string => {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h.toString(16).padStart(8, "0")
}

/**
 * The idempotency key of a deadline marker's command: the same for every
 * worker and every run.
 *
 * @since 0.1.0
 * @category scheduling
 */
export const idempotencyKeyFor = (
  referralId: ReferralId,
  kind: Deadlines.Kind,
  marker: Deadlines.Marker
): IdempotencyKey => {
  const plain = `deadline:${kind}:${marker}:${referralId}`
  return decodeKey(
    plain.length <= 128 ? plain : `deadline:${kind}:${marker}:${referralId.slice(0, 80)}:${fnv1a(referralId)}`
  )
}

/**
 * The command that fires a marker.
 *
 * @since 0.1.0
 * @category scheduling
 */
export const commandFor = (
  referralId: ReferralId,
  firing: Deadlines.Firing,
  at: Instant.Instant,
  actor: Actor.Actor = systemActor
): ReferralCommand => {
  const common = { referralId, idempotencyKey: idempotencyKeyFor(referralId, firing.kind, firing.marker), actor, at }
  if (firing.kind === "retention") return { _tag: "ErasePersonalData", ...common, basis: "retention-period" }
  if (firing.kind === "follow-up" && firing.marker === "missed") return { _tag: "ExpireFollowUp", ...common }
  return { _tag: "RecordDeadline", ...common, deadline: firing.kind, marker: firing.marker }
}

/**
 * The commands due for one referral at `now`.
 *
 * @since 0.1.0
 * @category scheduling
 */
export const commandsDue = (
  state: ReferralState,
  programme: Programme.Programme,
  now: Instant.Instant,
  actor: Actor.Actor = systemActor
): ReadonlyArray<ReferralCommand> =>
  state.referralId === undefined
    ? []
    : Deadlines.dueFirings(state, programme, now).map((f) => commandFor(state.referralId as ReferralId, f, now, actor))

/**
 * What one step did.
 *
 * @since 0.1.0
 * @category models
 */
export interface StepResult {
  readonly now: Instant.Instant
  /** Referrals looked at. */
  readonly referrals: number
  /** Commands that appended events in this step. */
  readonly fired: ReadonlyArray<{ readonly referralId: ReferralId; readonly command: ReferralCommand["_tag"] }>
  /** Commands another worker had already issued (replayed, nothing appended). */
  readonly alreadyDone: number
  /** Commands refused or failed; they are tried again at the next step. The errors carry no personal data. */
  readonly failed: ReadonlyArray<{ readonly referralId: ReferralId; readonly error: ReferralServiceError }>
}

/**
 * One scheduler step at the clock's current time: loads every referral,
 * issues its due commands through `ReferralService`, and reports what it did.
 * A failed command does not stop the step; it is retried at the next one.
 *
 * (This walks every stream; store adapters with projections can offer the
 * due referrals directly, and the worker can run the step per programme.)
 *
 * @since 0.1.0
 * @category scheduling
 */
export const step = (
  options: { readonly actor?: Actor.Actor } = {}
): Effect.Effect<StepResult, ReferralServiceError, ReferralService | ReferralStore | ProgrammeCatalog> =>
  Effect.gen(function* () {
    const now = Instant.make(yield* Clock.currentTimeMillis)
    const service = yield* ReferralService
    const store = yield* ReferralStore
    const catalog = yield* ProgrammeCatalog
    const ids = yield* store.referralIds()
    const fired: Array<{ referralId: ReferralId; command: ReferralCommand["_tag"] }> = []
    const failed: Array<{ referralId: ReferralId; error: ReferralServiceError }> = []
    let alreadyDone = 0
    for (const referralId of ids) {
      const state = yield* service.state(referralId)
      const programme =
        state.programme === undefined ? undefined : catalog.get(state.programme.id, state.programme.version)
      if (programme === undefined) continue
      for (const command of commandsDue(state, programme, now, options.actor)) {
        const result = yield* Effect.result(service.execute(command))
        if (result._tag === "Failure") failed.push({ referralId, error: result.failure })
        else if (result.success.replayed) alreadyDone++
        else if (result.success.events.length > 0) fired.push({ referralId, command: command._tag })
      }
    }
    return { now, referrals: ids.length, fired, alreadyDone, failed }
  })
