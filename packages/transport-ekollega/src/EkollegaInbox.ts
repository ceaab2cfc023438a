/**
 * The secure referral inbox (the receiving side), modelled on eKollega, the
 * professional-to-professional service through which Kemijärvi's referrers
 * send wellbeing referrals: a referrer's system delivers a referral message,
 * the coordinator is notified (by the store's outbox, without personal
 * data), and the referrer's system polls for the status (the closed loop).
 *
 * Routes (on an `HttpRouter`; serve them with any `HttpServer`):
 *
 * | route                              | answer                                                 |
 * | ---------------------------------- | ------------------------------------------------------ |
 * | `POST /v1/referrals`               | 201 `Receipt` (new), 200 `Receipt` (repeat)            |
 * | `GET /v1/referrals/{referralId}`   | 200 `StatusReport` (the feedback text only under C3)   |
 * | `GET /v1/referrals?since=&status=` | 200 `StatusList`: changed at or after `since`, by Task status |
 *
 * Every request carries `Authorization: Bearer <JWT>` (see `EkollegaToken`);
 * the actor is taken from the verified token only. Checks, in order: the
 * token (401), the media type `application/json` (415), the declared and the
 * actual body size (413, before parsing), UTF-8 and JSON (400), the message
 * schema with unknown fields refused (400), then the lifecycle (409, 422).
 * Every refusal is an `application/problem+json` document with the
 * transport's reason and status and no personal data; failures of the store
 * are 503. Every answer is `Cache-Control: no-store`.
 *
 * The operations behind the routes are `ReferralTransport.make` over the
 * `ReferralService`, `ReferralStore`, `ReferralIndex` and `AuditLog` in the
 * context.
 *
 * @since 0.1.0
 */
import {
  type Actor,
  Ids,
  Instant,
  Lifecycle,
  type ReferralQueries,
  type ReferralService,
  ReferralTransport,
  type TokenReplay
} from "@lahete/core"
import { ByteSize, Cause, type Duration, Effect, type Layer, Result, Schema } from "effect"
import { HttpIncomingMessage, HttpRouter, type HttpServerRequest, HttpServerResponse } from "effect/http"
import * as EkollegaMessage from "./EkollegaMessage.js"
import * as EkollegaToken from "./EkollegaToken.js"

/**
 * Options of the inbox.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The inbox's id: the tokens' audience (`aud`), e.g. `urn:lahete:inbox:kemijarvi`. */
  readonly audience: string
  /** The sending organisations and their public keys. */
  readonly organisations: ReadonlyArray<EkollegaToken.Organisation>
  /** The largest request body accepted, in bytes; default 64 KiB. */
  readonly maxBodyBytes?: number
  /** The longest token lifetime (`exp − iat`) accepted; default 5 minutes. */
  readonly maxTokenLifetime?: Duration.Input
  /** Clock difference tolerated in token times; default 30 seconds. */
  readonly clockTolerance?: Duration.Input
  /** Accepted signature algorithms; default ES256 and EdDSA. */
  readonly algorithms?: ReadonlyArray<EkollegaToken.Algorithm>
  /** Where used tokens are recorded (each accepted once); default in memory (see `EkollegaToken.VerifyOptions`). */
  readonly replayGuard?: TokenReplay.Shape
}

/**
 * The default body limit: 64 KiB (a referral message is a few KiB at most).
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultMaxBodyBytes = 64 * 1024

/**
 * The FHIR Task status codes a `status` query parameter may name.
 *
 * @since 0.1.0
 * @category constants
 */
export const taskStatuses: ReadonlyArray<string> = Lifecycle.fhirTaskStatusCodes

const noStore = { "cache-control": "no-store" }

const problemResponse = (problem: EkollegaMessage.Problem, extraHeaders: Record<string, string> = {}) =>
  HttpServerResponse.jsonUnsafe(problem, {
    status: problem.status,
    contentType: EkollegaMessage.problemMediaType,
    headers: { ...noStore, ...extraHeaders }
  })

const refusalResponse = (refusal: ReferralTransport.TransportRefused) =>
  problemResponse(
    EkollegaMessage.problemOf(refusal),
    refusal.reason === "unauthenticated" ? { "www-authenticate": 'Bearer error="invalid_token"' } : {}
  )

const ok = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  HttpServerResponse.jsonUnsafe(body, { status, headers: { ...noStore, ...headers } })

/**
 * An answer encoded through its wire schema (`EkollegaMessage`): only the
 * declared fields are sent, so the body is what the JSON Schema documents.
 * A value that does not fit its schema is a defect (503, logged by name).
 */
const encoded = <S extends Schema.Codec<unknown, unknown>>(schema: S, value: S["Type"]) =>
  Effect.map(Effect.orDie(Schema.encodeEffect(Schema.toCodecJson(schema))(value)), (body) => ok(body))

/**
 * Runs a handler; refusals become problem answers, anything else a 503
 * without details. A failure is logged by its tag and detail only
 * (`TransportUnavailable` details name an error type, never data); a defect
 * by the name of what was thrown.
 */
const respond = (
  handler: Effect.Effect<HttpServerResponse.HttpServerResponse, ReferralTransport.TransportError>
): Effect.Effect<HttpServerResponse.HttpServerResponse> =>
  handler.pipe(
    Effect.catchCause((cause) => {
      const failure = Cause.findErrorOption(cause)
      if (failure._tag === "Some" && failure.value._tag === "TransportRefused") {
        return Effect.succeed(refusalResponse(failure.value))
      }
      const unavailable = problemResponse(EkollegaMessage.unavailableProblem(503))
      if (Cause.hasInterruptsOnly(cause)) return Effect.succeed(unavailable)
      const thrown = Cause.squash(cause)
      const what =
        failure._tag === "Some"
          ? `${failure.value._tag}: ${failure.value.detail}`
          : `defect: ${thrown instanceof Error ? thrown.name : typeof thrown}`
      return Effect.as(Effect.logWarning(`ekollega inbox: request failed (${what})`), unavailable)
    })
  )

const isJson = (contentType: string | undefined): boolean => {
  if (contentType === undefined) return false
  const [type, ...parameters] = contentType.split(";").map((p) => p.trim().toLowerCase())
  if (type !== EkollegaMessage.jsonMediaType) return false
  return parameters.every((p) => p === "" || p === "charset=utf-8" || p === 'charset="utf-8"')
}

const malformed = (detail: string, path?: string, reason?: string) =>
  ReferralTransport.refuse(
    "malformed",
    detail,
    path === undefined ? undefined : [{ path, reason: reason ?? "is not valid" }]
  )

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false })

const decodeReferralId = Schema.decodeUnknownResult(Ids.ReferralId)

/** `since` and `status` of a changes query; anything else is refused. */
const changesQuery = (
  url: string
): Result.Result<ReferralTransport.ChangesQuery, ReferralTransport.TransportRefused> => {
  const parsed = URL.parse(url, "http://inbox.invalid")
  if (parsed === null) return Result.fail(malformed("the query is not valid"))
  let since: Instant.Instant | undefined
  const statuses: Array<string> = []
  for (const [key, value] of parsed.searchParams) {
    switch (key) {
      case "since":
        if (since !== undefined) return Result.fail(malformed("the query is not valid", "since", "is given twice"))
        since = Instant.parse(value)
        if (since === undefined) {
          return Result.fail(
            malformed(
              "the query is not valid",
              "since",
              "expected an RFC 3339 date-time like 2026-03-02T07:00:00Z (an offset's + written %2B)"
            )
          )
        }
        break
      case "status":
        for (const code of value.split(",")) {
          if (!taskStatuses.includes(code)) {
            return Result.fail(malformed("the query is not valid", "status", "expected FHIR Task status codes"))
          }
          statuses.push(code)
        }
        break
      default:
        return Result.fail(malformed("the query is not valid", "(query)", "has a parameter that is not allowed"))
    }
  }
  return Result.succeed({
    ...(since === undefined ? {} : { since }),
    ...(statuses.length === 0 ? {} : { taskStatus: statuses })
  })
}

/**
 * The inbox's request handlers, over a transport and a verifier (for
 * embedding the routes under another router or framework).
 *
 * @since 0.1.0
 * @category models
 */
export interface Handlers {
  readonly deliver: (
    request: HttpServerRequest.HttpServerRequest
  ) => Effect.Effect<HttpServerResponse.HttpServerResponse>
  readonly status: (
    request: HttpServerRequest.HttpServerRequest,
    referralId: string | undefined
  ) => Effect.Effect<HttpServerResponse.HttpServerResponse>
  readonly changes: (
    request: HttpServerRequest.HttpServerRequest
  ) => Effect.Effect<HttpServerResponse.HttpServerResponse>
  readonly notFound: Effect.Effect<HttpServerResponse.HttpServerResponse>
}

/**
 * Builds the handlers: checks the options (the token registration) and makes
 * the transport over the service, store and audit log in the context.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeHandlers = (
  options: Options
): Effect.Effect<
  Handlers,
  EkollegaToken.TokenConfigError,
  ReferralService.ReferralService | ReferralQueries.Requirements
> =>
  Effect.gen(function* () {
    const maxBodyBytes = Math.floor(options.maxBodyBytes ?? defaultMaxBodyBytes)
    if (!(maxBodyBytes > 0)) {
      return yield* Effect.fail(new EkollegaToken.TokenConfigError({ detail: "maxBodyBytes must be positive" }))
    }
    const verify = yield* EkollegaToken.makeVerifier({
      audience: options.audience,
      organisations: options.organisations,
      ...(options.maxTokenLifetime === undefined ? {} : { maxLifetime: options.maxTokenLifetime }),
      ...(options.clockTolerance === undefined ? {} : { clockTolerance: options.clockTolerance }),
      ...(options.algorithms === undefined ? {} : { algorithms: options.algorithms }),
      ...(options.replayGuard === undefined ? {} : { replayGuard: options.replayGuard })
    })
    const transport = yield* ReferralTransport.make("ekollega")
    const actorOf = (
      request: HttpServerRequest.HttpServerRequest
    ): Effect.Effect<Actor.Actor, ReferralTransport.TransportError> => verify(request.headers.authorization)

    const readBody = (request: HttpServerRequest.HttpServerRequest) =>
      Effect.gen(function* () {
        if (!isJson(request.headers["content-type"])) {
          return yield* Effect.fail(ReferralTransport.refuse("unsupported", "the body must be application/json"))
        }
        const declared = request.headers["content-length"]
        if (declared !== undefined) {
          if (!/^\d{1,15}$/.test(declared)) return yield* Effect.fail(malformed("the content length is not valid"))
          if (Number(declared) > maxBodyBytes) {
            return yield* Effect.fail(ReferralTransport.refuse("too-large", `the body is over ${maxBodyBytes} bytes`))
          }
        }
        const bytes = yield* request.arrayBuffer.pipe(
          Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(maxBodyBytes)),
          Effect.mapError((error) =>
            error.reason._tag === "RequestParseError" && error.reason.reason === "BodyTooLarge"
              ? ReferralTransport.refuse("too-large", `the body is over ${maxBodyBytes} bytes`)
              : malformed("the body could not be read")
          )
        )
        if (bytes.byteLength > maxBodyBytes) {
          return yield* Effect.fail(ReferralTransport.refuse("too-large", `the body is over ${maxBodyBytes} bytes`))
        }
        const text = yield* Effect.try({
          try: () => utf8.decode(bytes),
          catch: () => malformed("the body is not UTF-8")
        })
        return yield* Effect.try({
          try: (): unknown => JSON.parse(text),
          catch: () => malformed("the body is not JSON")
        })
      })

    const deliver = (request: HttpServerRequest.HttpServerRequest) =>
      respond(
        Effect.gen(function* () {
          const actor = yield* actorOf(request)
          const body = yield* readBody(request)
          const message = yield* Effect.fromResult(ReferralTransport.decodeInbound(body))
          const receipt = yield* transport.deliver(actor, message)
          return ok(receipt, receipt.duplicate ? 200 : 201, {
            location: `${EkollegaMessage.referralsPath}/${receipt.referralId}`
          })
        })
      )

    const status = (request: HttpServerRequest.HttpServerRequest, referralId: string | undefined) =>
      respond(
        Effect.gen(function* () {
          const actor = yield* actorOf(request)
          const id = decodeReferralId(referralId)
          if (Result.isFailure(id)) return yield* Effect.fail(malformed("the referral id is not valid", "referralId"))
          return yield* encoded(EkollegaMessage.StatusReport, yield* transport.status(actor, id.success))
        })
      )

    const changes = (request: HttpServerRequest.HttpServerRequest) =>
      respond(
        Effect.gen(function* () {
          const actor = yield* actorOf(request)
          const query = yield* Effect.fromResult(changesQuery(request.url))
          return yield* encoded(EkollegaMessage.StatusList, { referrals: yield* transport.changes(actor, query) })
        })
      )

    const notFound = Effect.succeed(refusalResponse(ReferralTransport.refuse("not-found", "no such resource")))

    return { deliver, status, changes, notFound }
  })

/**
 * The inbox's routes on the `HttpRouter`, with a problem answer (404) for
 * every other method and path. Fails to build with `TokenConfigError` when
 * the options are not usable.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options
): Layer.Layer<
  never,
  EkollegaToken.TokenConfigError,
  HttpRouter.HttpRouter | ReferralService.ReferralService | ReferralQueries.Requirements
> =>
  HttpRouter.use((router) =>
    Effect.gen(function* () {
      const handlers = yield* makeHandlers(options)
      const path = EkollegaMessage.referralsPath
      yield* router.add("POST", path, handlers.deliver)
      // one wildcard route for the collection and its members, not `:referralId`: the router caps named
      // parameters at 100 characters, ids have up to 128 (and the wildcard also claims the bare path)
      yield* router.add("GET", `${path}/*`, (request) =>
        Effect.flatMap(HttpRouter.params, (params) => {
          const rest = params["*"]
          return rest === undefined || rest === "" ? handlers.changes(request) : handlers.status(request, rest)
        })
      )
      yield* router.add("*", "*", handlers.notFound)
    })
  )
