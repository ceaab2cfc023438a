/**
 * The walk: Sodankylä's wellbeing referral and link worker on PostgreSQL.
 * One client, Elle, is followed from the referral her nurse sends as a FHIR
 * transaction Bundle to the follow-up three months after closing, while the
 * referrals of 24 other clients run alongside. On the way:
 *
 * - the health centre's system polls the referral's FHIR Task
 *   (`GET /fhir/Task?_lastUpdated=ge…`) and sees it go requested → accepted
 *   → in-progress → completed;
 * - ESIS and SWEMWBS are taken when the preset asks (start, end,
 *   follow-up; the nurse's proxy SWEMWBS at the start) and scored with
 *   `Measures`: ESIS is group-only, so no screen shows Elle's ESIS score;
 * - link-worker training continuity: the link worker who speaks Elle's
 *   language is overdue for his refresher training, so assigning him is
 *   refused (`LinkWorkerIneligible`) until the coordinator records the
 *   refresher; the "training due" list before and after;
 * - the evaluation report of the spring's referrals, as JSON and HTML, with
 *   small cells suppressed.
 *
 * Time is a simulated clock (`clock.ts`): March to November 2026 in seconds.
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import {
  Evaluation,
  EvaluationHtml,
  Ids,
  Instant,
  Instruments,
  LinkWorker,
  LinkWorkerRegistry,
  Measures,
  ReferralService,
  ReferralStore,
  ReferralTransport
} from "@lahete/core"
import { Migrations, SqlProjections } from "@lahete/store-sql"
import { SimulatedTime } from "@lahete/testing"
import { Clock, Console, Context, Effect, Layer, Result } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import { addWeeks, local, show, showDate } from "./clock.js"
import * as Cohort from "./cohort.js"
import * as Coordinator from "./coordinator.js"
import * as Fhir from "./fhir.js"
import { coordinator, eero, elle, elleReason, linkWorkerActor, linkWorkers, nurse, programme } from "./people.js"
import * as Setup from "./setup.js"

export interface Options {
  /** The PostgreSQL database and schema to work in. */
  readonly database: Setup.Database
  /**
   * Where the evaluation report is written (`evaluation-report.json`; `evaluation-report.html` in the
   * programme's first language, Finnish; `evaluation-report.sv.html` and `evaluation-report.en.html`).
   */
  readonly out: string
  /** Where the narration goes (default: the console). */
  readonly print?: (line: string) => Effect.Effect<void>
  /** How many other clients (default 24). */
  readonly cohort?: number
}

/** One poll of the health centre's system, as it saw the followed referral. */
export interface Poll {
  readonly at: Instant.Instant
  /** The request, e.g. `GET /fhir/Task?_lastUpdated=ge…`. */
  readonly request: string
  /** How many Tasks the searchset held. */
  readonly tasks: number
  /** The followed referral's Task, when it had changed since the previous poll. */
  readonly task?: { readonly status: string; readonly businessStatus?: string; readonly referralStatus: string }
}

/** A form as scored. */
export interface Scored {
  readonly instrument: string
  readonly timePoint: string
  readonly respondent: string
  readonly raw: number
  readonly score: number
}

/** What the walk did, for its test and for whoever wants to look further. */
export interface Outcome {
  readonly steps: ReadonlyArray<string>
  readonly referralId: Ids.ReferralId
  /** The referral's delivery: the request, the answer's status and the Bundle's resources. */
  readonly delivery: {
    readonly request: string
    readonly status: number
    readonly resourceTypes: ReadonlyArray<string>
  }
  /** The migrations the store ran on the empty schema, by name. */
  readonly migrations: ReadonlyArray<string>
  readonly polls: ReadonlyArray<Poll>
  /** The Task statuses the referrer's system saw for the followed referral, repeats removed. */
  readonly taskStatuses: ReadonlyArray<string>
  /** The refused assignment. */
  readonly refusal: { readonly tag: string; readonly linkWorkerId: string; readonly reason: string } | undefined
  /** The referral's version before and after the refused assignment (nothing written). */
  readonly versionsAroundRefusal: readonly [number, number]
  readonly trainingDue: {
    readonly atStart: ReadonlyArray<LinkWorker.TrainingDue>
    readonly beforeRefresher: ReadonlyArray<LinkWorker.TrainingDue>
    readonly afterRefresher: ReadonlyArray<LinkWorker.TrainingDue>
  }
  /** Eero's next refresher after the one recorded. */
  readonly nextRefresherDue: Instant.Instant | undefined
  /** The followed client's forms, scored (ESIS included: scoring is for aggregates). */
  readonly scored: ReadonlyArray<Scored>
  /** The followed client's measures as her link worker's screen shows them. */
  readonly clientView: ReadonlyArray<Measures.ClientMeasure>
  /** Individual change of the followed client: SWEMWBS, and what ESIS and a proxy/self pair answer. */
  readonly change: {
    readonly swemwbsEnd: Measures.Change | undefined
    readonly swemwbsFollowUp: Measures.Change | undefined
    readonly esis: Result.Result<Measures.Change, Measures.NoChangeReason>
    readonly proxyAgainstSelf: Result.Result<Measures.Change, Measures.NoChangeReason>
  }
  /** The closing feedback as the referrer read it over FHIR (rule C3). */
  readonly feedbackRead: string | undefined
  readonly report: Evaluation.Report
  readonly files: {
    readonly json: string
    readonly html: string
    /** The same page in Swedish and in English. */
    readonly translations: { readonly sv: string; readonly en: string }
  }
  /** Actions of the other clients that the library refused (none expected). */
  readonly refused: ReadonlyArray<string>
  /** Every referral in the database, by status (from the projection in PostgreSQL). */
  readonly statuses: Readonly<Record<string, number>>
}

/** The simulation's first and last moments. */
export const start = local("2026-03-02", "08:00")
export const end = local("2026-11-30", "17:00")

/** The report's period: the referrals made in March–May 2026. */
export const period = { from: local("2026-03-01", "00:00"), to: local("2026-06-01", "00:00") }

/** Elle's answers (made up). */
export const elleAnswers = {
  proxySwemwbs: [2, 2, 3, 2, 2, 2, 3],
  esisBaseline: [2, 2, 3, 2, 1, 2, 3, 2, 2, 2],
  swemwbsBaseline: [2, 3, 3, 2, 2, 3, 2],
  esisEnd: [3, 3, 4, 3, 3, 3, 4, 3, 3, 3],
  swemwbsEnd: [3, 4, 4, 3, 3, 4, 3],
  swemwbsFollowUp: [3, 4, 4, 3, 3, 3, 3]
} as const

/** The simulated clock as a service, so the walk can move it. */
export class SimulatedClockService extends Context.Service<SimulatedClockService, SimulatedTime.SettableClock>()(
  "example-sodankyla/SimulatedClock"
) {}

/** What can stop the walk: the services not starting, or the library refusing a step of the story. */
export type WalkError =
  | Setup.StartError
  | ReferralService.ReferralServiceError
  | ReferralTransport.TransportError
  | Cohort.Failure
  | SqlError

const cell = (c: Evaluation.Cell | null, format: (x: number) => string = String): string =>
  c === null
    ? "not classified (no published threshold)"
    : c._tag === "Value"
      ? format(c.value)
      : c.reason === "complementary"
        ? "suppressed (protects a small cell)"
        : "suppressed (fewer than 5 clients)"
const percent = (c: Evaluation.Cell | null) => cell(c, (x) => `${Math.round(x * 100)} %`)
const decimals = (n: number) => (x: number) => x.toFixed(n)

const describeDue = (row: LinkWorker.TrainingDue): string => {
  const who = row.linkWorkerId.replace("linkworker-", "")
  switch (row.kind) {
    case "basic-training":
      return `${who}: basic training missing`
    case "confidentiality-commitment":
      return `${who}: confidentiality commitment not signed`
    case "refresher":
      return `${who}: refresher training ${row.overdue ? "OVERDUE since" : "due"} ${row.dueAt === undefined ? "?" : showDate(row.dueAt)}`
  }
}

export const run = (options: Options): Effect.Effect<Outcome, WalkError> => {
  const print = options.print ?? ((line: string) => Console.log(line))
  const files = {
    json: join(options.out, "evaluation-report.json"),
    html: join(options.out, "evaluation-report.html"),
    translations: {
      sv: join(options.out, "evaluation-report.sv.html"),
      en: join(options.out, "evaluation-report.en.html")
    }
  }

  const program = Effect.gen(function* () {
    const clock = yield* SimulatedClockService
    const timeline = SimulatedTime.timeline<Setup.Services>(clock)
    const service = yield* ReferralService.ReferralService
    const transport = yield* ReferralTransport.ReferralTransport
    const store = yield* ReferralStore.ReferralStore
    const registry = yield* LinkWorkerRegistry.LinkWorkerRegistry
    const wire = yield* Fhir.Wire
    const sql = yield* SqlClient.SqlClient
    const steps: Array<string> = []
    const refused: Array<string> = []
    let n = 0
    const now = () => clock.now()
    const say = (line: string) => print(`   ${line}`)
    const step = (id: string, title: string) => {
      steps.push(id)
      return print(`\n${++n}. ${title} (${show(now())})`)
    }
    let keys = 0
    const key = () => Ids.IdempotencyKey.make(`walk-${++keys}`)

    yield* print(
      [
        `lahete example: ${programme.municipality}'s ${programme.names.fi} (${programme.names.en}) on PostgreSQL`,
        `Database: ${Setup.redactUrl(options.database.url)}, schema ${options.database.schema}.`,
        `The clock is simulated: it runs from ${show(start)} to ${show(end)} in seconds.`,
        "Names, dates and answers are made up."
      ].join("\n")
    )

    // ---- 1. the deployment ----
    yield* step("deployment", "The deployment starts on PostgreSQL")
    // the migrator's own table: which numbered migrations ran
    const ran = yield* sql<{ readonly name: string }>`SELECT name FROM ${sql(Migrations.table)} ORDER BY migration_id`
    const migrations = ran.map((r) => r.name)
    yield* say(`@lahete/store-sql ran ${migrations.length} migrations on the empty schema: ${migrations.join(", ")}.`)
    yield* say(
      "Referrals arrive as FHIR R4 transaction Bundles at https://lahete.sodankyla.example.fi/fhir (in process here)."
    )

    // ---- 2. the programme ----
    yield* step("programme", `The programme: the ${programme.municipality} preset`)
    const measures = (list: ReadonlyArray<{ instrument: string; respondent: string }>) =>
      list
        .map((m) => `${m.instrument.toUpperCase()}${m.respondent === "proxy" ? " (the referrer, proxy)" : ""}`)
        .join(", ")
    yield* say(`Languages: ${programme.languages.join(", ")}. Measures:`)
    yield* say(`  at the start: ${measures(programme.measures.baseline)}`)
    yield* say(`  at the end: ${measures(programme.measures.end)}`)
    yield* say(
      `  ${programme.deadlines.followUp.monthsAfterClosing} months after closing: ${measures(programme.measures.followUp)}`
    )
    yield* say(
      `Link workers need a refresher training every ${programme.linkWorkers.refresherIntervalMonths} months (Sodankylä's chosen idea: continuity of training).`
    )

    // ---- 3. the registry ----
    yield* step("registry", "The link-worker registry")
    for (const w of linkWorkers) {
      const due = LinkWorker.refresherDueAt(w, programme.linkWorkers, now())
      yield* say(
        `${w.id}: ${w.active ? "" : "INACTIVE, "}${w.employerType}, speaks ${w.languages.join("/")}, ` +
          `basic training ${w.basicTrainingCompletedAt === undefined ? "missing" : showDate(w.basicTrainingCompletedAt)}, ` +
          `commitment ${w.confidentialityCommitmentSignedAt === undefined ? "missing" : showDate(w.confidentialityCommitmentSignedAt)}, ` +
          `${w.refresherTrainings.length} refresher(s), ${w.mentoringSessions.length} mentoring session(s)` +
          (due === undefined || !w.active ? "" : `; next refresher due ${showDate(due)}`)
      )
    }

    // ---- 4. the training-due list at the start ----
    yield* timeline.advanceTo(local("2026-03-02", "10:00"))
    yield* step("training-due-start", "The coordinator's training-due list")
    const atStart = yield* Coordinator.trainingDue(now())
    for (const row of atStart) yield* say(describeDue(row))
    yield* say("(inactive link workers are not listed; refreshers are listed 30 days before they fall due)")

    // ---- in the background: the other clients' referrals ----
    const ids = new Map<string, Ids.ReferralId>()
    const members = Cohort.members(options.cohort ?? 24)
    for (const m of members) {
      for (const action of Cohort.plan(m, ids)) {
        timeline.add(
          action.at,
          action.run.pipe(
            Effect.catch((e) => Effect.sync(() => refused.push(`client ${m.index}, ${action.what}: ${e._tag}`)))
          )
        )
      }
    }
    yield* say(
      `Meanwhile, ${members.length} other clients are referred in March and April (their steps run in the background).`
    )

    // ---- 5. Elle's referral arrives as a FHIR Bundle ----
    yield* timeline.advanceTo(local("2026-04-07", "09:30"))
    yield* step("arrives", "A referral arrives as a FHIR transaction Bundle")
    yield* say(
      `Nurse Riikka refers ${elle.givenName} ${elle.familyName} (born ${elle.birthYear}), who lives alone in Vuotso and speaks Northern Sámi.`
    )
    yield* say("Elle agrees to the referral, and to the nurse filling in the wellbeing measure about her (proxy).")
    const receipt = yield* transport.deliver(nurse, {
      messageId: "sodankyla-hc-2026-0412",
      programmeId: programme.id,
      client: elle,
      reasonCategories: ["loneliness"],
      reasonText: elleReason,
      exclusionsPresent: [],
      feedbackRequested: true,
      consents: [
        { purpose: "referral", decision: "granted", method: "in-appointment" },
        { purpose: "proxy-measure", decision: "granted", method: "in-appointment" }
      ]
    })
    const referralId = receipt.referralId
    // what went over the wire: the health centre's system built the Bundle (FhirClient), the server answered it
    type Resources = {
      readonly entry?: ReadonlyArray<{
        readonly resource?: { readonly resourceType?: string; readonly status?: string }
      }>
    }
    const posted = wire.exchanges.at(-1)
    const resourcesOf = (body: unknown) => ((body as Resources | undefined)?.entry ?? []).map((e) => e.resource)
    const delivery = {
      request: `${posted?.method} ${posted?.path}`,
      status: posted?.status ?? 0,
      resourceTypes: resourcesOf(posted?.requestBody).map((r) => r?.resourceType ?? "?")
    }
    yield* say(
      `${delivery.request} with a transaction Bundle of ${delivery.resourceTypes.join(", ")} → ${delivery.status}`
    )
    const answerTask = resourcesOf(posted?.responseBody).find((r) => r?.resourceType === "Task")
    yield* say(`The answer: a transaction-response with the Task ${referralId}, status ${answerTask?.status}.`)

    // the health centre's system polls for changed Tasks
    const polls: Array<Poll> = []
    let since = local("2026-04-07", "00:00")
    const poll = Effect.gen(function* () {
      const asked = now()
      const reports = yield* transport.changes(nurse, { since })
      since = asked
      const exchange = wire.exchanges.at(-1)
      const mine = reports.find((r) => r.referralId === referralId)
      const entry: Poll = {
        at: asked,
        request: `${exchange?.method} ${exchange?.path}`,
        tasks: reports.length,
        ...(mine === undefined
          ? {}
          : {
              task: {
                status: mine.task.status,
                ...(mine.task.businessStatus === undefined ? {} : { businessStatus: mine.task.businessStatus }),
                referralStatus: mine.status
              }
            })
      }
      polls.push(entry)
      yield* say(
        `The health centre's system polls: ${decodeURIComponent(entry.request)} → ${exchange?.status}, ${reports.length} Task(s) changed`
      )
      if (mine !== undefined) {
        yield* say(
          `  Task ${mine.task.status}${mine.task.businessStatus === undefined ? "" : ` (${mine.task.businessStatus})`}: the referral is ${mine.status}, last updated ${show(mine.lastUpdated)}`
        )
      }
    })
    yield* timeline.advanceTo(local("2026-04-07", "09:45"))
    yield* poll

    // ---- 6. the nurse's proxy SWEMWBS ----
    yield* timeline.advanceTo(local("2026-04-07", "09:50"))
    yield* step("proxy-measure", "The nurse fills the proxy SWEMWBS")
    yield* service.execute({
      _tag: "RecordMeasure",
      referralId,
      idempotencyKey: key(),
      actor: nurse,
      at: now(),
      instrument: "swemwbs",
      timePoint: "baseline",
      respondent: "proxy",
      answers: elleAnswers.proxySwemwbs
    })
    const scored: Array<Scored> = []
    const scoreOf = (instrument: string, timePoint: string, respondent: string, answers: ReadonlyArray<number>) => {
      const definition = Instruments.defaults.get(instrument)
      const s = definition === undefined ? undefined : Measures.score(definition, answers)
      const total = s?._tag === "Scored" ? s.scores[0] : undefined
      if (total !== undefined) scored.push({ instrument, timePoint, respondent, raw: total.raw, score: total.value })
      return total
    }
    const proxyScore = scoreOf("swemwbs", "baseline", "proxy", elleAnswers.proxySwemwbs)
    yield* say(
      `Her view of Elle's mental wellbeing: answers ${elleAnswers.proxySwemwbs.join(" ")}, raw ${proxyScore?.raw}, metric score ${proxyScore?.value.toFixed(2)} of 35.`
    )
    yield* say("It is kept apart from Elle's own answers: a proxy score is never paired with a self-report.")

    // ---- 7. who may be assigned ----
    yield* timeline.advanceTo(local("2026-04-07", "10:30"))
    yield* step("assignment-screen", "The coordinator looks for a link worker who speaks Northern Sámi")
    for (const o of yield* Coordinator.assignmentOptions(now())) {
      yield* say(
        `${o.worker.id} (${o.worker.languages.join("/")}): ${o.activeClients} active clients, ${o.ineligible === undefined ? "may be assigned" : `may NOT be assigned: ${o.ineligible}`}`
      )
    }
    yield* say("The training-due list today:")
    const beforeRefresher = yield* Coordinator.trainingDue(now())
    for (const row of beforeRefresher) yield* say(`  ${describeDue(row)}`)

    // ---- 8. the refused assignment ----
    yield* timeline.advanceTo(local("2026-04-07", "10:35"))
    yield* step("assignment-refused", "Assigning Eero is refused")
    const versionBefore = (yield* store.load(referralId)).version
    const attempt = yield* Effect.result(
      service.assign({ referralId, linkWorkerId: eero.id, actor: coordinator, at: now(), idempotencyKey: key() })
    )
    const versionAfter = (yield* store.load(referralId)).version
    let refusal: Outcome["refusal"]
    if (Result.isFailure(attempt)) {
      const e = attempt.failure
      refusal =
        e._tag === "LinkWorkerIneligible"
          ? { tag: e._tag, linkWorkerId: e.linkWorkerId, reason: e.reason }
          : { tag: e._tag, linkWorkerId: "", reason: "" }
      yield* say(`Refused with ${e._tag}: ${e.message}.`)
      yield* say(
        `Nothing was written: the referral is still at version ${versionAfter} (was ${versionBefore}). The refusal is data, never a thrown exception.`
      )
    } else {
      yield* say("(!) the assignment was accepted")
    }

    // ---- 9. the refresher training ----
    yield* timeline.advanceTo(local("2026-04-08", "12:00"))
    yield* step("refresher", "Eero attends the refresher training")
    yield* registry.update(eero.id, (w) => ({
      ...w,
      refresherTrainings: [...w.refresherTrainings, local("2026-04-08", "09:00")],
      mentoringSessions: [...w.mentoringSessions, local("2026-04-08", "11:00")]
    }))
    const refreshed = yield* registry.get(eero.id)
    const nextRefresherDue =
      refreshed._tag === "Some" ? LinkWorker.refresherDueAt(refreshed.value, programme.linkWorkers, now()) : undefined
    yield* say(
      `The coordinator records the morning's refresher training and the group mentoring session after it; his next refresher is due ${nextRefresherDue === undefined ? "?" : showDate(nextRefresherDue)}.`
    )
    yield* say("The training-due list now:")
    const afterRefresher = yield* Coordinator.trainingDue(now())
    for (const row of afterRefresher) yield* say(`  ${describeDue(row)}`)

    // ---- 10. the assignment ----
    yield* timeline.advanceTo(local("2026-04-08", "13:00"))
    yield* step("assigned", "Eero is assigned")
    const assigned = yield* service.assign({
      referralId,
      linkWorkerId: eero.id,
      actor: coordinator,
      at: now(),
      idempotencyKey: key()
    })
    yield* say(`Accepted: the referral is ${assigned.state.status}, version ${assigned.version}.`)
    yield* timeline.advanceTo(local("2026-04-08", "13:30"))
    yield* poll

    // ---- 11. the call time ----
    const eeroActor = linkWorkerActor(eero)
    yield* timeline.advanceTo(local("2026-04-08", "14:00"))
    yield* step("call-scheduled", "Eero sets the call time")
    const callAt = local("2026-04-09", "10:00")
    yield* service.execute({
      _tag: "ScheduleCall",
      referralId,
      idempotencyKey: key(),
      actor: eeroActor,
      at: now(),
      callAt,
      notifyBySms: false
    })
    yield* say(`He will call Elle on ${show(callAt)} (Elle has no mobile phone for text messages).`)
    yield* timeline.advanceTo(local("2026-04-08", "16:00"))
    yield* poll

    // ---- 12. the first call, the baseline measures ----
    yield* timeline.advanceTo(local("2026-04-09", "10:30"))
    yield* step("first-call", "The first call and the measures at the start")
    for (const command of [
      { _tag: "RecordFirstContact", outcome: "agreed" },
      { _tag: "AgreeContactArrangement", way: "in-person", frequency: "weekly", place: "community-activity" },
      {
        _tag: "RecordMeasure",
        instrument: "esis",
        timePoint: "baseline",
        respondent: "self",
        answers: elleAnswers.esisBaseline
      },
      {
        _tag: "RecordMeasure",
        instrument: "swemwbs",
        timePoint: "baseline",
        respondent: "self",
        answers: elleAnswers.swemwbsBaseline
      }
    ] as const) {
      yield* service.execute({ ...command, referralId, idempotencyKey: key(), actor: eeroActor, at: now() })
    }
    yield* say("Elle agrees to start; they will meet weekly at the village's Sámi-language activity group.")
    const esisBaseline = scoreOf("esis", "baseline", "self", elleAnswers.esisBaseline)
    const swemwbsBaseline = scoreOf("swemwbs", "baseline", "self", elleAnswers.swemwbsBaseline)
    yield* say(
      `SWEMWBS (Elle's own answers): ${elleAnswers.swemwbsBaseline.join(" ")}, raw ${swemwbsBaseline?.raw}, metric score ${swemwbsBaseline?.value.toFixed(2)}.`
    )
    yield* say(
      `ESIS (THL's participation indicator): ${elleAnswers.esisBaseline.join(" ")}, scored ${esisBaseline?.value.toFixed(1)} (mean of 10 items) for the statistics only.`
    )
    const stateNow = yield* service.state(referralId)
    const taken = Measures.administrations((yield* store.load(referralId)).events)
    const screen = Measures.forClient(taken, Instruments.defaults)
    for (const m of screen) {
      yield* say(
        `  Eero's screen: ${m.instrument.toUpperCase()} ${m.timePoint} (${m.respondent}), ${m.completeness.answered} of ${m.completeness.items} answered: ${
          m.result._tag === "Scored"
            ? `score ${m.result.scores[0]?.value.toFixed(2)}`
            : m.result._tag === "GroupOnly"
              ? "no score (ESIS is group-only: THL does not recommend it for one client)"
              : m.result._tag
        }`
      )
    }
    yield* say(
      `Still due: ${Measures.due(stateNow, programme, now())
        .map((d) => `${d.instrument.toUpperCase()} ${d.timePoint} (${d.status})`)
        .join(", ")}.`
    )
    yield* timeline.advanceTo(local("2026-04-09", "16:00"))
    yield* poll

    // ---- 13. weekly meetings ----
    let meetings = 0
    for (let week = 1; week <= 11; week++) {
      const meetingAt = addWeeks(local("2026-04-16", "13:00"), week - 1)
      yield* timeline.advanceTo(Instant.plusMillis(meetingAt, 2 * 3_600_000))
      if (week === 1) yield* step("meetings", "Weekly meetings")
      yield* service.execute({
        _tag: "RecordMeeting",
        referralId,
        idempotencyKey: key(),
        actor: eeroActor,
        at: now(),
        meetingAt,
        place: "community-activity",
        durationMinutes: 90
      })
      meetings++
      if (week === 6) {
        yield* say("Half-way, the poll asks only for Tasks changed since the previous poll:")
        yield* poll
      }
    }
    yield* say(`${meetings} meetings recorded, the last on ${showDate(addWeeks(local("2026-04-16", "13:00"), 10))}.`)

    // ---- 14. closing ----
    yield* timeline.advanceTo(local("2026-06-26", "10:00"))
    yield* step("closed", "The measures at the end, and closing")
    for (const command of [
      { _tag: "RecordMeasure", instrument: "esis", timePoint: "end", respondent: "self", answers: elleAnswers.esisEnd },
      {
        _tag: "RecordMeasure",
        instrument: "swemwbs",
        timePoint: "end",
        respondent: "self",
        answers: elleAnswers.swemwbsEnd
      },
      {
        _tag: "RecordConsent",
        consent: { purpose: "feedback-to-referrer", decision: "granted", method: "verbal" }
      },
      {
        _tag: "CloseReferral",
        outcome: "continues-in-community-activity",
        feedback: "Elle kävi ryhmässä joka viikko ja jatkaa siellä itsenäisesti."
      }
    ] as const) {
      yield* service.execute({ ...command, referralId, idempotencyKey: key(), actor: eeroActor, at: now() })
    }
    scoreOf("esis", "end", "self", elleAnswers.esisEnd)
    scoreOf("swemwbs", "end", "self", elleAnswers.swemwbsEnd)
    const afterClosing = Measures.administrations((yield* store.load(referralId)).events)
    const find = (instrument: string, timePoint: string, respondent: string) =>
      afterClosing.find((a) => a.instrument === instrument && a.timePoint === timePoint && a.respondent === respondent)
    const swemwbs = Instruments.swemwbs
    const esis = Instruments.defaults.get("esis") ?? Instruments.esis("mean")
    const pair = (
      i: typeof swemwbs,
      a: Measures.Administration | undefined,
      b: Measures.Administration | undefined
    ): Result.Result<Measures.Change, Measures.NoChangeReason> =>
      a === undefined || b === undefined ? Result.fail("not-scored") : Measures.change(i, a, b)
    const swemwbsEnd = pair(swemwbs, find("swemwbs", "baseline", "self"), find("swemwbs", "end", "self"))
    const esisChange = pair(esis, find("esis", "baseline", "self"), find("esis", "end", "self"))
    const proxyAgainstSelf = pair(swemwbs, find("swemwbs", "baseline", "proxy"), find("swemwbs", "end", "self"))
    const showChange = (c: Result.Result<Measures.Change, Measures.NoChangeReason>) =>
      Result.isSuccess(c)
        ? c.success.scores
            .map(
              (s) =>
                `${s.before.toFixed(2)} → ${s.after.toFixed(2)} (${s.change > 0 ? "+" : ""}${s.change.toFixed(2)}): ${s.classification}`
            )
            .join("; ")
        : `not computed: ${c.failure}`
    yield* say(`SWEMWBS, Elle's own answers, start → end: ${showChange(swemwbsEnd)}.`)
    yield* say(`ESIS for Elle alone: ${showChange(esisChange)} (it counts only in the group figures).`)
    yield* say(`The nurse's proxy SWEMWBS against Elle's end answers: ${showChange(proxyAgainstSelf)}.`)
    yield* say("Elle agrees that the nurse may read the closing feedback; Eero closes the referral with it.")
    yield* timeline.advanceTo(local("2026-06-26", "15:00"))
    yield* poll

    // ---- 15. the referrer reads the outcome ----
    yield* step("referrer-reads", "The nurse reads the outcome over FHIR")
    const status = yield* transport.status(nurse, referralId)
    const read = wire.exchanges.at(-1)
    yield* say(
      `${read?.method} ${read?.path} → ${read?.status}: Task ${status.task.status}, outcome ${status.outcome}.`
    )
    yield* say(
      `Closing feedback (${status.feedback}, rule C3: asked for, consented, written): "${status.feedbackText ?? ""}"`
    )
    yield* say("The read is a disclosure in the audit log (to whom, on which legal basis).")

    // ---- 16. the follow-up ----
    yield* timeline.advanceTo(local("2026-09-28", "10:00"))
    yield* step("follow-up", "The follow-up, three months after closing")
    const followedUp = yield* service.execute({
      _tag: "RecordMeasure",
      referralId,
      idempotencyKey: key(),
      actor: eeroActor,
      at: now(),
      instrument: "swemwbs",
      timePoint: "follow-up",
      respondent: "self",
      answers: elleAnswers.swemwbsFollowUp
    })
    scoreOf("swemwbs", "follow-up", "self", elleAnswers.swemwbsFollowUp)
    const swemwbsFollowUp = Measures.pairedChange(
      swemwbs,
      Measures.administrations((yield* store.load(referralId)).events),
      "self",
      { from: "baseline", to: "follow-up" }
    )
    yield* say(
      `SWEMWBS three months on: ${elleAnswers.swemwbsFollowUp.join(" ")}; start → follow-up ${swemwbsFollowUp === undefined ? "?" : showChange(Result.succeed(swemwbsFollowUp))}.`
    )
    yield* say(`The referral is ${followedUp.state.status}.`)
    yield* timeline.advanceTo(local("2026-09-28", "16:00"))
    yield* poll

    // ---- 17. the rest of the year ----
    yield* timeline.advanceTo(end)
    yield* step("cohort", "The other referrals, to the end of November")
    const states = yield* SqlProjections.statesBy({ programmeIds: [programme.id] })
    const statuses: Record<string, number> = {}
    for (const s of states) statuses[s.status] = (statuses[s.status] ?? 0) + 1
    yield* say(
      `From the referral projection in PostgreSQL: ${states.length} referrals, ${Object.entries(statuses)
        .map(([s, k]) => `${s} ${k}`)
        .join(", ")}.`
    )
    yield* say(`The FHIR server answered ${wire.exchanges.length} requests of the health centre's system.`)
    if (refused.length > 0) yield* say(`(!) refused: ${refused.join("; ")}`)

    // ---- 18. the evaluation report ----
    yield* step("report", "The evaluation report")
    const histories = yield* Effect.forEach(yield* store.referralIds(), (id) =>
      Effect.map(store.load(id), (s) => s.events)
    )
    const report = Evaluation.report({
      programmeId: programme.id,
      period,
      asOf: now(),
      histories,
      catalog: Setup.catalog
    })
    mkdirSync(options.out, { recursive: true })
    writeFileSync(files.json, Evaluation.toJson(report))
    writeFileSync(files.html, EvaluationHtml.render(report))
    for (const language of ["sv", "en"] as const) {
      writeFileSync(files.translations[language], EvaluationHtml.render(report, { language }))
    }
    yield* say(`Referrals made in March–May 2026, as of ${showDate(now())}: ${cell(report.referrals.total)}.`)
    yield* say(
      `By status: ${report.referrals.byStatus
        .filter((s) => s.count._tag === "Value")
        .map((s) => `${s.status} ${cell(s.count)}`)
        .join(", ")}; every other status suppressed (fewer than 5 clients).`
    )
    yield* say(
      `First contact within three working days (D2): ${percent(report.firstContact.shareWithinDeadline)} of ${cell(report.firstContact.reached)} reached.`
    )
    yield* say(
      `Collaboration length, median: ${cell(report.collaboration.days.median, (x) => `${Math.round(x)} days`)}.`
    )
    const changeOf = (instrument: string, respondent: string, to: string) =>
      report.measures.change.find(
        (c) => c.instrument === instrument && c.respondent === respondent && c.from === "baseline" && c.to === to
      )
    for (const [instrument, to, format] of [
      ["esis", "end", decimals(2)],
      ["swemwbs", "end", decimals(2)],
      ["swemwbs", "follow-up", decimals(2)]
    ] as const) {
      const c = changeOf(instrument, "self", to)
      if (c === undefined) continue
      yield* say(
        `${c.instrumentName}, start → ${to}: ${cell(c.pairs)} clients, mean change ${cell(c.meanChange, format)} (95 % CI ${cell(c.ci95Low, format)} to ${cell(c.ci95High, format)}), improved meaningfully: ${percent(c.shareImproved)}.`
      )
    }
    const completeness = (instrument: string, timePoint: string, respondent: string) =>
      report.measures.completeness.find(
        (c) => c.instrument === instrument && c.timePoint === timePoint && c.respondent === respondent
      )
    const proxyForms = completeness("swemwbs", "baseline", "proxy")
    const esisEndForms = completeness("esis", "end", "self")
    yield* say(`Proxy SWEMWBS forms at the start: ${cell(proxyForms?.recorded ?? null)}.`)
    yield* say(
      `ESIS forms at the end: ${cell(esisEndForms?.recorded ?? null)} recorded; scored ${cell(esisEndForms?.scored ?? null)}, not scored ${cell(esisEndForms?.notScored ?? null)}.`
    )
    yield* say(
      `Follow-ups recorded: ${percent(report.followUp.shareRecorded)} of ${cell(report.followUp.settled)} settled.`
    )
    yield* say(
      `Written: ${files.html} in Finnish (open it in a browser), ${files.translations.sv} in Swedish, ${files.translations.en} in English, and ${files.json}.`
    )

    // ---- 19. what the referrer's system saw ----
    yield* step("closed-loop", "What the health centre's system saw")
    const taskStatuses: Array<string> = []
    for (const p of polls) {
      if (p.task !== undefined && taskStatuses.at(-1) !== p.task.status) taskStatuses.push(p.task.status)
    }
    yield* say(
      `${polls.length} polls; the Task went ${taskStatuses.join(" → ")} (${polls.filter((p) => p.task === undefined).length} poll(s) found nothing new).`
    )

    return {
      steps,
      referralId,
      delivery,
      migrations,
      polls,
      taskStatuses,
      refusal,
      versionsAroundRefusal: [versionBefore, versionAfter],
      trainingDue: { atStart, beforeRefresher, afterRefresher },
      nextRefresherDue,
      scored,
      clientView: screen,
      change: {
        swemwbsEnd: Result.isSuccess(swemwbsEnd) ? swemwbsEnd.success : undefined,
        swemwbsFollowUp,
        esis: esisChange,
        proxyAgainstSelf
      },
      feedbackRead: status.feedbackText,
      report,
      files,
      refused,
      statuses
    } satisfies Outcome
  })

  return Effect.gen(function* () {
    const real = yield* Clock.Clock
    const simulated = SimulatedTime.settable(start, real)
    // everything below, the layers included, reads the simulated clock
    return yield* program.pipe(
      Effect.provide(Layer.mergeAll(Setup.layer(options.database), Layer.succeed(SimulatedClockService, simulated))),
      Effect.provideService(Clock.Clock, simulated.clock)
    )
  })
}
