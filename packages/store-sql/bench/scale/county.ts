/**
 * A wellbeing services county's referral histories, generated for the scale
 * benchmark (`scale.ts`) and its loader (`loader.ts`): N referrals in
 * realistic states, each one the commands a real deployment would have run
 * for it, decided by the core decider (`Referral.makeDecider`) so that every
 * history is one the service would have accepted.
 *
 * The county (deterministic for a given N and seed):
 *
 * - four programmes (the two presets and two more municipalities made from
 *   the Kemijärvi preset), half the referrals in the first;
 * - 20 link workers (capacity 40 each, trained since 2015, refreshers every
 *   four months) and 200 referrers (nurses, doctors, social workers) in five
 *   organisations; one coordinator;
 * - one referral in ten is a client's second referral (same subject);
 * - "now" is Monday 30 November 2026, 10:00 in Helsinki (`now`); referrals
 *   that ended were submitted from `spanYears` before now (2 years at 1k and
 *   10k, N/20,000 years above, at most 10) until ten months before now, so
 *   one programme-year of the first programme (2025) holds about 3,800
 *   referrals at 10k and 12,000 at 100k;
 * - most referrals ended: followed up (about a third of them by the
 *   scheduler's expiry of the follow-up window), declined, unreachable,
 *   rejected, withdrawn, cancelled; the open ones are recent: some active or
 *   on hold, a few submitted, assigned or with a call scheduled, some closed
 *   awaiting the follow-up. Open caseloads are bounded by the link workers'
 *   capacity (at 10k and above every link worker has 30–39 clients), as in
 *   a real county, where history grows and the open work does not;
 * - every history has what the worker adds while it runs: the deadline
 *   markers (`Scheduler.commandsDue` at each marker's time, before the next
 *   command) and the outcome of every message the outbox sent (the
 *   coordinator's notification, the call-time text message), as the
 *   dispatcher records them. At `now` nothing is due: a worker step finds
 *   nothing to do.
 *
 * - a directory of community activities (`directory`: a few hundred
 *   activities of organisations in each municipality's areas, growing
 *   slowly with N: 154 at 1k, 190 at 10k, 550 at 100k; one in eight changed
 *   in June 2026, so in two versions) and, on the referrals that reached the
 *   collaboration, the client's plan as link workers record it: most have a
 *   plan (goals, what matters to the client in their words, kept in the
 *   vault); one to three activities of their area suggested, about 60 % of
 *   those tried (half of them with the link worker, where allowed), about
 *   60 % of the tried joined, a quarter of the joined left again (with a
 *   reason); about one in six with an unmet need; at follow-up most still
 *   taking part confirmed `continuing`. A plan names the version the client
 *   met (version 2 of a changed activity after June 2026).
 *
 * Histories have 4–36 events (median about 20).
 */
import {
  Actor,
  Deadlines,
  Directory,
  DirectoryPresets,
  type DirectoryStore,
  Ids,
  Instant,
  Instruments,
  Lifecycle,
  type LinkWorker,
  PersonalIdentityCode,
  Presets,
  Programme,
  Referral,
  type ReferralCommand,
  type ReferralEvent,
  Scheduler
} from "@lahete/core"
import { Result } from "effect"

type Command = ReferralCommand.ReferralCommand
type Cmd<T extends Command["_tag"]> = Extract<Command, { _tag: T }>
/** A command without its referral and key (each member of the union on its own). */
type Draft = Command extends infer C ? (C extends Command ? Omit<C, "referralId" | "idempotencyKey"> : never) : never

// ---------------------------------------------------------------------------
// the county
// ---------------------------------------------------------------------------

/** Monday 30 November 2026, 10:00 in Helsinki: the benchmark's clock. */
export const now = Instant.make(Date.parse("2026-11-30T08:00:00.000Z"))

const hour = 3_600_000
const day = 24 * hour
const plus = (at: Instant.Instant, ms: number): Instant.Instant => Instant.plusMillis(at, Math.round(ms))
const max = (a: Instant.Instant, b: Instant.Instant): Instant.Instant => (a > b ? a : b)

const derived = (id: string, municipality: string): Programme.Programme =>
  Result.getOrThrow(Programme.decode({ ...Presets.kemijarvi, id, municipality, names: { fi: "Hyvinvointilähete" } }))

/** The county's programmes; the first takes half the referrals. */
export const programmes: ReadonlyArray<Programme.Programme> = [
  Presets.kemijarvi,
  Presets.sodankyla,
  derived("rovaniemi", "Rovaniemi"),
  derived("tornio", "Tornio")
]
const programmeWeights = [0.5, 0.2, 0.18, 0.12]

/** The catalog of the county's programmes. */
export const catalog: Programme.Catalog = Result.getOrThrow(Programme.catalog(programmes))

const decider = Referral.makeDecider(catalog)

/** Each link worker's capacity (active clients at most). */
export const capacity = 40

const trainedSince = Date.parse("2015-01-05T08:00:00.000Z")
const refreshers: ReadonlyArray<Instant.Instant> = Array.from({ length: 37 }, (_, k) =>
  Instant.make(trainedSince + (k + 1) * 120 * day)
)

/** The 20 link workers, eligible for assignment from 2015 to 2027. */
export const linkWorkers: ReadonlyArray<LinkWorker.LinkWorker> = Array.from({ length: 20 }, (_, k) => ({
  id: Ids.ActorId.make(`linkworker-${k + 1}`),
  active: true,
  employerType: (["adult-education-centre", "municipality", "ngo", "parish"] as const)[k % 4] ?? "ngo",
  languages: k % 5 === 0 ? ["fi", "sv"] : ["fi"],
  areas: [programmes[k % programmes.length]?.municipality ?? "Kemijärvi"],
  capacity,
  confidentialityCommitmentSignedAt: Instant.make(trainedSince - 30 * day),
  basicTrainingCompletedAt: Instant.make(trainedSince),
  refresherTrainings: refreshers,
  mentoringSessions: []
}))

const linkWorkerActors = linkWorkers.map((w, k) => Actor.make("LinkWorker", w.id, `lw-employer-${k % 4}`))

/** The organisations the referrers work in. */
export const organisations = [
  "lapland-wellbeing-centre-north",
  "lapland-wellbeing-centre-south",
  "rovaniemi-health-centre",
  "tornio-social-services",
  "sodankyla-health-centre"
]

const professions = ["nurse", "nurse", "doctor", "social-worker", "social-counsellor", "service-counsellor"] as const

/** The 200 referrers, 40 in each organisation. */
export const referrers: ReadonlyArray<Actor.Actor> = Array.from({ length: 200 }, (_, k) =>
  Actor.make(
    "Referrer",
    `referrer-${k + 1}`,
    organisations[k % organisations.length] ?? "x",
    professions[k % professions.length]
  )
)

/** The coordinator who assigns and rejects (every programme). */
export const coordinator = Actor.make("Coordinator", "coordinator-1", "lapland-wellbeing-services-county")

/** The evaluator (every programme). */
export const evaluator = Actor.make("Evaluator", "evaluator-1", "lapland-wellbeing-services-county")

/** How many years of ended referrals a county of `n` holds. */
export const spanYears = (n: number): number => Math.min(10, Math.max(2, n / 20_000))

/** The programme-year the benchmark's evaluation report covers: calendar 2025 of the first programme. */
export const evaluationPeriod = {
  programmeId: Presets.kemijarvi.id,
  from: Instant.make(Date.parse("2024-12-31T22:00:00.000Z")),
  to: Instant.make(Date.parse("2025-12-31T22:00:00.000Z"))
}

// ---------------------------------------------------------------------------
// randomness
// ---------------------------------------------------------------------------

/** mulberry32: a small deterministic generator. */
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

type Rng = () => number
const between = (rng: Rng, lo: number, hi: number) => lo + (hi - lo) * rng()
const int = (rng: Rng, lo: number, hi: number) => Math.floor(between(rng, lo, hi + 1))
const pick = <A>(rng: Rng, items: ReadonlyArray<A>): A => items[Math.floor(rng() * items.length)] as A
const weighted = <A>(rng: Rng, items: ReadonlyArray<A>, weights: ReadonlyArray<number>): A => {
  let r = rng() * weights.reduce((a, b) => a + b, 0)
  for (const [i, w] of weights.entries()) {
    r -= w
    if (r < 0) return items[i] as A
  }
  return items[items.length - 1] as A
}

// ---------------------------------------------------------------------------
// the directory
// ---------------------------------------------------------------------------

/** The areas of each programme's municipality (a plan's activities and unmet needs are in the client's). */
const areasOf = (programme: Programme.Programme): ReadonlyArray<string> =>
  ["keskusta", "kylät", "pohjoinen"].map((part) => `${programme.municipality}, ${part}`)

/** How many activities a county of `n` lists: a few hundred, growing slowly with the county. */
export const directoryActivities = (n: number): number => Math.min(2_000, 150 + Math.round(n / 250))

/** When one activity in eight changed (its version 2). */
export const directoryChangedAt = Instant.make(Date.parse("2026-06-01T06:00:00.000Z"))

const uuid = (prefix: string, k: number) => `${prefix}-0000-4000-8000-${String(k).padStart(12, "0")}`
const organisationKinds = [
  "association",
  "association",
  "parish",
  "adult-education-centre",
  "municipal-leisure",
  "sports-club"
] as const
const activityNames = ["Kävelyryhmä", "Käsityöpiiri", "Vertaisryhmä", "Kielikahvila", "Kuntosali", "Kuoro", "Lukupiiri"]
const template = DirectoryPresets.kemijarvi.activity(DirectoryPresets.kemijarviIds.walkingGroup) as Directory.Activity

/** The county's directory: every version (the first put, then the June 2026 changes as next versions). */
export interface CountyDirectory {
  readonly first: DirectoryStore.Changes
  readonly changes: DirectoryStore.Changes
  /** Every version, as the store holds it after both puts. */
  readonly directory: Directory.Directory
  /** The activities of each area, by area. */
  readonly byArea: ReadonlyMap<string, ReadonlyArray<Directory.Activity>>
}

/** The directory of a county of `n` (deterministic). */
export const directory = (n: number): CountyDirectory => {
  const count = directoryActivities(n)
  const areas = programmes.flatMap(areasOf)
  const organisations = Array.from({ length: Math.ceil(count / 5) }, (_, k) => ({
    id: uuid("0b000000", k) as Directory.DirectoryOrganisationId,
    name: `Yhdistys ${k + 1}`,
    kind: organisationKinds[k % organisationKinds.length] ?? "association",
    description: "Kuvitteellinen järjestö skaalatestin hakemistossa."
  }))
  const activities = Array.from({ length: count }, (_, k) => {
    const { version: _version, ...rest } = template
    const organisation = organisations[k % organisations.length] as (typeof organisations)[number]
    return {
      ...rest,
      id: uuid("0a000000", k) as Directory.ActivityId,
      organisationId: organisation.id,
      name: `${activityNames[k % activityNames.length]} ${k + 1}`,
      area: areas[k % areas.length] as string,
      languages: k % 9 === 0 ? ["fi", "sv"] : ["fi"],
      cost: k % 4 === 3 ? { free: false, amountEur: 20 } : { free: true },
      accompanyingAllowed: k % 3 !== 2,
      status: k % 25 === 24 ? ("inactive" as const) : ("active" as const)
    }
  })
  const changed = activities
    .filter((_, k) => k % 8 === 5)
    .map((a) => ({ ...a, description: `${a.description} Uusi aika kesästä 2026.` }))
  const all = Directory.make({
    organisations: organisations.map((o) => ({ ...o, version: 1 })),
    activities: [...activities.map((a) => ({ ...a, version: 1 })), ...changed.map((a) => ({ ...a, version: 2 }))]
  })
  const byArea = new Map<string, Array<Directory.Activity>>()
  for (const a of all.currentActivities) {
    if (a.status !== "active") continue
    const list = byArea.get(a.area) ?? []
    list.push(a)
    byArea.set(a.area, list)
  }
  for (const list of byArea.values()) list.sort((a, b) => (a.id < b.id ? -1 : 1))
  return { first: { organisations, activities }, changes: { activities: changed }, directory: all, byArea }
}

let directoryCache: { n: number; directory: CountyDirectory } | undefined
const directoryFor = (n: number): CountyDirectory => {
  if (directoryCache?.n !== n) directoryCache = { n, directory: directory(n) }
  return directoryCache.directory
}

/** The version of activity `a` a client met at `at`. */
const refAt = (county: CountyDirectory, a: Directory.Activity, at: Instant.Instant): Directory.ActivityRef =>
  Directory.ref(county.directory, a.id, at >= directoryChangedAt ? a.version : 1) as Directory.ActivityRef

const goalSets = [["meet-people"], ["meet-people", "outdoors"], ["physical-activity"], ["new-hobby", "meet-people"]]
const whatMattersTexts = [
  "Wants to get out of the house and see people again.",
  "Would like to be stronger and walk without fear of falling.",
  "Misses singing; used to be in a choir.",
  "Wants something to look forward to every week."
]
const leaveReasons = ["not-for-me", "schedule", "cost", "transport", "health", "found-other"] as const
const unmetCategories = ["evening-activity", "transport", "peer-group-in-swedish", "men-only-group"]

// ---------------------------------------------------------------------------
// fates
// ---------------------------------------------------------------------------

/** What happens to a referral (its status at `now` when nothing cuts it short). */
export type Fate =
  | "FollowedUp"
  | "FollowUpMissed"
  | "Closed"
  | "Declined"
  | "Unreachable"
  | "Rejected"
  | "Withdrawn"
  | "Cancelled"
  | "Active"
  | "OnHold"
  | "Submitted"
  | "Assigned"
  | "ContactScheduled"

const ended: ReadonlyArray<Fate> = [
  "FollowedUp",
  "FollowUpMissed",
  "Declined",
  "Unreachable",
  "Rejected",
  "Withdrawn",
  "Cancelled"
]
const endedWeights = [0.5, 0.22, 0.09, 0.07, 0.06, 0.04, 0.02]

/** The open fates: the share of all referrals each would take, and the most there are at any size. */
const open: ReadonlyArray<{ readonly fate: Fate; readonly share: number; readonly most: number }> = [
  { fate: "Active", share: 0.12, most: 560 },
  { fate: "OnHold", share: 0.02, most: 60 },
  { fate: "Closed", share: 0.03, most: 300 },
  { fate: "ContactScheduled", share: 0.015, most: 50 },
  { fate: "Assigned", share: 0.01, most: 30 },
  { fate: "Submitted", share: 0.01, most: 30 }
]

// ---------------------------------------------------------------------------
// one referral
// ---------------------------------------------------------------------------

/**
 * `Deadlines.dueFirings`, with `Deadlines.pendingFirings` kept while nothing
 * it depends on changes (the time-zone arithmetic is most of the
 * generator's time).
 */
let pendingKey = ""
let pending: ReadonlyArray<Deadlines.Firing> = []
const dueFirings = (
  state: Referral.ReferralState,
  programme: Programme.Programme,
  at: Instant.Instant
): ReadonlyArray<Deadlines.Firing> => {
  const key = [
    state.referralId,
    state.status,
    state.submittedAt,
    state.callAt,
    state.startedAt,
    state.closedAt,
    state.endedAt,
    state.personalDataErased,
    state.deadlineMarks.join(",")
  ].join("|")
  if (key !== pendingKey) {
    pending = Deadlines.pendingFirings(state, programme)
    pendingKey = key
  }
  return pending.filter((f) => f.fireAt <= at && !(f.marker === "at-risk" && f.dueAt <= at))
}

/** One command as the service ran it: the events it appended and the state after them. */
export interface Step {
  readonly command: Command
  readonly events: ReadonlyArray<ReferralEvent.ReferralEvent>
  /** The state before the command (for the vault write and the scheduler). */
  readonly before: Referral.ReferralState
  readonly after: Referral.ReferralState
  /** Whether it went through `ReferralService.assign` (the coordinator named the link worker). */
  readonly assignment: boolean
}

/** One referral's history. */
export interface History {
  readonly referralId: Ids.ReferralId
  readonly subjectId: Ids.SubjectId
  readonly fate: Fate
  readonly steps: ReadonlyArray<Step>
  readonly state: Referral.ReferralState
}

/** The referral id of the i-th referral (0-based). */
export const referralIdOf = (i: number): Ids.ReferralId => Ids.ReferralId.make(`ref-${String(i).padStart(7, "0")}`)

const subjectIdOf = (k: number): Ids.SubjectId => Ids.SubjectId.make(`subject-${String(k).padStart(7, "0")}`)

const givenNames = ["Aino", "Eino", "Helmi", "Väinö", "Kerttu", "Toivo", "Saara", "Lauri", "Elli", "Onni"]
const familyNames = ["Testinen", "Koe", "Malli", "Esimerkki", "Harjoitus", "Kokeilu"]

/** The client of subject k: fictitious, a temporary identity code (individual number 900–999). */
const clientOf = (k: number): Cmd<"SubmitReferral">["client"] => {
  const rng = random(0x5eed ^ (k * 2654435761))
  const year = int(rng, 1935, 1995)
  return {
    givenName: pick(rng, givenNames),
    familyName: pick(rng, familyNames),
    personalIdentityCode: PersonalIdentityCode.make({
      day: int(rng, 1, 28),
      month: int(rng, 1, 12),
      year,
      individualNumber: int(rng, 900, 999)
    }),
    mobileNumber: `040 ${String(1_000_000 + (k % 8_999_999)).slice(0, 3)} ${String(k % 10_000).padStart(4, "0")}`,
    language: k % 17 === 0 ? "sv" : "fi"
  }
}

const reasonTexts = [
  "Lives alone and would like company for walks.",
  "Moved here recently and knows nobody yet.",
  "Retired this spring and misses the work community.",
  "Would like to find a hobby group."
]
const reasonCategories = [["loneliness"], ["lack-of-activity"], ["loneliness", "lack-of-activity"], ["life-change"]]

/** The county's bookkeeping while histories are generated in order (the load order). */
export interface Tally {
  /** Each link worker's clients in caseload statuses, counting the referrals generated so far. */
  readonly caseload: Array<number>
  /** How many referrals took each open fate so far. */
  readonly openCount: Map<Fate, number>
  /** The subject of each referral of the current chunk (for second referrals of a client). */
  readonly subjects: Map<number, number>
}

/** A new tally for a county. */
export const tally = (): Tally => ({
  caseload: linkWorkers.map(() => 0),
  openCount: new Map(),
  subjects: new Map()
})

/**
 * Generates referral `i` of a county of `n` (in order: `i` from 0 up, with
 * one `Tally` for the whole county; `chunkStart` is the first referral of
 * the chunk being generated, a client's second referral comes from the same
 * chunk).
 */
export const history = (n: number, i: number, county: Tally, chunkStart = 0, seed = 1): History => {
  const rng = random((seed * 0x9e3779b1) ^ (i * 2246822519))
  const referralId = referralIdOf(i)

  // the subject: one referral in ten is a client's second
  let subjectIndex = i
  if (i > chunkStart && rng() < 0.1) subjectIndex = county.subjects.get(int(rng, chunkStart, i - 1)) ?? i
  county.subjects.set(i, subjectIndex)
  const subjectId = subjectIdOf(subjectIndex)

  // the fate: an open one while its share of the county is not reached and a link worker has room
  let fate = weighted(rng, ended, endedWeights)
  const draw = rng()
  let acc = 0
  for (const o of open) {
    acc += o.share
    if (draw < acc) {
      const taken = county.openCount.get(o.fate) ?? 0
      if (taken < Math.min(o.most, Math.round(o.share * n))) fate = o.fate
      break
    }
  }
  const programme = weighted(rng, programmes, programmeWeights)
  const referrer = pick(rng, referrers)
  // the link worker: one with room (a client of an ended referral counted too while it was open)
  let worker = int(rng, 0, linkWorkers.length - 1)
  if ((county.caseload[worker] ?? 0) >= capacity - 1) {
    worker = county.caseload.indexOf(Math.min(...county.caseload))
  }
  if ((county.caseload[worker] ?? 0) >= capacity - 1) fate = "Rejected"
  const linkWorkerActor = linkWorkerActors[worker] as Actor.Actor
  const linkWorker = linkWorkers[worker] as LinkWorker.LinkWorker

  // when it was submitted
  const span = spanYears(n) * 365 * day
  const businessHours = (at: Instant.Instant): Instant.Instant => {
    // 08:00–15:00 local on the same or next weekday
    const d = new Date(at)
    let t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 6 + int(rng, 0, 6), int(rng, 0, 59))
    while ([0, 6].includes(new Date(t).getUTCDay())) t += day
    return Instant.make(t)
  }
  const back = (ms: number) => plus(now, -ms)
  let submittedAt: Instant.Instant
  switch (fate) {
    case "Submitted":
      submittedAt = back(between(rng, 0.5, 20) * hour)
      break
    case "Assigned":
      submittedAt = back(between(rng, 6, 40) * hour)
      break
    case "ContactScheduled":
      submittedAt = back(between(rng, 8, 60) * hour)
      break
    case "Active":
      submittedAt = businessHours(back(between(rng, 10, 150) * day))
      break
    case "OnHold":
      submittedAt = businessHours(back(between(rng, 30, 120) * day))
      break
    case "Closed":
      submittedAt = businessHours(back(between(rng, 45, 140) * day))
      break
    default:
      submittedAt = businessHours(back(between(rng, 300 * day, span)))
  }

  // the commands, each decided at once; the worker's markers and message outcomes in between
  const steps: Array<Step> = []
  let state = Referral.initialState
  let keyCount = 0
  const outcomes: Array<{ readonly at: Instant.Instant; readonly messageId: string; readonly kind: string }> = []
  const apply = (command: Command, assignment = false) => {
    const decision = decider.decide(command, state)
    if (Result.isFailure(decision)) {
      throw new Error(`bench county: ${referralId} (${fate}): ${command._tag} refused: ${decision.failure.message}`)
    }
    const before = state
    const after = Referral.fold(decision.success, state)
    steps.push({ command, events: decision.success, before, after, assignment })
    state = after
    for (const e of decision.success) {
      if (e._tag === "ReferralSubmitted") {
        outcomes.push({
          at: plus(e.at, 60_000),
          messageId: `${referralId}:coordinator-notification`,
          kind: "coordinator-notification"
        })
      }
      if (e._tag === "CallTimeMessageRequested") {
        outcomes.push({
          at: plus(e.sendAfter, 60_000),
          messageId: `${referralId}:${e.messageId}`,
          kind: "call-time-sms"
        })
      }
    }
  }
  /** What the worker did up to `until`: message outcomes and deadline markers, in time order. */
  const workUntil = (until: Instant.Instant) => {
    for (;;) {
      const firing = dueFirings(state, programme, until)[0]
      outcomes.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
      const outcome = outcomes[0]
      const firingAt = firing === undefined ? undefined : max(firing.fireAt, state.lastEventAt ?? firing.fireAt)
      if (outcome !== undefined && outcome.at <= until && (firingAt === undefined || outcome.at <= firingAt)) {
        outcomes.shift()
        apply({
          _tag: "RecordMessageOutcome",
          referralId,
          idempotencyKey: Ids.IdempotencyKey.make(`outbox:${outcome.messageId}`),
          actor: Scheduler.systemActor,
          at: outcome.at,
          messageId: outcome.messageId,
          kind: outcome.kind as Cmd<"RecordMessageOutcome">["kind"],
          outcome: "sent",
          attempts: 1
        })
        continue
      }
      if (firingAt === undefined) return
      const commands = Scheduler.commandsDue(state, programme, firingAt)
      if (commands.length === 0) return
      for (const c of commands) apply(c)
    }
  }
  const run = (command: Draft, assignment = false) => {
    if (command.at > now) return false
    workUntil(command.at)
    apply(
      {
        ...command,
        referralId,
        idempotencyKey: Ids.IdempotencyKey.make(`${referralId}:${++keyCount}`)
      } as Command,
      assignment
    )
    return true
  }

  const done = (): History => {
    // what the worker did until now; nothing is due at `now` afterwards
    workUntil(now)
    if (!ended.includes(fate)) county.openCount.set(fate, (county.openCount.get(fate) ?? 0) + 1)
    if (Lifecycle.caseload.has(state.status) && state.linkWorkerId !== undefined) {
      county.caseload[worker] = (county.caseload[worker] ?? 0) + 1
    }
    return { referralId, subjectId, fate, steps, state }
  }

  {
    // submission
    const sodankyla = programme.id === Presets.sodankyla.id
    run({
      _tag: "SubmitReferral",
      actor: referrer,
      at: submittedAt,
      programmeId: programme.id,
      subjectId,
      client: clientOf(subjectIndex),
      reasonCategories: pick(rng, reasonCategories),
      reasonText: pick(rng, reasonTexts),
      exclusionsPresent: [],
      feedbackRequested: rng() < 0.4,
      consents: [
        { purpose: "referral", decision: "granted", method: "in-appointment" },
        { purpose: "contact-by-sms", decision: "granted", method: "in-appointment" },
        ...(rng() < 0.3
          ? [{ purpose: "research" as const, decision: "granted" as const, method: "written" as const }]
          : [])
      ]
    })
    let t = submittedAt
    const later = (ms: number) => {
      t = plus(t, ms)
      return t
    }
    if (fate === "Submitted") return done()
    if (fate === "Rejected") {
      run({ _tag: "RejectReferral", actor: coordinator, at: later(between(rng, 1, 20) * hour), reason: "acute-crisis" })
      return done()
    }
    if (fate === "Cancelled") {
      run({ _tag: "CancelReferral", actor: referrer, at: later(between(rng, 1, 20) * hour), reason: "made-in-error" })
      return done()
    }
    const withdrawEarly = fate === "Withdrawn" && rng() < 0.5
    if (withdrawEarly) {
      run({
        _tag: "RecordConsent",
        actor: coordinator,
        at: later(between(rng, 1, 20) * hour),
        consent: { purpose: "referral", decision: "withdrawn", method: "verbal" }
      })
      return done()
    }
    // assignment (through ReferralService.assign), then the call
    const assignAt = later(between(rng, 1, fate === "Assigned" ? 4 : 30) * hour)
    run(
      {
        _tag: "AssignLinkWorker",
        actor: coordinator,
        at: assignAt,
        linkWorker,
        activeClients: county.caseload[worker] ?? 0
      },
      true
    )
    if (fate === "Assigned") return done()
    const scheduleAt = later(between(rng, 0.5, 4) * hour)
    let callAt = Deadlines.earliestCallTime({ programme, at: scheduleAt, withMessage: true })
    if (!run({ _tag: "ScheduleCall", actor: linkWorkerActor, at: scheduleAt, callAt, notifyBySms: true })) return done()
    if (fate === "ContactScheduled") return done()
    if (fate === "Unreachable") {
      for (let attempt = 1; attempt < programme.contactAttempts.max; attempt++) {
        const at = later(Date.parse(callAt) - Date.parse(t) + 15 * 60_000)
        callAt = Deadlines.earliestCallTime({ programme, at: plus(at, day), withMessage: true })
        run({ _tag: "RecordFailedContactAttempt", actor: linkWorkerActor, at, nextCallAt: callAt, notifyBySms: true })
      }
      const at = later(Date.parse(callAt) - Date.parse(t) + 15 * 60_000)
      run({ _tag: "RecordFailedContactAttempt", actor: linkWorkerActor, at, notifyBySms: false })
      return done()
    }
    const contactAt = later(Date.parse(callAt) - Date.parse(t) + 20 * 60_000)
    if (fate === "Declined") {
      run({ _tag: "RecordFirstContact", actor: linkWorkerActor, at: contactAt, outcome: "declined" })
      return done()
    }
    if (!run({ _tag: "RecordFirstContact", actor: linkWorkerActor, at: contactAt, outcome: "agreed" })) return done()
    const measures = (timePoint: "baseline" | "end" | "follow-up", at: Instant.Instant) => {
      for (const m of Programme.expectedMeasures(programme, timePoint)) {
        if (m.respondent !== "self") continue
        const instrument = Instruments.defaults.get(m.instrument)
        if (instrument === undefined) continue
        run({
          _tag: "RecordMeasure",
          actor: linkWorkerActor,
          at,
          instrument: m.instrument,
          timePoint,
          respondent: "self",
          answers: Array.from({ length: instrument.items }, () => int(rng, instrument.scale.min, instrument.scale.max))
        })
      }
    }
    measures("baseline", later(30 * 60_000))
    if (rng() < 0.4) {
      run({
        _tag: "AgreeContactArrangement",
        actor: linkWorkerActor,
        at: later(30 * 60_000),
        way: "in-person",
        frequency: "weekly",
        place: "agreed-place"
      })
    }
    const meetings = fate === "Active" ? 6 : int(rng, 1, 4)
    const holdAfter = fate === "OnHold" ? int(rng, 1, 2) : fate === "Withdrawn" ? int(rng, 0, 2) : -1
    // the client's plan, from a generator of its own (the rest of the history is as without it)
    const planRng = random((seed * 0x85ebca6b) ^ (i * 0xc2b2ae35))
    const listed = directoryFor(n)
    const offered = listed.byArea.get(pick(planRng, areasOf(programme))) ?? []
    const planned = planRng() < 0.8
    const chosen: Array<Directory.Activity> = []
    if (planned && offered.length > 0) {
      const first = int(planRng, 0, offered.length - 1)
      const count = Math.min(offered.length, int(planRng, 1, 3))
      for (let c = 0; c < count; c++) chosen.push(offered[(first + c * 7) % offered.length] as Directory.Activity)
    }
    const paths = chosen.map((activity) => {
      const tried = planRng() < 0.6
      const joined = tried ? planRng() < 0.6 : planRng() < 0.15
      const left = joined && planRng() < 0.25
      return {
        activity,
        tried,
        accompanied: tried && activity.accompanyingAllowed && planRng() < 0.5,
        joined,
        left,
        reason: pick(planRng, leaveReasons),
        continuing: joined && !left && planRng() < 0.75
      }
    })
    const unmet = planned && planRng() < 0.17 ? pick(planRng, unmetCategories) : undefined
    const unmetArea = pick(planRng, areasOf(programme))
    /** The plan's steps recorded after meeting `k` (the plan and suggestions, then tried, joined, left). */
    const planAfter = (k: number) => {
      const step = (activity: Directory.Activity, draft: Partial<Cmd<"RecordActivity">>) => {
        const at = later(20 * 60_000)
        run({
          _tag: "RecordActivity",
          actor: linkWorkerActor,
          at,
          activity: refAt(listed, activity, at),
          step: "suggested",
          ...draft
        })
      }
      if (k === 1 && planned) {
        run({
          _tag: "RecordPlan",
          actor: linkWorkerActor,
          at: later(hour),
          whatMatters: pick(planRng, whatMattersTexts),
          goals: pick(planRng, goalSets)
        })
        for (const p of paths) step(p.activity, { step: "suggested" })
        if (unmet !== undefined) {
          run({
            _tag: "RecordUnmetNeed",
            actor: linkWorkerActor,
            at: later(10 * 60_000),
            category: unmet,
            area: unmetArea
          })
        }
      }
      for (const p of paths) {
        if (k === 2 && p.tried) step(p.activity, { step: "tried", accompanied: p.accompanied })
        if (k === 3 && p.joined) step(p.activity, { step: "joined" })
        if (k === 4 && p.left) step(p.activity, { step: "left", reason: p.reason })
      }
    }
    for (let k = 1; k <= meetings; k++) {
      if (k - 1 === holdAfter) break
      const meetingAt = plus(contactAt, k * 7 * day)
      if (
        !run({
          _tag: "RecordMeeting",
          actor: linkWorkerActor,
          at: later(Date.parse(meetingAt) - Date.parse(t) + 2 * hour),
          meetingAt,
          place: "community-activity",
          durationMinutes: int(rng, 30, 90)
        })
      )
        return done()
      planAfter(k)
    }
    if (fate === "Active") return done()
    if (fate === "OnHold") {
      run({ _tag: "PutOnHold", actor: linkWorkerActor, at: later(between(rng, 1, 6) * day), reason: "hospital-stay" })
      return done()
    }
    if (fate === "Withdrawn") {
      run({
        _tag: "RecordConsent",
        actor: linkWorkerActor,
        at: later(between(rng, 1, 6) * day),
        consent: { purpose: "referral", decision: "withdrawn", method: "in-appointment" }
      })
      return done()
    }
    measures("end", later(between(rng, 3, 10) * day))
    if (
      !run({
        _tag: "CloseReferral",
        actor: linkWorkerActor,
        at: later(hour),
        outcome: "continues-in-community-activity",
        feedback: sodankyla ? "Joined the walking group." : "Found a hobby group and goes there weekly."
      })
    )
      return done()
    if (fate === "FollowedUp") {
      const window = Deadlines.followUpWindow(state.closedAt as Instant.Instant, programme)
      const followUpAt = plus(window.opensAt, between(rng, 2, 20) * day + 10 * hour)
      // at the follow-up check-in: the activities joined (and not left) the client still takes part in
      for (const p of paths) {
        const plan = state.plan.activities.find((a) => a.activity.id === p.activity.id)
        if (p.continuing && plan?.joinedAt !== undefined && plan.leftAt === undefined) {
          run({
            _tag: "RecordActivity",
            actor: linkWorkerActor,
            at: followUpAt,
            activity: refAt(listed, p.activity, followUpAt),
            step: "continuing"
          })
        }
      }
      measures("follow-up", followUpAt)
    }
    return done()
  }
}
