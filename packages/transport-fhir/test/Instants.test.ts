/**
 * The FHIR transport reads any RFC 3339 date-time (`Z` or an offset, any
 * fraction of seconds): a Consent's expiry in a referral Bundle and
 * `_lastUpdated` on the server side, a Task's times on the client side; what
 * it stores and answers is the canonical UTC instant.
 */
import { describe, expect, it } from "@effect/vitest"
import { Instant, ReferralTransport } from "@lahete/core"
import { Fixtures } from "@lahete/testing"
import { FhirClient } from "@lahete/transport-fhir"
import type { Task } from "@medplum/fhirtypes"
import { Effect, Layer, Redacted } from "effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import { referralBundle, referralIdOf, setAt, withServer } from "./support/wire.js"

/** `instant` written at +02:00 (Helsinki in winter), with the fraction only when it has one. */
const atPlusTwo = (instant: string): string => {
  const local = new Date(Date.parse(instant) + 2 * 3_600_000).toISOString()
  return `${local.endsWith(".000Z") ? local.slice(0, 19) : local.slice(0, 23)}+02:00`
}

/** Every canonical instant in a JSON value rewritten by `write`. */
const rewriteInstants = (value: unknown, write: (instant: string) => string): unknown => {
  if (typeof value === "string") return Instant.isInstant(value) ? write(value) : value
  if (Array.isArray(value)) return value.map((v) => rewriteInstants(v, write))
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewriteInstants(v, write)]))
  }
  return value
}

/** The Bundle with each Consent's expiry (entries 3 and 4) written as given. */
const bundleExpiring = (messageId: string, end: string) => {
  const bundle = referralBundle(messageId)
  for (const entry of [3, 4]) setAt(bundle, ["entry", entry, "resource", "provision", "period"], { end })
  return bundle
}

describe("FhirServer: instants", () => {
  it.live("a Consent's expiry with Z or an offset is stored as the same canonical instant", () =>
    withServer((h) =>
      Effect.gen(function* () {
        for (const [messageId, end] of [
          ["msg-zulu", "2027-03-02T07:00:00Z"],
          ["msg-offset", "2027-03-02T09:00:00+02:00"],
          ["msg-fraction", "2027-03-02T07:00:00.000000+00:00"]
        ] as const) {
          const answer = yield* h.post(bundleExpiring(messageId, end))
          expect(answer.status, answer.text).toBe(201)
          const { events } = yield* h.store.load(yield* referralIdOf(messageId))
          const expiries = events.flatMap((e) => (e._tag === "ConsentRecorded" ? [e.consent.expiresAt] : []))
          expect(expiries, end).toEqual(["2027-03-02T07:00:00.000Z", "2027-03-02T07:00:00.000Z"])
        }
      })
    )
  )

  it.live("_lastUpdated=ge takes Z or an offset (its + written %2B) and means the same instant", () =>
    withServer((h) =>
      Effect.gen(function* () {
        const posted = yield* h.post(referralBundle("msg-since"))
        expect(posted.status, posted.text).toBe(201)
        const task = (posted.bundle.entry ?? []).find((e) => e.resource?.resourceType === "Task")?.resource as Task
        const received = task.authoredOn as Instant.Instant
        const ids = (since: string) =>
          Effect.map(h.get(`/Task?_lastUpdated=ge${encodeURIComponent(since)}`), (answer) => {
            expect(answer.status, answer.text).toBe(200)
            return (answer.bundle.entry ?? []).map((e) => e.resource?.id)
          })
        for (const since of [received, received.replace(".000Z", "Z"), atPlusTwo(received)]) {
          expect(yield* ids(since), since).toEqual([task.id])
        }
        const later = Instant.plusMillis(received, 1)
        for (const since of [later, atPlusTwo(later)]) expect(yield* ids(since), since).toEqual([])
      })
    )
  )
})

describe("FhirClient: instants", () => {
  it.live("a Task whose times are written with offsets reads as the same status, in canonical instants", () =>
    withServer((h) =>
      Effect.gen(function* () {
        const posted = yield* h.post(referralBundle("msg-client-times"))
        expect(posted.status, posted.text).toBe(201)
        const id = yield* referralIdOf("msg-client-times")
        const task = (yield* h.get(`/Task/${id}`)).task
        const statusThrough = (answer: unknown) => {
          const fetch = (async () =>
            new Response(JSON.stringify(answer), {
              status: 200,
              headers: { "content-type": "application/fhir+json" }
            })) as unknown as typeof globalThis.fetch
          return Effect.flatMap(ReferralTransport.ReferralTransport, (t) => t.status(Fixtures.referrer, id)).pipe(
            Effect.provide(
              FhirClient.layer({
                baseUrl: "https://lahete.test/fhir/",
                token: Redacted.make("t"),
                timeout: "2 seconds"
              }).pipe(Layer.provide(FetchHttpClient.layer), Layer.provide(Layer.succeed(FetchHttpClient.Fetch, fetch)))
            )
          )
        }
        const canonical = yield* statusThrough(task)
        expect(canonical.submittedAt).toBe(task.authoredOn)
        const offsets = rewriteInstants(task, atPlusTwo)
        expect(JSON.stringify(offsets)).toContain("+02:00")
        expect(yield* statusThrough(offsets)).toEqual(canonical)
        expect(yield* statusThrough(rewriteInstants(task, (s) => s.replace(".000Z", "Z")))).toEqual(canonical)
      })
    )
  )
})
