/**
 * Consent as data (domain specification §2): the five purposes, the three
 * decisions and the four ways of recording, exactly; a consent record that
 * names anything else is refused when decoded (events and commands carry
 * these records), and the rules C1–C6 are stated.
 */
import { describe, expect, it } from "@effect/vitest"
import { Consent } from "@lahete/core"
import { Fixtures as F } from "@lahete/testing"
import { Result, Schema } from "effect"

const decodes = <S extends Schema.Top>(schema: S, value: unknown) =>
  Result.isSuccess(Schema.decodeUnknownResult(schema as never)(value))

const record = {
  purpose: "contact-by-sms",
  decision: "granted",
  method: "verbal",
  recordedBy: F.linkWorkerActor.id,
  at: F.t0
}

describe("consent vocabularies", () => {
  it("exactly five purposes, three decisions and four methods decode; nothing else does", () => {
    const purposes = ["referral", "contact-by-sms", "feedback-to-referrer", "research", "proxy-measure"]
    expect(Consent.purposes).toEqual(purposes)
    for (const p of purposes) expect(decodes(Consent.Purpose, p)).toBe(true)
    for (const d of ["granted", "refused", "withdrawn"]) expect(decodes(Consent.Decision, d)).toBe(true)
    for (const m of ["in-appointment", "agreed-for-office-time", "written", "verbal"]) {
      expect(decodes(Consent.Method, m)).toBe(true)
    }
    for (const wrong of ["", "marketing", "Granted"]) {
      expect(decodes(Consent.Purpose, wrong)).toBe(false)
      expect(decodes(Consent.Decision, wrong)).toBe(false)
      expect(decodes(Consent.Method, wrong)).toBe(false)
    }
  })

  it("a consent record decodes with every field in its vocabulary, an optional expiry, and not without who and when", () => {
    expect(Schema.decodeUnknownSync(Consent.ConsentRecord)(record)).toEqual(record)
    const expiring = { ...record, expiresAt: F.at(10) }
    expect(Schema.decodeUnknownSync(Consent.ConsentRecord)(expiring)).toEqual(expiring)
    expect(decodes(Consent.ConsentRecord, { ...record, decision: "maybe" })).toBe(false)
    expect(decodes(Consent.ConsentRecord, { ...record, method: "implied" })).toBe(false)
    expect(decodes(Consent.ConsentRecord, { ...record, purpose: "marketing" })).toBe(false)
    const { recordedBy: _, ...anonymous } = record
    expect(decodes(Consent.ConsentRecord, anonymous)).toBe(false)
    const { at: __, ...undated } = record
    expect(decodes(Consent.ConsentRecord, undated)).toBe(false)
    expect(decodes(Consent.ConsentRecord, { ...record, expiresAt: "next week" })).toBe(false)
  })

  it("the rules C1–C6 are stated, each about what it protects", () => {
    expect(Object.keys(Consent.rules)).toEqual(["C1", "C2", "C3", "C4", "C5", "C6"])
    expect(Consent.rules.C1).toContain("referral consent")
    expect(Consent.rules.C2).toContain("contact-by-sms")
    expect(Consent.rules.C2).toContain("mobile number")
    expect(Consent.rules.C3).toContain("disclosure")
    expect(Consent.rules.C4).toContain("research consent never gates")
    expect(Consent.rules.C5).toContain("Withdrawn")
    expect(Consent.rules.C6).toContain("erased")
  })
})
