/**
 * The measure link message through the outbox, on SQLite and PostgreSQL:
 * sent once, after quiet hours, to the vault's number, in the client's
 * language, with a signed token the form verifies and nothing personal in
 * the text; and at the time of sending, never after withdrawal (C5) or
 * erasure (C6), never without contact-by-sms consent (C2), never once the
 * time point is answered, never after the link expires.
 */
import { describe, expect, it } from "@effect/vitest"
import {
  Deadlines,
  Ids,
  Instant,
  LocalTime,
  Mailer,
  MeasureLinkToken,
  type ReferralCommand,
  ReferralService,
  ReferralStore,
  SmsSender
} from "@lahete/core"
import { SqlDispatcher, SqlReferralStack } from "@lahete/store-sql"
import { Fixtures, StaffMailAudit } from "@lahete/testing"
import { Effect, Layer, Redacted } from "effect"
import { outcomes } from "./support/dispatch.js"
import { databases } from "./support/layers.js"

const programme = Fixtures.measureLinkProgramme
const key = MeasureLinkToken.key(Redacted.make("the measure-link secret of the dispatch test"))
const options: SqlDispatcher.Options = {
  templates: {
    referralUrl: "https://lahete.example.fi/referrals/{referralId}",
    measureLinkUrl: "https://lahete.example.fi/m/{token}"
  },
  coordinators: { [programme.id]: ["coordinator@kemijarvi.example.fi"] },
  measureLinkKey: key
}
const window = Deadlines.followUpWindow(Fixtures.close().at, programme)
const zone = programme.timeZone
const eight = LocalTime.instantAt(LocalTime.localDateOf(window.opensAt, zone), "08:00", zone)
const client = (id: string) => ({ ...Fixtures.client, id: Ids.ActorId.make(`subject-of-${id}`) })

/** A closed referral of the link programme whose follow-up link was asked for at the window's opening (00:00, quiet hours). */
const setup = (id: string, language: "fi" | "sv" = "sv") =>
  Effect.gen(function* () {
    const service = yield* ReferralService.ReferralService
    const referralId = Ids.ReferralId.make(id)
    const submit = Fixtures.submit({ programmeId: programme.id })
    const commands: ReadonlyArray<ReferralCommand.ReferralCommand> = [
      {
        ...submit,
        referralId,
        subjectId: Ids.SubjectId.make(`subject-of-${id}`),
        client: { ...submit.client, language }
      },
      { ...Fixtures.assign(), referralId },
      { ...Fixtures.scheduleCall(), referralId },
      { ...Fixtures.firstContact(), referralId },
      { ...Fixtures.close(), referralId },
      {
        _tag: "RequestMeasureLink",
        referralId,
        idempotencyKey: Ids.IdempotencyKey.make(`link-${id}`),
        actor: Fixtures.system,
        at: window.opensAt,
        timePoint: "follow-up"
      }
    ]
    for (const c of commands) yield* service.execute(c)
    return referralId
  })

const linkOutcomes = (id: Ids.ReferralId) =>
  Effect.map(outcomes(id), (all) => all.filter((o) => o[2] === "measure-link-sms"))

for (const database of databases({ maxConnections: 6 })) {
  const layer = SqlReferralStack.layer({ linkWorkers: [Fixtures.linkWorker()], catalog: Fixtures.catalog }).pipe(
    Layer.provideMerge(Layer.fresh(database.client))
  )
  const run = <A, E>(
    body: (
      sent: Array<SmsSender.SmsMessage>
    ) => Effect.Effect<A, E, Layer.Success<typeof layer> | SmsSender.SmsSender | Mailer.Mailer>
  ) => {
    const sent: Array<SmsSender.SmsMessage> = []
    const sms: SmsSender.Shape = {
      send: (message) =>
        Effect.sync(() => {
          sent.push(message)
          return { id: message.id, providerId: `p-${message.id}`, status: "accepted" as const }
        })
    }
    const mailer = StaffMailAudit.capture(
      {
        send: (mail) => Effect.succeed({ id: mail.id, messageId: `<${mail.id}@test>`, accepted: mail.to, rejected: [] })
      },
      "store-sql/MeasureLinkDispatch.test.ts"
    )
    return body(sent).pipe(
      Effect.provideService(SmsSender.SmsSender, sms),
      Effect.provideService(Mailer.Mailer, mailer),
      Effect.provide(layer)
    )
  }

  describe(`measure link messages on ${database.name}`, () => {
    it.effect("waits for the end of quiet hours, then sends once with a verifiable token and nothing personal", () =>
      run((sent) =>
        Effect.gen(function* () {
          const id = yield* setup("r-link-1")
          const quiet = yield* SqlDispatcher.dispatch(options, { now: Instant.plusMillis(window.opensAt, 3_600_000) })
          // queued not before the end of quiet hours (sendAfter 08:00): not even claimed at 01:00
          expect(quiet.filter((r) => r.kind === "measure-link-sms")).toEqual([])
          expect(sent.filter((m) => m.text.includes("/m/"))).toHaveLength(0)
          const morning = yield* SqlDispatcher.dispatch(options, { now: eight })
          expect(morning.filter((r) => r.kind === "measure-link-sms").map((r) => r.outcome)).toEqual(["sent"])
          const message = sent.find((m) => m.text.includes("/m/"))
          expect(message?.to).toBe("+358401234567")
          // Swedish: the programme has no Swedish name, so its Finnish one
          expect(message?.text).toMatch(
            /^Hyvinvointilähete: Tack för samarbetet\. .* https:\/\/lahete\.example\.fi\/m\/\S+\?lang=sv$/
          )
          for (const personal of ["Aino", "Testinen", "010594Y9032", "401234567"]) {
            expect(message?.text.replace("+358401234567", "")).not.toContain(personal)
          }
          const token = /\/m\/([^?\s]+)/.exec(message?.text ?? "")?.[1] ?? ""
          // URL-safe as it is: the address carries the token unescaped
          expect(token).toMatch(/^1[A-Za-z0-9_-]+$/)
          const claims = yield* MeasureLinkToken.verify(key, token, { now: eight })
          expect(claims).toMatchObject({
            referralId: id,
            timePoint: "follow-up",
            tokenId: `${id}:link-${id}:measure-link-sms`
          })
          expect(yield* SqlDispatcher.dispatch(options, { now: Instant.plusMillis(eight, 60_000) })).toEqual([])
          expect(yield* linkOutcomes(id)).toEqual([
            ["MessageSent", `${id}:link-${id}:measure-link-sms`, "measure-link-sms", 1]
          ])
        })
      )
    )

    it.effect("C5, C6: cancelled after the client withdrew, and after erasure", () =>
      run((sent) =>
        Effect.gen(function* () {
          const service = yield* ReferralService.ReferralService
          const id = yield* setup("r-link-2")
          yield* service.execute(
            Fixtures.recordConsent("referral", "withdrawn", {
              referralId: id,
              actor: client(id),
              at: Instant.plusMillis(window.opensAt, 60_000)
            })
          )
          const erasedId = yield* setup("r-link-3")
          yield* service.execute(
            Fixtures.recordConsent("referral", "withdrawn", {
              referralId: erasedId,
              actor: client(erasedId),
              at: Instant.plusMillis(window.opensAt, 60_000)
            })
          )
          yield* service.execute(
            Fixtures.erase({ referralId: erasedId, at: Instant.plusMillis(window.opensAt, 120_000) })
          )
          const results = yield* SqlDispatcher.dispatch(options, { now: eight })
          expect(
            results.filter((r) => r.kind === "measure-link-sms").map((r) => [r.id.split(":")[0], r.outcome, r.reason])
          ).toEqual([
            ["r-link-2", "cancelled", "withdrawn"],
            ["r-link-3", "cancelled", "personal-data-erased"]
          ])
          expect(sent.filter((m) => m.text.includes("/m/"))).toHaveLength(0)
        })
      )
    )

    it.effect(
      "C2 at sending: cancelled once contact-by-sms consent is withdrawn; a link answered meanwhile is not sent",
      () =>
        run((sent) =>
          Effect.gen(function* () {
            const service = yield* ReferralService.ReferralService
            const noSms = yield* setup("r-link-4")
            yield* service.execute(
              Fixtures.recordConsent("contact-by-sms", "withdrawn", {
                referralId: noSms,
                actor: client(noSms),
                at: Instant.plusMillis(window.opensAt, 60_000)
              })
            )
            const answered = yield* setup("r-link-5")
            yield* service.execute({
              _tag: "AnswerMeasureLink",
              referralId: answered,
              idempotencyKey: Ids.IdempotencyKey.make("answer-r-link-5"),
              actor: client(answered),
              at: Instant.plusMillis(window.opensAt, 60_000),
              tokenId: `${answered}:link-${answered}:measure-link-sms`,
              timePoint: "follow-up",
              measures: [{ instrument: "ons4", answers: [7, 8, 6, 3] }]
            })
            const results = yield* SqlDispatcher.dispatch(options, { now: eight })
            expect(
              results.filter((r) => r.kind === "measure-link-sms").map((r) => [r.id.split(":")[0], r.outcome, r.reason])
            ).toEqual([
              ["r-link-4", "cancelled", "no-sms-consent"],
              ["r-link-5", "cancelled", "referral-ended"]
            ])
            expect(sent.filter((m) => m.text.includes("/m/"))).toHaveLength(0)
          })
        )
    )

    it.effect("never after the link expires: a message still queued then is expired", () =>
      run((sent) =>
        Effect.gen(function* () {
          const id = yield* setup("r-link-6")
          const late = Instant.plusMillis(eight, 11 * 86_400_000)
          const results = yield* SqlDispatcher.dispatch(options, { now: late })
          expect(results.filter((r) => r.kind === "measure-link-sms").map((r) => [r.outcome, r.reason])).toEqual([
            ["expired", "past-send-before"]
          ])
          expect(sent.filter((m) => m.text.includes("/m/"))).toHaveLength(0)
          expect((yield* linkOutcomes(id)).map((o) => o[3])).toEqual(["expired"])
        })
      )
    )

    it.effect("the link's last moment is exclusive: at its sendBefore itself the message is expired, not sent", () =>
      run((sent) =>
        Effect.gen(function* () {
          const id = yield* setup("r-link-7")
          const { events } = yield* (yield* ReferralStore.ReferralStore).load(id)
          const requested = events.find((e) => e._tag === "MeasureLinkRequested")
          if (requested?._tag !== "MeasureLinkRequested") throw new Error("no link requested")
          const results = yield* SqlDispatcher.dispatch(options, { now: requested.sendBefore })
          expect(results.filter((r) => r.kind === "measure-link-sms").map((r) => [r.outcome, r.reason])).toEqual([
            ["expired", "past-send-before"]
          ])
          expect(sent.filter((m) => m.text.includes("/m/"))).toHaveLength(0)
        })
      )
    )
  })
}
