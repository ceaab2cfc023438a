/**
 * A programme that sends measure links (Kemijärvi's, version 2) and the
 * commands the measure-link tests use.
 */
import { Actor, Ids, Instant, Presets, Programme, Referral, type ReferralCommand } from "@lahete/core"
import { Fixtures as F } from "@lahete/testing"
import { Result } from "effect"

type Cmd<T extends ReferralCommand.Tag> = Extract<ReferralCommand.ReferralCommand, { readonly _tag: T }>

export const settings = {
  timePoints: ["baseline", "end", "follow-up"],
  reminders: { max: 2, intervalDays: 5 },
  validDays: 10
} as const

export const programme: Programme.Programme = Result.getOrThrowWith(
  Programme.make({
    ...Presets.kemijarvi,
    version: 2,
    // two follow-up measures: an answer of one leaves the time point open, so "answered once" is its own rule
    measures: {
      ...Presets.kemijarvi.measures,
      followUp: [
        { instrument: "swemwbs", respondent: "self" },
        { instrument: "ucla-3", respondent: "self" }
      ]
    },
    measureLinks: settings
  }),
  (e) => new Error(e.message)
)

export const catalog: Programme.Catalog = Result.getOrThrow(Programme.catalog([Presets.kemijarvi, programme]))
export const decider: Referral.Decider = Referral.makeDecider(catalog)

/** The fixture path, submitted under version 2. */
export const path = (to: keyof typeof F.pathTo): ReadonlyArray<ReferralCommand.ReferralCommand> =>
  F.pathTo[to]().map((c) => (c._tag === "SubmitReferral" ? { ...c, programmeVersion: 2 } : c))

export const client = Actor.make("Client", "subject-1", "measure-link")

export const request = (
  timePoint: ReferralCommand.TimePoint,
  at: Instant.Instant,
  overrides: Partial<Cmd<"RequestMeasureLink">> = {}
): Cmd<"RequestMeasureLink"> => ({
  _tag: "RequestMeasureLink",
  referralId: F.referralId,
  idempotencyKey: Ids.IdempotencyKey.make(`link-${timePoint}-${at}`),
  actor: F.system,
  at,
  timePoint,
  ...overrides
})

export const answer = (
  tokenId: string,
  timePoint: ReferralCommand.TimePoint,
  at: Instant.Instant,
  overrides: Partial<Cmd<"AnswerMeasureLink">> = {}
): Cmd<"AnswerMeasureLink"> => ({
  _tag: "AnswerMeasureLink",
  referralId: F.referralId,
  idempotencyKey: Ids.IdempotencyKey.make(`answer-${at}`),
  actor: client,
  at,
  tokenId,
  timePoint,
  measures: [
    { instrument: "swemwbs", answers: [4, 4, 3, 4, 5, 3, 4] },
    { instrument: "ucla-3", answers: [1, 2, 1] }
  ],
  ...overrides
})

export const days = (i: Instant.Instant, n: number): Instant.Instant => Instant.plusMillis(i, n * 86_400_000)
