/**
 * Measure administrations and their scores (domain specification §7): what
 * was answered (completeness), the raw and converted scores, the change
 * between two administrations, and which measures a referral's programme
 * still expects (due).
 *
 * Rules:
 * - a form with any missing item is recorded but not scored (no official
 *   imputation rule exists); so is a form with the wrong number of answers or
 *   an answer off the instrument's integer scale. The reason is data, not an
 *   error: the answers are already recorded facts.
 * - change is only computed between two administrations of the same
 *   instrument by the same kind of respondent: a proxy's score is never
 *   paired with the client's own.
 * - an instrument without individual reporting (ESIS) is scored for group
 *   aggregates only: `forClient` never shows its score.
 *
 * @since 0.1.0
 */
import { Result } from "effect"
import * as Consent from "./Consent.js"
import * as Deadlines from "./Deadlines.js"
import type { Instant } from "./Instant.js"
import * as Instrument from "./Instrument.js"
import type * as Instruments from "./Instruments.js"
import type * as Lifecycle from "./Lifecycle.js"
import type * as Programme from "./Programme.js"
import type { ReferralState } from "./Referral.js"
import type { TimePoint } from "./ReferralCommand.js"
import type { ReferralEvent } from "./ReferralEvent.js"

/**
 * Who answered: the client (`self`) or someone about them (`proxy`).
 *
 * @since 0.1.0
 * @category models
 */
export type Respondent = "self" | "proxy"

/**
 * One administration of an instrument, as recorded.
 *
 * @since 0.1.0
 * @category models
 */
export interface Administration {
  readonly instrument: string
  readonly timePoint: TimePoint
  readonly respondent: Respondent
  readonly answers: ReadonlyArray<number | null>
  readonly at: Instant
}

/**
 * The administrations recorded in a referral's events, in order.
 *
 * @since 0.1.0
 * @category constructors
 */
export const administrations = (events: Iterable<ReferralEvent>): ReadonlyArray<Administration> => {
  const out: Array<Administration> = []
  for (const e of events) {
    if (e._tag === "MeasureRecorded") {
      out.push({
        instrument: e.instrument,
        timePoint: e.timePoint,
        respondent: e.respondent,
        answers: e.answers,
        at: e.at
      })
    }
  }
  return out
}

/**
 * How much of a form was answered. `missing` lists item numbers (from 1) of
 * the instrument's items that have no answer.
 *
 * @since 0.1.0
 * @category models
 */
export interface Completeness {
  readonly items: number
  readonly answered: number
  readonly missing: ReadonlyArray<number>
}

/**
 * One score of a scored form: `raw` is the sum (or, for a separate item
 * score, the item's answer), `value` the score reported (converted, mean, or
 * equal to `raw`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Score {
  readonly key: string
  readonly raw: number
  readonly value: number
}

/**
 * Why a form was not scored: an item is missing, the number of answers is not
 * the instrument's item count, or an answer is not an integer on the scale.
 *
 * @since 0.1.0
 * @category models
 */
export type NotScoredReason = "incomplete" | "wrong-item-count" | "off-scale"

/**
 * The outcome of scoring a form.
 *
 * @since 0.1.0
 * @category models
 */
export type Scoring =
  | {
      readonly _tag: "Scored"
      readonly instrument: string
      readonly completeness: Completeness
      readonly scores: ReadonlyArray<Score>
    }
  | {
      readonly _tag: "NotScored"
      readonly instrument: string
      readonly completeness: Completeness
      readonly reason: NotScoredReason
      /** The item numbers at fault (missing or off the scale); empty for a wrong item count. */
      readonly items: ReadonlyArray<number>
    }

const completenessOf = (i: Instrument.Instrument, answers: ReadonlyArray<number | null>): Completeness => {
  const missing: Array<number> = []
  for (let k = 0; k < i.items; k++) if (answers[k] === null || answers[k] === undefined) missing.push(k + 1)
  return { items: i.items, answered: i.items - missing.length, missing }
}

const round = (x: number, decimals: number): number => {
  const f = 10 ** decimals
  return Math.round(x * f) / f
}

/**
 * Scores a form. This is the building block for aggregates: it scores every
 * instrument, including group-only ones; to show a score to a person use
 * `forClient`.
 *
 * @since 0.1.0
 * @category scoring
 */
export const score = (i: Instrument.Instrument, answers: ReadonlyArray<number | null>): Scoring => {
  const completeness = completenessOf(i, answers)
  const notScored = (reason: NotScoredReason, items: ReadonlyArray<number>): Scoring => ({
    _tag: "NotScored",
    instrument: i.code,
    completeness,
    reason,
    items
  })
  if (answers.length !== i.items) return notScored("wrong-item-count", [])
  const offScale = answers.flatMap((a, k) =>
    a !== null && (!Number.isInteger(a) || a < i.scale.min || a > i.scale.max) ? [k + 1] : []
  )
  if (offScale.length > 0) return notScored("off-scale", offScale)
  if (completeness.missing.length > 0) return notScored("incomplete", completeness.missing)
  const values = answers as ReadonlyArray<number>
  const sum = values.reduce((s, a) => s + a, 0)
  const scored = (scores: ReadonlyArray<Score>): Scoring => ({
    _tag: "Scored",
    instrument: i.code,
    completeness,
    scores
  })
  switch (i.scoring._tag) {
    case "Sum":
      return scored([{ key: "total", raw: sum, value: sum }])
    case "Mean":
      return scored([{ key: "total", raw: sum, value: round(sum / i.items, 10) }])
    case "Conversion": {
      const row = i.scoring.table.find((r) => r.raw === sum)
      // a decoded instrument's table covers every possible sum
      return row === undefined ? notScored("off-scale", []) : scored([{ key: "total", raw: sum, value: row.score }])
    }
    case "Separate":
      return scored(
        i.scoring.scores.map((s) => {
          const v = values[s.item - 1] as number
          return { key: s.key, raw: v, value: v }
        })
      )
  }
}

/**
 * How a change compares with the instrument's thresholds, in the direction
 * of better; `unclassified` when the score has no thresholds.
 *
 * @since 0.1.0
 * @category models
 */
export type ChangeClass =
  | "improved-clearly"
  | "improved-possibly"
  | "no-meaningful-change"
  | "worsened-possibly"
  | "worsened-clearly"
  | "unclassified"

/**
 * The classes that count as a meaningful improvement.
 *
 * @since 0.1.0
 * @category constants
 */
export const improvedClasses: ReadonlySet<ChangeClass> = new Set(["improved-clearly", "improved-possibly"])

/**
 * Classifies an improvement (the change in the direction of better).
 * Compared at six decimals, so that 26.02 − 23.02 counts as 3. No change
 * (0) is `no-meaningful-change` whatever the thresholds, also thresholds of 0.
 *
 * @since 0.1.0
 * @category change
 */
export const classify = (improvement: number, thresholds: Instrument.Thresholds | undefined): ChangeClass => {
  if (thresholds === undefined) return "unclassified"
  const x = round(improvement, 6)
  if (x > 0 && x >= thresholds.clear) return "improved-clearly"
  if (x > 0 && x >= thresholds.possible) return "improved-possibly"
  if (x < 0 && x <= -thresholds.clear) return "worsened-clearly"
  if (x < 0 && x <= -thresholds.possible) return "worsened-possibly"
  return "no-meaningful-change"
}

/**
 * The change of one score between two administrations: `change` is
 * `after − before`; `improvement` the same in the direction of better.
 *
 * @since 0.1.0
 * @category models
 */
export interface ScoreChange {
  readonly key: string
  readonly before: number
  readonly after: number
  readonly change: number
  readonly improvement: number
  readonly classification: ChangeClass
}

/**
 * The change between two administrations.
 *
 * @since 0.1.0
 * @category models
 */
export interface Change {
  readonly instrument: string
  readonly respondent: Respondent
  readonly from: TimePoint
  readonly to: TimePoint
  readonly scores: ReadonlyArray<ScoreChange>
}

/**
 * Why two administrations cannot be compared.
 *
 * @since 0.1.0
 * @category models
 */
export type NoChangeReason =
  | "different-instrument"
  | "different-respondent"
  | "same-time-point"
  | "not-scored"
  | "group-only"

/**
 * The change between two administrations of the same instrument by the same
 * kind of respondent (`before` first), classified against the thresholds.
 * For an instrument without individual reporting, only aggregates may ask
 * (`{ aggregate: true }`); otherwise the answer is `group-only`.
 *
 * @since 0.1.0
 * @category change
 */
export const change = (
  i: Instrument.Instrument,
  before: Administration,
  after: Administration,
  options: { readonly aggregate?: boolean } = {}
): Result.Result<Change, NoChangeReason> => {
  if (before.instrument !== i.code || after.instrument !== i.code) return Result.fail("different-instrument")
  if (before.respondent !== after.respondent) return Result.fail("different-respondent")
  if (before.timePoint === after.timePoint) return Result.fail("same-time-point")
  if (!i.individualReporting && options.aggregate !== true) return Result.fail("group-only")
  const a = score(i, before.answers)
  const b = score(i, after.answers)
  if (a._tag !== "Scored" || b._tag !== "Scored") return Result.fail("not-scored")
  const definitions = Instrument.scoreDefinitions(i)
  const scores = definitions.map((d): ScoreChange => {
    const x = a.scores.find((s) => s.key === d.key)?.value as number
    const y = b.scores.find((s) => s.key === d.key)?.value as number
    const delta = round(y - x, 10)
    const improvement = d.direction === "higher-is-better" ? delta : -delta
    return {
      key: d.key,
      before: x,
      after: y,
      change: delta,
      improvement: improvement === 0 ? 0 : improvement,
      classification: classify(improvement, d.thresholds)
    }
  })
  return Result.succeed({
    instrument: i.code,
    respondent: before.respondent,
    from: before.timePoint,
    to: after.timePoint,
    scores
  })
}

/**
 * The comparisons the library makes: baseline to end, and baseline to
 * follow-up.
 *
 * @since 0.1.0
 * @category constants
 */
export const comparisons: ReadonlyArray<{ readonly from: TimePoint; readonly to: TimePoint }> = [
  { from: "baseline", to: "end" },
  { from: "baseline", to: "follow-up" }
]

/**
 * The changes of one referral for an instrument, respondent kind and
 * comparison (for aggregates; at most one pair, as each time point is
 * recorded once per instrument and respondent).
 *
 * @since 0.1.0
 * @category change
 */
export const pairedChange = (
  i: Instrument.Instrument,
  taken: ReadonlyArray<Administration>,
  respondent: Respondent,
  comparison: { readonly from: TimePoint; readonly to: TimePoint }
): Change | undefined => {
  const find = (tp: TimePoint) =>
    taken.find((a) => a.instrument === i.code && a.respondent === respondent && a.timePoint === tp)
  const before = find(comparison.from)
  const after = find(comparison.to)
  if (before === undefined || after === undefined) return undefined
  const c = change(i, before, after, { aggregate: true })
  return Result.isSuccess(c) ? c.success : undefined
}

/**
 * One administration as a person may see it: completeness always; the
 * scores only for instruments with individual reporting (`GroupOnly`
 * otherwise).
 *
 * @since 0.1.0
 * @category models
 */
export interface ClientMeasure {
  readonly instrument: string
  readonly timePoint: TimePoint
  readonly respondent: Respondent
  readonly at: Instant
  readonly completeness: Completeness
  readonly result:
    | { readonly _tag: "Scored"; readonly scores: ReadonlyArray<Score> }
    | { readonly _tag: "NotScored"; readonly reason: NotScoredReason }
    | { readonly _tag: "GroupOnly" }
    | { readonly _tag: "UnknownInstrument" }
}

/**
 * A referral's administrations for display to a person (the client, their
 * link worker): an instrument without individual reporting (ESIS) shows as
 * `GroupOnly`, never with a score.
 *
 * @since 0.1.0
 * @category scoring
 */
export const forClient = (
  taken: ReadonlyArray<Administration>,
  instruments: Instruments.Registry
): ReadonlyArray<ClientMeasure> =>
  taken.map((a) => {
    const i = instruments.get(a.instrument)
    const base = { instrument: a.instrument, timePoint: a.timePoint, respondent: a.respondent, at: a.at }
    if (i === undefined) {
      // the form as recorded: its answers are its items, the unanswered ones missing
      const missing = a.answers.flatMap((x, k) => (x === null ? [k + 1] : []))
      return {
        ...base,
        completeness: { items: a.answers.length, answered: a.answers.length - missing.length, missing },
        result: { _tag: "UnknownInstrument" }
      }
    }
    const s = score(i, a.answers)
    const result: ClientMeasure["result"] = !i.individualReporting
      ? { _tag: "GroupOnly" }
      : s._tag === "Scored"
        ? { _tag: "Scored", scores: s.scores }
        : { _tag: "NotScored", reason: s.reason }
    return { ...base, completeness: s.completeness, result }
  })

/**
 * A measure the programme expects that has not been recorded. The statuses
 * follow what the decider accepts (`Referral`'s measure timing):
 *
 * - `due`: it can be recorded now and should be (baseline before the
 *   collaboration ends; end after closing, until the follow-up window opens;
 *   follow-up within D5's window, `opensAt` ≤ now < `closesAt`);
 * - `upcoming`: expected later (end: at closing; follow-up: from `opensAt`;
 *   recording it before then is refused, the follow-up with `TooEarly`);
 * - `overdue`: its time has passed and it can no longer be recorded (the
 *   baseline once the end measure of the same instrument and respondent is
 *   in; the end once the follow-up window has opened, at its `closesAt`; the
 *   follow-up once its window has closed, when `ExpireFollowUp` may fire).
 *
 * `consentMissing` marks a proxy measure the client has not (or no longer)
 * consented to: the decider refuses it until they do.
 *
 * @since 0.1.0
 * @category models
 */
export interface DueMeasure {
  readonly timePoint: TimePoint
  readonly instrument: string
  readonly respondent: Respondent
  readonly status: "due" | "upcoming" | "overdue"
  readonly opensAt?: Instant
  readonly closesAt?: Instant
  readonly consentMissing: boolean
}

/**
 * The states in which the baseline measure is still taken (from submission
 * until the collaboration ends).
 *
 * @since 0.3.0
 * @category constants
 */
export const baselineStates: ReadonlySet<Lifecycle.Status> = new Set([
  "Submitted",
  "Assigned",
  "ContactScheduled",
  "Active",
  "OnHold"
])

/**
 * The measures the referral's programme expects and that are missing, at
 * `now`. Referrals that have ended (follow-up done, rejected, …) expect
 * nothing more.
 *
 * @since 0.1.0
 * @category due
 */
export const due = (state: ReferralState, programme: Programme.Programme, now: Instant): ReadonlyArray<DueMeasure> => {
  const out: Array<DueMeasure> = []
  const taken = (tp: TimePoint, m: Programme.ExpectedMeasure) =>
    state.measures.some((x) => x.timePoint === tp && x.instrument === m.instrument && x.respondent === m.respondent)
  const add = (
    tp: TimePoint,
    list: ReadonlyArray<Programme.ExpectedMeasure>,
    status: (m: Programme.ExpectedMeasure) => DueMeasure["status"],
    window: { readonly opensAt?: Instant; readonly closesAt?: Instant } = {}
  ) => {
    for (const m of list) {
      if (taken(tp, m)) continue
      out.push({
        timePoint: tp,
        instrument: m.instrument,
        respondent: m.respondent,
        status: status(m),
        ...window,
        consentMissing: m.respondent === "proxy" && !Consent.isGranted(state.consents, "proxy-measure", now)
      })
    }
  }
  if (baselineStates.has(state.status)) {
    // a baseline after the end measure would run the pair backwards: the decider refuses it
    add("baseline", programme.measures.baseline, (m) => (taken("end", m) ? "overdue" : "due"))
  }
  if (state.status === "Active" || state.status === "OnHold") add("end", programme.measures.end, () => "upcoming")
  if (state.status === "Closed" && state.closedAt !== undefined) {
    const w = Deadlines.followUpWindow(state.closedAt, programme)
    const end = now < w.opensAt ? "due" : "overdue"
    add("end", programme.measures.end, () => end, { closesAt: w.opensAt })
    const followUp = now < w.opensAt ? "upcoming" : now < w.closesAt ? "due" : "overdue"
    add("follow-up", programme.measures.followUp, () => followUp, { opensAt: w.opensAt, closesAt: w.closesAt })
  }
  return out
}
