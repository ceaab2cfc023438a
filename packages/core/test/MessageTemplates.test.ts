import { describe, expect, it } from "@effect/vitest"
import { Instant, LocalTime, MessageTemplates, Presets, type Programme } from "@lahete/core"
import { Result } from "effect"
import * as fc from "fast-check"

const languages = ["fi", "sv", "se", "en"] as const
const config: MessageTemplates.Config = { referralUrl: "https://lahete.example.fi/referrals/{referralId}" }

const arbCallAt = fc
  .integer({ min: Date.parse("2000-01-01T00:00:00Z"), max: Date.parse("2040-01-01T00:00:00Z") })
  .map((n) => Instant.make(n))
const arbProgramme = fc.constantFrom(Presets.kemijarvi, Presets.sodankyla)
const arbLanguage = fc.constantFrom(...languages)

const decoded = (input: unknown): MessageTemplates.Config => {
  const r = MessageTemplates.decode(input)
  if (Result.isFailure(r)) throw new Error(r.failure.issues)
  return r.success
}
const issuesOf = (input: unknown): string => {
  const r = MessageTemplates.decode(input)
  return Result.isFailure(r) ? r.failure.issues : ""
}

describe("MessageTemplates", () => {
  describe("the call-time message", () => {
    it("states the call time in the client's language and the programme's zone", () => {
      const callAt = Instant.make(Date.parse("2026-03-02T07:00:00Z")) // 9.00 in Helsinki
      const p = Presets.kemijarvi
      expect(MessageTemplates.callTimeMessage(p, undefined, { callAt, language: "fi" })).toBe(
        "Hyvinvointilähete: Sinulle soitetaan. Puhelun aika: maanantai 2.3.2026 klo 9.00."
      )
      expect(MessageTemplates.callTimeMessage(p, undefined, { callAt, language: "sv" })).toBe(
        "Hyvinvointilähete: Vi ringer dig. Tid för samtalet: måndag 2.3.2026 kl. 9.00."
      )
      expect(MessageTemplates.callTimeMessage(p, undefined, { callAt, language: "en" })).toBe(
        "Wellbeing referral: We will call you on Monday 2 March 2026 at 9:00."
      )
      expect(MessageTemplates.callTimeMessage(p, undefined, { callAt, language: "se" })).toBe(
        "Hyvinvointilähete: Mii riŋget dutnje. Áigi: vuossárga 2.3.2026 dii. 9.00."
      )
    })

    it("follows the programme's time zone", () => {
      const callAt = Instant.make(Date.parse("2026-07-01T09:30:00Z"))
      const stockholm: Programme.Programme = { ...Presets.kemijarvi, timeZone: "Europe/Stockholm" }
      expect(MessageTemplates.callTimeMessage(Presets.kemijarvi, undefined, { callAt, language: "fi" })).toContain(
        "klo 12.30"
      )
      expect(MessageTemplates.callTimeMessage(stockholm, undefined, { callAt, language: "fi" })).toContain("klo 11.30")
    })

    it("names the service and the time and nothing else, and fits in two SMS segments (property)", () => {
      fc.assert(
        fc.property(arbProgramme, arbLanguage, arbCallAt, (programme, language, callAt) => {
          const text = MessageTemplates.callTimeMessage(programme, undefined, { callAt, language })
          const callTime = LocalTime.format(callAt, programme.timeZone, language)
          const service = programme.names[language] ?? programme.names.fi
          expect(text).toContain(callTime)
          expect(text.startsWith(`${service}:`)).toBe(true)
          // what remains is the fixed wording: no digits (no number, no date other than the call's)
          expect(text.replace(callTime, "").replace(service, "")).not.toMatch(/\d/)
          expect(MessageTemplates.smsSegments(text).segments).toBeLessThanOrEqual(2)
        }),
        { numRuns: 1000 }
      )
    })

    it("uses the Finnish name where the programme has none in the language", () => {
      const callAt = Instant.make(Date.parse("2026-03-02T07:00:00Z"))
      const named: Programme.Programme = { ...Presets.kemijarvi, names: { fi: "Hyvinvointilähete", sv: "Välmående" } }
      expect(MessageTemplates.callTimeMessage(named, undefined, { callAt, language: "sv" })).toMatch(/^Välmående: /)
      expect(MessageTemplates.callTimeMessage(named, undefined, { callAt, language: "se" })).toMatch(
        /^Hyvinvointilähete: /
      )
    })

    it("uses a programme's override for its language and the default for the others", () => {
      const callAt = Instant.make(Date.parse("2026-03-02T07:00:00Z"))
      const own = decoded({ ...config, callTime: { sv: "Samtal {callTime} ({service})" } })
      expect(MessageTemplates.callTimeMessage(Presets.kemijarvi, own, { callAt, language: "sv" })).toBe(
        "Samtal måndag 2.3.2026 kl. 9.00 (Hyvinvointilähete)"
      )
      expect(MessageTemplates.callTimeMessage(Presets.kemijarvi, own, { callAt, language: "fi" })).toBe(
        MessageTemplates.callTimeMessage(Presets.kemijarvi, undefined, { callAt, language: "fi" })
      )
    })

    it("never expands a placeholder that appears in a value", () => {
      const callAt = Instant.make(Date.parse("2026-03-02T07:00:00Z"))
      const odd: Programme.Programme = { ...Presets.kemijarvi, names: { fi: "{callTime}" } }
      expect(MessageTemplates.callTimeMessage(odd, undefined, { callAt, language: "fi" })).toBe(
        "{callTime}: Sinulle soitetaan. Puhelun aika: maanantai 2.3.2026 klo 9.00."
      )
    })
  })

  describe("the coordinator notification", () => {
    it("says a referral has arrived and links to it", () => {
      const n = MessageTemplates.coordinatorNotification(Presets.kemijarvi, config, {
        referralId: "ref-123",
        language: "fi"
      })
      expect(n).toEqual({
        subject: "Uusi lähete: Hyvinvointilähete",
        text: "Hyvinvointilähete: uusi lähete on saapunut.\nAvaa lähete: https://lahete.example.fi/referrals/ref-123"
      })
      for (const language of languages) {
        const m = MessageTemplates.coordinatorNotification(Presets.sodankyla, config, { referralId: "r1", language })
        expect(m.text).toContain("https://lahete.example.fi/referrals/r1")
        expect(m.subject).not.toContain("{")
        expect(m.text).not.toContain("{")
      }
    })

    it("contains nothing but the fixed wording, the service and the link (property)", () => {
      fc.assert(
        fc.property(arbProgramme, arbLanguage, fc.string({ minLength: 1 }), (programme, language, referralId) => {
          const n = MessageTemplates.coordinatorNotification(programme, config, { referralId, language })
          const link = `https://lahete.example.fi/referrals/${encodeURIComponent(referralId)}`
          const service = programme.names[language] ?? programme.names.fi
          expect(n.text).toContain(link)
          const fixedText = MessageTemplates.defaults.notificationText[language]
            .replace("{service}", "")
            .replace("{link}", "")
          expect(n.text.replace(link, "").replace(service, "")).toBe(fixedText)
          expect(n.subject).toBe(MessageTemplates.defaults.notificationSubject[language].replace("{service}", service))
        }),
        { numRuns: 1000 }
      )
    })

    it("encodes the referral id into the link", () => {
      const n = MessageTemplates.coordinatorNotification(Presets.kemijarvi, config, {
        referralId: "a/b?c",
        language: "en"
      })
      expect(n.text).toContain("https://lahete.example.fi/referrals/a%2Fb%3Fc")
    })
  })

  describe("decode", () => {
    it("accepts a configuration with every default written out", () => {
      const all = {
        referralUrl: "https://x.example/r/{referralId}/open",
        callTime: MessageTemplates.defaults.callTime,
        notificationSubject: MessageTemplates.defaults.notificationSubject,
        notificationText: MessageTemplates.defaults.notificationText
      }
      expect(MessageTemplates.decode(all)).toEqual(Result.succeed(all))
    })

    it("refuses unknown placeholders, stray braces and missing required placeholders", () => {
      expect(issuesOf({ ...config, callTime: { fi: "Soitto {callTime} {name}" } })).toContain(
        "callTime.fi: unknown placeholder {name}"
      )
      expect(issuesOf({ ...config, callTime: { en: "Call {callTime} {link}" } })).toContain(
        "callTime.en: unknown placeholder {link}"
      )
      expect(issuesOf({ ...config, callTime: { sv: "Samtal {callTime} }" } })).toContain("callTime.sv: unmatched brace")
      expect(issuesOf({ ...config, callTime: { se: "Riŋget {service}" } })).toContain(
        "callTime.se: missing placeholder {callTime}"
      )
      expect(issuesOf({ ...config, notificationText: { fi: "Uusi lähete" } })).toContain(
        "notificationText.fi: missing placeholder {link}"
      )
      expect(issuesOf({ ...config, notificationSubject: { fi: "Lähete {link}" } })).toContain(
        "notificationSubject.fi: unknown placeholder {link}"
      )
      expect(issuesOf({ referralUrl: "https://x.example/r/" })).toContain(
        "referralUrl: missing placeholder {referralId}"
      )
      expect(issuesOf({ referralUrl: "javascript:{referralId}" })).toContain("referralUrl: expected an http(s) URL")
      expect(issuesOf({ referralUrl: "https://x.example/{referralId}", callTime: { fi: "" } })).not.toBe("")
      expect(issuesOf({ callTime: {} })).not.toBe("")
    })

    it("the default templates pass the checks of their kind", () => {
      for (const kind of ["callTime", "notificationSubject", "notificationText"] as const) {
        for (const language of languages) {
          expect(MessageTemplates.check(kind, MessageTemplates.defaults[kind][language])).toEqual([])
        }
      }
    })
  })

  describe("smsSegments", () => {
    const a = (n: number) => "a".repeat(n)
    it("counts GSM-7 segments: 160 in one, 153 each when concatenated", () => {
      expect(MessageTemplates.smsSegments("")).toEqual({ encoding: "gsm-7", units: 0, segments: 1 })
      expect(MessageTemplates.smsSegments(a(160))).toEqual({ encoding: "gsm-7", units: 160, segments: 1 })
      expect(MessageTemplates.smsSegments(a(161))).toEqual({ encoding: "gsm-7", units: 161, segments: 2 })
      expect(MessageTemplates.smsSegments(a(306)).segments).toBe(2)
      expect(MessageTemplates.smsSegments(a(307)).segments).toBe(3)
      expect(MessageTemplates.smsSegments("äöåÄÖÅ é").encoding).toBe("gsm-7")
    })

    it("counts extension characters as two septets and never splits them", () => {
      expect(MessageTemplates.smsSegments(`${a(158)}€`)).toEqual({ encoding: "gsm-7", units: 160, segments: 1 })
      expect(MessageTemplates.smsSegments(`${a(159)}€`)).toEqual({ encoding: "gsm-7", units: 161, segments: 2 })
      // 152 + 2 does not fit in the first 153: the euro sign moves to the second segment
      expect(MessageTemplates.smsSegments(`${a(152)}€${a(152)}`).segments).toBe(3)
      expect(MessageTemplates.smsSegments(`${a(152)}€${a(151)}`).segments).toBe(2)
    })

    it("falls back to UCS-2: 70 in one, 67 each when concatenated", () => {
      const s = (n: number) => "ŋ".repeat(n)
      expect(MessageTemplates.smsSegments(s(70))).toEqual({ encoding: "ucs-2", units: 70, segments: 1 })
      expect(MessageTemplates.smsSegments(s(71))).toEqual({ encoding: "ucs-2", units: 71, segments: 2 })
      expect(MessageTemplates.smsSegments(s(134)).segments).toBe(2)
      expect(MessageTemplates.smsSegments(s(135)).segments).toBe(3)
      // one character outside the BMP is two code units and is not split
      expect(MessageTemplates.smsSegments(`${a(66)}😀`)).toEqual({ encoding: "ucs-2", units: 68, segments: 1 })
      expect(MessageTemplates.smsSegments(`${a(66)}😀${a(3)}`).segments).toBe(2)
      expect(MessageTemplates.smsSegments(`${a(66)}😀${a(3)}`).units).toBe(71)
    })

    it("never packs more than a segment holds (property)", () => {
      fc.assert(
        fc.property(fc.string({ unit: fc.constantFrom("a", "€", "ä", "ŋ", "😀", " ") }), (text) => {
          const r = MessageTemplates.smsSegments(text)
          const single = r.encoding === "gsm-7" ? 160 : 70
          const part = r.encoding === "gsm-7" ? 153 : 67
          if (r.units <= single) expect(r.segments).toBe(1)
          else {
            expect(r.segments).toBeGreaterThanOrEqual(Math.ceil(r.units / part))
            // a character costs at most 2 units, so each segment wastes at most 1
            expect(r.segments).toBeLessThanOrEqual(Math.ceil(r.units / (part - 1)))
          }
        }),
        { numRuns: 1000 }
      )
    })
  })
})
