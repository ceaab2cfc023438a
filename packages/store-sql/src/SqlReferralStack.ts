/**
 * One layer for the whole referral service on a SQL database: everything
 * `ReferralService` and `ReferralQueries` need, over the `SqlClient` in the
 * context. It is the composition every application writes otherwise: the
 * store (`SqlReferralStore`), the audit log (`SqlAuditLog`), the link-worker
 * registry (`SqlLinkWorkerRegistry`, seeded with `linkWorkers`), the link
 * workers' survey answers (`SqlLinkWorkerSurveyAnswers`), the programme
 * catalog (default: the presets) and `ReferralService` over them,
 * all of them provided so that queries, the scheduler and the worker can use
 * them too. Each part runs the pending migrations when it is built.
 *
 * With the client as well, in one call: `SqliteReferralStack.layer({ filename })`
 * from `@lahete/store-sql/sqlite`, `PgReferralStack.layer({ url })` from
 * `@lahete/store-sql/pg`. Use this module's `layer` with a client you build
 * yourself (a `PgClient` with your own pool settings, a schema per tenant).
 *
 * @example
 * ```ts
 * import { PgClient } from "@effect/sql-pg"
 * import { SqlReferralStack } from "@lahete/store-sql"
 * import { Config, Layer } from "effect"
 *
 * const Live = SqlReferralStack.layer().pipe(
 *   Layer.provideMerge(PgClient.layerConfig({ url: Config.Redacted("DATABASE_URL") }))
 * )
 * ```
 *
 * @since 0.2.0
 */
import {
  type AuditLog,
  type DirectoryStore,
  type LinkWorker,
  type LinkWorkerRegistry,
  type LinkWorkerSurveyAnswers,
  Presets,
  type Programme,
  type ReferralIndex,
  ReferralService,
  type ReferralStore
} from "@lahete/core"
import { Layer } from "effect"
import type { SqlClient } from "effect/sql/SqlClient"
import * as SqlAuditLog from "./SqlAuditLog.js"
import * as SqlDirectoryStore from "./SqlDirectoryStore.js"
import * as SqlLinkWorkerRegistry from "./SqlLinkWorkerRegistry.js"
import * as SqlLinkWorkerSurveyAnswers from "./SqlLinkWorkerSurveyAnswers.js"
import * as SqlReferralStore from "./SqlReferralStore.js"

/**
 * The stack's settings: the service's own (`conflictRetries`,
 * `fingerprintSecret`), the programmes it runs and the link workers to add
 * to the registry when they are not there yet.
 *
 * @since 0.2.0
 * @category models
 */
export interface Options extends ReferralService.Options {
  /** The programmes this deployment runs (default: the presets, `Presets.catalog`). */
  readonly catalog?: Programme.Catalog
  /**
   * Link workers added to the registry when it has no entry with their id
   * (an entry already there is kept): the registry's seed.
   */
  readonly linkWorkers?: ReadonlyArray<LinkWorker.LinkWorker>
}

/**
 * What the stack provides: the service and every port it and the queries
 * use.
 *
 * @since 0.2.0
 * @category models
 */
export type Services =
  | ReferralService.ReferralService
  | ReferralService.ProgrammeCatalog
  | ReferralStore.ReferralStore
  | ReferralIndex.ReferralIndex
  | AuditLog.AuditLog
  | LinkWorkerRegistry.LinkWorkerRegistry
  | LinkWorkerSurveyAnswers.LinkWorkerSurveyAnswers
  | DirectoryStore.DirectoryStore

/**
 * What can fail while the stack starts (the migrations, the registry's seed).
 *
 * @since 0.2.0
 * @category errors
 */
export type StartError =
  | ReferralStore.StoreFailure
  | AuditLog.AuditLogFailure
  | LinkWorkerRegistry.LinkWorkerRegistryFailure
  | LinkWorkerSurveyAnswers.SurveyAnswersFailure
  | DirectoryStore.DirectoryStoreFailure

/**
 * The ports over the `SqlClient` in the context, and the catalog.
 *
 * @since 0.2.0
 * @category layers
 */
export const ports = (
  options: Options = {}
): Layer.Layer<Exclude<Services, ReferralService.ReferralService>, StartError, SqlClient> =>
  Layer.mergeAll(
    SqlReferralStore.layer,
    SqlAuditLog.layer,
    SqlLinkWorkerRegistry.layerWith({ seed: options.linkWorkers ?? [] }),
    SqlLinkWorkerSurveyAnswers.layer,
    ReferralService.catalogLayer(options.catalog ?? Presets.catalog),
    SqlDirectoryStore.layer
  )

/**
 * `ReferralService` with every port it and the queries need, over the
 * `SqlClient` in the context.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<Services, StartError, SqlClient> =>
  ReferralService.layerWith(serviceOptions(options)).pipe(Layer.provideMerge(ports(options)))

const serviceOptions = (options: Options): ReferralService.Options => ({
  ...(options.conflictRetries === undefined ? {} : { conflictRetries: options.conflictRetries }),
  ...(options.fingerprintSecret === undefined ? {} : { fingerprintSecret: options.fingerprintSecret })
})
