/**
 * Programme presets for the two Lapland variants of the model. Every value
 * cites where it comes from: `[K…]` the Kemijärvi model (from 13 January
 * 2021), `[S…]` the Sodankylä project (2021–2022), `[F…]` other researched
 * facts, and `[P]` a proposal of this library where the model says nothing
 * (domain specification §3 marks these with *). See docs/adapting.md for the
 * list of sources and how to derive your own programme.
 *
 * Sources:
 * - K1 a social or health professional (doctor, nurse, social worker, social
 *   counsellor, service counsellor) at the wellbeing centre makes the referral
 * - K2 the link worker contacts the client within 1–3 days of the referral
 * - K3 the client first gets a text message stating the exact time of the call
 * - K4 the collaboration lasts about 1–6 months
 * - K5 the positive mental health measure at the start, at the end and 3
 *   months after the end
 * - K6 the referrer may ask to read the closing feedback; the client decides
 * - K7 link workers are trained and bound to confidentiality
 * - K8 the model is for adults (the referral is made by adult services)
 * - S1 referrer professions as in Kemijärvi; working-age and older adults
 * - S2 an acute crisis or a clear need for professional help is not eligible
 * - S3 meetings e.g. weekly for at most half a year
 * - S4 measures: THL's participation indicator (ESIS) and the positive mental
 *   health measure, at start and end
 * - S5 idea: the referrer fills the positive mental health measure about the
 *   client at the start (proxy); the client fills it at the end
 * - S6 chosen idea: continuity of link-worker training (regular further
 *   training, mentoring)
 * - F1 SWEMWBS is the short form THL uses in its own surveys (default form)
 * - F2 Finland is bilingual (fi, sv); Sodankylä lies partly in the Sámi
 *   homeland (Northern Sámi, se)
 * - F3 time zone Europe/Helsinki
 *
 * @since 0.1.0
 */
import { Result } from "effect"
import * as Programme from "./Programme.js"

const decodePreset = (input: Programme.Input): Programme.Programme =>
  Result.getOrThrowWith(Programme.make(input), (e) => new Error(e.message))

/**
 * Kemijärvi's hyvinvointilähete.
 *
 * @since 0.1.0
 * @category presets
 */
export const kemijarvi: Programme.Programme = decodePreset({
  id: "kemijarvi",
  version: 1,
  municipality: "Kemijärvi",
  names: { fi: "Hyvinvointilähete", en: "Wellbeing referral" }, // sv name: the municipality's to give; fi is shown meanwhile
  timeZone: "Europe/Helsinki", // [F3]
  languages: ["fi", "sv", "en"], // [F2] fi and sv by law; en [P]
  eligibleReferrerProfessions: ["doctor", "nurse", "social-worker", "social-counsellor", "service-counsellor"], // [K1]
  eligibilityExclusions: ["acute-crisis", "clear-professional-need"], // [S2], adopted for Kemijärvi [P]
  minimumClientAge: 18, // [K8]
  deadlines: {
    assignment: { businessDays: 1 }, // D1 [P]
    firstContact: { days: 3, dayKind: "business", atRiskHours: 24 }, // D2 3 days [K2]; business days and the 24 h warning [P]
    callingHours: { start: "08:00", end: "18:00" }, // [P]
    textMessage: { leadTimeMinutes: 120, quietHours: { start: "21:00", end: "08:00" } }, // D3 order [K3]; 2 h and 21–08 [P]
    collaboration: { warnAfterMonths: 5, maxMonths: 6 }, // D4 6 months [K4]; warning at 5 [P]
    followUp: { monthsAfterClosing: 3, windowDays: 14, reminderDaysBefore: 7 }, // D5 3 months [K5]; ±14 d window, reminder [P]
    retention: { erasePersonalDataAfterMonths: null } // D6: the controller decides; no default pretends to be law
  },
  contactAttempts: { max: 3 }, // [P]
  measures: {
    baseline: [{ instrument: "swemwbs", respondent: "self" }], // [K5][F1]
    end: [{ instrument: "swemwbs", respondent: "self" }], // [K5][F1]
    followUp: [{ instrument: "swemwbs", respondent: "self" }] // [K5][F1]
  },
  feedback: { referrerMayRequest: true }, // [K6]
  linkWorkers: { refresherIntervalMonths: 12, defaultCapacity: 15 } // [K7] trained; 12 months and 15 clients [P]
})

/**
 * Sodankylä's hyvinvointilähete ja -lähetti.
 *
 * @since 0.1.0
 * @category presets
 */
export const sodankyla: Programme.Programme = decodePreset({
  id: "sodankyla",
  version: 1,
  municipality: "Sodankylä",
  names: { fi: "Hyvinvointilähete ja -lähetti", en: "Wellbeing referral and link worker" }, // sv and se names: the municipality's to give; fi is shown meanwhile
  timeZone: "Europe/Helsinki", // [F3]
  languages: ["fi", "sv", "se", "en"], // [F2]; en [P]
  eligibleReferrerProfessions: ["doctor", "nurse", "social-worker", "social-counsellor", "service-counsellor"], // [S1]
  eligibilityExclusions: ["acute-crisis", "clear-professional-need"], // [S2]
  minimumClientAge: 18, // [S1] adults
  deadlines: {
    assignment: { businessDays: 1 }, // D1 [P]
    firstContact: { days: 3, dayKind: "business", atRiskHours: 24 }, // D2 as Kemijärvi [K2][P]
    callingHours: { start: "08:00", end: "18:00" }, // [P]
    textMessage: { leadTimeMinutes: 120, quietHours: { start: "21:00", end: "08:00" } }, // D3 [K3][P]
    collaboration: { warnAfterMonths: 5, maxMonths: 6 }, // D4 at most half a year [S3]; warning [P]
    followUp: { monthsAfterClosing: 3, windowDays: 14, reminderDaysBefore: 7 }, // D5 [K5][P]: Sodankylä measured start and end only [S4]; the library keeps the model's follow-up
    retention: { erasePersonalDataAfterMonths: null } // D6: the controller decides
  },
  contactAttempts: { max: 3 }, // [P]
  measures: {
    baseline: [
      { instrument: "esis", respondent: "self" }, // [S4]
      { instrument: "swemwbs", respondent: "self" }, // [S4][F1]
      { instrument: "swemwbs", respondent: "proxy" } // [S5] the referrer's view at the start (needs proxy-measure consent)
    ],
    end: [
      { instrument: "esis", respondent: "self" }, // [S4]
      { instrument: "swemwbs", respondent: "self" } // [S4][S5]
    ],
    followUp: [{ instrument: "swemwbs", respondent: "self" }] // [K5] model default; [P] for Sodankylä
  },
  feedback: { referrerMayRequest: true }, // [K6] as Kemijärvi [P]
  linkWorkers: { refresherIntervalMonths: 6, defaultCapacity: 15 } // [S6] regular further training: every 6 months [P]; capacity [P]
})

/**
 * Both presets.
 *
 * @since 0.1.0
 * @category presets
 */
export const all: ReadonlyArray<Programme.Programme> = [kemijarvi, sodankyla]

/**
 * A catalog with both presets.
 *
 * @since 0.1.0
 * @category presets
 */
export const catalog: Programme.Catalog = Result.getOrThrow(Programme.catalog(all))
