/**
 * The scale benchmark's bulk loader (`bench/scale/loader.ts`) writes the
 * rows the store writes: a county's histories (`bench/scale/county.ts`)
 * loaded in bulk into one database, and every command of the same histories
 * run through `ReferralService` over `SqlReferralStore` into another, give
 * the same streams, events, idempotency records, projection rows, outbox
 * entries and vault entries (the clients' plans included: their events, the
 * plan in the projection's state, what matters to the client in the vault);
 * and the bulk-loaded projection equals a rebuild from the log. The county's
 * directory, written as coordinators write it, reads back with every
 * version, and the plans name versions it holds. On SQLite and PostgreSQL
 * (there loaded into SQLite and copied, as the benchmark does).
 */
import { Deadlines, DirectoryStore, LinkWorkerRegistry, ReferralService } from "@lahete/core"
import { SqlAuditLog, SqlDirectoryStore, SqlProjections, SqlReferralStore } from "@lahete/store-sql"
import { Context, Effect, Layer } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import { describe, expect, it } from "vitest"
import * as County from "../bench/scale/county.js"
import * as Loader from "../bench/scale/loader.js"
import { databases, sqliteClient } from "./support/layers.js"

/** A county small enough to run every command through the service, large enough for every fate. */
const size = 120

/** The store secret both databases use, so their fingerprints compare. */
const secret = "a3".repeat(32)

const generate = () => {
  const tally = County.tally()
  return Array.from({ length: size }, (_, i) => County.history(size, i, tally))
}

const byKey = (key: string) => (a: Record<string, unknown>, b: Record<string, unknown>) =>
  String(a[key]) < String(b[key]) ? -1 : String(a[key]) > String(b[key]) ? 1 : 0

const parsed = (value: unknown) => (typeof value === "string" ? JSON.parse(value) : value) as unknown

/** Every row the store writes, without the columns set at write time (`recorded_at`, `updated_at`). */
const snapshot = Effect.gen(function* () {
  const sql = (yield* SqlClient.SqlClient).withoutTransforms()
  const text = sql.onDialectOrElse({ pg: () => sql.literal("::text"), orElse: () => sql.literal("") })
  const streams = yield* sql<Record<string, unknown>>`SELECT referral_id, version FROM referral_streams
    ORDER BY first_seq`
  const events = yield* sql<Record<string, unknown>>`SELECT referral_id, version, type, schema_version,
    data${text} AS data FROM referral_events ORDER BY referral_id, version`
  const keys = yield* sql<Record<string, unknown>>`SELECT idempotency_key, referral_id, fingerprint, from_version,
    to_version FROM idempotency_keys ORDER BY idempotency_key`
  const projection = yield* sql<Record<string, unknown>>`SELECT * FROM referral_projection ORDER BY referral_id`
  const outbox = yield* sql<Record<string, unknown>>`SELECT id, referral_id, kind, payload${text} AS payload, status,
    attempts, not_before, provider_id, reason, finished_at, locked_until, claim_token FROM outbox ORDER BY id`
  const subjects = yield* sql<Record<string, unknown>>`SELECT subject_id, data${text} AS data FROM subjects
    ORDER BY subject_id`
  return {
    streams: streams.map((r) => ({ ...r })),
    events: events.map((r): Record<string, unknown> => ({ ...r, data: parsed(r.data) })).sort(byKey("referral_id")),
    keys: keys.map((r) => ({ ...r })),
    projection: projection.map((r): Record<string, unknown> => ({ ...r, state: parsed(r.state) })),
    outbox: outbox.map((r) => ({ ...r, payload: parsed(r.payload) })),
    subjects: subjects.map((r) => ({ ...r, data: parsed(r.data) }))
  }
})

const bulk = (histories: ReadonlyArray<County.History>) =>
  Effect.gen(function* () {
    yield* Loader.migrate
    const loaded = yield* Loader.load(histories, { secret })
    yield* Loader.settleOutbox(loaded.sent)
    return loaded
  })

/** On PostgreSQL: loaded into SQLite, then copied (`Loader.copy`), as the benchmark loads PostgreSQL. */
const bulkViaCopy = (histories: ReadonlyArray<County.History>) =>
  Effect.scoped(
    Effect.gen(function* () {
      const context = yield* Layer.build(sqliteClient)
      const loaded = yield* Effect.provideContext(bulk(histories), context)
      yield* Loader.migrate
      yield* Loader.copy(Context.get(context, SqlClient.SqlClient), histories)
      return loaded
    })
  )

/** Every command through the service, in load order (assignments through `assign`). */
const throughService = (histories: ReadonlyArray<County.History>) =>
  Effect.gen(function* () {
    const service = yield* ReferralService.ReferralService
    const sent: Array<string> = []
    for (const h of histories) {
      for (const step of h.steps) {
        const c = step.command
        const executed =
          step.assignment && c._tag === "AssignLinkWorker"
            ? yield* service.assign({
                referralId: c.referralId,
                idempotencyKey: c.idempotencyKey,
                actor: c.actor,
                at: c.at,
                linkWorkerId: c.linkWorker.id
              })
            : yield* service.execute(c)
        expect(executed.replayed).toBe(false)
        expect(executed.events).toEqual(step.events)
        if (c._tag === "RecordMessageOutcome" && c.outcome === "sent") sent.push(c.messageId)
      }
    }
    yield* Loader.settleOutbox(sent)
  })

const serviceOn = (client: Layer.Layer<SqlClient.SqlClient, SqlError>) =>
  ReferralService.layer.pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        SqlReferralStore.layer,
        SqlAuditLog.layer,
        LinkWorkerRegistry.layerMemory(County.linkWorkers),
        ReferralService.catalogLayer(County.catalog)
      )
    ),
    Layer.provideMerge(client)
  )

/** How many commands of each plan kind (`RecordActivity` by step) the histories hold. */
const planCommands = (histories: ReadonlyArray<County.History>) => {
  const counts = new Map<string, number>()
  for (const h of histories) {
    for (const { command: c } of h.steps) {
      const kind = c._tag === "RecordActivity" ? `RecordActivity:${c.step}` : c._tag
      if (/^Record(Plan|Activity|UnmetNeed)/.test(kind)) counts.set(kind, (counts.get(kind) ?? 0) + 1)
    }
  }
  return counts
}

describe("the scale benchmark's county", () => {
  it("has every fate, every step of a plan, histories of 4 to 36 events, and nothing due at its clock", () => {
    const histories = generate()
    const fates = new Set(histories.map((h) => h.fate))
    for (const fate of ["FollowedUp", "FollowUpMissed", "Declined", "Unreachable", "Rejected", "Active"] as const) {
      expect(fates).toContain(fate)
    }
    const plans = planCommands(histories)
    for (const kind of [
      "RecordPlan",
      "RecordActivity:suggested",
      "RecordActivity:tried",
      "RecordActivity:joined",
      "RecordActivity:left",
      "RecordActivity:continuing",
      "RecordUnmetNeed"
    ]) {
      expect(plans.get(kind) ?? 0, kind).toBeGreaterThan(0)
    }
    // in proportion: fewer tried than suggested, fewer joined than tried, fewer left than joined
    const n = (kind: string) => plans.get(kind) ?? 0
    expect(n("RecordActivity:suggested")).toBeGreaterThan(n("RecordActivity:tried"))
    expect(n("RecordActivity:tried")).toBeGreaterThan(n("RecordActivity:joined"))
    expect(n("RecordActivity:joined")).toBeGreaterThan(n("RecordActivity:left"))
    // every activity a plan names is a version the directory holds, as the plan recorded it
    const listed = County.directory(size).directory
    for (const h of histories) {
      for (const a of h.state.plan.activities) {
        const version = listed.activity(a.activity.id, a.activity.version)
        expect(version?.organisationId, a.activity.id).toBe(a.activity.organisationId)
        expect(version?.area).toBe(a.activity.area)
        expect(version?.accompanyingAllowed).toBe(a.activity.accompanyingAllowed)
      }
    }
    for (const h of histories) {
      const events = h.steps.reduce((n, s) => n + s.events.length, 0)
      expect(events).toBeGreaterThanOrEqual(4)
      expect(events).toBeLessThanOrEqual(36)
      const programme = County.catalog.get(h.state.programme?.id ?? "", h.state.programme?.version ?? 0)
      if (programme === undefined) throw new Error(`no programme for ${h.referralId}`)
      expect(Deadlines.dueFirings(h.state, programme, County.now)).toEqual([])
    }
  })
})

for (const db of databases()) {
  describe(`the bulk loader on ${db.name}`, () => {
    it("writes the rows the service writes, and a projection equal to a rebuild", async () => {
      const histories = generate()
      const [viaLoader, viaService] = await Effect.runPromise(
        Effect.all([
          Effect.gen(function* () {
            const loaded = yield* db.name === "PostgreSQL" ? bulkViaCopy(histories) : bulk(histories)
            expect(loaded.referrals).toBe(size)
            const before = yield* snapshot
            yield* SqlProjections.rebuildProjections()
            const rebuilt = yield* snapshot
            // a rebuild knows no programme catalog: it leaves the next deadline to the scheduler ("" = not computed)
            const withoutDue = (rows: ReadonlyArray<Record<string, unknown>>) =>
              rows.map(({ next_due_at: _, ...row }) => row)
            expect(withoutDue(rebuilt.projection)).toEqual(withoutDue(before.projection))
            expect(rebuilt.projection.every((r) => r.next_due_at === "")).toBe(true)
            return before
          }).pipe(Effect.provide(db.client)),
          Effect.gen(function* () {
            // the same store secret as the loader's (made before the service's first command asks for it)
            const sql = yield* SqlClient.SqlClient
            yield* sql`INSERT INTO store_secrets (name, secret) VALUES ('fingerprint', ${secret})`
            yield* throughService(histories)
            return yield* snapshot
          }).pipe(Effect.provide(serviceOn(db.client)))
        ])
      )
      expect(viaLoader.streams).toEqual(viaService.streams)
      expect(viaLoader.events).toEqual(viaService.events)
      expect(viaLoader.keys).toEqual(viaService.keys)
      expect(viaLoader.projection).toEqual(viaService.projection)
      expect(viaLoader.outbox).toEqual(viaService.outbox)
      expect(viaLoader.subjects).toEqual(viaService.subjects)
      expect(viaLoader.events.length).toBeGreaterThan(size * 10)
      // the plans are among what compared equal: their events, the plan in the states, the client's words in the vault
      const planEvents = viaLoader.events.filter((e) =>
        /^(PlanRecorded|ActivityRecorded|UnmetNeedRecorded)$/.test(String(e.type))
      )
      expect(planEvents.length).toBeGreaterThan(size)
      const planned = viaLoader.projection.filter(
        (r) => ((r.state as { plan?: { activities?: ReadonlyArray<unknown> } }).plan?.activities?.length ?? 0) > 0
      )
      expect(planned.length).toBeGreaterThan(size / 4)
      const words = viaLoader.subjects.filter((r) => JSON.stringify(r.data).includes("whatMatters"))
      expect(words.length).toBeGreaterThan(size / 4)
    }, 120_000)

    it("writes the county's directory as coordinators write it: every version, read back page by page", async () => {
      const county = County.directory(size)
      const [written, stored, version1] = await Effect.runPromise(
        Effect.gen(function* () {
          const written = yield* Loader.loadDirectory(county)
          const store = yield* SqlDirectoryStore.make
          const stored = yield* DirectoryStore.current.pipe(Effect.provideService(DirectoryStore.DirectoryStore, store))
          const changed = county.changes.activities?.[0]?.id as string
          const version1 = yield* store.activity(changed, 1)
          return [written, stored, version1] as const
        }).pipe(Effect.provide(db.client))
      )
      expect(written.activities.length).toBe(
        (county.first.activities?.length ?? 0) + (county.changes.activities?.length ?? 0)
      )
      expect(stored.currentActivities).toEqual(county.directory.currentActivities)
      expect(stored.currentOrganisations).toEqual(county.directory.currentOrganisations)
      expect(stored.currentActivities.filter((a) => a.version === 2)).toHaveLength(
        county.changes.activities?.length ?? 0
      )
      expect(version1._tag).toBe("Some")
    }, 120_000)
  })
}
