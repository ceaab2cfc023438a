/**
 * The FHIR R4 server of the closed loop: referrals arrive as transaction
 * Bundles, their status goes back as Tasks. Routes (under `basePath`):
 *
 * - `POST /` or `POST /Bundle`: a referral (see `FhirReferral`), delivered
 *   through core's transport (`ReferralTransport.make("fhir")`); answers a
 *   transaction-response Bundle with the Task, `201` (or `200` when the
 *   message had been delivered before: the same Task).
 * - `GET /Task/{id}`: the Task as its referrer sees it (see `FhirTask`); the
 *   closing feedback only under rule C3, every such read in the usage and
 *   disclosure logs.
 * - `PUT /Task/{id}`: the referrer cancels (Gravity's requester cancel):
 *   a Task with `status: cancelled` and optionally a `statusReason` coding of
 *   `FhirCodes.endReason` (`made-in-error`, `client-request`,
 *   `no-longer-needed`, `other`; default `other`) becomes core's
 *   `CancelReferral`; the answer is the cancelled Task. Any other status is
 *   refused (422): the requester only cancels, the rest is the lifecycle's.
 * - `GET /ServiceRequest/{id}`: the referral's ServiceRequest (see
 *   `FhirTask.toServiceRequest`: no personal data), for its referrer.
 * - `GET /Task?status=…&_lastUpdated=ge…`: the referrer's Tasks that changed
 *   at or after a time, optionally with one of the Task statuses
 *   (comma-separated), as a searchset Bundle.
 * - `GET /metadata`: the capability statement (no authentication).
 *
 * Every other request is refused. Strict input, in this order:
 * authentication (401), media type `application/fhir+json` or
 * `application/json` in UTF-8 (415), size (413, `maxBodyBytes`), UTF-8 and
 * JSON (400), nesting depth (400), the schemas of `FhirSchema` and the
 * referral's rules (400, 403), then the lifecycle (422, 409). Search
 * parameters other than `status` and `_lastUpdated` are refused (400): a
 * server that ignored one would answer a different question than the one
 * asked. Every refusal is a `TransportRefused` with its HTTP status and an
 * `OperationOutcome` body that names rules and FHIRPaths, never values;
 * temporary failures are `503`, anything unexpected `500`, both without
 * details.
 *
 * @since 0.1.0
 */
import {
  type Actor,
  Ids,
  Instant,
  Lifecycle,
  type ReferralQueries,
  ReferralService,
  ReferralTransport,
  Views
} from "@lahete/core"
import type { CapabilityStatement } from "@medplum/fhirtypes"
import { ByteSize, Clock, Effect, type Layer, Option, Result, Schema } from "effect"
import * as HttpIncomingMessage from "effect/http/HttpIncomingMessage"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import type * as FhirAuth from "./FhirAuth.js"
import * as FhirCodes from "./FhirCodes.js"
import * as FhirOutcome from "./FhirOutcome.js"
import * as FhirReferral from "./FhirReferral.js"
import * as FhirTask from "./FhirTask.js"

/**
 * Options of the server.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Who is asking (default implementation: `FhirAuth.jwt`). */
  readonly authenticate: FhirAuth.Authenticate
  /** Where the routes are mounted, e.g. `/fhir`; default the root. */
  readonly basePath?: string
  /**
   * The server's absolute base URL (`https://lahete.example.fi/fhir`), required:
   * every `fullUrl`, `self` link and `Location` is built from it, never from
   * the request's `Host` header (which a client chooses). A value that is not
   * an absolute http(s) URL stops the server from starting.
   */
  readonly baseUrl: string
  /** The largest request body accepted; default `defaultMaxBodyBytes`. */
  readonly maxBodyBytes?: number
  /** The deepest JSON nesting accepted; default `defaultMaxDepth`. */
  readonly maxDepth?: number
  /** The standard codes per programme; default `FhirCodes.defaultCodes`. */
  readonly codes?: FhirCodes.Codes
}

/**
 * The default body limit: 256 KiB (a referral Bundle is a few kilobytes).
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultMaxBodyBytes = 256 * 1024

/**
 * The default JSON nesting limit (a referral Bundle nests about 8 deep).
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultMaxDepth = 32

/**
 * The media type of every answer.
 *
 * @since 0.1.0
 * @category constants
 */
export const contentType = "application/fhir+json; charset=utf-8"

/**
 * What the server needs: the service, store and audit log core's transport
 * runs over.
 *
 * @since 0.1.0
 * @category models
 */
export type Requirements = ReferralService.ReferralService | ReferralQueries.Requirements

type TransportError = ReferralTransport.TransportError
const refuse = ReferralTransport.refuse

/** Every answer: FHIR JSON, never cached (a Task may carry the closing feedback). */
const json = (body: unknown, status: number, headers: Record<string, string> = {}) =>
  HttpServerResponse.text(JSON.stringify(body), {
    status,
    contentType,
    headers: { "cache-control": "no-store", ...headers }
  })

/** The response of an error: its status and OperationOutcome. */
const errorResponse = (error: TransportError): HttpServerResponse.HttpServerResponse =>
  error._tag === "TransportRefused"
    ? json(
        FhirOutcome.fromRefusal(error),
        error.status,
        error.reason === "unauthenticated" ? { "www-authenticate": 'Bearer realm="lahete-fhir"' } : {}
      )
    : json(FhirOutcome.fromUnavailable(error), 503, { "retry-after": "5" })

/**
 * Every error and defect becomes a FHIR answer; nothing escapes to the
 * router. A defect (a bug) is logged by its kind only: its message could
 * quote the request.
 */
const respond = <R>(
  effect: Effect.Effect<HttpServerResponse.HttpServerResponse, TransportError, R>
): Effect.Effect<HttpServerResponse.HttpServerResponse, never, R> =>
  effect.pipe(
    Effect.catch((error) => Effect.succeed(errorResponse(error))),
    Effect.catchDefect((defect) =>
      Effect.as(
        Effect.logError(
          `FHIR server: unexpected ${defect instanceof Error ? defect.name : typeof defect}; answered 500`
        ),
        json(FhirOutcome.internalError, 500)
      )
    )
  )

const acceptedTypes: ReadonlySet<string> = new Set(["application/fhir+json", "application/json"])

const checkContentType = (request: HttpServerRequest.HttpServerRequest): Effect.Effect<void, TransportError> => {
  const [type = "", ...params] = (request.headers["content-type"] ?? "").split(";")
  if (!acceptedTypes.has(type.trim().toLowerCase())) {
    return Effect.fail(refuse("unsupported", "expected application/fhir+json (or application/json)"))
  }
  for (const param of params) {
    const [key = "", value = ""] = param.split("=")
    if (key.trim().toLowerCase() === "charset" && !/^"?utf-?8"?$/i.test(value.trim())) {
      return Effect.fail(refuse("unsupported", "expected the UTF-8 charset"))
    }
  }
  return Effect.void
}

const tooDeep = (value: unknown, max: number): boolean => {
  const stack: Array<readonly [unknown, number]> = [[value, 1]]
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [v, depth] = next
    if (depth > max) return true
    if (typeof v === "object" && v !== null) {
      for (const child of Object.values(v))
        if (typeof child === "object" && child !== null) stack.push([child, depth + 1])
    }
  }
  return false
}

const utf8 = new TextDecoder("utf-8", { fatal: true })

const readJson = (
  request: HttpServerRequest.HttpServerRequest,
  maxBytes: number,
  maxDepth: number
): Effect.Effect<unknown, TransportError> =>
  Effect.gen(function* () {
    const tooLarge = refuse("too-large", `the body is larger than ${maxBytes} bytes`)
    const length = request.headers["content-length"]
    if (length !== undefined && /^\d+$/.test(length) && Number(length) > maxBytes) return yield* Effect.fail(tooLarge)
    const bytes = yield* request.arrayBuffer.pipe(
      Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(maxBytes)),
      Effect.mapError((e) =>
        e.reason._tag === "RequestParseError" && e.reason.reason === "BodyTooLarge"
          ? tooLarge
          : refuse("malformed", "the body could not be read")
      )
    )
    if (bytes.byteLength > maxBytes) return yield* Effect.fail(tooLarge)
    const text = Result.try(() => utf8.decode(bytes))
    if (Result.isFailure(text)) return yield* Effect.fail(refuse("malformed", "the body is not UTF-8 text"))
    const parsed = Result.try((): unknown => JSON.parse(text.success))
    if (Result.isFailure(parsed)) return yield* Effect.fail(refuse("malformed", "the body is not JSON"))
    if (tooDeep(parsed.success, maxDepth)) {
      return yield* Effect.fail(refuse("malformed", `the JSON is nested deeper than ${maxDepth} levels`))
    }
    return parsed.success
  })

// ---------------------------------------------------------------------------
// search parameters
// ---------------------------------------------------------------------------

/** The codes FHIR R4 defines for Task.status (http://hl7.org/fhir/task-status): anything else is a 400, as in eKollega. */
const taskStatusCodes: ReadonlySet<string> = new Set(Lifecycle.fhirTaskStatusCodes)
const isStatusToken = (code: string): boolean => taskStatusCodes.has(code)

/**
 * Reads the search parameters of `GET /Task` into a changes query.
 *
 * @since 0.1.0
 * @category decoding
 */
export const searchQuery = (
  params: URLSearchParams
): Result.Result<ReferralTransport.ChangesQuery, ReferralTransport.TransportRefused> => {
  const issues: Array<ReferralService.CommandIssue> = []
  const seen = new Set<string>()
  let since: Instant.Instant | undefined
  let taskStatus: Array<string> | undefined
  for (const [key, value] of params) {
    if (key !== "status" && key !== "_lastUpdated") {
      issues.push({ path: "Task", reason: "a search parameter other than status and _lastUpdated is not supported" })
      continue
    }
    if (seen.has(key)) {
      issues.push({ path: key, reason: "give the parameter once (status takes a comma-separated list)" })
      continue
    }
    seen.add(key)
    if (key === "status") {
      const codes = value.split(",").map((token) => {
        const bar = token.indexOf("|")
        if (bar === -1) return token
        return token.slice(0, bar) === FhirCodes.taskStatus || bar === 0 ? token.slice(bar + 1) : undefined
      })
      if (codes.length > 12 || codes.some((c) => c === undefined || !isStatusToken(c))) {
        issues.push({
          path: "status",
          reason: "expected Task status codes (http://hl7.org/fhir/task-status) separated by commas"
        })
      } else taskStatus = codes.filter((c): c is string => c !== undefined)
    } else {
      const instant = value.startsWith("ge") ? Instant.fromIso(value.slice(2)) : undefined
      if (instant === undefined) {
        issues.push({ path: "_lastUpdated", reason: "expected ge followed by a date-time with a time zone" })
      } else since = instant
    }
  }
  return issues.length > 0
    ? Result.fail(refuse("malformed", "the search is not supported", issues))
    : Result.succeed({
        ...(since === undefined ? {} : { since }),
        ...(taskStatus === undefined ? {} : { taskStatus })
      })
}

// ---------------------------------------------------------------------------
// capability statement
// ---------------------------------------------------------------------------

/**
 * The capability statement served at `GET /metadata`.
 *
 * @since 0.1.0
 * @category constants
 */
export const capabilityStatement: CapabilityStatement = {
  resourceType: "CapabilityStatement",
  status: "active",
  date: "2026-01-01",
  kind: "instance",
  implementation: { description: "lahete: the wellbeing referral (hyvinvointilähete) closed loop over FHIR R4" },
  fhirVersion: "4.0.1",
  format: ["application/fhir+json", "application/json"],
  software: { name: "lahete FHIR closed loop" },
  rest: [
    {
      mode: "server",
      security: {
        description:
          "Bearer JSON Web Token issued by the referrer's organisation: iss = organisation id, sub = practitioner id, profession claim."
      },
      interaction: [{ code: "transaction" }],
      resource: [
        {
          type: "Task",
          interaction: [{ code: "read" }, { code: "update" }, { code: "search-type" }],
          updateCreate: false,
          documentation:
            "update: the requester cancels (status cancelled, statusReason in https://lahete.fi/fhir/CodeSystem/end-reason); nothing else is updatable",
          searchParam: [
            { name: "status", type: "token" },
            { name: "_lastUpdated", type: "date", documentation: "only the ge prefix" }
          ]
        },
        { type: "ServiceRequest", interaction: [{ code: "read" }] }
      ]
    }
  ]
}

// ---------------------------------------------------------------------------
// the routes
// ---------------------------------------------------------------------------

const normaliseBase = (basePath: string | undefined): "" | `/${string}` => {
  const trimmed = (basePath ?? "").replace(/\/+$/, "").replace(/^\/+/, "")
  return trimmed === "" ? "" : `/${trimmed}`
}

/**
 * Registers the routes on the router in the context (see the module
 * documentation).
 *
 * @since 0.1.0
 * @category constructors
 */
export const register = (router: HttpRouter.HttpRouter, options: Options): Effect.Effect<void, never, Requirements> =>
  Effect.gen(function* () {
    const transport = yield* ReferralTransport.make("fhir")
    const service = yield* ReferralService.ReferralService
    const base = normaliseBase(options.basePath)
    const maxBytes = options.maxBodyBytes ?? defaultMaxBodyBytes
    const maxDepth = options.maxDepth ?? defaultMaxDepth

    const configured = URL.parse(options.baseUrl)
    if (configured === null || (configured.protocol !== "https:" && configured.protocol !== "http:")) {
      return yield* Effect.die(new Error("FhirServer: baseUrl must be an absolute http(s) URL"))
    }
    const baseUrl = options.baseUrl.replace(/\/+$/, "")
    const baseUrlOf = (_request: HttpServerRequest.HttpServerRequest): string => baseUrl

    const codes = options.codes ?? FhirCodes.defaultCodes

    const holdReason = (report: ReferralTransport.StatusReport) =>
      report.status !== "OnHold"
        ? Effect.succeed(undefined)
        : Effect.map(
            Effect.mapError(service.state(report.referralId), ReferralTransport.fromServiceError),
            (state) => state.holdReason
          )

    // only the referral's referrer reads it (the queries' need-to-know): the reader is the requester
    const taskOf = (reader: Actor.Actor) => (report: ReferralTransport.StatusReport) =>
      Effect.map(holdReason(report), (reason) => FhirTask.toTask(report, { requester: reader.id, holdReason: reason }))

    const deliver = (request: HttpServerRequest.HttpServerRequest) =>
      respond(
        Effect.gen(function* () {
          const actor = yield* options.authenticate(request)
          yield* checkContentType(request)
          const body = yield* readJson(request, maxBytes, maxDepth)
          const message = yield* Effect.fromResult(FhirReferral.fromBundle(body, actor, codes))
          const receipt = yield* transport.deliver(actor, message)
          const task = yield* Effect.flatMap(transport.status(actor, receipt.referralId), taskOf(actor))
          return json(FhirReferral.transactionResponse(body, task, receipt.duplicate), receipt.duplicate ? 200 : 201, {
            location: `${baseUrlOf(request)}/Task/${receipt.referralId}`
          })
        })
      )

    const decodeReferralId = Schema.decodeUnknownResult(Ids.ReferralId)

    const read = (request: HttpServerRequest.HttpServerRequest) =>
      respond(
        Effect.gen(function* () {
          const actor = yield* options.authenticate(request)
          const params = yield* HttpRouter.params
          const id = decodeReferralId(params.id)
          if (Result.isFailure(id)) return yield* Effect.fail(refuse("not-found", "no such Task"))
          const task = yield* Effect.flatMap(transport.status(actor, id.success), taskOf(actor))
          return json(task, 200)
        })
      )

    // the ServiceRequest carries no personal data and no closing feedback: reading it discloses nothing
    const readServiceRequest = (request: HttpServerRequest.HttpServerRequest) =>
      respond(
        Effect.gen(function* () {
          const actor = yield* options.authenticate(request)
          const params = yield* HttpRouter.params
          const id = decodeReferralId(params.id)
          if (Result.isFailure(id)) return yield* Effect.fail(refuse("not-found", "no such ServiceRequest"))
          // the referrer's view from the state alone: no personal data is read, so nothing is logged
          const state = yield* Effect.mapError(service.state(id.success), ReferralTransport.fromServiceError)
          const at = Instant.make(yield* Clock.currentTimeMillis)
          const viewed = Views.referralStatus(actor, state, new Map(), at)
          if (Result.isFailure(viewed)) {
            // someone else's or an unknown referral: the Task read refuses it (403) and logs the attempt
            yield* transport.status(actor, id.success)
            return yield* Effect.fail(refuse("forbidden", "not a referral of this referrer"))
          }
          const report = viewed.success.view
          return json(FhirTask.toServiceRequest(report, actor.id, FhirCodes.codesFor(codes, report.programme.id)), 200)
        })
      )

    const update = (request: HttpServerRequest.HttpServerRequest) =>
      respond(
        Effect.gen(function* () {
          const actor = yield* options.authenticate(request)
          yield* checkContentType(request)
          const params = yield* HttpRouter.params
          const id = decodeReferralId(params.id)
          if (Result.isFailure(id)) return yield* Effect.fail(refuse("not-found", "no such Task"))
          const body = yield* readJson(request, maxBytes, maxDepth)
          const reason = yield* Effect.fromResult(FhirTask.cancellationOf(body, id.success))
          const state = yield* Effect.mapError(service.state(id.success), ReferralTransport.fromServiceError)
          const own =
            state.status !== "Initial" &&
            state.referrer?.id === actor.id &&
            state.referrer.organisation === actor.organisation
          // someone else's or an unknown referral: the read refuses it (403) and logs the attempt
          if (!own) yield* transport.status(actor, id.success)
          // a Task already cancelled (by anyone, or by the client's withdrawal) stays as it is: the update is answered
          if (state.status !== "Cancelled" && state.status !== "Withdrawn") {
            const at = Instant.make(yield* Clock.currentTimeMillis)
            yield* Effect.mapError(
              service.executeUnknown({
                _tag: "CancelReferral",
                referralId: id.success,
                idempotencyKey: `fhir-cancel:${id.success}`,
                actor,
                at,
                reason
              }),
              ReferralTransport.fromServiceError
            )
          }
          const task = yield* Effect.flatMap(transport.status(actor, id.success), taskOf(actor))
          return json(task, 200)
        })
      )

    const search = (request: HttpServerRequest.HttpServerRequest) =>
      respond(
        Effect.gen(function* () {
          const actor = yield* options.authenticate(request)
          const url = Option.getOrUndefined(HttpServerRequest.toURL(request))
          if (url === undefined) return yield* Effect.fail(refuse("malformed", "the request URL is not valid"))
          const query = yield* Effect.fromResult(searchQuery(url.searchParams))
          const reports = yield* transport.changes(actor, query)
          const tasks = yield* Effect.forEach(reports, taskOf(actor))
          const self = `${baseUrlOf(request)}/Task${url.search}`
          return json(FhirTask.searchset(tasks, baseUrlOf(request), self), 200)
        })
      )

    const notFound = respond(Effect.fail(refuse("not-found", "no such resource or interaction")))
    const metadata = json(capabilityStatement, 200)

    yield* router.add("POST", base === "" ? "/" : base, deliver)
    yield* router.add("POST", `${base}/Bundle`, deliver)
    yield* router.add("GET", `${base}/Task/:id`, read)
    yield* router.add("PUT", `${base}/Task/:id`, update)
    yield* router.add("GET", `${base}/ServiceRequest/:id`, readServiceRequest)
    yield* router.add("GET", `${base}/Task`, search)
    yield* router.add("GET", `${base}/metadata`, metadata)
    yield* router.add("*", "*", notFound)
  })

/**
 * The server's routes as a layer on an `HttpRouter` (serve it with
 * `HttpRouter.serve` and a platform server, or turn it into a fetch handler
 * with `HttpRouter.toWebHandler`).
 *
 * @example
 * ```ts
 * import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
 * import { HttpLimits } from "@lahete/http-limits"
 * import { FhirAuth, FhirServer } from "@lahete/transport-fhir"
 * import { Layer } from "effect"
 * import { HttpRouter } from "effect/http"
 *
 * const Fhir = FhirServer.layer({ authenticate: FhirAuth.jwt({ issuers }), basePath: "/fhir" })
 * const Main = HttpRouter.serve(Fhir).pipe(
 *   // header, request and idle timeouts and a connection limit (the same as @lahete/server)
 *   Layer.provide(NodeHttpServer.layer(HttpLimits.makeServer(), { port: 8080 })),
 *   Layer.provide(ServiceLive) // ReferralService, ReferralStore, ReferralIndex, AuditLog
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<never, never, HttpRouter.HttpRouter | Requirements> =>
  HttpRouter.use((router) => register(router, options))
