/**
 * The examples of docs/adapting.md, as code that type-checks and runs, and
 * the generated parts of that page: the code blocks are copied from the
 * `// #region doc:NAME` regions of this file, the field table is rendered
 * from the presets and the `[K…]/[S…]/[F…]/[P]` citations in
 * packages/core/src/Presets.ts, and the validation messages are the real
 * ones. The test fails when the page differs; run it with `UPDATE_DOCS=1` to
 * rewrite the page's generated blocks instead:
 *
 *   UPDATE_DOCS=1 node_modules/.bin/node node_modules/vitest/vitest.mjs run packages/core/test/AdaptingDocs.test.ts
 */
import { readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { Presets, Programme, Referral, type ReferralCommand } from "@lahete/core"
import { Fixtures } from "@lahete/testing"
import { Result } from "effect"
import { code, region as regionOf, syncBlocks, table } from "./support/docs.js"

type Cmd = ReferralCommand.ReferralCommand

const thisFile = readFileSync(new URL(import.meta.url), "utf8")
const presetsSource = readFileSync(new URL("../src/Presets.ts", import.meta.url), "utf8")

// ---------------------------------------------------------------------------
// The examples
// ---------------------------------------------------------------------------

// #region doc:derive
// Start from the preset closest to your model; change what differs.
// Programme.make is typed: a misspelt setting or an unknown value is a compile error.
const esimerkki = Result.getOrThrowWith(
  Programme.make({
    ...Presets.kemijarvi,
    id: "esimerkki",
    municipality: "Esimerkkilä",
    names: { fi: "Hyvinvointilähete" },
    languages: ["fi", "sv"],
    eligibleReferrerProfessions: [...Presets.kemijarvi.eligibleReferrerProfessions, "physiotherapist"],
    contactAttempts: { max: 4 },
    deadlines: {
      ...Presets.kemijarvi.deadlines,
      firstContact: { days: 5, dayKind: "calendar", atRiskHours: 24 },
      retention: { erasePersonalDataAfterMonths: 24 } // the controller's decision, not a legal default
    }
  }),
  // validated as well: at start-up, an invalid configuration should stop the service
  (e) => new Error(e.message)
)
// #endregion

// #region doc:invalid-schema
// Programme.decode takes unknown input (parsed JSON, YAML): nothing is checked before run time.
const typo = Programme.decode({
  ...Presets.kemijarvi,
  languages: ["fi", "de"],
  minimumClientAge: -1,
  eligibleReferrerProffesions: ["physiotherapist"], // misspelt: refused, never ignored
  measures: { ...Presets.kemijarvi.measures, end: [{ instrument: "ucla3", respondent: "self" }] }
})
if (Result.isFailure(typo)) {
  typo.failure._tag // "InvalidProgramme"
  typo.failure.problems // every path that is wrong, with the reason (below)
}
// #endregion

// #region doc:invalid-consistency
const inconsistent = Programme.decode({
  ...Presets.kemijarvi,
  deadlines: { ...Presets.kemijarvi.deadlines, collaboration: { warnAfterMonths: 6, maxMonths: 6 } }
})
// #endregion

// #region doc:next-version
const kemijarviV2 = Result.getOrThrowWith(
  Programme.nextVersion(Presets.kemijarvi, (p) => ({ ...p, contactAttempts: { max: 4 } })),
  (e) => new Error(e.message)
)
kemijarviV2.id // "kemijarvi": the same programme
kemijarviV2.version // 2
// #endregion

// #region doc:catalog
const catalog = Result.getOrThrowWith(
  Programme.catalog([Presets.kemijarvi, kemijarviV2, Presets.sodankyla, esimerkki]),
  (e) => new Error(e.message)
)
catalog.latest("kemijarvi")?.version // 2: new referrals start under version 2
catalog.get("kemijarvi", 1)?.contactAttempts.max // 3: kept for the referrals that started under it
const decider = Referral.makeDecider(catalog) // one decider for every programme of the deployment
// #endregion

// #region doc:keeps-version
// A referral submitted while only version 1 was published ...
const before = Fixtures.history([Fixtures.submit()], Referral.makeDecider(Presets.catalog))
before.state.programme // { id: "kemijarvi", version: 1 }
// ... is decided under version 1 by the new decider too: its events name the version.
const after = Fixtures.history([Fixtures.submit()], decider)
after.state.programme // { id: "kemijarvi", version: 2 }
// #endregion

/** Decides commands from a state with a decider; every command must be accepted. */
const continueWith = (state: Referral.ReferralState, commands: ReadonlyArray<Cmd>, using: Referral.Decider) => {
  let s = state
  for (const c of commands) {
    const decided = using.decide(c, s)
    if (Result.isFailure(decided)) throw new Error(`${c._tag} refused: ${decided.failure.message}`)
    s = Referral.fold(decided.success, s)
  }
  return s
}

describe("adapting.md examples", () => {
  it("derives a valid programme from a preset", () => {
    expect(esimerkki.id).toBe("esimerkki")
    expect(esimerkki.version).toBe(1)
    expect(esimerkki.contactAttempts.max).toBe(4)
    expect(esimerkki.deadlines.firstContact.dayKind).toBe("calendar")
    expect(esimerkki.deadlines.assignment).toEqual(Presets.kemijarvi.deadlines.assignment)
    expect(esimerkki.eligibleReferrerProfessions).toContain("physiotherapist")
  })

  it("refuses an invalid programme with a message naming each problem", () => {
    if (Result.isSuccess(typo)) throw new Error("expected the typo to be refused")
    expect(typo.failure._tag).toBe("InvalidProgramme")
    expect(typo.failure.problems.map((p) => p.path).sort()).toEqual([
      "eligibleReferrerProffesions",
      "languages[1]",
      "measures.end[0].instrument",
      "minimumClientAge"
    ])
    expect(typo.failure.message).toContain("eligibleReferrerProffesions: is not a known setting")
    expect(typo.failure.message).toContain('"ucla3" is not a known instrument')
    if (Result.isSuccess(inconsistent)) throw new Error("expected the inconsistency to be refused")
    expect(inconsistent.failure.message).toContain(
      "deadlines.collaboration.warnAfterMonths: must be less than maxMonths"
    )
  })

  it("versions a programme: same id, next version, validated", () => {
    expect(kemijarviV2.id).toBe(Presets.kemijarvi.id)
    expect(kemijarviV2.version).toBe(2)
    expect(kemijarviV2.contactAttempts.max).toBe(4)
    const broken = Programme.nextVersion(Presets.kemijarvi, (p) => ({ ...p, contactAttempts: { max: 0 } }))
    expect(Result.isFailure(broken)).toBe(true)
  })

  it("runs several programmes in one catalog and refuses a version listed twice", () => {
    expect(catalog.latest("kemijarvi")?.version).toBe(2)
    expect(catalog.get("kemijarvi", 1)).toBe(Presets.kemijarvi)
    expect(catalog.latest("sodankyla")).toBe(Presets.sodankyla)
    expect(catalog.latest("esimerkki")).toBe(esimerkki)
    const twice = Programme.catalog([Presets.kemijarvi, Presets.kemijarvi])
    expect(Result.isFailure(twice) && twice.failure.message).toContain("kemijarvi@1 is listed twice")
  })

  it("a referral keeps the version it started under: version 1 gives up after 3 attempts, version 2 after 4", () => {
    expect(before.state.programme).toEqual({ id: "kemijarvi", version: 1 })
    expect(after.state.programme).toEqual({ id: "kemijarvi", version: 2 })
    const twoFailed: ReadonlyArray<Cmd> = [
      Fixtures.assign(),
      Fixtures.scheduleCall(),
      Fixtures.failedAttempt(),
      Fixtures.failedAttempt({ at: Fixtures.at(48), nextCallAt: Fixtures.at(72) })
    ]
    const third = Fixtures.lastFailedAttempt({ at: Fixtures.at(72) })
    // the old referral, continued by the new decider: the third failed attempt is its last
    const old = continueWith(before.state, twoFailed, decider)
    const lastOld = decider.decide(third, old)
    expect(Result.isSuccess(lastOld) && lastOld.success.map((e) => e._tag)).toEqual([
      "ContactAttemptFailed",
      "ClientUnreachable"
    ])
    // a new referral under version 2 has a fourth attempt left: the next call time is required
    const fresh = continueWith(after.state, twoFailed, decider)
    const lastNew = decider.decide(third, fresh)
    expect(Result.isFailure(lastNew) && lastNew.failure).toMatchObject({ _tag: "InvalidCommand", field: "nextCallAt" })
  })
})

// ---------------------------------------------------------------------------
// The generated parts of docs/adapting.md
// ---------------------------------------------------------------------------

const region = (name: string): string => regionOf(thisFile, name)

/** The imports the examples need; each must be an import of this file, so the examples compile as shown. */
const exampleImports = [
  ["@lahete/core", ["Presets", "Programme", "Referral"]],
  ["@lahete/testing", ["Fixtures"]],
  ["effect", ["Result"]]
] as const

const ticks = "```"
const fence = (lang: string, body: string) => [`${ticks}${lang}`, body, ticks].join("\n")

// the presets' source: each field's line(s) and their `// [K…]` comments

const presetLines = (name: string): ReadonlyArray<string> => {
  const start = presetsSource.indexOf(`export const ${name}: Programme.Programme = decodePreset({`)
  if (start < 0) throw new Error(`Presets.ts has no preset ${name}`)
  return presetsSource.slice(start, presetsSource.indexOf("\n})", start)).split("\n")
}

const splitComment = (line: string): readonly [string, string | undefined] => {
  const i = line.indexOf("//")
  return i < 0 ? [line, undefined] : [line.slice(0, i), line.slice(i + 2).trim()]
}

const bracketDepth = (code: string): number =>
  [...code].reduce((d, ch) => d + ("{[".includes(ch) ? 1 : "}]".includes(ch) ? -1 : 0), 0)

/** The comments on a preset field's line(s): where its value comes from. */
const citation = (preset: string, path: string): string => {
  const lines = presetLines(preset)
  let from = 0
  let at = -1
  for (const [depth, key] of path.split(".").entries()) {
    const prefix = `${" ".repeat(2 * (depth + 1))}${key}:`
    at = lines.findIndex((l, i) => i >= from && l.startsWith(prefix))
    if (at < 0) {
      // an optional setting a preset leaves out has no line and no source
      if (valueAt(preset === "kemijarvi" ? Presets.kemijarvi : Presets.sodankyla, path) === undefined) return ""
      throw new Error(`Presets.ts: no line for ${preset}.${path}`)
    }
    from = at + 1
  }
  const comments: Array<string> = []
  let depth = 0
  for (let i = at; i < lines.length; i++) {
    const [code, comment] = splitComment(lines[i] ?? "")
    if (comment !== undefined) comments.push(comment)
    depth += bracketDepth(code)
    if (depth <= 0) break
  }
  return comments.join("; ")
}

/** The source list in Presets.ts's module comment. */
const sources = (): ReadonlyArray<readonly [string, string]> => {
  const doc = presetsSource.slice(presetsSource.indexOf(" * Sources:"), presetsSource.indexOf(" * @since"))
  const out: Array<[string, string]> = []
  for (const line of doc.split("\n")) {
    const item = /^ \* - ([KSF]\d+) (.*)$/.exec(line)
    const more = /^ \* {3}(.*)$/.exec(line)
    if (item !== null) out.push([item[1] ?? "", item[2] ?? ""])
    else if (more !== null && out.length > 0) {
      const last = out[out.length - 1] as [string, string]
      last[1] = `${last[1]} ${more[1] ?? ""}`
    }
  }
  return out
}

/** What each field means (every field of the schema needs one). */
const fieldDocs: Readonly<Record<string, string>> = {
  id: "stable id; a referral's events name it with the version",
  version: "1 when published; `Programme.nextVersion` increments it",
  municipality: "who runs it",
  names: "the programme's name per language; `fi` is required and shown where a language has none",
  timeZone: "IANA time zone of deadlines and message times",
  languages: "citizen-facing languages (`fi`, `sv`, `se`, `en`)",
  eligibleReferrerProfessions: "professions that may refer; others get `Forbidden` (`profession-not-eligible`)",
  eligibilityExclusions:
    "situations that make a referral not eligible; a referral stating one is refused (`NotEligible`)",
  minimumClientAge: "youngest client, in years (checked from the identity code or birth year)",
  "deadlines.assignment": "D1: the coordinator assigns within this many business days",
  "deadlines.firstContact":
    "D2: the call time lies within `days` of submission (`business` or `calendar` days); at-risk warning `atRiskHours` before",
  "deadlines.callingHours": "calls are placed within these local hours",
  "deadlines.textMessage":
    "D3: the text message precedes the call by at least `leadTimeMinutes`, never in `quietHours`",
  "deadlines.collaboration": "D4: warning after `warnAfterMonths`; flagged (never auto-closed) after `maxMonths`",
  "deadlines.followUp":
    "D5: follow-up due `monthsAfterClosing` after closing, within ± `windowDays`; reminder `reminderDaysBefore`",
  "deadlines.retention": "D6: personal data erased this many months after the end; `null` until the controller decides",
  contactAttempts: "contact attempts before the referral becomes Unreachable",
  "measures.baseline": "measures at the start: instrument and respondent (`self`, or `proxy` by the referrer)",
  "measures.end": "measures at the end",
  "measures.followUp": "measures at the follow-up",
  feedback: "whether the referrer may ask to read the closing feedback (C3)",
  linkWorkers: "refresher-training interval in months; default capacity (active clients)",
  linkWorkerSurvey:
    "optional: the link workers' survey (items as data, a round every `everyMonths`); anonymous answers, aggregates under disclosure control (docs/measures.md)",
  measureLinks:
    "optional: the time points whose self-report measures the client gets a secure link for, by text message; `reminders.max` after the first, `reminders.intervalDays` apart; a link valid `validDays`, never past the time point's window (docs/measures.md)"
}

/** Every field path of the schema: top-level fields, with deadlines and measures one level down. */
const fieldPaths = (): ReadonlyArray<string> =>
  Object.keys(Programme.Programme.fields).flatMap((key) =>
    key === "deadlines"
      ? Object.keys(Programme.Deadlines.fields).map((k) => `deadlines.${k}`)
      : key === "measures"
        ? Object.keys(Programme.Programme.fields.measures.fields).map((k) => `measures.${k}`)
        : [key]
  )

const valueAt = (p: Programme.Programme, path: string): unknown =>
  path.split(".").reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], p)

const render = (v: unknown): string => {
  if (v === undefined) return "(not set)"
  if (Array.isArray(v)) {
    if (v.length > 0 && v.every((m) => typeof m === "object" && m !== null && "instrument" in m)) {
      return v.map((m: Programme.ExpectedMeasure) => `${m.instrument} (${m.respondent})`).join(", ")
    }
    return `[${v.map(render).join(", ")}]`
  }
  if (typeof v === "object" && v !== null) {
    return `{ ${Object.entries(v)
      .map(([k, x]) => `${k}: ${render(x)}`)
      .join(", ")} }`
  }
  return typeof v === "string" ? JSON.stringify(v) : String(v)
}

const adaptingBlocks = (): Record<string, string> => {
  const imports = exampleImports.map(([from, names]) => `import { ${names.join(", ")} } from "${from}"`).join("\n")
  const typoMessage = Result.isFailure(typo) ? typo.failure.message : "(accepted)"
  const inconsistentMessage = Result.isFailure(inconsistent) ? inconsistent.failure.message : "(accepted)"
  const head = ["field", "meaning", "Kemijärvi", "source", "Sodankylä", "source"]
  return {
    "example-derive": fence("ts", `${imports}\n\n${region("derive")}`),
    "example-invalid": fence("ts", `${region("invalid-schema")}\n\n${region("invalid-consistency")}`),
    "example-messages": fence("text", `${typoMessage}\n\n${inconsistentMessage}`),
    "example-next-version": fence("ts", region("next-version")),
    "example-catalog": fence("ts", `${region("catalog")}\n\n${region("keeps-version")}`),
    fields: table(
      head,
      fieldPaths().map((path) => [
        code(path),
        fieldDocs[path] ?? "",
        code(render(valueAt(Presets.kemijarvi, path))),
        citation("kemijarvi", path) || "—",
        code(render(valueAt(Presets.sodankyla, path))),
        citation("sodankyla", path) || "—"
      ])
    ),
    sources: sources()
      .map(([tag, text]) => `- **[${tag}]** ${text}`)
      .join("\n")
  }
}

describe("docs/adapting.md", () => {
  it("has its generated blocks (examples, messages, field table, sources) equal to the code", () => {
    syncBlocks("adapting.md", adaptingBlocks())
  })

  it("documents every field of the Programme schema, and no other", () => {
    expect(Object.keys(fieldDocs).sort()).toEqual([...fieldPaths()].sort())
  })

  it("cites only sources that Presets.ts lists", () => {
    const known = new Set([...sources().map(([tag]) => tag), "P"])
    const cited = [...presetsSource.matchAll(/\[([KSFP]\d*)\]/g)].map((m) => m[1] ?? "")
    expect(cited.length).toBeGreaterThan(10)
    for (const tag of cited) expect(known.has(tag), `[${tag}] is cited but not listed`).toBe(true)
  })

  it("shows imports this file really makes", () => {
    for (const [from, names] of exampleImports) {
      const line = new RegExp(`^import \\{([^}]*)\\} from "${from}"$`, "m").exec(thisFile)
      expect(line, `this file imports from ${from}`).not.toBeNull()
      const imported = (line?.[1] ?? "").split(",").map((s) => s.trim())
      for (const name of names) expect(imported).toContain(name)
    }
  })
})
