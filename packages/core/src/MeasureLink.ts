/**
 * The client's measure by a secure link (domain specification §10): when a
 * self-report measure falls due (the follow-up window above all), the client
 * gets a text message with a single-use, expiring link to a form; their
 * answers are the same measures a link worker would record.
 *
 * The rules live here and in the decider (`RequestMeasureLink`,
 * `AnswerMeasureLink`), in one place:
 *
 * - a link message is asked for only when the programme sends links at the
 *   time point (`Programme.measureLinks`), a self-report measure of the time
 *   point is missing and its time has come (baseline: from submission; end:
 *   from closing until the follow-up window opens; follow-up: inside D5's
 *   window), under C2 (contact-by-sms consent in force and a valid mobile
 *   number), never after withdrawal or erasure (C5, C6), at most
 *   `1 + reminders.max` times per time point, `reminders.intervalDays` apart;
 * - the message is sent after quiet hours (`sendAfter`) and never after the
 *   link expires (`sendBefore`); the link expires `validDays` after the
 *   request and never after the time point's window;
 * - an answer is accepted only for a link issued to this referral for this
 *   time point, before it expires, while no link of the time point has been
 *   answered, and with the answers `RecordMeasure` accepts.
 *
 * `sendsDue` and `nextSendAt` tell the scheduler when to ask (the same
 * rules: a send they give is never refused).
 *
 * @since 0.3.0
 */
import { Result } from "effect"
import * as Consent from "./Consent.js"
import * as Deadlines from "./Deadlines.js"
import type { Instant } from "./Instant.js"
import * as Lifecycle from "./Lifecycle.js"
import * as LocalTime from "./LocalTime.js"
import * as Measures from "./Measures.js"
import type * as Programme from "./Programme.js"
import type { ReferralState } from "./Referral.js"
import type { ReferralCommand, TimePoint } from "./ReferralCommand.js"
import {
  ConsentMissing,
  type DecideError,
  InvalidCommand,
  MobileNumberMissing,
  TooEarly,
  TransitionNotAllowed
} from "./ReferralError.js"

/**
 * A link as the referral's state remembers it.
 *
 * @since 0.3.0
 * @category models
 */
export interface Issued {
  readonly tokenId: string
  readonly timePoint: TimePoint
  readonly reminder: number
  readonly requestedAt: Instant
  readonly expiresAt: Instant
}

/**
 * What an accepted request gives: the reminder number (0 for the first
 * message), the send window and the link's expiry.
 *
 * @since 0.3.0
 * @category models
 */
export interface Grant {
  readonly reminder: number
  readonly sendAfter: Instant
  readonly sendBefore: Instant
  readonly expiresAt: Instant
}

/**
 * The links issued for a time point, oldest first.
 *
 * @since 0.3.0
 * @category getters
 */
export const issued = (state: ReferralState, timePoint: TimePoint): ReadonlyArray<Issued> =>
  (state.measureLinks ?? []).filter((l) => l.timePoint === timePoint)

/**
 * Whether a link of the time point was answered.
 *
 * @since 0.3.0
 * @category getters
 */
export const answered = (state: ReferralState, timePoint: TimePoint): boolean =>
  (state.measureLinksAnswered ?? []).includes(timePoint)

/**
 * When the time point's messages may start, and the instant they may not
 * reach (`undefined` when the state takes no measure of the time point).
 */
const span = (
  state: ReferralState,
  programme: Programme.Programme,
  timePoint: TimePoint
): { readonly start: Instant; readonly end?: Instant } | undefined => {
  switch (timePoint) {
    case "baseline":
      return Measures.baselineStates.has(state.status) && state.submittedAt !== undefined
        ? { start: state.submittedAt }
        : undefined
    case "end":
      return state.status === "Closed" && state.closedAt !== undefined
        ? { start: state.closedAt, end: Deadlines.followUpWindow(state.closedAt, programme).opensAt }
        : undefined
    case "follow-up": {
      if (state.status !== "Closed" || state.closedAt === undefined) return undefined
      const w = Deadlines.followUpWindow(state.closedAt, programme)
      return { start: w.opensAt, end: w.closesAt }
    }
  }
}

/**
 * The self-report measures the programme expects at the time point and the
 * referral has not recorded (a baseline is not asked for once the end
 * measure of the same instrument is in).
 *
 * @since 0.3.0
 * @category getters
 */
export const missingSelfMeasures = (
  state: ReferralState,
  programme: Programme.Programme,
  timePoint: TimePoint
): ReadonlyArray<Programme.ExpectedMeasure> => {
  const list =
    timePoint === "baseline"
      ? programme.measures.baseline
      : timePoint === "end"
        ? programme.measures.end
        : programme.measures.followUp
  const taken = (tp: TimePoint, instrument: string) =>
    state.measures.some((m) => m.timePoint === tp && m.instrument === instrument && m.respondent === "self")
  return list.filter(
    (m) =>
      m.respondent === "self" &&
      !taken(timePoint, m.instrument) &&
      !(timePoint === "baseline" && taken("end", m.instrument))
  )
}

const refuse = (state: ReferralState, detail: string): Result.Result<never, DecideError> =>
  Result.fail(new TransitionNotAllowed({ state: state.status, command: "RequestMeasureLink", detail }))

/**
 * Whether a link message for the time point may be asked for at `at`, and
 * on what terms. The decider's rule for `RequestMeasureLink`.
 *
 * @since 0.3.0
 * @category rules
 */
export const check = (
  state: ReferralState,
  programme: Programme.Programme,
  timePoint: TimePoint,
  at: Instant
): Result.Result<Grant, DecideError> => {
  const settings = programme.measureLinks
  if (settings === undefined || !settings.timePoints.includes(timePoint)) {
    return Result.fail(
      new InvalidCommand({ field: "timePoint", reason: "the programme sends no measure link at this time point" })
    )
  }
  // C5, C6: never after withdrawal (an ended referral) or erasure
  if (state.personalDataErased) return Result.fail(new MobileNumberMissing({}))
  if (Lifecycle.isTerminal(state.status)) return refuse(state, "the referral has ended")
  const s = span(state, programme, timePoint)
  if (s === undefined) return refuse(state, `no ${timePoint} measure is taken in this state`)
  if (at < s.start) return Result.fail(new TooEarly({ command: "RequestMeasureLink", notBefore: s.start }))
  if (s.end !== undefined && at >= s.end) return refuse(state, `the ${timePoint} measure's time has passed`)
  if (answered(state, timePoint) || missingSelfMeasures(state, programme, timePoint).length === 0) {
    return refuse(state, `the ${timePoint} self-report measures are recorded`)
  }
  // C2: contact-by-sms consent in force and a valid mobile number
  if (!Consent.isGranted(state.consents, "contact-by-sms", at)) {
    return Result.fail(new ConsentMissing({ purpose: "contact-by-sms", rule: "C2" }))
  }
  if (!state.validMobile) return Result.fail(new MobileNumberMissing({}))
  const before = issued(state, timePoint)
  if (before.length >= 1 + settings.reminders.max) return refuse(state, "the programme's reminders are used up")
  const last = before[before.length - 1]
  if (last !== undefined) {
    const next = LocalTime.addLocalDays(last.requestedAt, settings.reminders.intervalDays, programme.timeZone)
    if (at < next) return Result.fail(new TooEarly({ command: "RequestMeasureLink", notBefore: next }))
  }
  const valid = LocalTime.addLocalDays(at, settings.validDays, programme.timeZone)
  const expiresAt = s.end !== undefined && s.end < valid ? s.end : valid
  // quiet hours: never sent in them; the message must still go before the link expires
  const sendAfter = Deadlines.earliestSend(at, programme)
  if (sendAfter >= expiresAt) return refuse(state, "quiet hours last until the link would expire")
  return Result.succeed({ reminder: before.length, sendAfter, sendBefore: expiresAt, expiresAt })
}

/**
 * Whether an answer through a link may be recorded at `at`: the link was
 * issued to this referral for this time point, has not expired, and no link
 * of the time point was answered; never after erasure. The measures
 * themselves are checked as `RecordMeasure` checks them.
 *
 * @since 0.3.0
 * @category rules
 */
export const checkAnswer = (
  state: ReferralState,
  command: Extract<ReferralCommand, { readonly _tag: "AnswerMeasureLink" }>
): Result.Result<Issued, DecideError> => {
  const link = (state.measureLinks ?? []).find((l) => l.tokenId === command.tokenId)
  if (link === undefined || link.timePoint !== command.timePoint) {
    return Result.fail(new InvalidCommand({ field: "tokenId", reason: "not a link of this referral's time point" }))
  }
  const no = (detail: string) =>
    Result.fail(new TransitionNotAllowed({ state: state.status, command: command._tag, detail }))
  if (state.personalDataErased) return no("the client's personal data is erased")
  if (answered(state, command.timePoint)) return no("a link of this time point was already answered")
  if (command.at >= link.expiresAt) return no("the link has expired")
  return Result.succeed(link)
}

/**
 * One link message the scheduler is to ask for: the time point and when.
 *
 * @since 0.3.0
 * @category models
 */
export interface Send {
  readonly timePoint: TimePoint
  readonly reminder: number
  readonly at: Instant
}

/**
 * The next link message of each time point, at or after `from` (and the
 * referral's latest event): the first
 * when the measure falls due, each reminder `intervalDays` after the one
 * before; only those `check` accepts at their time.
 *
 * @since 0.3.0
 * @category scheduling
 */
export const plannedSends = (
  state: ReferralState,
  programme: Programme.Programme,
  from: Instant
): ReadonlyArray<Send> => {
  const settings = programme.measureLinks
  if (settings === undefined || state.personalDataErased || Lifecycle.isTerminal(state.status)) return []
  const out: Array<Send> = []
  for (const timePoint of settings.timePoints) {
    const s = span(state, programme, timePoint)
    if (s === undefined) continue
    const before = issued(state, timePoint)
    const last = before[before.length - 1]
    const candidate =
      last === undefined
        ? s.start
        : LocalTime.addLocalDays(last.requestedAt, settings.reminders.intervalDays, programme.timeZone)
    // never before the referral's latest event: the decider refuses commands that go back in time
    const floor = state.lastEventAt !== undefined && state.lastEventAt > from ? state.lastEventAt : from
    // biome-ignore lint/complexity/useMathMinMax: instants are ISO strings, ordered as text
    const at = candidate > floor ? candidate : floor
    if (Result.isSuccess(check(state, programme, timePoint, at))) out.push({ timePoint, reminder: before.length, at })
  }
  return out.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
}

/**
 * The link messages to ask for at `now`.
 *
 * @since 0.3.0
 * @category scheduling
 */
export const sendsDue = (state: ReferralState, programme: Programme.Programme, now: Instant): ReadonlyArray<Send> =>
  plannedSends(state, programme, now).filter((s) => s.at <= now)

/**
 * When the next link message falls due at or after `from` (`undefined`:
 * none will, unless the referral changes).
 *
 * @since 0.3.0
 * @category scheduling
 */
export const nextSendAt = (state: ReferralState, programme: Programme.Programme, from: Instant): Instant | undefined =>
  plannedSends(state, programme, from)[0]?.at
