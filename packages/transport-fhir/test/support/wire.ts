/**
 * Wire-level helpers: a referral Bundle written out as a referrer's system
 * would send it (not built by the client, so the server's mapping is tested
 * on its own), and an in-process harness that sends raw HTTP requests to the
 * server's fetch handler over a fresh in-memory service.
 */
import { AuditLog, ReferralService, ReferralStore, ReferralTransport } from "@lahete/core"
import { Fixtures } from "@lahete/testing"
import type { FhirServer } from "@lahete/transport-fhir"
import type { Bundle, OperationOutcome, Task } from "@medplum/fhirtypes"
import { Context, Effect, Layer, Scope } from "effect"
import { memoryService, type Services, webHandler } from "./layers.js"
import * as Tokens from "./tokens.js"

export const base = "http://lahete.test"
const L = "https://lahete.fi/fhir"

/** The fixture client's personal data: none of it may appear in any error. */
export const personal = {
  givenName: "Aino",
  familyName: "Testinen",
  identityCode: "010594Y9032",
  mobile: "040 123 4567",
  reason: "Lives alone since spring and would like company for walks."
}

/**
 * A referral Bundle as a referrer's system sends it, with elements the
 * adapter ignores (narrative, meta, address, gender, a local identifier).
 */
export const referralBundle = (messageId = "msg-wire-1"): Record<string, unknown> => ({
  resourceType: "Bundle",
  meta: { profile: ["http://example.org/referral-bundle"] },
  type: "transaction",
  identifier: { system: "urn:oid:1.2.246.10.1234", value: messageId },
  timestamp: "2026-03-02T09:00:00+02:00",
  entry: [
    {
      fullUrl: "urn:uuid:6f1e9a2c-4d2b-4a55-9b0e-1c8a2f3d4e01",
      resource: {
        resourceType: "Task",
        text: { status: "generated", div: '<div xmlns="http://www.w3.org/1999/xhtml">Referral</div>' },
        identifier: [{ system: "urn:oid:1.2.246.10.1234.task", value: "T-1" }],
        status: "requested",
        intent: "order",
        priority: "routine",
        code: { coding: [{ system: "http://hl7.org/fhir/CodeSystem/task-code", code: "fulfill" }] },
        focus: { reference: "urn:uuid:6f1e9a2c-4d2b-4a55-9b0e-1c8a2f3d4e02" },
        for: { reference: "urn:uuid:6f1e9a2c-4d2b-4a55-9b0e-1c8a2f3d4e03" },
        authoredOn: "2026-03-02T09:00:00+02:00",
        requester: {
          identifier: { system: `${L}/sid/practitioner`, value: Fixtures.referrer.id },
          display: "Nurse"
        },
        input: [
          {
            type: { coding: [{ system: `${L}/CodeSystem/task-parameter`, code: "feedback-requested" }] },
            valueBoolean: true
          }
        ]
      },
      request: { method: "POST", url: "Task" }
    },
    {
      fullUrl: "urn:uuid:6f1e9a2c-4d2b-4a55-9b0e-1c8a2f3d4e02",
      resource: {
        resourceType: "ServiceRequest",
        status: "active",
        intent: "order",
        code: {
          coding: [
            {
              system: "http://snomed.info/sct",
              code: "871731000000106",
              display: "Referral to social prescribing service"
            }
          ]
        },
        subject: { reference: "urn:uuid:6f1e9a2c-4d2b-4a55-9b0e-1c8a2f3d4e03" },
        authoredOn: "2026-03-02T09:00:00+02:00",
        performer: [{ identifier: { system: `${L}/sid/programme`, value: "kemijarvi" }, display: "Kemijärvi" }],
        reasonCode: [{ coding: [{ system: `${L}/CodeSystem/reason-category`, code: "loneliness" }] }],
        note: [{ text: personal.reason }],
        supportingInfo: [
          { reference: "urn:uuid:6f1e9a2c-4d2b-4a55-9b0e-1c8a2f3d4e04" },
          { reference: "urn:uuid:6f1e9a2c-4d2b-4a55-9b0e-1c8a2f3d4e05" }
        ]
      },
      request: { method: "POST", url: "ServiceRequest" }
    },
    {
      fullUrl: "urn:uuid:6f1e9a2c-4d2b-4a55-9b0e-1c8a2f3d4e03",
      resource: {
        resourceType: "Patient",
        identifier: [
          { system: "urn:oid:1.2.246.21", value: personal.identityCode },
          { system: "urn:oid:1.2.246.10.1234.mrn", value: "MRN-77" }
        ],
        name: [{ use: "official", family: personal.familyName, given: [personal.givenName] }],
        telecom: [{ system: "phone", value: personal.mobile, use: "mobile" }],
        gender: "female",
        address: [{ city: "Kemijärvi", postalCode: "98100" }],
        communication: [{ language: { coding: [{ system: "urn:ietf:bcp:47", code: "fi-FI" }] }, preferred: true }]
      },
      request: { method: "POST", url: "Patient" }
    },
    {
      fullUrl: "urn:uuid:6f1e9a2c-4d2b-4a55-9b0e-1c8a2f3d4e04",
      resource: consent("referral"),
      request: { method: "POST", url: "Consent" }
    },
    {
      fullUrl: "urn:uuid:6f1e9a2c-4d2b-4a55-9b0e-1c8a2f3d4e05",
      resource: consent("contact-by-sms"),
      request: { method: "POST", url: "Consent" }
    }
  ]
})

/** A Consent resource of the fixture Bundle. */
export const consent = (purpose: string, status = "active"): Record<string, unknown> => ({
  resourceType: "Consent",
  extension: [{ url: `${L}/StructureDefinition/consent-method`, valueCode: "in-appointment" }],
  status,
  scope: { coding: [{ system: "http://terminology.hl7.org/CodeSystem/consentscope", code: "patient-privacy" }] },
  category: [
    { coding: [{ system: "http://terminology.hl7.org/CodeSystem/v3-ActCode", code: "IDSCL" }] },
    { coding: [{ system: `${L}/CodeSystem/consent-purpose`, code: purpose }] }
  ],
  patient: { reference: "urn:uuid:6f1e9a2c-4d2b-4a55-9b0e-1c8a2f3d4e03" },
  dateTime: "2026-03-02T09:00:00+02:00",
  policyRule: { coding: [{ system: "http://terminology.hl7.org/CodeSystem/v3-ActCode", code: "OPTIN" }] },
  provision: { type: "permit" }
})

export interface Answer {
  readonly status: number
  readonly contentType: string | null
  readonly headers: Headers
  readonly text: string
  readonly json: unknown
  /** The body read as a Bundle, a Task or an OperationOutcome (unchecked: the tests check). */
  readonly bundle: Bundle
  readonly task: Task
  readonly outcome: OperationOutcome
}

export type Path = ReadonlyArray<string | number>

/** The value at a path of a JSON value (`undefined` where there is none). */
export const get = (value: unknown, path: Path): unknown =>
  path.reduce<unknown>(
    (v, k) => (typeof v === "object" && v !== null ? (v as Record<string | number, unknown>)[k] : undefined),
    value
  )

/** Sets the value at a path (the root when the path is empty); nothing when the parent is gone. */
export const setAt = (root: unknown, path: Path, value: unknown): unknown => {
  if (path.length === 0) return value
  const parent = get(root, path.slice(0, -1))
  if (typeof parent === "object" && parent !== null) {
    Object.defineProperty(parent, path[path.length - 1] as string | number, {
      value,
      enumerable: true,
      configurable: true,
      writable: true
    })
  }
  return root
}

/** Deletes the value at a path (an array element is spliced out). */
export const deleteAt = (root: unknown, path: Path): unknown => {
  const parent = get(root, path.slice(0, -1))
  const key = path[path.length - 1] as string | number
  if (Array.isArray(parent)) parent.splice(Number(key), 1)
  else if (typeof parent === "object" && parent !== null) delete (parent as Record<string | number, unknown>)[key]
  return root
}

export interface RequestOptions {
  /** A bearer token, or `null` for none; default a fresh token for the fixture referrer. */
  readonly token?: string | null
  readonly body?: string | Uint8Array
  readonly contentType?: string | null
  readonly headers?: Record<string, string>
}

export interface Harness {
  readonly context: Context.Context<Services>
  readonly service: ReferralService.Shape
  readonly store: ReferralStore.Shape
  readonly audit: AuditLog.Shape
  readonly request: (method: string, path: string, options?: RequestOptions) => Effect.Effect<Answer>
  readonly post: (body: unknown, options?: RequestOptions) => Effect.Effect<Answer>
  readonly get: (path: string, options?: RequestOptions) => Effect.Effect<Answer>
}

/**
 * Every FHIR resource the harness saw in this test file: each answer's body,
 * and each body sent that the server accepted (2xx). The validation at the
 * end of a test file checks them all.
 */
export const captured: Array<{ readonly what: string; readonly json: unknown }> = []

const parse = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** Runs `body` against the server's fetch handler over a fresh in-memory service. */
export const withServer = <A, E>(
  body: (harness: Harness) => Effect.Effect<A, E>,
  options: Partial<FhirServer.Options> = {}
): Effect.Effect<A, E | unknown> =>
  Effect.scoped(
    Effect.gen(function* () {
      const scope = yield* Scope.Scope
      const context = yield* Layer.buildWithScope(memoryService, scope)
      const web = yield* Effect.acquireRelease(
        Effect.sync(() => webHandler(context, { baseUrl: base, ...options })),
        (w) => Effect.promise(() => w.dispose())
      )
      const referrerToken = yield* Effect.promise(() => Tokens.sign(Fixtures.referrer))
      const request = (method: string, path: string, o: RequestOptions = {}) =>
        Effect.promise(async (): Promise<Answer> => {
          const headers: Record<string, string> = { ...o.headers }
          const token = o.token === undefined ? referrerToken : o.token
          if (token !== null) headers.authorization = `Bearer ${token}`
          const contentType = o.contentType === undefined ? "application/fhir+json" : o.contentType
          if (o.body !== undefined && contentType !== null) headers["content-type"] = contentType
          const response = await web.handler(
            new Request(`${base}${path}`, { method, headers, ...(o.body === undefined ? {} : { body: o.body }) })
          )
          const text = await response.text()
          const json = parse(text)
          const what = `${method} ${path} → ${response.status}`
          if (typeof json === "object" && json !== null) captured.push({ what, json })
          if (response.status < 300 && typeof o.body === "string") {
            const sent = parse(o.body)
            if (typeof sent === "object" && sent !== null) captured.push({ what: `${what} (sent)`, json: sent })
          }
          return {
            status: response.status,
            contentType: response.headers.get("content-type"),
            headers: response.headers,
            text,
            json,
            bundle: json as Bundle,
            task: json as Task,
            outcome: json as OperationOutcome
          }
        })
      return yield* body({
        context,
        service: Context.get(context, ReferralService.ReferralService),
        store: Context.get(context, ReferralStore.ReferralStore),
        audit: Context.get(context, AuditLog.AuditLog),
        request,
        post: (b, o = {}) => request("POST", "/", { ...o, body: typeof b === "string" ? b : JSON.stringify(b) }),
        get: (path, o = {}) => request("GET", path, o)
      })
    })
  )

/** The referral id the server gives a message id of the fixture referrer's organisation. */
export const referralIdOf = (messageId: string) =>
  Effect.map(ReferralTransport.identify(Fixtures.referrer.organisation, messageId), (ids) => ids.referralId)
