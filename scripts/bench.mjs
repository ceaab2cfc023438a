#!/usr/bin/env node
/**
 * `pnpm bench` at the repository root: runs the `bench` script of every
 * package under packages/ that has one, one package after another (so they
 * do not compete for the CPU), each with `--json=FILE`, and prints ONE
 * Markdown table of every measurement, with the machine above it. The
 * packages' own reports are not shown (their progress lines are, on
 * stderr); `pnpm --filter <package> bench` shows a package's report.
 *
 *   pnpm bench                  default counts
 *   pnpm bench --quick          small counts (CI-sized)
 *   pnpm bench --json=FILE      also write every measurement to FILE as JSON lines
 *   pnpm bench --scale          the scale benchmark instead (packages/server/bench/scale.ts: 1k, 10k
 *                               and 100k referrals on SQLite and PostgreSQL; with --quick 300 and 3,000;
 *                               its own options --sizes=1000,10000, --only=sqlite|pg, --rounds=N)
 *
 * Each package's benchmark runs through `scripts/bench-kit/run.mjs` from the
 * TypeScript sources: no build needed. Speed is measured and printed, never
 * asserted. Exits non-zero when a package's benchmark failed (the table
 * still shows the others).
 */
import { spawn } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import os from "node:os"
import { basename, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

if (Number(process.versions.node.split(".")[0]) < 24) {
  console.error(`pnpm bench: needs Node 24 or later, this is ${process.version} (run it through pnpm)`)
  process.exit(1)
}
const root = fileURLToPath(new URL("..", import.meta.url))
const args = process.argv.slice(2).filter((a) => a !== "--")

if (args.includes("--scale")) {
  // the scale benchmark runs on its own, from the sources (the resolve hook maps `.js` imports onto `.ts`)
  const child = spawn(
    process.execPath,
    [
      "--experimental-transform-types",
      "--disable-warning=ExperimentalWarning",
      "--conditions=@lahete/source",
      "--max-old-space-size=6144",
      "--import",
      join(root, "scripts/sources.mjs"),
      join(root, "packages/server/bench/scale.ts"),
      ...args
        .filter((a) => a !== "--scale")
        .map((a) =>
          a.startsWith("--json=") ? `--json=${resolve(process.env.INIT_CWD ?? process.cwd(), a.slice(7))}` : a
        )
    ],
    { cwd: root, stdio: "inherit" }
  )
  child.on("close", (status) => process.exit(status ?? 1))
} else {
  await main()
}

async function main() {
  // Node 24 strips the types of the shared formatting module
  const { machine, measurementTable } = await import("./bench-kit/format.ts")

  const unknown = args.filter((a) => a !== "--quick" && !a.startsWith("--json="))
  if (unknown.length > 0) {
    console.error(`pnpm bench: unknown argument ${unknown.join(" ")}; use --quick, --json=FILE, --scale`)
    process.exit(2)
  }
  const quick = args.includes("--quick")
  const jsonCopy = args.findLast((a) => a.startsWith("--json="))?.slice("--json=".length)

  /** pnpm as it runs this script (its executable or its JavaScript entry), else `pnpm` on the PATH. */
  const pnpm = () => {
    const path = process.env.npm_execpath
    if (path === undefined || path === "" || !basename(path).startsWith("pnpm")) return ["pnpm"]
    return /\.[cm]?js$/.test(path) ? [process.execPath, path] : [path]
  }

  /** The packages with a `bench` script, in directory order. */
  const packages = readdirSync(join(root, "packages"))
    .sort()
    .map((dir) => join(root, "packages", dir))
    .filter((dir) => existsSync(join(dir, "package.json")))
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) }))
    .filter((p) => typeof p.manifest.scripts?.bench === "string")

  /** Runs one package's benchmark; resolves with its exit status and everything it printed. */
  const runOne = (dir, jsonFile) =>
    new Promise((done) => {
      const [command, ...prefix] = pnpm()
      const child = spawn(command, [...prefix, "run", "bench", ...(quick ? ["--quick"] : []), `--json=${jsonFile}`], {
        cwd: dir,
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, FORCE_COLOR: "0" }
      })
      let output = ""
      let partial = ""
      const take = (chunk) => {
        const text = chunk.toString()
        output += text
        const lines = (partial + text).split("\n")
        partial = lines.pop() ?? ""
        for (const line of lines) if (line.startsWith("[bench]")) process.stderr.write(`${line}\n`)
      }
      child.stdout.on("data", take)
      child.stderr.on("data", take)
      child.on("error", (error) => done({ status: 1, output: `${output}\n${String(error)}` }))
      child.on("close", (status) => done({ status: status ?? 1, output }))
    })

  const loadAtStart = os.loadavg()
  const started = performance.now()
  const scratch = mkdtempSync(join(os.tmpdir(), "lahete-bench-"))
  const measurements = []
  const timings = []
  const failures = []
  try {
    for (const { dir, manifest } of packages) {
      const name = manifest.name ?? basename(dir)
      const jsonFile = join(scratch, `${basename(dir)}.jsonl`)
      process.stderr.write(`[bench] ${name}: starting${quick ? " (--quick)" : ""}…\n`)
      const t = performance.now()
      const { status, output } = await runOne(dir, jsonFile)
      timings.push(`${name} ${((performance.now() - t) / 1000).toFixed(0)} s`)
      const lines = existsSync(jsonFile) ? readFileSync(jsonFile, "utf8").split("\n") : []
      for (const line of lines) if (line.trim() !== "") measurements.push(JSON.parse(line))
      if (status !== 0) {
        failures.push(`${name}: its benchmark failed (exit ${status}; its output is above, on stderr)`)
        process.stderr.write(`[bench] ${name}: FAILED (exit ${status})\n${output.split("\n").slice(-40).join("\n")}\n`)
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
  const seconds = (performance.now() - started) / 1000

  if (jsonCopy !== undefined) {
    const target = resolve(process.env.INIT_CWD ?? process.cwd(), jsonCopy)
    writeFileSync(target, measurements.map((m) => `${JSON.stringify(m)}\n`).join(""))
  }

  process.stdout.write(
    [
      "",
      "## lahete benchmarks",
      "",
      `Machine: ${machine(loadAtStart)}; at the end ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(", ")}.`,
      `Mode: ${quick ? "--quick (small counts)" : "default counts"}; ${seconds.toFixed(0)} s in all (${timings.join(", ")}).`,
      "p50 and p99 are latencies of one operation (request, command, run); heap MB is the peak heap above the baseline.",
      "",
      measurementTable(measurements, { withPackage: true }),
      ...(failures.length === 0 ? [] : ["", ...failures.map((f) => `FAILED: ${f}`)]),
      ""
    ].join("\n")
  )
  process.exit(failures.length === 0 ? 0 : 1)
}
