/**
 * The deployment, assembled from the library's layers as a municipality
 * would assemble it:
 *
 * - storage: one SQLite file (`@lahete/sql-sqlite-node`) holding the event
 *   store, the personal-data vault, the audit logs and the outbox
 *   (`@lahete/store-sql`);
 * - the domain: `ReferralService` over the store, the link-worker registry
 *   and the programme catalog (Kemijärvi's preset);
 * - messaging: the file/console sinks of `@lahete/server` instead of
 *   GatewayAPI and SMTP, so every message is printed with its exact text;
 * - the transport: the eKollega-style inbox (`transport.ts`).
 */
import { rmSync } from "node:fs"
import { join } from "node:path"
import {
  type AuditLog,
  LinkWorkerRegistry,
  type Mailer,
  Programme,
  type ReferralIndex,
  ReferralService,
  type ReferralStore,
  type ReferralTransport,
  type SmsSender
} from "@lahete/core"
import { Sinks, type Worker } from "@lahete/server"
import { SqliteClient } from "@lahete/sql-sqlite-node"
import { SqlAuditLog, SqlReferralStore } from "@lahete/store-sql"
import type { EkollegaToken } from "@lahete/transport-ekollega"
import { type Effect, Layer, Result } from "effect"
import type { SqlClient } from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import { coordinatorAddress, linkWorkers, programme } from "./people.ts"
import * as Transport from "./transport.ts"

/** The files of one run, in its data folder. */
export interface Paths {
  readonly dir: string
  readonly database: string
  readonly sms: string
  readonly email: string
  readonly html: string
  readonly json: string
}

export const paths = (dir: string): Paths => ({
  dir,
  database: join(dir, "lahete.db"),
  sms: join(dir, "sms.jsonl"),
  email: join(dir, "email.jsonl"),
  html: join(dir, "evaluation-report.html"),
  json: join(dir, "evaluation-report.json")
})

/** Each run starts clean: the files an earlier run wrote are removed (nothing else in the folder is touched). */
export const clean = (p: Paths): void => {
  for (const file of [p.database, `${p.database}-wal`, `${p.database}-shm`, p.sms, p.email, p.html, p.json]) {
    rmSync(file, { force: true })
  }
}

/** The programmes this deployment runs: Kemijärvi only. */
export const catalog = Result.getOrThrow(Programme.catalog([programme]))

/** What the worker needs to know to send: the templates' staff link and the coordinators' addresses. */
export const workerOptions: Worker.Options = {
  templates: { referralUrl: "https://lahete.kemijarvi.example.fi/referrals/{referralId}" },
  coordinators: { [programme.id]: [coordinatorAddress] }
}

/** Every service the demo uses. */
export type Services =
  | ReferralService.ReferralService
  | ReferralService.ProgrammeCatalog
  | ReferralStore.ReferralStore
  | ReferralIndex.ReferralIndex
  | AuditLog.AuditLog
  | LinkWorkerRegistry.LinkWorkerRegistry
  | SqlClient
  | SmsSender.SmsSender
  | Mailer.Mailer
  | ReferralTransport.ReferralTransport

/** What can go wrong while they start. */
export type StartError =
  | SqlError
  | ReferralStore.StoreFailure
  | AuditLog.AuditLogFailure
  | LinkWorkerRegistry.LinkWorkerRegistryFailure
  | EkollegaToken.TokenConfigError

/**
 * The layer of every service. `print` is where the sinks print a message
 * whose id `shown` picks (the demo shows only the followed client's).
 */
export const layer = (
  p: Paths,
  options: { readonly print: (text: string) => Effect.Effect<void>; readonly shown: (messageId: string) => boolean }
): Layer.Layer<Services, StartError> => {
  const database = SqliteClient.layer({ filename: p.database })
  const storage = Layer.mergeAll(SqlReferralStore.layer, SqlAuditLog.layer).pipe(Layer.provideMerge(database))
  const domain = ReferralService.layer.pipe(
    Layer.provideMerge(
      Layer.mergeAll(storage, LinkWorkerRegistry.layerMemory(linkWorkers), ReferralService.catalogLayer(catalog))
    )
  )
  const console = { only: options.shown, write: options.print }
  const messaging = Layer.mergeAll(
    Sinks.smsLayer({ file: p.sms, console }),
    Sinks.mailLayer({ file: p.email, console })
  )
  return Transport.layer.pipe(Layer.provideMerge(domain), Layer.merge(messaging))
}
