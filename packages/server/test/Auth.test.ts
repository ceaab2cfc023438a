/**
 * Token verification on its own: the actor read from claims, a JWKS fetched
 * from the identity provider's URL (a local HTTP server here) and cached,
 * the accepted algorithms and the token type.
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { Actor } from "@lahete/core"
import { Auth } from "@lahete/server"
import { Fixtures } from "@lahete/testing"
import { Effect, Redacted } from "effect"
import * as jose from "jose"
import * as Tokens from "./support/tokens.js"

describe("actorFromClaims", () => {
  const claims = {
    sub: "nurse-1",
    lahete_role: "Referrer",
    lahete_org: "kemijarvi-wellbeing-centre",
    lahete_profession: "nurse",
    lahete_programmes: ["kemijarvi", "sodankyla"]
  }

  it("reads every claim into the actor", () => {
    expect(Auth.actorFromClaims(claims)).toEqual({
      role: "Referrer",
      id: "nurse-1",
      organisation: "kemijarvi-wellbeing-centre",
      profession: "nurse",
      programmes: ["kemijarvi", "sodankyla"]
    })
    const { lahete_profession: _, lahete_programmes: __, ...minimal } = claims
    expect(Auth.actorFromClaims(minimal)).toEqual(Actor.make("Referrer", "nurse-1", "kemijarvi-wellbeing-centre"))
  })

  it("makes no actor from claims that are missing or malformed", () => {
    for (const broken of [
      { ...claims, sub: undefined },
      { ...claims, sub: "nurse 1" },
      { ...claims, lahete_role: undefined },
      { ...claims, lahete_role: "Admin" },
      { ...claims, lahete_role: "referrer" },
      { ...claims, lahete_org: undefined },
      { ...claims, lahete_org: 42 },
      { ...claims, lahete_profession: "Nurse!" },
      { ...claims, lahete_programmes: "kemijarvi" },
      { ...claims, lahete_programmes: [""] }
    ]) {
      expect(Auth.actorFromClaims(broken), JSON.stringify(broken)).toBeUndefined()
    }
  })

  it("reads other claim names when configured", () => {
    const names = { ...Auth.defaultClaims, role: "roles", organisation: "org" }
    expect(
      Auth.actorFromClaims({ sub: "coordinator-1", roles: "Coordinator", org: "kemijarvi-municipality" }, names)
    ).toEqual(Actor.make("Coordinator", "coordinator-1", "kemijarvi-municipality"))
  })
})

const verify = (options: Auth.Options, token: string) => Auth.makeVerifier(options)(Redacted.make(token))

describe("makeVerifier", () => {
  it.live("fetches the key set from the JWKS URL, caches it, and refuses keys it does not hold", () =>
    Effect.gen(function* () {
      const signer = yield* Effect.promise(() => Tokens.makeSigner(() => Date.now(), "idp-key-1"))
      const stranger = yield* Effect.promise(() => Tokens.makeSigner(() => Date.now(), "idp-key-2"))
      let fetches = 0
      const server = createServer((request, response) => {
        if (request.url !== "/certs") {
          response.writeHead(404).end()
          return
        }
        fetches++
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(signer.jwks))
      })
      yield* Effect.acquireRelease(
        Effect.promise(() => new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))),
        () => Effect.promise(() => new Promise<void>((resolve) => server.close(() => resolve())))
      )
      const port = (server.address() as AddressInfo).port
      const options: Auth.Options = {
        keys: { jwksUrl: `http://127.0.0.1:${port}/certs`, cooldownDuration: 60_000 },
        issuer: Tokens.issuer,
        audience: Tokens.audience
      }
      const verifier = Auth.makeVerifier(options)
      const token = yield* Effect.promise(() => signer.sign(Fixtures.coordinator))
      expect(yield* verifier(Redacted.make(token))).toEqual(Fixtures.coordinator)
      expect(yield* verifier(Redacted.make(token))).toEqual(Fixtures.coordinator)
      expect(fetches).toBe(1)
      const foreign = yield* Effect.promise(() => stranger.sign(Fixtures.coordinator))
      const refused = yield* Effect.flip(verifier(Redacted.make(foreign)))
      expect(refused).toMatchObject({ _tag: "Unauthorized", reason: "invalid-token" })
    })
  )

  it.live("accepts asymmetric signatures only: no shared-secret token, no unsigned token", () =>
    Effect.gen(function* () {
      const secret = new TextEncoder().encode("a-shared-secret-of-thirty-two-by")
      const oct = { kty: "oct", k: jose.base64url.encode(secret), kid: "shared", alg: "HS256" }
      const now = Math.floor(Date.now() / 1000)
      const hs256 = yield* Effect.promise(() =>
        new jose.SignJWT(Tokens.claimsOf(Fixtures.coordinator))
          .setProtectedHeader({ alg: "HS256", kid: "shared" })
          .setSubject(Fixtures.coordinator.id)
          .setIssuer(Tokens.issuer)
          .setAudience(Tokens.audience)
          .setIssuedAt(now)
          .setExpirationTime(now + 600)
          .sign(secret)
      )
      const unsigned = new jose.UnsecuredJWT(Tokens.claimsOf(Fixtures.coordinator))
        .setSubject(Fixtures.coordinator.id)
        .setIssuer(Tokens.issuer)
        .setAudience(Tokens.audience)
        .setIssuedAt(now)
        .setExpirationTime(now + 600)
        .encode()
      // a shared secret in the key set stops the verifier before any token
      const withSecret: Auth.Options = {
        keys: { jwks: { keys: [oct] } },
        issuer: Tokens.issuer,
        audience: Tokens.audience
      }
      expect(() => Auth.makeVerifier(withSecret)).toThrow('key "shared" is a shared secret')
      const signer = yield* Effect.promise(() => Tokens.makeSigner(() => Date.now(), "shared"))
      const options: Auth.Options = { ...withSecret, keys: { jwks: signer.jwks } }
      for (const token of [hs256, unsigned]) {
        expect(yield* Effect.flip(verify(options, token))).toMatchObject({ reason: "invalid-token" })
      }
    })
  )

  it.live("checks the token type when one is required", () =>
    Effect.gen(function* () {
      const signer = yield* Effect.promise(() => Tokens.makeSigner(() => Date.now()))
      const token = yield* Effect.promise(() => signer.sign(Fixtures.evaluator)) // typ at+jwt
      const options: Auth.Options = { keys: { jwks: signer.jwks }, issuer: Tokens.issuer, audience: Tokens.audience }
      expect(yield* verify({ ...options, type: "at+jwt" }, token)).toEqual(Fixtures.evaluator)
      expect(yield* Effect.flip(verify({ ...options, type: "application/jwt" }, token))).toMatchObject({
        reason: "invalid-token"
      })
    })
  )

  it.live("accepts several issuers and audiences, and refuses a token past its maximum age", () =>
    Effect.gen(function* () {
      const signer = yield* Effect.promise(() => Tokens.makeSigner(() => Date.now()))
      const options: Auth.Options = {
        keys: { jwks: signer.jwks },
        issuer: ["https://other-idp.invalid", Tokens.issuer],
        audience: ["lahete-admin", Tokens.audience],
        maxTokenAgeSeconds: 3600
      }
      const fresh = yield* Effect.promise(() => signer.sign(Fixtures.referrer))
      expect(yield* verify(options, fresh)).toEqual(Fixtures.referrer)
      const old = yield* Effect.promise(() =>
        signer.sign(Fixtures.referrer, { issuedAt: Math.floor(Date.now() / 1000) - 7200, lifetime: 86_400 })
      )
      expect(yield* Effect.flip(verify(options, old))).toMatchObject({ _tag: "Unauthorized" })
    })
  )
})

describe("an inline key set is checked before any token", () => {
  it.live("a kid used twice, a private key or a key for encryption stops the verifier, naming the key", () =>
    Effect.gen(function* () {
      const signer = yield* Effect.promise(() => Tokens.makeSigner(() => Date.now(), "idp-key-1"))
      const [key] = signer.jwks.keys
      if (key === undefined) throw new Error("fixture")
      const build = (keys: ReadonlyArray<jose.JWK>) => () =>
        Auth.makeVerifier({ keys: { jwks: { keys: [...keys] } }, issuer: Tokens.issuer, audience: Tokens.audience })
      expect(build([key, { ...key }])).toThrow('key "idp-key-1" is registered twice')
      expect(build([{ ...key, d: "c2VjcmV0" }])).toThrow('key "idp-key-1" is a private key')
      expect(build([{ ...key, use: "enc" }])).toThrow('key "idp-key-1" is not a signing key')
      expect(build([key])).not.toThrow()
    })
  )
})
