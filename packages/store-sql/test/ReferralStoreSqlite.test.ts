import { SqlReferralStore } from "@lahete/store-sql"
import { ReferralStoreTest } from "@lahete/testing"
import { Layer } from "effect"
import { effectSqliteClient, sqliteClient, sqliteClientWith } from "./support/layers.js"

ReferralStoreTest.suite("SQLite (file, WAL)", SqlReferralStore.layer.pipe(Layer.provide(sqliteClient)))

// on @effect/sql-sqlite-node's client, the appends go through effect/sql (the append trigger's one statement)
ReferralStoreTest.suite(
  "SQLite on @effect/sql-sqlite-node",
  SqlReferralStore.layer.pipe(Layer.provide(effectSqliteClient))
)

// the store's queries do not depend on name transforms the application's client may use
const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())
const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
ReferralStoreTest.suite(
  "SQLite with name transforms on the client",
  SqlReferralStore.layer.pipe(
    Layer.provide(sqliteClientWith({ transformResultNames: camel, transformQueryNames: snake }))
  )
)
