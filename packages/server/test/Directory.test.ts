/**
 * The community directory over HTTP (on SQLite): the coordinator changes it
 * (next versions, all or nothing, a 400 naming the path), staff read its
 * activities, its organisations and its HSDS export a page at a time (an
 * opaque cursor; one not issued here is a 400); other roles are refused.
 */
import { expect, layer } from "@effect/vitest"
import { DirectoryPresets } from "@lahete/core"
import { Fixtures as F } from "@lahete/testing"
import { Effect } from "effect"
import { Harness, layer as harness } from "./support/harness.js"
import * as Stores from "./support/stores.js"

const unversioned = <A extends { readonly version: number }>({ version: _, ...rest }: A) => rest
const preset = DirectoryPresets.kemijarvi
const changes = {
  organisations: preset.currentOrganisations.map(unversioned),
  activities: preset.currentActivities.map(unversioned)
}

layer(harness(Stores.sqlite()), { excludeTestServices: true, timeout: "60 seconds" })(
  "the directory over HTTP",
  (it) => {
    it.effect("the coordinator changes it; staff read it by page and as HSDS; others are refused", () =>
      Effect.gen(function* () {
        const h = yield* Harness
        const refused = yield* h.request("PUT", "/directory", { as: F.linkWorkerActor, body: changes })
        expect(refused.status).toBe(403)
        const written = yield* h.request("PUT", "/directory", { as: F.coordinator, body: changes })
        expect(written.status, written.text).toBe(200)
        const body = written.json as { activities: Array<{ version: number }> }
        expect(body.activities.map((a) => a.version)).toEqual(preset.currentActivities.map(() => 1))

        // an edit is the next version; the same again writes nothing
        const walking = changes.activities.find((a) => a.id === DirectoryPresets.kemijarviIds.walkingGroup)
        const edit = { activities: [{ ...walking, area: "Kemijärvi, Isokylä" }] }
        const second = yield* h.request("PUT", "/directory", { as: F.coordinator, body: edit })
        expect(second.json).toMatchObject({ activities: [{ id: walking?.id, version: 2 }] })
        const again = yield* h.request("PUT", "/directory", { as: F.coordinator, body: edit })
        expect(again.json).toEqual({ organisations: [], activities: [] })

        // all or nothing, with the path of the problem
        const orphan = { activities: [{ ...walking, organisationId: "ffffffff-0000-4000-8000-000000000001" }] }
        const bad = yield* h.request("PUT", "/directory", { as: F.coordinator, body: orphan })
        expect(bad.status).toBe(400)
        expect((bad.json as { issues: Array<{ path: string }> }).issues.map((i) => i.path)).toEqual([
          "body.activities[0].organisationId"
        ])

        // pages, by id
        const ids: Array<string> = []
        let cursor: string | undefined
        do {
          const page = yield* h.request(
            "GET",
            `/directory/activities?limit=2${cursor === undefined ? "" : `&cursor=${cursor}`}`,
            { as: F.linkWorkerActor }
          )
          expect(page.status, page.text).toBe(200)
          const json = page.json as { items: Array<{ id: string }>; next?: string }
          expect(json.items.length).toBeLessThanOrEqual(2)
          ids.push(...json.items.map((a) => a.id))
          cursor = json.next
        } while (cursor !== undefined)
        expect(ids).toEqual(preset.currentActivities.map((a) => a.id as string).sort())
        const isokyla = yield* h.request(
          "GET",
          `/directory/activities?area=${encodeURIComponent("Kemijärvi, Isokylä")}`,
          {
            as: F.referrer
          }
        )
        expect((isokyla.json as { items: Array<{ id: string }> }).items.map((a) => a.id)).toContain(walking?.id)

        // a cursor this server did not issue (an id in the clear, another page's) is a 400 naming the cursor
        for (const bad of [ids[0] as string, "WyJkbyIsIngiXQ"]) {
          const refused = yield* h.request("GET", `/directory/activities?cursor=${bad}`, { as: F.linkWorkerActor })
          expect(refused.status, bad).toBe(400)
          expect((refused.json as { issues: Array<{ path: string }> }).issues.map((i) => i.path)).toEqual([
            "query.cursor"
          ])
        }
        expect((yield* h.request("GET", "/directory/activities?limit=201", { as: F.referrer })).status).toBe(400)

        // one activity as it is now, or as a version was; an unknown one or version is a 404
        const now = yield* h.request("GET", `/directory/activities/${walking?.id}`, { as: F.referrer })
        expect(now.json).toMatchObject({ id: walking?.id, version: 2, area: "Kemijärvi, Isokylä" })
        const before = yield* h.request("GET", `/directory/activities/${walking?.id}?version=1`, { as: F.referrer })
        expect(before.json).toMatchObject({ id: walking?.id, version: 1, area: walking?.area })
        const missing = yield* h.request("GET", `/directory/activities/${walking?.id}?version=3`, { as: F.referrer })
        expect(missing.status).toBe(404)
        expect(missing.json).toMatchObject({ _tag: "NotFound", resource: "activity", id: walking?.id })
        const unknown = yield* h.request("GET", "/directory/activities/ffffffff-0000-4000-8000-000000000009", {
          as: F.linkWorkerActor
        })
        expect(unknown.status).toBe(404)
        expect((yield* h.request("GET", "/directory/activities/not-a-uuid", { as: F.referrer })).status).toBe(400)
        expect((yield* h.request("GET", `/directory/activities/${walking?.id}`, { as: F.client })).status).toBe(403)

        // the organisations, a page at a time
        const orgIds: Array<string> = []
        cursor = undefined
        do {
          const page = yield* h.request(
            "GET",
            `/directory/organisations?limit=2${cursor === undefined ? "" : `&cursor=${cursor}`}`,
            { as: F.referrer }
          )
          expect(page.status, page.text).toBe(200)
          const json = page.json as { items: Array<{ id: string }>; next?: string }
          expect(json.items.length).toBeLessThanOrEqual(2)
          orgIds.push(...json.items.map((o) => o.id))
          cursor = json.next
        } while (cursor !== undefined)
        expect(orgIds).toEqual(preset.currentOrganisations.map((o) => o.id as string).sort())
        expect((yield* h.request("GET", "/directory/organisations", { as: F.client })).status).toBe(403)

        // HSDS: a page of organisations at a time, each with all its services
        const orgs: Array<{ id: string; services: Array<{ id: string }> }> = []
        cursor = undefined
        do {
          const hsds = yield* h.request(
            "GET",
            `/directory/hsds?limit=2${cursor === undefined ? "" : `&cursor=${cursor}`}`,
            { as: F.referrer }
          )
          expect(hsds.status, hsds.text).toBe(200)
          const page = hsds.json as { contents: Array<{ id: string; services: Array<{ id: string }> }>; next?: string }
          expect(page.contents.length).toBeLessThanOrEqual(2)
          orgs.push(...page.contents)
          cursor = page.next
        } while (cursor !== undefined)
        expect(orgs.map((o) => o.id)).toEqual(orgIds)
        expect(orgs.flatMap((o) => o.services.map((s) => s.id)).sort()).toEqual(ids)
        const whole = yield* h.request("GET", "/directory/hsds", { as: F.referrer })
        expect((whole.json as { contents: Array<unknown> }).contents).toHaveLength(orgIds.length)
        expect((yield* h.request("GET", "/directory/hsds", { as: F.client })).status).toBe(403)
      })
    )
  }
)
