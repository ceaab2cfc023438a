import { describe, expect, it } from "@effect/vitest"
import { Deadlines, Evaluation, EvaluationHtml, Ids, Instant, Presets, type ReferralCommand } from "@lahete/core"
import { Fixtures } from "@lahete/testing"
import { Schema } from "effect"
import { tQuantile } from "../src/internal/statistics.js"
import { cohort, hour, metric, plus, start } from "./support/cohort.js"

// ---- the independent computation -------------------------------------------------------------

const MIN = 5
type Expected = { shown: number } | "suppressed"
const count = (n: number): Expected => (n < MIN ? "suppressed" : { shown: n })
const partition = (ns: ReadonlyArray<number>): Array<Expected> => {
  const cells = ns.map(count)
  const total = ns.reduce((a, b) => a + b, 0)
  if (total >= MIN && cells.filter((c) => c === "suppressed").length === 1) {
    let smallest = -1
    ns.forEach((n, k) => {
      if (cells[k] !== "suppressed" && (smallest < 0 || n < (ns[smallest] as number))) smallest = k
    })
    if (smallest >= 0) cells[smallest] = "suppressed"
  }
  return cells
}
const share = (k: number, n: number): Expected => (n < MIN || k < MIN || n - k < MIN ? "suppressed" : { shown: k / n })
/** Type 7 quantile, written out again. */
const q = (xs: ReadonlyArray<number>, p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  const pos = (s.length - 1) * p
  const i = Math.floor(pos)
  const lo = s[i] as number
  const hi = s[Math.min(i + 1, s.length - 1)] as number
  return lo + (pos - i) * (hi - lo)
}
/** The t quantile by integrating the density (Simpson's rule) and bisection: a different method from the library's. */
const tDensity = (x: number, df: number) => {
  const lg = (z: number): number => {
    // Stirling series for ln Γ(z), z ≥ 0.5 (shifted up for accuracy)
    let shift = 0
    let w = z
    while (w < 10) {
      shift -= Math.log(w)
      w += 1
    }
    return shift + (w - 0.5) * Math.log(w) - w + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * w) - 1 / (360 * w ** 3)
  }
  return Math.exp(
    lg((df + 1) / 2) - lg(df / 2) - 0.5 * Math.log(df * Math.PI) - ((df + 1) / 2) * Math.log(1 + (x * x) / df)
  )
}
const tUpper = (p: number, df: number) => {
  const cdfFrom0 = (x: number) => {
    const n = 2000
    const h = x / n
    let s = tDensity(0, df) + tDensity(x, df)
    for (let i = 1; i < n; i++) s += (i % 2 === 1 ? 4 : 2) * tDensity(i * h, df)
    return 0.5 + (s * h) / 3
  }
  let lo = 0
  let hi = 20
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2
    if (cdfFrom0(mid) < p) lo = mid
    else hi = mid
  }
  return (lo + hi) / 2
}

const complete = (a: ReadonlyArray<number | null>): a is Array<number> => a.every((x) => x !== null)
const sum = (a: ReadonlyArray<number>) => a.reduce((s, x) => s + x, 0)

const expectCell = (cell: Evaluation.Cell | null | undefined, expected: Expected, digits = 9) => {
  if (expected === "suppressed") {
    expect(cell?._tag).toBe("Suppressed")
  } else {
    expect(cell?._tag).toBe("Value")
    if (cell?._tag === "Value") expect(cell.value).toBeCloseTo(expected.shown, digits)
  }
}

const professions = ["doctor", "nurse", "social-worker", "social-counsellor", "service-counsellor"]
const big = cohort(500, 20260302, (_, rng) => professions[rng.int(0, 3)] as string)
const period = { from: start, to: plus(start, 500 * 17 + 10) }
const asOf = plus(start, 24 * 800)

describe("statistics", () => {
  it("the t quantile reproduces published two-sided 95% values", () => {
    const published: ReadonlyArray<readonly [number, number]> = [
      [1, 12.7062],
      [4, 2.7764],
      [9, 2.2622],
      [29, 2.0452],
      [120, 1.9799]
    ]
    for (const [df, t] of published) expect(tQuantile(0.975, df)).toBeCloseTo(t, 4)
    expect(tQuantile(0.975, 30)).toBeCloseTo(tUpper(0.975, 30), 5)
  })
})

describe("the report on a generated cohort of 500 referrals", () => {
  for (const programme of [Presets.kemijarvi, Presets.sodankyla]) {
    const plans = big.plans.filter((p) => p.programme.id === programme.id)
    // computed in each test, not while the tests are collected: mutation testing
    // (`pnpm mutate`) then runs only the tests that reach a mutant
    const reportOf = () =>
      Evaluation.report({
        programmeId: programme.id,
        period,
        asOf,
        histories: big.histories,
        catalog: Presets.catalog
      })

    it(`${programme.id}: referrals by state and by referrer profession`, () => {
      const r = reportOf()
      expect(plans.length).toBeGreaterThan(100)
      expectCell(r.referrals.total, count(plans.length))
      const statuses = r.referrals.byStatus.map((s) => s.status)
      const expected = partition(statuses.map((s) => plans.filter((p) => p.status === s).length))
      r.referrals.byStatus.forEach((s, k) => {
        expectCell(s.count, expected[k] as Expected)
      })
      expect(r.referrals.byStatus.filter((s) => s.count._tag === "Value").length).toBeGreaterThan(5)
      const profs = r.referrals.byReferrerProfession.map((p) => p.profession)
      expect(profs).toEqual(professions)
      const expectedProf = partition(profs.map((x) => plans.filter((p) => p.profession === x).length))
      r.referrals.byReferrerProfession.forEach((p, k) => {
        expectCell(p.count, expectedProf[k] as Expected)
      })
    })

    it(`${programme.id}: time to first contact against D2`, () => {
      const r = reportOf()
      const reached = plans.filter((p) => p.contactCallAt !== undefined)
      const hours = reached.map(
        (p) => (Instant.toMillis(p.contactCallAt as Instant.Instant) - Instant.toMillis(p.submittedAt)) / hour
      )
      const within = reached.filter(
        (p) => (p.contactCallAt as Instant.Instant) < Deadlines.firstContactDueAt(p.submittedAt, programme)
      ).length
      expect(within).toBeGreaterThan(0)
      expect(within).toBeLessThan(reached.length)
      expectCell(r.firstContact.reached, count(reached.length))
      const [w, a] = partition([within, reached.length - within])
      expectCell(r.firstContact.withinDeadline, w as Expected)
      expectCell(r.firstContact.afterDeadline, a as Expected)
      expectCell(r.firstContact.shareWithinDeadline, share(within, reached.length))
      expectCell(r.firstContact.hours.median, { shown: q(hours, 0.5) })
      expectCell(r.firstContact.hours.q1, { shown: q(hours, 0.25) })
      expectCell(r.firstContact.hours.q3, { shown: q(hours, 0.75) })
    })

    it(`${programme.id}: collaboration lengths`, () => {
      const r = reportOf()
      const days = plans.flatMap((p) =>
        p.closedAt === undefined
          ? []
          : [(Instant.toMillis(p.closedAt) - Instant.toMillis(p.startedAt as Instant.Instant)) / (24 * hour)]
      )
      expectCell(r.collaboration.closed, count(days.length))
      expectCell(r.collaboration.days.median, { shown: q(days, 0.5) })
      expectCell(r.collaboration.days.q1, { shown: q(days, 0.25) })
      expectCell(r.collaboration.days.q3, { shown: q(days, 0.75) })
    })

    it(`${programme.id}: SWEMWBS change (self), mean with a 95% CI and the share improved`, () => {
      const r = reportOf()
      for (const to of ["end", "follow-up"] as const) {
        const deltas = plans.flatMap((p) => {
          const before = p.forms.find(
            (f) => f.instrument === "swemwbs" && f.respondent === "self" && f.timePoint === "baseline"
          )
          const after = p.forms.find((f) => f.instrument === "swemwbs" && f.respondent === "self" && f.timePoint === to)
          if (before === undefined || after === undefined) return []
          if (!complete(before.answers) || !complete(after.answers)) return []
          return [(metric[sum(after.answers)] as number) - (metric[sum(before.answers)] as number)]
        })
        const n = deltas.length
        expect(n).toBeGreaterThan(20)
        const mean = deltas.reduce((s, d) => s + d, 0) / n
        const sd = Math.sqrt(deltas.reduce((s, d) => s + (d - mean) ** 2, 0) / (n - 1))
        const half = (tUpper(0.975, n - 1) * sd) / Math.sqrt(n)
        const row = r.measures.change.find(
          (c) => c.instrument === "swemwbs" && c.respondent === "self" && c.from === "baseline" && c.to === to
        )
        expectCell(row?.pairs, { shown: n })
        expectCell(row?.meanChange, { shown: mean })
        expectCell(row?.ci95Low, { shown: mean - half }, 5)
        expectCell(row?.ci95High, { shown: mean + half }, 5)
        const improved = deltas.filter((d) => Math.round(d * 1e6) / 1e6 >= 1).length
        const clearly = deltas.filter((d) => Math.round(d * 1e6) / 1e6 >= 3).length
        expectCell(row?.shareImproved, share(improved, n))
        expectCell(row?.shareImprovedClearly, share(clearly, n))
      }
    })

    it(`${programme.id}: forms recorded and scored, follow-up completion`, () => {
      const r = reportOf()
      for (const c of r.measures.completeness) {
        const forms = plans.flatMap((p) =>
          p.forms.filter(
            (f) => f.instrument === c.instrument && f.respondent === c.respondent && f.timePoint === c.timePoint
          )
        )
        const scoredForms = forms.filter((f) => complete(f.answers)).length
        expectCell(c.recorded, count(forms.length))
        const [s, ns] = partition([scoredForms, forms.length - scoredForms])
        expectCell(c.scored, s as Expected)
        expectCell(c.notScored, ns as Expected)
      }
      const recorded = plans.filter((p) => p.followUp === "recorded").length
      const missed = plans.filter((p) => p.followUp === "missed").length
      const [rc, mc] = partition([recorded, missed])
      expectCell(r.followUp.recorded, rc as Expected)
      expectCell(r.followUp.missed, mc as Expected)
      expectCell(r.followUp.settled, count(recorded + missed))
      expectCell(r.followUp.shareRecorded, share(recorded, recorded + missed))
    })

    it(`${programme.id}: the JSON round-trips through the schema and holds no ids or personal data`, () => {
      const r = reportOf()
      const json = Evaluation.toJson(r)
      expect(Schema.decodeUnknownSync(Evaluation.Report)(JSON.parse(json))).toEqual(r)
      expect(json).not.toMatch(
        /r-kemijarvi-|r-sodankyla-|s-kemijarvi-|s-sodankyla-|referrer-|Aino|Testinen|010594Y9032|040 123/
      )
      expect(Evaluation.jsonSchema().schema).toBeTypeOf("object")
    })
  }

  it("Sodankylä: ESIS appears only as an aggregate, and a proxy score is never paired with a self score", () => {
    const r = Evaluation.report({
      programmeId: "sodankyla",
      period,
      asOf,
      histories: big.histories,
      catalog: Presets.catalog
    })
    const esis = r.measures.change.filter((c) => c.instrument === "esis")
    expect(esis.map((c) => `${c.respondent} ${c.from}→${c.to}`)).toEqual(["self baseline→end"])
    expect(esis[0]?.pairs._tag).toBe("Value")
    // the proxy SWEMWBS is only taken at baseline: no row pairs it with anything
    expect(r.measures.change.some((c) => c.respondent === "proxy")).toBe(false)
    expect(r.measures.completeness.some((c) => c.respondent === "proxy" && c.timePoint === "baseline")).toBe(true)
  })
})

describe("small cells", () => {
  it("a referrer profession with 4 referrals is suppressed, and another cell with it", () => {
    // service counsellors refer exactly 4 of the Kemijärvi referrals (k % 3 !== 2)
    let sc = 0
    const c = cohort(60, 7, (k) => {
      if (k % 3 !== 2 && sc < 4) {
        sc++
        return "service-counsellor"
      }
      return k % 2 === 0 ? "doctor" : "nurse"
    })
    const plans = c.plans.filter((p) => p.programme.id === "kemijarvi")
    expect(plans.filter((p) => p.profession === "service-counsellor")).toHaveLength(4)
    const r = Evaluation.report({
      programmeId: "kemijarvi",
      period: { from: start, to: plus(start, 60 * 17 + 10) },
      asOf,
      histories: c.histories,
      catalog: Presets.catalog
    })
    const byProf = new Map(r.referrals.byReferrerProfession.map((p) => [p.profession, p.count]))
    expect(byProf.get("service-counsellor")).toEqual({ _tag: "Suppressed", reason: "fewer-than-minimum" })
    // social workers and social counsellors: none, also below the minimum
    expect(byProf.get("social-worker")?._tag).toBe("Suppressed")
    const doctors = plans.filter((p) => p.profession === "doctor").length
    const nurses = plans.filter((p) => p.profession === "nurse").length
    expect(byProf.get("doctor")).toEqual({ _tag: "Value", value: doctors })
    expect(byProf.get("nurse")).toEqual({ _tag: "Value", value: nurses })
    // in Finnish (Kemijärvi's first language) and in English
    expect(EvaluationHtml.render(r)).toMatch(/palveluohjaaja<\/td><td><span class="suppressed">/)
    expect(EvaluationHtml.render(r, { language: "en" })).toMatch(
      /service counsellor<\/td><td><span class="suppressed">/
    )
  })

  it("a lone small cell takes the next smallest with it, so it cannot be recovered from the total", () => {
    const rules = Evaluation.suppression(5)
    expect(rules.partition([20, 3, 9, 12]).map((c) => c._tag)).toEqual(["Value", "Suppressed", "Suppressed", "Value"])
    expect(rules.partition([20, 3, 0, 12]).map((c) => c._tag)).toEqual(["Value", "Suppressed", "Suppressed", "Value"])
    expect(rules.partition([2, 2]).map((c) => c._tag)).toEqual(["Suppressed", "Suppressed"])
    expect(rules.share(4, 30)._tag).toBe("Suppressed")
    expect(rules.share(27, 30)._tag).toBe("Suppressed")
    expect(rules.share(10, 30)).toEqual({ _tag: "Value", value: 1 / 3 })
  })

  it("a cohort of fewer than 5 shows nothing but suppressed cells, and the minimum cannot be lowered", () => {
    const c = cohort(6, 11, () => "nurse")
    const r = Evaluation.report({
      programmeId: "kemijarvi",
      period: { from: start, to: plus(start, 6 * 17 + 10) },
      asOf,
      histories: c.histories,
      catalog: Presets.catalog,
      minimumCell: 2
    })
    expect(r.minimumCell).toBe(5)
    const values: Array<unknown> = []
    const walk = (x: unknown) => {
      if (Array.isArray(x)) x.forEach(walk)
      else if (typeof x === "object" && x !== null) {
        if ((x as { _tag?: string })._tag === "Value") values.push(x)
        Object.values(x).forEach(walk)
      }
    }
    walk(r)
    expect(values).toEqual([])
  })
})

describe("follow-up completion", () => {
  it("does not count a client who withdrew after closing as a missed follow-up", () => {
    const closedThen = (k: number, withdraw: boolean) => {
      const referralId = Schema.decodeSync(Ids.ReferralId)(`w-${k}`)
      const commands = [
        ...Fixtures.pathTo.Closed(),
        ...(withdraw
          ? [
              Fixtures.recordConsent("referral", "withdrawn", {
                actor: Fixtures.coordinator,
                at: Fixtures.at(24 * 121)
              })
            ]
          : [])
      ].map((c) => ({ ...c, referralId }) as ReferralCommand.ReferralCommand)
      return Fixtures.history(commands).events
    }
    const histories = [0, 1, 2, 3, 4, 5].flatMap((k) => [closedThen(k, true), closedThen(10 + k, false)])
    const r = Evaluation.report({
      programmeId: "kemijarvi",
      period: { from: Fixtures.t0, to: Fixtures.at(1) },
      asOf: Fixtures.at(24 * 400),
      histories,
      catalog: Presets.catalog
    })
    expect(r.referrals.byStatus.find((s) => s.status === "Withdrawn")?.count).toEqual({ _tag: "Value", value: 6 })
    expect(r.followUp.settled).toEqual({ _tag: "Value", value: 6 })
    // none recorded: that zero is suppressed, and "missed" with it (it would equal the settled total)
    expect(r.followUp.recorded).toEqual({ _tag: "Suppressed", reason: "fewer-than-minimum" })
    expect(r.followUp.missed).toEqual({ _tag: "Suppressed", reason: "complementary" })
  })
})
