/**
 * The link workers' survey through its store, the coordinator's view and the
 * evaluation report (acceptance 4 of issue 18): only an active link worker
 * of the programme answers, the open round only, once; the coordinator and
 * the report (JSON and HTML, every language) show the aggregates of closed
 * rounds only, with small cells and their complements suppressed, so the
 * one link worker who answers differently from everyone else cannot be
 * singled out; a view taken before and after one answer is the same; no
 * link worker's id reaches the view or the report.
 */
import { describe, expect, it } from "@effect/vitest"
import {
  Actor,
  Evaluation,
  EvaluationHtml,
  EvaluationText,
  Instant,
  LinkWorkerRegistry,
  LinkWorkerSurveyAnswers,
  Mailer,
  Presets,
  Programme,
  LinkWorkerSurvey as S
} from "@lahete/core"
import { Fixtures, StaffMailAudit } from "@lahete/testing"
import { Effect, Layer, Result } from "effect"
import * as fc from "fast-check"

const survey = S.example
const programme: Programme.Programme = { ...Presets.sodankyla, linkWorkerSurvey: survey }
const at = (iso: string) => Instant.make(Date.parse(iso))
/** In the round 2026-07 (July–December 2026, Helsinki). */
const during = at("2026-08-15T09:00:00Z")
/** In the next round: 2026-07 has closed. */
const afterwards = at("2027-02-01T09:00:00Z")
const round = S.roundAt(survey, during, programme.timeZone)

const worker = (k: number) => Actor.make("LinkWorker", `lw-survey-${k}`, "sodankyla-ngo")
const workers = Array.from({ length: 12 }, (_, k) => Fixtures.linkWorker({ id: worker(k).id, active: k !== 11 }))
const answer = (work: number | null, training: number | null, needs: ReadonlyArray<string> | null): S.Answer => ({
  surveyId: survey.id,
  round: round.id,
  answers: { "work-meaningful": work, "training-sufficient": training, "training-needs": needs }
})

const services = Layer.mergeAll(LinkWorkerSurveyAnswers.layerMemory, LinkWorkerRegistry.layerMemory(workers))
const run = <A, E>(
  body: Effect.Effect<A, E, LinkWorkerSurveyAnswers.LinkWorkerSurveyAnswers | LinkWorkerRegistry.LinkWorkerRegistry>
) => Effect.provide(body, Layer.fresh(services))

const give = (k: number, a: S.Answer, now = during) =>
  LinkWorkerSurveyAnswers.answer({ actor: worker(k), programme, answer: a, now })

const failureTag = <A, E extends { readonly _tag: string }, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.result(effect), (r) =>
    Result.isFailure(r) ? `${r.failure._tag}${"reason" in r.failure ? `:${String(r.failure.reason)}` : ""}` : "ok"
  )

describe("answering the survey", () => {
  it.effect("an active link worker of the programme answers the open round once; everyone else is refused", () =>
    run(
      Effect.gen(function* () {
        expect(yield* failureTag(give(0, answer(4, 3, ["grief"])))).toBe("ok")
        expect(yield* failureTag(give(0, answer(1, 1, [])))).toBe("AlreadyAnswered")
        // inactive in the registry, unknown, another role, another programme
        expect(yield* failureTag(give(11, answer(4, 3, [])))).toBe("SurveyNotOpen:not-an-active-link-worker")
        expect(
          yield* failureTag(
            LinkWorkerSurveyAnswers.answer({
              actor: Actor.make("LinkWorker", "lw-unknown", "x"),
              programme,
              answer: answer(4, 3, []),
              now: during
            })
          )
        ).toBe("SurveyNotOpen:not-an-active-link-worker")
        expect(
          yield* failureTag(
            LinkWorkerSurveyAnswers.answer({
              actor: { ...Fixtures.coordinator, id: worker(1).id },
              programme,
              answer: answer(4, 3, []),
              now: during
            })
          )
        ).toBe("SurveyNotOpen:not-an-active-link-worker")
        expect(
          yield* failureTag(
            LinkWorkerSurveyAnswers.answer({
              actor: { ...worker(1), programmes: [Presets.kemijarvi.id] },
              programme,
              answer: answer(4, 3, []),
              now: during
            })
          )
        ).toBe("SurveyNotOpen:not-an-active-link-worker")
        // a closed round, an invalid answer, a programme without a survey
        expect(yield* failureTag(give(2, answer(4, 3, []), afterwards))).toBe("SurveyNotOpen:not-the-open-round")
        expect(yield* failureTag(give(2, answer(9, 3, [])))).toMatch(/^InvalidSurveyAnswer/)
        expect(
          yield* failureTag(
            LinkWorkerSurveyAnswers.answer({
              actor: worker(2),
              programme: Presets.sodankyla,
              answer: answer(4, 3, []),
              now: during
            })
          )
        ).toBe("SurveyNotOpen:no-survey")
        // only the first answer is stored, without its link worker
        const stored = yield* LinkWorkerSurveyAnswers.LinkWorkerSurveyAnswers.use((s) => s.answers(survey.id, round.id))
        expect(stored).toEqual([answer(4, 3, ["grief"])])
        expect(JSON.stringify(stored)).not.toContain("lw-survey")
      })
    )
  )
})

describe("the coordinator's view and the report: one link worker cannot be singled out", () => {
  /** Seven link workers who broadly agree, and one who needs training in substance use and rates their training 1. */
  const story = Effect.gen(function* () {
    for (let k = 0; k < 7; k++) {
      yield* give(k, answer(4 + (k % 2), 3 + (k % 2), ["loneliness", "grief"]))
    }
    yield* give(7, answer(2, 1, ["substance-use", "loneliness"]))
  })

  it.effect("the view shows nothing of the open round: it is the same before and after an answer", () =>
    run(
      Effect.gen(function* () {
        yield* story
        const before = yield* LinkWorkerSurveyAnswers.view({ programme, now: during })
        yield* give(8, answer(1, 1, ["mental-health"]))
        const after = yield* LinkWorkerSurveyAnswers.view({ programme, now: during })
        expect(after).toEqual(before)
        expect(after?.open).toEqual({ round: "2026-07", closesAt: round.closesAt })
        // the last closed round (January–June) had no answers: nothing is shown
        expect(after?.lastClosed.round).toBe("2026-01")
        expect(JSON.stringify(after)).not.toContain('"Value"')
      })
    )
  )

  it.effect("after the round: the view and the report (JSON, HTML) hide the one's answers", () =>
    run(
      Effect.gen(function* () {
        yield* story
        const view = yield* LinkWorkerSurveyAnswers.view({ programme, now: afterwards })
        if (view === undefined) throw new Error("a view expected")
        const base = Evaluation.report({
          programmeId: programme.id,
          period: { from: at("2026-06-30T21:00:00Z"), to: at("2026-12-31T22:00:00Z") },
          asOf: afterwards,
          histories: [],
          catalog: Presets.catalog
        })
        const report = yield* Evaluation.withLinkWorkerSurvey(base, programme)
        const fromReport = report.linkWorkerSurvey?.rounds
        expect(fromReport?.map((r) => r.round)).toEqual(["2026-07"])
        expect(fromReport?.[0]).toEqual(view.lastClosed)
        // the JSON form decodes again with the survey
        expect(Evaluation.toJson(report)).toContain('"linkWorkerSurvey"')

        const r = view.lastClosed
        expect(r.respondents).toEqual({ _tag: "Value", value: 8 })
        const item = (key: string) => r.items.find((i) => i.key === key)
        const needs = item("training-needs")
        const training = item("training-sufficient")
        const work = item("work-meaningful")
        if (needs?.kind !== "choices" || training?.kind !== "scale" || work?.kind !== "scale") throw new Error("items")
        // what only the one said is suppressed
        expect(needs.options.find((o) => o.key === "substance-use")?.count._tag).toBe("Suppressed")
        expect(training.values.find((v) => v.value === 1)?.count._tag).toBe("Suppressed")
        expect(work.values.find((v) => v.value === 2)?.count._tag).toBe("Suppressed")
        // and what all but none said: 8 of 8 named loneliness, which tells each one's answer
        expect(needs.options.find((o) => o.key === "loneliness")?.count).toEqual({
          _tag: "Suppressed",
          reason: "complement-below-minimum"
        })
        // every count shown leaves at least five others
        for (const i of r.items) {
          const counts = i.kind === "scale" ? i.values.map((v) => v.count) : i.options.map((o) => o.count)
          for (const c of counts) if (c._tag === "Value") expect(c.value).toBeLessThanOrEqual(8 - 5)
        }
        const json = Evaluation.toJson(report)
        expect(json).not.toContain("lw-survey")

        for (const language of EvaluationText.languages) {
          const html = EvaluationHtml.render(report, { language })
          const t = EvaluationText.texts[language]
          expect(html).toContain(`<h2>${t.surveyHeading.replace("'", "&#39;")}</h2>`)
          expect(html).not.toContain("lw-survey")
          // the substance-use row says suppressed, in the page's language
          const row = html.match(/<tr><td>(Päihteet|Substance use)<\/td><td>(.*?)<\/td><\/tr>/)
          expect(row?.[2]).toContain(t.suppressedSmall)
        }
        // no English survey text on a Finnish or Swedish page
        const en = EvaluationText.en
        const english = [
          en.surveyHeading,
          ...en.surveyText("\u0001").split("\u0001"),
          en.surveyRound("\u0001").split("\u0001")[0] as string,
          en.surveyRespondents("\u0001").split("\u0001")[0] as string,
          en.headSurveyAnswered,
          en.headSurveyMean,
          en.headSurveyCount,
          en.suppressedSmall
        ].map((x) => x.replace("'", "&#39;").trim())
        for (const language of ["fi", "sv"] as const) {
          const text = EvaluationHtml.render(report, { language })
            .replace(/<style>[\s\S]*?<\/style>/g, " ")
            .replace(/<[^>]+>/g, " ")
          const word = (x: string) =>
            new RegExp(`(^|[^\\p{L}])${x.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}($|[^\\p{L}])`, "u")
          expect(english.filter((x) => x.length > 0 && word(x).test(text))).toEqual([])
        }
        // a Finnish or Swedish page shows the items in Finnish where the survey has no Swedish: no English
        const sv = EvaluationHtml.render(report, { language: "sv" })
        expect(sv).toContain("Päihteet")
        expect(sv).not.toContain("Substance use")
        expect(sv).toContain(EvaluationText.sv.surveyRound("juli–december 2026"))
      })
    )
  )

  it.effect("a report without a survey, or with no closed round in its period, says so", () =>
    run(
      Effect.gen(function* () {
        const base = Evaluation.report({
          programmeId: programme.id,
          period: { from: at("2026-06-30T21:00:00Z"), to: at("2026-12-31T22:00:00Z") },
          asOf: during,
          histories: [],
          catalog: Presets.catalog
        })
        const without = yield* Evaluation.withLinkWorkerSurvey(base, Presets.sodankyla)
        expect(without.linkWorkerSurvey).toBeUndefined()
        // no section at all, not even an empty key: the report and its JSON are as they were
        expect(Object.keys(without)).toEqual(Object.keys(base))
        expect(Evaluation.toJson(without)).toBe(Evaluation.toJson(base))
        const open = yield* Evaluation.withLinkWorkerSurvey(base, programme)
        expect(open.linkWorkerSurvey).toEqual({ surveyId: survey.id, rounds: [] })
        expect(EvaluationHtml.render(open, { language: "fi" })).toContain(EvaluationText.fi.surveyNoRounds)
      })
    )
  )

  it("property: whatever eight to eleven link workers answer, every count the view shows rests on five and leaves five", () =>
    fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            fc.option(fc.integer({ min: 1, max: 5 }), { nil: null, freq: 5 }),
            fc.subarray(["mental-health", "substance-use", "loneliness", "grief", "service-system"])
          ),
          { minLength: 8, maxLength: 11 }
        ),
        async (rows) => {
          const view = await Effect.runPromise(
            run(
              Effect.gen(function* () {
                for (const [k, [w, needs]] of rows.entries()) yield* give(k, answer(w, w, needs))
                return yield* LinkWorkerSurveyAnswers.view({ programme, now: afterwards })
              })
            )
          )
          if (view === undefined) return false
          for (const i of view.lastClosed.items) {
            const given = rows.map(([w, needs]) => (i.key === "training-needs" ? needs : w)).filter((x) => x !== null)
            const counts =
              i.kind === "scale"
                ? i.values.map((v) => ({ c: v.count, n: given.filter((x) => x === v.value).length }))
                : i.options.map((o) => ({
                    c: o.count,
                    n: given.filter((x) => Array.isArray(x) && x.includes(o.key)).length
                  }))
            for (const { c, n } of counts) {
              if (c._tag === "Value") {
                expect(c.value).toBe(n)
                expect(n).toBeGreaterThanOrEqual(5)
                expect(given.length - n).toBeGreaterThanOrEqual(5)
              }
            }
          }
          return true
        }
      ),
      { numRuns: 60 }
    ))
})

describe("the programme's survey setting", () => {
  it("decodes with the programme", () => {
    expect(Result.isSuccess(Programme.decode(programme))).toBe(true)
  })
})

describe("inviting the link workers by email", () => {
  const addresses = Object.fromEntries(workers.map((w, k) => [w.id, `link.worker${k}@example.invalid`]))

  it.effect("each active link worker with an address who has not answered gets one invitation per round", () =>
    run(
      Effect.gen(function* () {
        const mailer = yield* Mailer.makeMemory
        const audited = StaffMailAudit.capture(mailer, "LinkWorkerSurveyAnswers.test.ts")
        const some = Object.fromEntries(Object.entries(addresses).filter(([id]) => id !== worker(0).id))
        yield* give(1, answer(4, 4, []))
        const invite = (now: Instant.Instant) =>
          LinkWorkerSurveyAnswers.invite({
            programme,
            now,
            addresses: some,
            url: "https://lahete.example.invalid/link-worker/survey",
            mailer: audited
          })
        // 12 link workers: one inactive (11), one without an address (0), one who has answered (1)
        expect(yield* invite(during)).toBe(9)
        // the next worker round of the same survey round sends nothing again
        expect(yield* invite(Instant.plusMillis(during, 86_400_000))).toBe(0)
        const sent = yield* mailer.sent
        expect(sent).toHaveLength(9)
        expect(sent.map((m) => m.to[0]).sort()).toEqual(
          [2, 3, 4, 5, 6, 7, 8, 9, 10].map((k) => `link.worker${k}@example.invalid`).sort()
        )
        // in the programme's language, with the round's last day and the link, and no personal data
        const first = sent[0]
        if (first === undefined) throw new Error("a mail")
        expect(first.subject).toBe("Linkkihenkilöiden kysely")
        expect(first.text).toContain("31.12.2026")
        expect(first.text).toContain("https://lahete.example.invalid/link-worker/survey")
        for (const m of sent) {
          expect(StaffMailAudit.inspect(m)).toEqual([])
          expect(`${m.id} ${m.subject} ${m.text}`).not.toMatch(/lw-survey|link\.worker/)
        }
        // a new round: invited again
        expect(yield* invite(afterwards)).toBe(10)
        // a programme without a survey invites no one
        expect(
          yield* LinkWorkerSurveyAnswers.invite({
            programme: Presets.sodankyla,
            now: during,
            addresses,
            url: "https://x.invalid",
            mailer
          })
        ).toBe(0)
      })
    )
  )

  it("the invitation in Swedish and English; a language without text is Finnish", () => {
    const options = { zone: programme.timeZone, url: "https://x.invalid/s" }
    expect(LinkWorkerSurveyAnswers.invitationMail(round, { ...options, language: "sv" }).text).toContain("31.12.2026")
    expect(LinkWorkerSurveyAnswers.invitationMail(round, { ...options, language: "en" }).subject).toBe(
      "The link workers' survey"
    )
    expect(LinkWorkerSurveyAnswers.invitationMail(round, { ...options, language: "se" }).subject).toBe(
      "Linkkihenkilöiden kysely"
    )
  })
})
