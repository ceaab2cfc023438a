/**
 * A referral's status as the FHIR `Task` its referrer reads (the closed
 * loop), and back.
 *
 * | Task element | from the status report |
 * |---|---|
 * | `id` | the referral id |
 * | `status` | the Task status of the state (domain specification §1, `Lifecycle.fhirTaskStatus`) |
 * | `businessStatus` | always: the lahete state (system `FhirCodes.referralState`: `submitted`, `assigned`, `contact-scheduled`, `active`, `on-hold`, `closed`, `followed-up`, `rejected`, `client-declined`, `unreachable`, `cancelled`, `consent-withdrawn`) |
 * | `statusReason` | rejected or cancelled: the end reason (`FhirCodes.endReason`, incl. `consent-withdrawn`); on-hold: the hold reason (`FhirCodes.holdReason`); declined and unreachable: `client-declined`, `contact-attempts-exhausted` (`FhirCodes.statusReason`); always with its `text` |
 * | `authoredOn` | when the referral was received |
 * | `lastModified`, `meta.lastUpdated` | when what the Task shows last changed (status, milestones, the feedback consent, erasure) |
 * | `for` | the client, by a pseudonymous identifier (`FhirCodes.referralClient`, the referral id): the Patient is not served |
 * | `requester` | the referrer (`PractitionerRole`, identifier `FhirCodes.practitionerId`) |
 * | `executionPeriod` | start: the first contact (Active); end: the closing, else the end |
 * | `owner` | the programme, by identifier (`FhirCodes.programmeId`); extension `programme-version` its version |
 * | `focus` | the referral's ServiceRequest: `ServiceRequest/{referral id}` (served, see `toServiceRequest`) and its identifier (`FhirCodes.referralId`) |
 * | `input` | `feedback-requested` (`valueBoolean`) |
 * | `output` | `outcome` (the closing outcome), `follow-up` (`recorded`/`missed`), and `closing-feedback` (`valueString`) only under rule C3; the client's plan only under rule C3: each `community-activity` (a `valueReference` to the directory activity as a `HealthcareService` by identifier `FhirCodes.directoryActivity`, with the extension `community-activity`: its step, e.g. `joined`, the directory version and the organisation), each `plan-goal` and `unmet-need` (`valueCode`). A documented extension in place of Gravity's `resulting-activity` slice, which references a `Procedure` this adapter does not serve |
 * | extensions | `feedback-access` (may the referrer read the feedback, and if not why), `referral-milestones` (assigned, started, closed, ended) |
 *
 * @since 0.1.0
 */
import { Ids, Instant, Lifecycle, ReferralTransport } from "@lahete/core"
import type {
  Bundle,
  Extension,
  Patient,
  PractitionerRole,
  Reference,
  ServiceRequest,
  Task,
  TaskOutput
} from "@medplum/fhirtypes"
import { Result, Schema } from "effect"
import * as FhirCodes from "./FhirCodes.js"

type Report = ReferralTransport.StatusReport
type TaskStatus = Task["status"]

const taskStatuses: ReadonlySet<string> = new Set<TaskStatus>(Lifecycle.fhirTaskStatusCodes)

const concept = (system: string, code: string) => ({ coding: [{ system, code }] })

/** A status reason: the code and, as Gravity asks, its text. */
const reasonConcept = (system: string, code: string) => ({
  coding: [{ system, code }],
  text: FhirCodes.statusReasonTexts[code] ?? code
})

const statusReasonOf = (report: Report, holdReason: string | undefined) => {
  switch (report.status) {
    case "Rejected":
    case "Cancelled":
    case "Withdrawn":
      return report.endReason === undefined ? undefined : reasonConcept(FhirCodes.endReason, report.endReason)
    case "OnHold":
      return holdReason === undefined ? undefined : reasonConcept(FhirCodes.holdReason, holdReason)
    case "Declined":
      return reasonConcept(FhirCodes.statusReason, "client-declined")
    case "Unreachable":
      return reasonConcept(FhirCodes.statusReason, "contact-attempts-exhausted")
    default:
      return undefined
  }
}

/**
 * What a Task needs beside the status report: its referrer (the only one who
 * may read it), and for an on-hold Task the hold reason (read from the
 * referral's state).
 *
 * @since 0.2.0
 * @category models
 */
export interface TaskContext {
  /** The referrer's practitioner id (`Task.requester`). */
  readonly requester: string
  readonly holdReason?: string | undefined
}

/**
 * The client of a referral as a reference (`Task.for`,
 * `ServiceRequest.subject`): by the pseudonymous identifier
 * `FhirCodes.referralClient`, never by personal data.
 *
 * @since 0.2.0
 * @category encoding
 */
export const clientReference = (referralId: string): Reference<Patient> => ({
  type: "Patient",
  identifier: { system: FhirCodes.referralClient, value: referralId }
})

/**
 * The referrer as a reference (`Task.requester`, `ServiceRequest.requester`):
 * a `PractitionerRole` (the practitioner in their organisation, as Gravity's
 * TaskForReferralManagement asks) by its practitioner id.
 *
 * @since 0.2.0
 * @category encoding
 */
export const requesterReference = (practitionerId: string): Reference<PractitionerRole> => ({
  type: "PractitionerRole",
  identifier: { system: FhirCodes.practitionerId, value: practitionerId }
})

/**
 * The ServiceRequest's status for a referral state: `active` while the
 * referral goes on, `on-hold`, `completed` once closed, `revoked` when it
 * ended any other way (rejected, declined, unreachable, cancelled, withdrawn).
 *
 * @since 0.2.0
 * @category encoding
 */
export const serviceRequestStatus = (status: Report["status"]): ServiceRequest["status"] => {
  switch (status) {
    case "OnHold":
      return "on-hold"
    case "Closed":
    case "FollowedUp":
      return "completed"
    case "Rejected":
    case "Declined":
    case "Unreachable":
    case "Cancelled":
    case "Withdrawn":
      return "revoked"
    default:
      return "active"
  }
}

/**
 * The referral's ServiceRequest as its referrer reads it back
 * (`GET ServiceRequest/{referral id}`): what is asked (`code` from the
 * programme's codes), of whom (the programme), for whom (`clientReference`),
 * by whom and when, and its status. No personal data: the reason text and
 * the client's details stay in the vault.
 *
 * @since 0.2.0
 * @category encoding
 */
export const toServiceRequest = (
  report: Report,
  requester: string,
  codes: FhirCodes.ProgrammeCodes = FhirCodes.codesFor(FhirCodes.defaultCodes, report.programme.id)
): ServiceRequest => ({
  resourceType: "ServiceRequest",
  id: report.referralId,
  meta: { lastUpdated: report.lastUpdated },
  extension: [{ url: FhirCodes.programmeVersionExtension, valueInteger: report.programme.version }],
  identifier: [{ system: FhirCodes.referralId, value: report.referralId }],
  status: serviceRequestStatus(report.status),
  intent: "order",
  code: { coding: [...codes.serviceRequest.slice(0, 1)] },
  subject: clientReference(report.referralId),
  authoredOn: report.submittedAt,
  requester: requesterReference(requester),
  performer: [{ type: "HealthcareService", identifier: { system: FhirCodes.programmeId, value: report.programme.id } }]
})

/**
 * The Task of a status report (see the module documentation).
 *
 * @since 0.1.0
 * @category encoding
 */
export const toTask = (report: Report, context: TaskContext): Task => {
  const status = report.task.status
  const reason = statusReasonOf(report, context.holdReason)
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
      : [{ type: concept(FhirCodes.taskParameter, "closing-feedback"), valueString: report.feedbackText }]),
    ...planOutputs(report)
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
    focus: {
      reference: `ServiceRequest/${report.referralId}`,
      type: "ServiceRequest",
      identifier: { system: FhirCodes.referralId, value: report.referralId }
    },
    for: clientReference(report.referralId),
    authoredOn: report.submittedAt,
    lastModified: report.lastUpdated,
    requester: requesterReference(context.requester),
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

/** The client's plan as Task outputs (present in the report only under rule C3). */
const planOutputs = (report: Report): ReadonlyArray<TaskOutput> =>
  report.plan === undefined
    ? []
    : [
        ...report.plan.activities.map(
          (a): TaskOutput => ({
            type: concept(FhirCodes.taskParameter, "community-activity"),
            valueReference: {
              type: "HealthcareService",
              identifier: { system: FhirCodes.directoryActivity, value: a.activityId }
            },
            extension: [
              {
                url: FhirCodes.communityActivityExtension,
                extension: [
                  { url: "step", valueCode: a.step },
                  { url: "version", valueInteger: a.version },
                  {
                    url: "organisation",
                    valueIdentifier: { system: FhirCodes.directoryOrganisation, value: a.organisationId }
                  }
                ]
              }
            ]
          })
        ),
        ...report.plan.goals.map(
          (g): TaskOutput => ({ type: concept(FhirCodes.taskParameter, "plan-goal"), valueCode: g })
        ),
        ...report.plan.unmetNeeds.map(
          (n): TaskOutput => ({ type: concept(FhirCodes.taskParameter, "unmet-need"), valueCode: n })
        )
      ]

const steps: ReadonlySet<string> = new Set(["suggested", "tried", "joined", "left", "continuing"])

/** The plan back from the Task's outputs; `null` when an output is not of this adapter's shape. */
const planOf = (
  outputs: ReadonlyArray<NonNullable<(typeof TaskView.Type)["output"]>[number]>
): Report["plan"] | null | undefined => {
  const activities: Array<NonNullable<Report["plan"]>["activities"][number]> = []
  const goals: Array<string> = []
  const unmetNeeds: Array<string> = []
  let any = false
  for (const o of outputs) {
    const code = codeIn(o.type, FhirCodes.taskParameter)
    if (code === "plan-goal" || code === "unmet-need") {
      if (o.valueCode === undefined) return null
      any = true
      ;(code === "plan-goal" ? goals : unmetNeeds).push(o.valueCode)
    }
    if (code !== "community-activity") continue
    any = true
    const id = o.valueReference?.identifier
    const parts = o.extension?.find((e) => e.url === FhirCodes.communityActivityExtension)?.extension
    const step = parts?.find((p) => p.url === "step")?.valueCode
    const version = parts?.find((p) => p.url === "version")?.valueInteger
    const organisation = parts?.find((p) => p.url === "organisation")?.valueIdentifier
    if (
      id?.system !== FhirCodes.directoryActivity ||
      step === undefined ||
      !steps.has(step) ||
      version === undefined ||
      organisation?.system !== FhirCodes.directoryOrganisation
    ) {
      return null
    }
    activities.push({
      activityId: id.value,
      version,
      organisationId: organisation.value,
      step: step as NonNullable<Report["plan"]>["activities"][number]["step"]
    })
  }
  return any ? { goals, activities, unmetNeeds } : undefined
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
        valueCodeableConcept: Schema.optionalKey(Concept),
        valueReference: Schema.optionalKey(
          Schema.Struct({
            identifier: Schema.optionalKey(Schema.Struct({ system: Schema.String, value: Schema.String }))
          })
        ),
        extension: Schema.optionalKey(
          Schema.Array(
            Schema.Struct({
              url: Schema.String,
              extension: Schema.optionalKey(
                Schema.Array(
                  Schema.Struct({
                    url: Schema.String,
                    valueCode: Schema.optionalKey(Schema.String),
                    valueInteger: Schema.optionalKey(Schema.Int),
                    valueIdentifier: Schema.optionalKey(Schema.Struct({ system: Schema.String, value: Schema.String }))
                  })
                )
              )
            })
          )
        )
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
  const plan = planOf(t.output ?? [])
  if (plan === null) return undefined
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
    ...optional("plan", plan),
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

// ---------------------------------------------------------------------------
// the requester's cancel (PUT Task/{id})
// ---------------------------------------------------------------------------

const cancellationReasons = ["made-in-error", "client-request", "no-longer-needed", "other"] as const

/**
 * Why a referrer cancels (`Task.statusReason` of a cancelling update).
 *
 * @since 0.2.0
 * @category models
 */
export type CancellationReason = (typeof cancellationReasons)[number]

const Update = Schema.Struct({
  resourceType: Schema.Literal("Task"),
  id: Schema.optionalKey(Schema.String),
  status: Schema.String,
  statusReason: Schema.optionalKey(Concept)
})
const decodeUpdate = Schema.decodeUnknownResult(Update)

/**
 * Reads a Task update (`PUT Task/{id}`, untrusted JSON) as the requester's
 * cancel: a Task (its `id`, when given, the one in the URL) with
 * `status: cancelled`, and optionally a `statusReason` coding of
 * `FhirCodes.endReason` among the cancellation reasons (default `other`).
 * Other elements are the server's and are not read. Anything else is refused:
 * not a Task, another id or a bad reason `malformed` (400), another status
 * `unprocessable` (422: the requester only cancels).
 *
 * @since 0.2.0
 * @category decoding
 */
export const cancellationOf = (
  input: unknown,
  referralId: string
): Result.Result<CancellationReason, ReferralTransport.TransportRefused> => {
  const decoded = decodeUpdate(input)
  if (Result.isFailure(decoded)) {
    return Result.fail(
      ReferralTransport.refuse("malformed", "expected a Task", [
        { path: "Task", reason: "expected a Task with a status" }
      ])
    )
  }
  const t = decoded.success
  if (t.id !== undefined && t.id !== referralId) {
    return Result.fail(
      ReferralTransport.refuse("malformed", "the Task's id is not the one in the URL", [
        { path: "Task.id", reason: "expected the id in the URL" }
      ])
    )
  }
  if (t.status !== "cancelled") {
    return Result.fail(ReferralTransport.refuse("unprocessable", "the requester may only set the status cancelled"))
  }
  const code = codeIn(t.statusReason, FhirCodes.endReason)
  if (code === undefined) return Result.succeed("other")
  const reason = cancellationReasons.find((r) => r === code)
  return reason === undefined
    ? Result.fail(
        ReferralTransport.refuse("malformed", "the cancellation reason is not known", [
          {
            path: "Task.statusReason",
            reason: `expected one of ${cancellationReasons.join(", ")} (${FhirCodes.endReason})`
          }
        ])
      )
    : Result.succeed(reason)
}
