/**
 * The `Mailer` port over SMTP, through nodemailer: implicit TLS (`tls`, port
 * 465) or STARTTLS required (`starttls`, port 587), password authentication
 * with the password as a `Redacted`, connection, greeting and socket
 * timeouts.
 *
 * The mail id (the outbox entry's id) becomes the Message-ID,
 * `<id@domain>` (see {@link messageIdOf}), so a mail sent again after a crash
 * carries the same Message-ID and mail clients and servers that deduplicate
 * by it show it once. SMTP itself has no idempotency: the adapter remembers
 * the ids it sent (the last 10 000, in this process) and answers a repeated
 * id with the first receipt, and sends of the same id at the same time share
 * one delivery. Across processes and restarts, sending at most once per
 * outbox entry is the outbox dispatcher's job; a process killed after the
 * server accepted a mail and before the result was recorded sends it once
 * more, with the same Message-ID.
 *
 * Errors are `MailSendError`s classified from the SMTP reply or the
 * connection failure (see {@link classify}); they carry the mail id only,
 * never an address, subject or text.
 *
 * @since 0.1.0
 */
import type { ConnectionOptions } from "node:tls"
import { Mailer } from "@lahete/core"
import { Config, Deferred, Duration, Effect, Exit, Layer, Redacted, type Scope } from "effect"
import { createTransport } from "nodemailer"

/**
 * How the connection is protected: `tls` (implicit TLS from the first byte,
 * usually port 465), `starttls` (plain connection upgraded with STARTTLS,
 * which the server must offer, usually port 587), or `none` (no encryption,
 * STARTTLS not even tried: only for a relay on the same host or in tests).
 *
 * @since 0.1.0
 * @category models
 */
export type Security = "tls" | "starttls" | "none"

/**
 * The adapter's options.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly host: string
  readonly port: number
  readonly security: Security
  /** Password authentication (PLAIN or LOGIN, as the server offers). */
  readonly auth?: { readonly user: string; readonly password: Redacted.Redacted<string> }
  /** The From address, e.g. `lahete@kunta.example.fi`. */
  readonly from: string
  /** The domain of the Message-ID; the domain of `from` by default. */
  readonly messageIdDomain?: string
  /** Connecting, 10 seconds by default. */
  readonly connectionTimeout?: Duration.Input
  /** Waiting for the server's greeting, 10 seconds by default. */
  readonly greetingTimeout?: Duration.Input
  /** Inactivity on the open connection, 30 seconds by default. */
  readonly socketTimeout?: Duration.Input
  /** Node TLS options, e.g. `ca` for a private certificate authority, `servername`. */
  readonly tls?: ConnectionOptions
}

/**
 * Options of `layerConfig` (everything but the Node TLS options).
 *
 * @since 0.1.0
 * @category models
 */
export type ConfigOptions = Omit<Options, "tls">

const receiptCacheSize = 10_000

/**
 * The Message-ID of a mail id: `<id@domain>`, with every character of the id
 * outside `A-Z a-z 0-9 . _ -` percent-encoded.
 *
 * @since 0.1.0
 * @category message ids
 */
export const messageIdOf = (id: string, domain: string): string =>
  `<${encodeURIComponent(id).replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}@${domain}>`

/**
 * The mail id of a Message-ID made by {@link messageIdOf}, or `undefined`.
 *
 * @since 0.1.0
 * @category message ids
 */
export const idOfMessageId = (messageId: string): string | undefined => {
  const m = /^\s*<([^@<>]+)@[^<>]+>\s*$/.exec(messageId)
  if (m === null || m[1] === undefined) return undefined
  try {
    return decodeURIComponent(m[1])
  } catch {
    return undefined
  }
}

const tlsCodes =
  /^(ETLS|EREQUIRETLS|ERR_SSL_|ERR_TLS_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|HOSTNAME_MISMATCH|ERR_TLS_CERT_ALTNAME_INVALID)/
const networkCodes = new Set([
  "ECONNECTION",
  "ETIMEDOUT",
  "ESOCKET",
  "EDNS",
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN"
])

interface FailureLike {
  readonly code?: unknown
  readonly responseCode?: unknown
  readonly permanent?: unknown
  /** nodemailer keeps the system error's code here when it sets its own (`ESOCKET`). */
  readonly originalCode?: unknown
  readonly cause?: unknown
}

const asFailure = (u: unknown): FailureLike => (typeof u === "object" && u !== null ? (u as FailureLike) : {})

/**
 * Classifies a nodemailer failure:
 *
 * - authentication refused or credentials missing (`EAUTH`, `ENOAUTH`, reply
 *   530/534/535) → `unauthorized`, not retryable;
 * - TLS handshake, certificate or STARTTLS failures → `tls`, not retryable
 *   (a configuration matter);
 * - a 4xx reply (and 503) → `unavailable`, retryable;
 * - a 5xx reply → `rejected`, not retryable;
 * - connection refused, reset, timed out, DNS → `network`, retryable;
 * - anything else → `unavailable`, retryable (the outbox bounds the retries).
 *
 * The error names the mail id only.
 *
 * @since 0.1.0
 * @category errors
 */
export const classify = (id: string, error: unknown): Mailer.MailSendError => {
  const e = asFailure(error)
  const code = typeof e.code === "string" ? e.code : ""
  const codes = [e.code, e.originalCode, asFailure(e.cause).code].filter((c): c is string => typeof c === "string")
  const reply = typeof e.responseCode === "number" ? e.responseCode : undefined
  const fail = (reason: Mailer.MailSendError["reason"], retryable: boolean) =>
    new Mailer.MailSendError({ id, reason, retryable })
  if (code === "EAUTH" || code === "ENOAUTH" || reply === 530 || reply === 534 || reply === 535) {
    return fail("unauthorized", false)
  }
  if (codes.some((c) => tlsCodes.test(c))) return fail("tls", false)
  if (reply !== undefined && reply >= 400 && reply < 600) {
    const permanent = typeof e.permanent === "boolean" ? e.permanent : reply >= 500 && reply !== 503
    return permanent ? fail("rejected", false) : fail("unavailable", true)
  }
  if (codes.some((c) => networkCodes.has(c))) return fail("network", true)
  return fail("unavailable", true)
}

const domainOf = (address: string): string => {
  const at = address.lastIndexOf("@")
  const domain = at >= 0 ? address.slice(at + 1).replace(/[>\s]/g, "") : ""
  return domain.length > 0 ? domain : "localhost"
}

/**
 * Builds the mailer. The transport closes with the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<Mailer.Shape, never, Scope.Scope> =>
  Effect.gen(function* () {
    const transporter = yield* Effect.acquireRelease(
      Effect.sync(() =>
        createTransport({
          host: options.host,
          port: options.port,
          secure: options.security === "tls",
          requireTLS: options.security === "starttls",
          ignoreTLS: options.security === "none",
          ...(options.auth === undefined
            ? {}
            : { auth: { user: options.auth.user, pass: Redacted.value(options.auth.password) } }),
          connectionTimeout: Duration.toMillis(options.connectionTimeout ?? Duration.seconds(10)),
          greetingTimeout: Duration.toMillis(options.greetingTimeout ?? Duration.seconds(10)),
          socketTimeout: Duration.toMillis(options.socketTimeout ?? Duration.seconds(30)),
          ...(options.tls === undefined ? {} : { tls: options.tls }),
          // no logging: addresses and content stay out of logs
          logger: false,
          debug: false
        })
      ),
      (t) => Effect.sync(() => t.close())
    )
    const domain = options.messageIdDomain ?? domainOf(options.from)

    // the ids sent in this process (oldest first) and the sends under way
    const sent = new Map<string, Mailer.MailReceipt>()
    const pending = new Map<string, Deferred.Deferred<Mailer.MailReceipt, Mailer.MailSendError>>()

    const deliver = (mail: Mailer.Mail): Effect.Effect<Mailer.MailReceipt, Mailer.MailSendError> =>
      Effect.tryPromise({
        try: (signal) =>
          transporter.sendMail({
            from: options.from,
            to: [...mail.to],
            subject: mail.subject,
            text: mail.text,
            messageId: messageIdOf(mail.id, domain),
            signal
          }),
        catch: (error) => classify(mail.id, error)
      }).pipe(
        Effect.map(
          (info): Mailer.MailReceipt => ({
            id: mail.id,
            messageId: info.messageId,
            accepted: info.accepted.map(String),
            rejected: info.rejected.map(String)
          })
        )
      )

    const send = (mail: Mailer.Mail): Effect.Effect<Mailer.MailReceipt, Mailer.MailSendError> =>
      Effect.suspend(() => {
        const known = sent.get(mail.id)
        if (known !== undefined) return Effect.succeed(known)
        const underway = pending.get(mail.id)
        if (underway !== undefined) return Deferred.await(underway)
        const deferred = Deferred.makeUnsafe<Mailer.MailReceipt, Mailer.MailSendError>()
        pending.set(mail.id, deferred)
        return deliver(mail).pipe(
          Effect.onExit((exit) =>
            Effect.suspend(() => {
              pending.delete(mail.id)
              if (Exit.isSuccess(exit)) {
                sent.set(mail.id, exit.value)
                if (sent.size > receiptCacheSize) {
                  const oldest = sent.keys().next()
                  if (oldest.done !== true) sent.delete(oldest.value)
                }
              }
              return Deferred.done(deferred, exit)
            })
          )
        )
      })

    return { send }
  })

/**
 * The mailer as a layer.
 *
 * @example
 * ```ts
 * import { Mailer } from "@lahete/core"
 * import { SmtpMailer } from "@lahete/messaging-email"
 * import { Redacted } from "effect"
 *
 * const MailLive = SmtpMailer.layer({
 *   host: "smtp.kunta.example.fi",
 *   port: 587,
 *   security: "starttls",
 *   auth: { user: "lahete", password: Redacted.make("secret") },
 *   from: "lahete@kunta.example.fi"
 * })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<Mailer.Mailer> => Layer.effect(Mailer.Mailer, make(options))

/**
 * The mailer as a layer, its options read from configuration.
 *
 * @example
 * ```ts
 * import { SmtpMailer } from "@lahete/messaging-email"
 * import { Config } from "effect"
 *
 * const MailLive = SmtpMailer.layerConfig({
 *   host: Config.String("SMTP_HOST"),
 *   port: Config.Port("SMTP_PORT"),
 *   security: Config.Literals(["tls", "starttls"], "SMTP_SECURITY"),
 *   auth: { user: Config.String("SMTP_USER"), password: Config.Redacted("SMTP_PASSWORD") },
 *   from: Config.String("SMTP_FROM")
 * })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (config: Config.Wrap<ConfigOptions>): Layer.Layer<Mailer.Mailer, Config.ConfigError> =>
  Layer.effect(Mailer.Mailer, Effect.flatMap(Config.unwrap(config), make))
