/**
 * Test organisations with ES256 key pairs, their public key sets for the
 * server, and tokens signed the way a referrer's system signs them.
 */
import type { Actor } from "@lahete/core"
import { ReferralTransportTest } from "@lahete/testing"
import { FhirAuth, type FhirClient } from "@lahete/transport-fhir"
import { Effect, Redacted } from "effect"
import * as jose from "jose"

export const audience = "https://lahete.test/fhir"

interface Organisation {
  readonly privateKey: jose.CryptoKey
  readonly jwks: jose.JSONWebKeySet
}

const keyPair = async (kid: string): Promise<Organisation> => {
  const { privateKey, publicKey } = await jose.generateKeyPair("ES256", { extractable: true })
  const jwk = await jose.exportJWK(publicKey)
  return { privateKey, jwks: { keys: [{ ...jwk, kid, alg: "ES256", use: "sig" }] } }
}

/** The suite's organisations and one more, each with its own key. */
export const organisationIds: ReadonlyArray<string> = [
  ...ReferralTransportTest.organisations,
  "rovaniemi-health-centre"
]

export const organisations: ReadonlyMap<string, Organisation> = new Map(
  await Promise.all(organisationIds.map(async (id) => [id, await keyPair(`${id}-key`)] as const))
)

/** A key nobody trusts. */
export const rogue: Organisation = await keyPair("rogue-key")

/** The server's view: every organisation's public keys. */
export const issuers: Readonly<Record<string, jose.JSONWebKeySet>> = Object.fromEntries(
  [...organisations].map(([id, org]) => [id, org.jwks])
)

/**
 * The server's authentication in most tests: a guard that accepts a token
 * again, since they reuse one token for several requests for brevity.
 * `guarded` has the default replay guard (the conformance suite, the token
 * tests).
 */
export const authenticate: FhirAuth.Authenticate = FhirAuth.jwt({
  issuers,
  audience,
  replayGuard: { claim: () => Effect.succeed(true) }
})

/** The server's authentication with the default replay guard (a fresh one per call). */
export const guarded = (options: Partial<FhirAuth.JwtOptions> = {}): FhirAuth.Authenticate =>
  FhirAuth.jwt({ issuers, audience, ...options })

export interface SignOptions {
  readonly key?: jose.CryptoKey
  readonly kid?: string
  readonly issuer?: string
  readonly subject?: string
  readonly profession?: string | null
  readonly audience?: string
  /** Seconds relative to now. */
  readonly issuedAt?: number
  readonly expiresIn?: number
  /** Default: a new random id. */
  readonly jti?: string
}

/** A token for an actor, signed with their organisation's key (or as `options` say). */
export const sign = async (actor: Actor.Actor, options: SignOptions = {}): Promise<string> => {
  const issuer = options.issuer ?? actor.organisation
  const org = organisations.get(issuer)
  const key = options.key ?? org?.privateKey ?? rogue.privateKey
  const now = Math.floor(Date.now() / 1000)
  const profession = options.profession === undefined ? actor.profession : options.profession
  return new jose.SignJWT(profession === null || profession === undefined ? {} : { profession })
    .setProtectedHeader({ alg: "ES256", kid: options.kid ?? `${issuer}-key`, typ: "JWT" })
    .setIssuer(issuer)
    .setSubject(options.subject ?? actor.id)
    .setAudience(options.audience ?? audience)
    .setIssuedAt(now + (options.issuedAt ?? 0))
    .setExpirationTime(now + (options.issuedAt ?? 0) + (options.expiresIn ?? 300))
    .setJti(options.jti ?? crypto.randomUUID())
    .sign(key)
}

/** The client's token function: a fresh token for each actor. */
export const token: FhirClient.Token = (actor) =>
  Effect.map(
    Effect.promise(() => sign(actor)),
    Redacted.make
  )
