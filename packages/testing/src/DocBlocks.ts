/**
 * Keeping documents equal to the code: generated blocks between
 * `<!-- generated:NAME:start … -->` and `<!-- generated:NAME:end -->` are
 * compared with what the code renders, or rewritten when the environment
 * variable `UPDATE_DOCS` is `1`. Code examples come from `// #region
 * doc:NAME` regions of source files that CI type-checks. Every docs test of
 * the repository uses this module; so can a deployment's own docs.
 *
 * @since 0.1.0
 */
import { readFileSync, writeFileSync } from "node:fs"
import { expect } from "@effect/vitest"

/**
 * Whether this run rewrites the blocks (`UPDATE_DOCS=1`) instead of comparing them.
 *
 * @since 0.1.0
 * @category constants
 */
export const update = process.env.UPDATE_DOCS === "1"

/**
 * A table cell's text, with `|` escaped.
 *
 * @since 0.1.0
 * @category rendering
 */
export const cell = (s: string): string => s.replaceAll("|", "\\|")

/**
 * Inline code.
 *
 * @since 0.1.0
 * @category rendering
 */
export const code = (s: string): string => `\`${s}\``

/**
 * A Markdown table with padded columns.
 *
 * @since 0.1.0
 * @category rendering
 */
export const table = (head: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const width = (s: string) => [...s].length
  const all = [head, ...rows].map((r) => r.map(cell))
  const widths = head.map((_, i) => Math.max(3, ...all.map((r) => width(r[i] ?? ""))))
  const line = (r: ReadonlyArray<string>) =>
    `| ${widths.map((w, i) => (r[i] ?? "") + " ".repeat(w - width(r[i] ?? ""))).join(" | ")} |`
  return [line(all[0] ?? []), `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`, ...all.slice(1).map(line)].join(
    "\n"
  )
}

/**
 * The pattern of the generated block `name`: its start marker, content and end marker.
 *
 * @since 0.1.0
 * @category parsing
 */
export const blockPattern = (name: string): RegExp =>
  new RegExp(`(<!-- generated:${name}:start[^>]*-->\\n)([\\s\\S]*?)\\n?(<!-- generated:${name}:end -->)`)

/**
 * Compares (or, with `UPDATE_DOCS=1`, rewrites) the generated blocks of the
 * document at `path`. A missing block is an error.
 *
 * @since 0.1.0
 * @category checking
 */
export const syncBlocks = (path: URL, blocks: Readonly<Record<string, string>>): void => {
  const original = readFileSync(path, "utf8")
  const where = path.pathname.replace(/^.*\/(docs\/|packages\/)/, "$1")
  let text = original
  for (const [name, content] of Object.entries(blocks)) {
    const pattern = blockPattern(name)
    const match = pattern.exec(text)
    if (match === null) throw new Error(`${where} has no generated block "${name}"`)
    if (update) {
      text = text.replace(pattern, (_, start: string, __: string, end: string) => `${start}${content}\n${end}`)
    } else {
      expect(match[2], `${where} block "${name}" differs from the code: run with UPDATE_DOCS=1`).toBe(content)
    }
  }
  if (update && text !== original) writeFileSync(path, text)
}

/**
 * The text of a `// #region doc:NAME` … `// #endregion` region of a source file.
 *
 * @since 0.1.0
 * @category parsing
 */
export const region = (source: string, name: string): string => {
  const open = `// #region doc:${name}\n`
  const start = source.indexOf(open)
  if (start < 0) throw new Error(`no region doc:${name}`)
  const end = source.indexOf("// #endregion", start)
  return source.slice(start + open.length, end).trimEnd()
}
