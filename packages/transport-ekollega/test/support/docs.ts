/**
 * The docs tests' helpers (`DocBlocks` in @lahete/testing), with pages named
 * relative to the repository's docs/.
 */
import { DocBlocks } from "@lahete/testing"

export const { blockPattern, code, region, table, update } = DocBlocks

export const docPath = (name: string) => new URL(`../../../../docs/${name}`, import.meta.url)

/** Compares (or, with UPDATE_DOCS=1, rewrites) every generated block of a page in docs/. */
export const syncBlocks = (file: string, blocks: Readonly<Record<string, string>>) =>
  DocBlocks.syncBlocks(docPath(file), blocks)
