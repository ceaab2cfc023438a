import { describe, expect, it } from "@effect/vitest"
import { Instrument, Instruments, Presets, Programme } from "@lahete/core"
import { Arbitraries } from "@lahete/testing"
import { Result, Schema } from "effect"
import * as fc from "fast-check"

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
    ).toContain("deadlines.collaboration.warnAfterMonths: must be less than maxMonths")
    expect(issuesOf({ ...p, deadlines: { ...p.deadlines, callingHours: { start: "18:00", end: "08:00" } } })).toContain(
      "callingHours"
    )
    expect(issuesOf({ ...p, languages: ["fi", "fi"] })).toContain("languages: must not repeat")
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

  describe("strict configuration", () => {
    it("refuses a misspelt key of a spread preset, naming it, instead of keeping the preset's value", () => {
      const typo = Programme.decode({ ...Presets.kemijarvi, eligibleReferrerProffesions: ["physiotherapist"] })
      expect(Result.isFailure(typo) && typo.failure.problems).toEqual([
        { path: "eligibleReferrerProffesions", reason: "is not a known setting" }
      ])
      expect(issuesOf({ ...Presets.kemijarvi, eligibleReferrerProffesions: [] })).toBe(
        "eligibleReferrerProffesions: is not a known setting"
      )
      // the pattern itself keeps working
      const spread = Programme.decode({ ...Presets.kemijarvi, id: "esimerkki", contactAttempts: { max: 4 } })
      expect(Result.isSuccess(spread) && spread.success.contactAttempts).toEqual({ max: 4 })
    })

    it("names every unknown key at any depth, together with the other problems", () => {
      const p = encode(Presets.kemijarvi)
      const result = Programme.decode({
        ...p,
        minimumClientAge: -1,
        deadlines: { ...p.deadlines, firstContact: { ...p.deadlines.firstContact, dayz: 3 } },
        measures: { ...p.measures, baseline: [{ instrument: "swemwbs", respondent: "self", when: "start" }] },
        names: { ...p.names, de: "Wohlfühlüberweisung" },
        "odd key": true
      })
      if (Result.isSuccess(result)) throw new Error("expected a failure")
      expect([...result.failure.problems].sort((a, b) => a.path.localeCompare(b.path))).toEqual([
        { path: '["odd key"]', reason: "is not a known setting" },
        { path: "deadlines.firstContact.dayz", reason: "is not a known setting" },
        { path: "measures.baseline[0].when", reason: "is not a known setting" },
        { path: "minimumClientAge", reason: "expected a value greater than or equal to 0" },
        { path: "names.de", reason: "is not a known setting" }
      ])
    })

    it("refuses a key the schema does not know, added anywhere in any valid programme, with its path", () => {
      /** The paths of every object (not array) in a value, with the keys it has. */
      const objects = (
        v: unknown,
        path: ReadonlyArray<string | number> = []
      ): Array<ReadonlyArray<string | number>> => {
        if (Array.isArray(v)) return v.flatMap((x, i) => objects(x, [...path, i]))
        if (typeof v !== "object" || v === null) return []
        return [path, ...Object.entries(v).flatMap(([k, x]) => objects(x, [...path, k]))]
      }
      const withKey = (v: unknown, path: ReadonlyArray<string | number>, key: string): unknown => {
        if (path.length === 0) return { ...(v as object), [key]: 1 }
        const [head, ...rest] = path
        if (Array.isArray(v)) return v.map((x, i) => (i === head ? withKey(x, rest, key) : x))
        return {
          ...(v as object),
          [head as string]: withKey((v as Record<string, unknown>)[head as string], rest, key)
        }
      }
      const dotted = (path: ReadonlyArray<string | number>) =>
        path.map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? k : `.${k}`)).join("")
      fc.assert(
        fc.property(
          Arbitraries.programme().map((p) => encode(p)),
          fc.nat(),
          fc.stringMatching(/^[a-z][A-Za-z]{2,12}$/),
          (input, pick, key) => {
            const places = objects(input)
            const at = places[pick % places.length] ?? []
            const target = at.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], input)
            fc.pre(!Object.hasOwn(target as object, key))
            const result = Programme.decode(withKey(input, at, key))
            expect(Result.isFailure(result) && result.failure.problems).toEqual([
              { path: dotted([...at, key]), reason: "is not a known setting" }
            ])
          }
        )
      )
    })

    it("refuses an instrument the registry does not know, at decode time, naming the measure", () => {
      const p = encode(Presets.sodankyla)
      const ucla3 = {
        ...p,
        measures: { ...p.measures, end: [...p.measures.end, { instrument: "ucla3", respondent: "self" }] }
      }
      const result = Programme.decode(ucla3)
      if (Result.isSuccess(result)) throw new Error("expected a failure")
      expect(result.failure.problems).toEqual([
        {
          path: `measures.end[${p.measures.end.length}].instrument`,
          reason: '"ucla3" is not a known instrument (known: swemwbs, wemwbs, esis, ucla-3, ons4)'
        }
      ])
      // the same programme with the code as the registry spells it
      const fixed = {
        ...p,
        measures: { ...p.measures, end: [...p.measures.end, { instrument: "ucla-3", respondent: "self" }] }
      }
      expect(Result.isSuccess(Programme.decode(fixed))).toBe(true)
      // reported together with a schema problem
      expect(issuesOf({ ...ucla3, version: 0 })).toContain("measures.end[2].instrument")
    })

    it("accepts an instrument of your own when given the registry you score with", () => {
      const star = Result.getOrThrow(
        Instrument.decode({
          code: "wellbeing-star",
          name: "Our wellbeing star",
          items: 5,
          scale: { min: 0, max: 4 },
          scoring: { _tag: "Sum" },
          direction: "higher-is-better",
          thresholds: { possible: 2, clear: 4 },
          individualReporting: true,
          source: "test"
        })
      )
      const instruments = Result.getOrThrow(Instruments.registry([...Instruments.builtIn(), star]))
      const change = (q: Programme.Programme): Programme.Programme => ({
        ...q,
        measures: { ...q.measures, baseline: [{ instrument: "wellbeing-star", respondent: "self" }] }
      })
      expect(Result.isFailure(Programme.nextVersion(Presets.kemijarvi, change))).toBe(true)
      expect(Result.isSuccess(Programme.nextVersion(Presets.kemijarvi, change, { instruments }))).toBe(true)
      expect(Result.isSuccess(Programme.decode(change(Presets.kemijarvi), { instruments }))).toBe(true)
    })

    it("make takes plain strings, is type-checked and validates as decode does", () => {
      const made = Programme.make({ ...Presets.kemijarvi, id: "esimerkki", languages: ["fi", "sv"] })
      expect(Result.isSuccess(made) && made.success.id).toBe("esimerkki")
      expect(made).toEqual(Programme.decode({ ...Presets.kemijarvi, id: "esimerkki", languages: ["fi", "sv"] }))
      // @ts-expect-error a misspelt key is a compile error
      const typo = Programme.make({ ...Presets.kemijarvi, eligibleReferrerProffesions: ["nurse"] })
      expect(Result.isFailure(typo)).toBe(true)
      // @ts-expect-error so is a language the schema does not know
      expect(Result.isFailure(Programme.make({ ...Presets.kemijarvi, languages: ["fi", "de"] }))).toBe(true)
      // @ts-expect-error and a misspelt nested key
      expect(Result.isFailure(Programme.make({ ...Presets.kemijarvi, contactAttempts: { maxx: 3 } }))).toBe(true)
    })
  })
})
