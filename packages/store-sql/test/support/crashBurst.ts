/**
 * The burst of the crash-safety test, in the child process: submissions,
 * assignments and call schedules with a text message through
 * `ReferralService` over the SQL store, from several fibers at once, until
 * killed. Each accepted command's idempotency key is written to stdout as
 * `ok <key>` after its transaction committed.
 *
 * Environment: `LAHETE_CRASH_SQLITE` (a database file) or
 * `LAHETE_CRASH_PG_URL` with `LAHETE_CRASH_PG_SCHEMA`.
 */
import { PgClient } from "@effect/sql-pg"
import { Presets, ReferralService } from "@lahete/core"
import { SqlReferralStack } from "@lahete/store-sql"
import { NodeSqlite } from "@lahete/store-sql/sqlite"
import { Effect, Layer, Redacted } from "effect"

const sqliteFile = process.env.LAHETE_CRASH_SQLITE
const pgUrl = process.env.LAHETE_CRASH_PG_URL
const pgSchema = process.env.LAHETE_CRASH_PG_SCHEMA ?? "public"

const database =
  sqliteFile !== undefined
    ? NodeSqlite.layer({ filename: sqliteFile })
    : PgClient.layer({
        url: Redacted.make(pgUrl ?? ""),
        startupParameters: { search_path: pgSchema },
        maxConnections: 4
      })

const live = SqlReferralStack.layer().pipe(Layer.provide(database))

const t0 = Date.parse("2026-03-02T07:00:00.000Z")
const at = (hours: number) => new Date(t0 + hours * 3_600_000).toISOString()
const referrer = { role: "Referrer", id: "nurse-1", organisation: "kemijarvi-wellbeing-centre", profession: "nurse" }
const coordinator = { role: "Coordinator", id: "coordinator-1", organisation: "kemijarvi-municipality" }
const linkWorkerActor = { role: "LinkWorker", id: "linkworker-1", organisation: "kemijarvi-adult-education-centre" }
const linkWorker = {
  id: "linkworker-1",
  active: true,
  employerType: "adult-education-centre",
  languages: ["fi", "en"],
  areas: ["Kemijärvi"],
  confidentialityCommitmentSignedAt: "2025-09-01T08:00:00.000Z",
  basicTrainingCompletedAt: "2025-10-01T08:00:00.000Z",
  refresherTrainings: [],
  mentoringSessions: []
}

/** The commands of referral `n`: submit, assign, schedule a call with a text message. */
const commandsOf = (n: number): ReadonlyArray<Record<string, unknown>> => {
  const referralId = `r-crash-${n}`
  return [
    {
      _tag: "SubmitReferral",
      referralId,
      idempotencyKey: `${referralId}-submit`,
      actor: referrer,
      at: at(0),
      programmeId: Presets.kemijarvi.id,
      subjectId: `subject-crash-${n}`,
      client: {
        givenName: "Crashtest",
        birthYear: 1952,
        familyName: `Person${n}`,
        mobileNumber: "040 123 4567",
        language: "fi"
      },
      reasonCategories: ["loneliness"],
      reasonText: `Reason text of crash client ${n}`,
      exclusionsPresent: [],
      feedbackRequested: true,
      consents: [
        { purpose: "referral", decision: "granted", method: "in-appointment" },
        { purpose: "contact-by-sms", decision: "granted", method: "in-appointment" }
      ]
    },
    {
      _tag: "AssignLinkWorker",
      referralId,
      idempotencyKey: `${referralId}-assign`,
      actor: coordinator,
      at: at(2),
      linkWorker,
      activeClients: 3
    },
    {
      _tag: "ScheduleCall",
      referralId,
      idempotencyKey: `${referralId}-schedule`,
      actor: linkWorkerActor,
      at: at(4),
      callAt: at(26),
      notifyBySms: true
    }
  ]
}

const fibers = 4
const perFiber = 5_000

const program = Effect.gen(function* () {
  const service = yield* ReferralService.ReferralService
  yield* Effect.all(
    Array.from({ length: fibers }, (_, f) =>
      Effect.forEach(
        Array.from({ length: perFiber }, (_, i) => i * fibers + f),
        (n) =>
          Effect.forEach(commandsOf(n), (command) =>
            Effect.andThen(service.executeUnknown(command), () =>
              Effect.sync(() => process.stdout.write(`ok ${String(command.idempotencyKey)}\n`))
            )
          ),
        { discard: true }
      )
    ),
    { concurrency: "unbounded", discard: true }
  )
  process.stdout.write("done\n")
}).pipe(Effect.provide(live))

await Effect.runPromise(program)
