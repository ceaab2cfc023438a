/**
 * @lahete/testing: the test kit for lahete and for integrators' own adapters.
 *
 * @since 0.1.0
 */

/**
 * fast-check arbitraries for Finnish identity data.
 *
 * @since 0.1.0
 */
export * as IdentityArbitraries from "./IdentityArbitraries.js"
