/**
 * The SQL directory store: the conformance suite of `@lahete/testing` on
 * SQLite and PostgreSQL (each test on a new database file or schema).
 */
import { SqlDirectoryStore } from "@lahete/store-sql"
import { DirectoryStoreTest } from "@lahete/testing"
import { Layer } from "effect"
import { databases } from "./support/layers.js"

for (const database of databases()) {
  DirectoryStoreTest.suite(database.name, SqlDirectoryStore.layer.pipe(Layer.provide(database.client)))
}
