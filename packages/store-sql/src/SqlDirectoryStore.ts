/**
 * The directory store over `effect/sql` (SQLite and PostgreSQL): every
 * version of each organisation and activity in `directory_organisations`
 * and `directory_activities` (migration `0013_community_directory`), the
 * current one flagged `is_current`. A `put` runs in one transaction: it
 * reads the current versions it changes, writes the next versions and moves
 * the flag; two coordinators changing one entry at once cannot both write
 * its next version (the primary key refuses the second, which fails and
 * writes nothing). Pages of current entries read along partial indexes, by
 * id after an opaque keyset cursor, `LIMIT` one more than the page (the
 * active ones along their own partial indexes, migration
 * `0014_directory_active_pages`, so inactive activities are never read past);
 * the activities of a page of organisations along the organisation index.
 * No personal data is stored here.
 *
 * @since 0.3.0
 */
import { Directory, DirectoryStore } from "@lahete/core"
import { Effect, Layer, Option, Result, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import { json as sqlJson } from "./internal/sql.js"
import * as Migrations from "./Migrations.js"

const failure = (operation: string, detail: string) => new DirectoryStore.DirectoryStoreFailure({ operation, detail })

const dbFailure = (operation: string) => (error: SqlError) =>
  failure(operation, `database error (${error.reason._tag})`)

const DataRow = Schema.Struct({ data: Schema.String })
const decodeRows = Schema.decodeUnknownResult(Schema.Array(DataRow))
const decodeActivity = Schema.decodeUnknownResult(Schema.fromJsonString(Directory.Activity))
const decodeOrganisation = Schema.decodeUnknownResult(Schema.fromJsonString(Directory.Organisation))
const encodeActivity = Schema.encodeSync(Schema.fromJsonString(Directory.Activity))
const encodeOrganisation = Schema.encodeSync(Schema.fromJsonString(Directory.Organisation))

const decodeAll = <A>(
  operation: string,
  table: string,
  decode: (s: string) => Result.Result<A, unknown>,
  raw: ReadonlyArray<unknown>
): Effect.Effect<ReadonlyArray<A>, DirectoryStore.DirectoryStoreFailure> => {
  const found = decodeRows(raw)
  if (Result.isFailure(found)) return Effect.fail(failure(operation, `unexpected row shape in ${table}`))
  const out: Array<A> = []
  for (const row of found.success) {
    const decoded = decode(row.data)
    if (Result.isFailure(decoded)) return Effect.fail(failure(operation, `a stored entry of ${table} does not decode`))
    out.push(decoded.success)
  }
  return Effect.succeed(out)
}

/**
 * Builds the store over the `SqlClient` in the context (runs the migrations).
 *
 * @since 0.3.0
 * @category constructors
 */
export const make: Effect.Effect<DirectoryStore.Shape, DirectoryStore.DirectoryStoreFailure, SqlClient.SqlClient> =
  Effect.gen(function* () {
    const sql = (yield* SqlClient.SqlClient).withoutTransforms()
    yield* Effect.mapError(Migrations.run, (e) =>
      failure(
        "migrate",
        e._tag === "MigrationError" ? `migration failed (${e.kind})` : `database error (${e.reason._tag})`
      )
    )
    const { toJson, asText } = sqlJson(sql)

    const activityAt = (operation: string, id: string, version?: number) =>
      (version === undefined
        ? sql`SELECT data${asText} AS data FROM directory_activities WHERE activity_id = ${id} AND is_current = 1`
        : sql`SELECT data${asText} AS data FROM directory_activities WHERE activity_id = ${id} AND version = ${version}`
      ).pipe(
        Effect.mapError(dbFailure(operation)),
        Effect.flatMap((raw) => decodeAll(operation, "directory_activities", decodeActivity, raw)),
        Effect.map((found) => Option.fromUndefinedOr(found[0]))
      )

    const organisationAt = (operation: string, id: string, version?: number) =>
      (version === undefined
        ? sql`SELECT data${asText} AS data FROM directory_organisations
            WHERE organisation_id = ${id} AND is_current = 1`
        : sql`SELECT data${asText} AS data FROM directory_organisations
            WHERE organisation_id = ${id} AND version = ${version}`
      ).pipe(
        Effect.mapError(dbFailure(operation)),
        Effect.flatMap((raw) => decodeAll(operation, "directory_organisations", decodeOrganisation, raw)),
        Effect.map((found) => Option.fromUndefinedOr(found[0]))
      )

    const put = (changes: DirectoryStore.Changes) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            // the current versions the changes touch, and the organisations the activities name
            const orgIds = new Set([
              ...(changes.organisations ?? []).map((o) => o.id as string),
              ...(changes.activities ?? []).map((a) => a.organisationId as string)
            ])
            const organisations = new Map<string, Directory.Organisation>()
            for (const id of orgIds) {
              const found = yield* organisationAt("put", id)
              if (Option.isSome(found)) organisations.set(id, found.value)
            }
            const activities = new Map<string, Directory.Activity>()
            for (const a of changes.activities ?? []) {
              const found = yield* activityAt("put", a.id)
              if (Option.isSome(found)) activities.set(a.id, found.value)
            }
            const written = yield* Effect.fromResult(
              DirectoryStore.versionsToWrite(changes, {
                organisation: (id) => organisations.get(id),
                activity: (id) => activities.get(id)
              })
            )
            for (const o of written.organisations) {
              yield* sql`UPDATE directory_organisations SET is_current = 0
                WHERE organisation_id = ${o.id} AND is_current = 1`.pipe(Effect.mapError(dbFailure("put")))
              yield* sql`INSERT INTO directory_organisations (organisation_id, version, is_current, data)
                VALUES (${o.id}, ${o.version}, 1, ${encodeOrganisation(o)}${toJson})`.pipe(
                Effect.mapError(dbFailure("put"))
              )
            }
            for (const a of written.activities) {
              yield* sql`UPDATE directory_activities SET is_current = 0
                WHERE activity_id = ${a.id} AND is_current = 1`.pipe(Effect.mapError(dbFailure("put")))
              yield* sql`INSERT INTO directory_activities
                (activity_id, version, organisation_id, area, status, is_current, data)
                VALUES (${a.id}, ${a.version}, ${a.organisationId}, ${a.area}, ${a.status}, 1,
                  ${encodeActivity(a)}${toJson})`.pipe(Effect.mapError(dbFailure("put")))
            }
            return written
          })
        )
        .pipe(Effect.catchTag("SqlError", (e) => Effect.fail(dbFailure("put")(e))))

    const activities = (filter: DirectoryStore.ActivityFilter, request: DirectoryStore.PageRequest) =>
      Effect.gen(function* () {
        const after = yield* DirectoryStore.afterOf("activities", request)
        const limit = DirectoryStore.clampLimit(request.limit)
        const where = [
          sql`is_current = 1`,
          ...(filter.area === undefined ? [] : [sql`area = ${filter.area}`]),
          ...(filter.organisationId === undefined ? [] : [sql`organisation_id = ${filter.organisationId}`]),
          ...(filter.activeOnly === true ? [sql`status = 'active'`] : []),
          ...(after === undefined ? [] : [sql`activity_id > ${after}`])
        ]
        const raw = yield* sql`SELECT data${asText} AS data FROM directory_activities WHERE ${sql.and(where)}
          ORDER BY activity_id LIMIT ${limit + 1}`.pipe(Effect.mapError(dbFailure("activities")))
        const found = yield* decodeAll("activities", "directory_activities", decodeActivity, raw)
        return DirectoryStore.pageFrom("activities", found, limit)
      })

    const organisations = (request: DirectoryStore.PageRequest) =>
      Effect.gen(function* () {
        const after = yield* DirectoryStore.afterOf("organisations", request)
        const limit = DirectoryStore.clampLimit(request.limit)
        const where = [sql`is_current = 1`, ...(after === undefined ? [] : [sql`organisation_id > ${after}`])]
        const raw = yield* sql`SELECT data${asText} AS data FROM directory_organisations WHERE ${sql.and(where)}
          ORDER BY organisation_id LIMIT ${limit + 1}`.pipe(Effect.mapError(dbFailure("organisations")))
        const found = yield* decodeAll("organisations", "directory_organisations", decodeOrganisation, raw)
        return DirectoryStore.pageFrom("organisations", found, limit)
      })

    const activitiesOf = (organisationIds: ReadonlyArray<string>) => {
      const ids = [...new Set(organisationIds)]
      return ids.length === 0
        ? Effect.succeed([])
        : sql`SELECT data${asText} AS data FROM directory_activities
            WHERE is_current = 1 AND ${sql.in("organisation_id", ids)}
            ORDER BY organisation_id, activity_id`.pipe(
            Effect.mapError(dbFailure("activitiesOf")),
            Effect.flatMap((raw) => decodeAll("activitiesOf", "directory_activities", decodeActivity, raw))
          )
    }

    return DirectoryStore.DirectoryStore.of({
      put,
      activity: (id, version) => activityAt("activity", id, version),
      organisation: (id, version) => organisationAt("organisation", id, version),
      activities,
      organisations,
      activitiesOf
    })
  })

/**
 * The store over the `SqlClient` in the context (runs the migrations when
 * built).
 *
 * @since 0.3.0
 * @category layers
 */
export const layer: Layer.Layer<
  DirectoryStore.DirectoryStore,
  DirectoryStore.DirectoryStoreFailure,
  SqlClient.SqlClient
> = Layer.effect(DirectoryStore.DirectoryStore, make)
