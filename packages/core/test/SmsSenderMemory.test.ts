import { describe, expect, it } from "@effect/vitest"
import { SmsSender } from "@lahete/core"
import { SmsSenderTest } from "@lahete/testing"
import { Context, Effect, Layer } from "effect"

/** What the in-memory sender recorded, provided beside it by the same layer. */
class Sent extends Context.Service<Sent, Effect.Effect<ReadonlyArray<SmsSender.SmsMessage>>>()(
  "@lahete/core/test/SmsSenderMemory/Sent"
) {}

const layer = Layer.unwrap(
  Effect.map(SmsSender.makeMemory, (memory) =>
    Layer.merge(Layer.succeed(SmsSender.SmsSender, memory), Layer.succeed(Sent, memory.sent))
  )
)

SmsSenderTest.suite("memory", layer, {
  received: Sent.use((sent) => sent),
  // a sender that refuses everything: checks the error's shape through the suite
  failing: {
    layer: Layer.succeed(SmsSender.SmsSender, {
      send: (m) => Effect.fail(new SmsSender.SmsSendError({ id: m.id, reason: "unauthorized", retryable: false }))
    }),
    reason: "unauthorized"
  }
})

SmsSenderTest.suite("memory (layerMemory, receipts only)", SmsSender.layerMemory)

describe("SmsSender.makeMemory", () => {
  it.effect("records the first message of an id and returns the first receipt for a repeat", () =>
    Effect.gen(function* () {
      const memory = yield* SmsSender.makeMemory
      const first = yield* memory.send({ id: "m1", to: "+358401234567", text: "a" })
      const again = yield* memory.send({ id: "m1", to: "+358401234567", text: "b" })
      expect(again).toEqual(first)
      expect(yield* memory.sent).toEqual([{ id: "m1", to: "+358401234567", text: "a" }])
    })
  )
})
