/**
 * Acceptance 3 of the community link: the evaluation report shows activity
 * uptake and unmet needs with small-cell suppression; this test computes the
 * same figures independently, straight from the event histories (not from
 * the folded plan), and compares every shown figure.
 */
import { describe, expect, it } from "@effect/vitest"
import {
  type CommunityEvaluation,
  Directory,
  DirectoryPresets,
  Evaluation,
  EvaluationHtml,
  Presets,
  Referral,
  type ReferralCommand,
  type ReferralEvent
} from "@lahete/core"
import { Arbitraries, Fixtures as F } from "@lahete/testing"
import { Result } from "effect"
import * as fc from "fast-check"

type Command = ReferralCommand.ReferralCommand
type Event = ReferralEvent.ReferralEvent
type Activity = Extract<Event, { _tag: "ActivityRecorded" }>

const day = (d: number) => F.at(24 * d)
const period = { from: F.t0, to: day(30) }
const asOf = day(400)

/** One referral's history: the path to Active, its plan commands (refused ones skipped), maybe a closing. */
const historyOf = (commands: ReadonlyArray<Command>): ReadonlyArray<Event> => {
  let state = Referral.initialState
  const events: Array<Event> = []
  for (const c of [...F.pathTo.Active(), ...commands]) {
    const r = F.decider.decide(c, state)
    if (Result.isFailure(r)) continue
    for (const e of r.success) {
      events.push(e)
      state = F.decider.evolve(state, e)
    }
  }
  return events
}

const craftCircle = Directory.ref(
  DirectoryPresets.kemijarvi,
  DirectoryPresets.kemijarviIds.craftCircle
) as Directory.ActivityRef
const seniorGym = Directory.ref(
  DirectoryPresets.kemijarvi,
  DirectoryPresets.kemijarviIds.seniorGym
) as Directory.ActivityRef

/** One activity's steps (often a plausible path; refused steps are skipped). */
const activitySteps = fc.record({
  activity: fc.constantFrom(F.walkingGroup, F.griefGroup, craftCircle, seniorGym),
  steps: fc.oneof(
    // the usual paths (an activity joined only after a suggestion or a try, left with a reason)
    {
      arbitrary: fc.constantFrom<ReadonlyArray<ReferralCommand.ActivityStep>>(
        ["suggested"],
        ["suggested", "tried"],
        ["suggested", "tried", "joined"],
        ["tried", "joined", "left"],
        ["suggested", "joined", "continuing"],
        ["tried", "joined", "continuing"]
      ),
      weight: 4
    },
    // anything (the decider refuses what breaks the rules)
    {
      arbitrary: fc.array(
        fc.constantFrom<ReferralCommand.ActivityStep>("suggested", "tried", "joined", "left", "continuing"),
        { maxLength: 5 }
      ),
      weight: 1
    }
  ),
  accompanied: fc.boolean()
})

const planCommands = fc
  .tuple(
    fc.array(activitySteps, { maxLength: 3 }),
    fc.array(Arbitraries.recordUnmetNeed({ referralId: F.referralId, actor: F.linkWorkerActor }), { maxLength: 2 }),
    fc.option(fc.nat({ max: 12 }), { nil: undefined })
  )
  .map(([activities, needs, closeAt]) => {
    const command = (activity: Directory.ActivityRef, accompanied: boolean, step: ReferralCommand.ActivityStep) =>
      F.activity(step, {
        activity,
        ...(step === "tried" ? { accompanied: accompanied && activity.accompanyingAllowed } : {})
      })
    // continuing is confirmed after closing: those steps go after it
    const during = activities.flatMap(({ activity, steps, accompanied }) =>
      steps.filter((step) => step !== "continuing").map((step) => command(activity, accompanied, step))
    )
    const after = activities.flatMap(({ activity, steps, accompanied }) =>
      steps.filter((step) => step === "continuing").map((step) => command(activity, accompanied, step))
    )
    const out: Array<Command> = [...during, ...needs]
    if (closeAt !== undefined || after.length > 0) {
      out.splice(Math.min(closeAt ?? out.length, out.length), 0, F.close())
    }
    out.push(...after)
    for (let i = 0; i < out.length; i++) out[i] = { ...(out[i] as Command), at: day(8 + i) }
    return out
  })

// ---------------------------------------------------------------------------
// the independent computation: straight from the events
// ---------------------------------------------------------------------------

interface Raw {
  met: Set<number>
  tried: Set<number>
  triedAccompanied: Set<number>
  joined: Set<number>
  stillAtEnd: Set<number>
  stillAtFollowUp: Set<number>
}
const raw = (): Raw => ({
  met: new Set(),
  tried: new Set(),
  triedAccompanied: new Set(),
  joined: new Set(),
  stillAtEnd: new Set(),
  stillAtFollowUp: new Set()
})
const keys = ["met", "tried", "triedAccompanied", "joined", "stillAtEnd", "stillAtFollowUp"] as const

const independent = (histories: ReadonlyArray<ReadonlyArray<Event>>) => {
  const byActivity = new Map<string, Raw>()
  const byOrganisation = new Map<string, Raw>()
  const needs = new Map<string, Map<string, Set<number>>>()
  const withPlan = new Set<number>()
  histories.forEach((events, k) => {
    const upTo = events.filter((e) => e.at < asOf)
    const takingPart = new Map<string, boolean>()
    for (const e of upTo) {
      if (e._tag === "UnmetNeedRecorded") {
        withPlan.add(k)
        const areas = needs.get(e.category) ?? new Map<string, Set<number>>()
        needs.set(e.category, areas)
        areas.set(e.area, (areas.get(e.area) ?? new Set()).add(k))
      }
      if (e._tag === "ReferralClosed") {
        for (const [id, part] of takingPart) {
          if (!part) continue
          const org = (
            upTo.find((x): x is Activity => x._tag === "ActivityRecorded" && x.activity.id === id) as Activity
          ).activity.organisationId
          byActivity.get(id)?.stillAtEnd.add(k)
          byOrganisation.get(org)?.stillAtEnd.add(k)
        }
      }
      if (e._tag !== "ActivityRecorded") continue
      withPlan.add(k)
      const a = byActivity.get(e.activity.id) ?? raw()
      byActivity.set(e.activity.id, a)
      const o = byOrganisation.get(e.activity.organisationId) ?? raw()
      byOrganisation.set(e.activity.organisationId, o)
      for (const r of [a, o]) {
        r.met.add(k)
        if (e.step === "tried") r.tried.add(k)
        if (e.step === "tried" && e.accompanied === true) r.triedAccompanied.add(k)
        if (e.step === "joined") r.joined.add(k)
        if (e.step === "continuing") r.stillAtFollowUp.add(k)
      }
      if (e.step === "joined") takingPart.set(e.activity.id, true)
      if (e.step === "left") takingPart.set(e.activity.id, false)
    }
  })
  return { byActivity, byOrganisation, needs, withPlan }
}

const minimum = 5

/** A shown figure is the independent count and at least the minimum; a small count is never shown. */
const agrees = (cell: Evaluation.Cell, expected: number) => {
  if (cell._tag === "Value") {
    expect(cell.value).toBe(expected)
    expect(cell.value).toBeGreaterThanOrEqual(minimum)
  }
  if (expected < minimum) expect(cell._tag).toBe("Suppressed")
}

/** In a chain of nested figures, two shown ones differ by at least the minimum (no small group by subtraction). */
const chainSafe = (cells: ReadonlyArray<Evaluation.Cell>) => {
  const shown = cells.flatMap((c) => (c._tag === "Value" ? [c.value] : []))
  for (let i = 1; i < shown.length; i++)
    expect((shown[i - 1] as number) - (shown[i] as number)).toBeGreaterThanOrEqual(minimum)
}

const reportOf = (histories: ReadonlyArray<ReadonlyArray<Event>>) =>
  Evaluation.report({
    programmeId: Presets.kemijarvi.id,
    period,
    asOf,
    histories,
    catalog: Presets.catalog,
    directory: DirectoryPresets.kemijarvi
  })

describe("CommunityEvaluation", () => {
  it("every shown figure equals the count computed from the histories; small groups are never shown", () => {
    fc.assert(
      fc.property(fc.array(planCommands, { minLength: 5, maxLength: 120, size: "max" }), (cohort) => {
        const histories = cohort.map(historyOf)
        const community = reportOf(histories).community as CommunityEvaluation.Community
        const expected = independent(histories)
        agrees(community.withPlan, expected.withPlan.size)
        expect(community.activities.map((a) => a.activityId).sort()).toEqual([...expected.byActivity.keys()].sort())
        for (const row of community.activities) {
          const r = expected.byActivity.get(row.activityId) as Raw
          for (const key of keys) agrees(row.uptake[key], r[key].size)
          chainSafe([row.uptake.met, row.uptake.joined, row.uptake.stillAtEnd, row.uptake.stillAtFollowUp])
          chainSafe([row.uptake.met, row.uptake.tried, row.uptake.triedAccompanied])
          expect(row.name).toBe(DirectoryPresets.kemijarvi.activity(row.activityId)?.name)
        }
        expect(community.organisations.map((o) => o.organisationId).sort()).toEqual(
          [...expected.byOrganisation.keys()].sort()
        )
        for (const row of community.organisations) {
          const r = expected.byOrganisation.get(row.organisationId) as Raw
          for (const key of keys) agrees(row.uptake[key], r[key].size)
          // an organisation's figure never gives a suppressed activity figure away
          for (const key of keys) {
            const inner = community.activities.filter((a) => a.organisationId === row.organisationId)
            const own = row.uptake[key]
            if (own._tag === "Value" && inner.some((a) => a.uptake[key]._tag === "Suppressed")) {
              const shown = inner.reduce(
                (s, a) => s + (a.uptake[key]._tag === "Value" ? (a.uptake[key] as { value: number }).value : 0),
                0
              )
              expect(own.value - shown).toBeGreaterThanOrEqual(minimum)
            }
          }
        }
        expect(community.unmetNeeds.map((n) => n.category)).toEqual([...expected.needs.keys()].sort())
        for (const n of community.unmetNeeds) {
          const areas = expected.needs.get(n.category) as Map<string, Set<number>>
          const all = new Set([...areas.values()].flatMap((s) => [...s]))
          agrees(n.count, all.size)
          for (const a of n.byArea) agrees(a.count, (areas.get(a.area) as Set<number>).size)
        }
      }),
      { numRuns: 60 }
    )
  })

  it("a cohort: 13 met the walking group, 7 joined, 6 stayed; the small groups are suppressed; the HTML has the section", () => {
    const stayer: ReadonlyArray<Command> = [
      F.activity("suggested", { at: day(8) }),
      F.activity("tried", { at: day(9) }),
      F.activity("joined", { at: day(10) }),
      F.unmetNeed({ at: day(12) }),
      F.close({ at: day(20) }),
      F.activity("continuing", { at: day(110) })
    ]
    const leaver: ReadonlyArray<Command> = [
      ...stayer.slice(0, 3),
      F.activity("left", { at: day(11) }),
      F.close({ at: day(20) })
    ]
    const suggestedOnly: ReadonlyArray<Command> = [F.activity("suggested", { at: day(8) })]
    const histories = [
      ...Array.from({ length: 6 }, () => stayer),
      leaver,
      ...Array.from({ length: 6 }, () => suggestedOnly)
    ].map(historyOf)
    const report = reportOf(histories)
    const walking = report.community?.activities.find((a) => a.activityId === F.walkingGroup.id)
    expect(walking?.name).toBe("Kävelyryhmä Pöyliövaara")
    const value = (n: number) => ({ _tag: "Value", value: n })
    expect(walking?.uptake).toEqual({
      met: value(13),
      tried: value(7),
      // 7 of the 7 who tried had the link worker along: the 0 without would be a small group
      triedAccompanied: { _tag: "Suppressed", reason: "complementary" },
      joined: value(7),
      // 6 of the 7 who joined: the one who left would follow by subtraction
      stillAtEnd: { _tag: "Suppressed", reason: "complementary" },
      stillAtFollowUp: { _tag: "Suppressed", reason: "complementary" }
    })
    expect(report.community?.unmetNeeds).toEqual([
      { category: "evening-activity", count: value(6), byArea: [{ area: "Kemijärvi, keskusta", count: value(6) }] }
    ])
    const json = JSON.parse(Evaluation.toJson(report))
    expect(json.community.activities[0].uptake.joined).toEqual({ _tag: "Value", value: 7 })
    const html = EvaluationHtml.render(report, { language: "en" })
    expect(html).toContain("<h2>Community activities</h2>")
    // in the programme's language by default (Finnish for Kemijärvi), Swedish on request
    expect(EvaluationHtml.render(report)).toContain("<h2>Yhteisön toiminnat</h2>")
    expect(EvaluationHtml.render(report, { language: "sv" })).toContain("<h2>Verksamhet i samhället</h2>")
    expect(html).toContain("Kävelyryhmä Pöyliövaara")
    expect(html).toContain('id="chart-unmet-needs"')
  })
})
