/**
 * Queries: the need-to-know views (`Views`) over the ports, with the audit
 * trail the privacy rules ask for. Each query
 *
 * 1. checks the actor's role, then reads the referral states it needs from
 *    the index (`ReferralIndex`): one page of them for a list, one referral
 *    for a single view (never every referral),
 * 2. checks the actor (`Views.needs`): a refusal is written to the audit log
 *    (`recordRefusal`) and returned as the typed `Forbidden`, before any
 *    personal data is loaded,
 * 3. loads only the vault entries the view shows, builds the view,
 * 4. writes every read of personal data to the usage log (`recordUsages`,
 *    the page's reads together: who, role, organisation, subject, referral,
 *    what, purpose) and every
 *    closing-feedback read by a referrer also to the disclosure log
 *    (`recordDisclosure`, legal basis: the client's consent, rule C3),
 * 5. returns the view only after the log entries are written: when the audit
 *    log fails, the query fails and the data is not returned.
 *
 * The time of the read comes from the `Clock` (C3 is checked at read time).
 * Errors carry codes and ids only.
 *
 * **Pages.** The lists (the coordinator's inbox, the caseload, the
 * referrer's overview, the referrals in subject access) return at most
 * `limit` entries (default `defaultPageSize`, at most `maxPageSize`) and a
 * `next` cursor while more follow; pass it back as `cursor`. The order is
 * by submission, oldest first. A cursor is opaque; a malformed one is
 * `ReferralIndex.InvalidCursor`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ReferralQueries } from "@lahete/core"
 *
 * const program = ReferralQueries.linkWorkerCaseload(actor)
 * // Effect<Views.Caseload & { next?: string }, QueryError, ReferralStore | ReferralIndex | AuditLog>
 * ```
 *
 * @since 0.1.0
 */
import { Clock, Effect, Result } from "effect"
import type { Actor } from "./Actor.js"
import { AuditLog, type AuditLogFailure, usageBy } from "./AuditLog.js"
import type { ActorId, ProgrammeId, ReferralId, SubjectId } from "./Ids.js"
import * as Instant from "./Instant.js"
import type * as Lifecycle from "./Lifecycle.js"
import * as Referral from "./Referral.js"
import type { Forbidden } from "./ReferralError.js"
import * as ReferralIndex from "./ReferralIndex.js"
import { ReferralStore, type ReferralStoreError } from "./ReferralStore.js"
import * as Views from "./Views.js"

/**
 * What a query can fail with.
 *
 * @since 0.1.0
 * @category errors
 */
export type QueryError = Forbidden | ReferralStoreError | ReferralIndex.InvalidCursor | AuditLogFailure

/**
 * What a query needs.
 *
 * @since 0.1.0
 * @category models
 */
export type Requirements = ReferralStore | ReferralIndex.ReferralIndex | AuditLog

/**
 * The page size of a list when none is asked for.
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultPageSize = 50

/**
 * The largest page a list returns.
 *
 * @since 0.2.0
 * @category constants
 */
export const maxPageSize = 200

/**
 * Which page of a list.
 *
 * @since 0.2.0
 * @category models
 */
export interface PageOptions {
  /** The `next` cursor of the previous page. */
  readonly cursor?: string | undefined
  /** How many entries at most (default `defaultPageSize`, clamped to 1..`maxPageSize`). */
  readonly limit?: number | undefined
}

/**
 * A page of a list: its entries and, while more follow, the cursor of the
 * next page.
 *
 * @since 0.2.0
 * @category models
 */
export interface Paged {
  readonly next?: string
}

const pageRequest = (options: PageOptions): ReferralIndex.PageRequest => ({
  limit: Math.min(maxPageSize, Math.max(1, Math.floor(options.limit ?? defaultPageSize) || defaultPageSize)),
  after: options.cursor
})

const nextOf = (page: ReferralIndex.Page<unknown>): Paged => (page.next === undefined ? {} : { next: page.next })

const now = Effect.map(Clock.currentTimeMillis, (ms) => Instant.make(ms))

const loadState = (referralId: ReferralId) =>
  Effect.gen(function* () {
    const store = yield* ReferralStore
    const stream = yield* store.load(referralId)
    return Referral.fold(stream.events)
  })

const findPage = (query: ReferralIndex.Query, options: PageOptions) =>
  Effect.gen(function* () {
    const index = yield* ReferralIndex.ReferralIndex
    return yield* index.find(query, pageRequest(options))
  })

/** The vault entries the view shows, in one read (`ReferralStore.subjects`). */
const loadSubjects = (subjectIds: ReadonlyArray<SubjectId>) =>
  Effect.gen(function* () {
    if (subjectIds.length === 0) return new Map() as Views.Subjects
    const store = yield* ReferralStore
    return (yield* store.subjects(subjectIds)) as Views.Subjects
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

/** Refuses before anything is read when the role check fails. */
const checkFirst = (actor: Actor, at: Instant.Instant, needed: Result.Result<unknown, Forbidden>) =>
  Result.isFailure(needed) ? refuse(actor, at, needed.failure) : Effect.void

const record = <A>(actor: Actor, at: Instant.Instant, viewed: Views.Viewed<A>) =>
  Effect.gen(function* () {
    const audit = yield* AuditLog
    yield* audit.recordUsages(viewed.reads.map((read) => usageBy(actor, at, read)))
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
 * What the coordinator's inbox shows. By default the referrals that have
 * not ended (what may still need action); `includeEnded` adds the ended
 * ones. The other filters narrow it further; programmes outside the
 * coordinator's scope are never shown, whatever is asked.
 *
 * @since 0.2.0
 * @category models
 */
export interface InboxOptions extends PageOptions {
  /** Only these programmes (within the scope). */
  readonly programmeIds?: ReadonlyArray<ProgrammeId> | undefined
  /** Only these statuses (ended ones only with `includeEnded`). */
  readonly statuses?: ReadonlyArray<Lifecycle.Status> | undefined
  /** Only the referrals assigned to this link worker. */
  readonly linkWorkerId?: ActorId | undefined
  /** Only the referrals with a deadline marker (warning or deadline) due at or before this instant. */
  readonly dueBy?: Instant.Instant | undefined
  /** Ended referrals too (default `false`). */
  readonly includeEnded?: boolean | undefined
}

/**
 * The coordinator's inbox page and the referral states it was built from
 * (pseudonymous: ids, codes and times), for an embedding view that derives
 * more from the same states (e.g. each referral's deadlines) without loading
 * them again.
 *
 * @since 0.2.0
 * @category queries
 */
export const coordinatorInboxPage = (
  actor: Actor,
  scope: Views.CoordinatorScope,
  options: InboxOptions = {}
): Effect.Effect<
  {
    readonly inbox: Views.CoordinatorInbox & Paged
    readonly states: ReadonlyMap<ReferralId, Referral.ReferralState>
  },
  QueryError,
  Requirements
> =>
  Effect.gen(function* () {
    const at = yield* now
    yield* checkFirst(actor, at, Views.needs.coordinatorInbox(actor, scope, []))
    const programmeIds =
      options.programmeIds === undefined
        ? scope.programmeIds
        : scope.programmeIds.filter((id) => options.programmeIds?.includes(id))
    const page = yield* findPage(
      {
        programmeIds,
        ...(options.statuses === undefined ? {} : { statuses: options.statuses }),
        ...(options.includeEnded === true ? {} : { ended: false }),
        ...(options.linkWorkerId === undefined ? {} : { linkWorkerId: options.linkWorkerId }),
        ...(options.dueBy === undefined ? {} : { dueBy: options.dueBy })
      },
      options
    )
    const index = yield* ReferralIndex.ReferralIndex
    const load = yield* index.linkWorkerLoad()
    const states = page.items
    const inbox = yield* run(actor, at, undefined, Views.needs.coordinatorInbox(actor, scope, states), (subjects) =>
      Views.coordinatorInbox(actor, scope, states, subjects, at, load)
    )
    const byId = new Map<ReferralId, Referral.ReferralState>()
    for (const s of states) if (s.referralId !== undefined) byId.set(s.referralId, s)
    return { inbox: { ...inbox, ...nextOf(page) }, states: byId }
  })

/**
 * The coordinator's inbox over the programmes they coordinate (`scope`, from
 * the embedding system's authorisation), a page at a time (see
 * `InboxOptions`), with the load of every link worker with active clients.
 * Logs a usage entry per referral whose client is shown.
 *
 * @since 0.1.0
 * @category queries
 */
export const coordinatorInbox = (
  actor: Actor,
  scope: Views.CoordinatorScope,
  options: InboxOptions = {}
): Effect.Effect<Views.CoordinatorInbox & Paged, QueryError, Requirements> =>
  Effect.map(coordinatorInboxPage(actor, scope, options), ({ inbox }) => inbox)

/**
 * The link worker's caseload (the referrals assigned to them that have not
 * ended), a page at a time. Logs a usage entry per referral whose client is
 * shown.
 *
 * @since 0.1.0
 * @category queries
 */
export const linkWorkerCaseload = (
  actor: Actor,
  options: PageOptions = {}
): Effect.Effect<Views.Caseload & Paged, QueryError, Requirements> =>
  Effect.gen(function* () {
    const at = yield* now
    yield* checkFirst(actor, at, Views.needs.linkWorkerCaseload(actor, []))
    const page = yield* findPage({ linkWorkerId: actor.id, ended: false }, options)
    const states = page.items
    const caseload = yield* run(actor, at, undefined, Views.needs.linkWorkerCaseload(actor, states), (subjects) =>
      Views.linkWorkerCaseload(actor, states, subjects, at)
    )
    return { ...caseload, ...nextOf(page) }
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
 * Options of the referrer's overview: a page, and optionally only the
 * referrals whose view changed (`lastUpdated`) at or after `changedSince`
 * (a transport's changes poll), found by index.
 *
 * @since 0.2.0
 * @category models
 */
export interface OverviewOptions extends PageOptions {
  readonly changedSince?: Instant.Instant | undefined
}

/**
 * The referrer's overview: the status of their own referrals (matched by
 * organisation as well as id), a page at a time; with `changedSince`, only
 * those whose `lastUpdated` is at or after it, read by index (a poll reads
 * the referrals that changed, not all of the referrer's). Reads no personal
 * data: nothing is logged unless the actor is refused.
 *
 * @since 0.1.0
 * @category queries
 */
export const referrerOverview = (
  actor: Actor,
  options: OverviewOptions = {}
): Effect.Effect<{ readonly entries: ReadonlyArray<Views.ReferralStatus> } & Paged, QueryError, Requirements> =>
  Effect.gen(function* () {
    const at = yield* now
    const needed = Views.needs.referrerOverview(actor)
    // refuse before loading anything
    yield* checkFirst(actor, at, needed)
    const referrer = { id: actor.id, organisation: actor.organisation }
    const page = yield* findPage(
      options.changedSince === undefined
        ? { referrer }
        : { referrer, changedSince: { since: options.changedSince, at } },
      options
    )
    const entries = yield* run(actor, at, undefined, needed, () => Views.referrerOverview(actor, page.items, at))
    return { entries, ...nextOf(page) }
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
 * entry, their referrals (a page at a time), and who read their data and to
 * whom it was disclosed. The access itself is logged as a usage after the
 * view is built.
 *
 * @since 0.1.0
 * @category queries
 */
export const subjectAccess = (
  actor: Actor,
  subjectId: SubjectId,
  options: PageOptions = {}
): Effect.Effect<Views.SubjectAccess & Paged, QueryError, Requirements> =>
  Effect.gen(function* () {
    const at = yield* now
    const needed = Views.needs.subjectAccess(actor, subjectId)
    yield* checkFirst(actor, at, needed)
    const page = yield* findPage({ subjectId }, options)
    const audit = yield* AuditLog
    const log = yield* audit.forSubject(subjectId)
    const access = yield* run(actor, at, undefined, needed, (subjects) =>
      Views.subjectAccess(actor, subjectId, page.items, subjects.get(subjectId), log)
    )
    return { ...access, ...nextOf(page) }
  })
