/**
 * The OpenAPI document as a stranger uses it: a TypeScript client is
 * generated from the served `/openapi.json` at test time (with
 * `@hey-api/openapi-ts`: a fetch client and one function per operation), and
 * the whole referral lifecycle is driven through it, every role's view
 * included; every answer (successes and refusals, and the 404, 413 and 415
 * of raw requests) is checked against the document's schema for its
 * operation and status (Ajv, JSON Schema 2020-12, `date-time` checked).
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { expect, layer } from "@effect/vitest"
import { createClient } from "@hey-api/openapi-ts"
import { ReferralCommand } from "@lahete/core"
import { Fixtures } from "@lahete/testing"
import { Ajv2020 } from "ajv/dist/2020.js"
import { Effect } from "effect"
import { Harness, layer as harness } from "./support/harness.js"
import * as Stores from "./support/stores.js"

type Json = Record<string, unknown>
type Operation = {
  readonly operationId: string
  readonly responses: Record<string, { readonly content?: Record<string, { readonly schema?: unknown }> }>
}
interface Result {
  readonly data?: unknown
  readonly error?: unknown
  readonly response: Response
}
type SdkFunction = (options: Json) => Promise<Result>

const hours = (h: number) => Date.parse(Fixtures.at(h))

const bodyOf = (command: ReferralCommand.ReferralCommand): Json => {
  const { _tag, referralId, idempotencyKey, actor, at, ...body } = command
  return body
}

/** `referrals.scheduleCall` → `referralsScheduleCall`, the generated function's name. */
const functionName = (operationId: string) => operationId.replace(/[.\-_](\w)/g, (_, c: string) => c.toUpperCase())

const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/

layer(harness(Stores.memory()), { excludeTestServices: true, timeout: "120 seconds" })(
  "a client generated from /openapi.json",
  (it) => {
    it.effect(
      "drives the whole lifecycle; every answer matches the document's schema for its status",
      () =>
        Effect.gen(function* () {
          const h = yield* Harness
          const served = yield* h.request("GET", "/openapi.json")
          expect(served.status).toBe(200)
          const doc = served.json as Json & { readonly paths: Record<string, Record<string, Operation>> }

          // generate the client now, from what the server serves
          const dir = mkdtempSync(join(tmpdir(), "lahete-openapi-client-"))
          yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
          yield* Effect.promise(() =>
            createClient({
              input: structuredClone(doc),
              output: { path: dir },
              plugins: ["@hey-api/client-fetch", "@hey-api/sdk"],
              logs: { level: "silent" }
            })
          )
          const sdk = (yield* Effect.promise(() => import(join(dir, "index.ts")))) as Record<string, unknown>
          const generated = (yield* Effect.promise(() => import(join(dir, "client.gen.ts")))) as {
            readonly client: { readonly setConfig: (config: Json) => void }
          }
          generated.client.setConfig({ baseUrl: h.url })

          // every operation of the document has its generated function
          const operations = new Map<
            string,
            { readonly path: string; readonly method: string; readonly op: Operation }
          >()
          for (const [path, item] of Object.entries(doc.paths)) {
            for (const [method, op] of Object.entries(item)) operations.set(op.operationId, { path, method, op })
          }
          // one per command, 12 views and registry endpoints, 5 directory endpoints, 3 survey endpoints, 2 operations
          expect(operations.size).toBe(ReferralCommand.tags.length + 22)
          for (const id of operations.keys()) expect(typeof sdk[functionName(id)], id).toBe("function")

          // the document's schemas, compiled with its components
          const ajv = new Ajv2020({ strict: false, allErrors: true })
          ajv.addFormat("date-time", rfc3339)
          const validatorOf = (schema: unknown) => ajv.compile({ ...(schema as Json), components: doc.components })
          const checked: Array<string> = []
          const check = (operationId: string, status: number, contentType: string | null, body: unknown) => {
            const entry = operations.get(operationId)
            if (entry === undefined) throw new Error(`no operation ${operationId}`)
            const response = entry.op.responses[String(status)]
            expect(response, `${operationId}: status ${status} is declared`).toBeDefined()
            const [media, declared] = Object.entries(response?.content ?? {})[0] ?? []
            expect(contentType ?? "", `${operationId} ${status}: content type`).toContain(media ?? "(none)")
            if (media === "application/json") {
              const validate = validatorOf(declared?.schema)
              const valid = validate(body)
              expect(validate.errors ?? [], `${operationId} ${status}: ${JSON.stringify(body).slice(0, 300)}`).toEqual(
                []
              )
              expect(valid).toBe(true)
            }
            checked.push(`${operationId} ${status}`)
          }

          const tokens = new Map<string, string>()
          const tokenFor = (actor: typeof Fixtures.referrer) =>
            Effect.promise(async () => {
              const token = await h.signer.sign(actor)
              tokens.set(actor.id, token)
              return token
            })
          let keys = 0
          /** Calls the generated function of an operation as an actor; checks the answer; returns its body. */
          const call = (
            operationId: string,
            actor: typeof Fixtures.referrer | undefined,
            options: Json = {},
            expected = 200
          ) =>
            Effect.gen(function* () {
              const fn = sdk[functionName(operationId)] as SdkFunction
              const token = actor === undefined ? undefined : yield* tokenFor(actor)
              const isCommand = operations.get(operationId)?.op.operationId.startsWith("referrals.") === true
              const headers: Json = {
                ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
                ...(isCommand ? { "idempotency-key": `gen-${++keys}` } : {}),
                ...(options.headers as Json | undefined)
              }
              const result = yield* Effect.promise(() => fn({ ...options, headers, parseAs: "auto" }))
              const body = result.data ?? result.error
              expect(result.response.status, `${operationId}: ${JSON.stringify(body).slice(0, 400)}`).toBe(expected)
              check(operationId, result.response.status, result.response.headers.get("content-type"), body)
              return body as Json
            })
          const at = (h2: number) => Effect.sync(() => h.time.set(hours(h2)))
          const referralId = "referral-gen-1"
          const path = { referralId }
          const { referrer, coordinator, linkWorkerActor: linkWorker, evaluator, system, client } = Fixtures

          // liveness, readiness
          yield* call("operations.health", undefined)
          yield* call("operations.ready", undefined)

          // the referrer submits; the coordinator sees the inbox and assigns; the registry
          yield* at(0)
          const submitted = yield* call(
            "referrals.submit",
            referrer,
            { body: { ...bodyOf(Fixtures.submit()), referralId, subjectId: client.id } },
            201
          )
          expect(submitted).toMatchObject({ referralId, status: "Submitted" })
          yield* call("coordinator.inbox", coordinator)
          yield* call("coordinator.listLinkWorkers", coordinator)
          const worker = yield* call("coordinator.getLinkWorker", coordinator, {
            path: { linkWorkerId: linkWorker.id }
          })
          yield* call("coordinator.putLinkWorker", coordinator, { path: { linkWorkerId: linkWorker.id }, body: worker })
          yield* call("coordinator.trainingDue", coordinator, { query: { programmeId: "kemijarvi", withinDays: "30" } })
          yield* at(2)
          yield* call("referrals.assign", coordinator, { path, body: { linkWorkerId: linkWorker.id } })

          // the link worker works the referral
          yield* at(4)
          yield* call("linkWorker.caseload", linkWorker)
          yield* call("linkWorker.referral", linkWorker, { path })
          // refusals are answers of the document too: a call at night (422), the referrer reading the caseload (403)
          const night = yield* call(
            "referrals.scheduleCall",
            linkWorker,
            { path, body: { callAt: Fixtures.at(18), notifyBySms: true } },
            422
          )
          expect(night).toMatchObject({ _tag: "Unprocessable", refusal: { _tag: "CallTimeNotAllowed" } })
          yield* call("linkWorker.caseload", referrer, {}, 403)
          yield* call(
            "referrals.reject",
            coordinator,
            { path: { referralId: "no-such" }, body: { reason: "other" } },
            404
          )
          yield* call("referrals.scheduleCall", linkWorker, { path, body: bodyOf(Fixtures.scheduleCall()) })
          yield* at(26)
          yield* call("referrals.recordFirstContact", linkWorker, { path, body: bodyOf(Fixtures.firstContact()) })
          yield* call("referrals.recordConsent", linkWorker, {
            path,
            body: bodyOf(Fixtures.recordConsent("feedback-to-referrer", "granted", { at: Fixtures.at(27) }))
          })
          yield* at(24 * 14)
          yield* call("referrals.putOnHold", linkWorker, { path, body: bodyOf(Fixtures.putOnHold()) })
          yield* at(24 * 21)
          yield* call("referrals.resume", linkWorker, { path, body: bodyOf(Fixtures.resume()) })
          yield* at(24 * 120)
          yield* call("referrals.close", linkWorker, { path, body: bodyOf(Fixtures.close()) })

          // the closed loop, subject access, the follow-up, evaluation
          const status = yield* call("referrer.status", referrer, { path })
          expect(status).toMatchObject({ status: "Closed", feedback: "available" })
          yield* call("referrer.overview", referrer)
          yield* call("client.subjectAccess", client, { path: { subjectId: client.id } })
          yield* at(24 * (120 + 92 + 15))
          yield* call("referrals.expireFollowUp", system, { path, body: bodyOf(Fixtures.expireFollowUp()) })
          yield* call("referrals.cancel", referrer, { path, body: { reason: "no-longer-needed" } }, 409)
          const window = { from: Fixtures.at(-24), to: Fixtures.at(24 * 400), minimumCell: "5" }
          yield* call("evaluation.report", evaluator, { path: { programmeId: "kemijarvi" }, query: window })
          yield* call("evaluation.reportHtml", evaluator, { path: { programmeId: "kemijarvi" }, query: window })
          // a query the document's pattern refuses is refused by the server (400)
          yield* call(
            "coordinator.trainingDue",
            coordinator,
            { query: { programmeId: "kemijarvi", withinDays: "1e1" } },
            400
          )

          // raw requests: an unknown route, a body too large, a body that is not JSON
          const raw = (method: string, url: string, init: RequestInit) =>
            Effect.promise(async () => {
              const response = await fetch(`${h.url}${url}`, { method, ...init })
              const text = await response.text()
              return {
                status: response.status,
                contentType: response.headers.get("content-type"),
                json: (text === "" ? { empty: response.status } : JSON.parse(text)) as unknown
              }
            })
          const token = yield* tokenFor(linkWorker)
          const nowhere = yield* raw("GET", "/no-such-route", {})
          expect(nowhere.status).toBe(404)
          expect(nowhere.json).toEqual({ _tag: "NotFound", message: "no such route", resource: "route", id: "" })
          check("referrals.cancel", 404, nowhere.contentType, nowhere.json)
          const headers = { authorization: `Bearer ${token}`, "idempotency-key": "raw-1" }
          const huge = yield* raw("POST", `/referrals/${referralId}/meetings`, {
            headers: { ...headers, "content-type": "application/json" },
            body: JSON.stringify({ at: "x", note: "y".repeat(1024 * 1024 + 1) })
          })
          expect(huge.status).toBe(413)
          check("referrals.recordMeeting", 413, huge.contentType, huge.json)
          const plain = yield* raw("POST", `/referrals/${referralId}/meetings`, {
            headers: { ...headers, "content-type": "text/plain" },
            body: "{}"
          })
          expect(plain.status).toBe(415)
          check("referrals.recordMeeting", 415, plain.contentType, plain.json)

          expect(checked.length).toBeGreaterThanOrEqual(30)
        }),
      120_000
    )
  }
)
