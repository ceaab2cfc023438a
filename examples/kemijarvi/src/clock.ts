/**
 * Local time in Kemijärvi, for the demo's script and narration. The clock
 * itself is `SimulatedTime.settable` from @lahete/testing: everything in
 * lahete that needs the time (the receiving transport stamping a referral,
 * the scheduler deciding which deadlines are due, the dispatcher's quiet
 * hours, the audit log) reads Effect's `Clock` service, so a program that
 * provides that clock instead runs months of a referral's life in seconds.
 * Waiting (`sleep`, timeouts) still uses real time.
 */
import { type Instant, LocalTime } from "@lahete/core"

/** The programme's time zone: every time the demo names is local time in Kemijärvi. */
export const zone = "Europe/Helsinki"

/** A local time in Kemijärvi as an instant: `local("2026-03-02", "09:30")`. */
export const local = (date: string, clock: string): Instant.Instant =>
  LocalTime.instantAt(date as Parameters<typeof LocalTime.instantAt>[0], clock, zone)

/** An instant as local time in words, e.g. `Monday 2 March 2026 at 9:30`, for the narration. */
export const show = (at: Instant.Instant): string => LocalTime.format(at, zone, "en")
