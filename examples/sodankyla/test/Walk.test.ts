/**
 * The Sodankylä walk against a real PostgreSQL (the test database of
 * `@lahete/testing/postgres`, each run in a new schema): the referral
 * arrives as a FHIR Bundle and the health centre's system sees its Task go
 * requested → accepted → in-progress → completed; the overdue link worker's
 * assignment is refused with its reason, and the training-due list changes
 * when the refresher is recorded; the followed client's ESIS and SWEMWBS are
 * scored, ESIS never shown for her alone; the evaluation report's figures
 * match what the cohort answered, and its small cells are suppressed. A
 * second run in the same schema starts from an empty one.
 *
 * Under `CI=true` a missing PostgreSQL fails the run (the global setup);
 * elsewhere the walk is skipped with a warning.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Evaluation, type Instrument, Instruments, LinkWorker, LocalTime, Measures } from "@lahete/core"
import { Migrations } from "@lahete/store-sql"
import { Effect, Result, Schema } from "effect"
import { afterAll, inject } from "vitest"
import { zone } from "../src/clock.js"
import * as Cohort from "../src/cohort.js"
import { eero, niko, programme } from "../src/people.js"
import * as Walk from "../src/walk.js"

const databaseUrl = inject("databaseUrl")
if (databaseUrl === undefined) {
  console.warn("[@lahete/example-sodankyla] WARNING: no PostgreSQL available, SKIPPING the Sodankylä walk")
}

const dir = mkdtempSync(join(tmpdir(), "lahete-sodankyla-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const schema = `t_${crypto.randomUUID().replaceAll("-", "")}`

const value = (c: Evaluation.Cell | null | undefined): number | undefined => (c?._tag === "Value" ? c.value : undefined)
const reason = (c: Evaluation.Cell | null | undefined) => (c?._tag === "Suppressed" ? c.reason : undefined)

/** The score of a complete form, from the instrument's definition. */
const scoreOf = (instrument: Instrument.Instrument, answers: ReadonlyArray<number | null>): number | undefined => {
  const s = Measures.score(instrument, answers)
  return s._tag === "Scored" ? s.scores[0]?.value : undefined
}
const mean = (xs: ReadonlyArray<number>) => xs.reduce((a, b) => a + b, 0) / xs.length
const esis = Instruments.defaults.get("esis") as Instrument.Instrument
const swemwbs = Instruments.swemwbs

describe.skipIf(databaseUrl === undefined)("the Sodankylä walk on PostgreSQL", () => {
  const url = databaseUrl ?? ""

  it.live(
    "runs the whole example: FHIR closed loop, training continuity, measures, report",
    () =>
      Effect.gen(function* () {
        const lines: Array<string> = []
        const outcome = yield* Walk.run({
          database: { url, schema },
          out: dir,
          print: (line) => Effect.sync(() => lines.push(line))
        })
        const output = lines.join("\n")
        expect(outcome.steps).toEqual([
          "deployment",
          "programme",
          "registry",
          "training-due-start",
          "arrives",
          "proxy-measure",
          "assignment-screen",
          "assignment-refused",
          "refresher",
          "assigned",
          "call-scheduled",
          "first-call",
          "meetings",
          "closed",
          "referrer-reads",
          "follow-up",
          "cohort",
          "report",
          "closed-loop"
        ])
        expect(outcome.refused).toEqual([])
        expect(outcome.migrations).toEqual(Object.keys(Migrations.migrations).map((k) => k.replace(/^\d+_/, "")))

        // ---- the FHIR closed loop ----
        expect(outcome.delivery.request).toBe("POST /fhir")
        expect(outcome.delivery.status).toBe(201)
        expect([...outcome.delivery.resourceTypes].sort()).toEqual(
          ["Consent", "Consent", "Patient", "ServiceRequest", "Task"].sort()
        )
        expect(outcome.taskStatuses).toEqual(["requested", "accepted", "in-progress", "completed"])
        expect(outcome.polls.map((p) => p.task)).toEqual([
          { status: "requested", referralStatus: "Submitted" },
          { status: "accepted", referralStatus: "Assigned" },
          { status: "accepted", businessStatus: "contact-scheduled", referralStatus: "ContactScheduled" },
          { status: "in-progress", referralStatus: "Active" },
          undefined, // half-way: nothing changed since the previous poll
          { status: "completed", referralStatus: "Closed" },
          { status: "completed", referralStatus: "FollowedUp" }
        ])
        // every poll is a Task search from the time of the previous poll
        outcome.polls.forEach((p, k) => {
          expect(p.request).toMatch(/^GET \/fhir\/Task\?_lastUpdated=ge/)
          const since = new URL(`https://x${p.request.slice(4)}`).searchParams.get("_lastUpdated")
          if (k > 0) expect(since).toBe(`ge${outcome.polls[k - 1]?.at}`)
        })
        expect(outcome.feedbackRead).toBe("Elle kävi ryhmässä joka viikko ja jatkaa siellä itsenäisesti.")

        // ---- training continuity ----
        const policy = programme.linkWorkers
        const eeroDue = LinkWorker.refresherDueAt(eero, policy)
        expect(eeroDue === undefined ? undefined : LocalTime.localDateOf(eeroDue, zone)).toBe("2026-03-29")
        const nikoRows = [
          { linkWorkerId: niko.id, kind: "basic-training", overdue: true },
          { linkWorkerId: niko.id, kind: "confidentiality-commitment", overdue: true }
        ]
        expect(outcome.trainingDue.atStart).toEqual([
          ...nikoRows,
          { linkWorkerId: eero.id, kind: "refresher", dueAt: eeroDue, overdue: false }
        ])
        expect(outcome.trainingDue.beforeRefresher).toEqual([
          ...nikoRows,
          { linkWorkerId: eero.id, kind: "refresher", dueAt: eeroDue, overdue: true }
        ])
        expect(outcome.trainingDue.afterRefresher).toEqual(nikoRows)
        expect(outcome.refusal).toEqual({
          tag: "LinkWorkerIneligible",
          linkWorkerId: eero.id,
          reason: "refresher-overdue"
        })
        expect(outcome.versionsAroundRefusal[1]).toBe(outcome.versionsAroundRefusal[0])
        expect(
          outcome.nextRefresherDue === undefined ? undefined : LocalTime.localDateOf(outcome.nextRefresherDue, zone)
        ).toBe("2026-10-08")
        expect(output).toContain("Refused with LinkWorkerIneligible")

        // ---- the followed client's measures ----
        const a = Walk.elleAnswers
        const conversion = new Map(Instruments.swemwbsConversion)
        const sum = (xs: ReadonlyArray<number>) => xs.reduce((s, x) => s + x, 0)
        expect(outcome.scored).toEqual([
          {
            instrument: "swemwbs",
            timePoint: "baseline",
            respondent: "proxy",
            raw: sum(a.proxySwemwbs),
            score: conversion.get(sum(a.proxySwemwbs))
          },
          {
            instrument: "esis",
            timePoint: "baseline",
            respondent: "self",
            raw: sum(a.esisBaseline),
            score: sum(a.esisBaseline) / 10
          },
          {
            instrument: "swemwbs",
            timePoint: "baseline",
            respondent: "self",
            raw: sum(a.swemwbsBaseline),
            score: conversion.get(sum(a.swemwbsBaseline))
          },
          { instrument: "esis", timePoint: "end", respondent: "self", raw: sum(a.esisEnd), score: sum(a.esisEnd) / 10 },
          {
            instrument: "swemwbs",
            timePoint: "end",
            respondent: "self",
            raw: sum(a.swemwbsEnd),
            score: conversion.get(sum(a.swemwbsEnd))
          },
          {
            instrument: "swemwbs",
            timePoint: "follow-up",
            respondent: "self",
            raw: sum(a.swemwbsFollowUp),
            score: conversion.get(sum(a.swemwbsFollowUp))
          }
        ])
        // the link worker's screen: SWEMWBS with its score, ESIS never
        expect(outcome.clientView.map((m) => [m.instrument, m.respondent, m.result._tag])).toEqual([
          ["swemwbs", "proxy", "Scored"],
          ["esis", "self", "GroupOnly"],
          ["swemwbs", "self", "Scored"]
        ])
        expect(outcome.clientView.find((m) => m.instrument === "esis")?.completeness).toEqual({
          items: 10,
          answered: 10,
          missing: []
        })
        expect(outcome.change.esis).toEqual(Result.fail("group-only"))
        expect(outcome.change.proxyAgainstSelf).toEqual(Result.fail("different-respondent"))
        const endChange = outcome.change.swemwbsEnd?.scores[0]
        expect(endChange?.change).toBeCloseTo(
          (conversion.get(sum(a.swemwbsEnd)) ?? 0) - (conversion.get(sum(a.swemwbsBaseline)) ?? 0),
          9
        )
        expect(endChange?.classification).toBe("improved-clearly")
        expect(outcome.change.swemwbsFollowUp?.scores[0]?.after).toBe(conversion.get(sum(a.swemwbsFollowUp)))

        // ---- the referrals as stored in PostgreSQL ----
        const members = Cohort.members(24)
        const count = (course: Cohort.Course) => members.filter((m) => m.course === course).length
        const completed = members.filter((m) => m.course === "completed")
        expect(outcome.statuses).toEqual({
          FollowedUp: completed.length + 1,
          Rejected: count("rejected"),
          Declined: count("declined")
        })

        // ---- the evaluation report ----
        const report = Schema.decodeUnknownSync(Evaluation.Report)(JSON.parse(readFileSync(outcome.files.json, "utf8")))
        expect(report).toEqual(outcome.report)
        const html = readFileSync(outcome.files.html, "utf8")
        expect(html).toMatch(/^<!doctype html>\n<html lang="fi">/)
        expect(html).toContain("Sodankylä")
        // in the programme's first language by default, the period as its local months; Swedish and English beside it
        expect(html).toContain("Lähetteet tehty: maaliskuu–toukokuu 2026")
        const sv = readFileSync(outcome.files.translations.sv, "utf8")
        expect(sv).toMatch(/^<!doctype html>\n<html lang="sv">/)
        expect(sv).toContain("Remisser skickade: mars–maj 2026")
        const en = readFileSync(outcome.files.translations.en, "utf8")
        expect(en).toMatch(/^<!doctype html>\n<html lang="en">/)
        expect(en).toContain("Referrals submitted: March–May 2026")
        expect(value(report.referrals.total)).toBe(members.length + 1)
        const byStatus = (s: string) => report.referrals.byStatus.find((r) => r.status === s)?.count
        expect(value(byStatus("FollowedUp"))).toBe(completed.length + 1)
        expect(reason(byStatus("Rejected"))).toBe("fewer-than-minimum")
        expect(reason(byStatus("Declined"))).toBe("fewer-than-minimum")

        // first contact: everyone but the returned referral was reached; the late ones after D2
        const reached = members.filter((m) => m.course !== "rejected")
        const within = reached.filter((m) => !m.lateFirstContact).length + 1
        expect(value(report.firstContact.reached)).toBe(reached.length + 1)
        expect(value(report.firstContact.shareWithinDeadline)).toBeCloseTo(within / (reached.length + 1), 12)

        // ESIS: group figures only, over the clients with both forms scored; no threshold, so no share
        const esisPairs = completed.filter((m) => scoreOf(esis, m.answers.esisEnd) !== undefined)
        const esisChanges = [
          ...esisPairs.map(
            (m) => (scoreOf(esis, m.answers.esisEnd) ?? 0) - (scoreOf(esis, m.answers.esisBaseline) ?? 0)
          ),
          (scoreOf(esis, a.esisEnd) ?? 0) - (scoreOf(esis, a.esisBaseline) ?? 0)
        ]
        const change = (instrument: string, to: string) =>
          report.measures.change.find(
            (c) => c.instrument === instrument && c.respondent === "self" && c.from === "baseline" && c.to === to
          )
        const esisChange = change("esis", "end")
        expect(value(esisChange?.pairs)).toBe(esisChanges.length)
        expect(value(esisChange?.meanChange)).toBeCloseTo(mean(esisChanges), 9)
        expect(esisChange?.thresholds).toBeNull()
        expect(esisChange?.shareImproved).toBeNull()
        // the one end ESIS with an item left empty: recorded, not scored; both cells hidden (one is small)
        const esisEnd = report.measures.completeness.find(
          (c) => c.instrument === "esis" && c.timePoint === "end" && c.respondent === "self"
        )
        expect(value(esisEnd?.recorded)).toBe(completed.length + 1)
        expect(reason(esisEnd?.notScored)).toBe("fewer-than-minimum")
        expect(reason(esisEnd?.scored)).toBe("complementary")

        // SWEMWBS: the mean change and the share improved meaningfully (Shah et al. thresholds)
        const swemwbsChanges = [
          ...completed.map(
            (m) => (scoreOf(swemwbs, m.answers.swemwbsEnd) ?? 0) - (scoreOf(swemwbs, m.answers.swemwbsBaseline) ?? 0)
          ),
          (scoreOf(swemwbs, a.swemwbsEnd) ?? 0) - (scoreOf(swemwbs, a.swemwbsBaseline) ?? 0)
        ]
        const improved = swemwbsChanges.filter((d) =>
          Measures.improvedClasses.has(Measures.classify(d, swemwbs.thresholds))
        )
        const swemwbsChange = change("swemwbs", "end")
        expect(value(swemwbsChange?.pairs)).toBe(swemwbsChanges.length)
        expect(value(swemwbsChange?.meanChange)).toBeCloseTo(mean(swemwbsChanges), 9)
        expect(value(swemwbsChange?.shareImproved)).toBeCloseTo(improved.length / swemwbsChanges.length, 12)

        // the referrers' proxy forms: too few to show
        const proxy = report.measures.completeness.find((c) => c.respondent === "proxy")
        expect(reason(proxy?.recorded)).toBe("fewer-than-minimum")
        expect(report.measures.change.some((c) => c.respondent === "proxy")).toBe(false)

        // follow-ups: recorded unless missed
        const missed = completed.filter((m) => m.followUpMissed).length
        expect(value(report.followUp.settled)).toBe(completed.length + 1)
        expect(value(report.followUp.recorded)).toBe(completed.length + 1 - missed)
        expect(value(report.followUp.missed)).toBe(missed)
      }),
    300_000
  )

  it.live(
    "a second run in the same schema starts from an empty one",
    () =>
      Effect.gen(function* () {
        const outcome = yield* Walk.run({
          database: { url, schema, dropAfter: true },
          out: join(dir, "second"),
          cohort: 5,
          print: () => Effect.void
        })
        expect(outcome.refused).toEqual([])
        expect(Object.values(outcome.statuses).reduce((s, k) => s + k, 0)).toBe(6)
        expect(value(outcome.report.referrals.total)).toBe(6)
        // with six clients, small groups are hidden: four first contacts in time and two late ones; one
        // missed follow-up, and the five recorded ones with it (the missed one would follow by subtraction)
        expect(reason(outcome.report.firstContact.withinDeadline)).toBe("fewer-than-minimum")
        expect(reason(outcome.report.firstContact.afterDeadline)).toBe("fewer-than-minimum")
        expect(reason(outcome.report.followUp.missed)).toBe("fewer-than-minimum")
        expect(reason(outcome.report.followUp.recorded)).toBe("complementary")
        expect(value(outcome.report.collaboration.closed)).toBe(6)
        expect(outcome.taskStatuses).toEqual(["requested", "accepted", "in-progress", "completed"])
      }),
    300_000
  )
})
