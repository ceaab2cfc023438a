/**
 * Properties of the referral decider over random command sequences for one
 * referral (model-based, from `CommandSequences`): replay, the lifecycle
 * table, the consent rules C1, C2, C4, C5 and C6, typed errors only, and no
 * personal data in errors or events. C3 (reading the closing feedback) is a
 * rule of the views, tested with them.
 *
 * Each property also counts what the sequences exercised and fails when a
 * case never came up, so a weakened generator cannot make it pass vacuously.
 */
import { isDeepStrictEqual } from "node:util"
import { describe, expect, it } from "@effect/vitest"
import { type Consent, Lifecycle, MobileNumber, type Referral, ReferralError, ReferralEvent } from "@lahete/core"
import { Arbitraries, CommandSequences, Fixtures } from "@lahete/testing"
import { Result, Schema } from "effect"
import * as fc from "fast-check"

type Command = CommandSequences.Step["command"]
type Event = ReferralEvent.ReferralEvent

const decider = Fixtures.decider
const numRuns = 1000

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
  LinkWorkerIneligible: ReferralError.LinkWorkerIneligible
} as const

describe("Referral decider properties", () => {
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

  it("C5: withdrawing referral consent ends the referral, and nothing but consent bookkeeping and erasure follows", () => {
    const seen = coverage()
    fc.assert(
      fc.property(sequences, (commands) => {
        let withdrawn = false
        for (const s of CommandSequences.run(decider, commands).steps) {
          const c = s.command
          const events = eventsOf(s)
          if (withdrawn) {
            for (const e of events) expect(["ConsentRecorded", "PersonalDataErased"]).toContain(e._tag)
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

  it("the decider never throws and refuses only with the declared tagged errors", () => {
    const seen = coverage()
    /** Decides, failing the property on a throw, a non-Result or an undeclared error. */
    const decide = (command: Command, state: Referral.ReferralState): Referral.Decision => {
      let result: unknown
      try {
        result = decider.decide(command, state)
      } catch (thrown) {
        throw new Error(`${command._tag} in ${state.status} threw instead of returning a Result: ${String(thrown)}`)
      }
      if (!Result.isResult(result)) throw new Error(`${command._tag} in ${state.status} returned no Result`)
      const decision = result as Referral.Decision
      if (Result.isSuccess(decision)) return decision
      const error = decision.failure
      seen.see(error._tag)
      const declared = declaredErrors[error._tag] as (typeof declaredErrors)[keyof typeof declaredErrors] | undefined
      if (declared === undefined) throw new Error(`undeclared error ${String((error as { _tag: unknown })._tag)}`)
      expect(error).toBeInstanceOf(declared)
      expect(error).toBeInstanceOf(Error)
      // its fields satisfy its schema
      const schema = declared as unknown as Schema.Codec<unknown, unknown>
      expect(Result.isSuccess(Schema.decodeUnknownResult(schema)(Schema.encodeSync(schema)(error)))).toBe(true)
      return decision
    }
    fc.assert(
      fc.property(sequences, fc.array(Arbitraries.anyCommand(), { maxLength: 3 }), (commands, random) => {
        let state = decider.initialState
        const states = [state]
        for (const command of commands) {
          const decision = decide(command, state)
          if (Result.isSuccess(decision)) {
            state = decision.success.reduce(decider.evolve, state)
            states.push(state)
          }
        }
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
