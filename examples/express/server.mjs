// Runs the example: `npm start` (memory) or `DATABASE_URL=postgres://… npm start`.
// PORT (default 3000) and HOST (default 127.0.0.1) choose where it listens.
import { Helpdesk } from 'ticketry'
import { createApp } from './app.mjs'

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

// Every quarter hour, record SLA warnings and breaches (the seed's Celery beat).
const sweep = setInterval(async () => {
  try {
    const { alerts } = await workspace.slaSweep()
    for (const a of alerts) console.log(`SLA ${a.kind}: ${a.number} ${a.metric} due ${a.dueAt.toISOString()}`)
  } catch (e) {
    console.error('SLA sweep failed:', e.code, e.message)
  }
}, 15 * 60 * 1000)
sweep.unref()

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => server.close(() => desk.close().then(() => process.exit(0))))
}
