/**
 * The worker invites the link workers to the survey (issue 18): on the
 * server's SQLite stack with the file mail sink (and the staff-mail
 * audit), a worker round sends each active link worker with a configured
 * address one invitation for their programme's open round, the next round
 * none, a link worker who answered none; the mails carry no personal data.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { describe, expect, it } from "@effect/vitest"
import {
  Actor,
  Instant,
  LinkWorkerSurvey,
  LinkWorkerSurveyAnswers,
  type Mailer,
  Presets,
  Programme
} from "@lahete/core"
import { SqlReferralStack } from "@lahete/store-sql"
import { Fixtures, StaffMailAudit } from "@lahete/testing"
import { Effect, Layer, Result } from "effect"
import { TestClock } from "effect/testing"
import { afterAll } from "vitest"
import * as Config from "../src/Config.js"
import * as Sinks from "../src/Sinks.js"
import * as Worker from "../src/Worker.js"

const root = mkdtempSync(join(tmpdir(), "lahete-worker-survey-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))

const sodankyla: Programme.Programme = { ...Presets.sodankyla, linkWorkerSurvey: LinkWorkerSurvey.example }
const actor = (k: number) => Actor.make("LinkWorker", `lw-mail-${k}`, "sodankyla-ngo")
const workers = Array.from({ length: 4 }, (_, k) => Fixtures.linkWorker({ id: actor(k).id, active: k !== 3 }))
const emails = Object.fromEntries(workers.map((w, k) => [w.id, `lw${k}@sodankyla.example.fi`]))

describe("the worker's survey invitations", () => {
  it.effect("one per active link worker with an address and open round; none after an answer or again", () => {
    const mailFile = join(root, "mail.jsonl")
    const quiet = { write: () => Effect.void }
    const layer = SqlReferralStack.layer({
      linkWorkers: workers,
      catalog: Result.getOrThrow(Programme.catalog([Presets.kemijarvi, sodankyla]))
    }).pipe(
      Layer.provideMerge(SqliteClient.layer({ filename: join(root, "lahete.db") })),
      Layer.provideMerge(
        Layer.mergeAll(
          Sinks.smsLayer({ file: join(root, "sms.jsonl"), console: quiet }),
          StaffMailAudit.layer(
            Sinks.mailLayer({ file: mailFile, console: quiet }),
            "packages/server/test/WorkerSurvey.test.ts"
          )
        )
      ),
      Layer.fresh
    )
    const options: Worker.Options = {
      templates: { referralUrl: "https://lahete.example.fi/referrals/{referralId}" },
      coordinators: {},
      linkWorkerSurvey: { url: "https://lahete.sodankyla.example.fi/survey", emails }
    }
    const mails = (): ReadonlyArray<Mailer.Mail> =>
      readFileSync(mailFile, "utf8")
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => JSON.parse(l) as Mailer.Mail)
    return Effect.gen(function* () {
      yield* TestClock.setTime(Date.parse("2026-08-15T09:00:00Z"))
      // link worker 0 has answered already
      yield* LinkWorkerSurveyAnswers.answer({
        actor: actor(0),
        programme: sodankyla,
        answer: {
          surveyId: sodankyla.linkWorkerSurvey?.id as string,
          round: "2026-07",
          answers: { "work-meaningful": 4 }
        },
        now: Instant.make(Date.parse("2026-08-15T09:00:00Z"))
      })
      yield* Worker.runOnce(options)
      const first = mails()
      expect(first.map((m) => m.to).sort()).toEqual([["lw1@sodankyla.example.fi"], ["lw2@sodankyla.example.fi"]])
      for (const m of first) {
        expect(m.subject).toBe("Linkkihenkilöiden kysely")
        expect(m.text).toContain("https://lahete.sodankyla.example.fi/survey")
        expect(StaffMailAudit.inspect(m)).toEqual([])
      }
      yield* TestClock.setTime(Date.parse("2026-08-16T09:00:00Z"))
      yield* Worker.runOnce(options)
      expect(mails()).toHaveLength(2)
      // the next round (January 2027): invited again
      yield* TestClock.setTime(Date.parse("2027-01-05T09:00:00Z"))
      yield* Worker.runOnce(options)
      expect(mails()).toHaveLength(5)
    }).pipe(Effect.provide(layer))
  })
})

describe("the survey invitations' configuration", () => {
  const read = (value: unknown) => Config.read({ env: {}, overrides: [{ path: ["linkWorkerSurvey"], value }] })
  const settings = (r: ReturnType<typeof read>) => (Result.isSuccess(r) ? r.success : undefined)
  const problems = (r: ReturnType<typeof read>) =>
    Result.isFailure(r) ? r.failure.problems.map((p) => `${p.setting}: ${p.reason}`) : []

  it("is strict: a misspelt setting, a missing url and a bad address are errors naming their paths", () => {
    expect(settings(read({ url: "https://x.example.fi/s", emails: { "lw-1": "a@x.fi" } }))?.linkWorkerSurvey).toEqual({
      url: "https://x.example.fi/s",
      emails: { "lw-1": "a@x.fi" }
    })
    expect(settings(read({}))?.linkWorkerSurvey).toBeUndefined()
    expect(problems(read({ emails: { "lw-1": "a@x.fi" } })).join("\n")).toContain("linkWorkerSurvey.url")
    expect(problems(read({ url: "https://x.example.fi/s", emailz: {} })).join("\n")).toContain(
      "linkWorkerSurvey.emailz"
    )
    expect(problems(read({ url: "https://x.example.fi/s", emails: { "lw-1": "nope" } })).join("\n")).toContain(
      "linkWorkerSurvey.emails"
    )
  })
})
