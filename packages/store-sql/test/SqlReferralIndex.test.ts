/**
 * What is particular to the SQL index, on SQLite and PostgreSQL (the
 * behaviour every index shares is `ReferralIndexTest.suite`'s):
 *
 * - migrations `0007_read_side` and `0008_link_worker_load` on a database
 *   with projection rows written before them: each row gets its sort key
 *   (the submission instant, `''` without one), its ended flag, and a next
 *   deadline "not computed", so every such referral counts as due until the
 *   scheduler computes it; each link worker's active clients are counted;
 * - the link workers' load follows the appends (assignments, a caseload
 *   status changing, a referral closed) and `rebuildProjections` recounts it;
 * - `streams` reads many referrals' events in one query per chunk of
 *   `streamsChunk` referrals (counted), each stream equal to `load`'s, in the
 *   order asked, an unknown referral an empty stream;
 * - the order is bytewise on both databases (ids that a locale's collation
 *   would order differently), also on a PostgreSQL database whose default
 *   collation is Finnish: the in-memory index's order, the cursors' order.
 */
import { PgClient } from "@effect/sql-pg"
import { describe, expect, it } from "@effect/vitest"
import { Ids, type Instant, type ReferralCommand, ReferralIndex, ReferralService, ReferralStore } from "@lahete/core"
import { Migrations, SqlProjections, SqlReferralIndex, SqlReferralStore } from "@lahete/store-sql"
import { Fixtures } from "@lahete/testing"
import { Effect, Layer, Redacted, Schema } from "effect"
import * as Migrator from "effect/sql/Migrator"
import * as SqlClient from "effect/sql/SqlClient"
import { counted, databases, databaseUrl, serviceOn } from "./support/layers.js"

const referralId = Schema.decodeSync(Ids.ReferralId)
const key = Schema.decodeSync(Ids.IdempotencyKey)

for (const database of databases()) {
  describe(`SqlReferralIndex on ${database.name}`, () => {
    it.live(
      "migrations 0007 and 0008 fill in the new columns and the link workers' load from rows written before them",
      () =>
        Effect.gen(function* () {
          const sql = (yield* SqlClient.SqlClient).withoutTransforms()
          const before = Object.fromEntries(Object.entries(Migrations.migrations).filter(([name]) => name < "0007"))
          yield* Migrator.make({})({ loader: Migrator.fromRecord(before), table: Migrations.table })
          const isPg = sql.onDialectOrElse({ pg: () => true, orElse: () => false })
          const state = (status: string) =>
            sql`${JSON.stringify({ status, version: 1 })}${sql.literal(isPg ? "::jsonb" : "")}`
          const rows: ReadonlyArray<readonly [string, string, string | null, string | null]> = [
            ["r-old-open", "Submitted", "2024-05-02T08:00:00.000Z", null],
            ["r-old-ended", "FollowedUp", "2024-05-01T08:00:00.000Z", "lw-old"],
            ["r-old-unsubmitted", "Assigned", null, "lw-old"],
            ["r-old-active", "Active", "2024-05-03T08:00:00.000Z", "lw-old"]
          ]
          for (const [id, status, submittedAt, linkWorkerId] of rows) {
            yield* sql`INSERT INTO referral_projection (referral_id, version, status, programme_id, submitted_at,
              link_worker_id, failed_attempts, valid_mobile, personal_data_erased, state)
            VALUES (${id}, 1, ${status}, 'p-old', ${submittedAt}, ${linkWorkerId}, 0, 1, 0, ${state(status)})`
          }
          const index = yield* Effect.provideService(
            Effect.map(SqlReferralStore.makeWithIndex(), (both) => both.index),
            SqlClient.SqlClient,
            sql
          )
          const found = yield* sql<{
            referral_id: string
            sort_key: string
            ended: number
            next_due_at: string | null
          }>`
          SELECT referral_id, sort_key, ended, next_due_at FROM referral_projection ORDER BY referral_id`
          expect(found.map((r) => ({ ...r, ended: Number(r.ended) }))).toEqual([
            { referral_id: "r-old-active", sort_key: "2024-05-03T08:00:00.000Z", ended: 0, next_due_at: "" },
            { referral_id: "r-old-ended", sort_key: "2024-05-01T08:00:00.000Z", ended: 1, next_due_at: "" },
            { referral_id: "r-old-open", sort_key: "2024-05-02T08:00:00.000Z", ended: 0, next_due_at: "" },
            { referral_id: "r-old-unsubmitted", sort_key: "", ended: 0, next_due_at: "" }
          ])
          // the index answers from them: every one due (not computed), found in submission order
          const due = yield* index.due("2000-01-01T00:00:00.000Z" as Instant.Instant, { limit: 10 })
          expect(due.items).toHaveLength(4)
          const open = yield* index.find({ programmeIds: ["p-old" as Ids.ProgrammeId], ended: false }, { limit: 10 })
          expect(open.items.map((s) => s.status)).toEqual(["Assigned", "Submitted", "Active"])
          const ended = yield* index.find({ ended: true }, { limit: 10 })
          expect(ended.items.map((s) => s.status)).toEqual(["FollowedUp"])
          // migration 0008 counted the link workers' active clients from the rows
          expect(yield* index.activeClients("lw-old" as Ids.ActorId)).toBe(2)
          expect(yield* index.linkWorkerLoad()).toEqual([{ linkWorkerId: "lw-old", activeClients: 2 }])
        }).pipe(Effect.provide(Layer.fresh(database.client)))
    )

    it.live(
      "migration 0010 fills in when each referrer's view changed, and the poll finds rows written before it",
      () =>
        Effect.gen(function* () {
          const sql = (yield* SqlClient.SqlClient).withoutTransforms()
          const before = Object.fromEntries(Object.entries(Migrations.migrations).filter(([name]) => name < "0010"))
          yield* Migrator.make({})({ loader: Migrator.fromRecord(before), table: Migrations.table })
          const isPg = sql.onDialectOrElse({ pg: () => true, orElse: () => false })
          const t = (day: number) => `2024-05-${String(day).padStart(2, "0")}T08:00:00.000Z`
          // states as the fold writes them: the view's change, else the status change, else the submission
          const rows: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
            ["r-viewed", { referrerViewChangedAt: t(9), statusChangedAt: t(5) }],
            ["r-status", { statusChangedAt: t(6) }],
            ["r-submitted", {}],
            // a feedback consent that expires on the 20th; the view last changed on the 3rd
            ["r-expiring", { consents: { "feedback-to-referrer": { decision: "granted", expiresAt: t(20) } } }]
          ]
          for (const [id, extra] of rows) {
            const state = JSON.stringify({
              status: "Submitted",
              version: 1,
              referralId: id,
              submittedAt: t(3),
              ...extra
            })
            yield* sql`INSERT INTO referral_projection (referral_id, version, status, programme_id, submitted_at,
              referrer_id, referrer_organisation, failed_attempts, valid_mobile, personal_data_erased, sort_key, state)
            VALUES (${id}, 1, 'Submitted', 'p-old', ${t(3)}, 'ref-old', 'org-old', 0, 1, 0, ${t(3)},
              ${state}${sql.literal(isPg ? "::jsonb" : "")})`
          }
          const index = yield* Effect.provideService(
            Effect.map(SqlReferralStore.makeWithIndex(), (both) => both.index),
            SqlClient.SqlClient,
            sql
          )
          const found = yield* sql<{
            referral_id: string
            view_changed_at: string | null
            feedback_expires_at: string | null
          }>`SELECT referral_id, view_changed_at, feedback_expires_at FROM referral_projection ORDER BY referral_id`
          expect(found).toEqual([
            { referral_id: "r-expiring", view_changed_at: t(3), feedback_expires_at: t(20) },
            { referral_id: "r-status", view_changed_at: t(6), feedback_expires_at: null },
            { referral_id: "r-submitted", view_changed_at: t(3), feedback_expires_at: null },
            { referral_id: "r-viewed", view_changed_at: t(9), feedback_expires_at: null }
          ])
          const referrer = { id: "ref-old" as Ids.ActorId, organisation: "org-old" as Ids.OrganisationId }
          const poll = (since: number, at: number) =>
            Effect.map(
              index.find(
                { referrer, changedSince: { since: t(since) as Instant.Instant, at: t(at) as Instant.Instant } },
                { limit: 10 }
              ),
              (page) => page.items.map((s) => s.referralId).sort()
            )
          expect(yield* poll(6, 10)).toEqual(["r-status", "r-viewed"])
          // the expiry is a change once it has passed
          expect(yield* poll(7, 19)).toEqual(["r-viewed"])
          expect(yield* poll(7, 21)).toEqual(["r-expiring", "r-viewed"])
          expect(yield* poll(21, 25)).toEqual([])
        }).pipe(Effect.provide(Layer.fresh(database.client)))
    )

    it.live("the link workers' load follows every append, and rebuildProjections recounts it", () =>
      Effect.gen(function* () {
        const service = yield* ReferralService.ReferralService
        const index = yield* ReferralIndex.ReferralIndex
        const sql = (yield* SqlClient.SqlClient).withoutTransforms()
        const lw1 = Fixtures.linkWorker().id
        const lw2 = Fixtures.otherLinkWorker().id
        const on = (id: Ids.ReferralId, c: ReferralCommand.ReferralCommand): ReferralCommand.ReferralCommand => ({
          ...c,
          referralId: id,
          idempotencyKey: key(`${id}-${c.idempotencyKey}`)
        })
        const [a, b, c] = [referralId("r-load-a"), referralId("r-load-b"), referralId("r-load-c")]
        for (const id of [a, b, c]) yield* service.execute(on(id, Fixtures.submit({ referralId: id })))
        for (const id of [a, b]) yield* service.execute(on(id, Fixtures.assign()))
        yield* service.execute(on(c, Fixtures.assign({ linkWorker: Fixtures.otherLinkWorker() })))
        expect(yield* index.linkWorkerLoad()).toEqual([
          { linkWorkerId: lw1, activeClients: 2 },
          { linkWorkerId: lw2, activeClients: 1 }
        ])
        // a's contact, on hold, resumed: still on the caseload; then cancelled: off it
        for (const command of [
          Fixtures.scheduleCall(),
          Fixtures.firstContact(),
          Fixtures.putOnHold(),
          Fixtures.resume(),
          Fixtures.close()
        ]) {
          yield* service.execute(on(a, command))
        }
        expect(yield* index.activeClients(lw1)).toBe(1)
        expect(yield* index.activeClients(lw2)).toBe(1)
        // a count gone wrong (written around the store) is put right by a rebuild
        yield* sql`UPDATE link_worker_load SET active_clients = 7`
        expect(yield* SqlProjections.rebuildProjections()).toBe(3)
        expect(yield* index.linkWorkerLoad()).toEqual([
          { linkWorkerId: lw1, activeClients: 1 },
          { linkWorkerId: lw2, activeClients: 1 }
        ])
      }).pipe(Effect.provide(serviceOn(Layer.fresh(database.client))))
    )

    it.live("streams reads one chunk of referrals per query, each stream as load gives it, in the order asked", () =>
      Effect.gen(function* () {
        const store = yield* ReferralStore.ReferralStore
        const index = yield* ReferralIndex.ReferralIndex
        const ids = Array.from({ length: SqlReferralIndex.streamsChunk * 2 + 17 }, (_, i) => referralId(`r-s-${i}`))
        // every referral submitted, every third one assigned as well: streams of different lengths
        for (const [i, id] of ids.entries()) {
          const commands =
            i % 3 === 0
              ? [Fixtures.submit({ referralId: id }), Fixtures.assign({ referralId: id })]
              : [Fixtures.submit({ referralId: id })]
          yield* store.append({
            referralId: id,
            expectedVersion: 0,
            events: Fixtures.history(commands).events,
            idempotencyKey: key(`k-${id}`),
            fingerprint: "f",
            vault: []
          })
        }
        const asked = [...ids].reverse()
        asked.splice(5, 0, referralId("r-unknown"))
        const { result, statements } = yield* counted(index.streams(asked))
        expect(statements).toBe(Math.ceil(asked.length / SqlReferralIndex.streamsChunk))
        expect(result.map((s) => s.referralId)).toEqual(asked)
        for (const stream of result) expect(stream).toEqual(yield* store.load(stream.referralId))
        expect(result[5]).toEqual({ referralId: "r-unknown", version: 0, events: [] })
      }).pipe(Effect.provide(SqlReferralStore.layer.pipe(Layer.provideMerge(Layer.fresh(database.client)))))
    )

    it.live("pages follow the bytewise order of ids, whatever the database's collation", () =>
      bytewiseOrder.pipe(Effect.provide(SqlReferralStore.layer.pipe(Layer.provideMerge(Layer.fresh(database.client)))))
    )
  })
}

/** Pages of referrals submitted at the same instant, ids that a locale's collation orders otherwise: bytewise. */
const bytewiseOrder = Effect.gen(function* () {
  const store = yield* ReferralStore.ReferralStore
  const index = yield* ReferralIndex.ReferralIndex
  // same submission instant: the id decides; a locale's collation would put "a-2" before "a.1" or "A3"
  const ids = ["a.1", "a-2", "A3", "a_4", "a4", "a:0", "B-1", "b-1"].map((id) => referralId(id))
  for (const id of ids) {
    yield* store.append({
      referralId: id,
      expectedVersion: 0,
      events: Fixtures.history([Fixtures.submit({ referralId: id })]).events,
      idempotencyKey: key(`k-${id}`),
      fingerprint: "f",
      vault: []
    })
  }
  const seen: Array<string> = []
  let after: string | undefined
  do {
    const page: ReferralIndex.Page<{ readonly referralId?: string | undefined }> = yield* index.find(
      {},
      { limit: 3, after }
    )
    seen.push(...page.items.map((s) => s.referralId ?? ""))
    after = page.next
  } while (after !== undefined)
  expect(seen).toEqual([...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)))
})

if (databaseUrl !== undefined) {
  const url = databaseUrl
  describe("SqlReferralIndex on PostgreSQL with a Finnish collation", () => {
    it.live("pages follow the bytewise order of ids (the columns' collation is C)", () =>
      Effect.gen(function* () {
        // a database whose default collation is Finnish (ICU), as a county's server may be set up
        const name = `lahete_fi_${crypto.randomUUID().replaceAll("-", "")}`
        const admin = PgClient.layer({ url: Redacted.make(url), maxConnections: 1 })
        yield* Effect.acquireRelease(
          SqlClient.SqlClient.use((sql) =>
            sql.unsafe(
              `CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C' LOCALE_PROVIDER icu ICU_LOCALE 'fi-FI'`
            )
          ).pipe(Effect.provide(admin)),
          () =>
            Effect.ignore(
              SqlClient.SqlClient.use((sql) => sql.unsafe(`DROP DATABASE ${name} WITH (FORCE)`)).pipe(
                Effect.provide(admin)
              )
            )
        )
        const target = new URL(url)
        target.pathname = `/${name}`
        const client = PgClient.layer({ url: Redacted.make(target.toString()), maxConnections: 2 })
        yield* Effect.gen(function* () {
          // the database's own order is not bytewise
          const sql = yield* SqlClient.SqlClient
          const sorted = yield* sql<{ v: string }>`SELECT v FROM (VALUES ('a-2'), ('a.1'), ('A3')) AS t(v) ORDER BY v`
          expect(sorted.map((r) => r.v)).not.toEqual(["A3", "a-2", "a.1"])
          yield* bytewiseOrder
        }).pipe(Effect.provide(SqlReferralStore.layer.pipe(Layer.provideMerge(client))))
      }).pipe(Effect.scoped)
    )
  })
}
