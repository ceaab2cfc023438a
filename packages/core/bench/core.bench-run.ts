/**
 * The core's benchmark (`pnpm bench` in this package, or the root
 * `pnpm bench`; run by `scripts/bench-kit/run.mjs`). It measures, in one
 * process, with nothing asserted about speed:
 *
 * 1. the decider: commands per second deciding and folding random valid
 *    command sequences (`CommandSequences` from @lahete/testing, no
 *    deliberately wrong steps), and the time of one `decide` + `evolve`;
 * 2. `Referral.fold` of a 200-event stream (submit … 190-odd meetings …
 *    close);
 * 3. `Evaluation.report` over 10,000 generated referral histories (the
 *    evaluation tests' cohort), its time and peak heap, and the heap the
 *    histories hold;
 * 4. `EvaluationHtml.render` of that report;
 * 5. `FinnishCalendar` business-day arithmetic: `addBusinessDays` and
 *    `businessDaysBetween` on random dates 2020–2035.
 */
import {
  Evaluation,
  EvaluationHtml,
  FinnishCalendar,
  Presets,
  Referral,
  type ReferralCommand,
  type ReferralEvent
} from "@lahete/core"
import { CommandSequences, Fixtures } from "@lahete/testing"
import { Result } from "effect"
import * as fc from "fast-check"
import { it } from "vitest"
import {
  heapAfterGc,
  latencies,
  peakHeap,
  pick,
  progress,
  rate,
  record,
  report,
  sample
} from "../../../scripts/bench-kit/measure.js"
import { cohort, plus, random, start } from "../test/support/cohort.js"

type Command = ReferralCommand.ReferralCommand
const decider = Fixtures.decider

const settings = pick({
  quick: { sequences: 100, seconds: 0.5, folds: 2_000, reports: 3, renders: 20 },
  full: { sequences: 400, seconds: 2, folds: 20_000, reports: 10, renders: 100 }
})

// ---------------------------------------------------------------------------
// the decider
// ---------------------------------------------------------------------------

/** One command decided against `state`, its events (if accepted) folded in: the state after it. */
const step = (state: Referral.ReferralState, command: Command): Referral.ReferralState => {
  const decision = decider.decide(command, state)
  return Result.isSuccess(decision) ? decision.success.reduce(decider.evolve, state) : state
}

/** Every command of every sequence, from the initial state; the number of commands. */
const decideAll = (sequences: ReadonlyArray<ReadonlyArray<Command>>): number => {
  let n = 0
  for (const commands of sequences) {
    let state = decider.initialState
    for (const command of commands) {
      state = step(state, command)
      n++
    }
  }
  return n
}

const deciderThroughput = () => {
  progress(`generating ${settings.sequences} random valid command sequences…`)
  const sequences = fc.sample(CommandSequences.sequence({ invalidShare: 0, minLength: 20, maxLength: 60 }), {
    seed: 20260302,
    numRuns: settings.sequences
  })
  let accepted = 0
  let commands = 0
  for (const s of sequences) {
    const { steps } = CommandSequences.run(decider, s)
    commands += steps.length
    accepted += steps.filter((step) => Result.isSuccess(step.result)).length
  }
  progress(`deciding ${commands} commands (${accepted} accepted)…`)
  const { perSecond, n } = rate({ warmupSeconds: settings.seconds / 2, seconds: settings.seconds }, () =>
    decideAll(sequences)
  )
  // one decide + evolve at a time, for the latency
  const each: Array<number> = []
  for (const s of sequences) {
    let state = decider.initialState
    for (const command of s) {
      const t = performance.now()
      state = step(state, command)
      each.push(performance.now() - t)
    }
  }
  record({
    name: `decide + evolve, ${sequences.length} random valid sequences (${commands.toLocaleString("en-US")} commands)`,
    unit: "commands/s",
    value: perSecond,
    n,
    ...latencies(each)
  })
}

// ---------------------------------------------------------------------------
// fold
// ---------------------------------------------------------------------------

/** Decides `commands` in order from the initial state; every one must be accepted. */
const accept = (commands: ReadonlyArray<Command>): ReadonlyArray<ReferralEvent.ReferralEvent> => {
  let state = decider.initialState
  const events: Array<ReferralEvent.ReferralEvent> = []
  for (const command of commands) {
    const decision = decider.decide(command, state)
    if (Result.isFailure(decision)) throw new Error(`bench: ${command._tag} refused (${decision.failure._tag})`)
    for (const event of decision.success) {
      events.push(event)
      state = decider.evolve(state, event)
    }
  }
  return events
}

/** A referral of exactly `size` events: submit, assign, call, contact, baseline, meetings every 12 hours, end, close. */
const streamOf = (size: number): ReadonlyArray<ReferralEvent.ReferralEvent> => {
  const opening: ReadonlyArray<Command> = [
    Fixtures.submit(),
    Fixtures.assign(),
    Fixtures.scheduleCall(),
    Fixtures.firstContact(),
    Fixtures.measure({ timePoint: "baseline", at: Fixtures.at(27) })
  ]
  const meetings = (count: number) =>
    Array.from({ length: count }, (_, k) =>
      Fixtures.meeting({ meetingAt: Fixtures.at(30 + 12 * k), at: Fixtures.at(31 + 12 * k) })
    )
  const closing = (count: number): ReadonlyArray<Command> => [
    Fixtures.measure({ timePoint: "end", at: Fixtures.at(31 + 12 * count), answers: [4, 3, 3, 4, 4, 3, 3] }),
    Fixtures.close({ at: Fixtures.at(32 + 12 * count) })
  ]
  const without = accept([...opening, ...closing(0)]).length
  const count = size - without
  const events = accept([...opening, ...meetings(count), ...closing(count)])
  if (events.length !== size) throw new Error(`bench: the stream has ${events.length} events, not ${size}`)
  return events
}

const fold = () => {
  const events = streamOf(200)
  const { ms, seconds } = sample({ warmup: settings.folds / 10, samples: settings.folds }, () => Referral.fold(events))
  record({
    name: `Referral.fold, ${events.length}-event stream`,
    unit: "folds/s",
    value: settings.folds / seconds,
    n: settings.folds,
    ...latencies(ms)
  })
}

// ---------------------------------------------------------------------------
// evaluation
// ---------------------------------------------------------------------------

const professions = ["doctor", "nurse", "social-worker", "social-counsellor", "service-counsellor"]
const referrals = 10_000

const evaluation = () => {
  progress(`generating ${referrals.toLocaleString("en-US")} referral histories…`)
  const baseline = heapAfterGc()
  const { histories } = cohort(referrals, 20260302, (_, rng) => professions[rng.int(0, 4)] as string)
  const held = heapAfterGc() - baseline
  const events = histories.reduce((n, h) => n + h.length, 0)
  record({
    name: `${referrals.toLocaleString("en-US")} referral histories in memory (${events.toLocaleString("en-US")} events)`,
    unit: "MB",
    value: held,
    n: referrals
  })
  const kemijarvi = histories.filter(
    (h) => h[0]?._tag === "ReferralSubmitted" && h[0].programmeId === Presets.kemijarvi.id
  ).length
  const input: Evaluation.Input = {
    programmeId: Presets.kemijarvi.id,
    period: { from: start, to: plus(start, referrals * 17 + 10) },
    asOf: plus(start, referrals * 17 + 24 * 800),
    histories,
    catalog: Presets.catalog
  }
  progress(`Evaluation.report × ${settings.reports}…`)
  const { result: evaluated, heapMB } = peakHeap(() => Evaluation.report(input))
  const reports = sample({ warmup: 1, samples: settings.reports }, () => Evaluation.report(input))
  record({
    name: `Evaluation.report over ${referrals.toLocaleString("en-US")} referral histories (${kemijarvi.toLocaleString("en-US")} in the programme)`,
    unit: "ms",
    value: latencies(reports.ms).p50,
    n: settings.reports,
    ...latencies(reports.ms),
    heapMB
  })
  const renders = sample({ warmup: 3, samples: settings.renders }, () => EvaluationHtml.render(evaluated))
  const page = EvaluationHtml.render(evaluated)
  record({
    name: `EvaluationHtml.render of that report (${Math.round(page.length / 1024)} KiB of HTML)`,
    unit: "ms",
    value: latencies(renders.ms).p50,
    n: settings.renders,
    ...latencies(renders.ms)
  })
}

// ---------------------------------------------------------------------------
// calendar
// ---------------------------------------------------------------------------

const calendar = () => {
  const rng = random(150_1930)
  const first = FinnishCalendar.localDate(2020, 1, 1)
  const span = FinnishCalendar.daysBetween(first, FinnishCalendar.localDate(2035, 12, 31))
  const inputs = Array.from({ length: 1_000 }, () => ({
    date: FinnishCalendar.addDays(first, rng.int(0, span)),
    n: rng.int(1, 60),
    to: FinnishCalendar.addDays(first, rng.int(0, span))
  }))
  const options = { warmupSeconds: settings.seconds / 2, seconds: settings.seconds }
  let sink = 0
  const add = rate(options, () => {
    for (const x of inputs) sink += FinnishCalendar.addBusinessDays(x.date, x.n).length
    return inputs.length
  })
  record({
    name: "FinnishCalendar.addBusinessDays (random dates 2020–2035, 1–60 business days)",
    unit: "ops/s",
    value: add.perSecond,
    n: add.n
  })
  const between = rate(options, () => {
    for (const x of inputs) sink += FinnishCalendar.businessDaysBetween(x.date, x.to)
    return inputs.length
  })
  record({
    name: "FinnishCalendar.businessDaysBetween (random dates 2020–2035)",
    unit: "ops/s",
    value: between.perSecond,
    n: between.n
  })
  return sink
}

// ---------------------------------------------------------------------------
// the run
// ---------------------------------------------------------------------------

it("benchmark", () => {
  progress("the decider…")
  deciderThroughput()
  progress("Referral.fold…")
  fold()
  evaluation()
  progress("FinnishCalendar…")
  calendar()
  process.stdout.write(report())
})
