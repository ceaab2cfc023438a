/**
 * The rules of LocalTime that the mutation run of 2026-12-07 found unguarded,
 * checked against an independent oracle: the runtime's `Intl.DateTimeFormat`
 * with `timeZone` (not effect's `DateTime`, on which LocalTime is built).
 */
import { describe, expect, it } from "@effect/vitest"
import { FinnishCalendar, Instant, LocalTime } from "@lahete/core"
import * as fc from "fast-check"

const minute = 60_000
const hour = 60 * minute
const helsinki = "Europe/Helsinki"

const formatters = new Map<string, Intl.DateTimeFormat>()
/** The wall clock (minutes after local midnight) of an instant, as `Intl` reads the zone. */
const wallMinutes = (ms: number, zone: string): number => {
  let f = formatters.get(zone)
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", hour: "2-digit", minute: "2-digit" })
    formatters.set(zone, f)
  }
  const parts = f.formatToParts(new Date(ms))
  const value = (type: string) => Number(parts.find((p) => p.type === type)?.value)
  return value("hour") * 60 + value("minute")
}

const minutesOfClock = (clock: string): number => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5))

/** The window rule as documented: start inclusive, end exclusive, wrapping past midnight, empty when equal. */
const inWindow = (m: number, start: number, end: number): boolean =>
  start < end ? start <= m && m < end : start > end ? start <= m || m < end : false

/** The first instant at or after `now` outside the window, found minute by minute on the wall clock `Intl` shows. */
const firstOutside = (now: number, window: LocalTime.DailyWindow, zone: string): number => {
  const [s, e] = [minutesOfClock(window.start), minutesOfClock(window.end)]
  const inside = (t: number) => inWindow(wallMinutes(t, zone), s, e)
  if (!inside(now)) return now
  // offsets are whole minutes in these zones and years, so the wall clock only changes at whole UTC minutes
  let t = (Math.floor(now / minute) + 1) * minute
  for (let k = 0; k < 4 * 24 * 60 && inside(t); k++) t += minute
  return t
}

const arbClock = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
  .map(([h, m]) => `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`)

// zones whose offsets are whole minutes from 1950 on: Helsinki (no daylight saving before 1981), New York
// (daylight saving through the 1950s and 1960s), Kathmandu (+05:30, then +05:45), Lord Howe (a half-hour change)
const zones = ["Europe/Helsinki", "America/New_York", "Asia/Kathmandu", "Australia/Lord_Howe"]
const arbInstantMs = fc.oneof(
  // before 1970 too: negative epoch milliseconds
  fc.integer({ min: Date.UTC(1950, 0, 1), max: Date.UTC(2039, 11, 31) }),
  fc.integer({ min: Date.UTC(1950, 0, 1), max: Date.UTC(1969, 11, 31) }),
  // within a day and a half of a Helsinki change (the last Sunday of March and October, 01:00 UTC, since 1996)
  fc
    .tuple(
      fc.integer({ min: 1996, max: 2039 }),
      fc.constantFrom(3, 10),
      fc.integer({ min: -36 * hour, max: 36 * hour })
    )
    .map(([year, month, delta]) => {
      const last = FinnishCalendar.localDate(year, month + 1, 0)
      const sunday = FinnishCalendar.addDays(last, -(FinnishCalendar.dayOfWeek(last) % 7))
      return Date.parse(`${sunday}T01:00:00.000Z`) + delta
    })
)

describe("LocalTime rules", () => {
  describe("clock times", () => {
    it("accepts exactly HH:MM from 00:00 to 23:59, nothing before or after it", () => {
      for (const good of ["00:00", "09:05", "19:59", "20:00", "23:59"]) expect(LocalTime.isLocalClock(good)).toBe(true)
      for (const bad of ["109:00", "x09:00", " 09:00", "09:000", "09:00x", "09:00 ", "24:00", "23:60", "9:00", ""]) {
        expect(LocalTime.isLocalClock(bad)).toBe(false)
      }
    })

    it("refuses a malformed clock with a RangeError that says what was expected", () => {
      const date = FinnishCalendar.localDate(2026, 3, 2)
      expect(() => LocalTime.instantAt(date, "24:00", helsinki)).toThrow(
        new RangeError("expected a local clock time HH:MM")
      )
      expect(() => LocalTime.instantAt(date, "x09:00", helsinki)).toThrow(RangeError)
      const now = Instant.make(Date.UTC(2026, 2, 2, 7))
      expect(() => LocalTime.isWithinDailyWindow(now, { start: "21:00", end: "8:00" }, helsinki)).toThrow(
        "expected a local clock time HH:MM"
      )
    })

    it("knows IANA zones and refuses unknown ones", () => {
      expect(LocalTime.isTimeZone("Europe/Helsinki")).toBe(true)
      expect(LocalTime.isTimeZone("Europe/Espoo")).toBe(false)
    })
  })

  describe("daily windows, against the wall clock Intl shows", () => {
    it("ends quiet hours entered before 1970 at 08:00 the next morning", () => {
      // 1960-01-15 22:00 in Helsinki (+02:00, no daylight saving then)
      const at = Instant.make(Date.UTC(1960, 0, 15, 20))
      expect(LocalTime.nextWindowEnd(at, { start: "21:00", end: "08:00" }, helsinki)).toBe("1960-01-16T06:00:00.000Z")
      const afterMidnight = Instant.make(Date.UTC(1960, 0, 15, 23, 30))
      expect(LocalTime.nextWindowEnd(afterMidnight, { start: "21:00", end: "08:00" }, helsinki)).toBe(
        "1960-01-16T06:00:00.000Z"
      )
    })

    it("property: whether an instant is in a window is the window rule on the wall clock", () => {
      fc.assert(
        fc.property(fc.constantFrom(...zones), arbInstantMs, arbClock, arbClock, (zone, t, start, end) => {
          expect(LocalTime.isWithinDailyWindow(Instant.make(t), { start, end }, zone)).toBe(
            inWindow(wallMinutes(t, zone), minutesOfClock(start), minutesOfClock(end))
          )
        }),
        { numRuns: 2000 }
      )
    })

    it("property: a window ends at the first instant whose wall clock is outside it, also before 1970", () => {
      fc.assert(
        fc.property(
          fc.constantFrom(...zones),
          arbInstantMs,
          arbClock,
          arbClock,
          fc.integer({ min: 0, max: 59_999 }),
          (zone, t, start, end, within) => {
            const now = Math.floor(t / minute) * minute + within
            const window = { start, end }
            expect(Instant.toMillis(LocalTime.nextWindowEnd(Instant.make(now), window, zone))).toBe(
              firstOutside(now, window, zone)
            )
          }
        ),
        { numRuns: 300 }
      )
    })
  })
})
