/**
 * Who takes part: the programme, the professionals (as `Actor`s, what the
 * embedding systems' logins would give), the link-worker registry and the
 * client we follow. Every name, date and number here is made up.
 */
import { Actor, type Instant, type LinkWorker, Presets } from "@lahete/core"
import { local } from "./clock.js"

/**
 * The programme: Sodankylä's hyvinvointilähete ja -lähetti as the preset
 * ships it. What this example relies on: ESIS and SWEMWBS at the start
 * (with the referrer's proxy SWEMWBS), ESIS and SWEMWBS at the end, SWEMWBS
 * at the follow-up, and a refresher training every 6 months.
 */
export const programme = Presets.sodankyla

/** The referrers' organisation: its system sends referrals to the FHIR server and polls their Tasks. */
export const healthCentre = "sodankyla-health-centre"

/** The nurse who refers the client we follow. */
export const nurse = Actor.make("Referrer", "nurse-riikka", healthCentre, "nurse")

/** Her colleagues, who refer the other clients of the spring. */
export const colleagues: ReadonlyArray<Actor.Actor> = [
  Actor.make("Referrer", "doctor-juha", healthCentre, "doctor"),
  Actor.make("Referrer", "social-worker-marja", healthCentre, "social-worker"),
  Actor.make("Referrer", "social-counsellor-pekka", healthCentre, "social-counsellor"),
  Actor.make("Referrer", "service-counsellor-tiina", healthCentre, "service-counsellor")
]

/** The coordinating link person (koordinoiva linkkihenkilö) at the municipality. */
export const coordinator = Actor.make("Coordinator", "coordinator-helena", "sodankyla-municipality")

const on = (date: string, clock = "09:00"): Instant.Instant => local(date, clock)

const id = (s: string) => s as LinkWorker.LinkWorker["id"]

/** Anni: trained, committed, refreshed in February, mentored regularly. */
export const anni: LinkWorker.LinkWorker = {
  id: id("linkworker-anni"),
  active: true,
  employerType: "municipality",
  languages: ["fi", "en"],
  areas: ["Sodankylä centre"],
  confidentialityCommitmentSignedAt: on("2025-09-01"),
  basicTrainingCompletedAt: on("2025-09-10"),
  refresherTrainings: [on("2026-02-12")],
  mentoringSessions: [on("2025-11-20", "14:00"), on("2026-01-22", "14:00"), on("2026-03-19", "14:00")]
}

/**
 * Eero: the only link worker who speaks Northern Sámi. His last refresher
 * was on 29 September 2025, so with Sodankylä's 6-month interval the next
 * one is due on 29 March 2026.
 */
export const eero: LinkWorker.LinkWorker = {
  id: id("linkworker-eero"),
  active: true,
  employerType: "parish",
  languages: ["fi", "se"],
  areas: ["Sodankylä centre", "Vuotso"],
  confidentialityCommitmentSignedAt: on("2025-03-20"),
  basicTrainingCompletedAt: on("2025-04-03"),
  refresherTrainings: [on("2025-09-29")],
  mentoringSessions: [on("2025-12-04", "14:00")]
}

/** Sanna: trained in November; her first refresher falls due in May. */
export const sanna: LinkWorker.LinkWorker = {
  id: id("linkworker-sanna"),
  active: true,
  employerType: "ngo",
  languages: ["fi", "sv", "en"],
  areas: ["Sodankylä centre", "Vaalajärvi"],
  confidentialityCommitmentSignedAt: on("2025-11-18"),
  basicTrainingCompletedAt: on("2025-11-18", "15:00"),
  refresherTrainings: [],
  mentoringSessions: [on("2026-02-05", "14:00")]
}

/** Niko: a new volunteer, not yet trained and not yet bound to confidentiality. */
export const niko: LinkWorker.LinkWorker = {
  id: id("linkworker-niko"),
  active: true,
  employerType: "adult-education-centre",
  languages: ["fi"],
  areas: ["Sodankylä centre"],
  refresherTrainings: [],
  mentoringSessions: []
}

/** Aila: moved away; kept in the registry as inactive. */
export const aila: LinkWorker.LinkWorker = {
  id: id("linkworker-aila"),
  active: false,
  employerType: "ngo",
  languages: ["fi"],
  areas: ["Sodankylä centre"],
  confidentialityCommitmentSignedAt: on("2024-08-15"),
  basicTrainingCompletedAt: on("2024-09-02"),
  refresherTrainings: [on("2025-03-06")],
  mentoringSessions: []
}

/** The registry as the example starts. */
export const linkWorkers: ReadonlyArray<LinkWorker.LinkWorker> = [anni, eero, sanna, niko, aila]

/** A link worker as an actor (what their login would give). */
export const linkWorkerActor = (worker: LinkWorker.LinkWorker): Actor.Actor =>
  Actor.make("LinkWorker", worker.id, `sodankyla-${worker.employerType}`)

/** The client we follow through the whole model: she speaks Northern Sámi. */
export const elle = {
  givenName: "Elle",
  familyName: "Aikio",
  birthYear: 1958,
  language: "se"
} as const

/** What the nurse writes about why (free text: personal data, kept in the vault, never in events). */
export const elleReason = "Leskeksi jäätyään yksin Vuotsossa; kaipaa seuraa ja saamenkielistä toimintaa."
