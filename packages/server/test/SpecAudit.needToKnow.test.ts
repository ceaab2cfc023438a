/**
 * Need-to-know over HTTP (domain specification §4 and §8), as a property: for
 * generated referral histories, every actor (the coordinator, each link
 * worker the referral ever had, its referrer and another one, the client and
 * another client, the evaluator) reads every read route (the views, the
 * registry, the training-due list, the directory, the evaluation report as
 * JSON and HTML), and no body, refusals included, holds a piece of the
 * client's personal data the actor may not see at that moment:
 *
 * - the coordinator: the name and the reason only while the referral can be
 *   (re)assigned (Submitted, Assigned); never the identity code, the mobile
 *   number, the closing feedback or what matters to the client;
 * - the assigned link worker: the name, the mobile number, the reason and
 *   what matters to the client, while the referral has not ended; never the
 *   identity code or the closing feedback; any other link worker: nothing;
 * - the referrer: the closing feedback only under rule C3 (asked for,
 *   `feedback-to-referrer` granted and in force, written, not erased),
 *   nothing else; another referrer: nothing;
 * - the client: all of it, in subject access; another client: nothing;
 * - the evaluator: nothing.
 *
 * The values looked for are the ones the accepted commands carried (as
 * typed, and a mobile number also in E.164), written as JSON writes them.
 * Who may see what is worked out here from the state, not by the views.
 * `ViewBodies.test.ts` checks that each route sends exactly the core's view;
 * this checks the rule itself, whatever a view or a route comes to hold.
 */
import { describe, expect, it } from "@effect/vitest"
import {
  Actor,
  Consent,
  type Instant,
  Lifecycle,
  MobileNumber,
  type ReferralCommand,
  ReferralStore
} from "@lahete/core"
import { CommandSequences, Fixtures, ViewHistories } from "@lahete/testing"
import { Effect, Layer, Result } from "effect"
import * as fc from "fast-check"
import { Harness, type HarnessShape, layer as harness } from "./support/harness.js"
import * as Stores from "./support/stores.js"

type Kind = "name" | "identity-code" | "mobile" | "reason" | "feedback" | "what-matters"

interface Piece {
  readonly kind: Kind
  /** As it appears inside a JSON string. */
  readonly needle: string
}

const inJson = (s: string): string => JSON.stringify(s).slice(1, -1)

/** The personal data the run's accepted commands carried, by kind. */
const piecesOf = (run: CommandSequences.Run): ReadonlyArray<Piece> => {
  const out = new Map<string, Piece>()
  const add = (kind: Kind, value: string | null | undefined) => {
    const t = value?.trim()
    // too short to tell a leak from a coincidence
    if (t !== undefined && t.length >= 3) out.set(`${kind}:${t}`, { kind, needle: inJson(t) })
  }
  const phone = (value: string | null | undefined) => {
    if (value === null || value === undefined) return
    add("mobile", value)
    const parsed = MobileNumber.parse(value)
    if (Result.isSuccess(parsed)) add("mobile", parsed.success)
  }
  for (const step of run.steps) {
    if (step.after.version === step.before.version) continue
    const c: ReferralCommand.ReferralCommand = step.command
    switch (c._tag) {
      case "SubmitReferral":
        add("name", c.client.givenName)
        add("name", c.client.familyName)
        add("identity-code", c.client.personalIdentityCode)
        phone(c.client.mobileNumber)
        add("reason", c.reasonText)
        break
      case "UpdateContactDetails":
        phone(c.mobileNumber)
        break
      case "CloseReferral":
        add("feedback", c.feedback)
        break
      case "RecordPlan":
        add("what-matters", c.whatMatters)
        break
      default:
        break
    }
  }
  return [...out.values()]
}

const all: ReadonlyArray<Kind> = ["name", "identity-code", "mobile", "reason", "feedback", "what-matters"]

interface Reader {
  readonly name: string
  readonly actor: Actor.Actor
}

interface Route {
  readonly name: string
  readonly path: string
}

/** What `reader` may see of the client on `route` at `at`: worked out from the state alone. */
const mayShow = (
  state: CommandSequences.Run["state"],
  reader: Reader,
  route: Route,
  at: Instant.Instant
): ReadonlySet<Kind> => {
  if (state.personalDataErased) return new Set()
  switch (`${reader.name} ${route.name}`) {
    case "coordinator coordinator-inbox":
      return new Set(state.status === "Submitted" || state.status === "Assigned" ? ["name", "reason"] : [])
    case "assigned-link-worker link-worker-caseload":
    case "assigned-link-worker link-worker-referral":
      return new Set(Lifecycle.isTerminal(state.status) ? [] : ["name", "mobile", "reason", "what-matters"])
    case "referrer referral-status":
      return new Set(
        state.feedbackRequested &&
          Consent.isGranted(state.consents, "feedback-to-referrer", at) &&
          state.closedAt !== undefined
          ? ["feedback"]
          : []
      )
    case "client subject-access":
      return new Set(all)
    default:
      return new Set()
  }
}

const readersOf = (run: CommandSequences.Run): ReadonlyArray<Reader> => {
  const { subjectId, referrer: r, programme, linkWorkerId } = run.state
  if (subjectId === undefined || r === undefined || programme === undefined) return []
  const linkWorkers = new Set<string>([Fixtures.otherLinkWorkerActor.id])
  for (const step of run.steps) {
    if (step.command._tag === "AssignLinkWorker") linkWorkers.add(step.command.linkWorker.id)
  }
  return [
    { name: "coordinator", actor: { ...Fixtures.coordinator, programmes: [programme.id] } },
    ...[...linkWorkers].map(
      (id): Reader => ({
        name: id === linkWorkerId ? "assigned-link-worker" : "other-link-worker",
        actor: Actor.make("LinkWorker", id, "link-workers")
      })
    ),
    { name: "referrer", actor: Actor.make("Referrer", r.id, r.organisation, r.profession) },
    { name: "other-referrer", actor: Actor.make("Referrer", "doctor-9", "rovaniemi-health-centre", "doctor") },
    { name: "client", actor: Actor.make("Client", subjectId, "residents") },
    { name: "other-client", actor: Actor.make("Client", "subject-someone-else", "residents") },
    { name: "evaluator", actor: { ...Fixtures.evaluator, programmes: [programme.id] } }
  ]
}

const routesOf = (run: CommandSequences.Run): ReadonlyArray<Route> => {
  const { referralId, subjectId, programme } = run.state
  if (referralId === undefined || subjectId === undefined || programme === undefined) return []
  const id = encodeURIComponent(referralId)
  const period = `?from=${encodeURIComponent(Fixtures.at(-24 * 400))}&to=${encodeURIComponent(Fixtures.at(24 * 400))}`
  return [
    { name: "coordinator-inbox", path: "/coordinator/inbox?includeEnded=true" },
    { name: "training-due", path: `/coordinator/training-due?programmeId=${programme.id}` },
    { name: "link-workers", path: "/link-workers" },
    { name: "directory", path: "/directory/activities" },
    { name: "link-worker-caseload", path: "/link-worker/caseload" },
    { name: "link-worker-referral", path: `/link-worker/referrals/${id}` },
    { name: "referrer-overview", path: "/referrer/referrals" },
    { name: "referral-status", path: `/referrer/referrals/${id}` },
    { name: "subject-access", path: `/subjects/${encodeURIComponent(subjectId)}` },
    { name: "evaluation", path: `/evaluation/${programme.id}${period}` },
    { name: "evaluation-html", path: `/evaluation/${programme.id}/report.html${period}` }
  ]
}

/** One history: seeded, then every reader reads every route at `now`. */
const check = (run: CommandSequences.Run, hoursAfter: number, seen: Map<string, number>) =>
  Effect.gen(function* () {
    const h: HarnessShape = yield* Harness
    const store = yield* ReferralStore.ReferralStore
    yield* ViewHistories.seed(store, run)
    const last = run.state.lastEventAt ?? run.state.submittedAt
    if (last === undefined) return
    const now = Date.parse(last) + hoursAfter * 3_600_000
    h.time.set(now)
    const at = new Date(now).toISOString() as Instant.Instant
    const pieces = piecesOf(run)
    for (const reader of readersOf(run)) {
      for (const route of routesOf(run)) {
        const answer = yield* h.request("GET", route.path, { as: reader.actor })
        const allowed = mayShow(run.state, reader, route, at)
        const shownAllowed = pieces.filter((p) => allowed.has(p.kind))
        for (const piece of pieces) {
          if (allowed.has(piece.kind)) {
            if (answer.text.includes(piece.needle)) seen.set(`shown: ${piece.kind}`, 1)
            continue
          }
          // a name inside a text the reader may see (the feedback names the client) is that text, not a leak
          if (shownAllowed.some((p) => p.needle.includes(piece.needle))) continue
          expect(
            answer.text.includes(piece.needle),
            `${reader.name} on ${route.name} (${answer.status}, ${run.state.status}): ${piece.kind} leaked`
          ).toBe(false)
        }
        seen.set(`${reader.name} ${route.name} ${answer.status}`, 1)
      }
    }
  }).pipe(Effect.provide(harness(Stores.memory()).pipe(Layer.fresh)))

describe("need-to-know over HTTP", () => {
  it("for generated histories, no actor's body on any read route holds personal data it may not see (100 histories)", async () => {
    const seen = new Map<string, number>()
    await fc.assert(
      fc.asyncProperty(ViewHistories.histories, fc.integer({ min: 0, max: 400 * 24 }), (commands, hoursAfter) =>
        Effect.runPromise(check(CommandSequences.run(Fixtures.decider, commands), hoursAfter, seen))
      ),
      { numRuns: 100, seed: 20261207 }
    )
    // the histories reached what each role may see, and the refusals
    for (const key of [
      "shown: name",
      "shown: identity-code",
      "shown: mobile",
      "shown: reason",
      "shown: feedback",
      "shown: what-matters",
      "coordinator coordinator-inbox 200",
      "assigned-link-worker link-worker-referral 200",
      "other-link-worker link-worker-referral 403",
      "referrer referral-status 200",
      "other-referrer referral-status 403",
      "client subject-access 200",
      "other-client subject-access 403",
      "evaluator evaluation 200",
      "evaluator evaluation-html 200",
      "evaluator subject-access 403"
    ]) {
      expect(seen.has(key), key).toBe(true)
    }
  }, 240_000)
})
