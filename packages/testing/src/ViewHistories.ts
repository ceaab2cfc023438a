/**
 * Referral histories for tests of what a transport sends of a view: every
 * view field should appear in some generated history, so that a transport
 * that drops one (or sends one the view does not hold) fails.
 *
 * `histories` mixes the model-based `CommandSequences.sequence` (every
 * lifecycle path, consents, erasure, markers), plan histories (the fixture
 * referral made Active, the client's feedback consent granted or not, the
 * walking group joined or not, generated plan commands, closed or not) and
 * the measure-link story stopped after each of its commands. `seed` writes a
 * run's accepted commands to a store the way the service does (one append
 * per command, with its vault write); `subjects` is the vault it leaves,
 * for views built without a store. `fieldPaths` lists the fields a body
 * holds, to check that the histories reached the fields that come and go.
 *
 * @since 0.3.0
 */
import { PersonalData, type ReferralCommand, type ReferralStore, type Views } from "@lahete/core"
import { Effect } from "effect"
import * as fc from "fast-check"
import * as Arbitraries from "./Arbitraries.js"
import * as CommandSequences from "./CommandSequences.js"
import * as Fixtures from "./Fixtures.js"

type Command = ReferralCommand.ReferralCommand

const planOptions = { referralId: Fixtures.referralId, actor: Fixtures.linkWorkerActor }

/**
 * The fixture referral made Active (its referrer asked for the closing
 * feedback), the client's feedback consent granted or not, the walking group
 * suggested and joined or not (random steps seldom get that far), generated
 * plan commands by the link worker (refused ones leave no trace when run),
 * then closed or not.
 *
 * @since 0.3.0
 * @category arbitraries
 */
export const planHistories: fc.Arbitrary<ReadonlyArray<Command>> = fc
  .tuple(
    fc.boolean(),
    fc.boolean(),
    fc.array(
      fc.oneof(
        Arbitraries.recordPlan(planOptions),
        Arbitraries.recordActivity(planOptions),
        Arbitraries.recordActivity(planOptions),
        Arbitraries.recordUnmetNeed(planOptions)
      ),
      { minLength: 1, maxLength: 12 }
    ),
    fc.boolean()
  )
  .map(([consent, joined, plan, closed]) => [
    ...Fixtures.pathTo.Active(),
    ...(consent ? [Fixtures.recordConsent("feedback-to-referrer", "granted", { actor: Fixtures.client })] : []),
    ...(joined
      ? [
          Fixtures.activity("suggested", { at: Fixtures.at(24 * 6) }),
          Fixtures.activity("joined", { at: Fixtures.at(24 * 7) })
        ]
      : []),
    ...plan.map((c, i) => ({ ...c, at: Fixtures.at(24 * (8 + i)) })),
    ...(closed ? [Fixtures.close({ at: Fixtures.at(24 * 30) })] : [])
  ])

/**
 * The measure-link story (`Fixtures.measureLinkStory`), stopped after each
 * of its commands.
 *
 * @since 0.3.0
 * @category arbitraries
 */
export const measureLinkHistories: fc.Arbitrary<ReadonlyArray<Command>> = fc
  .integer({ min: 1, max: Fixtures.measureLinkStory().length })
  .map((n) => Fixtures.measureLinkStory().slice(0, n))

/**
 * Generated sequences (`CommandSequences.sequence`, up to 30 commands),
 * plan histories and measure-link histories, 4 : 4 : 1. Run them with
 * `CommandSequences.run(Fixtures.decider, commands)`.
 *
 * @since 0.3.0
 * @category arbitraries
 */
export const histories: fc.Arbitrary<ReadonlyArray<Command>> = fc.oneof(
  { arbitrary: CommandSequences.sequence({ maxLength: 30 }), weight: 4 },
  { arbitrary: planHistories, weight: 4 },
  { arbitrary: measureLinkHistories, weight: 1 }
)

/**
 * Writes a run's accepted commands to the store as the service would: one
 * append per accepted command, with its events and its vault write.
 *
 * @since 0.3.0
 * @category seeding
 */
export const seed = (
  store: ReferralStore.Shape,
  run: CommandSequences.Run
): Effect.Effect<void, ReferralStore.ReferralStoreError> =>
  Effect.forEach(
    run.steps.filter((step) => step.after.version > step.before.version),
    (step) => {
      const write = PersonalData.vaultWrite(step.command, step.before.subjectId)
      return store.append({
        referralId: step.command.referralId,
        expectedVersion: step.before.version,
        events: run.events.slice(step.before.version, step.after.version),
        idempotencyKey: step.command.idempotencyKey,
        fingerprint: step.command._tag,
        vault: write === undefined ? [] : [write]
      })
    },
    { discard: true }
  )

/**
 * The vault after a run's accepted commands (what `seed` writes), for
 * building a view without a store.
 *
 * @since 0.3.0
 * @category seeding
 */
export const subjects = (run: CommandSequences.Run): Views.Subjects => {
  const vault = new Map<string, PersonalData.SubjectData>()
  for (const step of run.steps) {
    if (step.after.version === step.before.version) continue
    const write = PersonalData.vaultWrite(step.command, step.before.subjectId)
    if (write === undefined) continue
    const id = write._tag === "PutSubject" ? write.subject.subjectId : write.subjectId
    const next = PersonalData.apply(vault.get(id), write)
    if (next === undefined) vault.delete(id)
    else vault.set(id, next)
  }
  return vault
}

/**
 * The dotted paths of every object key in a JSON value (array items merged,
 * each path once): `["entries", "entries.plan", "entries.plan.goals"]`.
 *
 * @since 0.3.0
 * @category getters
 */
export const fieldPaths = (value: unknown, prefix = ""): ReadonlyArray<string> =>
  Array.isArray(value)
    ? [...new Set(value.flatMap((v) => fieldPaths(v, prefix)))]
    : typeof value === "object" && value !== null
      ? Object.entries(value).flatMap(([k, v]) => [`${prefix}${k}`, ...fieldPaths(v, `${prefix}${k}.`)])
      : []
