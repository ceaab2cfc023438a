/**
 * The measure link (domain specification §10), example by example: when the
 * link message is asked for (the follow-up window, C2, reminders, quiet
 * hours, withdrawal and erasure), how an answer becomes the client's own
 * `RecordMeasure`, and why a link answers once, for its own referral and
 * time point, before it expires. The strict programme setting and the
 * signed token are here too; the property over random sequences is in
 * `MeasureLink.properties.test.ts`.
 */
import { describe, expect, it } from "@effect/vitest"
import {
  Deadlines,
  Ids,
  Instant,
  LocalTime,
  MeasureLink,
  MeasureLinkToken,
  Presets,
  Programme,
  type Referral,
  type ReferralEvent,
  Scheduler
} from "@lahete/core"
import { Fixtures as F } from "@lahete/testing"
import { Effect, Redacted, Result } from "effect"
import * as L from "./support/measureLinks.js"

const run = (state: Referral.ReferralState, command: Parameters<Referral.Decider["decide"]>[0]) => {
  const r = L.decider.decide(command, state)
  if (Result.isFailure(r)) return { ok: false as const, error: r.failure, state }
  let s = state
  for (const e of r.success) s = L.decider.evolve(s, e)
  return { ok: true as const, events: r.success, state: s }
}
const accepted = (state: Referral.ReferralState, command: Parameters<Referral.Decider["decide"]>[0]) => {
  const r = run(state, command)
  if (!r.ok) throw new Error(`refused: ${r.error._tag} ${r.error.message}`)
  return r
}

const closed = F.history(L.path("Closed"), L.decider).state
const afterClosing = Instant.plusMillis(closed.lastEventAt as Instant.Instant, 3_600_000)
const window = Deadlines.followUpWindow(closed.closedAt as Instant.Instant, L.programme)
// the window opens at local midnight: quiet hours until 08:00
const opens = window.opensAt
const linkOf = (events: ReadonlyArray<ReferralEvent.ReferralEvent>) =>
  events.find(
    (e): e is Extract<ReferralEvent.ReferralEvent, { _tag: "MeasureLinkRequested" }> =>
      e._tag === "MeasureLinkRequested"
  )

describe("asking for the follow-up link", () => {
  it("the scheduler asks when the window opens, the message waits for the end of quiet hours, the link expires with the window at the latest", () => {
    expect(Scheduler.commandsDue(closed, L.programme, Instant.plusMillis(opens, -1)).map((c) => c._tag)).not.toContain(
      "RequestMeasureLink"
    )
    const due = Scheduler.commandsDue(closed, L.programme, opens).filter((c) => c._tag === "RequestMeasureLink")
    expect(due).toHaveLength(1)
    const r = accepted(closed, due[0] as never)
    const link = linkOf(r.events)
    expect(link).toMatchObject({
      timePoint: "follow-up",
      reminder: 0,
      sendAfter: LocalTime.instantAt(LocalTime.localDateOf(opens, "Europe/Helsinki"), "08:00", "Europe/Helsinki")
    })
    expect(link?.expiresAt).toBe(LocalTime.addLocalDays(opens, 10, "Europe/Helsinki"))
    expect(link?.tokenId.startsWith(`${F.referralId}:`)).toBe(true)
    // the index learns when to come back: the first reminder, five days on
    expect(MeasureLink.nextSendAt(r.state, L.programme, opens)).toBe(
      LocalTime.addLocalDays(opens, 5, "Europe/Helsinki")
    )
  })

  it("a link asked for near the window's close expires with the window, not validDays later", () => {
    const late = Instant.plusMillis(window.closesAt, -3 * 86_400_000)
    const link = linkOf(accepted(closed, L.request("follow-up", late)).events)
    expect(link?.expiresAt).toBe(window.closesAt)
    expect(link?.sendBefore).toBe(window.closesAt)
  })

  it("quiet hours: a link asked for at 22:00 on the window's last day could not be sent before it expires, so it is refused", () => {
    const lateEvening = Instant.plusMillis(window.closesAt, -2 * 3_600_000)
    const r = run(closed, L.request("follow-up", lateEvening))
    expect(r.ok ? "" : r.error).toMatchObject({
      _tag: "TransitionNotAllowed",
      detail: "quiet hours last until the link would expire"
    })
    expect(MeasureLink.sendsDue(closed, L.programme, lateEvening)).toEqual([])
  })

  it("before the window: TooEarly; at or after its close: refused", () => {
    const early = run(closed, L.request("follow-up", Instant.plusMillis(opens, -1)))
    expect(early.ok ? "" : early.error._tag).toBe("TooEarly")
    const after = run(closed, L.request("follow-up", window.closesAt))
    expect(after.ok ? "" : after.error._tag).toBe("TransitionNotAllowed")
  })

  it("C2: no link without contact-by-sms consent in force, nor without a valid number", () => {
    const noConsent = accepted(
      closed,
      F.recordConsent("contact-by-sms", "withdrawn", { actor: F.linkWorkerActor, at: afterClosing })
    ).state
    const r = run(noConsent, L.request("follow-up", L.days(opens, 1)))
    expect(r.ok ? "" : r.error).toMatchObject({ _tag: "ConsentMissing", purpose: "contact-by-sms", rule: "C2" })
    expect(Scheduler.commandsDue(noConsent, L.programme, L.days(opens, 1)).map((c) => c._tag)).not.toContain(
      "RequestMeasureLink"
    )
    expect(MeasureLink.nextSendAt(noConsent, L.programme, afterClosing)).toBeUndefined()
    const noNumber = { ...closed, validMobile: false }
    const n = run(noNumber, L.request("follow-up", L.days(opens, 1)))
    expect(n.ok ? "" : n.error._tag).toBe("MobileNumberMissing")
  })

  it("C5: never after the client withdrew (the referral has ended)", () => {
    const withdrawn = accepted(
      closed,
      F.recordConsent("referral", "withdrawn", { actor: F.coordinator, at: afterClosing })
    ).state
    expect(withdrawn.status).toBe("Withdrawn")
    const r = run(withdrawn, L.request("follow-up", L.days(opens, 1)))
    expect(r.ok).toBe(false)
    expect(MeasureLink.plannedSends(withdrawn, L.programme, afterClosing)).toEqual([])
  })

  it("reminders: at most reminders.max after the first, intervalDays apart", () => {
    let s = accepted(closed, L.request("follow-up", opens)).state
    const tooSoon = run(s, L.request("follow-up", L.days(opens, 4)))
    expect(tooSoon.ok ? "" : tooSoon.error._tag).toBe("TooEarly")
    s = accepted(s, L.request("follow-up", L.days(opens, 5))).state
    s = accepted(s, L.request("follow-up", L.days(opens, 10))).state
    expect(MeasureLink.issued(s, "follow-up").map((l) => l.reminder)).toEqual([0, 1, 2])
    const fourth = run(s, L.request("follow-up", L.days(opens, 15)))
    expect(fourth.ok ? "" : fourth.error._tag).toBe("TransitionNotAllowed")
    expect(MeasureLink.nextSendAt(s, L.programme, L.days(opens, 10))).toBeUndefined()
  })

  it("a programme without measureLinks, or without the time point, sends no link", () => {
    const v1 = F.history(
      F.pathTo.Closed().map((c) => (c._tag === "SubmitReferral" ? { ...c, programmeVersion: 1 } : c)),
      L.decider
    ).state
    expect(v1.programme?.version).toBe(1)
    const r = run(v1, L.request("follow-up", L.days(opens, 1)))
    expect(r.ok ? "" : r.error).toMatchObject({ _tag: "InvalidCommand", field: "timePoint" })
  })
})

describe("answering a link", () => {
  const withLink = accepted(closed, L.request("follow-up", opens))
  const link = linkOf(withLink.events) as NonNullable<ReturnType<typeof linkOf>>
  const at = L.days(opens, 1)

  it("the answers become the client's own RecordMeasure (respondent self), and complete the follow-up", () => {
    const r = accepted(withLink.state, L.answer(link.tokenId, "follow-up", at))
    expect(r.events.map((e) => e._tag)).toEqual([
      "MeasureLinkAnswered",
      "MeasureRecorded",
      "MeasureRecorded",
      "FollowUpCompleted"
    ])
    expect(r.events[1]).toMatchObject({
      respondent: "self",
      timePoint: "follow-up",
      instrument: "swemwbs",
      actor: L.client
    })
    expect(r.state.status).toBe("FollowedUp")
  })

  it("a link answers once: the same link, or another link of the time point, is refused afterwards", () => {
    const second = accepted(withLink.state, L.request("follow-up", L.days(opens, 5)))
    const other = linkOf(second.events) as NonNullable<ReturnType<typeof linkOf>>
    // a partial answer (one of the two measures): the time point stays open for the link worker, but the links are spent
    const done = accepted(
      second.state,
      L.answer(link.tokenId, "follow-up", L.days(opens, 6), {
        measures: [{ instrument: "swemwbs", answers: [4, 4, 3, 4, 5, 3, 4] }]
      })
    )
    expect(done.state.status).toBe("Closed")
    const ucla = [{ instrument: "ucla-3", answers: [1, 1, 1] }]
    for (const id of [link.tokenId, other.tokenId]) {
      const again = run(done.state, L.answer(id, "follow-up", L.days(opens, 7), { measures: ucla }))
      expect(again.ok ? "" : again.error).toMatchObject({
        _tag: "TransitionNotAllowed",
        detail: "a link of this time point was already answered"
      })
    }
  })

  it("the answers are checked as RecordMeasure checks them: a wrong count or an off-scale answer is refused, nothing recorded", () => {
    const wrong = run(
      withLink.state,
      L.answer(link.tokenId, "follow-up", at, { measures: [{ instrument: "swemwbs", answers: [4, 4, 3] }] })
    )
    expect(wrong.ok ? "" : wrong.error).toMatchObject({ _tag: "InvalidCommand", field: "answers" })
    const off = run(
      withLink.state,
      L.answer(link.tokenId, "follow-up", at, { measures: [{ instrument: "swemwbs", answers: [9, 4, 3, 4, 5, 3, 4] }] })
    )
    expect(off.ok).toBe(false)
    const notExpected = run(
      withLink.state,
      L.answer(link.tokenId, "follow-up", at, { measures: [{ instrument: "ons4", answers: [1, 2, 3, 4] }] })
    )
    expect(notExpected.ok ? "" : notExpected.error._tag).toBe("MeasureNotExpected")
  })

  it("an expired link is refused, and so is a link of another time point or an unknown one", () => {
    const expired = run(withLink.state, L.answer(link.tokenId, "follow-up", link.expiresAt))
    expect(expired.ok ? "" : expired.error._tag).toBe("TransitionNotAllowed")
    const otherPoint = run(withLink.state, L.answer(link.tokenId, "end", at))
    expect(otherPoint.ok ? "" : otherPoint.error).toMatchObject({ _tag: "InvalidCommand", field: "tokenId" })
    const unknown = run(withLink.state, L.answer(`other-referral:${link.tokenId}`, "follow-up", at))
    expect(unknown.ok ? "" : unknown.error).toMatchObject({ _tag: "InvalidCommand", field: "tokenId" })
  })

  it("only the client (the data subject) answers: another client, or staff, are refused", () => {
    const stranger = run(
      withLink.state,
      L.answer(link.tokenId, "follow-up", at, { actor: { ...L.client, id: Ids.ActorId.make("subject-2") } })
    )
    expect(stranger.ok ? "" : stranger.error._tag).toBe("Forbidden")
    const staff = run(withLink.state, L.answer(link.tokenId, "follow-up", at, { actor: F.linkWorkerActor }))
    expect(staff.ok ? "" : staff.error._tag).toBe("Forbidden")
  })

  it("after withdrawal and erasure the link records nothing", () => {
    const withdrawn = accepted(
      withLink.state,
      F.recordConsent("referral", "withdrawn", { actor: F.coordinator, at })
    ).state
    const erased = accepted(withdrawn, F.erase({ actor: F.coordinator, at, basis: "client-request" })).state
    for (const s of [withdrawn, erased]) {
      const r = run(s, L.answer(link.tokenId, "follow-up", L.days(opens, 2)))
      expect(r.ok).toBe(false)
    }
  })
})

describe("the referral's state", () => {
  it("lists the links issued (oldest first) and the time points answered through them, nothing else", () => {
    const { state, events } = F.history(F.measureLinkStory())
    const requested = events.filter((e) => e._tag === "MeasureLinkRequested")
    expect(requested).toHaveLength(1)
    expect(state.measureLinks).toEqual(
      requested.map((e) => ({
        tokenId: e.tokenId,
        timePoint: e.timePoint,
        reminder: e.reminder,
        requestedAt: e.at,
        expiresAt: e.expiresAt
      }))
    )
    expect(state.measureLinksAnswered).toEqual(["follow-up"])
  })
})

describe("the baseline and end links", () => {
  it("baseline: asked for from submission while the baseline is missing; end: from closing until the follow-up window opens", () => {
    const submitted = F.history(L.path("Submitted"), L.decider).state
    expect(
      Scheduler.commandsDue(submitted, L.programme, F.at(1)).filter((c) => c._tag === "RequestMeasureLink")
    ).toHaveLength(1)
    const end = accepted(closed, L.request("end", Instant.plusMillis(closed.closedAt as Instant.Instant, 60_000)))
    expect((linkOf(end.events)?.expiresAt ?? "9999") <= opens).toBe(true)
    const lateEnd = run(closed, L.request("end", opens))
    expect(lateEnd.ok).toBe(false)
  })
})

describe("a refused answer names the command the client sent", () => {
  it("a baseline link answered, unexpired, after the referral closed: TransitionNotAllowed for AnswerMeasureLink", () => {
    const active = F.history(L.path("Active"), L.decider).state
    const asked = accepted(active, L.request("baseline", F.at(30)))
    const link = linkOf(asked.events) as NonNullable<ReturnType<typeof linkOf>>
    const closedEarly = accepted(asked.state, F.close({ at: F.at(72) }))
    expect(closedEarly.state.status).toBe("Closed")
    // the link has not expired, and a closed referral takes link answers (end, follow-up): the baseline is refused
    // by the state, in the name of the command the client sent
    expect(F.at(80) < link.expiresAt).toBe(true)
    const r = run(
      closedEarly.state,
      L.answer(link.tokenId, "baseline", F.at(80), {
        measures: [{ instrument: "swemwbs", answers: [4, 4, 3, 4, 5, 3, 4] }]
      })
    )
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.error).toMatchObject({ _tag: "TransitionNotAllowed", state: "Closed", command: "AnswerMeasureLink" })
  })
})

describe("the programme setting is strict", () => {
  it("a misspelt setting is an error naming its path", () => {
    const typo = Programme.decode({ ...Presets.kemijarvi, measureLinks: { ...L.settings, reminder: { max: 1 } } })
    expect(Result.isFailure(typo) && typo.failure.issues).toContain("measureLinks.reminder: is not a known setting")
    const deep = Programme.decode({
      ...Presets.kemijarvi,
      measureLinks: { ...L.settings, reminders: { max: 1, intervalDay: 3 } }
    })
    expect(Result.isFailure(deep) && deep.failure.issues).toContain(
      "measureLinks.reminders.intervalDay: is not a known setting"
    )
  })

  it("a time point without a self-report measure, or listed twice, is refused", () => {
    const none = Programme.decode({
      ...Presets.kemijarvi,
      measures: { ...Presets.kemijarvi.measures, end: [] },
      measureLinks: { ...L.settings, timePoints: ["end", "follow-up", "follow-up"] }
    })
    expect(Result.isFailure(none) && none.failure.issues).toContain(
      "measureLinks.timePoints[0]: the programme expects no self-report measure at end"
    )
    expect(Result.isFailure(none) && none.failure.issues).toContain("measureLinks.timePoints: must not repeat")
  })
})

describe("the token", () => {
  const key = MeasureLinkToken.key(Redacted.make("0123456789abcdef0123456789abcdef"))
  const claims = {
    tokenId: "referral-1:k:measure-link-sms",
    referralId: "referral-1",
    timePoint: "follow-up" as const,
    expiresAt: Instant.make(Date.parse("2026-10-01T00:00:00Z"))
  }
  const now = Instant.make(Date.parse("2026-09-20T10:00:00Z"))

  it.effect("verifies with its key before it expires, and carries nothing personal", () =>
    Effect.gen(function* () {
      const token = yield* MeasureLinkToken.sign(key, claims)
      expect(yield* MeasureLinkToken.verify(key, token, { now })).toEqual(claims)
      // format 1: the version, then flags and expiry (5 bytes), the referral id (its length and 10
      // characters), the link's idempotency key (its length and "k") and the 16-byte MAC: room for nothing else
      expect(token).toMatch(/^1[A-Za-z0-9_-]+$/)
      const raw = Buffer.from(token.slice(1), "base64url")
      expect(raw).toHaveLength(5 + 11 + 2 + 16)
      expect(raw.subarray(6, 16).toString("latin1")).toBe("referral-1")
      expect(raw.subarray(17, 18).toString("latin1")).toBe("k")
    })
  )

  it.effect("the scheduler's link: the token says the referral id once and the message number, not the link's id", () =>
    Effect.gen(function* () {
      const due = Scheduler.commandsDue(closed, L.programme, opens).filter((c) => c._tag === "RequestMeasureLink")
      const link = linkOf(accepted(closed, due[0] as never).events)
      if (link === undefined) throw new Error("no link")
      const issued = {
        tokenId: link.tokenId,
        referralId: F.referralId,
        timePoint: link.timePoint,
        expiresAt: link.expiresAt
      }
      const token = yield* MeasureLinkToken.sign(key, issued)
      expect((yield* MeasureLinkToken.verify(key, token, { now: opens })).tokenId).toBe(link.tokenId)
      // flags, expiry, "referral-1" with its length, message number 0, MAC: 33 bytes, 45 characters
      expect(Buffer.from(token.slice(1), "base64url")).toHaveLength(1 + 4 + 11 + 1 + 16)
      expect(token).toHaveLength(45)
    })
  )

  it.effect("is refused when expired, altered, signed with another key, or too weak a key is given", () =>
    Effect.gen(function* () {
      const token = yield* MeasureLinkToken.sign(key, claims)
      const fails = (k: MeasureLinkToken.Key, t: string, at: Instant.Instant) =>
        Effect.flip(MeasureLinkToken.verify(k, t, { now: at })).pipe(Effect.map((e) => e._tag))
      expect(yield* fails(key, token, claims.expiresAt)).toBe("InvalidToken")
      // another referral under the same MAC
      const raw = Buffer.from(token.slice(1), "base64url")
      raw.write("referral-2", 6, "latin1")
      expect(yield* fails(key, `1${raw.toString("base64url")}`, now)).toBe("InvalidToken")
      expect(
        yield* fails(MeasureLinkToken.key(Redacted.make("another secret of thirty-two bytes!!")), token, now)
      ).toBe("InvalidToken")
      expect((yield* Effect.flip(MeasureLinkToken.makeKey(Redacted.make("short"))))._tag).toBe("WeakKey")
    })
  )
})
