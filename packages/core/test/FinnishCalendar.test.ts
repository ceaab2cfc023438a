import { describe, expect, it } from "@effect/vitest"
import { FinnishCalendar } from "@lahete/core"
import { Result, Schema } from "effect"
import * as fc from "fast-check"

const d = (s: string): FinnishCalendar.LocalDate => {
  if (!FinnishCalendar.isLocalDate(s)) throw new Error(`bad test date ${s}`)
  return s
}

// Published Finnish calendars (almanakka), 2024–2030: the movable days.
// Good Friday = Easter − 2, Easter Monday = Easter + 1, Ascension = Easter + 39,
// Pentecost = Easter + 49, worked out by hand from the published Easter dates.
const published: ReadonlyArray<{
  year: number
  goodFriday: string
  easter: string
  easterMonday: string
  ascension: string
  pentecost: string
  midsummerEve: string
  midsummerDay: string
  allSaints: string
}> = [
  {
    year: 2024,
    goodFriday: "2024-03-29",
    easter: "2024-03-31",
    easterMonday: "2024-04-01",
    ascension: "2024-05-09",
    pentecost: "2024-05-19",
    midsummerEve: "2024-06-21",
    midsummerDay: "2024-06-22",
    allSaints: "2024-11-02"
  },
  {
    year: 2025,
    goodFriday: "2025-04-18",
    easter: "2025-04-20",
    easterMonday: "2025-04-21",
    ascension: "2025-05-29",
    pentecost: "2025-06-08",
    midsummerEve: "2025-06-20",
    midsummerDay: "2025-06-21",
    allSaints: "2025-11-01"
  },
  {
    year: 2026,
    goodFriday: "2026-04-03",
    easter: "2026-04-05",
    easterMonday: "2026-04-06",
    ascension: "2026-05-14",
    pentecost: "2026-05-24",
    midsummerEve: "2026-06-19",
    midsummerDay: "2026-06-20",
    allSaints: "2026-10-31"
  },
  {
    year: 2027,
    goodFriday: "2027-03-26",
    easter: "2027-03-28",
    easterMonday: "2027-03-29",
    ascension: "2027-05-06",
    pentecost: "2027-05-16",
    midsummerEve: "2027-06-25",
    midsummerDay: "2027-06-26",
    allSaints: "2027-11-06"
  },
  {
    year: 2028,
    goodFriday: "2028-04-14",
    easter: "2028-04-16",
    easterMonday: "2028-04-17",
    ascension: "2028-05-25",
    pentecost: "2028-06-04",
    midsummerEve: "2028-06-23",
    midsummerDay: "2028-06-24",
    allSaints: "2028-11-04"
  },
  {
    year: 2029,
    goodFriday: "2029-03-30",
    easter: "2029-04-01",
    easterMonday: "2029-04-02",
    ascension: "2029-05-10",
    pentecost: "2029-05-20",
    midsummerEve: "2029-06-22",
    midsummerDay: "2029-06-23",
    allSaints: "2029-11-03"
  },
  {
    year: 2030,
    goodFriday: "2030-04-19",
    easter: "2030-04-21",
    easterMonday: "2030-04-22",
    ascension: "2030-05-30",
    pentecost: "2030-06-09",
    midsummerEve: "2030-06-21",
    midsummerDay: "2030-06-22",
    allSaints: "2030-11-02"
  }
]

const dateOf = (year: number, name: string): string | undefined =>
  FinnishCalendar.holidays(year).find((h) => h.name === name)?.date

// random dates 1900–2200
const base = d("1900-01-01")
const spanDays = FinnishCalendar.daysBetween(base, d("2200-12-31"))
const arbDate = fc.integer({ min: 0, max: spanDays }).map((k) => FinnishCalendar.addDays(base, k))

const naiveBusinessDaysIn = (from: FinnishCalendar.LocalDate, to: FinnishCalendar.LocalDate): number => {
  let count = 0
  for (let x = FinnishCalendar.addDays(from, 1); x <= to; x = FinnishCalendar.addDays(x, 1)) {
    const dow = FinnishCalendar.dayOfWeek(x)
    const holiday = FinnishCalendar.holidays(FinnishCalendar.toParts(x).year).some((h) => h.date === x)
    if (dow <= 5 && !holiday) count++
  }
  return count
}

// addBusinessDays the obvious way, one calendar day at a time, from the
// documented rules: n truncated (non-finite → 0); 0 → the date itself or the
// next business day; n > 0 → the n-th business day after the date; n < 0 →
// the |n|-th business day before it.
const naiveAddBusinessDays = (date: FinnishCalendar.LocalDate, n: number): FinnishCalendar.LocalDate => {
  const businessDay = (x: FinnishCalendar.LocalDate): boolean =>
    FinnishCalendar.dayOfWeek(x) <= 5 &&
    !FinnishCalendar.holidays(FinnishCalendar.toParts(x).year).some((h) => h.date === x)
  const steps = Number.isFinite(n) ? Math.trunc(n) : 0
  let x = date
  if (steps === 0) {
    while (!businessDay(x)) x = FinnishCalendar.addDays(x, 1)
    return x
  }
  const direction = steps > 0 ? 1 : -1
  for (let left = Math.abs(steps); left > 0; ) {
    x = FinnishCalendar.addDays(x, direction)
    if (businessDay(x)) left--
  }
  return x
}

// random dates 1900–2100
const arbDate1900to2100 = fc
  .integer({ min: 0, max: FinnishCalendar.daysBetween(base, d("2100-12-31")) })
  .map((k) => FinnishCalendar.addDays(base, k))

// any number addBusinessDays may be given: mostly counts 0 to several hundred,
// also negative counts, fractions, -0 and non-finite numbers
const arbCount = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 800 }) },
  { weight: 3, arbitrary: fc.integer({ min: -800, max: -1 }) },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.double({ min: -800, max: 800, noNaN: true }),
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0.5, -0.5, 0.999, -1.5)
    )
  }
)

describe("FinnishCalendar", () => {
  describe("dates", () => {
    it("accepts only real calendar dates", () => {
      expect(FinnishCalendar.isLocalDate("2024-02-29")).toBe(true)
      expect(FinnishCalendar.isLocalDate("2026-02-29")).toBe(false)
      expect(FinnishCalendar.isLocalDate("2026-04-31")).toBe(false)
      expect(FinnishCalendar.isLocalDate("2026-13-01")).toBe(false)
      expect(FinnishCalendar.isLocalDate("2026-3-2")).toBe(false)
      expect(FinnishCalendar.isLocalDate("2026-03-02T00:00")).toBe(false)
      expect(FinnishCalendar.isLocalDate("1500-01-01")).toBe(false)
      const decode = Schema.decodeUnknownResult(FinnishCalendar.LocalDateSchema)
      expect(Result.isSuccess(decode("2026-03-02"))).toBe(true)
      expect(Result.isFailure(decode("2026-02-30"))).toBe(true)
      expect(Result.isFailure(decode(20260302))).toBe(true)
      // the decoded brand is the LocalDate type
      const decoded: FinnishCalendar.LocalDate = Result.getOrThrow(decode("2026-03-02"))
      expect(FinnishCalendar.dayOfWeek(decoded)).toBe(1)
    })

    it("builds dates from parts, rolling over out-of-range months and days", () => {
      expect(FinnishCalendar.localDate(2026, 3, 2)).toBe("2026-03-02")
      expect(FinnishCalendar.localDate(2026, 2, 29)).toBe("2026-03-01")
      expect(FinnishCalendar.localDate(2026, 1, 0)).toBe("2025-12-31")
      expect(FinnishCalendar.localDate(2026, 13, 1)).toBe("2027-01-01")
      expect(FinnishCalendar.toParts(d("2026-03-02"))).toEqual({ year: 2026, month: 3, day: 2 })
    })

    it("adds calendar days across months, years and leap days", () => {
      expect(FinnishCalendar.addDays(d("2024-02-28"), 1)).toBe("2024-02-29")
      expect(FinnishCalendar.addDays(d("2025-02-28"), 1)).toBe("2025-03-01")
      expect(FinnishCalendar.addDays(d("2025-12-31"), 1)).toBe("2026-01-01")
      expect(FinnishCalendar.addDays(d("2026-01-01"), -1)).toBe("2025-12-31")
      expect(FinnishCalendar.addDays(d("2026-03-02"), 365)).toBe("2027-03-02")
      expect(FinnishCalendar.daysBetween(d("2026-01-01"), d("2027-01-01"))).toBe(365)
      expect(FinnishCalendar.daysBetween(d("2024-01-01"), d("2025-01-01"))).toBe(366)
    })

    it("names ISO days of the week", () => {
      expect(FinnishCalendar.dayOfWeek(d("2026-03-02"))).toBe(1) // Monday
      expect(FinnishCalendar.dayOfWeek(d("2026-03-07"))).toBe(6)
      expect(FinnishCalendar.dayOfWeek(d("2026-03-08"))).toBe(7)
      expect(FinnishCalendar.dayOfWeek(d("1970-01-01"))).toBe(4)
      expect(FinnishCalendar.dayOfWeek(d("1917-12-06"))).toBe(4) // Finland's independence: a Thursday
      expect(FinnishCalendar.dayOfWeek(d("2000-01-01"))).toBe(6)
    })

    it("orders dates", () => {
      expect(FinnishCalendar.compare(d("2026-03-02"), d("2026-03-10"))).toBe(-1)
      expect(FinnishCalendar.compare(d("2026-03-10"), d("2026-03-02"))).toBe(1)
      expect(FinnishCalendar.compare(d("2026-03-02"), d("2026-03-02"))).toBe(0)
    })

    it("property: addDays and daysBetween are inverse, and the weekday advances with the days", () => {
      fc.assert(
        fc.property(arbDate, fc.integer({ min: -5000, max: 5000 }), (date, n) => {
          const later = FinnishCalendar.addDays(date, n)
          expect(FinnishCalendar.isLocalDate(later)).toBe(true)
          expect(FinnishCalendar.daysBetween(date, later)).toBe(n)
          expect(FinnishCalendar.compare(date, later)).toBe(n === 0 ? 0 : n > 0 ? -1 : 1)
          const dow = (((FinnishCalendar.dayOfWeek(date) - 1 + n) % 7) + 7) % 7
          expect(FinnishCalendar.dayOfWeek(later)).toBe(dow + 1)
          // the weekday agrees with the platform's own calendar
          const js = new Date(`${later}T00:00:00Z`).getUTCDay()
          expect(FinnishCalendar.dayOfWeek(later)).toBe(js === 0 ? 7 : js)
        }),
        { numRuns: 1000 }
      )
    })
  })

  describe("holidays (Act 150/1930)", () => {
    it.each(published)("matches the published calendar for $year", (p) => {
      const y = p.year
      const expected: ReadonlyArray<[string, string, FinnishCalendar.HolidayKind]> = [
        [`${y}-01-01`, "New Year's Day", "church-holiday"],
        [`${y}-01-06`, "Epiphany", "church-holiday"],
        [p.goodFriday, "Good Friday", "church-holiday"],
        [p.easter, "Easter Sunday", "church-holiday"],
        [p.easterMonday, "Easter Monday", "church-holiday"],
        [`${y}-05-01`, "May Day", "public-holiday"],
        [p.ascension, "Ascension Day", "church-holiday"],
        [p.pentecost, "Pentecost", "church-holiday"],
        [p.midsummerEve, "Midsummer Eve", "eve"],
        [p.midsummerDay, "Midsummer Day", "church-holiday"],
        [p.allSaints, "All Saints' Day", "church-holiday"],
        [`${y}-12-06`, "Independence Day", "public-holiday"],
        [`${y}-12-24`, "Christmas Eve", "eve"],
        [`${y}-12-25`, "Christmas Day", "church-holiday"],
        [`${y}-12-26`, "St Stephen's Day", "church-holiday"]
      ]
      const actual = FinnishCalendar.holidays(y).map((h) => [h.date, h.name, h.kind])
      expect(actual).toEqual([...expected].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)))
      expect(FinnishCalendar.easterSunday(y)).toBe(p.easter)
      for (const [date] of expected) {
        expect(FinnishCalendar.isHoliday(d(date))).toBe(true)
        expect(FinnishCalendar.isBusinessDay(d(date))).toBe(false)
      }
      // the days around Easter and Midsummer that are business days
      expect(FinnishCalendar.isBusinessDay(FinnishCalendar.addDays(d(p.goodFriday), -1))).toBe(true)
      expect(FinnishCalendar.isBusinessDay(FinnishCalendar.addDays(d(p.easterMonday), 1))).toBe(true)
      expect(FinnishCalendar.isBusinessDay(FinnishCalendar.addDays(d(p.midsummerEve), -1))).toBe(true)
    })

    it("matches the test dates of facts.md §6", () => {
      expect(dateOf(2025, "Good Friday")).toBe("2025-04-18")
      expect(dateOf(2025, "Easter Monday")).toBe("2025-04-21")
      expect(dateOf(2025, "Ascension Day")).toBe("2025-05-29")
      expect(dateOf(2025, "Midsummer Eve")).toBe("2025-06-20")
      expect(dateOf(2025, "All Saints' Day")).toBe("2025-11-01")
      expect(dateOf(2026, "Good Friday")).toBe("2026-04-03")
      expect(dateOf(2026, "Easter Monday")).toBe("2026-04-06")
      expect(dateOf(2026, "Ascension Day")).toBe("2026-05-14")
      expect(dateOf(2026, "Midsummer Eve")).toBe("2026-06-19")
      expect(dateOf(2026, "All Saints' Day")).toBe("2026-10-31")
    })

    it("names the holidays in Finnish and Swedish", () => {
      const eve = FinnishCalendar.holidaysOn(d("2026-06-19"))
      expect(eve.map((h) => [h.nameFi, h.nameSv])).toEqual([["juhannusaatto", "midsommaraftonen"]])
      expect(FinnishCalendar.holidaysOn(d("2026-12-06")).map((h) => h.nameFi)).toEqual(["itsenäisyyspäivä"])
      expect(FinnishCalendar.holidaysOn(d("2026-03-02"))).toEqual([])
    })

    it("keeps both holidays when Ascension Day falls on May Day (Easter 23 March 2008)", () => {
      expect(FinnishCalendar.easterSunday(2008)).toBe("2008-03-23")
      const both = FinnishCalendar.holidaysOn(d("2008-05-01"))
      expect(both.map((h) => h.name)).toEqual(["May Day", "Ascension Day"])
      expect(FinnishCalendar.holidays(2008)).toHaveLength(15)
      expect(new Set(FinnishCalendar.holidays(2008).map((h) => h.date)).size).toBe(14)
    })

    it("computes Easter for published years far from today, including the extremes", () => {
      const easters: ReadonlyArray<[number, string]> = [
        [1818, "1818-03-22"],
        [1900, "1900-04-15"],
        [1943, "1943-04-25"],
        [1954, "1954-04-18"],
        [2000, "2000-04-23"],
        [2011, "2011-04-24"],
        [2019, "2019-04-21"],
        [2038, "2038-04-25"],
        [2100, "2100-03-28"],
        [2285, "2285-03-22"]
      ]
      for (const [year, date] of easters) expect(FinnishCalendar.easterSunday(year)).toBe(date)
    })

    it("property: Easter is a Sunday between 22 March and 25 April", () => {
      fc.assert(
        fc.property(fc.integer({ min: 1583, max: 9999 }), (year) => {
          const easter = FinnishCalendar.easterSunday(year)
          expect(FinnishCalendar.dayOfWeek(easter)).toBe(7)
          expect(easter >= `${String(year).padStart(4, "0")}-03-22`).toBe(true)
          expect(easter <= `${String(year).padStart(4, "0")}-04-25`).toBe(true)
        }),
        { numRuns: 1000 }
      )
    })

    it("property: each year has the 15 holidays in order, Midsummer and All Saints' on their weekdays", () => {
      fc.assert(
        fc.property(fc.integer({ min: 1900, max: 2200 }), (year) => {
          const list = FinnishCalendar.holidays(year)
          expect(list).toHaveLength(15)
          for (let i = 1; i < list.length; i++) expect((list[i - 1]?.date ?? "") <= (list[i]?.date ?? "")).toBe(true)
          for (const h of list) expect(FinnishCalendar.toParts(h.date).year).toBe(year)
          const eve = d(dateOf(year, "Midsummer Eve") ?? "")
          expect(FinnishCalendar.dayOfWeek(eve)).toBe(5)
          expect(eve >= `${year}-06-19` && eve <= `${year}-06-25`).toBe(true)
          expect(dateOf(year, "Midsummer Day")).toBe(FinnishCalendar.addDays(eve, 1))
          const saints = d(dateOf(year, "All Saints' Day") ?? "")
          expect(FinnishCalendar.dayOfWeek(saints)).toBe(6)
          expect(saints >= `${year}-10-31` && saints <= `${year}-11-06`).toBe(true)
          const easter = FinnishCalendar.easterSunday(year)
          expect(dateOf(year, "Good Friday")).toBe(FinnishCalendar.addDays(easter, -2))
          expect(dateOf(year, "Ascension Day")).toBe(FinnishCalendar.addDays(easter, 39))
          expect(FinnishCalendar.dayOfWeek(d(dateOf(year, "Ascension Day") ?? ""))).toBe(4)
        }),
        { numRuns: 1000 }
      )
    })
  })

  describe("business days", () => {
    it("moves a non-business day to the next business day", () => {
      expect(FinnishCalendar.nextBusinessDay(d("2026-03-02"))).toBe("2026-03-02") // Monday
      expect(FinnishCalendar.nextBusinessDay(d("2026-03-07"))).toBe("2026-03-09") // Saturday
      expect(FinnishCalendar.nextBusinessDay(d("2026-04-03"))).toBe("2026-04-07") // Good Friday → Tuesday
      expect(FinnishCalendar.nextBusinessDay(d("2026-06-19"))).toBe("2026-06-22") // Midsummer Eve → Monday
      expect(FinnishCalendar.nextBusinessDay(d("2026-12-24"))).toBe("2026-12-28") // Thursday → Monday
      expect(FinnishCalendar.nextBusinessDay(d("2026-12-31"))).toBe("2026-12-31")
      expect(FinnishCalendar.nextBusinessDay(d("2027-01-01"))).toBe("2027-01-04")
      expect(FinnishCalendar.previousBusinessDay(d("2026-04-07"))).toBe("2026-04-02")
    })

    it("adds business days without counting the starting day", () => {
      expect(FinnishCalendar.addBusinessDays(d("2026-03-02"), 0)).toBe("2026-03-02")
      expect(FinnishCalendar.addBusinessDays(d("2026-03-07"), 0)).toBe("2026-03-09")
      expect(FinnishCalendar.addBusinessDays(d("2026-03-02"), 1)).toBe("2026-03-03")
      expect(FinnishCalendar.addBusinessDays(d("2026-03-06"), 1)).toBe("2026-03-09") // Friday → Monday
      expect(FinnishCalendar.addBusinessDays(d("2026-03-07"), 1)).toBe("2026-03-09") // Saturday → Monday
      expect(FinnishCalendar.addBusinessDays(d("2026-04-02"), 1)).toBe("2026-04-07") // over Easter
      expect(FinnishCalendar.addBusinessDays(d("2026-04-02"), 3)).toBe("2026-04-09")
      expect(FinnishCalendar.addBusinessDays(d("2026-12-23"), 1)).toBe("2026-12-28")
      expect(FinnishCalendar.addBusinessDays(d("2026-03-02"), 5)).toBe("2026-03-09")
      expect(FinnishCalendar.addBusinessDays(d("2026-04-07"), -1)).toBe("2026-04-02")
    })

    it("counts business days in (from, to]", () => {
      expect(FinnishCalendar.businessDaysBetween(d("2026-03-02"), d("2026-03-02"))).toBe(0)
      expect(FinnishCalendar.businessDaysBetween(d("2026-03-02"), d("2026-03-09"))).toBe(5)
      expect(FinnishCalendar.businessDaysBetween(d("2026-03-09"), d("2026-03-02"))).toBe(-5)
      // Easter Monday back to Good Friday: no business day between, 0 (not -0, which prints as "-0")
      expect(FinnishCalendar.businessDaysBetween(d("2026-04-06"), d("2026-04-03"))).toBe(0)
      expect(FinnishCalendar.businessDaysBetween(d("2026-04-02"), d("2026-04-07"))).toBe(1)
      // 2026: 261 weekdays, of which 1.1., 6.1., Good Friday, Easter Monday, 1.5., Ascension,
      // Midsummer Eve, 24.12., 25.12. fall on weekdays (6.12. and 26.12. are weekend days)
      expect(FinnishCalendar.businessDaysBetween(d("2025-12-31"), d("2026-12-31"))).toBe(261 - 9)
    })

    it("computes deadlines by business or calendar days", () => {
      const thursday = d("2026-04-02")
      expect(FinnishCalendar.deadline(thursday, { days: 3, dayKind: "business" })).toBe("2026-04-09")
      expect(FinnishCalendar.deadline(thursday, { days: 3, dayKind: "calendar" })).toBe("2026-04-07")
      const monday = d("2026-03-02")
      expect(FinnishCalendar.deadline(monday, { days: 3, dayKind: "business" })).toBe("2026-03-05")
      expect(FinnishCalendar.deadline(monday, { days: 3, dayKind: "calendar" })).toBe("2026-03-05")
      // 3 calendar days from Wednesday land on Saturday: moved to Monday
      expect(FinnishCalendar.deadline(d("2026-03-04"), { days: 3, dayKind: "calendar" })).toBe("2026-03-09")
      expect(FinnishCalendar.deadline(d("2026-03-04"), { days: 3, dayKind: "business" })).toBe("2026-03-09")
      // Midsummer 2026: Thursday + 1 calendar day is Midsummer Eve
      expect(FinnishCalendar.deadline(d("2026-06-18"), { days: 1, dayKind: "calendar" })).toBe("2026-06-22")
    })

    it("property: a business day is exactly a weekday that is not a holiday", () => {
      fc.assert(
        fc.property(arbDate, (date) => {
          const holiday = FinnishCalendar.holidays(FinnishCalendar.toParts(date).year).some((h) => h.date === date)
          expect(FinnishCalendar.isHoliday(date)).toBe(holiday)
          expect(FinnishCalendar.isWeekend(date)).toBe(FinnishCalendar.dayOfWeek(date) >= 6)
          expect(FinnishCalendar.isBusinessDay(date)).toBe(!holiday && FinnishCalendar.dayOfWeek(date) <= 5)
        }),
        { numRuns: 1000 }
      )
    })

    it("property: nextBusinessDay is the first business day on or after the date", () => {
      fc.assert(
        fc.property(arbDate, (date) => {
          const next = FinnishCalendar.nextBusinessDay(date)
          expect(FinnishCalendar.isBusinessDay(next)).toBe(true)
          expect(next >= date).toBe(true)
          for (let x = date; x < next; x = FinnishCalendar.addDays(x, 1)) {
            expect(FinnishCalendar.isBusinessDay(x)).toBe(false)
          }
        }),
        { numRuns: 1000 }
      )
    })

    it("property: counting back the business days added returns n", () => {
      fc.assert(
        fc.property(arbDate, fc.integer({ min: 1, max: 400 }), (date, n) => {
          const later = FinnishCalendar.addBusinessDays(date, n)
          expect(FinnishCalendar.isBusinessDay(later)).toBe(true)
          expect(FinnishCalendar.businessDaysBetween(date, later)).toBe(n)
          expect(FinnishCalendar.businessDaysBetween(later, date)).toBe(-n)
          // the n-th: one day earlier there were n − 1
          expect(FinnishCalendar.businessDaysBetween(date, FinnishCalendar.addDays(later, -1))).toBe(n - 1)
          // and going back n business days from it lands on or before the start
          expect(FinnishCalendar.addBusinessDays(later, -n) <= date).toBe(true)
        }),
        { numRuns: 1000 }
      )
    })

    it("property: businessDaysBetween agrees with counting day by day", () => {
      fc.assert(
        fc.property(arbDate, fc.integer({ min: -800, max: 800 }), (from, n) => {
          const to = FinnishCalendar.addDays(from, n)
          const expected = n >= 0 ? naiveBusinessDaysIn(from, to) : 0 - naiveBusinessDaysIn(to, from)
          expect(FinnishCalendar.businessDaysBetween(from, to)).toBe(expected)
        }),
        { numRuns: 1000 }
      )
    })

    it("property: addBusinessDays equals counting day by day (1900–2100, any count)", () => {
      fc.assert(
        fc.property(arbDate1900to2100, arbCount, (date, n) => {
          expect(FinnishCalendar.addBusinessDays(date, n)).toBe(naiveAddBusinessDays(date, n))
        }),
        { numRuns: 2000 }
      )
    })

    it("property: addBusinessDays equals counting day by day for counts of decades", () => {
      fc.assert(
        fc.property(arbDate1900to2100, fc.integer({ min: -15_000, max: 15_000 }), (date, n) => {
          expect(FinnishCalendar.addBusinessDays(date, n)).toBe(naiveAddBusinessDays(date, n))
        }),
        { numRuns: 100 }
      )
    })

    it("addBusinessDays equals counting day by day from every day of 2024–2030, up to 2 weeks either way", () => {
      let mismatches = 0
      let checked = 0
      for (let x = d("2024-01-01"); x <= "2030-12-31"; x = FinnishCalendar.addDays(x, 1)) {
        for (let n = -10; n <= 10; n++) {
          if (FinnishCalendar.addBusinessDays(x, n) !== naiveAddBusinessDays(x, n)) mismatches++
          checked++
        }
      }
      expect(checked).toBe(2557 * 21)
      expect(mismatches).toBe(0)
    })

    it("property: addBusinessDays is monotonic in n (strictly from n = 1)", () => {
      fc.assert(
        fc.property(arbDate, fc.integer({ min: -50, max: 300 }), fc.integer({ min: 0, max: 300 }), (date, n, k) => {
          const a = FinnishCalendar.addBusinessDays(date, n)
          const b = FinnishCalendar.addBusinessDays(date, n + k)
          expect(a <= b).toBe(true)
          if (k > 0 && n >= 1) expect(a < b).toBe(true)
          if (k > 0 && n < 0) expect(a < b).toBe(true)
        }),
        { numRuns: 1000 }
      )
    })

    it("property: a deadline lands on a business day, never before the unmoved last day", () => {
      fc.assert(
        fc.property(
          arbDate,
          fc.integer({ min: 0, max: 60 }),
          fc.constantFrom<FinnishCalendar.DayKind>("business", "calendar"),
          (start, days, dayKind) => {
            const last = FinnishCalendar.deadline(start, { days, dayKind })
            const unmoved = FinnishCalendar.addDays(start, days)
            expect(FinnishCalendar.isBusinessDay(last)).toBe(true)
            expect(last >= unmoved).toBe(true)
            if (dayKind === "calendar") {
              // moved only as far as the first business day
              expect(last).toBe(FinnishCalendar.nextBusinessDay(unmoved))
              if (FinnishCalendar.isBusinessDay(unmoved)) expect(last).toBe(unmoved)
            } else if (days >= 1) {
              expect(FinnishCalendar.businessDaysBetween(start, last)).toBe(days)
            } else {
              expect(last).toBe(FinnishCalendar.nextBusinessDay(start))
            }
          }
        ),
        { numRuns: 1000 }
      )
    })
  })
})
