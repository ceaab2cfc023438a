/**
 * What the store's modules share: database errors as `StoreFailure`, row
 * decoding, the dialect's JSON casts, canonical JSON, and loading a stream.
 *
 * @internal
 */
import { type Ids, Referral, type ReferralEvent, ReferralStore } from "@lahete/core"
import { Effect, Result, Schema } from "effect"
import type * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"

/** A database error as a `StoreFailure`: the operation and the kind of error, never the driver's message. */
export const storeFailure = (operation: string, error: SqlError): ReferralStore.StoreFailure =>
  new ReferralStore.StoreFailure({ operation, detail: `database error (${error.reason._tag})` })

/** SQLite answered that `secure_delete` is not on after `PRAGMA secure_delete = ON` (an erasure would keep bytes). */
export const secureDeleteOff = (operation: string): ReferralStore.StoreFailure =>
  new ReferralStore.StoreFailure({ operation, detail: "SQLite did not turn secure_delete on" })

/** A vault row whose data does not decode (named by its subject id, never by its content). */
export const undecodableSubject = (operation: string, subjectId: string): ReferralStore.StoreFailure =>
  new ReferralStore.StoreFailure({ operation, detail: `the vault entry of subject ${subjectId} cannot be decoded` })

/** Each row schema's decoder of an array of rows, made once (a schema made per query is compiled per query). */
const rowDecoders = new WeakMap<object, (raw: unknown) => Result.Result<ReadonlyArray<unknown>, unknown>>()

/** Decodes query rows; a row that does not match is a `StoreFailure` naming the table only. */
export const rows = <A>(schema: Schema.Codec<A, unknown>, operation: string, table: string) => {
  let decode = rowDecoders.get(schema) as ((raw: unknown) => Result.Result<ReadonlyArray<A>, unknown>) | undefined
  if (decode === undefined) {
    decode = Schema.decodeUnknownResult(Schema.Array(schema))
    rowDecoders.set(schema, decode)
  }
  const decodeRows = decode
  return (raw: ReadonlyArray<unknown>): Effect.Effect<ReadonlyArray<A>, ReferralStore.StoreFailure> => {
    const decoded = decodeRows(raw)
    return Result.isSuccess(decoded)
      ? Effect.succeed(decoded.success)
      : Effect.fail(new ReferralStore.StoreFailure({ operation, detail: `unexpected row shape in ${table}` }))
  }
}

/** The dialect's JSON handling: text goes in with a cast to `jsonb` on PostgreSQL and comes out as text. */
export const json = (sql: SqlClient.SqlClient) => {
  const isPg = sql.onDialectOrElse({ pg: () => true, orElse: () => false })
  return { isPg, toJson: sql.literal(isPg ? "::jsonb" : ""), asText: sql.literal(isPg ? "::text" : "") }
}

/** The stored state, when it parses as one (the projection is ours: a shape check suffices). */
export const parseState = (text: string): Referral.ReferralState | undefined => {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  return value !== null &&
    typeof value === "object" &&
    "status" in value &&
    typeof value.status === "string" &&
    "version" in value &&
    typeof value.version === "number"
    ? // a state stored before the plan existed (release 0.2) has none: it had no plan events
      ({ plan: Referral.initialState.plan, ...value } as Referral.ReferralState)
    : undefined
}

/** JSON with object keys sorted through `JSON.stringify` (any value `plainJson` does not take). */
const sortedJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v
  )

/** A value `plainJson` leaves to `sortedJson`. */
const notPlain: unique symbol = Symbol("notPlain")

/** An array index as `JSON.stringify` orders an object's keys (before the others, by number). */
const isIndex = (key: string): boolean => {
  const first = key.charCodeAt(0)
  return first >= 48 && first <= 57 && /^(?:0|[1-9]\d{0,9})$/.test(key) && Number(key) < 4294967295
}

/** Keys as `sortedJson` writes them: indices by number, then the others sorted by code unit. */
const sortKeys = (keys: Array<string>): Array<string> => {
  keys.sort()
  if (!keys.some(isIndex)) return keys
  const indices = keys.filter(isIndex).sort((a, b) => Number(a) - Number(b))
  return [...indices, ...keys.filter((k) => !isIndex(k))]
}

/**
 * `sortedJson` of plain data (strings, finite or not numbers, booleans,
 * null, arrays, objects of `Object`'s prototype or none), written directly:
 * the same text, without the copies of every object. `undefined` for a
 * value `JSON.stringify` leaves out; `notPlain` for anything else.
 */
const plainJson = (value: unknown): string | undefined | typeof notPlain => {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value)
    case "number":
      return Number.isFinite(value) ? String(value) : "null"
    case "boolean":
      return value ? "true" : "false"
    case "undefined":
    case "function":
    case "symbol":
      return undefined
    case "bigint":
      return notPlain
  }
  if (value === null) return "null"
  if (Array.isArray(value)) {
    let out = "["
    for (let i = 0; i < value.length; i++) {
      const item = plainJson(value[i])
      if (item === notPlain) return notPlain
      out += `${i === 0 ? "" : ","}${item ?? "null"}`
    }
    return `${out}]`
  }
  const proto: unknown = Object.getPrototypeOf(value)
  if ((proto !== Object.prototype && proto !== null) || "toJSON" in (value as object)) return notPlain
  const record = value as Record<string, unknown>
  let out = "{"
  let first = true
  for (const key of sortKeys(Object.keys(record))) {
    const item = plainJson(record[key])
    if (item === notPlain) return notPlain
    if (item === undefined) continue
    out += `${first ? "" : ","}${JSON.stringify(key)}:${item}`
    first = false
  }
  return `${out}}`
}

/**
 * JSON with object keys sorted: the same value is always the same text
 * (the state of a projection row, an outbox payload).
 */
export const canonicalJson = (value: unknown): string => {
  const plain = plainJson(value)
  // `JSON.stringify` answers `undefined` for a value it leaves out: so does this (as the type has always claimed)
  return plain === notPlain ? sortedJson(value) : (plain as string)
}

/** The schema of an event row. */
export const EventRow = Schema.Struct({
  version: Schema.Number,
  type: Schema.String,
  schema_version: Schema.Number,
  data: Schema.String
})

/** An event row as read: its version, type, schema version and data (JSON text). */
export type EventRow = typeof EventRow.Type

/** An event row with its referral's id (several referrals' events read at once). */
export interface ReferralEventRow extends EventRow {
  readonly referral_id: string
}

const isEventRow = (row: unknown): row is ReferralEventRow => {
  if (row === null || typeof row !== "object") return false
  const r = row as Record<string, unknown>
  return (
    typeof r.referral_id === "string" &&
    typeof r.version === "number" &&
    typeof r.type === "string" &&
    typeof r.schema_version === "number" &&
    typeof r.data === "string"
  )
}

/**
 * Checks rows of `referral_id` and the event columns: the same check as
 * `rows` with their schema, written out, because a report reads hundreds of
 * thousands of them and the schema's generic walk costs more than the query.
 */
export const referralEventRows =
  (operation: string) =>
  (raw: ReadonlyArray<unknown>): Effect.Effect<ReadonlyArray<ReferralEventRow>, ReferralStore.StoreFailure> =>
    raw.every(isEventRow)
      ? Effect.succeed(raw)
      : Effect.fail(new ReferralStore.StoreFailure({ operation, detail: "unexpected row shape in referral_events" }))

/**
 * One stored event, decoded (and upgraded) with the codec; invalid JSON or
 * an undecodable event is a `StoreFailure` naming the referral and the
 * event's position only.
 */
export const decodeEvent = (
  codec: ReferralEvent.Codec,
  referralId: string,
  row: EventRow,
  operation: string
): Result.Result<ReferralEvent.ReferralEvent, ReferralStore.StoreFailure> => {
  let data: unknown
  try {
    data = JSON.parse(row.data)
  } catch {
    return Result.fail(
      new ReferralStore.StoreFailure({
        operation,
        detail: `referral ${referralId} event ${row.version}: stored ${row.type} v${row.schema_version} is not valid JSON`
      })
    )
  }
  const decoded = codec.decode({ type: row.type, version: row.schema_version, data })
  if (Result.isFailure(decoded)) {
    const e = decoded.failure
    return Result.fail(
      new ReferralStore.StoreFailure({
        operation,
        detail: `referral ${referralId} event ${row.version}: cannot decode ${e.type} v${e.version} (${e.problem})`
      })
    )
  }
  return Result.succeed(decoded.success)
}

/** The SELECT list of an event row (data as text on both dialects). */
export const eventColumns = (sql: SqlClient.SqlClient) =>
  sql`version, type, schema_version, data${json(sql).asText} AS data`

/**
 * A referral's event rows (in version order), decoded (and upgraded) with the
 * codec into its stream; a gap, invalid JSON or an undecodable event is a
 * `StoreFailure` naming the referral and the event's position only.
 */
export const decodeStream = (
  codec: ReferralEvent.Codec,
  referralId: Ids.ReferralId,
  found: ReadonlyArray<EventRow>,
  operation: string
): Effect.Effect<ReferralStore.Stream, ReferralStore.StoreFailure> => {
  const events: Array<ReferralEvent.ReferralEvent> = []
  for (const [i, row] of found.entries()) {
    const position = i + 1
    if (row.version !== position) {
      return Effect.fail(
        new ReferralStore.StoreFailure({
          operation,
          detail: `referral ${referralId}: event ${position} is stored at version ${row.version}`
        })
      )
    }
    const decoded = decodeEvent(codec, referralId, row, operation)
    if (Result.isFailure(decoded)) return Effect.fail(decoded.failure)
    events.push(decoded.success)
  }
  return Effect.succeed({ referralId, version: events.length, events })
}

/**
 * A referral's stream, decoded (and upgraded) with the codec. Runs on the
 * connection of the surrounding transaction, if any.
 */
export const loadStream = (
  sql: SqlClient.SqlClient,
  codec: ReferralEvent.Codec,
  referralId: Ids.ReferralId,
  operation = "load"
): Effect.Effect<ReferralStore.Stream, ReferralStore.StoreFailure> =>
  Effect.gen(function* () {
    const found = yield* sql`SELECT ${eventColumns(sql)}
      FROM referral_events WHERE referral_id = ${referralId} ORDER BY version`.pipe(
      Effect.mapError((e) => storeFailure(operation, e)),
      Effect.flatMap(rows(EventRow, operation, "referral_events"))
    )
    return yield* decodeStream(codec, referralId, found, operation)
  })
