/**
 * The layers the tests run on: the receiving side's service over the
 * in-memory store or a SQLite file, the FHIR server on a real port (Node's
 * HTTP server) or as an in-process fetch handler, and the client talking to
 * the server.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { SqliteClient } from "@effect/sql-sqlite-node"
import {
  type AuditLog,
  type ReferralIndex,
  ReferralService,
  type ReferralStore,
  type ReferralTransport
} from "@lahete/core"
import { HttpLimits } from "@lahete/http-limits"
import { SqlReferralStack } from "@lahete/store-sql"
import { Fixtures } from "@lahete/testing"
import { FhirClient, FhirServer } from "@lahete/transport-fhir"
import { Context, Effect, Layer } from "effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServer from "effect/http/HttpServer"
import * as NetAddress from "effect/net/NetAddress"
import * as Tokens from "./tokens.js"

export type Services =
  | ReferralService.ReferralService
  | ReferralStore.ReferralStore
  | ReferralIndex.ReferralIndex
  | AuditLog.AuditLog

/** The service over the in-memory store and audit log, the fixture link worker registered. */
export const memoryService: Layer.Layer<Services, unknown> = ReferralService.layerMemory({
  linkWorkers: [Fixtures.linkWorker()]
})

/** The service over the SQL store and audit log on a new SQLite file (removed afterwards). */
export const sqliteService: Layer.Layer<Services, unknown> = Layer.unwrap(
  Effect.map(
    Effect.acquireRelease(
      Effect.sync(() => mkdtempSync(join(tmpdir(), "lahete-fhir-"))),
      (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
    ),
    (dir) =>
      SqlReferralStack.layer({ linkWorkers: [Fixtures.linkWorker()] }).pipe(
        Layer.provideMerge(SqliteClient.layer({ filename: join(dir, "store.db") }))
      )
  )
)

/** The server options of the tests. */
export const serverOptions = (overrides: Partial<FhirServer.Options> = {}): FhirServer.Options => ({
  authenticate: Tokens.authenticate,
  baseUrl: configuredBaseUrl,
  ...overrides
})

/** The base URL the test servers are configured with (links never follow the request's `Host`). */
export const configuredBaseUrl = "https://lahete.test/fhir"

/** The server's base URL on a real port. */
export class BaseUrl extends Context.Service<BaseUrl, string>()("test/BaseUrl") {}

/**
 * The FHIR server on a real port (127.0.0.1, a free port) over the service,
 * with its base URL, and the limits of `@lahete/http-limits` (its defaults,
 * or `limits`).
 */
export const realServer = (
  options: Partial<FhirServer.Options> = {},
  limits: HttpLimits.Limits = {}
): Layer.Layer<BaseUrl, unknown, Services> => {
  const http = NodeHttpServer.layer(HttpLimits.makeServer(limits), { port: 0, host: "127.0.0.1" })
  const served = HttpRouter.serve(FhirServer.layer(serverOptions(options)), {
    disableLogger: true,
    disableListenLog: true
  })
  const url = Layer.effect(
    BaseUrl,
    Effect.map(HttpServer.HttpServer, (server) => NetAddress.formatUrlUnsafe(server.address, "http"))
  )
  return Layer.mergeAll(served, url).pipe(Layer.provide(http))
}

/**
 * What the conformance suite runs on: the client (the `ReferralTransport`)
 * talking over HTTP to the server on a real port, over `service`, whose
 * service, store and audit log are provided too.
 */
export const clientAndServer = <E>(
  service: Layer.Layer<Services, E>
): Layer.Layer<ReferralTransport.ReferralTransport | Services, unknown> => {
  const client = Layer.unwrap(
    Effect.map(BaseUrl, (baseUrl) => FhirClient.layer({ baseUrl, token: Tokens.token }))
  ).pipe(Layer.provide(FetchHttpClient.layer))
  // the default replay guard: the client signs a token per request
  return client.pipe(Layer.provide(realServer({ authenticate: Tokens.guarded() })), Layer.provideMerge(service))
}

/**
 * The server as an in-process fetch handler over a built service (for
 * thousands of requests without sockets). The caller disposes it.
 */
export const webHandler = (context: Context.Context<Services>, options: Partial<FhirServer.Options> = {}) =>
  HttpRouter.toWebHandler(FhirServer.layer(serverOptions(options)).pipe(Layer.provide(Layer.succeedContext(context))), {
    disableLogger: true
  })
