/**
 * Vitest settings for the benchmark only (`bench/run.mjs`). Not a test
 * project: `vitest.workspace.ts` does not list it, so `pnpm test` never runs
 * the benchmark. Workspace packages resolve to their TypeScript sources
 * (`@lahete/source`), as in the tests, so no build is needed first.
 */
import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

const conditions = ["@lahete/source", "module", "node", "development|production"]

export default defineConfig({
  root: fileURLToPath(new URL("..", import.meta.url)),
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ["@lahete/source"] } },
  test: {
    name: "@lahete/store-sql bench",
    include: ["bench/store.bench-run.ts"],
    // the report goes straight to stdout
    disableConsoleIntercept: true,
    fileParallelism: false,
    testTimeout: 900_000,
    hookTimeout: 120_000,
    reporters: ["dot"]
  }
})
