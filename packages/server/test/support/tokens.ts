/**
 * Real access tokens for the tests: an ES256 key pair generated with jose,
 * the public half as the server's inline JWKS, tokens signed per actor with
 * the claims the server reads. Every token signed is remembered, so the log
 * test can check that none reached a log.
 */
import type { Actor } from "@lahete/core"
import * as jose from "jose"

export const issuer = "https://login.test.invalid/realms/hyvinvointi"
export const audience = "lahete-api"

export interface TokenOptions {
  /** Seconds since the epoch the token is issued at (default: the signer's clock). */
  readonly issuedAt?: number
  /** Lifetime in seconds (default 600; negative for an expired token). */
  readonly lifetime?: number
  readonly issuer?: string
  readonly audience?: string
  /** Claims to add or override (`undefined` removes one). */
  readonly claims?: Record<string, unknown>
}

export interface Signer {
  readonly jwks: jose.JSONWebKeySet
  readonly sign: (actor: Actor.Actor, options?: TokenOptions) => Promise<string>
  readonly signed: ReadonlySet<string>
}

export const claimsOf = (actor: Actor.Actor): Record<string, unknown> => ({
  lahete_role: actor.role,
  lahete_org: actor.organisation,
  ...(actor.profession === undefined ? {} : { lahete_profession: actor.profession }),
  ...(actor.programmes === undefined ? {} : { lahete_programmes: actor.programmes })
})

/** A key pair and a signer whose clock is `now` (milliseconds). */
export const makeSigner = async (now: () => number, kid = "test-key-1"): Promise<Signer> => {
  const { publicKey, privateKey } = await jose.generateKeyPair("ES256", { extractable: true })
  const jwk = { ...(await jose.exportJWK(publicKey)), kid, alg: "ES256", use: "sig" }
  const signed = new Set<string>()
  const sign = async (actor: Actor.Actor, options: TokenOptions = {}) => {
    const iat = options.issuedAt ?? Math.floor(now() / 1000)
    const claims: Record<string, unknown> = { ...claimsOf(actor), ...options.claims }
    for (const [k, v] of Object.entries(claims)) if (v === undefined) delete claims[k]
    const token = await new jose.SignJWT(claims)
      .setProtectedHeader({ alg: "ES256", kid, typ: "at+jwt" })
      .setSubject(actor.id)
      .setIssuer(options.issuer ?? issuer)
      .setAudience(options.audience ?? audience)
      .setIssuedAt(iat)
      .setExpirationTime(iat + (options.lifetime ?? 600))
      .sign(privateKey)
    signed.add(token)
    return token
  }
  return { jwks: { keys: [jwk] }, sign, signed }
}
