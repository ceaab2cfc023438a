/**
 * The limits on a real `node:http` server over real sockets: a body sent at
 * one byte a second, a connection that sends nothing, headers that never
 * end, an idle kept-alive connection, and connections beyond the limit are
 * all cut within their bound (plus slack for a loaded machine), while the
 * server keeps answering others; the schema refuses what it should.
 */
import type { AddressInfo } from "node:net"
import { SlowPeer } from "@lahete/testing"
import { Effect, Exit, Result, Schema, Scope } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { HttpLimits } from "../src/index.js"

const { slackMs } = SlowPeer

const servers: Array<ReturnType<ReturnType<typeof HttpLimits.makeServer>>> = []
/** What a test opened (connections, trickles), closed after it. */
let scope = Effect.runSync(Scope.make())
afterEach(async () => {
  await Effect.runPromise(Scope.close(scope, Exit.void))
  scope = Effect.runSync(Scope.make())
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))))
})

/** A server with the limits: `/health` answers at once, anything else once its whole body arrived. */
const serve = async (limits: HttpLimits.Limits) => {
  const server = HttpLimits.makeServer(limits)()
  const completed: Array<number> = []
  server.on("request", (request, response) => {
    if (request.url === "/health") {
      response.end("ok")
      return
    }
    let bytes = 0
    request.on("data", (chunk: Buffer) => {
      bytes += chunk.length
    })
    request.on("end", () => {
      completed.push(bytes)
      response.end(`received ${bytes}`)
    })
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return { server, port: (server.address() as AddressInfo).port, completed }
}

/** A raw connection recording what the server sends and when it closes (ms since opening). */
const open = (port: number) => Effect.runSync(Scope.provide(scope)(SlowPeer.open(port)))
/** A request whose body arrives a byte a second and never completes. */
const trickle = (c: SlowPeer.Connection, head: string, body: string) =>
  Effect.runPromise(Scope.provide(scope)(SlowPeer.trickle(c, head, body)))

const health = async (port: number) => {
  const response = await fetch(`http://127.0.0.1:${port}/health`)
  return { status: response.status, text: await response.text() }
}

describe("HttpLimits on a real socket", () => {
  it("cuts a body sent at one byte a second within the request timeout, and answers others meanwhile", async () => {
    const { port, completed } = await serve({ headersTimeoutSeconds: 1, requestTimeoutSeconds: 2 })
    const slow = Array.from({ length: 5 }, () => open(port))
    const body = "a".repeat(100)
    for (const c of slow) {
      await trickle(c, SlowPeer.requestHead("POST", "/upload", { "Content-Type": "application/json" }, body), body)
    }
    // the server answers others while the slow bodies trickle in
    expect(await health(port)).toEqual({ status: 200, text: "ok" })
    for (const c of slow) {
      const after = await c.closed
      expect(after).toBeLessThan(2_000 + slackMs)
      expect(c.received()).toMatch(/^HTTP\/1\.1 408 /)
    }
    expect(completed).toEqual([])
    expect(await health(port)).toEqual({ status: 200, text: "ok" })
  }, 20_000)

  it("a whole request within the bound is served", async () => {
    const { port } = await serve({ headersTimeoutSeconds: 1, requestTimeoutSeconds: 2 })
    const response = await fetch(`http://127.0.0.1:${port}/upload`, { method: "POST", body: "x".repeat(1000) })
    expect(await response.text()).toBe("received 1000")
  })

  it("cuts a connection that sends nothing, and one whose headers never end, within the headers timeout", async () => {
    const { port } = await serve({ headersTimeoutSeconds: 1, requestTimeoutSeconds: 5 })
    const silent = open(port)
    const partial = open(port)
    await partial.connected
    partial.socket.write("GET /health HTTP/1.1\r\nHost: lahete\r\n")
    const tick = setInterval(() => {
      if (!partial.socket.destroyed) partial.socket.write("X-Slow: a\r\n")
    }, 300)
    try {
      expect(await silent.closed).toBeLessThan(1_000 + slackMs)
      expect(await partial.closed).toBeLessThan(1_000 + slackMs)
      expect(partial.received()).toMatch(/^HTTP\/1\.1 408 /)
    } finally {
      clearInterval(tick)
    }
  }, 20_000)

  it("closes a kept-alive connection idle between requests after the idle timeout", async () => {
    const { port } = await serve({ idleTimeoutSeconds: 0.5 })
    const c = open(port)
    await c.connected
    c.socket.write("GET /health HTTP/1.1\r\nHost: lahete\r\n\r\n")
    // Node adds up to a second of grace to the keep-alive timeout
    expect(await c.closed).toBeLessThan(500 + 1_000 + slackMs)
    expect(c.received()).toMatch(/^HTTP\/1\.1 200 /)
  }, 20_000)

  it("closes connections beyond the limit at once; a freed place is taken again", async () => {
    const { port } = await serve({ maxConnections: 3, headersTimeoutSeconds: 10, requestTimeoutSeconds: 10 })
    const held = Array.from({ length: 3 }, () => open(port))
    for (const c of held) await c.connected
    // give the server a moment to count the three
    await new Promise((resolve) => setTimeout(resolve, 100))
    const beyond = open(port)
    expect(await beyond.closed).toBeLessThan(slackMs)
    expect(beyond.received()).toBe("")
    held[0]?.socket.destroy()
    await held[0]?.closed
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(await health(port)).toEqual({ status: 200, text: "ok" })
  }, 20_000)
})

describe("HttpLimits settings", () => {
  const decode = Schema.decodeUnknownResult(HttpLimits.Limits)
  const strict = { errors: "all", onExcessProperty: "error" } as const

  it("fills in the defaults, and lowers an unset headers timeout to a shorter request timeout", () => {
    expect(HttpLimits.resolve()).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      idleTimeoutMs: 5_000,
      maxConnections: 512,
      checkIntervalMs: 1_000
    })
    expect(HttpLimits.resolve({ requestTimeoutSeconds: 4 })).toMatchObject({
      headersTimeoutMs: 4_000,
      requestTimeoutMs: 4_000,
      checkIntervalMs: 1_000
    })
    expect(HttpLimits.resolve({ headersTimeoutSeconds: 0.2, requestTimeoutSeconds: 1 })).toMatchObject({
      headersTimeoutMs: 200,
      checkIntervalMs: 50
    })
  })

  it("sets Node's settings on the server", () => {
    const server = HttpLimits.apply(HttpLimits.makeServer()(), {
      headersTimeoutSeconds: 3,
      requestTimeoutSeconds: 7,
      idleTimeoutSeconds: 2,
      maxConnections: 9
    })
    expect({
      headersTimeout: server.headersTimeout,
      requestTimeout: server.requestTimeout,
      keepAliveTimeout: server.keepAliveTimeout,
      maxConnections: server.maxConnections
    }).toEqual({ headersTimeout: 3_000, requestTimeout: 7_000, keepAliveTimeout: 2_000, maxConnections: 9 })
  })

  it("refuses an unknown key, values out of range, and headers longer than the request", () => {
    expect(Result.isSuccess(decode({ requestTimeoutSeconds: 20, maxConnections: 100 }, strict))).toBe(true)
    expect(Result.isFailure(decode({ bodyTimeoutSecs: 20 }, strict))).toBe(true)
    expect(Result.isFailure(decode({ requestTimeoutSeconds: 0 }, strict))).toBe(true)
    expect(Result.isFailure(decode({ idleTimeoutSeconds: 7_200 }, strict))).toBe(true)
    expect(Result.isFailure(decode({ maxConnections: 1.5 }, strict))).toBe(true)
    expect(Result.isFailure(decode({ maxConnections: 0 }, strict))).toBe(true)
    const longer = decode({ headersTimeoutSeconds: 20, requestTimeoutSeconds: 10 }, strict)
    expect(Result.isFailure(longer) ? String(longer.failure) : "").toContain(
      "headersTimeoutSeconds may not exceed requestTimeoutSeconds"
    )
  })
})
