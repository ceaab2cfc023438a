/**
 * @lahete/messaging-sms: the `SmsSender` port of `@lahete/core` over
 * GatewayAPI's REST API, and a parser for its delivery-status webhook.
 *
 * @since 0.1.0
 */

/**
 * The GatewayAPI sender: `make`, `layer`, `layerConfig`, `parseDeliveryReport`.
 *
 * @since 0.1.0
 */
export * as GatewayApiSender from "./GatewayApiSender.js"
