import { describe, expect, it } from "@effect/vitest"
import { Ids, Instant, ReferralService, ReferralStore } from "@lahete/core"
import { Fixtures } from "@lahete/testing"
import { Effect, Layer, Result, Schema } from "effect"
import * as fc from "fast-check"

const decode = Schema.decodeUnknownResult(Instant.InstantSchema)
const encode = Schema.encodeSync(Instant.InstantSchema)
const decoded = (s: unknown): string | undefined => Result.getOrUndefined(decode(s))

/** `ms` written as an RFC 3339 date-time at the given offset (minutes east of UTC) with `digits` fraction digits. */
const written = (ms: number, offsetMinutes: number, digits: number, extraDigits: string): string => {
  const local = new Date(ms + offsetMinutes * 60_000).toISOString() // the wall clock at that offset, as if UTC
  const fraction = digits === 0 ? "" : `.${(local.slice(20, 23) + extraDigits).slice(0, digits)}`
  const sign = offsetMinutes < 0 ? "-" : "+"
  const abs = Math.abs(offsetMinutes)
  const offset =
    offsetMinutes === 0 && digits % 2 === 0
      ? "Z"
      : `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`
  return `${local.slice(0, 19)}${fraction}${offset}`
}

describe("Instant", () => {
  it("accepts Z and offsets, with or without a fraction, as the same canonical instant", () => {
    const forms = [
      "2026-03-02T07:00:00Z",
      "2026-03-02T07:00:00.000Z",
      "2026-03-02T07:00:00.0Z",
      "2026-03-02T07:00:00.000000000Z",
      "2026-03-02T09:00:00+02:00",
      "2026-03-02T09:00:00.000+02:00",
      "2026-03-02T02:30:00-04:30",
      "2026-03-02T07:00:00+00:00",
      "2026-03-02T07:00:00-00:00",
      "2026-03-02t07:00:00z"
    ]
    for (const form of forms) {
      expect(decoded(form), form).toBe("2026-03-02T07:00:00.000Z")
      expect(Instant.parse(form), form).toBe("2026-03-02T07:00:00.000Z")
    }
  })

  it("normalises any instant written at any offset with any fraction to the canonical form (truncating below a millisecond)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse("1970-01-01T00:00:00Z"), max: Date.parse("2100-01-01T00:00:00Z") }),
        fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }),
        fc.integer({ min: 0, max: 9 }),
        fc.stringMatching(/^\d{6}$/),
        (ms, offset, digits, extra) => {
          const text = written(ms, offset, digits, extra)
          const kept = digits >= 3 ? ms : ms - (ms % 10 ** (3 - digits))
          expect(decoded(text)).toBe(new Date(kept).toISOString())
          expect(Instant.parse(text)).toBe(new Date(kept).toISOString())
        }
      )
    )
  })

  it("encodes the canonical form, and a canonical instant decodes unchanged", () => {
    const at = Instant.make(Date.parse("2026-03-02T07:00:00Z"))
    expect(encode(at)).toBe("2026-03-02T07:00:00.000Z")
    expect(decoded(at)).toBe(at)
    // the decoded value is the canonical one, so it sorts with stored instants
    expect(Schema.is(Instant.InstantSchema)("2026-03-02T09:00:00+02:00")).toBe(false)
  })

  it("refuses what is not an RFC 3339 date-time with a zone", () => {
    const bad = [
      "2026-03-02T07:00:00", // no zone: local time of where?
      "2026-03-02T07:00Z", // no seconds
      "2026-03-02", // a date
      "2026-03-02 07:00:00Z", // space
      "2026-02-30T07:00:00Z", // no such day
      "2025-02-29T07:00:00Z", // not a leap year
      "2026-13-01T07:00:00Z",
      "2026-03-02T24:00:00Z",
      "2026-03-02T07:60:00Z",
      "2016-12-31T23:59:60Z", // a leap second has no millisecond of its own
      "2026-03-02T07:00:00+2:00",
      "2026-03-02T07:00:00+0200",
      "2026-03-02T07:00:00+24:00",
      "2026-03-02T07:00:00.Z",
      "1772434800000",
      ""
    ]
    for (const s of bad) {
      expect(decoded(s), s).toBeUndefined()
      expect(Instant.parse(s), s).toBeUndefined()
    }
    expect(decoded(1772434800000)).toBeUndefined()
    expect(Instant.parse("2024-02-29T12:00:00+01:00")).toBe("2024-02-29T11:00:00.000Z")
    // years below 100 are years below 100 (Date.UTC would read them as 19xx)
    expect(Instant.parse("0050-03-02T09:00:00+02:00")).toBe("0050-03-02T07:00:00.000Z")
    expect(Instant.parse("0100-01-01T01:00:00+02:00")).toBe("0099-12-31T23:00:00.000Z")
  })

  it("isInstant agrees with the round trip through Date on any canonical-looking string", () => {
    const reference = (s: string) => {
      const ms = Date.parse(s)
      return (
        /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(s) &&
        Number.isFinite(ms) &&
        new Date(ms).toISOString() === s
      )
    }
    // every field around its edges: month 0–13, day 0–32, hour 0–24, minute and second 0–60, leap years
    const d = (min: number, max: number, width = 2) =>
      fc.integer({ min, max }).map((n) => String(n).padStart(width, "0"))
    fc.assert(
      fc.property(
        fc.tuple(d(1895, 2105, 4), d(0, 13), d(0, 32), d(0, 24), d(0, 60), d(0, 60), d(0, 999, 3)),
        ([y, mo, day, h, mi, sec, ms]) => {
          const s = `${y}-${mo}-${day}T${h}:${mi}:${sec}.${ms}Z`
          expect(Instant.isInstant(s), s).toBe(reference(s))
        }
      ),
      { numRuns: 5000 }
    )
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse("0000-01-01T00:00:00Z"), max: Date.parse("9999-12-31T23:59:59Z") }),
        (ms) => {
          expect(Instant.isInstant(new Date(ms).toISOString())).toBe(true)
        }
      )
    )
  })

  it("fromIso also takes a date-time without seconds", () => {
    expect(Instant.fromIso("2026-03-02T09:00+02:00")).toBe("2026-03-02T07:00:00.000Z")
    expect(Instant.fromIso("2026-03-02T07:00:00.5Z")).toBe("2026-03-02T07:00:00.500Z")
    expect(Instant.fromIso("2026-02-30T07:00Z")).toBeUndefined()
    expect(Instant.fromIso("2026-03-02T07:00")).toBeUndefined()
  })

  it("says format: date-time in its JSON Schema", () => {
    const document = Schema.toJsonSchemaDocument(Schema.Struct({ at: Instant.InstantSchema }))
    expect(JSON.stringify(document)).toContain('"format":"date-time"')
  })
})

describe("ReferralService.executeUnknown", () => {
  /** A command as JSON input, with its times written as given. */
  const input = (command: object, times: Record<string, string>) => ({
    ...JSON.parse(JSON.stringify(command)),
    ...times
  })

  it.effect("accepts a command's times with Z or an offset and stores the same canonical instants", () =>
    Effect.gen(function* () {
      // the same commands in two fresh services: once with Z times, once with offsets
      const run = (zulu: boolean) =>
        Effect.gen(function* () {
          const service = yield* ReferralService.ReferralService
          const store = yield* ReferralStore.ReferralStore
          const id = "referral-1"
          const referralId = Schema.decodeSync(Ids.ReferralId)(id)
          const key = (k: string) => Schema.decodeSync(Ids.IdempotencyKey)(`${id}-${k}`)
          const submit = Fixtures.submit({ referralId, idempotencyKey: key("submit") })
          const consents = submit.consents.map((c) => ({
            ...c,
            ...(c.purpose === "proxy-measure"
              ? {}
              : { expiresAt: zulu ? "2027-03-02T07:00:00Z" : "2027-03-02T09:00:00+02:00" })
          }))
          yield* service.executeUnknown(
            input(submit, { at: zulu ? "2026-03-02T07:00:00Z" : "2026-03-02T09:00:00+02:00", consents } as never)
          )
          yield* service.executeUnknown(
            input(Fixtures.assign({ referralId, idempotencyKey: key("assign") }), {
              at: zulu ? "2026-03-02T09:00:00.5Z" : "2026-03-02T11:00:00.500+02:00"
            })
          )
          yield* service.executeUnknown(
            input(Fixtures.scheduleCall({ referralId, idempotencyKey: key("call") }), {
              at: zulu ? "2026-03-02T11:00:00.000000Z" : "2026-03-02T06:00:00-05:00",
              callAt: zulu ? "2026-03-03T09:00:00Z" : "2026-03-03T11:00:00+02:00"
            })
          )
          return (yield* store.load(referralId)).events
        }).pipe(Effect.provide(Layer.fresh(ReferralService.layerMemory({ linkWorkers: [Fixtures.linkWorker()] }))))
      const zulu = yield* run(true)
      const offset = yield* run(false)
      expect(offset).toEqual(zulu)
      expect([...new Set(zulu.map((e) => e.at))]).toEqual([
        "2026-03-02T07:00:00.000Z",
        "2026-03-02T09:00:00.500Z",
        "2026-03-02T11:00:00.000Z"
      ])
      const scheduled = zulu.find((e) => e._tag === "CallScheduled")
      expect(scheduled !== undefined && "callAt" in scheduled && scheduled.callAt).toBe("2026-03-03T09:00:00.000Z")
      expect(JSON.stringify(zulu)).toContain('"expiresAt":"2027-03-02T07:00:00.000Z"')
    })
  )
})
