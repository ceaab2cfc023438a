/**
 * The referral projection: one row per referral in `referral_projection`,
 * the state `Referral.fold` gives for its events (as JSON, keys sorted) plus
 * the columns the views and the scheduler search by (programme, status,
 * subject, referrer, link worker, the lifecycle's times). The store updates
 * the row in the same transaction as the events (`SqlReferralStore`), so it
 * is never ahead of or behind the log; `rebuildProjections` recomputes every
 * row from the log (after a change to `evolve`, or to check the rows).
 *
 * The rows hold no personal data: the state has ids, codes and times only.
 * Requests read them through `ReferralIndex` (`SqlReferralIndex`: by index,
 * a page at a time); `referralIdsBy` and `statesBy` here return every match
 * at once, for scripts and reports.
 *
 * @example
 * ```ts
 * import { SqlProjections } from "@lahete/store-sql"
 *
 * // every referral a link worker has on their caseload, at once (a script; requests page through ReferralIndex)
 * const ids = SqlProjections.referralIdsBy({
 *   linkWorkerId,
 *   statuses: ["Assigned", "ContactScheduled", "Active", "OnHold"]
 * })
 * ```
 *
 * @since 0.1.0
 */
import { type Ids, type Instant, Lifecycle, Referral, ReferralEvent, ReferralIndex, ReferralStore } from "@lahete/core"
import { Effect, Result, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import type * as Statement from "effect/sql/Statement"
import type { Batch } from "./internal/direct.js"
import { canonicalJson, json, loadStream, parseState, rows, storeFailure } from "./internal/sql.js"

/**
 * What to search the projection by; every given field must match (an empty
 * filter finds every referral).
 *
 * @since 0.1.0
 * @category models
 */
export interface Filter {
  readonly programmeIds?: ReadonlyArray<Ids.ProgrammeId>
  readonly linkWorkerId?: Ids.ActorId
  readonly referrerId?: Ids.ActorId
  readonly subjectId?: Ids.SubjectId
  readonly statuses?: ReadonlyArray<Lifecycle.Status>
  /** Whether the referral's personal data is erased (`ErasePersonalData`). */
  readonly personalDataErased?: boolean
}

/**
 * Options of `rebuildProjections`.
 *
 * @since 0.1.0
 * @category models
 */
export interface RebuildOptions {
  /** The event codec the store uses (default `ReferralEvent.codec`). */
  readonly codec?: ReferralEvent.Codec
}

/**
 * The stored form of a next deadline: `''` (sorts before every instant) when
 * it is not computed, `NULL` when nothing can fall due any more.
 */
const dueColumn = (nextDueAt: Instant.Instant | null | undefined): string | null =>
  nextDueAt === undefined ? "" : nextDueAt

/** The columns of a row, from the state. */
const columns = (
  referralId: Ids.ReferralId,
  s: Referral.ReferralState,
  nextDueAt: Instant.Instant | null | undefined
) => ({
  referral_id: referralId,
  version: s.version,
  status: s.status,
  programme_id: s.programme?.id ?? null,
  programme_version: s.programme?.version ?? null,
  subject_id: s.subjectId ?? null,
  referrer_id: s.referrer?.id ?? null,
  referrer_organisation: s.referrer?.organisation ?? null,
  link_worker_id: s.linkWorkerId ?? null,
  submitted_at: s.submittedAt ?? null,
  assigned_at: s.assignedAt ?? null,
  call_at: s.callAt ?? null,
  started_at: s.startedAt ?? null,
  closed_at: s.closedAt ?? null,
  ended_at: s.endedAt ?? null,
  last_event_at: s.lastEventAt ?? null,
  failed_attempts: s.failedAttempts,
  valid_mobile: s.validMobile ? 1 : 0,
  personal_data_erased: s.personalDataErased ? 1 : 0,
  next_due_at: dueColumn(nextDueAt),
  sort_key: ReferralIndex.findKey(s),
  ended: Lifecycle.isTerminal(s.status) ? 1 : 0,
  view_changed_at: ReferralIndex.referrerViewChangedAt(s) ?? null,
  feedback_expires_at: ReferralIndex.feedbackExpiresAt(s) ?? null,
  state: canonicalJson(s)
})

/**
 * Writes a referral's row (inserts or replaces). Internal: the store calls it
 * inside the append's transaction. `nextDueAt` is the referral's next
 * deadline as the append gives it (`AppendRequest.nextDueAt`): absent, not
 * computed (the row counts as due at once); `null`, none. It also moves the
 * referral between the link workers' counts in `link_worker_load` when its
 * link worker or caseload status changes; `stored`, the row's caseload
 * columns as the caller already read them in this transaction (`null`: no
 * row), spares reading them again.
 *
 * @since 0.1.0
 * @category internal
 */
export const write = (
  sql: SqlClient.SqlClient,
  referralId: Ids.ReferralId,
  state: Referral.ReferralState,
  operation: string,
  nextDueAt?: Instant.Instant | null,
  stored?: StoredRow | null
): Effect.Effect<void, ReferralStore.StoreFailure> =>
  Effect.andThen(
    adjustLoad(sql, referralId, state, operation, stored),
    writeRow(sql, referralId, state, operation, nextDueAt)
  )

const LoadRow = Schema.Struct({ link_worker_id: Schema.NullOr(Schema.String), status: Schema.String })

/** The link worker whose caseload a referral counts in (`Lifecycle.caseload`), if any. */
const caseloadOf = (linkWorkerId: string | null | undefined, status: string): string | undefined =>
  linkWorkerId !== null && linkWorkerId !== undefined && Lifecycle.caseload.has(status as Lifecycle.Status)
    ? linkWorkerId
    : undefined

/**
 * Keeps `link_worker_load` in step with the row about to be written: the
 * row as stored now against the new state. A count that changes takes the
 * link worker's row (in order of id, so two transactions moving clients
 * between the same two link workers cannot deadlock).
 */
const adjustLoad = (
  sql: SqlClient.SqlClient,
  referralId: Ids.ReferralId,
  state: Referral.ReferralState,
  operation: string,
  stored: StoredRow | null | undefined
): Effect.Effect<void, ReferralStore.StoreFailure> =>
  Effect.gen(function* () {
    const row =
      stored !== undefined
        ? stored
        : yield* sql`SELECT link_worker_id, status FROM referral_projection WHERE referral_id = ${referralId}`.pipe(
            Effect.mapError((e) => storeFailure(operation, e)),
            Effect.flatMap(rows(LoadRow, operation, "referral_projection")),
            Effect.map((found) => {
              const first = found[0]
              return first === undefined ? null : { linkWorkerId: first.link_worker_id, status: first.status }
            })
          )
    const before = row === null ? undefined : caseloadOf(row.linkWorkerId, row.status)
    const after = caseloadOf(state.linkWorkerId, state.status)
    if (before === after) return
    const changes = [
      ...(before === undefined ? [] : [{ linkWorkerId: before, delta: -1 }]),
      ...(after === undefined ? [] : [{ linkWorkerId: after, delta: 1 }])
    ].sort((a, b) => (a.linkWorkerId < b.linkWorkerId ? -1 : 1))
    for (const { linkWorkerId, delta } of changes) {
      yield* sql`INSERT INTO link_worker_load (link_worker_id, active_clients) VALUES (${linkWorkerId}, ${Math.max(0, delta)})
        ON CONFLICT (link_worker_id) DO UPDATE
        SET active_clients = link_worker_load.active_clients + ${delta}`.pipe(
        Effect.mapError((e) => storeFailure(operation, e))
      )
    }
  })

/**
 * Recomputes `link_worker_load` from the projection's rows (after
 * `rebuildProjections`).
 */
const recountLoad = (sql: SqlClient.SqlClient, operation: string) =>
  Effect.gen(function* () {
    const caseload = sql.literal(Array.from(Lifecycle.caseload, (s) => `'${s}'`).join(", "))
    yield* sql`DELETE FROM link_worker_load`
    yield* sql`INSERT INTO link_worker_load (link_worker_id, active_clients)
      SELECT link_worker_id, count(*) FROM referral_projection
      WHERE link_worker_id IS NOT NULL AND status IN (${caseload}) GROUP BY link_worker_id`
  }).pipe(
    sql.withTransaction,
    Effect.mapError((e) => storeFailure(operation, e))
  )

const writeRow = (
  sql: SqlClient.SqlClient,
  referralId: Ids.ReferralId,
  state: Referral.ReferralState,
  operation: string,
  nextDueAt: Instant.Instant | null | undefined
): Effect.Effect<void, ReferralStore.StoreFailure> => {
  const c = columns(referralId, state, nextDueAt)
  const { toJson } = json(sql)
  const values = columnNames.map((name) => (name === "state" ? sql`${c.state}${toJson}` : sql`${c[name]}`))
  return sql`INSERT INTO referral_projection (${sql.literal(columnNames.join(", "))})
    VALUES (${sql.csv(values)})
    ON CONFLICT (referral_id) DO UPDATE SET ${sql.literal(updateAll)}`.pipe(
    Effect.mapError((e) => storeFailure(operation, e)),
    Effect.asVoid
  )
}

/**
 * PostgreSQL: the upsert of a referral's row as a statement to run inside a
 * data-modifying `WITH` (`SqlReferralStore`'s one-statement append), written
 * only when `condition` (an `EXISTS` over an earlier part) holds: every
 * value is cast to its column's type, since an `INSERT … SELECT` does not
 * infer them. Internal.
 *
 * @since 0.2.0
 * @category internal
 */
export const upsertWhen = (
  sql: SqlClient.SqlClient,
  referralId: Ids.ReferralId,
  state: Referral.ReferralState,
  nextDueAt: Instant.Instant | null | undefined,
  condition: Statement.Fragment
): Statement.Statement<unknown> => {
  const c = columns(referralId, state, nextDueAt)
  const values = columnNames.map((name) => sql`${c[name]}${sql.literal(`::${pgTypes[name]}`)}`)
  return sql`INSERT INTO referral_projection (${sql.literal(columnNames.join(", "))})
    SELECT ${sql.csv(values)}
    WHERE ${condition}
    ON CONFLICT (referral_id) DO UPDATE SET ${sql.literal(updateAll)}`
}

/**
 * Every column of a projection row with its PostgreSQL type (an
 * `INSERT … SELECT` does not infer them), in the order of the statements.
 * The one list every statement that writes a row is built from: a column
 * `columns` gives and this table lacks is a type error.
 */
const pgTypes: { readonly [K in keyof ReturnType<typeof columns>]: string } = {
  referral_id: "text",
  version: "int",
  status: "text",
  programme_id: "text",
  programme_version: "int",
  subject_id: "text",
  referrer_id: "text",
  referrer_organisation: "text",
  link_worker_id: "text",
  submitted_at: "text",
  assigned_at: "text",
  call_at: "text",
  started_at: "text",
  closed_at: "text",
  ended_at: "text",
  last_event_at: "text",
  failed_attempts: "int",
  valid_mobile: "int",
  personal_data_erased: "int",
  next_due_at: "text",
  sort_key: "text",
  ended: "int",
  view_changed_at: "text",
  feedback_expires_at: "text",
  state: "jsonb"
}

/** The projection's columns. */
const columnNames = Object.keys(pgTypes) as ReadonlyArray<keyof typeof pgTypes>

/** The `SET` list of an upsert: every column but the key from `excluded`. */
const updateAll = columnNames
  .filter((c) => c !== "referral_id")
  .map((c) => `${c} = excluded.${c}`)
  .join(", ")

/**
 * The columns some index of `referral_projection` (or a partial index's
 * `WHERE`) reads, from the migrations. SQLite rewrites an index's entry when
 * an `UPDATE` assigns any of its columns, whatever the value: the append
 * trigger assigns these only when they change (`upsertFromNew`). A column
 * missing here costs index writes, never correctness.
 */
const indexedColumns: ReadonlySet<keyof typeof pgTypes> = new Set([
  "referral_id",
  "status",
  "programme_id",
  "subject_id",
  "referrer_id",
  "referrer_organisation",
  "link_worker_id",
  "next_due_at",
  "sort_key",
  "ended",
  "view_changed_at",
  "feedback_expires_at"
] as const)

/**
 * SQLite: the columns of the store's append view that carry a referral's
 * row (`p_<column>`), in the order of `rowValues`. Internal.
 *
 * @since 0.2.0
 * @category internal
 */
export const newColumns: ReadonlyArray<string> = columnNames.map((c) => `p_${c}`)

/**
 * SQLite: a referral's row as the values of `newColumns`, in their order.
 * Internal.
 *
 * @since 0.2.0
 * @category internal
 */
export const rowValues = (
  referralId: Ids.ReferralId,
  state: Referral.ReferralState,
  nextDueAt: Instant.Instant | null | undefined
): ReadonlyArray<string | number | null> => {
  const c = columns(referralId, state, nextDueAt)
  return columnNames.map((name) => c[name])
}

/**
 * The indexed columns a referral's events change again and again, each
 * assigned in a statement of its own; the other indexed columns (set at
 * submission, or changing once) are assigned together when any of them
 * changes.
 */
const changingColumns: ReadonlyArray<keyof typeof pgTypes> = [
  "status",
  "link_worker_id",
  "next_due_at",
  "view_changed_at"
]

/**
 * SQLite: the statements, for the body of the store's append trigger, that
 * make a referral's row the one in `NEW.p_<column>` (`newColumns`): the
 * row inserted when there is none, else the columns no index reads
 * assigned (one upsert); then each of the indexed columns that change
 * often in an `UPDATE` of its own when its value changed, and the others
 * in one `UPDATE` when any of them changed. The same row as an upsert of
 * every column, with only the index entries that change written (SQLite
 * rewrites an index's entry whenever an `UPDATE` assigns one of its
 * columns: an upsert assigning all 25 rewrote all 12 indexes, most of the
 * pages a command wrote). Internal.
 *
 * @since 0.2.0
 * @category internal
 */
export const upsertFromNew = (): string => {
  const key = "referral_id = NEW.p_referral_id"
  const plain = columnNames.filter((c) => !indexedColumns.has(c))
  const rare = columnNames.filter((c) => c !== "referral_id" && indexedColumns.has(c) && !changingColumns.includes(c))
  const changed = (c: string) => `${c} IS NOT NEW.p_${c}`
  return [
    `INSERT INTO referral_projection (${columnNames.join(", ")})
      VALUES (${columnNames.map((c) => `NEW.p_${c}`).join(", ")})
      ON CONFLICT (referral_id) DO UPDATE SET ${plain.map((c) => `${c} = excluded.${c}`).join(", ")}`,
    ...changingColumns.map((c) => `UPDATE referral_projection SET ${c} = NEW.p_${c} WHERE ${key} AND ${changed(c)}`),
    `UPDATE referral_projection SET ${rare.map((c) => `${c} = NEW.p_${c}`).join(", ")}
      WHERE ${key} AND (${rare.map(changed).join(" OR ")})`
  ].join(";\n    ")
}

/** SQLite, in a batch: the stored values of the indexed columns (and the caseload's), by key. */
const storedIndexedSql = `SELECT ${[...indexedColumns].filter((c) => c !== "referral_id").join(", ")}
  FROM referral_projection WHERE referral_id = ?`
/** SQLite, in a batch: a row inserted (replaced, should one be there) with every column. */
const insertRowSql = `INSERT INTO referral_projection (${columnNames.join(", ")})
  VALUES (${columnNames.map(() => "?").join(", ")}) ON CONFLICT (referral_id) DO UPDATE SET ${updateAll}`
const plainColumns = columnNames.filter((c) => !indexedColumns.has(c))
const indexedNames = columnNames.filter((c) => c !== "referral_id" && indexedColumns.has(c))
/** SQLite, in a batch: the `UPDATE` assigning the plain columns and the given indexed ones, by its columns. */
const updateRowSql = new Map<string, string>()
const updateSqlOf = (assigned: ReadonlyArray<string>): string => {
  const key = assigned.join(",")
  let text = updateRowSql.get(key)
  if (text === undefined) {
    text = `UPDATE referral_projection SET ${assigned.map((c) => `${c} = ?`).join(", ")} WHERE referral_id = ?`
    updateRowSql.set(key, text)
  }
  return text
}
const decrementLoadSql = `INSERT INTO link_worker_load (link_worker_id, active_clients) VALUES (?, 0)
  ON CONFLICT (link_worker_id) DO UPDATE SET active_clients = active_clients - 1`
const incrementLoadSql = `INSERT INTO link_worker_load (link_worker_id, active_clients) VALUES (?, 1)
  ON CONFLICT (link_worker_id) DO UPDATE SET active_clients = active_clients + 1`

/**
 * SQLite, inside the store's synchronous append batch (`NodeSqlite`): makes
 * a referral's row the one for `state` as the append trigger does
 * (`upsertFromNew`), in two statements: the row's indexed columns are read
 * as stored; the referral is moved between the link workers' counts when
 * the link worker whose caseload it counts in changes (from the row as
 * stored); then the row is inserted when there is none, else updated with
 * the columns no index reads and only those indexed columns whose value
 * changed (an index's entry is rewritten whenever its column is assigned).
 * Internal.
 *
 * @since 0.3.0
 * @category internal
 */
export const writeInBatch = (
  batch: Batch,
  referralId: Ids.ReferralId,
  state: Referral.ReferralState,
  nextDueAt: Instant.Instant | null | undefined
): void => {
  const c = columns(referralId, state, nextDueAt)
  const stored = batch.get(storedIndexedSql, [referralId])
  // the row's columns as the table holds them: `link_worker_id` text or null, `status` text
  const countedBefore =
    stored === undefined ? undefined : caseloadOf(stored.link_worker_id as string | null, stored.status as string)
  const countedAfter = caseloadOf(state.linkWorkerId, state.status)
  if (countedBefore !== countedAfter) {
    if (countedBefore !== undefined) batch.run(decrementLoadSql, [countedBefore])
    if (countedAfter !== undefined) batch.run(incrementLoadSql, [countedAfter])
  }
  if (stored === undefined) {
    batch.run(
      insertRowSql,
      columnNames.map((name) => c[name])
    )
    return
  }
  const assigned = [...plainColumns, ...indexedNames.filter((name) => stored[name] !== c[name])]
  batch.run(updateSqlOf(assigned), [...assigned.map((name) => c[name]), referralId])
}

const StateRow = Schema.Struct({
  version: Schema.Number,
  state: Schema.String,
  link_worker_id: Schema.NullOr(Schema.String),
  status: Schema.String
})

/**
 * The caseload columns of a projection row as stored (`null`: no row), for
 * `write` to move the link workers' counts without reading the row again.
 *
 * @since 0.2.0
 * @category internal
 */
export interface StoredRow {
  readonly linkWorkerId: string | null
  readonly status: string
}

/**
 * A referral's state at `version`, inside the append's transaction: the
 * stored one when the row is at that version, otherwise folded from the log
 * (a row missing or behind, e.g. written by an older release); with the
 * row's caseload columns as stored (`undefined` at version 0, where the row
 * is not read). Internal.
 *
 * @since 0.2.0
 * @category internal
 */
export const stateAndRowAt = (
  sql: SqlClient.SqlClient,
  codec: ReferralEvent.Codec,
  referralId: Ids.ReferralId,
  version: number,
  operation: string
): Effect.Effect<
  { readonly state: Referral.ReferralState; readonly row: StoredRow | null | undefined },
  ReferralStore.StoreFailure
> =>
  Effect.gen(function* () {
    if (version === 0) return { state: Referral.initialState, row: undefined }
    const { asText } = json(sql)
    const found = yield* sql`SELECT version, state${asText} AS state, link_worker_id, status
      FROM referral_projection WHERE referral_id = ${referralId}`.pipe(
      Effect.mapError((e) => storeFailure(operation, e)),
      Effect.flatMap(rows(StateRow, operation, "referral_projection"))
    )
    const row = found[0]
    const storedRow = row === undefined ? null : { linkWorkerId: row.link_worker_id, status: row.status }
    const stored = row !== undefined && row.version === version ? parseState(row.state) : undefined
    if (stored !== undefined && stored.version === version) return { state: stored, row: storedRow }
    const stream = yield* loadStream(sql, codec, referralId, operation)
    if (stream.version !== version) {
      return yield* new ReferralStore.StoreFailure({
        operation,
        detail: `referral ${referralId}: the log holds ${stream.version} events, the stream row says ${version}`
      })
    }
    return { state: Referral.fold(stream.events), row: storedRow }
  })

/**
 * A referral's state at `version`, inside the append's transaction (see
 * `stateAndRowAt`). Internal.
 *
 * @since 0.1.0
 * @category internal
 */
export const stateAt = (
  sql: SqlClient.SqlClient,
  codec: ReferralEvent.Codec,
  referralId: Ids.ReferralId,
  version: number,
  operation: string
): Effect.Effect<Referral.ReferralState, ReferralStore.StoreFailure> =>
  Effect.map(stateAndRowAt(sql, codec, referralId, version, operation), ({ state }) => state)

const IdRow = Schema.Struct({ referral_id: Schema.String })
const VersionRow = Schema.Struct({ version: Schema.Number })

/** Recomputes one referral's row in a transaction that locks its stream row (PostgreSQL; SQLite runs it alone). */
const rebuildOne = (
  sql: SqlClient.SqlClient,
  codec: ReferralEvent.Codec,
  referralId: Ids.ReferralId,
  operation: string
): Effect.Effect<void, ReferralStore.StoreFailure> => {
  const { isPg } = json(sql)
  const one = Effect.gen(function* () {
    // an append to this referral waits until the row is rebuilt
    yield* (
      isPg
        ? sql`SELECT version FROM referral_streams WHERE referral_id = ${referralId} FOR UPDATE`
        : sql`SELECT version FROM referral_streams WHERE referral_id = ${referralId}`
    ).pipe(
      Effect.mapError((e) => storeFailure(operation, e)),
      Effect.flatMap(rows(VersionRow, operation, "referral_streams"))
    )
    const stream = yield* loadStream(sql, codec, referralId, operation)
    yield* write(sql, referralId, Referral.fold(stream.events), operation)
  })
  return sql.withTransaction(one).pipe(Effect.catchTag("SqlError", (e) => Effect.fail(storeFailure(operation, e))))
}

/**
 * Recomputes every referral's row from the event log (and removes rows of
 * referrals the log does not have). Each referral is rebuilt in a
 * transaction of its own that locks its stream row on PostgreSQL, so
 * appends may go on meanwhile. Returns the number of rows written.
 *
 * @since 0.1.0
 * @category projections
 */
export const rebuildProjections = (
  options: RebuildOptions = {}
): Effect.Effect<number, ReferralStore.StoreFailure, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = (yield* SqlClient.SqlClient).withoutTransforms()
    const codec = options.codec ?? ReferralEvent.codec
    const operation = "rebuildProjections"
    yield* sql`DELETE FROM referral_projection
      WHERE referral_id NOT IN (SELECT referral_id FROM referral_streams)`.pipe(
      Effect.mapError((e) => storeFailure(operation, e))
    )
    const ids = yield* sql`SELECT referral_id FROM referral_streams ORDER BY first_seq`.pipe(
      Effect.mapError((e) => storeFailure(operation, e)),
      Effect.flatMap(rows(IdRow, operation, "referral_streams"))
    )
    for (const { referral_id } of ids) yield* rebuildOne(sql, codec, referral_id as Ids.ReferralId, operation)
    // the deleted rows' clients too
    yield* recountLoad(sql, operation)
    return ids.length
  })

/** The referrals whose row is missing or not at their stream's version, in the order first appended. */
const idsBehind = (sql: SqlClient.SqlClient, operation: string) =>
  sql`SELECT s.referral_id AS referral_id FROM referral_streams s
    LEFT JOIN referral_projection p ON p.referral_id = s.referral_id
    WHERE p.referral_id IS NULL OR p.version <> s.version ORDER BY s.first_seq`.pipe(
    Effect.mapError((e) => storeFailure(operation, e)),
    Effect.flatMap(rows(IdRow, operation, "referral_streams"))
  )

/**
 * The referrals whose projection row is missing or not at their stream's
 * version (none while every append goes through `SqlReferralStore`, which writes the
 * row in the append's transaction and fills in missing rows when it starts;
 * a stream it could not read at the start stays here). A reader that must
 * not miss a referral folds these from the log instead of trusting their
 * rows.
 *
 * @since 0.1.0
 * @category queries
 */
export const referralIdsBehind = (): Effect.Effect<
  ReadonlyArray<Ids.ReferralId>,
  ReferralStore.StoreFailure,
  SqlClient.SqlClient
> =>
  Effect.gen(function* () {
    const sql = (yield* SqlClient.SqlClient).withoutTransforms()
    const behind = yield* idsBehind(sql, "referralIdsBehind")
    return behind.map((r) => r.referral_id as Ids.ReferralId)
  })

/**
 * Writes the rows of the referrals whose row is missing or behind their
 * stream (streams written before the projection existed). Internal: the
 * store runs it when it starts. A stream that cannot be decoded is left out
 * with a warning (ids only) rather than keeping the store from starting.
 * Returns the number of rows written.
 *
 * @since 0.1.0
 * @category internal
 */
export const catchUp = (
  sql: SqlClient.SqlClient,
  codec: ReferralEvent.Codec
): Effect.Effect<number, ReferralStore.StoreFailure> =>
  Effect.gen(function* () {
    const operation = "catchUpProjections"
    const behind = yield* idsBehind(sql, operation)
    let written = 0
    for (const { referral_id } of behind) {
      // a stream that cannot be read does not keep the store from starting: its appends and loads fail on their own
      const done = yield* Effect.result(rebuildOne(sql, codec, referral_id as Ids.ReferralId, operation))
      if (Result.isSuccess(done)) written++
      else yield* Effect.logWarning(done.failure.message)
    }
    return written
  })

/** The filter as a `WHERE` condition; `undefined` when it matches nothing (an empty list). */
const where = (sql: SqlClient.SqlClient, filter: Filter) =>
  filter.programmeIds?.length === 0 || filter.statuses?.length === 0
    ? undefined
    : sql.and([
        ...(filter.programmeIds === undefined ? [] : [sql.in("programme_id", filter.programmeIds)]),
        ...(filter.statuses === undefined ? [] : [sql.in("status", filter.statuses)]),
        ...(filter.linkWorkerId === undefined ? [] : [sql`link_worker_id = ${filter.linkWorkerId}`]),
        ...(filter.referrerId === undefined ? [] : [sql`referrer_id = ${filter.referrerId}`]),
        ...(filter.subjectId === undefined ? [] : [sql`subject_id = ${filter.subjectId}`]),
        ...(filter.personalDataErased === undefined
          ? []
          : [sql`personal_data_erased = ${filter.personalDataErased ? 1 : 0}`])
      ])

/**
 * The referrals that match the filter, in the order they were submitted
 * (then by id). Reads the projection only: no stream is folded.
 *
 * @since 0.1.0
 * @category queries
 */
export const referralIdsBy = (
  filter: Filter = {}
): Effect.Effect<ReadonlyArray<Ids.ReferralId>, ReferralStore.StoreFailure, SqlClient.SqlClient> =>
  Effect.map(statesAndIds(filter, "referralIdsBy", false), (found) => found.map((r) => r.referralId))

/**
 * The projected states of the referrals that match the filter, in the order
 * they were submitted (then by id): what the views and the scheduler need,
 * without folding the streams.
 *
 * @since 0.1.0
 * @category queries
 */
export const statesBy = (
  filter: Filter = {}
): Effect.Effect<ReadonlyArray<Referral.ReferralState>, ReferralStore.StoreFailure, SqlClient.SqlClient> =>
  Effect.map(statesAndIds(filter, "statesBy", true), (found) =>
    found.flatMap((r) => (r.state === undefined ? [] : [r.state]))
  )

const ProjectionRow = Schema.Struct({ referral_id: Schema.String, state: Schema.NullOr(Schema.String) })

const statesAndIds = (filter: Filter, operation: string, withState: boolean) =>
  Effect.gen(function* () {
    const sql = (yield* SqlClient.SqlClient).withoutTransforms()
    const condition = where(sql, filter)
    if (condition === undefined) return []
    const { asText } = json(sql)
    const state = withState ? sql`state${asText}` : sql.literal("NULL")
    const found = yield* sql`SELECT referral_id, ${state} AS state FROM referral_projection WHERE ${condition}
      ORDER BY sort_key, referral_id`.pipe(
      Effect.mapError((e) => storeFailure(operation, e)),
      Effect.flatMap(rows(ProjectionRow, operation, "referral_projection"))
    )
    const out: Array<{ readonly referralId: Ids.ReferralId; readonly state?: Referral.ReferralState }> = []
    for (const row of found) {
      const referralId = row.referral_id as Ids.ReferralId
      if (!withState || row.state === null) {
        out.push({ referralId })
        continue
      }
      const parsed = parseState(row.state)
      if (parsed === undefined) {
        return yield* new ReferralStore.StoreFailure({
          operation,
          detail: `the projected state of referral ${referralId} cannot be read`
        })
      }
      out.push({ referralId, state: parsed })
    }
    return out
  })
