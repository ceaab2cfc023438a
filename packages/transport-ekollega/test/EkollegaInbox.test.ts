import { createServer } from "node:http"
import { describe, expect, it } from "@effect/vitest"
import {
  AuditLogMemory,
  LinkWorkerRegistry,
  Presets,
  ReferralIndex,
  ReferralService,
  ReferralStore,
  ReferralStoreMemory,
  ReferralTransport
} from "@lahete/core"
import { Fixtures, ReferralTransportTest } from "@lahete/testing"
import { EkollegaClient, EkollegaInbox, EkollegaMessage } from "@lahete/transport-ekollega"
import { Context, Effect, Layer } from "effect"
import { FetchHttpClient, HttpRouter, HttpServer } from "effect/http"
import { type Body, inbox, origin, problem, read, request, snapshot, tokenFor } from "./support/inbox.js"
import { inboxOptions, memoryServices, overHttp, sign, webHandler } from "./support/layers.js"
import { claims, hmacWithPublicKey, keyOf, signWith, strangerJwk, unsecured } from "./support/tokens.js"

const { referrer, colleague, otherOrganisation, sameIdOtherOrganisation } = ReferralTransportTest.senders
const home = referrer.organisation
const away = otherOrganisation.organisation
const message = ReferralTransportTest.message
const path = EkollegaMessage.referralsPath
const now = () => Math.floor(Date.now() / 1000)

/** The personal data of the fixture referral, which no refusal or error may contain. */
const personal = [
  Fixtures.submit().client.givenName,
  Fixtures.submit().client.familyName,
  Fixtures.submit().client.personalIdentityCode ?? "",
  "+358401234567",
  "040 123 4567",
  Fixtures.submit().reasonText,
  Fixtures.close().feedback
]

describe("EkollegaInbox: delivery", () => {
  it.live("POST delivers: 201 with the receipt and its Location; the same message again: 200, duplicate", () =>
    Effect.gen(function* () {
      const { fetch, store } = yield* inbox()
      const token = yield* tokenFor(referrer)
      const first = yield* Effect.promise(() => fetch(request("POST", path, { token, json: message("m-1") })))
      expect(first.status).toBe(201)
      expect(first.headers.get("content-type")).toContain("application/json")
      expect(first.headers.get("cache-control")).toBe("no-store")
      const receipt = yield* Effect.promise(() => read(EkollegaMessage.Receipt, first))
      const expected = yield* ReferralTransport.identify(home, "m-1")
      expect(receipt).toMatchObject({ messageId: "m-1", referralId: expected.referralId, duplicate: false })
      expect(first.headers.get("location")).toBe(`${path}/${expected.referralId}`)

      const again = yield* Effect.promise(() => fetch(request("POST", path, { token, json: message("m-1") })))
      expect(again.status).toBe(200)
      expect(yield* Effect.promise(() => read(EkollegaMessage.Receipt, again))).toEqual({ ...receipt, duplicate: true })
      expect(yield* store.referralIds()).toEqual([expected.referralId])
    })
  )

  it.live("16 concurrent POSTs of one message: one 201, fifteen 200 with the same receipt, one referral", () =>
    Effect.gen(function* () {
      const { fetch, store } = yield* inbox()
      const token = yield* tokenFor(referrer)
      const responses = yield* Effect.promise(() =>
        Promise.all(Array.from({ length: 16 }, () => fetch(request("POST", path, { token, json: message("m-race") }))))
      )
      const statuses = responses.map((r) => r.status).sort()
      expect(statuses).toEqual([200, ...Array(14).fill(200), 201].sort())
      const receipts = yield* Effect.promise(() => Promise.all(responses.map((r) => read(EkollegaMessage.Receipt, r))))
      expect(new Set(receipts.map((r) => `${r.referralId}/${r.receivedAt}`)).size).toBe(1)
      expect(yield* store.referralIds()).toHaveLength(1)
    })
  )

  it.live(
    "round trip over a real HTTP server: the referrer's system sees requested → accepted → contact-scheduled → in-progress → completed",
    () =>
      Effect.gen(function* () {
        const transport = yield* ReferralTransport.ReferralTransport
        const service = yield* ReferralService.ReferralService
        const server = yield* HttpServer.HttpServer
        expect(HttpServer.formatAddress(server.address)).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)

        const receipt = yield* transport.deliver(referrer, message("m-round"))
        expect(receipt.duplicate).toBe(false)
        const steps = ReferralTransportTest.lifecycle(receipt)
        const seen: Array<ReferralTransport.StatusReport["task"]> = []
        const look = Effect.tap(transport.status(referrer, receipt.referralId), (r) =>
          Effect.sync(() => seen.push(r.task))
        )
        yield* look
        yield* service.execute(steps.assign())
        yield* look
        yield* service.execute(steps.scheduleCall())
        yield* look
        yield* service.execute(steps.firstContact())
        yield* look
        yield* service.execute(steps.grantFeedback())
        yield* service.execute(steps.close())
        const closed = yield* look
        expect(seen).toEqual([
          { status: "requested" },
          { status: "accepted" },
          { status: "accepted", businessStatus: "contact-scheduled" },
          { status: "in-progress" },
          { status: "completed" }
        ])
        expect(closed.feedbackText).toBe(Fixtures.close().feedback)
        // polling by Task status goes over the wire as `status=`
        const completed = yield* transport.changes(referrer, { taskStatus: ["completed"], since: steps.times.closeAt })
        expect(completed.map((r) => r.referralId)).toEqual([receipt.referralId])
        expect(yield* transport.changes(referrer, { taskStatus: ["in-progress", "requested"] })).toEqual([])
        // the same message again, and concurrently: one referral
        const repeats = yield* Effect.all(
          Array.from({ length: 6 }, () => transport.deliver(referrer, message("m-round"))),
          { concurrency: "unbounded" }
        )
        expect(repeats.every((r) => r.duplicate && r.referralId === receipt.referralId)).toBe(true)
      }).pipe(Effect.provide(overHttp(memoryServices)))
  )
})

describe("EkollegaInbox: authentication (401, nothing written)", () => {
  const valid = message("m-auth")
  const cases: ReadonlyArray<{ readonly name: string; readonly authorization: () => Promise<string | undefined> }> = [
    { name: "no Authorization header", authorization: async () => undefined },
    { name: "another scheme", authorization: async () => "Basic bnVyc2UtMTpzZWNyZXQ=" },
    { name: "not a JWT", authorization: async () => "Bearer not-a-token" },
    { name: "an empty bearer", authorization: async () => "Bearer " },
    {
      name: "a token over the length limit",
      authorization: async () => `Bearer ${await signWith(claims(home, { padding: "x".repeat(5000) }), keyOf(home))}`
    },
    {
      name: "an organisation that is not registered",
      authorization: async () => `Bearer ${await signWith(claims("unknown-health-centre"), strangerJwk)}`
    },
    {
      name: "a registered issuer, signed by a key nobody registered",
      authorization: async () => `Bearer ${await signWith(claims(home), strangerJwk)}`
    },
    {
      name: "a registered issuer, signed by another organisation's key",
      authorization: async () => `Bearer ${await signWith(claims(home), keyOf(away))}`
    },
    {
      name: "a token whose payload was changed after signing",
      authorization: async () => {
        const [h, , s] = (await signWith(claims(home), keyOf(home))).split(".")
        const forged = Buffer.from(JSON.stringify(claims(home, { sub: "doctor-2" }))).toString("base64url")
        return `Bearer ${h}.${forged}.${s}`
      }
    },
    {
      name: "another audience",
      authorization: async () =>
        `Bearer ${await signWith(claims(home, { aud: "urn:lahete:inbox:other" }), keyOf(home))}`
    },
    {
      name: "an expired token",
      authorization: async () =>
        `Bearer ${await signWith(claims(home, { iat: now() - 600, exp: now() - 300 }), keyOf(home))}`
    },
    {
      name: "a token issued in the future",
      authorization: async () =>
        `Bearer ${await signWith(claims(home, { iat: now() + 600, exp: now() + 660 }), keyOf(home))}`
    },
    {
      name: "a token not valid yet (nbf)",
      authorization: async () => `Bearer ${await signWith(claims(home, { nbf: now() + 600 }), keyOf(home))}`
    },
    {
      name: "a lifetime over the maximum",
      authorization: async () => `Bearer ${await signWith(claims(home, { exp: now() + 3600 }), keyOf(home))}`
    },
    { name: "alg none, no signature", authorization: async () => `Bearer ${unsecured(claims(home))}` },
    { name: "alg none, a made-up signature", authorization: async () => `Bearer ${unsecured(claims(home), "c2ln")}` },
    {
      name: "HS256 with the organisation's public key as the secret",
      authorization: async () => `Bearer ${await hmacWithPublicKey(claims(home), home)}`
    },
    {
      name: "no profession claim",
      authorization: async () => `Bearer ${await signWith(claims(home, { profession: undefined }), keyOf(home))}`
    },
    {
      name: "no subject",
      authorization: async () => `Bearer ${await signWith(claims(home, { sub: undefined }), keyOf(home))}`
    },
    {
      name: "no expiry",
      authorization: async () => `Bearer ${await signWith(claims(home, { exp: undefined }), keyOf(home))}`
    },
    {
      name: "no token id (jti)",
      authorization: async () => `Bearer ${await signWith(claims(home, { jti: undefined }), keyOf(home))}`
    },
    {
      name: "a token id over 256 characters",
      authorization: async () => `Bearer ${await signWith(claims(home, { jti: "j".repeat(257) }), keyOf(home))}`
    },
    {
      name: "no issue time",
      authorization: async () => `Bearer ${await signWith(claims(home, { iat: undefined }), keyOf(home))}`
    },
    {
      name: "a subject that is not an id",
      authorization: async () => `Bearer ${await signWith(claims(home, { sub: "Aino Testinen" }), keyOf(home))}`
    },
    {
      name: "a profession that is not a code",
      authorization: async () => `Bearer ${await signWith(claims(home, { profession: 42 }), keyOf(home))}`
    },
    {
      name: "an organisation claim of the wrong type",
      authorization: async () => `Bearer ${await signWith(claims(home, { iss: [home] }), keyOf(home))}`
    }
  ]

  for (const c of cases) {
    it.live(`${c.name}: 401 with a problem and a Bearer challenge, on every route`, () =>
      Effect.gen(function* () {
        const { fetch, store, audit } = yield* inbox()
        const authorization = yield* Effect.promise(c.authorization)
        const options = authorization === undefined ? {} : { authorization }
        const before = yield* audit.refusals()
        for (const req of [
          request("POST", path, { ...options, json: valid }),
          request("GET", `${path}/ref-0123456789abcdef`, options),
          request("GET", `${path}?since=2026-03-02T07:00:00.000Z`, options)
        ]) {
          const response = yield* Effect.promise(() => fetch(req))
          expect(response.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"')
          const { body, text } = yield* Effect.promise(() => problem(response, 401))
          expect(body.reason).toBe("unauthenticated")
          for (const p of [...personal, "Aino Testinen", home]) expect(text).not.toContain(p)
        }
        expect(yield* store.referralIds()).toEqual([])
        expect(yield* audit.refusals()).toEqual(before)
      })
    )
  }

  it.live("the actor comes from the token only: a sender field in the body is refused, not believed", () =>
    Effect.gen(function* () {
      const { fetch, store, service } = yield* inbox()
      const token = yield* tokenFor(referrer)
      const response = yield* Effect.promise(() =>
        fetch(request("POST", path, { token, json: { ...message("m-actor"), actor: colleague } }))
      )
      const { body } = yield* Effect.promise(() => problem(response, 400))
      expect(body.issues).toEqual([{ path: "(command)", reason: "has a field that is not allowed" }])
      expect(yield* store.referralIds()).toEqual([])
      // the referral delivered with the token is the token's professional's
      const ok = yield* Effect.promise(() => fetch(request("POST", path, { token, json: message("m-actor") })))
      const receipt = yield* Effect.promise(() => read(EkollegaMessage.Receipt, ok))
      const state = yield* service.state(receipt.referralId)
      expect(state.referrer).toEqual({ id: referrer.id, organisation: home, profession: referrer.profession })
    })
  )
})

describe("EkollegaInbox: media type, size and format", () => {
  it.live("a body that is not application/json is refused with 415 before it is read", () =>
    Effect.gen(function* () {
      const { fetch, store } = yield* inbox()
      const token = yield* tokenFor(referrer)
      const body = JSON.stringify(message("m-type"))
      for (const contentType of [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/json; charset=latin1",
        "application/jsonx",
        "multipart/form-data; boundary=x",
        null
      ]) {
        const response = yield* Effect.promise(() => fetch(request("POST", path, { token, body, contentType })))
        const { body: p } = yield* Effect.promise(() => problem(response, 415))
        expect(p.reason).toBe("unsupported")
      }
      for (const contentType of ["application/json; charset=utf-8", "Application/JSON;charset=UTF-8"]) {
        const response = yield* Effect.promise(() =>
          fetch(request("POST", path, { token, body, contentType, headers: {} }))
        )
        expect(response.status).toBe(contentType.startsWith("A") ? 200 : 201)
      }
      expect(yield* store.referralIds()).toHaveLength(1)
    })
  )

  it.live("a body over the limit is refused with 413, by its declared length or as it is read", () =>
    Effect.gen(function* () {
      const { fetch, store } = yield* inbox({ maxBodyBytes: 2048 })
      const token = yield* tokenFor(referrer)
      const fits = JSON.stringify(message("m-fits"))
      expect(new TextEncoder().encode(fits).length).toBeLessThan(2048)
      const big = JSON.stringify(message("m-big", { reasonText: "x".repeat(1900) }))
      // declared
      const declared = yield* Effect.promise(() =>
        fetch(request("POST", path, { token, body: big, headers: { "content-length": String(big.length) } }))
      )
      expect((yield* Effect.promise(() => problem(declared, 413))).body.reason).toBe("too-large")
      // streamed, no declared length
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < 10; i++) controller.enqueue(new TextEncoder().encode(big.slice(i * 300, (i + 1) * 300)))
          controller.close()
        }
      })
      const streamed = yield* Effect.promise(() =>
        fetch(
          new Request(`${origin}${path}`, {
            method: "POST",
            headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
            body: stream,
            duplex: "half"
          } as RequestInit)
        )
      )
      expect((yield* Effect.promise(() => problem(streamed, 413))).body.reason).toBe("too-large")
      expect(yield* store.referralIds()).toEqual([])
      const ok = yield* Effect.promise(() => fetch(request("POST", path, { token, body: fits })))
      expect(ok.status).toBe(201)
    })
  )

  it.live("the default limit is 64 KiB, checked on a real server with a chunked body", () =>
    Effect.gen(function* () {
      expect(EkollegaInbox.defaultMaxBodyBytes).toBe(65_536)
      const server = yield* HttpServer.HttpServer
      const base = HttpServer.formatAddress(server.address)
      const token = yield* sign(referrer)
      const huge = JSON.stringify(message("m-huge", { reasonText: "x".repeat(70_000) }))
      const chunks = new ReadableStream<Uint8Array>({
        start(controller) {
          const bytes = new TextEncoder().encode(huge)
          for (let i = 0; i < bytes.length; i += 8192) controller.enqueue(bytes.slice(i, i + 8192))
          controller.close()
        }
      })
      const response = yield* Effect.promise(() =>
        globalThis.fetch(`${base}${path}`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: chunks,
          duplex: "half"
        } as RequestInit)
      )
      expect((yield* Effect.promise(() => problem(response, 413))).body.reason).toBe("too-large")
      // just under the limit, a message that is too long for the schema is a 400, not a 413
      const under = JSON.stringify(message("m-under", { reasonText: "x".repeat(60_000) }))
      const fresh = yield* sign(referrer) // each token is accepted once
      const refused = yield* Effect.promise(() =>
        globalThis.fetch(`${base}${path}`, {
          method: "POST",
          headers: { authorization: `Bearer ${fresh}`, "content-type": "application/json" },
          body: under
        })
      )
      const { body } = yield* Effect.promise(() => problem(refused, 400))
      expect(body.issues?.map((i) => i.path)).toEqual(["reasonText"])
    }).pipe(Effect.provide(overHttp(memoryServices)))
  )

  it.live("bodies that are not UTF-8 JSON, or not a valid message, are refused with 400 naming paths only", () =>
    Effect.gen(function* () {
      const { fetch, store } = yield* inbox()
      const token = yield* tokenFor(referrer)
      const valid = message("m-bad") as unknown as Record<string, unknown>
      const cases: ReadonlyArray<{ body: Body; issues?: ReadonlyArray<{ path: string }> }> = [
        { body: "{" },
        { body: "" },
        { body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) },
        { body: "null" },
        { body: "[]" },
        {
          body: JSON.stringify({ ...valid, client: { ...(valid.client as object), givenName: 7 } }),
          issues: [{ path: "client.givenName" }]
        },
        { body: JSON.stringify({ ...valid, consents: [{ purpose: "referral" }] }) },
        { body: JSON.stringify({ ...valid, messageId: "Aino Testinen" }), issues: [{ path: "messageId" }] }
      ]
      for (const c of cases) {
        const response = yield* Effect.promise(() => fetch(request("POST", path, { token, body: c.body })))
        const { body, text } = yield* Effect.promise(() => problem(response, 400))
        expect(body.reason).toBe("malformed")
        for (const p of personal) expect(text).not.toContain(p)
        expect(text).not.toContain("Aino Testinen")
        if (c.issues !== undefined) expect(body.issues?.map((i) => i.path)).toEqual(c.issues.map((i) => i.path))
      }
      expect(yield* store.referralIds()).toEqual([])
    })
  )

  it.live(
    "the lifecycle's refusals: 422 for no referral consent, an unknown programme or invalid client details, 409 for a reused id",
    () =>
      Effect.gen(function* () {
        const { fetch, store } = yield* inbox()
        const token = yield* tokenFor(referrer)
        const post = (json: unknown) => Effect.promise(() => fetch(request("POST", path, { token, json })))
        const noConsent = yield* post(message("m-422", { consents: [] }))
        expect((yield* Effect.promise(() => problem(noConsent, 422))).body.detail).toBe("consent-missing: referral")
        const unknown = yield* post({ ...message("m-422b"), programmeId: "atlantis" })
        expect((yield* Effect.promise(() => problem(unknown, 422))).body.detail).toBe("programme-not-found")
        const client = Fixtures.submit().client
        for (const [id, override] of [
          ["m-422c", { personalIdentityCode: "010594Y9033" }],
          ["m-422d", { mobileNumber: "12" }]
        ] as const) {
          const invalid = yield* post(message(id, { client: { ...client, ...override } }))
          const { body, text } = yield* Effect.promise(() => problem(invalid, 422))
          expect(body.reason).toBe("unprocessable")
          expect(text).not.toContain("010594Y9033")
        }
        expect(yield* store.referralIds()).toEqual([])
        expect((yield* post(message("m-409"))).status).toBe(201)
        const before = yield* snapshot(store)
        const reused = yield* post(message("m-409", { feedbackRequested: false }))
        expect((yield* Effect.promise(() => problem(reused, 409))).body.reason).toBe("conflict")
        expect(yield* snapshot(store)).toEqual(before)
      })
  )

  it.live("status and changes: bad ids and queries are 400; other methods and paths are 404 problems", () =>
    Effect.gen(function* () {
      const { fetch } = yield* inbox()
      const token = yield* tokenFor(referrer)
      const get = (p: string, method = "GET") => Effect.promise(() => fetch(request(method, p, { token })))
      for (const bad of [
        `${path}/has%20space`,
        `${path}/${"x".repeat(200)}`,
        `${path}/ref%00x`,
        `${path}/-leading-dash`
      ]) {
        const { body } = yield* Effect.promise(async () => problem(await fetch(request("GET", bad, { token })), 400))
        expect(body.issues?.[0]?.path).toBe("referralId")
      }
      for (const query of [
        "since=yesterday",
        "since=2026-03-02",
        "since=2026-03-02T07:00:00.000Z&since=2026-03-02T07:00:00.000Z",
        "status=done",
        "status=requested,",
        "limit=10",
        "status=requested&x=1"
      ]) {
        const response = yield* get(`${path}?${query}`)
        expect((yield* Effect.promise(() => problem(response, 400))).body.reason).toBe("malformed")
      }
      // an id of the longest allowed length (128) is looked up: unknown, so refused like another's (403)
      const longest = yield* get(`${path}/r${"x".repeat(127)}`)
      expect((yield* Effect.promise(() => problem(longest, 403))).body.reason).toBe("forbidden")
      const listed = yield* get(`${path}?since=2026-03-02T07:00:00.000Z&status=requested,accepted&status=completed`)
      expect(listed.status).toBe(200)
      expect(yield* Effect.promise(() => listed.json())).toEqual({ referrals: [] })
      for (const [method, p] of [
        ["GET", "/"],
        ["GET", "/v1"],
        ["GET", "/v2/referrals"],
        ["DELETE", path],
        ["PUT", `${path}/ref-1`],
        ["PATCH", path]
      ] as const) {
        const response = yield* get(p, method)
        expect((yield* Effect.promise(() => problem(response, 404))).body.reason).toBe("not-found")
      }
    })
  )
})

describe("EkollegaInbox: need-to-know", () => {
  it.live(
    "another organisation cannot read a referral (403, logged), sees none in changes, and never the feedback",
    () =>
      Effect.gen(function* () {
        const { fetch, service, audit } = yield* inbox()
        const post = yield* Effect.promise(async () =>
          fetch(request("POST", path, { token: await Effect.runPromise(tokenFor(referrer)), json: message("m-own") }))
        )
        const receipt = yield* Effect.promise(() => read(EkollegaMessage.Receipt, post))
        const steps = ReferralTransportTest.lifecycle(receipt)
        for (const c of [
          steps.assign(),
          steps.scheduleCall(),
          steps.firstContact(),
          steps.grantFeedback(),
          steps.close()
        ]) {
          yield* service.execute(c)
        }
        const state = yield* service.state(receipt.referralId)
        const subjectId = state.subjectId
        if (subjectId === undefined) return yield* Effect.die("no subject")

        for (const outsider of [otherOrganisation, sameIdOtherOrganisation, colleague]) {
          const token = yield* tokenFor(outsider)
          const one = yield* Effect.promise(() => fetch(request("GET", `${path}/${receipt.referralId}`, { token })))
          const { text } = yield* Effect.promise(() => problem(one, 403))
          for (const p of personal) expect(text).not.toContain(p)
          const list = yield* Effect.promise(() => fetch(request("GET", path, { token })))
          expect(yield* Effect.promise(() => list.json())).toEqual({ referrals: [] })
        }
        expect((yield* audit.forSubject(subjectId)).disclosures).toEqual([])
        const refusals = yield* audit.refusals()
        expect(refusals.map((r) => `${r.organisation}/${r.actorId}`)).toEqual(
          [otherOrganisation, sameIdOtherOrganisation, colleague].map((o) => `${o.organisation}/${o.id}`)
        )

        // the referrer reads it under C3: each read is a disclosure
        const token = yield* tokenFor(referrer)
        for (let i = 1; i <= 2; i++) {
          const own = yield* Effect.promise(() => fetch(request("GET", `${path}/${receipt.referralId}`, { token })))
          expect(own.status).toBe(200)
          expect((yield* Effect.promise(() => read(EkollegaMessage.StatusReport, own))).feedbackText).toBe(
            Fixtures.close().feedback
          )
          const disclosures = (yield* audit.forSubject(subjectId)).disclosures
          expect(disclosures).toHaveLength(i)
          expect(disclosures[i - 1]).toMatchObject({ recipientId: referrer.id, recipientOrganisation: home })
        }
        // the list carries no feedback text
        const list = yield* Effect.promise(() => fetch(request("GET", path, { token })))
        expect(yield* Effect.promise(() => list.text())).not.toContain(Fixtures.close().feedback)
      })
  )
})

describe("EkollegaClient: answers map back to the port's errors", () => {
  it.live("refusals come back with the inbox's reason, status, detail and issues", () =>
    Effect.gen(function* () {
      const transport = yield* ReferralTransport.ReferralTransport
      const memory = yield* ReferralTransport.make("memory")
      const bad = { ...message("m-map"), extra: true } as unknown as ReferralTransport.InboundReferral
      const overWire = yield* Effect.flip(transport.deliver(referrer, bad))
      const inProcess = yield* Effect.flip(memory.deliver(referrer, bad))
      expect(overWire).toEqual(inProcess)
      const noConsent = message("m-map-2", { consents: [] })
      expect(yield* Effect.flip(transport.deliver(referrer, noConsent))).toEqual(
        yield* Effect.flip(memory.deliver(referrer, noConsent))
      )
      // the signer refuses an actor of another organisation before anything is sent
      const stranger = { ...referrer, organisation: "not-registered" } as typeof referrer
      const refused = yield* Effect.flip(transport.deliver(stranger, message("m-map-3")))
      expect(refused).toMatchObject({ _tag: "TransportRefused", reason: "forbidden" })
    }).pipe(Effect.provide(overHttp(memoryServices)))
  )

  it.live("an inbox that cannot be reached is TransportUnavailable", () =>
    Effect.gen(function* () {
      // a port that was free a moment ago
      const port = yield* Effect.promise(
        () =>
          new Promise<number>((resolve) => {
            const s = createServer()
            s.listen(0, "127.0.0.1", () => {
              const address = s.address()
              s.close(() => resolve(typeof address === "object" && address !== null ? address.port : 1))
            })
          })
      )
      const client = yield* EkollegaClient.make({ baseUrl: `http://127.0.0.1:${port}`, sign }).pipe(
        Effect.provide(FetchHttpClient.layer)
      )
      const id = (yield* ReferralTransport.identify(home, "m-down")).referralId
      const calls: ReadonlyArray<Effect.Effect<unknown, ReferralTransport.TransportError>> = [
        client.deliver(referrer, message("m-down")),
        client.status(referrer, id),
        client.changes(referrer, {})
      ]
      for (const call of calls) {
        const error = yield* Effect.flip(call)
        expect(error._tag).toBe("TransportUnavailable")
      }
    })
  )

  it.live("a store that fails is 503 without details, and TransportUnavailable to the client", () =>
    Effect.gen(function* () {
      const broken = Layer.effectContext(
        Effect.map(ReferralStoreMemory.makeWithIndex(), ({ store, index }) =>
          Context.make(ReferralStore.ReferralStore, {
            ...store,
            append: () => Effect.fail(new ReferralStore.StoreFailure({ operation: "append", detail: "disk full" }))
          }).pipe(Context.add(ReferralIndex.ReferralIndex, index))
        )
      )
      const services = ReferralService.layer.pipe(
        Layer.provideMerge(
          Layer.mergeAll(
            broken,
            AuditLogMemory.layer,
            LinkWorkerRegistry.layerMemory([]),
            ReferralService.catalogLayer(Presets.catalog)
          )
        )
      )
      const context = yield* Layer.build(services)
      const { handler, dispose } = webHandler(context)
      yield* Effect.addFinalizer(() => Effect.promise(dispose))
      const token = yield* tokenFor(referrer)
      const response = yield* Effect.promise(() => handler(request("POST", path, { token, json: message("m-503") })))
      const { body, text } = yield* Effect.promise(() => problem(response, 503))
      expect(body.reason).toBe(undefined)
      expect(text).not.toContain("disk full")
      for (const p of personal) expect(text).not.toContain(p)
      expect(EkollegaMessage.errorOf(response.status, body)._tag).toBe("TransportUnavailable")
      // through the client and a real server
      const viaClient = yield* Effect.flip(
        Effect.flatMap(ReferralTransport.ReferralTransport, (t) => t.deliver(referrer, message("m-503"))).pipe(
          Effect.provide(Layer.orDie(overHttp(services)))
        )
      )
      expect(viaClient._tag).toBe("TransportUnavailable")
    })
  )

  it("errorOf: 4xx by the problem's reason when it agrees with the status, else by the status; 5xx, 408, 425, 429 unavailable", () => {
    const p = (reason: string, status: number) => ({ type: "t", title: "t", status, reason, detail: "d" })
    expect(EkollegaMessage.errorOf(409, p("conflict", 409))).toMatchObject({
      reason: "conflict",
      status: 409,
      detail: "d"
    })
    expect(EkollegaMessage.errorOf(400, p("conflict", 409))).toMatchObject({ reason: "malformed", status: 400 })
    expect(EkollegaMessage.errorOf(404, "not json")).toMatchObject({ reason: "not-found", status: 404 })
    expect(EkollegaMessage.errorOf(405, undefined)).toMatchObject({ reason: "malformed", status: 405 })
    for (const status of [500, 502, 503, 504, 408, 425, 429]) {
      expect(EkollegaMessage.errorOf(status, p("conflict", 409))._tag).toBe("TransportUnavailable")
    }
    for (const [reason, status] of Object.entries(ReferralTransport.httpStatus)) {
      expect(EkollegaMessage.errorOf(status, undefined)).toMatchObject({ _tag: "TransportRefused", reason, status })
    }
  })
})

describe("EkollegaInbox: settings", () => {
  it.live("refuses unusable registrations: private keys, duplicates, bad ids, empty key sets", () =>
    Effect.gen(function* () {
      const [organisation] = inboxOptions.organisations
      if (organisation === undefined) return
      const bad: ReadonlyArray<EkollegaInbox.Options> = [
        { ...inboxOptions, organisations: [{ id: home, keys: { keys: [keyOf(home)] } }] },
        { ...inboxOptions, organisations: [organisation, organisation] },
        { ...inboxOptions, organisations: [{ ...organisation, id: "has space" }] },
        { ...inboxOptions, organisations: [{ ...organisation, keys: { keys: [] } }] },
        { ...inboxOptions, audience: "" },
        { ...inboxOptions, maxBodyBytes: 0 }
      ]
      for (const options of bad) {
        const error = yield* Effect.flip(
          Layer.build(EkollegaInbox.layer(options).pipe(Layer.provide(memoryServices), Layer.provide(HttpRouter.layer)))
        )
        expect(error._tag).toBe("TokenConfigError")
        expect(error.message).not.toContain('"d"')
      }
    })
  )
})
