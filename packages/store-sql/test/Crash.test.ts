/**
 * Crash safety: a child process runs a burst of commands (submissions,
 * assignments, call schedules with a text message) through `ReferralService`
 * over the SQL store, several at a time, and is killed with SIGKILL in the
 * middle. The database, opened again, is consistent: every stream gap-free
 * and decodable, no command half-written (the idempotency records tile the
 * streams), the vault holding exactly the submitted clients, the projection
 * equal to a rebuild from the log, the outbox holding exactly one entry for
 * every message of every committed command, and every command the child saw
 * committed is there. Then a second child starts on that database (a
 * restart) and is killed in turn, and the checks run again.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { PgClient } from "@effect/sql-pg"
import { describe, expect, it } from "@effect/vitest"
import { NodeSqlite } from "@lahete/store-sql/sqlite"
import { Effect, Layer, Redacted } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { checkConsistency } from "./support/consistency.js"
import { databaseUrl, warnSkipped } from "./support/layers.js"

const repo = join(import.meta.dirname, "..", "..", "..")
const node = existsSync(join(repo, "node_modules", ".bin", "node"))
  ? join(repo, "node_modules", ".bin", "node")
  : process.execPath
const child = join(import.meta.dirname, "support", "child.ts")

/**
 * Commands the child must have seen committed before it is killed, per
 * round: the second child starts on the database the first left (its first
 * commands are replays of the first child's) and is killed further on.
 */
const rounds = [150, 450]

interface Killed {
  /** The idempotency keys of the commands the child saw committed. */
  readonly committed: ReadonlyArray<string>
  readonly signal: NodeJS.Signals | null
  readonly finished: boolean
}

/** Runs the child until it has committed `killAfter` commands, then kills it with SIGKILL. */
const runAndKill = (env: Record<string, string>, killAfter: number): Promise<Killed> =>
  new Promise((resolve, reject) => {
    const proc: ChildProcess = spawn(
      node,
      ["--experimental-transform-types", "--no-warnings", "--conditions=@lahete/source", child, "./crashBurst.js"],
      { cwd: repo, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] }
    )
    const committed: Array<string> = []
    let finished = false
    let buffered = ""
    let stderr = ""
    let killed = false
    proc.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    proc.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString()
      const lines = buffered.split("\n")
      buffered = lines.pop() ?? ""
      for (const line of lines) {
        if (line.startsWith("ok ")) committed.push(line.slice(3))
        if (line === "done") finished = true
      }
      if (!killed && committed.length >= killAfter) {
        killed = true
        proc.kill("SIGKILL")
      }
    })
    proc.on("error", reject)
    proc.on("exit", (_code, signal) => {
      if (!killed) reject(new Error(`the child exited before it was killed: ${stderr.slice(0, 2000)}`))
      else resolve({ committed, signal, finished })
    })
  })

/** Runs the checks on a new connection to the database. */
const reopen = <A, E>(
  client: Layer.Layer<SqlClient.SqlClient, unknown>,
  body: Effect.Effect<A, E, SqlClient.SqlClient>
) => body.pipe(Effect.provide(Layer.fresh(client)))

/** The checks after the crash. */
const afterCrash = (killed: Killed, killAfter: number) =>
  Effect.gen(function* () {
    // killed in the middle of the burst
    expect(killed.signal).toBe("SIGKILL")
    expect(killed.finished).toBe(false)
    const sql = yield* SqlClient.SqlClient
    const { streams } = yield* checkConsistency
    // every command the child saw committed is there
    const keys = new Set(
      (yield* sql<{ idempotency_key: string }>`SELECT idempotency_key FROM idempotency_keys`).map(
        (r) => r.idempotency_key
      )
    )
    expect(killed.committed.filter((k) => !keys.has(k))).toEqual([])
    expect(streams.size).toBeGreaterThan(killAfter / 3 - 1)
    // the vault holds exactly the clients of the committed submissions
    const subjects = (yield* sql<{ subject_id: string }>`SELECT subject_id FROM subjects`).map((r) => r.subject_id)
    expect(subjects.sort()).toEqual([...streams.keys()].map((id) => id.replace("r-crash-", "subject-crash-")).sort())
    // the burst asked for text messages, and they are in the outbox
    const sms = yield* sql<{ n: number }>`SELECT count(*) AS n FROM outbox WHERE kind = 'call-time-sms'`
    expect(Number(sms[0]?.n)).toBeGreaterThan(0)
  })

describe("crash safety", () => {
  it.live(
    "SQLite (file, WAL): a child killed with SIGKILL in the middle of a burst leaves the database consistent",
    () =>
      Effect.gen(function* () {
        const dir = yield* Effect.acquireRelease(
          Effect.sync(() => mkdtempSync(join(tmpdir(), "lahete-crash-"))),
          (d) => Effect.sync(() => rmSync(d, { recursive: true, force: true }))
        )
        const filename = join(dir, "store.db")
        for (const killAfter of rounds) {
          const killed = yield* Effect.promise(() => runAndKill({ LAHETE_CRASH_SQLITE: filename }, killAfter))
          yield* reopen(NodeSqlite.layer({ filename }), afterCrash(killed, killAfter))
        }
      }).pipe(Effect.scoped),
    120_000
  )

  if (databaseUrl === undefined) {
    warnSkipped("the PostgreSQL crash-safety test")
    return
  }
  const url = databaseUrl
  it.live(
    "PostgreSQL: a child killed with SIGKILL in the middle of a burst leaves the database consistent",
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
        for (const killAfter of rounds) {
          const killed = yield* Effect.promise(() =>
            runAndKill({ LAHETE_CRASH_PG_URL: url, LAHETE_CRASH_PG_SCHEMA: schema }, killAfter)
          )
          yield* reopen(
            PgClient.layer({ url: Redacted.make(url), startupParameters: { search_path: schema }, maxConnections: 2 }),
            afterCrash(killed, killAfter)
          )
        }
      }).pipe(Effect.scoped),
    120_000
  )
})
