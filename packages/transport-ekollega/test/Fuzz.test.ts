/**
 * Hostile traffic against the inbox, in process (`HttpRouter.toWebHandler`,
 * the same routes the Node server serves): generated requests with broken
 * bodies (wrong types, missing and unknown fields, huge strings, deep
 * nesting, garbage bytes, text that is not JSON), wrong media types, bad
 * tokens (expired, not yet valid, too long-lived, `alg: none`, HS256 with the
 * public key, another organisation's or a stranger's key, wrong audience,
 * tampered, garbage), other organisations reading a referral, lifecycle
 * refusals, bad ids, queries, methods and paths.
 *
 * Every request must get a 4xx problem (the expected one where the case
 * fixes it) with no personal data, nothing may crash, and nothing may be
 * written: the store's referrals and versions and the audit log's usage and
 * disclosure entries stay as they were; only refusal entries (forbidden
 * reads, an ineligible profession) may be added, one per such request.
 */
import { describe, expect, it } from "@effect/vitest"
import { Actor, Instant, ReferralTransport } from "@lahete/core"
import { Fixtures, ReferralTransportTest } from "@lahete/testing"
import { EkollegaInbox, EkollegaMessage, EkollegaToken } from "@lahete/transport-ekollega"
import { Duration, Effect, Result, Schema } from "effect"
import * as fc from "fast-check"
import { inbox, origin, read, request, snapshot } from "./support/inbox.js"
import { audience, keys } from "./support/layers.js"
import { claims, hmacWithPublicKey, keyOf, signWith, strangerJwk, unsecured } from "./support/tokens.js"

const numRuns = Number(process.env.FUZZ_RUNS ?? 10_000)
const limit = EkollegaInbox.defaultMaxBodyBytes
const { referrer, colleague, otherOrganisation, sameIdOtherOrganisation } = ReferralTransportTest.senders
const home = referrer.organisation
const away = otherOrganisation.organisation
const path = EkollegaMessage.referralsPath
const janitor = Actor.make("Referrer", "janitor-3", home, "janitor")

const personal = [
  Fixtures.submit().client.givenName,
  Fixtures.submit().client.familyName,
  Fixtures.submit().client.personalIdentityCode ?? "",
  "+358401234567",
  Fixtures.submit().reasonText,
  Fixtures.close().feedback
]

// ---------------------------------------------------------------------------
// bodies
// ---------------------------------------------------------------------------

let fresh = 0
/** A new valid message with a new id, deep-copied (the fixtures share their arrays). */
const freshMessage = (): Record<string, unknown> => structuredClone(ReferralTransportTest.message(`fuzz-${++fresh}`))

const template = ReferralTransportTest.message("template") as unknown as Record<string, unknown>
const topKeys = Object.keys(template)
const clientKeys = ["givenName", "familyName", "personalIdentityCode", "birthYear", "mobileNumber", "language"]
const fieldPaths = [
  ...topKeys,
  ...clientKeys.map((k) => `client.${k}`),
  "consents.0",
  "consents.0.purpose",
  "consents.0.decision",
  "consents.0.method",
  "consents.0.expiresAt",
  "reasonCategories.0",
  "exclusionsPresent.0",
  "programmeVersion"
]
const requiredPaths = [
  ...topKeys,
  "client.givenName",
  "client.familyName",
  "client.language",
  "consents.0.purpose",
  "consents.0.decision",
  "consents.0.method"
]
const stringPaths = [
  "messageId",
  "programmeId",
  "reasonText",
  "client.givenName",
  "client.familyName",
  "client.personalIdentityCode",
  "client.mobileNumber",
  "client.language",
  "reasonCategories.0",
  "consents.0.purpose"
]

/** Sets (or, with `remove`, deletes) the value at a dotted path, creating nothing. */
const at = (root: Record<string, unknown>, dotted: string, value: unknown, remove = false): Record<string, unknown> => {
  const keysOf = dotted.split(".")
  let node: unknown = root
  for (const key of keysOf.slice(0, -1)) {
    if (typeof node !== "object" || node === null) return root
    node = (node as Record<string, unknown>)[key]
  }
  const last = keysOf[keysOf.length - 1] ?? ""
  if (typeof node === "object" && node !== null) {
    if (remove) delete (node as Record<string, unknown>)[last]
    else (node as Record<string, unknown>)[last] = value
  }
  return root
}

const utf8 = new TextDecoder("utf-8", { fatal: true })
/** The bodies the fuzz makes: text or bytes. */
type Fixed = string | Uint8Array<ArrayBuffer>
const size = (body: Fixed) => (typeof body === "string" ? new TextEncoder().encode(body).length : body.length)

/** What the inbox must answer a body from a valid sender with: 413, 400, or `undefined` for a valid message. */
const expectedFor = (body: Fixed): 400 | 413 | undefined => {
  if (size(body) > limit) return 413
  let text: string
  try {
    text = typeof body === "string" ? body : utf8.decode(body)
  } catch {
    return 400
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return 400
  }
  return Result.isFailure(ReferralTransport.decodeInbound(json)) ? 400 : undefined
}

const deepText = (depth: number, objects: boolean) =>
  objects ? `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}` : `${"[".repeat(depth)}${"]".repeat(depth)}`

const bodyArb: fc.Arbitrary<{ readonly sub: string; readonly body: Fixed }> = fc.oneof(
  fc
    .tuple(fc.constantFrom(...fieldPaths), fc.anything({ maxDepth: 3, withNullPrototype: true, withBigInt: false }))
    .map(([p, v]) => ({ sub: "wrong-type", body: JSON.stringify(at(freshMessage(), p, v)) })),
  fc.subarray(requiredPaths, { minLength: 1 }).map((ps) => ({
    sub: "missing",
    body: JSON.stringify(ps.reduce((m, p) => at(m, p, undefined, true), freshMessage()))
  })),
  fc
    .tuple(
      fc.constantFrom("", "client.", "consents.0.", "programme."),
      fc
        .string({ minLength: 1, maxLength: 20 })
        .filter((k) => !fieldPaths.includes(k) && !clientKeys.includes(k) && k !== "__proto__"),
      fc.jsonValue({ maxDepth: 2 })
    )
    .map(([prefix, key, value]) => ({
      sub: "unknown-field",
      body: JSON.stringify(at(freshMessage(), `${prefix}${key}`, value))
    })),
  fc
    .tuple(
      fc.constantFrom(...stringPaths),
      fc.integer({ min: 129, max: 90_000 }),
      fc.constantFrom("x", "ä", "\u0000", "😀", "\\")
    )
    .map(([p, n, c]) => ({ sub: "huge-string", body: JSON.stringify(at(freshMessage(), p, c.repeat(n))) })),
  fc
    .tuple(fc.constantFrom("", ...fieldPaths), fc.integer({ min: 20, max: 40_000 }), fc.boolean())
    .map(([p, depth, objects]) => ({
      sub: "deep",
      body:
        p === ""
          ? deepText(depth, objects)
          : JSON.stringify(at(freshMessage(), p, "__DEEP__")).replace('"__DEEP__"', deepText(depth, objects))
    })),
  fc.uint8Array({ maxLength: 4096 }).map((bytes) => ({ sub: "garbage-bytes", body: new Uint8Array(bytes) })),
  fc.string({ maxLength: 400, unit: "binary" }).map((text) => ({ sub: "text", body: text })),
  fc.jsonValue({ maxDepth: 4 }).map((value) => ({ sub: "any-json", body: JSON.stringify(value) ?? "null" }))
)

// ---------------------------------------------------------------------------
// tokens
// ---------------------------------------------------------------------------

const now = () => Math.floor(Date.now() / 1000)
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value) ?? "null").toString("base64url")
const printable = /^[\x21-\x7e]{0,300}$/

/** The fixed bad tokens (made once: each stays bad for the test's duration). */
const badTokens = async (): Promise<ReadonlyArray<{ readonly name: string; readonly authorization: string }>> => {
  const bearer = async (name: string, token: Promise<string> | string) => ({
    name,
    authorization: `Bearer ${await token}`
  })
  const tampered = async () => {
    const [h, , s] = (await signWith(claims(home), keyOf(home))).split(".")
    return `${h}.${b64(claims(home, { sub: "doctor-2" }))}.${s}`
  }
  return Promise.all([
    bearer("alg-none", unsecured(claims(home))),
    bearer("alg-none-signed", unsecured(claims(home), "c2lnbmF0dXJl")),
    bearer("expired", signWith(claims(home, { iat: now() - 900, exp: now() - 600 }), keyOf(home))),
    bearer("issued-in-future", signWith(claims(home, { iat: now() + 900, exp: now() + 960 }), keyOf(home))),
    bearer("not-yet-valid", signWith(claims(home, { nbf: now() + 900 }), keyOf(home))),
    bearer("too-long-lived", signWith(claims(home, { exp: now() + 7200 }), keyOf(home))),
    bearer("wrong-audience", signWith(claims(home, { aud: "urn:lahete:inbox:elsewhere" }), keyOf(home))),
    bearer("stranger-key", signWith(claims(home), strangerJwk)),
    bearer("other-organisation-key", signWith(claims(home), keyOf(away))),
    bearer(
      "other-organisation-key-kid",
      signWith(claims(home), keyOf(away), { kid: keys.get(home)?.publicKeys.keys[0]?.kid })
    ),
    bearer("unregistered-issuer", signWith(claims("unregistered-centre"), strangerJwk)),
    bearer("hs256-public-key", hmacWithPublicKey(claims(home), home)),
    bearer("no-profession", signWith(claims(home, { profession: undefined }), keyOf(home))),
    bearer("bad-subject", signWith(claims(home, { sub: "Aino Testinen" }), keyOf(home))),
    bearer("tampered", tampered()),
    { name: "basic", authorization: "Basic bnVyc2UtMTpzZWNyZXQ=" },
    { name: "empty-bearer", authorization: "Bearer" }
  ])
}

const tokenArb: fc.Arbitrary<{ readonly pick: number } | { readonly raw: string | undefined }> = fc.oneof(
  { weight: 3, arbitrary: fc.nat().map((pick) => ({ pick })) },
  fc.constant({ raw: undefined }),
  fc.stringMatching(printable).map((s) => ({ raw: `Bearer ${s}` })),
  fc
    .tuple(fc.jsonValue({ maxDepth: 2 }), fc.jsonValue({ maxDepth: 2 }), fc.base64String({ maxLength: 120 }))
    .map(([h, p, s]) => ({
      raw: `Bearer ${b64(h)}.${b64(p)}.${s.replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "")}`
    })),
  fc
    .tuple(fc.constantFrom("none", "HS256", "RS256", "ES256", "EdDSA", "ES512"), fc.base64String({ maxLength: 120 }))
    .map(([alg, s]) => ({
      raw: `Bearer ${b64({ alg, typ: "JWT" })}.${b64(claims(home))}.${s.replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "")}`
    })),
  fc.stringMatching(/^[\x20-\x7e]{0,80}$/).map((s) => ({ raw: s }))
)

// ---------------------------------------------------------------------------
// cases
// ---------------------------------------------------------------------------

type Case =
  | { readonly kind: "body"; readonly sub: string; readonly body: Fixed; readonly expected: 400 | 413 }
  | {
      readonly kind: "token"
      readonly token: { readonly pick: number } | { readonly raw: string | undefined }
      readonly route: number
    }
  | { readonly kind: "media"; readonly contentType: string | null }
  | { readonly kind: "lifecycle"; readonly variant: number; readonly programmeId: string }
  | { readonly kind: "ineligible" }
  | { readonly kind: "foreign"; readonly who: number; readonly target: number }
  | { readonly kind: "query"; readonly query: string }
  | { readonly kind: "id"; readonly segment: string }
  | { readonly kind: "route"; readonly method: string; readonly path: string }

const isJsonType = (t: string) => /^\s*application\/json\s*(;|$)/i.test(t)

const queryArb = fc
  .tuple(
    fc.array(
      fc.oneof(
        fc.constant(["since", "2026-03-02T07:00:00.000Z"] as const),
        fc.constantFrom(...EkollegaInbox.taskStatuses).map((s) => ["status", s] as const)
      ),
      { maxLength: 3 }
    ),
    fc.oneof(
      fc.tuple(
        fc.string({ minLength: 1, maxLength: 12 }).filter((k) => k !== "since" && k !== "status"),
        fc.string({ maxLength: 12 })
      ),
      fc.tuple(
        fc.constant("since"),
        fc.string({ maxLength: 40 }).filter((v) => Instant.parse(v) === undefined)
      ),
      fc.tuple(
        fc.constant("status"),
        fc.string({ maxLength: 20 }).filter((v) => v.split(",").some((c) => !EkollegaInbox.taskStatuses.includes(c)))
      )
    ),
    fc.nat()
  )
  .map(([valid, [k, v], position]) => {
    const pairs: Array<readonly [string, string]> = [...valid]
    pairs.splice(position % (pairs.length + 1), 0, [k, v])
    return new URLSearchParams(pairs.map(([a, b]): [string, string] => [a, b])).toString()
  })

const caseArb: fc.Arbitrary<Case> = fc.oneof(
  {
    weight: 4,
    arbitrary: bodyArb
      .map((b) => ({ ...b, expected: expectedFor(b.body) }))
      .filter((b): b is typeof b & { expected: 400 | 413 } => b.expected !== undefined)
      .map((b): Case => ({ kind: "body", sub: b.sub, body: b.body, expected: b.expected }))
  },
  {
    weight: 3,
    arbitrary: fc.tuple(tokenArb, fc.nat({ max: 3 })).map(([token, route]): Case => ({ kind: "token", token, route }))
  },
  fc
    .oneof(
      fc.constantFrom(
        "text/plain",
        "application/xml",
        "application/x-www-form-urlencoded",
        "application/json-patch+json",
        "application/json; charset=latin1",
        ""
      ),
      fc.stringMatching(/^[\x20-\x7e]{0,60}$/).filter((t) => !isJsonType(t)),
      fc.constant(null)
    )
    .map((contentType): Case => ({ kind: "media", contentType })),
  fc
    .tuple(
      fc.nat({ max: 4 }),
      fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/).filter((p) => p !== "kemijarvi" && p !== "sodankyla")
    )
    .map(([variant, programmeId]): Case => ({ kind: "lifecycle", variant, programmeId })),
  fc.constant<Case>({ kind: "ineligible" }),
  fc.tuple(fc.nat({ max: 2 }), fc.nat({ max: 1 })).map(([who, target]): Case => ({ kind: "foreign", who, target })),
  queryArb.map((query): Case => ({ kind: "query", query })),
  fc
    .oneof(
      fc.string({ minLength: 1, maxLength: 200 }).map(encodeURIComponent),
      fc.stringMatching(/^[A-Za-z0-9._:~-]{1,140}$/)
    )
    // dot segments ("." "..") leave the member path: those are the collection or other routes, not an id
    .filter((segment) => new URL(`${origin}${path}/${segment}`).pathname.length > path.length + 1)
    .map((segment): Case => ({ kind: "id", segment })),
  fc
    .tuple(
      fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"),
      fc.stringMatching(/^\/[A-Za-z0-9._~/-]{0,40}$/)
    )
    .filter(([method, p]) => {
      const normalised = new URL(`${origin}${p}`).pathname
      return (
        method === "PUT" ||
        method === "PATCH" ||
        method === "DELETE" ||
        method === "OPTIONS" ||
        !normalised.startsWith("/v1/referrals")
      )
    })
    .map(([method, p]): Case => ({ kind: "route", method, path: p }))
)

describe("EkollegaInbox: fuzz", () => {
  it.live(
    `FUZZ: ${numRuns.toLocaleString("en")} generated malformed or hostile requests each get a 4xx problem; nothing crashes, nothing is written`,
    () =>
      Effect.gen(function* () {
        const { fetch, service, store, audit } = yield* inbox()

        // valid tokens, re-signed while the test runs (each lives 4 minutes)
        const signers = new Map<string, EkollegaToken.Sign>()
        for (const [organisation, pair] of keys) {
          signers.set(
            organisation,
            yield* EkollegaToken.signer({
              organisation,
              audience,
              privateKey: pair.privateKey,
              lifetime: Duration.minutes(4)
            })
          )
        }
        const cache = new Map<string, { token: string; at: number }>()
        const tokenOf = async (actor: Actor.Actor) => {
          const key = `${actor.organisation}/${actor.id}/${actor.profession}`
          const hit = cache.get(key)
          if (hit !== undefined && Date.now() - hit.at < 60_000) return hit.token
          const signer = signers.get(actor.organisation)
          if (signer === undefined) throw new Error("no signer")
          const token = await Effect.runPromise(signer(actor))
          cache.set(key, { token, at: Date.now() })
          return token
        }
        const send = (req: Request) => Effect.promise(() => fetch(req))

        // seed: the home referral closed with the feedback readable (C3), and one of the other organisation
        const seedA = yield* send(
          request("POST", path, {
            token: yield* Effect.promise(() => tokenOf(referrer)),
            json: ReferralTransportTest.message("seed-a")
          })
        )
        const receiptA = yield* Effect.promise(() => read(EkollegaMessage.Receipt, seedA))
        const steps = ReferralTransportTest.lifecycle(receiptA)
        for (const c of [
          steps.assign(),
          steps.scheduleCall(),
          steps.firstContact(),
          steps.grantFeedback(),
          steps.close()
        ]) {
          yield* service.execute(c)
        }
        const seedB = yield* send(
          request("POST", path, {
            token: yield* Effect.promise(() => tokenOf(otherOrganisation)),
            json: ReferralTransportTest.message("seed-b")
          })
        )
        const receiptB = yield* Effect.promise(() => read(EkollegaMessage.Receipt, seedB))
        const ownRead = yield* send(
          request("GET", `${path}/${receiptA.referralId}`, { token: yield* Effect.promise(() => tokenOf(referrer)) })
        )
        expect((yield* Effect.promise(() => read(EkollegaMessage.StatusReport, ownRead))).feedbackText).toBe(
          Fixtures.close().feedback
        )

        const subjects = yield* Effect.forEach([receiptA, receiptB], (r) =>
          Effect.map(service.state(r.referralId), (s) => s.subjectId)
        )
        const logs = Effect.forEach(subjects, (s) => (s === undefined ? Effect.die("no subject") : audit.forSubject(s)))
        const storeBefore = yield* snapshot(store)
        const logsBefore = yield* logs
        const refusalsBefore = (yield* audit.refusals()).length
        expect(storeBefore.ids).toHaveLength(2)

        const bad = yield* Effect.promise(badTokens)
        const counts = new Map<string, number>()
        const statuses = new Map<number, number>()
        let expectedRefusals = 0
        const count = (map: Map<string | number, number>, key: string | number) => map.set(key, (map.get(key) ?? 0) + 1)

        const run = async (c: Case): Promise<void> => {
          let req: Request
          let expected: number | ReadonlyArray<number>
          switch (c.kind) {
            case "body":
              count(counts, `body:${c.sub}`)
              req = request("POST", path, { token: await tokenOf(referrer), body: c.body })
              expected = c.expected
              break
            case "token": {
              const authorization = "pick" in c.token ? bad[c.token.pick % bad.length]?.authorization : c.token.raw
              count(counts, "pick" in c.token ? `token:${bad[c.token.pick % bad.length]?.name}` : "token:generated")
              const options = authorization === undefined ? {} : { authorization }
              req =
                c.route === 0
                  ? request("POST", path, { ...options, json: freshMessage() })
                  : c.route === 1
                    ? request("GET", `${path}/${receiptA.referralId}`, options)
                    : c.route === 2
                      ? request("GET", path, options)
                      : request("GET", `${path}?since=2026-03-02T07:00:00.000Z`, options)
              expected = 401
              break
            }
            case "media":
              count(counts, "media")
              req = request("POST", path, {
                token: await tokenOf(referrer),
                json: freshMessage(),
                contentType: c.contentType
              })
              expected = 415
              break
            case "lifecycle": {
              count(counts, `lifecycle:${c.variant}`)
              const m = freshMessage()
              const body =
                c.variant === 0
                  ? { ...m, consents: [Fixtures.consentGiven("contact-by-sms")] }
                  : c.variant === 1
                    ? { ...m, exclusionsPresent: ["acute-crisis"] }
                    : c.variant === 2
                      ? { ...m, programmeId: c.programmeId }
                      : c.variant === 3
                        ? { ...m, programmeVersion: 99 }
                        : { ...ReferralTransportTest.message("seed-a"), feedbackRequested: false }
              req = request("POST", path, { token: await tokenOf(referrer), json: body })
              expected = c.variant === 4 ? 409 : 422
              break
            }
            case "ineligible":
              count(counts, "ineligible")
              req = request("POST", path, { token: await tokenOf(janitor), json: freshMessage() })
              expected = 403
              expectedRefusals++
              break
            case "foreign": {
              count(counts, "foreign")
              const reader =
                c.target === 1
                  ? referrer
                  : ([otherOrganisation, sameIdOtherOrganisation, colleague][c.who] ?? colleague)
              const target = c.target === 1 ? receiptB : receiptA
              req = request("GET", `${path}/${target.referralId}`, { token: await tokenOf(reader) })
              expected = 403
              expectedRefusals++
              break
            }
            case "query":
              count(counts, "query")
              req = request("GET", `${path}?${c.query}`, { token: await tokenOf(referrer) })
              expected = 400
              break
            case "id":
              count(counts, "id")
              req = request("GET", `${path}/${c.segment}`, { token: await tokenOf(otherOrganisation) })
              expected = [400, 403, 404]
              break
            case "route":
              count(counts, "route")
              req = request(c.method, c.path, { token: await tokenOf(referrer) })
              expected = 404
              break
          }
          const response = await fetch(req)
          const text = await response.text()
          count(statuses, response.status)
          if (c.kind === "id" && response.status === 403) expectedRefusals++
          const wanted = typeof expected === "number" ? [expected] : expected
          if (!wanted.includes(response.status)) {
            throw new Error(`${c.kind}: expected ${wanted.join("/")}, got ${response.status}: ${text.slice(0, 300)}`)
          }
          expect(response.headers.get("content-type")).toBe(EkollegaMessage.problemMediaType)
          const problem = Schema.decodeUnknownSync(EkollegaMessage.Problem)(JSON.parse(text))
          expect(problem.status).toBe(response.status)
          expect(problem.reason === undefined ? undefined : ReferralTransport.httpStatus[problem.reason]).toBe(
            response.status
          )
          for (const p of personal) {
            if (text.includes(p)) throw new Error(`${c.kind}: the answer contains personal data`)
          }
        }

        yield* Effect.promise(() => fc.assert(fc.asyncProperty(caseArb, run), { numRuns }))

        // nothing was written
        expect(yield* snapshot(store)).toEqual(storeBefore)
        expect(yield* logs).toEqual(logsBefore)
        const refusals = (yield* audit.refusals()).slice(refusalsBefore)
        expect(refusals).toHaveLength(expectedRefusals)
        for (const r of refusals) expect(["not-own-referral", "profession-not-eligible"]).toContain(r.reason)

        // every kind of hostility was tried, many times
        const total = [...counts.values()].reduce((a, b) => a + b, 0)
        expect(total).toBeGreaterThanOrEqual(numRuns)
        for (const kind of ["media", "ineligible", "foreign", "query", "id", "route", "token:generated"]) {
          expect(counts.get(kind) ?? 0, kind).toBeGreaterThan(100)
        }
        for (const t of bad) expect(counts.get(`token:${t.name}`) ?? 0, t.name).toBeGreaterThan(5)
        for (const sub of [
          "wrong-type",
          "missing",
          "unknown-field",
          "huge-string",
          "deep",
          "garbage-bytes",
          "text",
          "any-json"
        ]) {
          expect(counts.get(`body:${sub}`) ?? 0, sub).toBeGreaterThan(50)
        }
        expect(statuses.get(413) ?? 0).toBeGreaterThan(50)
        for (let v = 0; v <= 4; v++) expect(counts.get(`lifecycle:${v}`) ?? 0).toBeGreaterThan(20)
        console.info(
          `[ekollega fuzz] ${total} requests; statuses ${JSON.stringify(Object.fromEntries(statuses))}; ${refusals.length} refusals logged`
        )
      }),
    600_000
  )
})
