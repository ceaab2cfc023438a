/**
 * Ready-made actors, link workers and commands for tests and examples: a
 * Kemijärvi referral made by a nurse, a coordinator, a trained link worker,
 * and a builder per command with sensible defaults that any field can
 * override. The personal data in them is fictitious (a temporary identity
 * code, a number from the reserved test range).
 *
 * @since 0.1.0
 */
import {
  Actor,
  type Consent,
  Deadlines,
  Directory,
  DirectoryPresets,
  Instant,
  type LinkWorker,
  Presets,
  Programme,
  Referral,
  ReferralCommand,
  type ReferralEvent
} from "@lahete/core"
import { Result, Schema } from "effect"

type Cmd<T extends ReferralCommand.Tag> = Extract<ReferralCommand.ReferralCommand, { _tag: T }>

/**
 * The instant every fixture starts at: Monday 2 March 2026, 09:00 in Helsinki.
 *
 * @since 0.1.0
 * @category constants
 */
export const t0 = Instant.make(Date.parse("2026-03-02T07:00:00.000Z"))

/**
 * `t0` plus hours.
 *
 * @since 0.1.0
 * @category constructors
 */
export const at = (hours: number): Instant.Instant => Instant.plusMillis(t0, hours * 3_600_000)

/**
 * @since 0.1.0
 * @category actors
 */
export const referrer = Actor.make("Referrer", "nurse-1", "kemijarvi-wellbeing-centre", "nurse")
/**
 * @since 0.1.0
 * @category actors
 */
export const otherReferrer = Actor.make("Referrer", "doctor-2", "kemijarvi-wellbeing-centre", "doctor")
/**
 * @since 0.1.0
 * @category actors
 */
export const coordinator = Actor.make("Coordinator", "coordinator-1", "kemijarvi-municipality")
/**
 * @since 0.1.0
 * @category actors
 */
export const linkWorkerActor = Actor.make("LinkWorker", "linkworker-1", "kemijarvi-adult-education-centre")
/**
 * @since 0.1.0
 * @category actors
 */
export const otherLinkWorkerActor = Actor.make("LinkWorker", "linkworker-2", "kemijarvi-parish")
/**
 * The client of the fixture referral (their actor id is their subject id).
 *
 * @since 0.1.0
 * @category actors
 */
export const client = Actor.make("Client", "subject-1", "kemijarvi-residents")
/**
 * @since 0.1.0
 * @category actors
 */
export const evaluator = Actor.make("Evaluator", "evaluator-1", "lapland-wellbeing-services-county")
/**
 * @since 0.1.0
 * @category actors
 */
export const system = Actor.make("System", "scheduler", "lahete")

/**
 * A link worker eligible for assignment at `t0`.
 *
 * @since 0.1.0
 * @category link workers
 */
export const linkWorker = (overrides: Partial<LinkWorker.LinkWorker> = {}): LinkWorker.LinkWorker => ({
  id: linkWorkerActor.id,
  active: true,
  employerType: "adult-education-centre",
  languages: ["fi", "en"],
  areas: ["Kemijärvi"],
  confidentialityCommitmentSignedAt: Instant.make(Date.parse("2025-09-01T08:00:00.000Z")),
  basicTrainingCompletedAt: Instant.make(Date.parse("2025-10-01T08:00:00.000Z")),
  refresherTrainings: [],
  mentoringSessions: [],
  ...overrides
})

/**
 * The second link worker, also eligible.
 *
 * @since 0.1.0
 * @category link workers
 */
export const otherLinkWorker = (overrides: Partial<LinkWorker.LinkWorker> = {}): LinkWorker.LinkWorker =>
  linkWorker({ id: otherLinkWorkerActor.id, employerType: "parish", ...overrides })

/**
 * The fixture referral's id.
 *
 * @since 0.1.0
 * @category constants
 */
export const referralId = Schema.decodeSync(ReferralCommand.SubmitReferral.fields.referralId)("referral-1")

let counter = 0
const key = (prefix: string) =>
  Schema.decodeSync(ReferralCommand.SubmitReferral.fields.idempotencyKey)(`${prefix}-${++counter}`)

const consent = (purpose: Consent.Purpose, decision: Consent.Decision = "granted"): ReferralCommand.ConsentGiven => ({
  purpose,
  decision,
  // research consent is granted in writing; the others in the appointment
  method: purpose === "research" && decision === "granted" ? "written" : "in-appointment"
})

/**
 * Consents given at submission by default: referral and contact-by-sms.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultConsents: ReadonlyArray<ReferralCommand.ConsentGiven> = [
  consent("referral"),
  consent("contact-by-sms")
]

/**
 * A consent decision as a command carries it.
 *
 * @since 0.1.0
 * @category constructors
 */
export const consentGiven = consent

const common = (actor: Actor.Actor, when: Instant.Instant) => ({
  referralId,
  idempotencyKey: key("cmd"),
  actor,
  at: when
})

/**
 * @since 0.1.0
 * @category commands
 */
export const submit = (overrides: Partial<Cmd<"SubmitReferral">> = {}): Cmd<"SubmitReferral"> => ({
  _tag: "SubmitReferral",
  ...common(referrer, t0),
  programmeId: Presets.kemijarvi.id,
  subjectId: Schema.decodeSync(ReferralCommand.SubmitReferral.fields.subjectId)("subject-1"),
  client: {
    givenName: "Aino",
    familyName: "Testinen",
    personalIdentityCode: "010594Y9032",
    mobileNumber: "040 123 4567",
    language: "fi"
  },
  reasonCategories: ["loneliness"],
  reasonText: "Lives alone since spring and would like company for walks.",
  exclusionsPresent: [],
  feedbackRequested: true,
  consents: defaultConsents,
  ...overrides
})

/**
 * @since 0.1.0
 * @category commands
 */
export const assign = (overrides: Partial<Cmd<"AssignLinkWorker">> = {}): Cmd<"AssignLinkWorker"> => ({
  _tag: "AssignLinkWorker",
  ...common(coordinator, at(2)),
  linkWorker: linkWorker(),
  activeClients: 3,
  ...overrides
})

/**
 * @since 0.1.0
 * @category commands
 */
export const reject = (overrides: Partial<Cmd<"RejectReferral">> = {}): Cmd<"RejectReferral"> => ({
  _tag: "RejectReferral",
  ...common(coordinator, at(2)),
  reason: "acute-crisis",
  ...overrides
})

/**
 * @since 0.1.0
 * @category commands
 */
export const cancel = (overrides: Partial<Cmd<"CancelReferral">> = {}): Cmd<"CancelReferral"> => ({
  _tag: "CancelReferral",
  ...common(referrer, at(3)),
  reason: "made-in-error",
  ...overrides
})

/**
 * @since 0.1.0
 * @category commands
 */
export const scheduleCall = (overrides: Partial<Cmd<"ScheduleCall">> = {}): Cmd<"ScheduleCall"> => ({
  _tag: "ScheduleCall",
  ...common(linkWorkerActor, at(4)),
  callAt: at(26),
  notifyBySms: true,
  ...overrides
})

/**
 * @since 0.1.0
 * @category commands
 */
export const failedAttempt = (
  overrides: Partial<Cmd<"RecordFailedContactAttempt">> = {}
): Cmd<"RecordFailedContactAttempt"> => ({
  _tag: "RecordFailedContactAttempt",
  ...common(linkWorkerActor, at(26)),
  nextCallAt: at(48),
  notifyBySms: true,
  ...overrides
})

/**
 * A failed attempt with no next call time (the programme's last attempt).
 *
 * @since 0.1.0
 * @category commands
 */
export const lastFailedAttempt = (
  overrides: Partial<Cmd<"RecordFailedContactAttempt">> = {}
): Cmd<"RecordFailedContactAttempt"> => {
  const { nextCallAt: _, ...rest } = failedAttempt(overrides)
  return rest
}

/**
 * @since 0.1.0
 * @category commands
 */
export const firstContact = (overrides: Partial<Cmd<"RecordFirstContact">> = {}): Cmd<"RecordFirstContact"> => ({
  _tag: "RecordFirstContact",
  ...common(linkWorkerActor, at(26)),
  outcome: "agreed",
  ...overrides
})

/**
 * @since 0.1.0
 * @category commands
 */
export const putOnHold = (overrides: Partial<Cmd<"PutOnHold">> = {}): Cmd<"PutOnHold"> => ({
  _tag: "PutOnHold",
  ...common(linkWorkerActor, at(24 * 14)),
  reason: "hospital-stay",
  ...overrides
})

/**
 * @since 0.1.0
 * @category commands
 */
export const resume = (overrides: Partial<Cmd<"ResumeReferral">> = {}): Cmd<"ResumeReferral"> => ({
  _tag: "ResumeReferral",
  ...common(linkWorkerActor, at(24 * 21)),
  ...overrides
})

/**
 * @since 0.1.0
 * @category commands
 */
export const meeting = (overrides: Partial<Cmd<"RecordMeeting">> = {}): Cmd<"RecordMeeting"> => ({
  _tag: "RecordMeeting",
  ...common(linkWorkerActor, at(24 * 7 + 2)),
  meetingAt: at(24 * 7),
  place: "home",
  durationMinutes: 60,
  ...overrides
})

/**
 * @since 0.1.0
 * @category commands
 */
export const arrangement = (
  overrides: Partial<Cmd<"AgreeContactArrangement">> = {}
): Cmd<"AgreeContactArrangement"> => ({
  _tag: "AgreeContactArrangement",
  ...common(linkWorkerActor, at(27)),
  way: "in-person",
  frequency: "weekly",
  place: "home",
  ...overrides
})

/**
 * A complete SWEMWBS form (7 answers of 1–5) by the client by default.
 *
 * @since 0.1.0
 * @category commands
 */
export const measure = (overrides: Partial<Cmd<"RecordMeasure">> = {}): Cmd<"RecordMeasure"> => ({
  _tag: "RecordMeasure",
  ...common(linkWorkerActor, at(27)),
  instrument: "swemwbs",
  timePoint: "baseline",
  respondent: "self",
  answers: [3, 3, 2, 3, 4, 2, 3],
  ...overrides
})

/**
 * @since 0.1.0
 * @category commands
 */
export const close = (overrides: Partial<Cmd<"CloseReferral">> = {}): Cmd<"CloseReferral"> => ({
  _tag: "CloseReferral",
  ...common(linkWorkerActor, at(24 * 120)),
  outcome: "continues-in-community-activity",
  feedback: "We found a walking group; Aino goes there every Tuesday.",
  ...overrides
})

/**
 * The Kemijärvi preset directory's walking group as a plan records it.
 *
 * @since 0.3.0
 * @category constants
 */
export const walkingGroup: Directory.ActivityRef = Directory.ref(
  DirectoryPresets.kemijarvi,
  DirectoryPresets.kemijarviIds.walkingGroup
) as Directory.ActivityRef

/**
 * The Kemijärvi preset directory's grief peer group (no accompanying link worker).
 *
 * @since 0.3.0
 * @category constants
 */
export const griefGroup: Directory.ActivityRef = Directory.ref(
  DirectoryPresets.kemijarvi,
  DirectoryPresets.kemijarviIds.griefGroup
) as Directory.ActivityRef

/**
 * The plan: what matters to the client (personal data) and goals.
 *
 * @since 0.3.0
 * @category commands
 */
export const plan = (overrides: Partial<Cmd<"RecordPlan">> = {}): Cmd<"RecordPlan"> => ({
  _tag: "RecordPlan",
  ...common(linkWorkerActor, at(24 * 7 + 3)),
  whatMatters: "Aino wants to be outdoors and meet people again after her husband died.",
  goals: ["meet-people", "outdoors"],
  ...overrides
})

/**
 * A step of the walking group by default (`tried` comes accompanied, `left`
 * with a reason).
 *
 * @since 0.3.0
 * @category commands
 */
export const activity = (
  step: Cmd<"RecordActivity">["step"],
  overrides: Partial<Cmd<"RecordActivity">> = {}
): Cmd<"RecordActivity"> => ({
  _tag: "RecordActivity",
  ...common(linkWorkerActor, at(24 * 14)),
  activity: walkingGroup,
  step,
  ...(step === "tried" ? { accompanied: true } : {}),
  ...(step === "left" ? { reason: "schedule" as const } : {}),
  ...overrides
})

/**
 * @since 0.3.0
 * @category commands
 */
export const unmetNeed = (overrides: Partial<Cmd<"RecordUnmetNeed">> = {}): Cmd<"RecordUnmetNeed"> => ({
  _tag: "RecordUnmetNeed",
  ...common(linkWorkerActor, at(24 * 14)),
  category: "evening-activity",
  area: "Kemijärvi, keskusta",
  ...overrides
})

/**
 * @since 0.1.0
 * @category commands
 */
export const expireFollowUp = (overrides: Partial<Cmd<"ExpireFollowUp">> = {}): Cmd<"ExpireFollowUp"> => ({
  _tag: "ExpireFollowUp",
  ...common(system, at(24 * (120 + 92 + 15))),
  ...overrides
})

/**
 * The scheduler records a deadline marker (System actor).
 *
 * @since 0.1.0
 * @category commands
 */
export const recordDeadline = (
  deadline: Cmd<"RecordDeadline">["deadline"],
  marker: Cmd<"RecordDeadline">["marker"],
  overrides: Partial<Cmd<"RecordDeadline">> = {}
): Cmd<"RecordDeadline"> => ({
  _tag: "RecordDeadline",
  ...common(system, at(24 * 400)),
  deadline,
  marker,
  ...overrides
})

/**
 * The dispatcher records a message's outcome (System actor): by default the
 * call-time text message of `scheduleCall`, sent at its first attempt. A
 * not-sent outcome needs a `reason`.
 *
 * @since 0.1.0
 * @category commands
 */
export const messageOutcome = (
  outcome: Cmd<"RecordMessageOutcome">["outcome"] = "sent",
  overrides: Partial<Cmd<"RecordMessageOutcome">> = {}
): Cmd<"RecordMessageOutcome"> => ({
  _tag: "RecordMessageOutcome",
  ...common(system, at(20)),
  messageId: `${referralId}:call-1`,
  kind: "call-time-sms",
  outcome,
  attempts: outcome === "sent" ? 1 : 0,
  ...overrides
})

/**
 * A Kemijärvi referral whose deadlines pass: D1 and D2 warnings and misses
 * (nobody acts for four days), a late start, then D4's warning and
 * `DurationExceeded`. Every command is accepted.
 *
 * @since 0.1.0
 * @category constants
 */
export const deadlineStory = (): ReadonlyArray<ReferralCommand.ReferralCommand> => [
  submit(),
  recordDeadline("assignment", "at-risk", { at: at(23) }),
  recordDeadline("assignment", "missed", { at: at(39) }),
  recordDeadline("first-contact", "at-risk", { at: at(63) }),
  recordDeadline("first-contact", "missed", { at: at(87) }),
  assign({ at: at(112) }),
  scheduleCall({ at: at(113), callAt: at(169), notifyBySms: false }),
  firstContact({ at: at(170) }),
  recordDeadline("collaboration", "at-risk", { at: at(24 * 161) }),
  recordDeadline("collaboration", "missed", { at: at(24 * 200) })
]

/**
 * @since 0.1.0
 * @category commands
 */
export const recordConsent = (
  purpose: Consent.Purpose,
  decision: Consent.Decision,
  overrides: Partial<Cmd<"RecordConsent">> = {}
): Cmd<"RecordConsent"> => ({
  _tag: "RecordConsent",
  ...common(linkWorkerActor, at(30)),
  consent: consent(purpose, decision),
  ...overrides
})

/**
 * @since 0.1.0
 * @category commands
 */
export const updateContact = (overrides: Partial<Cmd<"UpdateContactDetails">> = {}): Cmd<"UpdateContactDetails"> => ({
  _tag: "UpdateContactDetails",
  ...common(coordinator, at(3)),
  mobileNumber: "050 765 4321",
  ...overrides
})

/**
 * @since 0.1.0
 * @category commands
 */
export const erase = (overrides: Partial<Cmd<"ErasePersonalData">> = {}): Cmd<"ErasePersonalData"> => ({
  _tag: "ErasePersonalData",
  ...common(coordinator, at(24 * 400)),
  basis: "client-request",
  ...overrides
})

/**
 * Kemijärvi's programme with the measure link at the follow-up (id
 * `kemijarvi-links`, in fi, sv, se and en): ONS4 at the follow-up (an open
 * instrument), a first message when the window opens, at most two reminders
 * five days apart, each link valid ten days.
 *
 * @since 0.3.0
 * @category constants
 */
export const measureLinkProgramme: Programme.Programme = Result.getOrThrowWith(
  Programme.make({
    ...Presets.kemijarvi,
    id: "kemijarvi-links",
    languages: ["fi", "sv", "se", "en"],
    // an open instrument at the follow-up (ONS4, `ExampleItemTexts`): its form needs no licensed text
    measures: { ...Presets.kemijarvi.measures, followUp: [{ instrument: "ons4", respondent: "self" }] },
    measureLinks: { timePoints: ["follow-up"], reminders: { max: 2, intervalDays: 5 }, validDays: 10 }
  }),
  (e) => new Error(e.message)
)

/**
 * The presets and `measureLinkProgramme`.
 *
 * @since 0.3.0
 * @category constants
 */
export const catalog: Programme.Catalog = Result.getOrThrow(Programme.catalog([...Presets.all, measureLinkProgramme]))

/**
 * The decider over the preset catalog (and `measureLinkProgramme`).
 *
 * @since 0.1.0
 * @category constants
 */
export const decider: Referral.Decider = Referral.makeDecider(catalog)

/**
 * A referral of `measureLinkProgramme` that is closed, sent the follow-up
 * link on the window's first morning, and answered through it an hour
 * later.
 *
 * @since 0.3.0
 * @category constants
 */
export const measureLinkStory = (): ReadonlyArray<ReferralCommand.ReferralCommand> => {
  const closing = close()
  const opens = Deadlines.followUpWindow(closing.at, measureLinkProgramme).opensAt
  const request: Cmd<"RequestMeasureLink"> = {
    _tag: "RequestMeasureLink",
    ...common(system, Instant.plusMillis(opens, 9 * 3_600_000)),
    timePoint: "follow-up"
  }
  return [
    submit({ programmeId: measureLinkProgramme.id }),
    assign(),
    scheduleCall(),
    firstContact(),
    closing,
    request,
    {
      _tag: "AnswerMeasureLink",
      ...common(client, Instant.plusMillis(request.at, 3_600_000)),
      tokenId: `${referralId}:${request.idempotencyKey}:measure-link-sms`,
      timePoint: "follow-up",
      measures: [{ instrument: "ons4", answers: [7, 8, 6, 3] }]
    }
  ]
}

/**
 * Runs commands in order from the initial state; every one must be accepted.
 * Returns the events (for `given`) and the final state.
 *
 * @since 0.1.0
 * @category constructors
 */
export const history = (
  commands: ReadonlyArray<ReferralCommand.ReferralCommand>,
  using: Referral.Decider = decider
): { readonly events: ReadonlyArray<ReferralEvent.ReferralEvent>; readonly state: Referral.ReferralState } => {
  let state = using.initialState
  const events: Array<ReferralEvent.ReferralEvent> = []
  for (const c of commands) {
    const r = using.decide(c, state)
    if (Result.isFailure(r)) throw new Error(`fixture history: ${c._tag} refused: ${r.failure.message}`)
    for (const e of r.success) {
      events.push(e)
      state = using.evolve(state, e)
    }
  }
  return { events, state }
}

/**
 * Ready histories: the commands that bring the fixture referral into each
 * state.
 *
 * @since 0.1.0
 * @category constants
 */
export const pathTo = {
  Submitted: () => [submit()],
  Assigned: () => [submit(), assign()],
  ContactScheduled: () => [submit(), assign(), scheduleCall()],
  Active: () => [submit(), assign(), scheduleCall(), firstContact()],
  OnHold: () => [submit(), assign(), scheduleCall(), firstContact(), putOnHold()],
  Closed: () => [submit(), assign(), scheduleCall(), firstContact(), close()],
  FollowedUp: () => [submit(), assign(), scheduleCall(), firstContact(), close(), expireFollowUp()],
  Rejected: () => [submit(), reject()],
  Declined: () => [submit(), assign(), scheduleCall(), firstContact({ outcome: "declined" })],
  Unreachable: () => [
    submit(),
    assign(),
    scheduleCall(),
    failedAttempt(),
    failedAttempt({ at: at(48), nextCallAt: at(72) }),
    lastFailedAttempt({ at: at(72) })
  ],
  Cancelled: () => [submit(), cancel()],
  Withdrawn: () => [submit(), recordConsent("referral", "withdrawn", { actor: coordinator, at: at(1) })]
} satisfies Record<string, () => ReadonlyArray<ReferralCommand.ReferralCommand>>

/**
 * The preset programme the fixtures use.
 *
 * @since 0.1.0
 * @category constants
 */
export const programme: Programme.Programme = Presets.kemijarvi

/**
 * Unwraps a decision for tests.
 *
 * @since 0.1.0
 * @category utils
 */
export const events = (r: Referral.Decision): ReadonlyArray<ReferralEvent.ReferralEvent> => Result.getOrThrow(r)
