/**
 * ViewSchemas: each schema is its view, exactly.
 *
 * At compile time (`tsc -b`, `pnpm check`): `viewSchema` refuses a schema
 * that lacks one of the view's fields, has one more, makes a required field
 * optional or types a field otherwise (the `@ts-expect-error` lines below
 * stop compiling if the tie is loosened).
 *
 * At run time: for generated referral histories, every view the core builds
 * encodes through its schema to exactly the view written as JSON (nothing
 * dropped, nothing refused).
 */
import { describe, expect, it } from "@effect/vitest"
import { Actor, Ids, Instant, ViewSchemas, Views } from "@lahete/core"
import { CommandSequences, Fixtures, ViewHistories } from "@lahete/testing"
import { Result, Schema } from "effect"
import * as fc from "fast-check"

const wire = (value: unknown): unknown => JSON.parse(JSON.stringify(value))
const encode = <S extends Schema.Codec<unknown, unknown>>(schema: S, value: S["Type"]) =>
  Schema.encodeSync(Schema.toCodecJson(schema))(value)

describe("ViewSchemas: tied to the views' types", () => {
  it("a schema that differs from its view in any field does not compile", () => {
    const view = ViewSchemas.viewSchema<Views.LinkWorkerLoad>()
    const same = view(Schema.Struct({ linkWorkerId: Ids.ActorId, activeClients: Schema.Number }))
    // @ts-expect-error a field of the view missing
    view(Schema.Struct({ linkWorkerId: Ids.ActorId }))
    view(
      // @ts-expect-error a field the view does not have
      Schema.Struct({
        linkWorkerId: Ids.ActorId,
        activeClients: Schema.Number,
        name: Schema.String
      })
    )
    view(
      // @ts-expect-error a required field made optional
      Schema.Struct({
        linkWorkerId: Ids.ActorId,
        activeClients: Schema.optionalKey(Schema.Number)
      })
    )
    // @ts-expect-error a field typed otherwise
    view(Schema.Struct({ linkWorkerId: Schema.String, activeClients: Schema.Number }))
    const plan = ViewSchemas.viewSchema<Views.ReferralStatus>()
    plan(
      // @ts-expect-error a nested view's field missing (the referrer's plan without its unmet needs)
      Schema.Struct({
        ...ViewSchemas.ReferralStatus.fields,
        plan: Schema.optionalKey(
          Schema.Struct({ goals: Schema.Array(Schema.String), activities: ViewSchemas.ReferrerPlan.fields.activities })
        )
      })
    )
    expect(same.fields.activeClients).toBe(Schema.Number)
  })
})

const success = <A>(result: Result.Result<Views.Viewed<A>, unknown>): A => {
  if (Result.isFailure(result)) throw new Error("the view refused its own actor")
  return result.success.view
}

describe("ViewSchemas: every view encodes to itself", () => {
  it("for generated histories, each view through its schema equals the view as JSON (300 histories)", () => {
    fc.assert(
      fc.property(ViewHistories.histories, fc.integer({ min: 0, max: 400 * 24 }), (commands, hoursAfter) => {
        const run = CommandSequences.run(Fixtures.decider, commands)
        const s = run.state
        if (s.referrer === undefined || s.programme === undefined || s.subjectId === undefined) return
        if (s.lastEventAt === undefined) return
        const at = Instant.plusMillis(s.lastEventAt, hoursAfter * 3_600_000)
        const subjects = ViewHistories.subjects(run)
        const referrer = Actor.make("Referrer", s.referrer.id, s.referrer.organisation, s.referrer.profession)
        const coordinator = Fixtures.coordinator
        const client = Actor.make("Client", s.subjectId, "residents")
        const same = <S extends Schema.Codec<unknown, unknown>>(schema: S, view: S["Type"]) =>
          expect(encode(schema, view)).toEqual(wire(view))

        same(
          ViewSchemas.CoordinatorInbox,
          success(Views.coordinatorInbox(coordinator, { programmeIds: [s.programme.id] }, [s], subjects, at))
        )
        const status = success(Views.referralStatus(referrer, s, subjects, at))
        same(ViewSchemas.ReferralStatus, status)
        for (const entry of success(Views.referrerOverview(referrer, [s], at))) same(ViewSchemas.ReferralStatus, entry)
        const log = { usage: [], disclosures: [] }
        same(
          ViewSchemas.SubjectAccess,
          success(Views.subjectAccess(client, s.subjectId, [s], subjects.get(s.subjectId), log))
        )
        if (s.linkWorkerId !== undefined) {
          const linkWorker = Actor.make("LinkWorker", s.linkWorkerId, "link-workers")
          same(ViewSchemas.Caseload, success(Views.linkWorkerCaseload(linkWorker, [s], subjects, at)))
          same(ViewSchemas.CaseloadEntry, success(Views.linkWorkerReferral(linkWorker, s, subjects, at)))
        }
      }),
      { numRuns: 300, seed: 20261207 }
    )
  })
})
