/**
 * The referral lifecycle as a pure decider: `decide(command, state)` returns
 * the events an accepted command produces, or a typed error saying why it is
 * refused; `evolve(state, event)` folds an event into the state and is total;
 * `initialState` is the state of a referral with no events.
 *
 * The decider has no clock and no IO: time and actor arrive on the command,
 * the programme comes from the catalog the decider is made with (a referral
 * keeps the programme version it was submitted under), and what it needs from
 * the link-worker registry arrives on the assignment command.
 *
 * @example
 * ```ts
 * import { Presets, Referral } from "@lahete/core"
 *
 * const decider = Referral.makeDecider(Presets.catalog)
 * const result = decider.decide(command, Referral.initialState)
 * ```
 *
 * @since 0.1.0
 */
import { Result } from "effect"
import type { Actor, Role } from "./Actor.js"
import * as Consent from "./Consent.js"
import * as Deadlines from "./Deadlines.js"
import type { ActorId, OrganisationId, ProgrammeId, ReferralId, SubjectId } from "./Ids.js"
import type { Instant } from "./Instant.js"
import * as Instruments from "./Instruments.js"
import * as Lifecycle from "./Lifecycle.js"
import * as LinkWorker from "./LinkWorker.js"
import * as MeasureLink from "./MeasureLink.js"
import * as MobileNumber from "./MobileNumber.js"
import * as PersonalIdentityCode from "./PersonalIdentityCode.js"
import * as Plan from "./Plan.js"
import * as Programme from "./Programme.js"
import type { ReferralCommand, TimePoint } from "./ReferralCommand.js"
import {
  ConsentMissing,
  type DecideError,
  Forbidden,
  InvalidCommand,
  MeasureNotExpected,
  MobileNumberMissing,
  NotEligible,
  ProgrammeNotFound,
  TooEarly,
  TransitionNotAllowed
} from "./ReferralError.js"
import type { ReferralEvent } from "./ReferralEvent.js"

/**
 * A measure administration as the state remembers it (answers stay in the
 * events).
 *
 * @since 0.1.0
 * @category models
 */
export interface MeasureTaken {
  readonly instrument: string
  readonly timePoint: TimePoint
  readonly respondent: "self" | "proxy"
  readonly at: Instant
}

/**
 * The state of a referral: what the decider and the views need to know, and
 * no personal data.
 *
 * @since 0.1.0
 * @category models
 */
export interface ReferralState {
  readonly status: Lifecycle.Status
  /** Number of events folded in: the stream version. */
  readonly version: number
  /**
   * The time of the latest event (research consent bookkeeping aside, rule C4):
   * commands may not go back before it.
   */
  readonly lastEventAt?: Instant
  /** When the status last changed. */
  readonly statusChangedAt?: Instant
  /**
   * When what the referrer's status view shows last changed (a transport's
   * `lastUpdated`, FHIR `Task.meta.lastUpdated`): the status, a milestone (a
   * reassignment included), the feedback consent (C3), or erasure.
   */
  readonly referrerViewChangedAt?: Instant
  readonly referralId?: ReferralId
  readonly subjectId?: SubjectId
  readonly programme?: { readonly id: ProgrammeId; readonly version: number }
  readonly referrer?: { readonly id: ActorId; readonly organisation: OrganisationId; readonly profession: string }
  readonly reasonCategories: ReadonlyArray<string>
  readonly feedbackRequested: boolean
  readonly validMobile: boolean
  readonly consents: Consent.Consents
  readonly linkWorkerId?: ActorId
  readonly submittedAt?: Instant
  readonly assignedAt?: Instant
  readonly callAt?: Instant
  /** Failed contact attempts so far. */
  readonly failedAttempts: number
  readonly startedAt?: Instant
  readonly closedAt?: Instant
  /** When the referral reached a terminal state. */
  readonly endedAt?: Instant
  readonly outcome?: string
  readonly endReason?: string
  readonly holdReason?: string
  readonly followUp?: "recorded" | "missed"
  readonly meetings: number
  readonly arrangement?: { readonly way: string; readonly frequency: string; readonly place: string }
  readonly measures: ReadonlyArray<MeasureTaken>
  readonly messagesRequested: number
  /** Messages recorded as sent (`MessageSent`). */
  readonly messagesSent: number
  /** Messages recorded as not sent (`MessageNotSent`: failed, cancelled or expired). */
  readonly messagesNotSent: number
  readonly personalDataErased: boolean
  /** Deadline markers already fired (`Deadlines.markKey`): each fires once. */
  readonly deadlineMarks: ReadonlyArray<string>
  /** The measure links issued (`MeasureLinkRequested`), oldest first; absent: none. */
  readonly measureLinks?: ReadonlyArray<MeasureLink.Issued>
  /** The time points whose measure link was answered; absent: none. */
  readonly measureLinksAnswered?: ReadonlyArray<TimePoint>
  /** The client's plan: goals, directory activities step by step, unmet needs (no personal data). */
  readonly plan: Plan.PlanState
}

/**
 * The state of a referral that does not exist yet.
 *
 * @since 0.1.0
 * @category constructors
 */
export const initialState: ReferralState = {
  status: "Initial",
  version: 0,
  reasonCategories: [],
  feedbackRequested: false,
  validMobile: false,
  consents: Consent.empty,
  failedAttempts: 0,
  meetings: 0,
  measures: [],
  messagesRequested: 0,
  messagesSent: 0,
  messagesNotSent: 0,
  personalDataErased: false,
  deadlineMarks: [],
  plan: Plan.empty
}

const end = (state: ReferralState, status: Lifecycle.Status, at: Instant, reason?: string): ReferralState => ({
  ...state,
  status,
  endedAt: at,
  ...(reason === undefined ? {} : { endReason: reason })
})

const mark = (s: ReferralState, kind: Deadlines.Kind, marker: Deadlines.Marker): ReferralState => {
  const key = Deadlines.markKey(kind, marker)
  return s.deadlineMarks.includes(key) ? s : { ...s, deadlineMarks: [...s.deadlineMarks, key] }
}

/**
 * Folds one event into the state. Total: every event yields a state, and the
 * version always advances by one.
 *
 * @since 0.1.0
 * @category folding
 */
export const evolve = (state: ReferralState, event: ReferralEvent): ReferralState => {
  const next = apply(state, event)
  const statusChanged = next.status !== state.status
  const referrerSees =
    statusChanged ||
    event._tag === "LinkWorkerAssigned" ||
    event._tag === "PersonalDataErased" ||
    (event._tag === "ConsentRecorded" && event.consent.purpose === "feedback-to-referrer")
  return referrerSees
    ? { ...next, ...(statusChanged ? { statusChangedAt: event.at } : {}), referrerViewChangedAt: event.at }
    : next
}

const apply = (state: ReferralState, event: ReferralEvent): ReferralState => {
  // bookkeeping that does not move the clock: research consent (C4) and message outcomes
  const bookkeeping =
    (event._tag === "ConsentRecorded" && event.consent.purpose === "research") ||
    event._tag === "MessageSent" ||
    event._tag === "MessageNotSent"
  const s: ReferralState = { ...state, version: state.version + 1, ...(bookkeeping ? {} : { lastEventAt: event.at }) }
  switch (event._tag) {
    case "ReferralSubmitted":
      return {
        ...s,
        status: "Submitted",
        referralId: event.referralId,
        subjectId: event.subjectId,
        programme: { id: event.programmeId, version: event.programmeVersion },
        referrer: event.referrer,
        reasonCategories: event.reasonCategories,
        feedbackRequested: event.feedbackRequested,
        validMobile: event.validMobile,
        submittedAt: event.at
      }
    case "ConsentRecorded":
      return { ...s, consents: Consent.record(s.consents, event.consent) }
    case "LinkWorkerAssigned":
      return { ...s, status: "Assigned", linkWorkerId: event.linkWorkerId, assignedAt: event.at }
    case "ReferralRejected":
      return end(s, "Rejected", event.at, event.reason)
    case "ReferralCancelled":
      return end(s, "Cancelled", event.at, event.reason)
    case "CallScheduled":
      return { ...s, status: "ContactScheduled", callAt: event.callAt }
    case "CallTimeMessageRequested":
      return { ...s, messagesRequested: s.messagesRequested + 1 }
    case "ContactAttemptFailed":
      return { ...s, failedAttempts: s.failedAttempts + 1 }
    case "ClientUnreachable":
      return end(s, "Unreachable", event.at)
    case "CollaborationStarted":
      return { ...s, status: "Active", startedAt: event.at }
    case "ClientDeclined":
      return end(s, "Declined", event.at)
    case "CollaborationPaused":
      return { ...s, status: "OnHold", holdReason: event.reason }
    case "CollaborationResumed": {
      const { holdReason: _, ...rest } = s
      return { ...rest, status: "Active" }
    }
    case "MeetingRecorded":
      return { ...s, meetings: s.meetings + 1 }
    case "ContactArrangementAgreed":
      return { ...s, arrangement: { way: event.way, frequency: event.frequency, place: event.place } }
    case "MeasureRecorded":
      return {
        ...s,
        measures: [
          ...s.measures,
          { instrument: event.instrument, timePoint: event.timePoint, respondent: event.respondent, at: event.at }
        ]
      }
    case "ReferralClosed":
      return { ...s, status: "Closed", closedAt: event.at, outcome: event.outcome }
    case "FollowUpCompleted":
      return { ...end(s, "FollowedUp", event.at), followUp: event.result }
    case "ReferralWithdrawn":
      return end(s, "Withdrawn", event.at, "consent-withdrawn")
    case "ContactDetailsUpdated":
      return { ...s, validMobile: event.validMobile }
    case "PersonalDataErased":
      return { ...s, personalDataErased: true, validMobile: false }
    case "DeadlineAtRisk":
      return mark(s, event.deadline, "at-risk")
    case "AssignmentOverdue":
      return mark(s, "assignment", "missed")
    case "ContactDeadlineMissed":
      return mark(s, "first-contact", "missed")
    case "DurationExceeded":
      return mark(s, "collaboration", "missed")
    case "MessageSent":
      return { ...s, messagesSent: s.messagesSent + 1 }
    case "MessageNotSent":
      return { ...s, messagesNotSent: s.messagesNotSent + 1 }
    case "MeasureLinkRequested":
      return {
        ...s,
        measureLinks: [
          ...(s.measureLinks ?? []),
          {
            tokenId: event.tokenId,
            timePoint: event.timePoint,
            reminder: event.reminder,
            requestedAt: event.at,
            expiresAt: event.expiresAt
          }
        ]
      }
    case "MeasureLinkAnswered":
      return { ...s, measureLinksAnswered: [...(s.measureLinksAnswered ?? []), event.timePoint] }
    case "PlanRecorded":
    case "ActivityRecorded":
    case "UnmetNeedRecorded":
      return { ...s, plan: Plan.evolve(s.plan, event) }
  }
}

/**
 * Folds events from a state (by default the initial one).
 *
 * @since 0.1.0
 * @category folding
 */
export const fold = (events: Iterable<ReferralEvent>, from: ReferralState = initialState): ReferralState => {
  let s = from
  for (const e of events) s = evolve(s, e)
  return s
}

/**
 * The decider's answer to a command.
 *
 * @since 0.1.0
 * @category models
 */
export type Decision = Result.Result<ReadonlyArray<ReferralEvent>, DecideError>

/**
 * A decider bound to a programme catalog.
 *
 * @since 0.1.0
 * @category models
 */
export interface Decider {
  readonly initialState: ReferralState
  readonly decide: (command: ReferralCommand, state: ReferralState) => Decision
  readonly evolve: (state: ReferralState, event: ReferralEvent) => ReferralState
  readonly catalog: Programme.Catalog
}

/**
 * The role each command needs. Finer checks (own referral, assigned link
 * worker, data subject) follow in `decide`.
 *
 * @since 0.1.0
 * @category constants
 */
export const allowedRoles: Readonly<Record<ReferralCommand["_tag"], ReadonlyArray<Role>>> = {
  SubmitReferral: ["Referrer"],
  AssignLinkWorker: ["Coordinator"],
  RejectReferral: ["Coordinator"],
  CancelReferral: ["Referrer", "Coordinator"],
  ScheduleCall: ["LinkWorker"],
  RecordFailedContactAttempt: ["LinkWorker"],
  RecordFirstContact: ["LinkWorker"],
  PutOnHold: ["LinkWorker"],
  ResumeReferral: ["LinkWorker"],
  RecordMeeting: ["LinkWorker"],
  AgreeContactArrangement: ["LinkWorker"],
  RecordMeasure: ["LinkWorker", "Client", "Referrer"],
  CloseReferral: ["LinkWorker"],
  ExpireFollowUp: ["System", "Coordinator"],
  RecordDeadline: ["System"],
  RecordMessageOutcome: ["System"],
  RecordConsent: ["Referrer", "Coordinator", "LinkWorker", "Client"],
  UpdateContactDetails: ["Referrer", "Coordinator", "LinkWorker", "Client"],
  ErasePersonalData: ["System", "Coordinator"],
  RequestMeasureLink: ["System", "Coordinator", "LinkWorker"],
  AnswerMeasureLink: ["Client"],
  RecordPlan: ["LinkWorker"],
  RecordActivity: ["LinkWorker"],
  RecordUnmetNeed: ["LinkWorker"]
}

const fail = (e: DecideError): Decision => Result.fail(e)
const ok = (...events: ReadonlyArray<ReferralEvent>): Decision => Result.succeed(events)

const forbidden = (actor: Actor, action: string, reason: Forbidden["reason"]) =>
  fail(new Forbidden({ role: actor.role, action, reason }))

/** Who the actor is to this referral, for the need-to-know checks. */
const relationCheck = (command: ReferralCommand, state: ReferralState): Decision | undefined => {
  const { actor } = command
  const action = command._tag
  switch (actor.role) {
    case "Referrer":
      if (state.status === "Initial") return undefined
      // professional ids are unique within an organisation only: both must match
      if (state.referrer?.id !== actor.id || state.referrer.organisation !== actor.organisation) {
        return forbidden(actor, action, "not-own-referral")
      }
      // the referrer takes part at referral time; later only through the closed loop
      if ((action === "RecordConsent" || action === "UpdateContactDetails") && state.status !== "Submitted") {
        return forbidden(actor, action, "role")
      }
      return undefined
    case "LinkWorker":
      return state.linkWorkerId === actor.id ? undefined : forbidden(actor, action, "not-assigned")
    case "Client":
      return (state.subjectId as string | undefined) === actor.id ? undefined : forbidden(actor, action, "not-subject")
    default:
      return undefined
  }
}

/** Coordinators and link workers act only within the programmes they work for. */
const scopeCheck = (actor: Actor, action: string, programmeId: string | undefined): Decision | undefined =>
  (actor.role === "Coordinator" || actor.role === "LinkWorker") &&
  actor.programmes !== undefined &&
  programmeId !== undefined &&
  !actor.programmes.some((p) => p === programmeId)
    ? forbidden(actor, action, "outside-programme")
    : undefined

const notAllowed = (state: ReferralState, command: string, detail?: string): Decision =>
  fail(
    new TransitionNotAllowed(
      detail === undefined ? { state: state.status, command } : { state: state.status, command, detail }
    )
  )

/**
 * Research consent is given in writing (domain §2: "`research`: written, separate"): a grant recorded any other way
 * is not a research consent. Refusing one is fine by any method, and research consent never gates anything (C4): a
 * command carrying an unwritten grant is refused as invalid input, not for a missing consent.
 */
const isUnwrittenResearchGrant = (consent: {
  readonly purpose: Consent.Purpose
  readonly decision: Consent.Decision
  readonly method: Consent.Method
}): boolean => consent.purpose === "research" && consent.decision === "granted" && consent.method !== "written"

const researchInWriting = "research consent is granted in writing (method written)"

const consentRecord = (
  command: ReferralCommand,
  given: {
    readonly purpose: Consent.Purpose
    readonly decision: Consent.Decision
    readonly method: Consent.Method
    readonly expiresAt?: Instant
  }
): Consent.ConsentRecord => ({
  purpose: given.purpose,
  decision: given.decision,
  method: given.method,
  recordedBy: command.actor.id,
  at: command.at,
  ...(given.expiresAt === undefined ? {} : { expiresAt: given.expiresAt })
})

const ageAt = (birthDate: string, at: Instant): number => {
  const [by, bm, bd] = birthDate.split("-").map(Number) as [number, number, number]
  const d = new Date(at)
  const y = d.getUTCFullYear()
  const beforeBirthday = d.getUTCMonth() + 1 < bm || (d.getUTCMonth() + 1 === bm && d.getUTCDate() < bd)
  return y - by - (beforeBirthday ? 1 : 0)
}

/**
 * When each time point's measure may be taken (the model: at the start, at
 * the end, and three months after the end; D5):
 * - follow-up: only inside the follow-up window, `opensAt` ≤ at < `closesAt`;
 *   before it `TooEarly` (as `ExpireFollowUp` before the window has passed),
 *   after it refused (the follow-up is missed: `ExpireFollowUp` records it);
 * - end: during the collaboration or after closing, but not once the
 *   follow-up window has opened (a measure then is the follow-up's);
 * - baseline: not after the end measure of the same instrument and
 *   respondent (the pair would run backwards).
 * The states each time point is taken in are checked before this.
 */
const measureTiming = (
  state: ReferralState,
  programme: Programme.Programme,
  command: Extract<ReferralCommand, { _tag: "RecordMeasure" }>,
  sent: ReferralCommand["_tag"]
): Decision | undefined => {
  const { at, timePoint } = command
  // only end and follow-up measures come this far once the referral is closed
  if (state.closedAt !== undefined) {
    const window = Deadlines.followUpWindow(state.closedAt, programme)
    if (timePoint === "follow-up") {
      if (at < window.opensAt) return fail(new TooEarly({ command: sent, notBefore: window.opensAt }))
      if (at >= window.closesAt) {
        return notAllowed(state, sent, "the follow-up window has passed: the follow-up is missed")
      }
    } else if (at >= window.opensAt) {
      return notAllowed(state, sent, "the follow-up window has opened: the end measure's time has passed")
    }
  }
  if (
    timePoint === "baseline" &&
    state.measures.some(
      (m) => m.timePoint === "end" && m.instrument === command.instrument && m.respondent === command.respondent
    )
  ) {
    return fail(new InvalidCommand({ field: "timePoint", reason: "the end measure is already recorded" }))
  }
  return undefined
}

/**
 * Makes the decider for a programme catalog.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeDecider = (
  catalog: Programme.Catalog,
  options: {
    /** The instruments measures are checked against (default: the built-ins). */
    readonly instruments?: Instruments.Registry
  } = {}
): Decider => {
  const instruments = options.instruments ?? Instruments.defaults
  const programmeOf = (state: ReferralState): Programme.Programme | undefined =>
    state.programme === undefined ? undefined : catalog.get(state.programme.id, state.programme.version)

  const decide = (command: ReferralCommand, state: ReferralState): Decision => {
    const { actor, at, referralId } = command
    const base = { referralId, at, actor }

    if (!allowedRoles[command._tag].includes(actor.role)) return forbidden(actor, command._tag, "role")
    if (state.status !== "Initial" && state.referralId !== referralId) {
      return fail(new InvalidCommand({ field: "referralId", reason: "does not match the referral's stream" }))
    }
    const relation = relationCheck(command, state) ?? scopeCheck(actor, command._tag, state.programme?.id)
    if (relation !== undefined) return relation
    if (!Lifecycle.accepts(state.status, command._tag)) return notAllowed(state, command._tag)
    if (state.lastEventAt !== undefined && at < state.lastEventAt && command._tag !== "RecordMessageOutcome") {
      return fail(new InvalidCommand({ field: "at", reason: "earlier than the referral's latest recorded event" }))
    }

    if (command._tag === "SubmitReferral") return submit(command)

    const programme = programmeOf(state)
    if (programme === undefined) {
      return fail(
        new ProgrammeNotFound(
          state.programme === undefined
            ? { programmeId: "unknown" }
            : { programmeId: state.programme.id, version: state.programme.version }
        )
      )
    }

    switch (command._tag) {
      case "AssignLinkWorker": {
        if (state.linkWorkerId === command.linkWorker.id) {
          return fail(new InvalidCommand({ field: "linkWorker", reason: "already assigned to this referral" }))
        }
        const eligible = LinkWorker.checkAssignable(command.linkWorker, {
          at,
          activeClients: command.activeClients,
          policy: programme.linkWorkers
        })
        if (Result.isFailure(eligible)) return Result.fail(eligible.failure)
        return ok({
          _tag: "LinkWorkerAssigned",
          ...base,
          linkWorkerId: command.linkWorker.id,
          ...(state.linkWorkerId === undefined ? {} : { previousLinkWorkerId: state.linkWorkerId })
        })
      }
      case "RejectReferral":
        return ok({ _tag: "ReferralRejected", ...base, reason: command.reason })
      case "CancelReferral":
        return ok({ _tag: "ReferralCancelled", ...base, reason: command.reason })
      case "ScheduleCall":
        return scheduleCall(
          state,
          programme,
          command,
          command.callAt,
          command.notifyBySms,
          command.idempotencyKey,
          state.failedAttempts === 0
        )
      case "RecordFailedContactAttempt": {
        const attempt = state.failedAttempts + 1
        const failed: ReferralEvent = { _tag: "ContactAttemptFailed", ...base, attempt }
        if (attempt >= programme.contactAttempts.max) {
          if (command.nextCallAt !== undefined) {
            return fail(
              new InvalidCommand({ field: "nextCallAt", reason: "this was the programme's last contact attempt" })
            )
          }
          return ok(failed, { _tag: "ClientUnreachable", ...base, attempts: attempt })
        }
        if (command.nextCallAt === undefined) {
          return fail(new InvalidCommand({ field: "nextCallAt", reason: "attempts are left: set the next call time" }))
        }
        const next = scheduleCall(
          { ...state, failedAttempts: attempt },
          programme,
          command,
          command.nextCallAt,
          command.notifyBySms,
          command.idempotencyKey,
          false
        )
        return Result.map(next, (events) => [failed, ...events])
      }
      case "RecordFirstContact":
        return command.outcome === "agreed"
          ? ok({ _tag: "CollaborationStarted", ...base })
          : ok({ _tag: "ClientDeclined", ...base })
      case "PutOnHold":
        return ok({ _tag: "CollaborationPaused", ...base, reason: command.reason })
      case "ResumeReferral":
        return ok({ _tag: "CollaborationResumed", ...base })
      case "RecordMeeting":
        if (command.meetingAt > at) {
          return fail(new InvalidCommand({ field: "meetingAt", reason: "a meeting is recorded after it took place" }))
        }
        return ok({
          _tag: "MeetingRecorded",
          ...base,
          meetingAt: command.meetingAt,
          place: command.place,
          durationMinutes: command.durationMinutes
        })
      case "AgreeContactArrangement":
        return ok({
          _tag: "ContactArrangementAgreed",
          ...base,
          way: command.way,
          frequency: command.frequency,
          place: command.place
        })
      case "RecordMeasure":
        return recordMeasure(state, programme, command)
      case "CloseReferral":
        return ok({ _tag: "ReferralClosed", ...base, outcome: command.outcome })
      case "ExpireFollowUp": {
        const window = Deadlines.followUpWindow(state.closedAt as Instant, programme)
        if (at < window.closesAt) return fail(new TooEarly({ command: command._tag, notBefore: window.closesAt }))
        return ok({ _tag: "FollowUpCompleted", ...base, result: "missed" })
      }
      case "RecordDeadline": {
        const firing = Deadlines.pendingFirings(state, programme).find(
          (f) => f.kind === command.deadline && f.marker === command.marker
        )
        // already fired, or no longer applies (met, or out of scope): nothing changes
        if (firing === undefined) return ok()
        if (at < firing.fireAt) return fail(new TooEarly({ command: command._tag, notBefore: firing.fireAt }))
        if (firing.marker === "at-risk") {
          // a warning whose deadline has passed is obsolete: only the missed marker matters then
          return at >= firing.dueAt
            ? ok()
            : ok({ _tag: "DeadlineAtRisk", ...base, deadline: command.deadline, dueAt: firing.dueAt })
        }
        if (command.deadline === "assignment") return ok({ _tag: "AssignmentOverdue", ...base, dueAt: firing.dueAt })
        if (command.deadline === "first-contact") {
          return ok({ _tag: "ContactDeadlineMissed", ...base, dueAt: firing.dueAt })
        }
        if (command.deadline === "collaboration") return ok({ _tag: "DurationExceeded", ...base, dueAt: firing.dueAt })
        return fail(
          new InvalidCommand({ field: "deadline", reason: "a missed follow-up is recorded with ExpireFollowUp" })
        )
      }
      case "RecordConsent": {
        const given = command.consent
        if (Lifecycle.isTerminal(state.status) && given.purpose === "referral" && given.decision === "granted") {
          return notAllowed(state, command._tag, "an ended referral cannot be restarted by granting consent again")
        }
        if (given.expiresAt !== undefined && given.expiresAt <= at) {
          return fail(new InvalidCommand({ field: "consent.expiresAt", reason: "expiry must be after the decision" }))
        }
        if (isUnwrittenResearchGrant(given)) {
          return fail(new InvalidCommand({ field: "consent.method", reason: researchInWriting }))
        }
        if (
          command.actor.role === "Client" &&
          given.decision === "granted" &&
          given.method === "agreed-for-office-time"
        ) {
          return fail(
            new InvalidCommand({ field: "consent.method", reason: "a client records their own consent directly" })
          )
        }
        const recorded: ReferralEvent = { _tag: "ConsentRecorded", ...base, consent: consentRecord(command, given) }
        // C5: withdrawing referral consent ends a referral that has not ended
        if (given.purpose === "referral" && given.decision !== "granted" && !Lifecycle.isTerminal(state.status)) {
          return ok(recorded, { _tag: "ReferralWithdrawn", ...base })
        }
        return ok(recorded)
      }
      case "UpdateContactDetails": {
        if (command.mobileNumber === null) return ok({ _tag: "ContactDetailsUpdated", ...base, validMobile: false })
        const parsed = MobileNumber.parse(command.mobileNumber)
        if (Result.isFailure(parsed)) {
          return fail(new InvalidCommand({ field: "mobileNumber", reason: parsed.failure.message }))
        }
        return ok({ _tag: "ContactDetailsUpdated", ...base, validMobile: true })
      }
      case "ErasePersonalData": {
        // repeating an erasure changes nothing (the retention scheduler may fire twice)
        if (state.personalDataErased) return ok()
        if (command.basis === "retention-period") {
          const dueAt = Deadlines.retentionDueAt(state, programme)
          if (dueAt === undefined) {
            return fail(new InvalidCommand({ field: "basis", reason: "the programme sets no retention period" }))
          }
          if (at < dueAt) return fail(new TooEarly({ command: command._tag, notBefore: dueAt }))
        }
        return ok({ _tag: "PersonalDataErased", ...base, basis: command.basis })
      }
      case "RequestMeasureLink": {
        const grant = MeasureLink.check(state, programme, command.timePoint, at)
        if (Result.isFailure(grant)) return Result.fail(grant.failure)
        const messageId = `${command.idempotencyKey}:measure-link-sms`
        return ok({
          _tag: "MeasureLinkRequested",
          ...base,
          messageId,
          // the outbox entry's id: names the referral, so no two referrals share a link id
          tokenId: `${referralId}:${messageId}`,
          timePoint: command.timePoint,
          reminder: grant.success.reminder,
          sendAfter: grant.success.sendAfter,
          sendBefore: grant.success.sendBefore,
          expiresAt: grant.success.expiresAt
        })
      }
      case "AnswerMeasureLink": {
        const link = MeasureLink.checkAnswer(state, command)
        if (Result.isFailure(link)) return Result.fail(link.failure)
        const events: Array<ReferralEvent> = [
          { _tag: "MeasureLinkAnswered", ...base, tokenId: command.tokenId, timePoint: command.timePoint }
        ]
        let s = evolve(state, events[0] as ReferralEvent)
        for (const m of command.measures) {
          const recorded = recordMeasure(
            s,
            programme,
            {
              _tag: "RecordMeasure",
              referralId,
              idempotencyKey: command.idempotencyKey,
              actor,
              at,
              instrument: m.instrument,
              timePoint: command.timePoint,
              respondent: "self",
              answers: m.answers
            },
            command._tag
          )
          if (Result.isFailure(recorded)) return recorded
          for (const e of recorded.success) {
            events.push(e)
            s = evolve(s, e)
          }
        }
        return ok(...events)
      }
      case "RecordMessageOutcome": {
        const message = { messageId: command.messageId, kind: command.kind, attempts: command.attempts }
        if (command.outcome === "sent") {
          return command.reason === undefined
            ? ok({ _tag: "MessageSent", ...base, ...message })
            : fail(new InvalidCommand({ field: "reason", reason: "a sent message has no reason" }))
        }
        return command.reason === undefined
          ? fail(new InvalidCommand({ field: "reason", reason: "required when the message was not sent" }))
          : ok({ _tag: "MessageNotSent", ...base, ...message, outcome: command.outcome, reason: command.reason })
      }
      case "RecordPlan":
        // what matters to the client goes to the vault (PersonalData.vaultWrite), the goals to the event
        return ok({ _tag: "PlanRecorded", ...base, goals: [...new Set(command.goals)] })
      case "RecordActivity":
        return Plan.decideActivity(state.plan, state.status, command)
      case "RecordUnmetNeed":
        // the same need in the same area twice changes nothing
        return state.plan.unmetNeeds.some((n) => n.category === command.category && n.area === command.area)
          ? ok()
          : ok({ _tag: "UnmetNeedRecorded", ...base, category: command.category, area: command.area })
    }
  }

  const submit = (command: Extract<ReferralCommand, { _tag: "SubmitReferral" }>): Decision => {
    const { actor, at } = command
    const programme =
      command.programmeVersion === undefined
        ? catalog.latest(command.programmeId)
        : catalog.get(command.programmeId, command.programmeVersion)
    if (programme === undefined) {
      return fail(
        new ProgrammeNotFound(
          command.programmeVersion === undefined
            ? { programmeId: command.programmeId }
            : { programmeId: command.programmeId, version: command.programmeVersion }
        )
      )
    }
    if (actor.profession === undefined || !programme.eligibleReferrerProfessions.includes(actor.profession)) {
      return forbidden(actor, command._tag, "profession-not-eligible")
    }
    // C1: no submission without referral consent granted
    const given = new Map(command.consents.map((c) => [c.purpose, c]))
    if (given.size !== command.consents.length) {
      return fail(new InvalidCommand({ field: "consents", reason: "a purpose is listed twice" }))
    }
    const referralConsent = given.get("referral")
    if (
      referralConsent === undefined ||
      referralConsent.decision !== "granted" ||
      (referralConsent.expiresAt !== undefined && referralConsent.expiresAt <= at)
    ) {
      return fail(new ConsentMissing({ purpose: "referral", rule: "C1" }))
    }
    for (const c of command.consents) {
      if (c.expiresAt !== undefined && c.expiresAt <= at) {
        return fail(new InvalidCommand({ field: "consents.expiresAt", reason: "expiry must be after the decision" }))
      }
      if (isUnwrittenResearchGrant(c))
        return fail(new InvalidCommand({ field: "consents.method", reason: researchInWriting }))
    }
    if (command.feedbackRequested && !programme.feedback.referrerMayRequest) {
      return fail(
        new InvalidCommand({
          field: "feedbackRequested",
          reason: "this programme does not let referrers ask for feedback"
        })
      )
    }
    const exclusion = command.exclusionsPresent.find((e) => programme.eligibilityExclusions.includes(e))
    if (exclusion !== undefined) return fail(new NotEligible({ reason: exclusion }))

    const client = command.client
    let birthDate: string | undefined
    if (client.personalIdentityCode !== undefined) {
      const code = PersonalIdentityCode.parse(client.personalIdentityCode)
      if (Result.isFailure(code)) {
        return fail(new InvalidCommand({ field: "client.personalIdentityCode", reason: code.failure.reason }))
      }
      birthDate = code.success.birthDate
      // a birth year given beside the code must be the code's: the vault's identity check reads either
      if (client.birthYear !== undefined && client.birthYear !== Number(birthDate.slice(0, 4))) {
        return fail(
          new InvalidCommand({ field: "client.birthYear", reason: "does not match the personal identity code" })
        )
      }
    } else if (client.birthYear !== undefined) {
      // without the day, count the client as young as the year allows
      birthDate = `${String(client.birthYear).padStart(4, "0")}-12-31`
    } else {
      return fail(new InvalidCommand({ field: "client", reason: "give the personal identity code or the birth year" }))
    }
    if (birthDate > at.slice(0, 10)) {
      return fail(new InvalidCommand({ field: "client", reason: "the date of birth is in the future" }))
    }
    if (ageAt(birthDate, at) < programme.minimumClientAge) {
      return fail(new NotEligible({ reason: `client-under-${programme.minimumClientAge}` }))
    }
    let validMobile = false
    if (client.mobileNumber !== undefined) {
      const mobile = MobileNumber.parse(client.mobileNumber)
      if (Result.isFailure(mobile)) {
        return fail(new InvalidCommand({ field: "client.mobileNumber", reason: mobile.failure.message }))
      }
      validMobile = true
    }
    const referrer = { id: actor.id, organisation: actor.organisation, profession: actor.profession }
    const base = { referralId: command.referralId, at, actor }
    return ok(
      {
        _tag: "ReferralSubmitted",
        ...base,
        subjectId: command.subjectId,
        programmeId: programme.id,
        programmeVersion: programme.version,
        referrer,
        reasonCategories: command.reasonCategories,
        feedbackRequested: command.feedbackRequested,
        validMobile
      },
      ...command.consents.map(
        (c): ReferralEvent => ({ _tag: "ConsentRecorded", ...base, consent: consentRecord(command, c) })
      )
    )
  }

  const scheduleCall = (
    state: ReferralState,
    programme: Programme.Programme,
    command: ReferralCommand,
    callAt: Instant,
    notifyBySms: boolean,
    messageKey: string,
    enforceFirstContactDeadline: boolean
  ): Decision => {
    const { at } = command
    const base = { referralId: command.referralId, at, actor: command.actor }
    if (notifyBySms) {
      // C2: no text message without contact-by-sms consent and a valid mobile number
      if (!Consent.isGranted(state.consents, "contact-by-sms", at)) {
        return fail(new ConsentMissing({ purpose: "contact-by-sms", rule: "C2" }))
      }
      if (!state.validMobile || state.personalDataErased) return fail(new MobileNumberMissing({}))
    }
    // D2, D3 and calling hours
    const valid = Deadlines.validateCallTime({
      programme,
      at,
      callAt,
      withMessage: notifyBySms,
      submittedAt: state.submittedAt as Instant,
      enforceFirstContactDeadline
    })
    if (Result.isFailure(valid)) return Result.fail(valid.failure)
    const scheduled: ReferralEvent = { _tag: "CallScheduled", ...base, callAt, attempt: state.failedAttempts + 1 }
    if (valid.success === undefined) return ok(scheduled)
    return ok(scheduled, {
      _tag: "CallTimeMessageRequested",
      ...base,
      messageId: `${messageKey}:call-time-sms`,
      callAt,
      sendAfter: valid.success.sendAfter,
      sendBefore: valid.success.sendBefore
    })
  }

  const recordMeasure = (
    state: ReferralState,
    programme: Programme.Programme,
    command: Extract<ReferralCommand, { _tag: "RecordMeasure" }>,
    // the command the actor sent, for refusals: an answered measure link records its measures through here
    sent: ReferralCommand["_tag"] = command._tag
  ): Decision => {
    const { actor, at, timePoint, respondent, instrument } = command
    // proxy answers come from the referrer; self answers from the client or the link worker entering them
    if (respondent === "proxy" && actor.role !== "Referrer") return forbidden(actor, "record a proxy measure", "role")
    if (respondent === "self" && actor.role === "Referrer")
      return forbidden(actor, "record a self-report measure", "role")
    const expected = Programme.expectedMeasures(programme, timePoint).some(
      (m) => m.instrument === instrument && m.respondent === respondent
    )
    if (!expected) return fail(new MeasureNotExpected({ instrument, timePoint, respondent }))
    const allowedIn: Readonly<Record<TimePoint, ReadonlyArray<Lifecycle.Status>>> = {
      baseline: ["Submitted", "Assigned", "ContactScheduled", "Active", "OnHold"],
      end: ["Active", "OnHold", "Closed"],
      "follow-up": ["Closed"]
    }
    if (!allowedIn[timePoint].includes(state.status)) {
      return notAllowed(state, sent, `a ${timePoint} measure is not taken in this state`)
    }
    const timing = measureTiming(state, programme, command, sent)
    if (timing !== undefined) return timing
    if (respondent === "proxy" && !Consent.isGranted(state.consents, "proxy-measure", at)) {
      return fail(new ConsentMissing({ purpose: "proxy-measure" }))
    }
    if (
      state.measures.some(
        (m) => m.instrument === instrument && m.timePoint === timePoint && m.respondent === respondent
      )
    ) {
      return fail(
        new InvalidCommand({ field: "timePoint", reason: "this measure is already recorded at this time point" })
      )
    }
    // the answers must fit the instrument; an unanswered item (null) is recorded and the form left unscored
    const instrumentDef = instruments.get(instrument)
    if (instrumentDef === undefined) {
      return fail(new InvalidCommand({ field: "instrument", reason: "not a known instrument" }))
    }
    if (command.answers.length !== instrumentDef.items) {
      return fail(new InvalidCommand({ field: "answers", reason: `expected ${instrumentDef.items} answers` }))
    }
    const { min, max } = instrumentDef.scale
    if (command.answers.some((a) => a !== null && (!Number.isInteger(a) || a < min || a > max))) {
      return fail(new InvalidCommand({ field: "answers", reason: `answers are whole numbers ${min}-${max} or empty` }))
    }
    const base = { referralId: command.referralId, at, actor }
    const recorded: ReferralEvent = {
      _tag: "MeasureRecorded",
      ...base,
      instrument,
      timePoint,
      respondent,
      answers: command.answers
    }
    // the follow-up is complete when every follow-up measure the programme expects is in
    const followUpDone =
      timePoint === "follow-up" &&
      Programme.expectedMeasures(programme, "follow-up").every(
        (m) =>
          (m.instrument === instrument && m.respondent === respondent) ||
          state.measures.some(
            (t) => t.timePoint === "follow-up" && t.instrument === m.instrument && t.respondent === m.respondent
          )
      )
    return followUpDone ? ok(recorded, { _tag: "FollowUpCompleted", ...base, result: "recorded" }) : ok(recorded)
  }

  return { initialState, decide, evolve, catalog }
}
