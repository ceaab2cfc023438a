/**
 * Structured logs: one JSON object per line, through effect's `Logger`.
 *
 * Every HTTP request is logged once, after its response was sent, with the
 * method, the route template (`/referrals/:referralId/close`, never the path
 * with its ids, and `(unmatched)` for a path no route serves), the status,
 * the duration and the caller's role once the token verified. Nothing else:
 * never a token, a request or response body, a query string, a header or
 * personal data. Failures of backing services are logged with their tag and
 * operation only.
 *
 * A line looks like
 * `{"timestamp":"2026-03-02T07:00:00.120Z","level":"INFO","message":"http request","http.method":"POST","http.route":"/referrals/:referralId/close","http.status":200,"duration_ms":4.2,"actor.role":"LinkWorker"}`.
 *
 * @since 0.1.0
 */
import { type Cause, Clock, Context, Effect, type Layer, Logger, References } from "effect"
import { HttpRouter, HttpServerError, HttpServerRequest, type HttpServerResponse } from "effect/http"

/**
 * What the request log learns while a request runs: the route template that
 * matched and the caller's role.
 *
 * @since 0.1.0
 * @category models
 */
export interface RequestNotes {
  route: string | undefined
  role: string | undefined
}

/**
 * The notes of the current request (none outside a request).
 *
 * @since 0.1.0
 * @category references
 */
export const CurrentRequest = Context.Reference<RequestNotes | undefined>("@lahete/server/Logging/CurrentRequest", {
  defaultValue: () => undefined
})

/**
 * Notes the caller's role for the request log.
 *
 * @since 0.1.0
 * @category logging
 */
export const noteRole = (role: string): Effect.Effect<void> =>
  Effect.gen(function* () {
    const notes = yield* CurrentRequest
    if (notes !== undefined) notes.role = role
  })

/**
 * Router middleware that notes the route template of the matched route.
 * Provide it to the layers that add routes (`Server.routes` does for its own).
 *
 * @since 0.1.0
 * @category middleware
 */
export const routeTemplate = HttpRouter.middleware((effect) =>
  Effect.gen(function* () {
    const route = yield* HttpRouter.RouteContext
    const notes = yield* CurrentRequest
    if (notes !== undefined) notes.route = route.route.path
    return yield* effect
  })
).layer

const failureTag = (reason: Cause.Reason<unknown>): string => {
  if (reason._tag === "Die") return "Defect"
  if (reason._tag === "Interrupt") return "Interrupt"
  const error: unknown = reason.error
  return typeof error === "object" && error !== null && "_tag" in error && typeof error._tag === "string"
    ? error._tag
    : "Fail"
}

const failureTags = (cause: Cause.Cause<unknown>): ReadonlyArray<string> => cause.reasons.map(failureTag)

/**
 * Server middleware (for `HttpRouter.serve`'s `middleware` option) that logs
 * every request once its response was sent (see the module documentation).
 * 5xx answers are logged at level ERROR.
 *
 * @since 0.1.0
 * @category middleware
 */
export const requestLog = <E, R>(
  httpApp: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
): Effect.Effect<HttpServerResponse.HttpServerResponse, E, R | HttpServerRequest.HttpServerRequest> =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const notes: RequestNotes = { route: undefined, role: undefined }
    const start = yield* Clock.monotonicTimeNanos
    const exit = yield* Effect.exit(Effect.provideService(httpApp, CurrentRequest, notes))
    const end = yield* Clock.monotonicTimeNanos
    let status: number
    let failure: ReadonlyArray<string> = []
    if (exit._tag === "Success") {
      status = exit.value.status
    } else {
      const [response] = yield* HttpServerError.causeResponse(exit.cause)
      status = response.status
      failure = failureTags(exit.cause)
    }
    const annotations: Record<string, unknown> = {
      "http.method": request.method,
      "http.route": notes.route ?? "(unmatched)",
      "http.status": status,
      duration_ms: Math.round(Number(end - start) / 10_000) / 100,
      ...(notes.role === undefined ? {} : { "actor.role": notes.role }),
      ...(status >= 500 && failure.length > 0 ? { failure: failure.join(",") } : {})
    }
    const log = status >= 500 ? Effect.logError("http request") : Effect.logInfo("http request")
    yield* Effect.annotateLogs(log, annotations)
    return yield* exit
  })

const levelName = (level: string): string => level.toUpperCase()

const messageText = (message: unknown): unknown => {
  const parts = Array.isArray(message) ? message : [message]
  return parts.length === 1 ? parts[0] : parts
}

/**
 * Formats a log event as one JSON line: `timestamp`, `level`, `message` and
 * the log annotations as top-level fields. A cause is reduced to the tags of
 * its failures (`cause`), never its messages or values.
 *
 * @since 0.1.0
 * @category loggers
 */
export const formatJsonLine: Logger.Logger<unknown, string> = Logger.make((options) => {
  const annotations: Record<string, unknown> = {}
  const fiberAnnotations = options.fiber.getRef(References.CurrentLogAnnotations)
  for (const [key, value] of Object.entries(fiberAnnotations)) annotations[key] = value
  const line: Record<string, unknown> = {
    timestamp: options.date.toISOString(),
    level: levelName(options.logLevel),
    message: messageText(options.message),
    ...annotations
  }
  if (options.cause.reasons.length > 0) line.cause = failureTags(options.cause).join(",")
  return JSON.stringify(line, (_key, value) => (typeof value === "bigint" ? value.toString() : value))
})

/**
 * A logger layer writing JSON lines with `write` (default: to standard
 * output). It replaces the current loggers.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerJson = (
  write: (line: string) => void = (line) => {
    process.stdout.write(`${line}\n`)
  }
): Layer.Layer<never> => Logger.layer([Logger.map(formatJsonLine, write)])
