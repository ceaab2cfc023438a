/**
 * A programme (toimintamalli): one municipality's configured referral service,
 * as data validated by a schema (domain specification §6). Other
 * municipalities adapt the model by writing their own programme, usually by
 * starting from a preset (`Presets.kemijarvi`, `Presets.sodankyla`).
 *
 * A programme is versioned: a change is a new version, and a referral keeps
 * the version it was submitted under (its events name `id` and `version`).
 *
 * Validation is strict: a setting the schema does not know (a misspelt key,
 * at any depth) is refused with its path, and so is an instrument the
 * registry does not know, so a typo never silently keeps a preset's value.
 * `make` is the typed way in: its input is the programme with plain strings,
 * so TypeScript flags a misspelt key in an object literal.
 *
 * @since 0.1.0
 */
import { Result, Schema, SchemaIssue } from "effect"
import { Profession } from "./Actor.js"
import { ProgrammeId } from "./Ids.js"
import * as Instruments from "./Instruments.js"
import { Language as LanguageSchema } from "./internal/language.js"
import * as LinkWorkerSurvey from "./LinkWorkerSurvey.js"
import { isTimeZone } from "./LocalTime.js"

/**
 * Citizen-facing languages: Finnish, Swedish, Northern Sámi, English.
 *
 * @since 0.1.0
 * @category models
 */
export const Language = LanguageSchema
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

const instrumentCode = /^[a-z][a-z0-9-]{1,31}$/u

const PositiveInt = Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(1)))
const NonNegativeInt = Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(0)))

/**
 * A measure a programme expects: which instrument and who answers it.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ExpectedMeasure = Schema.Struct({
  /** An instrument code the registry knows (checked by `decode`). */
  instrument: Schema.String.pipe(
    Schema.check(Schema.isPattern(instrumentCode, { message: "expected an instrument code" }))
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
 * The measure link (domain specification §10): which time points' self-report
 * measures the client is sent a secure link for, by text message, and how
 * often they are reminded.
 *
 * - `timePoints`: the time points sent by link (the follow-up above all;
 *   baseline and end when the programme wants them too). The first message
 *   goes when the measure falls due (baseline: at submission; end: at
 *   closing; follow-up: when its window opens).
 * - `reminders.max`: messages after the first, at most; `reminders.intervalDays`:
 *   days between two messages.
 * - `validDays`: how long a link stays valid after its message was asked
 *   for; never past the time point's own end (the follow-up window's close,
 *   the end measure's time).
 *
 * Every message obeys the rules of every text message (C2 consent and a
 * valid number, quiet hours, never after withdrawal or erasure); see
 * `MeasureLink`.
 *
 * @since 0.3.0
 * @category schemas
 */
export const MeasureLinks = Schema.Struct({
  timePoints: Schema.Array(Schema.Literals(["baseline", "end", "follow-up"])).pipe(Schema.check(Schema.isMinLength(1))),
  reminders: Schema.Struct({ max: NonNegativeInt, intervalDays: PositiveInt }),
  validDays: PositiveInt
})
/**
 * @since 0.3.0
 * @category models
 */
export type MeasureLinks = typeof MeasureLinks.Type

/**
 * The programme schema. Validate input with `decode` (or `make`), not with
 * `Schema.decodeUnknown…(Programme)`: Schema's own decoding strips unknown
 * keys unless asked for `onExcessProperty: "error"` (a parse option, not a
 * property of the schema), and it knows neither the instrument registry nor
 * the rules that span fields.
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
  }),
  /** The client's measure by a secure link (`MeasureLinks`); absent: no links are sent. */
  measureLinks: Schema.optionalKey(MeasureLinks),
  /** The link workers' survey (`LinkWorkerSurvey.Survey`); absent: none. */
  linkWorkerSurvey: Schema.optionalKey(LinkWorkerSurvey.Survey)
})
/**
 * @since 0.1.0
 * @category models
 */
export type Programme = typeof Programme.Type

/**
 * One problem of a programme: where (`deadlines.callingHours.start`,
 * `measures.baseline[0].instrument`, an unknown key's own path) and what is
 * wrong.
 *
 * @since 0.1.0
 * @category models
 */
export interface Problem {
  readonly path: string
  readonly reason: string
}

/**
 * A programme failed validation. `problems` name the path of each problem
 * (every unknown key included) and what is wrong; `issues` is the same as one
 * line.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidProgramme extends Schema.TaggedError<InvalidProgramme>()("InvalidProgramme", {
  problems: Schema.Array(Schema.Struct({ path: Schema.String, reason: Schema.String }))
}) {
  /** Every problem as `path: reason`, separated by `; `. */
  get issues(): string {
    return this.lines.join("; ")
  }
  /** One problem on the line; several as a list, one per line. */
  override get message(): string {
    const lines = this.lines
    return lines.length === 1
      ? `invalid programme configuration: ${lines[0]}`
      : `invalid programme configuration:\n${lines.map((l) => `  - ${l}`).join("\n")}`
  }
  private get lines(): ReadonlyArray<string> {
    return this.problems.map((p) => (p.path === "" ? p.reason : `${p.path}: ${p.reason}`))
  }
}

/**
 * Options of `decode`, `make` and `nextVersion`.
 *
 * @since 0.1.0
 * @category models
 */
export interface DecodeOptions {
  /**
   * The instruments a programme's measures may name (default: the built-ins,
   * `Instruments.defaults`); pass the registry you score with when you add
   * instruments of your own.
   */
  readonly instruments?: Instruments.Registry
}

/** A path as `deadlines.callingHours.start` / `measures.baseline[0]` / `["odd key"]`. */
const formatPath = (path: ReadonlyArray<PropertyKey>): string => {
  let out = ""
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`
    else if (typeof key === "string" && /^[A-Za-z_$][\w$-]*$/.test(key)) out += out === "" ? key : `.${key}`
    else out += `[${JSON.stringify(String(key))}]`
  }
  return out === "" ? "(programme)" : out
}

const formatter = SchemaIssue.makeFormatterStandardSchemaV1({
  leafHook: (issue) =>
    issue._tag === "UnexpectedKey"
      ? "is not a known setting"
      : issue._tag === "MissingKey"
        ? "is missing"
        : SchemaIssue.defaultLeafHook(issue)
})

const lowerFirst = (s: string): string => (s.startsWith("Expected ") ? `e${s.slice(1)}` : s)

const schemaProblems = (issue: SchemaIssue.Issue): ReadonlyArray<Problem> =>
  formatter(issue).issues.map((i) => ({
    path: formatPath((i.path ?? []).map((k) => (typeof k === "object" && k !== null ? k.key : k))),
    reason: lowerFirst(i.message)
  }))

/**
 * The measures that name an instrument the registry does not know, read from
 * the raw input so that they are reported together with any schema problem.
 */
const instrumentProblems = (input: unknown, instruments: Instruments.Registry): ReadonlyArray<Problem> => {
  const measures = typeof input === "object" && input !== null ? (input as { measures?: unknown }).measures : undefined
  if (typeof measures !== "object" || measures === null) return []
  const problems: Array<Problem> = []
  for (const point of ["baseline", "end", "followUp"] as const) {
    const list = (measures as Record<string, unknown>)[point]
    if (!Array.isArray(list)) continue
    list.forEach((m: unknown, k) => {
      const code = typeof m === "object" && m !== null ? (m as { instrument?: unknown }).instrument : undefined
      if (typeof code !== "string" || !instrumentCode.test(code) || instruments.get(code) !== undefined) return
      problems.push({
        path: `measures.${point}[${k}].instrument`,
        reason: `${JSON.stringify(code)} is not a known instrument (known: ${instruments.all.map((i) => i.code).join(", ")})`
      })
    })
  }
  return problems
}

const consistency = (p: Programme): ReadonlyArray<Problem> => {
  const problems: Array<Problem> = []
  const d = p.deadlines
  if (d.collaboration.warnAfterMonths >= d.collaboration.maxMonths) {
    problems.push({ path: "deadlines.collaboration.warnAfterMonths", reason: "must be less than maxMonths" })
  }
  if (d.callingHours.start >= d.callingHours.end) {
    problems.push({ path: "deadlines.callingHours", reason: "must start before it ends on the same day" })
  }
  if (new Set(p.languages).size !== p.languages.length) problems.push({ path: "languages", reason: "must not repeat" })
  if (!isTimeZone(p.timeZone)) {
    problems.push({ path: "timeZone", reason: "must be an IANA time zone such as Europe/Helsinki" })
  }
  if (p.linkWorkerSurvey !== undefined) {
    for (const q of LinkWorkerSurvey.problems(p.linkWorkerSurvey)) {
      problems.push({ path: `linkWorkerSurvey.${q.path}`, reason: q.reason })
    }
  }
  if (p.measureLinks !== undefined) {
    const links = p.measureLinks
    if (new Set(links.timePoints).size !== links.timePoints.length) {
      problems.push({ path: "measureLinks.timePoints", reason: "must not repeat" })
    }
    links.timePoints.forEach((tp, k) => {
      const list = tp === "baseline" ? p.measures.baseline : tp === "end" ? p.measures.end : p.measures.followUp
      if (!list.some((m) => m.respondent === "self")) {
        problems.push({
          path: `measureLinks.timePoints[${k}]`,
          reason: `the programme expects no self-report measure at ${tp}`
        })
      }
    })
  }
  for (const point of ["baseline", "end", "followUp"] as const) {
    const seen = new Set<string>()
    for (const m of p.measures[point]) {
      const key = `${m.instrument}/${m.respondent}`
      if (seen.has(key)) problems.push({ path: `measures.${point}`, reason: `lists ${key} twice` })
      seen.add(key)
    }
  }
  return problems
}

const decodeSchema = Schema.decodeUnknownResult(Programme)

/**
 * Validates unknown input (parsed JSON, YAML, …) as a programme: the schema,
 * with every key the schema does not know refused (at any depth), the
 * instruments against the registry, and the rules that span fields. The
 * error names the path of each problem.
 *
 * @example
 * ```ts
 * import { Presets, Programme } from "@lahete/core"
 * import { Result } from "effect"
 *
 * const typo = Programme.decode({ ...Presets.kemijarvi, eligibleReferrerProffesions: ["nurse"] })
 * Result.isFailure(typo) && typo.failure.issues // "eligibleReferrerProffesions: is not a known setting"
 * ```
 *
 * @since 0.1.0
 * @category decoding
 */
export const decode = (input: unknown, options: DecodeOptions = {}): Result.Result<Programme, InvalidProgramme> => {
  const instruments = instrumentProblems(input, options.instruments ?? Instruments.defaults)
  const decoded = decodeSchema(input, { errors: "all", onExcessProperty: "error" })
  if (Result.isFailure(decoded)) {
    return Result.fail(new InvalidProgramme({ problems: [...schemaProblems(decoded.failure.issue), ...instruments] }))
  }
  const problems = [...instruments, ...consistency(decoded.success)]
  return problems.length === 0 ? Result.succeed(decoded.success) : Result.fail(new InvalidProgramme({ problems }))
}

/**
 * A programme as written in code: the schema's encoded form, with plain
 * strings where the programme has branded ids. TypeScript knows every key,
 * so a misspelt key in an object literal is a compile error.
 *
 * @since 0.1.0
 * @category models
 */
export type Input = typeof Programme.Encoded

/**
 * A programme from typed input, validated as `decode` does. Spreading a
 * preset gets compile-time help: a misspelt key is a type error, and so is a
 * wrong value (an unknown profession or language).
 *
 * @example
 * ```ts
 * import { Presets, Programme } from "@lahete/core"
 * import { Result } from "effect"
 *
 * const ours = Result.getOrThrowWith(
 *   Programme.make({ ...Presets.kemijarvi, id: "esimerkki", municipality: "Esimerkkilä", contactAttempts: { max: 4 } }),
 *   (e) => new Error(e.message)
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (input: Input, options: DecodeOptions = {}): Result.Result<Programme, InvalidProgramme> =>
  decode(input, options)

/**
 * A programme changed into its next version (the referrals already submitted
 * keep the version they started under).
 *
 * @since 0.1.0
 * @category constructors
 */
export const nextVersion = (
  p: Programme,
  change: (p: Programme) => Programme,
  options: DecodeOptions = {}
): Result.Result<Programme, InvalidProgramme> => decode({ ...change(p), id: p.id, version: p.version + 1 }, options)

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
    if (byKey.has(key)) {
      return Result.fail(new InvalidProgramme({ problems: [{ path: "", reason: `programme ${key} is listed twice` }] }))
    }
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
