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
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Ids, Presets, ReferralService, ReferralStore } from "@lahete/core"
import { SqlAuditLog, SqlLinkWorkerRegistry, SqlReferralStore } from "@lahete/store-sql"
import { Effect, Layer, Option, Schema } from "effect"

// SQLite: one file, no server. For PostgreSQL, provide @effect/sql-pg's
// PgClient.layer({ url: Redacted.make(process.env.DATABASE_URL) }) instead.
const Database = SqliteClient.layer({ filename })

// The store, the audit log and the link-worker registry create or migrate their tables when they start
const Storage = Layer.mergeAll(SqlReferralStore.layer, SqlAuditLog.layer, SqlLinkWorkerRegistry.layer).pipe(
  Layer.provideMerge(Database)
)

const Live = ReferralService.layer.pipe(
  Layer.provideMerge(Layer.mergeAll(Storage, ReferralService.catalogLayer(Presets.catalog)))
)

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
