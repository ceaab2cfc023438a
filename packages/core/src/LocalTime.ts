/**
 * Local time in an IANA time zone (the programme's, `Europe/Helsinki`):
 * the local date and wall-clock time of an instant, the instant of a local
 * wall-clock time, local-day arithmetic, daily windows such as quiet hours,
 * and the human date-time stated in a text message.
 *
 * Built on effect's zoned `DateTime` (which reads the zone rules from the
 * runtime's `Intl` data), so daylight saving time follows the IANA database:
 * in Helsinki the clocks go from 03:00 to 04:00 on the last Sunday of March
 * (+02:00 → +03:00) and from 04:00 back to 03:00 on the last Sunday of
 * October (+03:00 → +02:00). A local day is therefore 23, 24 or 25 hours long.
 *
 * Wall-clock times that do not exist (the spring gap) are moved forward by the
 * length of the gap; wall-clock times that occur twice (the autumn overlap)
 * mean the earlier instant. This is the "compatible" rule of effect's
 * `DateTime` and of JavaScript's Temporal.
 *
 * A zone is an IANA zone id. An unknown id, or a malformed `HH:MM`, is a bug
 * of the caller (the programme schema validates both) and raises a defect;
 * use {@link isTimeZone} to validate configuration.
 *
 * @since 0.1.0
 */
import { DateTime, Option } from "effect"
import { addDays, dayOfWeek, type LocalDate, localDate, toParts } from "./FinnishCalendar.js"
import { type Instant, make as makeInstant, toMillis } from "./Instant.js"
import { englishMonthNames } from "./internal/months.js"
import type { Language } from "./Programme.js"

/**
 * A local wall-clock time `HH:MM` (24-hour clock, `00:00`–`23:59`).
 *
 * @since 0.1.0
 * @category models
 */
export type LocalClock = string

/**
 * A time window of the local day, `start` inclusive, `end` exclusive. When
 * `start` is after `end` the window wraps past midnight (quiet hours
 * `21:00`–`08:00`); when they are equal the window is empty.
 *
 * @since 0.1.0
 * @category models
 */
export interface DailyWindow {
  readonly start: LocalClock
  readonly end: LocalClock
}

/**
 * The programme zone of the Finnish model.
 *
 * @since 0.1.0
 * @category constants
 */
export const helsinki = "Europe/Helsinki"

const clockPattern = /^([01]\d|2[0-3]):([0-5]\d)$/

/**
 * Whether a string is a local clock time `HH:MM` (`00:00`–`23:59`).
 *
 * @since 0.1.0
 * @category guards
 */
export const isLocalClock = (s: string): s is LocalClock => clockPattern.test(s)

/**
 * Whether a string is an IANA time zone id the runtime knows
 * (`Europe/Helsinki`).
 *
 * @since 0.1.0
 * @category guards
 */
export const isTimeZone = (zone: string): boolean => Option.isSome(DateTime.zoneMakeNamed(zone))

// zone objects hold an Intl.DateTimeFormat: build each once
const zones = new Map<string, DateTime.TimeZone.Named>()

const zoneOf = (zone: string): DateTime.TimeZone.Named => {
  const cached = zones.get(zone)
  if (cached !== undefined) return cached
  const made = DateTime.zoneMakeNamedUnsafe(zone) // an unknown zone is a defect
  zones.set(zone, made)
  return made
}

const zoned = (instant: Instant, zone: string): DateTime.Zoned =>
  DateTime.makeZonedUnsafe(toMillis(instant), { timeZone: zoneOf(zone) })

const fromZoned = (dt: DateTime.DateTime): Instant => makeInstant(DateTime.toEpochMillis(dt))

/**
 * Instants of local wall-clock times so far, by zone, date and clock: a pure function of them, and each costs a
 * time zone lookup through `Intl` (the deadlines of every command ask for the same few again and again).
 */
const shifted = new Map<string, Instant>()
const maxRemembered = 10_000

const remembered = <A>(results: Map<string, A>, key: string, make: () => A): A => {
  const found = results.get(key)
  if (found !== undefined) return found
  const made = make()
  if (results.size >= maxRemembered) results.clear()
  results.set(key, made)
  return made
}

const minutesOf = (clock: LocalClock): number => {
  const m = clockPattern.exec(clock)
  // a malformed clock is a bug of the caller (programme schemas validate HH:MM)
  if (m === null) throw new RangeError("expected a local clock time HH:MM")
  return Number(m[1]) * 60 + Number(m[2])
}

const pad2 = (n: number): string => String(n).padStart(2, "0")

const clockOf = (hour: number, minute: number): LocalClock => `${pad2(hour)}:${pad2(minute)}`

/**
 * The local date, hour, minute and ISO day of the week (1 = Monday …
 * 7 = Sunday) of an instant in a zone.
 *
 * @since 0.1.0
 * @category models
 */
export interface LocalParts {
  readonly date: LocalDate
  readonly hour: number
  readonly minute: number
  readonly dayOfWeek: number
}

/**
 * The local date, hour, minute and day of the week of an instant.
 *
 * @since 0.1.0
 * @category getters
 */
export const localParts = (instant: Instant, zone: string): LocalParts => {
  const ms = toMillis(instant)
  const local = new Date(ms + offsetMillis(ms, zone))
  const weekDay = local.getUTCDay()
  return {
    date: localDate(local.getUTCFullYear(), local.getUTCMonth() + 1, local.getUTCDate()),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    dayOfWeek: weekDay === 0 ? 7 : weekDay
  }
}

/**
 * The zone's offset from UTC at an instant, in milliseconds. Reading it
 * through the zone's `Intl` formatter costs microseconds and a report asks
 * for thousands, so each quarter-hour of UTC time is read once: zone rules
 * change their offset at quarter-hour boundaries (every modern offset and
 * transition is a whole number of quarter-hours), and a quarter-hour whose
 * start and end disagree (a historical zone's odd offset) is not kept but
 * read exactly each time.
 */
const offsetMillis = (ms: number, zone: string): number => {
  const quarter = Math.floor(ms / quarterHour)
  let cache = offsets.get(zone)
  if (cache === undefined) {
    cache = new Map()
    offsets.set(zone, cache)
  }
  const cached = cache.get(quarter)
  if (cached !== undefined) return cached
  const start = zonedOffsetAt(quarter * quarterHour, zone)
  if (zonedOffsetAt((quarter + 1) * quarterHour - 1, zone) !== start) return zonedOffsetAt(ms, zone)
  if (cache.size >= maxOffsets) cache.clear()
  cache.set(quarter, start)
  return start
}

const zonedOffsetAt = (ms: number, zone: string): number =>
  DateTime.zonedOffset(DateTime.makeZonedUnsafe(ms, { timeZone: zoneOf(zone) }))

const quarterHour = 15 * 60_000
/** Offsets read so far per zone, by quarter-hour of UTC time (a pure function's results: 35,040 a year). */
const offsets = new Map<string, Map<number, number>>()
const maxOffsets = 200_000

/**
 * The local calendar date of an instant.
 *
 * @example
 * ```ts
 * import { Instant, LocalTime } from "@lahete/core"
 *
 * LocalTime.localDateOf(Instant.make(Date.parse("2026-03-01T22:30:00Z")), "Europe/Helsinki") // "2026-03-02"
 * ```
 *
 * @since 0.1.0
 * @category getters
 */
export const localDateOf = (instant: Instant, zone: string): LocalDate => localParts(instant, zone).date

/**
 * The local wall-clock time `HH:MM` of an instant (seconds dropped).
 *
 * @since 0.1.0
 * @category getters
 */
export const localClockOf = (instant: Instant, zone: string): LocalClock => {
  const p = localParts(instant, zone)
  return clockOf(p.hour, p.minute)
}

/**
 * The zone's UTC offset at an instant, `±HH:MM` (`+02:00` in Helsinki in
 * winter, `+03:00` in summer).
 *
 * @since 0.1.0
 * @category getters
 */
export const utcOffset = (instant: Instant, zone: string): string => DateTime.zonedOffsetIso(zoned(instant, zone))

const fromLocal = (
  date: LocalDate,
  minutes: number,
  zone: string,
  disambiguation: DateTime.Disambiguation
): DateTime.Zoned => {
  const d = toParts(date)
  return DateTime.makeZonedUnsafe(
    {
      year: d.year,
      month: d.month,
      day: d.day,
      hour: Math.floor(minutes / 60),
      minute: minutes % 60,
      second: 0,
      millisecond: 0
    },
    { timeZone: zoneOf(zone), adjustForTimeZone: true, disambiguation }
  )
}

/**
 * The instant at which the local wall clock shows `clock` on `date`.
 *
 * - A time that does not exist (the spring gap: 2026-03-29 03:30 in Helsinki)
 *   is moved forward by the length of the gap: the instant the clocks show
 *   04:30 (`2026-03-29T01:30:00.000Z`).
 * - A time that occurs twice (the autumn overlap: 2026-10-25 03:30) gives the
 *   earlier instant, still on summer time (`2026-10-25T00:30:00.000Z`).
 *
 * @example
 * ```ts
 * import { FinnishCalendar, LocalTime } from "@lahete/core"
 *
 * LocalTime.instantAt(FinnishCalendar.localDate(2026, 3, 2), "09:00", "Europe/Helsinki") // "2026-03-02T07:00:00.000Z"
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const instantAt = (date: LocalDate, clock: LocalClock, zone: string): Instant =>
  remembered(shifted, `${zone} ${date} ${clock}`, () =>
    fromZoned(fromLocal(date, minutesOf(clock), zone, "compatible"))
  )

/**
 * The first instant of a local day (local midnight, or the first instant
 * after a gap that swallows midnight in zones where that happens).
 *
 * @since 0.1.0
 * @category constructors
 */
export const startOfLocalDay = (date: LocalDate, zone: string): Instant => {
  // every deadline ends at a local midnight: the zone arithmetic is done once per zone and day
  const key = `${zone} ${date}`
  const cached = midnights.get(key)
  if (cached !== undefined) return cached
  const made = instantAt(date, "00:00", zone)
  if (midnights.size >= maxMidnights) midnights.clear()
  midnights.set(key, made)
  return made
}

/** Local midnights computed so far (a pure function's results; about 365 a year and zone). */
const midnights = new Map<string, Instant>()
const maxMidnights = 50_000

/**
 * The end of a local day: the first instant of the next local day
 * (exclusive). In Helsinki the day of the spring change is 23 hours long and
 * the day of the autumn change 25 hours.
 *
 * @since 0.1.0
 * @category constructors
 */
export const endOfLocalDay = (date: LocalDate, zone: string): Instant => startOfLocalDay(addDays(date, 1), zone)

/**
 * The instant `n` local days later (earlier when negative) at the same local
 * wall-clock time, so across a daylight-saving change one local day is 23 or
 * 25 hours. A wall-clock time that falls in a gap or overlap on the target
 * day follows the rule of {@link instantAt}. `n = 0` returns the instant.
 *
 * @since 0.1.0
 * @category math
 */
export const addLocalDays = (instant: Instant, n: number, zone: string): Instant =>
  onWallClock(instant, zone, (local) => local + n * day) ?? fromZoned(DateTime.add(zoned(instant, zone), { days: n }))

/**
 * The instant `n` local months later (earlier when negative) at the same local
 * day of month and wall-clock time; a day past the end of the target month is
 * clamped to its last day (31 January + 1 month = 28 or 29 February). Gaps
 * and overlaps follow the rule of {@link instantAt}.
 *
 * @since 0.1.0
 * @category math
 */
export const addLocalMonths = (instant: Instant, n: number, zone: string): Instant =>
  onWallClock(instant, zone, (local) => {
    const d = new Date(local)
    const year = d.getUTCFullYear()
    const month = d.getUTCMonth() + n
    const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate()
    return Date.UTC(year, month, Math.min(d.getUTCDate(), lastDay)) + (((local % day) + day) % day)
  }) ?? fromZoned(DateTime.add(zoned(instant, zone), { months: n }))

const day = 86_400_000

/**
 * Wall-clock arithmetic by the zone's offsets kept per quarter-hour: `move`
 * takes the local wall-clock time (as milliseconds of a UTC calendar) to
 * another, and the result is its instant. `undefined` (the caller then works
 * through the zone's rules) when the offset is not the same for a day either
 * side of the instant and of the result, so gaps and overlaps, and their
 * rules, are never handled here.
 */
const onWallClock = (instant: Instant, zone: string, move: (local: number) => number): Instant | undefined => {
  const ms = toMillis(instant)
  const offset = offsetMillis(ms, zone)
  if (offsetMillis(ms - day, zone) !== offset || offsetMillis(ms + day, zone) !== offset) return undefined
  const target = move(ms + offset) - offset
  const at = offsetMillis(target, zone)
  if (offsetMillis(target - day, zone) !== at || offsetMillis(target + day, zone) !== at) return undefined
  return makeInstant(target + offset - at)
}

const isWithinMinutes = (m: number, start: number, end: number): boolean =>
  start < end ? m >= start && m < end : start > end ? m >= start || m < end : false

/**
 * Whether the local wall-clock time of an instant lies in a daily window:
 * `start` inclusive, `end` exclusive, wrapping past midnight when `start` is
 * after `end` (quiet hours `21:00`–`08:00` contain 21:00 and 07:59 but not
 * 08:00), empty when `start` equals `end`. The test is on the wall clock, so
 * a window keeps its local hours across a daylight-saving change.
 *
 * @since 0.1.0
 * @category windows
 */
export const isWithinDailyWindow = (instant: Instant, window: DailyWindow, zone: string): boolean => {
  const p = localParts(instant, zone)
  return isWithinMinutes(p.hour * 60 + p.minute, minutesOf(window.start), minutesOf(window.end))
}

/**
 * When the instant lies in the window, the instant the window ends (the first
 * instant after it that is outside the window: quiet hours `21:00`–`08:00`
 * entered at 22:15 end at 08:00 the next morning); otherwise the instant
 * itself. Use it to postpone a text message out of quiet hours.
 *
 * The window follows the wall clock, so daylight-saving changes are taken as
 * they come: quiet hours over the spring night last 9 hours, over the autumn
 * night 11. An end that falls in the spring gap ends the window when the
 * clocks jump past it; in the autumn overlap the window ends at the first
 * occurrence of its end (the repeated hour may lie in the window again, and
 * then it ends at the second occurrence too); a jump back to a time before
 * `start` also ends it.
 *
 * @since 0.1.0
 * @category windows
 */
export const nextWindowEnd = (instant: Instant, window: DailyWindow, zone: string): Instant => {
  if (!isWithinDailyWindow(instant, window, zone)) return instant
  const now = toMillis(instant)
  const end = minutesOf(window.end)
  const today = localParts(instant, zone).date
  // Every instant after `now` at which the wall clock shows `end`, on the
  // nearby local days (both occurrences in an overlap, none in a gap).
  const ends = new Set<number>()
  for (let k = -1; k <= 3; k++) {
    const date = addDays(today, k)
    for (const disambiguation of ["earlier", "later"] as const) {
      const at = DateTime.toEpochMillis(fromLocal(date, end, zone, disambiguation))
      const shown = localParts(makeInstant(at), zone)
      if (at > now && shown.date === date && shown.hour * 60 + shown.minute === end) ends.add(at)
    }
  }
  // Between two consecutive candidates the wall clock runs without a jump and
  // does not pass `end`, so it stays in the window: the window ends at the
  // first candidate or offset change that is outside it.
  const outside = (ms: number): boolean => !isWithinDailyWindow(makeInstant(ms), window, zone)
  let previous = now
  for (const at of [...ends].sort((a, b) => a - b)) {
    const offset = utcOffset(makeInstant(previous), zone)
    if (utcOffset(makeInstant(at), zone) !== offset) {
      // find the first instant with the new offset: the clocks jump there
      let before = previous
      let after = at
      while (after - before > 1) {
        const mid = Math.floor((before + after) / 2)
        if (utcOffset(makeInstant(mid), zone) === offset) before = mid
        else after = mid
      }
      if (outside(after)) return makeInstant(after)
    }
    if (outside(at)) return makeInstant(at)
    previous = at
  }
  return instant // unreachable with real zone data: the end of a non-empty window recurs daily
}

const weekdays: Record<Language, ReadonlyArray<string>> = {
  fi: ["maanantai", "tiistai", "keskiviikko", "torstai", "perjantai", "lauantai", "sunnuntai"],
  sv: ["måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"],
  se: ["vuossárga", "maŋŋebárga", "gaskavahkku", "duorastat", "bearjadat", "lávvardat", "sotnabeaivi"],
  en: ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
}

/**
 * A local date as people write it, with the weekday:
 * `maanantai 2.3.2026` (fi), `måndag 2.3.2026` (sv), `vuossárga 2.3.2026`
 * (se, Northern Sámi), `Monday 2 March 2026` (en). The names come from a
 * table here, not from `Intl` locale data.
 *
 * @since 0.1.0
 * @category formatting
 */
export const formatDate = (date: LocalDate, language: Language): string => {
  const { year, month, day } = toParts(date)
  const weekday = weekdays[language][dayOfWeek(date) - 1] ?? ""
  return language === "en"
    ? `${weekday} ${day} ${englishMonthNames[month - 1] ?? ""} ${year}`
    : `${weekday} ${day}.${month}.${year}`
}

/**
 * The local date and time of an instant as stated to a client, e.g. in the
 * text message that announces the call:
 *
 * - fi: `maanantai 2.3.2026 klo 9.00`
 * - sv: `måndag 2.3.2026 kl. 9.00`
 * - se: `vuossárga 2.3.2026 dii. 9.00`
 * - en: `Monday 2 March 2026 at 9:00`
 *
 * @example
 * ```ts
 * import { Instant, LocalTime } from "@lahete/core"
 *
 * LocalTime.format(Instant.make(Date.parse("2026-03-02T07:00:00Z")), "Europe/Helsinki", "fi")
 * // "maanantai 2.3.2026 klo 9.00"
 * ```
 *
 * @since 0.1.0
 * @category formatting
 */
export const format = (instant: Instant, zone: string, language: Language): string => {
  const p = localParts(instant, zone)
  const date = formatDate(p.date, language)
  const mm = pad2(p.minute)
  switch (language) {
    case "fi":
      return `${date} klo ${p.hour}.${mm}`
    case "sv":
      return `${date} kl. ${p.hour}.${mm}`
    case "se":
      return `${date} dii. ${p.hour}.${mm}`
    case "en":
      return `${date} at ${p.hour}:${mm}`
  }
}
