/**
 * Refusals that do not reveal whether an id exists, over a real socket: a
 * caller who could not act on someone else's referral (a referrer's
 * colleague, a referrer of another organisation, a link worker not assigned,
 * another client, a coordinator of another programme) gets the same answer,
 * byte for byte, and the same refusal-log entry for a real referral and for an
 * unknown id; an evaluator or coordinator limited to programmes gets the same
 * answer for another programme's report as for a programme that does not
 * exist. Only a caller who may act on any referral learns that one does not
 * exist (404).
 *
 * And the role before the body: a malformed body from a role that may not
 * issue the command is a refusal in the refusal log, not a 400.
 */
import { describe, expect, layer } from "@effect/vitest"
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

const inProgrammes = (actor: Actor.Actor, ...ids: ReadonlyArray<string>): Actor.Actor => ({
  ...actor,
  programmes: ids.map((id) => Ids.ProgrammeId.make(id))
})

const real = "referral-real"
const assigned = "referral-assigned"
const unknown = "referral-that-never-was"

const colleague = Actor.make("Referrer", "nurse-2", Fixtures.referrer.organisation, "nurse")
const otherOrganisation = Actor.make("Referrer", Fixtures.referrer.id, "rovaniemi-health-centre", "nurse")
const otherProgrammeCoordinator = inProgrammes(Fixtures.coordinator, "sodankyla")
const otherLinkWorker = Fixtures.otherLinkWorkerActor
const otherClient = Actor.make("Client", "subject-2", "kemijarvi-residents")

/** The parts of an answer a caller sees (the date header aside). */
const seen = (a: Answer) => ({ status: a.status, contentType: a.headers.get("content-type"), text: a.text })

/** A command route, its body, and who tries it on someone else's referral. */
const attempts: ReadonlyArray<{
  readonly actor: Actor.Actor
  readonly route: string
  readonly body: Record<string, unknown>
  readonly on: string
}> = [
  { actor: colleague, route: "cancel", body: bodyOf(Fixtures.cancel()), on: real },
  { actor: colleague, route: "measures", body: bodyOf(Fixtures.measure()), on: real },
  { actor: colleague, route: "consents", body: bodyOf(Fixtures.recordConsent("referral", "granted")), on: real },
  { actor: colleague, route: "contact-details", body: bodyOf(Fixtures.updateContact()), on: real },
  { actor: otherOrganisation, route: "cancel", body: bodyOf(Fixtures.cancel()), on: real },
  { actor: otherProgrammeCoordinator, route: "assign", body: { linkWorkerId: "linkworker-1" }, on: real },
  { actor: otherProgrammeCoordinator, route: "reject", body: bodyOf(Fixtures.reject()), on: real },
  { actor: otherProgrammeCoordinator, route: "cancel", body: bodyOf(Fixtures.cancel()), on: real },
  { actor: otherProgrammeCoordinator, route: "erase", body: bodyOf(Fixtures.erase()), on: real },
  { actor: otherLinkWorker, route: "first-contact", body: bodyOf(Fixtures.firstContact()), on: assigned },
  { actor: otherClient, route: "consents", body: bodyOf(Fixtures.recordConsent("referral", "granted")), on: real }
]

layer(harness(Stores.memory()), { excludeTestServices: true, timeout: "60 seconds" })("existence", (it) => {
  const setup = Effect.gen(function* () {
    const h = yield* Harness
    h.time.set(Date.parse(Fixtures.at(0)))
    for (const id of [real, assigned]) {
      const submitted = yield* h.request("POST", "/referrals", {
        as: Fixtures.referrer,
        key: `submit-${id}`,
        body: { ...bodyOf(Fixtures.submit()), referralId: id, subjectId: "subject-1" }
      })
      expect(submitted.status).toBe(201)
    }
    h.time.set(Date.parse(Fixtures.at(2)))
    const assignedAnswer = yield* h.request("POST", `/referrals/${assigned}/assign`, {
      as: Fixtures.coordinator,
      key: "assign-1",
      body: { linkWorkerId: Fixtures.linkWorker().id }
    })
    expect(assignedAnswer.status).toBe(200)
    h.time.set(Date.parse(Fixtures.at(3)))
  })

  it.effect("a command on someone else's referral and on an unknown id answer alike, and are logged alike", () =>
    Effect.gen(function* () {
      yield* setup
      const h = yield* Harness
      const audit = yield* AuditLog.AuditLog
      for (const [k, attempt] of attempts.entries()) {
        const label = `${attempt.actor.role} ${attempt.actor.id} ${attempt.route}`
        const before = (yield* audit.refusals()).length
        const onReal = yield* h.request("POST", `/referrals/${attempt.on}/${attempt.route}`, {
          as: attempt.actor,
          key: `real-${k}`,
          body: attempt.body
        })
        const onUnknown = yield* h.request("POST", `/referrals/${unknown}/${attempt.route}`, {
          as: attempt.actor,
          key: `unknown-${k}`,
          body: attempt.body
        })
        expect(onReal.status, label).toBe(403)
        expect(seen(onUnknown), label).toEqual(seen(onReal))
        const logged = (yield* audit.refusals()).slice(before)
        expect(logged.length, label).toBe(2)
        const [first, second] = logged.map(({ at, referralId, ...rest }) => rest)
        expect(second, label).toEqual(first)
        expect(logged.map((r) => r.referralId)).toEqual([attempt.on, unknown])
      }
    })
  )

  it.effect("a view of someone else's referral or data subject and of an unknown id answer alike", () =>
    Effect.gen(function* () {
      const h = yield* Harness
      for (const [actor, existing, missing] of [
        [colleague, `/referrer/referrals/${real}`, `/referrer/referrals/${unknown}`],
        [otherOrganisation, `/referrer/referrals/${real}`, `/referrer/referrals/${unknown}`],
        [otherLinkWorker, `/link-worker/referrals/${assigned}`, `/link-worker/referrals/${unknown}`],
        [otherClient, "/subjects/subject-1", "/subjects/subject-that-never-was"]
      ] as const) {
        const onReal = yield* h.request("GET", existing, { as: actor })
        const onUnknown = yield* h.request("GET", missing, { as: actor })
        expect(onReal.status, existing).toBe(403)
        expect(seen(onUnknown), existing).toEqual(seen(onReal))
      }
    })
  )

  it.effect("whatever the unknown id, a referrer's colleague gets the answer a real referral gives", () =>
    Effect.gen(function* () {
      const h = yield* Harness
      const onReal = seen(
        yield* h.request("POST", `/referrals/${real}/cancel`, {
          as: colleague,
          key: "prop-real",
          body: bodyOf(Fixtures.cancel())
        })
      )
      const ids = fc.sample(
        fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,40}$/).filter((id) => id !== real && id !== assigned),
        { numRuns: 15, seed: 20261207 }
      )
      for (const [k, id] of ids.entries()) {
        const answer = yield* h.request("POST", `/referrals/${encodeURIComponent(id)}/cancel`, {
          as: colleague,
          key: `prop-${k}`,
          body: bodyOf(Fixtures.cancel())
        })
        expect(seen(answer), id).toEqual(onReal)
      }
    })
  )

  it.effect("a coordinator of every programme learns that a referral does not exist (404)", () =>
    Effect.gen(function* () {
      const h = yield* Harness
      const answer = yield* h.request("POST", `/referrals/${unknown}/cancel`, {
        as: Fixtures.coordinator,
        key: "all-programmes",
        body: bodyOf(Fixtures.cancel())
      })
      expect(answer.status).toBe(404)
      expect(answer.json).toMatchObject({ _tag: "NotFound", resource: "referral", id: unknown })
    })
  )

  it.effect("another programme's report or training list answers as an unknown programme's does", () =>
    Effect.gen(function* () {
      const h = yield* Harness
      const query = `?from=${encodeURIComponent(Fixtures.at(0))}&to=${encodeURIComponent(Fixtures.at(24))}`
      const evaluator = inProgrammes(Fixtures.evaluator, "sodankyla")
      for (const path of [`/evaluation/{p}${query}`, `/evaluation/{p}/report.html${query}`]) {
        const other = yield* h.request("GET", path.replace("{p}", "kemijarvi"), { as: evaluator })
        const none = yield* h.request("GET", path.replace("{p}", "atlantis"), { as: evaluator })
        expect(other.status, path).toBe(403)
        expect(seen(none), path).toEqual(seen(other))
      }
      const other = yield* h.request("GET", "/coordinator/training-due?programmeId=kemijarvi", {
        as: otherProgrammeCoordinator
      })
      const none = yield* h.request("GET", "/coordinator/training-due?programmeId=atlantis", {
        as: otherProgrammeCoordinator
      })
      expect(other.status).toBe(403)
      expect(seen(none)).toEqual(seen(other))
      // an evaluator of every programme is told the programme does not exist
      expect((yield* h.request("GET", `/evaluation/atlantis${query}`, { as: Fixtures.evaluator })).status).toBe(404)
    })
  )
})

describe("the role before the body", () => {
  layer(harness(Stores.memory()), { excludeTestServices: true, timeout: "60 seconds" })("role first", (it) => {
    it.effect("a malformed body from a role that may not issue the command is a logged refusal, not a 400", () =>
      Effect.gen(function* () {
        const h = yield* Harness
        const audit = yield* AuditLog.AuditLog
        h.time.set(Date.parse(Fixtures.at(0)))
        const cases: ReadonlyArray<{
          readonly actor: Actor.Actor
          readonly path: string
          readonly action: string
          readonly referralId?: string
        }> = [
          { actor: Fixtures.coordinator, path: "/referrals", action: "SubmitReferral" },
          {
            actor: Fixtures.linkWorkerActor,
            path: `/referrals/${real}/cancel`,
            action: "CancelReferral",
            referralId: real
          },
          {
            actor: Fixtures.referrer,
            path: `/referrals/${real}/assign`,
            action: "AssignLinkWorker",
            referralId: real
          },
          {
            actor: Fixtures.evaluator,
            path: `/referrals/${real}/erase`,
            action: "ErasePersonalData",
            referralId: real
          }
        ]
        for (const [k, c] of cases.entries()) {
          for (const [j, rawBody] of ["{not json", '{"unexpected": true}', "[1,2,3]"].entries()) {
            const before = (yield* audit.refusals()).length
            const answer = yield* h.request("POST", c.path, { as: c.actor, key: `bad-${k}-${j}`, rawBody })
            expect(answer.status, `${c.action} ${rawBody}`).toBe(403)
            expect(answer.json).toMatchObject({ _tag: "Forbidden", reason: "role", action: c.action })
            const logged = (yield* audit.refusals()).slice(before)
            expect(logged).toEqual([
              expect.objectContaining({
                actorId: c.actor.id,
                role: c.actor.role,
                action: c.action,
                reason: "role",
                ...(c.referralId === undefined ? {} : { referralId: c.referralId })
              })
            ])
          }
        }
        // a role that may issue the command is told what is wrong with its body
        const allowed = yield* h.request("POST", "/referrals", {
          as: Fixtures.referrer,
          key: "bad-allowed",
          rawBody: "{not json"
        })
        expect(allowed.status).toBe(400)
        expect(allowed.json).toMatchObject({ issues: [{ path: "(body)", reason: "is not valid JSON" }] })
      })
    )
  })
})
