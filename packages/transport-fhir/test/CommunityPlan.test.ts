/**
 * The client's plan in the closed loop: the community activities (a joined
 * walking group above all), goals and unmet needs appear in the Task's
 * output only under rule C3, as a documented extension (Gravity's
 * `resulting-activity` slice references a Procedure this adapter does not
 * serve); the Task stays valid R4 and meets Gravity's Task requirements,
 * and reads back into the same report.
 */
import { describe, expect, it } from "@effect/vitest"
import { type ReferralCommand, type ReferralTransport, Views } from "@lahete/core"
import { Fixtures as F } from "@lahete/testing"
import { FhirCodes, FhirTask } from "@lahete/transport-fhir"
import { Result } from "effect"
import { gravityTaskFindings, validate } from "./support/validation.js"

const day = (d: number) => F.at(24 * d)
const wire = (value: unknown): unknown => JSON.parse(JSON.stringify(value))

const withPlan = (consent: boolean): ReadonlyArray<ReferralCommand.ReferralCommand> => [
  ...F.pathTo.Active(),
  F.plan({ at: day(8) }),
  F.activity("suggested", { at: day(9) }),
  F.activity("tried", { at: day(10) }),
  F.activity("joined", { at: day(11) }),
  F.unmetNeed({ at: day(12) }),
  ...(consent ? [F.recordConsent("feedback-to-referrer", "granted", { actor: F.linkWorkerActor, at: day(13) })] : [])
]

const taskOf = (commands: ReadonlyArray<ReferralCommand.ReferralCommand>) => {
  const { state } = F.history(commands)
  const viewed = Views.referralStatus(F.referrer, state, new Map(), day(20))
  if (Result.isFailure(viewed)) throw new Error("refused")
  const report: ReferralTransport.StatusReport = viewed.success.view
  return { report, task: FhirTask.toTask(report, { requester: F.referrer.id }) }
}

describe("FhirTask: the client's plan under rule C3", () => {
  it("the joined walking group, the goals and the unmet need are in the output; valid R4 and Gravity; read back", () => {
    const { report, task } = taskOf(withPlan(true))
    const activity = task.output?.find((o) => o.type.coding?.[0]?.code === "community-activity")
    expect(activity?.valueReference).toEqual({
      type: "HealthcareService",
      identifier: { system: FhirCodes.directoryActivity, value: F.walkingGroup.id }
    })
    expect(activity?.extension?.[0]?.extension).toEqual([
      { url: "step", valueCode: "joined" },
      { url: "version", valueInteger: 1 },
      {
        url: "organisation",
        valueIdentifier: { system: FhirCodes.directoryOrganisation, value: F.walkingGroup.organisationId }
      }
    ])
    expect(task.output?.filter((o) => o.type.coding?.[0]?.code === "plan-goal").map((o) => o.valueCode)).toEqual([
      "meet-people",
      "outdoors"
    ])
    expect(task.output?.filter((o) => o.type.coding?.[0]?.code === "unmet-need").map((o) => o.valueCode)).toEqual([
      "evening-activity"
    ])
    // never the client's words
    expect(JSON.stringify(task)).not.toContain(F.plan().whatMatters)
    expect(validate(wire(task))).toEqual([])
    expect(gravityTaskFindings(task)).toEqual([])
    expect(FhirTask.fromTask(wire(task))).toEqual(report)
  })

  it("without the client's feedback consent the Task carries no plan", () => {
    const { report, task } = taskOf(withPlan(false))
    expect(report.plan).toBeUndefined()
    const codes = (task.output ?? []).map((o) => o.type.coding?.[0]?.code)
    expect(codes).not.toContain("community-activity")
    expect(codes).not.toContain("plan-goal")
    expect(FhirTask.fromTask(wire(task))).toEqual(report)
  })

  it("a plan output of another shape makes the Task unreadable rather than misread", () => {
    const { task } = taskOf(withPlan(true))
    const broken = wire(task) as { output: Array<{ extension?: unknown }> }
    const i = broken.output.findIndex((o) => o.extension !== undefined)
    broken.output[i] = { ...broken.output[i], extension: [] }
    expect(FhirTask.fromTask(broken)).toBeUndefined()
  })
})
