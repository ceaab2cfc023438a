/**
 * The `ReferralStore` port: the event log per referral with expected-version
 * appends, idempotency keys, and the personal-data vault, written in one
 * transaction. Adapters: the in-memory layer here (`ReferralStoreMemory`),
 * SQL in `@lahete/store-sql`. Every adapter passes the conformance suite in
 * `@lahete/testing` (`ReferralStoreTest.suite`).
 *
 * @since 0.1.0
 */
import { Context, Effect, type Option, type Redacted, Schema } from "effect"
import type { ActorId, IdempotencyKey, ReferralId, SubjectId } from "./Ids.js"
import type { Instant } from "./Instant.js"
import type { SubjectData, VaultWrite } from "./PersonalData.js"
import type { ReferralState } from "./Referral.js"
import type { ReferralEvent } from "./ReferralEvent.js"

/**
 * The stream was not at the expected version: another command was appended
 * first. Nothing was written.
 *
 * @since 0.1.0
 * @category errors
 */
export class VersionConflict extends Schema.TaggedError<VersionConflict>()("VersionConflict", {
  referralId: Schema.String,
  expectedVersion: Schema.Number,
  actualVersion: Schema.Number
}) {
  override get message(): string {
    return `referral ${this.referralId} is at version ${this.actualVersion}, not ${this.expectedVersion}`
  }
}

/**
 * The idempotency key was already used. Nothing was written; the record for
 * the key (`idempotency(key)`) says which events the first command appended.
 *
 * @since 0.1.0
 * @category errors
 */
export class IdempotencyKeyUsed extends Schema.TaggedError<IdempotencyKeyUsed>()("IdempotencyKeyUsed", {
  idempotencyKey: Schema.String
}) {
  override get message(): string {
    return `idempotency key ${this.idempotencyKey} was already used`
  }
}

/**
 * The link worker's load changed between the count an assignment was
 * decided with (`AppendRequest.expectedLoad`) and the append: another
 * assignment or ending came first. Nothing was written; decide again.
 *
 * @since 0.2.0
 * @category errors
 */
export class LoadChanged extends Schema.TaggedError<LoadChanged>()("LoadChanged", {
  linkWorkerId: Schema.String,
  expectedActiveClients: Schema.Number,
  actualActiveClients: Schema.Number
}) {
  override get message(): string {
    return `link worker ${this.linkWorkerId} has ${this.actualActiveClients} active clients, not ${this.expectedActiveClients}`
  }
}

/**
 * A guarded `PutSubject` vault write (`PersonalData.VaultWrite`,
 * `expectedIdentity`) found the subject's vault entry no longer as it was
 * checked: another submission created it, replaced its identity or erased
 * it first. Nothing was written; check the submission again. Names the
 * pseudonymous subject id only, never the entry's data.
 *
 * @since 0.3.0
 * @category errors
 */
export class SubjectChanged extends Schema.TaggedError<SubjectChanged>()("SubjectChanged", {
  subjectId: Schema.String
}) {
  override get message(): string {
    return `the vault entry of subject ${this.subjectId} changed since it was checked`
  }
}

/**
 * The store failed (connection, disk, corrupt data). Nothing was written.
 * `detail` never contains event data or personal data.
 *
 * @since 0.1.0
 * @category errors
 */
export class StoreFailure extends Schema.TaggedError<StoreFailure>()("StoreFailure", {
  operation: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `store ${this.operation} failed: ${this.detail}`
  }
}

/**
 * The port's error type.
 *
 * @since 0.1.0
 * @category errors
 */
export type ReferralStoreError = VersionConflict | IdempotencyKeyUsed | LoadChanged | SubjectChanged | StoreFailure

/**
 * What was recorded for an idempotency key: the command's fingerprint and the
 * stream versions its events occupy (`fromVersion` exclusive, `toVersion`
 * inclusive; equal when the command appended no event).
 *
 * @since 0.1.0
 * @category models
 */
export interface IdempotencyRecord {
  readonly idempotencyKey: IdempotencyKey
  readonly referralId: ReferralId
  readonly fingerprint: string
  readonly fromVersion: number
  readonly toVersion: number
}

/**
 * One append: events for one referral at an expected version, the command's
 * idempotency key and fingerprint, and the vault writes that go with them.
 *
 * @since 0.1.0
 * @category models
 */
export interface AppendRequest {
  readonly referralId: ReferralId
  /** The stream's version the events were decided against (0 for a new referral). */
  readonly expectedVersion: number
  readonly events: ReadonlyArray<ReferralEvent>
  readonly idempotencyKey: IdempotencyKey
  readonly fingerprint: string
  readonly vault: ReadonlyArray<VaultWrite>
  /**
   * When the referral's next deadline marker falls due after these events
   * (`Deadlines.nextDueAt`; `null`: none can any more), for the index
   * (`ReferralIndex.due`). Absent: not computed, the referral counts as due
   * until the scheduler computes it.
   */
  readonly nextDueAt?: Instant | null | undefined
  /**
   * A guard for assignments: the append fails with `LoadChanged`, writing
   * nothing, unless the link worker has exactly `activeClients` referrals in
   * the statuses of `Lifecycle.caseload` when it is applied (before these
   * events). Checked inside the append's transaction, so two assignments
   * decided against the same count cannot both be written.
   */
  readonly expectedLoad?: { readonly linkWorkerId: ActorId; readonly activeClients: number } | undefined
  /**
   * The referral's state at `expectedVersion`, as `current` returned it: the
   * state the events were decided against. The store advances its read side
   * from it instead of reading the state again inside the append (the
   * version guard proves it is still the referral's state when the append is
   * applied). Ignored unless `state.version` equals `expectedVersion`;
   * absent: the store reads it itself.
   */
  readonly state?: ReferralState | undefined
}

/**
 * A referral's stream.
 *
 * @since 0.1.0
 * @category models
 */
export interface Stream {
  readonly referralId: ReferralId
  /** Number of events: the version an append must expect. */
  readonly version: number
  readonly events: ReadonlyArray<ReferralEvent>
}

/**
 * A referral's current state and version: what a command is decided
 * against.
 *
 * @since 0.2.0
 * @category models
 */
export interface Current {
  readonly referralId: ReferralId
  /** Number of events: the version an append must expect. */
  readonly version: number
  /** `Referral.fold` of the referral's events (`Referral.initialState` for an unknown referral). */
  readonly state: ReferralState
}

/**
 * The store's operations.
 *
 * @since 0.1.0
 * @category models
 */
export interface Shape {
  /** The referral's events in order (an unknown referral is an empty stream at version 0). */
  readonly load: (referralId: ReferralId) => Effect.Effect<Stream, ReferralStoreError>
  /**
   * The referral's current version and state, equal to folding `load`'s
   * events, read in one step without loading the stream where the adapter
   * keeps the state (the in-memory index, the SQL projection row): a
   * command's cost does not grow with its referral's history. An append
   * with this `version` as `expectedVersion` succeeds only while it is still
   * current.
   */
  readonly current: (referralId: ReferralId) => Effect.Effect<Current, ReferralStoreError>
  /**
   * Appends atomically: all events, the idempotency record and the vault
   * writes, or nothing. Fails with `VersionConflict` when the stream is not at
   * `expectedVersion`, `IdempotencyKeyUsed` when the key is known,
   * `SubjectChanged` when a guarded `PutSubject` write
   * (`expectedIdentity`) finds the vault entry no longer as checked
   * (`PersonalData.identityHolds`, evaluated on the entry as the write
   * would change it: inside the append, atomically with it).
   */
  readonly append: (request: AppendRequest) => Effect.Effect<{ readonly version: number }, ReferralStoreError>
  /** What was recorded for an idempotency key. */
  readonly idempotency: (key: IdempotencyKey) => Effect.Effect<Option.Option<IdempotencyRecord>, ReferralStoreError>
  /** Every referral id, in the order first appended. */
  readonly referralIds: () => Effect.Effect<ReadonlyArray<ReferralId>, ReferralStoreError>
  /** The vault's entry for a subject (none once every referral of the subject is erased, `PersonalData.apply`). */
  readonly subject: (subjectId: SubjectId) => Effect.Effect<Option.Option<SubjectData>, ReferralStoreError>
  /**
   * The vault's entries of several subjects at once (one query per page of a
   * view); subjects without an entry are absent from the map.
   *
   * @since 0.2.0
   */
  readonly subjects: (
    subjectIds: ReadonlyArray<SubjectId>
  ) => Effect.Effect<ReadonlyMap<SubjectId, SubjectData>, ReferralStoreError>
  /**
   * The store's secret for command fingerprints (`ReferralService`, when no
   * `fingerprintSecret` is configured): 256 random bits (`generateSecret`),
   * made on first use and kept with the data, the same for every caller and
   * after a restart, so a retried command is still recognised. Never logged.
   */
  readonly fingerprintSecret: () => Effect.Effect<Redacted.Redacted<string>, ReferralStoreError>
}

/**
 * The `ReferralStore` service.
 *
 * @since 0.1.0
 * @category services
 */
export class ReferralStore extends Context.Service<ReferralStore, Shape>()("@lahete/core/ReferralStore") {}

/**
 * A new fingerprint secret: 256 random bits from the platform's
 * cryptographic generator, as 64 hexadecimal characters.
 *
 * @since 0.2.0
 * @category constructors
 */
export const generateSecret: Effect.Effect<string> = Effect.sync(() =>
  Array.from(globalThis.crypto.getRandomValues(new Uint8Array(32)), (b) => b.toString(16).padStart(2, "0")).join("")
)
