import { describe, expect, it } from "@effect/vitest"
import { Instant, LinkWorker, LinkWorkerRegistry, Presets } from "@lahete/core"
import { Fixtures } from "@lahete/testing"
import { Effect, Layer } from "effect"

const policy = Presets.kemijarvi.linkWorkers

describe("LinkWorkerRegistry (in memory)", () => {
  // the port's behaviour is the conformance suite's (LinkWorkerRegistryMemory.test.ts); here: the initial entries
  it.effect(
    "starts from the given entries in their order, on every build, and refuses an entry not matching the schema",
    () =>
      Effect.gen(function* () {
        const initial = [Fixtures.otherLinkWorker(), Fixtures.linkWorker()]
        const layer = LinkWorkerRegistry.layerMemory(initial)
        const listed = LinkWorkerRegistry.LinkWorkerRegistry.use((registry) => registry.list())
        yield* LinkWorkerRegistry.LinkWorkerRegistry.use((registry) =>
          registry.put(Fixtures.linkWorker({ id: Fixtures.coordinator.id }))
        ).pipe(Effect.provide(Layer.fresh(layer)))
        expect(yield* listed.pipe(Effect.provide(Layer.fresh(layer)))).toEqual(initial)

        const error = yield* Effect.flip(LinkWorkerRegistry.makeMemory([Fixtures.linkWorker({ capacity: -1 })]))
        expect(error).toMatchObject({ _tag: "LinkWorkerRegistryFailure", operation: "make" })
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
