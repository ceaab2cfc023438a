/**
 * The FHIR server served with `@lahete/http-limits` cannot be held open
 * (issue: bodies at one byte a second were not cut within 75 s, idle partial
 * requests not within 72 s): over real sockets, with short limits
 * configured, Bundles trickling in at one byte a second are cut with 408
 * within the request timeout (plus slack for a loaded machine), nothing of
 * them is stored, and the referrer's Task read answers while they are all
 * still open; a connection that sends nothing is cut within the headers
 * timeout.
 */
import { describe, expect, it } from "@effect/vitest"
import { ReferralStore, ReferralTransport } from "@lahete/core"
import { Fixtures, ReferralTransportTest, SlowPeer } from "@lahete/testing"
import { FhirClient } from "@lahete/transport-fhir"
import { Effect, Layer } from "effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import { BaseUrl, memoryService, realServer } from "./support/layers.js"
import * as Tokens from "./support/tokens.js"
import { referralBundle } from "./support/wire.js"

const limits = { headersTimeoutSeconds: 1, requestTimeoutSeconds: 4, idleTimeoutSeconds: 1, maxConnections: 64 }
const { slackMs } = SlowPeer

const served = realServer({}, limits)
const clientAndServer = Layer.unwrap(
  Effect.map(BaseUrl, (baseUrl) => FhirClient.layer({ baseUrl, token: Tokens.token }))
).pipe(Layer.provide(FetchHttpClient.layer), Layer.provideMerge(served), Layer.provideMerge(memoryService))

describe("FhirServer with HttpLimits", () => {
  it.live(
    "Bundles sent at one byte a second are cut within the request timeout; a Task read answers meanwhile",
    () =>
      Effect.gen(function* () {
        const transport = yield* ReferralTransport.ReferralTransport
        const store = yield* ReferralStore.ReferralStore
        const port = Number(new URL(yield* BaseUrl).port)
        const receipt = yield* transport.deliver(Fixtures.referrer, ReferralTransportTest.message("m-ok"))

        const token = yield* Effect.promise(() => Tokens.sign(Fixtures.referrer))
        const body = JSON.stringify(referralBundle("msg-slow"))
        const slow = yield* Effect.all(Array.from({ length: 10 }, () => SlowPeer.open(port)))
        for (const c of slow) {
          const headers = { Authorization: `Bearer ${token}`, "Content-Type": "application/fhir+json" }
          yield* SlowPeer.trickle(c, SlowPeer.requestHead("POST", "/", headers, body), body)
        }

        // the referrer's Task read answers while every slow Bundle is still open
        const report = yield* transport.status(Fixtures.referrer, receipt.referralId)
        expect(report.referralId).toBe(receipt.referralId)
        expect(slow.filter((c) => c.isClosed())).toEqual([])

        for (const c of slow) {
          expect(yield* Effect.promise(() => c.closed)).toBeLessThan(limits.requestTimeoutSeconds * 1000 + slackMs)
          expect(c.received()).toMatch(/^HTTP\/1\.1 408 /)
        }
        expect(yield* store.referralIds()).toEqual([receipt.referralId])

        // a connection that sends nothing is cut within the headers timeout
        const silent = yield* SlowPeer.open(port)
        expect(yield* Effect.promise(() => silent.closed)).toBeLessThan(limits.headersTimeoutSeconds * 1000 + slackMs)
        expect(silent.received()).toMatch(/^HTTP\/1\.1 408 /)
      }).pipe(Effect.scoped, Effect.provide(clientAndServer)),
    30_000
  )
})
