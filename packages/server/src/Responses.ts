/**
 * The response bodies: the result of a command and the need-to-know views of
 * `@lahete/core` (domain specification §4) as schemas. They describe the API
 * in the OpenAPI document, and every response is encoded through them, so a
 * field a view does not declare never reaches the wire.
 *
 * A view's body is core's `ViewSchemas` schema of that view (whose type is
 * tied to the view's type at compile time), with only the API's own fields
 * added (a page's `next`, the inbox's deadlines): a field added to a view
 * is sent, and declared in the OpenAPI document, without a change here.
 *
 * @since 0.1.0
 */
import {
  Deadlines,
  Directory,
  Ids,
  Instant,
  Lifecycle,
  LinkWorker,
  LinkWorkerSurvey,
  LinkWorkerSurveyAnswers,
  ViewSchemas
} from "@lahete/core"
import { Schema } from "effect"

const At = Instant.InstantSchema
const Count = Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(0)))
const Status = Lifecycle.Status

/**
 * An opaque page cursor.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Cursor = Schema.String.pipe(
  Schema.check(Schema.isMaxLength(600), Schema.isPattern(/^[A-Za-z0-9_-]+$/))
).annotate({
  identifier: "Cursor",
  description: "An opaque page cursor: pass a page's `next` back as `cursor` to read the next page."
})

/**
 * The programme and version a referral runs under.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ProgrammeRef = ViewSchemas.ProgrammeRef

/**
 * The FHIR R4 Task status of a referral's state (closed-loop reporting).
 *
 * @since 0.1.0
 * @category schemas
 */
export const TaskStatus = ViewSchemas.TaskStatus

/**
 * What a command did: the referral, its stream version and status after the
 * command, the events it appended (their types) and whether the idempotency
 * key had been seen before (`replayed`: the first result, nothing new
 * written). A submission also names the subject id.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CommandResult = Schema.Struct({
  referralId: Ids.ReferralId,
  subjectId: Schema.optionalKey(Ids.SubjectId),
  version: Count,
  status: Status,
  events: Schema.Array(Schema.String),
  replayed: Schema.Boolean
}).annotate({ identifier: "CommandResult" })
/**
 * @since 0.1.0
 * @category models
 */
export type CommandResult = typeof CommandResult.Type

// ---------------------------------------------------------------------------
// coordinator
// ---------------------------------------------------------------------------

/**
 * Where a deadline stands now: `pending` (before its warning), `at-risk`
 * (warning time reached) or `missed` (due time passed).
 *
 * @since 0.1.0
 * @category schemas
 */
export const DeadlineCondition = Schema.Literals(["pending", "at-risk", "missed"])

/**
 * A deadline that applies to a referral now (`Deadlines.nextDeadlines`).
 *
 * @since 0.1.0
 * @category schemas
 */
export const DeadlineView = Schema.Struct({
  kind: Deadlines.Kind,
  code: Schema.Literals(["D1", "D2", "D4", "D5", "D6"]),
  dueAt: At,
  warnAt: Schema.optionalKey(At),
  opensAt: Schema.optionalKey(At),
  condition: DeadlineCondition
}).annotate({ identifier: "Deadline" })
/**
 * @since 0.1.0
 * @category models
 */
export type DeadlineView = typeof DeadlineView.Type

/**
 * The client as the coordinator sees them while handing the referral over.
 *
 * @since 0.1.0
 * @category schemas
 */
export const InboxClient = ViewSchemas.InboxClient

/**
 * One referral in the coordinator's inbox, with the deadlines that apply to
 * it now.
 *
 * @since 0.1.0
 * @category schemas
 */
export const InboxEntry = Schema.Struct({
  ...ViewSchemas.InboxEntry.fields,
  deadlines: Schema.Array(DeadlineView)
}).annotate({ identifier: "InboxEntry" })

/**
 * A deadline at risk or missed, for the inbox's summary.
 *
 * @since 0.1.0
 * @category schemas
 */
export const DeadlineAtRisk = Schema.Struct({
  referralId: Ids.ReferralId,
  kind: Deadlines.Kind,
  code: Schema.Literals(["D1", "D2", "D4", "D5", "D6"]),
  dueAt: At,
  condition: Schema.Literals(["at-risk", "missed"])
}).annotate({ identifier: "DeadlineAtRisk" })

/**
 * A link worker's load: their active clients.
 *
 * @since 0.1.0
 * @category schemas
 */
export const LinkWorkerLoad = ViewSchemas.LinkWorkerLoad

/**
 * The coordinator's inbox, a page at a time: the referrals of the
 * programmes they coordinate, oldest first; the deadlines at risk or missed
 * of the page's referrals, earliest due first; the load of every link
 * worker with active clients; `next`, the cursor of the next page (absent on
 * the last).
 *
 * @since 0.1.0
 * @category schemas
 */
export const CoordinatorInbox = Schema.Struct({
  ...ViewSchemas.CoordinatorInbox.fields,
  entries: Schema.Array(InboxEntry),
  atRisk: Schema.Array(DeadlineAtRisk),
  next: Schema.optionalKey(Cursor)
}).annotate({ identifier: "CoordinatorInbox" })
/**
 * @since 0.1.0
 * @category models
 */
export type CoordinatorInbox = typeof CoordinatorInbox.Type

/**
 * One row of the "training due" list.
 *
 * @since 0.1.0
 * @category schemas
 */
export const TrainingDue = Schema.Struct({
  linkWorkerId: Ids.ActorId,
  kind: Schema.Literals(["basic-training", "confidentiality-commitment", "refresher"]),
  dueAt: Schema.optionalKey(At),
  overdue: Schema.Boolean
}).annotate({ identifier: "TrainingDue" })

/**
 * A link worker in the registry (professional data only).
 *
 * @since 0.1.0
 * @category schemas
 */
export const LinkWorkerEntry = LinkWorker.LinkWorker.annotate({ identifier: "LinkWorker" })

// ---------------------------------------------------------------------------
// link worker
// ---------------------------------------------------------------------------

/**
 * The client as their link worker sees them: never the identity code or the
 * birth year.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CaseloadClient = ViewSchemas.CaseloadClient

/**
 * The agreed way, frequency and place of meeting.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Arrangement = ViewSchemas.Arrangement

/**
 * The client's plan as the link worker sees it: goals, each directory
 * activity with its steps, unmet needs, and what matters to the client in
 * their words (while the link worker sees the client).
 *
 * @since 0.3.0
 * @category schemas
 */
export const CaseloadPlan = ViewSchemas.CaseloadPlan

/**
 * The client's plan as the referrer sees it, only under rule C3: goals, each
 * activity's latest step, unmet-need categories; never the client's words.
 *
 * @since 0.3.0
 * @category schemas
 */
export const ReferrerPlan = ViewSchemas.ReferrerPlan

/**
 * A page of the directory's current activities, by id, with the cursor of
 * the next page.
 *
 * @since 0.3.0
 * @category schemas
 */
export const DirectoryActivities = Schema.Struct({
  items: Schema.Array(Directory.Activity),
  next: Schema.optionalKey(Cursor)
}).annotate({ identifier: "DirectoryActivities" })

/**
 * A page of the directory's current organisations, by id, with the cursor
 * of the next page.
 *
 * @since 0.3.0
 * @category schemas
 */
export const DirectoryOrganisations = Schema.Struct({
  items: Schema.Array(Directory.Organisation),
  next: Schema.optionalKey(Cursor)
}).annotate({ identifier: "DirectoryOrganisations" })

/**
 * A page of the directory as HSDS 3.0: the `contents` of an HSDS API page
 * (`organization_full` objects: a page of organisations by id, each with all
 * its current services), with the cursor of the next page in place of
 * HSDS's page numbers and totals (`Hsds.fromHsds` reads the page as it is).
 *
 * @since 0.3.0
 * @category schemas
 */
export const DirectoryHsdsPage = Schema.Struct({
  contents: Schema.Array(Schema.Record(Schema.String, Schema.Unknown)),
  next: Schema.optionalKey(Cursor)
}).annotate({ identifier: "DirectoryHsdsPage" })

/**
 * The versions a directory change wrote (unchanged entries are not listed).
 *
 * @since 0.3.0
 * @category schemas
 */
export const DirectoryWritten = Schema.Struct({
  organisations: Schema.Array(Directory.Organisation),
  activities: Schema.Array(Directory.Activity)
}).annotate({ identifier: "DirectoryWritten" })

/**
 * One referral as its assigned link worker sees it.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CaseloadEntry = ViewSchemas.CaseloadEntry

/**
 * The link worker's current caseload.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Caseload = Schema.Struct({
  ...ViewSchemas.Caseload.fields,
  next: Schema.optionalKey(Cursor)
}).annotate({ identifier: "Caseload" })

// ---------------------------------------------------------------------------
// referrer
// ---------------------------------------------------------------------------

/**
 * A referral's status as its referrer sees it (closed loop). `feedbackText`
 * only in the one-referral view and only under rule C3.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ReferralStatus = ViewSchemas.ReferralStatus

/**
 * The referrer's overview, a page at a time: the status of the referrals
 * they made, oldest first, and the cursor of the next page.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ReferrerOverview = Schema.Struct({
  entries: Schema.Array(ReferralStatus),
  next: Schema.optionalKey(Cursor)
}).annotate({ identifier: "ReferrerOverview" })

// ---------------------------------------------------------------------------
// client
// ---------------------------------------------------------------------------

/**
 * A measure administration as the referral's state remembers it.
 *
 * @since 0.1.0
 * @category schemas
 */
export const MeasureTaken = ViewSchemas.MeasureTaken

/**
 * One of the client's referrals, in full (pseudonymous state), with its FHIR
 * Task status.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ReferralRecord = ViewSchemas.ReferralRecord

/**
 * Subject access: everything about the client, who read their data (usage
 * log) and to whom it was disclosed (disclosure log).
 *
 * @since 0.1.0
 * @category schemas
 */
export const SubjectAccess = Schema.Struct({
  ...ViewSchemas.SubjectAccess.fields,
  next: Schema.optionalKey(Cursor)
}).annotate({ identifier: "SubjectAccess" })

// ---------------------------------------------------------------------------
// operations
// ---------------------------------------------------------------------------

/**
 * The liveness answer.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Health = Schema.Struct({ status: Schema.Literal("ok") }).annotate({ identifier: "Health" })

/**
 * The readiness answer.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Ready = Schema.Struct({ status: Schema.Literal("ready") }).annotate({ identifier: "Ready" })

/**
 * `GET /link-worker/survey`: the programme's survey as a link worker sees
 * it: its items, the round open now and when it closes, and whether the
 * caller has answered it.
 *
 * @since 0.3.0
 * @category schemas
 */
export const LinkWorkerSurveyRound = Schema.Struct({
  survey: LinkWorkerSurvey.Survey,
  round: Schema.String,
  closesAt: At,
  answered: Schema.Boolean
}).annotate({ identifier: "LinkWorkerSurveyRound" })

/**
 * `POST /link-worker/survey`: the answer was stored (without the link
 * worker) for this round.
 *
 * @since 0.3.0
 * @category schemas
 */
export const SurveyAnswered = Schema.Struct({ round: Schema.String, answered: Schema.Literal(true) }).annotate({
  identifier: "SurveyAnswered"
})

/**
 * `GET /coordinator/link-worker-survey`: the round open now (no figures)
 * and the last closed round's aggregates, small cells and their
 * complements suppressed (`LinkWorkerSurveyAnswers.View`).
 *
 * @since 0.3.0
 * @category schemas
 */
export const LinkWorkerSurveyView = LinkWorkerSurveyAnswers.View.annotate({ identifier: "LinkWorkerSurveyView" })
