import { SqlReferralStore } from "@lahete/store-sql"
import { ReferralIndexTest } from "@lahete/testing"
import { Layer } from "effect"
import { sqliteClient } from "./support/layers.js"

// each run of the property on a new database file (the layer built afresh)
ReferralIndexTest.suite("SQLite (file, WAL)", SqlReferralStore.layer.pipe(Layer.provide(sqliteClient)), {
  numRuns: 40
})
