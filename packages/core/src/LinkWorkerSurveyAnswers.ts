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
import * as EvaluationText from "./EvaluationText.js"
import type { ActorId } from "./Ids.js"
import * as Instant from "./Instant.js"
import { InstantSchema } from "./Instant.js"
import * as LinkWorkerRegistry from "./LinkWorkerRegistry.js"
import * as LinkWorkerSurvey from "./LinkWorkerSurvey.js"
import * as LocalTime from "./LocalTime.js"
import type * as Mailer from "./Mailer.js"
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
  /**
   * Records that `respondent` has been invited to answer the round: `true`
   * the first time, `false` after that (one invitation per round, also
   * among workers racing).
   */
  readonly claimInvitation: (
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
  const invitations = new Set<string>()
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
    claimInvitation: (respondent, surveyId, round) =>
      Effect.sync(() => {
        const key = `${roundKey(surveyId, round)}\u0000${respondent}`
        if (invitations.has(key)) return false
        invitations.add(key)
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
 * an active link worker in the registry who works for the programme, the answer's round the open one,
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
    const outside = input.actor.programmes !== undefined && !input.actor.programmes.includes(input.programme.id)
    if (input.actor.role !== "LinkWorker" || outside) {
      return yield* new SurveyNotOpen({ reason: "not-an-active-link-worker" })
    }
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

const SurveyCell = Schema.Union([
  Schema.TaggedStruct("Value", { value: Schema.Finite }),
  Schema.TaggedStruct("Suppressed", {
    reason: Schema.Literals(["fewer-than-minimum", "complement-below-minimum", "no-variation"])
  })
])

/**
 * The aggregates of one closed round with the survey's texts, for the
 * coordinator and the evaluation report (`LinkWorkerSurvey.aggregate`'s
 * figures: nothing from fewer than the minimum, a count only when its
 * complement reaches it too, a mean only from answers that vary).
 *
 * @since 0.3.0
 * @category schemas
 */
export const ClosedRound = Schema.Struct({
  round: Schema.String,
  opensAt: InstantSchema,
  closesAt: InstantSchema,
  minimumCell: Schema.Int,
  respondents: SurveyCell,
  items: Schema.Array(
    Schema.Union([
      Schema.Struct({
        kind: Schema.Literal("scale"),
        key: Schema.String,
        text: LinkWorkerSurvey.Texts,
        answered: SurveyCell,
        mean: SurveyCell,
        values: Schema.Array(Schema.Struct({ value: Schema.Int, count: SurveyCell }))
      }),
      Schema.Struct({
        kind: Schema.Literal("choices"),
        key: Schema.String,
        text: LinkWorkerSurvey.Texts,
        answered: SurveyCell,
        options: Schema.Array(Schema.Struct({ key: Schema.String, text: LinkWorkerSurvey.Texts, count: SurveyCell }))
      })
    ])
  )
})
/**
 * @since 0.3.0
 * @category models
 */
export type ClosedRound = typeof ClosedRound.Type

/**
 * What the coordinator sees of a programme's survey: the round open now
 * (when it closes; no figures while it is open) and the last closed round.
 *
 * @since 0.3.0
 * @category schemas
 */
export const View = Schema.Struct({
  surveyId: Schema.String,
  open: Schema.Struct({ round: Schema.String, closesAt: InstantSchema }),
  lastClosed: ClosedRound
})
/**
 * @since 0.3.0
 * @category models
 */
export type View = typeof View.Type

/**
 * The survey's rounds in the evaluation report: each round that overlaps
 * the report's period and had closed by its `asOf`.
 *
 * @since 0.3.0
 * @category schemas
 */
export const ReportSection = Schema.Struct({
  surveyId: Schema.String,
  rounds: Schema.Array(ClosedRound)
})
/**
 * @since 0.3.0
 * @category models
 */
export type ReportSection = typeof ReportSection.Type

/**
 * A round's aggregates with the survey's texts (see `ClosedRound`); `now`
 * must be at or after the round's close.
 *
 * @since 0.3.0
 * @category constructors
 */
export const closedRound = (
  survey: LinkWorkerSurvey.Survey,
  round: LinkWorkerSurvey.Round,
  answers: ReadonlyArray<LinkWorkerSurvey.Answer>,
  options: { readonly now: Instant.Instant; readonly minimumCell?: number }
): ClosedRound => {
  // biome-ignore lint/complexity/useMathMinMax: instants are ISO strings, compared as text
  const now = options.now < round.closesAt ? round.closesAt : options.now
  const a = LinkWorkerSurvey.aggregate(survey, round, answers, { ...options, now })
  if (a._tag !== "Closed") throw new Error("unreachable: the round is closed")
  return {
    round: round.id,
    opensAt: round.opensAt,
    closesAt: round.closesAt,
    minimumCell: a.minimumCell,
    respondents: a.respondents,
    items: a.items.map((item, k) => {
      const def = survey.items[k] as LinkWorkerSurvey.Survey["items"][number]
      if (item.kind === "scale") return { ...item, text: def.text }
      const options = def.kind === "choices" ? def.options : []
      return {
        ...item,
        text: def.text,
        options: item.options.map((o, j) => ({
          ...o,
          text: (options[j] as { text: LinkWorkerSurvey.Survey["items"][number]["text"] }).text
        }))
      }
    })
  }
}

/**
 * The coordinator's view of the programme's survey at `now` (see `View`):
 * reads the last closed round's answers only. `undefined` when the
 * programme has no survey.
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
    // the round before the open one ends the instant it opened
    const last = LinkWorkerSurvey.roundAt(survey, Instant.plusMillis(open.opensAt, -1), zone)
    const store = yield* LinkWorkerSurveyAnswers
    const answers = yield* store.answers(survey.id, last.id)
    return {
      surveyId: survey.id,
      open: { round: open.id, closesAt: open.closesAt },
      lastClosed: closedRound(survey, last, answers, {
        now: input.now,
        ...(input.minimumCell === undefined ? {} : { minimumCell: input.minimumCell })
      })
    }
  })

/**
 * At most this many rounds in one report (two years of monthly rounds).
 *
 * @since 0.3.0
 * @category constants
 */
export const maxReportRounds = 24

/**
 * The evaluation report's section (see `ReportSection`): the rounds that
 * overlap `period` and had closed by `asOf`, latest `maxReportRounds` at
 * most, each read by its round. `undefined` when the programme has no
 * survey.
 *
 * @since 0.3.0
 * @category views
 */
export const reportSection = (input: {
  readonly programme: Programme.Programme
  readonly period: { readonly from: Instant.Instant; readonly to: Instant.Instant }
  readonly asOf: Instant.Instant
  readonly minimumCell?: number
}): Effect.Effect<ReportSection | undefined, SurveyAnswersFailure, LinkWorkerSurveyAnswers> =>
  Effect.gen(function* () {
    const survey = input.programme.linkWorkerSurvey
    if (survey === undefined) return undefined
    const zone = input.programme.timeZone
    const rounds: Array<LinkWorkerSurvey.Round> = []
    // from the round of the period's last instant backwards
    let round = LinkWorkerSurvey.roundAt(survey, Instant.plusMillis(input.period.to, -1), zone)
    while (round.closesAt > input.period.from && rounds.length < maxReportRounds) {
      if (round.closesAt <= input.asOf) rounds.unshift(round)
      round = LinkWorkerSurvey.roundAt(survey, Instant.plusMillis(round.opensAt, -1), zone)
    }
    const store = yield* LinkWorkerSurveyAnswers
    const out: Array<ClosedRound> = []
    for (const r of rounds) {
      const answers = yield* store.answers(survey.id, r.id)
      out.push(
        closedRound(survey, r, answers, {
          now: input.asOf,
          ...(input.minimumCell === undefined ? {} : { minimumCell: input.minimumCell })
        })
      )
    }
    return { surveyId: survey.id, rounds: out }
  })

const invitationTexts = {
  fi: {
    subject: "Linkkihenkilöiden kysely",
    text: (closes: string, url: string) =>
      `Hei,\n\nlinkkihenkilöiden kysely on avoinna ${closes} asti. Vastaukset ovat nimettömiä: ` +
      `koordinaattori näkee vain yhteenvedon, kun kierros on päättynyt.\n\nVastaa kyselyyn: ${url}\n`
  },
  sv: {
    subject: "Länkpersonernas enkät",
    text: (closes: string, url: string) =>
      `Hej,\n\nlänkpersonernas enkät är öppen till och med ${closes}. Svaren är anonyma: ` +
      `koordinatorn ser bara en sammanställning när omgången har avslutats.\n\nSvara på enkäten: ${url}\n`
  },
  en: {
    subject: "The link workers' survey",
    text: (closes: string, url: string) =>
      `Hello,\n\nthe link workers' survey is open until ${closes}. The answers are anonymous: ` +
      `the coordinator sees only a summary once the round has closed.\n\nAnswer the survey: ${url}\n`
  }
} as const

/**
 * The invitation email of a survey round, in `language` (Finnish for a
 * language it has no text in): the last day of the round and the form's
 * address, nothing else (no name, no client data).
 *
 * @since 0.3.0
 * @category rendering
 */
export const invitationMail = (
  round: LinkWorkerSurvey.Round,
  options: { readonly zone: string; readonly language: string; readonly url: string }
): { readonly subject: string; readonly text: string } => {
  const language = EvaluationText.isLanguage(options.language) ? options.language : "fi"
  const lastDay = LocalTime.localDateOf(Instant.plusMillis(round.closesAt, -1), options.zone)
  const t = invitationTexts[language]
  return { subject: t.subject, text: t.text(EvaluationText.formatDate(lastDay, language), options.url) }
}

/**
 * Invites the programme's active link workers to answer the round open at
 * `now`, by email through `mailer`: each one with an address in
 * `addresses` (by link worker id; the deployment's configuration) who has
 * not answered the round and has not been invited to it yet
 * (`claimInvitation`, before the send: at most one invitation per link
 * worker and round, so a send that fails is not tried again in that round;
 * its `MailSendError` ends the call). Reads the registry and two markers per
 * link worker, never a referral. Returns how many were sent.
 *
 * @since 0.3.0
 * @category use cases
 */
export const invite = (input: {
  readonly programme: Programme.Programme
  readonly now: Instant.Instant
  readonly addresses: Readonly<Record<string, string>>
  /** The survey form's address, e.g. the embedding system's page over `POST /link-worker/survey`. */
  readonly url: string
  readonly mailer: Mailer.Shape
}): Effect.Effect<
  number,
  SurveyAnswersFailure | LinkWorkerRegistry.LinkWorkerRegistryFailure | Mailer.MailSendError,
  LinkWorkerSurveyAnswers | LinkWorkerRegistry.LinkWorkerRegistry
> =>
  Effect.gen(function* () {
    const survey = input.programme.linkWorkerSurvey
    if (survey === undefined) return 0
    const round = LinkWorkerSurvey.roundAt(survey, input.now, input.programme.timeZone)
    const store = yield* LinkWorkerSurveyAnswers
    const registry = yield* LinkWorkerRegistry.LinkWorkerRegistry
    const mail = invitationMail(round, {
      zone: input.programme.timeZone,
      language: input.programme.languages[0] ?? "fi",
      url: input.url
    })
    let sent = 0
    for (const worker of yield* registry.list()) {
      const to = input.addresses[worker.id]
      if (!worker.active || to === undefined) continue
      if (yield* store.hasAnswered(worker.id, survey.id, round.id)) continue
      if (!(yield* store.claimInvitation(worker.id, survey.id, round.id))) continue
      yield* input.mailer.send({
        id: `link-worker-survey-invitation:${globalThis.crypto.randomUUID()}`,
        to: [to],
        ...mail
      })
      sent++
    }
    return sent
  })
