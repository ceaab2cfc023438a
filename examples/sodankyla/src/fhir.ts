/**
 * How referrals arrive and how their status goes back: the FHIR R4 closed
 * loop of `@lahete/transport-fhir`. Both sides run here:
 *
 * - the municipality's FHIR server (`FhirServer`): referrals arrive as
 *   transaction Bundles (`POST /fhir/Bundle`), their status goes back as
 *   Tasks (`GET /fhir/Task/{id}`, `GET /fhir/Task?_lastUpdated=ge…`). It
 *   trusts the health centre's signing key (`FhirAuth.jwt`);
 * - the health centre's system (`FhirClient`): the `ReferralTransport` port
 *   over HTTP, with a bearer token signed for each professional.
 *
 * They talk real HTTP requests and answers, but in process (the server as a
 * fetch-style handler), so the example needs no free port. Every exchange is
 * kept in the `Wire` log, so the walk can show what went over the wire.
 */
import {
  type AuditLog,
  Instant,
  type ReferralIndex,
  type ReferralService,
  type ReferralStore,
  ReferralTransport
} from "@lahete/core"
import { FhirAuth, FhirClient, FhirServer } from "@lahete/transport-fhir"
import { Clock, Context, Effect, Layer, Redacted, Result } from "effect"
import { FetchHttpClient, HttpRouter } from "effect/http"
import * as jose from "jose"
import { healthCentre } from "./people.js"

/** The FHIR server's base URL (also the audience of the tokens). */
export const baseUrl = "https://lahete.sodankyla.example.fi/fhir"

/** One HTTP exchange between the health centre's system and the FHIR server. */
export interface Exchange {
  /** The simulated time of the request. */
  readonly at: Instant.Instant
  readonly method: string
  /** Path and query, e.g. `/fhir/Task?_lastUpdated=ge2026-04-07T06%3A30%3A00.000Z`. */
  readonly path: string
  readonly status: number
  readonly requestBody?: unknown
  readonly responseBody?: unknown
}

/** The log of every exchange, oldest first. */
export class Wire extends Context.Service<Wire, { readonly exchanges: ReadonlyArray<Exchange> }>()(
  "example-sodankyla/Wire"
) {}

const parse = (text: string): unknown => {
  const parsed = Result.try((): unknown => JSON.parse(text))
  return Result.isSuccess(parsed) ? parsed.success : undefined
}

/**
 * The health centre's side of the closed loop (`ReferralTransport`, over
 * FHIR) and the wire log, over the municipality's services.
 */
export const layer: Layer.Layer<
  ReferralTransport.ReferralTransport | Wire,
  never,
  ReferralService.ReferralService | ReferralStore.ReferralStore | ReferralIndex.ReferralIndex | AuditLog.AuditLog
> = Layer.effectContext(
  Effect.gen(function* () {
    // the health centre's signing key; the FHIR server trusts its public half
    const keys = yield* Effect.promise(() => jose.generateKeyPair("ES256", { extractable: true }))
    const publicJwk = yield* Effect.promise(() => jose.exportJWK(keys.publicKey))
    const kid = `${healthCentre}-2026`

    // the server, over the services (and the simulated clock) of this program
    const services = yield* Effect.context<
      ReferralService.ReferralService | ReferralStore.ReferralStore | ReferralIndex.ReferralIndex | AuditLog.AuditLog
    >()
    const server = HttpRouter.toWebHandler(
      FhirServer.layer({
        authenticate: FhirAuth.jwt({
          issuers: { [healthCentre]: { keys: [{ ...publicJwk, kid, alg: "ES256", use: "sig" }] } },
          audience: baseUrl
        }),
        basePath: "/fhir",
        baseUrl
        // provideMerge: the request handlers run in this context, the simulated clock included
      }).pipe(Layer.provideMerge(Layer.succeedContext(services))),
      { disableLogger: true }
    )
    yield* Effect.addFinalizer(() => Effect.promise(() => server.dispose()))

    // every request of the health centre's system goes to the server's handler, and into the log
    const exchanges: Array<Exchange> = []
    const clock = yield* Clock.Clock
    const fetchServer: typeof globalThis.fetch = async (input, init) => {
      const request = new Request(input, init)
      const sent = request.method === "GET" ? undefined : await request.clone().text()
      const response = await server.handler(request)
      const url = new URL(request.url)
      exchanges.push({
        at: Instant.make(clock.currentTimeMillisUnsafe()),
        method: request.method,
        path: `${url.pathname}${url.search}`,
        status: response.status,
        ...(sent === undefined ? {} : { requestBody: parse(sent) }),
        responseBody: parse(await response.clone().text())
      })
      return response
    }

    // a short-lived token for each professional, signed at the (simulated) time of the request
    const token: FhirClient.Token = (actor) =>
      Effect.gen(function* () {
        const now = Math.floor((yield* Clock.currentTimeMillis) / 1000)
        const jwt = yield* Effect.promise(() =>
          new jose.SignJWT(actor.profession === undefined ? {} : { profession: actor.profession })
            .setProtectedHeader({ alg: "ES256", kid, typ: "JWT" })
            .setIssuer(actor.organisation)
            .setSubject(actor.id)
            .setAudience(baseUrl)
            .setIssuedAt(now)
            .setExpirationTime(now + 300)
            .setJti(crypto.randomUUID()) // each token is accepted once
            .sign(keys.privateKey)
        )
        return Redacted.make(jwt)
      })

    const transport = yield* FhirClient.make({ baseUrl, token }).pipe(
      Effect.provide(FetchHttpClient.layer),
      Effect.provideService(FetchHttpClient.Fetch, fetchServer)
    )
    return Context.make(ReferralTransport.ReferralTransport, transport).pipe(Context.add(Wire, { exchanges }))
  })
)
