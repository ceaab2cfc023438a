/**
 * The consistency checks the concurrency and crash tests make on a database
 * after a run: every stream gap-free and decodable, the idempotency records
 * tile every stream (no command half-written: no record without its
 * events, no events without their record), the projection equal to a
 * rebuild from the log (and the link workers' load to a recount), and the
 * outbox holding exactly one entry for every message an event asks for.
 */
import { type Ids, Referral, type ReferralEvent, type ReferralStore } from "@lahete/core"
import { SqlOutbox, SqlProjections, SqlReferralStore } from "@lahete/store-sql"
import { Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import { expect } from "vitest"

const byId = (a: { readonly id: string }, b: { readonly id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
const byReferral = (a: { readonly referral_id: unknown }, b: { readonly referral_id: unknown }) =>
  String(a.referral_id) < String(b.referral_id) ? -1 : String(a.referral_id) > String(b.referral_id) ? 1 : 0

/** Every row of the projection, ordered by referral, the state parsed. */
export const projectionRows = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const cast = sql.onDialectOrElse({ pg: () => sql.literal("::text"), orElse: () => sql.literal("") })
  const found = yield* sql<Record<string, unknown>>`SELECT referral_id, version, status, programme_id,
      programme_version, subject_id, referrer_id, referrer_organisation, link_worker_id, submitted_at, assigned_at,
      call_at, started_at, closed_at, ended_at, last_event_at, failed_attempts, valid_mobile, personal_data_erased,
      state${cast} AS state
    FROM referral_projection`
  return found
    .map((row) => ({ ...row, referral_id: String(row.referral_id), state: JSON.parse(String(row.state)) as unknown }))
    .sort(byReferral)
})

/** Every row of `link_worker_load`, ordered by link worker. */
const loadRows = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const found = yield* sql<{ link_worker_id: string; active_clients: unknown }>`
    SELECT link_worker_id, active_clients FROM link_worker_load`
  return found
    .map((r) => ({ link_worker_id: r.link_worker_id, active_clients: Number(r.active_clients) }))
    .sort((a, b) => (a.link_worker_id < b.link_worker_id ? -1 : 1))
})

/** Every row of the outbox, ordered by id, the payload parsed. */
export const outboxRows = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const cast = sql.onDialectOrElse({ pg: () => sql.literal("::text"), orElse: () => sql.literal("") })
  const found = yield* sql<{
    id: string
    referral_id: string
    kind: string
    payload: string
    status: string
    not_before: string
  }>`SELECT id, referral_id, kind, payload${cast} AS payload, status, not_before FROM outbox`
  return found.map((row) => ({ ...row, payload: JSON.parse(row.payload) as unknown })).sort(byId)
})

/**
 * Checks the database; returns the loaded streams. The projection and the
 * outbox are read before the store is built (it writes the rows of streams
 * whose row is missing or behind when it starts), so that cannot hide a
 * stale row.
 */
export const checkConsistency: Effect.Effect<
  { readonly streams: ReadonlyMap<string, ReadonlyArray<ReferralEvent.ReferralEvent>> },
  ReferralStore.ReferralStoreError | SqlError,
  SqlClient.SqlClient
> = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const projected = yield* projectionRows
  const outbox = yield* outboxRows
  const load = yield* loadRows
  // only now the store: it writes the rows of streams whose row is missing or behind when it starts
  const store = yield* SqlReferralStore.make

  // every stream gap-free, matching its stream row, and decodable
  const streamRows = [
    ...(yield* sql<{ referral_id: string; version: number }>`SELECT referral_id, version FROM referral_streams`)
  ].sort(byReferral)
  const eventRows = yield* sql<{ referral_id: string; version: number }>`
    SELECT referral_id, version FROM referral_events ORDER BY referral_id, version`
  const versionsOf = new Map<string, Array<number>>()
  for (const r of eventRows) versionsOf.set(r.referral_id, [...(versionsOf.get(r.referral_id) ?? []), r.version])
  expect([...versionsOf.keys()].sort()).toEqual(streamRows.map((r) => r.referral_id))
  const streams = new Map<string, ReadonlyArray<ReferralEvent.ReferralEvent>>()
  for (const { referral_id, version } of streamRows) {
    expect(versionsOf.get(referral_id)).toEqual(Array.from({ length: version }, (_, i) => i + 1))
    const stream = yield* store.load(referral_id as Ids.ReferralId)
    expect(stream.version).toBe(version)
    streams.set(referral_id, stream.events)
  }

  // the idempotency records tile every stream: each command all there or not at all
  const records = yield* sql<{ referral_id: string; from_version: number; to_version: number }>`
    SELECT referral_id, from_version, to_version FROM idempotency_keys ORDER BY referral_id, from_version, to_version`
  const reached = new Map<string, number>()
  for (const r of records) {
    expect(r.from_version).toBe(reached.get(r.referral_id) ?? 0)
    reached.set(r.referral_id, r.to_version)
  }
  for (const { referral_id, version } of streamRows) expect(reached.get(referral_id)).toBe(version)
  expect([...reached.keys()].filter((id) => !streams.has(id) && (reached.get(id) ?? 0) > 0)).toEqual([])

  // the projection equals a rebuild from the log, one row per stream
  expect(projected.map((r) => r.referral_id)).toEqual(streamRows.map((r) => r.referral_id))
  const rebuilt = yield* SqlProjections.rebuildProjections()
  expect(rebuilt).toBe(streamRows.length)
  expect(yield* projectionRows).toEqual(projected)
  // each link worker's active clients as the appends kept them equal a recount (the rebuild recounts)
  const recounted = yield* loadRows
  expect(load.filter((r) => r.active_clients !== 0)).toEqual(recounted)

  // the outbox: exactly one entry for every message the committed events ask for, with its payload
  const expected = [...streams.values()].flatMap((events) => SqlOutbox.messagesOf(events, Referral.fold(events)))
  expect(outbox.map((r) => ({ id: r.id, payload: r.payload, not_before: r.not_before })).sort(byId)).toEqual(
    expected.map((m) => ({ id: m.id, payload: m.payload, not_before: m.notBefore })).sort(byId)
  )
  return { streams }
})
