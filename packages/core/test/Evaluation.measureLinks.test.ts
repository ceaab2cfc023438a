/**
 * The evaluation report says how each follow-up was collected (acceptance 3
 * of the measure link): by the client through a measure link, by the link
 * worker, or missed; the two ways of recording add up to the recorded
 * follow-ups, so a small one is suppressed with the other.
 */
import { describe, expect, it } from "@effect/vitest"
import {
  Deadlines,
  Evaluation,
  EvaluationHtml,
  Ids,
  Instant,
  Programme,
  Referral,
  type ReferralCommand
} from "@lahete/core"
import { Fixtures as F } from "@lahete/testing"
import { Result } from "effect"

type Command = ReferralCommand.ReferralCommand
const programme = F.measureLinkProgramme
const window = Deadlines.followUpWindow(F.close().at, programme)

/** The fixture story on its own referral and subject. */
const retarget = (commands: ReadonlyArray<Command>, id: string): ReadonlyArray<Command> => {
  const referralId = Ids.ReferralId.make(id)
  const subject = `subject-${id}`
  return commands.map((c): Command => {
    if (c._tag === "SubmitReferral") return { ...c, referralId, subjectId: Ids.SubjectId.make(subject) }
    if (c._tag === "AnswerMeasureLink") {
      return {
        ...c,
        referralId,
        actor: { ...c.actor, id: Ids.ActorId.make(subject) },
        tokenId: `${id}${c.tokenId.slice(c.tokenId.indexOf(":"))}`
      }
    }
    return { ...c, referralId }
  })
}

const closed = (): ReadonlyArray<Command> => F.measureLinkStory().slice(0, 5)
const byLink = (id: string) => F.history(retarget(F.measureLinkStory(), id)).events
const byLinkWorker = (id: string) =>
  F.history(
    retarget(
      [
        ...closed(),
        F.measure({
          instrument: "ons4",
          timePoint: "follow-up",
          answers: [6, 7, 6, 4],
          at: Instant.plusMillis(window.opensAt, 10 * 3_600_000)
        })
      ],
      id
    )
  ).events
const missed = (id: string) => F.history(retarget([...closed(), F.expireFollowUp({ at: window.closesAt })], id)).events

const reportOf = (histories: ReadonlyArray<ReadonlyArray<import("@lahete/core").ReferralEvent.ReferralEvent>>) =>
  Evaluation.report({
    programmeId: programme.id,
    period: { from: F.t0, to: Instant.plusMillis(F.t0, 30 * 86_400_000) },
    asOf: Instant.plusMillis(window.closesAt, 86_400_000),
    histories,
    catalog: F.catalog
  })

const many = (
  n: number,
  make: (id: string) => ReadonlyArray<import("@lahete/core").ReferralEvent.ReferralEvent>,
  tag: string
) => Array.from({ length: n }, (_, k) => make(`${tag}-${k}`))

describe("how the follow-ups were collected", () => {
  it("by link, by the link worker and missed, each counted", () => {
    const r = reportOf([...many(6, byLink, "l"), ...many(5, byLinkWorker, "w"), ...many(5, missed, "m")])
    expect(r.followUp.recorded).toEqual({ _tag: "Value", value: 11 })
    expect(r.followUp.collected).toEqual({
      byLink: { _tag: "Value", value: 6 },
      byLinkWorker: { _tag: "Value", value: 5 }
    })
    expect(r.followUp.missed).toEqual({ _tag: "Value", value: 5 })
    const html = EvaluationHtml.render(r, { language: "en" })
    expect(html).toContain("How the follow-ups were collected")
    expect(html).toContain("by the client, through a measure link")
    expect(EvaluationHtml.render(r, { language: "fi" })).toContain("asiakas itse mittauslinkin kautta")
  })

  it("a way used by fewer than five clients is suppressed, and so is the other (they add up to the recorded ones)", () => {
    const r = reportOf([...many(3, byLink, "l"), ...many(8, byLinkWorker, "w"), ...many(5, missed, "m")])
    expect(r.followUp.recorded).toEqual({ _tag: "Value", value: 11 })
    expect(r.followUp.collected.byLink).toEqual({ _tag: "Suppressed", reason: "fewer-than-minimum" })
    expect(r.followUp.collected.byLinkWorker).toEqual({ _tag: "Suppressed", reason: "complementary" })
  })

  it("only a follow-up answered through a link counts as by link: an end measure answered through one does not", () => {
    // the programme sends links at the end too; the client answers the end measure through one after closing,
    // and the link worker enters the follow-up
    const withEnd = Result.getOrThrowWith(
      Programme.make({
        ...programme,
        measureLinks: { reminders: { max: 2, intervalDays: 5 }, validDays: 10, timePoints: ["end", "follow-up"] }
      }),
      (e) => new Error(e.message)
    )
    const catalog = Result.getOrThrow(Programme.catalog([withEnd]))
    const [submit, assign, schedule, contact, close, request, answer] = F.measureLinkStory() as [
      Command,
      Command,
      Command,
      Command,
      Command,
      Extract<Command, { _tag: "RequestMeasureLink" }>,
      Extract<Command, { _tag: "AnswerMeasureLink" }>
    ]
    const endRequest = { ...request, timePoint: "end" as const, at: Instant.plusMillis(close.at, 3_600_000) }
    const endAnswer = {
      ...answer,
      timePoint: "end" as const,
      at: Instant.plusMillis(endRequest.at, 3_600_000),
      measures: [{ instrument: "swemwbs", answers: [3, 3, 3, 3, 3, 3, 3] }]
    }
    const followUp = F.measure({
      instrument: "ons4",
      timePoint: "follow-up",
      answers: [6, 7, 6, 4],
      at: Instant.plusMillis(window.opensAt, 10 * 3_600_000)
    })
    const story = [submit, assign, schedule, contact, close, endRequest, endAnswer, followUp]
    const decider = Referral.makeDecider(catalog)
    const endByLink = Array.from({ length: 6 }, (_, k) => F.history(retarget(story, `e-${k}`), decider).events)
    const histories = [...endByLink, ...many(5, missed, "m")]
    expect(endByLink.every((h) => h.some((e) => e._tag === "MeasureLinkAnswered" && e.timePoint === "end"))).toBe(true)
    const r = Evaluation.report({
      programmeId: programme.id,
      period: { from: F.t0, to: Instant.plusMillis(F.t0, 30 * 86_400_000) },
      asOf: Instant.plusMillis(window.closesAt, 86_400_000),
      histories,
      catalog
    })
    expect(r.followUp.recorded).toEqual({ _tag: "Value", value: 6 })
    // no follow-up came by link: that zero is suppressed, and the six by the link worker with it
    expect(r.followUp.collected).toEqual({
      byLink: { _tag: "Suppressed", reason: "fewer-than-minimum" },
      byLinkWorker: { _tag: "Suppressed", reason: "complementary" }
    })
  })
})
