/**
 * The staff-mail audit: every staff email a test suite sends can be captured
 * and then checked for personal data (domain specification §8: staff
 * notifications carry none).
 *
 * - `capture(mailer)` wraps a `Mailer`: each mail it sends is also appended,
 *   as one JSON line, to a file in the directory named by the environment
 *   variable `LAHETE_STAFF_MAIL_DIR` (nothing is written when it is unset).
 *   The repository's test configuration sets it for every test project, and
 *   every test that dispatches staff mail wraps its mailer.
 * - `inspect(mail)` lists what in a mail may be personal data: any word that
 *   is not in the staff notification templates' vocabulary (the coordinator
 *   notification and the link workers' survey invitation; names, reasons,
 *   free text), anything shaped like a Finnish personal identity code, and
 *   any phone-number-like run of digits. The referral id (taken from the
 *   mail id `<referralId>:coordinator-notification`) and links are allowed.
 * - `read(directory)` reads back everything captured.
 *
 * The repository runs a last test project that reads every captured mail of
 * the run and fails on any finding (and when nothing was captured at all).
 *
 * @since 0.1.0
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { Instant, LinkWorkerSurveyAnswers, Mailer, MessageTemplates, Presets, type Programme } from "@lahete/core"
import { Effect, Layer } from "effect"

/**
 * The environment variable naming the capture directory.
 *
 * @since 0.1.0
 * @category constants
 */
export const directoryVariable = "LAHETE_STAFF_MAIL_DIR"

/**
 * One captured mail: the mail and where it was sent from (the test file,
 * when known).
 *
 * @since 0.1.0
 * @category models
 */
export interface Captured {
  readonly mail: Mailer.Mail
  readonly source: string
}

const fileOf = (directory: string) => join(directory, `mail-${process.pid}.jsonl`)

/**
 * Wraps a mailer so that every mail it sends is captured (see the module
 * documentation). `source` names the sender in findings (e.g. the test file).
 *
 * @since 0.1.0
 * @category constructors
 */
export const capture = (mailer: Mailer.Shape, source = "unknown"): Mailer.Shape => ({
  send: (mail) =>
    Effect.tap(mailer.send(mail), () =>
      Effect.sync(() => {
        const directory = process.env[directoryVariable]
        if (directory === undefined || directory === "") return
        mkdirSync(directory, { recursive: true })
        appendFileSync(fileOf(directory), `${JSON.stringify({ mail, source } satisfies Captured)}\n`)
      })
    )
})

/**
 * A layer whose mailer is the given layer's, captured.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <E, R>(
  inner: Layer.Layer<Mailer.Mailer, E, R>,
  source?: string
): Layer.Layer<Mailer.Mailer, E, R> =>
  Layer.effect(
    Mailer.Mailer,
    Effect.gen(function* () {
      return capture(yield* Mailer.Mailer, source)
    })
  ).pipe(Layer.provide(inner))

/**
 * Reads every mail captured in `directory` (none when it does not exist).
 *
 * @since 0.1.0
 * @category reading
 */
export const read = (directory: string): ReadonlyArray<Captured> => {
  if (!existsSync(directory)) return []
  return readdirSync(directory)
    .filter((f) => f.endsWith(".jsonl"))
    .flatMap((f) =>
      readFileSync(join(directory, f), "utf8")
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => JSON.parse(line) as Captured)
    )
}

const words = (text: string): ReadonlyArray<string> => text.toLocaleLowerCase("fi").match(/[\p{L}]+/gu) ?? []

/**
 * Every word the staff notification templates can produce, for the given
 * programmes (default: the presets) in every language (default texts; a
 * deployment's own templates add their words through `config`).
 *
 * @since 0.1.0
 * @category vocabulary
 */
export const vocabulary = (
  programmes: ReadonlyArray<Programme.Programme> = [Presets.kemijarvi, Presets.sodankyla],
  config: MessageTemplates.Config = { referralUrl: "https://example.invalid/{referralId}" }
): ReadonlySet<string> => {
  const out = new Set<string>()
  for (const programme of programmes) {
    for (const language of ["fi", "sv", "se", "en"] as const) {
      const mail = MessageTemplates.coordinatorNotification(programme, config, { referralId: "x", language })
      for (const w of [...words(mail.subject), ...words(mail.text)]) out.add(w)
      // the link workers' survey invitation (a date and a link besides its words)
      const round = { id: "x", opensAt: Instant.make(0), closesAt: Instant.make(0) }
      const invitation = LinkWorkerSurveyAnswers.invitationMail(round, { zone: programme.timeZone, language, url: "" })
      for (const w of [...words(invitation.subject), ...words(invitation.text)]) out.add(w)
    }
  }
  return out
}

/**
 * What may be personal data in a mail.
 *
 * @since 0.1.0
 * @category models
 */
export interface Finding {
  readonly kind: "unknown-word" | "identity-code" | "phone-number"
  /** The offending text (for the test report only; never logged by the library). */
  readonly text: string
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

const identityCodeShape = /\b\d{6}[-+A-FU-Y]\d{3}[0-9A-Y]\b/g
const phoneShape = /\+?\d[\d \-()]{5,}\d/g

/**
 * Inspects one mail against a vocabulary (see the module documentation).
 *
 * @since 0.1.0
 * @category inspecting
 */
export const inspect = (mail: Mailer.Mail, allowed: ReadonlySet<string> = vocabulary()): ReadonlyArray<Finding> => {
  const referralId = mail.id.replace(/:coordinator-notification$/, "")
  const cleaned = `${mail.subject}\n${mail.text}`
    // links and the referral id are the notification's point
    .replace(/https?:\/\/\S+/g, " ")
    // the referral id where it stands as a token of its own
    .replace(new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(referralId)}(?![\\p{L}\\p{N}])`, "gu"), " ")
  const findings: Array<Finding> = []
  for (const m of cleaned.match(identityCodeShape) ?? []) findings.push({ kind: "identity-code", text: m })
  for (const m of cleaned.match(phoneShape) ?? []) findings.push({ kind: "phone-number", text: m })
  for (const w of words(cleaned)) if (!allowed.has(w)) findings.push({ kind: "unknown-word", text: w })
  return findings
}
