/**
 * The staff-mail audit (issue #7, acceptance 5): runs after every other test
 * project and reads every staff email the run's tests sent (captured by
 * `StaffMailAudit.capture`, see vitest.shared.ts), and finds no personal
 * data in any: no word outside the notification templates' vocabulary, no
 * identity code, no phone number.
 *
 * Run alone (`vitest run --project staff-mail-audit`) it checks whatever the
 * last run captured.
 */
import { describe, expect, it } from "@effect/vitest"
import { StaffMailAudit } from "@lahete/testing"

const directory = process.env[StaffMailAudit.directoryVariable] ?? ""

describe("every staff email sent in the test run", () => {
  const captured = StaffMailAudit.read(directory)

  it("were captured (the capture works; the dispatcher tests send dozens)", () => {
    expect(directory).not.toBe("")
    expect(captured.length).toBeGreaterThanOrEqual(20)
  })

  it("carry no personal data", () => {
    const allowed = StaffMailAudit.vocabulary()
    const findings = captured.flatMap((c) =>
      StaffMailAudit.inspect(c.mail, allowed).map((f) => `${c.source}: ${c.mail.id}: ${f.kind} "${f.text}"`)
    )
    expect(findings).toEqual([])
  })

  it("the inspection itself finds personal data when it is there", () => {
    const mail = captured[0]?.mail ?? {
      id: "r-1:coordinator-notification",
      to: ["coordinator@example.fi"],
      subject: "Uusi hyvinvointilähete",
      text: "Avaa lähete: https://example.invalid/r-1"
    }
    for (const [extra, kind] of [
      ["Aino Virtanen", "unknown-word"],
      ["131052-308T", "identity-code"],
      ["+358 40 123 4567", "phone-number"],
      ["040 123 4567", "phone-number"],
      ["yksinäisyys ja suru", "unknown-word"]
    ] as const) {
      const kinds = StaffMailAudit.inspect({ ...mail, text: `${mail.text}\n${extra}` }).map((f) => f.kind)
      expect(kinds).toContain(kind)
    }
    expect(StaffMailAudit.inspect(mail)).toEqual([])
  })
})
