/**
 * The build every published package shares: ESM for Node 24 with .d.ts. The
 * declaration build reads workspace packages from their sources (the
 * `@lahete/source` condition of tsconfig.base.json), so packages build in any
 * order.
 */
import { defineConfig } from "tsup"

export const packageBuild = (entry: ReadonlyArray<string> = ["src/index.ts"]) =>
  defineConfig({
    entry: [...entry],
    format: ["esm"],
    target: "node24",
    platform: "node",
    dts: { compilerOptions: { composite: false, incremental: false } },
    sourcemap: true,
    clean: true,
    treeshake: true,
    splitting: false,
    // keep `node:` specifiers: `node:sqlite` exists only with its prefix
    removeNodeProtocol: false
  })
