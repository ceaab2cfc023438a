/**
 * `ReferralService`: the application service around the decider. For every
 * command it
 *
 * 1. reads the referral's current version and state in one step
 *    (`ReferralStore.current`: the index's state, the SQL projection row; no
 *    stream is loaded or folded, so a command costs the same on a long
 *    history as on a short one);
 * 2. decides with `Referral.makeDecider(catalog)`. A refused command appends
 *    nothing (and does not use up its key: it may be sent again once the
 *    referral allows it), and a `Forbidden` refusal is recorded in the audit
 *    log (domain specification §4: attempts outside the role are logged).
 *    Before refusing, the idempotency key is looked up: a key already used
 *    for the same command returns the first result (the refusal was decided
 *    against the state after it), a key used for a different command fails
 *    with `IdempotencyKeyReused`;
 * 3. appends the events with the read version as the expected version,
 *    together with the idempotency record, the state they were decided
 *    against (the store advances its read side from it) and the command's
 *    personal data for the vault (`PersonalData.vaultWrite`), in one atomic
 *    append. On `VersionConflict` (or `LoadChanged`, or `SubjectChanged`)
 *    it starts again from 1, a bounded number of times (`conflictRetries`,
 *    default 3), then fails with the conflict. When the store reports the
 *    key used (a retry of a command already appended, or the same key
 *    appended concurrently), the record of the key answers as in 2: the
 *    first result (the events appended then, read back from the stream) or
 *    `IdempotencyKeyReused`. The key is not looked up before: the append's
 *    transaction settles it.
 *
 * **A submission naming a subject on record** must be about the person the
 * vault holds under it (`PersonalData.sameClient`), else it is refused with
 * `InvalidCommand` on `subjectId`: its vault write would replace that
 * client's identity and contact data, which their own referrals' link
 * workers read and their text messages go to. The vault entry is read before
 * deciding, so its vault write carries what was read (`expectedIdentity`: no
 * entry, or the entry's names, identity code and birth year) and the store
 * applies it only while the entry is still so, inside the append
 * (`SubjectChanged` otherwise, nothing written). Of two submissions for two
 * people racing on one subject id, the second to be appended is then checked
 * again against the first one's entry and refused as if it had come later;
 * two submissions for the same person both succeed.
 *
 * **Fingerprints.** A command's fingerprint is an HMAC-SHA-256 of a
 * canonical JSON of its content (object keys sorted) without `at` and without
 * the idempotency key: a retried request is the same request even when the
 * server stamps its receipt time on the command. It covers the whole
 * command, personal data included, so a key reused for a command that
 * differs in anything (another client's name, identity code or reason text
 * under the same message id) fails with `IdempotencyKeyReused` and is never
 * answered with the first command's result. For `AssignLinkWorker` it
 * covers the link worker's id only, not the registry snapshot and client
 * count the service looked up, which change once the first attempt is
 * through. The fingerprint is stored outside the vault and survives
 * erasure; keyed with a secret, it cannot be reversed by trying every phone
 * number or identity code without the secret. The secret is
 *
 * - `fingerprintSecret` when it is configured (keep it in a secret store,
 *   apart from the database: then not even a copy of the database lets
 *   anyone test guesses of erased personal data against the fingerprints);
 * - otherwise the store's own (`ReferralStore.fingerprintSecret`): made at
 *   random on first use and kept with the data (a table of its own in the
 *   SQL store, one per store in memory), so retries after a restart are
 *   still recognised.
 *
 * Keep whichever secret is in use: a changed secret (setting one, changing
 * it, removing it) makes the keys used before it look like keys reused for
 * another command, so a retry of a command sent earlier fails with
 * `IdempotencyKeyReused` instead of replaying. Keys recorded by versions
 * before 0.2 without a secret carry a SHA-256 with personal data left out;
 * they are still compared that way (a retry of such a command replays; one
 * that differs only in personal data replays too, as it did then).
 *
 * **The programme catalog** is a service of its own, `ProgrammeCatalog`
 * (provide it with `catalogLayer(catalog)`); the decider is made from it once
 * when the layer is built.
 *
 * **Errors** are all tagged, schema-defined and free of personal data: the
 * decider's (`DecideError`), the store's (`ReferralStoreError`), the audit
 * log's and the registry's failures, and this module's `IdempotencyKeyReused`,
 * `MalformedCommand` and `LinkWorkerNotFound`.
 *
 * @example
 * ```ts
 * import { ReferralService } from "@lahete/core"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function* () {
 *   const service = yield* ReferralService.ReferralService
 *   const result = yield* service.executeUnknown(requestBody)
 *   return result.state.status
 * }).pipe(Effect.provide(ReferralService.layerMemory()))
 * ```
 *
 * @since 0.1.0
 */
import { Buffer } from "node:buffer"
import { createHash, createHmac, createSecretKey, type KeyObject } from "node:crypto"
import { Context, Effect, Layer, Option, Redacted, Result, Schema, type SchemaAST, type SchemaIssue } from "effect"
import type { Actor } from "./Actor.js"
import { AuditLog, type AuditLogFailure } from "./AuditLog.js"
import * as AuditLogMemory from "./AuditLogMemory.js"
import * as Deadlines from "./Deadlines.js"
import type * as DirectoryModule from "./Directory.js"
import * as DirectoryStoreModule from "./DirectoryStore.js"
import type { ActorId, IdempotencyKey, ReferralId } from "./Ids.js"
import type { Instant } from "./Instant.js"
import * as Lifecycle from "./Lifecycle.js"
import type * as LinkWorkerModule from "./LinkWorker.js"
import * as LinkWorkerRegistry from "./LinkWorkerRegistry.js"
import * as LinkWorkerSurveyAnswers from "./LinkWorkerSurveyAnswers.js"
import * as MeasureLink from "./MeasureLink.js"
import * as PersonalData from "./PersonalData.js"
import * as Presets from "./Presets.js"
import type * as Programme from "./Programme.js"
import * as Referral from "./Referral.js"
import * as ReferralCommand from "./ReferralCommand.js"
import { type DecideError, Forbidden, InvalidCommand } from "./ReferralError.js"
import type { ReferralEvent } from "./ReferralEvent.js"
import { ReferralIndex } from "./ReferralIndex.js"
import * as ReferralStore from "./ReferralStore.js"
import * as ReferralStoreMemory from "./ReferralStoreMemory.js"

// ---------------------------------------------------------------------------
// errors
// ---------------------------------------------------------------------------

/**
 * The idempotency key was already used for a different command (another
 * referral, actor or content). Nothing was written.
 *
 * @since 0.1.0
 * @category errors
 */
export class IdempotencyKeyReused extends Schema.TaggedError<IdempotencyKeyReused>()("IdempotencyKeyReused", {
  idempotencyKey: Schema.String
}) {
  override get message(): string {
    return `idempotency key ${this.idempotencyKey} was already used for a different command`
  }
}

/**
 * One problem found when decoding a command: where (a field path such as
 * `client.mobileNumber` or `consents[0].purpose`) and what is wrong. Never
 * the value.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CommandIssue = Schema.Struct({ path: Schema.String, reason: Schema.String })
/**
 * @since 0.1.0
 * @category models
 */
export type CommandIssue = typeof CommandIssue.Type

/**
 * The input is not a well-formed command (wrong types, missing fields,
 * unknown `_tag`). Lists the field paths and reasons, never the values:
 * the input may hold personal data.
 *
 * @since 0.1.0
 * @category errors
 */
export class MalformedCommand extends Schema.TaggedError<MalformedCommand>()("MalformedCommand", {
  issues: Schema.Array(CommandIssue)
}) {
  override get message(): string {
    return `malformed command: ${this.issues.map((i) => `${i.path}: ${i.reason}`).join("; ")}`
  }
}

/**
 * The link worker to assign is not in the registry.
 *
 * @since 0.1.0
 * @category errors
 */
export class LinkWorkerNotFound extends Schema.TaggedError<LinkWorkerNotFound>()("LinkWorkerNotFound", {
  linkWorkerId: Schema.String
}) {
  override get message(): string {
    return `link worker ${this.linkWorkerId} is not in the registry`
  }
}

/**
 * Every error the service can return.
 *
 * @since 0.1.0
 * @category errors
 */
export type ReferralServiceError =
  | DecideError
  | ReferralStore.ReferralStoreError
  | AuditLogFailure
  | LinkWorkerRegistry.LinkWorkerRegistryFailure
  | IdempotencyKeyReused
  | MalformedCommand
  | LinkWorkerNotFound

// ---------------------------------------------------------------------------
// models and services
// ---------------------------------------------------------------------------

/**
 * The result of a command: the events it appended, the stream version after
 * them and the referral's state at that version. `replayed` is `true` when
 * the idempotency key had been used for this command before: the events are
 * then the ones appended the first time, read back from the stream, and
 * nothing new was appended.
 *
 * @since 0.1.0
 * @category models
 */
export interface Executed {
  readonly referralId: ReferralId
  readonly events: ReadonlyArray<ReferralEvent>
  readonly version: number
  readonly state: Referral.ReferralState
  readonly replayed: boolean
}

/**
 * A coordinator's request to assign a link worker from the registry.
 *
 * @since 0.1.0
 * @category models
 */
export interface AssignRequest {
  readonly referralId: ReferralId
  readonly linkWorkerId: ActorId
  readonly actor: Actor
  readonly at: Instant
  readonly idempotencyKey: IdempotencyKey
}

/**
 * The service's operations.
 *
 * @since 0.1.0
 * @category models
 */
export interface Shape {
  /** Runs a command (see the module documentation for the steps). */
  readonly execute: (command: ReferralCommand.ReferralCommand) => Effect.Effect<Executed, ReferralServiceError>
  /**
   * Decodes untrusted input (e.g. a request body) as a command and runs it.
   * Input that is not a command fails with `MalformedCommand`.
   */
  readonly executeUnknown: (input: unknown) => Effect.Effect<Executed, ReferralServiceError>
  /**
   * Assigns a link worker from the registry: looks the link worker up,
   * counts their active clients and runs `AssignLinkWorker` with that
   * snapshot. An unknown link worker fails with `LinkWorkerNotFound`.
   */
  readonly assign: (request: AssignRequest) => Effect.Effect<Executed, ReferralServiceError>
  /** The referral's current state (`Initial` for an unknown referral). */
  readonly state: (referralId: ReferralId) => Effect.Effect<Referral.ReferralState, ReferralServiceError>
}

/**
 * The `ReferralService` service.
 *
 * @since 0.1.0
 * @category services
 */
export class ReferralService extends Context.Service<ReferralService, Shape>()("@lahete/core/ReferralService") {}

/**
 * The programme catalog the service decides with (every programme version a
 * stored referral may have started under).
 *
 * @since 0.1.0
 * @category services
 */
export class ProgrammeCatalog extends Context.Service<ProgrammeCatalog, Programme.Catalog>()(
  "@lahete/core/ProgrammeCatalog"
) {}

/**
 * Provides a programme catalog.
 *
 * @since 0.1.0
 * @category layers
 */
export const catalogLayer = (catalog: Programme.Catalog): Layer.Layer<ProgrammeCatalog> =>
  Layer.succeed(ProgrammeCatalog, catalog)

/**
 * Options of the service.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** How many times a command is decided again after a `VersionConflict` (default 3). */
  readonly conflictRetries?: number
  /**
   * The secret for command fingerprints (HMAC-SHA-256 over the whole
   * command). Without it, the store's generated secret is used
   * (`ReferralStore.fingerprintSecret`; see the module documentation).
   * Changing it, or removing it, makes earlier keys look like keys reused
   * for another command.
   */
  readonly fingerprintSecret?: Redacted.Redacted<string>
}

/**
 * What the service needs: the store and its index, the audit log, the
 * link-worker registry and the programme catalog.
 *
 * @since 0.2.0
 * @category models
 */
export type Requirements =
  | ReferralStore.ReferralStore
  | ReferralIndex
  | AuditLog
  | LinkWorkerRegistry.LinkWorkerRegistry
  | ProgrammeCatalog

/**
 * The statuses in which a referral counts as one of its link worker's active
 * clients (for the capacity rule).
 *
 * @since 0.1.0
 * @category constants
 */
export const activeStatuses: ReadonlySet<Lifecycle.Status> = Lifecycle.caseload

// ---------------------------------------------------------------------------
// fingerprints
// ---------------------------------------------------------------------------

const canonicalJson = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>
    return `{${Object.keys(record)
      .filter((k) => record[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`)
      .join(",")}}`
  }
  return JSON.stringify(value) ?? "null"
}

/** What an assignment's fingerprint covers: the request, not the snapshot looked up for it. */
const assignmentContent = (request: {
  readonly referralId: ReferralId
  readonly actor: Actor
  readonly linkWorkerId: ActorId
}) => ({
  _tag: "AssignLinkWorker",
  referralId: request.referralId,
  actor: request.actor,
  linkWorkerId: request.linkWorkerId
})

const personalData = "(personal data)"

/** The command's content for its fingerprint; with `masked`, personal data is replaced by a marker. */
const fingerprintContent = (command: ReferralCommand.ReferralCommand, masked: boolean): unknown => {
  if (command._tag === "AssignLinkWorker") {
    return assignmentContent({
      referralId: command.referralId,
      actor: command.actor,
      linkWorkerId: command.linkWorker.id
    })
  }
  const { at: _at, idempotencyKey: _key, ...content } = command
  if (!masked) return content
  switch (content._tag) {
    case "SubmitReferral":
      return { ...content, client: personalData, reasonText: personalData }
    case "UpdateContactDetails":
      return { ...content, mobileNumber: content.mobileNumber === null ? null : personalData }
    case "CloseReferral":
      return { ...content, feedback: personalData }
    case "RecordPlan":
      return { ...content, whatMatters: personalData }
    default:
      return content
  }
}

/**
 * The HMAC key of each secret, made once: `createHmac` given the secret's bytes makes a key object on every call,
 * which costs nine times the digest of a command.
 */
const hmacKeys = new WeakMap<Redacted.Redacted<string>, KeyObject>()
const hmacKey = (secret: Redacted.Redacted<string>): KeyObject => {
  let key = hmacKeys.get(secret)
  if (key === undefined) {
    key = createSecretKey(Buffer.from(Redacted.value(secret), "utf8"))
    hmacKeys.set(secret, key)
  }
  return key
}

/** The digest of a content's canonical JSON, synchronously (node:crypto: no promise per command). */
const digest = (content: unknown, secret: Redacted.Redacted<string> | undefined): string => {
  const text = canonicalJson(content)
  return secret === undefined
    ? `sha256:${createHash("sha256").update(text, "utf8").digest("hex")}`
    : `hmac-sha256:${createHmac("sha256", hmacKey(secret)).update(text, "utf8").digest("hex")}`
}

/**
 * The command's fingerprint as the service stores it with its idempotency
 * key, computed synchronously: with a secret, HMAC-SHA-256 over a canonical
 * JSON of the command without `at` and the idempotency key, personal data
 * included. Without a secret, the form of versions before 0.2: SHA-256 over
 * the same with personal data left out (the service no longer stores it; it
 * compares keys recorded then with it). For `AssignLinkWorker` the link
 * worker's id stands in for the looked-up snapshot and client count. The
 * same value as the WebCrypto digests of earlier versions, so keys recorded
 * then are still recognised. For a bulk loader that writes the keys the
 * service would.
 *
 * @since 0.2.0
 * @category fingerprints
 */
export const fingerprintOf = (command: ReferralCommand.ReferralCommand, secret?: Redacted.Redacted<string>): string =>
  digest(fingerprintContent(command, secret === undefined), secret)

/**
 * The command's fingerprint as the service stores it with its idempotency
 * key (`fingerprintOf` as an effect).
 *
 * @since 0.1.0
 * @category fingerprints
 */
export const fingerprint = (
  command: ReferralCommand.ReferralCommand,
  secret?: Redacted.Redacted<string>
): Effect.Effect<string> => Effect.sync(() => fingerprintOf(command, secret))

/**
 * What a command is recognised by: the fingerprint stored with a new key, and the pre-0.2 form (no secret),
 * computed only when a stored key has that form.
 */
interface Prints {
  readonly fingerprint: string
  readonly legacy: () => string
}

/** The prints of a command's content (`masked`: the same with personal data left out). */
const printsOf = (
  content: unknown,
  masked: unknown,
  secret: Effect.Effect<Redacted.Redacted<string>, ReferralStore.ReferralStoreError>
): Effect.Effect<Prints, ReferralStore.ReferralStoreError> =>
  Effect.map(secret, (key) => ({ fingerprint: digest(content, key), legacy: () => digest(masked, undefined) }))

/** Whether a stored fingerprint was recorded for this command (a pre-0.2 SHA-256 compared in its own form). */
const sameCommand = (stored: string, prints: Prints): boolean =>
  stored === prints.fingerprint || (stored.startsWith("sha256:") && stored === prints.legacy())

// ---------------------------------------------------------------------------
// decoding untrusted input
// ---------------------------------------------------------------------------

const maxIssues = 20

const formatPath = (path: ReadonlyArray<PropertyKey>): string => {
  let out = ""
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`
    else if (typeof key === "string" && /^[A-Za-z_$][\w$-]{0,63}$/.test(key)) out += out === "" ? key : `.${key}`
    else out += "[?]"
  }
  return out === "" ? "(command)" : out
}

const describeType = (ast: SchemaAST.AST): string => {
  switch (ast._tag) {
    case "String":
      return "a string"
    case "Number":
      return "a number"
    case "Boolean":
      return "a boolean"
    case "Null":
      return "null"
    case "Literal":
      return JSON.stringify(ast.literal) ?? "a constant"
    case "Arrays":
      return "an array"
    case "Objects":
      return "an object"
    case "Union": {
      const kinds = [...new Set(ast.types.map(describeType))]
      return kinds.length === 1 ? (kinds[0] ?? "a valid value") : `one of ${kinds.join(", ")}`
    }
    default:
      return "a valid value"
  }
}

/** Primitive values inside an input, to keep them out of reasons taken from a schema's custom messages. */
const primitives = (value: unknown, depth = 0): ReadonlyArray<string> => {
  if (typeof value === "string") return [value]
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return [String(value)]
  if (value === null || typeof value !== "object" || depth > 4) return []
  return Object.values(value).flatMap((v) => primitives(v, depth + 1))
}

const valueAt = (input: unknown, path: ReadonlyArray<PropertyKey>): unknown => {
  let current = input
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined
    current = (current as Record<PropertyKey, unknown>)[key]
  }
  return current
}

/**
 * A reason from a check's own message, unless the message could quote the
 * value: schema authors write messages such as "expected a UTC instant", but
 * a custom check may build its message from the value.
 */
const safeMessage = (message: string | undefined, value: unknown): string | undefined => {
  if (message === undefined || message === "") return undefined
  const lower = message.toLowerCase()
  const quotes = primitives(value).some((p) => p.length >= 3 && lower.includes(p.toLowerCase()))
  return quotes ? undefined : message
}

/**
 * The issues of a failed decode as paths and reasons, never quoting the
 * input's values (for any schema, e.g. a transport's payload).
 *
 * @since 0.1.0
 * @category decoding
 */
export const issuesOf = (root: SchemaIssue.Issue, input: unknown): ReadonlyArray<CommandIssue> => {
  const at = (path: ReadonlyArray<PropertyKey>, reason: string): ReadonlyArray<CommandIssue> => [
    { path: formatPath(path), reason }
  ]
  const walk = (issue: SchemaIssue.Issue, path: ReadonlyArray<PropertyKey>): ReadonlyArray<CommandIssue> => {
    switch (issue._tag) {
      case "Pointer":
        return walk(issue.issue, [...path, ...issue.path])
      case "Composite":
        return issue.issues.flatMap((i) => walk(i, path))
      case "AnyOf":
        return issue.issues.length === 0
          ? at(path, `expected ${describeType(issue.ast)}`)
          : issue.issues.flatMap((i) => walk(i, path))
      case "Encoding":
        return walk(issue.issue, path)
      case "Filter": {
        const value = valueAt(input, path)
        const own = issue.filter.annotations
        const inner = issue.issue._tag === "InvalidValue" ? issue.issue.annotations?.message : undefined
        return at(
          path,
          safeMessage(typeof own?.message === "string" ? own.message : undefined, value) ??
            (typeof own?.expected === "string" ? safeMessage(`expected ${own.expected}`, value) : undefined) ??
            safeMessage(inner, value) ??
            "is not valid"
        )
      }
      case "MissingKey":
        return at(path, "is missing")
      case "UnexpectedKey":
        // the key itself comes from the input: name only where it was found
        return at(path.slice(0, -1), "has a field that is not allowed")
      case "InvalidType":
        return at(path, `expected ${describeType(issue.ast)}`)
      case "InvalidValue":
        return at(path, safeMessage(issue.annotations?.message, valueAt(input, path)) ?? "is not valid")
      case "Forbidden":
        return at(path, "cannot be checked here")
      case "OneOf":
        return at(path, "matches more than one form")
    }
  }
  const unique = [...new Map(walk(root, []).map((i) => [`${i.path}\u0000${i.reason}`, i])).values()]
  return unique.length > maxIssues
    ? [...unique.slice(0, maxIssues), { path: "(command)", reason: `${unique.length - maxIssues} more issues` }]
    : unique
}

const decodeCommand = Schema.decodeUnknownResult(ReferralCommand.ReferralCommand)

/**
 * Decodes untrusted input as a command. The error lists field paths and
 * reasons only, never the input's values (Schema's own messages may quote
 * them).
 *
 * @since 0.1.0
 * @category decoding
 */
export const decode = (input: unknown): Result.Result<ReferralCommand.ReferralCommand, MalformedCommand> =>
  Result.mapError(
    decodeCommand(input, { errors: "all" }),
    (error) => new MalformedCommand({ issues: issuesOf(error.issue, input) })
  )

// ---------------------------------------------------------------------------
// the service
// ---------------------------------------------------------------------------

interface Run extends Prints {
  readonly referralId: ReferralId
  readonly idempotencyKey: IdempotencyKey
  /** Who asked, when, about which referral: for the audit log's record of a `Forbidden` refusal. */
  readonly about: Pick<ReferralCommand.ReferralCommand, "at" | "actor" | "referralId">
  /** The command to decide, given the current state (assignment looks the link worker up here). */
  readonly command: (state: Referral.ReferralState) => Effect.Effect<Decidable, ReferralServiceError>
}

/** A command to decide, and the guards its append carries: the load (assignments), the subject's identity (submissions). */
interface Decidable {
  readonly command: ReferralCommand.ReferralCommand
  readonly expectedLoad?: ReferralStore.AppendRequest["expectedLoad"]
  /** What the submission was checked against (`null`: no vault entry): its vault write is guarded with it. */
  readonly expectedIdentity?: PersonalData.SubjectIdentity | null
}

/**
 * The command's vault write, a submission's guarded with the identity it was checked against. A submission for a
 * client on record (`sameClient` held) keeps the identity code and birth year on record when it gives none: what the
 * vault knows of who the client is never shrinks, or a namesake with another code would pass the next check (the
 * record would have lost the code that tells them apart). The guard makes the kept values exact: the write applies
 * only while the entry is still `expectedIdentity`.
 */
const guardedWrite = (
  write: PersonalData.VaultWrite | undefined,
  expectedIdentity: PersonalData.SubjectIdentity | null | undefined
): PersonalData.VaultWrite | undefined => {
  if (write?._tag !== "PutSubject" || expectedIdentity === undefined) return write
  if (expectedIdentity === null) return { ...write, expectedIdentity }
  const { personalIdentityCode, birthYear } = expectedIdentity
  const subject = {
    ...write.subject,
    ...(write.subject.personalIdentityCode === undefined && personalIdentityCode !== undefined
      ? { personalIdentityCode }
      : {}),
    ...(write.subject.birthYear === undefined && birthYear !== undefined ? { birthYear } : {})
  }
  return { ...write, subject, expectedIdentity }
}

/**
 * Builds the service with options.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeWith = (options: Options = {}): Effect.Effect<Shape, never, Requirements> =>
  Effect.gen(function* () {
    const store = yield* ReferralStore.ReferralStore
    const index = yield* ReferralIndex
    const audit = yield* AuditLog
    const registry = yield* LinkWorkerRegistry.LinkWorkerRegistry
    const catalog = yield* ProgrammeCatalog
    const decider = Referral.makeDecider(catalog)

    /** When the next deadline marker falls due in `state` (not computed when its programme is unknown). */
    const nextDueAt = (state: Referral.ReferralState): Instant | null | undefined => {
      if (state.programme === undefined) return null
      const programme = catalog.get(state.programme.id, state.programme.version)
      // from its latest event on: a warning whose deadline passed before it can never fire
      if (programme === undefined) return undefined
      const deadline = Deadlines.nextDueAt(state, programme, state.lastEventAt)
      // a measure link to ask for (the scheduler asks for it as it fires deadline markers)
      const link =
        state.lastEventAt === undefined ? undefined : MeasureLink.nextSendAt(state, programme, state.lastEventAt)
      const next = link !== undefined && (deadline === undefined || link < deadline) ? link : deadline
      // never before the latest event: the decider refuses commands dated before it
      return next === undefined
        ? null
        : state.lastEventAt !== undefined && next < state.lastEventAt
          ? state.lastEventAt
          : next
    }
    const conflictRetries = Math.max(0, Math.floor(options.conflictRetries ?? 3))
    const secret =
      options.fingerprintSecret === undefined ? store.fingerprintSecret() : Effect.succeed(options.fingerprintSecret)

    const replay = (record: ReferralStore.IdempotencyRecord): Effect.Effect<Executed, ReferralServiceError> =>
      Effect.flatMap(store.load(record.referralId), (stream) =>
        stream.version < record.toVersion
          ? Effect.fail(
              new ReferralStore.StoreFailure({
                operation: "replay",
                detail: `idempotency key ${record.idempotencyKey} points past the end of referral ${record.referralId}`
              })
            )
          : Effect.succeed({
              referralId: record.referralId,
              events: stream.events.slice(record.fromVersion, record.toVersion),
              version: record.toVersion,
              state: Referral.fold(stream.events.slice(0, record.toVersion)),
              replayed: true
            })
      )

    const answerKnown = (
      run: Run,
      record: ReferralStore.IdempotencyRecord
    ): Effect.Effect<Executed, ReferralServiceError> =>
      sameCommand(record.fingerprint, run)
        ? replay(record)
        : Effect.fail(new IdempotencyKeyReused({ idempotencyKey: run.idempotencyKey }))

    const recordRefusal = (
      command: Pick<ReferralCommand.ReferralCommand, "at" | "actor" | "referralId">,
      refusal: Forbidden
    ) =>
      audit.recordRefusal({
        at: command.at,
        actorId: command.actor.id,
        role: command.actor.role,
        organisation: command.actor.organisation,
        referralId: command.referralId,
        action: refusal.action,
        reason: refusal.reason
      })

    const attempt = (run: Run, retriesLeft: number): Effect.Effect<Executed, ReferralServiceError> =>
      Effect.gen(function* () {
        // one read: the state and version the command is decided against (no stream folded, no key looked up:
        // the append settles the key, and a refusal looks it up below)
        const { version, state } = yield* store.current(run.referralId)
        const decidable = yield* Effect.result(run.command(state))
        const decision = Result.isFailure(decidable)
          ? Result.fail<ReferralServiceError>(decidable.failure)
          : decider.decide(decidable.success.command, state)
        if (Result.isFailure(decision) || Result.isFailure(decidable)) {
          const failure: ReferralServiceError = Result.isFailure(decidable)
            ? decidable.failure
            : (decision as Result.Failure<never, ReferralServiceError>).failure
          // the key may have been used for this command already (a retry after its first result, or a concurrent
          // one): then this refusal was decided against the state after it, and the first result is the answer
          const known = yield* store.idempotency(run.idempotencyKey)
          if (Option.isSome(known)) return yield* answerKnown(run, known.value)
          if (failure._tag === "Forbidden") yield* recordRefusal(run.about, failure)
          return yield* Effect.fail(failure)
        }
        const { command, expectedLoad, expectedIdentity } = decidable.success
        const events = decision.success
        const after = Referral.fold(events, state)
        const write = guardedWrite(PersonalData.vaultWrite(command, state.subjectId), expectedIdentity)
        const appended = yield* Effect.result(
          store.append({
            referralId: run.referralId,
            expectedVersion: version,
            events,
            idempotencyKey: run.idempotencyKey,
            fingerprint: run.fingerprint,
            vault: write === undefined ? [] : [write],
            nextDueAt: nextDueAt(after),
            state,
            ...(expectedLoad === undefined ? {} : { expectedLoad })
          })
        )
        if (Result.isSuccess(appended)) {
          return {
            referralId: run.referralId,
            events,
            version: appended.success.version,
            state: after,
            replayed: false
          }
        }
        const error = appended.failure
        switch (error._tag) {
          case "VersionConflict":
          case "LoadChanged":
          case "SubjectChanged":
            // decided (and a submission's subject checked) against what changed since: read and decide again
            return yield* retriesLeft > 0 ? attempt(run, retriesLeft - 1) : Effect.fail(error)
          case "IdempotencyKeyUsed": {
            // the key was used before (a retry) or concurrently: the first result is the answer
            const record = yield* store.idempotency(run.idempotencyKey)
            return yield* Option.isSome(record) ? answerKnown(run, record.value) : Effect.fail(error)
          }
          default:
            return yield* Effect.fail(error)
        }
      })

    const execute = (command: ReferralCommand.ReferralCommand): Effect.Effect<Executed, ReferralServiceError> =>
      Effect.flatMap(
        printsOf(fingerprintContent(command, false), fingerprintContent(command, true), secret),
        (prints) =>
          attempt(
            {
              referralId: command.referralId,
              idempotencyKey: command.idempotencyKey,
              ...prints,
              about: command,
              command: () => (command._tag === "SubmitReferral" ? checkSubject(command) : Effect.succeed({ command }))
            },
            conflictRetries
          )
      )

    // a submission that names a subject the vault holds must be about that person: otherwise its vault write would
    // replace another client's identity and contact data (read by their own referrals' link workers). The write
    // carries what was checked (`expectedIdentity`): the store applies it only while the entry is still so, in the
    // append itself, so a submission checked at the same moment for another person cannot slip in between
    const checkSubject = (
      command: Extract<ReferralCommand.ReferralCommand, { _tag: "SubmitReferral" }>
    ): Effect.Effect<Decidable, ReferralServiceError> =>
      Effect.flatMap(store.subject(command.subjectId), (stored) =>
        Option.isSome(stored) && !PersonalData.sameClient(stored.value, command.client)
          ? Effect.fail(
              new InvalidCommand({
                field: "subjectId",
                reason: "names a client on record with other identity details; leave it out to refer a new client"
              })
            )
          : Effect.succeed({
              command,
              expectedIdentity: Option.isSome(stored) ? PersonalData.identityOf(stored.value) : null
            })
      )

    const assign = (request: AssignRequest): Effect.Effect<Executed, ReferralServiceError> => {
      const command = (linkWorker: LinkWorkerModule.LinkWorker, count: number): ReferralCommand.ReferralCommand => ({
        _tag: "AssignLinkWorker",
        referralId: request.referralId,
        idempotencyKey: request.idempotencyKey,
        actor: request.actor,
        at: request.at,
        linkWorker,
        activeClients: count
      })
      const content = assignmentContent(request)
      return Effect.flatMap(printsOf(content, content, secret), (prints) =>
        attempt(
          {
            referralId: request.referralId,
            idempotencyKey: request.idempotencyKey,
            ...prints,
            about: request,
            command: () =>
              Effect.gen(function* () {
                // the role first: whether a link worker exists is not for everyone to learn (the refusal is
                // recorded in the audit log by `attempt`, unless the key already answers)
                if (!Referral.allowedRoles.AssignLinkWorker.includes(request.actor.role)) {
                  return yield* Effect.fail(
                    new Forbidden({ role: request.actor.role, action: "AssignLinkWorker", reason: "role" })
                  )
                }
                const worker = yield* registry.get(request.linkWorkerId)
                if (Option.isNone(worker)) {
                  return yield* Effect.fail(new LinkWorkerNotFound({ linkWorkerId: request.linkWorkerId }))
                }
                // counted by index; the append's guard proves the count still holds when it is written
                const activeClients = yield* index.activeClients(request.linkWorkerId)
                return {
                  command: command(worker.value, activeClients),
                  expectedLoad: { linkWorkerId: request.linkWorkerId, activeClients }
                }
              })
          },
          conflictRetries
        )
      )
    }

    return ReferralService.of({
      execute,
      executeUnknown: (input) => Effect.flatMap(Effect.fromResult(decode(input)), execute),
      assign,
      state: (referralId) => Effect.map(store.current(referralId), ({ state }) => state)
    })
  })

/**
 * Builds the service with the default options.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = makeWith()

/**
 * The service over the store, audit log, link-worker registry and programme
 * catalog in the context, with options.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (options: Options = {}): Layer.Layer<ReferralService, never, Requirements> =>
  Layer.effect(ReferralService, makeWith(options))

/**
 * The service over the store, audit log, link-worker registry and programme
 * catalog in the context.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<ReferralService, never, Requirements> = layerWith()

/**
 * The whole service in memory, for tests, examples and prototypes: the
 * service together with the in-memory store, audit log and link-worker
 * registry (seeded with `linkWorkers`), the link workers' survey answers
 * (`LinkWorkerSurveyAnswers`) and the catalog (default: the presets),
 * all of them provided so tests can inspect them.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemory = (
  options: Options & {
    readonly catalog?: Programme.Catalog
    readonly linkWorkers?: ReadonlyArray<LinkWorkerModule.LinkWorker>
    /** The community directory (default: empty). */
    readonly directory?: DirectoryModule.Directory
  } = {}
): Layer.Layer<
  | ReferralService
  | Requirements
  | LinkWorkerSurveyAnswers.LinkWorkerSurveyAnswers
  | DirectoryStoreModule.DirectoryStore,
  LinkWorkerRegistry.LinkWorkerRegistryFailure
> =>
  layerWith(options).pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        ReferralStoreMemory.layer,
        AuditLogMemory.layer,
        LinkWorkerRegistry.layerMemory(options.linkWorkers ?? []),
        LinkWorkerSurveyAnswers.layerMemory,
        catalogLayer(options.catalog ?? Presets.catalog),
        DirectoryStoreModule.layerMemory(options.directory)
      )
    )
  )
