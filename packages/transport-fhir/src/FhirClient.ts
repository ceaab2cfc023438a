/**
 * The referrer's side of the FHIR closed loop: the `ReferralTransport` port
 * over HTTP, for a referrer's system talking to a lahete FHIR server.
 *
 * - `deliver` checks the message (`ReferralTransport.decodeInbound` and
 *   `FhirReferral.representable`: a message that is not valid, or that FHIR
 *   cannot carry, is refused as `malformed` before anything is sent), builds the transaction Bundle (`FhirReferral.toBundle`), `POST`s
 *   it and reads the receipt from the transaction response (the Task's id
 *   and `authoredOn`; `200` marks a duplicate).
 * - `status` `GET`s `Task/{id}` and reads it back (`FhirTask.fromTask`).
 * - `changes` searches `GET Task?status=…&_lastUpdated=ge…`.
 *
 * Every request carries a bearer token for the actor it is made for (`token`:
 * one token for everything, or a function of the actor). An error answer
 * becomes the error its `OperationOutcome` states (`FhirOutcome.toError`): a
 * 4xx is `TransportRefused` with the same reason, detail and issues; a 5xx,
 * a 429, a network failure, a timeout or an answer this client cannot read
 * is `TransportUnavailable`.
 *
 * @since 0.1.0
 */
import { type Actor, type Ids, ReferralTransport } from "@lahete/core"
import { Config, Duration, Effect, Layer, Redacted, Result } from "effect"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import type * as FhirCodes from "./FhirCodes.js"
import * as FhirOutcome from "./FhirOutcome.js"
import * as FhirReferral from "./FhirReferral.js"
import * as FhirTask from "./FhirTask.js"

/**
 * The bearer token for a request made for an actor.
 *
 * @since 0.1.0
 * @category models
 */
export type Token =
  | Redacted.Redacted<string>
  | ((actor: Actor.Actor) => Effect.Effect<Redacted.Redacted<string>, ReferralTransport.TransportError>)

/**
 * Options of the client.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The server's FHIR base URL, e.g. `https://lahete.example.fi/fhir`. */
  readonly baseUrl: string
  /** The bearer token (see `Token`). */
  readonly token: Token
  /** How long one request may take, answer included; default 30 seconds. */
  readonly timeout?: Duration.Input
  /** The standard codes per programme (the server's must accept them); default `FhirCodes.defaultCodes`. */
  readonly codes?: FhirCodes.Codes
}

/**
 * Options of `layerConfig`: one token for every request (a system account).
 *
 * @since 0.1.0
 * @category models
 */
export interface ConfigOptions {
  readonly baseUrl: string
  readonly token: Redacted.Redacted<string>
  readonly timeout?: Duration.Input
}

const mediaType = "application/fhir+json"

const unavailable = (detail: string) => new ReferralTransport.TransportUnavailable({ detail })

const parse = (text: string): unknown => {
  const parsed = Result.try((): unknown => JSON.parse(text))
  return Result.isSuccess(parsed) ? parsed.success : undefined
}

/**
 * The client (see the module documentation).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<ReferralTransport.Shape, never, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const client = yield* HttpClient.HttpClient
    const baseUrl = options.baseUrl.replace(/\/+$/, "")
    const timeout = options.timeout ?? Duration.seconds(30)
    const tokenFor = (actor: Actor.Actor) =>
      Redacted.isRedacted(options.token) ? Effect.succeed(options.token) : options.token(actor)

    /** Sends a request for an actor; a 2xx answers its status and JSON body, anything else fails. */
    const send = (actor: Actor.Actor, request: HttpClientRequest.HttpClientRequest) =>
      Effect.gen(function* () {
        const token = yield* tokenFor(actor)
        const exchange = Effect.gen(function* () {
          const response = yield* client.execute(
            request.pipe(HttpClientRequest.bearerToken(token), HttpClientRequest.accept(mediaType))
          )
          const text = yield* response.text
          return { status: response.status, body: parse(text) }
        }).pipe(
          Effect.mapError(() => unavailable("the server could not be reached")),
          Effect.timeoutOrElse({
            duration: timeout,
            orElse: () => Effect.fail(unavailable("the server did not answer in time"))
          })
        )
        const answer = yield* exchange
        if (answer.status < 200 || answer.status > 299) {
          return yield* Effect.fail(FhirOutcome.toError(answer.status, answer.body))
        }
        return answer
      })

    const deliver = (sender: Actor.Actor, input: ReferralTransport.InboundReferral) =>
      Effect.gen(function* () {
        const message = yield* Effect.fromResult(ReferralTransport.decodeInbound(input))
        yield* Effect.fromResult(FhirReferral.representable(message))
        const bundle = FhirReferral.toBundle(
          message,
          sender,
          options.codes === undefined ? {} : { codes: options.codes }
        )
        const answer = yield* send(
          sender,
          HttpClientRequest.post(baseUrl).pipe(HttpClientRequest.bodyText(JSON.stringify(bundle), mediaType))
        )
        const entries = (answer.body as { readonly entry?: ReadonlyArray<{ readonly resource?: unknown }> } | undefined)
          ?.entry
        const task = Array.isArray(entries)
          ? entries.map((e) => FhirTask.fromTask(e?.resource)).find((r) => r !== undefined)
          : undefined
        if (task === undefined) return yield* Effect.fail(unavailable("the transaction response has no Task"))
        return {
          messageId: message.messageId,
          referralId: task.referralId,
          receivedAt: task.submittedAt,
          duplicate: answer.status === 200
        } satisfies ReferralTransport.Receipt
      })

    const status = (reader: Actor.Actor, referralId: Ids.ReferralId) =>
      Effect.gen(function* () {
        const answer = yield* send(reader, HttpClientRequest.get(`${baseUrl}/Task/${encodeURIComponent(referralId)}`))
        const report = FhirTask.fromTask(answer.body)
        if (report === undefined) return yield* Effect.fail(unavailable("the answer is not a Task"))
        return report
      })

    const changes = (reader: Actor.Actor, query: ReferralTransport.ChangesQuery) =>
      Effect.gen(function* () {
        // an empty status list matches nothing: ask for all and keep none
        const statuses = query.taskStatus
        const params = [
          ...(statuses === undefined || statuses.length === 0 ? [] : [["status", statuses.join(",")] as const]),
          ...(query.since === undefined ? [] : [["_lastUpdated", `ge${query.since}`] as const])
        ]
        const answer = yield* send(
          reader,
          HttpClientRequest.get(`${baseUrl}/Task`).pipe(HttpClientRequest.setUrlParams(params))
        )
        const reports = FhirTask.fromSearchset(answer.body)
        if (reports === undefined) return yield* Effect.fail(unavailable("the answer is not a searchset Bundle"))
        return statuses === undefined ? reports : reports.filter((r) => statuses.includes(r.task.status))
      })

    return ReferralTransport.ReferralTransport.of({ name: "fhir", deliver, status, changes })
  })

/**
 * The client as the `ReferralTransport` service (provide an `HttpClient`,
 * e.g. `FetchHttpClient.layer`).
 *
 * @example
 * ```ts
 * import { FhirClient } from "@lahete/transport-fhir"
 * import { Layer, Redacted } from "effect"
 * import { FetchHttpClient } from "effect/http"
 *
 * const Transport = FhirClient.layer({
 *   baseUrl: "https://lahete.example.fi/fhir",
 *   token: Redacted.make(process.env.LAHETE_TOKEN ?? "")
 * }).pipe(Layer.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options
): Layer.Layer<ReferralTransport.ReferralTransport, never, HttpClient.HttpClient> =>
  Layer.effect(ReferralTransport.ReferralTransport, make(options))

/**
 * The client from configuration, with one token for every request.
 *
 * @example
 * ```ts
 * import { FhirClient } from "@lahete/transport-fhir"
 * import { Config, Layer } from "effect"
 * import { FetchHttpClient } from "effect/http"
 *
 * const Transport = FhirClient.layerConfig({
 *   baseUrl: Config.String("LAHETE_FHIR_URL"),
 *   token: Config.Redacted("LAHETE_FHIR_TOKEN")
 * }).pipe(Layer.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Wrap<ConfigOptions>
): Layer.Layer<ReferralTransport.ReferralTransport, Config.ConfigError, HttpClient.HttpClient> =>
  Layer.effect(ReferralTransport.ReferralTransport, Effect.flatMap(Config.unwrap(config), make))
