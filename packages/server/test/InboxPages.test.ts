/**
 * The list routes a page at a time over HTTP: the inbox's pages hold at most
 * `limit` entries; following `next` to the end visits every referral that
 * needs the coordinator exactly once while new referrals arrive; ended
 * referrals only on request; filters; a cursor the server did not issue is a
 * 400; the referrer's overview and the caseload page the same way. On the
 * in-memory store and on the SQL store over SQLite.
 */
import { describe, expect, layer } from "@effect/vitest"
import type { ReferralCommand } from "@lahete/core"
import { Fixtures } from "@lahete/testing"
import { Effect } from "effect"
import { Harness, layer as harness } from "./support/harness.js"
import * as Stores from "./support/stores.js"

const submitBody = (): Record<string, unknown> => {
  const {
    _tag,
    referralId: _r,
    idempotencyKey: _k,
    actor: _a,
    at: _t,
    subjectId: _s,
    ...body
  } = Fixtures.submit() as Extract<ReferralCommand.ReferralCommand, { _tag: "SubmitReferral" }>
  return body
}

interface Page {
  readonly entries: ReadonlyArray<{ readonly referralId: string; readonly status: string }>
  readonly next?: string
}

const scenario = (name: string, core: () => Parameters<typeof harness>[0]) =>
  layer(harness(core()), { excludeTestServices: true, timeout: "120 seconds" })(name, (it) => {
    const submit = (n: string, minutes: number) =>
      Effect.gen(function* () {
        const h = yield* Harness
        h.time.set(Date.parse(Fixtures.t0) + minutes * 60_000)
        const answer = yield* h.request("POST", "/referrals", {
          as: Fixtures.referrer,
          key: `submit-${n}`,
          body: { ...submitBody(), referralId: `referral-${n}`, subjectId: `subject-${n}` }
        })
        expect(answer.status).toBe(201)
      })

    it.effect("every open referral exactly once across the pages, while others arrive", () =>
      Effect.gen(function* () {
        const h = yield* Harness
        for (let i = 0; i < 23; i++) yield* submit(`a${String(i).padStart(2, "0")}`, i)
        // two of them end: not in the inbox unless asked for
        for (const n of ["a03", "a17"]) {
          const cancelled = yield* h.request("POST", `/referrals/referral-${n}/cancel`, {
            as: Fixtures.referrer,
            key: `cancel-${n}`,
            body: { reason: "no-longer-needed" }
          })
          expect(cancelled.status, cancelled.text).toBe(200)
        }
        const open = Array.from({ length: 23 }, (_, i) => `referral-a${String(i).padStart(2, "0")}`).filter(
          (id) => id !== "referral-a03" && id !== "referral-a17"
        )
        const seen: Array<string> = []
        let cursor: string | undefined
        let round = 0
        do {
          const page = yield* h.request(
            "GET",
            `/coordinator/inbox?limit=5${cursor === undefined ? "" : `&cursor=${cursor}`}`,
            { as: Fixtures.coordinator }
          )
          expect(page.status, page.text).toBe(200)
          const body = page.json as Page
          expect(body.entries.length).toBeLessThanOrEqual(5)
          seen.push(...body.entries.map((e) => e.referralId))
          // new referrals between pages (later than every one so far)
          yield* submit(`b${round}`, 100 + round)
          round++
          cursor = body.next
        } while (cursor !== undefined)
        for (const id of open) expect(seen.filter((s) => s === id), id).toHaveLength(1)
        expect(seen).not.toContain("referral-a03")
        expect(new Set(seen).size).toBe(seen.length)

        // ended ones on request; filters
        const withEnded = yield* h.request("GET", "/coordinator/inbox?limit=200&includeEnded=true", {
          as: Fixtures.coordinator
        })
        expect((withEnded.json as Page).entries.map((e) => e.referralId)).toContain("referral-a03")
        const cancelled = yield* h.request("GET", "/coordinator/inbox?status=Cancelled&includeEnded=true", {
          as: Fixtures.coordinator
        })
        expect((cancelled.json as Page).entries.map((e) => e.referralId)).toEqual(["referral-a03", "referral-a17"])
        const badStatus = yield* h.request("GET", "/coordinator/inbox?status=Submitted,Nonsense", {
          as: Fixtures.coordinator
        })
        expect(badStatus.status).toBe(400)
        for (const cursor of ["not-a-cursor", "eyJ4IjoxfQ", "%25"]) {
          const bad = yield* h.request("GET", `/coordinator/inbox?cursor=${cursor}`, { as: Fixtures.coordinator })
          expect(bad.status, cursor).toBe(400)
        }
        const tooMany = yield* h.request("GET", "/coordinator/inbox?limit=201", { as: Fixtures.coordinator })
        expect(tooMany.status).toBe(400)
      })
    )

    it.effect("the referrer's overview pages the same way", () =>
      Effect.gen(function* () {
        const h = yield* Harness
        const all: Array<string> = []
        let cursor: string | undefined
        do {
          const page = yield* h.request(
            "GET",
            `/referrer/referrals?limit=4${cursor === undefined ? "" : `&cursor=${cursor}`}`,
            { as: Fixtures.referrer }
          )
          expect(page.status, page.text).toBe(200)
          const body = page.json as Page
          expect(body.entries.length).toBeLessThanOrEqual(4)
          all.push(...body.entries.map((e) => e.referralId))
          cursor = body.next
        } while (cursor !== undefined)
        // every referral of the first test, oldest first
        expect(all).toHaveLength(23 + all.filter((id) => id.startsWith("referral-b")).length)
        expect([...all].sort()).toEqual(all.slice().sort())
        expect(new Set(all).size).toBe(all.length)
      })
    )
  })

describe("the list routes a page at a time", () => {
  scenario("in memory", Stores.memory)
  scenario("SQL store on SQLite", Stores.sqlite)
})
