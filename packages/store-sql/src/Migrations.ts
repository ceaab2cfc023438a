/**
 * The schema of the SQL store: numbered migrations for SQLite and PostgreSQL
 * in one code base (the dialects differ only in column types and in how a
 * row sequence is generated), run by effect's `Migrator`.
 * `SqlReferralStore.layer`, `SqlAuditLog.layer` and
 * `SqlLinkWorkerRegistry.layer` run them on start; running them again is a
 * no-op.
 *
 * Tables:
 *
 * - `referral_streams`: one row per referral with its version and the
 *   sequence number of its first append (`first_seq`, for `referralIds`).
 * - `referral_events`: the events, `PRIMARY KEY (referral_id, version)`,
 *   each with its type, schema version and data (JSON, `jsonb` on
 *   PostgreSQL), encoded with the versioned `ReferralEvent` codec.
 * - `idempotency_keys`: one row per used key.
 * - `subjects`: the personal-data vault, one row per subject (JSON), apart
 *   from the events; erasure deletes the row.
 * - `usage_log`, `disclosure_log`, `refusal_log`: the audit logs.
 * - `referral_projection`: one row per referral, its folded state (JSON) and
 *   the columns the views and the scheduler search by (`SqlProjections`),
 *   with an index per question of the read side (`SqlReferralIndex`,
 *   `0007_read_side`; a referrer's changes by when their view changed,
 *   `0010_referrer_view_changes`).
 * - `outbox`: the messages the events ask for and their dispatch state
 *   (`SqlOutbox`).
 * - `link_workers`: the link-worker registry (`SqlLinkWorkerRegistry`), one
 *   row per link worker (JSON), in the order first put.
 * - `link_worker_load`: each link worker's active clients, kept with the
 *   projection's rows (`SqlProjections`), for `SqlReferralIndex`.
 * - `store_secrets`: the store's fingerprint secret (`fingerprint`), made at
 *   random on first use (`ReferralStore.fingerprintSecret`).
 * - `token_uses`: the bearer tokens accepted and not yet expired
 *   (`SqlTokenReplay`), so each is accepted once.
 * - `link_worker_survey_answers`: the link workers' survey answers
 *   (`SqlLinkWorkerSurveyAnswers`), each with its survey and round only (a
 *   random key; no link worker, no time).
 * - `link_worker_survey_respondents`: who has answered a round (survey,
 *   round, link worker), apart from the answers, so no one answers twice.
 * - `link_worker_survey_invitations`: who has been invited to a round by
 *   email, so each is invited once.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import * as Migrator from "effect/sql/Migrator"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"

/** Column types and DDL pieces per dialect. */
interface Dialect {
  /** A row sequence that is also the primary key. */
  readonly seqKey: string
  readonly json: string
  readonly timestamp: string
}

const pg: Dialect = {
  seqKey: "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
  json: "JSONB",
  timestamp: "TIMESTAMPTZ NOT NULL DEFAULT now()"
}

const sqlite: Dialect = {
  seqKey: "INTEGER PRIMARY KEY AUTOINCREMENT",
  json: "TEXT",
  timestamp: "TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"
}

/** Runs DDL statements one by one (PostgreSQL's extended protocol takes one statement at a time). */
const ddl = (statements: (d: Dialect) => ReadonlyArray<string>): Effect.Effect<void, SqlError, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const d = sql.onDialectOrElse({ pg: () => pg, orElse: () => sqlite })
    for (const statement of statements(d)) yield* sql.unsafe(statement)
  })

/**
 * The migrations, keyed `<number>_<name>`. Never change a released
 * migration; add the next number.
 *
 * @since 0.1.0
 * @category migrations
 */
export const migrations: Record<string, Effect.Effect<void, SqlError, SqlClient.SqlClient>> = {
  "0001_event_log": ddl((d) => [
    d === pg
      ? `CREATE TABLE referral_streams (
          referral_id TEXT PRIMARY KEY,
          version INTEGER NOT NULL CHECK (version > 0),
          first_seq BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE
        )`
      : `CREATE TABLE referral_streams (
          first_seq INTEGER PRIMARY KEY AUTOINCREMENT,
          referral_id TEXT NOT NULL UNIQUE,
          version INTEGER NOT NULL CHECK (version > 0)
        )`,
    `CREATE TABLE referral_events (
      referral_id TEXT NOT NULL REFERENCES referral_streams (referral_id),
      version INTEGER NOT NULL CHECK (version > 0),
      type TEXT NOT NULL,
      schema_version INTEGER NOT NULL CHECK (schema_version > 0),
      data ${d.json} NOT NULL,
      recorded_at ${d.timestamp},
      PRIMARY KEY (referral_id, version)
    )`,
    `CREATE TABLE idempotency_keys (
      idempotency_key TEXT PRIMARY KEY,
      referral_id TEXT NOT NULL,
      fingerprint TEXT NOT NULL,
      from_version INTEGER NOT NULL,
      to_version INTEGER NOT NULL,
      recorded_at ${d.timestamp},
      CHECK (to_version >= from_version)
    )`
  ]),
  "0002_vault": ddl((d) => [
    `CREATE TABLE subjects (
      subject_id TEXT PRIMARY KEY,
      data ${d.json} NOT NULL,
      updated_at ${d.timestamp}
    )`
  ]),
  "0003_audit_logs": ddl((d) => [
    `CREATE TABLE usage_log (
      seq ${d.seqKey},
      at TEXT NOT NULL,
      actor_id TEXT NOT NULL,
      role TEXT NOT NULL,
      organisation TEXT NOT NULL,
      subject_id TEXT NOT NULL,
      referral_id TEXT,
      what TEXT NOT NULL,
      purpose TEXT NOT NULL
    )`,
    "CREATE INDEX usage_log_subject ON usage_log (subject_id, seq)",
    `CREATE TABLE disclosure_log (
      seq ${d.seqKey},
      at TEXT NOT NULL,
      subject_id TEXT NOT NULL,
      referral_id TEXT,
      recipient_id TEXT NOT NULL,
      recipient_organisation TEXT NOT NULL,
      what TEXT NOT NULL,
      legal_basis TEXT NOT NULL
    )`,
    "CREATE INDEX disclosure_log_subject ON disclosure_log (subject_id, seq)",
    `CREATE TABLE refusal_log (
      seq ${d.seqKey},
      at TEXT NOT NULL,
      actor_id TEXT NOT NULL,
      role TEXT NOT NULL,
      organisation TEXT NOT NULL,
      referral_id TEXT,
      action TEXT NOT NULL,
      reason TEXT NOT NULL
    )`
  ]),
  "0004_projections_outbox": ddl((d) => [
    `CREATE TABLE referral_projection (
      referral_id TEXT PRIMARY KEY,
      version INTEGER NOT NULL CHECK (version > 0),
      status TEXT NOT NULL,
      programme_id TEXT,
      programme_version INTEGER,
      subject_id TEXT,
      referrer_id TEXT,
      referrer_organisation TEXT,
      link_worker_id TEXT,
      submitted_at TEXT,
      assigned_at TEXT,
      call_at TEXT,
      started_at TEXT,
      closed_at TEXT,
      ended_at TEXT,
      last_event_at TEXT,
      failed_attempts INTEGER NOT NULL,
      valid_mobile INTEGER NOT NULL,
      personal_data_erased INTEGER NOT NULL,
      state ${d.json} NOT NULL
    )`,
    "CREATE INDEX referral_projection_programme ON referral_projection (programme_id, status)",
    "CREATE INDEX referral_projection_link_worker ON referral_projection (link_worker_id, status)",
    "CREATE INDEX referral_projection_referrer ON referral_projection (referrer_id)",
    "CREATE INDEX referral_projection_subject ON referral_projection (subject_id)",
    "CREATE INDEX referral_projection_status ON referral_projection (status, submitted_at)",
    // rows for the streams written before this migration: `SqlReferralStore` fills them in when it starts
    `CREATE TABLE outbox (
      id TEXT PRIMARY KEY,
      referral_id TEXT NOT NULL,
      kind TEXT NOT NULL,
      payload ${d.json} NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
      attempts INTEGER NOT NULL DEFAULT 0,
      not_before TEXT NOT NULL,
      created_at ${d.timestamp}
    )`,
    "CREATE INDEX outbox_due ON outbox (status, not_before)",
    "CREATE INDEX outbox_referral ON outbox (referral_id)"
  ]),
  // the dispatcher's states (`sending` under a lease, `cancelled`, `expired`) and bookkeeping (`SqlOutbox.claim`)
  "0005_outbox_dispatch": ddl((d) =>
    d === pg
      ? [
          "ALTER TABLE outbox DROP CONSTRAINT IF EXISTS outbox_status_check",
          `ALTER TABLE outbox ADD CONSTRAINT outbox_status_check
            CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'cancelled', 'expired'))`,
          "ALTER TABLE outbox ADD COLUMN locked_until TEXT",
          "ALTER TABLE outbox ADD COLUMN claim_token TEXT",
          "ALTER TABLE outbox ADD COLUMN provider_id TEXT",
          "ALTER TABLE outbox ADD COLUMN reason TEXT",
          "ALTER TABLE outbox ADD COLUMN finished_at TEXT"
        ]
      : [
          // SQLite cannot change a CHECK constraint: the table is rebuilt
          `CREATE TABLE outbox_next (
            id TEXT PRIMARY KEY,
            referral_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            payload ${d.json} NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'cancelled', 'expired')),
            attempts INTEGER NOT NULL DEFAULT 0,
            not_before TEXT NOT NULL,
            created_at ${d.timestamp},
            locked_until TEXT,
            claim_token TEXT,
            provider_id TEXT,
            reason TEXT,
            finished_at TEXT
          )`,
          `INSERT INTO outbox_next (id, referral_id, kind, payload, status, attempts, not_before, created_at)
            SELECT id, referral_id, kind, payload, status, attempts, not_before, created_at FROM outbox`,
          "DROP TABLE outbox",
          "ALTER TABLE outbox_next RENAME TO outbox",
          "CREATE INDEX outbox_due ON outbox (status, not_before)",
          "CREATE INDEX outbox_referral ON outbox (referral_id)"
        ]
  ),
  // the link-worker registry (`SqlLinkWorkerRegistry`): the entry as validated JSON, `seq` for the order first put
  "0006_link_workers": ddl((d) => [
    d === pg
      ? `CREATE TABLE link_workers (
          link_worker_id TEXT PRIMARY KEY,
          seq BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
          data ${d.json} NOT NULL,
          updated_at ${d.timestamp}
        )`
      : `CREATE TABLE link_workers (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          link_worker_id TEXT NOT NULL UNIQUE,
          data ${d.json} NOT NULL,
          updated_at ${d.timestamp}
        )`
  ]),
  // the read side (`SqlReferralIndex`): the next deadline, find's sort key, whether the referral ended, and the
  // indexes every page of `find`, `due`, `activeClients` and `linkWorkerLoad` reads along (each answer costs what
  // it returns). Text compared bytewise on both databases (`COLLATE "C"` on PostgreSQL; SQLite's default), the
  // order in which the in-memory index compares strings.
  "0007_read_side": ddl((d) => {
    const c = d === pg ? ' COLLATE "C"' : ""
    return [
      ...(d === pg ? [`ALTER TABLE referral_projection ALTER COLUMN referral_id TYPE TEXT${c}`] : []),
      // NULL: nothing can fall due any more; '' (before every instant): not computed yet, due at once
      `ALTER TABLE referral_projection ADD COLUMN next_due_at TEXT${c} DEFAULT ''`,
      // find's order: the submission instant, '' for a stream without one
      `ALTER TABLE referral_projection ADD COLUMN sort_key TEXT${c} NOT NULL DEFAULT ''`,
      // 1 when the status is terminal (Lifecycle.terminal)
      "ALTER TABLE referral_projection ADD COLUMN ended INTEGER NOT NULL DEFAULT 0",
      `UPDATE referral_projection SET sort_key = coalesce(submitted_at, ''), next_due_at = '',
        ended = CASE WHEN status IN ('FollowedUp', 'Rejected', 'Declined', 'Unreachable', 'Cancelled', 'Withdrawn')
          THEN 1 ELSE 0 END`,
      // replaced by the wider indexes below
      "DROP INDEX referral_projection_programme",
      "DROP INDEX referral_projection_link_worker",
      "DROP INDEX referral_projection_referrer",
      "DROP INDEX referral_projection_subject",
      "DROP INDEX referral_projection_status",
      // find: one equality prefix, then the page's order
      "CREATE INDEX referral_projection_order ON referral_projection (sort_key, referral_id)",
      `CREATE INDEX referral_projection_programme_open
        ON referral_projection (programme_id, ended, sort_key, referral_id)`,
      `CREATE INDEX referral_projection_programme_status
        ON referral_projection (programme_id, status, sort_key, referral_id)`,
      "CREATE INDEX referral_projection_status ON referral_projection (status, sort_key, referral_id)",
      `CREATE INDEX referral_projection_link_worker
        ON referral_projection (link_worker_id, ended, sort_key, referral_id)`,
      `CREATE INDEX referral_projection_referrer
        ON referral_projection (referrer_organisation, referrer_id, sort_key, referral_id)`,
      "CREATE INDEX referral_projection_subject ON referral_projection (subject_id, sort_key, referral_id)",
      // activeClients and linkWorkerLoad: only the referrals on a caseload (Lifecycle.caseload)
      `CREATE INDEX referral_projection_caseload ON referral_projection (link_worker_id, status)
        WHERE status IN ('Assigned', 'ContactScheduled', 'Active', 'OnHold')`,
      // due: only the referrals with a deadline still to come
      `CREATE INDEX referral_projection_due ON referral_projection (next_due_at, referral_id)
        WHERE next_due_at IS NOT NULL`
    ]
  }),
  // each link worker's active clients (referrals in the caseload statuses), kept by `SqlProjections.write` with the
  // projection's rows: `linkWorkerLoad` (on every inbox page) reads one row per link worker, not every caseload row
  "0008_link_worker_load": ddl(() => [
    `CREATE TABLE link_worker_load (
      link_worker_id TEXT PRIMARY KEY,
      active_clients INTEGER NOT NULL
    )`,
    `INSERT INTO link_worker_load (link_worker_id, active_clients)
      SELECT link_worker_id, count(*) FROM referral_projection
      WHERE link_worker_id IS NOT NULL AND status IN ('Assigned', 'ContactScheduled', 'Active', 'OnHold')
      GROUP BY link_worker_id`
  ]),
  // guards against careless or hostile peers: the store's secret for command fingerprints (one row, made on first
  // use, `SqlReferralStore`), and the bearer tokens seen within their lifetime, so a token is accepted once
  // (`SqlTokenReplay`; a row lives until the token expires)
  "0009_peer_guards": ddl((d) => [
    `CREATE TABLE store_secrets (
      name TEXT PRIMARY KEY,
      secret TEXT NOT NULL,
      created_at ${d.timestamp}
    )`,
    `CREATE TABLE token_uses (
      token_key TEXT PRIMARY KEY,
      expires_at BIGINT NOT NULL
    )`,
    "CREATE INDEX token_uses_expiry ON token_uses (expires_at)"
  ]),
  // a referrer's changes poll (the transports' `changes`, FHIR `_lastUpdated`) by index: when the referrer's view
  // last changed (`ReferralIndex.referrerViewChangedAt`) and when its feedback consent expires (an expiry that has
  // passed is a change too), each after the referrer, so a poll reads the referrals that changed, not all of the
  // referrer's
  "0010_referrer_view_changes": ddl((d) => {
    const c = d === pg ? ' COLLATE "C"' : ""
    const field = (path: ReadonlyArray<string>) =>
      d === pg
        ? `state #>> '{${path.join(",")}}'`
        : `json_extract(state, '$.${path.map((p) => (p.includes("-") ? `"${p}"` : p)).join(".")}')`
    return [
      `ALTER TABLE referral_projection ADD COLUMN view_changed_at TEXT${c}`,
      `ALTER TABLE referral_projection ADD COLUMN feedback_expires_at TEXT${c}`,
      `UPDATE referral_projection SET
        view_changed_at = coalesce(${field(["referrerViewChangedAt"])}, ${field(["statusChangedAt"])}, submitted_at),
        feedback_expires_at = ${field(["consents", "feedback-to-referrer", "expiresAt"])}`,
      `CREATE INDEX referral_projection_referrer_changed
        ON referral_projection (referrer_organisation, referrer_id, view_changed_at, referral_id)`,
      `CREATE INDEX referral_projection_referrer_expiry
        ON referral_projection (referrer_organisation, referrer_id, feedback_expires_at, referral_id)
        WHERE feedback_expires_at IS NOT NULL`
    ]
  }),
  // the link workers' survey (`SqlLinkWorkerSurveyAnswers`): the answers with their survey and round only (a random
  // key, no link worker, no time, no sequence), and apart from them who has answered a round, so no one answers twice,
  // and who has been invited to a round by email, so no one is invited twice
  "0012_link_worker_survey": ddl((d) => [
    `CREATE TABLE link_worker_survey_answers (
      answer_key TEXT PRIMARY KEY,
      survey_id TEXT NOT NULL,
      round TEXT NOT NULL,
      answers ${d.json} NOT NULL
    )`,
    "CREATE INDEX link_worker_survey_answers_round ON link_worker_survey_answers (survey_id, round, answer_key)",
    `CREATE TABLE link_worker_survey_respondents (
      survey_id TEXT NOT NULL,
      round TEXT NOT NULL,
      link_worker_id TEXT NOT NULL,
      PRIMARY KEY (survey_id, round, link_worker_id)
    )`,
    `CREATE TABLE link_worker_survey_invitations (
      survey_id TEXT NOT NULL,
      round TEXT NOT NULL,
      link_worker_id TEXT NOT NULL,
      PRIMARY KEY (survey_id, round, link_worker_id)
    )`
  ]),
  // the community directory (`SqlDirectoryStore`): every version of each organisation and activity, the current one
  // flagged; the pages of current entries read along the partial indexes (ids compared bytewise, as in memory)
  "0013_community_directory": ddl((d) => {
    const c = d === pg ? ' COLLATE "C"' : ""
    return [
      `CREATE TABLE directory_organisations (
        organisation_id TEXT${c} NOT NULL,
        version INTEGER NOT NULL CHECK (version > 0),
        is_current INTEGER NOT NULL,
        data ${d.json} NOT NULL,
        recorded_at ${d.timestamp},
        PRIMARY KEY (organisation_id, version)
      )`,
      "CREATE UNIQUE INDEX directory_organisations_current ON directory_organisations (organisation_id) WHERE is_current = 1",
      `CREATE TABLE directory_activities (
        activity_id TEXT${c} NOT NULL,
        version INTEGER NOT NULL CHECK (version > 0),
        organisation_id TEXT${c} NOT NULL,
        area TEXT${c} NOT NULL,
        status TEXT NOT NULL,
        is_current INTEGER NOT NULL,
        data ${d.json} NOT NULL,
        recorded_at ${d.timestamp},
        PRIMARY KEY (activity_id, version)
      )`,
      "CREATE UNIQUE INDEX directory_activities_current ON directory_activities (activity_id) WHERE is_current = 1",
      `CREATE INDEX directory_activities_area ON directory_activities (area, activity_id) WHERE is_current = 1`,
      `CREATE INDEX directory_activities_organisation
        ON directory_activities (organisation_id, activity_id) WHERE is_current = 1`
    ]
  }),
  // the pages of active activities (`activeOnly`) along their own partial indexes: never past the inactive ones
  "0014_directory_active_pages": ddl(() => [
    "CREATE INDEX directory_activities_active ON directory_activities (activity_id) WHERE is_current = 1 AND status = 'active'",
    `CREATE INDEX directory_activities_active_area
      ON directory_activities (area, activity_id) WHERE is_current = 1 AND status = 'active'`,
    `CREATE INDEX directory_activities_active_organisation
      ON directory_activities (organisation_id, activity_id) WHERE is_current = 1 AND status = 'active'`
  ])
}

/**
 * The table in which the migrator records the migrations it ran.
 *
 * @since 0.1.0
 * @category migrations
 */
export const table = "lahete_migrations"

const migrate = Migrator.make({})({ loader: Migrator.fromRecord(migrations), table })

/**
 * Runs the pending migrations in one transaction and returns the ones it ran.
 * On PostgreSQL the transaction first takes an advisory lock for the schema,
 * so several instances may start at once on a fresh database: the first
 * creates the tables, the others wait and find nothing to do. (effect's
 * `Migrator` alone creates its own table before it locks it.) On SQLite the
 * write transaction already runs alone.
 *
 * @since 0.1.0
 * @category migrations
 */
export const run: Effect.Effect<
  ReadonlyArray<readonly [id: number, name: string]>,
  Migrator.MigrationError | SqlError,
  SqlClient.SqlClient
> = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const lock = sql.onDialectOrElse({
    pg: () =>
      Effect.asVoid(sql`SELECT pg_advisory_xact_lock(hashtext(coalesce(current_schema(), '') || '.' || ${table}))`),
    orElse: () => Effect.void
  })
  return yield* sql.withTransaction(Effect.andThen(lock, migrate))
})
