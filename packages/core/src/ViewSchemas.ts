/**
 * The views of `Views` as schemas: what a transport encodes a view with
 * (the HTTP API's response bodies, the eKollega status report) and documents
 * (OpenAPI, JSON Schema).
 *
 * Each schema's type is tied to its view's type at compile time
 * (`viewSchema`, `Exact`): a field added to a view (or taken away, made
 * optional, retyped) without the same change here fails `tsc` with an error
 * naming the field ("Property 'view field not in the schema: plan' is
 * missing"), so a transport can neither drop a field the
 * view shows (encoding keeps only the declared fields) nor declare one the
 * view never sends. A transport derives its bodies from these schemas,
 * adding only its own fields (such as a page's `next`), and never lists a
 * view's fields again.
 *
 * Encoding keeps only the declared fields, so a value the view's type does
 * not describe (a stray field at run time) still never reaches the wire.
 *
 * @since 0.3.0
 */
import { Schema } from "effect"
import * as AuditLog from "./AuditLog.js"
import * as Consent from "./Consent.js"
import * as Directory from "./Directory.js"
import * as Ids from "./Ids.js"
import { InstantSchema as At } from "./Instant.js"
import * as Lifecycle from "./Lifecycle.js"
import type * as MeasureLink from "./MeasureLink.js"
import * as PersonalData from "./PersonalData.js"
import type * as Plan from "./Plan.js"
import * as Programme from "./Programme.js"
import type * as Referral from "./Referral.js"
import * as ReferralCommand from "./ReferralCommand.js"
import type * as Views from "./Views.js"

/**
 * `true` when `A` and `B` are the same type (every field, optional or not,
 * with the same type, all the way down), otherwise `false`.
 *
 * @since 0.3.0
 * @category type-level
 */
export type Exact<A, B> =
  (<T>() => T extends Plain<A> ? 1 : 2) extends <T>() => T extends Plain<B> ? 1 : 2 ? true : false

/**
 * A type written out as plain objects and arrays, all the way down (`A & B`
 * becomes one object), so that `Exact` compares what the types hold, not how
 * they were written.
 */
type Plain<T> = T extends string | number | boolean | bigint | symbol | null | undefined
  ? T
  : T extends ReadonlyArray<infer E>
    ? ReadonlyArray<Plain<E>>
    : { readonly [K in keyof T]: Plain<T[K]> }

/**
 * What a schema that differs from its view lacks, so that the compile error
 * names the field: "Property 'view field not in the schema: plan' is
 * missing", "… 'schema field not in the view: …'", "… 'field typed
 * otherwise: …'" (a field whose type, or optionality, differs, also deeper
 * down).
 */
type Differs<S, V> = {
  readonly [K in Exclude<keyof V, keyof S> & string as `view field not in the schema: ${K}`]: K
} & {
  readonly [K in Exclude<keyof S, keyof V> & string as `schema field not in the view: ${K}`]: K
} & {
  readonly [K in keyof S & keyof V & string as Exact<Pick<S, K>, Pick<V, K>> extends true
    ? never
    : `field typed otherwise: ${K}`]: K
} & { readonly "the schema's type differs from the view's": true }

/**
 * The schema of view `V`: `viewSchema<V>()(schema)` compiles only when the
 * schema's type is exactly `V`; otherwise the error names the fields that
 * differ. Returns the schema.
 *
 * @since 0.3.0
 * @category type-level
 */
export const viewSchema =
  <V>() =>
  <S extends Schema.Top>(schema: S & (Exact<S["Type"], V> extends true ? unknown : Differs<S["Type"], V>)): S =>
    schema

const Count = Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(0)))

/**
 * A referral's status once it exists: every state but `Initial`.
 *
 * @since 0.3.0
 * @category schemas
 */
export const ExistingStatus = Schema.Literals(Lifecycle.states)

/**
 * The programme and version a referral runs under.
 *
 * @since 0.3.0
 * @category schemas
 */
export const ProgrammeRef = viewSchema<Views.ProgrammeRef>()(
  Schema.Struct({ id: Ids.ProgrammeId, version: Schema.Int }).annotate({ identifier: "ProgrammeRef" })
)

/**
 * The FHIR R4 Task status of a referral's state (closed-loop reporting).
 *
 * @since 0.3.0
 * @category schemas
 */
export const TaskStatus = viewSchema<Views.TaskStatus>()(
  Schema.Struct({
    status: Schema.String,
    businessStatus: Schema.optionalKey(Schema.String)
  }).annotate({
    identifier: "TaskStatus",
    description: "The FHIR R4 Task status (http://hl7.org/fhir/task-status) and finer businessStatus."
  })
)

// ---------------------------------------------------------------------------
// coordinator
// ---------------------------------------------------------------------------

/**
 * The client as the coordinator sees them while handing the referral over.
 *
 * @since 0.3.0
 * @category schemas
 */
export const InboxClient = viewSchema<Views.InboxClient>()(
  Schema.Struct({
    givenName: Schema.String,
    familyName: Schema.String,
    language: Programme.Language,
    reasonText: Schema.optionalKey(Schema.String)
  }).annotate({ identifier: "InboxClient" })
)

/**
 * What needs someone's action on a referral (`Views.NeedsAction`).
 *
 * @since 0.3.0
 * @category schemas
 */
export const NeedsAction = viewSchema<Views.NeedsAction>()(
  Schema.Literals(["unassigned", "contact-not-scheduled", "call-time-passed", "no-valid-mobile"])
)

/**
 * One referral in the coordinator's inbox (`Views.InboxEntry`). No
 * identifier: a transport that adds fields names its own entry.
 *
 * @since 0.3.0
 * @category schemas
 */
export const InboxEntry = viewSchema<Views.InboxEntry>()(
  Schema.Struct({
    referralId: Ids.ReferralId,
    programme: ProgrammeRef,
    status: ExistingStatus,
    submittedAt: At,
    assignedAt: Schema.optionalKey(At),
    callAt: Schema.optionalKey(At),
    endedAt: Schema.optionalKey(At),
    linkWorkerId: Schema.optionalKey(Ids.ActorId),
    reasonCategories: Schema.Array(Schema.String),
    needsAction: Schema.Array(NeedsAction),
    client: Schema.optionalKey(InboxClient)
  })
)

/**
 * A link worker's load: their active clients.
 *
 * @since 0.3.0
 * @category schemas
 */
export const LinkWorkerLoad = viewSchema<Views.LinkWorkerLoad>()(
  Schema.Struct({ linkWorkerId: Ids.ActorId, activeClients: Count }).annotate({ identifier: "LinkWorkerLoad" })
)

/**
 * The coordinator's inbox (`Views.CoordinatorInbox`). No identifier (see
 * `InboxEntry`).
 *
 * @since 0.3.0
 * @category schemas
 */
export const CoordinatorInbox = viewSchema<Views.CoordinatorInbox>()(
  Schema.Struct({
    entries: Schema.Array(InboxEntry),
    load: Schema.Array(LinkWorkerLoad)
  })
)

// ---------------------------------------------------------------------------
// link worker
// ---------------------------------------------------------------------------

/**
 * The client as their link worker sees them: never the identity code or the
 * birth year.
 *
 * @since 0.3.0
 * @category schemas
 */
export const CaseloadClient = viewSchema<Views.CaseloadClient>()(
  Schema.Struct({
    givenName: Schema.String,
    familyName: Schema.String,
    mobileNumber: Schema.optionalKey(Schema.String),
    language: Programme.Language,
    reasonText: Schema.optionalKey(Schema.String)
  }).annotate({ identifier: "CaseloadClient" })
)

/**
 * The agreed way, frequency and place of meeting.
 *
 * @since 0.3.0
 * @category schemas
 */
export const Arrangement = viewSchema<NonNullable<Referral.ReferralState["arrangement"]>>()(
  Schema.Struct({
    way: Schema.String,
    frequency: Schema.String,
    place: Schema.String
  }).annotate({ identifier: "Arrangement" })
)

/**
 * One activity in the client's plan, step by step (`Plan.PlanActivity`).
 *
 * @since 0.3.0
 * @category schemas
 */
export const PlanActivity = viewSchema<Plan.PlanActivity>()(
  Schema.Struct({
    activity: Directory.ActivityRef,
    step: ReferralCommand.ActivityStep,
    suggested: Schema.Boolean,
    tried: Schema.Boolean,
    accompanied: Schema.Boolean,
    joinedAt: Schema.optionalKey(At),
    leftAt: Schema.optionalKey(At),
    leaveReason: Schema.optionalKey(ReferralCommand.LeaveReason),
    continuingAt: Schema.optionalKey(At)
  }).annotate({ identifier: "PlanActivity" })
)

/**
 * A need nothing in the directory met.
 *
 * @since 0.3.0
 * @category schemas
 */
export const UnmetNeed = viewSchema<Plan.PlanState["unmetNeeds"][number]>()(
  Schema.Struct({ category: Schema.String, area: Schema.String }).annotate({ identifier: "UnmetNeed" })
)

/**
 * The client's plan as the link worker sees it: goals, each directory
 * activity with its steps, unmet needs, and what matters to the client in
 * their words (while the link worker sees the client).
 *
 * @since 0.3.0
 * @category schemas
 */
export const CaseloadPlan = viewSchema<Plan.CaseloadPlan>()(
  Schema.Struct({
    goals: Schema.Array(Schema.String),
    whatMatters: Schema.optionalKey(Schema.String),
    activities: Schema.Array(PlanActivity),
    unmetNeeds: Schema.Array(UnmetNeed)
  }).annotate({ identifier: "CaseloadPlan" })
)

/**
 * One referral as its assigned link worker sees it.
 *
 * @since 0.3.0
 * @category schemas
 */
export const CaseloadEntry = viewSchema<Views.CaseloadEntry>()(
  Schema.Struct({
    referralId: Ids.ReferralId,
    programme: ProgrammeRef,
    status: ExistingStatus,
    assignedAt: Schema.optionalKey(At),
    callAt: Schema.optionalKey(At),
    failedAttempts: Count,
    startedAt: Schema.optionalKey(At),
    meetings: Count,
    // the view's type allows `undefined` here; the view never sets it so
    arrangement: Schema.optional(Arrangement),
    reasonCategories: Schema.Array(Schema.String),
    textMessageAllowed: Schema.Boolean,
    client: Schema.optionalKey(CaseloadClient),
    plan: CaseloadPlan
  }).annotate({ identifier: "CaseloadEntry" })
)

/**
 * The link worker's current caseload (`Views.Caseload`). No identifier (a
 * transport adds its page cursor and names it).
 *
 * @since 0.3.0
 * @category schemas
 */
export const Caseload = viewSchema<Views.Caseload>()(
  Schema.Struct({
    linkWorkerId: Ids.ActorId,
    entries: Schema.Array(CaseloadEntry)
  })
)

// ---------------------------------------------------------------------------
// referrer
// ---------------------------------------------------------------------------

/**
 * The client's plan as the referrer sees it, only under rule C3: goals, each
 * activity's latest step, unmet-need categories; never the client's words.
 *
 * @since 0.3.0
 * @category schemas
 */
export const ReferrerPlan = viewSchema<Plan.ReferrerPlan>()(
  Schema.Struct({
    goals: Schema.Array(Schema.String),
    activities: Schema.Array(
      Schema.Struct({
        activityId: Schema.String,
        version: Schema.Int,
        organisationId: Schema.String,
        step: ReferralCommand.ActivityStep
      })
    ),
    unmetNeeds: Schema.Array(Schema.String)
  }).annotate({ identifier: "ReferrerPlan" })
)

/**
 * Whether the referrer may read the closing feedback, and if not, why
 * (`Views.FeedbackAccess`).
 *
 * @since 0.3.0
 * @category schemas
 */
export const FeedbackAccess = viewSchema<Views.FeedbackAccess>()(
  Schema.Literals(["not-requested", "not-consented", "not-written", "erased", "available"])
)

/**
 * A referral's status as its referrer sees it (closed loop). `feedbackText`
 * and `plan` only in the one-referral view and only under rule C3;
 * `lastUpdated` is when what the view shows last changed.
 *
 * @since 0.3.0
 * @category schemas
 */
export const ReferralStatus = viewSchema<Views.ReferralStatus>()(
  Schema.Struct({
    referralId: Ids.ReferralId,
    programme: ProgrammeRef,
    status: ExistingStatus,
    task: TaskStatus,
    submittedAt: At,
    lastUpdated: At,
    assignedAt: Schema.optionalKey(At),
    startedAt: Schema.optionalKey(At),
    closedAt: Schema.optionalKey(At),
    endedAt: Schema.optionalKey(At),
    endReason: Schema.optionalKey(Schema.String),
    outcome: Schema.optionalKey(Schema.String),
    followUp: Schema.optionalKey(Schema.Literals(["recorded", "missed"])),
    feedbackRequested: Schema.Boolean,
    feedback: FeedbackAccess,
    feedbackText: Schema.optionalKey(Schema.String),
    plan: Schema.optionalKey(ReferrerPlan)
  }).annotate({ identifier: "ReferralStatus" })
)

// ---------------------------------------------------------------------------
// client
// ---------------------------------------------------------------------------

/**
 * A measure administration as the referral's state remembers it.
 *
 * @since 0.3.0
 * @category schemas
 */
export const MeasureTaken = viewSchema<Referral.MeasureTaken>()(
  Schema.Struct({
    instrument: Schema.String,
    timePoint: ReferralCommand.TimePoint,
    respondent: Schema.Literals(["self", "proxy"]),
    at: At
  }).annotate({ identifier: "MeasureTaken" })
)

/**
 * A measure link as the referral's state remembers it (`MeasureLink.Issued`:
 * the token's id, not the token).
 *
 * @since 0.3.0
 * @category schemas
 */
export const MeasureLinkIssued = viewSchema<MeasureLink.Issued>()(
  Schema.Struct({
    tokenId: Schema.String,
    timePoint: ReferralCommand.TimePoint,
    reminder: Count,
    requestedAt: At,
    expiresAt: At
  }).annotate({ identifier: "MeasureLinkIssued" })
)

/**
 * The plan as the referral's state holds it (no personal data).
 *
 * @since 0.3.0
 * @category schemas
 */
export const PlanState = viewSchema<Plan.PlanState>()(
  Schema.Struct({
    recorded: Schema.Boolean,
    goals: Schema.Array(Schema.String),
    activities: Schema.Array(PlanActivity),
    unmetNeeds: Schema.Array(UnmetNeed)
  }).annotate({ identifier: "PlanState" })
)

/**
 * One of the client's referrals, in full (the pseudonymous state), with its
 * FHIR Task status.
 *
 * @since 0.3.0
 * @category schemas
 */
export const ReferralRecord = viewSchema<Views.SubjectAccess["referrals"][number]>()(
  Schema.Struct({
    status: Lifecycle.Status,
    version: Count,
    lastEventAt: Schema.optionalKey(At),
    statusChangedAt: Schema.optionalKey(At),
    referrerViewChangedAt: Schema.optionalKey(At),
    referralId: Schema.optionalKey(Ids.ReferralId),
    subjectId: Schema.optionalKey(Ids.SubjectId),
    programme: Schema.optionalKey(ProgrammeRef),
    referrer: Schema.optionalKey(
      Schema.Struct({ id: Ids.ActorId, organisation: Ids.OrganisationId, profession: Schema.String })
    ),
    reasonCategories: Schema.Array(Schema.String),
    feedbackRequested: Schema.Boolean,
    validMobile: Schema.Boolean,
    consents: Schema.Record(Consent.Purpose, Schema.optionalKey(Consent.ConsentRecord)),
    linkWorkerId: Schema.optionalKey(Ids.ActorId),
    submittedAt: Schema.optionalKey(At),
    assignedAt: Schema.optionalKey(At),
    callAt: Schema.optionalKey(At),
    failedAttempts: Count,
    startedAt: Schema.optionalKey(At),
    closedAt: Schema.optionalKey(At),
    endedAt: Schema.optionalKey(At),
    outcome: Schema.optionalKey(Schema.String),
    endReason: Schema.optionalKey(Schema.String),
    holdReason: Schema.optionalKey(Schema.String),
    followUp: Schema.optionalKey(Schema.Literals(["recorded", "missed"])),
    meetings: Count,
    arrangement: Schema.optionalKey(Arrangement),
    measures: Schema.Array(MeasureTaken),
    messagesRequested: Count,
    messagesSent: Count,
    messagesNotSent: Count,
    personalDataErased: Schema.Boolean,
    deadlineMarks: Schema.Array(Schema.String),
    measureLinks: Schema.optionalKey(Schema.Array(MeasureLinkIssued)),
    measureLinksAnswered: Schema.optionalKey(Schema.Array(ReferralCommand.TimePoint)),
    plan: PlanState,
    task: TaskStatus
  }).annotate({ identifier: "ReferralRecord" })
)

/**
 * Subject access (`Views.SubjectAccess`): everything about the client, who
 * read their data (usage log) and to whom it was disclosed (disclosure log).
 * No identifier (a transport adds its page cursor and names it).
 *
 * @since 0.3.0
 * @category schemas
 */
export const SubjectAccess = viewSchema<Views.SubjectAccess>()(
  Schema.Struct({
    subjectId: Ids.SubjectId,
    personalData: Schema.optionalKey(PersonalData.SubjectData),
    referrals: Schema.Array(ReferralRecord),
    usage: Schema.Array(AuditLog.UsageEntry),
    disclosures: Schema.Array(AuditLog.DisclosureEntry)
  })
)
