/**
 * Given/when/then specs for the referral decider:
 *
 * ```ts
 * const spec = DeciderSpec.make(Referral.makeDecider(Presets.catalog))
 * spec.given([submitted]).when(assign).then([assigned])
 * spec.given([submitted]).when(schedule).thenFails("TransitionNotAllowed")
 * ```
 *
 * `then` compares the produced events exactly; `thenFails` checks the error's
 * tag and, optionally, its fields. Both also check that every produced event
 * folds with `evolve` and that the decider returned data, not a throw.
 *
 * @since 0.1.0
 */
import type { Referral, ReferralCommand, ReferralError, ReferralEvent } from "@lahete/core"
import { Result } from "effect"
import { expect } from "vitest"

/**
 * The `when` stage.
 *
 * @since 0.1.0
 * @category models
 */
export interface When {
  /** The command produces exactly these events. (Do not `await` a `When`: it is not a promise.) */
  readonly then: (expected: ReadonlyArray<ReferralEvent.ReferralEvent>) => Referral.ReferralState
  /** The command produces events; the callback inspects them. */
  readonly thenEvents: (
    check: (events: ReadonlyArray<ReferralEvent.ReferralEvent>, state: Referral.ReferralState) => void
  ) => Referral.ReferralState
  /** The command is refused with this error tag (and these fields, if given). */
  readonly thenFails: <Tag extends ReferralError.DecideError["_tag"]>(
    tag: Tag,
    fields?: Partial<Omit<Extract<ReferralError.DecideError, { _tag: Tag }>, "_tag">>
  ) => ReferralError.DecideError
}

/**
 * The `given` stage.
 *
 * @since 0.1.0
 * @category models
 */
export interface Given {
  readonly when: (command: ReferralCommand.ReferralCommand) => When
  /** The state after the given events. */
  readonly state: Referral.ReferralState
}

/**
 * A spec bound to a decider.
 *
 * @since 0.1.0
 * @category models
 */
export interface Spec {
  readonly given: (events: ReadonlyArray<ReferralEvent.ReferralEvent>) => Given
}

/**
 * Makes a spec for a decider.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (decider: Referral.Decider): Spec => ({
  given: (history) => {
    const state = history.reduce(decider.evolve, decider.initialState)
    return {
      state,
      when: (command) => {
        const result = decider.decide(command, state)
        const fold = (events: ReadonlyArray<ReferralEvent.ReferralEvent>) => events.reduce(decider.evolve, state)
        return {
          // biome-ignore lint/suspicious/noThenProperty: the given/when/then vocabulary is the point; a When is never awaited
          then: (expected) => {
            if (Result.isFailure(result)) {
              throw new Error(
                `expected events, but ${command._tag} was refused: ${result.failure._tag} ${result.failure.message}`
              )
            }
            expect(result.success).toEqual(expected)
            return fold(result.success)
          },
          thenEvents: (check) => {
            if (Result.isFailure(result)) {
              throw new Error(
                `expected events, but ${command._tag} was refused: ${result.failure._tag} ${result.failure.message}`
              )
            }
            const next = fold(result.success)
            check(result.success, next)
            return next
          },
          thenFails: (tag, fields) => {
            if (Result.isSuccess(result)) {
              throw new Error(
                `expected ${tag}, but ${command._tag} was accepted with ${result.success.map((e) => e._tag).join(", ") || "no events"}`
              )
            }
            expect(result.failure._tag).toBe(tag)
            if (fields !== undefined) expect(result.failure).toMatchObject(fields)
            return result.failure
          }
        }
      }
    }
  }
})
