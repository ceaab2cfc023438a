/**
 * Keeping docs/ equal to the code (copied from packages/core/test/support/docs.ts):
 * generated blocks between `<!-- generated:NAME:start … -->` and
 * `<!-- generated:NAME:end -->` are compared with what the code renders, or
 * rewritten with `UPDATE_DOCS=1`.
 */
import { readFileSync, writeFileSync } from "node:fs"
import { expect } from "@effect/vitest"

export const update = process.env.UPDATE_DOCS === "1"

export const docPath = (name: string) => new URL(`../../../../docs/${name}`, import.meta.url)

export const blockPattern = (name: string) =>
  new RegExp(`(<!-- generated:${name}:start[^>]*-->\\n)([\\s\\S]*?)\\n?(<!-- generated:${name}:end -->)`)

/** Compares (or, with UPDATE_DOCS=1, rewrites) every generated block of a page in docs/. */
export const syncBlocks = (file: string, blocks: Readonly<Record<string, string>>) => {
  const path = docPath(file)
  const original = readFileSync(path, "utf8")
  let text = original
  for (const [name, content] of Object.entries(blocks)) {
    const pattern = blockPattern(name)
    const match = pattern.exec(text)
    if (match === null) throw new Error(`docs/${file} has no generated block "${name}"`)
    if (update)
      text = text.replace(pattern, (_, start: string, __: string, end: string) => `${start}${content}\n${end}`)
    else expect(match[2], `docs/${file} block "${name}" differs from the code: run with UPDATE_DOCS=1`).toBe(content)
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
