/**
 * The in-memory `ReferralStore`: for tests, examples and single-process
 * prototypes. Nothing survives the process.
 *
 * It keeps the port's real semantics so that code tested against it behaves
 * the same on the SQL stores:
 *
 * - `append` is atomic: the events, the idempotency record and the vault
 *   writes are applied together or not at all. The store's state is one
 *   immutable snapshot in a `SynchronizedRef`; an append computes the next
 *   snapshot and swaps it in, so concurrent fibers are serialised and a failed
 *   append leaves the snapshot untouched.
 * - The idempotency key is checked first, then the expected version:
 *   `IdempotencyKeyUsed` when the key is known, `VersionConflict` when the
 *   stream is not at `expectedVersion`.
 * - Events are stored as the SQL stores keep them: encoded by the versioned
 *   codec (`ReferralEvent.codec` unless another is given) and serialised to
 *   JSON text, then parsed and decoded on `load`. An event that cannot be
 *   encoded or decoded is a `StoreFailure` naming the event's type and
 *   version only, never its data.
 * - Vault writes are applied in order with `PersonalData.apply`: erasing a
 *   referral removes its notes, and the subject's entry with the last of
 *   them. A guarded `PutSubject` (`expectedIdentity`) that finds the entry
 *   no longer as checked (`PersonalData.identityHolds`) fails the append
 *   with `SubjectChanged`, in the same swap of the snapshot.
 * - The layer also provides the read side, `ReferralIndex`, over the same
 *   snapshot: each referral's folded state and next deadline, advanced by
 *   the append that writes its events. Its queries scan the snapshot (this
 *   store is for tests and prototypes, not for scale) with the same order,
 *   pages and cursors as the SQL index. `current` answers from it too, without
 *   decoding the stream.
 *
 * @example
 * ```ts
 * import { ReferralStore, ReferralStoreMemory } from "@lahete/core"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function* () {
 *   const store = yield* ReferralStore.ReferralStore
 *   return yield* store.referralIds()
 * }).pipe(Effect.provide(ReferralStoreMemory.layer))
 * ```
 *
 * @since 0.1.0
 */
import { Context, Effect, HashMap, Layer, Option, Redacted, Result, SynchronizedRef } from "effect"
import type { ActorId, IdempotencyKey, ReferralId, SubjectId } from "./Ids.js"
import type { Instant } from "./Instant.js"
import * as Lifecycle from "./Lifecycle.js"
import * as PersonalData from "./PersonalData.js"
import * as Referral from "./Referral.js"
import * as ReferralEvent from "./ReferralEvent.js"
import * as ReferralIndex from "./ReferralIndex.js"
import {
  type AppendRequest,
  generateSecret,
  IdempotencyKeyUsed,
  type IdempotencyRecord,
  LoadChanged,
  ReferralStore,
  type Shape,
  StoreFailure,
  type Stream,
  SubjectChanged,
  VersionConflict
} from "./ReferralStore.js"

/**
 * Options of the in-memory store.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * The event codec (default `ReferralEvent.codec`). Give one made with
   * `ReferralEvent.makeCodec(upgrades)` when events have later versions.
   */
  readonly codec?: ReferralEvent.Codec
}

/** An event as kept: the codec's type and version, and its data as JSON text. */
interface Row {
  readonly type: string
  readonly version: number
  readonly json: string
}

interface State {
  readonly streams: HashMap.HashMap<ReferralId, ReadonlyArray<Row>>
  /** Referral ids in the order their first event was appended. */
  readonly order: ReadonlyArray<ReferralId>
  readonly keys: HashMap.HashMap<IdempotencyKey, IdempotencyRecord>
  readonly vault: HashMap.HashMap<SubjectId, PersonalData.SubjectData>
  /** The read side: each referral's folded state and next deadline. */
  readonly index: HashMap.HashMap<ReferralId, Indexed>
}

/** A referral as the index keeps it; `nextDueAt` `undefined`: not computed yet. */
interface Indexed {
  readonly state: Referral.ReferralState
  readonly nextDueAt: Instant | null | undefined
}

const emptyState: State = {
  streams: HashMap.empty(),
  order: [],
  keys: HashMap.empty(),
  vault: HashMap.empty(),
  index: HashMap.empty()
}

const activeClientsOf = (index: HashMap.HashMap<ReferralId, Indexed>, linkWorkerId: ActorId): number => {
  let count = 0
  for (const { state } of HashMap.values(index)) {
    if (state.linkWorkerId === linkWorkerId && Lifecycle.caseload.has(state.status)) count++
  }
  return count
}

const encodeRow = (
  codec: ReferralEvent.Codec,
  event: ReferralEvent.ReferralEvent,
  index: number
): Result.Result<Row, StoreFailure> => {
  try {
    const stored = codec.encode(event)
    return Result.succeed({ type: stored.type, version: stored.version, json: JSON.stringify(stored.data) })
  } catch {
    // the encoder's message may quote the event's data: report the position only
    return Result.fail(new StoreFailure({ operation: "append", detail: `event ${index + 1} cannot be encoded` }))
  }
}

const decodeRow = (
  codec: ReferralEvent.Codec,
  referralId: ReferralId,
  row: Row,
  position: number
): Result.Result<ReferralEvent.ReferralEvent, StoreFailure> => {
  let data: unknown
  try {
    data = JSON.parse(row.json)
  } catch {
    return Result.fail(
      new StoreFailure({
        operation: "load",
        detail: `referral ${referralId} event ${position}: stored ${row.type} v${row.version} is not valid JSON`
      })
    )
  }
  return Result.mapError(
    codec.decode({ type: row.type, version: row.version, data }),
    (e) =>
      new StoreFailure({
        operation: "load",
        detail: `referral ${referralId} event ${position}: cannot decode ${e.type} v${e.version} (${e.problem})`
      })
  )
}

/**
 * Builds an in-memory store and its index (`ReferralIndex`) over the same
 * snapshot, with options.
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeWithIndex = (
  options: Options = {}
): Effect.Effect<{ readonly store: Shape; readonly index: ReferralIndex.Shape }> =>
  Effect.gen(function* () {
    const codec = options.codec ?? ReferralEvent.codec
    const ref = yield* SynchronizedRef.make(emptyState)

    const load = (referralId: ReferralId): Effect.Effect<Stream, StoreFailure> =>
      Effect.flatMap(SynchronizedRef.get(ref), (state) => {
        const rows = Option.getOrElse(HashMap.get(state.streams, referralId), (): ReadonlyArray<Row> => [])
        const events: Array<ReferralEvent.ReferralEvent> = []
        for (const [i, row] of rows.entries()) {
          const decoded = decodeRow(codec, referralId, row, i + 1)
          if (Result.isFailure(decoded)) return Effect.fail(decoded.failure)
          events.push(decoded.success)
        }
        return Effect.succeed({ referralId, version: rows.length, events })
      })

    const next = (state: State, request: AppendRequest): Result.Result<readonly [number, State], AppendError> => {
      if (HashMap.has(state.keys, request.idempotencyKey)) {
        return Result.fail(new IdempotencyKeyUsed({ idempotencyKey: request.idempotencyKey }))
      }
      const current = Option.getOrElse(HashMap.get(state.streams, request.referralId), (): ReadonlyArray<Row> => [])
      if (current.length !== request.expectedVersion) {
        return Result.fail(
          new VersionConflict({
            referralId: request.referralId,
            expectedVersion: request.expectedVersion,
            actualVersion: current.length
          })
        )
      }
      if (request.expectedLoad !== undefined) {
        const actual = activeClientsOf(state.index, request.expectedLoad.linkWorkerId)
        if (actual !== request.expectedLoad.activeClients) {
          return Result.fail(
            new LoadChanged({
              linkWorkerId: request.expectedLoad.linkWorkerId,
              expectedActiveClients: request.expectedLoad.activeClients,
              actualActiveClients: actual
            })
          )
        }
      }
      const rows: Array<Row> = []
      for (const [i, event] of request.events.entries()) {
        const row = encodeRow(codec, event, i)
        if (Result.isFailure(row)) return Result.fail(row.failure)
        rows.push(row.success)
      }
      let vault = state.vault
      for (const write of request.vault) {
        const subjectId = write._tag === "PutSubject" ? write.subject.subjectId : write.subjectId
        const stored = Option.getOrUndefined(HashMap.get(vault, subjectId))
        // a guarded submission's write: the entry must still be what was checked (in this same swap of the snapshot)
        if (!PersonalData.identityHolds(stored, write)) return Result.fail(new SubjectChanged({ subjectId }))
        const updated = PersonalData.apply(stored, write)
        vault = updated === undefined ? HashMap.remove(vault, subjectId) : HashMap.set(vault, subjectId, updated)
      }
      const version = current.length + rows.length
      const isNew = current.length === 0 && rows.length > 0
      const before = Option.getOrUndefined(HashMap.get(state.index, request.referralId))
      const index =
        rows.length === 0
          ? state.index
          : HashMap.set(state.index, request.referralId, {
              state: Referral.fold(request.events, before?.state ?? Referral.initialState),
              nextDueAt: request.nextDueAt
            })
      return Result.succeed([
        version,
        {
          streams:
            rows.length === 0 ? state.streams : HashMap.set(state.streams, request.referralId, [...current, ...rows]),
          order: isNew ? [...state.order, request.referralId] : state.order,
          keys: HashMap.set(state.keys, request.idempotencyKey, {
            idempotencyKey: request.idempotencyKey,
            referralId: request.referralId,
            fingerprint: request.fingerprint,
            fromVersion: request.expectedVersion,
            toVersion: version
          }),
          vault,
          index
        }
      ])
    }

    const append = (request: AppendRequest): Effect.Effect<{ readonly version: number }, AppendError> =>
      SynchronizedRef.modifyEffect(ref, (state) =>
        Effect.map(Effect.fromResult(next(state, request)), ([version, updated]) => [{ version }, updated] as const)
      )

    const current = (referralId: ReferralId) =>
      Effect.map(SynchronizedRef.get(ref), (state) => {
        const rows = Option.getOrElse(HashMap.get(state.streams, referralId), (): ReadonlyArray<Row> => [])
        const indexed = Option.getOrUndefined(HashMap.get(state.index, referralId))
        return { referralId, version: rows.length, state: indexed?.state ?? Referral.initialState }
      })

    // one secret per store, made with it (kept as long as the store's data)
    const secret = Redacted.make(yield* generateSecret)
    const store = ReferralStore.of({
      load,
      current,
      append,
      idempotency: (key) => Effect.map(SynchronizedRef.get(ref), (state) => HashMap.get(state.keys, key)),
      referralIds: () => Effect.map(SynchronizedRef.get(ref), (state) => state.order),
      subject: (subjectId) => Effect.map(SynchronizedRef.get(ref), (state) => HashMap.get(state.vault, subjectId)),
      subjects: (subjectIds) =>
        Effect.map(SynchronizedRef.get(ref), (state) => {
          const out = new Map<SubjectId, PersonalData.SubjectData>()
          for (const id of subjectIds) {
            const found = HashMap.get(state.vault, id)
            if (Option.isSome(found)) out.set(id, found.value)
          }
          return out
        }),
      fingerprintSecret: () => Effect.succeed(secret)
    })
    return { store, index: makeIndex(ref, load) }
  })

const compare = (a: readonly [string, string], b: readonly [string, string]): number =>
  a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0

/** One page over `entries` in the order of `key`, after the cursor. */
const paginate = (
  kind: ReferralIndex.CursorKind,
  entries: ReadonlyArray<readonly [ReferralId, Indexed]>,
  key: (entry: Indexed) => string,
  page: ReferralIndex.PageRequest
): Result.Result<ReferralIndex.Page<Referral.ReferralState>, ReferralIndex.InvalidCursor> => {
  const limit = ReferralIndex.clampLimit(page.limit)
  let after: readonly [string, string] | undefined
  if (page.after !== undefined) {
    const position = ReferralIndex.decodeCursor(kind, page.after)
    if (Result.isFailure(position)) return Result.fail(position.failure)
    after = [position.success.key, position.success.referralId]
  }
  const sorted = entries
    .map(([id, entry]) => ({ sortKey: [key(entry), id] as const, entry }))
    .filter((e) => after === undefined || compare(e.sortKey, after) > 0)
    .sort((a, b) => compare(a.sortKey, b.sortKey))
  const items = sorted.slice(0, limit)
  const last = items[items.length - 1]
  return Result.succeed({
    items: items.map((e) => e.entry.state),
    ...(sorted.length > limit && last !== undefined
      ? { next: ReferralIndex.encodeCursor(kind, { key: last.sortKey[0], referralId: last.sortKey[1] }) }
      : {})
  })
}

const matches = (query: ReferralIndex.Query, s: Referral.ReferralState, nextDueAt: Instant | null | undefined) =>
  (query.programmeIds === undefined || (s.programme !== undefined && query.programmeIds.includes(s.programme.id))) &&
  (query.statuses === undefined || query.statuses.includes(s.status)) &&
  (query.ended === undefined || Lifecycle.isTerminal(s.status) === query.ended) &&
  (query.linkWorkerId === undefined || s.linkWorkerId === query.linkWorkerId) &&
  (query.referrer === undefined ||
    (s.referrer?.id === query.referrer.id && s.referrer.organisation === query.referrer.organisation)) &&
  (query.subjectId === undefined || s.subjectId === query.subjectId) &&
  (query.submittedFrom === undefined || (s.submittedAt !== undefined && s.submittedAt >= query.submittedFrom)) &&
  (query.submittedBefore === undefined || (s.submittedAt !== undefined && s.submittedAt < query.submittedBefore)) &&
  (query.dueBy === undefined || nextDueAt === undefined || (nextDueAt !== null && nextDueAt <= query.dueBy)) &&
  (query.changedSince === undefined ||
    ReferralIndex.viewChangedSince(s, query.changedSince.since, query.changedSince.at))

const makeIndex = (
  ref: SynchronizedRef.SynchronizedRef<State>,
  load: (referralId: ReferralId) => Effect.Effect<Stream, StoreFailure>
): ReferralIndex.Shape => {
  const entries = Effect.map(SynchronizedRef.get(ref), (state) => [...HashMap.entries(state.index)])
  return ReferralIndex.ReferralIndex.of({
    find: (query, page) =>
      Effect.flatMap(entries, (all) =>
        Effect.fromResult(
          paginate(
            "find",
            all.filter(([, e]) => matches(query, e.state, e.nextDueAt)),
            (e) => ReferralIndex.findKey(e.state),
            page
          )
        )
      ),
    activeClients: (linkWorkerId) =>
      Effect.map(SynchronizedRef.get(ref), (state) => activeClientsOf(state.index, linkWorkerId)),
    linkWorkerLoad: () =>
      Effect.map(entries, (all) => {
        const counts = new Map<ActorId, number>()
        for (const [, { state }] of all) {
          if (state.linkWorkerId !== undefined && Lifecycle.caseload.has(state.status)) {
            counts.set(state.linkWorkerId, (counts.get(state.linkWorkerId) ?? 0) + 1)
          }
        }
        return [...counts]
          .map(([linkWorkerId, activeClients]) => ({ linkWorkerId, activeClients }))
          .sort((a, b) => b.activeClients - a.activeClients || (a.linkWorkerId < b.linkWorkerId ? -1 : 1))
      }),
    due: (at, page) =>
      Effect.flatMap(entries, (all) =>
        Effect.fromResult(
          paginate(
            "due",
            all.filter(([, e]) => e.nextDueAt === undefined || (e.nextDueAt !== null && e.nextDueAt <= at)),
            (e) => ReferralIndex.dueKey(e.nextDueAt ?? undefined),
            page
          )
        )
      ),
    refreshDue: (referralId, version, nextDueAt) =>
      SynchronizedRef.update(ref, (state) => {
        const entry = Option.getOrUndefined(HashMap.get(state.index, referralId))
        return entry === undefined || entry.state.version !== version
          ? state
          : { ...state, index: HashMap.set(state.index, referralId, { ...entry, nextDueAt }) }
      }),
    streams: (referralIds) => Effect.forEach(referralIds, load),
    events: (referralIds, tags) =>
      Effect.forEach(referralIds, (id) =>
        Effect.map(load(id), (stream) => stream.events.filter((e) => tags.includes(e._tag)))
      )
  })
}

type AppendError = IdempotencyKeyUsed | VersionConflict | LoadChanged | SubjectChanged | StoreFailure

/**
 * Builds an in-memory store with options (without access to its index; the
 * layers provide both).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeWith = (options: Options = {}): Effect.Effect<Shape> =>
  Effect.map(makeWithIndex(options), ({ store }) => store)

/**
 * Builds an empty in-memory store with the default codec.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Shape> = makeWith()

/**
 * A layer with an empty in-memory store and its index, with options.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (options: Options = {}): Layer.Layer<ReferralStore | ReferralIndex.ReferralIndex> =>
  Layer.effectContext(
    Effect.map(makeWithIndex(options), ({ store, index }) =>
      Context.make(ReferralStore, store).pipe(Context.add(ReferralIndex.ReferralIndex, index))
    )
  )

/**
 * A layer with an empty in-memory store and its index (each build of the layer is a new,
 * empty store).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<ReferralStore | ReferralIndex.ReferralIndex> = layerWith()
