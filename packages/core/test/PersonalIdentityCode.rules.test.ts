/**
 * Dates a personal identity code cannot carry (facts.md §6): the day must
 * exist in its month and year. Every code here has a correct check
 * character, so the date alone decides. A submission with such a code is
 * refused with the field named and the value left out.
 */
import { describe, expect, it } from "@effect/vitest"
import { PersonalIdentityCode } from "@lahete/core"
import { DeciderSpec, Fixtures } from "@lahete/testing"
import { Result, Schema } from "effect"
import * as fc from "fast-check"

const reasonOf = (input: string) =>
  Result.match(PersonalIdentityCode.parse(input), { onSuccess: () => "valid", onFailure: (e) => e.reason })
const code = (day: number, month: number, year: number) =>
  PersonalIdentityCode.make({ day, month, year, individualNumber: 308 })

describe("the date in a personal identity code", () => {
  it("31 November does not exist; 30 November does", () => {
    // 311185308 mod 31 = 23: R
    expect(code(31, 11, 1985)).toBe("311185-308R")
    expect(reasonOf("311185-308R")).toBe("impossible-date")
    expect(reasonOf(code(30, 11, 1985))).toBe("valid")
  })

  it("the 31st of every 30-day month is refused, of every 31-day month accepted", () => {
    for (const month of [4, 6, 9, 11]) expect(reasonOf(code(31, month, 1990))).toBe("impossible-date")
    for (const month of [1, 3, 5, 7, 8, 10, 12]) expect(reasonOf(code(31, month, 1990))).toBe("valid")
  })

  it("day 0, day 32, month 0 and month 13 are refused", () => {
    expect(reasonOf(code(0, 5, 1990))).toBe("impossible-date")
    expect(reasonOf(code(32, 5, 1990))).toBe("impossible-date")
    expect(reasonOf(code(1, 0, 1990))).toBe("impossible-date")
    expect(reasonOf(code(1, 13, 1990))).toBe("impossible-date")
    expect(reasonOf(code(1, 1, 1990))).toBe("valid")
    expect(reasonOf(code(1, 12, 1990))).toBe("valid")
  })

  it("29 February only in leap years (2024 yes, 2023 and 1900 no, 2000 yes)", () => {
    expect(reasonOf(code(29, 2, 2024))).toBe("valid")
    expect(reasonOf(code(28, 2, 2023))).toBe("valid")
    expect(reasonOf(code(29, 2, 2023))).toBe("impossible-date")
    expect(reasonOf(code(29, 2, 1900))).toBe("impossible-date")
    expect(reasonOf(code(29, 2, 2000))).toBe("valid")
    expect(reasonOf(code(30, 2, 2024))).toBe("impossible-date")
  })

  it("a submission with 31 November is refused, naming the field and not the code", () => {
    const refused = DeciderSpec.make(Fixtures.decider)
      .given([])
      .when(Fixtures.submit({ client: { ...Fixtures.submit().client, personalIdentityCode: "311185-308R" } }))
      .thenFails("InvalidCommand", { field: "client.personalIdentityCode" })
    expect(JSON.stringify(refused)).not.toContain("311185")
    expect(refused.message).not.toContain("311185")
  })

  it("property: a code parses exactly when its date is a real calendar date", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 1800, max: 2099 }),
        (day, month, year) => {
          const real =
            month >= 1 &&
            month <= 12 &&
            day >= 1 &&
            new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day &&
            new Date(Date.UTC(year, month - 1, day)).getUTCMonth() === month - 1
          expect(reasonOf(code(day, month, year))).toBe(real ? "valid" : "impossible-date")
        }
      ),
      { numRuns: 2000 }
    )
  })
})

describe("parsing details", () => {
  it("surrounding whitespace is ignored and letters upper-cased; anything else around the code is refused", () => {
    const parsed = PersonalIdentityCode.parse(" 131052-308t\n")
    expect(Result.isSuccess(parsed) && parsed.success.code).toBe("131052-308T")
    expect(reasonOf("x131052-308T")).toBe("format")
    expect(reasonOf("131052-308Tx")).toBe("format")
    expect(reasonOf("0131052-308T")).toBe("format")
    expect(PersonalIdentityCode.isValid("131052-308T")).toBe(true)
    expect(PersonalIdentityCode.isValid("131052-308U")).toBe(false)
  })

  it("individual numbers 900-999 are temporary codes, from 900 on", () => {
    const temporary = (n: number) => {
      const r = PersonalIdentityCode.parse(
        PersonalIdentityCode.make({ day: 1, month: 1, year: 1990, individualNumber: n })
      )
      return Result.isSuccess(r) ? r.success.temporary : "invalid"
    }
    expect(temporary(899)).toBe(false)
    expect(temporary(900)).toBe(true)
    expect(temporary(999)).toBe(true)
  })

  it("make picks the century sign from the year: + before 1900, - in the 1900s, A from 2000", () => {
    const sign = (year: number) => PersonalIdentityCode.make({ day: 1, month: 1, year, individualNumber: 308 })[6]
    expect([sign(1850), sign(1899), sign(1900), sign(1999), sign(2000)]).toEqual(["+", "+", "-", "-", "A"])
    expect(
      PersonalIdentityCode.make({ day: 1, month: 1, year: 1990, individualNumber: 308, centurySign: "Y" })[6]
    ).toBe("Y")
  })

  it("a refusal is a typed error whose message names the reason, never the code", () => {
    const failure = (input: string) => {
      const r = PersonalIdentityCode.parse(input)
      if (Result.isSuccess(r)) throw new Error("expected a refusal")
      return r.failure
    }
    const messages = {
      format: failure("13105-308T"),
      "century-sign": failure("131052G308T"),
      "impossible-date": failure("311185-308R"),
      "individual-number": failure(PersonalIdentityCode.make({ day: 1, month: 1, year: 1990, individualNumber: 1 })),
      "check-character": failure("131052-308U")
    }
    for (const [reason, e] of Object.entries(messages)) {
      expect(e._tag).toBe("InvalidPersonalIdentityCode")
      expect(e.reason).toBe(reason)
      expect(e.message).not.toMatch(/131052|311185|13105/)
    }
    expect(messages.format.message).toBe(
      "not a valid personal identity code: expected 11 characters DDMMYY, a century sign, three digits and a check character"
    )
    expect(messages["century-sign"].message).toBe(
      "not a valid personal identity code: unknown century sign (expected one of + - Y X W V U A B C D E F)"
    )
    expect(messages["impossible-date"].message).toBe(
      "not a valid personal identity code: the date of birth does not exist"
    )
    expect(messages["individual-number"].message).toBe(
      "not a valid personal identity code: the individual number must be 002-999"
    )
    expect(messages["check-character"].message).toBe(
      "not a valid personal identity code: the check character does not match"
    )
  })

  it("the schema accepts only the canonical form: lower case or surrounding spaces are refused with a hint", () => {
    const decode = Schema.decodeUnknownExit(PersonalIdentityCode.PersonalIdentityCodeSchema)
    expect(String(decode("131052-308T"))).toContain("Success")
    for (const input of ["131052-308t", " 131052-308T"]) {
      const exit = String(decode(input))
      expect(exit).toContain("Failure")
      expect(exit).toContain("write the code in upper case without surrounding spaces")
      expect(exit).not.toContain("131052")
    }
    expect(String(decode("131052-308U"))).toContain("the check character does not match")
  })
})
