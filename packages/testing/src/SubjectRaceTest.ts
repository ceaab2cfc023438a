/**
 * Submissions racing on one subject id, forced step by step, for every
 * `ReferralStore` layer (the in-memory store, the SQL stores on SQLite and
 * PostgreSQL):
 *
 * ```ts
 * import { ReferralStoreMemory } from "@lahete/core"
 * import { SubjectRaceTest } from "@lahete/testing"
 *
 * SubjectRaceTest.suite("memory", ReferralStoreMemory.layer)
 * ```
 *
 * The rule under test: a submission that names a subject the vault holds
 * for another person is refused (`InvalidCommand` on `subjectId`), so it can
 * never replace that client's identity and contact data. `ReferralService`
 * reads the vault entry before it decides, then appends: two submissions
 * checked against the same entry (none yet, or the same one) both pass the
 * check. The suite runs both checks first and then both appends, in order
 * (`interleaving`: a view of the store per command whose `subject` reads,
 * once read, wait for the test to release them; no sleeps), and requires
 * that the second append is refused and checked again, so that it ends as a
 * sequential submission would: refused for another person, leaving the
 * first person's vault row exactly as it was (byte for byte where the store
 * can show its row, `rawSubject`) and no trace of the second referral;
 * accepted for the same person.
 *
 * @since 0.3.0
 */
import { describe, expect, it } from "@effect/vitest"
import {
  AuditLogMemory,
  Ids,
  LinkWorkerRegistry,
  PersonalData,
  Presets,
  type ReferralCommand,
  type ReferralIndex,
  ReferralService,
  ReferralStore
} from "@lahete/core"
import { Effect, Fiber, Layer, Option, Queue, Result, Schema } from "effect"
import * as Fixtures from "./Fixtures.js"

/**
 * What happened next to one of the commands run under an `interleaving`:
 * it read its subject and waits (`paused`), or it ended (`done`).
 *
 * @since 0.3.0
 * @category models
 */
export interface Turn {
  readonly command: number
  readonly kind: "paused" | "done"
}

/**
 * Control over where commands interleave: at the vault read a submission is
 * checked with (`ReferralStore.subject`).
 *
 * @since 0.3.0
 * @category models
 */
export interface Interleaving {
  /**
   * The store as command `command` sees it: each of its `subject` reads,
   * once done, waits until `release(command)`. Every other operation goes
   * straight to the store.
   */
  readonly storeFor: (command: number) => ReferralStore.Shape
  /** Runs `effect` as command `command` in a child fiber; its end is a `done` turn. */
  readonly start: <A, E>(command: number, effect: Effect.Effect<A, E>) => Effect.Effect<Fiber.Fiber<A, E>>
  /** Waits for the next turn. */
  readonly next: Effect.Effect<Turn>
  /** Lets command `command`, waiting after a read, go on. */
  readonly release: (command: number) => Effect.Effect<void>
  /** Releases command `command` until it ends (at most `limit` times; then the test fails). */
  readonly finish: (command: number, limit?: number) => Effect.Effect<void>
}

/**
 * An `Interleaving` over a store.
 *
 * @since 0.3.0
 * @category constructors
 */
export const interleaving = (store: ReferralStore.Shape): Effect.Effect<Interleaving> =>
  Effect.gen(function* () {
    const turns = yield* Queue.unbounded<Turn>()
    const permits = new Map<number, Queue.Queue<void>>()
    const permitsOf = (command: number) =>
      Effect.suspend(() => {
        const found = permits.get(command)
        return found !== undefined
          ? Effect.succeed(found)
          : Effect.tap(Queue.unbounded<void>(), (queue) => Effect.sync(() => permits.set(command, queue)))
      })
    const next = Queue.take(turns)
    const release = (command: number) =>
      Effect.asVoid(Effect.flatMap(permitsOf(command), (q) => Queue.offer(q, undefined)))
    return {
      storeFor: (command) => ({
        ...store,
        subject: (subjectId) =>
          Effect.tap(store.subject(subjectId), () =>
            Effect.flatMap(permitsOf(command), (permit) =>
              Effect.andThen(Queue.offer(turns, { command, kind: "paused" }), Queue.take(permit))
            )
          )
      }),
      start: (command, effect) =>
        Effect.forkChild(effect.pipe(Effect.onExit(() => Queue.offer(turns, { command, kind: "done" })))),
      next,
      release,
      finish: (command, limit = 10) =>
        Effect.gen(function* () {
          for (let i = 0; i < limit; i++) {
            yield* release(command)
            const turn = yield* next
            expect(turn.command, "only the released command runs").toBe(command)
            if (turn.kind === "done") return
          }
          expect.fail(`command ${command} did not end after ${limit} releases`)
        })
    } satisfies Interleaving
  })

/**
 * Options of the suite.
 *
 * @since 0.3.0
 * @category models
 */
export interface Options<R> {
  /** The subject's vault row as the store keeps it (SQL: the `data` column's text), compared byte for byte. */
  readonly rawSubject?: (subjectId: Ids.SubjectId) => Effect.Effect<string | undefined, unknown, R>
}

type Submit = Extract<ReferralCommand.ReferralCommand, { _tag: "SubmitReferral" }>

/** A subject's vault row: decoded, and as the store keeps it. */
interface Row {
  readonly decoded: PersonalData.SubjectData | undefined
  readonly raw: string | undefined
}

/** How a race ended: both commands' results, the row between the two appends and after both. */
interface Outcome {
  readonly store: ReferralStore.Shape
  readonly firstResult: Result.Result<ReferralService.Executed, ReferralService.ReferralServiceError>
  readonly secondResult: Result.Result<ReferralService.Executed, ReferralService.ReferralServiceError>
  readonly between: Row
  readonly after: Row
}

const subjectId = Schema.decodeSync(Ids.SubjectId)
const referralId = Schema.decodeSync(Ids.ReferralId)
const idempotencyKey = Schema.decodeSync(Ids.IdempotencyKey)

/** Submission `n` under subject `subject` for `client`. */
const submission = (n: number, subject: string, client: ReferralCommand.ClientDetails): Submit =>
  Fixtures.submit({
    referralId: referralId(`race-referral-${n}`),
    idempotencyKey: idempotencyKey(`race-submit-${n}`),
    subjectId: subjectId(subject),
    client
  })

const aino: ReferralCommand.ClientDetails = Fixtures.submit().client
/**
 * Another person than the fixtures' client (Aino Testinen): another name,
 * identity code and mobile number. For a race of two people on one subject id.
 *
 * @since 0.3.0
 * @category fixtures
 */
export const eero: ReferralCommand.ClientDetails = {
  givenName: "Eero",
  familyName: "Muukalainen",
  personalIdentityCode: "131052-308T",
  mobileNumber: "050 765 4321",
  language: "fi"
}
/** Recorded without an identity code: names and birth year decide whether a later submission is about them. */
const ilmari: ReferralCommand.ClientDetails = {
  givenName: "Ilmari",
  familyName: "Koodition",
  birthYear: 1950,
  language: "fi"
}

/**
 * Registers the race tests for a `ReferralStore` layer (with its
 * `ReferralIndex`, as every store layer provides it). Each test builds the
 * layer afresh; `ReferralService` runs over it with the in-memory audit log,
 * the fixture link worker and the preset catalog.
 *
 * @since 0.3.0
 * @category suites
 */
export const suite = <E, R = never>(
  name: string,
  layer: Layer.Layer<ReferralStore.ReferralStore | ReferralIndex.ReferralIndex | R, E>,
  options: Options<R> = {}
): void => {
  const environment = () =>
    Layer.mergeAll(
      Layer.fresh(layer),
      AuditLogMemory.layer,
      LinkWorkerRegistry.layerMemory([Fixtures.linkWorker()]),
      ReferralService.catalogLayer(Presets.catalog)
    )

  /** The service over one view of the store (the rest of its requirements from the test's layer). */
  const serviceOn = (store: ReferralStore.Shape) =>
    Effect.provideService(ReferralService.make, ReferralStore.ReferralStore, store)

  /** The vault row of a subject: decoded, and as the store keeps it. */
  const row = (store: ReferralStore.Shape, subject: Ids.SubjectId): Effect.Effect<Row, unknown, R> =>
    Effect.gen(function* () {
      const decoded = Option.getOrUndefined(yield* store.subject(subject))
      const raw = options.rawSubject === undefined ? JSON.stringify(decoded) : yield* options.rawSubject(subject)
      return { decoded, raw }
    })

  /**
   * `seed` (if any) submitted alone; then `first` and `second` both checked against the vault as it is, then
   * `first` appended, then `second` let run to its end. Returns both outcomes and the row between the two appends.
   */
  const race = (first: Submit, second: Submit, seed?: Submit) =>
    Effect.gen(function* () {
      const store = yield* ReferralStore.ReferralStore
      if (seed !== undefined) yield* (yield* serviceOn(store)).execute(seed)
      const steps = yield* interleaving(store)
      const a = yield* serviceOn(steps.storeFor(0))
      const b = yield* serviceOn(steps.storeFor(1))
      const fa = yield* steps.start(0, a.execute(first))
      expect(yield* steps.next).toEqual({ command: 0, kind: "paused" })
      const fb = yield* steps.start(1, b.execute(second))
      expect(yield* steps.next).toEqual({ command: 1, kind: "paused" })
      // both checked against the same vault entry: the first appends
      yield* steps.finish(0)
      const firstResult = yield* Effect.result(Fiber.join(fa))
      const between = yield* row(store, first.subjectId)
      // then the second appends (and whatever follows from its append)
      yield* steps.finish(1)
      const secondResult = yield* Effect.result(Fiber.join(fb))
      return {
        store,
        firstResult,
        secondResult,
        between,
        after: yield* row(store, first.subjectId)
      } satisfies Outcome
    })

  /** The second of a race between two people refused as a sequential submission is; nothing of it written. */
  const refusedSecond = (outcome: Outcome, second: Submit) =>
    Effect.gen(function* () {
      const { store, firstResult, secondResult, between, after } = outcome
      expect(Result.isSuccess(firstResult)).toBe(true)
      expect(Result.isFailure(secondResult)).toBe(true)
      if (Result.isFailure(secondResult)) {
        expect(secondResult.failure).toMatchObject({ _tag: "InvalidCommand", field: "subjectId" })
        for (const value of Object.values(second.client)) expect(secondResult.failure.message).not.toContain(value)
      }
      // the first person's row exactly as the first submission left it
      expect(after.raw).toBe(between.raw)
      expect(after.decoded).toEqual(between.decoded)
      expect(Object.keys(after.decoded?.referrals ?? {})).not.toContain(second.referralId)
      // and no trace of the second referral
      expect((yield* store.current(second.referralId)).version).toBe(0)
      expect(yield* store.referralIds()).not.toContain(second.referralId)
      expect(Option.isNone(yield* store.idempotency(second.idempotencyKey))).toBe(true)
    })

  describe(`submissions racing on one subject id: ${name}`, () => {
    it.effect("two people on a new subject id, both checked before either appends: the second is refused", () =>
      Effect.gen(function* () {
        const first = submission(1, "race-subject-new", aino)
        const second = submission(2, "race-subject-new", eero)
        const outcome = yield* race(first, second)
        expect(outcome.between.decoded?.personalIdentityCode).toBe(aino.personalIdentityCode)
        yield* refusedSecond(outcome, second)
        expect(PersonalData.sameClient(outcome.after.decoded as PersonalData.SubjectData, aino)).toBe(true)
      }).pipe(Effect.provide(environment()))
    )

    it.effect(
      "a client on record without an identity code, two namesakes with different codes at once: the second is refused",
      () =>
        Effect.gen(function* () {
          const seed = submission(10, "race-subject-names", ilmari)
          // each passes the check alone (names and birth year match, the stored entry has no code)
          // (two codes of people born in 1950, the year on record: a year given beside a code must be the code's)
          const first = submission(11, "race-subject-names", { ...ilmari, personalIdentityCode: "010150-123A" })
          const second = submission(12, "race-subject-names", { ...ilmari, personalIdentityCode: "020250-456H" })
          const outcome = yield* race(first, second, seed)
          expect(outcome.between.decoded?.personalIdentityCode).toBe("010150-123A")
          yield* refusedSecond(outcome, second)
        }).pipe(Effect.provide(environment()))
    )

    // every field the guard compares: the first submission changes it on record (as the same person), and the
    // second, which matched the entry as it was, no longer matches it
    for (const [field, change] of [
      ["givenName", { givenName: "Aino-Maria" }],
      ["familyName", { familyName: "Virtanen" }]
    ] as const) {
      it.effect(
        `the first changes the ${field} on record (same identity code): a namesake without a code is refused`,
        () =>
          Effect.gen(function* () {
            const seed = submission(30, `race-subject-${field}`, aino)
            const first = submission(31, `race-subject-${field}`, { ...aino, ...change })
            // born in 1994 as Aino's code says, without a code: the names decide against an entry without a birth year
            const { personalIdentityCode: _, ...rest } = aino
            const namesake = { ...rest, birthYear: 1994, mobileNumber: "050 765 4321" }
            const second = submission(32, `race-subject-${field}`, namesake)
            const outcome = yield* race(first, second, seed)
            expect(outcome.between.decoded?.[field]).toBe(change[field as keyof typeof change])
            yield* refusedSecond(outcome, second)
          }).pipe(Effect.provide(environment()))
      )
    }

    it.effect("the first adds a birth year on record: a namesake with another birth year is refused", () =>
      Effect.gen(function* () {
        // on record with an identity code and no birth year: a submission without a code matches by name alone
        const { birthYear: _, ...rest } = ilmari
        const seed = submission(40, "race-subject-year", { ...rest, personalIdentityCode: "131052-308T" })
        const first = submission(41, "race-subject-year", {
          ...rest,
          personalIdentityCode: "131052-308T",
          birthYear: 1952
        })
        const second = submission(42, "race-subject-year", { ...rest, birthYear: 1948 })
        const outcome = yield* race(first, second, seed)
        expect(outcome.between.decoded?.birthYear).toBe(1952)
        yield* refusedSecond(outcome, second)
      }).pipe(Effect.provide(environment()))
    )

    it.effect("the same person twice at once on a new subject id: both are accepted, the later details kept", () =>
      Effect.gen(function* () {
        const first = submission(21, "race-subject-same", aino)
        const second = submission(22, "race-subject-same", {
          ...aino,
          givenName: " aino ",
          mobileNumber: "050 765 4321"
        })
        const { store, firstResult, secondResult, after } = yield* race(first, second)
        expect(Result.isSuccess(firstResult)).toBe(true)
        expect(Result.isSuccess(secondResult)).toBe(true)
        expect(after.decoded?.mobileNumber).toBe("+358507654321")
        expect(Object.keys(after.decoded?.referrals ?? {}).sort()).toEqual([first.referralId, second.referralId])
        expect(yield* store.referralIds()).toEqual([first.referralId, second.referralId])
      }).pipe(Effect.provide(environment()))
    )
  })
}
