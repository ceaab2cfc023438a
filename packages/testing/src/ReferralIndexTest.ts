/**
 * The conformance suite for the read side, `ReferralIndex`, together with
 * the `ReferralStore` it indexes. Every adapter runs it (the in-memory store
 * in `@lahete/core`, the SQL store on SQLite and PostgreSQL):
 *
 * ```ts
 * import { ReferralStoreMemory } from "@lahete/core"
 * import { ReferralIndexTest } from "@lahete/testing"
 *
 * ReferralIndexTest.suite("memory", ReferralStoreMemory.layer)
 * ```
 *
 * The layer must provide both services over one store, and building it
 * afresh (`Layer.fresh`) must give an empty store. Commands go through
 * `ReferralService` (with the in-memory audit log and registry and the
 * presets' catalog), so the index receives what production gives it.
 *
 * The oracle is the fold of every stream: `ReferralStore.referralIds`, then
 * `Referral.fold` of each stream, and `Deadlines.nextDueAt` of each state.
 * Covered:
 *
 * - **fold equivalence** (property): after random command sequences on
 *   several referrals (shared subjects, refused commands among them), for
 *   random queries (programmes, statuses, ended, link worker, referrer,
 *   subject, submission period, deadline, the referrer's view changed since
 *   an instant as `Views` computes its `lastUpdated`) and random page sizes, following
 *   the cursors gives exactly the oracle's referrals, states equal, in
 *   submission order; `due` at random instants gives the oracle's due
 *   referrals in deadline order; `activeClients` and `linkWorkerLoad` equal
 *   the oracle's counts; `streams` equals `load`, and `events` its events of
 *   the kinds asked for;
 * - **the evaluation report** (property): `Evaluation.fromIndex` (which takes
 *   the referrals settled before `asOf` from the index's states and a few
 *   kinds of event) equals `Evaluation.report` over every history folded,
 *   for random periods and `asOf` (each history five times over, so the
 *   figures are not all suppressed as small cells);
 * - pages: the cursor visits every referral that existed throughout exactly
 *   once while new referrals arrive between pages; page sizes are clamped;
 *   a malformed cursor, or one of another kind of page, is `InvalidCursor`;
 *   an empty list in a query matches nothing;
 * - deadlines: an append without `nextDueAt` counts as due at once and
 *   sorts first; `null` is never due; `refreshDue` applies only at the
 *   referral's current version;
 * - the assignment guard: an append whose `expectedLoad` differs from the
 *   link worker's load fails with `LoadChanged` and writes nothing.
 *
 * Ordering is by code unit (an adapter on PostgreSQL compares text with the
 * "C" collation to agree).
 *
 * @since 0.2.0
 */
import { describe, expect, it } from "@effect/vitest"
import {
  Actor,
  AuditLogMemory,
  Deadlines,
  Evaluation,
  Ids,
  Instant,
  Lifecycle,
  LinkWorkerRegistry,
  Presets,
  Referral,
  type ReferralCommand,
  ReferralIndex,
  ReferralService,
  ReferralStore,
  Scheduler,
  Views
} from "@lahete/core"
import { Effect, Layer, Option, Result, Schema } from "effect"
import * as fc from "fast-check"
import * as CommandSequences from "./CommandSequences.js"
import * as Fixtures from "./Fixtures.js"

type Command = ReferralCommand.ReferralCommand
type State = Referral.ReferralState

const catalog = Presets.catalog

/** The service over the layer's store and index, with everything else in memory. */
const withService = <E>(layer: Layer.Layer<ReferralStore.ReferralStore | ReferralIndex.ReferralIndex, E>) =>
  ReferralService.layer.pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        Layer.fresh(layer),
        AuditLogMemory.layer,
        LinkWorkerRegistry.layerMemory([]),
        ReferralService.catalogLayer(catalog)
      )
    )
  )

/** A sequence's commands moved onto referral `n` (ids and keys prefixed), its subject one of a small pool. */
const relabel = (commands: ReadonlyArray<Command>, n: number, subjects: number): ReadonlyArray<Command> => {
  const first = commands[0]
  if (first === undefined) return []
  const ids = new Map<string, string>()
  ids.set(first.referralId, `r${n}.${first.referralId}`.slice(0, 128))
  for (const c of commands) {
    if (!ids.has(c.referralId)) ids.set(c.referralId, `r${n}.x.${c.referralId}`.slice(0, 128))
    if (c._tag === "SubmitReferral" && !ids.has(c.subjectId)) ids.set(c.subjectId, `subject-${n % subjects}`)
  }
  const walk = (value: unknown): unknown => {
    if (typeof value === "string") return ids.get(value) ?? value
    if (Array.isArray(value)) return value.map(walk)
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]))
    }
    return value
  }
  return commands.map((c) => ({ ...(walk(c) as Command), idempotencyKey: `r${n}.${c.idempotencyKey}` })) as Command[]
}

/** Every referral's state and next deadline, by folding every stream. */
const oracle = Effect.gen(function* () {
  const store = yield* ReferralStore.ReferralStore
  const out: Array<{ readonly state: State; readonly nextDueAt: Instant.Instant | undefined }> = []
  for (const id of yield* store.referralIds()) {
    const state = Referral.fold((yield* store.load(id)).events)
    const programme =
      state.programme === undefined ? undefined : catalog.get(state.programme.id, state.programme.version)
    out.push({
      state,
      // the next deadline marker or measure link message, as the service computes it
      nextDueAt:
        programme === undefined || state.lastEventAt === undefined
          ? undefined
          : Scheduler.nextDueAt(state, programme, state.lastEventAt)
    })
  }
  return out
})

const byKey =
  (key: (s: { readonly state: State; readonly nextDueAt: Instant.Instant | undefined }) => string) =>
  (
    a: { readonly state: State; readonly nextDueAt: Instant.Instant | undefined },
    b: { readonly state: State; readonly nextDueAt: Instant.Instant | undefined }
  ) => {
    const ka = key(a)
    const kb = key(b)
    if (ka !== kb) return ka < kb ? -1 : 1
    const ia = a.state.referralId ?? ""
    const ib = b.state.referralId ?? ""
    return ia < ib ? -1 : ia > ib ? 1 : 0
  }

const matches = (q: ReferralIndex.Query, s: State, nextDueAt: Instant.Instant | undefined): boolean =>
  (q.programmeIds === undefined || (s.programme !== undefined && q.programmeIds.includes(s.programme.id))) &&
  (q.statuses === undefined || q.statuses.includes(s.status)) &&
  (q.ended === undefined || Lifecycle.isTerminal(s.status) === q.ended) &&
  (q.linkWorkerId === undefined || s.linkWorkerId === q.linkWorkerId) &&
  (q.referrer === undefined ||
    (s.referrer?.id === q.referrer.id && s.referrer.organisation === q.referrer.organisation)) &&
  (q.subjectId === undefined || s.subjectId === q.subjectId) &&
  (q.submittedFrom === undefined || (s.submittedAt !== undefined && s.submittedAt >= q.submittedFrom)) &&
  (q.submittedBefore === undefined || (s.submittedAt !== undefined && s.submittedAt < q.submittedBefore)) &&
  (q.dueBy === undefined || (nextDueAt !== undefined && nextDueAt <= q.dueBy)) &&
  (q.changedSince === undefined || lastUpdated(s, q.changedSince.at) >= q.changedSince.since)

/** The referrer's view's `lastUpdated` as `Views` computes it, at `at` (`""` for a referral without a referrer). */
const lastUpdated = (s: State, at: Instant.Instant): string => {
  if (s.referrer === undefined) return ""
  const referrer = Actor.make("Referrer", s.referrer.id, s.referrer.organisation, s.referrer.profession)
  const viewed = Views.referrerOverview(referrer, [s], at)
  return Result.isSuccess(viewed) ? (viewed.success.view[0]?.lastUpdated ?? "") : ""
}

/** Every item of `find` (or `due`), following the cursors with pages of `limit`. */
const all = (
  next: (after: string | undefined) => Effect.Effect<ReferralIndex.Page<State>, ReferralIndex.ReferralIndexError>
) =>
  Effect.gen(function* () {
    const items: Array<State> = []
    let after: string | undefined
    let pages = 0
    do {
      const page = yield* next(after)
      items.push(...page.items)
      after = page.next
      if (++pages > 10_000) throw new Error("ReferralIndexTest: the cursors do not end")
    } while (after !== undefined)
    return items
  })

/** A query built from random numbers against what the store holds. */
const queryFrom = (
  r: ReadonlyArray<number>,
  entries: ReadonlyArray<{ readonly state: State; readonly nextDueAt: Instant.Instant | undefined }>
): ReferralIndex.Query => {
  const at = (i: number) => r[i % r.length] ?? 0
  const pick = <A>(i: number, xs: ReadonlyArray<A>): A | undefined =>
    xs.length === 0 ? undefined : xs[at(i) % xs.length]
  const states = entries.map((e) => e.state)
  const programmes = [...new Set([...catalog.all.map((p) => p.id), "no-such-programme"])] as Array<Ids.ProgrammeId>
  const instants = [
    ...states.flatMap((s) => (s.submittedAt === undefined ? [] : [s.submittedAt])),
    ...entries.flatMap((e) => (e.nextDueAt === undefined ? [] : [e.nextDueAt])),
    // the instants the referrer's view changed at, and its feedback consents' expiries
    ...states.flatMap((s) => {
      const changed = ReferralIndex.referrerViewChangedAt(s)
      const expires = ReferralIndex.feedbackExpiresAt(s)
      return [...(changed === undefined ? [] : [changed]), ...(expires === undefined ? [] : [expires])]
    })
  ].sort()
  const use = (i: number) => at(i) % 3 === 0
  const q: {
    -readonly [K in keyof ReferralIndex.Query]: ReferralIndex.Query[K]
  } = {}
  if (use(0)) q.programmeIds = programmes.filter((_, k) => (at(1) >> k) & 1)
  if (use(2)) q.statuses = Lifecycle.Status.literals.filter((_, k) => (at(3) >> k) & 1)
  if (use(4)) q.ended = at(5) % 2 === 0
  const linkWorker = pick(
    7,
    states.flatMap((s) => (s.linkWorkerId === undefined ? [] : [s.linkWorkerId]))
  )
  if (use(6) && linkWorker !== undefined) q.linkWorkerId = linkWorker
  const referrer = pick(
    9,
    states.flatMap((s) => (s.referrer === undefined ? [] : [s.referrer]))
  )
  if (use(8) && referrer !== undefined) {
    // now and then the right id in another organisation: matched by both
    q.referrer = {
      id: referrer.id,
      organisation: at(10) % 4 === 0 ? ("another-organisation" as Ids.OrganisationId) : referrer.organisation
    }
  }
  const subject = pick(
    12,
    states.flatMap((s) => (s.subjectId === undefined ? [] : [s.subjectId]))
  )
  if (use(11) && subject !== undefined) q.subjectId = subject
  const from = pick(14, instants)
  if (use(13) && from !== undefined) q.submittedFrom = from
  const before = pick(16, instants)
  if (use(15) && before !== undefined) q.submittedBefore = before
  const dueBy = pick(18, instants)
  if (use(17) && dueBy !== undefined) q.dueBy = dueBy
  const since = pick(20, instants)
  const asOf = pick(21, instants)
  // a referrer's changes poll, now and then of every referrer
  if ((use(19) || (use(8) && at(22) % 2 === 0)) && since !== undefined && asOf !== undefined) {
    q.changedSince = { since, at: asOf }
  }
  return q
}

const subjectId = (s: string) => Schema.decodeSync(Ids.SubjectId)(s)
const referralId = (s: string) => Schema.decodeSync(Ids.ReferralId)(s)

/** A referral submitted at `hours` after the fixtures' start, under `id`. */
const submitAt = (id: string, hours: number, subject = `subject-${id}`): Command =>
  Fixtures.submit({
    referralId: referralId(id),
    subjectId: subjectId(subject),
    idempotencyKey: Schema.decodeSync(Ids.IdempotencyKey)(`submit-${id}`),
    at: Fixtures.at(hours)
  })

/**
 * Runs the suite against a layer that provides a `ReferralStore` and its
 * `ReferralIndex`.
 *
 * @since 0.2.0
 * @category suites
 */
export const suite = <E>(
  name: string,
  layer: Layer.Layer<ReferralStore.ReferralStore | ReferralIndex.ReferralIndex, E>,
  options: { readonly numRuns?: number; readonly timeout?: number } = {}
): void => {
  const provided = withService(layer)
  const timeout = options.timeout ?? 120_000

  describe(`ReferralIndex conformance: ${name}`, () => {
    it.effect(
      "property: every answer equals the fold of every stream (find, due, active clients, load, streams)",
      () =>
        Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(
              fc.array(CommandSequences.sequence({ invalidShare: 0.1, maxLength: 18 }), {
                minLength: 1,
                maxLength: 7
              }),
              fc.array(fc.array(fc.nat({ max: 1 << 20 }), { minLength: 23, maxLength: 23 }), {
                minLength: 4,
                maxLength: 4
              }),
              fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 4, maxLength: 4 }),
              async (sequences, queries, limits) => {
                const program = Effect.gen(function* () {
                  const service = yield* ReferralService.ReferralService
                  const store = yield* ReferralStore.ReferralStore
                  const index = yield* ReferralIndex.ReferralIndex
                  for (const [n, commands] of sequences.entries()) {
                    for (const command of relabel(commands, n, 3)) yield* Effect.result(service.execute(command))
                  }
                  const entries = yield* oracle
                  const bySubmission = byKey((e) => e.state.submittedAt ?? "")
                  for (const [k, r] of queries.entries()) {
                    const query = queryFrom(r, entries)
                    const limit = limits[k] ?? 3
                    const found = yield* all((after) => index.find(query, { limit, after }))
                    const expected = entries
                      .filter((e) => matches(query, e.state, e.nextDueAt))
                      .sort(bySubmission)
                      .map((e) => e.state)
                    expect(found, JSON.stringify(query)).toEqual(expected)
                  }
                  // due, at instants around the deadlines held
                  const instants = entries.flatMap((e) => (e.nextDueAt === undefined ? [] : [e.nextDueAt])).sort()
                  for (const at of [instants[0], instants[Math.floor(instants.length / 2)], instants.at(-1)]) {
                    if (at === undefined) continue
                    const due = yield* all((after) => index.due(at, { limit: limits[0] ?? 2, after }))
                    const expected = entries
                      .filter((e) => e.nextDueAt !== undefined && e.nextDueAt <= at)
                      .sort(byKey((e) => e.nextDueAt ?? ""))
                      .map((e) => e.state)
                    expect(due).toEqual(expected)
                  }
                  // load
                  const counts = new Map<string, number>()
                  for (const { state } of entries) {
                    if (state.linkWorkerId !== undefined && Lifecycle.caseload.has(state.status)) {
                      counts.set(state.linkWorkerId, (counts.get(state.linkWorkerId) ?? 0) + 1)
                    }
                  }
                  const workers = new Set(entries.flatMap((e) => (e.state.linkWorkerId ? [e.state.linkWorkerId] : [])))
                  for (const worker of workers) {
                    expect(yield* index.activeClients(worker)).toBe(counts.get(worker) ?? 0)
                  }
                  const load = yield* index.linkWorkerLoad()
                  expect(load).toEqual(
                    [...counts]
                      .map(([linkWorkerId, activeClients]) => ({ linkWorkerId, activeClients }))
                      .sort((a, b) => b.activeClients - a.activeClients || (a.linkWorkerId < b.linkWorkerId ? -1 : 1))
                  )
                  // streams
                  const ids = [...(yield* store.referralIds())].reverse()
                  const streams = yield* index.streams([...ids, referralId("no-such-referral")])
                  expect(streams.slice(0, ids.length)).toEqual(yield* Effect.forEach(ids, (id) => store.load(id)))
                  expect(streams.at(-1)).toEqual({ referralId: "no-such-referral", version: 0, events: [] })
                  // events of some kinds: each stream's events of those kinds, in stream order
                  const kinds = Evaluation.eventTags.filter((_, k) => ((limits[1] ?? 0) >> k) & 1)
                  const partial = yield* index.events([...ids, referralId("no-such-referral")], kinds)
                  expect(partial).toEqual([
                    ...streams.slice(0, ids.length).map((s) => s.events.filter((e) => kinds.includes(e._tag))),
                    []
                  ])
                })
                await Effect.runPromise(program.pipe(Effect.provide(provided)) as Effect.Effect<void>)
              }
            ),
            { numRuns: options.numRuns ?? 25 }
          )
        ),
      timeout
    )

    it.effect(
      "property: the evaluation report from the index equals the report over every history, at any asOf",
      () =>
        Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(
              fc.array(CommandSequences.sequence({ invalidShare: 0.05, minLength: 4, maxLength: 24 }), {
                minLength: 1,
                maxLength: 4
              }),
              fc.array(fc.nat({ max: 1 << 20 }), { minLength: 4, maxLength: 4 }),
              async (sequences, r) => {
                const program = Effect.gen(function* () {
                  const service = yield* ReferralService.ReferralService
                  const store = yield* ReferralStore.ReferralStore
                  // each history five times over (ids apart): every count is a multiple of the smallest cell
                  for (const [n, commands] of sequences.entries()) {
                    for (let copy = 0; copy < 5; copy++) {
                      for (const command of relabel(commands, n * 5 + copy, 1_000)) {
                        yield* Effect.result(service.execute(command))
                      }
                    }
                  }
                  const histories = yield* Effect.forEach(yield* store.referralIds(), (id) =>
                    Effect.map(store.load(id), (s) => s.events)
                  )
                  const pick = <A>(k: number, xs: ReadonlyArray<A>): A | undefined => xs[(r[k] ?? 0) % xs.length]
                  const states = histories.map((events) => Referral.fold(events))
                  const programmeId = pick(0, states)?.programme?.id
                  const submitted = states.flatMap((s) => (s.submittedAt === undefined ? [] : [s.submittedAt])).sort()
                  const instants = histories.flatMap((events) => events.map((e) => e.at)).sort()
                  const first = submitted[0]
                  if (programmeId === undefined || first === undefined) return
                  // a period from the first submission (or a later one), to a random instant or past the last
                  const from = (r[1] ?? 0) % 2 === 0 ? first : (pick(1, submitted) ?? first)
                  const to = (r[2] ?? 0) % 3 === 0 ? Instant.plusMillis(instants.at(-1) ?? first, 1) : pick(2, instants)
                  if (to === undefined) return
                  // asOf at any event: some referrals settled before it, others running past it
                  const asOf = (r[3] ?? 0) % 4 === 0 ? undefined : pick(3, instants)
                  const input = {
                    programmeId,
                    period: { from, to },
                    catalog,
                    ...(asOf === undefined ? {} : { asOf })
                  }
                  const fromIndex = yield* Evaluation.fromIndex(input)
                  expect(fromIndex).toEqual(Evaluation.report({ ...input, histories }))
                })
                await Effect.runPromise(program.pipe(Effect.provide(provided)) as Effect.Effect<void>)
              }
            ),
            { numRuns: Math.min(options.numRuns ?? 25, 15) }
          )
        ),
      timeout
    )

    it.effect(
      "following the cursor visits every referral that existed throughout exactly once while others arrive",
      () =>
        Effect.gen(function* () {
          const service = yield* ReferralService.ReferralService
          const index = yield* ReferralIndex.ReferralIndex
          const original = Array.from({ length: 12 }, (_, i) => `page-${String(i).padStart(2, "0")}`)
          for (const [i, id] of original.entries()) yield* service.execute(submitAt(id, i * 2))
          const seen: Array<string> = []
          let after: string | undefined
          let round = 0
          do {
            const page = yield* index.find({}, { limit: 5, after })
            seen.push(...page.items.map((s) => s.referralId as string))
            // new referrals between pages: before the cursor, in the middle, after the end
            for (const hours of [1, 13, 40]) {
              yield* service.execute(submitAt(`new-${round}-${hours}`, hours + round * 0.01))
            }
            round++
            after = page.next
          } while (after !== undefined)
          for (const id of original) expect(seen.filter((s) => s === id)).toHaveLength(1)
          expect(new Set(seen).size).toBe(seen.length)
        }).pipe(Effect.provide(provided)),
      timeout
    )

    it.effect(
      "pages are clamped; a foreign or malformed cursor is InvalidCursor; an empty list matches nothing",
      () =>
        Effect.gen(function* () {
          const service = yield* ReferralService.ReferralService
          const index = yield* ReferralIndex.ReferralIndex
          for (let i = 0; i < 3; i++) yield* service.execute(submitAt(`clamp-${i}`, i))
          expect((yield* index.find({}, { limit: 0 })).items).toHaveLength(1)
          expect((yield* index.find({}, { limit: 2.7 })).items).toHaveLength(2)
          const whole = yield* index.find({}, { limit: 10_000 })
          expect(whole.items).toHaveLength(3)
          expect(whole.next).toBeUndefined()
          const first = yield* index.find({}, { limit: 1 })
          expect(first.next).toBeDefined()
          for (const bad of ["", "not a cursor", "%%%", "eyJ4IjoxfQ", first.next?.slice(0, -2) ?? "x"]) {
            const error = yield* Effect.flip(index.find({}, { limit: 1, after: bad }))
            expect(error._tag).toBe("InvalidCursor")
          }
          // a cursor of find is not one of due
          const foreign = yield* Effect.flip(index.due(Fixtures.at(10_000), { limit: 1, after: first.next }))
          expect(foreign._tag).toBe("InvalidCursor")
          expect((yield* index.find({ programmeIds: [] }, { limit: 10 })).items).toEqual([])
          expect((yield* index.find({ statuses: [] }, { limit: 10 })).items).toEqual([])
        }).pipe(Effect.provide(provided)),
      timeout
    )

    it.effect(
      "an append without a next deadline is due at once and first; null is never due; refreshDue needs the current version",
      () =>
        Effect.gen(function* () {
          const service = yield* ReferralService.ReferralService
          const store = yield* ReferralStore.ReferralStore
          const index = yield* ReferralIndex.ReferralIndex
          const computed = yield* service.execute(submitAt("computed", 0))
          const next = Deadlines.nextDueAt(
            computed.state,
            catalog.get(Presets.kemijarvi.id, Presets.kemijarvi.version) as never
          ) as Instant.Instant
          expect(next).toBeDefined()
          // appended outside the service: no next deadline given
          const raw = computed.events.map((e) => ({ ...e, referralId: referralId("raw") }))
          yield* store.append({
            referralId: referralId("raw"),
            expectedVersion: 0,
            events: raw,
            idempotencyKey: Schema.decodeSync(Ids.IdempotencyKey)("raw-1"),
            fingerprint: "test",
            vault: []
          })
          yield* store.append({
            referralId: referralId("never"),
            expectedVersion: 0,
            events: computed.events.map((e) => ({ ...e, referralId: referralId("never") })),
            idempotencyKey: Schema.decodeSync(Ids.IdempotencyKey)("never-1"),
            fingerprint: "test",
            vault: [],
            nextDueAt: null
          })
          const ids = (page: ReferralIndex.Page<State>) => page.items.map((s) => s.referralId)
          const early = Instant.plusMillis(next, -1)
          expect(ids(yield* index.due(early, { limit: 10 }))).toEqual(["raw"])
          expect(ids(yield* index.due(next, { limit: 10 }))).toEqual(["raw", "computed"])
          expect(ids(yield* index.find({ dueBy: early }, { limit: 10 }))).toEqual(["raw"])
          // a stale version changes nothing; the current one does
          yield* index.refreshDue(referralId("raw"), 99, null)
          expect(ids(yield* index.due(early, { limit: 10 }))).toEqual(["raw"])
          yield* index.refreshDue(referralId("raw"), raw.length, next)
          expect(ids(yield* index.due(early, { limit: 10 }))).toEqual([])
          expect(ids(yield* index.due(next, { limit: 10 }))).toEqual(["computed", "raw"])
        }).pipe(Effect.provide(provided)),
      timeout
    )

    it.effect(
      "an append whose expected load differs fails with LoadChanged and writes nothing",
      () =>
        Effect.gen(function* () {
          const service = yield* ReferralService.ReferralService
          const store = yield* ReferralStore.ReferralStore
          const index = yield* ReferralIndex.ReferralIndex
          const worker = Fixtures.linkWorker()
          yield* service.execute(submitAt("busy", 0))
          yield* service.execute(
            Fixtures.assign({
              referralId: referralId("busy"),
              idempotencyKey: Schema.decodeSync(Ids.IdempotencyKey)("assign-busy"),
              at: Fixtures.at(1),
              activeClients: 0
            })
          )
          expect(yield* index.activeClients(worker.id)).toBe(1)
          const submitted = yield* service.execute(submitAt("next", 2))
          const assign = Fixtures.assign({
            referralId: referralId("next"),
            at: Fixtures.at(3),
            activeClients: 0
          })
          const decided = Fixtures.decider.decide(assign, submitted.state)
          if (Result.isFailure(decided)) throw new Error("suite fixture: the assignment is refused")
          // without the decided-against state, and with it (as ReferralService appends: a store may write
          // the whole append at once then)
          const request = (count: number, key: string, withState: boolean): ReferralStore.AppendRequest => ({
            referralId: referralId("next"),
            expectedVersion: submitted.version,
            events: decided.success,
            idempotencyKey: Schema.decodeSync(Ids.IdempotencyKey)(key),
            fingerprint: "test",
            vault: [],
            expectedLoad: { linkWorkerId: worker.id, activeClients: count },
            ...(withState ? { state: submitted.state } : {})
          })
          for (const withState of [false, true]) {
            const stale = `stale-load-${withState ? "with" : "without"}-state`
            const error = yield* Effect.flip(store.append(request(0, stale, withState)))
            expect(error._tag).toBe("LoadChanged")
            expect(error).toMatchObject({ expectedActiveClients: 0, actualActiveClients: 1 })
            expect((yield* store.load(referralId("next"))).version).toBe(submitted.version)
            expect(yield* store.idempotency(Schema.decodeSync(Ids.IdempotencyKey)(stale))).toEqual(Option.none())
            expect(yield* index.activeClients(worker.id)).toBe(1)
          }
          yield* store.append(request(1, "right-load", true))
          expect(yield* index.activeClients(worker.id)).toBe(2)
        }).pipe(Effect.provide(provided)),
      timeout
    )
  })
}
