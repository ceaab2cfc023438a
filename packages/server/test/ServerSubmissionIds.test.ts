/**
 * A submission that names its own `referralId`, over a real socket: an id
 * already in use is refused with one answer, byte for byte, whoever holds it
 * (the caller under another idempotency key, a colleague, another
 * organisation), without its state; the referral it names is left as it was;
 * an attempt on someone else's referral is in the refusal log. A free id is
 * accepted (201) and the same request again is a replay.
 */
import { expect, layer } from "@effect/vitest"
import { Actor, AuditLog, Ids, type ReferralCommand } from "@lahete/core"
import { Fixtures } from "@lahete/testing"
import { Effect } from "effect"
import * as fc from "fast-check"
import { type Answer, Harness, layer as harness } from "./support/harness.js"
import * as Stores from "./support/stores.js"

const bodyOf = (command: ReferralCommand.ReferralCommand): Record<string, unknown> => {
  const { _tag, referralId, idempotencyKey, actor, at, ...body } = command
  return body
}

const colleague = Actor.make("Referrer", "nurse-2", Fixtures.referrer.organisation, "nurse")
const otherOrganisation = Actor.make("Referrer", Fixtures.referrer.id, "rovaniemi-health-centre", "nurse")

/** The parts of an answer a caller sees (the date header aside). */
const seen = (a: Answer) => ({ status: a.status, contentType: a.headers.get("content-type"), text: a.text })

const submission = (referralId: string, subjectId: string) => ({
  ...bodyOf(Fixtures.submit()),
  referralId,
  subjectId
})

for (const [name, stores] of [
  ["memory", Stores.memory],
  ["sqlite", Stores.sqlite]
] as const) {
  layer(harness(stores()), { excludeTestServices: true, timeout: "60 seconds" })(`submission ids (${name})`, (it) => {
    it.effect("a referral id in use answers alike whoever holds it, and changes nothing", () =>
      Effect.gen(function* () {
        const h = yield* Harness
        const audit = yield* AuditLog.AuditLog
        h.time.set(Date.parse(Fixtures.at(0)))
        const first = yield* h.request("POST", "/referrals", {
          as: Fixtures.referrer,
          key: "first",
          body: submission("referral-taken", "subject-1")
        })
        expect(first.status).toBe(201)
        const before = yield* h.request("GET", "/referrer/referrals/referral-taken", { as: Fixtures.referrer })
        expect(before.status).toBe(200)

        h.time.set(Date.parse(Fixtures.at(1)))
        const refusalsBefore = (yield* audit.refusals()).length
        const answers: Array<Answer> = []
        for (const [k, actor] of [Fixtures.referrer, colleague, otherOrganisation].entries()) {
          answers.push(
            yield* h.request("POST", "/referrals", {
              as: actor,
              key: `again-${k}`,
              body: submission("referral-taken", `subject-again-${k}`)
            })
          )
        }
        const [own, ...others] = answers
        expect(own?.status).toBe(409)
        expect(own?.json).toEqual({
          _tag: "Conflict",
          message: "the referral id is already in use; submit under another id",
          reason: "referral-id-taken"
        })
        for (const other of others) expect(seen(other)).toEqual(seen(own as Answer))

        // the referral is as it was: same version, same view for its referrer
        const after = yield* h.request("GET", "/referrer/referrals/referral-taken", { as: Fixtures.referrer })
        expect(after.text).toBe(before.text)
        // the attempts on someone else's referral are refusals on record
        const logged = (yield* audit.refusals()).slice(refusalsBefore)
        expect(logged.map((r) => [r.actorId, r.organisation, r.referralId, r.reason])).toEqual([
          [colleague.id, colleague.organisation, "referral-taken", "not-own-referral"],
          [otherOrganisation.id, otherOrganisation.organisation, "referral-taken", "not-own-referral"]
        ])
      })
    )

    it.effect("assigning: another programme's referral and an unknown one answer alike, known link worker or not", () =>
      Effect.gen(function* () {
        const h = yield* Harness
        const otherProgramme = { ...Fixtures.coordinator, programmes: [Ids.ProgrammeId.make("sodankyla")] }
        for (const [k, linkWorkerId] of [Fixtures.linkWorker().id, "linkworker-that-never-was"].entries()) {
          const onReal = yield* h.request("POST", "/referrals/referral-taken/assign", {
            as: otherProgramme,
            key: `assign-real-${k}`,
            body: { linkWorkerId }
          })
          const onUnknown = yield* h.request("POST", "/referrals/referral-never-submitted/assign", {
            as: otherProgramme,
            key: `assign-unknown-${k}`,
            body: { linkWorkerId }
          })
          expect([403, 422], linkWorkerId).toContain(onReal.status)
          expect(seen(onUnknown), linkWorkerId).toEqual(seen(onReal))
        }
      })
    )

    it.effect("a free referral id is accepted, and the same request again is a replay", () =>
      Effect.gen(function* () {
        const h = yield* Harness
        const ids = fc.sample(
          fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,40}$/).filter((id) => id !== "referral-taken"),
          { numRuns: 5, seed: 20261207 }
        )
        for (const [k, id] of [...new Set(ids)].entries()) {
          const options = { as: otherOrganisation, key: `free-${k}`, body: submission(id, `subject-free-${k}`) }
          const created = yield* h.request("POST", "/referrals", options)
          expect(created.status, id).toBe(201)
          expect(created.json, id).toMatchObject({ referralId: id, replayed: false })
          const replayed = yield* h.request("POST", "/referrals", options)
          expect(replayed.json, id).toMatchObject({ referralId: id, replayed: true })
        }
      })
    )
  })
}
