/**
 * The referral the benchmark runs, start to end: submit → assign → schedule
 * the call → first contact → baseline measure → three meetings → end measure
 * → close → follow-up measure (`FollowedUp`). Eleven commands, each on its own
 * idempotency key; every referral has its own subject (its own vault row).
 */
import { Ids, PersonalData, type ReferralCommand, type ReferralStore } from "@lahete/core"
import { Fixtures } from "@lahete/testing"
import { Result, Schema } from "effect"

type Command = ReferralCommand.ReferralCommand

const referralId = Schema.decodeSync(Ids.ReferralId)
const subjectId = Schema.decodeSync(Ids.SubjectId)
const key = Schema.decodeSync(Ids.IdempotencyKey)

/** Commands per lifecycle. */
export const commandsPerLifecycle = 11

/** The commands of lifecycle `name` (unique per database), in order. */
export const lifecycle = (name: string): ReadonlyArray<Command> => {
  const id = referralId(`bench-${name}`)
  const on = (step: string, command: Command): Command => ({
    ...command,
    referralId: id,
    idempotencyKey: key(`bench-${name}-${step}`)
  })
  const week = 24 * 7
  const commands: Array<Command> = [
    on("submit", Fixtures.submit({ subjectId: subjectId(`subject-${name}`) })),
    on("assign", Fixtures.assign()),
    on("schedule", Fixtures.scheduleCall()),
    on("contact", Fixtures.firstContact()),
    on("baseline", Fixtures.measure({ timePoint: "baseline", at: Fixtures.at(27) })),
    ...[1, 2, 3].map((n) =>
      on(
        `meeting-${n}`,
        Fixtures.meeting({ meetingAt: Fixtures.at(week * n), at: Fixtures.at(week * n + 2), durationMinutes: 45 + n })
      )
    ),
    on("end", Fixtures.measure({ timePoint: "end", at: Fixtures.at(24 * 119), answers: [4, 3, 3, 4, 4, 3, 3] })),
    on("close", Fixtures.close()),
    on(
      "follow-up",
      Fixtures.measure({ timePoint: "follow-up", at: Fixtures.at(24 * (120 + 91)), answers: [4, 4, 3, 4, 4, 3, 4] })
    )
  ]
  return commands
}

/**
 * The appends `ReferralService` makes for lifecycle `name`: each command
 * decided against the state before it, with its events, expected version and
 * vault write, and the state they were decided against. For timing the
 * store's `append` alone.
 */
export const appendRequests = (name: string): ReadonlyArray<ReferralStore.AppendRequest> => {
  const decider = Fixtures.decider
  let state = decider.initialState
  let version = 0
  const out: Array<ReferralStore.AppendRequest> = []
  for (const command of lifecycle(name)) {
    const decision = decider.decide(command, state)
    if (Result.isFailure(decision)) {
      throw new Error(`bench lifecycle: ${command._tag} refused (${decision.failure._tag})`)
    }
    const events = decision.success
    const write = PersonalData.vaultWrite(command, state.subjectId)
    out.push({
      referralId: command.referralId,
      expectedVersion: version,
      events,
      idempotencyKey: command.idempotencyKey,
      fingerprint: `bench-${command.idempotencyKey}`,
      vault: write === undefined ? [] : [write],
      // as ReferralService passes it: the state the events were decided against
      state
    })
    for (const event of events) state = decider.evolve(state, event)
    version += events.length
  }
  return out
}
