/**
 * The community link in the evaluation (domain specification §9): how many
 * clients met, tried, joined and still took part at the end and at
 * follow-up in each directory activity and organisation, and the needs
 * nothing in the directory met by category and area. Computed from the
 * referrals' plans (`Referral.ReferralState.plan`, folded from the events),
 * so it holds no personal data; part of `Evaluation.Report` (`community`).
 *
 * Definitions, per activity (a client counts once per activity):
 * - met: any step was recorded (suggested, tried, joined);
 * - tried, tried with the link worker: `tried` was recorded (accompanied);
 * - joined: `joined` was recorded;
 * - still at the end: of the referrals closed before `asOf`, joined before
 *   closing and not left before it;
 * - still at follow-up: confirmed `continuing` after closing.
 * Per organisation: the distinct clients over its activities. Unmet needs:
 * the distinct clients per category and area, and per category.
 *
 * Small cells (the report's `minimumCell`): a count under the minimum is
 * suppressed; a count nested in another shown count (joined within met,
 * still at the end within joined, …; an area within its category; an
 * activity within its organisation) is suppressed when the difference is
 * under the minimum, and so is the outer count when it would give a
 * suppressed inner one away, so no small group follows by subtraction.
 *
 * @since 0.3.0
 */
import { Schema } from "effect"
import type * as Directory from "./Directory.js"
import { minimumCellOf } from "./internal/suppression.js"
import * as Plan from "./Plan.js"
import type { ReferralState } from "./Referral.js"

const Cell = Schema.Union([
  Schema.TaggedStruct("Value", { value: Schema.Finite }),
  Schema.TaggedStruct("Suppressed", { reason: Schema.Literals(["fewer-than-minimum", "complementary"]) })
])
type Cell = typeof Cell.Type

/**
 * The uptake figures of one activity or organisation.
 *
 * @since 0.3.0
 * @category schemas
 */
export const Uptake = Schema.Struct({
  met: Cell,
  tried: Cell,
  triedAccompanied: Cell,
  joined: Cell,
  stillAtEnd: Cell,
  stillAtFollowUp: Cell
})
/**
 * @since 0.3.0
 * @category models
 */
export type Uptake = typeof Uptake.Type

/**
 * The community section of the evaluation report.
 *
 * @since 0.3.0
 * @category schemas
 */
export const Community = Schema.Struct({
  /** Referrals with a plan or any activity or unmet need recorded. */
  withPlan: Cell,
  activities: Schema.Array(
    Schema.Struct({
      activityId: Schema.String,
      /** From the directory given to the report (the latest version), else absent. */
      name: Schema.optionalKey(Schema.String),
      organisationId: Schema.String,
      area: Schema.String,
      uptake: Uptake
    })
  ),
  organisations: Schema.Array(
    Schema.Struct({ organisationId: Schema.String, name: Schema.optionalKey(Schema.String), uptake: Uptake })
  ),
  unmetNeeds: Schema.Array(
    Schema.Struct({
      category: Schema.String,
      count: Cell,
      byArea: Schema.Array(Schema.Struct({ area: Schema.String, count: Cell }))
    })
  )
})
/**
 * @since 0.3.0
 * @category models
 */
export type Community = typeof Community.Type

/** The raw counts of one activity or organisation: sets of referral indexes. */
interface Sets {
  readonly met: Set<number>
  readonly tried: Set<number>
  readonly triedAccompanied: Set<number>
  readonly joined: Set<number>
  readonly stillAtEnd: Set<number>
  readonly stillAtFollowUp: Set<number>
}

const newSets = (): Sets => ({
  met: new Set(),
  tried: new Set(),
  triedAccompanied: new Set(),
  joined: new Set(),
  stillAtEnd: new Set(),
  stillAtFollowUp: new Set()
})

/**
 * The raw counts of one referral's activity, as the definitions above say.
 *
 * @since 0.3.0
 * @category getters
 */
export const activityFacts = (
  state: ReferralState,
  a: Plan.PlanActivity
): {
  readonly tried: boolean
  readonly triedAccompanied: boolean
  readonly joined: boolean
  readonly stillAtEnd: boolean
  readonly stillAtFollowUp: boolean
} => {
  const closedAt = state.closedAt
  const joinedBeforeEnd = a.joinedAt !== undefined && closedAt !== undefined && a.joinedAt <= closedAt
  return {
    tried: a.tried,
    triedAccompanied: a.accompanied,
    joined: a.joinedAt !== undefined || a.leftAt !== undefined,
    stillAtEnd: joinedBeforeEnd && (a.leftAt === undefined || (closedAt !== undefined && a.leftAt >= closedAt)),
    stillAtFollowUp: a.continuingAt !== undefined
  }
}

const small: Cell = { _tag: "Suppressed", reason: "fewer-than-minimum" }
const complementary: Cell = { _tag: "Suppressed", reason: "complementary" }
const value = (v: number): Cell => ({ _tag: "Value", value: v })

/** A chain of nested counts (each within the one before): shown when it and its difference to the last shown reach the minimum. */
const chain = (counts: ReadonlyArray<number>, minimum: number): ReadonlyArray<Cell> => {
  let lastShown: number | undefined
  return counts.map((n) => {
    if (n < minimum) return small
    if (lastShown !== undefined && lastShown - n < minimum) return complementary
    lastShown = n
    return value(n)
  })
}

/** An outer count over inner cells: suppressed when it would give a suppressed inner cell away. */
const outer = (total: number, inner: ReadonlyArray<{ n: number; cell: Cell }>, minimum: number): Cell => {
  if (total < minimum) return small
  if (inner.every((i) => i.cell._tag === "Value")) return value(total)
  const shown = inner.reduce((s, i) => s + (i.cell._tag === "Value" ? i.n : 0), 0)
  return total - shown >= minimum ? value(total) : complementary
}

const uptakeOf = (s: Sets, minimum: number): Uptake => {
  const [met, joined, stillAtEnd, stillAtFollowUp] = chain(
    [s.met.size, s.joined.size, s.stillAtEnd.size, s.stillAtFollowUp.size],
    minimum
  ) as [Cell, Cell, Cell, Cell]
  const [, tried, triedAccompanied] = chain([s.met.size, s.tried.size, s.triedAccompanied.size], minimum) as [
    Cell,
    Cell,
    Cell
  ]
  return { met, tried, triedAccompanied, joined, stillAtEnd, stillAtFollowUp }
}

const keys = ["met", "tried", "triedAccompanied", "joined", "stillAtEnd", "stillAtFollowUp"] as const

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/**
 * Computes the community section from the referrals' states (folded up to
 * the report's `asOf`). `minimumCell` is at least 5: a smaller one (or one
 * that is not a number) counts as 5.
 *
 * @since 0.3.0
 * @category constructors
 */
export const compute = (
  states: ReadonlyArray<ReferralState>,
  options: { readonly minimumCell: number; readonly directory?: Directory.Directory | undefined }
): Community => {
  // never under 5, whatever the caller passes
  const minimum = minimumCellOf(options.minimumCell)
  const activities = new Map<string, { ref: Directory.ActivityRef; sets: Sets }>()
  const organisations = new Map<string, Sets>()
  const needs = new Map<string, Map<string, Set<number>>>()
  let withPlan = 0
  states.forEach((state, k) => {
    const plan = state.plan
    if (Plan.isEmpty(plan)) return
    withPlan++
    for (const a of plan.activities) {
      const facts = activityFacts(state, a)
      const entry = activities.get(a.activity.id) ?? { ref: a.activity, sets: newSets() }
      activities.set(a.activity.id, entry)
      const org = organisations.get(a.activity.organisationId) ?? newSets()
      organisations.set(a.activity.organisationId, org)
      for (const sets of [entry.sets, org]) {
        sets.met.add(k)
        for (const key of keys) if (key !== "met" && facts[key]) sets[key].add(k)
      }
    }
    for (const n of plan.unmetNeeds) {
      const areas = needs.get(n.category) ?? new Map<string, Set<number>>()
      needs.set(n.category, areas)
      const clients = areas.get(n.area) ?? new Set<number>()
      areas.set(n.area, clients)
      clients.add(k)
    }
  })
  const activityRows = [...activities.values()]
    .map(({ ref, sets }) => {
      const name = options.directory?.activity(ref.id)?.name
      return {
        activityId: ref.id as string,
        ...(name === undefined ? {} : { name }),
        organisationId: ref.organisationId as string,
        area: ref.area,
        sets,
        uptake: uptakeOf(sets, minimum)
      }
    })
    .sort((a, b) => byText(a.organisationId, b.organisationId) || byText(a.activityId, b.activityId))
  const organisationRows = [...organisations.entries()]
    .map(([organisationId, sets]) => {
      const own = uptakeOf(sets, minimum)
      const inner = activityRows.filter((a) => a.organisationId === organisationId)
      const uptake = Object.fromEntries(
        keys.map((key) => [
          key,
          own[key]._tag === "Value"
            ? outer(
                sets[key].size,
                inner.map((a) => ({ n: a.sets[key].size, cell: a.uptake[key] })),
                minimum
              )
            : own[key]
        ])
      ) as Uptake
      const name = options.directory?.organisation(organisationId)?.name
      return { organisationId, ...(name === undefined ? {} : { name }), uptake }
    })
    .sort((a, b) => byText(a.organisationId, b.organisationId))
  const needRows = [...needs.entries()]
    .map(([category, areas]) => {
      const all = new Set<number>()
      for (const clients of areas.values()) for (const c of clients) all.add(c)
      const byArea = [...areas.entries()]
        .map(([area, clients]) => ({
          area,
          n: clients.size,
          cell: clients.size < minimum ? small : value(clients.size)
        }))
        .sort((a, b) => byText(a.area, b.area))
      return {
        category,
        count: outer(all.size, byArea, minimum),
        byArea: byArea.map(({ area, cell }) => ({ area, count: cell }))
      }
    })
    .sort((a, b) => byText(a.category, b.category))
  return {
    // within the cohort: the referrals without a plan are no small group either
    withPlan: chain([states.length, withPlan], minimum)[1] as Cell,
    activities: activityRows.map(({ sets: _, ...row }) => row),
    organisations: organisationRows,
    unmetNeeds: needRows
  }
}
