/**
 * A submission that names a subject already in the vault must be about that
 * person (issue: a referrer of any organisation who submitted with another
 * client's `subjectId` replaced that client's name, identity code and number,
 * so the client's own link worker then saw someone else's details). Refused
 * with `InvalidCommand` on `subjectId`, nothing written; the same person's
 * second referral is accepted.
 */
import { describe, expect, it } from "@effect/vitest"
import { Ids, PersonalData, PersonalIdentityCode, ReferralCommand, ReferralService, ReferralStore } from "@lahete/core"
import { Fixtures, IdentityArbitraries } from "@lahete/testing"
import { Effect, Layer, Option, Result, Schema } from "effect"
import * as fc from "fast-check"

const memory = () => Layer.fresh(ReferralService.layerMemory({ linkWorkers: [Fixtures.linkWorker()] }))
const referral = (s: string) => Schema.decodeSync(ReferralCommand.SubmitReferral.fields.referralId)(s)
const key = (s: string) => Schema.decodeSync(ReferralCommand.SubmitReferral.fields.idempotencyKey)(s)

/** Aino's referral, then a second one under the same subject id with `client`, by another organisation. */
const second = (client: ReferralCommand.ClientDetails) =>
  Fixtures.submit({
    referralId: referral("referral-2"),
    idempotencyKey: key("submit-2"),
    actor: {
      ...Fixtures.referrer,
      id: Schema.decodeSync(Ids.ActorId)("referrer-9"),
      organisation: Schema.decodeSync(Ids.OrganisationId)("other-health-centre")
    },
    client
  })

describe("a submission naming a subject on record", () => {
  it.effect("for another person is refused on subjectId; the first client's data and referrals stay as they were", () =>
    Effect.gen(function* () {
      const service = yield* ReferralService.ReferralService
      const store = yield* ReferralStore.ReferralStore
      yield* service.execute(Fixtures.submit())
      const before = yield* store.subject(Fixtures.submit().subjectId)
      const other = {
        givenName: "Eero",
        familyName: "Muukalainen",
        personalIdentityCode: "131052-308T",
        mobileNumber: "050 765 4321",
        language: "fi" as const
      }
      const refused = yield* Effect.flip(service.execute(second(other)))
      expect(refused._tag).toBe("InvalidCommand")
      expect(refused).toMatchObject({ field: "subjectId" })
      // nothing personal in the refusal
      for (const value of Object.values(other)) expect(refused.message).not.toContain(value)
      expect(yield* store.subject(Fixtures.submit().subjectId)).toEqual(before)
      expect(yield* store.referralIds()).toEqual([Fixtures.submit().referralId])
      // the same name with another identity code is another person too
      const namesake = yield* Effect.flip(
        service.execute(second({ ...Fixtures.submit().client, personalIdentityCode: "131052-308T" }))
      )
      expect(namesake).toMatchObject({ _tag: "InvalidCommand", field: "subjectId" })
      // without identity codes, another name or birth year is another person
      yield* service.execute(
        Fixtures.submit({
          referralId: referral("referral-3"),
          idempotencyKey: key("submit-3"),
          subjectId: Schema.decodeSync(ReferralCommand.SubmitReferral.fields.subjectId)("subject-3"),
          client: { givenName: "Ilmari", familyName: "Koodition", birthYear: 1950, language: "fi" }
        })
      )
      const olderNamesake = yield* Effect.flip(
        service.execute(
          Fixtures.submit({
            referralId: referral("referral-4"),
            idempotencyKey: key("submit-4"),
            subjectId: Schema.decodeSync(ReferralCommand.SubmitReferral.fields.subjectId)("subject-3"),
            client: { givenName: "Ilmari", familyName: "Koodition", birthYear: 1948, language: "fi" }
          })
        )
      )
      expect(olderNamesake).toMatchObject({ _tag: "InvalidCommand", field: "subjectId" })
    }).pipe(Effect.provide(memory()))
  )

  it.effect("for the same person is accepted, and the newer contact details are kept", () =>
    Effect.gen(function* () {
      const service = yield* ReferralService.ReferralService
      const store = yield* ReferralStore.ReferralStore
      yield* service.execute(Fixtures.submit())
      // the identity code decides, whatever the spelling of the name; the code written in lower case
      const same = { ...Fixtures.submit().client, givenName: " aino ", mobileNumber: "050 765 4321" }
      yield* service.execute(second({ ...same, personalIdentityCode: "010594y9032" }))
      const stored = Option.getOrThrow(yield* store.subject(Fixtures.submit().subjectId))
      expect(stored.mobileNumber).toBe("+358507654321")
      expect(yield* store.referralIds()).toEqual([Fixtures.submit().referralId, referral("referral-2")])
      // a retry of the refused-or-accepted submission answers as the first time
      const again = yield* service.execute(second({ ...same, personalIdentityCode: "010594y9032" }))
      expect(again.replayed).toBe(true)
    }).pipe(Effect.provide(memory()))
  )
})

describe("PersonalData.sameClient", () => {
  const stored = (code: string): PersonalData.SubjectData => ({
    subjectId: Fixtures.submit().subjectId,
    givenName: "Aino",
    familyName: "Testinen",
    personalIdentityCode: code,
    language: "fi",
    referrals: {}
  })

  it("property: with identity codes on both sides, the codes alone decide", () => {
    fc.assert(
      fc.property(
        IdentityArbitraries.personalIdentityCode(),
        IdentityArbitraries.personalIdentityCode(),
        fc.boolean(),
        (a, b, rename) => {
          const client = {
            givenName: rename ? "Someone" : "Aino",
            familyName: "Testinen",
            personalIdentityCode: b.toLowerCase(),
            language: "fi" as const
          }
          expect(PersonalData.sameClient(stored(a), client)).toBe(a === b)
          expect(PersonalData.sameClient(stored(a), { ...client, personalIdentityCode: a })).toBe(true)
        }
      ),
      { numRuns: 300 }
    )
  })

  it("without a code on one side, the names (case and spaces aside) and a birth year given on both sides decide", () => {
    const noCode: PersonalData.SubjectData = {
      subjectId: Fixtures.submit().subjectId,
      givenName: "Äinö",
      familyName: "Testinen",
      birthYear: 1950,
      language: "fi",
      referrals: {}
    }
    const client = { givenName: "ÄINÖ ", familyName: "testinen", language: "fi" as const }
    expect(PersonalData.sameClient(noCode, client)).toBe(true)
    expect(PersonalData.sameClient(noCode, { ...client, birthYear: 1950 })).toBe(true)
    expect(PersonalData.sameClient(noCode, { ...client, birthYear: 1951 })).toBe(false)
    expect(PersonalData.sameClient(noCode, { ...client, familyName: "Testinén" })).toBe(false)
    expect(PersonalData.sameClient(noCode, { ...client, personalIdentityCode: "131052-308T" })).toBe(true)
    expect(Result.isSuccess(PersonalIdentityCode.parse("131052-308T"))).toBe(true)
  })
})
