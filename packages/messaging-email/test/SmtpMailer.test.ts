import { createServer, type Server } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Mailer } from "@lahete/core"
import { SmtpMailer } from "@lahete/messaging-email"
import { MailerTest } from "@lahete/testing"
import { Config, ConfigProvider, Effect, Layer, Redacted } from "effect"
import * as fc from "fast-check"
import * as SmtpTestServer from "./support/SmtpTestServer.js"

// Servers start before the tests; the layers read the ports when each test builds them.
const state: {
  cert: string
  starttls?: SmtpTestServer.Running
  implicit?: SmtpTestServer.Running
  plain?: SmtpTestServer.Running
} = { cert: "" }

const running = (s: SmtpTestServer.Running | undefined): SmtpTestServer.Running => {
  if (s === undefined) throw new Error("test server not started")
  return s
}

beforeAll(async () => {
  const tls = SmtpTestServer.makeCertificate()
  state.cert = tls.cert
  state.starttls = await SmtpTestServer.start(tls, { secure: false })
  state.implicit = await SmtpTestServer.start(tls, { secure: true })
  state.plain = await SmtpTestServer.start(tls, { secure: false, plainOnly: true })
}, 60_000)

afterAll(async () => {
  await Promise.all([state.starttls, state.implicit, state.plain].map((s) => s?.close()))
})

const from = "lahete@kunta.example.fi"

const options = (
  server: () => SmtpTestServer.Running | undefined,
  security: SmtpMailer.Security,
  extra: Partial<SmtpMailer.Options> = {}
): (() => SmtpMailer.Options) => {
  return () => ({
    host: "127.0.0.1",
    port: running(server()).port,
    security,
    auth: { user: SmtpTestServer.user, password: Redacted.make(SmtpTestServer.password) },
    from,
    tls: { ca: state.cert },
    connectionTimeout: "2 seconds",
    greetingTimeout: "2 seconds",
    socketTimeout: "5 seconds",
    ...extra
  })
}

const lazyLayer = (make: () => SmtpMailer.Options): Layer.Layer<Mailer.Mailer> =>
  Layer.unwrap(Effect.sync(() => SmtpMailer.layer(make())))

const receivedFrom = (server: () => SmtpTestServer.Running | undefined) =>
  Effect.sync(() =>
    running(server()).received.flatMap((m) =>
      m.id === undefined ? [] : [{ id: m.id, to: m.to, subject: m.subject, text: m.text }]
    )
  )

const starttls = lazyLayer(options(() => state.starttls, "starttls"))
const wrongPassword = lazyLayer(
  options(() => state.starttls, "starttls", {
    auth: { user: SmtpTestServer.user, password: Redacted.make("wrong") }
  })
)

MailerTest.suite("SMTP (STARTTLS)", starttls, {
  received: receivedFrom(() => state.starttls),
  failing: { layer: wrongPassword, reason: "unauthorized" }
})

MailerTest.suite("SMTP (implicit TLS)", lazyLayer(options(() => state.implicit, "tls")), {
  received: receivedFrom(() => state.implicit)
})

const sendWith = <E>(layer: Layer.Layer<Mailer.Mailer, E>, mail: Mailer.Mail) =>
  Mailer.Mailer.use((m) => m.send(mail)).pipe(Effect.provide(layer))

const mail = (id: string, to: ReadonlyArray<string> = ["coordinator@kunta.example.fi"]): Mailer.Mail => ({
  id,
  to,
  subject: "Uusi lähete: Hyvinvointilähete",
  text: `Hyvinvointilähete: uusi lähete on saapunut.\nAvaa lähete: https://lahete.example.fi/referrals/${id}`
})

const lastWithId = (server: SmtpTestServer.Running, id: string) => server.received.filter((m) => m.id === id)

describe("SmtpMailer", () => {
  it.effect("sends over STARTTLS, logged in, with the headers and body of the mail", () =>
    Effect.gen(function* () {
      const m = mail("smtp-headers-1", ["coordinator@kunta.example.fi", "lahete@kunta.example.fi"])
      const receipt = yield* sendWith(starttls, m)
      expect(receipt.messageId).toBe("<smtp-headers-1@kunta.example.fi>")
      expect(receipt.accepted).toEqual(m.to)
      const [got, ...more] = lastWithId(running(state.starttls), m.id)
      expect(more).toEqual([])
      expect(got?.secure).toBe(true)
      expect(got?.user).toBe(SmtpTestServer.user)
      expect(got?.from).toBe(from)
      expect(got?.to).toEqual(m.to)
      expect(got?.headers.get("message-id")).toBe("<smtp-headers-1@kunta.example.fi>")
      expect(got?.headers.get("from")).toBe(from)
      expect(got?.headers.get("to")).toBe("coordinator@kunta.example.fi, lahete@kunta.example.fi")
      expect(got?.headers.get("content-type")).toMatch(/^text\/plain; charset=utf-8/i)
      expect(got?.subject).toBe(m.subject)
      expect(got?.text.replace(/\r\n/g, "\n").trimEnd()).toBe(m.text)
    })
  )

  it.effect("uses the configured Message-ID domain", () =>
    Effect.gen(function* () {
      const layer = lazyLayer(options(() => state.implicit, "tls", { messageIdDomain: "lahete.kunta.example.fi" }))
      const receipt = yield* sendWith(layer, mail("smtp-domain-1"))
      expect(receipt.messageId).toBe("<smtp-domain-1@lahete.kunta.example.fi>")
      expect(lastWithId(running(state.implicit), "smtp-domain-1")[0]?.secure).toBe(true)
    })
  )

  it.effect("a wrong password is unauthorized and not retryable", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(sendWith(wrongPassword, mail("smtp-auth-1")))
      expect(error).toMatchObject({
        _tag: "MailSendError",
        id: "smtp-auth-1",
        reason: "unauthorized",
        retryable: false
      })
      expect(lastWithId(running(state.starttls), "smtp-auth-1")).toEqual([])
    })
  )

  it.effect("a 4xx reply is retryable, a 5xx reply is rejected", () =>
    Effect.gen(function* () {
      const busy = yield* Effect.flip(sendWith(starttls, mail("smtp-451", ["busy@kunta.example.fi"])))
      expect(busy).toMatchObject({ id: "smtp-451", reason: "unavailable", retryable: true })
      expect(busy.message).not.toContain("busy@")
      const nobody = yield* Effect.flip(sendWith(starttls, mail("smtp-550", ["nobody@kunta.example.fi"])))
      expect(nobody).toMatchObject({ id: "smtp-550", reason: "rejected", retryable: false })
      expect(nobody.message).not.toContain("nobody@")
    })
  )

  it.effect("a recipient refused among accepted ones is listed in the receipt", () =>
    Effect.gen(function* () {
      const receipt = yield* sendWith(
        starttls,
        mail("smtp-partial", ["coordinator@kunta.example.fi", "nobody@kunta.example.fi"])
      )
      expect(receipt.accepted).toEqual(["coordinator@kunta.example.fi"])
      expect(receipt.rejected).toEqual(["nobody@kunta.example.fi"])
      expect(lastWithId(running(state.starttls), "smtp-partial")[0]?.to).toEqual(["coordinator@kunta.example.fi"])
    })
  )

  it.effect("a failed send is not remembered: the same id can be sent again", () =>
    Effect.gen(function* () {
      const mailer = yield* SmtpMailer.make(options(() => state.starttls, "starttls")())
      const error = yield* Effect.flip(mailer.send(mail("smtp-retry", ["busy@kunta.example.fi"])))
      expect(error.retryable).toBe(true)
      const receipt = yield* mailer.send(mail("smtp-retry"))
      expect(receipt.accepted).toEqual(["coordinator@kunta.example.fi"])
      expect(lastWithId(running(state.starttls), "smtp-retry")).toHaveLength(1)
    }).pipe(Effect.scoped)
  )

  it.effect("a refused connection is a retryable network error", () =>
    Effect.gen(function* () {
      const port = yield* Effect.promise(
        () =>
          new Promise<number>((resolve) => {
            const s = createServer()
            s.listen(0, "127.0.0.1", () => {
              const p = (s.address() as { port: number }).port
              s.close(() => resolve(p))
            })
          })
      )
      const layer = lazyLayer(() => ({ ...options(() => state.starttls, "starttls")(), port }))
      const error = yield* Effect.flip(sendWith(layer, mail("smtp-refused")))
      expect(error).toMatchObject({ id: "smtp-refused", reason: "network", retryable: true })
    })
  )

  it.effect("a server that never greets times out as a retryable network error", () =>
    Effect.gen(function* () {
      const silent = yield* Effect.acquireRelease(
        Effect.promise(
          () =>
            new Promise<Server>((resolve) => {
              const s = createServer(() => {})
              s.listen(0, "127.0.0.1", () => resolve(s))
            })
        ),
        (s) =>
          Effect.sync(() => {
            s.close()
          })
      )
      const port = (silent.address() as { port: number }).port
      const layer = lazyLayer(() => ({
        ...options(() => state.starttls, "starttls", { greetingTimeout: "300 millis" })(),
        port
      }))
      const error = yield* Effect.flip(sendWith(layer, mail("smtp-silent")))
      expect(error).toMatchObject({ id: "smtp-silent", reason: "network", retryable: true })
    }).pipe(Effect.scoped)
  )

  it.effect("an untrusted certificate is a TLS error, not retryable", () =>
    Effect.gen(function* () {
      const layer = lazyLayer(() => {
        const { tls: _ignored, ...rest } = options(() => state.implicit, "tls")()
        return rest
      })
      const error = yield* Effect.flip(sendWith(layer, mail("smtp-untrusted")))
      expect(error).toMatchObject({ id: "smtp-untrusted", reason: "tls", retryable: false })
      expect(lastWithId(running(state.implicit), "smtp-untrusted")).toEqual([])
    })
  )

  it.effect("STARTTLS required but not offered is a TLS error, and nothing is sent", () =>
    Effect.gen(function* () {
      const layer = lazyLayer(options(() => state.plain, "starttls"))
      const error = yield* Effect.flip(sendWith(layer, mail("smtp-no-starttls")))
      expect(error).toMatchObject({ id: "smtp-no-starttls", reason: "tls", retryable: false })
      expect(lastWithId(running(state.plain), "smtp-no-starttls")).toEqual([])
    })
  )

  it.effect("reads its options from configuration (plain connection to a local relay)", () =>
    Effect.gen(function* () {
      const layer = Layer.unwrap(
        Effect.sync(() =>
          SmtpMailer.layerConfig({
            host: Config.String("SMTP_HOST"),
            port: Config.Port("SMTP_PORT"),
            security: Config.Literals(["tls", "starttls", "none"], "SMTP_SECURITY"),
            auth: { user: Config.String("SMTP_USER"), password: Config.Redacted("SMTP_PASSWORD") },
            from: Config.String("SMTP_FROM")
          }).pipe(
            Layer.provide(
              ConfigProvider.layer(
                ConfigProvider.fromUnknown({
                  SMTP_HOST: "127.0.0.1",
                  SMTP_PORT: String(running(state.plain).port),
                  SMTP_SECURITY: "none",
                  SMTP_USER: SmtpTestServer.user,
                  SMTP_PASSWORD: SmtpTestServer.password,
                  SMTP_FROM: from
                })
              )
            )
          )
        )
      )
      const receipt = yield* sendWith(layer, mail("smtp-config"))
      expect(receipt.id).toBe("smtp-config")
      const [got] = lastWithId(running(state.plain), "smtp-config")
      expect(got?.user).toBe(SmtpTestServer.user)
      expect(got?.secure).toBe(false)
    })
  )

  it("Message-IDs carry the mail id back and forth (property)", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 80 }), (id) => {
        const messageId = SmtpMailer.messageIdOf(id, "kunta.example.fi")
        expect(messageId).toMatch(/^<[A-Za-z0-9._%-]+@kunta\.example\.fi>$/)
        expect(SmtpMailer.idOfMessageId(messageId)).toBe(id)
      }),
      { numRuns: 1000 }
    )
  })

  it("classifies failures without the failure's text", () => {
    const c = (e: unknown) => {
      const r = SmtpMailer.classify("x", e)
      return { reason: r.reason, retryable: r.retryable }
    }
    expect(c({ code: "EAUTH", responseCode: 535 })).toEqual({ reason: "unauthorized", retryable: false })
    expect(c({ code: "ENOAUTH" })).toEqual({ reason: "unauthorized", retryable: false })
    expect(c({ code: "EENVELOPE", responseCode: 452 })).toEqual({ reason: "unavailable", retryable: true })
    expect(c({ code: "EMESSAGE", responseCode: 554 })).toEqual({ reason: "rejected", retryable: false })
    expect(c({ code: "EPROTOCOL", responseCode: 503 })).toEqual({ reason: "unavailable", retryable: true })
    expect(c({ code: "ETLS" })).toEqual({ reason: "tls", retryable: false })
    expect(c({ code: "ESOCKET", originalCode: "ERR_SSL_WRONG_VERSION_NUMBER" })).toEqual({
      reason: "tls",
      retryable: false
    })
    expect(c({ code: "ESOCKET", originalCode: "ECONNREFUSED" })).toEqual({ reason: "network", retryable: true })
    expect(c({ code: "ESOCKET", cause: { code: "DEPTH_ZERO_SELF_SIGNED_CERT" } })).toEqual({
      reason: "tls",
      retryable: false
    })
    expect(c({ code: "ECONNECTION" })).toEqual({ reason: "network", retryable: true })
    expect(c({ code: "ETIMEDOUT" })).toEqual({ reason: "network", retryable: true })
    expect(c(new Error("something"))).toEqual({ reason: "unavailable", retryable: true })
    expect(SmtpMailer.classify("x", { code: "EAUTH", response: "535 bad pw for matti@x" }).message).not.toContain(
      "matti"
    )
  })
})
