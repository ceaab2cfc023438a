/**
 * A generated cohort for the evaluation tests: referrals of both presets
 * driven through the decider along varied paths (rejected, cancelled,
 * withdrawn, unreachable, declined, active, on hold, closed, followed up),
 * with measures (some incomplete). Each referral comes with the plan the test
 * computes its expected figures from, independently of the report code.
 */
import {
  Actor,
  Deadlines,
  Ids,
  Instant,
  Presets,
  type Programme,
  type ReferralCommand,
  type ReferralEvent
} from "@lahete/core"
import { Fixtures } from "@lahete/testing"
import { Result, Schema } from "effect"
import * as Instruments from "../../src/Instruments.js"

type Cmd = ReferralCommand.ReferralCommand
type Status =
  | "Submitted"
  | "Assigned"
  | "ContactScheduled"
  | "Active"
  | "OnHold"
  | "Closed"
  | "FollowedUp"
  | "Rejected"
  | "Declined"
  | "Unreachable"
  | "Cancelled"
  | "Withdrawn"

const rid = Schema.decodeSync(Ids.ReferralId)
const sid = Schema.decodeSync(Ids.SubjectId)
export const hour = 3_600_000
export const plus = (i: Instant.Instant, hours: number) => Instant.plusMillis(i, hours * hour)

/** A small deterministic generator (mulberry32), so the cohort is the same on every run. */
export const random = (seed: number) => {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p: number) => next() < p
  }
}

/** What the test planned for one referral: the independent record the expected figures come from. */
export interface Plan {
  programme: Programme.Programme
  profession: string
  status: Status
  submittedAt: Instant.Instant
  contactCallAt?: Instant.Instant
  startedAt?: Instant.Instant
  closedAt?: Instant.Instant
  followUp?: "recorded" | "missed"
  forms: Array<{ instrument: string; timePoint: string; respondent: "self" | "proxy"; answers: Array<number | null> }>
}

/** facts.md §2: SWEMWBS raw → metric. */
export const metric: Record<number, number> = {
  7: 7.0,
  8: 9.51,
  9: 11.25,
  10: 12.4,
  11: 13.33,
  12: 14.08,
  13: 14.75,
  14: 15.32,
  15: 15.84,
  16: 16.36,
  17: 16.88,
  18: 17.43,
  19: 17.98,
  20: 18.59,
  21: 19.25,
  22: 19.98,
  23: 20.73,
  24: 21.54,
  25: 22.35,
  26: 23.21,
  27: 24.11,
  28: 25.03,
  29: 26.02,
  30: 27.03,
  31: 28.13,
  32: 29.31,
  33: 30.7,
  34: 32.55,
  35: 35.0
}

/**
 * Builds one referral's commands through the decider (every command must be
 * accepted), choosing its path with the generator, and records the plan.
 */
const buildReferral = (
  k: number,
  rng: ReturnType<typeof random>,
  programme: Programme.Programme,
  profession: string,
  submittedAt: Instant.Instant
): { events: ReadonlyArray<ReferralEvent.ReferralEvent>; plan: Plan } => {
  const referralId = rid(`r-${programme.id}-${k}`)
  const referrer = Actor.make("Referrer", `referrer-${profession}`, "wellbeing-centre", profession)
  const sodankyla = programme.id === Presets.sodankyla.id
  let state = Fixtures.decider.initialState
  const events: Array<ReferralEvent.ReferralEvent> = []
  const run = (c: Cmd) => {
    const cmd = { ...c, referralId } as Cmd
    const r = Fixtures.decider.decide(cmd, state)
    if (Result.isFailure(r)) throw new Error(`cohort ${k}: ${c._tag} refused: ${r.failure.message}`)
    for (const e of r.success) {
      events.push(e)
      state = Fixtures.decider.evolve(state, e)
    }
    return r.success
  }
  const tryRun = (c: Cmd) => Result.isSuccess(Fixtures.decider.decide({ ...c, referralId } as Cmd, state))
  const plan: Plan = { programme, profession, status: "Submitted", submittedAt, forms: [] }
  const answers = (items: number, min: number, max: number, shift: number): Array<number | null> => {
    const a: Array<number | null> = Array.from({ length: items }, () =>
      Math.max(min, Math.min(max, rng.int(min, max - 1) + shift))
    )
    if (rng.chance(0.08)) a[rng.int(0, items - 1)] = null
    return a
  }
  const measure = (timePoint: "baseline" | "end" | "follow-up", at: Instant.Instant, shift: number) => {
    const expected =
      timePoint === "baseline"
        ? programme.measures.baseline
        : timePoint === "end"
          ? programme.measures.end
          : programme.measures.followUp
    let when = at
    for (const m of expected) {
      const instrument = Instruments.defaults.get(m.instrument)
      if (instrument === undefined) throw new Error("unknown instrument")
      const a = answers(instrument.items, instrument.scale.min, instrument.scale.max, shift)
      run(
        Fixtures.measure({
          at: when,
          instrument: m.instrument,
          timePoint,
          respondent: m.respondent,
          answers: a,
          ...(m.respondent === "proxy" ? { actor: referrer } : {})
        })
      )
      plan.forms.push({ instrument: m.instrument, timePoint, respondent: m.respondent, answers: a })
      when = plus(when, 0.1)
    }
  }

  run(
    Fixtures.submit({
      at: submittedAt,
      actor: referrer,
      programmeId: programme.id,
      subjectId: sid(`s-${programme.id}-${k}`),
      consents: sodankyla
        ? [...Fixtures.defaultConsents, Fixtures.consentGiven("proxy-measure")]
        : Fixtures.defaultConsents
    })
  )
  const roll = rng.next()
  if (roll < 0.05) {
    run(Fixtures.reject({ at: plus(submittedAt, 2) }))
    plan.status = "Rejected"
    return { events, plan }
  }
  if (roll < 0.09) {
    run(Fixtures.cancel({ at: plus(submittedAt, 3), actor: referrer }))
    plan.status = "Cancelled"
    return { events, plan }
  }
  if (roll < 0.12) {
    run(Fixtures.recordConsent("referral", "withdrawn", { actor: Fixtures.coordinator, at: plus(submittedAt, 1) }))
    plan.status = "Withdrawn"
    return { events, plan }
  }
  if (roll < 0.14) return { events, plan }
  const assignAt = plus(submittedAt, rng.chance(0.15) ? rng.int(60, 120) : rng.int(1, 20))
  run(
    Fixtures.assign({
      at: assignAt,
      linkWorker: Fixtures.linkWorker({ refresherTrainings: [plus(assignAt, -24)] })
    })
  )
  plan.status = "Assigned"
  if (roll < 0.16) return { events, plan }
  const scheduleAt = plus(assignAt, 1)
  let callAt = Deadlines.earliestCallTime({ programme, at: plus(scheduleAt, rng.int(0, 40)), withMessage: false })
  const schedule = Fixtures.scheduleCall({ at: scheduleAt, callAt, notifyBySms: false })
  if (!tryRun(schedule)) {
    callAt = Deadlines.earliestCallTime({ programme, at: scheduleAt, withMessage: false })
  }
  run(Fixtures.scheduleCall({ at: scheduleAt, callAt, notifyBySms: false }))
  plan.status = "ContactScheduled"
  if (roll < 0.18) return { events, plan }
  if (roll < 0.23) {
    // every attempt fails
    for (let attempt = 1; attempt < programme.contactAttempts.max; attempt++) {
      const at = plus(callAt, 1)
      callAt = Deadlines.earliestCallTime({ programme, at: plus(at, 12), withMessage: false })
      run(Fixtures.failedAttempt({ at, nextCallAt: callAt, notifyBySms: false }))
    }
    run(Fixtures.lastFailedAttempt({ at: plus(callAt, 1) }))
    plan.status = "Unreachable"
    return { events, plan }
  }
  if (rng.chance(0.15)) {
    const at = plus(callAt, 1)
    callAt = Deadlines.earliestCallTime({ programme, at: plus(at, rng.int(10, 60)), withMessage: false })
    run(Fixtures.failedAttempt({ at, nextCallAt: callAt, notifyBySms: false }))
  }
  const contactAt = plus(callAt, 1)
  plan.contactCallAt = callAt
  if (roll < 0.28) {
    run(Fixtures.firstContact({ at: contactAt, outcome: "declined" }))
    plan.status = "Declined"
    return { events, plan }
  }
  run(Fixtures.firstContact({ at: contactAt }))
  plan.status = "Active"
  plan.startedAt = contactAt
  const improver = rng.chance(0.6) ? 1 : 0
  measure("baseline", plus(contactAt, 1), 0)
  if (roll < 0.33) return { events, plan }
  if (roll < 0.36) {
    run(Fixtures.putOnHold({ at: plus(contactAt, 24 * 20) }))
    plan.status = "OnHold"
    return { events, plan }
  }
  const closeAt = plus(contactAt, 24 * rng.int(20, 170))
  if (rng.chance(0.85)) measure("end", plus(closeAt, -2), improver)
  run(Fixtures.close({ at: closeAt }))
  plan.status = "Closed"
  plan.closedAt = closeAt
  const window = Deadlines.followUpWindow(closeAt, programme)
  const f = rng.next()
  if (f < 0.5) {
    measure("follow-up", plus(window.opensAt, 24 * 2), improver)
    plan.status = "FollowedUp"
    plan.followUp = "recorded"
  } else if (f < 0.75) {
    run(Fixtures.expireFollowUp({ at: plus(window.closesAt, 1) }))
    plan.status = "FollowedUp"
    plan.followUp = "missed"
  } else {
    // nobody expired it: the report counts it missed once the window has closed before asOf
    plan.followUp = "missed"
  }
  return { events, plan }
}

export const start = Instant.make(Date.parse("2026-03-02T07:00:00.000Z"))

export const cohort = (
  size: number,
  seed: number,
  professionOf: (k: number, rng: ReturnType<typeof random>) => string
): { histories: Array<ReadonlyArray<ReferralEvent.ReferralEvent>>; plans: Array<Plan> } => {
  const rng = random(seed)
  const histories: Array<ReadonlyArray<ReferralEvent.ReferralEvent>> = []
  const plans: Array<Plan> = []
  for (let k = 0; k < size; k++) {
    const programme = k % 3 === 2 ? Presets.sodankyla : Presets.kemijarvi
    const { events, plan } = buildReferral(k, rng, programme, professionOf(k, rng), plus(start, k * 17 + rng.int(0, 9)))
    histories.push(events)
    plans.push(plan)
  }
  return { histories, plans }
}
