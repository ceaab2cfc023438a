/**
 * Commands: what an actor asks of a referral. Every command names the
 * referral, carries an idempotency key (the same key returns the first result
 * and appends nothing), the actor and the time: the decider has no clock.
 *
 * Commands may carry personal data (the client's name, identity code, mobile
 * number, the reason for the referral, the closing feedback): bounded, clean
 * text (`Text`: no control characters but line breaks in the reason and the
 * feedback, no unpaired surrogates, no bidirectional controls). The decider
 * never copies it into events; `ReferralService` writes it to the
 * personal-data vault, keyed by the subject id (domain specification §8).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Actor } from "./Actor.js"
import * as Consent from "./Consent.js"
import { ActivityRef } from "./Directory.js"
import { IdempotencyKey, ProgrammeId, ReferralId, SubjectId } from "./Ids.js"
import { InstantSchema } from "./Instant.js"
import { LinkWorker } from "./LinkWorker.js"
import { Language } from "./Programme.js"
import * as Text from "./Text.js"

const common = {
  referralId: ReferralId,
  idempotencyKey: IdempotencyKey,
  actor: Actor,
  at: InstantSchema
}

const Code = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^[a-z][a-z0-9-]{1,63}$/u, { message: "expected a lower-case code" }))
)

/**
 * Why the client is referred, as coarse categories that can be counted
 * (`loneliness`, `lifestyle-change`, `grief`, `hard-life-situation`, …). The
 * free-text reason is personal data and goes to the vault.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ReasonCategory = Code

/**
 * A consent decision as given on a command (the actor and time come from the
 * command).
 *
 * @since 0.1.0
 * @category schemas
 */
export const ConsentGiven = Schema.Struct({
  purpose: Consent.Purpose,
  decision: Consent.Decision,
  method: Consent.Method,
  expiresAt: Schema.optionalKey(InstantSchema)
})
/**
 * @since 0.1.0
 * @category models
 */
export type ConsentGiven = typeof ConsentGiven.Type

/**
 * The client's personal data as the referrer enters it.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ClientDetails = Schema.Struct({
  /** One line, at most `Text.maxNameLength` characters, clean text (`Text`). */
  givenName: Text.Name,
  familyName: Text.Name,
  /** Validated by the decider; an invalid code refuses the command (the error names the reason, not the code). */
  personalIdentityCode: Schema.optionalKey(Text.Typed),
  /** Required when there is no identity code, to check the programme's minimum age. */
  birthYear: Schema.optionalKey(Schema.Int),
  /** As typed; normalised to E.164. An invalid number is refused, an absent one only blocks text messages (C2). */
  mobileNumber: Schema.optionalKey(Text.Typed),
  language: Language
})
/**
 * @since 0.1.0
 * @category models
 */
export type ClientDetails = typeof ClientDetails.Type

/**
 * The referrer submits a referral made together with the client.
 *
 * @since 0.1.0
 * @category commands
 */
export const SubmitReferral = Schema.TaggedStruct("SubmitReferral", {
  ...common,
  programmeId: ProgrammeId,
  /** Absent: the catalog's latest version. */
  programmeVersion: Schema.optionalKey(Schema.Int),
  subjectId: SubjectId,
  client: ClientDetails,
  reasonCategories: Schema.Array(ReasonCategory).pipe(Schema.check(Schema.isMinLength(1))),
  /** The short description of why the referral is made (personal data). */
  reasonText: Text.Reason,
  /** Exclusions the referrer found to apply (e.g. `acute-crisis`); any listed by the programme refuses the referral. */
  exclusionsPresent: Schema.Array(Code),
  /** The referrer asks to read the closing feedback (C3). */
  feedbackRequested: Schema.Boolean,
  consents: Schema.Array(ConsentGiven)
})

/**
 * The coordinator assigns (or reassigns) a link worker. The command carries
 * the registry entry and the link worker's current number of active clients,
 * as `ReferralService` looked them up, so the decider stays pure.
 *
 * @since 0.1.0
 * @category commands
 */
export const AssignLinkWorker = Schema.TaggedStruct("AssignLinkWorker", {
  ...common,
  linkWorker: LinkWorker,
  activeClients: Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(0)))
})

/**
 * Reasons a coordinator returns a referral to the referrer.
 *
 * @since 0.1.0
 * @category schemas
 */
export const RejectionReason = Schema.Literals([
  "acute-crisis",
  "clear-professional-need",
  "not-eligible",
  "outside-area",
  "duplicate",
  "other"
])

/**
 * The coordinator finds the referral not eligible and returns it with a reason.
 *
 * @since 0.1.0
 * @category commands
 */
export const RejectReferral = Schema.TaggedStruct("RejectReferral", { ...common, reason: RejectionReason })

/**
 * The referrer or the coordinator cancels the referral before it started.
 *
 * @since 0.1.0
 * @category commands
 */
export const CancelReferral = Schema.TaggedStruct("CancelReferral", {
  ...common,
  reason: Schema.Literals(["made-in-error", "client-request", "no-longer-needed", "other"])
})

/**
 * The link worker sets the time they will call the client, optionally with
 * the text message stating it (C2: needs `contact-by-sms` consent and a valid
 * mobile number).
 *
 * @since 0.1.0
 * @category commands
 */
export const ScheduleCall = Schema.TaggedStruct("ScheduleCall", {
  ...common,
  callAt: InstantSchema,
  notifyBySms: Schema.Boolean
})

/**
 * A call that did not reach the client. With attempts left it needs the next
 * call time; the programme's last attempt makes the referral Unreachable.
 *
 * @since 0.1.0
 * @category commands
 */
export const RecordFailedContactAttempt = Schema.TaggedStruct("RecordFailedContactAttempt", {
  ...common,
  nextCallAt: Schema.optionalKey(InstantSchema),
  notifyBySms: Schema.Boolean
})

/**
 * The first contact reached the client, who agreed to start or declined.
 *
 * @since 0.1.0
 * @category commands
 */
export const RecordFirstContact = Schema.TaggedStruct("RecordFirstContact", {
  ...common,
  outcome: Schema.Literals(["agreed", "declined"])
})

/**
 * The collaboration pauses (e.g. a hospital stay).
 *
 * @since 0.1.0
 * @category commands
 */
export const PutOnHold = Schema.TaggedStruct("PutOnHold", {
  ...common,
  reason: Schema.Literals(["hospital-stay", "client-request", "link-worker-absence", "other"])
})

/**
 * The collaboration resumes.
 *
 * @since 0.1.0
 * @category commands
 */
export const ResumeReferral = Schema.TaggedStruct("ResumeReferral", common)

/**
 * A meeting took place.
 *
 * @since 0.1.0
 * @category commands
 */
export const RecordMeeting = Schema.TaggedStruct("RecordMeeting", {
  ...common,
  meetingAt: InstantSchema,
  place: Schema.Literals(["home", "agreed-place", "community-activity", "phone", "video"]),
  durationMinutes: Schema.Int.pipe(Schema.check(Schema.isBetween({ minimum: 1, maximum: 600 })))
})

/**
 * Client and link worker agree how, how often and where they meet.
 *
 * @since 0.1.0
 * @category commands
 */
export const AgreeContactArrangement = Schema.TaggedStruct("AgreeContactArrangement", {
  ...common,
  way: Schema.Literals(["in-person", "phone", "video", "mixed"]),
  frequency: Schema.Literals(["weekly", "every-two-weeks", "monthly", "as-agreed"]),
  place: Schema.Literals(["home", "agreed-place", "community-activity", "remote"])
})

/**
 * Time points of the outcome measures.
 *
 * @since 0.1.0
 * @category schemas
 */
export const TimePoint = Schema.Literals(["baseline", "end", "follow-up"])
/**
 * @since 0.1.0
 * @category models
 */
export type TimePoint = typeof TimePoint.Type

/**
 * An administration of an outcome measure: the instrument, the time point,
 * who answered (the client, or the referrer as proxy) and the answers
 * (`null` for an item left unanswered). Scoring is the measures module's.
 *
 * @since 0.1.0
 * @category commands
 */
export const RecordMeasure = Schema.TaggedStruct("RecordMeasure", {
  ...common,
  instrument: Code,
  timePoint: TimePoint,
  respondent: Schema.Literals(["self", "proxy"]),
  answers: Schema.Array(Schema.NullOr(Schema.Finite)).pipe(Schema.check(Schema.isMinLength(1)))
})

/**
 * The link worker closes the collaboration with an outcome and the closing
 * feedback (personal data, to the vault).
 *
 * @since 0.1.0
 * @category commands
 */
export const CloseReferral = Schema.TaggedStruct("CloseReferral", {
  ...common,
  outcome: Schema.Literals([
    "goals-met",
    "continues-in-community-activity",
    "referred-to-other-service",
    "client-ended",
    "other"
  ]),
  feedback: Text.Feedback
})

/**
 * The follow-up window passed with no follow-up measure (D5).
 *
 * @since 0.1.0
 * @category commands
 */
export const ExpireFollowUp = Schema.TaggedStruct("ExpireFollowUp", common)

/**
 * The scheduler records that a deadline is at risk or was missed (D1, D2,
 * D4; D5's reminder). Firing a marker that was already recorded, or that no
 * longer applies, changes nothing; firing it before its time is refused.
 * D5's missed follow-up is `ExpireFollowUp`, D6 is `ErasePersonalData`.
 *
 * @since 0.1.0
 * @category commands
 */
export const RecordDeadline = Schema.TaggedStruct("RecordDeadline", {
  ...common,
  deadline: Schema.Literals(["assignment", "first-contact", "collaboration", "follow-up"]),
  marker: Schema.Literals(["at-risk", "missed"])
})

/**
 * Why a message was not sent: a lower-case code (`withdrawn`,
 * `rate-limited`, `past-send-before`, …), never personal data.
 *
 * @since 0.1.0
 * @category schemas
 */
export const MessageOutcomeReason = Code

/**
 * The outbox dispatcher records what became of a message (the call-time
 * text message, a staff notification): sent, or not sent and why. Message
 * bookkeeping: accepted in every state of an existing referral, ended ones
 * included, and exempt from the rule that commands may not go back before
 * the latest event (a result may be recorded after later events).
 *
 * @since 0.1.0
 * @category commands
 */
export const RecordMessageOutcome = Schema.TaggedStruct("RecordMessageOutcome", {
  ...common,
  /** The outbox entry's id (the id the provider saw). */
  messageId: Schema.String.pipe(Schema.check(Schema.isMinLength(1), Schema.isMaxLength(300))),
  kind: Schema.Literals(["call-time-sms", "coordinator-notification", "measure-link-sms"]),
  outcome: Schema.Literals(["sent", "failed", "cancelled", "expired"]),
  /** Why it was not sent: a code (`withdrawn`, `rate-limited`, …), never personal data. Absent when sent. */
  reason: Schema.optionalKey(MessageOutcomeReason),
  /** Sends tried (0 when it was never tried). */
  attempts: Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(0)))
})

/**
 * A consent decision of the client. Withdrawing `referral` consent ends the
 * referral (C5).
 *
 * @since 0.1.0
 * @category commands
 */
export const RecordConsent = Schema.TaggedStruct("RecordConsent", { ...common, consent: ConsentGiven })

/**
 * The client's contact details changed (personal data, to the vault).
 *
 * @since 0.1.0
 * @category commands
 */
export const UpdateContactDetails = Schema.TaggedStruct("UpdateContactDetails", {
  ...common,
  mobileNumber: Schema.NullOr(Text.Typed),
  language: Schema.optionalKey(Language)
})

/**
 * Erase the client's personal data (on request, or by the retention rule D6),
 * leaving the pseudonymous history. Allowed once the referral has ended;
 * repeating it changes nothing.
 *
 * @since 0.1.0
 * @category commands
 */
export const ErasePersonalData = Schema.TaggedStruct("ErasePersonalData", {
  ...common,
  basis: Schema.Literals(["client-request", "retention-period"])
})

/**
 * Ask for a text message with a secure link to the client's self-report
 * measures of a time point (domain specification §10). The scheduler issues
 * it when the measure falls due and for each reminder (`MeasureLink.sendsDue`);
 * the coordinator or the link worker may ask for one by hand. Accepted only
 * under the rules of `MeasureLink.check`: the programme sends links at this
 * time point, a self-report measure is due there now, C2 (contact-by-sms
 * consent and a valid number), never after withdrawal or erasure (C5, C6),
 * at most the programme's reminders, never outside the time point's window.
 *
 * @since 0.3.0
 * @category commands
 */
export const RequestMeasureLink = Schema.TaggedStruct("RequestMeasureLink", {
  ...common,
  timePoint: TimePoint
})

/**
 * The client answered the form of a measure link: the same measures a link
 * worker would record with `RecordMeasure` (respondent `self`), checked the
 * same way, plus the link's own rules (`MeasureLink.checkAnswer`): the link
 * was issued for this referral and time point, has not expired, and no link
 * of the time point was answered before. Issued by the server's form page
 * after it verified the link's signature, as the client (the subject).
 *
 * @since 0.3.0
 * @category commands
 */
export const AnswerMeasureLink = Schema.TaggedStruct("AnswerMeasureLink", {
  ...common,
  /** The link's id (`MeasureLinkRequested.tokenId`), from the verified token. */
  tokenId: Schema.String.pipe(Schema.check(Schema.isMinLength(1), Schema.isMaxLength(300))),
  timePoint: TimePoint,
  measures: Schema.Array(Schema.Struct({ instrument: Code, answers: RecordMeasure.fields.answers })).pipe(
    Schema.check(Schema.isMinLength(1))
  )
})

/**
 * The client's plan, made with the link worker: what matters to the client
 * in their own words (personal data: to the vault, erased with it) and the
 * goals as codes that can be counted (`meet-people`, `physical-activity`,
 * `learn-something`, …). Recording it again replaces both.
 *
 * @since 0.3.0
 * @category commands
 */
export const RecordPlan = Schema.TaggedStruct("RecordPlan", {
  ...common,
  /** What matters to the client, in their words (personal data). */
  whatMatters: Text.Reason,
  goals: Schema.Array(Code).pipe(Schema.check(Schema.isMinLength(1)))
})

/**
 * A step of an activity in the client's plan: `suggested`, `tried` (with or
 * without the link worker), `joined`, `left` (with a reason), or
 * `continuing` (still taking part, confirmed after closing: at follow-up).
 *
 * @since 0.3.0
 * @category schemas
 */
export const ActivityStep = Schema.Literals(["suggested", "tried", "joined", "left", "continuing"])
/**
 * @since 0.3.0
 * @category models
 */
export type ActivityStep = typeof ActivityStep.Type

/**
 * Why a client left an activity (a code that can be counted).
 *
 * @since 0.3.0
 * @category schemas
 */
export const LeaveReason = Schema.Literals([
  "not-for-me",
  "schedule",
  "cost",
  "transport",
  "health",
  "group-ended",
  "found-other",
  "other"
])
/**
 * @since 0.3.0
 * @category models
 */
export type LeaveReason = typeof LeaveReason.Type

/**
 * The link worker records a step of a directory activity in the client's
 * plan. The command carries the activity version as the directory has it
 * (`Directory.ref`), so the decider stays pure and the history keeps what
 * the activity was. `accompanied` is given with `tried` only, `reason` with
 * `left` only.
 *
 * @since 0.3.0
 * @category commands
 */
export const RecordActivity = Schema.TaggedStruct("RecordActivity", {
  ...common,
  activity: ActivityRef,
  step: ActivityStep,
  /** With `tried`: whether the link worker came along. */
  accompanied: Schema.optionalKey(Schema.Boolean),
  /** With `left`: why. */
  reason: Schema.optionalKey(LeaveReason)
})

/**
 * A need that nothing in the directory met, by category (`evening-activity`,
 * `peer-group-in-sami`, `transport`, …) and area.
 *
 * @since 0.3.0
 * @category commands
 */
export const RecordUnmetNeed = Schema.TaggedStruct("RecordUnmetNeed", {
  ...common,
  category: Code,
  area: ActivityRef.fields.area
})

/**
 * Every command.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ReferralCommand = Schema.Union([
  SubmitReferral,
  AssignLinkWorker,
  RejectReferral,
  CancelReferral,
  ScheduleCall,
  RecordFailedContactAttempt,
  RecordFirstContact,
  PutOnHold,
  ResumeReferral,
  RecordMeeting,
  AgreeContactArrangement,
  RecordMeasure,
  CloseReferral,
  ExpireFollowUp,
  RecordDeadline,
  RecordMessageOutcome,
  RecordConsent,
  UpdateContactDetails,
  ErasePersonalData,
  RequestMeasureLink,
  AnswerMeasureLink,
  RecordPlan,
  RecordActivity,
  RecordUnmetNeed
])
/**
 * @since 0.1.0
 * @category models
 */
export type ReferralCommand = typeof ReferralCommand.Type

/**
 * The tag of every command.
 *
 * @since 0.1.0
 * @category models
 */
export type Tag = ReferralCommand["_tag"]

/**
 * Every command tag.
 *
 * @since 0.1.0
 * @category constants
 */
export const tags: ReadonlyArray<Tag> = ReferralCommand.members.map((m) => m.fields._tag.schema.literal)
