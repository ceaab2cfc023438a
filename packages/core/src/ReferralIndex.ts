/**
 * The `ReferralIndex` port: the read side. It answers, by index and a page
 * at a time, what the views, the service and the worker ask of the store:
 * referrals by programme and status, by link worker, by referrer, by
 * subject, by submission period; a link worker's active clients; the
 * referrals with a deadline marker due; and the event histories of a page of
 * referrals (for the evaluation report).
 *
 * **Why a port of its own.** `ReferralStore` is the write side: one stream
 * loaded, one append with an expected version. Reading many referrals by
 * folding every stream makes every request cost as much as the whole store.
 * The index is a projection the store keeps in the same transaction as the
 * events (one row per referral: its folded state and the columns searched
 * by), so every answer costs what it returns, never the size of the store.
 * The two are separate services because they are separate concerns (an
 * adapter may serve reads from a replica), but every adapter provides both
 * from one layer: `ReferralStoreMemory.layer` here, `SqlReferralStore.layer`
 * in `@lahete/store-sql`. The fold of every stream stays the test oracle
 * (`ReferralIndexTest.suite` in `@lahete/testing` checks every answer
 * against it), never the production path.
 *
 * **Pages.** `find` and `due` return at most `limit` items (1 to
 * `maxPageSize`) and an opaque `next` cursor while more may follow; pass it
 * back as `after` to continue. Pages are keyset-paginated on a total order
 * (`find`: submission time, then referral id; `due`: the next deadline, then
 * referral id), so following the cursors visits every matching referral that
 * existed throughout exactly once, even while others are added.
 *
 * **Deadlines.** Each referral carries the instant its next deadline marker
 * falls due (`Deadlines.nextDueAt`), computed by `ReferralService` from the
 * state and the programme and handed to the store with the append
 * (`AppendRequest.nextDueAt`). A referral appended without it (an append
 * made outside the service, or a row written before the index had the
 * column) counts as due at once: the scheduler then computes it and
 * `refreshDue` stores it, so no deadline is ever missed.
 *
 * @example
 * ```ts
 * import { ReferralIndex } from "@lahete/core"
 * import { Effect } from "effect"
 *
 * // the first page of a link worker's open referrals
 * const page = Effect.gen(function* () {
 *   const index = yield* ReferralIndex.ReferralIndex
 *   return yield* index.find({ linkWorkerId, ended: false }, { limit: 50 })
 * })
 * ```
 *
 * @since 0.2.0
 */
import { Context, type Effect, Result, Schema } from "effect"
import type { ActorId, OrganisationId, ProgrammeId, ReferralId, SubjectId } from "./Ids.js"
import type { Instant } from "./Instant.js"
import * as Base64url from "./internal/base64url.js"
import type * as Lifecycle from "./Lifecycle.js"
import type { ReferralState } from "./Referral.js"
import type { ReferralEvent } from "./ReferralEvent.js"
import type { StoreFailure, Stream } from "./ReferralStore.js"

/**
 * A cursor that is not one this index issued (malformed, or for another
 * kind of page). Nothing was read.
 *
 * @since 0.2.0
 * @category errors
 */
export class InvalidCursor extends Schema.TaggedError<InvalidCursor>()("InvalidCursor", {}) {
  override get message(): string {
    return "the page cursor is not valid"
  }
}

/**
 * The port's error type.
 *
 * @since 0.2.0
 * @category errors
 */
export type ReferralIndexError = StoreFailure | InvalidCursor

/**
 * The largest page any index method returns.
 *
 * @since 0.2.0
 * @category constants
 */
export const maxPageSize = 500

/**
 * What `find` looks for; every given field must match (an empty query
 * matches every referral). An empty list matches nothing.
 *
 * @since 0.2.0
 * @category models
 */
export interface Query {
  readonly programmeIds?: ReadonlyArray<ProgrammeId>
  readonly statuses?: ReadonlyArray<Lifecycle.Status>
  /** `false`: only referrals that have not ended (`Lifecycle.isTerminal`); `true`: only ended ones. */
  readonly ended?: boolean
  readonly linkWorkerId?: ActorId
  /** The referrer (a referrer is matched by organisation as well as id). */
  readonly referrer?: { readonly id: ActorId; readonly organisation: OrganisationId }
  readonly subjectId?: SubjectId
  /** Submitted at or after this instant. */
  readonly submittedFrom?: Instant
  /** Submitted before this instant. */
  readonly submittedBefore?: Instant
  /** Whose next deadline marker falls due at or before this instant (or is not computed yet). */
  readonly dueBy?: Instant
  /**
   * Whose referrer's view changed at or after `since`, as the view stands at
   * `at`: its `lastUpdated` (`Views.ReferralStatus`) is at or after `since`
   * (`viewChangedSince`). A referrer's changes poll (with `referrer`) reads
   * the referrals that changed, not all of the referrer's.
   */
  readonly changedSince?: { readonly since: Instant; readonly at: Instant }
}

/**
 * Which page: at most `limit` items (clamped to 1..`maxPageSize`), after the
 * `after` cursor of the previous page.
 *
 * @since 0.2.0
 * @category models
 */
export interface PageRequest {
  readonly limit: number
  readonly after?: string | undefined
}

/**
 * A page: the items in order, and the cursor of the next page while more may
 * follow (absent on the last page).
 *
 * @since 0.2.0
 * @category models
 */
export interface Page<A> {
  readonly items: ReadonlyArray<A>
  readonly next?: string
}

/**
 * A link worker's load: the referrals assigned to them in the statuses that
 * count towards capacity (`Lifecycle.caseload`).
 *
 * @since 0.2.0
 * @category models
 */
export interface LinkWorkerLoad {
  readonly linkWorkerId: ActorId
  readonly activeClients: number
}

/**
 * The index's operations.
 *
 * @since 0.2.0
 * @category models
 */
export interface Shape {
  /** The states of the referrals matching `query`, by submission time then id, a page at a time. */
  readonly find: (query: Query, page: PageRequest) => Effect.Effect<Page<ReferralState>, ReferralIndexError>
  /** How many referrals the link worker has in the statuses of `Lifecycle.caseload`. */
  readonly activeClients: (linkWorkerId: ActorId) => Effect.Effect<number, StoreFailure>
  /** Every link worker with active clients, highest load first (then by id). */
  readonly linkWorkerLoad: () => Effect.Effect<ReadonlyArray<LinkWorkerLoad>, StoreFailure>
  /**
   * The referrals whose next deadline marker falls due at or before `at`
   * (or is not computed yet), by that instant then id, a page at a time.
   */
  readonly due: (at: Instant, page: PageRequest) => Effect.Effect<Page<ReferralState>, ReferralIndexError>
  /**
   * Stores the next deadline of a referral at `version` (`null`: none can
   * fall due any more). Does nothing when the referral has moved past
   * `version` meanwhile (its append stored a newer one).
   */
  readonly refreshDue: (
    referralId: ReferralId,
    version: number,
    nextDueAt: Instant | null
  ) => Effect.Effect<void, StoreFailure>
  /** The event streams of the given referrals, in the order given (an unknown id is an empty stream). */
  readonly streams: (referralIds: ReadonlyArray<ReferralId>) => Effect.Effect<ReadonlyArray<Stream>, StoreFailure>
  /**
   * The events of the given kinds only, of each of the given referrals (in
   * the order given; in each, in stream order): what a reader that needs a
   * few kinds of event (the evaluation report's measures and contacts)
   * reads instead of whole streams. An unknown id has no events.
   */
  readonly events: (
    referralIds: ReadonlyArray<ReferralId>,
    tags: ReadonlyArray<ReferralEvent["_tag"]>
  ) => Effect.Effect<ReadonlyArray<ReadonlyArray<ReferralEvent>>, StoreFailure>
}

/**
 * The `ReferralIndex` service.
 *
 * @since 0.2.0
 * @category services
 */
export class ReferralIndex extends Context.Service<ReferralIndex, Shape>()("@lahete/core/ReferralIndex") {}

// ---------------------------------------------------------------------------
// cursors
// ---------------------------------------------------------------------------

/**
 * The kind of page a cursor belongs to.
 *
 * @since 0.2.0
 * @category cursors
 */
export type CursorKind = "find" | "due"

/**
 * A page's position: the sort key and referral id of the last item.
 *
 * @since 0.2.0
 * @category cursors
 */
export interface Position {
  readonly key: string
  readonly referralId: string
}

/**
 * Encodes a position as an opaque cursor (every adapter uses the same form).
 *
 * @since 0.2.0
 * @category cursors
 */
export const encodeCursor = (kind: CursorKind, position: Position): string =>
  Base64url.encode(JSON.stringify([kind === "find" ? "f" : "d", position.key, position.referralId]))

/**
 * Decodes a cursor of `kind`; anything else is `InvalidCursor`.
 *
 * @since 0.2.0
 * @category cursors
 */
export const decodeCursor = (kind: CursorKind, cursor: string): Result.Result<Position, InvalidCursor> => {
  const value = Base64url.cursorArray(cursor)
  if (
    value !== undefined &&
    value.length === 3 &&
    value[0] === (kind === "find" ? "f" : "d") &&
    typeof value[1] === "string" &&
    typeof value[2] === "string"
  ) {
    return Result.succeed({ key: value[1], referralId: value[2] })
  }
  return Result.fail(new InvalidCursor())
}

/**
 * A page size clamped to 1..`maxPageSize` (a fraction is rounded down).
 *
 * @since 0.2.0
 * @category cursors
 */
export const clampLimit = (limit: number): number =>
  Number.isFinite(limit) ? Math.min(maxPageSize, Math.max(1, Math.floor(limit))) : maxPageSize

/**
 * The sort key of a referral in `find`'s order (its submission instant; the
 * empty string for a stream that has no submission).
 *
 * @since 0.2.0
 * @category cursors
 */
export const findKey = (state: ReferralState): string => state.submittedAt ?? ""

/**
 * The sort key in `due`'s order of a next deadline (`undefined`: not
 * computed yet, which sorts first).
 *
 * @since 0.2.0
 * @category cursors
 */
export const dueKey = (nextDueAt: Instant | undefined): string => nextDueAt ?? ""

// ---------------------------------------------------------------------------
// the referrer's view
// ---------------------------------------------------------------------------

/**
 * When what the referrer's view of a referral shows last changed, as the
 * events record it: the status, a milestone, the feedback consent or an
 * erasure (`ReferralState.referrerViewChangedAt`, else the last status
 * change, else the submission). The view's `lastUpdated` is this, or a
 * feedback consent's expiry once that has passed (`feedbackExpiresAt`).
 *
 * @since 0.2.0
 * @category referrer view
 */
export const referrerViewChangedAt = (state: ReferralState): Instant | undefined =>
  state.referrerViewChangedAt ?? state.statusChangedAt ?? state.submittedAt

/**
 * When the referral's feedback consent (`feedback-to-referrer`) expires, if
 * it has an expiry: from then on the referrer's view shows the feedback as
 * not consented, a change no event records.
 *
 * @since 0.2.0
 * @category referrer view
 */
export const feedbackExpiresAt = (state: ReferralState): Instant | undefined =>
  state.consents["feedback-to-referrer"]?.expiresAt

/**
 * Whether the referrer's view changed at or after `since`, as it stands at
 * `at` (`Query.changedSince`): its recorded change is at or after `since`,
 * or its feedback consent expired at or after `since` and by `at`. (The
 * view's `lastUpdated` is the later of the two when the expiry has passed:
 * an expiry before the recorded change leaves the change to decide.)
 *
 * @since 0.2.0
 * @category referrer view
 */
export const viewChangedSince = (state: ReferralState, since: Instant, at: Instant): boolean => {
  const changed = referrerViewChangedAt(state)
  const expires = feedbackExpiresAt(state)
  return (changed !== undefined && changed >= since) || (expires !== undefined && expires >= since && expires <= at)
}
