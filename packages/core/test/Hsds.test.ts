/**
 * Acceptance 1 of the community link: HSDS import and export round-trip a
 * published example file and the presets' directories, and every export is
 * valid against the published HSDS 3.0 JSON schema (vendored in
 * test/fixtures/hsds with its licence and source, see the README there).
 */
import { readdirSync, readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { Directory, DirectoryPresets, Hsds } from "@lahete/core"
import { Ajv } from "ajv"
import addFormats from "ajv-formats"
import { Result } from "effect"

const fixtures = new URL("./fixtures/hsds/", import.meta.url)
const readJson = (path: string): unknown => JSON.parse(readFileSync(new URL(path, fixtures), "utf8"))

/** As the specification's own validate_examples_json_schema.sh: no property the schema does not name. */
const closed = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(closed)
  if (typeof node !== "object" || node === null) return node
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(node)) out[k] = k === "example" ? v : closed(v)
  if ("properties" in out && out.type === "object") out.additionalProperties = false
  return out
}

const ajv = new Ajv({ strict: false, allErrors: true })
addFormats.default(ajv)
for (const file of readdirSync(new URL("schema/", fixtures))) {
  const schema = closed(readJson(`schema/${file}`)) as Record<string, unknown>
  if (file === "organization.json") {
    // organization_full, as HSDS compiles it (schema/compiled/organization.json): an organization with its services
    const properties = schema.properties as Record<string, unknown>
    properties.services = { type: "array", items: { $ref: "service.json" } }
  }
  ajv.addSchema({ ...schema, $id: file })
}
const validator = (name: string) => {
  const validate = ajv.getSchema(name)
  if (validate === undefined) throw new Error(`no schema ${name}`)
  return (value: unknown) =>
    validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`)
}
const validOrganization = validator("organization.json")
const validService = validator("service.json")

const importOk = (input: unknown): Hsds.Imported =>
  Result.getOrThrowWith(Hsds.fromHsds(input), (e) => new Error(e.message))
const asDirectory = (imported: Hsds.Imported): Directory.Directory =>
  Result.getOrThrowWith(Directory.merge(Directory.empty, imported), (e) => new Error(e.message))

describe("Hsds", () => {
  it("the vendored schema accepts the published examples and refuses a broken one (the validator can fail)", () => {
    expect(validOrganization(readJson("examples/organization_full.json"))).toEqual([])
    expect(validService(readJson("examples/service_full.json"))).toEqual([])
    expect(validService({ id: "not-a-uuid", name: "x", status: "active" })).not.toEqual([])
    expect(validService({ id: "6c1d5e0a-2f4b-4c7e-9a51-0b8d3e7f1a01", name: "x", status: "closed" })).not.toEqual([])
    expect(validService({ id: "6c1d5e0a-2f4b-4c7e-9a51-0b8d3e7f1a01", name: "x", status: "active", y: 1 })).not.toEqual(
      []
    )
  })

  for (const [file, shape] of [
    ["examples/organization_full.json", "organization_full"],
    ["examples/service_full.json", "service_full"]
  ] as const) {
    it(`round-trips the published example ${shape}: import, export valid against HSDS, import again gives the same`, () => {
      const first = importOk(readJson(file))
      expect(first.activities.length).toBe(1)
      const directory = asDirectory(first)
      const exported = Hsds.toHsds(directory)
      for (const org of exported) expect(validOrganization(org)).toEqual([])
      const again = importOk(JSON.parse(JSON.stringify(exported)))
      expect(again).toEqual(first)
      // what the example says, as the model holds it
      const activity = directory.currentActivities[0] as Directory.Activity
      expect(activity.id).toBe("ac148810-d857-441c-9679-408f346de14b")
      expect(activity.name).toBe("Community Counselling")
      expect(activity.languages).toEqual(["ur"])
      expect(activity.schedules[0]).toMatchObject({ freq: "WEEKLY", byDay: ["TH", "FR"], opens: "10:00" })
      // a fee in pounds: not free, and no euro amount
      expect(activity.cost?.free).toBe(false)
      expect(activity.cost?.amountEur).toBeUndefined()
    })
  }

  for (const [name, preset] of [
    ["Kemijärvi", DirectoryPresets.kemijarvi],
    ["Sodankylä", DirectoryPresets.sodankyla]
  ] as const) {
    it(`round-trips the ${name} preset directory exactly, and its export is valid HSDS`, () => {
      const exported = JSON.parse(JSON.stringify(Hsds.toHsds(preset)))
      expect(exported.length).toBe(preset.currentOrganisations.length)
      for (const org of exported) expect(validOrganization(org)).toEqual([])
      const imported = asDirectory(importOk(exported))
      expect(imported.currentOrganisations).toEqual(preset.currentOrganisations)
      expect(imported.currentActivities).toEqual(preset.currentActivities)
      // the same export twice: the derived nested ids are stable
      expect(JSON.parse(JSON.stringify(Hsds.toHsds(imported)))).toEqual(exported)
    })
  }

  it("imports a page of the HSDS API and services that carry their organization", () => {
    const service = readJson("examples/service_full.json")
    const page = { total_items: 1, contents: [service] }
    expect(importOk(page)).toEqual(importOk(service))
  })

  it("refuses what makes no directory entry, naming the path", () => {
    const service = readJson("examples/service_full.json") as Record<string, unknown>
    const failure = Hsds.fromHsds({ ...service, service_areas: [] })
    expect(Result.isFailure(failure) && failure.failure.problems.map((p) => p.path)).toEqual(["activities[0].area"])
    const noLanguage = Hsds.fromHsds({ ...service, languages: [] })
    expect(Result.isFailure(noLanguage) && noLanguage.failure.problems.map((p) => p.path)).toEqual([
      "activities[0].languages"
    ])
    expect(Result.isFailure(Hsds.fromHsds(["x"]))).toBe(true)
  })
})

describe("Directory", () => {
  const preset = DirectoryPresets.kemijarvi
  const walking = preset.activity(DirectoryPresets.kemijarviIds.walkingGroup) as Directory.Activity

  it("an edit is the activity's next version; the earlier version stays; an unchanged entry is not a new version", () => {
    const { version: _, ...edited } = { ...walking, schedules: [{ freq: "WEEKLY" as const, byDay: ["FR"] }] }
    const next = Result.getOrThrow(Directory.merge(preset, { activities: [edited] }))
    expect(next.activity(walking.id)?.version).toBe(2)
    expect(next.activity(walking.id, 1)).toEqual(walking)
    expect(Directory.ref(next, walking.id, 1)?.version).toBe(1)
    const { version: _v, ...same } = walking
    const unchanged = Result.getOrThrow(Directory.merge(preset, { activities: [same] }))
    expect(unchanged.activity(walking.id)?.version).toBe(1)
    expect(unchanged.data.activities.length).toBe(preset.data.activities.length)
  })

  it("refuses unknown fields, a missing organisation and a schedule that closes before it opens, naming each path", () => {
    const data = {
      organisations: [],
      activities: [{ ...walking, schedules: [{ freq: "WEEKLY", byDay: ["TH"], opens: "11:00", closes: "10:00" }] }]
    }
    const failure = Directory.decode(data)
    expect(Result.isFailure(failure) && failure.failure.problems.map((p) => p.path)).toEqual([
      "activities[0].organisationId",
      "activities[0].schedules[0]"
    ])
    const typo = Directory.decode({ organisations: [], activities: [{ ...walking, acompanyingAllowed: true }] })
    expect(Result.isFailure(typo) && typo.failure.problems).toContainEqual({
      path: "activities[0].acompanyingAllowed",
      reason: "is not a known field"
    })
  })

  it("finds activities for a client: in their area and language, free, accompanying allowed", () => {
    const found = Directory.search(preset, { language: "sv" })
    expect(found.map((a) => a.name)).toEqual(["Språkcafé"])
    const free = Directory.search(preset, { area: "Kemijärvi, keskusta", freeOnly: true, accompanyingAllowed: true })
    expect(free.map((a) => a.name)).toEqual(["Kävelyryhmä Pöyliövaara", "Språkcafé"])
  })
})
