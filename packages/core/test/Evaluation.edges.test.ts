/**
 * The evaluation report at its edges: a first contact exactly at the D2 due
 * instant is not within D2; the forms of an instrument the registry does not
 * know are counted as recorded and none as scored, without disturbing the
 * others; and each score of an instrument with several scores (ONS4) is paired
 * and averaged on its own.
 */
import { describe, expect, it } from "@effect/vitest"
import {
  Deadlines,
  Evaluation,
  Instant,
  Instruments,
  Presets,
  Programme,
  Referral,
  type ReferralCommand,
  type ReferralEvent
} from "@lahete/core"
import { Fixtures } from "@lahete/testing"
import { Result } from "effect"
import { cohort, plus, start } from "./support/cohort.js"
import { on } from "./support/onReferral.js"

type Cmd = ReferralCommand.ReferralCommand

const period = { from: Fixtures.at(-1), to: Fixtures.at(24 * 30) }
const asOf = Fixtures.at(24 * 500)

describe("first contact against D2", () => {
  it("a call exactly at the due instant is after the deadline; one a millisecond before it is within", () => {
    const submittedAt = Fixtures.history([Fixtures.submit()]).state.submittedAt as Instant.Instant
    const due = Deadlines.firstContactDueAt(submittedAt, Presets.kemijarvi)
    // The decider never schedules a call at the due instant (the end of a local day, outside calling
    // hours), so the histories are the stored events with the call moved there: the report counts
    // whatever histories it is given, and D2 is met only before its due instant.
    const calledAt = (n: number, callAt: Instant.Instant): ReadonlyArray<ReferralEvent.ReferralEvent> =>
      Fixtures.history(on(n, Fixtures.pathTo.Active())).events.map((e) =>
        e._tag === "CallScheduled" ? { ...e, callAt } : e
      )
    const justBefore = Instant.plusMillis(due, -1)
    const histories = [
      ...[0, 1, 2, 3, 4].map((n) => calledAt(n, due)),
      ...[5, 6, 7, 8, 9].map((n) => calledAt(n, justBefore))
    ]
    const r = Evaluation.report({
      programmeId: Presets.kemijarvi.id,
      period,
      asOf,
      histories,
      catalog: Presets.catalog
    })
    expect(r.firstContact.reached).toEqual({ _tag: "Value", value: 10 })
    expect(r.firstContact.withinDeadline).toEqual({ _tag: "Value", value: 5 })
    expect(r.firstContact.afterDeadline).toEqual({ _tag: "Value", value: 5 })
  })
})

describe("an instrument the registry does not know, with recorded forms", () => {
  const c = cohort(90, 20261207, () => "nurse")
  const sodankyla = c.plans.filter((p) => p.programme.id === Presets.sodankyla.id)
  const input = {
    programmeId: Presets.sodankyla.id,
    period: { from: start, to: plus(start, 90 * 17 + 10) },
    asOf: plus(start, 24 * 800),
    histories: c.histories,
    catalog: Presets.catalog
  }
  // computed in each test, not while the tests are collected (so `pnpm mutate` runs only the tests a mutant reaches)
  const reports = () => ({
    known: Evaluation.report(input),
    without: Evaluation.report({
      ...input,
      instruments: Result.getOrThrow(Instruments.registry([Instruments.swemwbs]))
    })
  })

  it("its forms are counted as recorded, none as scored, and it has no change rows", () => {
    const { known, without } = reports()
    const esisForms = (timePoint: string) =>
      sodankyla.flatMap((p) => p.forms.filter((f) => f.instrument === "esis" && f.timePoint === timePoint)).length
    const rows = without.measures.completeness.filter((row) => row.instrument === "esis")
    expect(rows.length).toBeGreaterThan(0)
    for (const row of rows) {
      const n = esisForms(row.timePoint)
      expect(n, row.timePoint).toBeGreaterThanOrEqual(5)
      expect(row.recorded).toEqual({ _tag: "Value", value: n })
      // nothing scored: that zero is below the minimum, and "not scored" (all of them) goes with it
      expect(row.scored).toEqual({ _tag: "Suppressed", reason: "fewer-than-minimum" })
      expect(row.notScored).toEqual({ _tag: "Suppressed", reason: "complementary" })
    }
    // with the registry that knows ESIS, most of the same forms are scored (the few incomplete ones are the small cell)
    for (const row of known.measures.completeness.filter((r) => r.instrument === "esis")) {
      expect(row.scored, row.timePoint).toEqual({ _tag: "Suppressed", reason: "complementary" })
      expect(row.notScored, row.timePoint).toEqual({ _tag: "Suppressed", reason: "fewer-than-minimum" })
    }
    expect(without.measures.change.filter((row) => row.instrument === "esis")).toEqual([])
  })

  it("the instruments it knows are reported as with the full registry", () => {
    const { known, without } = reports()
    expect(without.measures.completeness.filter((row) => row.instrument !== "esis")).toEqual(
      known.measures.completeness.filter((row) => row.instrument !== "esis")
    )
    expect(without.measures.change).toEqual(known.measures.change.filter((row) => row.instrument !== "esis"))
  })
})

describe("an instrument with several scores", () => {
  // Kemijärvi with ONS4 (four separate scores) at baseline and at the end
  const ons: Programme.Programme = Result.getOrThrowWith(
    Programme.make({
      ...Presets.kemijarvi,
      version: 2,
      measures: {
        ...Presets.kemijarvi.measures,
        baseline: [...Presets.kemijarvi.measures.baseline, { instrument: "ons4", respondent: "self" }],
        end: [...Presets.kemijarvi.measures.end, { instrument: "ons4", respondent: "self" }]
      }
    }),
    (e) => new Error(e.message)
  )
  const decider = Referral.makeDecider(Result.getOrThrow(Programme.catalog([Presets.kemijarvi, ons])))
  const baseline = [5, 6, 4, 7]
  // client k: life satisfaction +k, worthwhile +1, happiness −1, anxiety −2 (better)
  const end = (k: number) => [5 + k, 7, 3, 5]
  const clients = [0, 1, 2, 3, 4, 5]
  const histories = clients.map((k) => {
    const [submit, ...rest] = Fixtures.pathTo.Closed()
    const close = rest.pop() as Cmd
    return Fixtures.history(
      on(k, [
        { ...(submit as Cmd), programmeVersion: ons.version } as Cmd,
        ...rest,
        Fixtures.measure({ instrument: "ons4", timePoint: "baseline", answers: baseline, at: Fixtures.at(27) }),
        Fixtures.measure({ instrument: "ons4", timePoint: "end", answers: end(k), at: Fixtures.at(24 * 119) }),
        close
      ]),
      decider
    ).events
  })

  it("pairs and averages each score on its own", () => {
    const r = Evaluation.report({
      programmeId: Presets.kemijarvi.id,
      period,
      asOf,
      histories,
      catalog: Result.getOrThrow(Programme.catalog([Presets.kemijarvi, ons]))
    })
    const rows = r.measures.change.filter((c) => c.instrument === "ons4" && c.from === "baseline" && c.to === "end")
    expect(rows.map((c) => c.score)).toEqual(["life-satisfaction", "worthwhile", "happiness", "anxiety"])
    const mean = (xs: ReadonlyArray<number>) => xs.reduce((a, b) => a + b, 0) / xs.length
    const expected = [mean(clients), 1, -1, -2]
    rows.forEach((row, i) => {
      expect(row.pairs, row.score).toEqual({ _tag: "Value", value: clients.length })
      expect(row.meanChange._tag, row.score).toBe("Value")
      if (row.meanChange._tag === "Value") expect(row.meanChange.value, row.score).toBeCloseTo(expected[i] as number, 9)
    })
  })
})
