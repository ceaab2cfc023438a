/**
 * `lahete serve` and `lahete worker` as they run: serve answers HTTP and runs
 * the worker, and when interrupted (what SIGINT and SIGTERM do) stops
 * listening and releases the SQLite worker lock; a worker in another
 * process holds the lock, a second worker on the same file is refused, and
 * SIGTERM stops that process cleanly, lock released.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { connect } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { fileURLToPath } from "node:url"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { describe, expect, it } from "@effect/vitest"
import { Deadlines, type Ids, Instant, Mailer, Presets, ReferralService } from "@lahete/core"
import { Fixtures, StaffMailAudit } from "@lahete/testing"
import { Effect, Fiber, Layer, Result } from "effect"
import { TestConsole } from "effect/testing"
import * as jose from "jose"
import { afterAll } from "vitest"
import * as Cli from "../src/Cli.js"
import * as Config from "../src/Config.js"
import * as Sinks from "../src/Sinks.js"
import * as Worker from "../src/Worker.js"

const root = mkdtempSync(join(tmpdir(), "lahete-serve-"))
const children: Array<ChildProcess> = []
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL")
  rmSync(root, { recursive: true, force: true })
})
let n = 0
const fresh = () => join(root, `t${++n}`)

/** Polls `check` every 50 ms until it answers, for up to `ms`. */
const eventually = <A>(what: string, check: () => A | undefined, ms = 30_000) =>
  Effect.gen(function* () {
    const until = Date.now() + ms
    for (;;) {
      const a = check()
      if (a !== undefined) return a
      if (Date.now() > until) return yield* Effect.die(new Error(`timed out waiting for ${what}`))
      yield* Effect.sleep(50)
    }
  })

/** Hands every staff email a sink file holds to the repository's staff-mail audit (checked after the suite). */
const audit = (file: string, source: string) =>
  Effect.gen(function* () {
    const mailer = StaffMailAudit.capture(yield* Mailer.makeMemory, source)
    for (const m of yield* Sinks.readMail(file)) {
      yield* mailer.send({ id: m.id, to: m.to, subject: m.subject, text: m.text })
    }
  })

/** The worker lock's holder pid, read with a connection of its own (the file is in WAL mode). */
const lockHolder = (file: string): number | undefined => {
  const db = new DatabaseSync(file, { readOnly: true })
  try {
    const row = db.prepare(`SELECT pid FROM ${Worker.lockTable} WHERE name = 'worker'`).get() as
      | { pid: number }
      | undefined
    return row?.pid
  } catch {
    return undefined // no lock table yet
  } finally {
    db.close()
  }
}

const environment = (dir: string, extra: Record<string, string> = {}) => ({
  LAHETE_DATABASE: join(dir, "lahete.db"),
  LAHETE_PROGRAMMES: "kemijarvi",
  LAHETE_EMAIL_FILE: join(dir, "mail.jsonl"),
  LAHETE_SMS_FILE: join(dir, "sms.jsonl"),
  LAHETE_COORDINATORS: "kemijarvi=koordinaattori@kemijarvi.example.fi",
  LAHETE_WORKER_INTERVAL_SECONDS: "1",
  ...extra
})

const seed = (file: string) =>
  Effect.gen(function* () {
    const service = yield* ReferralService.ReferralService
    yield* service.execute(
      Fixtures.submit({
        referralId: "referral-serve" as Ids.ReferralId,
        idempotencyKey: "serve-1" as Ids.IdempotencyKey,
        at: Instant.make(Date.now())
      })
    )
  }).pipe(
    Effect.provide(
      Layer.fresh(Cli.servicesLayer(Result.getOrThrow(Config.read({ env: {} })), { _tag: "Sqlite", filename: file }))
    )
  )

describe("lahete serve", () => {
  it.live(
    "answers HTTP, runs the worker, and when interrupted stops listening and releases the worker lock",
    () =>
      Effect.gen(function* () {
        const dir = fresh()
        const env = environment(dir, {
          LAHETE_HTTP_PORT: "0",
          // the configured limits reach the server: a silent connection is cut after 1 s, not 10
          LAHETE_HTTP_HEADERS_TIMEOUT_SECONDS: "1",
          LAHETE_AUTH_ISSUER: "urn:test",
          LAHETE_AUTH_AUDIENCE: "lahete",
          LAHETE_AUTH_JWKS: JSON.stringify({
            keys: [
              yield* Effect.promise(async () =>
                jose.exportJWK((await jose.generateKeyPair("ES256", { extractable: true })).publicKey)
              )
            ]
          })
        })
        yield* seed(env.LAHETE_DATABASE)
        const serving = yield* Effect.forkChild(
          Cli.runWith(["serve"], { env }).pipe(Effect.provide(NodeServices.layer))
        )
        const address = yield* Effect.gen(function* () {
          for (let k = 0; k < 600; k++) {
            const lines = (yield* TestConsole.logLines).map(String)
            const found = lines.map((l) => /listens on (http:\/\/[^\s)]+)/.exec(l)?.[1]).find((a) => a !== undefined)
            if (found !== undefined) return found
            yield* Effect.sleep(50)
          }
          return yield* Effect.die(new Error("the server did not start"))
        })
        const health = yield* Effect.promise(() => fetch(`${address}/health`))
        expect(health.status).toBe(200)
        const silent = yield* Effect.promise(
          () =>
            new Promise<{ readonly ms: number; readonly text: string }>((resolve) => {
              const opened = Date.now()
              const url = new URL(address)
              const socket = connect(Number(url.port), url.hostname)
              let text = ""
              socket.on("data", (d) => {
                text += String(d)
              })
              socket.on("error", () => {})
              socket.on("close", () => resolve({ ms: Date.now() - opened, text }))
            })
        )
        expect(silent.ms).toBeLessThan(1_000 + 2_000)
        expect(silent.text).toMatch(/^HTTP\/1\.1 408 /)
        // the worker runs in the same process: it sends the coordinator's notification and holds the lock
        yield* eventually("the notification", () =>
          Effect.runSync(Sinks.readMail(env.LAHETE_EMAIL_FILE)).length === 1 ? true : undefined
        )
        expect(lockHolder(env.LAHETE_DATABASE)).toBe(process.pid)

        yield* audit(env.LAHETE_EMAIL_FILE, "packages/server/test/CliServe.test.ts")
        yield* Fiber.interrupt(serving)
        expect(lockHolder(env.LAHETE_DATABASE)).toBeUndefined()
        const after = yield* Effect.promise(() =>
          fetch(`${address}/health`).then(
            () => "answered",
            () => "refused"
          )
        )
        expect(after).toBe("refused")
      }).pipe(Effect.provide(TestConsole.layer)),
    60_000
  )

  it.live(
    "demo: seeds three referrals, prints messages and tokens that the API accepts",
    () =>
      Effect.gen(function* () {
        const dir = fresh()
        const demo = yield* Effect.forkChild(
          Cli.runWith(["demo", "--data", dir, "--port", "0"], { env: {} }).pipe(Effect.provide(NodeServices.layer))
        )
        const banner = yield* Effect.gen(function* () {
          for (let k = 0; k < 600; k++) {
            const text = (yield* TestConsole.logLines).map(String).join("\n")
            if (text.includes("Development tokens")) return text
            yield* Effect.sleep(50)
          }
          return yield* Effect.die(new Error("the demo did not start"))
        })
        const address = /listens on (http:\/\/[^\s)]+)/.exec(banner)?.[1]
        const token = /Coordinator demo-coordinator:\n\s+(\S+)/.exec(banner)?.[1]
        expect(address).toBeDefined()
        expect(token).toBeDefined()
        const inbox = yield* Effect.promise(() =>
          fetch(`${address}/coordinator/inbox`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json())
        )
        expect((inbox as { entries: ReadonlyArray<{ referralId: string }> }).entries.map((e) => e.referralId)).toEqual([
          "demo-referral-1",
          "demo-referral-2",
          "demo-referral-3"
        ])
        // the worker's first round sends the three notifications and the one text message, printed and in the files
        yield* eventually("the demo's messages", () =>
          Effect.runSync(Sinks.readMail(join(dir, "email.jsonl"))).length === 3 ? true : undefined
        )
        // the text message goes at once, unless it is quiet hours (21–08) in Finland: then it waits
        const now = Instant.make(Date.now())
        const quiet = Deadlines.earliestSend(now, Presets.kemijarvi) !== now
        const sms = Effect.runSync(Sinks.readSms(join(dir, "sms.jsonl")))
        expect(sms.map((m) => m.id.split(":")[0])).toEqual(quiet ? [] : ["demo-referral-2"])
        const printed = (yield* TestConsole.logLines).map(String).join("\n")
        for (const m of sms) expect(printed).toContain(`    ${m.text}`)
        yield* audit(join(dir, "email.jsonl"), "packages/server/test/CliServe.test.ts (demo)")
        yield* Fiber.interrupt(demo)
      }).pipe(Effect.provide(TestConsole.layer)),
    60_000
  )

  it.effect("without auth it says what to set", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Cli.runWith(["serve", "--no-worker"], { env: { LAHETE_DATABASE: join(fresh(), "x.db") } }).pipe(
          Effect.provide(NodeServices.layer)
        )
      )
      expect(error.message).toContain("auth: not set: set LAHETE_AUTH_ISSUER")
    })
  )
})

/** The hook that lets Node run the workspace's TypeScript sources (as the demo does). */
const hookFile = fileURLToPath(new URL("../../../scripts/sources.mjs", import.meta.url))
const bin = fileURLToPath(new URL("../src/bin.ts", import.meta.url))

const workerArgs = [
  "--experimental-transform-types",
  "--disable-warning=ExperimentalWarning",
  "--conditions=@lahete/source",
  "--import",
  hookFile,
  bin,
  "worker"
]

/** `lahete worker` in a child process of its own, on the workspace's sources. */
const spawnWorker = (env: Record<string, string>): ChildProcess => {
  const child = spawn(process.execPath, workerArgs, {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  children.push(child)
  return child
}

/**
 * `lahete worker` under a parent that never reaps it (a shell that starts it
 * and becomes `sleep`), as under a container's first process that reaps no
 * children: killed, it stays a zombie. Resolves the worker's pid.
 */
const spawnUnreapedWorker = (env: Record<string, string>): Promise<number> => {
  const parent = spawn(
    "sh",
    ["-c", '"$@" >/dev/null 2>&1 & echo $!; exec sleep 600', "sh", process.execPath, ...workerArgs],
    {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "ignore"]
    }
  )
  children.push(parent)
  return new Promise((resolve) => parent.stdout?.once("data", (d) => resolve(Number(String(d).trim()))))
}

describe("lahete worker in another process", () => {
  it.live(
    "holds the SQLite lock; a second worker is refused; SIGTERM stops it and releases the lock",
    () =>
      Effect.gen(function* () {
        const dir = fresh()
        const env = environment(dir)
        yield* seed(env.LAHETE_DATABASE)
        const child = spawnWorker(env)
        let output = ""
        child.stdout?.on("data", (d) => {
          output += String(d)
        })
        child.stderr?.on("data", (d) => {
          output += String(d)
        })
        yield* eventually(
          "the child's lock",
          () => (lockHolder(env.LAHETE_DATABASE) === child.pid ? true : undefined),
          45_000
        )

        const error = yield* Effect.flip(
          Cli.runWith(["worker", "--once"], { env }).pipe(Effect.provide(NodeServices.layer))
        )
        expect(error._tag).toBe("WorkerAlreadyRunning")
        expect(error.message).toContain(`process ${child.pid}`)

        const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
        child.kill("SIGTERM")
        const code = yield* Effect.promise(() => exited)
        expect(lockHolder(env.LAHETE_DATABASE)).toBeUndefined()
        expect(output).toContain("lahete worker started")
        expect(code === 0 || code === 130 || code === 143).toBe(true)
        // the lock is free: one round here now runs
        yield* Cli.runWith(["worker", "--once"], { env }).pipe(Effect.provide(NodeServices.layer))
        yield* audit(env.LAHETE_EMAIL_FILE, "packages/server/test/CliServe.test.ts (worker process)")
      }),
    90_000
  )

  it.live(
    "a worker killed with SIGKILL leaves its lock, and the next worker on the same host takes it over at once",
    () =>
      Effect.gen(function* () {
        const dir = fresh()
        const env = environment(dir)
        yield* seed(env.LAHETE_DATABASE)
        const child = spawnWorker(env)
        child.stdout?.resume()
        child.stderr?.resume()
        yield* eventually(
          "the child's lock",
          () => (lockHolder(env.LAHETE_DATABASE) === child.pid ? true : undefined),
          45_000
        )
        const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_, signal) => resolve(signal)))
        child.kill("SIGKILL")
        expect(yield* Effect.promise(() => exited)).toBe("SIGKILL")
        // the dead process could not release its lock: the row still names it, with a lease of a minute left
        expect(lockHolder(env.LAHETE_DATABASE)).toBe(child.pid)
        // the next worker does not wait for the lease: the holder's process is gone
        yield* Cli.runWith(["worker", "--once"], { env }).pipe(Effect.provide(NodeServices.layer))
        expect(lockHolder(env.LAHETE_DATABASE)).toBeUndefined()
        yield* audit(env.LAHETE_EMAIL_FILE, "packages/server/test/CliServe.test.ts (killed worker)")
      }),
    90_000
  )

  it.live.skipIf(process.platform !== "linux")(
    "a worker killed with SIGKILL and never reaped (a zombie) is taken over at once too",
    () =>
      Effect.gen(function* () {
        const dir = fresh()
        const env = environment(dir)
        yield* seed(env.LAHETE_DATABASE)
        const pid = yield* Effect.promise(() => spawnUnreapedWorker(env))
        yield* eventually(
          "the child's lock",
          () => (lockHolder(env.LAHETE_DATABASE) === pid ? true : undefined),
          45_000
        )
        process.kill(pid, "SIGKILL")
        yield* eventually("the zombie", () =>
          readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z ") ? true : undefined
        )
        // the process table still lists it, so `process.kill(pid, 0)` alone would take it for alive
        expect(() => process.kill(pid, 0)).not.toThrow()
        expect(lockHolder(env.LAHETE_DATABASE)).toBe(pid)
        yield* Cli.runWith(["worker", "--once"], { env }).pipe(Effect.provide(NodeServices.layer))
        expect(lockHolder(env.LAHETE_DATABASE)).toBeUndefined()
        yield* audit(env.LAHETE_EMAIL_FILE, "packages/server/test/CliServe.test.ts (zombie worker)")
      }),
    90_000
  )
})
