/**
 * The conformance suite for `LinkWorkerSurveyAnswers` layers. Every adapter
 * runs it (the in-memory store in `@lahete/core`, the SQL store on SQLite
 * and PostgreSQL):
 *
 * ```ts
 * import { LinkWorkerSurveyAnswers } from "@lahete/core"
 * import { LinkWorkerSurveyAnswersTest } from "@lahete/testing"
 *
 * LinkWorkerSurveyAnswersTest.suite("memory", LinkWorkerSurveyAnswers.layerMemory)
 * ```
 *
 * The suite builds the layer afresh for every test (`Layer.fresh`), so
 * building it must give an empty store.
 *
 * Covered: an answer round-trips (scale numbers, chosen options, `null`s,
 * awkward keys) under its survey and round only; a link worker answers a
 * round once (a second answer is refused and stores nothing), also among
 * concurrent submits; an invitation is claimed once per link worker and
 * round, also among concurrent claims; another round or survey is separate; the markers
 * know who answered; the answers read back carry no link worker and come in
 * an order unrelated to when they came (not the order of submission).
 *
 * @since 0.3.0
 */
import { describe, expect, it } from "@effect/vitest"
import { Ids, type LinkWorkerSurvey, LinkWorkerSurveyAnswers } from "@lahete/core"
import { Effect, Layer, Schema } from "effect"

const actorId = (s: string): Ids.ActorId => Schema.decodeSync(Ids.ActorId)(s)

const answer = (round: string, work: number | null, needs: ReadonlyArray<string> | null): LinkWorkerSurvey.Answer => ({
  surveyId: "link-worker-survey",
  round,
  answers: { "work-meaningful": work, "training-needs": needs }
})

/**
 * Runs the conformance suite against `layer` (built afresh per test).
 *
 * @since 0.3.0
 * @category suites
 */
export const suite = <E>(name: string, layer: Layer.Layer<LinkWorkerSurveyAnswers.LinkWorkerSurveyAnswers, E>) => {
  const run = <A, E2>(
    body: Effect.Effect<A, E2, LinkWorkerSurveyAnswers.LinkWorkerSurveyAnswers>
  ): Effect.Effect<A, E | E2> => Effect.provide(body, Layer.fresh(layer))
  const store = LinkWorkerSurveyAnswers.LinkWorkerSurveyAnswers

  describe(`LinkWorkerSurveyAnswers conformance: ${name}`, () => {
    it.effect("an answer round-trips under its survey and round, with no link worker", () =>
      run(
        Effect.gen(function* () {
          const s = yield* store
          expect(yield* s.answers("link-worker-survey", "2026-07")).toEqual([])
          const a = answer("2026-07", 4, ["grief", "mental-health"])
          expect(yield* s.submit(actorId("lw-1"), a)).toBe(true)
          const odd: LinkWorkerSurvey.Answer = {
            surveyId: "link-worker-survey",
            round: "2026-07",
            answers: { "work-meaningful": null, "training-needs": [], "x-'; drop table--": 0 }
          }
          expect(yield* s.submit(actorId("lw-2"), odd)).toBe(true)
          const back = yield* s.answers("link-worker-survey", "2026-07")
          expect(back).toHaveLength(2)
          expect(back).toEqual(expect.arrayContaining([a, odd]))
          for (const row of back) expect(Object.keys(row).sort()).toEqual(["answers", "round", "surveyId"])
          expect(JSON.stringify(back)).not.toContain("lw-")
        })
      )
    )

    it.effect("a link worker answers a round once; another round and another survey are separate", () =>
      run(
        Effect.gen(function* () {
          const s = yield* store
          const lw = actorId("lw-once")
          expect(yield* s.hasAnswered(lw, "link-worker-survey", "2026-07")).toBe(false)
          expect(yield* s.submit(lw, answer("2026-07", 5, null))).toBe(true)
          expect(yield* s.hasAnswered(lw, "link-worker-survey", "2026-07")).toBe(true)
          expect(yield* s.hasAnswered(actorId("lw-other"), "link-worker-survey", "2026-07")).toBe(false)
          expect(yield* s.submit(lw, answer("2026-07", 1, ["grief"]))).toBe(false)
          expect(yield* s.answers("link-worker-survey", "2026-07")).toEqual([answer("2026-07", 5, null)])
          expect(yield* s.submit(lw, answer("2027-01", 2, null))).toBe(true)
          expect(yield* s.submit(lw, { ...answer("2026-07", 3, null), surveyId: "other-survey" })).toBe(true)
          expect(yield* s.answers("link-worker-survey", "2027-01")).toEqual([answer("2027-01", 2, null)])
          expect(yield* s.answers("other-survey", "2026-07")).toHaveLength(1)
          expect(yield* s.answers("link-worker-survey", "2026-07")).toHaveLength(1)
        })
      )
    )

    it.live("an invitation is claimed once per link worker and round, also among concurrent claims", () =>
      run(
        Effect.gen(function* () {
          const s = yield* store
          const lw = actorId("lw-invited")
          const racing = yield* Effect.all(
            Array.from({ length: 6 }, () => s.claimInvitation(lw, "link-worker-survey", "2026-07")),
            { concurrency: "unbounded" }
          )
          expect(racing.filter((first) => first)).toHaveLength(1)
          expect(yield* s.claimInvitation(lw, "link-worker-survey", "2027-01")).toBe(true)
          expect(yield* s.claimInvitation(actorId("lw-other"), "link-worker-survey", "2026-07")).toBe(true)
          // an invitation is not an answer
          expect(yield* s.hasAnswered(lw, "link-worker-survey", "2026-07")).toBe(false)
        })
      )
    )

    it.live("concurrent submits of one link worker store one answer", () =>
      run(
        Effect.gen(function* () {
          const s = yield* store
          const lw = actorId("lw-racing")
          const results = yield* Effect.all(
            Array.from({ length: 8 }, (_, k) => s.submit(lw, answer("2026-07", 1 + (k % 5), null))),
            { concurrency: "unbounded" }
          )
          expect(results.filter((stored) => stored)).toHaveLength(1)
          expect(yield* s.answers("link-worker-survey", "2026-07")).toHaveLength(1)
        })
      )
    )

    it.effect("the order read back is not the order of submission", () =>
      run(
        Effect.gen(function* () {
          const s = yield* store
          // 40 answers told apart by their value; the chance that a random order is the submitted one is nil
          for (let k = 0; k < 40; k++) yield* s.submit(actorId(`lw-order-${k}`), answer("2026-07", k, null))
          const back = (yield* s.answers("link-worker-survey", "2026-07")).map((a) => a.answers["work-meaningful"])
          expect([...back].sort((x, y) => Number(x) - Number(y))).toEqual(Array.from({ length: 40 }, (_, k) => k))
          expect(back).not.toEqual(Array.from({ length: 40 }, (_, k) => k))
          expect(back).not.toEqual(Array.from({ length: 40 }, (_, k) => 39 - k))
        })
      )
    )
  })
}
