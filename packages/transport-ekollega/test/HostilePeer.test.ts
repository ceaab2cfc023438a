/**
 * The inbox against a careless or hostile peer (issue 20): a message id
 * reused for another client is a 409 that writes nothing; hostile text in
 * any text field of a message is a 400 naming the field; a key set with a
 * `kid` used twice stops the inbox from starting; a token is accepted once.
 */
import { describe, expect, it } from "@effect/vitest"
import { type AuditLog, type ReferralIndex, type ReferralService, ReferralStore, ReferralTransport } from "@lahete/core"
import { Arbitraries, ReferralTransportTest } from "@lahete/testing"
import { EkollegaInbox, EkollegaMessage, EkollegaToken } from "@lahete/transport-ekollega"
import { Effect, Layer } from "effect"
import { HttpRouter, HttpServer } from "effect/http"
import * as fc from "fast-check"
import { inbox, problem, request, snapshot } from "./support/inbox.js"
import { inboxOptions, memoryServices, overHttp, sign, sqliteServices } from "./support/layers.js"

const { referrer } = ReferralTransportTest.senders
const message = ReferralTransportTest.message
const path = EkollegaMessage.referralsPath

/** A message for another client under the same id: every personal field differs. */
const otherClient = (messageId: string) =>
  message(messageId, {
    client: {
      givenName: "Eino",
      familyName: "Esimerkki",
      personalIdentityCode: "131052-308T",
      mobileNumber: "050 765 4321",
      language: "sv"
    },
    reasonText: "Another client's reason, after a bereavement."
  })

/** POSTs a message to the inbox on a real socket, with a fresh token. */
const post = (body: unknown) =>
  Effect.gen(function* () {
    const server = yield* HttpServer.HttpServer
    const token = yield* sign(referrer)
    return yield* Effect.promise(() =>
      fetch(`${HttpServer.formatAddress(server.address)}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(body)
      })
    )
  })

describe("a message id reused for another client (real socket)", () => {
  const reusedId = (
    name: string,
    services: Layer.Layer<
      ReferralService.ReferralService | ReferralStore.ReferralStore | ReferralIndex.ReferralIndex | AuditLog.AuditLog,
      unknown
    >
  ) =>
    it.live(`${name}: 409 and nothing stored; the first message again is 200 duplicate`, () =>
      Effect.gen(function* () {
        const first = yield* post(message("m-reused"))
        expect(first.status).toBe(201)
        const receipt = yield* Effect.promise(() => first.json() as Promise<{ referralId: string }>)
        const store = yield* ReferralStore.ReferralStore
        const before = yield* snapshot(store)
        const subject = yield* ReferralTransport.identify(referrer.organisation, "m-reused")
        const vault = yield* store.subject(subject.subjectId)

        const reused = yield* post(otherClient("m-reused"))
        const { body, text } = yield* Effect.promise(() => problem(reused, 409))
        expect(body.reason).toBe("conflict")
        for (const p of ["Eino", "Esimerkki", "131052-308T", "765 4321", "bereavement"]) expect(text).not.toContain(p)
        // only one field of the client changed: still a conflict
        const renamed = yield* post(
          message("m-reused", { client: { ...message("m-reused").client, givenName: "Eino" } })
        )
        expect(renamed.status).toBe(409)
        expect(yield* snapshot(store)).toEqual(before)
        expect(yield* store.subject(subject.subjectId)).toEqual(vault)

        const again = yield* post(message("m-reused"))
        expect(again.status).toBe(200)
        expect(yield* Effect.promise(() => again.json())).toMatchObject({
          referralId: receipt.referralId,
          duplicate: true
        })
      }).pipe(Effect.provide(overHttp(services)))
    )
  reusedId("memory", memoryServices)
  reusedId("SQLite", sqliteServices)
})

/** Every text field of the message, its value in the fixture message, and its maximum length. */
const textFields = [
  { path: "client.givenName", max: 100 },
  { path: "client.familyName", max: 100 },
  { path: "client.personalIdentityCode", max: 32 },
  { path: "client.mobileNumber", max: 32 },
  { path: "reasonText", max: 2000 }
] as const

const at = (value: unknown, path: string): string =>
  path.split(".").reduce((v, k) => (v as Record<string, unknown>)[k], value) as string

const withText = (value: unknown, path: string, text: string): unknown => {
  const copy = JSON.parse(JSON.stringify(value)) as Record<string, unknown>
  const keys = path.split(".")
  let target = copy
  for (const k of keys.slice(0, -1)) target = target[k] as Record<string, unknown>
  target[keys[keys.length - 1] as string] = text
  return copy
}

describe("hostile text in the message", () => {
  it.live(
    "control characters, unpaired surrogates, bidi controls, separators or oversize in any text field: 400 naming the field, nothing stored",
    () =>
      Effect.gen(function* () {
        const { fetch, store } = yield* inbox()
        const token = yield* sign(referrer)
        const base = message("m-hostile", { client: { ...message("m-hostile").client, mobileNumber: "040 123 4567" } })
        const samples = fc.sample(
          fc
            .constantFrom(...textFields)
            .chain((field) =>
              Arbitraries.hostileText(at(base, field.path), { maxLength: field.max }).map((h) => ({ field, ...h }))
            ),
          { numRuns: 300, seed: 20 }
        )
        const kinds = new Set<string>()
        for (const { field, kind, text } of samples) {
          kinds.add(`${field.path}:${kind}`)
          const response = yield* Effect.promise(() =>
            fetch(request("POST", path, { token, json: withText(base, field.path, text) }))
          )
          const { body, text: answer } = yield* Effect.promise(() => problem(response, 400))
          expect(body.reason).toBe("malformed")
          expect(body.issues?.map((i) => i.path)).toEqual([field.path])
          expect(answer).not.toContain(at(base, field.path))
        }
        // every field met every kind of hostile text
        expect(kinds.size).toBe(textFields.length * 5)
        expect(yield* snapshot(store)).toEqual({ ids: [], versions: {} })
        // line breaks are allowed in the reason
        const multiLine = yield* Effect.promise(() =>
          fetch(
            request("POST", path, {
              token,
              json: message("m-lines", { reasonText: "First line.\r\nSecond line.\nThird." })
            })
          )
        )
        expect(multiLine.status).toBe(201)
      })
  )
})

describe("key sets and tokens", () => {
  it.live(
    "a kid used twice in an organisation's key set stops the inbox from starting, naming the organisation and the kid",
    () =>
      Effect.gen(function* () {
        const [organisation] = inboxOptions.organisations
        if (organisation === undefined) throw new Error("fixture")
        const rotated = yield* EkollegaToken.generateKeyPair("ES256", "key-2026")
        const next = yield* EkollegaToken.generateKeyPair("ES256", "key-2026")
        const build = (keySet: EkollegaToken.JsonWebKeySet) =>
          Effect.flip(
            Layer.build(
              EkollegaInbox.layer({ ...inboxOptions, organisations: [{ id: organisation.id, keys: keySet }] }).pipe(
                Layer.provide(memoryServices),
                Layer.provide(HttpRouter.layer)
              )
            )
          )
        const duplicate = yield* build({ keys: [...rotated.publicKeys.keys, ...next.publicKeys.keys] })
        expect(duplicate._tag).toBe("TokenConfigError")
        expect(duplicate.message).toContain(organisation.id)
        expect(duplicate.message).toContain('key "key-2026" is registered twice')
        const [publicKey] = rotated.publicKeys.keys
        if (publicKey === undefined) throw new Error("fixture")
        const { alg: _alg, ...withoutAlg } = publicKey
        const wrong: ReadonlyArray<readonly [EkollegaToken.JsonWebKey, RegExp]> = [
          [{ ...publicKey, use: "enc" }, /key "key-2026" is not a signing key/],
          [{ ...publicKey, alg: "RS256" }, /key "key-2026" has an alg that does not match its key type/],
          [{ ...withoutAlg, crv: "P-384" }, /key "key-2026" fits none of the accepted algorithms/],
          [{ kty: "oct", k: "c2VjcmV0", kid: "key-2026" }, /key "key-2026" is a shared secret/],
          [{ ...publicKey, x: "AAAA" }, /key "key-2026" cannot be imported/]
        ]
        for (const [key, expected] of wrong) {
          const error = yield* build({ keys: [key] })
          expect(error.message).toMatch(expected)
          expect(error.message).not.toContain(String(publicKey.x))
        }
      })
  )

  it.live("a token is accepted once (real socket): the same token again is 401, a fresh one goes through", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.HttpServer
      const url = `${HttpServer.formatAddress(server.address)}${path}`
      const token = yield* sign(referrer)
      const send = (bearer: string, messageId: string) =>
        Effect.promise(() =>
          fetch(url, {
            method: "POST",
            headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
            body: JSON.stringify(message(messageId))
          })
        )
      expect((yield* send(token, "m-once")).status).toBe(201)
      const replayed = yield* send(token, "m-replayed")
      const { body } = yield* Effect.promise(() => problem(replayed, 401))
      expect(body.detail).toBe("the token was used before (jti)")
      const status = yield* Effect.promise(() =>
        fetch(`${url}?since=2026-01-01T00:00:00.000Z`, { headers: { authorization: `Bearer ${token}` } })
      )
      expect(status.status).toBe(401)
      expect((yield* send(yield* sign(referrer), "m-fresh")).status).toBe(201)
    }).pipe(Effect.provide(overHttp(memoryServices)))
  )
})
