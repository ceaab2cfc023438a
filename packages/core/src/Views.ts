/**
 * The views per role (need-to-know, domain specification §4), as pure
 * functions of referral states, vault entries and audit entries. Each view
 * takes the actor and returns a `Result`: the view, or `Forbidden` when the
 * actor is outside the role (or the referral is not theirs).
 *
 * A view never looks anything up: the caller hands in what it needs.
 * `needs` says, per view, which vault entries the view will read; it makes
 * the same role and relation checks as the view, so a refused actor causes no
 * vault read at all. Every view answers with `Viewed`: the view itself plus
 * the personal-data reads and disclosures it contains, which
 * `ReferralQueries` writes to the usage and disclosure logs.
 *
 * What each role sees:
 * - Coordinator: the referrals of the programmes they coordinate, with status,
 *   times, the link worker, what needs action and link-worker load. The
 *   client's name, language and short reason text only while the referral can
 *   still be assigned or reassigned (Submitted, Assigned): that is what the
 *   hand-over needs (Kemijärvi: the coordinator hands each referral on so
 *   that the link worker learns only their own client's name and a short
 *   description). Never the identity code, birth year, mobile number or
 *   closing feedback.
 * - LinkWorker: only referrals assigned to them; the client's name, mobile
 *   number, language and the short reason while the referral has not ended.
 *   Never the identity code, birth year or anything about the referrer.
 * - Referrer: status of their own referrals (FHIR Task status for the closed
 *   loop); the closing feedback only under rule C3.
 * - Client: everything about themselves, plus the usage and disclosure logs.
 * - Evaluator and System: none of these views (aggregates are a separate
 *   module).
 *
 * @since 0.1.0
 */
import { Result } from "effect"
import type { Actor, Role } from "./Actor.js"
import type { DisclosureEntry, UsageEntry } from "./AuditLog.js"
import * as Consent from "./Consent.js"
import type { ActorId, OrganisationId, ProgrammeId, ReferralId, SubjectId } from "./Ids.js"
import { type Instant, toMillis } from "./Instant.js"
import * as Lifecycle from "./Lifecycle.js"
import type { SubjectData } from "./PersonalData.js"
import * as Plan from "./Plan.js"
import type { Language } from "./Programme.js"
import type { ReferralState } from "./Referral.js"
import { Forbidden } from "./ReferralError.js"

/**
 * The views.
 *
 * @since 0.1.0
 * @category models
 */
export type ViewName =
  | "coordinator-inbox"
  | "link-worker-caseload"
  | "link-worker-referral"
  | "referrer-overview"
  | "referral-status"
  | "subject-access"

/**
 * The role each view needs. Finer checks (assigned link worker, own
 * referral, data subject) follow in the view.
 *
 * @since 0.1.0
 * @category constants
 */
export const allowedRoles: Readonly<Record<ViewName, ReadonlyArray<Role>>> = {
  "coordinator-inbox": ["Coordinator"],
  "link-worker-caseload": ["LinkWorker"],
  "link-worker-referral": ["LinkWorker"],
  "referrer-overview": ["Referrer"],
  "referral-status": ["Referrer"],
  "subject-access": ["Client"]
}

/**
 * Why each view reads personal data: the `purpose` written to the usage log.
 *
 * @since 0.1.0
 * @category constants
 */
export const purposes = {
  "coordinator-inbox": "referral-handover",
  "link-worker-caseload": "link-work",
  "link-worker-referral": "link-work",
  "referral-status": "closed-loop-feedback",
  "subject-access": "subject-access"
} as const

/**
 * The legal basis written to the disclosure log when a referrer reads the
 * closing feedback (rule C3): the client's consent for that purpose.
 *
 * @since 0.1.0
 * @category constants
 */
export const feedbackLegalBasis = "consent:feedback-to-referrer"

/**
 * A read of personal data a view contains (for the usage log).
 *
 * @since 0.1.0
 * @category models
 */
export interface Read {
  readonly subjectId: SubjectId
  readonly referralId?: ReferralId
  /** The view, or `closing-feedback`. */
  readonly what: string
  readonly purpose: string
}

/**
 * A disclosure a view contains (for the disclosure log).
 *
 * @since 0.1.0
 * @category models
 */
export interface Disclosure {
  readonly subjectId: SubjectId
  readonly referralId: ReferralId
  readonly recipientId: ActorId
  readonly recipientOrganisation: OrganisationId
  readonly what: string
  readonly legalBasis: string
}

/**
 * A view with the personal-data reads and disclosures it contains.
 *
 * @since 0.1.0
 * @category models
 */
export interface Viewed<A> {
  readonly view: A
  readonly reads: ReadonlyArray<Read>
  readonly disclosures: ReadonlyArray<Disclosure>
}

/**
 * The vault entries a view may read, by subject id.
 *
 * @since 0.1.0
 * @category models
 */
export type Subjects = ReadonlyMap<string, SubjectData>

/**
 * The FHIR R4 Task status of a state (closed-loop reporting).
 *
 * @since 0.1.0
 * @category models
 */
export interface TaskStatus {
  readonly status: string
  readonly businessStatus?: string
}

/**
 * The programme and version a referral runs under.
 *
 * @since 0.1.0
 * @category models
 */
export interface ProgrammeRef {
  readonly id: ProgrammeId
  readonly version: number
}

/** A state of a referral that exists (was submitted). */
type Existing = ReferralState & {
  readonly status: Exclude<Lifecycle.Status, "Initial">
  readonly referralId: ReferralId
  readonly subjectId: SubjectId
  readonly programme: ProgrammeRef
  readonly referrer: NonNullable<ReferralState["referrer"]>
  readonly submittedAt: Instant
}

// Stryker disable all: equivalent. A state leaves `Initial` only through `ReferralSubmitted`, which sets
// `referralId`, `subjectId`, `programme`, `referrer` and `submittedAt` together, so any one of the six
// conjuncts decides; the others are there for the type (see docs/mutation.md).
const exists = (s: ReferralState): s is Existing =>
  s.status !== "Initial" &&
  s.referralId !== undefined &&
  s.subjectId !== undefined &&
  s.programme !== undefined &&
  s.referrer !== undefined &&
  s.submittedAt !== undefined
// Stryker restore all

/** A referrer's own referral: professional ids are unique within an organisation only, so both must match. */
const isOwnReferral = (actor: Actor, s: Existing): boolean =>
  s.referrer.id === actor.id && s.referrer.organisation === actor.organisation

const bySubmission = (a: Existing, b: Existing): number =>
  a.submittedAt < b.submittedAt ? -1 : a.submittedAt > b.submittedAt ? 1 : byReferralId(a, b)

/** The tie-break between referrals submitted at the same instant. */
const byReferralId = (a: Existing, b: Existing): number =>
  // Stryker disable next-line EqualityOperator: equivalent, the tie-break compares distinct referral ids, never equal ones
  a.referralId < b.referralId ? -1 : 1

const forbidden = (actor: Actor, view: ViewName, reason: Forbidden["reason"]) =>
  Result.fail(new Forbidden({ role: actor.role, action: `read ${view}`, reason }))

const checkRole = (actor: Actor, view: ViewName): Result.Result<void, Forbidden> =>
  allowedRoles[view].includes(actor.role) ? Result.void : forbidden(actor, view, "role")

const task = (status: Exclude<Lifecycle.Status, "Initial">): TaskStatus => Lifecycle.fhirTaskStatus[status]

const optional = <K extends string, V>(key: K, value: V | undefined): { readonly [P in K]?: V } =>
  (value === undefined ? {} : { [key]: value }) as { readonly [P in K]?: V }

const notesOf = (subject: SubjectData, referralId: ReferralId) => subject.referrals[referralId]

/**
 * The states in which a referral counts towards its link worker's load
 * (active clients, the capacity in the link-worker registry).
 *
 * @since 0.1.0
 * @category constants
 */
export const activeStatuses: ReadonlySet<Lifecycle.Status> = Lifecycle.caseload

/**
 * Active clients per link worker over the given referral states, highest
 * load first.
 *
 * @since 0.1.0
 * @category getters
 */
export const linkWorkerLoad = (states: Iterable<ReferralState>): ReadonlyArray<LinkWorkerLoad> => {
  const counts = new Map<ActorId, number>()
  for (const s of states) {
    if (s.linkWorkerId !== undefined && activeStatuses.has(s.status)) {
      counts.set(s.linkWorkerId, (counts.get(s.linkWorkerId) ?? 0) + 1)
    }
  }
  return [...counts].map(([linkWorkerId, activeClients]) => ({ linkWorkerId, activeClients })).sort(byLoad)
}

/** Highest load first, then by id. */
const byLoad = (a: LinkWorkerLoad, b: LinkWorkerLoad): number =>
  // Stryker disable next-line EqualityOperator: equivalent, map keys are distinct, so the tie-break never sees equal ids
  b.activeClients - a.activeClients || (a.linkWorkerId < b.linkWorkerId ? -1 : 1)

// ---------------------------------------------------------------------------
// Coordinator
// ---------------------------------------------------------------------------

/**
 * Which programmes a coordinator coordinates. The embedding system derives it
 * from its own authorisation (the coordinator's account), never from what a
 * request asks for.
 *
 * @since 0.1.0
 * @category models
 */
export interface CoordinatorScope {
  readonly programmeIds: ReadonlyArray<ProgrammeId>
}

/**
 * What needs someone's action on a referral, as the coordinator sees it:
 * - `unassigned`: submitted, no link worker yet (assign or reject; D1).
 * - `contact-not-scheduled`: assigned, the link worker has not set a call time (D2).
 * - `call-time-passed`: the call time is past and no outcome is recorded.
 * - `no-valid-mobile`: no valid mobile number on file before first contact,
 *   so the call-time text message cannot be sent (C2).
 *
 * @since 0.1.0
 * @category models
 */
export type NeedsAction = "unassigned" | "contact-not-scheduled" | "call-time-passed" | "no-valid-mobile"

/**
 * The client as the coordinator sees them, while handing the referral over.
 *
 * @since 0.1.0
 * @category models
 */
export interface InboxClient {
  readonly givenName: string
  readonly familyName: string
  readonly language: Language
  readonly reasonText?: string
}

/**
 * One referral in the coordinator's inbox.
 *
 * @since 0.1.0
 * @category models
 */
export interface InboxEntry {
  readonly referralId: ReferralId
  readonly programme: ProgrammeRef
  readonly status: Exclude<Lifecycle.Status, "Initial">
  readonly submittedAt: Instant
  readonly assignedAt?: Instant
  readonly callAt?: Instant
  readonly endedAt?: Instant
  readonly linkWorkerId?: ActorId
  readonly reasonCategories: ReadonlyArray<string>
  readonly needsAction: ReadonlyArray<NeedsAction>
  /** Present while the referral can be (re)assigned and the vault holds the client. */
  readonly client?: InboxClient
}

/**
 * A link worker's load.
 *
 * @since 0.1.0
 * @category models
 */
export interface LinkWorkerLoad {
  readonly linkWorkerId: ActorId
  readonly activeClients: number
}

/**
 * The coordinator's inbox: the programmes' referrals, oldest first, and the
 * load of every link worker with active clients.
 *
 * @since 0.1.0
 * @category models
 */
export interface CoordinatorInbox {
  readonly entries: ReadonlyArray<InboxEntry>
  readonly load: ReadonlyArray<LinkWorkerLoad>
}

const inScope =
  (scope: CoordinatorScope) =>
  (s: ReferralState): s is Existing =>
    exists(s) && scope.programmeIds.includes(s.programme.id)

/**
 * Whether the coordinator sees the client's name, language and reason for a
 * referral: while it can still be assigned or reassigned.
 *
 * @since 0.1.0
 * @category predicates
 */
export const coordinatorSeesClient = (state: ReferralState): boolean =>
  Lifecycle.accepts(state.status, "AssignLinkWorker") && !state.personalDataErased

const needsAction = (s: Existing, at: Instant): ReadonlyArray<NeedsAction> => {
  const out: Array<NeedsAction> = []
  if (s.status === "Submitted") out.push("unassigned")
  if (s.status === "Assigned") out.push("contact-not-scheduled")
  if (
    s.status === "ContactScheduled" &&
    // Stryker disable next-line ConditionalExpression: equivalent, `undefined <= at` is false; the check is for the type
    s.callAt !== undefined &&
    s.callAt <= at
  ) {
    out.push("call-time-passed")
  }
  if (
    (s.status === "Submitted" || s.status === "Assigned" || s.status === "ContactScheduled") &&
    !s.validMobile &&
    !s.personalDataErased
  ) {
    out.push("no-valid-mobile")
  }
  return out
}

// ---------------------------------------------------------------------------
// Link worker
// ---------------------------------------------------------------------------

/**
 * The client as their link worker sees them.
 *
 * @since 0.1.0
 * @category models
 */
export interface CaseloadClient {
  readonly givenName: string
  readonly familyName: string
  /** E.164. */
  readonly mobileNumber?: string
  readonly language: Language
  readonly reasonText?: string
}

/**
 * One referral as its link worker sees it.
 *
 * @since 0.1.0
 * @category models
 */
export interface CaseloadEntry {
  readonly referralId: ReferralId
  readonly programme: ProgrammeRef
  readonly status: Exclude<Lifecycle.Status, "Initial">
  readonly assignedAt?: Instant
  readonly callAt?: Instant
  readonly failedAttempts: number
  readonly startedAt?: Instant
  readonly meetings: number
  readonly arrangement?: ReferralState["arrangement"]
  readonly reasonCategories: ReadonlyArray<string>
  /** Whether the call-time text message may be sent now (C2: consent and a valid number). */
  readonly textMessageAllowed: boolean
  /** Present while the referral has not ended and the vault holds the client. */
  readonly client?: CaseloadClient
  /** The client's plan; what matters to the client (their words) only with `client`. */
  readonly plan: Plan.CaseloadPlan
}

/**
 * The link worker's current caseload: the referrals assigned to them that
 * have not ended, oldest first.
 *
 * @since 0.1.0
 * @category models
 */
export interface Caseload {
  readonly linkWorkerId: ActorId
  readonly entries: ReadonlyArray<CaseloadEntry>
}

const assignedTo =
  (linkWorkerId: ActorId) =>
  (s: ReferralState): s is Existing =>
    exists(s) && s.linkWorkerId === linkWorkerId

const linkWorkerSeesClient = (s: ReferralState): boolean => !Lifecycle.isTerminal(s.status) && !s.personalDataErased

const caseloadEntry = (s: Existing, subjects: Subjects, at: Instant): CaseloadEntry => {
  const subject = linkWorkerSeesClient(s) ? subjects.get(s.subjectId) : undefined
  const notes = subject === undefined ? undefined : notesOf(subject, s.referralId)
  return {
    referralId: s.referralId,
    programme: s.programme,
    status: s.status,
    ...optional("assignedAt", s.assignedAt),
    ...optional("callAt", s.callAt),
    failedAttempts: s.failedAttempts,
    ...optional("startedAt", s.startedAt),
    meetings: s.meetings,
    ...optional("arrangement", s.arrangement),
    reasonCategories: s.reasonCategories,
    textMessageAllowed: s.validMobile && !s.personalDataErased && Consent.isGranted(s.consents, "contact-by-sms", at),
    ...optional(
      "client",
      subject === undefined
        ? undefined
        : {
            givenName: subject.givenName,
            familyName: subject.familyName,
            ...optional("mobileNumber", subject.mobileNumber),
            language: subject.language,
            ...optional("reasonText", notes?.reasonText)
          }
    ),
    plan: {
      goals: s.plan.goals,
      ...optional("whatMatters", notes?.whatMatters),
      activities: s.plan.activities,
      unmetNeeds: s.plan.unmetNeeds
    }
  }
}

// ---------------------------------------------------------------------------
// Referrer
// ---------------------------------------------------------------------------

/**
 * Whether the referrer may read the closing feedback (rule C3), and if not,
 * why:
 * - `not-requested`: the referrer did not ask for it when referring.
 * - `not-consented`: the client has not granted `feedback-to-referrer`, or
 *   refused, withdrew, or the consent expired.
 * - `not-written`: the collaboration has not closed yet.
 * - `erased`: the client's personal data was erased.
 * - `available`: all of C3 holds.
 *
 * @since 0.1.0
 * @category models
 */
export type FeedbackAccess = "not-requested" | "not-consented" | "not-written" | "erased" | "available"

/**
 * A referral's status as its referrer sees it (closed loop).
 *
 * @since 0.1.0
 * @category models
 */
export interface ReferralStatus {
  readonly referralId: ReferralId
  readonly programme: ProgrammeRef
  readonly status: Exclude<Lifecycle.Status, "Initial">
  readonly task: TaskStatus
  readonly submittedAt: Instant
  /**
   * When what this view shows last changed (FHIR `Task.meta.lastUpdated`):
   * the status, a milestone, the feedback consent (granted, withdrawn, or
   * expired by the time of reading) or erasure; the submission time until then.
   */
  readonly lastUpdated: Instant
  readonly assignedAt?: Instant
  readonly startedAt?: Instant
  readonly closedAt?: Instant
  readonly endedAt?: Instant
  /** Why it ended: the rejection or cancellation reason code, or `consent-withdrawn`. */
  readonly endReason?: string
  /** The closing outcome code. */
  readonly outcome?: string
  readonly followUp?: "recorded" | "missed"
  readonly feedbackRequested: boolean
  readonly feedback: FeedbackAccess
  /** Only in `referralStatus`, only when `feedback` is `available`. */
  readonly feedbackText?: string
  /**
   * The client's plan (goals, activities and their steps, unmet-need
   * categories; never what matters to the client in their words): only in
   * `referralStatus`, only while rule C3's consent holds (`planShared`), and
   * each such read is logged as a disclosure.
   */
  readonly plan?: Plan.ReferrerPlan
}

/**
 * Whether the referrer may see the client's plan at \`at\` (rule C3 extended
 * to the plan): they asked for the closing feedback, the client granted
 * \`feedback-to-referrer\` and it is in force, and the personal data is not
 * erased. Unlike the feedback, the plan need not wait for closing.
 *
 * @since 0.3.0
 * @category predicates
 */
export const planShared = (state: ReferralState, at: Instant): boolean => {
  const access = feedbackAccess(state, at)
  return access === "available" || access === "not-written"
}

/**
 * Whether the closing feedback may be read by the referrer at `at`, from the
 * state alone (rule C3): they asked for it, the client's
 * `feedback-to-referrer` consent is granted and in force, the feedback was
 * written and not erased.
 *
 * @since 0.1.0
 * @category predicates
 */
export const feedbackAccess = (state: ReferralState, at: Instant): FeedbackAccess =>
  !state.feedbackRequested
    ? "not-requested"
    : !Consent.isGranted(state.consents, "feedback-to-referrer", at)
      ? "not-consented"
      : state.personalDataErased
        ? "erased"
        : state.closedAt === undefined
          ? "not-written"
          : "available"

/** The view's `lastUpdated`: the latest recorded change, or a feedback consent's expiry once it has passed. */
const lastUpdatedOf = (s: Existing, at: Instant): Instant => {
  const changed = s.referrerViewChangedAt ?? s.statusChangedAt ?? s.submittedAt
  const expiresAt = s.consents["feedback-to-referrer"]?.expiresAt
  return (
    // Stryker disable next-line ConditionalExpression: equivalent, `toMillis(undefined)` is NaN and compares false
    expiresAt !== undefined &&
      toMillis(expiresAt) <= toMillis(at) &&
      // Stryker disable next-line EqualityOperator: equivalent, an expiry at the last change's instant gives that instant either way
      toMillis(expiresAt) > toMillis(changed)
      ? expiresAt
      : changed
  )
}

const statusOf = (s: Existing, at: Instant): ReferralStatus => ({
  referralId: s.referralId,
  programme: s.programme,
  status: s.status,
  task: task(s.status),
  submittedAt: s.submittedAt,
  lastUpdated: lastUpdatedOf(s, at),
  ...optional("assignedAt", s.assignedAt),
  ...optional("startedAt", s.startedAt),
  ...optional("closedAt", s.closedAt),
  ...optional("endedAt", s.endedAt),
  ...optional("endReason", s.endReason),
  ...optional("outcome", s.outcome),
  ...optional("followUp", s.followUp),
  feedbackRequested: s.feedbackRequested,
  feedback: feedbackAccess(s, at)
})

// ---------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------

/**
 * Everything about a client (subject access, Act 703/2023 §11): the vault
 * entry, their referrals' states, who read their data and to whom it was
 * disclosed.
 *
 * @since 0.1.0
 * @category models
 */
export interface SubjectAccess {
  readonly subjectId: SubjectId
  /** Absent after erasure. */
  readonly personalData?: SubjectData
  readonly referrals: ReadonlyArray<ReferralState & { readonly task: TaskStatus }>
  readonly usage: ReadonlyArray<UsageEntry>
  readonly disclosures: ReadonlyArray<DisclosureEntry>
}

// ---------------------------------------------------------------------------
// What each view reads
// ---------------------------------------------------------------------------

const ids = (states: ReadonlyArray<Existing>): ReadonlyArray<SubjectId> => [...new Set(states.map((s) => s.subjectId))]

/**
 * The vault entries each view will read, after the same role and relation
 * checks as the view: load these (and only these) before calling the view.
 * A `Forbidden` here is the view's `Forbidden`.
 *
 * @since 0.1.0
 * @category authorisation
 */
export const needs = {
  coordinatorInbox: (
    actor: Actor,
    scope: CoordinatorScope,
    states: ReadonlyArray<ReferralState>
  ): Result.Result<ReadonlyArray<SubjectId>, Forbidden> =>
    Result.map(checkRole(actor, "coordinator-inbox"), () =>
      ids(states.filter(inScope(scope)).filter(coordinatorSeesClient))
    ),
  linkWorkerCaseload: (
    actor: Actor,
    states: ReadonlyArray<ReferralState>
  ): Result.Result<ReadonlyArray<SubjectId>, Forbidden> =>
    Result.map(checkRole(actor, "link-worker-caseload"), () =>
      ids(states.filter(assignedTo(actor.id)).filter(linkWorkerSeesClient))
    ),
  linkWorkerReferral: (actor: Actor, state: ReferralState): Result.Result<ReadonlyArray<SubjectId>, Forbidden> =>
    Result.flatMap(checkRole(actor, "link-worker-referral"), () =>
      assignedTo(actor.id)(state)
        ? Result.succeed(linkWorkerSeesClient(state) ? [state.subjectId] : [])
        : forbidden(actor, "link-worker-referral", "not-assigned")
    ),
  referrerOverview: (actor: Actor): Result.Result<ReadonlyArray<SubjectId>, Forbidden> =>
    Result.map(checkRole(actor, "referrer-overview"), () => []),
  referralStatus: (
    actor: Actor,
    state: ReferralState,
    at: Instant
  ): Result.Result<ReadonlyArray<SubjectId>, Forbidden> =>
    Result.flatMap(checkRole(actor, "referral-status"), () =>
      exists(state) && isOwnReferral(actor, state)
        ? Result.succeed(feedbackAccess(state, at) === "available" ? [state.subjectId] : [])
        : forbidden(actor, "referral-status", "not-own-referral")
    ),
  subjectAccess: (actor: Actor, subjectId: SubjectId): Result.Result<ReadonlyArray<SubjectId>, Forbidden> =>
    Result.flatMap(checkRole(actor, "subject-access"), () =>
      (actor.id as string) === subjectId
        ? Result.succeed([subjectId])
        : forbidden(actor, "subject-access", "not-subject")
    )
} as const

// ---------------------------------------------------------------------------
// The views
// ---------------------------------------------------------------------------

/**
 * The coordinator's inbox over the programmes in `scope`: every referral of
 * those programmes with status, times, link worker and what needs action;
 * the client's name, language and reason text while the referral can be
 * (re)assigned; and the load of every link worker with active clients:
 * `load` when given (e.g. `ReferralIndex.linkWorkerLoad`, when `states` is
 * one page), otherwise counted over all `states` given (a link worker's
 * capacity is one number whatever the programme).
 *
 * @since 0.1.0
 * @category views
 */
export const coordinatorInbox = (
  actor: Actor,
  scope: CoordinatorScope,
  states: ReadonlyArray<ReferralState>,
  subjects: Subjects,
  at: Instant,
  load?: ReadonlyArray<LinkWorkerLoad>
): Result.Result<Viewed<CoordinatorInbox>, Forbidden> =>
  Result.map(needs.coordinatorInbox(actor, scope, states), () => {
    const reads: Array<Read> = []
    const entries = states
      .filter(inScope(scope))
      .sort(bySubmission)
      .map((s): InboxEntry => {
        const subject = coordinatorSeesClient(s) ? subjects.get(s.subjectId) : undefined
        if (subject !== undefined) {
          reads.push({
            subjectId: s.subjectId,
            referralId: s.referralId,
            what: "coordinator-inbox",
            purpose: purposes["coordinator-inbox"]
          })
        }
        return {
          referralId: s.referralId,
          programme: s.programme,
          status: s.status,
          submittedAt: s.submittedAt,
          ...optional("assignedAt", s.assignedAt),
          ...optional("callAt", s.callAt),
          ...optional("endedAt", s.endedAt),
          ...optional("linkWorkerId", s.linkWorkerId),
          reasonCategories: s.reasonCategories,
          needsAction: needsAction(s, at),
          ...optional(
            "client",
            subject === undefined
              ? undefined
              : {
                  givenName: subject.givenName,
                  familyName: subject.familyName,
                  language: subject.language,
                  ...optional("reasonText", notesOf(subject, s.referralId)?.reasonText)
                }
          )
        }
      })
    return { view: { entries, load: load ?? linkWorkerLoad(states) }, reads, disclosures: [] }
  })

const caseloadReads = (entries: ReadonlyArray<CaseloadEntry>, states: ReadonlyArray<Existing>, what: ViewName) =>
  entries.flatMap((e, i): ReadonlyArray<Read> => {
    const s = states[i]
    return e.client === undefined ||
      // Stryker disable next-line ConditionalExpression: equivalent, `entries` is `states` mapped, so every entry has its state
      s === undefined
      ? []
      : [{ subjectId: s.subjectId, referralId: s.referralId, what, purpose: purposes["link-worker-caseload"] }]
  })

/**
 * The link worker's caseload: the referrals assigned to them that have not
 * ended, oldest first, with the client's name, mobile number, language and
 * reason text.
 *
 * @since 0.1.0
 * @category views
 */
export const linkWorkerCaseload = (
  actor: Actor,
  states: ReadonlyArray<ReferralState>,
  subjects: Subjects,
  at: Instant
): Result.Result<Viewed<Caseload>, Forbidden> =>
  Result.map(needs.linkWorkerCaseload(actor, states), () => {
    const mine = states
      .filter(assignedTo(actor.id))
      .filter((s) => !Lifecycle.isTerminal(s.status))
      .sort(bySubmission)
    const entries = mine.map((s) => caseloadEntry(s, subjects, at))
    return {
      view: { linkWorkerId: actor.id, entries },
      reads: caseloadReads(entries, mine, "link-worker-caseload"),
      disclosures: []
    }
  })

/**
 * One referral as its assigned link worker sees it (an ended one without
 * the client's personal data). Any other link worker gets `Forbidden`.
 *
 * @since 0.1.0
 * @category views
 */
export const linkWorkerReferral = (
  actor: Actor,
  state: ReferralState,
  subjects: Subjects,
  at: Instant
): Result.Result<Viewed<CaseloadEntry>, Forbidden> =>
  Result.flatMap(needs.linkWorkerReferral(actor, state), (): Result.Result<Viewed<CaseloadEntry>, Forbidden> => {
    // Stryker disable next-line all: equivalent, `needs.linkWorkerReferral` (run first) refuses exactly these states; this narrows the type
    if (!assignedTo(actor.id)(state)) return forbidden(actor, "link-worker-referral", "not-assigned")
    const entry = caseloadEntry(state, subjects, at)
    return Result.succeed({
      view: entry,
      reads: caseloadReads([entry], [state], "link-worker-referral"),
      disclosures: []
    })
  })

/**
 * The status of every referral the referrer made, oldest first, with whether
 * the closing feedback is readable (but not the feedback itself: reading it
 * is `referralStatus`, one referral at a time, logged as a disclosure).
 * Reads no personal data.
 *
 * @since 0.1.0
 * @category views
 */
export const referrerOverview = (
  actor: Actor,
  states: ReadonlyArray<ReferralState>,
  at: Instant
): Result.Result<Viewed<ReadonlyArray<ReferralStatus>>, Forbidden> =>
  Result.map(needs.referrerOverview(actor), () => ({
    view: states
      .filter((s): s is Existing => exists(s) && isOwnReferral(actor, s))
      .sort(bySubmission)
      .map((s) => statusOf(s, at)),
    reads: [],
    disclosures: []
  }))

/**
 * One referral's status for its referrer, with the closing feedback text
 * when rule C3 holds at `at` (the read is then both a usage and a
 * disclosure). Another referrer, or a referral that does not exist, gets
 * `Forbidden` (`not-own-referral`: the two are not told apart).
 *
 * @since 0.1.0
 * @category views
 */
const referralStatusWithoutPlan = (
  actor: Actor,
  state: ReferralState,
  subjects: Subjects,
  at: Instant
): Result.Result<Viewed<ReferralStatus>, Forbidden> =>
  Result.flatMap(needs.referralStatus(actor, state, at), (): Result.Result<Viewed<ReferralStatus>, Forbidden> => {
    // Stryker disable next-line all: equivalent, `needs.referralStatus` (run first) refuses exactly these states; this narrows the type
    if (!exists(state)) return forbidden(actor, "referral-status", "not-own-referral")
    const status = statusOf(state, at)
    if (status.feedback !== "available") return Result.succeed({ view: status, reads: [], disclosures: [] })
    const subject = subjects.get(state.subjectId)
    const text = subject === undefined ? undefined : notesOf(subject, state.referralId)?.closingFeedback
    if (text === undefined) {
      return Result.succeed({
        view: { ...status, feedback: subject === undefined ? "erased" : "not-written" },
        reads: [],
        disclosures: []
      })
    }
    return Result.succeed({
      view: { ...status, feedbackText: text },
      reads: [
        {
          subjectId: state.subjectId,
          referralId: state.referralId,
          what: "closing-feedback",
          purpose: purposes["referral-status"]
        }
      ],
      disclosures: [
        {
          subjectId: state.subjectId,
          referralId: state.referralId,
          recipientId: actor.id,
          recipientOrganisation: actor.organisation,
          what: "closing-feedback",
          legalBasis: feedbackLegalBasis
        }
      ]
    })
  })

/**
 * One referral's status for its referrer (see above), with the client's plan
 * while rule C3's consent holds (`planShared`; a disclosure, `what: "plan"`).
 *
 * @since 0.1.0
 * @category views
 */
export const referralStatus = (
  actor: Actor,
  state: ReferralState,
  subjects: Subjects,
  at: Instant
): Result.Result<Viewed<ReferralStatus>, Forbidden> =>
  Result.map(referralStatusWithoutPlan(actor, state, subjects, at), (viewed) => withPlan(actor, state, at, viewed))

/** Rule C3 extended to the plan: the plan joins the referrer's view while the consent holds; a disclosure. */
const withPlan = (
  actor: Actor,
  state: ReferralState,
  at: Instant,
  viewed: Viewed<ReferralStatus>
): Viewed<ReferralStatus> =>
  !exists(state) || !planShared(state, at) || Plan.isEmpty(state.plan)
    ? viewed
    : {
        view: { ...viewed.view, plan: Plan.referrerPlan(state.plan) },
        reads: viewed.reads,
        disclosures: [
          ...viewed.disclosures,
          {
            subjectId: state.subjectId,
            referralId: state.referralId,
            recipientId: actor.id,
            recipientOrganisation: actor.organisation,
            what: "plan",
            legalBasis: feedbackLegalBasis
          }
        ]
      }

/**
 * Subject access: everything about the client `subjectId`, for that client
 * only (their actor id is their subject id). `log` is the audit log's
 * entries for the subject.
 *
 * @since 0.1.0
 * @category views
 */
export const subjectAccess = (
  actor: Actor,
  subjectId: SubjectId,
  states: ReadonlyArray<ReferralState>,
  subject: SubjectData | undefined,
  log: { readonly usage: ReadonlyArray<UsageEntry>; readonly disclosures: ReadonlyArray<DisclosureEntry> }
): Result.Result<Viewed<SubjectAccess>, Forbidden> =>
  Result.map(needs.subjectAccess(actor, subjectId), () => ({
    view: {
      subjectId,
      ...optional("personalData", subject?.subjectId === subjectId ? subject : undefined),
      referrals: states
        .filter((s): s is Existing => exists(s) && s.subjectId === subjectId)
        .sort(bySubmission)
        .map((s) => ({ ...s, task: task(s.status) })),
      usage: log.usage.filter((u) => u.subjectId === subjectId),
      disclosures: log.disclosures.filter((d) => d.subjectId === subjectId)
    },
    reads: [{ subjectId, what: "subject-access", purpose: purposes["subject-access"] }],
    disclosures: []
  }))
