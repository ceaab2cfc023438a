/**
 * A dispatcher worker in a child process (`Workers.test.ts`): the outbox
 * dispatcher over the SQL store on PostgreSQL, sending text messages through
 * the GatewayAPI adapter to the parent's local GatewayAPI server. It prints
 * `ready` once its layers are built, waits for `go` on stdin, then runs
 * dispatch rounds at the fixed time `LAHETE_WORKER_NOW` until a round finds
 * nothing due, printing `result <outcome> <id>` per entry, and exits.
 *
 * With `LAHETE_WORKER_DIE_AFTER_ANSWER=1` it kills itself (SIGKILL) the moment
 * the provider has answered its first text message, before the answer is
 * recorded: the crash window of the at-least-once dispatcher.
 *
 * Environment: `LAHETE_WORKER_PG_URL`, `LAHETE_WORKER_PG_SCHEMA`,
 * `LAHETE_WORKER_SMS_URL`, `LAHETE_WORKER_SMS_TOKEN`, `LAHETE_WORKER_NOW`,
 * `LAHETE_WORKER_BATCH` (entries per claim), `LAHETE_WORKER_LEASE_MS`.
 */
import { createInterface } from "node:readline"
import { PgClient } from "@effect/sql-pg"
import { Instant, Mailer, Presets, SmsSender } from "@lahete/core"
import { GatewayApiSender } from "@lahete/messaging-sms"
import { SqlDispatcher, SqlReferralStack } from "@lahete/store-sql"
import { StaffMailAudit } from "@lahete/testing"
import { Effect, Layer, Redacted } from "effect"

const env = (name: string): string => {
  const value = process.env[name]
  if (value === undefined) throw new Error(`${name} is not set`)
  return value
}

const database = PgClient.layer({
  url: Redacted.make(env("LAHETE_WORKER_PG_URL")),
  startupParameters: { search_path: env("LAHETE_WORKER_PG_SCHEMA") },
  maxConnections: 2
})

const gatewayApi = GatewayApiSender.layer({
  token: Redacted.make(env("LAHETE_WORKER_SMS_TOKEN")),
  baseUrl: env("LAHETE_WORKER_SMS_URL")
})

/** The real sender, or one that dies right after the provider's answer. */
const sms =
  process.env.LAHETE_WORKER_DIE_AFTER_ANSWER === "1"
    ? Layer.effect(
        SmsSender.SmsSender,
        Effect.gen(function* () {
          const inner = yield* SmsSender.SmsSender
          return SmsSender.SmsSender.of({
            send: (message) =>
              Effect.tap(inner.send(message), () =>
                Effect.sync(() => {
                  process.stdout.write(`answered ${message.id}\n`)
                  process.kill(process.pid, "SIGKILL")
                })
              )
          })
        })
      ).pipe(Layer.provide(gatewayApi))
    : gatewayApi

const live = Layer.mergeAll(
  SqlReferralStack.layer().pipe(Layer.provideMerge(database)),
  sms,
  StaffMailAudit.layer(Mailer.layerMemory, "store-sql/Workers.test.ts (worker process)")
)

const go = new Promise<void>((resolve) => {
  const lines = createInterface({ input: process.stdin })
  lines.on("line", (line) => {
    if (line.trim() === "go") resolve()
  })
})

const options: SqlDispatcher.Options = {
  templates: { referralUrl: "https://lahete.example.fi/referrals/{referralId}" },
  coordinators: { [Presets.kemijarvi.id]: ["coordinator@kemijarvi.example.fi"] },
  batchSize: Number(process.env.LAHETE_WORKER_BATCH ?? "5"),
  leaseMs: Number(process.env.LAHETE_WORKER_LEASE_MS ?? "300000")
}
const now = Instant.make(Date.parse(env("LAHETE_WORKER_NOW")))

const program = Effect.gen(function* () {
  process.stdout.write("ready\n")
  yield* Effect.promise(() => go)
  for (;;) {
    const results = yield* SqlDispatcher.dispatch(options, { now })
    if (results.length === 0) return
    for (const r of results) process.stdout.write(`result ${r.outcome} ${r.id}\n`)
  }
})

await Effect.runPromise(Effect.provide(program, live))
process.exit(0)
