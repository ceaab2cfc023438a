import { project } from "../../vitest.shared.ts"

export default project("@lahete/http-limits")
