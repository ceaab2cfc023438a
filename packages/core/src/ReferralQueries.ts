/**
 * Queries: the need-to-know views (`Views`) over the ports, with the audit
 * trail the privacy rules ask for. Each query
 *
 * 1. loads the referral states it needs (pseudonymous event history),
 * 2. checks the actor (`Views.needs`): a refusal is written to the audit log
 *    (`recordRefusal`) and returned as the typed `Forbidden`, before any
 *    personal data is loaded,
 * 3. loads only the vault entries the view shows, builds the view,
 * 4. writes every read of personal data to the usage log (`recordUsage`:
 *    who, role, organisation, subject, referral, what, purpose) and every
 *    closing-feedback read by a referrer also to the disclosure log
 *    (`recordDisclosure`, legal basis: the client's consent, rule C3),
 * 5. returns the view only after the log entries are written: when the audit
 *    log fails, the query fails and the data is not returned.
 *
 * The time of the read comes from the `Clock` (C3 is checked at read time).
 * Errors carry codes and ids only.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ReferralQueries } from "@lahete/core"
 *
 * const program = ReferralQueries.linkWorkerCaseload(actor)
 * // Effect<Views.Caseload, QueryError, ReferralStore | AuditLog>
 * ```
 *
 * @since 0.1.0
 */
import { Clock, Effect, Option, Result } from "effect"
import type { Actor } from "./Actor.js"
import { AuditLog, type AuditLogFailure } from "./AuditLog.js"
import type { ReferralId, SubjectId } from "./Ids.js"
import * as Instant from "./Instant.js"
import type { SubjectData } from "./PersonalData.js"
import * as Referral from "./Referral.js"
import type { Forbidden } from "./ReferralError.js"
import { ReferralStore, type ReferralStoreError } from "./ReferralStore.js"
import * as Views from "./Views.js"

/**
 * What a query can fail with.
 *
 * @since 0.1.0
 * @category errors
 */
export type QueryError = Forbidden | ReferralStoreError | AuditLogFailure

/**
 * What a query needs.
 *
 * @since 0.1.0
 * @category models
 */
export type Requirements = ReferralStore | AuditLog

const now = Effect.map(Clock.currentTimeMillis, (ms) => Instant.make(ms))

const loadState = (referralId: ReferralId) =>
  Effect.gen(function* () {
    const store = yield* ReferralStore
    const stream = yield* store.load(referralId)
    return Referral.fold(stream.events)
  })

const loadAll = Effect.gen(function* () {
  const store = yield* ReferralStore
  const ids = yield* store.referralIds()
  return yield* Effect.forEach(ids, loadState)
})

const loadSubjects = (subjectIds: ReadonlyArray<SubjectId>) =>
  Effect.gen(function* () {
    const store = yield* ReferralStore
    const subjects = new Map<string, SubjectData>()
    for (const id of subjectIds) {
      const found = yield* store.subject(id)
      if (Option.isSome(found)) subjects.set(id, found.value)
    }
    return subjects as Views.Subjects
  })

const refuse = (actor: Actor, at: Instant.Instant, error: Forbidden, referralId?: ReferralId) =>
  Effect.gen(function* () {
    const audit = yield* AuditLog
    yield* audit.recordRefusal({
      at,
      actorId: actor.id,
      role: actor.role,
      organisation: actor.organisation,
      ...(referralId === undefined ? {} : { referralId }),
      action: error.action,
      reason: error.reason
    })
    return yield* Effect.fail(error)
  })

const record = <A>(actor: Actor, at: Instant.Instant, viewed: Views.Viewed<A>) =>
  Effect.gen(function* () {
    const audit = yield* AuditLog
    for (const read of viewed.reads) {
      yield* audit.recordUsage({
        at,
        actorId: actor.id,
        role: actor.role,
        organisation: actor.organisation,
        subjectId: read.subjectId,
        ...(read.referralId === undefined ? {} : { referralId: read.referralId }),
        what: read.what,
        purpose: read.purpose
      })
    }
    for (const d of viewed.disclosures) {
      yield* audit.recordDisclosure({ at, ...d })
    }
    return viewed.view
  })

/**
 * The common steps: check (`needs`), log a refusal, load the vault entries
 * the view shows, build, log the reads.
 */
const run = <A>(
  actor: Actor,
  at: Instant.Instant,
  referralId: ReferralId | undefined,
  needed: Result.Result<ReadonlyArray<SubjectId>, Forbidden>,
  build: (subjects: Views.Subjects) => Result.Result<Views.Viewed<A>, Forbidden>
): Effect.Effect<A, QueryError, Requirements> =>
  Effect.gen(function* () {
    if (Result.isFailure(needed)) return yield* refuse(actor, at, needed.failure, referralId)
    const subjects = yield* loadSubjects(needed.success)
    const viewed = build(subjects)
    if (Result.isFailure(viewed)) return yield* refuse(actor, at, viewed.failure, referralId)
    return yield* record(actor, at, viewed.success)
  })

/**
 * The coordinator's inbox over the programmes they coordinate (`scope`, from
 * the embedding system's authorisation). Logs a usage entry per referral
 * whose client is shown.
 *
 * @since 0.1.0
 * @category queries
 */
export const coordinatorInbox = (
  actor: Actor,
  scope: Views.CoordinatorScope
): Effect.Effect<Views.CoordinatorInbox, QueryError, Requirements> =>
  Effect.gen(function* () {
    const at = yield* now
    const states = yield* loadAll
    return yield* run(actor, at, undefined, Views.needs.coordinatorInbox(actor, scope, states), (subjects) =>
      Views.coordinatorInbox(actor, scope, states, subjects, at)
    )
  })

/**
 * The link worker's caseload. Logs a usage entry per referral whose client
 * is shown.
 *
 * @since 0.1.0
 * @category queries
 */
export const linkWorkerCaseload = (actor: Actor): Effect.Effect<Views.Caseload, QueryError, Requirements> =>
  Effect.gen(function* () {
    const at = yield* now
    const states = yield* loadAll
    return yield* run(actor, at, undefined, Views.needs.linkWorkerCaseload(actor, states), (subjects) =>
      Views.linkWorkerCaseload(actor, states, subjects, at)
    )
  })

/**
 * One referral for its assigned link worker; anyone else is refused (and the
 * attempt logged).
 *
 * @since 0.1.0
 * @category queries
 */
export const linkWorkerReferral = (
  actor: Actor,
  referralId: ReferralId
): Effect.Effect<Views.CaseloadEntry, QueryError, Requirements> =>
  Effect.gen(function* () {
    const at = yield* now
    const state = yield* loadState(referralId)
    return yield* run(actor, at, referralId, Views.needs.linkWorkerReferral(actor, state), (subjects) =>
      Views.linkWorkerReferral(actor, state, subjects, at)
    )
  })

/**
 * The status of the referrer's own referrals (no personal data: nothing is
 * logged unless the actor is refused).
 *
 * @since 0.1.0
 * @category queries
 */
export const referrerOverview = (
  actor: Actor
): Effect.Effect<ReadonlyArray<Views.ReferralStatus>, QueryError, Requirements> =>
  Effect.gen(function* () {
    const at = yield* now
    const needed = Views.needs.referrerOverview(actor)
    // refuse before loading anything
    if (Result.isFailure(needed)) return yield* refuse(actor, at, needed.failure)
    const states = yield* loadAll
    return yield* run(actor, at, undefined, needed, () => Views.referrerOverview(actor, states, at))
  })

/**
 * One referral's status for its referrer, with the closing feedback when
 * rule C3 holds now; reading the feedback is logged as a usage and as a
 * disclosure. Another referrer is refused (and the attempt logged).
 *
 * @since 0.1.0
 * @category queries
 */
export const referralStatus = (
  actor: Actor,
  referralId: ReferralId
): Effect.Effect<Views.ReferralStatus, QueryError, Requirements> =>
  Effect.gen(function* () {
    const at = yield* now
    const state = yield* loadState(referralId)
    return yield* run(actor, at, referralId, Views.needs.referralStatus(actor, state, at), (subjects) =>
      Views.referralStatus(actor, state, subjects, at)
    )
  })

/**
 * Subject access for the client `subjectId` (only that client): their vault
 * entry, their referrals, and who read their data and to whom it was
 * disclosed. The access itself is logged as a usage after the view is built.
 *
 * @since 0.1.0
 * @category queries
 */
export const subjectAccess = (
  actor: Actor,
  subjectId: SubjectId
): Effect.Effect<Views.SubjectAccess, QueryError, Requirements> =>
  Effect.gen(function* () {
    const at = yield* now
    const needed = Views.needs.subjectAccess(actor, subjectId)
    if (Result.isFailure(needed)) return yield* refuse(actor, at, needed.failure)
    const states = yield* loadAll
    const audit = yield* AuditLog
    const log = yield* audit.forSubject(subjectId)
    return yield* run(actor, at, undefined, needed, (subjects) =>
      Views.subjectAccess(actor, subjectId, states, subjects.get(subjectId), log)
    )
  })
