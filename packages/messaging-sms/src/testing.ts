/**
 * @lahete/messaging-sms/testing: a local server of GatewayAPI's documented
 * contract, for integration tests of systems that send through the
 * GatewayAPI adapter (this package's own tests use it).
 *
 * @since 0.1.0
 */

/**
 * A local HTTP server implementing GatewayAPI's `POST /rest/mtsms`, with
 * failure modes.
 *
 * @since 0.1.0
 */
export * as FakeGatewayApi from "./FakeGatewayApi.js"
