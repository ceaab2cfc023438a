/**
 * The `SmsSender` port over GatewayAPI's REST API (gatewayapi.com /
 * gatewayapi.eu, OnlineCity ApS, Denmark): one message to one recipient per
 * `POST /rest/mtsms`, authenticated with the API token in an
 * `Authorization: Token …` header. Our message id travels as `userref`, the
 * provider's reference field, and comes back in its delivery-status
 * notifications; `parseDeliveryReport` reads those.
 *
 * GatewayAPI has no idempotency key: a send whose answer is lost (timeout,
 * crash) may have reached the client, and sending again sends twice. Within
 * one process a repeated id returns the first receipt without a new request;
 * across processes the outbox must prevent the second send. See the README.
 *
 * No phone number or text ever appears in an error: the provider's error
 * body (whose message and variables may quote the number) is reduced to its
 * status and error code.
 *
 * @since 0.1.0
 */
import { SmsSender } from "@lahete/core"
import { Cause, Config, Deferred, Duration, Effect, Exit, Layer, Redacted, Result, Schema } from "effect"
import { isGsm7 } from "./internal/gsm7.js"

/**
 * GatewayAPI's EU platform, the default: its accounts and data stay in the EU.
 *
 * @since 0.1.0
 * @category constants
 */
export const hostEu = "https://gatewayapi.eu"

/**
 * GatewayAPI's global platform (an account lives on one platform; its token
 * works only there).
 *
 * @since 0.1.0
 * @category constants
 */
export const hostCom = "https://gatewayapi.com"

/**
 * The message classes GatewayAPI documents (`secret` hides the text in the
 * provider's logs and needs the provider to enable it).
 *
 * @since 0.1.0
 * @category models
 */
export type MessageClass = "standard" | "premium" | "secret"

/**
 * Options of `make` and `layer`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The API token (dashboard: API → API Keys). */
  readonly token: Redacted.Redacted<string>
  /** The platform's origin; default `hostEu`. */
  readonly baseUrl?: string
  /** The default sender (up to 11 letters and digits, or 15 digits); a message's own `sender` wins. */
  readonly sender?: string
  /** How long one request may take, answer included; default 10 seconds. */
  readonly timeout?: Duration.Input
  /** Where GatewayAPI posts delivery-status notifications (`callback_url`); else the account's default webhook. */
  readonly callbackUrl?: string
  /** `label`, e.g. the organisation the message is sent for (invoicing). */
  readonly label?: string
  /** `class`; GatewayAPI's default is `standard`. */
  readonly messageClass?: MessageClass
  /** `validity_period`: after this the network stops trying and reports EXPIRED (minimum 60 s). */
  readonly validityPeriod?: Duration.Input
  /** The `fetch` to use; default the global one (tests and proxies). */
  readonly fetch?: typeof globalThis.fetch
}

/**
 * Options of `layerConfig` (everything but `fetch`).
 *
 * @since 0.1.0
 * @category models
 */
export type ConfigOptions = Omit<Options, "fetch">

type Outcome = Deferred.Deferred<SmsSender.SmsReceipt, SmsSender.SmsSendError>

const defaultTimeout = Duration.seconds(10)
const receiptCacheSize = 10_000

/**
 * The E.164 number as GatewayAPI's MSISDN: the digits without `+`, sent as a
 * JSON integer as in the provider's examples (at most 15 digits, so exact).
 */
const toMsisdn = (e164: string): number | undefined =>
  /^\+[1-9]\d{6,14}$/.test(e164) ? Number(e164.slice(1)) : undefined

const SuccessBody = Schema.Struct({
  ids: Schema.NonEmptyArray(Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(0))))
})
const decodeSuccess = Schema.decodeUnknownResult(SuccessBody)

/** Only the error code is read; `message` and `variables` may quote the recipient's number. */
const ErrorBody = Schema.Struct({ code: Schema.optionalKey(Schema.String) })
const decodeError = Schema.decodeUnknownResult(ErrorBody)

type Reason = SmsSender.SmsSendError["reason"]

/**
 * How an HTTP status and GatewayAPI error code classify (errors.rst, "API
 * Errors"). A 2xx never reaches here.
 */
const classify = (status: number, code: string | undefined): { reason: Reason; retryable: boolean } => {
  const c = code?.toUpperCase().replace(/^0X/, "0x")
  if (status === 401) return { reason: "unauthorized", retryable: false }
  if (status === 403) {
    // 0x0214 temporary blacklist for the MSISDN, 0x0215 MSISDN blacklisted
    if (c === "0x0214" || c === "0x0215") return { reason: "invalid-recipient", retryable: false }
    // 0x0216 insufficient credit, 0x0217 destination country, 0x021D SMS not enabled
    if (c === "0x0216" || c === "0x0217" || c === "0x021D") return { reason: "rejected", retryable: false }
    // 0x0213 IP address, 0x022A account frozen, and anything else
    return { reason: "unauthorized", retryable: false }
  }
  if (status === 429) return { reason: "rate-limited", retryable: true }
  // 0x021E "Message class %1 is not configured": a 500 that retrying cannot fix
  if (status >= 500 && status <= 599) {
    return c === "0x021E"
      ? { reason: "rejected", retryable: false }
      : { reason: "provider-unavailable", retryable: true }
  }
  if (status >= 400 && status <= 499) return { reason: "rejected", retryable: false }
  return { reason: "unexpected-response", retryable: false }
}

/** `Retry-After` as delay-seconds (RFC 9110 §10.2.3); an HTTP-date is not used (it needs the server's clock). */
const retryAfterMillis = (header: string | undefined): number | undefined =>
  header !== undefined && /^\d{1,6}$/.test(header.trim()) ? Number(header.trim()) * 1000 : undefined

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/**
 * A GatewayAPI sender.
 *
 * @example
 * ```ts
 * import { GatewayApiSender } from "@lahete/messaging-sms"
 * import { Effect, Redacted } from "effect"
 *
 * const program = Effect.gen(function* () {
 *   const sms = yield* GatewayApiSender.make({ token: Redacted.make("token"), sender: "Hyvinvointi" })
 *   return yield* sms.send({ id: "outbox-1", to: "+358401234567", text: "Soitamme 3.3. klo 10.00" })
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<SmsSender.Shape> =>
  Effect.gen(function* () {
    const fetchImpl = options.fetch ?? globalThis.fetch
    const url = `${(options.baseUrl ?? hostEu).replace(/\/+$/, "")}/rest/mtsms`
    const timeout = options.timeout ?? defaultTimeout
    const validitySeconds =
      options.validityPeriod === undefined
        ? undefined
        : Math.max(60, Math.ceil(Duration.toSeconds(options.validityPeriod)))
    const sends = new Map<string, Outcome>()

    const fail = (id: string, reason: Reason, retryable: boolean, httpStatus?: number, retryAfterMillis?: number) =>
      Effect.fail(
        new SmsSender.SmsSendError({
          id,
          reason,
          retryable,
          ...(httpStatus === undefined ? {} : { httpStatus }),
          ...(retryAfterMillis === undefined ? {} : { retryAfterMillis })
        })
      )

    const post = (message: SmsSender.SmsMessage, msisdn: number) => {
      const sender = message.sender ?? options.sender
      const body: Record<string, unknown> = {
        message: message.text,
        recipients: [{ msisdn }],
        userref: message.id,
        ...(sender === undefined ? {} : { sender }),
        ...(isGsm7(message.text) ? {} : { encoding: "UCS2" }),
        ...(options.messageClass === undefined ? {} : { class: options.messageClass }),
        ...(options.label === undefined ? {} : { label: options.label }),
        ...(options.callbackUrl === undefined ? {} : { callback_url: options.callbackUrl }),
        ...(validitySeconds === undefined ? {} : { validity_period: validitySeconds })
      }
      return Effect.tryPromise({
        try: async (signal) => {
          const response = await fetchImpl(url, {
            method: "POST",
            headers: {
              authorization: `Token ${Redacted.value(options.token)}`,
              "content-type": "application/json",
              accept: "application/json"
            },
            body: JSON.stringify(body),
            signal
          })
          return {
            status: response.status,
            text: await response.text(),
            retryAfter: response.headers.get("retry-after") ?? undefined
          }
        },
        // the cause (undici's error) is dropped: nothing of the request leaves here
        catch: () => new SmsSender.SmsSendError({ id: message.id, reason: "network", retryable: true })
      }).pipe(
        Effect.timeoutOrElse({
          duration: timeout,
          orElse: () => fail(message.id, "network", true)
        })
      )
    }

    const attempt = (message: SmsSender.SmsMessage): Effect.Effect<SmsSender.SmsReceipt, SmsSender.SmsSendError> =>
      Effect.gen(function* () {
        const msisdn = toMsisdn(message.to)
        if (msisdn === undefined) return yield* fail(message.id, "invalid-recipient", false)
        const { status, text, retryAfter } = yield* post(message, msisdn)
        if (status < 200 || status > 299) {
          const decoded = decodeError(parseJson(text))
          const code = Result.isSuccess(decoded) ? decoded.success.code : undefined
          const { reason, retryable } = classify(status, code)
          return yield* fail(
            message.id,
            reason,
            retryable,
            status,
            retryable ? retryAfterMillis(retryAfter) : undefined
          )
        }
        const decoded = decodeSuccess(parseJson(text))
        // A 2xx the contract does not describe: the message may have gone out,
        // so sending again could send twice. Not retryable.
        if (Result.isFailure(decoded) || decoded.success.ids.length !== 1) {
          return yield* fail(message.id, "unexpected-response", false, status)
        }
        return { id: message.id, providerId: String(decoded.success.ids[0]), status: "accepted" } as const
      })

    /**
     * One request per id at a time: a send of an id already under way waits
     * for its outcome; a succeeded id answers with its receipt (the most
     * recent ids are kept); a failed id is forgotten, so a retry sends.
     */
    const send = (message: SmsSender.SmsMessage): Effect.Effect<SmsSender.SmsReceipt, SmsSender.SmsSendError> =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function* () {
          const mine = Deferred.makeUnsafe<SmsSender.SmsReceipt, SmsSender.SmsSendError>()
          // synchronous, so atomic: no other send runs between the check and the set
          const existing = yield* Effect.sync(() => {
            const found = sends.get(message.id)
            if (found !== undefined) return found
            if (sends.size >= receiptCacheSize) {
              for (const [id, outcome] of sends) {
                if (Deferred.isDoneUnsafe(outcome)) {
                  sends.delete(id)
                  break
                }
              }
            }
            sends.set(message.id, mine)
            return undefined
          })
          if (existing !== undefined) return yield* restore(Deferred.await(existing))
          const exit = yield* Effect.exit(restore(attempt(message)))
          if (Exit.isFailure(exit)) {
            yield* Effect.sync(() => sends.delete(message.id))
          }
          // sends waiting on this one get an error, not this fiber's interruption
          yield* Deferred.done(
            mine,
            Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause)
              ? Exit.fail(new SmsSender.SmsSendError({ id: message.id, reason: "network", retryable: true }))
              : exit
          )
          return yield* exit
        })
      ).pipe(Effect.withSpan("GatewayApiSender.send", { attributes: { "sms.id": message.id } }))

    return { send } satisfies SmsSender.Shape
  })

/**
 * The sender as the `SmsSender` service.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<SmsSender.SmsSender> =>
  Layer.effect(SmsSender.SmsSender, make(options))

/**
 * The sender as the `SmsSender` service, its options read from `Config`
 * (the token as `Config.Redacted`).
 *
 * @example
 * ```ts
 * import { GatewayApiSender } from "@lahete/messaging-sms"
 * import { Config } from "effect"
 *
 * const SmsLive = GatewayApiSender.layerConfig({
 *   token: Config.Redacted("GATEWAYAPI_TOKEN"),
 *   sender: Config.String("GATEWAYAPI_SENDER")
 * })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (config: Config.Wrap<ConfigOptions>): Layer.Layer<SmsSender.SmsSender, Config.ConfigError> =>
  Layer.effect(SmsSender.SmsSender, Effect.flatMap(Config.unwrap(config), make))

// ---------------------------------------------------------------------------
// Delivery-status notifications
// ---------------------------------------------------------------------------

/**
 * The states of a delivery-status notification, as GatewayAPI documents them.
 *
 * @since 0.1.0
 * @category delivery reports
 */
export const DeliveryStatus = Schema.Literals([
  "UNKNOWN",
  "SCHEDULED",
  "BUFFERED",
  "ENROUTE",
  "DELIVERED",
  "EXPIRED",
  "DELETED",
  "UNDELIVERABLE",
  "ACCEPTED",
  "REJECTED",
  "SKIPPED"
])

/**
 * A delivery state.
 *
 * @since 0.1.0
 * @category delivery reports
 */
export type DeliveryStatus = typeof DeliveryStatus.Type

/**
 * What a state means for us: still on its way, confirmed by the handset,
 * accepted by the network on the client's behalf (final, not confirmed), or
 * not delivered (final).
 *
 * @since 0.1.0
 * @category delivery reports
 */
export type DeliveryOutcome = "pending" | "delivered" | "accepted" | "failed"

const outcomes: Record<DeliveryStatus, DeliveryOutcome> = {
  UNKNOWN: "pending",
  SCHEDULED: "pending",
  BUFFERED: "pending",
  ENROUTE: "pending",
  DELIVERED: "delivered",
  ACCEPTED: "accepted",
  EXPIRED: "failed",
  DELETED: "failed",
  UNDELIVERABLE: "failed",
  REJECTED: "failed",
  SKIPPED: "failed"
}

/**
 * A parsed delivery-status notification. The recipient's number, which
 * GatewayAPI includes, is deliberately not kept: `messageId` (our `userref`)
 * identifies the message.
 *
 * @since 0.1.0
 * @category delivery reports
 */
export interface DeliveryReport {
  /** GatewayAPI's message id: `SmsReceipt.providerId`. */
  readonly providerId: string
  /** Our message id (`userref`), when the message was sent with one. */
  readonly messageId?: string
  readonly status: DeliveryStatus
  readonly outcome: DeliveryOutcome
  /** Whether no further notification follows for this message (a later transient one is to be ignored). */
  readonly final: boolean
  /** When the state changed (the notification's UNIX `time`), in epoch milliseconds. */
  readonly at: number
  /** GatewayAPI's SMS error code (hex, e.g. `0x1013`), when given. */
  readonly errorCode?: string
}

/**
 * Why a webhook body is not a delivery-status notification. Names no content.
 *
 * @since 0.1.0
 * @category delivery reports
 */
export class InvalidDeliveryReport extends Schema.TaggedError<InvalidDeliveryReport>()("InvalidDeliveryReport", {
  reason: Schema.Literals(["malformed", "unknown-status"])
}) {
  override get message(): string {
    return this.reason === "malformed"
      ? "not a GatewayAPI delivery-status notification"
      : "a GatewayAPI delivery-status notification with an undocumented status"
  }
}

const NonNegativeInt = Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(0)))

/**
 * The fields we read. Others (msisdn, error text, country, charge status,
 * and fields added later) are ignored on purpose: decoding drops excess keys.
 */
const ReportBody = Schema.Struct({
  id: NonNegativeInt,
  time: NonNegativeInt,
  status: Schema.String,
  userref: Schema.optionalKey(Schema.NullOr(Schema.String)),
  code: Schema.optionalKey(Schema.NullOr(Schema.String))
})
const decodeReport = Schema.decodeUnknownResult(ReportBody)
const isDeliveryStatus = Schema.is(DeliveryStatus)

/**
 * Parses the JSON body GatewayAPI posts to the delivery-status webhook.
 * Verifying the `X-Gwapi-Signature` JWT is the HTTP server's task.
 *
 * @example
 * ```ts
 * import { GatewayApiSender } from "@lahete/messaging-sms"
 *
 * GatewayApiSender.parseDeliveryReport({ id: 1000001, msisdn: 4587654321, time: 1450000000, status: "DELIVERED", userref: "outbox-1" })
 * // Result.succeed({ providerId: "1000001", messageId: "outbox-1", status: "DELIVERED", outcome: "delivered", final: true, at: 1450000000000 })
 * ```
 *
 * @since 0.1.0
 * @category delivery reports
 */
export const parseDeliveryReport = (body: unknown): Result.Result<DeliveryReport, InvalidDeliveryReport> => {
  const decoded = decodeReport(body)
  if (Result.isFailure(decoded)) return Result.fail(new InvalidDeliveryReport({ reason: "malformed" }))
  const { code, id, status, time, userref } = decoded.success
  if (!isDeliveryStatus(status)) return Result.fail(new InvalidDeliveryReport({ reason: "unknown-status" }))
  const outcome = outcomes[status]
  return Result.succeed({
    providerId: String(id),
    ...(userref === undefined || userref === null || userref === "" ? {} : { messageId: userref }),
    status,
    outcome,
    final: outcome !== "pending",
    at: time * 1000,
    ...(code === undefined || code === null || code === "" ? {} : { errorCode: code })
  })
}
