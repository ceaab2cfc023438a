/**
 * Local time in Sodankylä, for the example's script and narration. The
 * simulated clock and the timeline of things that happen by themselves (the
 * other clients' planned actions) are `SimulatedTime` from @lahete/testing.
 *
 * Everything in lahete that needs the time reads Effect's `Clock` service:
 * the FHIR server stamping a referral's arrival, the token check of the
 * referrer's system, the audit log, the training rules. A program that
 * provides a simulated clock instead of the real one lives eight months of a
 * programme in a few seconds. Waiting (`sleep`, timeouts) still uses real
 * time.
 */
import { type FinnishCalendar, type Instant, LocalTime } from "@lahete/core"

/** The programme's time zone: every time the example names is local time in Sodankylä. */
export const zone = "Europe/Helsinki"

/** A local time in Sodankylä as an instant: `local("2026-04-07", "09:30")`. */
export const local = (date: string, clock: string): Instant.Instant =>
  LocalTime.instantAt(date as FinnishCalendar.LocalDate, clock, zone)

/** An instant as local time in words, e.g. `Tuesday 7 April 2026 at 9:30`. */
export const show = (at: Instant.Instant): string => LocalTime.format(at, zone, "en")

/** The local date of an instant, e.g. `7 April 2026`. */
export const showDate = (at: Instant.Instant): string =>
  LocalTime.formatDate(LocalTime.localDateOf(at, zone), "en").replace(/^[A-Za-z]+ /, "")

/** The same local time `n` weeks later. */
export const addWeeks = (at: Instant.Instant, n: number): Instant.Instant => LocalTime.addLocalDays(at, 7 * n, zone)
