/**
 * The example of packages/testing/README.md, kept compiling and running (the
 * README shows the region below verbatim; a test checks it).
 */
import { readFileSync } from "node:fs"
import { ReferralStoreMemory } from "@lahete/core"

const myStoreLayer = ReferralStoreMemory.layer

// #region readme
import { describe, expect, it } from "@effect/vitest"
import { Presets, Programme, Referral } from "@lahete/core"
import { CommandSequences, DeciderSpec, Fixtures, ReferralStoreTest } from "@lahete/testing"
import { Result } from "effect"
import * as fc from "fast-check"

// Your municipality's programme, derived from a preset
const ours = Result.getOrThrow(Programme.nextVersion(Presets.kemijarvi, (p) => ({ ...p, contactAttempts: { max: 5 } })))
const decider = Referral.makeDecider(Result.getOrThrow(Programme.catalog([Presets.kemijarvi, ours])))
const spec = DeciderSpec.make(decider)

describe("our programme", () => {
  it("refuses a text message without the client's consent (C2)", () => {
    const onlyReferral = Fixtures.submit({ consents: [Fixtures.consentGiven("referral")] })
    const history = Fixtures.history([onlyReferral, Fixtures.assign()], decider)
    spec.given(history.events).when(Fixtures.scheduleCall()).thenFails("ConsentMissing", { purpose: "contact-by-sms" })
  })

  it("a refused command never changes the state", () => {
    fc.assert(
      fc.property(CommandSequences.sequence({ decider }), (commands) => {
        for (const step of CommandSequences.run(decider, commands).steps) {
          if (Result.isFailure(step.result)) expect(step.after).toEqual(step.before)
        }
      }),
      { numRuns: 1000 }
    )
  }, 60_000)
})

// Your own store adapter (a Layer providing ReferralStore) must pass the same suite as lahete's
ReferralStoreTest.suite("my store", myStoreLayer)
// #endregion

describe("packages/testing/README.md", () => {
  it("shows this example verbatim", () => {
    const self = readFileSync(new URL(import.meta.url), "utf8")
    const region = self.slice(self.indexOf("// #region readme\n") + 18, self.indexOf("// #endregion")).trim()
    expect(readFileSync(new URL("../README.md", import.meta.url), "utf8")).toContain(region)
  })
})
