/**
 * The contract of a "next due" instant (`Deadlines.nextDueAt`,
 * `Scheduler.nextDueAt`) against what is due at an instant
 * (`Deadlines.dueFirings`, `Scheduler.commandsDue`).
 */
import { expect } from "@effect/vitest"
import { Instant } from "@lahete/core"

const hour = 3_600_000
const day = 24 * hour

/**
 * Looking from `start`: when `next` is undefined, nothing is ever due (checked up to ten years on); else
 * something is due at `next` (at `start` when `next` is before it), and nothing between `start` and `next`
 * (checked at `start`, midway and the millisecond before).
 */
export const expectNextDue = (
  next: Instant.Instant | undefined,
  start: Instant.Instant,
  dueAt: (at: Instant.Instant) => ReadonlyArray<unknown>
): void => {
  if (next === undefined) {
    for (const later of [0, hour, day, 30 * day, 400 * day, 3650 * day]) {
      expect(dueAt(Instant.plusMillis(start, later))).toEqual([])
    }
    return
  }
  expect(dueAt(next > start ? next : start).length).toBeGreaterThan(0)
  if (next > start) {
    const span = Date.parse(next) - Date.parse(start)
    for (const part of [0, Math.floor(span / 2), span - 1]) {
      expect(dueAt(Instant.plusMillis(start, part))).toEqual([])
    }
  }
}
