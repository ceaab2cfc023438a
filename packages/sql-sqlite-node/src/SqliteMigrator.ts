/**
 * Migrations for `SqliteClient`: effect's `Migrator` with its loaders
 * (`fromRecord`, `fromGlob`, `fromBabelGlob`), applied migrations recorded in a
 * table (`effect_sql_migrations` unless `table` says otherwise), all pending
 * migrations in one `BEGIN IMMEDIATE` transaction. With `schemaDirectory`, the
 * schema and the applied migrations are written to `<dir>/_schema.sql` after a
 * run that applied any.
 *
 * @since 0.1.0
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { dirname } from "node:path"
import { Effect, Layer } from "effect"
import * as Migrator from "effect/sql/Migrator"
import * as Client from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"

/**
 * The loaders, `MigrationError` and option types of effect's `Migrator`.
 *
 * @since 0.1.0
 * @category re-exports
 */
export * from "effect/sql/Migrator"

const quoteText = (value: string): string => `'${value.replaceAll("'", "''")}'`

const dumpSchema = (path: string, table: string): Effect.Effect<void, Migrator.MigrationError, Client.SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* Client.SqlClient
    const objects = yield* sql<{ readonly sql: string }>`SELECT sql FROM sqlite_schema
      WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY rowid`.withoutTransform
    const migrations = yield* sql<{ readonly migration_id: number; readonly name: string }>`SELECT migration_id, name
      FROM ${sql(table)} ORDER BY migration_id`.withoutTransform
    const tableName = sql`${sql(table)}`.compile(true)[0]
    const text = [
      ...objects.map((row) => `${row.sql};`),
      ...migrations.map(
        (row) => `INSERT INTO ${tableName} (migration_id, name) VALUES (${row.migration_id}, ${quoteText(row.name)});`
      )
    ].join("\n\n")
    yield* Effect.try({
      try: () => {
        mkdirSync(dirname(path), { recursive: true })
        writeFileSync(path, `${text}\n`)
      },
      catch: (cause) =>
        new Migrator.MigrationError({ kind: "Failed", message: "Could not write the schema dump", cause })
    })
  }).pipe(
    Effect.catchTag("SqlError", (error) =>
      Effect.fail(new Migrator.MigrationError({ kind: "Failed", message: "Could not read the schema", cause: error }))
    )
  )

/**
 * Runs the pending migrations with the current `SqlClient` and returns the ids
 * and names of those it applied (none when another run got there first).
 *
 * @since 0.1.0
 * @category running
 */
export const run: <R = never>(
  options: Migrator.MigratorOptions<R>
) => Effect.Effect<
  ReadonlyArray<readonly [id: number, name: string]>,
  Migrator.MigrationError | SqlError,
  Client.SqlClient | R
> = Migrator.make({ dumpSchema })

/**
 * A layer that runs the pending migrations when it is built.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <R = never>(
  options: Migrator.MigratorOptions<R>
): Layer.Layer<never, Migrator.MigrationError | SqlError, Client.SqlClient | R> => Layer.effectDiscard(run(options))
