/**
 * Dates a personal identity code cannot carry (facts.md §6): the day must
 * exist in its month and year. Every code here has a correct check
 * character, so the date alone decides. A submission with such a code is
 * refused with the field named and the value left out.
 */
import { describe, expect, it } from "@effect/vitest"
import { PersonalIdentityCode } from "@lahete/core"
import { DeciderSpec, Fixtures } from "@lahete/testing"
import { Result } from "effect"
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
