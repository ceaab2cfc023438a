/**
 * The built-in instruments and the registry a deployment scores with:
 * SWEMWBS (default positive mental health measure), WEMWBS, ESIS (THL's
 * participation indicator, group-only), UCLA-3 loneliness and ONS4 personal
 * wellbeing. Definitions carry numbers only; item texts come from the
 * licensee (`Instrument.attachTexts`).
 *
 * Sources:
 * - (S)WEMWBS: Tennant R. et al. (2007), The Warwick-Edinburgh Mental
 *   Well-being Scale (WEMWBS), Health Qual Life Outcomes 5:63; Stewart-Brown
 *   S. et al. (2009), Internal construct validity of the Warwick-Edinburgh
 *   Mental Well-being Scale (WEMWBS), Health Qual Life Outcomes 7:15 (SWEMWBS
 *   items 1, 2, 3, 6, 7, 9, 11 and the Rasch raw → metric conversion).
 * - SWEMWBS meaningful change: Shah N. et al. (2018), Health Qual Life
 *   Outcomes 16:239 (1 SEM = 1.03, 2.77 SEM = 2.87 metric points).
 * - WEMWBS meaningful change: Maheswaran H. et al. (2012), Health Qual Life
 *   Outcomes 10:156 (3–8 points).
 * - ESIS: Leemann L. et al. (2022), the Experiences of Social Inclusion Scale,
 *   THL (10 items, 5-point Likert, one factor); THL does not recommend it for
 *   assessing an individual client.
 * - UCLA-3: Hughes M. E. et al. (2004), A short scale for measuring
 *   loneliness in large surveys, Research on Aging 26(6):655–672.
 * - ONS4: Office for National Statistics, Personal well-being user guidance
 *   (four questions 0–10, reported separately).
 *
 * @since 0.1.0
 */
import { Result } from "effect"
import * as Instrument from "./Instrument.js"

const decodeBuiltIn = (input: Instrument.Instrument): Instrument.Instrument =>
  Result.getOrThrowWith(Instrument.decode(input), (e) => new Error(e.message))

/**
 * The SWEMWBS raw → metric conversion (Rasch), Stewart-Brown et al. 2009:
 * `[raw, metric]` for every raw total 7–35.
 *
 * @since 0.1.0
 * @category constants
 */
export const swemwbsConversion: ReadonlyArray<readonly [number, number]> = [
  [7, 7.0],
  [8, 9.51],
  [9, 11.25],
  [10, 12.4],
  [11, 13.33],
  [12, 14.08],
  [13, 14.75],
  [14, 15.32],
  [15, 15.84],
  [16, 16.36],
  [17, 16.88],
  [18, 17.43],
  [19, 17.98],
  [20, 18.59],
  [21, 19.25],
  [22, 19.98],
  [23, 20.73],
  [24, 21.54],
  [25, 22.35],
  [26, 23.21],
  [27, 24.11],
  [28, 25.03],
  [29, 26.02],
  [30, 27.03],
  [31, 28.13],
  [32, 29.31],
  [33, 30.7],
  [34, 32.55],
  [35, 35.0]
]

/**
 * SWEMWBS: 7 items, answers 1–5, the sum 7–35 converted to the metric score
 * (7.00–35.00). Meaningful change: ≥ 1 metric point possibly, ≥ 3 clearly
 * (Shah et al. 2018). Not a screening tool: no clinical bands.
 *
 * @since 0.1.0
 * @category instruments
 */
export const swemwbs: Instrument.Instrument = decodeBuiltIn({
  code: "swemwbs",
  name: "SWEMWBS",
  items: 7,
  scale: { min: 1, max: 5 },
  scoring: { _tag: "Conversion", table: swemwbsConversion.map(([raw, score]) => ({ raw, score })) },
  direction: "higher-is-better",
  thresholds: { possible: 1, clear: 3 },
  individualReporting: true,
  source: "Stewart-Brown et al. 2009, HQLO 7:15 (items, conversion); Shah et al. 2018, HQLO 16:239 (change)"
})

/**
 * WEMWBS: 14 items, answers 1–5, plain sum 14–70. Meaningful change: ≥ 3
 * points possibly, ≥ 8 clearly (Maheswaran et al. 2012).
 *
 * @since 0.1.0
 * @category instruments
 */
export const wemwbs: Instrument.Instrument = decodeBuiltIn({
  code: "wemwbs",
  name: "WEMWBS",
  items: 14,
  scale: { min: 1, max: 5 },
  scoring: { _tag: "Sum" },
  direction: "higher-is-better",
  thresholds: { possible: 3, clear: 8 },
  individualReporting: true,
  source: "Tennant et al. 2007, HQLO 5:63 (items, scoring); Maheswaran et al. 2012, HQLO 10:156 (change)"
})

/**
 * How ESIS answers are scored: THL has not published it, so it is a setting.
 * `sum` gives 10–50, `mean` 1–5.
 *
 * @since 0.1.0
 * @category models
 */
export type EsisScoring = "sum" | "mean"

/**
 * ESIS, THL's participation indicator: 10 items, answers 1–5, higher is more
 * included; scored as a sum (10–50) or a mean (1–5). Group-only: a score is
 * never shown for one client. No meaningful-change threshold is published:
 * change is measured, not classified, unless thresholds are configured.
 *
 * @since 0.1.0
 * @category instruments
 */
export const esis = (scoring: EsisScoring): Instrument.Instrument =>
  decodeBuiltIn({
    code: "esis",
    name: "ESIS (THL participation indicator)",
    items: 10,
    scale: { min: 1, max: 5 },
    scoring: scoring === "sum" ? { _tag: "Sum" } : { _tag: "Mean" },
    direction: "higher-is-better",
    individualReporting: false,
    source: "Leemann et al. 2022, THL (Experiences of Social Inclusion Scale)"
  })

/**
 * UCLA 3-item loneliness scale: answers 1–3 (hardly ever, some of the time,
 * often), total 3–9, higher is lonelier. No threshold is published.
 *
 * @since 0.1.0
 * @category instruments
 */
export const ucla3: Instrument.Instrument = decodeBuiltIn({
  code: "ucla-3",
  name: "UCLA 3-item loneliness scale",
  items: 3,
  scale: { min: 1, max: 3 },
  scoring: { _tag: "Sum" },
  direction: "higher-is-worse",
  individualReporting: true,
  source: "Hughes et al. 2004, Research on Aging 26(6):655-672"
})

/**
 * ONS4 personal wellbeing: four questions 0–10, four separate scores, never
 * summed (life satisfaction, worthwhile, happiness, anxiety); for anxiety
 * higher is worse. No threshold is configured by default.
 *
 * @since 0.1.0
 * @category instruments
 */
export const ons4: Instrument.Instrument = decodeBuiltIn({
  code: "ons4",
  name: "ONS4 personal wellbeing",
  items: 4,
  scale: { min: 0, max: 10 },
  scoring: {
    _tag: "Separate",
    scores: [
      { key: "life-satisfaction", name: "Life satisfaction", item: 1, direction: "higher-is-better" },
      { key: "worthwhile", name: "Worthwhile", item: 2, direction: "higher-is-better" },
      { key: "happiness", name: "Happiness", item: 3, direction: "higher-is-better" },
      { key: "anxiety", name: "Anxiety", item: 4, direction: "higher-is-worse" }
    ]
  },
  direction: "higher-is-better",
  individualReporting: true,
  source: "Office for National Statistics, Personal well-being user guidance"
})

/**
 * The instruments a deployment knows, by code.
 *
 * @since 0.1.0
 * @category models
 */
export interface Registry {
  readonly get: (code: string) => Instrument.Instrument | undefined
  readonly all: ReadonlyArray<Instrument.Instrument>
}

/**
 * A registry of the given instruments; a code listed twice is a
 * configuration error.
 *
 * @since 0.1.0
 * @category constructors
 */
export const registry = (
  instruments: ReadonlyArray<Instrument.Instrument>
): Result.Result<Registry, Instrument.InvalidInstrument> => {
  const byCode = new Map<string, Instrument.Instrument>()
  for (const i of instruments) {
    if (byCode.has(i.code)) {
      return Result.fail(new Instrument.InvalidInstrument({ issues: `instrument ${i.code} is listed twice` }))
    }
    byCode.set(i.code, i)
  }
  return Result.succeed({ get: (code) => byCode.get(code), all: instruments })
}

/**
 * The built-in instruments, ESIS scored as configured (default `mean`, this
 * library's proposal: it keeps the answer scale's 1–5 reading).
 *
 * @since 0.1.0
 * @category constructors
 */
export const builtIn = (options: { readonly esisScoring?: EsisScoring } = {}): ReadonlyArray<Instrument.Instrument> => [
  swemwbs,
  wemwbs,
  esis(options.esisScoring ?? "mean"),
  ucla3,
  ons4
]

/**
 * A registry of the built-in instruments (ESIS scored as a mean).
 *
 * @since 0.1.0
 * @category constants
 */
export const defaults: Registry = Result.getOrThrow(registry(builtIn()))
