/**
 * The FHIR Task status of each state, as the domain specification's §1
 * table states it (written out here from the specification, not read from
 * the code): what a referrer's system sees of the closed loop. Every
 * referral that reaches a state reports it, through the referrer's view.
 */
import { describe, expect, it } from "@effect/vitest"
import { Lifecycle, Views } from "@lahete/core"
import { Fixtures as F } from "@lahete/testing"
import { Result } from "effect"

const specification = {
  Submitted: { status: "requested" },
  Assigned: { status: "accepted" },
  ContactScheduled: { status: "accepted", businessStatus: "contact-scheduled" },
  Active: { status: "in-progress" },
  OnHold: { status: "on-hold" },
  Closed: { status: "completed" },
  FollowedUp: { status: "completed" },
  Rejected: { status: "rejected" },
  Declined: { status: "rejected", businessStatus: "client-declined" },
  Unreachable: { status: "failed" },
  Cancelled: { status: "cancelled" },
  Withdrawn: { status: "cancelled", businessStatus: "consent-withdrawn" }
} as const

describe("§1: each state's FHIR Task status, as the specification's table has it", () => {
  it("the states are the table's, no more and no fewer", () => {
    expect([...Lifecycle.states].sort()).toEqual(Object.keys(specification).sort())
  })

  it.each(Object.entries(specification))("a referral in %s reports %o to its referrer", (state, expected) => {
    const history = F.history(F.pathTo[state as keyof typeof F.pathTo]())
    expect(history.state.status).toBe(state)
    const viewed = Views.referralStatus(F.referrer, history.state, new Map(), F.at(24 * 500))
    if (Result.isFailure(viewed)) throw new Error(viewed.failure.message)
    expect(viewed.success.view.task).toEqual(expected)
  })
})
