/**
 * Submissions racing on shared subject ids, on the in-memory store: both
 * checked before either appends, the second refused as if it had come later
 * (the shared suite, `SubjectRaceTest`); and a property over any
 * interleaving of many submissions, stepped one vault read at a time.
 */
import { describe, expect, it } from "@effect/vitest"
import {
  AuditLogMemory,
  Ids,
  LinkWorkerRegistry,
  PersonalData,
  Presets,
  type ReferralCommand,
  ReferralService,
  ReferralStore,
  ReferralStoreMemory
} from "@lahete/core"
import { Fixtures, SubjectRaceTest } from "@lahete/testing"
import { Effect, Fiber, Layer, Option, Result, Schema } from "effect"
import * as fc from "fast-check"

SubjectRaceTest.suite("memory", ReferralStoreMemory.layer)

type Submit = Extract<ReferralCommand.ReferralCommand, { _tag: "SubmitReferral" }>

/**
 * The people submitted. `sameClient` is an equivalence on them (the same
 * person: Aino and Aino written otherwise with her code; Ilmari twice with
 * his birth year), so every order of them one after another keeps each
 * vault row an identity that every referral under it is the same person as;
 * the rest are other people, also by name alone (the namesake with Eero's
 * code, Ilmari with another birth year).
 */
const people: ReadonlyArray<ReferralCommand.ClientDetails> = [
  Fixtures.submit().client,
  { ...Fixtures.submit().client, givenName: " AINO ", mobileNumber: "050 765 4321" },
  {
    givenName: "Eero",
    familyName: "Muukalainen",
    personalIdentityCode: "131052-308T",
    mobileNumber: "050 765 4321",
    language: "fi"
  },
  { ...Fixtures.submit().client, personalIdentityCode: "131052-308T" },
  { givenName: "Ilmari", familyName: "Koodition", birthYear: 1950, language: "sv" },
  { givenName: "ilmari", familyName: "Koodition ", birthYear: 1950, language: "fi" },
  { givenName: "Ilmari", familyName: "Koodition", birthYear: 1948, language: "fi" }
]

const subjects = ["shared-subject-0", "shared-subject-1"].map((s) => Schema.decodeSync(Ids.SubjectId)(s))

const submissionOf = (n: number, subject: number, person: number): Submit =>
  Fixtures.submit({
    referralId: Schema.decodeSync(Ids.ReferralId)(`interleaved-${n}`),
    idempotencyKey: Schema.decodeSync(Ids.IdempotencyKey)(`interleaved-${n}`),
    subjectId: subjects[subject] as Ids.SubjectId,
    client: people[person] as ReferralCommand.ClientDetails
  })

const environment = () =>
  Layer.mergeAll(
    ReferralStoreMemory.layer,
    AuditLogMemory.layer,
    LinkWorkerRegistry.layerMemory([Fixtures.linkWorker()]),
    ReferralService.catalogLayer(Presets.catalog)
  )

/** Every referral stored under a subject is about the person its vault row holds. */
const checkVault = (store: ReferralStore.Shape, submitted: ReadonlyArray<Submit>) =>
  Effect.gen(function* () {
    const stored = new Set(yield* store.referralIds())
    for (const subject of subjects) {
      const row = Option.getOrUndefined(yield* store.subject(subject))
      for (const command of submitted) {
        if (command.subjectId !== subject || !stored.has(command.referralId)) continue
        expect(row, `${command.referralId} has its data`).toBeDefined()
        expect(
          PersonalData.sameClient(row as PersonalData.SubjectData, command.client),
          `the row of ${subject} is about the client of ${command.referralId}`
        ).toBe(true)
        expect(Object.keys(row?.referrals ?? {})).toContain(command.referralId)
      }
    }
  })

describe("submissions on shared subject ids, interleaved", () => {
  it.effect(
    "property: whatever the interleaving, no vault row holds an identity sameClient refuses for a referral under it",
    () =>
      Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(
            fc.array(fc.record({ subject: fc.nat(subjects.length - 1), person: fc.nat(people.length - 1) }), {
              minLength: 2,
              maxLength: 6
            }),
            fc.array(fc.nat(), { maxLength: 60 }),
            async (plan, schedule) => {
              const submitted = plan.map((p, n) => submissionOf(n, p.subject, p.person))
              const program = Effect.gen(function* () {
                const store = yield* ReferralStore.ReferralStore
                const steps = yield* SubjectRaceTest.interleaving(store)
                // each submission through a service of its own over its view of the store: it waits after every
                // read of its subject until released
                const fibers = []
                for (const [n, command] of submitted.entries()) {
                  const service = yield* Effect.provideService(
                    ReferralService.make,
                    ReferralStore.ReferralStore,
                    steps.storeFor(n)
                  )
                  fibers.push(yield* steps.start(n, Effect.result(service.execute(command))))
                }
                const paused: Array<number> = []
                for (let i = 0; i < submitted.length; i++) {
                  const turn = yield* steps.next
                  expect(turn.kind).toBe("paused")
                  paused.push(turn.command)
                }
                // one waiting submission at a time goes on, as the schedule picks, until the next read or its end
                let step = 0
                while (paused.length > 0) {
                  const at = (schedule[step++] ?? 0) % paused.length
                  const command = paused[at] as number
                  yield* steps.release(command)
                  const turn = yield* steps.next
                  expect(turn.command).toBe(command)
                  if (turn.kind === "done") paused.splice(at, 1)
                  yield* checkVault(store, submitted)
                }
                for (const [n, fiber] of fibers.entries()) {
                  const outcome = yield* Fiber.join(fiber)
                  const command = submitted[n] as Submit
                  if (Result.isSuccess(outcome)) continue
                  // refused as a sequential submission would be, or out of retries: nothing of it written
                  expect(["InvalidCommand", "SubjectChanged"]).toContain(outcome.failure._tag)
                  if (outcome.failure._tag === "InvalidCommand") expect(outcome.failure.field).toBe("subjectId")
                  expect((yield* store.current(command.referralId)).version).toBe(0)
                }
              })
              await Effect.runPromise(program.pipe(Effect.provide(environment())))
            }
          ),
          { numRuns: 300 }
        )
      )
  )
})
