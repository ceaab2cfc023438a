import { request as httpRequest } from "node:http"
import { describe, expect, it } from "@effect/vitest"
import { Deadlines, Instant, type ReferralCommand, type ReferralTransport } from "@lahete/core"
import { Fixtures, ReferralTransportTest } from "@lahete/testing"
import { FhirCodes } from "@lahete/transport-fhir"
import type { Bundle, CodeableConcept, Extension, Task } from "@medplum/fhirtypes"
import { Effect, Layer, Option } from "effect"
import { BaseUrl, configuredBaseUrl, memoryService, realServer } from "./support/layers.js"
import * as Tokens from "./support/tokens.js"
import { gravityTaskFindings, tasksIn, validate } from "./support/validation.js"
import {
  type Answer,
  captured,
  consent,
  deleteAt,
  type Harness,
  personal,
  referralBundle,
  referralIdOf,
  setAt,
  withServer
} from "./support/wire.js"

const code = (concept: CodeableConcept | undefined, system: string): string | undefined =>
  concept?.coding?.find((c) => c.system === system)?.code

const output = (task: Task, type: string) =>
  (task.output ?? []).find((o) => code(o.type, FhirCodes.taskParameter) === type)

const extension = (task: Task, url: string): Extension | undefined => task.extension?.find((e) => e.url === url)

const entries = (answer: Answer) => answer.bundle.entry ?? []

/** The Task of a transaction response or searchset entry. */
const taskAt = (answer: Answer, index: number): Task => (entries(answer)[index]?.resource ?? {}) as Task

/** Delivers the fixture Bundle and answers the receipt the lifecycle helpers need. */
const deliver = (h: Harness, messageId: string, bundle = referralBundle(messageId)) =>
  Effect.gen(function* () {
    const answer = yield* h.post(bundle)
    expect(answer.status, answer.text).toBe(201)
    const task = (entries(answer).find((e) => e.resource?.resourceType === "Task")?.resource ?? {}) as Task
    const receipt: ReferralTransport.Receipt = {
      messageId,
      referralId: task.id as ReferralTransport.Receipt["referralId"],
      receivedAt: task.authoredOn as Instant.Instant,
      duplicate: false
    }
    return { answer, task, receipt }
  })

const readTask = (h: Harness, id: string, token?: string) =>
  Effect.gen(function* () {
    const answer = yield* h.get(`/Task/${id}`, token === undefined ? {} : { token })
    expect(answer.status, answer.text).toBe(200)
    expect(answer.contentType).toBe("application/fhir+json; charset=utf-8")
    return answer.task
  })

const days = (from: Instant.Instant, n: number) => Instant.plusMillis(from, n * 86_400_000)

describe("FhirServer: a referral Bundle in, Tasks out", () => {
  it.live(
    "a transaction Bundle becomes a Submitted referral; the answer is a transaction-response with the Task (201)",
    () =>
      withServer((h) =>
        Effect.gen(function* () {
          const { answer, task } = yield* deliver(h, "msg-wire-1")
          const id = yield* referralIdOf("msg-wire-1")
          expect(answer.contentType).toBe("application/fhir+json; charset=utf-8")
          expect(answer.headers.get("location")).toBe(`http://lahete.test/Task/${id}`)
          expect(answer.headers.get("cache-control")).toBe("no-store")
          expect(answer.bundle.resourceType).toBe("Bundle")
          expect(answer.bundle.type).toBe("transaction-response")
          // one response entry per request entry, in order: the Task is created; the ServiceRequest is read
          // back at its location; the Patient and the Consents are kept with the referral, not served
          expect(entries(answer)).toHaveLength(5)
          expect(entries(answer).map((e) => e.response?.status)).toEqual([
            "201 Created",
            "200 OK",
            "200 OK",
            "200 OK",
            "200 OK"
          ])
          expect(entries(answer).map((e) => e.response?.location)).toEqual([
            `Task/${id}`,
            `ServiceRequest/${id}`,
            undefined,
            undefined,
            undefined
          ])
          for (const e of entries(answer).slice(2)) {
            expect(e.response?.outcome?.resourceType).toBe("OperationOutcome")
          }
          const serviceRequest = yield* h.get(`/${entries(answer)[1]?.response?.location}`)
          expect(serviceRequest.status, serviceRequest.text).toBe(200)
          expect(serviceRequest.json).toMatchObject({ resourceType: "ServiceRequest", id, status: "active" })
          expect(task.focus?.reference).toBe(`ServiceRequest/${id}`)
          expect(task.requester?.identifier).toEqual({ system: FhirCodes.practitionerId, value: Fixtures.referrer.id })
          expect(task.for?.identifier).toEqual({ system: FhirCodes.referralClient, value: id })
          expect(task.id).toBe(id)
          expect(task.status).toBe("requested")
          expect(code(task.businessStatus, FhirCodes.referralState)).toBe("submitted")
          expect(task.intent).toBe("order")
          expect(code(task.code, FhirCodes.taskCode)).toBe("fulfill")
          expect(task.owner?.identifier).toEqual({ system: FhirCodes.programmeId, value: "kemijarvi" })
          expect(task.lastModified).toBe(task.authoredOn)

          // what the referral holds: the mapping of every resource
          const state = yield* h.service.state(id)
          expect(state.status).toBe("Submitted")
          expect(state.submittedAt).toBe(task.authoredOn)
          expect(state.referrer).toEqual({
            id: Fixtures.referrer.id,
            organisation: Fixtures.referrer.organisation,
            profession: "nurse"
          })
          expect(state.programme).toEqual({ id: "kemijarvi", version: 1 })
          expect(state.reasonCategories).toEqual(["loneliness"])
          expect(state.feedbackRequested).toBe(true)
          expect(state.validMobile).toBe(true)
          expect(Object.keys(state.consents).sort()).toEqual(["contact-by-sms", "referral"])
          expect(state.consents.referral).toMatchObject({ decision: "granted", method: "in-appointment" })
          if (state.subjectId === undefined) return yield* Effect.die("no subject")
          const subject = Option.getOrThrow(yield* h.store.subject(state.subjectId))
          expect(subject).toMatchObject({
            givenName: personal.givenName,
            familyName: personal.familyName,
            personalIdentityCode: personal.identityCode,
            mobileNumber: "+358401234567",
            language: "fi"
          })
          expect(subject.referrals[id]?.reasonText).toBe(personal.reason)
          // elements the adapter ignores are not kept anywhere
          const kept = JSON.stringify({ subject, events: (yield* h.store.load(id)).events })
          for (const ignored of ["98100", "MRN-77", "female", "T-1"]) expect(kept).not.toContain(ignored)
        })
      )
  )

  it.live("the same Bundle again answers 200 with the same Task; 12 concurrent deliveries create one referral", () =>
    withServer((h) =>
      Effect.gen(function* () {
        const first = yield* deliver(h, "msg-twice")
        const again = yield* h.post(referralBundle("msg-twice"))
        expect(again.status).toBe(200)
        expect(entries(again).map((e) => e.response?.status)).toEqual(Array(5).fill("200 OK"))
        const task = taskAt(again, 0)
        expect(task).toEqual(first.task)

        const answers = yield* Effect.all(
          Array.from({ length: 12 }, () => h.post(referralBundle("msg-race"))),
          { concurrency: "unbounded" }
        )
        expect(answers.map((a) => a.status).sort()).toEqual([
          200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 201
        ])
        const ids = new Set(answers.map((a) => taskAt(a, 0).id))
        expect(ids.size).toBe(1)
        expect([...(yield* h.store.referralIds())].sort()).toEqual([first.task.id, ...ids].sort())
      })
    )
  )

  it.live(
    "GET Task follows the lifecycle: requested → accepted → contact-scheduled → in-progress → on-hold → completed",
    () =>
      withServer((h) =>
        Effect.gen(function* () {
          const { receipt } = yield* deliver(h, "msg-life")
          const steps = ReferralTransportTest.lifecycle(receipt)
          const id = receipt.referralId
          const t = steps.times
          const seen: Array<unknown> = []
          const look = Effect.gen(function* () {
            const task = yield* readTask(h, id)
            seen.push({
              status: task.status,
              business: code(task.businessStatus, FhirCodes.referralState),
              reason: task.statusReason?.coding?.[0]?.code,
              lastModified: task.lastModified
            })
            expect(task.meta?.lastUpdated).toBe(task.lastModified)
            return task
          })
          const run = (command: ReferralCommand.ReferralCommand) => h.service.execute(command)
          const holdAt = days(t.contactAt, 10)
          const resumeAt = days(t.contactAt, 20)

          yield* look
          yield* run(steps.assign())
          yield* look
          yield* run(steps.scheduleCall())
          yield* look
          yield* run(steps.firstContact())
          yield* run(steps.grantFeedback())
          const started = yield* look
          expect(started.executionPeriod).toEqual({ start: t.contactAt })
          yield* run(Fixtures.putOnHold({ referralId: id, at: holdAt, reason: "hospital-stay" }))
          yield* look
          yield* run(Fixtures.resume({ referralId: id, at: resumeAt }))
          yield* look
          yield* run(steps.close())
          const closed = yield* look
          const followUpClosesAt = Deadlines.followUpWindow(t.closeAt, Fixtures.programme).closesAt
          yield* run(Fixtures.expireFollowUp({ referralId: id, at: Instant.plusMillis(followUpClosesAt, 60_000) }))
          const followedUp = yield* look

          expect(seen).toEqual([
            { status: "requested", business: "submitted", reason: undefined, lastModified: receipt.receivedAt },
            { status: "accepted", business: "assigned", reason: undefined, lastModified: t.assignAt },
            { status: "accepted", business: "contact-scheduled", reason: undefined, lastModified: t.scheduleAt },
            // the feedback consent granted after the first contact changes the Task: its time is the grant's
            { status: "in-progress", business: "active", reason: undefined, lastModified: steps.grantFeedback().at },
            { status: "on-hold", business: "on-hold", reason: "hospital-stay", lastModified: holdAt },
            { status: "in-progress", business: "active", reason: undefined, lastModified: resumeAt },
            { status: "completed", business: "closed", reason: undefined, lastModified: t.closeAt },
            {
              status: "completed",
              business: "followed-up",
              reason: undefined,
              lastModified: Instant.plusMillis(followUpClosesAt, 60_000)
            }
          ])
          expect(closed.executionPeriod).toEqual({ start: t.contactAt, end: t.closeAt })
          expect(code(output(closed, "outcome")?.valueCodeableConcept, FhirCodes.outcome)).toBe(
            Fixtures.close().outcome
          )
          // C3 holds (asked, granted, closed): the feedback is an output
          expect(output(closed, "closing-feedback")?.valueString).toBe(Fixtures.close().feedback)
          expect(output(followedUp, "follow-up")?.valueCode).toBe("missed")
          expect(extension(followedUp, FhirCodes.feedbackAccessExtension)?.valueCode).toBe("available")
          expect(extension(followedUp, FhirCodes.milestonesExtension)?.extension?.map((e) => e.url)).toEqual([
            "assigned",
            "started",
            "closed",
            "ended"
          ])
        })
      )
  )

  it.live("rejected, cancelled, withdrawn, declined and unreachable Tasks carry their statusReason", () =>
    withServer((h) =>
      Effect.gen(function* () {
        const ended = (
          messageId: string,
          commands: (
            steps: ReturnType<typeof ReferralTransportTest.lifecycle>
          ) => ReadonlyArray<ReferralCommand.ReferralCommand>
        ) =>
          Effect.gen(function* () {
            const { receipt } = yield* deliver(h, messageId)
            const steps = ReferralTransportTest.lifecycle(receipt)
            for (const c of commands(steps)) yield* h.service.execute(c)
            const task = yield* readTask(h, receipt.referralId)
            return {
              status: task.status,
              business: code(task.businessStatus, FhirCodes.referralState),
              reason: task.statusReason?.coding?.[0],
              ended: task.executionPeriod?.end !== undefined
            }
          })
        const rejected = yield* ended("msg-rejected", (s) => [
          Fixtures.reject({ referralId: s.assign().referralId, at: s.times.assignAt, reason: "acute-crisis" })
        ])
        expect(rejected).toEqual({
          status: "rejected",
          business: "rejected",
          reason: { system: FhirCodes.endReason, code: "acute-crisis" },
          ended: true
        })
        const cancelled = yield* ended("msg-cancelled", (s) => [
          Fixtures.cancel({ referralId: s.assign().referralId, at: s.times.assignAt, reason: "made-in-error" })
        ])
        expect(cancelled).toEqual({
          status: "cancelled",
          business: "cancelled",
          reason: { system: FhirCodes.endReason, code: "made-in-error" },
          ended: true
        })
        const withdrawn = yield* ended("msg-withdrawn", (s) => [
          s.assign(),
          Fixtures.recordConsent("referral", "withdrawn", {
            referralId: s.assign().referralId,
            actor: Fixtures.coordinator,
            at: s.times.scheduleAt
          })
        ])
        expect(withdrawn).toEqual({
          status: "cancelled",
          business: "consent-withdrawn",
          reason: { system: FhirCodes.endReason, code: "consent-withdrawn" },
          ended: true
        })
        const declined = yield* ended("msg-declined", (s) => [
          s.assign(),
          s.scheduleCall(),
          Fixtures.firstContact({ referralId: s.assign().referralId, at: s.times.contactAt, outcome: "declined" })
        ])
        expect(declined).toEqual({
          status: "rejected",
          business: "client-declined",
          reason: { system: FhirCodes.statusReason, code: "client-declined" },
          ended: true
        })
        const unreachable = yield* ended("msg-unreachable", (s) => {
          const referralId = s.assign().referralId
          const call = (n: number) => days(s.times.callAt, n)
          return [
            s.assign(),
            s.scheduleCall(),
            Fixtures.failedAttempt({ referralId, at: call(0), nextCallAt: call(1), notifyBySms: false }),
            Fixtures.failedAttempt({ referralId, at: call(1), nextCallAt: call(2), notifyBySms: false }),
            Fixtures.lastFailedAttempt({ referralId, at: call(2), notifyBySms: false })
          ]
        })
        expect(unreachable).toEqual({
          status: "failed",
          business: "unreachable",
          reason: { system: FhirCodes.statusReason, code: "contact-attempts-exhausted" },
          ended: true
        })
      })
    )
  )

  it.live("GET Task?status=…&_lastUpdated=ge… is a searchset of the referrer's own Tasks", () =>
    withServer((h) =>
      Effect.gen(function* () {
        const a = yield* deliver(h, "msg-s-a")
        const b = yield* deliver(h, "msg-s-b")
        const other = yield* Effect.promise(() => Tokens.sign(ReferralTransportTest.senders.otherOrganisation))
        const theirs = yield* h.post(referralBundle("msg-s-a"), {
          token: other
        })
        // another organisation's Bundle names its own practitioner as requester
        expect(theirs.status).toBe(403)
        const stepsA = ReferralTransportTest.lifecycle(a.receipt)
        yield* h.service.execute(stepsA.assign())

        const all = yield* h.get("/Task")
        expect(all.status).toBe(200)
        expect(all.bundle.type).toBe("searchset")
        expect(all.bundle.total).toBe(2)
        expect(
          entries(all)
            .map((e) => e.fullUrl)
            .sort()
        ).toEqual([a.task.id, b.task.id].map((id) => `http://lahete.test/Task/${id}`).sort())
        const accepted = yield* h.get("/Task?status=accepted")
        expect(entries(accepted).map((e) => e.resource?.id)).toEqual([a.task.id])
        const both = yield* h.get(`/Task?status=${FhirCodes.taskStatus}|requested,accepted`)
        expect(both.bundle.total).toBe(2)
        const since = yield* h.get(`/Task?_lastUpdated=ge${stepsA.times.assignAt}`)
        expect(entries(since).map((e) => e.resource?.id)).toEqual([a.task.id])
        expect(since.bundle.link?.[0]).toEqual({
          relation: "self",
          url: `http://lahete.test/Task?_lastUpdated=ge${stepsA.times.assignAt}`
        })
        const none = yield* h.get(
          `/Task?status=accepted&_lastUpdated=ge${Instant.plusMillis(stepsA.times.assignAt, 1)}`
        )
        expect(none.json).toMatchObject({ type: "searchset", total: 0 })
        expect(none.bundle.entry).toBeUndefined()
        // another organisation sees none of ours
        const otherAll = yield* h.get("/Task", { token: other })
        expect(otherAll.bundle.total).toBe(0)

        for (const bad of [
          "/Task?_count=10",
          "/Task?status=accepted&status=requested",
          "/Task?_lastUpdated=gt2026-03-02T07:00:00Z",
          "/Task?_lastUpdated=ge2026-03-02",
          "/Task?status=Accepted!",
          "/Task?status=urn:other|accepted"
        ]) {
          const answer = yield* h.get(bad)
          expect(answer.status, bad).toBe(400)
          expect(answer.outcome.resourceType).toBe("OperationOutcome")
        }
      })
    )
  )

  it.live(
    "the closing feedback is an output only under C3, each read is a disclosure, other organisations get 403",
    () =>
      withServer((h) =>
        Effect.gen(function* () {
          const { receipt } = yield* deliver(h, "msg-c3")
          const steps = ReferralTransportTest.lifecycle(receipt)
          const id = receipt.referralId
          for (const c of [steps.assign(), steps.scheduleCall(), steps.firstContact(), steps.close()]) {
            yield* h.service.execute(c)
          }
          const state = yield* h.service.state(id)
          if (state.subjectId === undefined) return yield* Effect.die("no subject")
          const subjectId = state.subjectId
          const disclosures = Effect.map(h.audit.forSubject(subjectId), (log) => log.disclosures)

          // closed, asked for, but the client has not granted it
          const notGranted = yield* readTask(h, id)
          expect(output(notGranted, "closing-feedback")).toBeUndefined()
          expect(extension(notGranted, FhirCodes.feedbackAccessExtension)?.valueCode).toBe("not-consented")
          expect(JSON.stringify(notGranted)).not.toContain(Fixtures.close().feedback)
          expect(yield* disclosures).toEqual([])

          // the client grants it after the closing: C3 holds now
          yield* h.service.execute(
            Fixtures.recordConsent("feedback-to-referrer", "granted", {
              referralId: id,
              at: Instant.plusMillis(steps.times.closeAt, 60_000)
            })
          )
          for (const n of [1, 2, 3]) {
            const task = yield* readTask(h, id)
            expect(output(task, "closing-feedback")?.valueString).toBe(Fixtures.close().feedback)
            const log = yield* disclosures
            expect(log).toHaveLength(n)
            expect(log[n - 1]).toMatchObject({
              referralId: id,
              recipientId: Fixtures.referrer.id,
              recipientOrganisation: Fixtures.referrer.organisation,
              what: "closing-feedback",
              legalBasis: "consent:feedback-to-referrer"
            })
          }
          // the search never carries it, and discloses nothing
          const listed = yield* h.get("/Task")
          expect(listed.text).not.toContain(Fixtures.close().feedback)
          expect(yield* disclosures).toHaveLength(3)
          // neither does the ServiceRequest (no personal data in it)
          const serviceRequest = yield* h.get(`/ServiceRequest/${id}`)
          expect(serviceRequest.status).toBe(200)
          expect(serviceRequest.json).toMatchObject({ resourceType: "ServiceRequest", id, status: "completed" })
          for (const value of [...Object.values(personal), Fixtures.close().feedback]) {
            expect(serviceRequest.text).not.toContain(value)
          }
          expect(yield* disclosures).toHaveLength(3)

          // other organisations (one with the same practitioner id) and a colleague: 403, logged, nothing disclosed
          const refusalsBefore = (yield* h.audit.refusals()).length
          for (const outsider of [
            ReferralTransportTest.senders.otherOrganisation,
            ReferralTransportTest.senders.sameIdOtherOrganisation,
            ReferralTransportTest.senders.colleague
          ]) {
            const token = yield* Effect.promise(() => Tokens.sign(outsider))
            const answer = yield* h.get(`/Task/${id}`, { token })
            expect(answer.status).toBe(403)
            expect(answer.outcome.resourceType).toBe("OperationOutcome")
            expect(answer.outcome.issue[0]?.code).toBe("forbidden")
            expect(answer.text).not.toContain(Fixtures.close().feedback)
            const serviceRequest = yield* h.get(`/ServiceRequest/${id}`, { token })
            expect(serviceRequest.status).toBe(403)
            expect(serviceRequest.outcome.issue[0]?.code).toBe("forbidden")
          }
          // an unknown id answers the same
          expect((yield* h.get("/ServiceRequest/ref-unknown")).status).toBe(403)
          expect((yield* h.audit.refusals()).length - refusalsBefore).toBe(7)
          expect(yield* disclosures).toHaveLength(3)
        })
      )
  )
})

describe("FhirServer: what a referrer's system polls and does", () => {
  it.live(
    "granting or withdrawing the feedback consent moves meta.lastUpdated, and _lastUpdated=ge polling returns the Task",
    () =>
      withServer((h) =>
        Effect.gen(function* () {
          const { receipt } = yield* deliver(h, "msg-consent-poll")
          const steps = ReferralTransportTest.lifecycle(receipt)
          const id = receipt.referralId
          for (const c of [steps.assign(), steps.scheduleCall(), steps.firstContact(), steps.close()]) {
            yield* h.service.execute(c)
          }
          const closed = yield* readTask(h, id)
          expect(closed.meta?.lastUpdated).toBe(steps.times.closeAt)
          const polled = (since: Instant.Instant) =>
            Effect.map(h.get(`/Task?_lastUpdated=ge${since}`), (a) => entries(a).map((e) => e.resource as Task))

          // the client grants the feedback consent after the closing: the Task's content changes
          const grantedAt = Instant.plusMillis(steps.times.closeAt, 60_000)
          const afterClose = Instant.plusMillis(steps.times.closeAt, 1)
          expect(yield* polled(afterClose)).toEqual([])
          yield* h.service.execute(
            Fixtures.recordConsent("feedback-to-referrer", "granted", { referralId: id, at: grantedAt })
          )
          const granted = yield* readTask(h, id)
          expect(extension(granted, FhirCodes.feedbackAccessExtension)?.valueCode).toBe("available")
          expect(granted.meta?.lastUpdated).toBe(grantedAt)
          expect(granted.lastModified).toBe(grantedAt)
          const seen = yield* polled(afterClose)
          expect(seen.map((t) => t.id)).toEqual([id])
          expect(seen[0]?.meta?.lastUpdated).toBe(grantedAt)

          // and withdraws it: the feedback is no longer readable, the Task changed again
          const withdrawnAt = Instant.plusMillis(grantedAt, 60_000)
          yield* h.service.execute(
            Fixtures.recordConsent("feedback-to-referrer", "withdrawn", { referralId: id, at: withdrawnAt })
          )
          const withdrawn = yield* readTask(h, id)
          expect(extension(withdrawn, FhirCodes.feedbackAccessExtension)?.valueCode).toBe("not-consented")
          expect(output(withdrawn, "closing-feedback")).toBeUndefined()
          expect(withdrawn.meta?.lastUpdated).toBe(withdrawnAt)
          expect((yield* polled(Instant.plusMillis(grantedAt, 1))).map((t) => t.id)).toEqual([id])
          expect(yield* polled(Instant.plusMillis(withdrawnAt, 1))).toEqual([])
        })
      )
  )

  it.live("the requester cancels with PUT Task/{id} (status cancelled): the lifecycle's CancelReferral", () =>
    withServer((h) =>
      Effect.gen(function* () {
        const { receipt, task } = yield* deliver(h, "msg-cancel")
        const id = receipt.referralId
        const put = (body: unknown, token?: string) =>
          h.request("PUT", `/Task/${id}`, { body: JSON.stringify(body), ...(token === undefined ? {} : { token }) })
        const cancelling = {
          ...task,
          status: "cancelled",
          statusReason: { coding: [{ system: FhirCodes.endReason, code: "no-longer-needed" }] }
        }

        // only cancelling: another status is the lifecycle's, a wrong id or reason is malformed
        expect((yield* put({ ...task, status: "completed" })).status).toBe(422)
        expect((yield* put({ ...cancelling, id: "ref-other" })).status).toBe(400)
        const badReason = {
          ...cancelling,
          statusReason: { coding: [{ system: FhirCodes.endReason, code: "acute-crisis" }] }
        }
        expect((yield* put(badReason)).status).toBe(400)
        // someone else's referral: 403, nothing changes
        const colleague = yield* Effect.promise(() => Tokens.sign(ReferralTransportTest.senders.colleague))
        expect((yield* put(cancelling, colleague)).status).toBe(403)
        expect((yield* h.service.state(id)).status).toBe("Submitted")

        const answer = yield* put(cancelling)
        expect(answer.status, answer.text).toBe(200)
        expect(answer.task.status).toBe("cancelled")
        expect(answer.task.statusReason).toEqual({
          coding: [{ system: FhirCodes.endReason, code: "no-longer-needed" }],
          text: FhirCodes.statusReasonTexts["no-longer-needed"]
        })
        const state = yield* h.service.state(id)
        expect(state.status).toBe("Cancelled")
        expect(state.endReason).toBe("no-longer-needed")
        // the same update again: the same cancelled Task, nothing new
        const again = yield* put(cancelling)
        expect(again.status).toBe(200)
        expect(again.task).toEqual(answer.task)
        expect((yield* h.service.state(id)).version).toBe(state.version)
        const serviceRequest = yield* h.get(`/ServiceRequest/${id}`)
        expect(serviceRequest.json).toMatchObject({ resourceType: "ServiceRequest", status: "revoked" })

        // a Task already cancelled by the client's withdrawal: answered as it is, nothing recorded
        const withdrawn = yield* deliver(h, "msg-cancel-withdrawn")
        const withdrawnId = withdrawn.receipt.referralId
        yield* h.service.execute(
          Fixtures.recordConsent("referral", "withdrawn", {
            referralId: withdrawnId,
            actor: Fixtures.coordinator,
            at: ReferralTransportTest.lifecycle(withdrawn.receipt).times.assignAt
          })
        )
        const versionWithdrawn = (yield* h.service.state(withdrawnId)).version
        const onWithdrawn = yield* h.request("PUT", `/Task/${withdrawnId}`, {
          body: JSON.stringify({ ...withdrawn.task, status: "cancelled" })
        })
        expect(onWithdrawn.status, onWithdrawn.text).toBe(200)
        expect(code(onWithdrawn.task.businessStatus, FhirCodes.referralState)).toBe("consent-withdrawn")
        expect((yield* h.service.state(withdrawnId)).version).toBe(versionWithdrawn)

        // a collaboration under way cannot be cancelled by the referrer: 422
        const started = yield* deliver(h, "msg-cancel-late")
        const steps = ReferralTransportTest.lifecycle(started.receipt)
        for (const c of [steps.assign(), steps.scheduleCall(), steps.firstContact()]) yield* h.service.execute(c)
        const late = yield* h.request("PUT", `/Task/${started.receipt.referralId}`, {
          body: JSON.stringify({ ...started.task, status: "cancelled" })
        })
        expect(late.status).toBe(422)
        expect(late.outcome.issue[0]?.code).toBe("business-rule")
      })
    )
  )
})

describe("FhirServer: strict input", () => {
  /** The path of the resource of entry `i`. */
  const r = (i: number) => ["entry", i, "resource"] as const

  const outcome = (answer: Answer) => answer.outcome.issue?.[0]

  it.live("authentication, media type, size, JSON and routes are checked, each refusal an OperationOutcome", () =>
    withServer(
      (h) =>
        Effect.gen(function* () {
          const body = JSON.stringify(referralBundle("msg-strict"))
          const missing = yield* h.request("POST", "/", { body, token: null })
          expect(missing.status).toBe(401)
          expect(missing.headers.get("www-authenticate")).toBe('Bearer realm="lahete-fhir"')
          expect(missing.headers.get("cache-control")).toBe("no-store")
          expect(outcome(missing)).toMatchObject({ severity: "error", code: "login" })

          const xml = yield* h.request("POST", "/", { body, contentType: "application/fhir+xml" })
          expect(xml.status).toBe(415)
          expect(outcome(xml)?.code).toBe("not-supported")
          const latin1 = yield* h.request("POST", "/", {
            body,
            contentType: "application/fhir+json; charset=iso-8859-1"
          })
          expect(latin1.status).toBe(415)
          const plainJson = yield* h.request("POST", "/Bundle", {
            body,
            contentType: "application/json; charset=utf-8"
          })
          expect(plainJson.status).toBe(201)

          const large = yield* h.request("POST", "/", { body: " ".repeat(200_001 - body.length) + body })
          expect(large.status).toBe(413)
          expect(outcome(large)?.code).toBe("too-costly")

          for (const garbage of ["", "{", "[1,2", "\u0000\u0001"]) {
            const answer = yield* h.request("POST", "/", { body: garbage })
            expect(answer.status).toBe(400)
          }
          // 100 000 levels of nesting (just under the size limit): refused, nothing overflows
          const deep = yield* h.request("POST", "/", { body: `${"[".repeat(100_000)}${"]".repeat(100_000)}` })
          expect(deep.status).toBe(400)
          expect(outcome(deep)?.diagnostics).toBe("the JSON is nested deeper than 32 levels")
          const notUtf8 = yield* h.request("POST", "/", { body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) })
          expect(notUtf8.status).toBe(400)
          expect(outcome(notUtf8)?.diagnostics).toBe("the body is not UTF-8 text")

          const nowhere = yield* h.request("DELETE", "/Task/x")
          expect(nowhere.status).toBe(404)
          expect(outcome(nowhere)?.code).toBe("not-found")
          const patients = yield* h.get("/Patient")
          expect(patients.status).toBe(404)

          const metadata = yield* h.get("/metadata", { token: null })
          expect(metadata.status).toBe(200)
          expect(metadata.json).toMatchObject({ resourceType: "CapabilityStatement", fhirVersion: "4.0.1" })
        }),
      { maxBodyBytes: 200_000 }
    )
  )

  it.live(
    "unknown elements and modifier extensions are refused with their FHIRPath; unknown extensions are ignored",
    () =>
      withServer((h) =>
        Effect.gen(function* () {
          const b = referralBundle("msg-elements")
          const patient = ["entry", 2, "resource"]
          setAt(b, [...patient, "nickname"], "Ainoska")
          setAt(b, [...patient, "extension"], [{ url: "http://example.org/unknown", valueString: "ignored" }])
          const unknownElement = yield* h.post(b)
          expect(unknownElement.status).toBe(400)
          expect(unknownElement.outcome.issue.slice(1)).toEqual([
            {
              severity: "error",
              code: "invalid",
              diagnostics: "has a field that is not allowed",
              expression: ["Bundle.entry[2].resource"]
            }
          ])
          expect(unknownElement.text).not.toContain("Ainoska")

          deleteAt(b, [...patient, "nickname"])
          const modifierPath = ["entry", 1, "resource", "modifierExtension"]
          setAt(b, modifierPath, [{ url: "http://example.org/not-really", valueBoolean: true }])
          const modifier = yield* h.post(b)
          expect(modifier.status).toBe(400)
          expect(modifier.outcome.issue[1]).toMatchObject({
            diagnostics: "modifier extensions are not supported",
            expression: ["Bundle.entry[1].resource.modifierExtension"]
          })

          deleteAt(b, modifierPath)
          const ok = yield* h.post(b)
          expect(ok.status, ok.text).toBe(201)
        })
      )
  )

  it.live("the referral's rules: Task, ServiceRequest, Patient and Consent problems are named by FHIRPath", () =>
    withServer((h) =>
      Effect.gen(function* () {
        const cases: ReadonlyArray<readonly [string, (b: Record<string, unknown>) => void, string]> = [
          ["intent", (b) => setAt(b, [...r(0), "intent"], "proposal"), "Bundle.entry[0].resource.intent"],
          ["focus", (b) => deleteAt(b, [...r(0), "focus"]), "Bundle.entry[0].resource.focus"],
          [
            "task code",
            (b) => setAt(b, [...r(0), "code", "coding", 0, "code"], "approve"),
            "Bundle.entry[0].resource.code"
          ],
          [
            "snomed",
            (b) => setAt(b, [...r(1), "code", "coding", 0, "code"], "3457005"),
            "Bundle.entry[1].resource.code"
          ],
          ["programme", (b) => deleteAt(b, [...r(1), "performer"]), "Bundle.entry[1].resource.performer"],
          ["language", (b) => deleteAt(b, [...r(2), "communication"]), "Bundle.entry[2].resource.communication"],
          [
            "unsupported language",
            (b) => setAt(b, [...r(2), "communication", 0, "language", "coding", 0, "code"], "de"),
            "Bundle.entry[2].resource.communication"
          ],
          ["purpose", (b) => deleteAt(b, [...r(3), "category", 1]), "Bundle.entry[3].resource.category"],
          ["consent status", (b) => setAt(b, [...r(3), "status"], "proposed"), "Bundle.entry[3].resource.status"],
          ["unreferenced consent", (b) => deleteAt(b, [...r(1), "supportingInfo", 1]), "Bundle.entry[4].resource"],
          ["no Task", (b) => deleteAt(b, ["entry", 0]), "Bundle.entry"],
          ["resource type", (b) => setAt(b, [...r(2), "resourceType"], "Person"), "Bundle.entry[2].resource"],
          ["batch", (b) => setAt(b, ["type"], "batch"), "Bundle.type"],
          ["message id", (b) => setAt(b, ["identifier", "value"], "has spaces"), "Bundle.identifier.value"]
        ]
        for (const [name, mutate, path] of cases) {
          const b = referralBundle("msg-rules")
          mutate(b)
          const answer = yield* h.post(b)
          expect(answer.status, name).toBe(400)
          expect(
            answer.outcome.issue.slice(1).map((i) => i.expression?.[0]),
            `${name}: ${answer.text}`
          ).toContain(path)
          for (const value of Object.values(personal)) expect(answer.text).not.toContain(value)
        }
        // a requester who is not the authenticated practitioner
        const b = referralBundle("msg-rules")
        setAt(b, [...r(0), "requester", "identifier", "value"], "doctor-2")
        const forged = yield* h.post(b)
        expect(forged.status).toBe(403)
        // lifecycle refusals come from the core: 422
        const noConsent = referralBundle("msg-rules")
        setAt(noConsent, r(3), consent("referral", "rejected"))
        const c1 = yield* h.post(noConsent)
        expect(c1.status).toBe(422)
        expect(c1.outcome.issue[0]).toMatchObject({ code: "business-rule", diagnostics: "consent-missing: referral" })
        expect(yield* h.store.referralIds()).toEqual([])
      })
    )
  )

  it.live(
    "tokens: expired, future, wrong audience, unknown issuer, foreign key, missing claims are refused (401)",
    () =>
      withServer((h) =>
        Effect.gen(function* () {
          const r = Fixtures.referrer
          const tokens = yield* Effect.promise(async () => [
            await Tokens.sign(r, { issuedAt: -7200, expiresIn: 3600 }),
            await Tokens.sign(r, { issuedAt: -120, expiresIn: 60 }),
            await Tokens.sign(r, { issuedAt: 3600 }),
            await Tokens.sign(r, { audience: "https://elsewhere.test" }),
            await Tokens.sign(r, { issuer: "unknown-organisation" }),
            await Tokens.sign(r, { key: Tokens.rogue.privateKey }),
            await Tokens.sign(r, { subject: "not an id!" }),
            "eyJhbGciOiJub25lIn0.eyJpc3MiOiJrZW1pamFydmktd2VsbGJlaW5nLWNlbnRyZSIsInN1YiI6Im51cnNlLTEifQ.",
            "not-a-token"
          ])
          for (const token of tokens) {
            const answer = yield* h.get("/Task", { token })
            expect(answer.status, token).toBe(401)
            expect(answer.outcome.issue[0]?.code).toBe("login")
          }
          const expired = yield* h.get("/Task", { token: tokens[1] ?? "" })
          expect(expired.outcome.issue[0]?.diagnostics).toBe("the bearer token has expired")
          const valid = yield* h.get("/Task")
          expect(valid.status).toBe(200)
          // a practitioner without a profession may read, but not refer (the programme's eligibility)
          const noProfession = yield* Effect.promise(() => Tokens.sign(r, { profession: null }))
          expect((yield* h.get("/Task", { token: noProfession })).status).toBe(200)
          const refused = yield* h.post(referralBundle("msg-no-profession"), { token: noProfession })
          expect(refused.status).toBe(403)
          expect(refused.outcome.issue[0]?.diagnostics).toContain("profession-not-eligible")
          expect(yield* h.store.referralIds()).toEqual([])
        })
      )
  )

  it.live("a server mounted under a base path answers there", () =>
    withServer(
      (h) =>
        Effect.gen(function* () {
          const answer = yield* h.request("POST", "/fhir", { body: JSON.stringify(referralBundle("msg-base")) })
          expect(answer.status, answer.text).toBe(201)
          // links from the configured base URL (its trailing slash dropped), not from the request
          expect(answer.headers.get("location")).toBe(
            `https://lahete.example.fi/fhir/Task/${yield* referralIdOf("msg-base")}`
          )
          const read = yield* h.get(`/fhir/Task/${taskAt(answer, 0).id}`)
          expect(read.status).toBe(200)
          const slash = yield* h.request("POST", "/fhir/", { body: JSON.stringify(referralBundle("msg-base")) })
          expect(slash.status).toBe(200)
          expect((yield* h.post(referralBundle("msg-base-2"))).status).toBe(404)
        }),
      { basePath: "/fhir/", baseUrl: "https://lahete.example.fi/fhir/" }
    )
  )

  it.live("a bug in the server is a 500 OperationOutcome that says nothing about it", () =>
    withServer(
      (h) =>
        Effect.gen(function* () {
          const answer = yield* h.post(referralBundle("msg-bug"))
          expect(answer.status).toBe(500)
          expect(answer.outcome.issue[0]).toMatchObject({ code: "exception", diagnostics: "internal error" })
          expect(answer.text).not.toContain(personal.familyName)
          expect(yield* h.store.referralIds()).toEqual([])
        }),
      { authenticate: () => Effect.die(new Error(`failed for ${personal.familyName}`)) }
    )
  )
})

describe("FhirServer over a real socket", () => {
  it.live("links come from the configured base URL, never the Host header; a chunked body over the limit is 413", () =>
    Effect.gen(function* () {
      const baseUrl = yield* BaseUrl
      const token = yield* Effect.promise(() => Tokens.sign(Fixtures.referrer))
      const headers = { authorization: `Bearer ${token}`, "content-type": "application/fhir+json" }
      // a request that names another host: Node's http client sends the Host header as given
      const send = (method: string, path: string, body?: string) =>
        Effect.promise(
          () =>
            new Promise<{ status: number; location: string | undefined; text: string }>((resolve, reject) => {
              const url = new URL(`${baseUrl}${path}`)
              const req = httpRequest(
                {
                  host: url.hostname,
                  port: url.port,
                  path: url.pathname,
                  method,
                  headers: { ...headers, host: "evil.example" }
                },
                (res) => {
                  let text = ""
                  res.setEncoding("utf8")
                  res.on("data", (chunk: string) => {
                    text += chunk
                  })
                  res.on("end", () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, text }))
                }
              )
              req.on("error", reject)
              req.end(body)
            })
        )
      const created = yield* send("POST", "/", JSON.stringify(referralBundle("msg-socket")))
      expect(created.status).toBe(201)
      expect(created.location).toBe(`${configuredBaseUrl}/Task/${yield* referralIdOf("msg-socket")}`)
      const search = yield* send("GET", "/Task")
      expect(search.status).toBe(200)
      const bundle = JSON.parse(search.text) as Bundle
      expect(bundle.entry?.[0]?.fullUrl).toBe(`${configuredBaseUrl}/Task/${yield* referralIdOf("msg-socket")}`)
      expect(search.text).not.toContain("evil.example")
      expect(created.text).not.toContain("evil.example")

      const chunks = new TextEncoder().encode(" ".repeat(64 * 1024))
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < 5; i++) controller.enqueue(chunks)
          controller.close()
        }
      })
      const tooLarge = yield* Effect.promise(() =>
        fetch(`${baseUrl}/`, { method: "POST", headers, body: stream, duplex: "half" } as RequestInit)
      )
      expect(tooLarge.status).toBe(413)
      expect(tooLarge.headers.get("content-type")).toBe("application/fhir+json; charset=utf-8")
    }).pipe(Effect.provide(realServer().pipe(Layer.provideMerge(memoryService))))
  )
})

describe("every FHIR resource the tests above sent and received", () => {
  it("validates against R4 (JSON Schema, structure, invariants) with 0 errors; every Task meets Gravity's TaskForReferralManagement", () => {
    // the round trips above: every lifecycle state, searches, the ServiceRequest, cancels, refusals, /metadata
    expect(captured.length).toBeGreaterThan(100)
    const kinds = new Set(captured.map((c) => (c.json as { resourceType?: string }).resourceType))
    expect([...kinds].sort()).toEqual(["Bundle", "CapabilityStatement", "OperationOutcome", "ServiceRequest", "Task"])
    const findings = captured.flatMap((c) =>
      validate(c.json).map((f) => `${c.what}: ${f.check} ${f.where}: ${f.message}`)
    )
    expect(findings).toEqual([])
    const tasks = captured.flatMap((c) => (c.what.endsWith("(sent)") ? [] : tasksIn(c.json)))
    const statuses = new Set(tasks.map((t) => t.status))
    expect([...statuses].sort()).toEqual([
      "accepted",
      "cancelled",
      "completed",
      "failed",
      "in-progress",
      "on-hold",
      "rejected",
      "requested"
    ])
    expect(tasks.flatMap((t) => gravityTaskFindings(t, `Task/${t.id}`))).toEqual([])
  }, 120_000)
})
