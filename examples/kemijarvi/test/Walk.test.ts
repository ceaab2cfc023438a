/**
 * The demo's walk, run in a temporary folder: every step is reached and the
 * library refuses nothing; the followed client gets exactly one call-time
 * text message, in Finnish, with the call's local time, and one follow-up
 * link, whose form she answers through HTTP; the coordinator's email carries
 * none of her personal data; the follow-up completion rises above the 75 %
 * of the demo before measure links, and the report shows how each follow-up
 * was collected; the evaluation report is written with figures, not only
 * suppressed cells; a second run in the same folder starts clean.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Evaluation, Mailer } from "@lahete/core"
import { Sinks } from "@lahete/server"
import { StaffMailAudit } from "@lahete/testing"
import { Effect, Schema } from "effect"
import { afterAll } from "vitest"
import { aino, ainoReason } from "../src/people.ts"
import * as Walk from "../src/walk.ts"

const dir = mkdtempSync(join(tmpdir(), "lahete-kemijarvi-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Hands every staff email a sink file holds to the repository's staff-mail audit (checked after the suite). */
const audit = (file: string, source: string) =>
  Effect.gen(function* () {
    const mailer = StaffMailAudit.capture(yield* Mailer.makeMemory, source)
    for (const m of yield* Sinks.readMail(file)) {
      yield* mailer.send({ id: m.id, to: m.to, subject: m.subject, text: m.text })
    }
  })

const value = (c: Evaluation.Cell | null | undefined): number | undefined => (c?._tag === "Value" ? c.value : undefined)

describe("the Kemijärvi walk", () => {
  it.live("reaches every step, sends the text messages and a clean notification, and writes the report", () =>
    Effect.gen(function* () {
      const lines: Array<string> = []
      const outcome = yield* Walk.run({ dir, print: (line) => Effect.sync(() => lines.push(line)) })
      expect(outcome.steps).toEqual([
        "arrives",
        "coordinator-notified",
        "inbox",
        "assigned",
        "call-scheduled",
        "text-message",
        "referrer-polls",
        "first-call",
        "plan",
        "meetings",
        "closed",
        "referrer-reads-feedback",
        "link-worker-survey",
        "months-pass",
        "follow-up",
        "referrer-polls-again",
        "subject-access",
        "cohort",
        "report"
      ])
      expect(outcome.refused).toEqual([])
      expect(outcome.referrals).toBe(41)
      const output = lines.join("\n")
      // Aino's plan in Maija's caseload: her walking group, joined after trying it with Maija
      expect(output).toContain(
        "Maija's caseload shows Aino's plan: goals meet-people, physical-activity; Kävelyryhmä Pöyliövaara: joined (tried with Maija); what matters to Aino, in her words, shown to Maija only."
      )
      // Aino's plan: her walking group, seen by the nurse under her consent (C3), never her own words
      expect(output).toContain(
        "Under the same consent the nurse sees Aino's plan (not her own words): goals meet-people, physical-activity; Kävelyryhmä Pöyliövaara: joined."
      )
      expect(output).not.toContain("Haluan päästä taas ulos")

      // exactly one call-time text message for the followed referral, with the call's local time, before the call;
      // then one follow-up link, the afternoon the window opens (she answers it that evening: no reminder)
      const sms = (yield* Sinks.readSms(outcome.paths.sms)).filter((m) => m.id.startsWith(`${outcome.referralId}:`))
      expect(sms.map((m) => m.to)).toEqual(["+358401234567", "+358401234567"])
      expect(sms[0]?.text).toBe("Hyvinvointilähete: Sinulle soitetaan. Puhelun aika: tiistai 3.3.2026 klo 10.00.")
      expect(sms[0]?.at).toBe("2026-03-02T11:05:00.000Z")
      expect(sms[1]?.id.endsWith(":measure-link-sms")).toBe(true)
      expect(sms[1]?.at).toBe("2026-08-19T11:15:00.000Z")
      expect(sms[1]?.text).toMatch(
        /^Hyvinvointilähete: Kiitos yhteistyöstä\. Vastaathan lyhyeen kyselyyn: https:\/\/lahete\.kemijarvi\.example\.fi\/m\/[\w.-]+\?lang=fi$/
      )
      // the link carries nothing personal
      for (const personal of [aino.givenName, aino.familyName, "4567"]) expect(sms[1]?.text).not.toContain(personal)
      // the demo prints the message and the link, and fills the form through HTTP
      expect(output).toContain(`    ${sms[1]?.text}`)
      expect(output).toContain(
        'Aino opens the link on her phone: "Kysely" (HTTP 200), 4 questions (ONS4, 0–10), in Finnish.'
      )
      expect(output).toContain('sends the form: "Kiitos vastauksistasi" (HTTP 200)')
      expect(output).toContain('Opened again, the link answers "Linkki ei ole käytössä" (HTTP 404)')
      expect(output).toContain("    Hyvinvointilähete: Sinulle soitetaan. Puhelun aika: tiistai 3.3.2026 klo 10.00.")

      // the coordinator's notification: one email, with the link, without her name, number or reason
      const mail = (yield* Sinks.readMail(outcome.paths.email)).filter((m) => m.id.startsWith(`${outcome.referralId}:`))
      expect(mail).toHaveLength(1)
      const text = `${mail[0]?.subject}\n${mail[0]?.text}`
      expect(text).toContain(`https://lahete.kemijarvi.example.fi/referrals/${outcome.referralId}`)
      for (const personal of [
        aino.givenName,
        aino.familyName,
        "4567",
        ainoReason.slice(0, 15),
        String(aino.birthYear)
      ]) {
        expect(text).not.toContain(personal)
      }
      expect(outcome.notificationWithoutPersonalData).toBe(true)
      yield* audit(outcome.paths.email, "examples/kemijarvi/test/Walk.test.ts")

      // the scheduler's D5 reminder fired as the clock passed it; the follow-up completed the referral
      expect(output).toContain(
        "Wednesday 12 August 2026 at 14:15: the worker's scheduler recorded the follow-up reminder (D5)"
      )
      expect(output).toContain("Status: FollowedUp.")
      expect(output).toContain(
        "Follow-ups: 29 recorded (11 by the client through the link, 18 by the link worker), 5 missed"
      )

      // the report: on disk, and with figures where the model is evaluated
      expect(existsSync(outcome.paths.html)).toBe(true)
      const html = readFileSync(outcome.paths.html, "utf8")
      // in Kemijärvi's first language, Finnish, with the period as its local months
      expect(html).toMatch(/^<!doctype html>\n<html lang="fi">/)
      expect(html).toContain("Lähetteet tehty: maaliskuu–toukokuu 2026")
      const report = Schema.decodeUnknownSync(Evaluation.Report)(JSON.parse(readFileSync(outcome.paths.json, "utf8")))
      expect(report).toEqual(outcome.report)
      expect(value(report.referrals.total)).toBe(41)
      expect(value(report.firstContact.shareWithinDeadline)).toBeGreaterThan(0.5)
      expect(value(report.firstContact.shareWithinDeadline)).toBeLessThan(1)
      const change = report.measures.change.find(
        (c) => c.instrument === "swemwbs" && c.respondent === "self" && c.from === "baseline" && c.to === "end"
      )
      expect(value(change?.pairs)).toBeGreaterThanOrEqual(20)
      expect(value(change?.meanChange)).toBeGreaterThan(0)
      expect(value(change?.shareImproved)).toBeGreaterThan(0)
      // the follow-up: before measure links the demo's cohort recorded 18 of 24 settled follow-ups (75 %); the link
      // reaches five clients the link worker could not, so completion rises, and every way of collecting is shown
      expect(value(report.followUp.settled)).toBe(34)
      expect(value(report.followUp.recorded)).toBe(29)
      expect(value(report.followUp.missed)).toBe(5)
      expect(value(report.followUp.shareRecorded)).toBeGreaterThan(0.75)
      expect(value(report.followUp.shareRecorded)).toBeCloseTo(29 / 34)
      expect(report.followUp.collected).toEqual({
        byLink: { _tag: "Value", value: 11 },
        byLinkWorker: { _tag: "Value", value: 18 }
      })
      // every form answered through a link is a follow-up collected by link (Aino's and ten of the cohort's)
      expect(outcome.measureLinks.answered).toBe(11)
      expect(outcome.measureLinks.sent).toBeGreaterThan(outcome.measureLinks.answered)
      expect(output).toContain(
        "Follow-up recorded: 85 % of 34 settled; collected by the client through the link 11, by the link worker 18, missed 5"
      )
      expect(html).toContain(
        "<tr><td>asiakas itse mittauslinkin kautta</td><td>11</td></tr><tr><td>linkkihenkilö</td><td>18</td></tr><tr><td>jäi tekemättä</td><td>5</td></tr>"
      )
      expect(value(report.collaboration.days.median)).toBeGreaterThan(30)

      // the link workers' survey: ten invited by email in each round (no personal data, audited above), ten
      // answered the spring round, which appears in the report: a count only where it and its complement reach five
      const invitations = (yield* Sinks.readMail(outcome.paths.email)).filter((m) =>
        m.id.startsWith("link-worker-survey")
      )
      expect(invitations).toHaveLength(20)
      expect(new Set(invitations.map((m) => m.to[0])).size).toBe(10)
      const rounds = report.linkWorkerSurvey?.rounds ?? []
      expect(rounds.map((r) => r.round)).toEqual(["2026-01"])
      expect(rounds[0]?.respondents).toEqual({ _tag: "Value", value: 10 })
      const needs = rounds[0]?.items.find((i) => i.key === "training-needs")
      if (needs?.kind !== "choices") throw new Error("the training needs item")
      const count = (key: string) => needs.options.find((o) => o.key === key)?.count
      expect(count("loneliness")).toEqual({ _tag: "Value", value: 5 })
      expect(count("mental-health")).toEqual({ _tag: "Value", value: 5 })
      expect(count("grief")).toEqual({ _tag: "Suppressed", reason: "fewer-than-minimum" })
      expect(output).toContain("Link workers' survey, round 2026-01: 10 answered")
      expect(html).toContain("<h2>Linkkihenkilöiden kysely</h2>")
      expect(html).not.toContain("linkworker-")
    })
  )

  it.live("a second run in the same folder starts clean", () =>
    Effect.gen(function* () {
      const outcome = yield* Walk.run({ dir, cohort: 5, print: () => Effect.void })
      expect(outcome.steps).toHaveLength(19)
      expect(outcome.refused).toEqual([])
      expect(outcome.referrals).toBe(6)
      const sms = yield* Sinks.readSms(outcome.paths.sms)
      expect(new Set(sms.map((m) => m.id)).size).toBe(sms.length)
      expect(sms.filter((m) => m.id.startsWith(`${outcome.referralId}:`))).toHaveLength(2)
      const report = Schema.decodeUnknownSync(Evaluation.Report)(JSON.parse(readFileSync(outcome.paths.json, "utf8")))
      expect(value(report.referrals.total)).toBe(6)
      yield* audit(outcome.paths.email, "examples/kemijarvi/test/Walk.test.ts (second run)")
    })
  )
})
