/**
 * The one-layer stacks: `SqlReferralStack.layer` over a client, and
 * `SqliteReferralStack.layer` / `PgReferralStack.layer` with the client. What
 * they must do: provide everything `ReferralService` and `ReferralQueries`
 * need (a referral goes in through the service and comes out of a query), put
 * the `linkWorkers` into the SQL registry (an assignment from the registry
 * works, and they survive a restart), run only the programmes of `catalog`,
 * hand the service its options (`fingerprintSecret`) and the client its
 * settings (`busyTimeout`).
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { PgClient } from "@effect/sql-pg"
import { afterAll, describe, expect, it } from "@effect/vitest"
import {
  Ids,
  LinkWorkerRegistry,
  Presets,
  Programme,
  ReferralQueries,
  ReferralService,
  ReferralStore
} from "@lahete/core"
import { SqlReferralStack } from "@lahete/store-sql"
import { PgReferralStack } from "@lahete/store-sql/pg"
import { SqliteReferralStack } from "@lahete/store-sql/sqlite"
import { Fixtures } from "@lahete/testing"
import { Duration, Effect, Layer, Redacted, Result, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { databases, databaseUrl, warnSkipped } from "./support/layers.js"

const dir = mkdtempSync(join(tmpdir(), "lahete-stack-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0
const newFile = () => join(dir, `stack-${files++}.db`)

const key = Schema.decodeSync(Ids.IdempotencyKey)

/** A referral submitted through the service, assigned from the registry, seen in the coordinator's inbox. */
const story = Effect.gen(function* () {
  const service = yield* ReferralService.ReferralService
  const submitted = yield* service.execute(Fixtures.submit())
  const assigned = yield* service.assign({
    referralId: Fixtures.referralId,
    linkWorkerId: Fixtures.linkWorker().id,
    actor: Fixtures.coordinator,
    at: Fixtures.at(2),
    idempotencyKey: key("assign-1")
  })
  const inbox = yield* ReferralQueries.coordinatorInbox(Fixtures.coordinator, {
    programmeIds: [Presets.kemijarvi.id]
  })
  const registry = yield* LinkWorkerRegistry.LinkWorkerRegistry
  const workers = yield* registry.list()
  return {
    submitted: submitted.state.status,
    assigned: assigned.state.status,
    inbox: inbox.entries.map((entry) => entry.referralId),
    workers: workers.map((w) => w.id)
  }
})

const expected = {
  submitted: "Submitted",
  assigned: "Assigned",
  inbox: [Fixtures.referralId],
  workers: [Fixtures.linkWorker().id]
}

describe("SqlReferralStack", () => {
  for (const database of databases()) {
    it.effect(`${database.name}: over a client, the service, the queries and the seeded registry work together`, () =>
      story.pipe(
        Effect.provide(
          SqlReferralStack.layer({ linkWorkers: [Fixtures.linkWorker()] }).pipe(Layer.provideMerge(database.client))
        ),
        Effect.map((outcome) => expect(outcome).toEqual(expected))
      )
    )
  }

  it.effect("SQLite in one layer: the same, and the registry and the referral survive a restart", () =>
    Effect.gen(function* () {
      const filename = newFile()
      const first = yield* story.pipe(
        Effect.provide(SqliteReferralStack.layer({ filename, linkWorkers: [Fixtures.linkWorker()] }))
      )
      expect(first).toEqual(expected)
      // a second start without the seed: the link worker and the referral are in the file
      const again = yield* Effect.gen(function* () {
        const registry = yield* LinkWorkerRegistry.LinkWorkerRegistry
        const store = yield* ReferralStore.ReferralStore
        const stream = yield* store.load(Fixtures.referralId)
        return { workers: (yield* registry.list()).map((w) => w.id), version: stream.version }
      }).pipe(Effect.provide(SqliteReferralStack.layer({ filename })))
      expect(again.workers).toEqual([Fixtures.linkWorker().id])
      expect(again.version).toBeGreaterThan(0)
    })
  )

  it.effect("runs only the programmes of `catalog`", () =>
    Effect.gen(function* () {
      const service = yield* ReferralService.ReferralService
      const refused = yield* Effect.flip(service.execute(Fixtures.submit()))
      expect(refused._tag).toBe("ProgrammeNotFound")
      const sodankyla = yield* service.execute(
        Fixtures.submit({ programmeId: Presets.sodankyla.id, idempotencyKey: key("sodankyla-1") })
      )
      expect(sodankyla.state.status).toBe("Submitted")
    }).pipe(
      Effect.provide(
        SqliteReferralStack.layer({
          filename: newFile(),
          catalog: Result.getOrThrow(Programme.catalog([Presets.sodankyla]))
        })
      )
    )
  )

  it.effect("hands the service its fingerprint secret: a key reused with other personal data is refused", () =>
    Effect.gen(function* () {
      const idempotencyKey = key("submit-once")
      const first = Fixtures.submit({ idempotencyKey })
      const other = Fixtures.submit({ idempotencyKey, client: { ...Fixtures.submit().client, givenName: "Aili" } })
      const run = (layer: Layer.Layer<ReferralService.ReferralService, unknown>, command: typeof first) =>
        Effect.result(
          Effect.flatMap(ReferralService.ReferralService, (service) => service.execute(command)).pipe(
            Effect.provide(layer)
          )
        )
      // without a configured secret (the store's own): the whole command counts
      const unconfigured = newFile()
      yield* run(SqliteReferralStack.layer({ filename: unconfigured }), first)
      const reused = yield* run(SqliteReferralStack.layer({ filename: unconfigured }), other)
      expect(Result.isFailure(reused) && (reused.failure as { _tag: string })._tag).toBe("IdempotencyKeyReused")
      // a configured secret is the one used: the same command again replays under it, and not under another
      const configured = newFile()
      const secret = (s: string) =>
        SqliteReferralStack.layer({ filename: configured, fingerprintSecret: Redacted.make(s) })
      yield* run(secret("a-secret"), first)
      const again = yield* run(secret("a-secret"), first)
      expect(Result.isSuccess(again) && again.success.replayed).toBe(true)
      const otherSecret = yield* run(secret("another-secret"), first)
      expect(Result.isFailure(otherSecret) && (otherSecret.failure as { _tag: string })._tag).toBe(
        "IdempotencyKeyReused"
      )
    })
  )

  it.effect("hands the SQLite client its settings", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const [row] = yield* sql<{ timeout: number }>`PRAGMA busy_timeout`
      const [mode] = yield* sql<{ journal_mode: string }>`PRAGMA journal_mode`
      expect(row?.timeout).toBe(2345)
      expect(mode?.journal_mode).toBe("wal")
    }).pipe(Effect.provide(SqliteReferralStack.layer({ filename: newFile(), busyTimeout: Duration.millis(2345) })))
  )

  const pgUrl = databaseUrl
  if (pgUrl === undefined) {
    warnSkipped("PgReferralStack in SqlReferralStack.test.ts")
  } else {
    it.effect("PostgreSQL in one layer: the pool from plain settings, and the same story", () =>
      Effect.gen(function* () {
        const schema = `t_${crypto.randomUUID().replaceAll("-", "")}`
        const admin = PgClient.layer({ url: Redacted.make(pgUrl), maxConnections: 1 })
        const exec = (statement: string) =>
          Effect.gen(function* () {
            const sql = yield* SqlClient.SqlClient
            yield* sql.unsafe(statement)
          }).pipe(Effect.provide(admin))
        yield* exec(`CREATE SCHEMA ${schema}`)
        const outcome = yield* story.pipe(
          Effect.provide(
            PgReferralStack.layer({
              url: Redacted.make(pgUrl),
              startupParameters: { search_path: schema },
              maxConnections: 2,
              linkWorkers: [Fixtures.linkWorker()]
            })
          ),
          Effect.ensuring(Effect.ignore(exec(`DROP SCHEMA ${schema} CASCADE`)))
        )
        expect(outcome).toEqual(expected)
      })
    )
  }
})
