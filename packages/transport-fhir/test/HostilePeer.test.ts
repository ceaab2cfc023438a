/**
 * The FHIR server against a careless or hostile peer (issue 20): a
 * `Bundle.identifier` reused for another Patient is a 409 that writes
 * nothing; hostile text in any text element the referral takes is a 400
 * naming its FHIRPath; a deceased or replaced Patient and an unknown Task
 * status are refused; key sets are checked at start-up; a token lives at
 * most 5 minutes and is accepted once.
 */
import { describe, expect, it } from "@effect/vitest"
import { ReferralStore } from "@lahete/core"
import { Arbitraries, Fixtures } from "@lahete/testing"
import { FhirAuth } from "@lahete/transport-fhir"
import { Effect, Layer } from "effect"
import * as fc from "fast-check"
import { BaseUrl, memoryService, realServer, sqliteService } from "./support/layers.js"
import * as Tokens from "./support/tokens.js"
import { get, type Path, referralBundle, referralIdOf, setAt, withServer } from "./support/wire.js"

const patient = ["entry", 2, "resource"] as const
const request = ["entry", 1, "resource"] as const

/** The fixture Bundle with another Patient: every personal element differs. */
const otherPatient = (messageId: string) => {
  const bundle = referralBundle(messageId)
  setAt(bundle, [...patient, "name"], [{ use: "official", family: "Esimerkki", given: ["Eino"] }])
  setAt(bundle, [...patient, "identifier", 0, "value"], "131052-308T")
  setAt(bundle, [...patient, "telecom", 0, "value"], "050 765 4321")
  setAt(bundle, [...request, "note"], [{ text: "Another client's reason, after a bereavement." }])
  return bundle
}

/** POSTs a Bundle to the server on a real socket with a fresh token. */
const post = (bundle: unknown) =>
  Effect.gen(function* () {
    const url = yield* BaseUrl
    const token = yield* Effect.promise(() => Tokens.sign(Fixtures.referrer))
    const response = yield* Effect.promise(() =>
      fetch(`${url}/`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/fhir+json" },
        body: JSON.stringify(bundle)
      })
    )
    return { status: response.status, text: yield* Effect.promise(() => response.text()) }
  })

const snapshot = (store: ReferralStore.Shape) =>
  Effect.gen(function* () {
    const ids = yield* store.referralIds()
    return { ids, versions: yield* Effect.forEach(ids, (id) => Effect.map(store.load(id), (s) => s.version)) }
  })

describe("a Bundle.identifier reused for another Patient (real socket)", () => {
  for (const [name, service] of [
    ["memory", memoryService],
    ["SQLite", sqliteService]
  ] as const) {
    it.live(`${name}: 409 and nothing stored; the first Bundle again is 200 with the same Task`, () =>
      Effect.gen(function* () {
        const store = yield* ReferralStore.ReferralStore
        const first = yield* post(referralBundle("msg-reused"))
        expect(first.status).toBe(201)
        const before = yield* snapshot(store)
        const reused = yield* post(otherPatient("msg-reused"))
        expect(reused.status).toBe(409)
        for (const p of ["Eino", "Esimerkki", "131052-308T", "765 4321", "bereavement"]) {
          expect(reused.text).not.toContain(p)
        }
        const renamed = referralBundle("msg-reused")
        setAt(renamed, [...patient, "name", 0, "given"], ["Eino"])
        expect((yield* post(renamed)).status).toBe(409)
        expect(yield* snapshot(store)).toEqual(before)
        const again = yield* post(referralBundle("msg-reused"))
        expect(again.status).toBe(200)
        expect(again.text).toContain(yield* referralIdOf("msg-reused"))
      }).pipe(Effect.provide(realServer({ authenticate: Tokens.guarded() }).pipe(Layer.provideMerge(service))))
    )
  }
})

/** The text elements the referral takes: where, the fixture's value, the maximum the message allows. */
const textElements: ReadonlyArray<{
  readonly path: Path
  readonly expression: string
  readonly max: number
  /** FHIR's own rule for strings allows tab; the referral's fields do not. */
  readonly tab?: boolean
}> = [
  { path: [...patient, "name", 0, "given", 0], expression: "Bundle.entry[2].resource.name", max: 100 },
  { path: [...patient, "name", 0, "family"], expression: "Bundle.entry[2].resource.name", max: 100 },
  { path: [...patient, "identifier", 0, "value"], expression: "Bundle.entry[2].resource.identifier", max: 32 },
  { path: [...patient, "telecom", 0, "value"], expression: "Bundle.entry[2].resource.telecom", max: 32 },
  { path: [...request, "note", 0, "text"], expression: "Bundle.entry[1].resource.note", max: 2000 },
  // strings the referral reads but does not keep: FHIR's own rule (no length below the schema's 1 000)
  {
    path: ["entry", 0, "resource", "requester", "display"],
    expression: "Bundle.entry[0].resource.requester",
    max: 1000
  },
  {
    path: [...request, "performer", 0, "display"],
    expression: "Bundle.entry[1].resource.performer",
    max: 1000,
    tab: true
  }
]

describe("hostile text in the Bundle", () => {
  it.live(
    "control characters, unpaired surrogates, bidi controls, separators or oversize: 400 naming the element, nothing stored",
    () =>
      withServer((h) =>
        Effect.gen(function* () {
          const samples = fc.sample(
            fc
              .constantFrom(...textElements)
              .chain((element) =>
                Arbitraries.hostileText(String(get(referralBundle(), element.path)), { maxLength: element.max }).map(
                  (hostile) => ({ element, ...hostile })
                )
              ),
            { numRuns: 400, seed: 20 }
          )
          const kinds = new Set<string>()
          for (const { element, kind, text } of samples) {
            if (element.tab === true && text.includes("\t")) continue
            kinds.add(`${element.expression}:${kind}`)
            const bundle = setAt(referralBundle("msg-hostile"), element.path, text)
            const answer = yield* h.post(bundle)
            expect(answer.status, `${element.expression} ${kind} ${JSON.stringify(text.slice(0, 40))}`).toBe(400)
            const expressions = (answer.outcome.issue ?? []).flatMap((i) => i.expression ?? [])
            expect(expressions.length).toBeGreaterThan(0)
            for (const e of expressions) expect(e.startsWith(element.expression)).toBe(true)
            expect(answer.text).not.toContain(String(get(referralBundle(), element.path)))
          }
          // every element met every kind (given and family name share the element `name`)
          expect(kinds.size).toBe(6 * 5)
          expect(yield* h.store.referralIds()).toEqual([])
        })
      )
  )
})

describe("Patients and searches the referral does not take", () => {
  it.live("a deceased or replaced Patient is 400 naming the element; an unknown Task status in a search is 400", () =>
    withServer((h) =>
      Effect.gen(function* () {
        const cases: ReadonlyArray<readonly [string, unknown, string]> = [
          ["deceasedBoolean", true, "a deceased client cannot be referred"],
          ["deceasedDateTime", "2026-02-01", "a deceased client cannot be referred"],
          [
            "link",
            [{ other: { reference: "Patient/123" }, type: "replaced-by" }],
            "the Patient record has been replaced by another: send the current one"
          ]
        ]
        for (const [element, value, reason] of cases) {
          const answer = yield* h.post(setAt(referralBundle("msg-patient"), [...patient, element], value))
          expect(answer.status, answer.text).toBe(400)
          const issue = (answer.outcome.issue ?? []).find((i) => i.expression !== undefined)
          expect(issue?.diagnostics).toBe(reason)
          expect(issue?.expression?.[0]).toContain(`Bundle.entry[2].resource.${element}`)
        }
        expect(yield* h.store.referralIds()).toEqual([])
        // alive, and a link that is not replaced-by: accepted
        const alive = setAt(referralBundle("msg-alive"), [...patient, "deceasedBoolean"], false)
        setAt(alive, [...patient, "link"], [{ other: { reference: "Patient/9" }, type: "seealso" }])
        expect((yield* h.post(alive)).status).toBe(201)

        const unknown = yield* h.get("/Task?status=foo")
        expect(unknown.status).toBe(400)
        expect((unknown.outcome.issue ?? []).flatMap((i) => i.expression ?? [])).toEqual(["status"])
        expect((yield* h.get("/Task?status=requested,in-progress")).status).toBe(200)
      })
    )
  )
})

describe("key sets and tokens", () => {
  it("a kid used twice, a private key or an encryption key throws AuthConfigError naming the organisation and the key", () => {
    const [organisation, set] = Object.entries(Tokens.issuers)[0] ?? []
    const key = set?.keys[0]
    if (organisation === undefined || key === undefined) throw new Error("fixture")
    const cases: ReadonlyArray<readonly [ReadonlyArray<Record<string, unknown>>, string]> = [
      [[key, { ...key }], `organisation ${organisation}: key "${key.kid}" is registered twice`],
      [[{ ...key, d: "c2VjcmV0" }], `key "${key.kid}" is a private key`],
      [[{ ...key, use: "enc" }], `key "${key.kid}" is not a signing key`]
    ]
    for (const [keys, message] of cases) {
      const options = { issuers: { [organisation]: { keys } }, audience: Tokens.audience } as FhirAuth.JwtOptions
      expect(() => FhirAuth.jwt(options)).toThrow(message)
      const failed = Effect.runSync(Effect.flip(FhirAuth.make(options)))
      expect(failed._tag).toBe("AuthConfigError")
      expect(failed.message).toContain(message)
      expect(failed.message).not.toContain(String(key.x))
    }
  })

  it.live("a token living longer than 5 minutes is 401, and a token is accepted once (real socket)", () =>
    Effect.gen(function* () {
      const url = yield* BaseUrl
      const send = (token: string) =>
        Effect.promise(() =>
          fetch(`${url}/Task`, { headers: { authorization: `Bearer ${token}` } }).then(async (r) => ({
            status: r.status,
            text: await r.text()
          }))
        )
      const tenYears = yield* Effect.promise(() => Tokens.sign(Fixtures.referrer, { expiresIn: 10 * 365 * 86_400 }))
      const tooLong = yield* send(tenYears)
      expect(tooLong.status).toBe(401)
      expect(tooLong.text).toContain("the bearer token's lifetime is too long")
      const fiveMinutes = yield* Effect.promise(() => Tokens.sign(Fixtures.referrer, { expiresIn: 300 }))
      expect((yield* send(fiveMinutes)).status).toBe(200)
      const replayed = yield* send(fiveMinutes)
      expect(replayed.status).toBe(401)
      expect(replayed.text).toContain("the bearer token was used before (jti)")
      // the same jti from another organisation is another token
      const other = yield* Effect.promise(() =>
        Tokens.sign(
          {
            ...Fixtures.referrer,
            organisation: (Tokens.organisationIds[1] ?? "") as typeof Fixtures.referrer.organisation
          },
          { jti: "shared-jti" }
        )
      )
      const mine = yield* Effect.promise(() => Tokens.sign(Fixtures.referrer, { jti: "shared-jti" }))
      expect((yield* send(other)).status).toBe(200)
      expect((yield* send(mine)).status).toBe(200)
      const noJti = yield* Effect.promise(() => Tokens.sign(Fixtures.referrer, { jti: "" }))
      expect((yield* send(noJti)).status).toBe(401)
    }).pipe(Effect.provide(realServer({ authenticate: Tokens.guarded() }).pipe(Layer.provideMerge(memoryService))))
  )
})
