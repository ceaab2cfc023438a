/**
 * Referrals decided in memory, for view tests: commands of several
 * referrals run through the fixture decider, with the vault kept as the
 * store keeps it, and a fixture story moved onto a named referral.
 */
import { Ids, PersonalData, Referral, type ReferralCommand, type Views } from "@lahete/core"
import { Fixtures } from "@lahete/testing"
import { Result, Schema } from "effect"

type Cmd = ReferralCommand.ReferralCommand

const rid = Schema.decodeSync(Ids.ReferralId)
const sid = Schema.decodeSync(Ids.SubjectId)

/** The commands moved onto another referral (and, for the submission, another subject); keys unchanged. */
export const on = (referralId: string, subjectId: string, commands: ReadonlyArray<Cmd>): ReadonlyArray<Cmd> =>
  commands.map((c) =>
    c._tag === "SubmitReferral"
      ? { ...c, referralId: rid(referralId), subjectId: sid(subjectId) }
      : ({ ...c, referralId: rid(referralId) } as Cmd)
  )

/** Runs commands of several referrals through the decider; returns the states (in first-command order) and the vault. */
export const world = (commands: ReadonlyArray<Cmd>) => {
  const states = new Map<string, Referral.ReferralState>()
  const vault = new Map<string, PersonalData.SubjectData>()
  for (const c of commands) {
    const before = states.get(c.referralId) ?? Referral.initialState
    const decided = Fixtures.decider.decide(c, before)
    if (Result.isFailure(decided)) throw new Error(`${c._tag} on ${c.referralId} refused: ${decided.failure.message}`)
    states.set(c.referralId, Referral.fold(decided.success, before))
    const write = PersonalData.vaultWrite(c, before.subjectId)
    if (write !== undefined) {
      const id = write._tag === "PutSubject" ? write.subject.subjectId : write.subjectId
      const next = PersonalData.apply(vault.get(id), write)
      if (next === undefined) vault.delete(id)
      else vault.set(id, next)
    }
  }
  return { states: [...states.values()], subjects: vault as Views.Subjects }
}
