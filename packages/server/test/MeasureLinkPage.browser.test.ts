/**
 * Acceptance 1 of the measure link, in a real headless Chromium: a closed
 * referral of each of four clients (Finnish, Swedish, Northern Sámi,
 * English) reaches its follow-up window; one worker round asks for the link
 * and sends the text message (SQLite store, the outbox, the SMS sink); the
 * browser opens the address the message carries on a phone-sized screen,
 * completes the form with the keyboard alone (Tab, Space, arrow keys, Enter)
 * and the measure is recorded as the client's own follow-up. axe-core
 * (run from its local file, no network) reports no violation of WCAG 2.0/2.1
 * A and AA on the form, the thank-you page and the page of a link that is
 * not in use; the page fits a 320 px wide screen without sideways scrolling.
 * A used, an unknown, a forged and an expired link get byte-identical pages.
 *
 * Outside CI a machine without /usr/bin/chromium skips this file with a
 * notice; under CI=true a missing browser is a failure.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { describe, expect, layer } from "@effect/vitest"
import {
  Deadlines,
  Ids,
  Instant,
  MeasureLinkToken,
  type ReferralCommand,
  ReferralService,
  ReferralStore
} from "@lahete/core"
import { Logging, MeasureLinkPage, Server } from "@lahete/server"
import { SqlDispatcher, SqlReferralStack } from "@lahete/store-sql"
import { ExampleItemTexts, Fixtures, SimulatedTime, StaffMailAudit } from "@lahete/testing"
import { Context, Effect, Layer, Redacted } from "effect"
import { HttpServer } from "effect/http"
import { type Browser, chromium, type Page } from "playwright-core"
import { afterAll } from "vitest"
import * as Sinks from "../src/Sinks.js"
import * as Tokens from "./support/tokens.js"

const executablePath = "/usr/bin/chromium"
const available = existsSync(executablePath)
const ci = process.env.CI === "true"
if (!available && !ci) {
  console.warn(
    `NOTICE: ${executablePath} is missing: the measure form browser test is skipped (it fails under CI=true)`
  )
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8")
const root = mkdtempSync(join(tmpdir(), "lahete-measure-link-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))
const files = { sms: join(root, "sms.jsonl"), mail: join(root, "mail.jsonl"), db: join(root, "lahete.db") }

const key = MeasureLinkToken.key(Redacted.make("the measure-link secret of this browser test"))
const programme = Fixtures.measureLinkProgramme
const languages = ["fi", "sv", "se", "en"] as const
type Language = (typeof languages)[number]
const closedAt = Fixtures.close().at
const window = Deadlines.followUpWindow(closedAt, programme)
/** The first morning of the follow-up window, 09:00 local time. */
const morning = Instant.plusMillis(window.opensAt, 9 * 3_600_000)

class Env extends Context.Service<
  Env,
  { readonly url: string; readonly time: SimulatedTime.SettableClock; readonly logLines: ReadonlyArray<string> }
>()("test/MeasureLinkEnv") {}

const env = Layer.unwrap(
  Effect.gen(function* () {
    const time = SimulatedTime.settable(Date.parse(Fixtures.t0))
    const signer = yield* Effect.promise(() => Tokens.makeSigner(time.millis))
    const logLines: Array<string> = []
    const quiet = { write: () => Effect.void }
    const core = SqlReferralStack.layer({ linkWorkers: [Fixtures.linkWorker()], catalog: Fixtures.catalog }).pipe(
      Layer.provideMerge(SqliteClient.layer({ filename: files.db })),
      Layer.provideMerge(
        Layer.mergeAll(
          Sinks.smsLayer({ file: files.sms, console: quiet }),
          StaffMailAudit.layer(
            Sinks.mailLayer({ file: files.mail, console: quiet }),
            "packages/server/test/MeasureLinkPage.browser.test.ts"
          )
        )
      )
    )
    const server = Server.layer({
      port: 0,
      host: "127.0.0.1",
      auth: { keys: { jwks: signer.jwks }, issuer: Tokens.issuer, audience: Tokens.audience, type: "at+jwt" },
      logger: Logging.layerJson((line) => logLines.push(line)),
      extraRoutes: MeasureLinkPage.layer({ key, texts: ExampleItemTexts.ons4 })
    })
    const found = Layer.effect(
      Env,
      Effect.gen(function* () {
        const address = (yield* HttpServer.HttpServer).address
        if (address._tag === "UnixPathAddress") return yield* Effect.die("expected a TCP address")
        return Env.of({ url: `http://127.0.0.1:${address.port}`, time, logLines })
      })
    )
    return found.pipe(Layer.provideMerge(server), Layer.provideMerge(core), Layer.provide(time.layer))
  })
)

const launch = Effect.acquireRelease(
  Effect.promise(
    (): Promise<Browser> =>
      chromium.launch({
        executablePath,
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
      })
  ),
  (browser) => Effect.promise(() => browser.close())
)

/** A closed referral of the link programme for a client who speaks `language`. */
const closedReferral = (id: string, language: Language): ReadonlyArray<ReferralCommand.ReferralCommand> => {
  const referralId = Ids.ReferralId.make(id)
  const submit = Fixtures.submit({ programmeId: programme.id })
  return [
    { ...submit, referralId, subjectId: Ids.SubjectId.make(`subject-${id}`), client: { ...submit.client, language } },
    { ...Fixtures.assign(), referralId },
    { ...Fixtures.scheduleCall(), referralId },
    { ...Fixtures.firstContact(), referralId },
    { ...Fixtures.close(), referralId }
  ]
}

const axe = (page: Page) =>
  Effect.promise(async () => {
    await page.evaluate(axeSource)
    const violations = (await page.evaluate(`axe
      .run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } })
      .then((r) => r.violations.map((v) => v.id + ": " + JSON.stringify(v.nodes.map((n) => n.target))))`)) as Array<string>
    return violations
  })

/** What has the keyboard focus. */
const focused = (page: Page) =>
  Effect.promise(
    () =>
      page.evaluate(`(() => {
      const el = document.activeElement
      if (el === null) return { tag: "", type: "", name: "", answered: false }
      const name = el.getAttribute("name") ?? ""
      const answered = name !== "" && document.querySelector('input[name="' + CSS.escape(name) + '"]:checked') !== null
      return { tag: el.tagName.toLowerCase(), type: el.getAttribute("type") ?? "", name, answered }
    })()`) as Promise<{ tag: string; type: string; name: string; answered: boolean }>
  )

/** ONS4 answers the keyboard gives: item k gets the value 3 + k (0 first, then three steps right). */
const chosen = [3, 4, 5, 6]

describe.skipIf(!available && !ci)("the measure form in headless Chromium (acceptance 1)", () => {
  layer(env, { excludeTestServices: true, timeout: "120 seconds" })((it) => {
    it.effect(
      "opens from the text message, is completed with the keyboard alone on a phone in fi, sv, se and en, records the client's own follow-up, and has no axe violation",
      () =>
        Effect.gen(function* () {
          expect(existsSync(executablePath), `${executablePath} is required under CI`).toBe(true)
          const { url, time } = yield* Env
          const service = yield* ReferralService.ReferralService
          const store = yield* ReferralStore.ReferralStore
          for (const language of languages) {
            for (const c of closedReferral(`link-${language}`, language)) yield* service.execute(c)
          }
          for (const c of closedReferral("link-unanswered", "fi")) yield* service.execute(c)

          // the worker's round on the window's first morning: the scheduler asks, the dispatcher sends
          time.set(morning)
          const round = yield* SqlDispatcher.workOnce({
            templates: {
              referralUrl: "https://lahete.kemijarvi.example.fi/referrals/{referralId}",
              measureLinkUrl: `${url}/m/{token}`
            },
            coordinators: { [programme.id]: ["koordinaattori@kemijarvi.example.fi"] },
            measureLinkKey: key
          }).pipe(Effect.provide(time.layer))
          expect(round.step.fired.filter((f) => f.command === "RequestMeasureLink")).toHaveLength(5)
          expect(round.dispatched.filter((d) => d.kind === "measure-link-sms").map((d) => d.outcome)).toEqual([
            "sent",
            "sent",
            "sent",
            "sent",
            "sent"
          ])
          const messages = (yield* Sinks.readSms(files.sms)).map((m) => m.text)
          expect(messages).toHaveLength(5)
          for (const text of messages) {
            // the service's name and the link; nothing about the client
            expect(text).not.toContain("Aino")
            expect(text).not.toContain("Testinen")
            expect(text).toMatch(/^(Hyvinvointilähete|Wellbeing referral): /)
          }
          const links = messages.map((m) => /(https?:\/\/\S+)/.exec(m)?.[1] as string)
          /** The link sent for a referral (the token's subject, read with the key), and the language it opens in. */
          const sentTo = yield* Effect.forEach(links, (l) =>
            MeasureLinkToken.verify(key, new URL(l).pathname.replace(/^\/m\//, ""), { now: morning }).pipe(
              Effect.map((claims) => [claims.referralId, l] as const)
            )
          )
          const linkFor = (id: string) => sentTo.find(([referralId]) => referralId === id)?.[1] as string

          const browser = yield* launch
          for (const [n, language] of languages.entries()) {
            const link = linkFor(`link-${language}`)
            expect(link).toBeDefined()
            expect(new URL(link).searchParams.get("lang")).toBe(language)
            const context = yield* Effect.promise(() =>
              browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true })
            )
            const page = yield* Effect.promise(() => context.newPage())
            const outside: Array<string> = []
            yield* Effect.promise(() =>
              page.route("**/*", (route) => {
                if (route.request().url().startsWith(url)) return route.continue()
                outside.push(route.request().url())
                return route.abort()
              })
            )
            const response = yield* Effect.promise(() => page.goto(link))
            expect(response?.status()).toBe(200)
            expect(yield* Effect.promise(() => page.getAttribute("html", "lang"))).toBe(language)
            expect(yield* axe(page), `axe on the ${language} form`).toEqual([])
            // reflow: a 320 px screen needs no sideways scrolling
            yield* Effect.promise(() => page.setViewportSize({ width: 320, height: 640 }))
            expect(
              yield* Effect.promise(() =>
                page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
              )
            ).toBe(true)

            // the keyboard alone: Tab to each question, Space to choose, arrows to move, Enter to send
            let sent = false
            for (let step = 0; step < 120 && !sent; step++) {
              yield* Effect.promise(() => page.keyboard.press("Tab"))
              const at = yield* focused(page)
              if (at.tag === "input" && at.type === "radio" && !at.answered) {
                const item = Number(at.name.split("-").pop())
                yield* Effect.promise(() => page.keyboard.press("Space"))
                for (let k = 0; k < (chosen[item - 1] ?? 0); k++) {
                  yield* Effect.promise(() => page.keyboard.press("ArrowRight"))
                }
              } else if (at.tag === "button") {
                yield* Effect.promise(() => Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]))
                sent = true
              }
            }
            expect(sent, "the keyboard reached the send button").toBe(true)
            expect(yield* Effect.promise(() => page.textContent("h1"))).toBe(
              {
                fi: "Kiitos vastauksistasi",
                sv: "Tack för dina svar",
                se: "Giitu vástádusain",
                en: "Thank you for your answers"
              }[language]
            )
            expect(yield* axe(page), `axe on the ${language} thank-you page`).toEqual([])

            // recorded as the client's own follow-up, the answers as the keyboard chose them
            const referralId = Ids.ReferralId.make(`link-${language}`)
            const state = yield* service.state(referralId)
            expect(state.status).toBe("FollowedUp")
            const events = (yield* store.load(referralId)).events
            expect(events.find((e) => e._tag === "MeasureRecorded" && e.timePoint === "follow-up")).toMatchObject({
              instrument: "ons4",
              respondent: "self",
              answers: chosen,
              actor: { role: "Client", id: `subject-link-${language}` }
            })

            // the same link again: not in use, and the page passes axe too
            const again = yield* Effect.promise(() => page.goto(link))
            expect(again?.status()).toBe(404)
            if (n === 0) expect(yield* axe(page), "axe on the page of a link not in use").toEqual([])
            expect(outside).toEqual([])
            yield* Effect.promise(() => context.close())
          }

          // used, unknown, forged, expired and altered links: one and the same page
          const fetchPage = (path: string) =>
            Effect.promise(async () => {
              const r = await fetch(`${url}${path}`)
              return { status: r.status, body: await r.text(), csp: r.headers.get("content-security-policy") }
            })
          const pathOf = (link: string) => new URL(link).pathname.replace(/^\/m\//, "")
          const used = pathOf(linkFor("link-en"))
          const unanswered = pathOf(linkFor("link-unanswered"))
          const other = MeasureLinkToken.key(Redacted.make("somebody else's secret of enough length"))
          const forged = yield* MeasureLinkToken.sign(other, {
            tokenId: "link-unanswered:x:measure-link-sms",
            referralId: "link-unanswered",
            timePoint: "follow-up",
            expiresAt: window.closesAt
          })
          // the unanswered link with one character changed
          const altered = `${unanswered.slice(0, 20)}${unanswered[20] === "A" ? "B" : "A"}${unanswered.slice(21)}`
          const open = yield* fetchPage(`/m/${unanswered}?lang=en`)
          expect(open.status).toBe(200)
          expect(open.csp).toContain("default-src 'none'")
          time.set(Instant.plusMillis(morning, 11 * 86_400_000))
          const pages = [
            yield* fetchPage(`/m/${used}?lang=en`),
            yield* fetchPage(`/m/not-a-token?lang=en`),
            yield* fetchPage(`/m/${forged}?lang=en`),
            yield* fetchPage(`/m/${unanswered}?lang=en`)
          ]
          time.set(morning)
          expect(yield* fetchPage(`/m/${altered}?lang=en`)).toEqual(pages[0])
          for (const p of pages) expect(p).toEqual(pages[0])
          expect(pages[0]?.status).toBe(404)
          // the token is never logged: the request log has the route template
          const { logLines } = yield* Env
          expect(logLines.some((l) => l.includes(used))).toBe(false)
        }),
      { timeout: 120_000 }
    )
  })
})
