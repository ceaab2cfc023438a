/**
 * The store's fingerprint secret (`ReferralStore.fingerprintSecret`, table
 * `store_secrets`): made on first use, kept in the database, so a service
 * started again over the same database (a restart, or another instance)
 * still replays a retried command, and still refuses the same key with
 * other personal data. On SQLite a new client on the same file stands for
 * the restart; on PostgreSQL a new store instance on the same schema.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { describe, expect, it } from "@effect/vitest"
import { AuditLogMemory, LinkWorkerRegistry, Presets, ReferralService } from "@lahete/core"
import { SqlReferralStore } from "@lahete/store-sql"
import { Fixtures } from "@lahete/testing"
import { Context, Effect, Layer, Redacted, type Scope } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import * as Statement from "effect/sql/Statement"
import { databases } from "./support/layers.js"

/** A service over a new store instance on the client in the context (what a restarted process builds). */
const started = Effect.gen(function* () {
  const { store } = yield* SqlReferralStore.makeWithIndex()
  const service = yield* ReferralService.layer.pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        SqlReferralStore.layer,
        AuditLogMemory.layer,
        LinkWorkerRegistry.layerMemory([Fixtures.linkWorker()]),
        ReferralService.catalogLayer(Presets.catalog)
      )
    ),
    Layer.build,
    Effect.map((context) => Context.get(context, ReferralService.ReferralService))
  )
  return { store, service }
})

const submit = Fixtures.submit()
const otherPatient = {
  ...submit,
  client: { ...submit.client, givenName: "Eino", familyName: "Esimerkki", personalIdentityCode: "131052-308T" },
  reasonText: "Another client's reason."
}

describe("the fingerprint secret in the SQL store", () => {
  for (const db of databases()) {
    it.live(`${db.name}: one row, the same secret for every store instance; a retry after a restart replays`, () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const first = yield* started
        const executed = yield* first.service.execute(submit)
        expect(executed.replayed).toBe(false)
        const secret = Redacted.value(yield* first.store.fingerprintSecret())

        const second = yield* started
        expect(Redacted.value(yield* second.store.fingerprintSecret())).toBe(secret)
        expect(yield* second.service.execute({ ...submit, at: Fixtures.at(2) })).toMatchObject({
          replayed: true,
          events: executed.events
        })
        const reused = yield* Effect.flip(second.service.execute(otherPatient))
        expect(reused._tag).toBe("IdempotencyKeyReused")
        const rows = yield* sql`SELECT name FROM store_secrets`
        expect(rows).toEqual([{ name: "fingerprint" }])
        expect((yield* second.store.load(submit.referralId)).version).toBe(executed.version)
      }).pipe(Effect.scoped, Effect.provide(Layer.fresh(db.client)))
    )
  }

  for (const db of databases()) {
    it.live(`${db.name}: read from the database once per store, not again for every command`, () =>
      Effect.gen(function* () {
        const { service } = yield* started
        const statements: Array<string> = []
        const counted = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
          Effect.provideService(effect, Statement.CurrentTransformer, (self) => {
            statements.push(self.compile()[0])
            return Effect.succeed(self)
          })
        yield* counted(service.execute(submit))
        const first = statements.filter((s) => s.includes("store_secrets")).length
        expect(first).toBeGreaterThan(0)
        // a retry and another command: the secret the store already holds
        expect((yield* counted(service.execute({ ...submit, at: Fixtures.at(2) }))).replayed).toBe(true)
        yield* counted(service.execute(Fixtures.assign()))
        expect(statements.filter((s) => s.includes("store_secrets")).length).toBe(first)
      }).pipe(Effect.scoped, Effect.provide(Layer.fresh(db.client)))
    )
  }

  it.live("SQLite: a new client on the same file (a process restarted) finds the same secret", () =>
    Effect.gen(function* () {
      const dir = yield* Effect.acquireRelease(
        Effect.sync(() => mkdtempSync(join(tmpdir(), "lahete-secret-"))),
        (d) => Effect.sync(() => rmSync(d, { recursive: true, force: true }))
      )
      const client = () => SqliteClient.layer({ filename: join(dir, "store.db") })
      const run = <A, E>(body: Effect.Effect<A, E, SqlClient.SqlClient | Scope.Scope>) =>
        Effect.scoped(Effect.provide(body, Layer.fresh(client())))
      const before = yield* run(
        Effect.gen(function* () {
          const { store, service } = yield* started
          yield* service.execute(submit)
          return Redacted.value(yield* store.fingerprintSecret())
        })
      )
      const after = yield* run(
        Effect.gen(function* () {
          const { store, service } = yield* started
          const again = yield* service.execute(submit)
          const reused = yield* Effect.flip(service.execute(otherPatient))
          return { secret: Redacted.value(yield* store.fingerprintSecret()), again, reused }
        })
      )
      expect(after.secret).toBe(before)
      expect(after.again.replayed).toBe(true)
      expect(after.reused._tag).toBe("IdempotencyKeyReused")
    }).pipe(Effect.scoped)
  )
})
