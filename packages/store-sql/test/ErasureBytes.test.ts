/**
 * Erasure reaches the bytes (domain specification §8): after a client's
 * personal data is erased, a byte scan of the database's files finds none of
 * the client's values (as given and as the vault normalises them), while
 * another client's values are still found by the same scan.
 *
 * - SQLite: the database file and its WAL, right after the erasure command
 *   (the store truncates the WAL itself; `secure_delete` zeroes the rest).
 * - PostgreSQL: the relation files of every table of the schema, their TOAST
 *   tables and indexes (found with `pg_relation_filepath`), after the
 *   maintenance step `SqlVault.purge` and a `CHECKPOINT` (so that what the
 *   scan reads is what the server wrote).
 *
 * The client has two referrals: A ends (followed up, with closing feedback
 * long enough to be stored out of line) and is erased first, while B is
 * still open: A's reason text and feedback, and the mobile number replaced
 * earlier, are gone from the files, and what B needs is still there. Then B
 * ends and is erased, and nothing of the client is left.
 *
 * On PostgreSQL a further test shows why the maintenance step rewrites the
 * table: after a plain `VACUUM` a deleted row's bytes are still in the file.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Ids, type ReferralCommand, ReferralService, ReferralStore } from "@lahete/core"
import { SqlVault } from "@lahete/store-sql"
import { NodeSqlite } from "@lahete/store-sql/sqlite"
import { Fixtures } from "@lahete/testing"
import { Effect, Option, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { databaseUrl, pgClient, serviceOn, warnSkipped } from "./support/layers.js"

type Command = ReferralCommand.ReferralCommand

const referralId = Schema.decodeSync(Ids.ReferralId)
const subjectId = Schema.decodeSync(Ids.SubjectId)
const day = 24

/** Random text that compresses badly: PostgreSQL keeps it uncompressed, out of line in the TOAST table. */
const incompressible = (length: number) => {
  const bytes = crypto.getRandomValues(new Uint8Array(length))
  const alphabet = "abcdefghijklmnopqrstuvwxyzåäö0123456789"
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("")
}

const tag = crypto.randomUUID().slice(0, 8)
const client = {
  givenName: `Ilmatar${tag}`,
  familyName: "Kalevalainen-Äijälä",
  personalIdentityCode: "131052-308t",
  mobileNumber: "040 987 6543",
  language: "fi" as const
}
const reasonA = `Grieving after a bereavement ${tag}; wants to sing in a choir again.`
const feedbackA = `Joined the parish choir ${tag}. ${incompressible(4000)}`
const reasonB = `Would like company for walks ${tag}, misses the village.`
const newMobile = "050 111 2233"

/** A's own values: gone once A is erased. */
const valuesOfA = [reasonA, feedbackA.slice(0, 60), feedbackA.slice(-60)]
/** The number replaced by the update: gone once A is erased at the latest (nothing needs it any more). */
const replaced = [client.mobileNumber, "+358409876543"]
/** What B needs: still there while B is open. */
const neededByB = [client.givenName, client.familyName, "131052-308T", "+358501112233", reasonB]
/** Every value of the client, as stored and as given. */
const allValues = [...valuesOfA, ...replaced, ...neededByB, client.personalIdentityCode, newMobile]

const other = {
  givenName: `Bertta${tag}`,
  familyName: "Toinen",
  personalIdentityCode: "010594Y9032",
  mobileNumber: "045 222 3344",
  language: "fi" as const
}
const otherReason = `Other reason text ${tag}.`

const onto = (id: string, subject: string, commands: ReadonlyArray<Command>): Array<Command> =>
  commands.map(
    (c): Command =>
      c._tag === "SubmitReferral"
        ? { ...c, referralId: referralId(id), subjectId: subjectId(subject) }
        : { ...c, referralId: referralId(id) }
  )

const referralA = onto("r-a", "subject-erased", [
  Fixtures.submit({ client, reasonText: reasonA }),
  Fixtures.updateContact({ mobileNumber: newMobile }),
  Fixtures.assign({ at: Fixtures.at(6) }),
  Fixtures.scheduleCall({ at: Fixtures.at(7) }),
  Fixtures.firstContact(),
  Fixtures.close({ feedback: feedbackA }),
  Fixtures.expireFollowUp()
])
const referralB = onto("r-b", "subject-erased", [
  Fixtures.submit({ client: { ...client, mobileNumber: newMobile }, reasonText: reasonB, at: Fixtures.at(8) }),
  Fixtures.assign({ at: Fixtures.at(9) })
])
const referralOther = onto("r-other", "subject-kept", [
  Fixtures.submit({ client: other, reasonText: otherReason }),
  Fixtures.assign({ at: Fixtures.at(6) })
])
const eraseA = onto("r-a", "subject-erased", [Fixtures.erase({ at: Fixtures.at(400 * day) })])
const endAndEraseB = onto("r-b", "subject-erased", [
  Fixtures.recordConsent("referral", "withdrawn", { actor: Fixtures.coordinator, at: Fixtures.at(401 * day) }),
  Fixtures.erase({ at: Fixtures.at(402 * day) })
])

/** Which of the values occur, as UTF-8 bytes, in any of the files. */
const scan = (files: ReadonlyArray<string>, values: ReadonlyArray<string>): Array<string> => {
  const contents = files.filter((f) => existsSync(f)).map((f) => readFileSync(f))
  return values.filter((v) => {
    const needle = Buffer.from(v, "utf8")
    return contents.some((c) => c.includes(needle))
  })
}

const execute = (commands: ReadonlyArray<Command>) =>
  Effect.gen(function* () {
    const service = yield* ReferralService.ReferralService
    for (const c of commands) yield* service.execute(c)
  })

/**
 * The story on one database: `files` lists the files to scan after `settle`
 * (SQLite: nothing to do; PostgreSQL: the maintenance step and a checkpoint).
 */
const story = <E, R>(files: Effect.Effect<ReadonlyArray<string>, E, R>, settle: Effect.Effect<void, E, R>) =>
  Effect.gen(function* () {
    const store = yield* ReferralStore.ReferralStore
    yield* execute([...referralA, ...referralB, ...referralOther])

    // the scan sees the stored values before erasure (the checks below can fail)
    yield* settle
    const stored = [...valuesOfA, ...neededByB]
    expect(scan(yield* files, stored)).toEqual(stored)

    // A ended and is erased; B is open and keeps what it needs
    yield* execute(eraseA)
    yield* settle
    const afterA = yield* files
    expect(scan(afterA, [...valuesOfA, ...replaced])).toEqual([])
    expect(scan(afterA, neededByB)).toEqual(neededByB)
    const vault = Option.getOrUndefined(yield* store.subject(subjectId("subject-erased")))
    expect(vault?.referrals).toEqual({ "r-b": { reasonText: reasonB } })

    // B ends and is erased: nothing of the client is left; the other client is
    yield* execute(endAndEraseB)
    yield* settle
    const afterB = yield* files
    expect(scan(afterB, allValues)).toEqual([])
    expect(scan(afterB, [other.givenName, otherReason])).toEqual([other.givenName, otherReason])
    expect(Option.isNone(yield* store.subject(subjectId("subject-erased")))).toBe(true)
  })

describe("erasure reaches the bytes on SQLite (file, WAL)", () => {
  it.live("the database file and the WAL hold none of the erased values", () => {
    const dir = mkdtempSync(join(tmpdir(), "lahete-erasure-bytes-"))
    const filename = join(dir, "lahete.db")
    return story(Effect.succeed([filename, `${filename}-wal`]), Effect.void).pipe(
      Effect.provide(serviceOn(NodeSqlite.layer({ filename }))),
      Effect.ensuring(Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
    )
  })

  it.live("secure_delete is on for the store's connection", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* sql<{ secure_delete: number }>`PRAGMA secure_delete`
      expect(rows[0]?.secure_delete).toBe(1)
    }).pipe(
      Effect.provide(
        serviceOn(NodeSqlite.layer({ filename: join(mkdtempSync(join(tmpdir(), "lahete-sd-")), "lahete.db") }))
      )
    )
  )
})

/** The files of every relation of the test's schema: tables, their TOAST tables, indexes. */
const relationFiles = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const [dir] = yield* sql<{ dir: string }>`SELECT current_setting('data_directory') AS dir`
  const paths = yield* sql<{ path: string }>`
    WITH own AS (SELECT oid, reltoastrelid FROM pg_class WHERE relnamespace = current_schema()::regnamespace),
    toast AS (SELECT reltoastrelid AS oid FROM own WHERE reltoastrelid <> 0)
    SELECT pg_relation_filepath(oid) AS path FROM (
      SELECT oid FROM own
      UNION SELECT oid FROM toast
      UNION SELECT indexrelid FROM pg_index WHERE indrelid IN (SELECT oid FROM toast)
    ) r WHERE pg_relation_filepath(oid) IS NOT NULL`
  expect(paths.length).toBeGreaterThan(10)
  const files = paths.flatMap(({ path }) => {
    const base = join(dir?.dir ?? "", path)
    // a relation's main file and its further 1 GB segments
    const out = [base]
    for (let i = 1; existsSync(`${base}.${i}`); i++) out.push(`${base}.${i}`)
    return out
  })
  if (!existsSync(files[0] ?? "")) {
    // the server's files are not on this machine: the scan cannot run
    return yield* Effect.die(new Error("the PostgreSQL data directory is not readable here"))
  }
  return files
})

const checkpointAfterPurge = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* SqlVault.purge
  yield* sql`CHECKPOINT`
})

describe("erasure reaches the bytes on PostgreSQL (relation files)", () => {
  if (databaseUrl === undefined) {
    warnSkipped("the PostgreSQL byte scan after erasure")
    it.skip("needs PostgreSQL", () => {})
    return
  }
  const url = databaseUrl

  it.live(
    "after the maintenance step no relation file holds the erased values",
    () => story(relationFiles, checkpointAfterPurge).pipe(Effect.provide(serviceOn(pgClient(url)))),
    { timeout: 30_000 }
  )

  it.live("a plain VACUUM leaves an erased row's bytes in the table's file; the maintenance step does not", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      // another client's row first; the erased client's row after it on the page, never updated
      yield* execute(referralOther)
      yield* execute(
        onto("r-v", "subject-v", [
          Fixtures.submit({ client, reasonText: reasonA }),
          Fixtures.recordConsent("referral", "withdrawn", { actor: Fixtures.coordinator, at: Fixtures.at(1) }),
          Fixtures.erase({ at: Fixtures.at(2) })
        ])
      )
      yield* sql`CHECKPOINT`
      expect(scan(yield* relationFiles, [reasonA, client.givenName])).toEqual([reasonA, client.givenName])
      // what the maintenance step is for: VACUUM only marks the space free
      yield* sql.unsafe("VACUUM subjects")
      yield* sql`CHECKPOINT`
      expect(scan(yield* relationFiles, [reasonA, client.givenName])).toEqual([reasonA, client.givenName])
      yield* checkpointAfterPurge
      expect(scan(yield* relationFiles, [reasonA, client.givenName])).toEqual([])
      expect(scan(yield* relationFiles, [otherReason])).toEqual([otherReason])
    }).pipe(Effect.provide(serviceOn(pgClient(url))))
  )

  it.live("purge fails, naming the cause, when VACUUM FULL skips the table (a role that does not own it)", () =>
    Effect.gen(function* () {
      // one connection, so that the session's role is the one purge runs as
      const sql = yield* SqlClient.SqlClient
      const role = `r_${crypto.randomUUID().replaceAll("-", "")}`
      const [schema] = yield* sql<{ name: string }>`SELECT current_schema() AS name`
      yield* sql.unsafe(`CREATE ROLE ${role}`)
      yield* sql.unsafe(`GRANT USAGE ON SCHEMA ${schema?.name ?? ""} TO ${role}`)
      yield* sql.unsafe(`SET ROLE ${role}`)
      const failure = yield* Effect.flip(SqlVault.purge).pipe(
        Effect.ensuring(
          Effect.ignore(
            Effect.andThen(sql.unsafe("RESET ROLE"), sql.unsafe(`DROP OWNED BY ${role}; DROP ROLE ${role}`))
          )
        )
      )
      expect(failure).toMatchObject({ _tag: "StoreFailure", operation: "purge" })
      expect(failure.detail).toContain("VACUUM FULL did not rewrite")
    }).pipe(Effect.provide(serviceOn(pgClient(url, { maxConnections: 1 }))))
  )
})
