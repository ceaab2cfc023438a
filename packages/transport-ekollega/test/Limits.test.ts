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
import { connect, type Socket } from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { ReferralStore, ReferralTransport } from "@lahete/core"
import { ReferralTransportTest } from "@lahete/testing"
import { EkollegaMessage } from "@lahete/transport-ekollega"
import { Effect } from "effect"
import { HttpServer } from "effect/http"
import { tokenFor } from "./support/inbox.js"
import { memoryServices, overHttp } from "./support/layers.js"

const limits = { headersTimeoutSeconds: 1, requestTimeoutSeconds: 4, idleTimeoutSeconds: 1, maxConnections: 64 }
/** Slack over a bound for a loaded machine (Node checks the timeouts every quarter of the shorter one). */
const slackMs = 2_000
const { referrer } = ReferralTransportTest.senders

/** A raw connection recording what the server sends, and when it closes (ms since opening). */
const open = (port: number, sockets: Array<Socket>) => {
  const opened = Date.now()
  const socket = connect(port, "127.0.0.1")
  sockets.push(socket)
  let received = ""
  let closedAt: number | undefined
  socket.on("data", (d) => {
    received += String(d)
  })
  socket.on("error", () => {})
  const closed = new Promise<number>((resolve) =>
    socket.on("close", () => {
      closedAt = Date.now() - opened
      resolve(closedAt)
    })
  )
  const connected = new Promise<void>((resolve) => socket.on("connect", () => resolve()))
  return { socket, closed, connected, received: () => received, isClosed: () => closedAt !== undefined }
}

describe("EkollegaInbox with HttpLimits", () => {
  it.live(
    "messages sent at one byte a second are cut within the request timeout; a status read answers meanwhile",
    () =>
      Effect.gen(function* () {
        const sockets: Array<Socket> = []
        const timers: Array<NodeJS.Timeout> = []
        yield* Effect.addFinalizer(() =>
          Effect.sync(() => {
            for (const t of timers) clearInterval(t)
            for (const s of sockets) s.destroy()
          })
        )
        const transport = yield* ReferralTransport.ReferralTransport
        const store = yield* ReferralStore.ReferralStore
        const port = ((yield* HttpServer.HttpServer).address as unknown as AddressInfo).port
        const receipt = yield* transport.deliver(referrer, ReferralTransportTest.message("m-ok"))

        const body = JSON.stringify(ReferralTransportTest.message("m-slow"))
        const slow = Array.from({ length: 10 }, () => open(port, sockets))
        for (const c of slow) {
          const token = yield* tokenFor(referrer) // one per request: the inbox accepts each token once
          yield* Effect.promise(() => c.connected)
          c.socket.write(
            `POST ${EkollegaMessage.referralsPath} HTTP/1.1\r\nHost: lahete\r\nAuthorization: Bearer ${token}\r\n` +
              `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`
          )
          let sent = 0
          timers.push(
            setInterval(() => {
              if (!c.socket.destroyed) c.socket.write(body.slice(sent, ++sent))
            }, 1_000)
          )
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
        const silent = open(port, sockets)
        expect(yield* Effect.promise(() => silent.closed)).toBeLessThan(limits.headersTimeoutSeconds * 1000 + slackMs)
        expect(silent.received()).toMatch(/^HTTP\/1\.1 408 /)
      }).pipe(Effect.scoped, Effect.provide(overHttp(memoryServices, { limits }))),
    30_000
  )
})
