/**
 * The link workers' survey (domain specification §10; Sodankylä collects
 * "assessments of the link workers' work, training and experiences"): a
 * programme defines a short survey as data (`Programme.linkWorkerSurvey`),
 * asked in rounds on a schedule; the answers are anonymous (an answer
 * carries no link worker); the coordinator and the evaluation get
 * aggregates under disclosure control, so that no one link worker's answer
 * can be singled out:
 *
 * - nothing is shown while a round is open (figures that change with each
 *   answer would give one answer away by difference);
 * - nothing is shown from fewer than `minimumCell` (at least 5) answers;
 * - a count (a scale value, a named training need) is shown only when it and
 *   its complement (the others who answered the item) each reach the
 *   minimum: "all five named it" tells each one's answer, so it is
 *   suppressed too;
 * - a mean is shown only from enough answers that are not all the same.
 *
 * This module is pure: the definition, the rounds, checking an answer and
 * the aggregates. Storing answers and sending the survey by email are the
 * deployment's (not in this release).
 *
 * @since 0.3.0
 */
import { Result, Schema } from "effect"
import type * as FinnishCalendar from "./FinnishCalendar.js"
import type { Instant } from "./Instant.js"
import { minimumCellOf } from "./internal/suppression.js"
import * as LocalTime from "./LocalTime.js"

const Code = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^[a-z][a-z0-9-]{1,63}$/u, { message: "expected a lower-case code" }))
)
const PositiveInt = Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(1)))

/**
 * A text per language; `fi` is required.
 *
 * @since 0.3.0
 * @category schemas
 */
export const Texts = Schema.Struct({
  fi: Schema.NonEmptyString,
  sv: Schema.optionalKey(Schema.NonEmptyString),
  se: Schema.optionalKey(Schema.NonEmptyString),
  en: Schema.optionalKey(Schema.NonEmptyString)
})

/**
 * An item answered on a scale (`min`–`max`, whole numbers).
 *
 * @since 0.3.0
 * @category schemas
 */
export const ScaleItem = Schema.Struct({
  kind: Schema.Literal("scale"),
  key: Code,
  text: Texts,
  min: Schema.Int,
  max: Schema.Int
})

/**
 * An item whose answer is any of its options (e.g. the client situations a
 * link worker would like more training for).
 *
 * @since 0.3.0
 * @category schemas
 */
export const ChoicesItem = Schema.Struct({
  kind: Schema.Literal("choices"),
  key: Code,
  text: Texts,
  options: Schema.Array(Schema.Struct({ key: Code, text: Texts })).pipe(Schema.check(Schema.isMinLength(1)))
})

/**
 * A survey as a programme defines it.
 *
 * - `items`: the questions;
 * - `everyMonths`: a round every this many months (rounds start on the first
 *   day of a month, local time, counted from January);
 * - `afterClosedCollaboration`: reserved for asking a link worker after each
 *   collaboration they close; only `false` in this release (that invitation
 *   is not built, so `true` is refused rather than silently ignored).
 *
 * @since 0.3.0
 * @category schemas
 */
export const Survey = Schema.Struct({
  id: Code,
  items: Schema.Array(Schema.Union([ScaleItem, ChoicesItem])).pipe(Schema.check(Schema.isMinLength(1))),
  everyMonths: PositiveInt,
  afterClosedCollaboration: Schema.Literal(false)
})
/**
 * @since 0.3.0
 * @category models
 */
export type Survey = typeof Survey.Type

/**
 * The problems of a survey that its schema cannot see (repeated keys, a
 * scale that runs backwards), each with its path under the survey.
 *
 * @since 0.3.0
 * @category validation
 */
export const problems = (survey: Survey): ReadonlyArray<{ readonly path: string; readonly reason: string }> => {
  const out: Array<{ path: string; reason: string }> = []
  const keys = new Set<string>()
  survey.items.forEach((item, k) => {
    if (keys.has(item.key)) out.push({ path: `items[${k}].key`, reason: "repeats another item's key" })
    keys.add(item.key)
    if (item.kind === "scale" && item.min >= item.max) out.push({ path: `items[${k}].max`, reason: "must exceed min" })
    if (item.kind === "choices" && new Set(item.options.map((o) => o.key)).size !== item.options.length) {
      out.push({ path: `items[${k}].options`, reason: "repeat a key" })
    }
  })
  if (survey.everyMonths > 12 || 12 % survey.everyMonths !== 0) {
    out.push({ path: "everyMonths", reason: "must divide the year (1, 2, 3, 4, 6 or 12)" })
  }
  return out
}

/**
 * A round: its id (`2026-07`, the month it starts) and when it is open.
 *
 * @since 0.3.0
 * @category models
 */
export interface Round {
  readonly id: string
  readonly opensAt: Instant
  readonly closesAt: Instant
}

/**
 * The round `at` falls in, in the programme's time zone.
 *
 * @since 0.3.0
 * @category rounds
 */
export const roundAt = (survey: Survey, at: Instant, zone: string): Round => {
  const [y, m] = LocalTime.localDateOf(at, zone).split("-").map(Number) as [number, number]
  const startMonth = Math.floor((m - 1) / survey.everyMonths) * survey.everyMonths + 1
  const start = `${y}-${String(startMonth).padStart(2, "0")}-01` as FinnishCalendar.LocalDate
  const opensAt = LocalTime.startOfLocalDay(start, zone)
  return {
    id: start.slice(0, 7),
    opensAt,
    closesAt: LocalTime.addLocalMonths(opensAt, survey.everyMonths, zone)
  }
}

/**
 * One anonymous answer: the survey, the round and the answers by item key
 * (a number for a scale item, the chosen option keys for a choices item,
 * `null` when left unanswered). No link worker, no time of answering.
 *
 * @since 0.3.0
 * @category models
 */
export interface Answer {
  readonly surveyId: string
  readonly round: string
  readonly answers: Readonly<Record<string, number | ReadonlyArray<string> | null>>
}

/**
 * An answer does not fit the survey: names the item, never an answer.
 *
 * @since 0.3.0
 * @category errors
 */
export class InvalidSurveyAnswer extends Schema.TaggedError<InvalidSurveyAnswer>()("InvalidSurveyAnswer", {
  item: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `survey answer: ${this.item}: ${this.reason}`
  }
}

/**
 * Checks an answer against the survey: every item answered or left `null`,
 * scale answers whole numbers on the scale, choices among the options, no
 * unknown item.
 *
 * @since 0.3.0
 * @category validation
 */
export const checkAnswer = (survey: Survey, answer: Answer): Result.Result<Answer, InvalidSurveyAnswer> => {
  if (answer.surveyId !== survey.id)
    return Result.fail(new InvalidSurveyAnswer({ item: "surveyId", reason: "another survey" }))
  for (const key of Object.keys(answer.answers)) {
    if (!survey.items.some((i) => i.key === key))
      return Result.fail(new InvalidSurveyAnswer({ item: key, reason: "not an item" }))
  }
  for (const item of survey.items) {
    const a = answer.answers[item.key]
    if (a === undefined || a === null) continue
    if (item.kind === "scale") {
      if (typeof a !== "number" || !Number.isInteger(a) || a < item.min || a > item.max) {
        return Result.fail(
          new InvalidSurveyAnswer({ item: item.key, reason: `a whole number ${item.min}-${item.max}` })
        )
      }
    } else if (
      typeof a === "number" ||
      new Set(a).size !== a.length ||
      a.some((o) => !item.options.some((x) => x.key === o))
    ) {
      return Result.fail(new InvalidSurveyAnswer({ item: item.key, reason: "the item's options, each once" }))
    }
  }
  return Result.succeed(answer)
}

/**
 * A figure, or why it is not shown.
 *
 * @since 0.3.0
 * @category models
 */
export type Cell =
  | { readonly _tag: "Value"; readonly value: number }
  | { readonly _tag: "Suppressed"; readonly reason: "fewer-than-minimum" | "complement-below-minimum" | "no-variation" }

/**
 * The aggregates of one round.
 *
 * @since 0.3.0
 * @category models
 */
export type Aggregate =
  | { readonly _tag: "RoundOpen"; readonly round: string; readonly closesAt: Instant }
  | {
      readonly _tag: "Closed"
      readonly round: string
      readonly minimumCell: number
      readonly respondents: Cell
      readonly items: ReadonlyArray<
        | {
            readonly kind: "scale"
            readonly key: string
            readonly answered: Cell
            readonly mean: Cell
            readonly values: ReadonlyArray<{ readonly value: number; readonly count: Cell }>
          }
        | {
            readonly kind: "choices"
            readonly key: string
            readonly answered: Cell
            readonly options: ReadonlyArray<{ readonly key: string; readonly count: Cell }>
          }
      >
    }

/**
 * The aggregates of a round at `now`: nothing while it is open; after it,
 * the figures under the rules in the module's documentation. `answers` are
 * the round's answers (others are ignored).
 *
 * @since 0.3.0
 * @category aggregates
 */
export const aggregate = (
  survey: Survey,
  round: Round,
  answers: ReadonlyArray<Answer>,
  options: { readonly now: Instant; readonly minimumCell?: number }
): Aggregate => {
  if (options.now < round.closesAt) return { _tag: "RoundOpen", round: round.id, closesAt: round.closesAt }
  const minimum = minimumCellOf(options.minimumCell)
  const mine = answers.filter((a) => a.surveyId === survey.id && a.round === round.id)
  const small: Cell = { _tag: "Suppressed", reason: "fewer-than-minimum" }
  const count = (n: number): Cell => (n < minimum ? small : { _tag: "Value", value: n })
  /** k of n: shown when k and n − k each reach the minimum. */
  const part = (k: number, n: number): Cell =>
    n < minimum || k < minimum
      ? small
      : n - k < minimum
        ? { _tag: "Suppressed", reason: "complement-below-minimum" }
        : { _tag: "Value", value: k }
  const items = survey.items.map((item) => {
    const given = mine.map((a) => a.answers[item.key]).filter((a) => a !== undefined && a !== null)
    if (item.kind === "scale") {
      const xs = given as ReadonlyArray<number>
      const uniform = xs.every((x) => x === xs[0])
      const mean: Cell =
        xs.length < minimum
          ? small
          : uniform
            ? { _tag: "Suppressed", reason: "no-variation" }
            : { _tag: "Value", value: Math.round((xs.reduce((s, x) => s + x, 0) / xs.length) * 100) / 100 }
      const values = Array.from({ length: item.max - item.min + 1 }, (_, k) => item.min + k).map((value) => ({
        value,
        count: part(xs.filter((x) => x === value).length, xs.length)
      }))
      return { kind: "scale" as const, key: item.key, answered: count(xs.length), mean, values }
    }
    const chosen = given as ReadonlyArray<ReadonlyArray<string>>
    return {
      kind: "choices" as const,
      key: item.key,
      answered: count(chosen.length),
      options: item.options.map((o) => ({
        key: o.key,
        count: part(chosen.filter((c) => c.includes(o.key)).length, chosen.length)
      }))
    }
  })
  return { _tag: "Closed", round: round.id, minimumCell: minimum, respondents: count(mine.length), items }
}

/**
 * An example survey (this library's proposal, after Sodankylä's themes:
 * the work, training and experiences), in Finnish and English.
 *
 * @since 0.3.0
 * @category constants
 */
export const example: Survey = {
  id: "link-worker-survey",
  everyMonths: 6,
  afterClosedCollaboration: false,
  items: [
    {
      kind: "scale",
      key: "work-meaningful",
      text: { fi: "Koen linkkihenkilön työn merkitykselliseksi.", en: "I find the link worker's work meaningful." },
      min: 1,
      max: 5
    },
    {
      kind: "scale",
      key: "training-sufficient",
      text: {
        fi: "Saamani koulutus riittää kohtaamiini asiakastilanteisiin.",
        en: "My training is enough for the client situations I meet."
      },
      min: 1,
      max: 5
    },
    {
      kind: "choices",
      key: "training-needs",
      text: {
        fi: "Missä asiakastilanteissa tarvitsisit lisää koulutusta?",
        en: "In which client situations would you need more training?"
      },
      options: [
        { key: "mental-health", text: { fi: "Mielenterveys", en: "Mental health" } },
        { key: "substance-use", text: { fi: "Päihteet", en: "Substance use" } },
        { key: "loneliness", text: { fi: "Yksinäisyys", en: "Loneliness" } },
        { key: "grief", text: { fi: "Suru ja menetys", en: "Grief and loss" } },
        { key: "service-system", text: { fi: "Palvelujärjestelmä", en: "The service system" } }
      ]
    }
  ]
}
