/**
 * The store on lahete's SQLite client (`NodeSqlite`, what
 * `SqliteReferralStack` builds): a command's append runs as one synchronous
 * batch on the connection (`BEGIN IMMEDIATE` … `COMMIT`, no statement through
 * effect/sql); inside a transaction of the client it goes through effect/sql
 * and is undone with that transaction; a statement failing halfway through a
 * batch rolls the whole append back and leaves the connection usable.
 * (The guarantees themselves are the conformance suites', which run on this
 * client: `ReferralStoreSqlite`, `ReferralIndexSqlite`, `SubjectRace`,
 * `Concurrency`, `Crash`, `LoadGuard`.)
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Ids, ReferralService, ReferralStore } from "@lahete/core"
import { NodeSqlite, SqliteReferralStack } from "@lahete/store-sql/sqlite"
import { Fixtures } from "@lahete/testing"
import { Effect, Layer, Option, Schema, Tracer } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import * as Statement from "effect/sql/Statement"
import { DirectObserver, directOf } from "../src/internal/direct.js"
import { serviceOn, sqliteClient } from "./support/layers.js"

const referralId = Schema.decodeSync(Ids.ReferralId)
const key = Schema.decodeSync(Ids.IdempotencyKey)

/** Runs `effect`, returning the statements of its batches and those sent through effect/sql, apart. */
const observed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const batched: Array<string> = []
    const sent: Array<string> = []
    const result = yield* effect.pipe(
      Effect.provideService(Statement.CurrentTransformer, (self) => {
        sent.push(self.compile()[0])
        return Effect.succeed(self)
      }),
      Effect.provideService(DirectObserver, (text) => {
        batched.push(text)
      })
    )
    return { result, batched, sent }
  })

describe("the store on NodeSqlite", () => {
  it.effect("a command is one read and one synchronous batch: BEGIN IMMEDIATE, the append's statements, COMMIT", () =>
    Effect.gen(function* () {
      const service = yield* ReferralService.ReferralService
      const id = referralId("batch-1")
      yield* service.execute(Fixtures.submit({ referralId: id, idempotencyKey: key("batch-1-submit") }))
      const { batched, sent } = yield* observed(
        service.execute(Fixtures.assign({ referralId: id, idempotencyKey: key("batch-1-assign"), at: Fixtures.at(1) }))
      )
      expect(sent).toEqual([])
      expect(batched[0]).toContain("FROM referral_streams")
      expect(batched[1]).toBe("BEGIN IMMEDIATE")
      expect(batched.at(-1)).toBe("COMMIT")
      expect(batched.filter((s) => s.startsWith("INSERT INTO referral_events"))).toHaveLength(1)
    }).pipe(Effect.provide(serviceOn(sqliteClient)))
  )

  it.effect("inside a transaction of the client the append goes through effect/sql and is undone with it", () =>
    Effect.gen(function* () {
      const service = yield* ReferralService.ReferralService
      const store = yield* ReferralStore.ReferralStore
      const sql = yield* SqlClient.SqlClient
      const id = referralId("batch-2")
      const { result, batched, sent } = yield* observed(
        Effect.exit(
          sql.withTransaction(
            Effect.andThen(
              service.execute(Fixtures.submit({ referralId: id, idempotencyKey: key("batch-2-submit") })),
              Effect.fail("the caller's transaction fails after the append")
            )
          )
        )
      )
      expect(result._tag).toBe("Failure")
      expect(sent.length).toBeGreaterThan(0)
      expect(batched.filter((s) => s === "BEGIN IMMEDIATE")).toEqual([])
      expect((yield* store.current(id)).version).toBe(0)
      expect(yield* store.idempotency(key("batch-2-submit"))).toEqual(Option.none())
      // committed with it
      yield* sql.withTransaction(
        service.execute(Fixtures.submit({ referralId: id, idempotencyKey: key("batch-2-again") }))
      )
      expect((yield* store.current(id)).version).toBeGreaterThan(0)
    }).pipe(Effect.provide(serviceOn(sqliteClient)))
  )

  it.effect("a statement failing halfway through the batch undoes the whole append; the next one commits", () =>
    Effect.gen(function* () {
      const service = yield* ReferralService.ReferralService
      const store = yield* ReferralStore.ReferralStore
      const sql = yield* SqlClient.SqlClient
      const id = referralId("batch-3")
      // the outbox refuses every entry: a submission's batch fails after its key, stream, events and projection row
      yield* sql`CREATE TRIGGER refuse_outbox BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'refused'); END`
      const failed = yield* Effect.flip(
        service.execute(Fixtures.submit({ referralId: id, idempotencyKey: key("batch-3-submit") }))
      )
      expect(failed._tag).toBe("StoreFailure")
      expect(JSON.stringify(failed)).not.toContain("refused")
      expect((yield* store.current(id)).version).toBe(0)
      expect(yield* store.idempotency(key("batch-3-submit"))).toEqual(Option.none())
      expect(yield* sql`SELECT referral_id FROM referral_projection WHERE referral_id = ${id}`).toEqual([])
      expect(yield* sql`SELECT subject_id FROM subjects`).toEqual([])
      yield* sql`DROP TRIGGER refuse_outbox`
      yield* service.execute(Fixtures.submit({ referralId: id, idempotencyKey: key("batch-3-submit") }))
      expect((yield* store.current(id)).version).toBeGreaterThan(0)
    }).pipe(Effect.provide(serviceOn(sqliteClient)))
  )
})

describe("tracing", () => {
  it.effect(
    "an append's batch is one client span, named as effect/sql names its statements' spans, with its statements",
    () =>
      Effect.gen(function* () {
        const service = yield* ReferralService.ReferralService
        const spans: Array<Tracer.NativeSpan> = []
        const tracer = Tracer.make({
          span: (options) => {
            const span = new Tracer.NativeSpan(options)
            spans.push(span)
            return span
          }
        })
        const id = referralId("batch-5")
        yield* service
          .execute(Fixtures.submit({ referralId: id, idempotencyKey: key("batch-5-submit") }))
          .pipe(Effect.withTracer(tracer))
        const batches = spans.filter((span) => span.attributes.get("effect.sql.method") === "batch")
        // the read of the current state, and the append
        expect(batches).toHaveLength(2)
        for (const span of batches) {
          expect(span.name).toBe("sqlite")
          expect(span.kind).toBe("client")
          expect(span.attributes.get("db.system.name")).toBe("sqlite")
          expect(span.status._tag).toBe("Ended")
        }
        const text = String(batches[1]?.attributes.get("db.query.text"))
        expect(text.startsWith("PRAGMA secure_delete = ON;\nBEGIN IMMEDIATE")).toBe(true)
        expect(text).toContain("INSERT INTO referral_events")
        expect(text.endsWith("COMMIT")).toBe(true)
        // statements, never their parameters: no personal data in a span
        const { givenName, familyName, mobileNumber } = Fixtures.submit().client
        for (const value of [givenName, familyName, mobileNumber]) expect(text).not.toContain(String(value))
      }).pipe(Effect.provide(serviceOn(sqliteClient)))
  )
})

describe("a batch that throws inside its transaction", () => {
  it.effect("leaves no transaction open: the client rolls it back, and the next writes commit", () =>
    Effect.gen(function* () {
      const service = yield* ReferralService.ReferralService
      const store = yield* ReferralStore.ReferralStore
      const sql = yield* SqlClient.SqlClient
      const direct = directOf(sql)
      if (direct === undefined) throw new Error("NodeSqlite offers batches")
      const thrown = yield* Effect.flip(
        direct.run((batch) => {
          batch.run("BEGIN IMMEDIATE")
          batch.run("INSERT INTO store_secrets (name, secret) VALUES ('left-open', 'never committed')")
          throw new Error("the batch fails halfway")
        })
      )
      expect(thrown._tag).toBe("SqlError")
      expect(yield* direct.run((batch) => batch.inTransaction())).toEqual({ ran: true, value: false })
      expect(yield* sql`SELECT name FROM store_secrets WHERE name = 'left-open'`).toEqual([])
      const id = referralId("batch-4")
      yield* service.execute(Fixtures.submit({ referralId: id, idempotencyKey: key("batch-4-submit") }))
      expect((yield* store.current(id)).version).toBeGreaterThan(0)
    }).pipe(Effect.provide(serviceOn(sqliteClient)))
  )
})

describe("NodeSqlite's settings", () => {
  it.effect(
    "a setting it does not take is an error naming it, through SqliteReferralStack too; nothing is opened",
    () =>
      Effect.gen(function* () {
        const dir = mkdtempSync(join(tmpdir(), "lahete-settings-"))
        const filename = join(dir, "never.db")
        const misspelt = { filename, linkWorker: [Fixtures.linkWorker()] }
        const direct = yield* Effect.flip(
          Effect.scoped(Layer.build(NodeSqlite.layer(misspelt as unknown as NodeSqlite.Config)))
        )
        expect(direct._tag).toBe("SqlError")
        expect(direct.message).toContain('unknown setting "linkWorker"')
        const stack = yield* Effect.flip(
          Effect.scoped(Layer.build(SqliteReferralStack.layer(misspelt as unknown as SqliteReferralStack.Config)))
        )
        expect(stack.message).toContain('unknown setting "linkWorker"')
        expect(existsSync(filename)).toBe(false)
        const noName = yield* Effect.flip(
          Effect.scoped(Layer.build(NodeSqlite.layer({} as unknown as NodeSqlite.Config)))
        )
        expect(noName.message).toContain('"filename"')
        rmSync(dir, { recursive: true, force: true })
      })
  )
})
