/**
 * The reference sections of docs/embedding.md, rendered from the schemas:
 * every command's fields (`ReferralCommand.ReferralCommand`) and every
 * programme setting (`Programme.Programme`), each with its type and whether
 * it is required. The test fails when the page differs from the schemas;
 * rewrite the blocks with
 * `UPDATE_DOCS=1 node_modules/.bin/node node_modules/vitest/vitest.mjs run packages/core/test/EmbeddingDocs.test.ts`.
 * (The page's code example is type-checked and run by the consumer check,
 * `scripts/consumer-check.mjs`, against the packed packages.)
 */
import { describe, expect, it } from "@effect/vitest"
import { Programme, ReferralCommand } from "@lahete/core"
import { Schema } from "effect"
import { code, syncBlocks, table } from "./support/docs.js"

type Json = { readonly [key: string]: unknown }
interface Row {
  readonly path: string
  readonly type: string
  readonly required: boolean
}

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null

/** The rows of one JSON Schema: nested objects flattened into dotted paths, array items as `[]`. */
const rowsOf = (root: Json, definitions: Json): ReadonlyArray<Row> => {
  const rows: Array<Row> = []
  const resolve = (schema: Json): Json => {
    const ref = schema.$ref
    if (typeof ref !== "string") return schema
    const target = definitions[ref.replace(/^#\/\$defs\//, "")]
    return isObject(target) ? resolve(target) : schema
  }
  const describe = (raw: Json): string => {
    const schema = resolve(raw)
    if (Array.isArray(schema.anyOf)) return [...new Set(schema.anyOf.filter(isObject).map(describe))].join(" | ")
    if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(" | ")
    if ("const" in schema) return JSON.stringify(schema.const)
    switch (schema.type) {
      case "string": {
        const limits =
          typeof schema.minLength === "number" || typeof schema.maxLength === "number"
            ? ` (${schema.minLength ?? 0}–${schema.maxLength ?? "…"} characters)`
            : ""
        const format = typeof schema.format === "string" ? ` (${schema.format})` : ""
        return `string${format}${limits}`
      }
      case "integer":
      case "number": {
        const min = typeof schema.minimum === "number" && schema.minimum > -1e15 ? schema.minimum : undefined
        const max = typeof schema.maximum === "number" && schema.maximum < 1e15 ? schema.maximum : undefined
        const range = min === undefined && max === undefined ? "" : ` (${min ?? "…"}–${max ?? "…"})`
        return `${schema.type}${range}`
      }
      case "boolean":
      case "null":
        return String(schema.type)
      case "array":
        return isObject(schema.items) ? `list of ${describe(schema.items)}` : "list"
      case "object":
        return "object"
      default:
        return "any"
    }
  }
  const walk = (raw: Json, prefix: string) => {
    const schema = resolve(raw)
    const properties = isObject(schema.properties) ? schema.properties : {}
    const required = new Set(Array.isArray(schema.required) ? schema.required : [])
    for (const [name, value] of Object.entries(properties)) {
      if (!isObject(value) || name === "_tag") continue
      const path = `${prefix}${name}`
      const field = resolve(value)
      rows.push({ path, type: describe(value), required: required.has(name) })
      if (field.type === "object") walk(field, `${path}.`)
      const items = field.type === "array" && isObject(field.items) ? resolve(field.items) : undefined
      if (items?.type === "object") walk(items, `${path}[].`)
      if (Array.isArray(field.anyOf)) {
        for (const member of field.anyOf.filter(isObject).map(resolve)) {
          if (member.type === "object") walk(member, `${path}.`)
        }
      }
    }
  }
  walk(root, "")
  return rows
}

const document = (schema: Schema.Top) => {
  const doc = Schema.toJsonSchemaDocument(schema) as unknown as { schema: Json; definitions?: Json }
  return { schema: doc.schema, definitions: doc.definitions ?? {} }
}

const render = (rows: ReadonlyArray<Row>) =>
  table(
    ["field", "type", "required"],
    rows.map((r) => [code(r.path), r.type, r.required ? "yes" : ""])
  )

/** The fields every command has. */
const common = ["referralId", "idempotencyKey", "actor", "at"]
const isCommon = (row: Row) => common.some((name) => row.path === name || row.path.startsWith(`${name}.`))

/** The fields every command has, then one table per command (its own fields), in the union's order. */
const commandsReference = (): string => {
  const sections = ReferralCommand.ReferralCommand.members.map((member) => {
    const { schema, definitions } = document(member)
    return { tag: member.fields._tag.schema.literal, rows: rowsOf(schema, definitions) }
  })
  const shared = sections[0]?.rows.filter(isCommon) ?? []
  for (const section of sections) {
    // the shared fields are the same in every command
    expect(section.rows.filter(isCommon), section.tag).toEqual(shared)
  }
  return [
    "### Every command",
    "",
    render(shared),
    ...sections.map((section) => {
      const own = section.rows.filter((row) => !isCommon(row))
      return ["", `### ${code(section.tag)}`, "", own.length === 0 ? "No other fields." : render(own)].join("\n")
    })
  ].join("\n")
}

/** Every setting of a programme. */
const programmeReference = (): string => {
  const { schema, definitions } = document(Programme.Programme)
  return render(rowsOf(schema, definitions))
}

describe("docs/embedding.md", () => {
  it("its reference lists every command's fields and every programme setting, as the schemas define them", () => {
    const commands = commandsReference()
    // every command of the union has its section, and every field of SubmitReferral its row
    for (const tag of ReferralCommand.tags) expect(commands).toContain(`### \`${tag}\``)
    for (const field of Object.keys(ReferralCommand.SubmitReferral.fields).filter((f) => f !== "_tag")) {
      expect(commands).toContain(`\`${field}\``)
    }
    const programme = programmeReference()
    for (const field of Object.keys(Programme.Programme.fields)) expect(programme).toContain(`\`${field}\``)
    syncBlocks("embedding.md", { commands, programme })
  })
})
