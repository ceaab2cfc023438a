/**
 * The conformance suite for `LinkWorkerRegistry` layers. Every registry
 * adapter runs it (the in-memory registry in `@lahete/core`, the SQL
 * registry on SQLite and PostgreSQL):
 *
 * ```ts
 * import { LinkWorkerRegistry } from "@lahete/core"
 * import { LinkWorkerRegistryTest } from "@lahete/testing"
 *
 * LinkWorkerRegistryTest.suite("memory", LinkWorkerRegistry.layerMemory())
 * ```
 *
 * The suite uses the port only. It builds the layer afresh for every test
 * (`Layer.fresh`), so building the layer must give an empty registry (e.g.
 * `layerMemory()` with no entries, a new in-memory database, or a new
 * schema).
 *
 * Covered: the empty registry; `put`, `get`, `update` and `list`; every
 * field round-tripping (all optional keys present or absent, every employer
 * type and language, areas with non-ASCII letters, quotes and SQL, instants
 * to the millisecond, unsorted and repeated training dates), also for any
 * link worker the schema accepts (property-based, against a model); unknown
 * ids; `put` replacing the whole entry (a key the new entry lacks is gone)
 * and keeping its place; `list` in the order first put; `update` returning
 * what it wrote; entries that do not match the schema, and changes of id,
 * refused with `LinkWorkerRegistryFailure` naming no value and writing
 * nothing; concurrent updates of one entry losing none; concurrent puts
 * leaving every entry once and each entry exactly one of the versions put;
 * the training-due list over the registry.
 *
 * Where the port's documentation is silent the suite fixes: `update` with an
 * unknown id creates nothing; a refused `put` or `update` leaves the entry
 * as it was.
 *
 * @since 0.1.0
 */
import { describe, expect, it } from "@effect/vitest"
import { Ids, Instant, LinkWorker, LinkWorkerRegistry, Presets } from "@lahete/core"
import { Effect, Layer, Option, Schema } from "effect"
import * as fc from "fast-check"
import * as Arbitraries from "./Arbitraries.js"
import * as Fixtures from "./Fixtures.js"

type Worker = LinkWorker.LinkWorker

const actorId = (s: string): Ids.ActorId => Schema.decodeSync(Ids.ActorId)(s)
const instant = (iso: string): Instant.Instant => Instant.make(Date.parse(iso))

/** A link worker with every optional key, long arrays, and awkward text. */
const full = (id: string): Worker => ({
  id: actorId(id),
  active: true,
  employerType: "ngo",
  languages: ["sv", "fi", "se", "en"],
  areas: ["Sodankylä", "Kemijärvi", "Pelkosenniemi", `Ivalo "Inari" \\ 🦌`, "'; DROP TABLE link_workers; --"],
  capacity: 0,
  confidentialityCommitmentSignedAt: instant("1970-01-01T00:00:00.000Z"),
  basicTrainingCompletedAt: instant("2025-10-01T08:00:00.123Z"),
  // unsorted, with a repeat: kept as given
  refresherTrainings: [
    instant("2026-09-30T21:00:00.001Z"),
    instant("2026-03-02T07:15:00.999Z"),
    instant("2026-09-30T21:00:00.001Z")
  ],
  mentoringSessions: Array.from({ length: 12 }, (_, i) => Instant.make(Date.UTC(2026, 11 - i, 28, 23, 59, 59, 999)))
})

/** A link worker with no optional key and empty arrays. */
const minimal = (id: string): Worker => ({
  id: actorId(id),
  active: false,
  employerType: "parish",
  languages: [],
  areas: [],
  refresherTrainings: [],
  mentoringSessions: []
})

/** A stand-in for personal data: it must never appear in an error. */
const marker = "Aino Testinen 040 123 4567"

/** Entries that do not match the schema, each with the marker in a field that is itself valid. */
const invalidEntries = (id: string): ReadonlyArray<{ readonly what: string; readonly entry: unknown }> => {
  const base = { ...full(id), areas: [marker] }
  const { active: _, ...withoutActive } = base
  return [
    { what: "negative capacity", entry: { ...base, capacity: -1 } },
    { what: "fractional capacity", entry: { ...base, capacity: 1.5 } },
    { what: "unknown language", entry: { ...base, languages: ["fi", "de"] } },
    { what: "empty area", entry: { ...base, areas: [marker, ""] } },
    { what: "unknown employer type", entry: { ...base, employerType: "company" } },
    { what: "date that is not an instant", entry: { ...base, refresherTrainings: ["yesterday"] } },
    { what: "non-canonical instant", entry: { ...base, basicTrainingCompletedAt: "2026-03-02" } },
    { what: "id that is not an actor id", entry: { ...base, id: "" } },
    { what: "missing field", entry: withoutActive }
  ]
}

const expectFailure = (error: unknown, operation: string) => {
  expect(error).toBeInstanceOf(LinkWorkerRegistry.LinkWorkerRegistryFailure)
  const failure = error as LinkWorkerRegistry.LinkWorkerRegistryFailure
  expect(failure._tag).toBe("LinkWorkerRegistryFailure")
  expect(failure.operation).toBe(operation)
  for (const text of [failure.message, failure.detail, JSON.stringify(failure)]) {
    expect(text).not.toContain(marker)
    expect(text).not.toContain("Aino")
  }
}

/** The entry's keys, sorted: an absent optional key must stay absent (not `undefined`). */
const keysOf = (w: object) => Object.keys(w).sort()

const addMentoring =
  (at: Instant.Instant) =>
  (w: Worker): Worker => ({ ...w, mentoringSessions: [...w.mentoringSessions, at] })

type Op =
  | { readonly kind: "put"; readonly slot: number; readonly worker: Worker }
  | { readonly kind: "update"; readonly slot: number; readonly at: Instant.Instant }
  | { readonly kind: "get"; readonly slot: number }

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("put" as const), slot: fc.nat(4), worker: Arbitraries.linkWorker }),
  fc.record({ kind: fc.constant("update" as const), slot: fc.nat(4), at: Arbitraries.instant() }),
  fc.record({ kind: fc.constant("get" as const), slot: fc.nat(4) })
)

let runCounter = 0

/**
 * Registers the conformance tests for a `LinkWorkerRegistry` layer. Each
 * test builds the layer afresh.
 *
 * @since 0.1.0
 * @category suites
 */
export const suite = <E>(name: string, layer: Layer.Layer<LinkWorkerRegistry.LinkWorkerRegistry, E>): void => {
  const withRegistry =
    <A, E2>(body: (registry: LinkWorkerRegistry.Shape) => Effect.Effect<A, E2>) =>
    () =>
      LinkWorkerRegistry.LinkWorkerRegistry.use(body).pipe(Effect.provide(Layer.fresh(layer)))

  describe(`LinkWorkerRegistry conformance: ${name}`, () => {
    it.effect(
      "an empty registry lists nothing, gets none, and an update of an unknown id creates nothing",
      withRegistry((registry) =>
        Effect.gen(function* () {
          const id = actorId("never-put")
          expect(yield* registry.list()).toEqual([])
          expect(Option.isNone(yield* registry.get(id))).toBe(true)
          expect(Option.isNone(yield* registry.update(id, addMentoring(Fixtures.t0)))).toBe(true)
          expect(Option.isNone(yield* registry.get(id))).toBe(true)
          expect(yield* registry.list()).toEqual([])
        })
      )
    )

    it.effect(
      "every field round-trips: all optional keys or none, every employer type and language, any text, instants to the millisecond",
      withRegistry((registry) =>
        Effect.gen(function* () {
          const employerTypes = LinkWorker.EmployerType.literals
          const workers: ReadonlyArray<Worker> = [
            full("lw-full"),
            minimal("lw-minimal"),
            ...employerTypes.map((employerType, i) => ({
              ...Fixtures.linkWorker({ id: actorId(`lw-employer-${i}`) }),
              employerType
            })),
            // an actor id with every kind of character the id schema allows
            { ...full("lw-full"), id: actorId(`Z9._:-${"x".repeat(122)}`) }
          ]
          for (const w of workers) yield* registry.put(w)
          for (const w of workers) {
            const got = Option.getOrUndefined(yield* registry.get(w.id))
            expect(got).toEqual(w)
            expect(keysOf(got ?? {})).toEqual(keysOf(w))
          }
          const listed = yield* registry.list()
          expect(listed).toEqual(workers)
          expect(listed.map(keysOf)).toEqual(workers.map(keysOf))
          expect(new Set(listed.flatMap((w) => w.languages))).toEqual(new Set(["fi", "sv", "se", "en"]))
        })
      )
    )

    it.effect(
      "behaves as a map in first-put order for any sequence of puts, updates and gets (property)",
      withRegistry((registry) =>
        Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(fc.array(op, { maxLength: 12 }), (ops) =>
              Effect.runPromise(
                Effect.gen(function* () {
                  // each run on ids of its own, in the same registry
                  const prefix = `prop-${++runCounter}`
                  const idOf = (slot: number) => actorId(`${prefix}-${slot}`)
                  const model = new Map<string, Worker>()
                  for (const o of ops) {
                    const id = idOf(o.slot)
                    if (o.kind === "put") {
                      const w = { ...o.worker, id }
                      yield* registry.put(w)
                      model.set(id, w)
                    } else if (o.kind === "update") {
                      const before = model.get(id)
                      const updated = yield* registry.update(id, addMentoring(o.at))
                      if (before === undefined) {
                        expect(Option.isNone(updated)).toBe(true)
                      } else {
                        const after = addMentoring(o.at)(before)
                        expect(Option.getOrUndefined(updated)).toEqual(after)
                        model.set(id, after)
                      }
                    } else {
                      expect(Option.getOrUndefined(yield* registry.get(id))).toEqual(model.get(id))
                    }
                  }
                  const listed = (yield* registry.list()).filter((w) => w.id.startsWith(`${prefix}-`))
                  expect(listed).toEqual([...model.values()])
                  expect(listed.map(keysOf)).toEqual([...model.values()].map(keysOf))
                })
              )
            ),
            { numRuns: 100 }
          )
        )
      )
    )

    it.effect(
      "put replaces the whole entry with the same id and keeps its place in the list",
      withRegistry((registry) =>
        Effect.gen(function* () {
          // ids chosen so that neither alphabetical nor reverse order matches
          const a = full("lw-mid")
          const b = full("lw-zeta")
          const c = Fixtures.linkWorker({ id: actorId("lw-alpha") })
          yield* registry.put(a)
          yield* registry.put(b)
          yield* registry.put(c)
          // the replacement lacks the optional keys b had, and changes every other field
          const replaced: Worker = {
            ...minimal("lw-zeta"),
            active: true,
            employerType: "municipality",
            languages: ["en"],
            areas: ["Savukoski"],
            refresherTrainings: [Fixtures.at(5)],
            mentoringSessions: [Fixtures.at(6)]
          }
          yield* registry.put(replaced)
          const got = Option.getOrUndefined(yield* registry.get(replaced.id))
          expect(got).toEqual(replaced)
          expect(keysOf(got ?? {})).toEqual(keysOf(replaced))
          expect(yield* registry.list()).toEqual([a, replaced, c])
          // putting the same entry again changes nothing
          yield* registry.put(replaced)
          expect(yield* registry.list()).toEqual([a, replaced, c])
        })
      )
    )

    it.effect(
      "list gives every link worker once, in the order first put, whatever was replaced or updated since",
      withRegistry((registry) =>
        Effect.gen(function* () {
          const ids = ["lw-k", "lw-b", "lw-x", "lw-a", "lw-m", "lw-z", "lw-c", "lw-q", "lw-e", "lw-y", "lw-d", "lw-n"]
          const expected = new Map<string, Worker>()
          for (const [i, id] of ids.entries()) {
            const w = Fixtures.linkWorker({ id: actorId(id), capacity: i })
            yield* registry.put(w)
            expected.set(id, w)
            // replace and update some of the earlier ones between the puts
            const earlier = ids[Math.floor(i / 2)]
            if (earlier !== undefined && i % 3 === 1) {
              const again = Fixtures.otherLinkWorker({ id: actorId(earlier), capacity: 100 + i })
              yield* registry.put(again)
              expected.set(earlier, again)
            }
            if (earlier !== undefined && i % 3 === 2) {
              const updated = yield* registry.update(actorId(earlier), addMentoring(Fixtures.at(i)))
              const value = Option.getOrUndefined(updated)
              expect(value).toBeDefined()
              if (value !== undefined) expected.set(earlier, value)
            }
          }
          const listed = yield* registry.list()
          expect(listed.map((w) => w.id)).toEqual(ids)
          expect(listed).toEqual([...expected.values()])
        })
      )
    )

    it.effect(
      "update changes an entry and returns what it wrote, keeping its place; removing an optional key removes it",
      withRegistry((registry) =>
        Effect.gen(function* () {
          const first = full("lw-first")
          const second = Fixtures.linkWorker({ id: actorId("lw-second") })
          yield* registry.put(first)
          yield* registry.put(second)
          const refresher = instant("2026-10-15T06:30:00.500Z")
          const updated = yield* registry.update(first.id, (w) => ({
            ...w,
            refresherTrainings: [...w.refresherTrainings, refresher],
            mentoringSessions: []
          }))
          const expected: Worker = {
            ...first,
            refresherTrainings: [...first.refresherTrainings, refresher],
            mentoringSessions: []
          }
          expect(Option.getOrUndefined(updated)).toEqual(expected)
          expect(Option.getOrUndefined(yield* registry.get(first.id))).toEqual(expected)

          const withoutCapacity = yield* registry.update(first.id, ({ capacity: _, ...rest }) => rest)
          const { capacity: _, ...expectedWithout } = expected
          expect(Option.getOrUndefined(withoutCapacity)).toEqual(expectedWithout)
          const got = Option.getOrUndefined(yield* registry.get(first.id))
          expect(got).toEqual(expectedWithout)
          expect(keysOf(got ?? {})).not.toContain("capacity")
          expect(yield* registry.list()).toEqual([expectedWithout, second])

          // an unknown id: none, and nothing written
          const unknown = yield* registry.update(actorId("lw-unknown"), addMentoring(refresher))
          expect(Option.isNone(unknown)).toBe(true)
          expect(yield* registry.list()).toEqual([expectedWithout, second])
        })
      )
    )

    it.effect(
      "put refuses an entry that does not match the schema with LinkWorkerRegistryFailure, naming no value and writing nothing",
      withRegistry((registry) =>
        Effect.gen(function* () {
          const existing = Fixtures.linkWorker({ id: actorId("lw-existing") })
          yield* registry.put(existing)
          for (const id of ["lw-new", "lw-existing"]) {
            for (const { what, entry } of invalidEntries(id)) {
              const error = yield* Effect.flip(registry.put(entry as Worker))
              expectFailure(error, "put")
              expect(Option.isNone(yield* registry.get(actorId("lw-new"))), what).toBe(true)
              expect(Option.getOrUndefined(yield* registry.get(existing.id)), what).toEqual(existing)
            }
          }
          expect(yield* registry.list()).toEqual([existing])
        })
      )
    )

    it.effect(
      "update refuses a change that alters the id or breaks the schema, naming no value and writing nothing",
      withRegistry((registry) =>
        Effect.gen(function* () {
          const a = { ...Fixtures.linkWorker({ id: actorId("lw-a") }), areas: [marker] }
          const b = Fixtures.linkWorker({ id: actorId("lw-b") })
          yield* registry.put(a)
          yield* registry.put(b)

          const toB = yield* Effect.flip(registry.update(a.id, (w) => ({ ...w, id: b.id })))
          expectFailure(toB, "update")
          const toNew = yield* Effect.flip(registry.update(a.id, (w) => ({ ...w, id: actorId("lw-c") })))
          expectFailure(toNew, "update")
          expect(Option.isNone(yield* registry.get(actorId("lw-c")))).toBe(true)

          for (const { what, entry } of invalidEntries("lw-a")) {
            const error = yield* Effect.flip(registry.update(a.id, () => entry as Worker))
            expectFailure(error, "update")
            expect(Option.getOrUndefined(yield* registry.get(a.id)), what).toEqual(a)
          }
          expect(yield* registry.list()).toEqual([a, b])
        })
      )
    )

    it.effect(
      "concurrent updates of one entry lose none: each sees the one before",
      withRegistry((registry) =>
        Effect.gen(function* () {
          const fibers = 20
          const w = Fixtures.linkWorker({ id: actorId("lw-busy") })
          const other = Fixtures.otherLinkWorker()
          yield* registry.put(w)
          yield* registry.put(other)
          const sessions = Array.from({ length: fibers }, (_, i) => Fixtures.at(100 + i))
          const results = yield* Effect.all(
            sessions.map((at) => registry.update(w.id, addMentoring(at))),
            { concurrency: "unbounded" }
          )
          // every update saw all the ones before it: the lengths it returned are 1..n, each once
          const lengths = results.map((r) => Option.getOrUndefined(r)?.mentoringSessions.length ?? 0)
          expect([...lengths].sort((x, y) => x - y)).toEqual(Array.from({ length: fibers }, (_, i) => i + 1))
          const final = Option.getOrUndefined(yield* registry.get(w.id))
          expect([...(final?.mentoringSessions ?? [])].sort()).toEqual([...sessions].sort())
          expect(final).toEqual({ ...w, mentoringSessions: final?.mentoringSessions })
          // the longest result is the final entry
          expect(results.map(Option.getOrUndefined).find((r) => r?.mentoringSessions.length === fibers)).toEqual(final)
          expect(yield* registry.list()).toEqual([final, other])
        })
      )
    )

    it.effect(
      "concurrent puts: different ids all land once; versions of one id leave exactly one of them, never a mix",
      withRegistry((registry) =>
        Effect.gen(function* () {
          const fibers = 20
          const distinct = Array.from({ length: fibers }, (_, i) =>
            Fixtures.linkWorker({ id: actorId(`lw-many-${i}`), capacity: i })
          )
          yield* Effect.all(
            distinct.map((w) => registry.put(w)),
            { concurrency: "unbounded" }
          )
          const listed = yield* registry.list()
          expect(listed).toHaveLength(fibers)
          expect(new Set(listed.map((w) => w.id)).size).toBe(fibers)
          for (const w of distinct) expect(listed).toContainEqual(w)

          // versions of one id that differ in every field they can
          const id = actorId("lw-contested")
          const versions = Array.from(
            { length: fibers },
            (_, i): Worker => ({
              id,
              active: i % 2 === 0,
              employerType: LinkWorker.EmployerType.literals[i % 4] ?? "ngo",
              languages: i % 2 === 0 ? ["fi"] : ["sv", "en"],
              areas: [`Area ${i}`],
              capacity: i,
              ...(i % 3 === 0 ? {} : { basicTrainingCompletedAt: Fixtures.at(i) }),
              refresherTrainings: Array.from({ length: i }, (_, k) => Fixtures.at(k)),
              mentoringSessions: []
            })
          )
          // puts racing with updates that add a session
          const sessions = Array.from({ length: fibers }, (_, i) => Fixtures.at(500 + i))
          yield* registry.put(versions[0] as Worker)
          yield* Effect.all(
            [
              ...versions.map((v) => registry.put(v)),
              ...sessions.map((at) => Effect.asVoid(registry.update(id, addMentoring(at))))
            ],
            { concurrency: "unbounded" }
          )
          const final = Option.getOrUndefined(yield* registry.get(id))
          const version = versions.find((v) => v.capacity === final?.capacity)
          expect(version).toBeDefined()
          // the fields of one version, with the sessions of the updates that came after it
          expect(final).toEqual({ ...version, mentoringSessions: final?.mentoringSessions })
          expect(keysOf(final ?? {})).toEqual(keysOf(version ?? {}))
          for (const s of final?.mentoringSessions ?? []) expect(sessions).toContain(s)
          expect(new Set(final?.mentoringSessions).size).toBe(final?.mentoringSessions.length)
          const all = yield* registry.list()
          expect(all.filter((w) => w.id === id)).toHaveLength(1)
          expect(all).toHaveLength(fibers + 1)
          // first put after the distinct ones
          expect(all.at(-1)?.id).toBe(id)
        })
      )
    )

    it.effect(
      "the training-due list over the registry is the one over its entries",
      withRegistry((registry) =>
        Effect.gen(function* () {
          const policy = Presets.kemijarvi.linkWorkers
          const { basicTrainingCompletedAt: _, ...untrained } = Fixtures.otherLinkWorker()
          const workers: ReadonlyArray<Worker> = [
            Fixtures.linkWorker(),
            untrained,
            Fixtures.linkWorker({ id: actorId("lw-inactive"), active: false }),
            full("lw-full")
          ]
          for (const w of workers) yield* registry.put(w)
          const at = instant("2027-06-01T08:00:00.000Z")
          const due = yield* LinkWorkerRegistry.trainingDue({ at, policy }).pipe(
            Effect.provideService(LinkWorkerRegistry.LinkWorkerRegistry, registry)
          )
          expect(due).toEqual(LinkWorker.trainingDue(workers, { at, policy }))
          expect(due.length).toBeGreaterThan(0)
          expect(due.map((d) => d.linkWorkerId)).not.toContain("lw-inactive")
        })
      )
    )
  })
}
