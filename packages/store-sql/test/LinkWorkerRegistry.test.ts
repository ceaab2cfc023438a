/**
 * The SQL link-worker registry: the conformance suite of `@lahete/testing`
 * on SQLite and PostgreSQL (each test on a new database file or schema), and
 * what the suite does not cover: the entries survive a new client on the
 * same database; `seed` adds only the entries that are not there; a stored
 * entry that no longer decodes fails naming no value.
 */

import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { describe, expect, it } from "@effect/vitest"
import { Ids, LinkWorkerRegistry } from "@lahete/core"
import { Migrations, SqlLinkWorkerRegistry } from "@lahete/store-sql"
import { Fixtures, LinkWorkerRegistryTest } from "@lahete/testing"
import { Effect, Layer, Option, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { afterAll } from "vitest"
import { databases } from "./support/layers.js"

const actorId = Schema.decodeSync(Ids.ActorId)

for (const database of databases()) {
  LinkWorkerRegistryTest.suite(database.name, SqlLinkWorkerRegistry.layer.pipe(Layer.provide(database.client)))

  /** The registry with options and the client it runs on, on a fresh database. */
  const withRegistry = <A, E>(body: (sql: SqlClient.SqlClient) => Effect.Effect<A, E, SqlClient.SqlClient>) =>
    Effect.flatMap(SqlClient.SqlClient, body).pipe(Effect.provide(Layer.fresh(database.client)))

  const registryOn = (options: SqlLinkWorkerRegistry.Options = {}) =>
    LinkWorkerRegistry.LinkWorkerRegistry.use((registry) => Effect.succeed(registry)).pipe(
      Effect.provide(Layer.fresh(SqlLinkWorkerRegistry.layerWith(options)))
    )

  describe(`SqlLinkWorkerRegistry on ${database.name}`, () => {
    it.effect("seed adds the entries that are not there, in order, and keeps the ones that are", () =>
      withRegistry(() =>
        Effect.gen(function* () {
          const a = Fixtures.linkWorker({ id: actorId("lw-seed-z") })
          const b = Fixtures.otherLinkWorker()
          const c = Fixtures.linkWorker({ id: actorId("lw-seed-a"), capacity: 3 })
          const first = yield* registryOn({ seed: [a, b] })
          expect(yield* first.list()).toEqual([a, b])
          // changed since (e.g. through the API): a new start keeps the change
          const changed = { ...b, refresherTrainings: [Fixtures.at(10)], capacity: 7 }
          yield* first.put(changed)
          const second = yield* registryOn({ seed: [c, a, { ...b, active: false }] })
          expect(yield* second.list()).toEqual([a, changed, c])
          // of two seed entries with one id the later counts
          const d1 = Fixtures.linkWorker({ id: actorId("lw-seed-d"), capacity: 1 })
          const d2 = { ...d1, capacity: 2 }
          const third = yield* registryOn({ seed: [d1, d2] })
          expect(Option.getOrUndefined(yield* third.get(d1.id))).toEqual(d2)
        })
      )
    )

    it.effect("a seed entry that does not match the schema fails the build and adds nothing", () =>
      withRegistry(() =>
        Effect.gen(function* () {
          const good = Fixtures.linkWorker()
          const bad = { ...Fixtures.otherLinkWorker(), areas: ["Aino Testinen"], capacity: -2 }
          const error = yield* Effect.flip(registryOn({ seed: [good, bad] }))
          expect(error).toMatchObject({ _tag: "LinkWorkerRegistryFailure", operation: "seed" })
          expect(error.detail).toBe("entry 2 of the seed does not match the LinkWorker schema")
          expect(error.message).not.toContain("Aino")
          expect(yield* (yield* registryOn()).list()).toEqual([])
        })
      )
    )

    it.effect("a stored entry that does not decode fails naming no value; the migration is recorded", () =>
      withRegistry((sql) =>
        Effect.gen(function* () {
          const registry = yield* registryOn({ seed: [Fixtures.linkWorker()] })
          const ran = yield* sql<{ id: number | string }>`SELECT migration_id AS id FROM lahete_migrations`
          expect(ran.map((r) => Number(r.id))).toContain(6)
          expect(Object.keys(Migrations.migrations)).toContain("0006_link_workers")
          const broken = JSON.stringify({ ...Fixtures.linkWorker(), areas: ["Aino Testinen"], languages: ["xx"] })
          const isPg = sql.onDialectOrElse({ pg: () => true, orElse: () => false })
          yield* sql`UPDATE link_workers SET data = ${broken}${sql.literal(isPg ? "::jsonb" : "")}`
          for (const error of [
            yield* Effect.flip(registry.list()),
            yield* Effect.flip(registry.get(Fixtures.linkWorkerActor.id)),
            yield* Effect.flip(registry.update(Fixtures.linkWorkerActor.id, (w) => w))
          ]) {
            expect(error._tag).toBe("LinkWorkerRegistryFailure")
            expect(error.detail).toBe("a stored entry of link_workers does not match the LinkWorker schema")
            expect(error.message).not.toContain("Aino")
            expect(error.message).not.toContain(Fixtures.linkWorkerActor.id)
          }
        })
      )
    )
  })
}

// a SQLite file opened again by a new client: what was put is there
const dir = mkdtempSync(join(tmpdir(), "lahete-registry-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe("SqlLinkWorkerRegistry on a SQLite file opened again", () => {
  it.effect("keeps every entry and its place across clients", () =>
    Effect.gen(function* () {
      const filename = join(dir, "registry.db")
      const open = <A, E>(body: (registry: LinkWorkerRegistry.Shape) => Effect.Effect<A, E>) =>
        LinkWorkerRegistry.LinkWorkerRegistry.use(body).pipe(
          Effect.provide(
            Layer.fresh(
              SqlLinkWorkerRegistry.layerWith({ seed: [Fixtures.linkWorker()] }).pipe(
                Layer.provide(SqliteClient.layer({ filename }))
              )
            )
          )
        )
      const added = Fixtures.otherLinkWorker({ mentoringSessions: [Fixtures.at(3)] })
      yield* open((registry) =>
        Effect.gen(function* () {
          yield* registry.put(added)
          yield* registry.update(Fixtures.linkWorkerActor.id, (w) => ({ ...w, capacity: 4 }))
        })
      )
      const listed = yield* open((registry) => registry.list())
      expect(listed).toEqual([Fixtures.linkWorker({ capacity: 4 }), added])
    })
  )
})
