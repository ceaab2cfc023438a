/**
 * Small-cell suppression (domain specification §4 Evaluator "no figure from
 * fewer than 5 clients", §7 "every cell under 5 clients suppressed", §10 the
 * link workers' survey "aggregates with suppression"): the floor of five
 * holds whatever minimum a caller passes (lower, fractional, or not a number
 * at all, as `Number(process.env.X)` gives when the variable is unset), and a
 * figure from exactly five is shown.
 */
import { describe, expect, it } from "@effect/vitest"
import { CommunityEvaluation, Evaluation, Instant, Presets, LinkWorkerSurvey as S } from "@lahete/core"
import { Fixtures as F } from "@lahete/testing"
import * as fc from "fast-check"
import { cohort, plus, start } from "./support/cohort.js"

const zone = "Europe/Helsinki"
const survey = S.example
const round = S.roundAt(survey, Instant.make(Date.parse("2026-08-15T09:00:00Z")), zone)
const after = round.closesAt
const answer = (work: number): S.Answer => ({
  surveyId: survey.id,
  round: round.id,
  answers: { "work-meaningful": work, "training-sufficient": 3, "training-needs": ["grief"] }
})
/** `n` answers that vary (so a mean is not suppressed for showing everyone's answer). */
const answers = (n: number) => Array.from({ length: n }, (_, k) => answer(2 + (k % 3)))

const closed = (a: S.Aggregate) => {
  if (a._tag !== "Closed") throw new Error("a closed round expected")
  return a
}

/** Every `Value` cell anywhere in a structure. */
const valuesIn = (x: unknown): ReadonlyArray<unknown> => {
  const out: Array<unknown> = []
  const walk = (y: unknown) => {
    if (Array.isArray(y)) y.forEach(walk)
    else if (typeof y === "object" && y !== null) {
      if ((y as { _tag?: string })._tag === "Value") out.push(y)
      Object.values(y).forEach(walk)
    }
  }
  walk(x)
  return out
}

describe("the link workers' survey: the floor of five", () => {
  it("five answers are shown; four are not", () => {
    expect(closed(S.aggregate(survey, round, answers(5), { now: after })).respondents).toEqual({
      _tag: "Value",
      value: 5
    })
    const four = closed(S.aggregate(survey, round, answers(4), { now: after }))
    expect(four.respondents).toEqual({ _tag: "Suppressed", reason: "fewer-than-minimum" })
    expect(valuesIn(four)).toEqual([])
  })

  it("property: whatever minimum is asked for, nothing from fewer than five answers is shown", () => {
    const minimum = fc.oneof(
      fc.integer({ min: -10, max: 4 }),
      fc.double({ min: -10, max: 4.99, noNaN: true }),
      fc.constant(Number.NaN),
      fc.constant(Number.NEGATIVE_INFINITY)
    )
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), minimum, (n, minimumCell) => {
        const a = closed(S.aggregate(survey, round, answers(n), { now: after, minimumCell }))
        expect(valuesIn(a)).toEqual([])
        expect(a.minimumCell).toBe(5)
      }),
      { numRuns: 200 }
    )
  })
})

describe("the evaluation report: the floor of five", () => {
  it("a minimum that is not a number (an unset setting read with Number) keeps the floor: nothing from fewer than 5", () => {
    const c = cohort(6, 11, () => "nurse")
    for (const minimumCell of [Number.NaN, Number.NEGATIVE_INFINITY, 4.5]) {
      const r = Evaluation.report({
        programmeId: "kemijarvi",
        period: { from: start, to: plus(start, 6 * 17 + 10) },
        asOf: plus(start, 24 * 800),
        histories: c.histories,
        catalog: Presets.catalog,
        minimumCell
      })
      expect(valuesIn(r), String(minimumCell)).toEqual([])
      expect(r.minimumCell, String(minimumCell)).toBe(5)
    }
  })
})

describe("the community section: the floor of five", () => {
  it("CommunityEvaluation.compute, called on its own, shows nothing of four clients whatever minimum it is given", () => {
    const joined = F.history([
      ...F.pathTo.Active(),
      F.activity("suggested", { at: F.at(24 * 6) }),
      F.activity("joined", { at: F.at(24 * 7) })
    ]).state
    for (const minimumCell of [1, 4, Number.NaN]) {
      const four = CommunityEvaluation.compute([joined, joined, joined, joined], { minimumCell })
      expect(valuesIn(four), String(minimumCell)).toEqual([])
    }
    // five are shown (the same client five times stands in for five clients here)
    const five = CommunityEvaluation.compute([joined, joined, joined, joined, joined], { minimumCell: 1 })
    expect(valuesIn(five)).toContainEqual({ _tag: "Value", value: 5 })
  })
})
