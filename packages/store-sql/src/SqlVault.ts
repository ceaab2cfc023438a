/**
 * Erasure that reaches the bytes: what makes the personal-data vault's
 * deleted values unrecoverable from the database files (domain
 * specification §8). Only the vault table (`subjects`) ever holds personal
 * values (see docs/storage.md, "What the tables hold"), so this is about it.
 *
 * **SQLite.** A deleted row's bytes stay in the page's free space and in
 * free pages until reused, and every page version a transaction wrote stays
 * in the WAL until the WAL is overwritten. So:
 *
 * - `secureDelete` turns `PRAGMA secure_delete = ON` on for the connection:
 *   SQLite then overwrites deleted content (and freed pages) with zeros.
 *   `SqlReferralStore` runs it when the store layer is built and again at
 *   the start of every transaction that writes to the vault, through the
 *   `SqlClient`: the setting belongs to a connection, and this way it holds
 *   on whichever connection the client gives the vault's writes, whatever
 *   SQLite client is used.
 * - `truncateWal` runs `PRAGMA wal_checkpoint(TRUNCATE)`: every page in the
 *   WAL is copied into the main file (the zeroed pages over the old ones) and
 *   the WAL is cut to zero bytes. `SqlReferralStore` runs it after every
 *   append that erased something has committed (`SqlClient.afterCommit`);
 *   `purge` runs it again, for the case where a reader in another process
 *   held the WAL at that moment.
 *
 * **PostgreSQL.** A deleted or updated row stays in the table's pages as a
 * dead tuple until vacuumed, and even a plain `VACUUM` only marks the space
 * free. `purge` rewrites the vault table with `VACUUM (FULL) subjects`: a new
 * file for the table, its TOAST table and its index, the old files removed.
 * Run it on a schedule (the worker of `@lahete/server` does, see
 * `purgeIntervalMs` there): the erased values leave the data files within
 * one interval. The WAL is not covered (its segments hold the row as written
 * until recycled and overwritten, and archived WAL as long as it is kept);
 * see docs/storage.md.
 *
 * @since 0.2.0
 */
import { ReferralStore } from "@lahete/core"
import { Effect, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { rows, secureDeleteOff, storeFailure } from "./internal/sql.js"

const SecureDeleteRow = Schema.Struct({ secure_delete: Schema.Number })
const CheckpointRow = Schema.Struct({ busy: Schema.Number, log: Schema.Number, checkpointed: Schema.Number })
const FilenodeRow = Schema.Struct({ node: Schema.String })

const isSqlite = (sql: SqlClient.SqlClient) => sql.onDialectOrElse({ sqlite: () => true, orElse: () => false })

/**
 * SQLite: turns `secure_delete` on for the connection the statement runs on
 * (inside a transaction: the transaction's) and checks that it is on.
 * Nothing on other databases.
 *
 * @since 0.2.0
 * @category sqlite
 */
export const secureDelete = (
  sql: SqlClient.SqlClient,
  operation: string
): Effect.Effect<void, ReferralStore.StoreFailure> =>
  isSqlite(sql)
    ? Effect.gen(function* () {
        const found = yield* sql`PRAGMA secure_delete = ON`.pipe(
          Effect.mapError((e) => storeFailure(operation, e)),
          Effect.flatMap(rows(SecureDeleteRow, operation, "pragma secure_delete"))
        )
        if (found[0]?.secure_delete !== 1) {
          return yield* secureDeleteOff(operation)
        }
      })
    : Effect.void

/**
 * SQLite: copies the WAL into the main file and truncates it to zero bytes
 * (`PRAGMA wal_checkpoint(TRUNCATE)`). Fails when another connection (a
 * reader in another process) keeps the checkpoint from completing; nothing
 * on other databases or outside WAL mode. Must run outside a transaction.
 *
 * @since 0.2.0
 * @category sqlite
 */
export const truncateWal = (
  sql: SqlClient.SqlClient,
  operation: string
): Effect.Effect<void, ReferralStore.StoreFailure> =>
  isSqlite(sql)
    ? Effect.gen(function* () {
        const found = yield* sql`PRAGMA wal_checkpoint(TRUNCATE)`.pipe(
          Effect.mapError((e) => storeFailure(operation, e)),
          Effect.flatMap(rows(CheckpointRow, operation, "pragma wal_checkpoint"))
        )
        if ((found[0]?.busy ?? 0) !== 0) {
          return yield* new ReferralStore.StoreFailure({
            operation,
            detail: "the WAL could not be truncated: another connection holds it (try again)"
          })
        }
      })
    : Effect.void

/**
 * The maintenance step: makes the values erased (and replaced) so far
 * unrecoverable from the database's files.
 *
 * - SQLite: `truncateWal` (the vault's deleted content is already zeroed by
 *   `secure_delete`).
 * - PostgreSQL: `VACUUM (FULL) subjects`, which rewrites the vault table,
 *   its TOAST table and its index into new files and removes the old ones.
 *   It holds an `ACCESS EXCLUSIVE` lock on `subjects` while it runs (the
 *   table has one row per client: about 0.1 s for 10,000 clients on a small
 *   machine), so vault reads and writes wait meanwhile. It needs the role that owns the
 *   table (PostgreSQL 17: or the `MAINTAIN` privilege); when PostgreSQL
 *   skips the table (it only warns), `purge` notices that the table was not
 *   rewritten and fails with `StoreFailure` (operation `purge`).
 *
 * Run it outside a transaction.
 *
 * @since 0.2.0
 * @category maintenance
 */
export const purge: Effect.Effect<void, ReferralStore.StoreFailure, SqlClient.SqlClient> = Effect.gen(function* () {
  const sql = (yield* SqlClient.SqlClient).withoutTransforms()
  if (isSqlite(sql)) return yield* truncateWal(sql, "purge")
  const isPg = sql.onDialectOrElse({ pg: () => true, orElse: () => false })
  if (!isPg) return
  const filenode = sql`SELECT pg_relation_filenode('subjects')::text AS node`.pipe(
    Effect.mapError((e) => storeFailure("purge", e)),
    Effect.flatMap(rows(FilenodeRow, "purge", "subjects")),
    Effect.map((found) => found[0]?.node)
  )
  const before = yield* filenode
  yield* Effect.mapError(sql.unsafe("VACUUM (FULL) subjects"), (e) => storeFailure("purge", e))
  if ((yield* filenode) === before) {
    return yield* new ReferralStore.StoreFailure({
      operation: "purge",
      detail: "VACUUM FULL did not rewrite the vault table subjects (the role must own it)"
    })
  }
})
