/**
 * §8: the usage log holds every read of personal data, who read it, in what
 * role, what, for what purpose and when. The dispatcher reads a client's
 * mobile number and language from the vault for every text message it
 * sends; each such read is in the client's usage log (the worker's actor,
 * role System, `contact-details`, the message's kind), before the message
 * goes. A message cancelled before the vault is read (the referral ended, no
 * consent) leaves no entry, and nothing personal is in an entry.
 */
import { describe, expect, it } from "@effect/vitest"
import { AuditLog, Ids, Mailer, Scheduler, SmsSender } from "@lahete/core"
import { SqlDispatcher } from "@lahete/store-sql"
import { Fixtures } from "@lahete/testing"
import { Effect, Layer, Schema } from "effect"
import { acceptingMailer, options, recordingSms, setup } from "./support/dispatch.js"
import { databases, serviceOn } from "./support/layers.js"

const referralId = Schema.decodeSync(Ids.ReferralId)
const at = Fixtures.at

for (const database of databases({ maxConnections: 4 })) {
  const layer = serviceOn(Layer.fresh(database.client))

  describe(`the dispatcher's reads of contact details in the usage log on ${database.name}`, () => {
    it.effect(
      "a call-time message sent: one entry for the read of the client's contact details, nothing personal",
      () => {
        const sms = recordingSms()
        return Effect.gen(function* () {
          const id = referralId("r-usage-sent")
          const smsId = yield* setup(id)
          const subjectId = Schema.decodeSync(Ids.SubjectId)(`subject-of-${id}`)
          const audit = yield* AuditLog.AuditLog
          const before = (yield* audit.forSubject(subjectId)).usage.length
          const results = yield* SqlDispatcher.dispatch(options, { now: at(4) })
          expect(results.filter((r) => r.id === smsId).map((r) => r.outcome)).toEqual(["sent"])
          const usage = (yield* audit.forSubject(subjectId)).usage.slice(before)
          expect(usage).toEqual([
            {
              at: at(4),
              actorId: Scheduler.systemActor.id,
              role: "System",
              organisation: Scheduler.systemActor.organisation,
              subjectId,
              referralId: id,
              what: "contact-details",
              purpose: "call-time-sms"
            }
          ])
          // the number and the name are never in the log
          const text = JSON.stringify(usage)
          for (const value of ["+358", "0401234567", "Aino", "Testinen"]) expect(text).not.toContain(value)
          expect(sms.sent).toHaveLength(1)
        }).pipe(
          Effect.provideService(SmsSender.SmsSender, sms.service),
          Effect.provideService(Mailer.Mailer, acceptingMailer),
          Effect.provide(layer)
        )
      }
    )

    it.effect("when the read cannot be logged, the message is not sent and waits for the next round", () => {
      const sms = recordingSms()
      return Effect.gen(function* () {
        const id = referralId("r-usage-log-down")
        const smsId = yield* setup(id)
        const audit = yield* AuditLog.AuditLog
        const down: AuditLog.Shape = {
          ...audit,
          recordUsage: () => Effect.fail(new AuditLog.AuditLogFailure({ operation: "recordUsage", detail: "down" }))
        }
        const results = yield* SqlDispatcher.dispatch(options, { now: at(4) }).pipe(
          Effect.provideService(AuditLog.AuditLog, down)
        )
        expect(results.filter((r) => r.id === smsId)).toEqual([])
        expect(sms.sent).toEqual([])
        // the log back: the entry is claimed again once its lease ends, then sent and logged
        const later = yield* SqlDispatcher.dispatch(options, { now: at(4 + 1 / 6) })
        expect(later.filter((r) => r.id === smsId).map((r) => r.outcome)).toEqual(["sent"])
        expect(sms.sent).toHaveLength(1)
      }).pipe(
        Effect.provideService(SmsSender.SmsSender, sms.service),
        Effect.provideService(Mailer.Mailer, acceptingMailer),
        Effect.provide(layer)
      )
    })

    it.effect("a message cancelled before the vault is read (the referral withdrawn) leaves no entry", () => {
      const sms = recordingSms()
      return Effect.gen(function* () {
        const id = referralId("r-usage-withdrawn")
        const smsId = yield* setup(id, [
          Fixtures.recordConsent("referral", "withdrawn", { referralId: id, actor: Fixtures.coordinator, at: at(4.5) })
        ])
        const subjectId = Schema.decodeSync(Ids.SubjectId)(`subject-of-${id}`)
        const audit = yield* AuditLog.AuditLog
        const before = (yield* audit.forSubject(subjectId)).usage.length
        const results = yield* SqlDispatcher.dispatch(options, { now: at(5) })
        expect(results.filter((r) => r.id === smsId).map((r) => r.outcome)).toEqual(["cancelled"])
        expect((yield* audit.forSubject(subjectId)).usage.slice(before)).toEqual([])
        expect(sms.sent).toEqual([])
      }).pipe(
        Effect.provideService(SmsSender.SmsSender, sms.service),
        Effect.provideService(Mailer.Mailer, acceptingMailer),
        Effect.provide(layer)
      )
    })
  })
}
