// Imports every published package's built entry point in plain Node (no
// TypeScript, no export condition for sources) and checks it exports something.
// Run after `pnpm build`. Exits non-zero when a package is not built or fails
// to import.
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { pathToFileURL } from "node:url"

const root = new URL("../packages/", import.meta.url).pathname
let failures = 0
for (const dir of readdirSync(root)) {
  const manifestPath = join(root, dir, "package.json")
  if (!existsSync(manifestPath)) continue
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8"))
  if (manifest.private) continue
  const entry = manifest.exports?.["."]?.import
  const types = manifest.exports?.["."]?.types
  const entryPath = join(root, dir, entry ?? "")
  const typesPath = join(root, dir, types ?? "")
  if (!entry || !existsSync(entryPath) || !types || !existsSync(typesPath)) {
    console.error(`✗ ${manifest.name}: built entry or types missing (${entry}, ${types}); run pnpm build`)
    failures++
    continue
  }
  try {
    const mod = await import(pathToFileURL(entryPath).href)
    const names = Object.keys(mod)
    if (names.length === 0) throw new Error("exports nothing")
    console.log(`✓ ${manifest.name} (node ${process.version}): ${names.join(", ")}`)
  } catch (error) {
    console.error(`✗ ${manifest.name}: ${error instanceof Error ? error.message : String(error)}`)
    failures++
  }
}
process.exit(failures === 0 ? 0 : 1)
