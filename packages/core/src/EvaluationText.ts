/**
 * The words of the HTML evaluation report (`EvaluationHtml`), per language,
 * as a message catalogue: one `ReportText` per report language (Finnish,
 * Swedish, English), each with every key, so a new section of the report
 * adds keys here and TypeScript refuses a language that lacks one.
 *
 * And the way the report writes numbers, dates and periods for its readers
 * (a municipality's officials and commissioners): in the programme's local
 * time (`Europe/Helsinki`), a period of whole months as months
 * (`maaliskuu–toukokuu 2026`, `mars–maj 2026`, `March–May 2026`), a period
 * of whole days as days (`1.3.–15.5.2026`), anything else to the minute;
 * Finnish and Swedish numbers with a decimal comma, a non-breaking space
 * between thousands and before the percent sign (`1 234,5`, `45 %`),
 * English ones as `1,234.5` and `45%`. Names come from the tables here,
 * not from the runtime's `Intl` locale data, so a page reads the same on
 * every machine.
 *
 * Northern Sámi (`se`, a citizen-facing language of some programmes) has no
 * report text yet: a report for a programme whose first language is `se`
 * comes in its next report language.
 *
 * @since 0.2.0
 */
import { Schema } from "effect"
import { addDays, type LocalDate, toParts } from "./FinnishCalendar.js"
import type { Instant } from "./Instant.js"
import { englishMonthNames } from "./internal/months.js"
import type * as Lifecycle from "./Lifecycle.js"
import { localDateOf, localParts, startOfLocalDay } from "./LocalTime.js"
import type { TimePoint } from "./ReferralCommand.js"

/**
 * The languages the report is written in.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Language = Schema.Literals(["fi", "sv", "en"])
/**
 * @since 0.2.0
 * @category models
 */
export type Language = typeof Language.Type

/**
 * The report languages, in the order of `Language`.
 *
 * @since 0.2.0
 * @category constants
 */
export const languages: ReadonlyArray<Language> = Language.literals

/**
 * Whether a language code is a report language.
 *
 * @since 0.2.0
 * @category guards
 */
export const isLanguage = (s: string): s is Language => (languages as ReadonlyArray<string>).includes(s)

/**
 * The report's language for a programme: the first of the programme's
 * languages that the report is written in, else Finnish.
 *
 * @since 0.2.0
 * @category constructors
 */
export const defaultLanguage = (programmeLanguages: ReadonlyArray<string> | undefined): Language =>
  programmeLanguages?.find(isLanguage) ?? "fi"

/**
 * Every text of the report in one language. A function key takes figures
 * already formatted (and already HTML: a suppressed figure is a marked-up
 * note) and places them in a sentence.
 *
 * @since 0.2.0
 * @category models
 */
export interface ReportText {
  /** Page title and main heading. */
  readonly title: (programmeName: string) => string
  readonly programme: string
  readonly versions: (versions: string, count: number) => string
  readonly period: string
  readonly asOf: string
  readonly timeZone: (zone: string) => string
  readonly intro: (minimumCell: string) => string

  readonly referralsHeading: string
  readonly total: string
  readonly chartByStatus: string
  readonly headState: string
  readonly headReferrals: string
  readonly byProfessionHeading: string
  readonly chartByProfession: string
  readonly headProfession: string

  readonly firstContactHeading: string
  readonly firstContactText: (reached: string, within: string, after: string, share: string) => string
  readonly chartFirstContact: string
  readonly unitHours: string
  readonly headLowerQuartile: string
  readonly headMedian: string
  readonly headUpperQuartile: string

  readonly collaborationHeading: string
  readonly collaborationText: (closed: string) => string
  readonly chartCollaboration: string
  readonly unitDays: string

  readonly changeHeading: string
  readonly changeText: string
  readonly chartChange: string
  readonly noChange: string
  readonly headMeasure: string
  readonly headDirection: string
  readonly headPairs: string
  readonly headMeanChange: string
  readonly headCi95: string
  readonly headImproved: string
  readonly headImprovedClearly: string
  readonly higherIsBetter: string
  readonly higherIsWorse: string
  readonly notClassified: string
  readonly completenessHeading: string
  readonly completenessText: string
  readonly headInstrument: string
  readonly headTimePoint: string
  readonly headRespondent: string
  readonly headRecorded: string
  readonly headScored: string
  readonly headNotScored: string

  readonly followUpHeading: string
  readonly followUpText: (settled: string, share: string) => string
  readonly chartFollowUp: string
  readonly followUpRecorded: string
  readonly followUpMissed: string
  readonly followUpPending: string
  readonly headFollowUp: string
  readonly collectedHeading: string
  readonly headCollected: string
  readonly collectedByLink: string
  readonly collectedByLinkWorker: string

  /** The link workers' survey (`Evaluation.Report.linkWorkerSurvey`). */
  readonly surveyHeading: string
  readonly surveyText: (minimumCell: string) => string
  readonly surveyNoRounds: string
  readonly surveyRound: (period: string) => string
  readonly surveyRespondents: (respondents: string) => string
  readonly headSurveyItem: string
  readonly headSurveyAnswered: string
  readonly headSurveyMean: string
  readonly headSurveyAnswer: string
  readonly headSurveyCount: string
  /** A figure suppressed because all the answers behind it are the same. */
  readonly suppressedNoVariation: string

  /** A figure suppressed because fewer clients than the minimum are behind it. */
  readonly suppressedSmall: string
  /** A figure suppressed so that another small one cannot be recovered. */
  readonly suppressedComplementary: string
  /** The short mark of a suppressed bar or row in a chart. */
  readonly suppressedMark: string
  /** A quartile chart with too few clients. */
  readonly suppressedChart: string

  /** The states of a referral (the glossary's terms). */
  readonly statuses: Readonly<Record<Exclude<Lifecycle.Status, "Initial">, string>>
  /** Referrer professions by code; a code not here is shown as it is. */
  readonly professions: Readonly<Record<string, string>>
  readonly timePoints: Readonly<Record<TimePoint, string>>
  readonly respondents: Readonly<Record<"self" | "proxy", string>>
  /** The built-in instruments by code; another instrument is shown by the name it was configured with. */
  readonly instruments: Readonly<Record<string, string>>
  /** Separate scores by `instrument/score`; another is shown by its configured name. */
  readonly scores: Readonly<Record<string, string>>

  /** Month names, January first, in the form used alone (`maaliskuu 2026`). */
  readonly months: ReadonlyArray<string>
  /** `klo`, `kl.`, `at`: between a date and a time of day. */
  readonly clockWord: string
  /** The community section (`CommunityEvaluation`). */
  readonly communityHeading: string
  readonly communityIntro: (withPlan: string) => string
  readonly communityChartJoined: string
  readonly communityNoActivities: string
  readonly communityActivity: string
  readonly communityOrganisation: string
  readonly communityArea: string
  readonly communityMet: string
  readonly communityTried: string
  readonly communityTriedAccompanied: string
  readonly communityJoined: string
  readonly communityStillAtEnd: string
  readonly communityStillAtFollowUp: string
  readonly communityByOrganisation: string
  readonly communityUnmetHeading: string
  readonly communityUnmetText: string
  readonly communityUnmetChart: string
  readonly communityNoUnmet: string
  readonly communityCategory: string
  readonly communityClients: string
  readonly communityAllAreas: string
}

const nbsp = "\u00a0"

/**
 * Finnish.
 *
 * @since 0.2.0
 * @category texts
 */
export const fi: ReportText = {
  title: (name) => `Arviointiraportti: ${name}`,
  programme: "toimintamalli",
  versions: (v, n) => (n === 1 ? `versio ${v}` : `versiot ${v}`),
  period: "Lähetteet tehty",
  asOf: "Tilanne",
  timeZone: (zone) => `ajat paikallista aikaa (${zone})`,
  intro: (m) =>
    `Raportissa on vain koostetietoja. Jokainen luku, joka perustuu alle ${m} asiakkaaseen, on piilotettu ja merkitty piilotetuksi. ` +
    "Jos taulukosta on piilotettu yksi luku, myös seuraavaksi pienin piilotetaan, jotta piilotettua lukua ei voi laskea " +
    "summasta vähentämällä. Sivulla ei ole henkilötietoja.",

  referralsHeading: "Lähetteet",
  total: "Yhteensä",
  chartByStatus: "Lähetteet tilan mukaan",
  headState: "tila",
  headReferrals: "lähetteitä",
  byProfessionHeading: "Lähettäjän ammatin mukaan",
  chartByProfession: "Lähetteet lähettäjän ammatin mukaan",
  headProfession: "ammatti",

  firstContactHeading: "Aika lähetteestä ensimmäiseen yhteydenottoon (D2)",
  firstContactText: (reached, within, after, share) =>
    `Ensimmäinen yhteydenotto on puhelu, jossa asiakas tavoitettiin. Tavoitettu: ${reached}; määräajassa: ${within}; ` +
    `määräajan jälkeen: ${after}; määräajassa tavoitettujen osuus: ${share}.`,
  chartFirstContact: "Aika lähetteestä ensimmäiseen yhteydenottoon tunteina: kvartiilit ja mediaani",
  unitHours: "tuntia",
  headLowerQuartile: "alakvartiili",
  headMedian: "mediaani",
  headUpperQuartile: "yläkvartiili",

  collaborationHeading: "Yhteistyön kesto",
  collaborationText: (closed) => `Päättyneet yhteistyöt: ${closed} (alusta päättymiseen, päivinä).`,
  chartCollaboration: "Yhteistyön kesto päivinä: kvartiilit ja mediaani",
  unitDays: "päivää",

  changeHeading: "Mittaritulosten muutos",
  changeText:
    "Muutos lasketaan vain saman mittarin kahden mittauskerran välillä ja vain, jos vastaaja on molemmilla " +
    "kerroilla samaa tyyppiä (toisen antamaa arviota ei koskaan verrata asiakkaan omaan arvioon). Positiivinen luku " +
    "tarkoittaa kasvua; mittarissa, jossa suurempi arvo on huonompi, paraneminen näkyy laskuna. Luottamusvälit " +
    "perustuvat Studentin t-jakaumaan.",
  chartChange: `Keskimääräinen muutos ja sen 95${nbsp}%:n luottamusväli`,
  noChange: "0 (ei muutosta)",
  headMeasure: "mittari",
  headDirection: "suunta",
  headPairs: "mittauspareja",
  headMeanChange: "keskimääräinen muutos",
  headCi95: `95${nbsp}%:n luottamusväli`,
  headImproved: "tulos parani (ainakin mahdollisesti)",
  headImprovedClearly: "tulos parani selvästi",
  higherIsBetter: "suurempi arvo on parempi",
  higherIsWorse: "suurempi arvo on huonompi",
  notClassified: "ei luokiteltu (ei raja-arvoja)",
  completenessHeading: "Kirjatut ja pisteytetyt lomakkeet",
  completenessText: "Lomake, josta puuttuu vastaus, säilytetään, mutta sitä ei pisteytetä.",
  headInstrument: "mittari",
  headTimePoint: "mittausajankohta",
  headRespondent: "vastaaja",
  headRecorded: "kirjattu",
  headScored: "pisteytetty",
  headNotScored: "ei pisteytetty",

  followUpHeading: "Seurannan toteutuminen",
  followUpText: (settled, share) =>
    `Seurannat, jotka on kirjattu tai joiden aikaikkuna on sulkeutunut: ${settled}; kirjattujen osuus: ${share}.`,
  chartFollowUp: "Seurantamittaukset",
  followUpRecorded: "kirjattu",
  followUpMissed: "jäi tekemättä",
  followUpPending: "aikaikkuna vielä auki",
  headFollowUp: "seuranta",
  collectedHeading: "Miten seurantamittaukset kerättiin",
  headCollected: "keräystapa",
  collectedByLink: "asiakas itse mittauslinkin kautta",
  collectedByLinkWorker: "linkkihenkilö",

  surveyHeading: "Linkkihenkilöiden kysely",
  surveyText: (m) =>
    "Linkkihenkilöt vastaavat kyselyyn nimettömästi. Luvut näytetään vasta kyselykierroksen päätyttyä. " +
    `Luku piilotetaan, jos sen takana on alle ${m} vastausta tai jos muita vastaajia jäisi alle ${m}; ` +
    "keskiarvo piilotetaan myös, jos kaikki vastaukset ovat samat.",
  surveyNoRounds: "Yksikään kyselykierros ei päättynyt tarkastelujaksolla.",
  surveyRound: (period) => `Kyselykierros ${period}`,
  surveyRespondents: (n) => `Vastaajia: ${n}`,
  headSurveyItem: "kysymys",
  headSurveyAnswered: "vastanneita",
  headSurveyMean: "keskiarvo",
  headSurveyAnswer: "vastaus",
  headSurveyCount: "vastauksia",
  suppressedNoVariation: "piilotettu (kaikki vastaukset samat)",

  suppressedSmall: "piilotettu (alle vähimmäismäärän)",
  suppressedComplementary: "piilotettu (suojaa toista pientä lukua)",
  suppressedMark: "piilotettu",
  suppressedChart: "piilotettu: asiakkaita alle vähimmäismäärän",

  statuses: {
    Submitted: "lähetetty",
    Assigned: "linkkihenkilö nimetty",
    ContactScheduled: "soittoaika sovittu",
    Active: "yhteistyö käynnissä",
    OnHold: "tauolla",
    Closed: "päättynyt",
    FollowedUp: "seuranta tehty",
    Rejected: "palautettu",
    Declined: "asiakas kieltäytyi",
    Unreachable: "ei tavoitettu",
    Cancelled: "peruttu",
    Withdrawn: "suostumus peruttu"
  },
  professions: {
    doctor: "lääkäri",
    nurse: "sairaanhoitaja",
    "social-worker": "sosiaalityöntekijä",
    "social-counsellor": "sosiaaliohjaaja",
    "service-counsellor": "palveluohjaaja",
    unknown: "tuntematon"
  },
  timePoints: { baseline: "alku", end: "loppu", "follow-up": "seuranta" },
  respondents: { self: "oma arvio", proxy: "toisen arvio" },
  instruments: {
    swemwbs: "SWEMWBS (positiivisen mielenterveyden mittari)",
    wemwbs: "WEMWBS (positiivisen mielenterveyden mittari)",
    esis: "ESIS (THL:n osallisuusindikaattori)",
    "ucla-3": "UCLA-3 (yksinäisyys)",
    ons4: "ONS4 (henkilökohtainen hyvinvointi)"
  },
  scores: {
    "ons4/life-satisfaction": "tyytyväisyys elämään",
    "ons4/worthwhile": "tekemisten merkityksellisyys",
    "ons4/happiness": "onnellisuus",
    "ons4/anxiety": "ahdistuneisuus"
  },

  months: [
    "tammikuu",
    "helmikuu",
    "maaliskuu",
    "huhtikuu",
    "toukokuu",
    "kesäkuu",
    "heinäkuu",
    "elokuu",
    "syyskuu",
    "lokakuu",
    "marraskuu",
    "joulukuu"
  ],
  clockWord: "klo",
  communityHeading: "Yhteisön toiminnat",
  communityIntro: (withPlan) =>
    `Asiakkaita, joiden suunnitelma on kirjattu: ${withPlan}. Asiakkaat kussakin hakemiston toiminnassa: tutustunut (ehdotettu, kokeiltu tai liittynyt), kokeillut (linkkihenkilön kanssa), liittynyt, mukana yhteistyön päättyessä ja seurannassa. Toisen luvun sisällä oleva luku salataan myös, kun erotus olisi pieni ryhmä.`,
  communityChartJoined: "Toimintaan liittyneet asiakkaat",
  communityNoActivities: "Suunnitelmiin ei kirjattu hakemiston toimintoja.",
  communityActivity: "toiminta",
  communityOrganisation: "järjestäjä",
  communityArea: "alue",
  communityMet: "tutustunut",
  communityTried: "kokeillut",
  communityTriedAccompanied: "kokeillut linkkihenkilön kanssa",
  communityJoined: "liittynyt",
  communityStillAtEnd: "mukana lopussa",
  communityStillAtFollowUp: "mukana seurannassa",
  communityByOrganisation: "Järjestäjittäin",
  communityUnmetHeading: "Täyttymättömät tarpeet",
  communityUnmetText: "Tarpeet, joihin hakemistossa ei ollut toimintaa, luokittain ja alueittain (asiakkaita).",
  communityUnmetChart: "Asiakkaat, joilla on täyttymätön tarve, luokittain",
  communityNoUnmet: "Täyttymättömiä tarpeita ei kirjattu.",
  communityCategory: "luokka",
  communityClients: "asiakkaita",
  communityAllAreas: "kaikki alueet"
}

/**
 * Swedish (as written in Finland).
 *
 * @since 0.2.0
 * @category texts
 */
export const sv: ReportText = {
  title: (name) => `Utvärderingsrapport: ${name}`,
  programme: "verksamhetsmodell",
  versions: (v, n) => (n === 1 ? `version ${v}` : `versionerna ${v}`),
  period: "Remisser skickade",
  asOf: "Läget",
  timeZone: (zone) => `tiderna i lokal tid (${zone})`,
  intro: (m) =>
    `Rapporten innehåller endast sammanställda uppgifter. Varje tal som bygger på färre än ${m} klienter är dolt och markerat som dolt. ` +
    "Om ett tal i en tabell är dolt döljs också det näst minsta, så att det dolda talet inte kan räknas ut genom " +
    "subtraktion från summan. Sidan innehåller inga personuppgifter.",

  referralsHeading: "Remisser",
  total: "Totalt",
  chartByStatus: "Remisser efter status",
  headState: "status",
  headReferrals: "remisser",
  byProfessionHeading: "Efter remittentens yrke",
  chartByProfession: "Remisser efter remittentens yrke",
  headProfession: "yrke",

  firstContactHeading: "Tid från remiss till första kontakt (D2)",
  firstContactText: (reached, within, after, share) =>
    `Första kontakten är det samtal där klienten nåddes. Nådda: ${reached}; inom tidsfristen: ${within}; ` +
    `efter tidsfristen: ${after}; andel nådda inom tidsfristen: ${share}.`,
  chartFirstContact: "Tid från remiss till första kontakt i timmar: kvartiler och median",
  unitHours: "timmar",
  headLowerQuartile: "nedre kvartil",
  headMedian: "median",
  headUpperQuartile: "övre kvartil",

  collaborationHeading: "Samarbetets längd",
  collaborationText: (closed) => `Avslutade samarbeten: ${closed} (från start till avslut, i dagar).`,
  chartCollaboration: "Samarbetets längd i dagar: kvartiler och median",
  unitDays: "dagar",

  changeHeading: "Förändring i mätresultaten",
  changeText:
    "Förändringen räknas bara mellan två mättillfällen med samma mätare och bara om svaranden båda gångerna är av " +
    "samma slag (en annans bedömning jämförs aldrig med klientens egen). Positiva tal betyder ökning; för en mätare " +
    "där ett högre värde är sämre syns en förbättring som en minskning. Konfidensintervallen bygger på Students " +
    "t-fördelning.",
  chartChange: `Medelförändring med 95${nbsp}% konfidensintervall`,
  noChange: "0 (ingen förändring)",
  headMeasure: "mätare",
  headDirection: "riktning",
  headPairs: "mätpar",
  headMeanChange: "medelförändring",
  headCi95: `95${nbsp}% konfidensintervall`,
  headImproved: "resultatet förbättrades (åtminstone möjligen)",
  headImprovedClearly: "resultatet förbättrades tydligt",
  higherIsBetter: "högre värde är bättre",
  higherIsWorse: "högre värde är sämre",
  notClassified: "ingen klassificering (inga tröskelvärden)",
  completenessHeading: "Registrerade och poängsatta formulär",
  completenessText: "Ett formulär där ett svar saknas sparas men poängsätts inte.",
  headInstrument: "mätare",
  headTimePoint: "mättillfälle",
  headRespondent: "svarande",
  headRecorded: "registrerade",
  headScored: "poängsatta",
  headNotScored: "inte poängsatta",

  followUpHeading: "Uppföljningens genomförande",
  followUpText: (settled, share) =>
    `Uppföljningar som har registrerats eller vars tidsfönster har stängts: ${settled}; andel registrerade: ${share}.`,
  chartFollowUp: "Uppföljningsmätningar",
  followUpRecorded: "registrerad",
  followUpMissed: "gjordes inte",
  followUpPending: "tidsfönstret är ännu öppet",
  headFollowUp: "uppföljning",
  collectedHeading: "Hur uppföljningsmätningarna samlades in",
  headCollected: "insamlingssätt",
  collectedByLink: "klienten själv via mätlänken",
  collectedByLinkWorker: "länkpersonen",

  surveyHeading: "Länkpersonernas enkät",
  surveyText: (m) =>
    "Länkpersonerna besvarar enkäten anonymt. Siffrorna visas först när enkätomgången har avslutats. " +
    `Ett tal döljs om färre än ${m} svar ligger bakom det eller om färre än ${m} andra svarande skulle återstå; ` +
    "ett medelvärde döljs också om alla svar är lika.",
  surveyNoRounds: "Ingen enkätomgång avslutades under perioden.",
  surveyRound: (period) => `Enkätomgång ${period}`,
  surveyRespondents: (n) => `Svarande: ${n}`,
  headSurveyItem: "fråga",
  headSurveyAnswered: "svarat",
  headSurveyMean: "medelvärde",
  headSurveyAnswer: "svar",
  headSurveyCount: "antal svar",
  suppressedNoVariation: "dolt (alla svar lika)",

  suppressedSmall: "dolt (färre än minimiantalet)",
  suppressedComplementary: "dolt (skyddar ett annat litet tal)",
  suppressedMark: "dolt",
  suppressedChart: "dolt: färre klienter än minimiantalet",

  statuses: {
    Submitted: "skickad",
    Assigned: "länkperson utsedd",
    ContactScheduled: "samtalstid avtalad",
    Active: "samarbete pågår",
    OnHold: "paus",
    Closed: "avslutad",
    FollowedUp: "uppföljning gjord",
    Rejected: "returnerad",
    Declined: "klienten tackade nej",
    Unreachable: "nåddes inte",
    Cancelled: "annullerad",
    Withdrawn: "samtycket återkallat"
  },
  professions: {
    doctor: "läkare",
    nurse: "sjukskötare",
    "social-worker": "socialarbetare",
    "social-counsellor": "socialhandledare",
    "service-counsellor": "servicehandledare",
    unknown: "okänt"
  },
  timePoints: { baseline: "start", end: "slut", "follow-up": "uppföljning" },
  respondents: { self: "egen bedömning", proxy: "annans bedömning" },
  instruments: {
    swemwbs: "SWEMWBS (mätare för positiv psykisk hälsa)",
    wemwbs: "WEMWBS (mätare för positiv psykisk hälsa)",
    esis: "ESIS (THL:s delaktighetsindikator)",
    "ucla-3": "UCLA-3 (ensamhet)",
    ons4: "ONS4 (personligt välbefinnande)"
  },
  scores: {
    "ons4/life-satisfaction": "tillfredsställelse med livet",
    "ons4/worthwhile": "meningsfullhet",
    "ons4/happiness": "lycka",
    "ons4/anxiety": "oro"
  },

  months: [
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december"
  ],
  clockWord: "kl.",
  communityHeading: "Verksamhet i samhället",
  communityIntro: (withPlan) =>
    `Klienter med en antecknad plan: ${withPlan}. Klienter per verksamhet i registret: bekantat sig (föreslagen, prövad eller anslutit sig), prövat (med länkpersonen), anslutit sig, med när samarbetet avslutades och vid uppföljningen. En siffra inom en annan döljs också när skillnaden vore en liten grupp.`,
  communityChartJoined: "Klienter som anslutit sig till verksamheten",
  communityNoActivities: "Inga verksamheter ur registret antecknades i planerna.",
  communityActivity: "verksamhet",
  communityOrganisation: "arrangör",
  communityArea: "område",
  communityMet: "bekantat sig",
  communityTried: "prövat",
  communityTriedAccompanied: "prövat med länkpersonen",
  communityJoined: "anslutit sig",
  communityStillAtEnd: "med vid slutet",
  communityStillAtFollowUp: "med vid uppföljningen",
  communityByOrganisation: "Per arrangör",
  communityUnmetHeading: "Ouppfyllda behov",
  communityUnmetText: "Behov som ingen verksamhet i registret mötte, per kategori och område (klienter).",
  communityUnmetChart: "Klienter med ett ouppfyllt behov, per kategori",
  communityNoUnmet: "Inga ouppfyllda behov antecknades.",
  communityCategory: "kategori",
  communityClients: "klienter",
  communityAllAreas: "alla områden"
}

/**
 * English.
 *
 * @since 0.2.0
 * @category texts
 */
export const en: ReportText = {
  title: (name) => `Evaluation: ${name}`,
  programme: "programme",
  versions: (v, n) => (n === 1 ? `version ${v}` : `versions ${v}`),
  period: "Referrals submitted",
  asOf: "Events up to",
  timeZone: (zone) => `times in local time (${zone})`,
  intro: (m) =>
    `Aggregates only. Every figure from fewer than ${m} clients is suppressed and shown as such; where one ` +
    "cell of a table is suppressed, the next smallest is suppressed too so it cannot be recovered by subtraction. " +
    "No personal data is in this page.",

  referralsHeading: "Referrals",
  total: "Total",
  chartByStatus: "Referrals by state",
  headState: "state",
  headReferrals: "referrals",
  byProfessionHeading: "By referrer profession",
  chartByProfession: "Referrals by referrer profession",
  headProfession: "profession",

  firstContactHeading: "Time from submission to first contact (D2)",
  firstContactText: (reached, within, after, share) =>
    `First contact is the call that reached the client. Reached: ${reached}; within the deadline: ${within}; ` +
    `after it: ${after}; share within: ${share}.`,
  chartFirstContact: "Hours from submission to first contact: quartiles and median",
  unitHours: "hours",
  headLowerQuartile: "lower quartile",
  headMedian: "median",
  headUpperQuartile: "upper quartile",

  collaborationHeading: "Collaboration length",
  collaborationText: (closed) => `Closed collaborations: ${closed} (start to closing, days).`,
  chartCollaboration: "Collaboration length in days: quartiles and median",
  unitDays: "days",

  changeHeading: "Change in outcome measures",
  changeText:
    "Change is computed only between two administrations of the same instrument by the same kind of respondent " +
    "(a proxy's answers are never paired with the client's own). Positive values are increases; for scores where " +
    "higher is worse, an improvement is a decrease. Confidence intervals use Student's t distribution.",
  chartChange: "Mean change with 95% confidence interval",
  noChange: "0 (no change)",
  headMeasure: "measure",
  headDirection: "direction",
  headPairs: "pairs",
  headMeanChange: "mean change",
  headCi95: "95% CI",
  headImproved: "improved (at least possibly)",
  headImprovedClearly: "improved clearly",
  higherIsBetter: "higher is better",
  higherIsWorse: "higher is worse",
  notClassified: "not classified (no thresholds)",
  completenessHeading: "Forms recorded and scored",
  completenessText: "A form with a missing answer is kept but not scored.",
  headInstrument: "instrument",
  headTimePoint: "time point",
  headRespondent: "respondent",
  headRecorded: "recorded",
  headScored: "scored",
  headNotScored: "not scored",

  followUpHeading: "Follow-up completion",
  followUpText: (settled, share) => `Settled follow-ups: ${settled}; share recorded: ${share}.`,
  chartFollowUp: "Follow-up measures",
  followUpRecorded: "recorded",
  followUpMissed: "missed",
  followUpPending: "window still open",
  headFollowUp: "follow-up",
  collectedHeading: "How the follow-ups were collected",
  headCollected: "collected",
  collectedByLink: "by the client, through a measure link",
  collectedByLinkWorker: "by the link worker",

  surveyHeading: "The link workers' survey",
  surveyText: (m) =>
    "Link workers answer the survey anonymously. Figures are shown only after a survey round has closed. " +
    `A figure is suppressed when fewer than ${m} answers are behind it or fewer than ${m} other respondents ` +
    "would remain; a mean is suppressed also when all the answers are the same.",
  surveyNoRounds: "No survey round closed within the period.",
  surveyRound: (period) => `Survey round ${period}`,
  surveyRespondents: (n) => `Respondents: ${n}`,
  headSurveyItem: "question",
  headSurveyAnswered: "answered",
  headSurveyMean: "mean",
  headSurveyAnswer: "answer",
  headSurveyCount: "answers",
  suppressedNoVariation: "suppressed (all answers the same)",

  suppressedSmall: "suppressed (fewer than the minimum)",
  suppressedComplementary: "suppressed (protects a small cell)",
  suppressedMark: "suppressed",
  suppressedChart: "suppressed: fewer than the minimum number of clients",

  statuses: {
    Submitted: "submitted",
    Assigned: "link worker assigned",
    ContactScheduled: "call time agreed",
    Active: "collaboration active",
    OnHold: "on hold",
    Closed: "closed",
    FollowedUp: "followed up",
    Rejected: "returned",
    Declined: "client declined",
    Unreachable: "not reached",
    Cancelled: "cancelled",
    Withdrawn: "consent withdrawn"
  },
  professions: {
    doctor: "doctor",
    nurse: "nurse",
    "social-worker": "social worker",
    "social-counsellor": "social counsellor",
    "service-counsellor": "service counsellor",
    unknown: "unknown"
  },
  timePoints: { baseline: "baseline", end: "end", "follow-up": "follow-up" },
  respondents: { self: "self", proxy: "proxy" },
  instruments: {
    swemwbs: "SWEMWBS (positive mental wellbeing)",
    wemwbs: "WEMWBS (positive mental wellbeing)",
    esis: "ESIS (THL participation indicator)",
    "ucla-3": "UCLA-3 (loneliness)",
    ons4: "ONS4 (personal wellbeing)"
  },
  scores: {
    "ons4/life-satisfaction": "life satisfaction",
    "ons4/worthwhile": "worthwhile",
    "ons4/happiness": "happiness",
    "ons4/anxiety": "anxiety"
  },

  months: englishMonthNames,
  clockWord: "at",
  communityHeading: "Community activities",
  communityIntro: (withPlan) =>
    `Clients with a plan recorded: ${withPlan}. Clients per directory activity: met (suggested, tried or joined), tried (with the link worker), joined, still taking part when the collaboration closed, and at follow-up. A figure inside another is also suppressed when the difference would be a small group.`,
  communityChartJoined: "Clients who joined each activity",
  communityNoActivities: "No directory activity was recorded in a plan.",
  communityActivity: "activity",
  communityOrganisation: "organisation",
  communityArea: "area",
  communityMet: "met",
  communityTried: "tried",
  communityTriedAccompanied: "tried with the link worker",
  communityJoined: "joined",
  communityStillAtEnd: "still at the end",
  communityStillAtFollowUp: "still at follow-up",
  communityByOrganisation: "By organisation",
  communityUnmetHeading: "Unmet needs",
  communityUnmetText: "Needs nothing in the directory met, by category and area (clients).",
  communityUnmetChart: "Clients with an unmet need, by category",
  communityNoUnmet: "No unmet need was recorded.",
  communityCategory: "category",
  communityClients: "clients",
  communityAllAreas: "all areas"
}

/**
 * The catalogue: every report language's texts.
 *
 * @since 0.2.0
 * @category texts
 */
export const texts: Readonly<Record<Language, ReportText>> = { fi, sv, en }

/**
 * A number as the language writes it, rounded to `digits` decimals:
 * `1 234,5` (fi, sv: decimal comma, a non-breaking space between
 * thousands), `1,234.5` (en); a negative number with the minus sign `−`
 * (U+2212); a value that rounds to zero has no sign.
 *
 * @since 0.2.0
 * @category formatting
 */
export const formatNumber = (value: number, digits: number, language: Language): string => {
  const fixed = Math.abs(value).toFixed(digits)
  const [whole = "0", fraction] = fixed.split(".")
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, language === "en" ? "," : nbsp)
  const sign = value < 0 && /[1-9]/.test(fixed) ? "−" : ""
  return `${sign}${grouped}${fraction === undefined ? "" : `${language === "en" ? "." : ","}${fraction}`}`
}

/**
 * A share (0–1) as a whole percentage: `45 %` (fi, sv, with a non-breaking
 * space), `45%` (en).
 *
 * @since 0.2.0
 * @category formatting
 */
export const formatPercent = (share: number, language: Language): string =>
  `${formatNumber(share * 100, 0, language)}${language === "en" ? "" : nbsp}%`

const isLocalMidnight = (instant: Instant, zone: string): boolean =>
  startOfLocalDay(localDateOf(instant, zone), zone) === instant

const dayMonth = (date: LocalDate, language: Language): string => {
  const { month, day } = toParts(date)
  return language === "en" ? `${day} ${en.months[month - 1]}` : `${day}.${month}.`
}

/**
 * A local date: `2.3.2026` (fi, sv), `2 March 2026` (en).
 *
 * @since 0.2.0
 * @category formatting
 */
export const formatDate = (date: LocalDate, language: Language): string => {
  const { year } = toParts(date)
  return `${dayMonth(date, language)}${language === "en" ? " " : ""}${year}`
}

/**
 * An instant as a local date and time of day: `1.6.2026 klo 9.05` (fi),
 * `1.6.2026 kl. 9.05` (sv), `1 June 2026 at 9:05` (en).
 *
 * @since 0.2.0
 * @category formatting
 */
export const formatInstant = (instant: Instant, zone: string, language: Language): string => {
  const p = localParts(instant, zone)
  const mm = String(p.minute).padStart(2, "0")
  return `${formatDate(p.date, language)} ${texts[language].clockWord} ${p.hour}${language === "en" ? ":" : "."}${mm}`
}

const monthRange = (
  first: { readonly year: number; readonly month: number },
  last: { readonly year: number; readonly month: number },
  language: Language
): string => {
  const name = (m: number) => texts[language].months[m - 1] as string
  if (first.year === last.year && first.month === last.month) return `${name(first.month)} ${first.year}`
  if (first.year === last.year) return `${name(first.month)}–${name(last.month)} ${first.year}`
  return `${name(first.month)} ${first.year} – ${name(last.month)} ${last.year}`
}

const dayRange = (first: LocalDate, last: LocalDate, language: Language): string => {
  if (first === last) return formatDate(first, language)
  const a = toParts(first)
  const b = toParts(last)
  if (a.year !== b.year) {
    return `${formatDate(first, language)}${language === "en" ? " – " : "–"}${formatDate(last, language)}`
  }
  if (language === "en") {
    return a.month === b.month
      ? `${a.day}–${formatDate(last, language)}`
      : `${dayMonth(first, language)} – ${formatDate(last, language)}`
  }
  // fi: 1.3.–15.5.2026; sv: 1.3–15.5.2026
  const head = dayMonth(first, language)
  return `${language === "sv" ? head.slice(0, -1) : head}–${formatDate(last, language)}`
}

/**
 * A period `[from, to)` as its readers say it, in local time:
 *
 * - whole local months (from and to at midnight on the first of a month):
 *   the months, `maaliskuu–toukokuu 2026` (fi), `mars–maj 2026` (sv),
 *   `March–May 2026` (en), `joulukuu 2025 – helmikuu 2026` across a year;
 * - whole local days: the first and the last day included,
 *   `1.3.–15.5.2026` (fi), `1.3–15.5.2026` (sv), `1 March – 15 May 2026` (en);
 * - otherwise both ends to the minute, the end not included.
 *
 * @example
 * ```ts
 * import { EvaluationText, Instant } from "@lahete/core"
 *
 * const from = Instant.make(Date.parse("2026-02-28T22:00:00.000Z"))
 * const to = Instant.make(Date.parse("2026-05-31T21:00:00.000Z"))
 * EvaluationText.formatPeriod({ from, to }, "Europe/Helsinki", "fi") // "maaliskuu–toukokuu 2026"
 * ```
 *
 * @since 0.2.0
 * @category formatting
 */
export const formatPeriod = (
  period: { readonly from: Instant; readonly to: Instant },
  zone: string,
  language: Language
): string => {
  const { from, to } = period
  if (from < to && isLocalMidnight(from, zone) && isLocalMidnight(to, zone)) {
    const first = localDateOf(from, zone)
    const last = addDays(localDateOf(to, zone), -1)
    const a = toParts(first)
    const end = toParts(localDateOf(to, zone))
    if (a.day === 1 && end.day === 1) return monthRange(a, toParts(last), language)
    return dayRange(first, last, language)
  }
  return `${formatInstant(from, zone, language)} – ${formatInstant(to, zone, language)}`
}
