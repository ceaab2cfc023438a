/**
 * @lahete/testing: the test kit for lahete and for integrators' own adapters.
 *
 * @since 0.1.0
 */

/**
 * fast-check arbitraries for every command, event, actor and programme.
 *
 * @since 0.1.0
 */
export * as Arbitraries from "./Arbitraries.js"
/**
 * Generators of valid and invalid command sequences.
 *
 * @since 0.1.0
 */
export * as CommandSequences from "./CommandSequences.js"
/**
 * Given/when/then specs for the decider.
 *
 * @since 0.1.0
 */
export * as DeciderSpec from "./DeciderSpec.js"
/**
 * The conformance suite for `DirectoryStore` layers (in memory and SQL).
 *
 * @since 0.3.0
 */
export * as DirectoryStoreTest from "./DirectoryStoreTest.js"
/**
 * Generated blocks in documents, kept equal to the code.
 *
 * @since 0.1.0
 */
export * as DocBlocks from "./DocBlocks.js"
/**
 * Ready-made actors, link workers and commands.
 *
 * @since 0.1.0
 */
/**
 * Open example item texts (ONS4, Open Government Licence) for the measure
 * form: no licensed text in tests or demos.
 *
 * @since 0.3.0
 */
export * as ExampleItemTexts from "./ExampleItemTexts.js"
export * as Fixtures from "./Fixtures.js"
/**
 * fast-check arbitraries for Finnish identity data.
 *
 * @since 0.1.0
 */
export * as IdentityArbitraries from "./IdentityArbitraries.js"
/**
 * The conformance suite for `LinkWorkerRegistry` layers (the in-memory
 * registry and the SQL one).
 *
 * @since 0.1.0
 */
export * as LinkWorkerRegistryTest from "./LinkWorkerRegistryTest.js"

/**
 * The conformance suite for `LinkWorkerSurveyAnswers` layers (the in-memory
 * store and the SQL one).
 *
 * @since 0.3.0
 */
export * as LinkWorkerSurveyAnswersTest from "./LinkWorkerSurveyAnswersTest.js"

/**
 * The conformance suite for `Mailer` layers.
 *
 * @since 0.1.0
 */
export * as MailerTest from "./MailerTest.js"
/**
 * The conformance suite for the read side (`ReferralIndex`), with a
 * fold-equivalence property.
 *
 * @since 0.2.0
 */
export * as ReferralIndexTest from "./ReferralIndexTest.js"
/**
 * The conformance suite for `ReferralStore` layers.
 *
 * @since 0.1.0
 */
export * as ReferralStoreTest from "./ReferralStoreTest.js"
/**
 * The conformance suite for `ReferralTransport` layers (the in-memory
 * transport and every transport adapter's client and server).
 *
 * @since 0.1.0
 */
export * as ReferralTransportTest from "./ReferralTransportTest.js"
/**
 * Simulated wall-clock time (a settable `Clock`, a timeline of planned effects).
 *
 * @since 0.1.0
 */
export * as SimulatedTime from "./SimulatedTime.js"
/**
 * A slow or silent peer over a real socket, for testing connection limits.
 *
 * @since 0.1.0
 */
export * as SlowPeer from "./SlowPeer.js"

/**
 * The conformance suite for `SmsSender` layers.
 *
 * @since 0.1.0
 */
export * as SmsSenderTest from "./SmsSenderTest.js"
/**
 * Captures every staff email a test sends, and checks them for personal data.
 *
 * @since 0.1.0
 */
export * as StaffMailAudit from "./StaffMailAudit.js"
/**
 * Submissions racing on one subject id, forced step by step
 * (`interleaving`), for every `ReferralStore` layer: the second of two
 * people is refused, the same person twice is accepted.
 *
 * @since 0.3.0
 */
export * as SubjectRaceTest from "./SubjectRaceTest.js"
/**
 * Referral histories that reach every view field, for tests of what a transport sends of a view.
 *
 * @since 0.3.0
 */
export * as ViewHistories from "./ViewHistories.js"
