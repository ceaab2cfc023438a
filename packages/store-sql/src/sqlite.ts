/**
 * `@lahete/store-sql/sqlite`: the referral service on SQLite in one layer
 * (needs `@effect/sql-sqlite-node`).
 *
 * @since 0.2.0
 */

/**
 * lahete's SQLite client over `node:sqlite` (`@effect/sql-sqlite-node`'s,
 * plus the store's synchronous append batch).
 *
 * @since 0.3.0
 */
export * as NodeSqlite from "./NodeSqlite.js"
/**
 * The service and its ports on one SQLite file, with the client.
 *
 * @since 0.2.0
 */
export * as SqliteReferralStack from "./SqliteReferralStack.js"
