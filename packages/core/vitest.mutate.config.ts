/**
 * The core tests as `pnpm mutate` runs them. `MUTATE_TESTS` (comma-separated
 * globs under packages/core, e.g. `test/LinkWorker*.test.ts`) narrows them to
 * the tests aimed at the module under mutation: Stryker reruns the covering
 * tests for every mutant, and on a shared two-core machine the whole suite
 * per mutant takes hours. A score measured with fewer tests is a lower bound
 * of the score with all of them. Unset: every core test.
 */
import { project } from "../../vitest.shared.ts"

const selected = process.env.MUTATE_TESTS?.split(",")
  .map((s) => s.trim())
  .filter((s) => s !== "")

export default project("@lahete/core", selected === undefined || selected.length === 0 ? {} : { include: selected })
