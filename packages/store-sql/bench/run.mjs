#!/usr/bin/env node
/**
 * `pnpm bench` in this package: runs the SQL store's benchmark
 * (`store.bench-run.ts`) through vitest with the benchmarks' shared settings
 * (`scripts/bench-kit/run.mjs` at the repository root), on the Node that runs
 * this script (Node 24 under pnpm).
 *
 *   pnpm bench                 SQLite and PostgreSQL, default counts (about a minute on 2 cores)
 *   pnpm bench --quick         small counts, a few seconds
 *   pnpm bench --only=sqlite   or --only=pg
 *   pnpm bench --json          the figures as JSON lines on stdout (the tables go to stderr)
 *   pnpm bench --json=FILE     the figures appended to FILE as JSON lines
 *
 * PostgreSQL: `DATABASE_URL` if set, else a throwaway cluster from the
 * binaries in `LAHETE_POSTGRES_BIN`, `/usr/lib/postgresql/<version>/bin` or
 * the `PATH` (skipped with a note when there are none).
 */
import { fileURLToPath } from "node:url"
import { run } from "../../../scripts/bench-kit/run.mjs"

process.exit(
  run({
    packageDir: fileURLToPath(new URL("..", import.meta.url)),
    argv: process.argv.slice(2),
    options: [{ pattern: /^--only=(sqlite|pg|postgresql)$/, usage: "--only=sqlite, --only=pg" }]
  })
)
