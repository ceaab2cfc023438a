/**
 * The in-memory `AuditLog`: the usage log, the disclosure log and refused
 * attempts kept in a `Ref`, for tests, examples and single-process
 * prototypes. Nothing survives the process.
 *
 * Entries are checked against their schemas before they are kept, as a SQL
 * log would when encoding them; an entry that does not match fails with
 * `AuditLogFailure` and is not kept (the failure names the log, never the
 * entry's content).
 *
 * @since 0.1.0
 */
import { Effect, Layer, Ref, Schema } from "effect"
import { AuditLog, AuditLogFailure, DisclosureEntry, RefusalEntry, type Shape, UsageEntry } from "./AuditLog.js"

interface Logs {
  readonly usage: ReadonlyArray<UsageEntry>
  readonly disclosures: ReadonlyArray<DisclosureEntry>
  readonly refusals: ReadonlyArray<RefusalEntry>
}

const invalid = (operation: string) => () =>
  new AuditLogFailure({ operation, detail: "the entry does not match the schema" })

const checkUsage = (entry: UsageEntry) =>
  Effect.mapError(Effect.fromResult(Schema.decodeUnknownResult(UsageEntry)(entry)), invalid("recordUsage"))
const checkDisclosure = (entry: DisclosureEntry) =>
  Effect.mapError(Effect.fromResult(Schema.decodeUnknownResult(DisclosureEntry)(entry)), invalid("recordDisclosure"))
const checkRefusal = (entry: RefusalEntry) =>
  Effect.mapError(Effect.fromResult(Schema.decodeUnknownResult(RefusalEntry)(entry)), invalid("recordRefusal"))

/**
 * Builds an empty in-memory audit log.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Shape> = Effect.gen(function* () {
  const ref = yield* Ref.make<Logs>({ usage: [], disclosures: [], refusals: [] })
  return AuditLog.of({
    recordUsage: (entry) =>
      Effect.flatMap(checkUsage(entry), (e) => Ref.update(ref, (logs) => ({ ...logs, usage: [...logs.usage, e] }))),
    recordUsages: (entries) =>
      Effect.flatMap(Effect.forEach(entries, checkUsage), (checked) =>
        checked.length === 0
          ? Effect.void
          : Ref.update(ref, (logs) => ({ ...logs, usage: [...logs.usage, ...checked] }))
      ),
    recordDisclosure: (entry) =>
      Effect.flatMap(checkDisclosure(entry), (e) =>
        Ref.update(ref, (logs) => ({ ...logs, disclosures: [...logs.disclosures, e] }))
      ),
    recordRefusal: (entry) =>
      Effect.flatMap(checkRefusal(entry), (e) =>
        Ref.update(ref, (logs) => ({ ...logs, refusals: [...logs.refusals, e] }))
      ),
    forSubject: (subjectId) =>
      Effect.map(Ref.get(ref), (logs) => ({
        usage: logs.usage.filter((e) => e.subjectId === subjectId),
        disclosures: logs.disclosures.filter((e) => e.subjectId === subjectId)
      })),
    refusals: () => Effect.map(Ref.get(ref), (logs) => logs.refusals)
  })
})

/**
 * A layer with an empty in-memory audit log (each build is a new, empty log).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<AuditLog> = Layer.effect(AuditLog, make)
