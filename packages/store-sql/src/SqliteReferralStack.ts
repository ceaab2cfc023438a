/**
 * The referral service on SQLite in one layer: `@effect/sql-sqlite-node`'s
 * client (Node's built-in `node:sqlite`; WAL, `BEGIN IMMEDIATE`, a busy
 * timeout) on one file, and `SqlReferralStack.layer` over it. Import it from
 * `@lahete/store-sql/sqlite`; it needs `@effect/sql-sqlite-node` installed.
 *
 * @example
 * ```ts
 * import { ReferralService } from "@lahete/core"
 * import { SqliteReferralStack } from "@lahete/store-sql/sqlite"
 * import { Effect } from "effect"
 *
 * const Live = SqliteReferralStack.layer({ filename: "lahete.db" })
 * const program = Effect.flatMap(ReferralService.ReferralService.asEffect(), (service) =>
 *   service.executeUnknown({ _tag: "SubmitReferral" })
 * ).pipe(Effect.provide(Live))
 * ```
 *
 * @since 0.2.0
 */
import type { SqliteClient } from "@effect/sql-sqlite-node"
import { Layer } from "effect"
import type { SqlClient } from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import * as NodeSqlite from "./NodeSqlite.js"
import * as SqlReferralStack from "./SqlReferralStack.js"

/**
 * The stack's options and the client's (`filename`, `busyTimeout`, …, see
 * `SqliteClient.SqliteClientConfig`).
 *
 * @since 0.2.0
 * @category models
 */
export interface Config extends SqlReferralStack.Options, SqliteClient.SqliteClientConfig {}

/**
 * The service and its ports on the SQLite file `filename`, with the client
 * (as `SqlClient` and as `SqliteClient`, for `backup`). The database is
 * closed when the layer's scope closes. Build it once per process and file.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (
  config: Config
): Layer.Layer<
  SqlReferralStack.Services | SqliteClient.SqliteClient | SqlClient,
  SqlReferralStack.StartError | SqlError
> => {
  const { catalog: _c, linkWorkers: _l, conflictRetries: _r, fingerprintSecret: _f, ...client } = config
  return SqlReferralStack.layer(config).pipe(Layer.provideMerge(NodeSqlite.layer(client)))
}
