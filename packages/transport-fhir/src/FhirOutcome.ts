/**
 * Refusals as FHIR `OperationOutcome`s, and back.
 *
 * Every refusal the server sends is an `OperationOutcome` with the HTTP
 * status of its reason (`ReferralTransport.httpStatus`). The first issue
 * states the refusal: `code` is the FHIR issue type, `details` carries the
 * refusal reason (system `FhirCodes.refusalReason`) and `diagnostics` the
 * transport's `detail` (a rule or a field, never personal data). Each further
 * issue is one problem found in the payload: `expression` is where (a
 * FHIRPath such as `Bundle.entry[2].resource.communication`) and
 * `diagnostics` what is wrong, never the value.
 *
 * The client reads the same shape back into `TransportRefused` (4xx) or
 * `TransportUnavailable` (5xx, 429).
 *
 * @since 0.1.0
 */
import { ReferralTransport } from "@lahete/core"
import type { OperationOutcome, OperationOutcomeIssue } from "@medplum/fhirtypes"
import { Result, Schema } from "effect"
import * as FhirCodes from "./FhirCodes.js"

/**
 * The FHIR issue type of each refusal reason.
 *
 * @since 0.1.0
 * @category constants
 */
export const issueCodes: Readonly<Record<ReferralTransport.RefusalReason, OperationOutcomeIssue["code"]>> = {
  unauthenticated: "login",
  forbidden: "forbidden",
  "not-found": "not-found",
  malformed: "invalid",
  "too-large": "too-costly",
  conflict: "conflict",
  unprocessable: "business-rule",
  unsupported: "not-supported"
}

const reasonOfStatus: ReadonlyMap<number, ReferralTransport.RefusalReason> = new Map(
  ReferralTransport.RefusalReason.literals.map((r) => [ReferralTransport.httpStatus[r], r])
)

const headline = (code: OperationOutcomeIssue["code"], reason: string, detail: string): OperationOutcomeIssue => ({
  severity: "error",
  code,
  details: { coding: [{ system: FhirCodes.refusalReason, code: reason }], text: detail },
  diagnostics: detail
})

/**
 * The `OperationOutcome` of a refusal.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromRefusal = (refusal: ReferralTransport.TransportRefused): OperationOutcome => ({
  resourceType: "OperationOutcome",
  issue: [
    headline(issueCodes[refusal.reason], refusal.reason, refusal.detail),
    ...(refusal.issues ?? []).map(
      (i): OperationOutcomeIssue => ({
        severity: "error",
        code: "invalid",
        diagnostics: i.reason,
        expression: [i.path]
      })
    )
  ]
})

/**
 * The `OperationOutcome` of a temporary failure (HTTP 503).
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromUnavailable = (error: ReferralTransport.TransportUnavailable): OperationOutcome => ({
  resourceType: "OperationOutcome",
  issue: [headline("transient", "unavailable", error.detail)]
})

/**
 * The `OperationOutcome` of an unexpected server error (HTTP 500): it says
 * nothing about the cause.
 *
 * @since 0.1.0
 * @category constructors
 */
export const internalError: OperationOutcome = {
  resourceType: "OperationOutcome",
  issue: [headline("exception", "unavailable", "internal error")]
}

const Coding = Schema.Struct({ system: Schema.optionalKey(Schema.String), code: Schema.optionalKey(Schema.String) })
const Outcome = Schema.Struct({
  resourceType: Schema.Literal("OperationOutcome"),
  issue: Schema.Array(
    Schema.Struct({
      diagnostics: Schema.optionalKey(Schema.String),
      expression: Schema.optionalKey(Schema.Array(Schema.String)),
      details: Schema.optionalKey(
        Schema.Struct({ coding: Schema.optionalKey(Schema.Array(Coding)), text: Schema.optionalKey(Schema.String) })
      )
    })
  )
})
const decodeOutcome = Schema.decodeUnknownResult(Outcome)

/**
 * The transport error of an HTTP error response (client side): a 4xx is a
 * refusal with the reason its `OperationOutcome` names (else the reason of
 * the status), the same `detail` and `issues`; a 5xx or 429 is
 * `TransportUnavailable`.
 *
 * @since 0.1.0
 * @category destructors
 */
export const toError = (status: number, body: unknown): ReferralTransport.TransportError => {
  const outcome = decodeOutcome(body)
  const issues = Result.isSuccess(outcome) ? outcome.success.issue : []
  const [first, ...rest] = issues
  const detail = first?.diagnostics ?? first?.details?.text ?? `HTTP ${status}`
  if (status >= 500 || status === 429 || status < 400) {
    return new ReferralTransport.TransportUnavailable({ detail: `HTTP ${status}: ${detail}` })
  }
  const named = first?.details?.coding?.find((c) => c.system === FhirCodes.refusalReason)?.code
  const reason =
    named !== undefined && (ReferralTransport.RefusalReason.literals as ReadonlyArray<string>).includes(named)
      ? (named as ReferralTransport.RefusalReason)
      : (reasonOfStatus.get(status) ?? "malformed")
  const found = rest.flatMap((i) =>
    i.expression?.[0] !== undefined && i.diagnostics !== undefined
      ? [{ path: i.expression[0], reason: i.diagnostics }]
      : []
  )
  return new ReferralTransport.TransportRefused({
    reason,
    status,
    detail,
    ...(found.length === 0 ? {} : { issues: found })
  })
}
