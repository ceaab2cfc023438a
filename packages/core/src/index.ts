/**
 * @lahete/core: the wellbeing referral (hyvinvointilähete) domain.
 *
 * @since 0.1.0
 */

/**
 * Actors and roles.
 *
 * @since 0.1.0
 */
export * as Actor from "./Actor.js"
/**
 * The audit log port: usage, disclosures, refused attempts.
 *
 * @since 0.1.0
 */
export * as AuditLog from "./AuditLog.js"
/**
 * The in-memory audit log layer.
 *
 * @since 0.1.0
 */
export * as AuditLogMemory from "./AuditLogMemory.js"
/**
 * The community link in the evaluation: activity uptake and unmet needs.
 *
 * @since 0.3.0
 */
export * as CommunityEvaluation from "./CommunityEvaluation.js"
/**
 * Consent per purpose, rules C1–C6.
 *
 * @since 0.1.0
 */
export * as Consent from "./Consent.js"
/**
 * The deadlines D1–D6, call-time validation.
 *
 * @since 0.1.0
 */
export * as Deadlines from "./Deadlines.js"
/**
 * The directory of community activities (organisations, activities), versioned.
 *
 * @since 0.3.0
 */
export * as Directory from "./Directory.js"
/**
 * Small fictional directories for the presets (Finnish and Swedish).
 *
 * @since 0.3.0
 */
export * as DirectoryPresets from "./DirectoryPresets.js"
/**
 * The directory store port (every version; pages of current entries) and its in-memory layer.
 *
 * @since 0.3.0
 */
export * as DirectoryStore from "./DirectoryStore.js"
/**
 * The evaluation report as data (JSON), with small-cell suppression.
 *
 * @since 0.1.0
 */
export * as Evaluation from "./Evaluation.js"
/**
 * The evaluation report as one self-contained HTML page with SVG charts.
 *
 * @since 0.1.0
 */
export * as EvaluationHtml from "./EvaluationHtml.js"
/**
 * The HTML report's texts per language (fi, sv, en) and its local dates,
 * periods and numbers.
 *
 * @since 0.2.0
 */
export * as EvaluationText from "./EvaluationText.js"
/**
 * The Finnish business-day calendar (Act 150/1930).
 *
 * @since 0.1.0
 */
export * as FinnishCalendar from "./FinnishCalendar.js"
/**
 * The directory in Open Referral's HSDS 3.0 (import and export).
 *
 * @since 0.3.0
 */
export * as Hsds from "./Hsds.js"
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
 * Instrument definitions; item texts from the licensee.
 *
 * @since 0.1.0
 */
export * as Instrument from "./Instrument.js"
/**
 * The built-in instruments: SWEMWBS, WEMWBS, ESIS, UCLA-3, ONS4.
 *
 * @since 0.1.0
 */
export * as Instruments from "./Instruments.js"
/**
 * Checks of a registered JSON Web Key set when configuration is loaded
 * (duplicate `kid`, private keys, key types and algorithms).
 *
 * @since 0.2.0
 */
export * as KeySet from "./KeySet.js"
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
 * The link-worker registry port and its in-memory layer.
 *
 * @since 0.1.0
 */
export * as LinkWorkerRegistry from "./LinkWorkerRegistry.js"
/**
 * The link workers' survey: its definition as programme data, its rounds,
 * and aggregates no one link worker's answer can be singled out from.
 *
 * @since 0.3.0
 */
export * as LinkWorkerSurvey from "./LinkWorkerSurvey.js"
/**
 * Where the link workers' survey answers are kept (anonymously, with a
 * per-round "has answered" marker apart), answering a round, and the
 * coordinator's and the evaluation's view of the aggregates.
 *
 * @since 0.3.0
 */
export * as LinkWorkerSurveyAnswers from "./LinkWorkerSurveyAnswers.js"
/**
 * Time-zone-correct local time (Europe/Helsinki).
 *
 * @since 0.1.0
 */
export * as LocalTime from "./LocalTime.js"
/**
 * The mailer port (staff email) with an in-memory layer.
 *
 * @since 0.1.0
 */
export * as Mailer from "./Mailer.js"
/**
 * The client's measure by a secure link: when a link message may be asked
 * for and answered, and when the scheduler asks.
 *
 * @since 0.3.0
 */
export * as MeasureLink from "./MeasureLink.js"
/**
 * The short signed, expiring token a measure link carries (format 1:
 * HMAC-SHA-256 truncated to 128 bits; nothing personal in it).
 *
 * @since 0.3.0
 */
export * as MeasureLinkToken from "./MeasureLinkToken.js"
/**
 * Scoring, completeness, change, due measures.
 *
 * @since 0.1.0
 */
export * as Measures from "./Measures.js"
/**
 * Call-time text message and coordinator notification templates (fi, sv, se, en), SMS segment count.
 *
 * @since 0.1.0
 */
export * as MessageTemplates from "./MessageTemplates.js"
/**
 * Finnish mobile numbers to E.164.
 *
 * @since 0.1.0
 */
export * as MobileNumber from "./MobileNumber.js"
/**
 * The personal-data vault's data and writes.
 *
 * @since 0.1.0
 */
export * as PersonalData from "./PersonalData.js"
/**
 * The Finnish personal identity code (henkilötunnus).
 *
 * @since 0.1.0
 */
export * as PersonalIdentityCode from "./PersonalIdentityCode.js"
/**
 * The client's plan: what matters, goals, activities step by step, unmet needs.
 *
 * @since 0.3.0
 */
export * as Plan from "./Plan.js"
/**
 * Programme presets for Kemijärvi and Sodankylä.
 *
 * @since 0.1.0
 */
export * as Presets from "./Presets.js"
/**
 * Programme configuration.
 *
 * @since 0.1.0
 */
export * as Programme from "./Programme.js"
/**
 * The lifecycle decider: decide, evolve, initialState.
 *
 * @since 0.1.0
 */
export * as Referral from "./Referral.js"
/**
 * Commands.
 *
 * @since 0.1.0
 */
export * as ReferralCommand from "./ReferralCommand.js"
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
/**
 * The read side: referrals by index, a page at a time.
 *
 * @since 0.2.0
 */
export * as ReferralIndex from "./ReferralIndex.js"
/**
 * Queries: the need-to-know views with usage and disclosure logging.
 *
 * @since 0.1.0
 */
export * as ReferralQueries from "./ReferralQueries.js"
/**
 * `ReferralService`: load, decide, append with idempotency.
 *
 * @since 0.1.0
 */
export * as ReferralService from "./ReferralService.js"
/**
 * The referral store port.
 *
 * @since 0.1.0
 */
export * as ReferralStore from "./ReferralStore.js"
/**
 * The in-memory referral store layer.
 *
 * @since 0.1.0
 */
export * as ReferralStoreMemory from "./ReferralStoreMemory.js"
/**
 * The transport port: inbound referrals, receipts, closed-loop status.
 *
 * @since 0.1.0
 */
export * as ReferralTransport from "./ReferralTransport.js"
/**
 * The scheduler step: due deadlines become commands.
 *
 * @since 0.1.0
 */
export * as Scheduler from "./Scheduler.js"
/**
 * The text-message port with an in-memory layer.
 *
 * @since 0.1.0
 */
export * as SmsSender from "./SmsSender.js"
/**
 * Clean, bounded text at every boundary: names, the reason, the feedback
 * (no control characters, unpaired surrogates or bidirectional controls).
 *
 * @since 0.2.0
 */
export * as Text from "./Text.js"
/**
 * The replay guard of the transports' bearer tokens (each `jti` accepted
 * once within its lifetime), with a bounded in-memory implementation.
 *
 * @since 0.2.0
 */
export * as TokenReplay from "./TokenReplay.js"
/**
 * The views as schemas, each tied to its view's type at compile time.
 *
 * @since 0.3.0
 */
export * as ViewSchemas from "./ViewSchemas.js"
/**
 * The views per role (need-to-know), as pure functions.
 *
 * @since 0.1.0
 */
export * as Views from "./Views.js"
