/**
 * The client's plan (domain specification §9): made together with the link
 * worker, it holds what matters to the client (their words: personal data in
 * the vault, never in events), goals as codes, the directory activities the
 * client met, step by step (suggested → tried → joined → left, or continuing
 * at follow-up), and the needs nothing in the directory met.
 *
 * The rules (`decideActivity`):
 * - P1 an activity is joined only after it was suggested or tried;
 * - P2 leaving needs a reason code (and only leaving has one);
 * - P3 a client leaves, or is confirmed still taking part (`continuing`),
 *   only an activity they joined and have not left;
 * - P4 `accompanied` comes with `tried` only, and a link worker comes along
 *   only where the activity allows it;
 * - P5 suggesting, trying and joining happen during the collaboration
 *   (Active, OnHold); after closing only `left` and `continuing` (the
 *   follow-up check-in) are recorded.
 *
 * What the referrer sees of the plan is governed by rule C3 (`referrerPlan`).
 *
 * @since 0.3.0
 */
import { Result } from "effect"
import type { ActivityRef } from "./Directory.js"
import type { Instant } from "./Instant.js"
import type * as Lifecycle from "./Lifecycle.js"
import type { ActivityStep, LeaveReason, ReferralCommand } from "./ReferralCommand.js"
import { type DecideError, InvalidCommand, TransitionNotAllowed } from "./ReferralError.js"
import type { ReferralEvent } from "./ReferralEvent.js"

/**
 * One activity in the plan: the version last recorded and what happened.
 *
 * @since 0.3.0
 * @category models
 */
export interface PlanActivity {
  readonly activity: ActivityRef
  /** The latest step. */
  readonly step: ActivityStep
  readonly suggested: boolean
  readonly tried: boolean
  /** Whether the link worker came along when the client tried it. */
  readonly accompanied: boolean
  readonly joinedAt?: Instant
  readonly leftAt?: Instant
  readonly leaveReason?: LeaveReason
  /** When the client was last confirmed still taking part after closing. */
  readonly continuingAt?: Instant
}

/**
 * The plan as the referral's state holds it (no personal data).
 *
 * @since 0.3.0
 * @category models
 */
export interface PlanState {
  /** Whether a plan (what matters, goals) was recorded. */
  readonly recorded: boolean
  readonly goals: ReadonlyArray<string>
  readonly activities: ReadonlyArray<PlanActivity>
  readonly unmetNeeds: ReadonlyArray<{ readonly category: string; readonly area: string }>
}

/**
 * The plan of a referral that has none yet.
 *
 * @since 0.3.0
 * @category constructors
 */
export const empty: PlanState = { recorded: false, goals: [], activities: [], unmetNeeds: [] }

/**
 * Whether the client takes part in an activity now (joined, not left).
 *
 * @since 0.3.0
 * @category predicates
 */
export const isTakingPart = (a: PlanActivity): boolean => a.joinedAt !== undefined && a.leftAt === undefined

/**
 * Folds a plan event into the plan (other events leave it as it is).
 *
 * @since 0.3.0
 * @category folding
 */
export const evolve = (plan: PlanState, event: ReferralEvent): PlanState => {
  switch (event._tag) {
    case "PlanRecorded":
      return { ...plan, recorded: true, goals: event.goals }
    case "UnmetNeedRecorded":
      return plan.unmetNeeds.some((n) => n.category === event.category && n.area === event.area)
        ? plan
        : { ...plan, unmetNeeds: [...plan.unmetNeeds, { category: event.category, area: event.area }] }
    case "ActivityRecorded": {
      const current = plan.activities.find((a) => a.activity.id === event.activity.id)
      const start: PlanActivity = current ?? {
        activity: event.activity,
        step: event.step,
        suggested: false,
        tried: false,
        accompanied: false
      }
      const base = { ...start, activity: event.activity, step: event.step }
      const next: PlanActivity = (() => {
        switch (event.step) {
          case "suggested":
            return { ...base, suggested: true }
          case "tried":
            return { ...base, tried: true, accompanied: start.accompanied || event.accompanied === true }
          case "joined": {
            const { leftAt: _l, leaveReason: _r, continuingAt: _c, ...rest } = base
            return { ...rest, joinedAt: event.at }
          }
          case "left":
            return { ...base, leftAt: event.at, ...(event.reason === undefined ? {} : { leaveReason: event.reason }) }
          case "continuing":
            return { ...base, continuingAt: event.at }
        }
      })()
      return {
        ...plan,
        activities:
          current === undefined
            ? [...plan.activities, next]
            : plan.activities.map((a) => (a.activity.id === event.activity.id ? next : a))
      }
    }
    default:
      return plan
  }
}

type Decision = Result.Result<ReadonlyArray<ReferralEvent>, DecideError>

const invalid = (field: string, reason: string): Decision => Result.fail(new InvalidCommand({ field, reason }))

const during: ReadonlySet<Lifecycle.Status> = new Set(["Active", "OnHold"])

/**
 * The rules P1–P5 for `RecordActivity` (the role, the link worker's
 * assignment and the lifecycle's states are checked before).
 *
 * @since 0.3.0
 * @category deciding
 */
export const decideActivity = (
  plan: PlanState,
  status: Lifecycle.Status,
  command: Extract<ReferralCommand, { _tag: "RecordActivity" }>
): Decision => {
  const { step, activity } = command
  const notNow = (detail: string): Decision =>
    Result.fail(new TransitionNotAllowed({ state: status, command: command._tag, detail }))
  // P5
  if ((step === "suggested" || step === "tried" || step === "joined") && !during.has(status)) {
    return notNow(`an activity is ${step} during the collaboration`)
  }
  if (step === "continuing" && status !== "Closed") {
    return notNow("continuing is confirmed after closing (at follow-up); before it, joined and not left is enough")
  }
  // P2, P4: the fields that belong to one step only
  if (step === "left" && command.reason === undefined) return invalid("reason", "leaving needs a reason")
  if (step !== "left" && command.reason !== undefined) return invalid("reason", "only leaving has a reason")
  if (step === "tried" && command.accompanied === undefined) {
    return invalid("accompanied", "say whether the link worker came along")
  }
  if (step !== "tried" && command.accompanied !== undefined) return invalid("accompanied", "only with tried")
  if (step === "tried" && command.accompanied === true && !activity.accompanyingAllowed) {
    return invalid("accompanied", "this activity does not take an accompanying link worker")
  }
  const current = plan.activities.find((a) => a.activity.id === activity.id)
  const takingPart = current !== undefined && isTakingPart(current)
  switch (step) {
    case "suggested":
      if (current !== undefined && current.leftAt === undefined) {
        return invalid("activity", "already in the plan")
      }
      break
    case "tried":
      if (takingPart) return invalid("activity", "the client already takes part")
      break
    case "joined":
      // P1
      if (current === undefined || (!current.suggested && !current.tried)) {
        return invalid("step", "an activity is joined only after it was suggested or tried")
      }
      if (takingPart) return invalid("activity", "the client already takes part")
      break
    case "left":
    case "continuing":
      // P3
      if (!takingPart) return invalid("step", `only a joined activity is ${step === "left" ? "left" : "continued"}`)
      break
  }
  const { referralId, at, actor } = command
  return Result.succeed([
    {
      _tag: "ActivityRecorded",
      referralId,
      at,
      actor,
      activity,
      step,
      ...(command.accompanied === undefined ? {} : { accompanied: command.accompanied }),
      ...(command.reason === undefined ? {} : { reason: command.reason })
    }
  ])
}

/**
 * The plan as the link worker's caseload shows it (with what matters to the
 * client, from the vault, while the link worker sees the client).
 *
 * @since 0.3.0
 * @category models
 */
export interface CaseloadPlan {
  readonly goals: ReadonlyArray<string>
  readonly whatMatters?: string
  readonly activities: ReadonlyArray<PlanActivity>
  readonly unmetNeeds: PlanState["unmetNeeds"]
}

/**
 * The plan as the referrer may see it under rule C3: the goals, each
 * activity's latest step, the categories of unmet needs. Never what matters
 * to the client in their words.
 *
 * @since 0.3.0
 * @category models
 */
export interface ReferrerPlan {
  readonly goals: ReadonlyArray<string>
  readonly activities: ReadonlyArray<{
    readonly activityId: string
    readonly version: number
    readonly organisationId: string
    readonly step: ActivityStep
  }>
  readonly unmetNeeds: ReadonlyArray<string>
}

/**
 * Whether the plan has anything to show.
 *
 * @since 0.3.0
 * @category predicates
 */
export const isEmpty = (plan: PlanState): boolean =>
  !plan.recorded && plan.activities.length === 0 && plan.unmetNeeds.length === 0

/**
 * The referrer's cut of the plan.
 *
 * @since 0.3.0
 * @category views
 */
export const referrerPlan = (plan: PlanState): ReferrerPlan => ({
  goals: plan.goals,
  activities: plan.activities.map((a) => ({
    activityId: a.activity.id,
    version: a.activity.version,
    organisationId: a.activity.organisationId,
    step: a.step
  })),
  unmetNeeds: [...new Set(plan.unmetNeeds.map((n) => n.category))]
})
