/**
 * The directory of community activities (domain specification §9): the
 * organisations of a deployment (the adult education centre, the parish,
 * associations, the municipality's leisure services) and their activities (a
 * course, a walking group, a peer group) with area, languages, schedule,
 * cost, accessibility, contact, and whether a link worker may accompany a
 * newcomer. The directory holds no personal data: a contact is the
 * activity's public one.
 *
 * Versioned like programmes: every change to an organisation or an activity
 * is its next version, earlier versions stay, and a referral's plan names
 * the version the client met (`ActivityRef`), so its history keeps what the
 * activity was. The exchange format is Open Referral's HSDS (`Hsds`).
 *
 * @since 0.3.0
 */
import { Result, Schema } from "effect"
import { problems as issueProblems } from "./internal/problems.js"
import * as Text from "./Text.js"

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/u

const Uuid = Schema.String.pipe(Schema.check(Schema.isPattern(uuidPattern, { message: "expected a lower-case UUID" })))

/**
 * An activity's id: a UUID, as HSDS identifies a service.
 *
 * @since 0.3.0
 * @category schemas
 */
export const ActivityId = Uuid.pipe(Schema.brand("ActivityId"))
/**
 * @since 0.3.0
 * @category models
 */
export type ActivityId = typeof ActivityId.Type

/**
 * A directory organisation's id: a UUID, as HSDS identifies an organization.
 *
 * @since 0.3.0
 * @category schemas
 */
export const DirectoryOrganisationId = Uuid.pipe(Schema.brand("DirectoryOrganisationId"))
/**
 * @since 0.3.0
 * @category models
 */
export type DirectoryOrganisationId = typeof DirectoryOrganisationId.Type

const Line = (max: number) => Text.SingleLine(max)

const Paragraph = Schema.String.pipe(
  Schema.check(Schema.isMaxLength(4000, { message: "expected at most 4000 characters" }), Text.isClean({ lines: true }))
)

const PositiveInt = Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(1)))

/**
 * The kinds of organisation the model names (Kemijärvi: adult education
 * centre, parish, associations, the municipality's leisure services).
 *
 * @since 0.3.0
 * @category schemas
 */
export const OrganisationKind = Schema.Literals([
  "adult-education-centre",
  "parish",
  "association",
  "municipal-leisure",
  "sports-club",
  "other"
])
/**
 * @since 0.3.0
 * @category models
 */
export type OrganisationKind = typeof OrganisationKind.Type

/**
 * An organisation offering activities.
 *
 * @since 0.3.0
 * @category schemas
 */
export const Organisation = Schema.Struct({
  id: DirectoryOrganisationId,
  version: PositiveInt,
  name: Line(200),
  kind: OrganisationKind,
  description: Paragraph,
  website: Schema.optionalKey(Line(500)),
  email: Schema.optionalKey(Line(200))
})
/**
 * @since 0.3.0
 * @category models
 */
export type Organisation = typeof Organisation.Type

/**
 * A day of the week as RFC 5545 (and HSDS `byday`) writes it: `MO` … `SU`,
 * in a monthly schedule with the week's number (`1MO`, `-1FR`).
 *
 * @since 0.3.0
 * @category schemas
 */
export const Weekday = Schema.String.pipe(
  Schema.check(
    Schema.isPattern(/^([+-]?[1-5])?(MO|TU|WE|TH|FR|SA|SU)$/u, { message: "expected an RFC 5545 day (MO, 1MO, -1FR)" })
  )
)

const ClockTime = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^([01]\d|2[0-3]):[0-5]\d$/u, { message: "expected a time HH:MM" }))
)

/**
 * When an activity meets: weekly or monthly on given days, from `opens`
 * to `closes` local time (the programme's time zone), with a note.
 *
 * @since 0.3.0
 * @category schemas
 */
export const Schedule = Schema.Struct({
  freq: Schema.Literals(["WEEKLY", "MONTHLY"]),
  interval: Schema.optionalKey(PositiveInt),
  byDay: Schema.Array(Weekday),
  opens: Schema.optionalKey(ClockTime),
  closes: Schema.optionalKey(ClockTime),
  description: Schema.optionalKey(Paragraph)
})
/**
 * @since 0.3.0
 * @category models
 */
export type Schedule = typeof Schedule.Type

/**
 * What taking part costs: free, or a fee (euros, when known) with a note.
 *
 * @since 0.3.0
 * @category schemas
 */
export const Cost = Schema.Struct({
  free: Schema.Boolean,
  amountEur: Schema.optionalKey(Schema.Finite.pipe(Schema.check(Schema.isGreaterThan(0)))),
  description: Schema.optionalKey(Paragraph)
})
/**
 * @since 0.3.0
 * @category models
 */
export type Cost = typeof Cost.Type

/**
 * Where an activity meets, and how accessible the place is.
 *
 * @since 0.3.0
 * @category schemas
 */
export const Place = Schema.Struct({
  name: Line(200),
  address: Schema.optionalKey(Schema.Struct({ street: Line(200), postalCode: Line(20), city: Line(100) })),
  accessibility: Schema.optionalKey(Paragraph)
})
/**
 * @since 0.3.0
 * @category models
 */
export type Place = typeof Place.Type

/**
 * The activity's public contact (a role or a desk, not a client's data).
 *
 * @since 0.3.0
 * @category schemas
 */
export const Contact = Schema.Struct({
  name: Schema.optionalKey(Line(200)),
  email: Schema.optionalKey(Line(200)),
  phone: Schema.optionalKey(Line(50))
})
/**
 * @since 0.3.0
 * @category models
 */
export type Contact = typeof Contact.Type

/**
 * A language code (ISO 639-1, or 639-3 where there is none, e.g. `smn`).
 *
 * @since 0.3.0
 * @category schemas
 */
export const LanguageCode = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^[a-z]{2,3}$/u, { message: "expected an ISO 639 language code" }))
)

/**
 * A community activity.
 *
 * @since 0.3.0
 * @category schemas
 */
export const Activity = Schema.Struct({
  id: ActivityId,
  version: PositiveInt,
  organisationId: DirectoryOrganisationId,
  name: Line(200),
  description: Paragraph,
  status: Schema.Literals(["active", "inactive"]),
  /** The area it serves (a village, a part of town): how unmet needs and uptake are grouped. */
  area: Line(500),
  languages: Schema.Array(LanguageCode).pipe(Schema.check(Schema.isMinLength(1))),
  schedules: Schema.Array(Schedule),
  cost: Schema.optionalKey(Cost),
  place: Schema.optionalKey(Place),
  contact: Schema.optionalKey(Contact),
  /** Whether a link worker may come along the first time(s) a newcomer tries it. */
  accompanyingAllowed: Schema.Boolean
})
/**
 * @since 0.3.0
 * @category models
 */
export type Activity = typeof Activity.Type

/**
 * What a referral's plan keeps of an activity: the version the client met,
 * its organisation and area (for the evaluation) and whether a link worker
 * may come along.
 *
 * @since 0.3.0
 * @category schemas
 */
export const ActivityRef = Schema.Struct({
  id: ActivityId,
  version: PositiveInt,
  organisationId: DirectoryOrganisationId,
  area: Line(500),
  accompanyingAllowed: Schema.Boolean
})
/**
 * @since 0.3.0
 * @category models
 */
export type ActivityRef = typeof ActivityRef.Type

/**
 * A directory as data: every version of every organisation and activity.
 *
 * @since 0.3.0
 * @category schemas
 */
export const DirectoryData = Schema.Struct({
  organisations: Schema.Array(Organisation),
  activities: Schema.Array(Activity)
})
/**
 * @since 0.3.0
 * @category models
 */
export type DirectoryData = typeof DirectoryData.Type

/**
 * A directory failed validation: each problem names its path (an unknown key
 * its own) and what is wrong.
 *
 * @since 0.3.0
 * @category errors
 */
export class InvalidDirectory extends Schema.TaggedError<InvalidDirectory>()("InvalidDirectory", {
  problems: Schema.Array(Schema.Struct({ path: Schema.String, reason: Schema.String }))
}) {
  override get message(): string {
    return `invalid directory: ${this.problems.map((p) => (p.path === "" ? p.reason : `${p.path}: ${p.reason}`)).join("; ")}`
  }
}

const decodeData = Schema.decodeUnknownResult(DirectoryData)

const consistency = (d: DirectoryData): ReadonlyArray<{ path: string; reason: string }> => {
  const problems: Array<{ path: string; reason: string }> = []
  const orgs = new Set<string>()
  d.organisations.forEach((o, i) => {
    const key = `${o.id}@${o.version}`
    if (orgs.has(key)) problems.push({ path: `organisations[${i}]`, reason: `organisation ${key} is listed twice` })
    orgs.add(key)
  })
  const orgIds = new Set(d.organisations.map((o) => o.id as string))
  const acts = new Set<string>()
  d.activities.forEach((a, i) => {
    const key = `${a.id}@${a.version}`
    if (acts.has(key)) problems.push({ path: `activities[${i}]`, reason: `activity ${key} is listed twice` })
    acts.add(key)
    if (!orgIds.has(a.organisationId)) {
      problems.push({ path: `activities[${i}].organisationId`, reason: "names no organisation of the directory" })
    }
    a.schedules.forEach((s, k) => {
      if (s.opens !== undefined && s.closes !== undefined && s.opens >= s.closes) {
        problems.push({ path: `activities[${i}].schedules[${k}]`, reason: "must open before it closes" })
      }
    })
    if (a.cost?.free && a.cost.amountEur !== undefined) {
      problems.push({ path: `activities[${i}].cost`, reason: "a free activity has no fee" })
    }
  })
  return problems
}

/**
 * Validates unknown input (parsed JSON) as directory data: the schema, every
 * unknown key refused, each id and version listed once, and each activity's
 * organisation present.
 *
 * @since 0.3.0
 * @category decoding
 */
export const decode = (input: unknown): Result.Result<DirectoryData, InvalidDirectory> => {
  const decoded = decodeData(input, { errors: "all", onExcessProperty: "error" })
  if (Result.isFailure(decoded)) {
    return Result.fail(new InvalidDirectory({ problems: issueProblems(decoded.failure.issue) }))
  }
  const problems = consistency(decoded.success)
  return problems.length === 0 ? Result.succeed(decoded.success) : Result.fail(new InvalidDirectory({ problems }))
}

/**
 * A directory: every version, looked up by id and version, and the current
 * (latest) version of each entry.
 *
 * @since 0.3.0
 * @category models
 */
export interface Directory {
  readonly data: DirectoryData
  readonly activity: (id: string, version?: number) => Activity | undefined
  readonly organisation: (id: string, version?: number) => Organisation | undefined
  /** The latest version of every organisation, by name. */
  readonly currentOrganisations: ReadonlyArray<Organisation>
  /** The latest version of every activity, by name (inactive ones included). */
  readonly currentActivities: ReadonlyArray<Activity>
}

const latestOf = <A extends { readonly id: string; readonly version: number; readonly name: string }>(
  entries: ReadonlyArray<A>
): ReadonlyArray<A> => {
  const latest = new Map<string, A>()
  for (const e of entries) {
    const current = latest.get(e.id)
    if (current === undefined || e.version > current.version) latest.set(e.id, e)
  }
  return [...latest.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : 1))
}

const lookup = <A extends { readonly id: string; readonly version: number; readonly name: string }>(
  entries: ReadonlyArray<A>
) => {
  const byKey = new Map(entries.map((e) => [`${e.id}@${e.version}`, e]))
  const latest = latestOf(entries)
  const latestById = new Map(latest.map((e) => [e.id as string, e]))
  return {
    latest,
    get: (id: string, version?: number) => (version === undefined ? latestById.get(id) : byKey.get(`${id}@${version}`))
  }
}

/**
 * A directory from validated data.
 *
 * @since 0.3.0
 * @category constructors
 */
export const make = (data: DirectoryData): Directory => {
  const orgs = lookup(data.organisations)
  const acts = lookup(data.activities)
  return {
    data,
    activity: acts.get,
    organisation: orgs.get,
    currentOrganisations: orgs.latest,
    currentActivities: acts.latest
  }
}

/**
 * An empty directory.
 *
 * @since 0.3.0
 * @category constructors
 */
export const empty: Directory = make({ organisations: [], activities: [] })

/**
 * What a plan keeps of an activity version (`ActivityRef`); `undefined` when
 * the directory has no such activity (or version).
 *
 * @since 0.3.0
 * @category getters
 */
export const ref = (directory: Directory, id: string, version?: number): ActivityRef | undefined => {
  const a = directory.activity(id, version)
  return a === undefined
    ? undefined
    : {
        id: a.id,
        version: a.version,
        organisationId: a.organisationId,
        area: a.area,
        accompanyingAllowed: a.accompanyingAllowed
      }
}

const sameContent = (a: object, b: object): boolean => {
  const { version: _a, ...ra } = a as { version: number }
  const { version: _b, ...rb } = b as { version: number }
  return canonical(ra) === canonical(rb)
}

const canonical = (v: unknown): string =>
  Array.isArray(v)
    ? `[${v.map(canonical).join(",")}]`
    : typeof v === "object" && v !== null
      ? `{${Object.keys(v)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
          .join(",")}}`
      : JSON.stringify(v)

/**
 * Merges entries into a directory as their next versions: an entry whose id
 * is new becomes version 1, one whose content differs from the current
 * version becomes the next version, an unchanged one is left as it is (its
 * version given in the input is ignored). How an import or an edit is
 * applied: earlier versions are never changed. The result is validated.
 *
 * @since 0.3.0
 * @category combinators
 */
export const merge = (
  directory: Directory,
  changes: {
    readonly organisations?: ReadonlyArray<Omit<Organisation, "version">>
    readonly activities?: ReadonlyArray<Omit<Activity, "version">>
  }
): Result.Result<Directory, InvalidDirectory> => {
  const organisations = [...directory.data.organisations]
  for (const o of changes.organisations ?? []) {
    const current = directory.organisation(o.id)
    const next = { ...o, version: (current?.version ?? 0) + 1 }
    if (current === undefined || !sameContent(current, next)) organisations.push(next)
  }
  const activities = [...directory.data.activities]
  for (const a of changes.activities ?? []) {
    const current = directory.activity(a.id)
    const next = { ...a, version: (current?.version ?? 0) + 1 }
    if (current === undefined || !sameContent(current, next)) activities.push(next)
  }
  return Result.map(decode(Schema.encodeSync(DirectoryData)({ organisations, activities })), make)
}

/**
 * The current activities that match a search (a professional looking for
 * "the right service for the right client"): active only, in an area, in a
 * language, free only, accepting an accompanying link worker; by name.
 *
 * @since 0.3.0
 * @category getters
 */
export const search = (
  directory: Directory,
  filter: {
    readonly area?: string
    readonly language?: string
    readonly freeOnly?: boolean
    readonly accompanyingAllowed?: boolean
    readonly organisationId?: string
  } = {}
): ReadonlyArray<Activity> =>
  directory.currentActivities.filter(
    (a) =>
      a.status === "active" &&
      (filter.area === undefined || a.area === filter.area) &&
      (filter.language === undefined || a.languages.includes(filter.language)) &&
      (filter.freeOnly !== true || a.cost?.free === true) &&
      (filter.accompanyingAllowed !== true || a.accompanyingAllowed) &&
      (filter.organisationId === undefined || a.organisationId === filter.organisationId)
  )
