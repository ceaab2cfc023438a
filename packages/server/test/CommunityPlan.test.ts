/**
 * The client's plan over HTTP: the link worker records it with the plan
 * endpoints and sees it in the caseload (with what matters to the client);
 * the referrer's status carries it only under rule C3 (never the client's
 * words), and the read is logged as a disclosure; nothing of the client's
 * words in the logs.
 */
import { expect, layer } from "@effect/vitest"
import type { ReferralCommand } from "@lahete/core"
import { Fixtures as F } from "@lahete/testing"
import { Effect } from "effect"
import { Harness, layer as harness } from "./support/harness.js"
import * as Stores from "./support/stores.js"

const bodyOf = (command: ReferralCommand.ReferralCommand): Record<string, unknown> => {
  const { _tag, referralId, idempotencyKey, actor, at, ...body } = command
  return body
}
const paths: Partial<Record<ReferralCommand.Tag, string>> = {
  SubmitReferral: "/referrals",
  AssignLinkWorker: "/referrals/referral-1/assign",
  ScheduleCall: "/referrals/referral-1/schedule-call",
  RecordFirstContact: "/referrals/referral-1/first-contact",
  RecordPlan: "/referrals/referral-1/plan",
  RecordActivity: "/referrals/referral-1/plan/activities",
  RecordUnmetNeed: "/referrals/referral-1/plan/unmet-needs",
  RecordConsent: "/referrals/referral-1/consents"
}
const words = F.plan().whatMatters

layer(harness(Stores.sqlite()), { excludeTestServices: true, timeout: "60 seconds" })("the plan over HTTP", (it) => {
  it.effect("recorded by the link worker, in the caseload, to the referrer only under C3", () =>
    Effect.gen(function* () {
      const h = yield* Harness
      let n = 0
      const run = (command: ReferralCommand.ReferralCommand) =>
        Effect.gen(function* () {
          h.time.set(Date.parse(command.at))
          const path = paths[command._tag] as string
          const body =
            command._tag === "SubmitReferral"
              ? { ...bodyOf(command), referralId: command.referralId, subjectId: command.subjectId }
              : command._tag === "AssignLinkWorker"
                ? { linkWorkerId: command.linkWorker.id }
                : bodyOf(command)
          const answer = yield* h.request("POST", path, { as: command.actor, key: `plan-${++n}`, body })
          expect(answer.status, `${command._tag}: ${answer.text}`).toBeLessThan(300)
          return answer
        })
      for (const c of F.pathTo.Active()) yield* run(c)
      yield* run(F.plan({ at: F.at(24 * 8) }))
      yield* run(F.activity("suggested", { at: F.at(24 * 9) }))
      yield* run(F.activity("tried", { at: F.at(24 * 10) }))
      yield* run(F.activity("joined", { at: F.at(24 * 11) }))
      yield* run(F.unmetNeed({ at: F.at(24 * 12) }))
      // P1 over HTTP: joining what was never suggested or tried is refused
      const refused = yield* h.request("POST", paths.RecordActivity as string, {
        as: F.linkWorkerActor,
        key: "plan-refused",
        body: bodyOf(F.activity("joined", { at: F.at(24 * 12), activity: F.griefGroup }))
      })
      expect(refused.status).toBe(422)
      expect(refused.json).toMatchObject({ _tag: "Unprocessable", refusal: { _tag: "InvalidCommand", field: "step" } })

      const caseload = yield* h.request("GET", "/link-worker/caseload", { as: F.linkWorkerActor })
      expect(caseload.json).toMatchObject({
        entries: [
          {
            referralId: "referral-1",
            plan: {
              goals: ["meet-people", "outdoors"],
              whatMatters: words,
              activities: [{ activity: { id: F.walkingGroup.id }, step: "joined", accompanied: true }],
              unmetNeeds: [{ category: "evening-activity", area: "Kemijärvi, keskusta" }]
            }
          }
        ]
      })

      // the referrer asked for feedback, but the client has not agreed: no plan
      const before = yield* h.request("GET", "/referrer/referrals/referral-1", { as: F.referrer })
      expect(before.status).toBe(200)
      expect((before.json as { plan?: unknown }).plan).toBeUndefined()
      yield* run(F.recordConsent("feedback-to-referrer", "granted", { actor: F.linkWorkerActor, at: F.at(24 * 13) }))
      const after = yield* h.request("GET", "/referrer/referrals/referral-1", { as: F.referrer })
      expect(after.json).toMatchObject({
        plan: {
          goals: ["meet-people", "outdoors"],
          activities: [{ activityId: F.walkingGroup.id, step: "joined" }],
          unmetNeeds: ["evening-activity"]
        }
      })
      expect(after.text).not.toContain(words)
      const access = yield* h.request("GET", `/subjects/${F.submit().subjectId}`, { as: F.client })
      expect((access.json as { disclosures: Array<{ what: string }> }).disclosures.map((d) => d.what)).toContain("plan")
      for (const line of h.logLines) expect(line).not.toContain(words)
    })
  )
})
