/**
 * Simulated wall-clock time for tests, demos and replays: a `Clock` whose
 * current time is what the caller sets, while monotonic time and sleeping
 * stay real (so timeouts, intervals and database clients keep working —
 * effect's `TestClock` also virtualises sleeping, which a worker loop or a
 * PostgreSQL client waiting on the network cannot use), and a timeline that
 * runs planned effects in time order as the clock moves forward.
 *
 * @since 0.1.0
 */
import { Instant } from "@lahete/core"
import { Clock, Effect, Layer } from "effect"

/**
 * A clock the caller sets.
 *
 * @since 0.1.0
 * @category models
 */
export interface SettableClock {
  /** Provide this as `Clock.Clock`. */
  readonly clock: Clock.Clock
  /** `clock` as a layer. */
  readonly layer: Layer.Layer<never>
  /** The time now, in milliseconds. */
  readonly millis: () => number
  /** The time now. */
  readonly now: () => Instant.Instant
  /** Sets the time (forward or back). */
  readonly set: (to: Instant.Instant | number) => void
  /** Moves the time forward to `to`; an earlier `to` leaves it where it is. */
  readonly forward: (to: Instant.Instant | number) => void
}

const toMillis = (at: Instant.Instant | number): number => (typeof at === "number" ? at : Instant.toMillis(at))

/**
 * A settable clock starting at `start`; monotonic time and sleeping come
 * from `real` (default: the default clock).
 *
 * @since 0.1.0
 * @category constructors
 */
export const settable = (
  start: Instant.Instant | number,
  real: Clock.Clock = Clock.Clock.defaultValue()
): SettableClock => {
  let current = toMillis(start)
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
    layer: Layer.succeed(Clock.Clock, clock),
    millis: () => current,
    now: () => Instant.make(current),
    set: (to) => {
      current = toMillis(to)
    },
    forward: (to) => {
      current = Math.max(current, toMillis(to))
    }
  }
}

/**
 * Effects planned at times, run in time order as the clock moves forward.
 *
 * @since 0.1.0
 * @category models
 */
export interface Timeline<R> {
  /** Plans `run` at `at` (effects planned at the same time run in the order added). */
  readonly add: (at: Instant.Instant, run: Effect.Effect<void, never, R>) => void
  /**
   * Runs everything planned up to `to` in time order, moving the clock
   * forward to each one's time, and leaves the clock at `to`.
   */
  readonly advanceTo: (to: Instant.Instant) => Effect.Effect<void, never, R>
}

/**
 * A timeline over a settable clock.
 *
 * @since 0.1.0
 * @category constructors
 */
export const timeline = <R>(clock: Pick<SettableClock, "forward">): Timeline<R> => {
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
          clock.forward(next.at)
          yield* next.run
        }
        clock.forward(to)
      })
  }
}
