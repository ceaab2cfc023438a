/**
 * Roles over HTTP (domain specification §4): "An actor outside the role gets
 * a typed `Forbidden` error, and the attempt is logged." Every read route,
 * asked by every role the route does not serve: `403` with `_tag:
 * "Forbidden"` and `reason: "role"`, one more entry in the core's refusal
 * log for that actor, and the route's data not in the body. The roles each
 * route serves are written out here from the specification and the API
 * documentation, not read from the code.
 */
import { describe, expect, layer } from "@effect/vitest"
import { Actor, AuditLog } from "@lahete/core"
import { Fixtures } from "@lahete/testing"
import { Effect } from "effect"
import { Harness, layer as harness } from "./support/harness.js"
import * as Stores from "./support/stores.js"

const period = `from=${encodeURIComponent(Fixtures.at(-24))}&to=${encodeURIComponent(Fixtures.at(24))}`

/** Each read route and the roles it serves. */
const routes: ReadonlyArray<{ readonly path: string; readonly serves: ReadonlyArray<Actor.Role> }> = [
  { path: "/coordinator/inbox", serves: ["Coordinator"] },
  { path: "/coordinator/training-due?programmeId=kemijarvi", serves: ["Coordinator"] },
  { path: "/coordinator/link-worker-survey?programmeId=kemijarvi", serves: ["Coordinator"] },
  { path: "/link-workers", serves: ["Coordinator"] },
  { path: "/link-workers/linkworker-1", serves: ["Coordinator"] },
  { path: "/directory/activities", serves: ["Coordinator", "LinkWorker", "Referrer"] },
  { path: "/directory/organisations", serves: ["Coordinator", "LinkWorker", "Referrer"] },
  { path: "/directory/hsds", serves: ["Coordinator", "LinkWorker", "Referrer"] },
  { path: "/link-worker/caseload", serves: ["LinkWorker"] },
  { path: "/link-worker/referrals/referral-1", serves: ["LinkWorker"] },
  { path: "/link-worker/survey?programmeId=kemijarvi", serves: ["LinkWorker"] },
  { path: "/referrer/referrals", serves: ["Referrer"] },
  { path: "/referrer/referrals/referral-1", serves: ["Referrer"] },
  { path: "/subjects/subject-1", serves: ["Client"] },
  { path: `/evaluation/kemijarvi?${period}`, serves: ["Evaluator"] },
  { path: `/evaluation/kemijarvi/report.html?${period}`, serves: ["Evaluator"] }
]

const actors: ReadonlyArray<Actor.Actor> = [
  Fixtures.referrer,
  Fixtures.coordinator,
  Fixtures.linkWorkerActor,
  Actor.make("Client", "subject-1", "kemijarvi-residents"),
  Fixtures.evaluator,
  Fixtures.system
]

layer(harness(Stores.memory()), { excludeTestServices: true, timeout: "60 seconds" })("roles over HTTP", (it) => {
  describe("every read route refuses every role it does not serve, and logs the attempt", () => {
    it.effect("403 Forbidden (role), one refusal logged for that actor, nothing of the route's data", () =>
      Effect.gen(function* () {
        const h = yield* Harness
        const audit = yield* AuditLog.AuditLog
        h.time.set(Date.parse(Fixtures.at(1)))
        // a referral on record, so that a route answering for the wrong role would have something to show
        const submitted = yield* h.request("POST", "/referrals", {
          as: Fixtures.referrer,
          key: "roles-1",
          body: (() => {
            const { _tag, referralId: _r, idempotencyKey, actor, at, ...body } = Fixtures.submit()
            return { ...body, referralId: "referral-1" }
          })()
        })
        expect(submitted.status, submitted.text).toBe(201)
        let checked = 0
        for (const route of routes) {
          for (const actor of actors) {
            if (route.serves.includes(actor.role)) continue
            const before = (yield* audit.refusals()).filter((r) => r.actorId === actor.id && r.role === actor.role)
            const answer = yield* h.request("GET", route.path, { as: actor })
            const what = `${actor.role} on ${route.path}`
            expect(answer.status, `${what}: ${answer.text}`).toBe(403)
            expect(answer.json, what).toMatchObject({ _tag: "Forbidden", reason: "role" })
            const after = (yield* audit.refusals()).filter((r) => r.actorId === actor.id && r.role === actor.role)
            expect(after.length, `${what}: refusal logged`).toBe(before.length + 1)
            expect(answer.text, what).not.toContain(Fixtures.submit().client.familyName)
            checked++
          }
        }
        expect(checked).toBeGreaterThan(60)
      })
    )
  })
})
