// Lets Node 24 run the workspace packages from their TypeScript sources, so
// `pnpm demo`, the examples and the tests' child processes need no build: with `--conditions=@lahete/source` each
// package's `exports` points at `src/index.ts`, and the sources import each
// other as `./Module.js` (the form their build needs); this hook resolves
// such a specifier to the `.ts` file next to it when no `.js` file exists.
// Node strips the types (`--experimental-transform-types`, since some
// sources use parameter properties).
import { existsSync } from "node:fs"
import { registerHooks } from "node:module"
import { fileURLToPath } from "node:url"

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context)
    } catch (error) {
      const parent = context.parentURL
      if (
        (specifier.startsWith("./") || specifier.startsWith("../")) &&
        specifier.endsWith(".js") &&
        parent?.endsWith(".ts")
      ) {
        const candidate = new URL(`${specifier.slice(0, -3)}.ts`, parent)
        if (existsSync(fileURLToPath(candidate))) return nextResolve(candidate.href, context)
      }
      throw error
    }
  }
})
