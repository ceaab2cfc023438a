import { describe, expect, it } from "@effect/vitest"
import { ReferralTransport } from "@lahete/core"
import { Fixtures, ReferralTransportTest } from "@lahete/testing"
import { FhirClient, FhirOutcome } from "@lahete/transport-fhir"
import { Config, Effect, Layer, Redacted, Result } from "effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"

/** A client whose `fetch` answers as `answer` says, recording the requests. */
const clientWith = (answer: (request: Request) => Promise<Response>) => {
  const requests: Array<Request> = []
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const request = new Request(input, init)
    requests.push(request)
    return answer(request)
  }) as typeof globalThis.fetch
  const layer = FhirClient.layer({
    baseUrl: "https://lahete.test/fhir/",
    token: Redacted.make("header.payload.signature"),
    timeout: "2 seconds"
  }).pipe(Layer.provide(FetchHttpClient.layer), Layer.provide(Layer.succeed(FetchHttpClient.Fetch, fetch)))
  return { layer, requests }
}

const fhir = (body: unknown, status: number) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/fhir+json" } })

const transport = ReferralTransport.ReferralTransport
const message = ReferralTransportTest.message("msg-client")

describe("FhirClient: errors and requests", () => {
  it.effect("an OperationOutcome 4xx is the refusal it states, with detail and issues", () => {
    const refusal = ReferralTransport.refuse("malformed", "the Bundle is not a valid referral", [
      { path: "Bundle.entry[2].resource.communication", reason: "expected the client's language as a BCP 47 code" }
    ])
    const { layer } = clientWith(async () => fhir(FhirOutcome.fromRefusal(refusal), 400))
    return Effect.gen(function* () {
      const t = yield* transport
      const result = yield* Effect.result(t.deliver(Fixtures.referrer, message))
      expect(Result.isFailure(result) && result.failure).toEqual(refusal)
    }).pipe(Effect.provide(layer))
  })

  it.live("5xx, a garbled success, an unreachable server and a timeout are TransportUnavailable", () =>
    Effect.gen(function* () {
      const cases: ReadonlyArray<(request: Request) => Promise<Response>> = [
        async () => new Response("Service Unavailable", { status: 503 }),
        async () => fhir({ resourceType: "Bundle", type: "transaction-response", entry: [] }, 201),
        async () => new Response("<html>ok</html>", { status: 200 }),
        async () => {
          throw new TypeError("fetch failed")
        },
        () => new Promise<Response>(() => {})
      ]
      for (const answer of cases) {
        const { layer } = clientWith(answer)
        const result = yield* Effect.result(
          Effect.flatMap(transport, (t) => t.deliver(Fixtures.referrer, message)).pipe(Effect.provide(layer))
        )
        expect(Result.isFailure(result) && result.failure._tag).toBe("TransportUnavailable")
      }
    })
  )

  it.effect("a message that is not valid, or that FHIR cannot carry, is refused before anything is sent", () => {
    const { layer, requests } = clientWith(async () => new Response("", { status: 500 }))
    return Effect.gen(function* () {
      const t = yield* transport
      const bad = [
        { ...message, reasonCategories: [] },
        { ...message, client: { ...message.client, birthYear: 12345 } },
        { ...message, client: { ...message.client, mobileNumber: "" } }
      ]
      for (const m of bad) {
        const result = yield* Effect.result(t.deliver(Fixtures.referrer, m))
        expect(Result.isFailure(result) && result.failure._tag === "TransportRefused" && result.failure.reason).toBe(
          "malformed"
        )
      }
      expect(requests).toHaveLength(0)
    }).pipe(Effect.provide(layer))
  })

  it.effect(
    "requests: the Bundle is POSTed to the base, reads and searches GET Task, each with the bearer token",
    () => {
      const { layer, requests } = clientWith(async () =>
        fhir({ resourceType: "Bundle", type: "searchset", total: 0 }, 200)
      )
      return Effect.gen(function* () {
        const t = yield* transport
        expect(
          yield* t.changes(Fixtures.referrer, { since: Fixtures.t0, taskStatus: ["accepted", "in-progress"] })
        ).toEqual([])
        expect(yield* t.changes(Fixtures.referrer, { taskStatus: [] })).toEqual([])
        yield* Effect.result(t.status(Fixtures.referrer, Fixtures.referralId))
        yield* Effect.result(t.deliver(Fixtures.referrer, message))
        expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual([
          `GET https://lahete.test/fhir/Task?status=accepted%2Cin-progress&_lastUpdated=ge${encodeURIComponent(Fixtures.t0)}`,
          "GET https://lahete.test/fhir/Task",
          "GET https://lahete.test/fhir/Task/referral-1",
          "POST https://lahete.test/fhir"
        ])
        for (const r of requests) {
          expect(r.headers.get("authorization")).toBe("Bearer header.payload.signature")
          expect(r.headers.get("accept")).toBe("application/fhir+json")
        }
        const posted = requests[3]
        expect(posted?.headers.get("content-type")).toBe("application/fhir+json")
        const bundle = yield* Effect.promise(() => posted?.json() ?? Promise.resolve(undefined))
        expect(bundle).toMatchObject({
          resourceType: "Bundle",
          type: "transaction",
          identifier: { value: "msg-client" }
        })
      }).pipe(Effect.provide(layer))
    }
  )

  it.effect("layerConfig reads the base URL and the token from configuration", () => {
    const requests: Array<Request> = []
    const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
      requests.push(new Request(input, init))
      return fhir({ resourceType: "Bundle", type: "searchset", total: 0 }, 200)
    }) as typeof globalThis.fetch
    const layer = FhirClient.layerConfig({
      baseUrl: Config.succeed("https://config.test/fhir"),
      token: Config.succeed(Redacted.make("from.config.token"))
    }).pipe(Layer.provide(FetchHttpClient.layer), Layer.provide(Layer.succeed(FetchHttpClient.Fetch, fetch)))
    return Effect.gen(function* () {
      const t = yield* transport
      expect(yield* t.changes(Fixtures.referrer, {})).toEqual([])
      expect(requests.map((r) => [r.url, r.headers.get("authorization")])).toEqual([
        ["https://config.test/fhir/Task", "Bearer from.config.token"]
      ])
    }).pipe(Effect.provide(layer))
  })
})
