/**
 * @lahete/messaging-email: lahete's `Mailer` over SMTP.
 *
 * @since 0.1.0
 */

/**
 * The `Mailer` port over SMTP through nodemailer (TLS, authentication).
 *
 * @since 0.1.0
 */
export * as SmtpMailer from "./SmtpMailer.js"
