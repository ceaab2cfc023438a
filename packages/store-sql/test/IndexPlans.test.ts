/**
 * The query plans of `SqlReferralIndex` on a projection of 30,000 referrals
 * (written straight into `referral_projection`, then `ANALYZE`), on SQLite
 * and PostgreSQL: every question the index answers (each shape of `find`,
 * the next page after a cursor, `due`, `activeClients`, `linkWorkerLoad`),
 * its statements captured as they run (`Statement.CurrentTransformer`) and
 * explained. (`activeClients` and `linkWorkerLoad` read `link_worker_load`,
 * one row per link worker: `SqlReferralIndex.test.ts`.) Each reads the index meant for it, never the whole table, and
 * never sorts more than one page per range: on SQLite `EXPLAIN QUERY PLAN`
 * names the index and shows no sort inside a range; on PostgreSQL
 * `EXPLAIN (ANALYZE, FORMAT JSON)` shows no sequential scan, and the index
 * entries read are at most one page (plus one) per range and per looked-up
 * row, a bound far below the referrals that match (thousands). (PostgreSQL
 * may sort a range it expects to be short; the bound on what it reads
 * covers that.)
 *
 * The directory's reads (`SqlDirectoryStore`: pages of activities with each
 * filter, active ones only, organisations, the activities of a page of
 * organisations, one version) are explained the same way on a directory of
 * 20,000 activities (every tenth in two versions): each reads its
 * partial index (or the primary key) and at most a page (and one more) per
 * range, however large the directory.
 *
 * One answer is bounded by the work the county has rather than by the
 * page, by design (see `SqlReferralIndex`): a deadline filter within a
 * programme's open referrals reads those open referrals.
 */
import { describe, expect, it } from "@effect/vitest"
import type { Ids, Instant } from "@lahete/core"
import { type Directory, DirectoryPresets, DirectoryStore, ReferralIndex } from "@lahete/core"
import { SqlDirectoryStore, SqlReferralStore } from "@lahete/store-sql"
import { Effect, Layer } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { capture, databases } from "./support/layers.js"

const rowsToLoad = 30_000

/** 85 % ended (years of referrals), the rest submitted, assigned or active. */
const statusCase = `CASE WHEN i % 20 < 14 THEN 'FollowedUp' WHEN i % 20 = 14 THEN 'Rejected' WHEN i % 20 = 15 THEN 'Declined'
  WHEN i % 20 = 16 THEN 'Withdrawn' WHEN i % 20 = 17 THEN 'Submitted' WHEN i % 20 = 18 THEN 'Active' ELSE 'Assigned' END`

const load = (n: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const isPg = sql.onDialectOrElse({ pg: () => true, orElse: () => false })
    const pad = isPg ? "lpad(i::text, 8, '0')" : "substr('00000000' || i, -8, 8)"
    // submission order unrelated to the order the rows are stored in (as after an import): no index gains from it
    const shuffled = isPg
      ? `lpad(((i * 7919) % ${n})::text, 8, '0')`
      : `substr('00000000' || ((i * 7919) % ${n}), -8, 8)`
    // when the referrer's view changed: unrelated to the submission order too
    const changed = isPg
      ? `lpad(((i * 7907) % ${n})::text, 8, '0')`
      : `substr('00000000' || ((i * 7907) % ${n}), -8, 8)`
    const select = `SELECT 'r-' || ${pad}, 1, ${statusCase}, 'p-' || (i % 7), 1, 's-' || (i / 2),
        CASE WHEN i % 10 = 3 THEN 'ref-busy' ELSE 'ref-' || (i % 1009) END,
        CASE WHEN i % 10 = 3 THEN 'org-busy' ELSE 'org-' || ((i % 1009) % 50) END,
        CASE WHEN i % 20 = 17 THEN NULL ELSE 'lw-' || (i % 203) END,
        '2020-01-01T00:00:00.000Z', 0, 1, 0,
        CASE WHEN i % 20 < 17 THEN NULL WHEN i % 3 = 0 THEN '2024-' || ${shuffled} ELSE '2030-' || ${shuffled} END,
        '2020-' || ${shuffled},
        CASE WHEN i % 20 < 17 THEN 1 ELSE 0 END,
        '2020-' || ${changed}, CASE WHEN i % 10 = 0 THEN '2021-' || ${changed} END,
        ${isPg ? `'{"status":"Active","version":1}'::jsonb` : `'{"status":"Active","version":1}'`}`
    const columns = `(referral_id, version, status, programme_id, programme_version, subject_id, referrer_id,
      referrer_organisation, link_worker_id, submitted_at, failed_attempts, valid_mobile, personal_data_erased,
      next_due_at, sort_key, ended, view_changed_at, feedback_expires_at, state)`
    if (isPg) {
      yield* sql.unsafe(`INSERT INTO referral_projection ${columns}
        ${select} FROM generate_series(1, ${n}) AS g(i)`)
      yield* sql.unsafe("VACUUM ANALYZE referral_projection")
    } else {
      yield* sql.unsafe(`INSERT INTO referral_projection ${columns}
        WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < ${n}) ${select} FROM g`)
      yield* sql.unsafe("ANALYZE")
    }
  })

/** A PostgreSQL plan node (`EXPLAIN (FORMAT JSON)`), the fields read here. */
interface PgNode {
  readonly "Node Type": string
  readonly "Relation Name"?: string
  readonly "Index Name"?: string
  readonly "Actual Rows"?: number
  readonly "Actual Loops"?: number
  readonly "Rows Removed by Filter"?: number
  readonly Plans?: ReadonlyArray<PgNode>
}

const pgNodes = (node: PgNode): ReadonlyArray<PgNode> => [node, ...(node.Plans ?? []).flatMap(pgNodes)]

/** What a plan shows: the indexes read, whether it scans the table or sorts a range, and the entries it read. */
interface Explained {
  readonly text: string
  readonly indexes: ReadonlyArray<string>
  readonly fullScan: boolean
  readonly sortsARange: boolean
  /** PostgreSQL: index entries read (and rows dropped by a filter); the ranges read (the scans other than by primary key). */
  readonly read?: number
  readonly ranges?: number
}

const explain = (
  text: string,
  params: ReadonlyArray<unknown>,
  tables: ReadonlyArray<string> = ["referral_projection"]
) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const isPg = sql.onDialectOrElse({ pg: () => true, orElse: () => false })
    if (isPg) {
      const rows = yield* sql.unsafe<Record<string, unknown>>(
        `EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, FORMAT JSON) ${text}`,
        [...params]
      )
      const raw = Object.values(rows[0] ?? {})[0]
      const parsed = (typeof raw === "string" ? JSON.parse(raw) : raw) as ReadonlyArray<{ readonly Plan: PgNode }>
      const nodes = pgNodes((parsed[0] as { readonly Plan: PgNode }).Plan)
      const scans = nodes.filter((n) => /Index/.test(n["Node Type"]) && n["Index Name"] !== undefined)
      const ranges = scans.filter((n) => !tables.some((t) => n["Index Name"] === `${t}_pkey`))
      return {
        text: JSON.stringify(parsed, null, 1),
        indexes: [...new Set(ranges.map((n) => n["Index Name"] as string))],
        fullScan: nodes.some((n) => n["Node Type"] === "Seq Scan"),
        // PostgreSQL may sort a range it expects to be short (its statistics say so): the entries read bound it
        sortsARange: false,
        read: scans.reduce(
          (sum, n) => sum + ((n["Actual Rows"] ?? 0) + (n["Rows Removed by Filter"] ?? 0)) * (n["Actual Loops"] ?? 1),
          0
        ),
        ranges: ranges.length
      } satisfies Explained
    }
    const rows = yield* sql.unsafe<{ detail: string; id: number; parent: number }>(`EXPLAIN QUERY PLAN ${text}`, [
      ...params
    ])
    const byId = new Map(rows.map((r) => [r.id, r]))
    const onTable = rows.filter((r) => tables.some((t) => new RegExp(`^(SCAN|SEARCH) ${t}\\b`).test(r.detail)))
    return {
      text: rows.map((r) => `${r.id}/${r.parent} ${r.detail}`).join("\n"),
      indexes: [...new Set(onTable.flatMap((r) => /INDEX (\w+)/.exec(r.detail)?.[1] ?? []))],
      fullScan: onTable.some((r) => !/INDEX/.test(r.detail)),
      // a sort directly in a range (or in a one-range statement), not in the merge of the ranges' pages
      sortsARange: rows.some(
        (r) =>
          r.detail.startsWith("USE TEMP B-TREE") &&
          (r.parent === 0 || /^CO-ROUTINE b\d+$/.test(byId.get(r.parent)?.detail ?? ""))
      )
    } satisfies Explained
  })

const p = (...ids: ReadonlyArray<string>) => ids as ReadonlyArray<Ids.ProgrammeId>
const lw = "lw-7" as Ids.ActorId
const at = (text: string) => text as Instant.Instant

/** Runs a page, then the next one after its cursor. */
const twoPages =
  (run: (index: ReferralIndex.Shape, after?: string) => Effect.Effect<ReferralIndex.Page<unknown>, unknown>) =>
  (index: ReferralIndex.Shape) =>
    Effect.gen(function* () {
      const first = yield* run(index)
      expect(first.next).toBeDefined()
      yield* run(index, first.next)
    })

interface Shape {
  readonly name: string
  readonly run: (index: ReferralIndex.Shape) => Effect.Effect<unknown, unknown>
  /** The indexes it must read. */
  readonly indexes: ReadonlyArray<string>
  /** Another index PostgreSQL may read instead or as well (in a bitmap), by its statistics. */
  readonly alsoAllowed?: string
  /** The page size (the bound of the entries read per range). */
  readonly limit?: number
  /** Bounded by the county's work rather than by the page (see the module's comment): no bound checked. */
  readonly unbounded?: boolean
  /**
   * PostgreSQL may instead read every row of the answer's range and sort it,
   * when its statistics say that costs less: then at most the rows this
   * counts (`due`: the referrals due, O(due)).
   */
  readonly orAtMost?: string
  /**
   * Reads the ranges of what changed since an instant and sorts them into
   * the page's order: bounded by the changes (`orAtMost`), not by the page.
   */
  readonly changes?: boolean
}

const shapes: ReadonlyArray<Shape> = [
  {
    name: "inbox: a programme's open referrals, two pages",
    run: twoPages((i, after) => i.find({ programmeIds: p("p-3"), ended: false }, { limit: 50, after })),
    indexes: ["referral_projection_programme_open"]
  },
  {
    name: "inbox: three programmes' open referrals, two pages",
    run: twoPages((i, after) => i.find({ programmeIds: p("p-1", "p-2", "p-3"), ended: false }, { limit: 50, after })),
    indexes: ["referral_projection_programme_open"]
  },
  {
    name: "inbox: two programmes in two statuses",
    run: (i) => i.find({ programmeIds: p("p-1", "p-2"), statuses: ["Submitted", "Assigned"] }, { limit: 50 }),
    indexes: ["referral_projection_programme_status"]
  },
  {
    name: "inbox: a programme's referrals at risk",
    run: (i) => i.find({ programmeIds: p("p-1"), ended: false, dueBy: at("2025-01-01T00:00:00.000Z") }, { limit: 50 }),
    indexes: ["referral_projection_programme_open"],
    alsoAllowed: "referral_projection_due",
    unbounded: true
  },
  {
    name: "caseload: a link worker's open referrals",
    run: (i) => i.find({ linkWorkerId: lw, ended: false }, { limit: 50 }),
    indexes: ["referral_projection_link_worker"]
  },
  {
    name: "a link worker's referrals in a status",
    run: (i) => i.find({ linkWorkerId: lw, statuses: ["Assigned"] }, { limit: 50 }),
    indexes: ["referral_projection_link_worker"],
    alsoAllowed: "referral_projection_caseload",
    // the link worker's open referrals (a caseload) are read, the status checked on each
    unbounded: true
  },
  {
    name: "every referral of a link worker, two pages",
    run: twoPages((i, after) => i.find({ linkWorkerId: lw }, { limit: 50, after })),
    indexes: ["referral_projection_link_worker"]
  },
  {
    name: "referrer overview, two pages",
    run: twoPages((i, after) =>
      i.find(
        { referrer: { id: "ref-17" as Ids.ActorId, organisation: "org-17" as Ids.OrganisationId } },
        { limit: 10, after }
      )
    ),
    indexes: ["referral_projection_referrer"],
    limit: 10
  },
  {
    name: "a busy referrer's changes poll (recorded changes and feedback consents expired since), two pages",
    run: twoPages((i, after) =>
      i.find(
        {
          // a referrer with 3,000 referrals, about 15 of them changed since
          referrer: { id: "ref-busy" as Ids.ActorId, organisation: "org-busy" as Ids.OrganisationId },
          changedSince: { since: at("2020-00029850"), at: at("2021-00001000") }
        },
        { limit: 5, after }
      )
    ),
    indexes: ["referral_projection_referrer_changed", "referral_projection_referrer_expiry"],
    limit: 5,
    changes: true,
    orAtMost: `SELECT count(*) AS n FROM referral_projection WHERE referrer_id = 'ref-busy' AND
      (view_changed_at >= '2020-00029850' OR feedback_expires_at BETWEEN '2020-00029850' AND '2021-00001000')`
  },
  {
    name: "subject access",
    run: (i) => i.find({ subjectId: "s-1000" as Ids.SubjectId }, { limit: 50 }),
    indexes: ["referral_projection_subject"]
  },
  {
    name: "evaluation: a programme's referrals of a period, two pages",
    run: twoPages((i, after) =>
      i.find(
        { programmeIds: p("p-4"), submittedFrom: at("2020-00005000"), submittedBefore: at("2020-00025000") },
        { limit: 500, after }
      )
    ),
    indexes: ["referral_projection_programme_open"],
    limit: 500
  },
  {
    name: "a status",
    run: (i) => i.find({ statuses: ["Submitted"] }, { limit: 50 }),
    indexes: ["referral_projection_status"]
  },
  {
    name: "every open referral",
    run: (i) => i.find({ ended: false }, { limit: 50 }),
    indexes: ["referral_projection_status"]
  },
  {
    name: "every referral, two pages",
    run: twoPages((i, after) => i.find({}, { limit: 50, after })),
    indexes: ["referral_projection_order"]
  },
  {
    name: "due: nothing due",
    run: (i) => i.due(at("2020-01-01T00:00:00.000Z"), { limit: 50 }),
    indexes: ["referral_projection_due"]
  },
  {
    name: "due: many due, two pages",
    run: twoPages((i, after) => i.due(at("2025-01-01T00:00:00.000Z"), { limit: 50, after })),
    indexes: ["referral_projection_due"],
    orAtMost: "SELECT count(*) AS n FROM referral_projection WHERE next_due_at <= '2025-01-01T00:00:00.000Z'"
  }
]

for (const database of databases()) {
  describe(`the index's query plans on ${database.name}, ${rowsToLoad} referrals`, () => {
    it.live(
      "every question reads its index, never the whole table, and a page per range",
      () =>
        Effect.gen(function* () {
          yield* load(rowsToLoad)
          const index = yield* ReferralIndex.ReferralIndex
          const sql = yield* SqlClient.SqlClient
          const isPg = sql.onDialectOrElse({ pg: () => true, orElse: () => false })
          for (const shape of shapes) {
            const { seen } = yield* capture(shape.run(index))
            expect(seen.length, shape.name).toBeGreaterThan(0)
            for (const [text, params] of seen) {
              const plan: Explained = yield* explain(text, params)
              const context = `${shape.name}\n${text}\n${plan.text}`
              expect(plan.fullScan, context).toBe(false)
              // the index meant for it (PostgreSQL may choose or add another that fits the question as well)
              expect(plan.indexes.length, context).toBeGreaterThan(0)
              for (const used of plan.indexes) expect([...shape.indexes, shape.alsoAllowed], context).toContain(used)
              if (!isPg) expect(plan.indexes, context).toEqual(shape.indexes)
              if (shape.unbounded) continue
              expect(plan.sortsARange, context).toBe(shape.changes === true && !isPg)
              if (plan.read !== undefined && plan.ranges !== undefined) {
                // each range stops after a page (and one more, to know whether more follow); the rows of the page are looked up
                const page = shape.changes ? 0 : (plan.ranges + 1) * ((shape.limit ?? 50) + 1)
                const range =
                  shape.orAtMost === undefined
                    ? 0
                    : Number((yield* sql.unsafe<{ n: unknown }>(shape.orAtMost))[0]?.n) + (shape.limit ?? 50) + 1
                expect(plan.read, context).toBeLessThanOrEqual(Math.max(page, range))
              }
            }
          }
        }).pipe(Effect.provide(SqlReferralStore.layer.pipe(Layer.provideMerge(database.client)))),
      300_000
    )
  })
}

// ---------------------------------------------------------------------------
// the directory
// ---------------------------------------------------------------------------

const activitiesToLoad = 20_000
const organisationsToLoad = 2_000
const uuid = (prefix: string, n: number) => `${prefix}-0000-4000-8000-${String(n).padStart(12, "0")}`
const activityId = (n: number) => uuid("aaaaaaaa", n)
const organisationId = (n: number) => uuid("bbbbbbbb", n)
const template = DirectoryPresets.kemijarvi.activity(DirectoryPresets.kemijarviIds.walkingGroup) as Directory.Activity
const organisationTemplate = DirectoryPresets.kemijarvi.currentOrganisations[0] as Directory.Organisation

/**
 * 2,000 organisations and 20,000 activities (ten each, in 40 areas, one in
 * four inactive), every tenth in two versions: written in multi-row
 * statements, then analysed.
 */
const loadDirectory = Effect.gen(function* () {
  const sql = (yield* SqlClient.SqlClient).withoutTransforms()
  const isPg = sql.onDialectOrElse({ pg: () => true, orElse: () => false })
  const json = sql.literal(isPg ? "::jsonb" : "")
  const organisations = Array.from({ length: organisationsToLoad }, (_, k) => ({
    ...organisationTemplate,
    id: organisationId(k),
    name: `Yhdistys ${k}`
  }))
  for (let k = 0; k < organisations.length; k += 500) {
    yield* sql`INSERT INTO directory_organisations (organisation_id, version, is_current, data) VALUES ${sql.csv(
      organisations.slice(k, k + 500).map((o) => sql`(${o.id}, 1, 1, ${JSON.stringify(o)}${json})`)
    )}`
  }
  const rows: Array<{ id: string; version: number; current: number; activity: Directory.Activity }> = []
  for (let k = 0; k < activitiesToLoad; k++) {
    const activity = {
      ...template,
      id: activityId(k),
      organisationId: organisationId(k % organisationsToLoad),
      area: `area-${k % 40}`,
      status: k % 4 === 1 ? "inactive" : "active",
      name: `Ryhmä ${k}`
    } as Directory.Activity
    if (k % 10 === 0) rows.push({ id: activity.id, version: 1, current: 0, activity: { ...activity, version: 1 } })
    const version = k % 10 === 0 ? 2 : 1
    rows.push({ id: activity.id, version, current: 1, activity: { ...activity, version } })
  }
  for (let k = 0; k < rows.length; k += 500) {
    yield* sql`INSERT INTO directory_activities
      (activity_id, version, organisation_id, area, status, is_current, data) VALUES ${sql.csv(
        rows.slice(k, k + 500).map(
          (r) =>
            sql`(${r.id}, ${r.version}, ${r.activity.organisationId}, ${r.activity.area}, ${r.activity.status},
                ${r.current}, ${JSON.stringify(r.activity)}${json})`
        )
      )}`
  }
  yield* sql.unsafe(isPg ? "VACUUM ANALYZE" : "ANALYZE")
})

interface DirectoryShape {
  readonly name: string
  readonly run: (store: DirectoryStore.Shape) => Effect.Effect<unknown, unknown>
  readonly indexes: ReadonlyArray<string>
  /** Another index PostgreSQL may read instead or as well. */
  readonly alsoAllowed?: ReadonlyArray<string>
  /** The most index entries a statement may read on PostgreSQL. */
  readonly bound: number
}

/** A page, then the next one after its cursor. */
const directoryPages =
  <A>(run: (store: DirectoryStore.Shape, after?: string) => Effect.Effect<DirectoryStore.Page<A>, unknown>) =>
  (store: DirectoryStore.Shape) =>
    Effect.gen(function* () {
      const first = yield* run(store)
      expect(first.next).toBeDefined()
      yield* run(store, first.next)
    })

const page = DirectoryStore.pageSizes.default
const directoryShapes: ReadonlyArray<DirectoryShape> = [
  {
    name: "directory: every current activity, two pages",
    run: directoryPages((s, after) => s.activities({}, { limit: page, after })),
    indexes: ["directory_activities_current"],
    bound: 2 * (page + 1)
  },
  {
    name: "directory: the activities of an area, two pages",
    run: directoryPages((s, after) => s.activities({ area: "area-7" }, { limit: page, after })),
    indexes: ["directory_activities_area"],
    bound: 2 * (page + 1)
  },
  {
    name: "directory: an organisation's activities",
    run: (s) => s.activities({ organisationId: organisationId(17) }, { limit: page }),
    indexes: ["directory_activities_organisation"],
    bound: 2 * (page + 1)
  },
  {
    name: "directory: the active activities, two pages (never past the inactive ones)",
    run: directoryPages((s, after) => s.activities({ activeOnly: true }, { limit: page, after })),
    indexes: ["directory_activities_active"],
    bound: 2 * (page + 1)
  },
  {
    name: "directory: the active activities of an area, two pages",
    run: directoryPages((s, after) => s.activities({ area: "area-3", activeOnly: true }, { limit: page, after })),
    indexes: ["directory_activities_active_area"],
    bound: 2 * (page + 1)
  },
  {
    name: "directory: an organisation's active activities",
    run: (s) => s.activities({ organisationId: organisationId(18), activeOnly: true }, { limit: page }),
    indexes: ["directory_activities_active_organisation"],
    alsoAllowed: ["directory_activities_organisation"],
    bound: 2 * (page + 1)
  },
  {
    name: "directory: organisations, two pages",
    run: directoryPages((s, after) => s.organisations({ limit: page, after })),
    indexes: ["directory_organisations_current"],
    bound: 2 * (page + 1)
  },
  {
    name: "directory: the activities of a page of organisations (an HSDS page)",
    run: (s) =>
      Effect.gen(function* () {
        const organisations = yield* s.organisations({ limit: page })
        const found = yield* s.activitiesOf(organisations.items.map((o) => o.id))
        expect(found.length).toBe(page * (activitiesToLoad / organisationsToLoad))
      }),
    indexes: ["directory_organisations_current", "directory_activities_organisation"],
    alsoAllowed: ["directory_activities_current"],
    // the organisations' page, then their activities (ten each) and one probe per organisation
    bound: 2 * (page * (activitiesToLoad / organisationsToLoad) + page + 1)
  },
  {
    name: "directory: one activity's current version and an earlier one",
    run: (s) =>
      Effect.gen(function* () {
        yield* s.activity(activityId(1230))
        yield* s.activity(activityId(1230), 1)
      }),
    // the current one along its partial index, an earlier one by the primary key (SQLite's name for it)
    indexes: ["directory_activities_current", "sqlite_autoindex_directory_activities_1"],
    alsoAllowed: ["directory_activities_pkey"],
    bound: 4
  }
]

for (const database of databases()) {
  describe(`the directory's query plans on ${database.name}, ${activitiesToLoad} activities`, () => {
    it.live(
      "every page reads its partial index, never the whole table, and a page per range",
      () =>
        Effect.gen(function* () {
          const store = yield* DirectoryStore.DirectoryStore
          yield* loadDirectory
          const sql = yield* SqlClient.SqlClient
          const isPg = sql.onDialectOrElse({ pg: () => true, orElse: () => false })
          for (const shape of directoryShapes) {
            const { seen } = yield* capture(shape.run(store))
            expect(seen.length, shape.name).toBeGreaterThan(0)
            for (const [text, params] of seen) {
              const plan: Explained = yield* explain(text, params, ["directory_activities", "directory_organisations"])
              const context = `${shape.name}\n${text}\n${plan.text}`
              expect(plan.fullScan, context).toBe(false)
              expect(plan.sortsARange, context).toBe(false)
              for (const used of plan.indexes) {
                expect([...shape.indexes, ...(shape.alsoAllowed ?? [])], context).toContain(used)
              }
              if (!isPg) {
                expect(plan.indexes.length, context).toBe(1)
                expect(shape.indexes, context).toContain(plan.indexes[0])
              }
              if (plan.read !== undefined) expect(plan.read, context).toBeLessThanOrEqual(shape.bound)
            }
          }
        }).pipe(Effect.provide(SqlDirectoryStore.layer.pipe(Layer.provideMerge(database.client)))),
      300_000
    )
  })
}
