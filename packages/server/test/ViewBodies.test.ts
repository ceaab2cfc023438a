/**
 * Every view route answers with exactly the view: for generated referral
 * histories (CommandSequences, fast-check), the body of each view route is
 * deep-equal to the view the core builds at the same instant over the same
 * store, written as JSON, plus only the API's own fields (the inbox's
 * deadlines and `atRisk`, a page's `next`). A field a view holds that the
 * response schema does not declare is dropped on encoding and fails here; so
 * does a field the API sends that the view does not hold.
 *
 * The expected views come from `ReferralQueries` (what the handlers hand to
 * the encoder), run against the server's own services and clock.
 */
import { describe, expect, it } from "@effect/vitest"
import { Actor, AuditLog, type Ids, ReferralQueries, ReferralStore } from "@lahete/core"
import { CommandSequences, Fixtures, ViewHistories } from "@lahete/testing"
import { Effect, Layer } from "effect"
import * as fc from "fast-check"
import { Harness, type HarnessShape, layer as harness } from "./support/harness.js"
import * as Stores from "./support/stores.js"

const wire = (value: unknown): unknown => JSON.parse(JSON.stringify(value))

interface Route {
  readonly name: string
  readonly as: Actor.Actor
  readonly path: string
  /** The view the core builds for this read (may log usage, as the route does). */
  readonly view: Effect.Effect<unknown, ReferralQueries.QueryError, ReferralQueries.Requirements>
  /** The body without the API's own fields. */
  readonly viewPart?: (body: unknown) => unknown
}

const withoutDeadlines = (body: unknown): unknown => {
  const { atRisk: _, entries, ...rest } = body as { atRisk: unknown; entries: ReadonlyArray<Record<string, unknown>> }
  return {
    ...rest,
    entries: entries.map(({ deadlines: __, ...entry }) => {
      expect(Array.isArray(__)).toBe(true)
      return entry
    })
  }
}

/** Each view route for the referral's actors. */
const routesOf = (state: CommandSequences.Run["state"]): ReadonlyArray<Route> => {
  const { referralId, subjectId, referrer: r, programme, linkWorkerId } = state
  if (referralId === undefined || subjectId === undefined || r === undefined || programme === undefined) return []
  const id = encodeURIComponent(referralId)
  const coordinator: Actor.Actor = { ...Fixtures.coordinator, programmes: [programme.id] }
  const referrer = Actor.make("Referrer", r.id, r.organisation, r.profession)
  const client = Actor.make("Client", subjectId, "residents")
  const routes: Array<Route> = [
    {
      name: "coordinator-inbox",
      as: coordinator,
      path: "/coordinator/inbox?includeEnded=true",
      view: Effect.map(
        ReferralQueries.coordinatorInboxPage(coordinator, { programmeIds: [programme.id] }, { includeEnded: true }),
        ({ inbox }) => inbox
      ),
      viewPart: withoutDeadlines
    },
    {
      name: "referrer-overview",
      as: referrer,
      path: "/referrer/referrals",
      view: ReferralQueries.referrerOverview(referrer)
    },
    {
      name: "referral-status",
      as: referrer,
      path: `/referrer/referrals/${id}`,
      view: ReferralQueries.referralStatus(referrer, referralId)
    }
  ]
  if (linkWorkerId !== undefined) {
    const linkWorker = Actor.make("LinkWorker", linkWorkerId, "link-workers")
    routes.push(
      {
        name: "link-worker-caseload",
        as: linkWorker,
        path: "/link-worker/caseload",
        view: ReferralQueries.linkWorkerCaseload(linkWorker)
      },
      {
        name: "link-worker-referral",
        as: linkWorker,
        path: `/link-worker/referrals/${id}`,
        view: ReferralQueries.linkWorkerReferral(linkWorker, referralId)
      }
    )
  }
  routes.push(subjectAccessRoute(client, subjectId))
  return routes
}

/**
 * Subject access shows the client's own usage log, which the read itself
 * extends: the core's read goes first, so the route's body holds the log as
 * it stands after that read (the route's own read is logged after its view
 * is built, as the core's was).
 */
const subjectAccessRoute = (client: Actor.Actor, subjectId: Ids.SubjectId): Route => ({
  name: "subject-access",
  as: client,
  path: `/subjects/${encodeURIComponent(subjectId)}`,
  view: Effect.gen(function* () {
    const view = yield* ReferralQueries.subjectAccess(client, subjectId)
    const log = yield* (yield* AuditLog.AuditLog).forSubject(subjectId)
    return { ...view, usage: log.usage, disclosures: log.disclosures }
  })
})

/** One history: seeded, then every route read at `now`, over HTTP and from the core. */
const check = (run: CommandSequences.Run, hoursAfter: number, seen: Map<string, number>) =>
  Effect.gen(function* () {
    const h: HarnessShape = yield* Harness
    const store = yield* ReferralStore.ReferralStore
    yield* ViewHistories.seed(store, run)
    const last = run.state.lastEventAt ?? run.state.submittedAt
    if (last === undefined) return
    h.time.set(Date.parse(last) + hoursAfter * 3_600_000)
    for (const route of routesOf(run.state)) {
      const expected = wire(yield* Effect.provide(route.view, h.time.layer))
      const answer = yield* h.request("GET", route.path, { as: route.as })
      expect(answer.status, `${route.name}: ${answer.text}`).toBe(200)
      expect((route.viewPart ?? ((b: unknown) => b))(answer.json), route.name).toEqual(expected)
      seen.set(route.name, (seen.get(route.name) ?? 0) + 1)
      for (const field of ViewHistories.fieldPaths(answer.json)) {
        seen.set(`${route.name}: ${field}`, (seen.get(`${route.name}: ${field}`) ?? 0) + 1)
      }
    }
  }).pipe(Effect.provide(harness(Stores.memory()).pipe(Layer.fresh)))

describe("view routes send exactly the view", () => {
  it("for generated histories, each view route's body equals the core's view as JSON (100 histories)", async () => {
    const seen = new Map<string, number>()
    await fc.assert(
      fc.asyncProperty(ViewHistories.histories, fc.integer({ min: 0, max: 400 * 24 }), (commands, hoursAfter) =>
        Effect.runPromise(check(CommandSequences.run(Fixtures.decider, commands), hoursAfter, seen))
      ),
      { numRuns: 100, seed: 20261207 }
    )
    // every route was read, and the fields that come and go were there in some body
    for (const field of [
      "coordinator-inbox",
      "coordinator-inbox: entries.client.givenName",
      "link-worker-caseload: entries.plan.activities.activity.id",
      "link-worker-caseload: entries.plan.whatMatters",
      "link-worker-referral: plan.unmetNeeds.area",
      "link-worker-referral: client.mobileNumber",
      "referrer-overview: entries.lastUpdated",
      "referral-status: feedbackText",
      "referral-status: plan.goals",
      "referral-status: plan.activities.step",
      "subject-access: personalData.givenName",
      "subject-access: referrals.plan.activities.joinedAt",
      "subject-access: usage.purpose",
      "subject-access: referrals.measureLinks.tokenId",
      "subject-access: referrals.measureLinksAnswered"
    ]) {
      expect(seen.get(field) ?? 0, field).toBeGreaterThan(0)
    }
  }, 180_000)
})
