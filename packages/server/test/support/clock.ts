/**
 * A clock the test sets (`SimulatedTime.settable` from @lahete/testing):
 * wall-clock time stays where the test puts it (the server stamps commands
 * and checks tokens with it); monotonic time and sleeping are real.
 */
import { SimulatedTime } from "@lahete/testing"

export type TestTime = SimulatedTime.SettableClock

export const make = (start: number): TestTime => SimulatedTime.settable(start)
