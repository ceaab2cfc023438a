/**
 * A programme (toimintamalli): one municipality's configured referral service,
 * as data validated by a schema (domain specification §6). Other
 * municipalities adapt the model by writing their own programme, usually by
 * starting from a preset (`Presets.kemijarvi`, `Presets.sodankyla`).
 *
 * A programme is versioned: a change is a new version, and a referral keeps
 * the version it was submitted under (its events name `id` and `version`).
 *
 * @since 0.1.0
 */
import { Result, Schema } from "effect"
import { Profession } from "./Actor.js"
import { ProgrammeId } from "./Ids.js"
import { isTimeZone } from "./LocalTime.js"

/**
 * Citizen-facing languages: Finnish, Swedish, Northern Sámi, English.
 *
 * @since 0.1.0
 * @category models
 */
export const Language = Schema.Literals(["fi", "sv", "se", "en"])
/**
 * @since 0.1.0
 * @category models
 */
export type Language = typeof Language.Type

/**
 * A local time of day `HH:MM` (24-hour clock).
 *
 * @since 0.1.0
 * @category schemas
 */
export const ClockTime = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^([01]\d|2[0-3]):[0-5]\d$/u, { message: "expected a local time HH:MM" }))
)

/**
 * A time window of the day in the programme's time zone; `end` before `start`
 * wraps past midnight (quiet hours 21:00–08:00).
 *
 * @since 0.1.0
 * @category schemas
 */
export const DailyWindow = Schema.Struct({ start: ClockTime, end: ClockTime })
/**
 * @since 0.1.0
 * @category models
 */
export type DailyWindow = typeof DailyWindow.Type

const PositiveInt = Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(1)))
const NonNegativeInt = Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(0)))

/**
 * A measure a programme expects: which instrument and who answers it.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ExpectedMeasure = Schema.Struct({
  instrument: Schema.String.pipe(
    Schema.check(Schema.isPattern(/^[a-z][a-z0-9-]{1,31}$/u, { message: "expected an instrument code" }))
  ),
  respondent: Schema.Literals(["self", "proxy"])
})
/**
 * @since 0.1.0
 * @category models
 */
export type ExpectedMeasure = typeof ExpectedMeasure.Type

/**
 * The deadlines D1–D6 (domain specification §3).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Deadlines = Schema.Struct({
  /** D1: the coordinator assigns within this many business days. */
  assignment: Schema.Struct({ businessDays: PositiveInt }),
  /** D2: the call time lies within `days` of submission; warn `atRiskHours` before. */
  firstContact: Schema.Struct({
    days: PositiveInt,
    dayKind: Schema.Literals(["business", "calendar"]),
    atRiskHours: NonNegativeInt
  }),
  /** Calls are placed within these hours, local time. */
  callingHours: DailyWindow,
  /** D3: the text message precedes the call by at least the lead time and is never sent in quiet hours. */
  textMessage: Schema.Struct({ leadTimeMinutes: NonNegativeInt, quietHours: DailyWindow }),
  /** D4: warn after `warnAfterMonths`, flag `DurationExceeded` after `maxMonths` (never auto-closed). */
  collaboration: Schema.Struct({ warnAfterMonths: PositiveInt, maxMonths: PositiveInt }),
  /** D5: follow-up due `monthsAfterClosing` after closing, within ± `windowDays`. */
  followUp: Schema.Struct({
    monthsAfterClosing: PositiveInt,
    windowDays: NonNegativeInt,
    reminderDaysBefore: NonNegativeInt
  }),
  /** D6: personal data erased this many months after the referral ends; `null`: the controller has not set it. */
  retention: Schema.Struct({ erasePersonalDataAfterMonths: Schema.NullOr(PositiveInt) })
})
/**
 * @since 0.1.0
 * @category models
 */
export type Deadlines = typeof Deadlines.Type

/**
 * The programme schema.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Programme = Schema.Struct({
  id: ProgrammeId,
  version: PositiveInt,
  municipality: Schema.NonEmptyString,
  /** The programme's name per language; `fi` is required and shown where a language has none. */
  names: Schema.Struct({
    fi: Schema.NonEmptyString,
    sv: Schema.optionalKey(Schema.NonEmptyString),
    se: Schema.optionalKey(Schema.NonEmptyString),
    en: Schema.optionalKey(Schema.NonEmptyString)
  }),
  timeZone: Schema.NonEmptyString,
  languages: Schema.Array(Language).pipe(Schema.check(Schema.isMinLength(1))),
  /** Professions that may make a referral. */
  eligibleReferrerProfessions: Schema.Array(Profession).pipe(Schema.check(Schema.isMinLength(1))),
  /** Situations that make a referral not eligible (e.g. `acute-crisis`); a referral stating one is refused. */
  eligibilityExclusions: Schema.Array(
    Schema.String.pipe(Schema.check(Schema.isPattern(/^[a-z][a-z0-9-]{1,63}$/u, { message: "expected a code" })))
  ),
  /** Youngest client age in years (the model is for adults). */
  minimumClientAge: NonNegativeInt,
  deadlines: Deadlines,
  /** Contact attempts before the referral becomes Unreachable. */
  contactAttempts: Schema.Struct({ max: PositiveInt }),
  measures: Schema.Struct({
    baseline: Schema.Array(ExpectedMeasure),
    end: Schema.Array(ExpectedMeasure),
    followUp: Schema.Array(ExpectedMeasure)
  }),
  feedback: Schema.Struct({
    /** Whether the referrer may ask to read the closing feedback (C3). */
    referrerMayRequest: Schema.Boolean
  }),
  linkWorkers: Schema.Struct({
    /** Months between refresher trainings; a link worker past it is not assigned. */
    refresherIntervalMonths: PositiveInt,
    /** Default capacity (active clients) when a link worker has none of their own. */
    defaultCapacity: PositiveInt
  })
})
/**
 * @since 0.1.0
 * @category models
 */
export type Programme = typeof Programme.Type

/**
 * A programme failed validation. `issues` name the paths and what is wrong.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidProgramme extends Schema.TaggedError<InvalidProgramme>()("InvalidProgramme", {
  issues: Schema.String
}) {
  override get message(): string {
    return `invalid programme configuration: ${this.issues}`
  }
}

const consistency = (p: Programme): ReadonlyArray<string> => {
  const problems: Array<string> = []
  const d = p.deadlines
  if (d.collaboration.warnAfterMonths >= d.collaboration.maxMonths) {
    problems.push("deadlines.collaboration.warnAfterMonths must be less than maxMonths")
  }
  if (d.callingHours.start >= d.callingHours.end) {
    problems.push("deadlines.callingHours must start before it ends on the same day")
  }
  if (new Set(p.languages).size !== p.languages.length) problems.push("languages must not repeat")
  if (!isTimeZone(p.timeZone)) problems.push("timeZone must be an IANA time zone such as Europe/Helsinki")
  for (const point of ["baseline", "end", "followUp"] as const) {
    const seen = new Set<string>()
    for (const m of p.measures[point]) {
      const key = `${m.instrument}/${m.respondent}`
      if (seen.has(key)) problems.push(`measures.${point} lists ${key} twice`)
      seen.add(key)
    }
  }
  return problems
}

/**
 * Validates unknown input (parsed JSON, YAML, …) as a programme, including
 * the rules that span fields.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decode = (input: unknown): Result.Result<Programme, InvalidProgramme> =>
  Result.match(Schema.decodeUnknownResult(Programme)(input, { errors: "all" }), {
    onFailure: (e) => Result.fail(new InvalidProgramme({ issues: String(e) })),
    onSuccess: (p) => {
      const problems = consistency(p)
      return problems.length === 0
        ? Result.succeed(p)
        : Result.fail(new InvalidProgramme({ issues: problems.join("; ") }))
    }
  })

/**
 * A programme changed into its next version (the referrals already submitted
 * keep the version they started under).
 *
 * @since 0.1.0
 * @category constructors
 */
export const nextVersion = (
  p: Programme,
  change: (p: Programme) => Programme
): Result.Result<Programme, InvalidProgramme> => decode({ ...change(p), id: p.id, version: p.version + 1 })

/**
 * The programmes a deployment runs, every version of each, looked up by id
 * and version. Versions are immutable once published.
 *
 * @since 0.1.0
 * @category models
 */
export interface Catalog {
  readonly get: (id: string, version: number) => Programme | undefined
  readonly latest: (id: string) => Programme | undefined
  readonly all: ReadonlyArray<Programme>
}

/**
 * A catalog of the given programme versions. The same id and version listed
 * twice is a configuration error.
 *
 * @since 0.1.0
 * @category constructors
 */
export const catalog = (programmes: ReadonlyArray<Programme>): Result.Result<Catalog, InvalidProgramme> => {
  const byKey = new Map<string, Programme>()
  for (const p of programmes) {
    const key = `${p.id}@${p.version}`
    if (byKey.has(key)) return Result.fail(new InvalidProgramme({ issues: `programme ${key} is listed twice` }))
    byKey.set(key, p)
  }
  const latest = new Map<string, Programme>()
  for (const p of programmes) {
    const current = latest.get(p.id)
    if (current === undefined || p.version > current.version) latest.set(p.id, p)
  }
  return Result.succeed({
    get: (id, version) => byKey.get(`${id}@${version}`),
    latest: (id) => latest.get(id),
    all: programmes
  })
}

/**
 * The measures a programme expects at a time point.
 *
 * @since 0.1.0
 * @category getters
 */
export const expectedMeasures = (
  p: Programme,
  timePoint: "baseline" | "end" | "follow-up"
): ReadonlyArray<ExpectedMeasure> =>
  timePoint === "baseline" ? p.measures.baseline : timePoint === "end" ? p.measures.end : p.measures.followUp
