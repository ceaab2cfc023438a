/**
 * The client's measure form, reached from a measure link's text message
 * (domain specification §10): a small server-rendered page, with no script
 * at all, in the client's language (Finnish, Swedish, Northern Sámi,
 * English), whose item texts come from the deployment's licensed instrument
 * configuration (`Instrument.ItemTexts`; no licensed text ships with
 * lahete).
 *
 * - `GET <path>/<token>?lang=fi` shows the form for the self-report measures
 *   of the link's time point that are still missing.
 * - `POST <path>/<token>?lang=fi` records the answers as `AnswerMeasureLink`
 *   (the client's own `RecordMeasure`, respondent `self`), issued as the
 *   client after the token's signature verified; an item left unanswered is
 *   recorded as such (the form is then not scored, as with any form).
 * - A link that cannot be answered (unknown, forged, expired, already
 *   answered, withdrawn, erased) gets one and the same page with status
 *   404, whatever the reason: the page says nothing about the referral.
 *
 * Accessibility (WCAG 2.1 AA): one `fieldset` with a `legend` per item, a
 * `label` per answer, the page language set, visible focus, contrast above
 * 7:1, no fixed widths (a phone screen, zoom to 200 %), the keyboard alone
 * completes the form in document order. Privacy: no third-party request
 * (`Content-Security-Policy: default-src 'none'`), `Referrer-Policy:
 * no-referrer` and `Cache-Control: no-store` (the token is in the address),
 * and the request log names the route template only, never the token.
 *
 * @example
 * ```ts
 * import { Instruments, MeasureLinkToken } from "@lahete/core"
 * import { MeasureLinkPage, Server } from "@lahete/server"
 * import { Redacted } from "effect"
 *
 * const page = MeasureLinkPage.layer({
 *   key: MeasureLinkToken.key(Redacted.make(process.env.LAHETE_MEASURE_LINK_SECRET ?? "")),
 *   texts: [] // the licensee's item texts, one entry per instrument and language
 * })
 * ```
 *
 * @since 0.3.0
 */
import {
  Actor,
  Ids,
  Instant,
  Instrument,
  Instruments,
  MeasureLink,
  MeasureLinkToken,
  type Programme,
  type Referral,
  ReferralService
} from "@lahete/core"
import { Clock, Effect, type Layer, Result, Schema } from "effect"
import { HttpRouter, type HttpServerRequest, HttpServerResponse } from "effect/http"

/**
 * Options of the page.
 *
 * @since 0.3.0
 * @category models
 */
export interface Options {
  /** The key measure links are signed with (the worker's `measureLinkKey`). */
  readonly key: MeasureLinkToken.Key
  /**
   * The licensee's item texts (`Instrument.ItemTexts`, as their
   * configuration holds them): one entry per instrument and language.
   */
  readonly texts: ReadonlyArray<unknown>
  /** The instruments the texts are checked against (default: the built-ins). */
  readonly instruments?: Instruments.Registry
  /** Where the page is served (default `/m`): the form is at `<path>/<token>`. */
  readonly path?: `/${string}`
}

/**
 * The item texts do not fit their instruments (checked when the layer is
 * built). Names the instrument and the problem, never a text.
 *
 * @since 0.3.0
 * @category errors
 */
export class InvalidItemTexts extends Schema.TaggedError<InvalidItemTexts>()("InvalidItemTexts", {
  index: Schema.Number,
  problem: Schema.String
}) {
  override get message(): string {
    return `measure form texts #${this.index + 1}: ${this.problem}`
  }
}

type Language = Programme.Language
const languages: ReadonlyArray<Language> = ["fi", "sv", "se", "en"]

/** The page's own texts. Northern Sámi: to be reviewed by a native speaker. */
const ui: Readonly<
  Record<
    Language,
    {
      readonly title: string
      readonly intro: string
      readonly skip: string
      readonly submit: string
      readonly thanksTitle: string
      readonly thanks: string
      readonly unusableTitle: string
      readonly unusable: string
      readonly language: string
      readonly item: string
    }
  >
> = {
  fi: {
    title: "Kysely",
    intro:
      "Valitse kuhunkin kysymykseen vastaus, joka kuvaa sinua parhaiten. Voit jättää kysymyksen vastaamatta. Vastaukset lähetetään painikkeesta lopussa.",
    skip: "Siirry kyselyyn",
    submit: "Lähetä vastaukset",
    thanksTitle: "Kiitos vastauksistasi",
    thanks: "Vastauksesi on tallennettu. Voit sulkea tämän sivun.",
    unusableTitle: "Linkki ei ole käytössä",
    unusable:
      "Tällä linkillä ei voi enää vastata. Linkki voi olla vanhentunut, tai kyselyyn on jo vastattu. Jos olet jo vastannut, vastauksesi on tallessa.",
    language: "Kieli",
    item: "Kysymys"
  },
  sv: {
    title: "Enkät",
    intro:
      "Välj för varje fråga det svar som bäst beskriver dig. Du kan lämna en fråga obesvarad. Svaren skickas med knappen i slutet.",
    skip: "Gå till enkäten",
    submit: "Skicka svaren",
    thanksTitle: "Tack för dina svar",
    thanks: "Dina svar har sparats. Du kan stänga den här sidan.",
    unusableTitle: "Länken används inte",
    unusable:
      "Den här länken kan inte längre användas för att svara. Länken kan ha gått ut, eller så har enkäten redan besvarats. Om du redan har svarat är dina svar sparade.",
    language: "Språk",
    item: "Fråga"
  },
  se: {
    title: "Jearahallan",
    intro:
      "Vállje juohke gažaldahkii vástádusa mii buoremusat govvida du. Sáhtát guođđit gažaldaga vástideakta. Vástádusat sáddejuvvojit loahpa boalus.",
    skip: "Mana jearahallamii",
    submit: "Sádde vástádusaid",
    thanksTitle: "Giitu vástádusain",
    thanks: "Du vástádusat leat vurkejuvvon. Sáhtát giddet dán siiddu.",
    unusableTitle: "Liŋka ii leat atnus",
    unusable:
      "Dáinna liŋkkain ii sáhte šat vástidit. Liŋka sáhttá leat boarásmuvvan, dahje jearahallamii lea juo vástiduvvon. Jus leat juo vástidan, du vástádusat leat vurkejuvvon.",
    language: "Giella",
    item: "Gažaldat"
  },
  en: {
    title: "Questionnaire",
    intro:
      "For each question, choose the answer that describes you best. You may leave a question unanswered. Send your answers with the button at the end.",
    skip: "Go to the questionnaire",
    submit: "Send answers",
    thanksTitle: "Thank you for your answers",
    thanks: "Your answers have been saved. You may close this page.",
    unusableTitle: "This link is not in use",
    unusable:
      "This link can no longer be used to answer. It may have expired, or the questionnaire has already been answered. If you have already answered, your answers are saved.",
    language: "Language",
    item: "Question"
  }
}

const languageNames: Readonly<Record<Language, string>> = {
  fi: "suomi",
  sv: "svenska",
  se: "davvisámegiella",
  en: "English"
}

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string)

const style = `
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:1.125rem;line-height:1.5;color:#1b1b1b;background:#fff}
main{max-width:42rem;margin:0 auto;padding:1rem}
h1{font-size:1.6rem;line-height:1.25;margin:.5rem 0 1rem}
h2{font-size:1.3rem;margin:1.5rem 0 .5rem}
nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:.5rem 1rem;margin:0;padding:0}
a{color:#0b4f8a}
fieldset{border:1px solid #5f6368;border-radius:.5rem;margin:0 0 1rem;padding:.75rem 1rem}
legend{font-weight:600;padding:0 .25rem}
.choice{display:flex;align-items:center;gap:.6rem;padding:.3rem 0}
input[type=radio]{width:1.4rem;height:1.4rem;margin:0;flex:none;accent-color:#0b4f8a}
label{cursor:pointer}
button{font:inherit;font-weight:600;color:#fff;background:#0b4f8a;border:0;border-radius:.5rem;padding:.8rem 1.4rem;cursor:pointer}
:focus-visible{outline:3px solid #b3470a;outline-offset:3px}
`

const headers = {
  "content-security-policy":
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
  "x-content-type-options": "nosniff"
}

const page = (language: Language, title: string, body: string, nav: string): string =>
  `<!doctype html>
<html lang="${language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>${style}</style>
</head>
<body>
<main>
${nav}
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>
`

/**
 * The language links: the same page in every language (the current one
 * marked). Relative (`?lang=sv`), so a page names no token.
 */
const languageNav = (language: Language): string =>
  `<nav aria-label="${escapeHtml(ui[language].language)}"><ul>${languages
    .map(
      (l) =>
        `<li><a href="?lang=${l}" lang="${l}" hreflang="${l}"${
          l === language ? ' aria-current="page"' : ""
        }>${escapeHtml(languageNames[l])}</a></li>`
    )
    .join("")}</ul></nav>`

const html = (status: number, text: string) =>
  HttpServerResponse.text(text, { status, contentType: "text/html; charset=utf-8", headers })

const unusable = (language: Language) =>
  html(
    404,
    page(language, ui[language].unusableTitle, `<p>${escapeHtml(ui[language].unusable)}</p>`, languageNav(language))
  )

/** The form's field name of an item (`swemwbs-3`). */
const field = (instrument: string, item: number): string => `${instrument}-${item}`

const form = (language: Language, forms: ReadonlyArray<Instrument.Localised>): string => {
  const t = ui[language]
  const sections = forms
    .map((f, n) => {
      const i = f.instrument
      const values = Array.from({ length: i.scale.max - i.scale.min + 1 }, (_, k) => i.scale.min + k)
      const items = f.items
        .map((text, k) => {
          const name = field(i.code, k + 1)
          const choices = values
            .map((v) => {
              const label = f.answers?.find((a) => a.value === v)?.label ?? String(v)
              const id = `${name}-${v}`
              return `<div class="choice"><input type="radio" name="${escapeHtml(name)}" id="${escapeHtml(id)}" value="${v}"><label for="${escapeHtml(id)}">${escapeHtml(label)}</label></div>`
            })
            .join("\n")
          return `<fieldset><legend>${escapeHtml(`${k + 1}. ${text}`)}</legend>\n${choices}\n</fieldset>`
        })
        .join("\n")
      return `<section aria-labelledby="part-${n + 1}"><h2 id="part-${n + 1}">${escapeHtml(`${n + 1}/${forms.length}`)}</h2>\n${items}</section>`
    })
    .join("\n")
  return page(
    language,
    t.title,
    `<p>${escapeHtml(t.intro)}</p>
<form method="post" action="?lang=${language}">
${sections}
<button type="submit">${escapeHtml(t.submit)}</button>
</form>`,
    languageNav(language)
  )
}

const thanks = (language: Language) =>
  html(
    200,
    page(language, ui[language].thanksTitle, `<p>${escapeHtml(ui[language].thanks)}</p>`, languageNav(language))
  )

const utf8 = new TextEncoder()

/** The idempotency key of a link's answer: the same for a form sent twice. */
const answerKey = (tokenId: string): Effect.Effect<Ids.IdempotencyKey> =>
  Effect.promise(async () => {
    const digest = new Uint8Array(await globalThis.crypto.subtle.digest("SHA-256", utf8.encode(tokenId)))
    return Ids.IdempotencyKey.make(
      `measure-link-answer:${Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("")}`
    )
  })

/** The largest form body accepted (bytes). */
const maxBody = 16_384

/**
 * The page's routes, added to the `HttpRouter` (mount them with
 * `Server.layer`'s `extraRoutes`). Fails to build when the item texts do
 * not fit their instruments.
 *
 * @since 0.3.0
 * @category layers
 */
export const layer = (
  options: Options
): Layer.Layer<
  never,
  InvalidItemTexts,
  HttpRouter.HttpRouter | ReferralService.ReferralService | ReferralService.ProgrammeCatalog
> =>
  HttpRouter.use((router) =>
    Effect.gen(function* () {
      const instruments = options.instruments ?? Instruments.defaults
      const localised = new Map<string, Instrument.Localised>()
      for (const [index, entry] of options.texts.entries()) {
        const code =
          typeof entry === "object" && entry !== null ? (entry as { instrument?: unknown }).instrument : undefined
        const instrument = typeof code === "string" ? instruments.get(code) : undefined
        if (instrument === undefined) {
          return yield* Effect.fail(new InvalidItemTexts({ index, problem: "not texts of a known instrument" }))
        }
        const attached = Instrument.attachTexts(instrument, entry)
        if (Result.isFailure(attached)) {
          return yield* Effect.fail(new InvalidItemTexts({ index, problem: attached.failure.message }))
        }
        localised.set(`${instrument.code}/${attached.success.language}`, attached.success)
      }
      const textsFor = (code: string, language: Language): Instrument.Localised | undefined =>
        localised.get(`${code}/${language}`) ??
        localised.get(`${code}/fi`) ??
        languages.map((l) => localised.get(`${code}/${l}`)).find((x) => x !== undefined)

      const service = yield* ReferralService.ReferralService
      const catalog = yield* ReferralService.ProgrammeCatalog
      const base = options.path ?? "/m"

      /** The link's claims, its referral's state and the forms to show, or nothing when it cannot be answered. */
      const open = (token: string, now: Instant.Instant) =>
        Effect.gen(function* () {
          const claims = yield* MeasureLinkToken.verify(options.key, token, { now })
          const state: Referral.ReferralState = yield* service.state(Ids.ReferralId.make(claims.referralId))
          const programme =
            state.programme === undefined ? undefined : catalog.get(state.programme.id, state.programme.version)
          if (programme === undefined || state.subjectId === undefined) return undefined
          const usable = MeasureLink.checkAnswer(state, {
            _tag: "AnswerMeasureLink",
            referralId: Ids.ReferralId.make(claims.referralId),
            idempotencyKey: Ids.IdempotencyKey.make("check"),
            actor: Actor.make("Client", state.subjectId, "measure-link"),
            at: now,
            tokenId: claims.tokenId,
            timePoint: claims.timePoint,
            measures: []
          })
          if (Result.isFailure(usable) || state.status === "Withdrawn") return undefined
          const missing = MeasureLink.missingSelfMeasures(state, programme, claims.timePoint)
          return missing.length === 0 ? undefined : { claims, state, missing }
        }).pipe(Effect.orElseSucceed(() => undefined))

      const context = (request: HttpServerRequest.HttpServerRequest) =>
        Effect.gen(function* () {
          const params = yield* HttpRouter.params
          const token = params["*"] ?? ""
          const url = new URL(request.url, "http://localhost")
          const asked = url.searchParams.get("lang")
          const language: Language = languages.includes(asked as Language) ? (asked as Language) : "fi"
          const now = Instant.make(yield* Clock.currentTimeMillis)
          return { token, language, now }
        })

      yield* router.add("GET", `${base}/*` as const, (request) =>
        Effect.gen(function* () {
          const { token, language, now } = yield* context(request)
          const opened = yield* open(token, now)
          if (opened === undefined) return unusable(language)
          const forms = opened.missing.map((m) => textsFor(m.instrument, language))
          if (forms.some((f) => f === undefined)) return unusable(language)
          return html(200, form(language, forms as ReadonlyArray<Instrument.Localised>))
        })
      )

      yield* router.add("POST", `${base}/*` as const, (request) =>
        Effect.gen(function* () {
          const { token, language, now } = yield* context(request)
          const opened = yield* open(token, now)
          if (opened === undefined) return unusable(language)
          const body = yield* Effect.orElseSucceed(request.text, () => "")
          if (utf8.encode(body).length > maxBody) return unusable(language)
          const fields = new URLSearchParams(body)
          const measures = opened.missing.flatMap((m) => {
            const instrument = instruments.get(m.instrument)
            if (instrument === undefined) return []
            const answers = Array.from({ length: instrument.items }, (_, k) => {
              const raw = fields.get(field(instrument.code, k + 1))
              if (raw === null || raw === "") return null
              const n = Number(raw)
              return Number.isFinite(n) ? n : Number.NaN
            })
            return [{ instrument: instrument.code, answers }]
          })
          // a value that is not a number is not an answer the form offered
          if (measures.some((m) => m.answers.some((a) => a !== null && Number.isNaN(a)))) {
            return unusable(language)
          }
          const executed = yield* Effect.result(
            service.execute({
              _tag: "AnswerMeasureLink",
              referralId: Ids.ReferralId.make(opened.claims.referralId),
              idempotencyKey: yield* answerKey(opened.claims.tokenId),
              actor: Actor.make("Client", opened.state.subjectId as string, "measure-link"),
              at: now,
              tokenId: opened.claims.tokenId,
              timePoint: opened.claims.timePoint,
              measures
            })
          )
          return Result.isSuccess(executed) ? thanks(language) : unusable(language)
        })
      )
    })
  )
