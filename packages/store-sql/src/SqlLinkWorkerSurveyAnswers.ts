/**
 * The link workers' survey answers (`LinkWorkerSurveyAnswers` of
 * `@lahete/core`) in the database: table `link_worker_survey_answers` holds
 * each answer with its survey and round only (a random key; no link worker,
 * no time, no sequence) and `link_worker_survey_respondents` who has
 * answered a round (survey, round, link worker), and
 * `link_worker_survey_invitations` who has been invited to one. A submit inserts the
 * marker (`ON CONFLICT DO NOTHING`: the primary key decides between racing
 * requests) and, only when it was new, the answer, in one transaction.
 * Answers are read by the index on (survey, round) in the order of their
 * random key.
 *
 * @example
 * ```ts
 * import { SqlLinkWorkerSurveyAnswers } from "@lahete/store-sql"
 *
 * // with a SqlClient in the context; runs the migrations when built
 * const answers = SqlLinkWorkerSurveyAnswers.layer
 * ```
 *
 * @since 0.3.0
 */
import { LinkWorkerSurveyAnswers } from "@lahete/core"
import { Effect, Layer, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import { json } from "./internal/sql.js"
import * as Migrations from "./Migrations.js"

const Answers = Schema.fromJsonString(
  Schema.Record(Schema.String, Schema.NullOr(Schema.Union([Schema.Number, Schema.Array(Schema.String)])))
)

const failure = (operation: string) => (e: SqlError | Schema.SchemaError) =>
  new LinkWorkerSurveyAnswers.SurveyAnswersFailure({
    operation,
    detail:
      e._tag === "SchemaError"
        ? "unexpected row shape in link_worker_survey_answers"
        : `database error (${e.reason._tag})`
  })

/**
 * Builds the store over the `SqlClient` in the context (runs the migrations
 * first).
 *
 * @since 0.3.0
 * @category constructors
 */
export const make: Effect.Effect<
  LinkWorkerSurveyAnswers.Shape,
  LinkWorkerSurveyAnswers.SurveyAnswersFailure,
  SqlClient.SqlClient
> = Effect.gen(function* () {
  const sql = (yield* SqlClient.SqlClient).withoutTransforms()
  yield* Effect.mapError(
    Migrations.run,
    (e) =>
      new LinkWorkerSurveyAnswers.SurveyAnswersFailure({
        operation: "migrate",
        detail: e._tag === "MigrationError" ? `migration failed (${e.kind})` : `database error (${e.reason._tag})`
      })
  )
  const { toJson, asText } = json(sql)
  const encode = Schema.encodeEffect(Answers)
  const decode = Schema.decodeUnknownEffect(Answers)

  const submit: LinkWorkerSurveyAnswers.Shape["submit"] = (respondent, answer) =>
    sql
      .withTransaction(
        Effect.gen(function* () {
          const marked = yield* sql`INSERT INTO link_worker_survey_respondents (survey_id, round, link_worker_id)
            VALUES (${answer.surveyId}, ${answer.round}, ${respondent})
            ON CONFLICT (survey_id, round, link_worker_id) DO NOTHING RETURNING link_worker_id`
          if (marked.length !== 1) return false
          const text = yield* encode(answer.answers)
          yield* sql`INSERT INTO link_worker_survey_answers (answer_key, survey_id, round, answers)
            VALUES (${globalThis.crypto.randomUUID()}, ${answer.surveyId}, ${answer.round}, ${text}${toJson})`
          return true
        })
      )
      .pipe(Effect.mapError(failure("submit")))

  const claimInvitation: LinkWorkerSurveyAnswers.Shape["claimInvitation"] = (respondent, surveyId, round) =>
    sql`INSERT INTO link_worker_survey_invitations (survey_id, round, link_worker_id)
      VALUES (${surveyId}, ${round}, ${respondent})
      ON CONFLICT (survey_id, round, link_worker_id) DO NOTHING RETURNING link_worker_id`.pipe(
      Effect.map((rows) => rows.length === 1),
      Effect.mapError(failure("claimInvitation"))
    )

  const hasAnswered: LinkWorkerSurveyAnswers.Shape["hasAnswered"] = (respondent, surveyId, round) =>
    sql`SELECT 1 AS one FROM link_worker_survey_respondents
      WHERE survey_id = ${surveyId} AND round = ${round} AND link_worker_id = ${respondent}`.pipe(
      Effect.map((rows) => rows.length > 0),
      Effect.mapError(failure("hasAnswered"))
    )

  const answers: LinkWorkerSurveyAnswers.Shape["answers"] = (surveyId, round) =>
    sql<{ readonly answers: string }>`SELECT answers${asText} AS answers FROM link_worker_survey_answers
      WHERE survey_id = ${surveyId} AND round = ${round} ORDER BY answer_key`.pipe(
      Effect.flatMap((rows) =>
        Effect.forEach(rows, (row) => Effect.map(decode(row.answers), (a) => ({ surveyId, round, answers: a })))
      ),
      Effect.mapError(failure("answers"))
    )

  return { submit, claimInvitation, hasAnswered, answers }
})

/**
 * The store over the `SqlClient` in the context (runs the migrations when
 * built).
 *
 * @since 0.3.0
 * @category layers
 */
export const layer: Layer.Layer<
  LinkWorkerSurveyAnswers.LinkWorkerSurveyAnswers,
  LinkWorkerSurveyAnswers.SurveyAnswersFailure,
  SqlClient.SqlClient
> = Layer.effect(LinkWorkerSurveyAnswers.LinkWorkerSurveyAnswers, make)
