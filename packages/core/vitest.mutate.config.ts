/**
 * The core tests as `pnpm mutate` runs them: the same files, but one worker
 * reused across files (`isolate: false`), because Stryker reruns the tests
 * covering each mutant and a fresh worker per file (importing effect anew)
 * would cost more than most of those tests take.
 */
import { project } from "../../vitest.shared.ts"

export default project("@lahete/core", { isolate: false })
