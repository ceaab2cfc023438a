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
 * **Where the states come from.** By default the step reads the referrals
 * whose next deadline marker is due from the index (`ReferralIndex.due`: the
 * store keeps each referral's `Deadlines.nextDueAt` with its events), so a
 * step costs what is due, never the size of the store; only the referrals
 * with a command due are loaded, by `ReferralService.execute`, which decides
 * each command against the referral's current events. `step({ states })`
 * takes the states from another source instead (e.g. `statesFromStore`,
 * the fold of every stream, which tests use as the oracle); such a source
 * must give each referral's current state once and may leave out referrals
 * for which no marker can fall due any more. The commands, their keys and
 * the result are the same whichever the source.
 *
 * @example
 * ```ts
 * import { Scheduler } from "@lahete/core"
 *
 * // the referrals with a marker due, from the index (the default)
 * const round = Scheduler.step()
 * // every stream folded (a test oracle)
 * const folded = Scheduler.step({ states: Scheduler.statesFromStore })
 * ```
 *
 * @since 0.1.0
 */
import { Clock, Effect, Schema } from "effect"
import * as Actor from "./Actor.js"
import * as Deadlines from "./Deadlines.js"
import { IdempotencyKey, type ReferralId } from "./Ids.js"
import * as Instant from "./Instant.js"
import * as MeasureLink from "./MeasureLink.js"
import type * as Programme from "./Programme.js"
import type { ReferralState } from "./Referral.js"
import type { ReferralCommand } from "./ReferralCommand.js"
import * as ReferralIndex from "./ReferralIndex.js"
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
 * The idempotency key of a measure link message's request: one per
 * referral, time point and message number (0 the first, then each
 * reminder), the same for every worker and every run.
 *
 * @since 0.3.0
 * @category scheduling
 */
export const measureLinkKeyFor = (
  referralId: ReferralId,
  timePoint: MeasureLink.Send["timePoint"],
  reminder: number
): IdempotencyKey => {
  const plain = `measure-link:${timePoint}:${reminder}:${referralId}`
  return decodeKey(
    plain.length <= 128
      ? plain
      : `measure-link:${timePoint}:${reminder}:${referralId.slice(0, 80)}:${fnv1a(referralId)}`
  )
}

/**
 * The commands due for one referral at `now`: its due deadline markers
 * (`Deadlines.dueFirings`) and the measure link messages to ask for
 * (`MeasureLink.sendsDue`).
 *
 * @since 0.1.0
 * @category scheduling
 */
export const commandsDue = (
  state: ReferralState,
  programme: Programme.Programme,
  now: Instant.Instant,
  actor: Actor.Actor = systemActor
): ReadonlyArray<ReferralCommand> => {
  if (state.referralId === undefined) return []
  const referralId = state.referralId
  return [
    ...Deadlines.dueFirings(state, programme, now).map((f) => commandFor(referralId, f, now, actor)),
    ...MeasureLink.sendsDue(state, programme, now).map(
      (send): ReferralCommand => ({
        _tag: "RequestMeasureLink",
        referralId,
        idempotencyKey: measureLinkKeyFor(referralId, send.timePoint, send.reminder),
        actor,
        at: now,
        timePoint: send.timePoint
      })
    )
  ]
}

/**
 * When the referral's next deadline marker or measure link message falls
 * due at or after `from` (what the index keeps as its next due time), and
 * never before the referral's latest event (the decider refuses a command
 * dated before it, so nothing can be due earlier).
 *
 * @since 0.3.0
 * @category scheduling
 */
export const nextDueAt = (
  state: ReferralState,
  programme: Programme.Programme,
  from: Instant.Instant
): Instant.Instant | undefined => {
  const deadline = Deadlines.nextDueAt(state, programme, from)
  const link = MeasureLink.nextSendAt(state, programme, from)
  const next = link !== undefined && (deadline === undefined || link < deadline) ? link : deadline
  return next !== undefined && state.lastEventAt !== undefined && next < state.lastEventAt ? state.lastEventAt : next
}

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
 * Where a step takes the referrals' states from: an effect that gives each
 * referral's current state once (see the module's documentation).
 *
 * @since 0.1.0
 * @category models
 */
export type StateSource<E = never, R = never> = Effect.Effect<Iterable<ReferralState>, E, R>

/**
 * The default source: every referral of the store, folded from its events
 * (`ReferralStore.referralIds`, then `ReferralService.state` for each).
 *
 * @since 0.1.0
 * @category scheduling
 */
export const statesFromStore: StateSource<ReferralServiceError, ReferralService | ReferralStore> = Effect.gen(
  function* () {
    const service = yield* ReferralService
    const store = yield* ReferralStore
    const states: Array<ReferralState> = []
    for (const referralId of yield* store.referralIds()) states.push(yield* service.state(referralId))
    return states
  }
)

/**
 * How many due referrals the default source reads at a time.
 *
 * @since 0.2.0
 * @category constants
 */
export const duePageSize = 200

/**
 * One scheduler step at the clock's current time: reads the referrals with a
 * deadline marker due from the index (`ReferralIndex.due`, a page at a time,
 * so a step costs what is due, not the size of the store), issues each
 * one's due commands (`commandsDue`) through `ReferralService`, and reports
 * what it did (`referrals`: the states looked at). A referral the index held
 * as due with nothing due after all (its next deadline not computed yet, or
 * computed by an older release) gets its next deadline stored
 * (`ReferralIndex.refreshDue`). A failed command does not stop the step; it
 * is retried at the next one. A failure of the index fails the step.
 *
 * @since 0.1.0
 * @category scheduling
 */
export function step(options?: {
  readonly actor?: Actor.Actor
}): Effect.Effect<
  StepResult,
  ReferralServiceError | ReferralIndex.ReferralIndexError,
  ReferralService | ReferralIndex.ReferralIndex | ProgrammeCatalog
>
/**
 * One scheduler step over the states `states` gives (e.g. `statesFromStore`,
 * the fold of every stream, as a test oracle): no stream is loaded but
 * those of the referrals with a command due.
 *
 * @since 0.1.0
 * @category scheduling
 */
export function step<E, R>(options: {
  readonly actor?: Actor.Actor
  readonly states: StateSource<E, R>
}): Effect.Effect<StepResult, ReferralServiceError | E, ReferralService | ProgrammeCatalog | R>
export function step<E, R>(
  options: { readonly actor?: Actor.Actor; readonly states?: StateSource<E, R> } = {}
): Effect.Effect<
  StepResult,
  ReferralServiceError | ReferralIndex.ReferralIndexError | E,
  ReferralService | ReferralIndex.ReferralIndex | ProgrammeCatalog | R
> {
  return Effect.gen(function* () {
    const now = Instant.make(yield* Clock.currentTimeMillis)
    const service = yield* ReferralService
    const catalog = yield* ProgrammeCatalog
    const fired: Array<{ referralId: ReferralId; command: ReferralCommand["_tag"] }> = []
    const failed: Array<{ referralId: ReferralId; error: ReferralServiceError }> = []
    let alreadyDone = 0
    let referrals = 0
    /** Issues the state's due commands; whether any was due. */
    const issue = (state: ReferralState, programme: Programme.Programme) =>
      Effect.gen(function* () {
        const due = commandsDue(state, programme, now, options.actor)
        for (const command of due) {
          const referralId = command.referralId
          const result = yield* Effect.result(service.execute(command))
          if (result._tag === "Failure") failed.push({ referralId, error: result.failure })
          else if (result.success.replayed) alreadyDone++
          else if (result.success.events.length > 0) fired.push({ referralId, command: command._tag })
        }
        return due.length > 0
      })
    const programmeOf = (state: ReferralState) =>
      state.programme === undefined ? undefined : catalog.get(state.programme.id, state.programme.version)

    if (options.states !== undefined) {
      for (const state of yield* options.states) {
        referrals++
        const programme = programmeOf(state)
        if (programme !== undefined) yield* issue(state, programme)
      }
      return { now, referrals, fired, alreadyDone, failed }
    }

    const index = yield* ReferralIndex.ReferralIndex
    let after: string | undefined
    do {
      const page = yield* index.due(now, { limit: duePageSize, after })
      for (const state of page.items) {
        referrals++
        const programme = programmeOf(state)
        const issued = programme === undefined ? false : yield* issue(state, programme)
        // held as due with nothing due: store when it is (an unknown programme has no deadlines to fire)
        if (!issued && state.referralId !== undefined) {
          const next = programme === undefined ? undefined : nextDueAt(state, programme, now)
          yield* index.refreshDue(state.referralId, state.version, next ?? null)
        }
      }
      after = page.next
    } while (after !== undefined)
    return { now, referrals, fired, alreadyDone, failed }
  })
}
