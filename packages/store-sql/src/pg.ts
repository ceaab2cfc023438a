/**
 * `@lahete/store-sql/pg`: the referral service on PostgreSQL in one layer
 * (needs `@effect/sql-pg`).
 *
 * @since 0.2.0
 */

/**
 * The service and its ports on PostgreSQL, with the connection pool.
 *
 * @since 0.2.0
 */
export * as PgReferralStack from "./PgReferralStack.js"
