/**
 * The FHIR server's benchmark (`pnpm bench` in this package, or the root
 * `pnpm bench`; run by `scripts/bench-kit/run.mjs`): requests per second
 * through the server's routes as an in-process fetch handler
 * (`HttpRouter.toWebHandler`, no sockets) over the in-memory service — the
 * tests' harness (`test/support/wire.ts`), which also parses each answer's
 * JSON as a client would — one request at a time, each with a signed token
 * (ES256) the server verifies:
 *
 * 1. referral Bundles (`transaction`: Task, ServiceRequest, Patient,
 *    Consents) with new message ids (`201 Created`);
 * 2. the same Bundles again (`200 OK`, the same Task);
 * 3. reads of the Tasks (`GET /Task/{id}`).
 *
 * Nothing is asserted about speed; every answer must have its expected
 * status.
 */
import { Effect } from "effect"
import { it } from "vitest"
import { pick, progress, report, requests } from "../../../scripts/bench-kit/measure.js"
import { type Harness, referralBundle, referralIdOf, withServer } from "../test/support/wire.js"

const settings = pick({ quick: { warmup: 50, count: 300 }, full: { warmup: 200, count: 3_000 } })

const phases = (h: Harness) =>
  Effect.gen(function* () {
    const run = <A>(effect: Effect.Effect<A>) => Effect.runPromise(effect)
    const total = settings.warmup + settings.count
    const ids = yield* Effect.forEach(
      Array.from({ length: total }, (_, i) => referralIdOf(`bench-${i}`)),
      (e) => e
    )
    yield* Effect.promise(async () => {
      progress("new Bundles…")
      await requests("deliver a new referral Bundle (POST, 201)", { ...settings, expected: 201 }, async (i) => {
        const answer = await run(h.post(referralBundle(`bench-${i}`)))
        return answer.status
      })
      progress("the same Bundles again…")
      await requests("deliver the same Bundle again (POST, 200)", { ...settings, expected: 200 }, async (i) => {
        const answer = await run(h.post(referralBundle(`bench-${i % total}`)))
        return answer.status
      })
      progress("Task reads…")
      await requests("read a Task (GET /Task/{id}, 200)", { ...settings, expected: 200 }, async (i) => {
        const answer = await run(h.get(`/Task/${ids[i % total] ?? ""}`))
        return answer.status
      })
    })
  })

it("benchmark", async () => {
  await Effect.runPromise(withServer(phases))
  process.stdout.write(report([`${settings.count} timed requests per row after ${settings.warmup} untimed ones`]))
})
