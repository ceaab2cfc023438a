/**
 * Consent as state, per purpose (domain specification §2). Each purpose holds
 * the latest decision: granted, refused or withdrawn, with who recorded it,
 * when, how, and an optional expiry.
 *
 * Purposes:
 * - `referral`: required to submit (C1); withdrawing it ends the referral (C5).
 * - `contact-by-sms`: the first-contact text message needs it (C2).
 * - `feedback-to-referrer`: the referrer reads the closing feedback only with it (C3).
 * - `research`: never gates anything (C4).
 * - `proxy-measure`: the referrer may fill a measure about the client.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { ActorId } from "./Ids.js"
import { type Instant, InstantSchema } from "./Instant.js"

/**
 * The purposes consent is asked for.
 *
 * @since 0.1.0
 * @category models
 */
export const Purpose = Schema.Literals([
  "referral",
  "contact-by-sms",
  "feedback-to-referrer",
  "research",
  "proxy-measure"
])
/**
 * @since 0.1.0
 * @category models
 */
export type Purpose = typeof Purpose.Type

/**
 * Every purpose, in a fixed order.
 *
 * @since 0.1.0
 * @category constants
 */
export const purposes: ReadonlyArray<Purpose> = Purpose.literals

/**
 * The client's decision.
 *
 * @since 0.1.0
 * @category models
 */
export const Decision = Schema.Literals(["granted", "refused", "withdrawn"])
/**
 * @since 0.1.0
 * @category models
 */
export type Decision = typeof Decision.Type

/**
 * How the consent was given: in the appointment, agreed with the client for
 * office time (Kemijärvi: a referral may be made later when so agreed),
 * in writing, or verbally.
 *
 * @since 0.1.0
 * @category models
 */
export const Method = Schema.Literals(["in-appointment", "agreed-for-office-time", "written", "verbal"])
/**
 * @since 0.1.0
 * @category models
 */
export type Method = typeof Method.Type

/**
 * One recorded decision.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ConsentRecord = Schema.Struct({
  purpose: Purpose,
  decision: Decision,
  method: Method,
  recordedBy: ActorId,
  at: InstantSchema,
  expiresAt: Schema.optionalKey(InstantSchema)
})
/**
 * @since 0.1.0
 * @category models
 */
export type ConsentRecord = typeof ConsentRecord.Type

/**
 * The latest decision per purpose.
 *
 * @since 0.1.0
 * @category models
 */
export type Consents = Readonly<Partial<Record<Purpose, ConsentRecord>>>

/**
 * No decisions yet.
 *
 * @since 0.1.0
 * @category constructors
 */
export const empty: Consents = {}

/**
 * Records a decision: it replaces the purpose's previous one.
 *
 * @since 0.1.0
 * @category combinators
 */
export const record = (consents: Consents, decision: ConsentRecord): Consents => ({
  ...consents,
  [decision.purpose]: decision
})

/**
 * Whether consent for `purpose` is granted and in force at `at`.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isGranted = (consents: Consents, purpose: Purpose, at: Instant): boolean => {
  const c = consents[purpose]
  return c !== undefined && c.decision === "granted" && (c.expiresAt === undefined || at < c.expiresAt)
}

/**
 * The consent rules the core enforces, by code, for error messages and docs.
 *
 * @since 0.1.0
 * @category constants
 */
export const rules = {
  C1: "no submission without referral consent granted",
  C2: "no text message without contact-by-sms consent and a valid mobile number",
  C3: "the referrer reads the closing feedback only while they asked for it, the client granted it and it is not withdrawn; every read is logged as a disclosure",
  C4: "research consent never gates anything",
  C5: "withdrawal of referral consent ends the referral (Withdrawn); no message is sent after it",
  C6: "no outbound message after Withdrawn or after personal data is erased"
} as const
/**
 * @since 0.1.0
 * @category models
 */
export type Rule = keyof typeof rules
