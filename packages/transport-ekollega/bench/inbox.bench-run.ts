/**
 * The eKollega-style inbox's benchmark (`pnpm bench` in this package, or the
 * root `pnpm bench`; run by `scripts/bench-kit/run.mjs`): requests per
 * second through the inbox's routes as an in-process fetch handler
 * (`HttpRouter.toWebHandler`, the routes the Node server serves, no
 * sockets) over the in-memory services (`test/support`), one request at a
 * time, each with a signed token (ES256) the inbox verifies:
 *
 * 1. deliveries of new referral messages (`201 Created`);
 * 2. the same messages again (`200 OK`, `duplicate: true`);
 * 3. status reads of the delivered referrals (`GET /v1/referrals/{id}`).
 *
 * Nothing is asserted about speed; every answer must have its expected
 * status.
 */
import { ReferralTransportTest } from "@lahete/testing"
import { EkollegaMessage } from "@lahete/transport-ekollega"
import { Effect, Schema } from "effect"
import { it } from "vitest"
import { pick, progress, report, requests } from "../../../scripts/bench-kit/measure.js"
import { inbox, request, tokenFor } from "../test/support/inbox.js"

const settings = pick({ quick: { warmup: 50, count: 300 }, full: { warmup: 200, count: 3_000 } })
const { referrer } = ReferralTransportTest.senders
const path = EkollegaMessage.referralsPath
const decodeReceipt = Schema.decodeUnknownSync(EkollegaMessage.Receipt)

it("benchmark", async () => {
  await Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const { fetch } = yield* inbox()
        // tokens live 60 seconds: a new one for each phase
        const token = () => Effect.runPromise(tokenFor(referrer))
        const delivered: Array<string> = []
        const post = (messageId: string, bearer: string) =>
          fetch(request("POST", path, { token: bearer, json: ReferralTransportTest.message(messageId) }))
        yield* Effect.promise(async () => {
          progress("new deliveries…")
          let bearer = await token()
          await requests("deliver a new referral (POST, 201)", { ...settings, expected: 201 }, async (i) => {
            const response = await post(`bench-${i}`, bearer)
            const receipt = decodeReceipt(await response.json())
            delivered.push(receipt.referralId)
            return response.status
          })
          progress("duplicate deliveries…")
          bearer = await token()
          await requests(
            "deliver the same message again (POST, 200 duplicate)",
            { ...settings, expected: 200 },
            async (i) => {
              const response = await post(`bench-${i % delivered.length}`, bearer)
              await response.text()
              return response.status
            }
          )
          progress("status reads…")
          bearer = await token()
          await requests("read a referral's status (GET, 200)", { ...settings, expected: 200 }, async (i) => {
            const id = delivered[i % delivered.length] ?? ""
            const response = await fetch(request("GET", `${path}/${id}`, { token: bearer }))
            await response.text()
            return response.status
          })
        })
      })
    )
  )
  process.stdout.write(report([`${settings.count} timed requests per row after ${settings.warmup} untimed ones`]))
})
