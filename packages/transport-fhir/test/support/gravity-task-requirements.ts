/**
 * What HL7 Gravity SDOH Clinical Care's SDOHCC-TaskForReferralManagement
 * profile requires of a Task, each with where it comes from. Source:
 * github.com/HL7/fhir-sdoh-clinicalcare, `input/fsh/profiles/SDOHCCTaskForReferralManagement.fsh`
 * (commit 02e46e603938b1a886147579da202595563021aa) and
 * `input/fsh/valuesets/SDOHCCValueSetReferralTaskStatus.fsh`
 * (commit 6e8158ae9997146a28226652fea14937fd5bd18d).
 *
 * Target profiles of references (SDOHCC ServiceRequest, US Core Patient,
 * SDOHCC PractitionerRole) are US Core based and not checked: lahete refers
 * by type and identifier (docs/transport-fhir.md, conformance statement).
 */
import type { Task } from "@medplum/fhirtypes"

export interface Requirement {
  /** The element (FHIRPath under Task). */
  readonly element: string
  /** The rule as the profile states it. */
  readonly rule: string
  /** The line of the profile (or value set) it comes from. */
  readonly source: string
  readonly holds: (task: Task) => boolean
}

/** SDOHCC-ValueSetReferralTaskStatus: every TaskStatus except ready and received. */
const referralTaskStatuses: ReadonlySet<string> = new Set([
  "draft",
  "requested",
  "accepted",
  "rejected",
  "cancelled",
  "in-progress",
  "on-hold",
  "failed",
  "completed",
  "entered-in-error"
])

const coded = (
  c: { readonly coding?: ReadonlyArray<{ readonly system?: string; readonly code?: string }> } | undefined,
  system: string,
  code: string
) => (c?.coding ?? []).some((d) => d.system === system && d.code === code)

export const gravityTaskRequirements: ReadonlyArray<Requirement> = [
  {
    element: "status",
    rule: "status from SDOHCC-ValueSetReferralTaskStatus (required binding: not ready, not received)",
    source: "* status from SDOHCCValueSetReferralTaskStatus (required); value set: exclude TaskStatus#ready, #received",
    holds: (t) => t.status !== undefined && referralTaskStatuses.has(t.status)
  },
  {
    element: "statusReason.text",
    rule: "statusReason.text 1.. (whenever statusReason is present)",
    source: "* statusReason.text 1.. MS",
    holds: (t) => t.statusReason === undefined || (t.statusReason.text ?? "").length > 0
  },
  {
    element: "statusReason",
    rule: "if status is rejected, cancelled, on-hold or failed, statusReason.text should be included",
    source: "* statusReason ^comment",
    holds: (t) =>
      !["rejected", "cancelled", "on-hold", "failed"].includes(t.status ?? "") || (t.statusReason?.text ?? "") !== ""
  },
  {
    element: "intent",
    rule: "intent = order (exactly)",
    source: "* intent = #order (exactly)",
    holds: (t) => t.intent === "order"
  },
  {
    element: "code",
    rule: "code 1.., = task-code#fulfill",
    source: "* code 1.. / * code = $task-code#fulfill",
    holds: (t) => coded(t.code, "http://hl7.org/fhir/CodeSystem/task-code", "fulfill")
  },
  {
    element: "focus",
    rule: "focus 1.. MS, Reference(SDOHCCServiceRequest)",
    source: "* focus 1.. MS / * focus only Reference(SDOHCCServiceRequest)",
    holds: (t) =>
      t.focus !== undefined &&
      (t.focus.type === "ServiceRequest" || (t.focus.reference ?? "").startsWith("ServiceRequest/")) &&
      (t.focus.reference !== undefined || t.focus.identifier !== undefined)
  },
  {
    element: "for",
    rule: "for 1.. MS, Reference(RelatedPerson or Group or US Core Patient)",
    source: "* for 1.. MS / * for only Reference(RelatedPerson or Group or USCorePatientProfile|7.0.0)",
    holds: (t) =>
      t.for !== undefined &&
      ["Patient", "RelatedPerson", "Group"].includes(t.for.type ?? "") &&
      (t.for.reference !== undefined || t.for.identifier !== undefined)
  },
  {
    element: "authoredOn",
    rule: "authoredOn 1.. MS",
    source: "* authoredOn 1.. MS",
    holds: (t) => t.authoredOn !== undefined
  },
  {
    element: "requester",
    rule: "requester 1.. MS, Reference(SDOHCCPractitionerRole or US Core Organization)",
    source:
      "* requester 1.. MS / * requester only Reference(SDOHCCPractitionerRole or USCoreOrganizationProfile|7.0.0)",
    holds: (t) =>
      t.requester !== undefined &&
      ["PractitionerRole", "Organization"].includes(t.requester.type ?? "") &&
      (t.requester.reference !== undefined || t.requester.identifier !== undefined)
  }
]
