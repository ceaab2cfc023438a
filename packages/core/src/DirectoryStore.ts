/**
 * The directory store port: every version of the directory's organisations
 * and activities, written by coordinators (`put`, applied as
 * `Directory.merge`: a changed entry becomes its next version), read by
 * version (`activity`, `organisation`: what a referral's plan names) and a
 * page at a time over the current versions (`activities`, `organisations`),
 * ordered by id, each page costing what it returns. The directory holds no
 * personal data.
 *
 * `layerMemory` is the in-memory implementation; `@lahete/store-sql` has
 * SQLite and PostgreSQL (`SqlDirectoryStore`). Both pass
 * `DirectoryStoreTest` of `@lahete/testing`.
 *
 * @since 0.3.0
 */
import { Context, Effect, Layer, Option, Ref, Result, Schema } from "effect"
import * as Directory from "./Directory.js"

/**
 * The store failed (the database, or stored data that no longer decodes).
 * Names no value.
 *
 * @since 0.3.0
 * @category errors
 */
export class DirectoryStoreFailure extends Schema.TaggedError<DirectoryStoreFailure>()("DirectoryStoreFailure", {
  operation: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `directory store ${this.operation} failed: ${this.detail}`
  }
}

/**
 * Everything the store refuses or fails with.
 *
 * @since 0.3.0
 * @category errors
 */
export type DirectoryStoreError = DirectoryStoreFailure | Directory.InvalidDirectory

/**
 * Which current activities to list (every given field must match).
 *
 * @since 0.3.0
 * @category models
 */
export interface ActivityFilter {
  readonly area?: string
  readonly organisationId?: string
  /** Only `active` ones. */
  readonly activeOnly?: boolean
}

/**
 * The default and the largest page size.
 *
 * @since 0.3.0
 * @category constants
 */
export const pageSizes = { default: 50, max: 500 } as const

/**
 * A page: the items (by id) and, while more may follow, the id to pass as
 * `after` for the next one.
 *
 * @since 0.3.0
 * @category models
 */
export interface Page<A> {
  readonly items: ReadonlyArray<A>
  readonly next?: string
}

/**
 * What to change: entries without versions (see `Directory.merge`).
 *
 * @since 0.3.0
 * @category models
 */
export interface Changes {
  readonly organisations?: ReadonlyArray<Omit<Directory.Organisation, "version">>
  readonly activities?: ReadonlyArray<Omit<Directory.Activity, "version">>
}

/**
 * The versions a `put` wrote (entries unchanged are not listed).
 *
 * @since 0.3.0
 * @category models
 */
export interface Written {
  readonly organisations: ReadonlyArray<Directory.Organisation>
  readonly activities: ReadonlyArray<Directory.Activity>
}

/**
 * The store's operations.
 *
 * @since 0.3.0
 * @category models
 */
export interface Shape {
  /** Applies the changes atomically as next versions; all or nothing. */
  readonly put: (changes: Changes) => Effect.Effect<Written, DirectoryStoreError>
  /** One version (default: the current one). */
  readonly activity: (
    id: string,
    version?: number
  ) => Effect.Effect<Option.Option<Directory.Activity>, DirectoryStoreFailure>
  readonly organisation: (
    id: string,
    version?: number
  ) => Effect.Effect<Option.Option<Directory.Organisation>, DirectoryStoreFailure>
  /** The current activities matching the filter, by id, a page at a time. */
  readonly activities: (
    filter: ActivityFilter,
    page: { readonly limit: number; readonly after?: string | undefined }
  ) => Effect.Effect<Page<Directory.Activity>, DirectoryStoreFailure>
  /** The current organisations, by id, a page at a time. */
  readonly organisations: (page: {
    readonly limit: number
    readonly after?: string | undefined
  }) => Effect.Effect<Page<Directory.Organisation>, DirectoryStoreFailure>
}

/**
 * The directory store service.
 *
 * @since 0.3.0
 * @category services
 */
export class DirectoryStore extends Context.Service<DirectoryStore, Shape>()("@lahete/core/DirectoryStore") {}

/**
 * A page size within `1 … pageSizes.max`.
 *
 * @since 0.3.0
 * @category getters
 */
export const clampLimit = (limit: number): number =>
  Math.min(pageSizes.max, Math.max(1, Number.isFinite(limit) ? Math.floor(limit) : pageSizes.default))

/**
 * The versions `changes` adds to a directory whose current entries are
 * looked up with `current` (what `put` writes), validated together with the
 * organisations they name. Shared by the implementations.
 *
 * @since 0.3.0
 * @category combinators
 */
export const versionsToWrite = (
  changes: Changes,
  current: {
    readonly organisation: (id: string) => Directory.Organisation | undefined
    readonly activity: (id: string) => Directory.Activity | undefined
  }
): Result.Result<Written, Directory.InvalidDirectory> => {
  const changedOrgs = changes.organisations ?? []
  const changedActs = changes.activities ?? []
  const changedOrgIds = new Set(changedOrgs.map((o) => o.id as string))
  const currentActs = changedActs.map((a) => current.activity(a.id)).filter((a) => a !== undefined)
  // the organisations the changes and the current versions they replace name, as they are now
  const named = new Set([...changedActs, ...currentActs].map((a) => a.organisationId as string))
  const others = [...named]
    .filter((id) => !changedOrgIds.has(id))
    .map((id) => current.organisation(id))
    .filter((o) => o !== undefined)
  // the changes on their own first, so that every problem names its place in `changes`
  const alone = Directory.decode(
    Schema.encodeSync(Directory.DirectoryData)({
      organisations: [...changedOrgs.map((o) => ({ ...o, version: 1 })), ...others],
      activities: changedActs.map((a) => ({ ...a, version: 1 }))
    })
  )
  if (Result.isFailure(alone)) return Result.fail(alone.failure)
  const currentOrgs = changedOrgs.map((o) => current.organisation(o.id)).filter((o) => o !== undefined)
  const before = Directory.make({ organisations: [...currentOrgs, ...others], activities: currentActs })
  return Result.map(Directory.merge(before, changes), (after) => {
    const old = new Set(before.data.activities.map((a) => `${a.id}@${a.version}`))
    const oldOrgs = new Set(before.data.organisations.map((o) => `${o.id}@${o.version}`))
    return {
      organisations: after.data.organisations.filter((o) => !oldOrgs.has(`${o.id}@${o.version}`)),
      activities: after.data.activities.filter((a) => !old.has(`${a.id}@${a.version}`))
    }
  })
}

const pageOf = <A extends { readonly id: string }>(
  sorted: ReadonlyArray<A>,
  page: { readonly limit: number; readonly after?: string | undefined }
): Page<A> => {
  const limit = clampLimit(page.limit)
  const from = page.after === undefined ? sorted : sorted.filter((a) => a.id > (page.after as string))
  const items = from.slice(0, limit)
  return from.length > limit ? { items, next: (items.at(-1) as A).id } : { items }
}

/**
 * An in-memory directory store holding `initial` (every version).
 *
 * @since 0.3.0
 * @category constructors
 */
export const makeMemory = (initial: Directory.Directory = Directory.empty): Effect.Effect<Shape> =>
  Effect.gen(function* () {
    const ref = yield* Ref.make(initial)
    const byId = <A extends { readonly id: string }>(xs: ReadonlyArray<A>) =>
      [...xs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    return {
      put: (changes) =>
        Effect.flatMap(Ref.get(ref), (directory) =>
          Effect.flatMap(Effect.fromResult(versionsToWrite(changes, directory)), (written) =>
            Effect.as(
              Ref.set(
                ref,
                Directory.make({
                  organisations: [...directory.data.organisations, ...written.organisations],
                  activities: [...directory.data.activities, ...written.activities]
                })
              ),
              written
            )
          )
        ),
      activity: (id, version) => Effect.map(Ref.get(ref), (d) => Option.fromUndefinedOr(d.activity(id, version))),
      organisation: (id, version) =>
        Effect.map(Ref.get(ref), (d) => Option.fromUndefinedOr(d.organisation(id, version))),
      activities: (filter, page) =>
        Effect.map(Ref.get(ref), (d) =>
          pageOf(
            byId(
              d.currentActivities.filter(
                (a) =>
                  (filter.area === undefined || a.area === filter.area) &&
                  (filter.organisationId === undefined || a.organisationId === filter.organisationId) &&
                  (filter.activeOnly !== true || a.status === "active")
              )
            ),
            page
          )
        ),
      organisations: (page) => Effect.map(Ref.get(ref), (d) => pageOf(byId(d.currentOrganisations), page))
    }
  })

/**
 * The in-memory directory store as a layer.
 *
 * @since 0.3.0
 * @category layers
 */
export const layerMemory = (initial: Directory.Directory = Directory.empty): Layer.Layer<DirectoryStore> =>
  Layer.effect(DirectoryStore, makeMemory(initial))

/**
 * Every current entry as a directory (for an HSDS export), read a page at a
 * time.
 *
 * @since 0.3.0
 * @category getters
 */
export const current: Effect.Effect<Directory.Directory, DirectoryStoreFailure, DirectoryStore> = Effect.gen(
  function* () {
    const store = yield* DirectoryStore
    const organisations: Array<Directory.Organisation> = []
    const activities: Array<Directory.Activity> = []
    let after: string | undefined
    do {
      const page: Page<Directory.Organisation> = yield* store.organisations({ limit: pageSizes.max, after })
      organisations.push(...page.items)
      after = page.next
    } while (after !== undefined)
    do {
      const page: Page<Directory.Activity> = yield* store.activities({}, { limit: pageSizes.max, after })
      activities.push(...page.items)
      after = page.next
    } while (after !== undefined)
    return Directory.make({ organisations, activities })
  }
)
