/**
 * The evaluation report says how each follow-up was collected (acceptance 3
 * of the measure link): by the client through a measure link, by the link
 * worker, or missed; the two ways of recording add up to the recorded
 * follow-ups, so a small one is suppressed with the other.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deadlines, Evaluation, EvaluationHtml, Ids, Instant, type ReferralCommand } from "@lahete/core"
import { Fixtures as F } from "@lahete/testing"

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
})
