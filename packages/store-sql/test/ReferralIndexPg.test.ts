import { describe, it } from "@effect/vitest"
import { SqlReferralStore } from "@lahete/store-sql"
import { ReferralIndexTest } from "@lahete/testing"
import { Layer } from "effect"
import { databaseUrl, pgClient, warnSkipped } from "./support/layers.js"

if (databaseUrl === undefined) {
  warnSkipped("ReferralIndex conformance on PostgreSQL")
  describe.skip("ReferralIndex conformance: PostgreSQL", () => {
    it("needs PostgreSQL", () => {})
  })
} else {
  // each run of the property in a new schema (the layer built afresh)
  ReferralIndexTest.suite("PostgreSQL", SqlReferralStore.layer.pipe(Layer.provide(pgClient(databaseUrl))), {
    numRuns: 40
  })
}
