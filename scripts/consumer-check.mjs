// The consumer check: lahete as an integrator gets it from the registry.
// Run after `pnpm build`; it needs the npm registry (for effect, TypeScript
// and the packages' own dependencies) and nothing else.
//
//  1. `pnpm pack` every published package (workspace ranges become versions)
//  2. a fresh project in a temporary directory installs the tarballs with
//     plain npm, next to effect, @effect/sql-sqlite-node, @effect/sql-pg,
//     @effect/platform-node, TypeScript and @types/node
//  3. a generated file that references every runtime export of every
//     package (each entry point, and each member of its namespaces, found by
//     importing the built package) is type-checked: an export that exists at
//     run time but not for tsc is an error there
//  4. every TypeScript block of README.md, packages/*/README.md and docs/
//     that imports `@lahete/*` is type-checked as its own module, except
//     blocks marked as fragments (see below)
//  5. 3 and 4 with `strict` and `skipLibCheck: false`, once with
//     `module`/`moduleResolution` NodeNext and once with `moduleResolution`
//     bundler; also a CommonJS file that `require`s every package (NodeNext)
//  6. the blocks marked `run` are run on Node 24 (the Node running this script)
//  7. `require()` of every entry point from CommonJS on Node 24 and on the
//     lowest Node 22 that `engines` allows (fetched from the registry as the
//     `node` package)
//
// Marking blocks: an HTML comment on the line before the opening fence (or
// before a generated block's start marker).
//   <!-- fragment -->   the block is a part of a longer example (it uses names
//                       an earlier block or the reader defines); not compiled,
//                       counted and listed
//   <!-- run -->        the block is a whole program: compiled and also run
//                       (in the temporary project; it must end by itself)
//
// Prints what it checked and a last line `consumer check: passed` or
// `consumer check: FAILED (...)`; exits 1 on any failure.
//
//   node scripts/consumer-check.mjs [--keep]   (--keep: leave the project)
import { execFileSync, spawnSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const keep = process.argv.includes("--keep")
const started = Date.now()
const failures = []
const fail = (what) => {
  failures.push(what)
  console.log(`✗ ${what}`)
}
const log = (line) => console.log(line)
const seconds = () => `${((Date.now() - started) / 1000).toFixed(0)} s`

const run = (cmd, args, options = {}) => {
  const result = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...options })
  return { status: result.status, output: `${result.stdout ?? ""}${result.stderr ?? ""}`, error: result.error }
}

// ---------------------------------------------------------------------------
// the published packages and their entry points
const packages = readdirSync(join(root, "packages"))
  .map((dir) => join(root, "packages", dir))
  .filter((dir) => existsSync(join(dir, "package.json")))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) }))
  .filter((p) => !p.manifest.private)
const entryPoints = packages.flatMap(({ dir, manifest }) =>
  Object.entries(manifest.exports ?? {})
    .filter(([, target]) => typeof target === "object")
    .map(([subpath, target]) => ({
      specifier: subpath === "." ? manifest.name : `${manifest.name}/${subpath.slice(2)}`,
      file: join(dir, target.import)
    }))
)
for (const { specifier, file } of entryPoints) {
  if (!existsSync(file)) {
    console.log(`✗ ${specifier}: ${relative(root, file)} is missing; run pnpm build first`)
    process.exit(1)
  }
}

// ---------------------------------------------------------------------------
// the project
const project = mkdtempSync(join(tmpdir(), "lahete-consumer-"))
log(`project: ${project}`)
const cleanup = () => {
  if (!keep) rmSync(project, { recursive: true, force: true })
}

// 1. pack
const tarballs = join(project, "tarballs")
mkdirSync(tarballs)
const pnpm = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).packageManager
for (const { dir, manifest } of packages) {
  const packed = run("npx", ["--yes", pnpm, "pack", "--pack-destination", tarballs], { cwd: dir })
  if (packed.status !== 0) fail(`pnpm pack ${manifest.name}: ${packed.output.trim()}`)
}
const tgz = readdirSync(tarballs).filter((f) => f.endsWith(".tgz"))
log(`packed ${tgz.length} packages`)
// every tarball carries the licence, the README and the built files only
for (const file of tgz) {
  const list = execFileSync("tar", ["-tzf", join(tarballs, file)], { encoding: "utf8" })
    .split("\n")
    .filter(Boolean)
  for (const needed of ["package/LICENSE", "package/README.md", "package/package.json"]) {
    if (!list.includes(needed)) fail(`${file} has no ${needed.slice(8)}`)
  }
  const stray = list.filter((f) => !/^package\/(LICENSE|README\.md|package\.json|dist\/.+)$/.test(f))
  if (stray.length > 0) fail(`${file} holds files outside dist/: ${stray.join(", ")}`)
  const dts = list.filter((f) => f.endsWith(".d.ts"))
  if (dts.length === 0) fail(`${file} has no declarations`)
}
if (failures.length > 0) finish()

// 2. install with npm
const rootManifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"))
const lock = readFileSync(join(root, "pnpm-lock.yaml"), "utf8")
const versionOf = (name) => {
  // the version the workspace is tested with, from pnpm's lock file
  const m = new RegExp(`\\n  '?${name.replace("/", "\\/")}@([0-9][^:'(]*)'?`).exec(lock)
  if (!m) throw new Error(`no version of ${name} in pnpm-lock.yaml`)
  return m[1]
}
const consumerManifest = {
  name: "lahete-consumer",
  private: true,
  type: "module",
  dependencies: {
    ...Object.fromEntries(
      tgz.map((f) => [f.replace(/-\d+\.\d+\.\d+.*\.tgz$/, "").replace(/^lahete-/, "@lahete/"), `file:./tarballs/${f}`])
    ),
    effect: versionOf("effect"),
    "@effect/sql-sqlite-node": versionOf("@effect/sql-sqlite-node"),
    "@effect/sql-pg": versionOf("@effect/sql-pg"),
    "@effect/platform-node": versionOf("@effect/platform-node")
  },
  devDependencies: {
    typescript: rootManifest.devDependencies.typescript,
    "@types/node": versionOf("@types/node")
  }
}
writeFileSync(join(project, "package.json"), `${JSON.stringify(consumerManifest, null, 2)}\n`)
log(`npm install (${Object.keys(consumerManifest.dependencies).length} dependencies) …`)
const installed = run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: project })
if (installed.status !== 0) {
  fail(`npm install: ${installed.output.trim().split("\n").slice(-20).join("\n")}`)
  finish()
}
log(`installed (${seconds()})`)
const redis = existsSync(join(project, "node_modules", "redis"))
log(
  `redis in node_modules: ${redis ? "yes (npm installs it as @effect/platform-node's required peer; lahete never loads it)" : "no"}`
)

// ---------------------------------------------------------------------------
// 3. every runtime export, as tsc must see it
const isNamespace = (value) => Object.prototype.toString.call(value) === "[object Module]"
const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/
let exportCount = 0
const exportLines = []
const exportSites = [] // line number → reference, for the error report
for (const [i, { specifier }] of entryPoints.entries()) {
  const resolved = run(
    process.execPath,
    ["--input-type=module", "-e", `console.log(import.meta.resolve(${JSON.stringify(specifier)}))`],
    {
      cwd: project
    }
  )
  const url = resolved.output.trim().split("\n").pop()
  if (resolved.status !== 0 || !url?.startsWith("file:")) {
    fail(`${specifier} does not resolve in the project: ${resolved.output.trim()}`)
    continue
  }
  const mod = await import(url)
  const alias = `P${i}`
  exportLines.push(`import * as ${alias} from "${specifier}"`)
  const refs = []
  const visit = (path, value, depth) => {
    for (const key of Object.keys(value)) {
      if (!identifier.test(key)) continue
      const ref = `${path}.${key}`
      refs.push(ref)
      exportCount++
      if (depth < 2 && isNamespace(value[key])) visit(ref, value[key], depth + 1)
    }
  }
  visit(alias, mod, 0)
  for (const ref of refs) exportSites.push(ref.replace(alias, specifier))
  exportLines.push(...refs.map((ref) => `void ${ref}`))
}
const exportsSource = [
  ...exportLines.filter((l) => l.startsWith("import ")),
  ...exportLines.filter((l) => l.startsWith("void "))
]
mkdirSync(join(project, "check"))
writeFileSync(join(project, "check", "exports.ts"), `${exportsSource.join("\n")}\n`)
const firstRefLine = exportsSource.findIndex((l) => l.startsWith("void ")) + 1
// CommonJS: require() every entry point (NodeNext only; bundler resolution has no require)
writeFileSync(
  join(project, "check", "require.cts"),
  `${entryPoints.map(({ specifier }, i) => `import R${i} = require("${specifier}")\nvoid R${i}`).join("\n")}\n`
)

// ---------------------------------------------------------------------------
// 4. the documentation's TypeScript blocks
const markdownFiles = [
  join(root, "README.md"),
  ...packages.map((p) => join(p.dir, "README.md")),
  ...readdirSync(join(root, "docs"), { recursive: true })
    .filter((f) => f.endsWith(".md"))
    .map((f) => join(root, "docs", f))
].filter(existsSync)
const blocks = []
let otherBlocks = 0
for (const file of markdownFiles) {
  const lines = readFileSync(file, "utf8").split("\n")
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(ts|typescript)\b(.*)$/.exec(lines[i])
    if (!open) continue
    const indent = open[1]
    const start = i
    const body = []
    for (i++; i < lines.length && !new RegExp(`^${indent}\`\`\`\\s*$`).test(lines[i]); i++) {
      body.push(lines[i].startsWith(indent) ? lines[i].slice(indent.length) : lines[i])
    }
    let before = start - 1
    // blank lines and the start marker of a generated block may come between
    while (before >= 0 && (lines[before].trim() === "" || /^\s*<!-- generated:[^>]*:start/.test(lines[before])))
      before--
    const marker = before >= 0 ? /^\s*<!--\s*(fragment|run)\b.*-->\s*$/.exec(lines[before])?.[1] : undefined
    const source = body.join("\n")
    if (!/from "@lahete\//.test(source)) {
      otherBlocks++
      continue
    }
    blocks.push({ file: relative(root, file), line: start + 1, source, marker })
  }
}
const checked = blocks.filter((b) => b.marker !== "fragment")
const fragments = blocks.filter((b) => b.marker === "fragment")
const runnable = blocks.filter((b) => b.marker === "run")
mkdirSync(join(project, "check", "docs"))
for (const block of checked) {
  block.name = `${block.file.replace(/[/.]/g, "_")}_${block.line}.ts`
  writeFileSync(join(project, "check", "docs", block.name), `${block.source}\n`)
}

// ---------------------------------------------------------------------------
// 5. type-check under both resolutions
const common = {
  strict: true,
  skipLibCheck: false,
  noEmit: true,
  target: "ES2023",
  lib: ["ES2023"],
  types: ["node"],
  moduleDetection: "force"
}
const configs = {
  nodenext: { ...common, module: "NodeNext", moduleResolution: "NodeNext" },
  bundler: { ...common, module: "ESNext", moduleResolution: "bundler" }
}
const tsc = join(project, "node_modules", "typescript", "bin", "tsc")
for (const [name, compilerOptions] of Object.entries(configs)) {
  const include = ["check/exports.ts", "check/docs/*.ts", ...(name === "nodenext" ? ["check/require.cts"] : [])]
  writeFileSync(join(project, `tsconfig.${name}.json`), JSON.stringify({ compilerOptions, include }, null, 2))
  const result = run(process.execPath, [tsc, "-p", `tsconfig.${name}.json`, "--pretty", "false"], { cwd: project })
  const errors = result.output.split("\n").filter((l) => /error TS\d+/.test(l))
  const missing = errors.filter((l) => l.startsWith("check/exports.ts("))
  const inDocs = errors.filter((l) => l.startsWith("check/docs/"))
  const elsewhere = errors.filter((l) => !missing.includes(l) && !inDocs.includes(l))
  log(
    `tsc (${name}, strict, skipLibCheck false): ${exportCount} runtime exports referenced, ${missing.length} missing; ${checked.length} docs blocks, ${inDocs.length} errors; ${elsewhere.length} other errors`
  )
  for (const line of missing) {
    const n = Number(/^check\/exports\.ts\((\d+),/.exec(line)?.[1] ?? 0)
    fail(
      `${name}: runtime export not typed: ${exportSites[n - firstRefLine] ?? "?"} (${line.replace(/^.*error /, "")})`
    )
  }
  for (const line of inDocs) {
    const fileName = /^check\/docs\/([^(]+)\((\d+)/.exec(line)
    const block = checked.find((b) => b.name === fileName?.[1])
    const at = block ? `${block.file}:${block.line + Number(fileName?.[2] ?? 0)}` : line
    fail(`${name}: ${at}: ${line.replace(/^.*error /, "")}`)
  }
  for (const line of elsewhere) fail(`${name}: ${line}`)
  if (result.status !== 0 && errors.length === 0) fail(`${name}: tsc failed: ${result.output.trim()}`)
}
log(
  `docs blocks importing @lahete/*: ${blocks.length} (${checked.length} checked, ${fragments.length} fragments, ${runnable.length} run); other TypeScript blocks: ${otherBlocks}`
)
for (const f of fragments) log(`  fragment: ${f.file}:${f.line}`)

// no JavaScript in declarations
for (const { manifest } of packages) {
  const dist = join(project, "node_modules", ...manifest.name.split("/"), "dist")
  for (const f of readdirSync(dist, { recursive: true }).filter((f) => f.endsWith(".d.ts"))) {
    const text = readFileSync(join(dist, f), "utf8")
    if (/^\s*(function |var |let |class [^{]*\{[^}]*\breturn\b)/m.test(text))
      fail(`${manifest.name}/dist/${f} holds JavaScript`)
  }
}

// ---------------------------------------------------------------------------
// 6. run the runnable blocks on this Node (24)
mkdirSync(join(project, "run"))
for (const block of runnable) {
  const file = join(project, "run", block.name.replace(/\.ts$/, ".mts"))
  writeFileSync(file, `${block.source}\n`)
  const result = run(process.execPath, ["--no-warnings", file], { cwd: join(project, "run"), timeout: 120_000 })
  if (result.status === 0) log(`ran ${block.file}:${block.line} on Node ${process.versions.node}`)
  else
    fail(
      `running ${block.file}:${block.line} on Node ${process.versions.node}: ${result.output.trim().split("\n").slice(-15).join("\n")}`
    )
}

// ---------------------------------------------------------------------------
// 7. require() on Node 24 and on the lowest Node 22 in `engines`
const requireAll = entryPoints
  .map(
    ({ specifier }) =>
      `{ const m = require(${JSON.stringify(specifier)}); if (Object.keys(m).length === 0) throw new Error("${specifier} exports nothing") }`
  )
  .join("\n")
writeFileSync(join(project, "require-all.cjs"), `${requireAll}\nconsole.log("ok")\n`)
const engines = new Set(packages.map((p) => p.manifest.engines?.node))
if (engines.size !== 1) fail(`the packages' engines differ: ${[...engines].join(" | ")}`)
const floor22 = /\^?(22\.\d+\.\d+)/.exec([...engines][0] ?? "")?.[1]
const nodes = [{ version: process.versions.node, bin: process.execPath }]
if (floor22) {
  const dir = join(project, "node22")
  mkdirSync(dir)
  writeFileSync(join(dir, "package.json"), JSON.stringify({ private: true, dependencies: { node: floor22 } }))
  const got = run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: dir })
  const bin = join(dir, "node_modules", "node", "bin", "node")
  if (got.status !== 0 || !existsSync(bin))
    fail(`could not install Node ${floor22} from the registry: ${got.output.trim()}`)
  else nodes.push({ version: floor22, bin })
}
for (const node of nodes) {
  const result = run(node.bin, ["--no-warnings", "require-all.cjs"], { cwd: project })
  if (result.status === 0 && result.output.trim().endsWith("ok")) {
    log(`require() of ${entryPoints.length} entry points on Node ${node.version}: ok`)
  } else {
    fail(`require() on Node ${node.version}: ${result.output.trim().split("\n").slice(-10).join("\n")}`)
  }
}

finish()

function finish() {
  cleanup()
  log(`(${seconds()})`)
  if (failures.length === 0) {
    log("consumer check: passed")
    process.exit(0)
  }
  log(`consumer check: FAILED (${failures.length} problems)`)
  process.exit(1)
}
