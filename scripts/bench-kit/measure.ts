/**
 * What every package's benchmark shares (`bench/*.bench-run.ts`, run by
 * `scripts/bench-kit/run.mjs`): the settings the runner passes (`--quick`,
 * the package's own options), timing and heap helpers, and the
 * measurements themselves. `record` keeps a measurement for the package's
 * own Markdown report and, when the runner was given `--json`, appends it as
 * one JSON line to the file the root `pnpm bench` (`scripts/bench.mjs`)
 * reads to print one table for every package.
 *
 * Nothing here asserts anything about speed: the benchmarks measure and
 * print.
 */
import { appendFileSync } from "node:fs"
import os from "node:os"
import v8 from "node:v8"
import { runInNewContext } from "node:vm"
import { type Measurement, machine, measurementTable } from "./format.js"

export { figure, type Measurement, ms, table } from "./format.js"

// ---------------------------------------------------------------------------
// settings
// ---------------------------------------------------------------------------

/** The arguments given to the package's `pnpm bench` (without `--json`). */
export const args: ReadonlyArray<string> = JSON.parse(process.env.LAHETE_BENCH_ARGS ?? "[]")

/** `--quick`: small counts, for CI. */
export const quick = args.includes("--quick")

/** The value of `--name=value`, if given. */
export const option = (name: string): string | undefined =>
  args.find((a) => a.startsWith(`--${name}=`))?.slice(`--${name}=`.length)

/** The package being measured (from its package.json). */
export const packageName = process.env.LAHETE_BENCH_PACKAGE ?? "unknown"

/** The 1, 5 and 15 minute load averages when the benchmark started: other work on the machine skews the figures. */
export const loadAtStart = os.loadavg()

/** `quick` or `full` by the mode. */
export const pick = <A>(counts: { readonly quick: A; readonly full: A }): A => (quick ? counts.quick : counts.full)

// ---------------------------------------------------------------------------
// measurements
// ---------------------------------------------------------------------------

const recorded: Array<Measurement> = []
const jsonFile = process.env.LAHETE_BENCH_JSON

/** Keeps a measurement (and writes its JSON line when asked to). */
export const record = (measurement: Omit<Measurement, "package">): Measurement => {
  const full: Measurement = { package: packageName, ...measurement }
  recorded.push(full)
  if (jsonFile !== undefined && jsonFile !== "") appendFileSync(jsonFile, `${JSON.stringify(full)}\n`)
  return full
}

/** A progress line (the root script shows lines starting with `[bench]`). */
export const progress = (text: string): void => {
  process.stdout.write(`[bench] ${packageName}: ${text}\n`)
}

// ---------------------------------------------------------------------------
// statistics
// ---------------------------------------------------------------------------

/** Nearest-rank percentile of sorted values. */
export const percentile = (sorted: ReadonlyArray<number>, p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN

/** The values in ascending order (a copy). */
export const sortedOf = (values: ReadonlyArray<number>): ReadonlyArray<number> => [...values].sort((a, b) => a - b)

/** The arithmetic mean. */
export const mean = (values: ReadonlyArray<number>): number => values.reduce((a, b) => a + b, 0) / values.length

/** p50 and p99 of latencies in milliseconds. */
export const latencies = (ms: ReadonlyArray<number>): { readonly p50: number; readonly p99: number } => {
  const sorted = sortedOf(ms)
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) }
}

// ---------------------------------------------------------------------------
// timing
// ---------------------------------------------------------------------------

/** What `sample` and `sampleAsync` measured: each run's milliseconds and the total in seconds. */
export interface Samples {
  readonly ms: ReadonlyArray<number>
  readonly seconds: number
}

/** Runs `run(i)` `warmup` times untimed, then `samples` times timing each run. */
export const sample = (
  options: { readonly warmup: number; readonly samples: number },
  run: (i: number) => unknown
): Samples => {
  for (let i = 0; i < options.warmup; i++) run(i)
  const ms: Array<number> = []
  const started = performance.now()
  for (let i = 0; i < options.samples; i++) {
    const t = performance.now()
    run(i)
    ms.push(performance.now() - t)
  }
  return { ms, seconds: (performance.now() - started) / 1000 }
}

/** `sample` for asynchronous runs, one after another. */
export const sampleAsync = async (
  options: { readonly warmup: number; readonly samples: number },
  run: (i: number) => Promise<unknown>
): Promise<Samples> => {
  for (let i = 0; i < options.warmup; i++) await run(i)
  const ms: Array<number> = []
  const started = performance.now()
  for (let i = 0; i < options.samples; i++) {
    const t = performance.now()
    await run(i)
    ms.push(performance.now() - t)
  }
  return { ms, seconds: (performance.now() - started) / 1000 }
}

/**
 * Requests per second through an in-process handler, one request at a time:
 * `send(i)` makes request `i` and returns its HTTP status, which must be
 * `expected` (a benchmark of refusals measures nothing). Records the rate
 * with each request's p50 and p99.
 */
export const requests = async (
  name: string,
  options: { readonly warmup: number; readonly count: number; readonly expected: number },
  send: (i: number) => Promise<number>
): Promise<Measurement> => {
  const checked = async (i: number) => {
    const status = await send(i)
    if (status !== options.expected) {
      throw new Error(`bench: ${name}: request ${i} answered ${status}, expected ${options.expected}`)
    }
  }
  // warm-up requests are numbered after the timed ones, so each number is used once
  for (let i = 0; i < options.warmup; i++) await checked(options.count + i)
  const { ms, seconds } = await sampleAsync({ warmup: 0, samples: options.count }, checked)
  return record({ name, unit: "requests/s", value: options.count / seconds, n: options.count, ...latencies(ms) })
}

/**
 * Operations per second of a cheap operation: `batch()` does some
 * operations and returns how many; it runs untimed for `warmupSeconds`, then
 * timed until `seconds` have passed.
 */
export const rate = (
  options: { readonly warmupSeconds: number; readonly seconds: number },
  batch: () => number
): { readonly perSecond: number; readonly n: number } => {
  const until = (seconds: number) => {
    let n = 0
    const started = performance.now()
    let elapsed = 0
    while (elapsed < seconds * 1000) {
      n += batch()
      elapsed = performance.now() - started
    }
    return { n, elapsed }
  }
  until(options.warmupSeconds)
  const { n, elapsed } = until(options.seconds)
  return { perSecond: n / (elapsed / 1000), n }
}

// ---------------------------------------------------------------------------
// heap
// ---------------------------------------------------------------------------

const MiB = 2 ** 20

/** A full garbage collection (`--expose-gc` switched on at run time). */
export const gc: () => void = (() => {
  v8.setFlagsFromString("--expose-gc")
  return runInNewContext("gc") as () => void
})()

/** The heap in use after a full collection, in MiB. */
export const heapAfterGc = (): number => {
  gc()
  return process.memoryUsage().heapUsed / MiB
}

/**
 * Runs `run` and returns its result with the peak heap above the heap in
 * use before it (after a full collection), in MiB: the highest heap seen
 * before any collection during the run, or at its end.
 */
export const peakHeap = <A>(run: () => A): { readonly result: A; readonly heapMB: number } => {
  gc()
  const before = process.memoryUsage().heapUsed
  const profiler = new v8.GCProfiler()
  profiler.start()
  const result = run()
  const after = process.memoryUsage().heapUsed
  const peaks = (profiler.stop()?.statistics ?? []).map((s) => s.beforeGC.heapStatistics.usedHeapSize)
  return { result, heapMB: (Math.max(after, ...peaks) - before) / MiB }
}

// ---------------------------------------------------------------------------
// printing
// ---------------------------------------------------------------------------

/** The package's measurements as a Markdown report: title, machine, mode, table, notes. */
export const report = (notes: ReadonlyArray<string> = []): string =>
  [
    "",
    `## ${packageName} benchmark`,
    "",
    `${machine(loadAtStart)}; ${quick ? "--quick" : "default counts"}`,
    "",
    measurementTable(recorded, { withPackage: false }),
    ...(notes.length === 0 ? [] : ["", ...notes.map((n) => `Note: ${n}`)]),
    ""
  ].join("\n")
