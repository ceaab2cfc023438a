import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Worker } from "node:worker_threads"
import { describe, expect, it } from "@effect/vitest"
import { SqliteClient, SqliteMigrator } from "@lahete/sql-sqlite-node"
import { Cause, Config, Context, Effect, Exit, Layer, Scope, Stream } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { isSqlError, type SqlError } from "effect/sql/SqlError"

/** A temporary directory, removed with the test's scope (after the clients close). */
const tempDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "lahete-sqlite-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

/** Builds a client layer into the test's scope. */
const client = (config: SqliteClient.SqliteClientConfig) =>
  Effect.map(Layer.build(SqliteClient.layer(config)), (context) => Context.get(context, SqliteClient.SqliteClient))

const fileClient = (config: Partial<SqliteClient.SqliteClientConfig> = {}) =>
  Effect.gen(function* () {
    const dir = yield* tempDir
    const filename = join(dir, "test.db")
    const sql = yield* client({ filename, ...config })
    return { sql, filename, dir }
  })

const memoryClient = (config: Partial<SqliteClient.SqliteClientConfig> = {}) =>
  client({ filename: ":memory:", ...config })

const failure = <A>(effect: Effect.Effect<A, SqlError>) =>
  Effect.map(Effect.exit(effect), (exit) => {
    if (Exit.isSuccess(exit)) return expect.unreachable("expected a failure")
    const error = Cause.squash(exit.cause)
    if (!isSqlError(error)) return expect.unreachable("expected a SqlError")
    return { error, pretty: Cause.pretty(exit.cause) }
  })

const sqliteCause = (error: SqlError) => {
  const cause = error.reason.cause
  expect(cause).toBeInstanceOf(SqliteClient.SqliteError)
  return cause as SqliteClient.SqliteError
}

describe("SqliteClient", () => {
  it.effect("round-trips every parameter type through insert, select, update, updateValues and delete", () =>
    Effect.gen(function* () {
      const sql = yield* memoryClient()
      yield* sql`CREATE TABLE item (
        id INTEGER PRIMARY KEY, name TEXT, qty INTEGER, price REAL, big INTEGER,
        data BLOB, flag INTEGER, at TEXT, missing TEXT)`
      const at = new Date("2026-03-01T08:30:00.000Z")
      const big = 2n ** 60n + 7n
      const inserted = yield* sql`INSERT INTO item ${sql.insert({
        name: "Ääkköset ✓",
        qty: 3,
        price: 1.25,
        big,
        data: new Uint8Array([0, 1, 254, 255]),
        flag: true,
        at,
        missing: null
      })} RETURNING *`.pipe(Effect.provideService(SqlClient.SafeIntegers, true))
      expect(inserted).toEqual([
        {
          id: 1n,
          name: "Ääkköset ✓",
          qty: 3n,
          price: 1.25,
          big,
          data: new Uint8Array([0, 1, 254, 255]),
          flag: 1n,
          at: "2026-03-01T08:30:00.000Z",
          missing: null
        }
      ])
      // rows are plain objects, not null-prototype ones
      expect(Object.getPrototypeOf(inserted[0])).toBe(Object.prototype)

      yield* sql`INSERT INTO item ${sql.insert([
        { name: "b", qty: 1, flag: false, missing: undefined },
        { name: "c", qty: 2, flag: false, missing: undefined }
      ])}`
      const selected = yield* sql<{ id: number; name: string; flag: number; missing: null }>`
        SELECT id, name, flag, missing FROM item WHERE ${sql.in("name", ["b", "c"])} ORDER BY id`
      expect(selected).toEqual([
        { id: 2, name: "b", flag: 0, missing: null },
        { id: 3, name: "c", flag: 0, missing: null }
      ])

      const updated = yield* sql`UPDATE item SET ${sql.update({ qty: 10, flag: true })} WHERE id = ${2} RETURNING *`
      expect(updated).toMatchObject([{ id: 2, qty: 10, flag: 1 }])

      const many = yield* sql`UPDATE item SET name = data.name, qty = data.qty
        FROM ${sql.updateValues(
          [
            { id: 2, name: "B", qty: 20 },
            { id: 3, name: "C", qty: 30 }
          ],
          "data"
        )} WHERE item.id = data.id RETURNING item.id, item.name, item.qty`
      expect([...many].sort((a, b) => Number(a.id) - Number(b.id))).toEqual([
        { id: 2, name: "B", qty: 20 },
        { id: 3, name: "C", qty: 30 }
      ])

      const raw = yield* sql`DELETE FROM item WHERE id IN (${2}, ${3})`.raw
      expect(raw).toEqual({ changes: 2, lastInsertRowid: expect.anything() })
      const values = yield* sql`SELECT id, name FROM item`.values
      expect(values).toEqual([[1, "Ääkköset ✓"]])
      const unprepared = yield* sql`SELECT count(*) AS n FROM item WHERE qty = ${3}`.unprepared
      expect(unprepared).toEqual([{ n: 1 }])
    })
  )

  it.effect("reports a SQLite version with RETURNING (3.35 or later)", () =>
    Effect.gen(function* () {
      const sql = yield* memoryClient()
      const [major = 0, minor = 0] = sql.sqliteVersion.split(".").map(Number)
      expect(major * 1000 + minor).toBeGreaterThanOrEqual(3035)
      const rows = yield* sql<{ v: string }>`SELECT sqlite_version() AS v`
      expect(rows).toEqual([{ v: sql.sqliteVersion }])
    })
  )

  it.effect("turns WAL on for a file database, sets the busy timeout and enforces foreign keys", () =>
    Effect.gen(function* () {
      const { sql } = yield* fileClient()
      expect(yield* sql`PRAGMA journal_mode`).toEqual([{ journal_mode: "wal" }])
      expect(yield* sql`PRAGMA busy_timeout`).toEqual([{ timeout: 5000 }])
      expect(yield* sql`PRAGMA foreign_keys`).toEqual([{ foreign_keys: 1 }])

      const other = yield* fileClient({ busyTimeout: "1234 millis", wal: false, foreignKeys: false })
      expect(yield* other.sql`PRAGMA journal_mode`).toEqual([{ journal_mode: "delete" }])
      expect(yield* other.sql`PRAGMA busy_timeout`).toEqual([{ timeout: 1234 }])
      expect(yield* other.sql`PRAGMA foreign_keys`).toEqual([{ foreign_keys: 0 }])
    })
  )

  it.effect("commits a transaction on success and rolls it back on failure", () =>
    Effect.gen(function* () {
      const sql = yield* memoryClient()
      yield* sql`CREATE TABLE t (n INTEGER NOT NULL)`
      yield* sql.withTransaction(sql`INSERT INTO t (n) VALUES (${1})`)
      const failed = yield* sql
        .withTransaction(Effect.andThen(sql`INSERT INTO t (n) VALUES (${2})`, Effect.fail("boom" as const)))
        .pipe(Effect.flip)
      expect(failed).toBe("boom")
      // a failing statement fails the transaction and rolls back the earlier insert too
      const sqlFailure = yield* failure(
        sql.withTransaction(
          Effect.andThen(sql`INSERT INTO t (n) VALUES (${3})`, sql`INSERT INTO t (n) VALUES (${null})`)
        )
      )
      expect(sqlFailure.error.reason._tag).toBe("ConstraintError")
      expect(yield* sql`SELECT n FROM t ORDER BY n`).toEqual([{ n: 1 }])
    })
  )

  it.effect("a COMMIT that fails on a deferred foreign key is rolled back and the client stays usable", () =>
    Effect.gen(function* () {
      const sql = yield* memoryClient()
      yield* sql`CREATE TABLE parent (id INTEGER PRIMARY KEY)`
      yield* sql`CREATE TABLE child (id INTEGER PRIMARY KEY,
        parent_id INTEGER NOT NULL REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)`
      const { error } = yield* failure(sql.withTransaction(sql`INSERT INTO child (id, parent_id) VALUES (1, 42)`))
      expect(error.reason._tag).toBe("ConstraintError")
      expect(sqliteCause(error).code).toMatch(/^SQLITE_CONSTRAINT/)
      // the failed COMMIT left no open transaction and no row behind
      yield* sql.withTransaction(sql`INSERT INTO parent (id) VALUES (42)`)
      yield* sql.withTransaction(sql`INSERT INTO child (id, parent_id) VALUES (2, 42)`)
      expect(yield* sql`SELECT id FROM child`).toEqual([{ id: 2 }])
    })
  )

  it.effect("rolls a failed nested transaction back to its savepoint and keeps the outer one", () =>
    Effect.gen(function* () {
      const sql = yield* memoryClient()
      yield* sql`CREATE TABLE t (n INTEGER NOT NULL)`
      yield* sql.withTransaction(
        Effect.gen(function* () {
          yield* sql`INSERT INTO t (n) VALUES (${1})`
          const inner = yield* sql
            .withTransaction(Effect.andThen(sql`INSERT INTO t (n) VALUES (${2})`, Effect.fail("inner" as const)))
            .pipe(Effect.flip)
          expect(inner).toBe("inner")
          yield* sql.withTransaction(sql`INSERT INTO t (n) VALUES (${3})`)
          yield* sql`INSERT INTO t (n) VALUES (${4})`
        })
      )
      expect(yield* sql`SELECT n FROM t ORDER BY n`).toEqual([{ n: 1 }, { n: 3 }, { n: 4 }])
    })
  )

  it.effect("serializes 50 concurrent read-then-increment transactions", () =>
    Effect.gen(function* () {
      const { sql } = yield* fileClient()
      yield* sql`CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)`
      yield* sql`INSERT INTO counter (id, n) VALUES (1, 0)`
      const increment = sql.withTransaction(
        Effect.gen(function* () {
          const [row] = yield* sql<{ n: number }>`SELECT n FROM counter WHERE id = 1`
          // give every other fiber the chance to interleave between read and write
          yield* Effect.yieldNow
          yield* Effect.yieldNow
          yield* sql`UPDATE counter SET n = ${(row?.n ?? 0) + 1} WHERE id = 1`
        })
      )
      // plain statements from other fibers run between the transactions, never inside them
      const reads = Effect.forEach(Array.from({ length: 50 }), () => sql`SELECT n FROM counter`, {
        concurrency: "unbounded"
      })
      yield* Effect.all(
        [Effect.forEach(Array.from({ length: 50 }), () => increment, { concurrency: "unbounded" }), reads],
        {
          concurrency: "unbounded"
        }
      )
      expect(yield* sql`SELECT n FROM counter WHERE id = 1`).toEqual([{ n: 50 }])
    })
  )

  it.effect("lets a second client read a WAL file while the first holds a write transaction", () =>
    Effect.gen(function* () {
      const { sql: writer, filename } = yield* fileClient()
      const reader = yield* client({ filename })
      yield* writer`CREATE TABLE t (n INTEGER NOT NULL)`
      yield* writer`INSERT INTO t (n) VALUES (1)`
      yield* writer.withTransaction(
        Effect.gen(function* () {
          yield* writer`INSERT INTO t (n) VALUES (2)`
          // the reader neither blocks nor sees the uncommitted row
          expect(yield* reader`SELECT count(*) AS c FROM t`).toEqual([{ c: 1 }])
        })
      )
      expect(yield* reader`SELECT count(*) AS c FROM t`).toEqual([{ c: 2 }])
    })
  )

  /** Another thread takes the write lock on `filename` and holds it for `holdMs`. */
  const holdWriteLock = (filename: string, holdMs: number) =>
    Effect.acquireRelease(
      Effect.callback<Worker>((resume) => {
        const worker = new Worker(
          `const { DatabaseSync } = require("node:sqlite")
           const { parentPort, workerData } = require("node:worker_threads")
           const db = new DatabaseSync(workerData.filename)
           db.exec("BEGIN IMMEDIATE")
           db.exec("INSERT INTO t (n) VALUES (100)")
           parentPort.postMessage("locked")
           Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, workerData.holdMs)
           db.exec("COMMIT")
           db.close()`,
          { eval: true, workerData: { filename, holdMs } }
        )
        worker.once("message", () => resume(Effect.succeed(worker)))
        worker.once("error", (error) => resume(Effect.die(error)))
      }),
      (worker) => Effect.promise(() => worker.terminate())
    )

  it.live("a writer waiting on another connection's lock succeeds within the busy timeout", () =>
    Effect.gen(function* () {
      const { sql, filename } = yield* fileClient({ busyTimeout: 5000 })
      yield* sql`CREATE TABLE t (n INTEGER NOT NULL)`
      yield* holdWriteLock(filename, 300)
      const started = Date.now()
      yield* sql.withTransaction(sql`INSERT INTO t (n) VALUES (1)`)
      const waited = Date.now() - started
      expect(waited).toBeGreaterThanOrEqual(200)
      expect(waited).toBeLessThan(5000)
      expect(yield* sql`SELECT n FROM t ORDER BY n`).toEqual([{ n: 1 }, { n: 100 }])
    })
  )

  it.live("a writer that waits longer than the busy timeout fails with SQLITE_BUSY as a LockTimeoutError", () =>
    Effect.gen(function* () {
      const { sql, filename } = yield* fileClient({ busyTimeout: 50 })
      yield* sql`CREATE TABLE t (n INTEGER NOT NULL)`
      yield* holdWriteLock(filename, 1500)
      const { error } = yield* failure(sql.withTransaction(sql`INSERT INTO t (n) VALUES (1)`))
      expect(error.reason._tag).toBe("LockTimeoutError")
      expect(error.isRetryable).toBe(true)
      expect(sqliteCause(error).code).toMatch(/^SQLITE_BUSY/)
      // the failed BEGIN released the connection: the client still works
      expect(yield* sql`SELECT 1 AS one`).toEqual([{ one: 1 }])
    })
  )

  it.effect("reuses prepared statements and evicts the least recently used past the cache size", () =>
    Effect.gen(function* () {
      const sql = yield* memoryClient({ statementCacheSize: 2 })
      const start = yield* sql.cacheStats
      expect(start).toEqual({ size: 0, capacity: 2, hits: 0, misses: 0, evictions: 0 })
      yield* sql`SELECT ${1} AS a`
      yield* sql`SELECT ${2} AS a`
      expect(yield* sql.cacheStats).toEqual({ size: 1, capacity: 2, hits: 1, misses: 1, evictions: 0 })
      yield* sql`SELECT ${1} AS b`
      yield* sql`SELECT ${1} AS c`
      expect(yield* sql.cacheStats).toEqual({ size: 2, capacity: 2, hits: 1, misses: 3, evictions: 1 })
      // "AS a" was the least recently used and is gone; "AS c" is still there
      yield* sql`SELECT ${3} AS c`
      yield* sql`SELECT ${3} AS a`
      expect(yield* sql.cacheStats).toEqual({ size: 2, capacity: 2, hits: 2, misses: 4, evictions: 2 })
      // unprepared statements bypass the cache
      yield* sql`SELECT ${4} AS d`.unprepared
      expect(yield* sql.cacheStats).toEqual({ size: 2, capacity: 2, hits: 2, misses: 4, evictions: 2 })
    })
  )

  it.effect("maps failures to SqlError with the SQLite code and no bound values in the message", () =>
    Effect.gen(function* () {
      const sql = yield* memoryClient()
      yield* sql`CREATE TABLE person (id TEXT PRIMARY KEY, email TEXT UNIQUE, age INTEGER NOT NULL CHECK (age >= 0))`
      yield* sql`INSERT INTO person ${sql.insert({ id: "p1", email: "secret.person@example.fi", age: 30 })}`

      const unique = yield* failure(
        sql`INSERT INTO person ${sql.insert({ id: "p2", email: "secret.person@example.fi", age: 31 })}`
      )
      expect(unique.error.reason._tag).toBe("UniqueViolation")
      expect(unique.error.reason).toMatchObject({ constraint: "person.email", operation: "execute" })
      expect(sqliteCause(unique.error)).toMatchObject({ code: "SQLITE_CONSTRAINT_UNIQUE", errno: 2067 })
      expect(unique.error.message).toContain("SQLITE_CONSTRAINT_UNIQUE")
      expect(unique.pretty).not.toContain("secret.person")

      const primaryKey = yield* failure(sql`INSERT INTO person ${sql.insert({ id: "p1", email: "x@y.fi", age: 1 })}`)
      expect(primaryKey.error.reason._tag).toBe("UniqueViolation")
      expect(sqliteCause(primaryKey.error).code).toBe("SQLITE_CONSTRAINT_PRIMARYKEY")

      const check = yield* failure(sql`INSERT INTO person ${sql.insert({ id: "p3", email: "secret2@x.fi", age: -5 })}`)
      expect(check.error.reason._tag).toBe("ConstraintError")
      expect(sqliteCause(check.error).code).toBe("SQLITE_CONSTRAINT_CHECK")
      expect(check.pretty).not.toContain("secret2")

      const syntax = yield* failure(sql`SELEC ${"secret-param"}`)
      expect(syntax.error.reason._tag).toBe("SqlSyntaxError")
      expect(sqliteCause(syntax.error).code).toBe("SQLITE_ERROR")
      expect(syntax.pretty).not.toContain("secret-param")

      const unsupported = yield* failure(sql`SELECT ${1} AS a, ${{ name: "secret-object" }} AS x`)
      expect(unsupported.error.message).toBe("SqliteClient: parameter 2 is of unsupported type object")
      expect(unsupported.pretty).not.toContain("secret-object")
      const invalidDate = yield* failure(sql`SELECT ${new Date(Number.NaN)} AS x`)
      expect(invalidDate.error.message).toBe("SqliteClient: parameter 1 is an invalid Date")
    })
  )

  it.effect("runs migrations once, records them, and dumps the schema", () =>
    Effect.gen(function* () {
      const { sql, dir } = yield* fileClient()
      const schemaDirectory = join(dir, "schema")
      let runs = 0
      const migrations = {
        "1_create": Effect.gen(function* () {
          runs++
          const sql = yield* SqlClient.SqlClient
          yield* sql`CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT NOT NULL)`
        }),
        "2_seed": Effect.gen(function* () {
          runs++
          const sql = yield* SqlClient.SqlClient
          yield* sql`INSERT INTO note (body) VALUES ('first')`
        })
      }
      const migrate = (loader: typeof migrations) =>
        SqliteMigrator.run({ loader: SqliteMigrator.fromRecord(loader), schemaDirectory }).pipe(
          Effect.provideService(SqlClient.SqlClient, sql)
        )
      expect(yield* migrate(migrations)).toEqual([
        [1, "create"],
        [2, "seed"]
      ])
      expect(yield* migrate(migrations)).toEqual([])
      expect(runs).toBe(2)
      const third = {
        ...migrations,
        "3_more": Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          yield* sql`INSERT INTO note (body) VALUES ('second')`
        })
      }
      expect(yield* migrate(third)).toEqual([[3, "more"]])
      expect(yield* sql`SELECT migration_id, name FROM effect_sql_migrations ORDER BY migration_id`).toEqual([
        { migration_id: 1, name: "create" },
        { migration_id: 2, name: "seed" },
        { migration_id: 3, name: "more" }
      ])
      expect(yield* sql`SELECT body FROM note ORDER BY id`).toEqual([{ body: "first" }, { body: "second" }])
      const dump = join(schemaDirectory, "_schema.sql")
      expect(existsSync(dump)).toBe(true)
      const text = readFileSync(dump, "utf8")
      expect(text).toContain("CREATE TABLE note")
      expect(text).toContain(`VALUES (3, 'more');`)
    })
  )

  it.effect("a failing migration is not recorded and leaves no trace", () =>
    Effect.gen(function* () {
      const sql = yield* memoryClient()
      const result = yield* SqliteMigrator.run({
        loader: SqliteMigrator.fromRecord({
          "1_ok": Effect.gen(function* () {
            const sql = yield* SqlClient.SqlClient
            yield* sql`CREATE TABLE a (id INTEGER)`
          }),
          "2_bad": Effect.gen(function* () {
            const sql = yield* SqlClient.SqlClient
            yield* sql`CREATE TABLE broken (`
          })
        })
      }).pipe(Effect.provideService(SqlClient.SqlClient, sql), Effect.flip)
      expect(result).toMatchObject({ _tag: "MigrationError", kind: "Failed" })
      expect(yield* sql`SELECT count(*) AS c FROM effect_sql_migrations`).toEqual([{ c: 0 }])
      expect(yield* sql`SELECT name FROM sqlite_schema WHERE name = 'a'`).toEqual([])
    })
  )

  it.effect("streams every row in order, and an abandoned stream releases its read snapshot", () =>
    Effect.gen(function* () {
      const { sql, filename } = yield* fileClient()
      yield* sql`CREATE TABLE n (i INTEGER PRIMARY KEY)`
      yield* sql.withTransaction(
        Effect.forEach(
          Array.from({ length: 10 }),
          (_, chunk) =>
            sql`INSERT INTO n ${sql.insert(
              Array.from({ length: 100 }, (_, j) => ({ i: chunk * 100 + j + 1 })) as [
                { i: number },
                ...Array<{ i: number }>
              ]
            )}`
        )
      )
      const rows = yield* Stream.runCollect(sql<{ i: number }>`SELECT i FROM n ORDER BY i`.stream)
      expect(rows.length).toBe(1000)
      expect(rows.map((row) => row.i)).toEqual(Array.from({ length: 1000 }, (_, k) => k + 1))

      const firstFive = yield* Stream.runCollect(Stream.take(sql<{ i: number }>`SELECT i FROM n ORDER BY i`.stream, 5))
      expect(firstFive).toEqual([{ i: 1 }, { i: 2 }, { i: 3 }, { i: 4 }, { i: 5 }])
      // the abandoned stream let go of the connection ...
      yield* sql.withTransaction(sql`DELETE FROM n WHERE i > 10`)
      expect(yield* sql`SELECT count(*) AS c FROM n`).toEqual([{ c: 10 }])
      // ... and of its statement: no read snapshot is left to block a full checkpoint
      const other = yield* client({ filename, busyTimeout: 100 })
      expect(yield* other`PRAGMA wal_checkpoint(TRUNCATE)`).toEqual([{ busy: 0, log: 0, checkpointed: 0 }])
    })
  )

  it.effect("transforms query and result names", () =>
    Effect.gen(function* () {
      const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
      const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())
      const sql = yield* memoryClient({ transformQueryNames: snake, transformResultNames: camel })
      yield* sql`CREATE TABLE ${sql("personCard")} (${sql("cardId")} INTEGER, ${sql("displayName")} TEXT)`
      yield* sql`INSERT INTO ${sql("personCard")} ${sql.insert({ cardId: 1, displayName: "x" })}`
      expect(yield* sql`SELECT * FROM person_card`).toEqual([{ cardId: 1, displayName: "x" }])
      expect(yield* sql`SELECT * FROM person_card`.withoutTransform).toEqual([{ card_id: 1, display_name: "x" }])
    })
  )

  it.effect("builds from Config, and a read-only client reads but cannot write", () =>
    Effect.gen(function* () {
      const { sql, filename } = yield* fileClient()
      yield* sql`CREATE TABLE t (n INTEGER)`
      yield* sql`INSERT INTO t (n) VALUES (7)`
      const context = yield* Layer.build(
        SqliteClient.layerConfig({
          filename: Config.succeed(filename),
          readonly: Config.succeed(true),
          busyTimeout: Config.succeed(250)
        })
      )
      const readonly = Context.get(context, SqliteClient.SqliteClient)
      expect(readonly.config).toMatchObject({ filename, readonly: true, busyTimeout: 250 })
      expect(yield* readonly`PRAGMA busy_timeout`).toEqual([{ timeout: 250 }])
      // read-only transactions start with a plain BEGIN
      expect(yield* readonly.withTransaction(readonly`SELECT n FROM t`)).toEqual([{ n: 7 }])
      const { error } = yield* failure(readonly`INSERT INTO t (n) VALUES (8)`)
      expect(sqliteCause(error).code).toMatch(/^SQLITE_READONLY/)
    })
  )

  it.live("backs the database up to another file that a new client can open", () =>
    Effect.gen(function* () {
      const { sql, dir } = yield* fileClient()
      yield* sql`CREATE TABLE t (n INTEGER)`
      yield* sql`INSERT INTO t ${sql.insert([{ n: 1 }, { n: 2 }])}`
      const destination = join(dir, "copy.db")
      const pages = yield* sql.backup(destination)
      expect(pages).toBeGreaterThan(0)
      const copy = yield* client({ filename: destination })
      expect(yield* copy`SELECT n FROM t ORDER BY n`).toEqual([{ n: 1 }, { n: 2 }])
      // inside a transaction it fails instead of waiting for the connection the transaction holds
      const inTransaction = yield* failure(sql.withTransaction(sql.backup(join(dir, "copy2.db"))))
      expect(inTransaction.error.message).toBe("SqliteClient: backup cannot run inside a transaction")
      const { error } = yield* failure(sql.backup(join(dir, "missing-dir", "copy.db")))
      expect(error.reason._tag).toBe("ConnectionError")
    })
  )

  it.effect("closes the database when the layer's scope closes", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(SqliteClient.layer({ filename: ":memory:" }), scope)
      const sql = Context.get(context, SqlClient.SqlClient)
      expect(yield* sql`SELECT 1 AS one`).toEqual([{ one: 1 }])
      yield* Scope.close(scope, Exit.void)
      const { error } = yield* failure(sql`SELECT 1 AS one`)
      expect(error.reason._tag).toBe("ConnectionError")
      expect(sqliteCause(error).code).toBe("ERR_INVALID_STATE")
    })
  )

  it.effect("fails to open a missing read-only database with a ConnectionError", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const exit = yield* Effect.exit(client({ filename: join(dir, "missing.db"), readonly: true }))
      expect(Exit.isFailure(exit)).toBe(true)
      if (Exit.isFailure(exit)) {
        const error = Cause.squash(exit.cause)
        expect(isSqlError(error) && error.reason._tag).toBe("ConnectionError")
      }
    })
  )
})
