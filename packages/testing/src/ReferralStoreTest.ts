/**
 * The conformance suite for `ReferralStore` layers. Every store adapter runs
 * it (the in-memory store in `@lahete/core`, the SQL stores on SQLite and
 * PostgreSQL):
 *
 * ```ts
 * import { ReferralStoreMemory } from "@lahete/core"
 * import { ReferralStoreTest } from "@lahete/testing"
 *
 * ReferralStoreTest.suite("memory", ReferralStoreMemory.layer)
 * ```
 *
 * The suite uses the port only. It builds the layer afresh for every test
 * (`Layer.fresh`), so building the layer must give an empty store (e.g. a new
 * in-memory database, or a new schema).
 *
 * Covered: the empty stream; append and load of every event type; the
 * idempotency record; appends with no events; expected-version conflicts and
 * idempotency-key reuse writing nothing (events, idempotency record, vault);
 * vault writes landing with the events, and erasure (of one referral's notes,
 * and of the subject's entry with its last referral); concurrent appends at
 * the same expected version (exactly one wins); a submission's guarded vault
 * write (`expectedIdentity`) applied only while the subject's entry is as
 * checked, otherwise `SubjectChanged` with nothing written, with the
 * decided-against state given (the SQL stores' one statement) and without
 * it (their statements one by one); `referralIds` in first-append
 * order; many streams interleaved; the fingerprint secret (one per store,
 * the same for every caller).
 *
 * Where the port's documentation is silent the suite fixes: a referral exists
 * (is listed by `referralIds`) once it has an event, so an append with no
 * events records its key and vault writes but creates no stream; a stale
 * expected version together with a used key may fail with either error.
 *
 * @since 0.1.0
 */
import { describe, expect, it } from "@effect/vitest"
import { Ids, PersonalData, Referral, type ReferralCommand, ReferralEvent, ReferralStore } from "@lahete/core"
import { Effect, Layer, Option, Redacted, Result, Schema } from "effect"
import * as Fixtures from "./Fixtures.js"

type Command = ReferralCommand.ReferralCommand
type Event = ReferralEvent.ReferralEvent

const referralId = (s: string) => Schema.decodeSync(Ids.ReferralId)(s)
const subjectId = (s: string) => Schema.decodeSync(Ids.SubjectId)(s)
const idempotencyKey = (s: string) => Schema.decodeSync(Ids.IdempotencyKey)(s)

/** The commands moved onto another referral (and, for the submission, another subject). */
const onReferral = (id: string, commands: ReadonlyArray<Command>, subject = `subject-of-${id}`): Array<Command> =>
  commands.map(
    (c): Command =>
      c._tag === "SubmitReferral"
        ? { ...c, referralId: referralId(id), subjectId: subjectId(subject) }
        : c._tag === "AnswerMeasureLink"
          ? {
              ...c,
              referralId: referralId(id),
              // the client is the subject; the link's id names its referral
              actor: { ...c.actor, id: Ids.ActorId.make(subject) },
              tokenId: `${id}${c.tokenId.slice(c.tokenId.indexOf(":"))}`
            }
          : { ...c, referralId: referralId(id) }
  )

/** Per command: the command and the events it produced, deciding in order from the initial state. */
const steps = (commands: ReadonlyArray<Command>): ReadonlyArray<{ command: Command; events: ReadonlyArray<Event> }> => {
  let state: Referral.ReferralState = Fixtures.decider.initialState
  return commands.map((command) => {
    const decision = Fixtures.decider.decide(command, state)
    if (Result.isFailure(decision)) throw new Error(`suite fixture: ${command._tag} refused: ${decision.failure._tag}`)
    state = decision.success.reduce(Fixtures.decider.evolve, state)
    return { command, events: decision.success }
  })
}

const at = Fixtures.at
const day = 24

/** A long referral: most event types, optional keys present, an incomplete measure form. */
const longStory = (): ReadonlyArray<Command> => [
  Fixtures.submit(),
  Fixtures.assign({ at: at(1) }),
  Fixtures.assign({ at: at(2), linkWorker: Fixtures.otherLinkWorker() }),
  Fixtures.assign({ at: at(3) }),
  Fixtures.updateContact({ at: at(3.5) }),
  Fixtures.scheduleCall(),
  Fixtures.messageOutcome("sent"),
  Fixtures.failedAttempt(),
  Fixtures.firstContact({ at: at(48) }),
  Fixtures.arrangement({ at: at(49) }),
  Fixtures.measure({ at: at(50) }),
  Fixtures.meeting(),
  Fixtures.putOnHold(),
  Fixtures.resume(),
  // the client's plan (PlanRecorded, ActivityRecorded, UnmetNeedRecorded)
  Fixtures.plan({ at: at(21 * day + 2) }),
  Fixtures.activity("suggested", { at: at(21 * day + 3) }),
  Fixtures.activity("tried", { at: at(21 * day + 4) }),
  Fixtures.activity("joined", { at: at(21 * day + 5) }),
  Fixtures.unmetNeed({ at: at(21 * day + 6) }),
  Fixtures.recordConsent("research", "granted", {
    at: at(22 * day),
    consent: { purpose: "research", decision: "granted", method: "written", expiresAt: at(400 * day) }
  }),
  Fixtures.measure({ at: at(119 * day), timePoint: "end", answers: [4, 3, null, 4, 4, 3, 4] }),
  Fixtures.close(),
  Fixtures.expireFollowUp(),
  Fixtures.erase(),
  // recorded after later events, in an ended referral: message bookkeeping
  Fixtures.messageOutcome("cancelled", { messageId: "notification-1", reason: "personal-data-erased", at: at(2) })
]

/** Histories that, together, produce every event type. */
const histories = (): ReadonlyArray<{ readonly id: string; readonly commands: ReadonlyArray<Command> }> => [
  { id: "story-long", commands: onReferral("story-long", longStory()) },
  { id: "story-rejected", commands: onReferral("story-rejected", Fixtures.pathTo.Rejected()) },
  { id: "story-cancelled", commands: onReferral("story-cancelled", Fixtures.pathTo.Cancelled()) },
  { id: "story-declined", commands: onReferral("story-declined", Fixtures.pathTo.Declined()) },
  { id: "story-unreachable", commands: onReferral("story-unreachable", Fixtures.pathTo.Unreachable()) },
  { id: "story-withdrawn", commands: onReferral("story-withdrawn", Fixtures.pathTo.Withdrawn()) },
  { id: "story-deadlines", commands: onReferral("story-deadlines", Fixtures.deadlineStory()) },
  { id: "story-measure-link", commands: onReferral("story-measure-link", Fixtures.measureLinkStory()) }
]

const allEventTags: ReadonlyArray<string> = ReferralEvent.ReferralEvent.members.map((m) => m.fields._tag.schema.literal)

let keyCounter = 0
const freshKey = (label: string) => idempotencyKey(`suite-${label}-${++keyCounter}`)

const request = (
  id: string,
  expectedVersion: number,
  events: ReadonlyArray<Event>,
  options: { readonly key?: Ids.IdempotencyKey; readonly vault?: ReadonlyArray<PersonalData.VaultWrite> } = {}
): ReferralStore.AppendRequest => {
  const key = options.key ?? freshKey(id)
  return {
    referralId: referralId(id),
    expectedVersion,
    events,
    idempotencyKey: key,
    fingerprint: `fingerprint-of-${key}`,
    vault: options.vault ?? []
  }
}

/** The vault write a fixture submission makes. */
const submissionWrite = (command: Command): PersonalData.VaultWrite => {
  const write = PersonalData.vaultWrite(command, undefined)
  if (write === undefined) throw new Error("suite fixture: a submission writes to the vault")
  return write
}

/**
 * Registers the conformance tests for a `ReferralStore` layer. Each test
 * builds the layer afresh.
 *
 * @since 0.1.0
 * @category suites
 */
export const suite = <E>(name: string, layer: Layer.Layer<ReferralStore.ReferralStore, E>): void => {
  const withStore =
    <A, E2>(body: (store: ReferralStore.Shape) => Effect.Effect<A, E2>) =>
    () =>
      ReferralStore.ReferralStore.use(body).pipe(Effect.provide(Layer.fresh(layer)))

  describe(`ReferralStore conformance: ${name}`, () => {
    it.effect(
      "an unknown referral is an empty stream at version 0, and nothing else is known",
      withStore((store) =>
        Effect.gen(function* () {
          const id = referralId("never-appended")
          expect(yield* store.load(id)).toEqual({ referralId: id, version: 0, events: [] })
          expect(yield* store.referralIds()).toEqual([])
          expect(Option.isNone(yield* store.idempotency(idempotencyKey("never-used")))).toBe(true)
          expect(Option.isNone(yield* store.subject(subjectId("never-written")))).toBe(true)
        })
      )
    )

    it.effect(
      "every event type round-trips, appended at once or command by command",
      withStore((store) =>
        Effect.gen(function* () {
          const seen = new Set<string>()
          for (const history of histories()) {
            const events = steps(history.commands).flatMap((s) => s.events)
            for (const e of events) seen.add(e._tag)
            const result = yield* store.append(request(history.id, 0, events))
            expect(result.version).toBe(events.length)
            expect(yield* store.load(referralId(history.id))).toEqual({
              referralId: referralId(history.id),
              version: events.length,
              events
            })

            const stepwiseId = `${history.id}-stepwise`
            const stepwise = steps(onReferral(stepwiseId, history.commands))
            let version = 0
            for (const step of stepwise) {
              const r = yield* store.append(request(stepwiseId, version, step.events))
              version += step.events.length
              expect(r.version).toBe(version)
            }
            const loaded = yield* store.load(referralId(stepwiseId))
            expect(loaded.version).toBe(version)
            expect(loaded.events).toEqual(stepwise.flatMap((s) => s.events))
          }
          expect([...seen].sort()).toEqual([...allEventTags].sort())
        })
      )
    )

    it.effect(
      "current is the fold of the stream at its version, with or without the decided-against state on the append",
      withStore((store) =>
        Effect.gen(function* () {
          const unknown = referralId("never-appended-current")
          expect(yield* store.current(unknown)).toEqual({
            referralId: unknown,
            version: 0,
            state: Referral.initialState
          })
          for (const history of histories()) {
            for (const [label, withState] of [
              ["given", true],
              ["read", false]
            ] as const) {
              const id = `${history.id}-current-${label}`
              let version = 0
              for (const step of steps(onReferral(id, history.commands))) {
                const before = yield* store.current(referralId(id))
                expect(before.version).toBe(version)
                yield* store.append({
                  ...request(id, version, step.events),
                  ...(withState ? { state: before.state } : {})
                })
                version += step.events.length
                const stream = yield* store.load(referralId(id))
                expect(yield* store.current(referralId(id))).toEqual({
                  referralId: referralId(id),
                  version: stream.version,
                  state: Referral.fold(stream.events)
                })
              }
            }
          }
        })
      )
    )

    it.effect(
      "an append given its state that finds the stream moved on fails with VersionConflict and writes nothing",
      withStore((store) =>
        Effect.gen(function* () {
          const [submit, assign] = steps(onReferral("r-state-conflict", Fixtures.pathTo.Assigned()))
          if (submit === undefined || assign === undefined) throw new Error("fixture")
          const id = referralId("r-state-conflict")
          yield* store.append({ ...request("r-state-conflict", 0, submit.events), state: Referral.initialState })
          const before = yield* store.current(id)
          yield* store.append({ ...request("r-state-conflict", before.version, assign.events), state: before.state })
          const after = yield* store.current(id)
          // decided against `before`, appended after another append: nothing of it is kept, its key stays free
          const key = freshKey("state-conflict")
          const late = yield* Effect.flip(
            store.append({
              ...request("r-state-conflict", before.version, assign.events, { key }),
              state: before.state
            })
          )
          expect(late._tag).toBe("VersionConflict")
          expect(Option.isNone(yield* store.idempotency(key))).toBe(true)
          expect(yield* store.current(id)).toEqual(after)
          expect((yield* store.load(id)).version).toBe(after.version)
        })
      )
    )

    it.effect(
      "a state given with an append at another version is not used",
      withStore((store) =>
        Effect.gen(function* () {
          const [submit, assign] = steps(onReferral("r-stale-state", Fixtures.pathTo.Assigned()))
          if (submit === undefined || assign === undefined) throw new Error("fixture")
          const id = referralId("r-stale-state")
          yield* store.append({ ...request("r-stale-state", 0, submit.events), state: Referral.initialState })
          const n = submit.events.length
          // the initial state (version 0) handed with an append at version n: the store reads the state itself
          yield* store.append({ ...request("r-stale-state", n, assign.events), state: Referral.initialState })
          const stream = yield* store.load(id)
          expect(yield* store.current(id)).toEqual({
            referralId: id,
            version: stream.version,
            state: Referral.fold(stream.events)
          })
        })
      )
    )

    it.effect(
      "an append records its idempotency key with the versions its events occupy",
      withStore((store) =>
        Effect.gen(function* () {
          const [submit, assign] = steps(onReferral("r-keys", Fixtures.pathTo.Assigned()))
          if (submit === undefined || assign === undefined) throw new Error("fixture")
          const first = request("r-keys", 0, submit.events)
          const second = request("r-keys", submit.events.length, assign.events)
          yield* store.append(first)
          yield* store.append(second)
          expect(Option.getOrUndefined(yield* store.idempotency(first.idempotencyKey))).toEqual({
            idempotencyKey: first.idempotencyKey,
            referralId: first.referralId,
            fingerprint: first.fingerprint,
            fromVersion: 0,
            toVersion: submit.events.length
          })
          expect(Option.getOrUndefined(yield* store.idempotency(second.idempotencyKey))).toEqual({
            idempotencyKey: second.idempotencyKey,
            referralId: second.referralId,
            fingerprint: second.fingerprint,
            fromVersion: submit.events.length,
            toVersion: submit.events.length + assign.events.length
          })
        })
      )
    )

    it.effect(
      "an append with no events records the key and the vault writes, and leaves the stream as it was",
      withStore((store) =>
        Effect.gen(function* () {
          const [submit] = steps(onReferral("r-empty", Fixtures.pathTo.Submitted()))
          if (submit === undefined) throw new Error("fixture")
          yield* store.append(request("r-empty", 0, submit.events, { vault: [submissionWrite(submit.command)] }))
          const n = submit.events.length
          const subject = subjectId("subject-of-r-empty")
          const before = yield* store.subject(subject)
          const none = request("r-empty", n, [], {
            vault: [
              {
                _tag: "PutNotes",
                subjectId: subject,
                referralId: referralId("r-empty"),
                notes: { closingFeedback: "fixture feedback" }
              }
            ]
          })
          expect((yield* store.append(none)).version).toBe(n)
          expect((yield* store.load(referralId("r-empty"))).events).toEqual(submit.events)
          expect(Option.getOrUndefined(yield* store.idempotency(none.idempotencyKey))).toMatchObject({
            fromVersion: n,
            toVersion: n
          })
          const reasonText = Option.getOrUndefined(before)?.referrals["r-empty"]?.reasonText
          expect(reasonText).toBeDefined()
          const after = Option.getOrUndefined(yield* store.subject(subject))
          expect(after?.referrals["r-empty"]).toEqual({ reasonText, closingFeedback: "fixture feedback" })
          // an append with no events to a referral that has none creates no stream
          yield* store.append(request("r-never", 0, []))
          expect(yield* store.referralIds()).toEqual([referralId("r-empty")])
          expect((yield* store.load(referralId("r-never"))).version).toBe(0)
        })
      )
    )

    it.effect(
      "an expected-version conflict writes nothing: no events, no idempotency record, no vault write",
      withStore((store) =>
        Effect.gen(function* () {
          const [submit, assign] = steps(onReferral("r-conflict", Fixtures.pathTo.Assigned()))
          if (submit === undefined || assign === undefined) throw new Error("fixture")
          const id = referralId("r-conflict")
          yield* store.append(request("r-conflict", 0, submit.events, { vault: [submissionWrite(submit.command)] }))
          const n = submit.events.length
          const vaultBefore = yield* store.subject(subjectId("subject-of-r-conflict"))
          const other = onReferral("r-conflict", [Fixtures.submit()], "another-subject")[0]
          if (other === undefined) throw new Error("fixture")

          for (const expectedVersion of [0, n - 1, n + 1, n + 5]) {
            const stale = request("r-conflict", expectedVersion, assign.events, {
              vault: [submissionWrite(other), { _tag: "Erase", subjectId: subjectId("subject-of-r-conflict") }]
            })
            const error = yield* Effect.flip(store.append(stale))
            expect(error._tag).toBe("VersionConflict")
            expect(error).toMatchObject({ referralId: id, expectedVersion, actualVersion: n })
            expect((yield* store.load(id)).events).toEqual(submit.events)
            expect(Option.isNone(yield* store.idempotency(stale.idempotencyKey))).toBe(true)
            expect(Option.isNone(yield* store.subject(subjectId("another-subject")))).toBe(true)
            expect(yield* store.subject(subjectId("subject-of-r-conflict"))).toEqual(vaultBefore)
          }

          // the key of a refused append is still free
          const retried = request("r-conflict", n, assign.events, { key: freshKey("retry") })
          expect((yield* store.append(retried)).version).toBe(n + assign.events.length)
        })
      )
    )

    it.effect(
      "reusing an idempotency key writes nothing, on the same referral or another",
      withStore((store) =>
        Effect.gen(function* () {
          const [submit, assign] = steps(onReferral("r-reuse", Fixtures.pathTo.Assigned()))
          const [otherSubmit] = steps(onReferral("r-reuse-other", Fixtures.pathTo.Submitted()))
          if (submit === undefined || assign === undefined || otherSubmit === undefined) throw new Error("fixture")
          const id = referralId("r-reuse")
          const first = request("r-reuse", 0, submit.events)
          yield* store.append(first)
          const n = submit.events.length
          const record = yield* store.idempotency(first.idempotencyKey)

          const again = {
            ...request("r-reuse", n, assign.events, {
              key: first.idempotencyKey,
              vault: [submissionWrite(otherSubmit.command)]
            }),
            fingerprint: "another-fingerprint"
          }
          const error = yield* Effect.flip(store.append(again))
          expect(error).toMatchObject({ _tag: "IdempotencyKeyUsed", idempotencyKey: first.idempotencyKey })
          expect((yield* store.load(id)).events).toEqual(submit.events)

          const elsewhere = request("r-reuse-other", 0, otherSubmit.events, {
            key: first.idempotencyKey,
            vault: [submissionWrite(otherSubmit.command)]
          })
          const error2 = yield* Effect.flip(store.append(elsewhere))
          expect(error2._tag).toBe("IdempotencyKeyUsed")
          expect((yield* store.load(referralId("r-reuse-other"))).version).toBe(0)
          expect(yield* store.referralIds()).toEqual([id])

          // a stale version and a used key at once: either error, and still nothing written
          const both = request("r-reuse", 0, assign.events, { key: first.idempotencyKey })
          const error3 = yield* Effect.flip(store.append(both))
          expect(["IdempotencyKeyUsed", "VersionConflict"]).toContain(error3._tag)

          expect(yield* store.idempotency(first.idempotencyKey)).toEqual(record)
          expect(Option.isNone(yield* store.subject(subjectId("subject-of-r-reuse-other")))).toBe(true)
          expect((yield* store.load(id)).events).toEqual(submit.events)
        })
      )
    )

    it.effect(
      "vault writes land with the events, in order, and erasure removes the subject",
      withStore((store) =>
        Effect.gen(function* () {
          // without the decided-against state, and with it (as ReferralService appends: a store may then write
          // the whole append at once)
          for (const withState of [false, true]) {
            const name = withState ? "r-vault-with-state" : "r-vault"
            const commands = onReferral(name, [
              Fixtures.submit(),
              Fixtures.updateContact(),
              Fixtures.assign({ at: at(6) }),
              Fixtures.scheduleCall({ at: at(7) }),
              Fixtures.firstContact(),
              Fixtures.close(),
              Fixtures.expireFollowUp(),
              Fixtures.erase()
            ])
            const subject = subjectId(`subject-of-${name}`)
            const id = referralId(name)
            let expected: PersonalData.SubjectData | undefined
            let version = 0
            let state = Referral.initialState
            for (const step of steps(commands)) {
              const write = PersonalData.vaultWrite(step.command, subject)
              const writes = write === undefined ? [] : [write]
              const base = request(name, version, step.events, { vault: writes })
              yield* store.append(withState ? { ...base, state } : base)
              version += step.events.length
              state = Referral.fold(step.events, state)
              for (const w of writes) expected = PersonalData.apply(expected, w)
              expect(Option.getOrUndefined(yield* store.subject(subject))).toEqual(expected)
              // several at once: the same entries, the unknown and the erased left out
              const many = yield* store.subjects([subject, subjectId("no-such-subject"), subject])
              expect([...many.entries()]).toEqual(expected === undefined ? [] : [[subject, expected]])
              if (step.command._tag === "CloseReferral") {
                expect(expected?.referrals[name]?.closingFeedback).toBe(step.command.feedback)
              }
            }
            // erased: the vault has nothing, the pseudonymous history stays
            expect(Option.isNone(yield* store.subject(subject))).toBe(true)
            expect((yield* store.load(id)).version).toBe(version)
            expect((yield* store.load(id)).events.at(-1)?._tag).toBe("PersonalDataErased")
          }

          // a whole subject's erasure (`Erase`) alone in an append, with and without the state
          for (const withState of [false, true]) {
            const name = withState ? "r-erase-with-state" : "r-erase"
            const [submitted, assigned] = steps(onReferral(name, [Fixtures.submit(), Fixtures.assign({ at: at(6) })]))
            if (submitted === undefined || assigned === undefined) throw new Error("suite fixture")
            const subject = subjectId(`subject-of-${name}`)
            yield* store.append(request(name, 0, submitted.events, { vault: [submissionWrite(submitted.command)] }))
            expect(Option.isSome(yield* store.subject(subject))).toBe(true)
            const base = request(name, submitted.events.length, assigned.events, {
              vault: [{ _tag: "Erase", subjectId: subject }]
            })
            yield* store.append(withState ? { ...base, state: Referral.fold(submitted.events) } : base)
            expect(Option.isNone(yield* store.subject(subject))).toBe(true)
          }

          // several writes in one append apply in order, for several subjects
          const a = onReferral("r-vault-a", [Fixtures.submit()])[0]
          const b = onReferral("r-vault-b", [Fixtures.submit()])[0]
          if (a === undefined || b === undefined) throw new Error("fixture")
          const writes: ReadonlyArray<PersonalData.VaultWrite> = [
            submissionWrite(a),
            submissionWrite(b),
            { _tag: "PutContact", subjectId: subjectId("subject-of-r-vault-a"), mobileNumber: null },
            { _tag: "Erase", subjectId: subjectId("subject-of-r-vault-b") }
          ]
          yield* store.append(
            request(
              "r-vault-a",
              0,
              steps([a]).flatMap((s) => s.events),
              { vault: writes }
            )
          )
          const expectedA = writes.reduce<PersonalData.SubjectData | undefined>(
            (s, w) =>
              (w._tag === "PutSubject" ? w.subject.subjectId : w.subjectId) === "subject-of-r-vault-a"
                ? PersonalData.apply(s, w)
                : s,
            undefined
          )
          expect(Option.getOrUndefined(yield* store.subject(subjectId("subject-of-r-vault-a")))).toEqual(expectedA)
          expect(expectedA?.mobileNumber).toBeUndefined()
          expect(Option.isNone(yield* store.subject(subjectId("subject-of-r-vault-b")))).toBe(true)
        })
      )
    )

    it.effect(
      "erasing one referral of a subject takes its notes only; the subject's last referral takes the entry",
      withStore((store) =>
        Effect.gen(function* () {
          const subject = subjectId("subject-of-two")
          const [a, b] = [
            onReferral("r-two-a", [Fixtures.submit({ reasonText: "reason of a" })], "subject-of-two")[0],
            onReferral("r-two-b", [Fixtures.submit({ reasonText: "reason of b" })], "subject-of-two")[0]
          ]
          if (a === undefined || b === undefined) throw new Error("fixture")
          const submitted = steps([a]).flatMap((s) => s.events)
          const n = submitted.length
          yield* store.append(request("r-two-a", 0, submitted, { vault: [submissionWrite(a)] }))
          yield* store.append(
            request(
              "r-two-b",
              0,
              steps([b]).flatMap((s) => s.events),
              { vault: [submissionWrite(b)] }
            )
          )
          const both = Option.getOrUndefined(yield* store.subject(subject))
          expect(Object.keys(both?.referrals ?? {}).sort()).toEqual(["r-two-a", "r-two-b"])

          const eraseA: PersonalData.VaultWrite = {
            _tag: "EraseReferral",
            subjectId: subject,
            referralId: referralId("r-two-a")
          }
          yield* store.append(request("r-two-a", n, [], { vault: [eraseA] }))
          const afterA = Option.getOrUndefined(yield* store.subject(subject))
          expect(afterA).toEqual(PersonalData.apply(both, eraseA))
          expect(afterA?.referrals).toEqual({ "r-two-b": { reasonText: "reason of b" } })
          expect(afterA?.givenName).toBe(Fixtures.submit().client.givenName)

          // erasing it again changes nothing; erasing the last referral removes the entry
          yield* store.append(request("r-two-a", n, [], { vault: [eraseA] }))
          expect(Option.getOrUndefined(yield* store.subject(subject))).toEqual(afterA)
          yield* store.append(
            request("r-two-b", n, [], {
              vault: [{ _tag: "EraseReferral", subjectId: subject, referralId: referralId("r-two-b") }]
            })
          )
          expect(Option.isNone(yield* store.subject(subject))).toBe(true)
        })
      )
    )

    it.effect(
      "a guarded submission's vault write is applied only while the entry is as checked; else SubjectChanged, nothing written",
      withStore((store) =>
        Effect.gen(function* () {
          const [aino] = steps(onReferral("r-guard-seed", [Fixtures.submit()], "subject-guard"))
          if (aino === undefined) throw new Error("fixture")
          const subject = subjectId("subject-guard")
          const ainoWrite = submissionWrite(aino.command)
          if (ainoWrite._tag !== "PutSubject") throw new Error("fixture")
          const ainoIdentity = PersonalData.identityOf(ainoWrite.subject)
          let n = 0
          /** A submission of a new referral under the subject, its vault write guarded with `expected`. */
          const attempt = (expected: PersonalData.SubjectIdentity | null | undefined, withState: boolean) => {
            const id = `r-guard-${++n}`
            const [step] = steps(onReferral(id, [Fixtures.submit({ reasonText: `reason of ${id}` })], "subject-guard"))
            if (step === undefined) throw new Error("fixture")
            const write = submissionWrite(step.command)
            const guarded =
              expected === undefined || write._tag !== "PutSubject" ? write : { ...write, expectedIdentity: expected }
            const base = request(id, 0, step.events, { vault: [guarded] })
            return { id, request: withState ? { ...base, state: Referral.initialState } : base }
          }
          /** Refused: `SubjectChanged` naming the subject only, and nothing of the append written. */
          const refused = (a: { readonly id: string; readonly request: ReferralStore.AppendRequest }) =>
            Effect.gen(function* () {
              const before = yield* store.subject(subject)
              const error = yield* Effect.flip(store.append(a.request))
              expect(error).toMatchObject({ _tag: "SubjectChanged", subjectId: subject })
              for (const value of Object.values(Fixtures.submit().client)) expect(error.message).not.toContain(value)
              expect(yield* store.subject(subject)).toEqual(before)
              expect((yield* store.load(referralId(a.id))).version).toBe(0)
              expect(yield* store.referralIds()).not.toContain(referralId(a.id))
              expect(Option.isNone(yield* store.idempotency(a.request.idempotencyKey))).toBe(true)
            })
          for (const withState of [true, false]) {
            // no entry expected, none there: written; then there is one
            if (withState) {
              const first = attempt(null, true)
              yield* store.append(first.request)
              expect(Option.getOrUndefined(yield* store.subject(subject))?.referrals[first.id]).toBeDefined()
            }
            yield* refused(attempt(null, withState))
            // the identity as stored: written, also after the contact details changed (not part of the identity)
            yield* store.append(
              request("r-guard-seed", 0, [], {
                vault: [{ _tag: "PutContact", subjectId: subject, mobileNumber: withState ? "+358401111111" : null }]
              })
            )
            const same = attempt(ainoIdentity, withState)
            yield* store.append(same.request)
            expect(Option.getOrUndefined(yield* store.subject(subject))?.referrals[same.id]).toBeDefined()
            // another identity code, name or birth year than stored: refused
            yield* refused(attempt({ ...ainoIdentity, personalIdentityCode: "131052-308T" }, withState))
            yield* refused(attempt({ ...ainoIdentity, familyName: "Virtanen" }, withState))
            yield* refused(attempt({ ...ainoIdentity, birthYear: 1994 }, withState))
            // unguarded: written as before
            yield* store.append(attempt(undefined, withState).request)
          }
          // an entry expected, none there (erased meanwhile): refused
          yield* store.append(request("r-guard-seed", 0, [], { vault: [{ _tag: "Erase", subjectId: subject }] }))
          yield* refused(attempt(ainoIdentity, true))
          yield* refused(attempt(ainoIdentity, false))
          yield* store.append(attempt(null, false).request)
        })
      )
    )

    it.effect(
      "concurrent appends at the same expected version: exactly one wins",
      withStore((store) =>
        Effect.gen(function* () {
          const fibers = 20
          // a new stream: everyone submits at version 0
          const submissions = Array.from({ length: fibers }, () =>
            steps(onReferral("r-race", [Fixtures.submit()])).flatMap((s) => s.events)
          )
          const created = yield* Effect.all(
            submissions.map((events) => Effect.result(store.append(request("r-race", 0, events)))),
            { concurrency: "unbounded" }
          )
          expect(created.filter(Result.isSuccess)).toHaveLength(1)
          for (const r of created) {
            if (Result.isFailure(r)) expect(r.failure._tag).toBe("VersionConflict")
          }
          const n = submissions[0]?.length ?? 0
          expect((yield* store.load(referralId("r-race"))).version).toBe(n)
          expect(yield* store.referralIds()).toEqual([referralId("r-race")])

          // an existing stream: everyone records a different meeting at version n
          const active = steps(onReferral("r-race-2", Fixtures.pathTo.Active())).flatMap((s) => s.events)
          yield* store.append(request("r-race-2", 0, active))
          const state = active.reduce(Fixtures.decider.evolve, Fixtures.decider.initialState)
          const contenders = Array.from({ length: fibers }, (_, i) => {
            const command = onReferral("r-race-2", [Fixtures.meeting({ durationMinutes: i + 1 })])[0]
            if (command === undefined) throw new Error("fixture")
            const decision = Fixtures.decider.decide(command, state)
            if (Result.isFailure(decision)) throw new Error("fixture")
            return request("r-race-2", active.length, decision.success)
          })
          const raced = yield* Effect.all(
            contenders.map((r) => Effect.result(store.append(r))),
            { concurrency: "unbounded" }
          )
          const winners = contenders.filter((_, i) => Result.isSuccess(raced[i] as Result.Result<unknown, unknown>))
          expect(winners).toHaveLength(1)
          for (const r of raced) {
            if (Result.isFailure(r)) {
              expect(r.failure).toMatchObject({
                _tag: "VersionConflict",
                expectedVersion: active.length,
                actualVersion: active.length + 1
              })
            }
          }
          const loaded = yield* store.load(referralId("r-race-2"))
          expect(loaded.events).toEqual([...active, ...(winners[0]?.events ?? [])])
          for (const [i, c] of contenders.entries()) {
            const record = yield* store.idempotency(c.idempotencyKey)
            expect(Option.isSome(record)).toBe(Result.isSuccess(raced[i] as Result.Result<unknown, unknown>))
          }
        })
      )
    )

    it.effect(
      "referralIds lists every stream once, in the order first appended",
      withStore((store) =>
        Effect.gen(function* () {
          // ids chosen so that neither alphabetical nor reverse order matches
          const ids = ["r-mid", "r-zeta", "r-alpha", "r-kappa"]
          const stories = new Map(ids.map((id) => [id, steps(onReferral(id, Fixtures.pathTo.Closed()))]))
          const versions = new Map(ids.map((id) => [id, 0]))
          const appendStep = (id: string, index: number) =>
            Effect.gen(function* () {
              const step = stories.get(id)?.[index]
              if (step === undefined) throw new Error("fixture")
              const version = versions.get(id) ?? 0
              yield* store.append(request(id, version, step.events))
              versions.set(id, version + step.events.length)
            })
          yield* appendStep("r-mid", 0)
          yield* appendStep("r-zeta", 0)
          yield* appendStep("r-mid", 1)
          yield* appendStep("r-alpha", 0)
          yield* appendStep("r-zeta", 1)
          yield* appendStep("r-mid", 2)
          yield* appendStep("r-kappa", 0)
          yield* appendStep("r-alpha", 1)
          expect(yield* store.referralIds()).toEqual(ids.map(referralId))
        })
      )
    )

    it.effect(
      "many streams interleaved: each stream loads exactly its own events",
      withStore((store) =>
        Effect.gen(function* () {
          const paths = Object.values(Fixtures.pathTo)
          const stories = Array.from({ length: 12 }, (_, i) => {
            const id = `r-many-${String(11 - i).padStart(2, "0")}`
            const path = paths[i % paths.length]
            if (path === undefined) throw new Error("fixture")
            return { id, steps: steps(onReferral(id, path())) }
          })
          const versions = new Map<string, number>()
          const longest = Math.max(...stories.map((s) => s.steps.length))
          for (let round = 0; round < longest; round++) {
            // a different order each round
            const order = round % 2 === 0 ? stories : [...stories].reverse()
            for (const story of order) {
              const step = story.steps[round]
              if (step === undefined) continue
              const version = versions.get(story.id) ?? 0
              const result = yield* store.append(request(story.id, version, step.events))
              versions.set(story.id, result.version)
            }
          }
          for (const story of stories) {
            const events = story.steps.flatMap((s) => s.events)
            expect(yield* store.load(referralId(story.id))).toEqual({
              referralId: referralId(story.id),
              version: events.length,
              events
            })
          }
          expect(yield* store.referralIds()).toEqual(stories.map((s) => referralId(s.id)))
        })
      )
    )

    it.effect(
      "the fingerprint secret: 256 bits as 64 hex digits, the same for every caller (concurrent first calls too), another store's another",
      () =>
        Effect.gen(function* () {
          const secretsOf = ReferralStore.ReferralStore.use((store) =>
            Effect.all(
              Array.from({ length: 8 }, () => store.fingerprintSecret()),
              { concurrency: "unbounded" }
            )
          ).pipe(
            Effect.map((secrets) => secrets.map(Redacted.value)),
            Effect.provide(Layer.fresh(layer))
          )
          const first = yield* secretsOf
          expect(first[0]).toMatch(/^[0-9a-f]{64}$/)
          expect(new Set(first).size).toBe(1)
          const second = yield* secretsOf
          expect(second[0]).not.toBe(first[0])
        })
    )
  })
}
