/**
 * The link workers' survey over HTTP (acceptance 4 of issue 18), in memory
 * and on the server as `lahete serve` builds it on SQLite: an active link
 * worker of the programme reads the survey and answers the open round once;
 * others are refused; the coordinator's view (beside the training-due list)
 * and the evaluation report (JSON and HTML) show nothing of the open round
 * and, after it closes, only aggregates in which the one link worker who
 * answered differently cannot be singled out; no link worker's id is in
 * any answer, the view or the report.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import {
  Actor,
  type LinkWorker,
  LinkWorkerSurvey,
  type LinkWorkerSurveyAnswers,
  Presets,
  Programme,
  ReferralService
} from "@lahete/core"
import { Fixtures } from "@lahete/testing"
import { Effect, Layer, Result } from "effect"
import { afterAll } from "vitest"
import * as Cli from "../src/Cli.js"
import * as Config from "../src/Config.js"
import { Harness, layer as harness } from "./support/harness.js"

const root = mkdtempSync(join(tmpdir(), "lahete-survey-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))

const survey = LinkWorkerSurvey.example
const sodankyla: Programme.Programme = { ...Presets.sodankyla, linkWorkerSurvey: survey }
const programmes = [Presets.kemijarvi, sodankyla]
const actor = (k: number) => Actor.make("LinkWorker", `lw-survey-${k}`, "sodankyla-ngo")
const workers: ReadonlyArray<LinkWorker.LinkWorker> = Array.from({ length: 10 }, (_, k) =>
  Fixtures.linkWorker({ id: actor(k).id, active: k !== 9 })
)
const coordinator = Fixtures.coordinator
const evaluator = Fixtures.evaluator
/** 15 August 2026 (round 2026-07, July–December) and 1 February 2027 (the next round). */
const during = Date.parse("2026-08-15T09:00:00Z")
const afterwards = Date.parse("2027-02-01T09:00:00Z")

const body = (round: string, work: number | null, training: number | null, needs: ReadonlyArray<string> | null) => ({
  round,
  answers: { "work-meaningful": work, "training-sufficient": training, "training-needs": needs }
})

const cores = {
  memory: () =>
    ReferralService.layerMemory({
      linkWorkers: workers,
      catalog: Result.getOrThrow(Programme.catalog(programmes))
    }),
  "SQLite (lahete serve)": () => {
    const filename = join(root, `${crypto.randomUUID()}.db`)
    const settings = Result.getOrThrow(
      Config.read({
        env: { LAHETE_DATABASE: filename },
        overrides: [
          { path: ["linkWorkers"], value: workers },
          { path: ["programmes"], value: programmes }
        ]
      })
    )
    return Cli.servicesLayer(settings, { _tag: "Sqlite", filename })
  }
}

for (const [name, core] of Object.entries(cores)) {
  describe(`the link workers' survey over HTTP: ${name}`, () => {
    it.live("answer once, anonymously; the coordinator and the report see only safe aggregates of closed rounds", () =>
      Effect.gen(function* () {
        const h = yield* Harness
        h.time.set(during)
        const read = yield* h.request("GET", "/link-worker/survey?programmeId=sodankyla", { as: actor(0) })
        expect(read.status).toBe(200)
        expect(read.json).toMatchObject({ survey: { id: survey.id }, round: "2026-07", answered: false })

        // seven who broadly agree, and one who needs training in substance use and rates their training 1
        for (let k = 0; k < 7; k++) {
          const answer = yield* h.request("POST", "/link-worker/survey?programmeId=sodankyla", {
            as: actor(k),
            body: body("2026-07", 4 + (k % 2), 3 + (k % 2), ["loneliness", "grief"])
          })
          expect(answer.status).toBe(200)
        }
        // the coordinator's view while the round is open: the same before and after the one answers
        const viewBefore = yield* h.request("GET", "/coordinator/link-worker-survey?programmeId=sodankyla", {
          as: coordinator
        })
        expect(viewBefore.status).toBe(200)
        const one = yield* h.request("POST", "/link-worker/survey?programmeId=sodankyla", {
          as: actor(7),
          body: body("2026-07", 2, 1, ["substance-use", "loneliness"])
        })
        expect(one.status).toBe(200)
        const viewAfter = yield* h.request("GET", "/coordinator/link-worker-survey?programmeId=sodankyla", {
          as: coordinator
        })
        expect(viewAfter.json).toEqual(viewBefore.json)
        expect(viewAfter.text).not.toContain('"Value"')

        // once only; the marker shows to the link worker themself
        const again = yield* h.request("POST", "/link-worker/survey?programmeId=sodankyla", {
          as: actor(7),
          body: body("2026-07", 5, 5, [])
        })
        expect(again.status).toBe(409)
        expect(again.json).toMatchObject({ _tag: "Conflict", reason: "already-answered" })
        expect(
          (yield* h.request("GET", "/link-worker/survey?programmeId=sodankyla", { as: actor(7) })).json
        ).toMatchObject({ answered: true })

        // refused: an inactive link worker, another role, outside the programmes, another round, a bad answer
        const inactive = yield* h.request("POST", "/link-worker/survey?programmeId=sodankyla", {
          as: actor(9),
          body: body("2026-07", 3, 3, [])
        })
        expect(inactive.status).toBe(403)
        const coordinatorAnswers = yield* h.request("POST", "/link-worker/survey?programmeId=sodankyla", {
          as: coordinator,
          body: body("2026-07", 3, 3, [])
        })
        expect(coordinatorAnswers.status).toBe(403)
        const outside = yield* h.request("POST", "/link-worker/survey?programmeId=sodankyla", {
          as: { ...actor(8), programmes: [Presets.kemijarvi.id] },
          body: body("2026-07", 3, 3, [])
        })
        expect(outside.json).toMatchObject({ _tag: "Forbidden", reason: "outside-programme" })
        const otherRound = yield* h.request("POST", "/link-worker/survey?programmeId=sodankyla", {
          as: actor(8),
          body: body("2026-01", 3, 3, [])
        })
        expect(otherRound.status).toBe(400)
        const bad = yield* h.request("POST", "/link-worker/survey?programmeId=sodankyla", {
          as: actor(8),
          body: body("2026-07", 7, 3, [])
        })
        expect(bad.status).toBe(400)
        expect(bad.json).toMatchObject({ issues: [{ path: "answers.work-meaningful" }] })
        const noSurvey = yield* h.request("GET", "/link-worker/survey?programmeId=kemijarvi", { as: actor(0) })
        expect(noSurvey.status).toBe(404)
        expect(
          (yield* h.request("GET", "/coordinator/link-worker-survey?programmeId=sodankyla", { as: evaluator })).status
        ).toBe(403)

        // after the round: the view and the report hide what only the one said, and what all said
        h.time.set(afterwards)
        const view = yield* h.request("GET", "/coordinator/link-worker-survey?programmeId=sodankyla", {
          as: coordinator
        })
        expect(view.status).toBe(200)
        const closed = (view.json as LinkWorkerSurveyAnswers.View).lastClosed
        expect(closed.round).toBe("2026-07")
        expect(closed.respondents).toEqual({ _tag: "Value", value: 8 })
        const needs = closed.items.find((i) => i.key === "training-needs")
        const training = closed.items.find((i) => i.key === "training-sufficient")
        if (needs?.kind !== "choices" || training?.kind !== "scale") throw new Error("the survey's items")
        const option = (key: string) => needs.options.find((o) => o.key === key)?.count
        expect(option("substance-use")).toEqual({ _tag: "Suppressed", reason: "fewer-than-minimum" })
        expect(option("loneliness")).toEqual({ _tag: "Suppressed", reason: "complement-below-minimum" })
        expect(training.values.find((v) => v.value === 1)?.count._tag).toBe("Suppressed")
        expect(training.mean._tag).toBe("Value")

        const query = "from=2026-06-30T21:00:00.000Z&to=2026-12-31T22:00:00.000Z"
        const report = yield* h.request("GET", `/evaluation/sodankyla?${query}`, { as: evaluator })
        expect(report.status).toBe(200)
        const section = (report.json as { linkWorkerSurvey: { rounds: Array<unknown> } }).linkWorkerSurvey
        expect(section.rounds).toEqual([closed])
        const html = yield* h.request("GET", `/evaluation/sodankyla/report.html?${query}&lang=fi`, {
          as: evaluator
        })
        expect(html.status).toBe(200)
        expect(html.text).toContain("<h2>Linkkihenkilöiden kysely</h2>")
        expect(html.text).toMatch(/<tr><td>Päihteet<\/td><td><span class="suppressed">/)

        for (const text of [view.text, report.text, html.text]) {
          for (let k = 0; k < 10; k++) expect(text).not.toContain(actor(k).id)
        }
      }).pipe(Effect.provide(Layer.fresh(harness(core()))))
    )
  })
}
