/**
 * @lahete/sql-sqlite-node: an effect/sql `SqlClient` over Node's built-in
 * `node:sqlite`.
 *
 * @since 0.1.0
 */

/**
 * The client: `make`, `layer`, `layerConfig`, the SQLite compiler and errors.
 *
 * @since 0.1.0
 */
export * as SqliteClient from "./SqliteClient.js"
/**
 * Migrations with effect's `Migrator`.
 *
 * @since 0.1.0
 */
export * as SqliteMigrator from "./SqliteMigrator.js"
