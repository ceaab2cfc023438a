import { describe, expect, it } from "@effect/vitest"
import { Ids, PersonalData, ReferralEvent, ReferralStore, ReferralStoreMemory } from "@lahete/core"
import { Fixtures, ReferralStoreTest } from "@lahete/testing"
import { Effect, Option, Result, Schema } from "effect"

ReferralStoreTest.suite("memory", ReferralStoreMemory.layer)

const key = (s: string) => Schema.decodeSync(Ids.IdempotencyKey)(s)
const submitted = Fixtures.history(Fixtures.pathTo.Submitted())
const submission = Fixtures.submit()
const submissionWrite = PersonalData.vaultWrite(submission, undefined)

const request = (
  events: ReadonlyArray<ReferralEvent.ReferralEvent>,
  idempotencyKey: string,
  expectedVersion = 0
): ReferralStore.AppendRequest => ({
  referralId: Fixtures.referralId,
  expectedVersion,
  events,
  idempotencyKey: key(idempotencyKey),
  fingerprint: idempotencyKey,
  vault: submissionWrite === undefined ? [] : [submissionWrite]
})

/** The strings of the fixture submission that must never reach an error. */
const privateStrings = [
  submission.client.givenName,
  submission.client.familyName,
  submission.client.personalIdentityCode ?? "",
  submission.reasonText,
  "loneliness",
  Fixtures.referrer.id
]

describe("ReferralStoreMemory", () => {
  it.effect("stores events through the codec: encoded on append, decoded from JSON on load", () =>
    Effect.gen(function* () {
      const encoded: Array<string> = []
      const decoded: Array<ReferralEvent.Stored> = []
      const spy: ReferralEvent.Codec = {
        currentVersion: ReferralEvent.codec.currentVersion,
        encode: (event) => {
          encoded.push(event._tag)
          return ReferralEvent.codec.encode(event)
        },
        decode: (stored) => {
          decoded.push(stored)
          return ReferralEvent.codec.decode(stored)
        }
      }
      const store = yield* ReferralStoreMemory.makeWith({ codec: spy })
      yield* store.append(request(submitted.events, "k-codec"))
      expect(encoded).toEqual(submitted.events.map((e) => e._tag))
      expect(decoded).toEqual([])

      const loaded = yield* store.load(Fixtures.referralId)
      expect(loaded.events).toEqual(submitted.events)
      expect(decoded).toEqual(submitted.events.map((e) => ReferralEvent.codec.encode(e)))
      // what the store kept is data, not the appended objects
      for (const [i, stored] of decoded.entries()) expect(stored.data).not.toBe(submitted.events[i])
    })
  )

  it.effect("an event that cannot be decoded is a StoreFailure naming its type and version only", () =>
    Effect.gen(function* () {
      const failing: ReferralEvent.Codec = {
        ...ReferralEvent.codec,
        decode: (stored) =>
          Result.fail(
            new ReferralEvent.EventDecodeError({ type: stored.type, version: stored.version, problem: "invalid-data" })
          )
      }
      const store = yield* ReferralStoreMemory.makeWith({ codec: failing })
      yield* store.append(request(submitted.events, "k-decode"))
      const error = yield* Effect.flip(store.load(Fixtures.referralId))
      expect(error).toBeInstanceOf(ReferralStore.StoreFailure)
      expect(error.message).toContain("ReferralSubmitted v1")
      expect(error.message).toContain("invalid-data")
      for (const s of [...privateStrings, "subject-1"]) {
        expect(error.message).not.toContain(s)
        expect(JSON.stringify(error)).not.toContain(s)
      }
    })
  )

  it.effect("an event that cannot be encoded fails the whole append: nothing is written", () =>
    Effect.gen(function* () {
      const store = yield* ReferralStoreMemory.make
      const [first, ...rest] = submitted.events
      if (first === undefined) throw new Error("fixture")
      // a broken event from a caller that bypassed the types
      const broken = { ...first, at: "Aino Testinen" } as unknown as ReferralEvent.ReferralEvent
      const error = yield* Effect.flip(store.append(request([...rest, broken], "k-encode")))
      expect(error._tag).toBe("StoreFailure")
      expect(error.message).not.toContain("Aino")
      expect((yield* store.load(Fixtures.referralId)).version).toBe(0)
      expect(Option.isNone(yield* store.idempotency(key("k-encode")))).toBe(true)
      expect(Option.isNone(yield* store.subject(submission.subjectId))).toBe(true)
      expect(yield* store.referralIds()).toEqual([])
    })
  )

  it.effect("every build of the layer is a new, empty store", () =>
    Effect.gen(function* () {
      const appendOnce = ReferralStore.ReferralStore.use((store) =>
        Effect.andThen(store.append(request(submitted.events, "k-layer")), store.referralIds())
      )
      expect(yield* Effect.provide(appendOnce, ReferralStoreMemory.layer)).toEqual([Fixtures.referralId])
      // the same key and version again: accepted, because the store is new
      expect(yield* Effect.provide(appendOnce, ReferralStoreMemory.layer)).toEqual([Fixtures.referralId])
    })
  )

  it.effect("the idempotency key is checked before the expected version", () =>
    Effect.gen(function* () {
      const store = yield* ReferralStoreMemory.make
      yield* store.append(request(submitted.events, "k-order"))
      const error = yield* Effect.flip(store.append(request(submitted.events, "k-order", 0)))
      expect(error._tag).toBe("IdempotencyKeyUsed")
    })
  )
})
