/**
 * The server under test: `Server.layer` on a free port of 127.0.0.1 over the
 * given core services, with real tokens (see `tokens.ts`), a clock the test
 * sets (`clock.ts`) and the JSON log lines collected. `request` sends a real
 * HTTP request with `fetch`.
 */
import type { Actor } from "@lahete/core"
import { Logging, Server } from "@lahete/server"
import { Fixtures } from "@lahete/testing"
import { Context, Effect, Layer } from "effect"
import { HttpServer } from "effect/http"
import * as TestClock from "./clock.js"
import * as Tokens from "./tokens.js"

export interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  /** The body parsed as JSON (`undefined` when it is not JSON). */
  readonly json: unknown
}

export interface RequestOptions {
  /** Sign a fresh token for this actor. */
  readonly as?: Actor.Actor
  /** Or send this token as it is. */
  readonly token?: string
  readonly body?: unknown
  /** A raw body (sent as it is). */
  readonly rawBody?: string
  /** The `Idempotency-Key` header. */
  readonly key?: string
}

export interface HarnessShape {
  readonly url: string
  readonly time: TestClock.TestTime
  readonly signer: Tokens.Signer
  readonly logLines: ReadonlyArray<string>
  readonly request: (method: string, path: string, options?: RequestOptions) => Effect.Effect<Answer>
}

export class Harness extends Context.Service<Harness, HarnessShape>()("test/Harness") {}

const send = (url: string, signer: Tokens.Signer, method: string, path: string, options: RequestOptions = {}) =>
  Effect.promise(async (): Promise<Answer> => {
    const headers = new Headers()
    const token = options.token ?? (options.as === undefined ? undefined : await signer.sign(options.as))
    if (token !== undefined) headers.set("authorization", `Bearer ${token}`)
    if (options.key !== undefined) headers.set("idempotency-key", options.key)
    let body: string | undefined
    if (options.rawBody !== undefined) body = options.rawBody
    else if (options.body !== undefined) body = JSON.stringify(options.body)
    if (body !== undefined) headers.set("content-type", "application/json")
    const response = await fetch(`${url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) })
    const text = await response.text()
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
    return { status: response.status, headers: response.headers, text, json }
  })

/**
 * The harness over `core`; the core services stay in the output so tests can
 * look at the audit log and the store.
 */
export const layer = <E>(core: Layer.Layer<Server.Requirements, E>) =>
  Layer.unwrap(
    Effect.gen(function* () {
      const time = TestClock.make(Date.parse(Fixtures.t0))
      const signer = yield* Effect.promise(() => Tokens.makeSigner(time.millis))
      const logLines: Array<string> = []
      const server = Server.layer({
        port: 0,
        host: "127.0.0.1",
        auth: { keys: { jwks: signer.jwks }, issuer: Tokens.issuer, audience: Tokens.audience, type: "at+jwt" },
        logger: Logging.layerJson((line) => logLines.push(line))
      })
      const harness = Layer.effect(
        Harness,
        Effect.gen(function* () {
          const http = yield* HttpServer.HttpServer
          const address = http.address
          if (address._tag === "UnixPathAddress") return yield* Effect.die("expected a TCP address")
          const url = `http://127.0.0.1:${address.port}`
          return Harness.of({
            url,
            time,
            signer,
            logLines,
            request: (method, path, options) => send(url, signer, method, path, options)
          })
        })
      )
      return harness.pipe(Layer.provideMerge(server), Layer.provide(time.layer), Layer.provideMerge(core))
    })
  )
