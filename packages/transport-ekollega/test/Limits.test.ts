/**
 * The inbox served with `@lahete/http-limits` cannot be held open (issue:
 * bodies at one byte a second were not cut within 75 s, idle partial requests
 * not within 72 s): over real sockets, with short limits configured, referral
 * messages trickling in at one byte a second are cut with 408 within the
 * request timeout (plus slack for a loaded machine), nothing of them is
 * stored, and the referrer's status read answers while they are all still
 * open; a connection that sends nothing is cut within the headers timeout.
 */
import type { AddressInfo } from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { ReferralStore, ReferralTransport } from "@lahete/core"
import { ReferralTransportTest, SlowPeer } from "@lahete/testing"
import { EkollegaMessage } from "@lahete/transport-ekollega"
import { Effect } from "effect"
import { HttpServer } from "effect/http"
import { tokenFor } from "./support/inbox.js"
import { memoryServices, overHttp } from "./support/layers.js"

const limits = { headersTimeoutSeconds: 1, requestTimeoutSeconds: 4, idleTimeoutSeconds: 1, maxConnections: 64 }
const { slackMs } = SlowPeer
const { referrer } = ReferralTransportTest.senders

describe("EkollegaInbox with HttpLimits", () => {
  it.live(
    "messages sent at one byte a second are cut within the request timeout; a status read answers meanwhile",
    () =>
      Effect.gen(function* () {
        const transport = yield* ReferralTransport.ReferralTransport
        const store = yield* ReferralStore.ReferralStore
        const port = ((yield* HttpServer.HttpServer).address as unknown as AddressInfo).port
        const receipt = yield* transport.deliver(referrer, ReferralTransportTest.message("m-ok"))

        const body = JSON.stringify(ReferralTransportTest.message("m-slow"))
        const slow = yield* Effect.all(Array.from({ length: 10 }, () => SlowPeer.open(port)))
        for (const c of slow) {
          const token = yield* tokenFor(referrer) // one per request: the inbox accepts each token once
          const headers = { Authorization: `Bearer ${token}`, "Content-Type": "application/json" }
          yield* SlowPeer.trickle(c, SlowPeer.requestHead("POST", EkollegaMessage.referralsPath, headers, body), body)
        }

        // the referrer's status read answers while every slow message is still open
        const report = yield* transport.status(referrer, receipt.referralId)
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
      }).pipe(Effect.scoped, Effect.provide(overHttp(memoryServices, { limits }))),
    30_000
  )
})
