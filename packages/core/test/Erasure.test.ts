/**
 * Erasure is scoped to the referral that ended (domain specification §8): it
 * takes that referral's notes, and the client's shared identity and contact
 * data only with the client's last referral. An open referral of the same
 * client keeps everything it needs (the link worker's view, the call-time
 * text message), whether the erasure comes on request or by the retention
 * rule D6.
 */
import { describe, expect, it } from "@effect/vitest"
import {
  Ids,
  Instant,
  PersonalData,
  Presets,
  Programme,
  type ReferralCommand,
  ReferralQueries,
  ReferralService,
  ReferralStore,
  Scheduler
} from "@lahete/core"
import { Fixtures as F } from "@lahete/testing"
import { Effect, Layer, Option, Result, Schema } from "effect"
import { TestClock } from "effect/testing"
import * as fc from "fast-check"
import { playAt } from "./support/playAt.js"

type Command = ReferralCommand.ReferralCommand

const referralId = Schema.decodeSync(Ids.ReferralId)
const subject = F.submit().subjectId
const day = 24

const withRetention = Result.getOrThrow(
  Programme.nextVersion(Presets.kemijarvi, (p) => ({
    ...p,
    deadlines: { ...p.deadlines, retention: { erasePersonalDataAfterMonths: 12 } }
  }))
)
const catalog = Result.getOrThrow(Programme.catalog([Presets.kemijarvi, withRetention, Presets.sodankyla]))
const memory = () => Layer.fresh(ReferralService.layerMemory({ catalog, linkWorkers: [F.linkWorker()] }))

/** The commands re-keyed onto referral `id` (same subject), each submission with its own reason text. */
const onto = (id: string, commands: ReadonlyArray<Command>): Array<Command> =>
  commands.map(
    (c): Command =>
      c._tag === "SubmitReferral"
        ? { ...c, referralId: referralId(id), reasonText: `reason of ${id}` }
        : { ...c, referralId: referralId(id) }
  )

const vault = Effect.gen(function* () {
  const store = yield* ReferralStore.ReferralStore
  return Option.getOrUndefined(yield* store.subject(subject))
})

/** Referral B is whole: the link worker sees name, number and reason, and may still text the client. */
const openReferralIsWhole = (id: string, at: Instant.Instant) =>
  Effect.gen(function* () {
    yield* TestClock.setTime(Instant.toMillis(at))
    const entry = yield* ReferralQueries.linkWorkerReferral(F.linkWorkerActor, referralId(id))
    expect(entry.client).toEqual({
      givenName: "Aino",
      familyName: "Testinen",
      mobileNumber: "+358401234567",
      language: "fi",
      reasonText: `reason of ${id}`
    })
    expect(entry.textMessageAllowed).toBe(true)
    // the call-time text message still goes out: the decider asks for it and the vault has the number
    const service = yield* ReferralService.ReferralService
    const rescheduled = yield* service.execute(
      F.scheduleCall({ referralId: referralId(id), at, callAt: Instant.plusMillis(at, 26 * 3_600_000) })
    )
    expect(rescheduled.events.map((e) => e._tag)).toContain("CallTimeMessageRequested")
    expect((yield* vault)?.mobileNumber).toBe("+358401234567")
  })

describe("erasure scoped to the ended referral", () => {
  it.effect("erasing an ended referral on request leaves the client's open referral whole", () =>
    Effect.gen(function* () {
      yield* playAt(onto("referral-a", F.pathTo.Withdrawn()))
      yield* playAt(onto("referral-b", F.pathTo.ContactScheduled()))
      const before = yield* vault
      expect(Object.keys(before?.referrals ?? {}).sort()).toEqual(["referral-a", "referral-b"])

      const service = yield* ReferralService.ReferralService
      const erased = yield* service.execute(F.erase({ referralId: referralId("referral-a"), at: F.at(10 * day) }))
      expect(erased.state.personalDataErased).toBe(true)

      // A's own notes are gone, the shared identity and B's notes stay
      const after = yield* vault
      expect(after?.referrals).toEqual({ "referral-b": { reasonText: "reason of referral-b" } })
      expect(after?.personalIdentityCode).toBe("010594Y9032")
      yield* openReferralIsWhole("referral-b", F.at(10 * day))

      // the client's own view no longer holds A's reason text
      const access = yield* ReferralQueries.subjectAccess(F.client, subject)
      expect(JSON.stringify(access.personalData)).not.toContain("reason of referral-a")
      expect(access.personalData?.givenName).toBe("Aino")

      // B ends and is erased: now nothing of the client is left
      yield* playAt(
        onto("referral-b", [
          F.recordConsent("referral", "withdrawn", { actor: F.coordinator, at: F.at(11 * day) }),
          F.erase({ at: F.at(12 * day) })
        ])
      )
      expect(yield* vault).toBeUndefined()
    }).pipe(Effect.provide(memory()))
  )

  it.effect("the retention rule D6 erases the same way: the open referral keeps its data", () =>
    Effect.gen(function* () {
      const onRetention = (c: Command): Command =>
        c._tag === "SubmitReferral" ? { ...c, programmeVersion: withRetention.version } : c
      yield* playAt(onto("referral-a", F.pathTo.Withdrawn()).map(onRetention))
      yield* playAt(onto("referral-b", F.pathTo.Active()).map(onRetention))
      const store = yield* ReferralStore.ReferralStore

      // thirteen months later A's retention period is over; B is still open
      yield* TestClock.setTime(Instant.toMillis(F.at(400 * day)))
      const stepped = yield* Scheduler.step()
      const erasures = stepped.fired.filter((f) => f.command === "ErasePersonalData")
      expect(erasures.map((f) => f.referralId)).toEqual(["referral-a"])
      const a = yield* store.load(referralId("referral-a"))
      expect(a.events.at(-1)).toMatchObject({ _tag: "PersonalDataErased", basis: "retention-period" })

      const after = yield* vault
      expect(Object.keys(after?.referrals ?? {})).toEqual(["referral-b"])
      const entry = yield* ReferralQueries.linkWorkerReferral(F.linkWorkerActor, referralId("referral-b"))
      expect(entry.client).toMatchObject({ givenName: "Aino", mobileNumber: "+358401234567" })
      expect(entry.client?.reasonText).toBe("reason of referral-b")
    }).pipe(Effect.provide(memory()))
  )

  // every mix of open, ended and erased referrals of one client
  const ends = ["Withdrawn", "Cancelled", "Rejected", "FollowedUp", "Declined"] as const
  const opens = ["Submitted", "Assigned", "ContactScheduled", "Active", "OnHold", "Closed"] as const

  it.effect(
    "property: the vault holds exactly the referrals not erased; the identity stays while one of them is left",
    () =>
      Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(
            fc.array(fc.constantFrom<string>(...ends, ...opens), { minLength: 1, maxLength: 4 }),
            fc.array(fc.nat(3), { maxLength: 6 }),
            async (statuses, erasing) => {
              const ids = statuses.map((_, i) => `referral-${i}`)
              const program = Effect.gen(function* () {
                for (const [i, status] of statuses.entries()) {
                  const path = F.pathTo[status as keyof typeof F.pathTo]()
                  yield* playAt(onto(ids[i] ?? "", path))
                }
                const service = yield* ReferralService.ReferralService
                const erased = new Set<string>()
                for (const [n, i] of erasing.entries()) {
                  const id = ids[i]
                  if (id === undefined) continue
                  const result = yield* Effect.result(
                    service.execute(F.erase({ referralId: referralId(id), at: F.at((500 + n) * day) }))
                  )
                  if ((ends as ReadonlyArray<string>).includes(statuses[i] ?? "")) {
                    expect(Result.isSuccess(result)).toBe(true)
                    erased.add(id)
                  } else {
                    // an open referral cannot be erased at all
                    expect(Result.isFailure(result)).toBe(true)
                  }
                  const left = ids.filter((r) => !erased.has(r))
                  const entry = yield* vault
                  if (left.length === 0) {
                    expect(entry).toBeUndefined()
                  } else {
                    expect(Object.keys(entry?.referrals ?? {}).sort()).toEqual([...left].sort())
                    expect(entry).toMatchObject({ givenName: "Aino", mobileNumber: "+358401234567" })
                    for (const r of left) expect(entry?.referrals[r]?.reasonText).toBe(`reason of ${r}`)
                  }
                }
              })
              await Effect.runPromise(program.pipe(Effect.provide(memory()), Effect.provide(TestClock.layer())))
            }
          ),
          { numRuns: 60 }
        )
      )
  )
})

describe("PersonalData.apply: EraseReferral", () => {
  const entry: PersonalData.SubjectData = {
    subjectId: subject,
    givenName: "Aino",
    familyName: "Testinen",
    mobileNumber: "+358401234567",
    language: "fi",
    referrals: { a: { reasonText: "ra", closingFeedback: "fa" }, b: { reasonText: "rb" } }
  }

  it("takes the referral's notes and keeps the rest while another referral has notes", () => {
    const next = PersonalData.apply(entry, { _tag: "EraseReferral", subjectId: subject, referralId: referralId("a") })
    expect(next).toEqual({ ...entry, referrals: { b: { reasonText: "rb" } } })
  })

  it("takes the whole entry with the last referral", () => {
    const once = PersonalData.apply(entry, { _tag: "EraseReferral", subjectId: subject, referralId: referralId("a") })
    expect(
      PersonalData.apply(once, { _tag: "EraseReferral", subjectId: subject, referralId: referralId("b") })
    ).toBeUndefined()
  })

  it("ErasePersonalData writes EraseReferral for its own referral", () => {
    const command = F.erase({ referralId: referralId("a") })
    expect(PersonalData.vaultWrite(command, subject)).toEqual({
      _tag: "EraseReferral",
      subjectId: subject,
      referralId: "a"
    })
  })
})
