/**
 * Erasing a client's ended referral leaves their open referral whole, on
 * SQLite and PostgreSQL: after referral A (withdrawn) is erased, the link
 * worker still sees B's client with name, number and reason, and B's
 * call-time text message is still sent to the vault's number.
 */
import { describe, expect, it } from "@effect/vitest"
import {
  Ids,
  Mailer,
  type ReferralCommand,
  ReferralQueries,
  ReferralService,
  ReferralStore,
  SmsSender
} from "@lahete/core"
import { SqlDispatcher } from "@lahete/store-sql"
import { Fixtures, SimulatedTime } from "@lahete/testing"
import { Clock, Effect, Layer, Option, Schema } from "effect"
import { options } from "./support/dispatch.js"
import { databases, serviceOn } from "./support/layers.js"

type Command = ReferralCommand.ReferralCommand

const referralId = Schema.decodeSync(Ids.ReferralId)
const subject = Schema.decodeSync(Ids.SubjectId)("subject-two-referrals")
const at = Fixtures.at

const onto = (id: string, commands: ReadonlyArray<Command>): Array<Command> =>
  commands.map(
    (c): Command =>
      c._tag === "SubmitReferral"
        ? { ...c, referralId: referralId(id), subjectId: subject, reasonText: `reason of ${id}` }
        : { ...c, referralId: referralId(id) }
  )

for (const database of databases()) {
  describe(`erasure scoped to the ended referral on ${database.name}`, () => {
    it.live("the open referral keeps its view and its text message after the other one is erased", () => {
      const sent: Array<SmsSender.SmsMessage> = []
      const sms: SmsSender.Shape = {
        send: (message) =>
          Effect.sync(() => {
            sent.push(message)
            return { id: message.id, providerId: `p-${message.id}`, status: "accepted" as const }
          })
      }
      const mailer: Mailer.Shape = {
        send: (mail) => Effect.succeed({ id: mail.id, messageId: `<${mail.id}@test>`, accepted: mail.to, rejected: [] })
      }
      const time = SimulatedTime.settable(at(0))
      return Effect.gen(function* () {
        const service = yield* ReferralService.ReferralService
        const store = yield* ReferralStore.ReferralStore
        // A is withdrawn at once; B gets a link worker and a call with a text message
        for (const c of [
          ...onto("r-scope-a", Fixtures.pathTo.Withdrawn()),
          ...onto("r-scope-b", Fixtures.pathTo.ContactScheduled())
        ]) {
          yield* service.execute(c)
        }
        const erased = yield* service.execute({ ...Fixtures.erase({ at: at(3) }), referralId: referralId("r-scope-a") })
        expect(erased.events.map((e) => e._tag)).toEqual(["PersonalDataErased"])

        const vault = Option.getOrUndefined(yield* store.subject(subject))
        expect(vault?.referrals).toEqual({ "r-scope-b": { reasonText: "reason of r-scope-b" } })

        time.set(at(4))
        const entry = yield* ReferralQueries.linkWorkerReferral(Fixtures.linkWorkerActor, referralId("r-scope-b"))
        expect(entry.textMessageAllowed).toBe(true)
        expect(entry.client).toEqual({
          givenName: "Aino",
          familyName: "Testinen",
          mobileNumber: "+358401234567",
          language: "fi",
          reasonText: "reason of r-scope-b"
        })

        const dispatched = yield* SqlDispatcher.dispatch(options, { now: at(4) })
        expect(dispatched.filter((d) => d.kind === "call-time-sms")).toMatchObject([{ outcome: "sent" }])
        expect(sent.map((m) => m.to)).toEqual(["+358401234567"])
      }).pipe(
        Effect.provideService(SmsSender.SmsSender, sms),
        Effect.provideService(Mailer.Mailer, mailer),
        Effect.provide(serviceOn(Layer.fresh(database.client))),
        Effect.provideService(Clock.Clock, time.clock)
      )
    })
  })
}
