/**
 * Instants: points in time as canonical UTC ISO-8601 strings
 * (`2026-03-02T08:15:00.000Z`), the form `Date.prototype.toISOString` gives.
 * Canonical strings sort lexically in time order, read well in stored events,
 * and carry no time zone: local time (Europe/Helsinki) is computed where it
 * matters (deadlines, message texts).
 *
 * Input is more liberal than output: `InstantSchema` (and so every command,
 * request and message that carries a time) accepts any RFC 3339 date-time
 * with `Z` or an offset (`2026-03-02T07:00:00Z`, `2026-03-02T09:00:00+02:00`,
 * what `java.time.Instant#toString` and many FHIR servers send) and
 * normalises it to the canonical form.
 *
 * @since 0.1.0
 */
import { type Brand, Schema, SchemaTransformation } from "effect"
import { daysInMonth } from "./internal/months.js"

/**
 * A canonical UTC instant.
 *
 * @since 0.1.0
 * @category models
 */
export type Instant = string & Brand.Brand<"Instant">

const canonical = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

/** Two ASCII digits at `i` as a number (the caller has matched them). */
const digits2 = (s: string, i: number): number => (s.charCodeAt(i) - 48) * 10 + (s.charCodeAt(i + 1) - 48)

/** Whether the date and time fields of `YYYY-MM-DDTHH:mm:ss…` (already matched) name a real date and time. */
const validFields = (s: string): boolean => {
  const year = digits2(s, 0) * 100 + digits2(s, 2)
  const month = digits2(s, 5)
  const day = digits2(s, 8)
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    digits2(s, 11) <= 23 &&
    digits2(s, 14) <= 59 &&
    // a leap second (:60) has no epoch millisecond of its own: refused rather than moved
    (s.length < 19 || s.charCodeAt(16) !== 58 || digits2(s, 17) <= 59)
  )
}

/**
 * Whether a string is a canonical UTC instant.
 *
 * @since 0.1.0
 * @category guards
 */
export const isInstant = (s: string): s is Instant => canonical.test(s) && validFields(s)

const rfc3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/

/** The parts of a valid date-time with `Z` or an offset; `seconds` says whether the seconds may be left out. */
const match = (s: string, seconds: "required" | "optional"): RegExpExecArray | undefined => {
  const m = rfc3339.exec(s)
  if (m === null || !validFields(s) || (m[6] === undefined && seconds === "required")) return undefined
  // the offset: at most 23:59 either way
  return m[8] === undefined && (Number(m[10]) > 23 || Number(m[11]) > 59) ? undefined : m
}

/** A date-time with `Z` or an offset as epoch milliseconds. */
const parseMillis = (s: string, seconds: "required" | "optional"): number | undefined => {
  const m = match(s, seconds)
  if (m === undefined) return undefined
  const [, y, mo, d, h, mi, sec, fraction, z, sign, oh, om] = m
  const year = Number(y)
  // sub-millisecond digits are truncated, as java.time.Instant#toEpochMilli does
  const millis = fraction === undefined ? 0 : Number(fraction.slice(0, 3).padEnd(3, "0"))
  let local = Date.UTC(
    year,
    Number(mo) - 1,
    Number(d),
    Number(h),
    Number(mi),
    sec === undefined ? 0 : Number(sec),
    millis
  )
  if (year < 100) {
    // Date.UTC reads the years 0–99 as 1900–1999
    const date = new Date(local)
    date.setUTCFullYear(year)
    local = date.getTime()
  }
  const offset = z === undefined ? (sign === "-" ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000 : 0
  const ms = local - offset
  return Number.isFinite(ms) ? ms : undefined
}

/**
 * Parses an RFC 3339 date-time (`2026-03-02T07:00:00Z`,
 * `2026-03-02T09:00:00+02:00`, `2026-03-02T07:00:00.123456Z`: seconds
 * required, any fraction of seconds, `Z` or an offset) into the canonical
 * instant: the same point in time, in UTC with milliseconds. Digits below a
 * millisecond are truncated. Returns `undefined` for anything else, including
 * impossible dates (`2026-02-30`) and leap seconds.
 *
 * @example
 * ```ts
 * import { Instant } from "@lahete/core"
 *
 * Instant.parse("2026-03-02T09:00:00+02:00") // "2026-03-02T07:00:00.000Z"
 * Instant.parse("2026-03-02T07:00:00Z") // "2026-03-02T07:00:00.000Z"
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const parse = (s: string): Instant | undefined => {
  if (isInstant(s)) return s
  const ms = parseMillis(s, "required")
  return ms === undefined ? undefined : make(ms)
}

const canonicalSchema = Schema.String.pipe(
  Schema.check(
    Schema.makeFilter((s: string) => isInstant(s) || "expected a UTC instant like 2026-03-02T08:15:00.000Z")
  ),
  Schema.brand("Instant")
)

/**
 * The schema of an instant. It decodes any RFC 3339 date-time with `Z` or an
 * offset (see `parse`) into the canonical UTC instant, and encodes the
 * canonical form (`2026-03-02T07:00:00.000Z`): what is stored and emitted is
 * always canonical. Its JSON Schema (and OpenAPI) form is a string with
 * `format: date-time`.
 *
 * @example
 * ```ts
 * import { Instant } from "@lahete/core"
 * import { Schema } from "effect"
 *
 * Schema.decodeUnknownSync(Instant.InstantSchema)("2026-03-02T09:00:00+02:00") // "2026-03-02T07:00:00.000Z"
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const InstantSchema = Schema.String.pipe(
  Schema.check(
    Schema.makeFilter(
      (s: string) =>
        isInstant(s) ||
        match(s, "required") !== undefined ||
        "expected an RFC 3339 date-time like 2026-03-02T07:00:00Z or 2026-03-02T09:00:00+02:00",
      {
        description:
          "an RFC 3339 date-time with Z or an offset (2026-03-02T07:00:00Z, 2026-03-02T09:00:00+02:00); lahete writes UTC with milliseconds (2026-03-02T07:00:00.000Z)",
        toJsonSchema: () => ({ format: "date-time" })
      }
    )
  ),
  Schema.decodeTo(
    canonicalSchema,
    SchemaTransformation.transform({ decode: (s: string) => parse(s) ?? s, encode: (s: string) => s })
  )
)

/**
 * An instant from a `Date` or epoch milliseconds.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (date: Date | number): Instant => new Date(date).toISOString() as Instant

/**
 * Parses an ISO-8601 date-time with `Z` or an offset into a canonical
 * instant, like `parse` but the seconds may be left out
 * (`2026-03-02T09:00+02:00`). Returns `undefined` for anything else.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromIso = (s: string): Instant | undefined => {
  const ms = parseMillis(s, "optional")
  return ms === undefined ? undefined : make(ms)
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
