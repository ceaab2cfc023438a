/**
 * @lahete/http-limits: header, request (body) and idle timeouts and a
 * connection limit for Node's HTTP server, one piece of code for
 * `@lahete/server` and the transports.
 *
 * @since 0.1.0
 */

/**
 * The limits: `Limits` (the schema), `defaults`, `resolve`, `apply`, `makeServer`.
 *
 * @since 0.1.0
 */
export * as HttpLimits from "./HttpLimits.js"
