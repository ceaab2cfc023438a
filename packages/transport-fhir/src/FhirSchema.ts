/**
 * Effect schemas for the FHIR R4 JSON this adapter reads: the transaction
 * `Bundle` and, in it, `Task`, `ServiceRequest`, `Patient` and `Consent`,
 * with the data types they use.
 *
 * Unknown content is handled deliberately (decode with
 * `onExcessProperty: "error"`, as `decode` does):
 * - an element FHIR R4 does not define for the resource or data type is
 *   refused: FHIR's JSON rules make an unknown element an error, and
 *   additional data belongs in an extension;
 * - an element R4 defines but the referral does not use (`Patient.address`,
 *   `Task.note`, a narrative) is accepted and ignored: nothing of it is
 *   stored, so a referrer's system may send its usual resources;
 * - `extension` is accepted, and an extension this adapter does not know is
 *   ignored (FHIR lets receivers ignore extensions);
 * - `modifierExtension`, `implicitRules`, `contained` and the `Consent`
 *   provision elements that narrow a consent (`data`, `dataPeriod`, `class`,
 *   `code`, nested `provision`) are refused: each can change the meaning of
 *   the resource, and FHIR forbids ignoring what changes meaning.
 *
 * Strings are clean text (no control characters but tab and line breaks, no
 * unpaired surrogates or bidirectional controls) and bounded (1 000
 * characters, annotation text 10 000), and arrays
 * are non-empty (FHIR forbids empty arrays) and bounded, so that a hostile
 * payload under the size limit still cannot fill the store.
 *
 * @since 0.1.0
 */
import { Text } from "@lahete/core"
import { Schema } from "effect"

// ---------------------------------------------------------------------------
// building blocks
// ---------------------------------------------------------------------------

const Ignored = Schema.optionalKey(Schema.Unknown)
type Ignored = typeof Ignored

const refused = (message: string) =>
  Schema.optionalKey(Schema.Unknown.pipe(Schema.check(Schema.makeFilter(() => message))))

const modifierRefused = refused("modifier extensions are not supported")

const ignore = <const K extends string>(names: ReadonlyArray<K>) =>
  Object.fromEntries(names.flatMap((n) => [[n, Ignored] as const, [`_${n}`, Ignored] as const])) as {
    readonly [P in K | `_${K}`]: Ignored
  }

const underscored = <const F extends Schema.Struct.Fields>(fields: F) =>
  Object.fromEntries(Object.keys(fields).map((k) => [`_${k}`, Ignored] as const)) as {
    readonly [P in keyof F & string as `_${P}`]: Ignored
  }

/** A FHIR element: the fields read, the R4 elements ignored, the `_x` primitive siblings of both. */
const element = <const F extends Schema.Struct.Fields, const K extends string>(fields: F, ignored: ReadonlyArray<K>) =>
  Schema.Struct({ ...ignore(ignored), ...underscored(fields), ...fields })

const list = <S extends Schema.Top>(item: S, max: number) =>
  Schema.Array(item).pipe(
    Schema.check(
      Schema.isMinLength(1, { message: "expected a non-empty array" }),
      Schema.isMaxLength(max, { message: `expected at most ${max} items` })
    )
  )

/**
 * FHIR's rule for strings (no character below U+0020 but tab, carriage
 * return and line feed) and core's for clean text (`Text`: no other control
 * character, unpaired surrogate or bidirectional control). The fields the
 * referral takes are checked again, stricter, as the message's (`Text.Name`
 * refuses line breaks in a name).
 */
const fhirText = Schema.makeFilter((text: string) => Text.problem(text.replaceAll("\t", " "), true), {
  description:
    "FHIR text without control characters (but tab and line breaks), unpaired surrogates or bidirectional controls"
})

/**
 * A FHIR `string`: non-empty, at most 1 000 characters here, clean text
 * (tab and line breaks allowed, as FHIR does; no other control character,
 * unpaired surrogate or bidirectional control).
 *
 * @since 0.1.0
 * @category data types
 */
export const FhirString = Schema.String.pipe(
  Schema.check(
    Schema.isMinLength(1, { message: "expected a non-empty string" }),
    Schema.isMaxLength(1000, { message: "expected at most 1000 characters" }),
    fhirText
  )
)

/**
 * A FHIR `markdown` (annotation text): non-empty, at most 10 000 characters,
 * clean text as `FhirString`.
 *
 * @since 0.1.0
 * @category data types
 */
export const Markdown = Schema.String.pipe(
  Schema.check(
    Schema.isMinLength(1, { message: "expected a non-empty string" }),
    Schema.isMaxLength(10_000, { message: "expected at most 10000 characters" }),
    fhirText
  )
)

/**
 * A FHIR `uri`: no whitespace, at most 1 000 characters.
 *
 * @since 0.1.0
 * @category data types
 */
export const Uri = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^\S{1,1000}$/, { message: "expected a URI without whitespace" }))
)

/**
 * A FHIR `code`: tokens separated by single spaces, at most 200 characters.
 *
 * @since 0.1.0
 * @category data types
 */
export const Code = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^(?=.{1,200}$)[^\s]+( [^\s]+)*$/, { message: "expected a FHIR code" }))
)

/**
 * `Coding`.
 *
 * @since 0.1.0
 * @category data types
 */
export const Coding = element(
  {
    system: Schema.optionalKey(Uri),
    version: Schema.optionalKey(FhirString),
    code: Schema.optionalKey(Code),
    display: Schema.optionalKey(FhirString),
    userSelected: Schema.optionalKey(Schema.Boolean)
  },
  ["id", "extension"]
)

/**
 * `CodeableConcept`.
 *
 * @since 0.1.0
 * @category data types
 */
export const CodeableConcept = element(
  { coding: Schema.optionalKey(list(Coding, 20)), text: Schema.optionalKey(FhirString) },
  ["id", "extension"]
)
/**
 * @since 0.1.0
 * @category models
 */
export type CodeableConcept = typeof CodeableConcept.Type

/**
 * `Identifier`.
 *
 * @since 0.1.0
 * @category data types
 */
export const Identifier = element(
  { use: Schema.optionalKey(Code), system: Schema.optionalKey(Uri), value: Schema.optionalKey(FhirString) },
  ["id", "extension", "type", "period", "assigner"]
)
/**
 * @since 0.1.0
 * @category models
 */
export type Identifier = typeof Identifier.Type

/**
 * `Reference` (a literal reference to a Bundle entry's `fullUrl`, or a
 * logical one by identifier).
 *
 * @since 0.1.0
 * @category data types
 */
export const Reference = element(
  {
    reference: Schema.optionalKey(FhirString),
    type: Schema.optionalKey(Uri),
    identifier: Schema.optionalKey(Identifier),
    display: Schema.optionalKey(FhirString)
  },
  ["id", "extension"]
)
/**
 * @since 0.1.0
 * @category models
 */
export type Reference = typeof Reference.Type

/**
 * `Period`.
 *
 * @since 0.1.0
 * @category data types
 */
export const Period = element({ start: Schema.optionalKey(FhirString), end: Schema.optionalKey(FhirString) }, [
  "id",
  "extension"
])

/**
 * `HumanName`.
 *
 * @since 0.1.0
 * @category data types
 */
export const HumanName = element(
  {
    use: Schema.optionalKey(Code),
    text: Schema.optionalKey(FhirString),
    family: Schema.optionalKey(FhirString),
    given: Schema.optionalKey(list(FhirString, 10))
  },
  ["id", "extension", "prefix", "suffix", "period"]
)
/**
 * @since 0.1.0
 * @category models
 */
export type HumanName = typeof HumanName.Type

/**
 * `ContactPoint`.
 *
 * @since 0.1.0
 * @category data types
 */
export const ContactPoint = element(
  {
    system: Schema.optionalKey(Code),
    value: Schema.optionalKey(FhirString),
    use: Schema.optionalKey(Code),
    rank: Schema.optionalKey(Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(1))))
  },
  ["id", "extension", "period"]
)

/**
 * `Annotation`.
 *
 * @since 0.1.0
 * @category data types
 */
export const Annotation = element({ text: Markdown }, ["id", "extension", "authorReference", "authorString", "time"])

const valueKey = Schema.String.pipe(Schema.check(Schema.isPattern(/^_?value[A-Z][A-Za-z0-9]*$/)))

/**
 * `Extension`: `url` and any one `value[x]` (read, and checked, only for the
 * extensions this adapter defines); nested extensions are accepted and read
 * only where this adapter defines them.
 *
 * @since 0.1.0
 * @category data types
 */
export const Extension = Schema.StructWithRest(Schema.Struct({ url: Uri, id: Ignored, extension: Ignored }), [
  Schema.Record(valueKey, Schema.Unknown)
])
/**
 * @since 0.1.0
 * @category models
 */
export type Extension = typeof Extension.Type

const extension = Schema.optionalKey(list(Extension, 50))

const domainResource = ["id", "meta", "language", "text"] as const

const refusedInResources = {
  implicitRules: refused("implicit rules are not supported"),
  contained: refused("contained resources are not supported"),
  modifierExtension: modifierRefused
}

// ---------------------------------------------------------------------------
// resources
// ---------------------------------------------------------------------------

/**
 * `Task.input`: its `type` and a `value[x]` (`valueBoolean` is read).
 *
 * @since 0.1.0
 * @category resources
 */
export const TaskInput = Schema.StructWithRest(
  element({ type: CodeableConcept, modifierExtension: modifierRefused }, ["id", "extension"]),
  [Schema.Record(valueKey, Schema.Unknown)]
)

/**
 * The referral's `Task` as the referrer sends it.
 *
 * @since 0.1.0
 * @category resources
 */
export const Task = element(
  {
    resourceType: Schema.Literal("Task"),
    ...refusedInResources,
    extension,
    status: Code,
    intent: Code,
    code: Schema.optionalKey(CodeableConcept),
    focus: Schema.optionalKey(Reference),
    for: Schema.optionalKey(Reference),
    requester: Schema.optionalKey(Reference),
    input: Schema.optionalKey(list(TaskInput, 20))
  },
  [
    ...domainResource,
    "identifier",
    "instantiatesCanonical",
    "instantiatesUri",
    "basedOn",
    "groupIdentifier",
    "partOf",
    "statusReason",
    "businessStatus",
    "priority",
    "description",
    "encounter",
    "executionPeriod",
    "authoredOn",
    "lastModified",
    "performerType",
    "owner",
    "location",
    "reasonCode",
    "reasonReference",
    "insurance",
    "note",
    "relevantHistory",
    "restriction",
    "output"
  ]
)
/**
 * @since 0.1.0
 * @category models
 */
export type Task = typeof Task.Type

/**
 * The referral's `ServiceRequest`.
 *
 * @since 0.1.0
 * @category resources
 */
export const ServiceRequest = element(
  {
    resourceType: Schema.Literal("ServiceRequest"),
    ...refusedInResources,
    extension,
    status: Code,
    intent: Code,
    doNotPerform: Schema.optionalKey(Schema.Boolean),
    code: Schema.optionalKey(CodeableConcept),
    subject: Reference,
    performer: Schema.optionalKey(list(Reference, 10)),
    reasonCode: Schema.optionalKey(list(CodeableConcept, 50)),
    supportingInfo: Schema.optionalKey(list(Reference, 20)),
    note: Schema.optionalKey(list(Annotation, 10))
  },
  [
    ...domainResource,
    "identifier",
    "instantiatesCanonical",
    "instantiatesUri",
    "basedOn",
    "replaces",
    "requisition",
    "category",
    "priority",
    "orderDetail",
    "quantityQuantity",
    "quantityRatio",
    "quantityRange",
    "encounter",
    "occurrenceDateTime",
    "occurrencePeriod",
    "occurrenceTiming",
    "asNeededBoolean",
    "asNeededCodeableConcept",
    "authoredOn",
    "requester",
    "performerType",
    "locationCode",
    "locationReference",
    "reasonReference",
    "insurance",
    "specimen",
    "bodySite",
    "patientInstruction",
    "relevantHistory"
  ]
)
/**
 * @since 0.1.0
 * @category models
 */
export type ServiceRequest = typeof ServiceRequest.Type

/**
 * `Patient.communication`.
 *
 * @since 0.1.0
 * @category resources
 */
export const PatientCommunication = element(
  { language: CodeableConcept, preferred: Schema.optionalKey(Schema.Boolean), modifierExtension: modifierRefused },
  ["id", "extension"]
)

/**
 * `Patient.link`: a link of type `replaced-by` (this record is obsolete,
 * another one replaces it) is refused, so a referral is never made on a
 * replaced record; other links (`replaces`, `refer`, `seealso`) are
 * accepted and ignored.
 *
 * @since 0.2.0
 * @category resources
 */
export const PatientLink = element(
  {
    other: Reference,
    type: Code.pipe(
      Schema.check(
        Schema.makeFilter(
          (type: string) =>
            type !== "replaced-by" || "the Patient record has been replaced by another: send the current one"
        )
      )
    ),
    modifierExtension: modifierRefused
  },
  ["id", "extension"]
)

/**
 * The client as a `Patient`. A Patient that is deceased
 * (`deceasedBoolean: true`, any `deceasedDateTime`) or replaced by another
 * record (a `link` of type `replaced-by`) is refused.
 *
 * @since 0.1.0
 * @category resources
 */
export const Patient = element(
  {
    resourceType: Schema.Literal("Patient"),
    ...refusedInResources,
    extension,
    active: Schema.optionalKey(Schema.Boolean),
    identifier: Schema.optionalKey(list(Identifier, 20)),
    name: Schema.optionalKey(list(HumanName, 10)),
    telecom: Schema.optionalKey(list(ContactPoint, 20)),
    birthDate: Schema.optionalKey(FhirString),
    communication: Schema.optionalKey(list(PatientCommunication, 10)),
    // a referral is for a living person's current record
    deceasedBoolean: Schema.optionalKey(
      Schema.Boolean.pipe(Schema.check(Schema.makeFilter((d) => !d || "a deceased client cannot be referred")))
    ),
    deceasedDateTime: refused("a deceased client cannot be referred"),
    link: Schema.optionalKey(list(PatientLink, 10))
  },
  [
    ...domainResource,
    "gender",
    "address",
    "maritalStatus",
    "multipleBirthBoolean",
    "multipleBirthInteger",
    "photo",
    "contact",
    "generalPractitioner",
    "managingOrganization"
  ]
)
/**
 * @since 0.1.0
 * @category models
 */
export type Patient = typeof Patient.Type

const narrowing = refused("a provision that narrows the consent is not supported")

/**
 * `Consent.provision`: `type` (permit or deny) and `period` are read;
 * `actor`, `action`, `securityLabel` and `purpose` are ignored; elements that
 * narrow the consent to some data or add exceptions are refused.
 *
 * @since 0.1.0
 * @category resources
 */
export const ConsentProvision = element(
  {
    type: Schema.optionalKey(Code),
    period: Schema.optionalKey(Period),
    modifierExtension: modifierRefused,
    class: narrowing,
    code: narrowing,
    dataPeriod: narrowing,
    data: narrowing,
    provision: narrowing
  },
  ["id", "extension", "actor", "action", "securityLabel", "purpose"]
)

/**
 * One consent decision as a `Consent`.
 *
 * @since 0.1.0
 * @category resources
 */
export const Consent = element(
  {
    resourceType: Schema.Literal("Consent"),
    ...refusedInResources,
    extension,
    status: Code,
    scope: CodeableConcept,
    category: list(CodeableConcept, 10),
    patient: Schema.optionalKey(Reference),
    provision: Schema.optionalKey(ConsentProvision)
  },
  [
    ...domainResource,
    "identifier",
    "dateTime",
    "performer",
    "organization",
    "sourceAttachment",
    "sourceReference",
    "policy",
    "policyRule",
    "verification"
  ]
)
/**
 * @since 0.1.0
 * @category models
 */
export type Consent = typeof Consent.Type

/**
 * `Bundle.entry.request`: a create (`POST`) of the entry's resource type.
 * `ifNoneExist` is ignored (delivery is idempotent by the Bundle's
 * identifier); the other conditional headers are refused.
 *
 * @since 0.1.0
 * @category resources
 */
export const BundleEntryRequest = element({ method: Code, url: Uri, modifierExtension: modifierRefused }, [
  "id",
  "extension",
  "ifNoneExist"
])

/**
 * A transaction entry: `fullUrl`, the resource (decoded by its type
 * afterwards) and the request.
 *
 * @since 0.1.0
 * @category resources
 */
export const BundleEntry = element(
  { fullUrl: Uri, resource: Schema.Unknown, request: BundleEntryRequest, modifierExtension: modifierRefused },
  ["id", "extension", "link"]
)

/**
 * The transaction `Bundle` that carries a referral. `identifier.value` is the
 * message id (the idempotency key).
 *
 * @since 0.1.0
 * @category resources
 */
export const Bundle = element(
  {
    resourceType: Schema.Literal("Bundle"),
    implicitRules: refusedInResources.implicitRules,
    type: Code,
    identifier: Identifier,
    entry: list(BundleEntry, 50)
  },
  ["id", "meta", "language", "timestamp", "link", "signature"]
)
/**
 * @since 0.1.0
 * @category models
 */
export type Bundle = typeof Bundle.Type
