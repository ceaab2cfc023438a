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
 * - Vault writes are applied in order with `PersonalData.apply`; erasure
 *   removes the subject's entry.
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
import { Effect, HashMap, Layer, Option, Result, SynchronizedRef } from "effect"
import type { IdempotencyKey, ReferralId, SubjectId } from "./Ids.js"
import * as PersonalData from "./PersonalData.js"
import * as ReferralEvent from "./ReferralEvent.js"
import {
  type AppendRequest,
  IdempotencyKeyUsed,
  type IdempotencyRecord,
  ReferralStore,
  type Shape,
  StoreFailure,
  type Stream,
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
}

const emptyState: State = {
  streams: HashMap.empty(),
  order: [],
  keys: HashMap.empty(),
  vault: HashMap.empty()
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
 * Builds an in-memory store with options.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeWith = (options: Options = {}): Effect.Effect<Shape> =>
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
      const rows: Array<Row> = []
      for (const [i, event] of request.events.entries()) {
        const row = encodeRow(codec, event, i)
        if (Result.isFailure(row)) return Result.fail(row.failure)
        rows.push(row.success)
      }
      let vault = state.vault
      for (const write of request.vault) {
        const subjectId = write._tag === "PutSubject" ? write.subject.subjectId : write.subjectId
        const updated = PersonalData.apply(Option.getOrUndefined(HashMap.get(vault, subjectId)), write)
        vault = updated === undefined ? HashMap.remove(vault, subjectId) : HashMap.set(vault, subjectId, updated)
      }
      const version = current.length + rows.length
      const isNew = current.length === 0 && rows.length > 0
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
          vault
        }
      ])
    }

    const append = (request: AppendRequest): Effect.Effect<{ readonly version: number }, AppendError> =>
      SynchronizedRef.modifyEffect(ref, (state) =>
        Effect.map(Effect.fromResult(next(state, request)), ([version, updated]) => [{ version }, updated] as const)
      )

    return ReferralStore.of({
      load,
      append,
      idempotency: (key) => Effect.map(SynchronizedRef.get(ref), (state) => HashMap.get(state.keys, key)),
      referralIds: () => Effect.map(SynchronizedRef.get(ref), (state) => state.order),
      subject: (subjectId) => Effect.map(SynchronizedRef.get(ref), (state) => HashMap.get(state.vault, subjectId))
    })
  })

type AppendError = IdempotencyKeyUsed | VersionConflict | StoreFailure

/**
 * Builds an empty in-memory store with the default codec.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Shape> = makeWith()

/**
 * A layer with an empty in-memory store, with options.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (options: Options = {}): Layer.Layer<ReferralStore> =>
  Layer.effect(ReferralStore, makeWith(options))

/**
 * A layer with an empty in-memory store (each build of the layer is a new,
 * empty store).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<ReferralStore> = layerWith()
