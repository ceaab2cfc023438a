import { describe, expect, it } from "@effect/vitest"
import {
  AuditLog,
  AuditLogMemory,
  Ids,
  LinkWorkerRegistry,
  Presets,
  type ReferralCommand,
  ReferralEvent,
  ReferralIndex,
  ReferralService,
  ReferralStore,
  ReferralStoreMemory
} from "@lahete/core"
import { Fixtures } from "@lahete/testing"
import { Deferred, Effect, Layer, Option, Redacted, Ref, Result, Schema } from "effect"
import * as fc from "fast-check"

type Command = ReferralCommand.ReferralCommand

const at = Fixtures.at
const day = 24
const idempotencyKey = (s: string) => Schema.decodeSync(Ids.IdempotencyKey)(s)
const referralId = (s: string) => Schema.decodeSync(Ids.ReferralId)(s)

const registered = [Fixtures.linkWorker(), Fixtures.otherLinkWorker()]

/** A fresh in-memory service with both fixture link workers registered. */
const memory = (options: ReferralService.Options = {}) =>
  Layer.fresh(ReferralService.layerMemory({ linkWorkers: registered, ...options }))

type Round = { remaining: number; readonly gate: Deferred.Deferred<void> }

/**
 * A service over a store with a barrier: once armed for rounds of `parties`
 * calls of `operation`, each call of a round does its work, then waits until
 * all calls of the round have, so that concurrent commands act on the same
 * snapshot.
 */
const withBarrier = (options: ReferralService.Options = {}) =>
  Effect.gen(function* () {
    const { store: inner, index } = yield* ReferralStoreMemory.makeWithIndex()
    const armed = yield* Ref.make<{ readonly operation: string; readonly rounds: Array<Round> }>({
      operation: "",
      rounds: []
    })
    const pass = (operation: "load" | "idempotency") =>
      Effect.gen(function* () {
        const { operation: armedFor, rounds } = yield* Ref.get(armed)
        const round = rounds[0]
        if (armedFor !== operation || round === undefined) return
        round.remaining--
        if (round.remaining === 0) {
          rounds.shift()
          yield* Deferred.succeed(round.gate, undefined)
        }
        yield* Deferred.await(round.gate)
      })
    const store = ReferralStore.ReferralStore.of({
      ...inner,
      load: (id) => Effect.tap(inner.load(id), () => pass("load")),
      // the read a command is decided against
      current: (id) => Effect.tap(inner.current(id), () => pass("load")),
      idempotency: (key) => Effect.tap(inner.idempotency(key), () => pass("idempotency"))
    })
    const service = yield* ReferralService.makeWith(options).pipe(
      Effect.provideService(ReferralStore.ReferralStore, store),
      Effect.provideService(ReferralIndex.ReferralIndex, index),
      Effect.provide(
        Layer.mergeAll(
          AuditLogMemory.layer,
          LinkWorkerRegistry.layerMemory(registered),
          ReferralService.catalogLayer(Presets.catalog)
        )
      )
    )
    const arm = (operation: "load" | "idempotency", ...parties: ReadonlyArray<number>) =>
      Effect.flatMap(
        Effect.forEach(parties, (remaining) => Effect.map(Deferred.make<void>(), (gate) => ({ remaining, gate }))),
        (rounds) => Ref.set(armed, { operation, rounds })
      )
    return { service, store, arm }
  })

const env = Effect.all({
  service: ReferralService.ReferralService,
  store: ReferralStore.ReferralStore,
  audit: AuditLog.AuditLog,
  registry: LinkWorkerRegistry.LinkWorkerRegistry
})

/** A long story: every command kind the fixtures have, all accepted in this order. */
const story = (): ReadonlyArray<Command> => [
  Fixtures.submit(),
  Fixtures.assign(),
  Fixtures.updateContact(),
  Fixtures.scheduleCall(),
  Fixtures.failedAttempt(),
  Fixtures.firstContact({ at: at(48) }),
  Fixtures.arrangement({ at: at(49) }),
  Fixtures.measure({ at: at(50) }),
  Fixtures.meeting(),
  Fixtures.putOnHold(),
  Fixtures.resume(),
  Fixtures.recordConsent("research", "granted", { at: at(22 * day) }),
  Fixtures.close(),
  Fixtures.expireFollowUp(),
  Fixtures.erase()
]

/** The personal data in the fixture story: none of it may reach an event, an error or an idempotency record. */
const personal = (commands: ReadonlyArray<Command>): ReadonlyArray<string> =>
  commands.flatMap((c) => {
    switch (c._tag) {
      case "SubmitReferral":
        return [
          c.client.givenName,
          c.client.familyName,
          c.client.personalIdentityCode ?? "",
          c.client.mobileNumber ?? "",
          "+358401234567",
          "401234567",
          c.reasonText
        ]
      case "UpdateContactDetails":
        return [c.mobileNumber ?? "", "+358507654321", "507654321"]
      case "CloseReferral":
        return [c.feedback]
      default:
        return []
    }
  })

const expectNoneOf = (text: string, values: ReadonlyArray<string>) => {
  for (const v of values) if (v !== "") expect(text).not.toContain(v)
}

describe("ReferralService", () => {
  it.effect("runs a whole referral story, assigning from the registry", () =>
    Effect.gen(function* () {
      const { service, store } = yield* env
      const commands = story()
      const expected = Fixtures.history(commands)
      const statuses: Array<string> = []
      let version = 0
      for (const command of commands) {
        const result =
          command._tag === "AssignLinkWorker"
            ? yield* service.assign({
                referralId: command.referralId,
                linkWorkerId: command.linkWorker.id,
                actor: command.actor,
                at: command.at,
                idempotencyKey: command.idempotencyKey
              })
            : yield* service.execute(command)
        expect(result.replayed).toBe(false)
        expect(result.version).toBe(version + result.events.length)
        version = result.version
        statuses.push(result.state.status)
      }
      expect(statuses).toEqual([
        "Submitted",
        "Assigned",
        "Assigned",
        "ContactScheduled",
        "ContactScheduled",
        "Active",
        "Active",
        "Active",
        "Active",
        "OnHold",
        "Active",
        "Active",
        "Closed",
        "FollowedUp",
        "FollowedUp"
      ])
      const stream = yield* store.load(Fixtures.referralId)
      expect(stream.events).toEqual(expected.events)
      expect(yield* service.state(Fixtures.referralId)).toEqual(expected.state)
      expect(expected.state.personalDataErased).toBe(true)
    }).pipe(Effect.provide(memory()))
  )

  it.effect("an unknown referral's state is the initial state", () =>
    Effect.gen(function* () {
      const { service } = yield* env
      expect((yield* service.state(referralId("nobody"))).status).toBe("Initial")
    }).pipe(Effect.provide(memory()))
  )

  describe("idempotency", () => {
    it.effect("a repeated key returns the first result and appends nothing, even with another `at`", () =>
      Effect.gen(function* () {
        const { service, store } = yield* env
        const submit = Fixtures.submit()
        const first = yield* service.execute(submit)
        const assign = yield* service.execute(Fixtures.assign())
        const again = yield* service.execute(submit)
        const later = yield* service.execute({ ...submit, at: at(10) })
        for (const replay of [again, later]) {
          expect(replay.replayed).toBe(true)
          expect(replay.events).toEqual(first.events)
          expect(replay.version).toBe(first.version)
          expect(replay.state).toEqual(first.state)
        }
        expect((yield* store.load(Fixtures.referralId)).version).toBe(first.version + assign.events.length)
      }).pipe(Effect.provide(memory()))
    )

    it.effect("the same key with a different command fails with IdempotencyKeyReused and appends nothing", () =>
      Effect.gen(function* () {
        const { service, store } = yield* env
        const submit = Fixtures.submit()
        yield* service.execute(submit)
        const before = yield* store.load(Fixtures.referralId)
        const variants: ReadonlyArray<Command> = [
          { ...submit, reasonCategories: ["grief"] },
          { ...submit, actor: Fixtures.otherReferrer },
          { ...submit, referralId: referralId("referral-2") },
          Fixtures.assign({ idempotencyKey: submit.idempotencyKey })
        ]
        for (const variant of variants) {
          const error = yield* Effect.flip(service.execute(variant))
          expect(error).toMatchObject({ _tag: "IdempotencyKeyReused", idempotencyKey: submit.idempotencyKey })
        }
        expect(yield* store.load(Fixtures.referralId)).toEqual(before)
        expect(yield* store.referralIds()).toEqual([Fixtures.referralId])
      }).pipe(Effect.provide(memory()))
    )

    it.effect("a refused command does not use up its key", () =>
      Effect.gen(function* () {
        const { service } = yield* env
        yield* service.execute(Fixtures.submit())
        const schedule = Fixtures.scheduleCall()
        const refused = yield* Effect.flip(service.execute(schedule))
        expect(refused._tag).toBe("Forbidden") // no link worker is assigned yet
        yield* service.execute(Fixtures.assign())
        const accepted = yield* service.execute(schedule)
        expect(accepted.replayed).toBe(false)
        expect(accepted.state.status).toBe("ContactScheduled")
      }).pipe(Effect.provide(memory()))
    )

    it.effect.each(["idempotency", "load"] as const)(
      "the same command sent concurrently is appended once; every caller gets the first result (in step with %s)",
      (operation) =>
        Effect.gen(function* () {
          const { service, store, arm } = yield* withBarrier()
          yield* service.execute(Fixtures.submit())
          const assign = Fixtures.assign()
          const copies = 10
          // in step after the read: all decide against the same state, all but one find the key used when they
          // append; in step with the key's lookup: the key is looked up only by those that did not append (a
          // refusal decided after the first append, or the key found used), all of them at once
          yield* arm(operation, operation === "idempotency" ? copies - 1 : copies)
          const results = yield* Effect.all(
            Array.from({ length: copies }, () => service.execute(assign)),
            { concurrency: "unbounded" }
          )
          expect(results.filter((r) => !r.replayed)).toHaveLength(1)
          for (const r of results) expect(r.events).toEqual(results[0]?.events)
          const stream = yield* store.load(Fixtures.referralId)
          expect(stream.events.filter((e) => e._tag === "LinkWorkerAssigned")).toHaveLength(1)
        })
    )

    it("a repeated idempotency key never appends twice: repeats leave the stream as sending each once", async () => {
      const commands = story()
      const n = commands.length
      const plan = fc.record({
        include: fc.tuple(
          fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
          fc.array(
            fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
            { minLength: n - 1, maxLength: n - 1 }
          )
        ),
        copies: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: n, maxLength: n }),
        positions: fc.array(fc.nat(), { minLength: 2 * n, maxLength: 2 * n })
      })

      const run = (sequence: ReadonlyArray<Command>) =>
        Effect.gen(function* () {
          const { service, store } = yield* env
          const results = []
          for (const command of sequence) results.push(yield* Effect.result(service.execute(command)))
          return { results, stream: yield* store.load(Fixtures.referralId) }
        }).pipe(Effect.provide(memory()))

      await fc.assert(
        fc.asyncProperty(plan, async ({ include, copies, positions }) => {
          const included = [include[0], ...include[1]]
          const once = commands.filter((_, i) => included[i])
          // each selected command 1-3 times; a repeat goes anywhere after the command's first sending
          const sequence = [...once]
          let p = 0
          for (const [i, command] of commands.entries()) {
            if (!included[i]) continue
            for (let k = 1; k < (copies[i] ?? 1); k++) {
              const first = sequence.indexOf(command)
              const room = sequence.length - first
              sequence.splice(first + 1 + ((positions[p++] ?? 0) % room), 0, command)
            }
          }

          const expected = await Effect.runPromise(run(once))
          const actual = await Effect.runPromise(run(sequence))
          expect(actual.stream).toEqual(expected.stream)

          // every accepted command appended once; its repeats replayed its first result
          const firstResult = new Map<Command, ReferralService.Executed>()
          let appended = 0
          for (const [i, r] of actual.results.entries()) {
            const command = sequence[i] as Command
            if (Result.isFailure(r)) {
              expect(r.failure._tag).not.toBe("IdempotencyKeyReused")
              continue
            }
            const seen = firstResult.get(command)
            if (seen === undefined) {
              expect(r.success.replayed).toBe(false)
              firstResult.set(command, r.success)
              appended++
            } else {
              expect(r.success.replayed).toBe(true)
              expect(r.success.events).toEqual(seen.events)
              expect(r.success.version).toBe(seen.version)
            }
          }
          expect(appended).toBe(expected.results.filter(Result.isSuccess).length)
        }),
        { numRuns: 1000 }
      )
    }, 120_000)
  })

  describe("version conflicts", () => {
    const meetings = () => Array.from({ length: 8 }, (_, i) => Fixtures.meeting({ durationMinutes: 30 + i }))

    it.effect("without retries, of concurrent commands one is appended and the others fail with VersionConflict", () =>
      Effect.gen(function* () {
        const { service, store, arm } = yield* withBarrier({ conflictRetries: 0 })
        for (const c of Fixtures.pathTo.Active()) yield* service.execute(c)
        const base = (yield* store.load(Fixtures.referralId)).version
        const commands = meetings()
        yield* arm("load", commands.length)
        const results = yield* Effect.all(
          commands.map((m) => Effect.result(service.execute(m))),
          { concurrency: "unbounded" }
        )
        const ok = results.filter(Result.isSuccess)
        expect(ok).toHaveLength(1)
        for (const r of results) {
          if (Result.isFailure(r)) {
            expect(r.failure).toMatchObject({ _tag: "VersionConflict", expectedVersion: base, actualVersion: base + 1 })
          }
        }
        const stream = yield* store.load(Fixtures.referralId)
        expect(stream.version).toBe(base + 1)
        expect(stream.events.slice(base)).toEqual(ok[0]?.success.events)
      })
    )

    it.effect("retries are bounded: with 2 retries, three rounds of 8 concurrent commands append 3", () =>
      Effect.gen(function* () {
        const { service, store, arm } = yield* withBarrier({ conflictRetries: 2 })
        for (const c of Fixtures.pathTo.Active()) yield* service.execute(c)
        const base = (yield* store.load(Fixtures.referralId)).version
        const commands = meetings()
        // each round in step: all remaining commands load the same version, and one of them wins
        yield* arm("load", 8, 7, 6)
        const results = yield* Effect.all(
          commands.map((m) => Effect.result(service.execute(m))),
          { concurrency: "unbounded" }
        )
        expect(results.filter(Result.isSuccess)).toHaveLength(3)
        for (const r of results) if (Result.isFailure(r)) expect(r.failure._tag).toBe("VersionConflict")
        expect((yield* store.load(Fixtures.referralId)).version).toBe(base + 3)
      })
    )

    it.effect("with enough retries, every concurrent command is decided again and appended", () =>
      Effect.gen(function* () {
        const { service, store, arm } = yield* withBarrier({ conflictRetries: 10 })
        for (const c of Fixtures.pathTo.Active()) yield* service.execute(c)
        const base = (yield* store.load(Fixtures.referralId)).version
        const commands = meetings()
        yield* arm("load", commands.length)
        const results = yield* Effect.all(
          commands.map((m) => service.execute(m)),
          { concurrency: "unbounded" }
        )
        expect(results.every((r) => !r.replayed)).toBe(true)
        const stream = yield* store.load(Fixtures.referralId)
        expect(stream.version).toBe(base + commands.length)
        const durations = stream.events.slice(base).map((e) => (e._tag === "MeetingRecorded" ? e.durationMinutes : 0))
        expect([...durations].sort()).toEqual(commands.map((m) => m.durationMinutes))
        // each result's version is where its event landed
        for (const r of results) expect(stream.events[r.version - 1]).toEqual(r.events[0])
      })
    )
  })

  describe("assignment from the registry", () => {
    it.effect("counts the link worker's active clients across referrals for the capacity rule", () =>
      Effect.gen(function* () {
        const { service, registry } = yield* env
        yield* registry.put(Fixtures.linkWorker({ capacity: 1 }))
        const onReferral = (id: string, c: Command): Command => ({ ...c, referralId: referralId(id) })
        const assignRequest = (id: string) => ({
          referralId: referralId(id),
          linkWorkerId: Fixtures.linkWorkerActor.id,
          actor: Fixtures.coordinator,
          at: at(2),
          idempotencyKey: idempotencyKey(`assign-${id}-${Math.random()}`)
        })
        yield* service.execute(onReferral("a", Fixtures.submit()))
        yield* service.execute(onReferral("b", Fixtures.submit()))
        yield* service.assign(assignRequest("a"))

        const full = yield* Effect.flip(service.assign(assignRequest("b")))
        expect(full).toMatchObject({ _tag: "LinkWorkerIneligible", reason: "at-capacity" })
        expect((yield* service.state(referralId("b"))).status).toBe("Submitted")

        // once "a" is cancelled, the link worker has room again
        yield* service.execute(onReferral("a", Fixtures.cancel({ actor: Fixtures.coordinator })))
        const assigned = yield* service.assign(assignRequest("b"))
        expect(assigned.state).toMatchObject({ status: "Assigned", linkWorkerId: Fixtures.linkWorkerActor.id })
      }).pipe(Effect.provide(memory()))
    )

    it.effect("a retried assignment replays, although the client count has changed since", () =>
      Effect.gen(function* () {
        const { service, store } = yield* env
        yield* service.execute(Fixtures.submit())
        const request = {
          referralId: Fixtures.referralId,
          linkWorkerId: Fixtures.linkWorkerActor.id,
          actor: Fixtures.coordinator,
          at: at(2),
          idempotencyKey: idempotencyKey("assign-retry")
        }
        const first = yield* service.assign(request)
        const again = yield* service.assign({ ...request, at: at(3) })
        expect(again).toMatchObject({ replayed: true, events: first.events, version: first.version })
        expect((yield* store.load(Fixtures.referralId)).version).toBe(first.version)
        // the same key for another link worker is another command
        const other = yield* Effect.flip(service.assign({ ...request, linkWorkerId: Fixtures.otherLinkWorkerActor.id }))
        expect(other._tag).toBe("IdempotencyKeyReused")
      }).pipe(Effect.provide(memory()))
    )

    it.effect("an unknown link worker fails with LinkWorkerNotFound and appends nothing", () =>
      Effect.gen(function* () {
        const { service, store } = yield* env
        yield* service.execute(Fixtures.submit())
        const before = yield* store.load(Fixtures.referralId)
        const error = yield* Effect.flip(
          service.assign({
            referralId: Fixtures.referralId,
            linkWorkerId: Fixtures.evaluator.id,
            actor: Fixtures.coordinator,
            at: at(2),
            idempotencyKey: idempotencyKey("assign-unknown")
          })
        )
        expect(error).toMatchObject({ _tag: "LinkWorkerNotFound", linkWorkerId: Fixtures.evaluator.id })
        expect(yield* store.load(Fixtures.referralId)).toEqual(before)
      }).pipe(Effect.provide(memory()))
    )

    it.effect(
      "someone who may not assign learns nothing about the registry: Forbidden for known and unknown ids alike",
      () =>
        Effect.gen(function* () {
          const { service } = yield* env
          yield* service.execute(Fixtures.submit())
          const attempt = (linkWorkerId: typeof Fixtures.linkWorkerActor.id, key: string) =>
            Effect.flip(
              service.assign({
                referralId: Fixtures.referralId,
                linkWorkerId,
                actor: Fixtures.referrer,
                at: at(2),
                idempotencyKey: idempotencyKey(key)
              })
            )
          const known = yield* attempt(Fixtures.linkWorkerActor.id, "assign-by-referrer-1")
          const unknown = yield* attempt(Fixtures.evaluator.id, "assign-by-referrer-2")
          expect(known).toMatchObject({ _tag: "Forbidden", reason: "role" })
          expect(unknown).toEqual(known)
        }).pipe(Effect.provide(memory()))
    )
  })

  describe("privacy", () => {
    it.effect("personal data from the commands lands in the vault and in no event or idempotency record", () =>
      Effect.gen(function* () {
        const { service, store } = yield* env
        const commands = story()
        const submit = commands[0]
        if (submit?._tag !== "SubmitReferral") throw new Error("fixture")
        const results = []
        for (const command of commands.slice(0, -1)) results.push(yield* service.execute(command)) // all but erasure

        const vault = Option.getOrUndefined(yield* store.subject(submit.subjectId))
        expect(vault).toMatchObject({
          subjectId: submit.subjectId,
          givenName: submit.client.givenName,
          familyName: submit.client.familyName,
          personalIdentityCode: submit.client.personalIdentityCode,
          mobileNumber: "+358507654321", // updated after submission
          language: submit.client.language
        })
        expect(vault?.referrals[Fixtures.referralId]).toEqual({
          reasonText: submit.reasonText,
          closingFeedback: commands.find((c) => c._tag === "CloseReferral")?.feedback
        })

        const stream = yield* store.load(Fixtures.referralId)
        const serialised = [
          JSON.stringify(stream.events),
          JSON.stringify(stream.events.map((e) => ReferralEvent.codec.encode(e))),
          JSON.stringify(results)
        ]
        for (const command of commands.slice(0, -1)) {
          const record = yield* store.idempotency(command.idempotencyKey)
          serialised.push(JSON.stringify(Option.getOrUndefined(record)))
        }
        for (const text of serialised) expectNoneOf(text, personal(commands))

        // erasure removes it from the vault; the history stays
        yield* service.execute(commands.at(-1) as Command)
        expect(Option.isNone(yield* store.subject(submit.subjectId))).toBe(true)
        expect((yield* store.load(Fixtures.referralId)).version).toBe(stream.version + 1)
      }).pipe(Effect.provide(memory()))
    )

    it.effect("a Forbidden attempt is refused, logged, and appends nothing; other refusals are not logged", () =>
      Effect.gen(function* () {
        const { service, store, audit } = yield* env
        yield* service.execute(Fixtures.submit())
        const before = yield* store.load(Fixtures.referralId)

        const byReferrer = Fixtures.assign({ actor: Fixtures.referrer, at: at(3) })
        const e1 = yield* Effect.flip(service.execute(byReferrer))
        expect(e1).toMatchObject({ _tag: "Forbidden", reason: "role" })
        const byStranger = Fixtures.scheduleCall({ actor: Fixtures.otherLinkWorkerActor, at: at(4) })
        const e2 = yield* Effect.flip(service.execute(byStranger))
        expect(e2).toMatchObject({ _tag: "Forbidden", reason: "not-assigned" })
        const e3 = yield* Effect.flip(service.execute(Fixtures.close()))
        expect(e3._tag).toBe("Forbidden")
        const e4 = yield* Effect.flip(service.execute(Fixtures.expireFollowUp()))
        expect(e4._tag).toBe("TransitionNotAllowed")

        expect(yield* audit.refusals()).toEqual([
          {
            at: at(3),
            actorId: Fixtures.referrer.id,
            role: "Referrer",
            organisation: Fixtures.referrer.organisation,
            referralId: Fixtures.referralId,
            action: "AssignLinkWorker",
            reason: "role"
          },
          {
            at: at(4),
            actorId: Fixtures.otherLinkWorkerActor.id,
            role: "LinkWorker",
            organisation: Fixtures.otherLinkWorkerActor.organisation,
            referralId: Fixtures.referralId,
            action: "ScheduleCall",
            reason: "not-assigned"
          },
          expect.objectContaining({ action: "CloseReferral", actorId: Fixtures.linkWorkerActor.id })
        ])
        expect(yield* store.load(Fixtures.referralId)).toEqual(before)
      }).pipe(Effect.provide(memory()))
    )
  })

  describe("executeUnknown", () => {
    const submit = Fixtures.submit()
    const asInput = (c: Command): Record<string, unknown> => JSON.parse(JSON.stringify(c))
    const everything = [...personal([submit]), "010594Y9033", "09 123 4567", "987654321", "131052-308T", "zebra"]

    const expectClean = (error: unknown, values: ReadonlyArray<string> = everything) => {
      const e = error as Error
      expectNoneOf(e.message, values)
      expectNoneOf(String(e), values)
      expectNoneOf(JSON.stringify(e), values)
    }

    it.effect("runs a well-formed command given as plain JSON", () =>
      Effect.gen(function* () {
        const { service } = yield* env
        const result = yield* service.executeUnknown(asInput(submit))
        expect(result.state.status).toBe("Submitted")
      }).pipe(Effect.provide(memory()))
    )

    it.effect("a bad identity code is refused by field and reason, never by value", () =>
      Effect.gen(function* () {
        const { service, store } = yield* env
        const input = asInput(submit)
        input.client = { ...(input.client as object), personalIdentityCode: "010594Y9033" }
        const error = yield* Effect.flip(service.executeUnknown(input))
        expect(error).toMatchObject({ _tag: "InvalidCommand", field: "client.personalIdentityCode" })
        expectClean(error)
        expect(yield* store.referralIds()).toEqual([])
      }).pipe(Effect.provide(memory()))
    )

    it.effect("a bad phone number inside an otherwise valid command is refused without its value", () =>
      Effect.gen(function* () {
        const { service, store } = yield* env
        const input = asInput(submit)
        input.client = { ...(input.client as object), mobileNumber: "09 123 4567" }
        const error = yield* Effect.flip(service.executeUnknown(input))
        expect(error).toMatchObject({ _tag: "InvalidCommand", field: "client.mobileNumber" })
        expectClean(error)
        expect(yield* store.referralIds()).toEqual([])

        yield* service.execute(submit)
        const update = asInput(Fixtures.updateContact({ mobileNumber: "09 123 4567" }))
        const e2 = yield* Effect.flip(service.executeUnknown(update))
        expect(e2).toMatchObject({ _tag: "InvalidCommand", field: "mobileNumber" })
        expectClean(e2)
      }).pipe(Effect.provide(memory()))
    )

    it.effect("wrong types are listed by path and reason, with none of the values", () =>
      Effect.gen(function* () {
        const { service } = yield* env
        const input = asInput(submit)
        input.client = {
          ...(input.client as object),
          givenName: 987654321,
          personalIdentityCode: ["131052-308T"],
          mobileNumber: { number: "040 123 4567" }
        }
        input.reasonText = 42424242
        input.consents = "all granted zebra"
        input.referralId = `${submit.client.givenName} ${submit.client.familyName}`
        const error = yield* Effect.flip(service.executeUnknown(input))
        expect(error._tag).toBe("MalformedCommand")
        if (error._tag !== "MalformedCommand") return
        expect(error.issues).toEqual(
          expect.arrayContaining([
            { path: "client.givenName", reason: "expected a string" },
            { path: "client.personalIdentityCode", reason: "expected a string" },
            { path: "client.mobileNumber", reason: "expected a string" },
            { path: "reasonText", reason: "expected a string" },
            { path: "consents", reason: "expected an array" },
            expect.objectContaining({ path: "referralId" })
          ])
        )
        expectClean(error, [...everything, "42424242"])
      }).pipe(Effect.provide(memory()))
    )

    it.effect("a value failing a check is named by its path and the check, not the value", () =>
      Effect.gen(function* () {
        const { service } = yield* env
        const input = asInput(submit)
        input.at = "Aino 2026"
        input.reasonCategories = ["Testinen Aino"]
        input.client = { ...(input.client as object), familyName: "" }
        const error = yield* Effect.flip(service.executeUnknown(input))
        expect(error._tag).toBe("MalformedCommand")
        if (error._tag !== "MalformedCommand") return
        expect(error.issues.map((i) => i.path).sort()).toEqual(["at", "client.familyName", "reasonCategories[0]"])
        expectClean(error, [...everything, "Aino 2026"])
      }).pipe(Effect.provide(memory()))
    )

    it.effect("input that is no command at all names no value", () =>
      Effect.gen(function* () {
        const { service } = yield* env
        const inputs: ReadonlyArray<unknown> = [
          "Aino Testinen 010594Y9032",
          null,
          { ...asInput(submit), _tag: "Aino Testinen" },
          [submit.client.personalIdentityCode]
        ]
        for (const input of inputs) {
          const error = yield* Effect.flip(service.executeUnknown(input))
          expect(error._tag).toBe("MalformedCommand")
          expectClean(error)
        }
      }).pipe(Effect.provide(memory()))
    )
  })

  describe("decode", () => {
    it("keeps a custom check's message only when it does not quote the value", () => {
      const result = ReferralService.decode({ ...JSON.parse(JSON.stringify(Fixtures.submit())), at: "yesterday" })
      expect(Result.isFailure(result)).toBe(true)
      if (Result.isFailure(result)) {
        expect(result.failure.issues).toEqual([
          {
            path: "at",
            reason: "expected an RFC 3339 date-time like 2026-03-02T07:00:00Z or 2026-03-02T09:00:00+02:00"
          }
        ])
      }
      const quoted = ReferralService.decode({
        ...JSON.parse(JSON.stringify(Fixtures.submit())),
        at: "2026-03-02T07:00:00"
      })
      if (Result.isFailure(quoted)) expect(quoted.failure.issues).toEqual([{ path: "at", reason: "is not valid" }])
      else throw new Error("expected a failure")
    })
  })

  describe("fingerprint", () => {
    const secret = Redacted.make("deployment-secret")

    it.effect("is deterministic, ignores `at`, the key and key order, and changes with the content", () =>
      Effect.gen(function* () {
        for (const key of [undefined, secret]) {
          const submit = Fixtures.submit()
          const print = yield* ReferralService.fingerprint(submit, key)
          expect(print).toMatch(key === undefined ? /^sha256:[0-9a-f]{64}$/ : /^hmac-sha256:[0-9a-f]{64}$/)
          const reordered = Object.fromEntries(Object.entries(submit).reverse()) as Command
          expect(yield* ReferralService.fingerprint(reordered, key)).toBe(print)
          const later = { ...submit, at: at(5), idempotencyKey: idempotencyKey("other") }
          expect(yield* ReferralService.fingerprint(later, key)).toBe(print)
          expect(yield* ReferralService.fingerprint({ ...submit, reasonCategories: ["grief"] }, key)).not.toBe(print)
          expect(yield* ReferralService.fingerprint({ ...submit, actor: Fixtures.otherReferrer }, key)).not.toBe(print)

          const assign = Fixtures.assign()
          const snapshot = { ...assign, activeClients: 9, linkWorker: Fixtures.linkWorker({ capacity: 3 }) }
          expect(yield* ReferralService.fingerprint(snapshot, key)).toBe(
            yield* ReferralService.fingerprint(assign, key)
          )
          expect(
            yield* ReferralService.fingerprint({ ...assign, linkWorker: Fixtures.otherLinkWorker() }, key)
          ).not.toBe(yield* ReferralService.fingerprint(assign, key))
        }
      })
    )

    it.effect("is the WebCrypto digest earlier versions stored, computed synchronously (their keys still answer)", () =>
      Effect.gen(function* () {
        // an independent canonical JSON and WebCrypto, as versions before 0.3 computed the fingerprint
        const canonical = (value: unknown): string =>
          Array.isArray(value)
            ? `[${value.map(canonical).join(",")}]`
            : value !== null && typeof value === "object"
              ? `{${Object.entries(value as Record<string, unknown>)
                  .filter(([, v]) => v !== undefined)
                  .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
                  .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
                  .join(",")}}`
              : (JSON.stringify(value) ?? "null")
        const hex = (bytes: ArrayBuffer) =>
          Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("")
        const webCrypto = (content: unknown, key: string) =>
          Effect.promise(async () => {
            const utf8 = new TextEncoder()
            const imported = await globalThis.crypto.subtle.importKey(
              "raw",
              utf8.encode(key),
              { name: "HMAC", hash: "SHA-256" },
              false,
              ["sign"]
            )
            return `hmac-sha256:${hex(await globalThis.crypto.subtle.sign("HMAC", imported, utf8.encode(canonical(content))))}`
          })
        for (const key of [
          "deployment-secret",
          "ä€𝄞 a longer secret than one SHA-256 block of sixty-four bytes ......"
        ]) {
          for (const command of [
            Fixtures.submit(),
            Fixtures.updateContact({ mobileNumber: "040 123 4567" }),
            Fixtures.close()
          ]) {
            const { at: _at, idempotencyKey: _key, ...content } = command
            const expected = yield* webCrypto(content, key)
            expect(ReferralService.fingerprintOf(command, Redacted.make(key))).toBe(expected)
            expect(yield* ReferralService.fingerprint(command, Redacted.make(key))).toBe(expected)
          }
        }
      })
    )

    it.effect("without a secret, leaves personal data out; with one, covers it", () =>
      Effect.gen(function* () {
        const update = Fixtures.updateContact({ mobileNumber: "040 123 4567" })
        const otherNumber = { ...update, mobileNumber: "050 765 4321" }
        const submit = Fixtures.submit()
        const otherClient = { ...submit, client: { ...submit.client, givenName: "Eino" }, reasonText: "Other." }
        const close = Fixtures.close()
        const otherFeedback = { ...close, feedback: "Other feedback." }
        for (const [a, b] of [
          [update, otherNumber],
          [submit, otherClient],
          [close, otherFeedback]
        ] as const) {
          // a reader of the idempotency record cannot test guesses of the personal data against it
          expect(yield* ReferralService.fingerprint(a)).toBe(yield* ReferralService.fingerprint(b))
          expect(yield* ReferralService.fingerprint(a, secret)).not.toBe(yield* ReferralService.fingerprint(b, secret))
        }
        // removing the number is not personal data
        expect(yield* ReferralService.fingerprint({ ...update, mobileNumber: null })).not.toBe(
          yield* ReferralService.fingerprint(update)
        )
        expect(yield* ReferralService.fingerprint(update, secret)).not.toBe(
          yield* ReferralService.fingerprint(update, Redacted.make("another-secret"))
        )
      })
    )

    it.effect(
      "by default a key reused with any other personal data is IdempotencyKeyReused, and nothing is written",
      () =>
        Effect.gen(function* () {
          const submit = Fixtures.submit()
          const variants: ReadonlyArray<Command> = [
            { ...submit, client: { ...submit.client, givenName: "Eino" } },
            { ...submit, client: { ...submit.client, familyName: "Esimerkki" } },
            { ...submit, client: { ...submit.client, personalIdentityCode: "131052-308T" } },
            { ...submit, client: { ...submit.client, mobileNumber: "050 765 4321" } },
            { ...submit, reasonText: "Another client's reason." }
          ]
          const update = Fixtures.updateContact()
          for (const options of [{}, { fingerprintSecret: secret }]) {
            yield* Effect.gen(function* () {
              const { service, store } = yield* env
              yield* service.execute(submit)
              for (const variant of variants) {
                expect(yield* Effect.flip(service.execute(variant))).toMatchObject({ _tag: "IdempotencyKeyReused" })
              }
              yield* service.execute(update)
              const changed = yield* Effect.flip(service.execute({ ...update, mobileNumber: "044 987 6543" }))
              expect(changed._tag).toBe("IdempotencyKeyReused")
              const before = yield* store.load(Fixtures.referralId)
              const subject = yield* store.subject(submit.subjectId)
              // the same command again still replays
              expect((yield* service.execute(submit)).replayed).toBe(true)
              expect((yield* service.execute(update)).replayed).toBe(true)
              expect(yield* store.load(Fixtures.referralId)).toEqual(before)
              expect(yield* store.subject(submit.subjectId)).toEqual(subject)
              expect(yield* store.referralIds()).toEqual([Fixtures.referralId])
            }).pipe(Effect.provide(memory(options)))
          }
        })
    )

    it.effect("without a configured secret the store's is used: stored fingerprints are keyed, not plain hashes", () =>
      Effect.gen(function* () {
        const { service, store } = yield* env
        const submit = Fixtures.submit()
        yield* service.execute(submit)
        const record = Option.getOrThrow(yield* store.idempotency(submit.idempotencyKey))
        const storeSecret = yield* store.fingerprintSecret()
        expect(Redacted.value(storeSecret)).toMatch(/^[0-9a-f]{64}$/)
        expect(Redacted.value(yield* store.fingerprintSecret())).toBe(Redacted.value(storeSecret))
        expect(record.fingerprint).toBe(yield* ReferralService.fingerprint(submit, storeSecret))
        expect(record.fingerprint).not.toBe(yield* ReferralService.fingerprint(submit))
        expect(record.fingerprint).not.toBe(yield* ReferralService.fingerprint(submit, secret))
      }).pipe(Effect.provide(memory()))
    )

    it.effect("a service started again over the same store (a restart) replays with the store's secret", () =>
      Effect.gen(function* () {
        const { store, index } = yield* ReferralStoreMemory.makeWithIndex()
        const start = (options: ReferralService.Options = {}) =>
          ReferralService.makeWith(options).pipe(
            Effect.provideService(ReferralStore.ReferralStore, store),
            Effect.provideService(ReferralIndex.ReferralIndex, index),
            Effect.provide(
              Layer.mergeAll(
                AuditLogMemory.layer,
                LinkWorkerRegistry.layerMemory(registered),
                ReferralService.catalogLayer(Presets.catalog)
              )
            )
          )
        const submit = Fixtures.submit()
        const first = yield* (yield* start()).execute(submit)
        const again = yield* (yield* start()).execute(submit)
        expect(again).toMatchObject({ replayed: true, events: first.events })
        // a secret configured later makes the earlier key look reused (documented: keep the secret in use)
        const configured = yield* Effect.flip((yield* start({ fingerprintSecret: secret })).execute(submit))
        expect(configured._tag).toBe("IdempotencyKeyReused")
      })
    )

    it.effect("a key recorded before 0.2 without a secret (SHA-256, personal data left out) still replays", () =>
      Effect.gen(function* () {
        const { service, store } = yield* env
        const submit = Fixtures.submit()
        const decided = Fixtures.decider.decide(submit, Fixtures.decider.initialState)
        if (Result.isFailure(decided)) throw new Error("fixture refused")
        yield* store.append({
          referralId: submit.referralId,
          expectedVersion: 0,
          events: decided.success,
          idempotencyKey: submit.idempotencyKey,
          fingerprint: yield* ReferralService.fingerprint(submit),
          vault: []
        })
        const again = yield* service.execute({ ...submit, at: at(1) })
        expect(again).toMatchObject({ replayed: true, events: decided.success })
        const other = yield* Effect.flip(service.execute({ ...submit, reasonCategories: ["grief"] }))
        expect(other._tag).toBe("IdempotencyKeyReused")
      }).pipe(Effect.provide(memory()))
    )
  })
})
