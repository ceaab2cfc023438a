import { describe, expect, it } from "@effect/vitest"
import { Consent, type Instant } from "@lahete/core"
import { Fixtures as F } from "@lahete/testing"
import * as fc from "fast-check"

const rec = (decision: Consent.Decision, at: Instant.Instant, expiresAt?: Instant.Instant): Consent.ConsentRecord => ({
  purpose: "contact-by-sms",
  decision,
  method: "verbal",
  recordedBy: F.linkWorkerActor.id,
  at,
  ...(expiresAt === undefined ? {} : { expiresAt })
})

describe("Consent", () => {
  it("the latest decision per purpose counts; expiry ends a grant", () => {
    let c = Consent.record(Consent.empty, rec("granted", F.t0, F.at(10)))
    expect(Consent.isGranted(c, "contact-by-sms", F.at(9))).toBe(true)
    expect(Consent.isGranted(c, "contact-by-sms", F.at(10))).toBe(false)
    expect(Consent.isGranted(c, "referral", F.at(1))).toBe(false)
    c = Consent.record(c, rec("withdrawn", F.at(2)))
    expect(Consent.isGranted(c, "contact-by-sms", F.at(3))).toBe(false)
  })

  it("property: granted means the last decision is a grant not yet expired", () => {
    const decision = fc.record({
      decision: fc.constantFrom<Consent.Decision>("granted", "refused", "withdrawn"),
      hour: fc.integer({ min: 0, max: 100 }),
      expires: fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined })
    })
    fc.assert(
      fc.property(
        fc.array(decision, { minLength: 1, maxLength: 10 }),
        fc.integer({ min: 0, max: 200 }),
        (ds, readAt) => {
          let c = Consent.empty
          for (const d of ds) {
            c = Consent.record(
              c,
              rec(d.decision, F.at(d.hour), d.expires === undefined ? undefined : F.at(d.hour + d.expires))
            )
          }
          const last = ds.at(-1) as (typeof ds)[number]
          const expected =
            last.decision === "granted" && (last.expires === undefined || readAt < last.hour + last.expires)
          expect(Consent.isGranted(c, "contact-by-sms", F.at(readAt))).toBe(expected)
        }
      ),
      { numRuns: 1000 }
    )
  })
})
