/**
 * Actors: who issues a command or reads a view. Every command and query
 * carries one; the role decides what it may do and see (need-to-know,
 * domain specification §4).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { ActorId, OrganisationId, ProgrammeId } from "./Ids.js"

/**
 * The roles of the model.
 *
 * - `Referrer` (lähettäjä): the professional who makes a referral.
 * - `Coordinator` (koordinoiva linkkihenkilö): receives referrals, assigns link workers.
 * - `LinkWorker` (linkkihenkilö, hyvinvointilähetti): meets the client.
 * - `Client` (asiakas): the referred adult, for subject access and consent.
 * - `Evaluator` (arvioija): aggregates only.
 * - `System`: the scheduler and other processes acting on deadlines.
 *
 * @since 0.1.0
 * @category models
 */
export const Role = Schema.Literals(["Referrer", "Coordinator", "LinkWorker", "Client", "Evaluator", "System"])
/**
 * @since 0.1.0
 * @category models
 */
export type Role = typeof Role.Type

/**
 * A professional title, as a lower-case code (`doctor`, `nurse`,
 * `social-worker`, `social-counsellor`, `service-counsellor`, …). Which ones
 * may refer is the programme's choice.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Profession = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^[a-z][a-z0-9-]{1,63}$/u, { message: "expected a lower-case profession code" }))
)
/**
 * @since 0.1.0
 * @category models
 */
export type Profession = typeof Profession.Type

/**
 * An actor: role, id and organisation; a referrer also states a profession.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Actor = Schema.Struct({
  role: Role,
  id: ActorId,
  organisation: OrganisationId,
  profession: Schema.optionalKey(Profession),
  /**
   * The programmes a coordinator or link worker works for, as the embedding
   * system's account data says (never taken from a request). Absent: every
   * programme of the deployment. Referrers refer to any programme (one
   * professional identity for all referral types).
   */
  programmes: Schema.optionalKey(Schema.Array(ProgrammeId))
})
/**
 * @since 0.1.0
 * @category models
 */
export type Actor = typeof Actor.Type

/**
 * Builds an actor from trusted values (fixtures, configuration). It throws on
 * an invalid id; decode untrusted input with the `Actor` schema instead.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (role: Role, id: string, organisation: string, profession?: string): Actor =>
  Schema.decodeUnknownSync(Actor)(
    profession === undefined ? { role, id, organisation } : { role, id, organisation, profession }
  )
