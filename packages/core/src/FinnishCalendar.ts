/**
 * The Finnish business-day calendar of the Act on computing statutory time
 * limits (laki säädettyjen määräaikain laskemisesta, 150/1930), on local
 * calendar dates (`YYYY-MM-DD`, no time of day, no time zone).
 *
 * Under the Act the starting day of a period is not counted, and a period
 * whose last day is a Saturday, a Sunday, a church holiday, Independence Day,
 * May Day, Christmas Eve or Midsummer Eve ends on the next weekday that is
 * none of these (§5). The non-business days besides weekends are therefore
 * (`facts.md` §6): 1 Jan, 6 Jan, Good Friday, Easter Sunday, Easter Monday,
 * 1 May, Ascension Day, Pentecost, Midsummer Eve, Midsummer Day, All Saints'
 * Day, 6 Dec, 24 Dec, 25 Dec and 26 Dec. Easter is computed (the anonymous
 * Gregorian algorithm), not tabulated, so every year works.
 *
 * The rules are today's: they are applied to every year, including years
 * before 1992, when Epiphany and Ascension Day were for a time moved to
 * Saturdays, and before 1955, when Midsummer fell on fixed dates. Dates are
 * Gregorian, years 1583–9999.
 *
 * Turning instants into local dates (Europe/Helsinki) is `LocalTime`'s job.
 *
 * @since 0.1.0
 */
import { type Brand, Schema } from "effect"
import { daysInMonth } from "./internal/months.js"

/**
 * A calendar date `YYYY-MM-DD` (Gregorian, years 1583–9999), with no time of
 * day and no time zone. Canonical strings sort lexically in date order.
 *
 * @since 0.1.0
 * @category models
 */
export type LocalDate = string & Brand.Brand<"LocalDate">

const pattern = /^(\d{4})-(\d{2})-(\d{2})$/
const dayMillis = 86_400_000

const pad2 = (n: number): string => String(n).padStart(2, "0")

/**
 * Whether a string is a valid calendar date `YYYY-MM-DD` (years 1583–9999).
 *
 * @since 0.1.0
 * @category guards
 */
export const isLocalDate = (s: string): s is LocalDate => {
  const m = pattern.exec(s)
  if (m === null) return false
  const year = Number(m[1])
  const month = Number(m[2])
  const day = Number(m[3])
  return year >= 1583 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month)
}

/**
 * The schema of a calendar date `YYYY-MM-DD`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const LocalDateSchema = Schema.String.pipe(
  Schema.check(Schema.makeFilter((s: string) => isLocalDate(s) || "expected a calendar date like 2026-03-02")),
  Schema.brand("LocalDate")
)

// Epoch days: days since 1970-01-01. All date arithmetic goes through them.
const fromEpochDay = (epochDay: number): LocalDate => {
  const d = new Date(epochDay * dayMillis)
  return `${String(d.getUTCFullYear()).padStart(4, "0")}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}` as LocalDate
}

const epochDayOf = (year: number, month: number, day: number): number => {
  const d = new Date(0)
  // setUTCFullYear (unlike Date.UTC) does not map years 0–99 to 1900–1999
  d.setUTCFullYear(year, month - 1, day)
  return Math.floor(d.getTime() / dayMillis)
}

const toEpochDay = (date: LocalDate): number => {
  const p = toParts(date)
  return epochDayOf(p.year, p.month, p.day)
}

/**
 * A date from its year, month (1–12) and day of month. Out-of-range months
 * and days roll over as with `Date.UTC` (`localDate(2026, 2, 29)` is
 * `2026-03-01`, `localDate(2026, 1, 0)` is `2025-12-31`), so integer parts
 * always give a date.
 *
 * @example
 * ```ts
 * import { FinnishCalendar } from "@lahete/core"
 *
 * FinnishCalendar.localDate(2026, 3, 2) // "2026-03-02"
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const localDate = (year: number, month: number, day: number): LocalDate =>
  fromEpochDay(epochDayOf(year, month, day))

/**
 * The year, month (1–12) and day of month of a date.
 *
 * @since 0.1.0
 * @category getters
 */
export const toParts = (date: LocalDate): { readonly year: number; readonly month: number; readonly day: number } => ({
  year: Number(date.slice(0, 4)),
  month: Number(date.slice(5, 7)),
  day: Number(date.slice(8, 10))
})

/**
 * The date `n` calendar days after `date` (before it when `n` is negative).
 *
 * @since 0.1.0
 * @category math
 */
export const addDays = (date: LocalDate, n: number): LocalDate => fromEpochDay(toEpochDay(date) + Math.trunc(n))

/**
 * The number of calendar days from `from` to `to` (negative when `to` is
 * earlier): `addDays(from, daysBetween(from, to)) === to`.
 *
 * @since 0.1.0
 * @category math
 */
export const daysBetween = (from: LocalDate, to: LocalDate): number => toEpochDay(to) - toEpochDay(from)

const isoDayOfWeek = (epochDay: number): number => ((((epochDay + 3) % 7) + 7) % 7) + 1

/**
 * The ISO day of the week: 1 = Monday … 7 = Sunday.
 *
 * @since 0.1.0
 * @category getters
 */
export const dayOfWeek = (date: LocalDate): number => isoDayOfWeek(toEpochDay(date))

/**
 * Orders two dates.
 *
 * @since 0.1.0
 * @category ordering
 */
export const compare = (a: LocalDate, b: LocalDate): -1 | 0 | 1 => (a < b ? -1 : a > b ? 1 : 0)

/**
 * Easter Sunday of a Gregorian year (1583–9999), computed with the anonymous
 * Gregorian algorithm (Meeus/Jones/Butcher). It always falls between
 * 22 March and 25 April.
 *
 * @example
 * ```ts
 * import { FinnishCalendar } from "@lahete/core"
 *
 * FinnishCalendar.easterSunday(2026) // "2026-04-05"
 * ```
 *
 * @since 0.1.0
 * @category holidays
 */
export const easterSunday = (year: number): LocalDate => {
  const a = year % 19
  const b = Math.floor(year / 100)
  const c = year % 100
  const d = Math.floor(b / 4)
  const e = b % 4
  const f = Math.floor((b + 8) / 25)
  const g = Math.floor((b - f + 1) / 3)
  const h = (19 * a + b - d - g + 15) % 30
  const i = Math.floor(c / 4)
  const k = c % 4
  const l = (32 + 2 * e + 2 * i - h - k) % 7
  const m = Math.floor((a + 11 * h + 22 * l) / 451)
  const n = h + l - 7 * m + 114
  return localDate(year, Math.floor(n / 31), (n % 31) + 1)
}

/**
 * What makes a holiday a non-business day under Act 150/1930: a church
 * holiday (kirkollinen juhlapyhä), a public holiday that is not a church
 * holiday (Independence Day, May Day), or an eve (Midsummer Eve, Christmas
 * Eve).
 *
 * @since 0.1.0
 * @category models
 */
export type HolidayKind = "church-holiday" | "public-holiday" | "eve"

/**
 * A day that is not a business day although it may be a weekday.
 *
 * @since 0.1.0
 * @category models
 */
export interface Holiday {
  readonly date: LocalDate
  /** The English name. */
  readonly name: string
  /** The Finnish name. */
  readonly nameFi: string
  /** The Swedish name. */
  readonly nameSv: string
  readonly kind: HolidayKind
}

// The first `weekday` (ISO) on or after `date`.
const onOrAfter = (date: LocalDate, weekday: number): LocalDate => addDays(date, (weekday - dayOfWeek(date) + 7) % 7)

const computeHolidays = (year: number): ReadonlyArray<Holiday> => {
  const easter = easterSunday(year)
  const midsummerEve = onOrAfter(localDate(year, 6, 19), 5)
  const list: Array<Holiday> = [
    {
      date: localDate(year, 1, 1),
      name: "New Year's Day",
      nameFi: "uudenvuodenpäivä",
      nameSv: "nyårsdagen",
      kind: "church-holiday"
    },
    {
      date: localDate(year, 1, 6),
      name: "Epiphany",
      nameFi: "loppiainen",
      nameSv: "trettondagen",
      kind: "church-holiday"
    },
    {
      date: addDays(easter, -2),
      name: "Good Friday",
      nameFi: "pitkäperjantai",
      nameSv: "långfredagen",
      kind: "church-holiday"
    },
    { date: easter, name: "Easter Sunday", nameFi: "pääsiäispäivä", nameSv: "påskdagen", kind: "church-holiday" },
    {
      date: addDays(easter, 1),
      name: "Easter Monday",
      nameFi: "2. pääsiäispäivä",
      nameSv: "annandag påsk",
      kind: "church-holiday"
    },
    {
      date: localDate(year, 5, 1),
      name: "May Day",
      nameFi: "vapunpäivä",
      nameSv: "första maj",
      kind: "public-holiday"
    },
    {
      date: addDays(easter, 39),
      name: "Ascension Day",
      nameFi: "helatorstai",
      nameSv: "Kristi himmelsfärdsdag",
      kind: "church-holiday"
    },
    {
      date: addDays(easter, 49),
      name: "Pentecost",
      nameFi: "helluntaipäivä",
      nameSv: "pingstdagen",
      kind: "church-holiday"
    },
    { date: midsummerEve, name: "Midsummer Eve", nameFi: "juhannusaatto", nameSv: "midsommaraftonen", kind: "eve" },
    {
      date: addDays(midsummerEve, 1),
      name: "Midsummer Day",
      nameFi: "juhannuspäivä",
      nameSv: "midsommardagen",
      kind: "church-holiday"
    },
    {
      date: onOrAfter(localDate(year, 10, 31), 6),
      name: "All Saints' Day",
      nameFi: "pyhäinpäivä",
      nameSv: "alla helgons dag",
      kind: "church-holiday"
    },
    {
      date: localDate(year, 12, 6),
      name: "Independence Day",
      nameFi: "itsenäisyyspäivä",
      nameSv: "självständighetsdagen",
      kind: "public-holiday"
    },
    { date: localDate(year, 12, 24), name: "Christmas Eve", nameFi: "jouluaatto", nameSv: "julafton", kind: "eve" },
    {
      date: localDate(year, 12, 25),
      name: "Christmas Day",
      nameFi: "joulupäivä",
      nameSv: "juldagen",
      kind: "church-holiday"
    },
    {
      date: localDate(year, 12, 26),
      name: "St Stephen's Day",
      nameFi: "tapaninpäivä",
      nameSv: "annandag jul",
      kind: "church-holiday"
    }
  ]
  // stable: Ascension Day stays after May Day when both fall on 1 May (e.g. 2008)
  return list.sort((x, y) => compare(x.date, y.date))
}

interface YearEntry {
  readonly list: ReadonlyArray<Holiday>
  readonly dates: ReadonlySet<string>
  /** Distinct holiday dates that fall on a weekday, as epoch days. */
  readonly weekdayEpochDays: ReadonlyArray<number>
}

// A memo of computed years; at most one entry per year 1583–9999.
const cache = new Map<number, YearEntry>()

const yearEntry = (year: number): YearEntry => {
  const cached = cache.get(year)
  if (cached !== undefined) return cached
  const list = computeHolidays(year)
  const dates = new Set(list.map((h) => h.date as string))
  const weekdayEpochDays = [...dates].map((d) => toEpochDay(d as LocalDate)).filter((e) => isoDayOfWeek(e) <= 5)
  const entry: YearEntry = { list, dates, weekdayEpochDays }
  cache.set(year, entry)
  return entry
}

/**
 * The holidays of a year that are non-business days under Act 150/1930
 * besides Saturdays and Sundays, in date order: 15 entries. Two may share a
 * date (Ascension Day falls on May Day when Easter is on 23 March, as in
 * 2008); some fall on a weekend anyway (Easter Sunday, Pentecost, Midsummer
 * Day, All Saints' Day always do).
 *
 * @example
 * ```ts
 * import { FinnishCalendar } from "@lahete/core"
 *
 * FinnishCalendar.holidays(2026).find((h) => h.name === "Midsummer Eve")?.date // "2026-06-19"
 * ```
 *
 * @since 0.1.0
 * @category holidays
 */
export const holidays = (year: number): ReadonlyArray<Holiday> => yearEntry(year).list

/**
 * The holidays on a date (usually none or one; two when Ascension Day is
 * May Day).
 *
 * @since 0.1.0
 * @category holidays
 */
export const holidaysOn = (date: LocalDate): ReadonlyArray<Holiday> =>
  yearEntry(toParts(date).year).list.filter((h) => h.date === date)

/**
 * Whether a date is a Saturday or a Sunday.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isWeekend = (date: LocalDate): boolean => dayOfWeek(date) >= 6

/**
 * Whether a date is one of the {@link holidays}.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isHoliday = (date: LocalDate): boolean => yearEntry(toParts(date).year).dates.has(date)

/**
 * Whether a date is a business day (arkipäivä under Act 150/1930): Monday to
 * Friday and not one of the {@link holidays}.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isBusinessDay = (date: LocalDate): boolean => !isWeekend(date) && !isHoliday(date)

/**
 * The date itself when it is a business day, else the next business day:
 * the Act's rule for a period whose last day is not a business day.
 *
 * @example
 * ```ts
 * import { FinnishCalendar } from "@lahete/core"
 *
 * // Good Friday 2026: Easter Monday follows, so Tuesday
 * FinnishCalendar.nextBusinessDay(FinnishCalendar.localDate(2026, 4, 3)) // "2026-04-07"
 * ```
 *
 * @since 0.1.0
 * @category business days
 */
export const nextBusinessDay = (date: LocalDate): LocalDate => {
  let d = date
  while (!isBusinessDay(d)) d = addDays(d, 1)
  return d
}

/**
 * The last business day strictly before `date`.
 *
 * @since 0.1.0
 * @category business days
 */
export const previousBusinessDay = (date: LocalDate): LocalDate => {
  let d = addDays(date, -1)
  while (!isBusinessDay(d)) d = addDays(d, -1)
  return d
}

// Weekdays among epoch days (-∞, e], up to a constant (the anchor 1970-01-05 is a Monday).
const weekdaysUpTo = (epochDay: number): number => {
  const t = epochDay - 4 + 1
  return 5 * Math.floor(t / 7) + Math.min(((t % 7) + 7) % 7, 5)
}

// The weekday w with weekdaysUpTo(w) === count: the inverse of weekdaysUpTo on weekdays.
const weekdayNumbered = (count: number): number => {
  const weeks = Math.floor((count - 1) / 5)
  return 7 * weeks + (count - 5 * weeks) + 3
}

const yearOfEpochDay = (epochDay: number): number => new Date(epochDay * dayMillis).getUTCFullYear()

// Holidays that fall on a weekday in the epoch-day interval (a, b], a <= b.
const weekdayHolidaysIn = (a: number, b: number): number => {
  let count = 0
  const lastYear = yearOfEpochDay(b)
  for (let year = yearOfEpochDay(a + 1); year <= lastYear; year++) {
    for (const e of yearEntry(year).weekdayEpochDays) if (e > a && e <= b) count++
  }
  return count
}

// The n-th (n >= 1) business day after epoch day `start`. Jumps to the n-th
// weekday after it (whole weeks at once); each weekday holiday jumped over
// leaves one business day still to go, taken the same way from there.
const nthBusinessDayAfter = (start: number, n: number): number => {
  let from = start
  let to = weekdayNumbered(weekdaysUpTo(from) + n)
  let missed = weekdayHolidaysIn(from, to)
  while (missed > 0) {
    from = to
    to = weekdayNumbered(weekdaysUpTo(from) + missed)
    missed = weekdayHolidaysIn(from, to)
  }
  return to
}

// The n-th (n >= 1) business day before epoch day `start`: the mirror image.
// `to` is the earliest day such that [to, until) holds the weekdays wanted.
const nthBusinessDayBefore = (start: number, n: number): number => {
  let until = start
  let to = weekdayNumbered(weekdaysUpTo(until - 1) - n + 1)
  let missed = weekdayHolidaysIn(to - 1, until - 1)
  while (missed > 0) {
    until = to
    to = weekdayNumbered(weekdaysUpTo(until - 1) - missed + 1)
    missed = weekdayHolidaysIn(to - 1, until - 1)
  }
  return to
}

/**
 * The `n`-th business day after `date`; the starting day is not counted.
 *
 * - `n >= 1`: the `n`-th business day after `date` (`addBusinessDays(friday, 1)`
 *   is the next Monday when that is a business day).
 * - `n = 0`: {@link nextBusinessDay} (the date itself when it is a business day).
 * - `n < 0`: the `|n|`-th business day before `date`.
 *
 * `n` is an integer (a fraction is truncated; a non-finite `n` counts as 0).
 * The result is non-decreasing in `n`, and
 * `businessDaysBetween(date, addBusinessDays(date, n)) === n` for `n >= 1`.
 * It is computed in whole weeks and the holidays within them, not day by
 * day, so large `n` cost little more than small.
 *
 * @since 0.1.0
 * @category business days
 */
export const addBusinessDays = (date: LocalDate, n: number): LocalDate => {
  const steps = Number.isFinite(n) ? Math.trunc(n) : 0
  if (steps === 0) return nextBusinessDay(date)
  const start = toEpochDay(date)
  return fromEpochDay(steps > 0 ? nthBusinessDayAfter(start, steps) : nthBusinessDayBefore(start, -steps))
}

// Business days in the epoch-day interval (a, b], a <= b.
const businessDaysIn = (a: number, b: number): number =>
  a === b ? 0 : weekdaysUpTo(b) - weekdaysUpTo(a) - weekdayHolidaysIn(a, b)

/**
 * The number of business days in `(from, to]`: `from` is not counted, `to`
 * is. Negative when `to` is before `from` (minus the business days in
 * `(to, from]`), 0 when they are equal. For `n >= 1`,
 * `businessDaysBetween(d, addBusinessDays(d, n)) === n`.
 *
 * @since 0.1.0
 * @category business days
 */
export const businessDaysBetween = (from: LocalDate, to: LocalDate): number => {
  const a = toEpochDay(from)
  const b = toEpochDay(to)
  // `0 - n`, not `-n`: no business day between a later `from` and `to` is 0, never -0
  return a <= b ? businessDaysIn(a, b) : 0 - businessDaysIn(b, a)
}

/**
 * How the days of a period are counted.
 *
 * @since 0.1.0
 * @category models
 */
export type DayKind = "business" | "calendar"

/**
 * The last day of a period of `days` days (an integer ≥ 0) from `start`
 * (Act 150/1930: the starting day is not counted). The period runs to the
 * end of that day.
 *
 * - `dayKind: "business"`: the `days`-th business day after `start`
 *   ({@link addBusinessDays}); with `days: 0`, {@link nextBusinessDay} of `start`.
 * - `dayKind: "calendar"`: the date `days` calendar days after `start`; when
 *   that is not a business day, the next business day (§5 of the Act).
 *
 * Either way the result is a business day and never before the unmoved last
 * day (`addDays(start, days)`).
 *
 * @example
 * ```ts
 * import { FinnishCalendar } from "@lahete/core"
 *
 * const thursday = FinnishCalendar.localDate(2026, 4, 2) // before Easter 2026
 * FinnishCalendar.deadline(thursday, { days: 3, dayKind: "calendar" }) // "2026-04-07" (Sunday → after Easter Monday)
 * FinnishCalendar.deadline(thursday, { days: 3, dayKind: "business" }) // "2026-04-09"
 * ```
 *
 * @since 0.1.0
 * @category business days
 */
export const deadline = (start: LocalDate, period: { readonly days: number; readonly dayKind: DayKind }): LocalDate =>
  period.dayKind === "business" ? addBusinessDays(start, period.days) : nextBusinessDay(addDays(start, period.days))
