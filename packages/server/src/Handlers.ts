/**
 * The implementation of every endpoint of `Api`: commands through
 * `ReferralService` (the actor from the token, `at` from the clock, the
 * idempotency key from the header, scoped to the caller), views through
 * `ReferralQueries` (need-to-know, usage and disclosure logs), the registry
 * through `LinkWorkerRegistry`, the evaluation report through `Evaluation`
 * over the store's event histories, readiness by asking the store.
 *
 * @since 0.1.0
 */
import {
  type Actor,
  AuditLog,
  Deadlines,
  DirectoryStore,
  Evaluation,
  EvaluationHtml,
  Hsds,
  Ids,
  Instant,
  type Lifecycle,
  LinkWorkerRegistry,
  LinkWorkerSurvey,
  LinkWorkerSurveyAnswers,
  type Programme,
  Referral,
  type ReferralCommand,
  ReferralIndex,
  ReferralQueries,
  ReferralService,
  ReferralStore
} from "@lahete/core"
import { Clock, Effect, Layer, Option } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { api } from "./Api.js"
import * as ApiError from "./ApiError.js"
import { CurrentActor } from "./Auth.js"
import * as Body from "./internal/body.js"
import * as Guard from "./internal/guard.js"
import * as Idempotency from "./internal/idempotency.js"
import * as Requests from "./Requests.js"
import type * as Responses from "./Responses.js"

/**
 * The core services the handlers need.
 *
 * @since 0.1.0
 * @category models
 */
export type Requirements =
  | ReferralService.ReferralService
  | ReferralStore.ReferralStore
  | ReferralIndex.ReferralIndex
  | AuditLog.AuditLog
  | LinkWorkerRegistry.LinkWorkerRegistry
  | ReferralService.ProgrammeCatalog
  | DirectoryStore.DirectoryStore

const now = Effect.map(Clock.currentTimeMillis, (ms) => Instant.make(ms))

/** Logs a failed backing service (its tag and operation only) before answering 503. */
const logUnavailable = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.tapError(effect, (error) =>
    error instanceof ApiError.ServiceUnavailable
      ? Effect.annotateLogs(Effect.logError("backing service failed"), { failure: error.failure })
      : Effect.void
  )

const toResult = (executed: ReferralService.Executed, subjectId?: Ids.SubjectId): Responses.CommandResult => ({
  referralId: executed.referralId,
  ...(subjectId === undefined ? {} : { subjectId }),
  version: executed.version,
  status: executed.state.status,
  events: executed.events.map((e) => e._tag),
  replayed: executed.replayed
})

// ---------------------------------------------------------------------------
// commands
// ---------------------------------------------------------------------------

/**
 * Whether a submission failed because its referral id is already in use: the
 * decider refuses someone else's referral (`not-own-referral`) and the
 * lifecycle the caller's own (a submitted referral does not accept
 * `SubmitReferral`).
 */
const isTaken = (error: unknown): boolean =>
  (error instanceof ApiError.Forbidden && error.reason === "not-own-referral") ||
  (error instanceof ApiError.Conflict && error.reason === "transition-not-allowed" && error.state !== "Initial")

const referrals = HttpApiBuilder.group(api, "referrals", (handlers) =>
  Effect.gen(function* () {
    const service = yield* ReferralService.ReferralService
    const audit = yield* AuditLog.AuditLog

    /**
     * The answer to the service's error; a command on a referral that does not
     * exist is answered as `Guard.unknownReferral` says (403 as for someone
     * else's referral, unless the caller may act on any referral).
     */
    const failWith =
      (actor: Actor.Actor, action: string, referralId: Ids.ReferralId) =>
      (error: ReferralService.ReferralServiceError) =>
        error._tag === "TransitionNotAllowed" && error.state === "Initial" && error.command !== "SubmitReferral"
          ? Guard.unknownReferral(audit, actor, action, referralId)
          : Effect.fail(ApiError.fromServiceError(error, referralId))

    /** Runs a command the body completes: decodes it (again) as the core's command. */
    const execute = (
      tag: ReferralCommand.Tag,
      referralId: Ids.ReferralId,
      key: string,
      fields: object,
      subjectId?: Ids.SubjectId
    ) =>
      logUnavailable(
        Effect.gen(function* () {
          const actor = yield* CurrentActor
          const at = yield* now
          const idempotencyKey = yield* Idempotency.scopedKey(actor, key)
          const executed = yield* service
            .executeUnknown({ ...fields, _tag: tag, referralId, idempotencyKey, actor, at })
            .pipe(Effect.catch(failWith(actor, tag, referralId)))
          return toResult(executed, subjectId)
        })
      )

    const command =
      <S extends Parameters<typeof Body.read>[1]>(tag: ReferralCommand.Tag, schema: S) =>
      ({
        params,
        headers,
        request
      }: {
        readonly params: { readonly referralId: Ids.ReferralId }
        readonly headers: { readonly "idempotency-key": string }
        readonly request: Parameters<typeof Body.read>[0]
      }) =>
        Effect.gen(function* () {
          // the role before the body: a caller who may not issue the command is refused (and logged) whatever they sent
          const actor = yield* CurrentActor
          yield* logUnavailable(Guard.requireRole(audit, actor, Referral.allowedRoles[tag], tag, params.referralId))
          const body = yield* Body.read(request, schema)
          return yield* execute(tag, params.referralId, headers["idempotency-key"], body as object)
        })

    return handlers
      .handleRaw("submit", ({ headers, request }) =>
        Effect.gen(function* () {
          const actor = yield* CurrentActor
          yield* logUnavailable(Guard.requireRole(audit, actor, Referral.allowedRoles.SubmitReferral, "SubmitReferral"))
          const body = yield* Body.read(request, Requests.SubmitReferral)
          const key = headers["idempotency-key"]
          const derived = yield* Idempotency.submissionIds(actor, key)
          const referralId = body.referralId ?? derived.referralId
          const subjectId = body.subjectId ?? derived.subjectId
          const submitted = execute("SubmitReferral", referralId, key, { ...body, subjectId }, subjectId)
          // a referral id the caller chose that is already in use: one answer whoever holds it
          // (another organisation's 403 and the caller's own 409 with its state would tell them apart)
          return yield* body.referralId === undefined
            ? submitted
            : Effect.catch(submitted, (error) =>
                isTaken(error)
                  ? Effect.fail(
                      new ApiError.Conflict({
                        message: "the referral id is already in use; submit under another id",
                        reason: "referral-id-taken"
                      })
                    )
                  : Effect.fail(error)
              )
        })
      )
      .handleRaw("assign", ({ params, headers, request }) =>
        logUnavailable(
          Effect.gen(function* () {
            const actor = yield* CurrentActor
            // the service looks the link worker up before the decider checks the role:
            // refuse other roles first, so they cannot probe the registry
            yield* Guard.requireRole(
              audit,
              actor,
              Referral.allowedRoles.AssignLinkWorker,
              "AssignLinkWorker",
              params.referralId
            )
            const body = yield* Body.read(request, Requests.AssignLinkWorker)
            const executed = yield* service
              .assign({
                referralId: params.referralId,
                linkWorkerId: body.linkWorkerId,
                actor,
                at: yield* now,
                idempotencyKey: yield* Idempotency.scopedKey(actor, headers["idempotency-key"])
              })
              .pipe(Effect.catch(failWith(actor, "AssignLinkWorker", params.referralId)))
            return toResult(executed)
          })
        )
      )
      .handleRaw("reject", command("RejectReferral", Requests.RejectReferral))
      .handleRaw("cancel", command("CancelReferral", Requests.CancelReferral))
      .handleRaw("scheduleCall", command("ScheduleCall", Requests.ScheduleCall))
      .handleRaw(
        "recordFailedContactAttempt",
        command("RecordFailedContactAttempt", Requests.RecordFailedContactAttempt)
      )
      .handleRaw("recordFirstContact", command("RecordFirstContact", Requests.RecordFirstContact))
      .handleRaw("putOnHold", command("PutOnHold", Requests.PutOnHold))
      .handleRaw("resume", command("ResumeReferral", Requests.ResumeReferral))
      .handleRaw("recordMeeting", command("RecordMeeting", Requests.RecordMeeting))
      .handleRaw("agreeContactArrangement", command("AgreeContactArrangement", Requests.AgreeContactArrangement))
      .handleRaw("recordMeasure", command("RecordMeasure", Requests.RecordMeasure))
      .handleRaw("close", command("CloseReferral", Requests.CloseReferral))
      .handleRaw("expireFollowUp", command("ExpireFollowUp", Requests.ExpireFollowUp))
      .handleRaw("recordDeadline", command("RecordDeadline", Requests.RecordDeadline))
      .handleRaw("recordMessageOutcome", command("RecordMessageOutcome", Requests.RecordMessageOutcome))
      .handleRaw("requestMeasureLink", command("RequestMeasureLink", Requests.RequestMeasureLink))
      .handleRaw("answerMeasureLink", command("AnswerMeasureLink", Requests.AnswerMeasureLink))
      .handleRaw("recordConsent", command("RecordConsent", Requests.RecordConsent))
      .handleRaw("updateContactDetails", command("UpdateContactDetails", Requests.UpdateContactDetails))
      .handleRaw("erasePersonalData", command("ErasePersonalData", Requests.ErasePersonalData))
      .handleRaw("recordPlan", command("RecordPlan", Requests.RecordPlan))
      .handleRaw("recordActivity", command("RecordActivity", Requests.RecordActivity))
      .handleRaw("recordUnmetNeed", command("RecordUnmetNeed", Requests.RecordUnmetNeed))
  })
)

// ---------------------------------------------------------------------------
// views
// ---------------------------------------------------------------------------

const deadlineCondition = (deadline: Deadlines.Deadline, at: Instant.Instant): Responses.DeadlineView["condition"] =>
  deadline.dueAt <= at ? "missed" : deadline.warnAt !== undefined && deadline.warnAt <= at ? "at-risk" : "pending"

/**
 * The programme's survey and the answers' store, or 404: an unknown programme, a programme without a survey, and
 * a deployment that keeps no answers (no `LinkWorkerSurveyAnswers` in the context) answer alike.
 */
const surveyOf = (
  catalog: ReferralService.ProgrammeCatalog["Service"],
  store: Option.Option<LinkWorkerSurveyAnswers.Shape>,
  programmeId: Ids.ProgrammeId
): Effect.Effect<
  { readonly programme: Programme.Programme; readonly store: LinkWorkerSurveyAnswers.Shape },
  ApiError.NotFound
> => {
  const programme = catalog.latest(programmeId)
  return programme?.linkWorkerSurvey === undefined || Option.isNone(store)
    ? Effect.fail(
        new ApiError.NotFound({
          message: "the programme has no link workers' survey",
          resource: "programme",
          id: programmeId
        })
      )
    : Effect.succeed({ programme, store: store.value })
}

const surveyUnavailable = (e: LinkWorkerSurveyAnswers.SurveyAnswersFailure) =>
  ApiError.unavailable(`${e._tag}:${e.operation}`)

const coordinator = HttpApiBuilder.group(api, "coordinator", (handlers) =>
  Effect.gen(function* () {
    const audit = yield* AuditLog.AuditLog
    const registry = yield* LinkWorkerRegistry.LinkWorkerRegistry
    const directory = yield* DirectoryStore.DirectoryStore
    const catalog = yield* ReferralService.ProgrammeCatalog
    const queries = yield* Effect.context<ReferralQueries.Requirements>()
    const everyProgramme = [...new Set(catalog.all.map((p) => p.id))]
    const surveyAnswers = yield* Effect.serviceOption(LinkWorkerSurveyAnswers.LinkWorkerSurveyAnswers)

    const requireCoordinator = (action: string) =>
      Effect.flatMap(CurrentActor, (actor) =>
        Effect.as(Guard.requireRole(audit, actor, ["Coordinator"], action), actor)
      )

    return handlers
      .handle("inbox", ({ query }) =>
        logUnavailable(
          Effect.gen(function* () {
            const actor = yield* CurrentActor
            const { inbox, states } = yield* ReferralQueries.coordinatorInboxPage(
              actor,
              { programmeIds: actor.programmes ?? everyProgramme },
              {
                cursor: query.cursor,
                limit: query.limit,
                statuses: query.status?.split(",") as ReadonlyArray<Lifecycle.Status> | undefined,
                programmeIds: query.programmeId === undefined ? undefined : [query.programmeId],
                linkWorkerId: query.linkWorkerId,
                dueBy: query.dueBy,
                includeEnded: query.includeEnded === "true"
              }
            ).pipe(Effect.mapError(ApiError.fromQueryError), Effect.provideContext(queries))
            const at = yield* now
            const entries: Array<Responses.CoordinatorInbox["entries"][number]> = []
            const atRisk: Array<Responses.CoordinatorInbox["atRisk"][number]> = []
            for (const entry of inbox.entries) {
              // the states the page was built from: no referral is loaded again
              const state = states.get(entry.referralId)
              const programme = catalog.get(entry.programme.id, entry.programme.version)
              const deadlines = (
                programme === undefined || state === undefined ? [] : Deadlines.nextDeadlines(state, programme)
              ).map(
                (d): Responses.DeadlineView => ({
                  kind: d.kind,
                  code: d.code,
                  dueAt: d.dueAt,
                  ...(d.warnAt === undefined ? {} : { warnAt: d.warnAt }),
                  ...(d.opensAt === undefined ? {} : { opensAt: d.opensAt }),
                  condition: deadlineCondition(d, at)
                })
              )
              for (const d of deadlines) {
                if (d.condition !== "pending") {
                  atRisk.push({
                    referralId: entry.referralId,
                    kind: d.kind,
                    code: d.code,
                    dueAt: d.dueAt,
                    condition: d.condition
                  })
                }
              }
              entries.push({ ...entry, deadlines })
            }
            atRisk.sort((a, b) => (a.dueAt < b.dueAt ? -1 : a.dueAt > b.dueAt ? 1 : 0))
            return {
              entries,
              atRisk,
              load: inbox.load,
              ...(inbox.next === undefined ? {} : { next: inbox.next })
            }
          })
        )
      )
      .handle("trainingDue", ({ query }) =>
        logUnavailable(
          Effect.gen(function* () {
            const actor = yield* requireCoordinator("read training-due")
            // the scope before the catalog: another programme and an unknown one answer alike
            yield* Guard.requireProgramme(audit, actor, query.programmeId, "read training-due")
            const programme = catalog.latest(query.programmeId)
            if (programme === undefined) {
              return yield* Effect.fail(
                new ApiError.NotFound({
                  message: "the programme is not in the catalog",
                  resource: "programme",
                  id: query.programmeId
                })
              )
            }
            return yield* LinkWorkerRegistry.trainingDue({
              at: yield* now,
              policy: programme.linkWorkers,
              ...(query.withinDays === undefined ? {} : { withinDays: query.withinDays })
            }).pipe(
              Effect.provideService(LinkWorkerRegistry.LinkWorkerRegistry, registry),
              Effect.mapError(ApiError.fromFailure)
            )
          })
        )
      )
      .handle("linkWorkerSurvey", ({ query }) =>
        logUnavailable(
          Effect.gen(function* () {
            const actor = yield* requireCoordinator("read link-worker survey")
            yield* Guard.requireProgramme(audit, actor, query.programmeId, "read link-worker survey")
            const { programme, store } = yield* surveyOf(catalog, surveyAnswers, query.programmeId)
            const view = yield* LinkWorkerSurveyAnswers.view({ programme, now: yield* now }).pipe(
              Effect.provideService(LinkWorkerSurveyAnswers.LinkWorkerSurveyAnswers, store),
              Effect.mapError(surveyUnavailable)
            )
            if (view === undefined) return yield* Effect.die("a programme with a survey has a view")
            return view
          })
        )
      )
      .handle("listLinkWorkers", () =>
        logUnavailable(
          Effect.andThen(
            requireCoordinator("read link-workers"),
            Effect.mapError(registry.list(), ApiError.fromFailure)
          )
        )
      )
      .handle("getLinkWorker", ({ params }) =>
        logUnavailable(
          Effect.gen(function* () {
            yield* requireCoordinator("read link-workers")
            const worker = yield* Effect.mapError(registry.get(params.linkWorkerId), ApiError.fromFailure)
            return Option.isSome(worker)
              ? worker.value
              : yield* Effect.fail(
                  new ApiError.NotFound({
                    message: "the link worker is not in the registry",
                    resource: "link-worker",
                    id: params.linkWorkerId
                  })
                )
          })
        )
      )
      .handleRaw("putLinkWorker", ({ params, request }) =>
        logUnavailable(
          Effect.gen(function* () {
            yield* requireCoordinator("write link-workers")
            const worker = yield* Body.read(request, Requests.LinkWorker)
            if (worker.id !== params.linkWorkerId) {
              return yield* Effect.fail(
                ApiError.badRequest([{ path: "id", reason: "must be the link worker id of the path" }])
              )
            }
            yield* Effect.mapError(registry.put(worker), ApiError.fromFailure)
            return worker
          })
        )
      )
      .handle("directoryActivities", ({ query }) =>
        logUnavailable(
          Effect.gen(function* () {
            yield* Effect.flatMap(CurrentActor, (actor) =>
              Guard.requireRole(audit, actor, ["Coordinator", "LinkWorker", "Referrer"], "read the directory")
            )
            return yield* Effect.mapError(
              directory.activities(
                {
                  ...(query.area === undefined ? {} : { area: query.area }),
                  ...(query.organisationId === undefined ? {} : { organisationId: query.organisationId }),
                  activeOnly: query.activeOnly === "true"
                },
                { limit: query.limit ?? DirectoryStore.pageSizes.default, after: query.cursor }
              ),
              ApiError.fromDirectoryError
            )
          })
        )
      )
      .handleRaw("putDirectory", ({ request }) =>
        logUnavailable(
          Effect.gen(function* () {
            yield* requireCoordinator("write the directory")
            const changes = yield* Body.read(request, Requests.DirectoryChanges)
            return yield* Effect.mapError(directory.put(changes), ApiError.fromDirectoryError)
          })
        )
      )
      .handle("directoryHsds", ({ query }) =>
        logUnavailable(
          Effect.gen(function* () {
            yield* Effect.flatMap(CurrentActor, (actor) =>
              Guard.requireRole(audit, actor, ["Coordinator", "LinkWorker", "Referrer"], "read the directory")
            )
            // one page of organisations with their services: the cost of what it returns, not of the directory
            const page = yield* Effect.mapError(
              DirectoryStore.currentPage({
                limit: query.limit ?? DirectoryStore.pageSizes.default,
                after: query.cursor
              }).pipe(Effect.provideService(DirectoryStore.DirectoryStore, directory)),
              ApiError.fromDirectoryError
            )
            const contents = Hsds.toHsds(page.directory)
            return page.next === undefined ? { contents } : { contents, next: page.next }
          })
        )
      )
      .handle("directoryActivity", ({ params, query }) =>
        logUnavailable(
          Effect.gen(function* () {
            yield* Effect.flatMap(CurrentActor, (actor) =>
              Guard.requireRole(audit, actor, ["Coordinator", "LinkWorker", "Referrer"], "read the directory")
            )
            const found = yield* Effect.mapError(
              directory.activity(params.activityId, query.version === undefined ? undefined : Number(query.version)),
              ApiError.fromDirectoryError
            )
            if (Option.isNone(found)) {
              return yield* Effect.fail(
                new ApiError.NotFound({
                  message: query.version === undefined ? "no such activity" : "no such activity or version of it",
                  resource: "activity",
                  id: params.activityId
                })
              )
            }
            return found.value
          })
        )
      )
      .handle("directoryOrganisations", ({ query }) =>
        logUnavailable(
          Effect.gen(function* () {
            yield* Effect.flatMap(CurrentActor, (actor) =>
              Guard.requireRole(audit, actor, ["Coordinator", "LinkWorker", "Referrer"], "read the directory")
            )
            return yield* Effect.mapError(
              directory.organisations({ limit: query.limit ?? DirectoryStore.pageSizes.default, after: query.cursor }),
              ApiError.fromDirectoryError
            )
          })
        )
      )
  })
)

const linkWorker = HttpApiBuilder.group(api, "linkWorker", (handlers) =>
  Effect.gen(function* () {
    const queries = yield* Effect.context<ReferralQueries.Requirements>()
    const audit = yield* AuditLog.AuditLog
    const registry = yield* LinkWorkerRegistry.LinkWorkerRegistry
    const catalog = yield* ReferralService.ProgrammeCatalog
    const surveyAnswers = yield* Effect.serviceOption(LinkWorkerSurveyAnswers.LinkWorkerSurveyAnswers)
    const surveyFor = (programmeId: Ids.ProgrammeId, action: string) =>
      Effect.gen(function* () {
        const actor = yield* CurrentActor
        yield* Guard.requireRole(audit, actor, ["LinkWorker"], action)
        yield* Guard.requireProgramme(audit, actor, programmeId, action)
        return { actor, ...(yield* surveyOf(catalog, surveyAnswers, programmeId)) }
      })
    const query = <A>(effect: Effect.Effect<A, ReferralQueries.QueryError, ReferralQueries.Requirements>) =>
      logUnavailable(effect.pipe(Effect.mapError(ApiError.fromQueryError), Effect.provideContext(queries)))
    return handlers
      .handle("caseload", ({ query: page }) =>
        Effect.flatMap(CurrentActor, (actor) => query(ReferralQueries.linkWorkerCaseload(actor, page)))
      )
      .handle("referral", ({ params }) =>
        Effect.flatMap(CurrentActor, (actor) => query(ReferralQueries.linkWorkerReferral(actor, params.referralId)))
      )
      .handle("survey", ({ query: q }) =>
        logUnavailable(
          Effect.gen(function* () {
            const { actor, programme, store } = yield* surveyFor(q.programmeId, "read link-worker survey")
            const survey = programme.linkWorkerSurvey
            if (survey === undefined) return yield* Effect.die("surveyOf checked the survey")
            const round = LinkWorkerSurvey.roundAt(survey, yield* now, programme.timeZone)
            const answered = yield* Effect.mapError(store.hasAnswered(actor.id, survey.id, round.id), surveyUnavailable)
            return { survey, round: round.id, closesAt: round.closesAt, answered }
          })
        )
      )
      .handle("answerSurvey", ({ query: q, payload }) =>
        logUnavailable(
          Effect.gen(function* () {
            const action = "answer link-worker survey"
            const { actor, programme, store } = yield* surveyFor(q.programmeId, action)
            const survey = programme.linkWorkerSurvey
            if (survey === undefined) return yield* Effect.die("surveyOf checked the survey")
            yield* LinkWorkerSurveyAnswers.answer({
              actor,
              programme,
              answer: { surveyId: survey.id, round: payload.round, answers: payload.answers },
              now: yield* now
            }).pipe(
              Effect.provideService(LinkWorkerSurveyAnswers.LinkWorkerSurveyAnswers, store),
              Effect.provideService(LinkWorkerRegistry.LinkWorkerRegistry, registry),
              Effect.catchTags({
                SurveyNotOpen: (e) =>
                  e.reason === "not-the-open-round"
                    ? Effect.fail(ApiError.badRequest([{ path: "round", reason: "is not the round open now" }]))
                    : Guard.refuse(audit, actor, action, "role"),
                InvalidSurveyAnswer: (e) =>
                  Effect.fail(ApiError.badRequest([{ path: `answers.${e.item}`, reason: e.reason }])),
                AlreadyAnswered: () =>
                  Effect.fail(
                    new ApiError.Conflict({
                      message: "the link worker has answered this survey round already",
                      reason: "already-answered"
                    })
                  ),
                SurveyAnswersFailure: (e) => Effect.fail(surveyUnavailable(e)),
                LinkWorkerRegistryFailure: (e) => Effect.fail(ApiError.fromFailure(e))
              })
            )
            return { round: payload.round, answered: true as const }
          })
        )
      )
  })
)

const referrer = HttpApiBuilder.group(api, "referrer", (handlers) =>
  Effect.gen(function* () {
    const queries = yield* Effect.context<ReferralQueries.Requirements>()
    const query = <A>(effect: Effect.Effect<A, ReferralQueries.QueryError, ReferralQueries.Requirements>) =>
      logUnavailable(effect.pipe(Effect.mapError(ApiError.fromQueryError), Effect.provideContext(queries)))
    return handlers
      .handle("overview", ({ query: page }) =>
        Effect.flatMap(CurrentActor, (actor) => query(ReferralQueries.referrerOverview(actor, page)))
      )
      .handle("status", ({ params }) =>
        Effect.flatMap(CurrentActor, (actor) => query(ReferralQueries.referralStatus(actor, params.referralId)))
      )
  })
)

const client = HttpApiBuilder.group(api, "client", (handlers) =>
  Effect.gen(function* () {
    const queries = yield* Effect.context<ReferralQueries.Requirements>()
    return handlers.handle("subjectAccess", ({ params, query }) =>
      Effect.flatMap(CurrentActor, (actor) =>
        logUnavailable(
          ReferralQueries.subjectAccess(actor, params.subjectId, query).pipe(
            Effect.mapError(ApiError.fromQueryError),
            Effect.provideContext(queries)
          )
        )
      )
    )
  })
)

// ---------------------------------------------------------------------------
// evaluation
// ---------------------------------------------------------------------------

const evaluation = HttpApiBuilder.group(api, "evaluation", (handlers) =>
  Effect.gen(function* () {
    const index = yield* ReferralIndex.ReferralIndex
    const audit = yield* AuditLog.AuditLog
    const catalog = yield* ReferralService.ProgrammeCatalog
    const surveyAnswers = yield* Effect.serviceOption(LinkWorkerSurveyAnswers.LinkWorkerSurveyAnswers)

    const report = (
      programmeId: Ids.ProgrammeId,
      query: {
        readonly from: Instant.Instant
        readonly to: Instant.Instant
        readonly asOf?: Instant.Instant
        readonly minimumCell?: number
      }
    ) =>
      logUnavailable(
        Effect.gen(function* () {
          const actor = yield* CurrentActor
          yield* Guard.requireRole(audit, actor, ["Evaluator"], "read evaluation")
          // the scope before the catalog: another programme's report and an unknown programme answer alike
          yield* Guard.requireProgramme(audit, actor, programmeId, "read evaluation")
          if (catalog.latest(programmeId) === undefined) {
            return yield* Effect.fail(
              new ApiError.NotFound({
                message: "the programme is not in the catalog",
                resource: "programme",
                id: programmeId
              })
            )
          }
          if (query.from >= query.to) {
            return yield* Effect.fail(ApiError.badRequest([{ path: "query.to", reason: "must be after from" }]))
          }
          // only the programme's referrals of the period, a chunk at a time (bounded memory)
          const figures = yield* Evaluation.fromIndex({
            programmeId,
            period: { from: query.from, to: query.to },
            ...(query.asOf === undefined ? {} : { asOf: query.asOf }),
            ...(query.minimumCell === undefined ? {} : { minimumCell: query.minimumCell }),
            catalog
          }).pipe(
            Effect.provideService(ReferralIndex.ReferralIndex, index),
            Effect.mapError((e) =>
              e._tag === "InvalidCursor" ? ApiError.unavailable("InvalidCursor") : ApiError.fromFailure(e)
            )
          )
          // the link workers' survey, when the programme has one and the deployment keeps its answers
          const programme = catalog.latest(programmeId)
          if (programme === undefined || Option.isNone(surveyAnswers)) return figures
          return yield* Evaluation.withLinkWorkerSurvey(figures, programme).pipe(
            Effect.provideService(LinkWorkerSurveyAnswers.LinkWorkerSurveyAnswers, surveyAnswers.value),
            Effect.mapError(surveyUnavailable)
          )
        })
      )

    return handlers
      .handle("report", ({ params, query }) => report(params.programmeId, query))
      .handle("reportHtml", ({ params, query }) =>
        Effect.map(report(params.programmeId, query), (r) =>
          EvaluationHtml.render(r, query.lang === undefined ? {} : { language: query.lang })
        )
      )
  })
)

// ---------------------------------------------------------------------------
// operations
// ---------------------------------------------------------------------------

const probe = Ids.ReferralId.make("readiness-probe")

const operations = HttpApiBuilder.group(api, "operations", (handlers) =>
  Effect.gen(function* () {
    const store = yield* ReferralStore.ReferralStore
    return handlers
      .handle("health", () => Effect.succeed({ status: "ok" as const }))
      .handle("ready", () =>
        logUnavailable(
          Effect.as(Effect.mapError(store.load(probe), ApiError.fromFailure), { status: "ready" as const })
        )
      )
  })
)

/**
 * Every group's implementation, over the core services in the context.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = Layer.mergeAll(referrals, coordinator, linkWorker, referrer, client, evaluation, operations)
