/**
 * The inbox reads any RFC 3339 date-time (`Z` or an offset, any fraction of
 * seconds) in a message and in the `since` query, and stores and answers the
 * canonical UTC instant.
 */
import { describe, expect, it } from "@effect/vitest"
import { Instant } from "@lahete/core"
import { ReferralTransportTest } from "@lahete/testing"
import { EkollegaMessage } from "@lahete/transport-ekollega"
import { Effect } from "effect"
import { inbox, read, request, tokenFor } from "./support/inbox.js"

const { referrer } = ReferralTransportTest.senders
const path = EkollegaMessage.referralsPath

/** A message as JSON whose consents expire at the given (wire) time. */
const messageExpiring = (messageId: string, expiresAt: string) => {
  const json = JSON.parse(JSON.stringify(ReferralTransportTest.message(messageId)))
  return { ...json, consents: json.consents.map((c: object) => ({ ...c, expiresAt })) }
}

/** `instant` written at +02:00 (the wall clock in Helsinki in winter), without a fraction when it has none. */
const atPlusTwo = (instant: string): string => {
  const local = new Date(Date.parse(instant) + 2 * 3_600_000).toISOString()
  return `${local.endsWith(".000Z") ? local.slice(0, 19) : local.slice(0, 23)}+02:00`
}

describe("EkollegaInbox: instants", () => {
  it.live("a consent's expiry with Z or an offset is stored as the same canonical instant", () =>
    Effect.gen(function* () {
      const { fetch, store } = yield* inbox()
      const token = yield* tokenFor(referrer)
      const expiries: Array<ReadonlyArray<unknown>> = []
      for (const [messageId, expiresAt] of [
        ["m-zulu", "2027-03-02T07:00:00Z"],
        ["m-offset", "2027-03-02T09:00:00+02:00"],
        ["m-fraction", "2027-03-02T07:00:00.000000Z"]
      ] as const) {
        const response = yield* Effect.promise(() =>
          fetch(request("POST", path, { token, json: messageExpiring(messageId, expiresAt) }))
        )
        expect(response.status, messageId).toBe(201)
        const receipt = yield* Effect.promise(() => read(EkollegaMessage.Receipt, response))
        const { events } = yield* store.load(receipt.referralId)
        expiries.push(events.flatMap((e) => (e._tag === "ConsentRecorded" ? [e.consent.expiresAt] : [])))
      }
      expect(expiries[0]?.length).toBeGreaterThan(0)
      for (const e of expiries) expect(e).toEqual(expiries[0]?.map(() => "2027-03-02T07:00:00.000Z"))
    })
  )

  it.live("since takes Z or an offset (its + written %2B) and means the same instant", () =>
    Effect.gen(function* () {
      const { fetch } = yield* inbox()
      const token = yield* tokenFor(referrer)
      const posted = yield* Effect.promise(() =>
        fetch(request("POST", path, { token, json: ReferralTransportTest.message("m-since") }))
      )
      const receipt = yield* Effect.promise(() => read(EkollegaMessage.Receipt, posted))
      const list = (since: string) =>
        Effect.promise(async () => {
          const response = await fetch(request("GET", `${path}?since=${encodeURIComponent(since)}`, { token }))
          expect(response.status, since).toBe(200)
          return (await read(EkollegaMessage.StatusList, response)).referrals.map((r) => r.referralId)
        })
      const received = receipt.receivedAt
      const later = Instant.plusMillis(received, 1)
      // the referral's status last changed when it was received: `since` at that instant includes it, a millisecond later not
      for (const since of [received, received.replace(".000Z", "Z"), atPlusTwo(received)]) {
        expect(yield* list(since)).toEqual([receipt.referralId])
      }
      for (const since of [later, atPlusTwo(later)]) expect(yield* list(since)).toEqual([])
    })
  )
})
