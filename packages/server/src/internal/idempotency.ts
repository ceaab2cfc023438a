/**
 * Idempotency keys and the ids of a submission, scoped to the caller: the
 * key a client sends (`Idempotency-Key`) is combined with the caller's
 * organisation and id and hashed, so two users sending the same key never
 * collide, and a retried request names the same stored key (and, for a
 * submission without ids, the same referral and subject).
 */
import { type Actor, Ids } from "@lahete/core"
import { Effect } from "effect"

const hex = (bytes: ArrayBuffer): string =>
  Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("")

const digest = (actor: Actor.Actor, key: string): Effect.Effect<string> =>
  Effect.promise(async () =>
    hex(
      await globalThis.crypto.subtle.digest(
        "SHA-256",
        new TextEncoder().encode(`${actor.organisation}\u0000${actor.id}\u0000${key}`)
      )
    )
  )

/** The stored idempotency key for the caller's key. */
export const scopedKey = (actor: Actor.Actor, key: string): Effect.Effect<Ids.IdempotencyKey> =>
  Effect.map(digest(actor, key), (d) => Ids.IdempotencyKey.make(`http:${d}`))

/** The referral and subject ids of a submission that names none. */
export const submissionIds = (
  actor: Actor.Actor,
  key: string
): Effect.Effect<{ readonly referralId: Ids.ReferralId; readonly subjectId: Ids.SubjectId }> =>
  Effect.map(digest(actor, `submit\u0000${key}`), (d) => ({
    referralId: Ids.ReferralId.make(`ref-${d.slice(0, 32)}`),
    subjectId: Ids.SubjectId.make(`sub-${d.slice(32, 64)}`)
  }))
