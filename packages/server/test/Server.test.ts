/**
 * The API end to end: `Server.layer` on a real port, real ES256 tokens per
 * role, every role seeing exactly its view (domain specification §4) and
 * refused otherwise, the commands of a whole referral, the error mapping,
 * idempotency, and the request log (no personal data, no token). The same
 * scenario runs on the in-memory store and on the SQL store over SQLite.
 */
import { describe, expect, layer } from "@effect/vitest"
import { Actor, AuditLog, Ids, type ReferralCommand } from "@lahete/core"
import { Fixtures } from "@lahete/testing"
import { Effect } from "effect"
import { type Answer, Harness, layer as harness } from "./support/harness.js"
import * as Stores from "./support/stores.js"
import * as Tokens from "./support/tokens.js"

/** A command without what the server sets (the request body). */
const bodyOf = (command: ReferralCommand.ReferralCommand): Record<string, unknown> => {
  const { _tag, referralId, idempotencyKey, actor, at, ...body } = command
  return body
}

/** A submission's body without ids (the test adds them where it wants them). */
const submitBody = (overrides: Partial<Extract<ReferralCommand.ReferralCommand, { _tag: "SubmitReferral" }>> = {}) => {
  const { subjectId: _, ...body } = bodyOf(Fixtures.submit(overrides))
  return body
}

const hours = (h: number) => Date.parse(Fixtures.at(h))

// the fixture client's personal data: none of it may appear where the role may not see it, nor in any log
const client = Fixtures.submit().client
const reasonText = Fixtures.submit().reasonText
const feedbackText = Fixtures.close().feedback
const identityCode = client.personalIdentityCode as string
const newMobile = "050 765 4321"
const personalData = [
  client.givenName,
  client.familyName,
  identityCode,
  "+358401234567",
  "040 123 4567",
  "+358507654321",
  newMobile,
  reasonText,
  feedbackText
]

const referrer = Fixtures.referrer
const otherOrgReferrer = Actor.make("Referrer", "doctor-9", "rovaniemi-health-centre", "doctor")
const coordinator = Fixtures.coordinator
const linkWorker = Fixtures.linkWorkerActor
const otherLinkWorker = Fixtures.otherLinkWorkerActor
const theClient = Fixtures.client
const otherClient = Actor.make("Client", "subject-2", "kemijarvi-residents")
const evaluator = Fixtures.evaluator
const system = Fixtures.system

/** The actor limited to some programmes (the token's `lahete_programmes`). */
const inProgrammes = (actor: Actor.Actor, ...ids: ReadonlyArray<string>): Actor.Actor => ({
  ...actor,
  programmes: ids.map((id) => Ids.ProgrammeId.make(id))
})

const expectRefused = (answer: Answer, reason: string) => {
  expect(answer.status).toBe(403)
  expect(answer.json).toMatchObject({ _tag: "Forbidden", reason })
}

const scenario = (name: string, core: () => Parameters<typeof harness>[0]) =>
  layer(harness(core()), { excludeTestServices: true, timeout: "60 seconds" })(name, (it) => {
    const at = (h: number) => Effect.flatMap(Harness, (x) => Effect.sync(() => x.time.set(hours(h))))
    let derivedReferral = ""

    it.effect("answers 401 without a valid token, and serves /health and /ready without one", () =>
      Effect.gen(function* () {
        const h = yield* Harness
        yield* at(0)
        const missing = yield* h.request("GET", "/link-worker/caseload")
        expect(missing.status).toBe(401)
        expect(missing.json).toMatchObject({ _tag: "Unauthorized", reason: "missing-token" })
        expect(missing.headers.get("www-authenticate")).toBe('Bearer realm="lahete"')

        const now = Math.floor(h.time.millis() / 1000)
        const foreign = yield* Effect.promise(() =>
          Tokens.makeSigner(h.time.millis, "test-key-1").then((s) => s.sign(linkWorker))
        )
        const expired = yield* Effect.promise(() => h.signer.sign(linkWorker, { issuedAt: now - 3600, lifetime: 600 }))
        const wrongAudience = yield* Effect.promise(() => h.signer.sign(linkWorker, { audience: "another-api" }))
        const wrongIssuer = yield* Effect.promise(() => h.signer.sign(linkWorker, { issuer: "https://evil.invalid" }))
        const noRole = yield* Effect.promise(() => h.signer.sign(linkWorker, { claims: { lahete_role: undefined } }))
        const unknownRole = yield* Effect.promise(() => h.signer.sign(linkWorker, { claims: { lahete_role: "Admin" } }))
        const badProgrammes = yield* Effect.promise(() =>
          h.signer.sign(linkWorker, { claims: { lahete_programmes: "kemijarvi" } })
        )
        const future = yield* Effect.promise(() => h.signer.sign(linkWorker, { issuedAt: now + 3600 }))
        for (const [index, [token, reason]] of (
          [
            [foreign, "invalid-token"],
            [expired, "expired-token"],
            [wrongAudience, "invalid-token"],
            [wrongIssuer, "invalid-token"],
            [noRole, "invalid-token"],
            [unknownRole, "invalid-token"],
            [badProgrammes, "invalid-token"],
            [future, "invalid-token"],
            ["not.a.jwt", "invalid-token"]
          ] as const
        ).entries()) {
          const answer = yield* h.request("GET", "/link-worker/caseload", { token })
          expect(answer.status, `token ${index}`).toBe(401)
          expect(answer.json).toMatchObject({ _tag: "Unauthorized", reason })
          expect(answer.headers.get("www-authenticate")).toBe('Bearer realm="lahete", error="invalid_token"')
        }
        const ok = yield* h.request("GET", "/link-worker/caseload", { as: linkWorker })
        expect(ok.status).toBe(200)

        expect((yield* h.request("GET", "/health")).json).toEqual({ status: "ok" })
        expect((yield* h.request("GET", "/ready")).json).toEqual({ status: "ready" })
      })
    )

    it.effect("a referrer submits; the idempotency key is required, replays and is scoped to the caller", () =>
      Effect.gen(function* () {
        const h = yield* Harness
        yield* at(0)
        const body = { ...submitBody(), referralId: "referral-1", subjectId: "subject-1" }

        const noKey = yield* h.request("POST", "/referrals", { as: referrer, body })
        expect(noKey.status).toBe(400)
        expect(noKey.json).toMatchObject({ issues: [{ path: "headers.idempotency-key", reason: "is missing" }] })

        const malformed = yield* h.request("POST", "/referrals", {
          as: referrer,
          key: "k-bad",
          body: { ...body, client: { givenName: client.givenName, mobileNumber: 401234567, language: "fi" } }
        })
        expect(malformed.status).toBe(400)
        expect(malformed.json).toMatchObject({
          _tag: "BadRequest",
          issues: [
            { path: "client.familyName", reason: "is missing" },
            { path: "client.mobileNumber", reason: "expected a string" }
          ]
        })
        expect(malformed.text).not.toContain(client.givenName)
        expect(malformed.text).not.toContain("401234567")

        // the actor comes from the token only: a body naming one is refused
        const withActor = yield* h.request("POST", "/referrals", {
          as: referrer,
          key: "k-actor",
          body: { ...body, actor: coordinator }
        })
        expect(withActor.status).toBe(400)
        expect(withActor.json).toMatchObject({
          issues: [{ path: "(body)", reason: "has a field that is not allowed" }]
        })

        const notJson = yield* h.request("POST", "/referrals", { as: referrer, key: "k-json", rawBody: "{not json" })
        expect(notJson.status).toBe(400)
        expect(notJson.json).toMatchObject({ issues: [{ path: "(body)", reason: "is not valid JSON" }] })

        const submitted = yield* h.request("POST", "/referrals", { as: referrer, key: "k-1", body })
        expect(submitted.status).toBe(201)
        expect(submitted.json).toMatchObject({
          referralId: "referral-1",
          subjectId: "subject-1",
          status: "Submitted",
          replayed: false
        })
        expect(submitted.json).toHaveProperty("events.0", "ReferralSubmitted")

        const replayed = yield* h.request("POST", "/referrals", { as: referrer, key: "k-1", body })
        expect(replayed.status).toBe(201)
        expect(replayed.json).toMatchObject({ referralId: "referral-1", status: "Submitted", replayed: true })
        expect((replayed.json as { version: number }).version).toBe((submitted.json as { version: number }).version)

        const reused = yield* h.request("POST", "/referrals", {
          as: referrer,
          key: "k-1",
          body: { ...body, reasonCategories: ["grief"] }
        })
        expect(reused.status).toBe(409)
        expect(reused.json).toMatchObject({ _tag: "Conflict", reason: "idempotency-key-reused" })

        // the same key from another user is another key (not "reused"): the command reaches
        // the decider, which refuses a referral id that is someone else's (in the refusal log);
        // the answer says only that the id is taken, as it would to its own referrer
        const otherUser = yield* h.request("POST", "/referrals", { as: otherOrgReferrer, key: "k-1", body })
        expect(otherUser.status).toBe(409)
        expect(otherUser.json).toMatchObject({ _tag: "Conflict", reason: "referral-id-taken" })

        // only referrers submit (the core refuses and logs it)
        expectRefused(yield* h.request("POST", "/referrals", { as: coordinator, key: "k-c", body }), "role")

        // C1: no submission without referral consent
        const noConsent = yield* h.request("POST", "/referrals", {
          as: referrer,
          key: "k-c1",
          body: { ...submitBody({ consents: [] }), referralId: "referral-x" }
        })
        expect(noConsent.status).toBe(422)
        expect(noConsent.json).toMatchObject({
          _tag: "Unprocessable",
          refusal: { _tag: "ConsentMissing", purpose: "referral", rule: "C1" }
        })

        // more referrals: without feedback, with derived ids, and two to make five
        const second = yield* h.request("POST", "/referrals", {
          as: referrer,
          key: "k-2",
          body: {
            ...submitBody({ feedbackRequested: false }),
            referralId: "referral-2",
            subjectId: "subject-2"
          }
        })
        expect(second.status).toBe(201)
        const derived = yield* h.request("POST", "/referrals", { as: referrer, key: "k-3", body: submitBody() })
        expect(derived.status).toBe(201)
        const ids = derived.json as { referralId: string; subjectId: string }
        expect(ids.referralId).toMatch(/^ref-[0-9a-f]{32}$/)
        expect(ids.subjectId).toMatch(/^sub-[0-9a-f]{32}$/)
        derivedReferral = ids.referralId
        const again = yield* h.request("POST", "/referrals", { as: referrer, key: "k-3", body: submitBody() })
        expect(again.json).toMatchObject({ referralId: ids.referralId, subjectId: ids.subjectId, replayed: true })
        for (const n of [4, 5]) {
          const more = yield* h.request("POST", "/referrals", {
            as: referrer,
            key: `k-${n}`,
            body: { ...submitBody(), referralId: `referral-${n}`, subjectId: `subject-${n}` }
          })
          expect(more.status).toBe(201)
        }
      })
    )

    it.effect("the coordinator sees the inbox with deadlines and load, manages the registry, assigns", () =>
      Effect.gen(function* () {
        const h = yield* Harness
        yield* at(1)
        const inbox = yield* h.request("GET", "/coordinator/inbox", { as: coordinator })
        expect(inbox.status).toBe(200)
        const entries = (inbox.json as { entries: Array<{ referralId: string }> }).entries
        expect(entries.map((e) => e.referralId)).toEqual(
          expect.arrayContaining(["referral-1", "referral-2", "referral-4", "referral-5", derivedReferral])
        )
        const first = entries.find((e) => e.referralId === "referral-1")
        expect(first).toMatchObject({
          status: "Submitted",
          needsAction: ["unassigned"],
          client: { givenName: client.givenName, familyName: client.familyName, reasonText },
          deadlines: [
            { kind: "assignment", code: "D1", condition: "pending" },
            { kind: "first-contact", code: "D2", condition: "pending" }
          ]
        })
        // never the identity code or the mobile number
        expect(inbox.text).not.toContain(identityCode)
        expect(inbox.text).not.toContain("+358401234567")
        expect(inbox.text).not.toContain("personalIdentityCode")
        expect(inbox.json).toMatchObject({ atRisk: [] })

        // three days on, nobody has acted on referral 2: D1 missed, D2 at risk
        yield* at(72)
        const late = yield* h.request("GET", "/coordinator/inbox", { as: coordinator })
        const atRisk = (late.json as { atRisk: Array<{ referralId: string; code: string; condition: string }> }).atRisk
        expect(atRisk).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ referralId: "referral-2", code: "D1", condition: "missed" }),
            expect.objectContaining({ referralId: "referral-2", code: "D2", condition: "at-risk" })
          ])
        )
        // the scheduler (System) records the miss; firing twice changes nothing
        const fired = yield* h.request("POST", "/referrals/referral-2/deadlines", {
          as: system,
          key: "d-1",
          body: { deadline: "assignment", marker: "missed" }
        })
        expect(fired.status).toBe(200)
        expect((fired.json as { events: Array<string> }).events).toHaveLength(1)
        const twice = yield* h.request("POST", "/referrals/referral-2/deadlines", {
          as: system,
          key: "d-2",
          body: { deadline: "assignment", marker: "missed" }
        })
        expect(twice.json).toMatchObject({ events: [] })

        // other roles: refused (and the core logs it)
        expectRefused(yield* h.request("GET", "/coordinator/inbox", { as: referrer }), "role")
        expectRefused(yield* h.request("GET", "/coordinator/inbox", { as: linkWorker }), "role")

        // a coordinator of another programme sees none of these referrals
        const elsewhere = Actor.make("Coordinator", "coordinator-9", "sodankyla-municipality")
        const scoped = yield* h.request("GET", "/coordinator/inbox", {
          as: inProgrammes(elsewhere, "sodankyla")
        })
        expect(scoped.json).toMatchObject({ entries: [] })

        // the registry
        yield* at(1)
        const workers = yield* h.request("GET", "/link-workers", { as: coordinator })
        expect((workers.json as Array<{ id: string }>).map((w) => w.id)).toEqual(["linkworker-1", "linkworker-2"])
        const untrained = { ...Fixtures.linkWorker({ id: "linkworker-3" as Actor.Actor["id"] }) }
        const { basicTrainingCompletedAt: _, ...withoutTraining } = untrained
        const put = yield* h.request("PUT", "/link-workers/linkworker-3", { as: coordinator, body: withoutTraining })
        expect(put.status).toBe(200)
        const mismatch = yield* h.request("PUT", "/link-workers/linkworker-4", {
          as: coordinator,
          body: withoutTraining
        })
        expect(mismatch.status).toBe(400)
        expect((yield* h.request("GET", "/link-workers/linkworker-3", { as: coordinator })).json).toMatchObject({
          id: "linkworker-3",
          active: true
        })
        const ghost = yield* h.request("GET", "/link-workers/ghost", { as: coordinator })
        expect(ghost.status).toBe(404)
        expect(ghost.json).toMatchObject({ _tag: "NotFound", resource: "link-worker", id: "ghost" })
        const due = yield* h.request("GET", "/coordinator/training-due?programmeId=kemijarvi", { as: coordinator })
        expect(due.status).toBe(200)
        expect(due.json).toEqual(
          expect.arrayContaining([{ linkWorkerId: "linkworker-3", kind: "basic-training", overdue: true }])
        )
        const unknownProgramme = yield* h.request("GET", "/coordinator/training-due?programmeId=atlantis", {
          as: coordinator
        })
        expect(unknownProgramme.status).toBe(404)
        const badQuery = yield* h.request("GET", "/coordinator/training-due?programmeId=kemijarvi&withinDays=soon", {
          as: coordinator
        })
        expect(badQuery.status).toBe(400)
        expect(badQuery.json).toMatchObject({ issues: [{ path: "query.withinDays" }] })
        expectRefused(yield* h.request("GET", "/link-workers", { as: referrer }), "role")
        expectRefused(
          yield* h.request("PUT", "/link-workers/linkworker-3", { as: linkWorker, body: withoutTraining }),
          "role"
        )
        expectRefused(
          yield* h.request("GET", "/coordinator/training-due?programmeId=kemijarvi", { as: evaluator }),
          "role"
        )

        // assignment
        yield* at(2)
        const byLinkWorker = yield* h.request("POST", "/referrals/referral-1/assign", {
          as: linkWorker,
          key: "a-0",
          body: { linkWorkerId: "ghost" }
        })
        expectRefused(byLinkWorker, "role")
        const notInRegistry = yield* h.request("POST", "/referrals/referral-1/assign", {
          as: coordinator,
          key: "a-1",
          body: { linkWorkerId: "ghost" }
        })
        expect(notInRegistry.status).toBe(422)
        expect(notInRegistry.json).toMatchObject({ refusal: { _tag: "LinkWorkerNotFound", linkWorkerId: "ghost" } })
        const ineligible = yield* h.request("POST", "/referrals/referral-1/assign", {
          as: coordinator,
          key: "a-2",
          body: { linkWorkerId: "linkworker-3" }
        })
        expect(ineligible.status).toBe(422)
        expect(ineligible.json).toMatchObject({ refusal: { _tag: "LinkWorkerIneligible", reason: "untrained" } })
        const assigned = yield* h.request("POST", "/referrals/referral-1/assign", {
          as: coordinator,
          key: "a-3",
          body: { linkWorkerId: "linkworker-1" }
        })
        expect(assigned.status).toBe(200)
        expect(assigned.json).toMatchObject({ status: "Assigned", events: ["LinkWorkerAssigned"] })
        const other = yield* h.request("POST", "/referrals/referral-4/assign", {
          as: coordinator,
          key: "a-4",
          body: { linkWorkerId: "linkworker-2" }
        })
        expect(other.status).toBe(200)

        // rejection: unknown referral 404, wrong state 409, then a real one
        const unknown = yield* h.request("POST", "/referrals/no-such-referral/reject", {
          as: coordinator,
          key: "r-0",
          body: { reason: "not-eligible" }
        })
        expect(unknown.status).toBe(404)
        expect(unknown.json).toMatchObject({ _tag: "NotFound", resource: "referral", id: "no-such-referral" })
        const wrongState = yield* h.request("POST", "/referrals/referral-1/reject", {
          as: coordinator,
          key: "r-1",
          body: { reason: "not-eligible" }
        })
        expect(wrongState.status).toBe(409)
        expect(wrongState.json).toMatchObject({ reason: "transition-not-allowed", state: "Assigned" })
        const rejected = yield* h.request("POST", `/referrals/${derivedReferral}/reject`, {
          as: coordinator,
          key: "r-2",
          body: { reason: "duplicate" }
        })
        expect(rejected.json).toMatchObject({ status: "Rejected" })
        const badPath = yield* h.request("POST", "/referrals/bad%20id/reject", {
          as: coordinator,
          key: "r-3",
          body: { reason: "duplicate" }
        })
        expect(badPath.status).toBe(400)
        expect(badPath.json).toMatchObject({ issues: [{ path: "params.referralId" }] })

        // the referrer cancels one; the coordinator erases its personal data, twice
        yield* at(3)
        const cancelled = yield* h.request("POST", "/referrals/referral-5/cancel", {
          as: referrer,
          key: "c-1",
          body: { reason: "client-request" }
        })
        expect(cancelled.json).toMatchObject({ status: "Cancelled" })
        const erased = yield* h.request("POST", "/referrals/referral-5/erase", {
          as: coordinator,
          key: "e-1",
          body: { basis: "client-request" }
        })
        expect(erased.status).toBe(200)
        expect((erased.json as { events: Array<string> }).events).toHaveLength(1)
        const erasedAgain = yield* h.request("POST", "/referrals/referral-5/erase", {
          as: coordinator,
          key: "e-2",
          body: { basis: "client-request" }
        })
        expect(erasedAgain.json).toMatchObject({ events: [] })
      })
    )

    it.effect(
      "the assigned link worker sees name, mobile and reason (never the identity code) and works the referral",
      () =>
        Effect.gen(function* () {
          const h = yield* Harness
          yield* at(4)
          const caseload = yield* h.request("GET", "/link-worker/caseload", { as: linkWorker })
          expect(caseload.status).toBe(200)
          expect(caseload.json).toMatchObject({
            linkWorkerId: "linkworker-1",
            entries: [
              {
                referralId: "referral-1",
                status: "Assigned",
                client: {
                  givenName: client.givenName,
                  familyName: client.familyName,
                  mobileNumber: "+358401234567",
                  reasonText
                }
              }
            ]
          })
          expect((caseload.json as { entries: Array<unknown> }).entries).toHaveLength(1)
          for (const hidden of [identityCode, "personalIdentityCode", "birthYear", "nurse-1", "referrer"]) {
            expect(caseload.text).not.toContain(hidden)
          }
          const one = yield* h.request("GET", "/link-worker/referrals/referral-1", { as: linkWorker })
          expect(one.json).toMatchObject({ referralId: "referral-1", client: { givenName: client.givenName } })
          expect(one.text).not.toContain(identityCode)

          // another link worker: not their referral
          const others = yield* h.request("GET", "/link-worker/caseload", { as: otherLinkWorker })
          expect(others.json).toMatchObject({ linkWorkerId: "linkworker-2", entries: [{ referralId: "referral-4" }] })
          expect(others.text).not.toContain("referral-1")
          expectRefused(
            yield* h.request("GET", "/link-worker/referrals/referral-1", { as: otherLinkWorker }),
            "not-assigned"
          )
          expectRefused(
            yield* h.request("POST", "/referrals/referral-1/schedule-call", {
              as: otherLinkWorker,
              key: "s-0",
              body: { callAt: Fixtures.at(26), notifyBySms: true }
            }),
            "not-assigned"
          )
          expectRefused(yield* h.request("GET", "/link-worker/caseload", { as: coordinator }), "role")

          // a call at 03:00 is refused with the earliest valid time
          const night = yield* h.request("POST", "/referrals/referral-1/schedule-call", {
            as: linkWorker,
            key: "s-1",
            body: { callAt: Fixtures.at(18), notifyBySms: true }
          })
          expect(night.status).toBe(422)
          expect(night.json).toMatchObject({ refusal: { _tag: "CallTimeNotAllowed" } })
          expect(night.json).toHaveProperty("refusal.suggestedCallAt")

          const scheduled = yield* h.request("POST", "/referrals/referral-1/schedule-call", {
            as: linkWorker,
            key: "s-2",
            body: { callAt: Fixtures.at(26), notifyBySms: true }
          })
          expect(scheduled.json).toMatchObject({
            status: "ContactScheduled",
            events: ["CallScheduled", "CallTimeMessageRequested"]
          })
          const otherScheduled = yield* h.request("POST", "/referrals/referral-4/schedule-call", {
            as: otherLinkWorker,
            key: "s-3",
            body: { callAt: Fixtures.at(26), notifyBySms: false }
          })
          expect(otherScheduled.json).toMatchObject({ status: "ContactScheduled" })

          yield* at(26)
          const failed = yield* h.request("POST", "/referrals/referral-4/failed-contact-attempts", {
            as: otherLinkWorker,
            key: "f-1",
            body: { nextCallAt: Fixtures.at(48), notifyBySms: false }
          })
          expect(failed.json).toMatchObject({ status: "ContactScheduled" })
          expect((failed.json as { events: Array<string> }).events).toContain("ContactAttemptFailed")
          const started = yield* h.request("POST", "/referrals/referral-1/first-contact", {
            as: linkWorker,
            key: "fc-1",
            body: { outcome: "agreed" }
          })
          expect(started.json).toMatchObject({ status: "Active", events: ["CollaborationStarted"] })

          yield* at(27)
          const steps: ReadonlyArray<readonly [number, string, Record<string, unknown>]> = [
            [27, "arrangement", bodyOf(Fixtures.arrangement())],
            [27, "measures", bodyOf(Fixtures.measure())],
            [24 * 7 + 2, "meetings", bodyOf(Fixtures.meeting())],
            [24 * 14, "hold", bodyOf(Fixtures.putOnHold())],
            [24 * 21, "resume", {}]
          ]
          for (const [time, path, body] of steps) {
            yield* at(time)
            const answer = yield* h.request("POST", `/referrals/referral-1/${path}`, {
              as: linkWorker,
              key: `w-${path}`,
              body
            })
            expect(answer.status, path).toBe(200)
          }
          const resumed = yield* h.request("GET", "/link-worker/referrals/referral-1", { as: linkWorker })
          expect(resumed.json).toMatchObject({
            status: "Active",
            meetings: 1,
            arrangement: { way: "in-person", frequency: "weekly", place: "home" }
          })

          // the client grants the referrer the closing feedback and updates their number
          yield* at(24 * 30)
          const consent = yield* h.request("POST", "/referrals/referral-1/consents", {
            as: theClient,
            key: "cc-1",
            body: { consent: Fixtures.consentGiven("feedback-to-referrer") }
          })
          expect(consent.status).toBe(200)
          expectRefused(
            yield* h.request("POST", "/referrals/referral-1/consents", {
              as: otherClient,
              key: "cc-2",
              body: { consent: Fixtures.consentGiven("feedback-to-referrer") }
            }),
            "not-subject"
          )
          const contact = yield* h.request("POST", "/referrals/referral-1/contact-details", {
            as: theClient,
            key: "cd-1",
            body: { mobileNumber: newMobile }
          })
          expect(contact.status).toBe(200)

          yield* at(24 * 120)
          const closed = yield* h.request("POST", "/referrals/referral-1/close", {
            as: linkWorker,
            key: "cl-1",
            body: bodyOf(Fixtures.close())
          })
          expect(closed.json).toMatchObject({ status: "Closed", events: ["ReferralClosed"] })
          // a closed referral stays in the caseload until its follow-up is settled
          const after = yield* h.request("GET", "/link-worker/caseload", { as: linkWorker })
          expect(after.json).toMatchObject({ entries: [{ referralId: "referral-1", status: "Closed" }] })
        })
    )

    it.effect("the referrer sees the status of their own referrals, and the feedback only under C3", () =>
      Effect.gen(function* () {
        const h = yield* Harness
        yield* at(24 * 120 + 1)
        const overview = yield* h.request("GET", "/referrer/referrals", { as: referrer })
        expect(overview.status).toBe(200)
        const list = (overview.json as { entries: Array<{ referralId: string; status: string; feedback: string }> })
          .entries
        expect(list.find((r) => r.referralId === "referral-1")).toMatchObject({
          status: "Closed",
          task: { status: "completed" },
          feedback: "available",
          outcome: "continues-in-community-activity"
        })
        expect(list.find((r) => r.referralId === "referral-2")).toMatchObject({
          status: "Submitted",
          feedback: "not-requested"
        })
        expect(list.find((r) => r.referralId === "referral-5")).toMatchObject({
          status: "Cancelled",
          endReason: "client-request"
        })
        // the overview never carries the feedback text, nor any personal data
        for (const value of personalData) expect(overview.text).not.toContain(value)

        const status = yield* h.request("GET", "/referrer/referrals/referral-1", { as: referrer })
        expect(status.json).toMatchObject({ referralId: "referral-1", feedback: "available", feedbackText })
        const withoutFeedback = yield* h.request("GET", "/referrer/referrals/referral-2", { as: referrer })
        expect(withoutFeedback.json).toMatchObject({ feedback: "not-requested" })
        expect(withoutFeedback.json).not.toHaveProperty("feedbackText")

        // another referrer (of another organisation), or another role: refused
        expectRefused(
          yield* h.request("GET", "/referrer/referrals/referral-1", { as: otherOrgReferrer }),
          "not-own-referral"
        )
        expect((yield* h.request("GET", "/referrer/referrals", { as: otherOrgReferrer })).json).toEqual({ entries: [] })
        expectRefused(yield* h.request("GET", "/referrer/referrals", { as: coordinator }), "role")
        expectRefused(yield* h.request("GET", "/referrer/referrals/referral-1", { as: linkWorker }), "role")

        // the follow-up window passes (the scheduler's command)
        yield* at(24 * (120 + 92 + 15))
        const expired = yield* h.request("POST", "/referrals/referral-1/follow-up/expire", {
          as: system,
          key: "x-1"
        })
        expect(expired.json).toMatchObject({ status: "FollowedUp" })
        const followed = yield* h.request("GET", "/referrer/referrals/referral-1", { as: referrer })
        expect(followed.json).toMatchObject({ status: "FollowedUp", followUp: "missed", feedbackText })
        // an ended referral leaves the link worker's caseload
        const caseload = yield* h.request("GET", "/link-worker/caseload", { as: linkWorker })
        expect(caseload.json).toMatchObject({ entries: [] })
      })
    )

    it.effect("the client sees all their data and who read it; nobody else does", () =>
      Effect.gen(function* () {
        const h = yield* Harness
        const access = yield* h.request("GET", "/subjects/subject-1", { as: theClient })
        expect(access.status).toBe(200)
        expect(access.json).toMatchObject({
          subjectId: "subject-1",
          personalData: {
            givenName: client.givenName,
            personalIdentityCode: identityCode,
            mobileNumber: "+358507654321"
          },
          referrals: [{ referralId: "referral-1", status: "FollowedUp", task: { status: "completed" } }]
        })
        const log = access.json as {
          usage: Array<{ actorId: string; what: string }>
          disclosures: Array<{ recipientId: string; what: string; legalBasis: string }>
        }
        const readers = new Set(log.usage.map((u) => `${u.actorId}:${u.what}`))
        expect(readers).toContain("coordinator-1:coordinator-inbox")
        expect(readers).toContain("linkworker-1:link-worker-caseload")
        expect(readers).toContain("linkworker-1:link-worker-referral")
        expect(readers).toContain("nurse-1:closing-feedback")
        // the referrer read the feedback twice: two disclosures
        expect(log.disclosures).toHaveLength(2)
        for (const disclosure of log.disclosures) {
          expect(disclosure).toMatchObject({
            recipientId: "nurse-1",
            what: "closing-feedback",
            legalBasis: "consent:feedback-to-referrer"
          })
        }
        expectRefused(yield* h.request("GET", "/subjects/subject-1", { as: otherClient }), "not-subject")
        expectRefused(yield* h.request("GET", "/subjects/subject-1", { as: linkWorker }), "role")
        expectRefused(yield* h.request("GET", "/subjects/subject-1", { as: coordinator }), "role")
      })
    )

    it.effect("the evaluator reads the report as JSON and HTML, aggregates only", () =>
      Effect.gen(function* () {
        const h = yield* Harness
        const query = `?from=${encodeURIComponent(Fixtures.at(-24))}&to=${encodeURIComponent(Fixtures.at(24))}&asOf=${encodeURIComponent(Fixtures.at(24 * 300))}`
        const report = yield* h.request("GET", `/evaluation/kemijarvi${query}`, { as: evaluator })
        expect(report.status).toBe(200)
        expect(report.json).toMatchObject({
          format: "lahete-evaluation/1",
          programme: { id: "kemijarvi" },
          minimumCell: 5,
          referrals: { total: { _tag: "Value", value: 5 } }
        })
        for (const value of [...personalData, "referral-1", "subject-1", "nurse-1"]) {
          expect(report.text).not.toContain(value)
        }
        const html = yield* h.request("GET", `/evaluation/kemijarvi/report.html${query}`, { as: evaluator })
        expect(html.status).toBe(200)
        expect(html.headers.get("content-type")).toContain("text/html")
        expect(html.text).toMatch(/^<!doctype html>\n<html lang="fi">/)
        // Kemijärvi's first language by default, local months, no UTC instant shown
        expect(html.text).toContain("<h1>Arviointiraportti: Hyvinvointilähete</h1>")
        for (const value of [...personalData, "referral-1", "subject-1", "nurse-1"]) {
          expect(html.text).not.toContain(value)
        }
        // the language asked for
        const months = `?from=2026-02-28T22:00:00.000Z&to=2026-05-31T21:00:00.000Z`
        const pages = {
          fi: yield* h.request("GET", `/evaluation/kemijarvi/report.html${months}&lang=fi`, { as: evaluator }),
          sv: yield* h.request("GET", `/evaluation/kemijarvi/report.html${months}&lang=sv`, { as: evaluator }),
          en: yield* h.request("GET", `/evaluation/kemijarvi/report.html${months}&lang=en`, { as: evaluator })
        }
        expect(pages.fi.status).toBe(200)
        expect(pages.fi.text).toMatch(/^<!doctype html>\n<html lang="fi">/)
        expect(pages.fi.text).toContain("Lähetteet tehty: maaliskuu–toukokuu 2026")
        expect(pages.sv.status).toBe(200)
        expect(pages.sv.text).toMatch(/^<!doctype html>\n<html lang="sv">/)
        expect(pages.sv.text).toContain("Remisser skickade: mars–maj 2026")
        expect(pages.en.status).toBe(200)
        expect(pages.en.text).toMatch(/^<!doctype html>\n<html lang="en">/)
        expect(pages.en.text).toContain("<h1>Evaluation: Wellbeing referral</h1>")
        expect(pages.en.text).toContain("Referrals submitted: March–May 2026")
        // an unknown language is refused, naming the parameter; so are Sámi (no report text yet) and a case variant
        for (const lang of ["de", "se", "FI", "", "fi-FI"]) {
          const refused = yield* h.request("GET", `/evaluation/kemijarvi/report.html${query}&lang=${lang}`, {
            as: evaluator
          })
          expect(refused.status, lang).toBe(400)
          expect(refused.json, lang).toMatchObject({ _tag: "BadRequest", issues: [{ path: "query.lang" }] })
          expect(refused.text, lang).not.toContain("<html")
        }

        expectRefused(yield* h.request("GET", `/evaluation/kemijarvi${query}`, { as: coordinator }), "role")
        expectRefused(yield* h.request("GET", `/evaluation/kemijarvi/report.html${query}`, { as: referrer }), "role")
        expectRefused(
          yield* h.request("GET", `/evaluation/kemijarvi${query}`, {
            as: inProgrammes(evaluator, "sodankyla")
          }),
          "outside-programme"
        )
        expect((yield* h.request("GET", `/evaluation/atlantis${query}`, { as: evaluator })).status).toBe(404)
        const backwards = yield* h.request(
          "GET",
          `/evaluation/kemijarvi?from=${encodeURIComponent(Fixtures.at(24))}&to=${encodeURIComponent(Fixtures.at(0))}`,
          { as: evaluator }
        )
        expect(backwards.status).toBe(400)
        const missing = yield* h.request("GET", "/evaluation/kemijarvi", { as: evaluator })
        expect(missing.status).toBe(400)
        expect(missing.json).toMatchObject({ issues: [{ path: "query.from", reason: "is missing" }] })
      })
    )

    it.effect("every refusal is in the core's refusal log", () =>
      Effect.gen(function* () {
        const audit = yield* AuditLog.AuditLog
        const refusals = yield* audit.refusals()
        const seen = new Set(refusals.map((r) => `${r.role}|${r.action}|${r.reason}`))
        for (const expected of [
          "Coordinator|SubmitReferral|role",
          "Referrer|read coordinator-inbox|role",
          "LinkWorker|AssignLinkWorker|role",
          "LinkWorker|ScheduleCall|not-assigned",
          "LinkWorker|read link-worker-referral|not-assigned",
          "Client|RecordConsent|not-subject",
          "Referrer|read referral-status|not-own-referral",
          "Client|read subject-access|not-subject",
          "Referrer|read link-workers|role",
          "LinkWorker|write link-workers|role",
          "Coordinator|read evaluation|role",
          "Evaluator|read evaluation|outside-programme"
        ]) {
          expect([...seen], expected).toContain(expected)
        }
      })
    )

    it.effect("the request log is JSON lines with method, route, status, duration and role, and nothing personal", () =>
      Effect.gen(function* () {
        const h = yield* Harness
        // personal data in a path or a query string does not reach the log either
        expect((yield* h.request("GET", `/clients/${identityCode}`)).status).toBe(404)
        expect((yield* h.request("GET", `/referrer/referrals?name=${client.givenName}`, { as: referrer })).status).toBe(
          200
        )
        const lines = h.logLines
        expect(lines.length).toBeGreaterThan(80)
        const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>)
        const requests = records.filter((r) => r.message === "http request")
        for (const r of requests) {
          expect(Object.keys(r).sort()).toEqual(
            expect.arrayContaining(["timestamp", "level", "http.method", "http.route", "http.status", "duration_ms"])
          )
          expect(typeof r.duration_ms).toBe("number")
          expect(String(r["http.route"])).not.toMatch(/referral-1|subject-1|\?/)
        }
        expect(requests).toEqual(
          expect.arrayContaining([
            expect.objectContaining({
              "http.method": "POST",
              "http.route": "/referrals/:referralId/close",
              "http.status": 200,
              "actor.role": "LinkWorker"
            }),
            expect.objectContaining({
              "http.route": "/coordinator/inbox",
              "http.status": 403,
              "actor.role": "Referrer"
            }),
            expect.objectContaining({ "http.route": "/link-worker/caseload", "http.status": 401 }),
            expect.objectContaining({ "http.route": "(unmatched)", "http.status": 404 })
          ])
        )
        const all = lines.join("\n")
        for (const value of personalData) expect(all).not.toContain(value)
        expect(h.signer.signed.size).toBeGreaterThan(50)
        for (const token of h.signer.signed) expect(all).not.toContain(token)
        expect(all).not.toMatch(/eyJ|Bearer|authorization/i)
      })
    )
  })

describe("the HTTP API end to end", () => {
  scenario("in memory", Stores.memory)
  scenario("on SQLite", Stores.sqlite)
})
