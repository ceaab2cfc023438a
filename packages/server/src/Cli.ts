/**
 * The `lahete` command line (effect/cli):
 *
 * - `lahete serve`: the HTTP API, and the worker unless `--no-worker`;
 *   stops gracefully on SIGINT and SIGTERM;
 * - `lahete worker`: the worker alone (`--once`: one round, for cron);
 * - `lahete migrate`: creates or migrates the database's tables;
 * - `lahete report`: the evaluation report to a JSON and/or HTML file;
 * - `lahete demo`: `serve` on a fresh local SQLite database with a few
 *   referrals, the messages printed to the console, and development tokens.
 *
 * Every command reads the configuration (`Config`: environment variables,
 * `--config FILE` or `LAHETE_CONFIG`) and checks what it needs before it
 * starts, saying which setting is missing or wrong.
 *
 * The layers the commands run on are exported for embedding the same wiring
 * elsewhere: `databaseLayer`, `servicesLayer`, `smsLayer`, `mailLayer`,
 * `workerOptions`.
 *
 * @since 0.1.0
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join, resolve as resolvePath } from "node:path"
import { PgClient } from "@effect/sql-pg"
import {
  Actor,
  type AuditLog,
  Deadlines,
  type DirectoryStore,
  Evaluation,
  EvaluationHtml,
  EvaluationText,
  FinnishCalendar,
  Ids,
  Instant,
  type LinkWorker,
  type LinkWorkerRegistry,
  type LinkWorkerSurveyAnswers,
  LocalTime,
  Mailer,
  Presets,
  type Programme,
  type ReferralEvent,
  type ReferralIndex,
  ReferralService,
  ReferralStore,
  SmsSender
} from "@lahete/core"
import { SmtpMailer } from "@lahete/messaging-email"
import { GatewayApiSender } from "@lahete/messaging-sms"
import {
  Migrations,
  SqlAuditLog,
  SqlDirectoryStore,
  SqlLinkWorkerRegistry,
  SqlLinkWorkerSurveyAnswers,
  SqlReferralStore,
  SqlVault
} from "@lahete/store-sql"
import { NodeSqlite } from "@lahete/store-sql/sqlite"
import { Clock, Console, Effect, Fiber, Layer, Option, Schema } from "effect"
import { Command, Flag } from "effect/cli"
import * as CliError from "effect/cli/CliError"
import * as HttpServer from "effect/http/HttpServer"
import type { ServeError } from "effect/http/HttpServerError"
import type * as Migrator from "effect/sql/Migrator"
import type * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import * as jose from "jose"
import type * as Auth from "./Auth.js"
import * as Config from "./Config.js"
import * as MeasureLinkPage from "./MeasureLinkPage.js"
import * as Server from "./Server.js"
import * as Sinks from "./Sinks.js"
import * as Worker from "./Worker.js"

/**
 * The package's version (from its package.json).
 *
 * @since 0.1.0
 * @category constants
 */
export const version: string = (() => {
  try {
    return (createRequire(import.meta.url)("../package.json") as { version: string }).version
  } catch {
    return "0.0.0"
  }
})()

// ---------------------------------------------------------------------------
// errors
// ---------------------------------------------------------------------------

/**
 * A command cannot do what was asked (a file that is not there, a programme
 * that is not configured). The message says what to do.
 *
 * @since 0.1.0
 * @category errors
 */
export class CommandFailed extends Schema.TaggedError<CommandFailed>()("CommandFailed", { reason: Schema.String }) {
  override get message(): string {
    return this.reason
  }
  override get [CliError.userMessage](): string {
    return this.reason
  }
}

// ---------------------------------------------------------------------------
// layers
// ---------------------------------------------------------------------------

/**
 * The database client: `node:sqlite` for a file (its directory is created),
 * `@effect/sql-pg` for a `postgres://` URL.
 *
 * @since 0.1.0
 * @category layers
 */
export const databaseLayer = (database: Config.Database): Layer.Layer<SqlClient.SqlClient, SqlError> =>
  database._tag === "Sqlite"
    ? Layer.unwrap(
        Effect.sync(() => {
          if (database.filename !== ":memory:") mkdirSync(dirname(resolvePath(database.filename)), { recursive: true })
          return NodeSqlite.layer({ filename: database.filename })
        })
      )
    : PgClient.layer({ url: database.url, applicationName: "lahete" })

/**
 * What the service layer provides.
 *
 * @since 0.1.0
 * @category layers
 */
export type Services =
  | ReferralService.ReferralService
  | ReferralStore.ReferralStore
  | ReferralIndex.ReferralIndex
  | AuditLog.AuditLog
  | LinkWorkerRegistry.LinkWorkerRegistry
  | ReferralService.ProgrammeCatalog
  | LinkWorkerSurveyAnswers.LinkWorkerSurveyAnswers
  | DirectoryStore.DirectoryStore
  | SqlClient.SqlClient

/**
 * `ReferralService` over the SQL store, audit log and link-worker registry
 * on the database (and the link workers' survey answers,
 * `SqlLinkWorkerSurveyAnswers`), and the configured programmes. The store runs pending
 * migrations when it starts. The registry is kept in the database
 * (`SqlLinkWorkerRegistry`), so link workers put through the API survive a
 * restart; the configuration's `linkWorkers` are added when the registry has
 * no entry with their id, and an entry already there (perhaps changed
 * through the API since) is kept as it is.
 *
 * @since 0.1.0
 * @category layers
 */
export const servicesLayer = (
  settings: Config.Settings,
  database: Config.Database
): Layer.Layer<
  Services,
  | SqlError
  | ReferralStore.StoreFailure
  | AuditLog.AuditLogFailure
  | LinkWorkerRegistry.LinkWorkerRegistryFailure
  | LinkWorkerSurveyAnswers.SurveyAnswersFailure
  | DirectoryStore.DirectoryStoreFailure
> =>
  ReferralService.layerWith(
    settings.fingerprintSecret === undefined ? {} : { fingerprintSecret: settings.fingerprintSecret }
  ).pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        SqlReferralStore.layer,
        SqlAuditLog.layer,
        SqlLinkWorkerRegistry.layerWith({ seed: settings.linkWorkers }),
        SqlLinkWorkerSurveyAnswers.layer,
        ReferralService.catalogLayer(settings.catalog),
        SqlDirectoryStore.layer
      )
    ),
    Layer.provideMerge(databaseLayer(database))
  )

/**
 * The text-message channel of the configuration (`requireMessaging` first:
 * an unconfigured channel is a defect here).
 *
 * @since 0.1.0
 * @category layers
 */
export const smsLayer = (settings: Config.Settings): Layer.Layer<SmsSender.SmsSender> => {
  const sms = settings.sms
  switch (sms._tag) {
    case "GatewayApi":
      return GatewayApiSender.layer({
        token: sms.token,
        ...(sms.baseUrl === undefined ? {} : { baseUrl: sms.baseUrl }),
        ...(settings.smsSender === undefined ? {} : { sender: settings.smsSender })
      })
    case "Sink":
      return Sinks.smsLayer({ ...(sms.file === undefined ? {} : { file: sms.file }), console: sms.console })
    case "None":
      return Layer.effect(SmsSender.SmsSender, Effect.die("sms is not configured (Config.requireMessaging)"))
  }
}

/**
 * The staff-email channel of the configuration.
 *
 * @since 0.1.0
 * @category layers
 */
export const mailLayer = (settings: Config.Settings): Layer.Layer<Mailer.Mailer> => {
  const email = settings.email
  switch (email._tag) {
    case "Smtp":
      return SmtpMailer.layer({
        host: email.host,
        port: email.port,
        security: email.security,
        ...(email.auth === undefined ? {} : { auth: email.auth }),
        from: email.from
      })
    case "Sink":
      return Sinks.mailLayer({ ...(email.file === undefined ? {} : { file: email.file }), console: email.console })
    case "None":
      return Layer.effect(Mailer.Mailer, Effect.die("email is not configured (Config.requireMessaging)"))
  }
}

/**
 * The worker's options from the configuration.
 *
 * @since 0.1.0
 * @category layers
 */
export const workerOptions = (settings: Config.Settings): Worker.Options => ({
  templates: settings.messages,
  coordinators: settings.coordinators,
  ...(settings.smsSender === undefined ? {} : { smsSender: settings.smsSender }),
  ...(settings.measureLinks === undefined ? {} : { measureLinkKey: settings.measureLinks.key }),
  ...(settings.linkWorkerSurvey === undefined ? {} : { linkWorkerSurvey: settings.linkWorkerSurvey }),
  intervalMs: settings.worker.intervalMs
})

// ---------------------------------------------------------------------------
// the evaluation report
// ---------------------------------------------------------------------------

/**
 * Every referral's event history in the store.
 *
 * @since 0.1.0
 * @category report
 */
export const histories: Effect.Effect<
  ReadonlyArray<ReadonlyArray<ReferralEvent.ReferralEvent>>,
  ReferralStore.ReferralStoreError,
  ReferralStore.ReferralStore
> = Effect.gen(function* () {
  const store = yield* ReferralStore.ReferralStore
  const ids = yield* store.referralIds()
  return yield* Effect.forEach(ids, (id) => Effect.map(store.load(id), (stream) => stream.events))
})

/**
 * The report of a programme for the local days `from`–`to` (both included,
 * in the programme's time zone), counting what happened until `asOf`.
 *
 * @since 0.1.0
 * @category report
 */
export const evaluationReport = (options: {
  readonly programme: Programme.Programme
  readonly catalog: Programme.Catalog
  readonly from: FinnishCalendar.LocalDate
  readonly to: FinnishCalendar.LocalDate
  readonly asOf: Instant.Instant
}): Effect.Effect<Evaluation.Report, ReferralStore.ReferralStoreError, ReferralStore.ReferralStore> =>
  Effect.map(histories, (all) =>
    Evaluation.report({
      programmeId: options.programme.id,
      period: {
        from: LocalTime.startOfLocalDay(options.from, options.programme.timeZone),
        to: LocalTime.endOfLocalDay(options.to, options.programme.timeZone)
      },
      asOf: options.asOf,
      histories: all,
      catalog: options.catalog
    })
  )

/**
 * Writes the report as JSON and/or HTML (the page in `html.language`,
 * default the programme's first report language); returns the paths written.
 *
 * @since 0.1.0
 * @category report
 */
export const writeReport = (
  report: Evaluation.Report,
  files: { readonly json?: string; readonly html?: string },
  html?: EvaluationHtml.Options
): Effect.Effect<ReadonlyArray<string>, CommandFailed> =>
  Effect.gen(function* () {
    const written: Array<string> = []
    const write = (path: string, content: string) =>
      Effect.try({
        try: () => {
          mkdirSync(dirname(resolvePath(path)), { recursive: true })
          writeFileSync(path, content, "utf8")
          written.push(path)
        },
        catch: () => new CommandFailed({ reason: `cannot write ${path}` })
      })
    if (files.json !== undefined) yield* write(files.json, Evaluation.toJson(report))
    if (files.html !== undefined) yield* write(files.html, EvaluationHtml.render(report, html))
    return written
  })

// ---------------------------------------------------------------------------
// serving
// ---------------------------------------------------------------------------

/**
 * The API's token settings from the configuration.
 *
 * @since 0.1.0
 * @category serving
 */
export const authOptions = (auth: Config.Auth): Auth.Options => ({
  keys:
    auth.jwks._tag === "Inline"
      ? { jwks: { keys: auth.jwks.keys as ReadonlyArray<jose.JWK> as Array<jose.JWK> } }
      : { jwksUrl: auth.jwks.url },
  issuer: auth.issuer,
  audience: auth.audience
})

/**
 * Serves the HTTP API on the configured host and port and, with `worker`,
 * runs the worker in the same process, until interrupted (SIGINT, SIGTERM):
 * then the server stops taking connections and lets requests in flight
 * finish, the worker finishes its round and releases the SQLite lock, and
 * the database is closed. `before` runs once the services are up and before
 * the server listens (the demo seeds its data there); `after` once it
 * listens. Fails when the worker cannot start (another worker on the SQLite
 * file) or loses its lock.
 *
 * @since 0.1.0
 * @category serving
 */
export const serve = (
  settings: Config.Settings,
  options: {
    readonly worker: boolean
    readonly before?: Effect.Effect<void, Failure, Services>
    readonly after?: (address: string) => Effect.Effect<void>
  }
): Effect.Effect<void, Failure> =>
  Effect.gen(function* () {
    const database = yield* Config.requireDatabase(settings)
    const auth = yield* Config.requireAuth(settings)
    if (options.worker) yield* Config.requireMessaging(settings)
    const run = Effect.gen(function* () {
      if (options.before !== undefined) yield* options.before
      const worker = options.worker
        ? yield* Effect.flatMap(Layer.build(Layer.mergeAll(smsLayer(settings), mailLayer(settings))), (messaging) =>
            Worker.start(workerOptions(settings)).pipe(Effect.provide(messaging))
          )
        : undefined
      const server = yield* Layer.build(
        Server.layer({
          port: settings.http.port,
          host: settings.http.host,
          auth: authOptions(auth),
          limits: settings.http.limits,
          // the measure form, when measure links are configured (its texts were checked with the configuration)
          ...(settings.measureLinks === undefined
            ? {}
            : { extraRoutes: Layer.orDie(MeasureLinkPage.layer(settings.measureLinks)) })
        })
      )
      const address = yield* HttpServer.addressFormattedWith((a) => Effect.succeed(a)).pipe(Effect.provide(server))
      yield* Console.log(
        `lahete ${version}: the API listens on ${address} (reference: ${address}${Server.docsPath})${options.worker ? "; the worker runs in this process" : ""}. Stop with Ctrl-C.`
      )
      if (options.after !== undefined) yield* options.after(address)
      return yield* worker === undefined ? Effect.never : Fiber.join(worker)
    })
    yield* Effect.scoped(run).pipe(Effect.provide(servicesLayer(settings, database)))
  })

// ---------------------------------------------------------------------------
// the demo server
// ---------------------------------------------------------------------------

/** The demo's made-up people: who the development tokens are for. */
const demoPeople = {
  referrer: Actor.make("Referrer", "demo-nurse", "demo-wellbeing-centre", "nurse"),
  coordinator: Actor.make("Coordinator", "demo-coordinator", "demo-municipality"),
  linkWorker: Actor.make("LinkWorker", "demo-linkworker", "demo-adult-education-centre"),
  evaluator: Actor.make("Evaluator", "demo-evaluator", "demo-wellbeing-services-county")
}

const demoLinkWorker = (id: string, employerType: LinkWorker.LinkWorker["employerType"]) => ({
  id,
  active: true,
  employerType,
  languages: ["fi", "sv", "en"],
  areas: ["Kemijärvi", "Sodankylä"],
  confidentialityCommitmentSignedAt: "2025-08-01T09:00:00.000Z",
  basicTrainingCompletedAt: "2025-09-01T09:00:00.000Z",
  refresherTrainings: [new Date().toISOString()],
  mentoringSessions: []
})

/** The claims a development token carries for an actor (as `Auth` reads them). */
const claimsOf = (actor: Actor.Actor): jose.JWTPayload => ({
  sub: actor.id,
  lahete_role: actor.role,
  lahete_org: actor.organisation,
  ...(actor.profession === undefined ? {} : { lahete_profession: actor.profession })
})

/** Three referrals at the current time: waiting for the coordinator, a call scheduled (a text message), started. */
const seedDemo = Effect.gen(function* () {
  const service = yield* ReferralService.ReferralService
  const at = yield* now
  const programme = Presets.kemijarvi
  const id = (n: number) => Schema.decodeSync(Ids.ReferralId)(`demo-referral-${n}`)
  const submit = (n: number, givenName: string, mobileNumber: string) =>
    service.executeUnknown({
      _tag: "SubmitReferral",
      referralId: id(n),
      idempotencyKey: `demo-submit-${n}`,
      actor: demoPeople.referrer,
      at,
      programmeId: programme.id,
      subjectId: `demo-subject-${n}`,
      client: { givenName, familyName: "Esimerkki", birthYear: 1950 + n, mobileNumber, language: "fi" },
      reasonCategories: ["loneliness"],
      reasonText: "Demo: made-up reason.",
      exclusionsPresent: [],
      feedbackRequested: true,
      consents: [
        { purpose: "referral", decision: "granted", method: "in-appointment" },
        { purpose: "contact-by-sms", decision: "granted", method: "in-appointment" }
      ]
    })
  const assign = (n: number) =>
    service.assign({
      referralId: id(n),
      linkWorkerId: demoPeople.linkWorker.id,
      actor: demoPeople.coordinator,
      at,
      idempotencyKey: Schema.decodeSync(Ids.IdempotencyKey)(`demo-assign-${n}`)
    })
  // tomorrow (the next working day) at 10.00, or the earliest time the rules allow
  const callAt = (withMessage: boolean) => {
    const tomorrow = LocalTime.instantAt(
      FinnishCalendar.addBusinessDays(LocalTime.localDateOf(at, programme.timeZone), 1),
      "10:00",
      programme.timeZone
    )
    const earliest = Deadlines.earliestCallTime({ programme, at, withMessage })
    // biome-ignore lint/complexity/useMathMinMax: instants are ISO strings, ordered as text
    return tomorrow > earliest ? tomorrow : earliest
  }
  yield* submit(1, "Aila", "040 123 4501")
  yield* submit(2, "Kalle", "040 123 4502")
  yield* assign(2)
  yield* service.executeUnknown({
    _tag: "ScheduleCall",
    referralId: id(2),
    idempotencyKey: "demo-call-2",
    actor: demoPeople.linkWorker,
    at,
    callAt: callAt(true),
    notifyBySms: true
  })
  yield* submit(3, "Sirkka", "040 123 4503")
  yield* assign(3)
  yield* service.executeUnknown({
    _tag: "ScheduleCall",
    referralId: id(3),
    idempotencyKey: "demo-call-3",
    actor: demoPeople.linkWorker,
    at,
    callAt: callAt(false),
    notifyBySms: false
  })
})

/**
 * The files a demo run writes in its folder (removed when a demo starts).
 *
 * @since 0.1.0
 * @category demo
 */
export const demoFiles = (dir: string) => ({
  database: join(dir, "lahete.db"),
  sms: join(dir, "sms.jsonl"),
  email: join(dir, "email.jsonl")
})

// ---------------------------------------------------------------------------
// commands
// ---------------------------------------------------------------------------

/**
 * Where the command line reads its environment (tests give their own).
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly env?: Readonly<Record<string, string | undefined>>
}

const isDate = (s: string) => FinnishCalendar.isLocalDate(s)
const dateFlag = (name: string, description: string) =>
  Flag.String(name).pipe(
    Flag.filter(isDate, () => `--${name}: expected a date YYYY-MM-DD`),
    Flag.withDescription(description)
  )

const now = Effect.map(Clock.currentTimeMillis, (ms) => Instant.make(ms))

/**
 * What a command can fail with. Configuration problems and `CommandFailed`
 * are shown as their message; the others carry no personal data.
 *
 * @since 0.1.0
 * @category errors
 */
export type Failure =
  | Config.ConfigError
  | CommandFailed
  | Worker.WorkerAlreadyRunning
  | Worker.WorkerLockLost
  | SqlError
  | Migrator.MigrationError
  | ReferralService.ReferralServiceError
  | LinkWorkerRegistry.LinkWorkerRegistryFailure
  | LinkWorkerSurveyAnswers.SurveyAnswersFailure
  | DirectoryStore.DirectoryStoreFailure
  | ServeError

type Handler = Effect.Effect<void, Failure, Command.CommandContext<"lahete">>

/**
 * The `lahete` command with its subcommands.
 *
 * @since 0.1.0
 * @category commands
 */
export const make = (options: Options = {}) => {
  const root = Command.make("lahete").pipe(
    Command.withSharedFlags({
      config: Flag.String("config").pipe(
        Flag.optional,
        Flag.withDescription("a JSON configuration file (default: the file named by LAHETE_CONFIG)")
      )
    }),
    Command.withDescription(
      "lahete: the wellbeing referral (hyvinvointilähete) server. Configuration comes from LAHETE_* environment variables and an optional JSON file; see the package README."
    )
  )

  /** The configuration, with command-line overrides. */
  const settings = (overrides: ReadonlyArray<{ readonly path: ReadonlyArray<string>; readonly value: unknown }> = []) =>
    Effect.gen(function* () {
      const shared = yield* root
      return yield* Config.load({
        ...(options.env === undefined ? {} : { env: options.env }),
        ...(Option.isSome(shared.config) ? { file: shared.config.value } : {}),
        overrides
      })
    })

  const migrate = Command.make(
    "migrate",
    {},
    (): Handler =>
      Effect.gen(function* () {
        const s = yield* settings()
        const database = yield* Config.requireDatabase(s)
        const ran = yield* Migrations.run.pipe(Effect.provide(databaseLayer(database)))
        const total = Object.keys(Migrations.migrations).length
        yield* Console.log(
          ran.length === 0
            ? `The database is up to date (${total} migrations).`
            : `Applied ${ran.length} migration${ran.length === 1 ? "" : "s"}: ${ran.map(([id, name]) => `${String(id).padStart(4, "0")}_${name}`).join(", ")}.`
        )
      })
  ).pipe(Command.withDescription("Create or migrate the database's tables (SQLite or PostgreSQL)."))

  const worker = Command.make(
    "worker",
    {
      once: Flag.Boolean("once").pipe(
        Flag.withDefault(false),
        Flag.withDescription("run one round (deadlines, then messages, then the maintenance step) and exit")
      )
    },
    (flags): Handler =>
      Effect.gen(function* () {
        const s = yield* settings()
        const database = yield* Config.requireDatabase(s)
        yield* Config.requireMessaging(s)
        // one round also takes the SQLite worker lock: it refuses to run beside a running worker
        const run: Effect.Effect<void, Failure, Worker.Services> = flags.once
          ? Effect.scoped(
              // the round, then the maintenance step (erased values out of the database files)
              Effect.andThen(Worker.acquireLock(), Effect.tap(Worker.runOnce(workerOptions(s)), SqlVault.purge)).pipe(
                Effect.flatMap((round) => Console.log(Worker.describe(Worker.summarise(round)) ?? "Nothing was due."))
              )
            )
          : Worker.run(workerOptions(s))
        yield* run.pipe(Effect.provide(Layer.mergeAll(servicesLayer(s, database), smsLayer(s), mailLayer(s))))
      })
  ).pipe(
    Command.withDescription(
      "Run the worker: the deadline scheduler and the outbox dispatcher on an interval. One per SQLite database; any number on PostgreSQL."
    )
  )

  const report = Command.make(
    "report",
    {
      programme: Flag.String("programme").pipe(
        Flag.optional,
        Flag.withDescription("the programme id (default: the only configured programme)")
      ),
      from: dateFlag("from", "the first day of the period (referrals submitted from then on)"),
      to: dateFlag("to", "the last day of the period (included)"),
      asOf: Flag.String("as-of").pipe(
        Flag.filter(
          (s) => Instant.fromIso(s) !== undefined || isDate(s),
          () => "--as-of: expected an ISO instant or a date YYYY-MM-DD"
        ),
        Flag.optional,
        Flag.withDescription("count what happened until then (default: now), e.g. follow-ups after the period")
      ),
      json: Flag.String("json").pipe(Flag.optional, Flag.withDescription("write the report as JSON to this file")),
      html: Flag.String("html").pipe(
        Flag.optional,
        Flag.withDescription("write the report as a self-contained HTML page to this file")
      ),
      lang: Flag.Literals("lang", EvaluationText.languages).pipe(
        Flag.optional,
        Flag.withDescription("the HTML page's language: fi, sv or en (default: the programme's first language)")
      )
    },
    (flags): Handler =>
      Effect.gen(function* () {
        const s = yield* settings()
        const database = yield* Config.requireDatabase(s)
        if (database._tag === "Sqlite" && database.filename !== ":memory:" && !existsSync(database.filename)) {
          return yield* new CommandFailed({
            reason: `there is no database at ${database.filename} (check LAHETE_DATABASE)`
          })
        }
        const programme = Option.isSome(flags.programme)
          ? s.catalog.latest(flags.programme.value)
          : s.programmes.length === 1
            ? s.programmes[0]
            : undefined
        if (programme === undefined) {
          return yield* new CommandFailed({
            reason: Option.isSome(flags.programme)
              ? `the programme ${flags.programme.value} is not configured (configured: ${s.programmes.map((p) => p.id).join(", ")})`
              : `say which programme: --programme ${s.programmes.map((p) => p.id).join(" or --programme ")}`
          })
        }
        if (flags.from > flags.to) return yield* new CommandFailed({ reason: "--from must not be after --to" })
        const asOf = Option.isSome(flags.asOf)
          ? (Instant.fromIso(flags.asOf.value) ??
            LocalTime.endOfLocalDay(flags.asOf.value as FinnishCalendar.LocalDate, programme.timeZone))
          : yield* now
        const result = yield* evaluationReport({
          programme,
          catalog: s.catalog,
          from: flags.from as FinnishCalendar.LocalDate,
          to: flags.to as FinnishCalendar.LocalDate,
          asOf
        }).pipe(Effect.provide(servicesLayer(s, database)))
        const files = {
          ...(Option.isSome(flags.json) ? { json: flags.json.value } : {}),
          ...(Option.isSome(flags.html) ? { html: flags.html.value } : {})
        }
        if (files.json === undefined && files.html === undefined) {
          yield* Console.log(Evaluation.toJson(result))
          return
        }
        const page = Option.isSome(flags.lang) ? { language: flags.lang.value } : {}
        for (const path of yield* writeReport(result, files, page)) yield* Console.log(`Wrote ${path}`)
      })
  ).pipe(
    Command.withDescription(
      "Write the evaluation report of a programme for a period: aggregates only, cells under 5 clients suppressed. Without --json or --html the JSON goes to standard output."
    )
  )

  const portFlag = Flag.Int("port").pipe(
    Flag.optional,
    Flag.withDescription("the HTTP port (default: http.port, 8080)")
  )
  const hostFlag = Flag.String("host").pipe(
    Flag.optional,
    Flag.withDescription("the address to listen on (default: http.host, 127.0.0.1)")
  )
  const listenOverrides = (port: Option.Option<number>, host: Option.Option<string>) => [
    ...(Option.isSome(port) ? [{ path: ["http", "port"], value: port.value }] : []),
    ...(Option.isSome(host) ? [{ path: ["http", "host"], value: host.value }] : [])
  ]

  const serveCommand = Command.make(
    "serve",
    {
      worker: Flag.Boolean("worker").pipe(
        Flag.withDefault(true),
        Flag.withDescription("run the worker in this process too (--no-worker: the API only)")
      ),
      port: portFlag,
      host: hostFlag
    },
    (flags): Handler =>
      Effect.flatMap(settings(listenOverrides(flags.port, flags.host)), (s) => serve(s, { worker: flags.worker }))
  ).pipe(
    Command.withDescription(
      "Serve the HTTP API (OpenAPI at /openapi.json, reference at /docs) and run the worker, until SIGINT or SIGTERM."
    )
  )

  const demo = Command.make(
    "demo",
    {
      data: Flag.String("data").pipe(
        Flag.withDefault(".data/lahete-demo"),
        Flag.withDescription("the folder for the demo's database and messages (its earlier files are replaced)")
      ),
      port: portFlag,
      host: hostFlag
    },
    (flags): Handler =>
      Effect.gen(function* () {
        const files = demoFiles(resolvePath(flags.data))
        for (const f of [files.database, `${files.database}-wal`, `${files.database}-shm`, files.sms, files.email]) {
          rmSync(f, { force: true })
        }
        // a signing key that lives only in this process: the development tokens below
        const issuer = "urn:lahete:demo"
        const audience = "lahete-demo"
        const pair = yield* Effect.promise(() => jose.generateKeyPair("ES256", { extractable: true }))
        const publicJwk = {
          ...(yield* Effect.promise(() => jose.exportJWK(pair.publicKey))),
          alg: "ES256",
          kid: "demo"
        }
        const s = yield* settings([
          { path: ["database"], value: files.database },
          { path: ["sms"], value: { file: files.sms, console: true } },
          { path: ["email"], value: { file: files.email, console: true } },
          {
            path: ["coordinators"],
            value: Object.fromEntries(Presets.all.map((p) => [p.id, [`coordinator@${p.id}.example.fi`]]))
          },
          { path: ["programmes"], value: Presets.all.map((p) => p.id) },
          { path: ["auth"], value: { issuer, audience, jwks: { keys: [publicJwk] } } },
          {
            path: ["linkWorkers"],
            value: [
              demoLinkWorker(demoPeople.linkWorker.id, "adult-education-centre"),
              demoLinkWorker("demo-linkworker-2", "parish")
            ]
          },
          { path: ["worker", "intervalSeconds"], value: 10 },
          ...listenOverrides(flags.port, flags.host)
        ])
        const sign = (actor: Actor.Actor) =>
          Effect.promise(() =>
            new jose.SignJWT(claimsOf(actor))
              .setProtectedHeader({ alg: "ES256", kid: "demo" })
              .setIssuer(issuer)
              .setAudience(audience)
              .setIssuedAt()
              .setExpirationTime("12h")
              .sign(pair.privateKey)
          )
        const client = Actor.make("Client", "demo-subject-2", "demo-residents")
        const year = new Date(yield* Clock.currentTimeMillis).getUTCFullYear()
        const tokens = yield* Effect.forEach(
          [demoPeople.referrer, demoPeople.coordinator, demoPeople.linkWorker, demoPeople.evaluator, client],
          (actor) => Effect.map(sign(actor), (token) => ({ actor, token }))
        )
        yield* serve(s, {
          worker: true,
          before: seedDemo,
          after: (address) =>
            Console.log(
              [
                "",
                `Demo data: ${resolvePath(flags.data)} (a fresh SQLite database, Kemijärvi and Sodankylä, three made-up referrals).`,
                "Text messages and emails are printed here and written to sms.jsonl and email.jsonl there.",
                "Development tokens (valid 12 hours, signed by a key that exists only in this process):",
                ...tokens.map(({ actor, token }) => `\n  ${actor.role} ${actor.id}:\n  ${token}`),
                "",
                "Try:",
                `  curl -H "Authorization: Bearer <Coordinator token>" ${address}/coordinator/inbox`,
                `  curl -H "Authorization: Bearer <Referrer token>" ${address}/referrer/referrals`,
                `  curl -H "Authorization: Bearer <Evaluator token>" "${address}/evaluation/kemijarvi?from=${year - 1}-12-31T22:00:00.000Z&to=${year}-12-31T22:00:00.000Z"`,
                `  curl -H "Authorization: Bearer <Evaluator token>" "${address}/evaluation/kemijarvi/report.html?from=${year - 1}-12-31T22:00:00.000Z&to=${year}-12-31T22:00:00.000Z&lang=sv" > report.html`,
                `  (the year ${year} in Helsinki time; lang=fi, sv or en, by default the programme's first language)`,
                `or open ${address}${Server.docsPath} and paste a token under Authentication.`,
                ""
              ].join("\n")
            )
        })
      })
  ).pipe(
    Command.withDescription(
      "Serve the API with the worker on a fresh local SQLite database with three made-up referrals, messages printed to the console, and printed development tokens for each role."
    )
  )

  return root.pipe(Command.withSubcommands([serveCommand, worker, migrate, report, demo]))
}

/**
 * The command over `process.env`.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = make()

/**
 * Runs the command line on the arguments in `Stdio` (what `bin.ts` runs).
 *
 * @since 0.1.0
 * @category running
 */
export const main = Command.run(command, { version })

/**
 * Runs the command line on given arguments (without the program name).
 *
 * @since 0.1.0
 * @category running
 */
export const runWith = (args: ReadonlyArray<string>, options: Options = {}) =>
  Command.runWith(make(options), { version })(args)
