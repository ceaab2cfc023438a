/**
 * An effect/sql `SqlClient` over Node's built-in `node:sqlite` (`DatabaseSync`):
 * one connection shared through a semaphore, WAL and a busy timeout by
 * default, `BEGIN IMMEDIATE` transactions with savepoints for nested ones, an
 * LRU cache of prepared statements, and every failure mapped to `SqlError`
 * without bound parameter values in its message.
 *
 * @since 0.1.0
 */

import { backup, DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite"
import { Cause, Config, Context, Data, Duration, Effect, Layer, Option, type Scope, Semaphore, Stream } from "effect"
import type * as Arr from "effect/Array"
import type * as Pull from "effect/Pull"
import * as Reactivity from "effect/reactivity/Reactivity"
import * as Client from "effect/sql/SqlClient"
import type { Connection } from "effect/sql/SqlConnection"
import {
  ConnectionError,
  classifySqliteError,
  SqlError,
  type SqlErrorReason,
  SqlSyntaxError,
  UniqueViolation,
  UnknownError
} from "effect/sql/SqlError"
import * as Statement from "effect/sql/Statement"

/**
 * The runtime type identifier of `SqliteClient`.
 *
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: TypeId = "~@lahete/sql-sqlite-node/SqliteClient"

/**
 * The type-level identifier of `SqliteClient`.
 *
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = "~@lahete/sql-sqlite-node/SqliteClient"

/**
 * A `SqlClient` over one `node:sqlite` connection, with the statement cache's
 * counters and the SQLite library version.
 *
 * @since 0.1.0
 * @category models
 */
export interface SqliteClient extends Client.SqlClient {
  readonly [TypeId]: TypeId
  readonly config: SqliteClientConfig
  /** The version of the SQLite library inside Node, e.g. `"3.53.4"`. */
  readonly sqliteVersion: string
  /** A snapshot of the prepared-statement cache's counters. */
  readonly cacheStats: Effect.Effect<StatementCacheStats>
  /**
   * Copies the database to a file with SQLite's online backup, holding the
   * connection meanwhile (after any transaction in progress), and returns the
   * number of pages copied. An existing file at `destination` is overwritten.
   * Fails inside a transaction of this client.
   */
  readonly backup: (destination: string) => Effect.Effect<number, SqlError>
}

/**
 * The service tag of `SqliteClient`; `layer` provides it together with
 * `SqlClient.SqlClient`.
 *
 * @since 0.1.0
 * @category services
 */
export const SqliteClient = Context.Service<SqliteClient>("@lahete/sql-sqlite-node/SqliteClient")

/**
 * Options of `make`, `layer` and `layerConfig`.
 *
 * @since 0.1.0
 * @category models
 */
export interface SqliteClientConfig {
  /** A file path, or `":memory:"` for a private in-memory database. */
  readonly filename: string
  /** Opens the database read-only; it must exist. Defaults to `false`. */
  readonly readonly?: boolean | undefined
  /**
   * Switches a writable file database to `PRAGMA journal_mode = WAL`, so
   * readers never block the writer. Defaults to `true`; in-memory databases
   * ignore it.
   */
  readonly wal?: boolean | undefined
  /**
   * How long a statement waits for another connection's lock before failing
   * with `SQLITE_BUSY` (a `LockTimeoutError`). Defaults to 5 seconds. A number
   * is milliseconds.
   */
  readonly busyTimeout?: Duration.Input | undefined
  /** Enforces foreign keys (`PRAGMA foreign_keys`). Defaults to `true`. */
  readonly foreignKeys?: boolean | undefined
  /**
   * How many prepared statements to keep, keyed by SQL text, least recently
   * used first out. `0` prepares every statement afresh. Defaults to `200`.
   */
  readonly statementCacheSize?: number | undefined
  readonly spanAttributes?: Record<string, unknown> | undefined
  readonly transformResultNames?: ((str: string) => string) | undefined
  readonly transformQueryNames?: ((str: string) => string) | undefined
}

/**
 * Counters of the prepared-statement cache: `hits` reused a prepared
 * statement, `misses` prepared one, `evictions` dropped the least recently
 * used to stay within `capacity`.
 *
 * @since 0.1.0
 * @category models
 */
export interface StatementCacheStats {
  readonly size: number
  readonly capacity: number
  readonly hits: number
  readonly misses: number
  readonly evictions: number
}

/**
 * The SQLite failure behind a `SqlError`, found in `error.reason.cause`.
 * `code` is the SQLite result code name, extended where SQLite gives one
 * (`"SQLITE_CONSTRAINT_UNIQUE"`, `"SQLITE_BUSY"`, …), or Node's code for
 * failures outside SQLite (`"ERR_INVALID_STATE"` once the database is closed);
 * `errno` is SQLite's numeric extended result code. `detail` is SQLite's own
 * message, kept for diagnosis: it names tables, columns and constraints, but a
 * few SQLite features (FTS5 query syntax errors) echo part of a bound value,
 * so do not log it where personal data is not allowed. The `SqlError`'s own
 * message carries only the operation and the code.
 *
 * @since 0.1.0
 * @category errors
 */
export class SqliteError extends Data.TaggedError("SqliteError")<{
  readonly code: string
  readonly errno: number | undefined
  readonly detail: string
  readonly cause: unknown
}> {
  override get message(): string {
    return `SQLite failed with ${this.code}`
  }
}

/**
 * Creates the SQLite statement compiler: `?` placeholders, double-quoted
 * identifiers, and `updateValues` as a `VALUES` subquery whose columns are
 * renamed to the record's keys, for `UPDATE … FROM` (SQLite 3.33 and later).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeCompiler = (transform?: ((_: string) => string) | undefined): Statement.Compiler =>
  Statement.makeCompiler({
    dialect: "sqlite",
    placeholder() {
      return "?"
    },
    onIdentifier: transform
      ? (value, withoutTransform) => (withoutTransform ? escapeIdentifier(value) : escapeIdentifier(transform(value)))
      : escapeIdentifier,
    onRecordUpdate(placeholders, alias, columns, values, returning) {
      const select = splitColumns(columns)
        .map((column, i) => `column${i + 1} AS ${column}`)
        .join(", ")
      const sql = `(SELECT ${select} FROM (VALUES ${placeholders})) AS ${alias}`
      return returning
        ? [`${sql} RETURNING ${returning[0]}`, [...values.flat(), ...returning[1]]]
        : [sql, values.flat()]
    },
    onCustom() {
      return ["", []]
    }
  })

const escapeIdentifier = Statement.defaultEscape('"')

/** Splits the compiler's `("a","b")` column list back into escaped identifiers. */
const splitColumns = (columns: string): Array<string> => {
  const inner = columns.startsWith("(") && columns.endsWith(")") ? columns.slice(1, -1) : columns
  const out: Array<string> = []
  let current = ""
  let quoted = false
  for (let i = 0; i < inner.length; i++) {
    const char = inner[i]
    if (char === '"') {
      if (quoted && inner[i + 1] === '"') {
        current += '""'
        i++
        continue
      }
      quoted = !quoted
    } else if (char === "," && !quoted) {
      out.push(current)
      current = ""
      continue
    }
    current += char
  }
  if (current.length > 0) out.push(current)
  return out
}

// ---------------------------------------------------------------------------
// errors

const primaryCodes: Record<number, string> = {
  0: "SQLITE_OK",
  1: "SQLITE_ERROR",
  2: "SQLITE_INTERNAL",
  3: "SQLITE_PERM",
  4: "SQLITE_ABORT",
  5: "SQLITE_BUSY",
  6: "SQLITE_LOCKED",
  7: "SQLITE_NOMEM",
  8: "SQLITE_READONLY",
  9: "SQLITE_INTERRUPT",
  10: "SQLITE_IOERR",
  11: "SQLITE_CORRUPT",
  12: "SQLITE_NOTFOUND",
  13: "SQLITE_FULL",
  14: "SQLITE_CANTOPEN",
  15: "SQLITE_PROTOCOL",
  16: "SQLITE_EMPTY",
  17: "SQLITE_SCHEMA",
  18: "SQLITE_TOOBIG",
  19: "SQLITE_CONSTRAINT",
  20: "SQLITE_MISMATCH",
  21: "SQLITE_MISUSE",
  22: "SQLITE_NOLFS",
  23: "SQLITE_AUTH",
  24: "SQLITE_FORMAT",
  25: "SQLITE_RANGE",
  26: "SQLITE_NOTADB",
  27: "SQLITE_NOTICE",
  28: "SQLITE_WARNING"
}

const extendedCodes: Record<number, string> = {
  [1 | (1 << 8)]: "SQLITE_ERROR_MISSING_COLLSEQ",
  [1 | (2 << 8)]: "SQLITE_ERROR_RETRY",
  [1 | (3 << 8)]: "SQLITE_ERROR_SNAPSHOT",
  [4 | (2 << 8)]: "SQLITE_ABORT_ROLLBACK",
  [5 | (1 << 8)]: "SQLITE_BUSY_RECOVERY",
  [5 | (2 << 8)]: "SQLITE_BUSY_SNAPSHOT",
  [5 | (3 << 8)]: "SQLITE_BUSY_TIMEOUT",
  [6 | (1 << 8)]: "SQLITE_LOCKED_SHAREDCACHE",
  [6 | (2 << 8)]: "SQLITE_LOCKED_VTAB",
  [8 | (1 << 8)]: "SQLITE_READONLY_RECOVERY",
  [8 | (2 << 8)]: "SQLITE_READONLY_CANTLOCK",
  [8 | (3 << 8)]: "SQLITE_READONLY_ROLLBACK",
  [8 | (4 << 8)]: "SQLITE_READONLY_DBMOVED",
  [8 | (5 << 8)]: "SQLITE_READONLY_CANTINIT",
  [8 | (6 << 8)]: "SQLITE_READONLY_DIRECTORY",
  [11 | (1 << 8)]: "SQLITE_CORRUPT_VTAB",
  [11 | (2 << 8)]: "SQLITE_CORRUPT_SEQUENCE",
  [11 | (3 << 8)]: "SQLITE_CORRUPT_INDEX",
  [14 | (1 << 8)]: "SQLITE_CANTOPEN_NOTEMPDIR",
  [14 | (2 << 8)]: "SQLITE_CANTOPEN_ISDIR",
  [14 | (3 << 8)]: "SQLITE_CANTOPEN_FULLPATH",
  [14 | (4 << 8)]: "SQLITE_CANTOPEN_CONVPATH",
  [14 | (6 << 8)]: "SQLITE_CANTOPEN_SYMLINK",
  [19 | (1 << 8)]: "SQLITE_CONSTRAINT_CHECK",
  [19 | (2 << 8)]: "SQLITE_CONSTRAINT_COMMITHOOK",
  [19 | (3 << 8)]: "SQLITE_CONSTRAINT_FOREIGNKEY",
  [19 | (4 << 8)]: "SQLITE_CONSTRAINT_FUNCTION",
  [19 | (5 << 8)]: "SQLITE_CONSTRAINT_NOTNULL",
  [19 | (6 << 8)]: "SQLITE_CONSTRAINT_PRIMARYKEY",
  [19 | (7 << 8)]: "SQLITE_CONSTRAINT_TRIGGER",
  [19 | (8 << 8)]: "SQLITE_CONSTRAINT_UNIQUE",
  [19 | (9 << 8)]: "SQLITE_CONSTRAINT_VTAB",
  [19 | (10 << 8)]: "SQLITE_CONSTRAINT_ROWID",
  [19 | (11 << 8)]: "SQLITE_CONSTRAINT_PINNED",
  [19 | (12 << 8)]: "SQLITE_CONSTRAINT_DATATYPE"
}

/**
 * The name of a SQLite (extended) result code: the extended name where it is
 * known, else the primary one, e.g. `2067` → `"SQLITE_CONSTRAINT_UNIQUE"`.
 *
 * @since 0.1.0
 * @category errors
 */
export const resultCodeName = (errno: number): string =>
  extendedCodes[errno] ?? primaryCodes[errno & 0xff] ?? `SQLITE_UNKNOWN_${errno}`

const propertyOf = (u: unknown, key: string): unknown =>
  typeof u === "object" && u !== null && key in u ? (u as Record<string, unknown>)[key] : undefined

/** Normalizes whatever `node:sqlite` threw into a `SqliteError`. */
const toSqliteError = (cause: unknown): SqliteError => {
  const errcode = propertyOf(cause, "errcode")
  const nodeCode = propertyOf(cause, "code")
  const message = propertyOf(cause, "message")
  const detail = typeof message === "string" ? message : String(cause)
  if (typeof errcode === "number") {
    return new SqliteError({ code: resultCodeName(errcode), errno: errcode, detail, cause })
  }
  return new SqliteError({ code: typeof nodeCode === "string" ? nodeCode : "UNKNOWN", errno: undefined, detail, cause })
}

const uniqueConstraint = (detail: string): string => {
  const prefix = "UNIQUE constraint failed:"
  const index = detail.indexOf(prefix)
  return index === -1 ? "unknown" : detail.slice(index + prefix.length).trim() || "unknown"
}

const reasonFor = (error: SqliteError, operation: string): SqlErrorReason => {
  const message = `SqliteClient: ${operation} failed (${error.code})`
  // A duplicate primary key is a unique violation too (PostgreSQL reports
  // both as 23505); callers use it for idempotency.
  if (error.code === "SQLITE_CONSTRAINT_PRIMARYKEY" || error.code === "SQLITE_CONSTRAINT_UNIQUE") {
    return new UniqueViolation({ cause: error, message, operation, constraint: uniqueConstraint(error.detail) })
  }
  if (error.errno === undefined) {
    return error.code === "ERR_INVALID_STATE"
      ? new ConnectionError({ cause: error, message, operation })
      : new UnknownError({ cause: error, message, operation })
  }
  // SQLite reports syntax errors as plain SQLITE_ERROR; its message tells them apart.
  if (error.code === "SQLITE_ERROR" && /syntax error|incomplete input/.test(error.detail)) {
    return new SqlSyntaxError({ cause: error, message, operation })
  }
  return classifySqliteError(error, { message, operation })
}

const toSqlError = (cause: unknown, operation: string): SqlError =>
  new SqlError({ reason: reasonFor(toSqliteError(cause), operation) })

// ---------------------------------------------------------------------------
// parameters and rows

type Row = Record<string, unknown>
type TransformRows = (<A extends object>(row: ReadonlyArray<A>) => ReadonlyArray<A>) | undefined

/** Only the position and a description of the type: never the value. */
const unsupportedParameter = (position: number, description: string): SqlError => {
  const detail = `parameter ${position} is ${description}`
  return new SqlError({
    reason: new UnknownError({
      cause: new SqliteError({ code: "ERR_INVALID_ARG_TYPE", errno: undefined, detail, cause: undefined }),
      message: `SqliteClient: ${detail}`,
      operation: "bind"
    })
  })
}

/** Converts bound values: booleans → 0/1, `Date` → ISO string, `undefined` → NULL. */
const toBindings = (params: ReadonlyArray<unknown>): Array<SQLInputValue> | SqlError => {
  const out: Array<SQLInputValue> = new Array(params.length)
  for (let i = 0; i < params.length; i++) {
    const value = params[i]
    switch (typeof value) {
      case "string":
      case "number":
      case "bigint":
        out[i] = value
        continue
      case "boolean":
        out[i] = value ? 1 : 0
        continue
      case "undefined":
        out[i] = null
        continue
    }
    if (value === null) {
      out[i] = null
    } else if (value instanceof Date) {
      if (Number.isNaN(value.getTime())) return unsupportedParameter(i + 1, "an invalid Date")
      out[i] = value.toISOString()
    } else if (ArrayBuffer.isView(value)) {
      out[i] = value as NodeJS.ArrayBufferView
    } else {
      return unsupportedParameter(i + 1, `of unsupported type ${typeof value}`)
    }
  }
  return out
}

/** `node:sqlite` rows have a null prototype; hand out plain objects. */
const plainRows = (rows: ReadonlyArray<Row>): Array<Row> => {
  const out: Array<Row> = new Array(rows.length)
  for (let i = 0; i < rows.length; i++) out[i] = { ...rows[i] }
  return out
}

// ---------------------------------------------------------------------------
// statement cache

interface Prepared {
  readonly statement: StatementSync
  /** Whether the statement returns rows (a query, or DML with RETURNING). */
  readonly reader: boolean
}

class StatementCache {
  readonly entries = new Map<string, Prepared>()
  hits = 0
  misses = 0
  evictions = 0
  constructor(
    readonly db: DatabaseSync,
    readonly capacity: number
  ) {}

  prepare(sql: string): Prepared {
    const statement = this.db.prepare(sql)
    return { statement, reader: statement.columns().length > 0 }
  }

  get(sql: string): Prepared {
    const cached = this.entries.get(sql)
    if (cached !== undefined) {
      this.hits++
      // re-insert: a Map iterates in insertion order, so the first key is the LRU
      this.entries.delete(sql)
      this.entries.set(sql, cached)
      return cached
    }
    this.misses++
    const prepared = this.prepare(sql)
    if (this.capacity <= 0) return prepared
    this.entries.set(sql, prepared)
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next()
      if (oldest.done === true) break
      this.entries.delete(oldest.value)
      this.evictions++
    }
    return prepared
  }

  stats(): StatementCacheStats {
    return {
      size: this.entries.size,
      capacity: Math.max(0, this.capacity),
      hits: this.hits,
      misses: this.misses,
      evictions: this.evictions
    }
  }
}

// ---------------------------------------------------------------------------
// connection

type Mode = "rows" | "raw" | "values"

const STREAM_CHUNK_SIZE = 128

const makeConnection = (db: DatabaseSync, cache: StatementCache): Connection => {
  const run = (sql: string, params: ReadonlyArray<unknown>, mode: Mode, cached: boolean, operation: string) =>
    Effect.withFiber<unknown, SqlError>((fiber) => {
      const bindings = toBindings(params)
      if (!Array.isArray(bindings)) return Effect.fail(bindings)
      const safeIntegers = fiber.getRef(Client.SafeIntegers)
      return Effect.try({
        try: () => {
          const { reader, statement } = cached ? cache.get(sql) : cache.prepare(sql)
          statement.setReadBigInts(safeIntegers)
          if (mode === "values") {
            if (!reader) {
              statement.run(...bindings)
              return []
            }
            statement.setReturnArrays(true)
            try {
              return statement.all(...bindings) as unknown as ReadonlyArray<ReadonlyArray<unknown>>
            } finally {
              statement.setReturnArrays(false)
            }
          }
          if (reader) return plainRows(statement.all(...bindings))
          const result = statement.run(...bindings)
          return mode === "raw" ? { changes: result.changes, lastInsertRowid: result.lastInsertRowid } : []
        },
        catch: (cause) => toSqlError(cause, operation)
      })
    })

  const rows = (
    sql: string,
    params: ReadonlyArray<unknown>,
    transformRows: TransformRows,
    cached: boolean,
    operation: string
  ) => {
    const effect = run(sql, params, "rows", cached, operation) as Effect.Effect<ReadonlyArray<Row>, SqlError>
    return transformRows ? Effect.map(effect, transformRows) : effect
  }

  const values = (sql: string, params: ReadonlyArray<unknown>, cached: boolean, operation: string) =>
    run(sql, params, "values", cached, operation) as Effect.Effect<ReadonlyArray<ReadonlyArray<unknown>>, SqlError>

  const stream = (sql: string, params: ReadonlyArray<unknown>, transformRows: TransformRows) =>
    Stream.unwrap(
      Effect.withFiber((fiber) => {
        const safeIntegers = fiber.getRef(Client.SafeIntegers)
        const bindings = toBindings(params)
        if (!Array.isArray(bindings)) return Effect.fail(bindings)
        // A statement of its own: a cached one could be reset under the iterator
        // by another statement with the same text in the same transaction.
        return Effect.acquireRelease(
          Effect.try({
            try: () => {
              const statement = db.prepare(sql)
              statement.setReadBigInts(safeIntegers)
              return statement.iterate(...bindings)
            },
            catch: (cause) => toSqlError(cause, "executeStream")
          }),
          // Resets the statement, so an abandoned stream holds no read lock.
          (iterator) => Effect.sync(() => iterator.return?.())
        ).pipe(
          Effect.map((iterator) =>
            Stream.fromPull(
              Effect.succeed(
                Effect.suspend((): Pull.Pull<Arr.NonEmptyReadonlyArray<Row>, SqlError> => {
                  const chunk: Array<Row> = []
                  try {
                    while (chunk.length < STREAM_CHUNK_SIZE) {
                      const next = iterator.next()
                      if (next.done === true) break
                      chunk.push({ ...next.value })
                    }
                  } catch (cause) {
                    return Effect.fail(toSqlError(cause, "executeStream"))
                  }
                  if (chunk.length === 0) return Cause.done()
                  const out = (transformRows ? transformRows(chunk) : chunk) as Arr.NonEmptyReadonlyArray<Row>
                  return Effect.succeed(out)
                })
              )
            )
          )
        )
      })
    )

  return {
    execute: (sql, params, transformRows) => rows(sql, params, transformRows, true, "execute"),
    executeRaw: (sql, params) => run(sql, params, "raw", true, "executeRaw"),
    executeValues: (sql, params) => values(sql, params, true, "executeValues"),
    executeValuesUnprepared: (sql, params) => values(sql, params, false, "executeValuesUnprepared"),
    executeUnprepared: (sql, params, transformRows) => rows(sql, params, transformRows, false, "executeUnprepared"),
    executeStream: stream
  }
}

const MAX_TIMEOUT = 2 ** 31 - 1

const timeoutMillis = (input: Duration.Input | undefined): number => {
  const millis = input === undefined ? 5000 : Duration.toMillis(input)
  return Number.isNaN(millis) ? 5000 : Math.min(MAX_TIMEOUT, Math.max(0, Math.floor(millis)))
}

const openError = (cause: unknown): SqlError => {
  const error = toSqliteError(cause)
  return new SqlError({
    reason: new ConnectionError({
      cause: error,
      message: `SqliteClient: open failed (${error.code})`,
      operation: "open"
    })
  })
}

const open = (options: SqliteClientConfig): Effect.Effect<DatabaseSync, SqlError> => {
  const readOnly = options.readonly === true
  const opened = Effect.try({
    try: () =>
      new DatabaseSync(options.filename, {
        readOnly,
        timeout: timeoutMillis(options.busyTimeout),
        enableForeignKeyConstraints: options.foreignKeys !== false
      }),
    catch: openError
  })
  if (readOnly || options.wal === false) return opened
  return Effect.flatMap(opened, (db) =>
    Effect.try({
      try: () => {
        db.exec("PRAGMA journal_mode = WAL")
        return db
      },
      catch: openError
    }).pipe(Effect.onError(() => Effect.sync(() => db.close())))
  )
}

/**
 * Opens the database and builds the client. The database closes when the
 * scope closes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = Effect.fnUntraced(function* (
  options: SqliteClientConfig
): Effect.fn.Return<SqliteClient, SqlError, Scope.Scope | Reactivity.Reactivity> {
  const db = yield* Effect.acquireRelease(open(options), (db) =>
    Effect.sync(() => {
      if (db.isOpen) db.close()
    })
  )
  const cache = new StatementCache(db, options.statementCacheSize ?? 200)
  const connection = makeConnection(db, cache)
  const versionRow = db.prepare("SELECT sqlite_version() AS version").get()
  const sqliteVersion = String(versionRow?.version ?? "unknown")
  const semaphore = yield* Semaphore.make(1)
  const acquirers = Client.makeSqliteAcquirers({
    connection: Effect.succeed(connection),
    semaphore,
    isTransaction: () => db.isOpen && db.isTransaction
  })
  const compiler = makeCompiler(options.transformQueryNames)
  const transformRows = options.transformResultNames
    ? Statement.defaultTransforms(options.transformResultNames).array
    : undefined

  const client = yield* Client.make({
    acquirer: acquirers.acquirer,
    borrower: acquirers.borrower,
    transactionAcquirer: acquirers.transactionAcquirer,
    onCommitFailure: acquirers.onCommitFailure,
    isTransaction: acquirers.isTransaction,
    compiler,
    driver: "sqlite-node",
    // SQLite prepares BEGIN, COMMIT and savepoints like any statement.
    prepareTransactionControls: true,
    // IMMEDIATE takes the write lock up front: a deferred transaction that
    // reads and then writes can fail with SQLITE_BUSY_SNAPSHOT in WAL mode
    // without waiting for the busy timeout.
    beginTransaction: options.readonly === true ? "BEGIN" : "BEGIN IMMEDIATE",
    releaseSavepoint: (name) => `RELEASE SAVEPOINT ${name}`,
    spanAttributes: [
      ...(options.spanAttributes ? Object.entries(options.spanAttributes) : []),
      ["db.system.name", "sqlite"]
    ],
    transformRows
  })

  return Object.assign(client, {
    [TypeId]: TypeId,
    config: options,
    sqliteVersion,
    cacheStats: Effect.sync(() => cache.stats()),
    backup: (destination: string) => {
      const copy = Effect.tryPromise({
        try: () => backup(db, destination),
        catch: (cause) => toSqlError(cause, "backup")
      })
      // SQLite cannot back up a connection in the middle of a write, and
      // waiting for the connection here would wait for ourselves.
      return Effect.flatMap(Effect.serviceOption(client.transactionService), (transaction) =>
        Option.isSome(transaction)
          ? Effect.fail(
              new SqlError({
                reason: new UnknownError({
                  cause: new SqliteError({
                    code: "SQLITE_MISUSE",
                    errno: 21,
                    detail: "backup inside a transaction",
                    cause: undefined
                  }),
                  message: "SqliteClient: backup cannot run inside a transaction",
                  operation: "backup"
                })
              })
            )
          : Effect.scoped(Effect.andThen(acquirers.acquirer, copy))
      )
    }
  }) satisfies SqliteClient
})

/**
 * Provides `SqliteClient` and `SqlClient.SqlClient` from an effect that builds
 * the client.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFrom = <E, R>(
  acquire: Effect.Effect<SqliteClient, E, R>
): Layer.Layer<SqliteClient | Client.SqlClient, E, Exclude<R, Scope.Scope | Reactivity.Reactivity>> =>
  Layer.effectContext(
    Effect.map(acquire, (client) => Context.make(SqliteClient, client).pipe(Context.add(Client.SqlClient, client)))
  ).pipe(Layer.provide(Reactivity.layer)) as Layer.Layer<
    SqliteClient | Client.SqlClient,
    E,
    Exclude<R, Scope.Scope | Reactivity.Reactivity>
  >

/**
 * A layer of the client; the database closes with the layer's scope.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (config: SqliteClientConfig): Layer.Layer<SqliteClient | Client.SqlClient, SqlError> =>
  layerFrom(make(config))

/**
 * A layer of the client whose options are read from `Config`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Wrap<SqliteClientConfig>
): Layer.Layer<SqliteClient | Client.SqlClient, Config.ConfigError | SqlError> =>
  layerFrom(Effect.flatMap(Config.unwrap(config), make))
