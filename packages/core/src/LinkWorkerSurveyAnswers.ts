/**
 * The `LinkWorkerSurveyAnswers` port: where the link workers' survey answers
 * (`LinkWorkerSurvey`) are kept, with an in-memory layer, and the two uses
 * of it: a link worker answers the open round (`answer`), the coordinator
 * and the evaluation read the aggregates (`view`).
 *
 * Anonymity by construction: an answer is stored with its survey and round
 * only, with no link worker, no time and no sequence; apart from it the
 * store keeps a per-round marker "this link worker has answered" (survey,
 * round, link worker, nothing else), which refuses a second answer. Both are
 * written in one transaction, and the answers are read back in an order
 * that says nothing about when they came (a random key), so neither the
 * markers nor the order tie an answer to a link worker. The coordinator
 * sees only `LinkWorkerSurvey.aggregate`'s figures of a closed round.
 *
 * @example
 * ```ts
 * import { LinkWorkerSurveyAnswers } from "@lahete/core"
 * import { Effect } from "effect"
 *
 * const view = LinkWorkerSurveyAnswers.view({ programme, now }).pipe(
 *   Effect.provide(LinkWorkerSurveyAnswers.layerMemory)
 * )
 * ```
 *
 * @since 0.3.0
 */
import { Context, Effect, Layer, Option, Result, Schema } from "effect"
import type * as Actor from "./Actor.js"
import type { ActorId } from "./Ids.js"
import * as Instant from "./Instant.js"
import * as LinkWorkerRegistry from "./LinkWorkerRegistry.js"
import * as LinkWorkerSurvey from "./LinkWorkerSurvey.js"
import type * as Programme from "./Programme.js"

/**
 * The store failed (connection, corrupt data). Nothing was written.
 * `detail` names the problem, never an answer.
 *
 * @since 0.3.0
 * @category errors
 */
export class SurveyAnswersFailure extends Schema.TaggedError<SurveyAnswersFailure>()("SurveyAnswersFailure", {
  operation: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `link-worker survey answers ${this.operation} failed: ${this.detail}`
  }
}

/**
 * The link worker has answered this round already; nothing was stored.
 *
 * @since 0.3.0
 * @category errors
 */
export class AlreadyAnswered extends Schema.TaggedError<AlreadyAnswered>()("AlreadyAnswered", {
  round: Schema.String
}) {
  override get message(): string {
    return `the survey round ${this.round} has been answered already`
  }
}

/**
 * The answer cannot be taken: the programme has no survey, the caller is
 * not an active link worker in the registry, or the round is not the one
 * open now. Nothing was stored.
 *
 * @since 0.3.0
 * @category errors
 */
export class SurveyNotOpen extends Schema.TaggedError<SurveyNotOpen>()("SurveyNotOpen", {
  reason: Schema.Literals(["no-survey", "not-an-active-link-worker", "not-the-open-round"])
}) {
  override get message(): string {
    return `the survey cannot be answered: ${this.reason}`
  }
}

/**
 * The store's operations.
 *
 * @since 0.3.0
 * @category models
 */
export interface Shape {
  /**
   * Stores the answer and marks `respondent` as having answered its round,
   * atomically: `true`; `false` (nothing stored) when the marker was there.
   * The stored answer carries no link worker.
   */
  readonly submit: (
    respondent: ActorId,
    answer: LinkWorkerSurvey.Answer
  ) => Effect.Effect<boolean, SurveyAnswersFailure>
  /** Whether `respondent` has answered the round. */
  readonly hasAnswered: (
    respondent: ActorId,
    surveyId: string,
    round: string
  ) => Effect.Effect<boolean, SurveyAnswersFailure>
  /** The round's answers, in an order unrelated to when they came. */
  readonly answers: (
    surveyId: string,
    round: string
  ) => Effect.Effect<ReadonlyArray<LinkWorkerSurvey.Answer>, SurveyAnswersFailure>
}

/**
 * The `LinkWorkerSurveyAnswers` service.
 *
 * @since 0.3.0
 * @category services
 */
export class LinkWorkerSurveyAnswers extends Context.Service<LinkWorkerSurveyAnswers, Shape>()(
  "@lahete/core/LinkWorkerSurveyAnswers"
) {}

const randomKey = (): string => globalThis.crypto.randomUUID()

/**
 * Builds an in-memory store.
 *
 * @since 0.3.0
 * @category constructors
 */
export const makeMemory = (): Shape => {
  const markers = new Set<string>()
  // by a random key, so the order says nothing about when an answer came
  const answers = new Map<string, Map<string, LinkWorkerSurvey.Answer>>()
  const roundKey = (surveyId: string, round: string) => `${surveyId}\u0000${round}`
  return {
    submit: (respondent, answer) =>
      Effect.sync(() => {
        const marker = `${roundKey(answer.surveyId, answer.round)}\u0000${respondent}`
        if (markers.has(marker)) return false
        markers.add(marker)
        const key = roundKey(answer.surveyId, answer.round)
        const round = answers.get(key) ?? new Map<string, LinkWorkerSurvey.Answer>()
        round.set(randomKey(), {
          surveyId: answer.surveyId,
          round: answer.round,
          answers: structuredClone(answer.answers)
        })
        answers.set(key, round)
        return true
      }),
    hasAnswered: (respondent, surveyId, round) =>
      Effect.sync(() => markers.has(`${roundKey(surveyId, round)}\u0000${respondent}`)),
    answers: (surveyId, round) =>
      Effect.sync(() => {
        const rows = answers.get(roundKey(surveyId, round))
        return rows === undefined ? [] : [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, a]) => a)
      })
  }
}

/**
 * An empty in-memory store.
 *
 * @since 0.3.0
 * @category layers
 */
export const layerMemory: Layer.Layer<LinkWorkerSurveyAnswers> = Layer.sync(LinkWorkerSurveyAnswers, makeMemory)

/**
 * A link worker answers the survey's round open at `now`: the caller must be
 * an active link worker in the registry, the answer's round the open one,
 * the answer valid for the survey (`LinkWorkerSurvey.checkAnswer`), and the
 * link worker must not have answered the round yet. The answer is stored
 * without the link worker.
 *
 * @since 0.3.0
 * @category use cases
 */
export const answer = (input: {
  readonly actor: Actor.Actor
  readonly programme: Programme.Programme
  readonly answer: LinkWorkerSurvey.Answer
  readonly now: Instant.Instant
}): Effect.Effect<
  void,
  | SurveyNotOpen
  | AlreadyAnswered
  | LinkWorkerSurvey.InvalidSurveyAnswer
  | SurveyAnswersFailure
  | LinkWorkerRegistry.LinkWorkerRegistryFailure,
  LinkWorkerSurveyAnswers | LinkWorkerRegistry.LinkWorkerRegistry
> =>
  Effect.gen(function* () {
    const survey = input.programme.linkWorkerSurvey
    if (survey === undefined) return yield* new SurveyNotOpen({ reason: "no-survey" })
    if (input.actor.role !== "LinkWorker") return yield* new SurveyNotOpen({ reason: "not-an-active-link-worker" })
    const registry = yield* LinkWorkerRegistry.LinkWorkerRegistry
    const worker = yield* registry.get(input.actor.id)
    if (Option.isNone(worker) || !worker.value.active) {
      return yield* new SurveyNotOpen({ reason: "not-an-active-link-worker" })
    }
    const open = LinkWorkerSurvey.roundAt(survey, input.now, input.programme.timeZone)
    if (input.answer.round !== open.id) return yield* new SurveyNotOpen({ reason: "not-the-open-round" })
    const checked = LinkWorkerSurvey.checkAnswer(survey, input.answer)
    if (Result.isFailure(checked)) return yield* checked.failure
    const store = yield* LinkWorkerSurveyAnswers
    const stored = yield* store.submit(input.actor.id, checked.success)
    if (!stored) return yield* new AlreadyAnswered({ round: open.id })
  })

/**
 * What the coordinator and the evaluation see of a programme's survey at
 * `now`: the round open now (when it closes; no figures) and the aggregates
 * of the last closed round (`LinkWorkerSurvey.aggregate`: small cells and
 * their complements suppressed). `undefined` when the programme has no
 * survey.
 *
 * @since 0.3.0
 * @category models
 */
export interface View {
  readonly surveyId: string
  readonly open: { readonly round: string; readonly closesAt: Instant.Instant }
  readonly lastClosed: LinkWorkerSurvey.Aggregate
}

/**
 * The coordinator's and the evaluation's view of the programme's survey
 * (see `View`); reads one round's answers.
 *
 * @since 0.3.0
 * @category views
 */
export const view = (input: {
  readonly programme: Programme.Programme
  readonly now: Instant.Instant
  readonly minimumCell?: number
}): Effect.Effect<View | undefined, SurveyAnswersFailure, LinkWorkerSurveyAnswers> =>
  Effect.gen(function* () {
    const survey = input.programme.linkWorkerSurvey
    if (survey === undefined) return undefined
    const zone = input.programme.timeZone
    const open = LinkWorkerSurvey.roundAt(survey, input.now, zone)
    // the round before the open one: it starts in the month before this one opened
    const last = LinkWorkerSurvey.roundAt(survey, Instant.plusMillis(open.opensAt, -1), zone)
    const store = yield* LinkWorkerSurveyAnswers
    const answers = yield* store.answers(survey.id, last.id)
    return {
      surveyId: survey.id,
      open: { round: open.id, closesAt: open.closesAt },
      lastClosed: LinkWorkerSurvey.aggregate(survey, last, answers, {
        now: input.now,
        ...(input.minimumCell === undefined ? {} : { minimumCell: input.minimumCell })
      })
    }
  })
