/**
 * The `ReferralIndex` over SQL: the read side answered from
 * `referral_projection` (one row per referral, written in the append's
 * transaction by `SqlReferralStore`), by index and a page at a time, on
 * SQLite and PostgreSQL. `SqlReferralStore.layer` provides it together with
 * the store.
 *
 * **Every answer costs what it returns.** The projection has an index for
 * every shape of question (migration `0007_read_side`), each an equality
 * prefix followed by the page's order:
 *
 * | question                                  | index                                                    |
 * | ----------------------------------------- | -------------------------------------------------------- |
 * | a subject's referrals                     | `(subject_id, sort_key, referral_id)`                    |
 * | a referrer's referrals                    | `(referrer_organisation, referrer_id, sort_key, referral_id)` |
 * | a referrer's changes (`changedSince`)     | `(referrer_organisation, referrer_id, view_changed_at, referral_id)` and the feedback consent's expiry (0010) |
 * | a link worker's (open or ended) referrals | `(link_worker_id, ended, sort_key, referral_id)`         |
 * | a programme's referrals in some statuses  | `(programme_id, status, sort_key, referral_id)`          |
 * | a programme's open (or ended) referrals   | `(programme_id, ended, sort_key, referral_id)`           |
 * | referrals in some statuses                | `(status, sort_key, referral_id)`                        |
 * | everything, or a submission period        | `(sort_key, referral_id)`                                |
 * | due deadlines                             | `(next_due_at, referral_id) WHERE next_due_at IS NOT NULL` |
 * | active clients, link-worker load          | the table `link_worker_load` (one row per link worker)   |
 *
 * `sort_key` is the submission instant (`ReferralIndex.findKey`), `ended`
 * whether the status is terminal. Each link worker's active clients are
 * counted in `link_worker_load`, kept with the projection's rows in the
 * append's transaction (`SqlProjections.write`), so the load of every link
 * worker (shown on every inbox page) reads one row per link worker. A query with a list (several programmes,
 * several statuses) reads one range per combination, each at most one page
 * long, and merges them (`UNION ALL … ORDER BY … LIMIT`): no database merges
 * the ranges of an `IN` list in the page's order by itself, and sorting all
 * matches first would cost the size of the store. The filters not in the
 * chosen index (a status within a link worker's open referrals, a deadline
 * falling due within a programme's open referrals) are checked on the rows
 * of that range. Text is compared bytewise (`COLLATE "C"` on PostgreSQL), as
 * the in-memory index compares strings, so both give the same order and the
 * same cursors (`ReferralIndex.encodeCursor`).
 *
 * @example
 * ```ts
 * import { ReferralIndex } from "@lahete/core"
 * import { Effect } from "effect"
 *
 * // the first page of a programme's open referrals, from SqlReferralStore.layer
 * const inbox = Effect.flatMap(ReferralIndex.ReferralIndex.asEffect(), (index) =>
 *   index.find({ programmeIds: [programmeId], ended: false }, { limit: 50 })
 * )
 * ```
 *
 * @since 0.2.0
 */
import {
  type Ids,
  type Instant,
  Lifecycle,
  type Referral,
  ReferralEvent,
  ReferralIndex,
  ReferralStore
} from "@lahete/core"
import { Effect, Result, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import type { Fragment } from "effect/sql/Statement"
import {
  decodeEvent,
  decodeStream,
  type EventRow,
  eventColumns,
  json,
  parseState,
  referralEventRows,
  rows,
  storeFailure
} from "./internal/sql.js"

/**
 * Options of the index.
 *
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** The event codec the store uses (default `ReferralEvent.codec`), for `streams`. */
  readonly codec?: ReferralEvent.Codec
}

/**
 * How many referrals' events `streams` reads per query.
 *
 * @since 0.2.0
 * @category constants
 */
export const streamsChunk = 200

/** When a query's lists make more ranges than this, the statuses are checked on the rows instead. */
const maxBranches = 32

const FindRow = Schema.Struct({ referral_id: Schema.String, sort_key: Schema.String, state: Schema.String })
const DueRow = Schema.Struct({ referral_id: Schema.String, next_due_at: Schema.String, state: Schema.String })
const CountRow = Schema.Struct({ n: Schema.Number })
const LoadRow = Schema.Struct({ link_worker_id: Schema.String, n: Schema.Number })

/**
 * One range of `find`: the equality conditions that pick an index prefix
 * (and, where SQLite's planner would rather read the whole prefix in the
 * page's order than the narrow range, the index to read it by).
 */
type Branch = ReadonlyArray<Fragment> & { readonly index?: string }

/** A range read by the named index on SQLite (`INDEXED BY`; PostgreSQL weighs it by its statistics). */
const by = (index: string, conditions: ReadonlyArray<Fragment>): Branch => Object.assign([...conditions], { index })

/**
 * The ranges a query reads and the conditions checked on their rows;
 * `undefined` when the query matches nothing (an empty list, or statuses
 * that contradict `ended`).
 */
const plan = (
  sql: SqlClient.SqlClient,
  query: ReferralIndex.Query
): { readonly branches: ReadonlyArray<Branch>; readonly residual: ReadonlyArray<Fragment> } | undefined => {
  if (query.programmeIds?.length === 0 || query.statuses?.length === 0) return undefined
  const statuses =
    query.statuses === undefined
      ? undefined
      : [...new Set(query.statuses)].filter((s) => query.ended === undefined || Lifecycle.isTerminal(s) === query.ended)
  if (statuses?.length === 0) return undefined
  const programmes = query.programmeIds === undefined ? undefined : [...new Set(query.programmeIds)]
  const endedValues = (): ReadonlyArray<0 | 1> =>
    query.ended !== undefined
      ? [query.ended ? 1 : 0]
      : statuses === undefined
        ? [0, 1]
        : [...new Set(statuses.map((s) => (Lifecycle.isTerminal(s) ? 1 : 0) as 0 | 1))]

  const residual: Array<Fragment> = []
  const check = {
    programmes: () => {
      if (programmes !== undefined) residual.push(sql.in("programme_id", programmes))
    },
    statuses: () => {
      if (statuses !== undefined) residual.push(sql.in("status", statuses))
      else if (query.ended !== undefined) residual.push(sql`ended = ${query.ended ? 1 : 0}`)
    },
    linkWorker: () => {
      if (query.linkWorkerId !== undefined) residual.push(sql`link_worker_id = ${query.linkWorkerId}`)
    },
    referrer: () => {
      if (query.referrer !== undefined) {
        residual.push(
          sql`referrer_organisation = ${query.referrer.organisation} AND referrer_id = ${query.referrer.id}`
        )
      }
    },
    changed: () => {
      const c = query.changedSince
      if (c !== undefined) {
        residual.push(
          sql`(view_changed_at >= ${c.since} OR (feedback_expires_at >= ${c.since} AND feedback_expires_at <= ${c.at}))`
        )
      }
    }
  }
  if (query.dueBy !== undefined) {
    // checked on the rows of the chosen range: SQLite would otherwise read the whole due index and sort it
    // (unary `+` keeps a column out of its index choice; PostgreSQL weighs the ranges by their statistics)
    const column = sql.literal(sql.onDialectOrElse({ pg: () => "next_due_at", orElse: () => "+next_due_at" }))
    residual.push(sql`${column} IS NOT NULL AND ${column} <= ${query.dueBy}`)
  }

  let branches: Array<Branch>
  if (query.subjectId !== undefined) {
    branches = [[sql`subject_id = ${query.subjectId}`]]
    check.programmes()
    check.statuses()
    check.linkWorker()
    check.referrer()
    check.changed()
  } else if (query.referrer !== undefined) {
    const r = query.referrer
    const c = query.changedSince
    branches =
      c === undefined
        ? [[sql`referrer_organisation = ${r.organisation}`, sql`referrer_id = ${r.id}`]]
        : // the referrer's changes: the range of recorded changes since, and the range of feedback consents that
          // expired since (without those the first range holds); each costs the changes it finds
          [
            by("referral_projection_referrer_changed", [
              sql`referrer_organisation = ${r.organisation}`,
              sql`referrer_id = ${r.id}`,
              sql`view_changed_at >= ${c.since}`
            ]),
            by("referral_projection_referrer_expiry", [
              sql`referrer_organisation = ${r.organisation}`,
              sql`referrer_id = ${r.id}`,
              sql`feedback_expires_at >= ${c.since}`,
              sql`feedback_expires_at <= ${c.at}`,
              sql`(view_changed_at < ${c.since} OR view_changed_at IS NULL)`
            ])
          ]
    check.programmes()
    check.statuses()
    check.linkWorker()
  } else if (query.linkWorkerId !== undefined) {
    const id = query.linkWorkerId
    branches = endedValues().map((e) => [sql`link_worker_id = ${id}`, sql`ended = ${e}`])
    check.programmes()
    if (statuses !== undefined) residual.push(sql.in("status", statuses))
  } else if (programmes !== undefined) {
    if (statuses !== undefined && programmes.length * statuses.length <= maxBranches) {
      branches = programmes.flatMap((p) => statuses.map((s) => [sql`programme_id = ${p}`, sql`status = ${s}`]))
    } else {
      const ended = endedValues()
      branches = programmes.flatMap((p) => ended.map((e) => [sql`programme_id = ${p}`, sql`ended = ${e}`]))
      if (statuses !== undefined) residual.push(sql.in("status", statuses))
    }
  } else if (statuses !== undefined) {
    branches = statuses.map((s) => [sql`status = ${s}`])
  } else if (query.ended !== undefined) {
    const wanted = Lifecycle.states.filter((s) => Lifecycle.isTerminal(s) === query.ended)
    branches = wanted.map((s) => [sql`status = ${s}`])
  } else {
    branches = [[]]
  }
  if (query.referrer === undefined && query.subjectId === undefined) check.changed()
  return { branches, residual }
}

/**
 * Builds the index over the `SqlClient` in the context. The schema must be
 * migrated (`SqlReferralStore.make` does it; `SqlReferralStore.layer` builds
 * both).
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeWith = (options: Options = {}): Effect.Effect<ReferralIndex.Shape, never, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = (yield* SqlClient.SqlClient).withoutTransforms()
    const codec = options.codec ?? ReferralEvent.codec
    const { asText } = json(sql)

    const parseRow = (
      row: { readonly referral_id: string; readonly state: string },
      operation: string
    ): Effect.Effect<Referral.ReferralState, ReferralStore.StoreFailure> => {
      const state = parseState(row.state)
      return state === undefined
        ? Effect.fail(
            new ReferralStore.StoreFailure({
              operation,
              detail: `the projected state of referral ${row.referral_id} cannot be read`
            })
          )
        : Effect.succeed(state)
    }

    const indexedBy = (branch: Branch) =>
      sql.literal(
        branch.index === undefined
          ? ""
          : sql.onDialectOrElse({ pg: () => "", orElse: () => ` INDEXED BY ${branch.index}` })
      )

    const cursor = (kind: ReferralIndex.CursorKind, after: string | undefined) =>
      after === undefined ? Result.succeed(undefined) : ReferralIndex.decodeCursor(kind, after)

    const find = (query: ReferralIndex.Query, page: ReferralIndex.PageRequest) =>
      Effect.gen(function* () {
        const operation = "find"
        const position = yield* Effect.fromResult(cursor("find", page.after))
        const limit = ReferralIndex.clampLimit(page.limit)
        const planned = plan(sql, query)
        if (planned === undefined) return { items: [] } satisfies ReferralIndex.Page<Referral.ReferralState>
        const range: Array<Fragment> = [...planned.residual]
        if (position !== undefined) range.push(sql`(sort_key, referral_id) > (${position.key}, ${position.referralId})`)
        if (query.submittedFrom !== undefined) range.push(sql`sort_key >= ${query.submittedFrom}`)
        if (query.submittedBefore !== undefined) {
          range.push(sql`sort_key > ''`, sql`sort_key < ${query.submittedBefore}`)
        }
        const select = (branch: Branch) => sql`SELECT referral_id, sort_key, state${asText} AS state
          FROM referral_projection${indexedBy(branch)} WHERE ${sql.and([...branch, ...range])}
          ORDER BY sort_key, referral_id LIMIT ${limit + 1}`
        const [only, ...more] = planned.branches
        const statement =
          only !== undefined && more.length === 0
            ? select(only)
            : sql`${sql.join(
                " UNION ALL ",
                false
              )(planned.branches.map((branch, i) => sql`SELECT * FROM (${select(branch)}) AS ${sql(`b${i}`)}`))}
              ORDER BY sort_key, referral_id LIMIT ${limit + 1}`
        const found = yield* statement.pipe(
          Effect.mapError((e) => storeFailure(operation, e)),
          Effect.flatMap(rows(FindRow, operation, "referral_projection"))
        )
        const items: Array<Referral.ReferralState> = []
        for (const row of found.slice(0, limit)) items.push(yield* parseRow(row, operation))
        const last = found[limit - 1]
        return found.length > limit && last !== undefined
          ? { items, next: ReferralIndex.encodeCursor("find", { key: last.sort_key, referralId: last.referral_id }) }
          : { items }
      })

    const activeClients = (linkWorkerId: Ids.ActorId) =>
      sql`SELECT active_clients AS n FROM link_worker_load WHERE link_worker_id = ${linkWorkerId}`.pipe(
        Effect.mapError((e) => storeFailure("activeClients", e)),
        Effect.flatMap(rows(CountRow, "activeClients", "link_worker_load")),
        Effect.map((found) => found[0]?.n ?? 0)
      )

    const linkWorkerLoad = () =>
      sql`SELECT link_worker_id, active_clients AS n FROM link_worker_load WHERE active_clients > 0`.pipe(
        Effect.mapError((e) => storeFailure("linkWorkerLoad", e)),
        Effect.flatMap(rows(LoadRow, "linkWorkerLoad", "link_worker_load")),
        Effect.map((found) =>
          found
            .map(
              (r): ReferralIndex.LinkWorkerLoad => ({
                linkWorkerId: r.link_worker_id as Ids.ActorId,
                activeClients: r.n
              })
            )
            // highest load first, then by id compared as the in-memory index does
            .sort((a, b) =>
              a.activeClients !== b.activeClients
                ? b.activeClients - a.activeClients
                : a.linkWorkerId < b.linkWorkerId
                  ? -1
                  : a.linkWorkerId > b.linkWorkerId
                    ? 1
                    : 0
            )
        )
      )

    const due = (at: Instant.Instant, page: ReferralIndex.PageRequest) =>
      Effect.gen(function* () {
        const operation = "due"
        const position = yield* Effect.fromResult(cursor("due", page.after))
        const limit = ReferralIndex.clampLimit(page.limit)
        const after =
          position === undefined
            ? sql`1=1`
            : sql`(next_due_at, referral_id) > (${position.key}, ${position.referralId})`
        const found = yield* sql`SELECT referral_id, next_due_at, state${asText} AS state FROM referral_projection
          WHERE next_due_at IS NOT NULL AND next_due_at <= ${at} AND ${after}
          ORDER BY next_due_at, referral_id LIMIT ${limit + 1}`.pipe(
          Effect.mapError((e) => storeFailure(operation, e)),
          Effect.flatMap(rows(DueRow, operation, "referral_projection"))
        )
        const items: Array<Referral.ReferralState> = []
        for (const row of found.slice(0, limit)) items.push(yield* parseRow(row, operation))
        const last = found[limit - 1]
        return found.length > limit && last !== undefined
          ? { items, next: ReferralIndex.encodeCursor("due", { key: last.next_due_at, referralId: last.referral_id }) }
          : { items }
      })

    const refreshDue = (referralId: Ids.ReferralId, version: number, nextDueAt: Instant.Instant | null) =>
      sql`UPDATE referral_projection SET next_due_at = ${nextDueAt}
        WHERE referral_id = ${referralId} AND version = ${version}`.pipe(
        Effect.mapError((e) => storeFailure("refreshDue", e)),
        Effect.asVoid
      )

    const streams = (referralIds: ReadonlyArray<Ids.ReferralId>) =>
      Effect.gen(function* () {
        const operation = "streams"
        const unique = [...new Set(referralIds)]
        const byId = new Map<string, Array<EventRow>>()
        for (let i = 0; i < unique.length; i += streamsChunk) {
          const chunk = unique.slice(i, i + streamsChunk)
          const found = yield* sql`SELECT referral_id, ${eventColumns(sql)} FROM referral_events
            WHERE ${sql.in("referral_id", chunk)} ORDER BY referral_id, version`.pipe(
            Effect.mapError((e) => storeFailure(operation, e)),
            Effect.flatMap(referralEventRows(operation))
          )
          for (const row of found) {
            const list = byId.get(row.referral_id)
            if (list === undefined) byId.set(row.referral_id, [row])
            else list.push(row)
          }
        }
        const out: Array<ReferralStore.Stream> = []
        for (const referralId of referralIds) {
          out.push(yield* decodeStream(codec, referralId, byId.get(referralId) ?? [], operation))
        }
        return out
      })

    const events = (referralIds: ReadonlyArray<Ids.ReferralId>, tags: ReadonlyArray<ReferralEvent.Tag>) =>
      Effect.gen(function* () {
        const operation = "events"
        const unique = [...new Set(referralIds)]
        const kinds = [...new Set(tags)]
        const byId = new Map<string, Array<ReferralEvent.ReferralEvent>>()
        if (kinds.length === 0) return referralIds.map(() => [])
        for (let i = 0; i < unique.length; i += streamsChunk) {
          const chunk = unique.slice(i, i + streamsChunk)
          // the (referral_id, version) key's range of each referral, its rows of other kinds skipped unread
          const found = yield* sql`SELECT referral_id, ${eventColumns(sql)} FROM referral_events
            WHERE ${sql.in("referral_id", chunk)} AND ${sql.in("type", kinds)} ORDER BY referral_id, version`.pipe(
            Effect.mapError((e) => storeFailure(operation, e)),
            Effect.flatMap(referralEventRows(operation))
          )
          for (const row of found) {
            const decoded = decodeEvent(codec, row.referral_id, row, operation)
            if (Result.isFailure(decoded)) return yield* decoded.failure
            const list = byId.get(row.referral_id)
            if (list === undefined) byId.set(row.referral_id, [decoded.success])
            else list.push(decoded.success)
          }
        }
        return referralIds.map((id) => byId.get(id) ?? [])
      })

    return ReferralIndex.ReferralIndex.of({ find, activeClients, linkWorkerLoad, due, refreshDue, streams, events })
  })

/**
 * Builds the index with the default codec.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make: Effect.Effect<ReferralIndex.Shape, never, SqlClient.SqlClient> = makeWith()
