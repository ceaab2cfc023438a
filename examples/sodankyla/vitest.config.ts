import { project } from "../../vitest.shared.ts"

export default project("@lahete/example-sodankyla", {
  // a real PostgreSQL for the walk (`@lahete/testing/postgres`)
  globalSetup: ["./test/support/postgres.ts"],
  testTimeout: 300_000,
  hookTimeout: 60_000
})
