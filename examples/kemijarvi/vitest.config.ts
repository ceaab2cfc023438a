import { project } from "../../vitest.shared.ts"

export default project("@lahete/example-kemijarvi", { testTimeout: 180_000 })
