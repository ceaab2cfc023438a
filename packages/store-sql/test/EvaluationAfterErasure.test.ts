/**
 * Erasure leaves the statistics intact: the evaluation report computed from
 * the stored event histories is the same before and after every client's
 * personal data is erased (the pseudonymous history feeds it).
 */
import { describe, expect, it } from "@effect/vitest"
import { Evaluation, Ids, Instant, Presets, type ReferralCommand, ReferralService, ReferralStore } from "@lahete/core"
import { Fixtures } from "@lahete/testing"
import { Effect, Schema } from "effect"
import { databases, serviceOn } from "./support/layers.js"

type Command = ReferralCommand.ReferralCommand
const referralId = Schema.decodeSync(Ids.ReferralId)
const subjectId = Schema.decodeSync(Ids.SubjectId)

/** A Kemijärvi referral from submission to the follow-up measure, with its own answers. */
const lifecycle = (i: number): ReadonlyArray<Command> => {
  const answers = (shift: number) => [1, 2, 3, 4, 5, 3, 2].map((a) => 1 + ((a + i + shift) % 5))
  return [
    Fixtures.submit(),
    Fixtures.assign(),
    Fixtures.scheduleCall(),
    Fixtures.firstContact(),
    Fixtures.measure({ answers: answers(0) }),
    Fixtures.measure({ timePoint: "end", at: Fixtures.at(24 * 100 + i), answers: answers(i % 3) }),
    Fixtures.close({ at: Fixtures.at(24 * 100 + i + 1) }),
    Fixtures.measure({ timePoint: "follow-up", at: Fixtures.at(24 * 192 + i), answers: answers(1 + (i % 2)) })
  ].map(
    (c): Command =>
      c._tag === "SubmitReferral"
        ? { ...c, referralId: referralId(`r-${i}`), subjectId: subjectId(`s-${i}`) }
        : { ...c, referralId: referralId(`r-${i}`) }
  )
}

const count = 12

for (const database of databases()) {
  const layer = serviceOn(database.client)

  describe(`evaluation after erasure on ${database.name}`, () => {
    it.live("the report is unchanged when every client's personal data is erased", () =>
      Effect.gen(function* () {
        const service = yield* ReferralService.ReferralService
        const store = yield* ReferralStore.ReferralStore
        for (let i = 0; i < count; i++) for (const c of lifecycle(i)) yield* service.execute(c)

        const report = Effect.gen(function* () {
          const histories = []
          for (const id of yield* store.referralIds()) histories.push((yield* store.load(id)).events)
          return Evaluation.report({
            programmeId: "kemijarvi",
            period: { from: Fixtures.t0, to: Instant.plusMillis(Fixtures.t0, 86_400_000) },
            asOf: Instant.plusMillis(Fixtures.t0, 500 * 86_400_000),
            histories,
            catalog: Presets.catalog
          })
        })

        const before = yield* report
        // the figures are real, not suppressed: 12 clients with paired SWEMWBS scores
        expect(Evaluation.toJson(before).replaceAll(/\s/g, "")).toContain('"pairs":{"_tag":"Value","value":12}')

        for (let i = 0; i < count; i++) {
          yield* service.execute(Fixtures.erase({ referralId: referralId(`r-${i}`), at: Fixtures.at(24 * 400) }))
        }
        for (let i = 0; i < count; i++) {
          expect((yield* store.subject(subjectId(`s-${i}`)))._tag).toBe("None")
        }
        const after = yield* report
        expect(Evaluation.toJson(after)).toEqual(Evaluation.toJson(before))
      }).pipe(Effect.provide(layer))
    )
  })
}
