/**
 * The other clients of the spring: a made-up cohort whose referrals arrive
 * between March and May and take the paths the model allows (most complete
 * it; some are returned, declined, unreachable, paused, withdrawn; some first
 * calls come late). Three months after closing, some answer the follow-up
 * through the link of the text message (the walk fills their form through
 * HTTP), the link worker records the others' follow-up, and some are missed:
 * the link reaches several clients the link worker could not reach. It gives
 * the evaluation report enough clients to show figures instead of
 * suppressed cells.
 *
 * `members` is pure and seeded, so every run is the same. `plan` turns a
 * member into timed actions, each one a call of the library's API
 * (`ReferralTransport.deliver`, `ReferralService.assign` / `execute`); the
 * walk runs them in time order with the simulated clock.
 */
import {
  type Actor,
  Deadlines,
  FinnishCalendar,
  type Ids,
  Instant,
  LocalTime,
  type ReferralCommand,
  ReferralService,
  ReferralTransport
} from "@lahete/core"
import { Effect } from "effect"
import { zone } from "./clock.ts"
import { coordinator as coordinatorActor, linkWorkerActor, linkWorkers, programme, referrers } from "./people.ts"

/** A deterministic pseudo-random sequence (mulberry32). */
const random = (seed: number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export type Path = "completes" | "rejected" | "declines" | "unreachable" | "withdraws" | "follow-up-missed"

/** How the member's follow-up is collected: by the client through the link, by the link worker, or not at all. */
export type FollowUpBy = "link" | "link-worker" | "missed"

export interface Member {
  readonly index: number
  readonly messageId: string
  readonly referrer: Actor.Actor
  readonly client: {
    readonly givenName: string
    readonly familyName: string
    readonly birthYear: number
    readonly mobileNumber: string
    readonly language: "fi" | "sv"
  }
  readonly reasonCategories: ReadonlyArray<string>
  readonly smsConsent: boolean
  readonly feedbackRequested: boolean
  readonly feedbackConsent: boolean
  readonly path: Path
  /** The coordinator assigns only on the fourth business day: D1 and D2 are missed. */
  readonly late: boolean
  /** A hospital stay pauses the collaboration for two weeks. */
  readonly onHold: boolean
  readonly submitAt: Instant.Instant
  readonly weeks: number
  readonly linkWorkerId: string
  /** How the follow-up is collected (for the members who reach closing). */
  readonly followUpBy: FollowUpBy
  /** Which link message a member who answers by link answers: 0 the first, 1 the first reminder. */
  readonly answersMessage: number
  readonly answers: {
    readonly baseline: ReadonlyArray<number>
    readonly end: ReadonlyArray<number>
    /** ONS4 (0–10): life satisfaction, worthwhile, happiness, anxiety. */
    readonly followUp: ReadonlyArray<number>
  }
}

const givenNames = ["Eino", "Helmi", "Väinö", "Kerttu", "Tauno", "Lempi", "Reino", "Saimi", "Veikko", "Irja"]
const familyNames = ["Korhonen", "Niskanen", "Salmela", "Kallio", "Rautio", "Ylitalo", "Luokkanen", "Tervo"]
const reasons = ["loneliness", "lifestyle-change", "grief", "hard-life-situation", "loneliness"]

/**
 * Paths by member number: every path appears at least twice where the report
 * counts it. "follow-up-missed": the link worker does not reach the client
 * for the follow-up (ten of the forty); half of them answer the link.
 */
const pathOf = (i: number): Path =>
  i === 3 || i === 17
    ? "rejected"
    : i === 6 || i === 21
      ? "declines"
      : i === 11 || i === 26
        ? "unreachable"
        : i === 14
          ? "withdraws"
          : [5, 9, 12, 20, 25, 27, 31, 33, 36, 38].includes(i)
            ? "follow-up-missed"
            : "completes"

const clamp = (x: number) => Math.max(1, Math.min(5, Math.round(x)))
const clamp10 = (x: number) => Math.max(0, Math.min(10, Math.round(x)))

/** Whether the member has agreed to text messages (C2): no link reaches one who has not. */
const smsConsentOf = (i: number) => i % 7 !== 2

/**
 * How the follow-up is collected: five the link worker cannot reach answer
 * the link, and so does every third of the others who get text messages
 * (before the link worker calls); the link worker records the rest's.
 */
const followUpByOf = (i: number): FollowUpBy =>
  pathOf(i) === "follow-up-missed"
    ? [5, 12, 20, 25, 27].includes(i)
      ? "link"
      : "missed"
    : i % 3 === 0 && smsConsentOf(i)
      ? "link"
      : "link-worker"

/** The cohort: `count` clients, referred on business days after `from`, spread over about eleven weeks. */
export const members = (count: number, from: FinnishCalendar.LocalDate): ReadonlyArray<Member> => {
  const next = random(2026)
  const out: Array<Member> = []
  for (let i = 0; i < count; i++) {
    const day = FinnishCalendar.addBusinessDays(from, 1 + Math.floor((i * 54) / count) + Math.floor(next() * 2))
    const minutes = 8 * 60 + 30 + Math.floor(next() * 6 * 60)
    const clock = `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`
    const level = 1.8 + next() * 1.2 // how the client feels at the start, 1–5
    const gain = i % 4 === 1 ? (next() - 0.5) * 0.2 : 0.4 + next() * 1.0 // most improve, every fourth does not
    const baseline = Array.from({ length: 7 }, () => clamp(level + (next() - 0.5)))
    const end = baseline.map((a) => clamp(a + gain + (next() - 0.5) * 0.8))
    const mean = end.reduce((sum, a) => sum + a, 0) / end.length // 1–5
    const followUp = [2 * mean, 2 * mean + 0.5, 2 * mean - 0.5, 10 - 2 * mean].map((x) =>
      clamp10(x + (next() - 0.5) * 2)
    )
    out.push({
      index: i,
      messageId: `ekollega-2026-${String(1000 + i)}`,
      referrer: referrers[i % referrers.length] as Actor.Actor,
      client: {
        givenName: givenNames[i % givenNames.length] as string,
        familyName: familyNames[(i * 3) % familyNames.length] as string,
        birthYear: 1938 + Math.floor(next() * 60),
        mobileNumber: `040 123 ${String(4600 + i)}`,
        language: i % 9 === 4 ? "sv" : "fi"
      },
      reasonCategories: [reasons[i % reasons.length] as string],
      smsConsent: smsConsentOf(i),
      feedbackRequested: next() < 0.7,
      feedbackConsent: next() < 0.75,
      path: pathOf(i),
      late: i % 5 === 4,
      onHold: i === 8 || i === 19,
      submitAt: LocalTime.instantAt(day, clock, zone),
      weeks: 6 + Math.floor(next() * 11),
      linkWorkerId: linkWorkers[i % linkWorkers.length]?.id as string,
      followUpBy: followUpByOf(i),
      answersMessage: i % 2,
      answers: { baseline, end, followUp }
    })
  }
  return out
}

/** One timed action of the plan. */
export interface Action {
  readonly at: Instant.Instant
  readonly what: string
  readonly run: Effect.Effect<
    void,
    ReferralService.ReferralServiceError | ReferralTransport.TransportError,
    ReferralService.ReferralService | ReferralTransport.ReferralTransport
  >
}

const hours = (i: Instant.Instant, h: number) => Instant.plusMillis(i, h * 3_600_000)
const days = (i: Instant.Instant, d: number) => LocalTime.addLocalDays(i, d, zone)
const dayOf = (i: Instant.Instant) => LocalTime.localDateOf(i, zone)
const at = (date: FinnishCalendar.LocalDate, clock: string) => LocalTime.instantAt(date, clock, zone)

/** A call time the rules accept: the next business day at 10.00, or the earliest allowed time after it. */
const callTimeAfter = (scheduledAt: Instant.Instant, withMessage: boolean): Instant.Instant => {
  const preferred = at(FinnishCalendar.addBusinessDays(dayOf(scheduledAt), 1), "10:00")
  const earliest = Deadlines.earliestCallTime({ programme, at: scheduledAt, withMessage })
  // biome-ignore lint/complexity/useMathMinMax: instants are ISO strings, ordered as text
  return preferred > earliest ? preferred : earliest
}

/** The latest day a collaboration may close in the demo (so that every follow-up falls within the year). */
const lastClosingDay = FinnishCalendar.localDate(2026, 9, 15)

/**
 * The member's actions. `referralIdOf` answers the referral id the inbox
 * gave the member's message (known once it has been delivered).
 */
export const plan = (m: Member, referralIdOf: (messageId: string) => Ids.ReferralId): ReadonlyArray<Action> => {
  const actions: Array<Action> = []
  const linkWorker = linkWorkerActor(m.linkWorkerId)
  let keys = 0
  const key = () => `cohort-${m.index}-${++keys}` as Ids.IdempotencyKey
  const add = (when: Instant.Instant, what: string, command: (id: Ids.ReferralId) => ReferralCommand.ReferralCommand) =>
    actions.push({
      at: when,
      what,
      run: Effect.asVoid(
        ReferralService.ReferralService.use((service) => service.execute(command(referralIdOf(m.messageId))))
      )
    })
  const common = (actor: Actor.Actor, when: Instant.Instant) => ({ idempotencyKey: key(), actor, at: when })

  // the referral arrives through the inbox
  actions.push({
    at: m.submitAt,
    what: "referral arrives",
    run: Effect.asVoid(
      ReferralTransport.ReferralTransport.use((transport) =>
        transport.deliver(m.referrer, {
          messageId: m.messageId,
          programmeId: programme.id,
          client: m.client,
          reasonCategories: m.reasonCategories,
          reasonText: "Kuvaus lähetteen syystä (keksitty).",
          exclusionsPresent: [],
          feedbackRequested: m.feedbackRequested,
          consents: [
            { purpose: "referral", decision: "granted", method: "in-appointment" },
            ...(m.smsConsent
              ? [
                  {
                    purpose: "contact-by-sms" as const,
                    decision: "granted" as const,
                    method: "in-appointment" as const
                  }
                ]
              : [])
          ]
        })
      )
    )
  })

  // the coordinator assigns (or returns it): the same or next business day, or late on the fourth
  const submitDay = dayOf(m.submitAt)
  const assignAt = m.late
    ? at(FinnishCalendar.addBusinessDays(submitDay, 4), "09:30")
    : LocalTime.localClockOf(m.submitAt, zone) < "12:00"
      ? at(submitDay, "13:00")
      : at(FinnishCalendar.addBusinessDays(submitDay, 1), "09:00")
  if (m.path === "rejected") {
    add(assignAt, "returned to the referrer", (referralId) => ({
      _tag: "RejectReferral",
      referralId,
      ...common(coordinatorActor, assignAt),
      reason: "clear-professional-need"
    }))
    return actions
  }
  actions.push({
    at: assignAt,
    what: "link worker assigned",
    run: Effect.asVoid(
      ReferralService.ReferralService.use((service) =>
        service.assign({
          referralId: referralIdOf(m.messageId),
          linkWorkerId: m.linkWorkerId as Ids.ActorId,
          actor: coordinatorActor,
          at: assignAt,
          idempotencyKey: key()
        })
      )
    )
  })

  // the link worker sets the call time; the worker sends the text message
  const scheduleAt = hours(assignAt, 1)
  const callAt = callTimeAfter(scheduleAt, m.smsConsent)
  add(scheduleAt, "call scheduled", (referralId) => ({
    _tag: "ScheduleCall",
    referralId,
    ...common(linkWorker, scheduleAt),
    callAt,
    notifyBySms: m.smsConsent
  }))

  if (m.path === "unreachable") {
    // three calls that do not reach the client: the third makes the referral Unreachable
    let call = callAt
    for (let attempt = 1; attempt <= programme.contactAttempts.max; attempt++) {
      const noted = Instant.plusMillis(call, 10 * 60_000)
      const last = attempt === programme.contactAttempts.max
      const nextCall = last ? undefined : callTimeAfter(noted, m.smsConsent)
      add(noted, `call attempt ${attempt} failed`, (referralId) => ({
        _tag: "RecordFailedContactAttempt",
        referralId,
        ...common(linkWorker, noted),
        ...(nextCall === undefined ? {} : { nextCallAt: nextCall }),
        notifyBySms: m.smsConsent
      }))
      if (nextCall !== undefined) call = nextCall
    }
    return actions
  }

  const reachedAt = Instant.plusMillis(callAt, 15 * 60_000)
  add(reachedAt, "first contact", (referralId) => ({
    _tag: "RecordFirstContact",
    referralId,
    ...common(linkWorker, reachedAt),
    outcome: m.path === "declines" ? "declined" : "agreed"
  }))
  if (m.path === "declines") return actions

  add(reachedAt, "contact arrangement", (referralId) => ({
    _tag: "AgreeContactArrangement",
    referralId,
    ...common(linkWorker, reachedAt),
    way: "in-person",
    frequency: "weekly",
    place: m.index % 2 === 0 ? "community-activity" : "agreed-place"
  }))

  // weekly meetings; the baseline measure at the first
  const firstDay = dayOf(reachedAt)
  const weeks = Math.max(3, Math.min(m.weeks, Math.floor(FinnishCalendar.daysBetween(firstDay, lastClosingDay) / 7)))
  let lastMeeting = reachedAt
  for (let week = 1; week <= weeks; week++) {
    if (m.onHold && (week === 3 || week === 4)) continue
    const meetingAt = at(FinnishCalendar.addDays(firstDay, 7 * week), "10:00")
    const recordedAt = hours(meetingAt, 2)
    add(recordedAt, `meeting ${week}`, (referralId) => ({
      _tag: "RecordMeeting",
      referralId,
      ...common(linkWorker, recordedAt),
      meetingAt,
      place: week % 3 === 0 ? "community-activity" : "agreed-place",
      durationMinutes: 60
    }))
    if (week === 1) {
      add(recordedAt, "baseline measure", (referralId) => ({
        _tag: "RecordMeasure",
        referralId,
        ...common(linkWorker, recordedAt),
        instrument: "swemwbs",
        timePoint: "baseline",
        respondent: "self",
        answers: m.answers.baseline
      }))
    }
    if (m.onHold && week === 2) {
      const pausedAt = days(recordedAt, 1)
      add(pausedAt, "paused (hospital stay)", (referralId) => ({
        _tag: "PutOnHold",
        referralId,
        ...common(linkWorker, pausedAt),
        reason: "hospital-stay"
      }))
      const resumedAt = days(pausedAt, 14)
      add(resumedAt, "resumed", (referralId) => ({
        _tag: "ResumeReferral",
        referralId,
        ...common(linkWorker, resumedAt)
      }))
    }
    if (m.path === "withdraws" && week === 3) {
      const withdrawnAt = hours(recordedAt, 1)
      add(withdrawnAt, "consent withdrawn", (referralId) => ({
        _tag: "RecordConsent",
        referralId,
        ...common(linkWorker, withdrawnAt),
        consent: { purpose: "referral", decision: "withdrawn", method: "verbal" }
      }))
      return actions
    }
    lastMeeting = recordedAt
  }

  // closing: the end measure, the client's feedback decision, the outcome
  const closedAt = hours(lastMeeting, 1)
  add(closedAt, "end measure", (referralId) => ({
    _tag: "RecordMeasure",
    referralId,
    ...common(linkWorker, closedAt),
    instrument: "swemwbs",
    timePoint: "end",
    respondent: "self",
    answers: m.answers.end
  }))
  if (m.feedbackRequested) {
    add(closedAt, "feedback decision", (referralId) => ({
      _tag: "RecordConsent",
      referralId,
      ...common(linkWorker, closedAt),
      consent: {
        purpose: "feedback-to-referrer",
        decision: m.feedbackConsent ? "granted" : "refused",
        method: "in-appointment"
      }
    }))
  }
  add(closedAt, "closed", (referralId) => ({
    _tag: "CloseReferral",
    referralId,
    ...common(linkWorker, closedAt),
    outcome: m.index % 4 === 0 ? "goals-met" : "continues-in-community-activity",
    feedback: "Loppupalaute (keksitty): asiakas löysi itselleen sopivaa toimintaa."
  }))

  // the follow-up, three months later, within its window: the link worker records it unless the client
  // answers the link (the walk fills the form when the message arrives) or it is missed
  if (m.followUpBy !== "link-worker") return actions
  const window = Deadlines.followUpWindow(closedAt, programme)
  const followUpAt = at(FinnishCalendar.addDays(dayOf(window.opensAt), 6 + (m.index % 12)), "11:00")
  add(followUpAt, "follow-up measure", (referralId) => ({
    _tag: "RecordMeasure",
    referralId,
    ...common(linkWorker, followUpAt),
    instrument: "ons4",
    timePoint: "follow-up",
    respondent: "self",
    answers: m.answers.followUp
  }))
  return actions
}
