/**
 * The HTML report in its readers' languages: the catalogue is complete in
 * every language, a Finnish or Swedish page has no English left in it,
 * `<html lang>` is the page's language, periods and instants are local
 * (Europe/Helsinki), numbers are written as the language writes them, and
 * the page holds no personal data in any language.
 */
import { describe, expect, it } from "@effect/vitest"
import { Evaluation, EvaluationHtml, EvaluationText, FinnishCalendar, Instant, LocalTime, Presets } from "@lahete/core"
import * as fc from "fast-check"
import { cohort, plus, start } from "./support/cohort.js"

const zone = LocalTime.helsinki
const at = (iso: string) => Instant.make(Date.parse(iso))
/** March–May 2026 in Helsinki: 1 March 00:00 (+02:00) to 1 June 00:00 (+03:00). */
const marchToMay = { from: at("2026-02-28T22:00:00.000Z"), to: at("2026-05-31T21:00:00.000Z") }

const professions = ["doctor", "nurse", "social-worker", "social-counsellor", "service-counsellor"]
const c = cohort(240, 424242, (_, rng) => professions[rng.int(0, 4)] as string)
const report = Evaluation.report({
  programmeId: "sodankyla",
  period: marchToMay,
  asOf: plus(start, 24 * 800),
  histories: c.histories,
  catalog: Presets.catalog
})
const pages = {
  fi: EvaluationHtml.render(report, { language: "fi" }),
  sv: EvaluationHtml.render(report, { language: "sv" }),
  en: EvaluationHtml.render(report, { language: "en" })
}

/** What a reader sees: the text of the page without the style sheet, tags and entities. */
const visible = (html: string): string =>
  html
    .replace(/<style>[\s\S]*?<\/style>/g, " ")
    .replace(/<\/?(time|span|code)\b[^>]*>/g, "")
    .replace(/<[^>]+>/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")

const mark = "\u0001"
/** Every fixed fragment of a language's texts: strings, table entries, and the text around a function's arguments. */
const fragments = (t: EvaluationText.ReportText): Set<string> => {
  const out = new Set<string>()
  const add = (s: string) => {
    for (const part of s.split(mark)) {
      for (const piece of part.split(/[;:()]/)) {
        const trimmed = piece.trim().replace(/[.,]$/, "")
        if (/\p{L}{3}/u.test(trimmed)) out.add(trimmed)
      }
    }
  }
  for (const value of Object.values(t)) {
    if (typeof value === "string") add(value)
    else if (typeof value === "function")
      add((value as (...a: Array<string | number>) => string)(mark, mark, mark, mark))
    else if (Array.isArray(value)) for (const v of value) add(v as string)
    else for (const v of Object.values(value as Record<string, string>)) add(v)
  }
  return out
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
const containsWord = (text: string, word: string) =>
  new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(word)}(?![\\p{L}\\p{N}])`, "u").test(text)

describe("the catalogue", () => {
  it("has every key in every language, with the same table entries, and no empty text", () => {
    const keysOf = (t: EvaluationText.ReportText) => Object.keys(t).sort()
    const reference = EvaluationText.texts.en
    expect(EvaluationText.languages).toEqual(["fi", "sv", "en"])
    for (const language of EvaluationText.languages) {
      const t = EvaluationText.texts[language]
      expect(keysOf(t), language).toEqual(keysOf(reference))
      for (const [key, value] of Object.entries(t)) {
        const other = (reference as unknown as Record<string, unknown>)[key]
        expect(typeof value, `${language}.${key}`).toBe(typeof other)
        if (typeof value === "string") expect(value.trim(), `${language}.${key}`).not.toBe("")
        else if (typeof value === "function") {
          const text = (value as (...a: Array<string | number>) => string)(mark, 1, mark, mark)
          expect(text.replace(mark, "").trim(), `${language}.${key}`).not.toBe("")
          // every argument is placed in the sentence
          const arity = (value as (...a: Array<unknown>) => string).length
          const placed = (value as (...a: Array<string>) => string)(
            ...Array.from({ length: arity }, (_, k) => `⟨${k}⟩`)
          )
          for (let k = 0; k < arity; k++) {
            if (!(key === "versions" && k === 1)) expect(placed, `${language}.${key} argument ${k}`).toContain(`⟨${k}⟩`)
          }
        } else if (Array.isArray(value)) {
          expect(value, `${language}.${key}`).toHaveLength((other as ReadonlyArray<string>).length)
          for (const v of value) expect(String(v).trim()).not.toBe("")
        } else {
          expect(Object.keys(value as object).sort(), `${language}.${key}`).toEqual(Object.keys(other as object).sort())
          for (const v of Object.values(value as object)) expect(String(v).trim()).not.toBe("")
        }
      }
    }
  })

  it("names every state of a referral and every professional title of the presets", () => {
    for (const language of EvaluationText.languages) {
      const t = EvaluationText.texts[language]
      for (const s of report.referrals.byStatus) expect(s.status in t.statuses, `${language} ${s.status}`).toBe(true)
      for (const p of [
        ...Presets.kemijarvi.eligibleReferrerProfessions,
        ...Presets.sodankyla.eligibleReferrerProfessions
      ]) {
        expect(p in t.professions, `${language} ${p}`).toBe(true)
      }
    }
  })

  it("uses the glossary's Finnish terms for the states", () => {
    expect(EvaluationText.fi.statuses).toMatchObject({
      Submitted: "lähetetty",
      Assigned: "linkkihenkilö nimetty",
      ContactScheduled: "soittoaika sovittu",
      Active: "yhteistyö käynnissä",
      Closed: "päättynyt",
      FollowedUp: "seuranta tehty",
      Withdrawn: "suostumus peruttu"
    })
  })
})

describe("a page per language", () => {
  it("sets <html lang> to the page's language", () => {
    for (const language of EvaluationText.languages) {
      expect(pages[language].startsWith(`<!doctype html>\n<html lang="${language}">`)).toBe(true)
    }
  })

  it("comes by default in the programme's first report language", () => {
    expect(EvaluationHtml.render(report)).toBe(pages.fi)
    const swedishFirst = { ...report, programme: { ...report.programme, languages: ["se", "sv", "fi"] as const } }
    expect(EvaluationHtml.languageOf(swedishFirst)).toBe("sv")
    expect(EvaluationHtml.render(swedishFirst)).toMatch(/^<!doctype html>\n<html lang="sv">/)
    const englishOnly = { ...report, programme: { ...report.programme, languages: ["en"] as const } }
    expect(EvaluationHtml.languageOf(englishOnly)).toBe("en")
    // a report written before reports named their languages: Finnish
    const { languages: _, names: __, timeZone: ___, ...older } = report.programme
    expect(EvaluationHtml.languageOf({ ...report, programme: older })).toBe("fi")
    expect(EvaluationHtml.render({ ...report, programme: older }, { language: "sv" })).toContain("mars–maj 2026")
    // the option wins over the programme's order
    expect(EvaluationHtml.languageOf(swedishFirst, { language: "en" })).toBe("en")
  })

  it("states the period as local months and the instant counted up to as a local date and time", () => {
    const fi = visible(pages.fi)
    const sv = visible(pages.sv)
    const en = visible(pages.en)
    expect(fi).toContain("Lähetteet tehty: maaliskuu–toukokuu 2026")
    expect(sv).toContain("Remisser skickade: mars–maj 2026")
    expect(en).toContain("Referrals submitted: March–May 2026")
    // asOf: 2 March 2026 07:00Z + 800 days = 10 May 2028 07:00Z, 10:00 in Helsinki summer time
    expect(report.asOf).toBe("2028-05-10T07:00:00.000Z")
    expect(fi).toContain("Tilanne: 10.5.2028 klo 10.00")
    expect(sv).toContain("Läget: 10.5.2028 kl. 10.00")
    expect(en).toContain("Events up to: 10 May 2028 at 10:00")
    for (const page of Object.values(pages)) {
      // the UTC instants are not what a reader sees (the exact one stays in a <time datetime>)
      expect(visible(page)).not.toMatch(/\d{4}-\d\d-\d\dT/)
      expect(page).toContain(`<time datetime="${report.asOf}">`)
    }
  })

  it("writes the programme's name in the page's language, Finnish where it has none", () => {
    expect(pages.fi).toContain("<h1>Arviointiraportti: Hyvinvointilähete ja -lähetti</h1>")
    expect(pages.en).toContain("<h1>Evaluation: Wellbeing referral and link worker</h1>")
    // Sodankylä has not given a Swedish name yet
    expect(pages.sv).toContain("<h1>Utvärderingsrapport: Hyvinvointilähete ja -lähetti</h1>")
    expect(pages.sv).toContain("<title>Utvärderingsrapport: Hyvinvointilähete ja -lähetti (Sodankylä)</title>")
  })

  /** What Finnish or Swedish writes as English does: the instruments' abbreviations, and `median` in Swedish. */
  const shared = {
    fi: { fragments: ["SWEMWBS", "WEMWBS", "ESIS", "UCLA-3", "ONS4"], entries: [] as Array<string> },
    sv: { fragments: ["SWEMWBS", "WEMWBS", "ESIS", "UCLA-3", "ONS4", "median"], entries: ["versions", "headMedian"] }
  }
  /** Every text of a language, one entry per key and table entry (functions with their arguments marked). */
  const entries = (t: EvaluationText.ReportText): Record<string, string> => {
    const out: Record<string, string> = {}
    for (const [key, value] of Object.entries(t)) {
      if (typeof value === "string") out[key] = value
      else if (typeof value === "function")
        out[key] = (value as (...a: Array<string | number>) => string)(mark, 1, mark, mark)
      else if (Array.isArray(value)) {
        for (const [k, v] of value.entries()) out[`${key}.${k}`] = String(v)
      } else for (const [k, v] of Object.entries(value as Record<string, string>)) out[`${key}.${k}`] = v
    }
    return out
  }

  for (const language of ["fi", "sv"] as const) {
    it(`has its own text for every key in ${language}, where English differs`, () => {
      const own = entries(EvaluationText.texts[language])
      const english = entries(EvaluationText.en)
      const same = Object.keys(own).filter((k) => own[k] === english[k])
      expect(same).toEqual(shared[language].entries)
    })

    it(`leaves no English in the ${language} page`, () => {
      const english = [...fragments(EvaluationText.en)].filter((s) => !shared[language].fragments.includes(s))
      expect(english.length).toBeGreaterThan(80)
      const text = visible(pages[language])
      const left = english.filter((s) => containsWord(text, s))
      expect(left).toEqual([])
      // nor English written outside the catalogue: its commonest words
      const words = [
        "the",
        "and",
        "of",
        "with",
        "from",
        "is",
        "are",
        "not",
        "to",
        ...(language === "fi" ? ["by", "in"] : [])
      ]
      expect(words.filter((w) => containsWord(text, w))).toEqual([])
      // and its own texts are there: every heading and every chart title
      const t = EvaluationText.texts[language]
      for (const s of [
        t.referralsHeading,
        t.byProfessionHeading,
        t.firstContactHeading,
        t.collaborationHeading,
        t.changeHeading,
        t.completenessHeading,
        t.followUpHeading
      ]) {
        expect(pages[language]).toMatch(new RegExp(`<h[23]>${escapeRegExp(s)}</h[23]>`))
      }
      for (const s of [
        t.chartByStatus,
        t.chartByProfession,
        t.chartFirstContact,
        t.chartCollaboration,
        t.chartChange,
        t.chartFollowUp
      ]) {
        expect(pages[language]).toMatch(new RegExp(`<title id="chart-[a-z-]+-title">${escapeRegExp(s)}</title>`))
      }
    })
  }

  it("marks suppressed figures in the page's language, never as zero", () => {
    const suppressed = report.referrals.byStatus.filter((s) => s.count._tag === "Suppressed")
    expect(suppressed.length).toBeGreaterThan(0)
    for (const s of suppressed) {
      const reason = s.count._tag === "Suppressed" ? s.count.reason : "fewer-than-minimum"
      const row = (language: EvaluationText.Language) => {
        const t = EvaluationText.texts[language]
        const note = reason === "complementary" ? t.suppressedComplementary : t.suppressedSmall
        return `<tr><td>${t.statuses[s.status as "Submitted"]}</td><td><span class="suppressed">${note}</span></td></tr>`
      }
      expect(pages.fi).toContain(row("fi"))
      expect(pages.sv).toContain(row("sv"))
      expect(pages.en).toContain(row("en"))
    }
    expect(pages.fi).toContain(">piilotettu</text>")
    expect(pages.sv).toContain(">dolt</text>")
  })

  it("writes figures with a decimal comma and a spaced percent sign in Finnish and Swedish", () => {
    const share = report.followUp.shareRecorded
    const q = report.firstContact.hours.median
    expect(share._tag).toBe("Value")
    expect(q._tag).toBe("Value")
    if (share._tag !== "Value" || q._tag !== "Value") return
    const percent = Math.round(share.value * 100)
    expect(pages.fi).toContain(`kirjattujen osuus: ${percent}\u00a0%.`)
    expect(pages.sv).toContain(`andel registrerade: ${percent}\u00a0%.`)
    expect(pages.en).toContain(`share recorded: ${percent}%.`)
    const median = q.value.toFixed(1)
    expect(pages.fi).toContain(`<td>${median.replace(".", ",")}</td>`)
    expect(pages.sv).toContain(`<td>${median.replace(".", ",")}</td>`)
    expect(pages.en).toContain(`<td>${median}</td>`)
    // a mean change with its sign and two decimals, and its interval
    const change = report.measures.change.find((m) => m.meanChange._tag === "Value")
    expect(change).toBeDefined()
    if (change?.meanChange._tag !== "Value") return
    const v = change.meanChange.value
    const fi = `${v >= 0 ? "+" : "−"}${Math.abs(v).toFixed(2).replace(".", ",")}`
    expect(pages.fi).toContain(`<td>${fi}</td>`)
    // no decimal point in a Finnish figure cell
    expect(pages.fi).not.toMatch(/<td>[+−]?\d+\.\d+<\/td>/)
    expect(pages.sv).not.toMatch(/<td>[+−]?\d+\.\d+<\/td>/)
  })

  it("names the built-in instruments, scores, time points and respondents in the page's language", () => {
    expect(pages.fi).toContain("ESIS (THL:n osallisuusindikaattori) (oma arvio) alku → loppu")
    expect(pages.sv).toContain("ESIS (THL:s delaktighetsindikator) (egen bedömning) start → slut")
    expect(pages.en).toContain("ESIS (THL participation indicator) (self) baseline → end")
  })

  it("holds no personal data or identifier in any language", () => {
    for (const page of Object.values(pages)) {
      expect(page).not.toMatch(/r-sodankyla-|s-sodankyla-|referrer-/)
      expect(page).not.toMatch(/<script|<link|<img|@import|url\(|src=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/)
    }
  })
})

describe("numbers", () => {
  it("are written as each language writes them", () => {
    expect(EvaluationText.formatNumber(1234.5, 1, "fi")).toBe("1\u00a0234,5")
    expect(EvaluationText.formatNumber(1234.5, 1, "sv")).toBe("1\u00a0234,5")
    expect(EvaluationText.formatNumber(1234.5, 1, "en")).toBe("1,234.5")
    expect(EvaluationText.formatNumber(1234567, 0, "fi")).toBe("1\u00a0234\u00a0567")
    expect(EvaluationText.formatNumber(999, 0, "fi")).toBe("999")
    expect(EvaluationText.formatNumber(-2.5, 2, "fi")).toBe("−2,50")
    expect(EvaluationText.formatNumber(-0.001, 2, "fi")).toBe("0,00")
    expect(EvaluationText.formatPercent(0.456, "fi")).toBe("46\u00a0%")
    expect(EvaluationText.formatPercent(0.456, "sv")).toBe("46\u00a0%")
    expect(EvaluationText.formatPercent(0.456, "en")).toBe("46%")
  })

  it("read back as the number rounded, in every language (property)", () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e9, max: 1e9, noNaN: true }),
        fc.integer({ min: 0, max: 3 }),
        fc.constantFrom(...EvaluationText.languages),
        (x, digits, language) => {
          const s = EvaluationText.formatNumber(x, digits, language)
          const group = language === "en" ? "," : "\u00a0"
          const decimal = language === "en" ? "." : ","
          expect(s).toMatch(
            new RegExp(`^−?\\d{1,3}(${escapeRegExp(group)}\\d{3})*(${escapeRegExp(decimal)}\\d{${digits}})?$`, "u")
          )
          const back = Number(s.split(group).join("").replace(decimal, ".").replace("−", "-"))
          const magnitude = Number(Math.abs(x).toFixed(digits))
          expect(s.startsWith("−")).toBe(x < 0 && magnitude !== 0)
          expect(back).toBe(s.startsWith("−") ? -magnitude : magnitude)
          expect(Math.abs(back - x)).toBeLessThanOrEqual(0.5 * 10 ** -digits + 1e-6)
        }
      ),
      { numRuns: 1000 }
    )
  })
})

describe("periods and instants in local time", () => {
  const period = (from: string, to: string) => ({ from: at(from), to: at(to) })

  it("March–May 2026 as months, the way the issue asked", () => {
    expect(EvaluationText.formatPeriod(marchToMay, zone, "fi")).toBe("maaliskuu–toukokuu 2026")
    expect(EvaluationText.formatPeriod(marchToMay, zone, "sv")).toBe("mars–maj 2026")
    expect(EvaluationText.formatPeriod(marchToMay, zone, "en")).toBe("March–May 2026")
  })

  it("one month, months across a year, days, one day, and anything else to the minute", () => {
    const march = period("2026-02-28T22:00:00.000Z", "2026-03-31T21:00:00.000Z")
    expect(EvaluationText.formatPeriod(march, zone, "fi")).toBe("maaliskuu 2026")
    const winter = period("2025-11-30T22:00:00.000Z", "2026-02-28T22:00:00.000Z")
    expect(EvaluationText.formatPeriod(winter, zone, "fi")).toBe("joulukuu 2025 – helmikuu 2026")
    expect(EvaluationText.formatPeriod(winter, zone, "sv")).toBe("december 2025 – februari 2026")
    expect(EvaluationText.formatPeriod(winter, zone, "en")).toBe("December 2025 – February 2026")
    const days = period("2026-02-28T22:00:00.000Z", "2026-05-15T21:00:00.000Z")
    expect(EvaluationText.formatPeriod(days, zone, "fi")).toBe("1.3.–15.5.2026")
    expect(EvaluationText.formatPeriod(days, zone, "sv")).toBe("1.3–15.5.2026")
    expect(EvaluationText.formatPeriod(days, zone, "en")).toBe("1 March – 15 May 2026")
    const fewDays = period("2026-03-09T22:00:00.000Z", "2026-03-19T22:00:00.000Z")
    expect(EvaluationText.formatPeriod(fewDays, zone, "en")).toBe("10–19 March 2026")
    expect(EvaluationText.formatPeriod(fewDays, zone, "fi")).toBe("10.3.–19.3.2026")
    const newYear = period("2025-12-14T22:00:00.000Z", "2026-01-15T22:00:00.000Z")
    expect(EvaluationText.formatPeriod(newYear, zone, "fi")).toBe("15.12.2025–15.1.2026")
    expect(EvaluationText.formatPeriod(newYear, zone, "en")).toBe("15 December 2025 – 15 January 2026")
    const oneDay = period("2026-03-28T22:00:00.000Z", "2026-03-29T21:00:00.000Z") // the 23-hour day of the spring change
    expect(EvaluationText.formatPeriod(oneDay, zone, "fi")).toBe("29.3.2026")
    // UTC midnights are not Helsinki midnights: shown to the minute, as they are
    const utc = period("2026-03-01T00:00:00.000Z", "2026-06-01T00:00:00.000Z")
    expect(EvaluationText.formatPeriod(utc, zone, "fi")).toBe("1.3.2026 klo 2.00 – 1.6.2026 klo 3.00")
    expect(EvaluationText.formatPeriod(utc, zone, "sv")).toBe("1.3.2026 kl. 2.00 – 1.6.2026 kl. 3.00")
    expect(EvaluationText.formatPeriod(utc, zone, "en")).toBe("1 March 2026 at 2:00 – 1 June 2026 at 3:00")
  })

  const { localDate, addDays, toParts } = FinnishCalendar
  const midnight = (d: FinnishCalendar.LocalDate) => LocalTime.startOfLocalDay(d, zone)
  const monthIndex = (language: EvaluationText.Language, name: string) =>
    EvaluationText.texts[language].months.indexOf(name) + 1

  /** Reads a month period back: [first year, first month, last year, last month]. */
  const readMonths = (s: string, language: EvaluationText.Language): [number, number, number, number] => {
    const names = EvaluationText.texts[language].months.join("|")
    const one = new RegExp(`^(${names}) (\\d{4})$`).exec(s)
    if (one)
      return [
        Number(one[2]),
        monthIndex(language, one[1] as string),
        Number(one[2]),
        monthIndex(language, one[1] as string)
      ]
    const sameYear = new RegExp(`^(${names})–(${names}) (\\d{4})$`).exec(s)
    if (sameYear) {
      const y = Number(sameYear[3])
      return [y, monthIndex(language, sameYear[1] as string), y, monthIndex(language, sameYear[2] as string)]
    }
    const years = new RegExp(`^(${names}) (\\d{4}) – (${names}) (\\d{4})$`).exec(s)
    if (years) {
      return [
        Number(years[2]),
        monthIndex(language, years[1] as string),
        Number(years[4]),
        monthIndex(language, years[3] as string)
      ]
    }
    throw new Error(`not a month period: ${s}`)
  }

  /** Reads a day period back (fi and sv: D.M.[YYYY]–D.M.YYYY; en: D [Month] [YYYY] – D Month YYYY). */
  const readDays = (s: string, language: EvaluationText.Language): [string, string] => {
    const iso = (y: number, m: number, d: number) => localDate(y, m, d) as string
    if (language === "en") {
      const names = EvaluationText.en.months.join("|")
      const single = new RegExp(`^(\\d+) (${names}) (\\d{4})$`).exec(s)
      if (single) {
        const d = iso(Number(single[3]), monthIndex("en", single[2] as string), Number(single[1]))
        return [d, d]
      }
      const m = new RegExp(`^(\\d+)(?: (${names}))?(?: (\\d{4}))?(?: – |–)(\\d+) (${names}) (\\d{4})$`).exec(s)
      if (!m) throw new Error(`not a day period: ${s}`)
      const lastYear = Number(m[6])
      const lastMonth = monthIndex("en", m[5] as string)
      return [
        iso(m[3] ? Number(m[3]) : lastYear, m[2] ? monthIndex("en", m[2]) : lastMonth, Number(m[1])),
        iso(lastYear, lastMonth, Number(m[4]))
      ]
    }
    const single = /^(\d+)\.(\d+)\.(\d{4})$/.exec(s)
    if (single) {
      const d = iso(Number(single[3]), Number(single[2]), Number(single[1]))
      return [d, d]
    }
    const m = (
      language === "fi"
        ? /^(\d+)\.(\d+)\.(\d{4})?–(\d+)\.(\d+)\.(\d{4})$/
        : /^(\d+)\.(\d+)(?:\.(\d{4}))?–(\d+)\.(\d+)\.(\d{4})$/
    ).exec(s)
    if (!m) throw new Error(`not a day period: ${s}`)
    const lastYear = Number(m[6])
    return [iso(m[3] ? Number(m[3]) : lastYear, Number(m[2]), Number(m[1])), iso(lastYear, Number(m[5]), Number(m[4]))]
  }

  it("whole local months read back as the same months, across daylight saving changes (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2000, max: 2039 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 30 }),
        fc.constantFrom(...EvaluationText.languages),
        (year, month, count, language) => {
          const endMonth = month - 1 + count // months after January of `year`
          const from = midnight(localDate(year, month, 1))
          const to = midnight(localDate(year + Math.floor(endMonth / 12), (endMonth % 12) + 1, 1))
          const lastIndex = endMonth - 1
          const expected = [year, month, year + Math.floor(lastIndex / 12), (lastIndex % 12) + 1]
          expect(readMonths(EvaluationText.formatPeriod({ from, to }, zone, language), language)).toEqual(expected)
        }
      ),
      { numRuns: 1000 }
    )
  })

  it("whole local days read back as the first and last day, across daylight saving changes (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 * 366 }),
        fc.integer({ min: 1, max: 500 }),
        fc.constantFrom(...EvaluationText.languages),
        (offset, length, language) => {
          const first = addDays(localDate(2000, 1, 1), offset)
          const last = addDays(first, length - 1)
          const end = addDays(last, 1)
          fc.pre(!(toParts(first).day === 1 && toParts(end).day === 1)) // those are months
          const s = EvaluationText.formatPeriod({ from: midnight(first), to: midnight(end) }, zone, language)
          expect(readDays(s, language)).toEqual([first, last])
        }
      ),
      { numRuns: 1000 }
    )
  })

  it("a period whose ends are not local midnights is shown to the minute at its local times (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse("2000-01-01T00:00:00Z"), max: Date.parse("2039-12-31T00:00:00Z") }),
        fc.integer({ min: 1, max: 400 * 24 * 60 }),
        (fromMs, minutes) => {
          const from = Instant.make(Math.floor(fromMs / 60_000) * 60_000)
          const to = Instant.plusMillis(from, minutes * 60_000)
          const local = (i: Instant.Instant) => LocalTime.localParts(i, zone)
          fc.pre(local(from).hour !== 0 || local(from).minute !== 0 || local(to).hour !== 0 || local(to).minute !== 0)
          const s = EvaluationText.formatPeriod({ from, to }, zone, "fi")
          const m = /^(\d+)\.(\d+)\.(\d{4}) klo (\d+)\.(\d\d) – (\d+)\.(\d+)\.(\d{4}) klo (\d+)\.(\d\d)$/.exec(s)
          expect(m, s).not.toBeNull()
          if (m === null) return
          const back = (k: number) =>
            LocalTime.instantAt(
              localDate(Number(m[k + 2]), Number(m[k + 1]), Number(m[k])),
              `${(m[k + 3] as string).padStart(2, "0")}:${m[k + 4]}`,
              zone
            )
          expect(LocalTime.localParts(back(1), zone)).toEqual(local(from))
          expect(LocalTime.localParts(back(6), zone)).toEqual(local(to))
        }
      ),
      { numRuns: 500 }
    )
  })
})
