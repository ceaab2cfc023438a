/**
 * The docs tests' helpers (`DocBlocks` in @lahete/testing): the repository's
 * docs/ and this package's README.
 */
import { DocBlocks } from "@lahete/testing"

export const { region, syncBlocks, table, update } = DocBlocks

/** docs/NAME of the repository. */
export const docPath = (name: string) => new URL(`../../../../docs/${name}`, import.meta.url)

/** The package's README. */
export const readmePath = new URL("../../README.md", import.meta.url)
