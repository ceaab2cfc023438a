/**
 * Acceptance 2 of the measure link: over random command sequences on two
 * referrals, with withdrawals, erasures, consent changes, lost numbers and
 * clock jumps (forwards by minutes to months, and backwards) injected, and
 * the scheduler asking whenever it is its turn:
 *
 * - no link message is asked for outside the rules (the programme's time
 *   points, a self-report measure missing, the time point's window, C2 at
 *   that instant, never after withdrawal or erasure, at most 1 + reminders,
 *   intervalDays apart, sent after quiet hours and before the link expires);
 * - a link never records twice, after it expired, for another referral or
 *   time point, or after withdrawal or erasure;
 * - the scheduler never asks for a link the decider refuses.
 *
 * The rules are restated here from the specification (an oracle), not
 * called from `MeasureLink`.
 */
import { describe, expect, it } from "@effect/vitest"
import {
  Actor,
  Consent,
  Deadlines,
  Ids,
  Instant,
  LocalTime,
  type Referral,
  type ReferralCommand,
  type ReferralEvent,
  Scheduler
} from "@lahete/core"
import { Fixtures as F } from "@lahete/testing"
import { Result } from "effect"
import * as fc from "fast-check"
import * as L from "./support/measureLinks.js"

type Command = ReferralCommand.ReferralCommand
type Event = ReferralEvent.ReferralEvent
type TimePoint = ReferralCommand.TimePoint

const P = L.programme
const zone = P.timeZone
const settings = P.measureLinks as NonNullable<typeof P.measureLinks>
const timePoints: ReadonlyArray<TimePoint> = ["baseline", "end", "follow-up"]
const day = 86_400_000
const ids = [F.referralId, Ids.ReferralId.make("referral-2")] as const
const subjects = ["subject-1", "subject-2"] as const
const clientOf = (r: 0 | 1) => Actor.make("Client", subjects[r], "measure-link")

let keys = 0
const key = (prefix: string) => Ids.IdempotencyKey.make(`${prefix}-${++keys}`)

/** The fixture path to a state, for referral `r`. */
const start = (r: 0 | 1, to: "Submitted" | "Active" | "Closed"): ReadonlyArray<Command> =>
  L.path(to).map((c) => ({
    ...c,
    referralId: ids[r],
    ...(c._tag === "SubmitReferral" ? { subjectId: Ids.SubjectId.make(subjects[r]) } : {}),
    ...(c.actor.role === "Client" ? { actor: clientOf(r) } : {})
  }))

type Op =
  | { readonly op: "advance"; readonly ms: number }
  | { readonly op: "back"; readonly ms: number }
  | { readonly op: "toWindow"; readonly r: 0 | 1; readonly ms: number }
  | { readonly op: "tick" }
  | {
      readonly op: "request"
      readonly r: 0 | 1
      readonly tp: TimePoint
      readonly role: "System" | "Coordinator" | "LinkWorker"
    }
  | {
      readonly op: "answer"
      readonly r: 0 | 1
      readonly pick: number
      readonly tp?: TimePoint | undefined
      readonly valid: boolean
    }
  | { readonly op: "clientAnswers"; readonly partial: boolean }
  | { readonly op: "withdraw"; readonly r: 0 | 1 }
  | { readonly op: "sms"; readonly r: 0 | 1; readonly granted: boolean; readonly expiresInDays?: number | undefined }
  | { readonly op: "mobile"; readonly r: 0 | 1; readonly valid: boolean }
  | { readonly op: "erase"; readonly r: 0 | 1 }
  | { readonly op: "close"; readonly r: 0 | 1 }
  | { readonly op: "expire"; readonly r: 0 | 1 }
  | { readonly op: "linkWorkerMeasure"; readonly r: 0 | 1; readonly tp: TimePoint }

const ref = fc.constantFrom(0 as const, 1 as const)
const tp = fc.constantFrom(...timePoints)
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .oneof(
        fc.integer({ min: 60_000, max: 12 * 3_600_000 }),
        fc.integer({ min: day, max: 20 * day }),
        fc.integer({ min: 20 * day, max: 130 * day })
      )
      .map((ms) => ({ op: "advance" as const, ms }))
  },
  { weight: 1, arbitrary: fc.integer({ min: 60_000, max: 10 * day }).map((ms) => ({ op: "back" as const, ms })) },
  { weight: 6, arbitrary: fc.constant({ op: "tick" as const }) },
  {
    weight: 5,
    arbitrary: fc.record({ op: fc.constant("toWindow" as const), r: ref, ms: fc.integer({ min: -day, max: 30 * day }) })
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("request" as const),
      r: ref,
      tp,
      role: fc.constantFrom("System" as const, "Coordinator" as const, "LinkWorker" as const)
    })
  },
  {
    weight: 6,
    arbitrary: fc.record(
      {
        op: fc.constant("answer" as const),
        r: ref,
        pick: fc.nat(),
        tp: fc.option(tp, { nil: undefined, freq: 4 }),
        valid: fc.integer({ min: 0, max: 3 }).map((n) => n > 0)
      },
      { requiredKeys: ["op", "r", "pick", "valid"] }
    )
  },
  { weight: 8, arbitrary: fc.record({ op: fc.constant("clientAnswers" as const), partial: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("withdraw" as const), r: ref }) },
  {
    weight: 1,
    arbitrary: fc.record(
      {
        op: fc.constant("sms" as const),
        r: ref,
        granted: fc.boolean(),
        expiresInDays: fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined })
      },
      { requiredKeys: ["op", "r", "granted"] }
    )
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("mobile" as const), r: ref, valid: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("erase" as const), r: ref }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("close" as const), r: ref }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("expire" as const), r: ref }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("linkWorkerMeasure" as const), r: ref, tp }) }
)
// most sequences start Closed: the follow-up window is where links matter most
const startState = fc.constantFrom(
  "Submitted" as const,
  "Active" as const,
  "Closed" as const,
  "Closed" as const,
  "Closed" as const
)
const scenario = fc.record({
  starts: fc.tuple(startState, startState),
  ops: fc.array(op, { minLength: 1, maxLength: 45 })
})

interface Stream {
  state: Referral.ReferralState
  readonly events: Array<Event>
}

const answers = [4, 4, 3, 4, 5, 3, 4]
const baselineStates = ["Submitted", "Assigned", "ContactScheduled", "Active", "OnHold"]

/** The rules a link request must have met, restated; the violations found (empty: none). */
const requestViolations = (
  e: Extract<Event, { _tag: "MeasureLinkRequested" }>,
  before: Referral.ReferralState,
  history: ReadonlyArray<Event>
): Array<string> => {
  const out: Array<string> = []
  const t = e.at
  if (!settings.timePoints.includes(e.timePoint)) out.push("time point not sent by link")
  if (before.personalDataErased) out.push("after erasure (C6)")
  if (history.some((h) => h._tag === "ReferralWithdrawn")) out.push("after withdrawal (C5)")
  if (!Consent.isGranted(before.consents, "contact-by-sms", t)) out.push("without contact-by-sms consent (C2)")
  if (!before.validMobile) out.push("without a valid number (C2)")
  const list =
    e.timePoint === "baseline" ? P.measures.baseline : e.timePoint === "end" ? P.measures.end : P.measures.followUp
  const missing = list.filter(
    (m) =>
      m.respondent === "self" &&
      !before.measures.some(
        (x) => x.timePoint === e.timePoint && x.instrument === m.instrument && x.respondent === "self"
      )
  )
  if (missing.length === 0) out.push("no self-report measure missing")
  if (history.some((h) => h._tag === "MeasureLinkAnswered" && h.timePoint === e.timePoint))
    out.push("after the time point was answered")
  if (e.timePoint === "baseline" && !baselineStates.includes(before.status)) out.push(`baseline in ${before.status}`)
  if (e.timePoint !== "baseline") {
    if (before.status !== "Closed" || before.closedAt === undefined) out.push(`${e.timePoint} in ${before.status}`)
    else {
      const w = Deadlines.followUpWindow(before.closedAt, P)
      if (e.timePoint === "follow-up" && !(w.opensAt <= t && t < w.closesAt)) out.push("follow-up outside its window")
      if (e.timePoint === "follow-up" && e.expiresAt > w.closesAt) out.push("follow-up link outlives the window")
      if (e.timePoint === "end" && !(t < w.opensAt && e.expiresAt <= w.opensAt))
        out.push("end link into the follow-up window")
    }
  }
  const earlier = history.filter(
    (h): h is Extract<Event, { _tag: "MeasureLinkRequested" }> =>
      h._tag === "MeasureLinkRequested" && h.timePoint === e.timePoint
  )
  if (earlier.length >= 1 + settings.reminders.max) out.push("more reminders than the programme allows")
  const last = earlier[earlier.length - 1]
  // local days: a daylight-saving change makes one of them an hour shorter
  if (
    last !== undefined &&
    Instant.toMillis(t) - Instant.toMillis(last.at) < settings.reminders.intervalDays * day - 3_600_000
  )
    out.push("reminder too soon")
  if (e.sendAfter < t) out.push("sent before it was asked for")
  if (LocalTime.isWithinDailyWindow(e.sendAfter, P.deadlines.textMessage.quietHours, zone))
    out.push("sent in quiet hours")
  if (!(e.sendAfter < e.sendBefore && e.sendBefore <= e.expiresAt)) out.push("send window not before the expiry")
  return out
}

/** The rules an answer must have met, restated. */
const answerViolations = (
  e: Extract<Event, { _tag: "MeasureLinkAnswered" }>,
  r: 0 | 1,
  before: Referral.ReferralState,
  history: ReadonlyArray<Event>
): Array<string> => {
  const out: Array<string> = []
  const link = history.find(
    (h): h is Extract<Event, { _tag: "MeasureLinkRequested" }> =>
      h._tag === "MeasureLinkRequested" && h.tokenId === e.tokenId
  )
  if (link === undefined) out.push("a link this referral never issued")
  else {
    if (link.timePoint !== e.timePoint) out.push("a link of another time point")
    if (e.at >= link.expiresAt) out.push("after the link expired")
  }
  if (!e.tokenId.startsWith(`${ids[r]}:`)) out.push("another referral's link")
  if (history.some((h) => h._tag === "MeasureLinkAnswered" && h.timePoint === e.timePoint)) out.push("recorded twice")
  if (history.some((h) => h._tag === "PersonalDataErased") || before.personalDataErased) out.push("after erasure")
  if (history.some((h) => h._tag === "ReferralWithdrawn")) out.push("after withdrawal")
  if (e.timePoint === "follow-up" && before.closedAt !== undefined) {
    const w = Deadlines.followUpWindow(before.closedAt, P)
    if (!(w.opensAt <= e.at && e.at < w.closesAt)) out.push("follow-up answered outside the window")
  }
  return out
}

const stats = { requested: 0, answered: 0, refusedAnswers: 0, scheduled: 0, followUp: 0 }

const play = (scenario: {
  readonly starts: readonly [string, string]
  readonly ops: ReadonlyArray<Op>
}): Array<string> => {
  const violations: Array<string> = []
  const refs: [Stream, Stream] = [0, 1].map((r) => {
    const h = F.history(start(r as 0 | 1, scenario.starts[r] as "Submitted"), L.decider)
    return { state: h.state, events: [...h.events] }
  }) as [Stream, Stream]
  const pool: Array<{ tokenId: string; tp: TimePoint }> = []
  let now = Instant.plusMillis(
    [
      refs[0].state.lastEventAt as Instant.Instant,
      refs[1].state.lastEventAt as Instant.Instant
    ].sort()[1] as Instant.Instant,
    60_000
  )

  const exec = (r: 0 | 1, command: Command, fromScheduler = false) => {
    const ref = refs[r]
    const before = ref.state
    const decided = L.decider.decide(command, before)
    if (Result.isFailure(decided)) {
      if (fromScheduler && command._tag === "RequestMeasureLink")
        violations.push(`the scheduler asked for a refused link: ${decided.failure.message}`)
      if (command._tag === "AnswerMeasureLink") stats.refusedAnswers++
      return
    }
    const history = [...ref.events]
    for (const e of decided.success) {
      if (e._tag === "MeasureLinkRequested") {
        stats.requested++
        for (const v of requestViolations(e, before, history)) violations.push(`request: ${v}`)
        pool.push({ tokenId: e.tokenId, tp: e.timePoint })
      }
      if (e._tag === "MeasureLinkAnswered") {
        stats.answered++
        if (e.timePoint === "follow-up") stats.followUp++
        for (const v of answerViolations(e, r, before, history)) violations.push(`answer: ${v}`)
      }
      if (e._tag === "MeasureRecorded" && command._tag === "AnswerMeasureLink" && e.respondent !== "self")
        violations.push("answer: not the client's own measure")
      history.push(e)
      ref.state = L.decider.evolve(ref.state, e)
    }
    ref.events.push(...decided.success)
  }

  for (const o of scenario.ops) {
    const base = (r: 0 | 1, actor: Actor.Actor) => ({ referralId: ids[r], idempotencyKey: key(o.op), actor, at: now })
    switch (o.op) {
      case "advance":
        now = Instant.plusMillis(now, o.ms)
        break
      case "back":
        now = Instant.plusMillis(now, -o.ms)
        break
      case "toWindow": {
        // a jump to around the opening of a closed referral's follow-up window
        const closedAt = refs[o.r].state.closedAt
        if (closedAt !== undefined) now = Instant.plusMillis(Deadlines.followUpWindow(closedAt, P).opensAt, o.ms)
        break
      }
      case "tick":
        for (const r of [0, 1] as const) {
          for (const c of Scheduler.commandsDue(refs[r].state, P, now)) {
            if (c._tag === "RequestMeasureLink") stats.scheduled++
            exec(r, c, true)
          }
        }
        break
      case "request": {
        const actor = o.role === "System" ? F.system : o.role === "Coordinator" ? F.coordinator : F.linkWorkerActor
        exec(o.r, { _tag: "RequestMeasureLink", ...base(o.r, actor), timePoint: o.tp })
        break
      }
      case "clientAnswers": {
        // the client answers their latest link: the measures of its time point still missing, or one of them
        for (const r of [0, 1] as const) {
          const own = pool.filter((l) => l.tokenId.startsWith(`${ids[r]}:`))
          const link = own[own.length - 1]
          if (link === undefined) continue
          const list =
            link.tp === "baseline" ? P.measures.baseline : link.tp === "end" ? P.measures.end : P.measures.followUp
          const missing = list
            .filter(
              (m) => !refs[r].state.measures.some((x) => x.timePoint === link.tp && x.instrument === m.instrument)
            )
            .map((m) => ({ instrument: m.instrument, answers: m.instrument === "swemwbs" ? answers : [1, 2, 1] }))
          if (missing.length === 0) continue
          exec(r, {
            _tag: "AnswerMeasureLink",
            ...base(r, clientOf(r)),
            tokenId: link.tokenId,
            timePoint: link.tp,
            measures: o.partial ? missing.slice(0, 1) : missing
          })
        }
        break
      }
      case "answer": {
        // half the time the referral's own latest link (the client answering), else any link or a made-up one
        const own = pool.filter((l) => l.tokenId.startsWith(`${ids[o.r]}:`))
        const picked = o.pick % 2 === 0 && own.length > 0 ? own[own.length - 1] : pool[o.pick % (pool.length + 1)]
        const link = picked ?? { tokenId: `${ids[o.r]}:made-up:measure-link-sms`, tp: "follow-up" as const }
        // one of the two follow-up measures, the other, or both; or just those still missing (a second answer)
        const swemwbs = { instrument: "swemwbs", answers: o.valid ? answers : [9, ...answers.slice(1)] }
        const ucla = { instrument: "ucla-3", answers: o.valid ? [1, 2, 1] : [1, 2, 7] }
        const chosen = o.pick % 3 === 0 ? [swemwbs] : o.pick % 3 === 1 ? [ucla] : [swemwbs, ucla]
        // a client answering their latest link: the measures of its time point still missing (a second answer, after a partial one)
        const expected = (point: TimePoint) =>
          (point === "baseline" ? P.measures.baseline : point === "end" ? P.measures.end : P.measures.followUp).map(
            (m) =>
              m.instrument === "swemwbs"
                ? swemwbs
                : { instrument: m.instrument, answers: o.valid ? [1, 2, 1] : [1, 2, 7] }
          )
        const missing = expected(link.tp).filter(
          (m) => !refs[o.r].state.measures.some((x) => x.timePoint === link.tp && x.instrument === m.instrument)
        )
        const partial = o.pick % 3 === 0 && missing.length > 1 ? missing.slice(0, 1) : missing
        exec(o.r, {
          _tag: "AnswerMeasureLink",
          ...base(o.r, clientOf(o.r)),
          tokenId: link.tokenId,
          timePoint: o.tp ?? link.tp,
          measures: o.pick % 2 === 0 && partial.length > 0 ? partial : chosen
        })
        break
      }
      case "withdraw":
        exec(o.r, {
          _tag: "RecordConsent",
          ...base(o.r, clientOf(o.r)),
          consent: { purpose: "referral", decision: "withdrawn", method: "verbal" }
        })
        break
      case "sms":
        exec(o.r, {
          _tag: "RecordConsent",
          ...base(o.r, clientOf(o.r)),
          consent: {
            purpose: "contact-by-sms",
            decision: o.granted ? "granted" : "withdrawn",
            method: "verbal",
            ...(o.granted && o.expiresInDays !== undefined
              ? { expiresAt: Instant.plusMillis(now, o.expiresInDays * day) }
              : {})
          }
        })
        break
      case "mobile":
        exec(o.r, {
          _tag: "UpdateContactDetails",
          ...base(o.r, clientOf(o.r)),
          mobileNumber: o.valid ? "040 123 4567" : null
        })
        break
      case "erase":
        exec(o.r, { _tag: "ErasePersonalData", ...base(o.r, F.coordinator), basis: "client-request" })
        break
      case "close":
        exec(o.r, { _tag: "CloseReferral", ...base(o.r, F.linkWorkerActor), outcome: "goals-met", feedback: "Hyvä." })
        break
      case "expire":
        exec(o.r, { _tag: "ExpireFollowUp", ...base(o.r, F.system) })
        break
      case "linkWorkerMeasure":
        exec(o.r, {
          _tag: "RecordMeasure",
          ...base(o.r, F.linkWorkerActor),
          instrument: "swemwbs",
          timePoint: o.tp,
          respondent: "self",
          answers
        })
        break
    }
  }
  // a time point is answered by link at most once per referral
  for (const ref of refs) {
    for (const point of timePoints) {
      if (ref.events.filter((e) => e._tag === "MeasureLinkAnswered" && e.timePoint === point).length > 1)
        violations.push("answered twice")
    }
  }
  return violations
}

describe("measure links over random command sequences (acceptance 2)", () => {
  it("no link outside the rules; a link never records twice, after expiry, for another referral or time point, or after withdrawal or erasure; the scheduler never asks in vain", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const violations = play(s)
        if (violations.length > 0) throw new Error(violations.join("; "))
      }),
      { numRuns: 1000 }
    )
    // the property saw the behaviour it is about (else it could not fail)
    expect(stats.scheduled).toBeGreaterThan(50)
    expect(stats.requested).toBeGreaterThan(100)
    expect(stats.answered).toBeGreaterThan(10)
    expect(stats.followUp).toBeGreaterThan(10)
    expect(stats.refusedAnswers).toBeGreaterThan(100)
  })
})
