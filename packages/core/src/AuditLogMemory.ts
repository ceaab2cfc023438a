/**
 * Work in progress.
 *
 * @since 0.1.0
 */
export {}
