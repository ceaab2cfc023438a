/**
 * Events: the facts an accepted command produced. A referral's state is the
 * fold of its events. Events carry no personal data: names, identity codes,
 * phone numbers and free text live in the personal-data vault, keyed by the
 * subject id, so erasure leaves this history intact for statistics.
 *
 * Events are versioned: stored as `{ type, version, data }`. A changed event
 * shape gets a new version and an upgrade from the previous one, applied on
 * decode (`EventCodec`).
 *
 * @since 0.1.0
 */
import { Result, Schema } from "effect"
import { Actor, Profession } from "./Actor.js"
import { ConsentRecord } from "./Consent.js"
import { ActorId, OrganisationId, ProgrammeId, ReferralId, SubjectId } from "./Ids.js"
import { InstantSchema } from "./Instant.js"
import {
  AgreeContactArrangement,
  CancelReferral,
  CloseReferral,
  ErasePersonalData,
  MessageOutcomeReason,
  PutOnHold,
  ReasonCategory,
  RecordActivity,
  RecordMeasure,
  RecordMeeting,
  RecordMessageOutcome,
  RecordUnmetNeed,
  RejectionReason
} from "./ReferralCommand.js"

const common = { referralId: ReferralId, at: InstantSchema, actor: Actor }

/**
 * A referral was submitted.
 *
 * @since 0.1.0
 * @category events
 */
export const ReferralSubmitted = Schema.TaggedStruct("ReferralSubmitted", {
  ...common,
  subjectId: SubjectId,
  programmeId: ProgrammeId,
  programmeVersion: Schema.Int,
  referrer: Schema.Struct({ id: ActorId, organisation: OrganisationId, profession: Profession }),
  reasonCategories: Schema.Array(ReasonCategory),
  feedbackRequested: Schema.Boolean,
  /** Whether a valid mobile number is on file (the number itself is in the vault). */
  validMobile: Schema.Boolean
})

/**
 * A consent decision was recorded.
 *
 * @since 0.1.0
 * @category events
 */
export const ConsentRecorded = Schema.TaggedStruct("ConsentRecorded", { ...common, consent: ConsentRecord })

/**
 * A link worker was assigned (or the referral reassigned).
 *
 * @since 0.1.0
 * @category events
 */
export const LinkWorkerAssigned = Schema.TaggedStruct("LinkWorkerAssigned", {
  ...common,
  linkWorkerId: ActorId,
  previousLinkWorkerId: Schema.optionalKey(ActorId)
})

/**
 * The coordinator returned the referral to the referrer.
 *
 * @since 0.1.0
 * @category events
 */
export const ReferralRejected = Schema.TaggedStruct("ReferralRejected", { ...common, reason: RejectionReason })

/**
 * The referral was cancelled before it started.
 *
 * @since 0.1.0
 * @category events
 */
export const ReferralCancelled = Schema.TaggedStruct("ReferralCancelled", {
  ...common,
  reason: CancelReferral.fields.reason
})

/**
 * A call time was set (first, rescheduled, or after a failed attempt).
 *
 * @since 0.1.0
 * @category events
 */
export const CallScheduled = Schema.TaggedStruct("CallScheduled", {
  ...common,
  callAt: InstantSchema,
  /** 1 for the first attempt, counting failed attempts before it. */
  attempt: Schema.Int
})

/**
 * The text message stating the call time is to be sent (the outbox picks it
 * up). `messageId` is derived from the command's idempotency key.
 *
 * @since 0.1.0
 * @category events
 */
export const CallTimeMessageRequested = Schema.TaggedStruct("CallTimeMessageRequested", {
  ...common,
  messageId: Schema.NonEmptyString,
  callAt: InstantSchema,
  /** Not before: the request, or the end of quiet hours (D3). */
  sendAfter: InstantSchema,
  /** Not after: the programme's lead time before the call (D3). */
  sendBefore: InstantSchema
})

/**
 * A call did not reach the client.
 *
 * @since 0.1.0
 * @category events
 */
export const ContactAttemptFailed = Schema.TaggedStruct("ContactAttemptFailed", { ...common, attempt: Schema.Int })

/**
 * Every allowed contact attempt failed.
 *
 * @since 0.1.0
 * @category events
 */
export const ClientUnreachable = Schema.TaggedStruct("ClientUnreachable", { ...common, attempts: Schema.Int })

/**
 * First contact: the client agreed to start.
 *
 * @since 0.1.0
 * @category events
 */
export const CollaborationStarted = Schema.TaggedStruct("CollaborationStarted", common)

/**
 * First contact: the client declined.
 *
 * @since 0.1.0
 * @category events
 */
export const ClientDeclined = Schema.TaggedStruct("ClientDeclined", common)

/**
 * The collaboration was paused.
 *
 * @since 0.1.0
 * @category events
 */
export const CollaborationPaused = Schema.TaggedStruct("CollaborationPaused", {
  ...common,
  reason: PutOnHold.fields.reason
})

/**
 * The collaboration resumed.
 *
 * @since 0.1.0
 * @category events
 */
export const CollaborationResumed = Schema.TaggedStruct("CollaborationResumed", common)

/**
 * A meeting took place.
 *
 * @since 0.1.0
 * @category events
 */
export const MeetingRecorded = Schema.TaggedStruct("MeetingRecorded", {
  ...common,
  meetingAt: InstantSchema,
  place: RecordMeeting.fields.place,
  durationMinutes: Schema.Int
})

/**
 * A contact arrangement was agreed.
 *
 * @since 0.1.0
 * @category events
 */
export const ContactArrangementAgreed = Schema.TaggedStruct("ContactArrangementAgreed", {
  ...common,
  way: AgreeContactArrangement.fields.way,
  frequency: AgreeContactArrangement.fields.frequency,
  place: AgreeContactArrangement.fields.place
})

/**
 * An outcome measure was administered.
 *
 * @since 0.1.0
 * @category events
 */
export const MeasureRecorded = Schema.TaggedStruct("MeasureRecorded", {
  ...common,
  instrument: RecordMeasure.fields.instrument,
  timePoint: RecordMeasure.fields.timePoint,
  respondent: RecordMeasure.fields.respondent,
  answers: RecordMeasure.fields.answers
})

/**
 * The collaboration ended; the closing feedback is in the vault.
 *
 * @since 0.1.0
 * @category events
 */
export const ReferralClosed = Schema.TaggedStruct("ReferralClosed", {
  ...common,
  outcome: CloseReferral.fields.outcome
})

/**
 * The follow-up was recorded, or its window passed (`missed`).
 *
 * @since 0.1.0
 * @category events
 */
export const FollowUpCompleted = Schema.TaggedStruct("FollowUpCompleted", {
  ...common,
  result: Schema.Literals(["recorded", "missed"])
})

/**
 * The client withdrew referral consent; the referral ended (C5).
 *
 * @since 0.1.0
 * @category events
 */
export const ReferralWithdrawn = Schema.TaggedStruct("ReferralWithdrawn", common)

/**
 * The client's contact details changed (the details are in the vault).
 *
 * @since 0.1.0
 * @category events
 */
export const ContactDetailsUpdated = Schema.TaggedStruct("ContactDetailsUpdated", {
  ...common,
  validMobile: Schema.Boolean
})

/**
 * The client's personal data was erased from the vault.
 *
 * @since 0.1.0
 * @category events
 */
export const PersonalDataErased = Schema.TaggedStruct("PersonalDataErased", {
  ...common,
  basis: ErasePersonalData.fields.basis
})

/**
 * A deadline is at risk (a warning, or a reminder before it).
 *
 * @since 0.1.0
 * @category events
 */
export const DeadlineAtRisk = Schema.TaggedStruct("DeadlineAtRisk", {
  ...common,
  deadline: Schema.Literals(["assignment", "first-contact", "collaboration", "follow-up"]),
  dueAt: InstantSchema
})

/**
 * D1: no link worker was assigned in time (a reminder to the coordinator).
 *
 * @since 0.1.0
 * @category events
 */
export const AssignmentOverdue = Schema.TaggedStruct("AssignmentOverdue", { ...common, dueAt: InstantSchema })

/**
 * D2: no call was set within the first-contact deadline.
 *
 * @since 0.1.0
 * @category events
 */
export const ContactDeadlineMissed = Schema.TaggedStruct("ContactDeadlineMissed", { ...common, dueAt: InstantSchema })

/**
 * D4: the collaboration has gone on past the programme's maximum (a flag; the
 * referral is not closed).
 *
 * @since 0.1.0
 * @category events
 */
export const DurationExceeded = Schema.TaggedStruct("DurationExceeded", { ...common, dueAt: InstantSchema })

/**
 * A message was handed to its provider (SMS) or mail server.
 *
 * @since 0.1.0
 * @category events
 */
export const MessageSent = Schema.TaggedStruct("MessageSent", {
  ...common,
  messageId: RecordMessageOutcome.fields.messageId,
  kind: RecordMessageOutcome.fields.kind,
  attempts: RecordMessageOutcome.fields.attempts
})

/**
 * A message was not sent and will not be: it failed for good, was
 * cancelled (withdrawal, erasure, no consent, superseded …) or expired.
 *
 * @since 0.1.0
 * @category events
 */
export const MessageNotSent = Schema.TaggedStruct("MessageNotSent", {
  ...common,
  messageId: RecordMessageOutcome.fields.messageId,
  kind: RecordMessageOutcome.fields.kind,
  outcome: Schema.Literals(["failed", "cancelled", "expired"]),
  reason: MessageOutcomeReason,
  attempts: RecordMessageOutcome.fields.attempts
})

/**
 * A text message with a secure link to the client's self-report measures of
 * a time point is to be sent (the outbox picks it up). `tokenId` is the
 * link's id (the token the message carries names it and nothing personal);
 * `reminder` counts the messages for the time point before this one.
 *
 * @since 0.3.0
 * @category events
 */
export const MeasureLinkRequested = Schema.TaggedStruct("MeasureLinkRequested", {
  ...common,
  messageId: Schema.NonEmptyString,
  tokenId: Schema.NonEmptyString,
  timePoint: RecordMeasure.fields.timePoint,
  reminder: Schema.Int,
  /** Not before: the request, or the end of quiet hours. */
  sendAfter: InstantSchema,
  /** Not after: when the link expires. */
  sendBefore: InstantSchema,
  /** The link answers nothing from this instant on. */
  expiresAt: InstantSchema
})

/**
 * The client answered a measure link's form: the measures follow as
 * `MeasureRecorded`; every link of the time point now answers "already
 * answered".
 *
 * @since 0.3.0
 * @category events
 */
export const MeasureLinkAnswered = Schema.TaggedStruct("MeasureLinkAnswered", {
  ...common,
  tokenId: Schema.NonEmptyString,
  timePoint: RecordMeasure.fields.timePoint
})

/**
 * The client's plan was recorded: the goals (what matters to the client, in
 * their words, is in the vault).
 *
 * @since 0.3.0
 * @category events
 */
export const PlanRecorded = Schema.TaggedStruct("PlanRecorded", {
  ...common,
  goals: Schema.Array(Schema.String)
})

/**
 * A step of a directory activity in the client's plan (the activity version
 * the client met, its organisation and area).
 *
 * @since 0.3.0
 * @category events
 */
export const ActivityRecorded = Schema.TaggedStruct("ActivityRecorded", {
  ...common,
  activity: RecordActivity.fields.activity,
  step: RecordActivity.fields.step,
  accompanied: RecordActivity.fields.accompanied,
  reason: RecordActivity.fields.reason
})

/**
 * A need nothing in the directory met.
 *
 * @since 0.3.0
 * @category events
 */
export const UnmetNeedRecorded = Schema.TaggedStruct("UnmetNeedRecorded", {
  ...common,
  category: RecordUnmetNeed.fields.category,
  area: RecordUnmetNeed.fields.area
})

/**
 * Every event.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ReferralEvent = Schema.Union([
  ReferralSubmitted,
  ConsentRecorded,
  LinkWorkerAssigned,
  ReferralRejected,
  ReferralCancelled,
  CallScheduled,
  CallTimeMessageRequested,
  ContactAttemptFailed,
  ClientUnreachable,
  CollaborationStarted,
  ClientDeclined,
  CollaborationPaused,
  CollaborationResumed,
  MeetingRecorded,
  ContactArrangementAgreed,
  MeasureRecorded,
  ReferralClosed,
  FollowUpCompleted,
  ReferralWithdrawn,
  ContactDetailsUpdated,
  PersonalDataErased,
  DeadlineAtRisk,
  AssignmentOverdue,
  ContactDeadlineMissed,
  DurationExceeded,
  MessageSent,
  MessageNotSent,
  MeasureLinkRequested,
  MeasureLinkAnswered,
  PlanRecorded,
  ActivityRecorded,
  UnmetNeedRecorded
])
/**
 * @since 0.1.0
 * @category models
 */
export type ReferralEvent = typeof ReferralEvent.Type

/**
 * The tag of every event.
 *
 * @since 0.1.0
 * @category models
 */
export type Tag = ReferralEvent["_tag"]

/**
 * An event as stored: its type, schema version and encoded data.
 *
 * @since 0.1.0
 * @category models
 */
export interface Stored {
  readonly type: string
  readonly version: number
  readonly data: unknown
}

/**
 * A stored event could not be decoded (unknown type, a version with no
 * upgrade path, or data that does not match). Names the type and version
 * only: event data never appears in errors.
 *
 * @since 0.1.0
 * @category errors
 */
export class EventDecodeError extends Schema.TaggedError<EventDecodeError>()("EventDecodeError", {
  type: Schema.String,
  version: Schema.Number,
  problem: Schema.Literals(["unknown-type", "unknown-version", "invalid-data"])
}) {
  override get message(): string {
    return `cannot decode stored event ${this.type} v${this.version}: ${this.problem}`
  }
}

/**
 * An upgrade of an event's encoded data from `version` to `version + 1`.
 *
 * @since 0.1.0
 * @category models
 */
export type Upgrade = (data: Record<string, unknown>) => Record<string, unknown>

/**
 * Encodes events for storage and decodes them back, upgrading older versions.
 *
 * @since 0.1.0
 * @category models
 */
export interface Codec {
  readonly currentVersion: (type: string) => number
  readonly encode: (event: ReferralEvent) => Stored
  readonly decode: (stored: Stored) => Result.Result<ReferralEvent, EventDecodeError>
}

/**
 * Builds a codec. `upgrades[type][v]` turns version `v` data into version
 * `v + 1`; the current version of a type is one past its last upgrade.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeCodec = (upgrades: Readonly<Record<string, Readonly<Record<number, Upgrade>>>> = {}): Codec => {
  const currentVersion = (type: string): number => 1 + Object.keys(upgrades[type] ?? {}).length
  // each member's decoder, encoder and current version, built once: a report decodes hundreds of thousands of
  // events, every append encodes its own
  const members = new Map<
    string,
    {
      readonly version: number
      readonly decode: (data: unknown) => Result.Result<ReferralEvent, Schema.SchemaError>
      readonly encode: (event: ReferralEvent) => unknown
    }
  >(
    ReferralEvent.members.map((m) => {
      const type = m.fields._tag.schema.literal
      const schema = m as unknown as Schema.Codec<ReferralEvent, unknown>
      return [
        type,
        { version: currentVersion(type), decode: Schema.decodeUnknownResult(schema), encode: Schema.encodeSync(schema) }
      ]
    })
  )
  const encodeEvent = Schema.encodeSync(ReferralEvent)
  return {
    currentVersion,
    encode: (event) => {
      const member = members.get(event._tag)
      // a value outside the union (only an untyped caller can pass one) fails in the union's encoder, as before
      return member === undefined
        ? { type: event._tag, version: currentVersion(event._tag), data: encodeEvent(event) }
        : { type: event._tag, version: member.version, data: member.encode(event) }
    },
    decode: (stored) => {
      const member = members.get(stored.type)
      if (member === undefined) {
        return Result.fail(
          new EventDecodeError({ type: stored.type, version: stored.version, problem: "unknown-type" })
        )
      }
      const target = member.version
      if (!Number.isInteger(stored.version) || stored.version < 1 || stored.version > target) {
        return Result.fail(
          new EventDecodeError({ type: stored.type, version: stored.version, problem: "unknown-version" })
        )
      }
      let data = stored.data
      for (let v = stored.version; v < target; v++) {
        const up = upgrades[stored.type]?.[v]
        if (up === undefined || typeof data !== "object" || data === null) {
          return Result.fail(
            new EventDecodeError({ type: stored.type, version: stored.version, problem: "unknown-version" })
          )
        }
        data = up(data as Record<string, unknown>)
      }
      return Result.mapError(
        member.decode(data),
        () => new EventDecodeError({ type: stored.type, version: stored.version, problem: "invalid-data" })
      )
    }
  }
}

/**
 * The codec for the events of this release (every event at version 1).
 *
 * @since 0.1.0
 * @category constructors
 */
export const codec: Codec = makeCodec()
