/**
 * Keeps docs/lifecycle.md and docs/consent.md equal to the code. The
 * generated parts of those pages sit between
 * `<!-- generated:NAME:start ... -->` and `<!-- generated:NAME:end -->`
 * markers; this test renders each from the code and fails when the page
 * differs. Run it with `UPDATE_DOCS=1` to rewrite the blocks instead:
 *
 *   UPDATE_DOCS=1 node_modules/.bin/node node_modules/vitest/vitest.mjs run packages/core/test/LifecycleDocs.test.ts
 *
 * Independently of the renderer, it also checks that the page's Mermaid
 * diagram is exactly `Lifecycle.mermaid()` and that every row of the
 * transitions table is a transition of `Lifecycle.transitions` (and every
 * transition has a row).
 */
import { readdirSync, readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { Consent, Lifecycle, Presets, Referral, type ReferralCommand, Views } from "@lahete/core"
import { Fixtures } from "@lahete/testing"
import { Result } from "effect"
import { blockPattern, code, docPath, syncBlocks, table } from "./support/docs.js"

// ---------------------------------------------------------------------------
// docs/lifecycle.md
// ---------------------------------------------------------------------------

// #region doc:decide
const decider = Referral.makeDecider(Presets.catalog)
const command = Fixtures.submit() // a valid SubmitReferral from the test kit
const decision = decider.decide(command, Referral.initialState)
if (Result.isSuccess(decision)) {
  const state = Referral.fold(decision.success) // append the events to the stream; the state is their fold
  state.status // "Submitted"
} else {
  decision.failure._tag // "TransitionNotAllowed" | "Forbidden" | "ConsentMissing" | ...
}
// #endregion

const exampleImports = [
  'import { Presets, Referral } from "@lahete/core"',
  'import { Fixtures } from "@lahete/testing"',
  'import { Result } from "effect"'
]

const region = (name: string): string => {
  const match = new RegExp(`// #region doc:${name}\\n([\\s\\S]*?)\\n// #endregion`).exec(
    readFileSync(new URL(import.meta.url), "utf8")
  )
  if (match === null) throw new Error(`no region doc:${name}`)
  return match[1] ?? ""
}

/** Finnish name and meaning of every state (a new state fails the type check until described). */
const stateDocs: Record<Exclude<Lifecycle.Status, "Initial">, readonly [finnish: string, meaning: string]> = {
  Submitted: ["lähetetty", "made by the referrer with the client's consent; waits for the coordinator"],
  Assigned: ["linkkihenkilö nimetty", "a link worker is named; no contact yet"],
  ContactScheduled: ["soittoaika sovittu", "the call time is set (and the text message stating it requested)"],
  Active: ["yhteistyö käynnissä", "first contact made, the client agreed to start; meetings go on"],
  OnHold: ["tauolla", "paused (e.g. a hospital stay); resumes to Active"],
  Closed: ["päättynyt", "collaboration ended, closing feedback written; follow-up pending"],
  FollowedUp: ["seuranta tehty", "the follow-up measure was recorded, or its window passed"],
  Rejected: ["palautettu", "the coordinator found it not eligible and returned it with a reason"],
  Declined: ["asiakas kieltäytyi", "the client declined at first contact"],
  Unreachable: ["ei tavoitettu", "the programme's contact attempts were used up"],
  Cancelled: ["peruttu", "the referrer or coordinator cancelled it before it started"],
  Withdrawn: ["suostumus peruttu", "the client withdrew referral consent (C5)"]
}

/** The checks `Referral.decide` makes beyond the role (a new command fails the type check until described). */
const finerChecks: Record<ReferralCommand.Tag, string> = {
  SubmitReferral:
    "the referrer's profession is in the programme's `eligibleReferrerProfessions` (else `Forbidden` profession-not-eligible); C1; no listed exclusion; minimum age",
  AssignLinkWorker: "the link worker is assignable (`LinkWorkerIneligible`); not the one already assigned",
  RejectReferral: "reason required",
  CancelReferral: "a referrer: only their own referral",
  ScheduleCall:
    "only the assigned link worker; a text message needs C2; the call time on a business day within calling hours, before the first-contact deadline (D2) while it can be met, after the message's lead time outside quiet hours (D3), else `CallTimeNotAllowed` with the earliest valid time",
  RecordFailedContactAttempt:
    "only the assigned link worker; the next call time while attempts are left, none on the last; the next call as for `ScheduleCall`, but not held to D2",
  RecordFirstContact: "only the assigned link worker",
  PutOnHold: "only the assigned link worker",
  ResumeReferral: "only the assigned link worker",
  RecordMeeting: "only the assigned link worker; the meeting time is not in the future",
  AgreeContactArrangement: "only the assigned link worker",
  RecordMeasure:
    "the assigned link worker or the client (data subject) enter `self` answers; the referrer (own referral) only `proxy` answers, with `proxy-measure` consent; the programme must expect the measure at that time point; a `follow-up` measure only inside the follow-up window (D5; before it `TooEarly`), an `end` measure not once that window has opened, a `baseline` not after the `end` measure it pairs with",
  CloseReferral: "only the assigned link worker; the closing feedback goes to the vault",
  ExpireFollowUp: "not before the follow-up window has passed (`TooEarly`)",
  RecordDeadline:
    "the scheduler only; not before the marker's time (`TooEarly`); a marker already fired or no longer applying changes nothing",
  RecordMessageOutcome:
    "the dispatcher only (System); bookkeeping in every state of an existing referral, ended ones included, exempt from the clock-order rule; a reason exactly when not sent",
  RecordConsent:
    "referrer: own referral, only while Submitted; link worker: the assigned one; client: the data subject, never `agreed-for-office-time`; an ended referral cannot be restarted",
  UpdateContactDetails:
    "referrer: own referral, only while Submitted; link worker: the assigned one; client: the data subject",
  RequestMeasureLink:
    "the programme sends links at the time point and a self-report measure is missing and due there (baseline from submission, end from closing until the follow-up window, follow-up inside it); C2; never after withdrawal or erasure; at most 1 + `reminders.max` per time point, `reminders.intervalDays` apart; the message after quiet hours and before the link expires",
  AnswerMeasureLink:
    "the client (data subject, as the link page issues it); a link issued for this referral and time point, not expired, none of the time point answered before; each measure as `RecordMeasure` with respondent `self`",
  ErasePersonalData: "only once the referral has ended; repeating it appends nothing",
  RecordPlan:
    "only the assigned link worker; what matters to the client goes to the vault, the goals (codes) to the event",
  RecordActivity:
    "only the assigned link worker; joined only after suggested or tried (P1); left with a reason, and only left has one (P2); left and continuing only for an activity joined and not left (P3); accompanied with tried only, where the activity allows it (P4); suggested, tried, joined during the collaboration, continuing only after closing (P5)",
  RecordUnmetNeed: "only the assigned link worker; the same category and area again appends nothing"
}

const stateName = (s: Lifecycle.Status) => (s === "Initial" ? "(none)" : s)

const lifecycleBlocks = (): Record<string, string> => ({
  "example-decide": ["```ts", ...exampleImports, "", region("decide"), "```"].join("\n"),
  states: table(
    ["state", "Finnish", "FHIR Task status", "businessStatus", "terminal", "meaning"],
    Lifecycle.states.map((s) => {
      const fhir = Lifecycle.fhirTaskStatus[s]
      const [fi, meaning] = stateDocs[s]
      return [
        code(s),
        fi,
        code(fhir.status),
        fhir.businessStatus ? code(fhir.businessStatus) : "",
        Lifecycle.isTerminal(s) ? "yes" : "",
        meaning
      ]
    })
  ),
  transitions: table(
    ["from", "command", "to", "when"],
    Lifecycle.transitions.map((t) => [code(stateName(t.from)), code(t.command), code(t.to), t.when ?? ""])
  ),
  recordings: table(
    ["command", "recorded in (state unchanged)"],
    Object.entries(Lifecycle.recordings).map(([command, states]) => [code(command), states.map(code).join(", ")])
  ),
  diagram: ["```mermaid", Lifecycle.mermaid(), "```"].join("\n"),
  roles: table(
    ["command", "roles", "finer checks in `decide`"],
    (Object.keys(Referral.allowedRoles) as Array<ReferralCommand.Tag>).map((tag) => [
      code(tag),
      Referral.allowedRoles[tag].join(", "),
      finerChecks[tag]
    ])
  )
})

/** The rows of the markdown table that follows `<!-- generated:transitions:start`. */
const transitionRows = (text: string) => {
  const match = blockPattern("transitions").exec(text)
  if (match === null) throw new Error("no transitions block")
  const content = match[2] ?? ""
  return content
    .split("\n")
    .slice(2)
    .map((line) => {
      const cells = line
        .trim()
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((c) => c.replaceAll("`", "").replaceAll("\\|", "|").trim())
      const [from = "", command = "", to = "", when = ""] = cells
      return { from: from === "(none)" ? "Initial" : from, command, to, when }
    })
}

const read = (file: string) => readFileSync(docPath(file), "utf8")

describe("docs/lifecycle.md", () => {
  it("has its generated blocks (states, transitions, recordings, diagram, roles) equal to the code", () => {
    syncBlocks("lifecycle.md", lifecycleBlocks())
  })

  it("shows a decide example that runs", () => {
    expect(Result.isSuccess(decision) && Referral.fold(decision.success).status).toBe("Submitted")
    const source = readFileSync(new URL(import.meta.url), "utf8")
    // the example's imports are this file's imports
    expect(source).toMatch(/^import \{[^}]*\bPresets\b[^}]*\bReferral\b[^}]*\} from "@lahete\/core"$/m)
    expect(source).toContain(exampleImports[1])
    expect(source).toContain(exampleImports[2])
  })

  it("embeds exactly Lifecycle.mermaid() as its state diagram", () => {
    const text = read("lifecycle.md")
    const fences = [...text.matchAll(/```mermaid\n([\s\S]*?)\n```/g)].map((m) => m[1])
    expect(fences).toEqual([Lifecycle.mermaid()])
  })

  it("lists every transition of the code, and only those", () => {
    const rows = transitionRows(read("lifecycle.md"))
    const key = (t: { from: string; command: string; to: string; when?: string | undefined }) =>
      `${t.from} ${t.command} ${t.to} ${t.when ?? ""}`
    expect(rows.map(key).sort()).toEqual(Lifecycle.transitions.map(key).sort())
    for (const row of rows) {
      expect(Lifecycle.targets(row.from as Lifecycle.Status, row.command)).toContain(row.to)
    }
  })

  it("names every state, command and role the code has", () => {
    const text = read("lifecycle.md")
    for (const s of Lifecycle.states) expect(text).toMatch(new RegExp(`^\\| \`${s}\` +\\|`, "m"))
    for (const tag of Object.keys(Referral.allowedRoles)) expect(text).toMatch(new RegExp(`^\\| \`${tag}\` +\\|`, "m"))
  })

  it("tells how to regenerate it", () => {
    expect(read("lifecycle.md")).toContain("UPDATE_DOCS=1")
  })
})

// ---------------------------------------------------------------------------
// docs/consent.md
// ---------------------------------------------------------------------------

const purposeDocs: Record<Consent.Purpose, string> = {
  referral: "required to submit (C1); withdrawing it ends the referral (C5)",
  "contact-by-sms": "the first-contact text message needs it and a valid mobile number (C2)",
  "feedback-to-referrer": "the referrer reads the closing feedback only with it (C3)",
  research: "written, separate; never gates anything (C4)",
  "proxy-measure": "the referrer may fill a measure about the client (Sodankylä idea)"
}

const consentBlocks = (): Record<string, string> => ({
  purposes: table(
    ["purpose", "what it allows"],
    Consent.purposes.map((p) => [code(p), purposeDocs[p]])
  ),
  rules: table(
    ["rule", "text in `Consent.rules`"],
    Object.entries(Consent.rules).map(([rule, text]) => [rule, text])
  ),
  views: table(
    ["view", "roles", "usage-log purpose"],
    (Object.keys(Views.allowedRoles) as Array<Views.ViewName>).map((v) => [
      code(v),
      Views.allowedRoles[v].join(", "),
      v in Views.purposes ? code(Views.purposes[v as keyof typeof Views.purposes]) : "(reads no personal data)"
    ])
  )
})

describe("docs/consent.md", () => {
  it("has its generated blocks (purposes, rules, views) equal to the code", () => {
    syncBlocks("consent.md", consentBlocks())
  })

  it("explains every rule C1-C6 under its own heading", () => {
    const text = read("consent.md")
    for (const rule of Object.keys(Consent.rules)) expect(text).toMatch(new RegExp(`^### ${rule}\\b`, "m"))
  })

  it("C4 holds in the sources: no code asks whether research consent is granted", () => {
    const src = new URL("../src/", import.meta.url)
    const asked = new Set<string>()
    for (const file of readdirSync(src, { recursive: true, encoding: "utf8" })) {
      if (!file.endsWith(".ts")) continue
      const source = readFileSync(new URL(file, src), "utf8")
      for (const m of source.matchAll(/isGranted\([^,]+,\s*"([a-z-]+)"/g)) asked.add(m[1] ?? "")
    }
    expect(asked.has("research")).toBe(false)
    // what the page says is asked
    expect([...asked].sort()).toEqual(["contact-by-sms", "feedback-to-referrer", "proxy-measure"])
  })

  it("names the legal basis the disclosure log records", () => {
    expect(read("consent.md")).toContain(Views.feedbackLegalBasis)
  })
})
