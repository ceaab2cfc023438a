/**
 * The command line, run in process with Node's platform services: `migrate`
 * creates the tables of a new SQLite file and then finds nothing to do;
 * configuration errors name the setting and never its value; `report` writes
 * the evaluation report as JSON and HTML from the database; `worker --once`
 * sends what is due to the configured sinks.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { describe, expect, it } from "@effect/vitest"
import { Evaluation, type Ids, Instant, Mailer, Presets, ReferralService } from "@lahete/core"
import { Fixtures, StaffMailAudit } from "@lahete/testing"
import { Effect, Layer, Result, Schema } from "effect"
import { TestClock, TestConsole } from "effect/testing"
import { afterAll } from "vitest"
import * as Cli from "../src/Cli.js"
import * as Config from "../src/Config.js"
import * as Sinks from "../src/Sinks.js"

const root = mkdtempSync(join(tmpdir(), "lahete-cli-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let n = 0
const fresh = () => join(root, `t${++n}`)

const run = (args: ReadonlyArray<string>, env: Record<string, string>) =>
  Cli.runWith(args, { env }).pipe(Effect.provide(NodeServices.layer))

/** Hands every staff email a sink file holds to the repository's staff-mail audit (checked after the suite). */
const audit = (file: string, source: string) =>
  Effect.gen(function* () {
    const mailer = StaffMailAudit.capture(yield* Mailer.makeMemory, source)
    for (const m of yield* Sinks.readMail(file)) {
      yield* mailer.send({ id: m.id, to: m.to, subject: m.subject, text: m.text })
    }
  })

const output = Effect.map(TestConsole.logLines, (lines) => lines.map(String).join("\n"))

/** Submits referrals to a SQLite file through the service (six fixture referrals, one assigned). */
const seed = (database: Config.Database, count: number) =>
  Effect.gen(function* () {
    const service = yield* ReferralService.ReferralService
    for (let i = 0; i < count; i++) {
      const referralId = `referral-${i}` as Ids.ReferralId
      yield* service.execute(
        Fixtures.submit({
          referralId,
          subjectId: `subject-${i}` as Ids.SubjectId,
          idempotencyKey: `s-${i}` as Ids.IdempotencyKey
        })
      )
    }
  }).pipe(Effect.provide(Layer.fresh(Cli.servicesLayer(Result.getOrThrow(Config.read({ env: {} })), database))))

describe("lahete migrate", () => {
  it.effect("creates the tables of a new SQLite file, then finds nothing to do", () =>
    Effect.gen(function* () {
      const file = join(fresh(), "data", "lahete.db")
      yield* run(["migrate"], { LAHETE_DATABASE: file })
      expect(existsSync(file)).toBe(true)
      expect(yield* output).toMatch(/^Applied \d+ migrations: 0001_event_log, /)
      yield* run(["migrate"], { LAHETE_DATABASE: file })
      expect(yield* output).toMatch(/\nThe database is up to date \(\d+ migrations\)\.$/)
    })
  )

  it.effect("without a database it says how to set one", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(run(["migrate"], {}))
      expect(error._tag).toBe("ConfigError")
      expect(error.message).toContain("database: not set: set LAHETE_DATABASE")
    })
  )

  it.effect("a wrong setting is named with its variable, never with its value", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        run(["migrate"], {
          LAHETE_DATABASE: "mysql://root:hunter2@db/lahete",
          LAHETE_SMTP_PORT: "twenty-five",
          LAHETE_SMTP_HOST: "smtp.example.fi",
          LAHETE_SMTP_SECURITY: "tls",
          LAHETE_SMTP_FROM: "a@b.fi"
        })
      )
      expect(error._tag).toBe("ConfigError")
      expect(error.message).toContain("database (LAHETE_DATABASE): expected a SQLite file path or a postgres:// URL")
      expect(error.message).toContain("email.smtp.port (LAHETE_SMTP_PORT): expected a number")
      expect(error.message).not.toContain("hunter2")
      expect(error.message).not.toContain("twenty-five")
    })
  )

  it.effect("--config names the file; a missing file is an error naming it", () =>
    Effect.gen(function* () {
      const missing = join(fresh(), "lahete.json")
      const error = yield* Effect.flip(run(["--config", missing, "migrate"], {}))
      expect(error.message).toContain(`configuration file (${missing}): no such file`)
    })
  )
})

describe("a configuration file with a misspelt setting", () => {
  /** A configuration file with a programme derived from a preset (as docs/server.md shows), changed by `change`. */
  const configFile = (change: (config: Record<string, unknown>, programme: Record<string, unknown>) => void) => {
    const dir = fresh()
    mkdirSync(dir, { recursive: true })
    const programme: Record<string, unknown> = {
      ...JSON.parse(JSON.stringify(Presets.kemijarvi)),
      id: "rovaniemi",
      municipality: "Rovaniemi"
    }
    const config: Record<string, unknown> = { database: join(dir, "lahete.db"), programmes: [programme, "kemijarvi"] }
    change(config, programme)
    const file = join(dir, "lahete.json")
    writeFileSync(file, JSON.stringify(config))
    return file
  }

  for (const command of [["migrate"], ["serve"]]) {
    it.effect(`lahete ${command.join(" ")} refuses it, naming the key's path and the file`, () =>
      Effect.gen(function* () {
        const cases: ReadonlyArray<
          readonly [(c: Record<string, unknown>, p: Record<string, unknown>) => void, string]
        > = [
          [(c) => (c.htpp = { port: 1 }), "htpp"],
          [(_, p) => (p.eligibleReferrerProffesions = ["nurse"]), "programmes[0].eligibleReferrerProffesions"],
          [
            (_, p) =>
              (p.deadlines = {
                ...(p.deadlines as object),
                firstContact: { days: 3, dayKind: "business", atRiskHours: 24, dayz: 1 }
              }),
            "programmes[0].deadlines.firstContact.dayz"
          ],
          [
            (_, p) => (p.measures = { ...(p.measures as object), end: [{ instrument: "ucla3", respondent: "self" }] }),
            "programmes[0].measures.end[0].instrument"
          ]
        ]
        for (const [change, path] of cases) {
          const file = configFile(change)
          const error = yield* Effect.flip(run(["--config", file, ...command], {}))
          expect(error._tag).toBe("ConfigError")
          expect(error.message).toContain(`  - ${path} (${file}): `)
          expect(error.message.split("\n")).toHaveLength(2)
        }
        // the same file without the typo is accepted: migrate runs
        if (command[0] === "migrate") yield* run(["--config", configFile(() => {}), "migrate"], {})
      })
    )
  }
})

describe("lahete report", () => {
  it.effect("writes the evaluation report as JSON and HTML", () =>
    Effect.gen(function* () {
      const dir = fresh()
      const database: Config.Database = { _tag: "Sqlite", filename: join(dir, "lahete.db") }
      yield* seed(database, 6)
      const json = join(dir, "out", "report.json")
      const html = join(dir, "out", "report.html")
      yield* run(
        [
          "report",
          "--programme",
          "kemijarvi",
          "--from",
          "2026-03-01",
          "--to",
          "2026-03-31",
          "--as-of",
          "2026-04-30",
          "--json",
          json,
          "--html",
          html
        ],
        { LAHETE_DATABASE: database.filename }
      )
      expect(yield* output).toBe(`Wrote ${json}\nWrote ${html}`)
      const report = Schema.decodeUnknownSync(Evaluation.Report)(JSON.parse(readFileSync(json, "utf8")))
      expect(report.programme.id).toBe("kemijarvi")
      expect(report.period.from).toBe("2026-02-28T22:00:00.000Z")
      expect(report.referrals.total).toEqual({ _tag: "Value", value: 6 })
      const page = readFileSync(html, "utf8")
      expect(page).toMatch(/^<!doctype html>\n<html lang="fi">/)
      expect(page).toContain("Kemijärvi")
      // the local days 1–31 March are the month of March, in Kemijärvi's first language by default
      expect(page).toContain("Lähetteet tehty: maaliskuu 2026")
      // --lang chooses the page's language
      const swedish = join(dir, "out", "rapport.html")
      yield* run(
        [
          "report",
          "--programme",
          "kemijarvi",
          "--from",
          "2026-03-01",
          "--to",
          "2026-03-31",
          "--as-of",
          "2026-04-30",
          "--html",
          swedish,
          "--lang",
          "sv"
        ],
        { LAHETE_DATABASE: database.filename }
      )
      const sv = readFileSync(swedish, "utf8")
      expect(sv).toMatch(/^<!doctype html>\n<html lang="sv">/)
      expect(sv).toContain("Remisser skickade: mars 2026")
      // a period without the referrals counts none
      yield* run(
        [
          "report",
          "--programme",
          "kemijarvi",
          "--from",
          "2026-04-01",
          "--to",
          "2026-04-30",
          "--as-of",
          "2026-05-01",
          "--json",
          json
        ],
        {
          LAHETE_DATABASE: database.filename
        }
      )
      const april = Schema.decodeUnknownSync(Evaluation.Report)(JSON.parse(readFileSync(json, "utf8")))
      expect(april.referrals.total).toEqual({ _tag: "Suppressed", reason: "fewer-than-minimum" })
    })
  )

  it.effect("refuses a database file that is not there, and an unconfigured programme", () =>
    Effect.gen(function* () {
      const file = join(fresh(), "nothing.db")
      const a = yield* Effect.flip(
        run(["report", "--programme", "kemijarvi", "--from", "2026-01-01", "--to", "2026-12-31"], {
          LAHETE_DATABASE: file
        })
      )
      expect(a.message).toBe(`there is no database at ${file} (check LAHETE_DATABASE)`)
      expect(existsSync(file)).toBe(false)
      const dir = fresh()
      const database: Config.Database = { _tag: "Sqlite", filename: join(dir, "lahete.db") }
      yield* seed(database, 1)
      const b = yield* Effect.flip(
        run(["report", "--programme", "rovaniemi", "--from", "2026-01-01", "--to", "2026-12-31"], {
          LAHETE_DATABASE: database.filename
        })
      )
      expect(b.message).toContain("the programme rovaniemi is not configured")
      const c = yield* Effect.flip(
        run(["report", "--from", "2026-01-01", "--to", "2026-12-31"], { LAHETE_DATABASE: database.filename })
      )
      expect(c.message).toBe("say which programme: --programme kemijarvi or --programme sodankyla")
    })
  )

  it.effect("a date that is not YYYY-MM-DD is refused by the parser", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        run(["report", "--from", "1.3.2026", "--to", "2026-03-31"], { LAHETE_DATABASE: join(fresh(), "x.db") })
      )
      expect(error._tag).toBe("ShowHelp")
      const shown = (yield* TestConsole.errorLines).map(String).join("\n")
      expect(shown).toContain("--from: expected a date YYYY-MM-DD")
    })
  )

  it.effect("a report language other than fi, sv or en is refused by the parser", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        run(["report", "--from", "2026-03-01", "--to", "2026-03-31", "--html", "x.html", "--lang", "se"], {
          LAHETE_DATABASE: join(fresh(), "x.db")
        })
      )
      expect(error._tag).toBe("ShowHelp")
      const shown = (yield* TestConsole.errorLines).map(String).join("\n")
      expect(shown).toContain('Invalid value for flag --lang: "se". Expected: "fi" | "sv" | "en"')
    })
  )
})

describe("lahete worker --once", () => {
  it.effect("sends what is due to the configured sinks and says what it did", () =>
    Effect.gen(function* () {
      const dir = fresh()
      const database: Config.Database = { _tag: "Sqlite", filename: join(dir, "lahete.db") }
      yield* seed(database, 2) // submitted at 09.00 on Monday 2 March 2026
      yield* TestClock.setTime(Instant.toMillis(Fixtures.at(1)))
      const env = {
        LAHETE_DATABASE: database.filename,
        LAHETE_PROGRAMMES: "kemijarvi",
        LAHETE_EMAIL_FILE: join(dir, "mail.jsonl"),
        LAHETE_SMS_FILE: join(dir, "sms.jsonl"),
        LAHETE_COORDINATORS: "kemijarvi=koordinaattori@kemijarvi.example.fi"
      }
      yield* run(["worker", "--once"], env)
      expect(yield* output).toContain("messages: coordinator-notification:sent ×2")
      expect((yield* Sinks.readMail(env.LAHETE_EMAIL_FILE)).map((m) => m.to)).toEqual([
        ["koordinaattori@kemijarvi.example.fi"],
        ["koordinaattori@kemijarvi.example.fi"]
      ])
      yield* run(["worker", "--once"], env)
      expect(yield* output).toMatch(/\nNothing was due\.$/)
      yield* audit(env.LAHETE_EMAIL_FILE, "packages/server/test/Cli.test.ts")
    })
  )

  it.effect("refuses to start without its messaging, saying what to set", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(run(["worker", "--once"], { LAHETE_DATABASE: join(fresh(), "x.db") }))
      expect(error._tag).toBe("ConfigError")
      expect(error.message).toContain("sms: not set")
      expect(error.message).toContain("coordinators.kemijarvi: no coordinator address")
    })
  )
})
