/**
 * The core services the server runs on in the tests: everything in memory,
 * or the SQL store and audit log on a new SQLite database file (removed
 * afterwards). Both with the fixture link workers and the preset catalog.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Presets, ReferralService } from "@lahete/core"
import type { Server } from "@lahete/server"
import { SqlReferralStack } from "@lahete/store-sql"
import { Fixtures } from "@lahete/testing"
import { Effect, Layer } from "effect"

export const linkWorkers = [Fixtures.linkWorker(), Fixtures.otherLinkWorker()]

export const memory = (): Layer.Layer<Server.Requirements, unknown> =>
  ReferralService.layerMemory({ linkWorkers, catalog: Presets.catalog })

const sqliteFile = Layer.unwrap(
  Effect.map(
    Effect.acquireRelease(
      Effect.sync(() => mkdtempSync(join(tmpdir(), "lahete-server-"))),
      (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
    ),
    (dir) => SqliteClient.layer({ filename: join(dir, "store.db") })
  )
)

export const sqlite = (): Layer.Layer<Server.Requirements, unknown> =>
  SqlReferralStack.layer({ linkWorkers }).pipe(Layer.provide(sqliteFile))
