/**
 * The SQL store's benchmark (`pnpm bench`, started by `bench/run.mjs`). For
 * SQLite (a file in WAL mode) and PostgreSQL (`DATABASE_URL`, else a
 * throwaway cluster with default durability) it measures, on a new empty
 * database per phase:
 *
 * 1. full referral lifecycles per second (`lifecycle.ts`: 11 commands,
 *    submit → follow-up) through `ReferralService` over the SQL store, with
 *    one worker and with several workers (fibers; on PostgreSQL a pool of
 *    as many connections), and the latency of every `execute` (p50, p99);
 * 2. our append against a raw insert of the same rows: the appends of the
 *    same lifecycles given to `ReferralStore.append`, and the same events
 *    encoded and inserted with one plain `INSERT` through the same
 *    `SqlClient` (no transaction of ours, version guard, idempotency key,
 *    vault, projection or outbox), alternating lifecycle by lifecycle.
 *
 * It prints Markdown tables: the machine, the settings, the figures. Not a
 * test: nothing is asserted about speed, only that every lifecycle ended in
 * `FollowedUp`.
 */
import { mkdtempSync, rmSync } from "node:fs"
import os from "node:os"
import { join } from "node:path"
import { PgClient } from "@effect/sql-pg"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { ReferralEvent, ReferralService, ReferralStore } from "@lahete/core"
import { SqlReferralStack } from "@lahete/store-sql"
import { Fixtures } from "@lahete/testing"
import { PostgresTest } from "@lahete/testing/postgres"
import { Effect, Layer, Redacted } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import { it } from "vitest"
import {
  loadAtStart,
  mean,
  option,
  percentile,
  quick,
  record,
  sortedOf,
  table
} from "../../../scripts/bench-kit/measure.js"
import { appendRequests, commandsPerLifecycle, lifecycle } from "./lifecycle.js"

// ---------------------------------------------------------------------------
// settings
// ---------------------------------------------------------------------------

const only = option("only")

const settings = quick
  ? { warmup: 3, serial: 20, workers: 4, perWorker: 5, appendLifecycles: 20 }
  : { warmup: 10, serial: 200, workers: 4, perWorker: 50, appendLifecycles: 200 }

// ---------------------------------------------------------------------------
// databases
// ---------------------------------------------------------------------------

interface Target {
  readonly name: string
  /** A new, empty database (released afterwards). */
  readonly fresh: Layer.Layer<SqlClient.SqlClient, SqlError>
  /** How the connection is set up, for the settings table. */
  readonly connection: string
}

const sqlite: Target = {
  name: "SQLite",
  connection: "node:sqlite, one connection, file in WAL mode",
  fresh: Layer.unwrap(
    Effect.map(
      Effect.acquireRelease(
        Effect.sync(() => mkdtempSync(join(os.tmpdir(), "lahete-bench-sqlite-"))),
        (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
      ),
      (dir) => SqliteClient.layer({ filename: join(dir, "bench.db") })
    )
  )
}

/** PostgreSQL: each build is a new schema (the connections' `search_path`), dropped afterwards. */
const postgres = (url: string, connections: number, origin: string): Target => ({
  name: "PostgreSQL",
  connection: `@effect/sql-pg, pool of ${connections} connections, ${origin}`,
  fresh: Layer.unwrap(
    Effect.sync(() => {
      const schema = `bench_${crypto.randomUUID().replaceAll("-", "")}`
      const client = PgClient.layer({
        url: Redacted.make(url),
        startupParameters: { search_path: schema },
        maxConnections: connections
      })
      const createSchema = Layer.effectDiscard(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          yield* sql.unsafe(`CREATE SCHEMA ${schema}`)
          yield* Effect.addFinalizer(() => Effect.ignore(sql.unsafe(`DROP SCHEMA ${schema} CASCADE`)))
        })
      )
      return Layer.provideMerge(createSchema, client)
    })
  )
})

/** The service over the SQL store and audit log on `client`, as an application would build it. */
const serviceOn = (client: Layer.Layer<SqlClient.SqlClient, SqlError>) =>
  SqlReferralStack.layer({ linkWorkers: [Fixtures.linkWorker()] }).pipe(Layer.provideMerge(client))

/** The database's version and durability settings. */
const describeDatabase = Effect.gen(function* () {
  const sql = (yield* SqlClient.SqlClient).withoutTransforms()
  const one = (rows: ReadonlyArray<Record<string, unknown>>) => String(Object.values(rows[0] ?? {})[0])
  return yield* sql.onDialectOrElse({
    pg: () =>
      Effect.gen(function* () {
        const version = one(yield* sql`SHOW server_version`)
        const fsync = one(yield* sql`SHOW fsync`)
        const commit = one(yield* sql`SHOW synchronous_commit`)
        return { version: `PostgreSQL ${version}`, durability: `fsync=${fsync}, synchronous_commit=${commit}` }
      }),
    orElse: () =>
      Effect.gen(function* () {
        const version = one(yield* sql`SELECT sqlite_version()`)
        const journal = one(yield* sql`PRAGMA journal_mode`)
        const level = one(yield* sql`PRAGMA synchronous`)
        const names: Record<string, string> = { "0": "OFF", "1": "NORMAL", "2": "FULL", "3": "EXTRA" }
        return {
          version: `SQLite ${version}`,
          durability: `journal_mode=${journal}, synchronous=${names[level] ?? level}`
        }
      })
  })
})

// ---------------------------------------------------------------------------
// measuring
// ---------------------------------------------------------------------------

interface LifecycleFigures {
  readonly workers: number
  readonly lifecycles: number
  readonly seconds: number
  readonly latencies: ReadonlyArray<number>
  readonly byCommand: ReadonlyMap<string, ReadonlyArray<number>>
}

/**
 * Runs `workers` × `perWorker` lifecycles through the service (after
 * `warmup` untimed ones), each worker its own referrals one after another,
 * timing every `execute`. Checks that every timed referral ended in
 * `FollowedUp`.
 */
const lifecycles = (workers: number, perWorker: number) =>
  Effect.gen(function* () {
    const service = yield* ReferralService.ReferralService
    const latencies: Array<number> = []
    const byCommand = new Map<string, Array<number>>()
    const run = (name: string, timed: boolean) =>
      Effect.forEach(
        lifecycle(name),
        (command) =>
          Effect.suspend(() => {
            const started = performance.now()
            return service.execute(command).pipe(
              Effect.mapError((e) => new Error(`bench: ${command._tag} of ${name} failed (${e._tag})`)),
              Effect.orDie,
              Effect.tap(() =>
                Effect.sync(() => {
                  if (!timed) return
                  const ms = performance.now() - started
                  latencies.push(ms)
                  const list = byCommand.get(command._tag) ?? []
                  list.push(ms)
                  byCommand.set(command._tag, list)
                })
              )
            )
          }),
        { discard: true }
      )
    for (let i = 0; i < settings.warmup; i++) yield* run(`warmup-${i}`, false)

    const started = performance.now()
    yield* Effect.forEach(
      Array.from({ length: workers }, (_, w) => w),
      (w) =>
        Effect.forEach(
          Array.from({ length: perWorker }, (_, i) => i),
          (i) => run(`w${w}-${i}`, true),
          { discard: true }
        ),
      { concurrency: workers, discard: true }
    )
    const seconds = (performance.now() - started) / 1000

    for (let w = 0; w < workers; w++) {
      for (let i = 0; i < perWorker; i++) {
        const first = lifecycle(`w${w}-${i}`)[0]
        if (first === undefined) continue
        const state = yield* Effect.orDie(service.state(first.referralId))
        if (state.status !== "FollowedUp") {
          return yield* Effect.die(new Error(`bench: referral ${first.referralId} ended in ${state.status}`))
        }
      }
    }
    return { workers, lifecycles: workers * perWorker, seconds, latencies, byCommand } satisfies LifecycleFigures
  })

interface AppendFigures {
  readonly appends: number
  readonly events: number
  readonly ours: ReadonlyArray<number>
  readonly raw: ReadonlyArray<number>
}

/**
 * Our append against a raw insert of the same rows, lifecycle by
 * lifecycle: all of a lifecycle's appends through `ReferralStore.append`,
 * then the same events encoded (the same codec, `JSON.stringify`) and
 * inserted with one `INSERT … VALUES` per command into a table with the same
 * columns and primary key (autocommit, no guard, key or vault).
 */
const appendVersusRaw = (count: number) =>
  Effect.gen(function* () {
    const store = yield* ReferralStore.ReferralStore
    const sql = (yield* SqlClient.SqlClient).withoutTransforms()
    const isPg = sql.onDialectOrElse({ pg: () => true, orElse: () => false })
    const toJson = sql.literal(isPg ? "::jsonb" : "")
    yield* sql.unsafe(`CREATE TABLE raw_events (
      referral_id TEXT NOT NULL,
      version INTEGER NOT NULL,
      type TEXT NOT NULL,
      schema_version INTEGER NOT NULL,
      data ${isPg ? "JSONB" : "TEXT"} NOT NULL,
      recorded_at ${isPg ? "TIMESTAMPTZ NOT NULL DEFAULT now()" : "TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"},
      PRIMARY KEY (referral_id, version)
    )`)

    const ours: Array<number> = []
    const raw: Array<number> = []
    let events = 0
    const timed = <A, E>(into: Array<number> | undefined, effect: Effect.Effect<A, E>) =>
      Effect.suspend(() => {
        const started = performance.now()
        return Effect.tap(Effect.orDie(effect), () =>
          Effect.sync(() => {
            into?.push(performance.now() - started)
          })
        )
      })
    const rawInsert = (request: ReferralStore.AppendRequest) =>
      Effect.suspend(() => {
        const rows = request.events.map((event, i) => {
          const stored = ReferralEvent.codec.encode(event)
          return sql`(${request.referralId}, ${request.expectedVersion + i + 1}, ${stored.type}, ${stored.version},
            ${JSON.stringify(stored.data)}${toJson})`
        })
        return sql`INSERT INTO raw_events (referral_id, version, type, schema_version, data) VALUES ${sql.csv(rows)}`
      })

    for (let i = -settings.warmup; i < count; i++) {
      const requests = appendRequests(i < 0 ? `append-warmup-${-i}` : `append-${i}`)
      const measured = i >= 0
      for (const request of requests) yield* timed(measured ? ours : undefined, store.append(request))
      for (const request of requests) yield* timed(measured ? raw : undefined, rawInsert(request))
      if (measured) events += requests.reduce((n, r) => n + r.events.length, 0)
    }
    return { appends: ours.length, events, ours, raw } satisfies AppendFigures
  })

interface Figures {
  readonly target: Target
  readonly version: string
  readonly durability: string
  readonly runs: ReadonlyArray<LifecycleFigures>
  readonly append: AppendFigures
}

const benchmark = (target: Target) =>
  Effect.gen(function* () {
    const progress = (what: string) => Effect.sync(() => process.stdout.write(`[bench] ${target.name}: ${what}\n`))
    const { durability, version } = yield* describeDatabase.pipe(Effect.orDie, Effect.provide(target.fresh))
    yield* progress(`${version}; one worker…`)
    const serial = yield* lifecycles(1, settings.serial).pipe(Effect.provide(serviceOn(target.fresh)))
    yield* progress(`${settings.workers} workers…`)
    const concurrent = yield* lifecycles(settings.workers, settings.perWorker).pipe(
      Effect.provide(serviceOn(target.fresh))
    )
    yield* progress("append against raw insert…")
    const append = yield* appendVersusRaw(settings.appendLifecycles).pipe(Effect.provide(serviceOn(target.fresh)))
    return { target, version, durability, runs: [serial, concurrent], append } satisfies Figures
  })

// ---------------------------------------------------------------------------
// printing
// ---------------------------------------------------------------------------

/** Milliseconds as the tables show them (without the unit). */
const ms = (value: number) => (value >= 10 ? value.toFixed(1) : value.toFixed(2))

const report = (all: ReadonlyArray<Figures>, notes: ReadonlyArray<string>): string => {
  const cpus = os.cpus()
  const machine = table(
    ["machine", ""],
    [
      ["CPU", `${cpus.length} × ${cpus[0]?.model.trim() ?? "unknown"}`],
      ["memory", `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`],
      ["OS", `${os.type()} ${os.release()} (${os.arch()})`],
      ["Node", process.version],
      ["load average at start", loadAtStart.map((l) => l.toFixed(2)).join(", ")],
      ...all.map((f) => [f.target.name, `${f.version}; ${f.durability}`]),
      ...all.map((f) => [`${f.target.name} connection`, f.target.connection])
    ]
  )
  const setup = table(
    ["setting", ""],
    [
      ["mode", quick ? "--quick" : "default"],
      [
        "lifecycle",
        `${commandsPerLifecycle} commands: submit, assign, schedule call, first contact, baseline measure, 3 meetings, end measure, close, follow-up measure`
      ],
      ["one worker", `${settings.serial} lifecycles`],
      [
        "several workers",
        `${settings.workers} workers (fibers) × ${settings.perWorker} lifecycles, each worker its own referrals`
      ],
      ["warm-up", `${settings.warmup} untimed lifecycles before each timed run`],
      ["append vs raw", `the appends of ${settings.appendLifecycles} lifecycles, each way`]
    ]
  )
  const throughput = table(
    ["database", "workers", "lifecycles", "commands", "seconds", "lifecycles/s", "commands/s", "p50 ms", "p99 ms"],
    all.flatMap((f) =>
      f.runs.map((r) => {
        const sorted = sortedOf(r.latencies)
        return [
          f.target.name,
          String(r.workers),
          String(r.lifecycles),
          String(r.latencies.length),
          r.seconds.toFixed(2),
          (r.lifecycles / r.seconds).toFixed(1),
          (r.latencies.length / r.seconds).toFixed(0),
          ms(percentile(sorted, 0.5)),
          ms(percentile(sorted, 0.99))
        ]
      })
    )
  )
  const commandNames = [...(all[0]?.runs[0]?.byCommand.keys() ?? [])]
  const perCommand = table(
    ["command (one worker)", ...all.flatMap((f) => [`${f.target.name} p50 ms`, `${f.target.name} p99 ms`])],
    commandNames.map((name) => [
      name,
      ...all.flatMap((f) => {
        const sorted = sortedOf(f.runs[0]?.byCommand.get(name) ?? [])
        return [ms(percentile(sorted, 0.5)), ms(percentile(sorted, 0.99))]
      })
    ])
  )
  const overhead = table(
    [
      "database",
      "appends",
      "events",
      "our append mean ms",
      "raw insert mean ms",
      "ratio (mean)",
      "our p50 ms",
      "raw p50 ms",
      "ratio (p50)"
    ],
    all.map((f) => {
      const ours = sortedOf(f.append.ours)
      const raw = sortedOf(f.append.raw)
      return [
        f.target.name,
        String(f.append.appends),
        String(f.append.events),
        ms(mean(ours)),
        ms(mean(raw)),
        `${(mean(ours) / mean(raw)).toFixed(2)}×`,
        ms(percentile(ours, 0.5)),
        ms(percentile(raw, 0.5)),
        `${(percentile(ours, 0.5) / percentile(raw, 0.5)).toFixed(2)}×`
      ]
    })
  )
  return [
    "",
    "## @lahete/store-sql benchmark",
    "",
    machine,
    "",
    setup,
    "",
    "### Lifecycles through ReferralService (latency: each `execute`)",
    "",
    throughput,
    "",
    perCommand,
    "",
    "### Our append against a raw insert of the same rows",
    "",
    overhead,
    ...(notes.length === 0 ? [] : ["", ...notes.map((n) => `Note: ${n}`)]),
    ""
  ].join("\n")
}

/**
 * The headline figures as measurements (`--json`, and the root `pnpm bench`
 * table): lifecycles per second with each `execute`'s p50 and p99, and the
 * append's overhead over a raw insert (p50 ratio) with our append's p50 and
 * p99.
 */
const recordFigures = (all: ReadonlyArray<Figures>) => {
  for (const f of all) {
    for (const r of f.runs) {
      const sorted = sortedOf(r.latencies)
      record({
        name: `${f.target.name}: lifecycles, ${r.workers} worker${r.workers === 1 ? "" : "s"} (latency: each execute)`,
        unit: "lifecycles/s",
        value: r.lifecycles / r.seconds,
        n: r.lifecycles,
        p50: percentile(sorted, 0.5),
        p99: percentile(sorted, 0.99)
      })
    }
    const ours = sortedOf(f.append.ours)
    const raw = sortedOf(f.append.raw)
    record({
      name: `${f.target.name}: our append over a raw insert (latency: our append)`,
      unit: "× (p50 ratio)",
      value: percentile(ours, 0.5) / percentile(raw, 0.5),
      n: f.append.appends,
      p50: percentile(ours, 0.5),
      p99: percentile(ours, 0.99)
    })
  }
}

// ---------------------------------------------------------------------------
// the run
// ---------------------------------------------------------------------------

it("benchmark", async () => {
  const notes: Array<string> = []
  const targets: Array<Target> = []
  let cluster: PostgresTest.Cluster | undefined
  if (only === undefined || only === "sqlite") targets.push(sqlite)
  if (only === undefined || only === "pg" || only === "postgresql") {
    const url = process.env.DATABASE_URL
    if (url !== undefined && url !== "") {
      targets.push(postgres(url, settings.workers, "DATABASE_URL"))
    } else {
      process.stdout.write("[bench] starting a throwaway PostgreSQL cluster…\n")
      // durable: fsync and synchronous_commit stay on, as in production (the tests switch them off)
      cluster =
        PostgresTest.findBin() === undefined
          ? undefined
          : await PostgresTest.start({ durable: true, database: "lahete_bench", maxConnections: settings.workers * 3 })
      if (cluster === undefined) {
        notes.push("no PostgreSQL (no DATABASE_URL, no initdb/pg_ctl found): PostgreSQL skipped")
      } else {
        targets.push(postgres(cluster.url, settings.workers, "throwaway local cluster over TCP on 127.0.0.1"))
      }
    }
  }
  try {
    const all: Array<Figures> = []
    for (const target of targets) all.push(await Effect.runPromise(benchmark(target)))
    recordFigures(all)
    process.stdout.write(report(all, notes))
  } finally {
    cluster?.stop()
  }
})
