import { describe, expect, it } from "@effect/vitest"
import { MobileNumber } from "@lahete/core"
import { Result } from "effect"
import * as fc from "fast-check"

const reasonOf = (input: string) =>
  Result.match(MobileNumber.parse(input), { onSuccess: (n) => n as string, onFailure: (e) => e.reason })

describe("MobileNumber", () => {
  it("turns Finnish national mobile numbers into E.164", () => {
    expect(reasonOf("040 123 4567")).toBe("+358401234567")
    expect(reasonOf("050-123 4567")).toBe("+358501234567")
    expect(reasonOf("0457 123 4567")).toBe("+3584571234567")
    expect(reasonOf("+358 40 123 4567")).toBe("+358401234567")
  })

  it("accepts a foreign mobile number in international form", () => {
    expect(reasonOf("+46 70 123 45 67")).toBe("+46701234567")
  })

  it("refuses a landline: a text message cannot reach it", () => {
    expect(reasonOf("09 123 4567")).toBe("not-mobile")
  })

  it("refuses what is not a phone number", () => {
    expect(reasonOf("")).toBe("unparseable")
    expect(reasonOf("call me")).toBe("unparseable")
    expect(reasonOf("0401")).toBe("invalid")
  })

  it("property: every Finnish 04x/050 number with a 7-digit subscriber part is a mobile number", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("040", "041", "044", "045", "046", "050"),
        fc.integer({ min: 0, max: 9_999_999 }),
        (prefix, n) => {
          const national = `${prefix}${String(n).padStart(7, "0")}`
          const parsed = Result.getOrThrow(MobileNumber.parse(national))
          expect(parsed).toBe(`+358${national.slice(1)}`)
          // idempotent: the E.164 form parses to itself
          expect(Result.getOrThrow(MobileNumber.parse(parsed))).toBe(parsed)
        }
      ),
      { numRuns: 500 }
    )
  })

  it("never echoes the number in an error", () => {
    const e = Result.getFailure(MobileNumber.parse("09 123 4567"))
    if (e._tag === "Some") expect(`${e.value.message}${JSON.stringify(e.value)}`).not.toContain("123")
  })
})
