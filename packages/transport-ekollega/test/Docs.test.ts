/**
 * Keeps docs/transport-ekollega.md equal to the code: the JSON Schema of
 * every body (generated from the Effect schemas) and the two code examples
 * (the regions below, which this test also runs) sit in generated blocks;
 * the worked example's JSON bodies must decode with the schemas. Rewrite the
 * blocks with:
 *
 *   UPDATE_DOCS=1 node_modules/.bin/node node_modules/vitest/vitest.mjs run packages/transport-ekollega/test/Docs.test.ts
 */
import { readFileSync } from "node:fs"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { describe, expect, it } from "@effect/vitest"
import { Actor, ReferralService, ReferralTransport } from "@lahete/core"
import { HttpLimits } from "@lahete/http-limits"
import { ReferralTransportTest } from "@lahete/testing"
import { EkollegaClient, EkollegaInbox, EkollegaMessage, EkollegaToken } from "@lahete/transport-ekollega"
import { Context, Effect, Layer, type Redacted, Schema } from "effect"
import { FetchHttpClient, HttpRouter, HttpServer } from "effect/http"
import { docPath, region, syncBlocks } from "./support/docs.js"

// #region doc:inbox
const inbox = (wellbeingCentreKeys: EkollegaToken.JsonWebKeySet) =>
  HttpRouter.serve(
    EkollegaInbox.layer({
      audience: "urn:lahete:inbox:kemijarvi", // the tokens' aud
      organisations: [{ id: "kemijarvi-wellbeing-centre", keys: wellbeingCentreKeys }] // public keys only
      // maxBodyBytes: 64 * 1024, maxTokenLifetime: "5 minutes", clockTolerance: "30 seconds"
    })
  ).pipe(
    Layer.provide(ReferralService.layerMemory()) // in production: the SQL store (@lahete/store-sql)
  )

// on a Node HTTP server (behind TLS): Layer.launch(onNode(keys)); HttpLimits cuts slow and idle clients
// (headers 10 s, whole request 30 s, idle 5 s, 512 connections; the same limits as @lahete/server)
const onNode = (wellbeingCentreKeys: EkollegaToken.JsonWebKeySet) =>
  inbox(wellbeingCentreKeys).pipe(Layer.provide(NodeHttpServer.layer(HttpLimits.makeServer(), { port: 8080 })))
// #endregion

// #region doc:client
const referrerSystem = (baseUrl: string, privateKey: Redacted.Redacted<EkollegaToken.JsonWebKey>) =>
  Effect.gen(function* () {
    // the wellbeing centre's system holds its organisation's private key
    const sign = yield* EkollegaToken.signer({
      organisation: "kemijarvi-wellbeing-centre",
      audience: "urn:lahete:inbox:kemijarvi",
      privateKey
    })
    return EkollegaClient.layer({ baseUrl, sign }).pipe(Layer.provide(FetchHttpClient.layer))
  })

// the professional signed in to the wellbeing centre's system (smart card)
const nurse = Actor.make("Referrer", "nurse-1", "kemijarvi-wellbeing-centre", "nurse")

const deliverAndPoll = (message: ReferralTransport.InboundReferral) =>
  Effect.gen(function* () {
    const transport = yield* ReferralTransport.ReferralTransport
    const receipt = yield* transport.deliver(nurse, message) // the same message again: the same receipt
    const report = yield* transport.status(nurse, receipt.referralId) // report.task: { status: "requested" }
    const changed = yield* transport.changes(nurse, { since: receipt.receivedAt }) // poll, e.g. every 15 minutes
    return { receipt, report, changed }
  })
// #endregion

const source = readFileSync(new URL(import.meta.url), "utf8")

const exampleImports = {
  inbox: [
    'import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"',
    'import { ReferralService } from "@lahete/core"',
    'import { HttpLimits } from "@lahete/http-limits"',
    'import { EkollegaInbox, type EkollegaToken } from "@lahete/transport-ekollega"',
    'import { Layer } from "effect"',
    'import { HttpRouter } from "effect/http"'
  ],
  client: [
    'import { Actor, ReferralTransport } from "@lahete/core"',
    'import { EkollegaClient, EkollegaToken } from "@lahete/transport-ekollega"',
    'import { Effect, Layer, type Redacted } from "effect"',
    'import { FetchHttpClient } from "effect/http"'
  ]
}

const tsBlock = (imports: ReadonlyArray<string>, body: string) => `\`\`\`ts\n${imports.join("\n")}\n\n${body}\n\`\`\``

const jsonSchemaBlocks = (): string =>
  Object.entries(EkollegaMessage.jsonSchemas())
    .map(([name, document]) => {
      const schema = {
        $schema: "https://json-schema.org/draft/2020-12/schema",
        ...document.schema,
        ...(Object.keys(document.definitions).length === 0 ? {} : { $defs: document.definitions })
      }
      return `#### ${name}\n\n\`\`\`json\n${JSON.stringify(schema, null, 2)}\n\`\`\``
    })
    .join("\n\n")

const checked: Readonly<Record<string, Schema.Top>> = {
  ReferralMessage: EkollegaMessage.ReferralMessage,
  Receipt: EkollegaMessage.Receipt,
  StatusReport: EkollegaMessage.StatusReport,
  StatusList: EkollegaMessage.StatusList,
  Problem: EkollegaMessage.Problem
}

describe("docs/transport-ekollega.md", () => {
  it("the JSON Schema and the examples are the code's", () => {
    syncBlocks("transport-ekollega.md", {
      "json-schema": jsonSchemaBlocks(),
      "example-inbox": tsBlock(exampleImports.inbox, region(source, "inbox")),
      "example-client": tsBlock(exampleImports.client, region(source, "client"))
    })
  })

  it("every JSON body of the worked example decodes with its schema (the request with unknown fields refused)", () => {
    const page = readFileSync(docPath("transport-ekollega.md"), "utf8")
    const found = [...page.matchAll(/<!-- check:(\w+) -->\n```json\n([\s\S]*?)\n```/g)]
    expect(found.map((m) => m[1]).sort()).toEqual([
      "Problem",
      "Problem",
      "Receipt",
      "ReferralMessage",
      "StatusList",
      "StatusReport"
    ])
    for (const [, name, json] of found) {
      const schema = checked[name ?? ""]
      if (schema === undefined) throw new Error(`no schema ${name}`)
      const value: unknown = JSON.parse(json ?? "")
      if (name === "ReferralMessage") {
        expect(ReferralTransport.decodeInbound(value)._tag, "the example message").toBe("Success")
      } else {
        expect(
          Schema.decodeUnknownResult(schema as Schema.Decoder<unknown>)(value, { onExcessProperty: "error" })._tag,
          name
        ).toBe("Success")
      }
    }
  })

  it.live("the examples run: a referral delivered and polled through a real server", () =>
    Effect.gen(function* () {
      const pair = yield* EkollegaToken.generateKeyPair("ES256")
      expect(Layer.isLayer(onNode(pair.publicKeys))).toBe(true)
      const context = yield* Layer.build(
        inbox(pair.publicKeys).pipe(
          Layer.provideMerge(NodeHttpServer.layer(HttpLimits.makeServer(), { port: 0, host: "127.0.0.1" }))
        )
      )
      const baseUrl = HttpServer.formatAddress(Context.get(context, HttpServer.HttpServer).address)
      const client = yield* referrerSystem(baseUrl, pair.privateKey)
      const message = ReferralTransportTest.message("doc-1")
      const { receipt, report, changed } = yield* Effect.provide(deliverAndPoll(message), client)
      expect(receipt.duplicate).toBe(false)
      expect(report.task).toEqual({ status: "requested" })
      expect(changed.map((r) => r.referralId)).toEqual([receipt.referralId])
      const again = yield* Effect.provide(deliverAndPoll(message), client)
      expect(again.receipt).toEqual({ ...receipt, duplicate: true })
    })
  )
})
