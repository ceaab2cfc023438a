/**
 * D3 (domain specification §3): the text message "states the exact call time
 * in the client's language". The dispatcher's other tests send to the
 * fixture client, whose language is Finnish, so a message rendered in Finnish
 * whatever the client's language would pass them. Here clients who speak
 * Swedish and English get the call-time message in their language, with the
 * call's local Helsinki time written as that language writes it.
 *
 * And C2's "valid mobile number" is the one on file when the message goes:
 * a number changed after the call was scheduled gets the message, the old
 * number (perhaps someone else's by now) does not.
 */
import { describe, expect, it } from "@effect/vitest"
import { Ids, Mailer, ReferralService, SmsSender } from "@lahete/core"
import { SqlDispatcher } from "@lahete/store-sql"
import { Fixtures } from "@lahete/testing"
import { Effect, Layer, Schema } from "effect"
import { acceptingMailer, options, recordingSms, setup } from "./support/dispatch.js"
import { databases, serviceOn } from "./support/layers.js"

const referralId = Schema.decodeSync(Ids.ReferralId)
const subjectId = Schema.decodeSync(Ids.SubjectId)
const at = Fixtures.at

/** A referral whose client speaks `language`, with a call at `at(26)` (Tuesday 3 March 2026, 11.00 in Helsinki). */
const scheduled = (id: string, language: "sv" | "en") =>
  Effect.gen(function* () {
    const service = yield* ReferralService.ReferralService
    const submit = Fixtures.submit()
    for (const c of [
      Fixtures.submit({
        referralId: referralId(id),
        subjectId: subjectId(`subject-of-${id}`),
        client: { ...submit.client, language }
      }),
      Fixtures.assign({ referralId: referralId(id) }),
      Fixtures.scheduleCall({ referralId: referralId(id) })
    ]) {
      yield* service.execute(c)
    }
  })

for (const database of databases({ maxConnections: 4 })) {
  const layer = serviceOn(Layer.fresh(database.client))

  describe(`the call-time message in the client's language on ${database.name}`, () => {
    it.effect(
      "a Swedish-speaking and an English-speaking client each get the exact call time in their language",
      () => {
        const sms = recordingSms()
        return Effect.gen(function* () {
          yield* scheduled("r-lang-sv", "sv")
          yield* scheduled("r-lang-en", "en")
          const results = yield* SqlDispatcher.dispatch(options, { now: at(4) })
          expect(results.filter((r) => r.kind === "call-time-sms").map((r) => r.outcome)).toEqual(["sent", "sent"])
          const textTo = (id: string) => sms.sent.find((m) => m.id.startsWith(id))?.text
          const sv = textTo("r-lang-sv")
          const en = textTo("r-lang-en")
          expect(sv).toContain("Vi ringer dig")
          expect(sv).toContain("tisdag 3.3.2026 kl. 11.00")
          expect(sv).not.toContain("klo")
          expect(en).toContain("We will call you on")
          expect(en).toContain("Tuesday 3 March 2026 at 11:00")
          expect(en).not.toContain("klo")
        }).pipe(
          Effect.provideService(SmsSender.SmsSender, sms.service),
          Effect.provideService(Mailer.Mailer, acceptingMailer),
          Effect.provide(layer)
        )
      }
    )

    it.effect("the message goes to the number on file when it is sent, not to the one given at submission", () => {
      const sms = recordingSms()
      return Effect.gen(function* () {
        const id = referralId("r-new-number")
        const smsId = yield* setup(id, [
          Fixtures.updateContact({
            referralId: id,
            actor: Fixtures.linkWorkerActor,
            at: at(4.5),
            mobileNumber: "050 765 4321"
          })
        ])
        const results = yield* SqlDispatcher.dispatch(options, { now: at(5) })
        expect(results.filter((r) => r.id === smsId).map((r) => r.outcome)).toEqual(["sent"])
        expect(sms.sent.map((m) => m.to)).toEqual(["+358507654321"])
      }).pipe(
        Effect.provideService(SmsSender.SmsSender, sms.service),
        Effect.provideService(Mailer.Mailer, acceptingMailer),
        Effect.provide(layer)
      )
    })
  })
}
