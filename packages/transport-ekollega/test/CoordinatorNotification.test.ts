/**
 * The coordinator learns that a referral has arrived without personal data:
 * with the SQL store, a delivery through the inbox enqueues one
 * `coordinator-notification` in the outbox, in the same transaction as the
 * referral, carrying ids and times only.
 */
import { describe, expect, it } from "@effect/vitest"
import { ReferralTransport } from "@lahete/core"
import { SqlOutbox } from "@lahete/store-sql"
import { Fixtures, ReferralTransportTest } from "@lahete/testing"
import { Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { overHttp, sqliteServices } from "./support/layers.js"

const submission = Fixtures.submit()
/** Every piece of the client's personal data in the message, in the forms it may take. */
const personal = [
  submission.client.givenName,
  submission.client.familyName,
  submission.client.personalIdentityCode ?? "",
  "010594", // the identity code's date part
  "+358401234567",
  "358401234567",
  "0401234567",
  "040 123 4567",
  submission.reasonText,
  "walks"
]

describe("coordinator notification (SQLite store)", () => {
  it.live("a delivery enqueues one coordinator notification with no personal data; a repeat enqueues none", () =>
    Effect.gen(function* () {
      const transport = yield* ReferralTransport.ReferralTransport
      const sql = yield* SqlClient.SqlClient
      const receipt = yield* transport.deliver(
        ReferralTransportTest.senders.referrer,
        ReferralTransportTest.message("m-n")
      )

      const due = yield* SqlOutbox.pending({ now: "9999-12-31T23:59:59.999Z", limit: 100 })
      expect(due).toHaveLength(1)
      const [entry] = due
      expect(entry?.kind).toBe("coordinator-notification")
      expect(entry?.referralId).toBe(receipt.referralId)
      expect(entry?.payload).toEqual({
        kind: "coordinator-notification",
        referralId: receipt.referralId,
        programmeId: Fixtures.programme.id,
        programmeVersion: Fixtures.programme.version,
        submittedAt: receipt.receivedAt
      })

      // the stored row, every column as text, holds none of the client's personal data
      const rows = yield* sql.unsafe<Record<string, unknown>>("SELECT * FROM outbox")
      expect(rows).toHaveLength(1)
      const stored = JSON.stringify(rows).toLowerCase()
      for (const p of personal) expect(stored).not.toContain(p.toLowerCase())
      // while the vault does hold them (so the check above is looking at the right data)
      const vault = JSON.stringify(yield* sql.unsafe<Record<string, unknown>>("SELECT * FROM subjects"))
      expect(vault).toContain(submission.client.familyName)

      // a repeat, and a concurrent burst of repeats, enqueue nothing more
      yield* Effect.all(
        Array.from({ length: 4 }, () =>
          transport.deliver(ReferralTransportTest.senders.referrer, ReferralTransportTest.message("m-n"))
        ),
        { concurrency: "unbounded" }
      )
      expect(yield* sql.unsafe("SELECT id FROM outbox")).toHaveLength(1)
      // a second referral is a second notification
      yield* transport.deliver(ReferralTransportTest.senders.referrer, ReferralTransportTest.message("m-n2"))
      expect(yield* SqlOutbox.pending({ now: "9999-12-31T23:59:59.999Z", limit: 100 })).toHaveLength(2)
    }).pipe(Effect.provide(overHttp(sqliteServices)))
  )
})
