/**
 * The `LinkWorkerRegistry` over `effect/sql`: the link workers (domain
 * specification §5) in the table `link_workers`, on SQLite and PostgreSQL
 * in one code base, so the registry survives a restart and is shared by
 * every instance on one database. The layer needs a `SqlClient` and runs the
 * migrations (`Migrations`) when built.
 *
 * One row per link worker: the id (`link_worker_id`, the primary key), the
 * entry as JSON (`jsonb` on PostgreSQL), checked against the `LinkWorker`
 * schema when written and again when read, and `seq`, the order in which
 * ids were first put, which `list` follows (a replaced or updated entry
 * keeps its place).
 *
 * - `put` is one upsert (`INSERT … ON CONFLICT (link_worker_id) DO UPDATE`):
 *   the whole entry is replaced.
 * - `update` reads, changes and writes the entry in one transaction; on
 *   PostgreSQL the read takes the row's lock (`FOR UPDATE`), so concurrent
 *   updates of one link worker run one after another and none is lost from
 *   any number of connections or instances. (On SQLite a transaction runs
 *   alone.)
 * - `layerWith({ seed })` adds entries when the registry has no entry with
 *   their id (`INSERT … ON CONFLICT DO NOTHING`, in one transaction): an
 *   entry already there, e.g. one changed through the API since, is kept.
 *
 * An entry that does not match the schema, or a database error, fails with
 * `LinkWorkerRegistryFailure` naming the operation and the kind of problem
 * only: never the entry's content, its id, or the driver's message.
 *
 * @example
 * ```ts
 * import { LinkWorkerRegistry } from "@lahete/core"
 * import { SqliteClient } from "@effect/sql-sqlite-node"
 * import { SqlLinkWorkerRegistry } from "@lahete/store-sql"
 * import { Effect, Layer } from "effect"
 *
 * const RegistryLive = SqlLinkWorkerRegistry.layer.pipe(
 *   Layer.provide(SqliteClient.layer({ filename: "lahete.db" }))
 * )
 *
 * const program = Effect.gen(function* () {
 *   const registry = yield* LinkWorkerRegistry.LinkWorkerRegistry
 *   return yield* registry.list()
 * }).pipe(Effect.provide(RegistryLive))
 * ```
 *
 * @since 0.1.0
 */
import { type Ids, LinkWorker, LinkWorkerRegistry } from "@lahete/core"
import { Effect, Layer, Option, Result, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import { json as sqlJson } from "./internal/sql.js"
import * as Migrations from "./Migrations.js"

type Worker = LinkWorker.LinkWorker

/**
 * Options of the SQL registry.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * Entries to add when the layer is built, each only when the registry has
   * no entry with its id (an entry already there is kept as it is). Added in
   * the order given; of two entries with one id, the later one counts. An
   * entry that does not match the schema fails the build and adds nothing.
   */
  readonly seed?: ReadonlyArray<Worker>
}

const failure = (operation: string, detail: string) =>
  new LinkWorkerRegistry.LinkWorkerRegistryFailure({ operation, detail })

/** A database error: the operation and the kind of error, never the driver's message (it may quote row values). */
const dbFailure = (operation: string) => (error: SqlError) =>
  failure(operation, `database error (${error.reason._tag})`)

const DataRow = Schema.Struct({ data: Schema.String })
const decodeRows = Schema.decodeUnknownResult(Schema.Array(DataRow))
const decodeStored = Schema.decodeUnknownResult(Schema.fromJsonString(LinkWorker.LinkWorker))
const encodeStored = Schema.encodeResult(Schema.fromJsonString(LinkWorker.LinkWorker))
const validateEntry = Schema.decodeUnknownResult(LinkWorker.LinkWorker)

/** Checks an entry against the schema (what a caller passes may not be what the types say) and encodes it. */
const encode = (
  operation: string,
  entry: unknown,
  what = "the entry"
): Result.Result<{ readonly worker: Worker; readonly json: string }, LinkWorkerRegistry.LinkWorkerRegistryFailure> => {
  const valid = validateEntry(entry)
  if (Result.isFailure(valid)) return Result.fail(failure(operation, `${what} does not match the LinkWorker schema`))
  const json = encodeStored(valid.success)
  if (Result.isFailure(json)) return Result.fail(failure(operation, `${what} cannot be encoded`))
  return Result.succeed({ worker: valid.success, json: json.success })
}

/** Decodes the rows read back; a row that does not match is a failure naming the table only. */
const decodeAll = (
  operation: string,
  raw: ReadonlyArray<unknown>
): Effect.Effect<ReadonlyArray<Worker>, LinkWorkerRegistry.LinkWorkerRegistryFailure> =>
  Effect.gen(function* () {
    const found = decodeRows(raw)
    if (Result.isFailure(found)) return yield* failure(operation, "unexpected row shape in link_workers")
    const workers: Array<Worker> = []
    for (const row of found.success) {
      const decoded = decodeStored(row.data)
      if (Result.isFailure(decoded)) {
        return yield* failure(operation, "a stored entry of link_workers does not match the LinkWorker schema")
      }
      workers.push(decoded.success)
    }
    return workers
  })

/**
 * Builds the registry over the `SqlClient` in the context, running the
 * migrations first, then adding the `seed` entries that are not there.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeWith = (
  options: Options = {}
): Effect.Effect<LinkWorkerRegistry.Shape, LinkWorkerRegistry.LinkWorkerRegistryFailure, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    // our queries name columns in snake_case: independent of the name transforms the client may have
    const sql = (yield* SqlClient.SqlClient).withoutTransforms()
    yield* Effect.mapError(Migrations.run, (e) =>
      failure(
        "migrate",
        e._tag === "MigrationError" ? `migration failed (${e.kind})` : `database error (${e.reason._tag})`
      )
    )
    /** JSON goes in as text (a cast to `jsonb` on PostgreSQL) and comes out as text. */
    const { isPg, toJson, asText } = sqlJson(sql)
    const now = sql.literal(isPg ? "now()" : "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')")
    const forUpdate = sql.literal(isPg ? "FOR UPDATE" : "")

    const readOne = (id: Ids.ActorId, operation: string, lock: boolean) =>
      sql`SELECT data${asText} AS data FROM link_workers WHERE link_worker_id = ${id} ${lock ? forUpdate : sql.literal("")}`.pipe(
        Effect.mapError(dbFailure(operation)),
        Effect.flatMap((raw) => decodeAll(operation, raw)),
        Effect.map((found) => Option.fromUndefinedOr(found[0]))
      )

    if (options.seed !== undefined && options.seed.length > 0) {
      // of two entries with one id the later counts, at the place of the first (as `LinkWorkerRegistry.makeMemory`)
      const entries = new Map<string, string>()
      for (const [i, entry] of options.seed.entries()) {
        const encoded = yield* Effect.fromResult(encode("seed", entry, `entry ${i + 1} of the seed`))
        entries.set(encoded.worker.id, encoded.json)
      }
      yield* sql
        .withTransaction(
          Effect.forEach(
            entries,
            ([id, json]) =>
              sql`INSERT INTO link_workers (link_worker_id, data) VALUES (${id}, ${json}${toJson})
              ON CONFLICT (link_worker_id) DO NOTHING`,
            { discard: true }
          )
        )
        .pipe(Effect.mapError(dbFailure("seed")))
    }

    const put = (input: Worker) =>
      Effect.gen(function* () {
        const { worker, json } = yield* Effect.fromResult(encode("put", input))
        yield* Effect.mapError(
          sql`INSERT INTO link_workers (link_worker_id, data) VALUES (${worker.id}, ${json}${toJson})
            ON CONFLICT (link_worker_id) DO UPDATE SET data = excluded.data, updated_at = ${now}`,
          dbFailure("put")
        )
      })

    const update = (id: Ids.ActorId, change: (worker: Worker) => Worker) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            const current = yield* readOne(id, "update", true)
            if (Option.isNone(current)) return Option.none<Worker>()
            const { worker, json } = yield* Effect.fromResult(encode("update", change(current.value), "the change"))
            if (worker.id !== id) return yield* failure("update", "the change altered the id")
            yield* Effect.mapError(
              sql`UPDATE link_workers SET data = ${json}${toJson}, updated_at = ${now} WHERE link_worker_id = ${id}`,
              dbFailure("update")
            )
            return Option.some(worker)
          })
        )
        .pipe(Effect.catchTag("SqlError", (e) => Effect.fail(dbFailure("update")(e))))

    const get = (id: Ids.ActorId) => readOne(id, "get", false)

    const list = () =>
      sql`SELECT data${asText} AS data FROM link_workers ORDER BY seq`.pipe(
        Effect.mapError(dbFailure("list")),
        Effect.flatMap((raw) => decodeAll("list", raw))
      )

    return LinkWorkerRegistry.LinkWorkerRegistry.of({ put, update, get, list })
  })

/**
 * Builds the registry with no seed entries.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<
  LinkWorkerRegistry.Shape,
  LinkWorkerRegistry.LinkWorkerRegistryFailure,
  SqlClient.SqlClient
> = makeWith()

/**
 * The registry over the `SqlClient` in the context, with options (runs the
 * migrations, then adds the `seed` entries that are not there, when built).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (
  options: Options = {}
): Layer.Layer<
  LinkWorkerRegistry.LinkWorkerRegistry,
  LinkWorkerRegistry.LinkWorkerRegistryFailure,
  SqlClient.SqlClient
> => Layer.effect(LinkWorkerRegistry.LinkWorkerRegistry, makeWith(options))

/**
 * The registry over the `SqlClient` in the context (runs the migrations when
 * built).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<
  LinkWorkerRegistry.LinkWorkerRegistry,
  LinkWorkerRegistry.LinkWorkerRegistryFailure,
  SqlClient.SqlClient
> = layerWith()
