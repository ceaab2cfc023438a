#!/usr/bin/env node
/**
 * Summarises a V8 CPU profile (`.cpuprofile`, as `pnpm bench --scale
 * --profile=DIR` writes one for each evaluation report): the sampled time by
 * area (each package under packages/, effect, the native functions such as
 * node:sqlite's `all`, the garbage collector), then self and inclusive time
 * by function and file.
 *
 *   node scripts/cpuprofile-summary.mjs DIR/evaluation-SQLite-100000.cpuprofile [rows]
 */
import { readFileSync } from "node:fs"

const file = process.argv[2]
const top = Number(process.argv[3] ?? 25)
const p = JSON.parse(readFileSync(file, "utf8"))
const byId = new Map(p.nodes.map((n) => [n.id, n]))
const parent = new Map()
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
const dt = new Map()
for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0))
const key = (n) => {
  const f = n.callFrame
  const url = f.url.replace(/^.*\/(packages|node_modules)\//, "$1/").replace(/^file:\/\//, "")
  return `${f.functionName || "(anon)"} ${url}${url ? `:${f.lineNumber + 1}` : ""}`
}
const self = new Map(),
  incl = new Map(),
  fileSelf = new Map()
let total = 0
for (const [id, t] of dt) {
  total += t
  const n = byId.get(id)
  self.set(key(n), (self.get(key(n)) ?? 0) + t)
  const url = n.callFrame.url
  const bucket =
    url === ""
      ? n.callFrame.functionName || "(native)"
      : url.includes("node_modules/effect/")
        ? "effect"
        : url.includes("/packages/")
          ? url.replace(/^.*\/packages\//, "").replace(/\/src\/.*$|\/bench\/.*$/, "")
          : url.startsWith("node:")
            ? `node:${url.slice(5)}`
            : url.replace(/^.*node_modules\//, "")
  fileSelf.set(bucket, (fileSelf.get(bucket) ?? 0) + t)
  const seen = new Set()
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const k = key(byId.get(cur))
    if (seen.has(k)) continue
    seen.add(k)
    incl.set(k, (incl.get(k) ?? 0) + t)
  }
}
const show = (title, m, n) => {
  console.log(`\n${title}`)
  for (const [k, t] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n))
    console.log(`${(t / 1000).toFixed(1).padStart(9)} ms ${((100 * t) / total).toFixed(1).padStart(5)} %  ${k}`)
}
console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled, ${p.samples.length} samples`)
show("self time by area", fileSelf, 15)
show("self time by function", self, top)
show("inclusive time by function", incl, top)
