/**
 * An outcome instrument (mittari) as a definition, validated by a schema
 * (domain specification §7): how many items, the answer scale, how answers
 * become scores, which way is better, the change that counts as meaningful,
 * and whether a score may be shown for one client at all.
 *
 * Item texts are not part of a definition and are never shipped: the
 * instruments are licensed (WEMWBS and SWEMWBS by the University of Warwick,
 * their Finnish texts and the participation indicator by THL). A licensee
 * loads their texts from their own configuration and attaches them with
 * `attachTexts`, which checks there is exactly one text per item.
 *
 * @since 0.1.0
 */
import { Result, Schema } from "effect"
import { Language } from "./internal/language.js"

/**
 * An instrument code, as programmes name it (`swemwbs`, `esis`, …).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Code = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^[a-z][a-z0-9-]{1,31}$/u, { message: "expected an instrument code" }))
)

/**
 * Which way a score is better.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Direction = Schema.Literals(["higher-is-better", "higher-is-worse"])
/**
 * @since 0.1.0
 * @category models
 */
export type Direction = typeof Direction.Type

const NonNegative = Schema.Finite.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(0)))

/**
 * Meaningful-change thresholds in score units: an improvement of at least
 * `possible` is possibly meaningful, of at least `clear` clearly meaningful
 * (the same for worsening).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Thresholds = Schema.Struct({ possible: NonNegative, clear: NonNegative })
/**
 * @since 0.1.0
 * @category models
 */
export type Thresholds = typeof Thresholds.Type

/**
 * One raw total and the score it converts to.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ConversionRow = Schema.Struct({ raw: Schema.Int, score: Schema.Finite })

/**
 * A score made of one item, for instruments whose items are reported
 * separately (ONS4).
 *
 * @since 0.1.0
 * @category schemas
 */
export const ItemScore = Schema.Struct({
  key: Code,
  name: Schema.NonEmptyString,
  /** The item's number, from 1. */
  item: Schema.Int,
  direction: Direction,
  thresholds: Schema.optionalKey(Thresholds)
})
/**
 * @since 0.1.0
 * @category models
 */
export type ItemScore = typeof ItemScore.Type

/**
 * How answers become scores:
 *
 * - `Sum`: the plain sum of the items (one score);
 * - `Mean`: the sum divided by the item count (one score, on the answer scale);
 * - `Conversion`: the sum converted through a table that covers every
 *   possible sum (one score, e.g. the SWEMWBS metric score);
 * - `Separate`: one score per item, never summed (ONS4).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Scoring = Schema.Union([
  Schema.TaggedStruct("Sum", {}),
  Schema.TaggedStruct("Mean", {}),
  Schema.TaggedStruct("Conversion", { table: Schema.Array(ConversionRow) }),
  Schema.TaggedStruct("Separate", { scores: Schema.Array(ItemScore) })
])
/**
 * @since 0.1.0
 * @category models
 */
export type Scoring = typeof Scoring.Type

/**
 * The instrument definition schema. `direction` and `thresholds` apply to the
 * single score of `Sum`, `Mean` and `Conversion`; `Separate` scores carry
 * their own. Without thresholds a change is measured but not classified.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Instrument = Schema.Struct({
  code: Code,
  name: Schema.NonEmptyString,
  /** Number of items. */
  items: Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(1))),
  /** The integer answer scale, inclusive. */
  scale: Schema.Struct({ min: Schema.Int, max: Schema.Int }),
  scoring: Scoring,
  direction: Direction,
  thresholds: Schema.optionalKey(Thresholds),
  /** `false`: group aggregates only, a score is never shown for one client (ESIS). */
  individualReporting: Schema.Boolean,
  /** Where the definition comes from (a citation). */
  source: Schema.NonEmptyString
})
/**
 * @since 0.1.0
 * @category models
 */
export type Instrument = typeof Instrument.Type

/**
 * An instrument definition failed validation.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidInstrument extends Schema.TaggedError<InvalidInstrument>()("InvalidInstrument", {
  issues: Schema.String
}) {
  override get message(): string {
    return `invalid instrument definition: ${this.issues}`
  }
}

/**
 * The lowest and highest possible sum of the items.
 *
 * @since 0.1.0
 * @category getters
 */
export const rawRange = (i: Instrument): { readonly min: number; readonly max: number } => ({
  min: i.items * i.scale.min,
  max: i.items * i.scale.max
})

/**
 * One score an instrument yields: its key (`total` for single-score
 * instruments), name, range, direction and thresholds.
 *
 * @since 0.1.0
 * @category models
 */
export interface ScoreDefinition {
  readonly key: string
  readonly name: string
  readonly min: number
  readonly max: number
  readonly direction: Direction
  readonly thresholds?: Thresholds
}

/**
 * The scores an instrument yields.
 *
 * @since 0.1.0
 * @category getters
 */
export const scoreDefinitions = (i: Instrument): ReadonlyArray<ScoreDefinition> => {
  const raw = rawRange(i)
  const single = (min: number, max: number): ReadonlyArray<ScoreDefinition> => [
    {
      key: "total",
      name: i.name,
      min,
      max,
      direction: i.direction,
      ...(i.thresholds === undefined ? {} : { thresholds: i.thresholds })
    }
  ]
  switch (i.scoring._tag) {
    case "Sum":
      return single(raw.min, raw.max)
    case "Mean":
      return single(i.scale.min, i.scale.max)
    case "Conversion": {
      const scores = i.scoring.table.map((r) => r.score)
      return single(Math.min(...scores), Math.max(...scores))
    }
    case "Separate":
      return i.scoring.scores.map((s) => ({
        key: s.key,
        name: s.name,
        min: i.scale.min,
        max: i.scale.max,
        direction: s.direction,
        ...(s.thresholds === undefined ? {} : { thresholds: s.thresholds })
      }))
  }
}

const consistency = (i: Instrument): ReadonlyArray<string> => {
  const problems: Array<string> = []
  if (i.scale.min >= i.scale.max) problems.push("scale.min must be below scale.max")
  const check = (t: Thresholds | undefined, where: string) => {
    if (t !== undefined && t.possible > t.clear) problems.push(`${where}.possible must not exceed ${where}.clear`)
  }
  check(i.thresholds, "thresholds")
  switch (i.scoring._tag) {
    case "Conversion": {
      const { min, max } = rawRange(i)
      const raws = i.scoring.table.map((r) => r.raw).sort((a, b) => a - b)
      const expected = Array.from({ length: max - min + 1 }, (_, k) => min + k)
      if (raws.length !== expected.length || raws.some((r, k) => r !== expected[k])) {
        problems.push(`scoring.table must list every raw total ${min}–${max} once`)
      }
      break
    }
    case "Separate": {
      const items = i.scoring.scores.map((s) => s.item)
      if (new Set(items).size !== items.length || items.some((n) => n < 1 || n > i.items)) {
        problems.push(`scoring.scores must name distinct items 1–${i.items}`)
      }
      if (new Set(i.scoring.scores.map((s) => s.key)).size !== items.length) {
        problems.push("scoring.scores must have distinct keys")
      }
      i.scoring.scores.forEach((s, k) => {
        check(s.thresholds, `scoring.scores[${k}].thresholds`)
      })
      break
    }
    default:
      break
  }
  return problems
}

/**
 * Validates unknown input (parsed JSON, YAML, …) as an instrument definition,
 * including the rules that span fields (a conversion table covers every raw
 * total; separate scores name distinct items; `possible` ≤ `clear`).
 *
 * @since 0.1.0
 * @category decoding
 */
export const decode = (input: unknown): Result.Result<Instrument, InvalidInstrument> =>
  Result.match(Schema.decodeUnknownResult(Instrument)(input, { errors: "all" }), {
    onFailure: (e) => Result.fail(new InvalidInstrument({ issues: String(e) })),
    onSuccess: (i) => {
      const problems = consistency(i)
      return problems.length === 0
        ? Result.succeed(i)
        : Result.fail(new InvalidInstrument({ issues: problems.join("; ") }))
    }
  })

/**
 * The same instrument with other meaningful-change thresholds (for the
 * single score, or for the separate score named by `key`).
 *
 * @since 0.1.0
 * @category combinators
 */
export const withThresholds = (i: Instrument, thresholds: Thresholds, key?: string): Instrument =>
  i.scoring._tag === "Separate" && key !== undefined
    ? {
        ...i,
        scoring: {
          ...i.scoring,
          scores: i.scoring.scores.map((s) => (s.key === key ? { ...s, thresholds } : s))
        }
      }
    : { ...i, thresholds }

/**
 * The licensee's item texts for one instrument in one language, as their
 * configuration holds them: `items` maps the item number (`"1"`, `"2"`, …)
 * to its text; `answers` optionally maps each answer value to its label.
 * `licence` names the licence or registration the texts are used under.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ItemTexts = Schema.Struct({
  instrument: Code,
  language: Language,
  licence: Schema.NonEmptyString,
  items: Schema.Record(Schema.String, Schema.NonEmptyString),
  answers: Schema.optionalKey(Schema.Record(Schema.String, Schema.NonEmptyString))
})
/**
 * @since 0.1.0
 * @category models
 */
export type ItemTexts = typeof ItemTexts.Type

/**
 * An instrument ready to administer: its definition and the licensee's texts
 * in order (item 1 first).
 *
 * @since 0.1.0
 * @category models
 */
export interface Localised {
  readonly instrument: Instrument
  readonly language: Language
  readonly licence: string
  readonly items: ReadonlyArray<string>
  readonly answers?: ReadonlyArray<{ readonly value: number; readonly label: string }>
}

/**
 * The texts do not fit the instrument. Names numbers only: the licensed texts
 * never appear in errors.
 *
 * @since 0.1.0
 * @category errors
 */
export class ItemTextsMismatch extends Schema.TaggedError<ItemTextsMismatch>()("ItemTextsMismatch", {
  instrument: Schema.String,
  problem: Schema.String
}) {
  override get message(): string {
    return `item texts for ${this.instrument} do not fit: ${this.problem}`
  }
}

/**
 * Attaches the licensee's texts to an instrument (decoded from unknown
 * configuration input): exactly one text for every item 1…n, and, when
 * answer labels are given, exactly one for every value of the scale.
 *
 * @since 0.1.0
 * @category constructors
 */
export const attachTexts = (i: Instrument, input: unknown): Result.Result<Localised, ItemTextsMismatch> => {
  const decoded = Schema.decodeUnknownResult(ItemTexts)(input)
  if (Result.isFailure(decoded)) {
    return Result.fail(new ItemTextsMismatch({ instrument: i.code, problem: "not a valid item-texts object" }))
  }
  const texts = decoded.success
  if (texts.instrument !== i.code) {
    return Result.fail(new ItemTextsMismatch({ instrument: i.code, problem: `texts are for ${texts.instrument}` }))
  }
  const numbers = Array.from({ length: i.items }, (_, k) => String(k + 1))
  const keys = Object.keys(texts.items)
  if (keys.length !== i.items || numbers.some((n) => texts.items[n] === undefined)) {
    return Result.fail(
      new ItemTextsMismatch({
        instrument: i.code,
        problem: `expected texts for items 1–${i.items}, got ${keys.length} entries`
      })
    )
  }
  let answers: Localised["answers"]
  if (texts.answers !== undefined) {
    const values = Array.from({ length: i.scale.max - i.scale.min + 1 }, (_, k) => i.scale.min + k)
    const given = texts.answers
    if (Object.keys(given).length !== values.length || values.some((v) => given[String(v)] === undefined)) {
      return Result.fail(
        new ItemTextsMismatch({
          instrument: i.code,
          problem: `expected answer labels for ${i.scale.min}–${i.scale.max}`
        })
      )
    }
    answers = values.map((value) => ({ value, label: given[String(value)] as string }))
  }
  return Result.succeed({
    instrument: i,
    language: texts.language,
    licence: texts.licence,
    items: numbers.map((n) => texts.items[n] as string),
    ...(answers === undefined ? {} : { answers })
  })
}
