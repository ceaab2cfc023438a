/**
 * Shared settings for every test project: workspace packages resolve to their
 * TypeScript sources through the `@lahete/source` export condition, so tests
 * never need a build first.
 */
import { fileURLToPath } from "node:url"
import { defineProject, type ViteUserConfig } from "vitest/config"

/**
 * Where the tests capture every staff email they send (`StaffMailAudit` in
 * @lahete/testing); the staff-mail audit project reads it after every other
 * project. `pnpm test` empties it first (scripts/clean-test-output.mjs).
 */
export const staffMailDirectory = fileURLToPath(new URL("./.vitest/staff-mail", import.meta.url))

const conditions = ["@lahete/source", "module", "node", "development|production"]

export const project = (name: string, extra: ViteUserConfig["test"] = {}) =>
  defineProject({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ["@lahete/source"] } },
    // global setups (e.g. `@lahete/testing/postgres`) run in vitest's own environment: the same condition there
    environments: { __vitest__: { resolve: { conditions, externalConditions: ["@lahete/source"] } } },
    test: {
      name,
      include: ["test/**/*.test.ts"],
      // property tests run hundreds of cases: on a shared 2-core machine under load, 5 s is too tight
      testTimeout: 30_000,
      ...extra,
      env: { LAHETE_STAFF_MAIL_DIR: staffMailDirectory, ...extra.env }
    }
  })
