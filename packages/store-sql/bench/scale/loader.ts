/**
 * The scale benchmark's bulk loader: writes a county's histories
 * (`county.ts`) into the SQL store's tables directly, in big multi-row
 * statements, one transaction per chunk, producing the rows
 * `ReferralService` over `SqlReferralStore` would have written had every
 * command gone through it (`test/ScaleLoader.test.ts` checks that, so the
 * fast path cannot drift from the store):
 *
 * - `referral_streams`, one row per referral in load order, and
 *   `referral_events`, encoded with `ReferralEvent.codec` as the store's
 *   append encodes them;
 * - `idempotency_keys`, one per command, with the fingerprint
 *   `ReferralService.fingerprintOf` gives (the service's own function,
 *   synchronous);
 * - `referral_projection` through the store's own row writer
 *   (`SqlProjections.write`) with the folded state and the next deadline
 *   the service computes (`Deadlines.nextDueAt`), and the outbox through
 *   the store's own `SqlOutbox.enqueue` for each command's events;
 * - the vault (`subjects`): each subject's entry after every write the
 *   commands made (`PersonalData.vaultWrite`, `PersonalData.apply`).
 *
 * `settleOutbox` then marks sent the messages whose outcome the histories
 * record (what the dispatcher leaves behind). The audit logs stay empty.
 * The plans are referral events like any other (their `whatMatters`, the
 * client's words, through the vault write of `RecordPlan`).
 *
 * `loadDirectory` writes the county's directory through the store's own
 * writer (`SqlDirectoryStore`, what `PUT /directory` runs): the first
 * versions, then the changes as next versions.
 */
import {
  Deadlines,
  type DirectoryStore,
  type Instant,
  PersonalData,
  type Referral,
  type ReferralCommand,
  ReferralEvent,
  ReferralService,
  ReferralStore
} from "@lahete/core"
import { Migrations, SqlDirectoryStore, SqlOutbox, SqlProjections } from "@lahete/store-sql"
import { Effect, Redacted } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import { type CountyDirectory, catalog, type History } from "./county.js"

/** Rows per multi-row statement (well under SQLite's 32,766 and PostgreSQL's 65,535 parameters). */
const rowsPerStatement = 1_000

const inGroups = <A>(items: ReadonlyArray<A>, size: number): ReadonlyArray<ReadonlyArray<A>> => {
  const out: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** The store's tables (the migrations), on the client in the context. */
export const migrate = Effect.asVoid(Migrations.run)

/** What a chunk's load wrote. */
export interface Loaded {
  readonly referrals: number
  readonly events: number
  readonly commands: number
  readonly subjects: number
  /** The outbox entries whose message the histories record as sent. */
  readonly sent: ReadonlyArray<string>
}

/**
 * Writes the histories (a chunk of a county, in load order; a subject's
 * referrals all in the same chunk) in one transaction.
 */
export const load = (
  histories: ReadonlyArray<History>,
  options: { readonly secret?: string } = {}
): Effect.Effect<Loaded, SqlError | Error, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = (yield* SqlClient.SqlClient).withoutTransforms()
    // the store's fingerprint secret (as `SqlReferralStore` makes it on first use), so the keys are the service's
    const candidate = options.secret ?? (yield* ReferralStore.generateSecret)
    yield* sql`INSERT INTO store_secrets (name, secret) VALUES ('fingerprint', ${candidate})
      ON CONFLICT (name) DO NOTHING`
    const [stored] = yield* sql<{ secret: string }>`SELECT secret FROM store_secrets WHERE name = 'fingerprint'`
    const secret = stored?.secret ?? candidate
    const isPg = sql.onDialectOrElse({ pg: () => true, orElse: () => false })
    const toJson = sql.literal(isPg ? "::jsonb" : "")

    const streams: Array<{ referralId: string; version: number }> = []
    const events: Array<{ referralId: string; version: number; type: string; schema: number; json: string }> = []
    const keys: Array<{
      key: string
      referralId: string
      command: ReferralCommand.ReferralCommand
      from: number
      to: number
    }> = []
    const subjects = new Map<string, PersonalData.SubjectData | undefined>()
    const sent: Array<string> = []
    for (const h of histories) {
      let version = 0
      for (const step of h.steps) {
        keys.push({
          key: step.command.idempotencyKey,
          referralId: h.referralId,
          command: step.command,
          from: version,
          to: version + step.events.length
        })
        for (const event of step.events) {
          const stored = ReferralEvent.codec.encode(event)
          version++
          events.push({
            referralId: h.referralId,
            version,
            type: stored.type,
            schema: stored.version,
            json: JSON.stringify(stored.data)
          })
        }
        const write = PersonalData.vaultWrite(step.command, step.before.subjectId)
        if (write !== undefined) {
          const subjectId = write._tag === "PutSubject" ? write.subject.subjectId : write.subjectId
          subjects.set(subjectId, PersonalData.apply(subjects.get(subjectId), write))
        }
        if (step.command._tag === "RecordMessageOutcome" && step.command.outcome === "sent") {
          sent.push(step.command.messageId)
        }
      }
      if (version > 0) streams.push({ referralId: h.referralId, version })
    }
    const fingerprints = keys.map((k) => ReferralService.fingerprintOf(k.command, Redacted.make(secret)))

    const write = Effect.gen(function* () {
      for (const group of inGroups(streams, rowsPerStatement)) {
        yield* sql`INSERT INTO referral_streams (referral_id, version) VALUES ${sql.csv(
          group.map((s) => sql`(${s.referralId}, ${s.version})`)
        )}`
      }
      for (const group of inGroups(events, rowsPerStatement)) {
        yield* sql`INSERT INTO referral_events (referral_id, version, type, schema_version, data) VALUES ${sql.csv(
          group.map((e) => sql`(${e.referralId}, ${e.version}, ${e.type}, ${e.schema}, ${e.json}${toJson})`)
        )}`
      }
      const withPrints = keys.map((k, i) => ({ ...k, fingerprint: fingerprints[i] as string }))
      for (const group of inGroups(withPrints, rowsPerStatement)) {
        yield* sql`INSERT INTO idempotency_keys (idempotency_key, referral_id, fingerprint, from_version, to_version)
          VALUES ${sql.csv(group.map((k) => sql`(${k.key}, ${k.referralId}, ${k.fingerprint}, ${k.from}, ${k.to})`))}`
      }
      for (const h of histories) {
        if (h.steps.length === 0) continue
        yield* SqlProjections.write(sql, h.referralId, h.state, "bench-load", nextDueAt(h.state))
        for (const step of h.steps) {
          if (step.events.length > 0) yield* SqlOutbox.enqueue(sql, step.events, step.after, "bench-load")
        }
      }
      const kept = [...subjects].flatMap(([subjectId, data]) => (data === undefined ? [] : [{ subjectId, data }]))
      for (const group of inGroups(kept, rowsPerStatement)) {
        yield* sql`INSERT INTO subjects (subject_id, data) VALUES ${sql.csv(
          group.map((s) => sql`(${s.subjectId}, ${JSON.stringify(s.data)}${toJson})`)
        )}`
      }
    })
    yield* sql.withTransaction(write)
    return {
      referrals: streams.length,
      events: events.length,
      commands: keys.length,
      subjects: kept(subjects),
      sent
    }
  })

/**
 * Writes the county's directory as coordinators would (`PUT /directory`,
 * i.e. `DirectoryStore.put` over `SqlDirectoryStore`): the first versions,
 * then the changes as their next versions.
 */
export const loadDirectory = (
  county: CountyDirectory
): Effect.Effect<DirectoryStore.Written, DirectoryStore.DirectoryStoreError, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const store = yield* SqlDirectoryStore.make
    const first = yield* store.put(county.first)
    const changed = yield* store.put(county.changes)
    return {
      organisations: [...first.organisations, ...changed.organisations],
      activities: [...first.activities, ...changed.activities]
    }
  })

/** The next deadline the service hands the store with an append (`ReferralService`: from the programme). */
const nextDueAt = (state: Referral.ReferralState): Instant.Instant | null | undefined => {
  if (state.programme === undefined) return null
  const programme = catalog.get(state.programme.id, state.programme.version)
  return programme === undefined ? undefined : (Deadlines.nextDueAt(state, programme) ?? null)
}

const kept = (subjects: ReadonlyMap<string, unknown>) => [...subjects.values()].filter((s) => s !== undefined).length

/**
 * Marks the outbox entries `ids` sent at their `not_before` (one attempt, a
 * provider id): what the dispatcher leaves behind for a message whose
 * `MessageSent` the history records.
 */
export const settleOutbox = (ids: ReadonlyArray<string>): Effect.Effect<void, SqlError, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = (yield* SqlClient.SqlClient).withoutTransforms()
    for (const group of inGroups(ids, rowsPerStatement)) {
      yield* sql`UPDATE outbox SET status = 'sent', attempts = attempts + 1, provider_id = 'bench-provider',
        finished_at = not_before WHERE status = 'pending' AND ${sql.in("id", group)}`
    }
  })

/** The tables a load writes, in the order they are copied, with the column that orders their rows. */
const tables: ReadonlyArray<{ readonly name: string; readonly key: string; readonly order: string }> = [
  { name: "referral_streams", key: "referral_id", order: "first_seq" },
  { name: "referral_events", key: "referral_id", order: "referral_id, version" },
  { name: "idempotency_keys", key: "referral_id", order: "idempotency_key" },
  { name: "referral_projection", key: "referral_id", order: "referral_id" },
  { name: "outbox", key: "referral_id", order: "id" }
]

/** Columns a database numbers itself (identity, autoincrement): left out of a copy. */
const generated = new Set(["first_seq", "seq"])

/**
 * Copies the rows a load of `histories` wrote into `from` (SQLite, where
 * the store's own writers wrote them) to the database in the context
 * (PostgreSQL), in multi-row statements, one transaction: the same rows,
 * with each value cast to its column's type there. Thousands of
 * single-row statements (one projection row per referral, one outbox insert
 * per message) cost a round trip each on PostgreSQL; a copy costs one per
 * thousand rows.
 */
export const copy = (
  from: SqlClient.SqlClient,
  histories: ReadonlyArray<History>
): Effect.Effect<void, SqlError, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const source = from.withoutTransforms()
    const sql = (yield* SqlClient.SqlClient).withoutTransforms()
    const types = new Map<string, string>()
    const isPg = sql.onDialectOrElse({ pg: () => true, orElse: () => false })
    if (isPg) {
      const columns = yield* sql<{
        table_name: string
        column_name: string
        udt_name: string
      }>`SELECT table_name, column_name, udt_name FROM information_schema.columns WHERE table_schema = current_schema()`
      for (const c of columns) types.set(`${c.table_name}.${c.column_name}`, c.udt_name)
    }
    const ids = histories.filter((h) => h.steps.length > 0).map((h) => h.referralId)
    const subjectIds = [...new Set(histories.map((h) => h.subjectId))]
    const write = Effect.gen(function* () {
      const copyRows = (table: string, rows: ReadonlyArray<Record<string, unknown>>) =>
        Effect.gen(function* () {
          const first = rows[0]
          if (first === undefined) return
          const names = Object.keys(first).filter((c) => !generated.has(c))
          const cast = names.map((c) => {
            const type = types.get(`${table}.${c}`)
            return sql.literal(type === undefined ? "" : `::${type}`)
          })
          for (const group of inGroups(rows, rowsPerStatement)) {
            const values = group.map(
              (row) => sql`(${sql.csv(names.map((c, i) => sql`${row[c] as string | number | null}${cast[i]}`))})`
            )
            yield* sql`INSERT INTO ${sql.literal(table)} (${sql.literal(names.join(", "))}) VALUES ${sql.csv(values)}`
          }
        })
      for (const t of tables) {
        for (const group of inGroups(ids, rowsPerStatement)) {
          const rows = yield* source<Record<string, unknown>>`SELECT * FROM ${source.literal(t.name)}
            WHERE ${source.in(t.key, group)} ORDER BY ${source.literal(t.order)}`
          yield* copyRows(t.name, rows)
        }
      }
      // the secret once (the first chunk's copy), not again with every chunk
      const present = new Set((yield* sql<{ name: string }>`SELECT name FROM store_secrets`).map((r) => r.name))
      const secrets = yield* source<Record<string, unknown>>`SELECT name, secret FROM store_secrets`
      yield* copyRows(
        "store_secrets",
        secrets.filter((r) => !present.has(r.name as string))
      )
      for (const group of inGroups(subjectIds, rowsPerStatement)) {
        const rows = yield* source<Record<string, unknown>>`SELECT * FROM subjects
          WHERE ${source.in("subject_id", group)} ORDER BY subject_id`
        yield* copyRows("subjects", rows)
      }
    })
    yield* sql.withTransaction(write)
  })
