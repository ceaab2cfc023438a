#!/usr/bin/env node
/**
 * A package's `pnpm bench`: runs its `bench/*.bench-run.ts` through vitest
 * with `scripts/bench-kit/vitest.config.ts` (workspace packages from their
 * TypeScript sources, so no build is needed), on the Node that runs this
 * script (Node 24 under pnpm). A package's `bench` script is
 * `node ../../scripts/bench-kit/run.mjs`, or its own script calling `run`
 * with the options it accepts besides these:
 *
 *   --quick         small counts (CI-sized)
 *   --json          the measurements as JSON lines on stdout (the report goes to stderr)
 *   --json=FILE     the measurements appended to FILE as JSON lines (the report stays on stdout)
 *
 * The benchmark reads the other arguments from `LAHETE_BENCH_ARGS` (through
 * `measure.ts`), and writes its measurements to `LAHETE_BENCH_JSON`.
 */
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const vitest = fileURLToPath(new URL("../../node_modules/vitest/vitest.mjs", import.meta.url))
const config = fileURLToPath(new URL("./vitest.config.ts", import.meta.url))

/**
 * Runs the benchmark of the package in `packageDir` with `argv` (as given to
 * `pnpm bench`); `options` are the package's own (`{ pattern, usage }`).
 * Returns the exit status.
 */
export const run = ({ packageDir, argv, options = [] }) => {
  const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8"))
  const name = manifest.name ?? packageDir
  const major = Number(process.versions.node.split(".")[0])
  if (major < 24) {
    console.error(`${name} bench: needs Node 24 or later, this is ${process.version} (run it through pnpm)`)
    return 1
  }
  const args = argv.filter((a) => a !== "--")
  const isJson = (a) => a === "--json" || a.startsWith("--json=")
  const known = (a) => a === "--quick" || isJson(a) || options.some((o) => o.pattern.test(a))
  const unknown = args.filter((a) => !known(a))
  if (unknown.length > 0) {
    const usage = ["--quick", "--json", "--json=FILE", ...options.map((o) => o.usage)].join(", ")
    console.error(`${name} bench: unknown argument ${unknown.join(" ")}; use ${usage}`)
    return 2
  }
  const json = args.findLast(isJson)
  const toStdout = json === "--json"
  const scratch = toStdout ? mkdtempSync(join(tmpdir(), "lahete-bench-")) : undefined
  // a file named on the command line is relative to where pnpm was started
  const jsonFile =
    scratch !== undefined
      ? join(scratch, "measurements.jsonl")
      : json === undefined
        ? ""
        : resolve(process.env.INIT_CWD ?? process.cwd(), json.slice("--json=".length))
  try {
    const result = spawnSync(process.execPath, [vitest, "run", "--config", config], {
      cwd: packageDir,
      // with --json alone, stdout carries only the JSON lines
      stdio: ["inherit", toStdout ? process.stderr : "inherit", "inherit"],
      env: {
        ...process.env,
        LAHETE_BENCH_ARGS: JSON.stringify(args.filter((a) => !isJson(a))),
        LAHETE_BENCH_PACKAGE: name,
        LAHETE_BENCH_JSON: jsonFile
      }
    })
    if (scratch !== undefined) {
      try {
        process.stdout.write(readFileSync(jsonFile, "utf8"))
      } catch {
        // no measurements written
      }
    }
    return result.status ?? 1
  } finally {
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true })
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exit(run({ packageDir: process.cwd(), argv: process.argv.slice(2) }))
}
