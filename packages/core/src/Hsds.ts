/**
 * The directory in Open Referral's Human Services Data Specification (HSDS
 * 3.0): export as a list of HSDS `organization` objects, each with its
 * `services` (the shape of HSDS's `organization_full`), and import from that
 * shape, from a single organization, from a page of the HSDS API
 * (`{ contents: [...] }`) or from `service` objects that carry their
 * `organization`.
 *
 * The mapping (docs/community.md has the table):
 * - organisation → `organization` (`id`, `name`, `description`, `email`,
 *   `website`); its kind → an `attributes` entry under the taxonomy term
 *   `lahete:organisation-kind`;
 * - activity → `service` (`id`, `organization_id`, `name`, `description`,
 *   `status`), area → `service_areas[0].name`, languages → `languages[].code`,
 *   schedule → `schedules` (RFC 5545 `freq`, `interval`, `byday`,
 *   `opens_at`, `closes_at`), cost → `cost_options` (amount 0 for free,
 *   EUR) and `fees_description`, place and accessibility →
 *   `service_at_locations[0].location` (`addresses`, `accessibility`),
 *   contact → `contacts[0]`, accompanying allowed → an `attributes` entry
 *   under the taxonomy term `lahete:accompanying-allowed`.
 *
 * HSDS has no versions: export writes the current version of each entry,
 * and an import is applied with `Directory.merge` (a changed entry becomes
 * its next version). What the model does not hold (funding, programs,
 * eligibility, required documents, further areas, locations and contacts,
 * amounts in other currencies) is not imported. The ids of nested HSDS
 * objects (schedules, languages, …) are derived from the activity's id, so
 * an export is stable.
 *
 * @since 0.3.0
 */
import { Result, Schema } from "effect"
import * as Directory from "./Directory.js"
import { problems as issueProblems } from "./internal/problems.js"

/**
 * The HSDS version this mapping follows.
 *
 * @since 0.3.0
 * @category constants
 */
export const hsdsVersion = "3.0"

/**
 * The taxonomy that names lahete's own attributes.
 *
 * @since 0.3.0
 * @category constants
 */
export const taxonomy = "lahete"

/**
 * The taxonomy term ids of lahete's attributes (fixed UUIDs).
 *
 * @since 0.3.0
 * @category constants
 */
export const terms = {
  accompanyingAllowed: "6c1d5e0a-2f4b-4c7e-9a51-0b8d3e7f1a01",
  organisationKind: "6c1d5e0a-2f4b-4c7e-9a51-0b8d3e7f1a02"
} as const

const fnv = (text: string, seed: number): number => {
  let h = seed >>> 0
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h >>> 0
}

/** A stable UUID (RFC 9562 version 8) derived from a name. */
const derivedId = (name: string): string => {
  const hex = [0x811c9dc5, 0x01234567, 0x89abcdef, 0x13579bdf]
    .map((seed) => fnv(name, seed).toString(16).padStart(8, "0"))
    .join("")
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((Number.parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

type Json = Record<string, unknown>

const term = (id: string, code: string, description: string): Json => ({
  id,
  code,
  name: code,
  description,
  taxonomy
})

const attribute = (
  owner: string,
  entity: string,
  termId: string,
  code: string,
  description: string,
  value: string
) => ({
  id: derivedId(`${owner}:attribute:${code}`),
  link_id: owner,
  link_type: "lahete",
  link_entity: entity,
  taxonomy_term_id: termId,
  value,
  taxonomy_term: term(termId, code, description)
})

const service = (a: Directory.Activity): Json => {
  const id = a.id as string
  const sub = (kind: string, i = 0) => derivedId(`${id}:${kind}:${i}`)
  const cost = a.cost
  return {
    id,
    organization_id: a.organisationId,
    name: a.name,
    description: a.description,
    status: a.status,
    ...(cost?.description === undefined ? {} : { fees_description: cost.description }),
    languages: a.languages.map((code, i) => ({ id: sub("language", i), service_id: id, code })),
    schedules: a.schedules.map((s, i) => ({
      id: sub("schedule", i),
      service_id: id,
      freq: s.freq,
      ...(s.interval === undefined ? {} : { interval: s.interval }),
      ...(s.byDay.length === 0 ? {} : { byday: s.byDay.join(",") }),
      ...(s.opens === undefined ? {} : { opens_at: s.opens }),
      ...(s.closes === undefined ? {} : { closes_at: s.closes }),
      ...(s.description === undefined ? {} : { description: s.description })
    })),
    service_areas: [{ id: sub("area"), service_id: id, name: a.area }],
    cost_options:
      cost === undefined
        ? []
        : cost.free
          ? [{ id: sub("cost"), service_id: id, option: "free", amount: 0, currency: "EUR" }]
          : cost.amountEur !== undefined
            ? [{ id: sub("cost"), service_id: id, option: "fee", amount: cost.amountEur, currency: "EUR" }]
            : [{ id: sub("cost"), service_id: id, option: "fee" }],
    service_at_locations:
      a.place === undefined
        ? []
        : [
            {
              id: sub("service-at-location"),
              service_id: id,
              location_id: sub("location"),
              location: {
                id: sub("location"),
                location_type: "physical",
                name: a.place.name,
                addresses:
                  a.place.address === undefined
                    ? []
                    : [
                        {
                          id: sub("address"),
                          location_id: sub("location"),
                          address_1: a.place.address.street,
                          city: a.place.address.city,
                          state_province: "",
                          postal_code: a.place.address.postalCode,
                          country: "FI",
                          address_type: "physical"
                        }
                      ],
                accessibility:
                  a.place.accessibility === undefined
                    ? []
                    : [{ id: sub("accessibility"), location_id: sub("location"), description: a.place.accessibility }]
              }
            }
          ],
    contacts:
      a.contact === undefined
        ? []
        : [
            {
              id: sub("contact"),
              service_id: id,
              ...(a.contact.name === undefined ? {} : { name: a.contact.name }),
              ...(a.contact.email === undefined ? {} : { email: a.contact.email }),
              phones: a.contact.phone === undefined ? [] : [{ id: sub("phone"), number: a.contact.phone }]
            }
          ],
    attributes: [
      attribute(
        id,
        "service",
        terms.accompanyingAllowed,
        "accompanying-allowed",
        "Whether a link worker may accompany a newcomer trying the activity",
        String(a.accompanyingAllowed)
      )
    ]
  }
}

/**
 * The directory's current organisations and activities as HSDS
 * `organization` objects with their `services`.
 *
 * @since 0.3.0
 * @category encoding
 */
export const toHsds = (directory: Directory.Directory): ReadonlyArray<Json> =>
  directory.currentOrganisations.map((o) => ({
    id: o.id,
    name: o.name,
    description: o.description,
    ...(o.email === undefined ? {} : { email: o.email }),
    ...(o.website === undefined ? {} : { website: o.website }),
    attributes: [
      attribute(o.id, "organization", terms.organisationKind, "organisation-kind", "The kind of organisation", o.kind)
    ],
    services: directory.currentActivities.filter((a) => a.organisationId === o.id).map(service)
  }))

// ---------------------------------------------------------------------------
// Import
// ---------------------------------------------------------------------------

/**
 * What an import found: the organisations and activities (without
 * versions: apply them with `Directory.merge`).
 *
 * @since 0.3.0
 * @category models
 */
export interface Imported {
  readonly organisations: ReadonlyArray<Omit<Directory.Organisation, "version">>
  readonly activities: ReadonlyArray<Omit<Directory.Activity, "version">>
}

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v)
const list = (v: unknown): ReadonlyArray<Json> => (Array.isArray(v) ? v.filter(isObject) : [])
const text = (v: unknown): string | undefined => (typeof v === "string" && v.trim() !== "" ? v : undefined)
const opt = <K extends string, V>(key: K, value: V | undefined): { readonly [P in K]?: V } =>
  (value === undefined ? {} : { [key]: value }) as { readonly [P in K]?: V }

const attributeValue = (entity: Json, termId: string, code: string): string | undefined => {
  for (const a of list(entity.attributes)) {
    const t = isObject(a.taxonomy_term) ? a.taxonomy_term : {}
    if (a.taxonomy_term_id === termId || t.id === termId || (t.taxonomy === taxonomy && t.code === code)) {
      return text(a.value)
    }
  }
  return undefined
}

const lower = (v: unknown): unknown => (typeof v === "string" ? v.toLowerCase() : v)

const organisationOf = (o: Json): unknown => ({
  id: lower(o.id),
  name: o.name,
  kind: attributeValue(o, terms.organisationKind, "organisation-kind") ?? "other",
  description: typeof o.description === "string" ? o.description : "",
  ...opt("website", text(o.website)),
  ...opt("email", text(o.email))
})

const clock = (v: unknown): string | undefined => {
  const t = text(v)
  return t === undefined
    ? undefined
    : /^\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?$/u.test(t)
      ? t.slice(0, 5)
      : t
}

const activityOf = (s: Json, organisationId: unknown): unknown => {
  const id = lower(s.id)
  const areas = list(s.service_areas)
  const costs = list(s.cost_options)
  const amounts = costs.map((c) => (typeof c.amount === "number" ? c.amount : undefined))
  const euro = costs.filter(
    (c) => typeof c.amount === "number" && c.amount > 0 && String(c.currency).toUpperCase() === "EUR"
  )
  const fees = text(s.fees_description)
  const free = costs.length > 0 && amounts.every((a) => a === 0)
  const cost =
    costs.length === 0 && fees === undefined
      ? undefined
      : {
          free,
          ...(free || euro[0] === undefined ? {} : { amountEur: euro[0].amount }),
          ...opt("description", fees)
        }
  const sal = list(s.service_at_locations)[0]
  const location = sal !== undefined && isObject(sal.location) ? sal.location : undefined
  const address = location === undefined ? undefined : list(location.addresses)[0]
  const accessibility =
    location === undefined
      ? []
      : list(location.accessibility)
          .map((x) => text(x.description) ?? text(x.details))
          .filter((x): x is string => x !== undefined)
  const contact = list(s.contacts)[0]
  const phone = list(contact?.phones ?? s.phones)[0]
  const contactOut = {
    ...opt("name", text(contact?.name)),
    ...opt("email", text(contact?.email) ?? text(s.email)),
    ...opt("phone", text(phone?.number))
  }
  return {
    id,
    organisationId: lower(organisationId),
    name: s.name,
    description: typeof s.description === "string" ? s.description : "",
    status: s.status === "active" ? "active" : "inactive",
    area: text(areas[0]?.name) ?? text(areas[0]?.description),
    languages: [
      ...new Set(
        list(s.languages)
          .map((l) => text(l.code))
          .filter((c): c is string => c !== undefined)
      )
    ],
    schedules: list(s.schedules)
      .filter((x) => x.freq === "WEEKLY" || x.freq === "MONTHLY")
      .map((x) => ({
        freq: x.freq,
        ...opt("interval", typeof x.interval === "number" ? x.interval : undefined),
        byDay:
          text(x.byday)
            ?.split(",")
            .map((d) => d.trim())
            .filter((d) => d !== "") ?? [],
        ...opt("opens", clock(x.opens_at)),
        ...opt("closes", clock(x.closes_at)),
        ...opt("description", text(x.description))
      })),
    ...opt("cost", cost),
    ...opt(
      "place",
      location === undefined
        ? undefined
        : {
            name: text(location.name) ?? "",
            ...opt(
              "address",
              address !== undefined &&
                text(address.address_1) !== undefined &&
                text(address.postal_code) !== undefined &&
                text(address.city) !== undefined
                ? { street: address.address_1, postalCode: address.postal_code, city: address.city }
                : undefined
            ),
            ...opt("accessibility", accessibility.length === 0 ? undefined : accessibility.join("\n"))
          }
    ),
    ...opt("contact", Object.keys(contactOut).length === 0 ? undefined : contactOut),
    accompanyingAllowed: attributeValue(s, terms.accompanyingAllowed, "accompanying-allowed") === "true"
  }
}

const ImportedSchema = Schema.Struct({
  organisations: Schema.Array(Directory.Organisation.mapFields(({ version: _, ...rest }) => rest)),
  activities: Schema.Array(Directory.Activity.mapFields(({ version: _, ...rest }) => rest))
})

/**
 * Reads HSDS JSON (parsed): an array of `organization` objects with their
 * `services`, one such object, a page `{ contents: [...] }` of either, or
 * `service` objects with their `organization`. Fails with the path of each
 * problem (the path in the model, e.g. `activities[0].area`) when what it
 * found does not make a valid directory entry.
 *
 * @since 0.3.0
 * @category decoding
 */
export const fromHsds = (input: unknown): Result.Result<Imported, Directory.InvalidDirectory> => {
  const items: ReadonlyArray<unknown> = Array.isArray(input)
    ? input
    : isObject(input) && Array.isArray(input.contents)
      ? input.contents
      : [input]
  const organisations = new Map<unknown, unknown>()
  const activities: Array<unknown> = []
  for (const item of items) {
    if (!isObject(item)) {
      return Result.fail(
        new Directory.InvalidDirectory({
          problems: [{ path: "", reason: "expected HSDS organization or service objects" }]
        })
      )
    }
    if (isObject(item.organization)) {
      // a service with its organization
      organisations.set(lower(item.organization.id), organisationOf(item.organization))
      activities.push(activityOf(item, item.organization_id ?? item.organization.id))
    } else {
      organisations.set(lower(item.id), organisationOf(item))
      for (const s of list(item.services)) activities.push(activityOf(s, item.id))
    }
  }
  const decoded = Schema.decodeUnknownResult(ImportedSchema)(
    { organisations: [...organisations.values()], activities },
    { errors: "all", onExcessProperty: "error" }
  )
  if (Result.isFailure(decoded)) {
    return Result.fail(new Directory.InvalidDirectory({ problems: issueProblems(decoded.failure.issue) }))
  }
  return Result.succeed(decoded.success)
}
