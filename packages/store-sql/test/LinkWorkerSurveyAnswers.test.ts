/**
 * The SQL survey answers: the conformance suite of `@lahete/testing` on
 * SQLite and PostgreSQL (each test on a new database file or schema), and
 * what the tables hold: no link worker beside an answer.
 */
import { describe, expect, it } from "@effect/vitest"
import { Ids, LinkWorkerSurveyAnswers } from "@lahete/core"
import { SqlLinkWorkerSurveyAnswers } from "@lahete/store-sql"
import { LinkWorkerSurveyAnswersTest } from "@lahete/testing"
import { Effect, Layer, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { databases } from "./support/layers.js"

for (const database of databases()) {
  LinkWorkerSurveyAnswersTest.suite(
    database.name,
    SqlLinkWorkerSurveyAnswers.layer.pipe(Layer.provide(database.client))
  )

  describe(`SqlLinkWorkerSurveyAnswers on ${database.name}`, () => {
    it.effect("the answers' table has no column that could name or order a link worker", () =>
      Effect.gen(function* () {
        const store = yield* LinkWorkerSurveyAnswers.LinkWorkerSurveyAnswers
        const lw = Schema.decodeSync(Ids.ActorId)("lw-anonymous-7")
        yield* store.submit(lw, { surveyId: "s", round: "2026-07", answers: { a: 3 } })
        const sql = yield* SqlClient.SqlClient
        const rows = yield* sql`SELECT * FROM link_worker_survey_answers`
        expect(Object.keys(rows[0] ?? {}).sort()).toEqual(["answer_key", "answers", "round", "survey_id"])
        expect(JSON.stringify(rows)).not.toContain("lw-anonymous-7")
        const markers = yield* sql`SELECT * FROM link_worker_survey_respondents`
        expect(Object.keys(markers[0] ?? {}).sort()).toEqual(["link_worker_id", "round", "survey_id"])
      }).pipe(Effect.provide(Layer.provideMerge(SqlLinkWorkerSurveyAnswers.layer, Layer.fresh(database.client))))
    )
  })
}
