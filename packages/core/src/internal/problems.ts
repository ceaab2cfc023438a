/**
 * Schema issues as `{ path, reason }` problems (an unknown key names its own
 * path), for the validation errors of configuration-like data.
 */
import { SchemaIssue } from "effect"

const formatPath = (path: ReadonlyArray<PropertyKey>): string => {
  let out = ""
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`
    else out += out === "" ? String(key) : `.${String(key)}`
  }
  return out
}

const formatter = SchemaIssue.makeFormatterStandardSchemaV1({
  leafHook: (issue) =>
    issue._tag === "UnexpectedKey"
      ? "is not a known field"
      : issue._tag === "MissingKey"
        ? "is missing"
        : SchemaIssue.defaultLeafHook(issue)
})

/** One problem per leaf issue. */
export const problems = (issue: SchemaIssue.Issue): ReadonlyArray<{ path: string; reason: string }> =>
  formatter(issue).issues.map((i) => ({
    path: formatPath((i.path ?? []).map((k) => (typeof k === "object" && k !== null ? k.key : k))),
    reason: i.message
  }))
