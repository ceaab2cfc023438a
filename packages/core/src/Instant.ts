/**
 * Instants: points in time as canonical UTC ISO-8601 strings
 * (`2026-03-02T08:15:00.000Z`), the form `Date.prototype.toISOString` gives.
 * Canonical strings sort lexically in time order, read well in stored events,
 * and carry no time zone: local time (Europe/Helsinki) is computed where it
 * matters (deadlines, message texts).
 *
 * @since 0.1.0
 */
import { type Brand, Schema } from "effect"

/**
 * A canonical UTC instant.
 *
 * @since 0.1.0
 * @category models
 */
export type Instant = string & Brand.Brand<"Instant">

const canonical = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

/**
 * Whether a string is a canonical UTC instant.
 *
 * @since 0.1.0
 * @category guards
 */
export const isInstant = (s: string): s is Instant => {
  if (!canonical.test(s)) return false
  const ms = Date.parse(s)
  return Number.isFinite(ms) && new Date(ms).toISOString() === s
}

/**
 * The schema of a canonical UTC instant.
 *
 * @since 0.1.0
 * @category schemas
 */
export const InstantSchema = Schema.String.pipe(
  Schema.check(
    Schema.makeFilter((s: string) => isInstant(s) || "expected a UTC instant like 2026-03-02T08:15:00.000Z")
  ),
  Schema.brand("Instant")
)

/**
 * An instant from a `Date` or epoch milliseconds.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (date: Date | number): Instant => new Date(date).toISOString() as Instant

/**
 * Parses any ISO-8601 date-time with an offset into a canonical instant.
 * Returns `undefined` for anything else.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromIso = (s: string): Instant | undefined => {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(s)) return undefined
  const ms = Date.parse(s)
  return Number.isFinite(ms) ? make(ms) : undefined
}

/**
 * Epoch milliseconds of an instant.
 *
 * @since 0.1.0
 * @category getters
 */
export const toMillis = (i: Instant): number => Date.parse(i)

/**
 * The instant `ms` milliseconds after (or before, when negative) `i`.
 *
 * @since 0.1.0
 * @category math
 */
export const plusMillis = (i: Instant, ms: number): Instant => make(toMillis(i) + ms)

/**
 * Orders two instants.
 *
 * @since 0.1.0
 * @category ordering
 */
export const compare = (a: Instant, b: Instant): -1 | 0 | 1 => (a < b ? -1 : a > b ? 1 : 0)

/**
 * Whether `a` is strictly before `b`.
 *
 * @since 0.1.0
 * @category ordering
 */
export const isBefore = (a: Instant, b: Instant): boolean => a < b
