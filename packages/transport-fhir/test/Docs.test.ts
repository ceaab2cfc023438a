/**
 * Keeps docs/transport-fhir.md equal to the code: the worked example's
 * Bundle, transaction response, Tasks, search and OperationOutcome, and the
 * state table, are rendered here from the adapter's own functions (over the
 * fixture referral at fixed times) and compared with the blocks between
 * `<!-- generated:NAME:start -->` and `<!-- generated:NAME:end -->` (JSON
 * blocks by value: the formatter lays them out). Run with `UPDATE_DOCS=1` to
 * rewrite them, then format the page with biome:
 *
 *   UPDATE_DOCS=1 node_modules/.bin/node node_modules/vitest/vitest.mjs run packages/transport-fhir/test/Docs.test.ts
 *
 * The example Bundle is also read back by the server's mapping, so the page
 * never shows a Bundle the server would refuse.
 */
import { describe, expect, it } from "@effect/vitest"
import {
  Instant,
  Lifecycle,
  type PersonalData,
  type Referral,
  type ReferralCommand,
  ReferralTransport,
  Views
} from "@lahete/core"
import { DocBlocks, Fixtures } from "@lahete/testing"
import { FhirCodes, FhirOutcome, FhirReferral, FhirServer, FhirTask } from "@lahete/transport-fhir"
import { Effect, Result } from "effect"

const page = new URL("../../../docs/transport-fhir.md", import.meta.url)
const sync = (blocks: Readonly<Record<string, string>>) => DocBlocks.syncBlocks(page, blocks)

const jsonBlock = (value: unknown) => ["```json", JSON.stringify(value, null, 2), "```"].join("\n")

const table = DocBlocks.table

const messageId = "nurse-1-2026-0001"
const base = "https://lahete.example.fi/fhir"
let uuid = 0
const uuids = () => `9b1c2e40-0000-4000-8000-${String(++uuid).padStart(12, "0")}`

describe("docs/transport-fhir.md", () => {
  it.effect("the worked example and the state table are the code's", () =>
    Effect.gen(function* () {
      const { referralId, subjectId } = yield* ReferralTransport.identify(Fixtures.referrer.organisation, messageId)
      const { _tag, referralId: _r, idempotencyKey, actor, at, subjectId: _s, ...message } = Fixtures.submit()
      const inbound: ReferralTransport.InboundReferral = { messageId, ...message }

      // the Bundle the referrer's system sends, and what the server reads from it
      const bundle = FhirReferral.toBundle(inbound, Fixtures.referrer, { newUuid: uuids })
      const read = FhirReferral.fromBundle(JSON.parse(JSON.stringify(bundle)), Fixtures.referrer)
      expect(Result.isSuccess(read) && read.success).toEqual(inbound)

      // the referral as it progresses (fixture times), with this id
      const on = <C extends ReferralCommand.ReferralCommand>(c: C): C => ({ ...c, referralId, subjectId })
      const granted = Fixtures.recordConsent("feedback-to-referrer", "granted", { at: Fixtures.at(30) })
      const story = {
        submitted: [Fixtures.submit()],
        scheduled: [Fixtures.submit(), Fixtures.assign(), Fixtures.scheduleCall()],
        closed: [
          Fixtures.submit(),
          Fixtures.assign(),
          Fixtures.scheduleCall(),
          Fixtures.firstContact(),
          granted,
          Fixtures.close()
        ],
        rejected: [Fixtures.submit(), Fixtures.reject()]
      }
      const subject: PersonalData.SubjectData = {
        subjectId,
        givenName: "Aino",
        familyName: "Testinen",
        language: "fi",
        referrals: { [referralId]: { closingFeedback: Fixtures.close().feedback } }
      }
      const taskOf = (commands: ReadonlyArray<ReferralCommand.ReferralCommand>, readAt: Instant.Instant) => {
        const { state } = Fixtures.history(commands.map(on))
        const viewed = Views.referralStatus(
          Fixtures.referrer,
          state as Referral.ReferralState,
          new Map([[subjectId, subject]]),
          readAt
        )
        if (Result.isFailure(viewed)) throw new Error("refused")
        return FhirTask.toTask(viewed.success.view, { requester: Fixtures.referrer.id, holdReason: state.holdReason })
      }
      const submitted = taskOf(story.submitted, Fixtures.t0)
      const response = FhirReferral.transactionResponse(bundle, submitted, false)
      const scheduled = taskOf(story.scheduled, Fixtures.at(5))
      const closed = taskOf(story.closed, Fixtures.at(24 * 121))
      const rejected = taskOf(story.rejected, Fixtures.at(3))
      const serviceRequest = FhirTask.toServiceRequest(
        (() => {
          const { state } = Fixtures.history(story.scheduled.map(on))
          const viewed = Views.referralStatus(
            Fixtures.referrer,
            state as Referral.ReferralState,
            new Map([[subjectId, subject]]),
            Fixtures.at(5)
          )
          if (Result.isFailure(viewed)) throw new Error("refused")
          return viewed.success.view
        })(),
        Fixtures.referrer.id
      )
      const cancel = {
        resourceType: "Task",
        id: referralId,
        status: "cancelled",
        statusReason: { coding: [{ system: FhirCodes.endReason, code: "no-longer-needed" }] },
        intent: "order"
      }
      expect(Result.isSuccess(FhirTask.cancellationOf(cancel, referralId))).toBe(true)
      const since = Fixtures.at(1)
      const search = FhirTask.searchset(
        [scheduled],
        base,
        `${base}/Task?status=accepted,in-progress&_lastUpdated=ge${since}`
      )
      const outcome = FhirOutcome.fromRefusal(
        ReferralTransport.refuse("malformed", "the Bundle is not a valid referral", [
          {
            path: "Bundle.entry[2].resource.communication",
            reason: "expected the client's language as a BCP 47 code"
          }
        ])
      )

      const reasonOf = (s: (typeof Lifecycle.states)[number]): string =>
        s === "Rejected" || s === "Cancelled"
          ? "the reason (`end-reason`)"
          : s === "Withdrawn"
            ? "`consent-withdrawn` (`end-reason`)"
            : s === "OnHold"
              ? "the hold reason (`hold-reason`)"
              : s === "Declined"
                ? "`client-declined` (`status-reason`)"
                : s === "Unreachable"
                  ? "`contact-attempts-exhausted` (`status-reason`)"
                  : ""
      const states = table(
        ["lahete state", "Task `status`", "`businessStatus` code", "`statusReason`"],
        Lifecycle.states.map((s) => [
          s,
          `\`${Lifecycle.fhirTaskStatus[s].status}\``,
          `\`${FhirCodes.stateCodes[s]}\``,
          reasonOf(s)
        ])
      )

      sync({
        states,
        bundle: jsonBlock(bundle),
        response: jsonBlock(response),
        scheduled: jsonBlock(scheduled),
        closed: jsonBlock(closed),
        rejected: jsonBlock(rejected),
        servicerequest: jsonBlock(serviceRequest),
        cancel: jsonBlock(cancel),
        search: jsonBlock(search),
        outcome: jsonBlock(outcome),
        limits: [
          `- body: at most ${FhirServer.defaultMaxBodyBytes / 1024} KiB (\`maxBodyBytes\`), checked from \`Content-Length\` and while reading;`,
          `- JSON nesting: at most ${FhirServer.defaultMaxDepth} levels (\`maxDepth\`);`
        ].join("\n")
      })
      // the times shown are the fixture's
      expect(scheduled.lastModified).toBe(Fixtures.at(4))
      expect(Instant.isInstant(closed.lastModified ?? "")).toBe(true)
    })
  )
})
