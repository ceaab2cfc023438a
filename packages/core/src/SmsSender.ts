/**
 * The `SmsSender` port: sends one text message to a mobile number. The
 * message id is the outbox entry's id: adapters pass it to the provider as
 * its reference or idempotency field, so a retried send of the same id never
 * reaches the client twice. Adapters: the in-memory layer here, the
 * GatewayAPI adapter in `@lahete/messaging-sms`. Every adapter passes
 * `SmsSenderTest.suite` from `@lahete/testing`.
 *
 * The text goes to the client; nothing about it (number, text) appears in an
 * error or a log.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, Ref, Schema } from "effect"

/**
 * One text message.
 *
 * @since 0.1.0
 * @category models
 */
export interface SmsMessage {
  /** The outbox entry's id: unique per message, the idempotency key towards the provider. */
  readonly id: string
  /** E.164 (`MobileNumber.parse`). */
  readonly to: string
  readonly text: string
  /** The sender name or number shown to the client (provider rules apply). */
  readonly sender?: string
}

/**
 * What the provider said.
 *
 * @since 0.1.0
 * @category models
 */
export interface SmsReceipt {
  readonly id: string
  /** The provider's own id for the message. */
  readonly providerId: string
  readonly status: "accepted" | "delivered"
}

/**
 * Why a send failed, and whether trying again later may help.
 *
 * @since 0.1.0
 * @category errors
 */
export class SmsSendError extends Schema.TaggedError<SmsSendError>()("SmsSendError", {
  id: Schema.String,
  reason: Schema.Literals([
    "unauthorized",
    "invalid-recipient",
    "rejected",
    "rate-limited",
    "provider-unavailable",
    "network",
    "unexpected-response"
  ]),
  retryable: Schema.Boolean,
  httpStatus: Schema.optionalKey(Schema.Number),
  /** How long the provider asked us to wait before trying again (its Retry-After), in milliseconds. */
  retryAfterMillis: Schema.optionalKey(Schema.Number)
}) {
  override get message(): string {
    return `text message ${this.id} not sent: ${this.reason}${this.retryable ? " (retryable)" : ""}`
  }
}

/**
 * The sender's operations.
 *
 * @since 0.1.0
 * @category models
 */
export interface Shape {
  readonly send: (message: SmsMessage) => Effect.Effect<SmsReceipt, SmsSendError>
}

/**
 * The `SmsSender` service.
 *
 * @since 0.1.0
 * @category services
 */
export class SmsSender extends Context.Service<SmsSender, Shape>()("@lahete/core/SmsSender") {}

/**
 * The in-memory sender: records what was sent (once per id; a repeated id
 * returns the first receipt). `sent` reads the record.
 *
 * @since 0.1.0
 * @category in-memory
 */
export const makeMemory = Effect.gen(function* () {
  const ref = yield* Ref.make<ReadonlyArray<SmsMessage>>([])
  const send = (message: SmsMessage): Effect.Effect<SmsReceipt, SmsSendError> =>
    Ref.modify(ref, (sent) => {
      const receipt: SmsReceipt = { id: message.id, providerId: `memory-${message.id}`, status: "accepted" }
      return sent.some((m) => m.id === message.id) ? [receipt, sent] : [receipt, [...sent, message]]
    })
  return { send, sent: Ref.get(ref) } as const
})

/**
 * The in-memory layer.
 *
 * @since 0.1.0
 * @category in-memory
 */
export const layerMemory: Layer.Layer<SmsSender> = Layer.effect(SmsSender, makeMemory)
