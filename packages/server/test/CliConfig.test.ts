/**
 * The configuration: environment variables over a JSON file, validated with
 * every problem named by its setting and source, never by its value; secrets
 * kept `Redacted`; what commands need checked with a message saying how to
 * set it.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Presets } from "@lahete/core"
import { Effect, Redacted, Result } from "effect"
import { afterAll } from "vitest"
import * as Config from "../src/Config.js"

const dir = mkdtempSync(join(tmpdir(), "lahete-config-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
const file = (content: unknown): string => {
  const path = join(dir, `config-${++n}.json`)
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content))
  return path
}

const failure = (sources: Config.Sources): Config.ConfigError => {
  const r = Config.read(sources)
  if (Result.isSuccess(r)) throw new Error("expected the configuration to be refused")
  return r.failure
}
const success = (sources: Config.Sources): Config.Settings => {
  const r = Config.read(sources)
  if (Result.isFailure(r)) throw new Error(r.failure.message)
  return r.success
}

describe("Config", () => {
  it("defaults: both presets, 127.0.0.1:8080, a round every 30 s, no database, no messaging", () => {
    const s = success({ env: {} })
    expect(s.programmes.map((p) => p.id)).toEqual(Presets.all.map((p) => p.id))
    expect(s.http).toEqual({ host: "127.0.0.1", port: 8080, limits: {} })
    expect(s.worker.intervalMs).toBe(30_000)
    expect(s.database).toBeUndefined()
    expect(s.sms).toEqual({ _tag: "None" })
    expect(s.email).toEqual({ _tag: "None" })
    expect(s.messages.referralUrl).toBe("http://127.0.0.1:8080/referrals/{referralId}")
  })

  it("reads every setting from the environment, secrets as Redacted", () => {
    const s = success({
      env: {
        LAHETE_DATABASE: "postgres://lahete:pw@db.example:5432/lahete",
        LAHETE_PROGRAMMES: "kemijarvi",
        LAHETE_HTTP_HOST: "0.0.0.0",
        LAHETE_HTTP_PORT: "9000",
        LAHETE_HTTP_HEADERS_TIMEOUT_SECONDS: "5",
        LAHETE_HTTP_REQUEST_TIMEOUT_SECONDS: "20",
        LAHETE_HTTP_IDLE_TIMEOUT_SECONDS: "2.5",
        LAHETE_HTTP_MAX_CONNECTIONS: "100",
        LAHETE_AUTH_ISSUER: "https://login.example.fi",
        LAHETE_AUTH_AUDIENCE: "lahete",
        LAHETE_AUTH_JWKS_URL: "https://login.example.fi/jwks.json",
        LAHETE_SMS_GATEWAYAPI_TOKEN: "gw-token-123",
        LAHETE_SMS_SENDER: "Kemijarvi",
        LAHETE_SMTP_HOST: "smtp.example.fi",
        LAHETE_SMTP_PORT: "587",
        LAHETE_SMTP_SECURITY: "starttls",
        LAHETE_SMTP_USER: "lahete",
        LAHETE_SMTP_PASSWORD: "smtp-secret",
        LAHETE_SMTP_FROM: "lahete@kemijarvi.example.fi",
        LAHETE_COORDINATORS: "kemijarvi=koordinaattori@kemijarvi.example.fi, toinen@kemijarvi.example.fi",
        LAHETE_REFERRAL_URL: "https://lahete.kemijarvi.example.fi/r/{referralId}",
        LAHETE_WORKER_INTERVAL_SECONDS: "10",
        LAHETE_FINGERPRINT_SECRET: "a-long-fingerprint-secret"
      }
    })
    expect(s.database?._tag).toBe("Postgres")
    if (s.database?._tag === "Postgres") {
      expect(Redacted.value(s.database.url)).toBe("postgres://lahete:pw@db.example:5432/lahete")
      expect(String(s.database.url)).not.toContain("pw")
    }
    expect(s.programmes.map((p) => p.id)).toEqual(["kemijarvi"])
    expect(s.http).toEqual({
      host: "0.0.0.0",
      port: 9000,
      limits: { headersTimeoutSeconds: 5, requestTimeoutSeconds: 20, idleTimeoutSeconds: 2.5, maxConnections: 100 }
    })
    expect(s.auth).toEqual({
      issuer: "https://login.example.fi",
      audience: "lahete",
      jwks: { _tag: "Url", url: "https://login.example.fi/jwks.json" }
    })
    expect(s.sms._tag).toBe("GatewayApi")
    if (s.sms._tag === "GatewayApi") expect(Redacted.value(s.sms.token)).toBe("gw-token-123")
    expect(s.smsSender).toBe("Kemijarvi")
    expect(s.email._tag).toBe("Smtp")
    if (s.email._tag === "Smtp") {
      expect(s.email.port).toBe(587)
      expect(s.email.auth?.user).toBe("lahete")
      expect(JSON.stringify(s.email)).not.toContain("smtp-secret")
    }
    expect(s.coordinators).toEqual({
      kemijarvi: ["koordinaattori@kemijarvi.example.fi", "toinen@kemijarvi.example.fi"]
    })
    expect(s.messages.referralUrl).toBe("https://lahete.kemijarvi.example.fi/r/{referralId}")
    expect(s.worker.intervalMs).toBe(10_000)
    expect(s.fingerprintSecret === undefined ? undefined : Redacted.value(s.fingerprintSecret)).toBe(
      "a-long-fingerprint-secret"
    )
  })

  it("reads the file named by LAHETE_CONFIG; the environment wins over it", () => {
    const path = file({
      database: "./data/lahete.db",
      http: { port: 8081 },
      sms: { file: "./out/sms.jsonl", console: true },
      email: { console: true },
      coordinators: { kemijarvi: ["k@kemijarvi.example.fi"] }
    })
    const s = success({ env: { LAHETE_CONFIG: path, LAHETE_HTTP_PORT: "8082" } })
    expect(s.file).toBe(path)
    expect(s.database).toEqual({ _tag: "Sqlite", filename: "./data/lahete.db" })
    expect(s.http.port).toBe(8082)
    expect(s.sms).toEqual({ _tag: "Sink", file: "./out/sms.jsonl", console: true })
    expect(s.email).toEqual({ _tag: "Sink", console: true })
  })

  it("a wrong environment value names the variable and what is expected, never the value", () => {
    const error = failure({ env: { LAHETE_HTTP_PORT: "80a80", LAHETE_SMS_CONSOLE: "perhaps" } })
    const message = error.message
    expect(error.problems).toContainEqual(expect.objectContaining({ setting: "http.port", source: "LAHETE_HTTP_PORT" }))
    expect(error.problems).toContainEqual(
      expect.objectContaining({ setting: "sms.console", source: "LAHETE_SMS_CONSOLE", reason: "expected a boolean" })
    )
    expect(message).toContain("http.port (LAHETE_HTTP_PORT)")
    expect(message).not.toContain("80a80")
    expect(message).not.toContain("perhaps")
  })

  it("the server's limits: a misspelt one, one out of range and a headers timeout over the request's are named", () => {
    const path = file({ http: { limits: { requestTimeoutSecs: 20, maxConnections: 0 } } })
    const error = failure({ env: { LAHETE_CONFIG: path } })
    // named down to the section at least (the unknown key's own name where the decoder gives it)
    expect(error.problems).toContainEqual({
      setting: expect.stringMatching(/^http\.limits(\.requestTimeoutSecs)?$/),
      source: path,
      reason: "has a setting that is not known"
    })
    expect(error.problems).toContainEqual({
      setting: "http.limits.maxConnections",
      source: path,
      reason: "expected from 1 to 1000000 connections"
    })
    const longer = failure({
      env: { LAHETE_HTTP_HEADERS_TIMEOUT_SECONDS: "60", LAHETE_HTTP_REQUEST_TIMEOUT_SECONDS: "30" }
    })
    expect(longer.problems).toEqual([
      expect.objectContaining({
        setting: "http.limits",
        reason: "headersTimeoutSeconds may not exceed requestTimeoutSeconds"
      })
    ])
    const fine = success({ env: {}, file: file({ http: { limits: { requestTimeoutSeconds: 20 } } }) })
    expect(fine.http.limits).toEqual({ requestTimeoutSeconds: 20 })
  })

  it("a port out of range says the range", () => {
    const error = failure({ env: { LAHETE_HTTP_PORT: "70000" } })
    expect(error.problems).toEqual([
      {
        setting: "http.port",
        source: "LAHETE_HTTP_PORT",
        reason: "expected a port number from 0 (any free port) to 65535"
      }
    ])
  })

  it("a secret that is too short is refused without showing it", () => {
    const error = failure({ env: { LAHETE_FINGERPRINT_SECRET: "short-secret" } })
    expect(error.problems).toEqual([
      { setting: "fingerprintSecret", source: "LAHETE_FINGERPRINT_SECRET", reason: "expected at least 16 characters" }
    ])
    expect(error.message).not.toContain("short-secret")
  })

  it("problems in the file name the file; an unknown setting is refused; all problems at once", () => {
    const path = file({ htpp: { port: 1 }, worker: { intervalSeconds: 0 }, email: { smtp: { host: "x" } } })
    const error = failure({ file: path, env: {} })
    const settings = error.problems.map((p) => p.setting)
    expect(settings).toContain("(configuration)")
    expect(settings).toContain("worker.intervalSeconds")
    expect(settings).toContain("email.smtp.port")
    expect(settings).toContain("email.smtp.from")
    for (const p of error.problems) expect(p.source).toBe(path)
    expect(error.problems.find((p) => p.setting === "(configuration)")?.reason).toBe("has a setting that is not known")
  })

  it("a missing or broken file says so without quoting it", () => {
    expect(failure({ file: join(dir, "nope.json"), env: {} }).problems).toEqual([
      { setting: "configuration file", source: join(dir, "nope.json"), reason: "no such file" }
    ])
    const broken = file('{ "sms": { "gatewayapi": { "token": "tok-very-secret" } ')
    const error = failure({ file: broken, env: {} })
    expect(error.problems).toEqual([{ setting: "configuration file", source: broken, reason: "is not valid JSON" }])
    expect(error.message).not.toContain("tok-very-secret")
  })

  it("an unknown preset, a coordinator of an unconfigured programme, a bad template", () => {
    const error = failure({
      env: {
        LAHETE_PROGRAMMES: "kemijarvi,rovaniemi",
        LAHETE_COORDINATORS: "sodankyla=k@sodankyla.example.fi"
      }
    })
    expect(error.problems.map((p) => p.setting)).toEqual(["programmes[1]", "coordinators.sodankyla"])
    expect(error.problems[0]?.reason).toContain("kemijarvi, sodankyla")
    const templates = failure({ file: file({ messages: { referralUrl: "ftp://x/{id}" } }), env: {} })
    expect(templates.problems[0]?.setting).toBe("messages")
    expect(templates.problems[0]?.reason).toContain("referralUrl")
  })

  it("a programme object in the file is validated as a programme", () => {
    const own = { ...Presets.kemijarvi, id: "rovaniemi", municipality: "Rovaniemi" }
    expect(success({ file: file({ programmes: [own, "kemijarvi"] }), env: {} }).programmes.map((p) => p.id)).toEqual([
      "rovaniemi",
      "kemijarvi"
    ])
    const broken = { ...own, deadlines: { ...own.deadlines, collaboration: { warnAfterMonths: 7, maxMonths: 6 } } }
    const error = failure({ file: file({ programmes: [broken] }), env: {} })
    expect(error.problems[0]?.setting).toBe("programmes[0]")
    expect(error.problems[0]?.reason).toContain("warnAfterMonths")
  })

  it("a database that is neither a SQLite path nor a postgres URL is refused without showing it", () => {
    const error = failure({ env: { LAHETE_DATABASE: "mysql://root:hunter2@db/lahete" } })
    expect(error.problems).toEqual([
      { setting: "database", source: "LAHETE_DATABASE", reason: "expected a SQLite file path or a postgres:// URL" }
    ])
    expect(error.message).not.toContain("hunter2")
    expect(success({ env: { LAHETE_DATABASE: "sqlite:/var/lib/lahete.db" } }).database).toEqual({
      _tag: "Sqlite",
      filename: "/var/lib/lahete.db"
    })
  })

  it("both a provider and a sink, or half the SMTP credentials, are refused", () => {
    const error = failure({
      env: {
        LAHETE_SMS_GATEWAYAPI_TOKEN: "tok",
        LAHETE_SMS_CONSOLE: "true",
        LAHETE_SMTP_HOST: "smtp.example.fi",
        LAHETE_SMTP_PORT: "465",
        LAHETE_SMTP_SECURITY: "tls",
        LAHETE_SMTP_FROM: "a@b.fi",
        LAHETE_SMTP_PASSWORD: "pw-only"
      }
    })
    expect(error.problems.map((p) => p.setting)).toEqual(["sms", "email.smtp"])
    expect(error.message).not.toContain("pw-only")
  })

  it("command-line overrides win and are named as such", () => {
    expect(
      success({ env: { LAHETE_HTTP_PORT: "9000" }, overrides: [{ path: ["http", "port"], value: 9100 }] }).http.port
    ).toBe(9100)
    const error = failure({ env: {}, overrides: [{ path: ["http", "port"], value: -1 }] })
    expect(error.problems).toEqual([
      { setting: "http.port", source: "command line", reason: "expected a port number from 0 (any free port) to 65535" }
    ])
  })

  it.effect("what a command needs is asked for by name, with how to set it", () =>
    Effect.gen(function* () {
      const s = success({ env: {} })
      const db = yield* Effect.flip(Config.requireDatabase(s))
      expect(db.problems[0]?.setting).toBe("database")
      expect(db.message).toContain("LAHETE_DATABASE")
      const auth = yield* Effect.flip(Config.requireAuth(s))
      expect(auth.message).toContain("LAHETE_AUTH_ISSUER")
      const messaging = yield* Effect.flip(Config.requireMessaging(s))
      expect(messaging.problems.map((p) => p.setting)).toEqual([
        "sms",
        "email",
        "coordinators.kemijarvi",
        "coordinators.sodankyla"
      ])
      const ready = success({
        env: {
          LAHETE_PROGRAMMES: "kemijarvi",
          LAHETE_SMS_CONSOLE: "yes",
          LAHETE_EMAIL_FILE: "mail.jsonl",
          LAHETE_COORDINATORS: "kemijarvi=k@kemijarvi.example.fi"
        }
      })
      yield* Config.requireMessaging(ready)
    })
  )
})

describe("Config: messages for what is missing or unreadable", () => {
  it("a missing setting says which variable sets it; unreadable JSON or coordinators say so", () => {
    const missing = failure({ env: { LAHETE_AUTH_ISSUER: "https://login.example.fi" } })
    expect(missing.problems).toContainEqual({
      setting: "auth.audience",
      reason: "is missing: set LAHETE_AUTH_AUDIENCE (or auth.audience in the configuration file)"
    })
    const unreadable = failure({ env: { LAHETE_AUTH_JWKS: "{not json", LAHETE_COORDINATORS: "k@x.fi" } })
    expect(unreadable.problems).toEqual([
      { setting: "auth.jwks", source: "LAHETE_AUTH_JWKS", reason: "is not valid JSON" },
      {
        setting: "coordinators",
        source: "LAHETE_COORDINATORS",
        reason: "expected programme=address,address;programme=address"
      }
    ])
  })
})
