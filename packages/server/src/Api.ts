/**
 * The HTTP API as data (`effect/http-api`): every command of the referral
 * lifecycle as a `POST`, every need-to-know view of domain specification §4
 * as a `GET`, the link-worker registry, the evaluation report, and liveness
 * and readiness. The same value serves the requests (`Server`), describes
 * them in the OpenAPI document and drives the reference page.
 *
 * Every endpoint except `/health` and `/ready` needs a bearer access token
 * (`Auth`); every command needs an `Idempotency-Key` header. The roles each
 * endpoint accepts are in its description (taken from the core's role
 * tables); anyone else gets 403.
 *
 * @since 0.1.0
 */
import {
  Directory,
  DirectoryStore,
  Evaluation,
  EvaluationText,
  Ids,
  Instant,
  Lifecycle,
  Referral,
  type ReferralCommand,
  ReferralQueries,
  ReferralService,
  Views
} from "@lahete/core"
import { Context, Effect, Schema } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiMiddleware, HttpApiSchema, OpenApi } from "effect/http-api"
import * as ApiError from "./ApiError.js"
import { Authentication } from "./Auth.js"
import { addDiscriminators } from "./internal/discriminators.js"
import * as Requests from "./Requests.js"
import * as Responses from "./Responses.js"

/**
 * Turns request decoding failures (path parameters, headers, query) into
 * `BadRequest` (400) with the paths of the problems, never the values.
 *
 * @since 0.1.0
 * @category middleware
 */
export class RequestErrors extends HttpApiMiddleware.Service<RequestErrors>()("@lahete/server/RequestErrors", {
  error: ApiError.BadRequest
}) {}

/**
 * The annotation naming the core command a command endpoint runs.
 *
 * @since 0.1.0
 * @category annotations
 */
export class Command extends Context.Service<Command, ReferralCommand.Tag>()("@lahete/server/Api/Command") {}

/**
 * The implementation of `RequestErrors`: the problems of a path parameter,
 * query parameter or header as `BadRequest` issues (`params.referralId`,
 * `query.from`, `headers.idempotency-key`).
 *
 * @since 0.1.0
 * @category middleware
 */
export const layerRequestErrors = HttpApiMiddleware.layerSchemaErrorTransform(RequestErrors, (error) => {
  const slot =
    error.kind === "Params"
      ? "params"
      : error.kind === "Query"
        ? "query"
        : error.kind === "Headers"
          ? "headers"
          : "(body)"
  return Effect.fail(
    ApiError.badRequest(
      ReferralService.issuesOf(error.cause.issue, undefined).map((i) => ({
        ...i,
        path: i.path === "(command)" ? slot : slot === "(body)" ? i.path : `${slot}.${i.path}`
      }))
    )
  )
})

const roles = (list: ReadonlyArray<string>) => `Roles: ${list.join(", ")}.`

const commandRoles = (tag: ReferralCommand.Tag) => roles(Referral.allowedRoles[tag])

const referralParams = { referralId: Ids.ReferralId }

const describe = (summary: string, description: string) => OpenApi.annotations({ summary, description })

// ---------------------------------------------------------------------------
// commands
// ---------------------------------------------------------------------------

const commandEndpoint = <const Name extends string, const Path extends `/${string}`, B extends Schema.Top>(
  name: Name,
  path: Path,
  tag: ReferralCommand.Tag,
  payload: B,
  summary: string,
  description = ""
) =>
  HttpApiEndpoint.post(name, path, {
    params: referralParams,
    headers: Requests.CommandHeaders,
    payload,
    success: Responses.CommandResult,
    error: ApiError.commandErrors
  })
    .annotateMerge(
      describe(summary, `${description}${description === "" ? "" : " "}${commandRoles(tag)} Command \`${tag}\`.`)
    )
    .annotate(Command, tag)

/**
 * The commands on referrals.
 *
 * @since 0.1.0
 * @category groups
 */
export const Referrals = HttpApiGroup.make("referrals")
  .add(
    HttpApiEndpoint.post("submit", "/referrals", {
      headers: Requests.CommandHeaders,
      payload: Requests.SubmitReferral,
      success: Responses.CommandResult.pipe(HttpApiSchema.status(201)),
      error: ApiError.commandErrors
    })
      .annotateMerge(
        describe(
          "Submit a referral",
          `A referral made with the client's consent (rule C1). \`referralId\` and \`subjectId\` may be given; when left out they are derived from the caller and the idempotency key. ${commandRoles("SubmitReferral")} Command \`SubmitReferral\`.`
        )
      )
      .annotate(Command, "SubmitReferral"),
    HttpApiEndpoint.post("assign", "/referrals/:referralId/assign", {
      params: referralParams,
      headers: Requests.CommandHeaders,
      payload: Requests.AssignLinkWorker,
      success: Responses.CommandResult,
      error: ApiError.commandErrors
    })
      .annotateMerge(
        describe(
          "Assign a link worker",
          `Assigns (or reassigns) a link worker from the registry; refused for one who is inactive, untrained, without a confidentiality commitment, overdue for refresher training or at capacity. ${commandRoles("AssignLinkWorker")} Command \`AssignLinkWorker\`.`
        )
      )
      .annotate(Command, "AssignLinkWorker"),
    commandEndpoint(
      "reject",
      "/referrals/:referralId/reject",
      "RejectReferral",
      Requests.RejectReferral,
      "Reject a referral",
      "Returns the referral to the referrer with a reason."
    ),
    commandEndpoint(
      "cancel",
      "/referrals/:referralId/cancel",
      "CancelReferral",
      Requests.CancelReferral,
      "Cancel a referral",
      "Before the collaboration started."
    ),
    commandEndpoint(
      "scheduleCall",
      "/referrals/:referralId/schedule-call",
      "ScheduleCall",
      Requests.ScheduleCall,
      "Schedule the first call",
      "Sets (or moves) the call time, optionally with the text message stating it (rule C2, deadline D3)."
    ),
    commandEndpoint(
      "recordFailedContactAttempt",
      "/referrals/:referralId/failed-contact-attempts",
      "RecordFailedContactAttempt",
      Requests.RecordFailedContactAttempt,
      "Record a failed contact attempt",
      "With attempts left it needs the next call time; the programme's last attempt makes the referral Unreachable."
    ),
    commandEndpoint(
      "recordFirstContact",
      "/referrals/:referralId/first-contact",
      "RecordFirstContact",
      Requests.RecordFirstContact,
      "Record the first contact",
      "The client agreed to start (Active) or declined (Declined)."
    ),
    commandEndpoint(
      "putOnHold",
      "/referrals/:referralId/hold",
      "PutOnHold",
      Requests.PutOnHold,
      "Put the collaboration on hold"
    ),
    commandEndpoint(
      "resume",
      "/referrals/:referralId/resume",
      "ResumeReferral",
      Requests.ResumeReferral,
      "Resume the collaboration"
    ),
    commandEndpoint(
      "recordMeeting",
      "/referrals/:referralId/meetings",
      "RecordMeeting",
      Requests.RecordMeeting,
      "Record a meeting"
    ),
    commandEndpoint(
      "agreeContactArrangement",
      "/referrals/:referralId/arrangement",
      "AgreeContactArrangement",
      Requests.AgreeContactArrangement,
      "Record the agreed contact arrangement"
    ),
    commandEndpoint(
      "recordMeasure",
      "/referrals/:referralId/measures",
      "RecordMeasure",
      Requests.RecordMeasure,
      "Record an outcome measure",
      "A self-report by the client (recorded by the client or their link worker) or a proxy measure by the referrer."
    ),
    commandEndpoint(
      "close",
      "/referrals/:referralId/close",
      "CloseReferral",
      Requests.CloseReferral,
      "Close the collaboration",
      "With an outcome and the closing feedback (personal data, kept in the vault)."
    ),
    commandEndpoint(
      "expireFollowUp",
      "/referrals/:referralId/follow-up/expire",
      "ExpireFollowUp",
      Requests.ExpireFollowUp,
      "Record that the follow-up window passed",
      "Deadline D5: no follow-up measure came in its window."
    ),
    commandEndpoint(
      "recordDeadline",
      "/referrals/:referralId/deadlines",
      "RecordDeadline",
      Requests.RecordDeadline,
      "Record a deadline marker",
      "The scheduler's command (D1, D2, D4, D5 reminders); firing a marker twice changes nothing."
    ),
    commandEndpoint(
      "recordMessageOutcome",
      "/referrals/:referralId/message-outcomes",
      "RecordMessageOutcome",
      Requests.RecordMessageOutcome,
      "Record what became of a message",
      "The outbox dispatcher's bookkeeping: a call-time text message or staff notification was sent, or not sent and why."
    ),
    commandEndpoint(
      "requestMeasureLink",
      "/referrals/:referralId/measure-links",
      "RequestMeasureLink",
      Requests.RequestMeasureLink,
      "Ask for a measure link message",
      "A text message with a secure link to the client's self-report measures of a time point (the scheduler asks when the measure falls due, and for each reminder); C2, quiet hours, never after withdrawal or erasure, never outside the time point's window."
    ),
    commandEndpoint(
      "answerMeasureLink",
      "/referrals/:referralId/measure-links/answers",
      "AnswerMeasureLink",
      Requests.AnswerMeasureLink,
      "Answer a measure link",
      "The client's own answers to a link's measures (respondent self), as the link page records them; single use, before the link expires."
    ),
    commandEndpoint(
      "recordConsent",
      "/referrals/:referralId/consents",
      "RecordConsent",
      Requests.RecordConsent,
      "Record a consent decision",
      "Withdrawing `referral` consent ends the referral (rule C5)."
    ),
    commandEndpoint(
      "updateContactDetails",
      "/referrals/:referralId/contact-details",
      "UpdateContactDetails",
      Requests.UpdateContactDetails,
      "Update the client's contact details"
    ),
    commandEndpoint(
      "erasePersonalData",
      "/referrals/:referralId/erase",
      "ErasePersonalData",
      Requests.ErasePersonalData,
      "Erase the client's personal data",
      "Once the referral has ended; the pseudonymous history stays. Repeating it changes nothing."
    ),
    commandEndpoint(
      "recordPlan",
      "/referrals/:referralId/plan",
      "RecordPlan",
      Requests.RecordPlan,
      "Record the client's plan",
      "What matters to the client in their words (personal data, kept in the vault and erased with it) and the goals as codes; recording it again replaces both."
    ),
    commandEndpoint(
      "recordActivity",
      "/referrals/:referralId/plan/activities",
      "RecordActivity",
      Requests.RecordActivity,
      "Record a step of a community activity",
      "A directory activity (the version as the directory has it) suggested, tried (with or without the link worker), joined, left (with a reason) or, after closing, confirmed continuing. Joined only after suggested or tried; the link worker comes along only where the activity allows it."
    ),
    commandEndpoint(
      "recordUnmetNeed",
      "/referrals/:referralId/plan/unmet-needs",
      "RecordUnmetNeed",
      Requests.RecordUnmetNeed,
      "Record an unmet need",
      "A need nothing in the directory met, by category and area; the same again changes nothing."
    )
  )
  .annotate(OpenApi.Description, "The commands of the referral lifecycle (domain specification §1).")
  .middleware(RequestErrors)
  .middleware(Authentication)

// ---------------------------------------------------------------------------
// views
// ---------------------------------------------------------------------------

const pageQuery = {
  cursor: Schema.optionalKey(Responses.Cursor),
  limit: Schema.optionalKey(
    Schema.Int.pipe(Schema.check(Schema.isBetween({ minimum: 1, maximum: ReferralQueries.maxPageSize })))
  )
}

const statusList = Schema.String.pipe(
  Schema.check(
    Schema.makeFilter(
      (text: string) => text.split(",").every((s) => (Lifecycle.Status.literals as ReadonlyArray<string>).includes(s)),
      {
        expected: `a comma-separated list of statuses (${Lifecycle.states.join(", ")})`
      }
    )
  )
)

const inboxQuery = {
  ...pageQuery,
  status: Schema.optionalKey(statusList),
  programmeId: Schema.optionalKey(Ids.ProgrammeId),
  linkWorkerId: Schema.optionalKey(Ids.ActorId),
  dueBy: Schema.optionalKey(Instant.InstantSchema),
  includeEnded: Schema.optionalKey(Schema.Literals(["true", "false"]))
}

/**
 * The coordinator's views and the link-worker registry.
 *
 * @since 0.1.0
 * @category groups
 */
export const Coordinator = HttpApiGroup.make("coordinator")
  .add(
    HttpApiEndpoint.get("inbox", "/coordinator/inbox", {
      query: inboxQuery,
      success: Responses.CoordinatorInbox,
      error: ApiError.viewErrors
    }).annotateMerge(
      describe(
        "The coordinator's inbox",
        `The referrals of the programmes the coordinator works for (the token's \`lahete_programmes\`; absent: every programme), oldest first, a page at a time (\`limit\`, default ${ReferralQueries.defaultPageSize}, at most ${ReferralQueries.maxPageSize}; pass \`next\` back as \`cursor\`), with what needs action, the deadlines that apply now (at risk, missed) and the link workers' load. By default the referrals that have not ended; \`includeEnded=true\` adds the ended ones. Filters: \`status\` (comma-separated), \`programmeId\`, \`linkWorkerId\`, \`dueBy\` (a deadline marker, warning or deadline, due at or before this instant). The client's name, language and short reason only while the referral can be (re)assigned. ${roles(Views.allowedRoles["coordinator-inbox"])}`
      )
    ),
    HttpApiEndpoint.get("trainingDue", "/coordinator/training-due", {
      query: {
        programmeId: Ids.ProgrammeId,
        withinDays: Schema.optionalKey(Requests.IntegerQuery(0, 366))
      },
      success: Schema.Array(Responses.TrainingDue),
      error: [...ApiError.viewErrors, ApiError.NotFound]
    }).annotateMerge(
      describe(
        "Link workers' training due",
        `Active link workers without basic training or a confidentiality commitment, or whose refresher training (interval of the programme) is due within \`withinDays\` (default 30) or overdue. ${roles(["Coordinator"])}`
      )
    ),
    HttpApiEndpoint.get("linkWorkerSurvey", "/coordinator/link-worker-survey", {
      query: { programmeId: Ids.ProgrammeId },
      success: Responses.LinkWorkerSurveyView,
      error: [...ApiError.viewErrors, ApiError.NotFound]
    }).annotateMerge(
      describe(
        "The link workers' survey",
        `Beside the training-due list: the programme's survey round open now (when it closes; no figures while it is open, so no answer shows by difference) and the aggregates of the last closed round: respondents, per item the number who answered, a scale's mean and value counts, a choices item's option counts (e.g. the training needs link workers name). A figure from fewer than five answers, a count whose complement is below it, and a mean of identical answers are suppressed. The answers are anonymous: no link worker is stored with them. 404 when the programme has no survey. ${roles(["Coordinator"])}`
      )
    ),
    HttpApiEndpoint.get("listLinkWorkers", "/link-workers", {
      success: Schema.Array(Responses.LinkWorkerEntry),
      error: ApiError.viewErrors
    }).annotateMerge(describe("The link-worker registry", roles(["Coordinator"]))),
    HttpApiEndpoint.get("getLinkWorker", "/link-workers/:linkWorkerId", {
      params: { linkWorkerId: Ids.ActorId },
      success: Responses.LinkWorkerEntry,
      error: [...ApiError.viewErrors, ApiError.NotFound]
    }).annotateMerge(describe("One link worker", roles(["Coordinator"]))),
    HttpApiEndpoint.put("putLinkWorker", "/link-workers/:linkWorkerId", {
      params: { linkWorkerId: Ids.ActorId },
      payload: Responses.LinkWorkerEntry,
      success: Responses.LinkWorkerEntry,
      error: [...ApiError.viewErrors, ...ApiError.bodyErrors]
    }).annotateMerge(
      describe(
        "Add or replace a link worker",
        `The body's \`id\` must be the path's. Professional data only (employer type, languages, areas, capacity, training and commitment dates). ${roles(["Coordinator"])}`
      )
    ),
    HttpApiEndpoint.get("directoryActivities", "/directory/activities", {
      query: {
        area: Schema.optionalKey(Schema.String),
        organisationId: Schema.optionalKey(Schema.String),
        activeOnly: Schema.optionalKey(Schema.Literals(["true", "false"])),
        limit: Schema.optionalKey(Requests.IntegerQuery(1, DirectoryStore.pageSizes.max)),
        cursor: Schema.optionalKey(Responses.Cursor)
      },
      success: Responses.DirectoryActivities,
      error: ApiError.viewErrors
    }).annotateMerge(
      describe(
        "The directory's community activities",
        `The current version of each activity, by id, a page at a time (\`limit\`, default ${DirectoryStore.pageSizes.default}, at most ${DirectoryStore.pageSizes.max}; pass \`next\` back as \`cursor\`); filters \`area\`, \`organisationId\`, \`activeOnly=true\`. No personal data. ${roles(["Coordinator", "LinkWorker", "Referrer"])}`
      )
    ),
    HttpApiEndpoint.put("putDirectory", "/directory", {
      payload: Requests.DirectoryChanges,
      success: Responses.DirectoryWritten,
      error: [...ApiError.viewErrors, ...ApiError.bodyErrors]
    }).annotateMerge(
      describe(
        "Change the directory",
        `Organisations and activities without versions, applied all or nothing: a new id becomes version 1, a changed entry its next version (earlier versions stay: a referral's plan names the one the client met), an unchanged entry writes nothing. Answers the versions written. ${roles(["Coordinator"])}`
      )
    ),
    HttpApiEndpoint.get("directoryHsds", "/directory/hsds", {
      query: {
        limit: Schema.optionalKey(Requests.IntegerQuery(1, DirectoryStore.pageSizes.max)),
        cursor: Schema.optionalKey(Responses.Cursor)
      },
      success: Responses.DirectoryHsdsPage,
      error: ApiError.viewErrors
    }).annotateMerge(
      describe(
        "The directory as HSDS",
        `The current organisations with their services in Open Referral's HSDS 3.0 (\`organization_full\` objects in \`contents\`, as an HSDS API page; docs/community.md has the mapping), by organisation id, a page of organisations at a time (\`limit\`, default ${DirectoryStore.pageSizes.default}, at most ${DirectoryStore.pageSizes.max}; pass \`next\` back as \`cursor\`), each with all its services. ${roles(["Coordinator", "LinkWorker", "Referrer"])}`
      )
    ),
    HttpApiEndpoint.get("directoryActivity", "/directory/activities/:activityId", {
      params: { activityId: Directory.ActivityId },
      query: { version: Schema.optionalKey(Requests.IntegerQuery(1, 1_000_000)) },
      success: Directory.Activity,
      error: [...ApiError.viewErrors, ApiError.NotFound]
    }).annotateMerge(
      describe(
        "One directory activity",
        `The activity as it is now or, with \`version\`, as that version was (what a plan's activity reference names: a client's history keeps the version they met); 404 when there is no such activity or version. One row by its key. ${roles(["Coordinator", "LinkWorker", "Referrer"])}`
      )
    ),
    HttpApiEndpoint.get("directoryOrganisations", "/directory/organisations", {
      query: {
        limit: Schema.optionalKey(Requests.IntegerQuery(1, DirectoryStore.pageSizes.max)),
        cursor: Schema.optionalKey(Responses.Cursor)
      },
      success: Responses.DirectoryOrganisations,
      error: ApiError.viewErrors
    }).annotateMerge(
      describe(
        "The directory's organisations",
        `The current version of each organisation, by id, a page at a time (\`limit\`, default ${DirectoryStore.pageSizes.default}, at most ${DirectoryStore.pageSizes.max}; pass \`next\` back as \`cursor\`). No personal data. ${roles(["Coordinator", "LinkWorker", "Referrer"])}`
      )
    )
  )
  .annotate(
    OpenApi.Description,
    "The coordinator's inbox (deadlines at risk, link-worker load), the training-due list and the link-worker registry (domain specification §4, §5)."
  )
  .middleware(RequestErrors)
  .middleware(Authentication)

/**
 * The link worker's views.
 *
 * @since 0.1.0
 * @category groups
 */
export const LinkWorker = HttpApiGroup.make("linkWorker")
  .add(
    HttpApiEndpoint.get("caseload", "/link-worker/caseload", {
      query: pageQuery,
      success: Responses.Caseload,
      error: ApiError.viewErrors
    }).annotateMerge(
      describe(
        "The link worker's caseload",
        `Only referrals assigned to the caller that have not ended, oldest first, a page at a time (\`limit\`, \`cursor\`), with the client's name, mobile number, language and short reason; never the identity code. ${roles(Views.allowedRoles["link-worker-caseload"])}`
      )
    ),
    HttpApiEndpoint.get("survey", "/link-worker/survey", {
      query: { programmeId: Ids.ProgrammeId },
      success: Responses.LinkWorkerSurveyRound,
      error: [...ApiError.viewErrors, ApiError.NotFound]
    }).annotateMerge(
      describe(
        "The link workers' survey",
        `The programme's survey (items and scales), the round open now and whether the caller has answered it. 404 when the programme has no survey. ${roles(["LinkWorker"])}`
      )
    ),
    HttpApiEndpoint.post("answerSurvey", "/link-worker/survey", {
      query: { programmeId: Ids.ProgrammeId },
      payload: Requests.SurveyAnswer,
      success: Responses.SurveyAnswered,
      error: [...ApiError.viewErrors, ...ApiError.bodyErrors, ApiError.NotFound, ApiError.Conflict]
    }).annotateMerge(
      describe(
        "Answer the link workers' survey",
        `An active link worker of the programme answers the round open now, once (409 \`already-answered\` after that). The answer is stored with its survey and round only, never with the link worker; apart from it only a per-round "has answered" marker is kept. 400 for another round or an answer that does not fit the items (naming the item, never the answer). ${roles(["LinkWorker"])}`
      )
    ),
    HttpApiEndpoint.get("referral", "/link-worker/referrals/:referralId", {
      params: referralParams,
      success: Responses.CaseloadEntry,
      error: ApiError.viewErrors
    }).annotateMerge(
      describe(
        "One referral for its link worker",
        `Only for the assigned link worker. ${roles(Views.allowedRoles["link-worker-referral"])}`
      )
    )
  )
  .annotate(OpenApi.Description, "The link worker's caseload: only referrals assigned to them.")
  .middleware(RequestErrors)
  .middleware(Authentication)

/**
 * The referrer's closed-loop views.
 *
 * @since 0.1.0
 * @category groups
 */
export const Referrer = HttpApiGroup.make("referrer")
  .add(
    HttpApiEndpoint.get("overview", "/referrer/referrals", {
      query: pageQuery,
      success: Responses.ReferrerOverview,
      error: ApiError.viewErrors
    }).annotateMerge(
      describe(
        "The referrer's referrals",
        `The status of the referrals the caller made (FHIR Task status for the closed loop), oldest first, a page at a time (\`limit\`, \`cursor\`), and whether the closing feedback can be read. ${roles(Views.allowedRoles["referrer-overview"])}`
      )
    ),
    HttpApiEndpoint.get("status", "/referrer/referrals/:referralId", {
      params: referralParams,
      success: Responses.ReferralStatus,
      error: ApiError.viewErrors
    }).annotateMerge(
      describe(
        "One referral's status",
        `With the closing feedback only under rule C3 (the referrer asked for it, the client granted it and has not withdrawn it); each such read is logged as a disclosure. Another referrer's referral, or one that does not exist, is refused alike. ${roles(Views.allowedRoles["referral-status"])}`
      )
    )
  )
  .annotate(
    OpenApi.Description,
    "The closed loop: the status of the referrer's own referrals, the feedback under rule C3."
  )
  .middleware(RequestErrors)
  .middleware(Authentication)

/**
 * The client's subject access.
 *
 * @since 0.1.0
 * @category groups
 */
export const Client = HttpApiGroup.make("client")
  .add(
    HttpApiEndpoint.get("subjectAccess", "/subjects/:subjectId", {
      params: { subjectId: Ids.SubjectId },
      query: pageQuery,
      success: Responses.SubjectAccess,
      error: ApiError.viewErrors
    }).annotateMerge(
      describe(
        "Subject access",
        `Everything about the client: their personal data, their referrals (a page at a time: \`limit\`, \`cursor\`), who read their data and to whom it was disclosed. Only for the client themselves (the token's \`sub\` is the subject id). ${roles(Views.allowedRoles["subject-access"])}`
      )
    )
  )
  .annotate(
    OpenApi.Description,
    "Subject access for the client: all their data, who read it, to whom it was disclosed."
  )
  .middleware(RequestErrors)
  .middleware(Authentication)

const evaluationQuery = {
  from: Instant.InstantSchema,
  to: Instant.InstantSchema,
  asOf: Schema.optionalKey(Instant.InstantSchema),
  minimumCell: Schema.optionalKey(Requests.IntegerQuery(5, 1000))
}

/**
 * The evaluation report (aggregates only).
 *
 * @since 0.1.0
 * @category groups
 */
export const EvaluationGroup = HttpApiGroup.make("evaluation")
  .add(
    HttpApiEndpoint.get("report", "/evaluation/:programmeId", {
      params: { programmeId: Ids.ProgrammeId },
      query: evaluationQuery,
      success: Evaluation.Report.annotate({ identifier: "EvaluationReport" }),
      error: [...ApiError.viewErrors, ApiError.NotFound]
    }).annotateMerge(
      describe(
        "The evaluation report (JSON)",
        `The referrals of the programme submitted in [from, to), counted up to \`asOf\` (default: \`to\`). Aggregates only; every figure from fewer than \`minimumCell\` (at least and by default 5) clients is suppressed. ${roles(["Evaluator"])}`
      )
    ),
    HttpApiEndpoint.get("reportHtml", "/evaluation/:programmeId/report.html", {
      params: { programmeId: Ids.ProgrammeId },
      query: {
        ...evaluationQuery,
        lang: Schema.optionalKey(
          EvaluationText.Language.annotate({
            description:
              "The page's language: fi (Finnish), sv (Swedish) or en (English). Default: the programme's first language the report is written in. Another value is refused (400, issue at `query.lang`)."
          })
        )
      },
      success: Schema.String.pipe(HttpApiSchema.asText({ contentType: "text/html" })),
      error: [...ApiError.viewErrors, ApiError.NotFound]
    }).annotateMerge(
      describe(
        "The evaluation report (HTML)",
        `The same report as a self-contained HTML page with SVG charts, for the municipality's officials and commissioners: in Finnish, Swedish or English (\`lang\`; default the programme's first language), with dates in the programme's local time and numbers as the language writes them. ${roles(["Evaluator"])}`
      )
    )
  )
  .annotate(
    OpenApi.Description,
    "The evaluation report (domain specification §7): aggregates only, small cells suppressed."
  )
  .middleware(RequestErrors)
  .middleware(Authentication)

/**
 * Liveness and readiness (no token needed).
 *
 * @since 0.1.0
 * @category groups
 */
export const Operations = HttpApiGroup.make("operations")
  .add(
    HttpApiEndpoint.get("health", "/health", { success: Responses.Health }).annotateMerge(
      describe("Liveness", "The process is up and serving requests.")
    ),
    HttpApiEndpoint.get("ready", "/ready", {
      success: Responses.Ready,
      error: ApiError.ServiceUnavailable
    }).annotateMerge(describe("Readiness", "The store answers; 503 when it does not."))
  )
  .annotate(OpenApi.Description, "Liveness and readiness probes; no token needed.")

/**
 * The whole API.
 *
 * @since 0.1.0
 * @category api
 */
export const api = HttpApi.make("lahete")
  .add(Referrals, Coordinator, LinkWorker, Referrer, Client, EvaluationGroup, Operations)
  .annotateMerge(
    OpenApi.annotations({
      title: "lahete",
      version: "0.1.0",
      description:
        "The Finnish wellbeing referral (hyvinvointilähete): commands of the referral lifecycle and need-to-know views per role. Authenticate with a bearer access token; send an `Idempotency-Key` header with every command. Request bodies are `application/json` (UTF-8, at most 1 MiB: 415 and 413 otherwise). Every error is a JSON object with a `_tag`; a path no operation serves answers 404 `NotFound` with `resource: route`.",
      license: { name: "MIT" },
      servers: [
        {
          url: "/",
          description:
            "The server that serves this document (at /openapi.json); a deployment behind a proxy is reached under the proxy's base URL."
        }
      ],
      transform: addDiscriminators
    })
  )

/**
 * The API's type.
 *
 * @since 0.1.0
 * @category api
 */
export type Api = typeof api
