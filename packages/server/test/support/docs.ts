/**
 * Keeping the documents equal to the code: generated blocks between
 * `<!-- generated:NAME:start … -->` and `<!-- generated:NAME:end -->` are
 * compared with what the code renders, or rewritten with `UPDATE_DOCS=1`.
 * Tables are padded the way the formatter lays them out.
 */
import { readFileSync, writeFileSync } from "node:fs"
import { expect } from "@effect/vitest"

export const update = process.env.UPDATE_DOCS === "1"

/** docs/NAME of the repository. */
export const docPath = (name: string) => new URL(`../../../../docs/${name}`, import.meta.url)

/** The package's README. */
export const readmePath = new URL("../../README.md", import.meta.url)

const cell = (s: string) => s.replaceAll("|", "\\|")

/** A markdown table, padded like the formatter pads it. */
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

const blockPattern = (name: string) =>
  new RegExp(`(<!-- generated:${name}:start[^>]*-->\\n)([\\s\\S]*?)\\n?(<!-- generated:${name}:end -->)`)

/** Compares (or, with UPDATE_DOCS=1, rewrites) the generated blocks of a document. */
export const syncBlocks = (path: URL, blocks: Readonly<Record<string, string>>) => {
  const original = readFileSync(path, "utf8")
  let text = original
  for (const [name, content] of Object.entries(blocks)) {
    const pattern = blockPattern(name)
    const match = pattern.exec(text)
    if (match === null) throw new Error(`${path.pathname} has no generated block "${name}"`)
    if (update)
      text = text.replace(pattern, (_, start: string, __: string, end: string) => `${start}${content}\n${end}`)
    else
      expect(match[2], `${path.pathname} block "${name}" differs from the code: run with UPDATE_DOCS=1`).toBe(content)
  }
  if (update && text !== original) writeFileSync(path, text)
}

/** The text of a `// #region doc:NAME` … `// #endregion` region of a source file. */
export const region = (source: string, name: string): string => {
  const open = `// #region doc:${name}\n`
  const start = source.indexOf(open)
  if (start < 0) throw new Error(`no region doc:${name}`)
  const end = source.indexOf("// #endregion", start)
  return source.slice(start + open.length, end).trimEnd()
}
