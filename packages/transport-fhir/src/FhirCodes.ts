/**
 * The code systems, identifier systems and extension URLs of the lahete FHIR
 * R4 closed loop, and the standard ones it reads.
 *
 * lahete's own URLs share one base, `https://lahete.fi/fhir`. They are names
 * (FHIR canonical identifiers) chosen for this library, not addresses that
 * must resolve; every code they carry is listed here and in
 * `docs/transport-fhir.md`.
 *
 * @since 0.1.0
 */

import { Lifecycle } from "@lahete/core"
import type { Coding } from "@medplum/fhirtypes"

/**
 * The base of lahete's own canonical URLs.
 *
 * @since 0.1.0
 * @category constants
 */
export const base = "https://lahete.fi/fhir"

// ---------------------------------------------------------------------------
// standard systems
// ---------------------------------------------------------------------------

/**
 * SNOMED CT.
 *
 * @since 0.1.0
 * @category standard systems
 */
export const snomed = "http://snomed.info/sct"

/**
 * SNOMED CT (UK extension) 871731000000106 "Referral to social prescribing
 * service": the default `ServiceRequest.code` (see `Codes`). It is not in
 * the International Edition: a Finnish deployment may choose another code
 * per programme.
 *
 * @since 0.1.0
 * @category standard systems
 */
export const socialPrescribingReferral = "871731000000106"

/**
 * LOINC.
 *
 * @since 0.2.0
 * @category standard systems
 */
export const loinc = "http://loinc.org"

/**
 * HL7 v3 ActCode `OPTIN`, the default `Consent.policyRule` (invariant ppc-1:
 * a Consent names a policy or a policy rule).
 *
 * @since 0.2.0
 * @category standard systems
 */
export const optIn = "OPTIN"

/**
 * FHIR's Task codes (`fulfill`: the Task asks to fulfil its focus).
 *
 * @since 0.1.0
 * @category standard systems
 */
export const taskCode = "http://hl7.org/fhir/CodeSystem/task-code"

/**
 * FHIR's Task status codes (search by `status`).
 *
 * @since 0.1.0
 * @category standard systems
 */
export const taskStatus = "http://hl7.org/fhir/task-status"

/**
 * The Finnish personal identity code (henkilötunnus) as an identifier system.
 *
 * @since 0.1.0
 * @category standard systems
 */
export const personalIdentityCode = "urn:oid:1.2.246.21"

/**
 * BCP 47 language tags (`Patient.communication.language`).
 *
 * @since 0.1.0
 * @category standard systems
 */
export const bcp47 = "urn:ietf:bcp:47"

/**
 * HL7 v3 ActCode (`IDSCL`: information disclosure, the Consent category).
 *
 * @since 0.1.0
 * @category standard systems
 */
export const actCode = "http://terminology.hl7.org/CodeSystem/v3-ActCode"

/**
 * FHIR's consent scopes (`patient-privacy`, `research`).
 *
 * @since 0.1.0
 * @category standard systems
 */
export const consentScope = "http://terminology.hl7.org/CodeSystem/consentscope"

/**
 * FHIR's issue types (`OperationOutcome.issue.code`).
 *
 * @since 0.1.0
 * @category standard systems
 */
export const issueType = "http://hl7.org/fhir/issue-type"

// ---------------------------------------------------------------------------
// lahete's code systems
// ---------------------------------------------------------------------------

/**
 * Reason categories (`ServiceRequest.reasonCode`): the programme's coarse,
 * countable reasons, as lower-case codes (`loneliness`, `lifestyle-change`,
 * `grief`, `hard-life-situation`, …). The set is open: a programme may use
 * its own codes of the same form.
 *
 * @since 0.1.0
 * @category code systems
 */
export const reasonCategory = `${base}/CodeSystem/reason-category`

/**
 * Consent purposes (`Consent.category`): `referral`, `contact-by-sms`,
 * `feedback-to-referrer`, `research`, `proxy-measure`.
 *
 * @since 0.1.0
 * @category code systems
 */
export const consentPurpose = `${base}/CodeSystem/consent-purpose`

/**
 * The referral's state, the Task's `businessStatus` (always present): the
 * lahete state in kebab case. Where domain specification §1 names a finer
 * sub-state (`contact-scheduled`, `client-declined`, `consent-withdrawn`) the
 * code is exactly that name.
 *
 * @since 0.1.0
 * @category code systems
 */
export const referralState = `${base}/CodeSystem/referral-state`

/**
 * Why a referral ended (`Task.statusReason` of a rejected or cancelled Task):
 * the rejection reasons (`acute-crisis`, `clear-professional-need`,
 * `not-eligible`, `outside-area`, `duplicate`, `other`), the cancellation
 * reasons (`made-in-error`, `client-request`, `no-longer-needed`, `other`)
 * and `consent-withdrawn`.
 *
 * @since 0.1.0
 * @category code systems
 */
export const endReason = `${base}/CodeSystem/end-reason`

/**
 * Why a collaboration is paused (`Task.statusReason` of an on-hold Task):
 * `hospital-stay`, `client-request`, `link-worker-absence`, `other`.
 *
 * @since 0.1.0
 * @category code systems
 */
export const holdReason = `${base}/CodeSystem/hold-reason`

/**
 * Status reasons the lifecycle implies without a recorded reason:
 * `client-declined` (a declined referral, Task `rejected`) and
 * `contact-attempts-exhausted` (an unreachable client, Task `failed`).
 *
 * @since 0.1.0
 * @category code systems
 */
export const statusReason = `${base}/CodeSystem/status-reason`

/**
 * Closing outcomes (`Task.output` of type `outcome`): `goals-met`,
 * `continues-in-community-activity`, `referred-to-other-service`,
 * `client-ended`, `other`.
 *
 * @since 0.1.0
 * @category code systems
 */
export const outcome = `${base}/CodeSystem/outcome`

/**
 * Task input and output types: `feedback-requested` (input, boolean: the
 * referrer asks to read the closing feedback), `outcome` (output, the
 * closing outcome), `follow-up` (output, `recorded` or `missed`),
 * `closing-feedback` (output, the closing feedback text: only under rule C3);
 * and, from the client's plan only under rule C3: `community-activity`
 * (output, `valueReference` to the activity as a `HealthcareService` by
 * identifier, with the `community-activity` extension), `plan-goal`
 * (output, `valueCode`), `unmet-need` (output, `valueCode`, the category).
 *
 * @since 0.1.0
 * @category code systems
 */
export const taskParameter = `${base}/CodeSystem/task-parameter`

/**
 * Whether the referrer may read the closing feedback, and if not why
 * (extension `feedback-access`): `not-requested`, `not-consented`,
 * `not-written`, `erased`, `available`.
 *
 * @since 0.1.0
 * @category code systems
 */
export const feedbackAccess = `${base}/CodeSystem/feedback-access`

/**
 * Why a request was refused (`OperationOutcome.issue.details`): the
 * transport's refusal reasons (`unauthenticated`, `forbidden`, `not-found`,
 * `malformed`, `too-large`, `conflict`, `unprocessable`, `unsupported`) and
 * `unavailable`.
 *
 * @since 0.1.0
 * @category code systems
 */
export const refusalReason = `${base}/CodeSystem/refusal-reason`

// ---------------------------------------------------------------------------
// identifier systems
// ---------------------------------------------------------------------------

/**
 * Programme ids (`ServiceRequest.performer.identifier`, `Task.owner.identifier`).
 *
 * @since 0.1.0
 * @category identifier systems
 */
export const programmeId = `${base}/sid/programme`

/**
 * Referral ids (`Task.id`; `Task.focus.identifier` names the referral's
 * ServiceRequest by it).
 *
 * @since 0.1.0
 * @category identifier systems
 */
export const referralId = `${base}/sid/referral`

/**
 * The client of a referral, named by the referral id (`Task.for`,
 * `ServiceRequest.subject`): a pseudonymous logical reference. The Patient
 * resource is not served: the client's personal data stays in the vault.
 *
 * @since 0.2.0
 * @category identifier systems
 */
export const referralClient = `${base}/sid/referral-client`

/**
 * Practitioner ids as the referrer's organisation issues them (the token's
 * `sub`; `Task.requester.identifier`).
 *
 * @since 0.1.0
 * @category identifier systems
 */
export const practitionerId = `${base}/sid/practitioner`

// ---------------------------------------------------------------------------
// extensions
// ---------------------------------------------------------------------------

/**
 * `ServiceRequest` and `Task` extension, `valueInteger`: the programme
 * version (absent on a request: the latest).
 *
 * @since 0.1.0
 * @category extensions
 */
export const programmeVersionExtension = `${base}/StructureDefinition/programme-version`

/**
 * `ServiceRequest` extension, `valueCode`, repeatable: an eligibility
 * exclusion the referrer found to apply (e.g. `acute-crisis`).
 *
 * @since 0.1.0
 * @category extensions
 */
export const exclusionExtension = `${base}/StructureDefinition/exclusion-present`

/**
 * `Consent` extension, `valueCode`: how the consent was given
 * (`in-appointment`, `agreed-for-office-time`, `written`, `verbal`).
 *
 * @since 0.1.0
 * @category extensions
 */
export const consentMethodExtension = `${base}/StructureDefinition/consent-method`

/**
 * `Task` extension, `valueCode` (system `feedbackAccess`): whether the
 * referrer may read the closing feedback.
 *
 * @since 0.1.0
 * @category extensions
 */
export const feedbackAccessExtension = `${base}/StructureDefinition/feedback-access`

/**
 * `Task` extension with sub-extensions `assigned`, `started`, `closed`,
 * `ended` (each `valueDateTime`): when the referral reached each milestone.
 *
 * @since 0.1.0
 * @category extensions
 */
export const milestonesExtension = `${base}/StructureDefinition/referral-milestones`

/**
 * A directory activity's id (an HSDS service id; a FHIR `HealthcareService`
 * is identified by it).
 *
 * @since 0.3.0
 * @category identifier systems
 */
export const directoryActivity = `${base}/sid/directory-activity`

/**
 * A directory organisation's id (an HSDS organization id).
 *
 * @since 0.3.0
 * @category identifier systems
 */
export const directoryOrganisation = `${base}/sid/directory-organisation`

/**
 * The step of a community activity in the client's plan (`suggested`,
 * `tried`, `joined`, `left`, `continuing`).
 *
 * @since 0.3.0
 * @category code systems
 */
export const activityStep = `${base}/CodeSystem/activity-step`

/**
 * Extension on a Task output `community-activity`, with sub-extensions
 * `step` (`valueCode`, system-less: `FhirCodes.activityStep`'s codes),
 * `version` (`valueInteger`, the directory version the client met) and
 * `organisation` (`valueIdentifier`, system `directoryOrganisation`).
 *
 * @since 0.3.0
 * @category extensions
 */
export const communityActivityExtension = `${base}/StructureDefinition/community-activity`

// ---------------------------------------------------------------------------
// states
// ---------------------------------------------------------------------------

type State = Exclude<Lifecycle.Status, "Initial">

/**
 * The `businessStatus` code of each state (system `referralState`).
 *
 * @since 0.1.0
 * @category constants
 */
export const stateCodes: Readonly<Record<State, string>> = {
  Submitted: "submitted",
  Assigned: "assigned",
  ContactScheduled: "contact-scheduled",
  Active: "active",
  OnHold: "on-hold",
  Closed: "closed",
  FollowedUp: "followed-up",
  Rejected: "rejected",
  Declined: "client-declined",
  Unreachable: "unreachable",
  Cancelled: "cancelled",
  Withdrawn: "consent-withdrawn"
}

const byCode = new Map<string, State>(Lifecycle.states.map((s) => [stateCodes[s], s]))

/**
 * The state of a `businessStatus` code, if it is one.
 *
 * @since 0.1.0
 * @category getters
 */
export const stateOfCode = (code: string): State | undefined => byCode.get(code)

// ---------------------------------------------------------------------------
// display texts
// ---------------------------------------------------------------------------

/**
 * The English text of every status reason code (`Task.statusReason.text`,
 * which Gravity's TaskForReferralManagement requires whenever
 * `statusReason` is present).
 *
 * @since 0.2.0
 * @category constants
 */
export const statusReasonTexts: Readonly<Record<string, string>> = {
  "acute-crisis": "Acute crisis: the client needs other help first",
  "clear-professional-need": "A clear need for professional help",
  "not-eligible": "Not eligible for the programme",
  "outside-area": "Outside the programme's area",
  duplicate: "A duplicate referral",
  "made-in-error": "Made in error",
  "client-request": "At the client's request",
  "no-longer-needed": "No longer needed",
  "consent-withdrawn": "The client withdrew consent to the referral",
  "hospital-stay": "Hospital stay",
  "link-worker-absence": "The link worker is absent",
  "client-declined": "The client declined at first contact",
  "contact-attempts-exhausted": "The client could not be reached",
  other: "Other reason"
}

// ---------------------------------------------------------------------------
// per-programme codes
// ---------------------------------------------------------------------------

/**
 * The standard codes a deployment sends and accepts for one programme:
 *
 * - `serviceRequest`: `ServiceRequest.code`. The first coding is sent; a
 *   Bundle is accepted when its `ServiceRequest.code` has any of them.
 * - `consentCategory`: `Consent.category` codings sent beside the lahete
 *   consent purpose (R4's binding is extensible: LOINC 59284-0 "Patient
 *   Consent" is in its value set, IDSCL is what Gravity's SDOHCC Consent asks).
 * - `consentPolicyRule`: `Consent.policyRule` (R4 invariant ppc-1).
 *
 * @since 0.2.0
 * @category models
 */
export interface ProgrammeCodes {
  readonly serviceRequest: ReadonlyArray<Coding>
  readonly consentCategory: ReadonlyArray<Coding>
  readonly consentPolicyRule: Coding
}

/**
 * The codes of a deployment: defaults, and overrides per programme id.
 *
 * @since 0.2.0
 * @category models
 */
export interface Codes {
  readonly default: ProgrammeCodes
  readonly programmes?: Readonly<Record<string, Partial<ProgrammeCodes>>>
}

/**
 * The default codes: SNOMED CT (UK) 871731000000106 for the referral, LOINC
 * 59284-0 and v3 IDSCL for the consent category, v3 `OPTIN` as the policy
 * rule. Which Finnish code (e.g. a THL code system entry) a deployment uses
 * is a local decision: set it per programme in `Codes.programmes`.
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultCodes: Codes = {
  default: {
    serviceRequest: [
      { system: snomed, code: socialPrescribingReferral, display: "Referral to social prescribing service" }
    ],
    consentCategory: [
      { system: loinc, code: "59284-0", display: "Patient Consent" },
      { system: actCode, code: "IDSCL", display: "information disclosure" }
    ],
    consentPolicyRule: { system: actCode, code: optIn, display: "opt-in" }
  }
}

/**
 * The codes of one programme.
 *
 * @since 0.2.0
 * @category getters
 */
export const codesFor = (codes: Codes, programmeId: string): ProgrammeCodes => ({
  ...codes.default,
  ...codes.programmes?.[programmeId]
})
