/**
 * The walk: one client's wellbeing referral through the whole Kemijärvi
 * model, from the referral's arrival to the follow-up three months after
 * closing, while thirty other referrals of the spring run alongside and the
 * worker runs twice a day. Then the evaluation report.
 *
 * Every step is a call of the library's API: the referral arrives through
 * the eKollega-style transport (`ReferralTransport`), staff act through
 * `ReferralService`, read through `ReferralQueries` (need-to-know, with the
 * usage and disclosure logs), the worker (`Worker.runOnce` of
 * `@lahete/server`: `Scheduler.step` and the outbox dispatcher of
 * `@lahete/store-sql`) fires deadlines and sends the messages, and
 * `Evaluation` writes the report. Time is a simulated clock (`clock.ts`).
 */
import { mkdirSync, writeFileSync } from "node:fs"
import {
  Actor,
  Directory,
  DirectoryPresets,
  Evaluation,
  EvaluationHtml,
  FinnishCalendar,
  type Ids,
  type Instant,
  Instruments,
  LinkWorkerRegistry,
  LinkWorkerSurvey,
  LinkWorkerSurveyAnswers,
  LocalTime,
  Measures,
  ReferralEvent,
  ReferralQueries,
  ReferralService,
  ReferralStore,
  ReferralTransport
} from "@lahete/core"
import { Sinks, Worker } from "@lahete/server"
import { SimulatedTime } from "@lahete/testing"
import { Clock, Console, Context, Effect, Layer } from "effect"
import { local, show, zone } from "./clock.ts"
import * as Cohort from "./cohort.ts"
import * as Form from "./form.ts"
import { aino, ainoReason, coordinator, linkWorkerActor, nurse, programme } from "./people.ts"
import * as Setup from "./setup.ts"

export interface Options {
  /** The data folder (the database, the message files, the report). */
  readonly dir: string
  /** Where the narration goes (default: the console). */
  readonly print?: (line: string) => Effect.Effect<void>
  /** How many other clients (default 30). */
  readonly cohort?: number
}

/** What the walk did, for its test and for whoever wants to look further. */
export interface Outcome {
  readonly steps: ReadonlyArray<string>
  readonly referralId: Ids.ReferralId
  readonly paths: Setup.Paths
  /** The coordinator's email about the followed referral carried none of the client's personal data. */
  readonly notificationWithoutPersonalData: boolean
  readonly report: Evaluation.Report
  /**
   * The measure-link text messages the worker sent (first messages and
   * reminders), and the forms answered through their links.
   */
  readonly measureLinks: { readonly sent: number; readonly answered: number }
  /** Actions of the cohort that the library refused (none expected). */
  readonly refused: ReadonlyArray<string>
  readonly referrals: number
}

/** The simulation's first and last moments. */
export const start = local("2026-03-02", "09:00")
export const end = local("2026-12-31", "18:00")

/** The report's period: the referrals made in March–May 2026. */
const period = { from: local("2026-03-01", "00:00"), to: local("2026-06-01", "00:00") }

const swemwbs = (answers: ReadonlyArray<number>) => {
  const scored = Measures.score(Instruments.swemwbs, answers)
  return scored._tag === "Scored" ? (scored.scores[0]?.value ?? Number.NaN) : Number.NaN
}

const cell = (c: Evaluation.Cell, format: (x: number) => string = String) =>
  c._tag === "Value" ? format(c.value) : "suppressed (fewer than 5 clients)"
const percent = (c: Evaluation.Cell | null) => (c === null ? "n/a" : cell(c, (x) => `${Math.round(x * 100)} %`))

/** What can stop the walk: the services not starting, or the library refusing a step of the story. */
export type WalkError =
  | Setup.StartError
  | ReferralService.ReferralServiceError
  | ReferralTransport.TransportError
  | ReferralQueries.QueryError
  | LinkWorkerSurveyAnswers.SurveyNotOpen
  | LinkWorkerSurveyAnswers.AlreadyAnswered
  | LinkWorkerSurveyAnswers.SurveyAnswersFailure
  | LinkWorkerSurvey.InvalidSurveyAnswer

export const run = (options: Options): Effect.Effect<Outcome, WalkError> => {
  const paths = Setup.paths(options.dir)
  const print = options.print ?? ((line: string) => Console.log(line))
  // the sinks print only the followed client's messages (the others are in the files)
  const followed = { referralId: "" }
  const layer = Setup.layer(paths, {
    print,
    shown: (id) => followed.referralId !== "" && id.startsWith(`${followed.referralId}:`)
  })

  const program = Effect.gen(function* () {
    const clock = yield* SimulatedClockService
    const timeline = SimulatedTime.timeline<Setup.Services>(clock)
    const service = yield* ReferralService.ReferralService
    const transport = yield* ReferralTransport.ReferralTransport
    const store = yield* ReferralStore.ReferralStore
    const steps: Array<string> = []
    const refused: Array<string> = []
    const form = yield* Form.make
    let n = 0
    let keys = 0
    const key = () => `walk-${++keys}` as Ids.IdempotencyKey
    const now = () => clock.now()
    const say = (line: string) => print(`   ${line}`)
    const step = (id: string, title: string) => {
      steps.push(id)
      return print(`\n${++n}. ${title}, ${show(now())}`)
    }

    yield* print(
      [
        `lahete demo: Kemijärvi's wellbeing referral (hyvinvointilähete), ${programme.municipality} preset`,
        `Data: ${paths.dir} (SQLite database, text messages and emails as JSON lines, the report).`,
        `The clock is simulated: it runs from ${show(start)} to ${show(end)} in seconds.`,
        "Names, numbers and answers are made up."
      ].join("\n")
    )

    // ---- in the background: the worker at 14.15 on working days, and the other clients' referrals ----
    // (a real deployment runs it every 30 seconds; once a day is enough to see what it does)
    const followedMarks: Array<string> = []
    // the measure-link messages seen so far, and what the cohort's clients do with them
    const linkMessages = new Set<string>()
    const linkMessagesOf = new Map<string, number>()
    const memberOf = new Map<string, Cohort.Member>()
    const links = { sent: 0, answered: 0 }
    /** A cohort client who answers by link opens the message's link in the evening and sends the form. */
    const answerLinks = Effect.gen(function* () {
      for (const message of yield* Sinks.readSms(paths.sms)) {
        if (!message.id.endsWith(":measure-link-sms") || linkMessages.has(message.id)) continue
        linkMessages.add(message.id)
        links.sent++
        const id = message.id.slice(0, message.id.indexOf(":"))
        const nth = linkMessagesOf.get(id) ?? 0
        linkMessagesOf.set(id, nth + 1)
        const m = memberOf.get(id)
        const url = Form.linkIn(message.text)
        if (m === undefined || m.followUpBy !== "link" || m.answersMessage !== nth || url === undefined) continue
        timeline.add(
          LocalTime.instantAt(LocalTime.localDateOf(now(), zone), "19:30", zone),
          Effect.gen(function* () {
            const opened = yield* form.open(url)
            const sent = opened.status === 200 ? yield* form.answer(url, "ons4", m.answers.followUp) : opened
            if (sent.status === 200) links.answered++
            else refused.push(`client ${m.index}, follow-up by link: the form answered ${sent.status}`)
          })
        )
      }
    })
    for (
      let day = LocalTime.localDateOf(start, zone);
      day <= LocalTime.localDateOf(end, zone);
      day = FinnishCalendar.addDays(day, 1)
    ) {
      if (!FinnishCalendar.isBusinessDay(day)) continue
      timeline.add(
        LocalTime.instantAt(day, "14:15", zone),
        Effect.gen(function* () {
          const round = yield* Worker.runOnce(Setup.workerOptions)
          yield* answerLinks
          if (!round.step.fired.some((f) => f.referralId === followed.referralId)) return
          // the scheduler fired a deadline of the followed referral: say which
          const state = yield* service.state(followed.referralId as Ids.ReferralId)
          for (const mark of state.deadlineMarks.filter((m) => !followedMarks.includes(m))) {
            followedMarks.push(mark)
            yield* print(`\n   ${show(now())}: the worker's scheduler recorded ${describeMark(mark)}.`)
          }
        }).pipe(Effect.catch((e) => Effect.sync(() => refused.push(`worker round: ${e._tag}`))))
      )
    }
    const members = Cohort.members(options.cohort ?? 40, LocalTime.localDateOf(start, zone))
    const ids = new Map<string, Ids.ReferralId>()
    for (const m of members) {
      const id = (yield* ReferralTransport.identify(m.referrer.organisation, m.messageId)).referralId
      ids.set(m.messageId, id)
      memberOf.set(id, m)
    }
    for (const m of members) {
      for (const action of Cohort.plan(m, (messageId) => ids.get(messageId) as Ids.ReferralId)) {
        timeline.add(
          action.at,
          action.run.pipe(
            Effect.catch((e) => Effect.sync(() => refused.push(`client ${m.index}, ${action.what}: ${e._tag}`)))
          )
        )
      }
    }

    // ---- 1. the referral arrives through the eKollega-style inbox ----
    yield* timeline.advanceTo(local("2026-03-02", "09:30"))
    yield* step("arrives", "A referral arrives")
    yield* say(
      `Nurse Hanna at the Kemijärvi wellbeing centre refers ${aino.givenName} ${aino.familyName} (born ${aino.birthYear}), who is lonely.`
    )
    yield* say(
      "Aino agrees to the referral and to a text message about the call; the nurse asks to read the closing feedback."
    )
    const receipt = yield* transport.deliver(nurse, {
      messageId: "ekollega-2026-0001",
      programmeId: programme.id,
      client: aino,
      reasonCategories: ["loneliness"],
      reasonText: ainoReason,
      exclusionsPresent: [],
      feedbackRequested: true,
      consents: [
        { purpose: "referral", decision: "granted", method: "in-appointment" },
        { purpose: "contact-by-sms", decision: "granted", method: "in-appointment" }
      ]
    })
    const referralId = receipt.referralId
    followed.referralId = referralId
    yield* say(`Her system sends it to the municipality's inbox as a signed HTTP request. The receipt:`)
    yield* say(`  referral ${referralId}, received ${show(receipt.receivedAt)}`)
    const stored = yield* store.load(referralId)
    const eventsJson = JSON.stringify(stored.events.map((e) => ReferralEvent.codec.encode(e)))
    const inEvents = [aino.givenName, aino.familyName, "4567", "yksin"].filter((v) => eventsJson.includes(v))
    yield* say(
      `Stored: ${stored.events.length} events with ids and codes only${inEvents.length === 0 ? " (no name, number or reason in them)" : ` (!) they contain ${inEvents.join(", ")}`}; the personal data went to the vault.`
    )

    // ---- 2. the worker sends the coordinator's notification from the outbox ----
    yield* timeline.advanceTo(local("2026-03-02", "09:35"))
    yield* step("coordinator-notified", "The coordinator is notified")
    yield* say("The worker's next round sends the email the referral put in the outbox:")
    yield* Worker.runOnce(Setup.workerOptions)
    const notification = (yield* Sinks.readMail(paths.email)).find((m) => m.id.startsWith(`${referralId}:`))
    const mailText = `${notification?.subject ?? ""}\n${notification?.text ?? ""}`
    const personal = [aino.givenName, aino.familyName, "123 4567", "1234567", ainoReason.slice(0, 20), "loneliness"]
    const notificationWithoutPersonalData = notification !== undefined && personal.every((v) => !mailText.includes(v))
    yield* say(
      notificationWithoutPersonalData
        ? "It says only that a referral has arrived and where to open it: no name, number or reason."
        : "(!) the notification is missing or carries personal data"
    )

    // ---- 3. the coordinator's inbox ----
    yield* timeline.advanceTo(local("2026-03-02", "10:15"))
    yield* step("inbox", "The coordinator opens the inbox")
    const inbox = yield* ReferralQueries.coordinatorInbox(coordinator, { programmeIds: [programme.id] })
    for (const entry of inbox.entries.filter((e) => e.needsAction.length > 0)) {
      yield* say(
        `${entry.referralId}: ${entry.reasonCategories.join(", ")}, submitted ${show(entry.submittedAt)}; needs: ${entry.needsAction.join(", ")}` +
          (entry.client === undefined
            ? ""
            : `; client ${entry.client.givenName} ${entry.client.familyName} (${entry.client.language})`)
      )
    }
    yield* say("Seeing the client's name is written to the usage log (who, role, what, why).")

    // ---- 4. assignment from the link-worker registry ----
    yield* timeline.advanceTo(local("2026-03-02", "10:20"))
    yield* step("assigned", "A link worker is assigned")
    const registry = yield* LinkWorkerRegistry.LinkWorkerRegistry
    for (const w of yield* registry.list()) {
      const load = inbox.load.find((l) => l.linkWorkerId === w.id)?.activeClients ?? 0
      yield* say(
        `${w.id}: ${w.employerType}, speaks ${w.languages.join("/")}, ${load} of ${w.capacity ?? programme.linkWorkers.defaultCapacity} clients, basic training ${w.basicTrainingCompletedAt?.slice(0, 10) ?? "missing"}`
      )
    }
    const maija = linkWorkerActor("linkworker-maija")
    const assigned = yield* service.assign({
      referralId,
      linkWorkerId: maija.id,
      actor: coordinator,
      at: now(),
      idempotencyKey: key()
    })
    yield* say(`The coordinator picks Maija (adult education centre). Status: ${assigned.state.status}.`)

    // ---- 5. the link worker sets the call time ----
    yield* timeline.advanceTo(local("2026-03-02", "13:00"))
    yield* step("call-scheduled", "The link worker sets the call time")
    const caseload = yield* ReferralQueries.linkWorkerCaseload(maija)
    const mine = caseload.entries.find((e) => e.referralId === referralId)
    yield* say(
      `Maija's caseload shows ${mine?.client?.givenName} ${mine?.client?.familyName}, ${mine?.client?.mobileNumber}, text message allowed: ${mine?.textMessageAllowed ? "yes" : "no"}.`
    )
    const callAt = local("2026-03-03", "10:00")
    const scheduled = yield* service.execute({
      _tag: "ScheduleCall",
      referralId,
      idempotencyKey: key(),
      actor: maija,
      at: now(),
      callAt,
      notifyBySms: true
    })
    const requested = scheduled.events.find((e) => e._tag === "CallTimeMessageRequested")
    yield* say(`She will call on ${show(callAt)}.`)
    if (requested?._tag === "CallTimeMessageRequested") {
      yield* say(
        `The text message waits in the outbox: to be sent from ${show(requested.sendAfter)}, at the latest ${show(requested.sendBefore)} (two hours before the call, never 21–08).`
      )
    }

    // ---- 6. the text message ----
    yield* timeline.advanceTo(local("2026-03-02", "13:05"))
    yield* step("text-message", "The client gets the text message")
    yield* Worker.runOnce(Setup.workerOptions)

    // ---- 7. the referrer's system polls the status (closed loop) ----
    yield* timeline.advanceTo(local("2026-03-02", "15:00"))
    yield* step("referrer-polls", "The referrer's system asks what has changed")
    const changed = yield* transport.changes(nurse, { since: receipt.receivedAt })
    const first = changed.find((s) => s.referralId === referralId)
    yield* say(
      `Through the inbox: ${first?.status} (FHIR Task ${first?.task.status}${first?.task.businessStatus === undefined ? "" : ` / ${first.task.businessStatus}`}), last changed ${first === undefined ? "?" : show(first.lastUpdated)}.`
    )

    // ---- 8. the first call ----
    yield* timeline.advanceTo(local("2026-03-03", "10:20"))
    yield* step("first-call", "The first call")
    yield* service.execute({
      _tag: "RecordFirstContact",
      referralId,
      idempotencyKey: key(),
      actor: maija,
      at: now(),
      outcome: "agreed"
    })
    yield* service.execute({
      _tag: "AgreeContactArrangement",
      referralId,
      idempotencyKey: key(),
      actor: maija,
      at: now(),
      way: "in-person",
      frequency: "weekly",
      place: "agreed-place"
    })
    const baseline = [2, 2, 3, 2, 2, 3, 2]
    yield* service.execute({
      _tag: "RecordMeasure",
      referralId,
      idempotencyKey: key(),
      actor: maija,
      at: now(),
      instrument: "swemwbs",
      timePoint: "baseline",
      respondent: "self",
      answers: baseline
    })
    yield* say(
      "Maija reaches Aino at 10.00; Aino agrees to start. They will meet weekly, in person, at the library café."
    )
    yield* say(
      `Baseline SWEMWBS (the positive mental health measure): answers ${baseline.join(" ")}, score ${swemwbs(baseline).toFixed(2)} of 35.`
    )

    // ---- 8b. the plan: what matters to Aino, and an activity from the directory ----
    yield* timeline.advanceTo(local("2026-03-03", "11:00"))
    yield* step("plan", "Aino and Maija make a plan")
    const walkingGroup = Directory.ref(
      DirectoryPresets.kemijarvi,
      DirectoryPresets.kemijarviIds.walkingGroup
    ) as Directory.ActivityRef
    const walkingName = DirectoryPresets.kemijarvi.activity(walkingGroup.id)?.name ?? walkingGroup.id
    yield* service.execute({
      _tag: "RecordPlan",
      referralId,
      idempotencyKey: key(),
      actor: maija,
      at: now(),
      whatMatters: "Haluan päästä taas ulos ihmisten pariin ja liikkumaan, niin kuin ennen.",
      goals: ["meet-people", "physical-activity"]
    })
    yield* service.execute({
      _tag: "RecordActivity",
      referralId,
      idempotencyKey: key(),
      actor: maija,
      at: now(),
      activity: walkingGroup,
      step: "suggested"
    })
    yield* say(
      `What matters to Aino, in her words, goes to the vault; the goals (meet people, physical activity) to the history. Maija finds "${walkingName}" in the directory: free, Tuesdays 10–11, a link worker may come along.`
    )

    // ---- 9. meetings ----
    const meetings: Array<Instant.Instant> = []
    for (let week = 1; week <= 12; week++) {
      const meetingAt = LocalTime.addLocalDays(local("2026-03-03", "10:00"), 7 * week, zone)
      yield* timeline.advanceTo(LocalTime.addLocalDays(local("2026-03-03", "12:00"), 7 * week, zone))
      yield* service.execute({
        _tag: "RecordMeeting",
        referralId,
        idempotencyKey: key(),
        actor: maija,
        at: now(),
        meetingAt,
        place: week <= 2 ? "agreed-place" : "community-activity",
        durationMinutes: 60
      })
      meetings.push(meetingAt)
      // the second week Aino tries the walking group with Maija alongside; the third she joins it
      if (week === 2 || week === 3) {
        yield* service.execute({
          _tag: "RecordActivity",
          referralId,
          idempotencyKey: key(),
          actor: maija,
          at: now(),
          activity: walkingGroup,
          ...(week === 2 ? { step: "tried" as const, accompanied: true } : { step: "joined" as const })
        })
      }
    }
    yield* step("meetings", "Twelve weekly meetings are recorded")
    yield* say(
      `Every Tuesday from ${show(meetings[0] as Instant.Instant).split(" at ")[0]} to ${show(meetings.at(-1) as Instant.Instant).split(" at ")[0]}: first at the café, then Aino joins a walking group.`
    )
    yield* say(
      `In the second week Aino tries "${walkingName}" with Maija alongside; in the third she joins it (her plan: suggested, tried with the link worker, joined).`
    )
    // the plan as Maija's caseload shows it (from the page of states it reads: no history loaded for it)
    const withPlan = (yield* ReferralQueries.linkWorkerCaseload(maija)).entries.find((e) => e.referralId === referralId)
    if (withPlan !== undefined) {
      const activities = withPlan.plan.activities.map(
        (a) =>
          `${DirectoryPresets.kemijarvi.activity(a.activity.id)?.name ?? a.activity.id}: ${a.step}${a.accompanied ? " (tried with Maija)" : ""}`
      )
      yield* say(
        `Maija's caseload shows Aino's plan: goals ${withPlan.plan.goals.join(", ")}; ${activities.join("; ")}; what matters to Aino, in her words, ${withPlan.plan.whatMatters === undefined ? "not shown" : "shown to Maija only"}.`
      )
    }

    // ---- 10. closing: end measure, the client's feedback decision, the outcome ----
    yield* timeline.advanceTo(local("2026-06-02", "11:00"))
    yield* step("closed", "The collaboration closes")
    const endAnswers = [4, 3, 4, 4, 3, 4, 4]
    yield* service.execute({
      _tag: "RecordMeasure",
      referralId,
      idempotencyKey: key(),
      actor: maija,
      at: now(),
      instrument: "swemwbs",
      timePoint: "end",
      respondent: "self",
      answers: endAnswers
    })
    const change = swemwbs(endAnswers) - swemwbs(baseline)
    yield* say(
      `End SWEMWBS: ${swemwbs(endAnswers).toFixed(2)}; change ${change >= 0 ? "+" : ""}${change.toFixed(2)} (${Measures.classify(change, Instruments.swemwbs.thresholds).replaceAll("-", " ")}).`
    )
    yield* service.execute({
      _tag: "RecordConsent",
      referralId,
      idempotencyKey: key(),
      actor: maija,
      at: now(),
      consent: { purpose: "feedback-to-referrer", decision: "granted", method: "in-appointment" }
    })
    yield* say("Aino lets the nurse read the closing feedback (consent: feedback-to-referrer).")
    const feedback =
      "Aino löysi kävelyryhmän, joka kokoontuu tiistaisin. Hän jatkaa ryhmässä ja on tutustunut uusiin ihmisiin."
    const closed = yield* service.execute({
      _tag: "CloseReferral",
      referralId,
      idempotencyKey: key(),
      actor: maija,
      at: now(),
      outcome: "continues-in-community-activity",
      feedback
    })
    yield* say(`Outcome: continues in community activity. Status: ${closed.state.status}.`)

    // ---- 11. the referrer reads the outcome (C3) ----
    yield* timeline.advanceTo(local("2026-06-02", "14:00"))
    yield* step("referrer-reads-feedback", "The referrer's system reads the outcome")
    const closedStatus = yield* transport.status(nurse, referralId)
    yield* say(`${closedStatus.status} (FHIR Task ${closedStatus.task.status}), feedback: ${closedStatus.feedback}.`)
    if (closedStatus.feedbackText !== undefined) yield* say(`"${closedStatus.feedbackText}"`)
    if (closedStatus.plan !== undefined) {
      yield* say(
        `Under the same consent the nurse sees Aino's plan (not her own words): goals ${closedStatus.plan.goals.join(", ")}; ${closedStatus.plan.activities.map((a) => `${DirectoryPresets.kemijarvi.activity(a.activityId)?.name ?? a.activityId}: ${a.step}`).join("; ")}.`
      )
    }
    yield* say("Reading it is logged as a disclosure to the nurse, on Aino's consent.")

    // ---- 12. months pass; the scheduler's deadlines fire ----
    // ---- the link workers' survey ----
    yield* timeline.advanceTo(local("2026-06-02", "16:00"))
    yield* step("link-worker-survey", "The link workers answer the spring survey")
    const invitations = (yield* Sinks.readMail(paths.email)).filter((m) => m.id.startsWith("link-worker-survey"))
    yield* say(
      `The worker invited ${invitations.length} link workers by email in its first run of the survey round: "${invitations[0]?.subject ?? "(none)"}", with the form's link and the round's last day, nothing else.`
    )
    const surveyAnswers: ReadonlyArray<readonly [string, number, number, ReadonlyArray<string>]> = [
      ["linkworker-maija", 5, 4, ["loneliness", "mental-health"]],
      ["linkworker-pekka", 4, 3, ["loneliness", "substance-use"]],
      ["linkworker-sari", 5, 3, ["mental-health", "service-system"]],
      ["linkworker-anneli", 4, 4, ["loneliness", "grief"]],
      ["linkworker-jorma", 5, 2, ["mental-health", "substance-use"]],
      ["linkworker-kirsi", 4, 3, ["loneliness", "mental-health"]],
      ["linkworker-marko", 3, 4, ["grief"]],
      ["linkworker-raili", 4, 4, ["service-system"]],
      ["linkworker-tuula", 5, 3, ["loneliness", "mental-health", "grief"]],
      ["linkworker-veikko", 4, 2, ["grief"]]
    ]
    for (const [id, work, training, needs] of surveyAnswers) {
      yield* LinkWorkerSurveyAnswers.answer({
        actor: linkWorkerActor(id),
        programme,
        answer: {
          surveyId: LinkWorkerSurvey.example.id,
          round: "2026-01",
          answers: { "work-meaningful": work, "training-sufficient": training, "training-needs": needs }
        },
        now: now()
      })
    }
    yield* say(
      `${surveyAnswers.length} link workers answered. The answers are stored without their names; the coordinator sees nothing until the round closes at the end of June.`
    )

    yield* step("months-pass", "Months pass; the worker runs every working day")
    const window = { opens: local("2026-08-19", "00:00"), due: local("2026-09-02", "00:00") }
    yield* say(
      `The follow-up is due three months after closing (${show(window.due).split(" at ")[0]}), within ±14 days; a reminder a week before the window opens. When it opens, the worker sends the client a text message with a link to the form.`
    )
    yield* timeline.advanceTo(local("2026-08-19", "15:00"))

    // ---- 13. the follow-up, by the link of a text message ----
    yield* step("follow-up", "The follow-up, three months after closing, by a link")
    yield* say(
      "When the window opened, the worker's round sent Aino a text message with a link to the form (printed above): signed, single-use, valid ten days, with nothing personal in it."
    )
    const linkMessage = (yield* Sinks.readSms(paths.sms)).find(
      (m) => m.id.startsWith(`${referralId}:`) && m.id.endsWith(":measure-link-sms")
    )
    const link = linkMessage === undefined ? undefined : Form.linkIn(linkMessage.text)
    yield* say(`The link: ${link ?? "(!) no link message"}`)
    yield* service.execute({
      _tag: "RecordActivity",
      referralId,
      idempotencyKey: key(),
      actor: maija,
      at: now(),
      activity: walkingGroup,
      step: "continuing"
    })
    yield* say("Maija hears from Aino that she still walks with the group: recorded as continuing at follow-up.")
    yield* timeline.advanceTo(local("2026-08-19", "19:00"))
    const followUpAnswers = [8, 8, 7, 3]
    if (link !== undefined) {
      const opened = yield* form.open(link)
      const questions = (opened.html.match(/<fieldset>/g) ?? []).length
      yield* say(
        `${show(now())}: Aino opens the link on her phone: "${Form.title(opened.html)}" (HTTP ${opened.status}), ${questions} questions (ONS4, 0–10), in Finnish.`
      )
      const sent = yield* form.answer(link, "ons4", followUpAnswers)
      yield* say(
        `She answers ${followUpAnswers.join(" ")} and sends the form: "${Form.title(sent.html)}" (HTTP ${sent.status}). The answers are her own RecordMeasure (respondent self), as if Maija had entered them.`
      )
      const again = yield* form.open(link)
      yield* say(
        `Opened again, the link answers "${Form.title(again.html)}" (HTTP ${again.status}): it is used, and the page says nothing about her.`
      )
    }
    const followedUp = yield* service.state(referralId)
    yield* say(`Status: ${followedUp.status}.`)

    // ---- 14. the referrer polls again ----
    yield* timeline.advanceTo(local("2026-08-26", "15:00"))
    yield* step("referrer-polls-again", "The referrer's system asks what has changed since June")
    const later = yield* transport.changes(nurse, { since: local("2026-06-02", "14:00") })
    const last = later.find((s) => s.referralId === referralId)
    yield* say(
      `${later.length} of the nurse's referrals changed; Aino's: ${last?.status} (FHIR Task ${last?.task.status}), follow-up ${last?.followUp ?? "pending"}.`
    )

    // ---- 15. subject access: what was done with Aino's data ----
    const state = yield* service.state(referralId)
    const subjectId = state.subjectId as Ids.SubjectId
    yield* step("subject-access", "Aino asks what was done with her data")
    const access = yield* ReferralQueries.subjectAccess(
      Actor.make("Client", subjectId, "kemijarvi-residents"),
      subjectId
    )
    const readers = new Map<string, number>()
    for (const u of access.usage)
      readers.set(`${u.role} ${u.actorId} (${u.what})`, (readers.get(`${u.role} ${u.actorId} (${u.what})`) ?? 0) + 1)
    for (const [who, times] of readers) yield* say(`read by ${who}: ${times}×`)
    for (const d of access.disclosures) {
      yield* say(`disclosed to ${d.recipientId} (${d.recipientOrganisation}): ${d.what}, basis ${d.legalBasis}`)
    }

    // ---- 16. the rest of the year ----
    yield* timeline.advanceTo(end)
    yield* step("cohort", "The other referrals of the spring, to the end of the year")
    const statuses = new Map<string, number>()
    const allIds = yield* store.referralIds()
    const followUps = { recorded: 0, missed: 0, byLink: 0 }
    const marks = new Map<string, number>()
    for (const id of allIds) {
      const s = yield* service.state(id)
      statuses.set(s.status, (statuses.get(s.status) ?? 0) + 1)
      if (s.followUp !== undefined) followUps[s.followUp]++
      if (s.followUp === "recorded" && (s.measureLinksAnswered ?? []).includes("follow-up")) followUps.byLink++
      for (const m of s.deadlineMarks) marks.set(m, (marks.get(m) ?? 0) + 1)
    }
    yield* say(`${allIds.length} referrals: ${[...statuses].map(([s, k]) => `${s} ${k}`).join(", ")}.`)
    yield* say(
      `Follow-ups: ${followUps.recorded} recorded (${followUps.byLink} by the client through the link, ${followUps.recorded - followUps.byLink} by the link worker), ${followUps.missed} missed (the scheduler closed their window).`
    )
    yield* say(
      `Deadlines the worker's scheduler recorded: ${[...marks].map(([m, k]) => `${describeMarkShort(m)} ×${k}`).join(", ")}.`
    )
    const sms = yield* Sinks.readSms(paths.sms)
    const mail = yield* Sinks.readMail(paths.email)
    yield* say(`The worker sent ${sms.length} text messages and ${mail.length} emails: ${paths.sms}, ${paths.email}.`)
    yield* say(
      `${links.sent} of the text messages carried a follow-up link (first messages and reminders); ${links.answered + 1} forms were answered through them (Aino's too).`
    )
    if (refused.length > 0) yield* say(`(!) refused: ${refused.join("; ")}`)

    // ---- 17. the evaluation report ----
    yield* step("report", "The evaluation report")
    const histories = yield* Effect.forEach(allIds, (id) => Effect.map(store.load(id), (s) => s.events))
    // the link workers' survey rounds of the period, from the answers' store
    const report = yield* Evaluation.withLinkWorkerSurvey(
      Evaluation.report({
        programmeId: programme.id,
        period,
        asOf: now(),
        histories,
        catalog: Setup.catalog
      }),
      programme
    )
    mkdirSync(paths.dir, { recursive: true })
    writeFileSync(paths.json, Evaluation.toJson(report))
    writeFileSync(paths.html, EvaluationHtml.render(report))
    const change12 = report.measures.change.find(
      (c) => c.instrument === "swemwbs" && c.respondent === "self" && c.from === "baseline" && c.to === "end"
    )
    yield* say(`Referrals made in March–May 2026, as of ${show(now())}: ${cell(report.referrals.total)}`)
    yield* say(
      `First contact within three business days: ${percent(report.firstContact.shareWithinDeadline)} (median ${cell(report.firstContact.hours.median, (x) => `${Math.round(x)} hours`)})`
    )
    yield* say(
      `Collaboration length, median: ${cell(report.collaboration.days.median, (x) => `${Math.round(x)} days`)}`
    )
    if (change12 !== undefined) {
      yield* say(
        `SWEMWBS from start to end: ${cell(change12.pairs)} clients, mean change ${cell(change12.meanChange, (x) => x.toFixed(2))} (95 % CI ${cell(change12.ci95Low, (x) => x.toFixed(2))} to ${cell(change12.ci95High, (x) => x.toFixed(2))}), improved meaningfully: ${percent(change12.shareImproved)}`
      )
    }
    yield* say(
      `Follow-up recorded: ${percent(report.followUp.shareRecorded)} of ${cell(report.followUp.settled)} settled; collected by the client through the link ${cell(report.followUp.collected.byLink)}, by the link worker ${cell(report.followUp.collected.byLinkWorker)}, missed ${cell(report.followUp.missed)}`
    )
    for (const round of report.linkWorkerSurvey?.rounds ?? []) {
      const shown = (c: LinkWorkerSurveyAnswers.ClosedRound["respondents"]) =>
        c._tag === "Value" ? String(c.value) : `suppressed (${c.reason})`
      const needs = round.items.find((i) => i.kind === "choices")
      const training = round.items.find((i) => i.key === "training-sufficient")
      yield* say(
        `Link workers' survey, round ${round.round}: ${shown(round.respondents)} answered; training enough (1–5), mean ${training?.kind === "scale" ? shown(training.mean) : "n/a"}`
      )
      if (needs?.kind === "choices") {
        yield* say(
          `Training needs named: ${needs.options.map((o) => `${o.text.en ?? o.text.fi} ${shown(o.count)}`).join(", ")}`
        )
      }
    }
    yield* say(`Every cell under 5 clients is suppressed. Open ${paths.html} in a browser; the JSON is ${paths.json}.`)

    return {
      steps,
      referralId,
      paths,
      notificationWithoutPersonalData,
      report,
      measureLinks: { sent: links.sent, answered: links.answered + (link === undefined ? 0 : 1) },
      refused,
      referrals: allIds.length
    } satisfies Outcome
  })

  return Effect.gen(function* () {
    mkdirSync(paths.dir, { recursive: true })
    Setup.clean(paths)
    const real = yield* Clock.Clock
    const simulated = SimulatedTime.settable(start, real)
    // everything below, the layers included, reads the simulated clock
    return yield* program.pipe(
      Effect.scoped,
      Effect.provide(Layer.mergeAll(layer, Layer.succeed(SimulatedClockService, simulated))),
      Effect.provideService(Clock.Clock, simulated.clock)
    )
  })
}

/** The simulated clock as a service, so the walk can move it. */
export class SimulatedClockService extends Context.Service<SimulatedClockService, SimulatedTime.SettableClock>()(
  "example/SimulatedClock"
) {}

const describeMarkShort = (mark: string): string =>
  ({
    "assignment:at-risk": "D1 assignment due today",
    "assignment:missed": "D1 assignment overdue",
    "first-contact:at-risk": "D2 first contact at risk",
    "first-contact:missed": "D2 first contact missed",
    "collaboration:at-risk": "D4 five months",
    "collaboration:missed": "D4 six months exceeded",
    "follow-up:at-risk": "D5 follow-up reminder"
  })[mark] ?? mark

const describeMark = (mark: string): string => {
  switch (mark) {
    case "follow-up:at-risk":
      return "the follow-up reminder (D5): the follow-up window opens in a week"
    case "assignment:at-risk":
      return "that the assignment is due today (D1)"
    case "first-contact:at-risk":
      return "that the first contact is at risk (D2)"
    case "collaboration:at-risk":
      return "that the collaboration is nearing six months (D4)"
    default:
      return `the deadline marker ${mark}`
  }
}
