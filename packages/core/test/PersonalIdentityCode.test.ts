import { describe, expect, it } from "@effect/vitest"
import { PersonalIdentityCode } from "@lahete/core"
import { Result, Schema } from "effect"
import * as fc from "fast-check"

const reasonOf = (input: string) =>
  Result.match(PersonalIdentityCode.parse(input), { onSuccess: () => "valid", onFailure: (e) => e.reason })

describe("PersonalIdentityCode", () => {
  it("accepts every sample code in facts.md", () => {
    const a = Result.getOrThrow(PersonalIdentityCode.parse("131052-308T"))
    expect(a).toMatchObject({ birthDate: "1952-10-13", centurySign: "-", individualNumber: 308, temporary: false })
    const b = Result.getOrThrow(PersonalIdentityCode.parse("010594Y9032"))
    expect(b).toMatchObject({ birthDate: "1994-05-01", centurySign: "Y", individualNumber: 903, temporary: true })
    const c = Result.getOrThrow(PersonalIdentityCode.parse("020504A902E"))
    expect(c).toMatchObject({ birthDate: "2004-05-02", centurySign: "A", individualNumber: 902, temporary: true })
  })

  it("reads every century sign into its century and keeps the sign", () => {
    const expected: Record<string, string> = {
      "+": "1852",
      "-": "1952",
      Y: "1952",
      X: "1952",
      W: "1952",
      V: "1952",
      U: "1952",
      A: "2052",
      B: "2052",
      C: "2052",
      D: "2052",
      E: "2052",
      F: "2052"
    }
    for (const [sign, year] of Object.entries(expected)) {
      const code = PersonalIdentityCode.make({
        day: 13,
        month: 10,
        year: Number(year),
        individualNumber: 308,
        centurySign: sign
      })
      const parsed = Result.getOrThrow(PersonalIdentityCode.parse(code))
      expect(parsed.birthDate).toBe(`${year}-10-13`)
      expect(parsed.centurySign).toBe(sign)
      expect(parsed.code).toBe(code)
    }
  })

  it("refuses a wrong check character", () => {
    expect(reasonOf("131052-308U")).toBe("check-character")
    expect(reasonOf("010594Y9033")).toBe("check-character")
  })

  it("refuses an impossible date", () => {
    // 30 February 1952, and 29 February in a non-leap year (1900 is not a leap year)
    expect(reasonOf(PersonalIdentityCode.make({ day: 30, month: 2, year: 1952, individualNumber: 308 }))).toBe(
      "impossible-date"
    )
    expect(reasonOf(PersonalIdentityCode.make({ day: 29, month: 2, year: 1900, individualNumber: 308 }))).toBe(
      "impossible-date"
    )
    expect(reasonOf(PersonalIdentityCode.make({ day: 29, month: 2, year: 2000, individualNumber: 308 }))).toBe("valid")
    expect(reasonOf(PersonalIdentityCode.make({ day: 1, month: 13, year: 1990, individualNumber: 308 }))).toBe(
      "impossible-date"
    )
  })

  it("refuses an unknown century sign", () => {
    expect(reasonOf("131052G308T")).toBe("century-sign")
    expect(reasonOf("131052Z308T")).toBe("century-sign")
  })

  it("refuses malformed input and individual numbers 000 and 001", () => {
    expect(reasonOf("")).toBe("format")
    expect(reasonOf("131052308T")).toBe("format")
    expect(reasonOf("13105-2308T")).toBe("format")
    expect(reasonOf(PersonalIdentityCode.make({ day: 1, month: 1, year: 1990, individualNumber: 1 }))).toBe(
      "individual-number"
    )
  })

  it("marks temporary codes (900-999) and the registered sex", () => {
    const t = Result.getOrThrow(
      PersonalIdentityCode.parse(PersonalIdentityCode.make({ day: 1, month: 1, year: 1990, individualNumber: 999 }))
    )
    expect(t.temporary).toBe(true)
    expect(t.registeredSex).toBe("male")
    const r = Result.getOrThrow(
      PersonalIdentityCode.parse(PersonalIdentityCode.make({ day: 1, month: 1, year: 1990, individualNumber: 898 }))
    )
    expect(r.temporary).toBe(false)
    expect(r.registeredSex).toBe("female")
  })

  it("never puts the code into the error", () => {
    for (const bad of ["131052-308U", "131052G308T", "300252-308T", "13105"]) {
      const e = Result.getFailure(PersonalIdentityCode.parse(bad))
      expect(e._tag).toBe("Some")
      if (e._tag === "Some") {
        const text = `${e.value.message} ${JSON.stringify(e.value)} ${String(e.value)}`
        expect(text).not.toContain(bad)
        expect(text).not.toContain("131052")
      }
    }
  })

  it("property: every code built from a real date and a valid individual number parses back to its parts", () => {
    const signs = Object.keys(PersonalIdentityCode.centurySigns)
    fc.assert(
      fc.property(
        fc.date({ min: new Date("1800-01-01T00:00:00Z"), max: new Date("2099-12-31T00:00:00Z"), noInvalidDate: true }),
        fc.integer({ min: 2, max: 999 }),
        fc.constantFrom(...signs),
        (date, n, sign) => {
          const year = date.getUTCFullYear()
          const century = Math.floor(year / 100) * 100
          const usable = signs.filter((s) => PersonalIdentityCode.centurySigns[s] === century)
          const chosen = usable.includes(sign) ? sign : (usable[0] as string)
          const code = PersonalIdentityCode.make({
            day: date.getUTCDate(),
            month: date.getUTCMonth() + 1,
            year,
            individualNumber: n,
            centurySign: chosen
          })
          const parsed = Result.getOrThrow(PersonalIdentityCode.parse(code))
          expect(parsed.birthDate).toBe(date.toISOString().slice(0, 10))
          expect(parsed.individualNumber).toBe(n)
          expect(parsed.temporary).toBe(n >= 900)
        }
      ),
      { numRuns: 1000 }
    )
  })

  it("property: changing the check character of a valid code always makes it invalid", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 28 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1900, max: 2099 }),
        fc.integer({ min: 2, max: 999 }),
        fc.integer({ min: 1, max: 30 }),
        (day, month, year, n, shift) => {
          const code = PersonalIdentityCode.make({ day, month, year, individualNumber: n })
          const idx = PersonalIdentityCode.checkAlphabet.indexOf(code.slice(-1))
          const other = PersonalIdentityCode.checkAlphabet[(idx + shift) % 31] as string
          expect(reasonOf(code.slice(0, -1) + other)).toBe("check-character")
        }
      ),
      { numRuns: 1000 }
    )
  })

  it("the schema accepts the canonical form and its failure does not quote the value", () => {
    const decode = Schema.decodeUnknownResult(PersonalIdentityCode.PersonalIdentityCodeSchema)
    expect(Result.isSuccess(decode("131052-308T"))).toBe(true)
    const bad = decode("131052-308U")
    expect(Result.isFailure(bad)).toBe(true)
    const failure = Result.getFailure(bad)
    expect(failure._tag).toBe("Some")
    if (failure._tag === "Some") {
      expect(String(failure.value)).toContain("check character")
      expect(String(failure.value)).not.toContain("131052")
    }
  })
})
