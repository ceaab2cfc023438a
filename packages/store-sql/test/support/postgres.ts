/**
 * Vitest global setup: a real PostgreSQL for the PostgreSQL suites, from
 * `@lahete/testing/postgres` (`PostgresTest.setup`): `DATABASE_URL` when set,
 * else a throwaway cluster for the run; with neither, the PostgreSQL suites
 * are skipped with a warning, except under `CI=true`, where the run fails.
 * The suites read the URL with `inject("databaseUrl")` (see `layers.ts`).
 */
import { PostgresTest } from "@lahete/testing/postgres"

export default PostgresTest.setup
