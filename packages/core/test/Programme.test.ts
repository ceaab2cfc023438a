import { describe, expect, it } from "@effect/vitest"
import { Presets, Programme } from "@lahete/core"
import { Result, Schema } from "effect"

const encode = Schema.encodeSync(Programme.Programme)
const issuesOf = (input: unknown) =>
  Result.match(Programme.decode(input), { onSuccess: () => "valid", onFailure: (e) => e.issues })

describe("Programme", () => {
  it("both presets are valid programmes and survive an encode/decode round trip", () => {
    for (const preset of Presets.all) {
      const again = Result.getOrThrow(Programme.decode(JSON.parse(JSON.stringify(encode(preset)))))
      expect(again).toEqual(preset)
    }
  })

  it("the presets differ where the two municipalities differ", () => {
    expect(Presets.kemijarvi.measures.baseline).toEqual([{ instrument: "swemwbs", respondent: "self" }])
    expect(Presets.sodankyla.measures.baseline.map((m) => m.instrument)).toContain("esis")
    expect(Presets.sodankyla.languages).toContain("se")
    expect(Presets.sodankyla.linkWorkers.refresherIntervalMonths).toBeLessThan(
      Presets.kemijarvi.linkWorkers.refresherIntervalMonths
    )
  })

  it("names what is wrong in an invalid programme", () => {
    const broken = { ...encode(Presets.kemijarvi), contactAttempts: { max: 0 }, languages: [] }
    const issues = issuesOf(broken)
    expect(issues).toContain("contactAttempts")
    expect(issues).toContain("languages")
  })

  it("checks the rules that span fields", () => {
    const p = encode(Presets.kemijarvi)
    expect(
      issuesOf({ ...p, deadlines: { ...p.deadlines, collaboration: { warnAfterMonths: 6, maxMonths: 6 } } })
    ).toContain("warnAfterMonths must be less than maxMonths")
    expect(issuesOf({ ...p, deadlines: { ...p.deadlines, callingHours: { start: "18:00", end: "08:00" } } })).toContain(
      "callingHours"
    )
    expect(issuesOf({ ...p, languages: ["fi", "fi"] })).toContain("languages must not repeat")
    expect(
      issuesOf({
        ...p,
        measures: {
          ...p.measures,
          baseline: [
            { instrument: "swemwbs", respondent: "self" },
            { instrument: "swemwbs", respondent: "self" }
          ]
        }
      })
    ).toContain("swemwbs/self twice")
    expect(issuesOf({ ...p, deadlines: { ...p.deadlines, callingHours: { start: "8:00", end: "18:00" } } })).toContain(
      "HH:MM"
    )
  })

  it("a new version keeps the id, bumps the version and is validated", () => {
    const v2 = Result.getOrThrow(
      Programme.nextVersion(Presets.kemijarvi, (p) => ({ ...p, contactAttempts: { max: 4 } }))
    )
    expect(v2.id).toBe(Presets.kemijarvi.id)
    expect(v2.version).toBe(2)
    expect(v2.contactAttempts.max).toBe(4)
    const invalid = Programme.nextVersion(Presets.kemijarvi, (p) => ({ ...p, contactAttempts: { max: -1 } }))
    expect(Result.isFailure(invalid)).toBe(true)
  })

  it("a catalog serves every version and the latest; a duplicate version is refused", () => {
    const v2 = Result.getOrThrow(Programme.nextVersion(Presets.kemijarvi, (p) => p))
    const catalog = Result.getOrThrow(Programme.catalog([Presets.kemijarvi, v2, Presets.sodankyla]))
    expect(catalog.get("kemijarvi", 1)).toBe(Presets.kemijarvi)
    expect(catalog.get("kemijarvi", 2)).toBe(v2)
    expect(catalog.latest("kemijarvi")).toBe(v2)
    expect(catalog.latest("sodankyla")).toBe(Presets.sodankyla)
    expect(catalog.get("kemijarvi", 3)).toBeUndefined()
    expect(Result.isFailure(Programme.catalog([Presets.kemijarvi, Presets.kemijarvi]))).toBe(true)
  })
})
