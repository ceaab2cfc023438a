/**
 * @lahete/testing/postgres: a real PostgreSQL for tests (a throwaway cluster
 * and the vitest global setup). A subpath of its own, as it runs processes.
 *
 * @since 0.1.0
 */

/**
 * The throwaway PostgreSQL cluster and the vitest global setup that provides
 * `databaseUrl`.
 *
 * @since 0.1.0
 */
export * as PostgresTest from "./PostgresTest.js"
