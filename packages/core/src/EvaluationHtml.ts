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
 * @since 0.1.0
 */
import type * as CommunityEvaluation from "./CommunityEvaluation.js"
import type * as Evaluation from "./Evaluation.js"

const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string)

const suppressedText = (c: Extract<Evaluation.Cell, { _tag: "Suppressed" }>): string =>
  c.reason === "complementary" ? "suppressed (protects a small cell)" : "suppressed (fewer than the minimum)"

const num = (c: Evaluation.Cell, digits = 0): string =>
  c._tag === "Value" ? c.value.toFixed(digits) : `<span class="suppressed">${suppressedText(c)}</span>`

const pct = (c: Evaluation.Cell | null): string =>
  c === null
    ? "not classified (no thresholds)"
    : c._tag === "Value"
      ? `${(c.value * 100).toFixed(0)} %`
      : `<span class="suppressed">${suppressedText(c)}</span>`

const signed = (c: Evaluation.Cell): string =>
  c._tag === "Value" ? `${c.value >= 0 ? "+" : "−"}${Math.abs(c.value).toFixed(2)}` : num(c)

const f = (x: number): string => (Math.round(x * 100) / 100).toString()

const svg = (id: string, title: string, width: number, height: number, body: string): string =>
  `<svg class="chart" id="${id}" xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="${id}-title" ` +
  `viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">` +
  `<title id="${id}-title">${esc(title)}</title>${body}</svg>`

/** Horizontal bars, one per row; a suppressed row shows a hatched placeholder and says so. */
const bars = (
  id: string,
  title: string,
  rows: ReadonlyArray<{ readonly label: string; readonly cell: Evaluation.Cell }>
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
<text class="note" x="${labelWidth + 48}" y="${y + 15}">suppressed</text>`
      }
      const w = Math.max(2, (r.cell.value / max) * plot)
      return `${label}<rect class="bar" x="${labelWidth}" y="${y + 3}" width="${f(w)}" height="${rowHeight - 8}"/>
<text x="${f(labelWidth + w + 6)}" y="${y + 15}">${r.cell.value}</text>`
    })
    .join("\n")
  const axis = `<path class="axis" d="M${labelWidth} 6 V${height - 20}"/>`
  return svg(id, title, labelWidth + plot + 60, height, axis + body)
}

/** A box from the lower to the upper quartile with the median; no whiskers (min and max are single clients). */
const box = (id: string, title: string, q: typeof Evaluation.Report.Type.collaboration.days, unit: string): string => {
  const width = 600
  const height = 90
  if (q.q1._tag !== "Value" || q.median._tag !== "Value" || q.q3._tag !== "Value") {
    return svg(
      id,
      title,
      width,
      height,
      `<path class="axis" d="M40 60 H${width - 40}"/><text class="note" x="40" y="35">suppressed: fewer than the minimum number of clients</text>`
    )
  }
  const top = Math.max(q.q3.value * 1.25, 1)
  const x = (v: number) => 40 + (v / top) * (width - 80)
  const ticks = [0, top / 4, top / 2, (3 * top) / 4, top]
    .map(
      (t) =>
        `<path class="tick" d="M${f(x(t))} 60 V66"/><text class="tick-label" x="${f(x(t))}" y="80" text-anchor="middle">${t.toFixed(0)}</text>`
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

const pointLabel = (c: Evaluation.MeasureChange): string =>
  `${c.instrumentName}${c.score === "total" ? "" : ` · ${c.scoreName}`} (${c.respondent}) ${c.from} → ${c.to}`

const shortLabel = (c: Evaluation.MeasureChange): string =>
  `${c.instrument.toUpperCase()}${c.score === "total" ? "" : ` ${c.scoreName}`} (${c.respondent}) ${c.from} → ${c.to}`

/** Mean change with its 95% confidence interval as an error bar, around a zero line. */
const changeChart = (id: string, rows: ReadonlyArray<Evaluation.MeasureChange>): string => {
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
      const label = `<text x="${labelWidth - 8}" y="${y + 5}" text-anchor="end">${esc(shortLabel(r))}</text>`
      if (r.meanChange._tag !== "Value" || r.ci95Low._tag !== "Value" || r.ci95High._tag !== "Value") {
        return `${label}<text class="note" x="${labelWidth + 8}" y="${y + 5}">suppressed</text>`
      }
      const lo = x(r.ci95Low.value)
      const hi = x(r.ci95High.value)
      return `${label}<path class="ci" d="M${f(lo)} ${y} H${f(hi)} M${f(lo)} ${y - 6} V${y + 6} M${f(hi)} ${y - 6} V${y + 6}"/>
<circle class="mean" cx="${f(x(r.meanChange.value))}" cy="${y}" r="5"/>`
    })
    .join("\n")
  const zero = `<path class="zero" d="M${f(x(0))} 4 V${height - 22}"/><text class="tick-label" x="${f(x(0))}" y="${height - 8}" text-anchor="middle">0 (no change)</text>`
  return svg(id, "Mean change with 95% confidence interval", labelWidth + plot + 20, height, zero + body)
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
 * Renders the report as a self-contained HTML page.
 *
 * @since 0.1.0
 * @category rendering
 */
export const render = (r: Evaluation.Report): string => {
  const statusRows = r.referrals.byStatus.map((s) => ({ label: s.status, cell: s.count }))
  const professionRows = r.referrals.byReferrerProfession.map((p) => ({ label: p.profession, cell: p.count }))
  const fc = r.firstContact
  const followRows = [
    { label: "recorded", cell: r.followUp.recorded },
    { label: "missed", cell: r.followUp.missed },
    { label: "window still open", cell: r.followUp.pending }
  ]
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Evaluation: ${esc(r.programme.name)} (${esc(r.programme.municipality)})</title>
<style>${css}</style>
</head>
<body>
<h1>Evaluation: ${esc(r.programme.name)}</h1>
<p class="meta">${esc(r.programme.municipality)} · programme <code>${esc(r.programme.id)}</code> (versions ${r.programme.versions.join(", ")}) ·
referrals submitted ${esc(r.period.from)} – ${esc(r.period.to)} · events up to ${esc(r.asOf)}</p>
<p>Aggregates only. Every figure from fewer than ${r.minimumCell} clients is suppressed and shown as such; where one
cell of a table is suppressed, the next smallest is suppressed too so it cannot be recovered by subtraction.
No personal data is in this page.</p>

<h2>Referrals</h2>
<p>Total: ${num(r.referrals.total)}</p>
${bars("chart-status", "Referrals by state", statusRows)}
${table(
  ["state", "referrals"],
  statusRows.map((s) => [esc(s.label), num(s.cell)])
)}
<h3>By referrer profession</h3>
${bars("chart-profession", "Referrals by referrer profession", professionRows)}
${table(
  ["profession", "referrals"],
  professionRows.map((s) => [esc(s.label), num(s.cell)])
)}

<h2>Time from submission to first contact (D2)</h2>
<p>First contact is the call that reached the client. Reached: ${num(fc.reached)}; within the deadline:
${num(fc.withinDeadline)}; after it: ${num(fc.afterDeadline)}; share within: ${pct(fc.shareWithinDeadline)}.</p>
${box("chart-first-contact", "Hours from submission to first contact: quartiles and median", fc.hours, "hours")}
${table(
  ["lower quartile", "median", "upper quartile"],
  [[num(fc.hours.q1, 1), num(fc.hours.median, 1), num(fc.hours.q3, 1)]]
)}

<h2>Collaboration length</h2>
<p>Closed collaborations: ${num(r.collaboration.closed)} (start to closing, days).</p>
${box("chart-collaboration", "Collaboration length in days: quartiles and median", r.collaboration.days, "days")}
${table(
  ["lower quartile", "median", "upper quartile"],
  [[num(r.collaboration.days.q1, 1), num(r.collaboration.days.median, 1), num(r.collaboration.days.q3, 1)]]
)}

<h2>Change in outcome measures</h2>
<p>Change is computed only between two administrations of the same instrument by the same kind of respondent
(a proxy's answers are never paired with the client's own). Positive values are increases; for scores where higher
is worse, an improvement is a decrease. Confidence intervals use Student's t distribution.</p>
${changeChart("chart-change", r.measures.change)}
${table(
  ["measure", "direction", "pairs", "mean change", "95% CI", "improved (at least possibly)", "improved clearly"],
  r.measures.change.map((c) => [
    esc(pointLabel(c)),
    c.direction === "higher-is-better" ? "higher is better" : "higher is worse",
    num(c.pairs),
    signed(c.meanChange),
    c.ci95Low._tag === "Value" && c.ci95High._tag === "Value"
      ? `${signed(c.ci95Low)} … ${signed(c.ci95High)}`
      : num(c.ci95Low),
    pct(c.shareImproved),
    pct(c.shareImprovedClearly)
  ])
)}
<h3>Forms recorded and scored</h3>
<p>A form with a missing answer is kept but not scored.</p>
${table(
  ["instrument", "time point", "respondent", "recorded", "scored", "not scored"],
  r.measures.completeness.map((c) => [
    esc(c.instrument),
    c.timePoint,
    c.respondent,
    num(c.recorded),
    num(c.scored),
    num(c.notScored)
  ])
)}

<h2>Follow-up completion</h2>
<p>Settled follow-ups: ${num(r.followUp.settled)}; share recorded: ${pct(r.followUp.shareRecorded)}.</p>
${bars("chart-follow-up", "Follow-up measures", followRows)}
${table(
  ["follow-up", "referrals"],
  followRows.map((s) => [esc(s.label), num(s.cell)])
)}
${r.community === undefined ? "" : communitySection(r.community)}
</body>
</html>
`
}

/** The community link: activity uptake and unmet needs (`CommunityEvaluation`). */
const communitySection = (c: CommunityEvaluation.Community): string => {
  const orgName = (id: string) => c.organisations.find((o) => o.organisationId === id)?.name ?? id
  const uptakeCells = (u: CommunityEvaluation.Uptake) => [
    num(u.met),
    num(u.tried),
    num(u.triedAccompanied),
    num(u.joined),
    num(u.stillAtEnd),
    num(u.stillAtFollowUp)
  ]
  const uptakeHead = ["met", "tried", "tried with the link worker", "joined", "still at the end", "still at follow-up"]
  return `<h2>Community activities</h2>
<p>Referrals with a plan: ${num(c.withPlan)}. Clients per directory activity: met (suggested, tried or joined), tried
(with the link worker), joined, still taking part when the collaboration closed, and confirmed still taking part
after closing (follow-up). A figure inside another is also suppressed when the difference is a small group.</p>
${
  c.activities.length === 0
    ? "<p>No directory activity was recorded in a plan.</p>"
    : bars(
        "chart-activities-joined",
        "Clients who joined each activity",
        c.activities.map((a) => ({ label: a.name ?? a.activityId, cell: a.uptake.joined }))
      )
}
${table(
  ["activity", "organisation", "area", ...uptakeHead],
  c.activities.map((a) => [
    esc(a.name ?? a.activityId),
    esc(orgName(a.organisationId)),
    esc(a.area),
    ...uptakeCells(a.uptake)
  ])
)}
<h3>By organisation</h3>
${table(
  ["organisation", ...uptakeHead],
  c.organisations.map((o) => [esc(o.name ?? o.organisationId), ...uptakeCells(o.uptake)])
)}
<h3>Unmet needs</h3>
<p>Needs nothing in the directory met, by category and area (clients).</p>
${
  c.unmetNeeds.length === 0
    ? "<p>No unmet need was recorded.</p>"
    : bars(
        "chart-unmet-needs",
        "Clients with an unmet need, by category",
        c.unmetNeeds.map((n) => ({ label: n.category, cell: n.count }))
      )
}
${table(
  ["category", "area", "clients"],
  c.unmetNeeds.flatMap((n) => [
    [esc(n.category), "all areas", num(n.count)],
    ...n.byArea.map((a) => [esc(n.category), esc(a.area), num(a.count)])
  ])
)}`
}
