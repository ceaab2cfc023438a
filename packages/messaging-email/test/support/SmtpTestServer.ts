/**
 * A real SMTP server in the test process (`smtp-server`), with a self-signed
 * certificate made by `openssl` at start, password authentication, and a
 * record of every mail received (parsed: headers, decoded subject and text,
 * envelope, whether the session was encrypted and who logged in).
 *
 * `plainOnly` offers no STARTTLS and allows login without encryption.
 *
 * Recipients steer the server: `busy@…` is refused with 451 (try later),
 * `nobody@…` with 550 (no such user).
 */
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { SmtpMailer } from "@lahete/messaging-email"
import { SMTPServer } from "smtp-server"

export interface ReceivedMail {
  readonly id: string | undefined
  readonly to: ReadonlyArray<string>
  readonly from: string | undefined
  readonly subject: string
  readonly text: string
  readonly headers: ReadonlyMap<string, string>
  readonly secure: boolean
  readonly user: unknown
}

export const user = "lahete"
export const password = "correct horse battery staple"

export const makeCertificate = (): { readonly key: string; readonly cert: string } => {
  const dir = mkdtempSync(join(tmpdir(), "lahete-smtp-"))
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
        "-days",
        "2",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=DNS:localhost,IP:127.0.0.1"
      ],
      { stdio: "ignore" }
    )
    return { key: readFileSync(join(dir, "key.pem"), "utf8"), cert: readFileSync(join(dir, "cert.pem"), "utf8") }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const qpDecode = (s: string): string => {
  const soft = s.replace(/=\r?\n/g, "")
  const bytes: Array<number> = []
  for (let i = 0; i < soft.length; i++) {
    const c = soft[i] ?? ""
    const hex = soft.slice(i + 1, i + 3)
    if (c === "=" && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16))
      i += 2
    } else bytes.push(...Buffer.from(c, "utf8"))
  }
  return Buffer.from(bytes).toString("utf8")
}

/** RFC 2047 encoded words (UTF-8, Q or B); white space between adjacent words is dropped. */
export const decodeWords = (value: string): string =>
  value
    .replace(/(=\?[^?]+\?[QqBb]\?[^?]*\?=)\s+(?==\?)/g, "$1")
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_, _charset: string, enc: string, data: string) =>
      enc.toUpperCase() === "B" ? Buffer.from(data, "base64").toString("utf8") : qpDecode(data.replace(/_/g, " "))
    )

export const parse = (raw: string): { headers: Map<string, string>; text: string } => {
  const split = raw.indexOf("\r\n\r\n")
  const head = split >= 0 ? raw.slice(0, split) : raw
  const body = split >= 0 ? raw.slice(split + 4) : ""
  const headers = new Map<string, string>()
  for (const line of head.replace(/\r\n[ \t]+/g, " ").split("\r\n")) {
    const colon = line.indexOf(":")
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
  }
  const encoding = (headers.get("content-transfer-encoding") ?? "7bit").toLowerCase()
  const text =
    encoding === "quoted-printable"
      ? qpDecode(body)
      : encoding === "base64"
        ? Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8")
        : body
  return { headers, text }
}

const smtpError = (message: string, responseCode: number): Error => Object.assign(new Error(message), { responseCode })

export interface Running {
  readonly port: number
  readonly received: Array<ReceivedMail>
  readonly close: () => Promise<void>
}

export const start = (
  tls: { readonly key: string; readonly cert: string },
  mode: { readonly secure: boolean; readonly plainOnly?: boolean }
): Promise<Running> => {
  const received: Array<ReceivedMail> = []
  const server = new SMTPServer({
    secure: mode.secure,
    // plainOnly: no STARTTLS at all, and login allowed without encryption
    ...(mode.plainOnly === true ? { disabledCommands: ["STARTTLS"], allowInsecureAuth: true } : {}),
    key: tls.key,
    cert: tls.cert,
    authMethods: ["PLAIN", "LOGIN"],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === user && auth.password === password) callback(null, { user: auth.username })
      else callback(smtpError("Authentication credentials invalid", 535))
    },
    onRcptTo(address, _session, callback) {
      if (address.address.startsWith("busy@")) callback(smtpError("Mailbox busy, try again later", 451))
      else if (address.address.startsWith("nobody@")) callback(smtpError("No such user", 550))
      else callback()
    },
    onData(stream, session, callback) {
      const chunks: Array<Buffer> = []
      stream.on("data", (chunk: Buffer) => chunks.push(chunk))
      stream.on("end", () => {
        const { headers, text } = parse(Buffer.concat(chunks).toString("utf8"))
        const messageId = headers.get("message-id")
        received.push({
          id: messageId === undefined ? undefined : SmtpMailer.idOfMessageId(messageId),
          to: session.envelope.rcptTo.map((a) => a.address),
          from: session.envelope.mailFrom === false ? undefined : session.envelope.mailFrom.address,
          subject: decodeWords(headers.get("subject") ?? ""),
          text,
          headers,
          secure: session.secure,
          user: session.user
        })
        callback()
      })
    }
  })
  // a client that gives up (e.g. on an untrusted certificate) is no server error
  server.on("error", () => {})
  return new Promise((resolve, reject) => {
    server.server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const port = (server.server.address() as AddressInfo).port
      resolve({ port, received, close: () => new Promise<void>((done) => server.close(() => done())) })
    })
  })
}
