/**
 * The client's measure form (`MeasureLinkPage` of `@lahete/server`), served
 * in process like the inbox in `transport.ts`: real HTTP requests and
 * answers through a fetch-style handler, so the demo needs no free port.
 * The form's item texts are ONS4's open example texts
 * (`ExampleItemTexts.ons4`); a deployment configures its licensed texts
 * (`measureLinks.texts`).
 *
 * `open` and `answer` do what a client's phone does with the link of a text
 * message: load the form, then send it.
 */
import type { ReferralService } from "@lahete/core"
import { MeasureLinkPage } from "@lahete/server"
import { ExampleItemTexts } from "@lahete/testing"
import { Effect, Layer } from "effect"
import { HttpRouter } from "effect/http"
import { measureLinkKey } from "./setup.ts"

/** The form as a phone sees it: the status and the page. */
export interface Page {
  readonly status: number
  readonly html: string
}

/** The measure form over the program's services (and its simulated clock). */
export interface Form {
  /** Loads the form of a link (`GET`). */
  readonly open: (url: string) => Effect.Effect<Page>
  /** Sends the form (`POST`) with the answers, in item order. */
  readonly answer: (url: string, instrument: string, answers: ReadonlyArray<number>) => Effect.Effect<Page>
}

/** The `<h1>` of a page, for the narration. */
export const title = (html: string): string => /<h1>([^<]*)<\/h1>/.exec(html)?.[1] ?? ""

/** The link in a text message. */
export const linkIn = (text: string): string | undefined => /https?:\/\/\S+/.exec(text)?.[0]

/** Starts the form's handler (closed with the scope). */
export const make = Effect.gen(function* () {
  const services = yield* Effect.context<ReferralService.ReferralService | ReferralService.ProgrammeCatalog>()
  const page = HttpRouter.toWebHandler(
    MeasureLinkPage.layer({ key: measureLinkKey, texts: ExampleItemTexts.ons4 }).pipe(
      Layer.provideMerge(Layer.succeedContext(services)),
      Layer.orDie
    ),
    { disableLogger: true }
  )
  yield* Effect.addFinalizer(() => Effect.promise(() => page.dispose()))
  const send = (request: Request) =>
    Effect.promise(async (): Promise<Page> => {
      const response = await page.handler(request)
      return { status: response.status, html: await response.text() }
    })
  return {
    open: (url) => send(new Request(url)),
    answer: (url, instrument, answers) =>
      send(
        new Request(url, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams(
            answers.map((a, k): [string, string] => [`${instrument}-${k + 1}`, String(a)])
          ).toString()
        })
      )
  } satisfies Form
})
