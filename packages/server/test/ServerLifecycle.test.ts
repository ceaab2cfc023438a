/**
 * The server's lifecycle: releasing `Server.layer` stops accepting
 * connections at once and lets a request in flight finish; routes mounted
 * beside the API (`extraRoutes`) are served and logged like the API's.
 */
import { describe, expect, it, layer } from "@effect/vitest"
import { ReferralIndex, ReferralStore } from "@lahete/core"
import { Logging, Server } from "@lahete/server"
import { Fixtures } from "@lahete/testing"
import { Context, Deferred, Effect, Exit, Fiber, Layer, Scope } from "effect"
import { HttpRouter, HttpServer, HttpServerResponse } from "effect/http"
import { Harness, layer as harness } from "./support/harness.js"
import * as Stores from "./support/stores.js"
import * as Tokens from "./support/tokens.js"

describe("Server.layer", () => {
  it.live("finishes the request in flight when released, and accepts no new connection", () =>
    Effect.gen(function* () {
      const started = yield* Deferred.make<void>()
      const lines: Array<string> = []
      const slow = HttpRouter.add(
        "GET",
        "/slow",
        Effect.gen(function* () {
          yield* Deferred.succeed(started, undefined)
          yield* Effect.sleep("500 millis")
          return HttpServerResponse.text("done")
        })
      )
      const signer = yield* Effect.promise(() => Tokens.makeSigner(() => Date.now()))
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(
        Server.layer({
          port: 0,
          host: "127.0.0.1",
          auth: { keys: { jwks: signer.jwks }, issuer: Tokens.issuer, audience: Tokens.audience },
          logger: Logging.layerJson((line) => lines.push(line)),
          gracefulShutdownTimeout: "5 seconds",
          extraRoutes: slow
        }).pipe(Layer.provide(Stores.memory())),
        scope
      )
      const address = Context.get(context, HttpServer.HttpServer).address
      if (address._tag === "UnixPathAddress") return yield* Effect.die("expected a TCP address")
      const url = `http://127.0.0.1:${address.port}`
      expect(yield* Effect.promise(() => fetch(`${url}/health`).then((r) => r.status))).toBe(200)

      const inFlight = fetch(`${url}/slow`).then(async (r) => ({ status: r.status, text: await r.text() }))
      yield* Deferred.await(started)
      const began = Date.now()
      const closing = yield* Effect.forkChild(Scope.close(scope, Exit.void))
      yield* Effect.sleep("100 millis")
      const during = yield* Effect.promise(() =>
        fetch(`${url}/health`).then(
          () => "answered",
          () => "refused"
        )
      )
      expect(during).toBe("refused")
      expect(yield* Effect.promise(() => inFlight)).toEqual({ status: 200, text: "done" })
      yield* Fiber.join(closing)
      // the release waited for the request (about 400 ms of its 500 were left), and no longer:
      // not for the shutdown timeout, nor for the client's idle keep-alive connection
      const took = Date.now() - began
      expect(took).toBeGreaterThanOrEqual(300)
      expect(took).toBeLessThan(1_500)
      const after = yield* Effect.promise(() =>
        fetch(`${url}/health`).then(
          () => "answered",
          () => "refused"
        )
      )
      expect(after).toBe("refused")
      // the mounted route is logged with its template, like the API's own
      const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>)
      expect(records).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ "http.route": "/slow", "http.status": 200 }),
          expect.objectContaining({ "http.route": "/health", "http.status": 200 })
        ])
      )
    })
  )
})

/** A store whose reads fail, with a detail that must not leave the server. */
const brokenStore = Layer.effect(
  ReferralStore.ReferralStore,
  Effect.map(ReferralStore.ReferralStore, (store) =>
    ReferralStore.ReferralStore.of({
      ...store,
      load: () =>
        Effect.fail(
          new ReferralStore.StoreFailure({ operation: "load", detail: "connection lost reading 010594Y9032" })
        ),
      referralIds: () =>
        Effect.fail(new ReferralStore.StoreFailure({ operation: "referralIds", detail: "connection lost" }))
    })
  )
)

/** Its index's reads fail too. */
const brokenIndex = Layer.effect(
  ReferralIndex.ReferralIndex,
  Effect.map(ReferralIndex.ReferralIndex, (index) =>
    ReferralIndex.ReferralIndex.of({
      ...index,
      find: () => Effect.fail(new ReferralStore.StoreFailure({ operation: "find", detail: "connection lost" }))
    })
  )
)

layer(harness(Layer.mergeAll(brokenStore, brokenIndex).pipe(Layer.provideMerge(Stores.memory()))), {
  excludeTestServices: true
})("a failing store", (it) => {
  it.effect("is a 503 naming the failure, logged without its detail", () =>
    Effect.gen(function* () {
      const h = yield* Harness
      const ready = yield* h.request("GET", "/ready")
      expect(ready.status).toBe(503)
      expect(ready.json).toMatchObject({ _tag: "ServiceUnavailable", failure: "StoreFailure:load" })
      const inbox = yield* h.request("GET", "/coordinator/inbox", { as: Fixtures.coordinator })
      expect(inbox.status).toBe(503)
      expect(inbox.json).toMatchObject({ _tag: "ServiceUnavailable", failure: "StoreFailure:find" })
      for (const answer of [ready, inbox]) expect(answer.text).not.toContain("connection lost")
      const records = h.logLines.map((l) => JSON.parse(l) as Record<string, unknown>)
      expect(records).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            level: "ERROR",
            message: "backing service failed",
            failure: "StoreFailure:load"
          }),
          expect.objectContaining({ level: "ERROR", "http.route": "/ready", "http.status": 503 })
        ])
      )
      expect(h.logLines.join("\n")).not.toMatch(/connection lost|010594Y9032/)
    })
  )
})
