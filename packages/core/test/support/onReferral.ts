/**
 * A story moved onto the `n`-th referral: the same commands under referral
 * `referral-n`, subject `subject-n` and keys prefixed with `n`, so one
 * fixture story can fill a store with many referrals.
 */
import { Ids, type ReferralCommand } from "@lahete/core"
import { Schema } from "effect"

type Cmd = ReferralCommand.ReferralCommand

const rid = Schema.decodeSync(Ids.ReferralId)
const sid = Schema.decodeSync(Ids.SubjectId)
const key = Schema.decodeSync(Ids.IdempotencyKey)

export const on = (n: number, commands: ReadonlyArray<Cmd>): ReadonlyArray<Cmd> =>
  commands.map(
    (c): Cmd =>
      ({
        ...c,
        referralId: rid(`referral-${n}`),
        idempotencyKey: key(`${n}-${c.idempotencyKey}`),
        ...(c._tag === "SubmitReferral" ? { subjectId: sid(`subject-${n}`) } : {})
      }) as Cmd
  )
