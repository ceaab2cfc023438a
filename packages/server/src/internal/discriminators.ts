/**
 * Tagged unions in the OpenAPI document: every union whose members are
 * objects told apart by a required `_tag` of one value becomes `oneOf` with a
 * `discriminator` on `_tag` (and a `mapping` from each tag to its schema), so
 * generators for Java, C#, Kotlin or TypeScript produce typed unions instead
 * of untyped ones. Members written inline are moved to
 * `components/schemas` (named after their tag) because a mapping names
 * schemas by reference. A `null` member stays beside the tagged union.
 */

type Json = Record<string, unknown>

const isObject = (u: unknown): u is Json => typeof u === "object" && u !== null && !Array.isArray(u)

const refPrefix = "#/components/schemas/"

const equal = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b)

/** Adds discriminators to a copy of the document (see the module documentation). */
export const addDiscriminators = (document: Json): Json => {
  const spec = structuredClone(document)
  const components = isObject(spec.components) ? spec.components : {}
  spec.components = components
  const schemas: Json = isObject(components.schemas) ? components.schemas : {}
  components.schemas = schemas

  const resolve = (schema: unknown): Json | undefined => {
    if (!isObject(schema)) return undefined
    const ref = schema.$ref
    if (typeof ref === "string") {
      const target = ref.startsWith(refPrefix) ? schemas[ref.slice(refPrefix.length)] : undefined
      return isObject(target) ? target : undefined
    }
    return schema
  }

  const tagOf = (schema: unknown): string | undefined => {
    const s = resolve(schema)
    if (s === undefined || !isObject(s.properties) || !Array.isArray(s.required) || !s.required.includes("_tag")) {
      return undefined
    }
    const tag = s.properties._tag
    if (!isObject(tag)) return undefined
    const values = Array.isArray(tag.enum) ? tag.enum : "const" in tag ? [tag.const] : []
    return values.length === 1 && typeof values[0] === "string" ? values[0] : undefined
  }

  const hoist = (schema: Json, tag: string): string => {
    for (let n = 1; ; n++) {
      const name = n === 1 ? tag : `${tag}${n}`
      const existing = schemas[name]
      if (existing === undefined) {
        schemas[name] = schema
        return `${refPrefix}${name}`
      }
      if (equal(existing, schema)) return `${refPrefix}${name}`
    }
  }

  const rewrite = (node: Json): void => {
    for (const key of ["anyOf", "oneOf"] as const) {
      const members = node[key]
      if (!Array.isArray(members)) continue
      const nulls = members.filter((m) => isObject(m) && m.type === "null")
      const tagged = members.filter((m) => !nulls.includes(m))
      const tags = tagged.map(tagOf)
      if (tagged.length < 2 || tags.some((t) => t === undefined) || new Set(tags).size !== tags.length) {
        continue
      }
      const refs = tagged.map((m, i) => {
        const member = m as Json
        return typeof member.$ref === "string" ? member.$ref : hoist(member, tags[i] as string)
      })
      const union = {
        oneOf: refs.map(($ref) => ({ $ref })),
        discriminator: {
          propertyName: "_tag",
          mapping: Object.fromEntries(refs.map((ref, i) => [tags[i] as string, ref]))
        }
      }
      delete node[key]
      if (nulls.length === 0) Object.assign(node, union)
      else node.anyOf = [union, ...nulls]
    }
  }

  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item)
      return
    }
    if (!isObject(node)) return
    // children first: a hoisted member is rewritten before it moves
    for (const value of Object.values(node)) walk(value)
    rewrite(node)
  }
  walk(spec)
  // hoisted members may hold unions themselves
  for (const schema of Object.values(schemas)) walk(schema)
  return spec
}
