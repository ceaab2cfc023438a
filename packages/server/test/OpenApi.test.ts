/**
 * The OpenAPI document: served at /openapi.json, valid OpenAPI (checked with
 * @seriousme/openapi-schema-validator), and covering every endpoint of the
 * API, each of which the running server really serves (a request without a
 * token reaches the endpoint's guard: 401, not 404).
 */
import { describe, expect, it, layer } from "@effect/vitest"
import { EvaluationText, Ids, Instant, ReferralCommand } from "@lahete/core"
import { Api, Requests, Server } from "@lahete/server"
import { Validator } from "@seriousme/openapi-schema-validator"
import { Context, Effect, Option, Result, Schema } from "effect"
import { HttpApi, OpenApi } from "effect/http-api"
import * as fc from "fast-check"
import { Harness, layer as harness } from "./support/harness.js"
import * as Stores from "./support/stores.js"

interface Endpoint {
  readonly group: string
  readonly name: string
  readonly method: string
  readonly path: string
  /** The core command it runs (command endpoints). */
  readonly command: string | undefined
}

/** Every endpoint of the API, from the API value itself. */
const endpoints: ReadonlyArray<Endpoint> = (() => {
  const out: Array<Endpoint> = []
  HttpApi.reflect(Server.api, {
    onGroup: () => {},
    onEndpoint: ({ group, endpoint, mergedAnnotations }) =>
      out.push({
        group: group.identifier,
        name: endpoint.identifier,
        method: endpoint.method,
        path: endpoint.path,
        command: Option.getOrUndefined(Context.getOption(mergedAnnotations, Api.Command))
      })
  })
  return out
})()

const openApiPath = (path: string) => path.replace(/:(\w+)/g, "{$1}")

type Operation = {
  readonly security?: ReadonlyArray<Record<string, ReadonlyArray<string>>>
  readonly parameters?: ReadonlyArray<{ readonly name: string; readonly in: string; readonly required?: boolean }>
  readonly responses: Record<string, unknown>
  readonly description?: string
  readonly requestBody?: unknown
}
type Spec = {
  readonly openapi: string
  readonly servers?: ReadonlyArray<{ readonly url: string }>
  readonly paths: Record<string, Record<string, Operation>>
  readonly components: {
    readonly securitySchemes: Record<string, { readonly type: string; readonly scheme?: string }>
    readonly schemas: Record<string, Record<string, unknown>>
  }
}

/** Every JSON value in the document with its path. */
const nodes = (value: unknown, path = "$"): Array<readonly [string, Record<string, unknown>]> => {
  if (Array.isArray(value)) return value.flatMap((v, i) => nodes(v, `${path}[${i}]`))
  if (typeof value !== "object" || value === null) return []
  const node = value as Record<string, unknown>
  return [[path, node], ...Object.entries(node).flatMap(([k, v]) => nodes(v, `${path}.${k}`))]
}

/** The schema a `$ref` names, or the schema itself. */
const resolve = (spec: Spec, schema: unknown): Record<string, unknown> | undefined => {
  const s = schema as Record<string, unknown> | undefined
  const ref = s?.$ref
  return typeof ref === "string" ? spec.components.schemas[ref.replace("#/components/schemas/", "")] : s
}

const operationOf = (spec: Spec, e: Endpoint): Operation | undefined =>
  spec.paths[openApiPath(e.path)]?.[e.method.toLowerCase()]

describe("the OpenAPI document", () => {
  const spec = OpenApi.fromApi(Server.api) as unknown as Spec

  it("is valid OpenAPI", async () => {
    const result = await new Validator().validate(spec as unknown as Record<string, unknown>)
    expect(result.errors).toBeUndefined()
    expect(result.valid).toBe(true)
    expect(spec.openapi).toMatch(/^3\./)
  })

  it("describes exactly the API's endpoints, every command and view included", () => {
    // one endpoint per command, 12 views and registry endpoints, 5 directory endpoints, 3 survey endpoints, 2 operations
    expect(endpoints.length).toBe(ReferralCommand.tags.length + 22)
    const documented = Object.entries(spec.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`)
    )
    expect(documented.sort()).toEqual(endpoints.map((e) => `${e.method} ${openApiPath(e.path)}`).sort())
    // one command endpoint per command of the core, every command included
    const commands = endpoints.filter((e) => e.group === "referrals")
    expect(commands.map((e) => e.command).sort()).toEqual([...ReferralCommand.tags].sort())
  })

  it("declares the bearer scheme, the Idempotency-Key header and the error responses", () => {
    expect(spec.components.securitySchemes.bearer?.type).toBe("http")
    expect(spec.components.securitySchemes.bearer?.scheme?.toLowerCase()).toBe("bearer")
    for (const e of endpoints) {
      const operation = operationOf(spec, e)
      expect(operation, `${e.method} ${e.path}`).toBeDefined()
      if (operation === undefined) continue
      if (e.group === "operations") {
        expect(operation.security ?? []).toEqual([])
        continue
      }
      expect(operation.security, e.name).toEqual([{ bearer: [] }])
      expect(Object.keys(operation.responses), e.name).toEqual(expect.arrayContaining(["400", "401", "403", "503"]))
      expect(operation.description, e.name).toMatch(/Roles: /)
      if (e.group === "referrals") {
        expect(operation.parameters, e.name).toEqual(
          expect.arrayContaining([expect.objectContaining({ name: "idempotency-key", in: "header", required: true })])
        )
        expect(Object.keys(operation.responses), e.name).toEqual(expect.arrayContaining(["404", "409", "422"]))
        expect(operation.requestBody, e.name).toBeDefined()
      }
    }
  })
})

describe("the document states what the server enforces (generated from the same schemas)", () => {
  const spec = OpenApi.fromApi(Server.api) as unknown as Spec
  const all = nodes(spec)

  it("names its server", () => {
    expect(spec.servers?.[0]?.url).toBe("/")
  })

  it("every id carries the pattern and length the server checks", () => {
    const idSchema = resolve(
      spec,
      operationOf(spec, endpoints.find((e) => e.name === "cancel") as Endpoint)?.parameters?.[0]
    )
    const param = (idSchema as { readonly schema?: Record<string, unknown> } | undefined)?.schema
    expect(param).toEqual({ type: "string", minLength: 1, maxLength: 128, pattern: "^[A-Za-z0-9][A-Za-z0-9._:-]*$" })
    // the pattern is the server's: a value matches it exactly when the server decodes it as an id
    const pattern = new RegExp(String(param?.pattern), "u")
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 140 }), fc.stringMatching(/^[A-Za-z0-9._:\- ]{0,140}$/)), (s) => {
        const documented = pattern.test(s) && s.length >= 1 && s.length <= 128
        expect(documented).toBe(Schema.is(Ids.ReferralId)(s))
      }),
      { numRuns: 500 }
    )
  })

  it("whole-number query parameters state exactly the numerals the server accepts (no 1.5, no 1e1)", () => {
    const query = (path: string, name: string) =>
      Object.values(spec.paths[path] ?? {})[0]?.parameters?.find((p) => p.name === name) as
        | { readonly schema: { readonly pattern: string } }
        | undefined
    for (const [path, name, minimum, maximum] of [
      ["/coordinator/training-due", "withinDays", 0, 366],
      ["/evaluation/{programmeId}", "minimumCell", 5, 1000]
    ] as const) {
      const documented = new RegExp(query(path, name)?.schema.pattern ?? "(none)", "u")
      const decode = Schema.decodeUnknownResult(Requests.IntegerQuery(minimum, maximum))
      const candidates = fc.oneof(
        fc.integer({ min: -20, max: 2000 }).map(String),
        fc.constantFrom("1.5", "1e1", "+5", "05", "", " 7", "0x10", "10.0", "1_0"),
        fc.string({ maxLength: 6 })
      )
      fc.assert(
        fc.property(candidates, (s) => {
          expect(documented.test(s), `${name} ${JSON.stringify(s)}`).toBe(Result.isSuccess(decode(s)))
        }),
        { numRuns: 2000 }
      )
      for (let n = minimum - 2; n <= maximum + 2; n++) {
        expect(documented.test(String(n))).toBe(n >= minimum && n <= maximum)
      }
    }
  })

  it("the HTML report's language parameter lists exactly the report languages, and only the HTML route has it", () => {
    const parameter = (path: string) =>
      Object.values(spec.paths[path] ?? {})[0]?.parameters?.find((p) => p.name === "lang") as
        | { readonly in: string; readonly required?: boolean; readonly schema: Record<string, unknown> }
        | undefined
    const lang = parameter("/evaluation/{programmeId}/report.html")
    expect(lang?.in).toBe("query")
    expect(lang?.required ?? false).toBe(false)
    const schema = JSON.stringify(lang?.schema)
    for (const language of EvaluationText.languages) expect(schema).toContain(`"${language}"`)
    expect(schema).not.toContain('"se"')
    expect(parameter("/evaluation/{programmeId}")).toBeUndefined()
  })

  it("every endpoint with a body declares 413 and 415; every error response is a JSON object with its _tag", () => {
    for (const e of endpoints) {
      const operation = operationOf(spec, e)
      if (operation?.requestBody === undefined) continue
      expect(Object.keys(operation.responses), e.name).toEqual(expect.arrayContaining(["413", "415"]))
    }
    const tooLarge = resolve(spec, { $ref: "#/components/schemas/PayloadTooLargeEncoded" })
    expect(tooLarge).toMatchObject({ properties: { _tag: { enum: ["PayloadTooLarge"] } } })
    const notFound = resolve(spec, { $ref: "#/components/schemas/NotFoundEncoded" })
    expect(notFound).toMatchObject({ properties: { resource: { enum: expect.arrayContaining(["route"]) } } })
  })

  it("every union over _tag is a oneOf with a discriminator mapping each tag to its schema", () => {
    const unions = all.filter(([, n]) => Array.isArray(n.oneOf) || Array.isArray(n.anyOf))
    let discriminated = 0
    for (const [path, node] of unions) {
      const members = (node.oneOf ?? node.anyOf) as ReadonlyArray<unknown>
      const tags = members.map((m) => {
        const tag = (
          resolve(spec, m)?.properties as Record<string, { readonly enum?: ReadonlyArray<string> }> | undefined
        )?._tag?.enum
        return tag?.length === 1 ? tag[0] : undefined
      })
      if (tags.filter((t) => t !== undefined).length < 2) continue
      discriminated++
      expect(node.anyOf, path).toBeUndefined()
      const mapping = node.discriminator as { readonly propertyName: string; readonly mapping: Record<string, string> }
      expect(mapping?.propertyName, path).toBe("_tag")
      expect(Object.keys(mapping.mapping).sort(), path).toEqual([...tags].sort())
      for (const [tag, ref] of Object.entries(mapping.mapping)) {
        const properties = (resolve(spec, { $ref: ref })?.properties ?? {}) as Record<
          string,
          { readonly enum?: ReadonlyArray<string> }
        >
        expect(properties._tag?.enum, `${path} ${tag}`).toEqual([tag])
      }
    }
    // the core's refusals (422) and the evaluation report's suppressed cells at least
    expect(discriminated).toBeGreaterThanOrEqual(20)
  })

  // every instant is `Instant.InstantSchema`, whose JSON Schema says `format: date-time`
  const instantFormat = (Schema.toJsonSchemaDocument(Instant.InstantSchema).schema as { readonly format?: string })
    .format
  it("every instant property has format: date-time", () => {
    expect(instantFormat).toBe("date-time")
    const instantNames = /(At|^at|^from|^to|^asOf|Date)$/
    const instants = all.flatMap(([path, node]) =>
      Object.entries((node.properties ?? {}) as Record<string, Record<string, unknown>>).flatMap(([name, schema]) =>
        instantNames.test(name) && schema.type === "string" && schema.enum === undefined
          ? [[`${path}.${name}`, schema] as const]
          : []
      )
    )
    expect(instants.length).toBeGreaterThan(30)
    expect(instants.filter(([, schema]) => schema.format !== "date-time").map(([path]) => path)).toEqual([])
  })
})

layer(harness(Stores.memory()), { excludeTestServices: true })("the served document and routes", (it) => {
  it.effect("/openapi.json is the API's document", () =>
    Effect.gen(function* () {
      const h = yield* Harness
      const served = yield* h.request("GET", Server.openapiPath)
      expect(served.status).toBe(200)
      expect(served.json).toEqual(JSON.parse(JSON.stringify(OpenApi.fromApi(Server.api))))
    })
  )

  it.effect("every documented route is served, and guarded", () =>
    Effect.gen(function* () {
      const h = yield* Harness
      for (const e of endpoints) {
        const path = e.path.replace(/:(\w+)/g, "x-$1")
        const answer = yield* h.request(e.method, path, e.method === "GET" ? {} : { key: "k", body: {} })
        if (e.group === "operations") {
          expect(answer.status, `${e.method} ${e.path}`).toBe(200)
        } else {
          expect(answer.status, `${e.method} ${e.path}`).toBe(401)
          expect(answer.json).toMatchObject({ _tag: "Unauthorized" })
        }
      }
      const nowhere = yield* h.request("GET", "/no-such-route")
      expect(nowhere.status).toBe(404)
      expect(nowhere.headers.get("content-type")).toContain("application/json")
      expect(nowhere.json).toEqual({ _tag: "NotFound", message: "no such route", resource: "route", id: "" })
    })
  )
})
