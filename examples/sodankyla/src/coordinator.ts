/**
 * What the coordinator's screens show about link workers:
 *
 * - the assignment screen: every link worker in the registry with their
 *   active clients (read from the referral projection in PostgreSQL) and
 *   whether they may be assigned now (`LinkWorker.checkAssignable`, the same
 *   rule the decider applies when an assignment is made);
 * - the "training due" list (`LinkWorkerRegistry.trainingDue`, Sodankylä's
 *   chosen idea: continuity of training): missing basic training or
 *   confidentiality commitments, and refreshers due within 30 days or
 *   overdue under the programme's interval.
 */
import {
  type Instant,
  Lifecycle,
  LinkWorker,
  LinkWorkerRegistry,
  type Programme,
  type ReferralStore
} from "@lahete/core"
import { SqlProjections } from "@lahete/store-sql"
import { Effect, Result } from "effect"
import type * as SqlClient from "effect/sql/SqlClient"
import { programme } from "./people.js"

/** One row of the assignment screen. */
export interface Option {
  readonly worker: LinkWorker.LinkWorker
  readonly activeClients: number
  /** `undefined` when the link worker may be assigned; else why not. */
  readonly ineligible?: LinkWorker.IneligibleReason
}

/** The assignment screen at `at`, in registry order. */
export const assignmentOptions = (
  at: Instant.Instant
): Effect.Effect<
  ReadonlyArray<Option>,
  LinkWorkerRegistry.LinkWorkerRegistryFailure | ReferralStore.StoreFailure,
  LinkWorkerRegistry.LinkWorkerRegistry | SqlClient.SqlClient
> =>
  Effect.gen(function* () {
    const registry = yield* LinkWorkerRegistry.LinkWorkerRegistry
    const options: Array<Option> = []
    for (const worker of yield* registry.list()) {
      const caseload = yield* SqlProjections.referralIdsBy({
        linkWorkerId: worker.id,
        statuses: [...Lifecycle.caseload]
      })
      const check = LinkWorker.checkAssignable(worker, {
        at,
        activeClients: caseload.length,
        policy: programme.linkWorkers
      })
      options.push({
        worker,
        activeClients: caseload.length,
        ...(Result.isFailure(check) ? { ineligible: check.failure.reason } : {})
      })
    }
    return options
  })

/**
 * The link worker a coordinator would pick at `at`: among those who may be
 * assigned, one who speaks the client's language if any does, then the one
 * with the fewest active clients.
 */
export const pick = (options: ReadonlyArray<Option>, language: Programme.Language): Option | undefined =>
  options
    .filter((o) => o.ineligible === undefined)
    .sort(
      (a, b) =>
        Number(b.worker.languages.includes(language)) - Number(a.worker.languages.includes(language)) ||
        a.activeClients - b.activeClients
    )[0]

/** The coordinator's "training due" list at `at`. */
export const trainingDue = (
  at: Instant.Instant
): Effect.Effect<
  ReadonlyArray<LinkWorker.TrainingDue>,
  LinkWorkerRegistry.LinkWorkerRegistryFailure,
  LinkWorkerRegistry.LinkWorkerRegistry
> => LinkWorkerRegistry.trainingDue({ at, policy: programme.linkWorkers, withinDays: 30 })
