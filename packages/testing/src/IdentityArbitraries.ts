/**
 * fast-check arbitraries for Finnish identity data: valid and invalid personal
 * identity codes, and Finnish mobile numbers in the forms people type them.
 *
 * @since 0.1.0
 */
import { PersonalIdentityCode } from "@lahete/core"
import * as fc from "fast-check"

const signsByCentury = (century: number): ReadonlyArray<string> =>
  Object.entries(PersonalIdentityCode.centurySigns)
    .filter(([, c]) => c === century)
    .map(([sign]) => sign)

/**
 * Valid personal identity codes with every century sign, regular and temporary
 * individual numbers, births 1800–2099.
 *
 * @since 0.1.0
 * @category arbitraries
 */
export const personalIdentityCode = (
  options: { readonly temporary?: boolean } = {}
): fc.Arbitrary<PersonalIdentityCode.PersonalIdentityCode> =>
  fc
    .record({
      date: fc.date({
        min: new Date("1800-01-01T00:00:00Z"),
        max: new Date("2099-12-31T00:00:00Z"),
        noInvalidDate: true
      }),
      individualNumber:
        options.temporary === undefined
          ? fc.integer({ min: 2, max: 999 })
          : options.temporary
            ? fc.integer({ min: 900, max: 999 })
            : fc.integer({ min: 2, max: 899 }),
      signIndex: fc.nat()
    })
    .map(({ date, individualNumber, signIndex }) => {
      const year = date.getUTCFullYear()
      const signs = signsByCentury(Math.floor(year / 100) * 100)
      return PersonalIdentityCode.make({
        day: date.getUTCDate(),
        month: date.getUTCMonth() + 1,
        year,
        individualNumber,
        centurySign: signs[signIndex % signs.length] as string
      })
    })

/**
 * Strings that look like identity codes but are invalid, each with the reason
 * the parser must give.
 *
 * @since 0.1.0
 * @category arbitraries
 */
export const invalidPersonalIdentityCode: fc.Arbitrary<{
  readonly code: string
  readonly reason: PersonalIdentityCode.InvalidReason
}> = fc.oneof(
  personalIdentityCode().map((code) => {
    const idx = PersonalIdentityCode.checkAlphabet.indexOf(code.slice(-1))
    const wrong = PersonalIdentityCode.checkAlphabet[(idx + 1) % 31] as string
    return { code: code.slice(0, -1) + wrong, reason: "check-character" as const }
  }),
  personalIdentityCode().map((code) => ({
    code: `${code.slice(0, 6)}G${code.slice(7)}`,
    reason: "century-sign" as const
  })),
  fc.integer({ min: 1900, max: 1999 }).map((year) => {
    // day 31 of a 30-day month never exists
    const code = PersonalIdentityCode.make({ day: 30, month: 4, year, individualNumber: 123 })
    const digits = `31${code.slice(2, 6)}${code.slice(7, 10)}`
    return {
      code: `31${code.slice(2, 7)}${code.slice(7, 10)}${PersonalIdentityCode.checkCharacter(digits)}`,
      reason: "impossible-date" as const
    }
  }),
  fc.string({ maxLength: 10 }).map((s) => ({ code: s, reason: "format" as const }))
)

/**
 * Finnish mobile numbers as people type them (national or international,
 * with or without spaces) paired with their E.164 form.
 *
 * @since 0.1.0
 * @category arbitraries
 */
export const finnishMobileNumber: fc.Arbitrary<{ readonly typed: string; readonly e164: string }> = fc
  .record({
    prefix: fc.constantFrom("40", "41", "44", "45", "46", "50"),
    subscriber: fc.integer({ min: 0, max: 9_999_999 }),
    style: fc.constantFrom("national", "national-spaced", "international", "international-spaced")
  })
  .map(({ prefix, subscriber, style }) => {
    const sub = String(subscriber).padStart(7, "0")
    const e164 = `+358${prefix}${sub}`
    const typed =
      style === "national"
        ? `0${prefix}${sub}`
        : style === "national-spaced"
          ? `0${prefix} ${sub.slice(0, 3)} ${sub.slice(3)}`
          : style === "international"
            ? e164
            : `+358 ${prefix} ${sub.slice(0, 3)} ${sub.slice(3)}`
    return { typed, e164 }
  })
