/**
 * Keeps the package README and docs/server.md equal to the code: the
 * embedding example is this file's `doc:embed` region (and it runs here: the
 * server on SQLite, its keys fetched from a JWKS URL), the routes table is
 * rendered from the API. Run with `UPDATE_DOCS=1` to rewrite the blocks:
 *
 *   UPDATE_DOCS=1 node_modules/.bin/node node_modules/vitest/vitest.mjs run packages/server/test/ServerDocs.test.ts
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Api, Server } from "@lahete/server"
import { SqliteReferralStack } from "@lahete/store-sql/sqlite"
import { Fixtures } from "@lahete/testing"
import { Context, Effect, Layer, Logger, Option } from "effect"
import { HttpServer } from "effect/http"
import { HttpApi, OpenApi } from "effect/http-api"
import { docPath, readmePath, region, syncBlocks, table } from "./support/docs.js"
import * as Tokens from "./support/tokens.js"

const embedImports = [
  'import * as NodeRuntime from "@effect/platform-node/NodeRuntime"',
  'import { Server } from "@lahete/server"',
  'import { SqliteReferralStack } from "@lahete/store-sql/sqlite"',
  'import { Layer } from "effect"'
]

/** The example's settings (in production: a file under /var/lib, port 8080, the identity provider's JWKS URL). */
const embed = (databaseFile: string, port: number, jwksUrl: string, issuer: string) => {
  // #region doc:embed
  // the core services the server needs, in one layer: the referral service with its store, audit log
  // and link-worker registry on SQLite in one file, and the programmes (default: the presets).
  // On PostgreSQL: PgReferralStack.layer({ url }) from @lahete/store-sql/pg
  const Core = SqliteReferralStack.layer({ filename: databaseFile })
  // the HTTP API, with tokens verified against the identity provider's keys
  const Main = Server.layer({
    port,
    auth: { keys: { jwksUrl }, issuer, audience: "lahete-api" }
  }).pipe(Layer.provide(Core))

  // Layer.launch(Main).pipe(NodeRuntime.runMain) serves until the process is stopped (SIGINT, SIGTERM)
  // #endregion
  return Main
}

const source = readFileSync(new URL(import.meta.url), "utf8")
const example = ["```ts", ...embedImports, "", region(source, "embed").replace(/^ {2}/gm, ""), "```"].join("\n")

const routesTable = (): string => {
  const rows: Array<ReadonlyArray<string>> = []
  HttpApi.reflect(Server.api, {
    onGroup: () => {},
    onEndpoint: ({ endpoint, mergedAnnotations }) => {
      const description = Option.getOrElse(Context.getOption(mergedAnnotations, OpenApi.Description), () => "")
      const summary = Option.getOrElse(Context.getOption(mergedAnnotations, OpenApi.Summary), () => "")
      const roles = /Roles: ([^.]+)\./.exec(description)?.[1] ?? "(no token)"
      const command = Option.getOrUndefined(Context.getOption(mergedAnnotations, Api.Command))
      rows.push([
        `\`${endpoint.method} ${endpoint.path}\``,
        summary,
        command === undefined ? "" : `\`${command}\``,
        roles
      ])
    }
  })
  return table(["route", "what", "command", "roles"], rows)
}

describe("the documents", () => {
  it("show the embedding example and every route as the code has them", () => {
    syncBlocks(readmePath, { embed: example })
    syncBlocks(docPath("server.md"), { embed: example, routes: routesTable() })
  })
})

describe("the embedding example", () => {
  it.live("serves on SQLite with keys from a JWKS URL", () =>
    Effect.gen(function* () {
      const signer = yield* Effect.promise(() => Tokens.makeSigner(() => Date.now()))
      const jwks = createServer((_request, response) => {
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(signer.jwks))
      })
      yield* Effect.acquireRelease(
        Effect.promise(() => new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", resolve))),
        () => Effect.promise(() => new Promise<void>((resolve) => jwks.close(() => resolve())))
      )
      const dir = yield* Effect.acquireRelease(
        Effect.sync(() => mkdtempSync(join(tmpdir(), "lahete-embed-"))),
        (d) => Effect.sync(() => rmSync(d, { recursive: true, force: true }))
      )
      const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/certs`
      const context = yield* Layer.build(
        embed(join(dir, "lahete.db"), 0, jwksUrl, Tokens.issuer).pipe(Layer.provide(Logger.layer([])))
      )
      const address = Context.get(context, HttpServer.HttpServer).address
      if (address._tag === "UnixPathAddress") return yield* Effect.die("expected a TCP address")
      const url = `http://127.0.0.1:${address.port}`
      const ready = yield* Effect.promise(() => fetch(`${url}/ready`).then((r) => r.json()))
      expect(ready).toEqual({ status: "ready" })
      const token = yield* Effect.promise(() => signer.sign(Fixtures.coordinator))
      const inbox = yield* Effect.promise(() =>
        fetch(`${url}/coordinator/inbox`, { headers: { authorization: `Bearer ${token}` } }).then(async (r) => ({
          status: r.status,
          body: await r.json()
        }))
      )
      expect(inbox).toEqual({ status: 200, body: { entries: [], atRisk: [], load: [] } })
    })
  )
})
