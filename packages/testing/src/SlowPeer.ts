/**
 * A slow or silent peer over a real socket, for testing that a server cannot
 * be held open (`@lahete/http-limits`, the server's and the transports'
 * limits): raw TCP connections that record what the server answers and when
 * it closes them, and requests whose bodies trickle in a byte at a time and
 * never complete. Everything opened is closed when the scope ends.
 *
 * @since 0.1.0
 */

import type { Socket } from "node:net"
import { connect } from "node:net"
import { Effect, type Scope } from "effect"

/**
 * Slack over a timeout bound for a loaded machine (Node checks its timeouts
 * every quarter of the shorter one).
 *
 * @since 0.1.0
 * @category constants
 */
export const slackMs = 2_000

/**
 * One raw connection.
 *
 * @since 0.1.0
 * @category models
 */
export interface Connection {
  readonly socket: Socket
  /** Settles when the socket is connected. */
  readonly connected: Promise<void>
  /** Settles with the milliseconds from opening to closing, when the socket closes. */
  readonly closed: Promise<number>
  /** Everything the server has sent so far, as text. */
  readonly received: () => string
  /** Whether the socket has closed. */
  readonly isClosed: () => boolean
}

/**
 * Opens a raw connection to `127.0.0.1:port`, destroyed when the scope ends.
 *
 * @since 0.1.0
 * @category constructors
 */
export const open = (port: number): Effect.Effect<Connection, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const opened = Date.now()
      const socket = connect(port, "127.0.0.1")
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
    }),
    (c) => Effect.sync(() => c.socket.destroy())
  )

/**
 * Waits for the connection, writes the request head (request line and
 * headers, ending with the blank line), then one byte of `body` every
 * `everyMs` (default one second), never the last byte, so the request never
 * completes. The trickle stops when the scope ends or the socket closes.
 *
 * @since 0.1.0
 * @category combinators
 */
export const trickle = (
  connection: Connection,
  head: string,
  body: string,
  options: { readonly everyMs?: number } = {}
): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function* () {
    yield* Effect.promise(() => connection.connected)
    connection.socket.write(head)
    let sent = 0
    yield* Effect.acquireRelease(
      Effect.sync(() =>
        setInterval(() => {
          if (!connection.socket.destroyed && sent < body.length - 1) connection.socket.write(body[sent++] ?? "")
        }, options.everyMs ?? 1_000)
      ),
      (timer) => Effect.sync(() => clearInterval(timer))
    )
  })

/**
 * The head of an HTTP/1.1 request whose body is `body` (its
 * `Content-Length` counted in bytes), for `trickle`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const requestHead = (
  method: string,
  path: string,
  headers: Readonly<Record<string, string>>,
  body: string
): string =>
  `${method} ${path} HTTP/1.1\r\nHost: lahete\r\n` +
  Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join("") +
  `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`
