/**
 * The messaging rules as a property (issue #7, acceptance 4): for random
 * command sequences of one referral (`CommandSequences.sequence`: consent
 * withdrawals, erasure, reschedules, failed attempts and wrong commands
 * included), run through `ReferralService` over the SQL store on SQLite,
 * with outbox dispatcher rounds at random times between the commands and
 * long after the last one, every text message that reaches the (recording)
 * sender satisfies, judged from the referral's recorded history alone:
 *
 * - C5/C6: no `ReferralWithdrawn` and no `PersonalDataErased` at or before
 *   the send; C2: contact-by-sms consent in force at the send;
 * - D3: not in the programme's quiet hours, and at least the programme's lead
 *   time before the call the message announces (the call of its
 *   `CallTimeMessageRequested`), which is still the referral's call;
 * - each message is sent at most once, and in the end every requested message
 *   is accounted for in the history (`MessageSent` or `MessageNotSent`).
 */

import { describe, expect, it } from "@effect/vitest"
import {
  Actor,
  Consent,
  Ids,
  Instant,
  LocalTime,
  Mailer,
  Presets,
  Referral,
  type ReferralCommand,
  type ReferralEvent,
  ReferralService,
  ReferralStore,
  SmsSender
} from "@lahete/core"
import { SqlDispatcher } from "@lahete/store-sql"
import { NodeSqlite } from "@lahete/store-sql/sqlite"
import { CommandSequences, Fixtures, StaffMailAudit } from "@lahete/testing"
import { Effect, Layer } from "effect"
import * as fc from "fast-check"
import { serviceOn } from "./support/layers.js"

const HOUR = 3_600_000
const runs = Number(process.env.LAHETE_MESSAGE_PROPERTY_RUNS ?? "300")

const options: SqlDispatcher.Options = {
  templates: { referralUrl: "https://lahete.example.fi/referrals/{referralId}" },
  coordinators: { [Presets.kemijarvi.id]: ["k@example.fi"], [Presets.sodankyla.id]: ["s@example.fi"] },
  baseDelayMs: 60_000,
  maxAttempts: 3
}

interface Sent {
  readonly id: string
  readonly at: Instant.Instant
}

/** Dispatch rounds at these offsets (fractions of the gap) between two commands. */
const roundsArbitrary = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 })

/** Sometimes the provider fails (retryably or not) at a send. */
const failuresArbitrary = fc.array(fc.constantFrom("ok", "ok", "ok", "retry", "reject"), {
  minLength: 1,
  maxLength: 8
})

/**
 * After some of the call schedules, the client withdraws referral consent
 * (C5) a little later, and sometimes the coordinator then erases the personal
 * data (C6): the cases where a queued message must not go out.
 */
const withWithdrawals = (
  commands: ReadonlyArray<ReferralCommand.ReferralCommand>,
  plan: ReadonlyArray<{ readonly withdraw: boolean; readonly erase: boolean; readonly afterMinutes: number }>
): ReadonlyArray<ReferralCommand.ReferralCommand> => {
  const submit = commands.find((c) => c._tag === "SubmitReferral")
  if (submit === undefined || submit._tag !== "SubmitReferral") return commands
  const client = Actor.make("Client", submit.subjectId, "residents")
  return commands.flatMap((c, i) => {
    const p = plan[i]
    if (c._tag !== "ScheduleCall" || p === undefined || !p.withdraw) return [c]
    const withdrawAt = Instant.plusMillis(c.at, p.afterMinutes * 60_000)
    const withdraw = Fixtures.recordConsent("referral", "withdrawn", {
      referralId: c.referralId,
      idempotencyKey: Ids.IdempotencyKey.make(`injected-withdraw-${i}`),
      actor: client,
      at: withdrawAt
    })
    const erase = Fixtures.erase({
      referralId: c.referralId,
      idempotencyKey: Ids.IdempotencyKey.make(`injected-erase-${i}`),
      at: Instant.plusMillis(withdrawAt, 60_000)
    })
    return p.erase ? [c, withdraw, erase] : [c, withdraw]
  })
}

const planArbitrary = fc.array(
  fc.record({
    withdraw: fc.boolean(),
    erase: fc.boolean(),
    afterMinutes: fc.integer({ min: 1, max: 36 * 60 })
  }),
  { minLength: 41, maxLength: 41 }
)

const eventsUpTo = (events: ReadonlyArray<ReferralEvent.ReferralEvent>, at: Instant.Instant) =>
  events.filter((e) => e.at <= at)

const check = (sent: ReadonlyArray<Sent>, events: ReadonlyArray<ReferralEvent.ReferralEvent>) => {
  const state = Referral.fold(events)
  const programme =
    state.programme === undefined ? undefined : Presets.catalog.get(state.programme.id, state.programme.version)
  // at most once per message
  expect(new Set(sent.map((s) => s.id)).size).toBe(sent.length)
  for (const s of sent) {
    expect(programme).toBeDefined()
    if (programme === undefined) return
    const before = eventsUpTo(events, s.at)
    // C5, C6
    expect(before.some((e) => e._tag === "ReferralWithdrawn" || e._tag === "PersonalDataErased")).toBe(false)
    // C2, and a call still pending: the state as recorded up to the send
    const then = Referral.fold(before)
    expect(Consent.isGranted(then.consents, "contact-by-sms", s.at)).toBe(true)
    expect(then.status).toBe("ContactScheduled")
    // D3: quiet hours
    expect(LocalTime.isWithinDailyWindow(s.at, programme.deadlines.textMessage.quietHours, programme.timeZone)).toBe(
      false
    )
    // D3: the lead time before the announced call, which is still the call at the send
    const requested = events.find(
      (e): e is Extract<ReferralEvent.ReferralEvent, { _tag: "CallTimeMessageRequested" }> =>
        e._tag === "CallTimeMessageRequested" && `${e.referralId}:${e.messageId}` === s.id
    )
    expect(requested).toBeDefined()
    if (requested === undefined) return
    expect(Date.parse(requested.callAt) - Date.parse(s.at)).toBeGreaterThanOrEqual(
      programme.deadlines.textMessage.leadTimeMinutes * 60_000
    )
    expect(then.callAt).toBe(requested.callAt)
  }
  // every requested message accounted for in the history, once
  const requestedIds = events.flatMap((e) =>
    e._tag === "CallTimeMessageRequested" ? [`${e.referralId}:${e.messageId}`] : []
  )
  const outcomeIds = events.flatMap((e) =>
    (e._tag === "MessageSent" || e._tag === "MessageNotSent") && e.kind === "call-time-sms" ? [e.messageId] : []
  )
  expect([...outcomeIds].sort()).toEqual([...requestedIds].sort())
  expect(
    events
      .filter((e) => e._tag === "MessageSent" && e.kind === "call-time-sms")
      .map((e) => (e as { messageId: string }).messageId)
      .sort()
  ).toEqual(sent.map((s) => s.id).sort())
}

describe("messaging rules over random sequences (SQLite)", () => {
  it.live(
    `no text message after C5/C6, without C2, in quiet hours or within the lead time; each once, each accounted for (${runs} sequences)`,
    () => {
      const seen = { runs: 0, sent: 0, notSent: new Map<string, number>(), requested: 0 }
      return Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(
            CommandSequences.sequence({ minLength: 5, maxLength: 40, invalidShare: 0.05 }).filter((commands) =>
              // only sequences that schedule a call with a text message: the rest send nothing
              commands.some((c) => c._tag === "ScheduleCall" && c.notifyBySms)
            ),
            fc.array(roundsArbitrary, { minLength: 90, maxLength: 90 }),
            failuresArbitrary,
            planArbitrary,
            async (generated, rounds, failures, plan) => {
              // message outcomes are the dispatcher's to record: the generator's random ones are left out
              const commands = withWithdrawals(
                generated.filter((c) => c._tag !== "RecordMessageOutcome"),
                plan
              )
              const referralId = commands[0]?.referralId ?? Fixtures.referralId
              const sent: Array<Sent> = []
              let calls = 0
              let clock = Instant.make(0)
              const sms: SmsSender.Shape = {
                send: (message) =>
                  Effect.suspend(() => {
                    const mode = failures[calls++ % failures.length]
                    if (mode === "retry") {
                      return Effect.fail(
                        new SmsSender.SmsSendError({ id: message.id, reason: "provider-unavailable", retryable: true })
                      )
                    }
                    if (mode === "reject") {
                      return Effect.fail(
                        new SmsSender.SmsSendError({ id: message.id, reason: "rejected", retryable: false })
                      )
                    }
                    sent.push({ id: message.id, at: clock })
                    return Effect.succeed({ id: message.id, providerId: `p-${calls}`, status: "accepted" as const })
                  })
              }
              const round = (now: Instant.Instant) =>
                Effect.suspend(() => {
                  clock = now
                  return SqlDispatcher.dispatch(options, { now })
                })
              const program = Effect.gen(function* () {
                const service = yield* ReferralService.ReferralService
                let previous: Instant.Instant | undefined
                for (const [i, command] of commands.entries()) {
                  if (previous !== undefined && command.at > previous) {
                    const gap = Date.parse(command.at) - Date.parse(previous)
                    for (const f of [...(rounds[i] ?? [])].sort()) {
                      // strictly before the command: a round at the command's own instant would have to come
                      // after it in time order, yet it runs before it here
                      yield* round(Instant.plusMillis(previous, Math.floor(f * (gap - 1))))
                    }
                  }
                  // the world's clock does not go back: a command dated before a round that already ran
                  // (possible after a refused or bookkeeping command with a later time) is not issued
                  if (command.at < clock) continue
                  yield* Effect.ignore(service.execute(command as ReferralCommand.ReferralCommand))
                  if (previous === undefined || command.at > previous) previous = command.at
                }
                // long after the last command: hourly for two days, then a month later
                for (let h = 1; previous !== undefined && h <= 48; h++)
                  yield* round(Instant.plusMillis(previous, h * HOUR))
                if (previous !== undefined) yield* round(Instant.plusMillis(previous, 30 * 24 * HOUR))
                const store = yield* ReferralStore.ReferralStore
                const stream = yield* store.load(referralId)
                return { events: stream.events }
              })
              const { events } = await Effect.runPromise(
                program.pipe(
                  Effect.provideService(SmsSender.SmsSender, sms),
                  Effect.provide(
                    Layer.merge(
                      StaffMailAudit.layer(Mailer.layerMemory, "store-sql/MessageProperties.test.ts"),
                      serviceOn(NodeSqlite.layer({ filename: ":memory:" }))
                    )
                  )
                )
              )
              check(
                sent.filter((m) => m.id.startsWith(`${referralId}:`)),
                events
              )
              seen.runs++
              for (const e of events) {
                if (e._tag === "CallTimeMessageRequested") seen.requested++
                if (e._tag === "MessageSent" && e.kind === "call-time-sms") seen.sent++
                if (e._tag === "MessageNotSent" && e.kind === "call-time-sms") {
                  seen.notSent.set(e.reason, (seen.notSent.get(e.reason) ?? 0) + 1)
                }
              }
            }
          ),
          { numRuns: runs }
        )
      ).pipe(
        Effect.tap(() =>
          Effect.sync(() => {
            console.log(
              `message property: ${seen.runs} runs, ${seen.requested} messages requested, ${seen.sent} sent, not sent: ${JSON.stringify(Object.fromEntries(seen.notSent))}`
            )
            // the sequences reach the interesting cases (coverage, not luck)
            expect(seen.sent).toBeGreaterThan(runs / 10)
            for (const reason of ["withdrawn", "personal-data-erased", "superseded", "contact-made"]) {
              expect(seen.notSent.get(reason) ?? 0).toBeGreaterThan(0)
            }
          })
        )
      )
    },
    600_000
  )
})
