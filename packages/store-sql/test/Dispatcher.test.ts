/**
 * The outbox dispatcher over the SQL store, on SQLite and PostgreSQL: a
 * call-time text message queued by `ScheduleCall` is sent once, with the
 * call time in the client's language, to the vault's number, not before
 * `sendAfter`, never in quiet hours, never after `sendBefore`; nothing is
 * sent after withdrawal (C5) or erasure (C6) or without contact-by-sms
 * consent; retryable errors are retried with back-off, others fail at once;
 * two dispatchers on PostgreSQL deliver a burst exactly once; every staff
 * email is free of personal data.
 */
import { describe, expect, it } from "@effect/vitest"
import { Ids, Instant, LocalTime, Mailer, Presets, ReferralStore, SmsSender } from "@lahete/core"
import { SqlDispatcher, SqlOutbox } from "@lahete/store-sql"
import { Fixtures, SimulatedTime, StaffMailAudit } from "@lahete/testing"
import { Clock, Deferred, Effect, Fiber, Layer, Option, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { coordinatorAddress, expectNoPersonalData, options, outcomes, setup } from "./support/dispatch.js"
import { databases, serviceOn } from "./support/layers.js"

const referralId = Schema.decodeSync(Ids.ReferralId)
const subjectId = Schema.decodeSync(Ids.SubjectId)
const at = Fixtures.at

/** A sender that records every call (no de-duplication) and fails the calls `fail` picks. */
const recordingSms = (fail: (call: number) => SmsSender.SmsSendError | undefined = () => undefined) => {
  const calls: Array<{ readonly message: SmsSender.SmsMessage; readonly dispatcher: string }> = []
  const make = (dispatcher: string): SmsSender.Shape => ({
    send: (message) =>
      Effect.suspend(() => {
        calls.push({ message, dispatcher })
        const error = fail(calls.length)
        return error === undefined
          ? Effect.succeed({ id: message.id, providerId: `rec-${message.id}`, status: "accepted" as const })
          : Effect.fail(error)
      })
  })
  return { calls, make }
}

const recordingMail = () => {
  const mails: Array<Mailer.Mail> = []
  // every staff email is also captured for the suite-wide audit (StaffMailAudit)
  const service = StaffMailAudit.capture(
    {
      send: (mail) =>
        Effect.sync(() => {
          mails.push(mail)
          return { id: mail.id, messageId: `<${mail.id}@test>`, accepted: mail.to, rejected: [] }
        })
    },
    "store-sql/Dispatcher.test.ts"
  )
  return { mails, service }
}

const plus = (i: Instant.Instant, ms: number) => Instant.plusMillis(i, ms)

for (const database of databases({ maxConnections: 6 })) {
  const layer = serviceOn(Layer.fresh(database.client))

  /** Runs a test with a recording SMS sender and mailer. */
  const run = <A>(
    body: (
      rec: ReturnType<typeof recordingSms>,
      mail: ReturnType<typeof recordingMail>
    ) => Effect.Effect<A, unknown, Layer.Success<typeof layer> | SmsSender.SmsSender | Mailer.Mailer>,
    fail?: (call: number) => SmsSender.SmsSendError | undefined
  ) => {
    const rec = recordingSms(fail)
    const mail = recordingMail()
    return body(rec, mail).pipe(
      Effect.provideService(SmsSender.SmsSender, rec.make("one")),
      Effect.provideService(Mailer.Mailer, mail.service),
      Effect.provide(layer)
    )
  }

  describe(`outbox dispatcher on ${database.name}`, () => {
    it.effect("sends the call-time message once, in the client's language, to the vault's number, from sendAfter", () =>
      run((rec, mail) =>
        Effect.gen(function* () {
          const id = referralId("r-dispatch-1")
          const smsId = yield* setup(id)

          // before sendAfter: only the coordinator notification (due from the submission)
          const early = yield* SqlDispatcher.dispatch(options, { now: at(3) })
          expect(early.map((r) => [r.kind, r.outcome])).toEqual([["coordinator-notification", "sent"]])
          expect(rec.calls).toHaveLength(0)

          const due = yield* SqlDispatcher.dispatch(options, { now: at(4) })
          expect(due).toEqual([{ id: smsId, kind: "call-time-sms", outcome: "sent" }])
          expect(rec.calls).toHaveLength(1)
          const sent = rec.calls[0]?.message
          expect(sent?.id).toBe(smsId)
          expect(sent?.to).toBe("+358401234567")
          // the call at(26) is Tuesday 3 March 2026, 11.00 in Helsinki, in Finnish
          expect(sent?.text).toContain("3.3.2026")
          expect(sent?.text).toContain("klo 11.00")
          expect(sent?.text).toContain(Presets.kemijarvi.names.fi)
          expect(yield* SqlOutbox.state(smsId)).toMatchObject({
            status: "sent",
            attempts: 1,
            providerId: `rec-${smsId}`
          })

          // nothing more to send, ever
          expect(yield* SqlDispatcher.dispatch(options, { now: at(5) })).toEqual([])
          expect(yield* SqlDispatcher.dispatch(options, { now: at(20) })).toEqual([])
          expect(rec.calls).toHaveLength(1)

          // both results are in the referral's history, once
          expect(yield* outcomes(id)).toEqual([
            ["MessageSent", "r-dispatch-1:coordinator-notification", "coordinator-notification", 1],
            ["MessageSent", smsId, "call-time-sms", 1]
          ])

          expect(mail.mails).toHaveLength(1)
          expect(mail.mails[0]?.to).toEqual([coordinatorAddress])
          expect(mail.mails[0]?.text).toContain("https://lahete.example.fi/referrals/r-dispatch-1")
          expectNoPersonalData(mail.mails)
        })
      )
    )

    it.effect("waits out quiet hours and never sends after sendBefore", () =>
      run((rec, mail) =>
        Effect.gen(function* () {
          const quiet = { start: "21:00", end: "08:00" }
          const a = yield* setup(referralId("r-dispatch-quiet"))
          // at(12) is 21:00 in Helsinki: quiet until 08:00, which is at(23)
          expect(LocalTime.isWithinDailyWindow(at(12), quiet, "Europe/Helsinki")).toBe(true)
          const night = yield* SqlDispatcher.dispatch(options, { now: at(12) })
          expect(night.filter((r) => r.kind === "call-time-sms")).toEqual([
            { id: a, kind: "call-time-sms", outcome: "deferred", reason: "quiet-hours", notBefore: at(23) }
          ])
          expect(yield* SqlDispatcher.dispatch(options, { now: plus(at(23), -1) })).toEqual([])
          expect(rec.calls).toHaveLength(0)
          const morning = yield* SqlDispatcher.dispatch(options, { now: at(23) })
          expect(morning.map((r) => r.outcome)).toEqual(["sent"])
          expect(rec.calls.map((c) => c.message.id)).toEqual([a])

          // another referral first looked at after sendBefore (at(24)): expired, not sent
          const b = yield* setup(referralId("r-dispatch-late"))
          const late = yield* SqlDispatcher.dispatch(options, { now: plus(at(24), 60_000) })
          expect(late.filter((r) => r.kind === "call-time-sms")).toEqual([
            { id: b, kind: "call-time-sms", outcome: "expired", reason: "past-send-before" }
          ])
          expect(yield* SqlOutbox.state(b)).toMatchObject({ status: "expired", attempts: 0 })
          expect(rec.calls.map((c) => c.message.id)).toEqual([a])

          // a third first looked at exactly at sendBefore (at(24), 09:00): its last moment, still sent
          const c = yield* setup(referralId("r-dispatch-last"))
          const last = yield* SqlDispatcher.dispatch(options, { now: at(24) })
          expect(last.filter((r) => r.id === c).map((r) => r.outcome)).toEqual(["sent"])
          expect(rec.calls.map((call) => call.message.id)).toEqual([a, c])
          expectNoPersonalData(mail.mails)
        })
      )
    )

    it.effect("sends nothing after withdrawal (C5), erasure (C6) or without contact-by-sms consent", () =>
      run((rec, mail) =>
        Effect.gen(function* () {
          const withdrawn = yield* setup(referralId("r-dispatch-withdrawn"), [
            Fixtures.recordConsent("referral", "withdrawn", {
              referralId: referralId("r-dispatch-withdrawn"),
              at: at(4.5)
            })
          ])
          // erasure needs a referral that has ended: withdrawn, then erased
          const erased = yield* setup(referralId("r-dispatch-erased"), [
            Fixtures.recordConsent("referral", "withdrawn", {
              referralId: referralId("r-dispatch-erased"),
              at: at(4.5)
            }),
            Fixtures.erase({ referralId: referralId("r-dispatch-erased"), at: at(4.6) })
          ])
          const store = yield* ReferralStore.ReferralStore
          expect(Option.isNone(yield* store.subject(subjectId("subject-of-r-dispatch-erased")))).toBe(true)
          const noConsent = yield* setup(referralId("r-dispatch-noconsent"), [
            Fixtures.recordConsent("contact-by-sms", "withdrawn", {
              referralId: referralId("r-dispatch-noconsent"),
              at: at(4.5)
            })
          ])
          const results = yield* SqlDispatcher.dispatch(options, { now: at(5) })
          const sms = results.filter((r) => r.kind === "call-time-sms")
          expect(new Map(sms.map((r) => [r.id, [r.outcome, r.reason]]))).toEqual(
            new Map([
              [withdrawn, ["cancelled", "withdrawn"]],
              [erased, ["cancelled", "personal-data-erased"]],
              [noConsent, ["cancelled", "no-sms-consent"]]
            ])
          )
          // the withdrawn and erased referrals' coordinator notifications are not sent either
          const mails = results.filter((r) => r.kind === "coordinator-notification")
          expect(mails.filter((r) => r.outcome === "sent").map((r) => r.id)).toEqual([
            "r-dispatch-noconsent:coordinator-notification"
          ])
          expect(rec.calls).toHaveLength(0)
          expect(yield* SqlDispatcher.dispatch(options, { now: at(6) })).toEqual([])
          for (const id of [withdrawn, erased, noConsent]) {
            expect(yield* SqlOutbox.state(id)).toMatchObject({ status: "cancelled", attempts: 0 })
          }
          // recorded in the ended referrals' histories too (bookkeeping is allowed there)
          expect(yield* outcomes(referralId("r-dispatch-erased"))).toEqual([
            [
              "MessageNotSent",
              "r-dispatch-erased:coordinator-notification",
              "coordinator-notification",
              "cancelled",
              "personal-data-erased",
              0
            ],
            ["MessageNotSent", erased, "call-time-sms", "cancelled", "personal-data-erased", 0]
          ])
          expectNoPersonalData(mail.mails)
        })
      )
    )

    it.effect("retries a retryable failure with exponential back-off, then sends", () =>
      run(
        (rec) =>
          Effect.gen(function* () {
            const id = yield* setup(referralId("r-dispatch-retry"))
            const smsOnly = (rs: ReadonlyArray<SqlDispatcher.Result>) => rs.filter((r) => r.kind === "call-time-sms")
            const t = at(4)
            expect(smsOnly(yield* SqlDispatcher.dispatch(options, { now: t }))).toEqual([
              {
                id,
                kind: "call-time-sms",
                outcome: "retry",
                reason: "provider-unavailable",
                notBefore: plus(t, 60_000)
              }
            ])
            expect(yield* SqlDispatcher.dispatch(options, { now: plus(t, 59_999) })).toEqual([])
            const t2 = plus(t, 60_000)
            expect(smsOnly(yield* SqlDispatcher.dispatch(options, { now: t2 }))).toEqual([
              {
                id,
                kind: "call-time-sms",
                outcome: "retry",
                reason: "provider-unavailable",
                notBefore: plus(t2, 120_000)
              }
            ])
            expect(yield* SqlDispatcher.dispatch(options, { now: plus(t2, 119_999) })).toEqual([])
            expect((yield* SqlDispatcher.dispatch(options, { now: plus(t2, 120_000) })).map((r) => r.outcome)).toEqual([
              "sent"
            ])
            expect(rec.calls.map((c) => c.message.id)).toEqual([id, id, id])
            expect(yield* SqlOutbox.state(id)).toMatchObject({ status: "sent", attempts: 3 })
          }),
        (call) =>
          call <= 2
            ? new SmsSender.SmsSendError({ id: "x", reason: "provider-unavailable", retryable: true })
            : undefined
      )
    )

    it.effect("waits at least the provider's Retry-After before trying again", () =>
      run(
        () =>
          Effect.gen(function* () {
            yield* setup(referralId("r-dispatch-retry-after"))
            const t = at(4)
            const [r] = (yield* SqlDispatcher.dispatch(options, { now: t })).filter((x) => x.kind === "call-time-sms")
            // our first back-off is 1 minute; the provider asked for 5
            expect(r).toMatchObject({ outcome: "retry", reason: "rate-limited", notBefore: plus(t, 300_000) })
          }),
        () =>
          new SmsSender.SmsSendError({ id: "x", reason: "rate-limited", retryable: true, retryAfterMillis: 300_000 })
      )
    )

    it.effect("gives up after maxAttempts retryable failures, and at once on a non-retryable one", () =>
      run(
        (rec) =>
          Effect.gen(function* () {
            const a = yield* setup(referralId("r-dispatch-flaky"))
            let now = at(4)
            for (let i = 0; i < 3; i++) {
              const [r] = (yield* SqlDispatcher.dispatch(options, { now })).filter((x) => x.kind === "call-time-sms")
              expect(r?.outcome).toBe("retry")
              now = r?.notBefore ?? now
            }
            const [last] = (yield* SqlDispatcher.dispatch(options, { now })).filter((x) => x.kind === "call-time-sms")
            expect(last?.outcome).toBe("failed")
            expect(yield* SqlOutbox.state(a)).toMatchObject({ status: "failed", attempts: 4 })
            expect((yield* outcomes(referralId("r-dispatch-flaky"))).filter((o) => o[2] === "call-time-sms")).toEqual([
              ["MessageNotSent", a, "call-time-sms", "failed", "rate-limited", 4]
            ])
            expect(rec.calls).toHaveLength(4)
            expect(yield* SqlDispatcher.dispatch(options, { now: at(20) })).toEqual([])
            expect(rec.calls).toHaveLength(4)
          }),
        () => new SmsSender.SmsSendError({ id: "x", reason: "rate-limited", retryable: true })
      )
    )

    it.effect("fails at once on a non-retryable error", () =>
      run(
        (rec) =>
          Effect.gen(function* () {
            const a = yield* setup(referralId("r-dispatch-invalid"))
            const rs = (yield* SqlDispatcher.dispatch(options, { now: at(4) })).filter(
              (x) => x.kind === "call-time-sms"
            )
            expect(rs).toEqual([{ id: a, kind: "call-time-sms", outcome: "failed", reason: "invalid-recipient" }])
            expect(yield* SqlDispatcher.dispatch(options, { now: at(20) })).toEqual([])
            expect(rec.calls).toHaveLength(1)
            expect(yield* SqlOutbox.state(a)).toMatchObject({ status: "failed", attempts: 1 })
          }),
        () => new SmsSender.SmsSendError({ id: "x", reason: "invalid-recipient", retryable: false })
      )
    )

    it.effect("a claim whose lease ran out is claimed again; the late holder cannot record it", () =>
      run(() =>
        Effect.gen(function* () {
          const id = yield* setup(referralId("r-dispatch-lease"))
          const first = (yield* SqlOutbox.claim({ now: at(4), limit: 10, leaseMs: 60_000 })).find((e) => e.id === id)
          expect(first?.status).toBe("sending")
          // within the lease nobody else gets it
          expect(
            (yield* SqlOutbox.claim({ now: plus(at(4), 59_999), limit: 10, leaseMs: 60_000 })).map((e) => e.id)
          ).not.toContain(id)
          const second = (yield* SqlOutbox.claim({ now: plus(at(4), 60_000), limit: 10, leaseMs: 60_000 })).find(
            (e) => e.id === id
          )
          expect(second).toBeDefined()
          if (first === undefined || second === undefined) return
          expect(yield* SqlOutbox.finish(first, { status: "sent", providerId: "late" }, at(5))).toBe(false)
          expect(yield* SqlOutbox.finish(second, { status: "sent", providerId: "p" }, at(5))).toBe(true)
          expect(yield* SqlOutbox.state(id)).toMatchObject({ status: "sent", providerId: "p", attempts: 1 })
        })
      )
    )

    it.live("the worker runs the scheduler step and the dispatcher on its interval", () =>
      run((rec, mail) =>
        Effect.gen(function* () {
          const id = yield* setup(referralId("r-dispatch-worker"))
          // the worker's clock shows what the test sets; its sleeps are real
          const time = SimulatedTime.settable(at(3), yield* Clock.Clock)
          /** Waits (in real time) until `done`. */
          const until = (done: () => boolean) =>
            Effect.gen(function* () {
              for (let i = 0; i < 500 && !done(); i++) yield* Effect.sleep("10 millis")
              expect(done()).toBe(true)
            })
          const fiber = yield* Effect.forkChild(
            SqlDispatcher.worker({ ...options, intervalMs: 20 }).pipe(Effect.provideService(Clock.Clock, time.clock))
          )
          // at at(3): the coordinator notification only (the text waits for sendAfter)
          yield* until(() => mail.mails.length === 1)
          yield* Effect.sleep("100 millis")
          expect(rec.calls).toHaveLength(0)
          // at at(4): the text message, once, however many rounds run
          time.set(at(4))
          yield* until(() => rec.calls.length === 1)
          yield* Effect.sleep("100 millis")
          yield* Fiber.interrupt(fiber)
          expect(rec.calls.map((c) => c.message.id)).toEqual([id])
          expect(mail.mails).toHaveLength(1)
          expectNoPersonalData(mail.mails)
        })
      )
    )

    if (database.concurrentConnections) {
      it.live("claims under a held lock skip the locked rows instead of waiting (FOR UPDATE SKIP LOCKED)", () =>
        run(() =>
          Effect.gen(function* () {
            const sql = yield* SqlClient.SqlClient
            for (let i = 0; i < 4; i++) yield* setup(referralId(`r-dispatch-skip-${i}`))
            const claimedA = yield* Deferred.make<ReadonlyArray<string>>()
            const release = yield* Deferred.make<void>()
            const holder = yield* Effect.forkChild(
              sql.withTransaction(
                Effect.gen(function* () {
                  const got = yield* SqlOutbox.claim({ now: at(5), limit: 4, leaseMs: 60_000 })
                  yield* Deferred.succeed(
                    claimedA,
                    got.map((e) => e.id)
                  )
                  yield* Deferred.await(release)
                })
              )
            )
            const a = yield* Deferred.await(claimedA)
            // the holder's transaction is open: its rows are locked, not yet committed
            const b = (yield* SqlOutbox.claim({ now: at(5), limit: 100, leaseMs: 60_000 })).map((e) => e.id)
            yield* Deferred.succeed(release, undefined)
            yield* Fiber.join(holder)
            expect(a).toHaveLength(4)
            expect(b).toHaveLength(4)
            expect(a.filter((x) => b.includes(x))).toEqual([])
          })
        )
      )

      it.live("two dispatchers over a burst of 100 due messages deliver each exactly once", () => {
        const rec = recordingSms()
        const mail = recordingMail()
        return Effect.gen(function* () {
          const n = 100
          const ids = yield* Effect.forEach(
            Array.from({ length: n }, (_, i) => i),
            (i) => setup(referralId(`r-burst-${String(i).padStart(3, "0")}`))
          )
          const loop = (name: string) =>
            Effect.gen(function* () {
              let handled = 0
              for (;;) {
                const results = yield* SqlDispatcher.dispatch({ ...options, batchSize: 5 }, { now: at(5) })
                if (results.length === 0) return handled
                handled += results.length
              }
            }).pipe(
              Effect.provideService(SmsSender.SmsSender, {
                send: (m) => Effect.andThen(Effect.sleep("1 millis"), rec.make(name).send(m))
              })
            )
          const [one, two] = yield* Effect.all([loop("one"), loop("two")], { concurrency: 2 })
          // each SMS and each coordinator email handled once between them
          expect((one ?? 0) + (two ?? 0)).toBe(2 * n)
          expect(one).toBeGreaterThan(0)
          expect(two).toBeGreaterThan(0)
          const counts = new Map<string, number>()
          for (const c of rec.calls) counts.set(c.message.id, (counts.get(c.message.id) ?? 0) + 1)
          expect([...counts.keys()].sort()).toEqual([...ids].sort())
          expect([...counts.values()].every((k) => k === 1)).toBe(true)
          expect(new Set(rec.calls.map((c) => c.dispatcher))).toEqual(new Set(["one", "two"]))
          expect(mail.mails).toHaveLength(n)
          expect(new Set(mail.mails.map((m) => m.id)).size).toBe(n)
          expectNoPersonalData(mail.mails)
        }).pipe(Effect.provideService(Mailer.Mailer, mail.service), Effect.provide(layer))
      })
    }
  })
}
