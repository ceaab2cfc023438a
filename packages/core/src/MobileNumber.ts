/**
 * Mobile numbers for the first-contact text message (consent rule C2): a
 * Finnish number in national form (`040 123 4567`) or any number in
 * international form, validated with libphonenumber-js's full metadata and
 * stored as E.164 (`+358401234567`).
 *
 * A failed parse names the reason but never echoes the number.
 *
 * @since 0.1.0
 */
import { type Brand, Result, Schema } from "effect"
import { parsePhoneNumberFromString } from "libphonenumber-js/max"

/**
 * A validated mobile number in E.164 form.
 *
 * @since 0.1.0
 * @category models
 */
export type MobileNumber = string & Brand.Brand<"MobileNumber">

/**
 * Why a string is not usable as a mobile number.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidMobileNumber extends Schema.TaggedError<InvalidMobileNumber>()("InvalidMobileNumber", {
  reason: Schema.Literals(["unparseable", "invalid", "not-mobile"])
}) {
  override get message(): string {
    return messages[this.reason]
  }
}

const messages = {
  unparseable: "not a phone number",
  invalid: "not a valid phone number for its country",
  "not-mobile": "a valid number, but not a mobile number: a text message cannot be sent to it"
} as const

/**
 * Parses a mobile number. National numbers are read as Finnish; numbers with a
 * `+` country code are accepted from any country when they are mobile numbers.
 *
 * @example
 * ```ts
 * import { MobileNumber } from "@lahete/core"
 * import { Result } from "effect"
 *
 * Result.getOrThrow(MobileNumber.parse("040 123 4567")) // "+358401234567"
 * ```
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse = (input: string): Result.Result<MobileNumber, InvalidMobileNumber> => {
  const parsed = parsePhoneNumberFromString(input.trim(), "FI")
  if (parsed === undefined) return Result.fail(new InvalidMobileNumber({ reason: "unparseable" }))
  if (!parsed.isValid()) return Result.fail(new InvalidMobileNumber({ reason: "invalid" }))
  const type = parsed.getType()
  if (type !== "MOBILE" && type !== "FIXED_LINE_OR_MOBILE") {
    return Result.fail(new InvalidMobileNumber({ reason: "not-mobile" }))
  }
  return Result.succeed(parsed.number as MobileNumber)
}

/**
 * Whether a string is a valid mobile number.
 *
 * @since 0.1.0
 * @category parsing
 */
export const isValid = (input: string): boolean => Result.isSuccess(parse(input))

/**
 * A schema for a mobile number already in E.164 form.
 *
 * @since 0.1.0
 * @category schemas
 */
export const MobileNumberSchema = Schema.String.pipe(
  Schema.check(
    Schema.makeFilter((s: string) =>
      Result.match(parse(s), {
        onSuccess: (e164) => e164 === s || "expected E.164 form, e.g. +358401234567",
        onFailure: (e) => e.message
      })
    )
  ),
  Schema.brand("MobileNumber")
)
