import { describe, expect, it } from "@effect/vitest"
import { Mailer } from "@lahete/core"
import { MailerTest } from "@lahete/testing"
import { Context, Effect, Layer } from "effect"

/** What the in-memory sender recorded, provided beside it by the same layer. */
class Sent extends Context.Service<Sent, Effect.Effect<ReadonlyArray<Mailer.Mail>>>()(
  "@lahete/core/test/MailerMemory/Sent"
) {}

const layer = Layer.unwrap(
  Effect.map(Mailer.makeMemory, (memory) =>
    Layer.merge(Layer.succeed(Mailer.Mailer, memory), Layer.succeed(Sent, memory.sent))
  )
)

MailerTest.suite("memory", layer, {
  received: Sent.use((sent) => sent),
  // a sender that refuses everything: checks the error's shape through the suite
  failing: {
    layer: Layer.succeed(Mailer.Mailer, {
      send: (m) => Effect.fail(new Mailer.MailSendError({ id: m.id, reason: "unauthorized", retryable: false }))
    }),
    reason: "unauthorized"
  }
})

MailerTest.suite("memory (layerMemory, receipts only)", Mailer.layerMemory)

describe("Mailer.makeMemory", () => {
  it.effect("records the first mail of an id and returns the first receipt for a repeat", () =>
    Effect.gen(function* () {
      const memory = yield* Mailer.makeMemory
      const mail = { id: "m1", to: ["a@example.fi"], subject: "s", text: "a" }
      const first = yield* memory.send(mail)
      const again = yield* memory.send({ ...mail, text: "b" })
      expect(again).toEqual(first)
      expect(yield* memory.sent).toEqual([mail])
    })
  )
})
