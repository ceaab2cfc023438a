/**
 * Limits for Node's HTTP server, so that a slow or idle client cannot hold
 * it open: how long the headers and the whole request (headers and body) may
 * take to arrive, how long a kept-alive connection may sit idle, and how many
 * connections are open at once. Node's own defaults (60 s for the headers,
 * 300 s for the request, checked only every 30 s, and no connection limit)
 * let a client sending one byte a second keep a connection for minutes.
 *
 * | limit | default | Node's setting | what happens |
 * |---|---|---|---|
 * | `headersTimeoutSeconds` | 10 | `headersTimeout` | headers not complete in time (including a connection that sends nothing): `408`, connection closed |
 * | `requestTimeoutSeconds` | 30 | `requestTimeout` | the whole request, body included, not received in time: `408` (or the connection closed if the answer has started) |
 * | `idleTimeoutSeconds` | 5 | `keepAliveTimeout` | a kept-alive connection idle between requests is closed (Node adds up to a second of grace) |
 * | `maxConnections` | 512 | `maxConnections` | a connection beyond the limit is closed as soon as it is accepted |
 *
 * Timeouts are checked every quarter of the shorter of the two request
 * timeouts, at least every second (Node's `connectionsCheckingInterval`), so
 * a request is cut at most about a second after its bound. A handler's own
 * work is not bounded here (the response may take as long as it takes).
 *
 * One piece of code for every lahete HTTP endpoint: `@lahete/server` and the
 * transports serve with the same limits.
 *
 * @example
 * ```ts
 * import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
 * import { HttpLimits } from "@lahete/http-limits"
 *
 * // for `NodeHttpServer.layer`: a `node:http` server with the limits set
 * const Http = NodeHttpServer.layer(HttpLimits.makeServer({ requestTimeoutSeconds: 20 }), { port: 8080 })
 * ```
 *
 * @since 0.1.0
 */
import { Server } from "node:http"
import { Schema } from "effect"

const Seconds = Schema.Number.pipe(
  Schema.check(Schema.isBetween({ minimum: 0.1, maximum: 3_600 }, { message: "expected seconds from 0.1 to 3600" }))
)

/**
 * The limits as configured: every one optional (the default applies),
 * unknown keys refused when decoded with `onExcessProperty: "error"`. Set
 * both timeouts, and the headers' may not exceed the request's.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Limits = Schema.Struct({
  /** Seconds for the request's headers to arrive (default 10). */
  headersTimeoutSeconds: Schema.optionalKey(Seconds),
  /** Seconds for the whole request, headers and body, to arrive (default 30). */
  requestTimeoutSeconds: Schema.optionalKey(Seconds),
  /** Seconds a kept-alive connection may be idle between requests (default 5). */
  idleTimeoutSeconds: Schema.optionalKey(Seconds),
  /** Connections open at once (default 512). */
  maxConnections: Schema.optionalKey(
    Schema.Number.pipe(
      Schema.check(
        Schema.isInt({ message: "expected a whole number" }),
        Schema.isBetween({ minimum: 1, maximum: 1_000_000 }, { message: "expected from 1 to 1000000 connections" })
      )
    )
  )
}).pipe(
  Schema.check(
    Schema.makeFilter(
      (l) =>
        l.headersTimeoutSeconds === undefined ||
        l.requestTimeoutSeconds === undefined ||
        l.headersTimeoutSeconds <= l.requestTimeoutSeconds,
      { message: "headersTimeoutSeconds may not exceed requestTimeoutSeconds" }
    )
  )
)

/**
 * @since 0.1.0
 * @category models
 */
export type Limits = typeof Limits.Type

/**
 * The defaults: 10 s for the headers, 30 s for the whole request (a 1 MiB
 * body at 35 KB/s), 5 s idle (Node's keep-alive default), 512 connections.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaults = {
  headersTimeoutSeconds: 10,
  requestTimeoutSeconds: 30,
  idleTimeoutSeconds: 5,
  maxConnections: 512
} as const

/**
 * The limits in Node's units, every one set.
 *
 * @since 0.1.0
 * @category models
 */
export interface Resolved {
  readonly headersTimeoutMs: number
  readonly requestTimeoutMs: number
  readonly idleTimeoutMs: number
  readonly maxConnections: number
  /** How often Node checks the two request timeouts. */
  readonly checkIntervalMs: number
}

/**
 * The limits with the defaults filled in. A headers timeout left unset is
 * lowered to a shorter request timeout.
 *
 * @since 0.1.0
 * @category constructors
 */
export const resolve = (limits: Limits = {}): Resolved => {
  const requestTimeoutMs = Math.round((limits.requestTimeoutSeconds ?? defaults.requestTimeoutSeconds) * 1000)
  const headersTimeoutMs = Math.min(
    Math.round((limits.headersTimeoutSeconds ?? defaults.headersTimeoutSeconds) * 1000),
    requestTimeoutMs
  )
  return {
    headersTimeoutMs,
    requestTimeoutMs,
    idleTimeoutMs: Math.round((limits.idleTimeoutSeconds ?? defaults.idleTimeoutSeconds) * 1000),
    maxConnections: limits.maxConnections ?? defaults.maxConnections,
    checkIntervalMs: Math.max(25, Math.min(1000, Math.floor(headersTimeoutMs / 4)))
  }
}

/**
 * Sets the limits on a `node:http` server that is not listening yet (Node
 * starts checking the request timeouts when it starts listening). Returns
 * the server.
 *
 * @since 0.1.0
 * @category constructors
 */
export const apply = <S extends Server>(server: S, limits: Limits = {}): S => {
  const r = resolve(limits)
  server.headersTimeout = r.headersTimeoutMs
  server.requestTimeout = r.requestTimeoutMs
  server.keepAliveTimeout = r.idleTimeoutMs
  server.maxConnections = r.maxConnections
  // Node reads it when the server starts listening (it is not in @types/node's Server)
  ;(server as { connectionsCheckingInterval?: number }).connectionsCheckingInterval = r.checkIntervalMs
  return server
}

/**
 * A function making a new `node:http` server with the limits set: the
 * argument `NodeHttpServer.layer` of `@effect/platform-node` takes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeServer =
  (limits: Limits = {}): (() => Server) =>
  () =>
    apply(new Server(), limits)
