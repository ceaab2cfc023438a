/**
 * The scale benchmark (`pnpm bench --scale`): how the read side, the
 * assignment, the worker's deadline step and the evaluation report grow with
 * the store. Run by Node 24 from the TypeScript sources
 * (`scripts/bench.mjs --scale` starts it with the sources' resolve hook):
 *
 *   pnpm bench --scale                          1k, 10k and 100k referrals on SQLite and PostgreSQL
 *   pnpm bench --scale --quick                  300 and 3,000 (a few minutes)
 *   pnpm bench --scale --sizes=1000,10000       other sizes
 *   pnpm bench --scale --only=sqlite            one database (or --only=pg)
 *   pnpm bench --scale --rounds=7               rounds per operation (default 5)
 *   pnpm bench --scale --json=FILE              every figure as a JSON line
 *   pnpm bench --scale --profile=DIR            a CPU profile of each evaluation report into DIR
 *   pnpm bench --scale --reads                  the evaluation report's statements, rows, and (SQLite) the same
 *                                               statements through node:sqlite alone, with a larger page cache
 *                                               and a memory map (`evaluationReads`)
 *   pnpm bench --scale --reads --cold           also with the file dropped from the OS page cache first (Linux)
 *
 * For each database and size it loads a county of N referrals in realistic
 * states (`packages/store-sql/bench/scale/county.ts`) with the bulk loader
 * (`loader.ts`, whose rows a test checks against the service's: SQLite
 * written with the store's own row writers, PostgreSQL copied from there;
 * each chunk generated once for both), starts the
 * store, the service and the HTTP server (`@lahete/server`, real tokens, a
 * real socket) on a clock fixed at the county's "now", and measures, in
 * interleaved rounds (every operation at every size in each round; the
 * figure is the median):
 *
 * - the coordinator inbox through `ReferralQueries.coordinatorInbox`,
 * - `GET /coordinator/inbox` over HTTP (with the body's bytes and entries),
 * - a link worker's caseload, a referrer's overview (each as its first page,
 *   and as a page of the same size at every size), one subject access,
 * - one assignment (`ReferralService.assign`) of a new referral,
 * - one deadline step with nothing due (`Scheduler.step`, over the index),
 *   and one worker round with nothing due (`SqlDispatcher.workOnce`: the
 *   step, then the outbox),
 *
 * - the community link: `GET /directory/activities` (a page of 50),
 *   `GET /directory/hsds` (a page of 20 organisations with their services)
 *   and `GET /link-worker/caseload?limit=5` (a page of the caseload, its
 *   clients' plans shown) over HTTP, the county's directory growing with it
 *   (a few hundred activities, `County.directoryActivities`) and most
 *   collaborations with a plan,
 *
 * then, per size, the evaluation report of the first programme's 2025 over
 * HTTP (time and peak heap; its community section's figures noted) and, at
 * the size nearest 10,000, 200 concurrent
 * `GET /link-worker/caseload` (p50, p99). The table shows each operation's
 * median at each size and the growth from the smallest size to the largest.
 * Nothing is asserted about speed; the machine and its load average are
 * printed with the figures (other work on the machine skews them: compare
 * ratios within one run).
 */
import { execFileSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import inspector from "node:inspector/promises"
import os from "node:os"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import v8 from "node:v8"
import { runInNewContext } from "node:vm"
import { PgClient } from "@effect/sql-pg"
import { SqliteClient } from "@effect/sql-sqlite-node"
import {
  Actor,
  Evaluation,
  type Ids,
  Instant,
  LinkWorkerRegistry,
  Mailer,
  type ReferralCommand,
  ReferralQueries,
  ReferralService,
  Scheduler,
  SmsSender
} from "@lahete/core"
import { Logging, Server } from "@lahete/server"
import { SqlAuditLog, SqlDirectoryStore, SqlDispatcher, SqlReferralStore } from "@lahete/store-sql"
import { SimulatedTime } from "@lahete/testing"
import { PostgresTest } from "@lahete/testing/postgres"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { HttpServer } from "effect/http"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import * as Statement from "effect/sql/Statement"
import * as jose from "jose"
import { figure, table } from "../../../scripts/bench-kit/format.js"
import * as County from "../../store-sql/bench/scale/county.js"
import * as Loader from "../../store-sql/bench/scale/loader.js"

// ---------------------------------------------------------------------------
// settings
// ---------------------------------------------------------------------------

const args = process.argv.slice(2).filter((a) => a !== "--")
const option = (name: string) => args.findLast((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3)
const known = /^--(quick|reads|cold|sizes=[\d,_k]+|only=(sqlite|pg|postgresql)|rounds=\d+|json=.+|profile=.+)$/
const unknown = args.filter((a) => !known.test(a))
if (unknown.length > 0) {
  console.error(
    `scale bench: unknown argument ${unknown.join(" ")}; use --quick, --sizes=1000,10000, --only=sqlite|pg, --rounds=N, --json=FILE, --profile=DIR, --reads, --cold`
  )
  process.exit(2)
}
const quick = args.includes("--quick")
const parseSize = (s: string) => (s.endsWith("k") ? Number(s.slice(0, -1)) * 1000 : Number(s.replaceAll("_", "")))
const sizes = (option("sizes")?.split(",").map(parseSize) ?? (quick ? [300, 3_000] : [1_000, 10_000, 100_000])).sort(
  (a, b) => a - b
)
const rounds = Number(option("rounds") ?? (quick ? 3 : 5))
const only = option("only")
const jsonFile = option("json")
/** A folder for a V8 CPU profile of each evaluation report (`--profile=DIR`), to open in Chrome's DevTools. */
const profileDir = option("profile")
/** The evaluation report's reads too (`--reads`): statements, rows, the driver's share, pragmas (`evaluationReads`). */
const reads = args.includes("--reads")
/**
 * With `--reads`, also the report with the database file's pages dropped from
 * the operating system's page cache first (`--cold`, Linux: GNU dd's
 * `oflag=nocache` on the file and its WAL; only this file's pages).
 */
const cold = args.includes("--cold")
/** Referrals generated and written per transaction. */
const chunk = 1_000
/** An operation is not repeated once its samples at one size took this long in all. */
const budgetMs = 60_000
/** Concurrent caseload reads, at the size nearest this. */
const concurrent = { requests: 200, nearSize: 10_000, timeoutMs: 120_000 }

const loadAtStart = os.loadavg()
const progress = (text: string) => process.stderr.write(`[bench] scale: ${text}\n`)

const gc: () => void = (() => {
  v8.setFlagsFromString("--expose-gc")
  return runInNewContext("gc") as () => void
})()

// ---------------------------------------------------------------------------
// tokens
// ---------------------------------------------------------------------------

const issuer = "https://login.bench.invalid/realms/lahete"
const audience = "lahete-bench"
const { publicKey, privateKey } = await jose.generateKeyPair("ES256", { extractable: true })
const jwks = { keys: [{ ...(await jose.exportJWK(publicKey)), kid: "bench", alg: "ES256", use: "sig" }] }
const sign = (actor: Actor.Actor) =>
  new jose.SignJWT({
    lahete_role: actor.role,
    lahete_org: actor.organisation,
    ...(actor.profession === undefined ? {} : { lahete_profession: actor.profession })
  })
    .setProtectedHeader({ alg: "ES256", kid: "bench", typ: "at+jwt" })
    .setSubject(actor.id)
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt(Math.floor(Date.parse(County.now) / 1000))
    .setExpirationTime(Math.floor(Date.parse(County.now) / 1000) + 365 * 86_400)
    .sign(privateKey)

// ---------------------------------------------------------------------------
// the county's actors the reads are made as
// ---------------------------------------------------------------------------

const programmeIds = County.programmes.map((p) => p.id)
const linkWorker = Actor.make("LinkWorker", "linkworker-1", "lw-employer-0")
const referrer = County.referrers[0] as Actor.Actor

// ---------------------------------------------------------------------------
// databases
// ---------------------------------------------------------------------------

interface Database {
  readonly name: string
  /** A new, empty database. */
  readonly fresh: () => Layer.Layer<SqlClient.SqlClient, SqlError>
  readonly connection: string
  readonly cleanup: () => void
}

const sqlite = (): Database => {
  const dirs: Array<string> = []
  return {
    name: "SQLite",
    connection: "node:sqlite, one connection, file in WAL mode",
    fresh: () => {
      const dir = mkdtempSync(join(os.tmpdir(), "lahete-scale-"))
      dirs.push(dir)
      return SqliteClient.layer({ filename: join(dir, "scale.db") })
    },
    cleanup: () => {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
    }
  }
}

const postgres = (url: string, origin: string, cleanup: () => void): Database => ({
  name: "PostgreSQL",
  connection: `@effect/sql-pg, pool of 8 connections, ${origin}`,
  fresh: () =>
    Layer.unwrap(
      Effect.sync(() => {
        const schema = `scale_${crypto.randomUUID().replaceAll("-", "")}`
        const client = PgClient.layer({
          url: Redacted.make(url),
          startupParameters: { search_path: schema },
          maxConnections: 8
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
    ),
  cleanup
})

const describeDatabase = Effect.gen(function* () {
  const sql = (yield* SqlClient.SqlClient).withoutTransforms()
  const one = (rows: ReadonlyArray<Record<string, unknown>>) => String(Object.values(rows[0] ?? {})[0])
  return yield* sql.onDialectOrElse({
    pg: () => Effect.map(sql`SHOW server_version`, (rows) => `PostgreSQL ${one(rows)}`),
    orElse: () => Effect.map(sql`SELECT sqlite_version()`, (rows) => `SQLite ${one(rows)}`)
  })
})

// ---------------------------------------------------------------------------
// one loaded county: the database, the services, the server
// ---------------------------------------------------------------------------

const services = (client: Layer.Layer<SqlClient.SqlClient, SqlError>) => {
  const time = SimulatedTime.settable(County.now)
  const core = ReferralService.layer.pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        SqlReferralStore.layer,
        SqlAuditLog.layer,
        LinkWorkerRegistry.layerMemory(County.linkWorkers),
        ReferralService.catalogLayer(County.catalog),
        SqlDirectoryStore.layer,
        SmsSender.layerMemory,
        Mailer.layerMemory
      )
    ),
    Layer.provideMerge(client)
  )
  const server = Server.layer({
    port: 0,
    host: "127.0.0.1",
    auth: { keys: { jwks }, issuer, audience, type: "at+jwt" },
    logger: Logging.layerJson(() => {})
  })
  return { time, layer: server.pipe(Layer.provideMerge(core), Layer.provideMerge(time.layer)) }
}

type Runtime = ManagedRuntime.ManagedRuntime<
  | HttpServer.HttpServer
  | ReferralService.ReferralService
  | ReferralService.ProgrammeCatalog
  | SqlClient.SqlClient
  | ReferralQueries.Requirements
  | SqlDispatcher.WorkerServices,
  unknown
>

interface Loaded {
  readonly size: number
  readonly runtime: Runtime
  readonly url: string
  readonly version: string
  readonly subject: { readonly actor: Actor.Actor; readonly subjectId: Ids.SubjectId }
  /** Seconds generating the histories, and writing them. */
  readonly generateSeconds: number
  readonly writeSeconds: number
  readonly events: number
  /** The link worker with the fewest clients (for the assignments). */
  readonly freeLinkWorker: Ids.ActorId
  /** Referrals of the evaluation's programme-year. */
  readonly inEvaluationYear: number
  /** Activities in the county's directory (current versions), and the versions written. */
  readonly directory: { readonly activities: number; readonly versions: number }
}

/**
 * Loads a county of `size` into a new database of each of `dbs`: each chunk
 * of histories is generated once and written to every database.
 */
const loadCounties = async (dbs: ReadonlyArray<Database>, size: number): Promise<ReadonlyArray<Loaded>> => {
  const runtimes = dbs.map((db): Runtime => ManagedRuntime.make(services(db.fresh()).layer))
  const versions = await Promise.all(runtimes.map((r) => r.runPromise(describeDatabase)))
  // where the rows are written first: the SQLite target, else a scratch SQLite database
  const sqliteIndex = dbs.findIndex((db) => db.name === "SQLite")
  const scratch = sqliteIndex >= 0 ? undefined : sqlite()
  const sourceRuntime =
    sqliteIndex >= 0
      ? (runtimes[sqliteIndex] as Runtime)
      : ManagedRuntime.make(
          Layer.effectDiscard(Loader.migrate).pipe(
            Layer.provideMerge(scratch?.fresh() as Layer.Layer<SqlClient.SqlClient, SqlError>)
          )
        )
  const source = {
    index: sqliteIndex,
    runtime: sourceRuntime as ManagedRuntime.ManagedRuntime<SqlClient.SqlClient, unknown>,
    client: await sourceRuntime.runPromise(
      Effect.gen(function* () {
        return yield* SqlClient.SqlClient
      })
    )
  }
  const tally = County.tally()
  let generateMs = 0
  const writeMs = dbs.map(() => 0)
  // the directory, as coordinators write it (`PUT /directory`: the store's own writer), into every database
  const directory = County.directory(size)
  let directoryVersions = 0
  for (const [d, runtime] of runtimes.entries()) {
    const t = performance.now()
    directoryVersions = (await runtime.runPromise(Effect.orDie(Loader.loadDirectory(directory)))).activities.length
    writeMs[d] = (writeMs[d] ?? 0) + performance.now() - t
  }
  let events = 0
  let inEvaluationYear = 0
  let subject: Loaded["subject"] | undefined
  for (let start = 0; start < size; start += chunk) {
    let t = performance.now()
    const histories: Array<County.History> = []
    for (let i = start; i < Math.min(size, start + chunk); i++) histories.push(County.history(size, i, tally, start))
    generateMs += performance.now() - t
    for (const h of histories) {
      events += h.steps.reduce((n, s) => n + s.events.length, 0)
      const s = h.state
      if (
        s.programme?.id === County.evaluationPeriod.programmeId &&
        s.submittedAt !== undefined &&
        s.submittedAt >= County.evaluationPeriod.from &&
        s.submittedAt < County.evaluationPeriod.to
      ) {
        inEvaluationYear++
      }
    }
    if (subject === undefined) {
      // a client with two referrals
      const seen = new Map<string, number>()
      for (const h of histories) seen.set(h.subjectId, (seen.get(h.subjectId) ?? 0) + 1)
      const twice = [...seen].find(([, n]) => n >= 2)?.[0] as Ids.SubjectId | undefined
      if (twice !== undefined) subject = { subjectId: twice, actor: Actor.make("Client", twice, "residents") }
    }
    // SQLite through the store's own row writers; PostgreSQL copied from there in multi-row statements
    t = performance.now()
    await source.runtime.runPromise(Effect.flatMap(Loader.load(histories), (l) => Loader.settleOutbox(l.sent)))
    const sourceMs = performance.now() - t
    for (const [d, runtime] of runtimes.entries()) {
      t = performance.now()
      if (d !== source.index) await runtime.runPromise(Loader.copy(source.client, histories))
      writeMs[d] = (writeMs[d] ?? 0) + performance.now() - t + (d === source.index ? sourceMs : 0)
    }
    if ((start + chunk) % (chunk * 10) === 0) progress(`${figure(size)}: ${figure(start + chunk)} referrals loaded…`)
  }
  if (scratch !== undefined) {
    await source.runtime.dispose()
    scratch.cleanup()
  }
  if (subject === undefined) throw new Error("scale bench: no client with two referrals")
  const found = subject
  const fewest = tally.caseload.indexOf(Math.min(...tally.caseload))
  return Promise.all(
    runtimes.map(async (runtime, d): Promise<Loaded> => {
      const http = await runtime.runPromise(
        Effect.gen(function* () {
          return yield* HttpServer.HttpServer
        })
      )
      const address = http.address
      if (address._tag === "UnixPathAddress") throw new Error("scale bench: expected a TCP address")
      return {
        size,
        runtime,
        url: `http://127.0.0.1:${address.port}`,
        version: versions[d] ?? "",
        subject: found,
        generateSeconds: generateMs / 1000,
        writeSeconds: (writeMs[d] ?? 0) / 1000,
        events,
        freeLinkWorker: County.linkWorkers[fewest]?.id as Ids.ActorId,
        inEvaluationYear,
        directory: { activities: directory.directory.currentActivities.length, versions: directoryVersions }
      }
    })
  )
}

// ---------------------------------------------------------------------------
// the operations
// ---------------------------------------------------------------------------

interface Sample {
  readonly ms: number
  /** What the operation returned, for the notes (entries, bytes). */
  readonly detail?: string
}

const timed = async (run: () => Promise<string | undefined>): Promise<Sample> => {
  const t = performance.now()
  const detail = await run()
  const ms = performance.now() - t
  return detail === undefined ? { ms } : { ms, detail }
}

const get = async (url: string, path: string, token: string, signal?: AbortSignal) => {
  const response = await fetch(`${url}${path}`, {
    headers: { authorization: `Bearer ${token}` },
    ...(signal === undefined ? {} : { signal })
  })
  const text = await response.text()
  if (response.status !== 200) throw new Error(`scale bench: GET ${path} answered ${response.status}`)
  return text
}

let assignments = 0

interface Operation {
  readonly name: string
  readonly run: (c: Loaded, tokens: Tokens) => Promise<Sample>
}

interface Tokens {
  readonly coordinator: string
  readonly linkWorker: string
  readonly evaluator: string
}

/** The worker's settings (no message is due: nothing is sent). */
const dispatcherOptions: SqlDispatcher.Options = {
  templates: { referralUrl: "https://lahete.example.fi/referrals/{referralId}" },
  coordinators: Object.fromEntries(programmeIds.map((id) => [id, ["coordinator@example.fi"]]))
}

/**
 * Page sizes that the county's smallest size fills too (its link worker has
 * about 14 open clients and its referrer about 4 referrals at 1,000), for the
 * rows that compare equal output across sizes.
 */
const samePage = { caseload: 10, overview: 3 } as const

const orDie = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.orDie(effect)

const directoryPage = "`GET /directory/activities` over HTTP, a page of 50"
const hsdsPage = "`GET /directory/hsds` over HTTP, 20 organisations"
const caseloadWithPlans = "`GET /link-worker/caseload?limit=5` over HTTP, with plans"

const operations: ReadonlyArray<Operation> = [
  {
    name: "coordinator inbox (`ReferralQueries.coordinatorInbox`)",
    run: (c) =>
      timed(async () => {
        const inbox = await c.runtime.runPromise(
          orDie(ReferralQueries.coordinatorInbox(County.coordinator, { programmeIds }))
        )
        return `${figure(inbox.entries.length)} entries${inbox.next === undefined ? "" : " (first page)"}`
      })
  },
  {
    name: "`GET /coordinator/inbox` over HTTP",
    run: (c, tokens) =>
      timed(async () => {
        const text = await get(c.url, "/coordinator/inbox", tokens.coordinator)
        const body = JSON.parse(text) as { readonly entries?: ReadonlyArray<unknown> }
        return `${figure(body.entries?.length ?? 0)} entries, ${figure(Buffer.byteLength(text) / 1024)} KiB`
      })
  },
  {
    name: "a link worker's caseload",
    run: (c) =>
      timed(async () => {
        const caseload = await c.runtime.runPromise(orDie(ReferralQueries.linkWorkerCaseload(linkWorker)))
        return `${figure(caseload.entries.length)} entries${caseload.next === undefined ? "" : " (first page)"}`
      })
  },
  {
    name: "a referrer's overview",
    run: (c) =>
      timed(async () => {
        const overview = await c.runtime.runPromise(orDie(ReferralQueries.referrerOverview(referrer)))
        return `${figure(overview.entries.length)} referrals${overview.next === undefined ? "" : " (first page)"}`
      })
  },
  {
    // the rows above return a first page, which at the smallest size holds
    // fewer entries than at the largest; these two ask for the same number
    // at every size, so their growth is the store's alone
    name: `a link worker's caseload, ${samePage.caseload} per page`,
    run: (c) =>
      timed(async () => {
        const caseload = await c.runtime.runPromise(
          orDie(ReferralQueries.linkWorkerCaseload(linkWorker, { limit: samePage.caseload }))
        )
        return `${figure(caseload.entries.length)} entries`
      })
  },
  {
    name: `a referrer's overview, ${samePage.overview} per page`,
    run: (c) =>
      timed(async () => {
        const overview = await c.runtime.runPromise(
          orDie(ReferralQueries.referrerOverview(referrer, { limit: samePage.overview }))
        )
        return `${figure(overview.entries.length)} referrals`
      })
  },
  {
    name: "one subject access",
    run: (c) =>
      timed(async () => {
        const access = await c.runtime.runPromise(
          orDie(ReferralQueries.subjectAccess(c.subject.actor, c.subject.subjectId))
        )
        return `${access.referrals.length} referrals`
      })
  },
  {
    name: "one assignment (`ReferralService.assign`)",
    run: async (c) => {
      // a new referral (untimed), its assignment (timed), then its cancellation (untimed: the link worker's load stays)
      const n = ++assignments
      const referralId = `bench-assign-${n}` as Ids.ReferralId
      const at = Instant.plusMillis(County.now, n * 60_000)
      const key = (what: string) => `bench-assign-${n}-${what}` as Ids.IdempotencyKey
      const first = County.history(10, 0, County.tally()).steps[0]?.command as ReferralCommand.ReferralCommand
      const submit = { ...first, referralId, idempotencyKey: key("submit"), at } as ReferralCommand.ReferralCommand
      const service = await c.runtime.runPromise(
        Effect.gen(function* () {
          return yield* ReferralService.ReferralService
        })
      )
      await c.runtime.runPromise(orDie(service.execute(submit)))
      const sample = await timed(async () => {
        const executed = await c.runtime.runPromise(
          orDie(
            service.assign({
              referralId,
              idempotencyKey: key("assign"),
              actor: County.coordinator,
              at: Instant.plusMillis(at, 1_000),
              linkWorkerId: c.freeLinkWorker
            })
          )
        )
        if (executed.state.status !== "Assigned") throw new Error("scale bench: the assignment did not assign")
        return undefined
      })
      await c.runtime.runPromise(
        orDie(
          service.execute({
            _tag: "CancelReferral",
            referralId,
            idempotencyKey: key("cancel"),
            actor: County.coordinator,
            at: Instant.plusMillis(at, 2_000),
            reason: "made-in-error"
          })
        )
      )
      return sample
    }
  },
  {
    name: "one deadline step, nothing due (`Scheduler.step`)",
    run: (c) =>
      timed(async () => {
        const step = await c.runtime.runPromise(orDie(Scheduler.step()))
        if (step.fired.length > 0 || step.failed.length > 0) {
          throw new Error(`scale bench: the deadline step found ${step.fired.length + step.failed.length} due`)
        }
        return `${figure(step.referrals)} states looked at`
      })
  },
  {
    name: "one worker round, nothing due (`SqlDispatcher.workOnce`)",
    run: (c) =>
      timed(async () => {
        const round = await c.runtime.runPromise(orDie(SqlDispatcher.workOnce(dispatcherOptions)))
        if (round.step.fired.length > 0 || round.step.failed.length > 0 || round.dispatched.length > 0) {
          throw new Error("scale bench: the worker round found something due")
        }
        return `${figure(round.step.referrals)} due read`
      })
  },
  {
    name: directoryPage,
    run: (c, tokens) =>
      timed(async () => {
        const text = await get(c.url, "/directory/activities?limit=50", tokens.linkWorker)
        const body = JSON.parse(text) as { readonly items?: ReadonlyArray<unknown>; readonly next?: string }
        return `${figure(body.items?.length ?? 0)} of ${figure(c.directory.activities)} activities${body.next === undefined ? "" : " (first page)"}, ${figure(Buffer.byteLength(text) / 1024)} KiB`
      })
  },
  {
    name: hsdsPage,
    run: (c, tokens) =>
      timed(async () => {
        const text = await get(c.url, "/directory/hsds?limit=20", tokens.linkWorker)
        const body = JSON.parse(text) as {
          readonly contents?: ReadonlyArray<{ readonly services?: ReadonlyArray<unknown> }>
        }
        const services = (body.contents ?? []).reduce((n, o) => n + (o.services?.length ?? 0), 0)
        return `${figure(body.contents?.length ?? 0)} organisations, ${figure(services)} services, ${figure(Buffer.byteLength(text) / 1024)} KiB`
      })
  },
  {
    name: caseloadWithPlans,
    run: (c, tokens) =>
      timed(async () => {
        const text = await get(c.url, "/link-worker/caseload?limit=5", tokens.linkWorker)
        const body = JSON.parse(text) as {
          readonly entries?: ReadonlyArray<{ readonly plan?: { readonly activities?: ReadonlyArray<unknown> } }>
        }
        const entries = body.entries ?? []
        const planned = entries.filter((e) => (e.plan?.activities?.length ?? 0) > 0).length
        return `${figure(entries.length)} entries, ${figure(planned)} with activities in the plan, ${figure(Buffer.byteLength(text) / 1024)} KiB`
      })
  }
]

/** The evaluation of the first programme's 2025 over HTTP: time, peak heap above the baseline, bytes. */
const evaluation = async (c: Loaded, token: string, dbName: string) => {
  const p = County.evaluationPeriod
  const path = `/evaluation/${p.programmeId}?from=${encodeURIComponent(p.from)}&to=${encodeURIComponent(p.to)}`
  gc()
  const before = process.memoryUsage().heapUsed
  const profiler = new v8.GCProfiler()
  profiler.start()
  let peak = before
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed)
  }, 5)
  const session = profileDir === undefined ? undefined : new inspector.Session()
  if (session !== undefined) {
    session.connect()
    await session.post("Profiler.enable")
    await session.post("Profiler.start")
  }
  const t = performance.now()
  const cpu = process.cpuUsage()
  const text = await get(c.url, path, token)
  const ms = performance.now() - t
  const used = process.cpuUsage(cpu)
  if (session !== undefined && profileDir !== undefined) {
    const { profile } = await session.post("Profiler.stop")
    session.disconnect()
    mkdirSync(profileDir, { recursive: true })
    const file = join(profileDir, `evaluation-${dbName}-${c.size}.cpuprofile`)
    writeFileSync(file, JSON.stringify(profile))
    progress(`CPU profile of the evaluation written to ${file}`)
  }
  clearInterval(sampler)
  const after = process.memoryUsage().heapUsed
  const peaks = (profiler.stop()?.statistics ?? []).map((s) => s.beforeGC.heapStatistics.usedHeapSize)
  const heapMB = (Math.max(peak, after, ...peaks) - before) / 2 ** 20
  // the community section: the activities and unmet-need categories with figures, and the referrals with a plan
  const community = (
    JSON.parse(text) as {
      readonly community?: {
        readonly withPlan: { readonly _tag: string; readonly value?: number }
        readonly activities: ReadonlyArray<unknown>
        readonly unmetNeeds: ReadonlyArray<unknown>
      }
    }
  ).community
  if (community === undefined) throw new Error("scale bench: the evaluation report has no community section")
  const communityText = `${community.withPlan.value === undefined ? "suppressed" : figure(community.withPlan.value)} with a plan, ${figure(community.activities.length)} activities, ${figure(community.unmetNeeds.length)} unmet-need categories`
  // the process's CPU time (the server runs in it): on a shared machine, what the report cost apart from waiting
  return {
    ms,
    cpuMs: (used.user + used.system) / 1000,
    heapMB,
    kib: Buffer.byteLength(text) / 1024,
    community: communityText
  }
}

/** What one evaluation report read: its statements, their rows, and on SQLite the driver's share and the pages read. */
interface EvaluationReads {
  /** The report through `Evaluation.fromIndex` in the process (no HTTP): wall and CPU milliseconds. */
  readonly ms: number
  readonly cpuMs: number
  /** Statements sent, by kind (`find` pages, `events` chunks, `streams` chunks). */
  readonly statements: { readonly find: number; readonly events: number; readonly streams: number }
  /** Referrals taken from the index's state (`events`), and folded from their history (`streams`). */
  readonly settled: number
  readonly folded: number
  /** Rows the statements returned (every statement run again through `node:sqlite`, SQLite only). */
  readonly rows?: number
  /** The statements run again through `node:sqlite` alone, by connection setting: ms, CPU ms, bytes read. */
  readonly replays?: ReadonlyArray<{
    readonly setting: string
    readonly ms: number
    readonly cpuMs: number
    readonly readMiB: number
  }>
  /** The same report in the process with the connection's pragmas changed (SQLite only). */
  readonly pragmas?: ReadonlyArray<{ readonly setting: string; readonly ms: number; readonly cpuMs: number }>
}

/** The bytes this process has read through read(2)/pread(2) (page-cache hits included), from /proc/self/io. */
const bytesRead = (): number => {
  try {
    const io = readFileSync("/proc/self/io", "utf8")
    return Number(/^rchar:\s*(\d+)/m.exec(io)?.[1] ?? Number.NaN)
  } catch {
    return Number.NaN
  }
}

const evaluationInput = () => {
  const p = County.evaluationPeriod
  return { programmeId: p.programmeId, period: { from: p.from, to: p.to }, catalog: County.catalog }
}

/** One report through `Evaluation.fromIndex`, its statements recorded as sent. */
const recordedEvaluation = async (c: Loaded) => {
  const sent: Array<readonly [string, ReadonlyArray<unknown>]> = []
  const recording = Effect.provideService(
    Evaluation.fromIndex(evaluationInput()),
    Statement.CurrentTransformer,
    (self) => {
      sent.push(self.compile())
      return Effect.succeed(self)
    }
  )
  gc()
  const cpu = process.cpuUsage()
  const t = performance.now()
  await c.runtime.runPromise(Effect.orDie(recording))
  const ms = performance.now() - t
  const used = process.cpuUsage(cpu)
  return { sent, ms, cpuMs: (used.user + used.system) / 1000 }
}

/**
 * The evaluation report's reads: its statements (recorded through
 * `Statement.CurrentTransformer`), and on SQLite every one of them run
 * again through `node:sqlite` alone on the same file (rows returned, the
 * driver's time, the bytes read from the file), with SQLite's default page
 * cache, a 1 GiB cache and a 4 GiB memory map; then the report again in the
 * process with those pragmas on the bench's own connection.
 */
const evaluationReads = async (c: Loaded, dbName: string): Promise<EvaluationReads> => {
  const { sent, ms, cpuMs } = await recordedEvaluation(c)
  const kind = (text: string) =>
    /FROM referral_projection/.test(text) ? "find" : /"?type"? IN/.test(text) ? "events" : "streams"
  const statements = { find: 0, events: 0, streams: 0 }
  let settled = 0
  let folded = 0
  for (const [text, params] of sent) {
    const k = kind(text)
    statements[k]++
    if (k === "events")
      settled += params.filter((v) => !(Evaluation.eventTags as ReadonlyArray<unknown>).includes(v)).length
    if (k === "streams") folded += params.length
  }
  if (dbName !== "SQLite") return { ms, cpuMs, statements, settled, folded }
  const file = await c.runtime.runPromise(
    Effect.gen(function* () {
      const sql = (yield* SqlClient.SqlClient).withoutTransforms()
      const list = (yield* sql.unsafe("PRAGMA database_list")) as ReadonlyArray<{ name: string; file: string }>
      return list.find((d) => d.name === "main")?.file ?? ""
    })
  )
  let rows = 0
  const replay = (setting: string, pragmas: ReadonlyArray<string>, passes: number) => {
    const db = new DatabaseSync(file, { readOnly: true })
    for (const p of pragmas) db.exec(`PRAGMA ${p}`)
    const out = []
    for (let pass = 1; pass <= passes; pass++) {
      rows = 0
      const read = bytesRead()
      const cpu = process.cpuUsage()
      const t = performance.now()
      for (const [text, params] of sent) rows += db.prepare(text).all(...(params as Array<string | number>)).length
      const used = process.cpuUsage(cpu)
      out.push({
        setting: `${setting}, pass ${pass}`,
        ms: performance.now() - t,
        cpuMs: (used.user + used.system) / 1000,
        readMiB: (bytesRead() - read) / 2 ** 20
      })
    }
    db.close()
    return out
  }
  const replays = [
    ...replay("default cache", [], 2),
    ...replay("cache_size = 1 GiB", ["cache_size = -1048576"], 2),
    ...replay("mmap_size = 4 GiB", ["mmap_size = 4294967296"], 2)
  ]
  // the report again in the process, with the bench connection's pragmas changed (then put back)
  const pragma = (text: string) =>
    c.runtime.runPromise(
      Effect.gen(function* () {
        const sql = (yield* SqlClient.SqlClient).withoutTransforms()
        yield* sql.unsafe(`PRAGMA ${text}`)
      })
    )
  const pragmas: Array<{ setting: string; ms: number; cpuMs: number }> = []
  const again = async (setting: string) => {
    const r = await recordedEvaluation(c)
    pragmas.push({ setting, ms: r.ms, cpuMs: r.cpuMs })
  }
  await again("default cache, again")
  await pragma("cache_size = -1048576")
  await again("cache_size = 1 GiB, first")
  await again("cache_size = 1 GiB, second")
  await pragma("cache_size = -2000")
  await pragma("mmap_size = 4294967296")
  await again("mmap_size = 4 GiB, first")
  await again("mmap_size = 4 GiB, second")
  await pragma("mmap_size = 0")
  if (cold) {
    const drop = () => {
      for (const f of [file, `${file}-wal`]) {
        execFileSync("dd", [`of=${f}`, "oflag=nocache", "conv=notrunc,fdatasync", "count=0"], { stdio: "ignore" })
      }
    }
    drop()
    replays.push(...replay("file dropped from the OS cache", [], 1))
    drop()
    await again("file dropped from the OS cache")
    await again("warm again")
  }
  return { ms, cpuMs, statements, settled, folded, rows, replays, pragmas }
}

/** `requests` caseload reads over HTTP at once: each one's latency, and how many failed or timed out. */
const concurrentCaseloads = async (c: Loaded, token: string) => {
  const signal = AbortSignal.timeout(concurrent.timeoutMs)
  const failures = new Map<string, number>()
  const results = await Promise.all(
    Array.from({ length: concurrent.requests }, async () => {
      const t = performance.now()
      try {
        const response = await fetch(`${c.url}/link-worker/caseload`, {
          headers: { authorization: `Bearer ${token}` },
          signal
        })
        await response.text()
        if (response.status === 200) return performance.now() - t
        failures.set(`HTTP ${response.status}`, (failures.get(`HTTP ${response.status}`) ?? 0) + 1)
      } catch (error) {
        const what = signal.aborted ? "timed out" : error instanceof Error ? error.name : "failed"
        failures.set(what, (failures.get(what) ?? 0) + 1)
      }
      return undefined
    })
  )
  const ok = results.filter((r): r is number => r !== undefined).sort((a, b) => a - b)
  const at = (q: number) => ok[Math.min(ok.length - 1, Math.max(0, Math.ceil(q * ok.length) - 1))] ?? Number.NaN
  return {
    p50: at(0.5),
    p99: at(0.99),
    failed: concurrent.requests - ok.length,
    failures: [...failures].map(([what, n]) => `${n} ${what}`).join(", ")
  }
}

// ---------------------------------------------------------------------------
// the run
// ---------------------------------------------------------------------------

interface Figures {
  readonly db: Database
  readonly counties: ReadonlyArray<Loaded>
  /** Per operation and size: the samples. */
  readonly samples: ReadonlyArray<ReadonlyArray<Array<Sample>>>
  readonly evaluations: ReadonlyArray<{ ms: number; cpuMs: number; heapMB: number; kib: number; community: string }>
  /** With `--reads`: what each evaluation report read. */
  readonly evaluationReads?: ReadonlyArray<EvaluationReads>
  readonly concurrency?: {
    readonly size: number
    readonly p50: number
    readonly p99: number
    readonly failed: number
    readonly failures: string
  }
}

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN
}

const benchmark = async (db: Database, counties: ReadonlyArray<Loaded>): Promise<Figures> => {
  const tokens: Tokens = {
    coordinator: await sign(County.coordinator),
    linkWorker: await sign(linkWorker),
    evaluator: await sign(County.evaluator)
  }
  const samples = operations.map(() => counties.map((): Array<Sample> => []))
  const spent = operations.map(() => counties.map(() => 0))
  for (let round = 0; round < rounds; round++) {
    progress(`${db.name}: round ${round + 1} of ${rounds}…`)
    for (const [o, operation] of operations.entries()) {
      for (const [k, county] of counties.entries()) {
        if ((spent[o]?.[k] ?? 0) > budgetMs) continue
        const sample = await operation.run(county, tokens)
        samples[o]?.[k]?.push(sample)
        ;(spent[o] as Array<number>)[k] = (spent[o]?.[k] ?? 0) + sample.ms
      }
    }
  }
  const evaluations = []
  for (const county of counties) {
    progress(`${db.name} ${figure(county.size)}: evaluation report…`)
    evaluations.push(await evaluation(county, tokens.evaluator, db.name))
  }
  const evaluationReadsFound: Array<EvaluationReads> = []
  if (reads) {
    for (const county of counties) {
      progress(`${db.name} ${figure(county.size)}: the evaluation report's reads…`)
      evaluationReadsFound.push(await evaluationReads(county, db.name))
    }
  }
  const nearest = counties.reduce((best, c) =>
    Math.abs(Math.log(c.size / concurrent.nearSize)) < Math.abs(Math.log(best.size / concurrent.nearSize)) ? c : best
  )
  progress(`${db.name} ${figure(nearest.size)}: ${concurrent.requests} concurrent caseload reads…`)
  const concurrency = { size: nearest.size, ...(await concurrentCaseloads(nearest, tokens.linkWorker)) }
  for (const county of counties) await county.runtime.dispose()
  return {
    db,
    counties,
    samples,
    evaluations,
    concurrency,
    ...(reads ? { evaluationReads: evaluationReadsFound } : {})
  }
}

const msText = (ms: number) =>
  Number.isNaN(ms)
    ? "–"
    : ms >= 1000
      ? `${(ms / 1000).toFixed(ms >= 10_000 ? 1 : 2)} s`
      : `${ms.toFixed(ms >= 10 ? 0 : 1)} ms`

const json: Array<string> = []

const report = (all: ReadonlyArray<Figures>, notes: ReadonlyArray<string>) => {
  const cpus = os.cpus()
  const lines = [
    "",
    "## lahete scale benchmark",
    "",
    `Machine: ${cpus.length} × ${cpus[0]?.model.trim() ?? "unknown CPU"}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.type()} ${os.release()}, Node ${process.version}; ${all
      .map((f) => `${f.counties[0]?.version ?? f.db.name} (${f.db.connection})`)
      .join("; ")}.`,
    `Load average (1, 5, 15 min) at start ${loadAtStart.map((l) => l.toFixed(2)).join(", ")}, at the end ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(", ")}.`,
    `Medians of ${rounds} interleaved rounds (fewer where an operation took over ${budgetMs / 1000} s in all at one size); growth: largest size over smallest.`
  ]
  for (const f of all) {
    const first = f.counties[0]
    const last = f.counties[f.counties.length - 1]
    const header = [
      `operation (${f.db.name})`,
      ...f.counties.map((c) => `${figure(c.size)} referrals`),
      `growth ${figure(last?.size ?? 0)}/${figure(first?.size ?? 0)}`
    ]
    const rows = operations.map((operation, o) => {
      const medians = f.counties.map((_, k) => median((f.samples[o]?.[k] ?? []).map((s) => s.ms)))
      for (const [k, m] of medians.entries()) {
        json.push(
          JSON.stringify({
            package: "scale",
            name: `${f.db.name}: ${operation.name}`,
            size: f.counties[k]?.size,
            unit: "ms",
            value: m,
            n: f.samples[o]?.[k]?.length ?? 0
          })
        )
      }
      return [
        operation.name,
        ...medians.map(msText),
        `${figure((medians[medians.length - 1] ?? 0) / (medians[0] ?? 1))}×`
      ]
    })
    const evalRow = [
      "evaluation report, one programme-year over HTTP",
      ...f.evaluations.map((e) => msText(e.ms)),
      `${figure((f.evaluations[f.evaluations.length - 1]?.ms ?? 0) / (f.evaluations[0]?.ms ?? 1))}×`
    ]
    lines.push("", `### ${f.db.name}`, "", table(header, [...rows, evalRow]))
    const details = table(
      [
        "size",
        "events",
        "generated",
        "written",
        "inbox (HTTP)",
        "caseload",
        "overview",
        "step",
        "round",
        "evaluation year: referrals, CPU, heap, body"
      ],
      f.counties.map((c, k) => {
        const detail = (name: string) => f.samples[operations.findIndex((o) => o.name === name)]?.[k]?.[0]?.detail ?? ""
        const e = f.evaluations[k]
        return [
          figure(c.size),
          figure(c.events),
          `${c.generateSeconds.toFixed(1)} s`,
          `${c.writeSeconds.toFixed(1)} s`,
          detail("`GET /coordinator/inbox` over HTTP"),
          detail("a link worker's caseload"),
          detail("a referrer's overview"),
          detail("one deadline step, nothing due (`Scheduler.step`)"),
          detail("one worker round, nothing due (`SqlDispatcher.workOnce`)"),
          e === undefined
            ? ""
            : `${figure(c.inEvaluationYear)}, ${msText(e.cpuMs)} CPU, ${e.heapMB.toFixed(0)} MB, ${figure(e.kib)} KiB`
        ]
      })
    )
    lines.push("", details)
    // the community link: the directory, its pages, a caseload page with plans, the evaluation's community section
    const detailOf = (name: string, k: number) =>
      f.samples[operations.findIndex((o) => o.name === name)]?.[k]?.[0]?.detail ?? ""
    const community = table(
      ["size", "directory", "activities page", "HSDS page", "caseload page", "evaluation: community section"],
      f.counties.map((c, k) => [
        figure(c.size),
        `${figure(c.directory.activities)} activities, ${figure(c.directory.versions)} versions`,
        detailOf(directoryPage, k),
        detailOf(hsdsPage, k),
        detailOf(caseloadWithPlans, k),
        f.evaluations[k]?.community ?? ""
      ])
    )
    lines.push("", community)
    if (f.concurrency !== undefined) {
      const c = f.concurrency
      lines.push(
        "",
        `${concurrent.requests} concurrent \`GET /link-worker/caseload\` at ${figure(c.size)} referrals: p50 ${msText(c.p50)}, p99 ${msText(c.p99)}${c.failed > 0 ? ` (of those that answered 200); ${c.failures} (time-out ${concurrent.timeoutMs / 1000} s)` : ""}.`
      )
      json.push(
        JSON.stringify({
          package: "scale",
          name: `${f.db.name}: ${concurrent.requests} concurrent caseload reads`,
          size: c.size,
          unit: "ms",
          p50: c.p50,
          p99: c.p99,
          failed: c.failed
        })
      )
    }
    if (f.evaluationReads !== undefined) {
      const perReferral = (ms: number, k: number) =>
        `${((1000 * ms) / Math.max(1, f.counties[k]?.inEvaluationYear ?? 1)).toFixed(0)} µs`
      lines.push(
        "",
        table(
          [
            "size",
            "year's referrals (state / folded)",
            "statements (find / events / streams)",
            "rows returned",
            "report in the process: wall, CPU, CPU a referral",
            ...(f.evaluationReads[0]?.replays ?? []).map((r) => `node:sqlite alone, ${r.setting}: ms, CPU, MiB read`),
            ...(f.evaluationReads[0]?.pragmas ?? []).map((r) => `report, ${r.setting}: CPU a referral`)
          ],
          f.evaluationReads.map((r, k) => [
            figure(f.counties[k]?.size ?? 0),
            `${figure(f.counties[k]?.inEvaluationYear ?? 0)} (${figure(r.settled)} / ${figure(r.folded)})`,
            `${r.statements.find} / ${r.statements.events} / ${r.statements.streams}`,
            r.rows === undefined ? "–" : figure(r.rows),
            `${msText(r.ms)}, ${msText(r.cpuMs)}, ${perReferral(r.cpuMs, k)}`,
            ...(r.replays ?? []).map((x) => `${msText(x.ms)}, ${msText(x.cpuMs)}, ${figure(x.readMiB)}`),
            ...(r.pragmas ?? []).map((x) => perReferral(x.cpuMs, k))
          ])
        )
      )
      for (const [k, r] of f.evaluationReads.entries()) {
        json.push(
          JSON.stringify({ package: "scale", name: `${f.db.name}: evaluation reads`, size: f.counties[k]?.size, ...r })
        )
      }
    }
    for (const [k, e] of f.evaluations.entries()) {
      json.push(
        JSON.stringify({
          package: "scale",
          name: `${f.db.name}: evaluation report`,
          size: f.counties[k]?.size,
          unit: "ms",
          value: e.ms,
          cpuMs: e.cpuMs,
          heapMB: e.heapMB
        })
      )
    }
  }
  for (const f of all) {
    const largest = f.counties[f.counties.length - 1]
    if (largest === undefined || largest.size >= 1_000_000) continue
    const perReferral = (largest.generateSeconds + largest.writeSeconds) / largest.size
    lines.push(
      "",
      `Loading 1,000,000 referrals into ${f.db.name} at this run's rate (generating and writing ${figure(largest.size)}) would take about ${figure((perReferral * 1_000_000) / 60)} minutes (\`--sizes=1000000 --only=${f.db.name === "SQLite" ? "sqlite" : "pg"}\`).`
    )
  }
  lines.push(...notes.map((n) => `\nNote: ${n}`), "")
  return lines.join("\n")
}

const notes: Array<string> = []
const targets: Array<Database> = []
let cluster: PostgresTest.Cluster | undefined
if (only === undefined || only === "sqlite") targets.push(sqlite())
if (only === undefined || only === "pg" || only === "postgresql") {
  const url = process.env.DATABASE_URL
  if (url !== undefined && url !== "") targets.push(postgres(url, "DATABASE_URL", () => {}))
  else if (PostgresTest.findBin() === undefined)
    notes.push("no PostgreSQL (no DATABASE_URL, no initdb/pg_ctl found): PostgreSQL skipped")
  else {
    progress("starting a throwaway PostgreSQL cluster…")
    cluster = await PostgresTest.start({ durable: true, database: "lahete_scale", maxConnections: 60 })
    const started = cluster
    targets.push(postgres(started.url, "throwaway local cluster over TCP on 127.0.0.1", () => started.stop()))
  }
}
const all: Array<Figures> = []
try {
  const loaded: Array<ReadonlyArray<Loaded>> = []
  for (const size of sizes) {
    progress(`loading ${figure(size)} referrals into ${targets.map((t) => t.name).join(" and ")}…`)
    const counties = await loadCounties(targets, size)
    loaded.push(counties)
    for (const [d, db] of targets.entries()) {
      const c = counties[d]
      if (c !== undefined) {
        progress(
          `${db.name} ${figure(size)}: ${figure(c.events)} events, generated in ${c.generateSeconds.toFixed(1)} s, written in ${c.writeSeconds.toFixed(1)} s`
        )
      }
    }
  }
  for (const [d, db] of targets.entries()) {
    all.push(
      await benchmark(
        db,
        loaded.map((counties) => counties[d] as Loaded)
      )
    )
  }
} finally {
  for (const db of targets) db.cleanup()
  cluster?.stop()
}
process.stdout.write(report(all, notes))
if (jsonFile !== undefined) writeFileSync(jsonFile, json.map((l) => `${l}\n`).join(""))
