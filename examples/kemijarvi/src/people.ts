/**
 * Who takes part: the professionals (as `Actor`s, what an embedding system's
 * login would give) and the link-worker registry. Every name and number here
 * is made up.
 */
import { Actor, Instant, type LinkWorker, LinkWorkerSurvey, Presets, type Programme } from "@lahete/core"

/**
 * The programme: Kemijärvi's hyvinvointilähete as the preset ships it, with
 * the link workers' survey (`LinkWorkerSurvey.example`, a round every six
 * months) turned on, and the follow-up by a secure link: when the follow-up
 * window opens the client gets a text message with a link to the form (at
 * most two reminders, five days apart; each link valid ten days). The
 * follow-up measure is ONS4 (an open instrument, whose example texts
 * `ExampleItemTexts.ons4` the form can show): SWEMWBS, the measure at the
 * start and the end, is licensed, and no licensed text ships with lahete.
 */
export const programme: Programme.Programme = {
  ...Presets.kemijarvi,
  linkWorkerSurvey: LinkWorkerSurvey.example,
  measures: { ...Presets.kemijarvi.measures, followUp: [{ instrument: "ons4", respondent: "self" }] },
  measureLinks: { timePoints: ["follow-up"], reminders: { max: 2, intervalDays: 5 }, validDays: 10 }
}

/** The referrers' organisation, registered with the eKollega-style inbox. */
export const referrerOrganisation = "kemijarvi-wellbeing-centre"

/** The nurse who refers the client we follow, and colleagues who refer the others. */
export const nurse = Actor.make("Referrer", "nurse-hanna", referrerOrganisation, "nurse")
export const referrers: ReadonlyArray<Actor.Actor> = [
  nurse,
  Actor.make("Referrer", "doctor-olli", referrerOrganisation, "doctor"),
  Actor.make("Referrer", "social-worker-leena", referrerOrganisation, "social-worker"),
  Actor.make("Referrer", "social-counsellor-timo", referrerOrganisation, "social-counsellor"),
  Actor.make("Referrer", "service-counsellor-anu", referrerOrganisation, "service-counsellor")
]

/** The coordinating link person (koordinoiva linkkihenkilö) at the municipality. */
export const coordinator = Actor.make("Coordinator", "coordinator-kaisa", "kemijarvi-municipality")

/** Where coordinators get the email that a referral has arrived. */
export const coordinatorAddress = "koordinaattori@kemijarvi.example.fi"

const trained = (date: string) => Instant.make(Date.parse(date))

/** The link-worker registry: trained, bound to confidentiality, refreshed this year. */
export const linkWorkers: ReadonlyArray<LinkWorker.LinkWorker> = [
  {
    id: "linkworker-maija" as LinkWorker.LinkWorker["id"],
    active: true,
    employerType: "adult-education-centre",
    languages: ["fi", "en"],
    areas: ["Kemijärvi"],
    capacity: 12,
    confidentialityCommitmentSignedAt: trained("2025-08-20T09:00:00Z"),
    basicTrainingCompletedAt: trained("2025-09-15T09:00:00Z"),
    refresherTrainings: [trained("2026-02-10T09:00:00Z")],
    mentoringSessions: [trained("2026-02-24T12:00:00Z")]
  },
  {
    id: "linkworker-pekka" as LinkWorker.LinkWorker["id"],
    active: true,
    employerType: "parish",
    languages: ["fi"],
    areas: ["Kemijärvi", "Pelkosenniemi"],
    capacity: 12,
    confidentialityCommitmentSignedAt: trained("2025-08-20T09:00:00Z"),
    basicTrainingCompletedAt: trained("2025-09-15T09:00:00Z"),
    refresherTrainings: [trained("2026-02-10T09:00:00Z")],
    mentoringSessions: []
  },
  {
    id: "linkworker-sari" as LinkWorker.LinkWorker["id"],
    active: true,
    employerType: "ngo",
    languages: ["fi", "sv"],
    areas: ["Kemijärvi"],
    capacity: 12,
    confidentialityCommitmentSignedAt: trained("2025-11-03T09:00:00Z"),
    basicTrainingCompletedAt: trained("2025-11-20T09:00:00Z"),
    refresherTrainings: [],
    mentoringSessions: []
  }
]

/**
 * The rest of Kemijärvi's link workers: trained volunteers of the parish and
 * the adult education centre who have no client in this spring's cohort.
 * With the three above they answer the link workers' survey: ten answers,
 * so the report can show a figure that five named and five did not (a count
 * is shown only when it and its complement each reach five).
 */
export const otherLinkWorkers: ReadonlyArray<LinkWorker.LinkWorker> = [
  "anneli",
  "jorma",
  "kirsi",
  "marko",
  "raili",
  "tuula",
  "veikko"
].map((name, k) => ({
  id: `linkworker-${name}` as LinkWorker.LinkWorker["id"],
  active: true,
  employerType: k % 2 === 0 ? "parish" : "adult-education-centre",
  languages: ["fi"],
  areas: ["Kemijärvi"],
  capacity: 6,
  confidentialityCommitmentSignedAt: trained("2025-08-20T09:00:00Z"),
  basicTrainingCompletedAt: trained("2025-09-15T09:00:00Z"),
  refresherTrainings: [trained("2026-02-10T09:00:00Z")],
  mentoringSessions: []
}))

/** The link workers' work email addresses, for the survey invitations. */
export const linkWorkerEmails: Readonly<Record<string, string>> = Object.fromEntries(
  [...linkWorkers, ...otherLinkWorkers].map((w) => [w.id, `${w.id.replace("linkworker-", "")}@kemijarvi.example.fi`])
)

/** A link worker as an actor (what their login would give). */
export const linkWorkerActor = (id: string): Actor.Actor =>
  Actor.make("LinkWorker", id, `kemijarvi-${linkWorkers.find((w) => w.id === id)?.employerType ?? "link-workers"}`)

/** The client we follow through the whole model. */
export const aino = {
  givenName: "Aino",
  familyName: "Lahtinen",
  birthYear: 1951,
  mobileNumber: "040 123 4567",
  language: "fi"
} as const

/** What the nurse writes about why (free text: personal data, kept in the vault, never in events). */
export const ainoReason = "Leskeksi jäätyään yksin kotona, kaipaa seuraa ja liikuntaa. Toivoo kävelyseuraa."
