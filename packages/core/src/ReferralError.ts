/**
 * The errors a command can meet, as data. Each names what went wrong, with
 * codes and ids only: no error carries personal data (names, identity codes,
 * phone numbers, free text), because errors reach logs and callers.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Role } from "./Actor.js"
import { Purpose } from "./Consent.js"
import { InstantSchema } from "./Instant.js"
import { Status } from "./Lifecycle.js"
import { LinkWorkerIneligible } from "./LinkWorker.js"
import { InvalidMobileNumber } from "./MobileNumber.js"
import { InvalidPersonalIdentityCode } from "./PersonalIdentityCode.js"

/**
 * The command is not allowed in the referral's current state.
 *
 * @since 0.1.0
 * @category errors
 */
export class TransitionNotAllowed extends Schema.TaggedError<TransitionNotAllowed>()("TransitionNotAllowed", {
  state: Status,
  command: Schema.String,
  detail: Schema.optionalKey(Schema.String)
}) {
  override get message(): string {
    return `${this.command} is not allowed in state ${this.state}${this.detail ? `: ${this.detail}` : ""}`
  }
}

/**
 * The actor may not do this: wrong role, not their referral, not the assigned
 * link worker, or not the data subject. Attempts are logged.
 *
 * @since 0.1.0
 * @category errors
 */
export class Forbidden extends Schema.TaggedError<Forbidden>()("Forbidden", {
  role: Role,
  action: Schema.String,
  reason: Schema.Literals([
    "role",
    "not-own-referral",
    "not-assigned",
    "not-subject",
    "profession-not-eligible",
    "outside-programme"
  ])
}) {
  override get message(): string {
    return `${this.role} may not ${this.action}: ${this.reason}`
  }
}

/**
 * A consent the command needs is not granted (rule C1 or C2, or proxy
 * measures).
 *
 * @since 0.1.0
 * @category errors
 */
export class ConsentMissing extends Schema.TaggedError<ConsentMissing>()("ConsentMissing", {
  purpose: Purpose,
  rule: Schema.optionalKey(Schema.Literals(["C1", "C2", "C3"]))
}) {
  override get message(): string {
    return `consent for ${this.purpose} is not granted${this.rule ? ` (rule ${this.rule})` : ""}`
  }
}

/**
 * A text message was asked for but there is no valid mobile number (C2).
 *
 * @since 0.1.0
 * @category errors
 */
export class MobileNumberMissing extends Schema.TaggedError<MobileNumberMissing>()("MobileNumberMissing", {}) {
  override get message(): string {
    return "no valid mobile number on file: a text message cannot be sent (rule C2)"
  }
}

/**
 * The referral is not eligible under the programme (an exclusion applies, or
 * the client is under the programme's minimum age).
 *
 * @since 0.1.0
 * @category errors
 */
export class NotEligible extends Schema.TaggedError<NotEligible>()("NotEligible", {
  reason: Schema.String
}) {
  override get message(): string {
    return `the referral is not eligible: ${this.reason}`
  }
}

/**
 * A field of the command is invalid. Names the field and the reason, never
 * the value.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidCommand extends Schema.TaggedError<InvalidCommand>()("InvalidCommand", {
  field: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `invalid ${this.field}: ${this.reason}`
  }
}

/**
 * The programme (or the version) named is not in the catalog.
 *
 * @since 0.1.0
 * @category errors
 */
export class ProgrammeNotFound extends Schema.TaggedError<ProgrammeNotFound>()("ProgrammeNotFound", {
  programmeId: Schema.String,
  version: Schema.optionalKey(Schema.Number)
}) {
  override get message(): string {
    return `programme ${this.programmeId}${this.version === undefined ? "" : ` version ${this.version}`} is not in the catalog`
  }
}

/**
 * The measure is not one the programme expects at this time point from this
 * respondent.
 *
 * @since 0.1.0
 * @category errors
 */
export class MeasureNotExpected extends Schema.TaggedError<MeasureNotExpected>()("MeasureNotExpected", {
  instrument: Schema.String,
  timePoint: Schema.String,
  respondent: Schema.String
}) {
  override get message(): string {
    return `the programme does not expect ${this.instrument} (${this.respondent}) at ${this.timePoint}`
  }
}

/**
 * The command came before the time it depends on (e.g. expiring the
 * follow-up before its window has passed).
 *
 * @since 0.1.0
 * @category errors
 */
export class TooEarly extends Schema.TaggedError<TooEarly>()("TooEarly", {
  command: Schema.String,
  notBefore: Schema.String
}) {
  override get message(): string {
    return `${this.command} is not allowed before ${this.notBefore}`
  }
}

/**
 * Why a proposed call time is refused.
 *
 * @since 0.1.0
 * @category models
 */
export const CallTimeProblem = Schema.Literals([
  "not-in-the-future",
  "not-a-business-day",
  "outside-calling-hours",
  "after-first-contact-deadline",
  "text-message-lead-time"
])

/**
 * A proposed call time was refused. `suggestedCallAt` is the earliest call
 * time that satisfies every rule it can (calling hours on a business day,
 * after the text message's lead time); when even it misses the first-contact
 * deadline, `deadlineMissable` says so.
 *
 * @since 0.1.0
 * @category errors
 */
export class CallTimeNotAllowed extends Schema.TaggedError<CallTimeNotAllowed>()("CallTimeNotAllowed", {
  problem: CallTimeProblem,
  suggestedCallAt: InstantSchema,
  firstContactDueAt: Schema.optionalKey(InstantSchema),
  deadlineMissable: Schema.Boolean
}) {
  override get message(): string {
    const why: Record<typeof CallTimeProblem.Type, string> = {
      "not-in-the-future": "the call time must be in the future",
      "not-a-business-day": "calls are placed on business days",
      "outside-calling-hours": "the call time is outside the programme's calling hours",
      "after-first-contact-deadline": "the call time is after the first-contact deadline",
      "text-message-lead-time": "the text message cannot be sent early enough before the call (lead time, quiet hours)"
    }
    return `${why[this.problem]}; earliest valid call time ${this.suggestedCallAt}${
      this.deadlineMissable ? " (after the first-contact deadline)" : ""
    }`
  }
}

/**
 * Every error `decide` can return.
 *
 * @since 0.1.0
 * @category models
 */
export type DecideError =
  | TransitionNotAllowed
  | Forbidden
  | ConsentMissing
  | MobileNumberMissing
  | NotEligible
  | InvalidCommand
  | ProgrammeNotFound
  | MeasureNotExpected
  | TooEarly
  | LinkWorkerIneligible
  | CallTimeNotAllowed

/**
 * Re-exported for matching on every refusal in one place.
 *
 * @since 0.1.0
 * @category errors
 */
export { InvalidMobileNumber, InvalidPersonalIdentityCode, LinkWorkerIneligible }
