/**
 * The `LinkWorkerRegistry` port: where the link workers (linkkihenkilöt) are
 * kept (domain specification §5), with an in-memory layer. `ReferralService`
 * looks link workers up here when a coordinator assigns one; coordinators get
 * their "training due" list from it (`trainingDue`).
 *
 * The registry holds professional data only (employer type, languages,
 * areas, capacity, training and commitment dates): no client data.
 *
 * @example
 * ```ts
 * import { LinkWorkerRegistry, Presets } from "@lahete/core"
 * import { Effect } from "effect"
 *
 * const due = LinkWorkerRegistry.trainingDue({
 *   at: now,
 *   policy: Presets.kemijarvi.linkWorkers
 * }).pipe(Effect.provide(LinkWorkerRegistry.layerMemory([worker])))
 * ```
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, Option, Ref, Result, Schema } from "effect"
import type { ActorId } from "./Ids.js"
import type { Instant } from "./Instant.js"
import * as LinkWorker from "./LinkWorker.js"

/**
 * The registry failed (connection, corrupt data), or an entry did not match
 * the `LinkWorker` schema. Nothing was written. `detail` names the problem,
 * never the entry's content.
 *
 * @since 0.1.0
 * @category errors
 */
export class LinkWorkerRegistryFailure extends Schema.TaggedError<LinkWorkerRegistryFailure>()(
  "LinkWorkerRegistryFailure",
  { operation: Schema.String, detail: Schema.String }
) {
  override get message(): string {
    return `link-worker registry ${this.operation} failed: ${this.detail}`
  }
}

/**
 * The registry's operations.
 *
 * @since 0.1.0
 * @category models
 */
export interface Shape {
  /** Adds the link worker, or replaces the entry with the same id. */
  readonly put: (worker: LinkWorker.LinkWorker) => Effect.Effect<void, LinkWorkerRegistryFailure>
  /**
   * Changes an entry atomically (e.g. to add a refresher training) and
   * returns it; none when the id is unknown. The change may not alter the id.
   */
  readonly update: (
    id: ActorId,
    change: (worker: LinkWorker.LinkWorker) => LinkWorker.LinkWorker
  ) => Effect.Effect<Option.Option<LinkWorker.LinkWorker>, LinkWorkerRegistryFailure>
  /** The entry for an id. */
  readonly get: (id: ActorId) => Effect.Effect<Option.Option<LinkWorker.LinkWorker>, LinkWorkerRegistryFailure>
  /** Every link worker, in the order first put. */
  readonly list: () => Effect.Effect<ReadonlyArray<LinkWorker.LinkWorker>, LinkWorkerRegistryFailure>
}

/**
 * The `LinkWorkerRegistry` service.
 *
 * @since 0.1.0
 * @category services
 */
export class LinkWorkerRegistry extends Context.Service<LinkWorkerRegistry, Shape>()(
  "@lahete/core/LinkWorkerRegistry"
) {}

/**
 * The coordinator's "training due" list over every link worker in the
 * registry (see `LinkWorker.trainingDue`): missing basic training or
 * confidentiality commitment, and refreshers due within `withinDays`
 * (default 30) or overdue. Overdue first.
 *
 * @since 0.1.0
 * @category views
 */
export const trainingDue = (options: {
  readonly at: Instant
  readonly policy: LinkWorker.Policy
  readonly withinDays?: number
}): Effect.Effect<ReadonlyArray<LinkWorker.TrainingDue>, LinkWorkerRegistryFailure, LinkWorkerRegistry> =>
  LinkWorkerRegistry.use((registry) =>
    Effect.map(registry.list(), (workers) => LinkWorker.trainingDue(workers, options))
  )

const validate = (
  operation: string,
  worker: LinkWorker.LinkWorker
): Result.Result<LinkWorker.LinkWorker, LinkWorkerRegistryFailure> =>
  Result.mapError(
    Schema.decodeUnknownResult(LinkWorker.LinkWorker)(worker),
    () => new LinkWorkerRegistryFailure({ operation, detail: "the entry does not match the LinkWorker schema" })
  )

/**
 * Builds an in-memory registry holding the given link workers.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeMemory = (
  initial: ReadonlyArray<LinkWorker.LinkWorker> = []
): Effect.Effect<Shape, LinkWorkerRegistryFailure> =>
  Effect.gen(function* () {
    const entries = new Map<ActorId, LinkWorker.LinkWorker>()
    for (const worker of initial) entries.set(worker.id, yield* Effect.fromResult(validate("make", worker)))
    const ref = yield* Ref.make<ReadonlyMap<ActorId, LinkWorker.LinkWorker>>(entries)

    const put = (worker: LinkWorker.LinkWorker) =>
      Effect.flatMap(Effect.fromResult(validate("put", worker)), (valid) =>
        Ref.update(ref, (current) => new Map(current).set(valid.id, valid))
      )

    const update = (id: ActorId, change: (worker: LinkWorker.LinkWorker) => LinkWorker.LinkWorker) =>
      Effect.flatMap(
        Ref.modify(
          ref,
          (
            current
          ): readonly [
            Result.Result<Option.Option<LinkWorker.LinkWorker>, LinkWorkerRegistryFailure>,
            ReadonlyMap<ActorId, LinkWorker.LinkWorker>
          ] => {
            const worker = current.get(id)
            if (worker === undefined) return [Result.succeed(Option.none()), current]
            const changed = validate("update", change(worker))
            if (Result.isFailure(changed)) return [Result.fail(changed.failure), current]
            if (changed.success.id !== id) {
              return [
                Result.fail(
                  new LinkWorkerRegistryFailure({ operation: "update", detail: "the change altered the id" })
                ),
                current
              ]
            }
            return [Result.succeed(Option.some(changed.success)), new Map(current).set(id, changed.success)]
          }
        ),
        Effect.fromResult
      )

    return LinkWorkerRegistry.of({
      put,
      update,
      get: (id) => Effect.map(Ref.get(ref), (current) => Option.fromNullishOr(current.get(id))),
      list: () => Effect.map(Ref.get(ref), (current) => [...current.values()])
    })
  })

/**
 * A layer with an in-memory registry holding the given link workers (each
 * build of the layer starts from them again).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemory = (
  initial: ReadonlyArray<LinkWorker.LinkWorker> = []
): Layer.Layer<LinkWorkerRegistry, LinkWorkerRegistryFailure> => Layer.effect(LinkWorkerRegistry, makeMemory(initial))
