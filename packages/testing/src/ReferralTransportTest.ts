/**
 * The conformance suite for `ReferralTransport` layers. The in-memory
 * transport in `@lahete/core` runs it, and so does every adapter, with its
 * client speaking the wire protocol to its server:
 *
 * ```ts
 * import { ReferralService, ReferralTransport } from "@lahete/core"
 * import { ReferralTransportTest } from "@lahete/testing"
 * import { Layer } from "effect"
 *
 * ReferralTransportTest.suite(
 *   "memory",
 *   ReferralTransport.layer.pipe(Layer.provideMerge(ReferralService.layerMemory()))
 * )
 * ```
 *
 * The layer provides the transport under test (for an adapter: its client,
 * talking to its server, which runs `ReferralTransport.make` over the same
 * service) together with the receiving side's `ReferralService`,
 * `ReferralStore` and `AuditLog`, all over one store. The suite builds the
 * layer afresh for every test (`Layer.fresh`): each build must start empty.
 * The sending organisations the suite uses are `senders` (an adapter that
 * registers organisations must know them). The fixture link worker is
 * assigned from the command itself, so the service needs no registry entry.
 *
 * Covered: delivery and its receipt; repeats and concurrent repeats creating
 * one referral; a message id reused for other content (`conflict`, nothing
 * written); message ids scoped to the sending organisation; malformed
 * messages (`malformed`, nothing written); no referral consent
 * (`unprocessable`, nothing written); the referrer's status following the
 * lifecycle (FHIR Task status, businessStatus, `lastUpdated`); `changes` with
 * `since` and `taskStatus`; need-to-know between referrers (another
 * organisation, even one using the same professional id, a colleague, an
 * unknown referral: `forbidden`, and the attempt logged); the closing
 * feedback only under rule C3, each read in the disclosure log.
 *
 * The suite runs on the live clock (adapters run real servers and verify
 * real tokens); every time it needs is derived from the receipt's
 * `receivedAt`.
 *
 * @since 0.1.0
 */
import { describe, expect, it } from "@effect/vitest"
import {
  Actor,
  AuditLog,
  Deadlines,
  Instant,
  type ReferralCommand,
  ReferralService,
  ReferralStore,
  ReferralTransport
} from "@lahete/core"
import { Effect, Layer, Result } from "effect"
import * as Fixtures from "./Fixtures.js"

type Cmd<T extends ReferralCommand.Tag> = Extract<ReferralCommand.ReferralCommand, { _tag: T }>

/**
 * The sending professionals the suite uses: `referrer` and `colleague` work
 * in one organisation, `otherOrganisation` in another, and
 * `sameIdOtherOrganisation` is a professional of that other organisation
 * whose id happens to equal `referrer`'s (ids are only unique within an
 * organisation: it must not read `referrer`'s referrals).
 *
 * @since 0.1.0
 * @category actors
 */
export const senders = {
  referrer: Fixtures.referrer,
  colleague: Fixtures.otherReferrer,
  otherOrganisation: Actor.make("Referrer", "social-worker-7", "sodankyla-health-centre", "social-worker"),
  sameIdOtherOrganisation: Actor.make("Referrer", Fixtures.referrer.id, "sodankyla-health-centre", "nurse")
} as const

/**
 * The organisations of `senders` (for adapters that register them).
 *
 * @since 0.1.0
 * @category actors
 */
export const organisations: ReadonlyArray<string> = [
  ...new Set(Object.values(senders).map((s): string => s.organisation))
]

/**
 * Options of the suite.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * The organisation id the receiving side records for a sender (default:
   * the actor's own `organisation`). An adapter whose wire identities map to
   * other organisation ids says how; the referral id of a message is
   * `ReferralTransport.identify(organisationOf(sender), messageId)`.
   */
  readonly organisationOf?: (sender: Actor.Actor) => string
}

/**
 * An inbound referral message with the fixture referral's content (the
 * fictitious client of `Fixtures.submit`); any field can be overridden.
 *
 * @since 0.1.0
 * @category constructors
 */
export const message = (
  messageId: string,
  overrides: Partial<ReferralTransport.InboundReferral> = {}
): ReferralTransport.InboundReferral => {
  const {
    _tag: _,
    referralId: _r,
    idempotencyKey: _k,
    actor: _a,
    at: _at,
    subjectId: _s,
    ...content
  } = Fixtures.submit()
  return { messageId, ...content, ...overrides }
}

const minutes = (from: Instant.Instant, n: number): Instant.Instant => Instant.plusMillis(from, n * 60_000)
const days = (from: Instant.Instant, n: number): Instant.Instant => Instant.plusMillis(from, n * 86_400_000)

/**
 * Commands that take a delivered referral through its lifecycle, dated from
 * its receipt (the receiving side stamps the submission with its clock):
 * assign (the fixture link worker, trained before the receipt), schedule the
 * first call slot the programme allows (no text message), first contact,
 * the client's `feedback-to-referrer` consent, close, and the consent's
 * withdrawal; `times` are the commands' `at` (and the call time).
 *
 * @since 0.1.0
 * @category constructors
 */
export const lifecycle = (receipt: ReferralTransport.Receipt) => {
  const referralId = receipt.referralId
  const r = receipt.receivedAt
  const assignAt = minutes(r, 1)
  const scheduleAt = minutes(r, 2)
  // the first call slot the programme allows (business day, calling hours), without a text message
  const callAt = Deadlines.earliestCallTime({ programme: Fixtures.programme, at: scheduleAt, withMessage: false })
  const contactAt = minutes(callAt, 5)
  const consentAt = minutes(contactAt, 1)
  const closeAt = days(contactAt, 90)
  const withdrawAt = minutes(closeAt, 10)
  const linkWorker = Fixtures.linkWorker({
    confidentialityCommitmentSignedAt: days(r, -30),
    basicTrainingCompletedAt: days(r, -20)
  })
  return {
    assign: (): Cmd<"AssignLinkWorker"> => Fixtures.assign({ referralId, at: assignAt, linkWorker }),
    scheduleCall: (): Cmd<"ScheduleCall"> =>
      Fixtures.scheduleCall({ referralId, at: scheduleAt, callAt, notifyBySms: false }),
    firstContact: (): Cmd<"RecordFirstContact"> => Fixtures.firstContact({ referralId, at: contactAt }),
    grantFeedback: (): Cmd<"RecordConsent"> =>
      Fixtures.recordConsent("feedback-to-referrer", "granted", { referralId, at: consentAt }),
    close: (): Cmd<"CloseReferral"> => Fixtures.close({ referralId, at: closeAt }),
    withdrawFeedback: (): Cmd<"RecordConsent"> =>
      Fixtures.recordConsent("feedback-to-referrer", "withdrawn", { referralId, at: withdrawAt }),
    times: { assignAt, scheduleAt, callAt, contactAt, consentAt, closeAt, withdrawAt }
  }
}

/** The feedback text of the fixture's closing. */
const feedbackText = Fixtures.close().feedback

/** Runs a body with the transport, service, store and audit log of a fresh build of the layer. */
type Ports = {
  readonly transport: ReferralTransport.Shape
  readonly service: ReferralService.Shape
  readonly store: ReferralStore.Shape
  readonly audit: AuditLog.Shape
}

/**
 * Registers the conformance tests for a `ReferralTransport` layer (see the
 * module documentation for what the layer provides). Each test builds the
 * layer afresh.
 *
 * @since 0.1.0
 * @category suites
 */
export const suite = <E>(
  name: string,
  layer: Layer.Layer<
    | ReferralTransport.ReferralTransport
    | ReferralService.ReferralService
    | ReferralStore.ReferralStore
    | AuditLog.AuditLog,
    E
  >,
  options: Options = {}
): void => {
  const organisationOf = options.organisationOf ?? ((sender: Actor.Actor): string => sender.organisation)

  const withPorts =
    <A, E2>(body: (ports: Ports) => Effect.Effect<A, E2>) =>
    () =>
      Effect.gen(function* () {
        const ports: Ports = {
          transport: yield* ReferralTransport.ReferralTransport,
          service: yield* ReferralService.ReferralService,
          store: yield* ReferralStore.ReferralStore,
          audit: yield* AuditLog.AuditLog
        }
        return yield* body(ports)
      }).pipe(Effect.provide(Layer.fresh(layer)))

  /** Expects a refusal with the reason and its HTTP status. */
  const refused = <A>(
    effect: Effect.Effect<A, ReferralTransport.TransportError>,
    reason: ReferralTransport.RefusalReason
  ) =>
    Effect.gen(function* () {
      const result = yield* Effect.result(effect)
      expect(result._tag, `expected a refusal (${reason}), but the request succeeded`).toBe("Failure")
      if (Result.isSuccess(result)) return undefined
      const error = result.failure
      expect(error._tag, `expected a refusal (${reason}), got ${error._tag}: ${error.message}`).toBe("TransportRefused")
      if (error._tag !== "TransportRefused") return undefined
      expect(error.reason, error.message).toBe(reason)
      expect(error.status).toBe(ReferralTransport.httpStatus[reason])
      return error
    })

  /** The referral ids and each stream's version: what "nothing written" compares. */
  const snapshot = (store: ReferralStore.Shape) =>
    Effect.gen(function* () {
      const ids = yield* store.referralIds()
      const versions: Record<string, number> = {}
      for (const id of ids) versions[id] = (yield* store.load(id)).version
      return { ids, versions }
    })

  const run = (service: ReferralService.Shape, commands: ReadonlyArray<ReferralCommand.ReferralCommand>) =>
    Effect.forEach(commands, (c) => service.execute(c), { discard: true })

  describe(`ReferralTransport conformance: ${name}`, () => {
    it.live(
      "a delivery creates one Submitted referral and a receipt",
      withPorts(({ transport, service, store }) =>
        Effect.gen(function* () {
          const sender = senders.referrer
          const receipt = yield* transport.deliver(sender, message("msg-1"))
          expect(receipt.messageId).toBe("msg-1")
          expect(receipt.duplicate).toBe(false)
          expect(Instant.isInstant(receipt.receivedAt)).toBe(true)
          const expected = yield* ReferralTransport.identify(organisationOf(sender), "msg-1")
          expect(receipt.referralId).toBe(expected.referralId)

          expect(yield* store.referralIds()).toEqual([receipt.referralId])
          const state = yield* service.state(receipt.referralId)
          expect(state.status).toBe("Submitted")
          expect(state.submittedAt).toBe(receipt.receivedAt)
          expect(state.referrer?.id).toBe(sender.id)
          expect(state.referrer?.organisation).toBe(organisationOf(sender))
          expect(state.feedbackRequested).toBe(true)

          const report = yield* transport.status(sender, receipt.referralId)
          expect(report.referralId).toBe(receipt.referralId)
          expect(report.status).toBe("Submitted")
          expect(report.task).toEqual({ status: "requested" })
          expect(report.submittedAt).toBe(receipt.receivedAt)
          expect(report.lastUpdated).toBe(receipt.receivedAt)
          expect(report.programme.id).toBe(Fixtures.programme.id)
          expect(report.feedbackText).toBeUndefined()
        })
      )
    )

    it.live(
      "the same message again answers with the same receipt, marked duplicate, and writes nothing",
      withPorts(({ transport, store }) =>
        Effect.gen(function* () {
          const first = yield* transport.deliver(senders.referrer, message("msg-again"))
          const before = yield* snapshot(store)
          const second = yield* transport.deliver(senders.referrer, message("msg-again"))
          const third = yield* transport.deliver(senders.referrer, message("msg-again"))
          expect(first.duplicate).toBe(false)
          for (const repeat of [second, third]) {
            expect(repeat).toEqual({ ...first, duplicate: true })
          }
          expect(yield* snapshot(store)).toEqual(before)
          expect(before.ids).toEqual([first.referralId])
        })
      )
    )

    it.live(
      "8 concurrent deliveries of one message create one referral; exactly one is not a duplicate",
      withPorts(({ transport, store }) =>
        Effect.gen(function* () {
          const receipts = yield* Effect.all(
            Array.from({ length: 8 }, () => transport.deliver(senders.referrer, message("msg-race"))),
            { concurrency: "unbounded" }
          )
          const ids = new Set(receipts.map((r) => r.referralId))
          expect(ids.size).toBe(1)
          expect(new Set(receipts.map((r) => r.receivedAt)).size).toBe(1)
          expect(receipts.filter((r) => !r.duplicate)).toHaveLength(1)
          const referralIds = yield* store.referralIds()
          expect(referralIds).toEqual([...ids])
          const [only] = referralIds
          if (only === undefined) return
          // one submission: the stream holds the events of one SubmitReferral
          const stream = yield* store.load(only)
          expect(stream.events.filter((e) => e._tag === "ReferralSubmitted")).toHaveLength(1)
        })
      )
    )

    it.live(
      "the same message id with other content is a conflict (409) and writes nothing",
      withPorts(({ transport, store }) =>
        Effect.gen(function* () {
          const first = yield* transport.deliver(senders.referrer, message("msg-reused"))
          const before = yield* snapshot(store)
          yield* refused(
            transport.deliver(
              senders.referrer,
              message("msg-reused", { reasonCategories: ["lifestyle-change"], feedbackRequested: false })
            ),
            "conflict"
          )
          yield* refused(
            transport.deliver(
              senders.referrer,
              message("msg-reused", { exclusionsPresent: [], feedbackRequested: false })
            ),
            "conflict"
          )
          expect(yield* snapshot(store)).toEqual(before)
          // the first message is still answered as before
          expect(yield* transport.deliver(senders.referrer, message("msg-reused"))).toEqual({
            ...first,
            duplicate: true
          })
        })
      )
    )

    it.live(
      "message ids are scoped to the sending organisation: another organisation's same id is another referral",
      withPorts(({ transport, service, store }) =>
        Effect.gen(function* () {
          const ours = yield* transport.deliver(senders.referrer, message("msg-shared"))
          const theirs = yield* transport.deliver(senders.otherOrganisation, message("msg-shared"))
          expect(theirs.duplicate).toBe(false)
          expect(theirs.referralId).not.toBe(ours.referralId)
          expect([...(yield* store.referralIds())].sort()).toEqual([ours.referralId, theirs.referralId].sort())
          expect((yield* service.state(ours.referralId)).referrer?.organisation).toBe(organisationOf(senders.referrer))
          expect((yield* service.state(theirs.referralId)).referrer?.organisation).toBe(
            organisationOf(senders.otherOrganisation)
          )
          // the same professional id in another organisation is another sender too
          const sameId = yield* transport.deliver(senders.sameIdOtherOrganisation, message("msg-shared-2"))
          const again = yield* transport.deliver(senders.referrer, message("msg-shared-2"))
          expect(sameId.referralId).not.toBe(again.referralId)
          expect(again.duplicate).toBe(false)
        })
      )
    )

    it.live(
      "a malformed message (missing, unknown, mistyped or invalid fields) is refused (400) and writes nothing",
      withPorts(({ transport, store }) =>
        Effect.gen(function* () {
          yield* transport.deliver(senders.referrer, message("msg-valid"))
          const before = yield* snapshot(store)
          const valid = message("msg-bad") as unknown as Record<string, unknown>
          const { client: _client, ...withoutClient } = valid
          const { messageId: _id, ...withoutId } = valid
          const bad: ReadonlyArray<unknown> = [
            withoutClient,
            withoutId,
            { ...valid, unexpected: "field" },
            { ...valid, client: { ...(valid.client as object), nickname: "x" } },
            { ...valid, feedbackRequested: "yes" },
            { ...valid, reasonCategories: [] },
            { ...valid, consents: "referral" },
            { ...valid, messageId: "" },
            { ...valid, messageId: "has spaces" },
            { ...valid, messageId: "m".repeat(129) },
            { ...valid, reasonText: "" }
          ]
          for (const input of bad) {
            const error = yield* refused(
              transport.deliver(senders.referrer, input as ReferralTransport.InboundReferral),
              "malformed"
            )
            // issues name paths, never values
            expect(JSON.stringify(error)).not.toContain(Fixtures.submit().client.familyName)
          }
          expect(yield* snapshot(store)).toEqual(before)
        })
      )
    )

    it.live(
      "a message without referral consent is unprocessable (422, rule C1) and writes nothing",
      withPorts(({ transport, store }) =>
        Effect.gen(function* () {
          const noConsent = message("msg-c1", { consents: [Fixtures.consentGiven("contact-by-sms")] })
          const refusedConsent = message("msg-c1b", {
            consents: [Fixtures.consentGiven("referral", "refused"), Fixtures.consentGiven("contact-by-sms")]
          })
          for (const m of [noConsent, refusedConsent]) {
            const error = yield* refused(transport.deliver(senders.referrer, m), "unprocessable")
            expect(error?.detail).toContain("referral")
          }
          expect(yield* store.referralIds()).toEqual([])
          // refused messages do not use up their id: once consent is given, it goes through
          const later = yield* transport.deliver(senders.referrer, message("msg-c1"))
          expect(later.duplicate).toBe(false)
        })
      )
    )

    it.live(
      "the referrer's status follows the lifecycle: requested → accepted → contact-scheduled → in-progress → completed",
      withPorts(({ transport, service }) =>
        Effect.gen(function* () {
          const sender = senders.referrer
          const receipt = yield* transport.deliver(sender, message("msg-life"))
          const steps = lifecycle(receipt)
          const seen: Array<{ status: string; task: unknown; lastUpdated: string }> = []
          const look = Effect.gen(function* () {
            const report = yield* transport.status(sender, receipt.referralId)
            seen.push({ status: report.status, task: report.task, lastUpdated: report.lastUpdated })
            return report
          })
          yield* look
          yield* service.execute(steps.assign())
          const assigned = yield* look
          expect(assigned.assignedAt).toBe(steps.times.assignAt)
          yield* service.execute(steps.scheduleCall())
          yield* look
          yield* service.execute(steps.firstContact())
          const started = yield* look
          expect(started.startedAt).toBe(steps.times.contactAt)
          yield* service.execute(steps.close())
          const closed = yield* look
          expect(closed.closedAt).toBe(steps.times.closeAt)
          expect(closed.outcome).toBe(Fixtures.close().outcome)
          expect(seen).toEqual([
            { status: "Submitted", task: { status: "requested" }, lastUpdated: receipt.receivedAt },
            { status: "Assigned", task: { status: "accepted" }, lastUpdated: steps.times.assignAt },
            {
              status: "ContactScheduled",
              task: { status: "accepted", businessStatus: "contact-scheduled" },
              lastUpdated: steps.times.scheduleAt
            },
            { status: "Active", task: { status: "in-progress" }, lastUpdated: steps.times.contactAt },
            { status: "Closed", task: { status: "completed" }, lastUpdated: steps.times.closeAt }
          ])
        })
      )
    )

    it.live(
      "changes lists the referrer's referrals changed since a time, optionally by Task status",
      withPorts(({ transport, service }) =>
        Effect.gen(function* () {
          const sender = senders.referrer
          const a = yield* transport.deliver(sender, message("msg-a"))
          const b = yield* transport.deliver(sender, message("msg-b"))
          const c = yield* transport.deliver(sender, message("msg-c"))
          // another organisation's referral is never in ours
          yield* transport.deliver(senders.otherOrganisation, message("msg-a"))
          const stepsA = lifecycle(a)
          const stepsB = lifecycle(b)
          yield* run(service, [stepsA.assign(), stepsA.scheduleCall(), stepsA.firstContact()])
          yield* run(service, [stepsB.assign()])

          const all = yield* transport.changes(sender, {})
          expect(all.map((r) => r.referralId).sort()).toEqual([a.referralId, b.referralId, c.referralId].sort())
          for (const r of all) expect(r.feedbackText).toBeUndefined()
          const byId = new Map(all.map((r) => [r.referralId, r]))
          expect(byId.get(a.referralId)?.task).toEqual({ status: "in-progress" })
          expect(byId.get(a.referralId)?.lastUpdated).toBe(stepsA.times.contactAt)
          expect(byId.get(b.referralId)?.task).toEqual({ status: "accepted" })
          expect(byId.get(c.referralId)?.task).toEqual({ status: "requested" })

          // since: at or after the time given
          const sinceAssign = yield* transport.changes(sender, { since: stepsB.times.assignAt })
          expect(sinceAssign.map((r) => r.referralId).sort()).toEqual([a.referralId, b.referralId].sort())
          const sinceContact = yield* transport.changes(sender, { since: stepsA.times.contactAt })
          expect(sinceContact.map((r) => r.referralId)).toEqual([a.referralId])
          const later = yield* transport.changes(sender, { since: minutes(stepsA.times.contactAt, 1) })
          expect(later).toEqual([])

          // by Task status
          const accepted = yield* transport.changes(sender, { taskStatus: ["accepted"] })
          expect(accepted.map((r) => r.referralId)).toEqual([b.referralId])
          const open = yield* transport.changes(sender, { taskStatus: ["requested", "in-progress"] })
          expect(open.map((r) => r.referralId).sort()).toEqual([a.referralId, c.referralId].sort())
          const both = yield* transport.changes(sender, {
            since: stepsB.times.assignAt,
            taskStatus: ["requested", "accepted"]
          })
          expect(both.map((r) => r.referralId)).toEqual([b.referralId])
          expect(yield* transport.changes(sender, { taskStatus: ["rejected"] })).toEqual([])
        })
      )
    )

    it.live(
      "another referrer, of another organisation or the same, cannot read a referral and sees none in changes",
      withPorts(({ transport, audit }) =>
        Effect.gen(function* () {
          const receipt = yield* transport.deliver(senders.referrer, message("msg-own"))
          const refusalsBefore = (yield* audit.refusals()).length
          const outsiders = [senders.otherOrganisation, senders.sameIdOtherOrganisation, senders.colleague]
          for (const outsider of outsiders) {
            yield* refused(transport.status(outsider, receipt.referralId), "forbidden")
            expect(yield* transport.changes(outsider, {})).toEqual([])
          }
          const refusals = (yield* audit.refusals()).slice(refusalsBefore)
          // every refused read is in the audit log, with the outsider's organisation
          expect(refusals.map((r) => `${r.organisation}/${r.actorId}`)).toEqual(
            outsiders.map((o) => `${organisationOf(o)}/${o.id}`)
          )
          for (const r of refusals) expect(r.referralId).toBe(receipt.referralId)
          // an unknown referral is refused the same way: the answer does not tell whether it exists
          const unknown = yield* ReferralTransport.identify(organisationOf(senders.referrer), "never-sent")
          yield* refused(transport.status(senders.referrer, unknown.referralId), "forbidden")
          // the owner still reads it
          expect((yield* transport.status(senders.referrer, receipt.referralId)).referralId).toBe(receipt.referralId)
        })
      )
    )

    it.live(
      "the closing feedback is readable only under C3 (asked, granted, closed), and each read is a disclosure",
      withPorts(({ transport, service, audit }) =>
        Effect.gen(function* () {
          const sender = senders.referrer
          const deliverAndRun = (
            id: string,
            overrides: Partial<ReferralTransport.InboundReferral>,
            pick: (s: ReturnType<typeof lifecycle>) => ReadonlyArray<ReferralCommand.ReferralCommand>
          ) =>
            Effect.gen(function* () {
              const receipt = yield* transport.deliver(sender, message(id, overrides))
              const steps = lifecycle(receipt)
              yield* run(service, pick(steps))
              const state = yield* service.state(receipt.referralId)
              if (state.subjectId === undefined) return yield* Effect.die("the delivered referral has no subject")
              return { receipt, steps, subjectId: state.subjectId }
            })
          const disclosuresOf = (subjectId: Parameters<AuditLog.Shape["forSubject"]>[0]) =>
            Effect.map(audit.forSubject(subjectId), (log) => log.disclosures)

          // C3 holds: asked, granted, closed
          const ok = yield* deliverAndRun("msg-c3", {}, (s) => [
            s.assign(),
            s.scheduleCall(),
            s.firstContact(),
            s.grantFeedback(),
            s.close()
          ])
          expect(yield* disclosuresOf(ok.subjectId)).toEqual([])
          const read = yield* transport.status(sender, ok.receipt.referralId)
          expect(read.feedback).toBe("available")
          expect(read.feedbackText).toBe(feedbackText)
          const once = yield* disclosuresOf(ok.subjectId)
          expect(once).toHaveLength(1)
          expect(once[0]).toMatchObject({
            subjectId: ok.subjectId,
            referralId: ok.receipt.referralId,
            recipientId: sender.id,
            recipientOrganisation: organisationOf(sender),
            what: "closing-feedback"
          })
          const usage = (yield* audit.forSubject(ok.subjectId)).usage
          expect(usage.filter((u) => u.what === "closing-feedback")).toHaveLength(1)
          // each read is logged again
          yield* transport.status(sender, ok.receipt.referralId)
          expect(yield* disclosuresOf(ok.subjectId)).toHaveLength(2)
          // changes never carries the text, and reading changes discloses nothing
          const listed = yield* transport.changes(sender, {})
          expect(listed.find((r) => r.referralId === ok.receipt.referralId)?.feedback).toBe("available")
          for (const r of listed) expect(r.feedbackText).toBeUndefined()
          expect(yield* disclosuresOf(ok.subjectId)).toHaveLength(2)
          // another organisation never gets it
          yield* refused(transport.status(senders.sameIdOtherOrganisation, ok.receipt.referralId), "forbidden")
          expect(yield* disclosuresOf(ok.subjectId)).toHaveLength(2)
          // withdrawn after closing: no longer readable
          yield* service.execute(ok.steps.withdrawFeedback())
          const afterWithdrawal = yield* transport.status(sender, ok.receipt.referralId)
          expect(afterWithdrawal.feedback).toBe("not-consented")
          expect(afterWithdrawal.feedbackText).toBeUndefined()
          expect(yield* disclosuresOf(ok.subjectId)).toHaveLength(2)

          // not granted
          const notGranted = yield* deliverAndRun("msg-no-consent", {}, (s) => [
            s.assign(),
            s.scheduleCall(),
            s.firstContact(),
            s.close()
          ])
          // not closed
          const notClosed = yield* deliverAndRun("msg-open", {}, (s) => [
            s.assign(),
            s.scheduleCall(),
            s.firstContact(),
            s.grantFeedback()
          ])
          // not asked for
          const notAsked = yield* deliverAndRun("msg-not-asked", { feedbackRequested: false }, (s) => [
            s.assign(),
            s.scheduleCall(),
            s.firstContact(),
            s.close()
          ])
          for (const [{ receipt, subjectId }, access] of [
            [notGranted, "not-consented"],
            [notClosed, "not-written"],
            [notAsked, "not-requested"]
          ] as const) {
            const report = yield* transport.status(sender, receipt.referralId)
            expect(report.feedback).toBe(access)
            expect(report.feedbackText).toBeUndefined()
            expect(JSON.stringify(report)).not.toContain(feedbackText)
            expect(yield* disclosuresOf(subjectId)).toEqual([])
          }
        })
      )
    )
  })
}
