/**
 * Reading a JSON request body against a schema: unknown fields are refused,
 * and the problems are reported as paths and reasons, never values (the body
 * may hold personal data). An empty body reads as `{}`. Bodies over 1 MiB are
 * not read.
 */
import { ReferralService } from "@lahete/core"
import { ByteSize, Effect, Result, Schema } from "effect"
import { HttpIncomingMessage, type HttpServerRequest } from "effect/http"
import { type BadRequest, badRequest } from "../ApiError.js"

/** The largest body read. */
export const maxBodySize = ByteSize.mebibytes(1)

const bodyIssue = (reason: string) => badRequest([{ path: "(body)", reason }])

/** Reads and decodes the request's JSON body. */
export const read = <S extends Schema.Decoder<unknown>>(
  request: HttpServerRequest.HttpServerRequest,
  schema: S
): Effect.Effect<S["Type"], BadRequest> =>
  Effect.gen(function* () {
    const text = yield* request.text.pipe(
      Effect.provideService(HttpIncomingMessage.MaxBodySize, maxBodySize),
      Effect.mapError(() => bodyIssue("could not be read (at most 1 MiB of JSON)"))
    )
    const input: unknown =
      text.trim() === ""
        ? {}
        : yield* Effect.try({ try: () => JSON.parse(text) as unknown, catch: () => bodyIssue("is not valid JSON") })
    const decoded = Schema.decodeUnknownResult(schema)(input, { errors: "all", onExcessProperty: "error" })
    if (Result.isSuccess(decoded)) return decoded.success
    return yield* Effect.fail(
      badRequest(
        ReferralService.issuesOf(decoded.failure.issue, input).map((i) =>
          i.path === "(command)" ? { ...i, path: "(body)" } : i
        )
      )
    )
  })
