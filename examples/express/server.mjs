// Runs the example: `npm start` (memory) or `DATABASE_URL=postgres://… npm start`.
// PORT (default 3000) and HOST (default 127.0.0.1) choose where it listens.
import nodemailer from 'nodemailer'
import { Helpdesk } from 'ticketry'
import { createApp } from './app.mjs'
import { sendNotifications, startMailIn } from './mail.mjs'

const url = process.env.DATABASE_URL
let desk
if (url) {
  // TICKETRY_ROLE: a role subject to row-level security (not a superuser).
  desk = await Helpdesk.connect(url, { schema: process.env.TICKETRY_SCHEMA || 'ticketry', role: process.env.TICKETRY_ROLE })
  await desk.migrate()
} else {
  desk = Helpdesk.inMemory()
}
const { app, workspace } = await createApp({ desk })
const port = Number(process.env.PORT || 3000)
const host = process.env.HOST || '127.0.0.1'
const server = app.listen(port, host, () => {
  console.log(`support API (${desk.backend}) on http://${host}:${server.address().port}/api/support/`)
})

// Every minute, run what fell due (the seed's Celery beat): SLA warnings and
// breaches, auto-close, escalation, reminders and the assignment backlog.
// Several processes may run it at once: each action happens once.
const automations = setInterval(async () => {
  try {
    const { sla, fired, assigned } = await workspace.runAutomations()
    for (const a of sla.alerts) console.log(`SLA ${a.kind}: ${a.number} ${a.metric} due ${a.dueAt.toISOString()}`)
    for (const f of fired) console.log(`rule: ${f.number} ${f.rule}`)
    if (assigned.length) console.log(`assigned ${assigned.length} waiting ticket(s)`)
  } catch (e) {
    console.error('automations failed:', e.code, e.message)
  }
}, 60 * 1000)
automations.unref()

// Mail in: SMTP on 127.0.0.1:MAIL_PORT (default 2525) for the support
// address MAIL_ADDRESS; mail out: notifications every 30 s through SMTP_URL
// (`smtp://user:pass@smtp.example.com:587`), or printed when it is unset.
const address = process.env.MAIL_ADDRESS || 'support@example.com'
await workspace.update({ settings: { mail: { ...(await workspace.info()).settings.mail, address } } })
const mailIn = await startMailIn({ workspace, mailbox: address, port: Number(process.env.MAIL_PORT || 2525) })
console.log(`mail in: smtp://127.0.0.1:${mailIn.port} for ${address}`)
const transport = process.env.SMTP_URL ? nodemailer.createTransport(process.env.SMTP_URL) : nodemailer.createTransport({ jsonTransport: true })
let sending = false
const mailOut = setInterval(async () => {
  if (sending) return // the last run is still sending
  sending = true
  try {
    const sent = await sendNotifications({ workspace, transport, from: address })
    if (sent) console.log(`sent ${sent} notification(s)`)
  } catch (e) {
    console.error('notifications failed:', e.code, e.message)
  } finally {
    sending = false
  }
}, 30 * 1000)
mailOut.unref()

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => server.close(() => mailIn.close().then(() => desk.close()).then(() => process.exit(0))))
}
