/**
 * The inbox as an in-process fetch handler over fresh in-memory services,
 * with helpers to build requests and read problem answers.
 */
import { expect } from "@effect/vitest"
import { AuditLog, ReferralService, ReferralStore, ReferralTransport, type TokenReplay } from "@lahete/core"
import { type EkollegaInbox, EkollegaMessage } from "@lahete/transport-ekollega"
import { Context, Effect, Layer, Schema, type Scope } from "effect"
import { memoryServices, sign, webHandler } from "./layers.js"

export const origin = "http://inbox.test"

export interface Inbox {
  readonly fetch: (request: Request) => Promise<Response>
  readonly service: ReferralService.Shape
  readonly store: ReferralStore.Shape
  readonly audit: AuditLog.Shape
}

/**
 * A guard that accepts every token again: the in-process tests reuse one
 * token for several requests for brevity. The replay guard itself is tested
 * with its default (`Tokens.test.ts`, over a real socket).
 */
export const replayAllowed: TokenReplay.Shape = { claim: () => Effect.succeed(true) }

/** A fresh in-memory inbox for the current scope (tokens may be reused: `replayAllowed` unless `options` say). */
export const inbox = (options: Partial<EkollegaInbox.Options> = {}): Effect.Effect<Inbox, unknown, Scope.Scope> =>
  Effect.gen(function* () {
    const context = yield* Layer.build(Layer.fresh(memoryServices))
    const { handler, dispose } = webHandler(context, { replayGuard: replayAllowed, ...options })
    yield* Effect.addFinalizer(() => Effect.promise(dispose))
    return {
      fetch: (request) => handler(request),
      service: Context.get(context, ReferralService.ReferralService),
      store: Context.get(context, ReferralStore.ReferralStore),
      audit: Context.get(context, AuditLog.AuditLog)
    }
  })

/** A token for a sender, from its organisation's signer. */
export const tokenFor = (sender: Parameters<typeof sign>[0]) => sign(sender)

/** A request body. */
export type Body = string | Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array>

/** A JSON answer decoded with a schema of the wire format. */
export const read = async <A>(schema: Schema.Decoder<A>, response: Response): Promise<A> =>
  Schema.decodeUnknownSync(schema)(await response.json())

export interface RequestOptions {
  readonly token?: string
  readonly authorization?: string
  readonly body?: Body
  readonly json?: unknown
  readonly contentType?: string | null
  readonly headers?: Record<string, string>
}

/** A request to the inbox. */
export const request = (method: string, path: string, options: RequestOptions = {}): Request => {
  const headers = new Headers(options.headers)
  if (options.authorization !== undefined) headers.set("authorization", options.authorization)
  else if (options.token !== undefined) headers.set("authorization", `Bearer ${options.token}`)
  const body = options.json !== undefined ? JSON.stringify(options.json) : options.body
  if (options.contentType !== null && body !== undefined) {
    headers.set("content-type", options.contentType ?? "application/json")
  }
  return new Request(`${origin}${path}`, { method, headers, ...(body === undefined ? {} : { body }) })
}

const decodeProblem = Schema.decodeUnknownSync(EkollegaMessage.Problem)

/** Reads a problem answer and checks it is one: media type, no-store, status and reason agree. */
export const problem = async (response: Response, status: number) => {
  const text = await response.text()
  expect(response.status, text).toBe(status)
  expect(response.headers.get("content-type")).toBe(EkollegaMessage.problemMediaType)
  expect(response.headers.get("cache-control")).toBe("no-store")
  const body = decodeProblem(JSON.parse(text))
  expect(body.status).toBe(status)
  if (body.reason !== undefined) {
    expect(ReferralTransport.httpStatus[body.reason]).toBe(status)
    expect(body.type).toBe(EkollegaMessage.problemType(body.reason))
  }
  return { body, text }
}

/** What "nothing written" compares: referral ids and stream versions. */
export const snapshot = (store: ReferralStore.Shape) =>
  Effect.gen(function* () {
    const ids = yield* store.referralIds()
    const versions: Record<string, number> = {}
    for (const id of ids) versions[id] = (yield* store.load(id)).version
    return { ids, versions }
  })
