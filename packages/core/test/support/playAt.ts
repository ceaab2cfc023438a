/** Commands run through the service at their own times. */
import { Instant, type ReferralCommand, ReferralService } from "@lahete/core"
import { Effect } from "effect"
import { TestClock } from "effect/testing"

/** Runs commands at their own times (the test clock set to each); every one must be accepted. */
export const playAt = (commands: ReadonlyArray<ReferralCommand.ReferralCommand>) =>
  Effect.gen(function* () {
    const service = yield* ReferralService.ReferralService
    for (const c of commands) {
      yield* TestClock.setTime(Instant.toMillis(c.at))
      yield* service.execute(c)
    }
  })
