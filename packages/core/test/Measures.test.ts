import { describe, expect, it } from "@effect/vitest"
import { type Ids, Instant, Instruments, Measures, Presets, Referral, Views } from "@lahete/core"
import { Fixtures } from "@lahete/testing"
import { Result } from "effect"
import * as fc from "fast-check"

const t = Instant.make(Date.parse("2026-03-02T07:00:00.000Z"))
const adm = (
  answers: ReadonlyArray<number | null>,
  over: Partial<Measures.Administration> = {}
): Measures.Administration => ({
  instrument: "swemwbs",
  timePoint: "baseline",
  respondent: "self",
  answers,
  at: t,
  ...over
})

/** A SWEMWBS form whose sum is `raw`. */
const swemwbsForm = (raw: number): Array<number> => {
  const a = [1, 1, 1, 1, 1, 1, 1]
  let left = raw - 7
  for (let k = 0; k < 7; k++) {
    const add = Math.min(4, left)
    a[k] = 1 + add
    left -= add
  }
  return a
}

describe("change", () => {
  it("is classified against the SWEMWBS thresholds on the metric score", () => {
    const from = (rawBefore: number, rawAfter: number) =>
      Result.getOrThrow(
        Measures.change(
          Instruments.swemwbs,
          adm(swemwbsForm(rawBefore)),
          adm(swemwbsForm(rawAfter), { timePoint: "end" })
        )
      ).scores[0]
    // 20.73 → 21.54: +0.81, below 1
    expect(from(23, 24)?.classification).toBe("no-meaningful-change")
    // 20.73 → 22.35: +1.62
    expect(from(23, 25)).toMatchObject({ before: 20.73, after: 22.35, classification: "improved-possibly" })
    // 20.73 → 24.11: +3.38
    expect(from(23, 27)?.classification).toBe("improved-clearly")
    expect(from(27, 23)?.classification).toBe("worsened-clearly")
    expect(from(25, 23)?.classification).toBe("worsened-possibly")
    expect(from(23, 23)?.classification).toBe("no-meaningful-change")
  })

  it("takes the direction into account: ONS4 anxiety down is an improvement; unthresholded scores are unclassified", () => {
    const ons = (answers: ReadonlyArray<number>, timePoint: "baseline" | "end") =>
      adm(answers, { instrument: "ons4", timePoint })
    const c = Result.getOrThrow(
      Measures.change(Instruments.ons4, ons([5, 5, 5, 8], "baseline"), ons([6, 5, 4, 3], "end"))
    )
    expect(c.scores.map((s) => [s.key, s.change, s.improvement, s.classification])).toEqual([
      ["life-satisfaction", 1, 1, "unclassified"],
      ["worthwhile", 0, 0, "unclassified"],
      ["happiness", -1, -1, "unclassified"],
      ["anxiety", -5, 5, "unclassified"]
    ])
    expect(Measures.classify(5, { possible: 1, clear: 2 })).toBe("improved-clearly")
    expect(Measures.classify(-1.5, { possible: 1, clear: 2 })).toBe("worsened-possibly")
    expect(Measures.classify(0, { possible: 0, clear: 2 })).toBe("no-meaningful-change")
  })

  it("is refused across respondent kinds, instruments, the same time point and unscored forms", () => {
    const s = Instruments.swemwbs
    expect(
      Measures.change(
        s,
        adm([3, 3, 3, 3, 3, 3, 3]),
        adm([4, 4, 4, 4, 4, 4, 4], { timePoint: "end", respondent: "proxy" })
      )
    ).toEqual(Result.fail("different-respondent"))
    expect(Measures.change(s, adm([3, 3, 3, 3, 3, 3, 3]), adm([3, 3, 3, 3, 3, 3, 3]))).toEqual(
      Result.fail("same-time-point")
    )
    expect(
      Measures.change(
        s,
        adm([3, 3, 3, 3, 3, 3, 3]),
        adm([3, 3, 3, 3, 3, 3, 3], { instrument: "wemwbs", timePoint: "end" })
      )
    ).toEqual(Result.fail("different-instrument"))
    expect(Measures.change(s, adm([3, 3, null, 3, 3, 3, 3]), adm([3, 3, 3, 3, 3, 3, 3], { timePoint: "end" }))).toEqual(
      Result.fail("not-scored")
    )
  })

  it("ESIS change is for aggregates only", () => {
    const esis = Instruments.esis("mean")
    const a = adm([3, 3, 3, 3, 3, 3, 3, 3, 3, 3], { instrument: "esis" })
    const b = adm([4, 4, 4, 4, 4, 4, 4, 4, 4, 4], { instrument: "esis", timePoint: "end" })
    expect(Measures.change(esis, a, b)).toEqual(Result.fail("group-only"))
    expect(Result.getOrThrow(Measures.change(esis, a, b, { aggregate: true })).scores[0]?.change).toBe(1)
  })

  it("property: a proxy score is never paired with a self score", () => {
    const timePoint = fc.constantFrom("baseline" as const, "end" as const, "follow-up" as const)
    const respondent = fc.constantFrom("self" as const, "proxy" as const)
    const answers = fc.array(fc.oneof(fc.integer({ min: 1, max: 5 }), fc.constant(null)), {
      minLength: 7,
      maxLength: 7
    })
    const form = fc.record({ timePoint, respondent, answers }).map((r) => adm(r.answers, r))
    fc.assert(
      fc.property(fc.array(form, { maxLength: 8 }), form, form, (taken, a, b) => {
        // change itself refuses any mixed pair
        if (a.respondent !== b.respondent) {
          expect(Measures.change(Instruments.swemwbs, a, b)).toEqual(Result.fail("different-respondent"))
        }
        // pairing per referral only ever uses the asked respondent's forms
        for (const kind of ["self", "proxy"] as const) {
          for (const comparison of Measures.comparisons) {
            const c = Measures.pairedChange(Instruments.swemwbs, taken, kind, comparison)
            if (c === undefined) continue
            expect(c.respondent).toBe(kind)
            const first = (tp: string) => taken.find((x) => x.respondent === kind && x.timePoint === tp)
            const before = Measures.score(Instruments.swemwbs, first(comparison.from)?.answers ?? [])
            const after = Measures.score(Instruments.swemwbs, first(comparison.to)?.answers ?? [])
            expect(before._tag === "Scored" && before.scores[0]?.value).toBe(c.scores[0]?.before)
            expect(after._tag === "Scored" && after.scores[0]?.value).toBe(c.scores[0]?.after)
          }
        }
      }),
      { numRuns: 1000 }
    )
  })
})

describe("forClient", () => {
  it("never shows an ESIS score to a person, shows SWEMWBS scores and the reason a form was not scored", () => {
    const shown = Measures.forClient(
      [
        adm([5, 5, 5, 5, 5, 1, 1, 1, 1, 1], { instrument: "esis" }),
        adm([3, 3, 3, 3, 3, 3, 3]),
        adm([3, null, 3, 3, 3, 3, 3], { timePoint: "end" })
      ],
      Instruments.defaults
    )
    expect(shown.map((m) => m.result._tag)).toEqual(["GroupOnly", "Scored", "NotScored"])
    expect(shown[0]?.result).toEqual({ _tag: "GroupOnly" })
    expect(Object.keys(shown[0] ?? {}).sort()).toEqual([
      "at",
      "completeness",
      "instrument",
      "respondent",
      "result",
      "timePoint"
    ])
    expect(shown[2]?.completeness).toEqual({ items: 7, answered: 6, missing: [2] })
  })
})

describe("recorded through the lifecycle", () => {
  it("an incomplete form is recorded by the decider but not scored", () => {
    const { events } = Fixtures.history([
      ...Fixtures.pathTo.Active(),
      Fixtures.measure({ answers: [3, 3, null, 3, 3, 3, 3] })
    ])
    const taken = Measures.administrations(events)
    expect(taken).toHaveLength(1)
    const s = Measures.score(Instruments.swemwbs, taken[0]?.answers ?? [])
    expect(s._tag === "NotScored" && [s.reason, s.items]).toEqual(["incomplete", [3]])
  })
})

describe("due", () => {
  const kemijarvi = Presets.kemijarvi
  const dueOf = (commands: Parameters<typeof Fixtures.history>[0], now: Instant.Instant, p = kemijarvi) =>
    Measures.due(Fixtures.history(commands).state, p, now).map(
      (d) => `${d.timePoint}/${d.instrument}/${d.respondent}:${d.status}`
    )

  it("shows the baseline as due until it is recorded, the end measure as upcoming while active", () => {
    expect(dueOf(Fixtures.pathTo.Submitted(), Fixtures.at(1))).toEqual(["baseline/swemwbs/self:due"])
    expect(dueOf([...Fixtures.pathTo.Active(), Fixtures.measure()], Fixtures.at(30))).toEqual([
      "end/swemwbs/self:upcoming"
    ])
  })

  it("after closing: the end measure due, the follow-up upcoming, due within D5's window, then overdue", () => {
    const closed = [...Fixtures.pathTo.Active(), Fixtures.measure(), Fixtures.close()]
    const state = Fixtures.history(closed).state
    const d = Measures.due(state, kemijarvi, Fixtures.at(24 * 121))
    expect(d.map((x) => `${x.timePoint}:${x.status}`)).toEqual(["end:due", "follow-up:upcoming"])
    const opensAt = d[1]?.opensAt as Instant.Instant
    const closesAt = d[1]?.closesAt as Instant.Instant
    expect(Measures.due(state, kemijarvi, opensAt)[1]?.status).toBe("due")
    expect(Measures.due(state, kemijarvi, closesAt)[1]?.status).toBe("overdue")
    const withEnd = [
      ...Fixtures.pathTo.Active(),
      Fixtures.measure(),
      Fixtures.measure({ timePoint: "end", at: Fixtures.at(24 * 100) }),
      Fixtures.close()
    ]
    expect(dueOf(withEnd, opensAt)).toEqual(["follow-up/swemwbs/self:due"])
  })

  it("expects nothing of an ended referral, and marks a Sodankylä proxy measure without consent", () => {
    expect(dueOf(Fixtures.pathTo.Rejected(), Fixtures.at(10))).toEqual([])
    const submitted = Fixtures.history([Fixtures.submit({ programmeId: Presets.sodankyla.id })]).state
    const d = Measures.due(submitted, Presets.sodankyla, Fixtures.at(1))
    expect(d.map((x) => [x.instrument, x.respondent, x.consentMissing])).toEqual([
      ["esis", "self", false],
      ["swemwbs", "self", false],
      ["swemwbs", "proxy", true]
    ])
    const consented = Referral.fold(
      [
        {
          _tag: "ConsentRecorded",
          referralId: Fixtures.referralId,
          at: Fixtures.at(0.5),
          actor: Fixtures.referrer,
          consent: {
            purpose: "proxy-measure",
            decision: "granted",
            method: "in-appointment",
            recordedBy: Fixtures.referrer.id,
            at: Fixtures.at(0.5)
          }
        }
      ],
      submitted
    )
    expect(Measures.due(consented, Presets.sodankyla, Fixtures.at(1)).every((x) => !x.consentMissing)).toBe(true)
  })
})

describe("ESIS in the views", () => {
  it("no view carries answers or scores: the state (what every view is built from) lists only what was taken", () => {
    const esisAnswers = [5, 5, 5, 5, 5, 5, 5, 5, 5, 4]
    const { state } = Fixtures.history([
      Fixtures.submit({ programmeId: Presets.sodankyla.id }),
      Fixtures.assign(),
      Fixtures.scheduleCall(),
      Fixtures.firstContact(),
      Fixtures.measure({ instrument: "esis", answers: esisAnswers })
    ])
    const link = Views.linkWorkerReferral(Fixtures.linkWorkerActor, state, new Map(), Fixtures.at(30))
    const own = Views.subjectAccess(Fixtures.client, state.subjectId as Ids.SubjectId, [state], undefined, {
      usage: [],
      disclosures: []
    })
    const status = Views.referrerOverview(Fixtures.referrer, [state], Fixtures.at(30))
    for (const view of [state, Result.getOrThrow(link), Result.getOrThrow(own), Result.getOrThrow(status)]) {
      const json = JSON.stringify(view)
      expect(json).not.toMatch(/"answers"|"scores"|"score"|"value"/)
      // neither the ESIS sum (49) nor its mean (4.9)
      expect(json).not.toMatch(/\b49\b|4\.9/)
    }
    expect(state.measures.map((m) => [m.instrument, m.timePoint, m.respondent])).toEqual([["esis", "baseline", "self"]])
  })
})
