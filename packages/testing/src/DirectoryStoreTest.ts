/**
 * The conformance suite for `DirectoryStore` layers (the in-memory store and
 * the SQL one): versions, all-or-nothing writes, pages by id with filters
 * (the page size clamped to `pageSizes.max`, opaque cursors, a foreign or
 * malformed one refused), the activities of a page of organisations, and the
 * preset directories stored and read back whole and a page at a time.
 *
 * @since 0.3.0
 */
import { describe, expect, it } from "@effect/vitest"
import { Directory, DirectoryPresets, DirectoryStore } from "@lahete/core"
import { Effect, Layer, Option, Result } from "effect"

type Activity = Directory.Activity

const preset = DirectoryPresets.kemijarvi
const ids = DirectoryPresets.kemijarviIds
const unversioned = <A extends { readonly version: number }>({ version: _, ...rest }: A): Omit<A, "version"> => rest
const presetChanges: DirectoryStore.Changes = {
  organisations: preset.currentOrganisations.map(unversioned),
  activities: preset.currentActivities.map(unversioned)
}
const walking = preset.activity(ids.walkingGroup) as Activity

/** A made-up activity id `n` (a UUID), sorting after the preset's. */
const madeUpId = (n: number) => `ffffffff-0000-4000-8000-${String(n).padStart(12, "0")}` as Directory.ActivityId

/**
 * Runs the suite against a layer (a fresh one per test).
 *
 * @since 0.3.0
 * @category conformance
 */
export const suite = <E>(name: string, layer: Layer.Layer<DirectoryStore.DirectoryStore, E>): void => {
  const withStore =
    <A, E2>(body: (store: DirectoryStore.Shape) => Effect.Effect<A, E2>) =>
    () =>
      DirectoryStore.DirectoryStore.use(body).pipe(Effect.provide(Layer.fresh(layer)))

  describe(`DirectoryStore conformance: ${name}`, () => {
    it.effect(
      "new entries are version 1; an edit is the next version and the earlier one stays; an unchanged entry writes nothing",
      withStore((store) =>
        Effect.gen(function* () {
          const first = yield* store.put(presetChanges)
          expect(first.activities.map((a) => a.version)).toEqual(preset.currentActivities.map(() => 1))
          expect(Option.getOrUndefined(yield* store.activity(walking.id))).toEqual(walking)
          const edited = { ...unversioned(walking), area: "Kemijärvi, Isokylä" }
          const second = yield* store.put({ activities: [edited] })
          expect(second.activities.map((a) => [a.id, a.version])).toEqual([[walking.id, 2]])
          expect(Option.getOrUndefined(yield* store.activity(walking.id))).toEqual({ ...edited, version: 2 })
          expect(Option.getOrUndefined(yield* store.activity(walking.id, 1))).toEqual(walking)
          const again = yield* store.put({ activities: [edited] })
          expect(again).toEqual({ organisations: [], activities: [] })
          expect(Option.isNone(yield* store.activity(walking.id, 3))).toBe(true)
          // the current version is what pages list: under its new area only
          const central = yield* store.activities({ area: "Kemijärvi, keskusta" }, { limit: 50 })
          expect(central.items.map((a) => a.id)).not.toContain(walking.id)
          const isokyla = yield* store.activities({ area: "Kemijärvi, Isokylä" }, { limit: 50 })
          expect(isokyla.items.map((a) => a.id)).toContain(walking.id)
        })
      )
    )

    it.effect(
      "all or nothing: an activity naming no organisation refuses the whole put, naming the path",
      withStore((store) =>
        Effect.gen(function* () {
          const org = presetChanges.organisations?.[0] as Omit<Directory.Organisation, "version">
          const orphan = { ...unversioned(walking), id: madeUpId(1), organisationId: madeUpId(2) as string }
          const refused = yield* Effect.result(
            store.put({
              organisations: [org],
              activities: [orphan as unknown as Omit<Activity, "version">]
            })
          )
          expect(Result.isFailure(refused)).toBe(true)
          if (Result.isFailure(refused)) expect(refused.failure._tag).toBe("InvalidDirectory")
          expect(Option.isNone(yield* store.organisation(org.id))).toBe(true)
          expect((yield* store.activities({}, { limit: 10 })).items).toEqual([])
        })
      )
    )

    it.effect(
      "pages: current activities by id, a page at a time, with filters; organisations too",
      withStore((store) =>
        Effect.gen(function* () {
          yield* store.put(presetChanges)
          const extra = Array.from({ length: 6 }, (_, i) => ({
            ...unversioned(walking),
            id: madeUpId(i + 1),
            name: `Ryhmä ${i + 1}`,
            status: i % 2 === 0 ? ("active" as const) : ("inactive" as const)
          }))
          yield* store.put({ activities: extra })
          const all: Array<string> = []
          let after: string | undefined
          let pages = 0
          do {
            const page: DirectoryStore.Page<Directory.Activity> = yield* store.activities({}, { limit: 4, after })
            expect(page.items.length).toBeLessThanOrEqual(4)
            all.push(...page.items.map((a) => a.id))
            after = page.next
            pages++
          } while (after !== undefined)
          const expected = [...preset.currentActivities.map((a) => a.id as string), ...extra.map((a) => a.id as string)]
          expect(all).toEqual([...expected].sort())
          expect(pages).toBe(3)
          const active = yield* store.activities({ activeOnly: true }, { limit: DirectoryStore.pageSizes.max })
          expect(active.items.map((a) => a.id)).toEqual(
            [...preset.currentActivities.map((a) => a.id as string), madeUpId(1), madeUpId(3), madeUpId(5)].sort()
          )
          const parish = yield* store.activities(
            { organisationId: ids.parish },
            { limit: DirectoryStore.pageSizes.max }
          )
          expect(parish.items.map((a) => a.id)).toEqual([ids.griefGroup])
          const orgs = yield* store.organisations({ limit: 3 })
          expect(orgs.items.length).toBe(3)
          const rest = yield* store.organisations({ limit: 3, after: orgs.next })
          expect([...orgs.items, ...rest.items].map((o) => o.id)).toEqual(
            preset.currentOrganisations.map((o) => o.id as string).sort()
          )
          expect(rest.next).toBeUndefined()
        })
      )
    )

    it.effect(
      "cursors are opaque and of their kind: another page's or a made-up one is InvalidCursor; a page is at most pageSizes.max",
      withStore((store) =>
        Effect.gen(function* () {
          yield* store.put(presetChanges)
          const many = Array.from({ length: DirectoryStore.pageSizes.max + 5 }, (_, i) => ({
            ...unversioned(walking),
            id: madeUpId(i + 1),
            name: `Ryhmä ${i + 1}`,
            status: i % 3 === 0 ? ("inactive" as const) : ("active" as const)
          }))
          yield* store.put({ activities: many })
          const big = yield* store.activities({}, { limit: 10_000 })
          expect(big.items.length).toBe(DirectoryStore.pageSizes.max)
          expect(big.next).toBeDefined()
          // the cursor names no id in the clear
          expect(big.next).not.toContain((big.items.at(-1) as Activity).id)
          const rest = yield* store.activities({}, { limit: 10_000, after: big.next })
          expect(big.items.length + rest.items.length).toBe(preset.currentActivities.length + many.length)
          expect(rest.next).toBeUndefined()
          const orgs = yield* store.organisations({ limit: 1 })
          for (const foreign of [orgs.next as string, (big.items.at(-1) as Activity).id, "not-a-cursor!", "WyJkYSJd"]) {
            const refused = yield* Effect.result(store.activities({}, { limit: 5, after: foreign }))
            expect(Result.isFailure(refused) && refused.failure._tag, foreign).toBe("InvalidCursor")
          }
          const refused = yield* Effect.result(store.organisations({ limit: 5, after: big.next }))
          expect(Result.isFailure(refused) && refused.failure._tag).toBe("InvalidCursor")
          // active ones only, a page of one at a time, never an inactive one and none missed
          const active: Array<string> = []
          let after: string | undefined
          do {
            const page: DirectoryStore.Page<Activity> = yield* store.activities(
              { activeOnly: true },
              { limit: 7, after }
            )
            active.push(...page.items.map((a) => a.id))
            after = page.next
          } while (after !== undefined)
          expect(active).toEqual(
            [
              ...preset.currentActivities.filter((a) => a.status === "active").map((a) => a.id as string),
              ...many.filter((a) => a.status === "active").map((a) => a.id as string)
            ].sort()
          )
        })
      )
    )

    it.effect(
      "the activities of a page of organisations: current versions, by organisation then id; an unknown one has none",
      withStore((store) =>
        Effect.gen(function* () {
          yield* store.put(presetChanges)
          const edited = { ...unversioned(walking), status: "inactive" as const }
          yield* store.put({ activities: [edited] })
          const orgIds = preset.currentOrganisations.map((o) => o.id as string)
          const found = yield* store.activitiesOf([...orgIds].reverse().concat([madeUpId(99)]))
          const current = preset.currentActivities.map((a) => (a.id === walking.id ? { ...edited, version: 2 } : a))
          const byOrgThenId = (a: Activity, b: Activity) =>
            a.organisationId < b.organisationId
              ? -1
              : a.organisationId > b.organisationId
                ? 1
                : a.id < b.id
                  ? -1
                  : a.id > b.id
                    ? 1
                    : 0
          expect(found).toEqual([...current].sort(byOrgThenId))
          expect(yield* store.activitiesOf([ids.parish])).toEqual([preset.activity(ids.griefGroup)])
          expect(yield* store.activitiesOf([])).toEqual([])
        })
      )
    )

    it.effect(
      "both preset directories stored and read back whole (what an HSDS export reads)",
      withStore((store) =>
        Effect.gen(function* () {
          for (const d of [DirectoryPresets.kemijarvi, DirectoryPresets.sodankyla]) {
            yield* store.put({
              organisations: d.currentOrganisations.map(unversioned),
              activities: d.currentActivities.map(unversioned)
            })
          }
          const stored = yield* DirectoryStore.current.pipe(Effect.provideService(DirectoryStore.DirectoryStore, store))
          const both = Directory.make({
            organisations: [
              ...DirectoryPresets.kemijarvi.data.organisations,
              ...DirectoryPresets.sodankyla.data.organisations
            ],
            activities: [...DirectoryPresets.kemijarvi.data.activities, ...DirectoryPresets.sodankyla.data.activities]
          })
          expect(stored.currentActivities).toEqual(both.currentActivities)
          expect(stored.currentOrganisations).toEqual(both.currentOrganisations)
          // and a page of organisations at a time, each with all its activities (what an HSDS page reads)
          const organisations: Array<Directory.Organisation> = []
          const activities: Array<Activity> = []
          let after: string | undefined
          do {
            const page: { readonly directory: Directory.Directory; readonly next?: string } =
              yield* DirectoryStore.currentPage({ limit: 2, after }).pipe(
                Effect.provideService(DirectoryStore.DirectoryStore, store)
              )
            expect(page.directory.currentOrganisations.length).toBeLessThanOrEqual(2)
            const here = new Set(page.directory.currentOrganisations.map((o) => o.id as string))
            for (const a of page.directory.currentActivities) expect(here.has(a.organisationId)).toBe(true)
            organisations.push(...page.directory.currentOrganisations)
            activities.push(...page.directory.currentActivities)
            after = page.next
          } while (after !== undefined)
          expect(Directory.make({ organisations, activities }).currentActivities).toEqual(both.currentActivities)
          expect(Directory.make({ organisations, activities }).currentOrganisations).toEqual(both.currentOrganisations)
        })
      )
    )
  })
}
