import { describe, it } from "@effect/vitest"
import { SqlReferralStore } from "@lahete/store-sql"
import { ReferralStoreTest } from "@lahete/testing"
import { Layer } from "effect"
import { databaseUrl, pgClient, warnSkipped } from "./support/layers.js"

if (databaseUrl === undefined) {
  warnSkipped("ReferralStore conformance on PostgreSQL")
  describe.skip("ReferralStore conformance: PostgreSQL", () => {
    it("needs PostgreSQL", () => {})
  })
} else {
  ReferralStoreTest.suite("PostgreSQL", SqlReferralStore.layer.pipe(Layer.provide(pgClient(databaseUrl))))
}
