/**
 * Text that people type and other systems send (names, the reason for a
 * referral, the closing feedback): the schemas every boundary decodes it
 * with, so what is stored can be shown in a staff view and written to a log
 * as what it looks like.
 *
 * Refused, with a reason naming the kind of character and never the value:
 *
 * - control characters (U+0000–U+001F, U+007F–U+009F): NUL, escape
 *   sequences, a carriage return that rewrites a log line. Multi-line fields
 *   (`lines: true`: the reason, the feedback) allow line feed and carriage
 *   return, nothing else;
 * - unpaired surrogates (U+D800–U+DFFF not forming a pair): not Unicode
 *   text, and stored differently by each database;
 * - bidirectional embeddings, overrides and isolates (U+202A–U+202E,
 *   U+2066–U+2069), which make a name display as another (`Trojan Source`);
 *   and the line and paragraph separators U+2028, U+2029.
 *
 * Every field has a maximum length (UTF-16 code units, as JavaScript counts
 * them), stated in the schema so generated OpenAPI and JSON Schema documents
 * carry it (with the refused characters as a `pattern`).
 *
 * @since 0.2.0
 */
import { Schema } from "effect"

/**
 * The longest given name and family name accepted (characters).
 *
 * @since 0.2.0
 * @category constants
 */
export const maxNameLength = 100

/**
 * The longest reason for a referral accepted (characters).
 *
 * @since 0.2.0
 * @category constants
 */
export const maxReasonLength = 2000

/**
 * The longest closing feedback accepted (characters).
 *
 * @since 0.2.0
 * @category constants
 */
export const maxFeedbackLength = 5000

/**
 * The longest personal identity code or mobile number accepted as typed
 * (characters; the lifecycle checks the value itself).
 *
 * @since 0.2.0
 * @category constants
 */
export const maxCodeLength = 32

const isControl = (c: number, lines: boolean): boolean =>
  (c < 0x20 || (c >= 0x7f && c <= 0x9f)) && !(lines && (c === 0x0a || c === 0x0d))

const isBidiControl = (c: number): boolean => (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)

/**
 * What is wrong with a text, or `undefined` when nothing is: the kind of
 * character refused (see the module documentation), never the character or
 * the text. `lines`: line feed and carriage return are allowed.
 *
 * @since 0.2.0
 * @category validation
 */
export const problem = (text: string, lines: boolean): string | undefined => {
  // iterating a string yields code points; an unpaired surrogate comes out on its own
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0
    if (isControl(c, lines)) {
      return lines ? "contains a control character (only line breaks are allowed)" : "contains a control character"
    }
    if (c >= 0xd800 && c <= 0xdfff) return "contains an unpaired surrogate (not valid Unicode text)"
    if (isBidiControl(c)) return "contains a bidirectional embedding, override or isolate character"
    if (c === 0x2028 || c === 0x2029) return "contains a line or paragraph separator (U+2028, U+2029)"
  }
  return undefined
}

/** The refused characters as a JSON Schema pattern (ECMA-262 with the `u` flag: a surrogate range matches unpaired ones only). */
const pattern = (lines: boolean): string =>
  `^[^${lines ? "\\u0000-\\u0009\\u000B\\u000C\\u000E-\\u001F" : "\\u0000-\\u001F"}\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\uD800-\\uDFFF]*$`

/**
 * The check of `problem` as a schema filter, with its JSON Schema form (a
 * `pattern`).
 *
 * @since 0.2.0
 * @category validation
 */
export const isClean = (options: { readonly lines: boolean }) =>
  Schema.makeFilter((text: string) => problem(text, options.lines), {
    description: options.lines
      ? "text without control characters other than line breaks, unpaired surrogates or bidirectional controls"
      : "one line of text without control characters, unpaired surrogates or bidirectional controls",
    toJsonSchema: () => ({ pattern: pattern(options.lines) })
  })

/**
 * One line of text, 1 to `maxLength` characters, clean (see `problem`): a
 * name, a code as typed.
 *
 * @since 0.2.0
 * @category schemas
 */
export const SingleLine = (maxLength: number) =>
  Schema.String.pipe(
    Schema.check(
      Schema.isMinLength(1, { message: "expected a non-empty string" }),
      Schema.isMaxLength(maxLength, { message: `expected at most ${maxLength} characters` }),
      isClean({ lines: false })
    )
  )

/**
 * Free text, 1 to `maxLength` characters, clean but for line breaks: the
 * reason for a referral, the closing feedback.
 *
 * @since 0.2.0
 * @category schemas
 */
export const MultiLine = (maxLength: number) =>
  Schema.String.pipe(
    Schema.check(
      Schema.isMinLength(1, { message: "expected a non-empty string" }),
      Schema.isMaxLength(maxLength, { message: `expected at most ${maxLength} characters` }),
      isClean({ lines: true })
    )
  )

/**
 * A given name or family name.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Name = SingleLine(maxNameLength)

/**
 * A personal identity code or mobile number as typed (the lifecycle
 * validates it).
 *
 * @since 0.2.0
 * @category schemas
 */
export const Typed = SingleLine(maxCodeLength)

/**
 * The reason for a referral (personal data).
 *
 * @since 0.2.0
 * @category schemas
 */
export const Reason = MultiLine(maxReasonLength)

/**
 * The closing feedback (personal data).
 *
 * @since 0.2.0
 * @category schemas
 */
export const Feedback = MultiLine(maxFeedbackLength)
