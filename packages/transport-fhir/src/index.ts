/**
 * @lahete/transport-fhir: the FHIR R4 closed loop. Referrals arrive as
 * transaction Bundles (ServiceRequest, Task, Patient, Consent) and their
 * status goes back as Tasks; a client layer gives referrers' systems the same
 * `ReferralTransport` port over HTTP.
 *
 * @since 0.1.0
 */

/**
 * Authentication: the `Authenticate` function and the default bearer-JWT
 * verification with jose.
 *
 * @since 0.1.0
 */
export * as FhirAuth from "./FhirAuth.js"
/**
 * The client: the `ReferralTransport` port from the referrer's side.
 *
 * @since 0.1.0
 */
export * as FhirClient from "./FhirClient.js"
/**
 * The code systems, identifier systems and extension URLs.
 *
 * @since 0.1.0
 */
export * as FhirCodes from "./FhirCodes.js"
/**
 * Refusals as OperationOutcomes, and back.
 *
 * @since 0.1.0
 */
export * as FhirOutcome from "./FhirOutcome.js"
/**
 * The referral as a transaction Bundle, and back.
 *
 * @since 0.1.0
 */
export * as FhirReferral from "./FhirReferral.js"
/**
 * Effect schemas of the FHIR R4 subset the server reads.
 *
 * @since 0.1.0
 */
export * as FhirSchema from "./FhirSchema.js"
/**
 * The server: the HTTP routes of the closed loop.
 *
 * @since 0.1.0
 */
export * as FhirServer from "./FhirServer.js"
/**
 * A referral's status as a Task, and back.
 *
 * @since 0.1.0
 */
export * as FhirTask from "./FhirTask.js"
