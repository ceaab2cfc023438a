/**
 * One coordinator's application instance in `LoadGuard.test.ts`, in a child
 * process with its own database connection: the SQL store on SQLite
 * (`LAHETE_RACE_SQLITE`, a database file) or PostgreSQL
 * (`LAHETE_RACE_PG_URL`, `LAHETE_RACE_PG_SCHEMA`). It prints `ready` once the
 * store is built, then for each line `assign <referralId> <expectedVersion>
 * <activeClients>` on stdin appends the assignment of the fixture link
 * worker to that (submitted) referral, guarded by `expectedLoad`, and prints
 * `result <referralId> ok`, `result <referralId> LoadChanged <actual>` or
 * `result <referralId> failed <tag>`. `exit` ends it.
 */
import { createInterface } from "node:readline"
import { PgClient } from "@effect/sql-pg"
import { Ids, ReferralStore } from "@lahete/core"
import { SqlReferralStore } from "@lahete/store-sql"
import { NodeSqlite } from "@lahete/store-sql/sqlite"
import { Fixtures } from "@lahete/testing"
import { Effect, Layer, Queue, Redacted, Schema } from "effect"

const sqliteFile = process.env.LAHETE_RACE_SQLITE
const database =
  sqliteFile !== undefined
    ? NodeSqlite.layer({ filename: sqliteFile })
    : PgClient.layer({
        url: Redacted.make(process.env.LAHETE_RACE_PG_URL ?? ""),
        startupParameters: { search_path: process.env.LAHETE_RACE_PG_SCHEMA ?? "public" },
        maxConnections: 1
      })

const referralId = Schema.decodeSync(Ids.ReferralId)
const key = Schema.decodeSync(Ids.IdempotencyKey)

/** The events of assigning the fixture link worker to a submitted referral. */
const assignment = (id: Ids.ReferralId) => {
  const submitted = Fixtures.history([Fixtures.submit({ referralId: id })]).events.length
  return Fixtures.history([Fixtures.submit({ referralId: id }), Fixtures.assign({ referralId: id })]).events.slice(
    submitted
  )
}

const program = Effect.gen(function* () {
  const store = yield* ReferralStore.ReferralStore
  const lines = yield* Queue.unbounded<string>()
  createInterface({ input: process.stdin }).on("line", (line) => Queue.offerUnsafe(lines, line))
  process.stdout.write("ready\n")
  for (;;) {
    const line = yield* Queue.take(lines)
    const [command, id, version, load] = line.trim().split(" ")
    if (command === "exit" || id === undefined) return
    const referral = referralId(id)
    const result = yield* Effect.result(
      store.append({
        referralId: referral,
        expectedVersion: Number(version),
        events: assignment(referral),
        idempotencyKey: key(`assign-${id}`),
        fingerprint: "assign",
        vault: [],
        expectedLoad: { linkWorkerId: Fixtures.linkWorker().id, activeClients: Number(load) }
      })
    )
    process.stdout.write(
      result._tag === "Success"
        ? `result ${id} ok\n`
        : result.failure._tag === "LoadChanged"
          ? `result ${id} LoadChanged ${result.failure.actualActiveClients}\n`
          : `result ${id} failed ${result.failure._tag}\n`
    )
  }
})

await Effect.runPromise(Effect.provide(program, SqlReferralStore.layer.pipe(Layer.provide(database))))
process.exit(0)
