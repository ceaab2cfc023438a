/**
 * FHIR R4 validation by strangers' validators (see support/validation.ts):
 * every JSON example of docs/transport-fhir.md is valid R4 (JSON Schema,
 * StructureDefinitions and their invariants, the root invariants again with
 * fhirpath), every Task among them meets Gravity's
 * SDOHCC-TaskForReferralManagement requirements, and each check fails when a
 * required element is removed. (Every resource the server's round trips
 * send and receive is validated at the end of FhirServer.test.ts.)
 */
import { readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { FhirServer } from "@lahete/transport-fhir"
import type { Bundle, Consent, Resource, Task } from "@medplum/fhirtypes"
import { gravityTaskRequirements } from "./support/gravity-task-requirements.js"
import { gravityTaskFindings, tasksIn, validate } from "./support/validation.js"

const page = readFileSync(new URL("../../../docs/transport-fhir.md", import.meta.url), "utf8")
const examples: ReadonlyArray<{ readonly line: number; readonly json: Resource }> = [
  ...page.matchAll(/```json\n([\s\S]*?)\n```/g)
].map((m) => ({ line: page.slice(0, m.index).split("\n").length, json: JSON.parse(m[1] ?? "") as Resource }))

const clone = <A>(a: A): A => JSON.parse(JSON.stringify(a)) as A

const example = <R extends Resource>(predicate: (r: Resource) => r is R): R => {
  const found = examples.map((e) => e.json).find(predicate)
  if (found === undefined) throw new Error("no such example")
  return clone(found)
}
const isBundleOf =
  (type: Bundle["type"]) =>
  (r: Resource): r is Bundle =>
    r.resourceType === "Bundle" && r.type === type
const isTask = (r: Resource): r is Task =>
  r.resourceType === "Task" && r.statusReason !== undefined && r.authoredOn !== undefined

describe("docs/transport-fhir.md: every example is valid FHIR R4", () => {
  it("every JSON example validates (schema, structure, invariants): 0 errors", () => {
    expect(examples.length).toBeGreaterThanOrEqual(9)
    expect(new Set(examples.map((e) => e.json.resourceType))).toEqual(
      new Set(["Bundle", "Task", "ServiceRequest", "OperationOutcome"])
    )
    const findings = examples.flatMap((e) =>
      validate(e.json).map((f) => `line ${e.line}: ${f.check} ${f.where}: ${f.message}`)
    )
    expect(findings).toEqual([])
  }, 60_000)

  it("every Task the examples show as served meets Gravity's TaskForReferralManagement", () => {
    const served = examples.filter((e) => !(e.json.resourceType === "Bundle" && e.json.type === "transaction"))
    // the cancel request is a partial Task sent by the requester, not a Task the server serves
    const tasks = served.flatMap((e) => tasksIn(e.json)).filter((t) => t.authoredOn !== undefined)
    expect(tasks.length).toBeGreaterThanOrEqual(5)
    expect(tasks.flatMap((t) => gravityTaskFindings(t))).toEqual([])
  })

  it("the capability statement is valid R4 (cpb-14: an instance has its implementation)", () => {
    expect(validate(FhirServer.capabilityStatement)).toEqual([])
    const { implementation: _, ...withoutImplementation } = FhirServer.capabilityStatement
    expect(validate(withoutImplementation).map((f) => f.message)).toEqual(
      expect.arrayContaining([expect.stringContaining("cpb-14")])
    )
  })
})

describe("the checks fail when a required element is removed", () => {
  it("a Consent without policyRule breaks ppc-1 (found by the structure and the invariant checks)", () => {
    const bundle = example(isBundleOf("transaction"))
    const consent = bundle.entry?.find((e) => e.resource?.resourceType === "Consent")?.resource as Consent
    expect(validate(bundle)).toEqual([])
    delete consent.policyRule
    const found = validate(bundle)
    expect(found.map((f) => f.check).sort()).toEqual(["invariant", "structure"])
    expect(found.every((f) => f.message.includes("ppc-1"))).toBe(true)
  })

  it("a Consent without scope fails the JSON Schema and the structure; a Task without intent the structure", () => {
    const bundle = example(isBundleOf("transaction"))
    const consent = bundle.entry?.find((e) => e.resource?.resourceType === "Consent")?.resource as Consent
    delete (consent as { scope?: unknown }).scope
    const found = validate(bundle)
    expect(found.some((f) => f.check === "schema")).toBe(true)
    expect(found.some((f) => f.check === "structure" && f.where.includes("entry[3]"))).toBe(true)

    const task = example(isTask)
    expect(validate(task)).toEqual([])
    delete (task as { intent?: unknown }).intent
    expect(validate(task).map((f) => f.check)).toContain("structure")
  }, 60_000)

  it("a transaction-response entry without its status breaks the structure", () => {
    const response = example(isBundleOf("transaction-response"))
    expect(validate(response)).toEqual([])
    const entry = response.entry?.[1]
    if (entry?.response === undefined) throw new Error("no ServiceRequest entry")
    delete (entry.response as { status?: string }).status
    expect(validate(response).length).toBeGreaterThan(0)
  })

  it("each Gravity requirement fails on a Task that lacks it", () => {
    const task = example(isTask)
    expect(gravityTaskFindings(task)).toEqual([])
    const broken: Record<string, (t: Task) => void> = {
      status: (t) => {
        t.status = "ready"
      },
      "statusReason.text": (t) => {
        if (t.statusReason !== undefined) delete t.statusReason.text
      },
      statusReason: (t) => {
        delete t.statusReason
      },
      intent: (t) => {
        t.intent = "plan"
      },
      code: (t) => {
        delete t.code
      },
      focus: (t) => {
        delete t.focus
      },
      for: (t) => {
        delete t.for
      },
      authoredOn: (t) => {
        delete t.authoredOn
      },
      requester: (t) => {
        delete t.requester
      }
    }
    expect(Object.keys(broken).sort()).toEqual(gravityTaskRequirements.map((r) => r.element).sort())
    for (const [element, breakIt] of Object.entries(broken)) {
      const t = clone(task)
      breakIt(t)
      expect(
        gravityTaskFindings(t).map((f) => f.where),
        element
      ).toContain(`Task.${element}`)
    }
  })
})
