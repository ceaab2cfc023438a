/**
 * The measures' rules as a caller sees them (facts.md §2–4, domain
 * specification §7): which forms are scored and why not, the meaningful-change
 * classes at their thresholds, the change a referral's forms give for a
 * comparison, how a form of an instrument the registry does not know is shown,
 * and which time point's measure `Measures.due` expects in each state of the
 * lifecycle. Written to close what mutation testing of `Measures.ts` found
 * unguarded (docs/mutation.md).
 */
import { describe, expect, it } from "@effect/vitest"
import {
  Deadlines,
  Evaluation,
  type Instant,
  Instrument,
  Instruments,
  Measures,
  Presets,
  type ReferralCommand
} from "@lahete/core"
import { Fixtures as F } from "@lahete/testing"
import { Result } from "effect"
import * as fc from "fast-check"
import { formSumming } from "./support/forms.js"
import { on } from "./support/onReferral.js"

const t = F.at(1)
const adm = (
  instrument: string,
  answers: ReadonlyArray<number | null>,
  over: Partial<Measures.Administration> = {}
): Measures.Administration => ({ instrument, timePoint: "baseline", respondent: "self", answers, at: t, ...over })

const all = [...Instruments.builtIn({ esisScoring: "sum" }), Instruments.esis("mean")]

/** A form of the instrument's length on its scale, some items unanswered. */
const formWithHoles = (i: Instrument.Instrument) =>
  fc.array(fc.option(fc.integer({ min: i.scale.min, max: i.scale.max }), { nil: null, freq: 6 }), {
    minLength: i.items,
    maxLength: i.items
  })

describe("a form with the wrong number of answers", () => {
  it("is not scored, for the wrong item count with no item at fault; completeness counts every item of the instrument", () => {
    for (const i of all) {
      fc.assert(
        fc.property(
          formWithHoles(i),
          fc.integer({ min: 0, max: i.items - 1 }),
          fc.integer({ min: 1, max: 3 }),
          fc.boolean(),
          (form, keep, extra, longer) => {
            const answers = longer
              ? [...form, ...Array.from({ length: extra }, () => i.scale.min)]
              : form.slice(0, keep)
            const s = Measures.score(i, answers)
            expect(s).toMatchObject({ _tag: "NotScored", reason: "wrong-item-count", items: [] })
            // the instrument's items: those beyond a short form's end are missing, a long form's extras are not items
            const missing = Array.from({ length: i.items }, (_, k) => k + 1).filter(
              (n) => answers[n - 1] === null || n > answers.length
            )
            expect(s.completeness).toEqual({ items: i.items, answered: i.items - missing.length, missing })
          }
        ),
        { numRuns: 200 }
      )
    }
  })

  it("example: three SWEMWBS answers miss items 4–7", () => {
    expect(Measures.score(Instruments.swemwbs, [3, null, 4])).toEqual({
      _tag: "NotScored",
      instrument: "swemwbs",
      completeness: { items: 7, answered: 2, missing: [2, 4, 5, 6, 7] },
      reason: "wrong-item-count",
      items: []
    })
  })
})

describe("a conversion table that misses the form's sum", () => {
  it("(an instrument built without decoding, so not checked) is not scored: off the scale, no item at fault", () => {
    const partial = {
      ...Instruments.ucla3,
      code: "ucla3-partial",
      scoring: {
        _tag: "Conversion" as const,
        table: [3, 4, 5, 6, 7, 8].map((raw) => ({ raw, score: raw * 10 }))
      }
    }
    // decoding refuses such a table; score does not trust that it was decoded
    expect(Result.isFailure(Instrument.decode(partial))).toBe(true)
    expect(Measures.score(partial, [3, 3, 2])).toMatchObject({
      _tag: "Scored",
      scores: [{ key: "total", raw: 8, value: 80 }]
    })
    expect(Measures.score(partial, [3, 3, 3])).toEqual({
      _tag: "NotScored",
      instrument: "ucla3-partial",
      completeness: { items: 3, answered: 3, missing: [] },
      reason: "off-scale",
      items: []
    })
  })
})

describe("meaningful change at the thresholds (facts.md §2: configuration; SWEMWBS ≥1 and ≥3, WEMWBS ≥3 and ≥8)", () => {
  /** The first score's change between a baseline and an end form of `instrument` summing to the raw scores given. */
  const scoreChange = (instrument: Instrument.Instrument, rawBefore: number, rawAfter: number) =>
    Result.getOrThrow(
      Measures.change(
        instrument,
        adm(instrument.code, formSumming(rawBefore, instrument.items)),
        adm(instrument.code, formSumming(rawAfter, instrument.items), { timePoint: "end" })
      )
    ).scores[0]
  const wemwbs = (rawBefore: number, rawAfter: number) =>
    scoreChange(Instruments.wemwbs, rawBefore, rawAfter)?.classification

  it("WEMWBS (a plain sum): a change of exactly 3 is possibly, of exactly 8 clearly meaningful, either way", () => {
    expect(wemwbs(40, 42)).toBe("no-meaningful-change")
    expect(wemwbs(40, 43)).toBe("improved-possibly")
    expect(wemwbs(40, 47)).toBe("improved-possibly")
    expect(wemwbs(40, 48)).toBe("improved-clearly")
    expect(wemwbs(40, 38)).toBe("no-meaningful-change")
    expect(wemwbs(40, 37)).toBe("worsened-possibly")
    expect(wemwbs(40, 33)).toBe("worsened-possibly")
    expect(wemwbs(40, 32)).toBe("worsened-clearly")
  })

  it("SWEMWBS (the metric score): 25.03 ↔ 26.02 (0.99) is no meaningful change either way, 26.02 ↔ 27.03 (1.01) is", () => {
    const swemwbs = (rawBefore: number, rawAfter: number) => scoreChange(Instruments.swemwbs, rawBefore, rawAfter)
    expect(swemwbs(28, 29)).toMatchObject({ before: 25.03, after: 26.02, classification: "no-meaningful-change" })
    expect(swemwbs(29, 28)?.classification).toBe("no-meaningful-change")
    expect(swemwbs(29, 30)).toMatchObject({ change: 1.01, classification: "improved-possibly" })
    expect(swemwbs(30, 29)).toMatchObject({ change: -1.01, classification: "worsened-possibly" })
    // 13.33 → 16.36: +3.03
    expect(swemwbs(11, 16)?.classification).toBe("improved-clearly")
    expect(swemwbs(16, 11)?.classification).toBe("worsened-clearly")
  })

  it("property: the class follows the thresholds (compared at six decimals), and only improvements count as improved", () => {
    const hundredths = fc.oneof(
      fc.constant(0),
      fc.integer({ min: 0, max: 2000 }).map((n) => n / 100)
    )
    fc.assert(
      fc.property(
        hundredths,
        hundredths,
        fc.oneof(fc.constant(0), fc.integer({ min: -3000, max: 3000 })),
        fc.constantFrom(0, 1e-9, -1e-9),
        (a, b, x100, noise) => {
          const thresholds = { possible: Math.min(a, b), clear: Math.max(a, b) }
          const x = x100 / 100
          const c = Measures.classify(x + noise, thresholds)
          // the size of the change in its direction, against the thresholds; no change is neither
          const better = x > 0 ? "improved" : "worsened"
          const size = Math.abs(x)
          const expected =
            x === 0
              ? "no-meaningful-change"
              : size >= thresholds.clear
                ? `${better}-clearly`
                : size >= thresholds.possible
                  ? `${better}-possibly`
                  : "no-meaningful-change"
          expect(c).toBe(expected)
          // what the report counts as a meaningful improvement (its share improved)
          expect(Measures.improvedClasses.has(c)).toBe(x > 0 && x >= thresholds.possible)
          // the same change in the other direction mirrors the class
          const swapped = c.startsWith("improved")
            ? c.replace("improved", "worsened")
            : c.startsWith("worsened")
              ? c.replace("worsened", "improved")
              : c
          expect(Measures.classify(-(x + noise), thresholds)).toBe(swapped)
        }
      ),
      { numRuns: 2000 }
    )
  })

  it("thresholds of 0 (any change counts) never make an unchanged score an improvement or a worsening", () => {
    const zero = { possible: 0, clear: 0 }
    expect(Measures.classify(0, zero)).toBe("no-meaningful-change")
    expect(Measures.classify(0.01, zero)).toBe("improved-clearly")
    expect(Measures.classify(-0.01, zero)).toBe("worsened-clearly")
    // an instrument configured so (decoding accepts it): an unchanged form is not counted as improved
    const anyChange = Result.getOrThrow(Instrument.decode({ ...Instruments.wemwbs, thresholds: zero }))
    const c = Result.getOrThrow(
      Measures.change(
        anyChange,
        adm("wemwbs", formSumming(40, 14)),
        adm("wemwbs", formSumming(40, 14), { timePoint: "end" })
      )
    ).scores[0]
    expect(c?.classification).toBe("no-meaningful-change")
    expect(Measures.improvedClasses.has(c?.classification as Measures.ChangeClass)).toBe(false)
  })
})

describe("change", () => {
  it("is refused when the first form is of another instrument, too", () => {
    expect(
      Measures.change(
        Instruments.swemwbs,
        adm("wemwbs", [3, 3, 3, 3, 3, 3, 3]),
        adm("swemwbs", [3, 3, 3, 3, 3, 3, 3], { timePoint: "end" })
      )
    ).toEqual(Result.fail("different-instrument"))
  })

  it("an unchanged score where higher is worse is an improvement of 0, never −0 (a number format shows it as “−0”)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(Instruments.ucla3, Instruments.ons4, Instruments.swemwbs),
        fc.array(fc.integer({ min: 0, max: 10 }), { minLength: 7, maxLength: 7 }),
        (i, raw) => {
          const answers = raw.slice(0, i.items).map((a) => Math.min(i.scale.max, Math.max(i.scale.min, a)))
          const c = Result.getOrThrow(
            Measures.change(i, adm(i.code, answers), adm(i.code, answers, { timePoint: "follow-up" }))
          )
          for (const s of c.scores) {
            expect(Object.is(s.change, 0), s.key).toBe(true)
            expect(Object.is(s.improvement, 0), s.key).toBe(true)
            expect(s.classification === "unclassified" || s.classification === "no-meaningful-change").toBe(true)
          }
        }
      )
    )
    const ucla = Result.getOrThrow(
      Measures.change(Instruments.ucla3, adm("ucla-3", [2, 2, 2]), adm("ucla-3", [2, 2, 2], { timePoint: "end" }))
    )
    expect(new Intl.NumberFormat("fi-FI").format(ucla.scores[0]?.improvement as number)).toBe("0")
  })
})

describe("pairedChange: a referral's change for one instrument, respondent kind and comparison", () => {
  const instruments = [Instruments.swemwbs, Instruments.ucla3] as const
  const respondents = ["self", "proxy"] as const
  const timePoints = ["baseline", "end", "follow-up"] as const

  /** A referral's forms: each instrument, respondent and time point at most once (as the decider records them), in any order. */
  const taken = fc
    .tuple(
      ...instruments.flatMap((i) =>
        respondents.flatMap((respondent) =>
          timePoints.map((timePoint) =>
            fc.option(
              formWithHoles(i).map((answers) => adm(i.code, answers, { respondent, timePoint })),
              {
                freq: 2
              }
            )
          )
        )
      )
    )
    .chain((forms) =>
      fc.shuffledSubarray(
        forms.filter((f) => f !== null),
        { minLength: forms.filter((f) => f !== null).length }
      )
    )

  it("property: the change between that instrument's and respondent's two forms, when both are there and scored; otherwise none", () => {
    const seen = new Set<string>()
    fc.assert(
      fc.property(taken, (forms) => {
        for (const i of instruments) {
          for (const respondent of respondents) {
            for (const comparison of Measures.comparisons) {
              const c = Measures.pairedChange(i, forms, respondent, comparison)
              const of = (tp: string) =>
                forms.filter((a) => a.instrument === i.code && a.respondent === respondent && a.timePoint === tp)
              const [before] = of(comparison.from)
              const [after] = of(comparison.to)
              const scored = (a: Measures.Administration | undefined) =>
                a !== undefined && Measures.score(i, a.answers)._tag === "Scored"
              if (scored(before) && scored(after)) {
                seen.add("paired")
                expect(c).toEqual(
                  Result.getOrThrow(
                    Measures.change(i, before as Measures.Administration, after as Measures.Administration)
                  )
                )
                expect(c).toMatchObject({ instrument: i.code, respondent, ...comparison })
              } else {
                seen.add("unpaired")
                expect(c).toBeUndefined()
              }
            }
          }
        }
      }),
      { numRuns: 500 }
    )
    expect([...seen].sort()).toEqual(["paired", "unpaired"])
  })

  it("pairs a group-only instrument's forms too: the change is for aggregates (ESIS)", () => {
    const esis = Instruments.esis("mean")
    const forms = [
      adm("esis", [3, 3, 3, 3, 3, 3, 3, 3, 3, 3]),
      adm("esis", [4, 4, 4, 4, 4, 4, 4, 4, 4, 4], { timePoint: "end" })
    ]
    expect(Measures.change(esis, forms[0] as Measures.Administration, forms[1] as Measures.Administration)).toEqual(
      Result.fail("group-only")
    )
    const c = Measures.pairedChange(esis, forms, "self", { from: "baseline", to: "end" })
    expect(c?.scores.map((s) => [s.before, s.after, s.change])).toEqual([[3, 4, 1]])
  })
})

describe("the evaluation report compares the baseline with the follow-up, and counts improvements by the thresholds", () => {
  it("ten Kemijärvi clients with baseline and follow-up SWEMWBS forms: five improved clearly (20.73 → 24.11), five unchanged", () => {
    const closing = F.close()
    const window = Deadlines.followUpWindow(closing.at, Presets.kemijarvi)
    const client = (n: number, rawAfter: number) =>
      F.history(
        on(n, [
          ...F.pathTo.Active(),
          F.measure({ answers: formSumming(23, 7) }),
          closing,
          F.measure({ timePoint: "follow-up", at: window.opensAt, answers: formSumming(rawAfter, 7) })
        ])
      ).events
    const r = Evaluation.report({
      programmeId: Presets.kemijarvi.id,
      period: { from: F.at(-1), to: F.at(24 * 30) },
      asOf: F.at(24 * 500),
      catalog: Presets.catalog,
      histories: [0, 1, 2, 3, 4].map((n) => client(n, 27)).concat([5, 6, 7, 8, 9].map((n) => client(n, 23)))
    })
    const row = r.measures.change.find(
      (c) => c.instrument === "swemwbs" && c.respondent === "self" && c.from === "baseline" && c.to === "follow-up"
    )
    expect(row).toMatchObject({
      pairs: { _tag: "Value", value: 10 },
      shareImproved: { _tag: "Value", value: 0.5 },
      shareImprovedClearly: { _tag: "Value", value: 0.5 }
    })
    expect(row?.meanChange._tag === "Value" && row.meanChange.value).toBeCloseTo(1.69, 10)
  })
})

describe("forClient: a form of an instrument the registry does not know", () => {
  it("is shown as such, with how many answers it has, and no score", () => {
    const registry = Result.getOrThrow(Instruments.registry([Instruments.swemwbs]))
    const shown = Measures.forClient(
      [
        adm("ucla-3", [1, 2, 3], { timePoint: "end" }),
        adm("ucla-3", [1, null, 3, null], { respondent: "proxy" }),
        adm("swemwbs", [3, 3, 3, 3, 3, 3, 3])
      ],
      registry
    )
    expect(shown[0]).toEqual({
      instrument: "ucla-3",
      timePoint: "end",
      respondent: "self",
      at: t,
      completeness: { items: 3, answered: 3, missing: [] },
      result: { _tag: "UnknownInstrument" }
    })
    // as for a known instrument, the items without an answer are listed (from 1)
    expect(shown[1]?.completeness).toEqual({ items: 4, answered: 2, missing: [2, 4] })
    expect(shown[1]?.result).toEqual({ _tag: "UnknownInstrument" })
    expect(shown[2]?.result._tag).toBe("Scored")
  })
})

describe("due: which measure each state of the lifecycle expects", () => {
  const paths = F.pathTo as Record<string, () => ReadonlyArray<ReferralCommand.ReferralCommand>>
  // after every path's last event and before Kemijärvi's follow-up window opens
  const now = F.at(24 * 121)

  it("a baseline is due exactly where the decider takes it, the end measure is listed exactly where it takes that", () => {
    const baselineTaken: Array<string> = []
    for (const [status, path] of Object.entries(paths)) {
      const { state } = F.history(path())
      expect(state.status).toBe(status)
      const due = Measures.due(state, Presets.kemijarvi, now)
      const listed = (tp: string) => due.filter((d) => d.timePoint === tp).map((d) => d.status)
      const accepts = (timePoint: "baseline" | "end") =>
        // the client answers for themself at any time; the link worker enters it once assigned
        [F.client, F.linkWorkerActor].some((actor) =>
          Result.isSuccess(F.decider.decide(F.measure({ timePoint, at: now, actor }), state))
        )
      if (accepts("baseline")) baselineTaken.push(status)
      expect(listed("baseline"), status).toEqual(accepts("baseline") ? ["due"] : [])
      expect(listed("end"), status).toEqual(!accepts("end") ? [] : status === "Closed" ? ["due"] : ["upcoming"])
      expect(listed("follow-up"), status).toEqual(status === "Closed" ? ["upcoming"] : [])
    }
    // domain specification: the baseline from submission until the collaboration ends
    expect(baselineTaken).toEqual(["Submitted", "Assigned", "ContactScheduled", "Active", "OnHold"])
  })

  it("on hold: the baseline still due and the end measure upcoming, as while active", () => {
    const { state } = F.history(F.pathTo.OnHold())
    expect(Measures.due(state, Presets.kemijarvi, now).map((d) => `${d.timePoint}:${d.status}`)).toEqual([
      "baseline:due",
      "end:upcoming"
    ])
  })

  it("followed up (the follow-up missed): nothing more, though the referral was closed", () => {
    const { state } = F.history(F.pathTo.FollowedUp())
    expect(state.closedAt).toBeDefined()
    const window = Deadlines.followUpWindow(state.closedAt as Instant.Instant, Presets.kemijarvi)
    for (const at of [now, window.opensAt, window.closesAt])
      expect(Measures.due(state, Presets.kemijarvi, at)).toEqual([])
  })

  it("Sodankylä: another instrument's baseline taken leaves SWEMWBS's (the client's and the proxy's) due", () => {
    const { state } = F.history([
      F.submit({ programmeId: Presets.sodankyla.id }),
      F.assign(),
      F.scheduleCall(),
      F.firstContact(),
      F.measure({ instrument: "esis", answers: [3, 3, 3, 3, 3, 3, 3, 3, 3, 3] })
    ])
    expect(
      Measures.due(state, Presets.sodankyla, F.at(30)).map(
        (d) => `${d.timePoint}/${d.instrument}/${d.respondent}:${d.status}`
      )
    ).toEqual([
      "baseline/swemwbs/self:due",
      "baseline/swemwbs/proxy:due",
      "end/esis/self:upcoming",
      "end/swemwbs/self:upcoming"
    ])
  })
})
