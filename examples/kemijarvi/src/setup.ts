/**
 * The deployment, assembled from the library's layers as a municipality
 * would assemble it:
 *
 * - storage and the domain in one layer (`SqliteReferralStack` of
 *   `@lahete/store-sql/sqlite`): one SQLite file (`NodeSqlite`, on `node:sqlite`)
 *   holding the event store, the personal-data vault, the audit logs, the
 *   link-worker registry, the link workers' survey answers and the outbox, and `ReferralService` over them with
 *   the programme catalog (Kemijärvi's preset);
 * - messaging: the file/console sinks of `@lahete/server` instead of
 *   GatewayAPI and SMTP, so every message is printed with its exact text;
 * - the transport: the eKollega-style inbox (`transport.ts`).
 */
import { rmSync } from "node:fs"
import { join } from "node:path"
import { type Mailer, MeasureLinkToken, Programme, type ReferralTransport, type SmsSender } from "@lahete/core"
import { Sinks, type Worker } from "@lahete/server"
import type { SqlReferralStack } from "@lahete/store-sql"
import { SqliteReferralStack } from "@lahete/store-sql/sqlite"
import type { EkollegaToken } from "@lahete/transport-ekollega"
import { type Effect, Layer, Redacted, Result } from "effect"
import type { SqlClient } from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import { coordinatorAddress, linkWorkerEmails, linkWorkers, otherLinkWorkers, programme } from "./people.ts"
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

/**
 * The key the measure links are signed with. A deployment reads its secret
 * from the vault (`LAHETE_MEASURE_LINK_SECRET`); this one is the demo's own.
 */
export const measureLinkKey = MeasureLinkToken.key(
  Redacted.make("the Kemijarvi demo's measure-link secret, not for production")
)

/** Where the client's measure form is: `<measureLinkBase>/<token>` (`MeasureLinkPage`'s default path `/m`). */
export const measureLinkBase = "https://lahete.kemijarvi.example.fi/m"

/**
 * What the worker needs to know to send: the templates' staff link and the
 * measure form's address, the measure links' key, the coordinators'
 * addresses, and the link workers' for the survey invitations.
 */
export const workerOptions: Worker.Options = {
  templates: {
    referralUrl: "https://lahete.kemijarvi.example.fi/referrals/{referralId}",
    measureLinkUrl: `${measureLinkBase}/{token}`
  },
  measureLinkKey,
  coordinators: { [programme.id]: [coordinatorAddress] },
  linkWorkerSurvey: { url: "https://lahete.kemijarvi.example.fi/link-worker/survey", emails: linkWorkerEmails }
}

/** Every service the demo uses. */
export type Services =
  | SqlReferralStack.Services
  | SqlClient
  | SmsSender.SmsSender
  | Mailer.Mailer
  | ReferralTransport.ReferralTransport

/** What can go wrong while they start. */
export type StartError = SqlReferralStack.StartError | SqlError | EkollegaToken.TokenConfigError

/**
 * The layer of every service. `print` is where the sinks print a message
 * whose id `shown` picks (the demo shows only the followed client's).
 */
export const layer = (
  p: Paths,
  options: { readonly print: (text: string) => Effect.Effect<void>; readonly shown: (messageId: string) => boolean }
): Layer.Layer<Services, StartError> => {
  const domain = SqliteReferralStack.layer({
    filename: p.database,
    catalog,
    linkWorkers: [...linkWorkers, ...otherLinkWorkers]
  })
  const console = { only: options.shown, write: options.print }
  const messaging = Layer.mergeAll(
    Sinks.smsLayer({ file: p.sms, console }),
    Sinks.mailLayer({ file: p.email, console })
  )
  return Transport.layer.pipe(Layer.provideMerge(domain), Layer.merge(messaging))
}
