import { describe, expect, it } from "@effect/vitest"
import { ReferralEvent } from "@lahete/core"
import { Fixtures as F } from "@lahete/testing"
import { Result, Schema } from "effect"

const everyEvent = () => {
  const all = Object.values(F.pathTo).flatMap((path) => F.history(path()).events)
  const extra = F.history([
    ...F.pathTo.Active(),
    F.arrangement(),
    F.measure(),
    F.updateContact({ at: F.at(40) }),
    F.meeting(),
    F.putOnHold(),
    F.resume()
  ])
  const erased = F.history([...F.pathTo.FollowedUp(), F.erase()])
  const deadlines = F.history(F.deadlineStory())
  const messages = F.history([
    ...F.pathTo.ContactScheduled(),
    F.messageOutcome("sent"),
    F.messageOutcome("expired", { messageId: "other", reason: "past-send-before" })
  ])
  const links = F.history(F.measureLinkStory())
  const plan = F.history([
    ...F.pathTo.Active(),
    F.plan(),
    F.activity("suggested", { at: F.at(24 * 8) }),
    F.activity("tried", { at: F.at(24 * 9) }),
    F.activity("joined", { at: F.at(24 * 10) }),
    F.activity("left", { at: F.at(24 * 11) }),
    F.unmetNeed({ at: F.at(24 * 12) })
  ])
  return [
    ...all,
    ...extra.events,
    ...erased.events,
    ...deadlines.events,
    ...messages.events,
    ...links.events,
    ...plan.events
  ]
}

describe("ReferralEvent codec", () => {
  it("round-trips every event type through its stored form", () => {
    const events = everyEvent()
    const tags = new Set(events.map((e) => e._tag))
    expect(tags.size).toBe(ReferralEvent.ReferralEvent.members.length)
    for (const e of events) {
      const stored = ReferralEvent.codec.encode(e)
      expect(stored).toMatchObject({ type: e._tag, version: 1 })
      const back = ReferralEvent.codec.decode(JSON.parse(JSON.stringify(stored)))
      expect(Result.getOrThrow(back)).toEqual(e)
    }
  })

  it("encodes each event as the union's encoder does, with its type's current version", () => {
    const union = Schema.encodeSync(ReferralEvent.ReferralEvent)
    const codec = ReferralEvent.makeCodec({ ReferralClosed: { 1: (data) => data } })
    for (const e of everyEvent()) {
      expect(ReferralEvent.codec.encode(e)).toStrictEqual({ type: e._tag, version: 1, data: union(e) })
      expect(codec.encode(e).version).toBe(e._tag === "ReferralClosed" ? 2 : 1)
    }
    // an event the encoder's schema refuses is refused by the member's encoder as by the union's
    const closed = F.history(F.pathTo.Closed()).events.at(-1) as ReferralEvent.ReferralEvent
    const broken = { ...closed, at: "not an instant" } as unknown as ReferralEvent.ReferralEvent
    expect(() => union(broken)).toThrow()
    expect(() => ReferralEvent.codec.encode(broken)).toThrow()
  })

  it("upgrades an older version on decode", () => {
    // Suppose version 1 of ReferralClosed had `result` instead of `outcome`, and version 2 renamed it.
    const codec = ReferralEvent.makeCodec({
      ReferralClosed: {
        1: ({ result, ...rest }) => ({ ...rest, outcome: result })
      }
    })
    expect(codec.currentVersion("ReferralClosed")).toBe(2)
    expect(codec.currentVersion("ReferralSubmitted")).toBe(1)
    const closed = F.history(F.pathTo.Closed()).events.at(-1) as ReferralEvent.ReferralEvent
    const current = codec.encode(closed)
    expect(current.version).toBe(2)
    const { outcome, ...v1data } = current.data as Record<string, unknown>
    const decoded = codec.decode({ type: "ReferralClosed", version: 1, data: { ...v1data, result: outcome } })
    expect(Result.getOrThrow(decoded)).toEqual(closed)
  })

  it("refuses unknown types, unknown versions and bad data without quoting the data", () => {
    const failure = (stored: ReferralEvent.Stored) =>
      Result.match(ReferralEvent.codec.decode(stored), { onSuccess: () => undefined, onFailure: (e) => e })
    expect(failure({ type: "Nope", version: 1, data: {} })?.problem).toBe("unknown-type")
    expect(failure({ type: "ReferralClosed", version: 9, data: {} })?.problem).toBe("unknown-version")
    const bad = failure({ type: "ReferralClosed", version: 1, data: { secret: "Aino Testinen 010594Y9032" } })
    expect(bad?.problem).toBe("invalid-data")
    expect(`${bad?.message}${JSON.stringify(bad)}`).not.toContain("Aino")
  })
})
