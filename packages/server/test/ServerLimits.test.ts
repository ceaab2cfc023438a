/**
 * The server cannot be held open (issue: 20 connections sending one byte a
 * second stayed open past 20 s and `/health` took 4 s meanwhile): over real
 * sockets, with short limits configured, bodies trickling in at one byte a
 * second are cut with 408 within the request timeout (plus slack for a loaded
 * machine), nothing of them is stored, and `/health` answers while they are
 * all still open; a connection that sends nothing is cut within the headers
 * timeout; connections beyond the limit are closed at once.
 */
import type { AddressInfo } from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { ReferralStore } from "@lahete/core"
import { Logging, Server } from "@lahete/server"
import { Fixtures, SlowPeer } from "@lahete/testing"
import { Context, Effect, Layer } from "effect"
import { HttpServer } from "effect/http"
import * as Stores from "./support/stores.js"
import * as Tokens from "./support/tokens.js"

const { slackMs } = SlowPeer

const limits = { headersTimeoutSeconds: 1, requestTimeoutSeconds: 4, idleTimeoutSeconds: 1, maxConnections: 40 }

/** The server with `limits` over the in-memory core services, its address, the store and the log lines. */
const serve = Effect.gen(function* () {
  const signer = yield* Effect.promise(() => Tokens.makeSigner(() => Date.now()))
  const lines: Array<string> = []
  const context = yield* Layer.build(
    Server.layer({
      port: 0,
      host: "127.0.0.1",
      auth: { keys: { jwks: signer.jwks }, issuer: Tokens.issuer, audience: Tokens.audience },
      logger: Logging.layerJson((line) => lines.push(line)),
      limits
    }).pipe(Layer.provideMerge(Stores.memory()))
  )
  const address = Context.get(context, HttpServer.HttpServer).address as unknown as AddressInfo
  return { port: address.port, signer, lines, store: Context.get(context, ReferralStore.ReferralStore) }
})

const health = (port: number) =>
  Effect.promise(() =>
    fetch(`http://127.0.0.1:${port}/health`).then(async (r) => ({ status: r.status, body: await r.json() }))
  )

describe("Server.layer limits", () => {
  it.live(
    "cuts submissions whose bodies arrive at one byte a second, stores nothing, and answers /health meanwhile",
    () =>
      Effect.gen(function* () {
        const { port, signer, lines, store } = yield* serve
        const token = yield* Effect.promise(() => signer.sign(Fixtures.referrer))
        const body = JSON.stringify({ referralId: "slow-1" })
        const slow = yield* Effect.all(Array.from({ length: 20 }, () => SlowPeer.open(port)))
        for (const [k, c] of slow.entries()) {
          const headers = {
            Authorization: `Bearer ${token}`,
            "Idempotency-Key": `slow-${k}`,
            "Content-Type": "application/json"
          }
          yield* SlowPeer.trickle(c, SlowPeer.requestHead("POST", "/referrals", headers, body), body)
        }

        // /health answers while every slow request is still open: the trickles do not hold the server up
        const during = yield* health(port)
        expect(during).toEqual({ status: 200, body: { status: "ok" } })
        expect(slow.filter((c) => c.isClosed())).toEqual([])

        for (const c of slow) {
          expect(yield* Effect.promise(() => c.closed)).toBeLessThan(limits.requestTimeoutSeconds * 1000 + slackMs)
          expect(c.received()).toMatch(/^HTTP\/1\.1 408 /)
        }
        expect(yield* store.referralIds()).toEqual([])
        expect(yield* health(port)).toEqual({ status: 200, body: { status: "ok" } })
        // nothing of the cut requests reached a log line as a server error
        expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => r.level === "ERROR")).toEqual(
          []
        )
      }).pipe(Effect.scoped),
    30_000
  )

  it.live("cuts a connection that sends nothing within the headers timeout; beyond the limit, at once", () =>
    Effect.gen(function* () {
      const { port } = yield* serve
      const silent = yield* SlowPeer.open(port)
      expect(yield* Effect.promise(() => silent.closed)).toBeLessThan(limits.headersTimeoutSeconds * 1000 + slackMs)
      expect(silent.received()).toMatch(/^HTTP\/1\.1 408 /)

      const held = yield* Effect.all(Array.from({ length: limits.maxConnections }, () => SlowPeer.open(port)))
      for (const c of held) yield* Effect.promise(() => c.connected)
      yield* Effect.sleep("100 millis")
      const beyond = yield* SlowPeer.open(port)
      expect(yield* Effect.promise(() => beyond.closed)).toBeLessThan(slackMs)
      expect(beyond.received()).toBe("")
      expect(held.filter((c) => c.isClosed())).toEqual([])
    }).pipe(Effect.scoped)
  )
})
