// Builds the published packages with the TypeScript compiler (`tsc -b`):
// every module of src/ becomes dist/Module.js, dist/Module.d.ts and a source
// map, unbundled, so the declarations a consumer's compiler reads are exactly
// the ones tsc checked (a bundled .d.ts dropped namespace members that are
// both a value and a type). Each package's tsconfig.build.json references the
// workspace packages it imports; tsc builds those first and resolves them
// through their built `types`, as a consumer does (no `@lahete/source`).
//
//   node scripts/build.mjs            every published package
//   node scripts/build.mjs <dir>...   these packages (and what they import)
//
// A package's dist/ and its build info are removed before it is built, so no
// file of an earlier build is left over.
import { spawnSync } from "node:child_process"
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const published = readdirSync(join(root, "packages"))
  .map((d) => join(root, "packages", d))
  .filter((d) => existsSync(join(d, "tsconfig.build.json")))
  .filter((d) => !JSON.parse(readFileSync(join(d, "package.json"), "utf8")).private)

const dirs = process.argv.length > 2 ? process.argv.slice(2).map((d) => resolve(d)) : published
for (const dir of dirs) {
  if (!existsSync(join(dir, "tsconfig.build.json"))) {
    console.error(`${dir} has no tsconfig.build.json`)
    process.exit(1)
  }
  rmSync(join(dir, "dist"), { recursive: true, force: true })
  rmSync(join(dir, ".tsbuild", "build.tsbuildinfo"), { force: true })
}
const tsc = join(root, "node_modules", "typescript", "bin", "tsc")
const result = spawnSync(process.execPath, [tsc, "-b", ...dirs.map((d) => join(d, "tsconfig.build.json"))], {
  stdio: "inherit"
})
process.exit(result.status ?? 1)
