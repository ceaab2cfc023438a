/**
 * The response schemas are a second fence around the views: a field a view's
 * type does not declare is dropped when the response is encoded, so a stray
 * value at run time cannot reach the wire. (A field the view's type declares
 * is always in the schema: core's ViewSchemas ties the two at compile time,
 * and ViewBodies.test checks every route's body against the view.)
 */
import { describe, expect, it } from "@effect/vitest"
import { Responses } from "@lahete/server"
import { Fixtures } from "@lahete/testing"
import { Schema } from "effect"

describe("Responses", () => {
  it("drops undeclared fields when a link worker's view is encoded", () => {
    const entry = {
      referralId: Fixtures.referralId,
      programme: { id: "kemijarvi", version: 1 },
      status: "Active",
      failedAttempts: 0,
      meetings: 2,
      reasonCategories: ["loneliness"],
      textMessageAllowed: true,
      plan: { goals: [], activities: [], unmetNeeds: [] },
      referrer: { id: "nurse-1" },
      client: {
        givenName: "Aino",
        familyName: "Testinen",
        language: "fi",
        personalIdentityCode: "010594Y9032",
        birthYear: 1994
      }
    }
    const encoded = Schema.encodeUnknownSync(Schema.toCodecJson(Responses.CaseloadEntry))(entry)
    expect(encoded).toEqual({
      referralId: "referral-1",
      programme: { id: "kemijarvi", version: 1 },
      status: "Active",
      failedAttempts: 0,
      meetings: 2,
      reasonCategories: ["loneliness"],
      textMessageAllowed: true,
      client: { givenName: "Aino", familyName: "Testinen", language: "fi" },
      plan: { goals: [], activities: [], unmetNeeds: [] }
    })
  })

  it("drops the feedback text from a status where the view did not set it, and keeps it where it did", () => {
    const status = {
      referralId: Fixtures.referralId,
      programme: { id: "kemijarvi", version: 1 },
      status: "Closed",
      task: { status: "completed" },
      submittedAt: Fixtures.t0,
      lastUpdated: Fixtures.t0,
      feedbackRequested: true,
      feedback: "available",
      feedbackText: "Goes to the walking group."
    }
    const encode = Schema.encodeUnknownSync(Schema.toCodecJson(Responses.ReferralStatus))
    expect(encode(status)).toMatchObject({ feedbackText: "Goes to the walking group." })
    const { feedbackText: _, ...withoutText } = status
    expect(encode(withoutText)).not.toHaveProperty("feedbackText")
    expect(() => encode({ ...withoutText, feedback: "maybe" })).toThrow()
  })
})
