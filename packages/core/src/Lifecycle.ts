/**
 * The lifecycle of a referral as data: its states, which command moves which
 * state where, and what may be recorded in which state (domain specification
 * §1). The decider enforces this table and nothing else; the state diagram in
 * the docs is generated from it (`mermaid`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * The states of a referral, with `Initial` for a referral that does not exist
 * yet (no events).
 *
 * @since 0.1.0
 * @category models
 */
export const Status = Schema.Literals([
  "Initial",
  "Submitted",
  "Assigned",
  "ContactScheduled",
  "Active",
  "OnHold",
  "Closed",
  "FollowedUp",
  "Rejected",
  "Declined",
  "Unreachable",
  "Cancelled",
  "Withdrawn"
])
/**
 * @since 0.1.0
 * @category models
 */
export type Status = typeof Status.Type

/**
 * Every state a referral can be in once it exists.
 *
 * @since 0.1.0
 * @category constants
 */
export const states: ReadonlyArray<Exclude<Status, "Initial">> = Status.literals.filter(
  (s): s is Exclude<Status, "Initial"> => s !== "Initial"
)

/**
 * States that accept no lifecycle command (only erasure and consent
 * bookkeeping).
 *
 * @since 0.1.0
 * @category constants
 */
export const terminal: ReadonlySet<Status> = new Set([
  "FollowedUp",
  "Rejected",
  "Declined",
  "Unreachable",
  "Cancelled",
  "Withdrawn"
])

/**
 * The states in which a referral counts towards its link worker's load
 * (active clients, for the capacity rule and the coordinator's view).
 *
 * @since 0.1.0
 * @category constants
 */
export const caseload: ReadonlySet<Status> = new Set(["Assigned", "ContactScheduled", "Active", "OnHold"])

/**
 * Whether a state is terminal.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isTerminal = (s: Status): boolean => terminal.has(s)

/**
 * Every FHIR R4 Task status code (http://hl7.org/fhir/task-status), the
 * ones this model never sets included: what a transport accepts in a status
 * search.
 *
 * @since 0.1.0
 * @category constants
 */
export const fhirTaskStatusCodes = [
  "draft",
  "requested",
  "received",
  "accepted",
  "rejected",
  "ready",
  "cancelled",
  "in-progress",
  "on-hold",
  "failed",
  "completed",
  "entered-in-error"
] as const

/**
 * The FHIR R4 Task status (and businessStatus, where the model needs a finer
 * sub-state) each state maps to for closed-loop reporting.
 *
 * @since 0.1.0
 * @category constants
 */
export const fhirTaskStatus: Readonly<
  Record<Exclude<Status, "Initial">, { readonly status: string; readonly businessStatus?: string }>
> = {
  Submitted: { status: "requested" },
  Assigned: { status: "accepted" },
  ContactScheduled: { status: "accepted", businessStatus: "contact-scheduled" },
  Active: { status: "in-progress" },
  OnHold: { status: "on-hold" },
  Closed: { status: "completed" },
  FollowedUp: { status: "completed" },
  Rejected: { status: "rejected" },
  Declined: { status: "rejected", businessStatus: "client-declined" },
  Unreachable: { status: "failed" },
  Cancelled: { status: "cancelled" },
  Withdrawn: { status: "cancelled", businessStatus: "consent-withdrawn" }
}

/**
 * One allowed transition: in state `from`, `command` leads to `to` (under the
 * stated condition, when a command has more than one outcome).
 *
 * @since 0.1.0
 * @category models
 */
export interface Transition {
  readonly from: Status
  readonly command: string
  readonly to: Status
  readonly when?: string
}

const nonTerminal: ReadonlyArray<Status> = ["Submitted", "Assigned", "ContactScheduled", "Active", "OnHold", "Closed"]

/**
 * Every transition of the lifecycle. Anything not listed is refused with
 * `TransitionNotAllowed` naming the state and the command.
 *
 * @since 0.1.0
 * @category constants
 */
export const transitions: ReadonlyArray<Transition> = [
  { from: "Initial", command: "SubmitReferral", to: "Submitted" },
  { from: "Submitted", command: "AssignLinkWorker", to: "Assigned" },
  { from: "Submitted", command: "RejectReferral", to: "Rejected" },
  { from: "Submitted", command: "CancelReferral", to: "Cancelled" },
  { from: "Assigned", command: "AssignLinkWorker", to: "Assigned", when: "reassign" },
  { from: "Assigned", command: "ScheduleCall", to: "ContactScheduled" },
  { from: "Assigned", command: "CancelReferral", to: "Cancelled" },
  { from: "ContactScheduled", command: "ScheduleCall", to: "ContactScheduled", when: "reschedule" },
  {
    from: "ContactScheduled",
    command: "RecordFailedContactAttempt",
    to: "ContactScheduled",
    when: "attempts left, new call time"
  },
  { from: "ContactScheduled", command: "RecordFailedContactAttempt", to: "Unreachable", when: "last attempt" },
  { from: "ContactScheduled", command: "RecordFirstContact", to: "Active", when: "client agrees" },
  { from: "ContactScheduled", command: "RecordFirstContact", to: "Declined", when: "client declines" },
  { from: "Active", command: "PutOnHold", to: "OnHold" },
  { from: "OnHold", command: "ResumeReferral", to: "Active" },
  { from: "Active", command: "CloseReferral", to: "Closed" },
  { from: "Closed", command: "RecordMeasure", to: "FollowedUp", when: "follow-up measure" },
  { from: "Closed", command: "ExpireFollowUp", to: "FollowedUp", when: "window passed" },
  { from: "Closed", command: "AnswerMeasureLink", to: "FollowedUp", when: "follow-up measure by link" },
  ...nonTerminal.map(
    (from): Transition => ({ from, command: "RecordConsent", to: "Withdrawn", when: "referral consent withdrawn" })
  )
]

/**
 * What may be recorded in which states without changing the state (meetings,
 * arrangements, measures, contact details, consent decisions, erasure).
 *
 * @since 0.1.0
 * @category constants
 */
export const recordings: Readonly<Record<string, ReadonlyArray<Status>>> = {
  RecordConsent: [...nonTerminal, ...terminal],
  UpdateContactDetails: ["Submitted", "Assigned", "ContactScheduled", "Active", "OnHold"],
  RecordMeeting: ["Active"],
  AgreeContactArrangement: ["Active"],
  RecordMeasure: ["Submitted", "Assigned", "ContactScheduled", "Active", "OnHold", "Closed"],
  ErasePersonalData: [...terminal],
  RecordDeadline: nonTerminal,
  RecordMessageOutcome: [...nonTerminal, ...terminal],
  RequestMeasureLink: ["Submitted", "Assigned", "ContactScheduled", "Active", "OnHold", "Closed"],
  AnswerMeasureLink: ["Submitted", "Assigned", "ContactScheduled", "Active", "OnHold", "Closed"],
  RecordPlan: ["Active", "OnHold"],
  RecordActivity: ["Active", "OnHold", "Closed"],
  RecordUnmetNeed: ["Active", "OnHold", "Closed"]
}

/**
 * Whether `command` is accepted at all in `state` (as a transition or a
 * recording). The decider applies finer rules on top.
 *
 * @since 0.1.0
 * @category predicates
 */
export const accepts = (state: Status, command: string): boolean =>
  transitions.some((t) => t.from === state && t.command === command) || (recordings[command]?.includes(state) ?? false)

/**
 * The states a command may lead to from a state (empty when refused).
 *
 * @since 0.1.0
 * @category getters
 */
export const targets = (state: Status, command: string): ReadonlyArray<Status> => {
  const out = transitions.filter((t) => t.from === state && t.command === command).map((t) => t.to)
  return recordings[command]?.includes(state) ? [...new Set([...out, state])] : out
}

/**
 * The lifecycle as a Mermaid state diagram, generated from `transitions`.
 * `docs/lifecycle.md` embeds exactly this text; a test keeps the two equal.
 *
 * @since 0.1.0
 * @category rendering
 */
export const mermaid = (): string => {
  const lines = ["stateDiagram-v2", "  [*] --> Submitted: SubmitReferral"]
  for (const t of transitions) {
    if (t.from === "Initial") continue
    lines.push(`  ${t.from} --> ${t.to}: ${t.command}${t.when ? ` (${t.when})` : ""}`)
  }
  for (const s of states) if (terminal.has(s)) lines.push(`  ${s} --> [*]`)
  return lines.join("\n")
}
