/**
 * The link workers' survey (acceptance 4 of issue 18, the core part): the
 * survey is programme data under the strict programme rules; answers are
 * anonymous and checked; the aggregates show nothing while a round is open
 * and nothing from which one link worker's answer can be singled out
 * (property over random rounds, and the story of the one link worker who
 * answers differently from everyone else).
 */
import { describe, expect, it } from "@effect/vitest"
import { Instant, Presets, Programme, LinkWorkerSurvey as S } from "@lahete/core"
import { Result } from "effect"
import * as fc from "fast-check"

const zone = "Europe/Helsinki"
const survey = S.example
const round = S.roundAt(survey, Instant.make(Date.parse("2026-08-15T09:00:00Z")), zone)
const after = round.closesAt
const answer = (work: number | null, training: number | null, needs: ReadonlyArray<string> | null): S.Answer => ({
  surveyId: survey.id,
  round: round.id,
  answers: { "work-meaningful": work, "training-sufficient": training, "training-needs": needs }
})

describe("the survey as programme data", () => {
  it("a programme carries it; a misspelt setting is an error naming its path", () => {
    expect(Result.isSuccess(Programme.decode({ ...Presets.sodankyla, linkWorkerSurvey: survey }))).toBe(true)
    const typo = Programme.decode({ ...Presets.sodankyla, linkWorkerSurvey: { ...survey, everyMonth: 6 } })
    expect(Result.isFailure(typo) && typo.failure.issues).toContain(
      "linkWorkerSurvey.everyMonth: is not a known setting"
    )
    const backwards = Programme.decode({
      ...Presets.sodankyla,
      linkWorkerSurvey: { ...survey, everyMonths: 5, items: [{ ...survey.items[0], max: 1 }] }
    })
    expect(Result.isFailure(backwards) && backwards.failure.issues).toContain(
      "linkWorkerSurvey.items[0].max: must exceed min"
    )
    expect(Result.isFailure(backwards) && backwards.failure.issues).toContain(
      "linkWorkerSurvey.everyMonths: must divide the year"
    )
  })

  it("asking after each closed collaboration is not built: true is refused, naming the setting, not ignored", () => {
    const after = Programme.decode({
      ...Presets.sodankyla,
      linkWorkerSurvey: { ...survey, afterClosedCollaboration: true }
    })
    expect(Result.isFailure(after)).toBe(true)
    expect(Result.isFailure(after) && after.failure.issues).toContain("linkWorkerSurvey.afterClosedCollaboration")
  })

  it("rounds: every six months from January, local time", () => {
    expect(round).toEqual({ id: "2026-07", opensAt: "2026-06-30T21:00:00.000Z", closesAt: "2026-12-31T22:00:00.000Z" })
  })

  it("an answer is checked against the items, and carries no link worker", () => {
    expect(Result.isSuccess(S.checkAnswer(survey, answer(4, 3, ["grief"])))).toBe(true)
    expect(Result.isFailure(S.checkAnswer(survey, answer(6, 3, [])))).toBe(true)
    expect(Result.isFailure(S.checkAnswer(survey, answer(4, 3, ["astrology"])))).toBe(true)
    expect(Result.isFailure(S.checkAnswer(survey, { ...answer(4, 3, []), answers: { who: 1 } }))).toBe(true)
    expect(Object.keys(answer(4, 3, []))).toEqual(["surveyId", "round", "answers"])
  })
})

describe("aggregates: one link worker's answer cannot be singled out", () => {
  it("nothing while the round is open (figures that grow with each answer would give an answer away)", () => {
    const answers = Array.from({ length: 9 }, () => answer(4, 3, ["loneliness"]))
    expect(S.aggregate(survey, round, answers, { now: Instant.plusMillis(after, -1) })._tag).toBe("RoundOpen")
  })

  it("the one link worker who needs training in substance use, and rated their training 1, is not visible", () => {
    const others = Array.from({ length: 7 }, (_, k) => answer(4 + (k % 2), 3 + (k % 2), ["loneliness", "grief"]))
    const one = answer(2, 1, ["substance-use", "loneliness"])
    const a = S.aggregate(survey, round, [...others, one], { now: after })
    if (a._tag !== "Closed") throw new Error("closed round expected")
    expect(a.respondents).toEqual({ _tag: "Value", value: 8 })
    const needs = a.items.find((i) => i.key === "training-needs")
    if (needs?.kind !== "choices") throw new Error("choices")
    expect(needs.options.find((o) => o.key === "substance-use")?.count).toEqual({
      _tag: "Suppressed",
      reason: "fewer-than-minimum"
    })
    // everyone named loneliness: showing 8 of 8 would tell each one's answer
    expect(needs.options.find((o) => o.key === "loneliness")?.count).toEqual({
      _tag: "Suppressed",
      reason: "complement-below-minimum"
    })
    const training = a.items.find((i) => i.key === "training-sufficient")
    if (training?.kind !== "scale") throw new Error("scale")
    expect(training.values.find((v) => v.value === 1)?.count._tag).toBe("Suppressed")
    // a mean over eight varied answers is shown
    expect(training.mean._tag).toBe("Value")
  })

  it("a round with fewer than five answers shows nothing but that", () => {
    const a = S.aggregate(
      survey,
      round,
      Array.from({ length: 4 }, () => answer(5, 5, ["grief"])),
      { now: after }
    )
    expect(a._tag === "Closed" && a.respondents._tag).toBe("Suppressed")
    const shown = JSON.stringify(a).match(/"Value"/g) ?? []
    expect(shown).toHaveLength(0)
  })

  it("property: every figure shown rests on at least five answers, leaves at least five others, and a mean varies", () => {
    const scale = fc.option(fc.integer({ min: 1, max: 5 }), { nil: null, freq: 6 })
    const needs = fc.option(fc.subarray(["mental-health", "substance-use", "loneliness", "grief", "service-system"]), {
      nil: null,
      freq: 6
    })
    fc.assert(
      fc.property(fc.array(fc.tuple(scale, scale, needs), { maxLength: 25 }), (rows) => {
        const answers = rows.map(([w, t, n]) => answer(w, t, n))
        const a = S.aggregate(survey, round, answers, { now: after })
        if (a._tag !== "Closed") return false
        for (const item of a.items) {
          const given = answers.map((x) => x.answers[item.key]).filter((x) => x !== null && x !== undefined)
          const n = given.length
          if (item.answered._tag === "Value") expect(item.answered.value).toBeGreaterThanOrEqual(5)
          if (item.kind === "scale") {
            if (item.mean._tag === "Value") {
              expect(n).toBeGreaterThanOrEqual(5)
              expect(new Set(given).size).toBeGreaterThan(1)
            }
            for (const v of item.values) {
              if (v.count._tag === "Value") {
                expect(v.count.value).toBeGreaterThanOrEqual(5)
                expect(n - v.count.value).toBeGreaterThanOrEqual(5)
                expect(v.count.value).toBe(given.filter((x) => x === v.value).length)
              }
            }
          } else {
            for (const o of item.options) {
              if (o.count._tag === "Value") {
                expect(o.count.value).toBeGreaterThanOrEqual(5)
                expect(n - o.count.value).toBeGreaterThanOrEqual(5)
              }
            }
          }
        }
        return true
      }),
      { numRuns: 300 }
    )
  })
})
