/**
 * `@lahete/store-sql`: lahete's `ReferralStore`, `AuditLog` and
 * `LinkWorkerRegistry` over `effect/sql`, on SQLite and PostgreSQL.
 *
 * @since 0.1.0
 */

/**
 * The schema's numbered migrations.
 *
 * @since 0.1.0
 */
export * as Migrations from "./Migrations.js"

/**
 * The `AuditLog` over SQL.
 *
 * @since 0.1.0
 */
export * as SqlAuditLog from "./SqlAuditLog.js"
/**
 * The community directory over SQL: every version, pages of current entries.
 *
 * @since 0.3.0
 */
export * as SqlDirectoryStore from "./SqlDirectoryStore.js"
/**
 * The outbox dispatcher: sends due messages, never in quiet hours, never
 * after withdrawal or erasure.
 *
 * @since 0.1.0
 */
export * as SqlDispatcher from "./SqlDispatcher.js"
/**
 * The `LinkWorkerRegistry` over SQL: the link workers kept in the database,
 * optionally seeded with entries that are not there yet.
 *
 * @since 0.1.0
 */
export * as SqlLinkWorkerRegistry from "./SqlLinkWorkerRegistry.js"
/**
 * The link workers' survey answers in the database: anonymous answers and,
 * apart from them, who has answered a round.
 *
 * @since 0.3.0
 */
export * as SqlLinkWorkerSurveyAnswers from "./SqlLinkWorkerSurveyAnswers.js"
/**
 * The transactional outbox.
 *
 * @since 0.1.0
 */
export * as SqlOutbox from "./SqlOutbox.js"

/**
 * The referral projection: rows to search by, rebuildable from the log.
 *
 * @since 0.1.0
 */
export * as SqlProjections from "./SqlProjections.js"
/**
 * The `ReferralIndex` over SQL: the read side, by index and a page at a time.
 *
 * @since 0.2.0
 */
export * as SqlReferralIndex from "./SqlReferralIndex.js"
/**
 * One layer for the whole referral service over the `SqlClient` in the
 * context: store, audit log, link-worker registry, programme catalog and
 * `ReferralService` (with the client too: `@lahete/store-sql/sqlite`,
 * `@lahete/store-sql/pg`).
 *
 * @since 0.2.0
 */
export * as SqlReferralStack from "./SqlReferralStack.js"
/**
 * The `ReferralStore` over SQL.
 *
 * @since 0.1.0
 */
export * as SqlReferralStore from "./SqlReferralStore.js"
/**
 * The replay guard of the transports' bearer tokens in the database (each
 * token accepted once, by every instance, over restarts).
 *
 * @since 0.2.0
 */
export * as SqlTokenReplay from "./SqlTokenReplay.js"
/**
 * Erasure that reaches the bytes: SQLite's `secure_delete` and WAL
 * truncation, and the maintenance step that rewrites the vault table.
 *
 * @since 0.2.0
 */
export * as SqlVault from "./SqlVault.js"
