/**
 * The `AuditLog` over `effect/sql`: the usage log (`usage_log`), the
 * disclosure log (`disclosure_log`) and refused attempts (`refusal_log`),
 * one column per field, in the order recorded. The layer needs a `SqlClient`
 * and runs the migrations (`Migrations`) when built.
 *
 * Entries are checked against their schemas before they are written; an
 * entry that does not match, or a database error, fails with
 * `AuditLogFailure` naming the operation only, never the entry's content.
 *
 * @example
 * ```ts
 * import { AuditLog } from "@lahete/core"
 * import { SqliteClient } from "@effect/sql-sqlite-node"
 * import { SqlAuditLog } from "@lahete/store-sql"
 * import { Effect, Layer } from "effect"
 *
 * const AuditLive = SqlAuditLog.layer.pipe(Layer.provide(SqliteClient.layer({ filename: "lahete.db" })))
 *
 * const program = Effect.gen(function* () {
 *   const audit = yield* AuditLog.AuditLog
 *   return yield* audit.refusals()
 * }).pipe(Effect.provide(AuditLive))
 * ```
 *
 * @since 0.1.0
 */
import { AuditLog } from "@lahete/core"
import { Effect, Layer, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import * as Migrations from "./Migrations.js"

const failure = (operation: string, detail: string) => new AuditLog.AuditLogFailure({ operation, detail })
const dbFailure = (operation: string) => (error: SqlError) =>
  failure(operation, `database error (${error.reason._tag})`)

/** An optional column: SQL `NULL` for an absent key. */
const Nullable = <S extends Schema.Top>(schema: S) => Schema.NullOr(schema)

const UsageRow = Schema.Struct({
  at: Schema.String,
  actor_id: Schema.String,
  role: Schema.String,
  organisation: Schema.String,
  subject_id: Schema.String,
  referral_id: Nullable(Schema.String),
  what: Schema.String,
  purpose: Schema.String
})

const DisclosureRow = Schema.Struct({
  at: Schema.String,
  subject_id: Schema.String,
  referral_id: Nullable(Schema.String),
  recipient_id: Schema.String,
  recipient_organisation: Schema.String,
  what: Schema.String,
  legal_basis: Schema.String
})

const RefusalRow = Schema.Struct({
  at: Schema.String,
  actor_id: Schema.String,
  role: Schema.String,
  organisation: Schema.String,
  referral_id: Nullable(Schema.String),
  action: Schema.String,
  reason: Schema.String
})

/** `referralId` only when the column is not `NULL`. */
const referral = (id: string | null) => (id === null ? {} : { referralId: id })

/** Checks an entry against its schema (what a caller passes may not be what the types say). */
const check = <S extends Schema.Codec<unknown, unknown>>(schema: S, operation: string, entry: unknown) =>
  Effect.mapError(Effect.fromResult(Schema.decodeUnknownResult(schema)(entry)), () =>
    failure(operation, "the entry does not match the schema")
  )

/** Decodes rows read back into entries; a row that does not match is a failure naming the table only. */
const decodeAll = <A>(schema: Schema.Codec<A, unknown>, operation: string, table: string, raw: unknown) =>
  Effect.mapError(Effect.fromResult(Schema.decodeUnknownResult(Schema.Array(schema))(raw)), () =>
    failure(operation, `unexpected row in ${table}`)
  )

/**
 * Builds the audit log over the `SqlClient` in the context, running the
 * migrations first.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<AuditLog.Shape, AuditLog.AuditLogFailure, SqlClient.SqlClient> = Effect.gen(
  function* () {
    // our queries name columns in snake_case: independent of the name transforms the client may have
    const sql = (yield* SqlClient.SqlClient).withoutTransforms()
    yield* Effect.mapError(Migrations.run, (e) =>
      failure(
        "migrate",
        e._tag === "MigrationError" ? `migration failed (${e.kind})` : `database error (${e.reason._tag})`
      )
    )

    const recordUsage = (input: AuditLog.UsageEntry) =>
      Effect.gen(function* () {
        const e = yield* check(AuditLog.UsageEntry, "recordUsage", input)
        yield* Effect.mapError(
          sql`INSERT INTO usage_log (at, actor_id, role, organisation, subject_id, referral_id, what, purpose)
            VALUES (${e.at}, ${e.actorId}, ${e.role}, ${e.organisation}, ${e.subjectId}, ${e.referralId ?? null},
              ${e.what}, ${e.purpose})`,
          dbFailure("recordUsage")
        )
      })

    const recordUsages = (inputs: ReadonlyArray<AuditLog.UsageEntry>) =>
      Effect.gen(function* () {
        if (inputs.length === 0) return
        const entries = yield* Effect.forEach(inputs, (input) => check(AuditLog.UsageEntry, "recordUsages", input))
        // one multi-row INSERT per chunk (a view's page is at most 500 rows; 8 columns each)
        for (let i = 0; i < entries.length; i += 1000) {
          const chunk = entries.slice(i, i + 1000).map((e) => ({
            at: e.at,
            actor_id: e.actorId,
            role: e.role,
            organisation: e.organisation,
            subject_id: e.subjectId,
            referral_id: e.referralId ?? null,
            what: e.what,
            purpose: e.purpose
          }))
          const [first, ...rest] = chunk
          if (first === undefined) continue
          yield* Effect.mapError(sql`INSERT INTO usage_log ${sql.insert([first, ...rest])}`, dbFailure("recordUsages"))
        }
      })

    const recordDisclosure = (input: AuditLog.DisclosureEntry) =>
      Effect.gen(function* () {
        const e = yield* check(AuditLog.DisclosureEntry, "recordDisclosure", input)
        yield* Effect.mapError(
          sql`INSERT INTO disclosure_log
              (at, subject_id, referral_id, recipient_id, recipient_organisation, what, legal_basis)
            VALUES (${e.at}, ${e.subjectId}, ${e.referralId ?? null}, ${e.recipientId}, ${e.recipientOrganisation},
              ${e.what}, ${e.legalBasis})`,
          dbFailure("recordDisclosure")
        )
      })

    const recordRefusal = (input: AuditLog.RefusalEntry) =>
      Effect.gen(function* () {
        const e = yield* check(AuditLog.RefusalEntry, "recordRefusal", input)
        yield* Effect.mapError(
          sql`INSERT INTO refusal_log (at, actor_id, role, organisation, referral_id, action, reason)
            VALUES (${e.at}, ${e.actorId}, ${e.role}, ${e.organisation}, ${e.referralId ?? null}, ${e.action},
              ${e.reason})`,
          dbFailure("recordRefusal")
        )
      })

    const forSubject = (subjectId: AuditLog.UsageEntry["subjectId"]) =>
      Effect.gen(function* () {
        const usageRows = yield* sql`SELECT at, actor_id, role, organisation, subject_id, referral_id, what, purpose
          FROM usage_log WHERE subject_id = ${subjectId} ORDER BY seq`.pipe(
          Effect.mapError(dbFailure("forSubject")),
          Effect.flatMap((raw) => decodeAll(UsageRow, "forSubject", "usage_log", raw))
        )
        const disclosureRows = yield* sql`SELECT at, subject_id, referral_id, recipient_id, recipient_organisation,
            what, legal_basis
          FROM disclosure_log WHERE subject_id = ${subjectId} ORDER BY seq`.pipe(
          Effect.mapError(dbFailure("forSubject")),
          Effect.flatMap((raw) => decodeAll(DisclosureRow, "forSubject", "disclosure_log", raw))
        )
        const usage = yield* decodeAll(
          AuditLog.UsageEntry,
          "forSubject",
          "usage_log",
          usageRows.map((r) => ({
            at: r.at,
            actorId: r.actor_id,
            role: r.role,
            organisation: r.organisation,
            subjectId: r.subject_id,
            ...referral(r.referral_id),
            what: r.what,
            purpose: r.purpose
          }))
        )
        const disclosures = yield* decodeAll(
          AuditLog.DisclosureEntry,
          "forSubject",
          "disclosure_log",
          disclosureRows.map((r) => ({
            at: r.at,
            subjectId: r.subject_id,
            ...referral(r.referral_id),
            recipientId: r.recipient_id,
            recipientOrganisation: r.recipient_organisation,
            what: r.what,
            legalBasis: r.legal_basis
          }))
        )
        return { usage, disclosures }
      })

    const refusals = () =>
      Effect.gen(function* () {
        const found = yield* sql`SELECT at, actor_id, role, organisation, referral_id, action, reason
          FROM refusal_log ORDER BY seq`.pipe(
          Effect.mapError(dbFailure("refusals")),
          Effect.flatMap((raw) => decodeAll(RefusalRow, "refusals", "refusal_log", raw))
        )
        return yield* decodeAll(
          AuditLog.RefusalEntry,
          "refusals",
          "refusal_log",
          found.map((r) => ({
            at: r.at,
            actorId: r.actor_id,
            role: r.role,
            organisation: r.organisation,
            ...referral(r.referral_id),
            action: r.action,
            reason: r.reason
          }))
        )
      })

    return AuditLog.AuditLog.of({ recordUsage, recordUsages, recordDisclosure, recordRefusal, forSubject, refusals })
  }
)

/**
 * The audit log over the `SqlClient` in the context (runs the migrations
 * when built).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<AuditLog.AuditLog, AuditLog.AuditLogFailure, SqlClient.SqlClient> = Layer.effect(
  AuditLog.AuditLog,
  make
)
