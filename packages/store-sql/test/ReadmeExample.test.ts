/**
 * The example of packages/store-sql/README.md, kept compiling and running.
 * Keep the region below and the README's code block the same.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "@effect/vitest"

const dir = mkdtempSync(join(tmpdir(), "lahete-readme-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const filename = join(dir, "lahete.db")

// #region readme
import { Ids, ReferralService, ReferralStore } from "@lahete/core"
import { SqliteReferralStack } from "@lahete/store-sql/sqlite"
import { Effect, Option, Schema } from "effect"

// One layer: ReferralService with the store, the audit log, the link-worker registry and the
// programmes (default: the presets) on SQLite in one file, no server. They create or migrate
// their tables when they start. PostgreSQL: PgReferralStack.layer({ url }) from "@lahete/store-sql/pg".
const Live = SqliteReferralStack.layer({ filename })

const program = Effect.gen(function* () {
  const service = yield* ReferralService.ReferralService
  const store = yield* ReferralStore.ReferralStore
  const submitted = yield* service.executeUnknown({
    _tag: "SubmitReferral",
    referralId: "ref-2026-0001",
    idempotencyKey: "ekollega-msg-81723",
    actor: { role: "Referrer", id: "nurse-17", organisation: "kemijarvi-hyte", profession: "nurse" },
    at: "2026-03-02T07:00:00.000Z",
    programmeId: "kemijarvi",
    subjectId: "subject-5521",
    client: {
      givenName: "Aino",
      familyName: "Testinen",
      birthYear: 1952,
      mobileNumber: "040 123 4567",
      language: "fi"
    },
    reasonCategories: ["loneliness"],
    reasonText: "Lives alone since spring; would like company for walks.",
    exclusionsPresent: [],
    feedbackRequested: true,
    consents: [{ purpose: "referral", decision: "granted", method: "in-appointment" }]
  })
  // the events hold ids and codes; the personal data went to the vault, in the same transaction
  const vault = yield* store.subject(Schema.decodeSync(Ids.SubjectId)("subject-5521"))
  return { version: submitted.version, mobile: Option.map(vault, (s) => s.mobileNumber) }
})

const outcome = await Effect.runPromise(program.pipe(Effect.provide(Live)))
// { version: 2, mobile: Some("+358401234567") }
// #endregion

describe("packages/store-sql/README.md example", () => {
  it("runs as the README says", () => {
    expect(outcome).toEqual({ version: 2, mobile: Option.some("+358401234567") })
  })

  it("the README shows this example verbatim", async () => {
    const { readFileSync } = await import("node:fs")
    const self = readFileSync(new URL(import.meta.url), "utf8")
    const region = self.slice(self.indexOf("// #region readme\n") + 18, self.indexOf("// #endregion")).trim()
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")
    expect(readme).toContain(region)
  })
})
