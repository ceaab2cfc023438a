/**
 * Role checks the core does not make itself (the registry, the evaluation
 * report, an assignment before its registry lookup, a command's role before
 * its body is read): a refusal is written to the audit log's refusal log, as
 * the core does for its own, and answered with 403.
 *
 * And the answer for a referral that does not exist, which must not tell a
 * caller who could not act on someone else's referral anything they would
 * not learn from one that exists (`unknownReferral`).
 */
import { type Actor, type AuditLog, type Ids, Instant, type ReferralError } from "@lahete/core"
import { Clock, Effect } from "effect"
import * as ApiError from "../ApiError.js"

/** Refuses the actor: logs the attempt, fails with `Forbidden`. */
export const refuse = (
  audit: AuditLog.Shape,
  actor: Actor.Actor,
  action: string,
  reason: ReferralError.Forbidden["reason"],
  referralId?: Ids.ReferralId
): Effect.Effect<never, ApiError.Forbidden | ApiError.ServiceUnavailable> =>
  Effect.gen(function* () {
    const at = Instant.make(yield* Clock.currentTimeMillis)
    yield* Effect.mapError(
      audit.recordRefusal({
        at,
        actorId: actor.id,
        role: actor.role,
        organisation: actor.organisation,
        ...(referralId === undefined ? {} : { referralId }),
        action,
        reason
      }),
      ApiError.fromFailure
    )
    return yield* Effect.fail(
      new ApiError.Forbidden({
        message: `${actor.role} may not ${action}: ${reason}`,
        role: actor.role,
        action,
        reason
      })
    )
  })

/** Passes when the actor has one of the roles; refuses (and logs) otherwise. */
export const requireRole = (
  audit: AuditLog.Shape,
  actor: Actor.Actor,
  roles: ReadonlyArray<Actor.Role>,
  action: string,
  referralId?: Ids.ReferralId
): Effect.Effect<void, ApiError.Forbidden | ApiError.ServiceUnavailable> =>
  roles.includes(actor.role) ? Effect.void : refuse(audit, actor, action, "role", referralId)

/**
 * The answer to a command on a referral that does not exist. A caller whose
 * access depends on the referral (a referrer: their own; a link worker: the
 * one assigned; a client: their own; a coordinator limited to programmes:
 * one of those) gets exactly the refusal they would get for an existing
 * referral that is not theirs, logged the same way: so a 403 says nothing
 * about whether the id exists. Only a caller who may act on any referral
 * (a coordinator of every programme, the system) learns that it does not
 * exist (404).
 */
export const unknownReferral = (
  audit: AuditLog.Shape,
  actor: Actor.Actor,
  action: string,
  referralId: Ids.ReferralId
): Effect.Effect<never, ApiError.Forbidden | ApiError.NotFound | ApiError.ServiceUnavailable> => {
  const reason: ReferralError.Forbidden["reason"] | undefined =
    actor.role === "Referrer"
      ? "not-own-referral"
      : actor.role === "LinkWorker"
        ? "not-assigned"
        : actor.role === "Client"
          ? "not-subject"
          : actor.role === "Coordinator" && actor.programmes !== undefined
            ? "outside-programme"
            : undefined
  return reason === undefined
    ? Effect.fail(
        new ApiError.NotFound({ message: "the referral does not exist", resource: "referral", id: referralId })
      )
    : refuse(audit, actor, action, reason, referralId)
}

/** Passes when the programme is among the actor's programmes (or they have no such limit). */
export const requireProgramme = (
  audit: AuditLog.Shape,
  actor: Actor.Actor,
  programmeId: Ids.ProgrammeId,
  action: string
): Effect.Effect<void, ApiError.Forbidden | ApiError.ServiceUnavailable> =>
  actor.programmes === undefined || actor.programmes.includes(programmeId)
    ? Effect.void
    : refuse(audit, actor, action, "outside-programme")
