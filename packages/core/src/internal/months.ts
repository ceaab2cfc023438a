/**
 * Calendar-month arithmetic on instants, in UTC. Month ends clamp
 * (31 January + 1 month = 28/29 February). The Europe/Helsinki business-day
 * calendar for deadlines lives in its own module.
 */
import type { Instant } from "../Instant.js"

/** The months' names in English, January first (message texts and the English report). */
export const englishMonthNames: ReadonlyArray<string> = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December"
]

/** The number of days of `month` (1–12) in the Gregorian `year`. */
export const daysInMonth = (year: number, month: number): number =>
  month === 2
    ? (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
      ? 29
      : 28
    : month === 4 || month === 6 || month === 9 || month === 11
      ? 30
      : 31

export const addMonths = (at: Instant, months: number): Instant => {
  const d = new Date(at)
  const day = d.getUTCDate()
  const target = new Date(
    Date.UTC(
      d.getUTCFullYear(),
      d.getUTCMonth() + months,
      1,
      d.getUTCHours(),
      d.getUTCMinutes(),
      d.getUTCSeconds(),
      d.getUTCMilliseconds()
    )
  )
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate()
  target.setUTCDate(Math.min(day, lastDay))
  return target.toISOString() as Instant
}

export const addDays = (at: Instant, days: number): Instant =>
  new Date(Date.parse(at) + days * 86_400_000).toISOString() as Instant
