import { describe, expect, it } from "@effect/vitest"
import { FinnishCalendar, Instant, LocalTime } from "@lahete/core"
import { DateTime } from "effect"
import * as fc from "fast-check"

const zone = "Europe/Helsinki"
const hour = 3_600_000

const i = (s: string): Instant.Instant => {
  const parsed = Instant.fromIso(s)
  if (parsed === undefined) throw new Error(`bad test instant ${s}`)
  return parsed
}
const d = (s: string): FinnishCalendar.LocalDate => {
  if (!FinnishCalendar.isLocalDate(s)) throw new Error(`bad test date ${s}`)
  return s
}
const ms = Instant.toMillis

// The EU rule, worked out independently of the zone data: clocks change at
// 01:00 UTC on the last Sunday of March and of October.
const lastSunday = (year: number, month: number): FinnishCalendar.LocalDate => {
  const last = FinnishCalendar.localDate(year, month + 1, 0)
  return FinnishCalendar.addDays(last, -(FinnishCalendar.dayOfWeek(last) % 7))
}
const transition = (year: number, month: 3 | 10): number => Date.parse(`${lastSunday(year, month)}T01:00:00.000Z`)

const arbInstant = fc.oneof(
  // anywhere 2000–2040
  fc
    .integer({ min: Date.parse("2000-01-01T00:00:00Z"), max: Date.parse("2040-01-01T00:00:00Z") })
    .map((n) => Instant.make(n)),
  // within three hours of a daylight-saving change
  fc
    .tuple(
      fc.integer({ min: 2000, max: 2039 }),
      fc.constantFrom<3 | 10>(3, 10),
      fc.integer({ min: -3 * hour, max: 3 * hour })
    )
    .map(([year, month, offset]) => Instant.make(transition(year, month) + offset))
)

const arbClock = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
  .map(([h, m]) => `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`)

const quiet: LocalTime.DailyWindow = { start: "21:00", end: "08:00" }

describe("LocalTime", () => {
  describe("offsets across the daylight-saving changes in Helsinki", () => {
    const changes: ReadonlyArray<[string, string, string]> = [
      // the instant of the change, offset before, offset after
      ["2025-03-30T01:00:00.000Z", "+02:00", "+03:00"],
      ["2025-10-26T01:00:00.000Z", "+03:00", "+02:00"],
      ["2026-03-29T01:00:00.000Z", "+02:00", "+03:00"],
      ["2026-10-25T01:00:00.000Z", "+03:00", "+02:00"]
    ]
    it.each(changes)("changes at %s from %s to %s", (at, before, after) => {
      const change = i(at)
      expect(LocalTime.utcOffset(Instant.plusMillis(change, -1), zone)).toBe(before)
      expect(LocalTime.utcOffset(change, zone)).toBe(after)
      expect(LocalTime.utcOffset(Instant.plusMillis(change, -12 * hour), zone)).toBe(before)
      expect(LocalTime.utcOffset(Instant.plusMillis(change, 12 * hour), zone)).toBe(after)
    })

    it("shows the wall clock jumping forward in spring and back in autumn", () => {
      expect(LocalTime.localClockOf(i("2026-03-29T00:59:00Z"), zone)).toBe("02:59")
      expect(LocalTime.localClockOf(i("2026-03-29T01:00:00Z"), zone)).toBe("04:00")
      expect(LocalTime.localClockOf(i("2026-10-25T00:59:00Z"), zone)).toBe("03:59")
      expect(LocalTime.localClockOf(i("2026-10-25T01:00:00Z"), zone)).toBe("03:00")
      expect(LocalTime.localClockOf(i("2025-03-30T01:00:00Z"), zone)).toBe("04:00")
      expect(LocalTime.localClockOf(i("2025-10-26T01:00:00Z"), zone)).toBe("03:00")
    })

    it("gives the local date, which may differ from the UTC date", () => {
      expect(LocalTime.localDateOf(i("2026-03-01T22:30:00Z"), zone)).toBe("2026-03-02")
      expect(LocalTime.localDateOf(i("2026-03-01T21:59:59.999Z"), zone)).toBe("2026-03-01")
      expect(LocalTime.localDateOf(i("2026-06-30T21:00:00Z"), zone)).toBe("2026-07-01")
      expect(LocalTime.localParts(i("2026-03-02T07:05:00Z"), zone)).toEqual({
        date: "2026-03-02",
        hour: 9,
        minute: 5,
        dayOfWeek: 1
      })
      expect(LocalTime.localParts(i("2026-03-01T22:30:00Z"), zone).dayOfWeek).toBe(1)
      expect(LocalTime.localParts(i("2026-03-01T21:30:00Z"), zone).dayOfWeek).toBe(7)
    })

    it("property: the offset is +03:00 exactly between the EU change instants, else +02:00", () => {
      fc.assert(
        fc.property(arbInstant, (instant) => {
          const year = new Date(ms(instant)).getUTCFullYear()
          const summer = ms(instant) >= transition(year, 3) && ms(instant) < transition(year, 10)
          expect(LocalTime.utcOffset(instant, zone)).toBe(summer ? "+03:00" : "+02:00")
        }),
        { numRuns: 1000 }
      )
    })
  })

  describe("localParts reads each quarter-hour's offset once", () => {
    // what localParts computed before it kept offsets: effect's zoned DateTime, instant by instant
    const exactly = (instant: Instant.Instant, z: string) => {
      const p = DateTime.toParts(DateTime.makeZonedUnsafe(ms(instant), { timeZone: z }))
      return {
        date: FinnishCalendar.localDate(p.year, p.month, p.day),
        hour: p.hour,
        minute: p.minute,
        dayOfWeek: p.weekDay === 0 ? 7 : p.weekDay
      }
    }

    it("property: in Helsinki, the EU rule's local time, also in the minutes around each change", () => {
      fc.assert(
        fc.property(arbInstant, (instant) => {
          const year = new Date(ms(instant)).getUTCFullYear()
          const summer = ms(instant) >= transition(year, 3) && ms(instant) < transition(year, 10)
          const local = new Date(ms(instant) + (summer ? 3 : 2) * hour)
          expect(LocalTime.localParts(instant, zone)).toEqual({
            date: FinnishCalendar.localDate(local.getUTCFullYear(), local.getUTCMonth() + 1, local.getUTCDate()),
            hour: local.getUTCHours(),
            minute: local.getUTCMinutes(),
            dayOfWeek: local.getUTCDay() === 0 ? 7 : local.getUTCDay()
          })
        }),
        { numRuns: 2000 }
      )
    })

    const zones = [
      "Asia/Kathmandu", // +05:30, then +05:45
      "Pacific/Chatham", // +12:45 / +13:45
      "Australia/Lord_Howe", // +10:30 / +11:00: a half-hour change
      "America/St_Johns", // -03:30 / -02:30, changed at 00:01 local until 2011
      "Europe/Amsterdam", // +00:19:32 until 1937
      "Africa/Monrovia", // -00:44:30 until 1972
      zone
    ]
    const offsetAt = (t: number, z: string) => DateTime.zonedOffset(DateTime.makeZonedUnsafe(t, { timeZone: z }))
    // instants in a year where the zone's offset changes, found week by week and then to the millisecond
    const changes = new Map<string, ReadonlyArray<number>>()
    const changesIn = (z: string, year: number): ReadonlyArray<number> => {
      const key = `${z} ${year}`
      const known = changes.get(key)
      if (known !== undefined) return known
      const found: Array<number> = []
      const week = 7 * 24 * hour
      for (let t = Date.UTC(year, 0, 1); t < Date.UTC(year + 1, 0, 1); t += week) {
        if (offsetAt(t, z) === offsetAt(t + week, z)) continue
        let [lo, hi] = [t, t + week] // offset(lo) differs from offset(hi)
        while (hi - lo > 1) {
          const mid = Math.floor((lo + hi) / 2)
          if (offsetAt(mid, z) === offsetAt(lo, z)) lo = mid
          else hi = mid
        }
        found.push(hi)
      }
      changes.set(key, found)
      return found
    }
    // a zone and an instant near one of a year's changes when it has any, else anywhere in that year
    const arbNearChange = fc
      .tuple(
        fc.constantFrom(...zones),
        fc.integer({ min: 1890, max: 2039 }),
        fc.nat(),
        fc.integer({ min: -40 * 60_000, max: 40 * 60_000 })
      )
      .map(([z, year, pick, delta]) => {
        const near = changesIn(z, year)
        const base =
          near.length > 0 ? (near[pick % near.length] as number) : Date.UTC(year, 0, 1) + (pick % 365) * 24 * hour
        return { zone: z, at: base + delta }
      })

    it("property: the same parts as the zone's rules read instant by instant, in zones with quarter-hour offsets, half-hour changes and historical odd offsets", () => {
      fc.assert(
        fc.property(arbNearChange, fc.integer({ min: 1, max: 9 }), ({ zone: z, at }, step) => {
          // a few instants in a row, so one quarter-hour is both read and then served from what was kept
          for (let k = 0; k < 4; k++) {
            const instant = Instant.make(at + k * step * 60_000)
            expect(LocalTime.localParts(instant, z)).toEqual(exactly(instant, z))
          }
        }),
        { numRuns: 500 }
      )
    })

    it("property: local days and months added by the kept offsets land where the zone's rules put them", () => {
      fc.assert(
        fc.property(
          arbNearChange,
          fc.integer({ min: -40, max: 40 }),
          fc.integer({ min: -14, max: 14 }),
          fc.boolean(),
          ({ zone: z, at }, days, months, landNearChange) => {
            // from near a change, or (moving back by the step) to near one
            const instant = Instant.make(landNearChange ? at - days * 24 * hour : at)
            const exact = (n: { days: number } | { months: number }) =>
              Instant.make(
                DateTime.toEpochMillis(DateTime.add(DateTime.makeZonedUnsafe(ms(instant), { timeZone: z }), n))
              )
            expect(LocalTime.addLocalDays(instant, days, z)).toBe(exact({ days }))
            expect(LocalTime.addLocalMonths(instant, months, z)).toBe(exact({ months }))
          }
        ),
        { numRuns: 1000 }
      )
    })
  })

  describe("instantAt", () => {
    it("finds the instant of a wall-clock time in winter and in summer", () => {
      expect(LocalTime.instantAt(d("2026-03-02"), "09:00", zone)).toBe("2026-03-02T07:00:00.000Z")
      expect(LocalTime.instantAt(d("2026-07-01"), "09:00", zone)).toBe("2026-07-01T06:00:00.000Z")
      expect(LocalTime.instantAt(d("2026-03-02"), "00:00", zone)).toBe("2026-03-01T22:00:00.000Z")
      expect(LocalTime.instantAt(d("2026-03-02"), "23:59", zone)).toBe("2026-03-02T21:59:00.000Z")
      expect(LocalTime.instantAt(d("2026-03-02"), "09:00", "UTC")).toBe("2026-03-02T09:00:00.000Z")
    })

    it("moves a time in the spring gap forward by the gap", () => {
      expect(LocalTime.instantAt(d("2026-03-29"), "02:59", zone)).toBe("2026-03-29T00:59:00.000Z")
      expect(LocalTime.instantAt(d("2026-03-29"), "03:00", zone)).toBe("2026-03-29T01:00:00.000Z")
      expect(LocalTime.instantAt(d("2026-03-29"), "03:30", zone)).toBe("2026-03-29T01:30:00.000Z")
      expect(LocalTime.instantAt(d("2026-03-29"), "04:00", zone)).toBe("2026-03-29T01:00:00.000Z")
      expect(LocalTime.instantAt(d("2025-03-30"), "03:30", zone)).toBe("2025-03-30T01:30:00.000Z")
      expect(LocalTime.localClockOf(LocalTime.instantAt(d("2026-03-29"), "03:30", zone), zone)).toBe("04:30")
      // the same rule in another zone: New York skips 02:00–03:00
      expect(LocalTime.instantAt(d("2025-03-09"), "02:30", "America/New_York")).toBe("2025-03-09T07:30:00.000Z")
      expect(LocalTime.instantAt(d("2025-11-02"), "01:30", "America/New_York")).toBe("2025-11-02T05:30:00.000Z")
    })

    it("takes the earlier instant of a time in the autumn overlap", () => {
      expect(LocalTime.instantAt(d("2026-10-25"), "02:59", zone)).toBe("2026-10-24T23:59:00.000Z")
      expect(LocalTime.instantAt(d("2026-10-25"), "03:00", zone)).toBe("2026-10-25T00:00:00.000Z")
      expect(LocalTime.instantAt(d("2026-10-25"), "03:30", zone)).toBe("2026-10-25T00:30:00.000Z")
      expect(LocalTime.instantAt(d("2026-10-25"), "03:59", zone)).toBe("2026-10-25T00:59:00.000Z")
      expect(LocalTime.instantAt(d("2026-10-25"), "04:00", zone)).toBe("2026-10-25T02:00:00.000Z")
      expect(LocalTime.instantAt(d("2025-10-26"), "03:30", zone)).toBe("2025-10-26T00:30:00.000Z")
      // the later 03:30 exists too, an hour after
      expect(LocalTime.localClockOf(i("2026-10-25T01:30:00Z"), zone)).toBe("03:30")
    })

    it("property: round trip through the local date and clock, the earlier instant in the overlap", () => {
      fc.assert(
        fc.property(arbInstant, (instant) => {
          const truncated = Instant.make(Math.floor(ms(instant) / 60_000) * 60_000)
          const date = LocalTime.localDateOf(instant, zone)
          const clock = LocalTime.localClockOf(instant, zone)
          // the same wall-clock minute an hour before: the second hour of an overlap
          const hourBefore = Instant.plusMillis(truncated, -hour)
          const repeated =
            LocalTime.localDateOf(hourBefore, zone) === date && LocalTime.localClockOf(hourBefore, zone) === clock
          expect(LocalTime.instantAt(date, clock, zone)).toBe(repeated ? hourBefore : truncated)
        }),
        { numRuns: 2000 }
      )
    })

    it("property: the result shows the asked wall clock, or an hour later in the spring gap", () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 2000, max: 2039 }),
          fc.constantFrom(3, 10, 1, 7),
          fc.integer({ min: 24, max: 31 }),
          arbClock,
          (year, month, day, clock) => {
            const date = FinnishCalendar.localDate(year, month, day)
            const at = LocalTime.instantAt(date, clock, zone)
            const shown = LocalTime.localParts(at, zone)
            expect(shown.date).toBe(date)
            const asked = Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3))
            const inGap = date === lastSunday(year, 3) && asked >= 180 && asked < 240
            expect(shown.hour * 60 + shown.minute).toBe(inGap ? asked + 60 : asked)
          }
        ),
        { numRuns: 1000 }
      )
    })
  })

  describe("local days and months", () => {
    it("has local days of 23, 24 and 25 hours", () => {
      const length = (date: string) =>
        ms(LocalTime.endOfLocalDay(d(date), zone)) - ms(LocalTime.startOfLocalDay(d(date), zone))
      expect(LocalTime.startOfLocalDay(d("2026-03-29"), zone)).toBe("2026-03-28T22:00:00.000Z")
      expect(LocalTime.endOfLocalDay(d("2026-03-29"), zone)).toBe("2026-03-29T21:00:00.000Z")
      expect(length("2026-03-29")).toBe(23 * hour)
      expect(length("2026-10-25")).toBe(25 * hour)
      expect(length("2025-03-30")).toBe(23 * hour)
      expect(length("2025-10-26")).toBe(25 * hour)
      expect(length("2026-03-02")).toBe(24 * hour)
    })

    it("keeps the wall-clock time across a change, so one local day is not 24 hours", () => {
      const saturday = i("2026-03-28T08:00:00Z") // 10:00 +02:00
      const sunday = LocalTime.addLocalDays(saturday, 1, zone)
      expect(sunday).toBe("2026-03-29T07:00:00.000Z") // 10:00 +03:00
      expect(ms(sunday) - ms(saturday)).toBe(23 * hour)
      const autumn = i("2026-10-24T07:00:00Z") // 10:00 +03:00
      expect(LocalTime.addLocalDays(autumn, 1, zone)).toBe("2026-10-25T08:00:00.000Z") // 10:00 +02:00
      expect(LocalTime.addLocalDays(i("2026-03-30T07:00:00Z"), -1, zone)).toBe("2026-03-29T07:00:00.000Z")
      expect(LocalTime.addLocalDays(i("2026-03-02T07:00:00Z"), 7, zone)).toBe("2026-03-09T07:00:00.000Z")
      expect(LocalTime.addLocalDays(i("2026-03-02T07:00:00Z"), 0, zone)).toBe("2026-03-02T07:00:00.000Z")
      // a whole week across the spring change: 7 × 24 − 1 hours
      expect(ms(LocalTime.addLocalDays(i("2026-03-25T07:00:00Z"), 7, zone)) - ms(i("2026-03-25T07:00:00Z"))).toBe(
        (7 * 24 - 1) * hour
      )
    })

    it("follows the gap and overlap rule when the wall-clock time lands in one", () => {
      // 03:30 the day before the spring change → 04:30 on the day of the change
      expect(LocalTime.addLocalDays(i("2026-03-28T01:30:00Z"), 1, zone)).toBe("2026-03-29T01:30:00.000Z")
      // 03:30 the day before the autumn change → the earlier 03:30
      expect(LocalTime.addLocalDays(i("2026-10-24T00:30:00Z"), 1, zone)).toBe("2026-10-25T00:30:00.000Z")
    })

    it("adds months, clamping to the end of a shorter month", () => {
      const jan31 = LocalTime.instantAt(d("2026-01-31"), "12:00", zone)
      expect(LocalTime.addLocalMonths(jan31, 1, zone)).toBe(LocalTime.instantAt(d("2026-02-28"), "12:00", zone))
      const leap = LocalTime.instantAt(d("2024-01-31"), "12:00", zone)
      expect(LocalTime.addLocalMonths(leap, 1, zone)).toBe(LocalTime.instantAt(d("2024-02-29"), "12:00", zone))
      const mar31 = LocalTime.instantAt(d("2026-03-31"), "12:00", zone)
      expect(LocalTime.addLocalMonths(mar31, -1, zone)).toBe(LocalTime.instantAt(d("2026-02-28"), "12:00", zone))
      expect(LocalTime.addLocalMonths(mar31, 1, zone)).toBe(LocalTime.instantAt(d("2026-04-30"), "12:00", zone))
      // across the spring change the wall clock stays at 09:00
      expect(LocalTime.addLocalMonths(i("2026-03-15T07:00:00Z"), 1, zone)).toBe("2026-04-15T06:00:00.000Z")
      expect(LocalTime.addLocalMonths(i("2026-03-15T07:00:00Z"), 12, zone)).toBe("2027-03-15T07:00:00.000Z")
      // six months after the end of August: the last day of February
      const aug31 = LocalTime.instantAt(d("2026-08-31"), "15:45", zone)
      expect(LocalTime.addLocalMonths(aug31, 6, zone)).toBe(LocalTime.instantAt(d("2027-02-28"), "15:45", zone))
    })

    it("property: addLocalDays moves the local date by n and keeps the wall clock outside the gap", () => {
      fc.assert(
        fc.property(arbInstant, fc.integer({ min: -400, max: 400 }), (instant, n) => {
          const moved = LocalTime.addLocalDays(instant, n, zone)
          const date = FinnishCalendar.addDays(LocalTime.localDateOf(instant, zone), n)
          expect(LocalTime.localDateOf(moved, zone)).toBe(date)
          const clock = LocalTime.localClockOf(instant, zone)
          // n = 0 is the instant itself, even in the second hour of an overlap
          expect(moved).toBe(
            n === 0 ? instant : Instant.make(ms(LocalTime.instantAt(date, clock, zone)) + (ms(instant) % 60_000))
          )
          // the offset change is all that separates n local days from n × 24 hours
          const shift = LocalTime.utcOffset(instant, zone) === LocalTime.utcOffset(moved, zone)
          if (shift && n !== 0 && LocalTime.localClockOf(moved, zone) === clock) {
            expect(ms(moved) - ms(instant)).toBe(n * 24 * hour)
          }
        }),
        { numRuns: 1000 }
      )
    })
  })

  describe("daily windows", () => {
    it("contains the start, not the end, and wraps past midnight", () => {
      const at = (date: string, clock: string) => LocalTime.instantAt(d(date), clock, zone)
      expect(LocalTime.isWithinDailyWindow(at("2026-03-02", "20:59"), quiet, zone)).toBe(false)
      expect(LocalTime.isWithinDailyWindow(at("2026-03-02", "21:00"), quiet, zone)).toBe(true)
      expect(LocalTime.isWithinDailyWindow(at("2026-03-02", "23:59"), quiet, zone)).toBe(true)
      expect(LocalTime.isWithinDailyWindow(at("2026-03-03", "00:00"), quiet, zone)).toBe(true)
      expect(LocalTime.isWithinDailyWindow(at("2026-03-03", "07:59"), quiet, zone)).toBe(true)
      expect(LocalTime.isWithinDailyWindow(at("2026-03-03", "08:00"), quiet, zone)).toBe(false)
      expect(LocalTime.isWithinDailyWindow(Instant.plusMillis(at("2026-03-03", "08:00"), -1), quiet, zone)).toBe(true)
      const calling = { start: "09:00", end: "16:00" }
      expect(LocalTime.isWithinDailyWindow(at("2026-03-02", "08:59"), calling, zone)).toBe(false)
      expect(LocalTime.isWithinDailyWindow(at("2026-03-02", "09:00"), calling, zone)).toBe(true)
      expect(LocalTime.isWithinDailyWindow(at("2026-03-02", "15:59"), calling, zone)).toBe(true)
      expect(LocalTime.isWithinDailyWindow(at("2026-03-02", "16:00"), calling, zone)).toBe(false)
      expect(LocalTime.isWithinDailyWindow(at("2026-03-02", "21:30"), calling, zone)).toBe(false)
      const empty = { start: "09:00", end: "09:00" }
      expect(LocalTime.isWithinDailyWindow(at("2026-03-02", "09:00"), empty, zone)).toBe(false)
    })

    it("ends quiet hours at 08:00 the next morning, or the same morning after midnight", () => {
      expect(LocalTime.nextWindowEnd(i("2026-03-02T20:15:00Z"), quiet, zone)).toBe("2026-03-03T06:00:00.000Z")
      expect(LocalTime.nextWindowEnd(i("2026-03-03T04:00:00Z"), quiet, zone)).toBe("2026-03-03T06:00:00.000Z")
      // outside the window: the instant itself
      expect(LocalTime.nextWindowEnd(i("2026-03-03T08:00:00Z"), quiet, zone)).toBe("2026-03-03T08:00:00.000Z")
      expect(LocalTime.nextWindowEnd(i("2026-03-03T06:00:00Z"), quiet, zone)).toBe("2026-03-03T06:00:00.000Z")
      const calling = { start: "09:00", end: "16:00" }
      expect(LocalTime.nextWindowEnd(i("2026-03-02T07:00:00Z"), calling, zone)).toBe("2026-03-02T14:00:00.000Z")
    })

    it("keeps quiet hours on the wall clock over a daylight-saving night", () => {
      // spring: 22:00 +02:00 to 08:00 +03:00 is 9 hours
      const spring = i("2026-03-28T20:00:00Z")
      const springEnd = LocalTime.nextWindowEnd(spring, quiet, zone)
      expect(springEnd).toBe("2026-03-29T05:00:00.000Z")
      expect(ms(springEnd) - ms(spring)).toBe(9 * hour)
      expect(LocalTime.isWithinDailyWindow(i("2026-03-29T04:59:59.999Z"), quiet, zone)).toBe(true)
      expect(LocalTime.isWithinDailyWindow(i("2026-03-29T05:00:00Z"), quiet, zone)).toBe(false)
      // autumn: 22:00 +03:00 to 08:00 +02:00 is 11 hours
      const autumn = i("2026-10-24T19:00:00Z")
      const autumnEnd = LocalTime.nextWindowEnd(autumn, quiet, zone)
      expect(autumnEnd).toBe("2026-10-25T06:00:00.000Z")
      expect(ms(autumnEnd) - ms(autumn)).toBe(11 * hour)
      // the repeated hour 03:00–04:00 is inside quiet hours both times
      expect(LocalTime.isWithinDailyWindow(i("2026-10-25T00:30:00Z"), quiet, zone)).toBe(true)
      expect(LocalTime.isWithinDailyWindow(i("2026-10-25T01:30:00Z"), quiet, zone)).toBe(true)
    })

    it("ends a window whose end lies in the spring gap when the clocks jump past it", () => {
      const window = { start: "21:00", end: "03:30" }
      const end = LocalTime.nextWindowEnd(i("2026-03-28T21:00:00Z"), window, zone)
      expect(end).toBe("2026-03-29T01:00:00.000Z") // 02:59:59.999 +02:00 → 04:00 +03:00
      expect(LocalTime.isWithinDailyWindow(Instant.plusMillis(end, -1), window, zone)).toBe(true)
      expect(LocalTime.isWithinDailyWindow(end, window, zone)).toBe(false)
    })

    it("ends a window whose end lies in the autumn overlap at its first, or second, occurrence", () => {
      const window = { start: "21:00", end: "03:30" }
      expect(LocalTime.nextWindowEnd(i("2026-10-24T20:00:00Z"), window, zone)).toBe("2026-10-25T00:30:00.000Z")
      // 03:10 +02:00 (the repeated hour) is inside again; it ends at the second 03:30
      expect(LocalTime.isWithinDailyWindow(i("2026-10-25T01:10:00Z"), window, zone)).toBe(true)
      expect(LocalTime.nextWindowEnd(i("2026-10-25T01:10:00Z"), window, zone)).toBe("2026-10-25T01:30:00.000Z")
    })

    it("lets a window run into the next day when the spring gap swallows its only outside minute", () => {
      const window = { start: "03:09", end: "03:08" }
      // 01:07 on the day of the change: 03:08 never shows that day
      expect(LocalTime.nextWindowEnd(i("2026-03-28T23:07:00Z"), window, zone)).toBe("2026-03-30T00:08:00.000Z")
    })

    it("ends a window at a jump back to before its start", () => {
      const window = { start: "03:30", end: "04:00" }
      // 03:59 +03:00 on the autumn night: the clocks go back to 03:00, outside
      expect(LocalTime.nextWindowEnd(i("2026-10-25T00:59:00Z"), window, zone)).toBe("2026-10-25T01:00:00.000Z")
      // and the repeated 03:30–04:00 is a window again, ending at 04:00 +02:00
      expect(LocalTime.nextWindowEnd(i("2026-10-25T01:45:00Z"), window, zone)).toBe("2026-10-25T02:00:00.000Z")
    })

    it("property: a window ends at the first instant outside it", () => {
      fc.assert(
        fc.property(
          arbInstant,
          arbClock,
          arbClock,
          fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
          (at, start, end, f) => {
            const window = { start, end }
            const result = LocalTime.nextWindowEnd(at, window, zone)
            expect(LocalTime.isWithinDailyWindow(result, window, zone)).toBe(false)
            if (!LocalTime.isWithinDailyWindow(at, window, zone)) {
              expect(result).toBe(at)
            } else {
              expect(ms(result)).toBeGreaterThan(ms(at))
              // at most a day, or two when a spring gap swallows the end (window 03:09–03:08)
              expect(ms(result) - ms(at)).toBeLessThanOrEqual(49 * hour)
              expect(LocalTime.isWithinDailyWindow(Instant.plusMillis(result, -1), window, zone)).toBe(true)
              // sampled: every instant between is inside
              const between = Instant.make(ms(at) + Math.floor(f * (ms(result) - ms(at))))
              expect(LocalTime.isWithinDailyWindow(between, window, zone)).toBe(true)
            }
          }
        ),
        { numRuns: 500 }
      )
    })
  })

  describe("format", () => {
    const monday = i("2026-03-02T07:00:00Z")

    it("states a date and time in Finnish, Swedish, Northern Sámi and English", () => {
      expect(LocalTime.format(monday, zone, "fi")).toBe("maanantai 2.3.2026 klo 9.00")
      expect(LocalTime.format(monday, zone, "sv")).toBe("måndag 2.3.2026 kl. 9.00")
      expect(LocalTime.format(monday, zone, "se")).toBe("vuossárga 2.3.2026 dii. 9.00")
      expect(LocalTime.format(monday, zone, "en")).toBe("Monday 2 March 2026 at 9:00")
    })

    it("uses summer time and the local date", () => {
      const summer = i("2026-07-01T10:05:00Z") // 13:05 +03:00, a Wednesday
      expect(LocalTime.format(summer, zone, "fi")).toBe("keskiviikko 1.7.2026 klo 13.05")
      expect(LocalTime.format(summer, zone, "sv")).toBe("onsdag 1.7.2026 kl. 13.05")
      expect(LocalTime.format(summer, zone, "se")).toBe("gaskavahkku 1.7.2026 dii. 13.05")
      expect(LocalTime.format(summer, zone, "en")).toBe("Wednesday 1 July 2026 at 13:05")
      // 22:30 UTC on a Saturday is already Sunday 00:30 in Helsinki
      const late = i("2026-12-12T22:30:00Z")
      expect(LocalTime.format(late, zone, "fi")).toBe("sunnuntai 13.12.2026 klo 0.30")
      expect(LocalTime.format(late, zone, "se")).toBe("sotnabeaivi 13.12.2026 dii. 0.30")
      expect(LocalTime.format(late, zone, "en")).toBe("Sunday 13 December 2026 at 0:30")
    })

    it("names every weekday in Northern Sámi", () => {
      const names = [2, 3, 4, 5, 6, 7, 8].map(
        (day) => LocalTime.formatDate(FinnishCalendar.localDate(2026, 3, day), "se").split(" ")[0]
      )
      expect(names).toEqual([
        "vuossárga",
        "maŋŋebárga",
        "gaskavahkku",
        "duorastat",
        "bearjadat",
        "lávvardat",
        "sotnabeaivi"
      ])
    })

    it("property: weekday, month and time agree with Intl for fi, sv and en", () => {
      const intl = (locale: string, options: Intl.DateTimeFormatOptions) =>
        new Intl.DateTimeFormat(locale, { ...options, timeZone: zone })
      const weekday = { fi: intl("fi", { weekday: "long" }), sv: intl("sv", { weekday: "long" }) }
      const en = intl("en-GB", { weekday: "long", day: "numeric", month: "long", year: "numeric" })
      const numeric = intl("en-GB", { day: "numeric", month: "numeric", year: "numeric" })
      const time = intl("en-GB", { hour: "numeric", minute: "2-digit", hourCycle: "h23" })
      fc.assert(
        fc.property(arbInstant, (instant) => {
          const date = new Date(ms(instant))
          const [dd, mm, yyyy] = numeric.format(date).split("/").map(Number)
          const [hh, min] = time.format(date).split(":")
          const hm = `${Number(hh)}.${min}`
          expect(LocalTime.format(instant, zone, "fi")).toBe(`${weekday.fi.format(date)} ${dd}.${mm}.${yyyy} klo ${hm}`)
          expect(LocalTime.format(instant, zone, "sv")).toBe(`${weekday.sv.format(date)} ${dd}.${mm}.${yyyy} kl. ${hm}`)
          expect(LocalTime.format(instant, zone, "en")).toBe(
            `${en.format(date).replace(",", "")} at ${Number(hh)}:${min}`
          )
        }),
        { numRuns: 1000 }
      )
    })
  })

  describe("configuration", () => {
    it("recognises IANA zones and clock times", () => {
      expect(LocalTime.isTimeZone("Europe/Helsinki")).toBe(true)
      expect(LocalTime.isTimeZone("Europe/Mariehamn")).toBe(true)
      expect(LocalTime.isTimeZone("Europe/Turku")).toBe(false)
      expect(LocalTime.isLocalClock("08:00")).toBe(true)
      expect(LocalTime.isLocalClock("23:59")).toBe(true)
      expect(LocalTime.isLocalClock("24:00")).toBe(false)
      expect(LocalTime.isLocalClock("8:00")).toBe(false)
      expect(LocalTime.helsinki).toBe("Europe/Helsinki")
    })
  })
})
