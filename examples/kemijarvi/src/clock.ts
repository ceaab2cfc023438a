/**
 * A simulated clock. Everything in lahete that needs the time (the receiving
 * transport stamping a referral, the scheduler deciding which deadlines are
 * due, the dispatcher's quiet hours, the audit log) reads Effect's `Clock`
 * service, so a program that provides this clock instead runs months of a
 * referral's life in seconds. Waiting (`sleep`, timeouts) still uses real
 * time.
 */
import { Instant, LocalTime } from "@lahete/core"
import { type Clock, Effect } from "effect"

/** The programme's time zone: every time the demo names is local time in Kemijärvi. */
export const zone = "Europe/Helsinki"

export interface SimulatedClock {
  /** Provide this as `Clock.Clock`. */
  readonly clock: Clock.Clock
  /** The simulated time now. */
  readonly now: () => Instant.Instant
  /** Moves the clock forward (never back) to `to`. */
  readonly set: (to: Instant.Instant) => void
}

export const make = (start: Instant.Instant, real: Clock.Clock): SimulatedClock => {
  let current = Instant.toMillis(start)
  const nanos = () => BigInt(current) * 1_000_000n
  const clock: Clock.Clock = {
    currentTimeMillisUnsafe: () => current,
    currentTimeMillis: Effect.sync(() => current),
    currentTimeNanosUnsafe: nanos,
    currentTimeNanos: Effect.sync(nanos),
    monotonicTimeNanosUnsafe: () => real.monotonicTimeNanosUnsafe(),
    monotonicTimeNanos: real.monotonicTimeNanos,
    sleep: (duration) => real.sleep(duration)
  }
  return {
    clock,
    now: () => Instant.make(current),
    set: (to) => {
      current = Math.max(current, Instant.toMillis(to))
    }
  }
}

/** A local time in Kemijärvi as an instant: `local("2026-03-02", "09:30")`. */
export const local = (date: string, clock: string): Instant.Instant =>
  LocalTime.instantAt(date as Parameters<typeof LocalTime.instantAt>[0], clock, zone)

/** An instant as local time in words, e.g. `Monday 2 March 2026 at 9:30`, for the narration. */
export const show = (at: Instant.Instant): string => LocalTime.format(at, zone, "en")
