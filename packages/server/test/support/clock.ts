/**
 * A clock the test sets: wall-clock time stays where the test puts it (the
 * server stamps commands and checks tokens with it); monotonic time and
 * sleeping are real.
 */
import { Clock, Effect, Layer } from "effect"

export interface TestTime {
  readonly clock: Clock.Clock
  readonly layer: Layer.Layer<never>
  readonly set: (millis: number) => void
  readonly now: () => number
}

export const make = (start: number): TestTime => {
  let current = start
  const real = Clock.Clock.defaultValue()
  const clock: Clock.Clock = {
    currentTimeMillisUnsafe: () => current,
    currentTimeMillis: Effect.sync(() => current),
    currentTimeNanosUnsafe: () => BigInt(current) * 1_000_000n,
    currentTimeNanos: Effect.sync(() => BigInt(current) * 1_000_000n),
    monotonicTimeNanosUnsafe: () => real.monotonicTimeNanosUnsafe(),
    monotonicTimeNanos: real.monotonicTimeNanos,
    sleep: (duration) => real.sleep(duration)
  }
  return {
    clock,
    layer: Layer.succeed(Clock.Clock, clock),
    set: (millis) => {
      current = millis
    },
    now: () => current
  }
}
