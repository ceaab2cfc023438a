/**
 * The directory store port: every version of the directory's organisations
 * and activities, written by coordinators (`put`, applied as
 * `Directory.merge`: a changed entry becomes its next version), read by
 * version (`activity`, `organisation`: what a referral's plan names) and a
 * page at a time over the current versions (`activities`, `organisations`,
 * and `activitiesOf` for the activities of a page of organisations), ordered
 * by id, each page costing what it returns (an index and a keyset cursor,
 * never a pass over the whole directory). Pages are like the read side's
 * lists: `pageSizes.default` 50 entries, at most `pageSizes.max` 200, and an
 * opaque `next` cursor (`encodeCursor`; a cursor this store did not issue is
 * `ReferralIndex.InvalidCursor`). The directory holds no personal data.
 *
 * `layerMemory` is the in-memory implementation; `@lahete/store-sql` has
 * SQLite and PostgreSQL (`SqlDirectoryStore`). Both pass
 * `DirectoryStoreTest` of `@lahete/testing`.
 *
 * @since 0.3.0
 */
import { Context, Effect, Layer, Option, Ref, Result, Schema } from "effect"
import * as Directory from "./Directory.js"
import * as Base64url from "./internal/base64url.js"
import { InvalidCursor } from "./ReferralIndex.js"

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
 * The default and the largest page size (as the read side's lists,
 * `ReferralQueries.defaultPageSize` and `maxPageSize`).
 *
 * @since 0.3.0
 * @category constants
 */
export const pageSizes = { default: 50, max: 200 } as const

/**
 * A page: the items (by id) and, while more may follow, the opaque cursor to
 * pass as `after` for the next one.
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
    page: PageRequest
  ) => Effect.Effect<Page<Directory.Activity>, DirectoryStoreFailure | InvalidCursor>
  /** The current organisations, by id, a page at a time. */
  readonly organisations: (
    page: PageRequest
  ) => Effect.Effect<Page<Directory.Organisation>, DirectoryStoreFailure | InvalidCursor>
  /**
   * The current activities of the given organisations (at most
   * `pageSizes.max` of them: a page of `organisations`), by organisation
   * then id: what an HSDS page (`currentPage`) nests in each organisation.
   */
  readonly activitiesOf: (
    organisationIds: ReadonlyArray<string>
  ) => Effect.Effect<ReadonlyArray<Directory.Activity>, DirectoryStoreFailure>
}

/**
 * Which page: at most `limit` entries (clamped to 1..`pageSizes.max`), after
 * the `next` cursor of the previous page.
 *
 * @since 0.3.0
 * @category models
 */
export interface PageRequest {
  readonly limit: number
  readonly after?: string | undefined
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

/**
 * The kind of page a cursor belongs to.
 *
 * @since 0.3.0
 * @category cursors
 */
export type CursorKind = "activities" | "organisations"

const cursorTag = (kind: CursorKind) => (kind === "activities" ? "da" : "do")

/**
 * The opaque cursor after the entry `id` of a page of `kind` (every
 * implementation issues the same form).
 *
 * @since 0.3.0
 * @category cursors
 */
export const encodeCursor = (kind: CursorKind, id: string): string =>
  Base64url.encode(JSON.stringify([cursorTag(kind), id]))

/**
 * The id a cursor of `kind` continues after; anything else (malformed, or a
 * cursor of another kind of page) is `InvalidCursor`.
 *
 * @since 0.3.0
 * @category cursors
 */
export const decodeCursor = (kind: CursorKind, cursor: string): Result.Result<string, InvalidCursor> => {
  const value = Base64url.cursorArray(cursor)
  return value !== undefined && value.length === 2 && value[0] === cursorTag(kind) && typeof value[1] === "string"
    ? Result.succeed(value[1])
    : Result.fail(new InvalidCursor())
}

/**
 * The id a page request continues after (`undefined`: the first page), or
 * `InvalidCursor`.
 *
 * @since 0.3.0
 * @category cursors
 */
export const afterOf = (kind: CursorKind, page: PageRequest): Effect.Effect<string | undefined, InvalidCursor> =>
  page.after === undefined ? Effect.succeed(undefined) : Effect.fromResult(decodeCursor(kind, page.after))

/**
 * A page of `limit` from the `limit + 1` entries read after the cursor: the
 * first `limit`, and the cursor after the last of them while one more was
 * found. Shared by the implementations.
 *
 * @since 0.3.0
 * @category combinators
 */
export const pageFrom = <A extends { readonly id: string }>(
  kind: CursorKind,
  found: ReadonlyArray<A>,
  limit: number
): Page<A> =>
  found.length > limit
    ? { items: found.slice(0, limit), next: encodeCursor(kind, (found[limit - 1] as A).id) }
    : { items: found }

const byId = <A extends { readonly id: string }>(a: A, b: A) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

/** The first position in `sorted` (by id) whose id is after `after`: a binary search. */
const firstAfter = <A extends { readonly id: string }>(sorted: ReadonlyArray<A>, after: string | undefined) => {
  if (after === undefined) return 0
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((sorted[mid] as A).id <= after) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** A page of `sorted` (by id): a binary search for the cursor and a slice, never a pass over the list. */
const pageOf = <A extends { readonly id: string }>(
  kind: CursorKind,
  sorted: ReadonlyArray<A>,
  page: PageRequest
): Effect.Effect<Page<A>, InvalidCursor> =>
  Effect.map(afterOf(kind, page), (after) => {
    const limit = clampLimit(page.limit)
    const from = firstAfter(sorted, after)
    return pageFrom(kind, sorted.slice(from, from + limit + 1), limit)
  })

/**
 * The in-memory indexes of a directory's current entries: the activities by
 * id under each filter asked for so far, the organisations by id, each
 * organisation's activities. Built on first use after a write.
 */
const memoryIndexes = (directory: Directory.Directory) => {
  const lists = new Map<string, ReadonlyArray<Directory.Activity>>()
  let organisations: ReadonlyArray<Directory.Organisation> | undefined
  let byOrganisation: Map<string, Array<Directory.Activity>> | undefined
  const sortedActivities = () => {
    const all = lists.get("") ?? [...directory.currentActivities].sort(byId)
    lists.set("", all)
    return all
  }
  return {
    activities: (filter: ActivityFilter): ReadonlyArray<Directory.Activity> => {
      const key = JSON.stringify([filter.area ?? null, filter.organisationId ?? null, filter.activeOnly === true])
      const found =
        lists.get(key) ??
        sortedActivities().filter(
          (a) =>
            (filter.area === undefined || a.area === filter.area) &&
            (filter.organisationId === undefined || a.organisationId === filter.organisationId) &&
            (filter.activeOnly !== true || a.status === "active")
        )
      lists.set(key, found)
      return found
    },
    organisations: (): ReadonlyArray<Directory.Organisation> => {
      organisations ??= [...directory.currentOrganisations].sort(byId)
      return organisations
    },
    of: (organisationId: string): ReadonlyArray<Directory.Activity> => {
      if (byOrganisation === undefined) {
        const built = new Map<string, Array<Directory.Activity>>()
        for (const a of sortedActivities()) {
          const list = built.get(a.organisationId) ?? []
          list.push(a)
          built.set(a.organisationId, list)
        }
        byOrganisation = built
      }
      return byOrganisation.get(organisationId) ?? []
    }
  }
}

/**
 * An in-memory directory store holding `initial` (every version).
 *
 * @since 0.3.0
 * @category constructors
 */
export const makeMemory = (initial: Directory.Directory = Directory.empty): Effect.Effect<Shape> =>
  Effect.gen(function* () {
    // the directory with its indexes, replaced together by a write
    const ref = yield* Ref.make({ directory: initial, indexes: memoryIndexes(initial) })
    return {
      put: (changes) =>
        Effect.flatMap(Ref.get(ref), ({ directory }) =>
          Effect.flatMap(Effect.fromResult(versionsToWrite(changes, directory)), (written) => {
            const next = Directory.make({
              organisations: [...directory.data.organisations, ...written.organisations],
              activities: [...directory.data.activities, ...written.activities]
            })
            return Effect.as(Ref.set(ref, { directory: next, indexes: memoryIndexes(next) }), written)
          })
        ),
      activity: (id, version) =>
        Effect.map(Ref.get(ref), ({ directory }) => Option.fromUndefinedOr(directory.activity(id, version))),
      organisation: (id, version) =>
        Effect.map(Ref.get(ref), ({ directory }) => Option.fromUndefinedOr(directory.organisation(id, version))),
      activities: (filter, page) =>
        Effect.flatMap(Ref.get(ref), ({ indexes }) => pageOf("activities", indexes.activities(filter), page)),
      organisations: (page) =>
        Effect.flatMap(Ref.get(ref), ({ indexes }) => pageOf("organisations", indexes.organisations(), page)),
      activitiesOf: (organisationIds) =>
        Effect.map(Ref.get(ref), ({ indexes }) => [...new Set(organisationIds)].sort().flatMap((id) => indexes.of(id)))
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
 * Every current entry as a directory, read a page at a time: its cost grows
 * with the directory (for a test or a whole export; a request reads one page,
 * `hsdsPage`).
 *
 * @since 0.3.0
 * @category getters
 */
export const current: Effect.Effect<Directory.Directory, DirectoryStoreFailure | InvalidCursor, DirectoryStore> =
  Effect.gen(function* () {
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
  })

/**
 * One page of the directory for an HSDS export: a page of the current
 * organisations (by id) with all their current activities, as a directory
 * (`Hsds.toHsds` writes it as `organization_full` objects), and the cursor
 * of the next page. Two reads, each costing what the page holds.
 *
 * @since 0.3.0
 * @category getters
 */
export const currentPage = (
  page: PageRequest
): Effect.Effect<
  { readonly directory: Directory.Directory; readonly next?: string },
  DirectoryStoreFailure | InvalidCursor,
  DirectoryStore
> =>
  Effect.gen(function* () {
    const store = yield* DirectoryStore
    const organisations = yield* store.organisations(page)
    const activities =
      organisations.items.length === 0 ? [] : yield* store.activitiesOf(organisations.items.map((o) => o.id))
    const directory = Directory.make({ organisations: organisations.items, activities })
    return organisations.next === undefined ? { directory } : { directory, next: organisations.next }
  })
