/**
 * The entry of the tests' child processes (`Crash.test.ts`, `Workers.test.ts`),
 * run by Node 24 itself (type stripping) with `--conditions=@lahete/source`:
 * a resolve hook maps the workspace sources' `.js` imports onto their `.ts`
 * files, then the script named by the first argument (`./crashBurst.js`,
 * `./workerMain.js`) runs.
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

// e.g. `./crashBurst.js`, resolved to `crashBurst.ts` by the hook above
const script = process.argv[2]
if (script === undefined || !/^\.\/[A-Za-z]+\.js$/.test(script)) throw new Error("usage: child.ts ./<script>.js")
await import(script)
