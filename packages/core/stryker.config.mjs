/**
 * Mutation testing of @lahete/core's rule code (`pnpm mutate` from the root;
 * not part of CI: a full run takes hours on a two-core machine).
 *
 * `inPlace: true` is required in this workspace: the tests import
 * `@lahete/core` (and `@lahete/testing`, which imports it too) through the
 * workspace link and the `@lahete/source` condition, so only mutants written
 * into `packages/core/src` itself are seen. Stryker restores every file when it
 * ends; do not edit `src/` while a run is going on (run it in a separate
 * worktree if you keep working).
 *
 * One module at a time: `pnpm mutate --mutate src/Referral.ts`. The scores and
 * the surviving mutants judged equivalent are recorded in docs/mutation.md.
 *
 * @type {import("@stryker-mutator/api/core").PartialStrykerOptions}
 */
export default {
  testRunner: "vitest",
  plugins: ["@stryker-mutator/vitest-runner"],
  vitest: { configFile: "vitest.mutate.config.ts" },
  inPlace: true,
  coverageAnalysis: "perTest",
  // the machine is shared: one test process at a time
  concurrency: 1,
  mutate: [
    "src/Referral.ts",
    "src/Consent.ts",
    "src/Views.ts",
    "src/LinkWorker.ts",
    "src/Evaluation.ts",
    "src/PersonalIdentityCode.ts",
    "src/Deadlines.ts",
    "src/Measures.ts",
    "src/PersonalData.ts",
    "src/Scheduler.ts",
    "src/FinnishCalendar.ts",
    "src/MeasureLinkToken.ts",
    "src/TokenReplay.ts",
    "src/LocalTime.ts"
  ],
  reporters: ["clear-text", "progress", "json", "html"],
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  htmlReporter: { fileName: "reports/mutation/mutation.html" },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  // later runs re-test only the mutants whose code or covering tests changed
  incremental: true,
  incrementalFile: "reports/mutation/stryker-incremental.json",
  tempDirName: ".stryker-tmp",
  cleanTempDir: "always",
  timeoutMS: 10000
}
