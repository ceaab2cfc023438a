#!/usr/bin/env node
/**
 * `pnpm bench` in this package: runs the SQL store's benchmark
 * (`store.bench-run.ts`) through vitest with `bench/vitest.config.ts`, on the
 * Node that runs this script (Node 24 under pnpm).
 *
 *   pnpm bench                 SQLite and PostgreSQL, default counts (about a minute on 2 cores)
 *   pnpm bench --quick         small counts, a few seconds
 *   pnpm bench --only=sqlite   or --only=pg
 *
 * PostgreSQL: `DATABASE_URL` if set, else a throwaway cluster from the
 * binaries in `LAHETE_POSTGRES_BIN`, `/usr/lib/postgresql/<version>/bin` or
 * the `PATH` (skipped with a note when there are none).
 */
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"

const major = Number(process.versions.node.split(".")[0])
if (major < 24) {
  console.error(`@lahete/store-sql bench: needs Node 24 or later, this is ${process.version} (run it through pnpm)`)
  process.exit(1)
}
const args = process.argv.slice(2).filter((a) => a !== "--")
const known = (a) => a === "--quick" || /^--only=(sqlite|pg|postgresql)$/.test(a)
const unknown = args.filter((a) => !known(a))
if (unknown.length > 0) {
  console.error(`@lahete/store-sql bench: unknown argument ${unknown.join(" ")}; use --quick, --only=sqlite, --only=pg`)
  process.exit(2)
}
const packageDir = fileURLToPath(new URL("..", import.meta.url))
const vitest = fileURLToPath(new URL("../node_modules/vitest/vitest.mjs", import.meta.url))
const result = spawnSync(process.execPath, [vitest, "run", "--config", "bench/vitest.config.ts"], {
  cwd: packageDir,
  stdio: "inherit",
  env: { ...process.env, LAHETE_BENCH_ARGS: JSON.stringify(args) }
})
process.exit(result.status ?? 1)
