/**
 * The example of packages/core/README.md, kept compiling and running. Keep the
 * region below and the README's code block the same.
 */
import { describe, expect, it } from "@effect/vitest"
// #region readme
import { Presets, Referral, ReferralCommand, ReferralService } from "@lahete/core"
import { Effect, Result, Schema } from "effect"

// A referral as the referrer's system sends it (JSON from a request)
const submit = {
  _tag: "SubmitReferral",
  referralId: "ref-2026-0001",
  idempotencyKey: "ekollega-msg-81723",
  actor: { role: "Referrer", id: "nurse-17", organisation: "kemijarvi-hyte", profession: "nurse" },
  at: "2026-03-02T07:00:00.000Z",
  programmeId: "kemijarvi",
  subjectId: "subject-5521",
  client: {
    givenName: "Aino",
    familyName: "Testinen",
    personalIdentityCode: "010594Y9032",
    mobileNumber: "040 123 4567",
    language: "fi"
  },
  reasonCategories: ["loneliness"],
  reasonText: "Lives alone since spring; would like company for walks.",
  exclusionsPresent: [],
  feedbackRequested: true,
  consents: [
    { purpose: "referral", decision: "granted", method: "in-appointment" },
    { purpose: "contact-by-sms", decision: "granted", method: "in-appointment" }
  ]
}

// The service: decode, decide, append with an expected version, idempotently
const program = Effect.gen(function* () {
  const service = yield* ReferralService.ReferralService
  const first = yield* service.executeUnknown(submit)
  const again = yield* service.executeUnknown(submit) // a retried request: nothing appended
  return { status: first.state.status, events: first.events.map((e) => e._tag), replayed: again.replayed }
})

// In-memory layers for trying it out; @lahete/store-sql provides the real store
const outcome = await Effect.runPromise(program.pipe(Effect.provide(ReferralService.layerMemory())))
// { status: "Submitted", events: ["ReferralSubmitted", "ConsentRecorded", "ConsentRecorded"], replayed: true }

// The pure decider, for your own tests and tools
const decider = Referral.makeDecider(Presets.catalog)
const command = Schema.decodeUnknownSync(ReferralCommand.ReferralCommand)({ ...submit, consents: [] })
const refused = decider.decide(command, Referral.initialState)
// Failure(ConsentMissing { purpose: "referral", rule: "C1" })
// #endregion

describe("packages/core/README.md example", () => {
  it("runs as the README says", () => {
    expect(outcome).toEqual({
      status: "Submitted",
      events: ["ReferralSubmitted", "ConsentRecorded", "ConsentRecorded"],
      replayed: true
    })
    expect(Result.getFailure(refused)).toMatchObject({
      value: { _tag: "ConsentMissing", purpose: "referral", rule: "C1" }
    })
  })

  it("the README shows this example verbatim", async () => {
    const { readFileSync } = await import("node:fs")
    const self = readFileSync(new URL(import.meta.url), "utf8")
    const region = self.slice(self.indexOf("// #region readme\n") + 18, self.indexOf("// #endregion")).trim()
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")
    expect(readme).toContain(region)
  })
})
