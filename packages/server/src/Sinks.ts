/**
 * Message sinks for local runs and demos: an `SmsSender` and a `Mailer` that
 * send nothing, but write each message to a file (one JSON object a line)
 * and/or print it, showing the exact text the client or the coordinator
 * would get.
 *
 * They behave like the real adapters where the outbox relies on it (both
 * pass the conformance suites of `@lahete/testing`): a message id is written
 * once (a repeat, also one sent at the same time or after a restart with the
 * same file, answers with the first receipt), and a failure (the file cannot
 * be written) is a retryable `SmsSendError` / `MailSendError` naming the
 * message id only.
 *
 * The file holds the full message, phone number included: it is personal
 * data, so keep it where the real messages would be kept. The console shows
 * the text exactly and the number masked (`+35840•••••67`).
 *
 * @since 0.1.0
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs"
import { dirname } from "node:path"
import { Instant, Mailer, MessageTemplates, SmsSender } from "@lahete/core"
import { Clock, Console, Effect, Layer, Semaphore } from "effect"

/**
 * How messages are printed.
 *
 * @since 0.1.0
 * @category models
 */
export interface ConsoleOptions {
  /** Print only the messages whose id passes (the id is `<referralId>:…`); default all. */
  readonly only?: (id: string) => boolean
  /** Where the lines go; default `Console.log`. */
  readonly write?: (text: string) => Effect.Effect<void>
}

/**
 * A sink: a JSON-lines file, the console, or both.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Append each message to this file as one JSON object (the directory is created). */
  readonly file?: string
  /** Print each message. */
  readonly console?: boolean | ConsoleOptions
}

/**
 * One text message as the sink wrote it.
 *
 * @since 0.1.0
 * @category models
 */
export interface SmsRecord {
  readonly kind: "sms"
  /** When it was sent, by the clock (a simulated one in the demo). */
  readonly at: string
  readonly id: string
  readonly to: string
  readonly text: string
  readonly sender?: string
  readonly segments: number
}

/**
 * One email as the sink wrote it.
 *
 * @since 0.1.0
 * @category models
 */
export interface MailRecord {
  readonly kind: "email"
  readonly at: string
  readonly id: string
  readonly to: ReadonlyArray<string>
  readonly subject: string
  readonly text: string
}

/**
 * A mobile number with its middle digits hidden: `+35840•••••67`.
 *
 * @since 0.1.0
 * @category utils
 */
export const maskNumber = (e164: string): string =>
  e164.length <= 7 ? "•".repeat(e164.length) : `${e164.slice(0, 6)}${"•".repeat(e164.length - 8)}${e164.slice(-2)}`

const indent = (text: string): string =>
  text
    .split("\n")
    .map((line) => `    ${line}`)
    .join("\n")

/**
 * How a text message is printed.
 *
 * @since 0.1.0
 * @category rendering
 */
export const formatSms = (record: SmsRecord): string =>
  `  [text message to ${maskNumber(record.to)}, ${record.segments} segment${record.segments === 1 ? "" : "s"}]\n${indent(record.text)}`

/**
 * How an email is printed.
 *
 * @since 0.1.0
 * @category rendering
 */
export const formatMail = (record: MailRecord): string =>
  `  [email to ${record.to.join(", ")}]\n    Subject: ${record.subject}\n${indent(record.text)}`

/** Reads a JSON-lines file; a missing or unreadable file is empty (writing to it fails later), a broken line is skipped. */
const readLines = <A>(file: string, kind: string): ReadonlyArray<A> => {
  let text: string
  try {
    text = existsSync(file) ? readFileSync(file, "utf8") : ""
  } catch {
    return []
  }
  const out: Array<A> = []
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue
    try {
      const value = JSON.parse(line) as { kind?: unknown }
      if (value.kind === kind) out.push(value as A)
    } catch {
      // a line cut short by a crash: ignore it
    }
  }
  return out
}

/**
 * The text messages a sink file holds, oldest first.
 *
 * @since 0.1.0
 * @category reading
 */
export const readSms = (file: string): Effect.Effect<ReadonlyArray<SmsRecord>> =>
  Effect.sync(() => readLines<SmsRecord>(file, "sms"))

/**
 * The emails a sink file holds, oldest first.
 *
 * @since 0.1.0
 * @category reading
 */
export const readMail = (file: string): Effect.Effect<ReadonlyArray<MailRecord>> =>
  Effect.sync(() => readLines<MailRecord>(file, "email"))

/**
 * The common part: the ids already written (from the file, so a restart does
 * not write a message again), one writer at a time, file then console.
 */
const makeSink = <Rec extends { readonly id: string }>(
  options: Options,
  kind: string,
  format: (record: Rec) => string
) =>
  Effect.gen(function* () {
    const seen = new Set<string>(
      options.file === undefined ? [] : readLines<{ id: string }>(options.file, kind).map((r) => r.id)
    )
    const lock = yield* Semaphore.make(1)
    const printing = options.console === undefined || options.console === false ? undefined : options.console
    const show = printing === true || printing === undefined ? () => true : (printing.only ?? (() => true))
    const write = printing === true || printing === undefined ? Console.log : (printing.write ?? Console.log)
    /** Writes once per id; `true` when this call wrote it. */
    const put = (record: Rec): Effect.Effect<boolean, "unwritable"> =>
      lock.withPermits(1)(
        Effect.gen(function* () {
          if (seen.has(record.id)) return false
          if (options.file !== undefined) {
            const file = options.file
            yield* Effect.try({
              try: () => {
                mkdirSync(dirname(file), { recursive: true })
                appendFileSync(file, `${JSON.stringify(record)}\n`, "utf8")
              },
              catch: () => "unwritable" as const
            })
          }
          seen.add(record.id)
          if (printing !== undefined && show(record.id)) yield* write(format(record))
          return true
        })
      )
    return { put }
  })

const now = Effect.map(Clock.currentTimeMillis, (ms) => Instant.make(ms))

/**
 * An `SmsSender` that writes to the sink.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeSms = (options: Options): Effect.Effect<SmsSender.Shape> =>
  Effect.gen(function* () {
    const sink = yield* makeSink<SmsRecord>(options, "sms", formatSms)
    const send = (message: SmsSender.SmsMessage): Effect.Effect<SmsSender.SmsReceipt, SmsSender.SmsSendError> =>
      Effect.gen(function* () {
        const record: SmsRecord = {
          kind: "sms",
          at: yield* now,
          id: message.id,
          to: message.to,
          text: message.text,
          ...(message.sender === undefined ? {} : { sender: message.sender }),
          segments: MessageTemplates.smsSegments(message.text).segments
        }
        yield* sink.put(record)
        return { id: message.id, providerId: `sink-${message.id}`, status: "accepted" as const }
      }).pipe(
        Effect.catch(() =>
          Effect.fail(new SmsSender.SmsSendError({ id: message.id, reason: "provider-unavailable", retryable: true }))
        )
      )
    return SmsSender.SmsSender.of({ send })
  })

/**
 * A `Mailer` that writes to the sink.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeMail = (options: Options): Effect.Effect<Mailer.Shape> =>
  Effect.gen(function* () {
    const sink = yield* makeSink<MailRecord>(options, "email", formatMail)
    const send = (mail: Mailer.Mail): Effect.Effect<Mailer.MailReceipt, Mailer.MailSendError> =>
      Effect.gen(function* () {
        const record: MailRecord = {
          kind: "email",
          at: yield* now,
          id: mail.id,
          to: mail.to,
          subject: mail.subject,
          text: mail.text
        }
        yield* sink.put(record)
        return { id: mail.id, messageId: `<${mail.id}@lahete.sink>`, accepted: mail.to, rejected: [] }
      }).pipe(
        Effect.catch(() =>
          Effect.fail(new Mailer.MailSendError({ id: mail.id, reason: "unavailable", retryable: true }))
        )
      )
    return Mailer.Mailer.of({ send })
  })

/**
 * The text-message sink as the `SmsSender` service.
 *
 * @example
 * ```ts
 * import { Sinks } from "@lahete/server"
 *
 * const SmsLive = Sinks.smsLayer({ file: ".data/sms.jsonl", console: true })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const smsLayer = (options: Options): Layer.Layer<SmsSender.SmsSender> =>
  Layer.effect(SmsSender.SmsSender, makeSms(options))

/**
 * The email sink as the `Mailer` service.
 *
 * @since 0.1.0
 * @category layers
 */
export const mailLayer = (options: Options): Layer.Layer<Mailer.Mailer> =>
  Layer.effect(Mailer.Mailer, makeMail(options))
