import { GatewayApiSender } from "@lahete/messaging-sms"
import { FakeGatewayApi as Fake } from "@lahete/messaging-sms/testing"
import { SmsSenderTest } from "@lahete/testing"
import { Effect, Redacted } from "effect"
import { afterAll } from "vitest"

const server = await Fake.start()
afterAll(() => server.close())

const layer = GatewayApiSender.layer({ token: Redacted.make(server.token), baseUrl: server.url, sender: "Lahete" })

SmsSenderTest.suite("GatewayAPI against the local contract server", layer, {
  received: Effect.sync(() => server.delivered.map(({ id, text, to }) => ({ id, to, text }))),
  failing: {
    layer: GatewayApiSender.layer({ token: Redacted.make("not-the-token"), baseUrl: server.url }),
    reason: "unauthorized"
  }
})
