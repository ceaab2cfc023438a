/**
 * The `ReferralStore` over `effect/sql`: one code base for SQLite (e.g.
 * `@effect/sql-sqlite-node`) and PostgreSQL (`@effect/sql-pg`). The layer
 * needs a `SqlClient`, runs the migrations (`Migrations`) when built, and
 * provides the read side, `ReferralIndex` (`SqlReferralIndex`), with the store.
 *
 * An append is one transaction:
 *
 * 1. The idempotency key is claimed (`INSERT … ON CONFLICT DO NOTHING`); a
 *    key already there fails with `IdempotencyKeyUsed`.
 * 2. The stream's version is advanced with an optimistic guard: a new stream
 *    is inserted (the primary key decides between racing creators); an
 *    existing one is updated `WHERE version = expectedVersion`. When no row
 *    was written, another append came first: `VersionConflict` with the
 *    committed version. On PostgreSQL a racing transaction waits on the row
 *    and re-checks the guard after the winner commits, so exactly one wins.
 * 3. The events are inserted (`PRIMARY KEY (referral_id, version)`),
 *    encoded with the versioned codec (`ReferralEvent.codec` unless another
 *    is given); `load` decodes them, upgrading older versions.
 * 3a. With `expectedLoad` (an assignment), the link worker's referrals in
 *    the caseload statuses are counted (on PostgreSQL under a per-link-worker
 *    advisory lock held to the end of the transaction, so two assignments to
 *    one link worker are counted one after the other); another count than
 *    expected fails with `LoadChanged`.
 * 4. The referral's projection row (`SqlProjections`) is advanced: the
 *    state the append was decided against (`AppendRequest.state`, proved
 *    current by the guard; without it the stored state, or the fold of the
 *    log when the row is missing or behind) evolved with the new events, with the next deadline the append
 *    gives (`nextDueAt`, for `ReferralIndex.due`); the messages the events
 *    ask for are entered in the outbox (`SqlOutbox`).
 * 5. The vault writes are applied in order with the semantics of
 *    `PersonalData.apply` (read, apply, write back; on PostgreSQL under a
 *    per-subject advisory lock, so concurrent writes for one client are not
 *    lost). Erasing a referral removes its notes from the subject's row, and
 *    the row when no other referral of the subject has notes in it; `Erase`
 *    deletes the row. A submission's guarded write (`PutSubject` with
 *    `expectedIdentity`, as `ReferralService` makes it) is applied only while
 *    the row is what the service checked: none (an `INSERT … ON CONFLICT DO
 *    NOTHING` that must insert), or a row with the expected names, identity
 *    code and birth year (read `FOR UPDATE` on PostgreSQL); otherwise the
 *    append fails with `SubjectChanged` and writes nothing. On SQLite the
 *    transaction turns `secure_delete` on first, and once an erasure has
 *    committed the WAL is truncated (`SqlVault`).
 *
 * On PostgreSQL, an append given its state (`AppendRequest.state`, as
 * `ReferralService` gives it) with events and at most one vault write runs
 * steps 1–5 as one data-modifying `WITH` statement, one round trip: each
 * part is written only when the one before it was, a claimed key whose
 * version guard or load guard fails aborts the statement (nothing is
 * written; the error is told after the rollback). The link workers' counts
 * (`link_worker_load`) are moved from the projection row as committed, the
 * load guard takes the same advisory lock as step 3a and compares the count
 * as committed, and the vault write is `PersonalData.apply` in SQL on the
 * row as committed; a guarded submission's write is an `INSERT … ON
 * CONFLICT DO NOTHING` (no row expected) or an `UPDATE … WHERE` the row's
 * identity is the expected one, and the statement divides by zero when it
 * wrote nothing (`SubjectChanged`, told after the rollback). On SQLite the
 * same append is one `INSERT` into a temporary view (`lahete_append`,
 * defined with its `INSTEAD OF INSERT` trigger on the store's connection
 * when it starts: no migration, nothing in the database file) whose trigger
 * runs steps 1–5 in order and `RAISE(ABORT)`s on a used key or a failed
 * guard (the version, the load, a submission's subject), undoing the
 * statement. On lahete's own SQLite client (`NodeSqlite`, outside a
 * transaction of the caller's) the append is instead one synchronous batch
 * on the connection: `BEGIN IMMEDIATE`, steps 1–5 as statements each
 * checking its guard (a failed guard: `ROLLBACK`), `COMMIT`. `current` reads
 * the stream row joined with its projection row: a command's one read,
 * whatever the length of its history.
 *
 * Any failure rolls the whole transaction back. Database errors become
 * `StoreFailure` naming the operation and the kind of error only: the
 * driver's message may quote row values, so it is never passed on.
 *
 * @example
 * ```ts
 * import { ReferralStore } from "@lahete/core"
 * import { SqliteClient } from "@effect/sql-sqlite-node"
 * import { SqlReferralStore } from "@lahete/store-sql"
 * import { Effect, Layer } from "effect"
 *
 * const StoreLive = SqlReferralStore.layer.pipe(
 *   Layer.provide(SqliteClient.layer({ filename: "lahete.db" }))
 * )
 *
 * const program = Effect.gen(function* () {
 *   const store = yield* ReferralStore.ReferralStore
 *   return yield* store.referralIds()
 * }).pipe(Effect.provide(StoreLive))
 * ```
 *
 * @since 0.1.0
 */
import { Ids, Lifecycle, PersonalData, Referral, ReferralEvent, ReferralIndex, ReferralStore } from "@lahete/core"
import { Context, Data, Effect, Layer, Option, Redacted, Result, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import type * as Statement from "effect/sql/Statement"
import { type Batch, directOf } from "./internal/direct.js"
import {
  canonicalJson,
  loadStream,
  parseState,
  rows,
  secureDeleteOff,
  json as sqlJson,
  storeFailure as toStoreFailure,
  undecodableSubject
} from "./internal/sql.js"
import * as Migrations from "./Migrations.js"
import * as SqlOutbox from "./SqlOutbox.js"
import * as SqlProjections from "./SqlProjections.js"
import * as SqlReferralIndex from "./SqlReferralIndex.js"
import * as SqlVault from "./SqlVault.js"

/**
 * Options of the SQL store.
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

/**
 * A database error as a `StoreFailure`: the operation and the kind of error,
 * never the driver's message (it may quote row values).
 *
 * @since 0.1.0
 * @category errors
 */
export const storeFailure: (operation: string, error: SqlError) => ReferralStore.StoreFailure = toStoreFailure

const IdempotencyRow = Schema.Struct({
  idempotency_key: Schema.String,
  referral_id: Schema.String,
  fingerprint: Schema.String,
  from_version: Schema.Number,
  to_version: Schema.Number
})

const SubjectRow = Schema.Struct({ data: Schema.String })
const StreamRow = Schema.Struct({ version: Schema.Number })
const CombinedRow = Schema.Struct({
  claimed: Schema.Number,
  advanced: Schema.Number,
  load_before: Schema.NullOr(Schema.Number),
  checked: Schema.Number
})

/** The one-statement append's guard failed after its key was claimed: the statement was undone. */
class Conflicted extends Data.TaggedError("Conflicted") {}

/** PostgreSQL's division by zero (SQLSTATE 22012): the one-statement append's own assertion. */
const isAssertion = (error: SqlError): boolean => {
  const cause: unknown = error.reason.cause
  return typeof cause === "object" && cause !== null && "code" in cause && cause.code === "22012"
}
/** SQLite: the append trigger's own `RAISE(ABORT, 'lahete:<what>')`. */
const raised = (error: SqlError, what: "key-used" | "conflict" | "load" | "subject"): boolean => {
  const cause: unknown = error.reason.cause
  return cause instanceof Error && cause.message.includes(`lahete:${what}`)
}

const caseloadSql = Array.from(Lifecycle.caseload, (status) => `'${status}'`).join(", ")

/** The fields of a vault entry a submission's guard compares (`PersonalData.SubjectIdentity`, `identityHolds`). */
const identityFields = ["givenName", "familyName", "personalIdentityCode", "birthYear"] as const

/**
 * SQLite: the guard of a submission's vault write (`PutSubject` with `expectedIdentity`, in `NEW.vault` as
 * `expected`: JSON `null` for no entry, else the identity checked), in the append trigger before its vault
 * statements: `RAISE(ABORT)` unless the subject's row is still what was checked (no row; or a row whose names,
 * identity code and birth year are exactly the expected ones, `IS` so that a field absent on both sides matches).
 * Unguarded writes (no `expected`) pass.
 */
const sqliteSubjectGuard = `SELECT RAISE(ABORT, 'lahete:subject')
      WHERE json_extract(NEW.vault, '$.op') = 'PutSubject' AND json_type(NEW.vault, '$.expected') IS NOT NULL
        AND NOT coalesce((SELECT json_type(NEW.vault, '$.expected') = 'object' AND ${identityFields
          .map((field) => `json_extract(data, '$.${field}') IS json_extract(NEW.vault, '$.expected.${field}')`)
          .join(" AND ")}
          FROM subjects WHERE subject_id = json_extract(NEW.vault, '$.subject_id')),
          json_type(NEW.vault, '$.expected') = 'null')`

/** SQLite: the columns of the append view (`lahete_append`), in the order the store gives their values. */
const appendColumns: ReadonlyArray<string> = [
  "idempotency_key",
  "referral_id",
  "fingerprint",
  "from_version",
  "to_version",
  "events",
  "load_after",
  "guard_lw",
  "guard_count",
  "messages",
  "vault",
  ...SqlProjections.newColumns
]

/** SQLite: the one-statement append, its text compiled once (the values are its parameters, in `appendColumns`' order). */
const sqliteAppendInsert = `INSERT INTO lahete_append (${appendColumns.join(", ")}) VALUES (${appendColumns.map(() => "?").join(", ")})`

/**
 * SQLite: the one-statement append, as a temporary view whose `INSTEAD OF INSERT` trigger writes everything in the
 * order of the statements one by one (SQLite has no data-modifying `WITH`). One `INSERT` into the view is one
 * statement, atomic on its own: a `RAISE(ABORT)` undoes every row it wrote. Temporary, so the connection's own code
 * defines it (no migration; nothing in the database file).
 */
const sqliteAppendTrigger = [
  "DROP TRIGGER IF EXISTS temp.lahete_append_insert",
  "DROP VIEW IF EXISTS temp.lahete_append",
  `CREATE TEMP VIEW lahete_append (${appendColumns.join(", ")})
    AS SELECT ${appendColumns.map(() => "NULL").join(", ")} WHERE 0`,
  `CREATE TEMP TRIGGER lahete_append_insert INSTEAD OF INSERT ON lahete_append
  BEGIN
    SELECT RAISE(ABORT, 'lahete:key-used')
      WHERE EXISTS (SELECT 1 FROM idempotency_keys WHERE idempotency_key = NEW.idempotency_key);
    INSERT INTO idempotency_keys (idempotency_key, referral_id, fingerprint, from_version, to_version)
      VALUES (NEW.idempotency_key, NEW.referral_id, NEW.fingerprint, NEW.from_version, NEW.to_version);
    SELECT RAISE(ABORT, 'lahete:conflict')
      WHERE coalesce((SELECT version FROM referral_streams WHERE referral_id = NEW.referral_id), 0) <> NEW.from_version;
    INSERT INTO referral_streams (referral_id, version) SELECT NEW.referral_id, NEW.to_version WHERE NEW.from_version = 0;
    UPDATE referral_streams SET version = NEW.to_version WHERE referral_id = NEW.referral_id AND NEW.from_version > 0;
    SELECT RAISE(ABORT, 'lahete:load')
      WHERE NEW.guard_lw IS NOT NULL
        AND coalesce((SELECT active_clients FROM link_worker_load WHERE link_worker_id = NEW.guard_lw), 0) <> NEW.guard_count;
    INSERT INTO referral_events (referral_id, version, type, schema_version, data)
      SELECT NEW.referral_id, NEW.from_version + 1 + key, json_extract(value, '$.type'), json_extract(value, '$.version'),
        json_extract(value, '$.data')
      FROM json_each(NEW.events) WHERE true;
    INSERT INTO link_worker_load (link_worker_id, active_clients)
      SELECT link_worker_id, 0 FROM referral_projection
      WHERE referral_id = NEW.referral_id AND link_worker_id IS NOT NULL AND status IN (${caseloadSql})
        AND link_worker_id IS NOT NEW.load_after
      ON CONFLICT (link_worker_id) DO UPDATE SET active_clients = active_clients - 1;
    INSERT INTO link_worker_load (link_worker_id, active_clients)
      SELECT NEW.load_after, 1
      WHERE NEW.load_after IS NOT NULL AND NOT EXISTS (SELECT 1 FROM referral_projection
        WHERE referral_id = NEW.referral_id AND status IN (${caseloadSql}) AND link_worker_id = NEW.load_after)
      ON CONFLICT (link_worker_id) DO UPDATE SET active_clients = active_clients + 1;
    ${SqlProjections.upsertFromNew()};
    INSERT INTO outbox (id, referral_id, kind, payload, status, attempts, not_before)
      SELECT json_extract(value, '$.id'), json_extract(value, '$.referral_id'), json_extract(value, '$.kind'),
        json_extract(value, '$.payload'), 'pending', 0, json_extract(value, '$.not_before')
      FROM json_each(NEW.messages) WHERE true;
    ${sqliteSubjectGuard};
    INSERT INTO subjects (subject_id, data)
      SELECT json_extract(NEW.vault, '$.subject_id'), json_extract(NEW.vault, '$.first')
      WHERE json_extract(NEW.vault, '$.op') = 'PutSubject'
      ON CONFLICT (subject_id) DO UPDATE SET data = json_set(json_extract(NEW.vault, '$.subject'), '$.referrals',
        json_patch(coalesce(json_extract(data, '$.referrals'), '{}'),
          json_object(json_extract(NEW.vault, '$.referral_id'), json(json_extract(NEW.vault, '$.notes')))));
    UPDATE subjects SET data = json_patch(json_remove(data, '$.mobileNumber'), json(json_extract(NEW.vault, '$.patch')))
      WHERE subject_id = json_extract(NEW.vault, '$.subject_id') AND json_extract(NEW.vault, '$.op') = 'PutContact';
    UPDATE subjects SET data = json_set(data, '$.referrals', json_patch(coalesce(json_extract(data, '$.referrals'), '{}'),
        json_object(json_extract(NEW.vault, '$.referral_id'), json(json_extract(NEW.vault, '$.notes')))))
      WHERE subject_id = json_extract(NEW.vault, '$.subject_id') AND json_extract(NEW.vault, '$.op') = 'PutNotes';
    DELETE FROM subjects
      WHERE subject_id = json_extract(NEW.vault, '$.subject_id') AND json_extract(NEW.vault, '$.op') = 'EraseReferral'
        AND json_patch(coalesce(json_extract(data, '$.referrals'), '{}'),
          json_object(json_extract(NEW.vault, '$.referral_id'), json('null'))) = '{}';
    UPDATE subjects SET data = json_set(data, '$.referrals', json_patch(coalesce(json_extract(data, '$.referrals'), '{}'),
        json_object(json_extract(NEW.vault, '$.referral_id'), json('null'))))
      WHERE subject_id = json_extract(NEW.vault, '$.subject_id') AND json_extract(NEW.vault, '$.op') = 'EraseReferral';
    DELETE FROM subjects
      WHERE subject_id = json_extract(NEW.vault, '$.subject_id') AND json_extract(NEW.vault, '$.op') = 'Erase';
  END`
]

/** SQLite: a vault write as the append trigger takes it (`NEW.vault`). */
const sqliteVault = (write: PersonalData.VaultWrite | undefined): string | null => {
  if (write === undefined) return null
  switch (write._tag) {
    case "PutSubject":
      return JSON.stringify({
        op: write._tag,
        subject_id: write.subject.subjectId,
        referral_id: write.referralId,
        first: JSON.stringify(PersonalData.apply(undefined, write)),
        subject: JSON.stringify(write.subject),
        notes: JSON.stringify(write.notes),
        // the guard (`sqliteSubjectGuard`): null for no entry, else the identity checked; absent, unguarded
        ...(write.expectedIdentity === undefined ? {} : { expected: write.expectedIdentity })
      })
    case "PutContact":
      return JSON.stringify({
        op: write._tag,
        subject_id: write.subjectId,
        patch: JSON.stringify({
          ...(write.mobileNumber === null ? {} : { mobileNumber: write.mobileNumber }),
          ...(write.language === undefined ? {} : { language: write.language })
        })
      })
    case "PutNotes":
      return JSON.stringify({
        op: write._tag,
        subject_id: write.subjectId,
        referral_id: write.referralId,
        notes: JSON.stringify(write.notes)
      })
    case "EraseReferral":
      return JSON.stringify({ op: write._tag, subject_id: write.subjectId, referral_id: write.referralId })
    case "Erase":
      return JSON.stringify({ op: write._tag, subject_id: write.subjectId })
  }
}

/** SQLite, the synchronous append batch (`NodeSqlite`): its statements, each prepared once. */
const batchSql = {
  claimKey: `INSERT INTO idempotency_keys (idempotency_key, referral_id, fingerprint, from_version, to_version)
    VALUES (?, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING`,
  newStream: "INSERT INTO referral_streams (referral_id, version) VALUES (?, ?) ON CONFLICT (referral_id) DO NOTHING",
  advanceStream: "UPDATE referral_streams SET version = ? WHERE referral_id = ? AND version = ?",
  load: "SELECT active_clients FROM link_worker_load WHERE link_worker_id = ?",
  event: "INSERT INTO referral_events (referral_id, version, type, schema_version, data) VALUES (?, ?, ?, ?, ?)",
  message: `INSERT INTO outbox (id, referral_id, kind, payload, status, attempts, not_before)
    VALUES (?, ?, ?, ?, 'pending', 0, ?)`,
  subject: "SELECT data FROM subjects WHERE subject_id = ?",
  putSubject:
    "INSERT INTO subjects (subject_id, data) VALUES (?, ?) ON CONFLICT (subject_id) DO UPDATE SET data = excluded.data",
  deleteSubject: "DELETE FROM subjects WHERE subject_id = ?"
} as const

/**
 * How a synchronous append batch ended: committed, or rolled back for the reason named (a vault row that does not
 * decode, by its subject id).
 */
type BatchOutcome = "committed" | "key-used" | "conflict" | "secure-delete" | { readonly undecodableSubject: string }

/** The row `current` reads: checked by hand (the store's own shape; every command reads one). */
interface CurrentRow {
  readonly version: number
  readonly projected: number | null
  readonly state: string | null
}
const isCurrentRow = (row: unknown): row is CurrentRow => {
  if (row === null || typeof row !== "object") return false
  const r = row as Record<string, unknown>
  return (
    typeof r.version === "number" &&
    (r.projected === null || typeof r.projected === "number") &&
    (r.state === null || typeof r.state === "string")
  )
}
const IdRow = Schema.Struct({ referral_id: Ids.ReferralId })

const decodeSubject = Schema.decodeUnknownResult(Schema.fromJsonString(PersonalData.SubjectData))
const decodeIdempotency = Schema.decodeUnknownResult(
  Schema.Struct({
    idempotencyKey: Ids.IdempotencyKey,
    referralId: Ids.ReferralId,
    fingerprint: Schema.String,
    fromVersion: Schema.Number,
    toVersion: Schema.Number
  })
)

/** The subject a vault write is for. */
const subjectOf = (write: PersonalData.VaultWrite): Ids.SubjectId =>
  write._tag === "PutSubject" ? write.subject.subjectId : write.subjectId

/** The link worker whose caseload a referral counts in (`Lifecycle.caseload`), if any. */
const caseloadOf = (linkWorkerId: string | undefined, status: Lifecycle.Status): string | undefined =>
  linkWorkerId !== undefined && Lifecycle.caseload.has(status) ? linkWorkerId : undefined

/**
 * Builds the store and its read side (`SqlReferralIndex`) over the
 * `SqlClient` in the context, running the migrations first: what `layer`
 * provides, for a caller that wraps one or the other (to count calls, say).
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeWithIndex = (
  options: Options = {}
): Effect.Effect<
  { readonly store: ReferralStore.Shape; readonly index: ReferralIndex.Shape },
  ReferralStore.StoreFailure,
  SqlClient.SqlClient
> =>
  Effect.gen(function* () {
    // our queries name columns in snake_case: independent of the name transforms the client may have
    const sql = (yield* SqlClient.SqlClient).withoutTransforms()
    yield* Effect.mapError(
      Migrations.run,
      (e) =>
        new ReferralStore.StoreFailure({
          operation: "migrate",
          detail: e._tag === "MigrationError" ? `migration failed (${e.kind})` : `database error (${e.reason._tag})`
        })
    )
    const codec = options.codec ?? ReferralEvent.codec
    const index = yield* Effect.provideService(SqlReferralIndex.makeWith({ codec }), SqlClient.SqlClient, sql)
    /** JSON goes in as text (a cast to `jsonb` on PostgreSQL) and comes out as text. */
    const { isPg, toJson, asText } = sqlJson(sql)
    // rows for the streams written before the projection existed
    yield* SqlProjections.catchUp(sql, codec)
    // SQLite: deleted vault content is overwritten with zeros (set again in every vault transaction)
    yield* SqlVault.secureDelete(sql, "start")
    // SQLite: the one-statement append's trigger on this connection (without it, the statements one by one)
    const sqliteOneStatement =
      !isPg &&
      Result.isSuccess(
        yield* Effect.result(
          Effect.forEach(sqliteAppendTrigger, (statement) => sql.unsafe(statement), { discard: true })
        )
      )
    /**
     * Serialises the vault writes of one subject until the transaction ends,
     * also when the subject has no row yet (two first referrals of the same
     * client at once). SQLite's write transaction already runs alone.
     */
    const lockSubject = (subjectId: Ids.SubjectId) =>
      isPg
        ? Effect.mapError(sql`SELECT pg_advisory_xact_lock(hashtext(${`lahete-subject:${subjectId}`}))`, (e) =>
            storeFailure("append", e)
          )
        : Effect.void

    /** SQLite: the client's synchronous batches on its connection, when it offers them (`NodeSqlite`). */
    const direct = isPg ? undefined : directOf(sql)

    const load = (referralId: Ids.ReferralId): Effect.Effect<ReferralStore.Stream, ReferralStore.StoreFailure> =>
      loadStream(sql, codec, referralId)

    /**
     * The stream's version and its projection row in one statement; the row's state when it is at the
     * stream's version (always, while every append goes through this store), else the fold of the log.
     */
    const currentSql = `SELECT s.version AS version, p.version AS projected, p.state${isPg ? "::text" : ""} AS state
      FROM referral_streams s LEFT JOIN referral_projection p ON p.referral_id = s.referral_id
      WHERE s.referral_id = ${isPg ? "$1" : "?"}`
    const current = (referralId: Ids.ReferralId) =>
      Effect.gen(function* () {
        const found = yield* Effect.mapError(
          direct === undefined
            ? sql.unsafe(currentSql, [referralId])
            : Effect.flatMap(
                direct.run((batch) => batch.all(currentSql, [referralId])),
                (read): Effect.Effect<ReadonlyArray<unknown>, SqlError> =>
                  read.ran ? Effect.succeed(read.value) : sql.unsafe(currentSql, [referralId])
              ),
          (e) => storeFailure("current", e)
        )
        if (!found.every(isCurrentRow)) {
          return yield* new ReferralStore.StoreFailure({
            operation: "current",
            detail: "unexpected row shape in referral_streams"
          })
        }
        const row = found[0]
        if (row === undefined || row.version === 0) {
          return { referralId, version: 0, state: Referral.initialState } satisfies ReferralStore.Current
        }
        const stored = row.projected === row.version && row.state !== null ? parseState(row.state) : undefined
        if (stored !== undefined && stored.version === row.version) {
          return { referralId, version: row.version, state: stored } satisfies ReferralStore.Current
        }
        const stream = yield* loadStream(sql, codec, referralId, "current")
        return {
          referralId,
          version: stream.version,
          state: Referral.fold(stream.events)
        } satisfies ReferralStore.Current
      })

    const currentVersion = (referralId: Ids.ReferralId) =>
      Effect.map(
        sql`SELECT version FROM referral_streams WHERE referral_id = ${referralId}`.pipe(
          Effect.mapError((e) => storeFailure("append", e)),
          Effect.flatMap(rows(StreamRow, "append", "referral_streams"))
        ),
        (found) => found[0]?.version ?? 0
      )

    /** Advances the stream from `expected` to `next`; `false` when it is not at `expected`. */
    const guard = (referralId: Ids.ReferralId, expected: number, next: number) => {
      if (expected === 0 && next === 0) {
        return Effect.map(currentVersion(referralId), (v) => v === 0)
      }
      const statement =
        expected === 0
          ? sql`INSERT INTO referral_streams (referral_id, version) VALUES (${referralId}, ${next})
              ON CONFLICT (referral_id) DO NOTHING RETURNING referral_id`
          : sql`UPDATE referral_streams SET version = ${next}
              WHERE referral_id = ${referralId} AND version = ${expected} RETURNING referral_id`
      return statement.pipe(
        Effect.mapError((e) => storeFailure("append", e)),
        Effect.map((written) => written.length === 1)
      )
    }

    /** PostgreSQL: a read that locks the row it finds until the transaction ends. */
    const forUpdate = sql.literal(isPg ? " FOR UPDATE" : "")
    const readSubject = (subjectId: Ids.SubjectId, operation: string, lock = false) =>
      Effect.gen(function* () {
        const found = yield* sql`SELECT data${asText} AS data FROM subjects WHERE subject_id = ${subjectId}${
          lock ? forUpdate : sql.literal("")
        }`.pipe(
          Effect.mapError((e) => storeFailure(operation, e)),
          Effect.flatMap(rows(SubjectRow, operation, "subjects"))
        )
        const row = found[0]
        if (row === undefined) return undefined
        const decoded = decodeSubject(row.data)
        if (Result.isFailure(decoded)) {
          return yield* undecodableSubject(operation, subjectId)
        }
        return decoded.success
      })

    const applyVault = (write: PersonalData.VaultWrite) =>
      Effect.gen(function* () {
        const subjectId = subjectOf(write)
        yield* lockSubject(subjectId)
        if (write._tag === "Erase") {
          yield* Effect.mapError(sql`DELETE FROM subjects WHERE subject_id = ${subjectId}`, (e) =>
            storeFailure("append", e)
          )
          return
        }
        const guarded = write._tag === "PutSubject" ? write.expectedIdentity : undefined
        if (guarded === null) {
          // a submission checked against no entry: written only if there is still none (the insert settles a race
          // with an append of the one-statement kind, which does not take the subject's advisory lock)
          const inserted = yield* Effect.mapError(
            sql`INSERT INTO subjects (subject_id, data)
              VALUES (${subjectId}, ${JSON.stringify(PersonalData.apply(undefined, write))}${toJson})
              ON CONFLICT (subject_id) DO NOTHING RETURNING subject_id`,
            (e) => storeFailure("append", e)
          )
          if (inserted.length === 0) return yield* new ReferralStore.SubjectChanged({ subjectId })
          return
        }
        // a submission checked against an entry: the entry is locked (PostgreSQL) and must still be the one checked
        const current = yield* readSubject(subjectId, "append", guarded !== undefined)
        if (!PersonalData.identityHolds(current, write)) return yield* new ReferralStore.SubjectChanged({ subjectId })
        const next = PersonalData.apply(current, write)
        if (next === undefined) {
          // the erasure of the subject's last referral deletes the entry; a change to a subject the
          // vault does not hold (erased, or never written) keeps nothing
          if (current !== undefined) {
            yield* Effect.mapError(sql`DELETE FROM subjects WHERE subject_id = ${subjectId}`, (e) =>
              storeFailure("append", e)
            )
          }
          return
        }
        const json = JSON.stringify(next)
        yield* Effect.mapError(
          sql`INSERT INTO subjects (subject_id, data) VALUES (${subjectId}, ${json}${toJson})
            ON CONFLICT (subject_id) DO UPDATE SET data = excluded.data`,
          (e) => storeFailure("append", e)
        )
      })

    /**
     * The assignment guard (`AppendRequest.expectedLoad`): the link worker's
     * referrals in the caseload statuses, counted in the append's transaction
     * before its own events. On PostgreSQL an advisory lock on the link
     * worker, held until the transaction ends, comes first: a second
     * assignment to the same link worker waits, then counts the first one's
     * referral (read committed) and fails. SQLite's write transaction runs alone.
     */
    /**
     * The link workers' advisory locks use PostgreSQL's two-key form under a
     * key space of their own: they never collide with the one-key locks of
     * the subjects and the migrations (the two forms do not overlap).
     */
    const linkWorkerLockSpace = 0x6c77
    const checkLoad = (expected: { readonly linkWorkerId: Ids.ActorId; readonly activeClients: number }) =>
      Effect.gen(function* () {
        if (isPg) {
          yield* Effect.mapError(
            sql`SELECT pg_advisory_xact_lock(${linkWorkerLockSpace}, hashtext(${expected.linkWorkerId}))`,
            (e) => storeFailure("append", e)
          )
        }
        const actual = yield* index.activeClients(expected.linkWorkerId)
        if (actual !== expected.activeClients) {
          return yield* new ReferralStore.LoadChanged({
            linkWorkerId: expected.linkWorkerId,
            expectedActiveClients: expected.activeClients,
            actualActiveClients: actual
          })
        }
      })

    const caseloadList = sql.literal(Array.from(Lifecycle.caseload, (status) => `'${status}'`).join(", "))

    /** PostgreSQL: the arguments of `jsonb_build_object` that take a vault row's identity fields (absent ones null). */
    const pgIdentity = sql.literal(identityFields.map((field) => `'${field}', data -> '${field}'`).join(", "))

    /**
     * PostgreSQL: a vault write (`PersonalData.apply`) as parts of the one-statement append, written only when
     * the stream was advanced (`s`). Each works on the row as committed: `INSERT … ON CONFLICT DO UPDATE` and
     * `UPDATE` re-read a row another transaction changed while they waited for it; an erasure of one referral
     * locks the row (`FOR UPDATE`, the committed row) and then either deletes it (no other referral has notes in
     * it) or removes the referral's notes. A guarded submission's write (`expectedIdentity`) is an insert that
     * must not find a row (`null`) or an update of a row whose identity is the expected one; either returns its
     * row only when written (`vaultGuard` asserts it).
     */
    const vaultPart = (write: PersonalData.VaultWrite | undefined): Statement.Fragment => {
      if (write === undefined) return sql.literal("")
      switch (write._tag) {
        case "PutSubject": {
          const subjectId = write.subject.subjectId
          const first = JSON.stringify(PersonalData.apply(undefined, write))
          const replaced = sql`${JSON.stringify(write.subject)}::jsonb
                || jsonb_build_object('referrals', coalesce(subjects.data -> 'referrals', '{}'::jsonb)
                  || jsonb_build_object(${write.referralId}::text,
                    coalesce(subjects.data -> 'referrals' -> ${write.referralId}::text, '{}'::jsonb)
                      || ${JSON.stringify(write.notes)}::jsonb))`
          const expected = write.expectedIdentity
          if (expected === null) {
            // checked against no entry: inserted only if there is none (a racing insert is waited for, then wins)
            return sql`, v AS (
              INSERT INTO subjects (subject_id, data) SELECT ${subjectId}::text, ${first}::jsonb FROM s
              ON CONFLICT (subject_id) DO NOTHING RETURNING 1
            )`
          }
          if (expected !== undefined) {
            // checked against an entry: replaced only while its identity is the one checked (`UPDATE` re-reads a
            // row changed while it waited; a row erased meanwhile, or never there, is not written)
            return sql`, v AS (
              UPDATE subjects SET data = ${replaced}
              WHERE subject_id = ${subjectId}::text AND EXISTS (SELECT 1 FROM s)
                AND jsonb_strip_nulls(jsonb_build_object(${pgIdentity})) = ${JSON.stringify(PersonalData.identityOf(expected))}::jsonb
              RETURNING 1
            )`
          }
          return sql`, v AS (
              INSERT INTO subjects (subject_id, data) SELECT ${subjectId}::text, ${first}::jsonb FROM s
              ON CONFLICT (subject_id) DO UPDATE SET data = ${replaced}
            )`
        }
        case "PutContact": {
          const patch = {
            ...(write.mobileNumber === null ? {} : { mobileNumber: write.mobileNumber }),
            ...(write.language === undefined ? {} : { language: write.language })
          }
          return sql`, v AS (
              UPDATE subjects SET data = (data - 'mobileNumber') || ${JSON.stringify(patch)}::jsonb
              WHERE subject_id = ${write.subjectId} AND EXISTS (SELECT 1 FROM s)
            )`
        }
        case "PutNotes":
          return sql`, v AS (
              UPDATE subjects SET data = jsonb_set(data, '{referrals}', coalesce(data -> 'referrals', '{}'::jsonb)
                || jsonb_build_object(${write.referralId}::text,
                  coalesce(data -> 'referrals' -> ${write.referralId}::text, '{}'::jsonb)
                    || ${JSON.stringify(write.notes)}::jsonb))
              WHERE subject_id = ${write.subjectId} AND EXISTS (SELECT 1 FROM s)
            )`
        case "EraseReferral":
          return sql`, vl AS (
              SELECT coalesce(data -> 'referrals', '{}'::jsonb) - ${write.referralId}::text AS others FROM subjects
              WHERE subject_id = ${write.subjectId} AND EXISTS (SELECT 1 FROM s) FOR UPDATE
            ), vd AS (
              DELETE FROM subjects WHERE subject_id = ${write.subjectId}
                AND EXISTS (SELECT 1 FROM vl WHERE others = '{}'::jsonb)
            ), vu AS (
              UPDATE subjects SET data = jsonb_set(data, '{referrals}', vl.others) FROM vl
              WHERE subject_id = ${write.subjectId} AND vl.others <> '{}'::jsonb
            )`
        case "Erase":
          return sql`, v AS (
              DELETE FROM subjects WHERE subject_id = ${write.subjectId} AND EXISTS (SELECT 1 FROM s)
            )`
      }
    }

    /**
     * PostgreSQL: the one-statement append's assertion for a guarded submission's vault write (`vaultPart`): once
     * the stream was advanced, the write must have been applied (its guard held), else the statement divides by
     * zero and is undone like a failed version guard.
     */
    const vaultGuard = (write: PersonalData.VaultWrite | undefined): Statement.Fragment =>
      write?._tag === "PutSubject" && write.expectedIdentity !== undefined
        ? sql.literal("(advanced = 0 OR (SELECT count(*) FROM v) = 1)")
        : sql.literal("true")

    /**
     * SQLite, in the synchronous append batch: a vault write with the semantics of `applyVault` (the row read in
     * the transaction, `PersonalData.identityHolds` for a submission's guard, `PersonalData.apply`, written back
     * or deleted). `conflict` when the guard fails (the caller tells which guard after the rollback).
     */
    const vaultInBatch = (batch: Batch, write: PersonalData.VaultWrite): BatchOutcome => {
      const subjectId = subjectOf(write)
      if (write._tag === "Erase") {
        batch.run(batchSql.deleteSubject, [subjectId])
        return "committed"
      }
      const row = batch.get(batchSql.subject, [subjectId])
      let current: PersonalData.SubjectData | undefined
      if (row !== undefined) {
        const decoded = typeof row.data === "string" ? decodeSubject(row.data) : undefined
        if (decoded === undefined || Result.isFailure(decoded)) return { undecodableSubject: subjectId }
        current = decoded.success
      }
      if (!PersonalData.identityHolds(current, write)) return "conflict"
      const next = PersonalData.apply(current, write)
      if (next === undefined) {
        if (current !== undefined) batch.run(batchSql.deleteSubject, [subjectId])
        return "committed"
      }
      batch.run(batchSql.putSubject, [subjectId, JSON.stringify(next)])
      return "committed"
    }

    const append = (
      request: ReferralStore.AppendRequest
    ): Effect.Effect<{ readonly version: number }, ReferralStore.ReferralStoreError> =>
      Effect.gen(function* () {
        const encoded: Array<{ readonly type: string; readonly version: number; readonly json: string }> = []
        for (const [i, event] of request.events.entries()) {
          try {
            const stored = codec.encode(event)
            encoded.push({ type: stored.type, version: stored.version, json: JSON.stringify(stored.data) })
          } catch {
            // the encoder's message may quote the event's data: report the position only
            return yield* new ReferralStore.StoreFailure({
              operation: "append",
              detail: `event ${i + 1} cannot be encoded`
            })
          }
        }
        const { expectedVersion, referralId } = request
        const next = expectedVersion + encoded.length

        /**
         * PostgreSQL, once the state before the events is known: the whole append in one statement (one round
         * trip; atomic on its own), each part written only when the one before it was, so a racing append waits on
         * the key or the stream row first, as with the statements one by one:
         *
         * - `k` claims the key; `s` advances the stream (the version guard; it takes the stream row's lock);
         * - `old` reads the projection row as committed (`FOR UPDATE`: after any writer it waited for), `c` its
         *   caseload, `d` the moves between the link workers' counts (and, for an assignment, the link worker's
         *   row with no move); `g` takes the assignment guard's advisory lock (as the statements one by one do);
         *   `l` applies the moves (`ON CONFLICT DO UPDATE` locks each count and sees its latest value, in order
         *   of link worker id) and returns the counts before them, for the guard;
         * - `e` the events, `p` the projection row, `o` the outbox entries;
         * - `v…` the vault write (`PersonalData.apply` in SQL, on the row as committed: an upsert or an update
         *   re-reads the row it waited for; an erasure of one referral locks the row first). A guarded submission's
         *   write (`expectedIdentity`) returns its row only when its guard held, and `checked` asserts it did.
         *
         * A key already used writes nothing (`claimed` 0). A key claimed but a guard that fails (another append
         * came first, the link worker's count is not the expected one, or the subject's vault row is not the one
         * a submission was checked against) makes the statement divide by zero,
         * which undoes the key's row with the rest (`Conflicted`, answered after the rollback).
         */
        const combined = (before: Referral.ReferralState, write: PersonalData.VaultWrite | undefined) =>
          Effect.gen(function* () {
            const after = Referral.fold(request.events, before)
            const stream =
              expectedVersion === 0
                ? sql`INSERT INTO referral_streams (referral_id, version)
                    SELECT ${referralId}::text, ${next}::int WHERE EXISTS (SELECT 1 FROM k)
                    ON CONFLICT (referral_id) DO NOTHING RETURNING 1`
                : sql`UPDATE referral_streams SET version = ${next}::int
                    WHERE referral_id = ${referralId} AND version = ${expectedVersion}::int
                      AND EXISTS (SELECT 1 FROM k) RETURNING 1`
            const values = encoded.map(
              (e, i) =>
                sql`(${referralId}::text, ${expectedVersion + i + 1}::int, ${e.type}::text, ${e.version}::int, ${e.json}::jsonb)`
            )
            const messages = SqlOutbox.messagesOf(request.events, after)
            const outbox =
              messages.length === 0
                ? sql.literal("")
                : sql`, o AS (
                    INSERT INTO outbox (id, referral_id, kind, payload, status, attempts, not_before)
                    SELECT * FROM (VALUES ${sql.csv(
                      messages.map(
                        (m) =>
                          sql`(${m.id}::text, ${m.payload.referralId}::text, ${m.payload.kind}::text, ${canonicalJson(m.payload)}::jsonb, 'pending', 0, ${m.notBefore}::text)`
                      )
                    )}) AS v (id, referral_id, kind, payload, status, attempts, not_before)
                    WHERE EXISTS (SELECT 1 FROM s)
                  )`
            const guarded = request.expectedLoad
            const afterLoad = caseloadOf(after.linkWorkerId, after.status) ?? null
            const lock =
              guarded === undefined
                ? sql.literal("")
                : sql`, g AS (SELECT pg_advisory_xact_lock(${linkWorkerLockSpace}::int, hashtext(${guarded.linkWorkerId}::text)) FROM s)`
            const locked = guarded === undefined ? sql.literal("") : sql.literal(" AND EXISTS (SELECT 1 FROM g)")
            const guardRow =
              guarded === undefined
                ? sql.literal("")
                : sql` UNION ALL SELECT ${guarded.linkWorkerId}::text, 0 FROM c
                    WHERE ${guarded.linkWorkerId}::text IS DISTINCT FROM c.lw_before
                      AND ${guarded.linkWorkerId}::text IS DISTINCT FROM ${afterLoad}::text`
            const loadBefore =
              guarded === undefined
                ? sql.literal("NULL::int")
                : sql`(SELECT l.active_clients - d.delta FROM l JOIN d ON d.lw = l.link_worker_id
                    WHERE l.link_worker_id = ${guarded.linkWorkerId}::text)`
            const loadOk =
              guarded === undefined
                ? sql.literal("true")
                : sql`(advanced = 0 OR load_before = ${guarded.activeClients}::int)`
            const found = yield* sql`WITH k AS (
                INSERT INTO idempotency_keys (idempotency_key, referral_id, fingerprint, from_version, to_version)
                VALUES (${request.idempotencyKey}, ${referralId}, ${request.fingerprint}, ${expectedVersion}, ${next})
                ON CONFLICT (idempotency_key) DO NOTHING RETURNING 1
              ), s AS (${stream}), old AS (
                SELECT link_worker_id, status FROM referral_projection
                WHERE referral_id = ${referralId} AND EXISTS (SELECT 1 FROM s) FOR UPDATE
              ), c AS (
                SELECT (SELECT CASE WHEN o.status IN (${caseloadList}) THEN o.link_worker_id END FROM old o) AS lw_before
                FROM s
              )${lock}, d AS (
                SELECT lw, delta FROM (
                  SELECT c.lw_before AS lw, -1 AS delta FROM c
                  WHERE c.lw_before IS NOT NULL AND c.lw_before IS DISTINCT FROM ${afterLoad}::text
                  UNION ALL SELECT ${afterLoad}::text, 1 FROM c
                  WHERE ${afterLoad}::text IS NOT NULL AND c.lw_before IS DISTINCT FROM ${afterLoad}::text${guardRow}
                ) AS x WHERE true${locked}
              ), l AS (
                INSERT INTO link_worker_load (link_worker_id, active_clients)
                SELECT lw, greatest(delta, 0) FROM d ORDER BY lw
                ON CONFLICT (link_worker_id) DO UPDATE
                SET active_clients = link_worker_load.active_clients
                  + (SELECT d.delta FROM d WHERE d.lw = excluded.link_worker_id)
                RETURNING link_worker_id, active_clients
              ), e AS (
                INSERT INTO referral_events (referral_id, version, type, schema_version, data)
                SELECT * FROM (VALUES ${sql.csv(values)}) AS v (referral_id, version, type, schema_version, data)
                WHERE EXISTS (SELECT 1 FROM s)
              ), p AS (${SqlProjections.upsertWhen(sql, referralId, after, request.nextDueAt, sql`EXISTS (SELECT 1 FROM c)`)})${outbox}${vaultPart(write)}
              SELECT claimed, advanced, load_before,
                1 / (CASE WHEN claimed = advanced AND ${loadOk} AND ${vaultGuard(write)} THEN 1 ELSE 0 END) AS checked
              FROM (SELECT (SELECT count(*) FROM k)::int AS claimed, (SELECT count(*) FROM s)::int AS advanced,
                ${loadBefore}::int AS load_before) AS r`.pipe(
              Effect.mapError((e) => (isAssertion(e) ? new Conflicted() : storeFailure("append", e))),
              Effect.flatMap(rows(CombinedRow, "append", "referral_streams"))
            )
            if (found[0]?.claimed !== 1) {
              return yield* new ReferralStore.IdempotencyKeyUsed({ idempotencyKey: request.idempotencyKey })
            }
          })

        const given =
          request.state !== undefined && request.state.version === expectedVersion ? request.state : undefined

        /** The statements one by one: SQLite, an assignment's load guard, or a state not given. */
        const oneByOne = Effect.gen(function* () {
          const claimed = yield* sql`INSERT INTO idempotency_keys
                (idempotency_key, referral_id, fingerprint, from_version, to_version)
              VALUES (${request.idempotencyKey}, ${referralId}, ${request.fingerprint}, ${expectedVersion}, ${next})
              ON CONFLICT (idempotency_key) DO NOTHING RETURNING idempotency_key`.pipe(
            Effect.mapError((e) => storeFailure("append", e))
          )
          if (claimed.length === 0) {
            return yield* new ReferralStore.IdempotencyKeyUsed({ idempotencyKey: request.idempotencyKey })
          }
          if (!(yield* guard(referralId, expectedVersion, next))) {
            return yield* new ReferralStore.VersionConflict({
              referralId,
              expectedVersion,
              actualVersion: yield* currentVersion(referralId)
            })
          }
          if (request.expectedLoad !== undefined) yield* checkLoad(request.expectedLoad)
          if (encoded.length > 0) {
            // the state before the new events: the caller's (read by `current`, proved current by the guard above;
            // the projection row's caseload columns are then read by `write`), else read before they are inserted
            // (the fallback folds the log)
            const { state: before, row } =
              given !== undefined
                ? { state: given, row: undefined }
                : yield* SqlProjections.stateAndRowAt(sql, codec, referralId, expectedVersion, "append")
            const values = encoded.map(
              (e, i) => sql`(${referralId}, ${expectedVersion + i + 1}, ${e.type}, ${e.version}, ${e.json}${toJson})`
            )
            yield* Effect.mapError(
              sql`INSERT INTO referral_events (referral_id, version, type, schema_version, data)
                  VALUES ${sql.csv(values)}`,
              (e) => storeFailure("append", e)
            )
            // the projection and the outbox, in the same transaction
            const after = Referral.fold(request.events, before)
            yield* SqlProjections.write(sql, referralId, after, "append", request.nextDueAt, row)
            yield* SqlOutbox.enqueue(sql, request.events, after, "append")
          }
        })

        // one vault write at most (every command's): PostgreSQL applies it in the same statement
        const write = request.vault.length === 0 ? undefined : request.vault.length === 1 ? request.vault[0] : null
        /**
         * SQLite: the whole append as one `INSERT` into the trigger's view (one synchronous statement), the vault's
         * `secure_delete` set before it when there is a vault write, the WAL truncated after an erasure.
         */
        const sqliteCombined = (before: Referral.ReferralState, write: PersonalData.VaultWrite | undefined) =>
          Effect.gen(function* () {
            const after = Referral.fold(request.events, before)
            const messages = SqlOutbox.messagesOf(request.events, after).map((m) => ({
              id: m.id,
              referral_id: m.payload.referralId,
              kind: m.payload.kind,
              payload: canonicalJson(m.payload),
              not_before: m.notBefore
            }))
            const events = JSON.stringify(encoded.map((e) => ({ type: e.type, version: e.version, data: e.json })))
            const guarded = request.expectedLoad
            if (write !== undefined) yield* SqlVault.secureDelete(sql, "append")
            yield* sql
              .unsafe(sqliteAppendInsert, [
                request.idempotencyKey,
                referralId,
                request.fingerprint,
                expectedVersion,
                next,
                events,
                caseloadOf(after.linkWorkerId, after.status) ?? null,
                guarded?.linkWorkerId ?? null,
                guarded?.activeClients ?? null,
                JSON.stringify(messages),
                sqliteVault(write),
                ...SqlProjections.rowValues(referralId, after, request.nextDueAt)
              ])
              .pipe(
                Effect.mapError((e) =>
                  raised(e, "key-used")
                    ? new ReferralStore.IdempotencyKeyUsed({ idempotencyKey: request.idempotencyKey })
                    : raised(e, "conflict") || raised(e, "load") || raised(e, "subject")
                      ? new Conflicted()
                      : storeFailure("append", e)
                )
              )
            if (write !== undefined && (write._tag === "EraseReferral" || write._tag === "Erase")) {
              // once committed, the WAL's copies of the erased values go too (`purge` retries)
              yield* Effect.ignore(SqlVault.truncateWal(sql, "append"))
            }
          })

        /**
         * SQLite on `NodeSqlite`: the whole append as one synchronous batch on the connection, outside any
         * transaction of the client (`ran: false` inside one): `BEGIN IMMEDIATE`, the statements one by one with
         * each guard checked as it runs (a used key, the version, the load, a submission's subject: `ROLLBACK`),
         * the projection row (`SqlProjections.writeInBatch`), the outbox, the vault write (`PersonalData.apply`
         * on the row as read in the transaction), `COMMIT`. The write lock is held from `BEGIN IMMEDIATE`, so
         * what the batch reads stays so until it commits.
         */
        const sqliteBatch = (
          run: NonNullable<typeof direct>,
          before: Referral.ReferralState,
          write: PersonalData.VaultWrite | undefined
        ) => {
          const after = Referral.fold(request.events, before)
          const messages = SqlOutbox.messagesOf(request.events, after)
          const guarded = request.expectedLoad
          return run.run((batch): BatchOutcome => {
            if (write !== undefined && batch.get("PRAGMA secure_delete = ON")?.secure_delete !== 1) {
              return "secure-delete"
            }
            // a statement that throws leaves the transaction to the client, which rolls it back
            batch.run("BEGIN IMMEDIATE")
            const outcome = ((): BatchOutcome => {
              if (
                batch.run(batchSql.claimKey, [
                  request.idempotencyKey,
                  referralId,
                  request.fingerprint,
                  expectedVersion,
                  next
                ]) !== 1
              ) {
                return "key-used"
              }
              const advanced =
                expectedVersion === 0
                  ? batch.run(batchSql.newStream, [referralId, next])
                  : batch.run(batchSql.advanceStream, [next, referralId, expectedVersion])
              if (advanced !== 1) return "conflict"
              if (guarded !== undefined) {
                const count = batch.get(batchSql.load, [guarded.linkWorkerId])?.active_clients ?? 0
                if (count !== guarded.activeClients) return "conflict"
              }
              for (const [i, e] of encoded.entries()) {
                batch.run(batchSql.event, [referralId, expectedVersion + i + 1, e.type, e.version, e.json])
              }
              SqlProjections.writeInBatch(batch, referralId, after, request.nextDueAt)
              for (const m of messages) {
                batch.run(batchSql.message, [
                  m.id,
                  m.payload.referralId,
                  m.payload.kind,
                  canonicalJson(m.payload),
                  m.notBefore
                ])
              }
              return write === undefined ? "committed" : vaultInBatch(batch, write)
            })()
            batch.run(outcome === "committed" ? "COMMIT" : "ROLLBACK")
            return outcome
          })
        }

        const oneStatement = (isPg || sqliteOneStatement) && given !== undefined && encoded.length > 0 && write !== null
        /** After a `Conflicted` statement (rolled back): which guard failed, as committed now. */
        const conflict = () =>
          Effect.gen(function* () {
            const actualVersion = yield* currentVersion(referralId)
            const expected = request.expectedLoad
            if (actualVersion === expectedVersion && expected !== undefined) {
              const actual = yield* index.activeClients(expected.linkWorkerId)
              return yield* new ReferralStore.LoadChanged({
                linkWorkerId: expected.linkWorkerId,
                expectedActiveClients: expected.activeClients,
                actualActiveClients: actual
              })
            }
            if (
              actualVersion === expectedVersion &&
              write?._tag === "PutSubject" &&
              write.expectedIdentity !== undefined
            ) {
              // the stream is where it was: the vault write's guard failed (the subject's entry changed since checked)
              return yield* new ReferralStore.SubjectChanged({ subjectId: write.subject.subjectId })
            }
            return yield* new ReferralStore.VersionConflict({ referralId, expectedVersion, actualVersion })
          })
        if (!isPg && direct !== undefined && given !== undefined && encoded.length > 0 && write !== null) {
          const batched = yield* sqliteBatch(direct, given, write).pipe(
            Effect.mapError((e) => storeFailure("append", e))
          )
          if (batched.ran) {
            const outcome = batched.value
            if (typeof outcome !== "string") return yield* undecodableSubject("append", outcome.undecodableSubject)
            switch (outcome) {
              case "committed":
                if (write !== undefined && (write._tag === "EraseReferral" || write._tag === "Erase")) {
                  // once committed, the WAL's copies of the erased values go too (`purge` retries)
                  yield* Effect.ignore(SqlVault.truncateWal(sql, "append"))
                }
                return { version: next }
              case "key-used":
                return yield* new ReferralStore.IdempotencyKeyUsed({ idempotencyKey: request.idempotencyKey })
              case "conflict":
                return yield* conflict()
              case "secure-delete":
                return yield* secureDeleteOff("append")
            }
          }
        }
        if (oneStatement && given !== undefined && write !== null) {
          // the one statement is the whole append
          yield* (isPg ? combined(given, write) : sqliteCombined(given, write)).pipe(
            Effect.catchTag("Conflicted", conflict)
          )
          return { version: next }
        }

        const transaction = Effect.gen(function* () {
          yield* oneByOne
          if (request.vault.length > 0) {
            yield* SqlVault.secureDelete(sql, "append")
            for (const write of request.vault) yield* applyVault(write)
            if (request.vault.some((w) => w._tag === "EraseReferral" || w._tag === "Erase")) {
              // SQLite: once committed, the WAL's copies of the erased values go too (`purge` retries)
              yield* sql.afterCommit(Effect.ignore(SqlVault.truncateWal(sql, "append")))
            }
          }
          return { version: next }
        })

        return yield* sql
          .withTransaction(transaction)
          .pipe(Effect.catchTag("SqlError", (e) => Effect.fail(storeFailure("append", e))))
      })

    const idempotency = (key: Ids.IdempotencyKey) =>
      Effect.gen(function* () {
        const found = yield* sql`SELECT idempotency_key, referral_id, fingerprint, from_version, to_version
          FROM idempotency_keys WHERE idempotency_key = ${key}`.pipe(
          Effect.mapError((e) => storeFailure("idempotency", e)),
          Effect.flatMap(rows(IdempotencyRow, "idempotency", "idempotency_keys"))
        )
        const row = found[0]
        if (row === undefined) return Option.none<ReferralStore.IdempotencyRecord>()
        const record = decodeIdempotency({
          idempotencyKey: row.idempotency_key,
          referralId: row.referral_id,
          fingerprint: row.fingerprint,
          fromVersion: row.from_version,
          toVersion: row.to_version
        })
        if (Result.isFailure(record)) {
          return yield* new ReferralStore.StoreFailure({ operation: "idempotency", detail: "unexpected row shape" })
        }
        return Option.some<ReferralStore.IdempotencyRecord>(record.success)
      })

    const referralIds = () =>
      sql`SELECT referral_id FROM referral_streams ORDER BY first_seq`.pipe(
        Effect.mapError((e) => storeFailure("referralIds", e)),
        Effect.flatMap(rows(IdRow, "referralIds", "referral_streams")),
        Effect.map((found) => found.map((r) => r.referral_id))
      )

    const subject = (subjectId: Ids.SubjectId) => Effect.map(readSubject(subjectId, "subject"), Option.fromUndefinedOr)

    const SubjectRows = Schema.Struct({ subject_id: Schema.String, data: Schema.String })
    // one query per chunk of ids (a view's page), not one per client
    const subjects = (subjectIds: ReadonlyArray<Ids.SubjectId>) =>
      Effect.gen(function* () {
        const out = new Map<Ids.SubjectId, PersonalData.SubjectData>()
        const unique = [...new Set(subjectIds)]
        for (let i = 0; i < unique.length; i += 500) {
          const chunk = unique.slice(i, i + 500)
          const found = yield* sql`SELECT subject_id, data${asText} AS data FROM subjects
            WHERE ${sql.in("subject_id", chunk)}`.pipe(
            Effect.mapError((e) => storeFailure("subjects", e)),
            Effect.flatMap(rows(SubjectRows, "subjects", "subjects"))
          )
          for (const row of found) {
            const decoded = decodeSubject(row.data)
            if (Result.isFailure(decoded)) {
              return yield* undecodableSubject("subjects", row.subject_id)
            }
            out.set(row.subject_id as Ids.SubjectId, decoded.success)
          }
        }
        return out as ReadonlyMap<Ids.SubjectId, PersonalData.SubjectData>
      })

    /**
     * The fingerprint secret: inserted at random unless a row is there (the first of racing instances wins),
     * then read back; cached once read.
     */
    let secret: Redacted.Redacted<string> | undefined
    const fingerprintSecret = (): Effect.Effect<Redacted.Redacted<string>, ReferralStore.StoreFailure> =>
      // the cache is looked at each time the effect runs (a caller may keep the effect, as ReferralService does)
      Effect.suspend(() =>
        secret !== undefined
          ? Effect.succeed(secret)
          : Effect.gen(function* () {
              const candidate = yield* ReferralStore.generateSecret
              yield* sql`INSERT INTO store_secrets (name, secret) VALUES ('fingerprint', ${candidate})
              ON CONFLICT (name) DO NOTHING`
              const found = yield* sql`SELECT secret FROM store_secrets WHERE name = 'fingerprint'`
              const row = found[0]
              if (row === undefined || typeof row.secret !== "string" || row.secret.length < 32) {
                return yield* new ReferralStore.StoreFailure({
                  operation: "fingerprintSecret",
                  detail: "unexpected row shape in store_secrets"
                })
              }
              secret = Redacted.make(row.secret)
              return secret
            }).pipe(Effect.catchTag("SqlError", (e) => Effect.fail(storeFailure("fingerprintSecret", e))))
      )

    const store = ReferralStore.ReferralStore.of({
      load,
      current,
      append,
      idempotency,
      referralIds,
      subject,
      subjects,
      fingerprintSecret
    })
    return { store, index }
  })

/**
 * Builds the store over the `SqlClient` in the context, running the
 * migrations first.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeWith = (
  options: Options = {}
): Effect.Effect<ReferralStore.Shape, ReferralStore.StoreFailure, SqlClient.SqlClient> =>
  Effect.map(makeWithIndex(options), (both) => both.store)

/**
 * Builds the store with the default codec.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<ReferralStore.Shape, ReferralStore.StoreFailure, SqlClient.SqlClient> = makeWith()

/**
 * The store over the `SqlClient` in the context, with options (runs the
 * migrations when built).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (
  options: Options = {}
): Layer.Layer<
  ReferralStore.ReferralStore | ReferralIndex.ReferralIndex,
  ReferralStore.StoreFailure,
  SqlClient.SqlClient
> =>
  Layer.effectContext(
    Effect.map(makeWithIndex(options), ({ store, index }) =>
      Context.make(ReferralStore.ReferralStore, store).pipe(Context.add(ReferralIndex.ReferralIndex, index))
    )
  )

/**
 * The store and its read side, `ReferralIndex` (`SqlReferralIndex`), over
 * the `SqlClient` in the context (runs the migrations when built).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<
  ReferralStore.ReferralStore | ReferralIndex.ReferralIndex,
  ReferralStore.StoreFailure,
  SqlClient.SqlClient
> = layerWith()
