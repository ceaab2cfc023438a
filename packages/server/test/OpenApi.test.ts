/**
 * The OpenAPI document: served at /openapi.json, valid OpenAPI (checked with
 * @seriousme/openapi-schema-validator), and covering every endpoint of the
 * API, each of which the running server really serves (a request without a
 * token reaches the endpoint's guard: 401, not 404).
 */
import { describe, expect, it, layer } from "@effect/vitest"
import { ReferralCommand } from "@lahete/core"
import { Api, Server } from "@lahete/server"
import { Validator } from "@seriousme/openapi-schema-validator"
import { Context, Effect, Option } from "effect"
import { HttpApi, OpenApi } from "effect/http-api"
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
  readonly paths: Record<string, Record<string, Operation>>
  readonly components: { readonly securitySchemes: Record<string, { readonly type: string; readonly scheme?: string }> }
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
    // 19 commands, 12 views and registry endpoints, 2 operations
    expect(endpoints.length).toBe(33)
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
      expect((yield* h.request("GET", "/no-such-route")).status).toBe(404)
    })
  )
})
