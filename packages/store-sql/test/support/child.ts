/**
 * The entry of the tests' child processes (`Crash.test.ts`, `Workers.test.ts`),
 * run by Node 24 itself (type stripping) with `--conditions=@lahete/source`:
 * a resolve hook maps the workspace sources' `.js` imports onto their `.ts`
 * files, then the script named by the first argument (`./crashBurst.js`,
 * `./workerMain.js`) runs.
 */
// the repository's resolve hook for running workspace sources (scripts/sources.mjs)
await import(new URL("../../../../scripts/sources.mjs", import.meta.url).href)

// e.g. `./crashBurst.js`, resolved to `crashBurst.ts` by the hook
const script = process.argv[2]
if (script === undefined || !/^\.\/[A-Za-z]+\.js$/.test(script)) throw new Error("usage: child.ts ./<script>.js")
await import(script)
