/**
 * The token a measure link carries: short enough that the text message with
 * the link stays within as few SMS segments as the address allows, and
 * signed with the deployment's secret. It binds one referral, one time point,
 * one link (the `MeasureLinkRequested.tokenId`) and the link's expiry; a
 * change to any character of it makes it fail. Nothing personal is in it: the
 * referral id is a pseudonymous id, and the client's name, number and
 * answers are never part of a token.
 *
 * A token proves only that the deployment issued it; whether it may still be
 * answered (single use, expiry, erasure, withdrawal) is the decider's rule
 * (`MeasureLink.checkAnswer`) against the referral's events, so a copied or
 * replayed token records nothing twice.
 *
 * **Format 1** (URL-safe: `encodeURIComponent` leaves it alone; every
 * character is in the GSM 7-bit alphabet):
 *
 * ```text
 * "1" base64url( body ‖ mac )
 * mac  = the first 16 bytes of HMAC-SHA-256(secret, "lahete:measure-link:" ‖ "1" ‖ body)
 * body = flags (1 byte) ‖ expiry (4 bytes) ‖ referral ‖ link
 * ```
 *
 * - the leading `1` is the format's version: a later format starts with
 *   another character. Tokens of the earlier compact JWS (HS256) format,
 *   which begin with `eyJ`, are refused.
 * - `flags`: bits 0-1 the time point (0 baseline, 1 end, 2 follow-up),
 *   bit 2 set when the referral id is a lower-case UUID, bits 3-4 the link's
 *   form (below), bits 5-7 zero.
 * - `expiry`: whole seconds since 1970 (the link's expiry rounded up),
 *   unsigned big-endian; the token is refused from that second on.
 * - `referral`: a lower-case UUID as its 16 bytes, any other id as its
 *   UTF-8 bytes after their length (an unsigned LEB128 varint).
 * - `link`: what the token id adds to what the token already says, by form:
 *   0, the scheduler's link (`${referral}:measure-link:${timePoint}:${n}:${referral}:measure-link-sms`):
 *   the message number `n` as a varint; 1, a link asked for by hand with a
 *   UUID idempotency key (`${referral}:${key}:measure-link-sms`): the key's
 *   16 bytes; 2, the same with any other key: the key as text; 3, any other
 *   token id: the whole id as text. A token with a lower-case UUID referral
 *   id from the scheduler is 52 characters long.
 *
 * The MAC is HMAC-SHA-256 truncated to 128 bits: a forger's chance per try is
 * 2^-128, and every try is a request to the server. The prefix keeps the MAC
 * apart from anything else the same secret could sign. Verification is
 * stateless: the secret alone tells whether a token is genuine and what it
 * says.
 *
 * @example
 * ```ts
 * import { MeasureLinkToken } from "@lahete/core"
 * import { Effect, Redacted } from "effect"
 *
 * const key = MeasureLinkToken.key(Redacted.make("a secret of at least 32 characters, from the vault"))
 * const program = Effect.gen(function* () {
 *   const token = yield* MeasureLinkToken.sign(key, {
 *     tokenId: "k1:measure-link-sms",
 *     referralId: "r1",
 *     timePoint: "follow-up",
 *     expiresAt: "2026-06-15T21:00:00.000Z"
 *   })
 *   return yield* MeasureLinkToken.verify(key, token, { now: "2026-06-01T09:00:00.000Z" })
 * })
 * ```
 *
 * @since 0.3.0
 */
import { Buffer } from "node:buffer"
import { createHmac, timingSafeEqual } from "node:crypto"
import { Effect, Redacted, Schema } from "effect"
import type { Instant } from "./Instant.js"
import type { TimePoint } from "./ReferralCommand.js"

/**
 * What a token says.
 *
 * @since 0.3.0
 * @category models
 */
export interface Claims {
  readonly tokenId: string
  readonly referralId: string
  readonly timePoint: TimePoint
  readonly expiresAt: Instant
}

/**
 * A signing key (HMAC-SHA-256), made with `key`.
 *
 * @since 0.3.0
 * @category models
 */
export interface Key {
  readonly _tag: "MeasureLinkKey"
  readonly secret: Uint8Array
}

/**
 * The secret is shorter than 32 bytes (256 bits, the HMAC-SHA-256 key the
 * tokens are signed with).
 *
 * @since 0.3.0
 * @category errors
 */
export class WeakKey extends Schema.TaggedError<WeakKey>()("WeakKey", { bytes: Schema.Number }) {
  override get message(): string {
    return `the measure-link secret has ${this.bytes} bytes; at least 32 are needed`
  }
}

/**
 * A token that does not verify (forged, altered, expired, of another format,
 * or not a measure-link token). Carries no detail on purpose: every such link
 * gets the same page.
 *
 * @since 0.3.0
 * @category errors
 */
export class InvalidToken extends Schema.TaggedError<InvalidToken>()("InvalidToken", {}) {
  override get message(): string {
    return "not a valid measure link"
  }
}

const encoder = new TextEncoder()

/**
 * A key from a secret of at least 32 bytes (UTF-8).
 *
 * @since 0.3.0
 * @category constructors
 */
export const makeKey = (secret: Redacted.Redacted<string>): Effect.Effect<Key, WeakKey> => {
  const bytes = encoder.encode(Redacted.value(secret))
  return bytes.length < 32
    ? Effect.fail(new WeakKey({ bytes: bytes.length }))
    : Effect.succeed({ _tag: "MeasureLinkKey", secret: bytes })
}

/**
 * A key from a secret the caller knows to be long enough (throws otherwise:
 * for configuration checked at start).
 *
 * @since 0.3.0
 * @category constructors
 */
export const key = (secret: Redacted.Redacted<string>): Key => Effect.runSync(makeKey(secret))

/**
 * The format's version: the token's first character.
 *
 * @since 0.3.0
 * @category constants
 */
export const version = "1"

/** The MAC's length in bytes (128 bits). */
const macBytes = 16
/** What the MAC input starts with: nothing else signed with the secret starts so. */
const domain = encoder.encode(`lahete:measure-link:${version}`)
/** No genuine token comes near this length (the longest ids give some 500 characters). */
const maxLength = 2048
const timePoints: ReadonlyArray<TimePoint> = ["baseline", "end", "follow-up"]
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const base64url = /^[A-Za-z0-9_-]+$/
const suffix = ":measure-link-sms"
const maxExpiry = 0xffff_ffff

/** The link forms (flags bits 3-4). */
const Scheduled = 0
const KeyedUuid = 1
const Keyed = 2
const Verbatim = 3

const uuidBytes = (uuid: string): Array<number> => Array.from(Buffer.from(uuid.replaceAll("-", ""), "hex"))
const uuidText = (bytes: Uint8Array): string => {
  const hex = Buffer.from(bytes).toString("hex")
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

const varint = (n: number): Array<number> => {
  const out: Array<number> = []
  let rest = n
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80)
    rest = Math.floor(rest / 0x80)
  }
  out.push(rest)
  return out
}

const text = (s: string): Array<number> => {
  const bytes = encoder.encode(s)
  return [...varint(bytes.length), ...bytes]
}

/** The scheduler's token id of message `n` (the link form 0). */
const scheduledId = (referralId: string, timePoint: TimePoint, n: number): string =>
  `${referralId}:measure-link:${timePoint}:${n}:${referralId}${suffix}`

/** The message number when `tokenId` is the scheduler's form, else `undefined`. */
const scheduledNumber = (claims: Claims): number | undefined => {
  const head = `${claims.referralId}:measure-link:${claims.timePoint}:`
  if (!claims.tokenId.startsWith(head)) return undefined
  const digits = /^(0|[1-9][0-9]{0,8}):/.exec(claims.tokenId.slice(head.length))?.[1]
  if (digits === undefined) return undefined
  const n = Number(digits)
  return scheduledId(claims.referralId, claims.timePoint, n) === claims.tokenId ? n : undefined
}

/** The body: flags, expiry, referral and link (the layout in the module's documentation). */
const encodeBody = (claims: Claims): Uint8Array => {
  const tp = timePoints.indexOf(claims.timePoint)
  const seconds = Math.ceil(Date.parse(claims.expiresAt) / 1000)
  if (tp < 0) throw new Error(`not a time point: ${String(claims.timePoint)}`)
  if (!(seconds >= 0 && seconds <= maxExpiry)) throw new Error("a measure link's expiry must lie in 1970-2106")
  const uuid = uuidPattern.test(claims.referralId)
  const referral = uuid ? uuidBytes(claims.referralId) : text(claims.referralId)
  const n = scheduledNumber(claims)
  const head = `${claims.referralId}:`
  const key =
    n === undefined &&
    claims.tokenId.length > head.length + suffix.length &&
    claims.tokenId.startsWith(head) &&
    claims.tokenId.endsWith(suffix)
      ? claims.tokenId.slice(head.length, claims.tokenId.length - suffix.length)
      : undefined
  const [form, link] =
    n !== undefined
      ? [Scheduled, varint(n)]
      : key !== undefined && uuidPattern.test(key)
        ? [KeyedUuid, uuidBytes(key)]
        : key !== undefined
          ? [Keyed, text(key)]
          : [Verbatim, text(claims.tokenId)]
  const flags = tp | (uuid ? 0b100 : 0) | (form << 3)
  return Uint8Array.from([
    flags,
    (seconds >>> 24) & 0xff,
    (seconds >>> 16) & 0xff,
    (seconds >>> 8) & 0xff,
    seconds & 0xff,
    ...referral,
    ...link
  ])
}

/** Reads a body; `undefined` for anything malformed (a caller checks the MAC first). */
const decodeBody = (body: Uint8Array): { readonly claims: Claims; readonly seconds: number } | undefined => {
  let at = 0
  const byte = (): number | undefined => (at < body.length ? body[at++] : undefined)
  const bytes = (length: number): Uint8Array | undefined => {
    if (at + length > body.length) return undefined
    const out = body.subarray(at, at + length)
    at += length
    return out
  }
  const readVarint = (): number | undefined => {
    let value = 0
    for (let shift = 0; shift < 35; shift += 7) {
      const b = byte()
      if (b === undefined) return undefined
      value += (b & 0x7f) * 2 ** shift
      if ((b & 0x80) === 0) return value
    }
    return undefined
  }
  const uuidAt = (): string | undefined => {
    const raw = bytes(16)
    return raw === undefined ? undefined : uuidText(raw)
  }
  const readText = (): string | undefined => {
    const length = readVarint()
    const raw = length === undefined ? undefined : bytes(length)
    if (raw === undefined) return undefined
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(raw)
    } catch {
      return undefined
    }
  }
  const flags = byte()
  const expiry = bytes(4)
  if (flags === undefined || expiry === undefined || flags >> 5 !== 0) return undefined
  const timePoint = timePoints[flags & 0b11]
  if (timePoint === undefined) return undefined
  const seconds = new DataView(expiry.buffer, expiry.byteOffset, 4).getUint32(0)
  const referralId = flags & 0b100 ? uuidAt() : readText()
  if (referralId === undefined) return undefined
  let tokenId: string | undefined
  switch ((flags >> 3) & 0b11) {
    case Scheduled: {
      const n = readVarint()
      tokenId = n === undefined ? undefined : scheduledId(referralId, timePoint, n)
      break
    }
    case KeyedUuid: {
      const k = uuidAt()
      tokenId = k === undefined ? undefined : `${referralId}:${k}${suffix}`
      break
    }
    case Keyed: {
      const k = readText()
      tokenId = k === undefined ? undefined : `${referralId}:${k}${suffix}`
      break
    }
    default:
      tokenId = readText()
  }
  if (tokenId === undefined || at !== body.length) return undefined
  const expiresAt = new Date(seconds * 1000).toISOString() as Instant
  return { claims: { tokenId, referralId, timePoint, expiresAt }, seconds }
}

const mac = (k: Key, body: Uint8Array): Uint8Array =>
  createHmac("sha256", k.secret).update(domain).update(body).digest().subarray(0, macBytes)

/**
 * Signs a link's token. The expiry is rounded up to the second. Claims a
 * token cannot carry are a defect: an expiry outside 1970-2106 (a link
 * lasts days), text that is not well-formed.
 *
 * @since 0.3.0
 * @category signing
 */
export const sign = (k: Key, claims: Claims): Effect.Effect<string> =>
  Effect.sync(() => {
    const body = encodeBody(claims)
    // verification must read back the claims themselves: text that is not well-formed (a lone surrogate) cannot be
    const back = decodeBody(body)?.claims
    if (
      back === undefined ||
      back.tokenId !== claims.tokenId ||
      back.referralId !== claims.referralId ||
      back.timePoint !== claims.timePoint
    ) {
      throw new Error("a measure link's claims must be well-formed text")
    }
    return `${version}${Buffer.concat([body, mac(k, body)]).toString("base64url")}`
  })

const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && timingSafeEqual(a, b)

/**
 * Verifies a token at `now`: the version, the MAC, the layout and the
 * expiry. Any failure is the same `InvalidToken`.
 *
 * @since 0.3.0
 * @category verifying
 */
export const verify = (
  k: Key,
  token: string,
  options: { readonly now: Instant }
): Effect.Effect<Omit<Claims, "expiresAt"> & { readonly expiresAt: Instant }, InvalidToken> =>
  Effect.suspend(() => {
    const invalid = Effect.fail(new InvalidToken())
    if (typeof token !== "string" || token.length > maxLength || !token.startsWith(version)) return invalid
    const encoded = token.slice(version.length)
    if (!base64url.test(encoded)) return invalid
    const raw = Buffer.from(encoded, "base64url")
    // one spelling per token: no other bits in the last character, no stray length
    if (raw.toString("base64url") !== encoded || raw.length < 5 + macBytes) return invalid
    const body = raw.subarray(0, raw.length - macBytes)
    if (!same(raw.subarray(raw.length - macBytes), mac(k, body))) return invalid
    const decoded = decodeBody(body)
    if (decoded === undefined || !same(encodeBody(decoded.claims), body)) return invalid
    if (Date.parse(options.now) >= decoded.seconds * 1000) return invalid
    return Effect.succeed(decoded.claims)
  })
