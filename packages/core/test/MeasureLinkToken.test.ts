/**
 * The measure link's token (format 1): what it binds, that nothing about it
 * can be changed, its expiry to the second, that the old JWS format and
 * other keys are refused, and how short it is: the measure-link text message
 * in each language, with realistic ids and the default templates, and the
 * SMS segments it takes.
 */
import { createHmac } from "node:crypto"
import { describe, expect, it } from "@effect/vitest"
import { Ids, Instant, MeasureLinkToken, MessageTemplates, Presets, Scheduler } from "@lahete/core"
import { Effect, Redacted, Result } from "effect"
import * as fc from "fast-check"

type Claims = MeasureLinkToken.Claims
type TimePoint = Claims["timePoint"]

const key = MeasureLinkToken.key(Redacted.make("0123456789abcdef0123456789abcdef"))
const otherKey = MeasureLinkToken.key(Redacted.make("another secret of thirty-two bytes!!"))
const sign = (claims: Claims, k: MeasureLinkToken.Key = key): string => Effect.runSync(MeasureLinkToken.sign(k, claims))
/** The claims a token verifies to at `now`, or `undefined` when it is refused (always `InvalidToken`). */
const verify = (token: string, now: Instant.Instant, k: MeasureLinkToken.Key = key): Claims | undefined => {
  const r = Effect.runSync(Effect.result(MeasureLinkToken.verify(k, token, { now })))
  if (Result.isSuccess(r)) return r.success
  expect(r.failure._tag).toBe("InvalidToken")
  return undefined
}

const timePoints: ReadonlyArray<TimePoint> = ["baseline", "end", "follow-up"]
/** The expiry a token carries: the link's, rounded up to the second. */
const ceilSecond = (at: Instant.Instant): Instant.Instant => Instant.make(Math.ceil(Date.parse(at) / 1000) * 1000)
const withCeil = (claims: Claims): Claims => ({ ...claims, expiresAt: ceilSecond(claims.expiresAt) })

/** The decider's token id of a link the scheduler asked for (core `Referral.ts`, `RequestMeasureLink`). */
const scheduledTokenId = (referralId: string, timePoint: TimePoint, n: number): string =>
  `${referralId}:${Scheduler.measureLinkKeyFor(Ids.ReferralId.make(referralId), timePoint, n)}:measure-link-sms`

// ids as the embedding system gives them (Ids: 1-128 of A-Z a-z 0-9 . _ : -), UUIDs above all
const idText = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/)
const referralId = fc.oneof(
  fc.uuid(),
  fc.uuid().map((u) => u.toUpperCase()),
  idText
)
const timePoint = fc.constantFrom(...timePoints)
const expiresAt = fc
  .integer({ min: Date.parse("2000-01-01T00:00:00Z"), max: Date.parse("2100-01-01T00:00:00Z") })
  .map((ms) => Instant.make(ms))
/** Every form a link's id can take: the scheduler's, by hand (UUID key or not), and anything else. */
const claims: fc.Arbitrary<Claims> = fc
  .record({ referralId, timePoint, expiresAt, n: fc.nat({ max: 1_000_000 }) })
  .chain(({ referralId, timePoint, expiresAt, n }) =>
    fc
      .oneof(
        fc.constant(scheduledTokenId(referralId, timePoint, n)),
        fc.uuid().map((k) => `${referralId}:${k}:measure-link-sms`),
        idText.map((k) => `${referralId}:${k}:measure-link-sms`),
        idText,
        fc.string({ unit: "grapheme", maxLength: 40 }),
        fc.constantFrom(`${referralId}:measure-link-sms`, `${referralId}::measure-link-sms`, "")
      )
      .map((tokenId): Claims => ({ tokenId, referralId, timePoint, expiresAt }))
  )
const sameClaims = (a: Claims, b: Claims) =>
  a.tokenId === b.tokenId &&
  a.referralId === b.referralId &&
  a.timePoint === b.timePoint &&
  ceilSecond(a.expiresAt) === ceilSecond(b.expiresAt)
/** Claims that differ from the given ones in exactly one of them. */
const changedClaim = (c: Claims): fc.Arbitrary<Claims> =>
  fc
    .oneof(
      referralId.map((referralId) => ({ ...c, referralId })),
      timePoint.map((timePoint) => ({ ...c, timePoint })),
      idText.map((tokenId) => ({ ...c, tokenId })),
      fc
        .integer({ min: 1, max: 400 * 86_400 })
        .map((s) => ({ ...c, expiresAt: Instant.plusMillis(c.expiresAt, s * 1000) }))
    )
    .filter((d) => !sameClaims(c, d))
/** A time the link is still open at. */
const openAt = (c: Claims) => Instant.plusMillis(c.expiresAt, -86_400_000)

/** The token's bytes after the version: the body, then the 16-byte MAC. */
const parts = (token: string) => {
  const raw = Buffer.from(token.slice(1), "base64url")
  return { body: raw.subarray(0, raw.length - 16), mac: raw.subarray(raw.length - 16) }
}
const assemble = (body: Uint8Array, mac: Uint8Array, version = "1") =>
  `${version}${Buffer.concat([body, mac]).toString("base64url")}`

const realistic = {
  referralId: "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d",
  timePoint: "follow-up" as const,
  expiresAt: Instant.make(Date.parse("2026-06-15T21:00:00.000Z"))
}
const realisticClaims: Claims = { ...realistic, tokenId: scheduledTokenId(realistic.referralId, "follow-up", 0) }

describe("what a token binds", () => {
  it("verifies to exactly the claims it was signed with (the expiry to the second, rounded up), for every form of id", () => {
    fc.assert(
      fc.property(claims, (c) => {
        const token = sign(c)
        expect(verify(token, openAt(c))).toEqual(withCeil(c))
      }),
      { numRuns: 1000 }
    )
  })

  it("a token for one referral, time point, link or expiry never verifies as another", () => {
    fc.assert(
      fc.property(
        claims.chain((c) => fc.tuple(fc.constant(c), changedClaim(c))),
        ([a, b]) => {
          const got = verify(sign(a), openAt(a))
          expect(got).toBeDefined()
          expect(sameClaims(got as Claims, b)).toBe(false)
          // and the other's body under this one's MAC does not verify either
          expect(verify(assemble(parts(sign(b)).body, parts(sign(a)).mac), openAt(b))).toBeUndefined()
        }
      ),
      { numRuns: 500 }
    )
  })

  it("is URL-safe and in the GSM 7-bit alphabet: encodeURIComponent leaves it alone", () => {
    fc.assert(
      fc.property(claims, (c) => {
        const token = sign(c)
        expect(token).toMatch(/^1[A-Za-z0-9_-]+$/)
        expect(encodeURIComponent(token)).toBe(token)
        expect(MessageTemplates.smsSegments(token).encoding).toBe("gsm-7")
      }),
      { numRuns: 300 }
    )
  })

  it("carries nothing but the claims: no name, number or answer can be in it, and the referral id once", () => {
    const token = sign(realisticClaims)
    const { body } = parts(token)
    // flags, expiry (4), the referral's 16 bytes, the message number: 22 bytes, then the MAC
    expect(body.length).toBe(22)
    expect(Buffer.from(body.subarray(5, 21)).toString("hex")).toBe(realistic.referralId.replaceAll("-", ""))
    expect(body[21]).toBe(0)
    expect(body[0]).toBe(2 | 0b100)
    expect(body.readUInt32BE(1)).toBe(Date.parse(realistic.expiresAt) / 1000)
  })
})

describe("nothing about a token can be changed", () => {
  const alphabet = [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", ".", "=", "~", "%", "é", " "]
  it("any character replaced (the version, any claim, the MAC) fails", () => {
    fc.assert(
      fc.property(
        claims.chain((c) => {
          const token = sign(c)
          return fc.tuple(
            fc.constant(c),
            fc.constant(token),
            fc.nat({ max: token.length - 1 }),
            fc.constantFrom(...alphabet)
          )
        }),
        ([c, token, at, char]) => {
          fc.pre(token[at] !== char)
          expect(verify(`${token.slice(0, at)}${char}${token.slice(at + 1)}`, openAt(c))).toBeUndefined()
        }
      ),
      { numRuns: 2000 }
    )
  })

  it("cut short, lengthened, or a character inserted or removed: fails", () => {
    fc.assert(
      fc.property(
        claims.chain((c) => {
          const token = sign(c)
          return fc.tuple(
            fc.constant(c),
            fc.constant(token),
            fc.nat({ max: token.length }),
            fc.constantFrom(...alphabet)
          )
        }),
        ([c, token, at, char]) => {
          const now = openAt(c)
          const inside = Math.min(at, token.length - 1)
          expect(verify(token.slice(0, inside), now)).toBeUndefined()
          expect(verify(`${token.slice(0, at)}${char}${token.slice(at)}`, now)).toBeUndefined()
          expect(verify(`${token.slice(0, inside)}${token.slice(inside + 1)}`, now)).toBeUndefined()
        }
      ),
      { numRuns: 500 }
    )
  })

  it("each claim's bytes changed under the original MAC fails: the time point, the expiry, the referral, the link, the flags", () => {
    fc.assert(
      fc.property(
        claims.chain((c) => {
          const token = sign(c)
          const { body } = parts(token)
          return fc.tuple(
            fc.constant(c),
            fc.constant(token),
            fc.nat({ max: body.length - 1 }),
            fc.integer({ min: 1, max: 255 })
          )
        }),
        ([c, token, at, flip]) => {
          const { body, mac } = parts(token)
          const changed = Uint8Array.from(body)
          changed[at] = (changed[at] as number) ^ flip
          expect(verify(assemble(changed, mac), openAt(c))).toBeUndefined()
        }
      ),
      { numRuns: 1000 }
    )
  })

  it("another version character, or none, fails even with the right body and MAC", () => {
    const token = sign(realisticClaims)
    const { body, mac } = parts(token)
    const now = openAt(realisticClaims)
    expect(verify(token, now)).toBeDefined()
    for (const version of ["0", "2", "A", "e", "", "11"])
      expect(verify(assemble(body, mac, version), now)).toBeUndefined()
    expect(verify(token.slice(1), now)).toBeUndefined()
  })

  it("signed with another key: fails", () => {
    fc.assert(
      fc.property(claims, (c) => {
        expect(verify(sign(c, otherKey), openAt(c))).toBeUndefined()
        expect(verify(sign(c), openAt(c), otherKey)).toBeUndefined()
      }),
      { numRuns: 300 }
    )
  })

  it("not a token at all: fails, whatever it is", () => {
    const now = openAt(realisticClaims)
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        expect(verify(s, now)).toBeUndefined()
        expect(verify(`1${s}`, now)).toBeUndefined()
      }),
      { numRuns: 1000 }
    )
    for (const s of ["", "1", "1A", "1AAAAAAAAAAAAAAAAAAAAAAAAAAAAA", `1${"A".repeat(5000)}`]) {
      expect(verify(s, now)).toBeUndefined()
    }
  })
})

describe("expiry", () => {
  it("verifies until the second after the link's expiry begins, and not from then on", () => {
    fc.assert(
      fc.property(claims, fc.integer({ min: 1, max: 30 * 86_400_000 }), (c, ms) => {
        const token = sign(c)
        const end = ceilSecond(c.expiresAt)
        expect(verify(token, Instant.plusMillis(end, -1))).toEqual(withCeil(c))
        expect(verify(token, end)).toBeUndefined()
        expect(verify(token, Instant.plusMillis(end, ms))).toBeUndefined()
        // never before the link's own expiry
        expect(verify(token, Instant.plusMillis(c.expiresAt, -1))).toBeDefined()
      }),
      { numRuns: 500 }
    )
  })

  it("at the second's edge: an expiry on a whole second ends there; one a millisecond later lasts that second", () => {
    const whole = { ...realisticClaims, expiresAt: Instant.make(Date.parse("2026-06-15T21:00:00.000Z")) }
    expect(verify(sign(whole), Instant.make(Date.parse("2026-06-15T20:59:59.999Z")))).toEqual(whole)
    expect(verify(sign(whole), whole.expiresAt)).toBeUndefined()
    const later = { ...realisticClaims, expiresAt: Instant.make(Date.parse("2026-06-15T21:00:00.001Z")) }
    expect(verify(sign(later), Instant.make(Date.parse("2026-06-15T21:00:00.999Z")))?.expiresAt).toBe(
      "2026-06-15T21:00:01.000Z"
    )
    expect(verify(sign(later), Instant.make(Date.parse("2026-06-15T21:00:01.000Z")))).toBeUndefined()
  })
})

describe("what cannot be signed", () => {
  it("an expiry outside 1970-2106 or text that is not well-formed is a defect, never a token that says something else", () => {
    expect(() => sign({ ...realisticClaims, expiresAt: Instant.make(Date.parse("2106-02-07T06:28:16.000Z")) })).toThrow(
      "1970-2106"
    )
    expect(sign({ ...realisticClaims, expiresAt: Instant.make(Date.parse("2106-02-07T06:28:15.000Z")) })).toHaveLength(
      52
    )
    expect(() => sign({ ...realisticClaims, tokenId: "k\uD800:measure-link-sms" })).toThrow("well-formed")
  })
})

describe("the earlier format", () => {
  /** A token as the JWS signer (HS256, jose) made them before format 1, with the same key. */
  const jws = (c: Claims) => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url")
    const input = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({
      tp: c.timePoint,
      jti: c.tokenId,
      sub: c.referralId,
      aud: "lahete:measure-link",
      exp: Math.ceil(Date.parse(c.expiresAt) / 1000)
    })}`
    const signature = createHmac("sha256", "0123456789abcdef0123456789abcdef").update(input).digest("base64url")
    return `${input}.${signature}`
  }

  it("a compact JWS signed with the same secret is refused", () => {
    const token = jws(realisticClaims)
    expect(token).toMatch(/^eyJ/)
    expect(verify(token, openAt(realisticClaims))).toBeUndefined()
  })
})

describe("the measure-link message's length", () => {
  const programme = Presets.kemijarvi
  const templates = (measureLinkUrl: string): MessageTemplates.Config => ({
    referralUrl: "https://lahete.example.fi/referrals/{referralId}",
    measureLinkUrl
  })
  const message = (measureLinkUrl: string, token: string, language: "fi" | "sv" | "se" | "en") => {
    const config = templates(measureLinkUrl)
    const link = MessageTemplates.measureLinkUrl(config, token, language) as string
    return MessageTemplates.measureLinkMessage(programme, config, { link, language })
  }
  const segments = (measureLinkUrl: string, token: string) =>
    Object.fromEntries(
      (["fi", "sv", "se", "en"] as const).map((l) => [
        l,
        MessageTemplates.smsSegments(message(measureLinkUrl, token, l))
      ])
    )

  it("the scheduler's link for a UUID referral is a 52-character token, the referral id in it once", () => {
    for (const tp of timePoints) {
      for (const n of [0, 1, 2, 9, 127]) {
        const c = { ...realistic, timePoint: tp, tokenId: scheduledTokenId(realistic.referralId, tp, n) }
        expect(sign(c)).toHaveLength(52)
      }
    }
    // the realistic link id itself holds the referral id twice
    expect(realisticClaims.tokenId).toBe(
      `${realistic.referralId}:measure-link:follow-up:0:${realistic.referralId}:measure-link-sms`
    )
    // a link asked for by hand with a UUID idempotency key: 16 bytes more
    expect(
      sign({ ...realistic, tokenId: `${realistic.referralId}:${realistic.referralId}:measure-link-sms` })
    ).toHaveLength(72)
  })

  it("fi, sv and en take 2 segments, se (UCS-2, for its á) 3, with a municipality's address", () => {
    const token = sign(realisticClaims)
    const url = "https://hyvinvointilahete.kemijarvi.fi/m/{token}"
    expect(message(url, token, "fi")).toBe(
      `Hyvinvointilähete: Kiitos yhteistyöstä. Vastaathan lyhyeen kyselyyn: https://hyvinvointilahete.kemijarvi.fi/m/${token}?lang=fi`
    )
    expect(segments(url, token)).toEqual({
      fi: { encoding: "gsm-7", units: 170, segments: 2 },
      sv: { encoding: "gsm-7", units: 171, segments: 2 },
      se: { encoding: "ucs-2", units: 171, segments: 3 },
      en: { encoding: "gsm-7", units: 189, segments: 2 }
    })
  })

  it("fi and sv fit one segment with an address as short as the documentation's", () => {
    const token = sign(realisticClaims)
    expect(segments("https://lahete.example.fi/m/{token}", token)).toEqual({
      fi: { encoding: "gsm-7", units: 157, segments: 1 },
      sv: { encoding: "gsm-7", units: 158, segments: 1 },
      se: { encoding: "ucs-2", units: 158, segments: 3 },
      en: { encoding: "gsm-7", units: 176, segments: 2 }
    })
    // the longest address before the token that keeps both to one segment: 30 characters
    expect("https://lahete.kemijarvi.fi/m/").toHaveLength(30)
    const thirty = segments("https://lahete.kemijarvi.fi/m/{token}", token)
    expect([thirty.fi?.segments, thirty.sv?.segments]).toEqual([1, 1])
    const thirtyOne = segments("https://lahete.kemijarvi.fi/mm/{token}", token)
    expect([thirtyOne.fi?.segments, thirtyOne.sv?.segments]).toEqual([1, 2])
  })
})
