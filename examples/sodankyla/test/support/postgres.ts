/**
 * Vitest global setup: a real PostgreSQL for the walk (`PostgresTest.setup`
 * of `@lahete/testing/postgres`): `DATABASE_URL` when set, else a throwaway
 * cluster for the run. Without either the walk is skipped with a warning,
 * except under `CI=true`, where the run fails.
 */
import { PostgresTest } from "@lahete/testing/postgres"

export default PostgresTest.setup
