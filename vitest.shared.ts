/**
 * Shared settings for every test project: workspace packages resolve to their
 * TypeScript sources through the `@lahete/source` export condition, so tests
 * never need a build first.
 */
import { defineProject, type ViteUserConfig } from "vitest/config"

const conditions = ["@lahete/source", "module", "node", "development|production"]

export const project = (name: string, extra: ViteUserConfig["test"] = {}) =>
  defineProject({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ["@lahete/source"] } },
    test: {
      name,
      include: ["test/**/*.test.ts"],
      ...extra
    }
  })
