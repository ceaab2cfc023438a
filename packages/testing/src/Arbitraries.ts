/**
 * fast-check arbitraries for every domain type: ids, instants, actors,
 * consent, programmes (valid variations and invalid inputs with the reason
 * they fail), link workers (eligible, and ineligible with the reason), the
 * client's personal data, every command and every event.
 *
 * Every arbitrary yields values its schema accepts (the package's tests check
 * each one). Commands are valid against their schema, not necessarily
 * accepted by the decider: for command sequences that follow the lifecycle,
 * see `CommandSequences`.
 *
 * The personal data is fictitious and chosen so that a test can look for it
 * in error messages and events without false alarms: names come from curated
 * lists, free texts are whole sentences, identity codes and mobile numbers are
 * complete ones.
 *
 * @example
 * ```ts
 * import { Arbitraries } from "@lahete/testing"
 * import * as fc from "fast-check"
 *
 * fc.assert(fc.property(Arbitraries.programme(), (p) => p.contactAttempts.max >= 1))
 * ```
 *
 * @since 0.1.0
 */
import {
  type Actor,
  type Consent,
  Directory,
  DirectoryPresets,
  type Ids,
  Instant,
  LinkWorker,
  PersonalIdentityCode,
  Presets,
  type Programme,
  Referral,
  ReferralCommand,
  type ReferralEvent
} from "@lahete/core"
import * as fc from "fast-check"
import * as IdentityArbitraries from "./IdentityArbitraries.js"

type Cmd<T extends ReferralCommand.Tag> = Extract<ReferralCommand.ReferralCommand, { _tag: T }>
type Evt<T extends ReferralEvent.Tag> = Extract<ReferralEvent.ReferralEvent, { _tag: T }>

const MINUTE = 60_000
const DAY = 86_400_000

/** Optional fields, without writing `key: undefined` (exactOptionalPropertyTypes). */
const optional = <K extends string, A>(key: K, value: A | undefined): { [P in K]?: A } =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: A }

const maybe = <A>(arb: fc.Arbitrary<A>, freq = 2): fc.Arbitrary<A | undefined> =>
  fc.option(arb, { nil: undefined, freq })

// ---------------------------------------------------------------------------
// ids
// ---------------------------------------------------------------------------

const idString: fc.Arbitrary<string> = fc.oneof(
  fc.uuid(),
  fc.stringMatching(/^[a-z][a-z0-9]{1,12}-[0-9]{1,6}$/),
  fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,40}$/)
)

/**
 * Referral ids (UUIDs, `word-123` keys and other strings the id schema allows).
 *
 * @since 0.1.0
 * @category ids
 */
export const referralId: fc.Arbitrary<Ids.ReferralId> = idString as fc.Arbitrary<Ids.ReferralId>
/**
 * @since 0.1.0
 * @category ids
 */
export const subjectId: fc.Arbitrary<Ids.SubjectId> = idString as fc.Arbitrary<Ids.SubjectId>
/**
 * @since 0.1.0
 * @category ids
 */
export const actorId: fc.Arbitrary<Ids.ActorId> = idString as fc.Arbitrary<Ids.ActorId>
/**
 * @since 0.1.0
 * @category ids
 */
export const organisationId: fc.Arbitrary<Ids.OrganisationId> = idString as fc.Arbitrary<Ids.OrganisationId>
/**
 * @since 0.1.0
 * @category ids
 */
export const programmeId: fc.Arbitrary<Ids.ProgrammeId> = idString as fc.Arbitrary<Ids.ProgrammeId>
/**
 * @since 0.1.0
 * @category ids
 */
export const idempotencyKey: fc.Arbitrary<Ids.IdempotencyKey> = idString as fc.Arbitrary<Ids.IdempotencyKey>

// ---------------------------------------------------------------------------
// time
// ---------------------------------------------------------------------------

const toMillis = (i: Instant.Instant | Date): number => (i instanceof Date ? i.getTime() : Instant.toMillis(i))

/**
 * Canonical UTC instants (millisecond precision), by default between 2000 and
 * 2099.
 *
 * @since 0.1.0
 * @category time
 */
export const instant = (
  options: { readonly min?: Instant.Instant | Date; readonly max?: Instant.Instant | Date } = {}
): fc.Arbitrary<Instant.Instant> =>
  fc
    .integer({
      min: options.min === undefined ? Date.UTC(2000, 0, 1) : toMillis(options.min),
      max: options.max === undefined ? Date.UTC(2099, 11, 31, 23, 59, 59, 999) : toMillis(options.max)
    })
    .map((ms) => Instant.make(ms))

/**
 * Instants strictly after `from`, at most `withinMillis` later (default 400
 * days).
 *
 * @since 0.1.0
 * @category time
 */
export const instantAfter = (from: Instant.Instant, withinMillis = 400 * DAY): fc.Arbitrary<Instant.Instant> =>
  fc.integer({ min: 1, max: Math.max(1, withinMillis) }).map((ms) => Instant.plusMillis(from, ms))

// ---------------------------------------------------------------------------
// actors
// ---------------------------------------------------------------------------

/**
 * @since 0.1.0
 * @category actors
 */
export const role: fc.Arbitrary<Actor.Role> = fc.constantFrom(
  "Referrer",
  "Coordinator",
  "LinkWorker",
  "Client",
  "Evaluator",
  "System"
)

/**
 * Professions of the model (Kemijärvi's referrers) and others a programme may
 * add.
 *
 * @since 0.1.0
 * @category constants
 */
export const professions: ReadonlyArray<string> = [
  "doctor",
  "nurse",
  "social-worker",
  "social-counsellor",
  "service-counsellor",
  "physiotherapist",
  "psychologist",
  "occupational-therapist",
  "public-health-nurse",
  "youth-worker"
]

/**
 * Profession codes: mostly the known ones, sometimes any code the schema
 * allows.
 *
 * @since 0.1.0
 * @category actors
 */
export const profession: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...professions), weight: 4 },
  { arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{1,20}$/), weight: 1 }
)

/**
 * Any actor, of the given role or of any role. Referrers always state a
 * profession; other roles sometimes do.
 *
 * @since 0.1.0
 * @category actors
 */
export const actor = (options: { readonly role?: Actor.Role } = {}): fc.Arbitrary<Actor.Actor> =>
  (options.role === undefined ? role : fc.constant(options.role)).chain((r) =>
    r === "Referrer"
      ? referrer()
      : fc
          .record({ id: actorId, organisation: organisationId, profession: maybe(profession, 5) })
          .map(({ id, organisation, profession }) => ({
            role: r,
            id,
            organisation,
            ...optional("profession", profession)
          }))
  )

/**
 * A referrer with a profession, by default one of `professions`.
 *
 * @since 0.1.0
 * @category actors
 */
export const referrer = (options: { readonly professions?: ReadonlyArray<string> } = {}): fc.Arbitrary<Actor.Actor> =>
  fc
    .record({
      id: actorId,
      organisation: organisationId,
      profession:
        options.professions === undefined || options.professions.length === 0
          ? profession
          : fc.constantFrom(...options.professions)
    })
    .map(({ id, organisation, profession }) => ({ role: "Referrer" as const, id, organisation, profession }))

/**
 * @since 0.1.0
 * @category actors
 */
export const coordinator: fc.Arbitrary<Actor.Actor> = actor({ role: "Coordinator" })
/**
 * @since 0.1.0
 * @category actors
 */
export const linkWorkerActor: fc.Arbitrary<Actor.Actor> = actor({ role: "LinkWorker" })
/**
 * @since 0.1.0
 * @category actors
 */
export const evaluator: fc.Arbitrary<Actor.Actor> = actor({ role: "Evaluator" })
/**
 * @since 0.1.0
 * @category actors
 */
export const systemActor: fc.Arbitrary<Actor.Actor> = actor({ role: "System" })

/**
 * A client; given a subject id, the client whose actor id is that subject id
 * (the one the decider lets act on the referral).
 *
 * @since 0.1.0
 * @category actors
 */
export const clientActor = (subject?: Ids.SubjectId): fc.Arbitrary<Actor.Actor> =>
  fc
    .record({
      id: subject === undefined ? actorId : fc.constant(subject as string as Ids.ActorId),
      organisation: organisationId
    })
    .map(({ id, organisation }) => ({ role: "Client" as const, id, organisation }))

// ---------------------------------------------------------------------------
// consent
// ---------------------------------------------------------------------------

/**
 * @since 0.1.0
 * @category consent
 */
export const purpose: fc.Arbitrary<Consent.Purpose> = fc.constantFrom(
  "referral",
  "contact-by-sms",
  "feedback-to-referrer",
  "research",
  "proxy-measure"
)
/**
 * @since 0.1.0
 * @category consent
 */
export const consentDecision: fc.Arbitrary<Consent.Decision> = fc.constantFrom("granted", "refused", "withdrawn")
/**
 * @since 0.1.0
 * @category consent
 */
export const consentMethod: fc.Arbitrary<Consent.Method> = fc.constantFrom(
  "in-appointment",
  "agreed-for-office-time",
  "written",
  "verbal"
)

/**
 * A consent decision as a command carries it. With `at`, an expiry (when
 * present) lies strictly after `at`, as the decider requires.
 *
 * @since 0.1.0
 * @category consent
 */
export const consentGiven = (
  options: {
    readonly purpose?: Consent.Purpose
    readonly decision?: Consent.Decision
    readonly at?: Instant.Instant
    /** Whether to add an expiry: always, never, or sometimes (default). */
    readonly expiry?: boolean
  } = {}
): fc.Arbitrary<ReferralCommand.ConsentGiven> => {
  const expiry = options.at === undefined ? instant() : instantAfter(options.at, 3 * 365 * DAY)
  return fc
    .record({
      purpose: options.purpose === undefined ? purpose : fc.constant(options.purpose),
      decision: options.decision === undefined ? consentDecision : fc.constant(options.decision),
      method: consentMethod,
      expiresAt: options.expiry === false ? fc.constant(undefined) : options.expiry === true ? expiry : maybe(expiry, 3)
    })
    .map(({ purpose, decision, method, expiresAt }) => ({
      purpose,
      decision,
      method,
      ...optional("expiresAt", expiresAt)
    }))
}

/**
 * A recorded consent decision (who recorded it, when).
 *
 * @since 0.1.0
 * @category consent
 */
export const consentRecord = (
  options: { readonly purpose?: Consent.Purpose; readonly decision?: Consent.Decision } = {}
): fc.Arbitrary<Consent.ConsentRecord> =>
  fc
    .record({ at: instant(), recordedBy: actorId })
    .chain(({ at, recordedBy }) =>
      consentGiven({ ...options, at }).map((given): Consent.ConsentRecord => ({ ...given, recordedBy, at }))
    )

// ---------------------------------------------------------------------------
// programmes
// ---------------------------------------------------------------------------

/**
 * @since 0.1.0
 * @category programmes
 */
export const language: fc.Arbitrary<Programme.Language> = fc.constantFrom("fi", "sv", "se", "en")

/**
 * The instruments the library knows, with their item count and answer range
 * (facts §2–4): SWEMWBS, WEMWBS, ESIS, UCLA-3, ONS4.
 *
 * @since 0.1.0
 * @category constants
 */
export const instruments: Readonly<
  Record<string, { readonly items: number; readonly min: number; readonly max: number }>
> = {
  swemwbs: { items: 7, min: 1, max: 5 },
  wemwbs: { items: 14, min: 1, max: 5 },
  esis: { items: 10, min: 1, max: 5 },
  "ucla-3": { items: 3, min: 1, max: 3 },
  ons4: { items: 4, min: 0, max: 10 }
}

const instrumentCode: fc.Arbitrary<string> = fc.constantFrom(...Object.keys(instruments))

/**
 * A measure a programme may expect.
 *
 * @since 0.1.0
 * @category programmes
 */
export const expectedMeasure: fc.Arbitrary<Programme.ExpectedMeasure> = fc.record({
  instrument: instrumentCode,
  respondent: fc.constantFrom("self" as const, "proxy" as const)
})

const measureList = fc.uniqueArray(expectedMeasure, {
  maxLength: 4,
  selector: (m) => `${m.instrument}/${m.respondent}`
})

const exclusionCodes = [
  "acute-crisis",
  "clear-professional-need",
  "active-substance-treatment",
  "under-guardianship",
  "severe-memory-disorder"
] as const

const municipalities = [
  "Kemijärvi",
  "Sodankylä",
  "Muonio",
  "Enontekiö",
  "Inari",
  "Utsjoki",
  "Rovaniemi",
  "Pello",
  "Salla",
  "Savukoski"
] as const

const localTime = (minutes: number): string =>
  `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`

const minuteOfDay = fc.integer({ min: 0, max: 1439 })

/**
 * Valid programmes: variations around the presets (different ids, versions,
 * languages, referrer professions, exclusions, minimum ages, every deadline,
 * contact attempts, measures, feedback policy and link-worker policy) that
 * `Programme.decode` accepts unchanged. `base` fixes the preset to vary.
 *
 * @since 0.1.0
 * @category programmes
 */
export const programme = (options: { readonly base?: Programme.Programme } = {}): fc.Arbitrary<Programme.Programme> =>
  fc
    .record({
      base: options.base === undefined ? fc.constantFrom(...Presets.all) : fc.constant(options.base),
      id: fc.oneof(fc.constant(undefined), programmeId),
      version: fc.integer({ min: 1, max: 50 }),
      municipality: fc.constantFrom(...municipalities),
      sv: maybe(fc.constantFrom("Välbefinnanderemiss", "Remiss för välbefinnande")),
      se: maybe(fc.constant("Buresbirgejupmi bálgá")),
      en: maybe(fc.constant("Wellbeing referral")),
      languages: fc.uniqueArray(language, { minLength: 1, maxLength: 4 }),
      professions: fc.uniqueArray(profession, { minLength: 1, maxLength: 6 }),
      exclusions: fc.subarray([...exclusionCodes]),
      minimumClientAge: fc.integer({ min: 16, max: 30 }),
      assignmentDays: fc.integer({ min: 1, max: 5 }),
      firstContactDays: fc.integer({ min: 1, max: 10 }),
      dayKind: fc.constantFrom("business" as const, "calendar" as const),
      atRiskHours: fc.integer({ min: 0, max: 72 }),
      callingStart: fc.integer({ min: 0, max: 1438 }),
      callingLength: fc.integer({ min: 1, max: 1439 }),
      leadTimeMinutes: fc.integer({ min: 0, max: 24 * 60 }),
      quietStart: minuteOfDay,
      quietEnd: minuteOfDay,
      warnAfterMonths: fc.integer({ min: 1, max: 11 }),
      maxExtra: fc.integer({ min: 1, max: 12 }),
      monthsAfterClosing: fc.integer({ min: 1, max: 12 }),
      windowDays: fc.integer({ min: 0, max: 60 }),
      reminderDaysBefore: fc.integer({ min: 0, max: 30 }),
      retention: fc.option(fc.integer({ min: 1, max: 240 }), { nil: null }),
      contactAttempts: fc.integer({ min: 1, max: 6 }),
      baseline: measureList,
      end: measureList,
      followUp: measureList,
      referrerMayRequest: fc.boolean(),
      refresherIntervalMonths: fc.integer({ min: 1, max: 24 }),
      defaultCapacity: fc.integer({ min: 1, max: 40 })
    })
    .map(
      (v): Programme.Programme => ({
        id: v.id ?? v.base.id,
        version: v.version,
        municipality: v.municipality,
        names: {
          fi: v.base.names.fi,
          ...optional("sv", v.sv),
          ...optional("se", v.se),
          ...optional("en", v.en)
        },
        timeZone: v.base.timeZone,
        languages: v.languages,
        eligibleReferrerProfessions: v.professions,
        eligibilityExclusions: v.exclusions,
        minimumClientAge: v.minimumClientAge,
        deadlines: {
          assignment: { businessDays: v.assignmentDays },
          firstContact: { days: v.firstContactDays, dayKind: v.dayKind, atRiskHours: v.atRiskHours },
          callingHours: {
            start: localTime(v.callingStart),
            end: localTime(Math.min(1439, v.callingStart + v.callingLength))
          },
          textMessage: {
            leadTimeMinutes: v.leadTimeMinutes,
            quietHours: { start: localTime(v.quietStart), end: localTime(v.quietEnd) }
          },
          collaboration: { warnAfterMonths: v.warnAfterMonths, maxMonths: v.warnAfterMonths + v.maxExtra },
          followUp: {
            monthsAfterClosing: v.monthsAfterClosing,
            windowDays: v.windowDays,
            reminderDaysBefore: v.reminderDaysBefore
          },
          retention: { erasePersonalDataAfterMonths: v.retention }
        },
        contactAttempts: { max: v.contactAttempts },
        measures: { baseline: v.baseline, end: v.end, followUp: v.followUp },
        feedback: { referrerMayRequest: v.referrerMayRequest },
        linkWorkers: { refresherIntervalMonths: v.refresherIntervalMonths, defaultCapacity: v.defaultCapacity }
      })
    )

/**
 * Why an invalid programme input must be refused.
 *
 * @since 0.1.0
 * @category programmes
 */
export type InvalidProgrammeReason =
  | "not-an-object"
  | "missing-field"
  | "invalid-id"
  | "non-positive-version"
  | "missing-finnish-name"
  | "no-languages"
  | "unknown-language"
  | "repeated-language"
  | "no-referrer-professions"
  | "invalid-profession-code"
  | "negative-minimum-age"
  | "invalid-local-time"
  | "calling-hours-not-ordered"
  | "warning-not-before-maximum"
  | "non-positive-contact-attempts"
  | "fractional-contact-attempts"
  | "invalid-instrument-code"
  | "unknown-instrument"
  | "unknown-key"
  | "repeated-measure"
  | "zero-retention"
  | "unknown-day-kind"

/**
 * An invalid programme input: a valid programme with one thing broken,
 * the reason, and a fragment `Programme.decode`'s `issues` must contain (the
 * path of the bad field, or the consistency rule's wording).
 *
 * @since 0.1.0
 * @category programmes
 */
export interface InvalidProgrammeInput {
  readonly input: unknown
  readonly reason: InvalidProgrammeReason
  readonly mentions: string
}

const broken = (
  reason: InvalidProgrammeReason,
  mentions: string,
  change: (p: Programme.Programme) => unknown
): fc.Arbitrary<InvalidProgrammeInput> => programme().map((p) => ({ input: change(p), reason, mentions }))

const withDeadlines = (p: Programme.Programme, d: Partial<Record<keyof Programme.Deadlines, unknown>>) => ({
  ...p,
  deadlines: { ...p.deadlines, ...d }
})

const requiredProgrammeKeys = [
  "id",
  "version",
  "municipality",
  "names",
  "timeZone",
  "languages",
  "eligibleReferrerProfessions",
  "eligibilityExclusions",
  "minimumClientAge",
  "deadlines",
  "contactAttempts",
  "measures",
  "feedback",
  "linkWorkers"
] as const

/**
 * Invalid programme inputs, each broken in exactly one way, with the reason
 * `Programme.decode` must refuse it.
 *
 * @since 0.1.0
 * @category programmes
 */
export const invalidProgramme: fc.Arbitrary<InvalidProgrammeInput> = fc.oneof(
  fc
    .constantFrom<unknown>(null, 42, "kemijarvi", [], true)
    .map((input) => ({ input, reason: "not-an-object" as const, mentions: "(programme): expected" })),
  fc.tuple(programme(), fc.constantFrom(...requiredProgrammeKeys)).map(([p, key]) => {
    const { [key]: _, ...rest } = p
    return { input: rest, reason: "missing-field" as const, mentions: `${key}: is missing` }
  }),
  fc
    .tuple(programme(), fc.constantFrom("", "-kemijarvi", "kemi järvi", "kemijärvi", "x".repeat(129)))
    .map(([p, id]) => ({ input: { ...p, id }, reason: "invalid-id" as const, mentions: "id: " })),
  fc.tuple(programme(), fc.integer({ min: -5, max: 0 })).map(([p, version]) => ({
    input: { ...p, version },
    reason: "non-positive-version" as const,
    mentions: "version: "
  })),
  broken("missing-finnish-name", "names.fi: is missing", (p) => {
    const { fi: _, ...names } = p.names
    return { ...p, names: { ...names, en: "Wellbeing referral" } }
  }),
  broken("no-languages", "languages: ", (p) => ({ ...p, languages: [] })),
  broken("unknown-language", "languages[", (p) => ({ ...p, languages: [...p.languages, "de"] })),
  broken("repeated-language", "languages: must not repeat", (p) => ({
    ...p,
    languages: [...p.languages, p.languages[0]]
  })),
  broken("no-referrer-professions", "eligibleReferrerProfessions: ", (p) => ({
    ...p,
    eligibleReferrerProfessions: []
  })),
  fc.tuple(programme(), fc.constantFrom("Nurse", "n", "social worker", "9-doctor", "")).map(([p, bad]) => ({
    input: { ...p, eligibleReferrerProfessions: [...p.eligibleReferrerProfessions, bad] },
    reason: "invalid-profession-code" as const,
    mentions: "eligibleReferrerProfessions["
  })),
  fc.tuple(programme(), fc.integer({ min: -100, max: -1 })).map(([p, age]) => ({
    input: { ...p, minimumClientAge: age },
    reason: "negative-minimum-age" as const,
    mentions: "minimumClientAge: "
  })),
  fc.tuple(programme(), fc.constantFrom("24:00", "8:00", "08:60", "0800", "noon")).map(([p, bad]) => ({
    input: withDeadlines(p, { callingHours: { ...p.deadlines.callingHours, start: bad } }),
    reason: "invalid-local-time" as const,
    mentions: "deadlines.callingHours.start: "
  })),
  broken("calling-hours-not-ordered", "deadlines.callingHours: must start before it ends", (p) =>
    withDeadlines(p, {
      callingHours: { start: p.deadlines.callingHours.end, end: p.deadlines.callingHours.start }
    })
  ),
  fc.tuple(programme(), fc.integer({ min: 0, max: 6 })).map(([p, extra]) => ({
    input: withDeadlines(p, {
      collaboration: {
        warnAfterMonths: p.deadlines.collaboration.maxMonths + extra,
        maxMonths: p.deadlines.collaboration.maxMonths
      }
    }),
    reason: "warning-not-before-maximum" as const,
    mentions: "deadlines.collaboration.warnAfterMonths: must be less than maxMonths"
  })),
  fc.tuple(programme(), fc.integer({ min: -3, max: 0 })).map(([p, max]) => ({
    input: { ...p, contactAttempts: { max } },
    reason: "non-positive-contact-attempts" as const,
    mentions: "contactAttempts.max: "
  })),
  broken("fractional-contact-attempts", "contactAttempts.max: ", (p) => ({
    ...p,
    contactAttempts: { max: p.contactAttempts.max + 0.5 }
  })),
  fc.tuple(programme(), fc.constantFrom("SWEMWBS", "s", "swemwbs 7", "")).map(([p, instrument]) => ({
    input: { ...p, measures: { ...p.measures, baseline: [{ instrument, respondent: "self" }] } },
    reason: "invalid-instrument-code" as const,
    mentions: "measures.baseline[0].instrument: expected an instrument code"
  })),
  fc.tuple(programme(), expectedMeasure).map(([p, m]) => ({
    input: { ...p, measures: { ...p.measures, end: [m, { ...m }] } },
    reason: "repeated-measure" as const,
    mentions: `measures.end: lists ${m.instrument}/${m.respondent} twice`
  })),
  broken("zero-retention", "deadlines.retention.erasePersonalDataAfterMonths: ", (p) =>
    withDeadlines(p, { retention: { erasePersonalDataAfterMonths: 0 } })
  ),
  broken("unknown-day-kind", "deadlines.firstContact.dayKind: ", (p) =>
    withDeadlines(p, { firstContact: { ...p.deadlines.firstContact, dayKind: "weekdays" } })
  ),
  fc.tuple(programme(), fc.constantFrom("ucla3", "swemwbs7", "wemwbs-short", "phq-9")).map(([p, instrument]) => ({
    input: { ...p, measures: { ...p.measures, baseline: [{ instrument, respondent: "self" as const }] } },
    reason: "unknown-instrument" as const,
    mentions: `measures.baseline[0].instrument: "${instrument}" is not a known instrument`
  })),
  fc
    .tuple(
      programme(),
      fc.constantFrom(
        // misspelt or misplaced settings, as a spread preset gets them
        [[], "eligibleReferrerProffesions"],
        [[], "minimumAge"],
        [[], "callingHours"],
        [["deadlines"], "firstcontact"],
        [["deadlines", "firstContact"], "businessDays"],
        [["deadlines", "retention"], "erasePersonalDataAfterMonth"],
        [["contactAttempts"], "maximum"],
        [["measures"], "followup"],
        [["names"], "de"],
        [["linkWorkers"], "capacity"]
      ) as fc.Arbitrary<readonly [ReadonlyArray<string>, string]>
    )
    .map(([p, [path, key]]) => {
      const add = (v: unknown, rest: ReadonlyArray<string>): unknown => {
        const o = v as Record<string, unknown>
        const [head, ...tail] = rest
        return head === undefined ? { ...o, [key]: 1 } : { ...o, [head]: add(o[head], tail) }
      }
      return {
        input: add(p, path),
        reason: "unknown-key" as const,
        mentions: `${[...path, key].join(".")}: is not a known setting`
      }
    })
)

// ---------------------------------------------------------------------------
// link workers
// ---------------------------------------------------------------------------

const defaultPolicy: LinkWorker.Policy = Presets.kemijarvi.linkWorkers

/**
 * Any link worker the registry schema accepts (eligible or not).
 *
 * @since 0.1.0
 * @category link workers
 */
export const linkWorker: fc.Arbitrary<LinkWorker.LinkWorker> = fc
  .record({
    id: actorId,
    active: fc.boolean(),
    employerType: fc.constantFrom("adult-education-centre", "municipality", "ngo", "parish"),
    languages: fc.uniqueArray(language, { maxLength: 4 }),
    areas: fc.uniqueArray(fc.constantFrom(...municipalities), { maxLength: 3 }),
    capacity: maybe(fc.integer({ min: 0, max: 40 })),
    confidentialityCommitmentSignedAt: maybe(instant(), 4),
    basicTrainingCompletedAt: maybe(instant(), 4),
    refresherTrainings: fc.array(instant(), { maxLength: 4 }),
    mentoringSessions: fc.array(instant(), { maxLength: 4 })
  })
  .map(({ capacity, confidentialityCommitmentSignedAt, basicTrainingCompletedAt, ...rest }) => ({
    ...rest,
    ...optional("capacity", capacity),
    ...optional("confidentialityCommitmentSignedAt", confidentialityCommitmentSignedAt),
    ...optional("basicTrainingCompletedAt", basicTrainingCompletedAt)
  }))

/**
 * A link worker and their current number of active clients, as the
 * assignment command carries them.
 *
 * @since 0.1.0
 * @category link workers
 */
export interface Candidate {
  readonly linkWorker: LinkWorker.LinkWorker
  readonly activeClients: number
}

/**
 * Options for the link-worker arbitraries: the instant of the assignment, the
 * programme's link-worker policy (default Kemijärvi's) and, optionally, the id.
 *
 * @since 0.1.0
 * @category link workers
 */
export interface LinkWorkerOptions {
  readonly at: Instant.Instant
  readonly policy?: LinkWorker.Policy
  readonly id?: Ids.ActorId
}

/**
 * Link workers `LinkWorker.checkAssignable` accepts at `at`: active, trained
 * and committed to confidentiality before `at`, their latest training well
 * within the refresher interval, and below capacity. Every date lies at or
 * before `at`, and eligibility holds with a margin of days, so shifting all
 * dates and `at` by the same amount keeps it.
 *
 * @since 0.1.0
 * @category link workers
 */
export const eligibleLinkWorker = (options: LinkWorkerOptions): fc.Arbitrary<Candidate> => {
  const policy = options.policy ?? defaultPolicy
  const at = Instant.toMillis(options.at)
  // the latest training lies within 28 days per interval month before `at` (no month is shorter)
  const window = Math.max(1, policy.refresherIntervalMonths * 28 * DAY - DAY)
  return fc
    .record({
      base: fc.record({
        employerType: fc.constantFrom(
          "adult-education-centre" as const,
          "municipality" as const,
          "ngo" as const,
          "parish" as const
        ),
        languages: fc.uniqueArray(language, { minLength: 1, maxLength: 4 }),
        areas: fc.uniqueArray(fc.constantFrom(...municipalities), { minLength: 1, maxLength: 3 })
      }),
      id: options.id === undefined ? actorId : fc.constant(options.id),
      latestAgo: fc.integer({ min: 0, max: window }),
      refresher: fc.boolean(),
      basicBefore: fc.integer({ min: 30, max: 5 * 365 }),
      olderRefreshers: fc.array(fc.integer({ min: 1, max: 29 }), { maxLength: 3 }),
      commitmentAgo: fc.integer({ min: 0, max: 5 * 365 * DAY }),
      capacity: maybe(fc.integer({ min: 1, max: 40 })),
      load: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      mentoring: fc.array(fc.integer({ min: 0, max: 3 * 365 * DAY }), { maxLength: 3 })
    })
    .map(
      ({ base, id, latestAgo, refresher, basicBefore, olderRefreshers, commitmentAgo, capacity, load, mentoring }) => {
        const latest = at - latestAgo
        // with refreshers: basic training `basicBefore` days before the latest refresher, older refreshers between
        const basic = refresher ? latest - basicBefore * DAY : latest
        const refreshers = refresher
          ? [...new Set(olderRefreshers)].sort((a, b) => b - a).map((days) => Instant.make(latest - days * 10 * DAY))
          : []
        const cap = capacity ?? policy.defaultCapacity
        const worker: LinkWorker.LinkWorker = {
          id,
          active: true,
          employerType: base.employerType,
          languages: base.languages,
          areas: base.areas,
          ...optional("capacity", capacity),
          confidentialityCommitmentSignedAt: Instant.make(at - commitmentAgo),
          basicTrainingCompletedAt: Instant.make(basic),
          refresherTrainings: refresher
            ? [...refreshers.filter((r) => Instant.toMillis(r) > basic), Instant.make(latest)]
            : [],
          mentoringSessions: mentoring.map((ago) => Instant.make(at - ago))
        }
        return { linkWorker: worker, activeClients: Math.floor(load * cap) }
      }
    )
}

/**
 * An ineligible link worker, with the reason `LinkWorker.checkAssignable`
 * must give at `at` (the first failing rule, in its order: inactive,
 * untrained, no confidentiality commitment, refresher overdue, at capacity).
 *
 * @since 0.1.0
 * @category link workers
 */
export const ineligibleLinkWorker = (
  options: LinkWorkerOptions
): fc.Arbitrary<Candidate & { readonly reason: LinkWorker.IneligibleReason }> => {
  const policy = options.policy ?? defaultPolicy
  const at = Instant.toMillis(options.at)
  return fc
    .record({
      ok: eligibleLinkWorker({ ...options, policy }),
      reason: fc.constantFrom<LinkWorker.IneligibleReason>(
        "inactive",
        "untrained",
        "no-confidentiality-commitment",
        "refresher-overdue",
        "at-capacity"
      ),
      later: fc.integer({ min: 1, max: 365 * DAY }),
      absent: fc.boolean(),
      // beyond 31 days per interval month: overdue whatever the month lengths
      overdueBy: fc.integer({ min: policy.refresherIntervalMonths * 31 * DAY + DAY, max: 10 * 365 * DAY }),
      extra: fc.integer({ min: 0, max: 20 })
    })
    .map(({ ok, reason, later, absent, overdueBy, extra }) => {
      const w = ok.linkWorker
      const { basicTrainingCompletedAt: _b, confidentialityCommitmentSignedAt: _c, ...rest } = w
      switch (reason) {
        case "inactive":
          return { linkWorker: { ...w, active: false }, activeClients: ok.activeClients, reason }
        case "untrained":
          return {
            linkWorker: absent
              ? { ...rest, confidentialityCommitmentSignedAt: w.confidentialityCommitmentSignedAt as Instant.Instant }
              : { ...w, basicTrainingCompletedAt: Instant.make(at + later) },
            activeClients: ok.activeClients,
            reason
          }
        case "no-confidentiality-commitment":
          return {
            linkWorker: absent
              ? { ...rest, basicTrainingCompletedAt: w.basicTrainingCompletedAt as Instant.Instant }
              : { ...w, confidentialityCommitmentSignedAt: Instant.make(at + later) },
            activeClients: ok.activeClients,
            reason
          }
        case "refresher-overdue": {
          const latest = at - overdueBy
          return {
            linkWorker: {
              ...w,
              basicTrainingCompletedAt: Instant.make(latest - (absent ? 0 : 30 * DAY)),
              refresherTrainings: absent ? [] : [Instant.make(latest)]
            },
            activeClients: ok.activeClients,
            reason
          }
        }
        case "at-capacity":
          break
      }
      return { linkWorker: w, activeClients: LinkWorker.capacityOf(w, policy) + extra, reason }
    })
}

// ---------------------------------------------------------------------------
// personal data
// ---------------------------------------------------------------------------

const givenNames = [
  "Aino",
  "Eino",
  "Väinö",
  "Helmi",
  "Onni",
  "Siiri",
  "Ilmari",
  "Kerttu",
  "Niilo",
  "Saara",
  "Åsa",
  "Máret",
  "Ánde",
  "Liisa",
  "Tuomas",
  "Hilkka",
  "Yrjö",
  "Anna-Liisa",
  "Juha-Pekka",
  "Nguyễn Thi"
] as const

const familyNames = [
  "Testinen",
  "Virtanen",
  "Korhonen",
  "Mäkinen",
  "Nieminen",
  "Hämäläinen",
  "Heikkinen",
  "Järvinen",
  "Aikio",
  "Magga",
  "Näkkäläjärvi",
  "Valkeapää",
  "Åkerblom",
  "O'Connor",
  "Ylitalo-Kärkkäinen"
] as const

/**
 * Given names (Finnish, Swedish, Sámi and others, with hyphens and
 * diacritics).
 *
 * @since 0.1.0
 * @category personal data
 */
export const givenName: fc.Arbitrary<string> = fc.constantFrom(...givenNames)
/**
 * @since 0.1.0
 * @category personal data
 */
export const familyName: fc.Arbitrary<string> = fc.constantFrom(...familyNames)

const reasonSentences = [
  "Lives alone since the spring and would like company for walks.",
  "Has felt lonely after moving to the village and wants to meet people.",
  "Wants a coach for a lifestyle change after a long sick leave.",
  "Lost a spouse last year and finds the evenings long.",
  "Retired recently and misses the colleagues from work.",
  "Would like to find a choir or another hobby group nearby.",
  "Hard life situation after a divorce; wishes to get out of the house more.",
  "Moved back to Lapland and knows nobody here any more."
] as const

const feedbackSentences = [
  "We found a walking group that meets every Tuesday.",
  "Joined the adult education centre's painting course.",
  "Goes to the parish's men's group and feels less alone.",
  "We visited the library's reading circle together twice.",
  "Started swimming at the town hall on Thursdays.",
  "The grandchildren visit more often now and the days feel shorter.",
  "Decided to continue with the choir after the collaboration."
] as const

/**
 * The free-text reason for a referral (personal data): one to three
 * sentences.
 *
 * @since 0.1.0
 * @category personal data
 */
export const reasonText: fc.Arbitrary<string> = fc
  .uniqueArray(fc.constantFrom(...reasonSentences), { minLength: 1, maxLength: 3 })
  .map((s) => s.join(" "))

/**
 * The closing feedback (personal data): one to three sentences.
 *
 * @since 0.1.0
 * @category personal data
 */
export const feedbackText: fc.Arbitrary<string> = fc
  .uniqueArray(fc.constantFrom(...feedbackSentences), { minLength: 1, maxLength: 3 })
  .map((s) => s.join(" "))

/**
 * Reason categories (coarse, countable codes).
 *
 * @since 0.1.0
 * @category personal data
 */
export const reasonCategory: fc.Arbitrary<string> = fc.constantFrom(
  "loneliness",
  "lifestyle-change",
  "grief",
  "hard-life-situation",
  "physical-activity",
  "social-participation"
)

/**
 * Valid mobile numbers as people type them: Finnish ones in every form, and a
 * few foreign mobile numbers in international form.
 *
 * @since 0.1.0
 * @category personal data
 */
export const validMobileNumber: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: IdentityArbitraries.finnishMobileNumber.map((m) => m.typed), weight: 9 },
  {
    arbitrary: fc.oneof(
      fc.integer({ min: 0, max: 9_999_999 }).map((n) => `+46 70 ${String(n).padStart(7, "0")}`),
      fc.integer({ min: 0, max: 999_999 }).map((n) => `+47 41 ${String(n).padStart(6, "0")}`),
      fc.integer({ min: 0, max: 99_999_999 }).map((n) => `+49 151 ${String(n).padStart(8, "0")}`)
    ),
    weight: 1
  }
)

/**
 * Strings that are not usable mobile numbers, with the reason
 * `MobileNumber.parse` gives: landlines (`not-mobile`), numbers too short to
 * be valid (`invalid`) and words (`unparseable`).
 *
 * @since 0.1.0
 * @category personal data
 */
export const invalidMobileNumber: fc.Arbitrary<{
  readonly input: string
  readonly reason: "unparseable" | "invalid" | "not-mobile"
}> = fc.oneof(
  fc
    .tuple(fc.constantFrom("09", "016", "017", "02", "03"), fc.integer({ min: 1_000_000, max: 8_999_999 }))
    .map(([area, n]) => ({ input: `${area} ${n}`, reason: "not-mobile" as const })),
  fc.integer({ min: 10, max: 99 }).map((n) => ({ input: `040 ${n}`, reason: "invalid" as const })),
  fc.constantFrom("ei puhelinta", "no phone", "tuntematon").map((input) => ({ input, reason: "unparseable" as const }))
)

const referenceInstant = Instant.make(Date.UTC(2026, 2, 2, 7))

/**
 * Invalid identity codes, whole ones (a wrong check character, century sign
 * or date) and mistyped ones (a digit or the check character missing, the
 * century sign dropped): never shorter than 8 characters, so a test can look
 * for them in error messages.
 *
 * @since 0.1.0
 * @category personal data
 */
export const invalidPersonalIdentityCode: fc.Arbitrary<string> = fc.oneof(
  {
    arbitrary: IdentityArbitraries.invalidPersonalIdentityCode.filter((c) => c.code.length === 11).map((c) => c.code),
    weight: 3
  },
  {
    arbitrary: IdentityArbitraries.personalIdentityCode().chain((code) =>
      fc.constantFrom(code.slice(0, 10), code.slice(0, 6) + code.slice(7), code.slice(1))
    ),
    weight: 1
  }
)

/**
 * Valid identity codes of people at least `minimumAge` (default 18) and at
 * most 100 years old at `at` (default: 2 March 2026).
 *
 * @since 0.1.0
 * @category personal data
 */
export const adultPersonalIdentityCode = (
  options: { readonly at?: Instant.Instant; readonly minimumAge?: number; readonly temporary?: boolean } = {}
): fc.Arbitrary<PersonalIdentityCode.PersonalIdentityCode> => {
  const now = new Date(options.at ?? referenceInstant)
  const newest = now.getUTCFullYear() - (options.minimumAge ?? 18) - 1
  return fc
    .record({
      year: fc.integer({ min: Math.max(1800, newest - 80), max: Math.min(2099, newest) }),
      month: fc.integer({ min: 1, max: 12 }),
      day: fc.integer({ min: 1, max: 28 }),
      individualNumber:
        options.temporary === false ? fc.integer({ min: 2, max: 899 }) : fc.integer({ min: 2, max: 999 })
    })
    .map((parts) => PersonalIdentityCode.make(parts))
}

/**
 * The client's details as the referrer enters them, valid for a referral at
 * `at` under a programme with `minimumAge`: an identity code (or only a
 * birth year), a valid mobile number or none, and a language.
 *
 * @since 0.1.0
 * @category personal data
 */
export const clientDetails = (
  options: { readonly at?: Instant.Instant; readonly minimumAge?: number } = {}
): fc.Arbitrary<ReferralCommand.ClientDetails> => {
  const now = new Date(options.at ?? referenceInstant)
  const newest = now.getUTCFullYear() - (options.minimumAge ?? 18) - 1
  return fc
    .record({
      givenName,
      familyName,
      identity: fc.oneof(
        { arbitrary: adultPersonalIdentityCode(options).map((code) => ({ code })), weight: 3 },
        { arbitrary: fc.integer({ min: newest - 80, max: newest }).map((year) => ({ year })), weight: 1 }
      ),
      mobileNumber: maybe(validMobileNumber, 3),
      language
    })
    .map(({ givenName, familyName, identity, mobileNumber, language }) => ({
      givenName,
      familyName,
      ...("code" in identity ? { personalIdentityCode: identity.code } : { birthYear: identity.year }),
      ...optional("mobileNumber", mobileNumber),
      language
    }))
}

/**
 * Answers to an instrument's items (its scale, sometimes an item left
 * unanswered).
 *
 * @since 0.1.0
 * @category commands
 */
export const answers = (instrument?: string): fc.Arbitrary<ReadonlyArray<number | null>> => {
  const spec = instrument === undefined ? undefined : instruments[instrument]
  if (spec === undefined) {
    return fc.array(fc.oneof(fc.integer({ min: 0, max: 10 }), fc.constant(null)), { minLength: 1, maxLength: 14 })
  }
  return fc.array(
    fc.oneof(
      { arbitrary: fc.integer({ min: spec.min, max: spec.max }), weight: 20 },
      { arbitrary: fc.constant(null), weight: 1 }
    ),
    { minLength: spec.items, maxLength: spec.items }
  )
}

// ---------------------------------------------------------------------------
// commands
// ---------------------------------------------------------------------------

/**
 * What every command arbitrary may be told to fix; the rest is random.
 *
 * @since 0.1.0
 * @category commands
 */
export interface CommandOptions {
  readonly referralId?: Ids.ReferralId
  readonly at?: Instant.Instant
  readonly actor?: Actor.Actor
}

const commonCommand = (tag: ReferralCommand.Tag, options: CommandOptions) =>
  fc.record({
    referralId: options.referralId === undefined ? referralId : fc.constant(options.referralId),
    idempotencyKey,
    actor:
      options.actor === undefined
        ? fc.constantFrom(...Referral.allowedRoles[tag]).chain((r) => actor({ role: r }))
        : fc.constant(options.actor),
    at: options.at === undefined ? instant() : fc.constant(options.at)
  })

const command = <T extends ReferralCommand.Tag, F extends object>(
  tag: T,
  options: CommandOptions,
  fields: fc.Arbitrary<F>
): fc.Arbitrary<Cmd<T>> =>
  fc
    .tuple(commonCommand(tag, options), fields)
    .map(([common, f]) => ({ _tag: tag, ...common, ...f }) as unknown as Cmd<T>)

const code = fc.stringMatching(/^[a-z][a-z0-9-]{1,20}$/)

/** The deadlines a marker command or event names (D6 is `ErasePersonalData`). */
const messageId = fc.stringMatching(/^[a-z0-9][a-z0-9:-]{0,40}$/)
const messageKind = fc.constantFrom(
  "call-time-sms" as const,
  "coordinator-notification" as const,
  "measure-link-sms" as const
)
const messageReason = fc.constantFrom(
  "withdrawn",
  "personal-data-erased",
  "no-sms-consent",
  "superseded",
  "past-send-before",
  "rate-limited",
  "rejected"
)
const markerDeadline = fc.constantFrom("assignment", "first-contact", "collaboration", "follow-up")

/**
 * @since 0.1.0
 * @category commands
 */
export const submitReferral = (options: CommandOptions = {}): fc.Arbitrary<Cmd<"SubmitReferral">> =>
  command(
    "SubmitReferral",
    options,
    fc
      .record({
        programmeId: fc.oneof(fc.constantFrom(...Presets.all.map((p) => p.id)), programmeId),
        programmeVersion: maybe(fc.integer({ min: 1, max: 5 })),
        subjectId,
        client: fc.oneof(
          { arbitrary: clientDetails(options.at === undefined ? {} : { at: options.at }), weight: 4 },
          {
            // anything the schema lets through: odd codes, birth years, numbers
            arbitrary: fc
              .record({
                givenName,
                familyName,
                personalIdentityCode: maybe(
                  fc.oneof(IdentityArbitraries.personalIdentityCode(), invalidPersonalIdentityCode)
                ),
                birthYear: maybe(fc.integer()),
                mobileNumber: maybe(
                  fc.oneof(
                    validMobileNumber,
                    invalidMobileNumber.map((m) => m.input)
                  )
                ),
                language
              })
              .map(({ personalIdentityCode, birthYear, mobileNumber, ...rest }) => ({
                ...rest,
                ...optional("personalIdentityCode", personalIdentityCode),
                ...optional("birthYear", birthYear),
                ...optional("mobileNumber", mobileNumber)
              })),
            weight: 1
          }
        ),
        reasonCategories: fc.uniqueArray(reasonCategory, { minLength: 1, maxLength: 3 }),
        reasonText,
        exclusionsPresent: fc.oneof(
          { arbitrary: fc.constant([]), weight: 4 },
          { arbitrary: fc.uniqueArray(fc.oneof(fc.constantFrom(...exclusionCodes), code), { maxLength: 2 }), weight: 1 }
        ),
        feedbackRequested: fc.boolean(),
        consents: fc.oneof(
          {
            arbitrary: fc
              .uniqueArray(consentGiven(options.at === undefined ? {} : { at: options.at }), {
                maxLength: 5,
                selector: (c) => c.purpose
              })
              .map((cs) => [
                { purpose: "referral" as const, decision: "granted" as const, method: "in-appointment" as const },
                ...cs.filter((c) => c.purpose !== "referral")
              ]),
            weight: 4
          },
          { arbitrary: fc.array(consentGiven(), { maxLength: 6 }), weight: 1 }
        )
      })
      .map(({ programmeVersion, ...rest }) => ({ ...rest, ...optional("programmeVersion", programmeVersion) }))
  )

/**
 * An assignment; with `at`, the link worker is usually eligible then.
 *
 * @since 0.1.0
 * @category commands
 */
export const assignLinkWorker = (options: CommandOptions = {}): fc.Arbitrary<Cmd<"AssignLinkWorker">> =>
  (options.at === undefined ? instant() : fc.constant(options.at)).chain((at) =>
    command(
      "AssignLinkWorker",
      { ...options, at },
      fc.oneof(
        { arbitrary: eligibleLinkWorker({ at }), weight: 3 },
        { arbitrary: ineligibleLinkWorker({ at }).map(({ reason: _, ...c }) => c), weight: 1 },
        { arbitrary: fc.record({ linkWorker, activeClients: fc.integer({ min: 0, max: 50 }) }), weight: 1 }
      )
    )
  )

/**
 * @since 0.1.0
 * @category commands
 */
export const rejectReferral = (options: CommandOptions = {}): fc.Arbitrary<Cmd<"RejectReferral">> =>
  command(
    "RejectReferral",
    options,
    fc.record({
      reason: fc.constantFrom(...ReferralCommand.RejectionReason.literals)
    })
  )

/**
 * @since 0.1.0
 * @category commands
 */
export const cancelReferral = (options: CommandOptions = {}): fc.Arbitrary<Cmd<"CancelReferral">> =>
  command(
    "CancelReferral",
    options,
    fc.record({ reason: fc.constantFrom("made-in-error", "client-request", "no-longer-needed", "other") })
  )

const callAtFor = (options: CommandOptions) =>
  options.at === undefined ? instant() : instantAfter(options.at, 5 * DAY)

/**
 * A call time, with `at` within five days after it: any minute of the day,
 * weekends and holidays too, so the decider refuses most of them (calling
 * hours, business days, the text message's lead time). For call times the
 * decider accepts, see `CommandSequences` (`Deadlines.earliestCallTime`).
 *
 * @since 0.1.0
 * @category commands
 */
export const scheduleCall = (options: CommandOptions = {}): fc.Arbitrary<Cmd<"ScheduleCall">> =>
  command("ScheduleCall", options, fc.record({ callAt: callAtFor(options), notifyBySms: fc.boolean() }))

/**
 * @since 0.1.0
 * @category commands
 */
export const recordFailedContactAttempt = (
  options: CommandOptions = {}
): fc.Arbitrary<Cmd<"RecordFailedContactAttempt">> =>
  command(
    "RecordFailedContactAttempt",
    options,
    fc
      .record({ nextCallAt: maybe(callAtFor(options), 4), notifyBySms: fc.boolean() })
      .map(({ nextCallAt, notifyBySms }) => ({ notifyBySms, ...optional("nextCallAt", nextCallAt) }))
  )

/**
 * @since 0.1.0
 * @category commands
 */
export const recordFirstContact = (options: CommandOptions = {}): fc.Arbitrary<Cmd<"RecordFirstContact">> =>
  command("RecordFirstContact", options, fc.record({ outcome: fc.constantFrom("agreed", "declined") }))

/**
 * @since 0.1.0
 * @category commands
 */
export const putOnHold = (options: CommandOptions = {}): fc.Arbitrary<Cmd<"PutOnHold">> =>
  command(
    "PutOnHold",
    options,
    fc.record({ reason: fc.constantFrom("hospital-stay", "client-request", "link-worker-absence", "other") })
  )

/**
 * @since 0.1.0
 * @category commands
 */
export const resumeReferral = (options: CommandOptions = {}): fc.Arbitrary<Cmd<"ResumeReferral">> =>
  command("ResumeReferral", options, fc.constant({}))

/**
 * A meeting; with `at`, it took place before `at` (within 30 days).
 *
 * @since 0.1.0
 * @category commands
 */
export const recordMeeting = (options: CommandOptions = {}): fc.Arbitrary<Cmd<"RecordMeeting">> =>
  command(
    "RecordMeeting",
    options,
    fc.record({
      meetingAt:
        options.at === undefined
          ? instant()
          : fc.integer({ min: 0, max: 30 * DAY }).map((ago) => Instant.plusMillis(options.at as Instant.Instant, -ago)),
      place: fc.constantFrom("home", "agreed-place", "community-activity", "phone", "video"),
      durationMinutes: fc.integer({ min: 1, max: 600 })
    })
  )

/**
 * @since 0.1.0
 * @category commands
 */
export const agreeContactArrangement = (options: CommandOptions = {}): fc.Arbitrary<Cmd<"AgreeContactArrangement">> =>
  command(
    "AgreeContactArrangement",
    options,
    fc.record({
      way: fc.constantFrom("in-person", "phone", "video", "mixed"),
      frequency: fc.constantFrom("weekly", "every-two-weeks", "monthly", "as-agreed"),
      place: fc.constantFrom("home", "agreed-place", "community-activity", "remote")
    })
  )

/**
 * @since 0.1.0
 * @category commands
 */
export const recordMeasure = (options: CommandOptions = {}): fc.Arbitrary<Cmd<"RecordMeasure">> =>
  command(
    "RecordMeasure",
    options,
    fc
      .record({
        instrument: fc.oneof({ arbitrary: instrumentCode, weight: 5 }, { arbitrary: code, weight: 1 }),
        timePoint: fc.constantFrom("baseline", "end", "follow-up"),
        respondent: fc.constantFrom("self", "proxy")
      })
      .chain((m) => answers(m.instrument).map((a) => ({ ...m, answers: a })))
  )

/**
 * @since 0.1.0
 * @category commands
 */
export const closeReferral = (options: CommandOptions = {}): fc.Arbitrary<Cmd<"CloseReferral">> =>
  command(
    "CloseReferral",
    options,
    fc.record({
      outcome: fc.constantFrom(
        "goals-met",
        "continues-in-community-activity",
        "referred-to-other-service",
        "client-ended",
        "other"
      ),
      feedback: feedbackText
    })
  )

/**
 * @since 0.1.0
 * @category commands
 */
export const expireFollowUp = (options: CommandOptions = {}): fc.Arbitrary<Cmd<"ExpireFollowUp">> =>
  command("ExpireFollowUp", options, fc.constant({}))

/**
 * The scheduler recording a deadline marker (any deadline and marker; whether
 * it is due is the decider's to check).
 *
 * @since 0.1.0
 * @category commands
 */
export const recordDeadline = (options: CommandOptions = {}): fc.Arbitrary<Cmd<"RecordDeadline">> =>
  command(
    "RecordDeadline",
    options,
    fc.record({ deadline: markerDeadline, marker: fc.constantFrom("at-risk", "missed") })
  )

/**
 * The outbox dispatcher recording a message's outcome (sent, or not sent
 * with a reason code; sometimes inconsistent, which the decider refuses).
 *
 * @since 0.1.0
 * @category commands
 */
export const recordMessageOutcome = (options: CommandOptions = {}): fc.Arbitrary<Cmd<"RecordMessageOutcome">> =>
  command(
    "RecordMessageOutcome",
    options,
    fc.record(
      {
        messageId: messageId,
        kind: messageKind,
        outcome: fc.constantFrom("sent", "failed", "cancelled", "expired"),
        reason: messageReason,
        attempts: fc.integer({ min: 0, max: 10 })
      },
      { requiredKeys: ["messageId", "kind", "outcome", "attempts"] }
    )
  )

/**
 * @since 0.1.0
 * @category commands
 */
export const recordConsent = (
  options: CommandOptions & { readonly purpose?: Consent.Purpose; readonly decision?: Consent.Decision } = {}
): fc.Arbitrary<Cmd<"RecordConsent">> =>
  command(
    "RecordConsent",
    options,
    fc.record({
      consent: consentGiven({
        ...optional("purpose", options.purpose),
        ...optional("decision", options.decision),
        ...optional("at", options.at)
      })
    })
  )

/**
 * @since 0.1.0
 * @category commands
 */
export const updateContactDetails = (options: CommandOptions = {}): fc.Arbitrary<Cmd<"UpdateContactDetails">> =>
  command(
    "UpdateContactDetails",
    options,
    fc
      .record({
        mobileNumber: fc.oneof(
          { arbitrary: validMobileNumber, weight: 4 },
          { arbitrary: fc.constant(null), weight: 1 },
          { arbitrary: invalidMobileNumber.map((m) => m.input), weight: 1 }
        ),
        language: maybe(language)
      })
      .map(({ mobileNumber, language }) => ({ mobileNumber, ...optional("language", language) }))
  )

/**
 * @since 0.1.0
 * @category commands
 */
export const erasePersonalData = (options: CommandOptions = {}): fc.Arbitrary<Cmd<"ErasePersonalData">> =>
  command("ErasePersonalData", options, fc.record({ basis: fc.constantFrom("client-request", "retention-period") }))

/**
 * @since 0.3.0
 * @category commands
 */
export const requestMeasureLink = (options: CommandOptions = {}): fc.Arbitrary<Cmd<"RequestMeasureLink">> =>
  command("RequestMeasureLink", options, fc.record({ timePoint: fc.constantFrom("baseline", "end", "follow-up") }))

/**
 * @since 0.3.0
 * @category commands
 */
export const answerMeasureLink = (options: CommandOptions = {}): fc.Arbitrary<Cmd<"AnswerMeasureLink">> =>
  command(
    "AnswerMeasureLink",
    options,
    fc.record({
      tokenId: messageId,
      timePoint: fc.constantFrom("baseline", "end", "follow-up"),
      measures: fc.array(
        instrumentCode.chain((instrument) => answers(instrument).map((a) => ({ instrument, answers: a }))),
        { minLength: 1, maxLength: 3 }
      )
    })
  )

/**
 * What matters to a client, in their words (personal data): one or two
 * sentences.
 *
 * @since 0.3.0
 * @category personal data
 */
export const whatMattersText: fc.Arbitrary<string> = fc
  .uniqueArray(
    fc.constantFrom(
      "I would like to get out of the house more.",
      "Meeting people my own age.",
      "Getting my strength back after the winter.",
      "Haluaisin oppia jotain uutta.",
      "Att få prata svenska ibland."
    ),
    { minLength: 1, maxLength: 2 }
  )
  .map((s) => s.join(" "))

/**
 * Plan goals (codes).
 *
 * @since 0.3.0
 * @category plan
 */
export const planGoal: fc.Arbitrary<string> = fc.constantFrom(
  "meet-people",
  "physical-activity",
  "learn-something",
  "daily-routine",
  "outdoors"
)

/**
 * An activity as a plan records it: mostly from the Kemijärvi preset
 * directory, sometimes another (a random id and version).
 *
 * @since 0.3.0
 * @category plan
 */
export const activityRef: fc.Arbitrary<Directory.ActivityRef> = fc.oneof(
  {
    arbitrary: fc.constantFrom(
      ...DirectoryPresets.kemijarvi.currentActivities.map(
        (a) => Directory.ref(DirectoryPresets.kemijarvi, a.id) as Directory.ActivityRef
      )
    ),
    weight: 4
  },
  {
    arbitrary: fc.record({
      id: fc.uuid({ version: 4 }).map((u) => u.toLowerCase() as Directory.ActivityId),
      version: fc.integer({ min: 1, max: 5 }),
      organisationId: fc.uuid({ version: 4 }).map((u) => u.toLowerCase() as Directory.DirectoryOrganisationId),
      area: fc.constantFrom("Kemijärvi, keskusta", "Kemijärvi, Isokylä", "Vuotso"),
      accompanyingAllowed: fc.boolean()
    }),
    weight: 1
  }
)

/**
 * Unmet-need categories (codes).
 *
 * @since 0.3.0
 * @category plan
 */
export const needCategory: fc.Arbitrary<string> = fc.constantFrom(
  "evening-activity",
  "peer-group-in-sami",
  "transport",
  "men-peer-group",
  "low-threshold-cafe"
)

/**
 * An area (as the directory names them).
 *
 * @since 0.3.0
 * @category plan
 */
export const area: fc.Arbitrary<string> = fc.constantFrom("Kemijärvi, keskusta", "Kemijärvi, Isokylä", "Vuotso")

const activityStep = fc.constantFrom("suggested", "tried", "joined", "left", "continuing") as fc.Arbitrary<
  "suggested" | "tried" | "joined" | "left" | "continuing"
>
const leaveReason = fc.constantFrom(
  "not-for-me",
  "schedule",
  "cost",
  "transport",
  "health",
  "group-ended",
  "found-other",
  "other"
) as fc.Arbitrary<"not-for-me" | "schedule" | "cost" | "transport" | "health" | "group-ended" | "found-other" | "other">

/** Mostly absent, sometimes present. */
const rarely = <A>(arb: fc.Arbitrary<A>): fc.Arbitrary<A | undefined> =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 8 }, { arbitrary: arb, weight: 1 })

/** A step with the fields that belong to it (mostly; sometimes one that does not, or one missing). */
const stepFields = activityStep.chain((step) =>
  fc
    .record({
      accompanied: step === "tried" ? maybe(fc.boolean(), 8) : rarely(fc.boolean()),
      reason: step === "left" ? maybe(leaveReason, 8) : rarely(leaveReason)
    })
    .map(({ accompanied, reason }) => ({
      step,
      ...optional("accompanied", accompanied),
      ...optional("reason", reason)
    }))
)

/**
 * @since 0.3.0
 * @category commands
 */
export const recordPlan = (options: CommandOptions = {}): fc.Arbitrary<Cmd<"RecordPlan">> =>
  command(
    "RecordPlan",
    options,
    fc.record({ whatMatters: whatMattersText, goals: fc.uniqueArray(planGoal, { minLength: 1, maxLength: 3 }) })
  )

/**
 * @since 0.3.0
 * @category commands
 */
export const recordActivity = (options: CommandOptions = {}): fc.Arbitrary<Cmd<"RecordActivity">> =>
  command(
    "RecordActivity",
    options,
    fc.tuple(activityRef, stepFields).map(([activity, fields]) => ({ activity, ...fields }))
  )

/**
 * @since 0.3.0
 * @category commands
 */
export const recordUnmetNeed = (options: CommandOptions = {}): fc.Arbitrary<Cmd<"RecordUnmetNeed">> =>
  command("RecordUnmetNeed", options, fc.record({ category: needCategory, area }))

/**
 * The arbitrary of each command, by tag.
 *
 * @since 0.1.0
 * @category commands
 */
export const commands: { readonly [T in ReferralCommand.Tag]: (options?: CommandOptions) => fc.Arbitrary<Cmd<T>> } = {
  SubmitReferral: submitReferral,
  AssignLinkWorker: assignLinkWorker,
  RejectReferral: rejectReferral,
  CancelReferral: cancelReferral,
  ScheduleCall: scheduleCall,
  RecordFailedContactAttempt: recordFailedContactAttempt,
  RecordFirstContact: recordFirstContact,
  PutOnHold: putOnHold,
  ResumeReferral: resumeReferral,
  RecordMeeting: recordMeeting,
  AgreeContactArrangement: agreeContactArrangement,
  RecordMeasure: recordMeasure,
  CloseReferral: closeReferral,
  ExpireFollowUp: expireFollowUp,
  RecordDeadline: recordDeadline,
  RecordMessageOutcome: recordMessageOutcome,
  RecordConsent: recordConsent,
  UpdateContactDetails: updateContactDetails,
  ErasePersonalData: erasePersonalData,
  RequestMeasureLink: requestMeasureLink,
  AnswerMeasureLink: answerMeasureLink,
  RecordPlan: recordPlan,
  RecordActivity: recordActivity,
  RecordUnmetNeed: recordUnmetNeed
}

/**
 * Any command (every tag equally likely).
 *
 * @since 0.1.0
 * @category commands
 */
export const anyCommand = (options: CommandOptions = {}): fc.Arbitrary<ReferralCommand.ReferralCommand> =>
  fc.oneof(...Object.values(commands).map((make) => make(options) as fc.Arbitrary<ReferralCommand.ReferralCommand>))

// ---------------------------------------------------------------------------
// events
// ---------------------------------------------------------------------------

/**
 * What every event arbitrary may be told to fix.
 *
 * @since 0.1.0
 * @category events
 */
export interface EventOptions {
  readonly referralId?: Ids.ReferralId
  readonly at?: Instant.Instant
  readonly actor?: Actor.Actor
}

const event = <T extends ReferralEvent.Tag, F extends object>(
  tag: T,
  options: EventOptions,
  fields: fc.Arbitrary<F>
): fc.Arbitrary<Evt<T>> =>
  fc
    .tuple(
      fc.record({
        referralId: options.referralId === undefined ? referralId : fc.constant(options.referralId),
        at: options.at === undefined ? instant() : fc.constant(options.at),
        actor: options.actor === undefined ? actor() : fc.constant(options.actor)
      }),
      fields
    )
    .map(([common, f]) => ({ _tag: tag, ...common, ...f }) as unknown as Evt<T>)

const noFields = fc.constant({})

/**
 * The arbitrary of each event, by tag.
 *
 * @since 0.1.0
 * @category events
 */
export const events: { readonly [T in ReferralEvent.Tag]: (options?: EventOptions) => fc.Arbitrary<Evt<T>> } = {
  ReferralSubmitted: (o = {}) =>
    event(
      "ReferralSubmitted",
      o,
      fc.record({
        subjectId,
        programmeId: fc.oneof(fc.constantFrom(...Presets.all.map((p) => p.id)), programmeId),
        programmeVersion: fc.integer({ min: 1, max: 50 }),
        referrer: fc.record({ id: actorId, organisation: organisationId, profession }),
        reasonCategories: fc.uniqueArray(reasonCategory, { minLength: 1, maxLength: 3 }),
        feedbackRequested: fc.boolean(),
        validMobile: fc.boolean()
      })
    ),
  ConsentRecorded: (o = {}) => event("ConsentRecorded", o, fc.record({ consent: consentRecord() })),
  LinkWorkerAssigned: (o = {}) =>
    event(
      "LinkWorkerAssigned",
      o,
      fc
        .record({ linkWorkerId: actorId, previousLinkWorkerId: maybe(actorId) })
        .map(({ linkWorkerId, previousLinkWorkerId }) => ({
          linkWorkerId,
          ...optional("previousLinkWorkerId", previousLinkWorkerId)
        }))
    ),
  ReferralRejected: (o = {}) =>
    event(
      "ReferralRejected",
      o,
      fc.record({
        reason: fc.constantFrom(
          "acute-crisis",
          "clear-professional-need",
          "not-eligible",
          "outside-area",
          "duplicate",
          "other"
        )
      })
    ),
  ReferralCancelled: (o = {}) =>
    event(
      "ReferralCancelled",
      o,
      fc.record({ reason: fc.constantFrom("made-in-error", "client-request", "no-longer-needed", "other") })
    ),
  CallScheduled: (o = {}) =>
    event("CallScheduled", o, fc.record({ callAt: instant(), attempt: fc.integer({ min: 1, max: 6 }) })),
  CallTimeMessageRequested: (o = {}) =>
    event(
      "CallTimeMessageRequested",
      o,
      // as the decider makes it: sent from `sendAfter` until the lead time before the call
      fc
        .record({
          messageId: idempotencyKey.map((k) => `${k}:call-time-sms`),
          callAt: instant({ min: new Date(Date.UTC(2000, 1, 1)) }),
          leadMinutes: fc.integer({ min: 0, max: 24 * 60 }),
          windowMinutes: fc.integer({ min: 0, max: 7 * 24 * 60 })
        })
        .map(({ messageId, callAt, leadMinutes, windowMinutes }) => {
          const sendBefore = Instant.plusMillis(callAt, -leadMinutes * MINUTE)
          return { messageId, callAt, sendAfter: Instant.plusMillis(sendBefore, -windowMinutes * MINUTE), sendBefore }
        })
    ),
  ContactAttemptFailed: (o = {}) =>
    event("ContactAttemptFailed", o, fc.record({ attempt: fc.integer({ min: 1, max: 6 }) })),
  ClientUnreachable: (o = {}) => event("ClientUnreachable", o, fc.record({ attempts: fc.integer({ min: 1, max: 6 }) })),
  CollaborationStarted: (o = {}) => event("CollaborationStarted", o, noFields),
  ClientDeclined: (o = {}) => event("ClientDeclined", o, noFields),
  CollaborationPaused: (o = {}) =>
    event(
      "CollaborationPaused",
      o,
      fc.record({ reason: fc.constantFrom("hospital-stay", "client-request", "link-worker-absence", "other") })
    ),
  CollaborationResumed: (o = {}) => event("CollaborationResumed", o, noFields),
  MeetingRecorded: (o = {}) =>
    event(
      "MeetingRecorded",
      o,
      fc.record({
        meetingAt: instant(),
        place: fc.constantFrom("home", "agreed-place", "community-activity", "phone", "video"),
        durationMinutes: fc.integer({ min: 1, max: 600 })
      })
    ),
  ContactArrangementAgreed: (o = {}) =>
    event(
      "ContactArrangementAgreed",
      o,
      fc.record({
        way: fc.constantFrom("in-person", "phone", "video", "mixed"),
        frequency: fc.constantFrom("weekly", "every-two-weeks", "monthly", "as-agreed"),
        place: fc.constantFrom("home", "agreed-place", "community-activity", "remote")
      })
    ),
  MeasureRecorded: (o = {}) =>
    event(
      "MeasureRecorded",
      o,
      fc
        .record({
          instrument: instrumentCode,
          timePoint: fc.constantFrom("baseline", "end", "follow-up"),
          respondent: fc.constantFrom("self", "proxy")
        })
        .chain((m) => answers(m.instrument).map((a) => ({ ...m, answers: a })))
    ),
  ReferralClosed: (o = {}) =>
    event(
      "ReferralClosed",
      o,
      fc.record({
        outcome: fc.constantFrom(
          "goals-met",
          "continues-in-community-activity",
          "referred-to-other-service",
          "client-ended",
          "other"
        )
      })
    ),
  FollowUpCompleted: (o = {}) =>
    event("FollowUpCompleted", o, fc.record({ result: fc.constantFrom("recorded", "missed") })),
  ReferralWithdrawn: (o = {}) => event("ReferralWithdrawn", o, noFields),
  ContactDetailsUpdated: (o = {}) => event("ContactDetailsUpdated", o, fc.record({ validMobile: fc.boolean() })),
  PersonalDataErased: (o = {}) =>
    event("PersonalDataErased", o, fc.record({ basis: fc.constantFrom("client-request", "retention-period") })),
  DeadlineAtRisk: (o = {}) => event("DeadlineAtRisk", o, fc.record({ deadline: markerDeadline, dueAt: instant() })),
  AssignmentOverdue: (o = {}) => event("AssignmentOverdue", o, fc.record({ dueAt: instant() })),
  ContactDeadlineMissed: (o = {}) => event("ContactDeadlineMissed", o, fc.record({ dueAt: instant() })),
  DurationExceeded: (o = {}) => event("DurationExceeded", o, fc.record({ dueAt: instant() })),
  MessageSent: (o = {}) =>
    event(
      "MessageSent",
      o,
      fc.record({ messageId: messageId, kind: messageKind, attempts: fc.integer({ min: 1, max: 10 }) })
    ),
  MessageNotSent: (o = {}) =>
    event(
      "MessageNotSent",
      o,
      fc.record({
        messageId: messageId,
        kind: messageKind,
        outcome: fc.constantFrom("failed", "cancelled", "expired"),
        reason: messageReason,
        attempts: fc.integer({ min: 0, max: 10 })
      })
    ),
  MeasureLinkRequested: (o = {}) =>
    event(
      "MeasureLinkRequested",
      o,
      fc.record({
        messageId: messageId,
        tokenId: messageId,
        timePoint: fc.constantFrom("baseline", "end", "follow-up"),
        reminder: fc.integer({ min: 0, max: 5 }),
        sendAfter: instant(),
        sendBefore: instant(),
        expiresAt: instant()
      })
    ),
  MeasureLinkAnswered: (o = {}) =>
    event(
      "MeasureLinkAnswered",
      o,
      fc.record({ tokenId: messageId, timePoint: fc.constantFrom("baseline", "end", "follow-up") })
    ),
  PlanRecorded: (o = {}) =>
    event("PlanRecorded", o, fc.record({ goals: fc.uniqueArray(planGoal, { minLength: 1, maxLength: 3 }) })),
  ActivityRecorded: (o = {}) =>
    event(
      "ActivityRecorded",
      o,
      fc.tuple(activityRef, activityStep, fc.boolean(), leaveReason).map(([activity, step, accompanied, reason]) => ({
        activity,
        step,
        ...(step === "tried" ? { accompanied } : {}),
        ...(step === "left" ? { reason } : {})
      }))
    ),
  UnmetNeedRecorded: (o = {}) => event("UnmetNeedRecorded", o, fc.record({ category: needCategory, area }))
}

/**
 * Any event (every tag equally likely).
 *
 * @since 0.1.0
 * @category events
 */
export const anyEvent = (options: EventOptions = {}): fc.Arbitrary<ReferralEvent.ReferralEvent> =>
  fc.oneof(...Object.values(events).map((make) => make(options) as fc.Arbitrary<ReferralEvent.ReferralEvent>))

/**
 * What is wrong with a `hostileText`: the kind of character inserted, or a
 * length over the field's maximum.
 *
 * @since 0.2.0
 * @category hostile input
 */
export type HostileKind = "control" | "surrogate" | "bidi" | "separator" | "oversize"

const hostileCharacters: Readonly<Record<Exclude<HostileKind, "oversize">, ReadonlyArray<string>>> = {
  control: [
    "\u0000",
    "\u0001",
    "\u0007",
    "\u0008",
    "\t",
    "\u000b",
    "\u000c",
    "\u001b",
    "\u001f",
    "\u007f",
    "\u0085",
    "\u009b"
  ],
  surrogate: ["\ud800", "\udbff", "\udc00", "\udfff"],
  bidi: ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"],
  separator: ["\u2028", "\u2029"]
}

/**
 * A text that a boundary must refuse (`Text` in `@lahete/core`): a clean
 * `base` with a control character (one a multi-line field refuses too:
 * line feed and carriage return are left out), an unpaired surrogate, a
 * bidirectional control or a line separator inserted somewhere; or, with
 * `maxLength`, the base repeated past that length.
 *
 * @since 0.2.0
 * @category hostile input
 */
export const hostileText = (
  base: string,
  options: { readonly maxLength?: number } = {}
): fc.Arbitrary<{ readonly kind: HostileKind; readonly text: string }> => {
  const inserted = (kind: Exclude<HostileKind, "oversize">) =>
    fc
      .record({
        char: fc.constantFrom(...hostileCharacters[kind]),
        at: fc.integer({ min: 0, max: base.length })
      })
      .map(({ char, at }) => {
        // never split a surrogate pair of the base: the inserted character stays unpaired
        const cut = at > 0 && /[\ud800-\udbff]/.test(base[at - 1] ?? "") ? at - 1 : at
        return { kind, text: `${base.slice(0, cut)}${char}${base.slice(cut)}` }
      })
  const kinds = [inserted("control"), inserted("surrogate"), inserted("bidi"), inserted("separator")]
  const max = options.maxLength
  return max === undefined
    ? fc.oneof(...kinds)
    : fc.oneof(
        ...kinds,
        fc.integer({ min: 1, max: 2000 }).map((extra) => ({
          kind: "oversize" as const,
          text: `${base.repeat(Math.ceil((max + extra) / Math.max(1, base.length)))}`.slice(0, max + extra)
        }))
      )
}
