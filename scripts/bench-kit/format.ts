/**
 * How benchmark figures are shown, shared by the packages' benchmarks
 * (`measure.ts`) and the root `pnpm bench` (`scripts/bench.mjs`, which
 * imports this file through Node's type stripping): the measurement's shape,
 * Markdown tables, milliseconds and figures, the machine.
 */
import os from "node:os"

/**
 * One figure: `value` in `unit`, from `n` operations (requests, commands,
 * runs). Latencies `p50` and `p99` are in milliseconds; `heapMB` is the peak
 * heap above the baseline while the operation ran (or the heap it holds, as
 * the name says).
 */
export interface Measurement {
  readonly package: string
  readonly name: string
  readonly unit: string
  readonly value: number
  readonly n: number
  readonly p50?: number
  readonly p99?: number
  readonly heapMB?: number
}

/** A Markdown table with padded columns. */
export const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`
  return [line(header), `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`, ...rows.map(line)].join("\n")
}

/** Milliseconds with their unit and sensible precision (microseconds below 0.01 ms). */
export const ms = (value: number | undefined): string =>
  value === undefined || Number.isNaN(value)
    ? ""
    : value < 0.01
      ? `${(value * 1000).toFixed(2)} µs`
      : `${value >= 10 ? value.toFixed(1) : value.toFixed(2)} ms`

/** A figure with three significant digits, thousands grouped. */
export const figure = (value: number): string =>
  Math.abs(value) >= 1000
    ? Math.round(value).toLocaleString("en-US")
    : Number.parseFloat(value.toPrecision(3)).toString()

/** Measurements as a Markdown table, with a package column when they come from several packages. */
export const measurementTable = (
  measurements: ReadonlyArray<Measurement>,
  options: { readonly withPackage: boolean }
): string =>
  table(
    [...(options.withPackage ? ["package"] : []), "benchmark", "figure", "unit", "n", "p50", "p99", "heap MB"],
    measurements.map((m) => [
      ...(options.withPackage ? [m.package] : []),
      m.name,
      figure(m.value),
      m.unit,
      String(m.n),
      ms(m.p50),
      ms(m.p99),
      m.heapMB === undefined ? "" : m.heapMB.toFixed(1)
    ])
  )

/** The machine in a line: cores and CPU, memory, Node, and the load average (1, 5, 15 minutes) when given. */
export const machine = (load?: ReadonlyArray<number>): string => {
  const cpus = os.cpus()
  const parts = [
    `${cpus.length} × ${cpus[0]?.model.trim() ?? "unknown CPU"}`,
    `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `${os.type()} ${os.release()} (${os.arch()})`,
    `Node ${process.version}`,
    ...(load === undefined ? [] : [`load average at start ${load.map((l) => l.toFixed(2)).join(", ")}`])
  ]
  return parts.join(", ")
}
