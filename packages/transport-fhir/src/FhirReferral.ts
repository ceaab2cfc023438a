/**
 * The referral as FHIR R4: an inbound referral message as a transaction
 * `Bundle` and back, and what goes out (the transaction response).
 *
 * The Bundle (`type: transaction`, every entry a `POST` of its resource type,
 * entries referring to each other by `fullUrl`) holds:
 *
 * | resource | what it carries |
 * |---|---|
 * | `Bundle.identifier.value` | the message id: unique within the sender's organisation, the idempotency key |
 * | `Task` (one) | `status: requested`, `intent: order`, `code` fulfill (`http://hl7.org/fhir/CodeSystem/task-code`), `focus` → the ServiceRequest, `for` → the Patient, `requester` (its `identifier`, system `FhirCodes.practitionerId`, must be the authenticated practitioner), `input` `feedback-requested` (`valueBoolean`; absent: false) |
 * | `ServiceRequest` (one) | `status: active`, `intent: order`, `code` SNOMED CT 871731000000106, `subject` → the Patient, `performer` the programme by identifier (system `FhirCodes.programmeId`), extension `programme-version` (`valueInteger`, optional), `reasonCode` codes of `FhirCodes.reasonCategory`, `note` the reason text (notes joined by a blank line), extension `exclusion-present` (`valueCode`, repeatable), `supportingInfo` → every Consent, in order |
 * | `Patient` (one) | `name` (the `official` one, else the first): `given` joined by spaces, `family`; `identifier` with system `urn:oid:1.2.246.21` (personal identity code, passed on as given: the core validates it); `birthDate` (its year); `telecom` `phone`/`sms` with use `mobile` (lowest `rank`, else first); `communication` (the preferred one, else the first) `language` as BCP 47, primary subtag (`fi-FI` → `fi`) |
 * | `Consent` (one per decision) | purpose: the `category` coding of `FhirCodes.consentPurpose`; decision: `status: active` with `provision.type` `permit` (or none) = granted, `active` + `deny` or `status: rejected` = refused, `inactive` = withdrawn; method: extension `consent-method` (`valueCode`); expiry: `provision.period.end` |
 *
 * Everything else in the resources is handled as `FhirSchema` documents.
 * Problems are collected (all of them, up to 20) as FHIRPath expressions and
 * reasons and refused as `malformed` (400); a requester who is not the
 * authenticated practitioner is `forbidden` (403). The decoded referral then
 * passes `ReferralTransport.decodeInbound`, and the lifecycle's refusals
 * (no referral consent, an unknown programme, an exclusion) come from the
 * core as `unprocessable` (422), exactly as for every other transport.
 *
 * @since 0.1.0
 */
import { type Actor, Instant, ReferralService, ReferralTransport } from "@lahete/core"
import type {
  Bundle as FhirBundle,
  BundleEntry as FhirBundleEntry,
  Consent as FhirConsent,
  Extension as FhirExtension,
  Patient as FhirPatient,
  ServiceRequest as FhirServiceRequest,
  Task as FhirTask
} from "@medplum/fhirtypes"
import { Result, Schema } from "effect"
import * as FhirCodes from "./FhirCodes.js"
import * as FhirSchema from "./FhirSchema.js"

type Issue = ReferralService.CommandIssue
type Inbound = ReferralTransport.InboundReferral

const maxIssues = 20

// ---------------------------------------------------------------------------
// decoding helpers
// ---------------------------------------------------------------------------

const join = (prefix: string, path: string): string =>
  path === "(command)" ? prefix : path.startsWith("[") ? `${prefix}${path}` : `${prefix}.${path}`

const decodeAt = <S extends Schema.Top & { readonly DecodingServices: never }>(
  schema: S,
  value: unknown,
  prefix: string,
  issues: Array<Issue>
): S["Type"] | undefined => {
  const result = Schema.decodeUnknownResult(schema)(value, { errors: "all", onExcessProperty: "error" })
  if (Result.isSuccess(result)) return result.success
  for (const i of ReferralService.issuesOf(result.failure.issue, value)) {
    issues.push({ path: join(prefix, i.path), reason: i.reason })
  }
  return undefined
}

const isConceptList = (
  c: ReadonlyArray<FhirSchema.CodeableConcept> | FhirSchema.CodeableConcept
): c is ReadonlyArray<FhirSchema.CodeableConcept> => Array.isArray(c)

const codesOf = (
  concepts: ReadonlyArray<FhirSchema.CodeableConcept> | FhirSchema.CodeableConcept | undefined,
  system: string
): ReadonlyArray<string> => {
  const list: ReadonlyArray<FhirSchema.CodeableConcept> =
    concepts === undefined ? [] : isConceptList(concepts) ? concepts : [concepts]
  return list.flatMap((c) =>
    (c.coding ?? []).flatMap((d) => (d.system === system && d.code !== undefined ? [d.code] : []))
  )
}

const extensionsOf = (list: ReadonlyArray<FhirSchema.Extension> | undefined, url: string) =>
  (list ?? []).flatMap((e, index) => (e.url === url ? [{ extension: e, index }] : []))

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

interface Entry<R> {
  readonly index: number
  readonly fullUrl: string
  readonly resource: R
  readonly path: string
}

const refersTo = (reference: FhirSchema.Reference | undefined, entry: Entry<unknown> | undefined): boolean =>
  reference?.reference !== undefined && entry !== undefined && reference.reference === entry.fullUrl

const accepted = ["Task", "ServiceRequest", "Patient", "Consent"] as const
type Accepted = (typeof accepted)[number]

// ---------------------------------------------------------------------------
// Bundle → InboundReferral
// ---------------------------------------------------------------------------

/**
 * Reads a transaction Bundle (untrusted JSON) as an inbound referral from
 * `sender` (see the module documentation). The result has passed
 * `ReferralTransport.decodeInbound`.
 *
 * @since 0.1.0
 * @category decoding
 */
export const fromBundle = (
  input: unknown,
  sender: Actor.Actor,
  codes: FhirCodes.Codes = FhirCodes.defaultCodes
): Result.Result<Inbound, ReferralTransport.TransportRefused> => {
  const issues: Array<Issue> = []
  const malformed = () =>
    Result.fail(
      ReferralTransport.refuse(
        "malformed",
        "the Bundle is not a valid referral",
        issues.length > maxIssues
          ? [...issues.slice(0, maxIssues), { path: "Bundle", reason: `${issues.length - maxIssues} more issues` }]
          : issues
      )
    )

  const bundle = decodeAt(FhirSchema.Bundle, input, "Bundle", issues)
  if (bundle === undefined) return malformed()
  if (bundle.type !== "transaction") issues.push({ path: "Bundle.type", reason: "expected transaction" })
  const messageId = bundle.identifier.value
  if (messageId === undefined) issues.push({ path: "Bundle.identifier.value", reason: "is missing (the message id)" })

  // entries by resource type
  const found: { [K in Accepted]: Array<Entry<unknown>> } = { Task: [], ServiceRequest: [], Patient: [], Consent: [] }
  const fullUrls = new Set<string>()
  bundle.entry.forEach((entry, index) => {
    const path = `Bundle.entry[${index}]`
    if (fullUrls.has(entry.fullUrl)) issues.push({ path: `${path}.fullUrl`, reason: "is not unique in the Bundle" })
    fullUrls.add(entry.fullUrl)
    const type = isRecord(entry.resource) ? entry.resource.resourceType : undefined
    if (typeof type !== "string" || !(accepted as ReadonlyArray<string>).includes(type)) {
      issues.push({
        path: `${path}.resource`,
        reason: "expected a Task, ServiceRequest, Patient or Consent (no other resource is part of a referral)"
      })
      return
    }
    if (entry.request.method !== "POST") issues.push({ path: `${path}.request.method`, reason: "expected POST" })
    if (entry.request.url !== type) {
      issues.push({ path: `${path}.request.url`, reason: "expected the resource type of the entry" })
    }
    found[type as Accepted].push({ index, fullUrl: entry.fullUrl, resource: entry.resource, path: `${path}.resource` })
  })
  for (const type of ["Task", "ServiceRequest", "Patient"] as const) {
    if (found[type].length !== 1) {
      issues.push({ path: "Bundle.entry", reason: `expected exactly one ${type} (found ${found[type].length})` })
    }
  }
  const decodeEach = <S extends Schema.Top & { readonly DecodingServices: never }>(
    schema: S,
    entries: ReadonlyArray<Entry<unknown>>
  ): Array<Entry<S["Type"]>> =>
    entries.flatMap((e) => {
      const resource = decodeAt(schema, e.resource, e.path, issues)
      return resource === undefined ? [] : [{ ...e, resource }]
    })
  const tasks = decodeEach(FhirSchema.Task, found.Task)
  const requests = decodeEach(FhirSchema.ServiceRequest, found.ServiceRequest)
  const patients = decodeEach(FhirSchema.Patient, found.Patient)
  const consents = decodeEach(FhirSchema.Consent, found.Consent)
  const task = tasks[0]
  const request = requests[0]
  const patient = patients[0]
  if (issues.length > 0 || task === undefined || request === undefined || patient === undefined) return malformed()

  // Task
  const t = task.resource
  if (t.status !== "requested") issues.push({ path: `${task.path}.status`, reason: "expected requested" })
  if (t.intent !== "order") issues.push({ path: `${task.path}.intent`, reason: "expected order" })
  if (!codesOf(t.code, FhirCodes.taskCode).includes("fulfill")) {
    issues.push({ path: `${task.path}.code`, reason: `expected fulfill (${FhirCodes.taskCode})` })
  }
  if (!refersTo(t.focus, request)) {
    issues.push({ path: `${task.path}.focus`, reason: "expected a reference to the ServiceRequest's fullUrl" })
  }
  if (t.for !== undefined && !refersTo(t.for, patient)) {
    issues.push({ path: `${task.path}.for`, reason: "expected a reference to the Patient's fullUrl" })
  }
  if (t.requester === undefined) issues.push({ path: `${task.path}.requester`, reason: "is missing" })
  const requesterId =
    t.requester?.identifier?.system === FhirCodes.practitionerId ? t.requester.identifier.value : undefined
  const feedbackInputs = (t.input ?? []).flatMap((i, index) =>
    codesOf(i.type, FhirCodes.taskParameter).includes("feedback-requested") ? [{ input: i, index }] : []
  )
  if (feedbackInputs.length > 1) {
    issues.push({ path: `${task.path}.input`, reason: "expected at most one feedback-requested input" })
  }
  const feedbackInput = feedbackInputs[0]
  const feedbackRequested = feedbackInput === undefined ? false : feedbackInput.input.valueBoolean
  if (typeof feedbackRequested !== "boolean") {
    issues.push({ path: `${task.path}.input[${feedbackInput?.index ?? 0}]`, reason: "expected valueBoolean" })
  }

  // ServiceRequest
  const sr = request.resource
  if (sr.status !== "active") issues.push({ path: `${request.path}.status`, reason: "expected active" })
  if (sr.intent !== "order") issues.push({ path: `${request.path}.intent`, reason: "expected order" })
  if (sr.doNotPerform === true) {
    issues.push({ path: `${request.path}.doNotPerform`, reason: "a referral not to perform is not accepted" })
  }
  if (!refersTo(sr.subject, patient)) {
    issues.push({ path: `${request.path}.subject`, reason: "expected a reference to the Patient's fullUrl" })
  }
  const programmes = (sr.performer ?? []).flatMap((p) =>
    p.identifier?.system === FhirCodes.programmeId && p.identifier.value !== undefined ? [p.identifier.value] : []
  )
  // the referral code: one the programme's codes list (the defaults while the programme is unknown)
  const expectedCodes = FhirCodes.codesFor(codes, programmes[0] ?? "").serviceRequest
  if (
    !expectedCodes.some(
      (c) => c.system !== undefined && c.code !== undefined && codesOf(sr.code, c.system).includes(c.code)
    )
  ) {
    issues.push({
      path: `${request.path}.code`,
      reason: `expected ${expectedCodes.map((c) => `${c.code ?? ""} (${c.system ?? ""})`).join(" or ")}`
    })
  }
  if (programmes.length !== 1) {
    issues.push({
      path: `${request.path}.performer`,
      reason: `expected exactly one performer identified by the programme id (${FhirCodes.programmeId})`
    })
  }
  const versions = extensionsOf(sr.extension, FhirCodes.programmeVersionExtension)
  if (versions.length > 1) {
    issues.push({ path: `${request.path}.extension`, reason: "expected at most one programme-version extension" })
  }
  const version = versions[0]
  const programmeVersion = version?.extension.valueInteger
  if (version !== undefined && !Number.isSafeInteger(programmeVersion)) {
    issues.push({ path: `${request.path}.extension[${version.index}]`, reason: "expected valueInteger" })
  }
  const reasonCategories = codesOf(sr.reasonCode, FhirCodes.reasonCategory)
  if (reasonCategories.length === 0) {
    issues.push({
      path: `${request.path}.reasonCode`,
      reason: `expected at least one reason category (${FhirCodes.reasonCategory})`
    })
  }
  const notes = (sr.note ?? []).map((n) => n.text)
  if (notes.length === 0) issues.push({ path: `${request.path}.note`, reason: "expected the reason as a note" })
  const exclusionsPresent = extensionsOf(sr.extension, FhirCodes.exclusionExtension).flatMap(({ extension, index }) => {
    if (typeof extension.valueCode === "string") return [extension.valueCode]
    issues.push({ path: `${request.path}.extension[${index}]`, reason: "expected valueCode" })
    return []
  })

  // Patient
  const p = patient.resource
  if (p.active === false) issues.push({ path: `${patient.path}.active`, reason: "an inactive Patient is not accepted" })
  const names = p.name ?? []
  const name = names.find((n) => n.use === "official") ?? names[0]
  if (name?.family === undefined || name.given === undefined) {
    issues.push({ path: `${patient.path}.name`, reason: "expected a name with given and family parts" })
  }
  const identityCodes = (p.identifier ?? []).filter((i) => i.system === FhirCodes.personalIdentityCode)
  if (identityCodes.length > 1) {
    issues.push({ path: `${patient.path}.identifier`, reason: "expected at most one personal identity code" })
  }
  const personalIdentityCode = identityCodes[0]?.value
  if (identityCodes.length === 1 && personalIdentityCode === undefined) {
    issues.push({ path: `${patient.path}.identifier`, reason: "the personal identity code has no value" })
  }
  const birth = p.birthDate === undefined ? undefined : /^(\d{4})(-\d{2}(-\d{2})?)?$/.exec(p.birthDate)
  if (p.birthDate !== undefined && birth?.[1] === undefined) {
    issues.push({ path: `${patient.path}.birthDate`, reason: "expected a FHIR date" })
  }
  const birthYear = birth?.[1] === undefined ? undefined : Number(birth[1])
  const mobiles = (p.telecom ?? [])
    .filter((c) => (c.system === "phone" || c.system === "sms") && c.use === "mobile" && c.value !== undefined)
    .map((c, order) => ({ value: c.value, rank: c.rank ?? Number.MAX_SAFE_INTEGER, order }))
    .sort((a, b) => a.rank - b.rank || a.order - b.order)
  const mobileNumber = mobiles[0]?.value
  const communication = (p.communication ?? []).find((c) => c.preferred === true) ?? p.communication?.[0]
  const tag = (communication?.language.coding ?? []).find(
    (c) => (c.system === undefined || c.system === FhirCodes.bcp47) && c.code !== undefined
  )?.code
  if (tag === undefined) {
    issues.push({ path: `${patient.path}.communication`, reason: "expected the client's language as a BCP 47 code" })
  }
  const language = tag?.split("-")[0]?.toLowerCase()

  // Consents, in the ServiceRequest's supportingInfo order
  const byUrl = new Map(consents.map((c) => [c.fullUrl, c]))
  const ordered: Array<Entry<FhirSchema.Consent>> = []
  ;(sr.supportingInfo ?? []).forEach((ref, index) => {
    const consent = ref.reference === undefined ? undefined : byUrl.get(ref.reference)
    if (consent === undefined) {
      issues.push({
        path: `${request.path}.supportingInfo[${index}]`,
        reason: "expected a reference to a Consent's fullUrl"
      })
    } else if (ordered.includes(consent)) {
      issues.push({ path: `${request.path}.supportingInfo[${index}]`, reason: "refers to a Consent twice" })
    } else ordered.push(consent)
  })
  for (const c of consents) {
    if (!ordered.includes(c)) {
      issues.push({ path: c.path, reason: "expected to be referenced from ServiceRequest.supportingInfo" })
    }
  }
  const consentsGiven = ordered.map((entry) => {
    const c = entry.resource
    const purposes = codesOf(c.category, FhirCodes.consentPurpose)
    if (purposes.length !== 1) {
      issues.push({
        path: `${entry.path}.category`,
        reason: `expected exactly one consent purpose (${FhirCodes.consentPurpose})`
      })
    }
    const type = c.provision?.type ?? "permit"
    if (type !== "permit" && type !== "deny") {
      issues.push({ path: `${entry.path}.provision.type`, reason: "expected permit or deny" })
    }
    const decision =
      c.status === "active"
        ? type === "deny"
          ? "refused"
          : "granted"
        : c.status === "rejected"
          ? "refused"
          : c.status === "inactive"
            ? "withdrawn"
            : undefined
    if (decision === undefined) {
      issues.push({ path: `${entry.path}.status`, reason: "expected active, rejected or inactive" })
    }
    const methods = extensionsOf(c.extension, FhirCodes.consentMethodExtension)
    const method = methods[0]?.extension.valueCode
    if (methods.length !== 1 || typeof method !== "string") {
      issues.push({
        path: `${entry.path}.extension`,
        reason: "expected one consent-method extension with valueCode"
      })
    }
    if (c.patient !== undefined && !refersTo(c.patient, patient)) {
      issues.push({ path: `${entry.path}.patient`, reason: "expected a reference to the Patient's fullUrl" })
    }
    const end = c.provision?.period?.end
    const expiresAt = end === undefined ? undefined : Instant.fromIso(end)
    if (end !== undefined && expiresAt === undefined) {
      issues.push({ path: `${entry.path}.provision.period.end`, reason: "expected a date-time with a time zone" })
    }
    return {
      purpose: purposes[0],
      decision,
      method,
      ...(expiresAt === undefined ? {} : { expiresAt })
    }
  })

  // the requester is the authenticated practitioner
  if (issues.length > 0) return malformed()
  if (requesterId !== undefined && requesterId !== sender.id) {
    return Result.fail(
      ReferralTransport.refuse("forbidden", "the Task's requester is not the authenticated practitioner")
    )
  }

  const candidate = {
    messageId,
    programmeId: programmes[0],
    ...(programmeVersion === undefined ? {} : { programmeVersion }),
    client: {
      givenName: name?.given?.join(" "),
      familyName: name?.family,
      ...(personalIdentityCode === undefined ? {} : { personalIdentityCode }),
      ...(birthYear === undefined ? {} : { birthYear }),
      ...(mobileNumber === undefined ? {} : { mobileNumber }),
      language
    },
    reasonCategories,
    reasonText: notes.join("\n\n"),
    exclusionsPresent,
    feedbackRequested,
    consents: consentsGiven
  }
  const where = {
    task: task.path,
    request: request.path,
    patient: patient.path,
    consents: ordered.map((c) => c.path)
  }
  return Result.mapError(ReferralTransport.decodeInbound(candidate), (refusal) =>
    ReferralTransport.refuse(
      "malformed",
      "the Bundle is not a valid referral",
      (refusal.issues ?? []).map((i) => ({ path: fhirPathOf(i.path, where), reason: i.reason }))
    )
  )
}

/** Where an `InboundReferral` field came from in the Bundle. */
const fhirPathOf = (
  path: string,
  where: {
    readonly task: string
    readonly request: string
    readonly patient: string
    readonly consents: ReadonlyArray<string>
  }
): string => {
  const consent = /^consents\[(\d+)\](?:\.(\w+))?/.exec(path)
  if (consent !== null) {
    const at = where.consents[Number(consent[1])] ?? "Bundle.entry"
    const field = consent[2]
    return field === "purpose"
      ? `${at}.category`
      : field === "decision"
        ? `${at}.status`
        : field === "method"
          ? `${at}.extension`
          : field === "expiresAt"
            ? `${at}.provision.period.end`
            : at
  }
  const head = path.split(/[.[]/)[0]
  switch (head) {
    case "messageId":
      return "Bundle.identifier.value"
    case "programmeId":
      return `${where.request}.performer`
    case "programmeVersion":
    case "exclusionsPresent":
      return `${where.request}.extension`
    case "reasonCategories":
      return `${where.request}.reasonCode`
    case "reasonText":
      return `${where.request}.note`
    case "feedbackRequested":
      return `${where.task}.input`
    case "client": {
      const field = path.split(".")[1]?.split("[")[0]
      const element =
        field === "givenName" || field === "familyName"
          ? "name"
          : field === "personalIdentityCode"
            ? "identifier"
            : field === "birthYear"
              ? "birthDate"
              : field === "mobileNumber"
                ? "telecom"
                : field === "language"
                  ? "communication"
                  : undefined
      return element === undefined ? where.patient : `${where.patient}.${element}`
    }
    default:
      return "Bundle"
  }
}

// ---------------------------------------------------------------------------
// InboundReferral → Bundle
// ---------------------------------------------------------------------------

/**
 * Whether FHIR can carry a (decoded) referral message: a `birthDate` holds a
 * year from 0 to 9999, and FHIR strings are non-empty (the server also
 * bounds them, see `FhirSchema`). A message it cannot carry is refused as
 * `malformed`, naming the field.
 *
 * @since 0.1.0
 * @category encoding
 */
export const representable = (message: Inbound): Result.Result<void, ReferralTransport.TransportRefused> => {
  const issues: Array<Issue> = []
  const year = message.client.birthYear
  if (year !== undefined && (year < 0 || year > 9999)) {
    issues.push({ path: "client.birthYear", reason: "a FHIR birthDate holds a year from 0 to 9999" })
  }
  for (const [path, value] of [
    ["client.personalIdentityCode", message.client.personalIdentityCode],
    ["client.mobileNumber", message.client.mobileNumber]
  ] as const) {
    if (value === "") issues.push({ path, reason: "expected a non-empty string" })
  }
  return issues.length === 0
    ? Result.void
    : Result.fail(ReferralTransport.refuse("malformed", "the referral message is not valid", issues))
}

const concept = (system: string, code: string) => ({ coding: [{ system, code }] })

/**
 * Options of `toBundle`.
 *
 * @since 0.2.0
 * @category models
 */
export interface BundleOptions {
  /** New UUIDs for the entries' `fullUrl`s; default `crypto.randomUUID`. */
  readonly newUuid?: () => string
  /** The deployment's codes (`FhirCodes.defaultCodes` by default). */
  readonly codes?: FhirCodes.Codes
}

/**
 * The transaction Bundle of an inbound referral from `sender` (the referrer
 * side). Entries refer to each other by `urn:uuid:` full URLs; the
 * ServiceRequest's code and the Consents' category and policy rule are the
 * programme's (`FhirCodes.codesFor`).
 *
 * @since 0.1.0
 * @category encoding
 */
export const toBundle = (message: Inbound, sender: Actor.Actor, options: BundleOptions = {}): FhirBundle => {
  const newUuid = options.newUuid ?? (() => globalThis.crypto.randomUUID())
  const codes = FhirCodes.codesFor(options.codes ?? FhirCodes.defaultCodes, message.programmeId)
  const url = () => `urn:uuid:${newUuid()}`
  const taskUrl = url()
  const requestUrl = url()
  const patientUrl = url()
  const consentUrls = message.consents.map(url)
  const c = message.client

  const patient: FhirPatient = {
    resourceType: "Patient",
    ...(c.personalIdentityCode === undefined
      ? {}
      : { identifier: [{ system: FhirCodes.personalIdentityCode, value: c.personalIdentityCode }] }),
    name: [{ use: "official", family: c.familyName, given: [c.givenName] }],
    ...(c.mobileNumber === undefined ? {} : { telecom: [{ system: "phone", use: "mobile", value: c.mobileNumber }] }),
    ...(c.birthYear === undefined ? {} : { birthDate: String(c.birthYear).padStart(4, "0") }),
    communication: [{ language: concept(FhirCodes.bcp47, c.language), preferred: true }]
  }

  const extension: Array<FhirExtension> = [
    ...(message.programmeVersion === undefined
      ? []
      : [{ url: FhirCodes.programmeVersionExtension, valueInteger: message.programmeVersion }]),
    ...message.exclusionsPresent.map((code) => ({ url: FhirCodes.exclusionExtension, valueCode: code }))
  ]
  const serviceRequest: FhirServiceRequest = {
    resourceType: "ServiceRequest",
    ...(extension.length === 0 ? {} : { extension }),
    status: "active",
    intent: "order",
    code: { coding: [...codes.serviceRequest.slice(0, 1)] },
    subject: { reference: patientUrl },
    performer: [
      { type: "HealthcareService", identifier: { system: FhirCodes.programmeId, value: message.programmeId } }
    ],
    reasonCode: message.reasonCategories.map((code) => concept(FhirCodes.reasonCategory, code)),
    note: [{ text: message.reasonText }],
    ...(consentUrls.length === 0 ? {} : { supportingInfo: consentUrls.map((reference) => ({ reference })) })
  }

  const task: FhirTask = {
    resourceType: "Task",
    status: "requested",
    intent: "order",
    code: concept(FhirCodes.taskCode, "fulfill"),
    focus: { reference: requestUrl },
    for: { reference: patientUrl },
    requester: { type: "PractitionerRole", identifier: { system: FhirCodes.practitionerId, value: sender.id } },
    input: [{ type: concept(FhirCodes.taskParameter, "feedback-requested"), valueBoolean: message.feedbackRequested }]
  }

  const consents = message.consents.map(
    (given): FhirConsent => ({
      resourceType: "Consent",
      extension: [{ url: FhirCodes.consentMethodExtension, valueCode: given.method }],
      status: given.decision === "granted" ? "active" : given.decision === "refused" ? "rejected" : "inactive",
      scope: concept(FhirCodes.consentScope, given.purpose === "research" ? "research" : "patient-privacy"),
      category: [
        ...codes.consentCategory.map((coding) => ({ coding: [coding] })),
        concept(FhirCodes.consentPurpose, given.purpose)
      ],
      patient: { reference: patientUrl },
      policyRule: { coding: [codes.consentPolicyRule] },
      ...(given.expiresAt === undefined
        ? given.decision === "granted"
          ? { provision: { type: "permit" } }
          : {}
        : {
            provision: {
              ...(given.decision === "granted" ? { type: "permit" as const } : {}),
              period: { end: given.expiresAt }
            }
          })
    })
  )

  const entry = <R extends FhirTask | FhirServiceRequest | FhirPatient | FhirConsent>(
    fullUrl: string,
    resource: R
  ): FhirBundleEntry => ({ fullUrl, resource, request: { method: "POST", url: resource.resourceType } })

  return {
    resourceType: "Bundle",
    type: "transaction",
    identifier: { value: message.messageId },
    entry: [
      entry(taskUrl, task),
      entry(requestUrl, serviceRequest),
      entry(patientUrl, patient),
      ...consents.map((consent, i) => entry(consentUrls[i] ?? url(), consent))
    ]
  }
}

// ---------------------------------------------------------------------------
// the transaction response
// ---------------------------------------------------------------------------

/**
 * The transaction-response Bundle: one entry per request entry, in order.
 * The Task's entry is `201 Created` (`200 OK` when the message had been
 * delivered before) with the Task and its location (`Task/{referral id}`).
 * The other entries were not created as resources of their own: the
 * ServiceRequest's entry is `200 OK` with the location it is read back at
 * (`ServiceRequest/{referral id}`, see `FhirTask.toServiceRequest`); the
 * Patient's and the Consents' entries are `200 OK` with an informational
 * `outcome` saying their content is kept with the referral and not served.
 *
 * @since 0.1.0
 * @category encoding
 */
export const transactionResponse = (input: unknown, task: FhirTask, duplicate: boolean): FhirBundle => {
  const entries = isRecord(input) && Array.isArray(input.entry) ? (input.entry as ReadonlyArray<unknown>) : []
  const id = task.id ?? ""
  const kept = (what: string): NonNullable<FhirBundleEntry["response"]> => ({
    status: "200 OK",
    outcome: {
      resourceType: "OperationOutcome",
      issue: [
        {
          severity: "information",
          code: "informational",
          diagnostics: `${what} is kept with the referral Task/${id}; it is not served as a resource of its own`
        }
      ]
    }
  })
  return {
    resourceType: "Bundle",
    type: "transaction-response",
    entry: entries.map((e): FhirBundleEntry => {
      const type = isRecord(e) && isRecord(e.resource) ? e.resource.resourceType : undefined
      switch (type) {
        case "Task":
          return {
            resource: task,
            response: {
              status: duplicate ? "200 OK" : "201 Created",
              location: `Task/${id}`,
              ...(task.lastModified === undefined ? {} : { lastModified: task.lastModified })
            }
          }
        case "ServiceRequest":
          return {
            response: {
              status: "200 OK",
              location: `ServiceRequest/${id}`,
              ...(task.lastModified === undefined ? {} : { lastModified: task.lastModified })
            }
          }
        case "Patient":
          return { response: kept("The Patient's content") }
        default:
          return { response: kept("The Consent's decision") }
      }
    })
  }
}
