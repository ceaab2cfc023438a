import { describe, expect, it } from "@effect/vitest"
import { SmsSender } from "@lahete/core"
import { GatewayApiSender } from "@lahete/messaging-sms"
import { FakeGatewayApi as Fake } from "@lahete/messaging-sms/testing"
import { Config, ConfigProvider, Deferred, Effect, Fiber, Layer, Redacted, Result } from "effect"
import { TestClock } from "effect/testing"
import { afterAll, beforeEach } from "vitest"

const server = await Fake.start()
afterAll(() => server.close())
beforeEach(() => {
  server.mode = "ok"
  server.onRequest = undefined
})

const to = "+358401234567"
const msisdn = 358401234567
const text = "Hyvinvointilähete: soitamme sinulle maanantaina 2.3.2026 klo 9.00. Terveisin Matti Meikäläinen"

let counter = 0
const freshId = () => `outbox-${Date.now().toString(36)}-${++counter}`

const options = (overrides: Partial<GatewayApiSender.Options> = {}): GatewayApiSender.Options => ({
  token: Redacted.make(server.token),
  baseUrl: server.url,
  sender: "Hyvinvointi",
  ...overrides
})

const sendWith = (message: SmsSender.SmsMessage, overrides: Partial<GatewayApiSender.Options> = {}) =>
  Effect.flatMap(GatewayApiSender.make(options(overrides)), (s) => s.send(message))

const lastRequest = () => server.requests[server.requests.length - 1]
const lastBody = () => (lastRequest()?.body ?? {}) as Record<string, unknown>

/** The error as anything that could reach a log: message, string form, JSON. */
const shown = (error: SmsSender.SmsSendError) => `${error.message} ${String(error)} ${JSON.stringify(error)}`

const expectNoPersonalData = (error: SmsSender.SmsSendError) => {
  const all = shown(error)
  expect(all).not.toContain(to)
  expect(all).not.toContain(String(msisdn))
  expect(all).not.toContain("Matti")
  expect(all).not.toContain("soitamme")
  expect(all).not.toContain(server.token)
}

describe("GatewayApiSender.send", () => {
  it.effect("posts one message to /rest/mtsms with the token and maps the returned id", () =>
    Effect.gen(function* () {
      const id = freshId()
      const receipt = yield* sendWith({ id, to, text })
      const request = lastRequest()
      expect(request?.method).toBe("POST")
      expect(request?.url).toBe("/rest/mtsms")
      expect(request?.authorization).toBe(`Token ${server.token}`)
      expect(request?.contentType).toMatch(/^application\/json/)
      const delivered = server.delivered.filter((d) => d.id === id)
      expect(delivered).toHaveLength(1)
      expect(receipt).toEqual({ id, providerId: String(delivered[0]?.providerId), status: "accepted" })
    })
  )

  it.effect("sets userref to the message id and sends the E.164 number without + as an integer MSISDN", () =>
    Effect.gen(function* () {
      const id = freshId()
      yield* sendWith({ id, to: "+46735551020", text: "Hello" })
      expect(lastRequest()?.body).toEqual({
        message: "Hello",
        recipients: [{ msisdn: 46735551020 }],
        userref: id,
        sender: "Hyvinvointi"
      })
    })
  )

  it.effect("a message's own sender overrides the default", () =>
    Effect.gen(function* () {
      yield* sendWith({ id: freshId(), to, text: "Hei", sender: "Kunta" })
      expect(lastBody().sender).toBe("Kunta")
    })
  )

  it.effect("GSM 03.38 text goes in the default encoding, other text as UCS2, and arrives unchanged", () =>
    Effect.gen(function* () {
      const finnish = "Ääkköset ja €uro {}[] toimivat"
      const sami = "Mii riŋget dutnje. Áigi: vuossárga dii. 9.00"
      const a = freshId()
      const b = freshId()
      yield* sendWith({ id: a, to, text: finnish })
      expect(lastRequest()?.body).not.toHaveProperty("encoding")
      yield* sendWith({ id: b, to, text: sami })
      expect(lastBody().encoding).toBe("UCS2")
      expect(server.delivered.find((d) => d.id === a)?.text).toBe(finnish)
      expect(server.delivered.find((d) => d.id === b)?.text).toBe(sami)
    })
  )

  it.effect("passes the optional documented fields", () =>
    Effect.gen(function* () {
      yield* sendWith(
        { id: freshId(), to, text: "Hei" },
        {
          callbackUrl: "https://example.org/gatewayapi/status",
          label: "Kunta",
          messageClass: "premium",
          validityPeriod: "2 hours"
        }
      )
      expect(lastRequest()?.body).toMatchObject({
        callback_url: "https://example.org/gatewayapi/status",
        label: "Kunta",
        class: "premium",
        validity_period: 7200
      })
    })
  )

  it.effect("an id already sent answers with its receipt without a second request", () =>
    Effect.gen(function* () {
      const sender = yield* GatewayApiSender.make(options())
      const id = freshId()
      const first = yield* sender.send({ id, to, text: "once" })
      const before = server.requests.length
      const second = yield* sender.send({ id, to, text: "once" })
      expect(second).toEqual(first)
      expect(server.requests.length).toBe(before)
    })
  )

  it.effect(
    "a send of an id under way waits for it; if that one is interrupted, the waiter gets a retryable error",
    () =>
      Effect.gen(function* () {
        const sender = yield* GatewayApiSender.make(options())
        server.mode = "hang"
        const arrived = yield* Deferred.make<void>()
        server.onRequest = () => Deferred.doneUnsafe(arrived, Effect.void)
        const id = freshId()
        const first = yield* Effect.forkChild(sender.send({ id, to, text: "once" }))
        yield* Deferred.await(arrived)
        const before = server.requests.length
        const second = yield* Effect.forkChild(Effect.flip(sender.send({ id, to, text: "once" })))
        yield* Effect.yieldNow
        yield* Fiber.interrupt(first)
        const error = yield* Fiber.join(second)
        expect(error).toMatchObject({ id, reason: "network", retryable: true })
        expect(server.requests.length).toBe(before)
      })
  )

  it.effect("a failed id is sent again on retry", () =>
    Effect.gen(function* () {
      const sender = yield* GatewayApiSender.make(options())
      const id = freshId()
      server.mode = "server-error"
      const error = yield* Effect.flip(sender.send({ id, to, text: "retry me" }))
      expect(error.retryable).toBe(true)
      server.mode = "ok"
      const receipt = yield* sender.send({ id, to, text: "retry me" })
      expect(receipt.id).toBe(id)
      expect(server.delivered.filter((d) => d.id === id)).toHaveLength(1)
    })
  )
})

describe("GatewayApiSender errors", () => {
  const failure = (mode: Fake.Mode, overrides: Partial<GatewayApiSender.Options> = {}) =>
    Effect.gen(function* () {
      server.mode = mode
      const id = freshId()
      const error = yield* Effect.flip(sendWith({ id, to, text }, overrides))
      expect(error._tag).toBe("SmsSendError")
      expect(error.id).toBe(id)
      expectNoPersonalData(error)
      expect(server.delivered.some((d) => d.id === id)).toBe(false)
      return error
    })

  it.effect("a wrong token is unauthorized, not retryable", () =>
    Effect.gen(function* () {
      const error = yield* failure("ok", { token: Redacted.make("wrong-token") })
      expect(error).toMatchObject({ reason: "unauthorized", retryable: false, httpStatus: 401 })
      expect(shown(error)).not.toContain("wrong-token")
    })
  )

  it.effect("401 from the provider is unauthorized", () =>
    Effect.gen(function* () {
      expect(yield* failure("unauthorized")).toMatchObject({ reason: "unauthorized", retryable: false })
    })
  )

  it.effect(
    "a blacklisted number (403 0x0215) is invalid-recipient, and the number quoted in the body does not leak",
    () =>
      Effect.gen(function* () {
        const error = yield* failure("blacklisted")
        expect(error).toMatchObject({ reason: "invalid-recipient", retryable: false, httpStatus: 403 })
      })
  )

  it.effect("422 (content filtered) is rejected, not retryable", () =>
    Effect.gen(function* () {
      expect(yield* failure("filtered")).toMatchObject({ reason: "rejected", retryable: false, httpStatus: 422 })
    })
  )

  it.effect("400 for a body the provider refuses is rejected", () =>
    Effect.gen(function* () {
      const error = yield* failure("ok", { sender: "A sender name far too long" })
      expect(error).toMatchObject({ reason: "rejected", retryable: false, httpStatus: 400 })
    })
  )

  it.effect("429 is rate-limited and retryable", () =>
    Effect.gen(function* () {
      expect(yield* failure("rate-limited")).toMatchObject({
        reason: "rate-limited",
        retryable: true,
        httpStatus: 429,
        retryAfterMillis: 7000
      })
    })
  )

  it.effect("500 is provider-unavailable and retryable", () =>
    Effect.gen(function* () {
      const error = yield* failure("server-error")
      expect(error).toMatchObject({ reason: "provider-unavailable", retryable: true, httpStatus: 500 })
    })
  )

  it.effect("500 0x021E (message class not configured) is rejected: retrying cannot fix it", () =>
    Effect.gen(function* () {
      expect(yield* failure("class-not-configured")).toMatchObject({ reason: "rejected", retryable: false })
    })
  )

  it.effect("a 200 that is not the documented JSON is unexpected-response, not retryable (it may have been sent)", () =>
    Effect.gen(function* () {
      expect(yield* failure("garbage")).toMatchObject({ reason: "unexpected-response", retryable: false })
      expect(yield* failure("no-ids")).toMatchObject({ reason: "unexpected-response", retryable: false })
    })
  )

  it.effect("no server listening is a retryable network error", () =>
    Effect.gen(function* () {
      const error = yield* failure("ok", { baseUrl: "http://127.0.0.1:1" })
      expect(error).toMatchObject({ reason: "network", retryable: true })
      expect(error).not.toHaveProperty("httpStatus")
    })
  )

  it.effect("an answer slower than the timeout is a retryable network error", () =>
    Effect.gen(function* () {
      server.mode = "hang"
      const arrived = yield* Deferred.make<void>()
      server.onRequest = () => Deferred.doneUnsafe(arrived, Effect.void)
      const id = freshId()
      const fiber = yield* Effect.forkChild(Effect.flip(sendWith({ id, to, text }, { timeout: "5 seconds" })))
      yield* Deferred.await(arrived)
      yield* TestClock.adjust("5 seconds")
      const error = yield* Fiber.join(fiber)
      expect(error).toMatchObject({ id, reason: "network", retryable: true })
      expectNoPersonalData(error)
    })
  )

  it.effect("a number that is not E.164 fails as invalid-recipient without a request", () =>
    Effect.gen(function* () {
      const before = server.requests.length
      const error = yield* Effect.flip(sendWith({ id: freshId(), to: "0401234567", text }))
      expect(error).toMatchObject({ reason: "invalid-recipient", retryable: false })
      expect(shown(error)).not.toContain("0401234567")
      expect(server.requests.length).toBe(before)
    })
  )
})

describe("GatewayApiSender layers", () => {
  it.effect("layerConfig reads the token as a redacted config value", () =>
    Effect.gen(function* () {
      const layer = GatewayApiSender.layerConfig({
        token: Config.Redacted("GATEWAYAPI_TOKEN"),
        baseUrl: Config.String("GATEWAYAPI_URL")
      }).pipe(
        Layer.provide(
          ConfigProvider.layer(
            ConfigProvider.fromUnknown({ GATEWAYAPI_TOKEN: server.token, GATEWAYAPI_URL: server.url })
          )
        )
      )
      const id = freshId()
      const receipt = yield* SmsSender.SmsSender.use((s) => s.send({ id, to, text: "Hei" })).pipe(Effect.provide(layer))
      expect(receipt.id).toBe(id)
      expect(lastRequest()?.authorization).toBe(`Token ${server.token}`)
    })
  )
})

describe("GatewayApiSender.parseDeliveryReport", () => {
  it("parses the documented callback example, dropping the number", () => {
    const report = GatewayApiSender.parseDeliveryReport({
      id: 1000001,
      msisdn: 4587654321,
      time: 1450000000,
      status: "DELIVERED",
      userref: "foobar",
      charge_status: "CAPTURED",
      country_code: "DK",
      country_prefix: 45
    })
    expect(report).toEqual(
      Result.succeed({
        providerId: "1000001",
        messageId: "foobar",
        status: "DELIVERED",
        outcome: "delivered",
        final: true,
        at: 1450000000000
      })
    )
    expect(JSON.stringify(report)).not.toContain("4587654321")
  })

  it("classifies every documented state", () => {
    const expected: Record<GatewayApiSender.DeliveryStatus, [GatewayApiSender.DeliveryOutcome, boolean]> = {
      UNKNOWN: ["pending", false],
      SCHEDULED: ["pending", false],
      BUFFERED: ["pending", false],
      ENROUTE: ["pending", false],
      DELIVERED: ["delivered", true],
      ACCEPTED: ["accepted", true],
      EXPIRED: ["failed", true],
      DELETED: ["failed", true],
      UNDELIVERABLE: ["failed", true],
      REJECTED: ["failed", true],
      SKIPPED: ["failed", true]
    }
    for (const [status, [outcome, final]] of Object.entries(expected)) {
      const report = GatewayApiSender.parseDeliveryReport({ id: 1, msisdn: 4512345678, time: 1, status })
      expect(Result.isSuccess(report) && [report.success.outcome, report.success.final]).toEqual([outcome, final])
    }
  })

  it("keeps the SMS error code of a failure and omits an absent userref", () => {
    const report = GatewayApiSender.parseDeliveryReport({
      id: 42,
      msisdn: 358401234567,
      time: 1700000000,
      status: "UNDELIVERABLE",
      error: "Unknown subscriber",
      code: "0x1010"
    })
    expect(report).toEqual(
      Result.succeed({
        providerId: "42",
        status: "UNDELIVERABLE",
        outcome: "failed",
        final: true,
        at: 1700000000000,
        errorCode: "0x1010"
      })
    )
  })

  it("refuses an undocumented status and a malformed body, naming no content", () => {
    const unknown = GatewayApiSender.parseDeliveryReport({ id: 1, msisdn: 358401234567, time: 1, status: "READ" })
    expect(Result.isFailure(unknown) && unknown.failure.reason).toBe("unknown-status")
    for (const body of [null, "DELIVERED", { id: "x", time: 1, status: "DELIVERED" }, { id: 1, status: "DELIVERED" }]) {
      const result = GatewayApiSender.parseDeliveryReport(body)
      expect(Result.isFailure(result) && result.failure.reason).toBe("malformed")
    }
    if (Result.isFailure(unknown)) expect(unknown.failure.message).not.toContain("358401234567")
  })
})
