import { describe, expect, it } from "@effect/vitest"
import { ReferralService, ReferralStore, Text } from "@lahete/core"
import { Arbitraries, Fixtures } from "@lahete/testing"
import { Effect, Layer, Result, Schema } from "effect"
import * as fc from "fast-check"

/** A command as plain JSON, with the value at `path` replaced. */
const withValue = (command: unknown, path: ReadonlyArray<string>, value: unknown): unknown => {
  const copy = JSON.parse(JSON.stringify(command)) as Record<string, unknown>
  let at: Record<string, unknown> = copy
  for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>
  at[path[path.length - 1] as string] = value
  return copy
}

const submit = Fixtures.submit({
  client: { ...Fixtures.submit().client, mobileNumber: "040 123 4567" }
})

/** Every text field of the commands: the command, where, the field's maximum, whether it takes line breaks. */
const fields = [
  { command: submit, path: ["client", "givenName"], max: Text.maxNameLength, lines: false },
  { command: submit, path: ["client", "familyName"], max: Text.maxNameLength, lines: false },
  { command: submit, path: ["client", "personalIdentityCode"], max: Text.maxCodeLength, lines: false },
  { command: submit, path: ["client", "mobileNumber"], max: Text.maxCodeLength, lines: false },
  { command: submit, path: ["reasonText"], max: Text.maxReasonLength, lines: true },
  { command: Fixtures.close(), path: ["feedback"], max: Text.maxFeedbackLength, lines: true },
  {
    command: Fixtures.updateContact({ mobileNumber: "040 123 4567" }),
    path: ["mobileNumber"],
    max: Text.maxCodeLength,
    lines: false
  }
] as const

const valueAt = (command: unknown, path: ReadonlyArray<string>): string =>
  path.reduce((v, k) => (v as Record<string, unknown>)[k], command as unknown) as string

const isSingleLine = Schema.is(Text.SingleLine(100))
const isMultiLine = Schema.is(Text.MultiLine(100))

describe("Text", () => {
  it("accepts a text exactly when it is within its length and problem() finds nothing", () =>
    fc.assert(
      fc.property(
        fc
          .array(
            fc.oneof(
              fc.constantFrom("\n", "\r", "\t", "\u0000", "\u202e", "\u2066", "\ud800", "\udfff"),
              fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCodePoint(c)),
              fc.integer({ min: 0, max: 0x10ffff }).map((c) => String.fromCodePoint(c))
            ),
            { maxLength: 120 }
          )
          .map((parts) => parts.join("")),
        fc.boolean(),
        (s, lines) => {
          const clean = s.length >= 1 && s.length <= 100 && Text.problem(s, lines) === undefined
          expect((lines ? isMultiLine : isSingleLine)(s)).toBe(clean)
        }
      ),
      { numRuns: 2000 }
    ))

  it("line breaks only where a field allows them; names, accents and emoji are text", () => {
    for (const ok of ["Aino", "Åsa-Märta", "Ngũgĩ wa Thiong'o", "Sámi: Ánde", "Zoë 😀", "O’Brien"]) {
      expect(Text.problem(ok, false)).toBe(undefined)
    }
    expect(Text.problem("first line\nsecond\r\nthird", true)).toBe(undefined)
    expect(Text.problem("Ai\nno", false)).toBe("contains a control character")
    expect(Text.problem("tab\there", true)).toBe("contains a control character (only line breaks are allowed)")
    expect(Text.problem("\u202eonia", false)).toMatch(/bidirectional/)
    expect(Text.problem("x\ud800", false)).toMatch(/unpaired surrogate/)
    expect(Text.problem("x\ud83d\ude00", false)).toBe(undefined)
  })

  it("hostile text in any text field of a command: MalformedCommand naming the field, never the value", () =>
    fc.assert(
      fc.property(
        fc.constantFrom(...fields).chain((field) =>
          Arbitraries.hostileText(valueAt(field.command, field.path), { maxLength: field.max }).map((h) => ({
            field,
            ...h
          }))
        ),
        ({ field, text }) => {
          const decoded = ReferralService.decode(withValue(field.command, field.path, text))
          if (Result.isSuccess(decoded)) throw new Error(`accepted hostile ${field.path.join(".")}`)
          expect(decoded.failure.issues.map((i) => i.path)).toEqual([field.path.join(".")])
          const said = JSON.stringify(decoded.failure) + decoded.failure.message
          expect(said).not.toContain(valueAt(field.command, field.path))
          expect(said).not.toContain(text)
        }
      ),
      { numRuns: 500 }
    ))

  it.effect("the service refuses hostile text and the store is unchanged", () =>
    Effect.gen(function* () {
      const service = yield* ReferralService.ReferralService
      const store = yield* ReferralStore.ReferralStore
      const samples = fc.sample(
        fc
          .constantFrom(...fields.filter((f) => f.command === submit))
          .chain((field) =>
            Arbitraries.hostileText(valueAt(submit, field.path), { maxLength: field.max }).map((h) => ({ field, ...h }))
          ),
        100
      )
      for (const { field, text } of samples) {
        const error = yield* Effect.flip(service.executeUnknown(withValue(submit, field.path, text)))
        expect(error._tag).toBe("MalformedCommand")
      }
      expect(yield* store.referralIds()).toEqual([])
      expect((yield* service.executeUnknown(JSON.parse(JSON.stringify(submit)))).replayed).toBe(false)
    }).pipe(Effect.provide(Layer.fresh(ReferralService.layerMemory())))
  )
})
