/**
 * Erasure really erases: a referral runs its course through
 * `ReferralService` over the SQL store and audit log, the client's personal
 * data is erased, and a dump of every table (every row, every column, as
 * text) holds none of the client's personal values, while another client's
 * data and the pseudonymous history stay.
 */
import { describe, expect, it } from "@effect/vitest"
import { Ids, type ReferralCommand, ReferralService, ReferralStore } from "@lahete/core"
import { Fixtures } from "@lahete/testing"
import { Effect, Option, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { databases, serviceOn } from "./support/layers.js"

type Command = ReferralCommand.ReferralCommand

const referralId = Schema.decodeSync(Ids.ReferralId)
const subjectId = Schema.decodeSync(Ids.SubjectId)

const onto = (id: string, subject: string, commands: ReadonlyArray<Command>): Array<Command> =>
  commands.map(
    (c): Command =>
      c._tag === "SubmitReferral"
        ? { ...c, referralId: referralId(id), subjectId: subjectId(subject) }
        : { ...c, referralId: referralId(id) }
  )

const client = {
  givenName: "Ilmatar",
  familyName: "Kalevalainen",
  personalIdentityCode: "131052-308T",
  mobileNumber: "040 987 6543",
  language: "fi" as const
}
const reasonText = "Grieving after a bereavement; wants to sing in a choir again."
const newMobile = "050 111 2233"
const feedback = "Joined the parish choir and the Thursday walking group."

/** Every personal value of the client, as given and as the vault normalises it. */
const personalValues = [
  client.givenName,
  client.familyName,
  client.personalIdentityCode,
  client.mobileNumber,
  "+358409876543",
  newMobile,
  "+358501112233",
  reasonText,
  feedback
]

const story = (id: string, subject: string, who: typeof client, mobile: string, reason: string, closing: string) =>
  onto(id, subject, [
    Fixtures.submit({ client: who, reasonText: reason }),
    Fixtures.updateContact({ mobileNumber: mobile }),
    Fixtures.assign({ at: Fixtures.at(6) }),
    Fixtures.scheduleCall({ at: Fixtures.at(7) }),
    Fixtures.firstContact(),
    Fixtures.close({ feedback: closing })
  ])

/** Every row of every table of the store's schema, each value as text. */
const dump = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const tables = yield* sql.onDialectOrElse({
    pg: () =>
      sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables
        WHERE table_schema = current_schema() ORDER BY table_name`,
    orElse: () => sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`
  })
  const out: Array<{ table: string; values: Array<string> }> = []
  for (const { name } of tables) {
    const rows = yield* sql<Record<string, unknown>>`SELECT * FROM ${sql(name)}`
    for (const row of rows) {
      out.push({
        table: name,
        values: Object.values(row).map((v) =>
          typeof v === "string"
            ? v
            : typeof v === "bigint"
              ? String(v)
              : v instanceof Date
                ? v.toISOString()
                : (JSON.stringify(v) ?? String(v))
        )
      })
    }
  }
  return { tables: tables.map((t) => t.name), rows: out }
})

const found = (rows: ReadonlyArray<{ table: string; values: ReadonlyArray<string> }>, value: string) =>
  rows.filter((r) => r.values.some((v) => v.includes(value))).map((r) => r.table)

for (const database of databases()) {
  const layer = serviceOn(database.client)

  describe(`erasure on ${database.name}`, () => {
    it.live("after erasure no table holds any of the subject's personal values; the history stays", () =>
      Effect.gen(function* () {
        const service = yield* ReferralService.ReferralService
        const store = yield* ReferralStore.ReferralStore
        for (const c of story("r-erased", "subject-erased", client, newMobile, reasonText, feedback))
          yield* service.execute(c)
        const other = { ...client, givenName: "Bertta", familyName: "Toinen", personalIdentityCode: "010594Y9032" }
        for (const c of story(
          "r-kept",
          "subject-kept",
          other,
          "045 222 3344",
          "Other reason text.",
          "Other closing words."
        )) {
          yield* service.execute(c)
        }

        // the dump sees the values before erasure (the check below can fail)
        const before = yield* dump
        expect(before.tables).toEqual(
          expect.arrayContaining([
            "referral_events",
            "referral_streams",
            "idempotency_keys",
            "subjects",
            "usage_log",
            "disclosure_log",
            "refusal_log"
          ])
        )
        for (const value of [
          client.givenName,
          client.familyName,
          client.personalIdentityCode,
          "+358501112233",
          reasonText,
          feedback
        ]) {
          expect(found(before.rows, value)).toContain("subjects")
        }
        const history = yield* store.load(referralId("r-erased"))

        for (const c of onto("r-erased", "subject-erased", [Fixtures.expireFollowUp(), Fixtures.erase()])) {
          yield* service.execute(c)
        }

        expect(Option.isNone(yield* store.subject(subjectId("subject-erased")))).toBe(true)
        const after = yield* dump
        for (const value of personalValues) {
          expect({ value, tables: found(after.rows, value) }).toEqual({ value, tables: [] })
        }
        // the other client is untouched, the erased referral's pseudonymous history stays
        expect(Option.getOrUndefined(yield* store.subject(subjectId("subject-kept")))?.givenName).toBe("Bertta")
        expect(found(after.rows, "Other closing words.")).toEqual(["subjects"])
        const erased = yield* store.load(referralId("r-erased"))
        expect(erased.events.slice(0, history.version)).toEqual(history.events)
        expect(erased.events.at(-1)?._tag).toBe("PersonalDataErased")
      }).pipe(Effect.provide(layer))
    )
  })
}
