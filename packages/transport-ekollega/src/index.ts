/**
 * @lahete/transport-ekollega: an eKollega-style secure referral inbox. A
 * referrer's system delivers referral messages over HTTP, signed for the
 * professional with its organisation's key, and polls for their status (the
 * closed loop); the inbox runs the `ReferralTransport` of `@lahete/core`.
 *
 * @since 0.1.0
 */

/**
 * The client: the `ReferralTransport` port over HTTP, for referrers' systems.
 *
 * @since 0.1.0
 */
export * as EkollegaClient from "./EkollegaClient.js"
/**
 * The inbox: HTTP routes (deliver, status, changes) with token checks, size
 * limits and problem answers.
 *
 * @since 0.1.0
 */
export * as EkollegaInbox from "./EkollegaInbox.js"
/**
 * The wire format: request and answer schemas, problem documents, JSON Schema.
 *
 * @since 0.1.0
 */
export * as EkollegaMessage from "./EkollegaMessage.js"
/**
 * The bearer token: claims, verification, signing, key pairs.
 *
 * @since 0.1.0
 */
export * as EkollegaToken from "./EkollegaToken.js"
