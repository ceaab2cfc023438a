/**
 * The link-worker registry (domain specification §5): who the link workers
 * are, where and in which languages they work, their capacity, and the
 * training and confidentiality that make them eligible for assignment.
 *
 * Assignment is refused to a link worker who is inactive, untrained, without
 * a confidentiality commitment, at capacity, or overdue for refresher training
 * (interval per programme). Coordinators get a "training due" list
 * (Sodankylä's chosen idea: continuity of training).
 *
 * @since 0.1.0
 */
import { Result, Schema } from "effect"
import { ActorId } from "./Ids.js"
import { type Instant, InstantSchema } from "./Instant.js"
import { addMonths } from "./internal/months.js"
import { Language } from "./Programme.js"

/**
 * Who employs the link worker (Kemijärvi: the adult education centre, the
 * municipality, an NGO or the parish).
 *
 * @since 0.1.0
 * @category models
 */
export const EmployerType = Schema.Literals(["adult-education-centre", "municipality", "ngo", "parish"])
/**
 * @since 0.1.0
 * @category models
 */
export type EmployerType = typeof EmployerType.Type

/**
 * A link worker in the registry. `id` is their actor id.
 *
 * @since 0.1.0
 * @category schemas
 */
export const LinkWorker = Schema.Struct({
  id: ActorId,
  active: Schema.Boolean,
  employerType: EmployerType,
  languages: Schema.Array(Language),
  areas: Schema.Array(Schema.NonEmptyString),
  /** Active clients at most; absent: the programme's default. */
  capacity: Schema.optionalKey(Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(0)))),
  confidentialityCommitmentSignedAt: Schema.optionalKey(InstantSchema),
  basicTrainingCompletedAt: Schema.optionalKey(InstantSchema),
  refresherTrainings: Schema.Array(InstantSchema),
  mentoringSessions: Schema.Array(InstantSchema)
})
/**
 * @since 0.1.0
 * @category models
 */
export type LinkWorker = typeof LinkWorker.Type

/**
 * Why a link worker cannot be assigned.
 *
 * @since 0.1.0
 * @category models
 */
export const IneligibleReason = Schema.Literals([
  "inactive",
  "untrained",
  "no-confidentiality-commitment",
  "at-capacity",
  "refresher-overdue"
])
/**
 * @since 0.1.0
 * @category models
 */
export type IneligibleReason = typeof IneligibleReason.Type

/**
 * The assignment was refused: the link worker is not eligible.
 *
 * @since 0.1.0
 * @category errors
 */
export class LinkWorkerIneligible extends Schema.TaggedError<LinkWorkerIneligible>()("LinkWorkerIneligible", {
  linkWorkerId: ActorId,
  reason: IneligibleReason
}) {
  override get message(): string {
    return `link worker ${this.linkWorkerId} cannot be assigned: ${this.reason}`
  }
}

/**
 * The programme settings eligibility depends on.
 *
 * @since 0.1.0
 * @category models
 */
export interface Policy {
  readonly refresherIntervalMonths: number
  readonly defaultCapacity: number
}

/**
 * When the link worker's next refresher training is due: the interval after
 * the latest refresher, or after basic training when there has been none.
 * Only trainings on or before `at` count (a training booked for next month
 * does not make anyone eligible today). `undefined` for a link worker with no
 * training by then.
 *
 * @since 0.1.0
 * @category getters
 */
export const refresherDueAt = (worker: LinkWorker, policy: Policy, at?: Instant): Instant | undefined => {
  const latest = [
    ...worker.refresherTrainings,
    ...(worker.basicTrainingCompletedAt ? [worker.basicTrainingCompletedAt] : [])
  ]
    .filter((t) => at === undefined || t <= at)
    .sort()
    .at(-1)
  return latest === undefined ? undefined : addMonths(latest, policy.refresherIntervalMonths)
}

/**
 * The capacity that applies to the link worker.
 *
 * @since 0.1.0
 * @category getters
 */
export const capacityOf = (worker: LinkWorker, policy: Policy): number => worker.capacity ?? policy.defaultCapacity

/**
 * Checks whether the link worker may be assigned a new client at `at`, given
 * how many active clients they have. The first failing rule is the reason, in
 * this order: inactive, untrained, no confidentiality commitment, refresher
 * overdue, at capacity.
 *
 * @since 0.1.0
 * @category rules
 */
export const checkAssignable = (
  worker: LinkWorker,
  context: { readonly at: Instant; readonly activeClients: number; readonly policy: Policy }
): Result.Result<void, LinkWorkerIneligible> => {
  const refuse = (reason: IneligibleReason) =>
    Result.fail(new LinkWorkerIneligible({ linkWorkerId: worker.id, reason }))
  if (!worker.active) return refuse("inactive")
  if (worker.basicTrainingCompletedAt === undefined || worker.basicTrainingCompletedAt > context.at)
    return refuse("untrained")
  if (worker.confidentialityCommitmentSignedAt === undefined || worker.confidentialityCommitmentSignedAt > context.at) {
    return refuse("no-confidentiality-commitment")
  }
  const due = refresherDueAt(worker, context.policy, context.at)
  if (due !== undefined && due <= context.at) return refuse("refresher-overdue")
  if (context.activeClients >= capacityOf(worker, context.policy)) return refuse("at-capacity")
  return Result.void
}

/**
 * One row of the coordinator's "training due" list.
 *
 * @since 0.1.0
 * @category models
 */
export interface TrainingDue {
  readonly linkWorkerId: ActorId
  readonly kind: "basic-training" | "confidentiality-commitment" | "refresher"
  /** For a refresher: when it is (or was) due. */
  readonly dueAt?: Instant
  readonly overdue: boolean
}

/**
 * The coordinator's "training due" list: every active link worker who lacks
 * basic training or a confidentiality commitment, or whose refresher is due
 * within `withinDays` (or overdue). Overdue first, then by due date.
 *
 * @since 0.1.0
 * @category views
 */
export const trainingDue = (
  workers: ReadonlyArray<LinkWorker>,
  options: { readonly at: Instant; readonly policy: Policy; readonly withinDays?: number }
): ReadonlyArray<TrainingDue> => {
  const horizon = new Date(Date.parse(options.at) + (options.withinDays ?? 30) * 86_400_000).toISOString()
  const rows: Array<TrainingDue> = []
  for (const w of workers) {
    if (!w.active) continue
    if (w.basicTrainingCompletedAt === undefined)
      rows.push({ linkWorkerId: w.id, kind: "basic-training", overdue: true })
    if (w.confidentialityCommitmentSignedAt === undefined) {
      rows.push({ linkWorkerId: w.id, kind: "confidentiality-commitment", overdue: true })
    }
    const due = refresherDueAt(w, options.policy, options.at)
    if (due !== undefined && due <= horizon) {
      rows.push({ linkWorkerId: w.id, kind: "refresher", dueAt: due, overdue: due <= options.at })
    }
  }
  return rows.sort((a, b) =>
    a.overdue !== b.overdue
      ? a.overdue
        ? -1
        : 1
      : (a.dueAt ?? "").localeCompare(b.dueAt ?? "") || a.linkWorkerId.localeCompare(b.linkWorkerId)
  )
}
