/**
 * Vitest settings for the packages' benchmarks (`scripts/bench-kit/run.mjs`
 * runs vitest with this file in the package's directory). Not a test
 * project: `vitest.workspace.ts` does not list it, so `pnpm test` never runs
 * a benchmark. Workspace packages resolve to their TypeScript sources
 * (`@lahete/source`), as in the tests, so no build is needed first.
 */
import { defineConfig } from "vitest/config"

const conditions = ["@lahete/source", "module", "node", "development|production"]

export default defineConfig({
  root: process.cwd(),
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ["@lahete/source"] } },
  test: {
    name: `${process.env.LAHETE_BENCH_PACKAGE ?? "lahete"} bench`,
    include: ["bench/**/*.bench-run.ts"],
    // the report goes straight to stdout
    disableConsoleIntercept: true,
    fileParallelism: false,
    testTimeout: 900_000,
    hookTimeout: 120_000,
    reporters: ["dot"]
  }
})
