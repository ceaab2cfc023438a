// Before `pnpm test`: empties .vitest/staff-mail, where the tests capture the
// staff emails they send, so the staff-mail audit (the last test project)
// reads exactly this run's mails.
import { rmSync } from "node:fs"

rmSync(new URL("../.vitest/staff-mail", import.meta.url), { recursive: true, force: true })
