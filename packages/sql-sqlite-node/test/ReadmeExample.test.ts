import { describe, expect, it } from "@effect/vitest"
import { SqliteClient, SqliteMigrator } from "@lahete/sql-sqlite-node"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"

// The README's example, on an in-memory database.
describe("README example", () => {
  it.effect("migrates, inserts with RETURNING, and tells a unique violation apart", () => {
    const Database = SqliteClient.layer({ filename: ":memory:" })

    const Migrations = SqliteMigrator.layer({
      loader: SqliteMigrator.fromRecord({
        "1_notes": Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          yield* sql`CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT NOT NULL, created_at TEXT NOT NULL)`
          yield* sql`CREATE TABLE request (key TEXT PRIMARY KEY)`
        })
      })
    }).pipe(Layer.provide(Database))

    const program = Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const [note] = yield* sql.withTransaction(
        sql`INSERT INTO note ${sql.insert({ body: "hello", created_at: new Date("2026-01-02T03:04:05.000Z") })} RETURNING *`
      )
      const once = (key: string) =>
        sql`INSERT INTO request ${sql.insert({ key })}`.pipe(
          Effect.as("done"),
          Effect.catchIf(
            (error) => error.reason._tag === "UniqueViolation",
            () => Effect.succeed("already done")
          )
        )
      return { note, first: yield* once("k1"), second: yield* once("k1") }
    })

    return Effect.gen(function* () {
      const result = yield* program.pipe(Effect.provide(Layer.merge(Database, Migrations)))
      expect(result).toEqual({
        note: { id: 1, body: "hello", created_at: "2026-01-02T03:04:05.000Z" },
        first: "done",
        second: "already done"
      })
    })
  })
})
