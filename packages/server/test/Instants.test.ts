/**
 * Instants at the HTTP API: a command's times and the report's query take
 * any RFC 3339 date-time (`Z` or an offset, any fraction of seconds) and mean
 * the same instant, which is stored in the canonical UTC form; the OpenAPI
 * document says `format: date-time`. On the in-memory store and on SQLite.
 */
import { describe, expect, it, layer } from "@effect/vitest"
import { type ReferralCommand, ReferralStore } from "@lahete/core"
import { Server } from "@lahete/server"
import { Fixtures } from "@lahete/testing"
import { Effect } from "effect"
import { OpenApi } from "effect/http-api"
import { Harness, layer as harness } from "./support/harness.js"
import * as Stores from "./support/stores.js"

/** A command's body without what the server sets, as JSON. */
const bodyOf = (command: ReferralCommand.ReferralCommand): Record<string, unknown> => {
  const {
    _tag,
    idempotencyKey,
    actor,
    at,
    subjectId: _s,
    ...body
  } = command as ReferralCommand.ReferralCommand & {
    subjectId?: unknown
  }
  return JSON.parse(JSON.stringify(body))
}

/** `instant` written at +02:00 (Helsinki in winter), with the fraction only when it has one. */
const atPlusTwo = (instant: string): string => {
  const local = new Date(Date.parse(instant) + 2 * 3_600_000).toISOString()
  return `${local.endsWith(".000Z") ? local.slice(0, 19) : local.slice(0, 23)}+02:00`
}
/** `instant` with Z and no fraction when it has none. */
const zulu = (instant: string): string => instant.replace(".000Z", "Z")

const scenario = (name: string, core: () => Parameters<typeof harness>[0]) =>
  layer(harness(core()), { excludeTestServices: true, timeout: "60 seconds" })(name, (it) => {
    it.effect("a command's times with Z or an offset are stored as the same canonical instants", () =>
      Effect.gen(function* () {
        const h = yield* Harness
        const store = yield* ReferralStore.ReferralStore
        const forms = [
          ["referral-z", zulu],
          ["referral-o", atPlusTwo]
        ] as const
        h.time.set(Date.parse(Fixtures.at(0)))
        for (const [id, write] of forms) {
          const body = bodyOf(Fixtures.submit())
          const consents = (body.consents as ReadonlyArray<object>).map((c) => ({
            ...c,
            expiresAt: write(Fixtures.at(24 * 365))
          }))
          const submitted = yield* h.request("POST", "/referrals", {
            as: Fixtures.referrer,
            key: `${id}-submit`,
            body: { ...body, referralId: id, subjectId: `${id}-subject`, consents }
          })
          expect(submitted.status, submitted.text).toBe(201)
        }
        h.time.set(Date.parse(Fixtures.at(1)))
        for (const [id] of forms) {
          const assigned = yield* h.request("POST", `/referrals/${id}/assign`, {
            as: Fixtures.coordinator,
            key: `${id}-assign`,
            body: { linkWorkerId: "linkworker-1" }
          })
          expect(assigned.status, assigned.text).toBe(200)
        }
        h.time.set(Date.parse(Fixtures.at(4)))
        for (const [id, write] of forms) {
          const scheduled = yield* h.request("POST", `/referrals/${id}/schedule-call`, {
            as: Fixtures.linkWorkerActor,
            key: `${id}-call`,
            body: { callAt: write(Fixtures.at(26)), notifyBySms: false }
          })
          expect(scheduled.status, scheduled.text).toBe(200)
        }
        const stored = (id: string) =>
          Effect.map(store.load(id as never), ({ events }) => ({
            expiries: events.flatMap((e) => (e._tag === "ConsentRecorded" ? [e.consent.expiresAt] : [])),
            calls: events.flatMap((e) => (e._tag === "CallScheduled" ? [e.callAt] : []))
          }))
        const z = yield* stored("referral-z")
        const o = yield* stored("referral-o")
        expect(z.expiries.length).toBeGreaterThan(0)
        expect(z.expiries.every((e) => e === Fixtures.at(24 * 365))).toBe(true)
        expect(z.calls).toEqual([Fixtures.at(26)])
        expect(o).toEqual(z)
      })
    )

    it.effect("the report's from, to and asOf take Z or an offset", () =>
      Effect.gen(function* () {
        const h = yield* Harness
        const query = (write: (s: string) => string) =>
          `?from=${encodeURIComponent(write(Fixtures.at(-24)))}&to=${encodeURIComponent(write(Fixtures.at(24)))}&asOf=${encodeURIComponent(write(Fixtures.at(48)))}`
        const canonical = yield* h.request("GET", `/evaluation/kemijarvi${query((s) => s)}`, { as: Fixtures.evaluator })
        expect(canonical.status, canonical.text).toBe(200)
        expect(canonical.json).toMatchObject({
          period: { from: Fixtures.at(-24), to: Fixtures.at(24) },
          asOf: Fixtures.at(48)
        })
        for (const write of [zulu, atPlusTwo]) {
          const answer = yield* h.request("GET", `/evaluation/kemijarvi${query(write)}`, { as: Fixtures.evaluator })
          expect(answer.status, answer.text).toBe(200)
          expect(answer.json).toEqual(canonical.json)
        }
        // a date without a time is no instant
        const date = yield* h.request("GET", "/evaluation/kemijarvi?from=2026-03-01&to=2026-03-03", {
          as: Fixtures.evaluator
        })
        expect(date.status).toBe(400)
      })
    )
  })

scenario("instants at the HTTP API (memory)", Stores.memory)
scenario("instants at the HTTP API (SQLite)", Stores.sqlite)

describe("the OpenAPI document's instants", () => {
  type Json = { readonly [key: string]: unknown }
  const spec = OpenApi.fromApi(Server.api) as unknown as Json
  /** A schema, with a `$ref` to a component followed. */
  const resolve = (schema: unknown): Json => {
    const ref = (schema as { $ref?: string }).$ref
    if (ref === undefined) return schema as Json
    return resolve(
      ref
        .split("/")
        .slice(1)
        .reduce<unknown>((s, k) => (s as Json)[k], spec)
    )
  }
  const component = (name: string): Json =>
    resolve(((spec.components as Json).schemas as Json)[name] ?? { $ref: `#/components/schemas/${name}` })

  it("says format: date-time for a command's time and the report's query", () => {
    const callAt = resolve((component("ScheduleCallBody").properties as Json).callAt)
    expect(callAt).toMatchObject({ type: "string", format: "date-time" })
    const paths = spec.paths as Record<string, Record<string, { parameters?: ReadonlyArray<Json> }>>
    const report = paths["/evaluation/{programmeId}"]?.get?.parameters ?? []
    for (const name of ["from", "to", "asOf"]) {
      const parameter = report.find((p) => p.name === name)
      expect(parameter && resolve(parameter.schema), name).toMatchObject({ type: "string", format: "date-time" })
    }
  })
})
