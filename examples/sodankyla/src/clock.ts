/**
 * The simulated clock, and a timeline of things that happen by themselves.
 *
 * Everything in lahete that needs the time reads Effect's `Clock` service:
 * the FHIR server stamping a referral's arrival, the token check of the
 * referrer's system, the audit log, the training rules. A program that
 * provides this clock instead of the real one lives eight months of a
 * programme in a few seconds. Waiting (`sleep`, timeouts) still uses real
 * time.
 *
 * The timeline holds the other clients' planned actions: `advanceTo(t)` runs
 * everything planned up to `t` in time order, moving the clock to each one's
 * time, and leaves the clock at `t`.
 */
import { type FinnishCalendar, Instant, LocalTime } from "@lahete/core"
import { type Clock, Effect } from "effect"

/** The programme's time zone: every time the example names is local time in Sodankylä. */
export const zone = "Europe/Helsinki"

/** A simulated clock: provide `clock` as `Clock.Clock`; `set` moves it forward (never back). */
export interface SimulatedClock {
  readonly clock: Clock.Clock
  readonly now: () => Instant.Instant
  readonly set: (to: Instant.Instant) => void
}

export const make = (start: Instant.Instant, real: Clock.Clock): SimulatedClock => {
  let current = Instant.toMillis(start)
  const nanos = () => BigInt(current) * 1_000_000n
  return {
    clock: {
      currentTimeMillisUnsafe: () => current,
      currentTimeMillis: Effect.sync(() => current),
      currentTimeNanosUnsafe: nanos,
      currentTimeNanos: Effect.sync(nanos),
      monotonicTimeNanosUnsafe: () => real.monotonicTimeNanosUnsafe(),
      monotonicTimeNanos: real.monotonicTimeNanos,
      sleep: (duration) => real.sleep(duration)
    },
    now: () => Instant.make(current),
    set: (to) => {
      current = Math.max(current, Instant.toMillis(to))
    }
  }
}

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

/** Things planned at a time, run in time order (in the order added when times are equal). */
export interface Timeline<R> {
  readonly add: (at: Instant.Instant, run: Effect.Effect<void, never, R>) => void
  readonly advanceTo: (to: Instant.Instant) => Effect.Effect<void, never, R>
}

export const timeline = <R>(clock: SimulatedClock): Timeline<R> => {
  const planned: Array<{
    readonly at: Instant.Instant
    readonly seq: number
    readonly run: Effect.Effect<void, never, R>
  }> = []
  let seq = 0
  let sorted = true
  return {
    add: (at, run) => {
      planned.push({ at, seq: seq++, run })
      sorted = false
    },
    advanceTo: (to) =>
      Effect.gen(function* () {
        for (;;) {
          if (!sorted) {
            // latest first, so that the next one is taken from the end
            planned.sort((a, b) => Instant.compare(b.at, a.at) || b.seq - a.seq)
            sorted = true
          }
          const next = planned.at(-1)
          if (next === undefined || next.at > to) break
          planned.pop()
          clock.set(next.at)
          yield* next.run
        }
        clock.set(to)
      })
  }
}
