import { describe, expect, it } from "@effect/vitest"
import { MobileNumber, PersonalIdentityCode } from "@lahete/core"
import { IdentityArbitraries } from "@lahete/testing"
import { Result } from "effect"
import * as fc from "fast-check"

describe("IdentityArbitraries", () => {
  it("personalIdentityCode yields only codes the core parser accepts", () => {
    fc.assert(
      fc.property(IdentityArbitraries.personalIdentityCode(), (code) => {
        expect(PersonalIdentityCode.parse(code)._tag).toBe("Success")
      }),
      { numRuns: 1000 }
    )
  })

  it("temporary option yields individual numbers 900-999 only", () => {
    fc.assert(
      fc.property(IdentityArbitraries.personalIdentityCode({ temporary: true }), (code) => {
        expect(Result.getOrThrow(PersonalIdentityCode.parse(code)).temporary).toBe(true)
      }),
      { numRuns: 300 }
    )
  })

  it("invalidPersonalIdentityCode yields codes refused for the stated reason", () => {
    fc.assert(
      fc.property(IdentityArbitraries.invalidPersonalIdentityCode, ({ code, reason }) => {
        const result = PersonalIdentityCode.parse(code)
        expect(result._tag).toBe("Failure")
        // random strings may fail earlier or for another reason than "format" only if they are not 11 chars
        if (reason !== "format") expect(Result.getFailure(result)).toMatchObject({ value: { reason } })
      }),
      { numRuns: 1000 }
    )
  })

  it("finnishMobileNumber: every typed form normalises to its E.164 form", () => {
    fc.assert(
      fc.property(IdentityArbitraries.finnishMobileNumber, ({ typed, e164 }) => {
        expect(Result.getOrThrow(MobileNumber.parse(typed))).toBe(e164)
      }),
      { numRuns: 500 }
    )
  })
})
