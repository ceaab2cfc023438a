/**
 * The client's personal data, kept apart from the event history in a vault
 * keyed by the subject id (domain specification §8). Erasure deletes it from
 * the vault; the pseudonymous events stay for statistics.
 *
 * **What an erasure takes.** A subject's entry holds data shared by all of
 * the client's referrals (name, identity code, birth year, mobile number,
 * language) and notes per referral (reason text, closing feedback). Erasing
 * one referral (`EraseReferral`, what `ErasePersonalData` writes) removes
 * that referral's notes, and the shared data only when no other referral of
 * the client still has data in the vault. Erasure is accepted only once a
 * referral has ended, so an open referral always has its data there: an
 * erasure never takes what an open referral of the same client needs, and
 * the client's identity goes with the erasure of their last referral. The
 * decision is taken from the entry itself when the write is applied, inside
 * the append's transaction, so a referral submitted at the same moment
 * cannot lose its data.
 *
 * Commands carry personal data in; `vaultWrite(command)` says what a command
 * writes to the vault, in the same transaction as its events.
 *
 * @since 0.1.0
 */
import { Result, Schema } from "effect"
import { type ReferralId, SubjectId } from "./Ids.js"
import * as MobileNumber from "./MobileNumber.js"
import * as PersonalIdentityCode from "./PersonalIdentityCode.js"
import { Language } from "./Programme.js"
import type { ClientDetails, ReferralCommand } from "./ReferralCommand.js"

/**
 * What the vault holds about one referral of the subject.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ReferralNotes = Schema.Struct({
  reasonText: Schema.optionalKey(Schema.String),
  closingFeedback: Schema.optionalKey(Schema.String),
  /** What matters to the client, in their words (the plan, `RecordPlan`). */
  whatMatters: Schema.optionalKey(Schema.String)
})
/**
 * @since 0.1.0
 * @category models
 */
export type ReferralNotes = typeof ReferralNotes.Type

/**
 * What the vault holds about one subject.
 *
 * @since 0.1.0
 * @category schemas
 */
export const SubjectData = Schema.Struct({
  subjectId: SubjectId,
  givenName: Schema.String,
  familyName: Schema.String,
  personalIdentityCode: Schema.optionalKey(Schema.String),
  birthYear: Schema.optionalKey(Schema.Int),
  /** E.164. */
  mobileNumber: Schema.optionalKey(Schema.String),
  language: Language,
  referrals: Schema.Record(Schema.String, ReferralNotes)
})
/**
 * @since 0.1.0
 * @category models
 */
export type SubjectData = typeof SubjectData.Type

/**
 * What identifies the person a vault entry is about: the fields
 * `sameClient` reads (names, identity code, birth year), exactly as stored.
 *
 * @since 0.3.0
 * @category schemas
 */
export const SubjectIdentity = Schema.Struct({
  givenName: Schema.String,
  familyName: Schema.String,
  personalIdentityCode: Schema.optionalKey(Schema.String),
  birthYear: Schema.optionalKey(Schema.Int)
})
/**
 * @since 0.3.0
 * @category models
 */
export type SubjectIdentity = typeof SubjectIdentity.Type

/**
 * The identity of a vault entry (or of the subject data a write puts there):
 * its names, identity code and birth year, as stored, without its other
 * fields.
 *
 * @since 0.3.0
 * @category constructors
 */
export const identityOf = (subject: SubjectIdentity): SubjectIdentity => ({
  givenName: subject.givenName,
  familyName: subject.familyName,
  ...(subject.personalIdentityCode === undefined ? {} : { personalIdentityCode: subject.personalIdentityCode }),
  ...(subject.birthYear === undefined ? {} : { birthYear: subject.birthYear })
})

/**
 * Whether the vault's entry is still what a `PutSubject` write's
 * `expectedIdentity` says was checked: no entry for `null`; otherwise an
 * entry whose identity (`identityOf`) is exactly the expected one, character
 * for character (no normalisation: the guard proves that nothing changed,
 * `sameClient` decides whether it is the same person). A write without
 * `expectedIdentity` is unguarded (always `true`). Every store applies a
 * guarded write only when this holds, atomically with the write.
 *
 * @since 0.3.0
 * @category predicates
 */
export const identityHolds = (current: SubjectData | undefined, write: VaultWrite): boolean => {
  if (write._tag !== "PutSubject" || write.expectedIdentity === undefined) return true
  const expected = write.expectedIdentity
  if (expected === null || current === undefined) return expected === null && current === undefined
  return (
    current.givenName === expected.givenName &&
    current.familyName === expected.familyName &&
    current.personalIdentityCode === expected.personalIdentityCode &&
    current.birthYear === expected.birthYear
  )
}

/**
 * A change to the vault.
 *
 * - `PutSubject`: create or replace the subject's identity and contact data
 *   (keeps their referral notes). With `expectedIdentity` (what
 *   `ReferralService` read when it checked the submission with
 *   `sameClient`: `null` for no entry, else the entry's identity) it is
 *   applied only while the entry is still so (`identityHolds`); otherwise
 *   the store refuses the whole append with `SubjectChanged`, writing
 *   nothing, and the service checks again.
 * - `PutContact`: change the mobile number (`null` removes it) and language.
 * - `PutNotes`: set notes of one referral (fields given replace, others stay).
 * - `EraseReferral`: delete the notes of one referral, and the whole entry
 *   when no other referral of the subject has notes in it (see the module
 *   documentation). What `ErasePersonalData` writes.
 * - `Erase`: delete everything about the subject, whatever other referrals
 *   still need (for a controller's own tools; the service never writes it).
 *
 * @since 0.1.0
 * @category models
 */
export type VaultWrite =
  | {
      readonly _tag: "PutSubject"
      readonly subject: Omit<SubjectData, "referrals">
      readonly referralId: ReferralId
      readonly notes: ReferralNotes
      /** The guard: the entry's identity when checked (`null`: no entry); absent, unguarded. */
      readonly expectedIdentity?: SubjectIdentity | null | undefined
    }
  | {
      readonly _tag: "PutContact"
      readonly subjectId: SubjectId
      readonly mobileNumber: string | null
      readonly language?: typeof Language.Type
    }
  | {
      readonly _tag: "PutNotes"
      readonly subjectId: SubjectId
      readonly referralId: ReferralId
      readonly notes: ReferralNotes
    }
  | { readonly _tag: "EraseReferral"; readonly subjectId: SubjectId; readonly referralId: ReferralId }
  | { readonly _tag: "Erase"; readonly subjectId: SubjectId }

/**
 * Applies a write to the vault's entry for a subject (pure: the in-memory
 * store and tests use it; SQL stores do the same in SQL).
 *
 * @since 0.1.0
 * @category combinators
 */
export const apply = (current: SubjectData | undefined, write: VaultWrite): SubjectData | undefined => {
  switch (write._tag) {
    case "PutSubject":
      return {
        ...write.subject,
        referrals: {
          ...(current?.referrals ?? {}),
          [write.referralId]: { ...(current?.referrals[write.referralId] ?? {}), ...write.notes }
        }
      }
    case "PutContact": {
      if (current === undefined) return undefined
      const { mobileNumber: _, ...rest } = current
      return {
        ...rest,
        ...(write.mobileNumber === null ? {} : { mobileNumber: write.mobileNumber }),
        ...(write.language === undefined ? {} : { language: write.language })
      }
    }
    case "PutNotes":
      if (current === undefined) return undefined
      return {
        ...current,
        referrals: {
          ...current.referrals,
          [write.referralId]: { ...(current.referrals[write.referralId] ?? {}), ...write.notes }
        }
      }
    case "EraseReferral": {
      if (current === undefined) return undefined
      const { [write.referralId]: _, ...others } = current.referrals
      // the shared identity and contact data stay while another referral of the subject has data here
      return Object.keys(others).length === 0 ? undefined : { ...current, referrals: others }
    }
    case "Erase":
      return undefined
  }
}

/**
 * Whether the client of a submission is the person the vault already holds
 * under the subject id it names: the same identity code when both have one;
 * otherwise the same given and family name (case and surrounding spaces
 * aside) and, when both have one, the same birth year. A submission that
 * names an existing subject for another person is refused
 * (`ReferralService`), so it can never overwrite that person's identity and
 * contact data, which their own referrals' link workers read. The check is
 * made on the entry as read before the append; the submission's vault write
 * carries that entry's identity (`PutSubject.expectedIdentity`) and the
 * store applies it only while it still holds (`identityHolds`), so a
 * submission for another person checked at the same moment cannot slip in
 * between.
 *
 * @since 0.3.0
 * @category predicates
 */
export const sameClient = (stored: SubjectData, client: ClientDetails): boolean => {
  const given =
    client.personalIdentityCode === undefined ? undefined : PersonalIdentityCode.parse(client.personalIdentityCode)
  const code = given !== undefined && Result.isSuccess(given) ? given.success.code : undefined
  if (stored.personalIdentityCode !== undefined && code !== undefined) return stored.personalIdentityCode === code
  const name = (n: string) => n.normalize("NFC").trim().toLocaleLowerCase("fi")
  return (
    name(stored.givenName) === name(client.givenName) &&
    name(stored.familyName) === name(client.familyName) &&
    (stored.birthYear === undefined || client.birthYear === undefined || stored.birthYear === client.birthYear)
  )
}

/**
 * What an accepted command writes to the vault (nothing for most commands).
 * Call it only for commands `decide` accepted: values are normalised here
 * (identity code upper case, mobile number E.164) and were validated there.
 *
 * @since 0.1.0
 * @category constructors
 */
export const vaultWrite = (command: ReferralCommand, subjectId: SubjectId | undefined): VaultWrite | undefined => {
  switch (command._tag) {
    case "SubmitReferral": {
      const c = command.client
      const code = c.personalIdentityCode === undefined ? undefined : PersonalIdentityCode.parse(c.personalIdentityCode)
      const mobile = c.mobileNumber === undefined ? undefined : MobileNumber.parse(c.mobileNumber)
      return {
        _tag: "PutSubject",
        referralId: command.referralId,
        subject: {
          subjectId: command.subjectId,
          givenName: c.givenName,
          familyName: c.familyName,
          ...(code !== undefined && Result.isSuccess(code) ? { personalIdentityCode: code.success.code } : {}),
          ...(c.birthYear === undefined ? {} : { birthYear: c.birthYear }),
          ...(mobile !== undefined && Result.isSuccess(mobile) ? { mobileNumber: mobile.success } : {}),
          language: c.language
        },
        notes: { reasonText: command.reasonText }
      }
    }
    case "UpdateContactDetails": {
      if (subjectId === undefined) return undefined
      const mobile = command.mobileNumber === null ? null : MobileNumber.parse(command.mobileNumber)
      return {
        _tag: "PutContact",
        subjectId,
        mobileNumber: mobile === null ? null : Result.isSuccess(mobile) ? mobile.success : null,
        ...(command.language === undefined ? {} : { language: command.language })
      }
    }
    case "CloseReferral":
      return subjectId === undefined
        ? undefined
        : { _tag: "PutNotes", subjectId, referralId: command.referralId, notes: { closingFeedback: command.feedback } }
    case "ErasePersonalData":
      return subjectId === undefined ? undefined : { _tag: "EraseReferral", subjectId, referralId: command.referralId }
    case "RecordPlan":
      return subjectId === undefined
        ? undefined
        : { _tag: "PutNotes", subjectId, referralId: command.referralId, notes: { whatMatters: command.whatMatters } }
    default:
      return undefined
  }
}
