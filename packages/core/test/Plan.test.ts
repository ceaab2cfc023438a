/**
 * Acceptance 2 of the community link: the plan's events as given/when/then
 * specs and properties. No activity is joined before it was tried or
 * suggested (P1); leaving needs a reason (P2); erasure removes the client's
 * words from the plan and keeps the pseudonymous activity counts; rule C3
 * governs what the referrer sees.
 */
import { describe, expect, it } from "@effect/vitest"
import {
  CommunityEvaluation,
  Instant,
  PersonalData,
  Plan,
  Referral,
  type ReferralCommand,
  type ReferralEvent,
  Views
} from "@lahete/core"
import { Arbitraries, DeciderSpec, Fixtures as F } from "@lahete/testing"
import { Result } from "effect"
import * as fc from "fast-check"

type Command = ReferralCommand.ReferralCommand

const spec = DeciderSpec.make(F.decider)
const given = (commands: ReadonlyArray<Command>) => spec.given(F.history(commands).events)
const active = () => F.pathTo.Active()
const closed = () => F.pathTo.Closed()
const base = (at: Instant.Instant) => ({ referralId: F.referralId, at, actor: F.linkWorkerActor })
const day = (d: number) => F.at(24 * d)

describe("the plan: given/when/then", () => {
  it("RecordPlan: the goals go to the event, what matters to the client only to the vault", () => {
    const command = F.plan({ at: day(8) })
    const state = given(active())
      .when(command)
      .then([{ _tag: "PlanRecorded", ...base(day(8)), goals: ["meet-people", "outdoors"] }])
    expect(state.plan).toMatchObject({ recorded: true, goals: ["meet-people", "outdoors"] })
    expect(PersonalData.vaultWrite(command, state.subjectId)).toEqual({
      _tag: "PutNotes",
      subjectId: state.subjectId,
      referralId: F.referralId,
      notes: { whatMatters: command.whatMatters }
    })
  })

  it("P1: joining an activity never suggested or tried is refused; after a suggestion it is accepted", () => {
    given(active())
      .when(F.activity("joined", { at: day(8) }))
      .thenFails("InvalidCommand", { field: "step" })
    const state = given([...active(), F.activity("suggested", { at: day(8) })])
      .when(F.activity("joined", { at: day(9) }))
      .then([{ _tag: "ActivityRecorded", ...base(day(9)), activity: F.walkingGroup, step: "joined" }])
    expect(state.plan.activities[0]).toMatchObject({ suggested: true, tried: false, joinedAt: day(9) })
  })

  it("P1: trying without a suggestion (the client found it), with the link worker, then joining", () => {
    const state = given([...active(), F.activity("tried", { at: day(8), accompanied: true })])
      .when(F.activity("joined", { at: day(9) }))
      .then([{ _tag: "ActivityRecorded", ...base(day(9)), activity: F.walkingGroup, step: "joined" }])
    expect(state.plan.activities[0]).toMatchObject({ tried: true, accompanied: true, step: "joined" })
  })

  it("P2: leaving needs a reason, and only leaving has one", () => {
    const joined = [...active(), F.activity("suggested", { at: day(8) }), F.activity("joined", { at: day(9) })]
    const { reason: _, ...noReason } = F.activity("left", { at: day(20) })
    given(joined).when(noReason).thenFails("InvalidCommand", { field: "reason" })
    given(joined)
      .when(F.activity("suggested", { at: day(20), activity: F.griefGroup, reason: "cost" }))
      .thenFails("InvalidCommand", { field: "reason" })
    const state = given(joined)
      .when(F.activity("left", { at: day(20), reason: "schedule" }))
      .then([
        { _tag: "ActivityRecorded", ...base(day(20)), activity: F.walkingGroup, step: "left", reason: "schedule" }
      ])
    expect(state.plan.activities[0]).toMatchObject({ leftAt: day(20), leaveReason: "schedule" })
  })

  it("P3: only a joined activity is left or continued; P5: continuing only after closing", () => {
    given([...active(), F.activity("suggested", { at: day(8) })])
      .when(F.activity("left", { at: day(9) }))
      .thenFails("InvalidCommand", { field: "step" })
    const joined = [...active(), F.activity("suggested", { at: day(8) }), F.activity("joined", { at: day(9) })]
    given(joined)
      .when(F.activity("continuing", { at: day(20) }))
      .thenFails("TransitionNotAllowed", { state: "Active" })
    const atFollowUp = day(120 + 92)
    const state = given([...joined, F.close()])
      .when(F.activity("continuing", { at: atFollowUp }))
      .then([{ _tag: "ActivityRecorded", ...base(atFollowUp), activity: F.walkingGroup, step: "continuing" }])
    expect(state.plan.activities[0]?.continuingAt).toBe(atFollowUp)
  })

  it("P4: a link worker comes along only where the activity allows it; accompanied only with tried", () => {
    given(active())
      .when(F.activity("tried", { at: day(8), activity: F.griefGroup, accompanied: true }))
      .thenFails("InvalidCommand", { field: "accompanied" })
    given(active())
      .when(F.activity("tried", { at: day(8), activity: F.griefGroup, accompanied: false }))
      .thenEvents((events) => expect(events.length).toBe(1))
    given(active())
      .when(F.activity("suggested", { at: day(8), accompanied: true }))
      .thenFails("InvalidCommand", { field: "accompanied" })
  })

  it("P5: suggesting, trying and joining happen during the collaboration; the plan not before it starts", () => {
    given(closed())
      .when(F.activity("suggested", { at: day(130) }))
      .thenFails("TransitionNotAllowed", { state: "Closed" })
    given(F.pathTo.Assigned()).when(F.plan()).thenFails("TransitionNotAllowed", { state: "Assigned" })
    given(F.pathTo.FollowedUp())
      .when(F.unmetNeed({ at: day(300) }))
      .thenFails("TransitionNotAllowed", { state: "FollowedUp" })
  })

  it("need-to-know: another link worker, the referrer and the coordinator cannot write the plan", () => {
    given(active())
      .when(F.plan({ actor: F.otherLinkWorkerActor }))
      .thenFails("Forbidden", { reason: "not-assigned" })
    given(active())
      .when(F.plan({ actor: F.referrer }))
      .thenFails("Forbidden", { reason: "role" })
    given(active())
      .when(F.unmetNeed({ actor: F.coordinator }))
      .thenFails("Forbidden", { reason: "role" })
  })

  it("an unmet need is recorded once per category and area", () => {
    const state = given([...active(), F.unmetNeed({ at: day(8) })])
      .when(F.unmetNeed({ at: day(9) }))
      .then([])
    expect(state.plan.unmetNeeds).toEqual([{ category: "evening-activity", area: "Kemijärvi, keskusta" }])
  })

  it("the same category in another area, or another category in the same area, is another need", () => {
    const first = { category: "evening-activity", area: "Kemijärvi, keskusta" }
    const otherArea = { category: "evening-activity", area: "Luusua" }
    const otherCategory = { category: "transport", area: "Kemijärvi, keskusta" }
    const { state } = F.history([
      ...active(),
      F.unmetNeed({ at: day(8), ...first }),
      F.unmetNeed({ at: day(9), ...otherArea }),
      F.unmetNeed({ at: day(10), ...otherCategory }),
      F.unmetNeed({ at: day(11), ...first })
    ])
    expect(state.plan.unmetNeeds).toEqual([first, otherArea, otherCategory])
  })
})

// ---------------------------------------------------------------------------
// properties
// ---------------------------------------------------------------------------

/** Runs commands, skipping the refused ones; returns the accepted commands, the events and the state. */
const run = (commands: ReadonlyArray<Command>, from: Referral.ReferralState = Referral.initialState) => {
  let state = from
  const accepted: Array<Command> = []
  const events: Array<ReferralEvent.ReferralEvent> = []
  for (const c of commands) {
    const r = F.decider.decide(c, state)
    if (Result.isFailure(r)) continue
    accepted.push(c)
    for (const e of r.success) {
      events.push(e)
      state = F.decider.evolve(state, e)
    }
  }
  return { accepted, events, state }
}

/** Plan commands of the assigned link worker, a day apart from day 8, with a closing among them at `closeAt`. */
const planCommands = fc
  .tuple(
    fc.array(
      fc.oneof(
        { arbitrary: Arbitraries.recordActivity({ referralId: F.referralId, actor: F.linkWorkerActor }), weight: 6 },
        { arbitrary: Arbitraries.recordPlan({ referralId: F.referralId, actor: F.linkWorkerActor }), weight: 1 },
        { arbitrary: Arbitraries.recordUnmetNeed({ referralId: F.referralId, actor: F.linkWorkerActor }), weight: 1 }
      ),
      { minLength: 1, maxLength: 40 }
    ),
    fc.nat({ max: 45 })
  )
  .map(([commands, closeAt]) => {
    const out: Array<Command> = commands.map((c, i) => ({ ...c, at: day(8 + i) }))
    if (closeAt < out.length) out.splice(closeAt, 0, F.close({ at: Instant.plusMillis(day(8 + closeAt), -3_600_000) }))
    return out
  })

describe("the plan: properties", () => {
  it("P1–P5 hold for every sequence: each accepted step follows the rules, refused ones change nothing", () => {
    fc.assert(
      fc.property(planCommands, (commands) => {
        const start = F.history(active()).state
        const { events } = run(commands, start)
        const history: Array<ReferralEvent.ReferralEvent> = []
        let closedYet = false
        for (const e of events) {
          if (e._tag === "ReferralClosed") closedYet = true
          if (e._tag === "ActivityRecorded") {
            const earlier = history.filter(
              (h): h is Extract<ReferralEvent.ReferralEvent, { _tag: "ActivityRecorded" }> =>
                h._tag === "ActivityRecorded" && h.activity.id === e.activity.id
            )
            const lastJoinOrLeave = earlier.filter((h) => h.step === "joined" || h.step === "left").at(-1)
            const takingPart = lastJoinOrLeave?.step === "joined"
            // P1
            if (e.step === "joined") {
              expect(earlier.some((h) => h.step === "suggested" || h.step === "tried")).toBe(true)
              expect(takingPart).toBe(false)
            }
            // P2
            expect(e.reason !== undefined).toBe(e.step === "left")
            // P3
            if (e.step === "left" || e.step === "continuing") expect(takingPart).toBe(true)
            // P4
            expect(e.accompanied !== undefined).toBe(e.step === "tried")
            if (e.accompanied === true) expect(e.activity.accompanyingAllowed).toBe(true)
            // P5
            if (e.step === "suggested" || e.step === "tried" || e.step === "joined") expect(closedYet).toBe(false)
            if (e.step === "continuing") expect(closedYet).toBe(true)
          }
          history.push(e)
        }
      }),
      { numRuns: 300 }
    )
  })

  it("erasure removes what matters to the client (their words) and keeps the pseudonymous activity counts", () => {
    fc.assert(
      fc.property(planCommands, (commands) => {
        const submit = F.submit()
        const all: ReadonlyArray<Command> = [
          ...active().slice(1),
          ...commands.filter((c) => c._tag !== "CloseReferral"),
          F.close({ at: day(80) }),
          F.expireFollowUp(),
          F.erase()
        ]
        const { accepted, events, state } = run([submit, ...all])
        const erasedAt = events.findIndex((e) => e._tag === "PersonalDataErased")
        expect(erasedAt).toBeGreaterThan(0)
        const before = Referral.fold(events.slice(0, erasedAt))
        // the vault, write by write, as ReferralService applies them
        let vault: PersonalData.SubjectData | undefined
        for (const c of accepted) {
          const write = PersonalData.vaultWrite(c, state.subjectId)
          if (write !== undefined) vault = PersonalData.apply(vault, write)
          // until the erasure, the vault holds the client's latest words
          if (c._tag === "RecordPlan") expect(vault?.referrals[F.referralId]?.whatMatters).toBe(c.whatMatters)
        }
        const words = accepted.flatMap((c) => (c._tag === "RecordPlan" ? [c.whatMatters] : []))
        expect(vault).toBeUndefined()
        // the events never held the words
        const stored = JSON.stringify(events)
        for (const w of words) expect(stored).not.toContain(w)
        // the counts are what they were before the erasure
        expect(state.plan).toEqual(before.plan)
        const counts = (s: Referral.ReferralState) => CommunityEvaluation.compute([s, s, s, s, s], { minimumCell: 5 })
        expect(counts(state)).toEqual(counts(before))
      }),
      { numRuns: 150 }
    )
  })

  it("C3: the referrer sees the plan exactly while they asked for feedback and the client's consent is in force; never the client's words", () => {
    const decisions = fc.array(
      fc.constantFrom("granted", "refused", "withdrawn") as fc.Arbitrary<"granted" | "refused" | "withdrawn">,
      {
        maxLength: 4
      }
    )
    fc.assert(
      fc.property(fc.boolean(), decisions, planCommands, (requested, consent, plan) => {
        const consentCommands = consent.map((decision, i) =>
          F.recordConsent("feedback-to-referrer", decision, { actor: F.linkWorkerActor, at: day(60 + i) })
        )
        const commands = [F.submit({ feedbackRequested: requested }), ...active().slice(1), ...plan, ...consentCommands]
        const { accepted, state } = run(commands)
        const at = day(400)
        const subjects: Views.Subjects = new Map()
        const viewed = Result.getOrThrow(Views.referralStatus(F.referrer, state, subjects, at))
        const lastDecision = accepted
          .flatMap((c) =>
            c._tag === "RecordConsent" && c.consent.purpose === "feedback-to-referrer" ? [c.consent.decision] : []
          )
          .at(-1)
        const shared = requested && lastDecision === "granted" && !Plan.isEmpty(state.plan)
        expect(viewed.view.plan !== undefined).toBe(shared)
        expect(viewed.disclosures.some((d) => d.what === "plan")).toBe(shared)
        const words = accepted.flatMap((c) => (c._tag === "RecordPlan" ? [c.whatMatters] : []))
        for (const w of words) expect(JSON.stringify(viewed)).not.toContain(w)
        // the overview (many referrals at once) never carries the plan
        const overview = Result.getOrThrow(Views.referrerOverview(F.referrer, [state], at))
        expect(overview.view.every((s) => s.plan === undefined)).toBe(true)
      }),
      { numRuns: 200 }
    )
  })
})

describe("the caseload shows the plan", () => {
  it("with what matters to the client while the link worker sees the client", () => {
    const { state } = F.history([
      ...active(),
      F.plan(),
      F.activity("tried", { at: day(14) }),
      F.unmetNeed({ at: day(15) })
    ])
    const subjects: Views.Subjects = new Map([
      [
        state.subjectId as string,
        {
          subjectId: state.subjectId as NonNullable<typeof state.subjectId>,
          givenName: "Aino",
          familyName: "Testinen",
          language: "fi",
          referrals: { [F.referralId]: { whatMatters: F.plan().whatMatters } }
        }
      ]
    ])
    const entry = Result.getOrThrow(Views.linkWorkerCaseload(F.linkWorkerActor, [state], subjects, day(16))).view
      .entries[0]
    expect(entry?.plan).toMatchObject({
      goals: ["meet-people", "outdoors"],
      whatMatters: F.plan().whatMatters,
      unmetNeeds: [{ category: "evening-activity", area: "Kemijärvi, keskusta" }]
    })
    expect(entry?.plan.activities.map((a) => [a.activity.id, a.step, a.accompanied])).toEqual([
      [F.walkingGroup.id, "tried", true]
    ])
  })
})
