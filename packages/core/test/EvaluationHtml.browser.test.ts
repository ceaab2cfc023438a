/**
 * The HTML report in a real browser: headless Chromium opens the page from a
 * file, a screenshot is taken, and the charts are checked to be drawn (SVG
 * shapes with real geometry), with no console errors, no page errors and no
 * request for anything outside the page.
 *
 * Outside CI a machine without /usr/bin/chromium skips this file with a
 * notice; under CI=true a missing browser is a failure.
 *
 * The English page and the Finnish page are both checked; the Finnish one
 * also for its language as the browser sees it (`<html lang>`, the charts'
 * accessible names, the numbers' non-breaking spaces).
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Evaluation, EvaluationHtml, EvaluationText, Presets } from "@lahete/core"
import { type Browser, chromium } from "playwright-core"
import { cohort, plus, start } from "./support/cohort.js"

const executablePath = "/usr/bin/chromium"
const available = existsSync(executablePath)
const ci = process.env.CI === "true"
if (!available && !ci) {
  console.warn(`NOTICE: ${executablePath} is missing: the HTML report browser test is skipped (it fails under CI=true)`)
}

const professions = ["doctor", "nurse", "social-worker", "social-counsellor"]
const c = cohort(240, 424242, (_, rng) => professions[rng.int(0, 3)] as string)
const report = Evaluation.report({
  programmeId: "sodankyla",
  period: { from: start, to: plus(start, 240 * 17 + 10) },
  asOf: plus(start, 24 * 800),
  histories: c.histories,
  catalog: Presets.catalog
})
const html = EvaluationHtml.render(report, { language: "en" })
const pages = { en: html, fi: EvaluationHtml.render(report, { language: "fi" }) }

describe.skipIf(!available && !ci)("the HTML report in headless Chromium", () => {
  let browser: Browser | undefined
  beforeAll(async () => {
    expect(existsSync(executablePath), `${executablePath} is required under CI`).toBe(true)
    browser = await chromium.launch({
      executablePath,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync"
      ]
    })
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
  })

  for (const language of ["en", "fi"] as const) {
    it(`renders offline with drawn charts, no errors, and a screenshot (${language})`, {
      timeout: 60_000
    }, async () => {
      if (browser === undefined) throw new Error("no browser")
      const dir = mkdtempSync(join(tmpdir(), "lahete-evaluation-"))
      const file = join(dir, `report.${language}.html`)
      writeFileSync(file, pages[language])
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } })
      const problems: Array<string> = []
      const requests: Array<string> = []
      page.on("console", (m) => {
        if (m.type() === "error") problems.push(`console: ${m.text()}`)
      })
      page.on("pageerror", (e) => problems.push(`page: ${e.message}`))
      page.on("request", (r) => requests.push(r.url()))
      const url = pathToFileURL(file).href
      await page.goto(url)

      const t = EvaluationText.texts[language]
      expect(await page.title()).toContain(t.title(""))
      expect(await page.evaluate("document.documentElement.lang")).toBe(language)
      // each chart's accessible name is its title in the page's language
      for (const name of [
        t.chartByStatus,
        t.chartByProfession,
        t.chartFirstContact,
        t.chartCollaboration,
        t.chartChange,
        t.chartFollowUp
      ]) {
        expect(await page.getByRole("img", { name, exact: true }).count(), name).toBe(1)
      }
      const charts = page.locator("svg.chart")
      expect(await charts.count()).toBe(6)
      for (let k = 0; k < 6; k++) {
        const box = await charts.nth(k).boundingBox()
        expect(box !== null && box.width > 100 && box.height > 40).toBe(true)
      }
      // bars with a width and a height, as laid out by the browser
      const bars = page.locator("#chart-status rect.bar")
      const shownStatuses = report.referrals.byStatus.filter((x) => x.count._tag === "Value").length
      expect(shownStatuses).toBeGreaterThan(2)
      expect(await bars.count()).toBe(shownStatuses)
      for (let k = 0; k < (await bars.count()); k++) {
        const box = await bars.nth(k).boundingBox()
        expect(box !== null && box.width > 0 && box.height > 0).toBe(true)
      }
      // suppressed rows are drawn as placeholders, never as bars
      expect(await page.locator("#chart-status rect.bar-suppressed").count()).toBe(
        report.referrals.byStatus.filter((s) => s.count._tag === "Suppressed").length
      )
      // every path in the charts has geometry (SVG getBBox of its outline)
      const pathBoxes = (await page.evaluate(
        `Array.from(document.querySelectorAll("svg.chart path")).map((p) => { const b = p.getBBox(); return [p.getAttribute("d") || "", b.width, b.height] })`
      )) as Array<[string, number, number]>
      expect(pathBoxes.length).toBeGreaterThan(10)
      for (const [d, w, h] of pathBoxes) {
        expect(d.length).toBeGreaterThan(3)
        expect(w + h).toBeGreaterThan(0)
      }
      // boxes of the quartile charts and the change chart's error bars and means
      for (const id of [
        "#chart-first-contact rect.box",
        "#chart-collaboration rect.box",
        "#chart-change circle.mean"
      ]) {
        const box = await page.locator(id).first().boundingBox()
        expect(box !== null && box.width > 0 && box.height > 0).toBe(true)
      }
      expect(await page.locator("#chart-change path.ci").count()).toBe(
        report.measures.change.filter((m) => m.ci95Low._tag === "Value").length
      )

      if (language === "fi") {
        const text = (await page.evaluate("document.body.innerText")) as string
        // the period in local time: the cohort starts on Monday 2 March 2026 at 07:00 UTC, 9.00 in Helsinki
        expect(text).toContain("Lähetteet tehty: 2.3.2026 klo 9.00 – ")
        expect(text).toMatch(/\d\u00a0%/)
        const cells = (await page.evaluate(
          `Array.from(document.querySelectorAll("td")).map((c) => c.innerText)`
        )) as Array<string>
        expect(cells.some((c) => /^[+−]\d+,\d\d$/.test(c))).toBe(true)
        expect(cells.filter((c) => /\d\.\d/.test(c))).toEqual([])
      }

      const shot = join(dir, `report.${language}.png`)
      await page.screenshot({ path: shot, fullPage: true })
      const png = readFileSync(shot)
      expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
      expect(png.readUInt32BE(16)).toBe(1100)
      expect(png.readUInt32BE(20)).toBeGreaterThan(900)
      expect(png.length).toBeGreaterThan(30_000)
      console.log(`evaluation report screenshot: ${shot}`)

      expect(problems).toEqual([])
      expect(requests).toEqual([url])
      await page.close()
    })
  }
})

describe("the HTML page itself", () => {
  it("is self-contained: no scripts, no external references", () => {
    expect(html).not.toMatch(/<script|<link|<img|@import|url\(|src=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/)
    expect(html.startsWith("<!doctype html>")).toBe(true)
  })

  it("shows no per-client ESIS figure: ESIS only in the aggregate change row (from ≥ 5 pairs) and form counts", () => {
    const esisLines = html.split("\n").filter((l) => /esis/i.test(l))
    expect(esisLines.length).toBeGreaterThan(0)
    for (const l of esisLines) {
      expect(l).toMatch(
        /ESIS \(self\) baseline → end|ESIS \(THL participation indicator\) \(self\) baseline → end|<td>ESIS \(THL participation indicator\)<\/td>/
      )
    }
    for (const row of report.measures.change.filter((m) => m.instrument === "esis")) {
      if (row.meanChange._tag === "Value") expect(row.pairs._tag === "Value" && row.pairs.value >= 5).toBe(true)
    }
    expect(html).not.toMatch(/r-sodankyla-|s-sodankyla-|referrer-/)
  })
})
