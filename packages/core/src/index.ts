/**
 * @lahete/core: the wellbeing referral (hyvinvointilähete) domain.
 *
 * @since 0.1.0
 */

/**
 * Finnish mobile numbers to E.164.
 *
 * @since 0.1.0
 */
export * as MobileNumber from "./MobileNumber.js"

/**
 * The Finnish personal identity code (henkilötunnus).
 *
 * @since 0.1.0
 */
export * as PersonalIdentityCode from "./PersonalIdentityCode.js"

/**
 * Actors and roles.
 *
 * @since 0.1.0
 */
export * as Actor from "./Actor.js"

/**
 * Consent per purpose, rules C1–C6.
 *
 * @since 0.1.0
 */
export * as Consent from "./Consent.js"

/**
 * Identifiers.
 *
 * @since 0.1.0
 */
export * as Ids from "./Ids.js"

/**
 * Instants (canonical UTC ISO strings).
 *
 * @since 0.1.0
 */
export * as Instant from "./Instant.js"

/**
 * The lifecycle table: states, transitions, recordings.
 *
 * @since 0.1.0
 */
export * as Lifecycle from "./Lifecycle.js"

/**
 * The link-worker registry and assignment rules.
 *
 * @since 0.1.0
 */
export * as LinkWorker from "./LinkWorker.js"

/**
 * Programme configuration.
 *
 * @since 0.1.0
 */
export * as Programme from "./Programme.js"

/**
 * Commands.
 *
 * @since 0.1.0
 */
export * as ReferralCommand from "./ReferralCommand.js"

/**
 * Programme presets for Kemijärvi and Sodankylä.
 *
 * @since 0.1.0
 */
export * as Presets from "./Presets.js"

/**
 * The lifecycle decider: decide, evolve, initialState.
 *
 * @since 0.1.0
 */
export * as Referral from "./Referral.js"

/**
 * Errors of the decider.
 *
 * @since 0.1.0
 */
export * as ReferralError from "./ReferralError.js"

/**
 * Events and their versioned codec.
 *
 * @since 0.1.0
 */
export * as ReferralEvent from "./ReferralEvent.js"
