/**
 * The conformance suite for `SmsSender` layers. Every adapter runs it (the
 * in-memory sender in `@lahete/core`, the provider adapters):
 *
 * ```ts
 * import { SmsSenderTest } from "@lahete/testing"
 *
 * // `received` reads what the (fake or real) provider got, in the same
 * // context as the layer (it may need a service the layer also provides)
 * SmsSenderTest.suite("my provider", layer, { received: fakeServer.received })
 * ```
 *
 * The suite builds the layer afresh for every test (`Layer.fresh`). Message
 * ids are unique per test run, so `received` may return everything the server
 * ever got (other tests' messages included): the suite looks only at its own
 * ids.
 *
 * Covered: a send's receipt names the message's id; the message arrives once
 * with its number and text unchanged (Finnish, Sámi, the euro sign, a line
 * break); the same id sent twice, one after the other or at the same time,
 * reaches the recipient once and both sends succeed naming the id; different
 * ids with the same number and text all arrive (deduplication is by id, never
 * by content); a burst of messages sent concurrently each arrive once; with a
 * `failing` layer, a send fails with `SmsSendError` naming the id and the
 * number and text appear nowhere in the error.
 *
 * Without `received` only the receipts are checked.
 *
 * @since 0.1.0
 */
import { describe, expect, it } from "@effect/vitest"
import { SmsSender } from "@lahete/core"
import { Effect, Layer } from "effect"

/**
 * One message as the provider received it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Received {
  readonly id: string
  readonly to: string
  readonly text: string
}

/**
 * What an adapter's test gives the suite besides the layer.
 *
 * - `received`: everything the provider received so far (the fake server's
 *   record, or the in-memory sender's `sent`); run in the layer's context.
 * - `failing`: a layer whose sends fail (e.g. wrong credentials, a server that
 *   answers 500), and optionally the `reason` the failure must carry.
 * - `to`: the recipient number the suite uses (E.164), `+358401234567` by
 *   default.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options<R> {
  readonly received?: Effect.Effect<ReadonlyArray<Received>, unknown, R>
  readonly failing?: {
    readonly layer: Layer.Layer<SmsSender.SmsSender, unknown>
    readonly reason?: SmsSender.SmsSendError["reason"]
  }
  readonly to?: string
}

let counter = 0
const runId = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`
const freshId = (label: string): string => `sms-${label}-${runId}-${++counter}`

/**
 * Runs the conformance suite against a layer.
 *
 * @since 0.1.0
 * @category suites
 */
export const suite = <E, R = never>(
  name: string,
  layer: Layer.Layer<SmsSender.SmsSender | R, E>,
  options: Options<R> = {}
): void => {
  const to = options.to ?? "+358401234567"
  const run = <A, E2>(body: Effect.Effect<A, E2, SmsSender.SmsSender | R>): Effect.Effect<A, unknown> =>
    body.pipe(Effect.provide(Layer.fresh(layer)))

  const send = (message: SmsSender.SmsMessage) => SmsSender.SmsSender.use((s) => s.send(message))

  /** The received messages with this id (all of them, when `received` is not given: none checked). */
  const receivedWith = (id: string): Effect.Effect<ReadonlyArray<Received> | undefined, unknown, R> =>
    options.received === undefined
      ? Effect.succeed(undefined)
      : Effect.map(options.received, (all) => all.filter((m) => m.id === id))

  describe(`SmsSender conformance: ${name}`, () => {
    it.effect("a sent message's receipt names its id, and the message arrives once unchanged", () =>
      run(
        Effect.gen(function* () {
          const id = freshId("one")
          const text = "Hyvinvointilähete: Sinulle soitetaan. Puhelun aika: maanantai 2.3.2026 klo 9.00."
          const receipt = yield* send({ id, to, text })
          expect(receipt.id).toBe(id)
          expect(receipt.providerId.length).toBeGreaterThan(0)
          expect(["accepted", "delivered"]).toContain(receipt.status)
          const got = yield* receivedWith(id)
          if (got !== undefined) expect(got).toEqual([{ id, to, text }])
        })
      )
    )

    it.effect("keeps Sámi letters, the euro sign and line breaks", () =>
      run(
        Effect.gen(function* () {
          const id = freshId("unicode")
          const text = "Mii riŋget dutnje. Áigi: vuossárga 2.3.2026 dii. 9.00.\nÅäö € {}[]"
          const receipt = yield* send({ id, to, text })
          expect(receipt.id).toBe(id)
          const got = yield* receivedWith(id)
          if (got !== undefined) expect(got).toEqual([{ id, to, text }])
        })
      )
    )

    it.effect("the same id sent twice reaches the recipient once", () =>
      run(
        Effect.gen(function* () {
          const id = freshId("twice")
          const first = yield* send({ id, to, text: "first" })
          const second = yield* send({ id, to, text: "first" })
          expect(first.id).toBe(id)
          expect(second.id).toBe(id)
          const got = yield* receivedWith(id)
          if (got !== undefined) expect(got).toEqual([{ id, to, text: "first" }])
        })
      )
    )

    it.effect("the same id sent concurrently reaches the recipient once", () =>
      run(
        Effect.gen(function* () {
          const id = freshId("concurrent")
          const receipts = yield* Effect.forEach([1, 2, 3, 4, 5], () => send({ id, to, text: "once" }), {
            concurrency: "unbounded"
          })
          for (const r of receipts) expect(r.id).toBe(id)
          const got = yield* receivedWith(id)
          if (got !== undefined) expect(got).toHaveLength(1)
        })
      )
    )

    it.effect("different ids with the same number and text all arrive", () =>
      run(
        Effect.gen(function* () {
          const ids = [freshId("same-a"), freshId("same-b"), freshId("same-c")]
          for (const id of ids) expect((yield* send({ id, to, text: "same text" })).id).toBe(id)
          for (const id of ids) {
            const got = yield* receivedWith(id)
            if (got !== undefined) expect(got).toEqual([{ id, to, text: "same text" }])
          }
        })
      )
    )

    it.effect("a burst of messages sent concurrently each arrive once", () =>
      run(
        Effect.gen(function* () {
          const messages = Array.from({ length: 20 }, (_, i) => ({
            id: freshId(`burst${i}`),
            to,
            text: `message ${i}`
          }))
          const receipts = yield* Effect.forEach(messages, send, { concurrency: "unbounded" })
          expect(receipts.map((r) => r.id)).toEqual(messages.map((m) => m.id))
          for (const m of messages) {
            const got = yield* receivedWith(m.id)
            if (got !== undefined) expect(got).toEqual([m])
          }
        })
      )
    )

    const failing = options.failing
    if (failing !== undefined) {
      it.effect("a failed send is an SmsSendError naming the id and nothing personal", () =>
        Effect.gen(function* () {
          const id = freshId("fail")
          const secretText = "Puhelun aika: tiistai 3.3.2026 klo 10.00 Matti Meikäläinen"
          const error = yield* SmsSender.SmsSender.use((s) => s.send({ id, to, text: secretText })).pipe(
            Effect.flip,
            Effect.provide(Layer.fresh(failing.layer))
          )
          expect(error._tag).toBe("SmsSendError")
          expect(error.id).toBe(id)
          expect(typeof error.retryable).toBe("boolean")
          if (failing.reason !== undefined) expect(error.reason).toBe(failing.reason)
          const shown = `${error.message} ${String(error)} ${JSON.stringify(error)}`
          expect(shown).not.toContain(to)
          expect(shown).not.toContain(to.replace("+", ""))
          expect(shown).not.toContain("Matti")
          expect(shown).not.toContain("Puhelun aika")
          // the id of an unsent message never shows as received
          const got = yield* receivedWith(id).pipe(Effect.provide(Layer.fresh(layer)))
          if (got !== undefined) expect(got).toEqual([])
        })
      )
    }
  })
}
