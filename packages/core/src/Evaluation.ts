/**
 * The evaluation report for a programme and a period (domain specification
 * §7), as data: a pure function from the referrals' event histories and the
 * programme catalog to a schema'd structure that serialises to JSON
 * (`EvaluationHtml` renders it for people). It holds aggregates only and no
 * personal data: no ids, no names, no dates of single referrals.
 *
 * What goes in: the referrals of the programme (any version) submitted in
 * `[period.from, period.to)`, each folded from its events before `asOf`
 * (default: the end of the period; set it later to include outcomes that
 * came after the period, such as follow-ups).
 *
 * Definitions:
 * - first contact: the call that reached the client, i.e. the time of the
 *   latest call scheduled before `CollaborationStarted` or `ClientDeclined`
 *   (the event itself is when the link worker recorded it, which may be
 *   later). It is within D2 when it lies before
 *   `Deadlines.firstContactDueAt(submittedAt, programme)`.
 * - collaboration length: `CollaborationStarted` to `ReferralClosed`, in days,
 *   for referrals closed before `asOf`.
 * - change: per instrument, score, respondent kind and comparison
 *   (baseline → end, baseline → follow-up), over the referrals with both
 *   administrations scored; mean change with a two-sided 95% confidence
 *   interval from Student's t distribution (n − 1 degrees of freedom);
 *   meaningful improvement as classified by `Measures.classify`.
 * - follow-up completion: of the closed referrals whose follow-up is settled
 *   (recorded, or its D5 window closed before `asOf`), the share recorded;
 *   a client who withdrew after closing is not counted.
 * - quartiles: linear interpolation between order statistics (type 7).
 *
 * Small cells: every figure from fewer than `minimumCell` clients (at least
 * 5) is suppressed and says so. A count below it is suppressed (zero
 * included); a share is suppressed unless its denominator, numerator and
 * complement each reach it (otherwise a small group could be derived);
 * a median, quartile, mean or interval is suppressed when computed from fewer
 * clients; within one table whose total is shown, a single suppressed cell
 * takes the next smallest cell with it (complementary suppression), so it
 * cannot be recovered by subtraction. Each table is protected on its own.
 * Minimum and maximum are never reported (they are single clients' values).
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import * as CommunityEvaluation from "./CommunityEvaluation.js"
import * as Deadlines from "./Deadlines.js"
import type * as Directory from "./Directory.js"
import type { ProgrammeId, ReferralId } from "./Ids.js"
import { type Instant, InstantSchema, toMillis } from "./Instant.js"
import * as Instrument from "./Instrument.js"
import * as Instruments from "./Instruments.js"
import { Language } from "./internal/language.js"
import { meanWithCi95, quantile } from "./internal/statistics.js"
import { minimumCellOf } from "./internal/suppression.js"
import * as Lifecycle from "./Lifecycle.js"
import * as LinkWorkerSurveyAnswers from "./LinkWorkerSurveyAnswers.js"
import * as Measures from "./Measures.js"
import type * as Programme from "./Programme.js"
import * as Referral from "./Referral.js"
import { TimePoint } from "./ReferralCommand.js"
import type { ReferralEvent } from "./ReferralEvent.js"
import * as ReferralIndex from "./ReferralIndex.js"

/**
 * A figure: its value, or suppressed (fewer than the minimum number of
 * clients, or suppressed to protect another cell).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Cell = Schema.Union([
  Schema.TaggedStruct("Value", { value: Schema.Finite }),
  Schema.TaggedStruct("Suppressed", { reason: Schema.Literals(["fewer-than-minimum", "complementary"]) })
])
/**
 * @since 0.1.0
 * @category models
 */
export type Cell = typeof Cell.Type

const Quartiles = Schema.Struct({ q1: Cell, median: Cell, q3: Cell })

/**
 * The change of one score for one respondent kind and comparison.
 *
 * @since 0.1.0
 * @category schemas
 */
export const MeasureChange = Schema.Struct({
  instrument: Schema.String,
  instrumentName: Schema.String,
  score: Schema.String,
  scoreName: Schema.String,
  respondent: Schema.Literals(["self", "proxy"]),
  from: TimePoint,
  to: TimePoint,
  direction: Instrument.Direction,
  thresholds: Schema.NullOr(Instrument.Thresholds),
  /** Referrals with both administrations scored. */
  pairs: Cell,
  meanChange: Cell,
  ci95Low: Cell,
  ci95High: Cell,
  /** Share (0–1) improved at least possibly meaningfully; `null` without thresholds. */
  shareImproved: Schema.NullOr(Cell),
  /** Share (0–1) improved clearly; `null` without thresholds. */
  shareImprovedClearly: Schema.NullOr(Cell)
})
/**
 * @since 0.1.0
 * @category models
 */
export type MeasureChange = typeof MeasureChange.Type

/**
 * How many forms were recorded at a time point, and how many could be scored.
 *
 * @since 0.1.0
 * @category schemas
 */
export const MeasureCompleteness = Schema.Struct({
  instrument: Schema.String,
  timePoint: TimePoint,
  respondent: Schema.Literals(["self", "proxy"]),
  recorded: Cell,
  scored: Cell,
  notScored: Cell
})
/**
 * @since 0.1.0
 * @category models
 */
export type MeasureCompleteness = typeof MeasureCompleteness.Type

/**
 * The report schema (the JSON form is its encoding; `jsonSchema` describes it).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Report = Schema.Struct({
  format: Schema.Literal("lahete-evaluation/1"),
  programme: Schema.Struct({
    id: Schema.String,
    municipality: Schema.String,
    name: Schema.String,
    versions: Schema.Array(Schema.Int),
    /** The programme's name per language (latest version), for the report's readers. */
    names: Schema.optionalKey(
      Schema.Struct({
        fi: Schema.String,
        sv: Schema.optionalKey(Schema.String),
        se: Schema.optionalKey(Schema.String),
        en: Schema.optionalKey(Schema.String)
      })
    ),
    /** The programme's languages (latest version); the HTML report comes in the first it is written in. */
    languages: Schema.optionalKey(Schema.Array(Language)),
    /** The programme's IANA time zone, in which the HTML report states dates. */
    timeZone: Schema.optionalKey(Schema.String)
  }),
  period: Schema.Struct({ from: InstantSchema, to: InstantSchema }),
  asOf: InstantSchema,
  minimumCell: Schema.Int,
  referrals: Schema.Struct({
    total: Cell,
    byStatus: Schema.Array(Schema.Struct({ status: Lifecycle.Status, count: Cell })),
    byReferrerProfession: Schema.Array(Schema.Struct({ profession: Schema.String, count: Cell }))
  }),
  firstContact: Schema.Struct({
    reached: Cell,
    withinDeadline: Cell,
    afterDeadline: Cell,
    shareWithinDeadline: Cell,
    hours: Quartiles
  }),
  collaboration: Schema.Struct({ closed: Cell, days: Quartiles }),
  measures: Schema.Struct({
    completeness: Schema.Array(MeasureCompleteness),
    change: Schema.Array(MeasureChange)
  }),
  followUp: Schema.Struct({
    settled: Cell,
    recorded: Cell,
    missed: Cell,
    pending: Cell,
    shareRecorded: Cell,
    /**
     * How the recorded follow-ups were collected: by the client through a
     * measure link, or entered by the link worker (the two add up to
     * `recorded`, so a small one suppresses the other too).
     */
    collected: Schema.Struct({ byLink: Cell, byLinkWorker: Cell })
  }),
  /**
   * The link workers' survey (when the programme has one and the report is
   * read with its answers, `withLinkWorkerSurvey`): the aggregates of each
   * round that overlaps the period and had closed by `asOf`, under the
   * survey's own suppression rules.
   */
  linkWorkerSurvey: Schema.optionalKey(LinkWorkerSurveyAnswers.ReportSection),
  /** The community link: activity uptake and unmet needs (`CommunityEvaluation`); absent in reports before 0.3. */
  community: Schema.optionalKey(CommunityEvaluation.Community)
})
/**
 * @since 0.1.0
 * @category models
 */
export type Report = typeof Report.Type

/**
 * The report's JSON Schema (draft 2020-12), for consumers of the JSON.
 *
 * @since 0.1.0
 * @category schemas
 */
export const jsonSchema = () => Schema.toJsonSchemaDocument(Report)

/**
 * What the report is computed from.
 *
 * @since 0.1.0
 * @category models
 */
export interface Input {
  readonly programmeId: string
  /** Referrals submitted at or after `from` and before `to`. */
  readonly period: { readonly from: Instant; readonly to: Instant }
  /** Events before this instant are counted (default: `period.to`). */
  readonly asOf?: Instant
  /** One event history per referral (other programmes' referrals are skipped). */
  readonly histories: Iterable<ReadonlyArray<ReferralEvent>>
  readonly catalog: Programme.Catalog
  /** Default: the built-in instruments (`Instruments.defaults`). */
  readonly instruments?: Instruments.Registry
  /** Smallest group shown (default and minimum 5). */
  readonly minimumCell?: number
  /** The directory, for the names of activities and organisations in the community section. */
  readonly directory?: Directory.Directory
}

/** The figures of one referral, before aggregation. */
interface Facts {
  readonly state: Referral.ReferralState
  readonly programme: Programme.Programme | undefined
  readonly taken: ReadonlyArray<Measures.Administration>
  readonly firstContactHours?: number
  readonly firstContactWithin?: boolean
  readonly collaborationDays?: number
  readonly followUp?: "recorded" | "missed" | "pending"
  /** The follow-up was answered through a measure link (which records it). */
  readonly followUpByLink?: boolean
}

const hour = 3_600_000
const day = 24 * hour

/**
 * The kinds of event the report reads besides a referral's state: the
 * measures (their answers stay in the events), the calls and first
 * contact (the time of the call that reached the client), and the answers
 * given through a measure link (how the follow-up was collected).
 *
 * @since 0.2.0
 * @category constants
 */
export const eventTags: ReadonlyArray<ReferralEvent["_tag"]> = [
  "MeasureRecorded",
  "CallScheduled",
  "CollaborationStarted",
  "ClientDeclined",
  "MeasureLinkAnswered"
]

const factsOf = (events: ReadonlyArray<ReferralEvent>, catalog: Programme.Catalog, asOf: Instant): Facts => {
  const upTo = events.filter((e) => e.at < asOf)
  return factsFrom(Referral.fold(upTo), upTo, catalog, asOf)
}

/**
 * The figures of a referral from its state as of `asOf` and its events
 * before `asOf` (all of them, or only those of `eventTags`: nothing else is
 * read from them).
 */
const factsFrom = (
  state: Referral.ReferralState,
  upTo: ReadonlyArray<ReferralEvent>,
  catalog: Programme.Catalog,
  asOf: Instant
): Facts => {
  const programme = state.programme === undefined ? undefined : catalog.get(state.programme.id, state.programme.version)
  let lastCallAt: Instant | undefined
  let contactAt: Instant | undefined
  // the state keeps the result of the last FollowUpCompleted
  const followUpResult = state.followUp
  let followUpByLink = false
  for (const e of upTo) {
    if (e._tag === "CallScheduled") lastCallAt = e.callAt
    // at most one of these per history: first contact is recorded only in ContactScheduled, which it leaves
    if (e._tag === "CollaborationStarted" || e._tag === "ClientDeclined") contactAt = lastCallAt ?? e.at
    if (e._tag === "MeasureLinkAnswered" && e.timePoint === "follow-up") followUpByLink = true
  }
  const facts: {
    -readonly [K in keyof Facts]: Facts[K]
  } = { state, programme, taken: Measures.administrations(upTo) }
  if (contactAt !== undefined && state.submittedAt !== undefined && programme !== undefined) {
    facts.firstContactHours = (toMillis(contactAt) - toMillis(state.submittedAt)) / hour
    facts.firstContactWithin = contactAt < Deadlines.firstContactDueAt(state.submittedAt, programme)
  }
  if (state.startedAt !== undefined && state.closedAt !== undefined) {
    facts.collaborationDays = (toMillis(state.closedAt) - toMillis(state.startedAt)) / day
  }
  // a client who withdrew after closing has no follow-up to count
  if (state.closedAt !== undefined && programme !== undefined && !(state.status === "Withdrawn" && !followUpResult)) {
    facts.followUp =
      followUpResult ?? (Deadlines.followUpWindow(state.closedAt, programme).closesAt <= asOf ? "missed" : "pending")
    facts.followUpByLink = followUpByLink
  }
  return facts
}

/**
 * Small-cell rules, for a given minimum.
 *
 * @since 0.1.0
 * @category suppression
 */
export const suppression = (minimum: number) => {
  const value = (v: number): Cell => ({ _tag: "Value", value: v })
  const small: Cell = { _tag: "Suppressed", reason: "fewer-than-minimum" }
  const count = (n: number): Cell => (n < minimum ? small : value(n))
  /** A statistic computed from `n` clients. */
  const statistic = (n: number, compute: () => number): Cell => (n < minimum ? small : value(compute()))
  /** A share `k / n`: shown when `k` and `n − k` each reach the minimum (so `n` does too). */
  const share = (k: number, n: number): Cell => (k < minimum || n - k < minimum ? small : value(k / n))
  /** Counts of one table that add up to a shown total: primary and complementary suppression. */
  const partition = (counts: ReadonlyArray<number>): ReadonlyArray<Cell> => {
    const total = counts.reduce((s, n) => s + n, 0)
    const cells: Array<Cell> = counts.map(count)
    const shown = cells.flatMap((c, k) => (c._tag === "Value" ? [k] : []))
    // one cell suppressed in a table whose total is shown (so another cell is shown too): the smallest shown
    // cell (the first of equal ones) goes with it
    if (total >= minimum && shown.length === cells.length - 1) {
      const pick = shown.reduce((a, b) => ((counts[b] as number) < (counts[a] as number) ? b : a))
      cells[pick] = { _tag: "Suppressed", reason: "complementary" }
    }
    return cells
  }
  return { count, statistic, share, partition }
}

const quartiles = (xs: ReadonlyArray<number>, rules: ReturnType<typeof suppression>) => ({
  q1: rules.statistic(xs.length, () => quantile(xs, 0.25)),
  median: rules.statistic(xs.length, () => quantile(xs, 0.5)),
  q3: rules.statistic(xs.length, () => quantile(xs, 0.75))
})

const timePoints: ReadonlyArray<TimePoint> = ["baseline", "end", "follow-up"]

/**
 * Computes the evaluation report.
 *
 * @since 0.1.0
 * @category constructors
 */
export const report = (input: Input): Report => {
  const c = collector(input)
  for (const events of input.histories) c.add(events)
  return c.report()
}

/**
 * A report computed a history at a time: `add` each referral's event
 * history (in any order; other programmes' and periods' referrals are
 * skipped), then `report`. Only the figures of each counted referral are
 * kept, never the histories, so a reader can stream the histories in pages
 * (`ReferralIndex.find` by programme and period, then `streams`) with
 * memory bounded by the cohort's figures. `report(input)` is this collector
 * over `input.histories`.
 *
 * @since 0.2.0
 * @category constructors
 */
export const collector = (
  input: Omit<Input, "histories">
): {
  readonly add: (events: ReadonlyArray<ReferralEvent>) => void
  readonly report: () => Report
} => {
  const { add, report } = makeCollector(input)
  return { add, report }
}

const makeCollector = (input: Omit<Input, "histories">) => {
  const asOf = input.asOf ?? input.period.to
  const cohort: Array<Facts> = []
  const inPeriod = (submittedAt: Instant) =>
    submittedAt >= input.period.from && submittedAt < input.period.to && submittedAt < asOf
  return {
    /**
     * A referral from its state as the index holds it (every event folded
     * in) and its events of `eventTags`: the same figures as `add` of its
     * history when the state's `lastEventAt` is before `asOf` (then every
     * event that moves the state lies before `asOf`, rule C4: so do the
     * events of `eventTags`, which all move it; the events after it,
     * research consents and message outcomes, change nothing the report
     * reads). The caller gives only referrals of the programme submitted in
     * the period before `asOf` (`fromIndex` finds exactly those).
     */
    addCurrent: (state: Referral.ReferralState, events: ReadonlyArray<ReferralEvent>) => {
      cohort.push(factsFrom(state, events, input.catalog, asOf))
    },
    add: (events: ReadonlyArray<ReferralEvent>) => {
      const first = events[0]
      if (first?._tag !== "ReferralSubmitted" || first.programmeId !== input.programmeId || !inPeriod(first.at)) {
        return
      }
      cohort.push(factsOf(events, input.catalog, asOf))
    },
    report: (): Report => aggregate(input, cohort)
  }
}

const aggregate = (input: Omit<Input, "histories">, cohort: ReadonlyArray<Facts>): Report => {
  const minimumCell = minimumCellOf(Math.floor(input.minimumCell ?? 5))
  const rules = suppression(minimumCell)
  const instruments = input.instruments ?? Instruments.defaults
  const asOf = input.asOf ?? input.period.to
  const versions = input.catalog.all.filter((p) => p.id === input.programmeId).sort((a, b) => a.version - b.version)
  const latest = input.catalog.latest(input.programmeId)

  // referrals by state and by referrer profession
  const statuses = Lifecycle.states
  const byStatusCells = rules.partition(statuses.map((s) => cohort.filter((f) => f.state.status === s).length))
  const eligible = versions.flatMap((p) => p.eligibleReferrerProfessions)
  const professionOf = (f: Facts) => f.state.referrer?.profession ?? "unknown"
  const seen = cohort.map(professionOf)
  const professions = [...new Set(eligible), ...[...new Set(seen)].filter((p) => !eligible.includes(p)).sort()]
  const byProfessionCells = rules.partition(professions.map((p) => cohort.filter((f) => professionOf(f) === p).length))

  // first contact against D2
  const reached = cohort.filter((f) => f.firstContactHours !== undefined)
  const within = reached.filter((f) => f.firstContactWithin === true).length
  const [withinCell, afterCell] = rules.partition([within, reached.length - within]) as [Cell, Cell]

  // collaboration lengths
  const lengths = cohort.flatMap((f) => (f.collaborationDays === undefined ? [] : [f.collaborationDays]))

  // measures
  const expected = new Map<string, { instrument: string; respondent: Measures.Respondent; points: Set<TimePoint> }>()
  for (const p of versions) {
    for (const tp of timePoints) {
      for (const m of tp === "baseline" ? p.measures.baseline : tp === "end" ? p.measures.end : p.measures.followUp) {
        const key = `${m.instrument}/${m.respondent}`
        const entry = expected.get(key) ?? { instrument: m.instrument, respondent: m.respondent, points: new Set() }
        entry.points.add(tp)
        expected.set(key, entry)
      }
    }
  }
  const completeness: Array<MeasureCompleteness> = []
  const changes: Array<MeasureChange> = []
  for (const { instrument: code, respondent, points } of expected.values()) {
    const instrument = instruments.get(code)
    for (const tp of timePoints) {
      if (!points.has(tp)) continue
      const forms = cohort.flatMap((f) =>
        f.taken.filter((a) => a.instrument === code && a.respondent === respondent && a.timePoint === tp)
      )
      const scored =
        instrument === undefined
          ? 0
          : forms.filter((a) => Measures.score(instrument, a.answers)._tag === "Scored").length
      const [scoredCell, notScoredCell] = rules.partition([scored, forms.length - scored]) as [Cell, Cell]
      completeness.push({
        instrument: code,
        timePoint: tp,
        respondent,
        recorded: rules.count(forms.length),
        scored: scoredCell,
        notScored: notScoredCell
      })
    }
    if (instrument === undefined) continue
    for (const comparison of Measures.comparisons) {
      if (!points.has(comparison.from) || !points.has(comparison.to)) continue
      const paired = cohort.flatMap((f) => {
        const c = Measures.pairedChange(instrument, f.taken, respondent, comparison)
        return c === undefined ? [] : [c]
      })
      for (const d of Instrument.scoreDefinitions(instrument)) {
        const scoreChanges = paired.flatMap((c) => c.scores.filter((s) => s.key === d.key))
        const n = scoreChanges.length
        const deltas = scoreChanges.map((s) => s.change)
        const improved = scoreChanges.filter((s) => Measures.improvedClasses.has(s.classification)).length
        const clearly = scoreChanges.filter((s) => s.classification === "improved-clearly").length
        changes.push({
          instrument: code,
          instrumentName: instrument.name,
          score: d.key,
          scoreName: d.name,
          respondent,
          from: comparison.from,
          to: comparison.to,
          direction: d.direction,
          thresholds: d.thresholds ?? null,
          pairs: rules.count(n),
          // computed only from at least the minimum number of clients (`statistic`)
          meanChange: rules.statistic(n, () => meanWithCi95(deltas).mean),
          ci95Low: rules.statistic(n, () => meanWithCi95(deltas).low),
          ci95High: rules.statistic(n, () => meanWithCi95(deltas).high),
          shareImproved: d.thresholds === undefined ? null : rules.share(improved, n),
          shareImprovedClearly: d.thresholds === undefined ? null : rules.share(clearly, n)
        })
      }
    }
  }

  // follow-up completion
  const recorded = cohort.filter((f) => f.followUp === "recorded").length
  const missed = cohort.filter((f) => f.followUp === "missed").length
  const pending = cohort.filter((f) => f.followUp === "pending").length
  const [recordedCell, missedCell] = rules.partition([recorded, missed]) as [Cell, Cell]
  // a follow-up answered through a link completes it as recorded (`FollowUpCompleted`)
  const byLink = cohort.filter((f) => f.followUpByLink === true).length
  const [byLinkCell, byLinkWorkerCell] = rules.partition([byLink, recorded - byLink]) as [Cell, Cell]

  return {
    format: "lahete-evaluation/1",
    programme: {
      id: input.programmeId,
      municipality: latest?.municipality ?? "",
      name: latest?.names.fi ?? input.programmeId,
      versions: versions.map((p) => p.version),
      ...(latest === undefined ? {} : { names: latest.names, languages: latest.languages, timeZone: latest.timeZone })
    },
    period: { from: input.period.from, to: input.period.to },
    asOf,
    minimumCell,
    referrals: {
      total: rules.count(cohort.length),
      byStatus: statuses.map((status, k) => ({ status, count: byStatusCells[k] as Cell })),
      byReferrerProfession: professions.map((profession, k) => ({ profession, count: byProfessionCells[k] as Cell }))
    },
    firstContact: {
      reached: rules.count(reached.length),
      withinDeadline: withinCell,
      afterDeadline: afterCell,
      shareWithinDeadline: rules.share(within, reached.length),
      hours: quartiles(
        reached.map((f) => f.firstContactHours as number),
        rules
      )
    },
    collaboration: { closed: rules.count(lengths.length), days: quartiles(lengths, rules) },
    measures: { completeness, change: changes },
    followUp: {
      settled: rules.count(recorded + missed),
      recorded: recordedCell,
      missed: missedCell,
      pending: rules.count(pending),
      shareRecorded: rules.share(recorded, recorded + missed),
      collected: { byLink: byLinkCell, byLinkWorker: byLinkWorkerCell }
    },
    community: CommunityEvaluation.compute(
      cohort.map((f) => f.state),
      { minimumCell, directory: input.directory }
    )
  }
}

/**
 * The report as JSON text (its schema's encoding).
 *
 * @since 0.1.0
 * @category encoding
 */
export const toJson = (r: Report): string => JSON.stringify(Schema.encodeSync(Report)(r), null, 2)

/**
 * How many referrals `fromIndex` reads at a time.
 *
 * @since 0.2.0
 * @category constants
 */
export const chunkSize = 500

/**
 * Computes the report from the index: reads only the programme's referrals
 * submitted in the period (`ReferralIndex.find`), `chunkSize` at a time,
 * and keeps only each one's figures (`collector`): time and memory grow
 * with the cohort, not with the store. A referral whose last event (rule
 * C4's `lastEventAt`) lies before `asOf` is taken from the state the index
 * holds, with only its events of `eventTags` (`ReferralIndex.events`: the
 * measures' answers, the calls) and no fold; only a referral
 * whose history runs past `asOf` is read whole (`ReferralIndex.streams`) and
 * folded up to `asOf`. Both give the figures `report` gives over the
 * histories (`ReferralIndexTest` checks it on every adapter).
 *
 * @since 0.2.0
 * @category constructors
 */
export const fromIndex = (
  input: Omit<Input, "histories">
): Effect.Effect<Report, ReferralIndex.ReferralIndexError, ReferralIndex.ReferralIndex> =>
  Effect.gen(function* () {
    const index = yield* ReferralIndex.ReferralIndex
    const c = makeCollector(input)
    const asOf = input.asOf ?? input.period.to
    const query: ReferralIndex.Query = {
      programmeIds: [input.programmeId as ProgrammeId],
      submittedFrom: input.period.from,
      // biome-ignore lint/complexity/useMathMinMax: instants are ISO strings, compared as text
      submittedBefore: asOf < input.period.to ? asOf : input.period.to
    }
    let after: string | undefined
    do {
      const page = yield* index.find(query, { limit: chunkSize, after })
      // settled before asOf: the index's state and a few kinds of event; otherwise the history, folded up to asOf
      const settled: Array<Referral.ReferralState> = []
      const later: Array<ReferralId> = []
      for (const s of page.items) {
        if (s.referralId === undefined) continue
        if (s.lastEventAt !== undefined && s.lastEventAt < asOf) settled.push(s)
        else later.push(s.referralId)
      }
      const events = yield* index.events(
        settled.map((s) => s.referralId as ReferralId),
        eventTags
      )
      // one list per id, in the order given (`ReferralIndex.events`)
      for (const [k, s] of settled.entries()) c.addCurrent(s, events[k] as ReadonlyArray<ReferralEvent>)
      for (const stream of yield* index.streams(later)) c.add(stream.events)
      after = page.next
    } while (after !== undefined)
    return c.report()
  })

/**
 * Adds the link workers' survey to a report (`Report.linkWorkerSurvey`):
 * the rounds of the programme's survey that overlap the report's period and
 * had closed by its `asOf`, read from the answers' store, at the report's
 * minimum cell (or more). A programme without a survey leaves the report
 * as it is.
 *
 * @since 0.3.0
 * @category constructors
 */
export const withLinkWorkerSurvey = (
  report: Report,
  programme: Programme.Programme
): Effect.Effect<
  Report,
  LinkWorkerSurveyAnswers.SurveyAnswersFailure,
  LinkWorkerSurveyAnswers.LinkWorkerSurveyAnswers
> =>
  Effect.map(
    LinkWorkerSurveyAnswers.reportSection({
      programme,
      period: report.period,
      asOf: report.asOf,
      minimumCell: report.minimumCell
    }),
    (section) => (section === undefined ? report : { ...report, linkWorkerSurvey: section })
  )
