/**
 * The file/console sinks the CLI and the demo use instead of GatewayAPI and
 * SMTP: they pass the SmsSender and Mailer conformance suites (read back from
 * the file they write), print the exact text with the number masked, and
 * write an id once even across a restart on the same file.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Mailer, SmsSender } from "@lahete/core"
import { MailerTest, SmsSenderTest } from "@lahete/testing"
import { Effect, Layer } from "effect"
import { afterAll } from "vitest"
import * as Sinks from "../src/Sinks.js"

const dir = mkdtempSync(join(tmpdir(), "lahete-sinks-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const smsFile = join(dir, "out", "sms.jsonl")
const mailFile = join(dir, "out", "mail.jsonl")
const quiet = { write: () => Effect.void }

SmsSenderTest.suite("file sink", Sinks.smsLayer({ file: smsFile, console: quiet }), {
  received: Effect.map(Sinks.readSms(smsFile), (all) => all.map(({ id, to, text }) => ({ id, to, text }))),
  // a directory where the file should be: every write fails
  failing: { layer: Sinks.smsLayer({ file: dir }), reason: "provider-unavailable" }
})
SmsSenderTest.suite("console sink", Sinks.smsLayer({ console: quiet }))

MailerTest.suite("file sink", Sinks.mailLayer({ file: mailFile, console: quiet }), {
  received: Effect.map(Sinks.readMail(mailFile), (all) =>
    all.map(({ id, to, subject, text }) => ({ id, to, subject, text }))
  ),
  failing: { layer: Sinks.mailLayer({ file: dir }), reason: "unavailable" }
})
MailerTest.suite("console sink", Sinks.mailLayer({ console: quiet }))

describe("Sinks", () => {
  it.effect("print the exact text, the number masked, only the ids asked for", () =>
    Effect.gen(function* () {
      const lines: Array<string> = []
      const layer = Sinks.smsLayer({
        console: { only: (id) => id.startsWith("ref-a:"), write: (t) => Effect.sync(() => lines.push(t)) }
      })
      const text = "Hyvinvointilähete: Sinulle soitetaan. Puhelun aika: tiistai 3.3.2026 klo 13.00."
      yield* SmsSender.SmsSender.use((s) =>
        Effect.all([
          s.send({ id: "ref-a:m1", to: "+358401234567", text }),
          s.send({ id: "ref-b:m1", to: "+358401234567", text })
        ])
      ).pipe(Effect.provide(layer))
      expect(lines).toHaveLength(1)
      expect(lines[0]).toContain(`\n    ${text}`)
      expect(lines[0]).toContain("+35840•••••67")
      expect(lines[0]).not.toContain("401234567")
    })
  )

  it.effect("email: subject and every line of the text are printed", () =>
    Effect.gen(function* () {
      const lines: Array<string> = []
      yield* Mailer.Mailer.use((m) =>
        m.send({ id: "x", to: ["k@kemijarvi.example.fi"], subject: "Uusi lähete", text: "rivi 1\nrivi 2" })
      ).pipe(Effect.provide(Sinks.mailLayer({ console: { write: (t) => Effect.sync(() => lines.push(t)) } })))
      expect(lines).toEqual(["  [email to k@kemijarvi.example.fi]\n    Subject: Uusi lähete\n    rivi 1\n    rivi 2"])
    })
  )

  it.effect("a message id written before a restart is not written or printed again", () =>
    Effect.gen(function* () {
      const file = join(dir, "restart.jsonl")
      const printed: Array<string> = []
      const layer = Sinks.smsLayer({ file, console: { write: (t) => Effect.sync(() => printed.push(t)) } })
      const send = SmsSender.SmsSender.use((s) => s.send({ id: "ref-r:m1", to: "+358401234567", text: "once" }))
      yield* send.pipe(Effect.provide(Layer.fresh(layer)))
      yield* send.pipe(Effect.provide(Layer.fresh(layer)))
      expect((yield* Sinks.readSms(file)).map((r) => r.id)).toEqual(["ref-r:m1"])
      expect(printed).toHaveLength(1)
    })
  )

  it("masks numbers of any length", () => {
    expect(Sinks.maskNumber("+358401234567")).toBe("+35840•••••67")
    expect(Sinks.maskNumber("+3585")).toBe("•••••")
  })
})
