/**
 * The assignment rules at their exact boundaries (domain specification §5):
 * training and the confidentiality commitment count from the instant they are
 * dated, the refresher is overdue from the instant it falls due, and a link
 * worker with as many active clients as their capacity takes no more.
 */
import { describe, expect, it } from "@effect/vitest"
import { Instant, LinkWorker, Presets } from "@lahete/core"
import { DeciderSpec, Fixtures as F } from "@lahete/testing"
import { Result } from "effect"

const policy = Presets.kemijarvi.linkWorkers
const reasonOf = (worker: LinkWorker.LinkWorker, at: Instant.Instant, activeClients = 0) =>
  Result.match(LinkWorker.checkAssignable(worker, { at, activeClients, policy }), {
    onSuccess: () => "eligible",
    onFailure: (e) => e.reason
  })
const at = F.at(2)
const justAfter = Instant.plusMillis(at, 1)

describe("checkAssignable at the boundaries", () => {
  it("basic training completed at the assignment instant counts; a millisecond later it does not", () => {
    expect(reasonOf(F.linkWorker({ basicTrainingCompletedAt: at }), at)).toBe("eligible")
    expect(reasonOf(F.linkWorker({ basicTrainingCompletedAt: justAfter }), at)).toBe("untrained")
    const { basicTrainingCompletedAt: _, ...never } = F.linkWorker()
    expect(reasonOf(never, at)).toBe("untrained")
  })

  it("the decider assigns a link worker whose training was completed at that very instant", () => {
    DeciderSpec.make(F.decider)
      .given(F.history(F.pathTo.Submitted()).events)
      .when(F.assign({ at, linkWorker: F.linkWorker({ basicTrainingCompletedAt: at }) }))
      .thenEvents((events) => expect(events.map((e) => e._tag)).toEqual(["LinkWorkerAssigned"]))
    DeciderSpec.make(F.decider)
      .given(F.history(F.pathTo.Submitted()).events)
      .when(F.assign({ at, linkWorker: F.linkWorker({ basicTrainingCompletedAt: justAfter }) }))
      .thenFails("LinkWorkerIneligible", { reason: "untrained" })
  })

  it("the confidentiality commitment signed at the assignment instant counts; a millisecond later it does not", () => {
    expect(reasonOf(F.linkWorker({ confidentialityCommitmentSignedAt: at }), at)).toBe("eligible")
    expect(reasonOf(F.linkWorker({ confidentialityCommitmentSignedAt: justAfter }), at)).toBe(
      "no-confidentiality-commitment"
    )
    const { confidentialityCommitmentSignedAt: _, ...never } = F.linkWorker()
    expect(reasonOf(never, at)).toBe("no-confidentiality-commitment")
  })

  it("an inactive link worker is refused first, whatever else holds", () => {
    expect(reasonOf(F.linkWorker({ active: false }), at)).toBe("inactive")
    expect(reasonOf(F.linkWorker({ active: false, basicTrainingCompletedAt: justAfter }), at, 99)).toBe("inactive")
  })

  it("a refresher completed at the instant counts, and the next falls due the interval later", () => {
    const worker = F.linkWorker({
      basicTrainingCompletedAt: Instant.make(Date.parse("2022-01-01T08:00:00.000Z")),
      refresherTrainings: [at]
    })
    expect(reasonOf(worker, at)).toBe("eligible")
    expect(reasonOf(worker, Instant.plusMillis(at, -1))).toBe("refresher-overdue")
    const due = LinkWorker.refresherDueAt(worker, policy, at) as Instant.Instant
    expect(due).toBe("2027-03-02T09:00:00.000Z")
    expect(reasonOf(worker, Instant.plusMillis(due, -1))).toBe("eligible")
    expect(reasonOf(worker, due)).toBe("refresher-overdue")
  })

  it("capacity: one below takes a client, exactly at capacity does not; the link worker's own capacity wins", () => {
    expect(policy.defaultCapacity).toBe(15)
    expect(reasonOf(F.linkWorker(), at, 14)).toBe("eligible")
    expect(reasonOf(F.linkWorker(), at, 15)).toBe("at-capacity")
    expect(reasonOf(F.linkWorker({ capacity: 3 }), at, 2)).toBe("eligible")
    expect(reasonOf(F.linkWorker({ capacity: 3 }), at, 3)).toBe("at-capacity")
    expect(reasonOf(F.linkWorker({ capacity: 20 }), at, 15)).toBe("eligible")
  })
})

describe("trainingDue at the boundaries", () => {
  const trainedAt = Instant.make(Date.parse("2025-04-01T09:00:00.000Z"))
  const worker = F.linkWorker({ basicTrainingCompletedAt: trainedAt })
  const due = LinkWorker.refresherDueAt(worker, policy) as Instant.Instant
  const row = (now: Instant.Instant, withinDays?: number) =>
    LinkWorker.trainingDue([worker], { at: now, policy, ...(withinDays === undefined ? {} : { withinDays }) })

  it("a refresher due exactly at the horizon is listed; one millisecond beyond it is not (30 days by default)", () => {
    const thirtyDaysBefore = Instant.plusMillis(due, -30 * 86_400_000)
    expect(row(thirtyDaysBefore)).toEqual([{ linkWorkerId: worker.id, kind: "refresher", dueAt: due, overdue: false }])
    expect(row(Instant.plusMillis(thirtyDaysBefore, -1))).toEqual([])
    expect(row(Instant.plusMillis(due, -7 * 86_400_000), 7)).toHaveLength(1)
    expect(row(Instant.plusMillis(due, -7 * 86_400_000 - 1), 7)).toEqual([])
  })

  it("overdue from the instant it falls due", () => {
    expect(row(Instant.plusMillis(due, -1))[0]?.overdue).toBe(false)
    expect(row(due)[0]?.overdue).toBe(true)
  })
})

describe("refresherDueAt and the training-due list, further", () => {
  it("a link worker with refreshers but no basic training: the refresher interval runs from the latest refresher", () => {
    const { basicTrainingCompletedAt: _, ...untrained } = F.linkWorker({ refresherTrainings: [F.t0] })
    expect(LinkWorker.refresherDueAt(untrained, policy)).toBe("2027-03-02T07:00:00.000Z")
    const { basicTrainingCompletedAt: __, ...none } = F.linkWorker()
    expect(LinkWorker.refresherDueAt(none, policy)).toBeUndefined()
  })

  it("missing commitments and training are listed as overdue; the list is ordered overdue first, then by due date, then by id", () => {
    const id = (s: string) => F.linkWorker({ id: s as LinkWorker.LinkWorker["id"] })
    const trained = (s: string, at: string) =>
      F.linkWorker({ id: s as LinkWorker.LinkWorker["id"], basicTrainingCompletedAt: Instant.make(Date.parse(at)) })
    const { confidentialityCommitmentSignedAt: _, ...noCommitment } = id("lw-c")
    const { basicTrainingCompletedAt: __, ...noTraining } = id("lw-b")
    const workers = [
      trained("lw-upcoming-late", "2025-03-20T08:00:00.000Z"),
      noCommitment,
      trained("lw-overdue-late", "2025-02-20T08:00:00.000Z"),
      trained("lw-upcoming-early", "2025-03-10T08:00:00.000Z"),
      noTraining,
      trained("lw-overdue-early", "2025-01-20T08:00:00.000Z")
    ]
    const rows = LinkWorker.trainingDue(workers, { at: F.t0, policy })
    expect(rows.map((r) => [r.linkWorkerId, r.kind, r.overdue])).toEqual([
      ["lw-b", "basic-training", true],
      ["lw-c", "confidentiality-commitment", true],
      ["lw-overdue-early", "refresher", true],
      ["lw-overdue-late", "refresher", true],
      ["lw-upcoming-early", "refresher", false],
      ["lw-upcoming-late", "refresher", false]
    ])
  })

  it("the refusal's message names the link worker id and the reason only", () => {
    const refused = LinkWorker.checkAssignable(F.linkWorker({ active: false }), { at, activeClients: 0, policy })
    expect(Result.isFailure(refused) && refused.failure.message).toBe(
      `link worker ${F.linkWorker().id} cannot be assigned: inactive`
    )
  })
})
