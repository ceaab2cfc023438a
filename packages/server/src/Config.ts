/**
 * The server's configuration: environment variables and an optional JSON
 * file (its path from `--config` or `LAHETE_CONFIG`), validated with Schema
 * into `Settings`. An environment variable wins over the same setting in the
 * file.
 *
 * | setting (file) | environment variable | what |
 * |---|---|---|
 * | `database` | `LAHETE_DATABASE` | a SQLite file path (`./lahete.db`, `sqlite:./lahete.db`) or a `postgres://` URL |
 * | `programmes` | `LAHETE_PROGRAMMES` | preset ids (`kemijarvi,sodankyla`; default both) or, in the file, programme objects |
 * | `http.host`, `http.port` | `LAHETE_HTTP_HOST`, `LAHETE_HTTP_PORT` | where `serve` listens (default `127.0.0.1:8080`) |
 * | `http.limits.headersTimeoutSeconds`, `.requestTimeoutSeconds`, `.idleTimeoutSeconds`, `.maxConnections` | `LAHETE_HTTP_HEADERS_TIMEOUT_SECONDS`, `LAHETE_HTTP_REQUEST_TIMEOUT_SECONDS`, `LAHETE_HTTP_IDLE_TIMEOUT_SECONDS`, `LAHETE_HTTP_MAX_CONNECTIONS` | how long the headers and the whole request (body included) may take to arrive, how long a kept-alive connection may be idle, how many connections at once (default 10, 30, 5 s, 512; `HttpLimits` of `@lahete/http-limits`) |
 * | `auth.issuer`, `auth.audience` | `LAHETE_AUTH_ISSUER`, `LAHETE_AUTH_AUDIENCE` | the access tokens' `iss` and `aud` |
 * | `auth.jwks` / `auth.jwksUrl` | `LAHETE_AUTH_JWKS` (JSON) / `LAHETE_AUTH_JWKS_URL` | the keys that sign them: inline, or where to fetch them |
 * | `sms.gatewayapi.token` | `LAHETE_SMS_GATEWAYAPI_TOKEN` | GatewayAPI's API token (secret) |
 * | `sms.gatewayapi.baseUrl` | `LAHETE_SMS_GATEWAYAPI_URL` | GatewayAPI's platform (default the EU one) |
 * | `sms.sender` | `LAHETE_SMS_SENDER` | the sender name on text messages |
 * | `sms.file`, `sms.console` | `LAHETE_SMS_FILE`, `LAHETE_SMS_CONSOLE` | instead of a provider: write text messages to a JSON-lines file and/or print them |
 * | `email.smtp.*` | `LAHETE_SMTP_HOST`, `_PORT`, `_SECURITY`, `_USER`, `_PASSWORD` (secret), `_FROM` | the SMTP server for staff email |
 * | `email.file`, `email.console` | `LAHETE_EMAIL_FILE`, `LAHETE_EMAIL_CONSOLE` | instead of SMTP: a JSON-lines file and/or the console |
 * | `coordinators` | `LAHETE_COORDINATORS` | coordinators' addresses per programme (`kemijarvi=a@x.fi,b@x.fi;sodankyla=c@y.fi`) |
 * | `messages.referralUrl` | `LAHETE_REFERRAL_URL` | where staff open a referral, with `{referralId}` |
 * | `messages.*` | — | template overrides (`MessageTemplates.Config`) |
 * | `linkWorkers` | — | link workers (`LinkWorker` objects) added to the registry at start when it has none with their id |
 * | `worker.intervalSeconds` | `LAHETE_WORKER_INTERVAL_SECONDS` | seconds between worker rounds (default 30) |
 * | `fingerprintSecret` | `LAHETE_FINGERPRINT_SECRET` | the HMAC secret of command fingerprints (secret) |
 * | `measureLinks.secret` | `LAHETE_MEASURE_LINK_SECRET` | the secret measure links are signed with (HMAC-SHA-256), at least 32 characters (secret); required when a programme sends measure links, with `messages.measureLinkUrl` |
 * | `measureLinks.texts` | — | the licensee's item texts for the measure form (`Instrument.ItemTexts` objects) |
 * | `linkWorkerSurvey.url` | — | the link workers' survey form, linked from the invitation email (required when a programme has `linkWorkerSurvey` and `linkWorkerSurvey.emails` is set) |
 * | `linkWorkerSurvey.emails` | — | link workers' email addresses by link worker id, for the survey invitations (the worker sends one per open round) |
 *
 * Validation reports every problem at once, each naming the setting, where
 * it came from (the environment variable, or the file) and what is expected;
 * never a value, so a mistyped secret does not end up in a terminal or a log.
 * It is strict: a setting it does not know is refused under its own path, at
 * any depth (`http.prot`, `programmes[0].deadlines.firstContact.dayz`,
 * `linkWorkers[0].capasity`, `messages.callTim`), and a programme object is
 * validated by `Programme.decode` (unknown instruments too), each of its
 * problems under `programmes[k]`.
 * Secrets are `Redacted` in `Settings`.
 *
 * What a command needs beyond a valid configuration (`requireDatabase`,
 * `requireAuth`, `requireMessaging`) is checked by the command, with the same
 * kind of message.
 *
 * @since 0.1.0
 */
import { readFileSync } from "node:fs"
import { resolve as resolvePath } from "node:path"
import {
  Instrument,
  Instruments,
  LinkWorker,
  MeasureLinkToken,
  MessageTemplates,
  Presets,
  Programme,
  ReferralService
} from "@lahete/core"
import { HttpLimits } from "@lahete/http-limits"
import { Effect, Redacted, Result, Schema, type SchemaIssue } from "effect"
import * as CliError from "effect/cli/CliError"

// ---------------------------------------------------------------------------
// errors
// ---------------------------------------------------------------------------

/**
 * One problem of the configuration: the setting (its path in the file), the
 * environment variable or file it came from, and what is expected.
 *
 * @since 0.1.0
 * @category models
 */
export interface Problem {
  readonly setting: string
  readonly source?: string
  readonly reason: string
}

/**
 * The configuration is not valid, or lacks what a command needs. The message
 * lists every problem; no value appears in it.
 *
 * @since 0.1.0
 * @category errors
 */
export class ConfigError extends Schema.TaggedError<ConfigError>()("ConfigError", {
  problems: Schema.Array(
    Schema.Struct({ setting: Schema.String, source: Schema.optionalKey(Schema.String), reason: Schema.String })
  )
}) {
  override get message(): string {
    const lines = this.problems.map(
      (p) => `  - ${p.setting}${p.source === undefined ? "" : ` (${p.source})`}: ${p.reason}`
    )
    return `invalid configuration:\n${lines.join("\n")}`
  }
  /** What the command line shows (effect/cli renders it instead of a stack trace). */
  override get [CliError.userMessage](): string {
    return this.message
  }
}

// ---------------------------------------------------------------------------
// the input schema (the JSON file's shape, and what the environment fills in)
// ---------------------------------------------------------------------------

const Text = Schema.String.pipe(Schema.check(Schema.isMinLength(1, { message: "expected a non-empty text" })))
const Port = Schema.Number.pipe(
  Schema.check(
    Schema.isInt({ message: "expected a whole number" }),
    Schema.isBetween(
      { minimum: 0, maximum: 65535 },
      { message: "expected a port number from 0 (any free port) to 65535" }
    )
  )
)
const HttpUrl = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^https?:\/\/[^\s/]+/, { message: "expected an http:// or https:// URL" }))
)
const Email = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, { message: "expected an email address" }))
)

const SmsInput = Schema.Struct({
  gatewayapi: Schema.optionalKey(
    Schema.Struct({
      token: Text,
      baseUrl: Schema.optionalKey(HttpUrl)
    })
  ),
  sender: Schema.optionalKey(
    Schema.String.pipe(
      Schema.check(
        Schema.isPattern(/^([A-Za-z0-9 ]{1,11}|\+?\d{1,15})$/, {
          message: "expected up to 11 letters and digits, or up to 15 digits"
        })
      )
    )
  ),
  file: Schema.optionalKey(Text),
  console: Schema.optionalKey(Schema.Boolean)
})

const EmailInput = Schema.Struct({
  smtp: Schema.optionalKey(
    Schema.Struct({
      host: Text,
      port: Port,
      security: Schema.Literals(["tls", "starttls", "none"]),
      user: Schema.optionalKey(Text),
      password: Schema.optionalKey(Text),
      from: Email
    })
  ),
  file: Schema.optionalKey(Text),
  console: Schema.optionalKey(Schema.Boolean)
})

/**
 * The configuration as the file holds it (every setting optional; unknown
 * settings are refused, so a typo does not go unnoticed).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Input = Schema.Struct({
  database: Schema.optionalKey(Text),
  programmes: Schema.optionalKey(
    Schema.Array(Schema.Union([Text, Schema.Record(Schema.String, Schema.Unknown)])).pipe(
      Schema.check(Schema.isMinLength(1, { message: "expected at least one programme" }))
    )
  ),
  http: Schema.optionalKey(
    Schema.Struct({
      host: Schema.optionalKey(Text),
      port: Schema.optionalKey(Port),
      limits: Schema.optionalKey(HttpLimits.Limits)
    })
  ),
  auth: Schema.optionalKey(
    Schema.Struct({
      issuer: Text,
      audience: Text,
      jwks: Schema.optionalKey(
        Schema.Struct({ keys: Schema.Array(Schema.Record(Schema.String, Schema.Unknown)) }).pipe(
          Schema.check(Schema.makeFilter((s) => s.keys.length > 0, { message: "expected at least one key" }))
        )
      ),
      jwksUrl: Schema.optionalKey(HttpUrl)
    })
  ),
  sms: Schema.optionalKey(SmsInput),
  email: Schema.optionalKey(EmailInput),
  coordinators: Schema.optionalKey(Schema.Record(Schema.String, Schema.Array(Email))),
  messages: Schema.optionalKey(Schema.Record(Schema.String, Schema.Unknown)),
  linkWorkers: Schema.optionalKey(Schema.Array(Schema.Unknown)),
  linkWorkerSurvey: Schema.optionalKey(
    Schema.Struct({
      url: Schema.optionalKey(HttpUrl),
      emails: Schema.optionalKey(Schema.Record(Schema.String, Email))
    })
  ),
  worker: Schema.optionalKey(
    Schema.Struct({
      intervalSeconds: Schema.optionalKey(
        Schema.Number.pipe(
          Schema.check(
            Schema.isBetween({ minimum: 1, maximum: 86_400 }, { message: "expected seconds from 1 to 86400" })
          )
        )
      )
    })
  ),
  fingerprintSecret: Schema.optionalKey(
    Schema.String.pipe(Schema.check(Schema.isMinLength(16, { message: "expected at least 16 characters" })))
  ),
  measureLinks: Schema.optionalKey(
    Schema.Struct({
      secret: Schema.optionalKey(
        Schema.String.pipe(Schema.check(Schema.isMinLength(32, { message: "expected at least 32 characters" })))
      ),
      texts: Schema.optionalKey(Schema.Array(Schema.Unknown))
    })
  )
})
/**
 * @since 0.1.0
 * @category models
 */
export type Input = typeof Input.Type

// ---------------------------------------------------------------------------
// environment variables
// ---------------------------------------------------------------------------

type Kind = "text" | "number" | "boolean" | "list" | "json" | "coordinators"

/**
 * The environment variables and the settings they set.
 *
 * @since 0.1.0
 * @category constants
 */
export const environment: ReadonlyArray<{
  readonly name: string
  readonly path: ReadonlyArray<string>
  readonly kind: Kind
}> = [
  { name: "LAHETE_DATABASE", path: ["database"], kind: "text" },
  { name: "LAHETE_PROGRAMMES", path: ["programmes"], kind: "list" },
  { name: "LAHETE_HTTP_HOST", path: ["http", "host"], kind: "text" },
  { name: "LAHETE_HTTP_PORT", path: ["http", "port"], kind: "number" },
  { name: "LAHETE_HTTP_HEADERS_TIMEOUT_SECONDS", path: ["http", "limits", "headersTimeoutSeconds"], kind: "number" },
  { name: "LAHETE_HTTP_REQUEST_TIMEOUT_SECONDS", path: ["http", "limits", "requestTimeoutSeconds"], kind: "number" },
  { name: "LAHETE_HTTP_IDLE_TIMEOUT_SECONDS", path: ["http", "limits", "idleTimeoutSeconds"], kind: "number" },
  { name: "LAHETE_HTTP_MAX_CONNECTIONS", path: ["http", "limits", "maxConnections"], kind: "number" },
  { name: "LAHETE_AUTH_ISSUER", path: ["auth", "issuer"], kind: "text" },
  { name: "LAHETE_AUTH_AUDIENCE", path: ["auth", "audience"], kind: "text" },
  { name: "LAHETE_AUTH_JWKS", path: ["auth", "jwks"], kind: "json" },
  { name: "LAHETE_AUTH_JWKS_URL", path: ["auth", "jwksUrl"], kind: "text" },
  { name: "LAHETE_SMS_GATEWAYAPI_TOKEN", path: ["sms", "gatewayapi", "token"], kind: "text" },
  { name: "LAHETE_SMS_GATEWAYAPI_URL", path: ["sms", "gatewayapi", "baseUrl"], kind: "text" },
  { name: "LAHETE_SMS_SENDER", path: ["sms", "sender"], kind: "text" },
  { name: "LAHETE_SMS_FILE", path: ["sms", "file"], kind: "text" },
  { name: "LAHETE_SMS_CONSOLE", path: ["sms", "console"], kind: "boolean" },
  { name: "LAHETE_SMTP_HOST", path: ["email", "smtp", "host"], kind: "text" },
  { name: "LAHETE_SMTP_PORT", path: ["email", "smtp", "port"], kind: "number" },
  { name: "LAHETE_SMTP_SECURITY", path: ["email", "smtp", "security"], kind: "text" },
  { name: "LAHETE_SMTP_USER", path: ["email", "smtp", "user"], kind: "text" },
  { name: "LAHETE_SMTP_PASSWORD", path: ["email", "smtp", "password"], kind: "text" },
  { name: "LAHETE_SMTP_FROM", path: ["email", "smtp", "from"], kind: "text" },
  { name: "LAHETE_EMAIL_FILE", path: ["email", "file"], kind: "text" },
  { name: "LAHETE_EMAIL_CONSOLE", path: ["email", "console"], kind: "boolean" },
  { name: "LAHETE_COORDINATORS", path: ["coordinators"], kind: "coordinators" },
  { name: "LAHETE_REFERRAL_URL", path: ["messages", "referralUrl"], kind: "text" },
  { name: "LAHETE_WORKER_INTERVAL_SECONDS", path: ["worker", "intervalSeconds"], kind: "number" },
  { name: "LAHETE_FINGERPRINT_SECRET", path: ["fingerprintSecret"], kind: "text" },
  { name: "LAHETE_MEASURE_LINK_SECRET", path: ["measureLinks", "secret"], kind: "text" }
]

/**
 * The environment variable naming the configuration file.
 *
 * @since 0.1.0
 * @category constants
 */
export const configFileVariable = "LAHETE_CONFIG"

/** A marker for an environment value that could not be read as its kind: the schema then names what it expects. */
const unreadable = { unreadable: true } as const

/** An environment value as the setting's type; a value that does not fit is passed on for the schema to refuse. */
const readEnv = (kind: Kind, raw: string): unknown => {
  const value = raw.trim()
  switch (kind) {
    case "text":
      return value
    case "number":
      return /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value
    case "boolean":
      return /^(true|1|yes|on)$/i.test(value) ? true : /^(false|0|no|off)$/i.test(value) ? false : value
    case "list":
      return value
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "")
    case "json":
      try {
        return JSON.parse(value) as unknown
      } catch {
        return unreadable
      }
    case "coordinators": {
      // kemijarvi=a@x.fi,b@x.fi;sodankyla=c@y.fi
      const out: Record<string, ReadonlyArray<string>> = {}
      for (const entry of value.split(";")) {
        if (entry.trim() === "") continue
        const at = entry.indexOf("=")
        if (at <= 0) return unreadable
        out[entry.slice(0, at).trim()] = entry
          .slice(at + 1)
          .split(",")
          .map((s) => s.trim())
          .filter((s) => s !== "")
      }
      return out
    }
  }
}

const setPath = (target: Record<string, unknown>, path: ReadonlyArray<string>, value: unknown): void => {
  let node = target
  path.forEach((key, k) => {
    if (k === path.length - 1) {
      node[key] = value
      return
    }
    const next = node[key]
    if (next === null || typeof next !== "object" || Array.isArray(next)) node[key] = {}
    node = node[key] as Record<string, unknown>
  })
}

const clone = (value: unknown): unknown => (value === undefined ? undefined : structuredClone(value))

// ---------------------------------------------------------------------------
// settings
// ---------------------------------------------------------------------------

/**
 * Where the data lives.
 *
 * @since 0.1.0
 * @category models
 */
export type Database =
  | { readonly _tag: "Sqlite"; readonly filename: string }
  | { readonly _tag: "Postgres"; readonly url: Redacted.Redacted<string> }

/**
 * How access tokens are checked.
 *
 * @since 0.1.0
 * @category models
 */
export interface Auth {
  readonly issuer: string
  readonly audience: string
  readonly jwks:
    | { readonly _tag: "Inline"; readonly keys: ReadonlyArray<Record<string, unknown>> }
    | { readonly _tag: "Url"; readonly url: string }
}

/**
 * How text messages leave: GatewayAPI, a sink (file and/or console) for
 * local runs, or not configured.
 *
 * @since 0.1.0
 * @category models
 */
export type Sms =
  | { readonly _tag: "GatewayApi"; readonly token: Redacted.Redacted<string>; readonly baseUrl?: string }
  | { readonly _tag: "Sink"; readonly file?: string; readonly console: boolean }
  | { readonly _tag: "None" }

/**
 * How staff email leaves: SMTP, a sink, or not configured.
 *
 * @since 0.1.0
 * @category models
 */
export type Email =
  | {
      readonly _tag: "Smtp"
      readonly host: string
      readonly port: number
      readonly security: "tls" | "starttls" | "none"
      readonly auth?: { readonly user: string; readonly password: Redacted.Redacted<string> }
      readonly from: string
    }
  | { readonly _tag: "Sink"; readonly file?: string; readonly console: boolean }
  | { readonly _tag: "None" }

/**
 * The validated configuration.
 *
 * @since 0.1.0
 * @category models
 */
export interface Settings {
  /** `undefined` when not set (`requireDatabase` asks for it). */
  readonly database: Database | undefined
  readonly programmes: ReadonlyArray<Programme.Programme>
  readonly catalog: Programme.Catalog
  readonly http: {
    readonly host: string
    readonly port: number
    /** The server's timeouts and connection limit as set (`HttpLimits.defaults` for the rest). */
    readonly limits: HttpLimits.Limits
  }
  readonly auth: Auth | undefined
  readonly sms: Sms
  readonly smsSender?: string
  readonly email: Email
  readonly coordinators: Readonly<Record<string, ReadonlyArray<string>>>
  readonly messages: MessageTemplates.Config
  readonly linkWorkers: ReadonlyArray<LinkWorker.LinkWorker>
  readonly worker: { readonly intervalMs: number }
  readonly fingerprintSecret?: Redacted.Redacted<string>
  /** The link workers' survey invitations: the form's address and the link workers' addresses (when both are set). */
  readonly linkWorkerSurvey?: { readonly url: string; readonly emails: Readonly<Record<string, string>> }
  /** The measure links' signing key and the form's item texts (when a secret is set). */
  readonly measureLinks?: { readonly key: MeasureLinkToken.Key; readonly texts: ReadonlyArray<unknown> }
  /** The file read, if any (absolute path). */
  readonly file?: string
}

/**
 * Defaults: `127.0.0.1:8080`, both presets, a worker round every 30 seconds,
 * a referral link on the local server.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaults = {
  host: "127.0.0.1",
  port: 8080,
  intervalSeconds: 30,
  referralUrl: (host: string, port: number) => `http://${host}:${port}/referrals/{referralId}`
} as const

/**
 * Where to read the configuration from.
 *
 * @since 0.1.0
 * @category models
 */
export interface Sources {
  /** The environment (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>
  /** The file (`--config`); default `LAHETE_CONFIG` from `env`. */
  readonly file?: string
  /** Settings that win over both, e.g. from command-line flags (`http.port` from `--port`). */
  readonly overrides?: ReadonlyArray<{ readonly path: ReadonlyArray<string>; readonly value: unknown }>
}

const readFile = (path: string): Result.Result<unknown, ConfigError> => {
  let text: string
  try {
    text = readFileSync(path, "utf8")
  } catch (error) {
    const code = (error as { code?: unknown }).code
    return Result.fail(
      new ConfigError({
        problems: [
          {
            setting: "configuration file",
            source: path,
            reason: code === "ENOENT" ? "no such file" : `cannot be read (${typeof code === "string" ? code : "error"})`
          }
        ]
      })
    )
  }
  try {
    const parsed = JSON.parse(text) as unknown
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      return Result.fail(
        new ConfigError({
          problems: [{ setting: "configuration file", source: path, reason: "expected a JSON object" }]
        })
      )
    }
    return Result.succeed(parsed)
  } catch {
    // JSON.parse's message quotes the text around the error: it may be a secret
    return Result.fail(
      new ConfigError({ problems: [{ setting: "configuration file", source: path, reason: "is not valid JSON" }] })
    )
  }
}

/** Which environment variable (or the file) a setting path came from. */
const sourceOf = (
  path: string,
  fromEnv: ReadonlyArray<{ readonly name: string; readonly path: string }>,
  file: string | undefined,
  overridden: ReadonlyArray<string>
): string | undefined => {
  const within = (p: string) => path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`)
  if (overridden.some(within)) return "command line"
  const env = fromEnv.find((e) => within(e.path))
  if (env !== undefined) return env.name
  return file === undefined ? undefined : file
}

/** The database setting: a SQLite path (optionally `sqlite:`) or a postgres URL; the failure is the reason. */
const readDatabase = (text: string): Result.Result<Database, string> => {
  const d = text.trim()
  if (/^postgres(ql)?:\/\//i.test(d)) {
    let ok = false
    try {
      ok = new URL(d).hostname !== ""
    } catch {
      ok = false
    }
    return ok
      ? Result.succeed({ _tag: "Postgres", url: Redacted.make(d) })
      : Result.fail("expected a postgres://user@host:port/database URL")
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(d)) return Result.fail("expected a SQLite file path or a postgres:// URL")
  const filename = d.startsWith("sqlite:") ? d.slice("sqlite:".length) : d
  return filename === ""
    ? Result.fail("expected a SQLite file path after sqlite:")
    : Result.succeed({ _tag: "Sqlite", filename })
}

/** How to set a setting: its environment variable, if it has one, or the file. */
const howToSet = (path: string): string => {
  const variable = environment.find((e) => e.path.join(".") === path)
  return variable === undefined
    ? `${path} in the configuration file`
    : `${variable.name} (or ${path} in the configuration file)`
}

const presetIds = Presets.all.map((p) => p.id)

// ---------------------------------------------------------------------------
// unknown settings: named by their own path (a key is a setting's name, never a value)
// ---------------------------------------------------------------------------

/** A setting's path: `email.smtp.port`, `programmes[0].deadlines`, `["odd key"]`. */
const formatPath = (path: ReadonlyArray<PropertyKey>): string => {
  let out = ""
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`
    else if (typeof key === "string" && /^[A-Za-z_$][\w$-]{0,63}$/.test(key)) out += out === "" ? key : `.${key}`
    else if (typeof key === "string" && /^[\x20-\x7E]{0,64}$/.test(key)) out += `[${JSON.stringify(key)}]`
    else out += "[?]"
  }
  return out
}

/** The paths of the keys a decode refused as unknown (each path ends with the key). */
const unknownKeys = (issue: SchemaIssue.Issue, path: ReadonlyArray<PropertyKey> = []): Array<string> => {
  switch (issue._tag) {
    case "Pointer":
      return unknownKeys(issue.issue, [...path, ...issue.path])
    case "Composite":
    case "AnyOf":
      return issue.issues.flatMap((i) => unknownKeys(i, path))
    case "Encoding":
    case "Filter":
      return unknownKeys(issue.issue, path)
    case "UnexpectedKey":
      return [formatPath(path)]
    default:
      return []
  }
}

const unknownSetting = "is not a known setting"

/**
 * The problems of a failed decode: each unknown key by its own path (under
 * `prefix`), every other issue as `ReferralService.issuesOf` words it (paths
 * and reasons, never values).
 */
const decodeProblems = (
  issue: SchemaIssue.Issue,
  input: unknown,
  prefix: string
): ReadonlyArray<{ readonly path: string; readonly reason: string }> => {
  const under = (path: string) =>
    path === "" ? prefix : prefix === "" || path.startsWith("[") ? `${prefix}${path}` : `${prefix}.${path}`
  return [
    ...ReferralService.issuesOf(issue, input)
      .filter((i) => i.reason !== "has a field that is not allowed")
      .map((i) => ({ path: under(i.path === "(command)" ? "" : i.path), reason: i.reason })),
    ...unknownKeys(issue).map((path) => ({ path: under(path), reason: unknownSetting }))
  ]
}

/**
 * The programmes setting's entries: a preset by id, or a programme object
 * validated by `Programme.decode`, each of its problems under
 * `programmes[k]` with its own path (`programmes[0].deadlines.firstContact.dayz`).
 */
type ProgrammeEntry =
  | { readonly programme: Programme.Programme }
  | { readonly index: number; readonly setting: string; readonly reason: string }

const readProgrammes = (entries: ReadonlyArray<unknown>): ReadonlyArray<ProgrammeEntry> =>
  entries.flatMap((entry, k): ReadonlyArray<ProgrammeEntry> => {
    if (typeof entry === "string") {
      const preset = Presets.all.find((p) => p.id === entry)
      return preset === undefined
        ? [
            {
              index: k,
              setting: `programmes[${k}]`,
              reason: `expected a preset id (${presetIds.join(", ")}) or a programme`
            }
          ]
        : [{ programme: preset }]
    }
    const p = Programme.decode(entry)
    if (Result.isSuccess(p)) return [{ programme: p.success }]
    return p.failure.problems.map((q) => {
      const at = q.path === "" || q.path === "(programme)" ? "" : q.path.startsWith("[") ? q.path : `.${q.path}`
      return { index: k, setting: `programmes[${k}]${at}`, reason: q.reason }
    })
  })

/** The problems of the programmes setting's preset ids and objects (what the shape itself lets through). */
const shapeOfProgrammes = (entries: unknown): ReadonlyArray<{ readonly setting: string; readonly reason: string }> => {
  if (!Array.isArray(entries)) return []
  const readable = (e: unknown) =>
    (typeof e === "string" && e !== "") || (typeof e === "object" && e !== null && !Array.isArray(e))
  return readProgrammes(entries).flatMap((p) =>
    "programme" in p || !readable(entries[p.index]) ? [] : [{ setting: p.setting, reason: p.reason }]
  )
}

/**
 * Reads and validates the configuration.
 *
 * @since 0.1.0
 * @category constructors
 */
export const load = (sources: Sources = {}): Effect.Effect<Settings, ConfigError> =>
  Effect.suspend(() => Effect.fromResult(read(sources)))

/**
 * `load` as a plain function.
 *
 * @since 0.1.0
 * @category constructors
 */
export const read = (sources: Sources = {}): Result.Result<Settings, ConfigError> => {
  const env = sources.env ?? process.env
  const fileName = sources.file ?? env[configFileVariable]
  const file = fileName === undefined || fileName.trim() === "" ? undefined : resolvePath(fileName)

  // 1. the file, then the environment over it, then the overrides
  let raw: Record<string, unknown> = {}
  if (file !== undefined) {
    const parsed = readFile(file)
    if (Result.isFailure(parsed)) return Result.fail(parsed.failure)
    raw = clone(parsed.success) as Record<string, unknown>
  }
  const fromEnv: Array<{ name: string; path: string }> = []
  const unreadableEnv: Array<Problem> = []
  for (const variable of environment) {
    const value = env[variable.name]
    if (value === undefined || value.trim() === "") continue
    const read = readEnv(variable.kind, value)
    if (read === unreadable) {
      unreadableEnv.push({
        setting: variable.path.join("."),
        source: variable.name,
        reason: variable.kind === "json" ? "is not valid JSON" : "expected programme=address,address;programme=address"
      })
      continue
    }
    setPath(raw, variable.path, read)
    fromEnv.push({ name: variable.name, path: variable.path.join(".") })
  }
  if (unreadableEnv.length > 0) return Result.fail(new ConfigError({ problems: unreadableEnv }))
  const overridden: Array<string> = []
  for (const o of sources.overrides ?? []) {
    setPath(raw, o.path, o.value)
    overridden.push(o.path.join("."))
  }
  const problem = (setting: string, reason: string): Problem => {
    const source = sourceOf(setting, fromEnv, file, overridden)
    return source === undefined ? { setting, reason } : { setting, source, reason }
  }

  // 2. the shape, and the database (a text the schema cannot classify), so both are reported at once
  const database = typeof raw.database === "string" ? readDatabase(raw.database) : undefined
  const databaseProblems =
    database !== undefined && Result.isFailure(database) ? [problem("database", database.failure)] : []
  const decoded = Schema.decodeUnknownResult(Input)(raw, { errors: "all", onExcessProperty: "error" })
  if (Result.isFailure(decoded)) {
    return Result.fail(
      new ConfigError({
        problems: [
          ...databaseProblems,
          ...decodeProblems(decoded.failure.issue, raw, "").map((i) =>
            problem(
              i.path === "" ? "(configuration)" : i.path,
              i.reason === "is missing" ? `is missing: set ${howToSet(i.path)}` : i.reason
            )
          ),
          // the programmes' own problems too, so that one run lists every problem of the file
          ...shapeOfProgrammes(raw.programmes).map((p) => problem(p.setting, p.reason))
        ]
      })
    )
  }
  const input = decoded.success
  const problems: Array<Problem> = [...databaseProblems]

  // 3. what spans fields
  const programmes: Array<Programme.Programme> = []
  for (const p of readProgrammes(input.programmes ?? presetIds)) {
    if ("programme" in p) programmes.push(p.programme)
    else problems.push(problem(p.setting, p.reason))
  }
  const catalog = Programme.catalog(programmes)
  if (Result.isFailure(catalog)) problems.push(problem("programmes", catalog.failure.message))

  const host = input.http?.host ?? defaults.host
  const port = input.http?.port ?? defaults.port

  let auth: Auth | undefined
  if (input.auth !== undefined) {
    const a = input.auth
    if (a.jwks !== undefined && a.jwksUrl !== undefined) {
      problems.push(problem("auth", "set either auth.jwks (LAHETE_AUTH_JWKS) or auth.jwksUrl (LAHETE_AUTH_JWKS_URL)"))
    } else if (a.jwks !== undefined) {
      auth = { issuer: a.issuer, audience: a.audience, jwks: { _tag: "Inline", keys: a.jwks.keys } }
    } else if (a.jwksUrl !== undefined) {
      auth = { issuer: a.issuer, audience: a.audience, jwks: { _tag: "Url", url: a.jwksUrl } }
    } else {
      problems.push(
        problem(
          "auth",
          "expected the signing keys: auth.jwks (LAHETE_AUTH_JWKS) or auth.jwksUrl (LAHETE_AUTH_JWKS_URL)"
        )
      )
    }
  }

  let sms: Sms = { _tag: "None" }
  const s = input.sms
  if (s?.gatewayapi !== undefined) {
    if (s.file !== undefined || s.console === true) {
      problems.push(problem("sms", "set either sms.gatewayapi or the sink (sms.file, sms.console), not both"))
    }
    sms = {
      _tag: "GatewayApi",
      token: Redacted.make(s.gatewayapi.token),
      ...(s.gatewayapi.baseUrl === undefined ? {} : { baseUrl: s.gatewayapi.baseUrl })
    }
  } else if (s !== undefined && (s.file !== undefined || s.console === true)) {
    sms = { _tag: "Sink", ...(s.file === undefined ? {} : { file: s.file }), console: s.console === true }
  }

  let email: Email = { _tag: "None" }
  const e = input.email
  if (e?.smtp !== undefined) {
    const smtp = e.smtp
    if (e.file !== undefined || e.console === true) {
      problems.push(problem("email", "set either email.smtp or the sink (email.file, email.console), not both"))
    }
    if ((smtp.user === undefined) !== (smtp.password === undefined)) {
      problems.push(
        problem("email.smtp", "set both user and password (LAHETE_SMTP_USER, LAHETE_SMTP_PASSWORD), or neither")
      )
    }
    email = {
      _tag: "Smtp",
      host: smtp.host,
      port: smtp.port,
      security: smtp.security,
      ...(smtp.user === undefined || smtp.password === undefined
        ? {}
        : { auth: { user: smtp.user, password: Redacted.make(smtp.password) } }),
      from: smtp.from
    }
  } else if (e !== undefined && (e.file !== undefined || e.console === true)) {
    email = { _tag: "Sink", ...(e.file === undefined ? {} : { file: e.file }), console: e.console === true }
  }

  const coordinators = input.coordinators ?? {}
  for (const id of Object.keys(coordinators)) {
    if (!programmes.some((p) => p.id === id)) {
      problems.push(problem(`coordinators.${id}`, "names a programme that is not configured"))
    }
  }

  const messagesInput = { referralUrl: defaults.referralUrl(host, port), ...(input.messages ?? {}) }
  const messagesShape = Schema.decodeUnknownResult(MessageTemplates.Config)(messagesInput, {
    errors: "all",
    onExcessProperty: "error"
  })
  if (Result.isFailure(messagesShape)) {
    for (const path of unknownKeys(messagesShape.failure.issue)) {
      problems.push(problem(`messages${path.startsWith("[") ? "" : "."}${path}`, unknownSetting))
    }
  }
  const messages = MessageTemplates.decode(messagesInput)
  if (Result.isFailure(messages)) problems.push(problem("messages", messages.failure.issues))

  const linkWorkers: Array<LinkWorker.LinkWorker> = []
  ;(input.linkWorkers ?? []).forEach((entry, k) => {
    const w = Schema.decodeUnknownResult(LinkWorker.LinkWorker)(entry, { errors: "all", onExcessProperty: "error" })
    if (Result.isFailure(w)) {
      for (const i of decodeProblems(w.failure.issue, entry, `linkWorkers[${k}]`))
        problems.push(problem(i.path, i.reason))
    } else linkWorkers.push(w.success)
  })

  const links = input.measureLinks
  ;(links?.texts ?? []).forEach((entry, k) => {
    const code =
      typeof entry === "object" && entry !== null ? (entry as { instrument?: unknown }).instrument : undefined
    const instrument = typeof code === "string" ? Instruments.defaults.get(code) : undefined
    if (instrument === undefined)
      problems.push(problem(`measureLinks.texts[${k}].instrument`, "expected a known instrument"))
    else {
      const attached = Instrument.attachTexts(instrument, entry)
      if (Result.isFailure(attached)) problems.push(problem(`measureLinks.texts[${k}]`, attached.failure.problem))
    }
  })
  if (Result.isSuccess(catalog) && catalog.success.all.some((p) => p.measureLinks !== undefined)) {
    // a programme sends measure links: the worker must sign them and know where the form is
    if (links?.secret === undefined) {
      problems.push(
        problem("measureLinks.secret", "required: a programme sends measure links (LAHETE_MEASURE_LINK_SECRET)")
      )
    }
    if (Result.isSuccess(messages) && messages.success.measureLinkUrl === undefined) {
      problems.push(problem("messages.measureLinkUrl", "required: a programme sends measure links"))
    }
  }
  const survey = input.linkWorkerSurvey
  if (survey?.emails !== undefined && survey.url === undefined) {
    problems.push(problem("linkWorkerSurvey.url", "required: linkWorkerSurvey.emails is set"))
  }
  if (problems.length > 0 || Result.isFailure(catalog) || Result.isFailure(messages)) {
    return Result.fail(new ConfigError({ problems }))
  }
  return Result.succeed({
    database: database !== undefined && Result.isSuccess(database) ? database.success : undefined,
    programmes,
    catalog: catalog.success,
    http: { host, port, limits: input.http?.limits ?? {} },
    auth,
    sms,
    ...(s?.sender === undefined ? {} : { smsSender: s.sender }),
    email,
    coordinators,
    messages: messages.success,
    linkWorkers,
    worker: { intervalMs: Math.round((input.worker?.intervalSeconds ?? defaults.intervalSeconds) * 1000) },
    ...(input.fingerprintSecret === undefined ? {} : { fingerprintSecret: Redacted.make(input.fingerprintSecret) }),
    ...(survey?.url === undefined || survey.emails === undefined
      ? {}
      : { linkWorkerSurvey: { url: survey.url, emails: survey.emails } }),
    ...(links?.secret === undefined
      ? {}
      : { measureLinks: { key: MeasureLinkToken.key(Redacted.make(links.secret)), texts: links.texts ?? [] } }),
    ...(file === undefined ? {} : { file })
  })
}

// ---------------------------------------------------------------------------
// what commands need
// ---------------------------------------------------------------------------

const missing = (setting: string, reason: string) => Effect.fail(new ConfigError({ problems: [{ setting, reason }] }))

/**
 * The database, or an error saying how to set it.
 *
 * @since 0.1.0
 * @category requirements
 */
export const requireDatabase = (settings: Settings): Effect.Effect<Database, ConfigError> =>
  settings.database === undefined
    ? missing(
        "database",
        "not set: set LAHETE_DATABASE (or `database` in the configuration file) to a SQLite file path such as ./lahete.db, or a postgres:// URL"
      )
    : Effect.succeed(settings.database)

/**
 * The token settings, or an error saying how to set them.
 *
 * @since 0.1.0
 * @category requirements
 */
export const requireAuth = (settings: Settings): Effect.Effect<Auth, ConfigError> =>
  settings.auth === undefined
    ? missing(
        "auth",
        "not set: set LAHETE_AUTH_ISSUER, LAHETE_AUTH_AUDIENCE and LAHETE_AUTH_JWKS_URL (or LAHETE_AUTH_JWKS), or `auth` in the configuration file"
      )
    : Effect.succeed(settings.auth)

/**
 * The worker's messaging: a text-message channel, an email channel and a
 * coordinator address for every programme, or an error listing what is
 * missing.
 *
 * @since 0.1.0
 * @category requirements
 */
export const requireMessaging = (settings: Settings): Effect.Effect<void, ConfigError> => {
  const problems: Array<Problem> = []
  if (settings.sms._tag === "None") {
    problems.push({
      setting: "sms",
      reason:
        "not set: set LAHETE_SMS_GATEWAYAPI_TOKEN for GatewayAPI, or LAHETE_SMS_FILE / LAHETE_SMS_CONSOLE=true to write text messages to a file or the console"
    })
  }
  if (settings.email._tag === "None") {
    problems.push({
      setting: "email",
      reason:
        "not set: set LAHETE_SMTP_HOST, LAHETE_SMTP_PORT, LAHETE_SMTP_SECURITY and LAHETE_SMTP_FROM, or LAHETE_EMAIL_FILE / LAHETE_EMAIL_CONSOLE=true"
    })
  }
  for (const p of settings.programmes) {
    if ((settings.coordinators[p.id] ?? []).length === 0) {
      problems.push({
        setting: `coordinators.${p.id}`,
        reason: `no coordinator address: set LAHETE_COORDINATORS (e.g. ${p.id}=coordinator@example.fi) or \`coordinators\` in the configuration file`
      })
    }
  }
  return problems.length === 0 ? Effect.void : Effect.fail(new ConfigError({ problems }))
}
