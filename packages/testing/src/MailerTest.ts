/**
 * The conformance suite for `Mailer` layers. Every adapter runs it (the
 * in-memory mailer in `@lahete/core`, SMTP in `@lahete/messaging-email`):
 *
 * ```ts
 * import { MailerTest } from "@lahete/testing"
 *
 * // `received` reads what the (test) mail server got, in the same context as
 * // the layer (it may need a service the layer also provides)
 * MailerTest.suite("SMTP", layer, { received: server.received })
 * ```
 *
 * The suite builds the layer afresh for every test (`Layer.fresh`). Mail ids
 * are unique per test run, so `received` may return everything the server
 * ever got (other tests' mail included): the suite looks only at its own ids.
 * Adapters report the id as they pass it on (SMTP: in the Message-ID, from
 * which the test server's `received` recovers it).
 *
 * Covered: a send's receipt names the mail's id and accepts every recipient;
 * the mail arrives once with its recipients, subject and text unchanged
 * (Finnish, Swedish, Sámi letters, line breaks; line ends are compared as
 * `\n` and trailing white space is ignored, as mail transport may change
 * both); the same id sent twice, one after the other or at the same time,
 * arrives once and both sends succeed naming the id; different ids with the
 * same content all arrive; a burst sent concurrently each arrive once; with a
 * `failing` layer, a send fails with `MailSendError` naming the id, and no
 * address, subject or text appears in the error.
 *
 * Without `received` only the receipts are checked.
 *
 * @since 0.1.0
 */
import { describe, expect, it } from "@effect/vitest"
import { Mailer } from "@lahete/core"
import { Effect, Layer } from "effect"

/**
 * One mail as the server received it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Received {
  readonly id: string
  readonly to: ReadonlyArray<string>
  readonly subject: string
  readonly text: string
}

/**
 * What an adapter's test gives the suite besides the layer.
 *
 * - `received`: everything the server received so far; run in the layer's
 *   context.
 * - `failing`: a layer whose sends fail (e.g. wrong password, a server that
 *   refuses), and optionally the `reason` the failure must carry.
 * - `to`: the recipients the suite uses, two by default.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options<R> {
  readonly received?: Effect.Effect<ReadonlyArray<Received>, unknown, R>
  readonly failing?: {
    readonly layer: Layer.Layer<Mailer.Mailer, unknown>
    readonly reason?: Mailer.MailSendError["reason"]
  }
  readonly to?: ReadonlyArray<string>
}

let counter = 0
const runId = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`
const freshId = (label: string): string => `mail-${label}-${runId}-${++counter}`

const normalise = (text: string): string => text.replace(/\r\n/g, "\n").trimEnd()

const sameMail = (got: Received, sent: Mailer.Mail): void => {
  expect(got.id).toBe(sent.id)
  expect([...got.to].sort()).toEqual([...sent.to].sort())
  expect(got.subject).toBe(sent.subject)
  expect(normalise(got.text)).toBe(normalise(sent.text))
}

/**
 * Runs the conformance suite against a layer.
 *
 * @since 0.1.0
 * @category suites
 */
export const suite = <E, R = never>(
  name: string,
  layer: Layer.Layer<Mailer.Mailer | R, E>,
  options: Options<R> = {}
): void => {
  const to = options.to ?? ["coordinator@kunta.example.fi", "lahete@kunta.example.fi"]
  const run = <A, E2>(body: Effect.Effect<A, E2, Mailer.Mailer | R>): Effect.Effect<A, unknown> =>
    body.pipe(Effect.provide(Layer.fresh(layer)))

  const send = (mail: Mailer.Mail) => Mailer.Mailer.use((m) => m.send(mail))

  const receivedWith = (id: string): Effect.Effect<ReadonlyArray<Received> | undefined, unknown, R> =>
    options.received === undefined
      ? Effect.succeed(undefined)
      : Effect.map(options.received, (all) => all.filter((m) => m.id === id))

  const mail = (id: string, subject = "Uusi lähete: Hyvinvointilähete"): Mailer.Mail => ({
    id,
    to,
    subject,
    text: `Hyvinvointilähete: uusi lähete on saapunut.\nAvaa lähete: https://lahete.example.fi/referrals/${id}`
  })

  describe(`Mailer conformance: ${name}`, () => {
    it.effect("a sent mail's receipt names its id, and the mail arrives once unchanged", () =>
      run(
        Effect.gen(function* () {
          const m = mail(freshId("one"))
          const receipt = yield* send(m)
          expect(receipt.id).toBe(m.id)
          expect(receipt.messageId.length).toBeGreaterThan(0)
          expect([...receipt.accepted].sort()).toEqual([...to].sort())
          expect(receipt.rejected).toEqual([])
          const got = yield* receivedWith(m.id)
          if (got !== undefined) {
            expect(got).toHaveLength(1)
            for (const g of got) sameMail(g, m)
          }
        })
      )
    )

    it.effect("keeps Swedish and Sámi letters and line breaks in subject and text", () =>
      run(
        Effect.gen(function* () {
          const id = freshId("unicode")
          const m: Mailer.Mail = {
            id,
            to,
            subject: "Ođđa dieđáhus: Välmående – åäö",
            text: "Ođđa dieđáhus lea boahtán.\nRaba dan: https://x.example/r/1\n\nÖppna remissen – ŋ š ž €"
          }
          expect((yield* send(m)).id).toBe(id)
          const got = yield* receivedWith(id)
          if (got !== undefined) {
            expect(got).toHaveLength(1)
            for (const g of got) sameMail(g, m)
          }
        })
      )
    )

    it.effect("the same id sent twice arrives once", () =>
      run(
        Effect.gen(function* () {
          const m = mail(freshId("twice"))
          expect((yield* send(m)).id).toBe(m.id)
          expect((yield* send(m)).id).toBe(m.id)
          const got = yield* receivedWith(m.id)
          if (got !== undefined) expect(got).toHaveLength(1)
        })
      )
    )

    it.effect("the same id sent concurrently arrives once", () =>
      run(
        Effect.gen(function* () {
          const m = mail(freshId("concurrent"))
          const receipts = yield* Effect.forEach([1, 2, 3, 4, 5], () => send(m), { concurrency: "unbounded" })
          for (const r of receipts) expect(r.id).toBe(m.id)
          const got = yield* receivedWith(m.id)
          if (got !== undefined) expect(got).toHaveLength(1)
        })
      )
    )

    it.effect("different ids with the same content all arrive", () =>
      run(
        Effect.gen(function* () {
          const ids = [freshId("same-a"), freshId("same-b")]
          const content = mail("fixed")
          for (const id of ids) expect((yield* send({ ...content, id })).id).toBe(id)
          for (const id of ids) {
            const got = yield* receivedWith(id)
            if (got !== undefined) {
              expect(got).toHaveLength(1)
              for (const g of got) sameMail(g, { ...content, id })
            }
          }
        })
      )
    )

    it.effect("a burst of mail sent concurrently each arrive once", () =>
      run(
        Effect.gen(function* () {
          const mails = Array.from({ length: 10 }, (_, i) => mail(freshId(`burst${i}`), `Uusi lähete ${i}`))
          const receipts = yield* Effect.forEach(mails, send, { concurrency: "unbounded" })
          expect(receipts.map((r) => r.id)).toEqual(mails.map((m) => m.id))
          for (const m of mails) {
            const got = yield* receivedWith(m.id)
            if (got !== undefined) {
              expect(got).toHaveLength(1)
              for (const g of got) sameMail(g, m)
            }
          }
        })
      )
    )

    const failing = options.failing
    if (failing !== undefined) {
      it.effect("a failed send is a MailSendError naming the id and nothing else", () =>
        Effect.gen(function* () {
          const id = freshId("fail")
          const m: Mailer.Mail = { id, to, subject: "Subject Matti", text: "Body Meikäläinen" }
          const error = yield* Mailer.Mailer.use((s) => s.send(m)).pipe(
            Effect.flip,
            Effect.provide(Layer.fresh(failing.layer))
          )
          expect(error._tag).toBe("MailSendError")
          expect(error.id).toBe(id)
          expect(typeof error.retryable).toBe("boolean")
          if (failing.reason !== undefined) expect(error.reason).toBe(failing.reason)
          const shown = `${error.message} ${String(error)} ${JSON.stringify(error)}`
          for (const address of to) {
            expect(shown).not.toContain(address)
            expect(shown).not.toContain(address.split("@")[0] ?? address)
          }
          expect(shown).not.toContain("Matti")
          expect(shown).not.toContain("Meikäläinen")
          const got = yield* receivedWith(id).pipe(Effect.provide(Layer.fresh(layer)))
          if (got !== undefined) expect(got).toEqual([])
        })
      )
    }
  })
}
