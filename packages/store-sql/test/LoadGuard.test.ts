/**
 * The assignment guard (`AppendRequest.expectedLoad`) under real
 * concurrency: two coordinators, each in an application instance of their
 * own (a child process with its own database connection), assign the same
 * link worker to two different referrals at the same moment, both decided
 * against the same count of active clients. Round after round exactly one
 * assignment is written and the other fails with `LoadChanged` (naming the
 * count it found), so the link worker never gets a client more than the
 * count each decision saw: on SQLite because the write transaction runs
 * alone (`BEGIN IMMEDIATE`), on PostgreSQL because the append takes an
 * advisory lock on the link worker before counting. Afterwards the index's
 * count and the caseload equal the rounds.
 *
 * And through `ReferralService.assign` (which counts by index, decides,
 * appends with the count as `expectedLoad` and decides again on
 * `LoadChanged`): two coordinators assigning the last free place of a link
 * worker at once (concurrent fibers; on PostgreSQL on two connections) get
 * one assignment and one refusal (the link worker is at capacity), never two
 * assignments. (On PostgreSQL both decisions are made against the same count,
 * so without the guard both would be written: checked by hand. SQLite's one
 * connection in one process runs the two almost one after the other; the
 * two-process test above is the race there.)
 */
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { PgClient } from "@effect/sql-pg"
import { describe, expect, it } from "@effect/vitest"
import {
  AuditLogMemory,
  Ids,
  LinkWorkerRegistry,
  Presets,
  ReferralIndex,
  ReferralService,
  ReferralStore
} from "@lahete/core"
import { SqlReferralStore } from "@lahete/store-sql"
import { NodeSqlite } from "@lahete/store-sql/sqlite"
import { Fixtures } from "@lahete/testing"
import { Effect, Layer, Redacted, Result, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { databases, databaseUrl, warnSkipped } from "./support/layers.js"

const repo = join(import.meta.dirname, "..", "..", "..")
const node = existsSync(join(repo, "node_modules", ".bin", "node"))
  ? join(repo, "node_modules", ".bin", "node")
  : process.execPath
const child = join(import.meta.dirname, "support", "child.ts")

const rounds = 25
const referralId = Schema.decodeSync(Ids.ReferralId)
const key = Schema.decodeSync(Ids.IdempotencyKey)
const linkWorkerId = Fixtures.linkWorker().id

/** A coordinator's instance: sends lines, reads its `result` lines in order. */
interface Instance {
  readonly send: (line: string) => void
  readonly result: () => Promise<string>
  readonly stop: () => void
}

const startInstance = (env: Record<string, string>): Promise<Instance> =>
  new Promise((resolve, reject) => {
    const proc: ChildProcess = spawn(
      node,
      ["--experimental-transform-types", "--no-warnings", "--conditions=@lahete/source", child, "./assignRace.js"],
      { cwd: repo, env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] }
    )
    const results: Array<string> = []
    const waiting: Array<(line: string) => void> = []
    let buffered = ""
    let stderr = ""
    proc.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    proc.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString()
      const lines = buffered.split("\n")
      buffered = lines.pop() ?? ""
      for (const line of lines) {
        if (line === "ready") {
          resolve({
            send: (l) => proc.stdin?.write(`${l}\n`),
            result: () =>
              new Promise((done) => {
                const next = results.shift()
                if (next !== undefined) done(next)
                else waiting.push(done)
              }),
            stop: () => proc.stdin?.end("exit\n")
          })
        } else if (line.startsWith("result ")) {
          const waiter = waiting.shift()
          if (waiter !== undefined) waiter(line)
          else results.push(line)
        }
      }
    })
    proc.on("error", reject)
    proc.on("exit", (code) => {
      if (code !== 0) reject(new Error(`the instance exited with ${code}: ${stderr.slice(0, 2000)}`))
    })
  })

/** Submits the referrals of the rounds (two per round), through the store. */
const submitAll = Effect.gen(function* () {
  const store = yield* ReferralStore.ReferralStore
  for (let i = 0; i < rounds * 2; i++) {
    const id = referralId(`r-race-${i}`)
    yield* store.append({
      referralId: id,
      expectedVersion: 0,
      events: Fixtures.history([Fixtures.submit({ referralId: id })]).events,
      idempotencyKey: key(`submit-${i}`),
      fingerprint: "submit",
      vault: []
    })
  }
  return Fixtures.history([Fixtures.submit()]).events.length
})

/** The rounds: both instances assign at once against the same count; exactly one may win. */
const race = (a: Instance, b: Instance, submittedVersion: number) =>
  Effect.gen(function* () {
    for (let round = 0; round < rounds; round++) {
      const [x, y] = [`r-race-${2 * round}`, `r-race-${2 * round + 1}`]
      a.send(`assign ${x} ${submittedVersion} ${round}`)
      b.send(`assign ${y} ${submittedVersion} ${round}`)
      const outcomes = yield* Effect.promise(() => Promise.all([a.result(), b.result()]))
      expect(
        outcomes.filter((o) => o.endsWith(" ok")),
        `round ${round}: ${outcomes.join(", ")}`
      ).toHaveLength(1)
      expect(
        outcomes.filter((o) => o.endsWith(` LoadChanged ${round + 1}`)),
        outcomes.join(", ")
      ).toHaveLength(1)
    }
    a.stop()
    b.stop()
    const index = yield* ReferralIndex.ReferralIndex
    expect(yield* index.activeClients(linkWorkerId)).toBe(rounds)
    const caseload = yield* index.find({ linkWorkerId, ended: false }, { limit: 500 })
    expect(caseload.items.filter((s) => s.status === "Assigned")).toHaveLength(rounds)
    // the losers wrote nothing: neither events nor their idempotency keys
    const sql = yield* SqlClient.SqlClient
    const keys = yield* sql<{
      n: unknown
    }>`SELECT count(*) AS n FROM idempotency_keys WHERE idempotency_key LIKE 'assign-%'`
    expect(Number(keys[0]?.n)).toBe(rounds)
  })

describe("two coordinators assigning the last free place at once", () => {
  it.live(
    "SQLite (file, WAL), two processes: never both",
    () =>
      Effect.gen(function* () {
        const dir = yield* Effect.acquireRelease(
          Effect.sync(() => mkdtempSync(join(tmpdir(), "lahete-race-"))),
          (d) => Effect.sync(() => rmSync(d, { recursive: true, force: true }))
        )
        const filename = join(dir, "store.db")
        const setup = SqlReferralStore.layer.pipe(Layer.provideMerge(NodeSqlite.layer({ filename })))
        yield* Effect.gen(function* () {
          const version = yield* submitAll
          const [a, b] = yield* Effect.promise(() =>
            Promise.all([
              startInstance({ LAHETE_RACE_SQLITE: filename }),
              startInstance({ LAHETE_RACE_SQLITE: filename })
            ])
          )
          yield* race(a, b, version)
        }).pipe(Effect.provide(setup))
      }).pipe(Effect.scoped),
    120_000
  )

  if (databaseUrl === undefined) {
    warnSkipped("the PostgreSQL run of the assignment race")
    return
  }
  const url = databaseUrl
  it.live(
    "PostgreSQL, two processes: never both",
    () =>
      Effect.gen(function* () {
        const schema = `t_${crypto.randomUUID().replaceAll("-", "")}`
        const admin = PgClient.layer({ url: Redacted.make(url), maxConnections: 1 })
        yield* Effect.acquireRelease(
          SqlClient.SqlClient.use((sql) => sql.unsafe(`CREATE SCHEMA ${schema}`)).pipe(Effect.provide(admin)),
          () =>
            Effect.ignore(
              SqlClient.SqlClient.use((sql) => sql.unsafe(`DROP SCHEMA ${schema} CASCADE`)).pipe(Effect.provide(admin))
            )
        )
        const setup = SqlReferralStore.layer.pipe(
          Layer.provideMerge(
            PgClient.layer({ url: Redacted.make(url), startupParameters: { search_path: schema }, maxConnections: 2 })
          )
        )
        yield* Effect.gen(function* () {
          const version = yield* submitAll
          const env = { LAHETE_RACE_PG_URL: url, LAHETE_RACE_PG_SCHEMA: schema }
          const [a, b] = yield* Effect.promise(() => Promise.all([startInstance(env), startInstance(env)]))
          yield* race(a, b, version)
        }).pipe(Effect.provide(setup))
      }).pipe(Effect.scoped),
    120_000
  )
})

const serviceRounds = 12

for (const database of databases({ maxConnections: 4 })) {
  describe(`two coordinators assigning the last free place through ReferralService on ${database.name}`, () => {
    it.live("one assignment and one refusal, never two", () => {
      // one link worker per round, with one free place
      const linkWorkers = Array.from({ length: serviceRounds }, (_, r) =>
        Fixtures.linkWorker({ id: Schema.decodeSync(Ids.ActorId)(`lw-race-${r}`), capacity: 1 })
      )
      const layer = ReferralService.layer.pipe(
        Layer.provideMerge(
          Layer.mergeAll(
            SqlReferralStore.layer,
            AuditLogMemory.layer,
            LinkWorkerRegistry.layerMemory(linkWorkers),
            ReferralService.catalogLayer(Presets.catalog)
          )
        ),
        Layer.provideMerge(Layer.fresh(database.client))
      )
      return Effect.gen(function* () {
        const service = yield* ReferralService.ReferralService
        const index = yield* ReferralIndex.ReferralIndex
        for (let r = 0; r < serviceRounds; r++) {
          const ids = [referralId(`r-svc-${r}-a`), referralId(`r-svc-${r}-b`)]
          for (const id of ids) {
            yield* service.execute(Fixtures.submit({ referralId: id, idempotencyKey: key(`submit-${id}`) }))
          }
          const outcomes = yield* Effect.all(
            ids.map((id) =>
              Effect.result(
                service.assign({
                  referralId: id,
                  linkWorkerId: linkWorkers[r]?.id ?? Fixtures.linkWorker().id,
                  actor: Fixtures.coordinator,
                  at: Fixtures.at(2),
                  idempotencyKey: key(`assign-${id}`)
                })
              )
            ),
            { concurrency: "unbounded" }
          )
          const won = outcomes.filter(Result.isSuccess)
          const refused = outcomes.flatMap((o) => (Result.isFailure(o) ? [o.failure] : []))
          expect(won, `round ${r}: ${refused.map((e) => e._tag).join(", ")}`).toHaveLength(1)
          expect(refused).toHaveLength(1)
          // a refusal by the lifecycle (at capacity), not a store failure or a conflict left over
          expect(["StoreFailure", "VersionConflict", "LoadChanged"]).not.toContain(refused[0]?._tag)
          expect(yield* index.activeClients(linkWorkers[r]?.id ?? Fixtures.linkWorker().id)).toBe(1)
        }
      }).pipe(Effect.provide(layer))
    })
  })
}
