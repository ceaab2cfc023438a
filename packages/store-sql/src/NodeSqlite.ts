/**
 * lahete's SQLite client over Node's built-in `node:sqlite`: the same client
 * as `@effect/sql-sqlite-node`'s `SqliteClient` (one connection shared
 * through a semaphore, WAL, a busy timeout, `BEGIN IMMEDIATE` transactions,
 * prepared statements cached, errors classified alike), provided as
 * `SqlClient` and as `SqliteClient` (for `backup`), with one addition: the
 * store can run a whole append as one synchronous batch on the connection
 * (`BEGIN IMMEDIATE`, the statements the command needs, each guard checked
 * as it runs, `COMMIT`; `ROLLBACK` on a failed guard or a throw) instead of
 * through `effect/sql`, outside a transaction of the caller's. That is what
 * `SqliteReferralStack.layer` uses. The store works on any `SqlClient`; on
 * another SQLite client (and inside a caller's transaction) the append is
 * the trigger's one statement through `effect/sql`. Settings it does not
 * take are an error naming them.
 *
 * The client's code follows `@effect/sql-sqlite-node` 4.1 (MIT, Effectful
 * Technologies Inc.), whose `make` does not give access to its
 * `DatabaseSync`.
 *
 * @example
 * ```ts
 * import { NodeSqlite } from "@lahete/store-sql/sqlite"
 * import { SqlReferralStack } from "@lahete/store-sql"
 * import { Layer } from "effect"
 *
 * const Live = SqlReferralStack.layer({}).pipe(Layer.provideMerge(NodeSqlite.layer({ filename: "lahete.db" })))
 * ```
 *
 * @since 0.3.0
 */
import { backup as backupDatabase, DatabaseSync, type StatementSync } from "node:sqlite"
import { SqliteClient } from "@effect/sql-sqlite-node"
import type { Scope } from "effect"
import { Cache, Clock, Context, Duration, Effect, Exit, Layer, Option, Schedule, Semaphore, Stream } from "effect"
import * as Reactivity from "effect/reactivity/Reactivity"
import * as Client from "effect/sql/SqlClient"
import type * as SqlConnection from "effect/sql/SqlConnection"
import { ConnectionError, classifySqliteError, SqlError, UnknownError } from "effect/sql/SqlError"
import * as Statement from "effect/sql/Statement"
import { type Batch, DirectObserver, type DirectResult, type Params, registerDirect } from "./internal/direct.js"

/**
 * The client's options: those of `@effect/sql-sqlite-node`'s client. A
 * setting it does not take (a misspelt one, say) fails the client with a
 * `SqlError` naming it, instead of being ignored.
 *
 * @since 0.3.0
 * @category models
 */
export type Config = SqliteClient.SqliteClientConfig

/** The settings the client takes (`@effect/sql-sqlite-node`'s `SqliteClientConfig`). */
const settings: ReadonlySet<string> = new Set<keyof Config>([
  "filename",
  "readonly",
  "prepareCacheSize",
  "prepareCacheTTL",
  "disableWAL",
  "busyTimeout",
  "spanAttributes",
  "transformResultNames",
  "transformQueryNames"
])

/** A setting the client does not take, or a `filename` that is not a string: a typed error naming it. */
const invalidConfig = (options: Config): SqlError | undefined => {
  const unknown = Object.keys(options).filter((key) => !settings.has(key))
  const message =
    unknown.length > 0
      ? `unknown setting${unknown.length > 1 ? "s" : ""} ${unknown.map((key) => JSON.stringify(key)).join(", ")} for the SQLite client (it takes ${[...settings].join(", ")})`
      : typeof options.filename !== "string" || options.filename === ""
        ? `the SQLite client's "filename" must be a file name or ":memory:"`
        : undefined
  return message === undefined
    ? undefined
    : new SqlError({ reason: new UnknownError({ cause: undefined, message, operation: "configure" }) })
}

const MAX_BUSY_TIMEOUT = 2_147_483_647
const NANOS_PER_MILLI = BigInt(1_000_000)

const withErrno = (cause: unknown): unknown => {
  if (typeof cause !== "object" || cause === null || !("errcode" in cause) || "errno" in cause) return cause
  const errcode = (cause as { readonly errcode: unknown }).errcode
  return typeof errcode === "number" ? Object.assign(cause, { errno: errcode }) : cause
}

const classify = (cause: unknown, message: string, operation: string) =>
  classifySqliteError(withErrno(cause), { message, operation })

const setLoadExtensionEnabled = (db: DatabaseSync, enabled: boolean) => {
  if (typeof db.enableLoadExtension === "function") db.enableLoadExtension(enabled)
}

interface NodeConnection extends SqlConnection.Connection {
  readonly isTransaction: () => boolean
  readonly backup: (destination: string) => Effect.Effect<SqliteClient.BackupMetadata, SqlError>
  readonly loadExtension: (path: string) => Effect.Effect<void, SqlError>
}

/**
 * Opens the database and builds the client (closed with the scope).
 *
 * @since 0.3.0
 * @category constructors
 */
export const make = (
  options: Config
): Effect.Effect<SqliteClient.SqliteClient, SqlError, Scope.Scope | Reactivity.Reactivity> =>
  Effect.gen(function* () {
    const invalid = invalidConfig(options)
    if (invalid !== undefined) return yield* invalid
    const compiler = Statement.makeCompilerSqlite(options.transformQueryNames)
    const transformRows = options.transformResultNames
      ? Statement.defaultTransforms(options.transformResultNames).array
      : undefined

    const db = yield* Effect.acquireRelease(
      Effect.try({
        try: () => new DatabaseSync(options.filename, { readOnly: options.readonly ?? false, allowExtension: true }),
        catch: (cause) => new SqlError({ reason: classify(cause, "Failed to open database", "connect") })
      }),
      (db) => Effect.sync(() => db.close())
    )
    setLoadExtensionEnabled(db, false)
    const busyTimeout = Math.min(
      MAX_BUSY_TIMEOUT,
      Math.max(0, Math.round(Duration.toMillis(options.busyTimeout ?? Duration.seconds(5))))
    )
    const exec = (sql: string) =>
      Effect.try({
        try: () => db.exec(sql),
        catch: (cause) => new SqlError({ reason: classify(cause, "Failed to configure database", "connect") })
      })
    yield* exec(`PRAGMA busy_timeout = ${busyTimeout}`)
    if (options.disableWAL !== true && !options.readonly) {
      // switching to WAL can fail with SQLITE_BUSY without the busy handler: retried until the busy timeout
      const enableWAL = Effect.try({
        try: () => db.prepare("PRAGMA journal_mode = WAL").get(),
        catch: (cause) => new SqlError({ reason: classify(cause, "Failed to configure database", "connect") })
      })
      const deadline = (yield* Clock.monotonicTimeNanos) + BigInt(busyTimeout) * NANOS_PER_MILLI
      const remainingMillis = Effect.map(Clock.monotonicTimeNanos, (now) =>
        Math.max(0, Number((deadline - now) / NANOS_PER_MILLI))
      )
      yield* remainingMillis.pipe(
        Effect.flatMap((remaining) => exec(`PRAGMA busy_timeout = ${remaining}`)),
        Effect.andThen(enableWAL),
        Effect.retry({
          while: (error) =>
            error.reason._tag === "LockTimeoutError" && Effect.map(remainingMillis, (remaining) => remaining > 0),
          schedule: Schedule.spaced("10 millis")
        })
      )
      yield* exec(`PRAGMA busy_timeout = ${busyTimeout}`)
    }

    const prepare = (sql: string) =>
      Effect.try({
        try: () => db.prepare(sql),
        catch: (cause) => new SqlError({ reason: classify(cause, "Failed to prepare statement", "prepare") })
      })
    const prepareCacheTTL = options.prepareCacheTTL ?? Duration.minutes(10)
    const prepareCache = yield* Cache.makeWith(prepare, {
      capacity: options.prepareCacheSize ?? 200,
      timeToLive: (exit) => (Exit.isSuccess(exit) ? prepareCacheTTL : Duration.zero)
    })

    /**
     * Whether a batch that threw left a transaction its `ROLLBACK` could not end. Until a `ROLLBACK` succeeds,
     * every statement (through effect/sql or a batch) tries it first and fails when it fails again: a write
     * must not land in a transaction nobody will commit.
     */
    let stuck = false
    /** Rolls back a transaction left open on the connection: `stuck` until it succeeds; the failure's cause, if any. */
    const rollBackOpen = (): { readonly cause: unknown } | undefined => {
      try {
        if (db.isTransaction) db.exec("ROLLBACK")
        stuck = false
        return undefined
      } catch (cause) {
        stuck = true
        return { cause }
      }
    }
    const unstuck = <A>(effect: Effect.Effect<A, SqlError>): Effect.Effect<A, SqlError> =>
      Effect.suspend(() => {
        const failed = stuck ? rollBackOpen() : undefined
        return failed === undefined
          ? effect
          : Effect.fail(
              new SqlError({
                reason: new ConnectionError({
                  cause: failed.cause,
                  message: "a transaction left open on the connection could not be rolled back",
                  operation: "rollback"
                })
              })
            )
      })

    // every statement through effect/sql passes here or through `runValues`: a stuck connection is seen first
    const runStatement = (statement: StatementSync, params: ReadonlyArray<unknown>, raw: boolean) =>
      unstuck(
        Effect.withFiber<unknown, SqlError>((fiber) => {
          const safeIntegers = Context.get(fiber.context, Client.SafeIntegers)
          return Effect.try({
            try: () => {
              statement.setReadBigInts(safeIntegers)
              const values = params as Array<never>
              if (!raw || statement.columns().length > 0) return statement.all(...values)
              const result = statement.run(...values)
              return { changes: result.changes, lastInsertRowid: result.lastInsertRowid }
            },
            catch: (cause) => new SqlError({ reason: classify(cause, "Failed to execute statement", "execute") })
          })
        })
      )
    const runValues = (statement: StatementSync, params: ReadonlyArray<unknown>) =>
      unstuck(
        Effect.withFiber<ReadonlyArray<ReadonlyArray<unknown>>, SqlError>((fiber) => {
          const safeIntegers = Context.get(fiber.context, Client.SafeIntegers)
          return Effect.try({
            try: () => {
              statement.setReadBigInts(safeIntegers)
              return statement.all(...(params as Array<never>)) as unknown as ReadonlyArray<ReadonlyArray<unknown>>
            },
            catch: (cause) => new SqlError({ reason: classify(cause, "Failed to execute statement", "execute") })
          })
        })
      )
    const run = (sql: string, params: ReadonlyArray<unknown>, raw = false) =>
      Effect.flatMap(Cache.get(prepareCache, sql), (s) => runStatement(s, params, raw))

    const connection: NodeConnection = {
      isTransaction: () => db.isTransaction,
      execute: (sql, params, transform) =>
        (transform
          ? Effect.map(run(sql, params), (rows) => transform(rows as Array<object>))
          : run(sql, params)) as Effect.Effect<ReadonlyArray<unknown>, SqlError>,
      executeRaw: (sql, params) => run(sql, params, true),
      executeValues: (sql, params) =>
        Effect.acquireUseRelease(
          Cache.get(prepareCache, sql),
          (statement) => {
            statement.setReturnArrays(true)
            return runValues(statement, params)
          },
          (statement) => Effect.sync(() => statement.setReturnArrays(false))
        ),
      executeValuesUnprepared: (sql, params) =>
        Effect.flatMap(prepare(sql), (statement) => {
          statement.setReturnArrays(true)
          return runValues(statement, params)
        }),
      executeUnprepared: (sql, params, transform) => {
        const effect = Effect.flatMap(prepare(sql), (statement) => runStatement(statement, params ?? [], false))
        return (transform ? Effect.map(effect, (rows) => transform(rows as Array<object>)) : effect) as Effect.Effect<
          ReadonlyArray<unknown>,
          SqlError
        >
      },
      executeStream: () => Stream.die("executeStream not implemented"),
      backup: (destination) =>
        Effect.suspend(() => {
          let totalPages = 0
          return Effect.tryPromise({
            try: () =>
              backupDatabase(db, destination, {
                progress: (progress) => {
                  totalPages = progress.totalPages
                }
              }).then((pages) => ({ totalPages: totalPages || pages, remainingPages: 0 })),
            catch: (cause) => new SqlError({ reason: classify(cause, "Failed to backup database", "backup") })
          })
        }),
      loadExtension: (path) =>
        Effect.acquireUseRelease(
          Effect.sync(() => setLoadExtensionEnabled(db, true)),
          () =>
            Effect.try({
              try: () => db.loadExtension(path),
              catch: (cause) => new SqlError({ reason: classify(cause, "Failed to load extension", "loadExtension") })
            }),
          () => Effect.sync(() => setLoadExtensionEnabled(db, false))
        )
    }

    const { acquirer, borrower, isTransaction, onCommitFailure, transactionAcquirer } = Client.makeSqliteAcquirers({
      connection: Effect.succeed(connection),
      semaphore: yield* Semaphore.make(1),
      isTransaction: (conn) => conn.isTransaction()
    })
    const spanAttributes: ReadonlyArray<readonly [string, unknown]> = [
      ...(options.spanAttributes ? Object.entries(options.spanAttributes) : []),
      ["db.system.name", "sqlite"]
    ]
    const client = yield* Client.make({
      driver: "sqlite-node",
      acquirer,
      borrower,
      compiler,
      transactionAcquirer,
      onCommitFailure,
      isTransaction,
      releaseSavepoint: (name) => `RELEASE SAVEPOINT ${name}`,
      beginTransaction: options.readonly === true ? "BEGIN" : "BEGIN IMMEDIATE",
      spanAttributes,
      transformRows
    })

    // the store's synchronous batches: outside a transaction of this client, under the connection's permit
    const prepared = new Map<string, StatementSync>()
    const statement = (sql: string) => {
      let found = prepared.get(sql)
      if (found === undefined) {
        found = db.prepare(sql)
        found.setReadBigInts(false)
        prepared.set(sql, found)
      }
      return found
    }
    const none: Params = []
    const batch = (observe: ((sql: string, params: Params) => void) | undefined): Batch => ({
      run: (sql, params = none) => {
        observe?.(sql, params)
        return Number(statement(sql).run(...(params as Array<never>)).changes)
      },
      get: (sql, params = none) => {
        observe?.(sql, params)
        return statement(sql).get(...(params as Array<never>))
      },
      all: (sql, params = none) => {
        observe?.(sql, params)
        return statement(sql).all(...(params as Array<never>))
      },
      inTransaction: () => db.isTransaction
    })
    const batchSpan = Statement.spanName(spanAttributes)
    registerDirect(client.transactionService, {
      run: <A>(f: (batch: Batch) => A) =>
        Effect.withFiber<DirectResult<A>, SqlError>((fiber) => {
          if (Option.isSome(Context.getOption(fiber.context, client.transactionService))) {
            return Effect.succeed({ ran: false })
          }
          const observe = Context.get(fiber.context, DirectObserver)
          // one span per batch, as effect/sql makes one per statement: the client's attributes, the method
          // `batch`, and the batch's statements as its query text
          const texts: Array<string> = []
          const seen = batch((sql, params) => {
            texts.push(sql)
            observe?.(sql, params)
          })
          return Effect.useSpan(batchSpan, { kind: "client" }, (span) => {
            for (const [key, value] of spanAttributes) span.attribute(key, value)
            span.attribute("effect.sql.method", "batch")
            return borrower(() =>
              unstuck(
                Effect.try({
                  try: () => {
                    try {
                      return { ran: true as const, value: f(seen) }
                    } catch (error) {
                      // a transaction the batch began and left open when it threw is rolled back here
                      rollBackOpen()
                      throw error
                    }
                  },
                  catch: (cause) => new SqlError({ reason: classify(cause, "Failed to execute statement", "execute") })
                })
              )
            ).pipe(Effect.ensuring(Effect.sync(() => span.attribute("db.query.text", texts.join(";\n")))))
          })
        })
    })

    const lease = <A>(f: (conn: NodeConnection) => Effect.Effect<A, SqlError>) =>
      Effect.scoped(Effect.flatMap(acquirer, (conn) => f(conn as NodeConnection)))
    return Object.assign(client, {
      [SqliteClient.TypeId]: SqliteClient.TypeId,
      config: options,
      backup: (destination: string) => lease((conn) => conn.backup(destination)),
      loadExtension: (path: string) => lease((conn) => conn.loadExtension(path))
    }) as unknown as SqliteClient.SqliteClient
  })

/**
 * The client as `SqlClient` and as `SqliteClient` (`@effect/sql-sqlite-node`'s
 * service, for `backup`); the database is closed when the layer's scope
 * closes.
 *
 * @since 0.3.0
 * @category layers
 */
export const layer = (config: Config): Layer.Layer<SqliteClient.SqliteClient | Client.SqlClient, SqlError> =>
  Layer.effectContext(
    Effect.map(make(config), (client) =>
      Context.make(SqliteClient.SqliteClient, client).pipe(Context.add(Client.SqlClient, client))
    )
  ).pipe(Layer.provide(Reactivity.layer))
