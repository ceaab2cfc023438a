/**
 * A referral's status as the FHIR `Task` its referrer reads (the closed
 * loop), and back.
 *
 * | Task element | from the status report |
 * |---|---|
 * | `id` | the referral id |
 * | `status` | the Task status of the state (domain specification §1, `Lifecycle.fhirTaskStatus`) |
 * | `businessStatus` | always: the lahete state (system `FhirCodes.referralState`: `submitted`, `assigned`, `contact-scheduled`, `active`, `on-hold`, `closed`, `followed-up`, `rejected`, `client-declined`, `unreachable`, `cancelled`, `consent-withdrawn`) |
 * | `statusReason` | rejected or cancelled: the end reason (`FhirCodes.endReason`, incl. `consent-withdrawn`); on-hold: the hold reason (`FhirCodes.holdReason`); declined and unreachable: `client-declined`, `contact-attempts-exhausted` (`FhirCodes.statusReason`) |
 * | `authoredOn` | when the referral was received |
 * | `lastModified`, `meta.lastUpdated` | when its status last changed |
 * | `executionPeriod` | start: the first contact (Active); end: the closing, else the end |
 * | `owner` | the programme, by identifier (`FhirCodes.programmeId`); extension `programme-version` its version |
 * | `focus` | the referral's ServiceRequest, by identifier (`FhirCodes.referralId`): it is not served back |
 * | `input` | `feedback-requested` (`valueBoolean`) |
 * | `output` | `outcome` (the closing outcome), `follow-up` (`recorded`/`missed`), and `closing-feedback` (`valueString`) only under rule C3 |
 * | extensions | `feedback-access` (may the referrer read the feedback, and if not why), `referral-milestones` (assigned, started, closed, ended) |
 *
 * @since 0.1.0
 */
import { Ids, Instant, Lifecycle, type ReferralTransport } from "@lahete/core"
import type { Bundle, Extension, Task, TaskOutput } from "@medplum/fhirtypes"
import { Result, Schema } from "effect"
import * as FhirCodes from "./FhirCodes.js"

type Report = ReferralTransport.StatusReport
type TaskStatus = Task["status"]

const taskStatuses: ReadonlySet<string> = new Set<TaskStatus>(Lifecycle.fhirTaskStatusCodes)

const concept = (system: string, code: string) => ({ coding: [{ system, code }] })

const statusReasonOf = (report: Report, holdReason: string | undefined) => {
  switch (report.status) {
    case "Rejected":
    case "Cancelled":
    case "Withdrawn":
      return report.endReason === undefined ? undefined : concept(FhirCodes.endReason, report.endReason)
    case "OnHold":
      return holdReason === undefined ? undefined : concept(FhirCodes.holdReason, holdReason)
    case "Declined":
      return concept(FhirCodes.statusReason, "client-declined")
    case "Unreachable":
      return concept(FhirCodes.statusReason, "contact-attempts-exhausted")
    default:
      return undefined
  }
}

/**
 * The Task of a status report. `holdReason` (read from the referral's state)
 * gives an on-hold Task its `statusReason`.
 *
 * @since 0.1.0
 * @category encoding
 */
export const toTask = (report: Report, holdReason?: string): Task => {
  const status = report.task.status
  const reason = statusReasonOf(report, holdReason)
  const milestones = (
    [
      ["assigned", report.assignedAt],
      ["started", report.startedAt],
      ["closed", report.closedAt],
      ["ended", report.endedAt]
    ] as const
  ).flatMap(([url, at]) => (at === undefined ? [] : [{ url, valueDateTime: at }]))
  const periodEnd = report.closedAt ?? report.endedAt
  const output: Array<TaskOutput> = [
    ...(report.outcome === undefined
      ? []
      : [
          {
            type: concept(FhirCodes.taskParameter, "outcome"),
            valueCodeableConcept: concept(FhirCodes.outcome, report.outcome)
          }
        ]),
    ...(report.followUp === undefined
      ? []
      : [{ type: concept(FhirCodes.taskParameter, "follow-up"), valueCode: report.followUp }]),
    ...(report.feedbackText === undefined
      ? []
      : [{ type: concept(FhirCodes.taskParameter, "closing-feedback"), valueString: report.feedbackText }])
  ]
  const extension: Array<Extension> = [
    { url: FhirCodes.programmeVersionExtension, valueInteger: report.programme.version },
    { url: FhirCodes.feedbackAccessExtension, valueCode: report.feedback },
    ...(milestones.length === 0 ? [] : [{ url: FhirCodes.milestonesExtension, extension: milestones }])
  ]
  return {
    resourceType: "Task",
    id: report.referralId,
    meta: { lastUpdated: report.lastUpdated },
    extension,
    status: taskStatuses.has(status) ? (status as TaskStatus) : "requested",
    businessStatus: concept(FhirCodes.referralState, FhirCodes.stateCodes[report.status]),
    ...(reason === undefined ? {} : { statusReason: reason }),
    intent: "order",
    code: concept(FhirCodes.taskCode, "fulfill"),
    focus: { type: "ServiceRequest", identifier: { system: FhirCodes.referralId, value: report.referralId } },
    authoredOn: report.submittedAt,
    lastModified: report.lastUpdated,
    owner: { type: "HealthcareService", identifier: { system: FhirCodes.programmeId, value: report.programme.id } },
    ...(report.startedAt === undefined && periodEnd === undefined
      ? {}
      : {
          executionPeriod: {
            ...(report.startedAt === undefined ? {} : { start: report.startedAt }),
            ...(periodEnd === undefined ? {} : { end: periodEnd })
          }
        }),
    input: [{ type: concept(FhirCodes.taskParameter, "feedback-requested"), valueBoolean: report.feedbackRequested }],
    ...(output.length === 0 ? {} : { output })
  }
}

// ---------------------------------------------------------------------------
// Task → StatusReport (the referrer's side)
// ---------------------------------------------------------------------------

const Coding = Schema.Struct({ system: Schema.optionalKey(Schema.String), code: Schema.optionalKey(Schema.String) })
const Concept = Schema.Struct({ coding: Schema.optionalKey(Schema.Array(Coding)) })
const TaskView = Schema.Struct({
  resourceType: Schema.Literal("Task"),
  id: Ids.ReferralId,
  status: Schema.String,
  businessStatus: Concept,
  statusReason: Schema.optionalKey(Concept),
  authoredOn: Instant.InstantSchema,
  lastModified: Instant.InstantSchema,
  owner: Schema.Struct({ identifier: Schema.Struct({ system: Schema.String, value: Ids.ProgrammeId }) }),
  extension: Schema.Array(
    Schema.Struct({
      url: Schema.String,
      valueInteger: Schema.optionalKey(Schema.Int),
      valueCode: Schema.optionalKey(Schema.String),
      extension: Schema.optionalKey(
        Schema.Array(Schema.Struct({ url: Schema.String, valueDateTime: Instant.InstantSchema }))
      )
    })
  ),
  input: Schema.Array(Schema.Struct({ type: Concept, valueBoolean: Schema.optionalKey(Schema.Boolean) })),
  output: Schema.optionalKey(
    Schema.Array(
      Schema.Struct({
        type: Concept,
        valueString: Schema.optionalKey(Schema.String),
        valueCode: Schema.optionalKey(Schema.String),
        valueCodeableConcept: Schema.optionalKey(Concept)
      })
    )
  )
})
const decodeTaskView = Schema.decodeUnknownResult(TaskView)

const codeIn = (c: typeof Concept.Type | undefined, system: string): string | undefined =>
  c?.coding?.find((d) => d.system === system)?.code

const feedbackAccesses: ReadonlySet<string> = new Set([
  "not-requested",
  "not-consented",
  "not-written",
  "erased",
  "available"
])

/**
 * Reads a Task the server sent back into a status report; `undefined` when
 * it is not a Task of this adapter's shape.
 *
 * @since 0.1.0
 * @category decoding
 */
export const fromTask = (input: unknown): Report | undefined => {
  const decoded = decodeTaskView(input)
  if (Result.isFailure(decoded)) return undefined
  const t = decoded.success
  const state = FhirCodes.stateOfCode(codeIn(t.businessStatus, FhirCodes.referralState) ?? "")
  const ext = (url: string) => t.extension.find((e) => e.url === url)
  const version = ext(FhirCodes.programmeVersionExtension)?.valueInteger
  const feedback = ext(FhirCodes.feedbackAccessExtension)?.valueCode
  if (
    state === undefined ||
    version === undefined ||
    feedback === undefined ||
    !feedbackAccesses.has(feedback) ||
    t.owner.identifier.system !== FhirCodes.programmeId ||
    t.status !== Lifecycle.fhirTaskStatus[state].status
  ) {
    return undefined
  }
  const milestone = (url: string) =>
    ext(FhirCodes.milestonesExtension)?.extension?.find((e) => e.url === url)?.valueDateTime
  const parameter = (code: string) => t.output?.find((o) => codeIn(o.type, FhirCodes.taskParameter) === code)
  const feedbackRequested = t.input.find(
    (i) => codeIn(i.type, FhirCodes.taskParameter) === "feedback-requested"
  )?.valueBoolean
  if (feedbackRequested === undefined) return undefined
  const endReason = codeIn(t.statusReason, FhirCodes.endReason)
  const outcome = codeIn(parameter("outcome")?.valueCodeableConcept, FhirCodes.outcome)
  const followUp = parameter("follow-up")?.valueCode
  const feedbackText = parameter("closing-feedback")?.valueString
  const optional = <K extends string, V>(key: K, value: V | undefined) =>
    (value === undefined ? {} : { [key]: value }) as { readonly [P in K]?: V }
  return {
    referralId: t.id,
    programme: { id: t.owner.identifier.value, version },
    status: state,
    task: Lifecycle.fhirTaskStatus[state],
    submittedAt: t.authoredOn,
    ...optional("assignedAt", milestone("assigned")),
    ...optional("startedAt", milestone("started")),
    ...optional("closedAt", milestone("closed")),
    ...optional("endedAt", milestone("ended")),
    ...optional("endReason", endReason),
    ...optional("outcome", outcome),
    ...(followUp === "recorded" || followUp === "missed" ? { followUp } : {}),
    feedbackRequested,
    feedback: feedback as Report["feedback"],
    ...optional("feedbackText", feedbackText),
    lastUpdated: t.lastModified
  }
}

// ---------------------------------------------------------------------------
// search
// ---------------------------------------------------------------------------

/**
 * The searchset Bundle of a Task search: every match with its absolute
 * `fullUrl` under `baseUrl`.
 *
 * @since 0.1.0
 * @category encoding
 */
export const searchset = (tasks: ReadonlyArray<Task>, baseUrl: string, selfUrl: string): Bundle<Task> => ({
  resourceType: "Bundle",
  type: "searchset",
  total: tasks.length,
  link: [{ relation: "self", url: selfUrl }],
  ...(tasks.length === 0
    ? {}
    : {
        entry: tasks.map((resource) => ({
          fullUrl: `${baseUrl}/Task/${resource.id ?? ""}`,
          resource,
          search: { mode: "match" as const }
        }))
      })
})

const Searchset = Schema.Struct({
  resourceType: Schema.Literal("Bundle"),
  type: Schema.Literal("searchset"),
  entry: Schema.optionalKey(Schema.Array(Schema.Struct({ resource: Schema.Unknown })))
})
const decodeSearchset = Schema.decodeUnknownResult(Searchset)

/**
 * The status reports of a searchset Bundle; `undefined` when it is not one
 * of this adapter's shape.
 *
 * @since 0.1.0
 * @category decoding
 */
export const fromSearchset = (input: unknown): ReadonlyArray<Report> | undefined => {
  const decoded = decodeSearchset(input)
  if (Result.isFailure(decoded)) return undefined
  const reports: Array<Report> = []
  for (const entry of decoded.success.entry ?? []) {
    const report = fromTask(entry.resource)
    if (report === undefined) return undefined
    reports.push(report)
  }
  return reports
}
