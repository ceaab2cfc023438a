/**
 * Database layers for the tests. Each build of `pgClient` is a new, empty
 * PostgreSQL schema (`t_<random>`, the connection's `search_path`), dropped
 * when the layer is released; each build of `sqliteClient` is a new database
 * file in a temporary directory, removed afterwards.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { PgClient } from "@effect/sql-pg"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { ReferralIndex, ReferralStore } from "@lahete/core"
import { SqlReferralStack, SqlReferralStore } from "@lahete/store-sql"
import { NodeSqlite } from "@lahete/store-sql/sqlite"
import { Fixtures } from "@lahete/testing"
import { Context, Effect, Layer, Redacted } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import * as Statement from "effect/sql/Statement"
import { inject } from "vitest"
import { DirectObserver } from "../../src/internal/direct.js"

/** The PostgreSQL database of this run (see `postgres.ts`); `undefined` when there is none (outside CI only). */
export const databaseUrl: string | undefined = inject("databaseUrl")

/** Warns, once per file, that the PostgreSQL suites of that file are skipped. */
export const warnSkipped = (what: string): void => {
  console.warn(`[@lahete/store-sql] WARNING: no PostgreSQL available, SKIPPING ${what}`)
}

const randomName = () => `t_${crypto.randomUUID().replaceAll("-", "")}`

/**
 * A `SqlClient` on a new, empty schema of the test database (a pool of up to
 * `maxConnections` connections).
 */
export const pgClient = (
  url: string,
  options: { readonly maxConnections?: number } = {}
): Layer.Layer<SqlClient.SqlClient | PgClient.PgClient, SqlError> =>
  Layer.unwrap(
    Effect.sync(() => {
      const schema = randomName()
      const client = PgClient.layer({
        url: Redacted.make(url),
        startupParameters: { search_path: schema },
        maxConnections: options.maxConnections ?? 4
      })
      const createSchema = Layer.effectDiscard(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          yield* sql.unsafe(`CREATE SCHEMA ${schema}`)
          yield* Effect.addFinalizer(() => Effect.ignore(sql.unsafe(`DROP SCHEMA ${schema} CASCADE`)))
        })
      )
      return Layer.provideMerge(createSchema, client)
    })
  )

/**
 * A `SqlClient` on a new SQLite database file (WAL) in a temporary directory,
 * removed when released; `options` are passed on to the client.
 */
export const sqliteClientWith = (
  options: Omit<SqliteClient.SqliteClientConfig, "filename"> = {},
  client: "lahete" | "effect" = "lahete"
): Layer.Layer<SqlClient.SqlClient, SqlError> =>
  Layer.unwrap(
    Effect.map(
      Effect.acquireRelease(
        Effect.sync(() => mkdtempSync(join(tmpdir(), "lahete-sqlite-"))),
        (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
      ),
      (dir) =>
        (client === "lahete" ? NodeSqlite.layer : SqliteClient.layer)({ ...options, filename: join(dir, "store.db") })
    )
  )

/**
 * A `SqlClient` on a new SQLite database file (WAL) in a temporary directory, removed when released: lahete's
 * client (`NodeSqlite`, as `SqliteReferralStack` builds it: the store's appends run as synchronous batches).
 */
export const sqliteClient: Layer.Layer<SqlClient.SqlClient, SqlError> = sqliteClientWith()

/**
 * The same on `@effect/sql-sqlite-node`'s client, which offers no batches: the store's appends go through
 * effect/sql (the one-statement append of the trigger, or the statements one by one).
 */
export const effectSqliteClient: Layer.Layer<SqlClient.SqlClient, SqlError> = sqliteClientWith({}, "effect")

/** The databases the suites run on: SQLite always, PostgreSQL when there is one. */
export const databases = (
  options: { readonly maxConnections?: number } = {}
): ReadonlyArray<{
  readonly name: string
  readonly client: Layer.Layer<SqlClient.SqlClient, SqlError>
  /** Whether transactions run at the same time (several connections), so that appends really race. */
  readonly concurrentConnections: boolean
}> => {
  if (databaseUrl === undefined) warnSkipped("the PostgreSQL run of this file")
  return [
    { name: "SQLite (file, WAL)", client: sqliteClient, concurrentConnections: false },
    ...(databaseUrl === undefined
      ? []
      : [{ name: "PostgreSQL", client: pgClient(databaseUrl, options), concurrentConnections: true }])
  ]
}

/**
 * `ReferralService` and its ports (`SqlReferralStack`) on a database client,
 * with the fixture link worker registered and the preset catalog.
 */
export const serviceOn = <E>(
  client: Layer.Layer<SqlClient.SqlClient, E>
): Layer.Layer<SqlReferralStack.Services | SqlClient.SqlClient, unknown> =>
  SqlReferralStack.layer({ linkWorkers: [Fixtures.linkWorker()] }).pipe(Layer.provideMerge(client))

/**
 * `SqlReferralStore.layer` with the store or the index wrapped (to count
 * their calls, say): both over the same client and migrations, as the layer
 * provides them.
 */
export const wrappedStore = (wrap: {
  readonly store?: (store: ReferralStore.Shape) => ReferralStore.Shape
  readonly index?: (index: ReferralIndex.Shape) => ReferralIndex.Shape
}): Layer.Layer<
  ReferralStore.ReferralStore | ReferralIndex.ReferralIndex,
  ReferralStore.StoreFailure,
  SqlClient.SqlClient
> =>
  Layer.effectContext(
    Effect.map(SqlReferralStore.makeWithIndex(), ({ store, index }) =>
      Context.make(ReferralStore.ReferralStore, wrap.store === undefined ? store : wrap.store(store)).pipe(
        Context.add(ReferralIndex.ReferralIndex, wrap.index === undefined ? index : wrap.index(index))
      )
    )
  )

/** Runs `effect`, returning the statements it ran (compiled: text and parameters). */
export const capture = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const seen: Array<readonly [string, ReadonlyArray<unknown>]> = []
    const result = yield* effect.pipe(
      Effect.provideService(Statement.CurrentTransformer, (self) => {
        seen.push(self.compile())
        return Effect.succeed(self)
      }),
      // and those of the store's synchronous batches (`NodeSqlite`)
      Effect.provideService(DirectObserver, (text, params) => {
        seen.push([text, params])
      })
    )
    return { result, seen }
  })

/** Runs `effect`, returning how many statements it ran. */
export const counted = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.map(capture(effect), ({ result, seen }) => ({ result, statements: seen.length }))
