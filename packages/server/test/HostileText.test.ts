/**
 * Hostile text in the HTTP API's commands (issue 20): a control character,
 * an unpaired surrogate, a bidirectional control, a line separator or an
 * over-long value in any text field of a command body (the client's names,
 * identity code and mobile number on submission, the closing feedback, a
 * new mobile number) is a 400 naming the field and never the value, and the
 * store is unchanged. The OpenAPI document states each field's maximum and
 * the refused characters.
 */
import { describe, expect, it, layer } from "@effect/vitest"
import { ReferralStore, Text } from "@lahete/core"
import { Server } from "@lahete/server"
import { Arbitraries, Fixtures } from "@lahete/testing"
import { Effect } from "effect"
import { OpenApi } from "effect/http-api"
import * as fc from "fast-check"
import { Harness, layer as harness } from "./support/harness.js"
import * as Stores from "./support/stores.js"

const submission = () => {
  const { _tag, referralId, idempotencyKey, actor, at, subjectId, ...body } = Fixtures.submit({
    client: { ...Fixtures.submit().client, mobileNumber: "040 123 4567" }
  })
  return { ...body, referralId: "referral-hostile", subjectId: "subject-hostile" }
}

/** The endpoints with text fields: who may call it, where, the body, the field, its maximum. */
const endpoints = [
  ...(["givenName", "familyName", "personalIdentityCode", "mobileNumber"] as const).map((field) => ({
    actor: Fixtures.referrer,
    path: "/referrals",
    body: submission(),
    field: ["client", field],
    max: field === "givenName" || field === "familyName" ? Text.maxNameLength : Text.maxCodeLength
  })),
  {
    actor: Fixtures.referrer,
    path: "/referrals",
    body: submission(),
    field: ["reasonText"],
    max: Text.maxReasonLength
  },
  {
    actor: Fixtures.linkWorkerActor,
    path: "/referrals/referral-1/close",
    body: { outcome: "goals-met", feedback: Fixtures.close().feedback },
    field: ["feedback"],
    max: Text.maxFeedbackLength
  },
  {
    actor: Fixtures.referrer,
    path: "/referrals/referral-1/contact-details",
    body: { mobileNumber: "050 765 4321" },
    field: ["mobileNumber"],
    max: Text.maxCodeLength
  }
] as const

const valueAt = (body: unknown, path: ReadonlyArray<string>): string =>
  path.reduce((v, k) => (v as Record<string, unknown>)[k], body) as string

const withText = (body: unknown, path: ReadonlyArray<string>, text: string): unknown => {
  const copy = JSON.parse(JSON.stringify(body)) as Record<string, unknown>
  let target = copy
  for (const k of path.slice(0, -1)) target = target[k] as Record<string, unknown>
  target[path[path.length - 1] as string] = text
  return copy
}

describe("the OpenAPI document", () => {
  it("states the maximum and the refused characters of every text field", () => {
    const spec = OpenApi.fromApi(Server.api) as unknown as { components: { schemas: Record<string, unknown> } }
    const schemas = JSON.stringify(spec.components.schemas)
    for (const max of [Text.maxNameLength, Text.maxCodeLength, Text.maxReasonLength, Text.maxFeedbackLength]) {
      expect(schemas).toContain(`"maxLength":${max}`)
    }
    expect(schemas).toContain("\\\\u202A-\\\\u202E")
  })
})

layer(harness(Stores.memory()), { excludeTestServices: true, timeout: "60 seconds" })(
  "hostile text in commands",
  (it) => {
    it.effect("every text field, every kind: 400 naming the field and not the value; the store is unchanged", () =>
      Effect.gen(function* () {
        const h = yield* Harness
        const store = yield* ReferralStore.ReferralStore
        const ids = yield* store.referralIds()
        const samples = fc.sample(
          fc
            .constantFrom(...endpoints)
            .chain((endpoint) =>
              Arbitraries.hostileText(valueAt(endpoint.body, endpoint.field), { maxLength: endpoint.max }).map(
                (hostile) => ({ endpoint, ...hostile })
              )
            ),
          { numRuns: 200, seed: 20 }
        )
        let n = 0
        for (const { endpoint, text } of samples) {
          const answer = yield* h.request("POST", endpoint.path, {
            as: endpoint.actor,
            key: `k-hostile-${n++}`,
            body: withText(endpoint.body, endpoint.field, text)
          })
          expect(answer.status, answer.text).toBe(400)
          expect(answer.json).toMatchObject({ issues: [{ path: endpoint.field.join(".") }] })
          expect(answer.text).not.toContain(valueAt(endpoint.body, endpoint.field))
        }
        expect(yield* store.referralIds()).toEqual(ids)
      })
    )
  }
)
