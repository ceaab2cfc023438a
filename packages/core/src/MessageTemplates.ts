/**
 * Message templates: the call-time text message to the client and the
 * notification email to the coordinator, in Finnish, Swedish, Northern Sámi
 * and English (domain specification §2 C2, §3 D3, §8).
 *
 * - The call-time message states the date and time of the call in the
 *   client's language and the programme's time zone (`LocalTime.format`) and
 *   names the service (the programme's name in that language, or its Finnish
 *   name). It carries nothing else about the client.
 * - The coordinator notification says only that a referral has arrived and
 *   where to open it: a link built from the deployment's URL template and the
 *   referral id. No name, no reason, nothing personal.
 *
 * Templates are data. A programme's configuration may override any of them
 * per language (a record language → template string); the defaults below
 * cover all four languages. A template may use only the placeholders of its
 * kind (`{callTime}`, `{service}`, `{link}`, `{referralId}`); an unknown
 * placeholder, or a stray brace, is refused when the configuration is decoded.
 *
 * {@link smsSegments} counts the SMS segments a text takes (GSM-7 or UCS-2).
 *
 * @since 0.1.0
 */
import { Result, Schema } from "effect"
import type { Instant } from "./Instant.js"
import { format } from "./LocalTime.js"
import type { Language, Programme } from "./Programme.js"

/**
 * A template per language; a missing language uses the default.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ByLanguage = Schema.Struct({
  fi: Schema.optionalKey(Schema.NonEmptyString),
  sv: Schema.optionalKey(Schema.NonEmptyString),
  se: Schema.optionalKey(Schema.NonEmptyString),
  en: Schema.optionalKey(Schema.NonEmptyString)
})
/**
 * @since 0.1.0
 * @category models
 */
export type ByLanguage = typeof ByLanguage.Type

/**
 * A programme's message configuration.
 *
 * - `referralUrl`: where staff open a referral, with the placeholder
 *   `{referralId}` (`https://lahete.example.fi/referrals/{referralId}`);
 *   `http` or `https` only.
 * - `callTime`: the call-time text message; placeholders `{callTime}`
 *   (required) and `{service}`.
 * - `notificationSubject`: the coordinator email's subject; placeholder
 *   `{service}`.
 * - `notificationText`: the coordinator email's body; placeholders `{link}`
 *   (required) and `{service}`.
 * - `measureLinkUrl`: where the client's measure form is, with the
 *   placeholder `{token}` (`https://lahete.example.fi/m/{token}`); `http` or
 *   `https` only. Needed when a programme sends measure links.
 * - `measureLink`: the text message with the link to the client's measure
 *   form; placeholders `{link}` (required) and `{service}`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Config = Schema.Struct({
  referralUrl: Schema.NonEmptyString,
  callTime: Schema.optionalKey(ByLanguage),
  notificationSubject: Schema.optionalKey(ByLanguage),
  notificationText: Schema.optionalKey(ByLanguage),
  measureLinkUrl: Schema.optionalKey(Schema.NonEmptyString),
  measureLink: Schema.optionalKey(ByLanguage)
})
/**
 * @since 0.1.0
 * @category models
 */
export type Config = typeof Config.Type

/**
 * The kinds of template and the placeholders each allows (`required` must
 * appear).
 *
 * @since 0.1.0
 * @category constants
 */
export const placeholders = {
  referralUrl: { allowed: ["referralId"], required: ["referralId"] },
  callTime: { allowed: ["callTime", "service"], required: ["callTime"] },
  notificationSubject: { allowed: ["service"], required: [] },
  notificationText: { allowed: ["link", "service"], required: ["link"] },
  measureLinkUrl: { allowed: ["token"], required: ["token"] },
  measureLink: { allowed: ["link", "service"], required: ["link"] }
} as const satisfies Record<keyof Config, { allowed: ReadonlyArray<string>; required: ReadonlyArray<string> }>

/**
 * The default templates.
 *
 * The Northern Sámi (`se`) texts are deliberately short and plain; a native
 * speaker should review them before a programme offers Sámi.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaults: {
  readonly callTime: Readonly<Record<Language, string>>
  readonly notificationSubject: Readonly<Record<Language, string>>
  readonly notificationText: Readonly<Record<Language, string>>
  readonly measureLink: Readonly<Record<Language, string>>
} = {
  callTime: {
    fi: "{service}: Sinulle soitetaan. Puhelun aika: {callTime}.",
    sv: "{service}: Vi ringer dig. Tid för samtalet: {callTime}.",
    // Northern Sámi: to be reviewed by a native speaker.
    se: "{service}: Mii riŋget dutnje. Áigi: {callTime}.",
    en: "{service}: We will call you on {callTime}."
  },
  notificationSubject: {
    fi: "Uusi lähete: {service}",
    sv: "Ny remiss: {service}",
    // Northern Sámi: to be reviewed by a native speaker.
    se: "Ođđa dieđáhus: {service}",
    en: "New referral: {service}"
  },
  notificationText: {
    fi: "{service}: uusi lähete on saapunut.\nAvaa lähete: {link}",
    sv: "{service}: en ny remiss har kommit in.\nÖppna remissen: {link}",
    // Northern Sámi: to be reviewed by a native speaker.
    se: "{service}: ođđa dieđáhus lea boahtán.\nRaba dan: {link}",
    en: "{service}: a new referral has arrived.\nOpen the referral: {link}"
  },
  measureLink: {
    fi: "{service}: Kiitos yhteistyöstä. Vastaathan lyhyeen kyselyyn: {link}",
    sv: "{service}: Tack för samarbetet. Svara gärna på en kort enkät: {link}",
    // Northern Sámi: to be reviewed by a native speaker.
    se: "{service}: Giitu ovttasbarggus. Vástit oanehis jearahallamii: {link}",
    en: "{service}: Thank you for working with us. Please answer a short questionnaire: {link}"
  }
}

/**
 * The message configuration failed validation; `issues` name the template
 * and what is wrong (never a rendered message).
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidTemplates extends Schema.TaggedError<InvalidTemplates>()("InvalidTemplates", {
  issues: Schema.String
}) {
  override get message(): string {
    return `invalid message templates: ${this.issues}`
  }
}

const placeholderPattern = /\{([^{}]*)\}/g

/**
 * The problems of one template: unknown placeholders, stray braces, missing
 * required placeholders. Empty when the template is valid.
 *
 * @since 0.1.0
 * @category validation
 */
export const check = (kind: keyof typeof placeholders, template: string): ReadonlyArray<string> => {
  const rule: { allowed: ReadonlyArray<string>; required: ReadonlyArray<string> } = placeholders[kind]
  const problems: Array<string> = []
  const used = new Set<string>()
  for (const m of template.matchAll(placeholderPattern)) {
    const name = m[1] ?? ""
    if (rule.allowed.includes(name)) used.add(name)
    else problems.push(`unknown placeholder {${name}} (allowed: ${rule.allowed.map((a) => `{${a}}`).join(", ")})`)
  }
  if (/[{}]/.test(template.replace(placeholderPattern, ""))) problems.push("unmatched brace")
  for (const name of rule.required) if (!used.has(name)) problems.push(`missing placeholder {${name}}`)
  return problems
}

/**
 * Validates unknown input (parsed JSON, YAML, …) as a message configuration,
 * including every template's placeholders.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decode = (input: unknown): Result.Result<Config, InvalidTemplates> =>
  Result.match(Schema.decodeUnknownResult(Config)(input, { errors: "all" }), {
    onFailure: (e) => Result.fail(new InvalidTemplates({ issues: String(e) })),
    onSuccess: (config) => {
      const problems: Array<string> = []
      for (const p of check("referralUrl", config.referralUrl)) problems.push(`referralUrl: ${p}`)
      if (!/^https?:\/\/[^\s/]+/.test(config.referralUrl)) problems.push("referralUrl: expected an http(s) URL")
      if (config.measureLinkUrl !== undefined) {
        for (const p of check("measureLinkUrl", config.measureLinkUrl)) problems.push(`measureLinkUrl: ${p}`)
        if (!/^https?:\/\/[^\s/]+/.test(config.measureLinkUrl)) problems.push("measureLinkUrl: expected an http(s) URL")
      }
      for (const kind of ["callTime", "notificationSubject", "notificationText", "measureLink"] as const) {
        const byLanguage = config[kind]
        if (byLanguage === undefined) continue
        for (const language of ["fi", "sv", "se", "en"] as const) {
          const template = byLanguage[language]
          if (template === undefined) continue
          for (const p of check(kind, template)) problems.push(`${kind}.${language}: ${p}`)
        }
      }
      return problems.length === 0
        ? Result.succeed(config)
        : Result.fail(new InvalidTemplates({ issues: problems.join("; ") }))
    }
  })

/** One pass, so a value that looks like a placeholder is never expanded. */
const render = (template: string, values: Readonly<Record<string, string>>): string =>
  template.replace(placeholderPattern, (whole, name: string) => values[name] ?? whole)

const templateOf = (
  config: Config | undefined,
  kind: "callTime" | "notificationSubject" | "notificationText" | "measureLink",
  language: Language
): string => config?.[kind]?.[language] ?? defaults[kind][language]

/**
 * The programme's name in a language, or its Finnish name.
 *
 * @since 0.1.0
 * @category getters
 */
export const serviceName = (programme: Programme, language: Language): string =>
  programme.names[language] ?? programme.names.fi

/**
 * The call-time text message: the date and time of the call in the client's
 * language and the programme's time zone, and the service's name.
 *
 * @example
 * ```ts
 * import { Instant, MessageTemplates, Presets } from "@lahete/core"
 *
 * MessageTemplates.callTimeMessage(Presets.kemijarvi, undefined, {
 *   callAt: Instant.make(Date.parse("2026-03-02T07:00:00Z")),
 *   language: "fi"
 * })
 * // "Hyvinvointilähete: Sinulle soitetaan. Puhelun aika: maanantai 2.3.2026 klo 9.00."
 * ```
 *
 * @since 0.1.0
 * @category rendering
 */
export const callTimeMessage = (
  programme: Programme,
  config: Config | undefined,
  request: { readonly callAt: Instant; readonly language: Language }
): string =>
  render(templateOf(config, "callTime", request.language), {
    callTime: format(request.callAt, programme.timeZone, request.language),
    service: serviceName(programme, request.language)
  })

/**
 * The link where staff open a referral.
 *
 * @since 0.1.0
 * @category rendering
 */
export const referralLink = (config: Config, referralId: string): string =>
  render(config.referralUrl, { referralId: encodeURIComponent(referralId) })

/**
 * The coordinator's notification of a new referral: a subject and a body
 * that say only that a referral has arrived and where to open it.
 *
 * @since 0.1.0
 * @category rendering
 */
export const coordinatorNotification = (
  programme: Programme,
  config: Config,
  request: { readonly referralId: string; readonly language: Language }
): { readonly subject: string; readonly text: string } => {
  const service = serviceName(programme, request.language)
  return {
    subject: render(templateOf(config, "notificationSubject", request.language), { service }),
    text: render(templateOf(config, "notificationText", request.language), {
      service,
      link: referralLink(config, request.referralId)
    })
  }
}

/**
 * The address of a measure form: `measureLinkUrl` with the token, and the
 * client's language as `lang` (so the form opens in it; the token itself
 * carries nothing personal).
 *
 * @since 0.3.0
 * @category rendering
 */
export const measureLinkUrl = (config: Config, token: string, language: Language): string | undefined => {
  if (config.measureLinkUrl === undefined) return undefined
  const url = render(config.measureLinkUrl, { token: encodeURIComponent(token) })
  return `${url}${url.includes("?") ? "&" : "?"}lang=${language}`
}

/**
 * The text message with the link to the client's measure form: the
 * service's name and the link, nothing about the client.
 *
 * @since 0.3.0
 * @category rendering
 */
export const measureLinkMessage = (
  programme: Programme,
  config: Config | undefined,
  request: { readonly link: string; readonly language: Language }
): string =>
  render(templateOf(config, "measureLink", request.language), {
    link: request.link,
    service: serviceName(programme, request.language)
  })

// GSM 03.38: the basic character set, and the extension table (two septets each)
const gsmBasic = new Set(
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
const gsmExtension = new Set("\f^{}\\[~]|€")

/**
 * How a text is encoded as SMS and how many segments it takes.
 *
 * - `gsm-7` when every character is in the GSM 03.38 alphabet (basic table,
 *   or extension table at two septets each): 160 septets in one segment,
 *   153 per segment when concatenated;
 * - otherwise `ucs-2`: 70 UTF-16 code units in one segment, 67 per segment
 *   when concatenated (a character outside the Basic Multilingual Plane
 *   takes two).
 *
 * A character is never split between segments. `units` is the total in
 * septets (`gsm-7`) or code units (`ucs-2`). An empty text is one segment.
 *
 * @since 0.1.0
 * @category sms
 */
export const smsSegments = (
  text: string
): { readonly encoding: "gsm-7" | "ucs-2"; readonly units: number; readonly segments: number } => {
  const chars = Array.from(text)
  const gsm = chars.every((c) => gsmBasic.has(c) || gsmExtension.has(c))
  const costs = chars.map((c) => (gsm ? (gsmExtension.has(c) ? 2 : 1) : c.length))
  const units = costs.reduce((a, b) => a + b, 0)
  const single = gsm ? 160 : 70
  const part = gsm ? 153 : 67
  if (units <= single) return { encoding: gsm ? "gsm-7" : "ucs-2", units, segments: 1 }
  let segments = 1
  let used = 0
  for (const cost of costs) {
    if (used + cost > part) {
      segments++
      used = 0
    }
    used += cost
  }
  return { encoding: gsm ? "gsm-7" : "ucs-2", units, segments }
}
