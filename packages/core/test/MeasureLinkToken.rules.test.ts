/**
 * The measure link's token against an encoder written from the module's
 * documentation of format 1 (not from its code): every token `sign` issues is
 * exactly that layout and MAC, so a link already sent by text message keeps
 * verifying after an upgrade; a body signed with the right key but not in the
 * one canonical spelling is refused with `InvalidToken` (never a defect); the
 * key's minimum length; the token's maximum length; what cannot be signed; and
 * that no error carries the claims.
 */
// @ts-nocheck

import { createHmac } from "node:crypto"
import { describe, expect, it } from "@effect/vitest"
import { Instant, MeasureLinkToken } from "@lahete/core"
import { Effect, Exit, Redacted } from "effect"
import * as fc from "fast-check"

type Claims = MeasureLinkToken.Claims
type TimePoint = Claims["timePoint"]

const secret = "0123456789abcdef0123456789abcdef"
const key = MeasureLinkToken.key(Redacted.make(secret))
const sign = (claims: Claims): string => Effect.runSync(MeasureLinkToken.sign(key, claims))
/**
 * The claims a token verifies to at `now`, or `undefined` when it is refused.
 * A refusal must be `InvalidToken`; a defect (an exception) fails the test.
 */
const verify = (token: unknown, now: Instant.Instant): Claims | undefined => {
  const exit = Effect.runSyncExit(MeasureLinkToken.verify(key, token as string, { now }))
  if (Exit.isSuccess(exit)) return exit.value
  const failure = exit.cause.reasons.find((r) => r._tag === "Fail")
  expect(failure, "a refusal is a typed failure, not a defect").toBeDefined()
  expect(failure.error._tag).toBe("InvalidToken")
  return undefined
}

// ---- format 1, from the module's documentation ----

const timePoints: ReadonlyArray<TimePoint> = ["baseline", "end", "follow-up"]
const lowerUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const suffix = ":measure-link-sms"
const varint = (n: number): Array<number> => {
  const out: Array<number> = []
  let rest = n
  while (rest >= 128) {
    out.push((rest % 128) + 128)
    rest = Math.floor(rest / 128)
  }
  out.push(rest)
  return out
}
const text = (s: string): Array<number> => {
  const bytes = [...Buffer.from(s, "utf8")]
  return [...varint(bytes.length), ...bytes]
}
const uuid16 = (u: string): Array<number> => [...Buffer.from(u.replaceAll("-", ""), "hex")]
const be32 = (n: number): Array<number> => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]

/** The link's form and bytes: 0 the scheduler's message number, 1 a UUID key, 2 another key, 3 the id as text. */
const link = (c: Claims): [number, Array<number>] => {
  const r = c.referralId
  const head = `${r}:measure-link:${c.timePoint}:`
  const tail = `:${r}${suffix}`
  if (c.tokenId.startsWith(head) && c.tokenId.endsWith(tail)) {
    const middle = c.tokenId.slice(head.length, c.tokenId.length - tail.length)
    // a message number in its one decimal spelling (up to nine digits, as the scheduler writes them)
    if (c.tokenId.length >= head.length + tail.length && /^(0|[1-9][0-9]{0,8})$/.test(middle))
      return [0, varint(Number(middle))]
  }
  if (c.tokenId.length > r.length + 1 + suffix.length && c.tokenId.startsWith(`${r}:`) && c.tokenId.endsWith(suffix)) {
    const k = c.tokenId.slice(r.length + 1, c.tokenId.length - suffix.length)
    return lowerUuid.test(k) ? [1, uuid16(k)] : [2, text(k)]
  }
  return [3, text(c.tokenId)]
}
const documentedBody = (c: Claims): Uint8Array => {
  const uuid = lowerUuid.test(c.referralId)
  const [form, bytes] = link(c)
  const flags = timePoints.indexOf(c.timePoint) | (uuid ? 4 : 0) | (form << 3)
  const seconds = Math.ceil(Date.parse(c.expiresAt) / 1000)
  return Uint8Array.from([flags, ...be32(seconds), ...(uuid ? uuid16(c.referralId) : text(c.referralId)), ...bytes])
}
const documentedMac = (body: Uint8Array, s: string = secret): Buffer =>
  createHmac("sha256", s).update("lahete:measure-link:1").update(body).digest().subarray(0, 16)
/** A token with the documented MAC over any body. */
const macd = (body: Uint8Array | Array<number>): string => {
  const b = Uint8Array.from(body)
  return `1${Buffer.concat([b, documentedMac(b)]).toString("base64url")}`
}
const documentedToken = (c: Claims): string => macd(documentedBody(c))

// ---- claims of every shape ----

const idText = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/)
/** Almost UUIDs: a character more before or after, upper case, without a hyphen, a non-hex digit. */
const nearUuid = fc
  .tuple(fc.uuid(), fc.constantFrom("x", "0", "-", "A", "g"))
  .chain(([u, ch]) =>
    fc.constantFrom(`${ch}${u}`, `${u}${ch}`, u.toUpperCase(), u.replace("-", ""), `${u.slice(0, 35)}g`, u)
  )
const referralId = fc.oneof(fc.uuid(), nearUuid, idText, fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 }))
const timePoint = fc.constantFrom(...timePoints)
const expiresAt = fc
  .oneof(
    fc.integer({ min: 0, max: 0xffff_ffff * 1000 }),
    fc.integer({ min: 0, max: 1000 }),
    fc.integer({ min: Date.parse("2026-01-01T00:00:00Z"), max: Date.parse("2027-01-01T00:00:00Z") })
  )
  .map((ms) => Instant.make(ms))
/** Message numbers at the varint's and the decimal spelling's edges. */
const messageNumber = fc.oneof(
  fc.constantFrom(0, 1, 9, 10, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152, 999_999_999, 1_000_000_000),
  fc.nat({ max: 2_000_000_000 })
)
/** Texts whose UTF-8 length is at a varint edge (127, 128 bytes and the like). */
const edgeText = fc
  .constantFrom(127, 128, 129, 255, 256)
  .chain((n) => fc.constantFrom("k".repeat(n), `ä${"k".repeat(n - 2)}`))
const claims: fc.Arbitrary<Claims> = fc
  .record({ referralId, timePoint, expiresAt, n: messageNumber })
  .chain(({ referralId, timePoint, expiresAt, n }) =>
    fc
      .oneof(
        fc.constant(`${referralId}:measure-link:${timePoint}:${n}:${referralId}${suffix}`),
        fc.constantFrom(
          `${referralId}:measure-link:${timePoint}:0${n}:${referralId}${suffix}`,
          `${referralId}:measure-link:${timePoint}:${n}:other${suffix}`,
          `${referralId}:measure-link:${timePoint}:${n}:${referralId}${suffix}x`,
          `${referralId}:measure-link:${timePoints.find((t) => t !== timePoint)}:${n}:${referralId}${suffix}`,
          `${referralId}:measure-link:${timePoint}::${referralId}${suffix}`,
          `${referralId}${suffix}`,
          `${referralId}:${suffix}`,
          `${referralId}::${suffix}`,
          ""
        ),
        fc.oneof(fc.uuid(), nearUuid, idText, edgeText).map((k) => `${referralId}:${k}${suffix}`),
        idText,
        edgeText,
        fc.string({ unit: "grapheme", maxLength: 40 })
      )
      .map((tokenId): Claims => ({ tokenId, referralId, timePoint, expiresAt }))
  )
const ceilSecond = (at: Instant.Instant): Instant.Instant => Instant.make(Math.ceil(Date.parse(at) / 1000) * 1000)
const openAt = (c: Claims) => Instant.plusMillis(c.expiresAt, -1)

describe("format 1 as documented", () => {
  it("every token sign issues is the documented layout and MAC, and verifies to its claims", () => {
    fc.assert(
      fc.property(claims, (c) => {
        const token = sign(c)
        expect(token).toBe(documentedToken(c))
        expect(verify(token, openAt(c))).toEqual({ ...c, expiresAt: ceilSecond(c.expiresAt) })
      }),
      { numRuns: 3000 }
    )
  })

  it("a token made to the documentation (as an earlier release issued it) verifies; with another key's MAC it does not", () => {
    fc.assert(
      fc.property(claims, (c) => {
        expect(verify(documentedToken(c), openAt(c))).toEqual({ ...c, expiresAt: ceilSecond(c.expiresAt) })
        const body = documentedBody(c)
        const other = `1${Buffer.concat([body, documentedMac(body, `${secret}!`)]).toString("base64url")}`
        expect(verify(other, openAt(c))).toBeUndefined()
      }),
      { numRuns: 500 }
    )
  })

  it("the forms at their edges: the scheduler's n up to nine digits, a UUID key only in lower case", () => {
    const r = "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d"
    const c = (tokenId: string): Claims => ({
      tokenId,
      referralId: r,
      timePoint: "end",
      expiresAt: Instant.make(Date.parse("2026-06-15T21:00:00.000Z"))
    })
    const form = (tokenId: string) => (Buffer.from(sign(c(tokenId)).slice(1), "base64url")[0] >> 3) & 3
    expect(form(`${r}:measure-link:end:999999999:${r}${suffix}`)).toBe(0)
    expect(form(`${r}:measure-link:end:1000000000:${r}${suffix}`)).toBe(2)
    expect(form(`${r}:measure-link:end:007:${r}${suffix}`)).toBe(2)
    expect(form(`${r}:${r}${suffix}`)).toBe(1)
    expect(form(`${r}:${r.toUpperCase()}${suffix}`)).toBe(2)
    expect(form(`${r}:x${r}${suffix}`)).toBe(2)
    expect(form(`${r}:${r}x${suffix}`)).toBe(2)
    expect(form(`${r}${suffix}`)).toBe(3)
    expect(form(`x${r}:k${suffix}`)).toBe(3)
    // the scheduler's first link, as the documentation counts it
    expect(sign(c(`${r}:measure-link:end:0:${r}${suffix}`))).toHaveLength(52)
  })
})

describe("one spelling per token: a body with the right MAC but not canonical is refused, never a defect", () => {
  const r = "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d"
  const base: Claims = {
    tokenId: `${r}:measure-link:follow-up:0:${r}${suffix}`,
    referralId: r,
    timePoint: "follow-up",
    expiresAt: Instant.make(Date.parse("2026-06-15T21:00:00.000Z"))
  }
  const now = Instant.make(Date.parse("2026-06-01T09:00:00.000Z"))
  const expiry = be32(Date.parse(base.expiresAt) / 1000)

  it("the crafted bodies are refused", () => {
    const good = [...documentedBody(base)]
    expect(verify(macd(good), now)).toEqual(base)
    const cases: Record<string, Array<number>> = {
      "flags bit 5": [good[0] | 32, ...good.slice(1)],
      "flags bit 6": [good[0] | 64, ...good.slice(1)],
      "flags bit 7": [good[0] | 128, ...good.slice(1)],
      "time point 3": [(good[0] & ~3) | 3, ...good.slice(1)],
      "a byte after the link": [...good, 0],
      "the message number 0 in two bytes": [...good.slice(0, -1), 0x80, 0x00],
      "a message number in six bytes": [...good.slice(0, -1), 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
      "a message number cut short": [...good.slice(0, -1), 0x81],
      "no link": good.slice(0, -1),
      "the flags alone": good.slice(0, 1),
      "flags and expiry, nothing else": good.slice(0, 5),
      nothing: [],
      "a UUID referral written as text": [good[0] & ~4, ...good.slice(1, 5), ...text(r), 0],
      "an upper-case UUID key written as text under a UUID referral": [
        (good[0] & 7) | (2 << 3),
        ...good.slice(1, 21),
        ...text(r)
      ],
      "a text referral that is not UTF-8": [2, ...expiry, 2, 0xc3, 0x28, 0],
      "a text referral longer than the body": [2, ...expiry, 40, 0x61, 0],
      "a verbatim id in the scheduler's form": [(good[0] & 7) | (3 << 3), ...good.slice(1, 21), ...text(base.tokenId)],
      "a text referral's length in two bytes": [2, ...expiry, 0x81, 0x00, 0x61, 0],
      "a verbatim id that is not UTF-8": [2 | (3 << 3), ...expiry, 1, 0x61, 2, 0xff, 0xfe]
    }
    for (const [what, body] of Object.entries(cases)) {
      expect(verify(macd(body), now), what).toBeUndefined()
    }
  })

  it("any byte of a body changed, added or removed, and signed again, verifies only when it is the canonical body of what it says", () => {
    fc.assert(
      fc.property(
        claims.chain((c) => {
          const body = documentedBody(c)
          return fc.tuple(
            fc.constant(c),
            fc.constant(body),
            fc.nat({ max: body.length }),
            fc.integer({ min: 0, max: 255 }),
            fc.constantFrom("set", "insert", "remove", "truncate")
          )
        }),
        ([c, body, at, b, how]) => {
          const bytes = [...body]
          if (how === "set") bytes[Math.min(at, bytes.length - 1)] = b
          else if (how === "insert") bytes.splice(at, 0, b)
          else if (how === "remove") bytes.splice(Math.min(at, bytes.length - 1), 1)
          else bytes.length = at
          const got = verify(macd(bytes), Instant.make(0))
          if (got !== undefined) {
            // whatever verifies says exactly what its bytes say
            expect(Buffer.from(documentedBody(got)).equals(Buffer.from(bytes))).toBe(true)
            expect(got.expiresAt).toBe(Instant.make(Buffer.from(bytes).readUInt32BE(1) * 1000))
          } else if (Buffer.from(bytes).equals(Buffer.from(body)) && Date.parse(c.expiresAt) > 0) {
            throw new Error("the canonical body was refused")
          }
        }
      ),
      { numRuns: 3000 }
    )
  })
})

describe("the token's length", () => {
  const expires = Instant.make(Date.parse("2026-06-15T21:00:00.000Z"))
  /** A genuine token of exactly `length` characters (a verbatim link id). */
  const genuineOf = (length: number): { token: string; claims: Claims } => {
    for (let n = 1000; n < 2000; n++) {
      const c: Claims = { tokenId: "t".repeat(n), referralId: "r", timePoint: "end", expiresAt: expires }
      const token = sign(c)
      if (token.length === length) return { token, claims: c }
    }
    throw new Error(`no token of ${length} characters`)
  }

  it("a genuine token of 2048 characters verifies; one of 2049 is refused unread", () => {
    const at2048 = genuineOf(2048)
    expect(verify(at2048.token, openAt(at2048.claims))).toEqual(at2048.claims)
    const at2049 = genuineOf(2049)
    expect(at2049.token).toBe(documentedToken(at2049.claims))
    expect(verify(at2049.token, openAt(at2049.claims))).toBeUndefined()
  })

  it("what is not a string is refused as a token, not a defect", () => {
    const now = Instant.make(Date.parse("2026-06-01T09:00:00.000Z"))
    for (const t of [undefined, null, 1, 42n, {}, ["1"], { length: 10, startsWith: () => true }])
      expect(verify(t, now)).toBeUndefined()
  })
})

describe("what cannot be signed, and what errors say", () => {
  const r = "Matti Meikäläinen 010190-123A"
  const c: Claims = {
    tokenId: `${r}:measure-link-sms`,
    referralId: r,
    timePoint: "end",
    expiresAt: Instant.make(Date.parse("2026-06-15T21:00:00.000Z"))
  }
  const defect = (claims: Claims): Error => {
    try {
      sign(claims)
    } catch (e) {
      return e as Error
    }
    throw new Error("signed")
  }

  it("an expiry before 1970 or not a date, or a time point that is none, is a defect naming no claim", () => {
    const cases: Array<[Claims, string]> = [
      [{ ...c, expiresAt: "1969-12-31T23:59:59.000Z" }, "1970-2106"],
      [{ ...c, expiresAt: "1969-12-31T23:59:58.999Z" }, "1970-2106"],
      [{ ...c, expiresAt: "not an instant" }, "1970-2106"],
      [{ ...c, expiresAt: "2106-02-07T06:28:15.001Z" }, "1970-2106"],
      [{ ...c, timePoint: "halfway" }, "not a time point"],
      [{ ...c, referralId: `${r}\uD800` }, "well-formed"],
      [{ ...c, tokenId: `\uDC00${r}` }, "well-formed"]
    ]
    for (const [claims, message] of cases) {
      const e = defect(claims)
      expect(e.message).toContain(message)
      expect(e.message).not.toContain("Matti")
      expect(e.message).not.toContain("010190")
    }
  })

  it("the first and the last second a token can carry", () => {
    for (const ms of [0, 1, 999, 1000]) {
      const first = { ...c, expiresAt: Instant.make(ms) }
      expect(sign(first)).toBe(documentedToken(first))
      expect(verify(sign(first), Instant.make(-1))).toEqual({ ...first, expiresAt: ceilSecond(first.expiresAt) })
      expect(verify(sign(first), ceilSecond(first.expiresAt))).toBeUndefined()
    }
    const last = { ...c, expiresAt: Instant.make(0xffff_ffff * 1000) }
    expect(sign(last)).toBe(documentedToken(last))
    expect(verify(sign(last), Instant.make(0xffff_ffff * 1000 - 1))).toEqual(last)
  })

  it("a refused token's error is the same for every cause and carries nothing of the token", () => {
    const token = sign(c)
    const errors = [token.slice(0, -1), `${token}A`, `2${token.slice(1)}`, macd([...documentedBody(c), 0])].map((t) =>
      Effect.runSync(Effect.flip(MeasureLinkToken.verify(key, t, { now: openAt(c) })))
    )
    errors.push(Effect.runSync(Effect.flip(MeasureLinkToken.verify(key, token, { now: c.expiresAt }))))
    for (const e of errors) {
      expect(e).toBeInstanceOf(MeasureLinkToken.InvalidToken)
      expect(e.message).toBe("not a valid measure link")
      expect(JSON.stringify(e)).not.toContain("Matti")
      expect(Object.keys(e).filter((k) => k !== "_tag" && k !== "stack")).toEqual([])
    }
  })
})

describe("the key", () => {
  const make = (s: string) => Effect.runSyncExit(MeasureLinkToken.makeKey(Redacted.make(s)))

  it("needs 32 bytes of UTF-8: 31 are a WeakKey naming the count and not the secret", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 40 }), (s) => {
        const bytes = Buffer.byteLength(s, "utf8")
        const exit = make(s)
        if (bytes >= 32) {
          expect(Exit.isSuccess(exit)).toBe(true)
          expect(exit.value._tag).toBe("MeasureLinkKey")
          expect(Buffer.from(exit.value.secret).equals(Buffer.from(s, "utf8"))).toBe(true)
        } else {
          expect(Exit.isFailure(exit)).toBe(true)
        }
      }),
      { numRuns: 500 }
    )
    const secret31 = "correct horse battery staple 31"
    expect(secret31).toHaveLength(31)
    const weak = Effect.runSync(Effect.flip(MeasureLinkToken.makeKey(Redacted.make(secret31))))
    expect(weak._tag).toBe("WeakKey")
    expect(weak.bytes).toBe(31)
    expect(weak.message).toBe("the measure-link secret has 31 bytes; at least 32 are needed")
    expect(weak.message).not.toContain("horse")
    expect(() => MeasureLinkToken.key(Redacted.make(secret31))).toThrow()
    // 16 two-byte characters are 32 bytes; 15 and one byte are 31
    expect(Exit.isSuccess(make("ä".repeat(16)))).toBe(true)
    const short = Effect.runSync(Effect.flip(MeasureLinkToken.makeKey(Redacted.make(`${"ä".repeat(15)}a`))))
    expect(short.bytes).toBe(31)
    expect(Exit.isSuccess(make("x".repeat(32)))).toBe(true)
  })

  it("signs with the secret's UTF-8 bytes (the documented MAC)", () => {
    const s = "ääääääääääääääää-a secret with umlauts"
    const k = MeasureLinkToken.key(Redacted.make(s))
    const c: Claims = { tokenId: "k1", referralId: "r1", timePoint: "baseline", expiresAt: Instant.make(1_000_000) }
    const token = Effect.runSync(MeasureLinkToken.sign(k, c))
    const body = documentedBody(c)
    expect(token).toBe(`1${Buffer.concat([body, documentedMac(body, s)]).toString("base64url")}`)
  })
})
