/**
 * The worker over a SQLite file: a round fires the due deadlines and sends
 * the due messages once (a second round sends nothing); the SQLite worker
 * lock refuses a second worker, is taken over when its holder's lease
 * expired or its process is gone, is released when the worker stops, and a
 * worker whose lock was taken over stops.
 */
import { spawn, spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync } from "node:fs"
import { hostname, tmpdir } from "node:os"
import { join } from "node:path"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { describe, expect, it } from "@effect/vitest"
import { Instant, ReferralService } from "@lahete/core"
import { SqlReferralStack } from "@lahete/store-sql"
import { Fixtures, StaffMailAudit } from "@lahete/testing"
import { Effect, Exit, Fiber, Layer } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { TestClock } from "effect/testing"
import { afterAll } from "vitest"
import * as Sinks from "../src/Sinks.js"
import * as Worker from "../src/Worker.js"

const root = mkdtempSync(join(tmpdir(), "lahete-worker-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let n = 0

/** A fresh SQLite file with the service, the fixture link worker and file sinks. */
const setup = () => {
  const dir = join(root, `t${++n}`)
  mkdirSync(dir)
  const files = { sms: join(dir, "sms.jsonl"), mail: join(dir, "mail.jsonl") }
  const quiet = { write: () => Effect.void }
  const layer = SqlReferralStack.layer({ linkWorkers: [Fixtures.linkWorker()] }).pipe(
    Layer.provideMerge(SqliteClient.layer({ filename: join(dir, "lahete.db") })),
    Layer.provideMerge(
      Layer.mergeAll(
        Sinks.smsLayer({ file: files.sms, console: quiet }),
        // every staff email goes to the repository's staff-mail audit too
        StaffMailAudit.layer(
          Sinks.mailLayer({ file: files.mail, console: quiet }),
          "packages/server/test/Worker.test.ts"
        )
      )
    ),
    Layer.fresh
  )
  return { files, layer, database: join(dir, "lahete.db") }
}

const coordinatorAddress = "koordinaattori@kemijarvi.example.fi"
const options: Worker.Options = {
  templates: { referralUrl: "https://lahete.kemijarvi.example.fi/referrals/{referralId}" },
  coordinators: { kemijarvi: [coordinatorAddress] },
  intervalMs: 30_000,
  lockTtlMs: 6_000
}

const setTime = (i: Instant.Instant) => TestClock.setTime(Instant.toMillis(i))

describe("Worker rounds", () => {
  it.effect("send the coordinator notification and the call-time text once; the next round sends nothing", () => {
    const { files, layer } = setup()
    return Effect.gen(function* () {
      const service = yield* ReferralService.ReferralService
      yield* service.execute(Fixtures.submit())
      yield* service.execute(Fixtures.assign())
      yield* service.execute(Fixtures.scheduleCall()) // at(4), the call at(26): Tuesday 3 March, 11.00 in Helsinki
      yield* setTime(Fixtures.at(5))
      const first = Worker.summarise(yield* Worker.runOnce(options))
      expect(first.messages).toEqual({ "coordinator-notification:sent": 1, "call-time-sms:sent": 1 })
      expect(Worker.describe(first)).toContain("call-time-sms:sent ×1")
      const second = Worker.summarise(yield* Worker.runOnce(options))
      expect(second.messages).toEqual({})
      expect(Worker.describe(second)).toBeUndefined()

      const sms = yield* Sinks.readSms(files.sms)
      expect(sms.map((m) => [m.to, m.text])).toEqual([
        ["+358401234567", "Hyvinvointilähete: Sinulle soitetaan. Puhelun aika: tiistai 3.3.2026 klo 11.00."]
      ])
      const mail = yield* Sinks.readMail(files.mail)
      expect(mail).toHaveLength(1)
      expect(mail[0]?.to).toEqual([coordinatorAddress])
      expect(mail[0]?.text).toContain("https://lahete.kemijarvi.example.fi/referrals/referral-1")
      for (const value of ["Aino", "Testinen", "010594Y9032", "401234567", "walks"]) {
        expect(JSON.stringify(mail)).not.toContain(value)
      }
    }).pipe(Effect.provide(layer))
  })

  it.effect("fire the deadlines the clock has passed, once", () => {
    const { layer } = setup()
    return Effect.gen(function* () {
      const service = yield* ReferralService.ReferralService
      yield* service.execute(Fixtures.submit()) // Monday 09.00; nobody assigns
      yield* setTime(Fixtures.at(3))
      expect(Worker.summarise(yield* Worker.runOnce(options)).fired).toEqual({})
      // D1: one business day, due at the end of Tuesday (local); the warning at 08.00 on Tuesday
      yield* setTime(Fixtures.at(24))
      expect(Worker.summarise(yield* Worker.runOnce(options)).fired).toEqual({ RecordDeadline: 1 })
      expect((yield* service.state(Fixtures.referralId)).deadlineMarks).toEqual(["assignment:at-risk"])
      yield* setTime(Fixtures.at(40))
      expect(Worker.summarise(yield* Worker.runOnce(options)).fired).toEqual({ RecordDeadline: 1 })
      expect(Worker.summarise(yield* Worker.runOnce(options)).fired).toEqual({})
      expect((yield* service.state(Fixtures.referralId)).deadlineMarks).toEqual([
        "assignment:at-risk",
        "assignment:missed"
      ])
    }).pipe(Effect.provide(layer))
  })
})

/**
 * Writes a lock row as another worker would: in the table of an earlier
 * version (no process column), or with the holder's process identity.
 */
const holdAs = (holder: {
  readonly pid: number
  readonly host?: string
  readonly expiresAt: number
  readonly process?: string
}) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql.unsafe(`CREATE TABLE IF NOT EXISTS ${Worker.lockTable} (
      name TEXT PRIMARY KEY, token TEXT NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL,
      acquired_at INTEGER NOT NULL, expires_at INTEGER NOT NULL)`)
    yield* sql`INSERT INTO ${sql(Worker.lockTable)} (name, token, host, pid, acquired_at, expires_at)
      VALUES ('worker', 'other', ${holder.host ?? hostname()}, ${holder.pid}, 0, ${holder.expiresAt})`
    if (holder.process !== undefined) {
      yield* sql.unsafe(`ALTER TABLE ${Worker.lockTable} ADD COLUMN process TEXT`)
      yield* sql`UPDATE ${sql(Worker.lockTable)} SET process = ${holder.process}`
    }
  })

/** A process's start time (clock ticks since boot), read from /proc as the lease records it. */
const startedOf = (pid: number): string => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? ""
}
const linux = process.platform === "linux"
const namespace = linux ? readlinkSync("/proc/self/ns/pid") : ""

const lockRows = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  return yield* sql<{ token: string; pid: number }>`SELECT token, pid FROM ${sql(Worker.lockTable)}`
})

describe("Worker maintenance (erasure that reaches the bytes)", () => {
  it.effect(
    "runs SqlVault.purge in the first round and then once every purgeIntervalMs (SQLite: the WAL is emptied)",
    () => {
      const { layer, database } = setup()
      const walBytes = () => statSync(`${database}-wal`).size
      return Effect.gen(function* () {
        const service = yield* ReferralService.ReferralService
        yield* service.execute(Fixtures.submit())
        expect(walBytes()).toBeGreaterThan(0)
        const fiber = yield* Effect.forkChild(
          Worker.run({ ...options, intervalMs: 30_000, purgeIntervalMs: 60_000, lockTtlMs: 3_600_000 })
        )
        yield* TestClock.adjust(1)
        expect(walBytes()).toBe(0)

        // a write, then a round before the interval is over: the WAL stays; the round after it: emptied
        yield* service.execute(Fixtures.assign())
        expect(walBytes()).toBeGreaterThan(0)
        yield* TestClock.adjust(30_000)
        expect(walBytes()).toBeGreaterThan(0)
        yield* TestClock.adjust(30_000)
        expect(walBytes()).toBe(0)
        yield* Fiber.interrupt(fiber)
      }).pipe(Effect.provide(layer))
    }
  )
})

describe("Worker lock (SQLite: one worker)", () => {
  it.effect("a second worker is refused while another live process holds the lock", () => {
    const { layer } = setup()
    return Effect.gen(function* () {
      yield* holdAs({ pid: process.ppid, expiresAt: 60_000 })
      const error = yield* Effect.flip(Worker.run(options))
      expect(error._tag).toBe("WorkerAlreadyRunning")
      expect(error.message).toContain(`process ${process.ppid} on ${hostname()}`)
      expect((yield* lockRows).map((r) => r.token)).toEqual(["other"])
    }).pipe(Effect.provide(layer))
  })

  it.effect("a lock whose lease expired is taken over", () => {
    const { layer } = setup()
    return Effect.gen(function* () {
      yield* TestClock.setTime(100_000)
      yield* holdAs({ pid: process.ppid, expiresAt: 99_999 })
      yield* Effect.scoped(
        Effect.gen(function* () {
          yield* Worker.acquireLock(options)
          expect((yield* lockRows).map((r) => r.pid)).toEqual([process.pid])
        })
      )
      // released when the scope closes
      expect(yield* lockRows).toEqual([])
    }).pipe(Effect.provide(layer))
  })

  it.effect("a lock held by a process that is gone (same host) is taken over at once", () => {
    const { layer } = setup()
    const gone = spawnSync(process.execPath, ["-e", ""]).pid
    return Effect.gen(function* () {
      yield* holdAs({ pid: gone, expiresAt: 10_000_000 })
      yield* Effect.scoped(
        Effect.gen(function* () {
          yield* Worker.acquireLock(options)
          expect((yield* lockRows).map((r) => r.pid)).toEqual([process.pid])
        })
      )
    }).pipe(Effect.provide(layer))
  })

  it.effect.skipIf(!linux)("the lease records the holder's pid namespace and start time (Linux)", () => {
    const { layer } = setup()
    return Effect.gen(function* () {
      yield* holdAs({ pid: spawnSync(process.execPath, ["-e", ""]).pid, expiresAt: 10_000_000 })
      yield* Effect.scoped(
        Effect.gen(function* () {
          yield* Worker.acquireLock(options)
          const sql = yield* SqlClient.SqlClient
          const rows = yield* sql<{ process: string }>`SELECT process FROM ${sql(Worker.lockTable)}`
          expect(rows).toEqual([{ process: `${namespace} ${startedOf(process.pid)}` }])
        })
      )
    }).pipe(Effect.provide(layer))
  })

  it.effect.skipIf(!linux)("a live holder with its recorded identity is refused", () => {
    const { layer } = setup()
    return Effect.gen(function* () {
      yield* holdAs({ pid: process.ppid, expiresAt: 10_000_000, process: `${namespace} ${startedOf(process.ppid)}` })
      expect((yield* Effect.flip(Effect.scoped(Worker.acquireLock(options))))._tag).toBe("WorkerAlreadyRunning")
    }).pipe(Effect.provide(layer))
  })

  it.effect.skipIf(!linux)("a holder whose pid now belongs to another process is taken over at once", () => {
    const { layer } = setup()
    return Effect.gen(function* () {
      // the parent process runs, but it is not the process that took the lease (another start time)
      const other = String(Number(startedOf(process.ppid)) + 1)
      yield* holdAs({ pid: process.ppid, expiresAt: 10_000_000, process: `${namespace} ${other}` })
      yield* Effect.scoped(
        Effect.gen(function* () {
          yield* Worker.acquireLock(options)
          expect((yield* lockRows).map((r) => r.pid)).toEqual([process.pid])
        })
      )
    }).pipe(Effect.provide(layer))
  })

  it.live.skipIf(!linux)("a holder killed but not reaped by its parent (a zombie) is taken over at once", () => {
    const { layer } = setup()
    return Effect.gen(function* () {
      // the shell starts the holder and becomes `sleep`, which never reaps it
      const parent = spawn("sh", ["-c", "sleep 600 & echo $!; exec sleep 600"], { stdio: ["ignore", "pipe", "ignore"] })
      yield* Effect.addFinalizer(() => Effect.sync(() => parent.kill("SIGKILL")))
      const pid = yield* Effect.promise(
        () => new Promise<number>((resolve) => parent.stdout?.once("data", (d) => resolve(Number(String(d).trim()))))
      )
      const started = startedOf(pid)
      // the shell must have become `sleep` first: a shell still running reaps its child at once
      for (let k = 0; k < 250 && readFileSync(`/proc/${parent.pid}/comm`, "utf8").trim() !== "sleep"; k++) {
        yield* Effect.sleep("20 millis")
      }
      process.kill(pid, "SIGKILL")
      for (let k = 0; k < 100 && !readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z "); k++) {
        yield* Effect.sleep("20 millis")
      }
      expect(readFileSync(`/proc/${pid}/stat`, "utf8")).toContain(") Z ")
      // process.kill(pid, 0) still succeeds on a zombie: the lease's identity tells it is gone
      expect(() => process.kill(pid, 0)).not.toThrow()
      yield* holdAs({ pid, expiresAt: Date.now() + 600_000, process: `${namespace} ${started}` })
      yield* Effect.scoped(
        Effect.gen(function* () {
          yield* Worker.acquireLock(options)
          expect((yield* lockRows).map((r) => r.pid)).toEqual([process.pid])
        })
      )
    }).pipe(Effect.scoped, Effect.provide(layer))
  })

  it.effect.skipIf(!linux)("a holder in another pid namespace is left to its lease, even with our pid", () => {
    const { layer } = setup()
    return Effect.gen(function* () {
      yield* holdAs({ pid: process.pid, expiresAt: 10_000, process: "pid:[1] 1" })
      expect((yield* Effect.flip(Effect.scoped(Worker.acquireLock(options))))._tag).toBe("WorkerAlreadyRunning")
      yield* TestClock.setTime(10_000)
      yield* Effect.scoped(Worker.acquireLock(options))
    }).pipe(Effect.provide(layer))
  })

  it.effect("a lock held on another host is not taken over before it expires", () => {
    const { layer } = setup()
    return Effect.gen(function* () {
      yield* holdAs({ pid: 999_999, host: "another-host", expiresAt: 10_000 })
      expect((yield* Effect.flip(Effect.scoped(Worker.acquireLock(options))))._tag).toBe("WorkerAlreadyRunning")
      yield* TestClock.setTime(10_000)
      yield* Effect.scoped(Worker.acquireLock(options))
    }).pipe(Effect.provide(layer))
  })

  it.effect("the worker holds the lock while it runs, renews it, and releases it when stopped", () => {
    const { layer } = setup()
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(Worker.run(options))
      yield* TestClock.adjust(1)
      expect((yield* lockRows).map((r) => r.pid)).toEqual([process.pid])
      // a minute later (renewed every 2 s of its 6 s lease) it still holds it, valid beyond now
      yield* TestClock.adjust(60_000)
      expect(fiber.pollUnsafe()).toBeUndefined()
      const sql = yield* SqlClient.SqlClient
      const [row] = yield* sql<{ expires_at: number }>`SELECT expires_at FROM ${sql(Worker.lockTable)}`
      expect(Number(row?.expires_at)).toBeGreaterThan(60_001)
      yield* Fiber.interrupt(fiber)
      expect(yield* lockRows).toEqual([])
    }).pipe(Effect.provide(layer))
  })

  it.effect("a worker whose lock was taken over stops with WorkerLockLost", () => {
    const { layer } = setup()
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(Worker.run(options))
      yield* TestClock.adjust(1)
      const sql = yield* SqlClient.SqlClient
      yield* sql`UPDATE ${sql(Worker.lockTable)} SET token = 'usurper'`
      yield* TestClock.adjust(2_000)
      const exit = yield* Fiber.await(fiber)
      expect(Exit.isFailure(exit)).toBe(true)
      expect(String(exit)).toContain("WorkerLockLost")
    }).pipe(Effect.provide(layer))
  })
})
