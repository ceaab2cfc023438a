import { describe, expect, it } from "@effect/vitest"
import { Actor, Instant, Lifecycle, ReferralTransport, Views } from "@lahete/core"
import { Arbitraries, CommandSequences, Fixtures, ViewHistories } from "@lahete/testing"
import { FhirCodes, FhirOutcome, FhirReferral, FhirTask } from "@lahete/transport-fhir"
import { Result } from "effect"
import * as fc from "fast-check"

const messageId = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,40}$/)

/** Inbound referral messages as referrers' systems send them (anything the port's schema accepts). */
const inbound: fc.Arbitrary<ReferralTransport.InboundReferral> = fc
  .tuple(messageId, Arbitraries.submitReferral())
  .map(([id, { _tag, referralId, idempotencyKey, actor, at, subjectId, ...content }]) => ({
    messageId: id,
    ...content
  }))

const wire = (value: unknown): unknown => JSON.parse(JSON.stringify(value))

describe("FhirReferral: an inbound referral as a transaction Bundle and back", () => {
  it("every message FHIR can carry comes back unchanged through the Bundle's JSON (1000 runs)", () => {
    fc.assert(
      fc.property(inbound, Arbitraries.referrer(), (message, sender) => {
        const decoded = ReferralTransport.decodeInbound(message)
        expect(Result.isSuccess(decoded)).toBe(true)
        if (Result.isFailure(decoded)) return
        const carried = Result.isSuccess(FhirReferral.representable(decoded.success))
        const year = message.client.birthYear
        expect(carried).toBe(
          (year === undefined || (year >= 0 && year <= 9999)) &&
            message.client.personalIdentityCode !== "" &&
            message.client.mobileNumber !== ""
        )
        if (!carried) return
        const back = FhirReferral.fromBundle(wire(FhirReferral.toBundle(decoded.success, sender)), sender)
        if (Result.isFailure(back)) throw new Error(JSON.stringify(back.failure))
        expect(back.success).toEqual(decoded.success)
      }),
      { numRuns: 1000 }
    )
  })

  it("the Bundle names the requester, the programme, SNOMED CT and one Consent per decision", () => {
    const message = { messageId: "m-1", ...Fixtures.submit() }
    const { _tag, referralId, idempotencyKey, actor, at, subjectId, ...rest } = message
    const bundle = FhirReferral.toBundle(rest, Fixtures.referrer, {
      newUuid: () => "00000000-0000-4000-8000-000000000000"
    })
    expect(bundle.type).toBe("transaction")
    expect(bundle.identifier).toEqual({ value: "m-1" })
    expect(bundle.entry?.map((e) => e.resource?.resourceType)).toEqual([
      "Task",
      "ServiceRequest",
      "Patient",
      "Consent",
      "Consent"
    ])
    expect(bundle.entry?.map((e) => e.request)).toEqual(
      ["Task", "ServiceRequest", "Patient", "Consent", "Consent"].map((url) => ({ method: "POST", url }))
    )
    const [task, request] = (bundle.entry ?? []).map((e) => e.resource)
    expect(task?.resourceType === "Task" && task.requester?.identifier).toEqual({
      system: FhirCodes.practitionerId,
      value: Fixtures.referrer.id
    })
    expect(request?.resourceType === "ServiceRequest" && request.code?.coding).toEqual([
      { system: FhirCodes.snomed, code: "871731000000106", display: "Referral to social prescribing service" }
    ])
    expect(request?.resourceType === "ServiceRequest" && request.performer?.[0]?.identifier).toEqual({
      system: FhirCodes.programmeId,
      value: "kemijarvi"
    })
  })

  it("a requester other than the authenticated practitioner is forbidden", () => {
    const { _tag, referralId, idempotencyKey, actor, at, subjectId, ...rest } = Fixtures.submit()
    const bundle = wire(FhirReferral.toBundle({ messageId: "m-2", ...rest }, Fixtures.referrer))
    const refused = FhirReferral.fromBundle(bundle, Fixtures.otherReferrer)
    expect(Result.isFailure(refused) && refused.failure.reason).toBe("forbidden")
  })
})

describe("FhirTask: a status report as a Task and back", () => {
  const at = Fixtures.at(24 * 400)
  const reportOf = (commands: ReadonlyArray<Parameters<typeof Fixtures.decider.decide>[0]>) => {
    const { state } = Fixtures.history(commands)
    const viewed = Views.referralStatus(Fixtures.referrer, state, new Map(), at)
    if (Result.isFailure(viewed)) throw new Error("refused")
    const report: ReferralTransport.StatusReport = viewed.success.view
    return { report, state }
  }

  for (const [name, path] of Object.entries(Fixtures.pathTo)) {
    it(`${name}: Task status and businessStatus per the specification, and the same report read back`, () => {
      const { report, state } = reportOf(path())
      const task = FhirTask.toTask(report, { requester: Fixtures.referrer.id, holdReason: state.holdReason })
      expect(task.status).toBe(Lifecycle.fhirTaskStatus[report.status].status)
      expect(task.businessStatus?.coding?.[0]).toEqual({
        system: FhirCodes.referralState,
        code: FhirCodes.stateCodes[report.status]
      })
      const fine = Lifecycle.fhirTaskStatus[report.status].businessStatus
      if (fine !== undefined) expect(task.businessStatus?.coding?.[0]?.code).toBe(fine)
      const needsReason = ["rejected", "cancelled", "on-hold", "failed"].includes(task.status)
      expect(task.statusReason !== undefined).toBe(needsReason || report.status === "Declined")
      expect(FhirTask.fromTask(wire(task))).toEqual(report)
    })
  }

  it("a Task of another shape is not read as a status report", () => {
    const { report } = reportOf(Fixtures.pathTo.Active())
    const task = wire(FhirTask.toTask(report, { requester: Fixtures.referrer.id })) as Record<string, unknown>
    expect(FhirTask.fromTask({ ...task, status: "completed" })).toBeUndefined()
    expect(
      FhirTask.fromTask({ ...task, businessStatus: { coding: [{ system: "x", code: "active" }] } })
    ).toBeUndefined()
    expect(FhirTask.fromTask({ ...task, authoredOn: "yesterday" })).toBeUndefined()
    expect(FhirTask.fromTask("Task")).toBeUndefined()
  })
})

describe("FhirOutcome: refusals as OperationOutcomes and back", () => {
  const issue = fc.record({
    path: fc.string({ minLength: 1, maxLength: 40 }),
    reason: fc.string({ minLength: 1, maxLength: 40 })
  })
  it("every refusal reads back with its reason, status, detail and issues (1000 runs)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ReferralTransport.RefusalReason.literals),
        fc.string({ maxLength: 80 }),
        fc.option(fc.array(issue, { minLength: 1, maxLength: 5 }), { nil: undefined }),
        (reason, detail, issues) => {
          const refusal = ReferralTransport.refuse(reason, detail, issues)
          const outcome = wire(FhirOutcome.fromRefusal(refusal))
          expect(FhirOutcome.toError(refusal.status, outcome)).toEqual(refusal)
        }
      ),
      { numRuns: 1000 }
    )
  })

  it("5xx and 429 are unavailable; a 4xx without an OperationOutcome is refused by its status", () => {
    expect(
      FhirOutcome.toError(
        503,
        FhirOutcome.fromUnavailable(new ReferralTransport.TransportUnavailable({ detail: "StoreFailure" }))
      )._tag
    ).toBe("TransportUnavailable")
    expect(FhirOutcome.toError(500, "<html>")._tag).toBe("TransportUnavailable")
    expect(FhirOutcome.toError(429, undefined)._tag).toBe("TransportUnavailable")
    const notFound = FhirOutcome.toError(404, "<html>")
    expect(notFound._tag === "TransportRefused" && [notFound.reason, notFound.status]).toEqual(["not-found", 404])
    const teapot = FhirOutcome.toError(418, undefined)
    expect(teapot._tag === "TransportRefused" && [teapot.reason, teapot.status]).toEqual(["malformed", 418])
  })
})

describe("FhirTask: meta.lastUpdated follows what the Task shows", () => {
  const taskAt = (commands: ReadonlyArray<Parameters<typeof Fixtures.decider.decide>[0]>, at: Instant.Instant) => {
    const { state } = Fixtures.history(commands)
    const viewed = Views.referralStatus(Fixtures.referrer, state, new Map(), at)
    if (Result.isFailure(viewed)) throw new Error("refused")
    return FhirTask.toTask(viewed.success.view, { requester: Fixtures.referrer.id })
  }
  const closed = Fixtures.pathTo.Closed()
  const closedAt = Fixtures.close().at

  it("a reassignment, a feedback consent decision and its expiry each move it; research consent does not", () => {
    const later = (hours: number) => Instant.plusMillis(closedAt, hours * 3_600_000)
    const readAt = later(24 * 30)
    expect(taskAt(closed, readAt).meta?.lastUpdated).toBe(closedAt)
    const research = Fixtures.recordConsent("research", "granted", { at: later(1) })
    expect(taskAt([...closed, research], readAt).meta?.lastUpdated).toBe(closedAt)
    const granted = Fixtures.recordConsent("feedback-to-referrer", "granted", { at: later(2) })
    expect(taskAt([...closed, granted], readAt).meta?.lastUpdated).toBe(later(2))
    // a grant that expires: once the expiry has passed, the Task changed then (the feedback is no longer readable)
    const expiring = Fixtures.recordConsent("feedback-to-referrer", "granted", {
      at: later(2),
      consent: { purpose: "feedback-to-referrer", decision: "granted", method: "verbal", expiresAt: later(48) }
    })
    expect(taskAt([...closed, expiring], later(47)).meta?.lastUpdated).toBe(later(2))
    const expired = taskAt([...closed, expiring], later(49))
    expect(expired.meta?.lastUpdated).toBe(later(48))
    expect(expired.extension?.find((e) => e.url === FhirCodes.feedbackAccessExtension)?.valueCode).toBe("not-consented")

    const assignedAt = Fixtures.assign().at
    const reassignedAt = Instant.plusMillis(assignedAt, 3_600_000)
    const other = Fixtures.linkWorker({ id: "lw-2" as ReturnType<typeof Fixtures.linkWorker>["id"] })
    const reassigned = taskAt(
      [Fixtures.submit(), Fixtures.assign(), Fixtures.assign({ at: reassignedAt, linkWorker: other })],
      readAt
    )
    expect(reassigned.meta?.lastUpdated).toBe(reassignedAt)
  })
})

describe("FhirTask: the referrer's view, every field, through the Task and back", () => {
  it("for generated histories, fromTask(toTask(view)) equals the view as JSON (300 histories)", () => {
    const seen = new Map<string, number>()
    fc.assert(
      fc.property(ViewHistories.histories, fc.integer({ min: 0, max: 400 * 24 }), (commands, hoursAfter) => {
        const run = CommandSequences.run(Fixtures.decider, commands)
        const { referrer: r, lastEventAt } = run.state
        if (r === undefined || lastEventAt === undefined) return
        const referrer = Actor.make("Referrer", r.id, r.organisation, r.profession)
        const at = Instant.plusMillis(lastEventAt, hoursAfter * 3_600_000)
        const viewed = Views.referralStatus(referrer, run.state, ViewHistories.subjects(run), at)
        if (Result.isFailure(viewed)) throw new Error(`refused: ${viewed.failure.message}`)
        const view = wire(viewed.success.view)
        const task = FhirTask.toTask(viewed.success.view, { requester: r.id, holdReason: run.state.holdReason })
        expect(FhirTask.fromTask(wire(task))).toEqual(view)
        for (const field of ViewHistories.fieldPaths(view)) seen.set(field, (seen.get(field) ?? 0) + 1)
      }),
      { numRuns: 300, seed: 20261207 }
    )
    // the fields that come and go were there in some view
    for (const field of [
      "feedbackText",
      "plan.activities.step",
      "plan.unmetNeeds",
      "followUp",
      "endReason",
      "outcome"
    ]) {
      expect(seen.get(field) ?? 0, field).toBeGreaterThan(0)
    }
  })
})
