/**
 * The evaluator's small-cell rules (domain specification §4, §7): no figure
 * from fewer than 5 clients, and no suppressed cell recoverable from a shown
 * total (complementary suppression). Exactly 5 is shown; 4 is not.
 */
import { describe, expect, it } from "@effect/vitest"
import { Evaluation, Ids, Instant, Presets, Programme, type ReferralCommand } from "@lahete/core"
import { Fixtures } from "@lahete/testing"
import { Result, Schema } from "effect"
import * as fc from "fast-check"
import { cohort, plus, start } from "./support/cohort.js"

const rules = Evaluation.suppression(5)
const tags = (cells: ReadonlyArray<Evaluation.Cell>) =>
  cells.map((c) => (c._tag === "Value" ? c.value : c.reason === "complementary" ? "C" : "S"))

describe("a cell of exactly the minimum", () => {
  it("a count of 5 is shown, 4 and 0 are suppressed", () => {
    expect(rules.count(5)).toEqual({ _tag: "Value", value: 5 })
    expect(rules.count(4)).toEqual({ _tag: "Suppressed", reason: "fewer-than-minimum" })
    expect(rules.count(0)).toEqual({ _tag: "Suppressed", reason: "fewer-than-minimum" })
  })

  it("a statistic from 5 clients is shown, from 4 suppressed (and not even computed)", () => {
    expect(rules.statistic(5, () => 2.5)).toEqual({ _tag: "Value", value: 2.5 })
    expect(
      rules.statistic(4, () => {
        throw new Error("computed from too few clients")
      })
    ).toEqual({ _tag: "Suppressed", reason: "fewer-than-minimum" })
  })

  it("a share is shown when its denominator, numerator and complement each reach 5", () => {
    expect(rules.share(5, 10)).toEqual({ _tag: "Value", value: 0.5 })
    expect(rules.share(5, 9)._tag).toBe("Suppressed")
    expect(rules.share(4, 10)._tag).toBe("Suppressed")
    expect(rules.share(6, 10)._tag).toBe("Suppressed")
    expect(rules.share(0, 4)._tag).toBe("Suppressed")
  })

  it("a higher minimum moves every boundary with it", () => {
    const seven = Evaluation.suppression(7)
    expect(seven.count(7)._tag).toBe("Value")
    expect(seven.count(6)._tag).toBe("Suppressed")
    expect(seven.share(7, 14)._tag).toBe("Value")
    expect(seven.share(7, 13)._tag).toBe("Suppressed")
    expect(tags(seven.partition([7, 6]))).toEqual(["C", "S"])
  })
})

describe("complementary suppression", () => {
  it("[5, 0]: the total 5 is shown, so the 5 goes too (else it reveals the 0)", () => {
    expect(tags(rules.partition([5, 0]))).toEqual(["C", "S"])
    expect(tags(rules.partition([0, 5]))).toEqual(["S", "C"])
  })

  it("the smallest shown cell goes with a lone small one, also when it is the first cell", () => {
    expect(tags(rules.partition([6, 3, 9]))).toEqual(["C", "S", 9])
    expect(tags(rules.partition([9, 3, 6]))).toEqual([9, "S", "C"])
    expect(tags(rules.partition([5, 5, 4]))).toEqual(["C", 5, "S"])
  })

  it("no complementary cell when two or more are already suppressed, or when the total itself is suppressed", () => {
    expect(tags(rules.partition([20, 3, 2]))).toEqual([20, "S", "S"])
    expect(tags(rules.partition([4]))).toEqual(["S"])
    expect(tags(rules.partition([2, 2]))).toEqual(["S", "S"])
    expect(tags(rules.partition([5, 6]))).toEqual([5, 6])
  })

  it("property: no shown count below the minimum, and no suppressed cell recoverable from the shown total", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 5, max: 9 }),
        fc.array(fc.oneof(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 200 })), {
          minLength: 1,
          maxLength: 8
        }),
        (minimum, counts) => {
          const cells = Evaluation.suppression(minimum).partition(counts)
          const total = counts.reduce((s, n) => s + n, 0)
          expect(cells).toHaveLength(counts.length)
          cells.forEach((c, k) => {
            const n = counts[k] as number
            // primary suppression exactly below the minimum; a shown cell shows the true count
            if (n < minimum) expect(c).toEqual({ _tag: "Suppressed", reason: "fewer-than-minimum" })
            else if (c._tag === "Value") expect(c.value).toBe(n)
          })
          const suppressed = cells.flatMap((c, k) => (c._tag === "Suppressed" ? [k] : []))
          const complementary = cells.flatMap((c, k) =>
            c._tag === "Suppressed" && c.reason === "complementary" ? [k] : []
          )
          // a shown total minus the shown cells must never give away a single suppressed cell
          if (total >= minimum) expect(suppressed.length).not.toBe(1)
          // at most one complementary cell, only when needed, and it is the smallest of the rest
          expect(complementary.length).toBeLessThanOrEqual(1)
          const primary = counts.filter((n) => n < minimum).length
          expect(complementary.length).toBe(total >= minimum && primary === 1 && counts.length > 1 ? 1 : 0)
          for (const k of complementary) {
            const shown = counts.filter((n, j) => j !== k && n >= minimum)
            for (const n of shown) expect(counts[k] as number).toBeLessThanOrEqual(n)
            // the first of equal smallest cells is the one taken
            expect(counts.findIndex((n) => n >= minimum && n === counts[k])).toBe(k)
          }
        }
      ),
      { numRuns: 500 }
    )
  })
})

/** The fixture referral's commands as referral `id` (a subject of its own). */
const as = (id: string, commands: ReadonlyArray<ReferralCommand.ReferralCommand>) =>
  commands.map((c) =>
    c._tag === "SubmitReferral"
      ? { ...c, referralId: Schema.decodeSync(Ids.ReferralId)(id), subjectId: Schema.decodeSync(Ids.SubjectId)(id) }
      : ({ ...c, referralId: Schema.decodeSync(Ids.ReferralId)(id) } as ReferralCommand.ReferralCommand)
  )
const five = (commands: ReadonlyArray<ReferralCommand.ReferralCommand>) =>
  [0, 1, 2, 3, 4].map((k) => Fixtures.history(as(`e-${k}`, commands)).events)
const reportOf = (histories: ReturnType<typeof five>, asOf: Instant.Instant, catalog = Presets.catalog) =>
  Evaluation.report({
    programmeId: "kemijarvi",
    period: { from: Fixtures.t0, to: Fixtures.at(1) },
    asOf,
    histories,
    catalog
  })
const statusCount = (r: Evaluation.Report, status: string) =>
  r.referrals.byStatus.find((b) => b.status === status)?.count

describe("what the report counts", () => {
  it("only what happened before asOf: an event at the instant itself is not yet counted", () => {
    const histories = five(Fixtures.pathTo.Active())
    const startedAt = Fixtures.at(26)
    const atStart = reportOf(histories, startedAt)
    expect(statusCount(atStart, "ContactScheduled")).toEqual({ _tag: "Value", value: 5 })
    expect(atStart.firstContact.reached).toEqual({ _tag: "Suppressed", reason: "fewer-than-minimum" })
    const after = reportOf(histories, Instant.plusMillis(startedAt, 1))
    expect(statusCount(after, "Active")).toEqual({ _tag: "Value", value: 5 })
    expect(after.firstContact.reached).toEqual({ _tag: "Value", value: 5 })
    // submitted at asOf: not in the report at all
    expect(reportOf(histories, Fixtures.t0).referrals.total).toEqual({
      _tag: "Suppressed",
      reason: "fewer-than-minimum"
    })
  })

  it("a closed referral's follow-up is pending until its window closes, then missed", () => {
    const histories = five(Fixtures.pathTo.Closed())
    const pending = reportOf(histories, Fixtures.at(24 * 200))
    expect(pending.followUp.pending).toEqual({ _tag: "Value", value: 5 })
    expect(pending.followUp.settled).toEqual({ _tag: "Suppressed", reason: "fewer-than-minimum" })
    const missed = reportOf(histories, Fixtures.at(24 * 300))
    expect(missed.followUp.settled).toEqual({ _tag: "Value", value: 5 })
    expect(missed.followUp.pending).toEqual({ _tag: "Suppressed", reason: "fewer-than-minimum" })
  })

  it("the programme's versions are read in version order (eligible professions of v1 first)", () => {
    const v2 = Result.getOrThrow(
      Programme.nextVersion(Presets.kemijarvi, (p) => ({
        ...p,
        eligibleReferrerProfessions: ["physiotherapist", ...p.eligibleReferrerProfessions],
        names: { ...p.names, fi: "Hyvinvointilähete 2" },
        languages: ["fi", "en"]
      }))
    )
    const catalog = Result.getOrThrow(Programme.catalog([v2, Presets.kemijarvi, Presets.sodankyla]))
    const r = reportOf(five(Fixtures.pathTo.Submitted()), Fixtures.at(24 * 10), catalog)
    expect(r.programme.versions).toEqual([1, 2])
    // the names, languages and time zone of the latest version, for the report's readers
    expect(r.programme.name).toBe("Hyvinvointilähete 2")
    expect(r.programme.names).toEqual(v2.names)
    expect(r.programme.languages).toEqual(["fi", "en"])
    expect(r.programme.timeZone).toBe(v2.timeZone)
    expect(r.referrals.byReferrerProfession.map((b) => b.profession)).toEqual([
      ...Presets.kemijarvi.eligibleReferrerProfessions,
      "physiotherapist"
    ])
  })

  it("a programme the catalog does not know: its id as the name, no municipality, nothing counted", () => {
    const r = Evaluation.report({
      programmeId: "nowhere",
      period: { from: Fixtures.t0, to: Fixtures.at(1) },
      asOf: Fixtures.at(24 * 10),
      histories: five(Fixtures.pathTo.Submitted()),
      catalog: Presets.catalog
    })
    expect(r.programme).toEqual({ id: "nowhere", municipality: "", name: "nowhere", versions: [] })
    expect(r.referrals.total).toEqual({ _tag: "Suppressed", reason: "fewer-than-minimum" })
  })
})

describe("the report as data", () => {
  const c = cohort(40, 99, () => "nurse")
  // computed in each test, not while the tests are collected (so `pnpm mutate` runs only the tests a mutant reaches)
  const reportAndJson = () => {
    const report = Evaluation.report({
      programmeId: "kemijarvi",
      period: { from: start, to: plus(start, 40 * 17 + 10) },
      asOf: plus(start, 24 * 800),
      histories: c.histories,
      catalog: Presets.catalog
    })
    return { report, json: JSON.parse(Evaluation.toJson(report)) as unknown }
  }

  it("decodes back to the same report", () => {
    const { report, json } = reportAndJson()
    expect(Schema.decodeUnknownSync(Evaluation.Report)(json)).toEqual(report)
  })

  it("the schema checks every figure: any one value replaced by something else is refused", () => {
    const { json } = reportAndJson()
    const paths: Array<ReadonlyArray<string | number>> = []
    const walk = (x: unknown, path: ReadonlyArray<string | number>): void => {
      if (Array.isArray(x)) {
        for (const [k, v] of x.entries()) walk(v, [...path, k])
      } else if (typeof x === "object" && x !== null) {
        for (const [k, v] of Object.entries(x)) walk(v, [...path, k])
      } else {
        paths.push(path)
      }
    }
    walk(json, [])
    expect(paths.length).toBeGreaterThan(100)
    const replaced = (path: ReadonlyArray<string | number>) => {
      const copy = structuredClone(json) as Record<string | number, unknown>
      let at = copy
      for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>
      at[path[path.length - 1] as string | number] = { wrong: true }
      return copy
    }
    const accepted = paths.filter((p) => Result.isSuccess(Schema.decodeUnknownResult(Evaluation.Report)(replaced(p))))
    expect(accepted.map((p) => p.join("."))).toEqual([])
  })
})
