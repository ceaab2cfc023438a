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

describe("what the vault knows of who a client is never shrinks", () => {
  const submitAs = (n: number, client: ReferralCommand.ClientDetails) =>
    Fixtures.submit({ referralId: referral(`referral-${n}`), idempotencyKey: key(`submit-${n}`), client })

  it.effect(
    "a submission for the client without their identity code keeps the code on record, so a namesake with another code is refused",
    () =>
      Effect.gen(function* () {
        const service = yield* ReferralService.ReferralService
        const store = yield* ReferralStore.ReferralStore
        const subjectId = Fixtures.submit().subjectId
        yield* service.execute(Fixtures.submit())
        const { personalIdentityCode: _code, ...withoutCode } = Fixtures.submit().client
        // the same person by name (no code given, a birth year given): accepted, the code and the new year both kept
        yield* service.execute(submitAs(2, { ...withoutCode, birthYear: 1994, mobileNumber: "050 765 4321" }))
        const stored = Option.getOrThrow(yield* store.subject(subjectId))
        expect(stored.personalIdentityCode).toBe("010594Y9032")
        expect(stored.birthYear).toBe(1994)
        expect(stored.mobileNumber).toBe("+358507654321")
        // a namesake with another identity code: refused (before the fix, the record had lost its code and let them in)
        const namesake = yield* Effect.flip(
          service.execute(submitAs(3, { ...withoutCode, personalIdentityCode: "131052-308T" }))
        )
        expect(namesake).toMatchObject({ _tag: "InvalidCommand", field: "subjectId" })
        expect(Option.getOrThrow(yield* store.subject(subjectId)).personalIdentityCode).toBe("010594Y9032")
      }).pipe(Effect.provide(memory()))
  )

  it.effect(
    "a submission with a code but no birth year keeps the year on record, so a namesake born another year is refused",
    () =>
      Effect.gen(function* () {
        const service = yield* ReferralService.ReferralService
        const store = yield* ReferralStore.ReferralStore
        const client = { givenName: "Ilmari", familyName: "Koodition", language: "fi" as const }
        yield* service.execute(submitAs(1, { ...client, birthYear: 1950 }))
        // the same person by name (the record has no code to compare): accepted, the code added, the year kept
        yield* service.execute(submitAs(2, { ...client, personalIdentityCode: "010150-123A" }))
        const stored = Option.getOrThrow(yield* store.subject(Fixtures.submit().subjectId))
        expect(stored).toMatchObject({ personalIdentityCode: "010150-123A", birthYear: 1950 })
        // a namesake without a code, born another year: refused (the record kept the year that tells them apart)
        const older = yield* Effect.flip(service.execute(submitAs(3, { ...client, birthYear: 1948 })))
        expect(older).toMatchObject({ _tag: "InvalidCommand", field: "subjectId" })
      }).pipe(Effect.provide(memory()))
  )

  it("property: after any sequence of submissions on one subject id, the record holds a code and a birth year whenever an accepted one gave them, the latest given", () => {
    const names = fc.constantFrom("Aino", " aino ", "AINO")
    const codes = fc.constantFrom(undefined, "010594Y9032", "131052-308T")
    const years = fc.constantFrom(undefined, 1994, 1952)
    const clients = fc.array(
      // a submission gives the code or the birth year (or both)
      fc
        .record({ givenName: names, personalIdentityCode: codes, birthYear: years })
        .filter((c) => c.personalIdentityCode !== undefined || c.birthYear !== undefined)
        // a birth year beside a code is the code's (the decider refuses another)
        .map((c) =>
          c.personalIdentityCode !== undefined && c.birthYear !== undefined
            ? { ...c, birthYear: c.personalIdentityCode === "010594Y9032" ? 1994 : 1952 }
            : c
        ),
      { minLength: 1, maxLength: 6 }
    )
    fc.assert(
      fc.property(clients, (given) => {
        const result = Effect.runSync(
          Effect.gen(function* () {
            const service = yield* ReferralService.ReferralService
            const store = yield* ReferralStore.ReferralStore
            const accepted: Array<(typeof given)[number]> = []
            for (const [i, c] of given.entries()) {
              const client: ReferralCommand.ClientDetails = {
                givenName: c.givenName,
                familyName: "Testinen",
                language: "fi",
                ...(c.personalIdentityCode === undefined ? {} : { personalIdentityCode: c.personalIdentityCode }),
                ...(c.birthYear === undefined ? {} : { birthYear: c.birthYear })
              }
              const outcome = yield* Effect.result(service.execute(submitAs(i + 1, client)))
              if (Result.isSuccess(outcome)) accepted.push(c)
            }
            return { accepted, stored: yield* store.subject(Fixtures.submit().subjectId) }
          }).pipe(Effect.provide(memory()))
        )
        // the first submission is always accepted (nothing on record yet)
        expect(result.accepted[0]).toEqual(given[0])
        const stored = Option.getOrThrow(result.stored)
        const lastCode = result.accepted.findLast((c) => c.personalIdentityCode !== undefined)?.personalIdentityCode
        const lastYear = result.accepted.findLast((c) => c.birthYear !== undefined)?.birthYear
        expect(stored.personalIdentityCode).toBe(lastCode)
        expect(stored.birthYear).toBe(lastYear)
        // once a code is on record, every submission accepted after it carries that code or none
        const firstWithCode = result.accepted.findIndex((c) => c.personalIdentityCode !== undefined)
        if (firstWithCode >= 0) {
          const code = result.accepted[firstWithCode]?.personalIdentityCode
          for (const c of result.accepted.slice(firstWithCode)) {
            expect([undefined, code]).toContain(c.personalIdentityCode)
          }
        }
      }),
      { numRuns: 200 }
    )
  })
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
