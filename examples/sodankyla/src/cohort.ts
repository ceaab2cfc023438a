/**
 * The other clients of the spring: referrals made by the followed nurse's
 * colleagues from March to April 2026, each with a planned course (made up,
 * and the same on every run: the answers come from a seeded generator).
 *
 * Most complete the model: assignment the next working day, a call two
 * working days after the referral, weekly meetings for 6 to 14 weeks, ESIS
 * and SWEMWBS at the start and at the end, SWEMWBS three months after
 * closing. Some do not, so that the evaluation report has something to
 * count: one referral is returned, two clients decline at the first call,
 * six first calls come after the three-working-day deadline (D2), five
 * follow-ups are missed, one end ESIS has an item left unanswered, and three
 * referrers fill the proxy SWEMWBS.
 *
 * Every action runs through the same API as the followed client's: the
 * referral arrives through the FHIR transport, the rest through
 * `ReferralService`, each stamped with the simulated clock's time.
 */
import {
  type Actor,
  Deadlines,
  FinnishCalendar,
  Ids,
  Instant,
  LocalTime,
  type Programme,
  type ReferralCommand,
  ReferralService,
  ReferralTransport,
  Scheduler
} from "@lahete/core"
import { Clock, Data, Effect } from "effect"
import { zone } from "./clock.js"
import * as Coordinator from "./coordinator.js"
import { colleagues, coordinator, linkWorkerActor, programme } from "./people.js"
import type { Services } from "./setup.js"

/** How one client's referral goes. */
export type Course = "completed" | "rejected" | "declined"

/** The answers a client gives (ESIS 10 items 1–5, SWEMWBS 7 items 1–5; `null` an item left empty). */
export interface Answers {
  readonly esisBaseline: ReadonlyArray<number>
  readonly esisEnd: ReadonlyArray<number | null>
  readonly swemwbsBaseline: ReadonlyArray<number>
  readonly swemwbsEnd: ReadonlyArray<number>
  readonly swemwbsFollowUp: ReadonlyArray<number>
  /** The referrer's view at the start (proxy SWEMWBS), when they fill it. */
  readonly swemwbsProxy?: ReadonlyArray<number>
}

export interface Member {
  readonly index: number
  /** The health centre system's message id (its idempotency key at the FHIR server). */
  readonly messageId: string
  readonly referrer: Actor.Actor
  readonly client: {
    readonly givenName: string
    readonly familyName: string
    readonly birthYear: number
    readonly language: Programme.Language
  }
  readonly reasonCategory: string
  readonly submittedAt: Instant.Instant
  readonly course: Course
  /** The first call comes after D2 (the coordinator assigns late). */
  readonly lateFirstContact: boolean
  readonly followUpMissed: boolean
  /** Collaboration length in weeks (meetings). */
  readonly weeks: number
  readonly answers: Answers
}

const givenNames = ["Aino", "Heikki", "Kaarina", "Matti", "Sári", "Raili", "Jouni", "Inga", "Toivo", "Liisa", "Ovlla"]
const familyNames = ["Keskitalo", "Sarre", "Mäkelä", "Länsman", "Rautio", "Hettaniemi", "Magga", "Kitti", "Ylitalo"]
const reasons = ["loneliness", "low-activity", "grief", "hard-life-situation", "loneliness", "lifestyle-change"]

const rejected = new Set([5])
const declined = new Set([9, 17])
const late = new Set([0, 4, 8, 13, 19, 22])
const missedFollowUp = new Set([3, 10, 12, 16, 20])
const proxies = new Set([2, 7, 14])
const unansweredEsisItem = new Set([11])

/** A small seeded generator (mulberry32), so every run makes the same answers. */
const random = (seed: number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/** Moves the sum of the answers by `delta`, one step on one item at a time, within 1–5. */
export const shift = (answers: ReadonlyArray<number>, delta: number): ReadonlyArray<number> => {
  const out = [...answers]
  const step = Math.sign(delta)
  let left = Math.abs(delta)
  for (let k = 0; left > 0 && k < out.length * 5; k++) {
    const i = k % out.length
    const next = (out[i] as number) + step
    if (next >= 1 && next <= 5) {
      out[i] = next
      left--
    }
  }
  return out
}

/** The `count` other clients (at most 40). */
export const members = (count = 24): ReadonlyArray<Member> =>
  Array.from({ length: Math.min(count, 40) }, (_, index): Member => {
    const next = random(2026 + index * 7919)
    const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1))
    const day = FinnishCalendar.addBusinessDays(
      FinnishCalendar.localDate(2026, 3, 2),
      Math.floor((index * 40) / Math.max(count, 1))
    )
    const clock = ["08:30", "09:45", "11:00", "12:15", "13:30"][index % 5] as string
    const esisBaseline = Array.from({ length: 10 }, () => int(2, 3))
    const esisEnd = shift(esisBaseline, int(-1, 6))
    const swemwbsBaseline = Array.from({ length: 7 }, () => int(2, 3))
    const swemwbsEnd = shift(swemwbsBaseline, int(-1, 7))
    const swemwbsFollowUp = shift(swemwbsEnd, int(-3, 1))
    return {
      index,
      messageId: `sodankyla-hc-2026-${String(index + 1).padStart(4, "0")}`,
      referrer: colleagues[index % colleagues.length] as Actor.Actor,
      client: {
        givenName: givenNames[index % givenNames.length] as string,
        familyName: familyNames[(index * 4) % familyNames.length] as string,
        birthYear: 1942 + ((index * 7) % 42),
        language: index % 6 === 1 ? "se" : index % 8 === 3 ? "sv" : "fi"
      },
      reasonCategory: reasons[index % reasons.length] as string,
      submittedAt: LocalTime.instantAt(day, clock, zone),
      course: rejected.has(index) ? "rejected" : declined.has(index) ? "declined" : "completed",
      lateFirstContact: late.has(index),
      followUpMissed: missedFollowUp.has(index),
      weeks: 6 + ((index * 5) % 9),
      answers: {
        esisBaseline,
        esisEnd: unansweredEsisItem.has(index) ? esisEnd.map((a, i) => (i === 6 ? null : a)) : esisEnd,
        swemwbsBaseline,
        swemwbsEnd,
        swemwbsFollowUp,
        ...(proxies.has(index) ? { swemwbsProxy: shift(swemwbsBaseline, int(-3, 2)) } : {})
      }
    }
  })

/** One planned action of a member. */
export interface Action {
  readonly at: Instant.Instant
  readonly what: string
  readonly run: Effect.Effect<
    void,
    ReferralService.ReferralServiceError | ReferralTransport.TransportError | Failure,
    Services
  >
}

/** A planned step that could not be taken (e.g. no link worker could be assigned). */
export class Failure extends Data.TaggedError("Failure")<{ readonly reason: string }> {}

const at = (date: FinnishCalendar.LocalDate, clock: string) => LocalTime.instantAt(date, clock, zone)

/**
 * The member's actions, each at its time. `ids` is where the delivery
 * leaves the referral id that the later actions use.
 */
export const plan = (m: Member, ids: Map<string, Ids.ReferralId>): ReadonlyArray<Action> => {
  const actions: Array<Action> = []
  const add = (when: Instant.Instant, what: string, run: Action["run"]) => actions.push({ at: when, what, run })
  const referralId = () => ids.get(m.messageId) as Ids.ReferralId
  const key = (what: string) => Ids.IdempotencyKey.make(`${m.messageId}:${what}`)
  const now = Effect.map(Clock.currentTimeMillis, Instant.make)
  const execute = (
    command: (common: {
      readonly referralId: Ids.ReferralId
      readonly at: Instant.Instant
    }) => ReferralCommand.ReferralCommand
  ) =>
    Effect.gen(function* () {
      const service = yield* ReferralService.ReferralService
      yield* service.execute(command({ referralId: referralId(), at: yield* now }))
    })
  const day = LocalTime.localDateOf(m.submittedAt, zone)

  // the referral arrives from the health centre's system
  add(
    m.submittedAt,
    "referral",
    Effect.gen(function* () {
      const transport = yield* ReferralTransport.ReferralTransport
      const receipt = yield* transport.deliver(m.referrer, {
        messageId: m.messageId,
        programmeId: programme.id,
        client: m.client,
        reasonCategories: [m.reasonCategory],
        reasonText: "Kaipaa seuraa ja mielekästä tekemistä arkeen.",
        exclusionsPresent: [],
        feedbackRequested: m.index % 3 === 0,
        consents: [
          { purpose: "referral", decision: "granted", method: "in-appointment" },
          ...(m.answers.swemwbsProxy === undefined
            ? []
            : [{ purpose: "proxy-measure", decision: "granted", method: "in-appointment" } as const])
        ]
      })
      ids.set(m.messageId, receipt.referralId)
    })
  )
  const proxy = m.answers.swemwbsProxy
  if (proxy !== undefined) {
    add(
      Instant.plusMillis(m.submittedAt, 10 * 60_000),
      "proxy SWEMWBS",
      execute((c) => ({
        _tag: "RecordMeasure",
        ...c,
        idempotencyKey: key("proxy-swemwbs"),
        actor: m.referrer,
        instrument: "swemwbs",
        timePoint: "baseline",
        respondent: "proxy",
        answers: proxy
      }))
    )
  }

  const assignDay = FinnishCalendar.addBusinessDays(day, m.lateFirstContact ? 4 : 1)
  if (m.course === "rejected") {
    add(
      at(assignDay, "10:00"),
      "rejection",
      execute((c) => ({
        _tag: "RejectReferral",
        ...c,
        idempotencyKey: key("reject"),
        actor: coordinator,
        reason: "clear-professional-need"
      }))
    )
    return actions
  }

  // the coordinator assigns whoever may be assigned (and speaks the client's language, if anyone does)
  let linkWorker: Actor.Actor | undefined
  add(
    at(assignDay, "10:00"),
    "assignment",
    Effect.gen(function* () {
      const service = yield* ReferralService.ReferralService
      const time = yield* now
      const chosen = Coordinator.pick(yield* Coordinator.assignmentOptions(time), m.client.language)
      if (chosen === undefined) return yield* Effect.fail(new Failure({ reason: "no link worker may be assigned" }))
      linkWorker = linkWorkerActor(chosen.worker)
      yield* service.assign({
        referralId: referralId(),
        linkWorkerId: chosen.worker.id,
        actor: coordinator,
        at: time,
        idempotencyKey: key("assign")
      })
    })
  )
  const worker = () => linkWorker as Actor.Actor

  const callAt = at(FinnishCalendar.addBusinessDays(assignDay, 1), "11:00")
  add(
    at(assignDay, "12:00"),
    "call time",
    execute((c) => ({
      _tag: "ScheduleCall",
      ...c,
      idempotencyKey: key("schedule-call"),
      actor: worker(),
      callAt,
      notifyBySms: false
    }))
  )
  const contactAt = Instant.plusMillis(callAt, 20 * 60_000)
  add(
    contactAt,
    "first contact",
    execute((c) => ({
      _tag: "RecordFirstContact",
      ...c,
      idempotencyKey: key("first-contact"),
      actor: worker(),
      outcome: m.course === "declined" ? "declined" : "agreed"
    }))
  )
  if (m.course === "declined") return actions

  const measure = (
    when: Instant.Instant,
    instrument: "esis" | "swemwbs",
    timePoint: "baseline" | "end" | "follow-up",
    answers: ReadonlyArray<number | null>
  ) =>
    add(
      when,
      `${timePoint} ${instrument}`,
      execute((c) => ({
        _tag: "RecordMeasure",
        ...c,
        idempotencyKey: key(`${timePoint}-${instrument}`),
        actor: worker(),
        instrument,
        timePoint,
        respondent: "self",
        answers
      }))
    )
  const baselineAt = Instant.plusMillis(contactAt, 5 * 60_000)
  measure(baselineAt, "esis", "baseline", m.answers.esisBaseline)
  measure(Instant.plusMillis(baselineAt, 60_000), "swemwbs", "baseline", m.answers.swemwbsBaseline)

  let lastMeeting = callAt
  for (let week = 1; week <= m.weeks; week++) {
    const meetingAt = LocalTime.addLocalDays(at(LocalTime.localDateOf(callAt, zone), "13:00"), 7 * week, zone)
    lastMeeting = meetingAt
    add(
      Instant.plusMillis(meetingAt, 2 * 3_600_000),
      `meeting ${week}`,
      execute((c) => ({
        _tag: "RecordMeeting",
        ...c,
        idempotencyKey: key(`meeting-${week}`),
        actor: worker(),
        meetingAt,
        place: week % 3 === 0 ? "community-activity" : "agreed-place",
        durationMinutes: 60
      }))
    )
  }

  const endAt = LocalTime.addLocalDays(at(LocalTime.localDateOf(lastMeeting, zone), "10:00"), 1, zone)
  measure(endAt, "esis", "end", m.answers.esisEnd)
  measure(Instant.plusMillis(endAt, 60_000), "swemwbs", "end", m.answers.swemwbsEnd)
  const closedAt = Instant.plusMillis(endAt, 10 * 60_000)
  add(
    closedAt,
    "closing",
    execute((c) => ({
      _tag: "CloseReferral",
      ...c,
      idempotencyKey: key("close"),
      actor: worker(),
      outcome: m.index % 4 === 0 ? "continues-in-community-activity" : "goals-met",
      feedback: "Tapasimme viikoittain; asiakas löysi kylältä mieluisan ryhmän."
    }))
  )

  const window = Deadlines.followUpWindow(closedAt, programme)
  if (m.followUpMissed) {
    // nobody reached the client in the window: once it has closed, the follow-up is recorded as missed
    add(
      Instant.plusMillis(window.closesAt, 3_600_000),
      "follow-up missed",
      execute((c) => ({
        _tag: "ExpireFollowUp",
        ...c,
        idempotencyKey: key("follow-up-expired"),
        actor: Scheduler.systemActor
      }))
    )
  } else {
    measure(
      at(FinnishCalendar.nextBusinessDay(window.dueDay), "10:00"),
      "swemwbs",
      "follow-up",
      m.answers.swemwbsFollowUp
    )
  }
  return actions
}
