/**
 * The referral service on PostgreSQL in one layer: `@effect/sql-pg`'s
 * client (a connection pool) and `SqlReferralStack.layer` over it. Import it
 * from `@lahete/store-sql/pg`; it needs `@effect/sql-pg` installed.
 *
 * @example
 * ```ts
 * import { PgReferralStack } from "@lahete/store-sql/pg"
 * import { Redacted } from "effect"
 *
 * const Live = PgReferralStack.layer({ url: Redacted.make("postgres://lahete@db/lahete"), maxConnections: 10 })
 * ```
 *
 * @since 0.2.0
 */
import { PgClient } from "@effect/sql-pg"
import { Layer } from "effect"
import type { SqlClient } from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import * as SqlReferralStack from "./SqlReferralStack.js"

/**
 * The stack's options and the pool's (`url` or `host`/`database`/…,
 * `maxConnections`, …, see `PgClient.PgPoolConfig`).
 *
 * @since 0.2.0
 * @category models
 */
export interface Config extends SqlReferralStack.Options, PgClient.PgPoolConfig {}

/**
 * The service and its ports on the PostgreSQL database the pool connects
 * to, with the client (as `SqlClient` and as `PgClient`). The pool is closed
 * when the layer's scope closes.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (
  config: Config
): Layer.Layer<SqlReferralStack.Services | PgClient.PgClient | SqlClient, SqlReferralStack.StartError | SqlError> => {
  const { catalog: _c, linkWorkers: _l, conflictRetries: _r, fingerprintSecret: _f, ...client } = config
  return SqlReferralStack.layer(config).pipe(Layer.provideMerge(PgClient.layer(client)))
}
