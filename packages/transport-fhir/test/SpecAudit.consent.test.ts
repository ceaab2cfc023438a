/**
 * Consent as a FHIR referrer's system sends it (domain specification §2, C1
 * and C2; the mapping in `FhirReferral`): in FHIR R4 a refusal is commonly a
 * Consent that is `active` with `provision.type: deny` (the decision is in
 * force, and it says no). The fixture Bundles and the round trip write a
 * refusal as `status: rejected`, so nothing showed that an active deny is a
 * refusal: read as a grant, a referral the client said no to would be
 * accepted (C1), and a text message sent against their word (C2). A Consent
 * without a provision is a grant (as documented).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { consent, referralBundle, referralIdOf, setAt, withServer } from "./support/wire.js"

const r = (i: number) => ["entry", i, "resource"] as const
/** The fixture Bundle's Consents: entry 3 is `referral`, entry 4 `contact-by-sms`. */
const referralConsent = r(3)
const smsConsent = r(4)

const deny = (purpose: string) => ({ ...consent(purpose), provision: { type: "deny" } })
const noProvision = (purpose: string) => {
  const { provision: _, ...rest } = consent(purpose)
  return rest
}

describe("FHIR Consent: an active deny is a refusal, an active Consent without a provision a grant", () => {
  it.live("referral consent active with provision deny: no referral (422, C1), nothing stored", () =>
    withServer((h) =>
      Effect.gen(function* () {
        const b = referralBundle("msg-deny-referral")
        setAt(b, referralConsent, deny("referral"))
        const answer = yield* h.post(b)
        expect(answer.status, answer.text).toBe(422)
        expect(answer.outcome.issue[0]).toMatchObject({
          code: "business-rule",
          diagnostics: "consent-missing: referral"
        })
        expect(yield* h.store.referralIds()).toEqual([])
      })
    )
  )

  it.live("contact-by-sms active with provision deny: the referral is made, the consent recorded as refused (C2)", () =>
    withServer((h) =>
      Effect.gen(function* () {
        const b = referralBundle("msg-deny-sms")
        setAt(b, smsConsent, deny("contact-by-sms"))
        const answer = yield* h.post(b)
        expect(answer.status, answer.text).toBe(201)
        const state = yield* h.service.state(yield* referralIdOf("msg-deny-sms"))
        expect(state.consents["contact-by-sms"]?.decision).toBe("refused")
        expect(state.consents.referral?.decision).toBe("granted")
      })
    )
  )

  it.live("a Consent active without a provision is a grant", () =>
    withServer((h) =>
      Effect.gen(function* () {
        const b = referralBundle("msg-no-provision")
        setAt(b, referralConsent, noProvision("referral"))
        setAt(b, smsConsent, noProvision("contact-by-sms"))
        const answer = yield* h.post(b)
        expect(answer.status, answer.text).toBe(201)
        const state = yield* h.service.state(yield* referralIdOf("msg-no-provision"))
        expect(state.consents.referral?.decision).toBe("granted")
        expect(state.consents["contact-by-sms"]?.decision).toBe("granted")
      })
    )
  )
})
