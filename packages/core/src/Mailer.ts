/**
 * The `Mailer` port: sends one email to staff (the coordinator learns that a
 * referral has arrived). Staff notifications carry no personal data. The
 * mail id is the outbox entry's id. Adapters: the in-memory layer here, SMTP
 * in `@lahete/messaging-email`. Every adapter passes `MailerTest.suite` from
 * `@lahete/testing`.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, Ref, Schema } from "effect"

/**
 * One email.
 *
 * @since 0.1.0
 * @category models
 */
export interface Mail {
  /** The outbox entry's id: unique per mail (adapters use it in the Message-ID). */
  readonly id: string
  readonly to: ReadonlyArray<string>
  readonly subject: string
  readonly text: string
}

/**
 * What the mail server said.
 *
 * @since 0.1.0
 * @category models
 */
export interface MailReceipt {
  readonly id: string
  readonly messageId: string
  readonly accepted: ReadonlyArray<string>
  readonly rejected: ReadonlyArray<string>
}

/**
 * Why a send failed, and whether trying again later may help.
 *
 * @since 0.1.0
 * @category errors
 */
export class MailSendError extends Schema.TaggedError<MailSendError>()("MailSendError", {
  id: Schema.String,
  reason: Schema.Literals(["unauthorized", "rejected", "unavailable", "network", "tls"]),
  retryable: Schema.Boolean
}) {
  override get message(): string {
    return `mail ${this.id} not sent: ${this.reason}${this.retryable ? " (retryable)" : ""}`
  }
}

/**
 * The mailer's operations.
 *
 * @since 0.1.0
 * @category models
 */
export interface Shape {
  readonly send: (mail: Mail) => Effect.Effect<MailReceipt, MailSendError>
}

/**
 * The `Mailer` service.
 *
 * @since 0.1.0
 * @category services
 */
export class Mailer extends Context.Service<Mailer, Shape>()("@lahete/core/Mailer") {}

/**
 * The in-memory mailer: records what was sent (once per id). `sent` reads the
 * record.
 *
 * @since 0.1.0
 * @category in-memory
 */
export const makeMemory = Effect.gen(function* () {
  const ref = yield* Ref.make<ReadonlyArray<Mail>>([])
  const send = (mail: Mail): Effect.Effect<MailReceipt, MailSendError> =>
    Ref.modify(ref, (sent) => {
      const receipt: MailReceipt = {
        id: mail.id,
        messageId: `<${mail.id}@lahete.memory>`,
        accepted: mail.to,
        rejected: []
      }
      return sent.some((m) => m.id === mail.id) ? [receipt, sent] : [receipt, [...sent, mail]]
    })
  return { send, sent: Ref.get(ref) } as const
})

/**
 * The in-memory layer.
 *
 * @since 0.1.0
 * @category in-memory
 */
export const layerMemory: Layer.Layer<Mailer> = Layer.effect(Mailer, makeMemory)
