/**
 * Node's HTTP server with the limits of `@lahete/http-limits` (header,
 * request and idle timeouts, a connection limit), closing keep-alive
 * connections as soon as they fall idle once it is shutting down.
 * `server.close()` closes the connections idle at that moment only; a
 * connection whose request was still running would stay open until the
 * client's or Node's keep-alive timeout, holding the shutdown up although its
 * work is done.
 */
import { Server } from "node:http"
import { HttpLimits } from "@lahete/http-limits"

class GracefulServer extends Server {
  override close(callback?: (error?: Error) => void): this {
    super.close(callback)
    const sweep = setInterval(() => this.closeIdleConnections(), 50)
    sweep.unref()
    this.once("close", () => clearInterval(sweep))
    return this
  }
}

/** A function making a new server for `NodeHttpServer.layer`, with the limits (defaults for those not given). */
export const make =
  (limits: HttpLimits.Limits = {}): (() => Server) =>
  () =>
    HttpLimits.apply(new GracefulServer(), limits)
