/**
 * What the dispatcher tests share: the dispatcher's options, a referral set up
 * with a call-time text message due, the message outcomes in a history, and
 * the check that no staff email carries the fixture client's personal data.
 */
import { expect } from "@effect/vitest"
import {
  Ids,
  type Mailer,
  Presets,
  type ReferralCommand,
  ReferralService,
  ReferralStore,
  type SmsSender
} from "@lahete/core"
import type { SqlDispatcher } from "@lahete/store-sql"
import { Fixtures } from "@lahete/testing"
import { Effect, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"

const subjectId = Schema.decodeSync(Ids.SubjectId)

export const coordinatorAddress = "coordinator@kemijarvi.example.fi"
export const options: SqlDispatcher.Options = {
  templates: { referralUrl: "https://lahete.example.fi/referrals/{referralId}" },
  coordinators: { [Presets.kemijarvi.id]: [coordinatorAddress] },
  baseDelayMs: 60_000,
  maxDelayMs: 3_600_000,
  maxAttempts: 4
}

/** An `SmsSender` that accepts every message and keeps it (`sent`). */
export const recordingSms = () => {
  const sent: Array<SmsSender.SmsMessage> = []
  const service: SmsSender.Shape = {
    send: (message) =>
      Effect.sync(() => {
        sent.push(message)
        return { id: message.id, providerId: `rec-${message.id}`, status: "accepted" as const }
      })
  }
  return { sent, service }
}

/** A `Mailer` that accepts every email. */
export const acceptingMailer: Mailer.Shape = {
  send: (mail) => Effect.succeed({ id: mail.id, messageId: `<${mail.id}@test>`, accepted: mail.to, rejected: [] })
}

/** The personal values of the fixture submission: none may appear in a staff email. */
export const personal = (() => {
  const s = Fixtures.submit()
  return [
    s.client.givenName,
    s.client.familyName,
    s.client.personalIdentityCode ?? "",
    s.client.mobileNumber ?? "",
    "+358401234567",
    "401234567",
    s.reasonText ?? ""
  ].filter((v) => v !== "")
})()

/** No staff email carries a personal value of the submission. */
export const expectNoPersonalData = (mails: ReadonlyArray<Mailer.Mail>) => {
  for (const mail of mails) {
    const all = `${mail.subject}\n${mail.text}\n${mail.to.join(",")}`
    for (const value of personal) expect(all).not.toContain(value)
  }
}

/** Submits, assigns and schedules a call (call at `at(26)`, text window `at(4)`–`at(24)`). */
export const setup = (id: Ids.ReferralId, extra: ReadonlyArray<ReferralCommand.ReferralCommand> = []) =>
  Effect.gen(function* () {
    const service = yield* ReferralService.ReferralService
    const commands: ReadonlyArray<ReferralCommand.ReferralCommand> = [
      Fixtures.submit({ referralId: id, subjectId: subjectId(`subject-of-${id}`) }),
      Fixtures.assign({ referralId: id }),
      Fixtures.scheduleCall({ referralId: id }),
      ...extra
    ]
    for (const c of commands) yield* service.execute(c)
    const sql = yield* SqlClient.SqlClient
    const found = yield* sql<{
      id: string
    }>`SELECT id FROM outbox WHERE referral_id = ${id} AND kind = 'call-time-sms'`
    expect(found).toHaveLength(1)
    return found[0]?.id ?? ""
  })

/** The message outcomes recorded in a referral's history, in order. */
export const outcomes = (id: Ids.ReferralId) =>
  Effect.gen(function* () {
    const store = yield* ReferralStore.ReferralStore
    return (yield* store.load(id)).events.flatMap((e) =>
      e._tag === "MessageSent"
        ? [[e._tag, e.messageId, e.kind, e.attempts]]
        : e._tag === "MessageNotSent"
          ? [[e._tag, e.messageId, e.kind, e.outcome, e.reason, e.attempts]]
          : []
    )
  })
