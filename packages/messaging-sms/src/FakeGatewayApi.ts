/**
 * A local HTTP server implementing GatewayAPI's documented `POST /rest/mtsms`
 * contract (see the package README for the sources): token authentication
 * (`Authorization: Token …`, or Basic with the token as user), a JSON body
 * checked field by field (undocumented fields are refused with 0x0220, as
 * the API does), the documented success body with `ids` and `usage`, and the
 * documented error body (`code`, `incident_uuid`, `message`, `variables`).
 *
 * Like the provider it transcodes the text: without `encoding: "UCS2"`, any
 * character outside GSM 03.38 arrives as `?`.
 *
 * A test can switch it into a failure mode: 401, 403 blacklisted number, 422,
 * 429 with `Retry-After`, 500, hanging past the client's timeout, or a 200
 * with a body that is not JSON.
 *
 * @since 0.1.0
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"

/**
 * How the server answers: `ok`, or one of the documented failures.
 *
 * @since 0.1.0
 * @category models
 */
export type Mode =
  | "ok"
  | "unauthorized"
  | "blacklisted"
  | "filtered"
  | "rate-limited"
  | "server-error"
  | "class-not-configured"
  | "hang"
  | "garbage"
  | "no-ids"

/**
 * One accepted message as the provider would deliver it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Delivered {
  readonly providerId: number
  /** `userref` */
  readonly id: string
  /** `+` and the MSISDN */
  readonly to: string
  /** the text as it would reach the handset */
  readonly text: string
  readonly sender: string | undefined
}

/**
 * One request as it arrived.
 *
 * @since 0.1.0
 * @category models
 */
export interface RawRequest {
  readonly method: string | undefined
  readonly url: string | undefined
  readonly authorization: string | undefined
  readonly contentType: string | undefined
  readonly body: unknown
}

/**
 * A running server: its URL and token, the mode to answer in, what it
 * received and delivered, and `close`.
 *
 * @since 0.1.0
 * @category models
 */
export interface FakeGatewayApi {
  readonly url: string
  readonly token: string
  mode: Mode
  /** Milliseconds to wait before answering an accepted message (a provider's latency; default 0). */
  delayMs: number
  /** Called when a request has arrived (before any answer). */
  onRequest: (() => void) | undefined
  readonly requests: Array<RawRequest>
  readonly delivered: Array<Delivered>
  readonly close: () => Promise<void>
}

const gsm7 = new Set([
  ..."@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà",
  ..."\f^{}\\[~]|€"
])

const documentedFields = new Set([
  "class",
  "message",
  "sender",
  "sendtime",
  "tags",
  "userref",
  "priority",
  "validity_period",
  "encoding",
  "destaddr",
  "payload",
  "udh",
  "callback_url",
  "label",
  "max_parts",
  "extra_details",
  "recipients"
])

let incident = 0
/** The documented error body; `code` and `variables` are left out when empty, as documented. */
const errorBody = (code: string | undefined, message: string, variables?: ReadonlyArray<string>) => ({
  ...(code === undefined ? {} : { code }),
  incident_uuid: `00000000-0000-4000-8000-${String(++incident).padStart(12, "0")}`,
  message,
  ...(variables === undefined ? {} : { variables })
})

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** The first contract violation in a request body, as GatewayAPI's error code and message; undefined when valid. */
const violation = (body: unknown): { code: string; message: string; variables?: Array<string> } | undefined => {
  if (!isRecord(body)) return { code: "0x0308", message: "Invalid argument" }
  for (const key of Object.keys(body)) {
    if (!documentedFields.has(key)) return { code: "0x0220", message: "Unsupported parameter %1", variables: [key] }
  }
  if (typeof body.message !== "string" || body.message.length === 0) {
    return { code: "0x0222", message: "Missing required parameter %1", variables: ["message"] }
  }
  if (!Array.isArray(body.recipients) || body.recipients.length === 0) {
    return { code: "0x0222", message: "Missing required parameter %1", variables: ["recipients"] }
  }
  for (const r of body.recipients) {
    if (!isRecord(r) || !(typeof r.msisdn === "number" || typeof r.msisdn === "string")) {
      return { code: "0x0222", message: "Missing required parameter %1", variables: ["msisdn"] }
    }
    if (!/^[1-9]\d{0,14}$/.test(String(r.msisdn))) return { code: "0x0308", message: "Invalid argument" }
  }
  if (body.userref !== undefined && typeof body.userref !== "string")
    return { code: "0x0308", message: "Invalid argument" }
  if (
    body.sender !== undefined &&
    !(typeof body.sender === "string" && /^([\p{L}\p{N} ]{1,11}|\d{1,15})$/u.test(body.sender))
  ) {
    return { code: "0x0308", message: "Invalid argument" }
  }
  if (body.encoding !== undefined && body.encoding !== "UTF8" && body.encoding !== "UCS2") {
    return { code: "0x0308", message: "Invalid argument" }
  }
  if (body.class !== undefined && !["standard", "premium", "secret"].includes(String(body.class))) {
    return { code: "0x0218", message: "Unknown message class id %1", variables: [String(body.class)] }
  }
  for (const key of ["label", "callback_url"] as const) {
    if (body[key] !== undefined && typeof body[key] !== "string") return { code: "0x0308", message: "Invalid argument" }
  }
  if (body.validity_period !== undefined && !Number.isInteger(body.validity_period)) {
    return { code: "0x0308", message: "Invalid argument" }
  }
  return undefined
}

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { "content-type": "application/json", ...headers })
  res.end(JSON.stringify(body))
}

/**
 * Starts the fake provider on 127.0.0.1 and a random port.
 *
 * @since 0.1.0
 * @category constructors
 */
export const start = async (token = "test-token-Zm9vYmFy"): Promise<FakeGatewayApi> => {
  let nextId = 421332671
  const hanging = new Set<ServerResponse>()
  const state = {
    mode: "ok" as Mode,
    delayMs: 0,
    onRequest: undefined as (() => void) | undefined,
    requests: [] as Array<RawRequest>,
    delivered: [] as Array<Delivered>
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const text = await readBody(req)
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      body = undefined
    }
    state.requests.push({
      method: req.method,
      url: req.url,
      authorization: req.headers.authorization,
      contentType: req.headers["content-type"],
      body
    })
    state.onRequest?.()

    if (req.url !== "/rest/mtsms") return json(res, 404, errorBody(undefined, "Not found"))
    if (req.method !== "POST") return json(res, 405, errorBody(undefined, "Method not allowed"))
    const auth = req.headers.authorization ?? ""
    const basic = `Basic ${Buffer.from(`${token}:`).toString("base64")}`
    if (state.mode === "unauthorized" || (auth !== `Token ${token}` && auth !== basic)) {
      return json(res, 401, errorBody("0x0229", "Invalid token"))
    }
    if (!(req.headers["content-type"] ?? "").startsWith("application/json") || body === undefined) {
      return json(res, 422, errorBody("0x0308", "Invalid json request body"))
    }
    const invalid = violation(body)
    if (invalid !== undefined) return json(res, 400, errorBody(invalid.code, invalid.message, invalid.variables))
    const sms = body as {
      message: string
      recipients: Array<{ msisdn: number | string }>
      userref?: string
      sender?: string
      encoding?: string
    }
    const msisdns = sms.recipients.map((r) => String(r.msisdn))

    switch (state.mode) {
      case "blacklisted":
        // the real API quotes the number in `variables`
        return json(res, 403, errorBody("0x0215", "MSISDN %1 blacklisted", [msisdns[0] ?? ""]))
      case "filtered":
        return json(res, 422, errorBody("0x0312", "Messages filtered based on content"))
      case "rate-limited":
        // 429 is not in GatewayAPI's documentation (only the 40-connection limit is): modelled on RFC 6585
        return json(res, 429, errorBody(undefined, "Too many requests"), { "retry-after": "7" })
      case "server-error":
        return json(res, 500, errorBody(undefined, "Internal error"))
      case "class-not-configured":
        return json(res, 500, errorBody("0x021E", "Message class %1 is not configured for %2", ["secret", "FI"]))
      case "hang":
        hanging.add(res)
        return
      case "garbage":
        res.writeHead(200, { "content-type": "text/html" })
        res.end("<html><body>Service temporarily unavailable</body></html>")
        return
      case "no-ids":
        return json(res, 200, { usage: { countries: {}, currency: "EUR", total_cost: 0 } })
      case "ok":
        break
    }

    if (state.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, state.delayMs))
    const providerId = nextId++
    const deliveredText =
      sms.encoding === "UCS2" ? sms.message : [...sms.message].map((c) => (gsm7.has(c) ? c : "?")).join("")
    for (const msisdn of msisdns) {
      state.delivered.push({
        providerId,
        id: sms.userref ?? "",
        to: `+${msisdn}`,
        text: deliveredText,
        sender: sms.sender
      })
    }
    return json(res, 200, {
      ids: [providerId],
      usage: { countries: { FI: msisdns.length }, currency: "EUR", total_cost: 0.05 * msisdns.length }
    })
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => json(res, 500, errorBody(undefined, "Internal error")))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo

  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy()
        server.closeAllConnections()
        server.close(() => resolve())
      })
  })
}
