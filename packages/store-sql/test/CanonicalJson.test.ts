/**
 * The canonical JSON of projection rows and outbox payloads
 * (`internal/sql.ts`): written directly for plain data, it must give the
 * text the definition gives, `JSON.stringify` with every object's keys
 * sorted, for any value (a stored state written by an earlier release must
 * read as the same text, and a rebuilt row must equal the row written by
 * the append).
 */
import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { canonicalJson } from "../src/internal/sql.js"

/** The definition: `JSON.stringify`, each object replaced by a copy with its entries sorted by key. */
const definition = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v
  )

/** Keys that sort differently as numbers and as text, and keys JSON must escape. */
const key = fc.oneof(
  fc.string(),
  fc.constantFrom(
    "0",
    "1",
    "2",
    "10",
    "9",
    "01",
    "-1",
    "4294967294",
    "4294967295",
    "1e3",
    "a",
    "B",
    "ä",
    '"',
    "\\",
    "\u2028"
  )
)

/** Values `JSON.stringify` writes or leaves out: plain data, dates (`toJSON`), class instances, `undefined`, functions. */
const value = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small" },
    fc.constantFrom(null, true, false, undefined, Number.NaN, Number.POSITIVE_INFINITY, -0, 1e21, 5e-324),
    fc.double(),
    fc.integer(),
    fc.string(),
    fc.date({ noInvalidDate: true }),
    fc.constant(() => 1),
    fc.array(tie("v"), { maxLength: 4 }),
    fc.dictionary(key, tie("v"), { maxKeys: 5 }),
    fc.dictionary(key, tie("v"), { maxKeys: 3 }).map((d) => Object.assign(Object.create(null) as object, d)),
    fc.dictionary(key, tie("v"), { maxKeys: 3 }).map((d) => Object.assign(new (class Box {})(), d))
  )
})).v

describe("canonicalJson", () => {
  it("gives the definition's text for any value", () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(canonicalJson(v)).toBe(definition(v))
      }),
      { numRuns: 2000 }
    )
  })

  it("orders keys that are array indices by number, before the others, as JSON.stringify of a sorted copy does", () => {
    expect(canonicalJson({ b: 1, 10: 2, a: 3, 9: 4, "01": 5 })).toBe('{"9":4,"10":2,"01":5,"a":3,"b":1}')
    expect(canonicalJson({ z: { y: [{ b: 1, a: undefined }] } })).toBe('{"z":{"y":[{"b":1}]}}')
  })
})
