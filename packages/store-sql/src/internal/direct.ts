/**
 * A SQLite client's connection, for work done as one synchronous batch on
 * `node:sqlite`'s `DatabaseSync` (`NodeSqlite`; the store's append and its
 * read of a referral's current state): registered by the client under its
 * `transactionService`, which the client's `withoutTransforms()` copies
 * share.
 *
 * @internal
 */
import { Context, type Effect } from "effect"
import type * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"

/** A statement's parameters. */
export type Params = ReadonlyArray<string | number | bigint | null | Uint8Array>

/** The connection as a batch sees it: statements prepared once per text, run with their parameters. */
export interface Batch {
  /** Runs a statement; the number of rows it changed. */
  readonly run: (sql: string, params?: Params) => number
  readonly get: (sql: string, params?: Params) => Record<string, unknown> | undefined
  readonly all: (sql: string, params?: Params) => ReadonlyArray<Record<string, unknown>>
  /** Whether a transaction is open on the connection. */
  readonly inTransaction: () => boolean
}

/** A batch's value, or `ran: false` when it was not run (the caller is in a transaction). */
export type DirectResult<A> = { readonly ran: true; readonly value: A } | { readonly ran: false }

/** Runs batches on a client's one connection. */
export interface Direct {
  /**
   * Runs `f` under the connection's permit, outside any transaction: `ran: false` (and `f` not run) when the
   * calling fiber is in a transaction of the client (its statements then go through the client). A throw is a
   * `SqlError` classified as the client's are, after the client rolls back any transaction `f` began and left
   * open; `f` ends the transactions it begins when it returns.
   */
  readonly run: <A>(f: (batch: Batch) => A) => Effect.Effect<DirectResult<A>, SqlError>
}

/**
 * Told each statement a batch runs, with its parameters (the benchmark counts and replays them, as it does the
 * statements sent through effect/sql with `Statement.CurrentTransformer`).
 */
export const DirectObserver = Context.Reference<((sql: string, params: Params) => void) | undefined>(
  "@lahete/store-sql/DirectObserver",
  { defaultValue: () => undefined }
)

const directs = new WeakMap<object, Direct>()

/** Registers the client's batches (by its `transactionService`). */
export const registerDirect = (transactionService: object, direct: Direct): void => {
  directs.set(transactionService, direct)
}

/** The batches of `sql`'s connection, when its client is one that offers them (`NodeSqlite`). */
export const directOf = (sql: SqlClient.SqlClient): Direct | undefined => directs.get(sql.transactionService)
