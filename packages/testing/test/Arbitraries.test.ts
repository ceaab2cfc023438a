import { describe, expect, it } from "@effect/vitest"
import {
  Actor,
  Consent,
  Ids,
  Instant,
  Lifecycle,
  LinkWorker,
  MobileNumber,
  PersonalIdentityCode,
  Programme,
  Referral,
  ReferralCommand,
  ReferralEvent
} from "@lahete/core"
import { Arbitraries, CommandSequences, Fixtures } from "@lahete/testing"
import { Result, Schema } from "effect"
import * as fc from "fast-check"

const runs = { numRuns: 200 }

/** The value decodes with the schema and decoding gives it back unchanged. */
const decodes = <S extends Schema.Top>(schema: S, value: unknown) => {
  const decoded = Schema.decodeUnknownResult(schema as unknown as Schema.Codec<unknown, unknown>)(value)
  if (Result.isFailure(decoded)) throw new Error(`does not decode: ${String(decoded.failure)}`)
  expect(decoded.success).toEqual(value)
}

const policy = fc.record({
  refresherIntervalMonths: fc.integer({ min: 1, max: 24 }),
  defaultCapacity: fc.integer({ min: 1, max: 40 })
})

describe("Arbitraries", () => {
  describe("ids, instants, actors", () => {
    it.each([
      ["referralId", Arbitraries.referralId, Ids.ReferralId],
      ["subjectId", Arbitraries.subjectId, Ids.SubjectId],
      ["actorId", Arbitraries.actorId, Ids.ActorId],
      ["organisationId", Arbitraries.organisationId, Ids.OrganisationId],
      ["programmeId", Arbitraries.programmeId, Ids.ProgrammeId],
      ["idempotencyKey", Arbitraries.idempotencyKey, Ids.IdempotencyKey]
    ] as const)("%s decodes with its schema", (_, arb, schema) => {
      fc.assert(
        fc.property(arb as fc.Arbitrary<string>, (id) => decodes(schema, id)),
        runs
      )
    })

    it("instant yields canonical UTC instants within the bounds", () => {
      const min = Instant.make(Date.UTC(2024, 0, 1))
      const max = Instant.make(Date.UTC(2024, 11, 31))
      fc.assert(
        fc.property(Arbitraries.instant(), Arbitraries.instant({ min, max }), (any, bounded) => {
          decodes(Instant.InstantSchema, any)
          decodes(Instant.InstantSchema, bounded)
          expect(bounded >= min && bounded <= max).toBe(true)
        }),
        runs
      )
    })

    it("instantAfter yields instants strictly after the given one", () => {
      fc.assert(
        fc.property(
          Arbitraries.instant().chain((from) => Arbitraries.instantAfter(from).map((after) => ({ from, after }))),
          ({ from, after }) => {
            decodes(Instant.InstantSchema, after)
            expect(after > from).toBe(true)
          }
        ),
        runs
      )
    })

    it("actor yields every role; referrers always state a profession", () => {
      const seen = new Set<string>()
      fc.assert(
        fc.property(Arbitraries.actor(), (a) => {
          decodes(Actor.Actor, a)
          seen.add(a.role)
          if (a.role === "Referrer") expect(a.profession).toBeDefined()
        }),
        runs
      )
      expect([...seen].sort()).toEqual([...Actor.Role.literals].sort())
    })

    it("per-role actors have their role; referrer uses the professions given", () => {
      fc.assert(
        fc.property(
          Arbitraries.referrer({ professions: ["nurse", "doctor"] }),
          Arbitraries.coordinator,
          Arbitraries.linkWorkerActor,
          Arbitraries.evaluator,
          Arbitraries.systemActor,
          Arbitraries.subjectId.chain((s) => Arbitraries.clientActor(s).map((a) => ({ s, a }))),
          (referrer, coordinator, linkWorker, evaluator, system, { s, a: client }) => {
            for (const a of [referrer, coordinator, linkWorker, evaluator, system, client]) decodes(Actor.Actor, a)
            expect(["nurse", "doctor"]).toContain(referrer.profession)
            expect([coordinator.role, linkWorker.role, evaluator.role, system.role, client.role]).toEqual([
              "Coordinator",
              "LinkWorker",
              "Evaluator",
              "System",
              "Client"
            ])
            expect(client.id).toBe(s)
          }
        ),
        runs
      )
    })
  })

  describe("consent", () => {
    it("consentGiven decodes; with `at`, any expiry lies after it", () => {
      fc.assert(
        fc.property(
          Arbitraries.instant().chain((at) => Arbitraries.consentGiven({ at }).map((c) => ({ at, c }))),
          ({ at, c }) => {
            decodes(ReferralCommand.ConsentGiven, c)
            if (c.expiresAt !== undefined) expect(c.expiresAt > at).toBe(true)
          }
        ),
        runs
      )
    })

    it("consentGiven honours purpose, decision and expiry options", () => {
      fc.assert(
        fc.property(
          Arbitraries.consentGiven({ purpose: "research", decision: "refused", expiry: true }),
          Arbitraries.consentGiven({ expiry: false }),
          (fixed, none) => {
            expect(fixed).toMatchObject({ purpose: "research", decision: "refused" })
            expect(fixed.expiresAt).toBeDefined()
            expect(none.expiresAt).toBeUndefined()
          }
        ),
        runs
      )
    })

    it("consentRecord decodes and any expiry lies after the decision", () => {
      fc.assert(
        fc.property(Arbitraries.consentRecord(), (r) => {
          decodes(Consent.ConsentRecord, r)
          if (r.expiresAt !== undefined) expect(r.expiresAt > r.at).toBe(true)
        }),
        runs
      )
    })
  })

  describe("programmes", () => {
    it("programme passes Programme.decode unchanged", () => {
      fc.assert(
        fc.property(Arbitraries.programme(), (p) => {
          const decoded = Programme.decode(p)
          if (Result.isFailure(decoded)) throw new Error(decoded.failure.issues)
          expect(decoded.success).toEqual(p)
        }),
        runs
      )
    })

    it("programme varies the settings around the presets", () => {
      const attempts = new Set<number>()
      const languages = new Set<string>()
      const dayKinds = new Set<string>()
      fc.assert(
        fc.property(Arbitraries.programme(), (p) => {
          attempts.add(p.contactAttempts.max)
          languages.add(p.languages.join(","))
          dayKinds.add(p.deadlines.firstContact.dayKind)
        }),
        runs
      )
      expect(attempts.size).toBeGreaterThan(3)
      expect(languages.size).toBeGreaterThan(5)
      expect(dayKinds.size).toBe(2)
    })

    it("invalidProgramme fails Programme.decode for its stated reason", () => {
      const reasons = new Set<string>()
      fc.assert(
        fc.property(Arbitraries.invalidProgramme, ({ input, reason, mentions }) => {
          reasons.add(reason)
          const decoded = Programme.decode(input)
          if (Result.isSuccess(decoded)) throw new Error(`${reason}: accepted`)
          expect(decoded.failure.issues).toContain(mentions)
        }),
        { numRuns: 1000 }
      )
      expect(reasons.size).toBe(22)
    })
  })

  describe("link workers", () => {
    it("linkWorker decodes with the registry schema", () => {
      fc.assert(
        fc.property(Arbitraries.linkWorker, (w) => decodes(LinkWorker.LinkWorker, w)),
        runs
      )
    })

    it("eligibleLinkWorker is assignable at the given instant, under the given policy", () => {
      fc.assert(
        fc.property(
          fc
            .tuple(Arbitraries.instant(), policy)
            .chain(([at, policy]) => Arbitraries.eligibleLinkWorker({ at, policy }).map((c) => ({ at, policy, ...c }))),
          ({ at, policy, linkWorker, activeClients }) => {
            decodes(LinkWorker.LinkWorker, linkWorker)
            const result = LinkWorker.checkAssignable(linkWorker, { at, activeClients, policy })
            if (Result.isFailure(result)) throw new Error(result.failure.reason)
          }
        ),
        runs
      )
    })

    it("eligibility and ineligibility survive shifting every date with the assignment time", () => {
      const shift = (w: LinkWorker.LinkWorker, by: number): LinkWorker.LinkWorker => {
        const s = (i: Instant.Instant) => Instant.plusMillis(i, by)
        return {
          ...w,
          ...(w.basicTrainingCompletedAt ? { basicTrainingCompletedAt: s(w.basicTrainingCompletedAt) } : {}),
          ...(w.confidentialityCommitmentSignedAt
            ? { confidentialityCommitmentSignedAt: s(w.confidentialityCommitmentSignedAt) }
            : {}),
          refresherTrainings: w.refresherTrainings.map(s),
          mentoringSessions: w.mentoringSessions.map(s)
        }
      }
      fc.assert(
        fc.property(
          fc.tuple(Arbitraries.instant({ max: Instant.make(Date.UTC(2060, 0, 1)) }), policy).chain(([at, policy]) =>
            fc.record({
              at: fc.constant(at),
              policy: fc.constant(policy),
              ok: Arbitraries.eligibleLinkWorker({ at, policy }),
              bad: Arbitraries.ineligibleLinkWorker({ at, policy }),
              by: fc.integer({ min: 0, max: 10 * 365 * 86_400_000 })
            })
          ),
          ({ at, policy, ok, bad, by }) => {
            const later = Instant.plusMillis(at, by)
            const okResult = LinkWorker.checkAssignable(shift(ok.linkWorker, by), {
              at: later,
              activeClients: ok.activeClients,
              policy
            })
            expect(okResult._tag).toBe("Success")
            const badResult = LinkWorker.checkAssignable(shift(bad.linkWorker, by), {
              at: later,
              activeClients: bad.activeClients,
              policy
            })
            expect(Result.isFailure(badResult) && badResult.failure.reason).toBe(bad.reason)
          }
        ),
        runs
      )
    })

    it("ineligibleLinkWorker is refused with the stated reason", () => {
      const reasons = new Set<string>()
      fc.assert(
        fc.property(
          fc
            .tuple(Arbitraries.instant(), policy)
            .chain(([at, policy]) =>
              Arbitraries.ineligibleLinkWorker({ at, policy }).map((c) => ({ at, policy, ...c }))
            ),
          ({ at, policy, linkWorker, activeClients, reason }) => {
            decodes(LinkWorker.LinkWorker, linkWorker)
            reasons.add(reason)
            const result = LinkWorker.checkAssignable(linkWorker, { at, activeClients, policy })
            if (Result.isSuccess(result)) throw new Error(`${reason}: assignable`)
            expect(result.failure.reason).toBe(reason)
            expect(result.failure.linkWorkerId).toBe(linkWorker.id)
          }
        ),
        runs
      )
      expect([...reasons].sort()).toEqual([...LinkWorker.IneligibleReason.literals].sort())
    })
  })

  describe("personal data", () => {
    it("clientDetails decode and are old enough at the given instant", () => {
      fc.assert(
        fc.property(
          fc
            .tuple(
              Arbitraries.instant({ min: new Date("2000-01-01"), max: new Date("2080-01-01") }),
              fc.nat({ max: 30 })
            )
            .chain(([at, minimumAge]) =>
              Arbitraries.clientDetails({ at, minimumAge }).map((d) => ({ at, minimumAge, d }))
            ),
          ({ at, minimumAge, d }) => {
            decodes(ReferralCommand.ClientDetails, d)
            const year = new Date(at).getUTCFullYear()
            if (d.personalIdentityCode !== undefined) {
              const parsed = Result.getOrThrow(PersonalIdentityCode.parse(d.personalIdentityCode))
              expect(parsed.birthDate <= `${year - minimumAge - 1}-12-31`).toBe(true)
            } else {
              expect(d.birthYear).toBeDefined()
              expect((d.birthYear as number) <= year - minimumAge - 1).toBe(true)
            }
            if (d.mobileNumber !== undefined) expect(MobileNumber.isValid(d.mobileNumber)).toBe(true)
          }
        ),
        runs
      )
    })

    it("adultPersonalIdentityCode yields valid codes", () => {
      fc.assert(
        fc.property(Arbitraries.adultPersonalIdentityCode(), (code) => {
          expect(PersonalIdentityCode.isValid(code)).toBe(true)
        }),
        runs
      )
    })

    it("invalidPersonalIdentityCode never parses and is never shorter than 8 characters", () => {
      fc.assert(
        fc.property(Arbitraries.invalidPersonalIdentityCode, (code) => {
          expect(PersonalIdentityCode.isValid(code)).toBe(false)
          expect(code.length).toBeGreaterThanOrEqual(8)
        }),
        runs
      )
    })

    it("validMobileNumber parses; invalidMobileNumber fails for its stated reason", () => {
      fc.assert(
        fc.property(Arbitraries.validMobileNumber, Arbitraries.invalidMobileNumber, (valid, invalid) => {
          expect(MobileNumber.isValid(valid)).toBe(true)
          const parsed = MobileNumber.parse(invalid.input)
          expect(Result.isFailure(parsed) && parsed.failure.reason).toBe(invalid.reason)
        }),
        runs
      )
    })

    it("answers have the instrument's item count and scale", () => {
      fc.assert(
        fc.property(
          fc
            .constantFrom(...Object.keys(Arbitraries.instruments))
            .chain((i) => Arbitraries.answers(i).map((a) => ({ i, a }))),
          ({ i, a }) => {
            const spec = Arbitraries.instruments[i] as { items: number; min: number; max: number }
            expect(a).toHaveLength(spec.items)
            for (const x of a) if (x !== null) expect(x >= spec.min && x <= spec.max).toBe(true)
          }
        ),
        runs
      )
    })
  })

  describe("commands", () => {
    const members = new Map(ReferralCommand.ReferralCommand.members.map((m) => [m.fields._tag.schema.literal, m]))

    it("there is an arbitrary for every command", () => {
      expect(Object.keys(Arbitraries.commands).sort()).toEqual([...ReferralCommand.tags].sort())
    })

    it.each(ReferralCommand.tags)("%s decodes with its schema", (tag) => {
      const schema = members.get(tag) as Schema.Top
      fc.assert(
        fc.property(Arbitraries.commands[tag]() as fc.Arbitrary<ReferralCommand.ReferralCommand>, (c) => {
          expect(c._tag).toBe(tag)
          decodes(schema, c)
          decodes(ReferralCommand.ReferralCommand, c)
        }),
        runs
      )
    })

    it("command options fix the referral, the time and the actor", () => {
      fc.assert(
        fc.property(
          fc
            .record({ referralId: Arbitraries.referralId, at: Arbitraries.instant(), actor: Arbitraries.coordinator })
            .chain((options) =>
              fc
                .constantFrom(...ReferralCommand.tags)
                .chain((tag) => Arbitraries.commands[tag](options) as fc.Arbitrary<ReferralCommand.ReferralCommand>)
                .map((c) => ({ options, c }))
            ),
          ({ options, c }) => {
            expect(c).toMatchObject(options)
          }
        ),
        runs
      )
    })

    it("anyCommand yields every command", () => {
      const seen = new Set<string>()
      fc.assert(
        fc.property(Arbitraries.anyCommand(), (c) => {
          decodes(ReferralCommand.ReferralCommand, c)
          seen.add(c._tag)
        }),
        { numRuns: 500 }
      )
      expect(seen.size).toBe(ReferralCommand.tags.length)
    })
  })

  describe("events", () => {
    const members = new Map(ReferralEvent.ReferralEvent.members.map((m) => [m.fields._tag.schema.literal, m]))
    const tags = [...members.keys()]

    it("there is an arbitrary for every event", () => {
      expect(Object.keys(Arbitraries.events).sort()).toEqual([...tags].sort())
    })

    it.each(tags)("%s decodes with its schema and round-trips through the codec", (tag) => {
      const schema = members.get(tag) as Schema.Top
      fc.assert(
        fc.property((Arbitraries.events[tag] as () => fc.Arbitrary<ReferralEvent.ReferralEvent>)(), (e) => {
          expect(e._tag).toBe(tag)
          decodes(schema, e)
          const stored = ReferralEvent.codec.encode(e)
          expect(stored.type).toBe(tag)
          // through JSON, as a store keeps it
          const decoded = ReferralEvent.codec.decode(JSON.parse(JSON.stringify(stored)))
          if (Result.isFailure(decoded)) throw new Error(decoded.failure.message)
          expect(decoded.success).toEqual(e)
        }),
        runs
      )
    })

    it("CallTimeMessageRequested is sent within a window that ends before the call", () => {
      fc.assert(
        fc.property(Arbitraries.events.CallTimeMessageRequested(), (e) => {
          expect(e.sendAfter <= e.sendBefore).toBe(true)
          expect(e.sendBefore <= e.callAt).toBe(true)
        }),
        runs
      )
    })

    it("anyEvent yields every event", () => {
      const seen = new Set<string>()
      fc.assert(
        fc.property(Arbitraries.anyEvent(), (e) => {
          decodes(ReferralEvent.ReferralEvent, e)
          seen.add(e._tag)
        }),
        { numRuns: 500 }
      )
      expect(seen.size).toBe(tags.length)
    })
  })
})

describe("CommandSequences", () => {
  it("sequences respect the length bounds and every command decodes", () => {
    fc.assert(
      fc.property(CommandSequences.sequence({ minLength: 5, maxLength: 12, invalidShare: 0.5 }), (commands) => {
        // a step with nothing to do is skipped, so a sequence may come out shorter than its steps
        expect(commands.length).toBeLessThanOrEqual(12)
        expect(commands.length).toBeGreaterThan(0)
        for (const c of commands) decodes(ReferralCommand.ReferralCommand, c)
        expect(new Set(commands.map((c) => c.idempotencyKey)).size).toBe(commands.length)
      }),
      runs
    )
  })

  it("valid sequences start with a submission and their times increase", () => {
    fc.assert(
      fc.property(CommandSequences.sequence({ maxLength: 20, invalidShare: 0 }), (commands) => {
        expect(commands[0]?._tag).toBe("SubmitReferral")
        for (let i = 1; i < commands.length; i++) {
          expect(
            (commands[i] as ReferralCommand.ReferralCommand).at >
              (commands[i - 1] as ReferralCommand.ReferralCommand).at
          ).toBe(true)
        }
      }),
      runs
    )
  })

  it("valid sequences are accepted whole under varied programmes too (deadlines, calling and quiet hours, retention)", () => {
    const erasedForRetention = { count: 0 }
    const reached = new Set<string>()
    fc.assert(
      fc.property(
        Arbitraries.programme().chain((programme) => {
          const decider = Referral.makeDecider(Result.getOrThrow(Programme.catalog([programme])))
          return CommandSequences.sequence({ decider, maxLength: 30, invalidShare: 0 }).map((commands) => ({
            decider,
            commands
          }))
        }),
        ({ decider, commands }) => {
          for (const s of CommandSequences.run(decider, commands).steps) {
            if (Result.isFailure(s.result)) {
              throw new Error(`${s.command._tag} refused in ${s.before.status}: ${s.result.failure.message}`)
            }
            if (s.command._tag === "ErasePersonalData" && s.command.basis === "retention-period") {
              erasedForRetention.count++
            }
            reached.add(s.after.status)
          }
        }
      ),
      runs
    )
    expect(erasedForRetention.count).toBeGreaterThan(0)
    expect([...reached].sort()).toEqual([...Lifecycle.states].sort())
  })

  it("withoutResearch removes every research consent and nothing else", () => {
    fc.assert(
      fc.property(CommandSequences.sequence({ maxLength: 25 }), (commands) => {
        const stripped = CommandSequences.withoutResearch(commands)
        expect(stripped.some(CommandSequences.isResearchConsent)).toBe(false)
        for (const c of stripped) {
          if (c._tag === "SubmitReferral") expect(c.consents.some((g) => g.purpose === "research")).toBe(false)
        }
        expect(stripped.map((c) => c.idempotencyKey)).toEqual(
          commands.filter((c) => !CommandSequences.isResearchConsent(c)).map((c) => c.idempotencyKey)
        )
      }),
      runs
    )
  })

  it("withResearch keeps every command in order and adds only research consent", () => {
    fc.assert(
      fc.property(
        CommandSequences.sequence({ maxLength: 25 })
          .map(CommandSequences.withoutResearch)
          .chain((base) => CommandSequences.withResearch(base).map((variant) => ({ base, variant }))),
        ({ base, variant }) => {
          for (const c of variant) decodes(ReferralCommand.ReferralCommand, c)
          const kept = variant.filter((c) => !CommandSequences.isResearchConsent(c))
          expect(CommandSequences.withoutResearch(kept)).toEqual(base)
        }
      ),
      runs
    )
  })

  it("run records each step and folds only accepted commands", () => {
    fc.assert(
      fc.property(CommandSequences.sequence({ maxLength: 25 }), (commands) => {
        const { steps, events, state } = CommandSequences.run(Fixtures.decider, commands)
        expect(steps.map((s) => s.command)).toEqual(commands)
        let count = 0
        for (const [i, s] of steps.entries()) {
          expect(s.index).toBe(i)
          if (i > 0) expect(s.before).toBe(steps[i - 1]?.after)
          if (Result.isFailure(s.result)) expect(s.after).toBe(s.before)
          else count += s.result.success.length
        }
        expect(events).toHaveLength(count)
        expect(state.version).toBe(count)
        // the first run reuses the model's replay; deciding every command again gives the same
        const again = CommandSequences.run(Fixtures.decider, commands)
        expect(again.steps).not.toBe(steps)
        expect(again).toEqual({ steps, events, state })
        // so does a copy of the sequence, and a run with another decider over the same catalog
        expect(CommandSequences.run(Fixtures.decider, [...commands])).toEqual(again)
        expect(CommandSequences.run(Referral.makeDecider(Fixtures.decider.catalog), commands)).toEqual(again)
      }),
      runs
    )
  })

  it("personalData lists the names, codes, numbers and texts the commands carry", () => {
    fc.assert(
      fc.property(CommandSequences.sequence({ maxLength: 25, invalidShare: 0 }), (commands) => {
        const data = CommandSequences.personalData(commands)
        const submit = commands.find((c) => c._tag === "SubmitReferral")
        if (submit === undefined || submit._tag !== "SubmitReferral") return
        expect(data).toContain(submit.client.givenName)
        expect(data).toContain(submit.reasonText)
        if (submit.client.mobileNumber !== undefined) {
          expect(data).toContain(Result.getOrThrow(MobileNumber.parse(submit.client.mobileNumber)))
        }
        for (const c of commands) if (c._tag === "CloseReferral") expect(data).toContain(c.feedback)
      }),
      runs
    )
  })
})
