/**
 * The inbox answers with exactly the referrer's view: for generated referral
 * histories (`ViewHistories`, fast-check), `GET /v1/referrals/{id}` is
 * deep-equal to the transport's status report (the core's `referralStatus`
 * view) written as JSON, and `GET /v1/referrals` to its list of changes. A
 * field the view holds that `StatusReport` does not declare is dropped on
 * encoding and fails here; so does a field sent that the view does not hold.
 * The referrer's client (`EkollegaClient`) reads the same report back.
 *
 * The histories' referrer is moved to a registered organisation (the inbox
 * takes the actor from a signed token); the inbox runs on the live clock, so
 * the expected report is read just before the answer.
 */
import { describe, expect, it } from "@effect/vitest"
import { Actor, type ReferralCommand, ReferralStore, ReferralTransport } from "@lahete/core"
import { CommandSequences, Fixtures, ViewHistories } from "@lahete/testing"
import { EkollegaMessage } from "@lahete/transport-ekollega"
import { Context, Effect, Layer, Schema } from "effect"
import * as fc from "fast-check"
import { replayAllowed, request } from "./support/inbox.js"
import { memoryServices, sign, webHandler } from "./support/layers.js"

const wire = (value: unknown): unknown => JSON.parse(JSON.stringify(value))
const path = EkollegaMessage.referralsPath

/** The history with its referrer (the one whose submission was accepted) in a registered organisation, under the fixture id. */
const registeredReferrer = (commands: ReadonlyArray<ReferralCommand.ReferralCommand>) => {
  const original = CommandSequences.run(Fixtures.decider, commands).state.referrer
  if (original === undefined) return commands
  const moved = Actor.make("Referrer", Fixtures.referrer.id, Fixtures.referrer.organisation, original.profession)
  return commands.map((c) =>
    c.actor.role === "Referrer" && c.actor.id === original.id && c.actor.organisation === original.organisation
      ? { ...c, actor: moved }
      : c
  )
}

const decodeReport = Schema.decodeUnknownSync(EkollegaMessage.StatusReport)

const check = (commands: ReadonlyArray<ReferralCommand.ReferralCommand>, seen: Map<string, number>) =>
  Effect.scoped(
    Effect.gen(function* () {
      const run = CommandSequences.run(Fixtures.decider, registeredReferrer(commands))
      const { referralId, referrer: r } = run.state
      if (referralId === undefined || r === undefined) return
      const context = yield* Layer.build(Layer.fresh(memoryServices))
      yield* ViewHistories.seed(Context.get(context, ReferralStore.ReferralStore), run)
      const { handler, dispose } = webHandler(context, { replayGuard: replayAllowed })
      yield* Effect.addFinalizer(() => Effect.promise(dispose))
      const transport = yield* Effect.provideContext(ReferralTransport.make("ekollega"), context)
      const referrer = Actor.make("Referrer", r.id, r.organisation, r.profession)
      const token = yield* sign(referrer)

      const report = wire(yield* transport.status(referrer, referralId))
      const one = yield* Effect.promise(() => handler(request("GET", `${path}/${referralId}`, { token })))
      const body: unknown = yield* Effect.promise(() => one.json())
      expect(one.status, JSON.stringify(body)).toBe(200)
      expect(body, "status").toEqual(report)
      expect(wire(decodeReport(body)), "read back").toEqual(report)

      const changes = wire({ referrals: yield* transport.changes(referrer, {}) })
      const list = yield* Effect.promise(() => handler(request("GET", path, { token })))
      expect(yield* Effect.promise(() => list.json()), "changes").toEqual(changes)

      for (const field of ViewHistories.fieldPaths(body)) seen.set(field, (seen.get(field) ?? 0) + 1)
    })
  )

describe("the inbox sends exactly the referrer's view", () => {
  it("for generated histories, the status and the changes equal the view as JSON (150 histories)", async () => {
    const seen = new Map<string, number>()
    await fc.assert(
      fc.asyncProperty(ViewHistories.histories, (commands) => Effect.runPromise(check(commands, seen))),
      { numRuns: 150, seed: 20261207 }
    )
    // the fields that come and go were there in some report
    for (const field of [
      "lastUpdated",
      "feedbackText",
      "plan.goals",
      "plan.activities.step",
      "endReason",
      "closedAt"
    ]) {
      expect(seen.get(field) ?? 0, field).toBeGreaterThan(0)
    }
  }, 180_000)
})
