/**
 * The deployment, assembled from the library's layers as a wellbeing
 * services county would assemble it:
 *
 * - storage: PostgreSQL through `@effect/sql-pg`, holding the event store,
 *   the personal-data vault, the projections, the audit logs and the outbox
 *   of `@lahete/store-sql`, whose layers run the numbered migrations when
 *   they start;
 * - the domain: `ReferralService` over the store, the link-worker registry
 *   and the programme catalog (Sodankylä's preset);
 * - the transport: the FHIR R4 closed loop (`fhir.ts`).
 *
 * The example works in a schema of its own (the connection's
 * `search_path`), which it empties at the start of every run.
 */
import { PgClient } from "@effect/sql-pg"
import { Programme, type ReferralTransport } from "@lahete/core"
import { SqlReferralStack } from "@lahete/store-sql"
import { Effect, Layer, Redacted, Result } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import * as Fhir from "./fhir.js"
import { linkWorkers, programme } from "./people.js"

/** Where the example keeps its tables. */
export interface Database {
  /** A PostgreSQL URL, e.g. `postgres://user:password@host:5432/db`. */
  readonly url: string
  /** The schema (created, and emptied first when it exists). */
  readonly schema: string
  /** Drop the schema when the run ends (the tests do; `pnpm start` keeps it to look at). */
  readonly dropAfter?: boolean
}

/** A schema name the example accepts: lower-case letters, digits and `_`. */
export const isSchemaName = (name: string): boolean => /^[a-z_][a-z0-9_]{0,62}$/.test(name)

/** The URL with its password hidden, for the narration. */
export const redactUrl = (url: string): string => url.replace(/\/\/([^:/@]+):[^@/]*@/, "//$1:•••@")

/**
 * A PostgreSQL client whose connections work in `database.schema`: the
 * schema is dropped (with everything in it) and created again when the layer
 * starts, so every run begins empty.
 */
export const database = (db: Database): Layer.Layer<SqlClient.SqlClient | PgClient.PgClient, SqlError> => {
  const client = PgClient.layer({
    url: Redacted.make(db.url),
    startupParameters: { search_path: db.schema },
    applicationName: "lahete-example-sodankyla",
    maxConnections: 4
  })
  const freshSchema = Layer.effectDiscard(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql.unsafe(`DROP SCHEMA IF EXISTS "${db.schema}" CASCADE`)
      yield* sql.unsafe(`CREATE SCHEMA "${db.schema}"`)
      if (db.dropAfter === true) {
        yield* Effect.addFinalizer(() => Effect.ignore(sql.unsafe(`DROP SCHEMA IF EXISTS "${db.schema}" CASCADE`)))
      }
    })
  )
  return Layer.provideMerge(freshSchema, client)
}

/** The programmes this deployment runs: Sodankylä only. */
export const catalog = Result.getOrThrow(Programme.catalog([programme]))

/** Every service the walk uses. */
export type Services = SqlReferralStack.Services | SqlClient.SqlClient | ReferralTransport.ReferralTransport | Fhir.Wire

/** What can go wrong while they start. */
export type StartError = SqlReferralStack.StartError | SqlError

/** The layer of every service. */
export const layer = (db: Database): Layer.Layer<Services, StartError> => {
  // the service, store, audit log and link-worker registry over the client (the migrations run when they start)
  const domain = SqlReferralStack.layer({ catalog, linkWorkers }).pipe(Layer.provideMerge(database(db)))
  return Fhir.layer.pipe(Layer.provideMerge(domain))
}
