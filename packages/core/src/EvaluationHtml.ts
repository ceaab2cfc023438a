/**
 * The evaluation report as one self-contained HTML page for people: inline
 * CSS and inline SVG charts, no scripts, no fonts, images or styles from
 * elsewhere, so it reads the same offline and can be mailed as one file.
 * It is rendered from the report data only (`Evaluation.report`), so it holds
 * nothing the report does not: aggregates, with suppressed cells shown as
 * suppressed (never as zero or as an empty bar), and no personal data.
 *
 * Every chart has a table beside it with the same figures, for screen
 * readers and for copying.
 *
 * The page speaks its readers' language: Finnish, Swedish or English
 * (`EvaluationText`, one catalogue of texts per language), with dates in the
 * programme's local time (a period of whole months as months) and numbers
 * as the language writes them. By default it comes in the programme's
 * first report language.
 *
 * @since 0.1.0
 */
import type * as CommunityEvaluation from "./CommunityEvaluation.js"
import type * as Evaluation from "./Evaluation.js"
import * as EvaluationText from "./EvaluationText.js"
import type { Instant } from "./Instant.js"
import type * as LinkWorkerSurvey from "./LinkWorkerSurvey.js"
import type * as LinkWorkerSurveyAnswers from "./LinkWorkerSurveyAnswers.js"
import { helsinki } from "./LocalTime.js"

const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string)

/** The language of one page, its texts and how it writes numbers. */
interface Locale {
  readonly language: EvaluationText.Language
  readonly t: EvaluationText.ReportText
  readonly n: (value: number, digits?: number) => string
}

const localeOf = (language: EvaluationText.Language): Locale => ({
  language,
  t: EvaluationText.texts[language],
  n: (value, digits = 0) => EvaluationText.formatNumber(value, digits, language)
})

const suppressedText = (c: Extract<Evaluation.Cell, { _tag: "Suppressed" }>, l: Locale): string =>
  c.reason === "complementary" ? l.t.suppressedComplementary : l.t.suppressedSmall

const num = (c: Evaluation.Cell, l: Locale, digits = 0): string =>
  c._tag === "Value" ? l.n(c.value, digits) : `<span class="suppressed">${esc(suppressedText(c, l))}</span>`

const pct = (c: Evaluation.Cell | null, l: Locale): string =>
  c === null
    ? esc(l.t.notClassified)
    : c._tag === "Value"
      ? EvaluationText.formatPercent(c.value, l.language)
      : `<span class="suppressed">${esc(suppressedText(c, l))}</span>`

const signed = (c: Evaluation.Cell, l: Locale): string =>
  c._tag === "Value" ? `${c.value >= 0 ? "+" : "−"}${l.n(Math.abs(c.value), 2)}` : num(c, l)

type SurveyCell = LinkWorkerSurveyAnswers.ClosedRound["respondents"]

const surveyNum = (c: SurveyCell, l: Locale, digits = 0): string =>
  c._tag === "Value"
    ? l.n(c.value, digits)
    : `<span class="suppressed">${esc(
        c.reason === "no-variation"
          ? l.t.suppressedNoVariation
          : c.reason === "complement-below-minimum"
            ? l.t.suppressedComplementary
            : l.t.suppressedSmall
      )}</span>`

/** A survey text in the page's language, else Finnish (never English on a Finnish or Swedish page). */
const surveyText = (text: typeof LinkWorkerSurvey.Texts.Type, l: Locale): string => text[l.language] ?? text.fi

/** The link workers' survey: per closed round, the respondents and a table per item. */
const surveySection = (
  s: LinkWorkerSurveyAnswers.ReportSection,
  minimumCell: number,
  zone: string,
  l: Locale
): string => {
  const t = l.t
  const rounds = s.rounds.map((round) => {
    const items = round.items.map((item) =>
      item.kind === "scale"
        ? `<h4>${esc(surveyText(item.text, l))}</h4>
${table([t.headSurveyAnswered, t.headSurveyMean], [[surveyNum(item.answered, l), surveyNum(item.mean, l, 2)]])}
${table(
  [t.headSurveyAnswer, t.headSurveyCount],
  item.values.map((v) => [l.n(v.value), surveyNum(v.count, l)])
)}`
        : `<h4>${esc(surveyText(item.text, l))}</h4>
<p>${esc(t.headSurveyAnswered)}: ${surveyNum(item.answered, l)}</p>
${table(
  [t.headSurveyAnswer, t.headSurveyCount],
  item.options.map((o) => [esc(surveyText(o.text, l)), surveyNum(o.count, l)])
)}`
    )
    return `<h3>${esc(t.surveyRound(EvaluationText.formatPeriod({ from: round.opensAt, to: round.closesAt }, zone, l.language)))}</h3>
<p>${t.surveyRespondents(surveyNum(round.respondents, l))}</p>
${items.join("\n")}`
  })
  return `<h2>${esc(t.surveyHeading)}</h2>
<p>${esc(t.surveyText(l.n(minimumCell)))}</p>
${rounds.length === 0 ? `<p>${esc(t.surveyNoRounds)}</p>` : rounds.join("\n")}`
}

const f = (x: number): string => (Math.round(x * 100) / 100).toString()

const svg = (id: string, title: string, width: number, height: number, body: string): string =>
  `<svg class="chart" id="${id}" xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="${id}-title" ` +
  `viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">` +
  `<title id="${id}-title">${esc(title)}</title>${body}</svg>`

/** Horizontal bars, one per row; a suppressed row shows a hatched placeholder and says so. */
const bars = (
  id: string,
  title: string,
  rows: ReadonlyArray<{ readonly label: string; readonly cell: Evaluation.Cell }>,
  l: Locale
): string => {
  const labelWidth = 190
  const plot = 360
  const rowHeight = 26
  const height = rows.length * rowHeight + 30
  const max = Math.max(1, ...rows.map((r) => (r.cell._tag === "Value" ? r.cell.value : 0)))
  const body = rows
    .map((r, k) => {
      const y = 10 + k * rowHeight
      const label = `<text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end">${esc(r.label)}</text>`
      if (r.cell._tag === "Suppressed") {
        return `${label}<rect class="bar-suppressed" x="${labelWidth}" y="${y + 3}" width="40" height="${rowHeight - 8}"/>
<text class="note" x="${labelWidth + 48}" y="${y + 15}">${esc(l.t.suppressedMark)}</text>`
      }
      const w = Math.max(2, (r.cell.value / max) * plot)
      return `${label}<rect class="bar" x="${labelWidth}" y="${y + 3}" width="${f(w)}" height="${rowHeight - 8}"/>
<text x="${f(labelWidth + w + 6)}" y="${y + 15}">${l.n(r.cell.value)}</text>`
    })
    .join("\n")
  const axis = `<path class="axis" d="M${labelWidth} 6 V${height - 20}"/>`
  return svg(id, title, labelWidth + plot + 60, height, axis + body)
}

/** A box from the lower to the upper quartile with the median; no whiskers (min and max are single clients). */
const box = (
  id: string,
  title: string,
  q: typeof Evaluation.Report.Type.collaboration.days,
  unit: string,
  l: Locale
): string => {
  const width = 600
  const height = 90
  if (q.q1._tag !== "Value" || q.median._tag !== "Value" || q.q3._tag !== "Value") {
    return svg(
      id,
      title,
      width,
      height,
      `<path class="axis" d="M40 60 H${width - 40}"/><text class="note" x="40" y="35">${esc(l.t.suppressedChart)}</text>`
    )
  }
  const top = Math.max(q.q3.value * 1.25, 1)
  const x = (v: number) => 40 + (v / top) * (width - 80)
  const ticks = [0, top / 4, top / 2, (3 * top) / 4, top]
    .map(
      (t) =>
        `<path class="tick" d="M${f(x(t))} 60 V66"/><text class="tick-label" x="${f(x(t))}" y="80" text-anchor="middle">${l.n(t)}</text>`
    )
    .join("")
  return svg(
    id,
    title,
    width,
    height,
    `<path class="axis" d="M40 60 H${width - 40}"/>${ticks}` +
      `<rect class="box" x="${f(x(q.q1.value))}" y="14" width="${f(Math.max(1, x(q.q3.value) - x(q.q1.value)))}" height="36"/>` +
      `<path class="median" d="M${f(x(q.median.value))} 10 V54"/>` +
      `<text class="tick-label" x="${width - 40}" y="12" text-anchor="end">${esc(unit)}</text>`
  )
}

/** A built-in instrument's or score's name in the page's language; another keeps the name it was configured with. */
const instrumentName = (c: { readonly instrument: string; readonly instrumentName: string }, l: Locale): string =>
  l.t.instruments[c.instrument] ?? c.instrumentName

const scoreName = (c: Evaluation.MeasureChange, l: Locale): string =>
  l.t.scores[`${c.instrument}/${c.score}`] ?? c.scoreName

const comparison = (c: Evaluation.MeasureChange, l: Locale): string =>
  `(${l.t.respondents[c.respondent]}) ${l.t.timePoints[c.from]} → ${l.t.timePoints[c.to]}`

const pointLabel = (c: Evaluation.MeasureChange, l: Locale): string =>
  `${instrumentName(c, l)}${c.score === "total" ? "" : ` · ${scoreName(c, l)}`} ${comparison(c, l)}`

const shortLabel = (c: Evaluation.MeasureChange, l: Locale): string =>
  `${c.instrument.toUpperCase()}${c.score === "total" ? "" : ` ${scoreName(c, l)}`} ${comparison(c, l)}`

/** Mean change with its 95% confidence interval as an error bar, around a zero line. */
const changeChart = (id: string, rows: ReadonlyArray<Evaluation.MeasureChange>, l: Locale): string => {
  const labelWidth = 340
  const plot = 320
  const rowHeight = 30
  const height = rows.length * rowHeight + 40
  const shown = rows.filter((r) => r.ci95Low._tag === "Value" && r.ci95High._tag === "Value")
  const extent = Math.max(
    1,
    ...shown.flatMap((r) => [
      Math.abs(r.ci95Low._tag === "Value" ? r.ci95Low.value : 0),
      Math.abs(r.ci95High._tag === "Value" ? r.ci95High.value : 0)
    ])
  )
  const x = (v: number) => labelWidth + plot / 2 + (v / extent) * (plot / 2 - 10)
  const body = rows
    .map((r, k) => {
      const y = 16 + k * rowHeight
      const label = `<text x="${labelWidth - 8}" y="${y + 5}" text-anchor="end">${esc(shortLabel(r, l))}</text>`
      if (r.meanChange._tag !== "Value" || r.ci95Low._tag !== "Value" || r.ci95High._tag !== "Value") {
        return `${label}<text class="note" x="${labelWidth + 8}" y="${y + 5}">${esc(l.t.suppressedMark)}</text>`
      }
      const lo = x(r.ci95Low.value)
      const hi = x(r.ci95High.value)
      return `${label}<path class="ci" d="M${f(lo)} ${y} H${f(hi)} M${f(lo)} ${y - 6} V${y + 6} M${f(hi)} ${y - 6} V${y + 6}"/>
<circle class="mean" cx="${f(x(r.meanChange.value))}" cy="${y}" r="5"/>`
    })
    .join("\n")
  const zero = `<path class="zero" d="M${f(x(0))} 4 V${height - 22}"/><text class="tick-label" x="${f(x(0))}" y="${height - 8}" text-anchor="middle">${esc(l.t.noChange)}</text>`
  return svg(id, l.t.chartChange, labelWidth + plot + 20, height, zero + body)
}

const table = (head: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string =>
  `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`)
    .join("")}</tbody></table>`

const css = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#1d2733;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2.2rem;border-bottom:1px solid #c9d2dc;padding-bottom:.2rem}
.meta{color:#4a5866}.suppressed{color:#8a4b00;font-style:italic}
table{border-collapse:collapse;margin:.8rem 0;font-size:.9rem}th,td{border:1px solid #c9d2dc;padding:.25rem .5rem;text-align:left}
th{background:#eef2f6}.chart{display:block;max-width:100%;height:auto;margin:.6rem 0;font-size:12px}
.chart text{fill:#1d2733}.chart .note{fill:#8a4b00;font-style:italic}.chart .tick-label{fill:#4a5866;font-size:11px}
.bar{fill:#2f6f9f}.bar-suppressed{fill:#f3e6d5;stroke:#8a4b00;stroke-dasharray:3 2}
.axis,.tick{stroke:#4a5866;stroke-width:1;fill:none}.box{fill:#b9d4ea;stroke:#2f6f9f;stroke-width:1.5}
.median{stroke:#0f3a5a;stroke-width:3}.ci{stroke:#2f6f9f;stroke-width:2;fill:none}.mean{fill:#0f3a5a}
.zero{stroke:#8896a4;stroke-dasharray:4 3;fill:none}
@media print{body{margin:0}}
`

/**
 * How to render a report.
 *
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /**
   * The page's language. Default: the first of the programme's languages
   * that the report is written in (`EvaluationText.defaultLanguage`), else
   * Finnish.
   */
  readonly language?: EvaluationText.Language
}

/**
 * The language a report is rendered in with these options.
 *
 * @since 0.2.0
 * @category rendering
 */
export const languageOf = (r: Evaluation.Report, options?: Options): EvaluationText.Language =>
  options?.language ?? EvaluationText.defaultLanguage(r.programme.languages)

/**
 * Renders the report as a self-contained HTML page, in the language of the
 * options (default: the programme's first report language), with dates in
 * the programme's time zone (`Europe/Helsinki` for a report that does not
 * name one).
 *
 * @since 0.1.0
 * @category rendering
 */
export const render = (r: Evaluation.Report, options?: Options): string => {
  const l = localeOf(languageOf(r, options))
  const t = l.t
  const zone = r.programme.timeZone ?? helsinki
  const name = r.programme.names?.[l.language] ?? r.programme.name
  const statusRows = r.referrals.byStatus.map((s) => ({
    label: s.status === "Initial" ? s.status : t.statuses[s.status],
    cell: s.count
  }))
  const professionRows = r.referrals.byReferrerProfession.map((p) => ({
    label: t.professions[p.profession] ?? p.profession,
    cell: p.count
  }))
  const fc = r.firstContact
  const followRows = [
    { label: t.followUpRecorded, cell: r.followUp.recorded },
    { label: t.followUpMissed, cell: r.followUp.missed },
    { label: t.followUpPending, cell: r.followUp.pending }
  ]
  const versions = r.programme.versions.map((v) => l.n(v)).join(", ")
  const when = (instant: Instant) =>
    `<time datetime="${esc(instant)}">${esc(EvaluationText.formatInstant(instant, zone, l.language))}</time>`
  return `<!doctype html>
<html lang="${l.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(t.title(name))} (${esc(r.programme.municipality)})</title>
<style>${css}</style>
</head>
<body>
<h1>${esc(t.title(name))}</h1>
<p class="meta">${esc(r.programme.municipality)} · ${esc(t.programme)} <code>${esc(r.programme.id)}</code> (${esc(t.versions(versions, r.programme.versions.length))}) ·
${esc(t.period)}: ${esc(EvaluationText.formatPeriod(r.period, zone, l.language))} · ${esc(t.asOf)}: ${when(r.asOf)} · ${esc(t.timeZone(zone))}</p>
<p>${esc(t.intro(l.n(r.minimumCell)))}</p>

<h2>${esc(t.referralsHeading)}</h2>
<p>${esc(t.total)}: ${num(r.referrals.total, l)}</p>
${bars("chart-status", t.chartByStatus, statusRows, l)}
${table(
  [t.headState, t.headReferrals],
  statusRows.map((s) => [esc(s.label), num(s.cell, l)])
)}
<h3>${esc(t.byProfessionHeading)}</h3>
${bars("chart-profession", t.chartByProfession, professionRows, l)}
${table(
  [t.headProfession, t.headReferrals],
  professionRows.map((s) => [esc(s.label), num(s.cell, l)])
)}

<h2>${esc(t.firstContactHeading)}</h2>
<p>${t.firstContactText(num(fc.reached, l), num(fc.withinDeadline, l), num(fc.afterDeadline, l), pct(fc.shareWithinDeadline, l))}</p>
${box("chart-first-contact", t.chartFirstContact, fc.hours, t.unitHours, l)}
${table(
  [t.headLowerQuartile, t.headMedian, t.headUpperQuartile],
  [[num(fc.hours.q1, l, 1), num(fc.hours.median, l, 1), num(fc.hours.q3, l, 1)]]
)}

<h2>${esc(t.collaborationHeading)}</h2>
<p>${t.collaborationText(num(r.collaboration.closed, l))}</p>
${box("chart-collaboration", t.chartCollaboration, r.collaboration.days, t.unitDays, l)}
${table(
  [t.headLowerQuartile, t.headMedian, t.headUpperQuartile],
  [[num(r.collaboration.days.q1, l, 1), num(r.collaboration.days.median, l, 1), num(r.collaboration.days.q3, l, 1)]]
)}

<h2>${esc(t.changeHeading)}</h2>
<p>${esc(t.changeText)}</p>
${changeChart("chart-change", r.measures.change, l)}
${table(
  [t.headMeasure, t.headDirection, t.headPairs, t.headMeanChange, t.headCi95, t.headImproved, t.headImprovedClearly],
  r.measures.change.map((c) => [
    esc(pointLabel(c, l)),
    esc(c.direction === "higher-is-better" ? t.higherIsBetter : t.higherIsWorse),
    num(c.pairs, l),
    signed(c.meanChange, l),
    c.ci95Low._tag === "Value" && c.ci95High._tag === "Value"
      ? `${signed(c.ci95Low, l)} … ${signed(c.ci95High, l)}`
      : num(c.ci95Low, l),
    pct(c.shareImproved, l),
    pct(c.shareImprovedClearly, l)
  ])
)}
<h3>${esc(t.completenessHeading)}</h3>
<p>${esc(t.completenessText)}</p>
${table(
  [t.headInstrument, t.headTimePoint, t.headRespondent, t.headRecorded, t.headScored, t.headNotScored],
  r.measures.completeness.map((c) => [
    esc(t.instruments[c.instrument] ?? c.instrument),
    esc(t.timePoints[c.timePoint]),
    esc(t.respondents[c.respondent]),
    num(c.recorded, l),
    num(c.scored, l),
    num(c.notScored, l)
  ])
)}

<h2>${esc(t.followUpHeading)}</h2>
<p>${t.followUpText(num(r.followUp.settled, l), pct(r.followUp.shareRecorded, l))}</p>
${bars("chart-follow-up", t.chartFollowUp, followRows, l)}
${table(
  [t.headFollowUp, t.headReferrals],
  followRows.map((s) => [esc(s.label), num(s.cell, l)])
)}
<h3>${esc(t.collectedHeading)}</h3>
${table(
  [t.headCollected, t.headReferrals],
  [
    [esc(t.collectedByLink), num(r.followUp.collected.byLink, l)],
    [esc(t.collectedByLinkWorker), num(r.followUp.collected.byLinkWorker, l)],
    [esc(t.followUpMissed), num(r.followUp.missed, l)]
  ]
)}
${r.linkWorkerSurvey === undefined ? "" : surveySection(r.linkWorkerSurvey, r.minimumCell, zone, l)}
${r.community === undefined ? "" : communitySection(r.community, l)}
</body>
</html>
`
}

/** The community link: activity uptake and unmet needs (`CommunityEvaluation`), in the page's language. */
const communitySection = (c: CommunityEvaluation.Community, l: Locale): string => {
  const t = l.t
  const orgName = (id: string) => c.organisations.find((o) => o.organisationId === id)?.name ?? id
  const uptakeCells = (u: CommunityEvaluation.Uptake) => [
    num(u.met, l),
    num(u.tried, l),
    num(u.triedAccompanied, l),
    num(u.joined, l),
    num(u.stillAtEnd, l),
    num(u.stillAtFollowUp, l)
  ]
  const uptakeHead = [
    t.communityMet,
    t.communityTried,
    t.communityTriedAccompanied,
    t.communityJoined,
    t.communityStillAtEnd,
    t.communityStillAtFollowUp
  ]
  return `<h2>${esc(t.communityHeading)}</h2>
<p>${t.communityIntro(num(c.withPlan, l))}</p>
${
  c.activities.length === 0
    ? `<p>${esc(t.communityNoActivities)}</p>`
    : bars(
        "chart-activities-joined",
        t.communityChartJoined,
        c.activities.map((a) => ({ label: a.name ?? a.activityId, cell: a.uptake.joined })),
        l
      )
}
${table(
  [t.communityActivity, t.communityOrganisation, t.communityArea, ...uptakeHead],
  c.activities.map((a) => [
    esc(a.name ?? a.activityId),
    esc(orgName(a.organisationId)),
    esc(a.area),
    ...uptakeCells(a.uptake)
  ])
)}
<h3>${esc(t.communityByOrganisation)}</h3>
${table(
  [t.communityOrganisation, ...uptakeHead],
  c.organisations.map((o) => [esc(o.name ?? o.organisationId), ...uptakeCells(o.uptake)])
)}
<h3>${esc(t.communityUnmetHeading)}</h3>
<p>${esc(t.communityUnmetText)}</p>
${
  c.unmetNeeds.length === 0
    ? `<p>${esc(t.communityNoUnmet)}</p>`
    : bars(
        "chart-unmet-needs",
        t.communityUnmetChart,
        c.unmetNeeds.map((n) => ({ label: n.category, cell: n.count })),
        l
      )
}
${table(
  [t.communityCategory, t.communityArea, t.communityClients],
  c.unmetNeeds.flatMap((n) => [
    [esc(n.category), esc(t.communityAllAreas), num(n.count, l)],
    ...n.byArea.map((a) => [esc(n.category), esc(a.area), num(a.count, l)])
  ])
)}`
}
