/**
 * The worker: on an interval, one round of
 *
 * 1. the deadline scheduler (`Scheduler.step`: due deadlines become commands
 *    through `ReferralService`, idempotent per marker), then
 * 2. the outbox dispatcher (due text messages and staff emails are sent,
 *    never in quiet hours, never after withdrawal or erasure),
 *
 * both through `SqlDispatcher.workOnce` of `@lahete/store-sql`, and every
 * `purgeIntervalMs` (default 10 minutes, and in the first round) the
 * maintenance step `SqlVault.purge`, which makes erased personal data
 * unrecoverable from the database files (PostgreSQL: the vault table is
 * rewritten; SQLite: the WAL is truncated). A failed round
 * (the database unreachable, say) is logged by its error tag and tried again
 * at the next interval. A round in progress is finished before the worker
 * stops (SIGINT, SIGTERM): an interrupted round would leave claimed outbox
 * entries to wait for their lease.
 *
 * **How many workers.** On PostgreSQL run as many as you like: the
 * scheduler's commands carry one idempotency key per deadline marker and the
 * outbox claims use `FOR UPDATE SKIP LOCKED`, so workers never take the same
 * message. On SQLite run exactly one: `run` holds a lock in the database (a
 * row of `lahete_worker_lock` with a lease it renews) and refuses to start
 * while another worker holds it (`WorkerAlreadyRunning`). A worker that died
 * leaves its lease to expire (`lockTtlMs`, default 60 s); on the same host a
 * holder whose process is gone is taken over at once. On Linux the lease
 * records the holder's pid namespace and start time (from `/proc`), so a
 * holder killed but not yet reaped (a zombie, as under a container's first
 * process that reaps no children) or whose pid now belongs to another
 * process counts as gone, and a holder in another pid namespace (a container
 * sharing the host name) is left to its lease; elsewhere the pid is probed
 * with `process.kill(pid, 0)`.
 *
 * Logs carry counts, command names and outcome codes only: never a referral's
 * personal data.
 *
 * @since 0.1.0
 */
import { readFileSync, readlinkSync } from "node:fs"
import { hostname } from "node:os"
import {
  type Actor,
  type Instant,
  LinkWorkerRegistry,
  LinkWorkerSurveyAnswers,
  Mailer,
  ReferralService,
  type ReferralStore
} from "@lahete/core"
import { SqlDispatcher, SqlVault } from "@lahete/store-sql"
import { Clock, Effect, Fiber, Option, Schema, type Scope } from "effect"
import * as CliError from "effect/cli/CliError"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"

/**
 * The worker's options: the dispatcher's (templates, coordinators' addresses,
 * back-off), the interval, and the SQLite lock's lease.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options extends SqlDispatcher.Options {
  /** Between the end of a round and the start of the next (default 30 s). */
  readonly intervalMs?: number
  /** The actor the scheduler's commands are issued as (default `Scheduler.systemActor`). */
  readonly actor?: Actor.Actor
  /** Dispatch rounds per worker round at most (default 100). */
  readonly maxRounds?: number
  /** SQLite: how long the worker lock holds without renewal (default 60 s; renewed every third of it). */
  readonly lockTtlMs?: number
  /**
   * How often the maintenance step `SqlVault.purge` runs (default 10
   * minutes; also in the first round): erased values leave the database files
   * within this time plus a round.
   */
  readonly purgeIntervalMs?: number
  /**
   * The link workers' survey invitations (`LinkWorkerSurveyAnswers.invite`):
   * after the dispatch, each round invites the active link workers with an
   * address here who have not answered their programme's open survey round
   * and have not been invited to it (one email per round). Needs
   * `LinkWorkerRegistry` and `LinkWorkerSurveyAnswers` in the context (the
   * server's services have both); without them, or unset, nobody is
   * invited.
   */
  readonly linkWorkerSurvey?: { readonly url: string; readonly emails: Readonly<Record<string, string>> }
}

/**
 * Another worker holds the lock on this SQLite database.
 *
 * @since 0.1.0
 * @category errors
 */
export class WorkerAlreadyRunning extends Schema.TaggedError<WorkerAlreadyRunning>()("WorkerAlreadyRunning", {
  host: Schema.String,
  pid: Schema.Number,
  since: Schema.String,
  expiresAt: Schema.String
}) {
  override get message(): string {
    return (
      `another worker (process ${this.pid} on ${this.host}, since ${this.since}) works on this SQLite database; ` +
      `SQLite takes one worker. Stop it, run this command with --no-worker, or wait until its lock expires at ${this.expiresAt} if it died`
    )
  }
  override get [CliError.userMessage](): string {
    return this.message
  }
}

/**
 * The worker's lock on a SQLite database was taken over (its lease expired,
 * e.g. while the process was suspended): the worker stops.
 *
 * @since 0.1.0
 * @category errors
 */
export class WorkerLockLost extends Schema.TaggedError<WorkerLockLost>()("WorkerLockLost", {}) {
  override get message(): string {
    return "the worker lost its lock on the SQLite database (its lease expired); it stops so that one worker runs"
  }
}

// ---------------------------------------------------------------------------
// one round
// ---------------------------------------------------------------------------

/**
 * What one round did, counted.
 *
 * @since 0.1.0
 * @category models
 */
export interface RoundSummary {
  readonly now: Instant.Instant
  /** Scheduler commands that appended events, by command. */
  readonly fired: Readonly<Record<string, number>>
  /** Scheduler commands that failed (tried again next round). */
  readonly failed: number
  /** Outbox entries handled, by kind and outcome (`call-time-sms:sent`). */
  readonly messages: Readonly<Record<string, number>>
}

const count = (keys: ReadonlyArray<string>): Record<string, number> => {
  const out: Record<string, number> = {}
  for (const k of keys) out[k] = (out[k] ?? 0) + 1
  return out
}

/**
 * Counts a round's result.
 *
 * @since 0.1.0
 * @category rounds
 */
export const summarise = (round: SqlDispatcher.RoundResult): RoundSummary => ({
  now: round.now,
  fired: count(round.step.fired.map((f) => f.command)),
  failed: round.step.failed.length,
  messages: count(round.dispatched.map((d) => `${d.kind}:${d.outcome}`))
})

/**
 * A round's summary in one line, or `undefined` when nothing happened.
 *
 * @since 0.1.0
 * @category rounds
 */
export const describe = (summary: RoundSummary): string | undefined => {
  const list = (r: Readonly<Record<string, number>>) =>
    Object.entries(r)
      .map(([k, n]) => `${k} ×${n}`)
      .join(", ")
  const parts: Array<string> = []
  if (Object.keys(summary.fired).length > 0) parts.push(`deadlines: ${list(summary.fired)}`)
  if (summary.failed > 0) parts.push(`deadline commands failed: ${summary.failed}`)
  if (Object.keys(summary.messages).length > 0) parts.push(`messages: ${list(summary.messages)}`)
  return parts.length === 0 ? undefined : parts.join("; ")
}

/**
 * One round at the clock's time: `SqlDispatcher.workOnce` (the scheduler's
 * step, then dispatch rounds until nothing is due).
 *
 * @since 0.1.0
 * @category rounds
 */
export const runOnce = (
  options: Options
): Effect.Effect<
  SqlDispatcher.RoundResult,
  ReferralService.ReferralServiceError | ReferralStore.StoreFailure,
  SqlDispatcher.WorkerServices
> => Effect.tap(SqlDispatcher.workOnce(options), (round) => surveyInvitations(options, round.now))

/**
 * The survey invitations of a round (see `Options.linkWorkerSurvey`): every
 * programme's survey, from the registry (no referral is read). A failure is
 * logged by its tag and does not fail the round; the link workers not yet
 * reached are invited next round (one whose send failed is not: each is
 * invited at most once per survey round).
 */
const surveyInvitations = (
  options: Options,
  now: Instant.Instant
): Effect.Effect<void, never, ReferralService.ProgrammeCatalog | Mailer.Mailer> =>
  Effect.gen(function* () {
    const settings = options.linkWorkerSurvey
    if (settings === undefined) return
    const registry = yield* Effect.serviceOption(LinkWorkerRegistry.LinkWorkerRegistry)
    const answers = yield* Effect.serviceOption(LinkWorkerSurveyAnswers.LinkWorkerSurveyAnswers)
    if (Option.isNone(registry) || Option.isNone(answers)) return
    const catalog = yield* ReferralService.ProgrammeCatalog
    const mailer = yield* Mailer.Mailer
    for (const id of new Set(catalog.all.map((p) => p.id))) {
      const programme = catalog.latest(id)
      if (programme?.linkWorkerSurvey === undefined) continue
      const sent = yield* LinkWorkerSurveyAnswers.invite({
        programme,
        now,
        addresses: settings.emails,
        url: settings.url,
        mailer
      }).pipe(
        Effect.provideService(LinkWorkerRegistry.LinkWorkerRegistry, registry.value),
        Effect.provideService(LinkWorkerSurveyAnswers.LinkWorkerSurveyAnswers, answers.value),
        Effect.tapError((e) =>
          Effect.annotateLogs(Effect.logWarning("link-worker survey invitations failed"), { failure: e._tag })
        ),
        Effect.orElseSucceed(() => 0)
      )
      if (sent > 0) yield* Effect.annotateLogs(Effect.logInfo("link-worker survey invitations sent"), { sent })
    }
  })

// ---------------------------------------------------------------------------
// the SQLite lock
// ---------------------------------------------------------------------------

/**
 * The lock table (created on first use, SQLite only).
 *
 * @since 0.1.0
 * @category lock
 */
export const lockTable = "lahete_worker_lock"

interface Holder {
  readonly token: string
  readonly host: string
  readonly pid: number
  /** `<pid namespace> <start time>` on Linux; `null` elsewhere and in leases of earlier versions. */
  readonly process: string | null
  readonly acquired_at: number
  readonly expires_at: number
}

/** A process's state and start time (clock ticks since boot) from `/proc/<pid>/stat`; `undefined` without one. */
const procStat = (pid: number): { readonly state: string; readonly started: string } | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    // after "pid (command) " come field 3 (the state) onwards; the command may hold spaces and parentheses
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    const state = fields[0]
    const started = fields[19]
    return state === undefined || started === undefined ? undefined : { state, started }
  } catch {
    return undefined
  }
}

const pidNamespace = (): string | undefined => {
  try {
    return readlinkSync("/proc/self/ns/pid")
  } catch {
    return undefined
  }
}

/** This process as the lease records it (Linux), or `null`. */
const ownProcess = (): string | null => {
  const namespace = pidNamespace()
  const stat = procStat(process.pid)
  return namespace === undefined || stat === undefined ? null : `${namespace} ${stat.started}`
}

/** Whether the holder's process (on this host) still runs. */
const isAlive = (holder: Holder): boolean => {
  const pid = Number(holder.pid)
  const [namespace, started] = holder.process === null ? [] : holder.process.split(" ")
  const ours = pidNamespace()
  // in another pid namespace its pid means nothing here: leave it to its lease
  if (namespace !== undefined && ours !== undefined && namespace !== ours) return true
  // a holder with our own pid is an earlier process of ours (e.g. a restarted container)
  if (pid === process.pid) return false
  const stat = procStat(pid)
  if (stat !== undefined) {
    // killed but not reaped yet (a zombie), or the pid now belongs to another process
    if (stat.state === "Z" || stat.state === "X") return false
    return started === undefined || stat.started === started
  }
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as { code?: unknown }).code === "EPERM"
  }
}

const iso = (ms: number) => new Date(ms).toISOString()

/**
 * Takes the worker lock of a SQLite database for the scope (released when it
 * closes) and keeps renewing it; the returned fiber fails with
 * `WorkerLockLost` if the lease is taken over. Fails with
 * `WorkerAlreadyRunning` while another worker holds it. On PostgreSQL there is
 * no lock: it returns `undefined`.
 *
 * @since 0.1.0
 * @category lock
 */
export const acquireLock = (
  options: { readonly lockTtlMs?: number } = {}
): Effect.Effect<
  Fiber.Fiber<never, WorkerLockLost | SqlError> | undefined,
  WorkerAlreadyRunning | SqlError,
  SqlClient.SqlClient | Scope.Scope
> =>
  Effect.gen(function* () {
    const sql = (yield* SqlClient.SqlClient).withoutTransforms()
    if (!sql.onDialectOrElse({ sqlite: () => true, orElse: () => false })) return undefined
    const ttl = Math.max(3_000, options.lockTtlMs ?? 60_000)
    const token = crypto.randomUUID()
    const host = hostname()
    const pid = process.pid
    const self = ownProcess()
    yield* sql.unsafe(
      `CREATE TABLE IF NOT EXISTS ${lockTable} (
        name TEXT PRIMARY KEY,
        token TEXT NOT NULL,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        acquired_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        process TEXT
      )`
    )
    // a lock table of an earlier version has no process column (two workers starting may both try to add it)
    const columns = yield* sql<{ name: string }>`SELECT name FROM pragma_table_info(${lockTable})`
    if (!columns.some((c) => c.name === "process")) {
      yield* Effect.ignore(sql.unsafe(`ALTER TABLE ${lockTable} ADD COLUMN process TEXT`))
    }
    yield* Effect.acquireRelease(
      sql.withTransaction(
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          const rows = yield* sql<Holder>`SELECT token, host, pid, process, acquired_at, expires_at
            FROM ${sql(lockTable)} WHERE name = 'worker'`
          const holder = rows[0]
          if (holder === undefined) {
            yield* sql`INSERT INTO ${sql(lockTable)} (name, token, host, pid, process, acquired_at, expires_at)
              VALUES ('worker', ${token}, ${host}, ${pid}, ${self}, ${now}, ${now + ttl})`
            return
          }
          const stale = Number(holder.expires_at) <= now || (holder.host === host && !isAlive(holder))
          if (!stale) {
            return yield* Effect.fail(
              new WorkerAlreadyRunning({
                host: holder.host,
                pid: Number(holder.pid),
                since: iso(Number(holder.acquired_at)),
                expiresAt: iso(Number(holder.expires_at))
              })
            )
          }
          yield* sql`UPDATE ${sql(lockTable)}
            SET token = ${token}, host = ${host}, pid = ${pid}, process = ${self},
              acquired_at = ${now}, expires_at = ${now + ttl}
            WHERE name = 'worker' AND token = ${holder.token}`
        })
      ),
      () => Effect.ignore(sql`DELETE FROM ${sql(lockTable)} WHERE name = 'worker' AND token = ${token}`)
    )
    const renew = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const held = yield* sql<{ token: string }>`UPDATE ${sql(lockTable)} SET expires_at = ${now + ttl}
        WHERE name = 'worker' AND token = ${token} RETURNING token`
      if (held.length === 0) return yield* Effect.fail(new WorkerLockLost())
    })
    return yield* Effect.forkScoped(Effect.forever(Effect.andThen(Effect.sleep(Math.floor(ttl / 3)), renew)))
  })

// ---------------------------------------------------------------------------
// the loop
// ---------------------------------------------------------------------------

/**
 * What the worker needs (the same as `SqlDispatcher.worker`).
 *
 * @since 0.1.0
 * @category models
 */
export type Services = SqlDispatcher.WorkerServices

/**
 * Starts the worker in the scope: takes the SQLite lock (failing at once
 * with `WorkerAlreadyRunning` while another worker holds it), then runs a
 * round every `intervalMs` in a fiber of the scope, each logged in one line
 * when it did something. The fiber fails only when the lock is lost; closing
 * the scope stops it after the round in progress and releases the lock.
 *
 * @since 0.1.0
 * @category running
 */
export const start = (
  options: Options
): Effect.Effect<
  Fiber.Fiber<never, WorkerLockLost | SqlError>,
  WorkerAlreadyRunning | SqlError,
  Services | Scope.Scope
> =>
  Effect.gen(function* () {
    const lock = yield* acquireLock(options.lockTtlMs === undefined ? {} : { lockTtlMs: options.lockTtlMs })
    const interval = options.intervalMs ?? 30_000
    yield* Effect.logInfo(
      `lahete worker started: a round every ${Math.round(interval / 1000)} s${lock === undefined ? "" : " (holding the SQLite worker lock)"}`
    )
    const round = Effect.uninterruptible(
      runOnce(options).pipe(
        Effect.map(summarise),
        Effect.flatMap((summary) => {
          const line = describe(summary)
          return line === undefined ? Effect.void : Effect.logInfo(`lahete worker round: ${line}`)
        }),
        Effect.catch((error) => Effect.logWarning(`lahete worker round failed: ${error._tag}`))
      )
    )
    const purgeInterval = options.purgeIntervalMs ?? 600_000
    let lastPurge: number | undefined
    const maintenance = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      if (lastPurge !== undefined && now - lastPurge < purgeInterval) return
      yield* SqlVault.purge.pipe(
        Effect.tap(() => Effect.sync(() => (lastPurge = now))),
        Effect.catch((error) => Effect.logWarning(`lahete worker maintenance failed: ${error.detail}`))
      )
    })
    const loop = Effect.forever(Effect.andThen(round, Effect.andThen(maintenance, Effect.sleep(interval))))
    return yield* Effect.forkScoped(lock === undefined ? loop : Effect.raceFirst(loop, Fiber.join(lock)))
  })

/**
 * Runs the worker until interrupted (`start`, then waits): fails only when
 * the lock cannot be taken or is lost.
 *
 * @since 0.1.0
 * @category running
 */
export const run = (
  options: Options
): Effect.Effect<never, WorkerAlreadyRunning | WorkerLockLost | SqlError, Services> =>
  Effect.scoped(Effect.flatMap(start(options), Fiber.join))
