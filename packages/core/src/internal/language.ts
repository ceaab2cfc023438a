/**
 * The citizen-facing languages, in a module of their own so that `Instrument`
 * (which `Programme` checks instrument codes against) does not import
 * `Programme`. Exported as `Programme.Language`.
 */
import { Schema } from "effect"

export const Language = Schema.Literals(["fi", "sv", "se", "en"])

export type Language = typeof Language.Type
