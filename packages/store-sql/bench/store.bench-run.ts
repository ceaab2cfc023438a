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
 * 2. lahete against the driver's floor (`floor.ts`), interleaved command by
 *    command: whole commands (`ReferralService.execute` against read the
 *    stream, decide, one transaction inserting the events through the
 *    driver directly) and appends alone (`ReferralStore.append` against that
 *    transaction), with the p50 ratios; the statements each command runs;
 *    and a command on a referral with a short history against one with 500
 *    events.
 *
 * It prints Markdown tables: the machine, the settings, the figures. Not a
 * test: nothing is asserted about speed, only that every lifecycle ended in
 * `FollowedUp`.
 */
import { mkdtempSync, rmSync } from "node:fs"
import os from "node:os"
import { join } from "node:path"
import { PgClient } from "@effect/sql-pg"
import { ReferralService } from "@lahete/core"
import { SqlReferralStack } from "@lahete/store-sql"
import { NodeSqlite } from "@lahete/store-sql/sqlite"
import { Fixtures } from "@lahete/testing"
import { PostgresTest } from "@lahete/testing/postgres"
import { Effect, Layer, Redacted } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import { it } from "vitest"
import { loadAtStart, option, percentile, quick, record, sortedOf, table } from "../../../scripts/bench-kit/measure.js"
import { type FloorFigures, measureFloor, pgFloor, sqliteFloor } from "./floor.js"
import { commandsPerLifecycle, lifecycle } from "./lifecycle.js"

// ---------------------------------------------------------------------------
// settings
// ---------------------------------------------------------------------------

const only = option("only")

const settings = quick
  ? { warmup: 3, serial: 20, workers: 4, perWorker: 5, floorLifecycles: 20, historyRuns: 10 }
  : { warmup: 10, serial: 200, workers: 4, perWorker: 50, floorLifecycles: 200, historyRuns: 50 }

// ---------------------------------------------------------------------------
// databases
// ---------------------------------------------------------------------------

interface Target {
  readonly name: string
  /** The floor phase: lahete and the driver's floor on a new database, interleaved. */
  readonly floorPhase: Effect.Effect<FloorFigures>
  /** A new, empty database (released afterwards). */
  readonly fresh: Layer.Layer<SqlClient.SqlClient, SqlError>
  /** How the connection is set up, for the settings table. */
  readonly connection: string
}

const floorOptions = () => ({
  count: settings.floorLifecycles,
  warmup: settings.warmup,
  historyRuns: settings.historyRuns
})

const sqlite: Target = {
  name: "SQLite",
  floorPhase: Effect.scoped(
    Effect.gen(function* () {
      const dir = yield* Effect.acquireRelease(
        Effect.sync(() => mkdtempSync(join(os.tmpdir(), "lahete-bench-floor-"))),
        (d) => Effect.sync(() => rmSync(d, { recursive: true, force: true }))
      )
      const client = NodeSqlite.layer({ filename: join(dir, "bench.db") })
      return yield* Effect.gen(function* () {
        const floor = yield* sqliteFloor(join(dir, "floor.db"), join(dir, "same-statements.db"))
        const figures = yield* measureFloor(floor, floorOptions())
        yield* floor.driver.close
        return figures
      }).pipe(Effect.provide(serviceOn(client)), Effect.orDie)
    })
  ),
  connection: "node:sqlite, one connection, file in WAL mode",
  fresh: Layer.unwrap(
    Effect.map(
      Effect.acquireRelease(
        Effect.sync(() => mkdtempSync(join(os.tmpdir(), "lahete-bench-sqlite-"))),
        (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
      ),
      (dir) => NodeSqlite.layer({ filename: join(dir, "bench.db") })
    )
  )
}

/** PostgreSQL: each build is a new schema (the connections' `search_path`), dropped afterwards. */
const postgres = (url: string, connections: number, origin: string): Target => ({
  name: "PostgreSQL",
  floorPhase: Effect.suspend(() =>
    Effect.gen(function* () {
      const floor = yield* pgFloor
      return yield* measureFloor(floor, floorOptions())
    }).pipe(Effect.provide(serviceOn(postgres(url, connections, origin).fresh)), Effect.orDie)
  ),
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

interface Figures {
  readonly target: Target
  readonly version: string
  readonly durability: string
  readonly runs: ReadonlyArray<LifecycleFigures>
  readonly floor: FloorFigures
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
    yield* progress("commands and appends against the driver's floor, interleaved…")
    const floor = yield* target.floorPhase
    return { target, version, durability, runs: [serial, concurrent], floor } satisfies Figures
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
      [
        "against the floor",
        `${settings.floorLifecycles} lifecycles' commands, then their appends, each way, interleaved command by command`
      ],
      ["5 vs 500 events", `${settings.historyRuns} commands (a meeting) on each, interleaved`]
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
  const ratio = (a: ReadonlyArray<number>, b: ReadonlyArray<number>) =>
    `${(percentile(sortedOf(a), 0.5) / percentile(sortedOf(b), 0.5)).toFixed(2)}×`
  const p50 = (values: ReadonlyArray<number>) => ms(percentile(sortedOf(values), 0.5))
  const overhead = table(
    [
      "database",
      "commands",
      "command p50 ms",
      "floor p50 ms",
      "command/floor",
      "append p50 ms",
      "floor append p50 ms",
      "append/floor"
    ],
    all.map((f) => [
      f.target.name,
      String(f.floor.commands.lahete.length),
      p50(f.floor.commands.lahete),
      p50(f.floor.commands.floor),
      ratio(f.floor.commands.lahete, f.floor.commands.floor),
      p50(f.floor.appends.lahete),
      p50(f.floor.appends.floor),
      ratio(f.floor.appends.lahete, f.floor.appends.floor)
    ])
  )
  const withSame = all.filter((f) => f.floor.sameStatements.length > 0)
  const same = table(
    [
      "database",
      "appends",
      "append p50 ms",
      "same statements, driver p50 ms",
      "floor append p50 ms",
      "same statements/floor",
      "append/same statements"
    ],
    withSame.map((f) => [
      f.target.name,
      String(f.floor.sameStatements.length),
      p50(f.floor.appends.lahete),
      p50(f.floor.sameStatements),
      p50(f.floor.appends.floor),
      ratio(f.floor.sameStatements, f.floor.appends.floor),
      ratio(f.floor.appends.lahete, f.floor.sameStatements)
    ])
  )
  const statementNames = [...(all[0]?.floor.statements.keys() ?? [])]
  const statements = table(
    ["command", ...all.map((f) => `${f.target.name} statements`)],
    [
      ...statementNames.map((name) => [name, ...all.map((f) => String(f.floor.statements.get(name) ?? "–"))]),
      ["floor (every command)", ...all.map(() => "4")]
    ]
  )
  const history = table(
    ["database", "events", "p50 ms", "events", "p50 ms", "long/short"],
    all.map((f) => [
      f.target.name,
      String(f.floor.history.shortEvents),
      p50(f.floor.history.short),
      String(f.floor.history.longEvents),
      p50(f.floor.history.long),
      ratio(f.floor.history.long, f.floor.history.short)
    ])
  )
  const floorSetup = all.map((f) => `${f.target.name} floor: ${f.floor.pragmas}`)
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
    "### lahete against the driver's floor (p50, interleaved command by command)",
    "",
    "The floor: read the stream, decode and fold it, decide, one transaction inserting the event rows through the driver (SQLite: `DatabaseSync`, cached statements; PostgreSQL: the same client). Its append: that transaction alone.",
    "",
    overhead,
    "",
    ...floorSetup.map((line) => `- ${line}`),
    "",
    ...(withSame.length === 0
      ? []
      : [
          "Where an append's time goes (SQLite): the statements lahete's append ran (on `NodeSqlite`, one synchronous batch), with their parameters, run again through `DatabaseSync` directly on a database of their own with lahete's schema, interleaved with the two above. Same statements/floor is what the rows the guarantees need (idempotency key, stream version, projection row, outbox, vault) cost the database; append/same statements is what lahete's JavaScript adds.",
          "",
          same,
          ""
        ]),
    "Statements per command (the most any measured run took, after the store read its fingerprint secret once; BEGIN and COMMIT of a transaction included: on PostgreSQL each is a round trip; on SQLite the append's are one synchronous batch on the connection, each counted)",
    "",
    statements,
    "",
    "A command (a meeting) on a referral with a short history against one with about 500 events",
    "",
    history,
    ...(notes.length === 0 ? [] : ["", ...notes.map((n) => `Note: ${n}`)]),
    ""
  ].join("\n")
}

/**
 * The headline figures as measurements (`--json`, and the root `pnpm bench`
 * table): lifecycles per second with each `execute`'s p50 and p99, a
 * command and an append over the driver's floor (p50 ratios), the most
 * statements any command ran, and a command on a long history over one on a
 * short one.
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
    for (const [what, pair] of [
      ["command", f.floor.commands],
      ["append", f.floor.appends]
    ] as const) {
      const ours = sortedOf(pair.lahete)
      record({
        name: `${f.target.name}: ${what} over the driver's floor (latency: lahete's ${what})`,
        unit: "× (p50 ratio)",
        value: percentile(ours, 0.5) / percentile(sortedOf(pair.floor), 0.5),
        n: ours.length,
        p50: percentile(ours, 0.5),
        p99: percentile(ours, 0.99)
      })
    }
    if (f.floor.sameStatements.length > 0) {
      const same = sortedOf(f.floor.sameStatements)
      const floorAppend = percentile(sortedOf(f.floor.appends.floor), 0.5)
      record({
        name: `${f.target.name}: the append's own statements through the driver over the driver's floor (latency: those statements)`,
        unit: "× (p50 ratio)",
        value: percentile(same, 0.5) / floorAppend,
        n: same.length,
        p50: percentile(same, 0.5),
        p99: percentile(same, 0.99)
      })
      record({
        name: `${f.target.name}: append over its own statements through the driver (latency: lahete's append)`,
        unit: "× (p50 ratio)",
        value: percentile(sortedOf(f.floor.appends.lahete), 0.5) / percentile(same, 0.5),
        n: same.length
      })
    }
    const most = Math.max(...f.floor.statements.values())
    record({
      name: `${f.target.name}: statements of a command, the most of any (the floor's: 4; BEGIN and COMMIT counted)`,
      unit: "statements",
      value: most,
      n: f.floor.statements.size
    })
    const long = sortedOf(f.floor.history.long)
    record({
      name: `${f.target.name}: a command on ${f.floor.history.longEvents} events over one on ${f.floor.history.shortEvents} (latency: the long one)`,
      unit: "× (p50 ratio)",
      value: percentile(long, 0.5) / percentile(sortedOf(f.floor.history.short), 0.5),
      n: long.length,
      p50: percentile(long, 0.5),
      p99: percentile(long, 0.99)
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
