import { readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { Instrument, Instruments, Measures, Presets, Programme } from "@lahete/core"
import { Result } from "effect"
import * as fc from "fast-check"
import { code, region, syncBlocks, table } from "./support/docs.js"
import { formSumming } from "./support/forms.js"

const thisFile = readFileSync(new URL(import.meta.url), "utf8")

// #region doc:add-instrument
// 1. The definition: numbers only (item texts come from your licence, below).
const wellbeingStar = Result.getOrThrowWith(
  Instrument.decode({
    code: "wellbeing-star",
    name: "Our wellbeing star",
    items: 5,
    scale: { min: 0, max: 4 },
    scoring: { _tag: "Sum" },
    direction: "higher-is-better",
    thresholds: { possible: 2, clear: 4 },
    individualReporting: true,
    source: "the municipality's own survey, 2026"
  }),
  (e) => new Error(e.message)
)

// 2. The registry the report and the scoring use: the built-ins and yours.
const instruments = Result.getOrThrowWith(
  Instruments.registry([...Instruments.builtIn({ esisScoring: "sum" }), wellbeingStar]),
  (e) => new Error(e.message)
)

// 3. The programme expects it (a new programme version, checked against your registry).
const ours = Result.getOrThrowWith(
  Programme.nextVersion(
    Presets.kemijarvi,
    (p) => ({
      ...p,
      measures: {
        ...p.measures,
        baseline: [...p.measures.baseline, { instrument: "wellbeing-star", respondent: "self" }],
        end: [...p.measures.end, { instrument: "wellbeing-star", respondent: "self" }]
      }
    }),
    { instruments }
  ),
  (e) => new Error(e.message)
)

// 4. Your licensed texts, from your configuration (never from this library).
const texts = Instrument.attachTexts(wellbeingStar, {
  instrument: "wellbeing-star",
  language: "fi",
  licence: "own",
  items: { "1": "…", "2": "…", "3": "…", "4": "…", "5": "…" }
})
// #endregion

/** facts.md §2, SWEMWBS raw → metric (Rasch), copied row by row. */
const swemwbsTable: ReadonlyArray<readonly [number, number]> = [
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

const scored = (s: Measures.Scoring) => {
  if (s._tag !== "Scored") throw new Error(`expected a score, got ${s.reason}`)
  return s.scores
}

const all = [...Instruments.builtIn({ esisScoring: "sum" }), Instruments.esis("mean")]

/** A complete form on the instrument's scale. */
const form = (i: Instrument.Instrument) =>
  fc.array(fc.integer({ min: i.scale.min, max: i.scale.max }), { minLength: i.items, maxLength: i.items })

describe("SWEMWBS", () => {
  it("reproduces every row of the conversion table in facts.md", () => {
    expect(swemwbsTable).toHaveLength(29)
    for (const [raw, metric] of swemwbsTable) {
      const answers = formSumming(raw, 7)
      expect(answers.reduce((s, a) => s + a, 0)).toBe(raw)
      const [total] = scored(Measures.score(Instruments.swemwbs, answers))
      expect(total).toEqual({ key: "total", raw, value: metric })
    }
  })

  it("is 7 items on 1–5, higher is better, thresholds 1 and 3, individual reporting allowed", () => {
    const i = Instruments.swemwbs
    expect([i.items, i.scale.min, i.scale.max, i.direction]).toEqual([7, 1, 5, "higher-is-better"])
    expect(i.thresholds).toEqual({ possible: 1, clear: 3 })
    expect(i.individualReporting).toBe(true)
  })
})

describe("documented ranges", () => {
  const extremes = (i: Instrument.Instrument) => [
    scored(
      Measures.score(
        i,
        Array.from({ length: i.items }, () => i.scale.min)
      )
    ),
    scored(
      Measures.score(
        i,
        Array.from({ length: i.items }, () => i.scale.max)
      )
    )
  ]

  it("WEMWBS sums 14 items of 1–5 to 14–70, thresholds 3 and 8", () => {
    const [lo, hi] = extremes(Instruments.wemwbs)
    expect(lo?.[0]?.value).toBe(14)
    expect(hi?.[0]?.value).toBe(70)
    expect(Instruments.wemwbs.thresholds).toEqual({ possible: 3, clear: 8 })
    expect(scored(Measures.score(Instruments.wemwbs, [1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2, 3, 4]))[0]?.value).toBe(40)
  })

  it("UCLA-3 totals 3 items of 1–3 to 3–9, higher is lonelier", () => {
    const [lo, hi] = extremes(Instruments.ucla3)
    expect([lo?.[0]?.value, hi?.[0]?.value]).toEqual([3, 9])
    expect(Instruments.ucla3.direction).toBe("higher-is-worse")
    expect(Measures.score(Instruments.ucla3, [1, 4, 2])._tag).toBe("NotScored")
  })

  it("ONS4 gives four separate 0–10 scores, never a sum; anxiety: higher is worse", () => {
    const scores = scored(Measures.score(Instruments.ons4, [7, 8, 6, 3]))
    expect(scores.map((s) => [s.key, s.value])).toEqual([
      ["life-satisfaction", 7],
      ["worthwhile", 8],
      ["happiness", 6],
      ["anxiety", 3]
    ])
    expect(scores.some((s) => s.value === 24)).toBe(false)
    const defs = Instrument.scoreDefinitions(Instruments.ons4)
    expect(defs.map((d) => [d.key, d.min, d.max, d.direction])).toEqual([
      ["life-satisfaction", 0, 10, "higher-is-better"],
      ["worthwhile", 0, 10, "higher-is-better"],
      ["happiness", 0, 10, "higher-is-better"],
      ["anxiety", 0, 10, "higher-is-worse"]
    ])
  })

  it("ESIS scores 10 items as a sum 10–50 or a mean 1–5 (a setting), group-only", () => {
    const sum = Instruments.esis("sum")
    const mean = Instruments.esis("mean")
    expect(extremes(sum).map((s) => s[0]?.value)).toEqual([10, 50])
    expect(extremes(mean).map((s) => s[0]?.value)).toEqual([1, 5])
    const answers = [1, 2, 3, 4, 5, 5, 4, 3, 2, 2]
    expect(scored(Measures.score(sum, answers))[0]?.value).toBe(31)
    expect(scored(Measures.score(mean, answers))[0]?.value).toBe(3.1)
    expect(sum.individualReporting).toBe(false)
    expect(mean.individualReporting).toBe(false)
    expect(Instruments.defaults.get("esis")?.scoring._tag).toBe("Mean")
  })
})

describe("properties", () => {
  it("a complete form on the scale scores within every score's documented range", () => {
    for (const i of all) {
      const defs = Instrument.scoreDefinitions(i)
      fc.assert(
        fc.property(form(i), (answers) => {
          const scores = scored(Measures.score(i, answers))
          expect(scores.map((s) => s.key)).toEqual(defs.map((d) => d.key))
          scores.forEach((s, k) => {
            const d = defs[k] as Instrument.ScoreDefinition
            expect(s.value).toBeGreaterThanOrEqual(d.min)
            expect(s.value).toBeLessThanOrEqual(d.max)
          })
        }),
        { numRuns: 1000 }
      )
    }
  })

  it("a form with any missing item is never scored, and says which items are missing", () => {
    for (const i of all) {
      fc.assert(
        fc.property(
          form(i),
          fc.uniqueArray(fc.integer({ min: 0, max: i.items - 1 }), { minLength: 1, maxLength: i.items }),
          (answers, holes) => {
            const withHoles: Array<number | null> = [...answers]
            for (const h of holes) withHoles[h] = null
            const s = Measures.score(i, withHoles)
            expect(s._tag).toBe("NotScored")
            if (s._tag === "NotScored") {
              expect(s.reason).toBe("incomplete")
              expect([...s.items].sort((a, b) => a - b)).toEqual([...holes].map((h) => h + 1).sort((a, b) => a - b))
              expect(s.completeness.answered).toBe(i.items - holes.length)
            }
          }
        ),
        { numRuns: 1000 }
      )
    }
  })

  it("an answer off the scale or the wrong number of answers is never scored", () => {
    for (const i of all) {
      fc.assert(
        fc.property(
          form(i),
          fc.integer({ min: 0, max: i.items - 1 }),
          fc.oneof(
            fc.integer({ min: i.scale.max + 1, max: 100 }),
            fc.integer({ min: -100, max: i.scale.min - 1 }),
            fc.double({ min: i.scale.min, max: i.scale.max, noNaN: true }).filter((x) => !Number.isInteger(x))
          ),
          (answers, at, bad) => {
            const wrong = [...answers]
            wrong[at] = bad
            const s = Measures.score(i, wrong)
            expect(s._tag === "NotScored" && s.reason === "off-scale" && s.items.includes(at + 1)).toBe(true)
            expect(Measures.score(i, answers.slice(1))._tag).toBe("NotScored")
            expect(Measures.score(i, [...answers, i.scale.min])._tag).toBe("NotScored")
          }
        ),
        { numRuns: 1000 }
      )
    }
  })
})

describe("definitions", () => {
  it("refuses a conversion table that misses a raw total, a scale upside down, or possible > clear", () => {
    const table = Instruments.swemwbsConversion.slice(1).map(([raw, score]) => ({ raw, score }))
    const bad = Instrument.decode({ ...Instruments.swemwbs, scoring: { _tag: "Conversion", table } })
    expect(Result.isFailure(bad) && bad.failure.issues).toContain("every raw total 7–35")
    expect(Result.isFailure(Instrument.decode({ ...Instruments.ucla3, scale: { min: 3, max: 1 } }))).toBe(true)
    expect(Result.isFailure(Instrument.decode({ ...Instruments.ucla3, thresholds: { possible: 2, clear: 1 } }))).toBe(
      true
    )
    expect(Result.isSuccess(Instrument.decode(JSON.parse(JSON.stringify(Instruments.ons4))))).toBe(true)
  })

  it("a registry refuses the same code twice", () => {
    expect(Result.isFailure(Instruments.registry([Instruments.swemwbs, Instruments.swemwbs]))).toBe(true)
    expect(Instruments.defaults.all.map((i) => i.code)).toEqual(["swemwbs", "wemwbs", "esis", "ucla-3", "ons4"])
  })

  it("thresholds are configuration", () => {
    const strict = Instrument.withThresholds(Instruments.swemwbs, { possible: 2, clear: 4 })
    expect(Instrument.scoreDefinitions(strict)[0]?.thresholds).toEqual({ possible: 2, clear: 4 })
    const ons = Instrument.withThresholds(Instruments.ons4, { possible: 1, clear: 2 }, "anxiety")
    expect(Instrument.scoreDefinitions(ons).map((d) => d.thresholds)).toEqual([
      undefined,
      undefined,
      undefined,
      { possible: 1, clear: 2 }
    ])
  })

  it("ships no item texts; attaches the licensee's texts by item number and checks the count", () => {
    expect(JSON.stringify(Instruments.builtIn())).not.toMatch(/optimistic|useful|relaxed|lonely/i)
    const texts = {
      instrument: "ucla-3",
      language: "en",
      licence: "licensee registration 123",
      items: { "1": "item one", "2": "item two", "3": "item three" },
      answers: { "1": "a", "2": "b", "3": "c" }
    }
    const ok = Instrument.attachTexts(Instruments.ucla3, texts)
    expect(Result.isSuccess(ok) && ok.success.items).toEqual(["item one", "item two", "item three"])
    expect(Result.isSuccess(ok) && ok.success.answers?.map((a) => a.value)).toEqual([1, 2, 3])
    const short = Instrument.attachTexts(Instruments.ucla3, { ...texts, items: { "1": "Qwzzq one", "2": "Qwzzq two" } })
    expect(Result.isFailure(short) && short.failure.problem).toContain("items 1–3")
    expect(Result.isFailure(short) && short.failure.message).not.toContain("Qwzzq")
    const skipped = Instrument.attachTexts(Instruments.ucla3, { ...texts, items: { "1": "x", "2": "y", "4": "z" } })
    expect(Result.isFailure(skipped)).toBe(true)
    expect(Result.isFailure(Instrument.attachTexts(Instruments.swemwbs, texts))).toBe(true)
    expect(
      Result.isFailure(Instrument.attachTexts(Instruments.ucla3, { ...texts, answers: { "1": "a", "2": "b" } }))
    ).toBe(true)
  })
})

describe("docs/measures.md", () => {
  it("the example adds an instrument end to end", () => {
    expect(instruments.get("wellbeing-star")).toBe(wellbeingStar)
    expect(Programme.expectedMeasures(ours, "baseline").map((m) => m.instrument)).toContain("wellbeing-star")
    expect(Result.isSuccess(texts)).toBe(true)
    const s = Measures.score(wellbeingStar, [4, 3, 2, 1, 0])
    expect(s._tag === "Scored" && s.scores[0]?.value).toBe(10)
  })

  it("the built-in table and the example are the code's", () => {
    const rules = (i: Instrument.Instrument): string => {
      switch (i.scoring._tag) {
        case "Sum":
          return "sum"
        case "Mean":
          return "mean"
        case "Conversion":
          return "sum, converted by table"
        case "Separate":
          return `${i.scoring.scores.length} separate scores, never summed`
      }
    }
    const range = (i: Instrument.Instrument) =>
      Instrument.scoreDefinitions(i)
        .map((d) => `${d.min}–${d.max}`)
        .filter((r, k, all) => all.indexOf(r) === k)
        .join(", ")
    const direction = (i: Instrument.Instrument) =>
      [
        i.direction,
        ...Instrument.scoreDefinitions(i)
          .filter((d) => d.direction !== i.direction)
          .map((d) => `${d.key}: ${d.direction}`)
      ]
        .join("; ")
        .replaceAll("higher-is-", "higher is ")
    const thresholds = (i: Instrument.Instrument) => {
      const t = Instrument.scoreDefinitions(i).flatMap((d) => (d.thresholds === undefined ? [] : [d.thresholds]))
      return t.length === 0
        ? "none (change not classified)"
        : t.map((x) => `≥ ${x.possible} possible, ≥ ${x.clear} clear`).join("; ")
    }
    const instrumentsTable = table(
      ["code", "items", "answers", "scoring", "score range", "direction", "meaningful change", "per client"],
      [...Instruments.builtIn({ esisScoring: "sum" }), Instruments.esis("mean")].map((i) => [
        code(i.code),
        String(i.items),
        `${i.scale.min}–${i.scale.max}`,
        rules(i),
        range(i),
        direction(i),
        thresholds(i),
        i.individualReporting ? "yes" : "no (group only)"
      ])
    )
    syncBlocks("measures.md", {
      instruments: instrumentsTable,
      example: ["```ts", region(thisFile, "add-instrument"), "```"].join("\n")
    })
  })
})
