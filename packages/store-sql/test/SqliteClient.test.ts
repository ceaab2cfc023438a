/**
 * What store-sql relies on from a SQLite client over `node:sqlite`, checked
 * on `@effect/sql-sqlite-node`'s (the official one) and on lahete's own
 * (`NodeSqlite`, which follows it): WAL on a file database, a busy timeout instead
 * of an immediate `SQLITE_BUSY`, transactions that take the write lock when
 * they begin (`BEGIN IMMEDIATE`, so a read-then-write transaction never fails
 * to upgrade its lock), and a unique violation reported as
 * `SqlError { reason: UniqueViolation }`, the reason the store's failures
 * name (`database error (UniqueViolation)`). If an upgrade of the client
 * changes one of these, this file fails before the store's suites do.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { NodeSqlite } from "@lahete/store-sql/sqlite"
import { Duration, Effect, Exit, type Scope } from "effect"
import * as Reactivity from "effect/reactivity/Reactivity"
import type { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"

const dir = mkdtempSync(join(tmpdir(), "lahete-sqlite-client-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let files = 0
const newFile = () => join(dir, `db-${files++}.db`)

const clients = [
  ["@effect/sql-sqlite-node", SqliteClient.make],
  ["NodeSqlite", NodeSqlite.make]
] as const

for (const [clientName, make] of clients) {
  /** Runs `body` with clients opened by `open`, closed when it ends. */
  const withClients = <A, E>(
    body: (
      open: (config: SqliteClient.SqliteClientConfig) => Effect.Effect<SqlClient.SqlClient, SqlError, Scope.Scope>
    ) => Effect.Effect<A, E, Scope.Scope>
  ) =>
    Effect.gen(function* () {
      const reactivity = yield* Reactivity.Reactivity
      return yield* body((config) => make(config).pipe(Effect.provideService(Reactivity.Reactivity, reactivity)))
    }).pipe(Effect.scoped, Effect.provide(Reactivity.layer))

  describe(`${clientName} as store-sql uses it`, () => {
    it.effect("turns WAL on for a file database and sets the busy timeout", () =>
      withClients((open) =>
        Effect.gen(function* () {
          const sql = yield* open({ filename: newFile(), busyTimeout: Duration.millis(1234) })
          const [mode] = yield* sql<{ journal_mode: string }>`PRAGMA journal_mode`
          const [timeout] = yield* sql<{ timeout: number }>`PRAGMA busy_timeout`
          expect(mode?.journal_mode).toBe("wal")
          expect(timeout?.timeout).toBe(1234)
          const defaults = yield* open({ filename: newFile() })
          const [defaultTimeout] = yield* defaults<{ timeout: number }>`PRAGMA busy_timeout`
          expect(defaultTimeout?.timeout).toBe(5000)
        })
      )
    )

    it.effect("a transaction takes the write lock when it begins (BEGIN IMMEDIATE)", () =>
      withClients((open) =>
        Effect.gen(function* () {
          const filename = newFile()
          const first = yield* open({ filename })
          const second = yield* open({ filename, busyTimeout: Duration.millis(50) })
          yield* first`CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)`
          yield* first`INSERT INTO t (id, n) VALUES (1, 0)`
          // a transaction that has only read still holds the write lock: another
          // connection's write waits for the busy timeout and then fails as a lock timeout
          const blocked = yield* first.withTransaction(
            Effect.gen(function* () {
              yield* first`SELECT n FROM t WHERE id = 1`
              return yield* Effect.exit(second`UPDATE t SET n = n + 1 WHERE id = 1`)
            })
          )
          expect(Exit.isFailure(blocked)).toBe(true)
          if (Exit.isFailure(blocked)) {
            expect(JSON.stringify(blocked.cause)).toContain("LockTimeoutError")
          }
          // with the lock released, the same write goes through
          yield* second`UPDATE t SET n = n + 1 WHERE id = 1`
          const [row] = yield* first<{ n: number }>`SELECT n FROM t WHERE id = 1`
          expect(row?.n).toBe(1)
        })
      )
    )

    it.effect("concurrent read-then-write transactions on one client all commit", () =>
      withClients((open) =>
        Effect.gen(function* () {
          const sql = yield* open({ filename: newFile() })
          yield* sql`CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)`
          yield* sql`INSERT INTO counter (id, n) VALUES (1, 0)`
          const increment = sql.withTransaction(
            Effect.gen(function* () {
              const [row] = yield* sql<{ n: number }>`SELECT n FROM counter WHERE id = 1`
              yield* Effect.yieldNow
              yield* sql`UPDATE counter SET n = ${(row?.n ?? 0) + 1} WHERE id = 1`
            })
          )
          yield* Effect.all(
            Array.from({ length: 30 }, () => increment),
            { concurrency: "unbounded" }
          )
          const [row] = yield* sql<{ n: number }>`SELECT n FROM counter WHERE id = 1`
          expect(row?.n).toBe(30)
        })
      )
    )

    it.effect("a unique violation is a SqlError whose reason is UniqueViolation, without the bound values", () =>
      withClients((open) =>
        Effect.gen(function* () {
          const sql = yield* open({ filename: newFile() })
          yield* sql`CREATE TABLE idempotency_keys (seq INTEGER PRIMARY KEY, idempotency_key TEXT NOT NULL UNIQUE)`
          yield* sql`INSERT INTO idempotency_keys (seq, idempotency_key) VALUES (1, ${"secret-key-1"})`
          const unique = yield* Effect.flip(
            sql`INSERT INTO idempotency_keys (seq, idempotency_key) VALUES (2, ${"secret-key-1"})`
          )
          expect(unique._tag).toBe("SqlError")
          expect(unique.reason._tag).toBe("UniqueViolation")
          expect(unique.message).not.toContain("secret-key-1")
          // unlike PostgreSQL (and lahete's former client), a PRIMARY KEY conflict is a
          // ConstraintError on SQLite; no store code branches on either (it uses ON CONFLICT),
          // the store's failures only name the reason
          const primaryKey = yield* Effect.flip(
            sql`INSERT INTO idempotency_keys (seq, idempotency_key) VALUES (1, ${"secret-key-2"})`
          )
          expect(primaryKey.reason._tag).toBe("ConstraintError")
          expect(primaryKey.message).not.toContain("secret-key-2")
        })
      )
    )

    it.effect("a failed transaction is rolled back and the client stays usable", () =>
      withClients((open) =>
        Effect.gen(function* () {
          const sql = yield* open({ filename: newFile() })
          yield* sql`CREATE TABLE t (id INTEGER PRIMARY KEY)`
          const failed = yield* Effect.exit(
            sql.withTransaction(
              Effect.gen(function* () {
                yield* sql`INSERT INTO t (id) VALUES (1)`
                yield* sql`INSERT INTO t (id) VALUES (1)`
              })
            )
          )
          expect(Exit.isFailure(failed)).toBe(true)
          const rows = yield* sql<{ id: number }>`SELECT id FROM t`
          expect(rows).toEqual([])
          yield* sql`INSERT INTO t (id) VALUES (2)`
          expect(yield* sql<{ id: number }>`SELECT id FROM t`).toEqual([{ id: 2 }])
        })
      )
    )
  })
}
