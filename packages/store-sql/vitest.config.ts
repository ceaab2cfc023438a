import { project } from "../../vitest.shared.ts"

export default project("@lahete/store-sql", {
  // a real PostgreSQL for the tests (`@lahete/testing/postgres`)
  globalSetup: ["./test/support/postgres.ts"],
  testTimeout: 60_000,
  hookTimeout: 60_000
})
