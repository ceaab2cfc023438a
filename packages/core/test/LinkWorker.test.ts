import { describe, expect, it } from "@effect/vitest"
import { Instant, LinkWorker, Presets } from "@lahete/core"
import { Fixtures as F } from "@lahete/testing"
import { Result } from "effect"
import * as fc from "fast-check"

const policy = Presets.kemijarvi.linkWorkers
const day = 86_400_000
const reasonOf = (worker: LinkWorker.LinkWorker, at: Instant.Instant, activeClients = 0) =>
  Result.match(LinkWorker.checkAssignable(worker, { at, activeClients, policy }), {
    onSuccess: () => "eligible",
    onFailure: (e) => e.reason
  })

describe("LinkWorker assignment rules", () => {
  it("the fixture link worker is eligible", () => {
    expect(reasonOf(F.linkWorker(), F.t0)).toBe("eligible")
  })

  it("training or a commitment dated after the assignment does not count yet", () => {
    const later = Instant.plusMillis(F.t0, day)
    expect(reasonOf(F.linkWorker({ basicTrainingCompletedAt: later }), F.t0)).toBe("untrained")
    expect(reasonOf(F.linkWorker({ confidentialityCommitmentSignedAt: later }), F.t0)).toBe(
      "no-confidentiality-commitment"
    )
  })

  it("the refresher falls due the programme's interval after the latest training", () => {
    const trained = Instant.make(Date.parse("2025-03-02T07:00:00.000Z"))
    const worker = F.linkWorker({ basicTrainingCompletedAt: trained })
    expect(LinkWorker.refresherDueAt(worker, policy)).toBe("2026-03-02T07:00:00.000Z")
    expect(reasonOf(worker, Instant.plusMillis(F.t0, -1))).toBe("eligible")
    expect(reasonOf(worker, F.t0)).toBe("refresher-overdue")
  })

  it("a refresher booked for a later date does not count yet", () => {
    const worker = F.linkWorker({
      basicTrainingCompletedAt: Instant.make(Date.parse("2022-01-01T08:00:00.000Z")),
      refresherTrainings: [Instant.make(Date.parse("2026-06-01T08:00:00.000Z"))]
    })
    expect(reasonOf(worker, F.t0)).toBe("refresher-overdue")
    expect(reasonOf(worker, Instant.make(Date.parse("2026-06-02T08:00:00.000Z")))).toBe("eligible")
  })

  it("property: a refused assignment names the first failing rule in the documented order", () => {
    const rules = fc.record({
      active: fc.boolean(),
      trained: fc.boolean(),
      committed: fc.boolean(),
      overdue: fc.boolean(),
      capacity: fc.integer({ min: 0, max: 20 }),
      activeClients: fc.integer({ min: 0, max: 25 })
    })
    fc.assert(
      fc.property(rules, (r) => {
        const trainedAt = Instant.plusMillis(F.t0, r.overdue ? -400 * day : -30 * day)
        const {
          basicTrainingCompletedAt: _,
          confidentialityCommitmentSignedAt: signed,
          ...rest
        } = F.linkWorker({
          active: r.active,
          capacity: r.capacity
        })
        const clean: LinkWorker.LinkWorker = {
          ...rest,
          ...(r.trained ? { basicTrainingCompletedAt: trainedAt } : {}),
          ...(r.committed && signed !== undefined ? { confidentialityCommitmentSignedAt: signed } : {})
        }
        const expected = !r.active
          ? "inactive"
          : !r.trained
            ? "untrained"
            : !r.committed
              ? "no-confidentiality-commitment"
              : r.overdue
                ? "refresher-overdue"
                : r.activeClients >= r.capacity
                  ? "at-capacity"
                  : "eligible"
        expect(reasonOf(clean, F.t0, r.activeClients)).toBe(expected)
      }),
      { numRuns: 1000 }
    )
  })
})

describe("LinkWorker training-due list", () => {
  it("lists missing training and commitments, due and overdue refreshers; overdue first; inactive left out", () => {
    const at = F.t0
    const workers = [
      F.linkWorker({ id: "a" as never, basicTrainingCompletedAt: Instant.plusMillis(at, -380 * day) }), // overdue
      F.linkWorker({ id: "b" as never, basicTrainingCompletedAt: Instant.plusMillis(at, -350 * day) }), // due in ~15 d
      F.linkWorker({ id: "c" as never, basicTrainingCompletedAt: Instant.plusMillis(at, -100 * day) }), // fine
      F.linkWorker({ id: "d" as never, active: false, basicTrainingCompletedAt: Instant.plusMillis(at, -500 * day) })
    ]
    const untrained = { ...F.linkWorker({ id: "e" as never }) }
    delete (untrained as { basicTrainingCompletedAt?: string }).basicTrainingCompletedAt
    const rows = LinkWorker.trainingDue([...workers, untrained], { at, policy, withinDays: 30 })
    expect(rows.map((r) => [r.linkWorkerId, r.kind, r.overdue])).toEqual([
      ["e", "basic-training", true],
      ["a", "refresher", true],
      ["b", "refresher", false]
    ])
  })

  it("Sodankylä's shorter refresher interval (continuity of training) puts more on the list", () => {
    const worker = F.linkWorker({ basicTrainingCompletedAt: Instant.plusMillis(F.t0, -200 * day) })
    expect(LinkWorker.trainingDue([worker], { at: F.t0, policy: Presets.kemijarvi.linkWorkers })).toEqual([])
    expect(LinkWorker.trainingDue([worker], { at: F.t0, policy: Presets.sodankyla.linkWorkers })).toMatchObject([
      { kind: "refresher", overdue: true }
    ])
  })
})
