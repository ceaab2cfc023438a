/**
 * Tokens made by hand for the refusal tests: any claims, any header, any key
 * (or none), so that every check of the verifier can be failed on purpose.
 */
import type { EkollegaToken } from "@lahete/transport-ekollega"
import { Redacted } from "effect"
import * as jose from "jose"
import { audience, keys, strangerKey } from "./layers.js"

export interface Claims {
  readonly iss?: string
  readonly sub?: string
  readonly aud?: string
  readonly profession?: string
  readonly iat?: number
  readonly exp?: number
  readonly nbf?: number
  readonly jti?: string
}

const now = () => Math.floor(Date.now() / 1000)

/** Valid claims for a professional of `organisation`, overridable; `undefined` leaves a claim out. */
export const claims = (organisation: string, overrides: Record<string, unknown> = {}) => {
  const base: Record<string, unknown> = {
    iss: organisation,
    sub: "nurse-1",
    aud: audience,
    profession: "nurse",
    iat: now(),
    exp: now() + 60,
    jti: crypto.randomUUID(),
    ...overrides
  }
  return Object.fromEntries(Object.entries(base).filter(([, v]) => v !== undefined))
}

const privateKeyOf = async (jwk: EkollegaToken.JsonWebKey) => {
  const alg = jwk.crv === "Ed25519" ? "EdDSA" : "ES256"
  return { alg, key: await jose.importJWK(Redacted.value(Redacted.make(jwk)), alg) }
}

/** Signs `payload` with the organisation's registered private key (or another key). */
export const signWith = async (
  payload: Record<string, unknown>,
  jwk: EkollegaToken.JsonWebKey,
  header: Record<string, unknown> = {}
): Promise<string> => {
  const { alg, key } = await privateKeyOf(jwk)
  return new jose.SignJWT(payload).setProtectedHeader({ alg, typ: "JWT", ...header }).sign(key)
}

/** The private JWK registered for an organisation. */
export const keyOf = (organisation: string): EkollegaToken.JsonWebKey => {
  const pair = keys.get(organisation)
  if (pair === undefined) throw new Error(`no key for ${organisation}`)
  return Redacted.value(pair.privateKey)
}

export const strangerJwk: EkollegaToken.JsonWebKey = Redacted.value(strangerKey.privateKey)

const b64 = (value: unknown) => jose.base64url.encode(JSON.stringify(value))

/** An unsecured token (`alg: none`), with an empty or a made-up signature part. */
export const unsecured = (payload: Record<string, unknown>, signature = ""): string =>
  `${b64({ alg: "none", typ: "JWT" })}.${b64(payload)}.${signature}`

/** HS256 with the organisation's public key as the secret (algorithm confusion). */
export const hmacWithPublicKey = async (payload: Record<string, unknown>, organisation: string): Promise<string> => {
  const pair = keys.get(organisation)
  const publicJwk = pair?.publicKeys.keys[0]
  const secret = new TextEncoder().encode(JSON.stringify(publicJwk))
  return new jose.SignJWT(payload).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(secret)
}
