/**
 * The deadlines D1–D6 (domain specification §3), derived from a referral's
 * state and its programme version, never stored as free-floating timers: they
 * survive restarts and can be recomputed at any time.
 *
 * | code | kind | due | warning / reminder | when missed |
 * |---|---|---|---|---|
 * | D1 | `assignment` | end of the `assignment.businessDays`-th business day after submission | at the start of calling hours on that day | `AssignmentOverdue` |
 * | D2 | `first-contact` | end of the last day of `firstContact.days` (business or calendar) after submission | `atRiskHours` before | `ContactDeadlineMissed` |
 * | D3 | (text message) | the message precedes the call by `leadTimeMinutes` and is never sent in quiet hours | — | the schedule command is refused (`validateCallTime`) |
 * | D4 | `collaboration` | `maxMonths` after the collaboration started | at `warnAfterMonths` | `DurationExceeded` (flag; not closed) |
 * | D5 | `follow-up` | `windowDays` after the day `monthsAfterClosing` after closing | `reminderDaysBefore` before the window opens | `FollowUpCompleted` with `missed` |
 * | D6 | `retention` | `erasePersonalDataAfterMonths` after the referral ended | — | `PersonalDataErased` |
 *
 * Days and months are counted on the local calendar of the programme's time
 * zone (Europe/Helsinki), business days by Act 150/1930 (`FinnishCalendar`).
 * A marker fires at most once per referral: the decider records it in the
 * state and refuses to fire it before its time.
 *
 * @since 0.1.0
 */
import { Result, Schema } from "effect"
import * as FinnishCalendar from "./FinnishCalendar.js"
import { type Instant, plusMillis } from "./Instant.js"
import * as Lifecycle from "./Lifecycle.js"
import * as LocalTime from "./LocalTime.js"
import type { Programme } from "./Programme.js"
import type { ReferralState } from "./Referral.js"
import { CallTimeNotAllowed, type CallTimeProblem } from "./ReferralError.js"

/**
 * The deadline kinds that fire markers.
 *
 * @since 0.1.0
 * @category models
 */
export const Kind = Schema.Literals(["assignment", "first-contact", "collaboration", "follow-up", "retention"])
/**
 * @since 0.1.0
 * @category models
 */
export type Kind = typeof Kind.Type

/**
 * The domain specification's code of each kind.
 *
 * @since 0.1.0
 * @category constants
 */
export const codes: Readonly<Record<Kind, "D1" | "D2" | "D4" | "D5" | "D6">> = {
  assignment: "D1",
  "first-contact": "D2",
  collaboration: "D4",
  "follow-up": "D5",
  retention: "D6"
}

/**
 * A warning before the deadline (`at-risk`, also used for reminders) or the
 * deadline passing (`missed`).
 *
 * @since 0.1.0
 * @category models
 */
export const Marker = Schema.Literals(["at-risk", "missed"])
/**
 * @since 0.1.0
 * @category models
 */
export type Marker = typeof Marker.Type

/**
 * A deadline that applies to the referral now.
 *
 * @since 0.1.0
 * @category models
 */
export interface Deadline {
  readonly kind: Kind
  readonly code: (typeof codes)[Kind]
  /** The instant by which it must be met (exclusive). */
  readonly dueAt: Instant
  /** When the warning or reminder fires, for kinds that have one. */
  readonly warnAt?: Instant
  /** D5: when the follow-up window opens. */
  readonly opensAt?: Instant
}

/**
 * One marker to fire: the deadline, which marker, and when.
 *
 * @since 0.1.0
 * @category models
 */
export interface Firing {
  readonly kind: Kind
  readonly marker: Marker
  readonly fireAt: Instant
  readonly dueAt: Instant
}

/**
 * The key under which the state remembers a fired marker.
 *
 * @since 0.1.0
 * @category utils
 */
export const markKey = (kind: Kind, marker: Marker): string => `${kind}:${marker}`

const zoneOf = (p: Programme): string => p.timeZone

/**
 * D2's due instant for a referral submitted at `submittedAt`: the end of the
 * period's last local day.
 *
 * @since 0.1.0
 * @category deadlines
 */
export const firstContactDueAt = (submittedAt: Instant, programme: Programme): Instant => {
  const zone = zoneOf(programme)
  const last = FinnishCalendar.deadline(LocalTime.localDateOf(submittedAt, zone), programme.deadlines.firstContact)
  return LocalTime.endOfLocalDay(last, zone)
}

/**
 * D5's window for a referral closed at `closedAt`: opens `windowDays` before
 * the day `monthsAfterClosing` after closing, and closes `windowDays` after
 * it (end of that local day).
 *
 * @since 0.1.0
 * @category deadlines
 */
export const followUpWindow = (
  closedAt: Instant,
  programme: Programme
): { readonly opensAt: Instant; readonly dueDay: FinnishCalendar.LocalDate; readonly closesAt: Instant } => {
  const zone = zoneOf(programme)
  const f = programme.deadlines.followUp
  const dueDay = LocalTime.localDateOf(LocalTime.addLocalMonths(closedAt, f.monthsAfterClosing, zone), zone)
  return {
    opensAt: LocalTime.startOfLocalDay(FinnishCalendar.addDays(dueDay, -f.windowDays), zone),
    dueDay,
    closesAt: LocalTime.endOfLocalDay(FinnishCalendar.addDays(dueDay, f.windowDays), zone)
  }
}

/**
 * D6's due instant, or `undefined` when the programme sets no retention
 * period or the referral has not ended.
 *
 * @since 0.1.0
 * @category deadlines
 */
export const retentionDueAt = (state: ReferralState, programme: Programme): Instant | undefined => {
  const months = programme.deadlines.retention.erasePersonalDataAfterMonths
  return months === null || state.endedAt === undefined
    ? undefined
    : LocalTime.addLocalMonths(state.endedAt, months, zoneOf(programme))
}

const firstContactMet = (state: ReferralState, dueAt: Instant): boolean =>
  !(state.status === "Submitted" || state.status === "Assigned" || state.status === "ContactScheduled") ||
  (state.status === "ContactScheduled" && state.callAt !== undefined && state.callAt < dueAt)

/**
 * The deadlines that apply to the referral in its current state (those not
 * yet met or passed out of scope), earliest first.
 *
 * @since 0.1.0
 * @category deadlines
 */
export const nextDeadlines = (state: ReferralState, programme: Programme): ReadonlyArray<Deadline> => {
  const zone = zoneOf(programme)
  const d = programme.deadlines
  const out: Array<Deadline> = []
  if (state.status === "Submitted" && state.submittedAt !== undefined) {
    const day = FinnishCalendar.addBusinessDays(
      LocalTime.localDateOf(state.submittedAt, zone),
      d.assignment.businessDays
    )
    out.push({
      kind: "assignment",
      code: "D1",
      dueAt: LocalTime.endOfLocalDay(day, zone),
      warnAt: LocalTime.instantAt(day, d.callingHours.start, zone)
    })
  }
  if (state.submittedAt !== undefined) {
    const dueAt = firstContactDueAt(state.submittedAt, programme)
    if (!firstContactMet(state, dueAt)) {
      out.push({
        kind: "first-contact",
        code: "D2",
        dueAt,
        warnAt: plusMillis(dueAt, -d.firstContact.atRiskHours * 3_600_000)
      })
    }
  }
  if ((state.status === "Active" || state.status === "OnHold") && state.startedAt !== undefined) {
    out.push({
      kind: "collaboration",
      code: "D4",
      dueAt: LocalTime.addLocalMonths(state.startedAt, d.collaboration.maxMonths, zone),
      warnAt: LocalTime.addLocalMonths(state.startedAt, d.collaboration.warnAfterMonths, zone)
    })
  }
  if (state.status === "Closed" && state.closedAt !== undefined) {
    const w = followUpWindow(state.closedAt, programme)
    out.push({
      kind: "follow-up",
      code: "D5",
      dueAt: w.closesAt,
      opensAt: w.opensAt,
      warnAt: LocalTime.addLocalDays(w.opensAt, -d.followUp.reminderDaysBefore, zone)
    })
  }
  if (!state.personalDataErased && Lifecycle.isTerminal(state.status)) {
    const dueAt = retentionDueAt(state, programme)
    if (dueAt !== undefined) out.push({ kind: "retention", code: "D6", dueAt })
  }
  return out.sort((a, b) => (a.dueAt < b.dueAt ? -1 : a.dueAt > b.dueAt ? 1 : 0))
}

/**
 * Every marker the referral still has to fire, with its time: the warnings and
 * the missed markers of `nextDeadlines` that the state has not recorded.
 *
 * @since 0.1.0
 * @category scheduling
 */
export const pendingFirings = (state: ReferralState, programme: Programme): ReadonlyArray<Firing> => {
  const out: Array<Firing> = []
  for (const dl of nextDeadlines(state, programme)) {
    if (dl.warnAt !== undefined && !state.deadlineMarks.includes(markKey(dl.kind, "at-risk"))) {
      out.push({ kind: dl.kind, marker: "at-risk", fireAt: dl.warnAt, dueAt: dl.dueAt })
    }
    if (!state.deadlineMarks.includes(markKey(dl.kind, "missed"))) {
      out.push({ kind: dl.kind, marker: "missed", fireAt: dl.dueAt, dueAt: dl.dueAt })
    }
  }
  return out.sort((a, b) => (a.fireAt < b.fireAt ? -1 : a.fireAt > b.fireAt ? 1 : 0))
}

/**
 * When the referral's next marker falls due at or after `from`: the
 * earliest instant at which `dueFirings` gives a marker. A `missed` marker
 * is due from its fire time on; an `at-risk` marker only before its
 * deadline (`dueFirings` skips it once the deadline has passed), so one
 * whose deadline is at or before `from` is left out. `undefined` when no
 * marker can fall due any more. The service computes it with each append
 * (`from`: the command's time) and the scheduler again when it finds nothing
 * due (`from`: now); the store keeps it with the referral
 * (`ReferralIndex.due`).
 *
 * @since 0.2.0
 * @category scheduling
 */
export const nextDueAt = (state: ReferralState, programme: Programme, from?: Instant): Instant | undefined => {
  let earliest: Instant | undefined
  for (const f of pendingFirings(state, programme)) {
    if (f.marker === "at-risk" && (f.fireAt >= f.dueAt || (from !== undefined && f.dueAt <= from))) continue
    if (earliest === undefined || f.fireAt < earliest) earliest = f.fireAt
  }
  return earliest
}

/**
 * The markers due at `now` (fire time reached, not yet recorded). An
 * `at-risk` marker whose deadline has already passed is skipped: only the
 * `missed` marker fires then.
 *
 * @since 0.1.0
 * @category scheduling
 */
export const dueFirings = (state: ReferralState, programme: Programme, now: Instant): ReadonlyArray<Firing> =>
  pendingFirings(state, programme).filter((f) => f.fireAt <= now && !(f.marker === "at-risk" && f.dueAt <= now))

/**
 * When the text message about a call may be sent: from `sendAfter` (now, or
 * the end of quiet hours) to `sendBefore` (the lead time before the call).
 *
 * @since 0.1.0
 * @category models
 */
export interface MessageWindow {
  readonly sendAfter: Instant
  readonly sendBefore: Instant
}

const minute = 60_000

const ceilToMinute = (i: Instant): Instant => {
  const ms = Date.parse(i)
  return plusMillis(i, (minute - (ms % minute)) % minute)
}

/** The earliest instant ≥ `from` within calling hours on a business day. */
const earliestCallingTime = (from: Instant, programme: Programme): Instant => {
  const zone = zoneOf(programme)
  const hours = programme.deadlines.callingHours
  const at = ceilToMinute(from)
  const day = LocalTime.localDateOf(at, zone)
  const clock = LocalTime.localClockOf(at, zone)
  if (FinnishCalendar.isBusinessDay(day) && clock >= hours.start && clock < hours.end) return at
  const nextDay =
    FinnishCalendar.isBusinessDay(day) && clock < hours.start ? day : FinnishCalendar.addBusinessDays(day, 1)
  return LocalTime.instantAt(nextDay, hours.start, zone)
}

/**
 * The earliest instant at which the text message may be sent if it is queued
 * at `at`: `at` itself, or the end of quiet hours.
 *
 * @since 0.1.0
 * @category text message
 */
export const earliestSend = (at: Instant, programme: Programme): Instant =>
  LocalTime.nextWindowEnd(at, programme.deadlines.textMessage.quietHours, zoneOf(programme))

/**
 * The earliest call time that the rules allow for a call scheduled at `at`:
 * within calling hours on a business day, after the text message's earliest
 * send time plus the lead time (when there is a message), and at least a
 * minute after `at`.
 *
 * @since 0.1.0
 * @category text message
 */
export const earliestCallTime = (options: {
  readonly programme: Programme
  readonly at: Instant
  readonly withMessage: boolean
}): Instant =>
  earliestCallTimeFrom(
    options.programme,
    options.at,
    options.withMessage ? earliestSend(options.at, options.programme) : undefined
  )

const earliestCallTimeFrom = (programme: Programme, at: Instant, sendAfter: Instant | undefined): Instant => {
  const soonest = plusMillis(at, minute)
  if (sendAfter === undefined) return earliestCallingTime(soonest, programme)
  const afterMessage = plusMillis(sendAfter, programme.deadlines.textMessage.leadTimeMinutes * minute)
  // biome-ignore lint/complexity/useMathMinMax: instants are ISO strings, ordered as text
  return earliestCallingTime(afterMessage > soonest ? afterMessage : soonest, programme)
}

/**
 * Validates a call time proposed at `at` (D2, D3 and calling hours):
 *
 * - in the future, on a business day, within the programme's calling hours;
 * - with a text message: the earliest send time (now, or the end of quiet
 *   hours) plus the lead time is at or before the call;
 * - before the first-contact deadline, when `enforceFirstContactDeadline`
 *   (the first call and its reschedules; calls after a failed attempt are
 *   not held to it) and the deadline can still be met: when even the
 *   earliest valid call time is past it, the deadline is lost either way and
 *   the call is accepted (the `missed` marker will record it).
 *
 * A refusal carries the earliest valid call time. On success, returns the
 * text message's send window (when `withMessage`).
 *
 * @since 0.1.0
 * @category text message
 */
export const validateCallTime = (options: {
  readonly programme: Programme
  readonly at: Instant
  readonly callAt: Instant
  readonly withMessage: boolean
  readonly submittedAt: Instant
  readonly enforceFirstContactDeadline: boolean
}): Result.Result<MessageWindow | undefined, CallTimeNotAllowed> => {
  const { programme, at, callAt, withMessage } = options
  const zone = zoneOf(programme)
  const lead = programme.deadlines.textMessage.leadTimeMinutes * minute
  const dueAt = firstContactDueAt(options.submittedAt, programme)
  const sendAfter = withMessage ? earliestSend(at, programme) : at
  const deadlineAhead = options.enforceFirstContactDeadline && at < dueAt
  let suggestion: Instant | undefined
  const suggested = (): Instant => {
    suggestion ??= earliestCallTimeFrom(programme, at, withMessage ? sendAfter : undefined)
    return suggestion
  }
  // the deadline binds only while some valid call time still lies before it
  const deadlineApplies = (): boolean => deadlineAhead && suggested() < dueAt
  const refuse = (problem: typeof CallTimeProblem.Type) =>
    Result.fail(
      new CallTimeNotAllowed({
        problem,
        suggestedCallAt: suggested(),
        ...(deadlineAhead ? { firstContactDueAt: dueAt } : {}),
        deadlineMissable: deadlineAhead && !deadlineApplies()
      })
    )
  if (callAt <= at) return refuse("not-in-the-future")
  const day = LocalTime.localDateOf(callAt, zone)
  if (!FinnishCalendar.isBusinessDay(day)) return refuse("not-a-business-day")
  const clock = LocalTime.localClockOf(callAt, zone)
  const hours = programme.deadlines.callingHours
  if (clock < hours.start || clock >= hours.end) return refuse("outside-calling-hours")
  if (withMessage && plusMillis(sendAfter, lead) > callAt) return refuse("text-message-lead-time")
  if (deadlineAhead && callAt >= dueAt && deadlineApplies()) return refuse("after-first-contact-deadline")
  return Result.succeed(withMessage ? { sendAfter, sendBefore: plusMillis(callAt, -lead) } : undefined)
}
