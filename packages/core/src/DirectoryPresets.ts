/**
 * Small directories of community activities for the two presets, in Finnish
 * and Swedish. **Fictional**: the organisations are of the kinds the
 * Kemijärvi model names (adult education centre, parish, associations, the
 * municipality's leisure services) but the activities, times, fees and
 * contacts are invented for examples and tests; replace them with your
 * deployment's own (import them from HSDS with `Hsds.fromHsds`).
 *
 * @since 0.3.0
 */
import { Result } from "effect"
import * as Directory from "./Directory.js"

const build = (data: typeof Directory.DirectoryData.Encoded): Directory.Directory =>
  Directory.make(Result.getOrThrowWith(Directory.decode(data), (e) => new Error(e.message)))

const walk = "Kemijärvi, keskusta"

/**
 * Activity ids of the Kemijärvi directory, for examples and tests.
 *
 * @since 0.3.0
 * @category constants
 */
export const kemijarviIds = {
  adultEducation: "0a6f1c2e-0000-4000-8000-000000000001",
  parish: "0a6f1c2e-0000-4000-8000-000000000002",
  leisure: "0a6f1c2e-0000-4000-8000-000000000003",
  association: "0a6f1c2e-0000-4000-8000-000000000004",
  walkingGroup: "0a6f1c2e-0000-4000-8000-000000000101",
  craftCircle: "0a6f1c2e-0000-4000-8000-000000000102",
  griefGroup: "0a6f1c2e-0000-4000-8000-000000000103",
  languageCafe: "0a6f1c2e-0000-4000-8000-000000000104",
  seniorGym: "0a6f1c2e-0000-4000-8000-000000000105"
} as const

/**
 * Kemijärvi's directory (fictional).
 *
 * @since 0.3.0
 * @category presets
 */
export const kemijarvi: Directory.Directory = build({
  organisations: [
    {
      id: kemijarviIds.adultEducation,
      version: 1,
      name: "Kemijärven kansalaisopisto",
      kind: "adult-education-centre",
      description: "Kursseja aikuisille: käsityöt, kielet, liikunta.",
      website: "https://example.org/kemijarvi/kansalaisopisto"
    },
    {
      id: kemijarviIds.parish,
      version: 1,
      name: "Kemijärven seurakunta",
      kind: "parish",
      description: "Diakoniatyön ryhmät ja vertaistuki."
    },
    {
      id: kemijarviIds.leisure,
      version: 1,
      name: "Kemijärven kaupungin vapaa-aikapalvelut",
      kind: "municipal-leisure",
      description: "Liikuntaa ja kulttuuria kaikenikäisille."
    },
    {
      id: kemijarviIds.association,
      version: 1,
      name: "Svenska klubben i Kemijärvi",
      kind: "association",
      description: "En liten förening för dem som vill tala svenska."
    }
  ],
  activities: [
    {
      id: kemijarviIds.walkingGroup,
      version: 1,
      organisationId: kemijarviIds.leisure,
      name: "Kävelyryhmä Pöyliövaara",
      description: "Rauhallinen tunnin kävely ohjaajan kanssa, lähtö kirjaston edestä. Uudet tervetulleita.",
      status: "active",
      area: walk,
      languages: ["fi"],
      schedules: [{ freq: "WEEKLY", byDay: ["TU"], opens: "10:00", closes: "11:00" }],
      cost: { free: true },
      place: {
        name: "Kirjaston edusta",
        address: { street: "Esimerkkikatu 1", postalCode: "98100", city: "Kemijärvi" },
        accessibility: "Tasainen reitti, sopii rollaattorin kanssa."
      },
      contact: { name: "Liikuntaneuvoja", phone: "+358 40 000 0001" },
      accompanyingAllowed: true
    },
    {
      id: kemijarviIds.craftCircle,
      version: 1,
      organisationId: kemijarviIds.adultEducation,
      name: "Käsityöpiiri",
      description: "Neulotaan ja virkataan yhdessä omien töiden parissa.",
      status: "active",
      area: walk,
      languages: ["fi"],
      schedules: [{ freq: "WEEKLY", byDay: ["TU"], opens: "17:00", closes: "19:00" }],
      cost: { free: false, amountEur: 45, description: "Lukukausimaksu" },
      place: { name: "Kansalaisopiston luokka 2", accessibility: "Hissi toiseen kerrokseen." },
      contact: { email: "kansalaisopisto@example.org" },
      accompanyingAllowed: true
    },
    {
      id: kemijarviIds.griefGroup,
      version: 1,
      organisationId: kemijarviIds.parish,
      name: "Surusta voimaa -vertaisryhmä",
      description: "Suljettu vertaisryhmä läheisensä menettäneille, kahdeksan tapaamista.",
      status: "active",
      area: walk,
      languages: ["fi"],
      schedules: [{ freq: "WEEKLY", byDay: ["WE"], opens: "18:00", closes: "19:30" }],
      cost: { free: true },
      contact: { name: "Diakoniatyöntekijä", phone: "+358 40 000 0002" },
      accompanyingAllowed: false
    },
    {
      id: kemijarviIds.languageCafe,
      version: 1,
      organisationId: kemijarviIds.association,
      name: "Språkcafé",
      description: "Vi dricker kaffe och pratar svenska, alla nivåer är välkomna.",
      status: "active",
      area: walk,
      languages: ["sv", "fi"],
      schedules: [{ freq: "MONTHLY", byDay: ["1MO"], opens: "14:00", closes: "15:30" }],
      cost: { free: true },
      accompanyingAllowed: true
    },
    {
      id: kemijarviIds.seniorGym,
      version: 1,
      organisationId: kemijarviIds.leisure,
      name: "Senioreiden kuntosalivuoro",
      description: "Ohjattu kuntosalivuoro yli 60-vuotiaille.",
      status: "active",
      area: "Kemijärvi, Isokylä",
      languages: ["fi"],
      schedules: [{ freq: "WEEKLY", byDay: ["MO", "FR"], opens: "09:00", closes: "10:00" }],
      cost: { free: false, amountEur: 2, description: "Kertamaksu" },
      place: { name: "Isokylän koulun sali", accessibility: "Esteetön sisäänkäynti." },
      accompanyingAllowed: true
    }
  ]
})

/**
 * Activity ids of the Sodankylä directory, for examples and tests.
 *
 * @since 0.3.0
 * @category constants
 */
export const sodankylaIds = {
  adultEducation: "5d0a7b3c-0000-4000-8000-000000000001",
  sportsClub: "5d0a7b3c-0000-4000-8000-000000000002",
  villageAssociation: "5d0a7b3c-0000-4000-8000-000000000003",
  choir: "5d0a7b3c-0000-4000-8000-000000000101",
  skiing: "5d0a7b3c-0000-4000-8000-000000000102",
  villageCoffee: "5d0a7b3c-0000-4000-8000-000000000103",
  newcomers: "5d0a7b3c-0000-4000-8000-000000000104"
} as const

/**
 * Sodankylä's directory (fictional).
 *
 * @since 0.3.0
 * @category presets
 */
export const sodankyla: Directory.Directory = build({
  organisations: [
    {
      id: sodankylaIds.adultEducation,
      version: 1,
      name: "Sodankylän kansalaisopisto",
      kind: "adult-education-centre",
      description: "Kursseja kirkonkylällä ja kylillä."
    },
    {
      id: sodankylaIds.sportsClub,
      version: 1,
      name: "Sodankylän Hiihtoseura",
      kind: "sports-club",
      description: "Hiihtoa ja ulkoilua kaikille."
    },
    {
      id: sodankylaIds.villageAssociation,
      version: 1,
      name: "Vuotson kyläyhdistys",
      kind: "association",
      description: "Kylän yhteinen toiminta."
    }
  ],
  activities: [
    {
      id: sodankylaIds.choir,
      version: 1,
      organisationId: sodankylaIds.adultEducation,
      name: "Kansalaisopiston kuoro",
      description: "Laulamme yhdessä, nuotteja ei tarvitse osata.",
      status: "active",
      area: "Sodankylä, kirkonkylä",
      languages: ["fi"],
      schedules: [{ freq: "WEEKLY", byDay: ["MO"], opens: "18:00", closes: "19:30" }],
      cost: { free: false, amountEur: 40, description: "Lukukausimaksu" },
      accompanyingAllowed: true
    },
    {
      id: sodankylaIds.skiing,
      version: 1,
      organisationId: sodankylaIds.sportsClub,
      name: "Aloittelijoiden hiihtokoulu",
      description: "Perinteisen hiihdon alkeet, välineitä voi lainata.",
      status: "active",
      area: "Sodankylä, kirkonkylä",
      languages: ["fi", "se"],
      schedules: [{ freq: "WEEKLY", byDay: ["SA"], opens: "11:00", closes: "12:30" }],
      cost: { free: true },
      accompanyingAllowed: true
    },
    {
      id: sodankylaIds.villageCoffee,
      version: 1,
      organisationId: sodankylaIds.villageAssociation,
      name: "Kyläkahvit",
      description: "Kahvia ja juttua kylätalolla.",
      status: "active",
      area: "Vuotso",
      languages: ["fi", "se"],
      schedules: [{ freq: "WEEKLY", byDay: ["WE"], opens: "13:00", closes: "15:00" }],
      cost: { free: true },
      place: { name: "Vuotson kylätalo", accessibility: "Luiska pääovelle." },
      accompanyingAllowed: true
    },
    {
      id: sodankylaIds.newcomers,
      version: 1,
      organisationId: sodankylaIds.adultEducation,
      name: "Samtalsgrupp för nyinflyttade",
      description: "Vi träffas och lär känna orten tillsammans.",
      status: "active",
      area: "Sodankylä, kirkonkylä",
      languages: ["sv", "en"],
      schedules: [{ freq: "MONTHLY", byDay: ["2TH"], opens: "17:00", closes: "18:30" }],
      cost: { free: true },
      accompanyingAllowed: false
    }
  ]
})
