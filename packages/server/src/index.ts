/**
 * @lahete/server: lahete's runnable referral service: the HTTP API
 * (`Server`, with its OpenAPI document and reference page), the worker and
 * the command line.
 *
 * @since 0.1.0
 */

/**
 * The HTTP API as data: every command and view as an endpoint.
 *
 * @since 0.1.0
 */
export * as Api from "./Api.js"
/**
 * The API's error responses and the mapping from the core's errors.
 *
 * @since 0.1.0
 */
export * as ApiError from "./ApiError.js"
/**
 * Authentication: JWT bearer access tokens verified with jose; the actor from the claims.
 *
 * @since 0.1.0
 */
export * as Auth from "./Auth.js"
/**
 * The command line: serve, worker, migrate, report, demo; and the layers
 * they run on.
 *
 * @since 0.1.0
 */
export * as Cli from "./Cli.js"
/**
 * The configuration: environment variables and a JSON file, validated.
 *
 * @since 0.1.0
 */
export * as Config from "./Config.js"
/**
 * The implementation of every endpoint over the core services.
 *
 * @since 0.1.0
 */
export * as Handlers from "./Handlers.js"
/**
 * Structured logs: JSON lines and the request log.
 *
 * @since 0.1.0
 */
export * as Logging from "./Logging.js"

/**
 * The client's measure form behind a measure link: server-rendered,
 * accessible, in fi/sv/se/en, with no script.
 *
 * @since 0.3.0
 */
export * as MeasureLinkPage from "./MeasureLinkPage.js"
/**
 * The request bodies of the command endpoints.
 *
 * @since 0.1.0
 */
export * as Requests from "./Requests.js"
/**
 * The response schemas: the command result and the views per role.
 *
 * @since 0.1.0
 */
export * as Responses from "./Responses.js"
/**
 * Serving the API: `Server.layer`, `Server.routes`, `Server.api`.
 *
 * @since 0.1.0
 */
export * as Server from "./Server.js"
/**
 * File and console sinks for text messages and email (local runs, demos).
 *
 * @since 0.1.0
 */
export * as Sinks from "./Sinks.js"
/**
 * The worker: deadlines and the outbox on an interval; one per SQLite database.
 *
 * @since 0.1.0
 */
export * as Worker from "./Worker.js"
