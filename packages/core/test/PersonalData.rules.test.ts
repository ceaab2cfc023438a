/**
 * The vault's rules (`PersonalData`, domain specification §8), each asserted
 * on what a caller sees: the entry the store keeps after a command, the write
 * a command makes, the identity the submission guard compares, and whether a
 * submission is taken for the client on record. These are the rules the
 * mutation run of `src/PersonalData.ts` found unguarded (docs/mutation.md):
 *
 * - a contact update reaches the vault: the new number (E.164), a removed
 *   number gone, the language changed only when given;
 * - after a controller erased a whole subject, later commands of an open
 *   referral write nothing back (no half entry of notes without a name);
 * - a submission's entry holds exactly the fields given (a valid
 *   `SubjectData`, no key without a value), and so does its identity, also
 *   after further submissions for the client on record (`guardedWrite`);
 * - the schemas refuse an entry or identity with a field missing or of the
 *   wrong kind (the SQL stores read entries back through `SubjectData`);
 * - a submission keeps the other notes of the referral it names;
 * - names match with case and surrounding spaces aside, nothing more;
 * - a command on a referral without a subject writes nothing.
 */
import { describe, expect, it } from "@effect/vitest"
import {
  Ids,
  Instant,
  PersonalData,
  type ReferralCommand,
  ReferralQueries,
  ReferralService,
  ReferralStore,
  ViewSchemas
} from "@lahete/core"
import { Arbitraries, Fixtures as F, IdentityArbitraries } from "@lahete/testing"
import { Effect, Layer, Option, Schema } from "effect"
import { TestClock } from "effect/testing"
import * as fc from "fast-check"
import { playAt } from "./support/playAt.js"

type Command = ReferralCommand.ReferralCommand

const subject = F.submit().subjectId
const day = (d: number) => F.at(24 * d)
const memory = () => Layer.fresh(ReferralService.layerMemory({ linkWorkers: [F.linkWorker()] }))

const vault = Effect.gen(function* () {
  const store = yield* ReferralStore.ReferralStore
  return Option.getOrUndefined(yield* store.subject(subject))
})

/** The fixture client's entry once the referral is active: what every contact update starts from. */
const activeEntry: PersonalData.SubjectData = {
  subjectId: subject,
  givenName: "Aino",
  familyName: "Testinen",
  personalIdentityCode: "010594Y9032",
  mobileNumber: "+358401234567",
  language: "fi",
  referrals: { [F.referralId]: { reasonText: F.submit().reasonText } }
}

const language = fc.constantFrom("fi" as const, "sv" as const, "se" as const, "en" as const)

describe("contact details in the vault", () => {
  it.effect(
    "property: after any contact updates, the vault holds the last number given (E.164) or none once removed, the last language given, and the rest as submitted",
    () =>
      Effect.promise(() => {
        const update = fc.record({
          number: fc.option(IdentityArbitraries.finnishMobileNumber, { nil: null }),
          language: fc.option(language, { nil: undefined })
        })
        return fc.assert(
          fc.asyncProperty(fc.array(update, { minLength: 1, maxLength: 4 }), async (updates) => {
            const entry = await Effect.runPromise(
              Effect.gen(function* () {
                yield* playAt(F.pathTo.Active())
                yield* playAt(
                  updates.map((u, i) =>
                    F.updateContact({
                      at: day(10 + i),
                      mobileNumber: u.number === null ? null : u.number.typed,
                      ...(u.language === undefined ? {} : { language: u.language })
                    })
                  )
                )
                return yield* vault
              }).pipe(Effect.provide(memory()), Effect.provide(TestClock.layer()))
            )
            const { mobileNumber: _, ...withoutNumber } = activeEntry
            const last = updates.at(-1)?.number
            const lastLanguage = updates.findLast((u) => u.language !== undefined)?.language ?? "fi"
            // exactly: a removed number is no key at all, and no key is left without a value
            expect(entry).toStrictEqual({
              ...withoutNumber,
              ...(last === null || last === undefined ? {} : { mobileNumber: last.e164 }),
              language: lastLanguage
            })
          }),
          { numRuns: 40 }
        )
      })
  )

  it.effect(
    "a number removed is gone from what the link worker sees; a language given is the client's from then on",
    () =>
      Effect.gen(function* () {
        yield* playAt(F.pathTo.Active())
        yield* playAt([F.updateContact({ at: day(10), mobileNumber: null, language: "sv" })])
        yield* TestClock.setTime(Instant.toMillis(day(11)))
        const entry = yield* ReferralQueries.linkWorkerReferral(F.linkWorkerActor, F.referralId)
        expect(entry.client).toStrictEqual({
          givenName: "Aino",
          familyName: "Testinen",
          language: "sv",
          reasonText: F.submit().reasonText
        })
        // a later update without a language keeps it; a number given again is shown, normalised
        yield* playAt([F.updateContact({ at: day(12), mobileNumber: "050 765 4321" })])
        yield* TestClock.setTime(Instant.toMillis(day(13)))
        const again = yield* ReferralQueries.linkWorkerReferral(F.linkWorkerActor, F.referralId)
        expect(again.client).toMatchObject({ mobileNumber: "+358507654321", language: "sv" })
      }).pipe(Effect.provide(memory()))
  )
})

describe("after a controller erased the whole subject", () => {
  it.effect("an open referral's later commands write nothing back: no number, no plan, no feedback", () =>
    Effect.gen(function* () {
      yield* playAt(F.pathTo.Active())
      const store = yield* ReferralStore.ReferralStore
      // the controller's own tool: a whole subject's `Erase`, appended without events
      const { version } = yield* store.load(F.referralId)
      yield* store.append({
        referralId: F.referralId,
        expectedVersion: version,
        events: [],
        idempotencyKey: Schema.decodeSync(Ids.IdempotencyKey)("controller-erase"),
        fingerprint: "controller-erase",
        vault: [{ _tag: "Erase", subjectId: subject }]
      })
      expect(yield* vault).toBeUndefined()

      // the referral goes on: a new number, the plan with the client's words, the closing feedback
      yield* playAt([
        F.updateContact({ at: day(8), mobileNumber: "050 765 4321", language: "sv" }),
        F.plan({ at: day(9) }),
        F.close()
      ])
      expect(yield* vault).toBeUndefined()
      yield* TestClock.setTime(Instant.toMillis(F.close().at))
      const access = yield* ReferralQueries.subjectAccess(F.client, subject)
      expect(access.personalData).toBeUndefined()
    }).pipe(Effect.provide(memory()))
  )

  it("property: a contact, notes or referral erasure write applied to no entry makes none", () => {
    const referralId = fc.constantFrom(F.referralId, Schema.decodeSync(Ids.ReferralId)("referral-2"))
    const notes = fc.record(
      { reasonText: fc.string(), closingFeedback: fc.string(), whatMatters: fc.string() },
      { requiredKeys: [] }
    )
    const write: fc.Arbitrary<PersonalData.VaultWrite> = fc.oneof(
      fc.record({
        _tag: fc.constant("PutContact" as const),
        subjectId: fc.constant(subject),
        mobileNumber: fc.option(
          IdentityArbitraries.finnishMobileNumber.map((m) => m.e164),
          { nil: null }
        ),
        language
      }),
      fc.record({ _tag: fc.constant("PutNotes" as const), subjectId: fc.constant(subject), referralId, notes }),
      fc.record({ _tag: fc.constant("EraseReferral" as const), subjectId: fc.constant(subject), referralId })
    )
    fc.assert(
      fc.property(write, (w) => {
        expect(PersonalData.apply(undefined, w)).toBeUndefined()
      })
    )
  })
})

describe("what a submission writes", () => {
  /** The fields of `value` that are present, of those named. */
  const present = <K extends string>(value: Partial<Record<K, unknown>>, keys: ReadonlyArray<K>) =>
    keys.filter((k) => value[k] !== undefined).sort()

  it("property: the new entry holds exactly the fields given, is a valid SubjectData, and its identity a valid SubjectIdentity", () => {
    fc.assert(
      fc.property(Arbitraries.clientDetails(), (client) => {
        const write = PersonalData.vaultWrite(F.submit({ client }), undefined)
        const entry = write === undefined ? undefined : PersonalData.apply(undefined, write)
        if (entry === undefined) throw new Error("a submission writes its client's entry")
        // no key without a value: an absent birth year, code or number is no key at all
        const optional = ["personalIdentityCode", "birthYear", "mobileNumber"] as const
        expect(
          Object.keys(entry)
            .filter((k) => (optional as ReadonlyArray<string>).includes(k))
            .sort()
        ).toEqual(present(client, optional))
        for (const value of Object.values(entry)) expect(value).not.toBeUndefined()
        // the stores read entries back through the schema (the SQL stores from JSON, subject access to the client)
        expect(Schema.decodeUnknownSync(PersonalData.SubjectData)(JSON.parse(JSON.stringify(entry)))).toStrictEqual(
          entry
        )
        const identity = PersonalData.identityOf(entry)
        expect(identity).toStrictEqual({
          givenName: client.givenName,
          familyName: client.familyName,
          ...(entry.personalIdentityCode === undefined ? {} : { personalIdentityCode: entry.personalIdentityCode }),
          ...(client.birthYear === undefined ? {} : { birthYear: client.birthYear })
        })
        expect(Schema.decodeUnknownSync(PersonalData.SubjectIdentity)(identity)).toStrictEqual(identity)
      }),
      { numRuns: 200 }
    )
  })

  it("a submission keeps every note on record, the other notes of the referral it names too (given fields replace, the others stay)", () => {
    const other = Schema.decodeSync(Ids.ReferralId)("referral-2")
    const entry: PersonalData.SubjectData = {
      ...activeEntry,
      referrals: {
        [F.referralId]: { reasonText: "earlier reason", closingFeedback: "earlier feedback", whatMatters: "walks" },
        [other]: { reasonText: "reason of referral-2" }
      }
    }
    const write = PersonalData.vaultWrite(F.submit({ reasonText: "newer reason" }), undefined)
    if (write === undefined) throw new Error("a submission writes its client's entry")
    expect(PersonalData.apply(entry, write)?.referrals).toStrictEqual({
      [F.referralId]: { reasonText: "newer reason", closingFeedback: "earlier feedback", whatMatters: "walks" },
      [other]: { reasonText: "reason of referral-2" }
    })
  })
})

describe("sameClient: case and surrounding spaces aside, nothing more", () => {
  const stored = (givenName: string, familyName: string): PersonalData.SubjectData => ({
    subjectId: subject,
    givenName,
    familyName,
    language: "fi",
    referrals: {}
  })
  const client = (givenName: string, familyName: string): ReferralCommand.ClientDetails => ({
    givenName,
    familyName,
    language: "fi"
  })

  it("a name spelt with other letters is another name, even where upper case would write both alike", () => {
    // "ß" and "ss" are different letters (upper case writes both "SS"); final "ς" and "σ" too (both "Σ")
    expect(PersonalData.sameClient(stored("Aino", "Straße"), client("Aino", "Strasse"))).toBe(false)
    expect(PersonalData.sameClient(stored("Aino", "Straße"), client("AINO", " STRAßE "))).toBe(true)
    expect(PersonalData.sameClient(stored("Νίκος", "Παππάς"), client("Νίκοσ", "Παππάς"))).toBe(false)
    expect(PersonalData.sameClient(stored("Νίκος", "Παππάς"), client("ΝΊΚΟΣ", "παππάς"))).toBe(true)
  })
})

describe("a command on a referral without a subject", () => {
  it("property: writes nothing to the vault; with a subject, any write names that subject and the command's referral", () => {
    const notSubmission = Object.entries(Arbitraries.commands)
      .filter(([tag]) => tag !== "SubmitReferral")
      .map(([, make]) => make() as fc.Arbitrary<Command>)
    fc.assert(
      fc.property(fc.oneof(...notSubmission), (command) => {
        expect(PersonalData.vaultWrite(command, undefined)).toBeUndefined()
        const write = PersonalData.vaultWrite(command, subject)
        if (write === undefined) return
        expect(write).toMatchObject({ subjectId: subject })
        if (write._tag !== "PutContact") expect(write).toMatchObject({ referralId: command.referralId })
      }),
      { numRuns: 500 }
    )
  })
})

describe("the vault's schemas refuse what is not a vault entry", () => {
  // the SQL stores read every entry back through `SubjectData` (and the guard's identity is a `SubjectIdentity`):
  // a row without the client's names, or with a note that is not text, is an error, never an entry
  const entry = (client: ReferralCommand.ClientDetails): Record<string, unknown> => {
    const write = PersonalData.vaultWrite(F.submit({ client }), undefined)
    const written = write === undefined ? undefined : PersonalData.apply(undefined, write)
    if (written === undefined) throw new Error("a submission writes its client's entry")
    return JSON.parse(JSON.stringify(written))
  }
  const decodes = (schema: Schema.Codec<unknown, unknown>, value: unknown) =>
    Schema.decodeUnknownExit(schema)(value)._tag === "Success"
  const broken = fc.constantFrom(
    ["subjectId", undefined],
    ["givenName", undefined],
    ["familyName", undefined],
    ["language", undefined],
    ["referrals", undefined],
    ["givenName", 7],
    ["personalIdentityCode", 10594],
    ["birthYear", "1994"],
    ["birthYear", 1994.5],
    ["mobileNumber", 358401234567],
    ["language", "de"],
    ["referrals", "notes"],
    ["referrals", { [F.referralId]: { reasonText: 7 } }],
    ["referrals", { [F.referralId]: { closingFeedback: ["a", "b"] } }],
    ["referrals", { [F.referralId]: { whatMatters: { text: "walks" } } }]
  ) as fc.Arbitrary<readonly [string, unknown]>

  it("property: an entry with a field missing or of the wrong kind is refused; a whole one decodes", () => {
    fc.assert(
      fc.property(Arbitraries.clientDetails(), broken, (client, [field, value]) => {
        const whole = entry(client)
        expect(decodes(PersonalData.SubjectData, whole)).toBe(true)
        const { [field]: _, ...without } = whole
        expect(decodes(PersonalData.SubjectData, value === undefined ? without : { ...whole, [field]: value })).toBe(
          false
        )
      }),
      { numRuns: 200 }
    )
  })

  it("property: an identity without its names, or with a field of the wrong kind, is refused", () => {
    const brokenIdentity = fc.constantFrom(
      ["givenName", undefined],
      ["familyName", undefined],
      ["familyName", null],
      ["personalIdentityCode", 10594],
      ["birthYear", "1994"]
    ) as fc.Arbitrary<readonly [string, unknown]>
    fc.assert(
      fc.property(Arbitraries.clientDetails(), brokenIdentity, (client, [field, value]) => {
        const identity: Record<string, unknown> = {
          ...PersonalData.identityOf(entry(client) as PersonalData.SubjectData)
        }
        expect(decodes(PersonalData.SubjectIdentity, identity)).toBe(true)
        const { [field]: _, ...without } = identity
        expect(
          decodes(PersonalData.SubjectIdentity, value === undefined ? without : { ...identity, [field]: value })
        ).toBe(false)
      }),
      { numRuns: 100 }
    )
  })
})

describe("the write of a contact update", () => {
  it("holds exactly what the update gives: the number normalised or null, the language only when given", () => {
    expect(PersonalData.vaultWrite(F.updateContact({ mobileNumber: "050 765 4321" }), subject)).toStrictEqual({
      _tag: "PutContact",
      subjectId: subject,
      mobileNumber: "+358507654321"
    })
    expect(PersonalData.vaultWrite(F.updateContact({ mobileNumber: null, language: "sv" }), subject)).toStrictEqual({
      _tag: "PutContact",
      subjectId: subject,
      mobileNumber: null,
      language: "sv"
    })
  })
})

describe("the entry after any submissions for the client on record", () => {
  it("property: is a valid SubjectData with no key left without a value, and the client's subject access encodes", () => {
    type Given = {
      readonly givenName: string
      readonly personalIdentityCode?: string
      readonly birthYear?: number
      readonly mobileNumber?: string
    }
    // a submission names the client by identity code, birth year or both; with or without a number
    const identity: fc.Arbitrary<Given> = fc
      .record({
        givenName: fc.constantFrom("Aino", " aino "),
        names: fc.constantFrom<ReadonlyArray<"code" | "year">>(["code"], ["year"], ["code", "year"]),
        code: fc.constantFrom("010594Y9032", "010594y9032"),
        mobileNumber: fc.option(fc.constantFrom("040 123 4567", "+358 50 765 4321"), { nil: undefined })
      })
      .map(({ givenName, names, code, mobileNumber }) => ({
        givenName,
        ...(names.includes("code") ? { personalIdentityCode: code } : {}),
        ...(names.includes("year") ? { birthYear: 1994 } : {}),
        ...(mobileNumber === undefined ? {} : { mobileNumber })
      }))
    fc.assert(
      fc.property(fc.array(identity, { minLength: 1, maxLength: 4 }), (given: ReadonlyArray<Given>) => {
        const { entry, encoded } = Effect.runSync(
          Effect.gen(function* () {
            const service = yield* ReferralService.ReferralService
            const store = yield* ReferralStore.ReferralStore
            for (const [i, c] of given.entries()) {
              // the same person each time (one code, one birth year): every submission is accepted
              yield* service.execute(
                F.submit({
                  referralId: Schema.decodeSync(Ids.ReferralId)(`referral-${i + 1}`),
                  idempotencyKey: Schema.decodeSync(Ids.IdempotencyKey)(`submit-${i + 1}`),
                  client: { ...c, familyName: "Testinen", language: "fi" }
                })
              )
            }
            const access = yield* ReferralQueries.subjectAccess(F.client, subject)
            return {
              entry: Option.getOrThrow(yield* store.subject(subject)),
              encoded: Schema.encodeUnknownExit(ViewSchemas.SubjectAccess)(access)._tag
            }
          }).pipe(Effect.provide(memory()))
        )
        for (const value of Object.values(entry)) expect(value).not.toBeUndefined()
        expect(Schema.decodeUnknownSync(PersonalData.SubjectData)(entry)).toStrictEqual(entry)
        expect(encoded).toBe("Success")
        // what is on record: the code and the year once any submission gave them
        expect("personalIdentityCode" in entry).toBe(given.some((c) => c.personalIdentityCode !== undefined))
        expect("birthYear" in entry).toBe(given.some((c) => c.birthYear !== undefined))
      }),
      {
        numRuns: 100,
        // always among the runs: the record without a code (or a year), the same client again without one
        examples: [
          [
            [
              { givenName: "Aino", birthYear: 1994 },
              { givenName: "Aino", birthYear: 1994 }
            ]
          ],
          [
            [
              { givenName: "Aino", personalIdentityCode: "010594Y9032" },
              { givenName: "Aino", personalIdentityCode: "010594Y9032" }
            ]
          ]
        ]
      }
    )
  })
})
