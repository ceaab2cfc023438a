/**
 * Reading a JSON request body against a schema: unknown fields are refused,
 * and the problems are reported as paths and reasons, never values (the body
 * may hold personal data). An empty body reads as `{}`. A body that is not
 * JSON by its `Content-Type` is 415; one over 1 MiB is 413, checked from
 * `Content-Length` before reading and while reading.
 */
import { ReferralService } from "@lahete/core"
import { ByteSize, Effect, Result, Schema } from "effect"
import { HttpIncomingMessage, type HttpServerRequest } from "effect/http"
import { type BodyError, badRequest, PayloadTooLarge, UnsupportedMediaType } from "../ApiError.js"

/** The largest body read. */
export const maxBodySize = ByteSize.mebibytes(1)

const bodyIssue = (reason: string) => badRequest([{ path: "(body)", reason }])

const maxBytes = Number(maxBodySize)

const tooLarge = new PayloadTooLarge({ message: `the body is larger than ${maxBytes} bytes`, maxBytes })

/** `application/json` or a `+json` type, UTF-8 when a charset is named. */
const isJson = (contentType: string): boolean => {
  const [type = "", ...params] = contentType.split(";")
  const media = type.trim().toLowerCase()
  if (media !== "application/json" && !/^application\/[a-z0-9.+-]+\+json$/.test(media)) return false
  return params.every((p) => {
    const [key = "", value = ""] = p.split("=")
    return key.trim().toLowerCase() !== "charset" || /^"?utf-?8"?$/i.test(value.trim())
  })
}

/** Reads and decodes the request's JSON body. */
export const read = <S extends Schema.Decoder<unknown>>(
  request: HttpServerRequest.HttpServerRequest,
  schema: S
): Effect.Effect<S["Type"], BodyError> =>
  Effect.gen(function* () {
    const contentType = request.headers["content-type"]
    const length = request.headers["content-length"]
    if (length !== undefined && /^\d+$/.test(length) && Number(length) > maxBytes) return yield* Effect.fail(tooLarge)
    const unsupported = new UnsupportedMediaType({
      message: "the body must be application/json (UTF-8)",
      expected: "application/json"
    })
    if (contentType !== undefined && !isJson(contentType)) return yield* Effect.fail(unsupported)
    const text = yield* request.text.pipe(
      Effect.provideService(HttpIncomingMessage.MaxBodySize, maxBodySize),
      Effect.mapError((e) =>
        e.reason._tag === "RequestParseError" && e.reason.reason === "BodyTooLarge"
          ? tooLarge
          : bodyIssue("could not be read")
      )
    )
    if (contentType === undefined && text.trim() !== "") return yield* Effect.fail(unsupported)
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
