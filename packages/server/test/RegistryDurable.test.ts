/**
 * The link-worker registry of the `lahete` server lives in the database: a
 * link worker put through the HTTP API survives a restart of the server on
 * the same SQLite file (the server's layers, `Cli.servicesLayer` under
 * `Server.layer`, built twice on one file), and can be assigned after it.
 * The configuration's link workers are added only when the registry has no
 * entry with their id: a configured link worker changed through the API
 * keeps the change across the restart.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { type Actor, type LinkWorker, ReferralStore } from "@lahete/core"
import { Fixtures } from "@lahete/testing"
import { Effect, Layer, Result } from "effect"
import { afterAll } from "vitest"
import * as Cli from "../src/Cli.js"
import * as Config from "../src/Config.js"
import { Harness, layer as harness } from "./support/harness.js"

const root = mkdtempSync(join(tmpdir(), "lahete-registry-durable-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))

const coordinator = Fixtures.coordinator
const referrer = Fixtures.referrer
const hours = (h: number) => Date.parse(Fixtures.at(h))

/** The server as `lahete serve` builds it, on the SQLite file, with these link workers configured. */
const server = (filename: string, configured: ReadonlyArray<LinkWorker.LinkWorker>) => {
  const settings = Result.getOrThrow(
    Config.read({ env: { LAHETE_DATABASE: filename }, overrides: [{ path: ["linkWorkers"], value: configured }] })
  )
  return Layer.fresh(harness(Cli.servicesLayer(settings, { _tag: "Sqlite", filename })))
}

/** Runs `body` against a server started on the file, and stops it afterwards. */
const onServer = <A, E>(
  filename: string,
  configured: ReadonlyArray<LinkWorker.LinkWorker>,
  body: Effect.Effect<A, E, Harness | ReferralStore.ReferralStore>
) => body.pipe(Effect.provide(server(filename, configured)))

const ids = (answer: { readonly json: unknown }) => (answer.json as ReadonlyArray<{ id: string }>).map((w) => w.id)

describe("the link-worker registry across a restart (SQLite)", () => {
  it.live(
    "a link worker put through the API is there after a restart, and can be assigned; configuration does not overwrite it",
    () =>
      Effect.gen(function* () {
        const filename = join(root, "lahete.db")
        const configured = [Fixtures.linkWorker()]
        const added = Fixtures.linkWorker({
          id: "linkworker-7" as Actor.Actor["id"],
          employerType: "municipality",
          languages: ["sv", "fi"],
          areas: ["Sodankylä", "Kemijärvi"],
          capacity: 5,
          refresherTrainings: [Fixtures.at(-24 * 30)],
          mentoringSessions: [Fixtures.at(-24 * 7), Fixtures.at(-24)]
        })
        // a configured link worker, changed through the API: one more refresher, a lower capacity
        const changed = { ...Fixtures.linkWorker(), capacity: 1, refresherTrainings: [Fixtures.at(-24 * 10)] }

        // first run: the configured link worker is there; the coordinator adds one and changes the other
        yield* onServer(
          filename,
          configured,
          Effect.gen(function* () {
            const h = yield* Harness
            h.time.set(hours(0))
            const before = yield* h.request("GET", "/link-workers", { as: coordinator })
            expect(before.status).toBe(200)
            expect(before.json).toEqual(configured)
            expect(
              (yield* h.request("PUT", `/link-workers/${added.id}`, { as: coordinator, body: added })).status
            ).toBe(200)
            expect(
              (yield* h.request("PUT", `/link-workers/${changed.id}`, { as: coordinator, body: changed })).status
            ).toBe(200)
            const submitted = yield* h.request("POST", "/referrals", {
              as: referrer,
              key: "durable-1",
              body: { ...submitBody(), referralId: "referral-durable", subjectId: "subject-durable" }
            })
            expect(submitted.status).toBe(201)
            expect(ids(yield* h.request("GET", "/link-workers", { as: coordinator }))).toEqual([changed.id, added.id])
          })
        )

        // second run on the same file, the same configuration and one more configured link worker
        const newcomer = Fixtures.otherLinkWorker()
        yield* onServer(
          filename,
          [...configured, newcomer],
          Effect.gen(function* () {
            const h = yield* Harness
            h.time.set(hours(2))
            const after = yield* h.request("GET", "/link-workers", { as: coordinator })
            expect(after.status).toBe(200)
            // every field as put, in the order first put; the configured one keeps the API's change
            expect(after.json).toEqual([changed, added, newcomer])
            const one = yield* h.request("GET", `/link-workers/${added.id}`, { as: coordinator })
            expect(one.status).toBe(200)
            expect(one.json).toEqual(added)

            // the referral service looks link workers up in the same registry
            const assigned = yield* h.request("POST", "/referrals/referral-durable/assign", {
              as: coordinator,
              key: "durable-2",
              body: { linkWorkerId: added.id }
            })
            expect(assigned.status).toBe(200)
            expect(assigned.json).toMatchObject({ status: "Assigned", events: ["LinkWorkerAssigned"] })
            const store = yield* ReferralStore.ReferralStore
            expect(yield* store.referralIds()).toEqual(["referral-durable"])
          })
        )
      })
  )
})

/** A submission's body as the referrer's system sends it (the server sets the actor, time and key). */
const submitBody = (): Record<string, unknown> => {
  const { _tag, referralId, idempotencyKey, actor, at, subjectId, ...body } = Fixtures.submit()
  return body
}
