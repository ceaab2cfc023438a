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
