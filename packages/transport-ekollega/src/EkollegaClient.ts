/**
 * The referrer's side: the `ReferralTransport` port of `@lahete/core` over
 * the inbox's HTTP API, for the referrers' own systems. Each call signs a
 * token for the professional (`sign`, e.g. `EkollegaToken.signer` with the
 * organisation's private key) and sends it as `Authorization: Bearer …`.
 *
 * Answers map back to the port's errors: a 4xx problem document becomes the
 * same `TransportRefused` (reason, status, detail, issues) the inbox
 * refused with; 5xx, 408, 425, 429, an unreachable inbox, a timeout or an
 * answer that is not the documented JSON become `TransportUnavailable` (retry
 * later: a repeated delivery is answered with the first receipt).
 *
 * The message is sent as given (JSON): the inbox, not the client, decides
 * whether it is valid, so a client and an inbox of different versions never
 * disagree silently.
 *
 * @since 0.1.0
 */
import { ReferralTransport } from "@lahete/core"
import { Config, Duration, Effect, Layer, Redacted, Result, Schema } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import * as EkollegaMessage from "./EkollegaMessage.js"
import * as EkollegaToken from "./EkollegaToken.js"

/**
 * Options of the client.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The inbox's origin and base path, e.g. `https://inbox.example.fi` (the routes `/v1/…` are appended). */
  readonly baseUrl: string
  /** Signs the token for a professional (see `EkollegaToken.signer`). */
  readonly sign: EkollegaToken.Sign
  /** How long one request may take, answer included; default 30 seconds. */
  readonly timeout?: Duration.Input
}

const unavailable = (detail: string) => new ReferralTransport.TransportUnavailable({ detail })

/**
 * Builds the client over the `HttpClient` in the context (e.g.
 * `FetchHttpClient.layer`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<ReferralTransport.Shape, never, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const client = yield* HttpClient.HttpClient
    const base = `${options.baseUrl.replace(/\/+$/, "")}${EkollegaMessage.referralsPath}`
    const timeout = options.timeout ?? Duration.seconds(30)

    const call = <A, I>(
      actor: Parameters<EkollegaToken.Sign>[0],
      request: HttpClientRequest.HttpClientRequest,
      schema: Schema.Codec<A, I>
    ): Effect.Effect<{ readonly status: number; readonly body: A }, ReferralTransport.TransportError> =>
      Effect.gen(function* () {
        const token = yield* options.sign(actor)
        const response = yield* client
          .execute(request.pipe(HttpClientRequest.bearerToken(token), HttpClientRequest.acceptJson))
          .pipe(Effect.mapError(() => unavailable("the inbox could not be reached")))
        const body: unknown = yield* Effect.orElseSucceed(response.json, () => undefined)
        if (response.status < 200 || response.status > 299) {
          return yield* Effect.fail(EkollegaMessage.errorOf(response.status, body))
        }
        const decoded = Schema.decodeUnknownResult(schema)(body)
        if (Result.isFailure(decoded)) return yield* Effect.fail(unavailable("the inbox's answer is not valid"))
        return { status: response.status, body: decoded.success }
      }).pipe(
        Effect.timeoutOrElse({
          duration: timeout,
          orElse: () => Effect.fail(unavailable("the inbox did not answer in time"))
        })
      )

    const deliver: ReferralTransport.Shape["deliver"] = (sender, message) =>
      Effect.gen(function* () {
        const request = yield* Effect.try({
          try: () =>
            HttpClientRequest.post(base).pipe(
              HttpClientRequest.bodyText(JSON.stringify(message), EkollegaMessage.jsonMediaType)
            ),
          catch: () => ReferralTransport.refuse("malformed", "the referral message cannot be written as JSON")
        })
        const { status, body } = yield* call(sender, request, EkollegaMessage.Receipt)
        // 201 for a new referral, 200 for a repeat: the status and the body must agree
        if ((status === 201) === body.duplicate)
          return yield* Effect.fail(unavailable("the inbox's answer is not valid"))
        return body
      })

    const status: ReferralTransport.Shape["status"] = (reader, referralId) =>
      Effect.map(
        call(reader, HttpClientRequest.get(`${base}/${encodeURIComponent(referralId)}`), EkollegaMessage.StatusReport),
        ({ body }) => body
      )

    const changes: ReferralTransport.Shape["changes"] = (reader, query) => {
      // an empty status list matches nothing (as in the in-process transport); no request needed
      if (query.taskStatus !== undefined && query.taskStatus.length === 0) return Effect.succeed([])
      const params: Record<string, string> = {
        ...(query.since === undefined ? {} : { since: query.since }),
        ...(query.taskStatus === undefined ? {} : { status: query.taskStatus.join(",") })
      }
      return Effect.map(
        call(reader, HttpClientRequest.get(base, { urlParams: params }), EkollegaMessage.StatusList),
        ({ body }) => body.referrals
      )
    }

    return ReferralTransport.ReferralTransport.of({ name: "ekollega", deliver, status, changes })
  })

/**
 * The client as the `ReferralTransport` service (provide an `HttpClient`,
 * e.g. `FetchHttpClient.layer`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options
): Layer.Layer<ReferralTransport.ReferralTransport, never, HttpClient.HttpClient> =>
  Layer.effect(ReferralTransport.ReferralTransport, make(options))

/**
 * Options of `layerConfig`: the inbox, and the organisation's signing key as
 * a redacted string (a private JWK as JSON, or a PKCS#8 PEM with
 * `algorithm`).
 *
 * @since 0.1.0
 * @category models
 */
export interface ConfigOptions {
  readonly baseUrl: string
  readonly organisation: string
  readonly audience: string
  readonly privateKey: Redacted.Redacted<string>
  readonly algorithm?: EkollegaToken.Algorithm
  readonly keyId?: string
}

const keyOf = (text: string): EkollegaToken.JsonWebKey | string | undefined => {
  if (!text.trimStart().startsWith("{")) return text
  try {
    const parsed: unknown = JSON.parse(text)
    return typeof parsed === "object" && parsed !== null ? (parsed as EkollegaToken.JsonWebKey) : undefined
  } catch {
    return undefined
  }
}

/**
 * The client from configuration, signing with the organisation's key.
 *
 * @example
 * ```ts
 * import { EkollegaClient } from "@lahete/transport-ekollega"
 * import { Config, Layer } from "effect"
 * import { FetchHttpClient } from "effect/http"
 *
 * const Transport = EkollegaClient.layerConfig({
 *   baseUrl: Config.String("EKOLLEGA_INBOX_URL"),
 *   organisation: Config.String("EKOLLEGA_ORGANISATION"),
 *   audience: Config.String("EKOLLEGA_AUDIENCE"),
 *   privateKey: Config.Redacted("EKOLLEGA_PRIVATE_KEY")
 * }).pipe(Layer.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Wrap<ConfigOptions>
): Layer.Layer<
  ReferralTransport.ReferralTransport,
  Config.ConfigError | EkollegaToken.TokenConfigError,
  HttpClient.HttpClient
> =>
  Layer.effect(
    ReferralTransport.ReferralTransport,
    Effect.gen(function* () {
      const options = yield* Config.unwrap(config)
      const key = keyOf(Redacted.value(options.privateKey))
      if (key === undefined) {
        return yield* Effect.fail(new EkollegaToken.TokenConfigError({ detail: "the private key is not a JWK or PEM" }))
      }
      const sign = yield* EkollegaToken.signer({
        organisation: options.organisation,
        audience: options.audience,
        privateKey: Redacted.make(key),
        ...(options.algorithm === undefined ? {} : { algorithm: options.algorithm }),
        ...(options.keyId === undefined ? {} : { keyId: options.keyId })
      })
      return yield* make({ baseUrl: options.baseUrl, sign })
    })
  )
