/**
 * The test projects: every package and every example. Vitest 5 does not read
 * this file by itself; `vitest.config.ts` imports it as `test.projects`, so the
 * root `pnpm test` and a plain `vitest` both run every project.
 */
export default ["packages/*/vitest.config.ts", "examples/*/vitest.config.ts"]
