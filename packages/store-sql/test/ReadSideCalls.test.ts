/**
 * What each read costs, counted on SQLite and PostgreSQL: the streams loaded
 * (`ReferralStore.load` and the ids `ReferralIndex.streams` reads) and the
 * SQL statements run, for every view of `ReferralQueries` (the coordinator's
 * inbox with and without filters, the link worker's caseload and one
 * referral, the referrer's overview and one referral's status, subject
 * access), for an assignment (`ReferralService.assign`) and for the worker's
 * round with nothing due (`SqlDispatcher.workOnce`). No view loads a stream
 * for a list it returns, one referral's view or an assignment loads that
 * referral's stream only, a quiet round loads none; and the statements do
 * not grow with the store: the same reads (full pages of 5) on a store three
 * times as large run the same number of statements. The referrals in
 * contact have a plan: the caseload shows it from the page's states (no
 * stream loaded for it). The directory's reads (`SqlDirectoryStore`: pages of
 * activities with and without filters, organisations, an HSDS page) run the
 * same statements on a directory three times as large.
 */
import { describe, expect, it } from "@effect/vitest"
import {
  type Actor,
  type Directory,
  DirectoryPresets,
  DirectoryStore,
  Ids,
  LinkWorkerRegistry,
  Mailer,
  Presets,
  type ReferralCommand,
  ReferralQueries,
  ReferralService,
  SmsSender
} from "@lahete/core"
import { SqlAuditLog, SqlDirectoryStore, SqlDispatcher } from "@lahete/store-sql"
import { Fixtures as F, SimulatedTime, StaffMailAudit } from "@lahete/testing"
import { Clock, Effect, Layer, Schema } from "effect"
import type * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import { counted, databases, wrappedStore } from "./support/layers.js"

const referralId = Schema.decodeSync(Ids.ReferralId)
const subjectId = Schema.decodeSync(Ids.SubjectId)
const key = Schema.decodeSync(Ids.IdempotencyKey)

type Command = ReferralCommand.ReferralCommand

/**
 * Referral `i` of the store: submitted; every third assigned and in contact,
 * with a plan (goals, the walking group suggested, tried and joined, an
 * unmet need); every fifth rejected.
 */
const commandsOf = (i: number): ReadonlyArray<Command> => {
  const id = referralId(`r-calls-${String(i).padStart(5, "0")}`)
  const on = (c: Command): Command => ({ ...c, referralId: id, idempotencyKey: key(`${id}-${c.idempotencyKey}`) })
  const submit = on(F.submit({ subjectId: subjectId(`subject-calls-${i}`) }))
  if (i % 5 === 0) return [submit, on(F.reject())]
  if (i % 3 === 0) {
    return [
      submit,
      on(F.assign()),
      on(F.scheduleCall()),
      on(F.firstContact()),
      on(F.plan()),
      on(F.activity("suggested", { at: F.at(24 * 14) })),
      on(F.activity("tried", { at: F.at(24 * 15) })),
      on(F.activity("joined", { at: F.at(24 * 16) })),
      on(F.unmetNeed({ at: F.at(24 * 16) }))
    ]
  }
  return [submit]
}

const options: SqlDispatcher.Options = {
  templates: { referralUrl: "https://lahete.example.fi/referrals/{referralId}" },
  coordinators: { [Presets.kemijarvi.id]: ["k@example.fi"] }
}

const inboxScope = { programmeIds: [Presets.kemijarvi.id] }

const world = (client: Layer.Layer<SqlClient.SqlClient, SqlError>) => {
  const counts = { loads: 0 }
  const layer = ReferralService.layer.pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        wrappedStore({
          store: (store) => ({
            ...store,
            load: (id) =>
              Effect.andThen(
                Effect.sync(() => counts.loads++),
                store.load(id)
              ),
            // a command reads its referral's current state (its projection row), not its stream: counted as a read
            current: (id) =>
              Effect.andThen(
                Effect.sync(() => counts.loads++),
                store.current(id)
              )
          }),
          index: (index) => ({
            ...index,
            streams: (ids) =>
              Effect.andThen(
                Effect.sync(() => (counts.loads += ids.length)),
                index.streams(ids)
              )
          })
        }),
        SqlAuditLog.layer,
        SqlDirectoryStore.layer,
        LinkWorkerRegistry.layerMemory([F.linkWorker(), F.otherLinkWorker()]),
        ReferralService.catalogLayer(Presets.catalog),
        StaffMailAudit.layer(Mailer.layerMemory, "store-sql/ReadSideCalls.test.ts"),
        SmsSender.layerMemory
      )
    ),
    Layer.provideMerge(Layer.fresh(client))
  )
  return { counts, layer }
}

/** Streams loaded and statements run by `effect`. */
const cost = <A, E, R>(counts: { loads: number }, effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const before = counts.loads
    const { result, statements } = yield* counted(effect)
    return { result, loads: counts.loads - before, statements }
  })

/** The reads measured, each with the number of streams it may load. */
interface Read {
  readonly name: string
  /** The streams it may load. */
  readonly loads: number
  readonly run: Effect.Effect<unknown, ReferralQueries.QueryError, ReferralQueries.Requirements>
  /** What the answer must show (so that a cheap answer is not an empty one). */
  readonly shows?: (result: unknown) => void
}

/** The caseload's page shows the plans (goals, the activity joined, the unmet need). */
const showsPlans = (result: unknown) => {
  const entries = (result as { readonly entries: ReadonlyArray<{ readonly plan: Plan }> }).entries
  expect(entries.length).toBeGreaterThan(0)
  for (const entry of entries) {
    expect(entry.plan.goals).toEqual(F.plan().goals)
    expect(entry.plan.activities.map((a) => [a.activity.id, a.step])).toEqual([[F.walkingGroup.id, "joined"]])
    expect(entry.plan.unmetNeeds).toEqual([{ category: "evening-activity", area: "Kemijärvi, keskusta" }])
  }
}
type Plan = {
  readonly goals: ReadonlyArray<string>
  readonly activities: ReadonlyArray<{ readonly activity: { readonly id: string }; readonly step: string }>
  readonly unmetNeeds: ReadonlyArray<unknown>
}

const unversioned = <A extends { readonly version: number }>({ version: _, ...rest }: A): Omit<A, "version"> => rest
const template = DirectoryPresets.kemijarvi.activity(DirectoryPresets.kemijarviIds.walkingGroup) as Directory.Activity

/** A directory of `n` organisations with four activities each (in five areas, every fourth inactive). */
const directoryOf = (n: number): DirectoryStore.Changes => {
  const uuid = (prefix: string, k: number) => `${prefix}-0000-4000-8000-${String(k).padStart(12, "0")}`
  const organisations = Array.from({ length: n }, (_, k) => ({
    ...unversioned(DirectoryPresets.kemijarvi.currentOrganisations[0] as Directory.Organisation),
    id: uuid("bbbbbbbb", k) as Directory.DirectoryOrganisationId,
    name: `Yhdistys ${k}`
  }))
  const activities = Array.from({ length: 4 * n }, (_, k) => ({
    ...unversioned(template),
    id: uuid("aaaaaaaa", k) as Directory.ActivityId,
    organisationId: uuid("bbbbbbbb", k % n) as Directory.DirectoryOrganisationId,
    area: `area-${k % 5}`,
    status: k % 4 === 3 ? ("inactive" as const) : ("active" as const),
    name: `Ryhmä ${k}`
  }))
  return { organisations, activities }
}

/** The directory's reads, full pages of 5 (organisations: 3, each with four activities). */
const directoryReads: ReadonlyArray<{
  readonly name: string
  readonly run: Effect.Effect<
    { readonly items: number; readonly next: boolean },
    unknown,
    DirectoryStore.DirectoryStore
  >
}> = [
  {
    name: "directory activities, first page and the next",
    run: Effect.gen(function* () {
      const store = yield* DirectoryStore.DirectoryStore
      const first = yield* store.activities({}, { limit: 5 })
      const second = yield* store.activities({}, { limit: 5, after: first.next })
      return { items: first.items.length + second.items.length, next: second.next !== undefined }
    })
  },
  {
    name: "directory activities of an area, active only",
    run: Effect.map(
      DirectoryStore.DirectoryStore.use((store) =>
        store.activities({ area: "area-2", activeOnly: true }, { limit: 5 })
      ),
      (page) => ({ items: page.items.length, next: page.next !== undefined })
    )
  },
  {
    name: "directory organisations",
    run: Effect.map(
      DirectoryStore.DirectoryStore.use((store) => store.organisations({ limit: 5 })),
      (page) => ({ items: page.items.length, next: page.next !== undefined })
    )
  },
  {
    name: "an HSDS page (organisations with their activities)",
    run: Effect.map(DirectoryStore.currentPage({ limit: 3 }), (page) => ({
      items: page.directory.currentActivities.length,
      next: page.next !== undefined
    }))
  }
]

const reads = (): ReadonlyArray<Read> => {
  // referral 3 is assigned to the fixture link worker, in contact
  const assigned = referralId("r-calls-00003")
  const coordinator: Actor.Actor = F.coordinator
  return [
    {
      name: "coordinator inbox, first page",
      loads: 0,
      run: ReferralQueries.coordinatorInbox(coordinator, inboxScope, { limit: 5 })
    },
    {
      name: "coordinator inbox, filtered by status and link worker",
      loads: 0,
      run: ReferralQueries.coordinatorInbox(coordinator, inboxScope, {
        limit: 5,
        statuses: ["Active"],
        linkWorkerId: F.linkWorker().id
      })
    },
    {
      name: "coordinator inbox with ended referrals",
      loads: 0,
      run: ReferralQueries.coordinatorInbox(coordinator, inboxScope, { limit: 5, includeEnded: true })
    },
    {
      name: "caseload (with plans)",
      loads: 0,
      run: ReferralQueries.linkWorkerCaseload(F.linkWorkerActor, { limit: 5 }),
      shows: showsPlans
    },
    { name: "one caseload referral", loads: 1, run: ReferralQueries.linkWorkerReferral(F.linkWorkerActor, assigned) },
    { name: "referrer overview", loads: 0, run: ReferralQueries.referrerOverview(F.referrer, { limit: 5 }) },
    { name: "one referral's status", loads: 1, run: ReferralQueries.referralStatus(F.referrer, assigned) },
    {
      name: "subject access",
      loads: 0,
      run: ReferralQueries.subjectAccess(F.client, subjectId("subject-1"), { limit: 5 })
    }
  ]
}

/** Runs the store of `n` referrals and measures every read, an assignment and a quiet worker round. */
const measure = (client: Parameters<typeof world>[0], n: number) =>
  Effect.gen(function* () {
    const { counts, layer } = world(client)
    return yield* Effect.gen(function* () {
      const service = yield* ReferralService.ReferralService
      for (let i = 0; i < n; i++) for (const c of commandsOf(i)) yield* service.execute(c)
      // the client of subject access: one referral of subject-1
      for (const c of commandsOf(1)) {
        yield* service.execute({
          ...c,
          referralId: referralId("r-subject-1"),
          idempotencyKey: key(`s1-${c.idempotencyKey}`),
          ...(c._tag === "SubmitReferral" ? { subjectId: subjectId("subject-1") } : {})
        })
      }
      const out: Array<{ readonly name: string; readonly loads: number; readonly statements: number }> = []
      for (const read of reads()) {
        const measured = yield* cost(counts, read.run)
        expect(measured.loads, read.name).toBeLessThanOrEqual(read.loads)
        read.shows?.(measured.result)
        out.push({ name: read.name, loads: measured.loads, statements: measured.statements })
      }
      // an assignment: one referral's stream, the load counted by index
      const assigned = yield* cost(
        counts,
        service.assign({
          referralId: referralId("r-calls-00001"),
          linkWorkerId: F.otherLinkWorker().id,
          actor: F.coordinator,
          at: F.at(5),
          idempotencyKey: key("assign-measured")
        })
      )
      expect(assigned.loads).toBe(1)
      out.push({ name: "assignment", loads: assigned.loads, statements: assigned.statements })
      // a worker round with nothing due (the fixtures' first deadlines fall days after their dates), after a
      // round that sent the coordinator notifications
      const quiet = SimulatedTime.settable(F.at(5), yield* Clock.Clock).clock
      yield* SqlDispatcher.workOnce(options).pipe(Effect.provideService(Clock.Clock, quiet))
      const round = yield* cost(counts, SqlDispatcher.workOnce(options).pipe(Effect.provideService(Clock.Clock, quiet)))
      expect(round.result.step.fired).toEqual([])
      expect(round.loads).toBe(0)
      expect(round.result.dispatched).toEqual([])
      out.push({ name: "worker round, nothing due", loads: round.loads, statements: round.statements })
      // the directory: n/3 organisations, 4n/3 activities
      yield* DirectoryStore.DirectoryStore.use((store) => store.put(directoryOf(n / 3)))
      for (const read of directoryReads) {
        const measured = yield* cost(counts, read.run)
        // full pages, more following: what the page returns, at every size
        expect(measured.result.next, read.name).toBe(true)
        expect(measured.result.items, read.name).toBe(
          read.name.startsWith("an HSDS") ? 12 : read.name.includes("next") ? 10 : 5
        )
        out.push({ name: read.name, loads: measured.loads, statements: measured.statements })
      }
      return out
    }).pipe(Effect.provide(layer))
  })

for (const database of databases()) {
  describe(`what each read costs on ${database.name}`, () => {
    it.live(
      "no view, assignment or quiet worker round loads more streams than it returns; statements do not grow with the store",
      () =>
        Effect.gen(function* () {
          const small = yield* measure(database.client, 30)
          const large = yield* measure(database.client, 90)
          for (const [i, s] of small.entries()) {
            const l = large[i]
            expect(l?.name).toBe(s.name)
            expect(l?.statements, s.name).toBe(s.statements)
            expect(l?.loads, s.name).toBe(s.loads)
          }
        }),
      180_000
    )
  })
}
