/**
 * A timeline of things that happen by themselves while the story goes on:
 * the worker's rounds, the other clients' referrals. `advanceTo(t)` runs
 * everything planned up to `t` in time order, moving the simulated clock to
 * each one's time, and leaves the clock at `t`.
 */
import { Instant } from "@lahete/core"
import { Effect } from "effect"
import type { SimulatedClock } from "./clock.ts"

interface Entry<R> {
  readonly at: Instant.Instant
  readonly seq: number
  readonly run: Effect.Effect<void, never, R>
}

export interface Timeline<R> {
  readonly add: (at: Instant.Instant, run: Effect.Effect<void, never, R>) => void
  readonly advanceTo: (to: Instant.Instant) => Effect.Effect<void, never, R>
}

export const make = <R>(clock: SimulatedClock): Timeline<R> => {
  const entries: Array<Entry<R>> = []
  let seq = 0
  let sorted = true
  const add = (at: Instant.Instant, run: Effect.Effect<void, never, R>) => {
    entries.push({ at, seq: seq++, run })
    sorted = false
  }
  const advanceTo = (to: Instant.Instant): Effect.Effect<void, never, R> =>
    Effect.gen(function* () {
      for (;;) {
        if (!sorted) {
          // latest last, so the next one is popped from the end
          entries.sort((a, b) => Instant.compare(b.at, a.at) || b.seq - a.seq)
          sorted = true
        }
        const next = entries.at(-1)
        if (next === undefined || next.at > to) break
        entries.pop()
        clock.set(next.at)
        yield* next.run
      }
      clock.set(to)
    })
  return { add, advanceTo }
}
