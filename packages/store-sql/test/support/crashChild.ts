/**
 * The child process of the crash-safety test (`Crash.test.ts`), run by
 * Node 24 itself (type stripping) with `--conditions=@lahete/source`: a
 * resolve hook maps the workspace sources' `.js` imports onto their `.ts`
 * files, then `crashBurst.ts` runs. The parent kills it with SIGKILL.
 */
import { registerHooks } from "node:module"

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context)
    } catch (error) {
      if (specifier.startsWith(".") && specifier.endsWith(".js")) {
        return nextResolve(`${specifier.slice(0, -3)}.ts`, context)
      }
      throw error
    }
  }
})

// resolved to `crashBurst.ts` by the hook above
await import("./crashBurst.js")
