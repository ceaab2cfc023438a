/**
 * Command sequences for ONE referral, for property tests of a decider.
 *
 * `sequence(options)` is model-based: each step looks at the state folded so
 * far (with the decider under test) and picks a command the lifecycle accepts
 * there, with the right actor (the referring referrer, the coordinator, the
 * assigned link worker, the client whose actor id is the subject id, the
 * System actor firing deadline markers) and increasing times. Call times keep
 * to the programme's rules (`Deadlines.earliestCallTime`: calling hours on a
 * business day, the text message's lead time and quiet hours, the
 * first-contact deadline); deadline markers, the expired follow-up and
 * erasure for the retention period come at or after their time, so the clock
 * jumps ahead (weeks or months) when a step needs it. A share of the steps
 * (`invalidShare`) is deliberately wrong instead: random commands, wrong
 * actors, commands in the wrong state, missing consents, ineligible link
 * workers, invalid fields, invalid submissions, times out of order, call
 * times out of the rules, and markers, expiries and erasures before their
 * time.
 *
 * `run(decider, commands)` replays a sequence and records, for every step,
 * the state before, the command, the result and the state after.
 * `withoutResearch` and `withResearch` make the variants the C4 property
 * compares (research consent never changes anything else).
 *
 * @example
 * ```ts
 * import { CommandSequences, Fixtures } from "@lahete/testing"
 * import * as fc from "fast-check"
 *
 * fc.assert(
 *   fc.property(CommandSequences.sequence({ maxLength: 30 }), (commands) => {
 *     const { steps } = CommandSequences.run(Fixtures.decider, commands)
 *     return steps.every((s) => s.after.version >= s.before.version)
 *   })
 * )
 * ```
 *
 * @since 0.1.0
 */
import {
  type Actor,
  Consent,
  Deadlines,
  FinnishCalendar,
  type Ids,
  Instant,
  Lifecycle,
  type LinkWorker,
  LocalTime,
  MobileNumber,
  PersonalIdentityCode,
  type Programme,
  type Referral,
  ReferralCommand,
  type ReferralEvent
} from "@lahete/core"
import { Result } from "effect"
import * as fc from "fast-check"
import * as Arbitraries from "./Arbitraries.js"
import * as Fixtures from "./Fixtures.js"

type Command = ReferralCommand.ReferralCommand
type Cmd<T extends ReferralCommand.Tag> = Extract<Command, { _tag: T }>
type State = Referral.ReferralState

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

// ---------------------------------------------------------------------------
// run
// ---------------------------------------------------------------------------

/**
 * One command of a run: the state before, the command, the decider's result
 * (events or error) and the state after (the same state when refused).
 *
 * @since 0.1.0
 * @category models
 */
export interface Step {
  readonly index: number
  readonly before: State
  readonly command: Command
  readonly result: Referral.Decision
  readonly after: State
}

/**
 * A replayed sequence: every step, the events of the accepted commands in
 * order, and the final state.
 *
 * @since 0.1.0
 * @category models
 */
export interface Run {
  readonly steps: ReadonlyArray<Step>
  readonly events: ReadonlyArray<ReferralEvent.ReferralEvent>
  readonly state: State
}

/** Records one step the way `run` does; returns the state after it. */
const record = (
  decider: Referral.Decider,
  into: { readonly steps: Array<Step>; readonly events: Array<ReferralEvent.ReferralEvent> },
  before: State,
  command: Command
): State => {
  const result = decider.decide(command, before)
  let state = before
  if (Result.isSuccess(result)) {
    for (const e of result.success) {
      into.events.push(e)
      state = decider.evolve(state, e)
    }
  }
  into.steps.push({ index: into.steps.length, before, command, result, after: state })
  return state
}

/**
 * The replays the model made while generating sequences, kept for the first
 * `run` of the same sequence with the same decider (deciding every command
 * again would give the same, as the decider is pure, only slower).
 */
const replays = new WeakMap<ReadonlyArray<Command>, { readonly decider: Referral.Decider; readonly run: Run }>()

/**
 * Runs commands from the decider's initial state: accepted commands' events
 * are folded, refused ones leave the state as it was. A decider that throws
 * makes `run` throw (the properties treat that as a failure).
 *
 * The first run of a sequence straight from `sequence`, with the decider it
 * was generated for, returns the replay the model recorded while generating
 * it (the decider is pure, so deciding again gives the same); any later run
 * decides every command again.
 *
 * @since 0.1.0
 * @category running
 */
export const run = (decider: Referral.Decider, commands: ReadonlyArray<Command>): Run => {
  const replayed = replays.get(commands)
  if (replayed !== undefined) {
    replays.delete(commands)
    if (replayed.decider === decider) return replayed.run
  }
  let state = decider.initialState
  const into = { steps: [] as Array<Step>, events: [] as Array<ReferralEvent.ReferralEvent> }
  for (const command of commands) state = record(decider, into, state, command)
  return { steps: into.steps, events: into.events, state }
}

// ---------------------------------------------------------------------------
// research variants (C4)
// ---------------------------------------------------------------------------

/**
 * Whether a command records a `research` consent decision.
 *
 * @since 0.1.0
 * @category research
 */
export const isResearchConsent = (command: Command): boolean =>
  command._tag === "RecordConsent" && command.consent.purpose === "research"

const hasResearch = (c: Command): boolean =>
  isResearchConsent(c) || (c._tag === "SubmitReferral" && c.consents.some((g) => g.purpose === "research"))

/**
 * The sequence with every research consent taken out: `RecordConsent`
 * commands for `research` removed, and `research` removed from the consents
 * given at submission. A sequence without any is returned as it is.
 *
 * @since 0.1.0
 * @category research
 */
export const withoutResearch = (commands: ReadonlyArray<Command>): ReadonlyArray<Command> =>
  !commands.some(hasResearch)
    ? commands
    : commands
        .filter((c) => !isResearchConsent(c))
        .map((c) =>
          c._tag === "SubmitReferral" && c.consents.some((g) => g.purpose === "research")
            ? { ...c, consents: c.consents.filter((g) => g.purpose !== "research") }
            : c
        )

const researchDecision = fc
  .record({
    decision: Arbitraries.consentDecision,
    method: Arbitraries.consentMethod,
    expiresInDays: fc.option(fc.integer({ min: 1, max: 1000 }), { nil: undefined })
  })
  // a research grant is written (refused or withdrawn in any way)
  .map((d) => (d.decision === "granted" ? { ...d, method: "written" as const } : d))

const given = (
  purpose: Consent.Purpose,
  d: {
    readonly decision: Consent.Decision
    readonly method: Consent.Method
    readonly expiresInDays?: number | undefined
  },
  at: Instant.Instant
): ReferralCommand.ConsentGiven => ({
  purpose,
  decision: d.decision,
  method: d.method,
  ...(d.expiresInDays === undefined ? {} : { expiresAt: Instant.plusMillis(at, d.expiresInDays * DAY) })
})

/**
 * Variants of a sequence with research consent added: a well-formed
 * `research` decision (granted, refused or withdrawn; written, verbal, …; an
 * expiry after the decision or none) at each submission that has none, and/or
 * `RecordConsent` commands for `research` inserted anywhere, by actors of the
 * sequence or the client. Meant for sequences without research consent
 * (`withoutResearch`): every command of the original stays, in order.
 *
 * @since 0.1.0
 * @category research
 */
export const withResearch = (commands: ReadonlyArray<Command>): fc.Arbitrary<ReadonlyArray<Command>> => {
  const actors = new Map<string, Actor.Actor>()
  for (const c of commands) {
    actors.set(`${c.actor.role}/${c.actor.id}`, c.actor)
    if (c._tag === "SubmitReferral") {
      const client: Actor.Actor = { role: "Client", id: c.subjectId as string as Ids.ActorId, organisation: clientOrg }
      actors.set(`Client/${client.id}`, client)
    }
  }
  const pool = [...actors.values()]
  return fc
    .record({
      atSubmission: fc.array(fc.option(researchDecision, { nil: undefined }), {
        minLength: commands.length,
        maxLength: commands.length
      }),
      inserts: fc.array(
        fc.record({ position: fc.nat({ max: commands.length }), actor: fc.nat(), decision: researchDecision }),
        { maxLength: 6 }
      )
    })
    .map(({ atSubmission, inserts }) => {
      const out: Array<Command> = commands.map((c, i) => {
        const d = atSubmission[i]
        if (c._tag !== "SubmitReferral" || d === undefined || c.consents.some((g) => g.purpose === "research")) return c
        return { ...c, consents: [...c.consents, given("research", d, c.at)] }
      })
      if (pool.length === 0) return out
      // insert from the back so earlier positions stay valid
      const sorted = inserts.map((x, i) => ({ ...x, i })).sort((a, b) => b.position - a.position || b.i - a.i)
      for (const ins of sorted) {
        const neighbour = commands[ins.position - 1] ?? commands[ins.position]
        if (neighbour === undefined) continue
        const command: Cmd<"RecordConsent"> = {
          _tag: "RecordConsent",
          referralId: neighbour.referralId,
          idempotencyKey: key(`research-${ins.i}`),
          actor: pool[ins.actor % pool.length] as Actor.Actor,
          at: neighbour.at,
          consent: given("research", ins.decision, neighbour.at)
        }
        out.splice(ins.position, 0, command)
      }
      return out
    })
}

// ---------------------------------------------------------------------------
// personal data
// ---------------------------------------------------------------------------

/**
 * The personal data the commands carry, in every form it may be echoed:
 * names, identity codes (as typed and in upper case), mobile numbers (as
 * typed, E.164 and digits only), the reason text and the closing feedback.
 * Values shorter than 3 characters are left out (too short to tell a leak
 * from a coincidence).
 *
 * @since 0.1.0
 * @category personal data
 */
export const personalData = (commands: ReadonlyArray<Command>): ReadonlyArray<string> => {
  const out = new Set<string>()
  const add = (s: string | undefined) => {
    const t = s?.trim()
    if (t !== undefined && t.length >= 3) out.add(t)
  }
  const phone = (s: string | null | undefined) => {
    if (s === null || s === undefined) return
    add(s)
    add(s.replace(/\D/g, ""))
    const parsed = MobileNumber.parse(s)
    if (Result.isSuccess(parsed)) add(parsed.success)
  }
  for (const c of commands) {
    switch (c._tag) {
      case "SubmitReferral":
        add(c.client.givenName)
        add(c.client.familyName)
        add(c.client.personalIdentityCode)
        add(c.client.personalIdentityCode?.toUpperCase())
        phone(c.client.mobileNumber)
        add(c.reasonText)
        break
      case "CloseReferral":
        add(c.feedback)
        break
      case "UpdateContactDetails":
        phone(c.mobileNumber)
        break
      default:
        break
    }
  }
  return [...out]
}

// ---------------------------------------------------------------------------
// the model
// ---------------------------------------------------------------------------

/**
 * Options for `sequence`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The decider whose state the model follows; default `Fixtures.decider` (the preset catalog). */
  readonly decider?: Referral.Decider
  /** Fewest commands (default 1). */
  readonly minLength?: number
  /** Most commands (default 30). */
  readonly maxLength?: number
  /** Share of deliberately wrong steps, 0–1 (default 0.2); 0 gives sequences the decider should accept whole. */
  readonly invalidShare?: number
}

const clientOrg = "residents" as Ids.OrganisationId
const key = (s: string) => s as Ids.IdempotencyKey
const aid = (s: string) => s as Ids.ActorId
const org = (s: string) => s as Ids.OrganisationId

interface ConsentPlan {
  readonly purpose: Consent.Purpose
  readonly decision: Consent.Decision
  readonly method: Consent.Method
  readonly expiresInDays?: number | undefined
}

interface Setup {
  readonly programme: Programme.Programme
  readonly explicitVersion: boolean
  readonly t0: number
  /** The instant the link workers' dates were made for (they are shifted to each assignment's time). */
  readonly reference: number
  readonly referralId: Ids.ReferralId
  readonly otherReferralId: Ids.ReferralId
  readonly subjectId: Ids.SubjectId
  readonly referrer: Actor.Actor
  readonly otherReferrer: Actor.Actor
  readonly outsider: Actor.Actor
  readonly coordinator: Actor.Actor
  readonly client: Actor.Actor
  readonly otherClient: Actor.Actor
  readonly evaluator: Actor.Actor
  readonly system: Actor.Actor
  readonly linkWorkers: ReadonlyArray<{ readonly actor: Actor.Actor; readonly candidate: Arbitraries.Candidate }>
  readonly ineligible: ReadonlyArray<Arbitraries.Candidate>
  readonly details: ReferralCommand.ClientDetails
  readonly reasonCategories: ReadonlyArray<string>
  readonly reasonText: string
  readonly feedback: string
  readonly feedbackRequested: boolean
  readonly exclusionsPresent: ReadonlyArray<string>
  readonly referralConsent: Omit<ConsentPlan, "purpose" | "decision">
  readonly consents: ReadonlyArray<ConsentPlan>
  readonly mobiles: ReadonlyArray<string>
  readonly invalidMobiles: ReadonlyArray<string>
  readonly invalidCodes: ReadonlyArray<string>
  readonly random: ReadonlyArray<Command>
}

const otherPurposes: ReadonlyArray<Consent.Purpose> = [
  "contact-by-sms",
  "feedback-to-referrer",
  "research",
  "proxy-measure"
]

const consentPlan = (purpose: Consent.Purpose): fc.Arbitrary<ConsentPlan> =>
  fc
    .record({
      purpose: fc.constant(purpose),
      decision: fc.oneof(
        { arbitrary: fc.constant("granted" as const), weight: 3 },
        { arbitrary: fc.constantFrom("refused" as const, "withdrawn" as const), weight: 1 }
      ),
      method: fc.constantFrom(
        "in-appointment" as const,
        "agreed-for-office-time" as const,
        "written" as const,
        "verbal" as const
      ),
      // an expiry now and then (a quarter of the decisions)
      expiresInDays: fc.oneof(
        { arbitrary: fc.constant(undefined), weight: 3 },
        { arbitrary: fc.integer({ min: 1, max: 120 }), weight: 1 }
      )
    })
    // a research grant is written (refused or withdrawn in any way)
    .map((p) => (p.purpose === "research" && p.decision === "granted" ? { ...p, method: "written" as const } : p))

/** Sequences start between these instants; link workers and clients are made for the earliest. */
const firstStart = Date.UTC(2020, 0, 1)
const lastStart = Date.UTC(2035, 0, 1)

const setupArbitrary = (decider: Referral.Decider): fc.Arbitrary<Setup> => {
  const reference = Instant.make(firstStart)
  const lwIds = ["linkworker-1", "linkworker-2", "linkworker-3"].map(aid)
  // built once per programme: arbitraries are costly to make, cheap to run
  const perProgramme = decider.catalog.all.map((programme) => {
    const policy = programme.linkWorkers
    return fc.record({
      programme: fc.constant(programme),
      referrerProfession: fc.constantFrom(...programme.eligibleReferrerProfessions),
      otherProfession: fc.constantFrom(...programme.eligibleReferrerProfessions),
      // eligible at the reference instant, shifted to each assignment's time when used
      linkWorkers: fc.tuple(...lwIds.map((id) => Arbitraries.eligibleLinkWorker({ at: reference, policy, id }))),
      ineligible: fc.array(
        Arbitraries.ineligibleLinkWorker({ at: reference, policy, id: aid("linkworker-9") }).map(
          ({ reason: _, ...c }) => c
        ),
        { minLength: 1, maxLength: 3 }
      ),
      // adults at the earliest start are adults at any later one
      details: Arbitraries.clientDetails({ at: reference, minimumAge: programme.minimumClientAge }),
      exclusionsPresent: fc.subarray(
        ["mobility-limits", "needs-interpreter"].filter((e) => !programme.eligibilityExclusions.includes(e)),
        { maxLength: 1 }
      )
    })
  })
  const shared = fc.record({
    t0: fc.integer({ min: firstStart, max: lastStart }).map((ms) => Math.floor(ms / MINUTE) * MINUTE),
    explicitVersion: fc.boolean(),
    referralId: Arbitraries.referralId,
    subjectSuffix: Arbitraries.subjectId,
    reasonCategories: fc.uniqueArray(Arbitraries.reasonCategory, { minLength: 1, maxLength: 3 }),
    reasonText: Arbitraries.reasonText,
    feedback: Arbitraries.feedbackText,
    feedbackRequested: fc.boolean(),
    referralConsent: fc.record({
      method: fc.constantFrom("in-appointment" as const, "agreed-for-office-time" as const, "written" as const),
      expiresInDays: fc.oneof(
        { arbitrary: fc.constant(undefined), weight: 4 },
        { arbitrary: fc.integer({ min: 30, max: 720 }), weight: 1 }
      )
    }),
    consents: fc
      .tuple(...otherPurposes.map((p) => fc.option(consentPlan(p), { nil: undefined, freq: 4 })))
      .map((cs) => cs.filter((c): c is ConsentPlan => c !== undefined)),
    mobiles: fc.array(Arbitraries.validMobileNumber, { minLength: 1, maxLength: 3 }),
    invalidMobiles: fc.array(
      Arbitraries.invalidMobileNumber.map((m) => m.input),
      { minLength: 1, maxLength: 2 }
    ),
    invalidCodes: fc.array(Arbitraries.invalidPersonalIdentityCode, { minLength: 1, maxLength: 2 }),
    random: fc.oneof(
      { arbitrary: fc.constant([]), weight: 1 },
      { arbitrary: fc.tuple(Arbitraries.anyCommand()), weight: 1 }
    )
  })
  return fc.tuple(fc.oneof(...perProgramme), shared).map(([p, v]): Setup => {
    const programme = p.programme
    const subjectId = `subject-${v.subjectSuffix}`.slice(0, 128) as Ids.SubjectId
    const outsiderProfession =
      Arbitraries.professions.find((x) => !programme.eligibleReferrerProfessions.includes(x)) ?? "not-a-referrer"
    return {
      programme,
      explicitVersion: v.explicitVersion || decider.catalog.latest(programme.id)?.version !== programme.version,
      t0: v.t0,
      reference: firstStart,
      referralId: v.referralId,
      otherReferralId: `${v.referralId}-other`.slice(0, 128) as Ids.ReferralId,
      subjectId,
      referrer: {
        role: "Referrer",
        id: aid("referrer-1"),
        organisation: org("wellbeing-centre"),
        profession: p.referrerProfession
      },
      otherReferrer: {
        role: "Referrer",
        id: aid("referrer-2"),
        organisation: org("wellbeing-centre"),
        profession: p.otherProfession
      },
      outsider: {
        role: "Referrer",
        id: aid("referrer-3"),
        organisation: org("wellbeing-centre"),
        profession: outsiderProfession
      },
      coordinator: { role: "Coordinator", id: aid("coordinator-1"), organisation: org("municipality") },
      client: { role: "Client", id: subjectId as string as Ids.ActorId, organisation: clientOrg },
      otherClient: { role: "Client", id: aid("client-someone-else"), organisation: clientOrg },
      evaluator: { role: "Evaluator", id: aid("evaluator-1"), organisation: org("county") },
      system: { role: "System", id: aid("scheduler"), organisation: org("lahete") },
      linkWorkers: p.linkWorkers.map((candidate) => ({
        actor: { role: "LinkWorker" as const, id: candidate.linkWorker.id, organisation: org("link-workers") },
        candidate
      })),
      ineligible: p.ineligible,
      details: p.details,
      reasonCategories: v.reasonCategories,
      reasonText: v.reasonText,
      feedback: v.feedback,
      feedbackRequested: v.feedbackRequested,
      exclusionsPresent: p.exclusionsPresent,
      referralConsent: v.referralConsent,
      consents: v.consents,
      mobiles: v.mobiles,
      invalidMobiles: v.invalidMobiles,
      invalidCodes: v.invalidCodes,
      random: v.random
    }
  })
}

interface StepInput {
  readonly dt: number
  readonly mode: number
  readonly pick: number
  readonly r: ReadonlyArray<number>
}

const stepArbitrary: fc.Arbitrary<StepInput> = fc.record({
  dt: fc.nat({ max: 999 }),
  mode: fc.nat({ max: 999 }),
  pick: fc.nat({ max: 0xffff }),
  r: fc.array(fc.nat({ max: 0xffff }), { minLength: 6, maxLength: 6 })
})

const untilFirstContact: ReadonlyArray<Lifecycle.Status> = ["Initial", "Submitted", "Assigned", "ContactScheduled"]

/**
 * Time to advance: until first contact mostly minutes to hours (at most 3
 * days, so the first deadlines are met as often as missed), later mostly
 * hours, sometimes weeks (at most 20 days).
 */
const advance = (dt: number, status: Lifecycle.Status): number =>
  (1 + Math.floor((dt / 999) ** 3 * (untilFirstContact.includes(status) ? 3 : 20) * 24 * 60)) * MINUTE

const shiftLinkWorker = (w: LinkWorker.LinkWorker, by: number): LinkWorker.LinkWorker => {
  const s = (i: Instant.Instant) => Instant.plusMillis(i, by)
  return {
    ...w,
    ...(w.confidentialityCommitmentSignedAt === undefined
      ? {}
      : { confidentialityCommitmentSignedAt: s(w.confidentialityCommitmentSignedAt) }),
    ...(w.basicTrainingCompletedAt === undefined ? {} : { basicTrainingCompletedAt: s(w.basicTrainingCompletedAt) }),
    refresherTrainings: w.refresherTrainings.map(s),
    mentoringSessions: w.mentoringSessions.map(s)
  }
}

/** Weighted, lazily built candidates: a thunk may find nothing to build (`undefined`). */
type Candidates = ReadonlyArray<readonly [weight: number, build: () => Command | undefined]>

/** Picks a candidate by weight; one that builds nothing is dropped and the pick made again among the rest. */
const choose = (candidates: Candidates, pick: number): Command | undefined => {
  let left = candidates.filter(([w]) => w > 0)
  while (left.length > 0) {
    const total = left.reduce((n, [w]) => n + w, 0)
    let x = pick % total
    let index = 0
    for (const [i, [w]] of left.entries()) {
      if (x < w) {
        index = i
        break
      }
      x -= w
    }
    const command = (left[index] as Candidates[number])[1]()
    if (command !== undefined) return command
    left = left.filter((_, i) => i !== index)
  }
  return undefined
}

/** One step's context: the setup, the state folded so far, the clock and the step's random numbers. */
class Ctx {
  private drawn = 0
  private readonly memos = new Map<string, unknown>()
  constructor(
    readonly setup: Setup,
    readonly state: State,
    readonly clock: number,
    readonly step: StepInput,
    readonly index: number
  ) {}

  /** A number in [0, n) from the step's random numbers. */
  draw(n: number): number {
    const i = this.drawn++
    const r = this.step.r[i % this.step.r.length] ?? 0
    return n <= 1 ? 0 : (r + Math.floor(i / this.step.r.length) * 7919) % n
  }
  oneOf<A>(xs: ReadonlyArray<A>): A {
    return xs[this.draw(xs.length)] as A
  }
  /** Computed once per step (the state does not change within one). */
  memo<A>(key: string, make: () => A): A {
    if (!this.memos.has(key)) this.memos.set(key, make())
    return this.memos.get(key) as A
  }
  get now(): Instant.Instant {
    return Instant.make(this.clock)
  }
  base(actor: Actor.Actor, at: number = this.clock) {
    return {
      referralId: this.setup.referralId,
      idempotencyKey: key(`cmd-${this.index}`),
      actor,
      at: Instant.make(at)
    }
  }
  get programme(): Programme.Programme {
    return this.setup.programme
  }
  get referrer(): Actor.Actor {
    const r = this.state.referrer
    return r === undefined
      ? this.setup.referrer
      : { role: "Referrer", id: r.id, organisation: r.organisation, profession: r.profession }
  }
  get client(): Actor.Actor {
    const s = this.state.subjectId
    return s === undefined
      ? this.setup.client
      : { role: "Client", id: s as string as Ids.ActorId, organisation: clientOrg }
  }
  get assigned(): Actor.Actor | undefined {
    const id = this.state.linkWorkerId
    return id === undefined
      ? undefined
      : (this.setup.linkWorkers.find((l) => l.actor.id === id)?.actor ?? {
          role: "LinkWorker",
          id,
          organisation: org("link-workers")
        })
  }
  /** The assigned link worker, or the first of the pool when none is assigned. */
  get linkWorker(): Actor.Actor {
    return this.assigned ?? (this.setup.linkWorkers[0]?.actor as Actor.Actor)
  }
  smsAllowed(at: number = this.clock): boolean {
    return (
      Consent.isGranted(this.state.consents, "contact-by-sms", Instant.make(at)) &&
      this.state.validMobile &&
      !this.state.personalDataErased
    )
  }
  candidate(c: Arbitraries.Candidate): Arbitraries.Candidate {
    return {
      linkWorker: shiftLinkWorker(c.linkWorker, this.clock - this.setup.reference),
      activeClients: c.activeClients
    }
  }
}

// --- builders: one per command, with the right actor and sensible fields ---

const submit = (x: Ctx): Cmd<"SubmitReferral"> => {
  const s = x.setup
  const at = x.now
  return {
    _tag: "SubmitReferral",
    ...x.base(s.referrer),
    programmeId: x.programme.id,
    ...(s.explicitVersion ? { programmeVersion: x.programme.version } : {}),
    subjectId: s.subjectId,
    client: s.details,
    reasonCategories: s.reasonCategories,
    reasonText: s.reasonText,
    exclusionsPresent: s.exclusionsPresent,
    feedbackRequested: s.feedbackRequested && x.programme.feedback.referrerMayRequest,
    consents: [
      given("referral", { ...s.referralConsent, decision: "granted" }, at),
      ...s.consents.map((c) => given(c.purpose, c, at))
    ]
  }
}

const assign = (x: Ctx, candidate?: Arbitraries.Candidate): Cmd<"AssignLinkWorker"> | undefined => {
  const options = x.setup.linkWorkers.filter((l) => l.actor.id !== x.state.linkWorkerId)
  const chosen = candidate ?? (options.length === 0 ? undefined : x.oneOf(options).candidate)
  if (chosen === undefined) return undefined
  const c = x.candidate(chosen)
  return {
    _tag: "AssignLinkWorker",
    ...x.base(x.setup.coordinator),
    linkWorker: c.linkWorker,
    activeClients: c.activeClients
  }
}

const reject = (x: Ctx): Cmd<"RejectReferral"> => ({
  _tag: "RejectReferral",
  ...x.base(x.setup.coordinator),
  reason: x.oneOf(ReferralCommand.RejectionReason.literals)
})

const cancel = (x: Ctx): Cmd<"CancelReferral"> => ({
  _tag: "CancelReferral",
  ...x.base(x.draw(2) === 0 ? x.referrer : x.setup.coordinator),
  reason: x.oneOf(["made-in-error", "client-request", "no-longer-needed", "other"] as const)
})

/**
 * A call time the decider accepts now (D2, D3, calling hours): the earliest
 * one (`Deadlines.earliestCallTime`), or a few days and quarter hours later
 * when that is on a business day within calling hours and, if the earliest
 * meets the first-contact deadline, meets it too. (Anything after the
 * earliest is far enough ahead for the text message; the model checks the
 * rest itself rather than asking `Deadlines.validateCallTime`, so that the
 * properties compare the decider with an independent reading of the rules.)
 */
const callTime = (x: Ctx, notify: boolean, enforceFirstContactDeadline: boolean): Instant.Instant => {
  const programme = x.programme
  const earliest = earliestNow(x, notify)
  const submittedAt = x.state.submittedAt
  if (submittedAt === undefined || x.draw(3) === 0) return earliest
  const later = Instant.plusMillis(earliest, x.draw(4) * DAY + x.draw(12) * 15 * MINUTE)
  const dueAt = Deadlines.firstContactDueAt(submittedAt, programme)
  const valid = callable(later, programme) && !(enforceFirstContactDeadline && earliest < dueAt && later >= dueAt)
  return valid ? later : earliest
}

/** The earliest call time the rules allow now, with or without a text message. */
const earliestNow = (x: Ctx, withMessage: boolean): Instant.Instant =>
  x.memo(`earliest:${withMessage}`, () =>
    Deadlines.earliestCallTime({ programme: x.programme, at: x.now, withMessage })
  )

/** The first call and its reschedules are held to the first-contact deadline; calls after a failed attempt are not. */
const firstCall = (x: Ctx): boolean => x.state.failedAttempts === 0

const schedule = (x: Ctx, notify = x.smsAllowed() && x.draw(5) > 0, callAt?: Instant.Instant): Cmd<"ScheduleCall"> => ({
  _tag: "ScheduleCall",
  ...x.base(x.linkWorker),
  callAt: callAt ?? callTime(x, notify, firstCall(x)),
  notifyBySms: notify
})

const failedAttempt = (x: Ctx, withNext?: boolean, nextCallAt?: Instant.Instant): Cmd<"RecordFailedContactAttempt"> => {
  const last = x.state.failedAttempts + 1 >= x.programme.contactAttempts.max
  const next = withNext ?? !last
  const notify = next ? x.smsAllowed() && x.draw(5) > 0 : x.draw(2) === 0
  return {
    _tag: "RecordFailedContactAttempt",
    ...x.base(x.linkWorker),
    ...(next ? { nextCallAt: nextCallAt ?? callTime(x, notify, false) } : {}),
    notifyBySms: notify
  }
}

const firstContact = (x: Ctx, outcome: "agreed" | "declined"): Cmd<"RecordFirstContact"> => ({
  _tag: "RecordFirstContact",
  ...x.base(x.linkWorker),
  outcome
})

const hold = (x: Ctx): Cmd<"PutOnHold"> => ({
  _tag: "PutOnHold",
  ...x.base(x.linkWorker),
  reason: x.oneOf(["hospital-stay", "client-request", "link-worker-absence", "other"] as const)
})

const resume = (x: Ctx): Cmd<"ResumeReferral"> => ({ _tag: "ResumeReferral", ...x.base(x.linkWorker) })

const meeting = (x: Ctx, inFuture = false): Cmd<"RecordMeeting"> => ({
  _tag: "RecordMeeting",
  ...x.base(x.linkWorker),
  meetingAt: Instant.make(inFuture ? x.clock + (1 + x.draw(48)) * HOUR : x.clock - x.draw(48 * 60) * MINUTE),
  place: x.oneOf(["home", "agreed-place", "community-activity", "phone", "video"] as const),
  durationMinutes: 15 + x.draw(166)
})

const arrangement = (x: Ctx): Cmd<"AgreeContactArrangement"> => ({
  _tag: "AgreeContactArrangement",
  ...x.base(x.linkWorker),
  way: x.oneOf(["in-person", "phone", "video", "mixed"] as const),
  frequency: x.oneOf(["weekly", "every-two-weeks", "monthly", "as-agreed"] as const),
  place: x.oneOf(["home", "agreed-place", "community-activity", "remote"] as const)
})

const answersFor = (x: Ctx, instrument: string): ReadonlyArray<number | null> => {
  const spec = Arbitraries.instruments[instrument] ?? { items: 5, min: 0, max: 10 }
  return Array.from({ length: spec.items }, () => spec.min + x.draw(spec.max - spec.min + 1))
}

const measureAllowedIn: Readonly<Record<ReferralCommand.TimePoint, ReadonlyArray<Lifecycle.Status>>> = {
  baseline: ["Submitted", "Assigned", "ContactScheduled", "Active", "OnHold"],
  end: ["Active", "OnHold", "Closed"],
  "follow-up": ["Closed"]
}

const expected = (p: Programme.Programme, timePoint: ReferralCommand.TimePoint) =>
  timePoint === "baseline" ? p.measures.baseline : timePoint === "end" ? p.measures.end : p.measures.followUp

/**
 * When a time point's measure may be taken after closing (`undefined` before
 * closing: the state decides): the end until the follow-up window opens, the
 * follow-up inside the window.
 */
const measureWindow = (x: Ctx, timePoint: ReferralCommand.TimePoint): { from: number; until: number } | undefined => {
  if (x.state.closedAt === undefined) return undefined
  const w = Deadlines.followUpWindow(x.state.closedAt, x.programme)
  return timePoint === "follow-up"
    ? { from: Instant.toMillis(w.opensAt), until: Instant.toMillis(w.closesAt) }
    : { from: Number.NEGATIVE_INFINITY, until: Instant.toMillis(w.opensAt) }
}

/**
 * A measure the programme expects, not yet recorded, by an actor allowed to
 * give it, at a time it may be taken (the clock jumps into the follow-up
 * window when it is before it); undefined when none.
 */
const measure = (x: Ctx, timePoints: ReadonlyArray<ReferralCommand.TimePoint>): Cmd<"RecordMeasure"> | undefined => {
  const options: Array<{
    timePoint: ReferralCommand.TimePoint
    m: Programme.ExpectedMeasure
    actor: Actor.Actor
    at: number
  }> = []
  const recorded = (timePoint: ReferralCommand.TimePoint, m: Programme.ExpectedMeasure) =>
    x.state.measures.some(
      (t) => t.instrument === m.instrument && t.timePoint === timePoint && t.respondent === m.respondent
    )
  for (const timePoint of timePoints) {
    if (!measureAllowedIn[timePoint].includes(x.state.status)) continue
    const window = measureWindow(x, timePoint)
    if (window !== undefined && x.clock >= window.until) continue
    const at =
      window === undefined || x.clock >= window.from
        ? x.clock
        : window.from + Math.floor(((window.until - window.from) * x.draw(1000)) / 1000)
    for (const m of expected(x.programme, timePoint)) {
      // a baseline never comes after the end measure it pairs with
      if (recorded(timePoint, m) || (timePoint === "baseline" && recorded("end", m))) continue
      if (m.respondent === "proxy") {
        if (Consent.isGranted(x.state.consents, "proxy-measure", Instant.make(at)))
          options.push({ timePoint, m, actor: x.referrer, at })
      } else {
        options.push({ timePoint, m, actor: x.client, at })
        const lw = x.assigned
        if (lw !== undefined) options.push({ timePoint, m, actor: lw, at })
      }
    }
  }
  if (options.length === 0) return undefined
  const o = x.oneOf(options)
  return measureCommand(x, o.actor, o.timePoint, o.m.instrument, o.m.respondent, o.at)
}

const measureCommand = (
  x: Ctx,
  actor: Actor.Actor,
  timePoint: ReferralCommand.TimePoint,
  instrument: string,
  respondent: "self" | "proxy",
  at: number = x.clock
): Cmd<"RecordMeasure"> => ({
  _tag: "RecordMeasure",
  ...x.base(actor, at),
  instrument,
  timePoint,
  respondent,
  answers: answersFor(x, instrument)
})

const close = (x: Ctx): Cmd<"CloseReferral"> => ({
  _tag: "CloseReferral",
  ...x.base(x.linkWorker),
  outcome: x.oneOf([
    "goals-met",
    "continues-in-community-activity",
    "referred-to-other-service",
    "client-ended",
    "other"
  ] as const),
  feedback: x.setup.feedback
})

/**
 * When the follow-up window has closed (or later): the clock jumps there.
 * `early` keeps the clock, before the window closes unless the clock already
 * passed it.
 */
const expire = (x: Ctx, early = false): Cmd<"ExpireFollowUp"> => {
  const closedAt = x.state.closedAt ?? x.now
  const closesAt = Instant.toMillis(Deadlines.followUpWindow(closedAt, x.programme).closesAt)
  const at = early ? x.clock : Math.max(x.clock, closesAt + x.draw(4) * x.draw(4) * DAY)
  return { _tag: "ExpireFollowUp", ...x.base(x.draw(2) === 0 ? x.setup.system : x.setup.coordinator, at) }
}

// --- deadline markers: the scheduler (System) fires them ---

const markerDeadlines = ["assignment", "first-contact", "collaboration", "follow-up"] as const
type MarkerDeadline = (typeof markerDeadlines)[number]
const markers: ReadonlyArray<Deadlines.Marker> = ["at-risk", "missed"]

/** A marker `RecordDeadline` fires (D5's missed follow-up is `ExpireFollowUp`, D6 `ErasePersonalData`). */
const recordable = (f: Deadlines.Firing): f is Deadlines.Firing & { readonly kind: MarkerDeadline } =>
  f.kind !== "retention" && !(f.kind === "follow-up" && f.marker === "missed")

const pending = (x: Ctx): ReadonlyArray<Deadlines.Firing & { readonly kind: MarkerDeadline }> =>
  x.memo("pending", () => Deadlines.pendingFirings(x.state, x.programme).filter(recordable))

const recordDeadline = (
  x: Ctx,
  deadline: MarkerDeadline,
  marker: Deadlines.Marker,
  at: number = x.clock
): Cmd<"RecordDeadline"> => ({ _tag: "RecordDeadline", ...x.base(x.setup.system, at), deadline, marker })

/**
 * A marker that is still to fire, at its fire time or later (the clock jumps
 * there when it is ahead); a warning mostly before its deadline passes.
 * Usually the next one due, sometimes a later one.
 */
const fireDeadline = (x: Ctx): Cmd<"RecordDeadline"> | undefined => {
  const firings = pending(x)
  if (firings.length === 0) return undefined
  const f = (x.draw(2) === 0 ? x.oneOf(firings) : firings[0]) as (typeof firings)[number]
  const from = Math.max(x.clock, Instant.toMillis(f.fireAt))
  const dueAt = Instant.toMillis(f.dueAt)
  const late = x.draw(8) * x.draw(8) * 15 * MINUTE
  const at =
    f.marker === "at-risk" && from < dueAt && x.draw(5) > 0 ? Math.min(from + late, dueAt - MINUTE) : from + late
  return recordDeadline(x, f.kind, f.marker, Math.max(from, at))
}

/** The states in which each deadline applies (D2 also while the call is set after it). */
const deadlineStates: Readonly<Record<MarkerDeadline, ReadonlyArray<Lifecycle.Status>>> = {
  assignment: ["Submitted"],
  "first-contact": ["Submitted", "Assigned", "ContactScheduled"],
  collaboration: ["Active", "OnHold"],
  "follow-up": ["Closed"]
}

/**
 * A marker fired again, or one of a deadline that no longer applies (out of
 * scope in this state): accepted, and nothing changes.
 */
const refireDeadline = (x: Ctx): Cmd<"RecordDeadline"> | undefined => {
  const done = markerDeadlines.flatMap((d) =>
    markers
      .filter(
        (m) => x.state.deadlineMarks.includes(Deadlines.markKey(d, m)) || !deadlineStates[d].includes(x.state.status)
      )
      .map((m) => [d, m] as const)
  )
  if (done.length === 0) return undefined
  const [d, m] = x.oneOf(done)
  return recordDeadline(x, d, m)
}

/** A marker fired before its time (TooEarly), when one is still ahead of the clock. */
const fireTooEarly = (x: Ctx): Cmd<"RecordDeadline"> | undefined => {
  const ahead = pending(x).filter((f) => Instant.toMillis(f.fireAt) > x.clock)
  if (ahead.length === 0) return undefined
  const f = x.oneOf(ahead)
  return recordDeadline(x, f.kind, f.marker)
}

/** Who may record consent now (the referrer only while Submitted). */
const consentActors = (x: Ctx): ReadonlyArray<Actor.Actor> => [
  x.client,
  x.setup.coordinator,
  ...(x.assigned === undefined ? [] : [x.assigned]),
  ...(x.state.status === "Submitted" ? [x.referrer] : [])
]

const methods: ReadonlyArray<Consent.Method> = ["in-appointment", "agreed-for-office-time", "written", "verbal"]

const recordConsent = (
  x: Ctx,
  options: {
    readonly purpose?: Consent.Purpose
    readonly decision?: Consent.Decision
    readonly actor?: Actor.Actor
    readonly method?: Consent.Method
    readonly expiresAt?: number
  } = {}
): Cmd<"RecordConsent"> => {
  const terminal = Lifecycle.isTerminal(x.state.status)
  const purpose =
    options.purpose ??
    x.oneOf<Consent.Purpose>([
      "referral",
      "referral",
      "contact-by-sms",
      "contact-by-sms",
      "contact-by-sms",
      "feedback-to-referrer",
      "feedback-to-referrer",
      "research",
      "research",
      "proxy-measure",
      "proxy-measure"
    ])
  const decision =
    options.decision ??
    (purpose === "referral"
      ? x.oneOf<Consent.Decision>(terminal ? ["withdrawn", "refused"] : ["withdrawn", "refused", "granted"])
      : x.oneOf<Consent.Decision>(["granted", "granted", "refused", "withdrawn"]))
  const actor = options.actor ?? x.oneOf(consentActors(x))
  const method =
    options.method ??
    (purpose === "research" && decision === "granted"
      ? "written"
      : actor.role === "Client" && decision === "granted"
        ? x.oneOf(methods.filter((m) => m !== "agreed-for-office-time"))
        : x.oneOf(methods))
  const expiresAt = options.expiresAt ?? (x.draw(4) === 0 ? x.clock + (1 + x.draw(60)) * DAY : undefined)
  return {
    _tag: "RecordConsent",
    ...x.base(actor),
    consent: {
      purpose,
      decision,
      method,
      ...(expiresAt === undefined ? {} : { expiresAt: Instant.make(expiresAt) })
    }
  }
}

const updateContact = (x: Ctx, mobile?: string | null): Cmd<"UpdateContactDetails"> => {
  const actors = [
    x.client,
    x.setup.coordinator,
    ...(x.assigned === undefined ? [] : [x.assigned]),
    ...(x.state.status === "Submitted" ? [x.referrer] : [])
  ]
  const language = x.draw(3) === 0 ? x.oneOf(x.programme.languages) : undefined
  return {
    _tag: "UpdateContactDetails",
    ...x.base(x.oneOf(actors)),
    mobileNumber: mobile !== undefined ? mobile : x.draw(4) === 0 ? null : x.oneOf(x.setup.mobiles),
    ...(language === undefined ? {} : { language })
  }
}

/**
 * An erasure the decider accepts: at the client's request, or for the
 * retention period once it has passed (the clock jumps there), when the
 * programme sets one.
 */
const erase = (x: Ctx): Cmd<"ErasePersonalData"> => {
  const dueAt = Deadlines.retentionDueAt(x.state, x.programme)
  const actor = x.draw(2) === 0 ? x.setup.system : x.setup.coordinator
  if (dueAt === undefined || x.draw(2) === 0)
    return { _tag: "ErasePersonalData", ...x.base(actor), basis: "client-request" }
  const at = Math.max(x.clock, Instant.toMillis(dueAt) + x.draw(3) * DAY)
  return { _tag: "ErasePersonalData", ...x.base(actor, at), basis: "retention-period" }
}

/** Erasure for the retention period when the programme sets none, or before it has passed. */
const eraseTooEarly = (x: Ctx): Cmd<"ErasePersonalData"> => ({
  _tag: "ErasePersonalData",
  ...x.base(x.draw(2) === 0 ? x.setup.system : x.setup.coordinator),
  basis: "retention-period"
})

/**
 * Commands the lifecycle accepts in the current state, weighted towards moving
 * the referral on; the first is what shrinking falls back to.
 */
const validCandidates = (x: Ctx): Candidates => {
  switch (x.state.status) {
    case "Initial":
      return [[1, () => submit(x)]]
    case "Submitted":
      return [
        [12, () => assign(x)],
        [1, () => reject(x)],
        [1, () => cancel(x)],
        [3, () => recordConsent(x)],
        [2, () => updateContact(x)],
        [2, () => measure(x, ["baseline"])],
        [4, () => fireDeadline(x)],
        [1, () => refireDeadline(x)]
      ]
    case "Assigned":
      return [
        [12, () => schedule(x)],
        [2, () => assign(x)],
        [1, () => cancel(x)],
        [3, () => recordConsent(x)],
        [2, () => updateContact(x)],
        [2, () => measure(x, ["baseline"])],
        [2, () => fireDeadline(x)],
        [1, () => refireDeadline(x)]
      ]
    case "ContactScheduled":
      return [
        [8, () => firstContact(x, "agreed")],
        [3, () => schedule(x)],
        [5, () => failedAttempt(x)],
        [1, () => firstContact(x, "declined")],
        [2, () => recordConsent(x)],
        [2, () => updateContact(x)],
        [1, () => measure(x, ["baseline"])],
        [2, () => fireDeadline(x)],
        [1, () => refireDeadline(x)]
      ]
    case "Active":
      return [
        [7, () => meeting(x)],
        [2, () => hold(x)],
        [1, () => close(x)],
        [1, () => arrangement(x)],
        [2, () => measure(x, ["baseline", "end"])],
        [2, () => recordConsent(x)],
        [2, () => updateContact(x)],
        [2, () => fireDeadline(x)],
        [1, () => refireDeadline(x)]
      ]
    case "OnHold":
      return [
        [4, () => resume(x)],
        [1, () => measure(x, ["baseline", "end"])],
        [1, () => recordConsent(x)],
        [1, () => updateContact(x)],
        [1, () => fireDeadline(x)]
      ]
    case "Closed":
      return [
        [3, () => measure(x, ["follow-up"])],
        [1, () => measure(x, ["end"])],
        [2, () => expire(x)],
        [1, () => recordConsent(x)],
        [2, () => fireDeadline(x)],
        [1, () => refireDeadline(x)]
      ]
    default:
      return [
        [2, () => recordConsent(x)],
        [1, () => erase(x)]
      ]
  }
}

/** A command of any tag, with the actor its role needs, for the wrong-state steps. */
const anyOfTag = (x: Ctx, tag: ReferralCommand.Tag): Command | undefined => {
  switch (tag) {
    case "SubmitReferral":
      return submit(x)
    case "AssignLinkWorker":
      return assign(x)
    case "RejectReferral":
      return reject(x)
    case "CancelReferral":
      return cancel(x)
    case "ScheduleCall":
      return schedule(x)
    case "RecordFailedContactAttempt":
      return failedAttempt(x)
    case "RecordFirstContact":
      return firstContact(x, x.draw(2) === 0 ? "agreed" : "declined")
    case "PutOnHold":
      return hold(x)
    case "ResumeReferral":
      return resume(x)
    case "RecordMeeting":
      return meeting(x)
    case "AgreeContactArrangement":
      return arrangement(x)
    case "RecordMeasure": {
      const tp = x.oneOf(["baseline", "end", "follow-up"] as const)
      const m = expected(x.programme, tp)[0] ?? { instrument: "swemwbs", respondent: "self" as const }
      return measureCommand(x, m.respondent === "proxy" ? x.referrer : x.client, tp, m.instrument, m.respondent)
    }
    case "CloseReferral":
      return close(x)
    case "ExpireFollowUp":
      return expire(x)
    case "RecordDeadline":
      return recordDeadline(x, x.oneOf(markerDeadlines), x.oneOf(markers))
    case "RecordConsent":
      return recordConsent(x, { actor: x.client, method: "written" })
    case "UpdateContactDetails":
      return updateContact(x)
    case "ErasePersonalData":
      return erase(x)
  }
}

const allTags: ReadonlyArray<ReferralCommand.Tag> = [
  "SubmitReferral",
  "AssignLinkWorker",
  "RejectReferral",
  "CancelReferral",
  "ScheduleCall",
  "RecordFailedContactAttempt",
  "RecordFirstContact",
  "PutOnHold",
  "ResumeReferral",
  "RecordMeeting",
  "AgreeContactArrangement",
  "RecordMeasure",
  "CloseReferral",
  "ExpireFollowUp",
  "RecordDeadline",
  "RecordConsent",
  "UpdateContactDetails",
  "ErasePersonalData"
]

/** Submissions that must be refused: no or refused referral consent, an ineligible referrer or client, bad data. */
const badSubmission = (x: Ctx): Cmd<"SubmitReferral"> => {
  const s = x.setup
  const ok = submit(x)
  const at = x.now
  const year = new Date(x.clock).getUTCFullYear()
  const { personalIdentityCode: _c, birthYear: _y, ...anonymous } = s.details
  type Variant = () => Cmd<"SubmitReferral">
  // C1: referral consent absent, refused/withdrawn, or already expired
  const c1: ReadonlyArray<Variant> = [
    () => ({ ...ok, consents: ok.consents.filter((c) => c.purpose !== "referral") }),
    () => ({
      ...ok,
      consents: ok.consents.map((c) =>
        c.purpose === "referral" ? { ...c, decision: x.oneOf(["refused", "withdrawn"] as const) } : c
      )
    }),
    () => ({
      ...ok,
      consents: ok.consents.map((c) =>
        c.purpose === "referral" ? { ...c, expiresAt: Instant.make(x.clock - x.draw(3) * DAY) } : c
      )
    })
  ]
  // personal data the decider must refuse without echoing it
  const personal: ReadonlyArray<Variant> = [
    () => ({
      ...ok,
      client: {
        ...anonymous,
        // under the programme's minimum age (or born later this year)
        personalIdentityCode: PersonalIdentityCode.make({
          day: 1 + x.draw(28),
          month: 1 + x.draw(12),
          year: Math.max(1800, year - x.draw(Math.max(1, x.programme.minimumClientAge))),
          individualNumber: 2 + x.draw(897)
        })
      }
    }),
    () => ({ ...ok, client: { ...anonymous, personalIdentityCode: x.oneOf(s.invalidCodes) } }),
    () => ({ ...ok, client: { ...s.details, mobileNumber: x.oneOf(s.invalidMobiles) } })
  ]
  const unknownProgramme: ReadonlyArray<Variant> = [
    () => ({ ...ok, programmeId: "unknown-programme" as Ids.ProgrammeId }),
    () => ({ ...ok, programmeVersion: x.programme.version + 100 })
  ]
  const others: ReadonlyArray<Variant> = [
    () => ({ ...ok, actor: s.outsider }),
    () => ({ ...ok, actor: x.oneOf([s.coordinator, s.client, s.system]) }),
    () => ({
      ...ok,
      exclusionsPresent:
        x.programme.eligibilityExclusions.length === 0
          ? ok.exclusionsPresent
          : [x.oneOf(x.programme.eligibilityExclusions)]
    }),
    () => ({ ...ok, client: { ...anonymous, birthYear: year - x.programme.minimumClientAge + 1 } }),
    () => ({ ...ok, client: anonymous }),
    () => ({ ...ok, client: { ...anonymous, birthYear: year + 1 + x.draw(50) } }),
    () => ({ ...ok, feedbackRequested: true }),
    () => ({ ...ok, consents: [...ok.consents, ...ok.consents.slice(0, 1)] }),
    () => ({
      ...ok,
      consents: [
        ...ok.consents.filter((c) => c.purpose !== "contact-by-sms"),
        { purpose: "contact-by-sms", decision: "granted", method: "verbal", expiresAt: at }
      ]
    })
  ]
  // weighted so that each kind comes up often enough in a thousand sequences
  return x.oneOf([
    ...c1,
    ...c1,
    ...personal,
    ...personal,
    ...personal,
    ...personal,
    ...unknownProgramme,
    ...unknownProgramme,
    ...others
  ])()
}

/** Commands whose fields are wrong for the state (InvalidCommand, TooEarly, MeasureNotExpected, …). */
const badFields = (x: Ctx): Candidates => {
  const s = x.state
  const firstBaseline = () => x.programme.measures.baseline[0]?.instrument ?? "swemwbs"
  return [
    [1, () => schedule(x, undefined, Instant.make(x.clock - x.draw(48) * HOUR))],
    [1, () => failedAttempt(x, x.state.failedAttempts + 1 >= x.programme.contactAttempts.max)],
    [1, () => meeting(x, true)],
    [1, () => recordConsent(x, { expiresAt: x.clock - x.draw(10) * DAY })],
    [1, () => recordConsent(x, { actor: x.client, decision: "granted", method: "agreed-for-office-time" })],
    [1, () => recordConsent(x, { purpose: "referral", decision: "granted", actor: x.client, method: "written" })],
    [
      1,
      () =>
        recordConsent(x, {
          purpose: "research",
          decision: "granted",
          method: x.oneOf<Consent.Method>(["in-appointment", "agreed-for-office-time", "verbal"])
        })
    ],
    [1, () => updateContact(x, x.oneOf(x.setup.invalidMobiles))],
    [
      1,
      () =>
        s.linkWorkerId === undefined
          ? undefined
          : assign(x, x.setup.linkWorkers.find((l) => l.actor.id === s.linkWorkerId)?.candidate)
    ],
    [
      1,
      () => {
        const existing = s.measures[0]
        return existing === undefined
          ? undefined
          : measureCommand(
              x,
              existing.respondent === "proxy" ? x.referrer : x.client,
              existing.timePoint,
              existing.instrument,
              existing.respondent
            )
      }
    ],
    [
      1,
      () =>
        measureCommand(x, x.client, x.oneOf(["baseline", "end", "follow-up"] as const), "unknown-instrument", "self")
    ],
    [1, () => measureCommand(x, x.linkWorker, "baseline", firstBaseline(), "proxy")],
    // a follow-up measure outside its window: before it (TooEarly), or after it has closed
    [s.status === "Closed" ? 3 : 0, () => followUpOutsideWindow(x)],
    [1, () => expire(x, true)],
    [1, () => fireTooEarly(x)],
    // D5's missed follow-up is ExpireFollowUp's
    [1, () => recordDeadline(x, "follow-up", "missed")],
    [1, () => eraseTooEarly(x)]
  ]
}

/** The programme's first follow-up measure, before its window (at the clock) or after it has closed. */
const followUpOutsideWindow = (x: Ctx): Cmd<"RecordMeasure"> | undefined => {
  const m = x.programme.measures.followUp[0]
  const window = measureWindow(x, "follow-up")
  if (m === undefined || window === undefined) return undefined
  const at = x.clock < window.from ? x.clock : Math.max(x.clock, window.until + x.draw(20) * HOUR)
  return measureCommand(
    x,
    m.respondent === "proxy" ? x.referrer : x.client,
    "follow-up",
    m.instrument,
    m.respondent,
    at
  )
}

/** A call time out of the rules (CallTimeNotAllowed): past, outside calling hours, not a business day, … */
const badCallTimes = (x: Ctx): Candidates => {
  const p = x.programme
  const zone = p.timeZone
  const notify = x.smsAllowed() && x.draw(3) > 0
  const earliest = earliestNow(x, notify)
  const day = FinnishCalendar.addDays(LocalTime.localDateOf(earliest, zone), x.draw(3))
  const hours = p.deadlines.callingHours
  const call = (callAt: Instant.Instant | undefined): Command | undefined =>
    callAt === undefined
      ? undefined
      : x.state.status === "ContactScheduled" && x.draw(2) === 0
        ? { ...failedAttempt(x, true, callAt), notifyBySms: notify }
        : schedule(x, notify, callAt)
  const outsideHours = (): Instant.Instant | undefined => {
    // a wall-clock time outside calling hours (HH:MM strings sort in time order), if there is one
    const outside = Array.from({ length: 96 }, (_, i) => clockOf(i * 15 + x.draw(15))).filter(
      (c) => c < hours.start || c >= hours.end
    )
    return outside.length === 0 ? undefined : LocalTime.instantAt(day, x.oneOf(outside), zone)
  }
  const notBusinessDay = (): Instant.Instant => {
    let d = day
    while (FinnishCalendar.isBusinessDay(d)) d = FinnishCalendar.addDays(d, 1)
    return LocalTime.instantAt(d, hours.start, zone)
  }
  const candidates: Candidates = [
    // not in the future
    [2, () => call(Instant.make(x.clock - x.draw(48) * HOUR))],
    [3, () => call(outsideHours())],
    [3, () => call(notBusinessDay())],
    // too soon for the text message's lead time (or the end of quiet hours): within calling hours, before the earliest
    [
      x.smsAllowed() ? 16 : 0,
      () => {
        const withMessage = earliestNow(x, true)
        const sooner = [
          ...Array.from({ length: 8 }, (_, k) => Instant.plusMillis(withMessage, -(k + 1) * 15 * MINUTE)),
          earliestNow(x, false)
        ].filter((t) => t > x.now && t < withMessage && callable(t, p))
        if (sooner.length === 0) return undefined
        const callAt = x.oneOf(sooner)
        return x.state.status === "ContactScheduled" && x.draw(2) === 0
          ? { ...failedAttempt(x, true, callAt), notifyBySms: true }
          : schedule(x, true, callAt)
      }
    ],
    // after the first-contact deadline while it can still be met
    [
      firstCall(x) && x.state.submittedAt !== undefined ? 6 : 0,
      () => {
        const dueAt = Deadlines.firstContactDueAt(x.state.submittedAt as Instant.Instant, p)
        if (earliest >= dueAt) return undefined
        const after = Deadlines.earliestCallTime({ programme: p, at: dueAt, withMessage: false })
        const later = [0, 1, 2, 3].map((d) => Instant.plusMillis(after, d * DAY)).filter((t) => callable(t, p))
        return schedule(x, notify, x.oneOf(later))
      }
    ]
  ]
  return candidates
}

/** On a business day within the programme's calling hours. */
const callable = (at: Instant.Instant, p: Programme.Programme): boolean => {
  const clock = LocalTime.localClockOf(at, p.timeZone)
  return (
    FinnishCalendar.isBusinessDay(LocalTime.localDateOf(at, p.timeZone)) &&
    clock >= p.deadlines.callingHours.start &&
    clock < p.deadlines.callingHours.end
  )
}

const clockOf = (minutes: number): LocalTime.LocalClock =>
  `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`

/** Taking away what a text message needs, or asking for one without it (C2), or a proxy measure without consent. */
const missingConsent = (x: Ctx): Candidates => {
  // consent in force but no valid number (MobileNumberMissing), after the number was taken away
  const noNumber =
    Consent.isGranted(x.state.consents, "contact-by-sms", x.now) && (!x.state.validMobile || x.state.personalDataErased)
  return [
    [noNumber ? 12 : 4, () => schedule(x, true)],
    [noNumber ? 4 : 2, () => ({ ...failedAttempt(x, true), notifyBySms: true })],
    [
      1,
      () =>
        measureCommand(x, x.referrer, "baseline", x.programme.measures.baseline[0]?.instrument ?? "swemwbs", "proxy")
    ],
    [2, () => recordConsent(x, { purpose: "contact-by-sms", decision: x.oneOf(["withdrawn", "refused"] as const) })],
    [2, () => updateContact(x, null)]
  ]
}

/** A deliberately wrong step. */
const invalidCandidates = (x: Ctx): Candidates => {
  const s = x.setup
  const status = x.state.status
  const contactPhase = status === "Assigned" || status === "ContactScheduled"
  const valid = () => choose(validCandidates(x), x.step.pick >> 4)
  const changed = (change: (c: Command) => Command) => () => {
    const c = valid()
    return c === undefined ? undefined : change(c)
  }
  return [
    // random commands, mostly aimed at this referral
    [
      1,
      () => {
        if (s.random.length === 0) return undefined
        const random = x.oneOf(s.random)
        return {
          ...random,
          ...(x.draw(4) === 0 ? {} : { referralId: s.referralId }),
          ...(x.draw(2) === 0 ? {} : { at: x.now }),
          idempotencyKey: key(`cmd-${x.index}`)
        }
      }
    ],
    // an allowed command by someone else
    [
      3,
      changed((c) => ({
        ...c,
        actor: x.oneOf([
          s.evaluator,
          s.otherReferrer,
          s.otherClient,
          s.outsider,
          s.system,
          s.coordinator,
          x.referrer,
          x.client,
          ...s.linkWorkers.map((l) => l.actor)
        ])
      }))
    ],
    // a command the state does not accept
    [
      3,
      () => {
        const refused = allTags.filter((t) => !Lifecycle.accepts(x.state.status, t))
        return refused.length === 0 ? undefined : anyOfTag(x, x.oneOf(refused))
      }
    ],
    // missing consents (C2, proxy measures), or taking away what a text message needs
    [contactPhase ? 6 : 2, () => choose(missingConsent(x), x.step.pick >> 6)],
    // a call time out of the rules (D2, D3, calling hours)
    [contactPhase ? 12 : 1, () => choose(badCallTimes(x), x.step.pick >> 10)],
    // a deadline marker fired too early
    [status === "Initial" || Lifecycle.isTerminal(status) ? 0 : 2, () => fireTooEarly(x)],
    // an ineligible link worker
    [2, () => assign(x, x.oneOf(s.ineligible))],
    // a time before the previous command's
    [2, changed((c) => ({ ...c, at: Instant.make(x.clock - (1 + x.draw(30 * 24 * 60)) * MINUTE) }))],
    // an invalid submission (C1, ineligible referrer or client, bad identity code or number, …), mostly before one
    [status === "Initial" ? 20 : 1, () => badSubmission(x)],
    // fields wrong for the state
    [2, () => choose(badFields(x), x.step.pick >> 8)],
    // erasure for a retention period the programme does not set or that has not passed
    [Lifecycle.isTerminal(status) ? 2 : 0, () => eraseTooEarly(x)],
    // the follow-up expired too early
    [status === "Closed" ? 12 : 0, () => expire(x, true)],
    // a text message asked for after the end (C5, C6)
    [
      Lifecycle.isTerminal(status) ? 4 : 0,
      () => (x.draw(2) === 0 ? schedule(x, true) : { ...failedAttempt(x, true), notifyBySms: true })
    ],
    // another referral's id
    [1, changed((c) => ({ ...c, referralId: s.otherReferralId }))]
  ]
}

const interpret = (
  decider: Referral.Decider,
  setup: Setup,
  steps: ReadonlyArray<StepInput>,
  invalidShare: number
): ReadonlyArray<Command> => {
  const threshold = Math.round((1 - invalidShare) * 1000)
  const out: Array<Command> = []
  const into = { steps: [] as Array<Step>, events: [] as Array<ReferralEvent.ReferralEvent> }
  let threw = false
  let state = decider.initialState
  let clock = setup.t0
  let stepsInTerminal = 0
  for (const step of steps) {
    // a few steps after the end are enough (erasure, consent bookkeeping, refusals)
    if (Lifecycle.isTerminal(state.status) && ++stepsInTerminal > 5) break
    clock += advance(step.dt, state.status)
    const x = new Ctx(setup, state, clock, step, out.length)
    const invalid = step.mode >= threshold
    const command = invalid ? choose(invalidCandidates(x), step.pick) : choose(validCandidates(x), step.pick)
    if (command === undefined) continue
    out.push(command)
    if (!invalid) clock = Math.max(clock, Instant.toMillis(command.at))
    try {
      state = record(decider, into, state, command)
    } catch {
      // a throwing decider is the properties' to report (`run` throws); the model carries on from the same state
      threw = true
    }
    // never behind the referral's latest event (a wrong step the decider accepted may have moved it on)
    if (state.lastEventAt !== undefined) clock = Math.max(clock, Instant.toMillis(state.lastEventAt))
  }
  Object.freeze(out)
  if (!threw) replays.set(out, { decider, run: { steps: into.steps, events: into.events, state } })
  return out
}

/**
 * Command sequences for one referral: a model of the lifecycle picks, from
 * the state folded so far, commands the lifecycle accepts (with the right
 * actors and increasing times), and mixes in deliberately wrong steps at
 * `invalidShare`. Each sequence has its own programme from the decider's
 * catalog, client, consents and link workers. A few steps after the referral
 * ends, the sequence stops. Throws when the catalog has no programme.
 *
 * @since 0.1.0
 * @category arbitraries
 */
export const sequence = (options: Options = {}): fc.Arbitrary<ReadonlyArray<Command>> => {
  const decider = options.decider ?? Fixtures.decider
  if (decider.catalog.all.length === 0)
    throw new Error("CommandSequences.sequence: the decider's catalog has no programme")
  const invalidShare = Math.min(1, Math.max(0, options.invalidShare ?? 0.2))
  const minLength = options.minLength ?? 1
  const maxLength = Math.max(minLength, options.maxLength ?? 30)
  return fc
    .tuple(setupArbitrary(decider), fc.array(stepArbitrary, { minLength, maxLength, size: "max" }))
    .map(([setup, steps]) => interpret(decider, setup, steps, invalidShare))
}
