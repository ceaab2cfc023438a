/**
 * The Finnish personal identity code (henkilötunnus): `DDMMYY` + century sign +
 * individual number `NNN` + check character.
 *
 * - Century signs: `+` 1800s; `-`, `Y`, `X`, `W`, `V`, `U` 1900s; `A`, `B`,
 *   `C`, `D`, `E`, `F` 2000s (the letters other than `-` and `A` since 1.1.2023).
 *   The sign is part of the identity: it is kept exactly as written.
 * - Individual number 002–899 regular, 900–999 temporary (or test) codes.
 * - Check character: the nine digits `DDMMYYNNN` as a number, mod 31, looked up
 *   in `0123456789ABCDEFHJKLMNPRSTUVWXY`.
 *
 * A failed parse names the reason but never echoes the input: an identity code
 * is personal data and must not reach logs or error messages.
 *
 * @since 0.1.0
 */
import { type Brand, Result, Schema } from "effect"
import { daysInMonth } from "./internal/months.js"

/**
 * The check-character alphabet, indexed by the remainder mod 31.
 *
 * @since 0.1.0
 * @category constants
 */
export const checkAlphabet = "0123456789ABCDEFHJKLMNPRSTUVWXY"

/**
 * Every century sign with the century it stands for.
 *
 * @since 0.1.0
 * @category constants
 */
export const centurySigns: Readonly<Record<string, 1800 | 1900 | 2000>> = {
  "+": 1800,
  "-": 1900,
  Y: 1900,
  X: 1900,
  W: 1900,
  V: 1900,
  U: 1900,
  A: 2000,
  B: 2000,
  C: 2000,
  D: 2000,
  E: 2000,
  F: 2000
}

/**
 * Why a string is not a valid personal identity code.
 *
 * @since 0.1.0
 * @category models
 */
export type InvalidReason = "format" | "century-sign" | "impossible-date" | "individual-number" | "check-character"

/**
 * A string that failed to parse as a personal identity code. Carries the reason
 * only, never the input.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidPersonalIdentityCode extends Schema.TaggedError<InvalidPersonalIdentityCode>()(
  "InvalidPersonalIdentityCode",
  { reason: Schema.Literals(["format", "century-sign", "impossible-date", "individual-number", "check-character"]) }
) {
  override get message(): string {
    return `not a valid personal identity code: ${describe(this.reason)}`
  }
}

const descriptions: Record<InvalidReason, string> = {
  format: "expected 11 characters DDMMYY, a century sign, three digits and a check character",
  "century-sign": "unknown century sign (expected one of + - Y X W V U A B C D E F)",
  "impossible-date": "the date of birth does not exist",
  "individual-number": "the individual number must be 002-999",
  "check-character": "the check character does not match"
}

const describe = (reason: InvalidReason): string => descriptions[reason]

/**
 * A validated personal identity code, exactly as written (upper case).
 *
 * @since 0.1.0
 * @category models
 */
export type PersonalIdentityCode = string & Brand.Brand<"PersonalIdentityCode">

/**
 * The parts of a validated code.
 *
 * @since 0.1.0
 * @category models
 */
export interface Parsed {
  readonly code: PersonalIdentityCode
  /** Date of birth as `YYYY-MM-DD`. */
  readonly birthDate: string
  readonly centurySign: string
  readonly individualNumber: number
  /** 900–999: a temporary or test code. */
  readonly temporary: boolean
  /** Odd individual number: registered male; even: registered female. */
  readonly registeredSex: "male" | "female"
}

const shape = /^(\d{2})(\d{2})(\d{2})(.)(\d{3})(.)$/

/**
 * The check character for the nine digits `DDMMYYNNN`.
 *
 * @since 0.1.0
 * @category utils
 */
export const checkCharacter = (nineDigits: string): string => checkAlphabet[Number(nineDigits) % 31] as string

/**
 * Parses and validates a personal identity code. Surrounding whitespace is
 * ignored and letters are upper-cased; nothing else is normalised.
 *
 * @example
 * ```ts
 * import { PersonalIdentityCode } from "@lahete/core"
 * import { Result } from "effect"
 *
 * const r = PersonalIdentityCode.parse("131052-308T")
 * if (Result.isSuccess(r)) console.log(r.success.birthDate) // 1952-10-13
 * ```
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse = (input: string): Result.Result<Parsed, InvalidPersonalIdentityCode> => {
  const text = input.trim().toUpperCase()
  const m = shape.exec(text)
  if (m === null) return Result.fail(new InvalidPersonalIdentityCode({ reason: "format" }))
  const [, dd, mm, yy, sign, nnn, check] = m as unknown as [string, string, string, string, string, string, string]
  const century = centurySigns[sign]
  if (century === undefined) return Result.fail(new InvalidPersonalIdentityCode({ reason: "century-sign" }))
  const year = century + Number(yy)
  const month = Number(mm)
  const day = Number(dd)
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return Result.fail(new InvalidPersonalIdentityCode({ reason: "impossible-date" }))
  }
  const individualNumber = Number(nnn)
  if (individualNumber < 2) return Result.fail(new InvalidPersonalIdentityCode({ reason: "individual-number" }))
  if (checkCharacter(`${dd}${mm}${yy}${nnn}`) !== check) {
    return Result.fail(new InvalidPersonalIdentityCode({ reason: "check-character" }))
  }
  return Result.succeed({
    code: text as PersonalIdentityCode,
    birthDate: `${String(year).padStart(4, "0")}-${mm}-${dd}`,
    centurySign: sign,
    individualNumber,
    temporary: individualNumber >= 900,
    registeredSex: individualNumber % 2 === 1 ? "male" : "female"
  })
}

/**
 * Whether a string is a valid personal identity code.
 *
 * @since 0.1.0
 * @category parsing
 */
export const isValid = (input: string): boolean => Result.isSuccess(parse(input))

/**
 * Builds a valid code from its parts (used by test generators and fixtures).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (parts: {
  readonly day: number
  readonly month: number
  readonly year: number
  readonly individualNumber: number
  readonly centurySign?: string
}): PersonalIdentityCode => {
  const sign = parts.centurySign ?? (parts.year < 1900 ? "+" : parts.year < 2000 ? "-" : "A")
  const dd = String(parts.day).padStart(2, "0")
  const mm = String(parts.month).padStart(2, "0")
  const yy = String(parts.year % 100).padStart(2, "0")
  const nnn = String(parts.individualNumber).padStart(3, "0")
  return `${dd}${mm}${yy}${sign}${nnn}${checkCharacter(`${dd}${mm}${yy}${nnn}`)}` as PersonalIdentityCode
}

/**
 * A schema for a personal identity code. Decoding failures say what is wrong
 * without quoting the value.
 *
 * @since 0.1.0
 * @category schemas
 */
export const PersonalIdentityCodeSchema = Schema.String.pipe(
  Schema.check(
    Schema.makeFilter((s: string) =>
      Result.match(parse(s), {
        onSuccess: (p) => p.code === s || "write the code in upper case without surrounding spaces",
        onFailure: (e) => e.message
      })
    )
  ),
  Schema.brand("PersonalIdentityCode")
)
