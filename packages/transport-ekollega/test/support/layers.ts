/**
 * Test set-up: signing keys for the suite's organisations, the inbox served
 * by a real Node HTTP server on a free port with the client pointed at it,
 * the inbox as an in-process fetch handler (for the fuzz), and services over
 * the in-memory store or the SQL store on a new SQLite file.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { SqliteClient } from "@effect/sql-sqlite-node"
import {
  type AuditLog,
  type LinkWorkerRegistry,
  type ReferralIndex,
  ReferralService,
  type ReferralStore,
  type ReferralTransport
} from "@lahete/core"
import { HttpLimits } from "@lahete/http-limits"
import { SqlReferralStack } from "@lahete/store-sql"
import { Fixtures, ReferralTransportTest } from "@lahete/testing"
import { EkollegaClient, EkollegaInbox, EkollegaToken } from "@lahete/transport-ekollega"
import { type Context, Effect, Layer } from "effect"
import { FetchHttpClient, HttpRouter, HttpServer } from "effect/http"
import type * as SqlClient from "effect/sql/SqlClient"

/** The inbox's id (the tokens' audience). */
export const audience = "urn:lahete:inbox:test"

/** A key pair per organisation of the suite (ES256 and EdDSA both in use), and one nobody registered. */
const pairs = await Effect.runPromise(
  Effect.all(
    ReferralTransportTest.organisations.map((organisation, i) =>
      Effect.map(EkollegaToken.generateKeyPair(i % 2 === 0 ? "ES256" : "EdDSA"), (pair) => ({ organisation, ...pair }))
    )
  )
)
export const keys: ReadonlyMap<string, (typeof pairs)[number]> = new Map(pairs.map((p) => [p.organisation, p]))
export const strangerKey = await Effect.runPromise(EkollegaToken.generateKeyPair("ES256"))

/** The registration of every organisation of the suite. */
export const organisations: ReadonlyArray<EkollegaToken.Organisation> = pairs.map((p) => ({
  id: p.organisation,
  keys: p.publicKeys
}))

export const inboxOptions: EkollegaInbox.Options = { audience, organisations }

/** A signer per organisation: the referrer's system of each. */
export const sign: EkollegaToken.Sign = EkollegaToken.byOrganisation(
  Object.fromEntries(
    await Promise.all(
      pairs.map(async (p) => [
        p.organisation,
        await Effect.runPromise(
          EkollegaToken.signer({ organisation: p.organisation, audience, privateKey: p.privateKey })
        )
      ])
    )
  )
)

type Services =
  | ReferralService.ReferralService
  | ReferralStore.ReferralStore
  | ReferralIndex.ReferralIndex
  | AuditLog.AuditLog

/** The in-memory service, store and audit log. */
export const memoryServices: Layer.Layer<
  Services | LinkWorkerRegistry.LinkWorkerRegistry | ReferralService.ProgrammeCatalog,
  LinkWorkerRegistry.LinkWorkerRegistryFailure
> = ReferralService.layerMemory()

/** A new SQLite database file in a temporary directory, removed when released. */
export const sqliteClient: Layer.Layer<SqlClient.SqlClient, unknown> = Layer.unwrap(
  Effect.map(
    Effect.acquireRelease(
      Effect.sync(() => mkdtempSync(join(tmpdir(), "lahete-ekollega-"))),
      (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
    ),
    (dir) => SqliteClient.layer({ filename: join(dir, "store.db") })
  )
)

/** The service over the SQL store and audit log on a new SQLite database (as store-sql's tests build it). */
export const sqliteServices: Layer.Layer<Services | SqlClient.SqlClient, unknown> = SqlReferralStack.layer({
  linkWorkers: [Fixtures.linkWorker()]
}).pipe(Layer.provideMerge(sqliteClient))

/**
 * The inbox on a real Node HTTP server (127.0.0.1, a free port) over the
 * services, and the client (fetch) pointed at the server's address: the
 * transport under test, with the receiving side's services beside it. The
 * server has the limits of `@lahete/http-limits` (its defaults, or `limits`).
 */
export const overHttp = <E, R>(
  services: Layer.Layer<R, E>,
  options: {
    readonly inbox?: Partial<EkollegaInbox.Options>
    readonly sign?: EkollegaToken.Sign
    readonly limits?: HttpLimits.Limits
  } = {}
): Layer.Layer<ReferralTransport.ReferralTransport | R | HttpServer.HttpServer, unknown, Exclude<Services, R>> => {
  const server = HttpRouter.serve(EkollegaInbox.layer({ ...inboxOptions, ...options.inbox }), {
    disableLogger: true,
    disableListenLog: true
  })
  const client = Layer.unwrap(
    HttpServer.addressFormattedWith((baseUrl) =>
      Effect.succeed(EkollegaClient.layer({ baseUrl, sign: options.sign ?? sign }))
    )
  ).pipe(Layer.provide(FetchHttpClient.layer))
  return Layer.mergeAll(server, client).pipe(
    Layer.provideMerge(NodeHttpServer.layer(HttpLimits.makeServer(options.limits), { port: 0, host: "127.0.0.1" })),
    Layer.provideMerge(services)
  )
}

/**
 * The inbox as an in-process fetch handler over the services of `context`
 * (built by the caller, who inspects the same store and audit log).
 */
export const webHandler = (context: Context.Context<Services>, options: Partial<EkollegaInbox.Options> = {}) =>
  HttpRouter.toWebHandler(
    EkollegaInbox.layer({ ...inboxOptions, ...options }).pipe(
      Layer.provide(Layer.succeedContext(context)),
      Layer.provide(HttpServer.layerServices)
    ),
    { disableLogger: true }
  )
