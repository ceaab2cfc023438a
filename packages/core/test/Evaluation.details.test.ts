/**
 * The evaluation report in detail: `fromIndex` gives the report `report`
 * computes over the same histories, across more than one page of the index,
 * and reads only the programme's referrals submitted in the period and
 * before `asOf`; the report's schema (published as JSON Schema) carries a
 * proxy respondent's change.
 */
import { describe, expect, it } from "@effect/vitest"
import {
  AuditLogMemory,
  Deadlines,
  Evaluation,
  Ids,
  Instant,
  Instruments,
  LinkWorkerRegistry,
  Presets,
  Programme,
  Referral,
  type ReferralCommand,
  type ReferralEvent,
  ReferralIndex,
  ReferralService,
  ReferralStore,
  ReferralStoreMemory
} from "@lahete/core"
import { Fixtures } from "@lahete/testing"
import { Effect, Layer, Ref, Result, Schema } from "effect"
import { on } from "./support/onReferral.js"

const rid = Schema.decodeSync(Ids.ReferralId)

describe("the report from the index", () => {
  it.effect("equals the report over the same histories across pages, and streams only the referrals it counts", () =>
    Effect.gen(function* () {
      const streamed = yield* Ref.make<ReadonlyArray<string>>([])
      const { store, index } = yield* ReferralStoreMemory.makeWithIndex()
      const counting = ReferralIndex.ReferralIndex.of({
        ...index,
        // whole streams (histories running past asOf) and the event kinds the report reads (the others)
        streams: (ids) => Effect.tap(index.streams(ids), () => Ref.update(streamed, (s) => [...s, ...ids])),
        events: (ids, tags) => Effect.tap(index.events(ids, tags), () => Ref.update(streamed, (s) => [...s, ...ids]))
      })
      const base = Layer.mergeAll(
        Layer.succeed(ReferralStore.ReferralStore, store),
        Layer.succeed(ReferralIndex.ReferralIndex, counting),
        AuditLogMemory.layer,
        LinkWorkerRegistry.layerMemory([Fixtures.linkWorker()]),
        ReferralService.catalogLayer(Presets.catalog)
      )
      yield* Effect.gen(function* () {
        const service = yield* ReferralService.ReferralService
        // more than one page of Kemijärvi referrals, a minute apart, some assigned; and Sodankylä's
        const kemijarvi = Evaluation.chunkSize + 7
        for (let n = 0; n < kemijarvi; n++) {
          const at = Fixtures.at(n / 60)
          const commands =
            n % 3 === 0
              ? [Fixtures.submit({ at }), Fixtures.assign({ at: Fixtures.at(n / 60 + 0.01) })]
              : [Fixtures.submit({ at })]
          for (const c of on(n, commands)) yield* service.execute(c)
        }
        for (let n = 0; n < 5; n++) {
          const submit = Fixtures.submit({ at: Fixtures.at(n / 60), programmeId: Presets.sodankyla.id })
          for (const c of on(10_000 + n, [submit])) yield* service.execute(c)
        }
        const ids = [...(yield* store.referralIds())]
        const histories = (yield* index.streams(ids)).map((s) => s.events)
        const period = { from: Fixtures.at(-1), to: Fixtures.at(24 * 30) }
        const input = { programmeId: Presets.kemijarvi.id, period, catalog: Presets.catalog }

        yield* Ref.set(streamed, [])
        const whole = yield* Evaluation.fromIndex(input)
        expect(whole).toEqual(Evaluation.report({ ...input, histories }))
        expect(whole.referrals.total).toEqual({ _tag: "Value", value: kemijarvi })
        expect((yield* Ref.get(streamed)).length).toBe(kemijarvi)

        // as of a moment inside the period: the referrals submitted before it, nothing after it read
        const asOf = Fixtures.at(100 / 60 + 0.005)
        yield* Ref.set(streamed, [])
        const early = yield* Evaluation.fromIndex({ ...input, asOf })
        expect(early).toEqual(Evaluation.report({ ...input, asOf, histories }))
        expect(early.referrals.total).toEqual({ _tag: "Value", value: 101 })
        expect((yield* Ref.get(streamed)).length).toBe(101)

        // as of a moment after the period: the period's referrals, none submitted after it read
        const shorter = { ...input, period: { from: period.from, to: Fixtures.at(200 / 60 + 0.005) } }
        const late = Fixtures.at(24 * 60)
        yield* Ref.set(streamed, [])
        const after = yield* Evaluation.fromIndex({ ...shorter, asOf: late })
        expect(after).toEqual(Evaluation.report({ ...shorter, asOf: late, histories }))
        expect(after.referrals.total).toEqual({ _tag: "Value", value: 201 })
        expect((yield* Ref.get(streamed)).length).toBe(201)
      }).pipe(Effect.provide(ReferralService.layer.pipe(Layer.provideMerge(base))))
    })
  )

  it.effect("a referral whose last event is at asOf itself is read as of before that event, as the report does", () =>
    Effect.gen(function* () {
      const { store, index } = yield* ReferralStoreMemory.makeWithIndex()
      const base = Layer.mergeAll(
        Layer.succeed(ReferralStore.ReferralStore, store),
        Layer.succeed(ReferralIndex.ReferralIndex, index),
        AuditLogMemory.layer,
        LinkWorkerRegistry.layerMemory([Fixtures.linkWorker()]),
        ReferralService.catalogLayer(Presets.catalog)
      )
      yield* Effect.gen(function* () {
        const service = yield* ReferralService.ReferralService
        const assignedAt = Fixtures.at(2)
        for (let n = 0; n < 5; n++) {
          for (const c of on(n, [Fixtures.submit({ at: Fixtures.at(1) }), Fixtures.assign({ at: assignedAt })])) {
            yield* service.execute(c)
          }
        }
        const histories = (yield* index.streams([...(yield* store.referralIds())])).map((s) => s.events)
        const input = {
          programmeId: Presets.kemijarvi.id,
          period: { from: Fixtures.at(0), to: Fixtures.at(24 * 30) },
          catalog: Presets.catalog
        }
        // as of the assignment's instant: not yet assigned
        const atAssignment = yield* Evaluation.fromIndex({ ...input, asOf: assignedAt })
        expect(atAssignment).toEqual(Evaluation.report({ ...input, asOf: assignedAt, histories }))
        const count = (r: Evaluation.Report, status: string) =>
          r.referrals.byStatus.find((s) => s.status === status)?.count
        expect(count(atAssignment, "Submitted")).toEqual({ _tag: "Value", value: 5 })
        // a millisecond later: assigned
        const after = Instant.plusMillis(assignedAt, 1)
        const later = yield* Evaluation.fromIndex({ ...input, asOf: after })
        expect(later).toEqual(Evaluation.report({ ...input, asOf: after, histories }))
        expect(count(later, "Assigned")).toEqual({ _tag: "Value", value: 5 })
      }).pipe(Effect.provide(ReferralService.layer.pipe(Layer.provideMerge(base))))
    })
  )
})

describe("the report from the index reads every kind of event it needs", () => {
  type Cmd = ReferralCommand.ReferralCommand
  const links = Fixtures.measureLinkProgramme
  /** A story on referral `id` of its own (the measure link's token and client follow the referral). */
  const retarget = (commands: ReadonlyArray<Cmd>, id: string): ReadonlyArray<Cmd> =>
    commands.map((c): Cmd => {
      const referralId = rid(id)
      if (c._tag === "SubmitReferral") return { ...c, referralId, subjectId: Ids.SubjectId.make(`subject-${id}`) }
      if (c._tag === "AnswerMeasureLink") {
        return {
          ...c,
          referralId,
          actor: { ...c.actor, id: Ids.ActorId.make(`subject-${id}`) },
          tokenId: `${id}${c.tokenId.slice(c.tokenId.indexOf(":"))}`
        }
      }
      return { ...c, referralId }
    })
  const submit = () => Fixtures.submit({ programmeId: links.id })
  // the call is an hour before first contact is recorded, so the first contact's time comes from the call
  const call = () => Fixtures.scheduleCall({ callAt: Fixtures.at(25) })
  const stories: ReadonlyArray<readonly [string, () => ReadonlyArray<Cmd>]> = [
    ["by-link", () => Fixtures.measureLinkStory()],
    [
      "measured",
      () => [submit(), Fixtures.assign(), call(), Fixtures.firstContact(), Fixtures.measure(), Fixtures.close()]
    ],
    ["declined", () => [submit(), Fixtures.assign(), call(), Fixtures.firstContact({ outcome: "declined" })]]
  ]

  it.effect("calls, first contact, declines, measures and answers by link of referrals settled before asOf", () =>
    Effect.gen(function* () {
      const { store, index } = yield* ReferralStoreMemory.makeWithIndex()
      const histories: Array<ReadonlyArray<ReferralEvent.ReferralEvent>> = []
      for (const [name, story] of stories) {
        for (let n = 0; n < 5; n++) {
          const events = Fixtures.history(retarget(story(), `${name}-${n}`)).events
          histories.push(events)
          yield* store.append({
            referralId: rid(`${name}-${n}`),
            expectedVersion: 0,
            events,
            idempotencyKey: Ids.IdempotencyKey.make(`${name}-${n}`),
            fingerprint: "seed",
            vault: []
          })
        }
      }
      const closedAt = Fixtures.close().at
      const asOf = Instant.plusMillis(Deadlines.followUpWindow(closedAt, links).closesAt, 86_400_000)
      const input = { programmeId: links.id, period: { from: Fixtures.at(-1), to: Fixtures.at(24) }, asOf }
      const fromIndex = yield* Effect.provideService(
        Evaluation.fromIndex({ ...input, catalog: Fixtures.catalog }),
        ReferralIndex.ReferralIndex,
        index
      )
      // every referral is settled long before asOf: each is read from the index's state and its events
      expect(histories.every((h) => (h.at(-1)?.at ?? asOf) < asOf)).toBe(true)
      expect(fromIndex).toEqual(Evaluation.report({ ...input, catalog: Fixtures.catalog, histories }))
      // what those events carry: 15 first contacts (5 declined), 10 of them an hour earlier (the call's time)
      expect(fromIndex.firstContact.reached).toEqual({ _tag: "Value", value: 15 })
      expect(fromIndex.firstContact.hours.q1).not.toEqual(fromIndex.firstContact.hours.q3)
      const baseline = fromIndex.measures.completeness.find((c) => c.timePoint === "baseline")
      expect(baseline?.recorded).toEqual({ _tag: "Value", value: 5 })
      // five follow-ups answered by link, none by the link worker (that zero is suppressed, and so the five)
      expect(fromIndex.followUp.recorded).toEqual({ _tag: "Value", value: 5 })
      expect(fromIndex.followUp.collected).toEqual({
        byLink: { _tag: "Suppressed", reason: "complementary" },
        byLinkWorker: { _tag: "Suppressed", reason: "fewer-than-minimum" }
      })
    })
  )
})

describe("the report's schema", () => {
  it("carries the change of a self-report and of a proxy respondent's form", () => {
    const change = (respondent: string) => ({
      instrument: "swemwbs",
      instrumentName: "SWEMWBS",
      score: "metric",
      scoreName: "Metric score",
      respondent,
      from: "baseline",
      to: "end",
      direction: "higher-is-better",
      thresholds: null,
      pairs: { _tag: "Value", value: 5 },
      meanChange: { _tag: "Value", value: 1 },
      ci95Low: { _tag: "Value", value: 0 },
      ci95High: { _tag: "Value", value: 2 },
      shareImproved: null,
      shareImprovedClearly: null
    })
    for (const respondent of ["self", "proxy"]) {
      expect(Schema.decodeUnknownSync(Evaluation.MeasureChange)(change(respondent)).respondent).toBe(respondent)
    }
    expect(() => Schema.decodeUnknownSync(Evaluation.MeasureChange)(change("someone"))).toThrow()
  })
})

describe("the follow-up and first contact counted from each history", () => {
  const period = { from: Fixtures.at(-1), to: Fixtures.at(24 * 30) }
  const asOf = Fixtures.at(24 * 500)
  const followedUp = (n: number, erased: boolean) => {
    const closed = Fixtures.history(on(n, Fixtures.pathTo.Closed()))
    const window = Deadlines.followUpWindow(closed.state.closedAt as Instant.Instant, Presets.kemijarvi)
    const measure = Fixtures.measure({ timePoint: "follow-up", at: window.opensAt, referralId: rid(`referral-${n}`) })
    const erase = Fixtures.erase({ referralId: rid(`referral-${n}`) })
    return Fixtures.history([...on(n, Fixtures.pathTo.Closed()), measure, ...(erased ? [erase] : [])]).events
  }
  const missed = (n: number) => Fixtures.history(on(n, Fixtures.pathTo.FollowedUp())).events

  it("a follow-up recorded counts as recorded, also when the referral's data was erased afterwards", () => {
    for (const erased of [false, true]) {
      const histories = [0, 1, 2, 3, 4].map((n) => followedUp(n, erased)).concat([5, 6, 7, 8, 9].map(missed))
      const r = Evaluation.report({
        programmeId: Presets.kemijarvi.id,
        period,
        asOf,
        catalog: Presets.catalog,
        histories
      })
      expect(r.followUp, `erased: ${erased}`).toMatchObject({
        recorded: { _tag: "Value", value: 5 },
        missed: { _tag: "Value", value: 5 },
        shareRecorded: { _tag: "Value", value: 0.5 }
      })
    }
  })

  it("referrals of a programme version the catalog does not have are counted, without deadline figures", () => {
    const v2 = Result.getOrThrow(Programme.nextVersion(Presets.kemijarvi, (p) => p))
    const withV2 = Result.getOrThrow(Programme.catalog([Presets.kemijarvi, v2, Presets.sodankyla]))
    const histories = [0, 1, 2, 3, 4].map(
      (n) =>
        Fixtures.history(
          on(n, [Fixtures.submit({ programmeVersion: v2.version }), ...Fixtures.pathTo.Closed().slice(1)]),
          Referral.makeDecider(withV2)
        ).events
    )
    const input = { programmeId: Presets.kemijarvi.id, period, asOf, histories }
    expect(Evaluation.report({ ...input, catalog: withV2 }).firstContact.reached).toEqual({ _tag: "Value", value: 5 })
    const without = Evaluation.report({ ...input, catalog: Presets.catalog })
    expect(without.referrals.total).toEqual({ _tag: "Value", value: 5 })
    expect(without.firstContact.reached).toEqual({ _tag: "Suppressed", reason: "fewer-than-minimum" })
    expect(without.followUp.pending).toEqual({ _tag: "Suppressed", reason: "fewer-than-minimum" })
  })
})

describe("which histories count, and what the report says of them", () => {
  const period = { from: Fixtures.at(0), to: Fixtures.at(24 * 30) }
  const submitted = (n: number, at: Instant.Instant) => Fixtures.history(on(n, [Fixtures.submit({ at })])).events
  const base = { programmeId: Presets.kemijarvi.id, period, catalog: Presets.catalog }
  const five = [0, 1, 2, 3, 4].map((n) => submitted(n, Fixtures.at(1)))

  it("an empty history and one that does not begin with the submission are skipped", () => {
    const r = Evaluation.report({ ...base, histories: [...five, [], (five[0] ?? []).slice(1)] })
    expect(r).toEqual(Evaluation.report({ ...base, histories: five }))
    expect(r.referrals.total).toEqual({ _tag: "Value", value: 5 })
  })

  it("the period is half open: a submission at its start counts, one before it or at its end does not", () => {
    const atStart = [10, 11, 12, 13, 14].map((n) => submitted(n, period.from))
    const before = [20, 21, 22, 23, 24].map((n) => submitted(n, Fixtures.at(-1)))
    const atEnd = [30, 31, 32, 33, 34].map((n) => submitted(n, period.to))
    const r = Evaluation.report({ ...base, asOf: Fixtures.at(24 * 60), histories: [...atStart, ...before, ...atEnd] })
    expect(r.referrals.total).toEqual({ _tag: "Value", value: 5 })
  })

  it("the report says as of when it was computed", () => {
    const asOf = Fixtures.at(24 * 10)
    expect(Evaluation.report({ ...base, asOf, histories: five }).asOf).toBe(asOf)
    expect(Evaluation.report({ ...base, histories: five }).asOf).toBe(period.to)
  })

  it("a follow-up whose window closes exactly at asOf is missed, not pending", () => {
    const closed = [40, 41, 42, 43, 44].map((n) => Fixtures.history(on(n, Fixtures.pathTo.Closed())).events)
    const closedAt = Fixtures.history(Fixtures.pathTo.Closed()).state.closedAt as Instant.Instant
    const asOf = Deadlines.followUpWindow(closedAt, Presets.kemijarvi).closesAt
    const r = Evaluation.report({ ...base, asOf, histories: closed })
    expect(r.followUp.settled).toEqual({ _tag: "Value", value: 5 })
    expect(r.followUp.pending).toEqual({ _tag: "Suppressed", reason: "fewer-than-minimum" })
  })

  it("professions the catalog's versions do not list come after those they do, in order", () => {
    const wider = Result.getOrThrow(
      Programme.nextVersion(Presets.kemijarvi, (p) => ({
        ...p,
        eligibleReferrerProfessions: [...p.eligibleReferrerProfessions, "psychologist", "physiotherapist"]
      }))
    )
    const decider = Referral.makeDecider(Result.getOrThrow(Programme.catalog([Presets.kemijarvi, wider])))
    const by = (profession: string, n: number) =>
      Fixtures.history(
        on(n, [
          Fixtures.submit({
            programmeVersion: wider.version,
            actor: { ...Fixtures.referrer, id: Ids.ActorId.make(`r-${n}`), profession }
          })
        ]),
        decider
      ).events
    const histories = [50, 51, 52, 53, 54].map((n) => by("psychologist", n))
    histories.push(...[60, 61, 62, 63, 64].map((n) => by("physiotherapist", n)))
    const r = Evaluation.report({ ...base, asOf: Fixtures.at(24 * 60), histories })
    const listed = Presets.kemijarvi.eligibleReferrerProfessions
    expect(r.referrals.byReferrerProfession.map((p) => p.profession)).toEqual([
      ...listed,
      "physiotherapist",
      "psychologist"
    ])
    expect(r.referrals.byReferrerProfession.slice(-2).map((p) => p.count)).toEqual([
      { _tag: "Value", value: 5 },
      { _tag: "Value", value: 5 }
    ])
  })

  it("completeness has a row for each time point the programme expects of an instrument and respondent, and no other", () => {
    const r = Evaluation.report({ ...base, programmeId: Presets.sodankyla.id, histories: [] })
    const rows = r.measures.completeness.map((c) => `${c.instrument}/${c.respondent}/${c.timePoint}`).sort()
    const expected = (["baseline", "end", "follow-up"] as const)
      .flatMap((tp) =>
        Programme.expectedMeasures(Presets.sodankyla, tp).map((m) => `${m.instrument}/${m.respondent}/${tp}`)
      )
      .sort()
    expect(rows).toEqual(expected)
    expect(rows).not.toContain("swemwbs/proxy/end")
  })
})

describe("instruments in the report", () => {
  const period = { from: Fixtures.at(0), to: Fixtures.at(24 * 30) }
  const base = { programmeId: Presets.sodankyla.id, period, catalog: Presets.catalog, histories: [] }

  it("a score without change thresholds has no improved shares (null); one with them has cells", () => {
    const r = Evaluation.report(base)
    const esis = r.measures.change.filter((c) => c.instrument === "esis")
    const swemwbs = r.measures.change.filter((c) => c.instrument === "swemwbs")
    expect(esis.length).toBeGreaterThan(0)
    for (const c of esis) expect([c.thresholds, c.shareImproved, c.shareImprovedClearly]).toEqual([null, null, null])
    expect(swemwbs.length).toBeGreaterThan(0)
    for (const c of swemwbs) expect(c.shareImproved).toEqual({ _tag: "Suppressed", reason: "fewer-than-minimum" })
  })

  it("an instrument the registry does not know: completeness rows without scores, and no change rows", () => {
    const registry = Result.getOrThrow(Instruments.registry([Instruments.swemwbs]))
    const r = Evaluation.report({ ...base, instruments: registry })
    expect(r.measures.completeness.filter((c) => c.instrument === "esis").length).toBeGreaterThan(0)
    expect(r.measures.change.filter((c) => c.instrument === "esis")).toEqual([])
  })
})
