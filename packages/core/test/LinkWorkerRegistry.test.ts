import { describe, expect, it } from "@effect/vitest"
import { Instant, LinkWorker, LinkWorkerRegistry, Presets } from "@lahete/core"
import { Fixtures } from "@lahete/testing"
import { Effect, Option } from "effect"

const policy = Presets.kemijarvi.linkWorkers

describe("LinkWorkerRegistry (in memory)", () => {
  it.effect("puts, replaces, gets and lists link workers in the order first put", () =>
    Effect.gen(function* () {
      const registry = yield* LinkWorkerRegistry.makeMemory()
      expect(yield* registry.list()).toEqual([])
      expect(Option.isNone(yield* registry.get(Fixtures.linkWorkerActor.id))).toBe(true)

      yield* registry.put(Fixtures.linkWorker())
      yield* registry.put(Fixtures.otherLinkWorker())
      const replaced = Fixtures.linkWorker({ capacity: 2, areas: ["Kemijärvi", "Pelkosenniemi"] })
      yield* registry.put(replaced)

      expect(Option.getOrUndefined(yield* registry.get(Fixtures.linkWorkerActor.id))).toEqual(replaced)
      expect(yield* registry.list()).toEqual([replaced, Fixtures.otherLinkWorker()])
    })
  )

  it.effect("updates an entry atomically, and reports an unknown id as none", () =>
    Effect.gen(function* () {
      const registry = yield* LinkWorkerRegistry.makeMemory([Fixtures.linkWorker()])
      const refresher = Fixtures.at(1)
      const addRefresher = (w: LinkWorker.LinkWorker) => ({
        ...w,
        refresherTrainings: [...w.refresherTrainings, refresher]
      })
      yield* Effect.all(
        Array.from({ length: 5 }, () => registry.update(Fixtures.linkWorkerActor.id, addRefresher)),
        { concurrency: "unbounded" }
      )
      const updated = Option.getOrUndefined(yield* registry.get(Fixtures.linkWorkerActor.id))
      expect(updated?.refresherTrainings).toHaveLength(5)
      expect(Option.isNone(yield* registry.update(Fixtures.otherLinkWorkerActor.id, addRefresher))).toBe(true)
      expect(yield* registry.list()).toHaveLength(1)
    })
  )

  it.effect("refuses entries that do not match the schema, and changes of id, writing nothing", () =>
    Effect.gen(function* () {
      const registry = yield* LinkWorkerRegistry.makeMemory([Fixtures.linkWorker()])
      const bad = { ...Fixtures.otherLinkWorker(), capacity: -1 }
      const e1 = yield* Effect.flip(registry.put(bad))
      expect(e1._tag).toBe("LinkWorkerRegistryFailure")
      expect(Option.isNone(yield* registry.get(Fixtures.otherLinkWorkerActor.id))).toBe(true)

      const e2 = yield* Effect.flip(
        registry.update(Fixtures.linkWorkerActor.id, (w) => ({ ...w, id: Fixtures.otherLinkWorkerActor.id }))
      )
      expect(e2.detail).toContain("id")
      const e3 = yield* Effect.flip(registry.update(Fixtures.linkWorkerActor.id, (w) => ({ ...w, capacity: 1.5 })))
      expect(e3._tag).toBe("LinkWorkerRegistryFailure")
      expect(yield* registry.list()).toEqual([Fixtures.linkWorker()])
    })
  )

  it.effect("gives the coordinator's training-due list over the registry", () =>
    Effect.gen(function* () {
      const untrained = Fixtures.otherLinkWorker()
      const { basicTrainingCompletedAt: _, ...rest } = untrained
      const workers = [
        Fixtures.linkWorker(),
        rest,
        Fixtures.otherLinkWorker({ id: Fixtures.coordinator.id, active: false })
      ]
      // late enough that the first worker's refresher (after basic training on 2025-10-01) is overdue
      const at = Instant.make(Date.parse("2027-06-01T08:00:00.000Z"))
      const due = yield* LinkWorkerRegistry.trainingDue({ at, policy }).pipe(
        Effect.provide(LinkWorkerRegistry.layerMemory(workers))
      )
      expect(due).toEqual(LinkWorker.trainingDue(workers, { at, policy }))
      expect(due.map((d) => d.linkWorkerId)).not.toContain(Fixtures.coordinator.id)
      expect(
        due.some((d) => d.linkWorkerId === Fixtures.linkWorkerActor.id && d.kind === "refresher" && d.overdue)
      ).toBe(true)
      expect(due.some((d) => d.linkWorkerId === Fixtures.otherLinkWorkerActor.id && d.kind === "basic-training")).toBe(
        true
      )
    })
  )
})
