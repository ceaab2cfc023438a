/**
 * The staff-mail audit, run by `pnpm test` after the whole suite (a separate
 * Vitest run, so it surely comes last): reads every staff email the suite's
 * tests captured and checks it for personal data. Its report goes to
 * .vitest/audit-results.json, which .ci/run counts with the suite's.
 */
import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"
import { project, staffMailDirectory } from "../../vitest.shared.ts"

const audit = project("staff-mail-audit", { include: ["audit/**/*.test.ts"] })

export default defineConfig({
  ...audit,
  root: fileURLToPath(new URL(".", import.meta.url)),
  test: {
    ...audit.test,
    env: { LAHETE_STAFF_MAIL_DIR: staffMailDirectory },
    reporters: [
      "default",
      ["json", { outputFile: fileURLToPath(new URL("../../.vitest/audit-results.json", import.meta.url)) }]
    ]
  }
})
