/**
 * The driver's floor (issue 17) and lahete measured against it, in the same
 * run, interleaved command by command.
 *
 * The floor of a command: read the referral's stream, decode and fold it,
 * decide, then one transaction that inserts the command's event rows, and
 * nothing else. On SQLite through `node:sqlite`'s `DatabaseSync` directly
 * (cached prepared statements; a file of its own beside lahete's, with the
 * same journal mode, `synchronous` level and busy timeout); on PostgreSQL
 * through the same `SqlClient` lahete uses (a table of its own, `BEGIN`,
 * one `INSERT … VALUES`, `COMMIT`). The floor of an append is that
 * transaction alone.
 *
 * Measured, each pair one after the other so both see the same machine:
 * - a whole command: `ReferralService.execute` against the floor's command;
 * - an append: `ReferralStore.append` (with the state the command was
 *   decided against, as the service passes it) against the floor's
 *   transaction; on SQLite also against the same statements lahete's append
 *   sent (recorded as it ran, with their parameters), run on a database of
 *   their own with lahete's schema through `DatabaseSync` directly: what
 *   the rows the guarantees need (key, stream version, projection row,
 *   outbox, vault) cost the database, without lahete's JavaScript or
 *   effect/sql;
 * - the statements each of lahete's commands runs, `ReferralService.assign`
 *   included (counted through
 *   `Statement.CurrentTransformer`, plus `BEGIN` and `COMMIT` for each
 *   `sql.transaction` span: on PostgreSQL each is a round trip);
 * - a command on a referral with 5 events against one with 500.
 */
import { DatabaseSync } from "node:sqlite"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Ids, Referral, ReferralEvent, ReferralService, ReferralStore } from "@lahete/core"
import { SqlReferralStore } from "@lahete/store-sql"
import { Fixtures } from "@lahete/testing"
import { Context, Effect, Layer, Result, Schema, Tracer } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import * as Statement from "effect/sql/Statement"
import { DirectObserver } from "../src/internal/direct.js"
import { appendRequests, lifecycle } from "./lifecycle.js"

type Command = Parameters<ReferralService.Shape["execute"]>[0]

/** How the floor reads and writes: one referral's stream, and one transaction of event rows. */
interface FloorDriver {
  readonly read: (referralId: string) => Effect.Effect<ReadonlyArray<Row>>
  readonly insert: (rows: ReadonlyArray<Row>) => Effect.Effect<void>
  readonly close: Effect.Effect<void>
}

/** A statement as effect/sql sent it: its text and parameters. */
type Sent = readonly [string, ReadonlyArray<unknown>]

/** SQLite: lahete's own statements replayed through the driver directly, on a database of their own. */
interface SameStatements {
  readonly run: (statements: ReadonlyArray<Sent>) => Effect.Effect<void>
  readonly close: Effect.Effect<void>
}

interface Row {
  readonly referral_id: string
  readonly version: number
  readonly type: string
  readonly schema_version: number
  readonly data: string
}

const tableSql = (isPg: boolean) => `CREATE TABLE floor_events (
  referral_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  type TEXT NOT NULL,
  schema_version INTEGER NOT NULL,
  data ${isPg ? "JSONB" : "TEXT"} NOT NULL,
  recorded_at ${isPg ? "TIMESTAMPTZ NOT NULL DEFAULT now()" : "TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"},
  PRIMARY KEY (referral_id, version)
)`

/**
 * SQLite: a database of its own with lahete's schema (the store's migrations, run by a client of its own) and the
 * append's temporary view and trigger (read from that client's connection), and a `DatabaseSync` on it with the
 * same pragmas, which runs recorded statements with prepared statements kept.
 */
const sameStatements = (filename: string, pragmas: string) =>
  Effect.gen(function* () {
    const context = yield* Layer.build(SqliteClient.layer({ filename }))
    const sql = Context.get(context, SqlClient.SqlClient).withoutTransforms()
    yield* Effect.orDie(Effect.provideService(SqlReferralStore.make, SqlClient.SqlClient, sql))
    const temp = yield* Effect.orDie(
      sql<{ readonly type: string; readonly sql: string }>`SELECT type, sql FROM sqlite_temp_master
        WHERE type IN ('view', 'trigger') ORDER BY type = 'trigger'`
    )
    const db = new DatabaseSync(filename)
    db.exec(pragmas)
    for (const t of temp) db.exec(t.sql.replace(/^CREATE (VIEW|TRIGGER)/, "CREATE TEMP $1"))
    const prepared = new Map<string, ReturnType<DatabaseSync["prepare"]>>()
    return {
      run: (statements) =>
        Effect.sync(() => {
          for (const [text, params] of statements) {
            let statement = prepared.get(text)
            if (statement === undefined) {
              statement = db.prepare(text)
              prepared.set(text, statement)
            }
            statement.run(...(params as Array<string | number | null>))
          }
        }),
      close: Effect.sync(() => db.close())
    } satisfies SameStatements
  })

/** The SQLite floor: its own file, the client's pragmas, `DatabaseSync` with prepared statements kept. */
export const sqliteFloor = (filename: string, sameStatementsFile: string) =>
  Effect.gen(function* () {
    const sql = (yield* SqlClient.SqlClient).withoutTransforms()
    const pragma = (name: string) =>
      Effect.map(Effect.orDie(sql.unsafe(`PRAGMA ${name}`)), (rows) =>
        String(Object.values((rows[0] ?? {}) as Record<string, unknown>)[0])
      )
    const journal = yield* pragma("journal_mode")
    const synchronous = yield* pragma("synchronous")
    const busy = yield* pragma("busy_timeout")
    const pragmas = `PRAGMA journal_mode = ${journal}; PRAGMA synchronous = ${synchronous}; PRAGMA busy_timeout = ${busy}`
    const db = new DatabaseSync(filename)
    db.exec(pragmas)
    db.exec(tableSql(false))
    const same = yield* sameStatements(sameStatementsFile, pragmas)
    const select = db.prepare(
      "SELECT referral_id, version, type, schema_version, data FROM floor_events WHERE referral_id = ? ORDER BY version"
    )
    const insert = db.prepare(
      "INSERT INTO floor_events (referral_id, version, type, schema_version, data) VALUES (?, ?, ?, ?, ?)"
    )
    const begin = db.prepare("BEGIN IMMEDIATE")
    const commit = db.prepare("COMMIT")
    return {
      pragmas: `journal_mode=${journal}, synchronous=${synchronous}, busy_timeout=${busy}`,
      driver: {
        read: (referralId) => Effect.sync(() => select.all(referralId) as unknown as ReadonlyArray<Row>),
        insert: (rows) =>
          Effect.sync(() => {
            begin.run()
            for (const r of rows) insert.run(r.referral_id, r.version, r.type, r.schema_version, r.data)
            commit.run()
          }),
        close: Effect.andThen(
          Effect.sync(() => db.close()),
          same.close
        )
      } satisfies FloorDriver,
      same
    }
  })

/** The PostgreSQL floor: the same client, a table of its own, one `INSERT` in a transaction. */
export const pgFloor = Effect.gen(function* () {
  const sql = (yield* SqlClient.SqlClient).withoutTransforms()
  yield* Effect.orDie(sql.unsafe(tableSql(true)))
  return {
    pragmas: "the same client and pool as lahete",
    driver: {
      read: (referralId) =>
        Effect.orDie(
          sql<Row>`SELECT referral_id, version, type, schema_version, data::text AS data
            FROM floor_events WHERE referral_id = ${referralId} ORDER BY version`
        ),
      insert: (rows) =>
        Effect.orDie(
          sql.withTransaction(
            sql`INSERT INTO floor_events (referral_id, version, type, schema_version, data) VALUES ${sql.csv(
              rows.map((r) => sql`(${r.referral_id}, ${r.version}, ${r.type}, ${r.schema_version}, ${r.data}::jsonb)`)
            )}`
          )
        ),
      close: Effect.void
    } satisfies FloorDriver,
    same: undefined
  }
})

const encodeRows = (referralId: string, from: number, events: ReadonlyArray<ReferralEvent.ReferralEvent>) =>
  events.map((event, i) => {
    const stored = ReferralEvent.codec.encode(event)
    return {
      referral_id: referralId,
      version: from + i + 1,
      type: stored.type,
      schema_version: stored.version,
      data: JSON.stringify(stored.data)
    } satisfies Row
  })

/** The floor's command: read the stream, decode and fold it, decide, insert the events in one transaction. */
const floorCommand = (driver: FloorDriver, command: Command) =>
  Effect.gen(function* () {
    const found = yield* driver.read(command.referralId)
    const events = found.map((row) =>
      Result.getOrThrow(
        ReferralEvent.codec.decode({ type: row.type, version: row.schema_version, data: JSON.parse(row.data) })
      )
    )
    const state = Referral.fold(events)
    const decision = Fixtures.decider.decide(command, state)
    if (Result.isFailure(decision)) return yield* Effect.die(new Error(`floor: ${command._tag} refused`))
    yield* driver.insert(encodeRows(command.referralId, found.length, decision.success))
  })

const timed = <A, E, R>(into: Array<number> | undefined, effect: Effect.Effect<A, E, R>) =>
  Effect.suspend(() => {
    const started = performance.now()
    return Effect.tap(Effect.orDie(effect), () =>
      Effect.sync(() => {
        into?.push(performance.now() - started)
      })
    )
  })

/** The figures of one database. */
export interface FloorFigures {
  readonly pragmas: string
  readonly commands: { readonly lahete: Array<number>; readonly floor: Array<number> }
  readonly appends: { readonly lahete: Array<number>; readonly floor: Array<number> }
  /** SQLite: the same appends' statements through the driver directly (empty on PostgreSQL). */
  readonly sameStatements: Array<number>
  /** Statements per command of lahete, by command (the most any one run took), `BEGIN`/`COMMIT` included. */
  readonly statements: Map<string, number>
  readonly history: { short: Array<number>; long: Array<number>; shortEvents: number; longEvents: number }
}

const referralId = Schema.decodeSync(Ids.ReferralId)
const key = Schema.decodeSync(Ids.IdempotencyKey)

/** Meetings one hour apart from the referral's start: a command that any length of history accepts. */
const meetingAt = (name: string, n: number): Command => ({
  ...Fixtures.meeting({ meetingAt: Fixtures.at(30 + n), at: Fixtures.at(30 + n), durationMinutes: 30 }),
  referralId: referralId(`bench-${name}`),
  idempotencyKey: key(`bench-${name}-meeting-${n}`)
})

/**
 * Runs `count` lifecycles each way, interleaved command by command, then the
 * appends of `count` lifecycles each way, then the history comparison.
 */
export const measureFloor = (
  floor: { readonly pragmas: string; readonly driver: FloorDriver; readonly same: SameStatements | undefined },
  options: { readonly count: number; readonly warmup: number; readonly historyRuns: number }
) =>
  Effect.gen(function* () {
    const service = yield* ReferralService.ReferralService
    const store = yield* ReferralStore.ReferralStore
    const { driver } = floor
    const figures: FloorFigures = {
      pragmas: floor.pragmas,
      commands: { lahete: [], floor: [] },
      appends: { lahete: [], floor: [] },
      sameStatements: [],
      statements: new Map(),
      history: { short: [], long: [], shortEvents: 0, longEvents: 0 }
    }
    let statements = 0
    let transactions = 0
    // effect/sql opens a span named `sql.transaction` for each transaction: its BEGIN and COMMIT are statements too
    const tracer = Tracer.make({
      span: (options) => {
        if (options.name === "sql.transaction") transactions++
        return new Tracer.NativeSpan(options)
      }
    })
    const counting = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      Effect.provideService(effect, Statement.CurrentTransformer, (self) => {
        statements++
        return Effect.succeed(self)
      }).pipe(
        // the statements of a synchronous batch on the connection (`NodeSqlite`) count alike
        Effect.provideService(DirectObserver, () => {
          statements++
        }),
        Effect.withTracer(tracer)
      )

    // whole commands
    for (let i = -options.warmup; i < options.count; i++) {
      const measured = i >= 0
      const ours = lifecycle(`cmd-${i}`)
      const theirs = lifecycle(`floor-cmd-${i}`)
      for (const [k, command] of ours.entries()) {
        statements = 0
        transactions = 0
        yield* timed(measured ? figures.commands.lahete : undefined, counting(service.execute(command)))
        const total = statements + 2 * transactions
        // measured runs only: the store's first command also reads its fingerprint secret, once
        if (measured) figures.statements.set(command._tag, Math.max(figures.statements.get(command._tag) ?? 0, total))
        const other = theirs[k]
        if (other !== undefined)
          yield* timed(measured ? figures.commands.floor : undefined, floorCommand(driver, other))
      }
    }

    // appends alone; on SQLite, each append's statements as sent are run again on the same-statements database
    const sent: Array<Sent> = []
    const recording = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      Effect.provideService(effect, Statement.CurrentTransformer, (self) => {
        const [text, params] = self.compile()
        sent.push([text, params])
        return Effect.succeed(self)
      }).pipe(
        Effect.provideService(DirectObserver, (text, params) => {
          sent.push([text, params])
        })
      )
    for (let i = -options.warmup; i < options.count; i++) {
      const measured = i >= 0
      const ours = appendRequests(`app-${i}`)
      const theirs = appendRequests(`floor-app-${i}`)
      for (const [k, request] of ours.entries()) {
        sent.length = 0
        yield* timed(measured ? figures.appends.lahete : undefined, recording(store.append(request)))
        const other = theirs[k]
        if (other !== undefined) {
          const rows = encodeRows(other.referralId, other.expectedVersion, other.events)
          yield* timed(measured ? figures.appends.floor : undefined, driver.insert(rows))
        }
        if (floor.same !== undefined) {
          yield* timed(measured ? figures.sameStatements : undefined, floor.same.run([...sent]))
        }
      }
    }

    // an assignment as a coordinator makes it (`ReferralService.assign`: the registry's entry and the link worker's
    // count are read first, the append carries the load guard); statements only
    for (let i = 0; i < 3; i++) {
      const commands = lifecycle(`assign-${i}`)
      const assignment = commands.find((c) => c._tag === "AssignLinkWorker")
      const submit = commands[0]
      if (assignment === undefined || assignment._tag !== "AssignLinkWorker" || submit === undefined) break
      yield* Effect.orDie(service.execute(submit))
      statements = 0
      transactions = 0
      yield* Effect.orDie(
        counting(
          service.assign({
            referralId: assignment.referralId,
            idempotencyKey: assignment.idempotencyKey,
            actor: assignment.actor,
            at: assignment.at,
            linkWorkerId: assignment.linkWorker.id
          })
        )
      )
      const total = statements + 2 * transactions
      const name = "AssignLinkWorker (`assign`)"
      figures.statements.set(name, Math.max(figures.statements.get(name) ?? 0, total))
    }

    // a command on a referral with 5 events against one with 500: the first four commands of a lifecycle, then
    // meetings; each short referral is new, the long one grows by one event per run
    for (const c of lifecycle("hist-long").slice(0, 4)) yield* Effect.orDie(service.execute(c))
    const longId = referralId("bench-hist-long")
    let n = 0
    while ((yield* Effect.orDie(store.current(longId))).version < 500) {
      yield* Effect.orDie(service.execute(meetingAt("hist-long", n++)))
    }
    figures.history.longEvents = (yield* Effect.orDie(store.current(longId))).version
    for (let i = 0; i < options.historyRuns; i++) {
      const short = `hist-short-${i}`
      for (const c of lifecycle(short).slice(0, 4)) yield* Effect.orDie(service.execute(c))
      figures.history.shortEvents = (yield* Effect.orDie(store.current(referralId(`bench-${short}`)))).version
      yield* timed(figures.history.short, service.execute(meetingAt(short, 10_000)))
      yield* timed(figures.history.long, service.execute(meetingAt("hist-long", 10_000 + i)))
    }
    return figures
  })
