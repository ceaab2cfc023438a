/**
 * Properties of the referral decider over random command sequences for one
 * referral (model-based, from `CommandSequences`): replay, the lifecycle
 * table, the consent rules C1, C2, C4, C5 and C6, the deadlines (each marker
 * once and never before its time; call times and text messages within the
 * rules), typed errors only, and no personal data in errors or events. C3
 * (reading the closing feedback) is a rule of the views, tested with them.
 *
 * Each property also counts what the sequences exercised and fails when a
 * case never came up, so a weakened generator cannot make it pass vacuously.
 */
import { isDeepStrictEqual } from "node:util"
import { describe, expect, it } from "@effect/vitest"
import {
  type Consent,
  Deadlines,
  FinnishCalendar,
  Instant,
  Lifecycle,
  LocalTime,
  MobileNumber,
  type Programme,
  type Referral,
  ReferralError,
  ReferralEvent
} from "@lahete/core"
import { Arbitraries, CommandSequences, Fixtures } from "@lahete/testing"
import { Result, Schema } from "effect"
import * as fc from "fast-check"

type Command = CommandSequences.Step["command"]
type Event = ReferralEvent.ReferralEvent

const decider = Fixtures.decider
const numRuns = 1000
/** A thousand sequences take a few seconds each property. */
const timeout = 60_000

/** Long sequences, mostly following the lifecycle, with a share of wrong steps that varies per sequence. */
const sequences = fc.oneof(
  CommandSequences.sequence({ maxLength: 40, invalidShare: 0.1 }),
  CommandSequences.sequence({ maxLength: 40, invalidShare: 0.3 })
)

/** Deep equality, fast; on a difference, `toEqual` shows it. */
const same = (actual: unknown, expected: unknown) => {
  if (!isDeepStrictEqual(actual, expected)) expect(actual).toEqual(expected)
}

/** Folds events from the initial state with the decider's own `evolve`. */
const fold = (events: ReadonlyArray<Event>) => events.reduce(decider.evolve, decider.initialState)

const eventsOf = (step: CommandSequences.Step): ReadonlyArray<Event> =>
  Result.isSuccess(step.result) ? step.result.success : []

/** The programme version the referral was submitted under. */
const programmeOf = (state: Referral.ReferralState): Programme.Programme => {
  const p = state.programme === undefined ? undefined : decider.catalog.get(state.programme.id, state.programme.version)
  if (p === undefined) throw new Error("no programme for a referral that produced events")
  return p
}

/** The deadline marker an event records, under `Deadlines.markKey` (the follow-up completes once, recorded or missed). */
const markerOf = (e: Event): string | undefined => {
  switch (e._tag) {
    case "DeadlineAtRisk":
      return Deadlines.markKey(e.deadline, "at-risk")
    case "AssignmentOverdue":
      return Deadlines.markKey("assignment", "missed")
    case "ContactDeadlineMissed":
      return Deadlines.markKey("first-contact", "missed")
    case "DurationExceeded":
      return Deadlines.markKey("collaboration", "missed")
    case "FollowUpCompleted":
      return Deadlines.markKey("follow-up", "missed")
    default:
      return undefined
  }
}

/** Whether an instant lies on a business day within the programme's calling hours (local time). */
const inCallingHours = (at: Instant.Instant, p: Programme.Programme): boolean => {
  const clock = LocalTime.localClockOf(at, p.timeZone)
  return (
    FinnishCalendar.isBusinessDay(LocalTime.localDateOf(at, p.timeZone)) &&
    clock >= p.deadlines.callingHours.start &&
    clock < p.deadlines.callingHours.end
  )
}

const minute = 60_000

/** Counts what the sequences exercised; `expectAll` fails for anything never seen. */
const coverage = () => {
  const counts = new Map<string, number>()
  return {
    see: (what: string, when = true) => {
      if (when) counts.set(what, (counts.get(what) ?? 0) + 1)
    },
    expectAll: (...what: ReadonlyArray<string>) => {
      for (const w of what) expect({ [w]: counts.get(w) ?? 0 }).not.toEqual({ [w]: 0 })
    }
  }
}

const declaredErrors = {
  TransitionNotAllowed: ReferralError.TransitionNotAllowed,
  Forbidden: ReferralError.Forbidden,
  ConsentMissing: ReferralError.ConsentMissing,
  MobileNumberMissing: ReferralError.MobileNumberMissing,
  NotEligible: ReferralError.NotEligible,
  InvalidCommand: ReferralError.InvalidCommand,
  ProgrammeNotFound: ReferralError.ProgrammeNotFound,
  MeasureNotExpected: ReferralError.MeasureNotExpected,
  TooEarly: ReferralError.TooEarly,
  LinkWorkerIneligible: ReferralError.LinkWorkerIneligible,
  CallTimeNotAllowed: ReferralError.CallTimeNotAllowed
} as const

describe("Referral decider properties", { timeout }, () => {
  it("the model's valid sequences are accepted whole and reach every state", () => {
    const seen = coverage()
    fc.assert(
      fc.property(CommandSequences.sequence({ maxLength: 40, invalidShare: 0 }), (commands) => {
        const { steps } = CommandSequences.run(decider, commands)
        for (const s of steps) {
          if (Result.isFailure(s.result)) {
            throw new Error(`${s.command._tag} refused in ${s.before.status}: ${s.result.failure.message}`)
          }
          seen.see(s.after.status)
        }
      }),
      { numRuns }
    )
    seen.expectAll(...Lifecycle.states)
  })

  it("replay: folding the events, also after encoding and decoding them, reproduces the state", () => {
    fc.assert(
      fc.property(sequences, (commands) => {
        const first = CommandSequences.run(decider, commands)
        const { steps, events, state } = first
        expect(state.version).toBe(events.length)
        same(fold(events), state)
        // the state reached step by step (each step from the one before) is the fold of all events
        for (const [i, s] of steps.entries()) if (i > 0) expect(s.before).toBe(steps[i - 1]?.after)
        // deterministic: the same commands give the same results
        same(CommandSequences.run(decider, commands), first)
        // through storage: encode, JSON, decode
        const stored = JSON.parse(
          JSON.stringify(events.map(ReferralEvent.codec.encode))
        ) as ReadonlyArray<ReferralEvent.Stored>
        const decoded = stored.map((x) => Result.getOrThrow(ReferralEvent.codec.decode(x)))
        same(decoded, events)
        same(fold(decoded), state)
      }),
      { numRuns }
    )
  })

  it("no sequence leaves the lifecycle table; refused commands change nothing; terminal states stay", () => {
    const seen = coverage()
    fc.assert(
      fc.property(sequences, (commands) => {
        const { steps } = CommandSequences.run(decider, commands)
        for (const s of steps) {
          const from = s.before.status
          const to = s.after.status
          const tag = s.command._tag
          if (to === "Initial") expect(from).toBe("Initial")
          else if (!Lifecycle.states.includes(to)) throw new Error(`${tag} reached ${to}: not a state of the lifecycle`)
          if (Result.isFailure(s.result)) {
            expect(s.after).toBe(s.before)
            seen.see("refused")
            continue
          }
          const listed = Lifecycle.transitions.some((t) => t.from === from && t.command === tag && t.to === to)
          const recording = from === to && (Lifecycle.recordings[tag]?.includes(from) ?? false)
          if (!listed && !recording) throw new Error(`${tag} took ${from} to ${to}: not in the lifecycle table`)
          seen.see(listed && from !== to ? "transition" : "recording")
          if (Lifecycle.isTerminal(from)) {
            expect(to).toBe(from)
            seen.see("accepted in a terminal state")
          }
          // every event is the command's: same referral, time and actor
          for (const e of s.result.success) {
            same(
              { referralId: e.referralId, at: e.at, actor: e.actor },
              { referralId: s.command.referralId, at: s.command.at, actor: s.command.actor }
            )
          }
        }
      }),
      { numRuns }
    )
    seen.expectAll("refused", "transition", "recording", "accepted in a terminal state")
  })

  it("C1: no ReferralSubmitted without referral consent granted in the same command", () => {
    const seen = coverage()
    fc.assert(
      fc.property(sequences, (commands) => {
        for (const s of CommandSequences.run(decider, commands).steps) {
          const c = s.command
          const referralConsent =
            c._tag === "SubmitReferral" ? c.consents.find((g) => g.purpose === "referral") : undefined
          if (c._tag === "SubmitReferral") {
            const granted =
              referralConsent?.decision === "granted" &&
              (referralConsent.expiresAt === undefined || referralConsent.expiresAt > c.at)
            seen.see("submission without referral consent", !granted)
            seen.see("C1 refusal", Result.isFailure(s.result) && s.result.failure._tag === "ConsentMissing")
          }
          const events = eventsOf(s)
          if (!events.some((e) => e._tag === "ReferralSubmitted")) continue
          seen.see("submitted")
          expect(c._tag).toBe("SubmitReferral")
          expect(referralConsent?.decision).toBe("granted")
          if (referralConsent?.expiresAt !== undefined) expect(referralConsent.expiresAt > c.at).toBe(true)
          expect(
            events.some(
              (e) =>
                e._tag === "ConsentRecorded" && e.consent.purpose === "referral" && e.consent.decision === "granted"
            )
          ).toBe(true)
        }
      }),
      { numRuns }
    )
    seen.expectAll("submitted", "submission without referral consent", "C1 refusal")
  })

  it("C2: a call-time text message needs contact-by-sms consent in force, a valid mobile number and no erasure", () => {
    const seen = coverage()
    fc.assert(
      fc.property(sequences, (commands) => {
        // tracked here from the commands and events, independently of the decider's state
        let sms: Consent.ConsentRecord | undefined
        let mobile: string | undefined
        let erased = false
        for (const s of CommandSequences.run(decider, commands).steps) {
          const c = s.command
          if (Result.isFailure(s.result)) {
            const e = s.result.failure
            seen.see("C2 refusal", e._tag === "MobileNumberMissing" || (e._tag === "ConsentMissing" && e.rule === "C2"))
            continue
          }
          for (const e of s.result.success) {
            if (e._tag === "CallTimeMessageRequested") {
              seen.see("message")
              expect(sms?.decision).toBe("granted")
              if (sms?.expiresAt !== undefined) expect(e.at < sms.expiresAt).toBe(true)
              expect(mobile !== undefined && MobileNumber.isValid(mobile)).toBe(true)
              expect(erased).toBe(false)
            }
            if (e._tag === "ConsentRecorded" && e.consent.purpose === "contact-by-sms") sms = e.consent
            if (e._tag === "ReferralSubmitted" && c._tag === "SubmitReferral") mobile = c.client.mobileNumber
            if (e._tag === "ContactDetailsUpdated" && c._tag === "UpdateContactDetails") {
              mobile = c.mobileNumber ?? undefined
            }
            if (e._tag === "PersonalDataErased") {
              erased = true
              mobile = undefined
            }
          }
        }
      }),
      { numRuns }
    )
    seen.expectAll("message", "C2 refusal")
  })

  it("C4: research consent, given or not, granted or refused, changes nothing but research bookkeeping", () => {
    const seen = coverage()
    const isResearch = (e: Event): e is Extract<Event, { _tag: "ConsentRecorded" }> =>
      e._tag === "ConsentRecorded" && e.consent.purpose === "research"
    const withoutResearchEvents = (events: ReadonlyArray<Event>) => events.filter((e) => !isResearch(e))
    const stateWithoutResearch = (state: Referral.ReferralState) => {
      const { research: _, ...consents } = state.consents
      // the stream version counts research events too: bookkeeping
      const { version: _version, ...rest } = state
      return { ...rest, consents }
    }
    fc.assert(
      fc.property(
        sequences
          .map(CommandSequences.withoutResearch)
          .chain((base) => CommandSequences.withResearch(base).map((variant) => ({ base, variant }))),
        ({ base, variant }) => {
          const a = CommandSequences.run(decider, base)
          const b = CommandSequences.run(decider, variant)
          const bSteps = b.steps.filter((s) => !CommandSequences.isResearchConsent(s.command))
          expect(bSteps.length).toBe(a.steps.length)
          a.steps.forEach((sa, i) => {
            const sb = bSteps[i] as CommandSequences.Step
            expect(sb.command.idempotencyKey).toBe(sa.command.idempotencyKey)
            if (Result.isSuccess(sa.result)) {
              if (Result.isFailure(sb.result)) {
                throw new Error(`${sa.command._tag} refused only with research consent: ${sb.result.failure.message}`)
              }
              expect(withoutResearchEvents(sb.result.success)).toEqual(sa.result.success)
            } else {
              if (Result.isSuccess(sb.result)) throw new Error(`${sa.command._tag} accepted only with research consent`)
              expect(sb.result.failure).toEqual(sa.result.failure)
            }
          })
          expect(withoutResearchEvents(b.events)).toEqual(a.events)
          expect(stateWithoutResearch(b.state)).toEqual(stateWithoutResearch(a.state))
          seen.see("research recorded", b.events.some(isResearch))
          seen.see(
            "research refused",
            b.events.some((e) => isResearch(e) && e.consent.decision !== "granted")
          )
          seen.see(
            "research granted",
            b.events.some((e) => isResearch(e) && e.consent.decision === "granted")
          )
          seen.see("lifecycle went on", a.state.status !== "Initial" && a.state.status !== "Submitted")
        }
      ),
      { numRuns }
    )
    seen.expectAll("research recorded", "research refused", "research granted", "lifecycle went on")
  })

  it("C5: withdrawing referral consent ends the referral, and nothing but consent bookkeeping, message outcomes and erasure follows", () => {
    const seen = coverage()
    fc.assert(
      fc.property(sequences, (commands) => {
        let withdrawn = false
        for (const s of CommandSequences.run(decider, commands).steps) {
          const c = s.command
          const events = eventsOf(s)
          if (withdrawn) {
            // consent bookkeeping, erasure, and the worker's record of what became of a
            // message already queued (it records facts; it contacts nobody)
            for (const e of events) {
              expect(["ConsentRecorded", "PersonalDataErased", "MessageSent", "MessageNotSent"]).toContain(e._tag)
            }
            seen.see("command after withdrawal")
            continue
          }
          const withdrawal =
            Result.isSuccess(s.result) &&
            c._tag === "RecordConsent" &&
            c.consent.purpose === "referral" &&
            c.consent.decision !== "granted" &&
            !Lifecycle.isTerminal(s.before.status)
          if (withdrawal) {
            seen.see(`withdrawn from ${s.before.status}`)
            expect(s.after.status).toBe("Withdrawn")
            expect(events.map((e) => e._tag)).toEqual(["ConsentRecorded", "ReferralWithdrawn"])
            withdrawn = true
          } else {
            expect(events.some((e) => e._tag === "ReferralWithdrawn")).toBe(false)
          }
        }
      }),
      { numRuns }
    )
    seen.expectAll(
      "withdrawn from Submitted",
      "withdrawn from Assigned",
      "withdrawn from Active",
      "command after withdrawal"
    )
  })

  it("C6: no call-time message after Withdrawn or after personal data is erased", () => {
    const seen = coverage()
    fc.assert(
      fc.property(sequences, (commands) => {
        let withdrawn = false
        let erased = false
        for (const s of CommandSequences.run(decider, commands).steps) {
          for (const e of eventsOf(s)) {
            if (e._tag === "CallTimeMessageRequested") {
              expect({ withdrawn, erased }).toEqual({ withdrawn: false, erased: false })
            }
            if (e._tag === "ReferralWithdrawn") withdrawn = true
            if (e._tag === "PersonalDataErased") erased = true
          }
          const asksForMessage =
            (s.command._tag === "ScheduleCall" || s.command._tag === "RecordFailedContactAttempt") &&
            s.command.notifyBySms
          seen.see("message asked for after withdrawal", withdrawn && asksForMessage)
          seen.see("message asked for after erasure", erased && asksForMessage)
        }
      }),
      { numRuns }
    )
    seen.expectAll("message asked for after withdrawal", "message asked for after erasure")
  })

  it("every deadline marker fires at most once per referral", () => {
    const seen = coverage()
    fc.assert(
      fc.property(sequences, (commands) => {
        const fired = new Set<string>()
        for (const s of CommandSequences.run(decider, commands).steps) {
          const c = s.command
          const events = eventsOf(s)
          for (const e of events) {
            const key = markerOf(e)
            if (key === undefined) continue
            if (fired.has(key)) throw new Error(`${key} fired twice (${e._tag} at step ${s.index})`)
            fired.add(key)
            seen.see(key)
          }
          if (c._tag === "RecordDeadline" && Result.isSuccess(s.result)) {
            const key = Deadlines.markKey(c.deadline, c.marker)
            // the scheduler may fire a marker again: accepted, and nothing is recorded
            if (s.before.deadlineMarks.includes(key)) {
              expect(events).toEqual([])
              seen.see("fired again")
            }
          }
        }
      }),
      { numRuns }
    )
    seen.expectAll(
      ...(["assignment", "first-contact", "collaboration", "follow-up"] as const).map((d) =>
        Deadlines.markKey(d, "at-risk")
      ),
      Deadlines.markKey("assignment", "missed"),
      Deadlines.markKey("first-contact", "missed"),
      Deadlines.markKey("collaboration", "missed"),
      Deadlines.markKey("follow-up", "missed"),
      "fired again"
    )
  })

  it("no deadline marker before its fire time; an early one is refused as TooEarly", () => {
    const seen = coverage()
    fc.assert(
      fc.property(sequences, (commands) => {
        for (const s of CommandSequences.run(decider, commands).steps) {
          const c = s.command
          if (c._tag !== "RecordDeadline" && c._tag !== "ExpireFollowUp") continue
          if (!Lifecycle.accepts(s.before.status, c._tag) || s.before.programme === undefined) continue
          const kind = c._tag === "RecordDeadline" ? c.deadline : "follow-up"
          const marker = c._tag === "RecordDeadline" ? c.marker : "missed"
          const firing = Deadlines.pendingFirings(s.before, programmeOf(s.before)).find(
            (f) => f.kind === kind && f.marker === marker
          )
          const events = eventsOf(s)
          if (Result.isFailure(s.result)) {
            const e = s.result.failure
            if (e._tag !== "TooEarly") continue
            seen.see(`${c._tag} too early`)
            // refused only before the fire time, and the refusal says when
            if (firing === undefined) throw new Error(`${c._tag} refused as too early with nothing to fire`)
            expect(c.at < firing.fireAt).toBe(true)
            expect(e.notBefore).toBe(firing.fireAt)
            continue
          }
          if (events.length === 0) {
            // nothing to record: fired already, out of scope, or a warning whose deadline has passed
            if (firing !== undefined) {
              expect(firing.marker).toBe("at-risk")
              expect(c.at >= firing.dueAt).toBe(true)
              seen.see("obsolete warning")
            }
            continue
          }
          if (firing === undefined) throw new Error(`${c._tag} recorded ${events[0]?._tag} with nothing to fire`)
          expect(c.at >= firing.fireAt).toBe(true)
          seen.see(`${c._tag} fired`)
          for (const e of events) {
            expect(markerOf(e)).toBe(Deadlines.markKey(kind, marker))
            if ("dueAt" in e) expect(e.dueAt).toBe(firing.dueAt)
            // a warning comes before its deadline, a missed marker at or after it
            if (marker === "at-risk") expect(e.at < firing.dueAt).toBe(true)
            else expect(e.at >= firing.dueAt).toBe(true)
          }
        }
      }),
      { numRuns }
    )
    seen.expectAll(
      "RecordDeadline fired",
      "ExpireFollowUp fired",
      "RecordDeadline too early",
      "ExpireFollowUp too early",
      "obsolete warning"
    )
  })

  it("call times and text messages keep to the rules (D2, D3, calling hours); a refusal suggests a valid time", () => {
    const seen = coverage()
    fc.assert(
      fc.property(sequences, (commands) => {
        for (const s of CommandSequences.run(decider, commands).steps) {
          if (s.before.programme === undefined || s.before.submittedAt === undefined) continue
          const p = programmeOf(s.before)
          const lead = p.deadlines.textMessage.leadTimeMinutes * minute
          const quiet = p.deadlines.textMessage.quietHours
          if (Result.isFailure(s.result)) {
            const e = s.result.failure
            if (e._tag !== "CallTimeNotAllowed") continue
            seen.see(`refused: ${e.problem}`)
            const suggested = e.suggestedCallAt as Instant.Instant
            expect(suggested > s.command.at).toBe(true)
            expect(inCallingHours(suggested, p)).toBe(true)
            continue
          }
          const events = s.result.success
          for (const e of events) {
            if (e._tag === "CallScheduled") {
              seen.see("call scheduled")
              expect(e.callAt > e.at).toBe(true)
              expect(inCallingHours(e.callAt, p)).toBe(true)
              // the first call (and its reschedules) meets the first-contact deadline whenever it still can
              const dueAt = Deadlines.firstContactDueAt(s.before.submittedAt, p)
              if (e.attempt === 1 && e.callAt >= dueAt) {
                const withMessage = events.some((m) => m._tag === "CallTimeMessageRequested")
                expect(Deadlines.earliestCallTime({ programme: p, at: e.at, withMessage }) >= dueAt).toBe(true)
                seen.see("first call after a deadline it could no longer meet")
              }
              seen.see("first call before the deadline", e.attempt === 1 && e.callAt < dueAt)
            }
            if (e._tag !== "CallTimeMessageRequested") continue
            expect(events.find((x) => x._tag === "CallScheduled")).toMatchObject({ callAt: e.callAt })
            expect(e.sendAfter <= e.sendBefore).toBe(true)
            expect(Instant.plusMillis(e.sendBefore, lead)).toBe(e.callAt)
            expect(e.sendAfter >= e.at).toBe(true)
            expect(LocalTime.isWithinDailyWindow(e.sendAfter, quiet, p.timeZone)).toBe(false)
            // sent right away, unless asked for in quiet hours
            const asked = LocalTime.isWithinDailyWindow(e.at, quiet, p.timeZone)
            if (!asked) expect(e.sendAfter).toBe(e.at)
            seen.see(asked ? "message asked for in quiet hours" : "message asked for outside quiet hours")
          }
        }
      }),
      { numRuns }
    )
    seen.expectAll(
      "call scheduled",
      "first call before the deadline",
      "first call after a deadline it could no longer meet",
      "message asked for in quiet hours",
      "message asked for outside quiet hours",
      ...ReferralError.CallTimeProblem.literals.map((problem) => `refused: ${problem}`)
    )
  })

  it("the decider never throws and refuses only with the declared tagged errors", () => {
    const seen = coverage()
    /** Fails the property on a non-Result or an undeclared error. */
    const check = (command: Command, state: Referral.ReferralState, result: unknown): void => {
      if (!Result.isResult(result)) throw new Error(`${command._tag} in ${state.status} returned no Result`)
      const decision = result as Referral.Decision
      if (Result.isSuccess(decision)) return
      const error = decision.failure
      seen.see(error._tag)
      const declared = declaredErrors[error._tag] as (typeof declaredErrors)[keyof typeof declaredErrors] | undefined
      if (declared === undefined) throw new Error(`undeclared error ${String((error as { _tag: unknown })._tag)}`)
      expect(error).toBeInstanceOf(declared)
      expect(error).toBeInstanceOf(Error)
      // its fields satisfy its schema
      const schema = declared as unknown as Schema.Codec<unknown, unknown>
      expect(Result.isSuccess(Schema.decodeUnknownResult(schema)(Schema.encodeSync(schema)(error)))).toBe(true)
    }
    /** Decides, failing the property on a throw, then checks the decision. */
    const decide = (command: Command, state: Referral.ReferralState): void => {
      let result: unknown
      try {
        result = decider.decide(command, state)
      } catch (thrown) {
        throw new Error(`${command._tag} in ${state.status} threw instead of returning a Result: ${String(thrown)}`)
      }
      check(command, state, result)
    }
    fc.assert(
      fc.property(sequences, fc.array(Arbitraries.anyCommand(), { maxLength: 3 }), (commands, random) => {
        // the sequence (a decider that throws makes `run` throw)
        const { steps } = CommandSequences.run(decider, commands)
        for (const s of steps) check(s.command, s.before, s.result)
        const states = [decider.initialState, ...steps.filter((s) => Result.isSuccess(s.result)).map((s) => s.after)]
        // any command the schema allows (odd birth years, codes, numbers, times…), in every state reached
        const referralId = commands[0]?.referralId
        for (const command of random) {
          const aimed = referralId === undefined ? command : { ...command, referralId }
          for (const s of states) decide(aimed, s)
        }
      }),
      { numRuns }
    )
    seen.expectAll(...Object.keys(declaredErrors))
  })

  it("no personal data from the commands in any error message, error JSON or event", () => {
    const seen = coverage()
    fc.assert(
      fc.property(sequences, (commands) => {
        const personal = CommandSequences.personalData(commands)
        const { steps, events } = CommandSequences.run(decider, commands)
        const leaks = (text: string, where: string) => {
          for (const p of personal) if (text.includes(p)) throw new Error(`${where} contains personal data`)
        }
        for (const s of steps) {
          if (Result.isSuccess(s.result)) continue
          const e = s.result.failure
          seen.see(`refused: ${e._tag}`)
          leaks(e.message, `${e._tag} message`)
          leaks(String(e), `${e._tag} as a string`)
          leaks(JSON.stringify(e), `${e._tag} JSON`)
        }
        leaks(JSON.stringify(events), "the events")
        seen.see(
          "invalid identity code refused",
          steps.some((s) => isRefusedFor(s, "client.personalIdentityCode"))
        )
        seen.see(
          "invalid mobile number refused",
          steps.some((s) => isRefusedFor(s, "mobileNumber"))
        )
        seen.see(
          "feedback written",
          commands.some((c: Command) => c._tag === "CloseReferral")
        )
      }),
      { numRuns }
    )
    seen.expectAll("invalid identity code refused", "invalid mobile number refused", "feedback written")
  })
})

const isRefusedFor = (s: CommandSequences.Step, field: string): boolean =>
  Result.isFailure(s.result) && s.result.failure._tag === "InvalidCommand" && s.result.failure.field.endsWith(field)
