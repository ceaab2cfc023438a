/**
 * FinnishCalendar's rules as a caller sees them, checked against sources
 * independent of the module: Easter by Knuth's Algorithm E (not the
 * Meeus/Jones/Butcher computation the module uses), the holidays' names in
 * Finnish and Swedish, what a calendar date is, and the business-day
 * arithmetic that the deadlines D1 (assignment) and D2 (first contact) rest
 * on when a period starts or ends on a weekday holiday. Written for the gaps
 * mutation testing found (docs/mutation.md); everything is computed inside
 * the tests.
 */
import { describe, expect, it } from "@effect/vitest"
import { FinnishCalendar } from "@lahete/core"
import { Result, Schema } from "effect"
import * as fc from "fast-check"

type LocalDate = FinnishCalendar.LocalDate

const d = (s: string): LocalDate => {
  if (!FinnishCalendar.isLocalDate(s)) throw new Error(`bad test date ${s}`)
  return s
}

/**
 * Easter Sunday by Knuth's Algorithm E (The Art of Computer Programming,
 * vol. 1, §1.3.2, exercise 14): golden number, century, corrections, epact,
 * full moon, then the next Sunday. Returns [month, day].
 */
const knuthEaster = (year: number): readonly [number, number] => {
  const golden = (year % 19) + 1
  const century = Math.floor(year / 100) + 1
  const skipped = Math.floor((3 * century) / 4) - 12
  const moonCorrection = Math.floor((8 * century + 5) / 25) - 5
  const sunday = Math.floor((5 * year) / 4) - skipped - 10
  let epact = (((11 * golden + 20 + moonCorrection - skipped) % 30) + 30) % 30
  if ((epact === 25 && golden > 11) || epact === 24) epact++
  let fullMoon = 44 - epact
  if (fullMoon < 21) fullMoon += 30
  const day = fullMoon + 7 - ((sunday + fullMoon) % 7)
  return day > 31 ? [4, day - 31] : [3, day]
}

const iso = (year: number, month: number, day: number): string =>
  `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`

/** Whether `s` is a date `YYYY-MM-DD` of years 1583–9999, checked by the platform's own calendar. */
const independentlyValid = (s: string): boolean => {
  if (s.length !== 10 || s[4] !== "-" || s[7] !== "-") return false
  const digits = s.slice(0, 4) + s.slice(5, 7) + s.slice(8, 10)
  for (const c of digits) if (c < "0" || c > "9") return false
  const year = Number(s.slice(0, 4))
  const month = Number(s.slice(5, 7))
  const day = Number(s.slice(8, 10))
  if (year < 1583) return false
  const t = new Date(Date.UTC(2000, month - 1, day))
  t.setUTCFullYear(year, month - 1, day)
  return t.getUTCFullYear() === year && t.getUTCMonth() === month - 1 && t.getUTCDate() === day
}

/** A business day the obvious way: Monday–Friday, and not one of the year's holidays. */
const naiveBusinessDay = (x: LocalDate): boolean =>
  FinnishCalendar.dayOfWeek(x) <= 5 &&
  !FinnishCalendar.holidays(FinnishCalendar.toParts(x).year).some((h) => h.date === x)

/** The weekday holidays of 1900–2100 (Good Friday, Christmas Eve, …): where periods go wrong. */
const arbWeekdayHoliday = fc
  .tuple(fc.integer({ min: 1900, max: 2100 }), fc.integer({ min: 0, max: 14 }))
  .map(([year, i]) => FinnishCalendar.holidays(year)[i]?.date as LocalDate)
  .filter((date) => FinnishCalendar.dayOfWeek(date) <= 5)

describe("FinnishCalendar rules", () => {
  describe("what a calendar date is", () => {
    it("years from 1583 (the Gregorian calendar's first whole year) to 9999; months 01–12; days of the month", () => {
      expect(FinnishCalendar.isLocalDate("1583-01-01")).toBe(true)
      expect(FinnishCalendar.isLocalDate("1582-12-31")).toBe(false)
      expect(FinnishCalendar.isLocalDate("9999-12-31")).toBe(true)
      expect(FinnishCalendar.isLocalDate("2026-01-01")).toBe(true)
      expect(FinnishCalendar.isLocalDate("2026-12-01")).toBe(true)
      expect(FinnishCalendar.isLocalDate("2026-00-10")).toBe(false)
      expect(FinnishCalendar.isLocalDate("2026-13-10")).toBe(false)
      expect(FinnishCalendar.isLocalDate("2026-01-00")).toBe(false)
      expect(FinnishCalendar.isLocalDate("2026-01-31")).toBe(true)
      expect(FinnishCalendar.isLocalDate("2026-01-32")).toBe(false)
      expect(FinnishCalendar.isLocalDate("2026-06-30")).toBe(true)
      expect(FinnishCalendar.isLocalDate("2026-06-31")).toBe(false)
      expect(FinnishCalendar.isLocalDate("1900-02-29")).toBe(false)
      expect(FinnishCalendar.isLocalDate("2000-02-29")).toBe(true)
    })

    it("only the whole string YYYY-MM-DD of ASCII digits: nothing before or after it, no other separators", () => {
      for (const s of [
        "x2026-03-02",
        " 2026-03-02",
        "2026-03-02 ",
        "2026-03-02x",
        "12026-03-02",
        "2026-03-022",
        "2026-003-02",
        "026-03-02",
        "2026/03/02",
        "2026-03-2",
        "2026-3-02",
        "2026-03-0a",
        "２０２６-03-02",
        "2026-03-02\n",
        "\n2026-03-02",
        ""
      ]) {
        expect(FinnishCalendar.isLocalDate(s), JSON.stringify(s)).toBe(false)
      }
    })

    it("property: a string is a date exactly when the platform's calendar agrees (dates, and dates with one edit)", () => {
      const chars = fc.constantFrom(..."0123456789-x /T")
      const valid = fc
        .integer({ min: 0, max: FinnishCalendar.daysBetween(d("1583-01-01"), d("9999-12-31")) })
        .map((k) => FinnishCalendar.addDays(d("1583-01-01"), k) as string)
      const edited = fc
        .tuple(valid, fc.nat(), chars, fc.constantFrom("replace", "insert", "delete"))
        .map(([s, at, c, edit]) => {
          const i = at % (s.length + 1)
          if (edit === "insert") return s.slice(0, i) + c + s.slice(i)
          if (edit === "delete") return s.slice(0, i) + s.slice(i + 1)
          return s.slice(0, i) + c + s.slice(i + 1)
        })
      const digits = fc
        .tuple(fc.integer({ min: 1000, max: 9999 }), fc.integer({ min: 0, max: 19 }), fc.integer({ min: 0, max: 39 }))
        .map(([y, m, day]) => iso(y, m, day))
      fc.assert(
        fc.property(fc.oneof(valid, edited, digits), (s) => {
          expect(FinnishCalendar.isLocalDate(s)).toBe(independentlyValid(s))
        }),
        { numRuns: 3000 }
      )
    })

    it("the schema refuses a non-date with a message saying what a date looks like", () => {
      const decode = Schema.decodeUnknownResult(FinnishCalendar.LocalDateSchema)
      const refused = decode("2026-02-30")
      expect(Result.isFailure(refused) && refused.failure.message).toBe("expected a calendar date like 2026-03-02")
      expect(Result.getOrThrow(decode("2026-02-28"))).toBe("2026-02-28")
    })

    it("dates are always four-digit years, so they sort in date order, also before the year 1000", () => {
      expect(FinnishCalendar.localDate(999, 12, 31)).toBe("0999-12-31")
      expect(FinnishCalendar.localDate(33, 4, 3)).toBe("0033-04-03")
      expect(FinnishCalendar.addDays(d("1583-01-01"), -366 * 600) < "1583-01-01").toBe(true)
    })
  })

  describe("Easter and the movable holidays", () => {
    it("Easter Sunday agrees with Knuth's Algorithm E in every year 1583–9999", () => {
      const wrong: Array<string> = []
      for (let year = 1583; year <= 9999; year++) {
        const [month, day] = knuthEaster(year)
        const expected = iso(year, month, day)
        if (FinnishCalendar.easterSunday(year) !== expected) wrong.push(`${year}: ${expected}`)
      }
      expect(wrong).toEqual([])
    })

    it("Easter Sunday on dates known from almanacs", () => {
      const known: ReadonlyArray<string> = [
        "1583-04-10", // the first Gregorian Easter
        "1961-04-02",
        "1981-04-19",
        "2016-03-27",
        "2017-04-16",
        "2018-04-01",
        "2020-04-12",
        "2021-04-04",
        "2022-04-17",
        "2023-04-09",
        "2031-04-13",
        "2032-03-28",
        "2033-04-17",
        "2034-04-09",
        "2035-03-25"
      ]
      for (const date of known) expect(FinnishCalendar.easterSunday(FinnishCalendar.toParts(d(date)).year)).toBe(date)
    })

    it("the holidays carry their names in English, Finnish and Swedish", () => {
      const names = FinnishCalendar.holidays(2026).map((h) => [h.date, h.name, h.nameFi, h.nameSv, h.kind])
      expect(names).toEqual([
        ["2026-01-01", "New Year's Day", "uudenvuodenpäivä", "nyårsdagen", "church-holiday"],
        ["2026-01-06", "Epiphany", "loppiainen", "trettondagen", "church-holiday"],
        ["2026-04-03", "Good Friday", "pitkäperjantai", "långfredagen", "church-holiday"],
        ["2026-04-05", "Easter Sunday", "pääsiäispäivä", "påskdagen", "church-holiday"],
        ["2026-04-06", "Easter Monday", "2. pääsiäispäivä", "annandag påsk", "church-holiday"],
        ["2026-05-01", "May Day", "vapunpäivä", "första maj", "public-holiday"],
        ["2026-05-14", "Ascension Day", "helatorstai", "Kristi himmelsfärdsdag", "church-holiday"],
        ["2026-05-24", "Pentecost", "helluntaipäivä", "pingstdagen", "church-holiday"],
        ["2026-06-19", "Midsummer Eve", "juhannusaatto", "midsommaraftonen", "eve"],
        ["2026-06-20", "Midsummer Day", "juhannuspäivä", "midsommardagen", "church-holiday"],
        ["2026-10-31", "All Saints' Day", "pyhäinpäivä", "alla helgons dag", "church-holiday"],
        ["2026-12-06", "Independence Day", "itsenäisyyspäivä", "självständighetsdagen", "public-holiday"],
        ["2026-12-24", "Christmas Eve", "jouluaatto", "julafton", "eve"],
        ["2026-12-25", "Christmas Day", "joulupäivä", "juldagen", "church-holiday"],
        ["2026-12-26", "St Stephen's Day", "tapaninpäivä", "annandag jul", "church-holiday"]
      ])
    })

    it("the holidays are listed in date order: when Easter is on 22 March, Ascension Day (30 April) comes before May Day", () => {
      for (const year of [1818, 2285]) {
        expect(FinnishCalendar.easterSunday(year)).toBe(`${year}-03-22`)
        const spring = FinnishCalendar.holidays(year)
          .slice(2, 8)
          .map((h) => [h.date, h.name])
        expect(spring).toEqual([
          [`${year}-03-20`, "Good Friday"],
          [`${year}-03-22`, "Easter Sunday"],
          [`${year}-03-23`, "Easter Monday"],
          [`${year}-04-30`, "Ascension Day"],
          [`${year}-05-01`, "May Day"],
          [`${year}-05-10`, "Pentecost"]
        ])
      }
      // every year: in date order, so a caller can walk the list
      const outOfOrder: Array<number> = []
      for (let year = 1583; year <= 9999; year++) {
        const list = FinnishCalendar.holidays(year)
        for (let i = 1; i < list.length; i++) {
          if ((list[i - 1]?.date ?? "") > (list[i]?.date ?? "")) outOfOrder.push(year)
        }
      }
      expect(outOfOrder).toEqual([])
    })

    it("property: Midsummer Eve is the Friday 19–25 June and All Saints' Day the Saturday 31 October–6 November, every year", () => {
      fc.assert(
        fc.property(fc.integer({ min: 1583, max: 9999 }), (year) => {
          const on = (name: string) => FinnishCalendar.holidays(year).find((h) => h.name === name)?.date ?? ""
          const eve = on("Midsummer Eve")
          const fridays = [19, 20, 21, 22, 23, 24, 25].map((day) => iso(year, 6, day))
          expect(fridays.filter((x) => FinnishCalendar.dayOfWeek(d(x)) === 5)).toEqual([eve])
          const saints = on("All Saints' Day")
          const saturdays = [iso(year, 10, 31), ...[1, 2, 3, 4, 5, 6].map((day) => iso(year, 11, day))]
          expect(saturdays.filter((x) => FinnishCalendar.dayOfWeek(d(x)) === 6)).toEqual([saints])
        }),
        { numRuns: 500 }
      )
    })
  })

  describe("periods that start or end on a weekday holiday (D1, D2)", () => {
    it("the starting day is not counted even when it is a holiday; a holiday at the end is not a business day", () => {
      // Good Friday 2026 → Tuesday 7 April: Easter Monday in between, one business day
      expect(FinnishCalendar.businessDaysBetween(d("2026-04-03"), d("2026-04-07"))).toBe(1)
      expect(FinnishCalendar.businessDaysBetween(d("2026-04-07"), d("2026-04-03"))).toBe(-1)
      // Christmas Eve 2026 (Thursday) → Monday 28 December: one business day
      expect(FinnishCalendar.businessDaysBetween(d("2026-12-24"), d("2026-12-28"))).toBe(1)
      // Wednesday 23 → Christmas Day (Friday): no business day
      expect(FinnishCalendar.businessDaysBetween(d("2026-12-23"), d("2026-12-25"))).toBe(0)
      // Ascension Day 2026 (Thursday 14 May) → Friday 15 May
      expect(FinnishCalendar.businessDaysBetween(d("2026-05-14"), d("2026-05-15"))).toBe(1)
    })

    it("3 business days from a holiday, over the turn of the year, and from the last business day before a holiday", () => {
      // D2 (3 business days) from Christmas Eve 2026: Mon 28, Tue 29, Wed 30
      expect(FinnishCalendar.addBusinessDays(d("2026-12-24"), 3)).toBe("2026-12-30")
      // from Wednesday 30 December 2026: Thu 31, (Fri 1 Jan), Mon 4, Tue 5
      expect(FinnishCalendar.addBusinessDays(d("2026-12-30"), 3)).toBe("2027-01-05")
      // from Midsummer Eve 2026: Mon 22, Tue 23, Wed 24
      expect(FinnishCalendar.addBusinessDays(d("2026-06-19"), 3)).toBe("2026-06-24")
      // from Tuesday 5 January 2027: (Epiphany Wed 6), Thu 7, Fri 8, Mon 11
      expect(FinnishCalendar.addBusinessDays(d("2027-01-05"), 3)).toBe("2027-01-11")
      // from Wednesday 30 April 2025: (May Day Thu 1), Fri 2, Mon 5, Tue 6
      expect(FinnishCalendar.addBusinessDays(d("2025-04-30"), 3)).toBe("2025-05-06")
      // back: the 3rd business day before Tuesday 7 April 2026 is Tuesday 31 March
      expect(FinnishCalendar.addBusinessDays(d("2026-04-07"), -3)).toBe("2026-03-31")
      expect(FinnishCalendar.addBusinessDays(d("2027-01-05"), -3)).toBe("2026-12-30")
    })

    it("0 business days from a weekday holiday is the next business day, not the holiday", () => {
      expect(FinnishCalendar.addBusinessDays(d("2026-04-03"), 0)).toBe("2026-04-07") // Good Friday
      expect(FinnishCalendar.addBusinessDays(d("2026-12-24"), 0)).toBe("2026-12-28") // Christmas Eve
      expect(FinnishCalendar.addBusinessDays(d("2026-05-14"), 0)).toBe("2026-05-15") // Ascension Day
      expect(FinnishCalendar.deadline(d("2026-06-19"), { days: 0, dayKind: "business" })).toBe("2026-06-22")
      expect(FinnishCalendar.deadline(d("2026-06-19"), { days: 0, dayKind: "calendar" })).toBe("2026-06-22")
    })

    it("property: from a weekday holiday, the n-th business day after and before are those counted day by day", () => {
      fc.assert(
        fc.property(arbWeekdayHoliday, fc.integer({ min: -30, max: 30 }), (holiday, n) => {
          let x = holiday
          if (n === 0) {
            while (!naiveBusinessDay(x)) x = FinnishCalendar.addDays(x, 1)
          } else {
            for (let left = Math.abs(n); left > 0; ) {
              x = FinnishCalendar.addDays(x, Math.sign(n))
              if (naiveBusinessDay(x)) left--
            }
          }
          expect(FinnishCalendar.addBusinessDays(holiday, n)).toBe(x)
          // the holiday itself is no business day: n after it, |n| − 1 between the |n|-th before it and it
          if (n > 0) expect(FinnishCalendar.businessDaysBetween(holiday, x)).toBe(n)
          if (n < 0) expect(FinnishCalendar.businessDaysBetween(x, holiday)).toBe(-n - 1)
        }),
        { numRuns: 500 }
      )
    })

    it("property: previousBusinessDay is the last business day strictly before the date", () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 73_000 }).map((k) => FinnishCalendar.addDays(d("1900-01-01"), k)),
          (date) => {
            let x = FinnishCalendar.addDays(date, -1)
            while (!naiveBusinessDay(x)) x = FinnishCalendar.addDays(x, -1)
            expect(FinnishCalendar.previousBusinessDay(date)).toBe(x)
          }
        ),
        { numRuns: 500 }
      )
    })
  })
})
