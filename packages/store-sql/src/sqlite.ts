/**
 * `@lahete/store-sql/sqlite`: the referral service on SQLite in one layer
 * (needs `@effect/sql-sqlite-node`).
 *
 * @since 0.2.0
 */

/**
 * The service and its ports on one SQLite file, with the client.
 *
 * @since 0.2.0
 */
export * as SqliteReferralStack from "./SqliteReferralStack.js"
