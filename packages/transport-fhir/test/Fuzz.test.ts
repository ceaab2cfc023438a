/**
 * 10 000+ malformed or hostile requests, in process (the server's fetch
 * handler): each answers a 4xx with an OperationOutcome that quotes none of
 * the payload's personal data, nothing crashes, and nothing is written.
 */
import { describe, expect, it } from "@effect/vitest"
import { Fixtures, ReferralTransportTest } from "@lahete/testing"
import { Effect } from "effect"
import * as fc from "fast-check"
import * as Tokens from "./support/tokens.js"
import {
  type Answer,
  deleteAt,
  get,
  type Harness,
  type Path,
  personal,
  referralBundle,
  setAt,
  withServer
} from "./support/wire.js"

/** The fixture Bundle without the elements the server ignores: every element left is read and typed. */
const strictBase = (): unknown => {
  const b = referralBundle("msg-fuzz")
  const ignored: ReadonlyArray<Path> = [
    ["meta"],
    ["timestamp"],
    ...["text", "identifier", "priority", "authoredOn"].map((k) => ["entry", 0, "resource", k]),
    ["entry", 1, "resource", "authoredOn"],
    ["entry", 2, "resource", "gender"],
    ["entry", 2, "resource", "address"],
    ["entry", 2, "resource", "identifier", 1],
    ["entry", 3, "resource", "dateTime"],
    ["entry", 4, "resource", "dateTime"],
    ["entry", 3, "resource", "policyRule"],
    ["entry", 4, "resource", "policyRule"]
  ]
  for (const path of ignored) deleteAt(b, path)
  return b
}

const base = strictBase()

const walk = (value: unknown, at: Path = []): Array<Path> => {
  if (Array.isArray(value)) return [at, ...value.flatMap((v, i) => walk(v, [...at, i]))]
  if (typeof value === "object" && value !== null) {
    return [at, ...Object.entries(value).flatMap(([k, v]) => walk(v, [...at, k]))]
  }
  return [at]
}
const allPaths = walk(base)
const stringPaths = allPaths.filter((p) => typeof get(base, p) === "string")
const objectPaths = allPaths.filter((p) => {
  const v = get(base, p)
  return typeof v === "object" && v !== null && !Array.isArray(v)
})

const entry = (i: number, ...rest: Path): Path => ["entry", i, ...rest]
const task = (...rest: Path) => entry(0, "resource", ...rest)
const request = (...rest: Path) => entry(1, "resource", ...rest)
const patient = (...rest: Path) => entry(2, "resource", ...rest)

/** Elements whose absence makes the Bundle no referral. */
const requiredPaths: ReadonlyArray<Path> = [
  ["resourceType"],
  ["type"],
  ["identifier"],
  ["identifier", "value"],
  ["entry"],
  ...[0, 1, 2, 3, 4].flatMap(
    (i): ReadonlyArray<Path> => [
      entry(i),
      entry(i, "fullUrl"),
      entry(i, "request"),
      entry(i, "request", "method"),
      entry(i, "request", "url"),
      entry(i, "resource"),
      entry(i, "resource", "resourceType")
    ]
  ),
  ...["status", "intent", "code", "focus", "requester"].map((k) => task(k)),
  task("code", "coding"),
  task("focus", "reference"),
  ...["status", "intent", "code", "subject", "performer", "reasonCode", "note", "supportingInfo"].map((k) =>
    request(k)
  ),
  request("performer", 0, "identifier"),
  request("note", 0, "text"),
  request("subject", "reference"),
  request("supportingInfo", 0),
  ...["name", "communication", "identifier"].map((k) => patient(k)),
  patient("name", 0, "family"),
  patient("name", 0, "given"),
  patient("communication", 0, "language"),
  ...[3, 4].flatMap(
    (i): ReadonlyArray<Path> => [
      entry(i, "resource", "status"),
      entry(i, "resource", "scope"),
      entry(i, "resource", "category"),
      entry(i, "resource", "category", 1),
      entry(i, "resource", "extension"),
      entry(i, "resource", "extension", 0, "valueCode")
    ]
  )
]

const typeOf = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v)
const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 })
)

type Mutation = {
  readonly name: string
  readonly apply: (b: unknown) => unknown
  readonly expect: ReadonlyArray<number>
}
const m = (name: string, apply: (b: unknown) => unknown, expect: ReadonlyArray<number> = [400]): Mutation => ({
  name,
  apply,
  expect
})

const deepValue = (depth: number, asObject: boolean): unknown => {
  let v: unknown = "bottom"
  for (let i = 0; i < depth; i++) v = asObject ? { a: v } : [v]
  return v
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constantFrom(...requiredPaths).map((p) =>
    // without an identity code the core asks for the birth year: a lifecycle refusal
    m(`delete ${p.join(".")}`, (b) => deleteAt(b, p), p.join(".") === "entry.2.resource.identifier" ? [422] : [400])
  ),
  fc
    .tuple(fc.constantFrom(...allPaths), anyJson)
    .filter(([p, v]) => typeOf(v) !== typeOf(get(base, p)))
    .map(([p, v]) => m(`retype ${p.join(".")}`, (b) => setAt(b, p, v))),
  fc
    .tuple(
      fc.integer({ min: 0, max: 4 }),
      fc.oneof(fc.constantFrom("Observation", "Practitioner", "Bundle", "Task", "Patient", "Consent"), fc.string())
    )
    .filter(([i, t]) => t !== get(base, entry(i, "resource", "resourceType")))
    .map(([i, t]) => m(`resourceType ${i}`, (b) => setAt(b, entry(i, "resource", "resourceType"), t))),
  fc
    .oneof(fc.constantFrom("proposal", "plan", "original-order", "filler-order", "Order", "order "), fc.string())
    .filter((s) => s !== "order")
    .map((s) => m("intent", (b) => setAt(b, task("intent"), s))),
  fc
    .oneof(fc.constantFrom("draft", "accepted", "completed", "received"), fc.string())
    .filter((s) => s !== "requested")
    .map((s) => m("task status", (b) => setAt(b, task("status"), s))),
  fc.constantFrom(
    m("no focus", (b) => deleteAt(b, task("focus"))),
    m("focus on the Patient", (b) => setAt(b, task("focus", "reference"), get(base, entry(2, "fullUrl")))),
    m("focus nowhere", (b) => setAt(b, task("focus", "reference"), "ServiceRequest/elsewhere")),
    m("subject nowhere", (b) => setAt(b, request("subject", "reference"), "Patient/elsewhere")),
    m("duplicate Task", (b) => {
      const entries = get(b, ["entry"])
      // a shallow copy: an earlier mutation may have nested the entry deeper than structuredClone recurses
      if (Array.isArray(entries)) entries.push({ ...entries[0] })
      return b
    }),
    m("no Consent", (b) => {
      const entries = get(b, ["entry"])
      if (Array.isArray(entries)) entries.splice(3)
      return b
    }),
    m("batch", (b) => setAt(b, ["type"], "batch")),
    m("PUT entry", (b) => setAt(b, entry(2, "request", "method"), "PUT")),
    m("modifier extension", (b) => setAt(b, request("modifierExtension"), [{ url: "urn:x", valueBoolean: true }])),
    m("contained", (b) => setAt(b, patient("contained"), [{ resourceType: "Patient" }])),
    m("narrowed consent", (b) => setAt(b, entry(3, "resource", "provision", "data"), [{ meaning: "instance" }])),
    m("inactive patient", (b) => setAt(b, patient("active"), false)),
    m("do not perform", (b) => setAt(b, request("doNotPerform"), true)),
    m("forged requester", (b) => setAt(b, task("requester", "identifier", "value"), "doctor-2"), [403]),
    m("unknown programme", (b) => setAt(b, request("performer", 0, "identifier", "value"), "nowhere"), [422]),
    m(
      "exclusion present",
      (b) =>
        setAt(b, request("extension"), [
          { url: "https://lahete.fi/fhir/StructureDefinition/exclusion-present", valueCode: "acute-crisis" }
        ]),
      [422]
    ),
    m("referral consent refused", (b) => setAt(b, entry(3, "resource", "status"), "rejected"), [422]),
    m("invalid identity code", (b) => setAt(b, patient("identifier", 0, "value"), "010594Y9033"), [422])
  ),
  fc
    .tuple(
      fc.constantFrom(...stringPaths),
      fc.integer({ min: 2001, max: 300_000 }),
      fc.constantFrom("x", "ä", "\u{1F600}", " ", "\\")
    )
    .map(([p, n, c]) => m(`huge ${p.join(".")}`, (b) => setAt(b, p, c.repeat(n)), [400, 413])),
  fc
    .tuple(fc.constantFrom(...allPaths), fc.integer({ min: 33, max: 3000 }), fc.boolean())
    .map(([p, depth, asObject]) => m(`deep ${p.join(".")}`, (b) => setAt(b, p, deepValue(depth, asObject)))),
  fc
    .tuple(
      fc.constantFrom(...objectPaths),
      fc.oneof(
        fc.constantFrom("__proto__", "constructor", "toString", "nickname", "valuex", "Value", "_", "resourcetype"),
        fc.string({ minLength: 1, maxLength: 12 }).map((s) => `zz${s}`)
      ),
      anyJson
    )
    .map(([p, key, v]) => m(`unknown ${key} at ${p.join(".")}`, (b) => setAt(b, [...p, key], v)))
)

/** One to three mutations: one keeps its exact status, several only a 4xx. */
const mutated: fc.Arbitrary<Mutation> = fc
  .array(mutation, { minLength: 1, maxLength: 3 })
  // a duplicated Task and the deletion of an entry can cancel out (one Task is left): a valid Bundle, not a fuzz case
  .filter((ms) => !(ms.some((x) => x.name === "duplicate Task") && ms.some((x) => x.name.startsWith("delete entry."))))
  .map((ms) =>
    ms.length === 1 && ms[0] !== undefined
      ? ms[0]
      : m(ms.map((x) => x.name).join(" + "), (b) => ms.reduce((acc, x) => x.apply(acc), b), [400, 403, 413, 422])
  )

interface Probe {
  readonly name: string
  readonly method: string
  readonly path: string
  readonly token: "referrer" | "other" | string | null
  readonly contentType: string | null
  readonly body?: string | Uint8Array
  readonly expect: ReadonlyArray<number>
}

const validBody = JSON.stringify(base)

interface Pools {
  readonly badTokens: ReadonlyArray<string>
  readonly seedId: string
}

const probe = (pools: Pools): fc.Arbitrary<Probe> =>
  fc.oneof(
    {
      weight: 12,
      arbitrary: mutated.map(
        (mu): Probe => ({
          name: mu.name,
          method: "POST",
          path: "/",
          token: "referrer",
          contentType: "application/fhir+json",
          body: JSON.stringify(mu.apply(structuredClone(base))),
          expect: mu.expect
        })
      )
    },
    {
      weight: 1,
      arbitrary: fc.uint8Array({ maxLength: 2000 }).map(
        (bytes): Probe => ({
          name: "garbage bytes",
          method: "POST",
          path: "/",
          token: "referrer",
          contentType: "application/fhir+json",
          body: bytes,
          expect: [400]
        })
      )
    },
    {
      weight: 1,
      arbitrary: fc.jsonValue({ maxDepth: 6 }).map(
        (v): Probe => ({
          name: "random JSON",
          method: "POST",
          path: "/",
          token: "referrer",
          contentType: "application/json",
          body: JSON.stringify(v) ?? "null",
          expect: [400]
        })
      )
    },
    {
      weight: 2,
      arbitrary: fc.oneof(fc.constantFrom(...pools.badTokens), fc.string({ maxLength: 300 }), fc.constant(null)).map(
        (token): Probe => ({
          name: "bad token",
          method: "POST",
          path: "/",
          token: token === "" ? null : token,
          contentType: "application/fhir+json",
          body: validBody,
          expect: [401]
        })
      )
    },
    {
      weight: 1,
      arbitrary: fc
        .oneof(
          fc.constantFrom("application/fhir+xml", "text/plain", "application/x-www-form-urlencoded", "", "json"),
          fc.constantFrom("application/fhir+json; charset=latin1", "application/json; charset=utf-16"),
          fc.string({ maxLength: 40 }).filter((s) => !/^\s*application\/(fhir\+)?json\s*(;|$)/i.test(s))
        )
        .map(
          (contentType): Probe => ({
            name: `content type ${contentType}`,
            method: "POST",
            path: "/",
            token: "referrer",
            contentType: contentType === "" ? null : contentType,
            body: validBody,
            expect: [415]
          })
        )
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        {
          name: "another organisation reads the Task",
          method: "GET",
          path: `/Task/${pools.seedId}`,
          token: "other",
          contentType: null,
          expect: [403]
        } satisfies Probe,
        {
          name: "a date without a time in _lastUpdated",
          method: "GET",
          path: `/Task?_lastUpdated=ge2026-01-01`,
          token: "other",
          contentType: null,
          expect: [400]
        } satisfies Probe
      )
    },
    {
      weight: 1,
      arbitrary: fc
        .string({ minLength: 1, maxLength: 200 })
        .filter((id) => id !== "." && id !== "..")
        .map(
          (id): Probe => ({
            name: "unknown Task id",
            method: "GET",
            path: `/Task/${encodeURIComponent(id)}`,
            token: "referrer",
            contentType: null,
            expect: [403, 404]
          })
        )
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.oneof(fc.constantFrom("_count", "patient", "_id", "code", "_sort", "owner"), fc.string({ maxLength: 10 })),
          fc.string({ maxLength: 30 })
        )
        .filter(([k]) => k !== "status" && k !== "_lastUpdated")
        .map(
          ([k, v]): Probe => ({
            name: "unsupported search",
            method: "GET",
            path: `/Task?${new URLSearchParams([[k, v]]).toString() || "="}`,
            token: "referrer",
            contentType: null,
            expect: [400]
          })
        )
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom("PUT", "DELETE", "PATCH", "GET", "POST"),
          fc.oneof(
            fc.constantFrom("/Patient", "/Task/x/y", "/Consent/1", "/ServiceRequest", "/$everything", "/Task/_history"),
            fc.webPath()
          )
        )
        .filter(([method, path]) => {
          // as the router sees it: dot segments resolved, percent-decoded, `;…` dropped, no trailing slash
          const pathname = new URL(path.startsWith("/") ? `.${path}` : path, "http://x/").pathname
          const decoded = (() => {
            try {
              return decodeURIComponent(pathname)
            } catch {
              return pathname
            }
          })()
          // (the router matches paths case-insensitively)
          const p = (decoded.split(";")[0] ?? "").replace(/\/+$/, "").toLowerCase()
          return !(
            (method === "POST" && (p === "" || p === "/bundle")) ||
            (method === "GET" && (p === "/metadata" || p.startsWith("/task")))
          )
        })
        .map(
          ([method, path]): Probe => ({
            name: `${method} ${path}`,
            method,
            path: path.startsWith("/") ? path : `/${path}`,
            token: "referrer",
            contentType: method === "POST" || method === "PUT" ? "application/fhir+json" : null,
            ...(method === "POST" || method === "PUT" || method === "PATCH" ? { body: validBody } : {}),
            expect: [404]
          })
        )
    }
  )

const secrets = Object.values(personal)

const check = (p: Probe, answer: Answer) => {
  const where = `${p.name} → ${answer.status} ${answer.text.slice(0, 300)}`
  expect(p.expect, where).toContain(answer.status)
  expect(answer.contentType, where).toBe("application/fhir+json; charset=utf-8")
  expect(answer.outcome?.resourceType, where).toBe("OperationOutcome")
  expect(answer.outcome.issue.length, where).toBeGreaterThan(0)
  for (const issue of answer.outcome.issue) {
    expect(issue.severity, where).toBe("error")
    expect(typeof issue.code, where).toBe("string")
  }
  for (const secret of secrets) expect(answer.text, where).not.toContain(secret)
}

const snapshot = (h: Harness) =>
  Effect.gen(function* () {
    const ids = yield* h.store.referralIds()
    const versions: Record<string, number> = {}
    for (const id of ids) versions[id] = (yield* h.store.load(id)).version
    return { ids, versions }
  })

describe("FhirServer fuzz", () => {
  it.live(
    "10 000 malformed or hostile requests: every one a 4xx with an OperationOutcome, nothing written",
    () =>
      withServer((h) =>
        Effect.gen(function* () {
          // one real referral, for the probes that try to read it
          const seed = yield* h.post(referralBundle("msg-seed"))
          expect(seed.status).toBe(201)
          const seedId = seed.bundle.entry?.[0]?.resource?.id ?? ""
          const seedTask = (yield* h.get(`/Task/${seedId}`)).json
          const before = yield* snapshot(h)

          const referrerToken = yield* Effect.promise(() => Tokens.sign(Fixtures.referrer))
          const otherToken = yield* Effect.promise(() => Tokens.sign(ReferralTransportTest.senders.otherOrganisation))
          const r = Fixtures.referrer
          const badTokens = yield* Effect.promise(() =>
            Promise.all([
              Tokens.sign(r, { issuedAt: -7200, expiresIn: 60 }),
              Tokens.sign(r, { issuedAt: 7200 }),
              Tokens.sign(r, { audience: "https://elsewhere.test" }),
              Tokens.sign(r, { issuer: "unknown-organisation" }),
              Tokens.sign(r, { key: Tokens.rogue.privateKey }),
              Tokens.sign(r, { subject: "" }),
              Tokens.sign(r, { subject: "has spaces" }),
              Tokens.sign(r, { profession: "Not A Code" }),
              Tokens.sign(r, { expiresIn: 1_000_000 }).then((t) => `${t.slice(0, -4)}AAAA`),
              Promise.resolve("eyJhbGciOiJub25lIn0.eyJpc3MiOiJrZW1pamFydmktd2VsbGJlaW5nLWNlbnRyZSJ9."),
              Promise.resolve("Basic dXNlcjpwYXNz")
            ])
          )
          const counts = new Map<number, number>()
          yield* Effect.promise(() =>
            fc.assert(
              fc.asyncProperty(probe({ badTokens, seedId }), async (p) => {
                const token = p.token === "referrer" ? referrerToken : p.token === "other" ? otherToken : p.token
                const answer = await Effect.runPromise(
                  h.request(p.method, p.path, {
                    token,
                    contentType: p.contentType,
                    ...(p.body === undefined ? {} : { body: p.body })
                  })
                )
                counts.set(answer.status, (counts.get(answer.status) ?? 0) + 1)
                check(p, answer)
              }),
              { numRuns: 10_000 }
            )
          )
          // every kind of refusal was met
          for (const status of [400, 401, 403, 404, 413, 415, 422]) {
            expect(counts.get(status) ?? 0, `no ${status} among the answers`).toBeGreaterThan(10)
          }
          // nothing was written, and the seed referral is as it was
          expect(yield* snapshot(h)).toEqual(before)
          expect((yield* h.get(`/Task/${seedId}`)).json).toEqual(seedTask)
        })
      ),
    { timeout: 600_000 }
  )
})
