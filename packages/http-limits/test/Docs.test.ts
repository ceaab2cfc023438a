/**
 * Keeps the README equal to the code: the example (the region below, which
 * this test type-checks and runs) and the table of defaults (from
 * `HttpLimits.defaults`) sit in generated blocks. Rewrite them with:
 *
 *   UPDATE_DOCS=1 node_modules/.bin/vitest run packages/http-limits/test/Docs.test.ts
 */
import { readFileSync } from "node:fs"
import { createServer } from "node:http"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { HttpLimits } from "@lahete/http-limits"
import { DocBlocks } from "@lahete/testing"
import { Layer } from "effect"
import { describe, expect, it } from "vitest"

// #region doc:example
// the argument of NodeHttpServer.layer: a node:http server with the limits set (defaults for the rest)
const Http = NodeHttpServer.layer(HttpLimits.makeServer({ requestTimeoutSeconds: 20 }), { port: 8080 })

// or on a server you make yourself, before it listens
const server = HttpLimits.apply(createServer(), { maxConnections: 256 })
// #endregion

const imports = [
  'import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"',
  'import { HttpLimits } from "@lahete/http-limits"',
  'import { createServer } from "node:http"'
]

const what: Record<keyof typeof HttpLimits.defaults, readonly [string, string]> = {
  headersTimeoutSeconds: [
    "headersTimeout",
    "the headers are not complete in time (a connection that sends nothing included): `408`, connection closed"
  ],
  requestTimeoutSeconds: [
    "requestTimeout",
    "the whole request, body included, has not arrived in time: `408` (the connection closed if the answer has started)"
  ],
  idleTimeoutSeconds: [
    "keepAliveTimeout",
    "a kept-alive connection idle between requests is closed (Node adds up to a second of grace)"
  ],
  maxConnections: ["maxConnections", "a connection beyond the limit is closed as soon as it is accepted"]
}

const readme = new URL("../README.md", import.meta.url)

describe("packages/http-limits/README.md", () => {
  it("the example and the defaults are the code's", () => {
    DocBlocks.syncBlocks(readme, {
      example: `\`\`\`ts\n${imports.join("\n")}\n\n${DocBlocks.region(readFileSync(new URL(import.meta.url), "utf8"), "example")}\n\`\`\``,
      defaults: DocBlocks.table(
        ["limit", "default", "Node's setting", "when it is exceeded"],
        Object.entries(HttpLimits.defaults).map(([name, value]) => {
          const [setting, when] = what[name as keyof typeof what]
          return [DocBlocks.code(name), String(value), DocBlocks.code(setting), when]
        })
      )
    })
  })

  it("the example sets what it says", () => {
    expect(Layer.isLayer(Http)).toBe(true)
    expect(server.maxConnections).toBe(256)
    expect(server.requestTimeout).toBe(HttpLimits.defaults.requestTimeoutSeconds * 1000)
  })
})
