/**
 * The core tests as `pnpm mutate` runs them. `MUTATE_TESTS` (comma-separated
 * globs under packages/core, e.g. `test/LinkWorker*.test.ts`) narrows them to
 * the tests aimed at the module under mutation: Stryker reruns the covering
 * tests for every mutant, and on a shared two-core machine the whole suite
 * per mutant takes hours. A score measured with fewer tests is a lower bound
 * of the score with all of them. Unset: every core test.
 *
 * Test files run fastest first (vitest's default is slowest first): Stryker
 * stops at the first failing test, so a mutant the quick specs kill never
 * waits for the property tests. Workers stay isolated: with `isolate: false`
 * (faster) mutants that the tests kill were reported as survivors.
 */
import { BaseSequencer, type TestSpecification } from "vitest/node"
import { project } from "../../vitest.shared.ts"

class FastestFirst extends BaseSequencer {
  override async sort(files: Array<TestSpecification>): Promise<Array<TestSpecification>> {
    return [...(await super.sort(files))].reverse()
  }
}

const selected = process.env.MUTATE_TESTS?.split(",")
  .map((s) => s.trim())
  .filter((s) => s !== "")

export default project("@lahete/core", {
  ...(selected === undefined || selected.length === 0 ? {} : { include: selected }),
  sequence: { sequencer: FastestFirst }
})
