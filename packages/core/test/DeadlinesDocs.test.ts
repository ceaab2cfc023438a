/**
 * docs/deadlines.md: the defaults table is rendered from the presets and the
 * example is this file's `// #region doc:example`. The test fails when the
 * page differs; `UPDATE_DOCS=1` rewrites the generated blocks instead.
 */
import { readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { Deadlines, Presets, Programme } from "@lahete/core"
import { Fixtures } from "@lahete/testing"
import { Result } from "effect"
import { region, syncBlocks, table } from "./support/docs.js"

const thisFile = readFileSync(new URL(import.meta.url), "utf8")

// #region doc:example
// First contact within 5 calendar days, warn 48 hours before; SMS at least 3 hours ahead.
const ours = Result.getOrThrowWith(
  Programme.nextVersion(Presets.kemijarvi, (p) => ({
    ...p,
    deadlines: {
      ...p.deadlines,
      firstContact: { days: 5, dayKind: "calendar", atRiskHours: 48 },
      textMessage: { ...p.deadlines.textMessage, leadTimeMinutes: 180 },
      retention: { erasePersonalDataAfterMonths: 36 } // your controller's decision
    }
  })),
  (e) => new Error(e.message)
)
// #endregion

const rows: ReadonlyArray<readonly [string, (p: Programme.Programme) => string]> = [
  ["D1 assignment", (p) => `${p.deadlines.assignment.businessDays} business day(s)`],
  [
    "D2 first contact",
    (p) =>
      `${p.deadlines.firstContact.days} ${p.deadlines.firstContact.dayKind} days; warning ${p.deadlines.firstContact.atRiskHours} h before`
  ],
  ["calling hours", (p) => `${p.deadlines.callingHours.start}–${p.deadlines.callingHours.end}`],
  [
    "D3 text message",
    (p) =>
      `${p.deadlines.textMessage.leadTimeMinutes} min before the call; quiet hours ${p.deadlines.textMessage.quietHours.start}–${p.deadlines.textMessage.quietHours.end}`
  ],
  [
    "D4 collaboration",
    (p) =>
      `warning at ${p.deadlines.collaboration.warnAfterMonths} months; exceeded at ${p.deadlines.collaboration.maxMonths}`
  ],
  [
    "D5 follow-up",
    (p) =>
      `${p.deadlines.followUp.monthsAfterClosing} months after closing ±${p.deadlines.followUp.windowDays} days; reminder ${p.deadlines.followUp.reminderDaysBefore} days before`
  ],
  [
    "D6 retention",
    (p) =>
      p.deadlines.retention.erasePersonalDataAfterMonths === null
        ? "not set (the controller decides)"
        : `${p.deadlines.retention.erasePersonalDataAfterMonths} months`
  ],
  ["contact attempts", (p) => `${p.contactAttempts.max} before Unreachable`]
]

const defaultsTable = (): string =>
  table(
    ["setting", "Kemijärvi", "Sodankylä"],
    rows.map(([name, f]) => [name, f(Presets.kemijarvi), f(Presets.sodankyla)])
  )

const example = (): string =>
  [
    "```ts",
    'import { Presets, Programme } from "@lahete/core"',
    'import { Result } from "effect"',
    "",
    region(thisFile, "example"),
    "```"
  ].join("\n")

describe("docs/deadlines.md", () => {
  it("shows the presets' deadline defaults and a compiled example", () => {
    syncBlocks("deadlines.md", { defaults: defaultsTable(), example: example() })
  })

  it("the example's programme moves D2 as it says", () => {
    expect(ours.version).toBe(2)
    const submitted = Fixtures.history([Fixtures.submit()]).state // Monday 2 March 2026, 09:00 local
    const d2 = Deadlines.nextDeadlines(submitted, ours).find((d) => d.kind === "first-contact")
    // 5 calendar days: Saturday 7 March, not a business day → Monday 9 March, ends at its midnight
    expect(d2?.dueAt).toBe("2026-03-09T22:00:00.000Z")
    expect(d2?.warnAt).toBe("2026-03-07T22:00:00.000Z")
  })
})
