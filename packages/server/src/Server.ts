/**
 * The server: the API's routes (with the OpenAPI document and the reference
 * page) and a layer that serves them over Node's HTTP server until it is
 * released.
 *
 * The core services come from the context, so the caller chooses the store:
 * `ReferralService.layerMemory()` for a prototype, or `ReferralService.layer`
 * over `@lahete/store-sql` on SQLite or PostgreSQL.
 *
 * A slow or idle client cannot hold the server open: the headers must arrive
 * within 10 seconds and the whole request, body included, within 30 (else
 * `408` and the connection closes), a kept-alive connection idle for 5
 * seconds is closed, and at most 512 connections are open at once; each is
 * configurable (`limits`, the `HttpLimits` of `@lahete/http-limits`, which
 * the transports use too).
 *
 * Releasing the layer shuts down gracefully: the server stops accepting
 * connections, requests in flight finish (up to `gracefulShutdownTimeout`,
 * default 20 seconds; then the rest is interrupted), and keep-alive
 * connections are closed as soon as they fall idle.
 *
 * @example
 * ```ts
 * import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
 * import { Presets, ReferralService } from "@lahete/core"
 * import { Server } from "@lahete/server"
 * import { NodeSqlite } from "@lahete/store-sql/sqlite"
 * import { SqlAuditLog, SqlLinkWorkerRegistry, SqlReferralStore } from "@lahete/store-sql"
 * import { Layer } from "effect"
 *
 * const Storage = Layer.mergeAll(SqlReferralStore.layer, SqlAuditLog.layer, SqlLinkWorkerRegistry.layer).pipe(
 *   Layer.provideMerge(NodeSqlite.layer({ filename: "/var/lib/lahete/lahete.db" }))
 * )
 * const Core = ReferralService.layer.pipe(
 *   Layer.provideMerge(Layer.mergeAll(Storage, ReferralService.catalogLayer(Presets.catalog)))
 * )
 * const Main = Server.layer({
 *   port: 8080,
 *   auth: {
 *     keys: { jwksUrl: "https://login.example.fi/realms/hyte/protocol/openid-connect/certs" },
 *     issuer: "https://login.example.fi/realms/hyte",
 *     audience: "lahete"
 *   }
 * }).pipe(Layer.provide(Core))
 *
 * Layer.launch(Main).pipe(NodeRuntime.runMain)
 * ```
 *
 * @since 0.1.0
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import type { HttpLimits } from "@lahete/http-limits"
import { type Duration, Effect, type FileSystem, Layer, type Path, Schema } from "effect"
import {
  type Etag,
  HttpEffect,
  type HttpPlatform,
  HttpRouter,
  type HttpServer,
  type HttpServerRequest,
  HttpServerResponse
} from "effect/http"
import type { ServeError } from "effect/http/HttpServerError"
import { HttpApiBuilder, HttpApiScalar } from "effect/http-api"
import { api, layerRequestErrors } from "./Api.js"
import * as ApiError from "./ApiError.js"
import * as Auth from "./Auth.js"
import * as Handlers from "./Handlers.js"
import * as NodeServer from "./internal/nodeServer.js"
import * as Logging from "./Logging.js"

/**
 * The core services the server needs from the context.
 *
 * @since 0.1.0
 * @category models
 */
export type Requirements = Handlers.Requirements

/**
 * Where the OpenAPI document is served.
 *
 * @since 0.1.0
 * @category constants
 */
export const openapiPath = "/openapi.json"

/**
 * Where the API reference page is served.
 *
 * @since 0.1.0
 * @category constants
 */
export const docsPath = "/docs"

/**
 * The API description (for clients, tests, and documents).
 *
 * @since 0.1.0
 * @category api
 */
export { api }

/**
 * Options of the routes.
 *
 * @since 0.1.0
 * @category models
 */
export interface RoutesOptions {
  /** How access tokens are verified. */
  readonly auth: Auth.Options
  /** Serve the reference page at `/docs` (default `true`). */
  readonly docs?: boolean
}

/**
 * The API's routes, the OpenAPI document (`/openapi.json`) and the reference
 * page (`/docs`, with its script embedded: no network needed), as a layer
 * that adds them to the `HttpRouter`. Mount further routes beside it, or
 * serve it with `HttpRouter.serve` or `HttpRouter.toWebHandler`.
 *
 * @since 0.1.0
 * @category layers
 */
export const routes = (
  options: RoutesOptions
): Layer.Layer<
  never,
  never,
  HttpRouter.HttpRouter | Requirements | Etag.Generator | FileSystem.FileSystem | HttpPlatform.HttpPlatform | Path.Path
> =>
  Layer.mergeAll(
    HttpApiBuilder.layer(api, { openapiPath }),
    options.docs === false
      ? Layer.empty
      : HttpApiScalar.layer(api, {
          path: docsPath,
          scalar: { withDefaultFonts: false, defaultOpenAllTags: true }
        })
  ).pipe(
    Layer.provide(Handlers.layer),
    Layer.provide(Auth.layer(options.auth)),
    Layer.provide(layerRequestErrors),
    Layer.provide(Logging.routeTemplate)
  )

/**
 * A request no route matches answers 404 with the API's JSON `NotFound`
 * (`resource: route`), like every other error, instead of an empty body: the
 * router's empty 404 is replaced just before it is sent (a 404 with a body,
 * the API's or a mounted transport's, is left as it is).
 *
 * @since 0.2.0
 * @category middleware
 */
export const jsonNotFound = <E, R>(
  app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
): Effect.Effect<HttpServerResponse.HttpServerResponse, E, R | HttpServerRequest.HttpServerRequest> =>
  Effect.andThen(
    HttpEffect.appendPreResponseHandler((_request, response) =>
      Effect.succeed(
        response.status === 404 && response.body._tag === "Empty"
          ? HttpServerResponse.jsonUnsafe(Schema.encodeSync(ApiError.NotFound)(ApiError.routeNotFound), {
              status: 404
            })
          : response
      )
    ),
    app
  )

/**
 * Options of the server.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options extends RoutesOptions {
  /** The port to listen on (`0`: any free port; read it from `HttpServer`). */
  readonly port: number
  /** The address to listen on (default: every interface). */
  readonly host?: string
  /** How long requests in flight may take to finish when the server stops (default 20 seconds). */
  readonly gracefulShutdownTimeout?: Duration.Input
  /**
   * Header, request (body) and idle timeouts and the connection limit
   * (`HttpLimits.defaults` of `@lahete/http-limits` for those not given:
   * 10 s, 30 s, 5 s, 512 connections).
   */
  readonly limits?: HttpLimits.Limits
  /** The logger for the server's logs (default: JSON lines on standard output, `Logging.layerJson()`). */
  readonly logger?: Layer.Layer<never>
}

/**
 * Serves the API on Node's HTTP server until the layer is released (see the
 * module documentation), with the request log. `extraRoutes` are mounted
 * beside the API (for example a transport's routes, with their own services
 * provided; the core services come from the same context as the API's);
 * their requests are logged the same way.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <E = never>(
  options: Options & { readonly extraRoutes?: Layer.Layer<never, E, HttpRouter.HttpRouter | Requirements> }
): Layer.Layer<HttpServer.HttpServer, ServeError | E, Requirements> => {
  const extra =
    options.extraRoutes === undefined ? Layer.empty : options.extraRoutes.pipe(Layer.provide(Logging.routeTemplate))
  return HttpRouter.serve(Layer.mergeAll(routes(options), extra), {
    disableLogger: true,
    middleware: (app) => Logging.requestLog(jsonNotFound(app))
  }).pipe(
    Layer.provide(options.logger ?? Logging.layerJson()),
    Layer.provideMerge(
      NodeHttpServer.layer(NodeServer.make(options.limits), {
        port: options.port,
        ...(options.host === undefined ? {} : { host: options.host }),
        ...(options.gracefulShutdownTimeout === undefined
          ? {}
          : { gracefulShutdownTimeout: options.gracefulShutdownTimeout })
      })
    )
  )
}
