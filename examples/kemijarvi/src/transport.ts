/**
 * How referrals arrive: the eKollega-style secure inbox of
 * `@lahete/transport-ekollega`. Both sides run here:
 *
 * - the inbox (the municipality's side): HTTP routes that verify the
 *   referrer's signed token and hand the referral to `ReferralService`;
 * - the client (the wellbeing centre's side): the `ReferralTransport` port
 *   over HTTP, signing a token for each professional with the centre's key.
 *
 * They talk real HTTP requests and answers, but in process (the inbox as a
 * fetch-style handler), so the demo needs no free port. To use the in-memory
 * transport instead, replace `layer` with `ReferralTransport.layer` from
 * `@lahete/core`: the rest of the demo uses only the port.
 */
import { type AuditLog, type ReferralIndex, type ReferralService, type ReferralStore, ReferralTransport } from "@lahete/core"
import { EkollegaClient, EkollegaInbox, EkollegaToken } from "@lahete/transport-ekollega"
import { Effect, Layer } from "effect"
import { FetchHttpClient, HttpRouter } from "effect/http"
import { referrerOrganisation } from "./people.ts"

/** The inbox's id: the audience the referrers' tokens are made for. */
const audience = "urn:lahete:inbox:kemijarvi"

export const layer: Layer.Layer<
  ReferralTransport.ReferralTransport,
  EkollegaToken.TokenConfigError,
  ReferralService.ReferralService | ReferralStore.ReferralStore | ReferralIndex.ReferralIndex | AuditLog.AuditLog
> = Layer.effect(
  ReferralTransport.ReferralTransport,
  Effect.gen(function* () {
    // the wellbeing centre's signing key; the inbox knows its public half
    const keys = yield* EkollegaToken.generateKeyPair("ES256")

    // the inbox, over the services (and the simulated clock) of this program
    const services = yield* Effect.context<
      ReferralService.ReferralService | ReferralStore.ReferralStore | ReferralIndex.ReferralIndex | AuditLog.AuditLog
    >()
    const inbox = HttpRouter.toWebHandler(
      EkollegaInbox.layer({
        audience,
        organisations: [{ id: referrerOrganisation, keys: keys.publicKeys }]
      }).pipe(Layer.provideMerge(Layer.succeedContext(services))),
      { disableLogger: true }
    )
    yield* Effect.addFinalizer(() => Effect.promise(() => inbox.dispose()))

    // the referrer's side: every request goes to the inbox's handler instead of the network
    const sign = yield* EkollegaToken.signer({
      organisation: referrerOrganisation,
      audience,
      privateKey: keys.privateKey
    })
    const fetchInbox: typeof globalThis.fetch = (input, init) => inbox.handler(new Request(input, init))
    return yield* EkollegaClient.make({ baseUrl: "https://inbox.kemijarvi.example.fi", sign }).pipe(
      Effect.provide(FetchHttpClient.layer),
      Effect.provideService(FetchHttpClient.Fetch, fetchInbox)
    )
  })
)
