/**
 * The presets' client-facing timings, as behaviour (the docs-sync tests also
 * compare them with the docs, but no rule rests on that alone):
 * D2, the Kemijärvi model's first contact within 3 days of the referral
 * (business days, our reading), and D3's quiet hours 21–08 local time, when
 * no text message is sent. Fixtures: submitted Monday 2 March 2026 09:00 in
 * Helsinki (UTC+2).
 */
import { describe, expect, it } from "@effect/vitest"
import { Deadlines, type Instant, Presets, type ReferralCommand } from "@lahete/core"
import { DeciderSpec, Fixtures as F } from "@lahete/testing"

const submitted = (programme: typeof Presets.kemijarvi) =>
  F.history([F.submit({ programmeId: programme.id }), F.assign()])
const presets = [Presets.kemijarvi, Presets.sodankyla] as const
const schedule = (over: Partial<Extract<ReferralCommand.ReferralCommand, { _tag: "ScheduleCall" }>>) =>
  F.scheduleCall({ notifyBySms: false, ...over })

describe.each(presets)("$id: D2, the first call within 3 business days of the referral", (programme) => {
  const spec = () => DeciderSpec.make(F.decider).given(submitted(programme).events)

  it("the deadline is the end of Thursday for a Monday referral", () => {
    expect(Deadlines.firstContactDueAt(F.t0, programme)).toBe("2026-03-05T22:00:00.000Z")
  })

  it("a call on Thursday afternoon is accepted; on Friday morning it is refused while Thursday is still possible", () => {
    spec()
      .when(schedule({ callAt: F.at(24 * 3 + 8) }))
      .thenEvents((events) => expect(events.map((e) => e._tag)).toEqual(["CallScheduled"]))
    spec()
      .when(schedule({ callAt: F.at(24 * 4) }))
      .thenFails("CallTimeNotAllowed", { problem: "after-first-contact-deadline" })
  })
})

describe.each(presets)("$id: D3, no text message in quiet hours 21–08", (programme) => {
  const spec = () => DeciderSpec.make(F.decider).given(submitted(programme).events)
  /** When the call-time text message may be sent, for a call set at `at` for Tuesday 10:00. */
  const sendAfterOf = (at: Instant.Instant): Instant.Instant | undefined => {
    let sendAfter: Instant.Instant | undefined
    spec()
      .when(F.scheduleCall({ at, callAt: F.at(25) }))
      .thenEvents((events) => {
        const request = events.find((e) => e._tag === "CallTimeMessageRequested")
        sendAfter = request?._tag === "CallTimeMessageRequested" ? request.sendAfter : undefined
      })
    return sendAfter
  }

  it("scheduled at 20:59 the message may go at once; at 21:00 it waits until 08:00", () => {
    // Monday 20:59 and 21:00 local = F.at(12) less a minute, F.at(12); Tuesday 08:00 local = F.at(23)
    const beforeQuiet = F.at(12 - 1 / 60)
    expect(sendAfterOf(beforeQuiet)).toBe(beforeQuiet)
    expect(sendAfterOf(F.at(12))).toBe(F.at(23))
    expect(sendAfterOf(F.at(12.5))).toBe(F.at(23))
  })

  it("the quiet hours end at 08:00: 07:59 waits, 08:00 goes", () => {
    expect(Deadlines.earliestSend(F.at(23 - 1 / 60), programme)).toBe(F.at(23))
    expect(Deadlines.earliestSend(F.at(23), programme)).toBe(F.at(23))
  })
})
